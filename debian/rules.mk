# debian/rules.mk: Debian packages and cross builds, included by the top
# Makefile.
#
#   make deb          loaxa_$(VERSION)_{amd64,arm64,armhf}.deb into build/deb/,
#                     each checked with lintian
#   make check-deb    make deb, then install, upgrade and purge the amd64
#                     package in a Debian 12 root (tests/system/t70-deb-install.sh)
#   make check-cross  cross-build for arm64 and armhf, run the unit tests and
#                     the system tests that need no server under qemu-user
#   make CROSS=aarch64-linux-gnu | CROSS=arm-linux-gnueabihf
#                     any target, cross-built into build/$(CROSS)
#
# Each package is built from a copy of the tree in build/deb/ARCH/, so
# dpkg-buildpackage leaves neither debian/loaxa/ nor ../*.deb in the work
# tree; the copy goes once its package is out (its tmpfiles.d/ and
# sysusers.d/ folders would look like dependency files to the top
# Makefile's "find build -name '*.d'").

DEB_ARCHS    ?= amd64 arm64 armhf
CROSS_TRIPLETS ?= aarch64-linux-gnu arm-linux-gnueabihf
DEB_OUT      := build/deb

.PHONY: deb deb-build lintian-deb check-deb check-cross cross-build

deb:
	@tools/install-deps deb
	$(MAKE) deb-build
	$(MAKE) lintian-deb

# The tests run in "make check" and "make check-cross"; the package builds
# only build.
deb-build:
	@set -e; mkdir -p $(DEB_OUT); \
	for arch in $(DEB_ARCHS); do \
		dir=$(DEB_OUT)/$$arch; \
		rm -rf $$dir; mkdir -p $$dir/loaxa-$(VERSION); \
		tar --exclude=./build --exclude=./.git -cf - . | tar -C $$dir/loaxa-$(VERSION) -xf -; \
		echo "dpkg-buildpackage -a$$arch  ($$dir/build.log)"; \
		if ! (cd $$dir/loaxa-$(VERSION) && DEB_BUILD_OPTIONS=nocheck \
			dpkg-buildpackage -a$$arch -Pnocheck -b -us -uc) >$$dir/build.log 2>&1; then \
			rm -rf $$dir/loaxa-$(VERSION); tail -40 $$dir/build.log >&2; exit 1; \
		fi; \
		cp $$dir/loaxa_$(VERSION)_$$arch.deb $(DEB_OUT)/; \
		rm -rf $$dir/loaxa-$(VERSION); \
	done; \
	ls -l $(DEB_OUT)/*.deb

# lintian exits non-zero on errors only; warnings are printed for a look.
lintian-deb:
	lintian --info $(DEB_ARCHS:%=$(DEB_OUT)/loaxa_$(VERSION)_%.deb)

check-deb: deb
	LOAXA_DEB_TEST=1 LOAXA_DEB=$(abspath $(DEB_OUT))/loaxa_$(VERSION)_amd64.deb \
		$(PROVE) -v -e bash tests/system/t70-deb-install.sh

# --- cross builds under qemu -------------------------------------------------

# Every program, unit test and helper, plus the fake-clock daemon that
# tests/cross/c10-y2040.sh runs.
cross-build:
	@set -e; for t in $(CROSS_TRIPLETS); do \
		$(MAKE) CROSS=$$t all $(UNIT_BINS:$(BUILD)/%=build/$$t/%) \
			$(HELPER_BINS:$(BUILD)/%=build/$$t/%) build/$$t/tests/loaxad-fakeclock \
			build/$$t/tests/test_y2040; \
	done

check-cross:
	@tools/install-deps cross
	$(MAKE) cross-build
	@set -e; for t in $(CROSS_TRIPLETS); do \
		echo "== $$t (qemu-user)"; \
		tests/cross/run $$t; \
	done

# The 2040 unit test and the daemon with a settable wall clock: built for
# any target, run on every one by check-cross.
$(BUILD)/tests/test_y2040: tests/cross/test_y2040.c $(BUILD)/libloaxa.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libloaxa.a $(ALL_LDFLAGS) $(LIBS) \
		$(shell $(PKG_CONFIG) --libs cmocka)

$(BUILD)/tests/loaxad-fakeclock: $(BUILD)/daemon/loaxad.o $(BUILD)/tests/fakeclock.o \
		$(BUILD)/libloaxa.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) -ldl

$(BUILD)/tests/fakeclock.o: tests/cross/fakeclock.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
