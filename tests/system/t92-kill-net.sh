#!/bin/bash
# kill -9 of loaxad-net in the middle of the daemon's own upload rounds to
# a real nginx, at many moments (spawning, reading the log, cutting and
# signing a segment into the outbox, PUTting it, moving it to sent/,
# PUTting status.json), while sessions go on adding lines; then kill -9 of
# the daemon together with its loaxad-net (a power cut mid-round), twice.
# When the rounds are let be: every as-run line is on the server byte for
# byte, no two segments share a seq, loaxa-province verify passes, and no
# temporary file is left in the outbox or on the server. The broadcast
# never noticed.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-nginx.sh"
. "$(dirname "$0")/lib-upload.sh"

need nginx minisign python3 jq sox
D=$T/station
upload_station "$D" "upload_hold_s = 0;"
tone "$D/audio/a.wav" 0.3 500

# Twelve sessions of one short item, two seconds apart, from second 6.
t0=$(date +%s)
{
	echo "slots = ("
	for i in $(seq 0 11); do
		printf '  { name = "Phiên %d"; start = "%s"; items = ( { file = "a.wav"; } ); }%s\n' "$i" \
			"$(date -d "@$((t0 + 6 + 2 * i))" +%H:%M:%S)" "$([ "$i" = 11 ] && echo "" || echo ,)"
	done
	echo ");"
} >"$D/schedules/s.cfg"

outbox_empty() { ! ls "$D"/state/outbox/*.jsonl >/dev/null 2>&1; }
KILL="python3 $LOAXA_SRC/tests/helpers/kill-child.py"
SYNC="loaxactl -c $D/loaxad.conf sync"

loaxad_start "$D" || bail "loaxad did not start"
check "the first round delivers status.json" wait_for 20 test -s "$SRV/status.json"

# Kill loaxad-net at moments spread over a round (0 to 60 ms after it
# appears; a round takes some tens of ms), while the sessions play.
$KILL "$LOAXAD_PID" --rounds 150 --seconds 26 --max-delay-ms 60 -- $SYNC >"$T/kills.json"
diag "kills: $(cat "$T/kills.json")"
check "many rounds were killed" jqt '.killed >= 20' <"$T/kills.json"
check "at moments spread over a round" jqt '(.delays_ms | length) >= 10' <"$T/kills.json"
check "the daemon says a round was killed" grep -q 'killed by signal 9' "$D/daemon.log"
check "the sessions played through it all" wait_plays "$D" 12 30

# A power cut in the middle of a round: the daemon and its loaxad-net at
# once. Twice, at different moments, with a restart after each (a round
# lasts some milliseconds: up to ten tries to catch one).
for k in 1 2; do
	$KILL "$LOAXAD_PID" --rounds 10 --max-delay-ms $((k * 4)) --parent-too -- $SYNC >>"$T/cuts.json"
	kill -9 "$LOAXAD_PID" 2>/dev/null # (should the round not have come)
	wait "$LOAXAD_PID" 2>/dev/null
	loaxad_start "$D" || bail "loaxad did not start again"
done
diag "power cuts: $(tr '\n' ' ' <"$T/cuts.json")"
check "both power cuts hit a round" test "$(jq -s 'map(select(.killed > 0)) | length' "$T/cuts.json")" = 2
check "the daemon started again after the power cuts" kill -0 "$LOAXAD_PID"

# Let the rounds be.
loaxactl -c "$D/loaxad.conf" sync >/dev/null 2>&1
check "the outbox empties" wait_for 60 outbox_empty
# (a round ends with the status; the lines logged since wait for the next)
loaxactl -c "$D/loaxad.conf" sync >/dev/null 2>&1
check "every as-run line is on the server, byte for byte, once" wait_for 30 server_has_log
check "the segments tile the log: no seq twice, none missing" segments_tile
stations_cfg "$D"
loaxa-province verify --stations "$T/stations.cfg" "$NGINX_DAV/logs" >"$T/verify.out" 2>&1
check "loaxa-province verify passes" grep -q "^$ID: OK, " "$T/verify.out"
sed 's/^/# /' "$T/verify.out" >&2
check "every server segment's signature is minisign's" bash -c "
	for f in $SRV/*.jsonl; do minisign -Vqm \$f -p $D/state/station.pub >/dev/null || exit 1; done"
check "nothing on the server but segments, signatures and status.json" \
	bash -c "! ls -A $SRV | grep -v '\.jsonl\$\|\.jsonl\.minisig\$\|^status\.json\$\|^status\.json\(\.next\)\?\.minisig\$'"
check "no temporary file in the outbox" \
	bash -c "! (ls -A $D/state/outbox; ls -A $D/state/outbox/sent) | grep -q 'tmp'"
check "the daemon stops cleanly" loaxad_stop "$D"
check "the chain is intact" chain_ok "$D"
check "seq has no gap or repeat" bash -c "cat $D/state/airlog/*.jsonl | jq -r .seq | awk 'NR != \$1 { exit 1 }'"
check "every session's item logged complete, once" \
	test "$(play_lines "$D" | jq -r 'select(.status == "complete") | .slot' | sort -u | wc -l)/$(play_lines "$D" | jq -r .slot | sort | uniq -d | wc -l)" = 12/0
done_testing
