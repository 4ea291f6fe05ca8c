#!/bin/bash
# Province sync, the happy path: what loaxa-province publishes on a real
# nginx is fetched, verified and activated; an unchanged manifest costs one
# conditional request; a new version replaces the old and cleans the store;
# file:// works the same, resume included; the sync thread reports it all.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-nginx.sh"

need nginx jq sox

P=$T/pub
S=$T/station
mkdir -p "$T/progs" "$T/scheds"
loaxa-province keygen --key "$T/province.sec" --pub "$T/province.pub" >/dev/null 2>&1 ||
	bail "loaxa-province keygen"
nginx_start "$P" || bail "nginx"

# What the province publishes: a for everyone, b for this station only, c for
# another station only, a schedule for this station and the other.
tone "$T/progs/ban-tin-a.wav" 1 440
tone "$T/progs/nhac-hieu.wav" 0.5 660
tone "$T/progs/xa-khac.wav" 0.3 880
echo '{"stations": ["test-station"]}' >"$T/progs/nhac-hieu.json"
echo '{"stations": ["xa-khac"]}' >"$T/progs/xa-khac.json"
cat >"$T/scheds/tinh.cfg" <<'EOC'
slots = ( { name = "Bản tin tỉnh"; start = "17:00"; items = ( "ban-tin-a" ); } );
EOC
echo '{"stations": ["test-station", "xa-khac"]}' >"$T/scheds/tinh.json"
cp "$T/progs/ban-tin-a.wav" "$T/a.wav"
cp "$T/progs/nhac-hieu.wav" "$T/b.wav"
cp "$T/progs/xa-khac.wav" "$T/c.wav"
cp "$T/scheds/tinh.cfg" "$T/province.cfg"
tone "$T/d.wav" 0.4 550

publish() {
	loaxa-province publish --key "$T/province.sec" --programmes "$T/progs" \
		--schedules "$T/scheds" --out "$P" --province bac-giang --prune \
		>>"$T/publish.log" 2>&1
}
check "loaxa-province publishes version 1" publish

station_conf "$S" "province: { manifest_url = \"$NGINX_URL/manifest.json\";
	public_key = \"$(tail -n 1 "$T/province.pub")\"; };"

sync_once "$S"
check "first sync activates version 1" [ "$OUT" = "activated 1" ]
check "the active manifest is the province's" cmp -s "$P/manifest.json" "$S/state/manifest.json"
check "its signature is kept beside it" \
	cmp -s "$P/manifest.json.minisig" "$S/state/manifest.json.minisig"
check "programme for every station is in the store" store_has "$S/state" "$T/a.wav"
check "programme for this station is in the store" store_has "$S/state" "$T/b.wav"
check "schedule is in the store" store_has "$S/state" "$T/province.cfg"
check "another station's programme is not fetched" store_lacks "$S/state" "$T/c.wav"
check "every store file matches its hash" store_verified "$S/state"
check "store holds exactly three files" \
	[ "$(find "$S/state/store" -maxdepth 1 -type f | wc -l)" = 3 ]
check "no partial download left" [ -z "$(ls -A "$S/state/store/partial")" ]
check "store file names are <sha256>.<ext>" \
	[ -f "$S/state/store/$(sha256sum "$T/a.wav" | cut -d' ' -f1).wav" ]

before=$(nginx_requests)
sync_once "$S"
check "second sync: unchanged" [ "$OUT" = "unchanged 1" ]
check "unchanged costs exactly one request" [ "$(($(nginx_requests) - before))" = 1 ]
check "that request was answered 304" \
	[ "$(tail -n 1 "$NGINX_ACCESS_LOG" | cut -d' ' -f1-3)" = "GET /manifest.json 304" ]

# A store file lost behind our back is fetched again, still without a
# new manifest.
rm "$S/state/store/$(sha256sum "$T/b.wav" | cut -d' ' -f1).wav"
sync_once "$S"
check "a lost store file is fetched again" [ "$OUT" = "unchanged 1" ]
check "it is back" store_has "$S/state" "$T/b.wav"

# Version 2: b and the schedule are gone, d is new.
rm "$T/progs/nhac-hieu.wav" "$T/progs/nhac-hieu.json" "$T/scheds/tinh.cfg" "$T/scheds/tinh.json"
cp "$T/d.wav" "$T/progs/ban-tin-d.wav"
check "loaxa-province publishes version 2" publish
sync_once "$S"
check "a new version is activated" [ "$OUT" = "activated 2" ]
check "its new programme is in the store" store_has "$S/state" "$T/d.wav"
check "the kept programme stays" store_has "$S/state" "$T/a.wav"
check "the dropped programme is removed" store_lacks "$S/state" "$T/b.wav"
check "the dropped schedule is removed" store_lacks "$S/state" "$T/province.cfg"
check "manifest.json is version 2" [ "$(jq .version "$S/state/manifest.json")" = 2 ]
check "store still verified" store_verified "$S/state"

# The same publication through file://, as the demo station has it.
F=$T/file-station
station_conf "$F" "province: { manifest_url = \"file://$P/manifest.json\";
	public_key = \"$(tail -n 1 "$T/province.pub")\"; };"
# Half of d already there from an earlier, interrupted sync.
dpart=$F/state/store/partial/$(sha256sum "$T/d.wav" | cut -d' ' -f1).wav.part
mkdir -p "${dpart%/*}"
head -c 20000 "$T/d.wav" >"$dpart"
sync_once "$F"
check "file:// sync activates" [ "$OUT" = "activated 2" ]
check "file:// resumed d: the part is gone" [ ! -e "$dpart" ]
check "file:// store verified" store_verified "$F/state"
check "file:// store has the programmes" store_has "$F/state" "$T/d.wav"
sync_once "$F"
check "file:// second sync: unchanged" [ "$OUT" = "unchanged 2" ]

# The daemon's side: the sync thread, its event descriptor and sync_now.
H=$T/thread-station
station_conf "$H" "province: { manifest_url = \"$NGINX_URL/manifest.json\";
	public_key = \"$(tail -n 1 "$T/province.pub")\"; };"
sync_once "$H" --thread 2
check "thread: first event is the activation" [ "$(sed -n 1p <<<"$OUT")" = "activated 2" ]
check "thread: sync_now brings a second sync" [ "$(sed -n 2p <<<"$OUT")" = "unchanged 2" ]
status=$(sed -n 3p <<<"$OUT")
check "thread: status has the active version" [ "$(jq .manifest_version <<<"$status")" = 2 ]
check "thread: status has no error" [ "$(jq .last_error <<<"$status")" = null ]
check "thread: status counts the bytes" [ "$(jq .bytes_downloaded <<<"$status")" -gt 200000 ]
check "thread: status has the last success" [ "$(jq -r .last_success <<<"$status")" != null ]
check "thread: store verified" store_verified "$H/state"

done_testing
