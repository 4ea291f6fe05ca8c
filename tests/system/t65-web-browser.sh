#!/bin/bash
# The operator's web page in a real headless chromium against the real
# loaxad and loaxa-web: log in (Vietnamese by default), see the session on
# the air, upload a recording, put it in today's schedule a few seconds
# ahead and hear it in the output samples, start an emergency through its
# confirmation, and read both in the as-run log page, with who did them.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-audio.sh"
source "$(dirname "$0")/lib-web.sh"

need chromium chromedriver python3 curl sox jq
web_build_mo || bail "cannot build the Vietnamese catalog"

web_conf "$T"
tone "$T/audio/long.wav" 10 300
tone "$T/audio/e.wav" 1.5 2500
mkdir -p "$T/phone"
tone "$T/phone/Thông báo xã.wav" 2 1000
web_up "$T" "mật khẩu thử 1"
# Under valgrind everything is slower: the session and the placed item are
# further ahead.
VG=${LOAXA_VALGRIND:+1}
slot_file "$T/schedules/weekly.cfg" "Sáng" "$(hhmmss_in $((VG ? 20 : 6)))" long.wav
loaxactl -c "$T/loaxad.conf" reload >/dev/null || bail "reload"
AHEAD=$((VG ? 30 : 12))

# The browser's part; what it saw goes into $T/seen/*.txt for the checks.
mkdir -p "$T/seen"
WEB=$WEB T=$T AHEAD=$AHEAD timeout 240 python3 - >"$T/browser.out" 2>&1 <<'PY'
import os, sys, time
from webdriver import Browser

web, t, ahead = os.environ["WEB"], os.environ["T"], int(os.environ["AHEAD"])
def save(name, text):
    with open(os.path.join(t, "seen", name + ".txt"), "w") as f:
        f.write(text)
def step(what):
    print("# %s %s" % (time.strftime("%H:%M:%S"), what), flush=True)

with Browser(width=390, height=844, lang="vi", log=os.path.join(t, "chromedriver.log")) as b:
    step("log in")
    b.get(web + "/")
    save("login", b.text())
    b.find("#password").send_keys("mật khẩu thử 1")
    b.find("button[type=submit]").click()
    b.wait_text("Đang phát", "h1")
    save("after-login", b.text())

    step("the session on the air")
    save("now", b.wait_text("long.wav", seconds=90, reload=True))

    step("upload")
    b.get(web + "/upload")
    b.find("#file").send_keys(os.path.join(t, "phone", "Thông báo xã.wav"))
    b.find("form[action='/upload'] button[type=submit]").click()
    save("uploaded", b.wait_text("Đã lưu thành"))

    step("place it %d s ahead" % ahead)
    at = time.strftime("%H:%M:%S", time.localtime(time.time() + ahead))
    with open(os.path.join(t, "seen", "at"), "w") as f:
        f.write(at)
    b.execute("document.getElementById('time').value = arguments[0];", at)
    b.find("#name").clear().send_keys("Thông báo thử")
    b.find("form[action='/place'] button[type=submit]").click()
    save("placed", b.wait_text("đã có trong lịch phát sóng"))

    step("wait for it in the as-run log page")
    b.get(web + "/log")
    b.wait_text("thong-bao-xa.wav", seconds=60 + ahead, reload=True)

    step("emergency, through its confirmation")
    b.get(web + "/play")
    for form in b.find_all("form[action='/emergency']"):
        if form.find("input[name=what]").attr("value") == "e.wav":
            form.find("button").click()
            break
    else:
        sys.exit("no emergency button for e.wav")
    save("confirm", b.wait_text("Đồng ý, phát ngay"))
    b.find("#confirm").click()
    save("emergency", b.wait_text("Khẩn cấp: e.wav"))

    step("read it in the as-run log page")
    b.get(web + "/log")
    b.wait_text("bởi web:admin@127.0.0.1", seconds=60, reload=True)
    save("log", b.text())
    step("done")
PY
rc=$?
sed 's/^/# /' "$T/browser.out" >&2
check "the browser went through every step" test $rc = 0
wait_plays "$T" 3 30

seen() { cat "$T/seen/$1.txt" 2>/dev/null; }
check "not logged in, the page asks for a password, in Vietnamese" bash -c "grep -q 'Mật khẩu' '$T/seen/login.txt'"
check "after logging in: the on-air page, as admin" grep -q admin "$T/seen/after-login.txt"
check "the on-air page shows the item and its session" bash -c "grep -q long.wav '$T/seen/now.txt' && grep -q 'Sáng' '$T/seen/now.txt'"
check "the upload got a safe name" grep -q 'thong-bao-xa.wav' "$T/seen/uploaded.txt"
check "... and is in audio_dir, byte for byte" cmp "$T/phone/Thông báo xã.wav" "$T/audio/thong-bao-xa.wav"
check "no temporary upload file is left" bash -c "! ls -a '$T/audio' | grep -q '^\.upload-'"
d=$(today)
check "a daily schedule for today was installed" test -f "$T/schedules/$d.cfg"
check "... with the placed slot and the week's session of the day" bash -c \
	"grep -q 'thong-bao-xa.wav' '$T/schedules/$d.cfg' && grep -q 'long.wav' '$T/schedules/$d.cfg'"
check "the plan page showed the placed item" grep -q 'thong-bao-xa.wav' "$T/seen/placed.txt"
check "the confirmation page names the emergency" grep -q 'e.wav' "$T/seen/confirm.txt"
check "the as-run log page shows the emergency, by whom" bash -c \
	"grep -q 'e.wav' '$T/seen/log.txt' && grep -q 'bởi web:admin@127.0.0.1' '$T/seen/log.txt'"

loaxad_stop "$T"
play_lines "$T" >"$T/plays"
check "the session on the air was not aired twice when today's schedule took it over" \
	test "$(jq -r 'select(.file == "long.wav") | .status' "$T/plays" | tr '\n' ' ')" = "complete "
placed=$(jq -c 'select(.file == "thong-bao-xa.wav")' "$T/plays")
check "the placed item aired complete in its slot" \
	test "$(echo "$placed" | jq -r '.status + "/" + .slot')" = "complete/Thông báo thử"
at=$(cat "$T/seen/at" 2>/dev/null)
check "... scheduled at the time given on the page ($at)" \
	test "$(date -d "$(echo "$placed" | jq -r .scheduled)" +%H:%M:%S)" = "$at"
late=$(seconds_between "$(echo "$placed" | jq -r .scheduled)" "$(echo "$placed" | jq -r .start)")
check "... and started on time ($late s late)" near_t "$late" 0 0.5
em=$(jq -c 'select(.file == "e.wav")' "$T/plays")
check "the emergency aired at emergency class" \
	test "$(echo "$em" | jq -r '.status + "/" + .priority')" = "complete/emergency"
check "... and the as-run line says who: the operator and the address" \
	test "$(echo "$em" | jq -r .by)" = "web:admin@127.0.0.1"
check "the daemon's journal names who did it" \
	grep -q 'operator: emergency e.wav (by web:admin@127.0.0.1)' "$T/daemon.log"
check "... and who installed the schedule" \
	grep -q "operator: load $d.cfg (by web:admin@127.0.0.1)" "$T/daemon.log"

# what the loudspeakers got: the recording's 1000 Hz for 2 s, the emergency's 2500 Hz
segments "$T/out.wav" >"$T/segs"
tones_only "$T/segs" >"$T/tones"
sed 's/^/# /' "$T/tones" >&2
tone_len() { awk -v lo="$1" -v hi="$2" '$3 > lo && $3 < hi { s += $2 - $1 } END { printf "%.2f", s }' "$T/tones"; }
check "the uploaded recording is in the output samples ($(tone_len 900 1100) s of 1000 Hz)" \
	near "$(tone_len 900 1100)" 2.0 0.1
check "so is the emergency ($(tone_len 2300 2700) s of 2500 Hz)" near "$(tone_len 2300 2700)" 1.5 0.1
check "chain intact" chain_ok "$T"
check "loaxa-web stops cleanly on SIGTERM" web_stop
done_testing
