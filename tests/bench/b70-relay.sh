#!/bin/bash
# b70-relay: what relaying a radio stream costs. A real Icecast on
# 127.0.0.1, fed by ffmpeg with a 128 kbit/s MP3 stream, is relayed by
# loaxad (to libao's null driver, paced to real time) through its
# loaxad-relay child; beside it `ffmpeg -i URL -f null -` listens to the same
# mount, the least a program can do to receive and decode it. Twice: a
# 48 kHz stream (the station's own rate: no resampling) and a 44.1 kHz one
# (libsamplerate to 48 kHz, what most Icecast encoders send).
#
# CPU is taken from /proc over the same window of each run (after a few
# seconds of settling), scaled to an audio hour; RSS is each process's
# peak (VmHWM). Targets: loaxad + loaxad-relay under 1.2 x ffmpeg's CPU,
# loaxad itself under 8 MiB.
#
#   BENCH_RELAY_S   seconds measured per run (default 120)
set -euo pipefail
source "$(dirname "$0")/lib-bench.sh"
WIN=${BENCH_RELAY_S:-120}
[ "$WIN" -ge 10 ] || WIN=10
SETTLE=8
W=$(mktemp -d /tmp/loaxa-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 0.5; rm -rf "$W"' EXIT
TCK=$(getconf CLK_TCK)

bench_need b70-relay icecast2 ffmpeg jq loaxad loaxad-relay python3

# --- the stream server ----------------------------------------------------------

port=$(free_port)
mkdir -p "$W/ice/log"
chmod 711 "$W"
chmod 755 "$W/ice"
chown nobody:"$(id -gn nobody)" "$W/ice/log"
cat >"$W/ice/icecast.xml" <<EOX
<icecast>
  <location>bench</location><admin>bench@localhost</admin>
  <limits><clients>20</clients><sources>4</sources><source-timeout>10</source-timeout></limits>
  <authentication><source-password>bench-src</source-password>
    <admin-user>admin</admin-user><admin-password>bench-admin</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>$port</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>0</fileserve>
  <paths><basedir>$W/ice</basedir><logdir>$W/ice/log</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>1</loglevel></logging>
  <security><chroot>0</chroot><changeowner><user>nobody</user><group>$(id -gn nobody)</group></changeowner></security>
</icecast>
EOX
chmod 644 "$W/ice/icecast.xml"
icecast2 -c "$W/ice/icecast.xml" >/dev/null 2>&1 &
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
URL=http://127.0.0.1:$port

# Music-like: pink noise under a slow sweep, so the encoder and decoder work
# as they would on a programme, not on a sine.
feed() {
	ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi \
		-i "anoisesrc=color=pink:sample_rate=$2:amplitude=0.2" -ac 2 \
		-c:a libmp3lame -b:a 128k -content_type audio/mpeg -f mp3 \
		"icecast://source:bench-src@127.0.0.1:$port/$1" >/dev/null 2>&1 &
}
feed s48.mp3 48000
feed s44.mp3 44100
for m in s48.mp3 s44.mp3; do
	for _ in $(seq 100); do
		[ "$(curl -s --max-time 1 "$URL/$m" | head -c 2000 | wc -c)" -ge 2000 ] && break
		sleep 0.1
	done
done

# --- one run ---------------------------------------------------------------------

# run MOUNT: relay it with loaxad and listen with ffmpeg for WIN seconds;
# prints "loaxad_ticks relay_ticks ffmpeg_ticks loaxad_kib relay_kib ffmpeg_kib"
run() {
	local mount=$1 S=$W/st-$1 start dur lp rp fp a0 r0 f0 a1 r1 f1 ak rk fk
	dur=$((SETTLE + WIN + 20))
	bench_station "$S" null "" "relay: { preroll_s = 3.0; };"
	start=$(( $(date +%s) + 5 ))
	cat >"$S/schedules/relay.cfg" <<EOC
slots = ( { name = "relay"; start = "$(date -d "@$start" +%H:%M:%S)";
  items = ( { relay = "$URL/$mount"; duration = "$(date -u -d "@$dur" +%H:%M:%S)"; } ); } );
EOC
	loaxad -c "$S/loaxad.conf" 2>"$S/daemon.log" &
	lp=$!
	ffmpeg -nostdin -hide_banner -loglevel error -i "$URL/$mount" -f null - >/dev/null 2>&1 &
	fp=$!
	while [ "$(date +%s)" -lt $((start + SETTLE)) ]; do sleep 0.2; done
	rp=$(pgrep -P "$lp" loaxad-relay | head -1)
	[ -n "$rp" ] || { echo "b70-relay: no loaxad-relay under loaxad" >&2; cat "$S/daemon.log" >&2; exit 1; }
	a0=$(cpu_ticks "$lp") r0=$(cpu_ticks "$rp") f0=$(cpu_ticks "$fp")
	sleep "$WIN"
	a1=$(cpu_ticks "$lp") r1=$(cpu_ticks "$rp") f1=$(cpu_ticks "$fp")
	ak=$(proc_kib "$lp" VmHWM) rk=$(proc_kib "$rp" VmHWM) fk=$(proc_kib "$fp" VmHWM)
	kill "$fp" 2>/dev/null || true
	kill -TERM "$lp"
	wait "$lp" 2>/dev/null || true
	wait "$fp" 2>/dev/null || true
	if ! grep -q '"relay"' "$S"/state/airlog/*.jsonl || grep -q '"type":"switch"' "$S"/state/airlog/*.jsonl; then
		echo "b70-relay: the relay did not play cleanly" >&2
		cat "$S"/state/airlog/*.jsonl >&2
		exit 1
	fi
	echo "$((a1 - a0)) $((r1 - r0)) $((f1 - f0)) $ak $rk $fk"
}

per_hour() { awk -v t="$1" -v k="$TCK" -v w="$WIN" 'BEGIN { printf "%.1f", t / k * 3600 / w }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }

echo "machine: $machine; ${WIN} s measured per run, scaled to an audio hour"
printf '%-30s %16s %12s %14s\n' "stream / process" "CPU s/audio h" "x ffmpeg" "peak RSS MiB"
ok=1
for mount in s48.mp3 s44.mp3; do
	read -r a r f ak rk fk < <(run "$mount")
	label=$([ "$mount" = s48.mp3 ] && echo "MP3 128k 48 kHz" || echo "MP3 128k 44.1 kHz")
	pair=$((a + r))
	ratio() { awk -v x="$1" -v y="$f" 'BEGIN { if (y > 0) printf "%.2f", x / y; else print "-" }'; }
	printf '%-30s %16s %12s %14s\n' "$label: ffmpeg -f null" "$(per_hour "$f")" "1.00" "$(mib "$fk")"
	printf '%-30s %16s %12s %14s\n' "  loaxad" "$(per_hour "$a")" "$(ratio "$a")" "$(mib "$ak")"
	printf '%-30s %16s %12s %14s\n' "  loaxad-relay" "$(per_hour "$r")" "$(ratio "$r")" "$(mib "$rk")"
	printf '%-30s %16s %12s %14s\n' "  loaxad + loaxad-relay" "$(per_hour "$pair")" "$(ratio "$pair")" "-"
	awk -v x="$pair" -v y="$f" 'BEGIN { exit !(x <= 1.2 * y) }' || { echo "  target missed: the pair above 1.2 x ffmpeg"; ok=0; }
	[ "$ak" -lt 8192 ] || { echo "  target missed: loaxad above 8 MiB"; ok=0; }
done
[ "$ok" = 1 ] && echo "targets: loaxad + loaxad-relay <= 1.2 x ffmpeg, loaxad < 8 MiB: met"
exit $((1 - ok))
