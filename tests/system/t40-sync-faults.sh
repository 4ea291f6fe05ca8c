#!/bin/bash
# Province sync against a misbehaving server (tests/helpers/faultserver.py):
# 5xx, a 1 byte/s stall, a truncated body, a wrong Content-Length, a body
# longer than declared, an ignored Range, a resumed download that fetches
# only the rest, and a disk without room. After each, the store holds only
# verified files and nothing corrupt is kept.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-nginx.sh"

need python3 minisign jq sox

P=$T/pub
S=$T/station
province_init "$P"

python3 "$LOAXA_SRC/tests/helpers/faultserver.py" --root "$P" --port-file "$T/port" \
	--control "$T/control.json" --counters "$T/counters.json" 2>"$T/faultserver.log" &
FS_PID=$!
at_exit "kill $FS_PID 2>/dev/null"
wait_for 10 test -s "$T/port" || bail "faultserver did not start"
URL=http://127.0.0.1:$(cat "$T/port")

# control JSON: what the server does from now on
control() { echo "$1" >"$T/control.json"; }
# served PATH FIELD: a counter of the server's for PATH
served() { jq -r --arg p "$1" '.[$p].'"$2"' // 0' "$T/counters.json" 2>/dev/null || echo 0; }
# requests_done PATH N: the server has finished N requests for PATH
requests_done() { [ "$(served "$1" requests)" -ge "$2" ]; }
# sent_in PATH N: body bytes of the server's answer to the Nth request
# for PATH, once it is over
sent_in() {
	wait_for 20 requests_done "$1" "$2" || { echo -1; return; }
	jq -r --arg p "$1" --argjson n "$2" '.[$p].sent[$n - 1]' "$T/counters.json"
}

# failed_with DESCRIPTION REASON: the last sync failed, naming REASON, and
# left the store clean
failed_with() {
	case $OUT in
	"failed: "*"$2"*) ok "$1: fails ($2)" ;;
	*) not_ok "$1: fails ($2)"; diag "got: $OUT" ;;
	esac
	check "$1: store holds only verified files" store_verified "$S/state"
}

# part_of FILE: the partial download of FILE's content ("" when none)
part_of() { echo "$S/state/store/partial/$(sha256sum "$1" | cut -d' ' -f1).wav.part"; }
# is_prefix PART FILE: PART holds the first bytes of FILE, no other
is_prefix() { [ ! -e "$1" ] || cmp -s -n "$(stat -c %s "$1")" "$1" "$2"; }

tone "$T/a.wav" 1 440 # 192 KB
tone "$T/b.wav" 1 660
tone "$T/c.wav" 1 880
tone "$T/d.wav" 1 550
A=$(province_programme "$P" ban-tin-a "$T/a.wav")
B=$(province_programme "$P" ban-tin-b "$T/b.wav")
C=$(province_programme "$P" ban-tin-c "$T/c.wav")
D=$(province_programme "$P" ban-tin-d "$T/d.wav")
pb=/$(echo "$B" | jq -r .path)
pc=/$(echo "$C" | jq -r .path)
pd=/$(echo "$D" | jq -r .path)
size=$(stat -c %s "$T/b.wav")
half=$((size / 2))

province_manifest "$P" 1 "[$A, $B]" "[]"
province_sign "$P"
station_conf "$S" "province: { manifest_url = \"$URL/manifest.json\";
	public_key = \"$(province_pubkey "$P")\"; };"
mkdir -p "$S/state/airlog"
echo '{"seq":1}' >"$S/state/airlog/2026-01-01.jsonl"
cp "$S/state/airlog/2026-01-01.jsonl" "$T/airlog.orig"

# 5xx on the manifest: nothing happens.
control '{"/manifest.json": {"mode": "status", "code": 503}}'
sync_once "$S"
failed_with "manifest 503" "503"
check "manifest 503: no manifest is active" [ ! -e "$S/state/manifest.json" ]

# The same through the sync thread: each failure is an event, and the
# status keeps the reason.
sync_once "$S" --thread 2
check "thread: two failure events" [ "$(grep -c '^failed: .*503' <<<"$OUT")" = 2 ]
check "thread: status keeps the last error" \
	[ "$(sed -n 3p <<<"$OUT" | jq -r .last_error | grep -c 503)" = 1 ]
check "thread: status: never succeeded" [ "$(sed -n 3p <<<"$OUT" | jq .last_success)" = null ]

# 5xx on one programme: the other is fetched, the manifest is not activated.
control "{\"$pb\": {\"mode\": \"status\", \"code\": 500}}"
sync_once "$S"
failed_with "programme 500" "500"
check "programme 500: no manifest is active" [ ! -e "$S/state/manifest.json" ]
check "programme 500: no partial file" [ ! -e "$(part_of "$T/b.wav")" ]

# 1 byte/s: abandoned after the (shortened) low-speed time.
control "{\"$pb\": {\"mode\": \"stall\", \"rate\": 1}}"
n=$(served "$pb" requests)
sync_once "$S" --low-speed-time 2 --low-speed-limit 100
check "stall: the server saw the client go" wait_for 20 requests_done "$pb" $((n + 1))
failed_with "1 byte/s stall" "slow"
check "stall: given up within 20 s" [ "$ELAPSED" -lt 20 ]
check "stall: what arrived is a true prefix" is_prefix "$(part_of "$T/b.wav")" "$T/b.wav"
check "stall: no manifest is active" [ ! -e "$S/state/manifest.json" ]

# Stopping the thread in the middle of a stalled transfer (default 60 s
# low-speed time) does not wait for the transfer. The stop comes once the
# round's process has had time to reach the stalled file (longer under
# valgrind, where loaxad-net starts many times slower).
n=$(served "$pb" requests)
stop_ms=$((1500 * ${LOAXA_TOL_SCALE:-1}))
sync_once "$S" --thread 1 --stop-after $stop_ms
check "stop: the thread stopped" [ "$(sed -n 1p <<<"$OUT")" = stopped ]
check "stop: it was in the middle of a sync" [ "$(sed -n 2p <<<"$OUT" | jq .running)" = true ]
check "stop: within $((stop_ms / 1000 + 8)) s" [ "$ELAPSED" -lt $((stop_ms / 1000 + 8)) ]
check "stop: what arrived is a true prefix" is_prefix "$(part_of "$T/b.wav")" "$T/b.wav"
check "stop: the server saw the client go" wait_for 20 requests_done "$pb" $((n + 1))
rm -f "$(part_of "$T/b.wav")"

# Truncated body, then a resume that fetches only the rest.
control "{\"$pb\": {\"mode\": \"truncate\", \"after\": $half}}"
n=$(served "$pb" requests)
sync_once "$S"
failed_with "truncated body" "$(basename "$pb")"
check "truncated: the server sent half" [ "$(sent_in "$pb" $((n + 1)))" = "$half" ]
check "truncated: half is kept for later" [ "$(stat -c %s "$(part_of "$T/b.wav")")" = "$half" ]
check "truncated: a true prefix" is_prefix "$(part_of "$T/b.wav")" "$T/b.wav"
control '{}'
sync_once "$S"
check "resumed: activated" [ "$OUT" = "activated 1" ]
check "resumed: one more request" [ "$(sent_in "$pb" $((n + 2)))" != -1 ]
check "resumed: the server sent only the rest" \
	[ "$(sent_in "$pb" $((n + 2)))" = "$((size - half))" ]
check "in all, the file crossed the network once" \
	[ "$(($(sent_in "$pb" $((n + 1))) + $(sent_in "$pb" $((n + 2)))))" = "$size" ]
check "resumed: asked with Range from the half" \
	[ "$(jq -r --arg p "$pb" '.[$p].ranges[-1]' "$T/counters.json")" = "bytes=$half-" ]
check "resumed: the file is whole in the store" store_has "$S/state" "$T/b.wav"
check "resumed: store verified" store_verified "$S/state"
check "resumed: no partial file left" [ -z "$(ls -A "$S/state/store/partial")" ]

# Ignored Range: the server answers 200 with everything; we start over.
province_manifest "$P" 2 "[$A, $C]" "[]"
province_sign "$P"
control "{\"$pc\": {\"mode\": \"truncate\", \"after\": $half}}"
sync_once "$S"
failed_with "truncated again" "$(basename "$pc")"
control "{\"$pc\": {\"mode\": \"norange\"}}"
n=$(served "$pc" requests)
sync_once "$S"
check "ignored Range: activated" [ "$OUT" = "activated 2" ]
check "ignored Range: asked with Range" \
	[ "$(jq -r --arg p "$pc" '.[$p].ranges[-1]' "$T/counters.json")" = "bytes=$half-" ]
check "ignored Range: the whole file came again" [ "$(sent_in "$pc" $((n + 1)))" = "$size" ]
check "ignored Range: the store file is whole" store_has "$S/state" "$T/c.wav"
check "ignored Range: store verified" store_verified "$S/state"
check "version 2 dropped b" store_lacks "$S/state" "$T/b.wav"

# A body longer than declared, and a Content-Length that lies.
province_manifest "$P" 3 "[$A, $D]" "[]"
province_sign "$P"
control "{\"$pd\": {\"mode\": \"extra\", \"bytes\": 1000}}"
sync_once "$S"
failed_with "longer body" "declared"
check "longer body: nothing kept" [ ! -e "$(part_of "$T/d.wav")" ]
control "{\"$pd\": {\"mode\": \"wronglen\", \"delta\": -100}}"
sync_once "$S"
failed_with "short Content-Length" "$(basename "$pd")"
check "short Content-Length: a true prefix kept" is_prefix "$(part_of "$T/d.wav")" "$T/d.wav"
check "short Content-Length: version 2 stays active" \
	[ "$(jq .version "$S/state/manifest.json")" = 2 ]
rm "$(part_of "$T/d.wav")"
control "{\"$pd\": {\"mode\": \"wronglen\", \"delta\": 100}}"
sync_once "$S"
failed_with "long Content-Length" "declared"
check "long Content-Length: nothing kept" [ ! -e "$(part_of "$T/d.wav")" ]

# No length announced, and more bytes than declared: cut at the declared
# size, never written beyond it.
control "{\"$pd\": {\"mode\": \"nolength\", \"extra\": 5000}}"
sync_once "$S"
failed_with "unannounced longer body" "sent more than the declared"
check "unannounced longer body: nothing kept" [ ! -e "$(part_of "$T/d.wav")" ]

# A resumed request answered with another range than asked for.
control "{\"$pd\": {\"mode\": \"truncate\", \"after\": $half}}"
sync_once "$S"
failed_with "truncated d" "$(basename "$pd")"
control "{\"$pd\": {\"mode\": \"badrange\"}}"
sync_once "$S"
failed_with "wrong range" "another range"
check "wrong range: the partial file is dropped" [ ! -e "$(part_of "$T/d.wav")" ]

# No room on the disk (beyond what the as-run log keeps free).
control '{}'
sync_once "$S" --reserve-bytes 999999999999999
failed_with "disk full" "not enough disk space"
check "disk full: nothing partial written" [ ! -e "$(part_of "$T/d.wav")" ]
check "disk full: version 2 stays active" [ "$(jq .version "$S/state/manifest.json")" = 2 ]

# A partial file longer than the file can be (say, of an older publication):
# dropped, fetched from the start.
head -c $((size + 50)) /dev/urandom >"$(part_of "$T/d.wav")"
sync_once "$S"
check "then version 3 goes through" [ "$OUT" = "activated 3" ]
check "with d whole in the store" store_has "$S/state" "$T/d.wav"
check "the as-run log was never touched" cmp -s "$T/airlog.orig" "$S/state/airlog/2026-01-01.jsonl"
check "nothing else in the as-run log folder" [ "$(ls -A "$S/state/airlog")" = 2026-01-01.jsonl ]

# A disk that really fills up in the middle of a download (a small tmpfs
# as state_dir; needs the right to mount).
D2=$T/small
station_conf "$D2" "province: { manifest_url = \"$URL/manifest.json\";
	public_key = \"$(province_pubkey "$P")\"; };"
if mount -t tmpfs -o size=1m tmpfs "$D2/state" 2>/dev/null; then
	at_exit "umount '$D2/state'"
	mkdir -p "$D2/state/airlog"
	echo '{"seq":1}' >"$D2/state/airlog/2026-01-01.jsonl"
	dpart2=$D2/state/store/partial/${pd##*/}.part
	control "{\"$pd\": {\"mode\": \"stall\", \"rate\": 8192}}"
	sync-once -c "$D2/loaxad.conf" --reserve-bytes 1 >"$T/small.out" 2>>"$T/sync.log" &
	sync_pid=$!
	wait_for 20 test -s "$dpart2"
	dd if=/dev/zero of="$D2/state/fill" bs=4096 2>/dev/null
	wait $sync_pid
	OUT=$(cat "$T/small.out")
	echo "# sync-once: $OUT" >&2
	case $OUT in
	"failed: "*"No space left on device"*) ok "disk filled up: fails (No space left)" ;;
	*) not_ok "disk filled up: fails (No space left)"; diag "got: $OUT" ;;
	esac
	check "disk filled up: the partial file is dropped" [ ! -e "$dpart2" ]
	check "disk filled up: store holds only verified files" store_verified "$D2/state"
	check "disk filled up: nothing activated" [ ! -e "$D2/state/manifest.json" ]
	check "disk filled up: the as-run log is intact" \
		cmp -s "$T/airlog.orig" "$D2/state/airlog/2026-01-01.jsonl"
	rm "$D2/state/fill"
	control '{}'
	sync_once "$D2" --reserve-bytes 1
	check "disk with room again: activated" [ "$OUT" = "activated 3" ]
	check "disk with room again: store verified" store_verified "$D2/state"
else
	ok "# SKIP disk filling up: cannot mount a tmpfs here"
fi

done_testing
