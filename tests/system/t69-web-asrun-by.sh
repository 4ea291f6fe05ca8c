#!/bin/bash
# Who gave an operator's command travels with the as-run log: a play and a
# stop from the web page and a play from loaxactl carry "by" in their
# lines; the lines reach a real nginx in signed segments, and
# loaxa-province verify and report accept them; a "by" changed on the
# server is caught; loaxactl log shows who.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-nginx.sh"
source "$(dirname "$0")/lib-web.sh"

need nginx minisign curl python3 sox jq
web_build_mo || bail "cannot build the Vietnamese catalog"

ID=test-station
mkdir -p "$T/www"
nginx_start "$T/www" || bail "nginx"
web_conf "$T" "province: { log_url = \"$NGINX_URL/logs/\"; upload_interval_s = 3600; upload_hold_s = 0; };"
tone "$T/audio/a.wav" 0.5 440
tone "$T/audio/long.wav" 20 300
tone "$T/audio/c.wav" 0.5 880
web_up "$T" "mật khẩu thử 1" lan
web_login_or_bail lan "mật khẩu thử 1"

web_get /play >/dev/null
csrf=$(web_csrf)
web_post /play --data "what=a.wav&csrf=$csrf" >/dev/null
check "play from the web page" test "$(web_code)" = 303
check "... aired" wait_plays "$T" 1 15
# at once, often in the second the first one started: a new play all the same
web_post /play --data "what=long.wav&csrf=$csrf" >/dev/null
check "a long one" wait_for 15 grep -q 'on air: file "long.wav"' "$T/daemon.log"
web_post /stop --data "csrf=$csrf" >/dev/null
check "stop from the web page" test "$(web_code)" = 303
check "... logged" wait_plays "$T" 2 15
check "play from loaxactl" bash -c "loaxactl -c '$T/loaxad.conf' play c.wav >/dev/null"
check "... aired" wait_plays "$T" 3 15

play_lines "$T" >"$T/plays"
check "each line says who: the web page's operator and address, or loaxactl's user" test \
	"$(jq -r '.file + " " + .status + " " + .by' "$T/plays" | tr '\n' ';')" = \
	"a.wav complete web:lan@127.0.0.1;long.wav interrupted web:lan@127.0.0.1;c.wav complete loaxactl:$(id -un);"
check "the stop's reason stays the operator's" \
	test "$(jq -r 'select(.file == "long.wav") | .reason' "$T/plays")" = "stopped by the operator"
LC_ALL=C.UTF-8 loaxactl -c "$T/loaxad.conf" log >"$T/log.out"
check "loaxactl log shows who" grep -q 'long.wav .*stopped by the operator  (web:lan@127.0.0.1)' "$T/log.out"

# to the province, and through its tools
loaxactl -c "$T/loaxad.conf" sync >/dev/null
outbox_empty() { [ "$(ls "$T"/state/outbox/*.jsonl 2>/dev/null | wc -l)" = 0 ]; }
check "the lines reach the province" wait_for 30 bash -c \
	"cat '$NGINX_DAV/logs/$ID'/*.jsonl 2>/dev/null | grep -q '\"by\":\"loaxactl:'"
check "... and leave the outbox" wait_for 30 outbox_empty
stations_cfg "$T"
loaxa-province verify --all-signatures --stations "$T/stations.cfg" "$NGINX_DAV/logs" >"$T/verify.out" 2>&1
rc=$?
sed 's/^/# /' "$T/verify.out" >&2
check "loaxa-province verify accepts lines with \"by\"" test $rc = 0
check "... every one of them" grep -q "^$ID: OK, " "$T/verify.out"
for f in "$NGINX_DAV/logs/$ID"/*.jsonl; do minisign -Vqm "$f" -p "$T/state/station.pub" || bad=1; done
check "minisign agrees" test -z "${bad:-}"
from=$(today)
loaxa-province report --stations "$T/stations.cfg" "$NGINX_DAV/logs" --from "$from" --to "$from" \
	--format csv >"$T/report.csv" 2>"$T/report.err"
rc=$?
check "loaxa-province report takes them" bash -c "[ $rc = 0 ] && grep -q '$ID' '$T/report.csv'"
check "... without a warning" test ! -s "$T/report.err"

# the field is under the signature like every other
seg=$(grep -l '"by":"web:lan@127.0.0.1"' "$NGINX_DAV/logs/$ID"/*.jsonl | head -1)
sed -i 's/"by":"web:lan@127.0.0.1"/"by":"web:admin@127.0.0.1"/' "$seg"
loaxa-province verify --all-signatures --stations "$T/stations.cfg" "$NGINX_DAV/logs" >"$T/verify2.out" 2>&1
rc=$?
sed 's/^/# /' "$T/verify2.out" >&2
check "a \"by\" changed on the server is caught" test $rc = 1

check "loaxa-web stops cleanly" web_stop
loaxad_stop "$T"
check "chain intact" chain_ok "$T"
done_testing
