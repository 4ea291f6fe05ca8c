#!/bin/bash
# The web page over HTTPS with a self-signed certificate made by the
# openssl command loaxa-web(8) gives: pages and login work, the session
# cookie is Secure, the certificate's fingerprint in loaxa-web's log and
# on the health page is the one openssl computes; plain HTTP on the same
# port gets nothing; a key that does not exist stops loaxa-web with the
# reason.
source "$(dirname "$0")/test-lib.sh"
source "$(dirname "$0")/lib-web.sh"

need curl openssl python3
web_build_mo || bail "cannot build the Vietnamese catalog"

# the command of loaxa-web(8), "HTTPS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
	-subj "/CN=loaxa-test-station" -keyout "$T/web-key.pem" -out "$T/web-cert.pem" 2>"$T/openssl.err" ||
	bail "openssl: $(cat "$T/openssl.err")"
fp=$(openssl x509 -in "$T/web-cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
diag "fingerprint $fp"

web_conf "$T" "" "tls_cert = \"$T/web-cert.pem\"; tls_key = \"$T/web-key.pem\";"
WEB=https://127.0.0.1:$WEB_PORT
web_up "$T" "mật khẩu thử 1"

check "loaxa-web says it serves HTTPS" grep -q "the web page is at https://127.0.0.1:$WEB_PORT/" "$T/web.log"
check "... and logs the certificate's fingerprint" grep -q "fingerprint $fp" "$T/web.log"
web_get /login -k >/dev/null
check "the login page over HTTPS" bash -c "[ \$(cat '$T/http.code') = 200 ] && grep -q 'Mật khẩu' '$T/http.body'"
check "the certificate served is the one configured" bash -c \
	"openssl s_client -connect 127.0.0.1:$WEB_PORT </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | grep -q '$fp'"
web_login admin "mật khẩu thử 1" -k
check "logging in over HTTPS" test "$(web_code)" = 303
check "the session cookie is Secure" grep -qi '^Set-Cookie: loaxa_session=[0-9a-f]*; Path=/; HttpOnly; SameSite=Strict; Secure' "$T/http.headers"
web_get /health -k >/dev/null
check "the health page shows the same fingerprint" grep -q "$fp" "$T/http.body"
check "plain HTTP on the HTTPS port gets no page" bash -c \
	"! curl -s -m 5 http://127.0.0.1:$WEB_PORT/login | grep -q html"
check "loaxa-web stops cleanly" web_stop

# a key that is not there: loaxa-web does not start, and says why
sed -i "s|$T/web-key.pem|$T/no-such-key.pem|" "$T/loaxad.conf"
loaxa-web -c "$T/loaxad.conf" 2>"$T/nokey.err"
check "a missing key: loaxa-web exits with status 1" test $? = 1
check "... naming the key file" grep -q "web.tls_key $T/no-such-key.pem" "$T/nokey.err"
cp "$T/web-cert.pem" "$T/other.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj "/CN=other" -keyout "$T/no-such-key.pem" -out /dev/null 2>/dev/null
loaxa-web -c "$T/loaxad.conf" 2>"$T/mismatch.err"
check "a key that does not go with the certificate: exits with status 1" test $? = 1
sed 's/^/# /' "$T/mismatch.err" >&2
loaxad_stop "$T"
done_testing
