#!/bin/bash
# A scheduled session on the wav driver: every format, in order, gapless,
# each item its true length, started on its second, logged.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

station_conf "$T"
A=$T/audio
tone "$A/a.wav" 1.0 400 48000 2
tone "$A/b.flac" 0.8 800 44100 1
sox -n -r 22050 -c 2 "$A/c.ogg" synth 1.2 sine 1200 vol 0.5 2>/dev/null
sox -n -r 32000 -c 1 -b 24 "$A/d.wav" synth 0.6 sine 2000 vol 0.5 2>/dev/null
have_opus=0
if command -v opusenc >/dev/null; then
	sox -n -r 48000 -c 1 -b 16 "$T/e.wav" synth 0.9 sine 2800 vol 0.5 2>/dev/null
	opusenc --quiet "$T/e.wav" "$A/e.opus" && have_opus=1
fi
files=(a.wav b.flac c.ogg d.wav)
[ $have_opus = 1 ] && files+=(e.opus)
slot_file "$T/schedules/test.cfg" "Bản tin thử" "$(hhmmss_in 4)" "${files[@]}"
n_items=$((4 + have_opus))

loaxad_start "$T"
check "daemon started" kill -0 "$LOAXAD_PID"
check "all $n_items items logged" wait_for 30 bash -c "[ \$(cat $T/state/airlog/*.jsonl | grep -c '\"type\":\"play\"') -ge $n_items ]"
check "daemon stops cleanly on SIGTERM" loaxad_stop "$T"

play_lines "$T" >"$T/plays"
check "each item complete" test "$(jq -r .status "$T/plays" | sort -u)" = complete
check "items in schedule order" test "$(jq -r .file "$T/plays" | tr '\n' ' ')" = "${files[*]} "
i=0
while read -r line; do
	i=$((i + 1))
	sched=$(jq -r .scheduled <<<"$line") st=$(jq -r .start <<<"$line")
	err=$(seconds_between "$sched" "$st")
	check "item $i started within 50 ms of its scheduled time (${err}s)" near_t "$err" 0 0.050
	check "item $i played its whole length" near_t "$(jq .played_s <<<"$line")" "$(jq .duration_s <<<"$line")" 0.050
	check "item $i has sha256 of the file" test "$(jq -r .sha256 <<<"$line")" = \
		"$(sha256sum "$A/$(jq -r .file <<<"$line")" | cut -d' ' -f1)"
	check "item $i measured peak and rms" jqt '.peak_dbfs < -3 and .peak_dbfs > -9 and .rms_dbfs < .peak_dbfs' <<<"$line"
done <"$T/plays"

segments "$T/out.wav" >"$T/segs"
check "output is 48000 Hz stereo" grep -q '^format 48000 2 ' "$T/segs"
tones_only "$T/segs" >"$T/tones"
diag "$(cat "$T/tones")"
check "one tone per item" test "$(wc -l <"$T/tones")" = "$n_items"
exp_len=(1.0 0.8 1.2 0.6 0.9)
exp_freq=(400 800 1200 2000 2800)
for k in $(seq 0 $((n_items - 1))); do
	read -r s e f < <(sed -n "$((k + 1))p" "$T/tones")
	check "tone $((k + 1)) is ${exp_freq[$k]} Hz ($f)" near "$f" "${exp_freq[$k]}" "$(awk -v f="${exp_freq[$k]}" 'BEGIN{print f*0.1}')"
	# opus has encoder delay: allow its length more room
	tol=0.050; [ "$k" = 4 ] && tol=0.080
	check "tone $((k + 1)) lasts ${exp_len[$k]} s ($(awk -v s="$s" -v e="$e" 'BEGIN{print e-s}'))" near "$(awk -v s="$s" -v e="$e" 'BEGIN{print e-s}')" "${exp_len[$k]}" "$tol"
done
gaps=$(awk 'NR > 1 && $1 == "tone" { if (prev != "" && $2 - prev > 0.015) n++ } $1 == "tone" { prev = $3 } END { print n + 0 }' "$T/segs")
check "no gap between the items of the session" test "$gaps" = 0
check "no silence inside the session" test "$(awk '$1=="silence"' "$T/segs" | wc -l)" = 0
check "log has a start and a stop line" bash -c "airlog() { cat $T/state/airlog/*.jsonl; }; airlog | head -1 | grep -q '\"type\":\"start\"' && airlog | tail -1 | grep -q '\"type\":\"stop\"'"
done_testing
