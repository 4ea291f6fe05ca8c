#!/bin/bash
# loaxa-province keygen + publish: the tree a station fetches, content-
# addressed and measured, a manifest minisign accepts, versions that only
# go up, and refusals (unknown programme in a schedule, bad file name) that
# leave the published tree exactly as it was.
. "$(dirname "$0")/test-lib.sh"

need sox jq minisign sha256sum
command -v loaxa-province >/dev/null || bail "loaxa-province not built in $LOAXA_BUILD"

cd "$T" || bail "no temp dir"
P=$T/progs S=$T/scheds OUT=$T/www/bac-giang
mkdir -p "$P" "$S"

# Programmes: a -20 LUFS tone (a stereo 1 kHz sine peaking at -20 dBFS reads
# -20 LUFS, as in EBU Tech 3341's first case), a mono Ogg,
# a FLAC, and Vietnamese speech when espeak-ng is there.
sox -n -r 48000 -c 2 -b 16 "$P/Ban-Tin-Sang.wav" synth 3.0 sine 997 vol 0.1 2>/dev/null
sox -n -r 22050 -c 1 "$P/nhac-hieu.ogg" synth 1.5 sine 600 vol 0.3 2>/dev/null
sox -n -r 44100 -c 1 -b 16 "$P/thoi-tiet.flac" synth 2.25 sine 300 vol 0.4 2>/dev/null
ids="ban-tin-sang nhac-hieu thoi-tiet"
declare -A want_s=([ban-tin-sang]=3.0 [nhac-hieu]=1.5 [thoi-tiet]=2.25)
if command -v espeak-ng >/dev/null &&
	espeak-ng -v vi -w "$P/thong-bao-xa.wav" "Thông báo của Ủy ban nhân dân xã" 2>/dev/null; then
	ids="$ids thong-bao-xa"
	want_s[thong-bao-xa]=$(soxi -D "$P/thong-bao-xa.wav")
fi
cat >"$P/ban-tin-sang.json" <<'EOF'
{ "title": "Bản tin sáng — giảm nghèo", "class": "priority", "valid_until": "2031-12-04",
  "stations": ["tan-quang", "an-binh"] }
EOF
cat >"$S/tuan.cfg" <<'EOF'
slots = (
  { name = "Bản tin tỉnh"; start = "06:00"; days = "mon-sat";
    items = ( "nhac-hieu", "ban-tin-sang", "thoi-tiet" ); }
);
EOF

# --- keygen ---------------------------------------------------------------
publine=$(loaxa-province keygen --key "$T/province.key" --pub "$T/province.pub" 2>/dev/null)
check "keygen prints the public key line" test "$publine" = "$(sed -n 2p "$T/province.pub")"
check "secret key is mode 0600" test "$(stat -c %a "$T/province.key")" = 600
check "keygen refuses to overwrite" bash -c "! loaxa-province keygen --key '$T/province.key' --pub '$T/province.pub' 2>/dev/null"
check "the refusal kept the public key" test "$publine" = "$(sed -n 2p "$T/province.pub")"

# --- usage ----------------------------------------------------------------
loaxa-province publish --help >"$T/help" 2>&1
check "publish --help exits 0 and describes --out" grep -q -- "--out PUBDIR" "$T/help"
loaxa-province publish --key x 2>/dev/null
check "publish without --out is a usage error (2)" test $? = 2
loaxa-province verify 2>/dev/null
check "verify is not there yet (2)" test $? = 2

# --- first publish --------------------------------------------------------
loaxa-province publish --key "$T/province.key" --programmes "$P" --schedules "$S" \
	--out "$OUT" >"$T/pub1.out" 2>"$T/pub1.err"
check "publish succeeds" test $? = 0
M=$OUT/manifest.json
check "manifest.json and its signature exist" test -s "$M" -a -s "$M.minisig"
check "the summary lists every programme" bash -c "for i in $ids; do grep -q \"^\$i \" '$T/pub1.out' || exit 1; done"
check "format and province" test "$(jq -r '.format + " " + .province' "$M")" = "loaxa-manifest/1 bac-giang"
check "version 1" test "$(jq .version "$M")" = 1
check "issued and expires carry a UTC offset" \
	bash -c "jq -r '.issued, .expires' '$M' | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9]{2}:[0-9]{2}\$' | grep -qx 2"
check "expires 14 days after issued" test \
	$(($(date -d "$(jq -r .expires "$M")" +%s) - $(date -d "$(jq -r .issued "$M")" +%s))) = $((14 * 86400))
check "programme ids" test "$(jq -r '.programmes[].id' "$M" | sort | tr '\n' ' ')" = \
	"$(tr ' ' '\n' <<<"$ids" | sort | tr '\n' ' ')"
check "tree holds only manifest, signature, programmes/, schedules/" test \
	"$(cd "$OUT" && ls -A | tr '\n' ' ')" = "manifest.json manifest.json.minisig programmes schedules "
check "one programme file per programme" test "$(ls "$OUT/programmes" | wc -l)" = "$(wc -w <<<"$ids")"

for f in "$OUT"/programmes/*; do
	name=${f##*/} sum=$(sha256sum "$f" | cut -d' ' -f1)
	check "$name: named by its SHA-256" test "${name%%.*}" = "$sum"
	entry=$(jq -c --arg p "programmes/$name" '.programmes[] | select(.path == $p)' "$M")
	check "$name: in the manifest with that sha256 and size" test \
		"$(jq -r '.sha256 + " " + (.bytes|tostring)' <<<"$entry")" = "$sum $(stat -c %s "$f")"
done
for i in $ids; do
	d=$(jq -r --arg i "$i" '.programmes[] | select(.id == $i) | .duration_s' "$M")
	check "$i: duration $d s within 20 ms of ${want_s[$i]} s" \
		awk -v a="$d" -v b="${want_s[$i]}" 'BEGIN { d = a - b; exit !(d < 0.02 && d > -0.02) }'
	l=$(jq -r --arg i "$i" '.programmes[] | select(.id == $i) | .loudness_lufs' "$M")
	check "$i: loudness $l LUFS is plausible" awk -v l="$l" 'BEGIN { exit !(l < -3 && l > -40) }'
	for ext in ogg flac wav; do
		[ -e "$P/$i.$ext" ] || continue
		check "$i: stored with its extension .$ext" \
			bash -c "jq -r --arg i '$i' '.programmes[] | select(.id == \$i) | .path' '$M' | grep -q '\\.$ext\$'"
	done
done
l=$(jq -r '.programmes[] | select(.id == "ban-tin-sang") | .loudness_lufs' "$M")
check "the -20 LUFS tone measures -20 +/- 1 LUFS ($l)" awk -v l="$l" 'BEGIN { exit !(l > -21 && l < -19) }'
check "loudness rounded to 0.1" bash -c "! jq -r '.programmes[].loudness_lufs' '$M' | grep -qE '\\.[0-9]{2}'"
check "sidecar: title (UTF-8 kept), class, valid_until, stations" test \
	"$(jq -r '.programmes[] | select(.id == "ban-tin-sang") | [.title, .class, .valid_until, (.stations|join(","))] | join("|")' "$M")" = \
	"Bản tin sáng — giảm nghèo|priority|2031-12-04|tan-quang,an-binh"
check "UTF-8 written as is, not escaped" grep -q "Bản tin sáng" "$M"
check "defaults: title = id, class normal, every station" test \
	"$(jq -r '.programmes[] | select(.id == "nhac-hieu") | [.title, .class, (.stations|join(","))] | join("|")' "$M")" = "nhac-hieu|normal|*"
s=$(sha256sum "$S/tuan.cfg" | cut -d' ' -f1)
check "schedule copied as schedules/<sha256>.cfg" cmp -s "$S/tuan.cfg" "$OUT/schedules/$s.cfg"
check "schedule entry in the manifest" test \
	"$(jq -r '.schedules[] | [.path, .sha256, (.bytes|tostring), (.stations|join(","))] | join(" ")' "$M")" = \
	"schedules/$s.cfg $s $(stat -c %s "$S/tuan.cfg") *"

# --- signatures, both ways with minisign -----------------------------------
check "minisign -V accepts the manifest" minisign -Vq -p "$T/province.pub" -m "$M"
minisign -V -p "$T/province.pub" -m "$M" >"$T/v.out" 2>&1
check "trusted comment names the file and version" grep -q "^Trusted comment: timestamp:[0-9]* file:manifest.json version:1$" "$T/v.out"
# quiet: run a command with its output kept out of the TAP stream
quiet() { "$@" >>"$T/quiet.log" 2>&1; }
check "minisig-verify (ours) accepts it too" quiet minisig-verify "$T/province.pub" "$M" "$M.minisig"
cp "$M" "$T/edited.json"
sed -i 's/"version": 1/"version": 9/' "$T/edited.json"
check "minisig-verify refuses an edited manifest" bash -c "! minisig-verify '$T/province.pub' '$T/edited.json' '$M.minisig' >/dev/null"
minisign -G -W -p "$T/m.pub" -s "$T/m.key" >/dev/null 2>&1
minisign -S -s "$T/m.key" -m "$M" -x "$T/m.sig" >/dev/null 2>&1
check "minisig-verify accepts minisign's prehashed signature" quiet minisig-verify "$T/m.pub" "$M" "$T/m.sig"
minisign -S -l -s "$T/m.key" -m "$M" -x "$T/m-legacy.sig" >/dev/null 2>&1
check "minisig-verify accepts minisign's legacy signature" quiet minisig-verify "$T/m.pub" "$M" "$T/m-legacy.sig"
check "minisig-verify names a key id mismatch" bash -c "minisig-verify '$T/province.pub' '$M' '$T/m.sig' | grep -qx 'key id mismatch'"
check "publish can sign with a minisign-made key" quiet loaxa-province publish \
	--key "$T/m.key" --programmes "$P" --out "$T/www/other" --province thu-nghiem
check "... which minisign verifies" minisign -Vq -p "$T/m.pub" -m "$T/www/other/manifest.json"

# --- second publish: version goes up, unchanged files stay ----------------
before=$(stat -c %Y "$OUT"/programmes/* | sort | tr '\n' ' ')
sleep 1
loaxa-province publish --key "$T/province.key" --programmes "$P" --schedules "$S" \
	--out "$OUT" --expires-days 3 >"$T/pub2.out" 2>&1
check "second publish succeeds" test $? = 0
check "version 2" test "$(jq .version "$M")" = 2
check "expires after 3 days" test \
	$(($(date -d "$(jq -r .expires "$M")" +%s) - $(date -d "$(jq -r .issued "$M")" +%s))) = $((3 * 86400))
check "unchanged programmes were not copied again" test "$before" = "$(stat -c %Y "$OUT"/programmes/* | sort | tr '\n' ' ')"
check "province kept from the previous manifest" test "$(jq -r .province "$M")" = bac-giang
check "still verifies" quiet minisig-verify "$T/province.pub" "$M" "$M.minisig"

# --- refusals leave the tree as it was ------------------------------------
snapshot() { (cd "$OUT" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
snapshot >"$T/snap.before"
cat >"$S/loi.cfg" <<'EOF'
slots = (
  { name = "Bản tin lỗi"; start = "11:00";
    items = ( "nhac-hieu",
              "khong-ton-tai" ); }
);
EOF
cp "$P/nhac-hieu.ogg" "$P/moi.ogg" # a new programme that must not be copied in
loaxa-province publish --key "$T/province.key" --programmes "$P" --schedules "$S" \
	--out "$OUT" >/dev/null 2>"$T/bad-sched.err"
check "unknown programme in a schedule fails (1)" test $? = 1
check "... naming FILE:LINE and the id" grep -q "^$S/loi.cfg:4: .*khong-ton-tai" "$T/bad-sched.err"
snapshot >"$T/snap.after"
check "... and the tree is untouched" cmp -s "$T/snap.before" "$T/snap.after"
rm "$S/loi.cfg" "$P/moi.ogg"

cp "$P/nhac-hieu.ogg" "$P/tin ..xấu.ogg"
loaxa-province publish --key "$T/province.key" --programmes "$P" --out "$OUT" >/dev/null 2>"$T/bad-name.err"
check "a bad programme file name fails (1)" test $? = 1
check "... naming the file" grep -q "tin ..xấu.ogg" "$T/bad-name.err"
snapshot >"$T/snap.after"
check "... and the tree is untouched" cmp -s "$T/snap.before" "$T/snap.after"
rm "$P/tin ..xấu.ogg"

echo "not audio" >"$P/ghi-chu.mp3"
loaxa-province publish --key "$T/province.key" --programmes "$P" --out "$OUT" >/dev/null 2>"$T/bad-audio.err"
check "a file that is not audio fails, named" grep -q "ghi-chu.mp3" "$T/bad-audio.err"
rm "$P/ghi-chu.mp3"

# --- withdrawing a programme, prune ----------------------------------------
rm "$P/thoi-tiet.flac"
loaxa-province publish --key "$T/province.key" --programmes "$P" --schedules "$S" \
	--out "$OUT" >/dev/null 2>"$T/withdrawn.err"
check "a schedule naming a withdrawn programme is refused" grep -q "tuan.cfg:3: .*thoi-tiet" "$T/withdrawn.err"
sed -i 's/, "thoi-tiet"//' "$S/tuan.cfg"
loaxa-province publish --key "$T/province.key" --programmes "$P" --schedules "$S" \
	--out "$OUT" >"$T/pub3.out" 2>&1
check "publish without it succeeds" test $? = 0
check "without --prune the unused files stay" test "$(ls "$OUT/programmes" | wc -l)" = "$(wc -w <<<"$ids")"
check "... and the summary says so" grep -q "no longer used" "$T/pub3.out"
loaxa-province publish --key "$T/province.key" --programmes "$P" --schedules "$S" \
	--out "$OUT" --prune >/dev/null 2>&1
check "publish --prune succeeds" test $? = 0
check "--prune removed the withdrawn programme" test "$(ls "$OUT/programmes" | wc -l)" = "$(($(wc -w <<<"$ids") - 1))"
check "... and the old schedule" test "$(ls "$OUT/schedules" | wc -l)" = 1
check "every listed file is there" bash -c "cd '$OUT' && jq -r '.programmes[].path, .schedules[].path' manifest.json | xargs ls >/dev/null"
check "version counts every publish" test "$(jq .version "$M")" = 4

done_testing
