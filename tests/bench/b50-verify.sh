#!/bin/bash
# loaxa-province verify throughput: as-run log lines checked per second of
# CPU on one core, over a generated year of signed logs for 200 stations
# (tests/helpers/genlogs: realistic play lines, correct chains, one segment
# per station per day unless VERIFY_CUT says otherwise).
#
#   VERIFY_DAYS      days of logs (default 365; fewer for a quick run)
#   VERIFY_STATIONS  stations (default 200)
#   VERIFY_CUT       how stations cut segments: day, session, interval:S,
#                    lines:N (default day)
#   BUILD            the build folder (default build)
#
# Three runs over the same folder: with every signature checked (a first
# verify), then with --cache filling the cache of verified segments, then
# with the cache in use (what the province's daily run costs). Throughput
# is lines over user+system CPU time, pinned to one core when taskset is
# there; wall time is shown as well.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$(cd "${BUILD:-build}" && pwd)
PATH=$B:$B/tests:$PATH
DAYS=${VERIFY_DAYS:-365}
STATIONS=${VERIFY_STATIONS:-200}
CUT=${VERIFY_CUT:-day}
W=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-bench-verify.XXXXXX")
trap 'rm -rf "$W"' EXIT
machine="$(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

echo "loaxa-province verify — $(date -u +%Y-%m-%dT%H:%MZ) — $machine"
read -r _ lines _ segments _ bytes < <(genlogs --out "$W/logs" --stations-cfg "$W/stations.cfg" \
	--stations "$STATIONS" --days "$DAYS" --cut "$CUT" --seed 1)
printf 'logs: %d stations x %d days (cut: %s): %d lines, %d segments (%.1f lines each), %.0f MB (%.0f bytes a line)\n' \
	"$STATIONS" "$DAYS" "$CUT" "$lines" "$segments" \
	"$(awk -v l="$lines" -v s="$segments" 'BEGIN { print l / s }')" \
	"$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" \
	"$(awk -v b="$bytes" -v l="$lines" 'BEGIN { print b / l }')"
echo

# run NAME ARGS...: verify once; prints a row
run() {
	local name=$1
	shift
	/usr/bin/time -f '%U %S %e' -o "$W/time" "${pin[@]}" \
		loaxa-province verify --stations "$W/stations.cfg" "$@" "$W/logs" >"$W/out" ||
		{ echo "verify failed:"; grep -v ': OK, ' "$W/out" | head; exit 1; }
	[ "$(grep -c ': OK, ' "$W/out")" = "$STATIONS" ] || { echo "not every station OK"; exit 1; }
	read -r user sys wall <"$W/time"
	awk -v n="$name" -v u="$user" -v s="$sys" -v w="$wall" -v l="$lines" 'BEGIN {
		c = u + s; if (c < 0.01) c = 0.01
		printf "%-40s %8.2f %8.2f %14.0f\n", n, c, w, l / c }'
}

printf '%-40s %8s %8s %14s\n' run "cpu s" "wall s" "lines/s (cpu)"
find "$W/logs" -type f -exec cat {} + >/dev/null # into the page cache, for every run alike
run "every signature checked"
run "--cache, first run (filling it)" --cache "$W/cache"
run "--cache, next run" --cache "$W/cache"
echo "target: at least 500000 lines/s on one core"
