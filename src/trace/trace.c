/*
 * The tracer's life: read what the programs need from the kernel's BTF
 * (src/trace/trace_btf.c asks, src/base/btf.c reads), load the programs of
 * probes/trace.bpf.c (through the libbpf skeleton bpftool generated into
 * build/trace.skel.h), keep only those of the ways of attaching
 * (src/trace/trace_ways.c) that barco_trace_choose() found attachable, attach
 * them (a refused one is replaced by its group's next way, and everything
 * loaded again), read the ring buffer in a thread while the container
 * runs, and unload everything at the end.
 *
 * Nothing is pinned: every program, map and link lives only as long as the
 * file descriptors that barco holds, so even a SIGKILLed barco leaves
 * nothing loaded (bpf(2): objects are freed with their last reference).
 */
#include "trace/trace.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/log.h"
#include "trace.skel.h"
#include "trace/trace_btf.h"

#define LINKS_MAX 8

struct barco_tracer {
	struct barco_trace_btf btf; /* the kernel's BTF, open while choosing and loading */
	struct barco_trace_offsets offsets;
	struct barco_trace_bpf *skel;
	struct bpf_link *links[LINKS_MAX];
	size_t n_links;
	struct ring_buffer *rb;
	int wake_fd; /* eventfd: written once to make the reader return */
	pthread_t reader;
	bool has_reader;
	struct barco_trace_result result; /* the reader's until it is joined */
};

/* libbpf's messages (verifier logs included) only with -vv. */
__attribute__((format(printf, 2, 0))) static int libbpf_log(enum libbpf_print_level level,
							    const char *fmt, va_list ap)
{
	char buf[1024];

	if (barco_log_get_level() < BARCO_LOG_DEBUG)
		return 0;
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("libbpf: %s", buf);
	return 0;
}

/* Every program off, then on for the ways the strategy chose. */
static void select_programs(struct bpf_object *obj, const struct barco_trace_strategy *s)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)(void) bpf_program__set_autoload(prog, false);
	for (size_t i = 0; i < barco_trace_ways_len; i++) {
		const struct barco_trace_way *way = &barco_trace_ways[i];

		if (s->attach[way->group] != way->attach)
			continue;
		for (size_t j = 0; j < BARCO_TRACE_WAY_PROGS && way->progs[j]; j++) {
			prog = bpf_object__find_program_by_name(obj, way->progs[j]);
			if (prog)
				(void)bpf_program__set_autoload(prog, true);
		}
	}
}

static int load(struct barco_tracer *t, uint64_t cgroup_id, struct barco_err *err)
{
	int rc;

	t->skel = barco_trace_bpf__open();
	if (!t->skel)
		return barco_err_errno(err, "opening the BPF object (libbpf)");
	t->skel->rodata->target_cgroup_id = cgroup_id;
	t->skel->rodata->nr_exit = SYS_exit;
	t->skel->rodata->nr_exit_group = SYS_exit_group;
	t->skel->rodata->offsets = t->offsets;
	select_programs(t->skel->obj, &t->result.strategy);
	/* Maps are created even for programs that stay off: this one then needs no room. */
	if (t->result.strategy.attach[BARCO_TRACE_GROUP_CAPS] != BARCO_TRACE_ATTACH_KPROBE)
		(void)bpf_map__set_max_entries(t->skel->maps.kprobe_cap, 1);
	rc = barco_trace_bpf__load(t->skel);
	if (rc < 0) {
		barco_trace_bpf__destroy(t->skel);
		t->skel = NULL;
		return barco_err_set(err, -rc, "loading the BPF programs (-vv shows the verifier)");
	}
	return 0;
}

/* The chosen programs, then capability tracing dropped if only it keeps the rest from loading. */
static int load_with_fallback(struct barco_tracer *t, uint64_t cgroup_id, struct barco_err *err)
{
	struct barco_trace_strategy *s = &t->result.strategy;
	char *refused = s->refused[BARCO_TRACE_GROUP_CAPS];
	size_t len = strlen(refused);

	if (load(t, cgroup_id, err) == 0)
		return 0;
	if (s->attach[BARCO_TRACE_GROUP_CAPS] == BARCO_TRACE_ATTACH_NONE)
		return -1;
	(void)snprintf(refused + len, BARCO_TRACE_WHY_MAX - len, "%s%s/cap_capable: %s",
		       len ? "; " : "", barco_trace_attach_name(s->attach[BARCO_TRACE_GROUP_CAPS]),
		       err->msg);
	s->attach[BARCO_TRACE_GROUP_CAPS] = BARCO_TRACE_ATTACH_NONE;
	return load(t, cgroup_id, err);
}

/* The group whose way of attaching loads prog. */
static enum barco_trace_group group_of(const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);

	for (size_t i = 0; i < barco_trace_ways_len; i++) {
		const struct barco_trace_way *way = &barco_trace_ways[i];

		for (size_t j = 0; j < BARCO_TRACE_WAY_PROGS && way->progs[j]; j++)
			if (strcmp(way->progs[j], name) == 0)
				return way->group;
	}
	return BARCO_TRACE_GROUP_COUNT;
}

/* Attaches every loaded program; when one is refused, its group is ret_refused and err says why. */
static int attach_all(struct barco_tracer *t, enum barco_trace_group *ret_refused,
		      struct barco_err *err)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, t->skel->obj)
	{
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		if (t->n_links >= LINKS_MAX)
			return barco_err_set(err, 0, "more programs than links (%d)", LINKS_MAX);
		link = bpf_program__attach(prog);
		if (!link) {
			*ret_refused = group_of(prog);
			return barco_err_errno(err, "%s: attach", bpf_program__section_name(prog));
		}
		t->links[t->n_links++] = link;
	}
	return 0;
}

/* Detaches and unloads the programs and maps, for another try or for good. */
static void unload(struct barco_tracer *t)
{
	for (size_t i = 0; i < t->n_links; i++)
		(void)bpf_link__destroy(t->links[i]);
	t->n_links = 0;
	barco_trace_bpf__destroy(t->skel);
	t->skel = NULL;
}

/*
 * Loads and attaches the chosen programs. A refused attach (raw_tp is not
 * tried beforehand, src/trace/trace_attach.c) moves that group to its next
 * candidate and starts again: each round refuses one candidate, so it ends.
 */
static int load_and_attach(struct barco_tracer *t, uint64_t cgroup_id, struct barco_err *err)
{
	struct barco_trace_strategy *s = &t->result.strategy;

	for (;;) {
		enum barco_trace_group refused = BARCO_TRACE_GROUP_COUNT;
		char why[BARCO_TRACE_WHY_MAX];

		if (s->attach[BARCO_TRACE_GROUP_SYSCALLS] == BARCO_TRACE_ATTACH_NONE)
			return barco_err_set(
				err, 0, "raw_syscalls:sys_enter/sys_exit cannot be attached: %s",
				s->refused[BARCO_TRACE_GROUP_SYSCALLS]);
		if (load_with_fallback(t, cgroup_id, err) < 0 || !t->skel)
			return -1;
		if (attach_all(t, &refused, err) == 0)
			return 0;
		unload(t);
		if (refused == BARCO_TRACE_GROUP_COUNT)
			return -1;
		(void)barco_err_str(err, why, sizeof(why));
		barco_trace_choose_next(&t->btf, s, refused, why);
	}
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct barco_tracer *t = ctx;

	if (size >= sizeof(struct barco_trace_event))
		barco_trace_result_add(&t->result, data);
	return 0;
}

static int start(struct barco_tracer *t, uint64_t cgroup_id, struct barco_err *err)
{
	struct barco_trace_strategy *s = &t->result.strategy;
	int rc;

	(void)libbpf_set_print(libbpf_log);
	if (barco_trace_btf_open(&t->btf, err) < 0 ||
	    barco_trace_btf_offsets(&t->btf, &t->offsets, err) < 0)
		return barco_err_wrap(err, "the kernel's types");
	if (barco_trace_choose(&t->btf, s, err) < 0)
		return barco_err_wrap(err, "eBPF unusable");
	rc = load_and_attach(t, cgroup_id, err);
	barco_btf_close(&t->btf.reader);
	if (rc < 0)
		return -1;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	if (!t->rb)
		return barco_err_errno(err, "ring_buffer__new");
	t->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (t->wake_fd < 0)
		return barco_err_errno(err, "eventfd");
	return 0;
}

int barco_trace_open(uint64_t cgroup_id, struct barco_tracer **ret, struct barco_err *err)
{
	struct barco_tracer *t = calloc(1, sizeof(*t));

	if (!t)
		return barco_err_errno(err, "allocating the tracer");
	t->wake_fd = -1;
	t->result.cgroup_id = cgroup_id;
	if (start(t, cgroup_id, err) < 0) {
		barco_trace_close(t);
		return -1;
	}
	t->result.is_available = true;
	*ret = t;
	return 0;
}

/* Until stop: wakes when the ring buffer has data, returns when wake_fd is written. */
static void *reader_main(void *arg)
{
	struct barco_tracer *t = arg;
	struct pollfd pfd[2] = {{.fd = ring_buffer__epoll_fd(t->rb), .events = POLLIN},
				{.fd = t->wake_fd, .events = POLLIN}};

	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			(void)ring_buffer__consume(t->rb);
		if (pfd[1].revents)
			break;
	}
	return NULL;
}

/* Without a cgroup2 id, the container's pid namespace (nsfs inode and device) is the filter. */
static int filter_by_pidns(struct barco_tracer *t, pid_t pid, struct barco_err *err)
{
	char path[64];
	struct stat st;

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	if (stat(path, &st) < 0)
		return barco_err_errno(err, "stat %s", path);
	/* bpf_get_ns_current_pid_tgid compares with the kernel's dev_t (MKDEV: major << 20). */
	t->skel->bss->target_pidns_dev = ((uint64_t)major(st.st_dev) << 20) | minor(st.st_dev);
	t->skel->bss->target_pidns_ino = st.st_ino;
	return 0;
}

int barco_trace_arm(struct barco_tracer *t, pid_t pid, struct barco_err *err)
{
	int rc;

	if (!t->result.cgroup_id && filter_by_pidns(t, pid, err) < 0)
		return -1;
	rc = pthread_create(&t->reader, NULL, reader_main, t);
	if (rc != 0)
		return barco_err_set(err, rc, "pthread_create (ring buffer reader)");
	t->has_reader = true;
	__atomic_store_n(&t->skel->bss->armed, 1, __ATOMIC_RELEASE);
	return 0;
}

static uint64_t stat_sum(struct barco_tracer *t, enum barco_trace_stat which)
{
	int ncpu = libbpf_num_possible_cpus();
	uint32_t key = which;
	uint64_t sum = 0;
	uint64_t *values;

	if (ncpu <= 0)
		return 0;
	values = calloc((size_t)ncpu, sizeof(*values));
	if (values && bpf_map__lookup_elem(t->skel->maps.stats, &key, sizeof(key), values,
					   (size_t)ncpu * sizeof(*values), 0) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += values[i];
	free(values);
	return sum;
}

static void stop_reader(struct barco_tracer *t)
{
	uint64_t one = 1;

	if (!t->has_reader)
		return;
	__atomic_store_n(&t->skel->bss->armed, 0, __ATOMIC_RELEASE);
	if (write(t->wake_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		log_warn("waking the trace reader: %s", strerror(errno));
	(void)pthread_join(t->reader, NULL);
	t->has_reader = false;
}

void barco_trace_stop(struct barco_tracer *t, struct barco_trace_result *ret)
{
	stop_reader(t);
	(void)ring_buffer__consume(t->rb);
	t->result.emitted = stat_sum(t, BARCO_TRACE_STAT_EMITTED);
	t->result.dropped = stat_sum(t, BARCO_TRACE_STAT_DROPPED);
	*ret = t->result;
}

void barco_trace_close(struct barco_tracer *t)
{
	if (!t)
		return;
	if (t->skel)
		stop_reader(t);
	ring_buffer__free(t->rb);
	unload(t);
	barco_btf_close(&t->btf.reader);
	if (t->wake_fd >= 0)
		(void)close(t->wake_fd);
	free(t);
}
