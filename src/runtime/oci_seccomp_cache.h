#pragma once
/*
 * Compiled linux.seccomp profiles, kept between containers.
 *
 * libseccomp takes 2 to 3 ms to compile a profile of a few hundred
 * syscalls (the allowlists engines send: podman's and containerd's
 * defaults list over 300), a fifth of a whole `create` on the development
 * host. Engines send the same profile for container after container, so
 * barco keeps each program it compiled in a file named after the
 * profile, in BARCO_RUN_DIR/.seccomp-cache (0700, barco's user's), and
 * the next create with the same profile reads it back instead.
 *
 * The key is the profile's JSON text as json-c prints it, with the build
 * id of this barco binary (its libseccomp is linked in) and the kernel's
 * release, so that neither another build nor another kernel is served a
 * program it did not make. The file holds the whole key, compared byte
 * for byte on every use: the file name (a 64-bit FNV-1a hash) only finds
 * it, and a profile that collides with another is compiled, never
 * confused. A file that is not barco's user's, not a regular file, or
 * not exactly what barco writes is ignored. A program is written under a
 * dot name and renamed into place; a dot file a killed barco left goes
 * after a minute. At most BARCO_OCI_SECCOMP_CACHE_MAX programs are kept;
 * the oldest goes first.
 *
 * A cache: every failure to read or write it only means compiling.
 */
#include <stddef.h>

#include "runtime/oci_seccomp.h"

#define BARCO_OCI_SECCOMP_CACHE_MAX 64

/*
 * Where the cache is: dir, or with NULL BARCO_RUN_DIR/.seccomp-cache.
 * Until this is called there is none (tests, and tools that read bundles).
 */
void barco_oci_seccomp_cache_enable(const char *dir);

/* No cache again (tests). */
void barco_oci_seccomp_cache_disable(void);

/*
 * The key for the profile sc, malloc()ed with its length; NULL when
 * there is no cache (not enabled, or the build id unreadable).
 */
char *barco_oci_seccomp_cache_key(struct json_object *sc, size_t *ret_len);

/*
 * With the key: 1 when a program is there, filled in (program, flags,
 * rules_len, skipped, has_notify; cache_file names it); else 0.
 */
int barco_oci_seccomp_cache_load(const char *key, size_t key_len, struct barco_oci_seccomp *s);

/* Keeps what was compiled for key, replacing the oldest when full. */
void barco_oci_seccomp_cache_store(const char *key, size_t key_len,
				   const struct barco_oci_seccomp *s);
