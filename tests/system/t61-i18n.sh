#!/bin/bash
# The operator reads Vietnamese: with the translation built, a broken
# schedule is reported in Vietnamese (still as FILE:LINE), and in English
# without LANGUAGE=vi or under the plain C locale, where gettext ignores
# LANGUAGE.
source "$(dirname "$0")/test-lib.sh"

mo=$LOAXA_BUILD/locale/vi/LC_MESSAGES/loaxa.mo
# Only msgfmt runs here; nothing is compiled.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$LOAXA_SRC" BUILD="$LOAXA_BUILD" "$mo" >&2 ||
	bail "cannot build $mo"
export LOAXA_LOCALEDIR=$LOAXA_BUILD/locale
diag "$(msgfmt --statistics -o /dev/null "$LOAXA_SRC/po/vi.po" 2>&1)"

station_conf "$T"
cat >"$T/schedules/weekly.cfg" <<'EOC'
slots = (
  { name = "Bản tin sáng";
    start = "25:00";
    items = ( "nhac-hieu" ); }
);
EOC
in_vi() { LC_ALL=C.UTF-8 LANGUAGE=vi "$@"; }

in_vi loaxactl -c "$T/loaxad.conf" check >"$T/vi.out" 2>"$T/vi.err"
check "loaxactl check exits 1 on the broken schedule" test $? = 1
diag "$(cat "$T/vi.err")"
check "the message is in Vietnamese" \
	grep -qF 'weekly.cfg:3: "start": "25:00" không phải là giờ hợp lệ (HH:MM hoặc HH:MM:SS)' "$T/vi.err"
check "... and not in English" bash -c "! grep -q 'is not a time' '$T/vi.err'"

LC_ALL=C.UTF-8 loaxactl -c "$T/loaxad.conf" check 2>"$T/en.err"
check "without LANGUAGE=vi it is English" \
	grep -qF 'weekly.cfg:3: "start": "25:00" is not a time (HH:MM or HH:MM:SS)' "$T/en.err"
LC_ALL=C LANGUAGE=vi loaxactl -c "$T/loaxad.conf" check 2>"$T/c.err"
check "under LC_ALL=C, LANGUAGE=vi is ignored" grep -q 'is not a time' "$T/c.err"

in_vi loaxad --check -c "$T/loaxad.conf" 2>"$T/daemon.err"
check "loaxad --check reports it in Vietnamese too" grep -q 'không phải là giờ hợp lệ' "$T/daemon.err"

slot_file "$T/schedules/weekly.cfg" "Bản tin sáng" 05:30 a.wav
check "a good configuration: 'cấu hình hợp lệ'" \
	test "$(in_vi loaxad --check -c "$T/loaxad.conf" 2>&1)" = "cấu hình hợp lệ"
check "loaxactl check: 'Hợp lệ: 1 khung giờ trong 1 tệp'" \
	test "$(in_vi loaxactl -c "$T/loaxad.conf" check 2>&1)" = "Hợp lệ: 1 khung giờ trong 1 tệp"
check "loaxactl --help in Vietnamese" bash -c "LC_ALL=C.UTF-8 LANGUAGE=vi loaxactl --help | grep -q '^Cách dùng: loaxactl'"
in_vi loaxactl -c "$T/loaxad.conf" status 2>"$T/status.err"
check "no daemon: said in Vietnamese" grep -q 'không liên lạc được với loaxad' "$T/status.err"

# A station box sets LANG=vi_VN.UTF-8 rather than LANGUAGE; that needs the
# locale to be generated, which a build machine may not have.
if locale -a 2>/dev/null | grep -qix 'vi_VN.utf-\?8'; then
	env -u LANGUAGE -u LC_ALL LANG=vi_VN.UTF-8 loaxactl -c "$T/loaxad.conf" status 2>"$T/lang.err"
	check "LANG=vi_VN.UTF-8 alone is enough" grep -q 'không liên lạc được' "$T/lang.err"
else
	ok "# SKIP no vi_VN.UTF-8 locale on this machine"
fi
done_testing
