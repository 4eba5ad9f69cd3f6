/*
 * The terminal relay of `barco run -t` (see relay.h). One poll loop, the
 * runner's: these functions only move bytes when poll says they can.
 */
#include "runtime/relay.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/log.h"

/* What tty_ioctl(4) calls the Ctrl-D of the pty's line discipline, or 0 if it reads raw. */
static char eof_char(int master)
{
	struct termios t;

	if (tcgetattr(master, &t) < 0 || !(t.c_lflag & ICANON))
		return 0;
	return (char)t.c_cc[VEOF];
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the reader went away: what it missed is lost, as with a pipe */
		buf += n;
		len -= (size_t)n;
	}
}

int barco_relay_start(struct barco_relay *r, int master, struct barco_err *err)
{
	struct termios raw;

	*r = (struct barco_relay){.master = master, .is_in_open = true, .is_out_open = true};
	barco_relay_resize(r);
	if (!isatty(STDIN_FILENO))
		return 0;
	if (tcgetattr(STDIN_FILENO, &r->saved) < 0)
		return barco_err_errno(err, "tcgetattr(stdin)");
	raw = r->saved;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
		return barco_err_errno(err, "tcsetattr(stdin, raw)");
	r->is_raw = true;
	return 0;
}

int barco_relay_poll_fds(const struct barco_relay *r, struct pollfd *pfds)
{
	int n = 0;

	if (r->master < 0)
		return 0;
	if (r->is_in_open)
		pfds[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
	if (r->is_out_open)
		pfds[n++] = (struct pollfd){.fd = r->master, .events = POLLIN};
	return n;
}

/*
 * stdin's end. A raw terminal ends only when it hangs up (its Ctrl-D is a
 * byte like any other): the container's terminal must hang up too, or a
 * shell whose line editor reads raw would wait for keys forever. A file
 * or pipe ends: the pty's line discipline sees Ctrl-D, as if typed, so cat
 * ends too.
 */
static void close_input(struct barco_relay *r)
{
	char eof = eof_char(r->master);

	r->is_in_open = false;
	if (r->is_raw) {
		r->is_hung_up = true;
		r->is_raw = false; /* nothing is left to restore */
		return;
	}
	if (eof)
		write_all(r->master, &eof, 1);
}

static bool copy_once(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false; /* EOF, or EIO from a master whose slaves all closed */
	write_all(to, buf, (size_t)n);
	return true;
}

void barco_relay_pump(struct barco_relay *r, const struct pollfd *pfds, int n)
{
	for (int i = 0; i < n; i++) {
		if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (pfds[i].fd == STDIN_FILENO && !copy_once(STDIN_FILENO, r->master))
			close_input(r);
		else if (pfds[i].fd == r->master && !copy_once(r->master, STDOUT_FILENO))
			r->is_out_open = false;
	}
}

void barco_relay_resize(const struct barco_relay *r)
{
	struct winsize ws;

	if (r->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(r->master, TIOCSWINSZ, &ws);
}

void barco_relay_stop(struct barco_relay *r)
{
	struct pollfd pfd = {.fd = r->master, .events = POLLIN};

	/* The command has exited; its last output may still sit in the pty. */
	while (r->master >= 0 && r->is_out_open && poll(&pfd, 1, 0) > 0 &&
	       copy_once(r->master, STDOUT_FILENO))
		;
	if (r->is_raw && tcsetattr(STDIN_FILENO, TCSADRAIN, &r->saved) < 0)
		log_warn("restoring the terminal's settings: %s (run 'stty sane')",
			 strerror(errno));
	r->is_raw = false;
	r->master = -1;
}
