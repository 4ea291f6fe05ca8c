# loaxa — commune loudspeaker station.  Plain make; see README.md.
#
#   make            build the daemon and tools into build/
#   make demo       install what is missing, build, play the demo day
#   make demo-web   the operator's web page, photographed into build/demo-web/
#   make check      install what is missing, build, run every test
#                   (plain, then ASan+UBSan, then valgrind)
#   make bench      benchmarks, printed as a table
#   make install    DESTDIR= PREFIX=/usr/local

PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/loaxa
MANDIR    ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
LOCALEDIR ?= $(PREFIX)/share/locale
UNITDIR   ?= /lib/systemd/system

# CROSS=aarch64-linux-gnu or CROSS=arm-linux-gnueabihf: cross-build with
# Debian's multiarch toolchain and libraries into build/$(CROSS).
CROSS   ?=
ifneq ($(CROSS),)
BUILD   ?= build/$(CROSS)
CC      := $(CROSS)-gcc
PKG_CONFIG := $(CROSS)-pkg-config
endif
BUILD   ?= build
CC      ?= cc
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

PKGS    := ao sndfile samplerate libconfig libcurl libsodium libcrypto jansson libebur128 expat
# The stream decoders: loaxad-relay alone links them.
RELAY_PKGS := libmpg123 faad2
WARN    := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wformat=2 -Wno-format-nonliteral -Wpointer-arith -Wvla
CFLAGS  ?= -O2 -g
SAN     ?=
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ALL_CFLAGS  := -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -Idaemon \
               -DLOAXA_VERSION='"$(VERSION)"' -DLOCALEDIR='"$(LOCALEDIR)"' \
               -DLIBEXECDIR='"$(LIBEXECDIR)"' \
               -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -pthread \
               $(shell $(PKG_CONFIG) --cflags $(PKGS) $(RELAY_PKGS))
# --as-needed: each program links only the libraries it calls, so that
# loaxad, whose network work is loaxad-net's, maps no libcurl or TLS.
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) -pthread -Wl,--as-needed
LIBS        := $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm
# The web page's HTTP server (and through it GnuTLS): loaxa-web alone links it.
WEB_PKGS    := libmicrohttpd
ALL_CFLAGS  += $(shell $(PKG_CONFIG) --cflags $(WEB_PKGS))
WEB_LIBS    := $(shell $(PKG_CONFIG) --libs $(WEB_PKGS))
# The speech synthesiser: loaxad-speak alone links it.
SPEAK_CFLAGS := $(shell $(PKG_CONFIG) --cflags espeak-ng)
SPEAK_LIBS   := $(shell $(PKG_CONFIG) --libs espeak-ng)

RELAY_SRC := daemon/loaxad-relay.c daemon/streamdec.c
LIB_SRC   := $(filter-out daemon/loaxad.c daemon/loaxad-net.c daemon/loaxad-speak.c daemon/loaxa-web.c $(RELAY_SRC),$(wildcard daemon/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
BINS      := $(BUILD)/loaxad $(BUILD)/loaxad-net $(BUILD)/loaxad-relay $(BUILD)/loaxad-speak \
             $(BUILD)/loaxactl $(BUILD)/loaxa-province $(BUILD)/loaxa-web
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/%)

.PHONY: all deps demo demo-web check test unit system asan valgrind bench install clean lint format

all: $(BINS)

deps:
	@tools/install-deps check

# Objects depend on the flags they were built with (LOCALEDIR follows PREFIX),
# so "make install PREFIX=/usr" after "make" rebuilds what it must.
FLAGS_STAMP := $(BUILD)/.flags-$(shell echo '$(ALL_CFLAGS)' | cksum | cut -d' ' -f1)
$(FLAGS_STAMP):
	@mkdir -p $(dir $@)
	@rm -f $(BUILD)/.flags-*
	@touch $@

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libloaxa.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/loaxad: $(BUILD)/daemon/loaxad.o $(BUILD)/libloaxa.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/loaxad-net: $(BUILD)/daemon/loaxad-net.o $(BUILD)/libloaxa.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/daemon/loaxad-speak.o: ALL_CFLAGS += $(SPEAK_CFLAGS)
$(BUILD)/loaxad-speak: $(BUILD)/daemon/loaxad-speak.o $(BUILD)/libloaxa.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(SPEAK_LIBS)

$(BUILD)/loaxad-relay: $(RELAY_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libloaxa.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(shell $(PKG_CONFIG) --libs $(RELAY_PKGS))

$(BUILD)/loaxa-web: $(BUILD)/daemon/loaxa-web.o $(BUILD)/libloaxa.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(WEB_LIBS)

$(BUILD)/loaxactl: $(BUILD)/tools/loaxactl.o $(BUILD)/libloaxa.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/loaxa-province: $(BUILD)/tools/loaxa-province.o $(BUILD)/libloaxa.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libloaxa.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libloaxa.a $(ALL_LDFLAGS) $(LIBS) \
		$(shell $(PKG_CONFIG) --libs cmocka)

$(BUILD)/tests/%: tests/helpers/%.c $(BUILD)/libloaxa.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libloaxa.a $(ALL_LDFLAGS) $(LIBS)

# --- tests -----------------------------------------------------------------

PROVE ?= prove
export LOAXA_BUILD = $(abspath $(BUILD))

# System tests spend most of their time waiting for scheduled seconds (950 s
# of tests, 190 s of CPU): six at once on two cores, the longest first so
# that none starts last. Under valgrind they are CPU-bound: four at once.
PROVE_JOBS ?= 6
VALGRIND_JOBS ?= 4
SLOW_TESTS := t93-clock-steps t51-upload-sessions t13-kill9 t82-clock t44-relay-stall \
              t91-disk-full-net t63-amplifier t90-control-abuse t17-relay t43-relay-province \
              t18-relay-faults t47-alert-speech t92-kill-net t19-relay-emergency t81-audio-device
SYSTEM_TESTS := $(SLOW_TESTS:%=tests/system/%.sh) \
                $(filter-out $(SLOW_TESTS:%=tests/system/%.sh),$(sort $(wildcard tests/system/t[0-9]*.sh)))
# The valgrind pass leaves out long real-time tests, each of whose paths
# kept tests take under valgrind: t13 (kill -9 and restart: t92), t19
# (an emergency over a relay: t17, t18), t43 and t44 (relays: t17, t18),
# t47 (speech: t45, t46), t50-upload-daemon and t51 (upload rounds: t50-upload,
# t89, t92), t65 (the browser: t66, t67, t69), t83 (reloads: t14, t63),
# t84 (many schedules: t16, and the resolver's unit tests), t85 (10,000
# programmes: t40-*), t91 (a full disk with nginx: t80), t93 (clock
# steps: t82). The ASan pass runs every test.
VALGRIND_SKIP := t13-kill9 t19-relay-emergency t43-relay-province t44-relay-stall t47-alert-speech \
                 t50-upload-daemon t51-upload-sessions t65-web-browser t83-sighup-storm \
                 t84-many-schedules t85-big-manifest t91-disk-full-net t93-clock-steps
VALGRIND_TESTS := $(filter-out $(VALGRIND_SKIP:%=tests/system/%.sh),$(SYSTEM_TESTS))

unit: $(UNIT_BINS)
	CMOCKA_MESSAGE_OUTPUT=TAP $(PROVE) -e '' $(UNIT_BINS)

system: all $(HELPER_BINS)
	$(PROVE) -j$(PROVE_JOBS) -e bash $(SYSTEM_TESTS)

test: all $(UNIT_BINS) $(HELPER_BINS)
	CMOCKA_MESSAGE_OUTPUT=TAP $(PROVE) -e '' $(UNIT_BINS)
	$(PROVE) -j$(PROVE_JOBS) -e bash $(SYSTEM_TESTS)

asan:
	$(MAKE) BUILD=build/asan SAN=1 test

valgrind: all $(UNIT_BINS) $(HELPER_BINS)
	LOAXA_VALGRIND=1 CMOCKA_MESSAGE_OUTPUT=TAP $(PROVE) -j2 -e tests/valgrind-run $(UNIT_BINS)
	LOAXA_VALGRIND=1 LOAXA_TOL_SCALE=6 $(PROVE) -j$(VALGRIND_JOBS) -e bash $(VALGRIND_TESTS)

FORMAT_SRC = daemon/*.[ch] tools/*.c tests/unit/*.[ch] tests/helpers/*.c tests/fuzz/*.[ch]

lint:
	cppcheck -j2 --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Idaemon daemon tools tests/unit tests/helpers
	clang-format --dry-run --Werror $(FORMAT_SRC)

# Every system test runs under ASan and UBSan (the same tests as "make
# test", on binaries that also catch memory errors), and most under
# valgrind; the release build's own pass is its unit tests, so that the
# whole stays within a quarter of an hour on two cores.
check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) asan
	$(MAKE) valgrind
	$(MAKE) lint

bench:
	@tools/install-deps bench
	$(MAKE) all $(HELPER_BINS)
	BUILD=$(BUILD) tests/bench/run

demo:
	@tools/install-deps demo
	$(MAKE) all
	BUILD=$(BUILD) tools/demo

# The operator's web page, photographed at a phone's and a PC's width.
demo-web:
	@tools/install-deps demo-web
	$(MAKE) all
	BUILD=$(BUILD) tools/demo-web

format:
	clang-format -i $(FORMAT_SRC)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(BUILD)/loaxad $(DESTDIR)$(SBINDIR)/loaxad
	install -m 0755 $(BUILD)/loaxad-net $(DESTDIR)$(LIBEXECDIR)/loaxad-net
	install -m 0755 $(BUILD)/loaxad-relay $(DESTDIR)$(LIBEXECDIR)/loaxad-relay
	install -m 0755 $(BUILD)/loaxad-speak $(DESTDIR)$(LIBEXECDIR)/loaxad-speak
	install -m 0755 $(BUILD)/loaxa-web $(DESTDIR)$(SBINDIR)/loaxa-web
	install -m 0755 $(BUILD)/loaxactl $(BUILD)/loaxa-province $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(SYSCONFDIR)/loaxa/schedules
	[ -e $(DESTDIR)$(SYSCONFDIR)/loaxa/loaxad.conf ] || \
		install -m 0644 schedules/loaxad.conf.example $(DESTDIR)$(SYSCONFDIR)/loaxa/loaxad.conf
	for f in schedules/weekly.cfg; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/loaxa/schedules/$${f##*/} ] || \
		install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/loaxa/schedules/; done
	install -d $(DESTDIR)$(PREFIX)/share/loaxa/schedules
	install -m 0644 schedules/*.cfg schedules/*.example $(DESTDIR)$(PREFIX)/share/loaxa/schedules/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(PREFIX)/lib/tmpfiles.d
	sed 's|/usr/sbin/loaxad|$(SBINDIR)/loaxad|; s|/etc/loaxa|$(SYSCONFDIR)/loaxa|g' \
		systemd/loaxad.service >$(DESTDIR)$(UNITDIR)/loaxad.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/loaxad.service
	sed 's|/usr/sbin/loaxa-web|$(SBINDIR)/loaxa-web|; s|/etc/loaxa|$(SYSCONFDIR)/loaxa|g' \
		systemd/loaxa-web.service >$(DESTDIR)$(UNITDIR)/loaxa-web.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/loaxa-web.service
	install -m 0644 systemd/loaxa.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/loaxa.conf
	sed 's|/etc/loaxa|$(SYSCONFDIR)/loaxa|g' systemd/loaxa.tmpfiles \
		>$(DESTDIR)$(PREFIX)/lib/tmpfiles.d/loaxa.conf

clean:
	rm -rf build

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)

# Rules kept beside what they build: man pages, translations, packaging.
-include man/rules.mk po/rules.mk debian/rules.mk
-include tests/fuzz/rules.mk
