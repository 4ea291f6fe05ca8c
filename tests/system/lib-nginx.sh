# lib-nginx.sh: the province side for system tests (sourced after test-lib.sh).
#
# nginx_start ROOT      a real nginx on 127.0.0.1, a free port, serving ROOT as
#                       static files and /logs/ with WebDAV PUT (DESIGN
#                       Appendix A) into $NGINX_DAV/logs/; sets NGINX_PORT,
#                       NGINX_URL, NGINX_ACCESS_LOG; stopped at exit
# nginx_stop            stop it now
# nginx_again           start it again on the same port, same configuration
# nginx_requests        number of requests logged so far
#
# A publication tree built by hand (for manifests the real publishing tool
# would never write), signed with the real minisign:
# province_init DIR            empty tree DIR, key pair DIR.pub / DIR.sec
# province_up DIR              province_init DIR, and nginx_start serving it
# province_pubkey DIR          the public key's base64 line
# province_programme DIR ID FILE [STATIONS_JSON]
#                              copy FILE into DIR/programmes/<sha256>.<ext>,
#                              print its manifest entry (one JSON line)
# province_schedule DIR FILE [STATIONS_JSON]     the same for a schedule
# province_manifest DIR VERSION PROGRAMMES SCHEDULES [EXPIRES [ISSUED]]
#                              write DIR/manifest.json; PROGRAMMES and
#                              SCHEDULES are JSON arrays
# province_sign DIR [SECKEY] [TRUSTED_COMMENT]   DIR/manifest.json.minisig
#
# The station side:
# province_station DIR PROVINCE [EXTRA]
#                              station_conf DIR syncing from nginx's
#                              manifest.json, trusting PROVINCE's key; EXTRA
#                              goes in its province section
# activated DIR N              ask the daemon of DIR for syncs until its
#                              manifest version N is active (a sync that
#                              ran on its own while the test wrote the
#                              manifest and then its signature, and failed
#                              for that, or whose timed wait libfaketime
#                              ended early, is no verdict: up to 15 asks)
# refused_for DIR WHAT         the same until a sync fails naming WHAT
# sync_once DIR [OPTIONS]      one tests/helpers/sync-once on DIR/loaxad.conf:
#                              its line in $OUT, seconds taken in $ELAPSED
#                              (under valgrind when LOAXA_VALGRIND is set)
# store_verified, store_has, store_lacks   what the store holds
# stations_cfg DIR             $T/stations.cfg for loaxa-province, naming
#                              test-station with the key in DIR/state

nginx_start() {
	local root=$1 dir=$T/nginx port user=""
	NGINX_DAV=$dir/dav
	mkdir -p "$dir/tmp" "$NGINX_DAV/logs"
	[ "$(id -u)" = 0 ] && user="user root;"
	for _ in 1 2 3 4 5; do
		port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		cat >"$dir/nginx.conf" <<EOC
$user
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 64; }
http {
	log_format t '\$request_method \$uri \$status \$body_bytes_sent "\$http_range"';
	access_log $dir/access.log t;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$port;
		root $root;
		location /logs/ {
			root $NGINX_DAV;
			dav_methods PUT;
			create_full_put_path on;
			dav_access user:rw group:r all:r;
			client_max_body_size 64m;
		}
	}
}
EOC
		: >"$dir/access.log"
		nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>>"$dir/error.log" &
		NGINX_PID=$!
		if wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$port/"; then
			NGINX_PORT=$port
			NGINX_URL=http://127.0.0.1:$port
			NGINX_ACCESS_LOG=$dir/access.log
			at_exit "nginx_stop"
			: >"$dir/access.log"
			return 0
		fi
		kill "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
	done
	diag "nginx did not start: $(tail -3 "$dir/error.log")"
	return 1
}

nginx_stop() {
	[ -n "${NGINX_PID:-}" ] || return 0
	kill -QUIT "$NGINX_PID" 2>/dev/null
	wait "$NGINX_PID" 2>/dev/null
	NGINX_PID=
}

nginx_again() {
	local dir=$T/nginx
	[ -f "$dir/nginx.conf" ] || bail "no nginx configuration to restart"
	nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>>"$dir/error.log" &
	NGINX_PID=$!
	wait_for 10 curl -s -o /dev/null "$NGINX_URL/"
}

nginx_requests() { wc -l <"$NGINX_ACCESS_LOG"; }

province_init() {
	mkdir -p "$1/programmes" "$1/schedules"
	minisign -G -W -f -p "$1.pub" -s "$1.sec" </dev/null >/dev/null
}

province_up() {
	province_init "$1"
	nginx_start "$1" || bail "nginx did not start"
}

province_pubkey() { tail -n 1 "$1.pub"; }

_province_file() {
	local dir=$1 sub=$2 file=$3 ext=${3##*.} h
	h=$(sha256sum "$file" | cut -d' ' -f1)
	cp "$file" "$dir/$sub/$h.$ext"
	jq -cn --arg p "$sub/$h.$ext" --arg h "$h" --argjson n "$(stat -c %s "$file")" \
		--argjson st "$4" '{path: $p, sha256: $h, bytes: $n, stations: $st}'
}

province_programme() {
	_province_file "$1" programmes "$3" "${4:-[\"*\"]}" |
		jq -c --arg id "$2" '{id: $id, title: ("Chương trình " + $id), class: "normal"} + .
			+ {duration_s: 1.0, loudness_lufs: -18.0}'
}

province_schedule() { _province_file "$1" schedules "$2" "${3:-[\"*\"]}"; }

province_manifest() {
	local dir=$1 version=$2 progs=$3 scheds=$4 now
	now=$(date +%s)
	local expires=${5:-$(date -d "@$((now + 14 * 86400))" +%Y-%m-%dT%H:%M:%S%:z)}
	local issued=${6:-$(date -d "@$((now - 3600))" +%Y-%m-%dT%H:%M:%S%:z)}
	jq -n --argjson v "$version" --arg i "$issued" --arg e "$expires" \
		--argjson p "$progs" --argjson s "$scheds" \
		'{format: "loaxa-manifest/1", province: "bac-giang", version: $v, issued: $i,
		  expires: $e, programmes: $p, schedules: $s}' >"$dir/manifest.json"
}

province_sign() {
	local dir=$1 key=${2:-$1.sec} tc=${3:-"loaxa manifest $(date +%s)"}
	rm -f "$dir/manifest.json.minisig"
	minisign -S -s "$key" -m "$dir/manifest.json" -t "$tc" </dev/null >/dev/null
	# nginx's ETag is mtime (seconds) and size: two manifests of one size
	# written within a second would look the same to a conditional GET.
	_province_seq=$((${_province_seq:-0} + 1))
	touch -d "@$(($(date +%s) + _province_seq))" "$dir/manifest.json"
}

# store_verified STATE_DIR: every file in the store is whole (its name is
# its SHA-256), and nothing else is there
store_verified() {
	local f name
	for f in "$1"/store/*; do
		[ -e "$f" ] || continue
		[ -d "$f" ] && [ "${f##*/}" = partial ] && continue
		name=${f##*/}
		if [ "$(sha256sum "$f" | cut -d' ' -f1)" != "${name%%.*}" ]; then
			diag "not verified: $f"
			return 1
		fi
	done
}

# store_has STATE_DIR FILE: FILE's content is in the store
store_has() {
	local h
	h=$(sha256sum "$2" | cut -d' ' -f1)
	compgen -G "$1/store/$h.*" >/dev/null
}

# store_lacks STATE_DIR FILE: FILE's content is not in the store
store_lacks() { ! store_has "$@"; }

province_station() {
	station_conf "$1" "province: { manifest_url = \"$NGINX_URL/manifest.json\";
	public_key = \"$(province_pubkey "$2")\";${3:+ $3} };"
}

activated() {
	local i
	for i in $(seq 1 15); do
		loaxactl -c "$1/loaxad.conf" sync >/dev/null
		wait_for 2 grep -q "manifest version $2 .*active" "$1/daemon.log" && return 0
	done
	return 1
}

refused_for() {
	local i
	for i in $(seq 1 15); do
		loaxactl -c "$1/loaxad.conf" sync >/dev/null
		wait_for 2 bash -c "grep 'sync failed: ' '$1/daemon.log' | tail -1 | grep -q -- '$2'" &&
			return 0
	done
	return 1
}

stations_cfg() {
	cat >"$T/stations.cfg" <<EOC
stations = ( { id = "test-station"; name = "Trạm thử"; district = "Huyện thử";
               public_key = "$(tail -n 1 "$1/state/station.pub")"; } );
EOC
}

sync_once() {
	local d=$1 t0 rc
	shift
	t0=$(date +%s)
	if [ -n "${LOAXA_VALGRIND:-}" ]; then
		OUT=$("${VALGRIND[@]}" --log-file="$T/valgrind.%p.log" \
			sync-once -c "$d/loaxad.conf" "$@" 2>>"$T/sync.log")
	else
		OUT=$(sync-once -c "$d/loaxad.conf" "$@" 2>>"$T/sync.log")
	fi
	rc=$?
	ELAPSED=$(($(date +%s) - t0))
	echo "# sync-once: $OUT (${ELAPSED}s)" >&2
	if [ "$rc" -gt 1 ]; then
		not_ok "sync-once exited $rc"
		cat "$T"/valgrind.*.log >&2 2>/dev/null
	fi
	return 0
}
