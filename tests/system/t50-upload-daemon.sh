#!/bin/bash
# The daemon's own upload thread against a real nginx: the as-run log of a
# real session reaches the server byte for byte while loaxad runs; with
# nginx stopped the segments wait in the outbox and arrive when it is back;
# after kill -9 and a restart nothing is lost, nothing forked, and
# loaxa-province verify and minisign accept every segment.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-nginx.sh"

for tool in nginx minisign python3 sox; do
	command -v $tool >/dev/null || skip_all "$tool not installed"
done

S=$T/station
ID=test-station
mkdir -p "$T/www"
nginx_start "$T/www" || bail "nginx"
SRV=$NGINX_DAV/logs/$ID
station_conf "$S" "province: { log_url = \"$NGINX_URL/logs/\"; upload_interval_s = 10; };"
tone "$S/audio/a.wav" 0.6 440
tone "$S/audio/b.wav" 0.4 660

by_seq() {
	python3 -c '
import sys, json
lines = []
for f in sys.argv[1:]:
    with open(f, "rb") as fh:
        lines += [l for l in fh.read().splitlines(keepends=True) if l.endswith(b"\n")]
lines.sort(key=lambda l: json.loads(l)["seq"])
sys.stdout.buffer.write(b"".join(lines))' "$@"
}
server_segments() { ls "$SRV"/*.jsonl 2>/dev/null | sort; }
server_has_log() { cmp -s <(by_seq "$S"/state/airlog/*.jsonl) <(cat $(server_segments) /dev/null); }
outbox_count() { ls "$S"/state/outbox/*.jsonl 2>/dev/null | wc -l; }
outbox_waiting() { [ "$(outbox_count)" -ge 1 ]; }
outbox_empty() { [ "$(outbox_count)" = 0 ]; }
server_signed() {
	local f
	for f in $(server_segments); do
		minisign -Vqm "$f" -p "$S/state/station.pub" >/dev/null || { diag "minisign: $f"; return 1; }
	done
}
verify_ok() {
	cat >"$T/stations.cfg" <<EOC
stations = ( { id = "$ID"; name = "Trạm thử"; district = "Huyện thử";
               public_key = "$(tail -n 1 "$S/state/station.pub")"; } );
EOC
	loaxa-province verify --stations "$T/stations.cfg" "$NGINX_DAV/logs" >"$T/verify.out" 2>&1
	local rc=$?
	sed 's/^/# /' "$T/verify.out" >&2
	[ $rc = 0 ] && grep -q "^$ID: OK, " "$T/verify.out"
}
nginx_again() {
	[ -f "$T/nginx/nginx.conf" ] || bail "no nginx configuration to restart"
	nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" 2>>"$T/nginx/error.log" &
	NGINX_PID=$!
	wait_for 10 curl -s -o /dev/null "$NGINX_URL/"
}
# session N: a slot 3 s from now with both tones, loaded with SIGHUP
session() {
	slot_file "$S/schedules/s$1.cfg" "Phiên $1" "$(hhmmss_in 3)" a.wav b.wav
	kill -HUP "$LOAXAD_PID"
}

loaxad_start "$S" || bail "loaxad did not start"
check "the daemon made the station key" wait_for 10 test -s "$S/state/station.pub"
session 1
check "the session is logged" wait_plays "$S" 2 30
check "the log reaches the server while the daemon runs" wait_for 40 server_has_log
check "status.json arrived" wait_for 20 test -s "$SRV/status.json"

nginx_stop
session 2
check "the second session is logged" wait_plays "$S" 4 30
check "with nginx down its lines wait in the outbox" wait_for 40 outbox_waiting
nginx_again || bail "nginx did not come back"
check "once nginx is back the outbox empties" wait_for 60 outbox_empty
check "and the server has every line, byte for byte" server_has_log

session 3
wait_plays "$S" 6 30
kill -9 "$LOAXAD_PID"
wait "$LOAXAD_PID" 2>/dev/null
loaxad_start "$S" || bail "loaxad did not restart"
check "after kill -9 and a restart everything arrives" wait_for 60 server_has_log
check "no fork, chain intact: verify passes" verify_ok
check "minisign accepts every segment" server_signed
check "the daemon stops cleanly" loaxad_stop "$S"
if [ -n "${LOAXA_VALGRIND:-}" ]; then
	check "valgrind found nothing" bash -c "! grep -q 'ERROR SUMMARY: [1-9]' $S/valgrind.*.log"
fi

done_testing
