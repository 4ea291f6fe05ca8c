# po/rules.mk: translations of the operator-facing messages (gettext text
# domain "loaxa"), included by the top Makefile. Every language listed in
# po/LINGUAS is compiled into $(BUILD)/locale/LL/LC_MESSAGES/loaxa.mo, the
# layout bindtextdomain() expects, so an uninstalled build can be pointed
# at $(BUILD)/locale.
#
#   make pot         extract po/loaxa.pot from the sources again
#   make update-po   pot, then merge it into every po/LL.po
#   make install-po  install into $(DESTDIR)$(LOCALEDIR)/LL/LC_MESSAGES

PO_LINGUAS := $(shell sed -e 's/\#.*//' po/LINGUAS)
PO_MO      := $(PO_LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/loaxa.mo)
PO_SOURCES  = $(sort $(wildcard daemon/*.c)) tools/loaxactl.c
MSGFMT     ?= msgfmt
MSGMERGE   ?= msgmerge
XGETTEXT   ?= xgettext

.PHONY: pot update-po install-po

all: $(PO_MO)
install: install-po

# --check: a translation whose printf directives differ from the original's
# would crash or garble the message; msgfmt refuses it.
$(BUILD)/locale/%/LC_MESSAGES/loaxa.mo: po/%.po
	@mkdir -p $(dir $@)
	$(MSGFMT) --check -o $@.tmp.$$$$ $< && mv $@.tmp.$$$$ $@

install-po: $(PO_MO)
	@set -e; for lang in $(PO_LINGUAS); do \
		install -d $(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES; \
		echo "install -m 0644 $(BUILD)/locale/$$lang/LC_MESSAGES/loaxa.mo" \
			"$(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/"; \
		install -m 0644 $(BUILD)/locale/$$lang/LC_MESSAGES/loaxa.mo \
			$(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/; \
	done

pot:
	$(XGETTEXT) --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ \
		--add-comments=TRANSLATORS: --copyright-holder='the loaxa developers' \
		--package-name=loaxa \
		--package-version=$(VERSION) --msgid-bugs-address= \
		-o po/loaxa.pot $(PO_SOURCES)

update-po: pot
	@set -e; for lang in $(PO_LINGUAS); do \
		echo "$(MSGMERGE) --update --backup=none po/$$lang.po po/loaxa.pot"; \
		$(MSGMERGE) --quiet --update --backup=none po/$$lang.po po/loaxa.pot; \
	done
