# lib-bench.sh: shared by the benchmarks (sourced, bash; safe under set -eu).
#
# Sourcing it moves to the top of the source tree, sets B (the build:
# LOAXA_BUILD, else BUILD, else build/), puts B and B/tests first on PATH,
# and sets machine, the line the tables give for this machine.
#
# bench_need NAME TOOL...      exit 1, saying so, unless every TOOL is found
# bench_station DIR DRIVER [FILE] [EXTRA]
#                              a station of its own in DIR (its id
#                              $BENCH_ID, else "bench"): its
#                              folders and DIR/loaxad.conf, audio to libao's
#                              DRIVER (into FILE) at 48 kHz stereo; EXTRA
#                              (settings) at the end
# free_port                    a TCP port of 127.0.0.1 nobody listens on now
# waitfor SECONDS COMMAND...   poll (0.05 s) until the command succeeds
# stop PID                     SIGTERM, then SIGKILL if it has not gone
#                              within 10 s; reaped
# epoch TIMESTAMP              seconds since the epoch, with the fraction
# wav_data FILE                offset of the samples in a RIFF/WAVE stream
# long_on_air NAME DIR LONG   loaxad on DIR/loaxad.conf (the wav driver into
#                              the pipe DIR/out.wav, made here) plays LONG, a
#                              file of DIR/audio, from 2 s on; bench-firstbyte
#                              copies the pipe to DIR/copy.wav and dates each
#                              read in DIR/reads. Sets RPID and LPID and waits
#                              until LONG is on air; where it is not within
#                              20 s, stops both and returns 1
# heard_written DIR FREQ TOL   where a run of bench-firstbyte (DIR/copy.wav,
#                              DIR/reads) has the first sound after a 440 Hz
#                              item that is FREQ within TOL (0.1: 10 %):
#                              sets heard (seconds into the copy; a 10 ms
#                              window that mixes both pitches already holds
#                              the new sound's first samples) and written
#                              (the clock of the read whose bytes reach its
#                              first frame); both "" when not found
# cpu_ticks PID                utime + stime of PID, in clock ticks
# cpu_ticks_all PID            the same with its reaped children's
# proc_kib PID FIELD           FIELD of /proc/PID/status in KiB (VmHWM, VmRSS)
# pct FILE P [COLUMN]          the P-th percentile (nearest rank) of COLUMN
#                              (1) of FILE's numbers; n/a when there are none

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
B=$(cd "${LOAXA_BUILD:-${BUILD:-build}}" && pwd)
PATH=$B:$B/tests:$PATH
machine="$(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

bench_need() {
	local name=$1 tool
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "$name: $tool not found (make bench builds it)" >&2; exit 1; }
	done
}

bench_station() {
	local d=$1 driver=$2 file=${3:-} extra=${4:-}
	mkdir -p "$d/state" "$d/schedules" "$d/audio"
	cat >"$d/loaxad.conf" <<EOC
station: { id = "${BENCH_ID:-bench}"; };
state_dir = "$d/state";
schedule_dir = "$d/schedules";
audio_dir = "$d/audio";
control_socket = "$d/control.sock";
quiet_hours = "";
audio: { driver = "$driver";${file:+ file = \"$file\";} rate = 48000; channels = 2; };
$extra
EOC
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

waitfor() {
	local end=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while ! "$@" 2>/dev/null; do
		[ "$(date +%s%N)" -gt "$end" ] && return 1
		sleep 0.05
	done
	return 0
}

stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

epoch() { date -d "$1" +%s.%N; }

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

long_on_air() {
	local name=$1 d=$2
	printf 'slots = ( { name = "dài"; start = "%s"; items = ( { file = "%s"; } ); } );\n' \
		"$(date -d "@$(($(date +%s) + 2))" +%H:%M:%S)" "$3" >"$d/schedules/s.cfg"
	mkfifo "$d/out.wav"
	bench-firstbyte -t "$d/copy.wav" "$d/out.wav" 500 >"$d/reads" &
	RPID=$!
	sleep 0.2
	if ! kill -0 "$RPID" 2>/dev/null; then
		echo "$name: bench-firstbyte did not start" >&2
		exit 1
	fi
	loaxad -c "$d/loaxad.conf" 2>"$d/daemon.log" &
	LPID=$!
	# its start is in the daemon's log
	waitfor 20 grep -q "on air: file \"$3\"" "$d/daemon.log" && return 0
	stop "$LPID"; LPID=
	stop "$RPID"; RPID=
	return 1
}

heard_written() {
	local d=$1 off
	heard=""
	written=""
	off=$(wav_data "$d/copy.wav")
	[ -n "$off" ] || return 0
	tail -c +$((off + 1)) "$d/copy.wav" >"$d/out.raw"
	heard=$(wavsegments --raw 48000 2 "$d/out.raw" | awk -v f="$2" -v t="$3" '
		$1 == "tone" && $4 > 400 && $4 < 480 && !long { long = 1; next }
		long && $1 == "tone" && !at { at = $2 }
		long && $1 == "tone" && $4 > f * (1 - t) && $4 < f * (1 + t) { print at; exit }')
	[ -n "$heard" ] || return 0
	# (4 bytes a frame)
	written=$(awk -v b="$(awk -v o="$off" -v h="$heard" 'BEGIN { printf "%d", o + int(h * 48000 + 0.5) * 4 }')" \
		'$2 > b { print $1; exit }' "$d/reads")
}

# (the fields after the command's name, which may hold spaces: utime is
# the 12th)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
cpu_ticks_all() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }'; }

proc_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }

pct() {
	sort -n -k"${3:-1},${3:-1}" "$1" | awk -v c="${3:-1}" -v p="$2" '{ v[NR] = $c }
		END { if (!NR) { print "n/a"; exit }
		r = int(NR * p / 100 + 0.999); if (r < 1) r = 1; if (r > NR) r = NR; print v[r] }'
}
