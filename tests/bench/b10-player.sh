#!/bin/bash
# make bench: loaxad against a minimal libsndfile -> libao loop on the same
# files and machine, and the start error of scheduled items.
#
#   BENCH_MINUTES   length of each programme (default 10; real time)
#   BENCH_STARTS    number of scheduled items for the start error (default 24)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$(cd "${BUILD:-build}" && pwd)
PATH=$B:$B/tests:$PATH
MIN=${BENCH_MINUTES:-10}
STARTS=${BENCH_STARTS:-24}
W=$(mktemp -d /tmp/loaxa-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$W"' EXIT
secs=$((MIN * 60))
machine="$(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

echo "loaxa benchmarks — $(date -u +%Y-%m-%dT%H:%MZ) — $machine"
echo "programmes: ${MIN} min each, 48 kHz stereo; output: libao null driver, real time"
echo

# A programme that is not silence: pink noise under a slow sweep.
sox -n -r 48000 -c 2 -b 16 "$W/p.wav" synth "$secs" pinknoise synth "$secs" sine mix 200-2000 vol 0.3 2>/dev/null
sox "$W/p.wav" "$W/p.flac"
sox "$W/p.wav" -C 5 "$W/p.ogg"

conf() { # conf DIR DRIVER
	mkdir -p "$1/state" "$1/schedules" "$1/audio"
	cat >"$1/loaxad.conf" <<EOC
station: { id = "bench"; };
state_dir = "$1/state";
schedule_dir = "$1/schedules";
audio_dir = "$1/audio";
control_socket = "$1/control.sock";
quiet_hours = "";
audio: { driver = "$2"; };
EOC
}
plays() { cat "$1"/state/airlog/*.jsonl 2>/dev/null | grep -c '"type":"play"' || true; }

# cpu_rss CMD...: run, print "CPU_SECONDS MAX_RSS_KIB"
cpu_rss() {
	/usr/bin/time -f '%U %S %M' -o "$W/time.$$" "$@" >/dev/null 2>&1 || true
	awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$W/time.$$"
}

run_loaxad() { # run_loaxad FILE -> "cpu rss"
	local d=$W/d.$RANDOM
	conf "$d" null
	cp "$1" "$d/audio/"
	printf 'slots = ( { name = "bench"; start = "%s"; items = ( { file = "%s"; } ); } );\n' \
		"$(date -d '+3 sec' +%H:%M:%S)" "$(basename "$1")" >"$d/schedules/b.cfg"
	(
		/usr/bin/time -f '%U %S %M' -o "$d/time" loaxad -c "$d/loaxad.conf" 2>"$d/log" &
		tpid=$!
		while [ "$(plays "$d")" -lt 1 ]; do sleep 0.5; done
		pkill -TERM -f "loaxad -c $d/loaxad.conf" || true
		wait $tpid || true
	)
	awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$d/time"
}

printf '%-6s %-22s %14s %12s %10s\n' format player "cpu s/audio h" "peak RSS" "vs loop"
for fmt in wav flac ogg; do
	f=$W/p.$fmt
	run_loaxad "$f" >"$W/l.$fmt" &
	cpu_rss minloop null "$f" >"$W/m.$fmt"
	wait
	read -r lc lr <"$W/l.$fmt"
	read -r mc mr <"$W/m.$fmt"
	scale=$(awk -v m="$MIN" 'BEGIN { print 60 / m }')
	printf '%-6s %-22s %14.2f %9.1f MiB %10s\n' "$fmt" "minimal sndfile->ao" \
		"$(awk -v c="$mc" -v s="$scale" 'BEGIN{print c*s}')" "$(awk -v r="$mr" 'BEGIN{print r/1024}')" "1.00x"
	printf '%-6s %-22s %14.2f %9.1f MiB %10s\n' "$fmt" "loaxad" \
		"$(awk -v c="$lc" -v s="$scale" 'BEGIN{print c*s}')" "$(awk -v r="$lr" 'BEGIN{print r/1024}')" \
		"$(awk -v a="$lc" -v b="$mc" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "-" }')"
done
echo "targets: loaxad CPU within 1.10x of the minimal loop; peak RSS under 8 MiB"
echo

# Start error: STARTS one-second items, each in its own slot, 3 s apart.
d=$W/starts
conf "$d" null
sox -n -r 48000 -c 2 -b 16 "$d/audio/one.wav" synth 1 sine 440 vol 0.3 2>/dev/null
base=$(( $(date +%s) + 4 ))
{
	echo "slots = ("
	for i in $(seq 0 $((STARTS - 1))); do
		sep=","; [ "$i" = $((STARTS - 1)) ] && sep=""
		printf '  { name = "s%d"; start = "%s"; items = ( { file = "one.wav"; } ); }%s\n' \
			"$i" "$(date -d "@$((base + 3 * i))" +%H:%M:%S)" "$sep"
	done
	echo ");"
} >"$d/schedules/s.cfg"
loaxad -c "$d/loaxad.conf" 2>"$d/log" &
lpid=$!
while [ "$(plays "$d")" -lt "$STARTS" ]; do sleep 0.5; done
kill -TERM $lpid; wait $lpid || true
cat "$d"/state/airlog/*.jsonl | jq -r 'select(.type=="play") | [.scheduled, .start] | @tsv' |
	while IFS=$'\t' read -r s a; do
		echo "$(date -d "$a" +%s.%N) $(date -d "$s" +%s.%N)" | awk '{ printf "%.3f\n", ($1 - $2) * 1000 }'
	done | sort -n >"$W/err"
n=$(wc -l <"$W/err")
p50=$(awk -v n="$n" 'NR == int((n + 1) * 0.5) { print }' "$W/err")
p99=$(awk -v n="$n" 'NR == (int(n * 0.99 + 0.999) > n ? n : int(n * 0.99 + 0.999)) { print }' "$W/err")
printf '%-34s %8s %8s %8s\n' "start error (ms, start - scheduled)" p50 p99 max
printf '%-34s %8s %8s %8s\n' "loaxad, $n scheduled items" "$p50" "$p99" "$(tail -1 "$W/err")"
echo "target: p99 under 20 ms"
