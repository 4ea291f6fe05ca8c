#!/bin/bash
# A manifest of 10,000 programmes (a province's whole catalog: 1,000 for
# every commune, 9,000 for others), published over file:// and signed with
# the real minisign: the daemon syncs it in a reasonable time and fetches
# only what is this station's; the catalog answers "loaxactl today"; a
# programme of it plays.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"
. "$(dirname "$0")/lib-nginx.sh"

need python3 minisign jq sox
N=10000 MINE=1000
LIMIT=30 # seconds, times LOAXA_TOL_SCALE
limit=$(awk -v l=$LIMIT -v k="${LOAXA_TOL_SCALE:-1}" 'BEGIN { print l * k }')

P=$T/pub
province_init "$P"
tone "$T/today.wav" 1.0 1100
# Programme i is a few bytes of its own (only the one that plays is audio);
# those past MINE are for other communes and never fetched.
python3 - "$P" "$N" "$MINE" "$T/today.wav" <<'EOF'
import hashlib, json, os, sys, datetime
pub, n, mine, today = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
progs = []
for i in range(n):
    if i == 0:
        data, ext, pid = open(today, "rb").read(), "wav", "ban-tin-hom-nay"
    else:
        data, ext, pid = ("loaxa programme %d\n" % i).encode(), "ogg", "chuong-trinh-%05d" % i
    h = hashlib.sha256(data).hexdigest()
    path = "programmes/%s.%s" % (h, ext)
    if i < mine:
        with open(os.path.join(pub, path), "wb") as f:
            f.write(data)
    progs.append({"id": pid, "title": "Bản tin hôm nay" if i == 0 else "Chương trình số %d" % i,
                  "class": "normal", "path": path, "sha256": h, "bytes": len(data),
                  "duration_s": 1.0, "loudness_lufs": -18.0,
                  "stations": ["*"] if i < mine else ["xa-khac-%d" % (i % 700)]})
m = {"format": "loaxa-manifest/1", "province": "bac-giang", "version": 1,
     "issued": (now - datetime.timedelta(hours=1)).isoformat(),
     "expires": (now + datetime.timedelta(days=14)).isoformat(),
     "programmes": progs, "schedules": []}
with open(os.path.join(pub, "manifest.json"), "w") as f:
    json.dump(m, f, ensure_ascii=False, separators=(",", ":"))
EOF
province_sign "$P"
check "the manifest holds $N programmes ($(stat -c %s "$P/manifest.json") bytes)" \
	test "$(jq '.programmes | length' "$P/manifest.json")" = $N

station_conf "$T" "province: { manifest_url = \"file://$P/manifest.json\";
	public_key = \"$(province_pubkey "$P")\"; };"
t=$(date +%s%N)
loaxad_start "$T"
check "the daemon activates it" wait_for 120 grep -q "manifest version 1 .* is active" "$T/daemon.log"
ms=$((($(date +%s%N) - t) / 1000000))
diag "synced $MINE files of a $N-programme manifest in $ms ms"
check "within $limit s (${ms} ms)" test "$ms" -lt "$(awk -v l="$limit" 'BEGIN { print l * 1000 }')"
check "the store holds this station's $MINE programmes" \
	test "$(find "$T/state/store" -maxdepth 1 -type f -name '*.*' | wc -l)" = $MINE
check "each verified" store_verified "$T/state"
jq -r ".programmes[:$MINE][].sha256" "$P/manifest.json" | sort >"$T/mine"
check "exactly those, nothing for the other communes" bash -c \
	"find $T/state/store -maxdepth 1 -type f -name '*.*' -printf '%f\n' | cut -c1-64 | sort | cmp -s - $T/mine"
check "the reload after it names the catalog" \
	wait_for 10 grep -q "plan loaded: .* catalog version 1" "$T/daemon.log"

# An operator's slot for a programme of the catalog, a few seconds ahead.
slot=$(hhmmss_in 5)
printf 'slots = ( { name = "Tin tỉnh"; start = "%s"; items = ( "ban-tin-hom-nay" ); } );\n' "$slot" \
	>"$T/schedules/tinh.cfg"
t=$(date +%s%N)
check "loaxactl today resolves it from the catalog" \
	bash -c "loaxactl -c $T/loaxad.conf today >$T/today.out 2>&1; grep -q 'Bản tin hôm nay' $T/today.out"
ms=$((($(date +%s%N) - t) / 1000000))
head -6 "$T/today.out" | sed 's/^/# /' >&2
check "within $limit s (${ms} ms)" test "$ms" -lt "$(awk -v l="$limit" 'BEGIN { print l * 1000 }')"
kill -HUP "$LOAXAD_PID"
check "it plays" wait_plays "$T" 1 30
diag "resident memory with the catalog: $(awk '/^VmRSS:/ { print $2, $3 }' "/proc/$LOAXAD_PID/status")"
check "the daemon stops cleanly" loaxad_stop "$T"
line=$(play_lines "$T")
check "logged with its programme id" test "$(jq -r .programme <<<"$line")" = ban-tin-hom-nay
check "complete" test "$(jq -r .status <<<"$line")" = complete
check "its sha256 is the programme's" \
	test "$(jq -r .sha256 <<<"$line")" = "$(sha256sum "$T/today.wav" | cut -c1-64)"
err=$(seconds_between "$(jq -r .scheduled <<<"$line")" "$(jq -r .start <<<"$line")")
check "on its second (${err} s)" near_t "$err" 0 0.05
check "chain intact" chain_ok "$T"
done_testing
