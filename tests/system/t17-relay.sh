#!/bin/bash
# A relay from a real Icecast server fed by ffmpeg: on air on its second
# between two files, the stream's tone on the output, the stream killed
# mid-relay -> the fallback within stall_s with no gap in the samples, the
# stream back -> the relay again after the hold-off, every switch logged,
# the relay ending exactly at its start plus its duration.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"
. "$(dirname "$0")/lib-icecast.sh"

icecast_start
icecast_feed live.mp3 1000 44100
FEED1=$FEED_PID

station_conf "$T" 'relay: { stall_s = 2.0; holdoff_s = 3.0; silence_s = 3.0; preroll_s = 3.0; buffer_s = 1.0; };'
A=$T/audio
tone "$A/jingle.wav" 1.0 500
tone "$A/fb.wav" 30 300
tone "$A/end.wav" 1.0 2000
start=$(hhmmss_in $((6 + SLOW)))
cat >"$T/schedules/noon.cfg" <<EOF
slots = ( { name = "Thời sự trưa"; start = "$start";
  items = ( { file = "jingle.wav"; },
            { relay = "$ICECAST_URL/live.mp3"; duration = "00:00:22";
              fallback = ( { file = "fb.wav"; } ); },
            { file = "end.wav"; } ); } );
EOF
check "loaxactl check accepts the relay slot" loaxactl -c "$T/loaxad.conf" check
loaxad_start "$T"
check "the relay child is not loaxad: no decoder mapped in the daemon" \
	bash -c "! grep -qE 'libcurl|libfaad' /proc/$LOAXAD_PID/maps"

# the relay goes on air 1 s after the slot: kill the stream 6 s into it
t_relay=$(( $(date -d "$start" +%s) + 1 ))
wait_for 30 bash -c "[ \$(date +%s) -ge $((t_relay + 6)) ]"
icecast_unfeed "$FEED1"
killed=$(date +%s.%N)
diag "stream killed at $(date -d "@$killed" +%T.%N)"
sleep 3
icecast_feed live.mp3 1500 44100
back=$(date +%s.%N)
diag "stream back at $(date -d "@$back" +%T.%N)"

check "the three items are logged" wait_plays "$T" 3 40
check "loaxad stops cleanly" loaxad_stop "$T"
relay_logs "$T"
relay=$(sed -n 2p "$T/plays")
diag "$relay"

check "relay line: complete" jqt '.status == "complete"' <<<"$relay"
check "relay line: names the relay, no programme" \
	jqt ".relay == \"$ICECAST_URL/live.mp3\" and .programme == null" <<<"$relay"
err=$(seconds_between "$(jq -r .scheduled <<<"$relay")" "$(jq -r .start <<<"$relay")")
check "relay started on its second ($err s)" near_t "$err" 0 0.050
check "relay played its whole duration" near "$(jq .played_s <<<"$relay")" 22 0.001
check "relayed_s + fallback_s fill it" \
	near "$(jq '.relayed_s + .fallback_s' <<<"$relay")" 22 0.5
check "relayed_s counts both stretches of the stream" jqt '.relayed_s > 8' <<<"$relay"
check "fallback_s counts the outage" jqt '.fallback_s > 3' <<<"$relay"
check "the reason says what happened" jqt '.reason | test("fallback .*stream ended")' <<<"$relay"
endline=$(sed -n 3p "$T/plays")
gap=$(seconds_between "$(jq -r .start <<<"$relay")" "$(jq -r .start <<<"$endline")")
check "the next item starts exactly 22 s after the relay ($gap)" near_t "$gap" 22 0.050

check "two switches logged" test "$(wc -l <"$T/switches")" = 2
s1=$(sed -n 1p "$T/switches") s2=$(sed -n 2p "$T/switches")
check "switch 1: to the fallback, the stream ended" \
	jqt '.to == "fallback" and (.reason | test("stream ended")) and .slot == "Thời sự trưa"' <<<"$s1"
d1=$(since "$killed" "$s1")
check "switch 1 within stall_s + buffer of the kill ($d1 s)" \
	awk -v d="$d1" 'BEGIN { exit !(d >= 0 && d <= 3.5) }'
check "switch 2: back to the relay, good for the hold-off" \
	jqt '.to == "relay" and .reason == "stream good again"' <<<"$s2"
d2=$(since "$back" "$s2")
check "switch 2 no sooner than the hold-off after the stream came back ($d2 s)" \
	awk -v d="$d2" 'BEGIN { exit !(d >= 3.0 && d <= 15) }'
check "the switches come between the relay's start and end" \
	jq -se --arg s "$(jq -r .start <<<"$relay")" --arg e "$(jq -r .end <<<"$relay")" \
	'all(.[]; .time > $s and .time < $e)' "$T/switches"

segments "$T/out.wav" >"$T/segs"
tones_only "$T/segs" >"$T/tones"
diag "$(cat "$T/segs")"
freqs=$(awk '{ f = $3; printf "%s ", (f > 450 && f < 550) ? 500 : (f > 900 && f < 1100) ? 1000 : (f > 270 && f < 330) ? 300 : (f > 1400 && f < 1600) ? 1500 : (f > 1900 && f < 2100) ? 2000 : f }' "$T/tones")
check "heard: jingle, stream, fallback, stream again, end ($freqs)" \
	test "$freqs" = "500 1000 300 1500 2000 "
total=$(seg_seconds "$T/segs")
check "the output holds exactly the session's 24 s ($total)" near "$total" 24 0.050
longest=$(longest_silence "$T/segs")
check "no silence longer than 0.3 s in the written samples ($longest)" \
	awk -v m="$longest" 'BEGIN { exit !(m <= 0.3) }'
read -r s e f < <(sed -n 2p "$T/tones")
check "the stream follows the jingle without a gap" near "$s" 1.0 0.030
check "chain intact" chain_ok "$T"
done_testing
