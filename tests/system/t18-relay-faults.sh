#!/bin/bash
# Relay faults that never leave the village in silence: a stream that
# carries only silence, a URL where nothing listens, a server that accepts
# and never answers, a relay id the province never published; and a relay
# without fallback items, which falls back on the station's relay.fallback
# and, once that has played, on the announcement (the built-in chime).
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"
. "$(dirname "$0")/lib-icecast.sh"

icecast_start
icecast_feed quiet.mp3 silence 48000
silent_server
DEAD=$(dead_port)

station_conf "$T" 'relay: { stall_s = 2.0; holdoff_s = 3.0; silence_s = 2.0; silence_dbfs = -50.0;
  preroll_s = 2.0; buffer_s = 1.0; connect_timeout_s = 3; fallback = "station-fb.wav"; };'
A=$T/audio
tone "$A/fb1.wav" 30 300
tone "$A/fb2.wav" 30 400
tone "$A/fb3.wav" 30 1600
tone "$A/station-fb.wav" 2.0 1200
t0=$(( $(date +%s) + 5 + SLOW ))
at() { date -d "@$((t0 + $1))" +%H:%M:%S; }
cat >"$T/schedules/faults.cfg" <<EOF
slots = (
  { name = "silent"; start = "$(at 0)";
    items = ( { relay = "$ICECAST_URL/quiet.mp3"; duration = "00:00:06";
                fallback = ( { file = "fb1.wav"; } ); } ); },
  { name = "refused"; start = "$(at 7)";
    items = ( { relay = "http://127.0.0.1:$DEAD/live.mp3"; duration = "00:00:04";
                fallback = ( { file = "fb2.wav"; } ); } ); },
  { name = "mute server"; start = "$(at 12)";
    items = ( { relay = "http://127.0.0.1:$SILENT_PORT/live.mp3"; duration = "00:00:04";
                fallback = ( { file = "fb3.wav"; } ); } ); },
  { name = "unknown id"; start = "$(at 17)";
    items = ( { relay = "vov9"; duration = "00:00:05"; } ); }
);
EOF
loaxad_start "$T"
check "the four relays are logged" wait_plays "$T" 4 45
check "loaxad stops cleanly" loaxad_stop "$T"
relay_logs "$T"
since_start() { seconds_between "$(pl "$1" | jq -r .start)" "$(sw "$1" | head -1 | jq -r .time)"; }

# a stream of silence
check "silent: one switch, to the fallback, the stream silent" \
	jqt '.to == "fallback" and .reason == "stream silent"' <<<"$(sw silent)"
d=$(since_start silent)
check "silent: after silence_s of silence ($d s)" near_t "$d" 2.0 0.3
check "silent: complete, the rest on the fallback" \
	jqt '.status == "complete" and .fallback_s > 3.5 and .relayed_s > 1.5' <<<"$(pl silent)"

# nothing listens
check "refused: to the fallback from the first sample" \
	jqt '.to == "fallback" and (.reason | startswith("stream not ready at the start"))' <<<"$(sw refused)"
check "refused: the reason names the failure" \
	jqt '.reason | test("connect|Couldn.t")' <<<"$(sw refused)"
check "refused: the switch is at the item's start" near "$(since_start refused)" 0 0.001
check "refused: all of it on the fallback" \
	jqt '.status == "complete" and .relayed_s == 0 and .fallback_s == 4' <<<"$(pl refused)"

# accepts, never answers
check "mute server: to the fallback from the first sample" \
	jqt '.to == "fallback" and (.reason | startswith("stream not ready"))' <<<"$(sw "mute server")"
check "mute server: all of it on the fallback" \
	jqt '.relayed_s == 0 and .fallback_s == 4' <<<"$(pl "mute server")"

# a relay id the catalog does not have, and no fallback items
check "unknown id: the reason says it is not in the catalog" \
	jqt '.to == "fallback" and (.reason | test("vov9.*not in the province catalog"))' <<<"$(sw "unknown id")"
check "unknown id: played its length on the fallback" \
	jqt '.status == "complete" and .relay == "vov9" and .fallback_s == 5' <<<"$(pl "unknown id")"
check "one switch per relay" test "$(wc -l <"$T/switches")" = 4

segments "$T/out.wav" >"$T/segs"
tones_only "$T/segs" >"$T/tones"
diag "$(cat "$T/segs")"
# the recording: 6 + 4 + 4 + 5 s back to back
cls() { awk '{ f = $3; c = "?"; for (k = 1; k <= split("300 400 660 880 1200 1600", v, " "); k++) if (f > v[k] * 0.95 && f < v[k] * 1.05) c = v[k]; print $1, $2, c }' "$T/tones"; }
cls >"$T/cls"
diag "$(cat "$T/cls")"
check "silent: the fallback tone from 2 s" bash -c "awk '\$3 == 300 { print \$1; exit }' $T/cls | xargs -I{} awk -v s={} 'BEGIN { exit !(s > 1.7 && s < 2.5) }'"
check "refused: its fallback from its first second" bash -c "awk '\$3 == 400 { print \$1; exit }' $T/cls | xargs -I{} awk -v s={} 'BEGIN { exit !(s > 5.9 && s < 6.05) }'"
check "mute server: its fallback from its first second" bash -c "awk '\$3 == 1600 { print \$1; exit }' $T/cls | xargs -I{} awk -v s={} 'BEGIN { exit !(s > 9.9 && s < 10.05) }'"
check "unknown id: the station's fallback, then the chime (660, 880 Hz)" \
	test "$(awk '$1 >= 13.9 { printf "%s ", $3 }' "$T/cls")" = "1200 660 880 1200 "
total=$(seg_seconds "$T/segs")
check "the output holds exactly the four relays' 19 s ($total)" near "$total" 19 0.050
longest=$(longest_silence "$T/segs" 2.5)
check "no silence after the silent stream was dropped ($longest)" \
	awk -v m="$longest" 'BEGIN { exit !(m <= 0.1) }'
check "chain intact" chain_ok "$T"
done_testing
