/* Which rootfs gets an id-mapped mount (stages/idmap.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "stages/idmap.h"
#include "suites.h"

/* A rootfs directory owned by uid, and a config for it with root's default map. */
static int make_rootfs(const char *dir, uid_t uid, struct barco_config *cfg)
{
	barco_config_init(cfg);
	(void)snprintf(cfg->rootfs, sizeof(cfg->rootfs), "%s", dir);
	cfg->uidmap[0] = (struct barco_idmap){0, 100000, 65536};
	cfg->uidmap_len = 1;
	if (chown(dir, uid, uid) < 0)
		return -1;
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void test_root_owned_rootfs(void)
{
	cleanup_free char *dir = barco_test_tmpdir();
	cleanup_free struct barco_config *cfg = calloc(1, sizeof(*cfg));
	cleanup_close int fd = -1;

	if (geteuid() != 0) {
		fprintf(stderr, "\n  (skipped: chown needs root)\n");
		barco_test_rmtree(dir);
		return;
	}
	fd = make_rootfs(dir, 0, cfg);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_TRUE(barco_idmap_is_wanted(cfg, fd));
	/* The maps already make host root container root: nothing to translate. */
	cfg->uidmap[0] = (struct barco_idmap){0, 0, 65536};
	CU_ASSERT_FALSE(barco_idmap_is_wanted(cfg, fd));
	cfg->uidmap[0] = (struct barco_idmap){0, 100000, 65536};
	cfg->is_userns_host = true;
	CU_ASSERT_FALSE(barco_idmap_is_wanted(cfg, fd));
	cfg->is_userns_host = false;
	cfg->bundle = "/some/bundle"; /* an OCI bundle says itself how it wants ids */
	CU_ASSERT_FALSE(barco_idmap_is_wanted(cfg, fd));
	barco_test_rmtree(dir);
}

static void test_other_rootfs(void)
{
	cleanup_free char *dir = barco_test_tmpdir();
	cleanup_free struct barco_config *cfg = calloc(1, sizeof(*cfg));
	cleanup_close int fd = -1;
	cleanup_close int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (geteuid() != 0) {
		fprintf(stderr, "\n  (skipped: chown needs root)\n");
		barco_test_rmtree(dir);
		return;
	}
	/* Owned by container root already (the default rootfs): no id-mapping. */
	fd = make_rootfs(dir, 100000, cfg);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FALSE(barco_idmap_is_wanted(cfg, fd));
	/* The host's "/" (--rootfs /) stays as it is: read-only, never id-mapped. */
	(void)snprintf(cfg->rootfs, sizeof(cfg->rootfs), "/");
	CU_ASSERT_FALSE(barco_idmap_is_wanted(cfg, root_fd));
	barco_test_rmtree(dir);
}

void barco_test_register_idmap(void)
{
	CU_pSuite s = barco_test_suite("idmap");

	barco_test_add(s, "a rootfs of host root's is id-mapped", test_root_owned_rootfs);
	barco_test_add(s, "other rootfs are not", test_other_rootfs);
}
