#include "stages/net_nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/util.h"
#include "stages/net_lease.h"

#define NFT "/usr/sbin/nft"

/* The table, as nft(8) reads it; one statement a line, each shown in the report. */
static const char *const table_script[] = {
	"add table ip barco",
	"add chain ip barco prerouting { type nat hook prerouting priority dstnat; }",
	"add chain ip barco output { type nat hook output priority -100; }",
	"add chain ip barco postrouting { type nat hook postrouting priority srcnat; }",
	"add map ip barco ports { type inet_proto . inet_service : ipv4_addr . inet_service; }",
	"add map ip barco ports_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . "
	"inet_service; }",
	/* A port published on one address comes first: it wins over every address's. */
	"add rule ip barco prerouting fib daddr type local dnat ip to ip daddr . meta l4proto . "
	"th dport map @ports_ip",
	"add rule ip barco output fib daddr type local dnat ip to ip daddr . meta l4proto . th "
	"dport map @ports_ip",
	"add rule ip barco prerouting fib daddr type local dnat ip to meta l4proto . th dport map "
	"@ports",
	"add rule ip barco output fib daddr type local dnat ip to meta l4proto . th dport map "
	"@ports",
	"add rule ip barco postrouting ip saddr 10.88.0.0/16 oifname != \"barco0\" masquerade",
	/* -p from 127.0.0.1 (barco0 has route_localnet): the container answers 10.88.0.1. */
	"add rule ip barco postrouting ip saddr 127.0.0.0/8 oifname \"barco0\" masquerade",
};

static int parse_port_number(const char *s, const char *arg, uint16_t *ret, struct barco_err *err)
{
	uint64_t n;

	if (barco_parse_uint(s, 1, 65535, "port", &n, err) < 0)
		return barco_err_set(err, 0,
				     "invalid -p '%s': ports are 1..65535, as "
				     "[IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]",
				     arg);
	*ret = (uint16_t)n;
	return 0;
}

/* "IP:" in front of HOSTPORT:CONTAINERPORT (two colons): an IPv4 address, 0.0.0.0 for any. */
static int parse_host_addr(char **text, const char *arg, uint32_t *ret, struct barco_err *err)
{
	char *colon = strchr(*text, ':');
	struct in_addr in;

	if (!colon || !strchr(colon + 1, ':'))
		return 0; /* no address given */
	*colon = '\0';
	if (inet_pton(AF_INET, *text, &in) != 1)
		return barco_err_set(err, 0, "invalid -p '%s': '%s' is not an IPv4 address", arg,
				     *text);
	*ret = in.s_addr;
	*text = colon + 1;
	return 0;
}

int barco_net_parse_port(const char *arg, struct barco_config *cfg, struct barco_err *err)
{
	char buf[64];
	char *proto, *container, *host = buf;
	struct barco_port p = {0};

	if (cfg->ports_len == BARCO_PORTS_MAX)
		return barco_err_set(err, 0, "too many -p (at most %d)", BARCO_PORTS_MAX);
	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return barco_err_set(err, 0, "invalid -p '%s': too long", arg);
	proto = strchr(buf, '/');
	if (proto)
		*proto++ = '\0';
	if (parse_host_addr(&host, arg, &p.host_addr, err) < 0)
		return -1;
	container = strchr(host, ':');
	if (!container || (proto && strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
		return barco_err_set(err, 0,
				     "invalid -p '%s': expected [IP:]HOSTPORT:CONTAINERPORT"
				     "[/tcp|/udp]",
				     arg);
	*container++ = '\0';
	if (parse_port_number(host, arg, &p.host_port, err) < 0 ||
	    parse_port_number(container, arg, &p.container_port, err) < 0)
		return -1;
	p.is_udp = proto && strcmp(proto, "udp") == 0;
	for (size_t i = 0; i < cfg->ports_len; i++)
		if (cfg->ports[i].host_port == p.host_port && cfg->ports[i].is_udp == p.is_udp &&
		    cfg->ports[i].host_addr == p.host_addr)
			return barco_err_set(err, 0, "invalid -p '%s': host port %u given twice",
					     arg, p.host_port);
	cfg->ports[cfg->ports_len++] = p;
	return 0;
}

/* In the child: the script on stdin, stderr to the pipe, signals as a fresh process has them. */
static _Noreturn void exec_nft(int in, int errfd)
{
	sigset_t none;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0 || dup2(errfd, 2) < 0 || null < 0 || dup2(null, 1) < 0)
		_exit(126);
	execl(NFT, "nft", "-f", "-", (char *)NULL);
	_exit(127);
}

/*
 * Runs `nft -f -` with script (one transaction: all or nothing). Returns
 * nft's exit status, with its first line of stderr in msg; -1 with errno
 * when it could not run.
 */
static int run_nft(const char *script, char *msg, size_t size)
{
	int in[2], errp[2], status = 0;
	ssize_t n;
	pid_t pid;

	msg[0] = '\0';
	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		(void)close(in[0]);
		(void)close(in[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		exec_nft(in[0], errp[1]);
	(void)close(in[0]);
	(void)close(errp[1]);
	/* A script is far below a pipe's capacity (64 KiB): one write(2) takes it all. */
	if (pid > 0 && write(in[1], script, strlen(script)) != (ssize_t)strlen(script))
		(void)kill(pid, SIGKILL);
	(void)close(in[1]);
	n = pid > 0 ? read(errp[0], msg, size - 1) : -1;
	msg[n > 0 ? n : 0] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	(void)close(errp[0]);
	if (pid < 0 || barco_waitpid(pid, &status) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs script, shown in the report and in errors as "nft: WHAT = 0" (WHAT: one line of it). */
static int nft_step(const char *script, const char *statement, struct barco_report *rep,
		    struct barco_err *err)
{
	char msg[256];
	int r = run_nft(script, msg, sizeof(msg));

	if (r < 0)
		return barco_err_errno(err, "run %s", NFT);
	if (r == 127)
		return barco_err_set(err, ENOENT,
				     "%s not found: -p needs nftables (apt-get install nftables)",
				     NFT);
	if (r != 0)
		return barco_err_set(err, 0, "nft: %s = %d: %s", statement, r, msg);
	barco_report_add(rep, "nft: %s = 0", statement);
	return barco_net_step_fault(statement, err);
}

/* The table, unless this network namespace has it already (one transaction). */
static int ensure_table(struct barco_report *rep, struct barco_err *err)
{
	char script[2048] = "";
	char msg[256];
	size_t used = 0;

	if (run_nft("list table ip barco", msg, sizeof(msg)) == 0) {
		barco_report_add(rep, "nft: list table ip barco = 0: the table is there");
		return 0;
	}
	barco_report_add(rep, "nft: list table ip barco = 1: no table yet");
	for (size_t i = 0; i < ARRAY_LEN(table_script); i++)
		used += (size_t)snprintf(script + used, sizeof(script) - used, "%s\n",
					 table_script[i]);
	if (nft_step(script, "-f - (the table below, one transaction)", rep, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(table_script); i++)
		barco_report_add(rep, "nft:   %s", table_script[i]);
	return 0;
}

/* The map and its key, "ports { tcp . 8080" or "ports_ip { 192.0.2.1 . tcp . 8080". */
static void port_key(const struct barco_port *p, char *buf, size_t size)
{
	char ip[INET_ADDRSTRLEN] = "";

	if (p->host_addr)
		(void)inet_ntop(AF_INET, &p->host_addr, ip, sizeof(ip));
	(void)snprintf(buf, size, "%s { %s%s%s . %u", p->host_addr ? "ports_ip" : "ports", ip,
		       p->host_addr ? " . " : "", p->is_udp ? "udp" : "tcp", p->host_port);
}

int barco_net_nat_setup(const struct barco_config *cfg, const char *addr, int state_dir_fd,
			struct barco_report *rep, struct barco_err *err)
{
	char statement[192], key[64], noted[BARCO_PORTS_MAX * 64] = "";
	size_t used = 0;
	cleanup_close int fd = -1;

	if (access(NFT, X_OK) < 0 && cfg->ports_len == 0) {
		barco_report_add(rep,
				 "no %s: no NAT, the container reaches only the bridge "
				 "(apt-get install nftables)",
				 NFT);
		return 0;
	}
	if (ensure_table(rep, err) < 0)
		return -1;
	for (size_t i = 0; i < cfg->ports_len; i++) {
		port_key(&cfg->ports[i], key, sizeof(key));
		(void)snprintf(statement, sizeof(statement), "add element ip barco %s : %s . %u }",
			       key, addr, cfg->ports[i].container_port);
		if (nft_step(statement, statement, rep, err) < 0)
			return barco_err_wrap(err, "publishing host port %u/%s%s (in use?)",
					      cfg->ports[i].host_port,
					      cfg->ports[i].is_udp ? "udp" : "tcp",
					      cfg->ports[i].host_addr ? " on that address" : "");
		used += (size_t)snprintf(noted + used, sizeof(noted) - used, "%s\n", key);
	}
	if (used == 0)
		return 0;
	fd = openat(state_dir_fd, "ports", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, noted, used) != (ssize_t)used)
		return barco_err_errno(err, "write ports in the state directory");
	return 0;
}

void barco_net_nat_release(int state_dir_fd, bool is_last, struct barco_report *rep)
{
	cleanup_close int fd = -1;
	cleanup_fclose FILE *f = NULL;
	char key[64], statement[128];
	struct barco_err ignored;

	if (is_last) {
		if (access(NFT, X_OK) == 0)
			(void)nft_step("delete table ip barco", "delete table ip barco", rep,
				       &ignored);
		return;
	}
	fd = state_dir_fd < 0 ? -1 : openat(state_dir_fd, "ports", O_RDONLY | O_CLOEXEC);
	f = fd < 0 ? NULL : fdopen(steal_fd(&fd), "re");
	while (f && fgets(key, sizeof(key), f)) {
		key[strcspn(key, "\n")] = '\0';
		(void)snprintf(statement, sizeof(statement), "delete element ip barco %s }", key);
		(void)nft_step(statement, statement, rep, &ignored);
	}
}
