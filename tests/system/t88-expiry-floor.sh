#!/bin/bash
# Expiry on a clock that never reports synced. A box without RTC or NTP
# boots three days early; a stale manifest, validly signed, with a version
# above the active one and long expired, is replayed to it. The station
# checks the expiry against the later of its clock and a time it knows has
# passed (the newest as-run line, the active manifest's "issued", the
# clock at its last sync on a trusted clock): the replay is refused with
# that reason and the active manifest stays; a current manifest is still
# accepted on the same early clock. The clock is libfaketime's, for loaxad
# and the loaxad-net it runs; "synced" is the kernel's (adjtimex), which no
# fake reaches, so the daemon part needs a host whose clock is unsynced (as
# a container's is); sync-once --assume-unsynced checks the same on any host.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-nginx.sh"

need nginx minisign jq sox
source "$(dirname "$0")/lib-faketime.sh"
iso() { date -d "@$1" +%Y-%m-%dT%H:%M:%S%:z; }
P=$T/pub
S=$T/station
province_up "$P"
tone "$T/a.wav" 0.5 700
A=$(province_programme "$P" ban-tin-a "$T/a.wav")
now=$(date +%s)
# version 1: issued twenty days ago, good for two weeks more
province_manifest "$P" 1 "[$A]" "[]" "$(iso $((now + 14 * 86400)))" "$(iso $((now - 20 * 86400)))"
province_sign "$P"
province_station "$S" "$P" "sync_interval_s = 3600;"
tone "$S/audio/l.wav" 0.5 500

# A first run on the true clock: version 1, and a session in the as-run log.
slot_file "$S/schedules/s.cfg" "Hôm nay" "$(hhmmss_in 3)" l.wav
loaxad_start "$S" || bail "loaxad did not start"
check "version 1 is active" wait_for 30 grep -q "manifest version 1 .*active" "$S/daemon.log"
check "a session is logged on the true clock" wait_plays "$S" 1 30
check "the daemon stops" loaxad_stop "$S"
seen=$(airlog "$S" | jq -r 'if .type == "play" then .end else .time end' | sort | tail -1)
seen_s=$(date -d "$seen" +%s)
cp "$S/state/manifest.json" "$T/active.json"

# The stale manifest: version 2, issued ten days ago, expired yesterday.
province_manifest "$P" 2 "[$A]" "[]" "$(iso $((now - 86400)))" "$(iso $((now - 10 * 86400)))"
province_sign "$P"

if [ -n "$(airlog "$S" | jq -r 'select(.clock == "synced") | .seq' | head -1)" ]; then
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - the daemon on an early, unsynced clock # SKIP the host clock is synced: loaxad-net trusts it"
else
	# The box boots three days early, and its clock never syncs.
	echo "-$((3 * 86400))" >"$S/faketime"
	faked_start "$S" || bail "loaxad did not start on the early clock"
	check "its start line carries the early clock" \
		test "$(airlog "$S" | jq -r 'select(.type == "start") | .time' | tail -1)" \< "$seen"
	check "the first sync ends" wait_for 30 grep -q "sync failed: " "$S/daemon.log"
	why=$(grep "sync failed: " "$S/daemon.log" | head -1)
	diag "$why"
	check "the replayed, expired manifest is refused" grep -q "manifest rejected: manifest.json: expired" <<<"$why"
	check "the reason names the newest as-run time, which the station has seen" \
		grep -qF "\"expires\" is before $(iso "$seen_s"), a time this station has already seen" <<<"$why"
	check "version 1 stays active" cmp -s "$T/active.json" "$S/state/manifest.json"
	check "loaxactl status tells the operator" \
		bash -c "loaxactl -c '$S/loaxad.conf' status | grep -q 'expired'"

	# A current manifest is accepted on the same early clock.
	province_manifest "$P" 3 "[$A]" "[]" "$(iso $((now + 14 * 86400)))" "$(iso $((now - 3600)))"
	province_sign "$P"
	check "a current version 3 is accepted on the early clock" activated "$S" 3
	check "version 2 never was" bash -c "! grep -q 'manifest version 2 .*active' '$S/daemon.log'"
	check "the daemon stops cleanly" loaxad_stop "$S"
	cp "$S/state/manifest.json" "$T/active.json"
fi

# --- the same through sync-once, on any host ----------------------------------------

# Version 4, expired yesterday, to a station whose newest as-run line is
# today: refused on an untrusted clock that reads a week early.
province_manifest "$P" 4 "[$A]" "[]" "$(iso $((now - 86400)))" "$(iso $((now - 10 * 86400)))"
province_sign "$P"
echo "-$((7 * 86400))" >"$T/faketime"
OUT=$(env LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$T/faketime" FAKETIME_NO_CACHE=1 \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	sync-once -c "$S/loaxad.conf" --assume-unsynced 2>>"$T/sync.log")
diag "sync-once: $OUT"
check "sync-once: the expired manifest is refused on the early, untrusted clock" \
	grep -q "^failed: manifest rejected: manifest.json: expired: \"expires\" is before" <<<"$OUT"
check "sync-once: the active manifest stays" cmp -s "$T/active.json" "$S/state/manifest.json"
OUT=$(env LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$T/faketime" FAKETIME_NO_CACHE=1 \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	sync-once -c "$S/loaxad.conf" --assume-synced 2>>"$T/sync.log")
diag "sync-once: $OUT"
check "sync-once: a clock taken as synced is believed, early as it is" test "$OUT" = "activated 4"

done_testing
