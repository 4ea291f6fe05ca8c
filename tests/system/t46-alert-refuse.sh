#!/bin/bash
# Alerts that must never play: for another area, not Actual, expired, the
# same identifier again, an index signed with another key, an index
# edited after signing, an older index replayed, an expired index. Each
# is refused once, with its reason in the as-run log, and nothing is
# heard; then a good alert plays, so the refusals were not a dead path.
# The bad publications are made by hand (jq, the real minisign), as an
# attacker or a broken tool would make them.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-audio.sh"
source "$(dirname "$0")/lib-nginx.sh"
source "$(dirname "$0")/lib-alert.sh"

P=$T/pub
province_up "$P"
province_init "$T/other"
station_alert_conf "$T"
tone "$T/msg.wav" 1.0 1500 48000 1
loaxad_start "$T" || bail "loaxad did not start"

refusals() { alert_lines "$T" | jq -r 'select(.status == "refused") | .reason'; }
nrefused() { refusals | wc -l; }
# wait_refusals N: until N refusals are logged
wait_refusals() { wait_for 15 bash -c "[ \$(cat $T/state/airlog/*.jsonl | grep '\"type\":\"alert\"' | grep -c '\"status\":\"refused\"') -ge $1 ]"; }
# add_to_index CAP: the message into the tree and the index, version + 1,
# as a tool would; signed with nothing yet
add_to_index() {
	local h n
	h=$(sha256sum "$1" | cut -d' ' -f1) n=$(stat -c %s "$1")
	cp "$1" "$P/alerts/$h.xml"
	jq --arg p "alerts/$h.xml" --arg h "$h" --argjson n "$n" --arg i "$(iso_in 0)" \
		'.version += 1 | .issued = $i | .alerts += [{path: $p, sha256: $h, bytes: $n}]' \
		"$P/alerts.json" >"$T/idx.tmp" && mv "$T/idx.tmp" "$P/alerts.json"
}
save_pair() { cp -p "$P/alerts.json" "$T/$1.json" && cp -p "$P/alerts.json.minisig" "$T/$1.minisig"; }
restore_pair() { cp -p "$T/$1.minisig" "$P/alerts.json.minisig" && cp -p "$T/$1.json" "$P/alerts.json"; }

# 1. for another area (published by the real tool: it only warns)
cap_xml "$T/area.xml" T46-area station=other-station
loaxa-province alert --key "$P.sec" --out "$P" "$T/area.xml" >"$T/p1.out" 2>&1
check "another area: published" grep -q "in place at" "$T/p1.out"
save_pair v1
check "another area: refused" wait_refusals 1
# 2. a Test message
cap_xml "$T/test.xml" T46-test status=Test
loaxa-province alert --key "$P.sec" --out "$P" "$T/test.xml" >"$T/p2.out" 2>&1
check "status Test: the tool warns" grep -q "will not broadcast" "$T/p2.out"
check "status Test: refused" wait_refusals 2
# 3. an expired message (the tool would refuse it; made by hand)
cap_xml "$T/expired.xml" T46-expired expires_in=-60
add_to_index "$T/expired.xml"
index_resign "$P"
check "expired message: refused" wait_refusals 3
# 4. the same identifier again, other content
cap_xml "$T/dup.xml" T46-area headline="Lần nữa"
add_to_index "$T/dup.xml"
index_resign "$P"
save_pair v4
check "same identifier again: refused" wait_refusals 4
# 5. an index signed with another key
cap_xml "$T/forged.xml" T46-forged
add_to_index "$T/forged.xml"
index_resign "$P" "$T/other.sec"
check "another key: refused" wait_refusals 5
restore_pair v4
# 6. an index edited after it was signed
jq '.expires = "2099-01-01T00:00:00+07:00"' "$P/alerts.json" >"$T/idx.tmp" && mv "$T/idx.tmp" "$P/alerts.json"
touch -d "@$(($(date +%s) + 500))" "$P/alerts.json"
check "edited index: refused" wait_refusals 6
restore_pair v4
# 7. an older index replayed
restore_pair v1
check "older index replayed: refused" wait_refusals 7
restore_pair v4
# and then a good one
cap_xml "$T/good.xml" T46-good dvhc=24213 station=""
loaxa-province alert --key "$P.sec" --out "$P" --audio "$T/msg.wav" "$T/good.xml" >"$T/p9.out" 2>&1
check "a good alert: published" grep -q "in place at" "$T/p9.out"
check "a good alert: it plays" wait_for 15 bash -c "cat $T/state/airlog/*.jsonl | grep -q '\"identifier\":\"T46-good\".*\"status\":\"complete\"'"
sleep 2
loaxad_stop "$T"
# 8. an expired index. The expiry of an index (as of a manifest) is judged
# only on a clock the kernel says is synchronised, which a test machine's
# may not be: the watcher is run on its own, told to trust it.
jq --arg i "$(iso_in -7200)" --arg e "$(iso_in -3600)" '.version += 1 | .issued = $i | .expires = $e' \
	"$P/alerts.json" >"$T/idx.tmp" && mv "$T/idx.tmp" "$P/alerts.json"
index_resign "$P"
loaxad-net alerts -c "$T/loaxad.conf" --once --clock-trusted 1 </dev/null >"$T/once.out" 2>>"$T/daemon.log"
check "expired index: refused by the watcher" \
	jqt 'select(.event == "refused") | .reason == "alerts.json: expired: \"expires\" is in the past"' \
	<<<"$(grep '"refused"' "$T/once.out")"

refusals >"$T/reasons"
alert_lines "$T" >"$T/alerts"
diag "$(cat "$T/reasons")"
has() { [ "$(grep -c -- "$1" "$T/reasons")" = 1 ]; }
check "another area: the reason, once" has "for another area: no <geocode> names this station"
check "status Test: the reason, once" has "status Test: only Actual messages are broadcast"
check "expired message: the reason, once" has "^expired at "
check "same identifier again: the reason, once" has "duplicate: a message T46-area from pctt@test.vn was received before"
check "another key: the reason, once" has "^alerts.json: signature: key id mismatch$"
check "edited index: the reason, once" has "^alerts.json: signature: signature does not verify$"
check "older index replayed: the reason, once" \
	has "^alerts.json: version 1 is older than the accepted version 4 (rollback)$"
check "seven refusals, no more" test "$(wc -l <"$T/reasons")" = 7
check "a refused message is named: identifier, sender, severity" \
	jqt '.sender == "pctt@test.vn" and .severity == "Severe" and (.sha256 | length) == 64' \
	<<<"$(jq -c 'select(.identifier == "T46-expired")' "$T/alerts")"
check "its sha256 is the message's" test "$(jq -r 'select(.identifier == "T46-expired") | .sha256' "$T/alerts")" = \
	"$(sha256sum "$T/expired.xml" | cut -d' ' -f1)"
check "a refused index names no message" \
	jqt '.identifier == null and .sha256 == null and .repeat == null' \
	<<<"$(jq -c 'select((.reason // "") | test("key id mismatch"))' "$T/alerts")"
check "the forged message left no trace but its refusal" bash -c "! grep -q T46-forged $T/state/airlog/*.jsonl"
check "only the good alert aired" test "$(jq -r 'select(.status == "complete") | .identifier' "$T/alerts")" = T46-good
segments "$T/out.wav" >"$T/segs"
check "heard: one lead-in tone and its message, nothing else" \
	test "$(tones_only "$T/segs" | awk '{ printf "%s ", ($3 > 1000 && $3 < 1100) ? "lead" : ($3 > 1400 && $3 < 1600) ? "msg" : $3 }')" = "lead msg "
check "the as-run log's chain is intact" chain_ok "$T"
done_testing
