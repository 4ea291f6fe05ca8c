#!/bin/bash
# More of what a provincial stream does: an AAC stream relays like MP3; a
# stream that stalls (its encoder frozen, the server still connected) gives
# way to the fallback after stall_s and comes back after the hold-off; a URL
# that serves a web page instead of audio falls back from the first second,
# saying why.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"
. "$(dirname "$0")/lib-icecast.sh"

ICECAST_SOURCE_TIMEOUT=30 icecast_start
icecast_feed tinh.aac 700 48000 aac
icecast_feed vov1.mp3 1000 44100
FEED=$FEED_PID
mkdir -p "$T/web"
echo '<html><body>Đài phát thanh tỉnh</body></html>' >"$T/web/live.html"
"$LOAXA_SRC/tests/helpers/faultserver.py" --root "$T/web" --port-file "$T/web.port" >/dev/null 2>&1 &
at_exit "kill $! 2>/dev/null"
wait_for 10 test -s "$T/web.port"
WEB=http://127.0.0.1:$(cat "$T/web.port")

station_conf "$T" 'relay: { stall_s = 1.5; holdoff_s = 3.0; silence_s = 5.0; preroll_s = 3.0; buffer_s = 1.0; };'
A=$T/audio
tone "$A/fb.wav" 30 300
t0=$(( $(date +%s) + 6 + SLOW ))
at() { date -d "@$((t0 + $1))" +%H:%M:%S; }
cat >"$T/schedules/s.cfg" <<EOF2
slots = (
  { name = "aac"; start = "$(at 0)";
    items = ( { relay = "$ICECAST_URL/tinh.aac"; duration = "00:00:04"; fallback = ( { file = "fb.wav"; } ); } ); },
  { name = "stall"; start = "$(at 5)";
    items = ( { relay = "$ICECAST_URL/vov1.mp3"; duration = "00:00:16"; fallback = ( { file = "fb.wav"; } ); } ); },
  { name = "web page"; start = "$(at 22)";
    items = ( { relay = "$WEB/live.html"; duration = "00:00:03"; fallback = ( { file = "fb.wav"; } ); } ); }
);
EOF2
loaxad_start "$T"
# freeze the MP3 encoder 4 s into its relay, for 5 s
wait_for 40 bash -c "[ \$(date +%s) -ge $((t0 + 9)) ]"
kill -STOP "$FEED"
stopped=$(date +%s.%N)
sleep 5
kill -CONT "$FEED"
resumed=$(date +%s.%N)
check "the three relays are logged" wait_plays "$T" 3 40
check "loaxad stops cleanly" loaxad_stop "$T"
relay_logs "$T"

check "aac: relayed whole from the stream" jqt '.relayed_s == 4 and .fallback_s == 0' <<<"$(pl aac)"
check "aac: no switch" test -z "$(sw aac)"
check "stall: two switches, to the fallback and back" \
	test "$(sw stall | jq -r .to | tr '\n' ' ')" = "fallback relay "
check "stall: the first says the stream stalled" jqt '.reason == "stream stalled"' <<<"$(sw stall | head -1)"
d1=$(since "$stopped" "$(sw stall | head -1)")
check "stall: the fallback within the buffer and stall_s of the freeze ($d1 s)" \
	awk -v d="$d1" 'BEGIN { exit !(d >= 1.5 && d <= 3.5) }'
d2=$(since "$resumed" "$(sw stall | tail -1)")
check "stall: back no sooner than the hold-off after the stream moved again ($d2 s)" \
	awk -v d="$d2" 'BEGIN { exit !(d >= 3.0 && d <= 8) }'
check "stall: complete, both sources counted" \
	jqt '.status == "complete" and .relayed_s > 7 and .fallback_s > 2' <<<"$(pl stall)"
check "web page: to the fallback from the first sample, saying it is not audio" \
	jqt '.to == "fallback" and (.reason | test("neither MP3 nor AAC"))' <<<"$(sw "web page")"
check "web page: all of it on the fallback" jqt '.fallback_s == 3' <<<"$(pl "web page")"

segments "$T/out.wav" >"$T/segs"
diag "$(cat "$T/segs")"
check "heard: AAC stream, MP3 stream, fallback, MP3 stream, fallback" \
	test "$(tones_only "$T/segs" | awk '{ f = $3; c = (f > 650 && f < 750) ? 700 : (f > 900 && f < 1100) ? 1000 : (f > 270 && f < 330) ? 300 : f; if (c != last) printf "%s ", c; last = c }')" = \
	"700 1000 300 1000 300 "
total=$(seg_seconds "$T/segs")
check "the output holds exactly the relays' 23 s ($total)" near "$total" 23 0.050
longest=$(longest_silence "$T/segs")
check "silence only while the stall is judged: stall_s and a block at most ($longest)" \
	awk -v m="$longest" 'BEGIN { exit !(m <= 1.75) }'
check "chain intact" chain_ok "$T"
done_testing
