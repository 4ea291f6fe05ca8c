# lib-alert.sh: disaster alerts in system tests (sourced after test-lib.sh
# and lib-nginx.sh).
#
# cap_xml FILE ID [KEY=VALUE...]   a CAP 1.2 message; keys (defaults):
#     type (Alert) status (Actual) sender (pctt@test.vn) sent (now)
#     expires_in (3600 s; negative: in the past) severity (Severe)
#     level (none) repeat (none) interval (none) station (test-station;
#     "" for none) dvhc (none) headline (Cảnh báo thử) description
#     instruction refs ("SENDER,ID,SENT ..." for an Update or Cancel)
# iso_in SECONDS                   local time SECONDS from now, CAP style
# alert_lines DIR                  the as-run log's alert lines
# wait_alert_lines DIR N [S]       wait until there are N alert lines
# index_resign DIR [SECKEY]        sign DIR/alerts.json again with minisign
#                                  (a hand-made index), give it a new mtime
# station_alert_conf DIR [EXTRA]   station_conf with the province of
#                                  $NGINX_URL (key $P.pub), polls every 1 s

iso_in() { date -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%S%:z; }

cap_xml() {
	local file=$1 id=$2 kv k v
	local type=Alert status=Actual sender=pctt@test.vn sent expires_in=3600 severity=Severe
	local level="" repeat="" interval="" station=test-station dvhc="" refs=""
	local headline="Cảnh báo thử" description="" instruction="" params="" area="" info=""
	sent=$(iso_in 0)
	shift 2
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		case $k in
		type) type=$v ;; status) status=$v ;; sender) sender=$v ;; sent) sent=$v ;;
		expires_in) expires_in=$v ;; severity) severity=$v ;; level) level=$v ;;
		repeat) repeat=$v ;; interval) interval=$v ;; station) station=$v ;;
		dvhc) dvhc=$v ;; refs) refs=$v ;; headline) headline=$v ;;
		description) description=$v ;; instruction) instruction=$v ;;
		*) echo "cap_xml: unknown key $k" >&2; return 1 ;;
		esac
	done
	[ -n "$repeat" ] && params="$params<parameter><valueName>LOAXA_REPEAT</valueName><value>$repeat</value></parameter>"
	[ -n "$interval" ] && params="$params<parameter><valueName>LOAXA_REPEAT_INTERVAL</valueName><value>$interval</value></parameter>"
	[ -n "$level" ] && params="$params<parameter><valueName>LOAXA_RISK_LEVEL</valueName><value>$level</value></parameter>"
	[ -n "$station" ] && area="$area<geocode><valueName>LOAXA_STATION</valueName><value>$station</value></geocode>"
	[ -n "$dvhc" ] && area="$area<geocode><valueName>VN_DVHC</valueName><value>$dvhc</value></geocode>"
	if [ "$type" != Cancel ]; then
		info="<info><language>vi-VN</language><category>Met</category><event>Thiên tai</event>
    <urgency>Immediate</urgency><severity>$severity</severity><certainty>Likely</certainty>
    <expires>$(iso_in "$expires_in")</expires><headline>$headline</headline>"
		[ -n "$description" ] && info="$info<description>$description</description>"
		[ -n "$instruction" ] && info="$info<instruction>$instruction</instruction>"
		info="$info
    $params
    <area><areaDesc>Vùng thử</areaDesc>$area</area>
  </info>"
	fi
	cat >"$file" <<EOC
<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>$id</identifier><sender>$sender</sender><sent>$sent</sent>
  <status>$status</status><msgType>$type</msgType><scope>Public</scope>
  ${refs:+<references>$refs</references>}
  $info
</alert>
EOC
}

alert_lines() { airlog "$1" | jq -c 'select(.type == "alert")'; }

wait_alert_lines() {
	wait_for "${3:-30}" bash -c "[ \$(cat $1/state/airlog/*.jsonl 2>/dev/null | grep -c '\"type\":\"alert\"') -ge $2 ]"
}

index_resign() {
	local dir=$1 key=${2:-$1.sec}
	rm -f "$dir/alerts.json.minisig"
	minisign -S -s "$key" -m "$dir/alerts.json" -t "loaxa alerts $(date +%s)" </dev/null >/dev/null
	_province_seq=$((${_province_seq:-0} + 1))
	touch -d "@$(($(date +%s) + 100 + _province_seq))" "$dir/alerts.json"
}

station_alert_conf() {
	station_conf "$1" "province: { manifest_url = \"$NGINX_URL/manifest.json\"; public_key = \"$(province_pubkey "$P")\";
  alert_interval_s = 1; ${2:-} };" 'geocodes = [ "24", "24213" ];'
}
