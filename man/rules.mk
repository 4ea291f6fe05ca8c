# man/rules.mk: the manual pages (roff, man(7) macros), included by the
# top Makefile. Pages are installed as they are, uncompressed; a package
# build compresses them.
#
#   make install-man   install into $(DESTDIR)$(MANDIR)/manN
#   make lint-man      render every page and fail on any groff warning

MAN_PAGES := $(wildcard man/*.[1-8])

.PHONY: install-man lint-man

install: install-man
lint: lint-man

install-man:
	@set -e; for page in $(MAN_PAGES); do \
		section=$${page##*.}; \
		install -d $(DESTDIR)$(MANDIR)/man$$section; \
		echo "install -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$section/"; \
		install -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$section/; \
	done

# groff exits 0 on warnings; its stderr is what tells.
lint-man:
	@set -e; for page in $(MAN_PAGES); do \
		out=$$(groff -man -Tutf8 -ww -z $$page 2>&1); \
		if [ -n "$$out" ]; then echo "$$out" >&2; exit 1; fi; \
	done
