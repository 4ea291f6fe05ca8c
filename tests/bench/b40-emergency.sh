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
cd "$(dirname "$0")/../.." || exit 1
B=${LOAXA_BUILD:-$(cd "${BUILD:-build}" && pwd)}
PATH=$B:$B/tests:$PATH
RUNS=${BENCH_EMERGENCY_RUNS:-20}
TARGET_MS=200
E_FREQ=1200
machine="$(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

for tool in loaxad loaxactl wavsegments bench-firstbyte sox jq python3; do
	command -v "$tool" >/dev/null || { echo "b40-emergency: $tool not found (make bench builds it)" >&2; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-b40.XXXXXX")
LPID=
RPID=
trap '[ -n "$LPID" ] && kill -9 "$LPID" 2>/dev/null; [ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	rm -rf "$W"' EXIT

sox -n -r 48000 -c 2 -b 16 "$W/long.wav" synth 30 sine 440 vol 0.5 2>/dev/null
sox -n -r 48000 -c 2 -b 16 "$W/e.wav" synth 0.5 sine "$E_FREQ" vol 0.5 2>/dev/null

# epoch TIMESTAMP: seconds since the epoch, with the fraction
epoch() { date -d "$1" +%s.%N; }
# waitfor SECONDS COMMAND...: poll until the command succeeds
waitfor() {
	local end=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while ! "$@" 2>/dev/null; do
		[ "$(date +%s%N)" -gt "$end" ] && return 1
		sleep 0.05
	done
}
# wav_data FILE: offset of the samples in a RIFF/WAVE stream (after "data")
wav_data() {
	python3 -c 'import struct, sys
b = open(sys.argv[1], "rb").read(4096)
i = 12
while i + 8 <= len(b):
    size = struct.unpack("<I", b[i + 4:i + 8])[0]
    if b[i:i + 4] == b"data":
        print(i + 8)
        break
    i += 8 + size + (size & 1)' "$1"
}
# stop PID: SIGTERM, then SIGKILL if it has not gone within 10 s
stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
plays() { cat "$1"/state/airlog/*.jsonl 2>/dev/null | grep -c '"type":"play"'; }
has_plays() { [ "$(plays "$1")" -ge "$2" ]; }

: >"$W/lat"
fail=0
for i in $(seq 1 "$RUNS"); do
	d=$W/r$i
	mkdir -p "$d/state" "$d/schedules" "$d/audio"
	cp "$W/long.wav" "$d/audio/"
	cp "$W/e.wav" "$d/"
	mkfifo "$d/out.wav"
	cat >"$d/loaxad.conf" <<EOC
station: { id = "bench"; };
state_dir = "$d/state";
schedule_dir = "$d/schedules";
audio_dir = "$d/audio";
control_socket = "$d/control.sock";
quiet_hours = "";
audio: { driver = "wav"; file = "$d/out.wav"; rate = 48000; channels = 2; };
EOC
	printf 'slots = ( { name = "dài"; start = "%s"; items = ( { file = "long.wav"; } ); } );\n' \
		"$(date -d "@$(($(date +%s) + 2))" +%H:%M:%S)" >"$d/schedules/s.cfg"
	bench-firstbyte -t "$d/copy.wav" "$d/out.wav" 500 >"$d/reads" &
	RPID=$!
	sleep 0.2
	if ! kill -0 "$RPID" 2>/dev/null; then
		echo "b40-emergency: bench-firstbyte did not start" >&2
		exit 1
	fi
	loaxad -c "$d/loaxad.conf" 2>"$d/daemon.log" &
	LPID=$!
	# the long item must be on air: its start is in the daemon's log
	if ! waitfor 20 grep -q 'on air: file "long.wav"' "$d/daemon.log"; then
		echo "b40-emergency: run $i: the long item did not start" >&2
		fail=$((fail + 1))
		stop "$LPID"; LPID=
		stop "$RPID"; RPID=
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
	off=$(wav_data "$d/copy.wav")
	heard=""
	written=""
	if [ -n "$off" ]; then
		tail -c +$((off + 1)) "$d/copy.wav" >"$d/out.raw"
		# the first sound after the long item's 440 Hz: a 10 ms window that
		# mixes both pitches already holds the emergency's first samples
		heard=$(wavsegments --raw 48000 2 "$d/out.raw" | awk -v f="$E_FREQ" '
			$1 == "tone" && $4 > 400 && $4 < 480 && !long { long = 1; next }
			long && $1 == "tone" && !at { at = $2 }
			long && $1 == "tone" && $4 > f * 0.9 && $4 < f * 1.1 { print at; exit }')
	fi
	if [ -n "$heard" ]; then
		# the read whose bytes reach the tone's first frame (4 bytes a frame)
		written=$(awk -v b="$(awk -v o="$off" -v h="$heard" 'BEGIN { printf "%d", o + int(h * 48000 + 0.5) * 4 }')" \
			'$2 > b { print $1; exit }' "$d/reads")
	fi
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

# pct FILE COLUMN P: the P-th percentile (nearest rank) of a column
pct() {
	sort -n -k"$2","$2" "$1" | awk -v c="$2" -v p="$3" '{ v[NR] = $c }
		END { r = int(NR * p / 100 + 0.999); if (r < 1) r = 1; if (r > NR) r = NR; print v[r] }'
}
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
printf '%-48s %8s %8s %8s %10s\n' "heard: first emergency sample in out.wav" "$(pct "$W/lat" 1 50)" \
	"$(pct "$W/lat" 1 99)" "$(pct "$W/lat" 1 100)" "< $TARGET_MS"
printf '%-48s %8s %8s %8s %10s\n' "written: its first block read from the pipe" \
	"$(pct "$W/lat" 3 50)" "$(pct "$W/lat" 3 99)" "$(pct "$W/lat" 3 100)" "-"
printf '%-48s %8s %8s %8s %10s\n' "logged: the emergency's start in the as-run log" \
	"$(pct "$W/lat" 2 50)" "$(pct "$W/lat" 2 99)" "$(pct "$W/lat" 2 100)" "-"
max=$(pct "$W/lat" 1 100)
if awk -v m="$max" -v t="$TARGET_MS" 'BEGIN { exit !(m < t) }'; then
	echo "every emergency was on the output within $TARGET_MS ms"
else
	echo "MISSED: the slowest emergency took $max ms (target $TARGET_MS ms)"
fi
[ "$fail" = 0 ] || { echo "$fail of $RUNS runs failed (see above)"; exit 1; }
