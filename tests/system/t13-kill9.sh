#!/bin/bash
# Power cut (kill -9) in the middle of an item, then a restart: the chain
# stays intact; within catch_up_s the session plays late, beyond it the
# items are logged "missed".
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

# --- restart within the catch-up window: late start --------------------------
station_conf "$T/a"
tone "$T/a/audio/long.wav" 6.0 500
tone "$T/a/audio/short.wav" 1.0 1500
slot_file "$T/a/schedules/s.cfg" "Sáng" "$(hhmmss_in 3)" long.wav short.wav
loaxad_start "$T/a"
check "the session went on air" wait_for 15 grep -q "on air: file" "$T/a/daemon.log"
sleep 2
kill -9 "$LOAXAD_PID"; wait "$LOAXAD_PID" 2>/dev/null
check "nothing logged for the item cut by the power loss" test "$(play_lines "$T/a" | wc -l)" = 0
loaxad_start "$T/a"
check "both items logged after the restart" wait_plays "$T/a" 2 30
loaxad_stop "$T/a"
play_lines "$T/a" >"$T/a/plays"
check "both complete" test "$(jq -r .status "$T/a/plays" | sort -u)" = complete
first=$(head -1 "$T/a/plays")
late=$(seconds_between "$(jq -r .scheduled <<<"$first")" "$(jq -r .start <<<"$first")")
check "first item started late after the restart (${late}s)" awk -v l="$late" 'BEGIN { exit !(l > 1.0) }'
check "two start lines, one stop line" test "$(airlog "$T/a" | jq -r .type | tr '\n' ' ')" = "start start play play stop "
check "chain intact across the crash" chain_ok "$T/a"
check "seq has no gap" test "$(airlog "$T/a" | jq -r .seq | tr '\n' ' ')" = "1 2 3 4 5 "
segments "$T/a/out.wav" >"$T/a/segs"
check "the second run played the whole long item then the short one" bash -c \
	"$(declare -f near near_t); tones=\$(awk '\$1==\"tone\" && \$3-\$2>0.03 {print \$3-\$2, \$4}' $T/a/segs); set -- \$tones; near_t \$1 6.0 0.05 && near_t \$3 1.0 0.05"

# --- restart after the catch-up window: missed ----------------------------
station_conf "$T/b" "catch_up_s = 2;"
tone "$T/b/audio/long.wav" 6.0 500
tone "$T/b/audio/short.wav" 1.0 1500
slot_file "$T/b/schedules/s.cfg" "Chiều" "$(hhmmss_in 3)" long.wav short.wav
loaxad_start "$T/b"
check "the session went on air" wait_for 15 grep -q "on air: file" "$T/b/daemon.log"
sleep 1
kill -9 "$LOAXAD_PID"; wait "$LOAXAD_PID" 2>/dev/null
sleep 4
loaxad_start "$T/b"
check "both items logged" wait_plays "$T/b" 2 15
loaxad_stop "$T/b"
play_lines "$T/b" >"$T/b/plays"
check "both missed" test "$(jq -r .status "$T/b/plays" | tr '\n' ' ')" = "missed missed "
check "reason: daemon not running" test "$(jq -r .reason "$T/b/plays" | sort -u)" = "loaxad was not running"
check "missed lines have no start" test "$(jq -r .start "$T/b/plays" | sort -u)" = null
check "chain intact" chain_ok "$T/b"
done_testing
