# eBPF tracing (`barco run --trace`, `barco verify`): the programs in
# probes/*.bpf.c, compiled with clang -target bpf against the uapi headers
# (no vmlinux.h, no CO-RE: probes/trace.bpf.c says why), and a libbpf
# skeleton per object generated with bpftool (the layout of
# libbpf-bootstrap). Included by the Makefile. libbpf's headers are in
# /usr/include, so only its libraries are added.

BPFTOOL ?= bpftool
BPF_CLANG ?= clang

# bpf_tracing.h needs the target architecture to find registers and syscall numbers.
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
# <asm/...> (pt_regs, siginfo): clang -target bpf does not search the host's multiarch directory.
BPF_INCLUDES := -idirafter /usr/include/$(shell $(BPF_CLANG) -print-multiarch 2>/dev/null)

BPF_SRC := $(wildcard probes/*.bpf.c)
BPF_SKELS := $(patsubst probes/%.bpf.c,build/%.skel.h,$(BPF_SRC))

PKGS += libbpf

# -g: BTF of the maps and global data for the skeleton; no DWARF reaches the
# skeleton because bpftool gen object (the static linker) keeps BTF only.
build/%.bpf.o: probes/%.bpf.c src/trace/trace_event.h | build
	$(BPF_CLANG) -target bpf -g -O2 -D__TARGET_ARCH_$(BPF_ARCH) $(BPF_INCLUDES) -iquote src \
		-Wall -Werror -c $< -o $@.tmp.o
	$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

build/%.skel.h: build/%.bpf.o
	$(BPFTOOL) gen skeleton $< name barco_$(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# The loader includes the skeleton (release, fault-injection and sanitizer builds).
build/trace/trace.o build/fault/trace/trace.o build/san/trace/trace.o: $(BPF_SKELS)

# clang-tidy reads src/trace/trace.c, which includes the skeleton.
lint: $(BPF_SKELS)

# tests/unit/test_trace.c opens the object (never loads it) to check the ways of attaching.
build/unit/test_trace.o: $(BPF_SKELS)
