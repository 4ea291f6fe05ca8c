#!/bin/bash
# Relays published by the province: loaxa-province publish --relays puts
# them in the signed manifest, a province schedule names them by id with a
# province programme as fallback, the station syncs them from a real nginx
# and relays the stream from a real Icecast; loaxactl check and today say
# whether each relay answers now; the as-run log, switch lines included,
# reaches the province, and loaxa-province verify and report accept it and
# count the relayed minutes.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-audio.sh"
source "$(dirname "$0")/lib-nginx.sh"
source "$(dirname "$0")/lib-icecast.sh"

icecast_start
icecast_feed vov1.mp3 1000 48000
DEAD=$(dead_port)

P=$T/pub
mkdir -p "$T/src/programmes" "$T/src/schedules" "$T/www"
tone "$T/src/programmes/nhac.wav" 20 300
cat >"$T/relays.cfg" <<EOC
relays = (
  { id = "vov1"; title = "VOV1 - Thời sự"; url = "$ICECAST_URL/vov1.mp3"; },
  { id = "vov-tinh"; title = "Đài tỉnh"; url = "http://127.0.0.1:$DEAD/tinh.mp3"; stations = "*"; }
);
EOC
d=$(today)
S=$(( $(date +%s) + 14 + SLOW ))
hms() { date -d "@$1" +%H:%M:%S; }
cat >"$T/src/schedules/tinh.cfg" <<EOC
slots = ( { name = "Tiếp sóng VOV1"; date = "$d"; start = "$(hms $S)";
  items = ( { relay = "vov1"; duration = "00:00:12"; fallback = ( "nhac" ); },
            { relay = "vov-tinh"; duration = "00:00:03"; fallback = ( "nhac" ); } ); } );
EOC
loaxa-province keygen --key "$T/prov.key" --pub "$T/prov.pub" >/dev/null 2>&1

# a province schedule naming a relay that is not published is refused
cat >"$T/bad.cfg" <<EOC
slots = ( { name = "x"; date = "$d"; start = "23:00";
  items = ( { relay = "vov9"; duration = "00:10"; } ); } );
EOC
mkdir -p "$T/badsched" && cp "$T/bad.cfg" "$T/badsched/"
loaxa-province publish --key "$T/prov.key" --programmes "$T/src/programmes" \
	--schedules "$T/badsched" --relays "$T/relays.cfg" --out "$T/badpub" >"$T/bad.out" 2>&1
rc=$?
check "publish refuses a schedule naming an unpublished relay" \
	eval '[ $rc != 0 ] && grep -q "bad.cfg:2: relay \"vov9\" is not among the relays" "$T/bad.out"'
printf 'relays = ( { id = "x"; url = "ftp://a/b"; } );\n' >"$T/badrelays.cfg"
loaxa-province publish --key "$T/prov.key" --programmes "$T/src/programmes" \
	--relays "$T/badrelays.cfg" --out "$T/badpub" >"$T/bad2.out" 2>&1
rc=$?
check "publish refuses a relay that is not an http(s) stream, naming the line" \
	eval '[ $rc != 0 ] && grep -q "badrelays.cfg:1: relay 1: \"url\"" "$T/bad2.out"'

loaxa-province publish --key "$T/prov.key" --programmes "$T/src/programmes" \
	--schedules "$T/src/schedules" --relays "$T/relays.cfg" --out "$P" --province test \
	>"$T/publish.out" 2>&1
check "province publishes with relays" test -s "$P/manifest.json.minisig"
check "the manifest lists the relays" \
	jqt "[.relays[].id] == [\"vov1\", \"vov-tinh\"] and .relays[0].url == \"$ICECAST_URL/vov1.mp3\" and .relays[0].title == \"VOV1 - Thời sự\"" <"$P/manifest.json"
cp -r "$P" "$T/www/pub"
nginx_start "$T/www"

station_conf "$T" "province: { manifest_url = \"$NGINX_URL/pub/manifest.json\"; public_key = \"$(sed -n 2p "$T/prov.pub")\";
  log_url = \"$NGINX_URL/logs/\"; upload_interval_s = 10; upload_hold_s = 0; };
relay: { stall_s = 2.0; holdoff_s = 3.0; preroll_s = 3.0; buffer_s = 1.0; connect_timeout_s = 3; };"
loaxad_start "$T"
check "the station synced the manifest" wait_for 10 grep -q "manifest version 1 .*active" "$T/daemon.log"

loaxactl -c "$T/loaxad.conf" today >"$T/today.out" 2>&1
diag "$(cat "$T/today.out")"
check "today: the relay by id, its length, and that it answers now" \
	grep -Eq "vov1 .* 0:12 .*relay answers now \(mp3 48000 2" "$T/today.out"
check "today: the relay's title and URL from the catalog" \
	grep -q "VOV1 - Thời sự ($ICECAST_URL/vov1.mp3)" "$T/today.out"
check "today: the dead relay does not answer, the fallback will play" \
	grep -Eq "vov-tinh .*RELAY DOES NOT ANSWER NOW \(.*(connect|Couldn).*\)" "$T/today.out"
loaxactl -c "$T/loaxad.conf" check >"$T/check.out" 2>&1
rc=$?
diag "$(cat "$T/check.out")"
check "check: the configuration is fine (exit 0)" test "$rc" = 0
check "check: the live relay answers" grep -q "^relay $ICECAST_URL/vov1.mp3 answers: mp3 48000 2" "$T/check.out"
check "check: the dead one does not" grep -q "^relay http://127.0.0.1:$DEAD/tinh.mp3 DOES NOT ANSWER NOW: " "$T/check.out"

check "both relays are logged" wait_plays "$T" 2 40
play_lines "$T" >"$T/plays"
diag "$(cat "$T/plays")"
r1=$(sed -n 1p "$T/plays") r2=$(sed -n 2p "$T/plays")
check "the relay by id: relayed from the stream, on its second" \
	jqt '.relay == "vov1" and .programme == null and .priority == "normal" and .status == "complete" and .relayed_s > 11.5' <<<"$r1"
check "started on the province slot's second" \
	near_t "$(seconds_between "$(jq -r .scheduled <<<"$r1")" "$(jq -r .start <<<"$r1")")" 0 0.05
check "the dead relay: the province's programme stood in" \
	jqt '.relay == "vov-tinh" and .fallback_s == 3 and .relayed_s == 0' <<<"$r2"
segments "$T/out.wav" >"$T/segs"
check "heard: the stream, then the fallback programme" \
	test "$(tones_only "$T/segs" | awk '{ printf "%s ", ($3 > 900 && $3 < 1100) ? 1000 : ($3 > 270 && $3 < 330) ? 300 : $3 }')" = "1000 300 "

# the log reaches the province and its tools accept the relay lines
loaxactl -c "$T/loaxad.conf" sync >/dev/null 2>&1
all_sent() {
	local f
	[ "$(cat "$NGINX_DAV"/logs/test-station/*.jsonl 2>/dev/null | wc -l)" -ge "$(cat "$T"/state/airlog/*.jsonl | wc -l)" ] || return 1
	for f in "$NGINX_DAV"/logs/test-station/*.jsonl; do [ -s "$f.minisig" ] || return 1; done
}
check "every log line reaches the province, signed" wait_for 30 all_sent
check "loaxad stops cleanly" loaxad_stop "$T"
loaxactl -c "$T/loaxad.conf" log >"$T/log.out"
check "loaxactl log shows the switch" grep -Eq "fallback +Tiếp sóng VOV1 +vov-tinh .*stream not ready" "$T/log.out"
stations_cfg "$T"
loaxactl -c "$T/loaxad.conf" sync >/dev/null 2>&1
loaxa-province verify --stations "$T/stations.cfg" "$NGINX_DAV/logs" >"$T/verify.out" 2>&1
rc=$?
diag "$(cat "$T/verify.out")"
check "verify accepts the relay and switch lines" eval '[ $rc = 0 ] && grep -q "^test-station: OK, " "$T/verify.out"'
check "the province has the switch line" \
	bash -c "cat $NGINX_DAV/logs/test-station/*.jsonl | jq -se 'any(.[]; .type == \"switch\" and .relay == \"vov-tinh\" and .to == \"fallback\")' >/dev/null"
loaxa-province report --stations "$T/stations.cfg" --from "$d" --to "$d" --format csv \
	"$NGINX_DAV/logs" >"$T/report.csv" 2>"$T/report.err"
diag "$(head -2 "$T/report.csv")"
check "report: minutes relayed counted (12 s = 0.2 min)" \
	python3 -c "
import csv, sys
rows = [r for r in csv.DictReader(open('$T/report.csv')) if r.get('station') == 'test-station' and r.get('date') == '$d']
sys.exit(not (rows and rows[0]['minutes_relayed'] == '0.2' and float(rows[0]['minutes_on_air']) >= 0.2))"
loaxa-province report --stations "$T/stations.cfg" --from "$d" --to "$d" --format html \
	--out "$T/report.html" "$NGINX_DAV/logs" 2>/dev/null
check "report html: a column of minutes relayed" grep -q "Minutes relayed" "$T/report.html"
check "chain intact" chain_ok "$T"
done_testing
