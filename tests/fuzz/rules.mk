# Fuzzing: libFuzzer targets over every parser that reads files or network
# bytes (DESIGN §8, §10). Included by the top Makefile.
#
#   make fuzz          each target for FUZZ_SECONDS (default 600), FUZZ_JOBS
#                      (default 2) at a time; what they find is kept in
#                      build/fuzz/corpus/, and a table of runs, exec/s and
#                      coverage printed (tests/fuzz/run)
#   make fuzz-smoke    each target for 5 s, then the seeds, the regressions
#                      and what was found replayed with leak detection;
#                      part of "make check"
#   make fuzz-corpus   write the signed seeds again (tests/fuzz/mkseeds.c)
#
# The targets and the daemon modules are built with clang, libFuzzer, ASan
# and UBSan into build/fuzz, apart from $(BUILD).

FUZZ_CC      ?= clang
FUZZ_BUILD   := build/fuzz
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
# Every daemon module, instrumented, in one archive: a target links what
# it reaches, whatever the modules come to need of each other.
FUZZ_LIB     := $(FUZZ_BUILD)/libloaxa-fuzz.a
FUZZ_OBJ     := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Warnings as in the main build, but not as errors: a warning only clang
# gives must not stop the fuzz run of code that gcc builds cleanly.
FUZZ_CFLAGS  := -std=gnu11 -D_GNU_SOURCE $(filter-out -Werror,$(WARN)) -Wno-missing-field-initializers \
                -g -O1 $(FUZZ_SAN) \
                -Idaemon -Itests/fuzz -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -pthread \
                -DLOAXA_VERSION='"$(VERSION)"' -DLOCALEDIR='"$(LOCALEDIR)"' \
                $(shell $(PKG_CONFIG) --cflags $(PKGS))

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-corpus

fuzz-build: $(FUZZ_BINS)

$(FUZZ_BUILD)/daemon/%.o: daemon/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz.o: tests/fuzz/fuzz.c tests/fuzz/fuzz.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/fuzz.o $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/fuzz.o $(FUZZ_LIB) $(LIBS)

$(FUZZ_BUILD)/mkseeds: tests/fuzz/mkseeds.c $(FUZZ_BUILD)/fuzz.o $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_BUILD)/fuzz.o $(FUZZ_LIB) $(LIBS)

fuzz: $(FUZZ_BINS)
	tests/fuzz/run long $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: $(FUZZ_BINS)
	tests/fuzz/run smoke $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

fuzz-corpus: $(FUZZ_BUILD)/mkseeds
	$(FUZZ_BUILD)/mkseeds tests/fuzz/corpus

check: fuzz-smoke

-include $(wildcard $(FUZZ_BUILD)/*.d $(FUZZ_BUILD)/daemon/*.d)
