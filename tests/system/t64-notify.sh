#!/bin/bash
# systemd's notification protocol, spoken by loaxad without libsystemd:
# READY=1 once the control socket is open, WATCHDOG=1 at half of
# WATCHDOG_USEC, STOPPING=1 on SIGTERM; a path socket and an abstract one;
# no watchdog when WATCHDOG_PID names another process.
source "$(dirname "$0")/test-lib.sh"

need python3

S=$T/station
station_conf "$S"

# listen ADDRESS OUT: collect datagrams on ADDRESS ("@name": abstract), one a line
listen() {
	python3 -c '
import socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode() + "\n")
        out.flush()' "$1" "$2" &
	at_exit "kill $! 2>/dev/null"
	wait_for 10 test -e "$2.ready"
}
count() { grep -cx "$1" "$2" 2>/dev/null; }
at_least() { [ "$(count "$1" "$2")" -ge "$3" ]; }

run() { # ADDRESS OUT [ENV...]: start, wait a second, stop
	local addr=$1 out=$2
	shift 2
	listen "$addr" "$out" || bail "cannot listen on $addr"
	env NOTIFY_SOCKET="$addr" "$@" loaxad -c "$S/loaxad.conf" 2>>"$S/daemon.log" &
	local pid=$!
	at_exit "kill -9 $pid 2>/dev/null"
	wait_for 20 at_least READY=1 "$out" 1
	sleep 1.2
	kill -TERM $pid
	wait $pid
}

run "$T/notify" "$T/path.out" WATCHDOG_USEC=200000
check "READY=1 on a path socket" at_least READY=1 "$T/path.out" 1
check "only once" [ "$(count READY=1 "$T/path.out")" = 1 ]
check "WATCHDOG=1 every 100 ms of a 200 ms watchdog ($(count WATCHDOG=1 "$T/path.out") in ~1.2 s)" \
	at_least WATCHDOG=1 "$T/path.out" 5
check "STOPPING=1 on SIGTERM" wait_for 10 at_least STOPPING=1 "$T/path.out" 1
check "READY=1 came first" [ "$(head -n 1 "$T/path.out")" = READY=1 ]

run "@loaxa-test-$$" "$T/abstract.out" WATCHDOG_USEC=200000 WATCHDOG_PID=1
check "READY=1 on an abstract socket" at_least READY=1 "$T/abstract.out" 1
check "no watchdog when WATCHDOG_PID is another process" \
	[ "$(count WATCHDOG=1 "$T/abstract.out")" = 0 ]

done_testing
