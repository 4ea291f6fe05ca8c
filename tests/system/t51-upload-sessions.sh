#!/bin/bash
# A broadcast session makes one log segment: while it airs, the upload
# rounds send status.json but leave its lines uncut; the segment is cut and
# sent when the session ends. With province.upload_hold_s shorter than the
# session, its lines are cut while it still airs.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-nginx.sh"

need nginx python3 sox jq

ID=test-station
mkdir -p "$T/www"
nginx_start "$T/www" || bail "nginx"
SRV=$NGINX_DAV/logs/$ID

# seq of the play line of FILE in station S's log ("" before it aired)
seq_of() { play_lines "$1" | jq -r --arg f "$2" 'select(.file == $f) | .seq'; }
aired() { [ -n "$(seq_of "$1" "$2")" ]; }
# the server's segments as "FIRST LAST", one a line
server_ranges() {
	local f
	for f in "$SRV"/*.jsonl; do
		[ -e "$f" ] || continue
		f=$(basename "$f" .jsonl)
		f=${f#"$ID"-}
		echo "$((10#${f%-*})) $((10#${f#*-}))"
	done
}
# on_server SEQ: some segment on the server holds SEQ
on_server() { server_ranges | awk -v s="$1" '$1 <= s && s <= $2 { f = 1 } END { exit !f }'; }
# one_segment A B: one segment on the server holds exactly A..B
one_segment() { server_ranges | grep -qx "$1 $2"; }
not() { ! "$@"; }
status_mtime() { stat -c %Y "$SRV/status.json" 2>/dev/null; }
status_moved() { [ "$(status_mtime)" != "$1" ]; }

# run NAME HOLD: a station with upload_hold_s = HOLD airs a.wav, long.wav
# (20 s, so that upload rounds, every 10 s, run inside it) and b.wav in one
# session; returns once a.wav is logged, with its seq in A
run() {
	S=$T/$1
	rm -rf "$SRV"
	station_conf "$S" "province: { log_url = \"$NGINX_URL/logs/\"; upload_interval_s = 10; upload_hold_s = $2; };"
	tone "$S/audio/a.wav" 0.6 440
	tone "$S/audio/long.wav" 20 550
	tone "$S/audio/b.wav" 0.4 660
	loaxad_start "$S" || bail "loaxad did not start"
	wait_for 20 test -s "$SRV/status.json" || bail "the first upload round did not run"
	slot_file "$S/schedules/s.cfg" "Phiên dài" "$(hhmmss_in 3)" a.wav long.wav b.wav
	kill -HUP "$LOAXAD_PID"
	wait_for 60 aired "$S" a.wav || bail "a.wav was not logged"
	A=$(seq_of "$S" a.wav)
}

# --- the default hold (3600 s): the session is one segment -----------------
run held 3600
was=$(status_mtime)
check "an upload round runs while long.wav airs" wait_for 18 status_moved "$was"
check "and b.wav has not aired yet" not aired "$S" b.wav
check "that round left a.wav's line (seq $A) uncut" not on_server "$A"
wait_for 60 aired "$S" b.wav || bail "the session did not end"
B=$(seq_of "$S" b.wav)
check "after the session its lines arrive as one segment, seq $A to $B" wait_for 30 one_segment "$A" "$B"
check "the daemon stops cleanly" loaxad_stop "$S"

# --- a hold shorter than the session: cut while it airs -----------------------
run short 5
check "with upload_hold_s = 5, a.wav's line (seq $A) arrives while the session airs" \
	wait_for 25 on_server "$A"
check "before b.wav has aired" not aired "$S" b.wav
wait_for 60 aired "$S" b.wav || bail "the session did not end"
B=$(seq_of "$S" b.wav)
check "the rest arrives after the session (seq $B)" wait_for 30 on_server "$B"
check "the daemon stops cleanly" loaxad_stop "$S"

done_testing
