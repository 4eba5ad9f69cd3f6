# The benchmark (bench/): barco against runc, crun, bubblewrap and bare
# unshare on the same busybox rootfs, timed with hyperfine; then barco step's
# pause/resume cost, barco probe, --trace and barco's peak memory. Included by
# the Makefile; manual only (never in `make test` or CI), and as root.
#
#   make bench          the full run: table printed, written to bench/results/DATE-HOST.{md,json}
#   make bench-quick    a few runs of everything, to check that it all works
#                       (written to /tmp/barco-bench-quick, not bench/results)
#   make bench-readme   copy the newest bench/results table into README.md
#   make vm-bench       the same inside the Debian 12 VM (vm/vm.mk), written to
#                       bench/results/DATE-vm-debian12-ACCEL.{md,json}
#
# BENCH_RUNS (30), BENCH_ROUNDS (3), BENCH_WARMUP (3), BENCH_STEPS (10) are
# passed on; BENCH_INSTALL=0 stops it from apt-get installing hyperfine, runc,
# bubblewrap or crun when they are missing (their rows then say so).

BENCH_ENV := $(foreach v,BENCH_RUNS BENCH_ROUNDS BENCH_WARMUP BENCH_STEPS BENCH_INSTALL,\
	$(if $($(v)),$(v)='$($(v))'))

.PHONY: bench bench-quick bench-readme

bench: all build/bench/oci-cycle
	@$(BENCH_ENV) /usr/bin/python3 bench/run

bench-quick: all build/bench/oci-cycle
	@$(BENCH_ENV) /usr/bin/python3 bench/run --quick

# The engine's side of an OCI container's life, timed for each runtime.
build/bench/oci-cycle: bench/oci-cycle.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(CFLAGS) $(LDFLAGS_ALL) -o $@ $<

# This architecture's syscall numbers as <sys/syscall.h> defines them, for the
# OCI bundles' seccomp allowlist where bench/run has no compiler (the VM).
build/bench/syscalls:
	@mkdir -p $(@D)
	$(CC) -dM -E -include sys/syscall.h -x c /dev/null | grep '^#define __NR_' > $@.tmp && mv $@.tmp $@

bench-readme:
	@/usr/bin/python3 bench/readme
