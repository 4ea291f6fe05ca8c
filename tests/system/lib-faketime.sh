# lib-faketime.sh: loaxad on a wrong clock (sourced after test-lib.sh). The
# clock is libfaketime's, for loaxad and the loaxad-net it runs:
# DIR/faketime (FAKETIME_TIMESTAMP_FILE: "+600", "-120", ...) is read at
# every call, and CLOCK_MONOTONIC is left true. Where libfaketime is not
# installed the whole test is skipped.
#
# faked_loaxad DIR   start loaxad on DIR/loaxad.conf in the background, on
#                    the clock of DIR/faketime (under valgrind when
#                    LOAXA_VALGRIND is set); its pid in LOAXAD_PID and
#                    DIR/daemon.pid, killed at exit; does not wait
# faked_start DIR    the same, then wait until it is ready, as loaxad_start
# jqt EXPR           as test-lib's, but an empty input fails

FAKETIME_LIB=
for _f in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1; do
	[ -e "$_f" ] && FAKETIME_LIB=$_f && break
done
[ -n "$FAKETIME_LIB" ] || skip_all "libfaketime is not installed"

faked_loaxad() {
	local d=$1
	# (an ASan build wants its runtime first; libfaketime only wraps calls)
	local env=(LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$d/faketime" FAKETIME_NO_CACHE=1
		FAKETIME_DONT_FAKE_MONOTONIC=1
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
	if [ -n "${LOAXA_VALGRIND:-}" ]; then
		env "${env[@]}" "${VALGRIND[@]}" --log-file="$d/valgrind.%p.log" \
			loaxad -c "$d/loaxad.conf" 2>>"$d/daemon.log" &
	else
		env "${env[@]}" loaxad -c "$d/loaxad.conf" 2>>"$d/daemon.log" &
	fi
	LOAXAD_PID=$!
	echo "$LOAXAD_PID" >"$d/daemon.pid"
	at_exit "kill -9 $LOAXAD_PID 2>/dev/null"
}

faked_start() {
	local d=$1 before
	before=$(grep -c 'ready: control socket' "$d/daemon.log" 2>/dev/null)
	faked_loaxad "$d"
	wait_for 60 bash -c "[ \$(grep -c 'ready: control socket' $d/daemon.log 2>/dev/null) -gt ${before:-0} ]"
}

jqt() {
	local in
	in=$(cat)
	[ -n "$in" ] && jq -e "$1" <<<"$in" >/dev/null
}
