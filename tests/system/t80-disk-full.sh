#!/bin/bash
# The disk fills up while a programme downloads and a session plays (a
# small tmpfs as state_dir; skipped where mounting is not allowed). The
# download fails and nothing unverified enters the store; as-run lines
# that find no room wait in memory, never torn into the file: every line
# is whole and the chain stays valid; once there is room again they are
# written, in order, the log goes on, and the download completes.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

need python3 jq sox
D=$T/station
station_conf "$D"
if ! mount -t tmpfs -o size=40m tmpfs "$D/state" 2>/dev/null; then
	skip_all "cannot mount a tmpfs here"
fi
at_exit "umount -l '$D/state'"

# The province: one programme of 1.9 MB, served at 64 kB/s.
P=$T/pub
mkdir -p "$T/src"
tone "$T/src/big.wav" 10.0 300
loaxa-province keygen --key "$T/prov.key" --pub "$T/prov.pub" >/dev/null 2>&1
loaxa-province publish --key "$T/prov.key" --programmes "$T/src" --out "$P" --province test \
	>/dev/null 2>&1
check "published" test -s "$P/manifest.json.minisig"
big=$(ls "$P/programmes")
python3 "$LOAXA_SRC/tests/helpers/faultserver.py" --root "$P" --port-file "$T/port" \
	--control "$T/control.json" --counters "$T/counters.json" 2>"$T/faultserver.log" &
at_exit "kill $! 2>/dev/null"
echo "{ \"/programmes/$big\": { \"mode\": \"stall\", \"rate\": 65536 } }" >"$T/control.json"
wait_for 10 test -s "$T/port" || bail "faultserver did not start"
cat >>"$D/loaxad.conf" <<EOC
province: { manifest_url = "http://127.0.0.1:$(cat "$T/port")/manifest.json";
            public_key = "$(sed -n 2p "$T/prov.pub")"; sync_interval_s = 10; };
EOC

# Session one, twelve short items with long names, plays while the disk is
# full: lines of about 1 kB, so that one of them meets the end of a page
# of the log file and is written only in part.
long="Bản tin phòng chống thiên tai và tìm kiếm cứu nạn của Ủy ban nhân dân xã"
full=()
for i in $(seq -w 1 12); do
	f="day-du-$i-thong-bao-cua-uy-ban-nhan-dan-xa-ve-viec-phong-chong-lut-bao-nam-nay.wav"
	tone "$D/audio/$f" 0.3 $((400 + 10#$i * 100))
	full+=("$f")
done
tone "$D/audio/after1.wav" 0.5 700
tone "$D/audio/after2.wav" 0.5 900
s1=$(hhmmss_in 8)
items=""
for f in "${full[@]}"; do items="$items${items:+, }{ file = \"$f\"; }"; done
cat >"$D/schedules/s.cfg" <<EOC
slots = (
  { name = "$long $long $long"; start = "$s1"; items = ( $items ); },
  { name = "Sau khi dọn đĩa"; start = "$(hhmmss_in 22)"; items = ( { file = "after1.wav"; }, { file = "after2.wav"; } ); }
);
EOC

loaxad_start "$D"
part=$D/state/store/partial/$big.part
check "the download is under way" wait_for 15 test -s "$part"
# fill: take every free block of the disk
fill() { dd if=/dev/zero of="$D/state/fill$1" bs=64k 2>/dev/null; dd if=/dev/zero of="$D/state/fill$1b" bs=4k 2>/dev/null; }
# Whatever else shares the card fills it up.
fill 1
check "the download fails: no space left" \
	wait_for 15 grep -q "sync failed: .*No space left on device" "$D/daemon.log"
check "its partial file is dropped" wait_for 5 test ! -e "$part"
check "the store holds no programme" bash -c "! ls $D/state/store/*.wav 2>/dev/null"
check "no manifest is active" test ! -e "$D/state/manifest.json"
fill 2 # the room the dropped download gave back
check "the disk is full" test "$(df -k --output=avail "$D/state" | tail -1 | tr -d ' ')" = 0

check "the session on the full disk has played" \
	wait_for 30 bash -c "[ \$(grep -c '^<6>complete: file \"day-du' $D/daemon.log) = 12 ]"
check "the daemon said it could not write the as-run log" \
	grep -q "cannot write the as-run log" "$D/daemon.log"
n_full=$(play_lines "$D" | grep -c '"day-du' || true)
diag "$n_full of 12 lines of the session on the full disk were written"
check "lines without room are not in the file while it is full ($n_full of 12 written)" \
	test "$n_full" -lt 12
check "the daemon says they wait in memory" grep -q 'lines\? wait.* in memory' "$D/daemon.log"
loaxactl -c "$D/loaxad.conf" status >"$T/status.full" 2>&1
diag "$(grep -i disk "$T/status.full" | tr '\n' ';')"
check "loaxactl status shows the disk problem" grep -q 'Disk problem: .*as-run log' "$T/status.full"
check "every line is whole JSON" bash -c "cat $D/state/airlog/*.jsonl | jq -e . >/dev/null"
check "every log file ends with a newline" bash -c \
	"for f in $D/state/airlog/*.jsonl; do [ \"\$(tail -c 1 \$f | od -An -c | tr -d ' ')\" = '\\n' ] || exit 1; done"
check "the chain is intact" chain_ok "$D"

# Room again: the log goes on and the download completes.
rm "$D/state"/fill*
echo '{}' >"$T/control.json"
loaxactl -c "$D/loaxad.conf" sync >/dev/null 2>&1
check "with room again, the manifest is activated" \
	wait_for 30 grep -q "manifest version 1 .* is active" "$D/daemon.log"
check "the programme is in the store, verified" \
	bash -c "[ \"\$(sha256sum $D/state/store/$big | cut -c1-64)\" = '${big%%.*}' ]"
check "the lines that waited are written once there is room" \
	wait_for 30 bash -c "[ \$(cat $D/state/airlog/*.jsonl | grep -c '\"day-du') = 12 ]"
check "in broadcast order" test "$(play_lines "$D" | jq -r 'select(.file | startswith("day-du")) | .file' |
	tr '\n' ' ')" = "${full[*]} "
check "the daemon says so" grep -q 'lines that waited for room are written' "$D/daemon.log"
check "loaxactl status no longer shows a problem" \
	bash -c "! loaxactl -c $D/loaxad.conf status | grep -q 'Disk problem'"
check "the session after the disk was freed is logged" wait_plays "$D" 14 30
check "the daemon stops cleanly" loaxad_stop "$D"
play_lines "$D" >"$T/plays"
check "both its items complete" test "$(jq -r 'select(.file | startswith("after")) | .status' "$T/plays" |
	tr '\n' ' ')" = "complete complete "
check "the stop line is there" bash -c "cat $D/state/airlog/*.jsonl | tail -1 | jq -e '.type == \"stop\"' >/dev/null"
check "every line is still whole JSON" bash -c "cat $D/state/airlog/*.jsonl | jq -e . >/dev/null"
check "the chain is still intact" chain_ok "$D"
check "seq has no gap or repeat" bash -c \
	"cat $D/state/airlog/*.jsonl | jq -r .seq | awk 'NR != \$1 { exit 1 }'"
diag "store: $(ls -A "$D/state/store" | tr '\n' ' ')"
check "the store holds only verified files" bash -c \
	"for f in $D/state/store/*.*; do b=\$(basename \$f); [ \"\$(sha256sum \$f | cut -c1-64)\" = \"\${b%%.*}\" ] || exit 1; done"
done_testing
