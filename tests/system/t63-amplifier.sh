#!/bin/bash
# The amplifier: on lead_s before a session, off tail_s after it; two close
# sessions share one on/off; a failing command does not stop the broadcast.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

cat >"$T/amp" <<'EOS'
#!/bin/sh
echo "$1 $(date +%s.%N)" >>"$(dirname "$0")/amp.log"
EOS
chmod +x "$T/amp"
amp_conf='amplifier: { on_command = "'$T'/amp on"; off_command = "'$T'/amp off"; lead_s = 2; tail_s = 2; };'

# ts_of DIR N: wall time of the Nth "play" line's FIELD
field() { play_lines "$1" | sed -n "$2p" | jq -r ".$3" | xargs -I{} date -d {} +%s.%N; }

# --- two sessions far apart: two on/off pairs --------------------------------
mkdir -p "$T/a"
station_conf "$T/a" "$amp_conf"
tone "$T/a/audio/x.wav" 1.0 500
cat >"$T/a/schedules/s.cfg" <<EOC
slots = ( { name = "Một"; start = "$(hhmmss_in 5)"; items = ( { file = "x.wav"; } ); },
          { name = "Hai"; start = "$(hhmmss_in 13)"; items = ( { file = "x.wav"; } ); } );
EOC
loaxad_start "$T/a"
check "both sessions aired" wait_plays "$T/a" 2 30
sleep 3
loaxad_stop "$T/a"
diag "$(cat "$T/amp.log")"
check "on, off, on, off" test "$(awk '{print $1}' "$T/amp.log" | tr '\n' ' ')" = "on off on off "
on1=$(sed -n 1p "$T/amp.log" | cut -d' ' -f2) off1=$(sed -n 2p "$T/amp.log" | cut -d' ' -f2)
on2=$(sed -n 3p "$T/amp.log" | cut -d' ' -f2) off2=$(sed -n 4p "$T/amp.log" | cut -d' ' -f2)
s1=$(field "$T/a" 1 start) e1=$(field "$T/a" 1 end) s2=$(field "$T/a" 2 start) e2=$(field "$T/a" 2 end)
check "on 2 s before the first session" near_t "$(awk -v a="$s1" -v b="$on1" 'BEGIN{print a-b}')" 2 0.5
check "off 2 s after the first session" near_t "$(awk -v a="$off1" -v b="$e1" 'BEGIN{print a-b}')" 2 0.5
check "on 2 s before the second session" near_t "$(awk -v a="$s2" -v b="$on2" 'BEGIN{print a-b}')" 2 0.5
check "off 2 s after the second session" near_t "$(awk -v a="$off2" -v b="$e2" 'BEGIN{print a-b}')" 2 0.5
rm -f "$T/amp.log"

# --- two close sessions (gap < lead + tail): one on/off ------------------------
mkdir -p "$T/b"
station_conf "$T/b" "$amp_conf"
tone "$T/b/audio/x.wav" 1.0 500
cat >"$T/b/schedules/s.cfg" <<EOC
slots = ( { name = "Một"; start = "$(hhmmss_in 5)"; items = ( { file = "x.wav"; } ); },
          { name = "Hai"; start = "$(hhmmss_in 8)"; items = ( { file = "x.wav"; } ); } );
EOC
loaxad_start "$T/b"
check "both close sessions aired" wait_plays "$T/b" 2 30
sleep 3
loaxad_stop "$T/b"
diag "$(cat "$T/amp.log")"
check "one on, one off" test "$(awk '{print $1}' "$T/amp.log" | tr '\n' ' ')" = "on off "
rm -f "$T/amp.log"

# --- a failing command: logged, the broadcast goes on ---------------------------
mkdir -p "$T/c"
station_conf "$T/c" 'amplifier: { on_command = "/nonexistent/relay on"; off_command = "/bin/false"; lead_s = 1; tail_s = 1; };'
tone "$T/c/audio/x.wav" 1.0 500
slot_file "$T/c/schedules/s.cfg" "Ba" "$(hhmmss_in 4)" x.wav
loaxad_start "$T/c"
check "the session aired despite the broken relay" wait_plays "$T/c" 1 20
sleep 2
loaxad_stop "$T/c"
check "it is complete" test "$(play_lines "$T/c" | jq -r .status)" = complete
check "the failure is logged" grep -q "amplifier on: the command could not be started" "$T/c/daemon.log"
check "the off failure is logged" grep -q "amplifier off: the command failed" "$T/c/daemon.log"
done_testing
