#!/bin/bash
# make bench: how soon an operator's emergency is on the output (DESIGN §6,
# issue "operator's station": within 200 ms).
#
# Each run starts a fresh loaxad (wav driver, out.wav) with one long 440 Hz
# item scheduled; a second or two into it, at a random moment, the operator
# runs `loaxactl -c CONF emergency e.wav` (a 1200 Hz tone). The wall time
# is read just before loaxactl starts.
#
# heard    What a listener hears, read from the samples: out.wav holds every
#          sample the player wrote, back to back and paced to the clock, so
#          its time axis is wall time counted from the first item's start
#          in the as-run log; tests/helpers/wavsegments finds where the
#          440 Hz tone gives way to the 1200 Hz one (10 ms windows: a window
#          with both counts as the emergency's). Latency = that instant - the
#          wall time before loaxactl: loaxactl itself, the control socket,
#          the daemon's loop, the player's flush, and whatever audio was
#          already queued before it.
# written  When the first emergency samples left the daemon, by a clock of
#          our own rather than the player's: out.wav is a named pipe, and
#          tests/helpers/bench-firstbyte keeps a copy of the stream (what
#          "heard" analyses) and the wall time of every read; the read that
#          brings the tone's first bytes dates them. A file driver has no
#          clock, so the player writes each 100 ms block once its last
#          sample is due (daemon/player.c): this row is an upper bound, one
#          block late by design. libao's wav driver writes through stdio,
#          which may hold bytes back up to one 4 KiB buffer (~21 ms) more.
# logged   The emergency's start in the as-run log. It and "heard" both
#          come from the player's clock; "written" does not.
#
#   BENCH_EMERGENCY_RUNS   number of emergencies (default 20, at least 10)
set -uo pipefail
source "$(dirname "$0")/lib-bench.sh"
RUNS=${BENCH_EMERGENCY_RUNS:-20}
TARGET_MS=200
E_FREQ=1200

bench_need b40-emergency loaxad loaxactl wavsegments bench-firstbyte sox jq python3
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-b40.XXXXXX")
LPID=
RPID=
trap '[ -n "$LPID" ] && kill -9 "$LPID" 2>/dev/null; [ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	rm -rf "$W"' EXIT

sox -n -r 48000 -c 2 -b 16 "$W/long.wav" synth 30 sine 440 vol 0.5 2>/dev/null
sox -n -r 48000 -c 2 -b 16 "$W/e.wav" synth 0.5 sine "$E_FREQ" vol 0.5 2>/dev/null

plays() { cat "$1"/state/airlog/*.jsonl 2>/dev/null | grep -c '"type":"play"'; }
has_plays() { [ "$(plays "$1")" -ge "$2" ]; }

: >"$W/lat"
fail=0
for i in $(seq 1 "$RUNS"); do
	d=$W/r$i
	bench_station "$d" wav "$d/out.wav"
	cp "$W/long.wav" "$d/audio/"
	cp "$W/e.wav" "$d/"
	# the long item must be on air
	if ! long_on_air b40-emergency "$d" long.wav; then
		echo "b40-emergency: run $i: the long item did not start" >&2
		fail=$((fail + 1))
		continue
	fi
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 1 + r / 32768 * 1.5 }')"
	t_cmd=$(date +%s.%N)
	(cd "$d" && loaxactl -c "$d/loaxad.conf" emergency e.wav >"$d/ctl.out" 2>&1)
	rc=$?
	waitfor 20 has_plays "$d" 2
	stop "$LPID"; LPID=
	stop "$RPID"; RPID=
	first=$(cat "$d"/state/airlog/*.jsonl | jq -r 'select(.type == "play") | .start' | head -1)
	estart=$(cat "$d"/state/airlog/*.jsonl | jq -r 'select(.type == "play" and .slot == "operator emergency") | .start' | head -1)
	status1=$(cat "$d"/state/airlog/*.jsonl | jq -r 'select(.type == "play") | .status' | head -1)
	# the first sound after the long item's 440 Hz
	heard_written "$d" "$E_FREQ" 0.1
	if [ "$rc" != 0 ] || [ -z "$first" ] || [ -z "$estart" ] || [ -z "$heard" ] ||
		[ -z "$written" ] || [ "$status1" != interrupted ]; then
		echo "b40-emergency: run $i: loaxactl exit $rc ($(cat "$d/ctl.out")); first item $status1;" \
			"emergency logged start '${estart}'; tone in out.wav at '${heard}' s," \
			"written at '${written}'" >&2
		fail=$((fail + 1))
		continue
	fi
	awk -v f="$(epoch "$first")" -v h="$heard" -v t="$t_cmd" -v e="$(epoch "$estart")" -v w="$written" \
		'BEGIN { printf "%.1f %.1f %.1f\n", (f + h - t) * 1000, (e - t) * 1000, (w - t) * 1000 }' >>"$W/lat"
done

n=$(wc -l <"$W/lat")
echo "loaxa benchmarks — $(date -u +%Y-%m-%dT%H:%MZ) — $machine"
echo "emergency on the output: loaxactl emergency in the middle of a playing item, wav driver,"
echo "$RUNS runs, $n measured, each in a fresh daemon; latency = instant - wall time before loaxactl"
echo
if [ "$n" = 0 ]; then
	echo "no run could be measured"
	exit 1
fi
printf '%-48s %8s %8s %8s %10s\n' "emergency latency (ms)" p50 p99 max "target"
printf '%-48s %8s %8s %8s %10s\n' "heard: first emergency sample in out.wav" "$(pct "$W/lat" 50 1)" \
	"$(pct "$W/lat" 99 1)" "$(pct "$W/lat" 100 1)" "< $TARGET_MS"
printf '%-48s %8s %8s %8s %10s\n' "written: its first block read from the pipe" \
	"$(pct "$W/lat" 50 3)" "$(pct "$W/lat" 99 3)" "$(pct "$W/lat" 100 3)" "-"
printf '%-48s %8s %8s %8s %10s\n' "logged: the emergency's start in the as-run log" \
	"$(pct "$W/lat" 50 2)" "$(pct "$W/lat" 99 2)" "$(pct "$W/lat" 100 2)" "-"
max=$(pct "$W/lat" 100 1)
if awk -v m="$max" -v t="$TARGET_MS" 'BEGIN { exit !(m < t) }'; then
	echo "every emergency was on the output within $TARGET_MS ms"
else
	echo "MISSED: the slowest emergency took $max ms (target $TARGET_MS ms)"
fi
[ "$fail" = 0 ] || { echo "$fail of $RUNS runs failed (see above)"; exit 1; }
