#!/bin/bash
# Every loaxactl command against the running daemon, asserted on the log
# and the samples; the socket refuses users outside the daemon's group.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

chmod 755 "$T"
station_conf "$T"
chmod -R a+rX "$T"
C="-c $T/loaxad.conf"
tone "$T/audio/long.wav" 4.0 300
tone "$T/audio/tail.wav" 1.0 600
tone "$T/audio/e.wav" 1.0 2500
tone "$T/audio/p.wav" 1.0 1200
slot_file "$T/schedules/s.cfg" "Sáng" "$(hhmmss_in 4)" long.wav tail.wav
loaxad_start "$T"

check "status answers" bash -c "loaxactl $C status >$T/status.out"
check "status names the station and the next session" bash -c "grep -q test-station $T/status.out && grep -q 'Sáng' $T/status.out"
check "socket is mode 0660" test "$(stat -c %a "$T/control.sock")" = 660
check "a user outside the group is refused" bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups loaxactl $C status 2>$T/refused.err"
check "refusal says why" grep -q "Permission denied" "$T/refused.err"
check "a user in the group is served" setpriv --reuid=65534 --regid=65534 --groups=0 loaxactl $C status

# --- emergency in the middle of an item -----------------------------------------
wait_for 15 grep -q 'on air: file "long.wav"' "$T/daemon.log"
sleep 1
cmd_at=$(date +%s.%N)
check "emergency accepted" bash -c "loaxactl $C emergency $T/audio/e.wav >$T/em.out"
check "the interrupted item and the emergency are logged" wait_plays "$T" 2 20
check "status shows the session resumed" wait_for 5 bash -c "loaxactl $C status | grep -q 'On air:.*tail.wav'"
check "the session's next item aired" wait_plays "$T" 3 20

# --- play when idle, then stop ----------------------------------------------------
wait_for 10 bash -c "loaxactl $C status | grep -q 'On air: *nothing'"
check "play accepted" loaxactl $C play "$T/audio/p.wav"
check "play aired" wait_plays "$T" 4 10
check "play again (long), then stop" loaxactl $C play "$T/audio/long.wav"
wait_for 10 bash -c "grep -c 'on air: file \".*long.wav\"' $T/daemon.log | grep -q 2"
sleep 0.5
check "stop accepted" loaxactl $C stop
check "stop logged" wait_plays "$T" 5 10

# --- reload, load --------------------------------------------------------------
check "reload with good files" loaxactl $C reload
echo 'slots = ( { name = "x"; start = "25:00"; items = ( { file = "p.wav"; } ); } );' >"$T/schedules/bad.cfg"
check "reload with a broken file fails, naming it" bash -c "! loaxactl $C reload 2>$T/reload.err && grep -q 'bad.cfg:1:' $T/reload.err"
rm "$T/schedules/bad.cfg"
d=$(today)
echo "slots = ( { name = \"Hôm nay\"; date = \"$d\"; start = \"25:61\"; items = ( { file = \"p.wav\"; } ); } );" >"$T/broken-daily.cfg"
check "load refuses a broken daily schedule" bash -c "! loaxactl $C load $T/broken-daily.cfg 2>$T/load.err && grep -q 'broken-daily.cfg' $T/load.err"
check "the broken one was not installed" test ! -e "$T/schedules/broken-daily.cfg"
echo "slots = ( { name = \"Hôm nay\"; date = \"$d\"; start = \"$(hhmmss_in 3)\"; items = ( { file = \"tail.wav\"; } ); } );" >"$T/$d.cfg"
check "load installs a daily schedule" loaxactl $C load "$T/$d.cfg"
check "it is in schedule_dir" cmp "$T/$d.cfg" "$T/schedules/$d.cfg"
check "the loaded schedule aired" wait_plays "$T" 6 15
check "sync without a province says so" bash -c "! loaxactl $C sync 2>$T/sync.err && grep -q 'no province' $T/sync.err"
check "an unknown command is a usage error" bash -c "loaxactl $C dance 2>/dev/null; [ \$? = 2 ]"
loaxad_stop "$T"

play_lines "$T" >"$T/plays"
check "log: long interrupted by the emergency, emergency, tail, p, long stopped, daily" test \
	"$(jq -r '.file + ":" + .status + ":" + .priority' "$T/plays" | tr '\n' ' ')" = \
	"long.wav:interrupted:normal $T/audio/e.wav:complete:emergency tail.wav:complete:normal $T/audio/p.wav:complete:priority $T/audio/long.wav:interrupted:priority tail.wav:complete:normal "
check "interruption reason names the emergency" bash -c "jq -r 'select(.status==\"interrupted\") | .reason' $T/plays | head -1 | grep -q emergency"
check "stop reason names the operator" bash -c "jq -r 'select(.status==\"interrupted\") | .reason' $T/plays | tail -1 | grep -q operator"
# the emergency's latency, from the samples: the long item's start in the log
# maps the WAV's time axis onto the wall clock
segments "$T/out.wav" >"$T/segs"
em_at=$(awk '$1=="tone" && $4 > 2200 && $4 < 2800 { print $2; exit }' "$T/segs")
long_start=$(date -d "$(jq -r 'select(.file=="long.wav") | .start' "$T/plays")" +%s.%N)
lat=$(awk -v a="$long_start" -v o="$em_at" -v c="$cmd_at" 'BEGIN { printf "%.3f", a + o - c }')
check "the emergency was on the output within 200 ms of the command ($lat s)" near_t "$lat" 0.1 0.1
check "chain intact" chain_ok "$T"
done_testing
