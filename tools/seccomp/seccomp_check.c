/*
 * Two seccomp programs compared by running them: a classic BPF interpreter
 * for what seccomp programs use (loads from struct seccomp_data and the
 * scratch memory, AND/OR, the jumps, returns), fed every architecture and
 * syscall number the policy tells apart, and for each conditional syscall
 * its argument at every single bit, the rule's own value and its
 * neighbours, and thousands of random values. barco's compiler
 * (seccomp_emit.c) is checked against libseccomp's program this way.
 */
#include "seccomp_compile.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h> /* libseccomp's: the native architecture */
#include <stdbool.h>
#include <string.h>

#include "base/util.h"

/* The interpreter's answer for a program that is not a valid seccomp program. */
#define INVALID 0xffffffffu

#define RANDOM_PER_RULE 4096
#define RANDOM_ANY	20000

struct machine {
	uint32_t a, x, mem[BPF_MEMWORDS];
};

/* A load, store, ALU or register-move instruction; false for any other or a bad operand. */
static bool compute(const struct sock_filter *f, const struct seccomp_data *d, struct machine *m)
{
	bool is_mem = BPF_CLASS(f->code) == BPF_ST || BPF_CLASS(f->code) == BPF_STX ||
		      f->code == (BPF_LD | BPF_MEM) || f->code == (BPF_LDX | BPF_MEM);

	if (is_mem && f->k >= BPF_MEMWORDS)
		return false;
	switch (f->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		if (f->k % 4 || f->k + 4 > sizeof(*d))
			return false;
		memcpy(&m->a, (const char *)d + f->k, 4);
		return true;
	case BPF_LD | BPF_IMM:
		m->a = f->k;
		return true;
	case BPF_LDX | BPF_IMM:
		m->x = f->k;
		return true;
	case BPF_LD | BPF_MEM:
		m->a = m->mem[f->k];
		return true;
	case BPF_LDX | BPF_MEM:
		m->x = m->mem[f->k];
		return true;
	case BPF_ST:
		m->mem[f->k] = m->a;
		return true;
	case BPF_STX:
		m->mem[f->k] = m->x;
		return true;
	case BPF_ALU | BPF_AND | BPF_K:
		m->a &= f->k;
		return true;
	case BPF_ALU | BPF_OR | BPF_K:
		m->a |= f->k;
		return true;
	case BPF_MISC | BPF_TAX:
		m->x = m->a;
		return true;
	case BPF_MISC | BPF_TXA:
		m->a = m->x;
		return true;
	default:
		return false;
	}
}

/* A conditional jump's test: 1 taken, 0 not, -1 not such a jump. */
static int condition(const struct sock_filter *f, const struct machine *m)
{
	uint32_t v = BPF_SRC(f->code) == BPF_X ? m->x : f->k;

	switch (BPF_OP(f->code)) {
	case BPF_JEQ:
		return m->a == v;
	case BPF_JGT:
		return m->a > v;
	case BPF_JGE:
		return m->a >= v;
	case BPF_JSET:
		return (m->a & v) != 0;
	default:
		return -1;
	}
}

static uint32_t run(const struct sock_filter *p, size_t len, const struct seccomp_data *d)
{
	struct machine m = {0};

	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &p[pc];
		size_t skip;
		int taken;

		if (f->code == (BPF_RET | BPF_K))
			return f->k;
		if (f->code == (BPF_RET | BPF_A))
			return m.a;
		if (BPF_CLASS(f->code) != BPF_JMP) {
			if (!compute(f, d, &m))
				return INVALID;
			continue;
		}
		if (f->code == (BPF_JMP | BPF_JA)) {
			skip = f->k;
		} else {
			taken = condition(f, &m);
			if (taken < 0)
				return INVALID;
			skip = taken ? f->jt : f->jf;
		}
		if (skip >= len - pc - 1)
			return INVALID;
		pc += skip;
	}
	return INVALID; /* ran off the end */
}

struct pair {
	const struct sock_filter *a, *b;
	size_t a_len, b_len;
	uint64_t seed;
};

/* xorshift64: the same inputs at every run. */
static uint64_t next_random(struct pair *p)
{
	p->seed ^= p->seed << 13;
	p->seed ^= p->seed >> 7;
	p->seed ^= p->seed << 17;
	return p->seed;
}

static int compare(struct pair *p, const struct seccomp_data *d, struct barco_err *err)
{
	uint32_t ra = run(p->a, p->a_len, d);
	uint32_t rb = run(p->b, p->b_len, d);

	if (ra != INVALID && ra == rb)
		return 0;
	return barco_err_set(err, EINVAL,
			     "arch 0x%08x nr %d args 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
			     " 0x%" PRIx64 ": 0x%08x against 0x%08x (0x%08x: not a valid program)",
			     d->arch, d->nr, (uint64_t)d->args[0], (uint64_t)d->args[1],
			     (uint64_t)d->args[2], (uint64_t)d->args[3], ra, rb, INVALID);
}

static void random_args(struct pair *p, struct seccomp_data *d)
{
	for (size_t i = 0; i < 6; i++)
		d->args[i] = next_random(p);
}

/* Every architecture value and syscall number whose answer could differ. */
static int check_numbers(struct pair *p, uint32_t native, struct barco_err *err)
{
	static const uint32_t arches[] = {
		AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 0,
		0xffffffffu};
	static const uint32_t bases[] = {0, 0x3ffffc00u, 0x40000000u, 0x7ffffc00u, 0xfffffc00u};
	struct seccomp_data d = {0};

	for (size_t i = 0; i <= ARRAY_LEN(arches); i++) {
		d.arch = i < ARRAY_LEN(arches) ? arches[i] : native;
		for (size_t b = 0; b < ARRAY_LEN(bases); b++)
			for (uint32_t n = 0; n < 0x800; n++) {
				d.nr = (int)(bases[b] + (b == 4 ? n % 0x400 : n));
				memset(d.args, 0, sizeof(d.args));
				if (compare(p, &d, err) < 0)
					return -1;
				random_args(p, &d);
				if (compare(p, &d, err) < 0)
					return -1;
			}
	}
	return 0;
}

/* A conditional syscall's argument at every bit, the rule's value and around it, at random. */
static int check_rule(struct pair *p, uint32_t native, int nr, const struct barco_seccomp_rule *r,
		      struct barco_err *err)
{
	struct seccomp_data d = {.nr = nr, .arch = native};
	uint64_t v = r->value;

	for (size_t i = 0; i < 64 * 4 + 8 + RANDOM_PER_RULE; i++) {
		uint64_t arg;

		if (i < 64)
			arg = UINT64_C(1) << i;
		else if (i < 128)
			arg = v ^ UINT64_C(1) << (i - 64);
		else if (i < 192)
			arg = ~(UINT64_C(1) << (i - 128));
		else if (i < 256)
			arg = v | UINT64_C(1) << (i - 192);
		else if (i < 264)
			arg = (uint64_t[]){0,	    ~UINT64_C(0),    v,
					   ~v,	    v & 0xffffffffu, v | UINT64_C(1) << 32,
					   v << 32, (uint32_t)v}[i - 256];
		else if (i % 2)
			arg = next_random(p);
		else
			arg = (next_random(p) & ~UINT64_C(0xffffffff)) | (uint32_t)v;
		random_args(p, &d);
		d.args[r->arg] = arg;
		if (compare(p, &d, err) < 0)
			return -1;
	}
	return 0;
}

int barco_seccomp_check_same(const struct sock_filter *a, size_t a_len, const struct sock_filter *b,
			     size_t b_len, struct barco_err *err)
{
	struct pair p = {.a = a,
			 .b = b,
			 .a_len = a_len,
			 .b_len = b_len,
			 .seed = UINT64_C(0x9e3779b97f4a7c15)};
	struct barco_seccomp_counts ignored = {0};
	uint32_t native = seccomp_arch_native();
	struct seccomp_data d = {.arch = native};

	if (check_numbers(&p, native, err) < 0)
		return -1;
	for (size_t i = 0; i < barco_seccomp_rules_len; i++) {
		int nr = barco_seccomp_resolve(barco_seccomp_rules[i].name, &ignored);

		if (nr >= 0 && check_rule(&p, native, nr, &barco_seccomp_rules[i], err) < 0)
			return -1;
	}
	for (size_t i = 0; i < RANDOM_ANY; i++) {
		d.nr = (int)(next_random(&p) % 0x500);
		random_args(&p, &d);
		if (compare(&p, &d, err) < 0)
			return -1;
	}
	return 0;
}
