/*
 * barco's compiler for its seccomp policy (the tables in
 * src/stages/seccomp_policy.c).
 *
 * libseccomp tests a syscall number against each allowed number in turn,
 * and spells each "low 32 bits differ" rule as 32 alternatives, one per
 * bit: 541 instructions for this policy, and close to 300 comparisons
 * before a late syscall is answered. The kernel checks, translates and
 * JIT-compiles a filter at load, in time that grows with its length
 * (0.36 ms for those 541 on the development VM, 0.18 ms for this
 * compiler's 195), and runs it on every syscall the container makes. Here
 * the syscall numbers are sorted into ranges that get the same answer (all
 * of 0-3 allowed, and so on) and the program is a binary search over them;
 * a conditional syscall's range is its own number, where its argument
 * tests sit.
 *
 * libseccomp stays the reference: seccomp-gen.c refuses to write a
 * program that does not answer every input as libseccomp's does, and the
 * unit tests check it again (seccomp_check.c).
 */
#include "seccomp_compile.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h> /* libseccomp's: the native architecture */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"

/* Above every syscall number of the architectures barco builds for. */
#define NR_LIMIT 1024u
/* x86_64: syscalls of the x32 ABI have this bit set in their number. */
#define X32_SYSCALL_BIT 0x40000000u
#define JUMP_MAX	255u

#define RET_ALLOW  SECCOMP_RET_ALLOW
#define RET_EPERM  (SECCOMP_RET_ERRNO | EPERM)
#define RET_ENOSYS (SECCOMP_RET_ERRNO | ENOSYS)
#define RET_KILL   SECCOMP_RET_KILL_PROCESS

enum nr_class {
	CLASS_DENY, /* the default action, ERRNO(EPERM) */
	CLASS_ALLOW,
	CLASS_RULES, /* answered by its conditional rules */
};

/* Syscall numbers lo up to the next range's lo, all with one answer. */
struct range {
	uint32_t lo;
	enum nr_class class;
};

/* A piece of program under construction. */
struct code {
	struct sock_filter insns[BPF_MAXINSNS];
	size_t len;
};

static int put(struct code *c, uint16_t op, uint8_t jt, uint8_t jf, uint32_t k,
	       struct barco_err *err)
{
	if (c->len >= BPF_MAXINSNS)
		return barco_err_set(err, E2BIG, "seccomp program over %d instructions",
				     BPF_MAXINSNS);
	c->insns[c->len++] = (struct sock_filter){.code = op, .jt = jt, .jf = jf, .k = k};
	return 0;
}

static int append(struct code *to, const struct code *from, struct barco_err *err)
{
	if (to->len + from->len > BPF_MAXINSNS)
		return barco_err_set(err, E2BIG, "seccomp program over %d instructions",
				     BPF_MAXINSNS);
	memcpy(to->insns + to->len, from->insns, from->len * sizeof(from->insns[0]));
	to->len += from->len;
	return 0;
}

/* Where the 32-bit halves of argument i are in struct seccomp_data. */
static uint32_t arg_low(unsigned int i)
{
	return (uint32_t)(offsetof(struct seccomp_data, args) + 8 * (size_t)i +
			  (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0 : 4));
}

static uint32_t arg_high(unsigned int i)
{
	return (uint32_t)(offsetof(struct seccomp_data, args) + 8 * (size_t)i +
			  (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 4 : 0));
}

/* How many instructions a rule's test takes (see emit_rule). */
static size_t rule_len(const struct barco_seccomp_rule *r)
{
	if (r->kind != BARCO_SECCOMP_ALLOW_BITS_CLEAR)
		return 2;
	if (r->value == 0)
		return 1;
	return 2 * (size_t)((r->value >> 32 != 0) + ((uint32_t)r->value != 0));
}

/*
 * One rule's test, starting at block position `at`: it jumps to the
 * block's last instruction (return ALLOW, at `allow`) when the rule
 * allows, and falls through to the next rule when it does not.
 */
static int emit_rule(struct code *c, const struct barco_seccomp_rule *r, size_t at, size_t allow,
		     struct barco_err *err)
{
	size_t fail = at + rule_len(r);
	uint32_t words[2][2] = {{arg_high(r->arg), (uint32_t)(r->value >> 32)},
				{arg_low(r->arg), (uint32_t)r->value}};
	size_t pos = at;

#define TO(target) ((uint8_t)((target) - (pos + 1)))
	switch (r->kind) {
	case BARCO_SECCOMP_ALLOW_BITS_CLEAR:
		if (r->value == 0)
			return put(c, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(allow - (pos + 1)), err);
		for (size_t w = 0; w < 2; w++) {
			if (words[w][1] == 0)
				continue;
			if (put(c, BPF_LD | BPF_W | BPF_ABS, 0, 0, words[w][0], err) < 0)
				return -1;
			pos++;
			/* A bit of the mask set: refused; the last word clear: allowed. */
			if (put(c, BPF_JMP | BPF_JSET | BPF_K, TO(fail),
				pos + 1 == fail ? TO(allow) : 0, words[w][1], err) < 0)
				return -1;
			pos++;
		}
		return 0;
	case BARCO_SECCOMP_ALLOW_LOW32_NE:
	case BARCO_SECCOMP_ALLOW_LOW32_EQ:
		if (put(c, BPF_LD | BPF_W | BPF_ABS, 0, 0, arg_low(r->arg), err) < 0)
			return -1;
		pos++;
		if (r->kind == BARCO_SECCOMP_ALLOW_LOW32_NE)
			return put(c, BPF_JMP | BPF_JEQ | BPF_K, TO(fail), TO(allow),
				   (uint32_t)r->value, err);
		return put(c, BPF_JMP | BPF_JEQ | BPF_K, TO(allow), TO(fail), (uint32_t)r->value,
			   err);
	case BARCO_SECCOMP_ENOSYS:
		break;
	}
#undef TO
	return barco_err_set(err, EINVAL, "seccomp rule for %s cannot be a test", r->name);
}

/*
 * The answer for syscall nr, which has conditional rules: ENOSYS, or its
 * rules one after the other (alternatives), then EPERM, then ALLOW.
 */
static int emit_rules(struct code *c, uint32_t nr, const int *rule_nr, struct barco_err *err)
{
	size_t len = 2;
	size_t at = 0;

	for (size_t i = 0; i < barco_seccomp_rules_len; i++) {
		if (rule_nr[i] != (int)nr)
			continue;
		if (barco_seccomp_rules[i].kind == BARCO_SECCOMP_ENOSYS)
			return put(c, BPF_RET | BPF_K, 0, 0, RET_ENOSYS, err);
		len += rule_len(&barco_seccomp_rules[i]);
	}
	if (len - 1 > JUMP_MAX)
		return barco_err_set(err, E2BIG, "seccomp rules of syscall %u too long", nr);
	for (size_t i = 0; i < barco_seccomp_rules_len; i++) {
		if (rule_nr[i] != (int)nr)
			continue;
		if (emit_rule(c, &barco_seccomp_rules[i], at, len - 1, err) < 0)
			return -1;
		at += rule_len(&barco_seccomp_rules[i]);
	}
	if (put(c, BPF_RET | BPF_K, 0, 0, RET_EPERM, err) < 0)
		return -1;
	return put(c, BPF_RET | BPF_K, 0, 0, RET_ALLOW, err);
}

/* The search over ranges[l..r] (A holds the syscall number). */
static int emit_search(struct code *c, const struct range *ranges, size_t l, size_t r,
		       const int *rule_nr, struct barco_err *err)
{
	cleanup_free struct code *left = NULL;
	size_t m = l + (r - l + 1) / 2;

	if (l == r) {
		if (ranges[l].class == CLASS_RULES)
			return emit_rules(c, ranges[l].lo, rule_nr, err);
		return put(c, BPF_RET | BPF_K, 0, 0,
			   ranges[l].class == CLASS_ALLOW ? RET_ALLOW : RET_EPERM, err);
	}
	left = calloc(1, sizeof(*left));
	if (!left)
		return barco_err_set(err, ENOMEM, "seccomp program");
	if (emit_search(left, ranges, l, m - 1, rule_nr, err) < 0)
		return -1;
	/* nr >= the middle range's first number: the upper half, after the lower. */
	if (left->len <= JUMP_MAX) {
		if (put(c, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)left->len, 0, ranges[m].lo, err) < 0)
			return -1;
	} else if (put(c, BPF_JMP | BPF_JGE | BPF_K, 0, 1, ranges[m].lo, err) < 0 ||
		   put(c, BPF_JMP | BPF_JA, 0, 0, (uint32_t)left->len, err) < 0) {
		return -1;
	}
	if (append(c, left, err) < 0)
		return -1;
	return emit_search(c, ranges, m, r, rule_nr, err);
}

/* Sorts the policy into ranges of syscall numbers with one answer each. */
static int classify(struct range *ranges, size_t *ret_n, int *rule_nr,
		    struct barco_seccomp_counts *counts, struct barco_err *err)
{
	enum nr_class class[NR_LIMIT] = {CLASS_DENY};
	size_t n = 0;

	for (size_t i = 0; i < barco_seccomp_allowed_len; i++) {
		int nr = barco_seccomp_resolve(barco_seccomp_allowed[i], counts);

		if (nr < 0)
			continue;
		if ((unsigned int)nr >= NR_LIMIT)
			return barco_err_set(err, ERANGE, "syscall %s is number %d",
					     barco_seccomp_allowed[i], nr);
		class[nr] = CLASS_ALLOW;
		counts->allowed++;
	}
	for (size_t i = 0; i < barco_seccomp_rules_len; i++) {
		int nr = barco_seccomp_resolve(barco_seccomp_rules[i].name, counts);

		rule_nr[i] = nr;
		if (nr < 0)
			continue;
		if ((unsigned int)nr >= NR_LIMIT || class[nr] == CLASS_ALLOW)
			return barco_err_set(err, EINVAL,
					     "syscall %s is both allowed and conditional",
					     barco_seccomp_rules[i].name);
		class[nr] = CLASS_RULES;
		counts->conditional++;
	}
	for (uint32_t nr = 0; nr < NR_LIMIT; nr++)
		if (n == 0 || class[nr] == CLASS_RULES || class[nr] != ranges[n - 1].class ||
		    ranges[n - 1].class == CLASS_RULES)
			ranges[n++] = (struct range){.lo = nr, .class = class[nr]};
	/* NR_LIMIT and up, to 0xffffffff: the default action. */
	if (ranges[n - 1].class != CLASS_DENY)
		ranges[n++] = (struct range){.lo = NR_LIMIT, .class = CLASS_DENY};
	*ret_n = n;
	return 0;
}

/*
 * The architecture check, as libseccomp writes it: another architecture
 * is killed; on x86_64 so is a syscall of the x32 ABI, except the number
 * -1, which only a tracer makes and which gets the default action.
 */
static int emit_header(struct code *c, uint32_t arch, struct barco_err *err)
{
	if (put(c, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch), err) < 0 ||
	    put(c, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, arch, err) < 0 ||
	    put(c, BPF_RET | BPF_K, 0, 0, RET_KILL, err) < 0 ||
	    put(c, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr), err) < 0)
		return -1;
	if (arch != AUDIT_ARCH_X86_64)
		return 0;
	if (put(c, BPF_JMP | BPF_JGE | BPF_K, 0, 2, X32_SYSCALL_BIT, err) < 0 ||
	    put(c, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0xffffffffu, err) < 0)
		return -1;
	return put(c, BPF_RET | BPF_K, 0, 0, RET_KILL, err);
}

int barco_seccomp_compile(struct sock_filter **ret_insns, size_t *ret_len,
			  struct barco_seccomp_counts *ret_counts, struct barco_err *err)
{
	cleanup_free struct code *c = calloc(1, sizeof(*c));
	cleanup_free struct range *ranges = calloc(NR_LIMIT + 1, sizeof(*ranges));
	cleanup_free int *rule_nr = calloc(barco_seccomp_rules_len, sizeof(*rule_nr));
	struct barco_seccomp_counts counts = {0};
	size_t n = 0;

	if (!c || !ranges || !rule_nr)
		return barco_err_set(err, ENOMEM, "seccomp program");
	if (classify(ranges, &n, rule_nr, &counts, err) < 0 ||
	    emit_header(c, seccomp_arch_native(), err) < 0 ||
	    emit_search(c, ranges, 0, n - 1, rule_nr, err) < 0)
		return barco_err_wrap(err, "seccomp: compiling the policy");
	*ret_insns = malloc(c->len * sizeof(c->insns[0]));
	if (!*ret_insns)
		return barco_err_set(err, ENOMEM, "seccomp program");
	memcpy(*ret_insns, c->insns, c->len * sizeof(c->insns[0]));
	*ret_len = c->len;
	*ret_counts = counts;
	return 0;
}
