/*
 * Kernel: the release, whether its build configuration is readable (the
 * "compiled in" layer of every other check depends on it), overlayfs, and
 * pivot_root(2), which the mounts stage uses to enter the new root.
 */
#include "probe/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

/* A scratch directory every root filesystem has; covered by a tmpfs in a private mount namespace.
 */
#define SCRATCH "/tmp"

static int check_version(struct barco_probe_ctx *ctx, const void *arg,
			 struct barco_probe_result *ret, struct barco_err *err)
{
	struct utsname uts;

	if (barco_probe_ev_call(&ret->evidence, uname(&uts), "uname()") < 0) {
		barco_probe_set(ret, BARCO_PROBE_UNKNOWN, "uname(2) failed: see the evidence",
				"uname failed");
		return 0;
	}
	barco_report_add(&ret->evidence, "sysname=%s release=%s machine=%s", uts.sysname,
			 uts.release, uts.machine);
	barco_report_add(&ret->evidence, "version=%s", uts.version);
	barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "%s %s %s", uts.sysname, uts.release,
			uts.machine);
	return 0;
}

static int check_config(struct barco_probe_ctx *ctx, const void *arg,
			struct barco_probe_result *ret, struct barco_err *err)
{
	static const char *const options[] = {"CONFIG_IKCONFIG_PROC", NULL};

	if (!ctx->kconfig.text) {
		barco_report_add(&ret->evidence, "open(\"/proc/config.gz\"): not readable");
		barco_report_add(&ret->evidence, "open(\"/boot/config-RELEASE\"): not readable");
		barco_probe_set(ret, BARCO_PROBE_WARN,
				"modprobe configs (needs CONFIG_IKCONFIG_PROC), or install the "
				"kernel's /boot/config-$(uname -r); until then every 'compiled in' "
				"layer is UNKNOWN",
				"kernel config not readable: compiled-in options unknown");
		return 0;
	}
	barco_report_add(&ret->evidence, "read %s: %zu bytes", ctx->kconfig.source,
			 strlen(ctx->kconfig.text));
	(void)barco_probe_kconfig_layer(&ctx->kconfig, options, &ret->evidence, NULL);
	barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "read from %s", ctx->kconfig.source);
	return 0;
}

/* A fresh tmpfs on SCRATCH in a private mount namespace: nothing outlives the child. */
static int scratch_tmpfs(struct barco_report *ev)
{
	int r = barco_probe_private_mounts(ev);

	if (r)
		return r;
	if (barco_probe_ev_call(ev, mount("tmpfs", SCRATCH, "tmpfs", 0, "mode=0700,size=1m"),
				"mount(\"tmpfs\", \"" SCRATCH
				"\", \"tmpfs\", 0, \"mode=0700,size=1m\")") < 0)
		return errno;
	return 0;
}

static int make_dirs(const char *const *dirs, struct barco_report *ev)
{
	for (size_t i = 0; dirs[i]; i++)
		if (barco_probe_ev_call(ev, mkdir(dirs[i], 0700), "mkdir(\"%s\", 0700)", dirs[i]) <
		    0)
			return errno;
	return 0;
}

static int try_overlay(const void *arg, struct barco_report *ev, long *ret_value)
{
	static const char *const dirs[] = {SCRATCH "/lower", SCRATCH "/upper", SCRATCH "/work",
					   SCRATCH "/merged", NULL};
	static const char opts[] =
		"lowerdir=" SCRATCH "/lower,upperdir=" SCRATCH "/upper,workdir=" SCRATCH "/work";
	struct stat st;
	int r = scratch_tmpfs(ev);

	if (r || (r = make_dirs(dirs, ev)))
		return r;
	if (barco_probe_ev_call(
		    ev, mount("overlay", SCRATCH "/merged", "overlay", 0, opts),
		    "mount(\"overlay\", \"" SCRATCH "/merged\", \"overlay\", 0, \"%s\")", opts) < 0)
		return errno;
	if (barco_probe_ev_call(ev, mkdir(SCRATCH "/merged/probe", 0700),
				"mkdir(\"" SCRATCH "/merged/probe\", 0700)") < 0)
		return errno;
	/* A write through the merged view lands in the upper layer. */
	if (barco_probe_ev_call(ev, stat(SCRATCH "/upper/probe", &st),
				"stat(\"" SCRATCH "/upper/probe\")") < 0)
		return errno;
	return 0;
}

static bool filesystems_has(const char *fstype, struct barco_report *ev)
{
	char text[8192];
	char *save = NULL;

	if (barco_probe_read_file("/proc/filesystems", text, sizeof(text)) < 0) {
		(void)barco_probe_ev_fail(ev, errno, "read /proc/filesystems");
		return false;
	}
	/* proc(5): "[nodev]\tNAME" per line. */
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *name = strrchr(line, '\t');

		if (strcmp(name ? name + 1 : line, fstype) == 0) {
			barco_report_add(ev, "/proc/filesystems lists \"%s\"", fstype);
			return true;
		}
	}
	barco_report_add(ev, "/proc/filesystems does not list \"%s\" (a module may load on mount)",
			 fstype);
	return false;
}

/* The enabled layer: /proc/filesystems lists it (else a module may still load on mount). */
static bool overlay_listed(struct barco_probe_ctx *ctx, const void *arg,
			   struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	facts->enabled = filesystems_has("overlay", &ret->evidence);
	return false;
}

static void overlay_verdict(const void *arg, const struct barco_probe_facts *f,
			    struct barco_probe_result *ret)
{
	if (f->built == BARCO_PROBE_FAIL)
		barco_probe_set(ret, BARCO_PROBE_FAIL,
				"rebuild the kernel with CONFIG_OVERLAY_FS=m (or y)",
				"overlayfs not built (%s)", f->missing);
	else
		barco_probe_set(
			ret, BARCO_PROBE_FAIL,
			f->enabled || f->child.code == EPERM
				? "mounting needs CAP_SYS_ADMIN and a new mount namespace: run "
				  "as root on the host, outside any container"
				: "modprobe overlay (the module may be missing from this kernel's "
				  "package)",
			"overlay mount refused");
}

static const struct barco_probe_layers overlayfs = {
	.options = (const char *const[]){"CONFIG_OVERLAY_FS", NULL},
	.enabled = overlay_listed,
	.attempt = try_overlay,
	.pass = "overlay mounted in a child",
	.verdict = overlay_verdict,
};

static int try_pivot_root(const void *arg, struct barco_report *ev, long *ret_value)
{
	static const char *const dirs[] = {SCRATCH "/old", NULL};
	int r = scratch_tmpfs(ev);

	if (r || (r = make_dirs(dirs, ev)))
		return r;
	/* pivot_root(2): new_root must be a mount point; put_old must be under it. */
	if (barco_probe_ev_call(ev, syscall(SYS_pivot_root, SCRATCH, SCRATCH "/old"),
				"pivot_root(\"" SCRATCH "\", \"" SCRATCH "/old\")") < 0)
		return errno;
	if (barco_probe_ev_call(ev, chdir("/"), "chdir(\"/\")") < 0)
		return errno;
	if (barco_probe_ev_call(ev, umount2("/old", MNT_DETACH), "umount2(\"/old\", MNT_DETACH)") <
	    0)
		return errno;
	return 0;
}

static void pivot_root_verdict(const void *arg, const struct barco_probe_facts *f,
			       struct barco_probe_result *ret)
{
	barco_probe_set(
		ret, BARCO_PROBE_FAIL,
		f->child.code == EINVAL
			? "the root is the initramfs (rootfs), which pivot_root cannot "
			  "move: boot with a real root filesystem (root=, or switch_root "
			  "from the initramfs)"
			: "needs CAP_SYS_ADMIN and a new mount namespace: run barco as root "
			  "on the host, outside any container or seccomp filter",
		"pivot_root not usable here");
}

static const struct barco_probe_layers pivot_root = {
	.attempt = try_pivot_root,
	.pass = "pivot_root into a tmpfs worked in a private mount namespace",
	.verdict = pivot_root_verdict,
};

const struct barco_probe_check barco_probe_kernel_checks[] = {
	{"kernel.version", "kernel release", BARCO_PROBE_KERNEL, false, check_version, NULL, false},
	{"kernel.config", "kernel build configuration readable", BARCO_PROBE_KERNEL, false,
	 check_config, NULL, false},
	{"kernel.overlayfs", "overlayfs can be mounted", BARCO_PROBE_KERNEL, false,
	 barco_probe_check_layers, &overlayfs, false},
	{"kernel.pivot_root", "pivot_root(2) into a new root", BARCO_PROBE_KERNEL, true,
	 barco_probe_check_layers, &pivot_root, false},
};
const size_t barco_probe_kernel_checks_len = ARRAY_LEN(barco_probe_kernel_checks);
