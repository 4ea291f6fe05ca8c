#!/bin/bash
# A slot inside quiet hours: refused by the checker and by the daemon, which
# logs its items "skipped" and plays nothing.
. "$(dirname "$0")/test-lib.sh"

qs=$(date -d '-2 min' +%H:%M) qe=$(date -d '+10 min' +%H:%M)
station_conf "$T"
sed -i "s/^quiet_hours = .*/quiet_hours = \"$qs-$qe\";/" "$T/loaxad.conf"
tone "$T/audio/a.wav" 1.0 700
slot_file "$T/schedules/dem.cfg" "Đêm" "$(hhmmss_in 4)" a.wav
check "loaxactl check refuses it" bash -c "! loaxactl -c $T/loaxad.conf check 2>$T/err"
diag "$(cat "$T/err")"
check "the message names the file, line and quiet hours" grep -q "dem.cfg:1:.*quiet" "$T/err"
check "loaxad --check refuses it" bash -c "! loaxad -c $T/loaxad.conf --check 2>/dev/null"
loaxad_start "$T"
check "the item is logged" wait_plays "$T" 1 20
loaxad_stop "$T"
line=$(play_lines "$T")
check "skipped" test "$(jq -r .status <<<"$line")" = skipped
check "reason quiet hours" bash -c "jq -r .reason <<<'$line' | grep -q 'quiet hours'"
check "nothing was played" bash -c "[ ! -s $T/out.wav ] || [ \$(stat -c %s $T/out.wav) -le 44 ]"
done_testing
