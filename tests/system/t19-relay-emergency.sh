#!/bin/bash
# A relay under the three classes: an operator's emergency interrupts it,
# and the relay goes on air again, live, once the emergency is over, until
# its scheduled end (not its length after the emergency); an operator's
# play (priority) does the same. Both parts of the relay are logged.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"
. "$(dirname "$0")/lib-icecast.sh"

icecast_start
icecast_feed vov1.mp3 1000 48000

station_conf "$T" 'relay: { stall_s = 2.0; holdoff_s = 3.0; preroll_s = 3.0; buffer_s = 1.0; };'
A=$T/audio
tone "$A/alert.wav" 3.0 2500
tone "$A/notice.wav" 2.0 1500
tone "$A/end.wav" 1.0 500
start=$(hhmmss_in $((5 + SLOW)))
cat >"$T/schedules/relay.cfg" <<EOF
slots = ( { name = "VOV1"; start = "$start";
  items = ( { relay = "$ICECAST_URL/vov1.mp3"; duration = "00:00:16"; },
            { file = "end.wav"; } ); } );
EOF
loaxad_start "$T"
t_start=$(date -d "$start" +%s)
wait_for 30 bash -c "[ \$(date +%s) -ge $((t_start + 4)) ]"
check "loaxactl emergency interrupts the relay" loaxactl -c "$T/loaxad.conf" emergency "$A/alert.wav"
wait_for 30 bash -c "[ \$(date +%s) -ge $((t_start + 10)) ]"
check "loaxactl play (priority) interrupts it too" loaxactl -c "$T/loaxad.conf" play "$A/notice.wav"
check "everything is logged" wait_plays "$T" 6 40
check "loaxad stops cleanly" loaxad_stop "$T"
play_lines "$T" >"$T/plays"
diag "$(jq -c '{relay, file, status, start, played_s, reason, relayed_s}' "$T/plays")"

check "in order: relay, alert, relay, notice, relay, end" \
	test "$(jq -r '.relay // .file' "$T/plays" | sed "s|$ICECAST_URL/||" | tr '\n' ' ')" = \
	"vov1.mp3 $A/alert.wav vov1.mp3 $A/notice.wav vov1.mp3 end.wav "
r1=$(sed -n 1p "$T/plays") r2=$(sed -n 3p "$T/plays") r3=$(sed -n 5p "$T/plays")
check "the relay was interrupted by the emergency" \
	jqt '.status == "interrupted" and (.reason | test("emergency"))' <<<"$r1"
check "then by the operator's play" \
	jqt '.status == "interrupted" and (.reason | test("priority"))' <<<"$r2"
check "its last part complete" jqt '.status == "complete"' <<<"$r3"
check "the emergency complete" jqt '.status == "complete"' <<<"$(sed -n 2p "$T/plays")"
check "each part is relayed from the stream" \
	jq -se 'map(select(.relay)) | all(.[]; .fallback_s == 0 and .relayed_s > 0.5)' "$T/plays"
end=$(seconds_between "$(jq -r .start <<<"$r1")" "$(jq -r .end <<<"$r3")")
check "the relay ends at its first start plus its duration, 16 s ($end)" near_t "$end" 16 0.050
gap=$(seconds_between "$(jq -r .end <<<"$(sed -n 2p "$T/plays")")" "$(jq -r .start <<<"$r2")")
check "the relay is back right after the emergency ($gap s)" near_t "$gap" 0 0.3
sum=$(jq -s 'map(.played_s) | add' "$T/plays")
check "the speakers never fell silent: 16 + 1 s of parts ($sum)" near "$sum" 17 0.3
check "no switch: the stream never failed" test "$(airlog "$T" | jq -c 'select(.type == "switch")' | wc -l)" = 0

segments "$T/out.wav" >"$T/segs"
tones_only "$T/segs" >"$T/tones"
diag "$(cat "$T/segs")"
check "heard: stream, alert, stream, notice, stream, end" \
	test "$(awk '{ f = $3; printf "%s ", (f > 900 && f < 1100) ? 1000 : (f > 2300 && f < 2700) ? 2500 : (f > 1400 && f < 1600) ? 1500 : (f > 450 && f < 550) ? 500 : f }' "$T/tones")" = \
	"1000 2500 1000 1500 1000 500 "
check "chain intact" chain_ok "$T"
done_testing
