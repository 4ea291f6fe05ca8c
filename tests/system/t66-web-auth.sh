#!/bin/bash
# Who may use the web page, checked with curl against the real loaxa-web
# and loaxad: off without web.listen; no password, no login; wrong
# passwords refused, then held back per address and logged; the session
# cookie's flags; a change without the form's CSRF token, or from another
# site's page, refused and without effect; uploads that are not audio, cut
# short or too large refused with the reason and nothing left behind;
# logging out ends the session.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-web.sh"

need curl python3 sox jq
web_build_mo || bail "cannot build the Vietnamese catalog"

# --- off unless turned on ------------------------------------------------------
station_conf "$T/off"
loaxa-web -c "$T/off/loaxad.conf" >"$T/off.out" 2>&1
check "without web.listen loaxa-web exits at once, status 0" test $? = 0
check "... saying the page is off" grep -q 'the web page is off' "$T/off.out"
echo 'web: { listen = "localhost:80"; };' >>"$T/off/loaxad.conf"
check "a bad web.listen is a FILE:LINE error" bash -c \
	"! loaxa-web -c '$T/off/loaxad.conf' 2>'$T/bad.err' && grep -q 'loaxad.conf:9: web.listen' '$T/bad.err'"

web_conf "$T" "" "max_upload_bytes = 1048576;"
tone "$T/audio/a.wav" 0.5 440
loaxad_start "$T" || bail "loaxad did not start"
web_start "$T" || bail "loaxa-web did not start"
EN=(-H "Accept-Language: en-GB,en;q=0.9")

# --- no password: nobody -----------------------------------------------------------
web_get / "${EN[@]}" >/dev/null
check "not logged in, a page sends to the login page" \
	bash -c "[ \$(cat '$T/http.code') = 303 ] && grep -qi '^Location: /login' '$T/http.headers'"
web_get /login "${EN[@]}" >"$T/nopw.html"
check "without a password file the login page says how to set one" \
	grep -q 'No password is set for the web page yet' "$T/nopw.html"
check "... and offers no form" bash -c "! grep -q 'type=\"password\"' '$T/nopw.html'"
web_login admin admin
check "... and nobody logs in (403)" test "$(web_code)" = 403
check "Vietnamese unless the browser asks otherwise" \
	bash -c "curl -s '$WEB/login' | grep -q 'Trang web chưa có mật khẩu'"

# --- passwords ---------------------------------------------------------------------
web_password "$T" "đúng-mật-khẩu" || bail "loaxactl passwd"
check "loaxactl passwd wrote an Argon2id hash, mode 0640" bash -c \
	"grep -q '^admin:[$]argon2id[$]' '$T/state/web.passwd' && [ \$(stat -c %a '$T/state/web.passwd') = 640 ]"
check "a short password is refused" bash -c "! echo short | loaxactl -c '$T/loaxad.conf' passwd --stdin 2>/dev/null"
for i in 1 2 3; do
	web_login admin "sai-mật-khẩu-$i"
	codes="${codes:-}$(web_code) "
done
check "three wrong passwords: refused (401 401 401)" test "$codes" = "401 401 401 "
check "the page says so" grep -q 'Sai tên hoặc mật khẩu' "$T/http.body"
web_login admin "đúng-mật-khẩu"
check "then even the right one is held back (429)" test "$(web_code)" = 429
check "... with how long to wait" grep -Eq 'thử lại sau [0-9]+ giây' "$T/http.body"
check "no session cookie was given" bash -c "! grep -qi '^Set-Cookie: loaxa_session=[0-9a-f]' '$T/http.headers'"
check "every failure is logged with the address" \
	test "$(grep -c 'failed login as "admin" from 127.0.0.1' "$T/web.log")" = 3
check "... and the hold" grep -q 'login from 127.0.0.1 refused: [0-9]* s still to wait' "$T/web.log"
check "a forged X-Forwarded-For does not escape the hold" bash -c \
	"curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 1.2.3.4' --data 'name=nobody&password=x' '$WEB/login' | grep -q 429"
sleep 5.5
web_login admin "đúng-mật-khẩu"
check "after the wait the right password logs in (303 to /)" \
	bash -c "[ \$(cat '$T/http.code') = 303 ] && grep -qi '^Location: /\s*$' '$T/http.headers'"
cookie=$(grep -i '^Set-Cookie: loaxa_session=' "$T/http.headers" | tr -d '\r')
diag "$cookie"
check "the session cookie: 256 random bits, HttpOnly, SameSite=Strict, no Secure over HTTP" bash -c \
	"echo '$cookie' | grep -Eq 'loaxa_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict$'"
check "the login is logged" grep -q 'web: admin logged in from 127.0.0.1' "$T/web.log"

# --- CSRF --------------------------------------------------------------------------
web_get /play >/dev/null
csrf=$(web_csrf)
check "pages carry a form token" test ${#csrf} = 64
plays() { play_lines "$T" | wc -l; }
web_post /play --data "what=a.wav" >/dev/null
check "a play without the form token is refused (403)" test "$(web_code)" = 403
check "... saying why" grep -q 'Biểu mẫu đã hết hạn' "$T/http.body"
web_post /stop --data "x=1" >/dev/null
check "so is a stop" test "$(web_code)" = 403
web_post /play --data "what=a.wav&csrf=$(printf '%064d' 0)" >/dev/null
check "... and one with a wrong token" test "$(web_code)" = 403
web_curl -H "Origin: http://evil.example" --data "what=a.wav&csrf=$csrf" "$WEB/play" >/dev/null
check "the right token from another site's page is refused too" test "$(web_code)" = 403
web_curl -H "Referer: http://evil.example/x" --data "what=a.wav&csrf=$csrf" "$WEB/play" >/dev/null
check "... also when only its Referer says so" test "$(web_code)" = 403
check "the refusals are logged" test "$(grep -c 'web: admin /[a-z]* from 127.0.0.1 refused' "$T/web.log")" = 5
sleep 1
check "none of them played anything" test "$(plays)" = 0
check "... or reached the daemon" bash -c "! grep -q 'operator: play' '$T/daemon.log'"
web_post /play --data "what=a.wav&csrf=$csrf" >/dev/null
check "with the token, from this page, it plays (303)" test "$(web_code)" = 303
check "... and is logged with who asked" wait_for 10 bash -c \
	"cat '$T'/state/airlog/*.jsonl | grep -q '\"by\":\"web:admin@127.0.0.1\"'"
web_post /play --data "what=../loaxad.conf&csrf=$csrf" >/dev/null
check "a path outside the station's files is refused" test "$(web_code)" = 400

# --- uploads -------------------------------------------------------------------------
web_get /upload >/dev/null
csrf=$(web_csrf)
files_before=$(ls -A "$T/audio" | sort | tr '\n' ' ')
echo "this is not a sound" >"$T/fake.mp3"
web_post /upload -F "csrf=$csrf" -F "file=@$T/fake.mp3" >/dev/null
check "a file that is not audio is refused (422)" test "$(web_code)" = 422
check "... with the reason" grep -q 'Không lưu: không phải tệp âm thanh mà loaxa phát được' "$T/http.body"
sox -n -r 48000 -c 2 -b 16 "$T/whole.wav" synth 3 sine 500 2>/dev/null
head -c 200000 "$T/whole.wav" >"$T/cut.wav"
web_post /upload -F "csrf=$csrf" -F "file=@$T/cut.wav" >/dev/null
check "a WAV cut short is refused (422)" test "$(web_code)" = 422
check "... saying where it ends" grep -q 'tệp bị hỏng hoặc bị cụt sau 1.0 giây' "$T/http.body"
sox -n -r 48000 -c 2 -b 16 "$T/big.wav" synth 8 sine 500 2>/dev/null
web_post /upload -F "csrf=$csrf" -F "file=@$T/big.wav" >/dev/null
check "a file over web.max_upload_bytes is refused (413)" test "$(web_code)" = 413
web_post /upload -F "file=@$T/whole.wav" >/dev/null
check "an upload without the form token is refused (403)" test "$(web_code)" = 403
curl -s -o /dev/null -F "file=@$T/whole.wav" "$WEB/upload"
check "nothing of these is left in audio_dir" test "$(ls -A "$T/audio" | sort | tr '\n' ' ')" = "$files_before"
web_post /upload -F "csrf=$csrf" -F "file=@$T/whole.wav;filename=../../Bản tin.WAV" >/dev/null
check "a good file is kept (200)" test "$(web_code)" = 200
check "... under a safe name of its own" cmp "$T/whole.wav" "$T/audio/ban-tin.wav"
web_post /upload -F "csrf=$csrf" -F "file=@$T/whole.wav;filename=a.wav" >/dev/null
check "a second file of a name that is taken gets another name" \
	bash -c "cmp '$T/whole.wav' '$T/audio/a-2.wav' && ! cmp -s '$T/whole.wav' '$T/audio/a.wav'"
check "uploads are logged with who sent them" \
	grep -q 'web: web:admin@127.0.0.1 uploaded .*/ban-tin.wav (WAV, 3.0 s)' "$T/web.log"

# --- logging out ------------------------------------------------------------------------
web_get / >/dev/null
web_post /logout --data "csrf=$(web_csrf)" >/dev/null
check "logging out: back to the login page" grep -qi '^Location: /login' "$T/http.headers"
curl -s -o /dev/null -w '%{http_code}' -H "Cookie: ${cookie#Set-Cookie: }" "$WEB/health" >"$T/after.code"
check "the old session cookie no longer opens a page" test "$(cat "$T/after.code")" = 303
loaxad_stop "$T"
web_login admin "đúng-mật-khẩu"
web_get / >/dev/null
check "with loaxad gone the page says it does not answer" \
	bash -c "[ \$(cat '$T/http.code') = 200 ] && grep -q 'loaxad không trả lời' '$T/http.body'"
check "loaxa-web stops cleanly" web_stop
done_testing
