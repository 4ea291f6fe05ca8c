#!/bin/bash
# The province's view of alerts: a station airs one (three times, with a
# power cut between the first and the second: the rest airs after the
# restart, nothing twice), refuses one for another area and logs a
# Cancel; its log segments reach nginx; the
# strict verifier accepts the alert lines, and the report lists per
# station each alert, its repetitions aired, its refusals and why (CSV,
# and HTML). loaxactl log shows them to the operator.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-audio.sh"
source "$(dirname "$0")/lib-nginx.sh"
source "$(dirname "$0")/lib-alert.sh"

P=$T/pub
ID=test-station
province_up "$P"
station_alert_conf "$T" "log_url = \"$NGINX_URL/logs/\"; upload_interval_s = 10;"
tone "$T/msg.wav" 0.5 1500 48000 1
loaxad_start "$T" || bail "loaxad did not start"

cap_xml "$T/a.xml" T52-1 repeat=3 interval=4 level=4 severity=Extreme
sent=$(sed -n 's|.*<sent>\([^<]*\)</sent>.*|\1|p' "$T/a.xml")
loaxa-province alert --key "$P.sec" --out "$P" --audio "$T/msg.wav" "$T/a.xml" >"$T/p1.out" 2>&1
check "the first repetition aired" wait_for 20 grep -q 'alert T52-1, 1 of 3: complete' "$T/daemon.log"
kill -9 "$LOAXAD_PID"
wait "$LOAXAD_PID" 2>/dev/null
loaxad_start "$T" || bail "loaxad did not start again"
check "after the restart the other two air" wait_alert_lines "$T" 3 30
cap_xml "$T/b.xml" T52-2 station=xa-khac
loaxa-province alert --key "$P.sec" --out "$P" "$T/b.xml" >"$T/p2.out" 2>&1
check "the other alert is refused" wait_alert_lines "$T" 4 30
cap_xml "$T/c.xml" T52-3 type=Cancel refs="pctt@test.vn,T52-1,$sent"
loaxa-province alert --key "$P.sec" --out "$P" "$T/c.xml" >"$T/p3.out" 2>&1
check "the Cancel is logged" wait_alert_lines "$T" 5 15
reps=$(alert_lines "$T" | jq -r 'select(.identifier == "T52-1") | "\(.repeat):\(.status)"' | tr '\n' ' ')
check "each repetition aired once, in order, none again after the restart ($reps)" \
	test "$reps" = "1:complete 2:complete 3:complete "
r1=$(alert_lines "$T" | jq -r 'select(.identifier == "T52-1" and .repeat == 1) | .scheduled')
r2=$(alert_lines "$T" | jq -r 'select(.identifier == "T52-1" and .repeat == 2) | .scheduled')
check "the second kept its time: four seconds after the first" \
	near "$(seconds_between "$r1" "$r2")" 4 0.01
check "the as-run log's chain is intact across the power cut" chain_ok "$T"
check "loaxactl log shows the alert lines" \
	bash -c "loaxactl -c $T/loaxad.conf log >$T/log.out && grep -q 'alert 3/3 .*T52-1' $T/log.out && grep -q 'refused .*T52-2' $T/log.out"
loaxactl -c "$T/loaxad.conf" sync >/dev/null
check "the segments reach the province, the alert lines in them" \
	wait_for 30 bash -c "[ \$(cat $NGINX_DAV/logs/$ID/*.jsonl 2>/dev/null | grep -c '\"type\":\"alert\"') = 5 ]"
loaxad_stop "$T"
loaxactl -c "$T/loaxad.conf" sync >/dev/null 2>&1
# the stop line goes up with the next start's first round; the report
# needs none of it
stations_cfg "$T"
loaxa-province verify --stations "$T/stations.cfg" "$NGINX_DAV/logs" >"$T/verify.out" 2>&1
check "verify accepts the alert lines" grep -q "^$ID: OK, " "$T/verify.out"
diag "$(cat "$T/verify.out")"
d=$(today)
loaxa-province report --stations "$T/stations.cfg" "$NGINX_DAV/logs" --from "$d" --to "$d" \
	--format csv --out "$T/r.csv" 2>"$T/report.err"
check "report --out r.csv writes the alerts to r-alerts.csv" test -s "$T/r-alerts.csv"
diag "$(cat "$T/r-alerts.csv")"
check "the alerts table has the documented columns" test "$(head -1 "$T/r-alerts.csv")" = \
	"station,name,district,alert,sender,msg_type,severity,level,repeats,aired,not_aired,refused,first_aired,note"
row() { python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["alert"] == sys.argv[2]:
        print(",".join([r["station"], r["msg_type"], r["severity"], r["level"], r["repeats"],
                        r["aired"], r["not_aired"], r["refused"], r["note"]]))' "$T/r-alerts.csv" "$1"; }
check "T52-1: aired 3 of 3, Extreme, level 4" test "$(row T52-1)" = "$ID,Alert,Extreme,4,3,3,0,0,"
check "T52-2: refused, for another area" \
	test "$(row T52-2)" = "$ID,Alert,Severe,,,0,0,1,refused: for another area: no <geocode> names this station"
check "T52-3: the Cancel, after the alert had ended" \
	test "$(row T52-3)" = "$ID,Cancel,,,,0,0,0,accepted: cancels T52-1 (not on this station's air)"
check "first_aired is the first repetition's start" \
	test "$(python3 -c 'import csv, sys
print([r["first_aired"] for r in csv.DictReader(open(sys.argv[1])) if r["alert"] == "T52-1"][0])' "$T/r-alerts.csv")" = \
	"$(cat "$T"/state/airlog/*.jsonl | jq -r 'select(.type == "alert" and .repeat == 1) | .start')"
loaxa-province report --stations "$T/stations.cfg" "$NGINX_DAV/logs" --from "$d" --to "$d" \
	--format csv >"$T/all.csv" 2>/dev/null
check "on standard output the alerts follow the priority table" \
	bash -c "awk 'NF == 0 { n++ } END { exit !(n == 2) }' $T/all.csv && tail -n 3 $T/all.csv | grep -q T52-1"
loaxa-province report --stations "$T/stations.cfg" "$NGINX_DAV/logs" --from "$d" --to "$d" \
	--format html >"$T/r.html" 2>/dev/null
check "the HTML report has a disaster alerts section naming them" \
	bash -c "grep -q '<h2>Disaster alerts</h2>' $T/r.html && grep -q 'T52-1' $T/r.html && grep -q 'T52-2' $T/r.html"
# a forged alert line: the verifier names it
mkdir -p "$T/forged"
cp -r "$NGINX_DAV/logs/$ID" "$T/forged/"
f=$(grep -l '"type":"alert"' "$T/forged/$ID"/*.jsonl | head -1)
sed -i '0,/"level":4/s//"level":9/' "$f"
loaxa-province verify --stations "$T/stations.cfg" "$T/forged" >"$T/verify2.out" 2>&1
check "a line with a level out of range fails verification" \
	bash -c "grep -q '^$ID: FAILED' $T/verify2.out && grep -q 'level, repeat or repeats' $T/verify2.out"
diag "$(cat "$T/verify2.out")"
done_testing
