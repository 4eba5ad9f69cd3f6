/*
 * The cgroup v2 device program (stages/devices_bpf.h).
 *
 * The kernel cannot run a BPF_PROG_TYPE_CGROUP_DEVICE program on demand
 * (BPF_PROG_TEST_RUN answers ENOTSUPP for that type, checked on 6.18), so
 * the rules' meaning is checked twice:
 *
 *  - in memory: a small interpreter of the instructions barco emits runs
 *    the compiled program against a reference written straight from the
 *    rule (the last rule naming a node and an access bit decides it), for
 *    the cases the README promises and for thousands of random lists;
 *  - in the kernel: the program attached to a cgroup made for the test in
 *    the cgroup2 tree (/sys/fs/cgroup/unified on a hybrid host, where it
 *    governs processes as well, or /sys/fs/cgroup), a child moved there
 *    opening and making nodes. Numbers no driver registers (major 42 is
 *    "demo/sample use" and 60 "local/experimental use" in the kernel's
 *    devices.txt) tell the two apart: denied is EPERM, allowed reaches the
 *    missing driver (ENXIO). Needs root; skipped with the reason otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "stages/cgroup.h"
#include "stages/devices.h"
#include "stages/devices_bpf.h"
#include "suites.h"

#define RULE(allow, type, major, minor, access)                                                    \
	{                                                                                          \
		allow, type, major, minor, access                                                  \
	}
#define ALLOW(t, ma, mi, acc) RULE(true, t, ma, mi, acc)
#define DENY(t, ma, mi, acc)  RULE(false, t, ma, mi, acc)
#define ACC_R		      BPF_DEVCG_ACC_READ
#define ACC_W		      BPF_DEVCG_ACC_WRITE
#define ACC_M		      BPF_DEVCG_ACC_MKNOD
#define RULES_MAX	      16

/* ---- the reference: the rules read one by one ----------------------------------------- */

static unsigned int bits_of(const char *access)
{
	unsigned int bits = 0;

	for (; *access; access++)
		bits |= *access == 'r' ? ACC_R : *access == 'w' ? ACC_W : ACC_M;
	return bits;
}

static bool names_node(const struct barco_device_rule *r, char type, unsigned major, unsigned minor)
{
	if (r->type == 'a')
		return true;
	return r->type == type && (r->major < 0 || r->major == major) &&
	       (r->minor < 0 || r->minor == minor);
}

/* Whether the last rule naming the node and bit (any bit when bit is 0) allows it. */
static bool last_word(const struct barco_device_rule *rules, size_t n, char type, unsigned major,
		      unsigned minor, unsigned bit)
{
	for (size_t i = n; i-- > 0;)
		if (names_node(&rules[i], type, major, minor) &&
		    (!bit || rules[i].type == 'a' || (bits_of(rules[i].access) & bit)))
			return rules[i].is_allow;
	return false;
}

static bool reference(const struct barco_device_rule *rules, size_t n, char type, unsigned major,
		      unsigned minor, unsigned access)
{
	if (access == 0)
		return last_word(rules, n, type, major, minor, 0);
	for (unsigned bit = 1; bit <= ACC_W; bit <<= 1)
		if ((access & bit) && !last_word(rules, n, type, major, minor, bit))
			return false;
	return true;
}

/* ---- an interpreter of the instructions barco emits ------------------------------------- */

struct vm {
	uint64_t reg[MAX_BPF_REG];
	bool is_set[MAX_BPF_REG];
	bool is_ctx[MAX_BPF_REG];
};

static uint64_t ctx_field(const struct bpf_cgroup_dev_ctx *ctx, int16_t off)
{
	return off == 0 ? ctx->access_type : off == 4 ? ctx->major : ctx->minor;
}

/* One ALU or load instruction; false on anything barco should not emit. */
static bool vm_step(struct vm *m, const struct bpf_insn *i, const struct bpf_cgroup_dev_ctx *ctx)
{
	uint32_t src = BPF_SRC(i->code) == BPF_K ? (uint32_t)i->imm : (uint32_t)m->reg[i->src_reg];
	uint32_t dst = (uint32_t)m->reg[i->dst_reg];

	if (BPF_SRC(i->code) == BPF_X && (!m->is_set[i->src_reg] || m->is_ctx[i->src_reg]))
		return false;
	if (i->code == (BPF_LDX | BPF_MEM | BPF_W)) {
		if (!m->is_ctx[i->src_reg] || (i->off != 0 && i->off != 4 && i->off != 8))
			return false;
		m->reg[i->dst_reg] = ctx_field(ctx, i->off);
	} else if (i->code == (BPF_ALU64 | BPF_MOV | BPF_K)) {
		m->reg[i->dst_reg] = (uint64_t)(int64_t)i->imm;
	} else if (BPF_CLASS(i->code) == BPF_ALU && BPF_OP(i->code) == BPF_MOV) {
		m->reg[i->dst_reg] = src;
	} else if (BPF_CLASS(i->code) == BPF_ALU && m->is_set[i->dst_reg] &&
		   !m->is_ctx[i->dst_reg] && BPF_OP(i->code) == BPF_AND) {
		m->reg[i->dst_reg] = dst & src;
	} else if (BPF_CLASS(i->code) == BPF_ALU && m->is_set[i->dst_reg] &&
		   !m->is_ctx[i->dst_reg] && BPF_OP(i->code) == BPF_RSH && src < 32) {
		m->reg[i->dst_reg] = dst >> src;
	} else {
		return false;
	}
	m->is_set[i->dst_reg] = true;
	m->is_ctx[i->dst_reg] = false;
	return true;
}

/* Runs insns on ctx: 0 with *ret the verdict, -1 (and the pc) on an instruction it refuses. */
static int vm_run(const struct bpf_insn *insns, size_t len, const struct bpf_cgroup_dev_ctx *ctx,
		  uint64_t *ret)
{
	struct vm m = {.is_set[BPF_REG_1] = true, .is_ctx[BPF_REG_1] = true};
	size_t pc = 0;

	while (pc < len) {
		const struct bpf_insn *i = &insns[pc];
		uint64_t imm = (uint64_t)(int64_t)i->imm;

		if (i->code == (BPF_JMP | BPF_EXIT)) {
			*ret = m.reg[BPF_REG_0];
			return m.is_set[BPF_REG_0] ? 0 : -1;
		}
		if (BPF_CLASS(i->code) != BPF_JMP) {
			if (!vm_step(&m, i, ctx))
				break;
			pc++;
			continue;
		}
		/* Only forward jumps: the program is a chain, and must end. */
		if (BPF_OP(i->code) != BPF_JNE || i->off < 0 || !m.is_set[i->dst_reg] ||
		    (BPF_SRC(i->code) == BPF_X && !m.is_set[i->src_reg]))
			break;
		pc += 1 +
		      (m.reg[i->dst_reg] != (BPF_SRC(i->code) == BPF_K ? imm : m.reg[i->src_reg])
			       ? (size_t)i->off
			       : 0);
	}
	fprintf(stderr, "\n  interpreter: refused instruction %zu (code 0x%02x)\n", pc,
		pc < len ? insns[pc].code : 0);
	return -1;
}

/* The compiled program's verdict, or -1 when it does not run. */
static int program_allows(const struct barco_device_rule *rules, size_t n, char type,
			  unsigned major, unsigned minor, unsigned access)
{
	struct bpf_insn insns[128];
	struct bpf_cgroup_dev_ctx ctx = {
		.access_type =
			(access << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR),
		.major = major,
		.minor = minor,
	};
	uint64_t verdict = 2;
	size_t len;

	CU_ASSERT_FATAL(barco_devices_bpf_max_insns(n) <= ARRAY_LEN(insns));
	len = barco_devices_bpf_build(rules, n, insns);
	CU_ASSERT_FATAL(len <= barco_devices_bpf_max_insns(n));
	if (vm_run(insns, len, &ctx, &verdict) < 0 || verdict > 1)
		return -1;
	return (int)verdict;
}

/* ---- what the README promises ---------------------------------------------------------- */

struct promise {
	const char *what;
	struct barco_device_rule rules[6];
	size_t n;
	char type;
	unsigned major, minor, access;
	bool is_allowed;
};

static const struct promise promises[] = {
	{"no rule: denied", {{0}}, 0, 'c', 1, 3, ACC_R, false},
	{"allow all", {ALLOW('a', -1, -1, "rwm")}, 1, 'b', 8, 0, ACC_R | ACC_W, true},
	{"deny all", {DENY('a', -1, -1, "rwm")}, 1, 'c', 1, 3, ACC_M, false},
	{"an allowed node",
	 {DENY('a', -1, -1, "rwm"), ALLOW('c', 1, 3, "rwm")},
	 2,
	 'c',
	 1,
	 3,
	 ACC_R | ACC_W,
	 true},
	{"the same numbers, a block device",
	 {DENY('a', -1, -1, "rwm"), ALLOW('c', 1, 3, "rwm")},
	 2,
	 'b',
	 1,
	 3,
	 ACC_R,
	 false},
	{"a denied write: write alone",
	 {ALLOW('a', -1, -1, "rwm"), DENY('c', 1, 3, "w")},
	 2,
	 'c',
	 1,
	 3,
	 ACC_W,
	 false},
	{"a denied write: read and write (runc's program lets this through)",
	 {ALLOW('a', -1, -1, "rwm"), DENY('c', 1, 3, "w")},
	 2,
	 'c',
	 1,
	 3,
	 ACC_R | ACC_W,
	 false},
	{"a denied write: read",
	 {ALLOW('a', -1, -1, "rwm"), DENY('c', 1, 3, "w")},
	 2,
	 'c',
	 1,
	 3,
	 ACC_R,
	 true},
	{"a hole in a wildcard (cgroup v1 ignores it)",
	 {DENY('a', -1, -1, "rwm"), ALLOW('c', -1, -1, "rwm"), DENY('c', 1, 3, "w")},
	 3,
	 'c',
	 1,
	 3,
	 ACC_W,
	 false},
	{"read and write from two rules",
	 {DENY('a', -1, -1, "rwm"), ALLOW('c', 1, -1, "r"), ALLOW('c', -1, 3, "w")},
	 3,
	 'c',
	 1,
	 3,
	 ACC_R | ACC_W,
	 true},
	{"the last rule wins",
	 {DENY('a', -1, -1, "rwm"), ALLOW('c', 1, 3, "rw"), DENY('c', 1, 3, "r")},
	 3,
	 'c',
	 1,
	 3,
	 ACC_R,
	 false},
	{"an \"a\" rule resets what came before",
	 {ALLOW('c', 1, 3, "rwm"), DENY('a', -1, -1, "rwm")},
	 2,
	 'c',
	 1,
	 3,
	 ACC_R,
	 false},
	{"an \"a\" rule with numbers is still every node",
	 {DENY('a', -1, -1, "rwm"), ALLOW('a', 1, 3, "r")},
	 2,
	 'b',
	 9,
	 9,
	 ACC_W,
	 true},
	{"no access bit: the last rule naming the node",
	 {DENY('a', -1, -1, "rwm"), ALLOW('c', 1, 3, "r")},
	 2,
	 'c',
	 1,
	 3,
	 0,
	 true},
	{"no access bit, a node no rule names",
	 {DENY('a', -1, -1, "rwm"), ALLOW('c', 1, 3, "r")},
	 2,
	 'c',
	 1,
	 4,
	 0,
	 false},
};

static void test_promises(void)
{
	for (size_t i = 0; i < ARRAY_LEN(promises); i++) {
		const struct promise *p = &promises[i];
		int got = program_allows(p->rules, p->n, p->type, p->major, p->minor, p->access);
		bool ref = reference(p->rules, p->n, p->type, p->major, p->minor, p->access);

		if (got != (int)p->is_allowed || ref != p->is_allowed) {
			fprintf(stderr, "\n  %s: program %d, reference %d, promised %d\n", p->what,
				got, ref, p->is_allowed);
			CU_FAIL("a promised verdict");
		}
	}
}

/* ---- random lists ---------------------------------------------------------------------- */

/* xorshift32: the same lists on every run. */
static uint32_t next_random(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

static void random_rule(uint32_t *s, struct barco_device_rule *ret)
{
	static const char types[] = "acbcb";
	static const int64_t numbers[] = {-1, 1, 2};
	static const char *const accesses[] = {"r", "w", "m", "rw", "rm", "wm", "rwm"};

	ret->is_allow = next_random(s) & 1;
	ret->type = types[next_random(s) % 5];
	ret->major = numbers[next_random(s) % 3];
	ret->minor = numbers[next_random(s) % 3];
	(void)snprintf(ret->access, sizeof(ret->access), "%s", accesses[next_random(s) % 7]);
}

/* Every node and access of a small grid, against the reference; the first difference. */
static bool agrees(const struct barco_device_rule *rules, size_t n)
{
	static const char types[] = {'b', 'c'};
	static const unsigned numbers[] = {1, 2, 7};

	for (size_t t = 0; t < 2; t++)
		for (size_t a = 0; a < 3; a++)
			for (size_t b = 0; b < 3; b++)
				for (unsigned acc = 0; acc <= 7; acc++) {
					int got = program_allows(rules, n, types[t], numbers[a],
								 numbers[b], acc);
					bool ref = reference(rules, n, types[t], numbers[a],
							     numbers[b], acc);

					if (got == (int)ref)
						continue;
					fprintf(stderr,
						"\n  %c %u:%u access %u: program %d, "
						"reference %d\n",
						types[t], numbers[a], numbers[b], acc, got, ref);
					return false;
				}
	return true;
}

static void test_random_lists(void)
{
	uint32_t state = 2463534242u;

	for (int round = 0; round < 3000; round++) {
		struct barco_device_rule rules[RULES_MAX];
		size_t n = next_random(&state) % 9;
		char text[64];

		for (size_t i = 0; i < n; i++)
			random_rule(&state, &rules[i]);
		if (agrees(rules, n))
			continue;
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  rule %zu: %s %s\n", i,
				rules[i].is_allow ? "allow" : "deny",
				barco_devices_rule_text(&rules[i], text, sizeof(text)));
		CU_FAIL("program and reference differ");
		return;
	}
}

/* A list as long as config.json may give, and barco's defaults: within the bound. */
static void test_size_bound(void)
{
	size_t n = 1024 + barco_devices_default_rules_len;
	struct barco_device_rule *rules = calloc(n, sizeof(*rules));
	struct bpf_insn *insns = calloc(barco_devices_bpf_max_insns(n), sizeof(*insns));
	uint32_t state = 88172645u;

	CU_ASSERT_FATAL(rules && insns);
	for (size_t i = 0; i < n; i++) {
		random_rule(&state, &rules[i]);
		rules[i].type = 'c'; /* no "a": every rule is compiled */
	}
	CU_ASSERT(barco_devices_bpf_build(rules, n, insns) <= barco_devices_bpf_max_insns(n));
	free(rules);
	free(insns);
}

/* ---- the kernel ------------------------------------------------------------------------ */

/* A node tried: made in a scratch tmpfs, or the host's (path). */
struct node {
	char type;
	unsigned major, minor;
	const char *path;
};

static const struct node nodes[] = {
	{'c', 42, 0, NULL},	  {'c', 42, 1, NULL},	    {'c', 60, 0, NULL}, {'c', 60, 1, NULL},
	{'b', 42, 0, NULL},	  {'b', 42, 1, NULL},	    {'b', 60, 0, NULL}, {'b', 60, 1, NULL},
	{'c', 1, 3, "/dev/null"}, {'c', 1, 5, "/dev/zero"},
};

/* What each node is tried with: three opens, then mknod. */
static const struct {
	const char *name;
	int flags;
	unsigned access;
} tries[] = {
	{"open O_RDONLY", O_RDONLY, ACC_R},
	{"open O_WRONLY", O_WRONLY, ACC_W},
	{"open O_RDWR", O_RDWR, ACC_R | ACC_W},
	{"mknod", -1, ACC_M},
};

#define VERDICTS (ARRAY_LEN(nodes) * ARRAY_LEN(tries))

/* 'y' allowed, 'n' denied (EPERM), '?' anything else (printed). */
static char try_node(const char *dir, const struct node *nd, size_t t)
{
	mode_t kind = nd->type == 'b' ? S_IFBLK : S_IFCHR;
	char path[PATH_MAX];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%c%u.%u", dir, nd->type, nd->major, nd->minor);
	if (tries[t].flags < 0) {
		(void)strcat(path, ".made");
		if (mknod(path, kind | 0600, makedev(nd->major, nd->minor)) == 0)
			return unlink(path) == 0 ? 'y' : '?';
	} else {
		fd = open(nd->path ? nd->path : path, tries[t].flags | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0)
			return close(fd) == 0 ? 'y' : '?';
		/* Past the cgroup's check, no driver: allowed. */
		if (errno == ENXIO || errno == ENODEV)
			return 'y';
	}
	if (errno == EPERM)
		return 'n';
	fprintf(stderr, "\n  %s %s: %s\n", tries[t].name, path, strerror(errno));
	return '?';
}

/* The nodes, in a tmpfs of the child's own mount namespace (gone with it). */
static int make_nodes(const char *dir)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, "mode=0700") < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(nodes); i++) {
		char path[PATH_MAX];
		mode_t kind = nodes[i].type == 'b' ? S_IFBLK : S_IFCHR;

		(void)snprintf(path, sizeof(path), "%s/%c%u.%u", dir, nodes[i].type, nodes[i].major,
			       nodes[i].minor);
		if (mknod(path, kind | 0666, makedev(nodes[i].major, nodes[i].minor)) < 0)
			return -1;
	}
	return 0;
}

/* In a child: the nodes made, itself moved into cgroup, every try; the verdicts to out. */
static int child_tries(const char *cgroup, const char *dir, int out)
{
	char procs[PATH_MAX + 16];
	char verdicts[VERDICTS];
	int fd;

	(void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	if (make_nodes(dir) < 0) {
		perror("\n  make the nodes");
		return 1;
	}
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1) {
		perror("\n  join the test cgroup");
		return 1;
	}
	(void)close(fd);
	for (size_t i = 0; i < ARRAY_LEN(nodes); i++)
		for (size_t t = 0; t < ARRAY_LEN(tries); t++)
			verdicts[i * ARRAY_LEN(tries) + t] = try_node(dir, &nodes[i], t);
	return write(out, verdicts, sizeof(verdicts)) == (ssize_t)sizeof(verdicts) ? 0 : 1;
}

static bool kernel_verdicts(const char *cgroup, const char *dir, char verdicts[VERDICTS])
{
	int pipe_fds[2];
	int status = -1;
	ssize_t got;
	pid_t pid;

	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return false;
	(void)fflush(NULL);
	pid = fork();
	if (pid == 0) {
		(void)close(pipe_fds[0]);
		_exit(child_tries(cgroup, dir, pipe_fds[1]));
	}
	(void)close(pipe_fds[1]);
	got = pid > 0 ? read(pipe_fds[0], verdicts, VERDICTS) : -1;
	(void)close(pipe_fds[0]);
	if (pid > 0)
		(void)barco_waitpid(pid, &status);
	return got == (ssize_t)VERDICTS && status == 0;
}

/* The kernel's verdicts for the program of rules attached to cgroup, against the reference. */
static void check_in_kernel(const char *what, const char *cgroup, const char *dir,
			    const struct barco_device_rule *rules, size_t n)
{
	char verdicts[VERDICTS];

	if (!kernel_verdicts(cgroup, dir, verdicts)) {
		CU_FAIL("the child trying the nodes did not finish");
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(nodes); i++)
		for (size_t t = 0; t < ARRAY_LEN(tries); t++) {
			const struct node *nd = &nodes[i];
			bool ref = reference(rules, n, nd->type, nd->major, nd->minor,
					     tries[t].access);
			char got = verdicts[i * ARRAY_LEN(tries) + t];

			if (got == (ref ? 'y' : 'n'))
				continue;
			fprintf(stderr, "\n  %s: %s %c %u:%u: kernel '%c', reference %s\n", what,
				tries[t].name, nd->type, nd->major, nd->minor, got,
				ref ? "allowed" : "denied");
			CU_FAIL("the kernel and the reference differ");
		}
}

struct kernel_case {
	const char *what;
	struct barco_device_rule rules[6];
	size_t n;
	bool with_defaults; /* through barco_devices_cgroup_v2, as create attaches it */
};

static const struct kernel_case kernel_cases[] = {
	{"/dev/null not writable", {ALLOW('a', -1, -1, "rwm"), DENY('c', 1, 3, "w")}, 2, false},
	{"allow, then deny, per node",
	 {DENY('a', -1, -1, "rwm"), ALLOW('c', 42, -1, "rw"), DENY('c', 42, 1, "w"),
	  ALLOW('b', 60, 0, "r")},
	 4,
	 false},
	{"access from two rules",
	 {DENY('a', -1, -1, "rwm"), ALLOW('c', -1, -1, "m"), ALLOW('b', -1, -1, "m"),
	  ALLOW('c', 60, -1, "r"), ALLOW('c', -1, 1, "w")},
	 5,
	 false},
	{"no rule", {{0}}, 0, false},
	{"runc spec's deny all, barco's defaults", {DENY('a', -1, -1, "rwm")}, 1, true},
};

/* The rules a case attaches: with the defaults appended when it asks for them. */
static size_t case_rules(const struct kernel_case *c, struct barco_device_rule *ret)
{
	memcpy(ret, c->rules, c->n * sizeof(*ret));
	if (!c->with_defaults)
		return c->n;
	memcpy(ret + c->n, barco_devices_default_rules,
	       barco_devices_default_rules_len * sizeof(*ret));
	return c->n + barco_devices_default_rules_len;
}

/* The test's cgroup in the cgroup2 tree, or a reason to skip in skip. */
static bool make_test_cgroup(char path[PATH_MAX], char skip[256])
{
	struct barco_cgroup_layout layout;
	struct barco_err err = {0};

	if (geteuid() != 0) {
		(void)snprintf(skip, 256, "needs root");
		return false;
	}
	if (barco_cgroup_layout_detect(&layout, &err) < 0 || !layout.unified_mount[0]) {
		(void)snprintf(skip, 256, "no cgroup2 tree: %.200s", err.msg[0] ? err.msg : "none");
		return false;
	}
	(void)snprintf(path, PATH_MAX, "%.4000s/barco-unit-devbpf-%d", layout.unified_mount,
		       (int)getpid());
	if (mkdir(path, 0755) < 0) {
		(void)snprintf(skip, 256, "mkdir %.200s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

/* Attaches c's program; false (skip set) when the kernel has no device programs for root. */
static bool attach_case(const char *cgroup, const struct kernel_case *c, char skip[256])
{
	struct barco_report rep = {0};
	struct barco_err err = {0};
	int r = c->with_defaults ? barco_devices_cgroup_v2(cgroup, c->rules, c->n, &rep, &err)
				 : barco_devices_bpf_attach(cgroup, c->rules, c->n, &rep, &err);

	if (r == 0)
		return true;
	(void)snprintf(skip, 256, "%.200s: %s", err.msg, strerror(err.errnum));
	return false;
}

/* Every program is gone once the cgroup is: the kernel detaches them when it is freed. */
static bool program_gone(uint32_t id)
{
	for (int i = 0; i < 500; i++) {
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0 && errno == ENOENT)
			return true;
		if (fd >= 0)
			(void)close(fd);
		(void)nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
	return false;
}

static void run_kernel_cases(const char *cgroup, const char *dir)
{
	struct barco_device_rule rules[6 + 16];
	uint32_t ids[4] = {0};
	size_t n_ids = 0;
	struct barco_err err = {0};
	char skip[256] = "";

	for (size_t k = 0; k < ARRAY_LEN(kernel_cases); k++) {
		const struct kernel_case *c = &kernel_cases[k];

		if (!attach_case(cgroup, c, skip)) {
			fprintf(stderr, "\n  %s %s\n", k == 0 ? "skip the kernel's verdicts:" : "",
				skip);
			CU_ASSERT_EQUAL(k, 0); /* once one loaded, every one must */
			return;
		}
		/* Replaced, not added: one barco program on the cgroup. */
		CU_ASSERT_EQUAL(barco_devices_bpf_query(cgroup, ids, ARRAY_LEN(ids), &n_ids, &err),
				0);
		CU_ASSERT_EQUAL(n_ids, 1);
		check_in_kernel(c->what, cgroup, dir, rules, case_rules(c, rules));
	}
	CU_ASSERT_EQUAL_FATAL(rmdir(cgroup), 0);
	CU_ASSERT(n_ids == 1 && program_gone(ids[0]));
}

static void test_kernel_verdicts(void)
{
	char cgroup[PATH_MAX];
	char skip[256] = "";
	char *dir;

	if (!make_test_cgroup(cgroup, skip)) {
		fprintf(stderr, "\n  skip the kernel's verdicts: %s\n", skip);
		return;
	}
	dir = barco_test_tmpdir();
	run_kernel_cases(cgroup, dir);
	(void)rmdir(cgroup); /* when a case failed before removing it */
	barco_test_rmtree(dir);
	free(dir);
}

void barco_test_register_devices_bpf(void)
{
	static const struct barco_test tests[] = {
		{"the promised verdicts", test_promises},
		{"random lists: program and reference agree", test_random_lists},
		{"the size bound holds for the longest list", test_size_bound},
		{"the kernel agrees, in a cgroup of the test's own", test_kernel_verdicts},
	};

	barco_test_suite_add("devices_bpf", tests, ARRAY_LEN(tests));
}
