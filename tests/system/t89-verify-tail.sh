#!/bin/bash
# loaxa-province verify notices a deleted newest segment. The chain cannot
# show it (nothing follows the last line), so each upload round also sends
# status.json, signed with the station key like the segments, saying what
# the province has: every line up to log_delivered_seq, the last with the
# chain hash log_delivered_sha256. A station's daemon uploads two sessions
# to a real nginx; deleting the newest segment (and its signature) makes
# verify fail, naming the station and the missing seqs, in both signature
# modes; so does editing status.json to hide it. Lines held back while a
# session airs, logged but not yet cut or delivered, are no problem; nor
# is a round cut between the files of status.json.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-nginx.sh"
source "$(dirname "$0")/lib-upload.sh"

need nginx minisign jq sox

S=$T/station
upload_station "$S"
tone "$S/audio/a.wav" 0.5 440
tone "$S/audio/b.wav" 0.5 660
tone "$S/audio/long.wav" 45 550

# verify_out [OPTIONS]: loaxa-province verify of $LOGS; its output in $OUT,
# status in $RC
LOGS=$NGINX_DAV/logs
verify_out() {
	OUT=$(loaxa-province verify --stations "$T/stations.cfg" "$@" "$LOGS" 2>&1)
	RC=$?
	sed 's/^/#   /' <<<"$OUT" >&2
}
verified_ok() { verify_out "$@"; [ "$RC" = 0 ] && grep -q "^$ID: OK, " <<<"$OUT"; }
newest_segment() { ls "$SRV"/*.jsonl | sort | tail -1; }
last_logged() { airlog "$S" | tail -1 | jq .seq; }
status_says() { jq -r "$1" "$SRV/status.json" 2>/dev/null; }
# the server has every line logged so far, and status.json says so
delivered_all() {
	[ "$(status_says .log_delivered_seq)" = "$(last_logged)" ] &&
		[ "$(server_segments | tail -1 | sed 's/.*-0*\([0-9][0-9]*\)\.jsonl$/\1/')" = "$(last_logged)" ]
}

loaxad_start "$S" || bail "loaxad did not start"
wait_for 10 test -s "$S/state/station.pub" || bail "no station key"
stations_cfg "$S"
session 1 a.wav
wait_plays "$S" 1 30 || bail "session 1 did not play"
check "session 1 reaches the server" wait_for 40 delivered_all
# a status.json of an earlier round, with its signature (a round may be
# putting a new pair while they are copied: until the copies fit)
round1() {
	cp "$SRV/status.json" "$T/round1.json" && cp "$SRV/status.json.minisig" "$T/round1.json.minisig" &&
		minisign -Vqm "$T/round1.json" -x "$T/round1.json.minisig" -p "$S/state/station.pub" >/dev/null
}
wait_for 20 round1 || bail "no status.json that verifies"
session 2 b.wav
wait_plays "$S" 2 30 || bail "session 2 did not play"
check "session 2 reaches the server, in a segment of its own" wait_for 40 delivered_all
check "status.json is signed by the station (minisign)" \
	minisign -Vqm "$SRV/status.json" -p "$S/state/station.pub"
newest=$(newest_segment)
check "status.json gives the hash of the last line delivered" \
	test "$(status_says .log_delivered_sha256)" = "$(tail -n 1 "$newest" | sha256sum | cut -d' ' -f1)"
check "verify passes on what the station sent" verified_ok
check "and with --all-signatures" verified_ok --all-signatures

# --- a round cut between the files of status.json ------------------------------------

# (from a copy of the server's folder, which the daemon's rounds go on
# updating)
cp -a "$NGINX_DAV/logs" "$T/logs"
LOGS=$T/logs
SRV=$LOGS/$ID
# A round puts the new signature in status.json.next.minisig, then
# status.json, then status.json.minisig: cut after the first or the
# second, the province holds a pair that verifies either way.
cp "$SRV/status.json" "$T/status-new.json"
cp "$T/round1.json.minisig" "$SRV/status.json.minisig"
verify_out
check "cut after the new status.json: verify passes (its next signature fits)" \
	eval '[ "$RC" = 0 ] && grep -q "^$ID: OK, " <<<"$OUT"'
cp "$T/round1.json" "$SRV/status.json"
check "cut before it: verify passes (the old pair fits)" verified_ok
cp "$T/status-new.json" "$SRV/status.json"
cp "$SRV/status.json.next.minisig" "$SRV/status.json.minisig"

# --- the newest segment deleted ----------------------------------------------------

newest=$SRV/${newest##*/}
first=$(basename "$newest" .jsonl | cut -d- -f3)
last=$(basename "$newest" .jsonl | cut -d- -f4)
range="seq $((10#$first))-$((10#$last))"
[ "$first" = "$last" ] && range="seq $((10#$first))"
mkdir -p "$T/kept"
mv "$newest" "$newest.minisig" "$T/kept/"
verify_out
check "deleted: verify exits 1" test "$RC" = 1
check "deleted: it names the station and the missing seqs" \
	grep -q "^$ID: PROBLEM: $range: missing at the end" <<<"$OUT"
check "deleted: the verdict is FAILED" grep -q "^$ID: FAILED" <<<"$OUT"
verify_out --all-signatures
check "deleted: the same with --all-signatures" \
	eval '[ "$RC" = 1 ] && grep -q "^$ID: PROBLEM: $range: missing at the end" <<<"$OUT"'

# status.json edited to hide it: neither signature fits
cp "$SRV/status.json" "$T/status.json"
jq -c --argjson s "$(( 10#$first - 1 ))" '.log_delivered_seq = $s | del(.log_delivered_sha256)' \
	"$T/status.json" >"$SRV/status.json"
verify_out
check "status.json edited to hide it: verify exits 1" test "$RC" = 1
check "status.json edited: the signature is not the station's" \
	grep -q "^$ID: PROBLEM: status.json: the signature is not the station's" <<<"$OUT"
# and removed with its signature
rm "$SRV/status.json" "$SRV/status.json.minisig"
verify_out
check "status.json removed too: verify exits 1, saying so" \
	eval '[ "$RC" = 1 ] && grep -q "^$ID: PROBLEM: status.json is missing" <<<"$OUT"'
LOGS=$NGINX_DAV/logs
SRV=$LOGS/$ID

# --- lines held back while a session airs ---------------------------------------------

session 3 a.wav long.wav
wait_plays "$S" 3 30 || bail "session 3 did not start"
check "while long.wav airs, a round sends status.json: logged beyond delivered" \
	wait_for 40 bash -c "[ \"\$(jq .last_seq '$SRV/status.json' 2>/dev/null)\" = $(last_logged) ] &&
		[ \"\$(jq .log_delivered_seq '$SRV/status.json')\" -lt $(last_logged) ]"
diag "status.json: $(jq -c '{last_seq, log_last_seq, log_delivered_seq}' "$SRV/status.json")"
check "the held lines are not on the server yet" \
	test "$(server_segments | tail -1 | sed 's/.*-0*\([0-9][0-9]*\)\.jsonl$/\1/')" -lt "$(last_logged)"
check "verify passes: held back is not deleted" verified_ok
check "and with --all-signatures" verified_ok --all-signatures
check "the daemon stops cleanly" loaxad_stop "$S"

done_testing
