# The standalone probe tools: bin/barco-probe-SECTION, one small main each
# (probes/barco-probe-SECTION.c) on top of the probe library in src/probe/*.c,
# which `barco probe` runs in-process. Included by the Makefile.

PROBE_SECTIONS := kernel userns ns cgroup caps seccomp bpf net
PROBE_BINS := $(addprefix bin/barco-probe-,$(PROBE_SECTIONS))
EXTRA_BINS += $(PROBE_BINS)

# The kernel config at /proc/config.gz is gzip: the probe library reads it
# with zlib, in barco as in the tools.
PKGS += zlib

# barco's objects as an archive, so each tool links only what it uses.
build/probe-lib.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

build/probes/%.o: probes/%.c | build/probes pkgs-present
	$(CC) $(BARCO_CFLAGS) $(DEPFLAGS) -c -o $@ $<

bin/barco-probe-%: build/probes/barco-probe-%.o build/probe-lib.a | bin
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

build/probes:
	mkdir -p $@
