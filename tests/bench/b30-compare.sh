#!/bin/bash
# make bench: loaxad beside what a commune would otherwise run (issue "proof
# under stress"), on the same programme, on this machine, in one run.
#
# Players, all on the same MP3 programme (48 kHz stereo), all with an output
# that discards the samples but keeps real time:
#   loaxad        the programme as a { file = ... } item, libao null driver
#   minimal loop  tests/helpers/minloop null FILE (libsndfile -> libao)
#   mpd           a null audio_output, started with mpc over a unix socket
#   liquidsoap    output.dummy(once(single(FILE))), 48 kHz frames
# They play concurrently (each needs a few % of a core; CPU time is counted
# per process, so they do not share it) and are sampled every 5 s from
# /proc/PID: utime+stime (+ reaped children), VmRSS.
#   CPU s / audio h  CPU time between 15 s after the start and 10 s before
#                    the end (start-up excluded), scaled to an hour
#   steady RSS       median of the VmRSS samples in that window
# Idle wake-ups: each daemon with nothing to play for BENCH_IDLE_SECONDS
# (loaxad and liquidsoap with a slot hours away, mpd stopped, cron with a
# job hours away): voluntary context switches summed over every thread of
# the process (/proc/PID/task/*/status: each one is the process going to
# sleep, so one wake-up), and sched:sched_switch events from perf stat
# when perf works here.
#
# Start error: the time from the scheduled instant to the first audio
# sample the player writes.
#   cron + mpg123  a real Debian cron daemon runs, every minute,
#                  "mpg123 -q -s ITEM.mp3 > FIFO": mpg123 decodes to stdout,
#                  a named pipe. tests/helpers/bench-firstbyte is already
#                  blocked reading the pipe and stamps the wall clock when
#                  the first bytes arrive. The scheduled instant is the
#                  minute boundary (HH:MM:00.000) cron fires on. A real set-up
#                  would open an ALSA device first; that is not counted.
#   loaxad         a second daemon with a 1 s item in a slot every 20 s
#                  (HH:MM:00, :20, :40): its as-run log's start - scheduled
#                  (the player's clock), and, by a clock of our own, the
#                  libao "raw" driver writing into a named pipe read the same
#                  way. A file sink has no clock, so the player hands it each
#                  block (100 ms) once the block's last sample is due
#                  (daemon/player.c): the pipe row is the start error plus
#                  one block, by design; on a live device the player writes
#                  ahead instead. The cron / loaxad ratio uses it, so the
#                  ratio is a lower bound.
# Each burst is matched to the nearest scheduled instant (the error may be
# negative when a player writes early). The start-error players run during
# the playback above, under the same load.
#
#   BENCH_COMPARE_MINUTES  length of the programme (default 60; real time)
#   BENCH_IDLE_SECONDS     idle time for the wake-ups (default 60)
#   BENCH_CRON             "cron" (default) or "loop"
#
# Needs root for the real cron (a file in /etc/cron.d, removed at exit);
# otherwise, or with BENCH_CRON=loop, a loop that sleeps to each minute
# boundary stands in for it.
set -uo pipefail
source "$(dirname "$0")/lib-bench.sh"
MIN=${BENCH_COMPARE_MINUTES:-60}
IDLE=${BENCH_IDLE_SECONDS:-60}
WARM=15
TAIL=10
secs=$((MIN * 60))
HZ=$(getconf CLK_TCK)

bench_need b30-compare loaxad minloop bench-firstbyte sox jq
if [ "$secs" -lt 60 ]; then
	echo "b30-compare: BENCH_COMPARE_MINUTES must be at least 1" >&2
	exit 1
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/bench-b30.XXXXXX")
PIDS=()
CRON_D=
bench_cleanup() {
	local p
	[ -n "$CRON_D" ] && rm -f "$CRON_D"
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap bench_cleanup EXIT
started() { PIDS+=("$1"); }

now() { date +%s.%N; }
# sleep_until EPOCH
sleep_until() {
	local d
	d=$(awk -v t="$1" -v n="$(now)" 'BEGIN { d = t - n; if (d < 0) d = 0; printf "%.3f", d }')
	sleep "$d"
}
hms() { date -d "@$1" +%H:%M:%S; }
# wakeups PID: voluntary context switches of every thread
wakeups() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }'; }
alive() { kill -0 "$1" 2>/dev/null; }

one_slot() { # one_slot FILE HH:MM:SS AUDIO
	printf 'slots = ( { name = "bench"; start = "%s"; items = ( { file = "%s"; } ); } );\n' "$2" "$3" >"$1"
}

# --- what can run here ---------------------------------------------------

have_mpd=""
have_liq=""
have_mpg123=""
if ! command -v mpd >/dev/null || ! command -v mpc >/dev/null; then
	have_mpd="n/a (mpd or mpc not installed)"
fi
command -v liquidsoap >/dev/null || have_liq="n/a (liquidsoap not installed)"
command -v mpg123 >/dev/null || have_mpg123="n/a (mpg123 not installed)"
have_perf=""
if ! command -v perf >/dev/null || ! perf stat -e sched:sched_switch -o /dev/null -- true 2>/dev/null; then
	have_perf="n/a"
fi
cron_kind=${BENCH_CRON:-cron}
if [ "$(id -u)" != 0 ] || ! command -v cron >/dev/null; then
	cron_kind="loop"
fi

# --- the programme -------------------------------------------------------

P=$W/programme.mp3
sox -n -r 48000 -c 2 "$P" synth "$secs" pinknoise synth "$secs" sine mix 200-2000 vol 0.3 2>/dev/null
sox -n -r 48000 -c 2 "$W/item.mp3" synth 1 sine 660 vol 0.5 2>/dev/null
if [ ! -s "$P" ] || [ ! -s "$W/item.mp3" ]; then
	echo "b30-compare: sox cannot write MP3 (libsox-fmt-mp3)" >&2
	exit 1
fi

# --- mpd -----------------------------------------------------------------

mpd_start() {
	local d=$W/mpd
	mkdir -p "$d/music"
	ln -s "$P" "$d/music/programme.mp3"
	cat >"$d/mpd.conf" <<EOC
music_directory "$d/music"
db_file "$d/db"
log_file "$d/log"
pid_file "$d/pid"
bind_to_address "$d/socket"
zeroconf_enabled "no"
audio_output {
	type "null"
	name "null"
	mixer_type "none"
}
EOC
	mpd --no-daemon "$d/mpd.conf" 2>>"$d/log" &
	MPD_PID=$!
	started "$MPD_PID"
	export MPD_HOST=$d/socket
	for _ in $(seq 1 100); do
		mpc status >/dev/null 2>&1 && break
		sleep 0.1
	done
	mpc -q update --wait && mpc -q add programme.mp3 && [ "$(mpc playlist | wc -l)" = 1 ]
}
if [ -z "$have_mpd" ] && ! mpd_start; then
	have_mpd="n/a (mpd did not start: $(tail -1 "$W/mpd/log" 2>/dev/null))"
fi

# --- liquidsoap ----------------------------------------------------------

liq_conf() { # liq_conf FILE SOURCE
	cat >"$1" <<EOC
settings.log.stdout.set(true)
settings.log.file.set(false)
settings.init.allow_root.set(true)
settings.frame.audio.samplerate.set(48000)
$2
EOC
}

# --- idle ----------------------------------------------------------------

later=$(($(date +%s) + 3 * 3600))
later_h=$(date -d "@$later" +%-H)
later_m=$(date -d "@$later" +%-M)

bench_station "$W/idle" null
one_slot "$W/idle/schedules/s.cfg" "$(hms "$later")" "$P"
loaxad -c "$W/idle/loaxad.conf" 2>"$W/idle/log" &
IDLE_LOAXAD=$!
started "$IDLE_LOAXAD"

if [ -z "$have_liq" ]; then
	liq_conf "$W/idle.liq" "s = switch([({${later_h}h00m-${later_h}h59m}, single(\"$P\"))])
output.dummy(fallible=true, s)"
	liquidsoap "$W/idle.liq" >"$W/idle-liq.log" 2>&1 &
	IDLE_LIQ=$!
	started "$IDLE_LIQ"
fi

cron_job() { # cron_job SCHEDULE: (re)write our cron.d file
	printf '%s root mpg123 -q -s %s >%s 2>/dev/null\n' "$1" "$W/item.mp3" "$W/cron.fifo" >"$CRON_D.tmp"
	chmod 0644 "$CRON_D.tmp"
	mv "$CRON_D.tmp" "$CRON_D"
}
mkfifo "$W/cron.fifo" "$W/loaxad.fifo"
CRON_PID=
if [ -n "$have_mpg123" ]; then
	:
elif [ "$cron_kind" = cron ]; then
	CRON_D=/etc/cron.d/loaxa-bench-$$
	cron_job "$later_m $later_h * * *"
	cron -f -L 0 >"$W/cron.log" 2>&1 &
	CRON_PID=$!
	sleep 1
	if alive "$CRON_PID"; then
		started "$CRON_PID"
	elif [ -r /run/crond.pid ] && alive "$(cat /run/crond.pid)"; then
		CRON_PID=$(cat /run/crond.pid) # the system's cron is running: it reads our file too
		cron_kind="cron (the system's)"
	else
		cron_kind="loop"
		rm -f "$CRON_D"
		CRON_D=
	fi
fi
if [ -z "$have_mpg123" ] && [ "$cron_kind" = loop ]; then
	# cron's loop without cron: sleep (whole seconds, as cron does) to the
	# next minute boundary, then start the job through /bin/sh
	(
		trap - EXIT
		trap 'exit 0' TERM
		while :; do
			sleep $((60 - $(date +%s) % 60))
			[ -e "$W/cron.every" ] && sh -c "mpg123 -q -s $W/item.mp3 >$W/cron.fifo 2>/dev/null" &
			sleep 1
		done
	) &
	CRON_PID=$!
	started "$CRON_PID"
fi

sleep 5
declare -A idle_pid idle_w0 idle_w1 idle_perf
[ -n "$IDLE_LOAXAD" ] && idle_pid[loaxad]=$IDLE_LOAXAD
[ -z "$have_mpd" ] && idle_pid[mpd]=$MPD_PID
[ -z "$have_liq" ] && idle_pid[liquidsoap]=$IDLE_LIQ
[ -n "$CRON_PID" ] && idle_pid[cron]=$CRON_PID
perf_pids=()
for k in "${!idle_pid[@]}"; do
	idle_w0[$k]=$(wakeups "${idle_pid[$k]}")
	if [ -z "$have_perf" ]; then
		perf stat -x, -e sched:sched_switch -p "${idle_pid[$k]}" -o "$W/perf.$k" -- sleep "$IDLE" \
			>/dev/null 2>&1 &
		perf_pids+=($!)
	fi
done
sleep "$IDLE"
for k in "${!idle_pid[@]}"; do
	if alive "${idle_pid[$k]}"; then
		idle_w1[$k]=$(($(wakeups "${idle_pid[$k]}") - ${idle_w0[$k]}))
	else
		idle_w1[$k]="n/a (exited)"
	fi
done
for p in "${perf_pids[@]}"; do wait "$p"; done
for k in "${!idle_pid[@]}"; do
	c=$(grep -s 'sched:sched_switch' "$W/perf.$k" | cut -d, -f1)
	case $c in
	"<not counted>") c=0 ;; # the event is counted while the task runs: it never ran
	"" | *[!0-9]*) c="n/a" ;;
	esac
	idle_perf[$k]=$c
done
kill "$IDLE_LOAXAD" 2>/dev/null
[ -z "$have_liq" ] && kill "$IDLE_LIQ" 2>/dev/null

# --- playback, and the start errors under the same load --------------------

T0=$(($(date +%s) + 10))
bench_station "$W/play" null
one_slot "$W/play/schedules/s.cfg" "$(hms "$T0")" "$P"
loaxad -c "$W/play/loaxad.conf" 2>"$W/play/log" &
PLAY_LOAXAD=$!
started "$PLAY_LOAXAD"

# the start-error daemon: a slot every 20 s while the programme plays
bench_station "$W/starts" raw "$W/loaxad.fifo"
cp "$W/item.mp3" "$W/starts/audio/"
first=$(((T0 + 20 + 19) / 20 * 20))
last=$((T0 + secs - 20))
{
	echo "slots = ("
	sep=""
	for ((t = first; t <= last; t += 20)); do
		printf '%s  { name = "s%d"; start = "%s"; items = ( { file = "item.mp3"; } ); }' "$sep" "$t" "$(hms "$t")"
		sep=$',\n'
	done
	printf '\n);\n'
} >"$W/starts/schedules/s.cfg"
bench-firstbyte "$W/loaxad.fifo" 500 >"$W/loaxad.bursts" &
started $!
loaxad -c "$W/starts/loaxad.conf" 2>"$W/starts/log" &
STARTS_LOAXAD=$!
started "$STARTS_LOAXAD"

if [ -z "$have_mpg123" ]; then
	bench-firstbyte "$W/cron.fifo" 500 >"$W/cron.bursts" &
	started $!
	case $cron_kind in
	cron*) cron_job "* * * * *" ;;
	loop) touch "$W/cron.every" ;;
	esac
fi

sleep_until "$T0"
minloop null "$P" &
LOOP_PID=$!
started "$LOOP_PID"
if [ -z "$have_mpd" ]; then
	mpc -q play || have_mpd="n/a (mpc play failed)"
fi
if [ -z "$have_liq" ]; then
	liq_conf "$W/play.liq" "output.dummy(fallible=true, on_stop=shutdown, once(single(\"$P\")))"
	liquidsoap "$W/play.liq" >"$W/play-liq.log" 2>&1 &
	PLAY_LIQ=$!
	started "$PLAY_LIQ"
fi

declare -A play_pid
play_pid[loaxad]=$PLAY_LOAXAD
play_pid[loop]=$LOOP_PID
[ -z "$have_mpd" ] && play_pid[mpd]=$MPD_PID
[ -z "$have_liq" ] && play_pid[liquidsoap]=$PLAY_LIQ
: >"$W/samples"
mpd_was_playing=0
end=$((T0 + secs + 15))
while [ "$(date +%s)" -lt "$end" ]; do
	t=$(now)
	for k in "${!play_pid[@]}"; do
		c=$(cpu_ticks_all "${play_pid[$k]}")
		r=$(proc_kib "${play_pid[$k]}" VmRSS)
		[ -n "$c" ] && [ -n "$r" ] && echo "$k $t $c $r" >>"$W/samples"
	done
	if [ -z "$have_mpd" ] && mpc status 2>/dev/null | grep -q '^\[playing\]'; then
		mpd_was_playing=$((mpd_was_playing + 1))
	fi
	sleep 5
done
cp "$W/loaxad.bursts" "$W/loaxad.bursts.end"
[ -z "$have_mpg123" ] && cp "$W/cron.bursts" "$W/cron.bursts.end"
[ -n "$CRON_D" ] && rm -f "$CRON_D"
rm -f "$W/cron.every"

# Did each player play the whole programme?
played=()
pl=$(cat "$W"/play/state/airlog/*.jsonl 2>/dev/null | jq -r 'select(.type == "play") | "\(.status) \(.played_s)"' | head -1)
case $pl in
complete*) played[0]="" ;;
*) played[0]="did not finish: '$pl'" ;;
esac
if alive "$LOOP_PID"; then played[1]="still playing"; else
	wait "$LOOP_PID"; rc=$?; [ "$rc" = 0 ] && played[1]="" || played[1]="exit $rc"
fi
if [ -z "$have_mpd" ]; then
	if mpc status | grep -q '^\[playing\]'; then played[2]="still playing"
	elif [ "$mpd_was_playing" -lt 2 ]; then played[2]="was not playing"
	else played[2]=""; fi
fi
if [ -z "$have_liq" ]; then
	for _ in $(seq 1 20); do alive "$PLAY_LIQ" || break; sleep 0.5; done
	if alive "$PLAY_LIQ"; then played[3]="still playing"
	elif ! grep -q 'Prepared' "$W/play-liq.log"; then played[3]="did not play"
	else played[3]=""; fi
fi

# --- figures ---------------------------------------------------------------

t0=$((T0 + WARM))
t1=$((T0 + secs - TAIL))
# cpu_hour NAME: CPU seconds per audio hour in [t0, t1]
cpu_hour() {
	awk -v k="$1" -v a="$t0" -v b="$t1" -v hz="$HZ" '$1 == k && $2 >= a && $2 <= b {
		if (!n++) { ts = $2; cs = $3 } te = $2; ce = $3 }
		END { if (n < 2 || te <= ts) print "n/a"; else printf "%.2f\n", (ce - cs) / hz / (te - ts) * 3600 }' "$W/samples"
}
# rss_median NAME: MiB
rss_median() {
	awk -v k="$1" -v a="$t0" -v b="$t1" '$1 == k && $2 >= a && $2 <= b { print $4 }' "$W/samples" | sort -n |
		awk '{ v[NR] = $1 } END { if (!NR) print "n/a"; else printf "%.1f MiB\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1024 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }'; }
idle_cell() { # idle_cell NAME: "PROC / PERF" wake-ups per minute
	local w=${idle_w1[$1]:-} p=${idle_perf[$1]:-n/a}
	[ -z "$w" ] && { echo "n/a"; return; }
	case $w in n/a*) echo "$w"; return ;; esac
	awk -v w="$w" -v p="$p" -v s="$IDLE" 'BEGIN { printf "%.1f / %s", w * 60 / s, p == "n/a" ? p : sprintf("%.1f", p * 60 / s) }'
}

mpd_v=$(mpd --version 2>/dev/null | head -1 | sed 's/.*Daemon //; s/ .*//')
liq_v=$(liquidsoap --version 2>/dev/null | head -1 | sed 's/Liquidsoap //')
cron_v=$(dpkg-query -W -f='${Version}' cron 2>/dev/null)
mpg_v=$(mpg123 --version 2>/dev/null | awk '{ print $2 }')
case $cron_kind in
loop) cron_label="cron stand-in, a sleep loop" ;;
*) cron_label="$cron_kind $cron_v" ;;
esac

echo "loaxa benchmarks — $(date -u +%Y-%m-%dT%H:%MZ) — $machine"
echo "programme: $MIN min MP3, 48 kHz stereo, $(($(stat -c %s "$P") / 1024)) KiB; every player concurrently, output discarded in real time"
echo "CPU over the steady $((secs - WARM - TAIL)) s (start-up excluded), scaled to an audio hour; RSS: median of 5 s samples"
echo "idle: $IDLE s with nothing to play; wake-ups per minute as voluntary context switches / perf sched_switch"
echo
printf '%-30s %14s %8s %11s %24s  %s\n' player "cpu s/audio h" "vs loop" "steady RSS" "wake-ups/idle min" "note"
lc=$(cpu_hour loop)
printf '%-30s %14s %8s %11s %24s  %s\n' "minimal sndfile->ao loop" "$lc" "1.00x" "$(rss_median loop)" \
	"n/a (not a daemon)" "${played[1]}"
c=$(cpu_hour loaxad)
printf '%-30s %14s %8s %11s %24s  %s\n' "loaxad $(loaxad --version 2>/dev/null | awk '{ print $NF }')" \
	"$c" "$(ratio "$c" "$lc")" "$(rss_median loaxad)" "$(idle_cell loaxad)" "${played[0]}"
if [ -n "$have_mpd" ]; then
	printf '%-30s %s\n' "mpd" "$have_mpd"
else
	c=$(cpu_hour mpd)
	printf '%-30s %14s %8s %11s %24s  %s\n' "mpd $mpd_v" "$c" "$(ratio "$c" "$lc")" "$(rss_median mpd)" \
		"$(idle_cell mpd)" "${played[2]}"
fi
if [ -n "$have_liq" ]; then
	printf '%-30s %s\n' "liquidsoap" "$have_liq"
else
	c=$(cpu_hour liquidsoap)
	printf '%-30s %14s %8s %11s %24s  %s\n' "liquidsoap $liq_v" "$c" "$(ratio "$c" "$lc")" \
		"$(rss_median liquidsoap)" "$(idle_cell liquidsoap)" "${played[3]}"
fi
if [ -n "$have_mpg123" ]; then
	printf '%-30s %s\n' "cron + mpg123" "$have_mpg123"
else
	printf '%-30s %14s %8s %11s %24s  %s\n' "$cron_label (idle)" "-" "-" "-" \
		"$(idle_cell cron)" "starts mpg123 per item"
fi
echo "targets: loaxad CPU within 1.10x of the minimal loop; RSS while playing under 8 MiB; no idle wake-ups"
echo "beyond the sync/upload timers"
echo

# start errors: bursts matched to the nearest instant of a PERIOD grid,
# in the playback window
# errors FILE PERIOD: one error in ms per line, sorted
errors() {
	awk -v p="$2" -v a="$T0" -v b="$((T0 + secs))" '$1 >= a && $1 <= b + 5 {
		g = int($1 / p + 0.5) * p; printf "%.1f\n", ($1 - g) * 1000 }' "$1" | sort -n
}
row() { # row LABEL FILE
	printf '%-60s %5d %9s %9s %9s\n' "$1" "$(wc -l <"$2")" "$(pct "$2" 50)" "$(pct "$2" 99)" "$(pct "$2" 100)"
}
errors "$W/loaxad.bursts.end" 20 >"$W/err.loaxad"
cat "$W"/starts/state/airlog/*.jsonl 2>/dev/null | jq -r 'select(.type == "play") | [.scheduled, .start] | @tsv' |
	while IFS=$'\t' read -r s a; do
		echo "$(date -d "$a" +%s.%N) $(date -d "$s" +%s.%N)"
	done | awk '{ printf "%.1f\n", ($1 - $2) * 1000 }' | sort -n >"$W/err.log"
echo "start error (ms): first sample written - scheduled instant, while the programme above plays"
printf '%-60s %5s %9s %9s %9s\n' "" n p50 p99 max
row "loaxad, slot every 20 s: as-run log start - scheduled" "$W/err.log"
row "loaxad, the same items: first block written (raw -> pipe)*" "$W/err.loaxad"
if [ -n "$have_mpg123" ]; then
	printf '%-60s %s\n' "cron + mpg123" "$have_mpg123"
else
	errors "$W/cron.bursts.end" 60 >"$W/err.cron"
	row "${cron_label%,*} + mpg123 $mpg_v, every minute: first sample" "$W/err.cron"
	lp=$(pct "$W/err.loaxad" 99)
	cp99=$(pct "$W/err.cron" 99)
	echo "p99 start error, ${cron_label%,*} + mpg123 / loaxad (pipe): $(awk -v a="$cp99" -v b="$lp" 'BEGIN {
		if (b + 0 > 0 && a + 0 > 0) printf "%.0fx", a / b; else print "-" }') (a lower bound, see *)"
fi
echo "* a file sink has no clock: each block is handed over once its last sample is due, so"
echo "  this row is the start error plus one block (100 ms), by design"
echo "target: loaxad p99 under 20 ms"
