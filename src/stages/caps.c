/*
 * Capabilities: an allowlist, and what it means for each of the five sets
 * (capabilities(7)).
 *
 * The order matters. The bounding set is cut first, while the process still
 * has CAP_SETPCAP; then the identity changes; then permitted and effective
 * are set from what the bounding set still holds, and inheritable and
 * ambient are emptied. Root inside gets its permitted set back from the
 * bounding set at every execve, so it needs neither; and a non-empty
 * inheritable set lets a process that dropped to another uid regain
 * capabilities by running a file with inheritable file capabilities, which
 * is why runc and Docker stopped setting it (CVE-2022-24769).
 */
#include "stages/caps.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"

#define CAP_LAST_CAP_PATH "/proc/sys/kernel/cap_last_cap"
/* The longest list: 41 names of at most 24 characters each, plus ", ". */
#define CAP_LIST_MAX 1100

/* Indexed by capability number, as in include/uapi/linux/capability.h. */
static const char *const cap_names[] = {
	[CAP_CHOWN] = "CAP_CHOWN",
	[CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
	[CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
	[CAP_FOWNER] = "CAP_FOWNER",
	[CAP_FSETID] = "CAP_FSETID",
	[CAP_KILL] = "CAP_KILL",
	[CAP_SETGID] = "CAP_SETGID",
	[CAP_SETUID] = "CAP_SETUID",
	[CAP_SETPCAP] = "CAP_SETPCAP",
	[CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
	[CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
	[CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
	[CAP_NET_ADMIN] = "CAP_NET_ADMIN",
	[CAP_NET_RAW] = "CAP_NET_RAW",
	[CAP_IPC_LOCK] = "CAP_IPC_LOCK",
	[CAP_IPC_OWNER] = "CAP_IPC_OWNER",
	[CAP_SYS_MODULE] = "CAP_SYS_MODULE",
	[CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
	[CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
	[CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
	[CAP_SYS_PACCT] = "CAP_SYS_PACCT",
	[CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
	[CAP_SYS_BOOT] = "CAP_SYS_BOOT",
	[CAP_SYS_NICE] = "CAP_SYS_NICE",
	[CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
	[CAP_SYS_TIME] = "CAP_SYS_TIME",
	[CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
	[CAP_MKNOD] = "CAP_MKNOD",
	[CAP_LEASE] = "CAP_LEASE",
	[CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
	[CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
	[CAP_SETFCAP] = "CAP_SETFCAP",
	[CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
	[CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
	[CAP_SYSLOG] = "CAP_SYSLOG",
	[CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
	[CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
	[CAP_AUDIT_READ] = "CAP_AUDIT_READ",
	[CAP_PERFMON] = "CAP_PERFMON",
	[CAP_BPF] = "CAP_BPF",
	[CAP_CHECKPOINT_RESTORE] = "CAP_CHECKPOINT_RESTORE",
};

#define CAP_NAMES_LEN ((int)(ARRAY_LEN(cap_names)))

/*
 * Docker's default set (moby oci/caps/defaults.go, also what podman grants):
 * enough for a root-like userland, nothing that reaches the host kernel.
 */
const int barco_caps_allowlist[] = {
	CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,	     CAP_FOWNER,
	CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,	     CAP_SETUID,
	CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
	CAP_KILL,    CAP_AUDIT_WRITE,
};
const size_t barco_caps_allowlist_len = ARRAY_LEN(barco_caps_allowlist);

static uint64_t cap_bit(int cap)
{
	return UINT64_C(1) << cap;
}

/* Bits 0..last_cap; capabilities the running kernel does not know are never set. */
static uint64_t known_caps_mask(int last_cap)
{
	if (last_cap < 0)
		return 0;
	if (last_cap >= 63)
		return UINT64_MAX;
	return (UINT64_C(1) << (last_cap + 1)) - 1;
}

uint64_t barco_caps_default_mask(void)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < barco_caps_allowlist_len; i++)
		mask |= cap_bit(barco_caps_allowlist[i]);
	return mask;
}

uint64_t barco_caps_compute(uint64_t add, uint64_t drop, int last_cap)
{
	return (barco_caps_default_mask() | add) & ~drop & known_caps_mask(last_cap);
}

const char *barco_cap_name(int cap)
{
	if (cap < 0 || cap >= CAP_NAMES_LEN || !cap_names[cap])
		return "CAP_?";
	return cap_names[cap];
}

int barco_cap_from_name(const char *name, int *ret_cap, struct barco_err *err)
{
	const char *bare = name;

	if (!name || !*name)
		return barco_err_set(err, EINVAL, "empty capability name (see capabilities(7))");
	/* Docker and the OCI spec accept both "NET_ADMIN" and "CAP_NET_ADMIN". */
	if (strncasecmp(bare, "CAP_", 4) == 0)
		bare += 4;
	if (strcasecmp(bare, "ALL") == 0) {
		*ret_cap = -2;
		return 0;
	}
	for (int cap = 0; cap < CAP_NAMES_LEN; cap++) {
		if (cap_names[cap] && strcasecmp(bare, cap_names[cap] + 4) == 0) {
			*ret_cap = cap;
			return 0;
		}
	}
	return barco_err_set(err, EINVAL, "unknown capability \"%s\" (see capabilities(7))", name);
}

/* false with errno set when path cannot be read, errno 0 when it holds no number */
static bool read_int(const char *path, int *ret)
{
	cleanup_fclose FILE *f = NULL;

	errno = 0;
	f = fopen(path, "re");
	return f && fscanf(f, "%d", ret) == 1;
}

int barco_caps_last_cap(int *ret_last, struct barco_err *err)
{
	int last = -1;

	if (!read_int(CAP_LAST_CAP_PATH, &last))
		return barco_err_errno(err, "reading %s", CAP_LAST_CAP_PATH);
	if (last < 0 || last > 63)
		return barco_err_set(err, EINVAL, "%s: %d is not a capability number",
				     CAP_LAST_CAP_PATH, last);
	*ret_last = last;
	return 0;
}

/* "CAP_A, CAP_B" for the bits of mask; returns how many there were. */
static int format_cap_list(uint64_t mask, int last_cap, char *buf, size_t size)
{
	size_t len = 0;
	int count = 0;

	buf[0] = '\0';
	for (int cap = 0; cap <= last_cap && cap < 64; cap++) {
		int n;

		if (!(mask & cap_bit(cap)))
			continue;
		/* A kernel newer than this table still gets a readable number. */
		if (cap < CAP_NAMES_LEN)
			n = snprintf(buf + len, size - len, "%s%s", count ? ", " : "",
				     barco_cap_name(cap));
		else
			n = snprintf(buf + len, size - len, "%sCAP_%d", count ? ", " : "", cap);
		if (n > 0 && (size_t)n < size - len)
			len += (size_t)n;
		count++;
	}
	return count;
}

/*
 * PR_CAPBSET_DROP needs CAP_SETPCAP, which the process still has. The
 * bounding set masks what execve grants from a file's permitted set (a
 * setuid-root binary's too), not what the inheritable set carries through
 * (capabilities(7)): it keeps a capability out only once inheritable is
 * emptied too, which set_process_caps() does.
 */
static int drop_bounding(uint64_t keep, int last_cap, struct barco_report *rep,
			 struct barco_err *err)
{
	uint64_t drop = known_caps_mask(last_cap) & ~keep;
	char names[CAP_LIST_MAX];
	int count;

	for (int cap = 0; cap <= last_cap; cap++) {
		if ((drop & cap_bit(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return barco_err_errno(err, "prctl(PR_CAPBSET_DROP, %s)",
					       barco_cap_name(cap));
	}
	count = format_cap_list(drop, last_cap, names, sizeof(names));
	if (count == 0)
		barco_report_add(rep, "prctl(PR_CAPBSET_DROP, …): nothing to drop");
	else
		barco_report_add(rep, "prctl(PR_CAPBSET_DROP, …) = 0 for %d capabilities: %s",
				 count, names);
	return 0;
}

/*
 * A capability the process did not inherit in its bounding set (the host
 * may have removed it) cannot be made inheritable or ambient: capset(2)
 * refuses. Keep what is really there and say what is not.
 */
static uint64_t bounded_keep(uint64_t keep, int last_cap, struct barco_report *rep)
{
	uint64_t missing = 0;
	char names[CAP_LIST_MAX];

	for (int cap = 0; cap <= last_cap; cap++) {
		if ((keep & cap_bit(cap)) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			missing |= cap_bit(cap);
	}
	if (missing) {
		int count = format_cap_list(missing, last_cap, names, sizeof(names));

		barco_report_add(rep,
				 "prctl(PR_CAPBSET_READ, …): %d requested capabilities were not in "
				 "the inherited bounding set and cannot be kept: %s",
				 count, names);
	}
	return keep & ~missing;
}

static bool setgroups_is_denied(void)
{
	cleanup_fclose FILE *f = fopen("/proc/self/setgroups", "re");
	char word[16] = "";

	return f && fscanf(f, "%15s", word) == 1 && strcmp(word, "deny") == 0;
}

/* setgroups(2): exactly the groups asked for (OCI process.user.additionalGids), or none. */
static int set_groups(const gid_t *groups, size_t len, struct barco_report *rep,
		      struct barco_err *err)
{
	if (setgroups(len, len ? groups : NULL) == 0) {
		barco_report_add(rep, "setgroups(%zu, %s) = 0", len, len ? "{…}" : "NULL");
		return 0;
	}
	if (len)
		return barco_err_errno(err, "setgroups(%zu, {%u…}) (are the groups in gid_map?)",
				       len, groups[0]);
	/*
	 * user_namespaces(7): once /proc/PID/setgroups is "deny" (required
	 * when an unprivileged parent writes gid_map) setgroups(2) fails
	 * with EPERM for the life of the namespace.
	 */
	if (errno == EPERM && setgroups_is_denied()) {
		barco_report_add(rep,
				 "setgroups(0, NULL) = -1 EPERM (/proc/self/setgroups is "
				 "\"deny\": the supplementary groups inherited at clone stay)");
		return 0;
	}
	return barco_err_errno(err, "setgroups(0, NULL)");
}

static int switch_identity(uid_t uid, gid_t gid, const gid_t *groups, size_t groups_len,
			   struct barco_report *rep, struct barco_err *err)
{
	if (set_groups(groups, groups_len, rep, err) < 0)
		return -1;
	/* The group first: after setresuid to non-root, CAP_SETGID is gone. */
	if (setresgid(gid, gid, gid) < 0)
		return barco_err_errno(err, "setresgid(%u, %u, %u) (is gid %u in gid_map?)", gid,
				       gid, gid, gid);
	barco_report_add(rep, "setresgid(%u, %u, %u) = 0", gid, gid, gid);
	if (setresuid(uid, uid, uid) < 0)
		return barco_err_errno(err, "setresuid(%u, %u, %u) (is uid %u in uid_map?)", uid,
				       uid, uid, uid);
	if (uid != 0)
		barco_report_add(rep,
				 "setresuid(%u, %u, %u) = 0 (the kernel cleared permitted, "
				 "effective and ambient: uid 0 left every id)",
				 uid, uid, uid);
	else
		barco_report_add(rep, "setresuid(0, 0, 0) = 0");
	return 0;
}

static void cap_freep(cap_t *caps)
{
	if (*caps)
		(void)cap_free(*caps);
}

/* permitted = effective = keep, inheritable empty, through libcap's capset(2). */
static int set_process_caps(uint64_t keep, int last_cap, struct barco_report *rep,
			    struct barco_err *err)
{
	static const cap_flag_t flags[] = {CAP_PERMITTED, CAP_EFFECTIVE};
	__attribute__((cleanup(cap_freep))) cap_t caps = cap_init();

	if (!caps)
		return barco_err_errno(err, "cap_init");
	for (cap_value_t cap = 0; cap <= last_cap; cap++) {
		if (!(keep & cap_bit(cap)))
			continue;
		for (size_t i = 0; i < ARRAY_LEN(flags); i++) {
			if (cap_set_flag(caps, flags[i], 1, &cap, CAP_SET) < 0)
				return barco_err_errno(err, "cap_set_flag(%s)",
						       barco_cap_name(cap));
		}
	}
	if (cap_set_proc(caps) < 0)
		return barco_err_errno(
			err, "capset(permitted=effective=0x%016" PRIx64 ", inheritable=0)", keep);
	barco_report_add(rep, "capset(permitted=effective=0x%016" PRIx64 ", inheritable=0) = 0",
			 keep);
	return 0;
}

/*
 * Ambient capabilities survive execve of any binary that has no set-user-ID
 * or set-group-ID bit and no file capabilities (capabilities(7)): none.
 */
static int clear_ambient(struct barco_report *rep, struct barco_err *err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return barco_err_errno(err, "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)");
	barco_report_add(rep, "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) = 0");
	return 0;
}

int barco_caps_apply(uint64_t keep, uid_t uid, gid_t gid, const gid_t *groups, size_t groups_len,
		     struct barco_report *rep, struct barco_err *err)
{
	int last_cap = -1;

	if (barco_caps_last_cap(&last_cap, err) < 0)
		return barco_err_wrap(err, "capabilities");
	keep &= known_caps_mask(last_cap);
	if (drop_bounding(keep, last_cap, rep, err) < 0)
		return barco_err_wrap(err, "capabilities: bounding set");
	keep = bounded_keep(keep, last_cap, rep);
	if (switch_identity(uid, gid, groups, groups_len, rep, err) < 0)
		return barco_err_wrap(err, "capabilities: identity");
	/* A non-root user keeps nothing but the bounding set, as on any host. */
	if (uid != 0)
		keep = 0;
	if (set_process_caps(keep, last_cap, rep, err) < 0)
		return barco_err_wrap(err, "capabilities");
	if (clear_ambient(rep, err) < 0)
		return barco_err_wrap(err, "capabilities: ambient set");
	log_debug("capabilities kept: 0x%016" PRIx64 " (uid %u)", keep, uid);
	return 0;
}
