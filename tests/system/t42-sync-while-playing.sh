#!/bin/bash
# A slow download never delays a broadcast: while a large programme trickles
# in from the province, a scheduled item starts on its second.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-audio.sh"

P=$T/pub
mkdir -p "$T/src"
sox -n -r 48000 -c 2 -b 16 "$T/src/big.wav" synth 120 pinknoise vol 0.3 2>/dev/null  # ~23 MB
loaxa-province keygen --key "$T/prov.key" --pub "$T/prov.pub" >/dev/null 2>&1
loaxa-province publish --key "$T/prov.key" --programmes "$T/src" --out "$P" --province test >/dev/null 2>&1
check "published" test -s "$P/manifest.json.minisig"

python3 "$LOAXA_SRC/tests/helpers/faultserver.py" --root "$P" --port-file "$T/port" \
	--control "$T/control.json" --counters "$T/counters.json" 2>"$T/faultserver.log" &
at_exit "kill $! 2>/dev/null"
echo '{ "*": { "mode": "ok" }, "/programmes/'"$(ls "$P/programmes")"'": { "mode": "stall", "rate": 20000 } }' >"$T/control.json"
wait_for 10 test -s "$T/port" || bail "faultserver did not start"

station_conf "$T" "province: { manifest_url = \"http://127.0.0.1:$(cat "$T/port")/manifest.json\"; public_key = \"$(sed -n 2p "$T/prov.pub")\"; };"
tone "$T/audio/a.wav" 1.0 500
tone "$T/audio/b.wav" 1.0 1000
slot_file "$T/schedules/s.cfg" "Giữa lúc tải" "$(hhmmss_in 6)" a.wav b.wav
loaxad_start "$T"
check "the download is under way" wait_for 10 bash -c "ls $T/state/store/partial/*.part >/dev/null 2>&1"
check "both items aired" wait_plays "$T" 2 30
check "the download is still trickling (not activated)" bash -c "! grep -q 'is active' $T/daemon.log"
part=$(stat -c %s "$T"/state/store/partial/*.part 2>/dev/null || echo 0)
check "part of the programme has arrived ($part bytes)" test "$part" -gt 0
loaxad_stop "$T"
play_lines "$T" >"$T/plays"
while read -r line; do
	err=$(seconds_between "$(jq -r .scheduled <<<"$line")" "$(jq -r .start <<<"$line")")
	check "$(jq -r .file <<<"$line") on its second during the download (${err}s)" near_t "$err" 0 0.05
	check "$(jq -r .file <<<"$line") complete" test "$(jq -r .status <<<"$line")" = complete
done <"$T/plays"
segments "$T/out.wav" >"$T/segs"
check "no gap in the audio" test "$(awk '$1=="silence"' "$T/segs" | wc -l)" = 0
check "the store holds no unverified file" bash -c "! ls $T/state/store/*.wav 2>/dev/null"
done_testing
