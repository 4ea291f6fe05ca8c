#!/bin/bash
# make bench: the operator's web page beside the broadcast.
#
# A station (libao null driver, paced to real time) with the web page on
# (loaxa-web on 127.0.0.1) plays 2 x STARTS one-second items, each its own
# slot, 3 s apart. During the first STARTS nobody uses the page; during the
# second, 100 clients load the on-air page at once, over and over (each
# load a new connection, a logged-in session, one status request on
# loaxad's control socket). Each item's start error is start - scheduled
# from the as-run log (the player's clock; see b40 for what that clock is).
#
# Also: loaxad's resident memory with the page on and idle (after the page
# has asked it for its status), and loaxa-web's own; peaks at the end
# (loaxa-web's includes an Argon2id login, 64 MiB for a moment).
#
#   BENCH_WEB_STARTS   items per half (default 20)
#   BENCH_WEB_CLIENTS  clients at once in the second half (default 100)
set -uo pipefail
source "$(dirname "$0")/lib-bench.sh"
STARTS=${BENCH_WEB_STARTS:-20}
CLIENTS=${BENCH_WEB_CLIENTS:-100}
TARGET_MS=20

bench_need b80-web loaxad loaxa-web loaxactl sox jq curl python3
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-b80.XXXXXX")
S=$W/station
DPID=
WPID=
GPID=
trap '[ -n "$GPID" ] && kill "$GPID" 2>/dev/null; [ -n "$WPID" ] && kill "$WPID" 2>/dev/null
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null; rm -rf "$W"' EXIT

port=$(free_port)
bench_station "$S" null "" "web: { listen = \"127.0.0.1:$port\"; };"
sox -n -r 48000 -c 2 -b 16 "$S/audio/one.wav" synth 1 sine 440 vol 0.5 2>/dev/null
base=$(($(date +%s) + 12))
{
	echo "slots = ("
	for i in $(seq 0 $((2 * STARTS - 1))); do
		t=$((base + 3 * i))
		name=q$i
		[ "$i" -ge "$STARTS" ] && name=l$i
		sep=","
		[ "$i" = $((2 * STARTS - 1)) ] && sep=""
		printf '  { name = "%s"; date = "%s"; start = "%s"; items = ( { file = "one.wav"; } ); }%s\n' \
			"$name" "$(date -d "@$t" +%F)" "$(date -d "@$t" +%T)" "$sep"
	done
	echo ");"
} >"$S/schedules/bench.cfg"

loaxad -c "$S/loaxad.conf" 2>"$W/daemon.log" &
DPID=$!
loaxa-web -c "$S/loaxad.conf" 2>"$W/web.log" &
WPID=$!
printf 'bench-password\n' | loaxactl -c "$S/loaxad.conf" passwd --stdin >/dev/null
for _ in $(seq 1 100); do
	grep -q 'the web page is at' "$W/web.log" 2>/dev/null && [ -S "$S/control.sock" ] && break
	sleep 0.1
done
curl -s -c "$W/jar" -o /dev/null -H "Origin: http://127.0.0.1:$port" \
	--data 'name=admin&password=bench-password' "http://127.0.0.1:$port/login"
cookie=$(awk '$6 == "loaxa_session" { print $7 }' "$W/jar")
if [ -z "$cookie" ]; then
	echo "b80-web: cannot log in to the page" >&2
	cat "$W/web.log" >&2
	exit 1
fi
# the page has been used: status requests served, a login hashed
for _ in 1 2 3 4 5; do curl -s -o /dev/null -b "loaxa_session=$cookie" "http://127.0.0.1:$port/"; done
sleep 2
kib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
d_idle=$(proc_kib "$DPID" VmRSS)
w_idle=$(proc_kib "$WPID" VmRSS)

# the second half: CLIENTS page loads at once, over and over
load_at=$((base + 3 * STARTS - 2))
load_for=$((3 * STARTS + 2))
while [ "$(date +%s)" -lt "$load_at" ]; do sleep 0.2; done
URL="http://127.0.0.1:$port/" COOKIE=$cookie CLIENTS=$CLIENTS SECONDS_=$load_for \
	python3 - >"$W/load.out" 2>&1 <<'PY' &
import http.client, os, threading, time, urllib.parse
url = urllib.parse.urlsplit(os.environ["URL"])
cookie, clients = os.environ["COOKIE"], int(os.environ["CLIENTS"])
end = time.monotonic() + float(os.environ["SECONDS_"])
lat, errors, lock = [], [0], threading.Lock()
start = threading.Barrier(clients)
def client():
    start.wait()
    while time.monotonic() < end:
        t = time.monotonic()
        try:
            c = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            c.request("GET", "/", headers={"Cookie": "loaxa_session=" + cookie})
            r = c.getresponse()
            body = r.read()
            c.close()
            ok = r.status == 200 and b"</html>" in body
        except OSError:
            ok = False
        with lock:
            if ok:
                lat.append(time.monotonic() - t)
            else:
                errors[0] += 1
threads = [threading.Thread(target=client) for _ in range(clients)]
t0 = time.monotonic()
for t in threads: t.start()
for t in threads: t.join()
took = time.monotonic() - t0
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] * 1000 if lat else 0
print("%d %.1f %.0f %.0f %d" % (len(lat), len(lat) / took, pct(0.5), pct(0.99), errors[0]))
PY
GPID=$!

while [ "$(cat "$S"/state/airlog/*.jsonl 2>/dev/null | grep '"type":"play"' | grep -c '"status":"complete"')" -lt $((2 * STARTS)) ]; do
	kill -0 "$DPID" 2>/dev/null || { echo "b80-web: loaxad died" >&2; cat "$W/daemon.log" >&2; exit 1; }
	sleep 0.5
done
wait "$GPID"
GPID=
d_peak=$(proc_kib "$DPID" VmHWM)
w_peak=$(proc_kib "$WPID" VmHWM)
kill -TERM "$WPID"
wait "$WPID"
WPID=
kill -TERM "$DPID"
wait "$DPID"
DPID=
read -r pages rate p50 p99 errs <"$W/load.out" || { cat "$W/load.out" >&2; exit 1; }

# start - scheduled of each item, ms, by half
cat "$S"/state/airlog/*.jsonl |
	jq -r 'select(.type == "play") | [.slot, .scheduled, .start] | @tsv' |
	while IFS=$'\t' read -r slot sched start; do
		echo "${slot:0:1} $(date -d "$start" +%s.%N) $(date -d "$sched" +%s.%N)"
	done | awk '{ printf "%s %.1f\n", $1, ($2 - $3) * 1000 }' >"$W/err"
stats() {
	awk -v h="$1" '$1 == h { print $2 }' "$W/err" | sort -n >"$W/err.$1"
	awk 'BEGIN { n = 0 } { v[++n] = $1 }
		function p(q,  k) { k = int(n * q + 0.999999); if (k < 1) k = 1; return v[k] }
		END { printf "%5d | %8.1f | %8.1f | %8.1f", n, p(0.5), p(0.99), v[n] }' "$W/err.$1"
}
row() { printf '%-40s | %s\n' "$1" "$2"; }

echo "b80-web — $(date -u +%Y-%m-%dT%H:%MZ) — machine: $machine"
echo "$((2 * STARTS)) one-second items, a slot each, 3 s apart; libao null driver paced to real time"
echo
printf '%-40s | %5s | %8s | %8s | %8s\n' "start - scheduled (as-run log)" "items" "p50 ms" "p99 ms" "max ms"
printf '%-40s-+-%5s-+-%8s-+-%8s-+-%8s\n' "----------------------------------------" "-----" "--------" "--------" "--------"
row "web page on, nobody using it" "$(stats q)"
row "$CLIENTS page loads at once, over and over" "$(stats l)"
echo
echo "page loads in the second half: $pages in $load_for s ($rate/s), each a new connection;" \
	"load time p50 $p50 ms, p99 $p99 ms; $errs failed"
echo "loaxad resident, web page on and idle: $(kib "$d_idle"); peak over the run $(kib "$d_peak")" \
	"(target: under 8 MiB)"
echo "loaxa-web resident, idle: $(kib "$w_idle"); peak $(kib "$w_peak") (an Argon2id login holds 64 MiB for a moment)"
maps=$(ldd "$(command -v loaxad)" | grep -Eo 'libmicrohttpd|libgnutls' | sort -u | tr '\n' ' ')
echo "loaxad maps: ${maps:-no libmicrohttpd, no GnuTLS} (loaxa-web: $(ldd "$(command -v loaxa-web)" |
	grep -Eo 'libmicrohttpd|libgnutls' | sort -u | tr '\n' ' '))"
echo
echo "targets: start error p99 and max under $TARGET_MS ms with the page loaded as without; loaxad under 8 MiB"
awk -v t="$TARGET_MS" '$2 > t || $2 < -t { bad = 1 } END { exit bad }' "$W/err" &&
	[ "$d_peak" -lt 8192 ]
