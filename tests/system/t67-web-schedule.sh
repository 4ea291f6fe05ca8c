#!/bin/bash
# Daily schedules and the plan on the web page (curl): a broken schedule is
# refused with the FILE:LINE messages loaxactl check gives for the same
# file, in the page's language, and the schedule in force stays; a good one
# is installed through loaxad's "load" and airs; editing it while one of
# its sessions is on the air does not air that session again; the plan
# page says what cannot play and why, like loaxactl today; the log page
# reads the chain like loaxactl log; English by the browser's wish or the
# language switch.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-audio.sh"
source "$(dirname "$0")/lib-web.sh"

need curl python3 sox jq
web_build_mo || bail "cannot build the Vietnamese catalog"

web_conf "$T"
tone "$T/audio/a.wav" 3 440
tone "$T/audio/b.wav" 2 660
slot_file "$T/schedules/weekly.cfg" "Tuần" "23:00" a.wav
web_up "$T" "mật khẩu thử 1"
web_login_or_bail admin "mật khẩu thử 1"
d=$(today)

# --- a new daily schedule starts from the week's sessions ------------------------
web_get "/schedule?date=$d" >"$T/new.html"
check "a day without a daily schedule: the editor offers the week's sessions" bash -c \
	"grep -q 'Ngày này chưa có lịch trong ngày' '$T/new.html' && grep -q 'a.wav' '$T/new.html'"
csrf=$(web_csrf)

# --- a broken one: FILE:LINE as loaxactl check says it, nothing installed ---------
cat >"$T/broken.txt" <<EOC
slots = (
  { name = "Trưa"; date = "$d"; start = "25:61"; items = ( { file = "a.wav"; } ); },
  { name = "Chiều"; start = "17:00"; items = ( { file = "b.wav"; } ); }
);
EOC
web_post /schedule --data-urlencode "csrf=$csrf" --data-urlencode "date=$d" \
	--data-urlencode "text@$T/broken.txt" >"$T/broken.html"
check "a broken daily schedule is refused (422)" test "$(web_code)" = 422
mkdir -p "$T/copy"
cp "$T/broken.txt" "$T/copy/$d.cfg"
(cd "$T/copy" && LANGUAGE=vi LC_ALL=C.UTF-8 loaxactl -c "$T/loaxad.conf" check "$d.cfg" 2>&1 >/dev/null) >"$T/check.out"
diag "loaxactl check: $(cat "$T/check.out")"
check "loaxactl check finds a problem on line 2 of the copy" grep -q "^$d.cfg:2: " "$T/check.out"
check "the page gives loaxactl check's very message" bash -c \
	"python3 -c 'import html,sys; print(html.unescape(open(sys.argv[1]).read()))' '$T/broken.html' | grep -F -- \"\$(head -1 '$T/check.out')\" >/dev/null"
check "... keeps the operator's text in the editor" grep -q 'Chiều' "$T/broken.html"
sed 's/25:61/12:00/' "$T/broken.txt" >"$T/nodate.txt"
web_post /schedule --data-urlencode "csrf=$csrf" --data-urlencode "date=$d" \
	--data-urlencode "text@$T/nodate.txt" >"$T/nodate.html"
check "a slot without the day's date is refused too (422)" test "$(web_code)" = 422
check "... at its line: a daily schedule's slots all carry its date" \
	grep -q "$d.cfg:3: khung giờ &quot;Chiều&quot;: mọi khung giờ của lịch trong ngày phải có date = &quot;$d&quot;" "$T/nodate.html"
check "nothing was installed" test ! -e "$T/schedules/$d.cfg"
check "loaxad was not even asked" bash -c "! grep -q 'operator: load' '$T/daemon.log'"

# --- a good one: installed by loaxad, and it airs --------------------------------
s1=$(hhmmss_in 6)
cat >"$T/good.txt" <<EOC
slots = (
  { name = "Buổi thử"; date = "$d"; start = "$s1"; items = ( { file = "a.wav"; }, { file = "b.wav"; } ); }
);
EOC
web_post /schedule --data-urlencode "csrf=$csrf" --data-urlencode "date=$d" \
	--data-urlencode "text@$T/good.txt" >/dev/null
check "a good daily schedule is installed (303 to the day's plan)" bash -c \
	"[ \$(cat '$T/http.code') = 303 ] && grep -qi '^Location: /plan?date=$d' '$T/http.headers'"
check "... byte for byte in schedule_dir" cmp "$T/good.txt" "$T/schedules/$d.cfg"
check "... through loaxad, which says who" grep -q "operator: load $d.cfg (by web:admin@127.0.0.1)" "$T/daemon.log"
web_get "/plan?date=$d" >"$T/plan.html"
check "the plan page shows it, and not the week's session it replaces" bash -c \
	"grep -q 'Buổi thử' '$T/plan.html' && ! grep -q 'Tuần' '$T/plan.html'"

# --- edited while its session is on the air: the session does not air again --------
check "its first item goes on air" wait_for 20 grep -q 'on air: file "a.wav"' "$T/daemon.log"
web_get "/schedule?date=$d" >/dev/null
{ echo "# changed while on the air"; cat "$T/good.txt" | sed 's/^);$//'
  echo "  , { name = \"Thiếu\"; date = \"$d\"; start = \"23:30\"; items = ( { file = \"khong-co.wav\"; } ); }"
  echo ");"; } >"$T/edited.txt"
web_post /schedule --data-urlencode "csrf=$(web_csrf)" --data-urlencode "date=$d" \
	--data-urlencode "text@$T/edited.txt" >/dev/null
check "the edit is installed while the session airs" test "$(web_code)" = 303
check "both items aired" wait_plays "$T" 2 20
sleep 3
check "... once each: the session did not start again" \
	test "$(play_lines "$T" | jq -r .file | tr '\n' ' ')" = "a.wav b.wav "

# --- the plan page says what cannot play, and why, as loaxactl today does ----------
web_get "/plan?date=$d" >"$T/plan2.html"
LANGUAGE=vi LC_ALL=C.UTF-8 loaxactl -c "$T/loaxad.conf" today >"$T/today.out"
reason=$(grep -o 'SẼ KHÔNG PHÁT: .*' "$T/today.out" | sed 's/ *$//')
diag "loaxactl today: $reason"
check "loaxactl today says the missing file will not play" test -n "$reason"
check "the plan page gives the same reason" grep -qF "$reason" "$T/plan2.html"
check "... and counts it" grep -q '1 mục sẽ không được phát' "$T/plan2.html"

# --- the log page reads the chain ---------------------------------------------------
web_get "/log?date=$d" >"$T/log.html"
check "the log page: the day's lines, the chain intact" grep -q 'chuỗi nguyên vẹn\|chain intact' "$T/log.html"
check "... as loaxactl log counts them" bash -c \
	"n=\$(LANGUAGE=en LC_ALL=C.UTF-8 loaxactl -c '$T/loaxad.conf' log | sed -n 's/^\([0-9]*\) lines, .*/\1/p'); grep -q \"\$n dòng\" '$T/log.html'"

# --- languages ----------------------------------------------------------------------------
web_get "/plan?date=$d" -H "Accept-Language: en-US,en;q=0.9,vi;q=0.5" >"$T/en.html"
check "a browser that prefers English gets English" bash -c \
	"grep -q 'WILL NOT PLAY: file not found' '$T/en.html' && grep -q '<html lang=\"en\">' '$T/en.html'"
web_get "/plan?date=$d" -H "Accept-Language: vi-VN,vi;q=0.9,en;q=0.8" >"$T/vi.html"
check "one that prefers Vietnamese gets Vietnamese" grep -q 'SẼ KHÔNG PHÁT' "$T/vi.html"
web_get "/lang?set=en&back=/plan%3Fdate%3D$d" >/dev/null
check "the language switch sets a cookie and comes back to the page" bash -c \
	"grep -qi '^Set-Cookie: loaxa_lang=en' '$T/http.headers' && grep -qi '^Location: /plan?date=$d' '$T/http.headers'"
web_get "/plan?date=$d" -H "Accept-Language: vi" >"$T/switched.html"
check "... and the switch wins over the browser" grep -q 'WILL NOT PLAY' "$T/switched.html"
web_get "/lang?set=vi&back=//evil.example/" >/dev/null
check "the switch goes back only to a page of this site" grep -qi '^Location: /\s*$' "$T/http.headers"

check "loaxa-web stops cleanly" web_stop
loaxad_stop "$T"
check "chain intact" chain_ok "$T"
done_testing
