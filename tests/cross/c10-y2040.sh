#!/bin/bash
# The station on 1 January 2040: a slot dated that day is resolved,
# scheduled, played and logged, with every time in the as-run log right.
# Past 2038 a 32-bit time_t has wrapped; this runs on armhf (and arm64)
# under qemu in "make check-cross", and on any native build as well.
#
# The date is the daemon's own: tests/loaxad-fakeclock is loaxad linked
# with tests/cross/fakeclock.c, whose wall clock starts at LOAXA_FAKE_TIME
# and whose absolute wall-clock timers are moved to match. No LD_PRELOAD
# tool reaches a qemu guest, and the machine's clock is not touched.
. "$(dirname "$0")/../system/test-lib.sh"
. "$(dirname "$0")/../system/lib-audio.sh"

export TZ=Asia/Ho_Chi_Minh
[ -x "$LOAXA_BUILD/tests/loaxad-fakeclock" ] ||
	bail "$LOAXA_BUILD/tests/loaxad-fakeclock is not built (make cross-build)"

station_conf "$T" 'timezone = "Asia/Ho_Chi_Minh";'
tone "$T/audio/nam-moi.wav" 2.0 880
cat >"$T/schedules/2040-01-01.cfg" <<'EOC'
slots = ( { name = "Chào năm mới"; date = "2040-01-01"; start = "05:30:00";
            items = ( { file = "nam-moi.wav"; } ); } );
EOC

check "the 2040 schedule checks" bash -c "loaxactl -c $T/loaxad.conf check >/dev/null"
loaxactl -c "$T/loaxad.conf" today --date 2040-01-01 >"$T/today" 2>&1
check "the plan of 2040-01-01 has the slot at 05:30" \
	bash -c "grep -q '05:30' $T/today && grep -q nam-moi.wav $T/today"

LOAXA_FAKE_TIME=2040-01-01T05:29:52+07:00 loaxad-fakeclock -c "$T/loaxad.conf" \
	2>>"$T/daemon.log" &
LOAXAD_PID=$!
echo "$LOAXAD_PID" >"$T/daemon.pid"
at_exit "kill -9 $LOAXAD_PID 2>/dev/null"
check "the daemon starts on 2040-01-01" \
	wait_for 60 bash -c "grep -qs '\"type\":\"start\".*\"time\":\"2040-01-01T05:29:5' $T/state/airlog/2040-01-01.jsonl"
check "the item airs" wait_plays "$T" 1 90
loaxad_stop "$T"
check "the daemon stops cleanly" test $? = 0

play=$(play_lines "$T")
echo "$play" | sed 's/^/# /' >&2
check "complete" jqt '.status == "complete"' <<<"$play"
check "scheduled 2040-01-01T05:30:00+07:00" \
	jqt '.scheduled == "2040-01-01T05:30:00+07:00"' <<<"$play"
check "started on time" bash -c "$(declare -f near near_t seconds_between);
	near_t \$(seconds_between 2040-01-01T05:30:00+07:00 $(jq -r .start <<<"$play")) 0 0.3"
check "ended 2 s later" bash -c "$(declare -f near near_t seconds_between);
	near_t \$(seconds_between $(jq -r '.start + " " + .end' <<<"$play")) 2.0 0.1"
check "played 2 s" jqt '.played_s > 1.95 and .played_s < 2.05' <<<"$play"
check "filed under 2040-01-01.jsonl" test -s "$T/state/airlog/2040-01-01.jsonl"
check "no other day file" test "$(ls "$T/state/airlog")" = 2040-01-01.jsonl
check "the stop line is dated 2040-01-01" \
	bash -c "airlog_stop=\$(grep '\"type\":\"stop\"' $T/state/airlog/2040-01-01.jsonl); [[ \$airlog_stop == *'\"time\":\"2040-01-01T05:3'* ]]"
check "the hash chain holds" chain_ok "$T"
check "loaxactl log reads the day back" \
	bash -c "loaxactl -c $T/loaxad.conf log --date 2040-01-01 | grep -q nam-moi.wav"
segments "$T/out.wav" >"$T/segs"
check "the speakers heard 2 s of 880 Hz" bash -c "$(declare -f near tones_only);
	tones_only $T/segs >$T/tones; [ \$(wc -l <$T/tones) = 1 ] &&
	read -r a b f <$T/tones && near \$(awk -v a=\$a -v b=\$b 'BEGIN { print b - a }') 2.0 0.05 &&
	near \$f 880 20"
done_testing
