#!/bin/bash
# make install into a staging root: the FHS layout, man pages that render
# and resolve, the translation, an installed loaxad that checks the
# installed example config, a unit that systemd-analyze accepts and rates
# 2.5 or better, and a second install that leaves the operator's edits.
source "$(dirname "$0")/test-lib.sh"

R=$T/root
for b in loaxad loaxactl loaxa-province loaxa-web; do
	[ -x "$LOAXA_BUILD/$b" ] || bail "$LOAXA_BUILD/$b is not built"
done

# install_tree LOG: make install, its output into LOG (shown on failure).
# The build is already there: -o all installs it as it is, without
# compiling into $LOAXA_BUILD with flags other than the ones it was built
# with. The caller's make variables must not leak in either.
install_tree() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s -C "$LOAXA_SRC" -o all BUILD="$LOAXA_BUILD" DESTDIR="$R" PREFIX=/usr \
		install >"$1" 2>&1 || { sed 's/^/# /' "$1" >&2; return 1; }
}
check "make install DESTDIR=\$T/root PREFIX=/usr" install_tree "$T/install.log"

mode_is() { [ -f "$2" ] && [ "$(stat -c %a "$2")" = "$1" ]; }
check "loaxad in /usr/sbin, 0755" mode_is 755 "$R/usr/sbin/loaxad"
check "loaxactl in /usr/bin, 0755" mode_is 755 "$R/usr/bin/loaxactl"
check "loaxa-province in /usr/bin, 0755" mode_is 755 "$R/usr/bin/loaxa-province"
check "loaxad-net in /usr/libexec/loaxa, 0755" mode_is 755 "$R/usr/libexec/loaxa/loaxad-net"
check "loaxad-relay in /usr/libexec/loaxa, 0755" mode_is 755 "$R/usr/libexec/loaxa/loaxad-relay"
check "loaxa-web in /usr/sbin, 0755" mode_is 755 "$R/usr/sbin/loaxa-web"
check "config in /etc/loaxa, 0644" mode_is 644 "$R/etc/loaxa/loaxad.conf"
check "the installed config is the example" cmp -s "$R/etc/loaxa/loaxad.conf" \
	"$LOAXA_SRC/schedules/loaxad.conf.example"
check "weekly template in /etc/loaxa/schedules" mode_is 644 "$R/etc/loaxa/schedules/weekly.cfg"
check "only the weekly template is put in schedule_dir" \
	test "$(ls "$R/etc/loaxa/schedules")" = weekly.cfg
check "examples in /usr/share/loaxa/schedules" test -f "$R/usr/share/loaxa/schedules/loaxad.conf.example" \
	-a -f "$R/usr/share/loaxa/schedules/province-example.cfg"
check "unit in /lib/systemd/system" mode_is 644 "$R/lib/systemd/system/loaxad.service"
check "the web page's unit beside it" mode_is 644 "$R/lib/systemd/system/loaxa-web.service"
check "... pointing at the installed loaxa-web" grep -qx 'ExecStart=/usr/sbin/loaxa-web -c /etc/loaxa/loaxad.conf' \
	"$R/lib/systemd/system/loaxa-web.service"
check "Vietnamese catalog in /usr/share/locale" \
	mode_is 644 "$R/usr/share/locale/vi/LC_MESSAGES/loaxa.mo"
check "the catalog is a valid .mo" msgunfmt -o /dev/null "$R/usr/share/locale/vi/LC_MESSAGES/loaxa.mo"

pages="man8/loaxad.8 man5/loaxad.conf.5 man5/loaxa-schedule.5 man1/loaxactl.1 man1/loaxa-province.1
 man8/loaxa-web.8"
for p in $pages; do
	check "man page $p installed" mode_is 644 "$R/usr/share/man/$p"
	check "$p renders without a groff warning" \
		test -z "$(groff -man -Tutf8 -ww -z "$R/usr/share/man/$p" 2>&1)"
done
check "man finds loaxad(8) in the installed tree" \
	test "$(man -M "$R/usr/share/man" -w 8 loaxad 2>/dev/null)" = "$R/usr/share/man/man8/loaxad.8"
check "every man: link of the unit has a page" bash -c '
	for d in $(sed -n "s/^Documentation=//p" "$1"); do
		d=${d#man:}; n=${d%%(*}; s=${d#*(}; s=${s%)}
		[ -f "$2/man$s/$n.$s" ] || { echo "# no page for $d" >&2; exit 1; }
	done' _ "$R/lib/systemd/system/loaxad.service" "$R/usr/share/man"
check "... and of the web page's unit" bash -c '
	for d in $(sed -n "s/^Documentation=//p" "$1"); do
		d=${d#man:}; n=${d%%(*}; s=${d#*(}; s=${s%)}
		[ -f "$2/man$s/$n.$s" ] || { echo "# no page for $d" >&2; exit 1; }
	done' _ "$R/lib/systemd/system/loaxa-web.service" "$R/usr/share/man"
check "installed loaxa-web runs" bash -c "'$R/usr/sbin/loaxa-web' --version | grep -q '^loaxa-web [0-9]'"

check "installed loaxad runs" bash -c "'$R/usr/sbin/loaxad' --version | grep -q '^loaxad [0-9]'"

# The example's schedule_dir is the real /etc/loaxa/schedules; a copy points
# it at the installed one (and state_dir at nothing: a station that never
# ran has no state yet, and --check must not need it).
sed -e "s|^schedule_dir = \"/etc/loaxa/schedules\";|schedule_dir = \"$R/etc/loaxa/schedules\";|" \
	-e "s|^state_dir = \"/var/lib/loaxa\";|state_dir = \"$T/no-state-yet\";|" \
	"$R/etc/loaxa/loaxad.conf" >"$T/check.conf"
check "the copy changes schedule_dir and state_dir only" \
	test "$(diff "$R/etc/loaxa/loaxad.conf" "$T/check.conf" | grep -c '^>')" = 2
check "installed loaxad --check accepts the installed example" \
	bash -c "'$R/usr/sbin/loaxad' --check -c '$T/check.conf' >'$T/check.out' 2>&1"
diag "$(cat "$T/check.out")"
check "... and says so" grep -qx "configuration OK" "$T/check.out"
check "--check left state_dir alone" test ! -e "$T/no-state-yet"
check "installed loaxactl check agrees" \
	bash -c "LC_ALL=C '$R/usr/bin/loaxactl' -c '$T/check.conf' check | grep -q '^OK: [1-9][0-9]* slots in 1 files'"

# --- the unit --------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
	unit=$T/unit/loaxad.service
	mkdir -p "$T/unit"
	sed "s|^ExecStart=/usr/sbin/loaxad |ExecStart=$R/usr/sbin/loaxad |" \
		"$R/lib/systemd/system/loaxad.service" >"$unit"
	check "the unit's ExecStart points at the staged loaxad" grep -q "^ExecStart=$R/usr/sbin/loaxad " "$unit"
	check "systemd-analyze verify: no complaint" bash -c \
		"MANPATH='$R/usr/share/man' systemd-analyze verify '$unit' >'$T/verify.out' 2>&1 && ! test -s '$T/verify.out'"
	sed 's/^/# /' "$T/verify.out" >&2
	systemd-analyze security --offline=true "$unit" >"$T/security.out" 2>&1
	score=$(sed -n 's/.*Overall exposure level for loaxad.service: \([0-9.]*\).*/\1/p' "$T/security.out")
	diag "systemd-analyze security: exposure ${score:-?}"
	check "systemd-analyze security: exposure ${score:-?} <= 2.5" \
		awk -v s="$score" 'BEGIN { exit !(s != "" && s + 0 <= 2.5) }'
	[ -z "$score" ] && cat "$T/security.out" >&2
	# What the score alone would not show.
	check "the sound card stays reachable" bash -c \
		"grep -qx 'DeviceAllow=char-alsa rw' '$unit' && grep -qx 'DevicePolicy=closed' '$unit' && ! grep -qx 'PrivateDevices=yes' '$unit'"
	check "the clock state can be read (adjtimex, clock_adjtime)" \
		grep -qx "SystemCallFilter=adjtimex clock_adjtime clock_adjtime64" "$unit"
	check "Type=notify with a watchdog" bash -c "grep -qx Type=notify '$unit' && grep -q '^WatchdogSec=[1-9]' '$unit'"
	wunit=$T/unit/loaxa-web.service
	sed "s|^ExecStart=/usr/sbin/loaxa-web |ExecStart=$R/usr/sbin/loaxa-web |" \
		"$R/lib/systemd/system/loaxa-web.service" >"$wunit"
	check "systemd-analyze verify: no complaint about the web page's unit" bash -c \
		"MANPATH='$R/usr/share/man' systemd-analyze verify '$wunit' >'$T/wverify.out' 2>&1 && ! test -s '$T/wverify.out'"
	sed 's/^/# /' "$T/wverify.out" >&2
	systemd-analyze security --offline=true "$wunit" >"$T/wsecurity.out" 2>&1
	wscore=$(sed -n 's/.*Overall exposure level for loaxa-web.service: \([0-9.]*\).*/\1/p' "$T/wsecurity.out")
	diag "systemd-analyze security (loaxa-web): exposure ${wscore:-?}"
	check "systemd-analyze security: the web page's exposure ${wscore:-?} <= 2.5" \
		awk -v s="$wscore" 'BEGIN { exit !(s != "" && s + 0 <= 2.5) }'
	[ -z "$wscore" ] && cat "$T/wsecurity.out" >&2
else
	ok "# SKIP systemd-analyze is not installed"
fi

# --- the unit's system call filter lets a broadcast through ------------------
# expand NAME: the system calls of a systemd syscall group, or NAME itself
expand() {
	case $1 in
	@*) systemd-analyze syscall-filter "$1" | sed -n 's/^    \([a-z0-9_@-]*\)$/\1/p' |
		while read -r x; do expand "$x"; done ;;
	*) echo "$1" ;;
	esac
}
# allowed UNIT: what its SystemCallFilter= lines allow, in their order
allowed() {
	local v w
	: >"$T/allowed"
	sed -n 's/^SystemCallFilter=//p' "$1" >"$T/filters"
	while read -r v; do
		case $v in
		~*) for w in ${v#\~}; do expand "$w"; done | sort -u >"$T/deny"
			sort -u "$T/allowed" | comm -23 - "$T/deny" >"$T/allowed.new" ;;
		*) { cat "$T/allowed"; for w in $v; do expand "$w"; done; } | sort -u >"$T/allowed.new" ;;
		esac
		mv "$T/allowed.new" "$T/allowed"
	done <"$T/filters"
}
if ! command -v systemd-analyze >/dev/null || ! strace -f -o /dev/null true 2>/dev/null; then
	ok "# SKIP needs systemd-analyze and a working strace"
elif ldd "$R/usr/sbin/loaxad" | grep -q libasan; then
	ok "# SKIP ASan makes system calls of its own"
else
	allowed "$R/lib/systemd/system/loaxad.service"
	S=$T/station
	station_conf "$S" "province: { log_url = \"http://127.0.0.1:9/logs/\"; upload_interval_s = 10; };"
	tone "$S/audio/a.wav" 0.5
	slot_file "$S/schedules/s.cfg" "Thử" "$(hhmmss_in 3)" a.wav
	# As under systemd: readiness and watchdog notifications (to no one).
	NOTIFY_SOCKET=$S/notify WATCHDOG_USEC=1000000 \
		strace -f -qq -o "$S/strace" "$R/usr/sbin/loaxad" -c "$S/loaxad.conf" 2>>"$S/daemon.log" &
	tracer=$!
	at_exit "kill -9 $tracer 2>/dev/null"
	wait_plays "$S" 1 30
	"$R/usr/bin/loaxactl" -c "$S/loaxad.conf" status >/dev/null
	"$R/usr/bin/loaxactl" -c "$S/loaxad.conf" reload >/dev/null
	kill -TERM "$(awk 'NR == 1 { print $1 }' "$S/strace")"
	wait "$tracer"
	check "a traced broadcast aired" test "$(play_lines "$S" | jq -r .status)" = complete
	sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$S/strace" | sort -u >"$T/used"
	comm -23 "$T/used" "$T/allowed" >"$T/denied"
	check "every system call it made ($(wc -l <"$T/used")) passes the unit's filter" test ! -s "$T/denied"
	sed 's/^/# not allowed by the unit: /' "$T/denied" >&2

	# the web page under its own unit's filter: a login (Argon2id), pages,
	# an upload, a play through the control socket
	allowed "$R/lib/systemd/system/loaxa-web.service"
	W=$T/web
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	station_conf "$W" "web: { listen = \"127.0.0.1:$port\"; };"
	tone "$W/audio/a.wav" 0.5
	"$R/usr/sbin/loaxad" -c "$W/loaxad.conf" 2>>"$W/daemon.log" &
	wd=$!
	at_exit "kill -9 $wd 2>/dev/null"
	printf 'mat-khau-thu\n' | "$R/usr/bin/loaxactl" -c "$W/loaxad.conf" passwd --stdin >/dev/null
	NOTIFY_SOCKET=$W/notify strace -f -qq -o "$W/strace" "$R/usr/sbin/loaxa-web" -c "$W/loaxad.conf" \
		2>>"$W/web.log" &
	tracer=$!
	at_exit "kill -9 $tracer 2>/dev/null"
	wait_for 30 grep -q 'the web page is at' "$W/web.log"
	u=http://127.0.0.1:$port
	curl -s -c "$W/jar" -o /dev/null -H "Origin: $u" --data 'name=admin&password=mat-khau-thu' "$u/login"
	for p in / /plan /log /play /upload /schedule /health; do curl -s -b "$W/jar" -o /dev/null "$u$p"; done
	csrf=$(curl -s -b "$W/jar" "$u/play" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | cut -d'"' -f4)
	curl -s -b "$W/jar" -o /dev/null -H "Origin: $u" -F "csrf=$csrf" -F "file=@$W/audio/a.wav;filename=b.wav" "$u/upload"
	curl -s -b "$W/jar" -o /dev/null -H "Origin: $u" --data "csrf=$csrf&what=b.wav" "$u/play"
	check "a traced web page took an upload and played it" wait_plays "$W" 1 20
	kill -TERM "$(awk 'NR == 1 { print $1 }' "$W/strace")"
	wait "$tracer"
	kill -TERM "$wd"
	wait "$wd"
	sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$W/strace" | sort -u >"$T/wused"
	comm -23 "$T/wused" "$T/allowed" >"$T/wdenied"
	check "every system call the web page made ($(wc -l <"$T/wused")) passes its unit's filter" \
		test ! -s "$T/wdenied"
	sed 's/^/# not allowed by the web unit: /' "$T/wdenied" >&2
fi

# --- a second install keeps what the operator changed -----------------------
echo '# edited by the operator' >>"$R/etc/loaxa/loaxad.conf"
echo '# edited by the operator' >>"$R/etc/loaxa/schedules/weekly.cfg"
echo 'slots = ( );' >"$R/etc/loaxa/schedules/2026-11-27.cfg"
check "a second install succeeds" install_tree "$T/install2.log"
check "the edited config is kept" grep -qx '# edited by the operator' "$R/etc/loaxa/loaxad.conf"
check "the edited weekly schedule is kept" grep -qx '# edited by the operator' "$R/etc/loaxa/schedules/weekly.cfg"
check "the operator's daily schedule is kept" test -f "$R/etc/loaxa/schedules/2026-11-27.cfg"
check "the shipped example is still the original" cmp -s \
	"$R/usr/share/loaxa/schedules/loaxad.conf.example" "$LOAXA_SRC/schedules/loaxad.conf.example"
done_testing
