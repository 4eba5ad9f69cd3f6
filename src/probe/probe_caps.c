/*
 * Capabilities (capabilities(7)): whether barco runs as root of the
 * initial user namespace, how many capabilities this kernel knows
 * (cap_last_cap), whether the two mechanisms the caps stage relies on work
 * (dropping from the bounding set, the ambient set), and which
 * capabilities barco itself lacks here, with what each one limits.
 */
#include "probe/probe.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "stages/caps.h"
#include "base/util.h"

/* The identity map of the initial user namespace, as /proc/self/uid_map shows it. */
#define INITIAL_UID_MAP "0 0 4294967295"

/* What lacking a capability costs barco (capabilities(7) for each). */
struct cap_need {
	int cap;
	bool is_essential; /* barco cannot run containers without it */
	const char *limits;
};

static const struct cap_need cap_needs[] = {
	{CAP_SYS_ADMIN, true, "namespaces, mounts, pivot_root, cgroup creation"},
	{CAP_SETUID, true, "writing a uid_map other than one's own uid"},
	{CAP_SETGID, true, "writing a gid_map other than one's own gid"},
	{CAP_SETPCAP, true, "dropping capabilities from the bounding set"},
	{CAP_DAC_OVERRIDE, true, "writing cgroup and /run/barco files owned by others"},
	{CAP_CHOWN, true, "making the default rootfs owned by the mapped root (uid 100000)"},
	{CAP_FOWNER, true, "changing modes of rootfs files owned by the mapped root"},
	{CAP_KILL, true, "signalling containers, whose processes run as uid 100000"},
	{CAP_SYS_RESOURCE, false,
	 "raising a hard rlimit above its current value (setrlimit(2)), exceeding "
	 "RLIMIT_NPROC, fs.pipe-max-size and root's reserved memory: barco cannot give a "
	 "container higher hard limits than it has itself"},
	{CAP_SYS_PTRACE, false,
	 "reading /proc/PID/ns, /proc/PID/root of containers (barco step's 'look' commands)"},
	{CAP_BPF, false, "loading the eBPF programs of barco run --trace (or CAP_SYS_ADMIN)"},
	{CAP_PERFMON, false, "attaching tracing programs for barco run --trace (or CAP_SYS_ADMIN)"},
	{CAP_NET_ADMIN, false, "network setup beyond the container's own loopback (future veth)"},
	{CAP_SYS_NICE, false, "raising the priority of container processes"},
};

static bool status_field(const char *field, char *buf, size_t size)
{
	char status[4096];
	const char *p;

	if (barco_probe_read_file("/proc/self/status", status, sizeof(status)) < 0 ||
	    !(p = strstr(status, field)))
		return false;
	p += strlen(field);
	p += strspn(p, " \t");
	(void)snprintf(buf, size, "%.*s", (int)strcspn(p, "\n"), p);
	return true;
}

static int check_root(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_result *ret,
		      struct barco_err *err)
{
	char map[128] = "";
	char *collapsed = map;
	bool is_initial;

	if (barco_probe_read_file("/proc/self/uid_map", map, sizeof(map)) < 0)
		(void)barco_probe_ev_fail(&ret->evidence, errno, "read /proc/self/uid_map");
	/* The file pads its columns: compare the numbers, not the spaces. */
	for (const char *p = map; *p; p++)
		if (*p != ' ' || (collapsed > map && collapsed[-1] != ' '))
			*collapsed++ = *p;
	*collapsed = '\0';
	is_initial = strcmp(map + (map[0] == ' '), INITIAL_UID_MAP) == 0;
	barco_report_add(&ret->evidence, "geteuid() = %d", (int)geteuid());
	barco_report_add(&ret->evidence, "read /proc/self/uid_map = \"%s\"", map);
	if (geteuid() != 0)
		barco_probe_set(ret, BARCO_PROBE_FAIL,
				"containers without a user namespace, limits without a delegated "
				"cgroup and eBPF need root: sudo barco ...",
				"not root: barco runs rootless, in user namespaces of its own");
	else if (!is_initial)
		barco_probe_set(ret, BARCO_PROBE_FAIL,
				"run barco on the host: inside a user namespace (a container) its "
				"root is not the host's",
				"root of a user namespace, not of the host");
	else
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "root of the initial user namespace");
	return 0;
}

static int check_last_cap(struct barco_probe_ctx *ctx, const void *arg,
			  struct barco_probe_result *ret, struct barco_err *err)
{
	struct barco_err e = {0};
	char msg[BARCO_ERR_MSG_MAX + 64];
	int last = -1;

	if (barco_caps_last_cap(&last, &e) < 0) {
		barco_report_add(&ret->evidence, "%s", barco_err_str(&e, msg, sizeof(msg)));
		barco_probe_set(ret, BARCO_PROBE_FAIL,
				"mount /proc (barco reads /proc/sys/kernel/cap_last_cap)",
				"cap_last_cap unreadable");
		return 0;
	}
	barco_report_add(&ret->evidence, "read /proc/sys/kernel/cap_last_cap = %d (%s)", last,
			 barco_cap_name(last));
	barco_report_add(&ret->evidence, "barco's table names capabilities up to %d (%s)",
			 CAP_LAST_CAP, barco_cap_name(CAP_LAST_CAP));
	if (strcmp(barco_cap_name(last), "CAP_?") == 0)
		barco_probe_set(
			ret, BARCO_PROBE_WARN,
			"a newer barco knows these names; meanwhile they are handled by number "
			"and dropped by the allowlist",
			"the kernel knows capabilities beyond barco's table (last %d)", last);
	else
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "%d capabilities, the last %s",
				last + 1, barco_cap_name(last));
	return 0;
}

static int try_bounding(const void *arg, struct barco_report *ev, long *ret_value)
{
	char bnd[32];
	int r = barco_probe_as_rootless(ev);

	if (r)
		return r;
	if (barco_probe_ev_call(ev, prctl(PR_CAPBSET_READ, CAP_SYS_MODULE, 0, 0, 0),
				"prctl(PR_CAPBSET_READ, CAP_SYS_MODULE)") < 0)
		return errno;
	if (barco_probe_ev_call(ev, prctl(PR_CAPBSET_DROP, CAP_SYS_MODULE, 0, 0, 0),
				"prctl(PR_CAPBSET_DROP, CAP_SYS_MODULE)") < 0)
		return errno;
	if (status_field("CapBnd:", bnd, sizeof(bnd)))
		barco_report_add(ev, "CapBnd: %s", bnd);
	if (barco_probe_ev_call(ev, prctl(PR_CAPBSET_READ, CAP_SYS_MODULE, 0, 0, 0),
				"prctl(PR_CAPBSET_READ, CAP_SYS_MODULE)") != 0)
		return EEXIST;
	return 0;
}

static const struct barco_probe_layers bounding = {
	.attempt = try_bounding,
	.pass = "a capability dropped from the bounding set stays dropped",
	.fail = {BARCO_PROBE_FAIL,
		 "PR_CAPBSET_DROP needs CAP_SETPCAP: run barco as root on the host",
		 "cannot drop from the bounding set"},
};

static void cap_freep(cap_t *c)
{
	if (*c)
		(void)cap_free(*c);
}

/* Raise CAP_NET_BIND_SERVICE into the ambient set, see it, clear it (prctl(2) PR_CAP_AMBIENT). */
static int try_ambient(const void *arg, struct barco_report *ev, long *ret_value)
{
	__attribute__((cleanup(cap_freep))) cap_t caps = NULL;
	const cap_value_t cap = CAP_NET_BIND_SERVICE;
	char amb[32];
	int r = barco_probe_as_rootless(ev);

	if (r)
		return r;
	/* After barco_probe_as_rootless: the sets the caller has in its new user namespace. */
	caps = cap_get_proc();
	if (!caps || cap_set_flag(caps, CAP_INHERITABLE, 1, &cap, CAP_SET) < 0)
		return errno ? errno : ENOMEM;
	if (barco_probe_ev_call(ev, cap_set_proc(caps),
				"capset(inheritable += CAP_NET_BIND_SERVICE)") < 0)
		return errno;
	if (barco_probe_ev_call(
		    ev, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0),
		    "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE)") < 0)
		return errno;
	if (status_field("CapAmb:", amb, sizeof(amb)))
		barco_report_add(ev, "CapAmb: %s", amb);
	if (barco_probe_ev_call(ev, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0),
				"prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)") < 0)
		return errno;
	if (barco_probe_ev_call(ev, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0),
				"prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, "
				"CAP_NET_BIND_SERVICE)") != 0)
		return EEXIST;
	return 0;
}

/* The enabled layer: a kernel without ambient capabilities refuses PR_CAP_AMBIENT (EINVAL). */
static bool has_ambient(struct barco_probe_ctx *ctx, const void *arg,
			struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	long r = barco_probe_ev_call(&ret->evidence,
				     prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0),
				     "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN)");

	if (r < 0 && errno == EINVAL) {
		barco_probe_set(ret, BARCO_PROBE_FAIL, "a kernel >= 4.3 has ambient capabilities",
				"no ambient capability set (barco clears it at the caps stage)");
		return true;
	}
	return false;
}

static const struct barco_probe_layers ambient = {
	.enabled = has_ambient,
	.attempt = try_ambient,
	.pass = "raised, seen and cleared in a child",
	.fail = {BARCO_PROBE_FAIL,
		 "raising needs the capability in the permitted and inheritable sets: "
		 "run barco as root on the host",
		 "the ambient set cannot be changed here"},
};

static const struct cap_need *need_of(int cap)
{
	for (size_t i = 0; i < ARRAY_LEN(cap_needs); i++)
		if (cap_needs[i].cap == cap)
			return &cap_needs[i];
	return NULL;
}

/*
 * Lists what is lacking in ev; returns how many are essential. ret_names
 * gets the essential ones' names, or all names when none is essential.
 */
static int list_lacking(uint64_t eff, int last, struct barco_report *ev, char *ret_names,
			size_t size, int *ret_lacking)
{
	char all[BARCO_PROBE_SUMMARY_MAX] = "", essential[BARCO_PROBE_SUMMARY_MAX] = "";
	size_t all_len = 0, essential_len = 0;
	int n_essential = 0;

	*ret_lacking = 0;
	for (int cap = 0; cap <= last; cap++) {
		const struct cap_need *need = need_of(cap);
		const char *name = barco_cap_name(cap);

		if (eff & (UINT64_C(1) << cap))
			continue;
		(*ret_lacking)++;
		barco_report_add(ev, "lacks %s: %s", name,
				 need ? need->limits : "what capabilities(7) lists for it");
		if (all_len < sizeof(all))
			all_len += (size_t)snprintf(all + all_len, sizeof(all) - all_len, "%s%s",
						    all_len ? " " : "", name);
		if (need && need->is_essential && essential_len < sizeof(essential)) {
			n_essential++;
			essential_len += (size_t)snprintf(essential + essential_len,
							  sizeof(essential) - essential_len, "%s%s",
							  essential_len ? " " : "", name);
		}
	}
	(void)snprintf(ret_names, size, "%s", n_essential ? essential : all);
	return n_essential;
}

static int check_missing(struct barco_probe_ctx *ctx, const void *arg,
			 struct barco_probe_result *ret, struct barco_err *err)
{
	struct barco_err e = {0};
	char eff_text[32], names[BARCO_PROBE_SUMMARY_MAX / 2];
	int last = -1, lacking = 0, essential;
	uint64_t eff;

	if (!status_field("CapEff:", eff_text, sizeof(eff_text)) ||
	    barco_caps_last_cap(&last, &e) < 0) {
		barco_report_add(&ret->evidence, "/proc/self/status or cap_last_cap unreadable");
		barco_probe_set(ret, BARCO_PROBE_UNKNOWN, "mount /proc", "effective set unknown");
		return 0;
	}
	eff = strtoull(eff_text, NULL, 16);
	barco_report_add(&ret->evidence, "CapEff: %s (of 0..%d)", eff_text, last);
	essential = list_lacking(eff, last, &ret->evidence, names, sizeof(names), &lacking);
	if (lacking == 0)
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "barco has every capability");
	else if (essential)
		barco_probe_set(ret, BARCO_PROBE_FAIL, "run barco as root on the host",
				"barco lacks %d capabilities, %d it needs: %s", lacking, essential,
				names);
	else
		barco_probe_set(ret, BARCO_PROBE_WARN,
				"the host (its container runtime or systemd unit) withholds these; "
				"barco runs without them, with the limits listed",
				"barco lacks %s", names);
	return 0;
}

const struct barco_probe_check barco_probe_caps_checks[] = {
	{"caps.root", "barco runs as root of the initial user namespace", BARCO_PROBE_CAPS, true,
	 check_root, NULL, true},
	{"caps.last_cap", "capabilities this kernel knows (cap_last_cap)", BARCO_PROBE_CAPS, true,
	 check_last_cap, NULL, false},
	{"caps.bounding", "dropping from the bounding set", BARCO_PROBE_CAPS, true,
	 barco_probe_check_layers, &bounding, false},
	{"caps.ambient", "the ambient set: raise and clear", BARCO_PROBE_CAPS, true,
	 barco_probe_check_layers, &ambient, false},
	{"caps.missing", "capabilities barco lacks here, and what that limits", BARCO_PROBE_CAPS,
	 true, check_missing, NULL, true},
};
const size_t barco_probe_caps_checks_len = ARRAY_LEN(barco_probe_caps_checks);
