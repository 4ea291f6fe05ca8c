#!/bin/bash
# The disk fills up (state_dir on a small tmpfs) while a session plays, with
# a real nginx as the province for both sync and upload. The loudspeakers
# never notice: every item plays, the province's programme among them
# (the audio output lives elsewhere). The daemon says what is wrong in its
# log, in loaxactl status, and in the status.json it sends the province.
# An upload round cannot cut a segment into the outbox and a sync cannot
# fetch a new manifest: neither leaves anything half-written. Once there is
# room, the as-run lines that waited in memory are written in order, a new
# manifest is activated, and the upload delivers every line, byte for
# byte, once.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"
. "$(dirname "$0")/lib-nginx.sh"
. "$(dirname "$0")/lib-upload.sh"

need nginx minisign python3 jq sox
D=$T/station
UP=$D
ID=test-station
station_conf "$D"
if ! mount -t tmpfs -o size=40m tmpfs "$D/state" 2>/dev/null; then
	skip_all "cannot mount a tmpfs here"
fi
at_exit "umount -l '$D/state'"

# The province: version 1 with one short programme, the one the sessions
# play; version 2 adds a larger one.
P=$T/pub
mkdir -p "$T/src1" "$T/src2" "$T/www"
tone "$T/src1/ban-tin.wav" 1.0 400
cp "$T/src1/ban-tin.wav" "$T/src2/"
tone "$T/src2/phong-su.wav" 12.0 350
loaxa-province keygen --key "$T/prov.key" --pub "$T/prov.pub" >/dev/null 2>&1
loaxa-province publish --key "$T/prov.key" --programmes "$T/src1" --out "$P" --province test \
	>/dev/null 2>&1
check "version 1 published" test -s "$P/manifest.json.minisig"
nginx_start "$P" || bail "nginx did not start"
SRV=$NGINX_DAV/logs/$ID
cat >>"$D/loaxad.conf" <<EOC
province: { manifest_url = "$NGINX_URL/manifest.json"; public_key = "$(sed -n 2p "$T/prov.pub")";
            log_url = "$NGINX_URL/logs/"; sync_interval_s = 3600; upload_interval_s = 3600; };
EOC

freqs_a=(600 800 1000 1200 1400 1600)
for f in "${freqs_a[@]}" 1800; do tone "$D/audio/x$f.wav" 1.0 "$f"; done
t0=$(date +%s)
at() { date -d "@$((t0 + $1))" +%H:%M:%S; }
items_a='"ban-tin"'
for f in "${freqs_a[@]}"; do items_a="$items_a, { file = \"x$f.wav\"; }"; done
cat >"$D/schedules/s.cfg" <<EOC
slots = (
  { name = "Phiên A"; start = "$(at 10)"; items = ( $items_a ); },
  { name = "Phiên B"; start = "$(at 24)"; items = ( "ban-tin", { file = "x1800.wav"; } ); }
);
EOC

# fill N: take every free block of the disk
fill() { dd if=/dev/zero of="$D/state/fill$1" bs=64k 2>/dev/null; dd if=/dev/zero of="$D/state/fill$1b" bs=4k 2>/dev/null; }
avail() { df -k --output=avail "$D/state" | tail -1 | tr -d ' '; }
status() { loaxactl -c "$D/loaxad.conf" status 2>&1; }

loaxad_start "$D" || bail "loaxad did not start"
check "version 1 is active" wait_for 20 grep -q "manifest version 1 .* is active" "$D/daemon.log"
check "the first upload round has been" wait_for 20 test -s "$SRV/status.json"

# The disk fills while session A plays, after its first two lines.
check "session A is on air" wait_plays "$D" 2 30
fill 1
check "the disk is full" test "$(avail)" = 0
check "session A played to its end" \
	wait_for 20 bash -c "grep -c '^<6>complete: file \"x' $D/daemon.log | grep -qx 6"
check "the daemon says it cannot write the as-run log" \
	wait_for 10 grep -q "cannot write the as-run log; .* wait.* in memory" "$D/daemon.log"
# Its end starts an upload round, which cannot cut a segment.
check "the upload round says it cannot write a segment" \
	wait_for 20 grep -q "upload: cannot write the segment .*No space left on device" "$D/daemon.log"
# status_says PATTERN: loaxactl status has a line matching it
status_says() { loaxactl -c "$D/loaxad.conf" status 2>&1 | grep -q "$1"; }
check "loaxactl status: the disk problem" wait_for 10 status_says '^Disk problem: .*as-run log'
check "loaxactl status: the upload's failure" wait_for 10 status_says '^Upload failed: .*No space left'
diag "$(status | grep -i 'disk\|upload' | tr '\n' ';')"
check "the province's status.json says so" \
	wait_for 10 bash -c "jq -e '.disk_problem | test(\"as-run log\")' $SRV/status.json >/dev/null"
check "no segment was written, whole or in part" \
	bash -c "! ls -A $D/state/outbox | grep -v '^sent\$\|^\.cut\$\|^\.seen\$'"

# A new manifest: the sync finds no room and keeps what it has.
loaxa-province publish --key "$T/prov.key" --programmes "$T/src2" --out "$P" --province test \
	>/dev/null 2>&1
loaxactl -c "$D/loaxad.conf" sync >/dev/null
check "the sync fails for want of room" \
	wait_for 20 grep -q "sync failed: .*\(No space left\|not enough disk space\)" "$D/daemon.log"
check "version 1 stays active" status_says 'version 1$'
check "nothing partial in the store" bash -c "! ls -A $D/state/store/partial 2>/dev/null | grep -q ."
check "no temporary file beside the manifest" bash -c "! ls -A $D/state | grep -q 'tmp\|\.new'"

# Session B plays on the full disk, the province's programme first.
check "session B plays on the full disk" \
	wait_for 30 grep -q '^<6>complete: file "x1800.wav"' "$D/daemon.log"
n_on_disk=$(play_lines "$D" | wc -l)
diag "$n_on_disk of 9 play lines reached the file while it was full"
check "while full, lines wait rather than reach the file ($n_on_disk of 9)" test "$n_on_disk" -lt 9
check "every line in the file is whole" bash -c "cat $D/state/airlog/*.jsonl | jq -e . >/dev/null"
check "the chain is intact" chain_ok "$D"

# Room again.
rm -f "$D/state"/fill*
check "the waiting lines are written" wait_for 30 grep -q 'lines that waited for room are written' "$D/daemon.log"
check "all nine items are in the file" wait_plays "$D" 9 5
loaxactl -c "$D/loaxad.conf" sync >/dev/null
check "version 2 is activated" wait_for 30 grep -q "manifest version 2 .* is active" "$D/daemon.log"
check "the outbox empties" wait_for 30 bash -c "! ls $D/state/outbox/*.jsonl 2>/dev/null | grep -q ."
check "the server has every line, byte for byte, once" wait_for 20 server_has_log
check "its segments tile the log: no seq twice" segments_tile
check "the province's status.json no longer has a disk problem" \
	wait_for 20 bash -c "jq -e '.disk_problem == \"\"' $SRV/status.json >/dev/null"
stations_cfg "$D"
loaxa-province verify --stations "$T/stations.cfg" "$NGINX_DAV/logs" >"$T/verify.out" 2>&1
check "loaxa-province verify passes" grep -q "^$ID: OK, " "$T/verify.out"
sed 's/^/# /' "$T/verify.out" >&2
check "nothing on the server but segments, signatures and status.json" \
	bash -c "! ls -A $SRV | grep -v '\.jsonl\$\|\.jsonl\.minisig\$\|^status\.json\$\|^status\.json\(\.next\)\?\.minisig\$'"
check "no temporary file in the outbox" bash -c "! ls -A $D/state/outbox | grep -q 'tmp'"
check "the store holds only verified files" store_verified "$D/state"
check "the daemon stops cleanly" loaxad_stop "$D"

play_lines "$D" >"$T/plays"
check "each item logged once, in order, complete" test \
	"$(jq -r '(.programme // .file) + ":" + .status' "$T/plays" | tr '\n' ' ')" = \
	"ban-tin:complete x600.wav:complete x800.wav:complete x1000.wav:complete x1200.wav:complete x1400.wav:complete x1600.wav:complete ban-tin:complete x1800.wav:complete "
check "the chain is intact after all" chain_ok "$D"
check "seq has no gap or repeat" bash -c "cat $D/state/airlog/*.jsonl | jq -r .seq | awk 'NR != \$1 { exit 1 }'"
segments "$D/out.wav" >"$T/segs"
tones_only "$T/segs" >"$T/tones"
diag "$(tr '\n' ';' <"$T/tones")"
check "the speakers heard every item, in order" \
	test "$(awk '{ printf "%d ", int(($3 + 50) / 100) * 100 }' "$T/tones")" = "400 ${freqs_a[*]} 400 1800 "
done_testing
