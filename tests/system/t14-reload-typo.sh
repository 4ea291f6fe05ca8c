#!/bin/bash
# A typo in a schedule, then SIGHUP: the error names the file and line, the
# previous plan stays in force and plays.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

station_conf "$T"
tone "$T/audio/a.wav" 1.0 700
tone "$T/audio/b.wav" 1.0 1400
at=$(hhmmss_in 7)
slot_file "$T/schedules/s.cfg" "Trưa" "$at" a.wav
loaxad_start "$T"
cat >"$T/schedules/s.cfg" <<EOC
slots = (
  { name = "Trưa"; start = "$at"; items = ( { file = "b.wav"; } ); },
  { name = "Lỗi"; start = "17:0O"; items = ( { file = "b.wav"; } ); }
);
EOC
kill -HUP "$LOAXAD_PID"
check "reload error names file and line" wait_for 5 grep -q "s.cfg:3:" "$T/daemon.log"
check "reload error says the old plan stays" grep -q "previous plan stays" "$T/daemon.log"
check "loaxactl check: FILE:LINE and exit 1" bash -c "! loaxactl -c $T/loaxad.conf check 2>$T/check.err && grep -q 's.cfg:3:' $T/check.err"
diag "$(cat "$T/check.err")"
check "loaxad --check fails too" bash -c "! loaxad -c $T/loaxad.conf --check 2>/dev/null"
check "the old plan's item aired" wait_plays "$T" 1 20
loaxad_stop "$T"
check "it was a.wav, complete" test "$(play_lines "$T" | jq -r '.file + " " + .status')" = "a.wav complete"
segments "$T/out.wav" >"$T/segs"
check "700 Hz heard, not 1400" bash -c "$(declare -f near); near \$(awk '\$1==\"tone\"{print \$4; exit}' $T/segs) 700 70"
done_testing
