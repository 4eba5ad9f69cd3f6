/*
 * A minimal BTF reader: enough to find the type ids that tp_btf and fexit
 * programs name in attach_btf_id. The format is the kernel's
 * (Documentation/bpf/btf.rst, include/uapi/linux/btf.h): a header, then
 * the type section, a sequence of struct btf_type records (ids from 1),
 * each followed by data whose size depends on its kind, then the strings.
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

#define BTF_MAGIC    0xeB9F
#define BTF_VMLINUX  "/sys/kernel/btf/vmlinux"
#define BTF_KIND_MAX 19
#define BTF_SIZE_MAX (256u << 20)

struct btf_header_raw {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t type_off;
	uint32_t type_len;
	uint32_t str_off;
	uint32_t str_len;
};

struct btf_type_raw {
	uint32_t name_off;
	uint32_t info; /* vlen: bits 0-15, kind: bits 24-28 */
	uint32_t size_or_type;
};

/*
 * Bytes after struct btf_type, per kind: fixed, plus per_vlen for each of
 * the vlen members (btf.rst "Type Encoding"). Index: BTF_KIND_*.
 */
static const struct {
	uint32_t fixed;
	uint32_t per_vlen;
} kind_extra[BTF_KIND_MAX + 1] = {
	[1] = {4, 0},	/* INT: encoding word */
	[2] = {0, 0},	/* PTR */
	[3] = {12, 0},	/* ARRAY: struct btf_array */
	[4] = {0, 12},	/* STRUCT: struct btf_member */
	[5] = {0, 12},	/* UNION */
	[6] = {0, 8},	/* ENUM: struct btf_enum */
	[7] = {0, 0},	/* FWD */
	[8] = {0, 0},	/* TYPEDEF */
	[9] = {0, 0},	/* VOLATILE */
	[10] = {0, 0},	/* CONST */
	[11] = {0, 0},	/* RESTRICT */
	[12] = {0, 0},	/* FUNC */
	[13] = {0, 8},	/* FUNC_PROTO: struct btf_param */
	[14] = {4, 0},	/* VAR: struct btf_var */
	[15] = {0, 12}, /* DATASEC: struct btf_var_secinfo */
	[16] = {0, 0},	/* FLOAT */
	[17] = {4, 0},	/* DECL_TAG: struct btf_decl_tag */
	[18] = {0, 0},	/* TYPE_TAG */
	[19] = {0, 12}, /* ENUM64: struct btf_enum64 */
};

struct btf_view {
	const uint8_t *types;
	size_t types_len;
	const char *strings;
	size_t strings_len;
};

static int btf_open(const void *data, size_t size, struct btf_view *ret, struct barco_err *err)
{
	struct btf_header_raw h;

	if (size < sizeof(h))
		return barco_err_set(err, EINVAL, "BTF: %zu bytes, shorter than its header", size);
	memcpy(&h, data, sizeof(h));
	if (h.magic != BTF_MAGIC)
		return barco_err_set(err, EINVAL, "BTF: magic 0x%x, not 0x%x", h.magic, BTF_MAGIC);
	if ((uint64_t)h.hdr_len + h.type_off + h.type_len > size ||
	    (uint64_t)h.hdr_len + h.str_off + h.str_len > size || h.str_len == 0)
		return barco_err_set(err, EINVAL, "BTF: sections run past the %zu bytes", size);
	ret->types = (const uint8_t *)data + h.hdr_len + h.type_off;
	ret->types_len = h.type_len;
	ret->strings = (const char *)data + h.hdr_len + h.str_off;
	ret->strings_len = h.str_len;
	if (ret->strings[ret->strings_len - 1] != '\0')
		return barco_err_set(err, EINVAL, "BTF: string section not NUL-terminated");
	return 0;
}

/* The size of the record at off (header and kind data); 0 when malformed. */
static size_t record_size(const struct btf_view *v, size_t off, struct btf_type_raw *ret)
{
	uint32_t kind;
	size_t size;

	if (off + sizeof(*ret) > v->types_len)
		return 0;
	memcpy(ret, v->types + off, sizeof(*ret));
	kind = (ret->info >> 24) & 0x1f;
	if (kind == 0 || kind > BTF_KIND_MAX)
		return 0;
	size = sizeof(*ret) + kind_extra[kind].fixed +
	       (size_t)kind_extra[kind].per_vlen * (ret->info & 0xffff);
	return off + size <= v->types_len ? size : 0;
}

static bool name_is(const struct btf_view *v, uint32_t name_off, const char *name)
{
	return name_off < v->strings_len &&
	       strncmp(v->strings + name_off, name, v->strings_len - name_off) == 0;
}

static void match(const struct btf_view *v, const struct btf_type_raw *t, uint32_t id,
		  struct barco_btf_query *queries, size_t n)
{
	for (size_t q = 0; q < n; q++)
		if (!queries[q].id && ((t->info >> 24) & 0x1f) == queries[q].kind &&
		    name_is(v, t->name_off, queries[q].name))
			queries[q].id = id;
}

int barco_btf_lookup(const void *data, size_t size, struct barco_btf_query *queries, size_t n,
		     uint32_t *ret_count, struct barco_err *err)
{
	struct btf_view v = {0};
	size_t off = 0;
	uint32_t id = 0;

	if (btf_open(data, size, &v, err) < 0)
		return -1;
	for (size_t q = 0; q < n; q++)
		queries[q].id = 0;
	while (off < v.types_len) {
		struct btf_type_raw t;
		size_t rec = record_size(&v, off, &t);

		if (rec == 0)
			return barco_err_set(err, EINVAL, "BTF: malformed type %u at offset %zu",
					     id + 1, off);
		match(&v, &t, ++id, queries, n);
		off += rec;
	}
	*ret_count = id;
	return 0;
}

static void *read_all(const char *path, size_t *ret_size)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free uint8_t *buf = NULL;
	size_t cap = 0;
	size_t len = 0;
	ssize_t n;

	/* sysfs reports a size for this file, but reading to the end is what counts. */
	if (fd < 0)
		return NULL;
	for (;;) {
		if (len == cap) {
			uint8_t *grown;

			cap = cap ? cap * 2 : (8u << 20);
			grown = cap <= BTF_SIZE_MAX ? realloc(buf, cap) : NULL;
			if (!grown)
				return NULL;
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_size = len;
	return steal_pointer(&buf);
}

/* Kernels since 6.15 let the file be mapped: no copy of its megabytes. */
static void *map_all(const char *path, size_t *ret_size)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *p;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0)
		return NULL;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	*ret_size = (size_t)st.st_size;
	return p;
}

void barco_probe_btf_load(struct barco_probe_btf *ret, const struct barco_btf_query *queries,
			  size_t n)
{
	struct barco_err err = {0};
	size_t size = 0;
	bool is_mapped = true;
	void *data = map_all(BTF_VMLINUX, &size);

	memset(ret, 0, sizeof(*ret));
	if (!data) {
		is_mapped = false;
		data = read_all(BTF_VMLINUX, &size);
	}
	if (!data) {
		ret->errnum = errno;
		return;
	}
	ret->n_queries = n < BARCO_PROBE_BTF_QUERIES_MAX ? n : BARCO_PROBE_BTF_QUERIES_MAX;
	memcpy(ret->queries, queries, ret->n_queries * sizeof(*queries));
	ret->size = size;
	if (barco_btf_lookup(data, size, ret->queries, ret->n_queries, &ret->type_count, &err) < 0)
		(void)snprintf(ret->error, sizeof(ret->error), "%s", err.msg);
	else
		ret->is_loaded = true;
	if (is_mapped)
		(void)munmap(data, size);
	else
		free(data);
}

long barco_probe_btf_id(const struct barco_probe_btf *btf, const char *name, unsigned int kind)
{
	if (!btf->is_loaded)
		return -1;
	for (size_t q = 0; q < btf->n_queries; q++)
		if (btf->queries[q].kind == kind && strcmp(btf->queries[q].name, name) == 0)
			return btf->queries[q].id;
	return -1;
}
