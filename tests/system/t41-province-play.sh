#!/bin/bash
# The province's programmes on air: published with loaxa-province, served by
# a real nginx, synced by loaxad and played at their second. A priority slot
# goes to the front of the next session, an emergency interrupts, and the
# session resumes with its next item.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-audio.sh"
source "$(dirname "$0")/lib-nginx.sh"

P=$T/pub
mkdir -p "$T/src/programmes" "$T/src/schedules"
tone "$T/src/programmes/p-normal.wav" 1.0 600
tone "$T/src/programmes/p-prio.wav" 0.8 1200
tone "$T/src/programmes/p-emerg.wav" 1.5 2400
tone "$T/src/programmes/p-new.wav" 0.5 3000
echo '{ "title": "Phóng sự mới" }' >"$T/src/programmes/p-new.json"
echo '{ "title": "Tin ưu tiên", "class": "priority" }' >"$T/src/programmes/p-prio.json"
echo '{ "title": "Cảnh báo bão", "class": "emergency" }' >"$T/src/programmes/p-emerg.json"
d=$(today)
S=$(( $(date +%s) + 12 ))
hms() { date -d "@$1" +%H:%M:%S; }
cat >"$T/src/schedules/tinh.cfg" <<EOC
slots = (
  { name = "Ưu tiên tỉnh"; priority = "priority"; date = "$d"; items = ( "p-prio" ); },
  { name = "Khẩn cấp"; priority = "emergency"; date = "$d"; start = "$(hms $((S + 2)))";
    until = "$d 23:59"; items = ( "p-emerg" ); }
);
EOC
loaxa-province keygen --key "$T/prov.key" --pub "$T/prov.pub" >/dev/null 2>&1
loaxa-province publish --key "$T/prov.key" --programmes "$T/src/programmes" \
	--schedules "$T/src/schedules" --out "$P" --province test >"$T/publish.out" 2>&1
check "province publishes" test -s "$P/manifest.json.minisig"
nginx_start "$P"

station_conf "$T" "province: { manifest_url = \"$NGINX_URL/manifest.json\"; public_key = \"$(sed -n 2p "$T/prov.pub")\"; };"
tone "$T/audio/l.wav" 1.0 900
tone "$T/audio/l2.wav" 1.0 300
cat >"$T/schedules/xa.cfg" <<EOC
slots = ( { name = "Bản tin xã"; start = "$(hms $S)"; items = ( "p-normal", { file = "l.wav"; }, { file = "l2.wav"; } ); } );
EOC
loaxad_start "$T"
check "the station synced the manifest" wait_for 10 grep -q "manifest version 1 .*active" "$T/daemon.log"
check "loaxactl today lists the plan with province classes" bash -c "loaxactl -c $T/loaxad.conf today >$T/today.out; grep -q 'p-prio.*priority' $T/today.out && grep -q 'p-emerg.*emergency' $T/today.out"
check "loaxactl today shows the unscheduled programme as new" bash -c "sed -n '/New from the province/,\$p' $T/today.out | grep -q 'p-new.*Phóng sự mới'"
check "five items logged" wait_plays "$T" 5 40
loaxad_stop "$T"
play_lines "$T" >"$T/plays"
check "order and statuses" test "$(jq -r '(.programme // .file) + ":" + .status + ":" + .priority' "$T/plays" | tr '\n' ' ')" = \
	"p-prio:complete:priority p-normal:complete:normal l.wav:interrupted:normal p-emerg:complete:emergency l2.wav:complete:normal "
check "the interruption names the emergency" grep -q 'l.wav.*"reason":"interrupted by emergency' "$T/plays"
first=$(head -1 "$T/plays")
check "the priority item started on the session's second" near_t "$(seconds_between "$(jq -r .scheduled <<<"$first")" "$(jq -r .start <<<"$first")")" 0 0.05
check "it started at the session's time" test "$(date -d "$(jq -r .start <<<"$first")" +%s)" = "$S"
em=$(jq -c 'select(.programme == "p-emerg")' "$T/plays")
check "the emergency started on its second" near_t "$(seconds_between "$(jq -r .scheduled <<<"$em")" "$(jq -r .start <<<"$em")")" 0 0.05
check "programme lines carry the catalog hash" test "$(jq -r 'select(.programme == "p-normal") | .sha256' "$T/plays")" = \
	"$(sha256sum "$T/src/programmes/p-normal.wav" | cut -d' ' -f1)"
# loudness normalisation: gain = target (-16) - loudness, so the peak heard
# is the published peak moved by that gain
pk=$(jq -r '.programmes[] | select(.id == "p-normal") | .peak_dbfs' "$P/manifest.json")
ld=$(jq -r '.programmes[] | select(.id == "p-normal") | .loudness_lufs' "$P/manifest.json")
check "the manifest carries the sample peak ($pk dBFS)" near "$pk" -6.0 0.2
heard=$(jq -r 'select(.programme == "p-normal") | .peak_dbfs' "$T/plays")
check "normalised to -16 LUFS: peak $heard dBFS" near "$heard" "$(awk -v p="$pk" -v l="$ld" 'BEGIN { print p + (-16 - l) }')" 0.3
segments "$T/out.wav" >"$T/segs"
diag "$(cat "$T/segs")"
tones_only "$T/segs" | awk '{ print $3 }' >"$T/freqs"
check "heard: priority, normal, local (cut), emergency, local" bash -c "awk 'BEGIN{split(\"1200 600 900 2400 300\", w, \" \"); i=1} { d=\$1-w[i]; if (d<0) d=-d; if (d < w[i]*0.1) i++ } END { exit !(i==6) }' $T/freqs"
cut_len=$(tones_only "$T/segs" | awk '$3 > 850 && $3 < 950 { print $2 - $1 }')
check "the local item was cut after about 0.2 s ($cut_len)" near_t "$cut_len" 0.2 0.05
done_testing
