#include "base/config.h"

#include <string.h>

void barco_config_init(struct barco_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workdir = "/";
	cfg->seccomp = BARCO_SECCOMP_DEFAULT;
}
