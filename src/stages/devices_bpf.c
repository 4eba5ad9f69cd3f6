/*
 * The cgroup v2 device program: compiled from the rule list, loaded,
 * attached (devices_bpf.h says what it decides).
 *
 * References: include/uapi/linux/bpf.h (struct bpf_insn, struct
 * bpf_cgroup_dev_ctx, BPF_DEVCG_*), Documentation/bpf/standardization/
 * instruction-set.rst (the encoding), bpf(2) (BPF_PROG_LOAD,
 * BPF_PROG_ATTACH, BPF_PROG_QUERY, BPF_PROG_DETACH), kernel/bpf/cgroup.c.
 */
#include "stages/devices_bpf.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

/* Registers: r1 the context on entry (then a scratch), r2..r5 what the prologue loads. */
enum {
	R0 = BPF_REG_0,
	R1 = BPF_REG_1,
	R_TYPE = BPF_REG_2,   /* BPF_DEVCG_DEV_BLOCK or _CHAR */
	R_ACCESS = BPF_REG_3, /* the requested access bits not decided yet */
	R_MAJOR = BPF_REG_4,
	R_MINOR = BPF_REG_5,
};

#define ACC_ALL	       (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)
#define PROLOGUE_INSNS 6
#define RULE_INSNS_MAX 9	 /* three tests, four for the access, two to return */
#define TO_NEXT	       INT16_MIN /* a jump's offset before it is known: to the next rule */
/* The kernel keeps at most 64 programs per attach point (BPF_CGROUP_MAX_PROGS). */
#define ATTACHED_MAX 64
#define VERIFIER_LOG 4096

/* ---- instructions ---------------------------------------------------------- */

static struct bpf_insn load_word(int dst, int16_t off)
{
	return (struct bpf_insn){
		.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = dst & 0xf, .src_reg = R1, .off = off};
}

static struct bpf_insn alu32_imm(int op, int dst, int32_t imm)
{
	return (struct bpf_insn){.code = BPF_ALU | op | BPF_K, .dst_reg = dst & 0xf, .imm = imm};
}

static struct bpf_insn mov32_reg(int dst, int src)
{
	return (struct bpf_insn){
		.code = BPF_ALU | BPF_MOV | BPF_X, .dst_reg = dst & 0xf, .src_reg = src & 0xf};
}

static struct bpf_insn jne_imm(int dst, int32_t imm, int16_t off)
{
	return (struct bpf_insn){
		.code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = dst & 0xf, .off = off, .imm = imm};
}

/* "r0 = verdict; exit": two instructions at out. */
static size_t emit_return(struct bpf_insn *out, bool is_allow)
{
	out[0] = (struct bpf_insn){
		.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = R0, .imm = is_allow ? 1 : 0};
	out[1] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
	return 2;
}

/* ---- compiling ------------------------------------------------------------- */

static int32_t access_bits(const char *access)
{
	int32_t bits = 0;

	for (const char *c = access; *c; c++)
		bits |= *c == 'r'   ? BPF_DEVCG_ACC_READ
			: *c == 'w' ? BPF_DEVCG_ACC_WRITE
				    : BPF_DEVCG_ACC_MKNOD;
	return bits;
}

/* Unpacks struct bpf_cgroup_dev_ctx into R_TYPE, R_ACCESS, R_MAJOR, R_MINOR. */
static size_t emit_prologue(struct bpf_insn *out)
{
	out[0] = load_word(R_TYPE, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	out[1] = alu32_imm(BPF_AND, R_TYPE, 0xffff);
	out[2] = load_word(R_ACCESS, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	out[3] = alu32_imm(BPF_RSH, R_ACCESS, 16);
	out[4] = load_word(R_MAJOR, offsetof(struct bpf_cgroup_dev_ctx, major));
	out[5] = load_word(R_MINOR, offsetof(struct bpf_cgroup_dev_ctx, minor));
	return PROLOGUE_INSNS;
}

/*
 * The tests of an allow rule for the bits it names: they are decided
 * (cleared from R_ACCESS); allow once none is left.
 */
static size_t emit_allow_access(struct bpf_insn *out, int32_t bits)
{
	out[0] = alu32_imm(BPF_AND, R_ACCESS, ~bits & ACC_ALL);
	out[1] = jne_imm(R_ACCESS, 0, TO_NEXT);
	return 2;
}

/*
 * The tests of a deny rule for the bits it names: deny if one of them is
 * still asked for, or if nothing is (a request with no access bit); else
 * on to the next rule.
 */
static size_t emit_deny_access(struct bpf_insn *out, int32_t bits)
{
	out[0] = mov32_reg(R1, R_ACCESS);
	out[1] = alu32_imm(BPF_AND, R1, bits);
	out[2] = jne_imm(R1, 0, 1); /* over the next test, to the verdict */
	out[3] = jne_imm(R_ACCESS, 0, TO_NEXT);
	return 4;
}

/* One rule: the tests of its node, of its access, then its verdict; jumps resolved. */
static size_t emit_rule(const struct barco_device_rule *rule, struct bpf_insn *out)
{
	int32_t bits = access_bits(rule->access);
	size_t len = 0;

	out[len++] = jne_imm(R_TYPE, rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
			     TO_NEXT);
	if (rule->major >= 0)
		out[len++] = jne_imm(R_MAJOR, (int32_t)rule->major, TO_NEXT);
	if (rule->minor >= 0)
		out[len++] = jne_imm(R_MINOR, (int32_t)rule->minor, TO_NEXT);
	if (bits != ACC_ALL)
		len += rule->is_allow ? emit_allow_access(out + len, bits)
				      : emit_deny_access(out + len, bits);
	len += emit_return(out + len, rule->is_allow);
	/* A jump lands at pc + 1 + off: the next rule starts at out[len]. */
	for (size_t i = 0; i < len; i++)
		if (BPF_CLASS(out[i].code) == BPF_JMP && out[i].off == TO_NEXT)
			out[i].off = (int16_t)(len - i - 1);
	return len;
}

size_t barco_devices_bpf_max_insns(size_t n)
{
	return PROLOGUE_INSNS + n * RULE_INSNS_MAX + 2;
}

size_t barco_devices_bpf_build(const struct barco_device_rule *rules, size_t n,
			       struct bpf_insn *insns)
{
	size_t len = emit_prologue(insns);

	for (size_t i = n; i-- > 0;) {
		/* "a": every node, every access; no rule before it can decide anything. */
		if (rules[i].type == 'a')
			return len + emit_return(insns + len, rules[i].is_allow);
		len += emit_rule(&rules[i], insns + len);
	}
	/* No rule named a bit asked for: denied. */
	return len + emit_return(insns + len, false);
}

/* ---- loading and attaching ------------------------------------------------------ */

/* The verifier's last line, to say why a load failed. */
static void verifier_reason(const struct bpf_insn *insns, size_t len, char *buf, size_t size)
{
	char log[VERIFIER_LOG] = "";
	struct bpf_prog_load_opts opts = {
		.sz = sizeof(opts), .log_buf = log, .log_size = sizeof(log), .log_level = 1};
	int fd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, BARCO_DEVICES_BPF_NAME, "MIT", insns,
			       len, &opts);
	size_t end = strlen(log);
	size_t start;

	if (fd >= 0)
		(void)close(fd); /* it loaded this time: the log says nothing wrong */

	while (end > 0 && log[end - 1] == '\n')
		end--;
	start = end;
	while (start > 0 && log[start - 1] != '\n')
		start--;
	(void)snprintf(buf, size, "%.*s", (int)(end - start), log + start);
}

static int load_program(const struct barco_device_rule *rules, size_t n, size_t *ret_len,
			struct barco_err *err)
{
	cleanup_free struct bpf_insn *insns =
		calloc(barco_devices_bpf_max_insns(n), sizeof(*insns));
	char reason[256] = "";
	size_t len;
	int fd;

	if (!insns)
		return barco_err_errno(err, "compile %zu device rules", n);
	len = barco_devices_bpf_build(rules, n, insns);
	fd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, BARCO_DEVICES_BPF_NAME, "MIT", insns, len,
			   NULL);
	if (fd < 0) {
		int saved = errno;

		verifier_reason(insns, len, reason, sizeof(reason));
		return barco_err_set(err, saved,
				     "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, %zu "
				     "instructions)%s%s",
				     len, reason[0] ? ": verifier: " : "", reason);
	}
	*ret_len = len;
	return fd;
}

static uint32_t prog_id(int fd, char name[BPF_OBJ_NAME_LEN])
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return 0;
	if (name)
		memcpy(name, info.name, BPF_OBJ_NAME_LEN);
	return info.id;
}

static int query_fd(int dir_fd, const char *dir, uint32_t *ret_ids, size_t max, size_t *ret_n,
		    struct barco_err *err)
{
	uint32_t count = (uint32_t)max;
	uint32_t flags = 0;

	if (bpf_prog_query(dir_fd, BPF_CGROUP_DEVICE, 0, &flags, ret_ids, &count) < 0)
		return barco_err_errno(err, "bpf(BPF_PROG_QUERY, %s, BPF_CGROUP_DEVICE)", dir);
	*ret_n = count;
	return 0;
}

int barco_devices_bpf_query(const char *dir, uint32_t *ret_ids, size_t max, size_t *ret_n,
			    struct barco_err *err)
{
	cleanup_close int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir_fd < 0)
		return barco_err_errno(err, "open %s", dir);
	return query_fd(dir_fd, dir, ret_ids, max, ret_n, err);
}

/* Detaches the barco_devices program id from dir; one detached meanwhile is no error. */
static int detach_old(int dir_fd, const char *dir, uint32_t id, struct barco_report *rep,
		      struct barco_err *err)
{
	char name[BPF_OBJ_NAME_LEN] = "";
	cleanup_close int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return barco_err_errno(err, "bpf(BPF_PROG_GET_FD_BY_ID, %u)", id);
	if (prog_id(fd, name) == 0 || strcmp(name, BARCO_DEVICES_BPF_NAME) != 0)
		return 0;
	if (bpf_prog_detach2(fd, dir_fd, BPF_CGROUP_DEVICE) < 0) {
		if (errno == ENOENT)
			return 0;
		return barco_err_errno(err, "bpf(BPF_PROG_DETACH, %s, BPF_CGROUP_DEVICE, id %u)",
				       dir, id);
	}
	barco_report_add(rep, "bpf(BPF_PROG_DETACH, %s, BPF_CGROUP_DEVICE, id %u) = 0: replaced",
			 dir, id);
	return 0;
}

int barco_devices_bpf_attach(const char *dir, const struct barco_device_rule *rules, size_t n,
			     struct barco_report *rep, struct barco_err *err)
{
	cleanup_close int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int fd = -1;
	uint32_t old[ATTACHED_MAX];
	size_t n_old = 0, len = 0;

	if (dir_fd < 0)
		return barco_err_errno(err, "open %s", dir);
	if (query_fd(dir_fd, dir, old, ATTACHED_MAX, &n_old, err) < 0)
		return -1;
	fd = load_program(rules, n, &len, err);
	if (fd < 0)
		return -1;
	barco_report_add(rep,
			 "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, %zu rules as %zu "
			 "instructions) = id %u",
			 n, len, prog_id(fd, NULL));
	if (bpf_prog_attach(fd, dir_fd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) < 0)
		return barco_err_errno(err, "bpf(BPF_PROG_ATTACH, %s, BPF_CGROUP_DEVICE)", dir);
	barco_report_add(rep, "bpf(BPF_PROG_ATTACH, %s, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) = 0",
			 dir);
	for (size_t i = 0; i < n_old; i++)
		if (detach_old(dir_fd, dir, old[i], rep, err) < 0)
			return -1;
	return 0;
}
