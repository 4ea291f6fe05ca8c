#!/bin/bash
# A daily schedule replaces the operator's weekly slots on its date only.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

station_conf "$T"
tone "$T/audio/weekly.wav" 1.0 600
tone "$T/audio/daily.wav" 1.0 1800
slot_file "$T/schedules/weekly.cfg" "Hằng tuần" "$(hhmmss_in 4)" weekly.wav
d=$(today)
cat >"$T/schedules/$d.cfg" <<EOC
slots = ( { name = "Hôm nay"; date = "$d"; start = "$(hhmmss_in 6)"; items = ( { file = "daily.wav"; } ); } );
EOC
tomorrow=$(date -d tomorrow +%Y-%m-%d)
check "today's plan shows the daily slot only" bash -c "loaxactl -c $T/loaxad.conf today >$T/today; grep -q daily.wav $T/today && ! grep -q weekly.wav $T/today"
check "tomorrow's plan shows the weekly slot" bash -c "loaxactl -c $T/loaxad.conf today --date $tomorrow | grep -q weekly.wav"
loaxad_start "$T"
check "one item aired" wait_plays "$T" 1 20
sleep 1
loaxad_stop "$T"
check "it was the daily schedule's" test "$(play_lines "$T" | jq -r .file)" = daily.wav
segments "$T/out.wav" >"$T/segs"
check "only 1800 Hz heard" bash -c "[ \$(awk '\$1==\"tone\"' $T/segs | wc -l) = 1 ] && $(declare -f near); near \$(awk '\$1==\"tone\"{print \$4}' $T/segs) 1800 180"
done_testing
