#!/bin/bash
# make bench: the station under a hostile local client of its control socket,
# side by side with the same station left in peace; and what the loop's look
# at the clock costs an idle daemon.
#
# Each row is one fresh loaxad (wav driver) playing BENCH_ABUSE_SESSIONS
# short sessions, 3 s apart, while a polite client times BENCH_ABUSE_STATUS
# status requests (tests/helpers/control-abuse.py status). In the "abuse"
# row, tests/helpers/control-abuse.py also keeps 300 connections that say
# nothing, 3 that dribble a byte every 0.2 s, 20 at a time of garbage,
# 200-strong floods of status requests, and a 10 MiB line every 8 s.
#
# status      seconds for a polite status request: connect, ask, answer
# start late  start - scheduled of each session's first item (as-run log):
#             the design's target is 20 ms (p99)
# peak RSS    the daemon's VmHWM at the end: the design's 8 MiB while
#             playing
# CPU         the daemon's user + system time over the row
#
# idle        a daemon with nothing to play for BENCH_IDLE_S (default 120):
#             the main thread's wake-ups (voluntary context switches) and
#             run time (schedstat), per hour; the loop looks at the clock
#             every 30 s.
set -uo pipefail
source "$(dirname "$0")/lib-bench.sh"
SESSIONS=${BENCH_ABUSE_SESSIONS:-8}
STATUS=${BENCH_ABUSE_STATUS:-100}
IDLE_S=${BENCH_IDLE_S:-120}
ABUSE="python3 tests/helpers/control-abuse.py"

bench_need b60-control-abuse loaxad loaxactl sox jq python3
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-b60.XXXXXX")
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
sox -n -r 48000 -c 2 -b 16 "$W/t.wav" synth 1.0 sine 700 vol 0.5 2>/dev/null

# station DIR: a config and folders
station() {
	bench_station "$1" wav "$1/out.wav"
	cp "$W/t.wav" "$1/audio/"
}
cpu_s() { awk -v t="$(cpu_ticks "$1")" 'BEGIN { printf "%.2f", t / 100 }'; }
hwm_mib() { awk -v k="$(proc_kib "$1" VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }'; }

# row NAME ABUSE(0|1)
row() {
	local d=$W/$1 t0 s i pid apids=() n
	station "$d"
	t0=$(($(date +%s) + 4))
	{
		echo "slots = ("
		for i in $(seq 0 $((SESSIONS - 1))); do
			printf '  { name = "P%d"; start = "%s"; items = ( { file = "t.wav"; } ); }%s\n' "$i" \
				"$(date -d "@$((t0 + 3 * i))" +%H:%M:%S)" "$([ $i = $((SESSIONS - 1)) ] || echo ,)"
		done
		echo ");"
	} >"$d/schedules/s.cfg"
	loaxad -c "$d/loaxad.conf" 2>"$d/daemon.log" &
	pid=$!
	PIDS+=("$pid")
	waitfor 20 grep -q 'ready: control socket' "$d/daemon.log" || { echo "b60: $1: no daemon" >&2; return 1; }
	local dur=$((3 * SESSIONS + 2))
	if [ "$2" = 1 ]; then
		$ABUSE "$d/control.sock" halfopen --count 300 --seconds "$dur" >/dev/null 2>&1 &
		apids+=($!)
		$ABUSE "$d/control.sock" slow --count 3 --seconds "$dur" >/dev/null 2>&1 &
		apids+=($!)
		$ABUSE "$d/control.sock" garbage --conc 20 --seconds "$dur" >/dev/null 2>&1 &
		apids+=($!)
		$ABUSE "$d/control.sock" flood --count 200 --rounds 100 >/dev/null 2>&1 &
		apids+=($!)
		(for _ in $(seq 1 $((dur / 8 + 1))); do
			$ABUSE "$d/control.sock" bigline --mb 10 >/dev/null 2>&1
			sleep 8
		done) &
		apids+=($!)
		PIDS+=("${apids[@]}")
	fi
	$ABUSE "$d/control.sock" status --count "$STATUS" --interval $(awk -v d="$dur" -v n="$STATUS" \
		'BEGIN { printf "%.3f", d / n * 0.8 }') >"$d/status.json"
	waitfor $((dur + 20)) bash -c "[ \$(cat $d/state/airlog/*.jsonl | grep -c '\"type\":\"play\"') -ge $SESSIONS ]"
	for p in "${apids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	local cpu hwm
	cpu=$(cpu_s "$pid") hwm=$(hwm_mib "$pid")
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	cat "$d"/state/airlog/*.jsonl | jq -r 'select(.type == "play") | "\(.scheduled) \(.start)"' |
		while read -r a b; do
			awk -v a="$(date -d "$a" +%s.%N)" -v b="$(date -d "$b" +%s.%N)" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
		done >"$d/late"
	n=$(wc -l <"$d/late")
	printf '%-10s %9s %9s %9s %6s %11s %11s %9s %7s\n' "$1" \
		"$(jq -r '.median_s * 1000 | floor' "$d/status.json")" \
		"$(jq -r '.max_s * 1000 | floor' "$d/status.json")" \
		"$(jq -r .failed "$d/status.json")/$STATUS" "$n/$SESSIONS" \
		"$(pct "$d/late" 50)" "$(pct "$d/late" 100)" "$hwm" "$cpu"
}

echo "loaxa benchmarks — $(date -u +%Y-%m-%dT%H:%MZ) — $machine"
echo "the control socket under abuse: $SESSIONS sessions, $STATUS polite status requests per row"
echo
printf '%-10s %9s %9s %9s %6s %11s %11s %9s %7s\n' "" "status" "status" "status" "aired" \
	"start late" "start late" "peak RSS" "CPU"
printf '%-10s %9s %9s %9s %6s %11s %11s %9s %7s\n' "" "p50 ms" "max ms" "failed" "" \
	"p50 ms" "max ms" "MiB" "s"
row quiet 0 || exit 1
row abuse 1 || exit 1
printf '%-10s %9s %9s %9s %6s %11s %11s %9s %7s\n' "target" "" "" "0" "all" "" "20" "8" ""

# --- idle
d=$W/idle
station "$d"
echo 'slots = ( );' >"$d/schedules/s.cfg"
loaxad -c "$d/loaxad.conf" 2>"$d/daemon.log" &
pid=$!
PIDS+=("$pid")
waitfor 20 grep -q 'ready: control socket' "$d/daemon.log" || { echo "b60: idle: no daemon" >&2; exit 1; }
sleep 2
sw0=$(awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$pid/task/$pid/status")
ns0=$(awk '{ print $1 }' "/proc/$pid/task/$pid/schedstat")
sleep "$IDLE_S"
sw1=$(awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$pid/task/$pid/status")
ns1=$(awk '{ print $1 }' "/proc/$pid/task/$pid/schedstat")
kill -TERM "$pid"
wait "$pid" 2>/dev/null
echo
echo "idle, $IDLE_S s with nothing scheduled (the loop's own thread)"
printf '%-24s %14s %18s\n' "" "wake-ups/hour" "CPU ms/hour"
printf '%-24s %14s %18s\n' "loaxad" "$(awk -v a="$sw0" -v b="$sw1" -v s="$IDLE_S" 'BEGIN { printf "%.0f", (b - a) * 3600 / s }')" \
	"$(awk -v a="$ns0" -v b="$ns1" -v s="$IDLE_S" 'BEGIN { printf "%.2f", (b - a) / 1e6 * 3600 / s }')"
printf '%-24s %14s %18s\n' "a look every 30 s" "120" ""
