# lib-web.sh: the operator's web page in the system tests (sourced after
# test-lib.sh). loaxa-web runs for real on a free port of 127.0.0.1; pages
# are driven by curl or by headless chromium (tests/helpers/webdriver.py).

export PYTHONPATH=$LOAXA_SRC/tests/helpers${PYTHONPATH:+:$PYTHONPATH}
export LOAXA_LOCALEDIR=$LOAXA_BUILD/locale

# free_port: a TCP port of 127.0.0.1 nobody listens on now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# web_conf DIR [EXTRA] [WEB_EXTRA]: station_conf with the web page on a
# free port; sets WEB_PORT and WEB (the page's URL, no final slash)
web_conf() {
	WEB_PORT=$(free_port)
	WEB=http://127.0.0.1:$WEB_PORT
	station_conf "$1" "web: { listen = \"127.0.0.1:$WEB_PORT\"; ${3:-} };
${2:-}"
}

# web_build_mo: the Vietnamese catalog of this build (pages are Vietnamese
# by default)
web_build_mo() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$LOAXA_SRC" BUILD="$LOAXA_BUILD" \
		"$LOAXA_BUILD/locale/vi/LC_MESSAGES/loaxa.mo" >&2
}

# web_start DIR: start loaxa-web on DIR/loaxad.conf and wait until it listens
web_start() {
	local d=$1 before
	before=$(grep -c 'the web page is at' "$d/web.log" 2>/dev/null)
	if [ -n "${LOAXA_VALGRIND:-}" ]; then
		"${VALGRIND[@]}" --log-file="$d/valgrind.web.%p.log" loaxa-web -c "$d/loaxad.conf" 2>>"$d/web.log" &
	else
		loaxa-web -c "$d/loaxad.conf" 2>>"$d/web.log" &
	fi
	WEB_PID=$!
	at_exit "kill -9 $WEB_PID 2>/dev/null"
	wait_for 60 bash -c "[ \$(grep -c 'the web page is at' $d/web.log 2>/dev/null) -gt ${before:-0} ]"
}

# web_stop: SIGTERM; returns its exit status
web_stop() {
	kill -TERM "$WEB_PID" 2>/dev/null || return 1
	wait "$WEB_PID"
}

# web_password DIR PASSWORD [NAME]: set an operator's password
web_password() {
	printf '%s\n' "$2" | loaxactl -c "$1/loaxad.conf" passwd --stdin ${3:-} >/dev/null
}

# web_up DIR PASSWORD [NAME]: loaxad, the operator NAME (admin) with
# PASSWORD, then loaxa-web, all on DIR/loaxad.conf; bails where one fails
web_up() {
	loaxad_start "$1" || bail "loaxad did not start"
	web_password "$1" "$2" ${3:-} || bail "loaxactl passwd"
	web_start "$1" || bail "loaxa-web did not start"
}

# --- curl as a browser --------------------------------------------------------
# A cookie jar per test; web_get/web_post print the body, and the status code
# goes to $T/http.code and the headers to $T/http.headers.

WEB_JAR=$T/cookies
web_curl() {
	curl -s -b "$WEB_JAR" -c "$WEB_JAR" -D "$T/http.headers" -o "$T/http.body" \
		-w '%{http_code}' "$@" >"$T/http.code"
	cat "$T/http.body"
}
web_code() { cat "$T/http.code"; }
web_get() { local p=$1; shift; web_curl "$@" "$WEB$p"; }
# web_post PATH [curl args...]: POST with this page's Origin
web_post() { local p=$1; shift; web_curl -H "Origin: $WEB" "$@" "$WEB$p"; }
# web_login NAME PASSWORD [curl args...]
web_login() {
	local name=$1 password=$2
	shift 2
	web_post /login --data-urlencode "name=$name" --data-urlencode "password=$password" "$@" >/dev/null
}
# web_login_or_bail NAME PASSWORD: web_login, and bail unless it succeeded
web_login_or_bail() {
	web_login "$1" "$2"
	[ "$(web_code)" = 303 ] || bail "cannot log in"
}
# web_csrf: the form token of the last page fetched
web_csrf() { grep -o 'name="csrf" value="[0-9a-f]*"' "$T/http.body" | head -1 | sed 's/.*value="\([0-9a-f]*\)"/\1/'; }
