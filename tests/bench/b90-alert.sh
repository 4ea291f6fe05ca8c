#!/bin/bash
# make bench: a disaster alert from the province's publication to the
# loudspeakers, and what watching for alerts costs while nothing happens.
#
# Latency. Each run starts a fresh loaxad (wav driver into a named pipe)
# whose alert watcher polls a real nginx on 127.0.0.1 every
# BENCH_ALERT_INTERVAL seconds; a long 440 Hz item plays; at a random
# moment into it, loaxa-province alert publishes a CAP message with a
# 1 s recording, in a publication folder of its own. The publication's
# moment is the rename of alerts.json, which loaxa-province prints
# ("in place at", the wall clock right after rename(2)).
#   heard    the lead-in tone's first sample, read from the samples: the
#            copy of the stream starts with the 440 Hz item, whose start
#            the as-run log holds, and is paced to the clock, so its time
#            axis is wall time (tests/helpers/wavsegments, 10 ms windows)
#   written  when the bytes of that sample left the daemon, by our own
#            clock: tests/helpers/bench-firstbyte reads the pipe and dates
#            every read (a file driver's block is written once its last
#            sample is due: one 100 ms block late by design)
#   logged   the repetition's start in the as-run log
# The time from the rename to the next poll is uniform over the interval:
# p50 is about half of it, max about all of it, plus what follows the
# poll (the index, its signature, the message, the audio, the lead-in
# tone, the daemon's loop, the player).
#
# An unchanged poll. One loaxad watches an index that does not change (an
# alert for another station) for BENCH_ALERT_IDLE seconds, polling every
# second. nginx logs each request with its connection number and the
# bytes both ways ($request_length, $bytes_sent); the watcher's and the
# daemon's CPU come from /proc. Beside it the same poll made as a new
# process each time (loaxad-net alerts --once), the design not chosen.
#
#   BENCH_ALERT_RUNS      alerts published (default 10, at least 5)
#   BENCH_ALERT_INTERVAL  province.alert_interval_s of the latency runs (default 1)
#   BENCH_ALERT_IDLE      seconds of unchanged polls (default 60)
set -uo pipefail
source "$(dirname "$0")/lib-bench.sh"
export LOAXA_NET_HELPER=$B/loaxad-net LOAXA_SPEAK_HELPER=$B/loaxad-speak
RUNS=${BENCH_ALERT_RUNS:-10}
INTERVAL=${BENCH_ALERT_INTERVAL:-1}
IDLE=${BENCH_ALERT_IDLE:-60}
LEAD_HZ=1050

bench_need b90-alert nginx minisign loaxad loaxa-province loaxad-net wavsegments bench-firstbyte sox jq python3
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-b90.XXXXXX")
LPID=
RPID=
NPID=
cleanup() {
	[ -n "$LPID" ] && kill -9 "$LPID" 2>/dev/null
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	[ -n "$NPID" ] && kill -QUIT "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

iso_in() { date -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%S%:z; }
# cap FILE ID STATION: a CAP message for STATION
cap() {
	cat >"$1" <<EOC
<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>$2</identifier><sender>bench@tinh.vn</sender><sent>$(iso_in 0)</sent>
  <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info><language>vi-VN</language><category>Met</category><event>Bão</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>
    <expires>$(iso_in 3600)</expires><headline>Thử</headline>
    <parameter><valueName>LOAXA_RISK_LEVEL</valueName><value>4</value></parameter>
    <area><areaDesc>Xã</areaDesc><geocode><valueName>LOAXA_STATION</valueName><value>$3</value></geocode></area>
  </info>
</alert>
EOC
}
# conf DIR PUBURL INTERVAL: a station of its own
conf() {
	bench_station "$1" wav "$1/out.wav" "province: { manifest_url = \"$2/manifest.json\"; public_key = \"$(tail -n 1 "$W/prov.pub")\";
  alert_interval_s = $3; sync_interval_s = 86400; };"
}

# --- nginx, counting connections and bytes ---------------------------------------
mkdir -p "$W/www" "$W/nginx/tmp"
port=$(free_port)
user=""
[ "$(id -u)" = 0 ] && user="user root;"
cat >"$W/nginx/nginx.conf" <<EOC
$user
worker_processes 1;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log info;
events { worker_connections 64; }
http {
	log_format b '\$connection \$request_method \$uri \$status \$request_length \$bytes_sent';
	access_log $W/nginx/access.log b;
	client_body_temp_path $W/nginx/tmp/body;
	proxy_temp_path $W/nginx/tmp/proxy;
	fastcgi_temp_path $W/nginx/tmp/fastcgi;
	uwsgi_temp_path $W/nginx/tmp/uwsgi;
	scgi_temp_path $W/nginx/tmp/scgi;
	default_type application/octet-stream;
	keepalive_timeout 75s;
	keepalive_requests 100000;
	server { listen 127.0.0.1:$port; root $W/www; }
}
EOC
nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/error.log" 2>"$W/nginx/stderr.log" &
NPID=$!
waitfor 10 curl -s -o /dev/null "http://127.0.0.1:$port/" || { echo "b90-alert: nginx did not start" >&2; exit 1; }
URL=http://127.0.0.1:$port
minisign -G -W -f -p "$W/prov.pub" -s "$W/prov.sec" </dev/null >/dev/null
sox -n -r 48000 -c 2 -b 16 "$W/long.wav" synth 30 sine 440 vol 0.5 2>/dev/null
sox -n -r 48000 -c 1 -b 16 "$W/msg.wav" synth 1 sine 1500 vol 0.5 2>/dev/null

# --- latency ------------------------------------------------------------------------
: >"$W/lat"
fail=0
for i in $(seq 1 "$RUNS"); do
	d=$W/r$i
	pub=$W/www/r$i
	mkdir -p "$pub"
	conf "$d" "$URL/r$i" "$INTERVAL"
	cp "$W/long.wav" "$d/audio/"
	if ! long_on_air b90-alert "$d" long.wav; then
		echo "b90-alert: run $i: the long item did not start" >&2
		fail=$((fail + 1))
		continue
	fi
	sleep "$(awk -v r="$RANDOM" -v k="$INTERVAL" 'BEGIN { printf "%.3f", 1 + r / 32768 * k * 1.5 }')"
	cap "$d/a.xml" "BENCH-$i" bench
	loaxa-province alert --key "$W/prov.sec" --out "$pub" --audio "$W/msg.wav" "$d/a.xml" >"$d/pub.out" 2>&1
	rc=$?
	pub_at=$(grep -o 'in place at [^ ]*' "$d/pub.out" | cut -d' ' -f4 | sed 's/:$//')
	waitfor 20 grep -q '"type":"alert".*"status":"complete"' "$d"/state/airlog/*.jsonl
	stop "$LPID"; LPID=
	stop "$RPID"; RPID=
	first=$(cat "$d"/state/airlog/*.jsonl | jq -r 'select(.type == "play") | .start' | head -1)
	astart=$(cat "$d"/state/airlog/*.jsonl | jq -r 'select(.type == "alert") | .start' | head -1)
	heard_written "$d" "$LEAD_HZ" 0.05
	if [ "$rc" != 0 ] || [ -z "$pub_at" ] || [ -z "$first" ] || [ -z "$astart" ] ||
		[ -z "$heard" ] || [ -z "$written" ]; then
		echo "b90-alert: run $i: publish exit $rc, published at '$pub_at', item start '$first'," \
			"alert start '$astart', tone at '$heard' s, written at '$written'" >&2
		fail=$((fail + 1))
		continue
	fi
	awk -v p="$(epoch "$pub_at")" -v f="$(epoch "$first")" -v h="$heard" -v a="$(epoch "$astart")" \
		-v w="$written" 'BEGIN { printf "%.1f %.1f %.1f\n", (f + h - p) * 1000, (a - p) * 1000, (w - p) * 1000 }' >>"$W/lat"
done

# --- an unchanged poll ------------------------------------------------------------------
d=$W/idle
pub=$W/www/idle
mkdir -p "$pub"
conf "$d" "$URL/idle" 1
cap "$d/other.xml" BENCH-IDLE somewhere-else
loaxa-province alert --key "$W/prov.sec" --out "$pub" "$d/other.xml" >"$d/pub.out" 2>&1
loaxad -c "$d/loaxad.conf" 2>"$d/daemon.log" &
LPID=$!
waitfor 20 grep -q 'refused' "$d"/state/airlog/*.jsonl
sleep 2
child=$(pgrep -P "$LPID" -f 'loaxad-net alerts' | head -1)
# CPU time in ns, exact (the scheduler's own count)
cpu_of() { awk '{ print $1 }' "/proc/$1/schedstat"; }
lines0=$(wc -l <"$W/nginx/access.log")
c0=$(cpu_of "$child")
l0=$(cpu_of "$LPID")
sleep "$IDLE"
c1=$(cpu_of "$child")
l1=$(cpu_of "$LPID")
w_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$child/status")
l_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$LPID/status")
tail -n +$((lines0 + 1)) "$W/nginx/access.log" | grep " /idle/alerts.json " >"$W/idle.log"
stop "$LPID"; LPID=
read -r lv_polls lv_304 lv_conns lv_req lv_resp < <(awk '{ n++; if ($4 == 304) s++; c[$1] = 1; q += $5; r += $6 }
	END { printf "%d %d %d %d %d\n", n, s, length(c), q, r }' "$W/idle.log")
lv_cpu=$(awk -v a="$c0" -v b="$c1" -v n="$lv_polls" 'BEGIN { printf "%.3f", (b - a) / 1e6 / (n ? n : 1) }')
ld_cpu=$(awk -v a="$l0" -v b="$l1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')

# the same poll as a new process each time
ONCE=20
lines0=$(wc -l <"$W/nginx/access.log")
# each run's CPU from wait4(2), its wall time around it
read -r on_cpu on_wall < <(python3 - "$ONCE" "$d/loaxad.conf" "$d/once.log" <<'EOP'
import os, subprocess, sys, time
n, conf, log = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "a")
cpu = wall = 0.0
for _ in range(n):
    t = time.monotonic()
    p = subprocess.Popen(["loaxad-net", "alerts", "-c", conf, "--once"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=log)
    _, _, ru = os.wait4(p.pid, 0)
    wall += time.monotonic() - t
    cpu += ru.ru_utime + ru.ru_stime
print("%.3f %.1f" % (cpu * 1000 / n, wall * 1000 / n))
EOP
)
tail -n +$((lines0 + 1)) "$W/nginx/access.log" | grep " /idle/alerts.json " >"$W/once.log"
read -r on_polls on_304 on_conns on_req on_resp < <(awk '{ n++; if ($4 == 304) s++; c[$1] = 1; q += $5; r += $6 }
	END { printf "%d %d %d %d %d\n", n, s, length(c), q, r }' "$W/once.log")

# --- the tables ------------------------------------------------------------------------------
n=$(wc -l <"$W/lat")
target=$((INTERVAL * 1000 + 200))
echo "loaxa benchmarks — $(date -u +%Y-%m-%dT%H:%MZ) — $machine"
echo "disaster alert on the output: loaxa-province alert while an item plays, nginx on 127.0.0.1,"
echo "wav driver, alert_interval_s = $INTERVAL; $RUNS runs, $n measured, each in a fresh daemon;"
echo "latency = instant - the rename of alerts.json"
echo
if [ "$n" = 0 ]; then
	echo "no run could be measured"
	exit 1
fi
printf '%-50s %8s %8s %8s %10s\n' "alert latency (ms)" p50 p99 max target
printf '%-50s %8s %8s %8s %10s\n' "heard: the lead-in tone's first sample in out.wav" "$(pct "$W/lat" 50 1)" \
	"$(pct "$W/lat" 99 1)" "$(pct "$W/lat" 100 1)" "< $target"
printf '%-50s %8s %8s %8s %10s\n' "written: its block read from the pipe" "$(pct "$W/lat" 50 3)" \
	"$(pct "$W/lat" 99 3)" "$(pct "$W/lat" 100 3)" "-"
printf '%-50s %8s %8s %8s %10s\n' "logged: the repetition's start in the as-run log" "$(pct "$W/lat" 50 2)" \
	"$(pct "$W/lat" 99 2)" "$(pct "$W/lat" 100 2)" "-"
max=$(pct "$W/lat" 100 1)
if awk -v m="$max" -v t="$target" 'BEGIN { exit !(m < t) }'; then
	echo "every alert was on the output within one poll interval + 200 ms"
else
	echo "MISSED: the slowest alert took $max ms (target $target ms)"
fi
echo
echo "an unchanged poll: the index of an alert for another station, polled every 1 s for $IDLE s"
printf '%-34s %6s %6s %6s %12s %12s %10s %9s\n' "watcher" polls "304" conns "request B" "response B" \
	"CPU ms" "RSS KiB"
printf '%-34s %6s %6s %6s %12s %12s %10s %9s\n' "long-lived (loaxad-net alerts)" "$lv_polls" "$lv_304" \
	"$lv_conns" "$((lv_req / (lv_polls ? lv_polls : 1)))" "$((lv_resp / (lv_polls ? lv_polls : 1)))" \
	"$lv_cpu" "$w_rss"
printf '%-34s %6s %6s %6s %12s %12s %10s %9s\n' "a process per poll (--once)" "$on_polls" "$on_304" \
	"$on_conns" "$((on_req / (on_polls ? on_polls : 1)))" "$((on_resp / (on_polls ? on_polls : 1)))" \
	"$on_cpu" "-"
echo "(bytes and CPU per poll; conns: TCP connections nginx saw; a process per poll also took"
echo " $on_wall ms of wall time each)"
echo "loaxad itself meanwhile: ${ld_cpu} ms of CPU in $IDLE s, resident $l_rss KiB"
[ "$fail" = 0 ] || { echo "$fail of $RUNS runs failed (see above)"; exit 1; }
