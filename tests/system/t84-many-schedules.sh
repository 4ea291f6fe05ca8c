#!/bin/bash
# Three thousand schedule files in schedule_dir (a province's worth of
# dated bulletins, weekly slots for other days, finished campaigns): the
# checker, the daemon's start and a reload each take a reasonable time,
# and the one slot due today plays on its second.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

N=3000
# Within this many seconds (times LOAXA_TOL_SCALE under valgrind); a Pi is
# some five times slower than the machines tests run on.
LIMIT=10
limit=$(awk -v l=$LIMIT -v k="${LOAXA_TOL_SCALE:-1}" 'BEGIN { print l * k }')
# ms_since NANOSECONDS: milliseconds since then
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

station_conf "$T"
tone "$T/audio/today.wav" 1.0 900
today=$(today)
other_day=$(LC_ALL=C date -d '+1 day' +%a | tr '[:upper:]' '[:lower:]')
S=$T/schedules
mapfile -t days < <(for k in $(seq 1 300); do date -d "$today + $k days" +%Y-%m-%d; done)
for i in $(seq 1 $N); do
	hh=$((5 + i % 14)) mm=$((i % 60))
	case $((i % 3)) in
	0) # a dated bulletin, another day this year or next
		d=${days[$((i % 300))]}
		printf 'slots = ( { name = "Bản tin %d"; date = "%s"; start = "%02d:%02d"; items = ( "ban-tin-%d", { file = "b%d.ogg"; } ); } );\n' \
			"$i" "$d" $hh $mm "$i" "$i" ;;
	1) # a weekly slot on another weekday
		printf 'slots = ( { name = "Hằng tuần %d"; days = "%s"; start = "%02d:%02d:%02d"; items = ( { file = "w%d.ogg"; } ); } );\n' \
			"$i" "$other_day" $hh $mm $((i % 60)) "$i" ;;
	2) # a campaign that has ended
		printf 'slots = ( { name = "Chiến dịch %d"; start = "%02d:%02d"; from = "2025-01-01"; until = "2025-12-31"; days = "mon-sat"; items = ( "chien-dich-%d" ); } );\n' \
			"$i" $hh $mm "$i" ;;
	esac >"$S/lich-$(printf '%05d' "$i").cfg"
done
# The file that matters today, last in name order.
slot_file "$S/zz-hom-nay.cfg" "Hôm nay" "$(hhmmss_in 12)" today.wav
check "$((N + 1)) schedule files" test "$(ls "$S" | wc -l)" = $((N + 1))

t=$(date +%s%N)
check "loaxactl check accepts them all" bash -c "loaxactl -c $T/loaxad.conf check >$T/check.out 2>&1"
ms=$(ms_since "$t")
check "within $limit s (${ms} ms)" test "$ms" -lt "$(awk -v l="$limit" 'BEGIN { print l * 1000 }')"

t=$(date +%s%N)
check "loaxactl today shows the one slot of today" \
	bash -c "loaxactl -c $T/loaxad.conf today >$T/today.out 2>&1; grep -q today.wav $T/today.out"
ms=$(ms_since "$t")
check "within $limit s (${ms} ms)" test "$ms" -lt "$(awk -v l="$limit" 'BEGIN { print l * 1000 }')"
check "and nothing of the other files" bash -c "! grep -qE '(b|w)[0-9]+\.ogg|ban-tin-|chien-dich-' $T/today.out"

t=$(date +%s%N)
loaxad_start "$T"
check "the daemon loads the plan" \
	wait_for 30 grep -q "plan loaded: $((N + 1)) slots from $((N + 1)) files" "$T/daemon.log"
ms=$(ms_since "$t")
check "within $limit s of its start (${ms} ms)" test "$ms" -lt "$(awk -v l="$limit" 'BEGIN { print l * 1000 }')"

n0=$(grep -c 'plan loaded' "$T/daemon.log")
t=$(date +%s%N)
kill -HUP "$LOAXAD_PID"
check "a reload" wait_for 30 bash -c "[ \$(grep -c 'plan loaded' $T/daemon.log) -gt $n0 ]"
ms=$(ms_since "$t")
check "within $limit s (${ms} ms)" test "$ms" -lt "$(awk -v l="$limit" 'BEGIN { print l * 1000 }')"

check "today's slot plays" wait_plays "$T" 1 30
check "the daemon stops cleanly" loaxad_stop "$T"
line=$(play_lines "$T")
check "only today's slot played" test "$(jq -r .file <<<"$line")" = today.wav
check "complete" test "$(jq -r .status <<<"$line")" = complete
err=$(seconds_between "$(jq -r .scheduled <<<"$line")" "$(jq -r .start <<<"$line")")
check "on its second (${err} s)" near_t "$err" 0 0.05
segments "$T/out.wav" >"$T/segs"
check "the speakers heard it: 900 Hz for 1.0 s" bash -c "$(declare -f near near_t)
	read -r s e f < <(awk '\$1 == \"tone\" { print \$2, \$3, \$4 }' $T/segs) && near \$f 900 90 &&
	near_t \$(awk -v s=\$s -v e=\$e 'BEGIN { print e - s }') 1.0 0.05"
check "chain intact" chain_ok "$T"
done_testing
