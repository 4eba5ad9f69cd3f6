# The Debian 12 VM (vm/): included by the top Makefile. None of these is in
# the default goal: `make` never builds the image.
#
#   make vm-image   build the image (mmdebstrap), unless cached for this recipe
#   make vm-test    every suite inside the VM; exits with their status
#   make vm-shell   the same VM with a root shell on this terminal
#   make vm-bench   the benchmark (bench/run) inside the VM: barco, runc, crun,
#                   bubblewrap, unshare, ctr run; results copied to
#                   bench/results/DATE-vm-debian12-ACCEL.{md,json} (manual only)
#   make vm-oci-test  the OCI contract suites (tests/run-all oci-contract)
#                   against runc, crun and barco on pure cgroup v2; counts per
#                   runtime in build/vm-results/oci-contract.md (manual only)
#
# VM_CACHE (image cache, default /var/cache/barco/vm), VM_TIMEOUT (seconds
# for the boot and the suites, default 2400), VM_BUILD_TIMEOUT (seconds for
# an image build, default 1800), VM_MEMORY (MiB), VM_CPUS, VM_ACCEL
# (auto, kvm or tcg), VM_KVM_PROBE_TIMEOUT (seconds, default 20),
# VM_CPU_MODEL (qemu -cpu), VM_TCG_THREAD, VM_QEMU, VM_REBUILD=1 and
# VM_TESTS=PATH (one bats file or directory only) are passed on (vm/run says what each does).

VM_ENV := $(foreach v,VM_CACHE VM_TIMEOUT VM_BUILD_TIMEOUT VM_MEMORY VM_CPUS VM_ACCEL \
	VM_KVM_PROBE_TIMEOUT VM_CPU_MODEL VM_TCG_THREAD VM_QEMU VM_REBUILD VM_SOURCES VM_TESTS,\
	$(if $($(v)),$(v)='$($(v))'))

# vm/run checks VM_ACCEL too; here a wrong value stops make before it
# builds barco and the image for nothing.
ifneq ($(filter vm-test vm-shell vm-bench vm-oci-test,$(MAKECMDGOALS)),)
ifneq ($(filter-out auto kvm tcg,$(VM_ACCEL))$(word 2,$(VM_ACCEL)),)
$(error VM_ACCEL='$(VM_ACCEL)' is not an accelerator: use auto (the default), kvm or tcg)
endif
endif

.PHONY: vm-image vm-test vm-shell vm-bench vm-oci-test

vm-image:
	@$(VM_ENV) bash vm/build-image

# What `make test` builds before running the suites (its prerequisites but
# setup), and the Debian package (packaging.mk), which vm/init installs:
# the suites test the barco it installed.
VM_TEST_BINS := all bin/unit-tests bin/barco-fault

vm-test: $(VM_TEST_BINS) deb vm-image
	@$(VM_ENV) bash vm/run test

vm-shell: all vm-image
	@$(VM_ENV) bash vm/run shell

# Not in CI: neither fits its time budget under software emulation. The
# benchmark runs the tree's bin/barco (no package needed) and the host's
# build/bench helpers; BENCH_RUNS and the like (bench/bench.mk) pass on.
vm-bench: all build/bench/oci-cycle build/bench/syscalls vm-image
	@$(VM_ENV) $(BENCH_ENV) bash vm/run bench

vm-oci-test: all vm-image
	@$(VM_ENV) bash vm/run oci-test
