#!/bin/bash
# A verified file in the store is never deleted by a sync: a validly signed
# newer manifest that declares another size for content the active
# manifest uses is refused, with its reason, and the active manifest and
# its file stay (the programme still airs). Only a store file whose bytes
# no longer match its name (damaged) is removed, and fetched again.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-audio.sh"
source "$(dirname "$0")/lib-nginx.sh"

need nginx minisign jq sox

P=$T/pub
S=$T/station
province_up "$P"
tone "$T/a.wav" 0.6 700
tone "$T/b.wav" 0.4 1300
A=$(province_programme "$P" ban-tin-a "$T/a.wav")
B=$(province_programme "$P" ban-tin-b "$T/b.wav")
province_manifest "$P" 1 "[$A]" "[]"
province_sign "$P"
province_station "$S" "$P" "sync_interval_s = 3600;"
loaxad_start "$S" || bail "loaxad did not start"
check "version 1 is active" wait_for 30 grep -q "manifest version 1 .*active" "$S/daemon.log"
AFILE=$S/state/store/$(jq -r .path <<<"$A" | cut -d/ -f2)
check "its programme is in the store" test -f "$AFILE"
ino=$(stat -c %i "$AFILE")
bytes=$(stat -c %s "$AFILE")

# --- a newer manifest gives the same content another size ----------------------

for delta in 1000 -100; do
	province_manifest "$P" 2 "[$(jq -c --argjson d $delta '.bytes += $d' <<<"$A")]" "[]"
	province_sign "$P"
	check "bytes $delta: refused, naming the file and both sizes" \
		refused_for "$S" "manifest rejected: programmes/.*: declares $((bytes + delta)) bytes, but the verified file of that SHA-256 has $bytes"
	diag "$(grep "sync failed: " "$S/daemon.log" | tail -1)"
	check "bytes $delta: the store file is kept, the same file" \
		eval '[ -f "$AFILE" ] && [ "$(stat -c %i "$AFILE")" = "$ino" ]'
	check "bytes $delta: the store holds only verified files" store_verified "$S/state"
	check "bytes $delta: version 1 stays active" test "$(jq .version "$S/state/manifest.json")" = 1
done
check "the daemon said why it kept the file" grep -q "the file is kept" "$S/daemon.log"

# The active programme still airs.
cat >"$S/schedules/s.cfg" <<EOC
slots = ( { name = "Sau đồng bộ"; start = "$(hhmmss_in 3)"; items = ( "ban-tin-a" ); } );
EOC
loaxactl -c "$S/loaxad.conf" reload >/dev/null
check "ban-tin-a is logged" wait_plays "$S" 1 30
check "ban-tin-a aired complete" \
	test "$(play_lines "$S" | jq -r 'select(.programme == "ban-tin-a") | .status')" = complete

# --- a store file damaged on the card is removed and fetched again ---------------

printf 'XXXX' | dd of="$AFILE" bs=1 seek=1000 conv=notrunc 2>/dev/null
province_manifest "$P" 3 "[$A, $B]" "[]"
province_sign "$P"
check "version 3 is active" activated "$S" 3
check "the damaged copy was named" grep -q "does not match its SHA-256; fetching it again" "$S/daemon.log"
check "and fetched again, verified" eval 'store_has "$S/state" "$T/a.wav" && store_verified "$S/state"'
check "with the new programme" store_has "$S/state" "$T/b.wav"
check "the daemon stops cleanly" loaxad_stop "$S"
segments "$S/out.wav" >"$T/segs"
check "the speakers heard ban-tin-a: 700 Hz" \
	test "$(tones_only "$T/segs" | awk '{ printf "%d ", ($3 + 50) / 100 }')" = "7 "

done_testing
