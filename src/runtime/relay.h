#pragma once
/*
 * barco run -t: the command's terminal is a pty of the container's own
 * devpts; barco holds its master and relays between it and barco's stdin
 * and stdout, as a terminal emulator or ssh does. barco's terminal (when
 * stdin is one) goes raw meanwhile, so each key, Ctrl-C included, reaches
 * the container's line discipline and not barco's.
 */
#include <poll.h>
#include <stdbool.h>
#include <termios.h>

#include "base/err.h"

struct barco_relay {
	int master;	  /* the pty master, or -1 when the relay is off */
	bool is_in_open;  /* stdin still gives data */
	bool is_out_open; /* the master still gives data (EIO: every slave closed) */
	bool is_raw;	  /* stdin is a terminal that was made raw: restore it */
	bool is_hung_up;  /* that terminal went away: the owner closes master to hang up the pty */
	struct termios saved;
};

/* Starts relaying master (borrowed, not closed): raw mode, the window size copied. */
int barco_relay_start(struct barco_relay *r, int master, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Fills up to 2 pollfds for what is still open; returns how many. */
int barco_relay_poll_fds(const struct barco_relay *r, struct pollfd *pfds);

/* Moves what poll said is ready (pfds, n as filled above). */
void barco_relay_pump(struct barco_relay *r, const struct pollfd *pfds, int n);

/* SIGWINCH: the new size of barco's terminal becomes the pty's. */
void barco_relay_resize(const struct barco_relay *r);

/* After the command exited: copies what it wrote last, then restores the terminal. */
void barco_relay_stop(struct barco_relay *r);
