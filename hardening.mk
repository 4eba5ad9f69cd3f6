# Hardening (issue 8): sanitizers, valgrind and fuzzing. Included by the top
# Makefile. None of these is in the default goal, and none changes the
# release build: each has its own build directory.
#
#   make asan       ASan+UBSan build (bin/barco-asan, clang) run through every
#                   scenario of tests/hardening/scenarios: zero reports
#   make check      the same scenarios under valgrind (bin/barco-fault):
#                   zero errors, no definite or indirect leak
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (default 60) each,
#                   after replaying its corpus (seeds and regression inputs)
#   make fuzz-replay  only the replay: what CI runs on every corpus file
#   make fuzz-build   only the targets (bin/fuzz/fuzz_*)
#
# SAN_CC must be clang (libFuzzer; LeakSanitizer needs the
# Debian package libclang-rt-14-dev, installed by `make setup`).

.PHONY: asan check fuzz fuzz-build fuzz-replay

SAN_CC ?= clang
FUZZ_SECONDS ?= 60

# One instrumented build serves `make asan` and the fuzz targets: ASan+UBSan,
# libFuzzer's coverage hooks (inert outside a fuzzer), and the fault hook
# (BARCO_FAULT), so the scenarios reach every error path. -O1 keeps stack
# traces readable; no _FORTIFY_SOURCE: ASan's checks replace glibc's, which
# would otherwise catch (and hide) an overflow first.
SAN_FLAGS := -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) -iquote src -iquote build $(PKG_CFLAGS) -O1 -g
SAN_OBJ := $(patsubst src/%.c,build/san/%.o,$(SRC))

build/san/%.o: src/%.c build/lessons.h build/lesson_texts.h | build/san pkgs-present
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) $(DEPFLAGS) $(SAN_FLAGS) -DBARCO_FAULT_INJECTION \
		-DBARCO_VERSION='"$(VERSION)-asan"' -c -o $@ $<

build/san bin/fuzz:
	mkdir -p $@

# ---- make asan -------------------------------------------------------------------

# LeakSanitizer checks at exit(); lsan_exit.c makes _exit() (the monitor, a
# failed container process, forked children) check too.
build/san/lsan_exit.o: tests/hardening/lsan_exit.c | build/san
	$(SAN_CC) $(SAN_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

bin/barco-asan: $(SAN_OBJ) build/san/lsan_exit.o | bin
	$(SAN_CC) $(SAN_FLAGS) -Wl,--wrap=_exit -o $@ $^ $(PKG_LIBS)

asan: bin/barco-asan $(HELPER)
	bash tests/hardening/scenarios asan

# ---- make check (valgrind) ------------------------------------------------------------

check: bin/barco-fault $(HELPER)
	bash tests/hardening/scenarios valgrind

# ---- fuzzing ---------------------------------------------------------------------------

FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

# An archive: each target links only the objects its parser needs.
build/san/libbarco.a: $(filter-out build/san/main.o,$(SAN_OBJ))
	rm -f $@
	$(AR) rcs $@ $^

bin/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/san/libbarco.a | bin/fuzz
	$(SAN_CC) $(SAN_CFLAGS) -iquote tests/fuzz $(SAN_FLAGS) -fsanitize=fuzzer -o $@ $< \
		build/san/libbarco.a $(PKG_LIBS)

fuzz-build: $(addprefix bin/fuzz/,$(FUZZ_TARGETS))

# One make target per fuzz target, so `make -j2 fuzz` runs two at a time.
fuzz-replay: $(addprefix fuzz-replay-,$(FUZZ_TARGETS))
fuzz: $(addprefix fuzz-run-,$(FUZZ_TARGETS))

fuzz-replay-%: bin/fuzz/%
	@bash tests/fuzz/run replay $*

fuzz-run-%: bin/fuzz/%
	@bash tests/fuzz/run fuzz $* $(FUZZ_SECONDS)

# The fuzz targets and the LeakSanitizer shim follow the same style.
format format-check: FORMAT_FILES += $(wildcard tests/fuzz/*.c tests/fuzz/*.h tests/hardening/*.c)
