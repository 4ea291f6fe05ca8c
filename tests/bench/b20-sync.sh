#!/bin/bash
# make bench: what the province sync costs the station (DESIGN §4, §9).
#
# On the wire, against a real nginx on 127.0.0.1 serving a publication tree
# signed with the real minisign, with the station's own sync code
# (tests/helpers/sync-once): a first sync, a download cut half-way (by
# tests/helpers/faultserver.py, "truncate") and resumed against nginx, and a
# sync that finds the manifest unchanged. Requests and bytes come from
# nginx's access log: $request_length (request line, headers and body as
# received) and $bytes_sent (status line, headers and body as sent). Plain
# HTTP: TCP/IP and TLS overhead are not counted.
#
# On the CPU: one manifest check (signature + parse and checks) of a
# 1000-programme manifest, timed by tests/helpers/bench-manifest over many
# repetitions, beside what the same check costs with the command-line
# tools a shell-script station would use (minisign -V, then jq).
#
#   BENCH_SYNC_MIB       size of the programme that is cut and resumed (default 16)
#   BENCH_SYNC_ENTRIES   programmes in the manifest that is checked (default 1000)
#   BENCH_SYNC_SECONDS   seconds of repeated checks (default 3)
set -uo pipefail
source "$(dirname "$0")/lib-bench.sh"
MIB=${BENCH_SYNC_MIB:-16}
ENTRIES=${BENCH_SYNC_ENTRIES:-1000}
SECONDS_CHECK=${BENCH_SYNC_SECONDS:-3}

bench_need b20-sync nginx minisign jq sox python3 sync-once bench-manifest

# The few test-lib.sh functions lib-nginx.sh relies on, without TAP.
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-b20.XXXXXX")
_cleanups=()
at_exit() { _cleanups+=("$1"); }
bench_cleanup() {
	local c
	for c in "${_cleanups[@]}"; do eval "$c" || true; done
	rm -rf "$T"
}
trap bench_cleanup EXIT
diag() { echo "# $*" >&2; }
not_ok() { echo "b20-sync: $*" >&2; }
wait_for() { waitfor "$@"; }
# shellcheck source=tests/system/lib-nginx.sh
source tests/system/lib-nginx.sh

# bench_nginx ROOT: nginx as lib-nginx.sh starts it, with an access log
# that counts bytes both ways. Sets NGINX_URL and NGINX_ACCESS_LOG.
bench_nginx() {
	local dir=$T/nginx port user=""
	mkdir -p "$dir/tmp"
	[ "$(id -u)" = 0 ] && user="user root;"
	port=$(free_port)
	cat >"$dir/nginx.conf" <<EOC
$user
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 64; }
http {
	log_format bytes '\$request_method \$uri \$status \$request_length \$bytes_sent \$body_bytes_sent "\$http_range"';
	access_log $dir/access.log bytes;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$port;
		root $1;
	}
}
EOC
	nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>"$dir/stderr.log" &
	NGINX_PID=$!
	at_exit "kill -QUIT $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null"
	if ! wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$port/"; then
		echo "b20-sync: nginx did not start: $(tail -3 "$dir/error.log")" >&2
		exit 1
	fi
	NGINX_URL=http://127.0.0.1:$port
	NGINX_ACCESS_LOG=$dir/access.log
}

# wire_reset / wire_sum: the access log from now on; "REQUESTS REQ_BYTES
# RESP_BYTES BODY_BYTES" of what it holds. nginx writes a line when a
# request is over, after the client may already have it: wait for N lines.
wire_reset() { : >"$NGINX_ACCESS_LOG"; }
wire_sum() {
	wait_for 10 bash -c "[ \$(wc -l <'$NGINX_ACCESS_LOG') -ge ${1:-0} ]"
	awk '{ n++; q += $4; r += $5; b += $6 } END { printf "%d %d %d %d\n", n, q, r, b }' \
		"$NGINX_ACCESS_LOG"
}
# statuses: what nginx answered, e.g. "200x3 206x1"
statuses() {
	awk '{ n[$3]++ } END { for (c in n) printf "%sx%d\n", c, n[c] }' "$NGINX_ACCESS_LOG" |
		sort | paste -sd' '
}
# body_for PATH: body bytes nginx sent for PATH, in all
body_for() { awk -v p="$1" '$2 == p { b += $6 } END { print b + 0 }' "$NGINX_ACCESS_LOG"; }

# sync CONF_DIR: one sync-once; its line in $OUT
sync_station() {
	OUT=$(sync-once -c "$1/loaxad.conf" 2>>"$T/sync.log")
	echo "$OUT" >>"$T/sync.log"
}

station() { # station DIR URL
	rm -rf "$1"
	BENCH_ID=tan-quang bench_station "$1" null "" \
		"province: { manifest_url = \"$2/manifest.json\"; public_key = \"$(province_pubkey "$P")\"; };"
}
# set_url DIR URL: point an existing station at another server
set_url() { sed -i "s|manifest_url = \"[^\"]*\"|manifest_url = \"$2/manifest.json\"|" "$1/loaxad.conf"; }

P=$T/pub
province_init "$P"
bench_nginx "$P"
nginx_version=$(nginx -v 2>&1 | sed 's/.*nginx\///')

# Version 1: three bulletins of a minute. Version 2 adds a large programme.
entries=""
for f in 440 550 660; do
	sox -n -r 48000 -c 2 -b 16 "$T/b$f.wav" synth 60 sine "$f" vol 0.3 2>/dev/null
	entries="$entries${entries:+, }$(province_programme "$P" "ban-tin-$f" "$T/b$f.wav")"
done
province_manifest "$P" 1 "[$entries]" "[]"
province_sign "$P"
v1_bytes=$(jq '[.programmes[].bytes] | add' "$P/manifest.json")

# 1. A first sync into an empty store.
S=$T/station
station "$S" "$NGINX_URL"
wire_reset
sync_station "$S"
first_out=$OUT
read -r f_n f_q f_r f_b < <(wire_sum 5)
f_st=$(statuses)

# 2. Version 2's new programme, cut half-way by a server that closes the
# connection, then resumed from nginx. Only the resumed sync is counted: it
# is what the station asks for after the cut, with all else a sync needs.
secs=$((MIB * 1048576 / 192000))
sox -n -r 48000 -c 2 -b 16 "$T/big.wav" synth "$secs" pinknoise vol 0.3 2>/dev/null
entries="$entries, $(province_programme "$P" phong-su-lon "$T/big.wav")"
province_manifest "$P" 2 "[$entries]" "[]"
province_sign "$P"
big=/$(jq -r '.programmes[-1].path' "$P/manifest.json")
big_bytes=$(stat -c %s "$T/big.wav")
pub_bytes=$(jq '[.programmes[].bytes] | add' "$P/manifest.json")
man_bytes=$(stat -c %s "$P/manifest.json")
python3 tests/helpers/faultserver.py --root "$P" --port-file "$T/fs.port" \
	--control "$T/fs.json" --counters "$T/fs.counters" 2>"$T/fs.log" &
at_exit "kill $! 2>/dev/null"
wait_for 10 test -s "$T/fs.port" || { echo "b20-sync: faultserver did not start" >&2; exit 1; }
echo "{\"$big\": {\"mode\": \"truncate\", \"fraction\": 0.5}}" >"$T/fs.json"
set_url "$S" "http://127.0.0.1:$(cat "$T/fs.port")"
sync_station "$S"
cut_out=$OUT
part=$(find "$S/state/store/partial" -name '*.part' 2>/dev/null | head -1)
kept=$(stat -c %s "$part" 2>/dev/null || echo 0)
# What the station lacks: every byte of the publication not yet in its
# store, whole or partial.
have=$(cat "$S"/state/store/*.* "$S"/state/store/partial/*.part 2>/dev/null | wc -c)
missing=$((pub_bytes - have))
set_url "$S" "$NGINX_URL"
wire_reset
sync_station "$S"
resume_out=$OUT
read -r r_n r_q r_r r_b < <(wire_sum 3)
r_st=$(statuses)
r_big=$(body_for "$big")
r_over=$((r_q + r_r - missing))

# 3. Nothing changed at the province since the last sync.
wire_reset
sync_station "$S"
unchanged_out=$OUT
read -r u_n u_q u_r u_b < <(wire_sum 1)
u_st=$(statuses)
u_all=$((u_q + u_r))

verdict() { if [ "$1" = 1 ]; then echo ok; else echo MISSED; fi; }
echo "loaxa benchmarks — $(date -u +%Y-%m-%dT%H:%MZ) — $machine"
echo "province: nginx $nginx_version on 127.0.0.1, plain HTTP; station: the daemon's sync code (sync-once)"
echo "publication: version 1, 3 bulletins ($((v1_bytes / 1024)) KiB); version 2 adds one of $((big_bytes / 1024)) KiB; manifest $man_bytes B"
echo
printf '%-32s %-12s %8s %10s %11s %11s  %s\n' "sync" outcome requests "request B" "response B" \
	"body B" "nginx said"
printf '%-32s %-12s %8d %10d %11d %11d  %s\n' "first sync (v1), empty store" "$first_out" "$f_n" "$f_q" \
	"$f_r" "$f_b" "$f_st"
printf '%-32s %-12s %8d %10d %11d %11d  %s\n' "v2, resumed after a cut at $((kept * 100 / big_bytes))%" \
	"$resume_out" "$r_n" "$r_q" "$r_r" "$r_b" "$r_st"
printf '%-32s %-12s %8d %10d %11d %11d  %s\n' "v2 again: unchanged manifest" "$unchanged_out" "$u_n" "$u_q" \
	"$u_r" "$u_b" "$u_st"
echo
echo "the cut: sync ${cut_out%%:*} (${cut_out##*: }), $kept of $big_bytes B kept in store/partial;"
echo "the station then lacked $missing B"
echo
printf '%-52s %14s %14s %7s\n' "figure" measured target ""
printf '%-52s %14s %14s %7s\n' "unchanged manifest: requests" "$u_n" "1" \
	"$(verdict "$([ "$u_n" = 1 ] && echo 1)")"
printf '%-52s %14s %14s %7s\n' "unchanged manifest: bytes both ways" "$u_all B" "< 2048 B" \
	"$(verdict "$([ "$u_all" -lt 2048 ] && echo 1)")"
printf '%-52s %14s %14s %7s\n' "resumed: body bytes of the cut programme" "$r_big B" \
	"$((big_bytes - kept)) B" "$(verdict "$([ "$r_big" = $((big_bytes - kept)) ] && echo 1)")"
printf '%-52s %14s %14s %7s\n' "resumed: bytes both ways beyond the missing ones" "$r_over B" \
	"< 65536 B" "$(verdict "$([ "$r_over" -lt 65536 ] && [ "$r_over" -ge 0 ] && echo 1)")"
printf '%-52s %14s\n' "resumed: ratio of bytes fetched to bytes missing" \
	"$(awk -v a="$((r_q + r_r))" -v m="$missing" 'BEGIN { printf "%.4fx", m ? a / m : 0 }')"
echo

# The manifest check, on the CPU.
mkdir -p "$T/m"
read -r _ _ _ m_bytes _ m_iter _ m_verify _ m_parse _ m_check < <(bench-manifest -n "$ENTRIES" \
	-t "$SECONDS_CHECK" -o "$T/m")
cli_runs=0
t0=$(date +%s%N)
while :; do
	if ! minisign -Vqm "$T/m/manifest.json" -p "$T/m/province.pub" >/dev/null ||
		! jq -e .version "$T/m/manifest.json" >/dev/null; then
		echo "b20-sync: minisign/jq check failed" >&2
		break
	fi
	cli_runs=$((cli_runs + 1))
	[ $(($(date +%s%N) - t0)) -ge $((SECONDS_CHECK * 1000000000)) ] && [ "$cli_runs" -ge 5 ] && break
done
cli_ms=$(awk -v ns="$(($(date +%s%N) - t0))" -v n="$cli_runs" 'BEGIN { printf "%.3f", ns / 1e6 / n }')
echo "manifest check: $ENTRIES programmes, $((m_bytes / 1024)) KiB of JSON, signature \"ED\"; mean wall time of one check"
printf '%-52s %10s %10s %10s %9s\n' "checker" "verify ms" "parse ms" "check ms" "vs loaxa"
printf '%-52s %10s %10s %10s %9s\n' "loaxa: minisig_verify + manifest_parse ($m_iter x)" "$m_verify" \
	"$m_parse" "$m_check" "1.00x"
printf '%-52s %10s %10s %10s %9s\n' "minisign -V, then jq (command-line tools, $cli_runs x)" "-" "-" \
	"$cli_ms" "$(awk -v a="$cli_ms" -v b="$m_check" 'BEGIN { printf "%.2fx", a / b }')"
printf '%-52s %10s\n' "one check every 300 s (sync_interval_s): share of a core" \
	"$(awk -v c="$m_check" 'BEGIN { printf "%.4f%%", c / 300000 * 100 }')"
