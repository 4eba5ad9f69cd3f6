# eBPF tracing (`barco run --trace`, `barco verify`): the CO-RE programs in
# probes/*.bpf.c, compiled with clang -target bpf against a vmlinux.h dumped
# from this kernel's BTF, and a libbpf skeleton per object generated with
# bpftool (the layout of libbpf-bootstrap). Included by the Makefile.
# libbpf's headers are in /usr/include, so only its libraries are added.

BPFTOOL ?= bpftool
BPF_CLANG ?= clang
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

# bpf_tracing.h needs the target architecture to find registers and syscall numbers.
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

BPF_SRC := $(wildcard probes/*.bpf.c)
BPF_SKELS := $(patsubst probes/%.bpf.c,build/%.skel.h,$(BPF_SRC))

PKGS += libbpf

build/vmlinux.h: | build
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

# -g: BTF for CO-RE relocations and the skeleton; no DWARF reaches the skeleton
# because bpftool gen object (the static linker) keeps BTF only.
build/%.bpf.o: probes/%.bpf.c build/vmlinux.h include/trace_event.h | build
	$(BPF_CLANG) -target bpf -g -O2 -D__TARGET_ARCH_$(BPF_ARCH) -iquote build -iquote include \
		-Wall -Werror -c $< -o $@.tmp.o
	$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

build/%.skel.h: build/%.bpf.o
	$(BPFTOOL) gen skeleton $< name barco_$(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# The loader includes the skeleton (release and fault-injection builds).
build/trace.o build/fault/trace.o: $(BPF_SKELS)

# clang-tidy reads src/trace.c, which includes the skeleton.
lint: $(BPF_SKELS)
