#!/bin/bash
# loaxa-province verify throughput: as-run log lines checked per second of
# CPU on one core (DESIGN §9: at least 500,000), over a generated year of
# signed logs for 200 stations (tests/helpers/genlogs: realistic play
# lines, correct chains), cut as the stations cut them: a segment for each
# broadcast session (province.upload_hold_s, default 3600, is longer than
# any session of the generated days). VERIFY_CUT=interval:300 is a station
# with upload_hold_s = 0, cutting every upload_interval_s.
#
#   VERIFY_DAYS      days of logs (default 365; fewer for a quick run)
#   VERIFY_STATIONS  stations (default 200)
#   VERIFY_CUT       how stations cut segments: session (default),
#                    interval:S, day, lines:N
#   VERIFY_RUNS      runs of each mode; the fastest is shown (default 3)
#   BUILD            the build folder (default build)
#
# Rows: the default verify (every line, the signatures the hash chain
# cannot vouch for) and --all-signatures (every segment's signature as
# well). Throughput is lines over user+system CPU time, pinned to one core
# when taskset is there; the system share is the kernel opening and
# reading the files, one open and one read per segment. Every run must
# find every station OK.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$(cd "${BUILD:-build}" && pwd)
PATH=$B:$B/tests:$PATH
DAYS=${VERIFY_DAYS:-365}
STATIONS=${VERIFY_STATIONS:-200}
CUT=${VERIFY_CUT:-session}
RUNS=${VERIFY_RUNS:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-bench-verify.XXXXXX")
trap 'rm -rf "$W"' EXIT
machine="$(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

echo "loaxa-province verify — $(date -u +%Y-%m-%dT%H:%MZ) — $machine"
read -r _ lines _ segments _ bytes < <(genlogs --out "$W/logs" --stations-cfg "$W/stations.cfg" \
	--stations "$STATIONS" --days "$DAYS" --cut "$CUT" --seed 1)
printf 'logs: %d stations x %d days (cut: %s): %d lines, %d segments (%.2f lines each), %.0f MB (%.0f bytes a line)\n' \
	"$STATIONS" "$DAYS" "$CUT" "$lines" "$segments" \
	"$(awk -v l="$lines" -v s="$segments" 'BEGIN { print l / s }')" \
	"$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" \
	"$(awk -v b="$bytes" -v l="$lines" 'BEGIN { print b / l }')"
echo

# once: verify must pass; prints "user sys wall"
once() {
	/usr/bin/time -f '%U %S %e' -o "$W/time" "${pin[@]}" \
		loaxa-province verify --stations "$W/stations.cfg" "$@" "$W/logs" >"$W/out" ||
		{ echo "verify failed:" >&2; grep -v ': OK, ' "$W/out" | head >&2; exit 1; }
	[ "$(grep -c ': OK, ' "$W/out")" = "$STATIONS" ] || { echo "not every station OK" >&2; exit 1; }
	cat "$W/time"
}

# run NAME ARGS...: the fastest of RUNS runs, as a row
run() {
	local name=$1 best="" r
	shift
	for ((i = 0; i < RUNS; i++)); do
		r=$(once "$@")
		best=$(printf '%s\n%s\n' "$best" "$r" | awk 'NF == 3 { c = $1 + $2
			if (!seen || c < bc) { bc = c; b = $0; seen = 1 } } END { print b }')
	done
	read -r user sys wall <<<"$best"
	awk -v n="$name" -v u="$user" -v s="$sys" -v w="$wall" -v l="$lines" 'BEGIN {
		c = u + s; if (c < 0.01) c = 0.01
		printf "%-36s %7.2f %7.2f %7.2f %14.0f\n", n, u, s, w, l / c }'
}

# The files into the page cache, read twice so that every run finds them
# as a province's daily run does: cached and already seen.
find "$W/logs" -type f -exec cat {} + >/dev/null
find "$W/logs" -type f -exec cat {} + >/dev/null

printf '%-36s %7s %7s %7s %14s\n' run "user s" "sys s" "wall s" "lines/s (cpu)"
run "default (newest + problems signed)"
run "--all-signatures" --all-signatures
echo "target: at least 500000 lines/s on one core, default mode"
