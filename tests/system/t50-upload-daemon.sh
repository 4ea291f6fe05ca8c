#!/bin/bash
# The daemon's own upload thread against a real nginx: the as-run log of a
# real session reaches the server byte for byte while loaxad runs; with
# nginx stopped the segments wait in the outbox and arrive when it is back;
# after kill -9 and a restart nothing is lost, nothing forked, and
# loaxa-province verify and minisign accept every segment.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-nginx.sh"
source "$(dirname "$0")/lib-upload.sh"

need nginx minisign python3 sox

S=$T/station
upload_station "$S"
tone "$S/audio/a.wav" 0.6 440
tone "$S/audio/b.wav" 0.4 660

outbox_waiting() { [ "$(outbox_count)" -ge 1 ]; }
outbox_empty() { [ "$(outbox_count)" = 0 ]; }

loaxad_start "$S" || bail "loaxad did not start"
check "the daemon made the station key" wait_for 10 test -s "$S/state/station.pub"
session 1 a.wav b.wav
check "the session is logged" wait_plays "$S" 2 30
check "the log reaches the server while the daemon runs" wait_for 40 server_has_log
check "status.json arrived" wait_for 20 test -s "$SRV/status.json"

nginx_stop
session 2 a.wav b.wav
check "the second session is logged" wait_plays "$S" 4 30
check "with nginx down its lines wait in the outbox" wait_for 40 outbox_waiting
nginx_again || bail "nginx did not come back"
check "once nginx is back the outbox empties" wait_for 60 outbox_empty
check "and the server has every line, byte for byte" server_has_log

session 3 a.wav b.wav
wait_plays "$S" 6 30
kill -9 "$LOAXAD_PID"
wait "$LOAXAD_PID" 2>/dev/null
loaxad_start "$S" || bail "loaxad did not restart"
check "after kill -9 and a restart everything arrives" wait_for 60 server_has_log
check "no fork, chain intact: verify passes" verify_ok
check "minisign accepts every segment" server_signed
check "the daemon stops cleanly" loaxad_stop "$S"
if [ -n "${LOAXA_VALGRIND:-}" ]; then
	check "valgrind found nothing" bash -c "! grep -q 'ERROR SUMMARY: [1-9]' $S/valgrind.*.log"
fi

done_testing
