/* --net: the mode names, the address allocator of --net=bridge, the name files' mount points. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "stages/net.h"
#include "stages/net_lease.h"
#include "stages/net_names.h"
#include "stages/net_nat.h"
#include "stages/net_slirp.h"
#include "suites.h"

/* Every name parses back to its mode; ns:PATH and bad words are refused as such. */
static void test_mode_names_round_trip(void)
{
	static const enum barco_net_mode modes[] = {BARCO_NET_NONE, BARCO_NET_HOST,
						    BARCO_NET_BRIDGE, BARCO_NET_SLIRP};
	struct barco_err err = {0};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct barco_config cfg = {.net_mode = BARCO_NET_NS};

		CU_ASSERT_EQUAL(barco_net_parse_mode(barco_net_mode_name(modes[i]), &cfg, &err), 0);
		CU_ASSERT_EQUAL(cfg.net_mode, modes[i]);
	}
	struct barco_config cfg = {0};
	CU_ASSERT_EQUAL(barco_net_parse_mode("bridged", &cfg, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "invalid --net 'bridged'"));
	CU_ASSERT_EQUAL(barco_net_parse_mode("ns:relative", &cfg, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "must be absolute"));
}

static void test_lease_parse(void)
{
	struct barco_lease l;

	CU_ASSERT_TRUE(barco_lease_parse("5 4026531840 web\n", &l));
	CU_ASSERT_EQUAL(l.offset, 5);
	CU_ASSERT_EQUAL(l.netns, 4026531840ULL);
	CU_ASSERT_STRING_EQUAL(l.name, "web");
	CU_ASSERT_FALSE(barco_lease_parse("1 4026531840 gateway", &l)); /* the bridge's own */
	CU_ASSERT_FALSE(barco_lease_parse("65535 1 broadcast", &l));
	CU_ASSERT_FALSE(barco_lease_parse("5 4026531840", &l));
	CU_ASSERT_FALSE(barco_lease_parse("5 4026531840 a b", &l));
}

static void test_lease_free_offset(void)
{
	struct barco_lease held[3] = {{.offset = 2}, {.offset = 4}, {.offset = 3}};
	char addr[16];

	CU_ASSERT_EQUAL(barco_lease_free_offset(NULL, 0), 2);
	CU_ASSERT_EQUAL(barco_lease_free_offset(held, 2), 3);
	CU_ASSERT_EQUAL(barco_lease_free_offset(held, 3), 5);
	/* Every host address leased: the range is exhausted, 0 (the caller's clear error). */
	size_t all = BARCO_NET_LAST_OFFSET - BARCO_NET_FIRST_OFFSET + 1;
	cleanup_free struct barco_lease *full = calloc(all, sizeof(*full));

	CU_ASSERT_PTR_NOT_NULL_FATAL(full);
	if (!full)
		return; /* what _FATAL does; said again for the static analyzer */
	for (size_t i = 0; i < all; i++)
		full[i].offset = BARCO_NET_FIRST_OFFSET + (unsigned)i;
	CU_ASSERT_EQUAL(barco_lease_free_offset(full, all), 0);
	full[all - 1].offset = 1; /* not a lease: its address is free again */
	CU_ASSERT_EQUAL(barco_lease_free_offset(full, all), BARCO_NET_LAST_OFFSET);
	CU_ASSERT_STRING_EQUAL(barco_lease_addr(5, addr, sizeof(addr)), "10.88.0.5");
	CU_ASSERT_STRING_EQUAL(barco_lease_addr(0x1fe, addr, sizeof(addr)), "10.88.1.254");
}

static bool only_b_is_live(const char *name)
{
	return strcmp(name, "b") == 0;
}

/* take gives the lowest free offset and takes back dead owners'; drop counts what is left. */
static void test_lease_take_drop(void)
{
	cleanup_free char *dir = barco_test_tmpdir();
	char path[4200];
	cleanup_close int fd = -1;
	struct barco_report rep;
	struct barco_err err = {0};
	struct barco_lease a, b, c, gone;
	size_t left = 9;

	barco_report_clear(&rep);
	(void)snprintf(path, sizeof(path), "%s/leases", dir);
	CU_ASSERT_EQUAL_FATAL(barco_lease_lock(path, &fd, &err), 0);
	CU_ASSERT_EQUAL(barco_lease_take(fd, "a", 7, NULL, &a, &rep, &err), 0);
	CU_ASSERT_EQUAL(barco_lease_take(fd, "b", 7, NULL, &b, &rep, &err), 0);
	CU_ASSERT_EQUAL(a.offset, 2);
	CU_ASSERT_EQUAL(b.offset, 3);
	/* a's owner died: c gets its address back. */
	CU_ASSERT_EQUAL(barco_lease_take(fd, "c", 8, only_b_is_live, &c, &rep, &err), 0);
	CU_ASSERT_EQUAL(c.offset, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(rep.text, "lease 10.88.0.2 of a taken back"));
	CU_ASSERT_EQUAL(barco_lease_drop(fd, "a", &gone, &left, &err), 0);
	CU_ASSERT_EQUAL(barco_lease_drop(fd, "b", &gone, &left, &err), 1);
	CU_ASSERT_EQUAL(gone.offset, 3);
	CU_ASSERT_EQUAL(left, 0); /* c is in another namespace */
	CU_ASSERT_EQUAL(barco_lease_drop(fd, "c", &gone, &left, &err), 1);
	CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_END), 0);
	barco_test_rmtree(dir);
}

/* "mountpoints" lines are "UID PATH": a path matches whole, never as a prefix. */
static void test_names_lists(void)
{
	const char *text = "100000 /r/etc/hostname\n100000 /r/etc/resolv.conf\n";

	CU_ASSERT_TRUE(barco_net_names_lists(text, "/r/etc/hostname"));
	CU_ASSERT_TRUE(barco_net_names_lists(text, "/r/etc/resolv.conf"));
	CU_ASSERT_TRUE(barco_net_names_lists("0 /r/etc/hosts", "/r/etc/hosts"));
	CU_ASSERT_FALSE(barco_net_names_lists(text, "/r/etc/hosts"));
	CU_ASSERT_FALSE(barco_net_names_lists(text, "/r/etc/host"));
	CU_ASSERT_FALSE(barco_net_names_lists(text, "/r/etc/hostname.bak"));
	CU_ASSERT_FALSE(barco_net_names_lists("/r/etc/hostname\n", "/r/etc/hostname"));
	CU_ASSERT_FALSE(barco_net_names_lists("x /r/etc/hostname\n", "/r/etc/hostname"));
	CU_ASSERT_FALSE(barco_net_names_lists("", "/r/etc/hostname"));
}

static const char *names_live_one;

static bool names_is_live(const char *name)
{
	return names_live_one && strcmp(name, names_live_one) == 0;
}

/* The state directory run/name, and its fd. */
static int names_state_dir(const char *dir, const char *name)
{
	char path[4200];

	(void)snprintf(path, sizeof(path), "%s/run/%s", dir, name);
	CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * In dir: run/a and run/b (*ret_a, *ret_b), and rootfs/etc with the
 * empty files named (made_a's mount points, and the rootfs's own), then
 * under the lock a notes made_a and b notes nothing it made.
 */
static void names_two_containers(const char *dir, const bool *made_a, const char *const *files,
				 int *ret_a, int *ret_b, struct barco_report *rep)
{
	const bool none[BARCO_NAME_FILES] = {false};
	char path[4200];
	cleanup_close int run = -1;
	struct barco_err err = {0};

	(void)snprintf(path, sizeof(path), "%s/run", dir);
	CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
	(void)snprintf(path, sizeof(path), "%s/rootfs", dir);
	CU_ASSERT_EQUAL(mkdir(path, 0755), 0);
	(void)snprintf(path, sizeof(path), "%s/rootfs/etc", dir);
	CU_ASSERT_EQUAL(mkdir(path, 0755), 0);
	for (size_t i = 0; files[i]; i++)
		barco_test_write_file(path, files[i], "");
	*ret_a = names_state_dir(dir, "a");
	*ret_b = names_state_dir(dir, "b");
	(void)snprintf(path, sizeof(path), "%s/rootfs", dir);
	CU_ASSERT_EQUAL_FATAL(barco_net_names_lock(*ret_a, &run, &err), 0);
	CU_ASSERT_EQUAL(barco_net_names_note(*ret_a, run, path, made_a, rep, &err), 0);
	CU_ASSERT_EQUAL(barco_net_names_note(*ret_b, run, path, none, rep, &err), 0);
}

static bool names_exists(const char *dir, const char *file)
{
	char path[4200];
	struct stat st;

	(void)snprintf(path, sizeof(path), "%s/rootfs/etc/%s", dir, file);
	return stat(path, &st) == 0;
}

/*
 * a made /etc/hostname, b found it and shares it: both list it; a leaving
 * while b lives keeps it, b leaving last removes it. A rootfs file no
 * container lists is not noted.
 */
static void test_names_shared_mount_point(void)
{
	static const char *const files[] = {"hostname", "hosts", NULL};
	const bool made_a[BARCO_NAME_FILES] = {false, true, false};
	cleanup_free char *dir = barco_test_tmpdir();
	cleanup_close int a = -1, b = -1;
	struct barco_report rep;

	barco_report_clear(&rep);
	names_two_containers(dir, made_a, files, &a, &b, &rep);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(rep.text, "/etc/hostname: the mount point another container made, shared"));
	CU_ASSERT_PTR_NULL(strstr(rep.text, "/etc/hosts:"));
	names_live_one = "b";
	barco_net_names_remove(a, names_is_live, &rep);
	CU_ASSERT_TRUE(names_exists(dir, "hostname"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rep.text, "kept, another live container binds over it"));
	CU_ASSERT_EQUAL(faccessat(a, "mountpoints", F_OK, 0), -1);
	names_live_one = "a"; /* still holding its state directory: its list is gone already */
	barco_net_names_remove(b, names_is_live, &rep);
	CU_ASSERT_FALSE(names_exists(dir, "hostname"));
	CU_ASSERT_TRUE(names_exists(dir, "hosts"));
	barco_test_rmtree(dir);
}

/* A mount point a dead container lists is removed by the live one leaving. */
static void test_names_dead_lister(void)
{
	static const char *const files[] = {"resolv.conf", NULL};
	const bool made_a[BARCO_NAME_FILES] = {false, false, true};
	cleanup_free char *dir = barco_test_tmpdir();
	cleanup_close int a = -1, b = -1;
	struct barco_report rep;

	barco_report_clear(&rep);
	names_two_containers(dir, made_a, files, &a, &b, &rep);
	names_live_one = NULL; /* a died, not reclaimed yet */
	barco_net_names_remove(b, names_is_live, NULL);
	CU_ASSERT_FALSE(names_exists(dir, "resolv.conf"));
	barco_test_rmtree(dir);
}

/* -p [0.0.0.0:]HOSTPORT:CONTAINERPORT[/tcp|/udp]; anything else is refused, naming the value. */
static void test_parse_port(void)
{
	static const char *const bad[] = {"80",		"0:80", "80:70000", "1.2.3:80:80",
					  "80:80/sctp", ":80",	"",	    "80:80:80:80"};
	struct barco_config cfg = {0};
	struct barco_err err = {0};

	CU_ASSERT_EQUAL(barco_net_parse_port("8080:80", &cfg, &err), 0);
	CU_ASSERT_EQUAL(barco_net_parse_port("0.0.0.0:53:5353/udp", &cfg, &err), 0);
	CU_ASSERT_EQUAL(barco_net_parse_port("192.0.2.1:8080:80", &cfg, &err), 0);
	CU_ASSERT_EQUAL_FATAL(cfg.ports_len, 3);
	CU_ASSERT_EQUAL(cfg.ports[0].host_addr, 0);
	CU_ASSERT_EQUAL(cfg.ports[1].host_addr, 0);
	CU_ASSERT_EQUAL(cfg.ports[2].host_addr, htonl(0xc0000201));
	CU_ASSERT_EQUAL(cfg.ports[0].host_port, 8080);
	CU_ASSERT_EQUAL(cfg.ports[0].container_port, 80);
	CU_ASSERT_FALSE(cfg.ports[0].is_udp);
	CU_ASSERT_EQUAL(cfg.ports[1].host_port, 53);
	CU_ASSERT_EQUAL(cfg.ports[1].container_port, 5353);
	CU_ASSERT_TRUE(cfg.ports[1].is_udp);
	CU_ASSERT_EQUAL(barco_net_parse_port("8080:81/tcp", &cfg, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "host port 8080 given twice"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		(void)snprintf(want, sizeof(want), "invalid -p '%s'", bad[i]);
		CU_ASSERT_EQUAL(barco_net_parse_port(bad[i], &cfg, &err), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
	}
	CU_ASSERT_EQUAL(cfg.ports_len, 3);
}

/* slirp4netns's command line: the fds barco passes, sandbox for root, the API socket for -p. */
static void test_slirp_argv(void)
{
	char buf[1024], *argv[24];
	int argc =
		barco_net_slirp_argv("/run/barco/c/slirp.sock", true, argv, 24, buf, sizeof(buf));
	static const char *const want[] = {"slirp4netns",
					   "--configure",
					   "--mtu=65520",
					   "--disable-host-loopback",
					   "--enable-sandbox",
					   "--enable-seccomp",
					   "--netns-type=path",
					   "--userns-path=/proc/self/fd/4",
					   "--ready-fd=5",
					   "--exit-fd=6",
					   "--api-socket=/run/barco/c/slirp.sock",
					   "/proc/self/fd/3",
					   "tap0"};

	CU_ASSERT_EQUAL_FATAL(argc, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < argc; i++)
		CU_ASSERT_STRING_EQUAL(argv[i], want[i]);
	CU_ASSERT_PTR_NULL(argv[argc]);
	/* Rootless, no -p: neither the sandbox nor a socket. */
	argc = barco_net_slirp_argv(NULL, false, argv, 24, buf, sizeof(buf));
	CU_ASSERT_EQUAL(argc, 11);
	for (int i = 0; i < argc; i++) {
		CU_ASSERT_PTR_NULL(strstr(argv[i], "sandbox"));
		CU_ASSERT_PTR_NULL(strstr(argv[i], "api-socket"));
	}
	/* Too small a buffer, or too few slots: refused, not truncated. */
	CU_ASSERT_EQUAL(barco_net_slirp_argv(NULL, false, argv, 24, buf, 40), -1);
	CU_ASSERT_EQUAL(barco_net_slirp_argv(NULL, false, argv, 5, buf, sizeof(buf)), -1);
}

/* add_hostfwd requests, and slirp4netns's answers. */
static void test_slirp_hostfwd(void)
{
	struct barco_port p = {.host_port = 8080, .container_port = 80};
	struct barco_err err = {0};
	char json[512];
	int id = 0;

	barco_net_slirp_hostfwd_json(&p, json, sizeof(json));
	CU_ASSERT_STRING_EQUAL(json, "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": "
				     "\"tcp\", \"host_addr\": \"0.0.0.0\", \"host_port\": 8080, "
				     "\"guest_addr\": \"10.0.2.100\", \"guest_port\": 80}}");
	p.is_udp = true;
	p.host_addr = htonl(0xc0000201); /* 192.0.2.1 */
	barco_net_slirp_hostfwd_json(&p, json, sizeof(json));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"proto\": \"udp\", \"host_addr\": \"192.0.2.1\""));
	CU_ASSERT_EQUAL(barco_net_slirp_parse_reply("{\"return\": {\"id\": 42}}", &id, &err), 0);
	CU_ASSERT_EQUAL(id, 42);
	CU_ASSERT_EQUAL(barco_net_slirp_parse_reply("{\"error\": {\"desc\": \"bad request: "
						    "add_hostfwd: slirp_add_hostfwd failed\"}}",
						    &id, &err),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "slirp_add_hostfwd failed"));
	CU_ASSERT_EQUAL(barco_net_slirp_parse_reply("", &id, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "slirp4netns answered nothing"));
	CU_ASSERT_EQUAL(barco_net_slirp_parse_reply("{\"return\": {}}", &id, &err), -1);
}

void barco_test_register_net(void)
{
	CU_pSuite s = barco_test_suite("net");

	barco_test_add(s, "mode names round-trip", test_mode_names_round_trip);
	barco_test_add(s, "lease lines parse", test_lease_parse);
	barco_test_add(s, "the lowest free offset", test_lease_free_offset);
	barco_test_add(s, "take and drop leases", test_lease_take_drop);
	barco_test_add(s, "-p values", test_parse_port);
	barco_test_add(s, "slirp4netns's command line", test_slirp_argv);
	barco_test_add(s, "slirp4netns's add_hostfwd", test_slirp_hostfwd);
	barco_test_add(s, "mountpoints lines", test_names_lists);
	barco_test_add(s, "a shared mount point goes with the last", test_names_shared_mount_point);
	barco_test_add(s, "a dead container's listing does not keep one", test_names_dead_lister);
}
