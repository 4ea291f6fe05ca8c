#!/bin/bash
# b10-player: what playing costs. loaxad plays province programmes (WAV,
# FLAC, Ogg Vorbis; 48 kHz stereo; published with loaxa-province and synced
# into the station's store, the way a station gets them) to libao's null
# driver; beside it minloop, the least a program can do to play the same file
# (libsndfile -> libao, paced to real time as well). Then the start error of
# scheduled items.
#
# CPU per audio hour: each player runs twice, on the programme and on its
# first second alone; the difference is the cost of playing the rest, scaled
# to an hour. Start-up and shut-down (libao's plugins, the config, the
# station key, the sync at start) cost the same in both runs and drop out,
# on both sides; loaxad's figure includes its loaxad-net rounds. Peak RSS
# is loaxad's own (VmHWM) over the whole run of the long one; the network
# rounds' processes are measured on a line of their own.
#
#   BENCH_MINUTES   length of each programme in minutes (default 10; real
#                   time: the run takes about 3 x that, plus ~2 minutes)
#   BENCH_STARTS    scheduled items for the start error (default 24, at least 20)
set -euo pipefail
source "$(dirname "$0")/lib-bench.sh"
MIN=${BENCH_MINUTES:-10}
STARTS=${BENCH_STARTS:-24}
[ "$STARTS" -ge 20 ] || STARTS=20
W=$(mktemp -d /tmp/loaxa-bench.XXXXXX)
S=$W/station
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$W"' EXIT
secs=$(awk -v m="$MIN" 'BEGIN { s = int(m * 60 + 0.5); print s < 5 ? 5 : s }')

bench_need b10-player sox jq /usr/bin/time loaxad loaxa-province minloop sync-once

# --- the programmes -----------------------------------------------------------

# Not silence: pink noise under a slow sweep. "first-*" is the first second.
mkdir -p "$W/src"
sox -n -r 48000 -c 2 -b 16 "$W/p.wav" synth "$secs" pinknoise synth "$secs" sine mix 200-2000 \
	vol 0.3 2>/dev/null
sox "$W/p.wav" "$W/first.wav" trim 0 1
for f in p first; do
	cp "$W/$f.wav" "$W/src/$f-wav.wav"
	sox "$W/$f.wav" "$W/src/$f-flac.flac"
	sox "$W/$f.wav" -C 5 "$W/src/$f-ogg.ogg"
done
loaxa-province keygen --key "$W/prov.key" --pub "$W/prov.pub" >/dev/null 2>&1
loaxa-province publish --key "$W/prov.key" --programmes "$W/src" --out "$W/pub" \
	--province bench >"$W/publish.log" 2>&1 || { cat "$W/publish.log" >&2; exit 1; }

bench_station "$S" null "" "province: {
  manifest_url = \"file://$W/pub/manifest.json\";
  public_key = \"$(sed -n 2p "$W/prov.pub")\";
};"
# Into the store once, so that no run below pays for the download.
sync-once -c "$S/loaxad.conf" >"$W/sync.log" 2>&1 || { cat "$W/sync.log" >&2; exit 1; }

# --- running and measuring ------------------------------------------------------

# measured OUT CMD...: run CMD; OUT.pid holds /usr/bin/time's pid while it
# runs, then OUT.cpu "CPU_SECONDS" (of CMD and all it waited for, to the
# millisecond) and OUT.rss the peak RSS in KiB. Nothing else runs in the
# subshell, so its children's times are CMD's.
measured() {
	local out=$1
	shift
	(
		/usr/bin/time -f %M -o "$out.rss" "$@" >/dev/null 2>>"$out.log" &
		echo $! >"$out.pid"
		wait $! || true
		times >"$out.times"
	)
	awk 'NR == 2 { split($0, t, /[ms ]+/); printf "%.3f\n", t[1] * 60 + t[2] + t[3] * 60 + t[4] }' \
		"$out.times" >"$out.cpu"
}

# done_lines ID: as-run lines of ID played whole
done_lines() {
	{ cat "$S"/state/airlog/*.jsonl 2>/dev/null || true; } |
		jq -c --arg id "$1" 'select(.type == "play" and .programme == $id and .status == "complete")' |
		wc -l
}

# play_programme OUT ID: loaxad starts, plays programme ID once at a
# scheduled second, and is stopped (SIGTERM) once the as-run log has it.
play_programme() {
	local out=$1 id=$2 before at tpid pid
	before=$(done_lines "$id")
	at=$(($(date +%s) + 4))
	printf 'slots = ( { name = "bench"; date = "%s"; start = "%s"; items = ( "%s" ); } );\n' \
		"$(date -d "@$at" +%F)" "$(date -d "@$at" +%T)" "$id" >"$S/schedules/bench.cfg"
	rm -f "$out.pid"
	measured "$out" loaxad -c "$S/loaxad.conf" &
	local sub=$!
	while [ ! -s "$out.pid" ]; do sleep 0.1; done
	tpid=$(cat "$out.pid")
	pid=
	while [ -z "$pid" ]; do
		pid=$(pgrep -P "$tpid" || true)
		[ -n "$pid" ] || sleep 0.1
	done
	while [ "$(done_lines "$id")" -le "$before" ]; do
		kill -0 "$pid" 2>/dev/null || { cat "$out.log" >&2; exit 1; }
		sleep 0.5
	done
	# what its resident memory is made of, still running
	awk '/^(RssAnon|RssFile|RssShmem):/ { printf "%s %d\n", $1, $2 }' "/proc/$pid/status" >"$out.mem"
	# loaxad's own peak: time's %M is the largest of it and the loaxad-net
	# rounds it ran (wait4's ru_maxrss), which are processes of their own
	proc_kib "$pid" VmHWM >"$out.hwm"
	kill -TERM "$pid"
	wait "$sub"
}

# per_hour LONG SHORT: CPU seconds per audio hour from a secs-long and a 1 s run
per_hour() { awk -v l="$(cat "$1")" -v s="$(cat "$2")" -v d="$secs" 'BEGIN { printf "%.3f", (l - s) * 3600 / (d - 1) }'; }
mib() { awk -v k="$(cat "$1")" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

row() { printf '%-6s | %-20s | %20s | %9s | %13s\n' "$@"; }

echo "b10-player — $(date -u +%Y-%m-%dT%H:%MZ) — machine: $machine"
echo "programmes: $(awk -v s="$secs" 'BEGIN { printf "%g", s / 60 }') min each, 48 kHz stereo 16-bit, from the province catalog;" \
	"output: libao null driver, paced to real time"
echo "loaxad's gain (loudness to -16 LUFS): $(jq -r '[.programmes[] | select(.id | startswith("p-")) |
	"\(.id | ltrimstr("p-")) \(-16 - .loudness_lufs | . * 10 | round / 10) dB"] | join(", ")' "$W/pub/manifest.json")"
echo
row format player "CPU s per audio hour" "peak RSS" "ratio to loop"
row ------ -------------------- -------------------- --------- -------------
for fmt in wav flac ogg; do
	ext=$fmt
	store=$(jq -r --arg id "p-$fmt" '.programmes[] | select(.id == $id) | .path' "$W/pub/manifest.json")
	first=$(jq -r --arg id "first-$fmt" '.programmes[] | select(.id == $id) | .path' "$W/pub/manifest.json")
	# the same bytes loaxad plays, from the station's store
	file=$S/state/store/${store#programmes/}
	short=$S/state/store/${first#programmes/}
	if [ ! -f "$file" ] || [ ! -f "$short" ]; then
		echo "b10-player: $file not in the store" >&2
		exit 1
	fi
	play_programme "$W/ls.$ext" "first-$fmt"
	measured "$W/ms.$ext" minloop null "$short"
	# the long runs side by side: two cores, and each sleeps most of the time
	play_programme "$W/ll.$ext" "p-$fmt" &
	measured "$W/ml.$ext" minloop null "$file"
	wait $!
	mc=$(per_hour "$W/ml.$ext.cpu" "$W/ms.$ext.cpu")
	lc=$(per_hour "$W/ll.$ext.cpu" "$W/ls.$ext.cpu")
	row "$fmt" "minimal sndfile->ao" "$mc" "$(mib "$W/ml.$ext.rss")" "1.00x"
	row "$fmt" loaxad "$lc" "$(mib "$W/ll.$ext.hwm")" \
		"$(awk -v a="$lc" -v b="$mc" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')"
done
echo "(the long runs of a format go side by side; the absolute figures move with the machine's load,"
echo " a timer wake-up costing more on an idle VM: compare within a row pair)"
awk '{ k[$1] = $2 } END { printf "loaxad resident at the end of the WAV programme: %.1f MiB anonymous (its own heap and stacks), %.1f MiB of mapped files (shared libraries)\n", k["RssAnon:"] / 1024, (k["RssFile:"] + k["RssShmem:"]) / 1024 }' "$W/ll.wav.mem"
/usr/bin/time -f %M -o "$W/net.rss" loaxad-net sync -c "$S/loaxad.conf" >/dev/null 2>&1 || true
echo "each sync or upload round is a loaxad-net process of its own, for the round's length:" \
	"peak $(mib "$W/net.rss") (a sync with nothing new, libcurl and TLS loaded)"
echo

# --- start error ------------------------------------------------------------------

# STARTS one-second programmes, each its own slot (the device opens for
# each), 3 s apart.
base=$(($(date +%s) + 5))
{
	echo "slots = ("
	for i in $(seq 0 $((STARTS - 1))); do
		t=$((base + 3 * i))
		sep=","
		[ "$i" = $((STARTS - 1)) ] && sep=""
		printf '  { name = "s%d"; date = "%s"; start = "%s"; items = ( "first-wav" ); }%s\n' \
			"$i" "$(date -d "@$t" +%F)" "$(date -d "@$t" +%T)" "$sep"
	done
	echo ");"
} >"$S/schedules/bench.cfg"
before=$(cat "$S"/state/airlog/*.jsonl | wc -l)
loaxad -c "$S/loaxad.conf" 2>"$W/starts.log" &
lpid=$!
while [ "$(cat "$S"/state/airlog/*.jsonl | tail -n +$((before + 1)) |
	grep '"type":"play"' | grep -c '"slot":"s[0-9]*"' || true)" -lt "$STARTS" ]; do
	kill -0 $lpid 2>/dev/null || { cat "$W/starts.log" >&2; exit 1; }
	sleep 0.5
done
kill -TERM $lpid
wait $lpid || true
cat "$S"/state/airlog/*.jsonl | tail -n +$((before + 1)) |
	jq -r 'select(.type == "play" and (.slot | test("^s[0-9]+$"))) | [.scheduled, .start] | @tsv' |
	while IFS=$'\t' read -r sched start; do
		echo "$(date -d "$start" +%s.%N) $(date -d "$sched" +%s.%N)"
	done | awk '{ printf "%.1f\n", ($1 - $2) * 1000 }' | sort -n >"$W/err"
n=$(wc -l <"$W/err")
printf '%-11s | %-28s | %11s | %11s | %11s\n' "start error" "loaxad, $n scheduled items" \
	"p50 $(pct "$W/err" 50) ms" "p99 $(pct "$W/err" 99) ms" "max $(tail -1 "$W/err") ms"
echo
echo "targets: loaxad CPU within 1.10x of the loop, peak RSS under 8 MiB, start error p99 under 20 ms"
