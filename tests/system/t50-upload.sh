#!/bin/bash
# Upload of the as-run log to a real nginx with WebDAV PUT, one round at a
# time (tests/helpers/upload-once runs what the daemon's upload thread runs):
# every line arrives byte for byte, signed so that minisign and
# loaxa-province verify accept it; with nginx stopped for several rounds the
# segments wait in the outbox and then all arrive, each once; kill -9 in
# the middle of rounds loses nothing, sends nothing twice, forks nothing.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-nginx.sh"
source "$(dirname "$0")/lib-upload.sh"

need nginx minisign python3 jq

S=$T/station
upload_station "$S"

# upload_once [OPTIONS]: one round; its output in $OUT, exit status in $RC
upload_once() {
	local pre=()
	[ -n "${LOAXA_VALGRIND:-}" ] && pre=("${VALGRIND[@]}" --log-file="$T/valgrind.%p.log")
	OUT=$("${pre[@]}" upload-once -c "$S/loaxad.conf" --connect-timeout 3 "$@" 2>>"$T/upload.log")
	RC=$?
	echo "# upload-once: $(echo "$OUT" | tr '\n' ' ')" >&2
	[ "$RC" -le 1 ] || { not_ok "upload-once exited $RC"; cat "$T"/valgrind.*.log >&2 2>/dev/null; }
}

# more_log DAYS FROM: the station logs DAYS more days, from date FROM
more_log() {
	genlogs --airlog "$S/state/airlog" --station "$ID" --days "$1" --from "$2" \
		--seed "${RANDOM}" >/dev/null || bail "genlogs"
}

# Each segment on the server was PUT exactly once (and its signature too).
each_put_once() {
	local f name n
	for f in $(server_segments); do
		name=${f##*/}
		n=$(grep -c "^PUT /logs/$ID/$name 20[14] " "$NGINX_ACCESS_LOG")
		[ "$n" = 1 ] || { diag "$name PUT $n times"; return 1; }
		n=$(grep -c "^PUT /logs/$ID/$name.minisig 20[14] " "$NGINX_ACCESS_LOG")
		[ "$n" = 1 ] || { diag "$name.minisig PUT $n times"; return 1; }
	done
}

# --- the normal case ------------------------------------------------------------

more_log 3 2026-11-01
upload_once
check "a round succeeds" [ "$RC" = 0 ]
check "it made the station key" eval '[ -s "$S/state/station.key" ] && [ -s "$S/state/station.pub" ]'
check "station.key is private" [ "$(stat -c %a "$S/state/station.key")" = 600 ]
check "station.pub is a minisign public key of this station" \
	grep -qx "untrusted comment: loaxa station $ID public key" "$S/state/station.pub"
check "one segment was cut and sent" \
	eval '[ "$(grep -c "^cut " <<<"$OUT")" = 1 ] && [ "$(grep -c "^sent " <<<"$OUT")" = 1 ]'
check "the segment is named station-first-last" \
	grep -q "^sent $ID-0000000001-00000000[0-9][0-9].jsonl$" <<<"$OUT"
check "every log line is on the server, byte for byte" server_has_log
check "the server's segments are the station's, and minisign accepts them" server_signed --sent
check "status.json arrived and says the outbox is empty" \
	[ "$(jq -r '.outbox' "$SRV/status.json")" = 0 ]
check "status.json names the station and the last seq cut" \
	eval '[ "$(jq -r .station "$SRV/status.json")" = "$ID" ] &&
	[ "$(jq -r .log_last_seq "$SRV/status.json")" = "$(cat "$S/state/outbox/.cut")" ]'
check "status.json says every line cut was delivered, with the last one's hash" \
	eval '[ "$(jq -r .log_delivered_seq "$SRV/status.json")" = "$(cat "$S/state/outbox/.cut")" ] &&
	[ "$(jq -r .log_delivered_sha256 "$SRV/status.json")" = \
	  "$(tail -n 1 "$(server_segments | tail -1)" | sha256sum | cut -d" " -f1)" ]'
check "status.json is signed by the station: minisign accepts it" \
	minisign -Vqm "$SRV/status.json" -p "$S/state/station.pub"
check "the outbox is empty" [ "$(outbox_count)" = 0 ]
check "loaxa-province verify passes" verify_ok

more_log 2 2026-11-04
upload_once --status '{"version":"0.1.0","now_playing":null}'
check "new lines make one new segment" [ "$(grep -c '^sent ' <<<"$OUT")" = 1 ]
check "status.json carries the daemon's status" [ "$(jq -r '.version' "$SRV/status.json")" = 0.1.0 ]
upload_once
check "a round with nothing new sends no segment" \
	eval '[ "$RC" = 0 ] && ! grep -q "^sent " <<<"$OUT" && grep -q "^status " <<<"$OUT"'
check "still byte for byte" server_has_log
check "each segment was PUT once" each_put_once

# --- nginx stopped for several rounds ----------------------------------------------

nginx_stop
for d in 06 08 10; do
	more_log 2 "2026-11-$d"
	upload_once
done
check "rounds fail while the server is down" eval '[ "$RC" = 1 ] && grep -q "^failed: " <<<"$OUT"'
check "the segments wait in the outbox" [ "$(outbox_count)" = 3 ]
check "each waiting segment has its signature" \
	[ "$(ls "$S"/state/outbox/*.jsonl.minisig | wc -l)" = 3 ]
nginx_again || bail "nginx did not come back"
upload_once
check "once the server is back, all three go in one round" \
	eval '[ "$RC" = 0 ] && [ "$(grep -c "^sent " <<<"$OUT")" = 3 ]'
check "in seq order" [ "$(grep '^sent ' <<<"$OUT")" = "$(grep '^sent ' <<<"$OUT" | sort)" ]
check "everything logged is on the server, byte for byte" server_has_log
check "nothing was sent twice" each_put_once
check "minisign accepts every segment" server_signed --sent
check "verify passes after the outage" verify_ok

# --- kill -9 in the middle of rounds -----------------------------------------------

for i in 1 2 3 4 5 6 7 8; do
	more_log 20 "$(date -d "2026-12-01 + $((i * 20)) days" +%Y-%m-%d)"
	upload-once -c "$S/loaxad.conf" >>"$T/killed.log" 2>&1 &
	pid=$!
	sleep "$(printf "0.%03d" $((RANDOM % 40)))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
done
upload_once
check "after the kills a round delivers the rest" eval '[ "$RC" = 0 ] && [ "$(outbox_count)" = 0 ]'
check "nothing lost: every line is on the server, byte for byte, once" server_has_log
check "no fork: verify passes" verify_ok
last=$(server_segments | tail -1)
mv "$last" "$T/"
check "the newest segment deleted on the server: verify fails, naming the seqs" \
	eval '! verify_ok && grep -q "^$ID: PROBLEM: seq [0-9-]*: missing at the end" "$T/verify.out"'
mv "$T/${last##*/}" "$SRV/"
check "minisign accepts every segment after the kills" server_signed --sent
check "no temporary file is left" [ -z "$(find "$S/state/outbox" -name '*.tmp')" ]

done_testing
