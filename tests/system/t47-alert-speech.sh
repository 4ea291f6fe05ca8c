#!/bin/bash
# A warning sent as text only: the station speaks it with espeak-ng's
# Vietnamese voice, numbers, dates, times and units in words, after the
# lead-in tone. The speech heard on the output is compared with espeak-ng
# itself run on the same normalised text. A second station, which polls
# no alert index (alert_url = ""), gets the same warning from the
# manifest's "alerts" list at its sync.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-audio.sh"
source "$(dirname "$0")/lib-nginx.sh"
source "$(dirname "$0")/lib-alert.sh"

need espeak-ng
P=$T/pub
province_up "$P"
station_alert_conf "$T"
loaxad_start "$T" || bail "loaxad did not start"

head="Cảnh báo lũ quét"
desc="Từ 14h30 ngày 12/10/2026 mưa 150-200mm, gió giật cấp 12."
inst="Người dân không ra khơi"
cap_xml "$T/text.xml" T47-1 severity=Extreme level=5 headline="$head" description="$desc" \
	instruction="$inst" station=""  dvhc=24
loaxa-province alert --key "$P.sec" --out "$P" "$T/text.xml" >"$T/pub.out" 2>&1
check "the province publishes a text-only alert" grep -q "in place at" "$T/pub.out"
check "it names no audio" bash -c "! grep -q '<resource' $P/alerts/*.xml"
check "it is spoken and logged" wait_for 30 bash -c "cat $T/state/airlog/*.jsonl | grep -q '\"identifier\":\"T47-1\".*\"status\":\"complete\"'"

# the second station: no alert index, the manifest only
mkdir -p "$T/b"
station_alert_conf "$T/b" 'alert_url = "";'
loaxad_start "$T/b" || bail "the second loaxad did not start"
check "the manifest-only station gets it at its sync, and speaks it" \
	wait_for 30 bash -c "cat $T/b/state/airlog/*.jsonl 2>/dev/null | grep -q '\"identifier\":\"T47-1\".*\"status\":\"complete\"'"
check "it read no alert index" bash -c "! grep -q 'alerts.json' $T/b/daemon.log"
loaxad_stop "$T/b"
loaxad_stop "$T"

line=$(alert_lines "$T" | jq -c 'select(.identifier == "T47-1")')
diag "$line"
check "severity and level in the log" jqt '.severity == "Extreme" and .level == 5 and .repeats == 1' <<<"$line"
# what the station was to say: headline, description, instruction, a full
# stop after each, normalised as loaxad-speak does, spoken by espeak-ng
printf '%s.\n%s\n%s.' "$head" "$desc" "$inst" | loaxad-speak --normalise >"$T/said.txt"
diag "normalised: $(cat "$T/said.txt")"
check "the text was normalised: numbers, time, date, range, unit in words" \
	grep -q "mười bốn giờ ba mươi phút ngày mười hai tháng mười năm hai nghìn không trăm hai mươi sáu mưa một trăm năm mươi đến hai trăm mi li mét, gió giật cấp mười hai" "$T/said.txt"
espeak-ng -v vi -w "$T/ref.wav" -f "$T/said.txt"
# the speech's extent: from the first to the last sample above -45 dBFS
speech_s() { sox "$1" "$2" silence 1 0.01 -45d reverse silence 1 0.01 -45d reverse 2>/dev/null && soxi -D "$2"; }
sox "$T/out.wav" "$T/heard.wav" trim 2.5
ref=$(speech_s "$T/ref.wav" "$T/ref-trim.wav")
got=$(speech_s "$T/heard.wav" "$T/heard-trim.wav")
diag "speech heard $got s, espeak-ng alone $ref s"
check "the speech heard lasts as long as espeak-ng's (±10%)" \
	near "$got" "$ref" "$(awk -v r="$ref" 'BEGIN { print r * 0.1 }')"
rms=$(sox "$T/heard-trim.wav" -n stat 2>&1 | awk '/RMS +amplitude/ { print $3 }')
check "it is sound, not silence (RMS $rms)" awk -v r="$rms" 'BEGIN { exit !(r > 0.01) }'
check "the logged duration is the lead-in and the speech" \
	near "$(jq -r .duration_s <<<"$line")" "$(awk -v r="$(soxi -D "$T/ref.wav")" 'BEGIN { print r + 2.5 }')" 0.3
segments "$T/out.wav" >"$T/segs"
check "the lead-in tone first" test "$(tones_only "$T/segs" | awk 'NR == 1 { print ($3 > 1000 && $3 < 1100) ? "lead" : $3 }')" = lead
check "the same for the manifest-only station" \
	near "$(alert_lines "$T/b" | jq -r 'select(.identifier == "T47-1") | .duration_s')" "$(jq -r .duration_s <<<"$line")" 0.01
check "no speech file is left behind" bash -c "! ls $T/state/alerts/ | grep -q speech"
check "the as-run log's chain is intact" chain_ok "$T"
done_testing
