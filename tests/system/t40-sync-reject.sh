#!/bin/bash
# Province sync, rejections: each bad publication is refused with its
# reason, the manifest active before stays active, and the store holds only
# verified files.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-nginx.sh"

need nginx minisign jq sox

P=$T/pub
S=$T/station
province_up "$P"
tone "$T/a.wav" 1 440
tone "$T/b.wav" 0.5 660

# rejected DESCRIPTION REASON [OPTIONS]: a sync fails with REASON in its
# line, and the version-5 manifest is still the active one
rejected() {
	local what=$1 reason=$2
	shift 2
	sync_once "$S" "$@"
	case $OUT in
	"failed: "*"$reason"*) ok "$what: rejected ($reason)" ;;
	*) not_ok "$what: rejected ($reason)"; diag "got: $OUT" ;;
	esac
	check "$what: the old manifest stays active" cmp -s "$T/active.json" "$S/state/manifest.json"
	check "$what: the store holds only verified files" store_verified "$S/state"
}

A=$(province_programme "$P" ban-tin-a "$T/a.wav")
province_manifest "$P" 5 "[$A]" "[]"
province_sign "$P"
province_station "$S" "$P" "max_download_bytes = 1000000;"
sync_once "$S"
check "version 5 is activated" [ "$OUT" = "activated 5" ]
cp "$S/state/manifest.json" "$T/active.json"

B=$(province_programme "$P" ban-tin-b "$T/b.wav")
good_v6() { province_manifest "$P" 6 "[$A, $B]" "[]"; }

# Signed by another key.
minisign -G -W -f -p "$T/other.pub" -s "$T/other.sec" </dev/null >/dev/null
good_v6
province_sign "$P" "$T/other.sec"
rejected "another key" "key id mismatch"

# Signed by the province, edited afterwards.
good_v6
province_sign "$P"
sed -i 's/Chương trình ban-tin-b/Chương trình giả/' "$P/manifest.json"
rejected "edited manifest" "signature does not verify"

# The trusted comment edited.
good_v6
province_sign "$P" "$P.sec" "version 6"
sed -i 's/^trusted comment: version 6$/trusted comment: version 7/' "$P/manifest.json.minisig"
check "(the trusted comment was edited)" \
	grep -q '^trusted comment: version 7$' "$P/manifest.json.minisig"
rejected "edited trusted comment" "trusted comment signature does not verify"

# No signature at all.
good_v6
rm -f "$P/manifest.json.minisig"
rejected "missing signature" "manifest.json.minisig"

# An older version, properly signed (a replayed publication).
province_manifest "$P" 4 "[$A, $B]" "[]"
province_sign "$P"
rejected "older version" "rollback"

# The same version, other bytes.
province_manifest "$P" 5 "[$A, $B]" "[]"
province_sign "$P"
rejected "same version, other content" "differs from the accepted manifest"

# Expired, on a clock taken as synchronised.
now=$(date +%s)
province_manifest "$P" 6 "[$A, $B]" "[]" "$(date -d "@$((now - 60))" +%Y-%m-%dT%H:%M:%S%:z)" \
	"$(date -d "@$((now - 86400))" +%Y-%m-%dT%H:%M:%S%:z)"
province_sign "$P"
rejected "expired manifest" "expired" --assume-synced

# Hostile ids.
province_manifest "$P" 6 "[$A, $(echo "$B" | jq -c '.id = "../../etc/passwd"')]" "[]"
province_sign "$P"
rejected "../ id" "unsafe id"

province_manifest "$P" 6 "[$A, $(echo "$B" | jq -c '.id = "ban-tin-a"')]" "[]"
province_sign "$P"
rejected "duplicate ids" "duplicate programme id"

province_manifest "$P" 6 "[$A, $(echo "$B" | jq -c '.path = "programmes/../../x.wav"')]" "[]"
province_sign "$P"
rejected "../ path" "path contains"

province_manifest "$P" 6 "[$A, $(echo "$B" | jq -c '.bytes = 5000000')]" "[]"
province_sign "$P"
rejected "file over max_download_bytes" "max_download_bytes"

# Bad UTF-8 in a signed manifest.
good_v6
sed -i 's/Chương trình ban-tin-b/\xff\xfe/' "$P/manifest.json"
province_sign "$P"
rejected "bad UTF-8" "not valid JSON"

# A programme whose bytes do not match its hash: same size, other content.
good_v6
bfile=$P/$(echo "$B" | jq -r .path)
cp "$bfile" "$T/b.orig"
printf 'XXXX' | dd of="$bfile" bs=1 seek=1000 conv=notrunc 2>/dev/null
province_sign "$P"
rejected "programme not matching its hash" "SHA-256 mismatch"
check "the corrupt file is not in the store" [ ! -e "$S/state/store/${bfile##*/}" ]
check "no partial file of it is kept" [ -z "$(ls -A "$S/state/store/partial")" ]

# A file larger than declared.
cp "$T/b.orig" "$bfile"
province_manifest "$P" 6 "[$A, $(echo "$B" | jq -c '.bytes -= 100')]" "[]"
province_sign "$P"
rejected "file larger than declared" "declared"
check "nothing of it is kept" [ -z "$(ls -A "$S/state/store/partial")" ]

# After all that, the good version 6 goes through.
good_v6
province_sign "$P"
sync_once "$S"
check "a good version 6 is then activated" [ "$OUT" = "activated 6" ]
check "with both programmes verified" store_has "$S/state" "$T/b.wav"
cp "$S/state/manifest.json" "$T/active.json"

# Expired, on a clock that is not trusted: its reading still counts (and
# so does what the station has seen, see t88-expiry-floor.sh).
province_manifest "$P" 7 "[$A, $B]" "[]" "$(date -d "@$((now - 60))" +%Y-%m-%dT%H:%M:%S%:z)" \
	"$(date -d "@$((now - 86400))" +%Y-%m-%dT%H:%M:%S%:z)"
province_sign "$P"
rejected "expired on an untrusted clock" "expired" --assume-unsynced
province_manifest "$P" 7 "[$A, $B]" "[]"
province_sign "$P"
sync_once "$S" --assume-unsynced
check "current on an untrusted clock: accepted" [ "$OUT" = "activated 7" ]

done_testing
