# The Debian 12 VM (vm/): included by the top Makefile. None of these is in
# the default goal: `make` never builds the image.
#
#   make vm-image   build the image (mmdebstrap), unless cached for this recipe
#   make vm-test    every suite inside the VM; exits with their status
#   make vm-shell   the same VM with a root shell on this terminal
#
# VM_CACHE (image cache, default /var/cache/barco/vm), VM_TIMEOUT (seconds
# for the boot and the suites, default 2400), VM_BUILD_TIMEOUT (seconds for
# an image build, default 1800), VM_MEMORY (MiB), VM_CPUS, VM_CPU_MODEL
# (qemu -cpu under emulation) and VM_REBUILD=1 are passed on.

VM_ENV := $(foreach v,VM_CACHE VM_TIMEOUT VM_BUILD_TIMEOUT VM_MEMORY VM_CPUS VM_CPU_MODEL VM_REBUILD VM_SOURCES,\
	$(if $($(v)),$(v)='$($(v))'))

.PHONY: vm-image vm-test vm-shell

vm-image:
	@$(VM_ENV) bash vm/build-image

# What `make test` builds before running the suites (its prerequisites but
# setup); the VM runs the host's build.
VM_TEST_BINS := all bin/unit-tests bin/barco-fault

vm-test: $(VM_TEST_BINS) vm-image
	@$(VM_ENV) bash vm/run test

vm-shell: all vm-image
	@$(VM_ENV) bash vm/run shell
