# test-lib.sh: shared by the system tests (sourced, bash). Emits TAP.
#
# Each test script runs in its own temporary folder ($T), has the built
# binaries on PATH, and cleans up daemons it started. Under LOAXA_VALGRIND=1
# the daemon runs under valgrind (see loaxad_start).

set -u
LOAXA_BUILD=${LOAXA_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
LOAXA_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PATH="$LOAXA_BUILD:$LOAXA_BUILD/tests:$LOAXA_SRC/tests/system:$PATH"
# the daemon's network rounds, for the helpers in tests/ as well; under
# valgrind, themselves under valgrind
if [ -n "${LOAXA_VALGRIND:-}" ]; then
	export LOAXA_NET_HELPER=$LOAXA_SRC/tests/valgrind-net LOAXA_BUILD
else
	export LOAXA_NET_HELPER=${LOAXA_NET_HELPER:-$LOAXA_BUILD/loaxad-net}
fi
# How the valgrind pass runs every program of ours: a memory error or a
# definite leak is exit status 99 and a report in the --log-file given
# after it. A forked child that fails to exec (under valgrind every spawn is
# a fork) would report the memory its parent's other threads hold as lost:
# forked children say nothing. The options are in VALGRIND_OPTS, which
# valgrind reads, so that tests/valgrind-net (the daemon's own rounds)
# runs under the same ones.
if [ -n "${LOAXA_VALGRIND:-}" ]; then
	VALGRIND_OPTS="-q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
	export VALGRIND_OPTS="$VALGRIND_OPTS --child-silent-after-fork=yes"
fi
VALGRIND=(valgrind)
T=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-test.XXXXXX")
export LOAXA_VALGRIND_LOGDIR=$T
_tap_n=0
_tap_fail=0
_cleanups=()

cleanup() {
	local c
	for c in "${_cleanups[@]}"; do eval "$c" || true; done
	if [ "$_tap_fail" = 0 ] && [ -z "${LOAXA_KEEP:-}" ]; then rm -rf "$T"; else echo "# kept $T" >&2; fi
}
trap cleanup EXIT
at_exit() { _cleanups+=("$1"); }

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_fail=$((_tap_fail + 1)); echo "not ok $_tap_n - $*"; }
# check DESCRIPTION COMMAND...: one TAP line from a command's exit status.
# Timings (near_t) are asserted in the plain and sanitizer runs; under
# valgrind, which runs the daemon many times slower, they are skipped.
check() {
	local d=$1; shift
	if [ "$1" = near_t ] && [ -n "${LOAXA_VALGRIND:-}" ]; then
		_tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $d # SKIP timing under valgrind"; return 0
	fi
	if "$@"; then ok "$d"; else not_ok "$d"; echo "#   failed: $*" >&2; fi
}
# jqt EXPR: true when jq's EXPR holds for stdin (prints nothing)
jqt() { jq -e "$1" >/dev/null; }
diag() { echo "# $*" >&2; }
skip_all() { echo "1..0 # SKIP $*"; trap - EXIT; rm -rf "$T"; exit 0; }
done_testing() {
	if [ -n "${LOAXA_VALGRIND:-}" ]; then
		local logs
		logs=$(find "$T" -name 'valgrind.*.log' -size +0 2>/dev/null)
		if [ -z "$logs" ]; then ok "no valgrind errors in loaxad"; else
			not_ok "valgrind errors in loaxad"; cat $logs >&2; fi
	fi
	echo "1..$_tap_n"
	[ "$_tap_fail" = 0 ]
}
bail() { echo "Bail out! $*"; exit 1; }
# need TOOL...: skip the whole test unless every TOOL is installed
need() {
	local t
	for t in "$@"; do command -v "$t" >/dev/null || skip_all "$t not installed"; done
}

# wait_for SECONDS COMMAND...: poll (0.05 s) until the command succeeds
wait_for() {
	local limit=$1; shift
	local end=$(( $(date +%s%N) + limit * 1000000000 ))
	while ! "$@" 2>/dev/null; do
		[ "$(date +%s%N)" -gt "$end" ] && return 1
		sleep 0.05
	done
}

# hhmmss_in SECONDS: local time SECONDS from now, "HH:MM:SS"
hhmmss_in() { date -d "@$(( $(date +%s) + $1 ))" +%H:%M:%S; }
today() { date +%Y-%m-%d; }

# tone FILE SECONDS [FREQ] [RATE] [CHANNELS]: a sine test tone via sox
tone() {
	sox -n -r "${4:-48000}" -c "${5:-2}" -b 16 "$1" synth "$2" sine "${3:-440}" vol 0.5 2>/dev/null
}

# station_conf DIR [EXTRA] [STATION_EXTRA]: a minimal config writing audio
# to DIR/out.wav; EXTRA at its end, STATION_EXTRA in its station section
station_conf() {
	local d=$1 extra=${2:-}
	mkdir -p "$d/state" "$d/schedules" "$d/audio"
	cat >"$d/loaxad.conf" <<EOC
station: { id = "test-station"; name = "Trạm thử";${3:+ $3} };
state_dir = "$d/state";
schedule_dir = "$d/schedules";
audio_dir = "$d/audio";
control_socket = "$d/control.sock";
quiet_hours = "";
audio: { driver = "wav"; file = "$d/out.wav"; rate = 48000; channels = 2; };
$extra
EOC
}

# loaxad_start DIR: start the daemon on DIR/loaxad.conf in the background
# and wait until it is ready (plan loaded, control socket open)
loaxad_start() {
	local d=$1 before
	before=$(grep -c 'ready: control socket' "$d/daemon.log" 2>/dev/null)
	if [ -n "${LOAXA_VALGRIND:-}" ]; then
		"${VALGRIND[@]}" --log-file="$d/valgrind.%p.log" \
			loaxad -c "$d/loaxad.conf" 2>>"$d/daemon.log" &
	else
		loaxad -c "$d/loaxad.conf" 2>>"$d/daemon.log" &
	fi
	LOAXAD_PID=$!
	echo "$LOAXAD_PID" >"$d/daemon.pid"
	at_exit "kill -9 $LOAXAD_PID 2>/dev/null"
	wait_for 60 bash -c "[ \$(grep -c 'ready: control socket' $d/daemon.log 2>/dev/null) -gt ${before:-0} ]"
}

# loaxad_stop DIR: SIGTERM, wait; returns the exit status
loaxad_stop() {
	local pid
	pid=$(cat "$1/daemon.pid")
	kill -TERM "$pid" 2>/dev/null || return 1
	wait "$pid"
}

# airlog DIR: every line of the as-run log, oldest first
airlog() { cat "$1"/state/airlog/*.jsonl 2>/dev/null; }
# play_lines DIR: the as-run log's play lines
play_lines() { airlog "$1" | jq -c 'select(.type == "play")'; }

# slot_file FILE NAME START ITEM...: a one-slot schedule of file items
slot_file() {
	local f=$1 name=$2 start=$3; shift 3
	local items="" it
	for it in "$@"; do items="$items${items:+, }{ file = \"$it\"; }"; done
	printf 'slots = ( { name = "%s"; start = "%s"; items = ( %s ); } );\n' "$name" "$start" "$items" >"$f"
}

# wait_plays DIR N [SECONDS]: wait until the as-run log has N play lines
wait_plays() {
	wait_for "${3:-30}" bash -c "[ \$(cat $1/state/airlog/*.jsonl 2>/dev/null | grep -c '\"type\":\"play\"') -ge $2 ]"
}

# chain_ok DIR: every line's prev is the SHA-256 of the line before, seq +1
chain_ok() {
	cat "$1"/state/airlog/*.jsonl | python3 -c '
import sys, json, hashlib
prev = "0" * 64; seq = 0
for raw in sys.stdin.buffer.read().splitlines(keepends=True):
    o = json.loads(raw)
    if o["prev"] != prev or o["seq"] != seq + 1:
        print("chain broken at seq", o["seq"], file=sys.stderr); sys.exit(1)
    prev = hashlib.sha256(raw).hexdigest(); seq = o["seq"]
'
}
