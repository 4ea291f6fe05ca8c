# lib-upload.sh: the as-run log's way to the province in system tests
# (sourced after test-lib.sh and lib-nginx.sh). The station's folder is $UP,
# its id $ID, its folder on the server $SRV (the WebDAV /logs/ of
# lib-nginx's nginx).
#
# upload_station DIR [EXTRA]   nginx serving an empty $T/www, and
#                              station_conf DIR uploading there (province
#                              { log_url; upload_interval_s = 10; EXTRA });
#                              sets UP, ID and SRV
# session N ITEM...            a slot "Phiên N" of ITEMs 3 s from now in
#                              $UP/schedules/sN.cfg, loaded with SIGHUP
# by_seq FILE...               the lines of the files in seq order, bytes as
#                              they are
# server_segments              the server's segments, in seq order
# server_has_log               every line the station logged is on the
#                              server, byte for byte, once
# segments_tile                the server's segments follow each other, seq
#                              after seq, none overlapping another
# outbox_count                 segments waiting in the station's outbox
# server_signed [--sent]       minisign accepts every server segment (with
#                              --sent: and each is the station's own copy)
# verify_ok                    loaxa-province verify of the server's logs
#                              passes, the station OK (output in
#                              $T/verify.out)

# upload_station DIR [EXTRA]
upload_station() {
	UP=$1
	ID=test-station
	mkdir -p "$T/www"
	nginx_start "$T/www" || bail "nginx did not start"
	SRV=$NGINX_DAV/logs/$ID
	station_conf "$UP" "province: { log_url = \"$NGINX_URL/logs/\"; upload_interval_s = 10;${2:+ $2} };"
}

session() {
	slot_file "$UP/schedules/s$1.cfg" "Phiên $1" "$(hhmmss_in 3)" "${@:2}"
	kill -HUP "$LOAXAD_PID"
}

by_seq() {
	python3 -c '
import sys, json
lines = []
for f in sys.argv[1:]:
    with open(f, "rb") as fh:
        lines += [l for l in fh.read().splitlines(keepends=True) if l.endswith(b"\n")]
lines.sort(key=lambda l: json.loads(l)["seq"])
sys.stdout.buffer.write(b"".join(lines))' "$@"
}

# (the names sort so: ID-FIRST-LAST.jsonl, the seqs with leading zeros)
server_segments() { ls "$SRV"/*.jsonl 2>/dev/null | sort; }

server_has_log() { cmp -s <(by_seq "$UP"/state/airlog/*.jsonl) <(cat $(server_segments) /dev/null); }

segments_tile() {
	ls "$SRV" | sed -n "s/^$ID-\([0-9]*\)-\([0-9]*\)\.jsonl\$/\1 \2/p" | sort -n |
		awk 'NR == 1 && $1 != 1 { exit 1 } NR > 1 && $1 != last + 1 { exit 1 } { last = $2 }'
}

outbox_count() { ls "$UP"/state/outbox/*.jsonl 2>/dev/null | wc -l; }

server_signed() {
	local f
	for f in $(server_segments); do
		if [ "${1:-}" = --sent ]; then
			cmp -s "$f" "$UP/state/outbox/sent/${f##*/}" || { diag "differs: $f"; return 1; }
		fi
		minisign -Vqm "$f" -p "$UP/state/station.pub" >/dev/null || { diag "minisign: $f"; return 1; }
	done
}

verify_ok() {
	stations_cfg "$UP"
	loaxa-province verify --stations "$T/stations.cfg" "$NGINX_DAV/logs" >"$T/verify.out" 2>&1
	local rc=$?
	sed 's/^/# /' "$T/verify.out" >&2
	[ $rc = 0 ] && grep -q "^$ID: OK, " "$T/verify.out"
}
