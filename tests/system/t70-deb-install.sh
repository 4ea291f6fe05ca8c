#!/bin/bash
# The amd64 package on a clean Debian 12, as a station installer meets it:
# "apt install ./loaxa_VERSION_amd64.deb" creates the loaxa user (in group
# audio), enables the unit, ships the config and weekly schedule as
# conffiles, and "loaxad --check" passes on the shipped config; an upgrade
# keeps the operator's edited config and the station's state; remove keeps
# the state, purge wipes it.
#
# The clean Debian 12 is a debootstrap (minbase) root with the package's
# run-time libraries, made once from the Debian mirror and cached as
# build/deb/bookworm-amd64-*.tar (a tarball, not a folder: the top Makefile
# would read its *.d folders as dependency files). Each run unpacks it
# into $T and works there in a private mount namespace, so nothing of the
# host changes. The unit is not started: there is no systemd in a chroot.
#
# Slow (a first run downloads ~100 MB), so it runs only with
# LOAXA_DEB_TEST=1, as "make check-deb" sets; LOAXA_DEB names the package
# (default build/deb/loaxa_VERSION_amd64.deb, from "make deb").
. "$(dirname "$0")/test-lib.sh"

[ -n "${LOAXA_DEB_TEST:-}" ] || skip_all "the package install test runs with LOAXA_DEB_TEST=1 (make check-deb)"
[ "$(id -u)" = 0 ] || skip_all "needs root (debootstrap, chroot)"
need debootstrap dpkg-deb unshare
version=$(sed -n 's/^VERSION *:= *//p' "$LOAXA_SRC/Makefile")
deb=${LOAXA_DEB:-$LOAXA_SRC/build/deb/loaxa_${version}_amd64.deb}
[ -f "$deb" ] || skip_all "no package $deb (make deb)"
mirror=${LOAXA_DEB_MIRROR:-http://deb.debian.org/debian}
R=$T/root

# in_root COMMAND...: run in the Debian root with /dev and /proc mounted,
# inside a private mount namespace that vanishes with the command
in_root() {
	unshare --mount --propagation private -- sh -c '
		r=$1; shift
		mount --bind /dev "$r/dev" && mount -t proc proc "$r/proc" &&
			exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
				DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"' sh "$R" "$@"
}

export R
export -f in_root

# the package's run-time dependencies, names only
depends() {
	dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[(|].*//; s/^ *//; s/ *$//' | grep .
}

# the cache is made again when the package's dependencies change
cache=$LOAXA_SRC/build/deb/bookworm-amd64-$(depends | sort | md5sum | cut -c1-8).tar
if [ ! -s "$cache" ]; then
	rm -f "$LOAXA_SRC"/build/deb/bookworm-amd64-*.tar
	diag "making the Debian 12 root (debootstrap from $mirror; minutes)"
	if ! debootstrap --variant=minbase bookworm "$R" "$mirror" >"$T/debootstrap.log" 2>&1; then
		tail -5 "$T/debootstrap.log" >&2
		skip_all "debootstrap failed (no mirror?): $T/debootstrap.log"
	fi
	# shellcheck disable=SC2046
	if ! in_root apt-get install -y -q --no-install-recommends $(depends) >"$T/apt.log" 2>&1; then
		tail -5 "$T/apt.log" >&2
		skip_all "apt-get in the new root failed (no mirror?)"
	fi
	in_root apt-get clean
	mkdir -p "$(dirname "$cache")"
	tar -C "$R" -cf "$cache.tmp.$$" . && mv "$cache.tmp.$$" "$cache"
else
	mkdir -p "$R"
	tar -C "$R" -xf "$cache"
fi
check "the root is Debian 12" grep -q '^VERSION_ID="12"' "$R/etc/os-release"
check "no loaxa user before the install" bash -c "! grep -q '^loaxa:' $R/etc/passwd"

# --- install ------------------------------------------------------------------

cp "$deb" "$R/tmp/loaxa.deb"
if in_root sh -c 'cd /tmp && apt-get install -y -q ./loaxa.deb >/tmp/install.log 2>&1'; then
	ok "apt install ./loaxa.deb"
else
	tail -20 "$R/tmp/install.log" >&2
	bail "the package does not install"
fi
check "installed" bash -c "in_root dpkg-query -W -f='\${db:Status-Status} \${Version}' loaxa | grep -qx 'installed $version'"
check "dependencies computed (libao4, libsndfile1, libcurl4)" bash -c \
	"d=\$(dpkg-deb -f $deb Depends); [[ \$d == *libao4* && \$d == *libsndfile1* && \$d == *libcurl4* ]]"
check "user loaxa, a system user" bash -c "in_root getent passwd loaxa | awk -F: '\$3 < 1000 && \$6 == \"/var/lib/loaxa\" { ok = 1 } END { exit !ok }'"
check "loaxa is in group audio" bash -c "in_root id -nG loaxa | tr ' ' '\n' | grep -qx audio"
check "the daemon and both tools" test -x "$R/usr/sbin/loaxad" -a -x "$R/usr/bin/loaxactl" -a -x "$R/usr/bin/loaxa-province"
check "its network helper, where the daemon looks for it" test -x "$R/usr/libexec/loaxa/loaxad-net"
check "its relay helper, beside it" test -x "$R/usr/libexec/loaxa/loaxad-relay"
check "man pages" test -f "$R/usr/share/man/man8/loaxad.8.gz" -a -f "$R/usr/share/man/man5/loaxad.conf.5.gz" \
	-a -f "$R/usr/share/man/man1/loaxactl.1.gz" -a -f "$R/usr/share/man/man1/loaxa-province.1.gz"
check "Vietnamese messages" test -f "$R/usr/share/locale/vi/LC_MESSAGES/loaxa.mo"
check "the unit" test -f "$R/lib/systemd/system/loaxad.service"
check "the unit is enabled" test -L "$R/etc/systemd/system/multi-user.target.wants/loaxad.service"
check "restarted, not only started, on upgrade" grep -q '_dh_action=restart' "$R/var/lib/dpkg/info/loaxa.postinst"
check "the web page, its unit and its man page" test -x "$R/usr/sbin/loaxa-web" \
	-a -f "$R/lib/systemd/system/loaxa-web.service" -a -f "$R/usr/share/man/man8/loaxa-web.8.gz"
check "the web page's unit is not enabled" test ! -e "$R/etc/systemd/system/multi-user.target.wants/loaxa-web.service"
in_root dpkg-query -W -f='${Conffiles}\n' loaxa >"$T/conffiles"
check "loaxad.conf is a conffile" grep -q '^ /etc/loaxa/loaxad.conf ' "$T/conffiles"
check "weekly.cfg is a conffile" grep -q '^ /etc/loaxa/schedules/weekly.cfg ' "$T/conffiles"
check "state folder owned by loaxa" bash -c "[ \$(in_root stat -c %U:%G /var/lib/loaxa) = loaxa:loaxa ]"
check "group loaxa may write the schedule folder" bash -c "[ \$(in_root stat -c %G:%a /etc/loaxa/schedules) = loaxa:2775 ]"
in_root runuser -u loaxa -- loaxad --check >"$T/check.out" 2>&1
check "loaxad --check passes on the shipped config, as user loaxa" test $? = 0
check "and says so" grep -q 'configuration OK' "$T/check.out"
check "loaxactl check agrees" bash -c "in_root runuser -u loaxa -- loaxactl check >/dev/null"
printf 'slots = ( { start = "25:00"; items = ( "nhac-hieu" ); } );\n' >"$R/tmp/bad.cfg"
check "loaxactl reports in Vietnamese with LANGUAGE=vi" bash -c \
	"in_root env LANGUAGE=vi loaxactl check /tmp/bad.cfg 2>&1 | grep -q 'bad.cfg:1: .*không phải là giờ hợp lệ'"

# --- upgrade --------------------------------------------------------------------

# rebuild PKGDIR VERSION: a package of PKGDIR with the given version
rebuild() {
	sed -i "s/^Version: .*/Version: $2/" "$1/DEBIAN/control"
	(cd "$1" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
	dpkg-deb --root-owner-group -b "$1" "$R/tmp/loaxa-$2.deb" >/dev/null
}

sed -i 's/^  id = "tan-quang";/  id = "xa-thu-nghiem";  # edited by the operator/' "$R/etc/loaxa/loaxad.conf"
mkdir -p "$R/var/lib/loaxa/airlog"
echo '{"seq":1}' >"$R/var/lib/loaxa/airlog/2026-11-27.jsonl"
dpkg-deb -R "$deb" "$T/pkg"

# the usual case: the shipped config did not change
rebuild "$T/pkg" "$version+t70.1"
check "upgrade to a rebuilt package" in_root sh -c "apt-get install -y -q /tmp/loaxa-$version+t70.1.deb >/tmp/upgrade.log 2>&1"
check "now at the new version" bash -c "in_root dpkg-query -W -f='\${Version}' loaxa | grep -qx '$version+t70.1'"
check "the edited config is kept" grep -q '^  id = "xa-thu-nghiem";  # edited by the operator' "$R/etc/loaxa/loaxad.conf"
check "silently (no .dpkg-new/.dpkg-dist)" bash -c "! ls $R/etc/loaxa/*.dpkg-* 2>/dev/null | grep -q ."
check "the as-run log is kept" test -s "$R/var/lib/loaxa/airlog/2026-11-27.jsonl"
check "loaxad --check still passes" bash -c "in_root runuser -u loaxa -- loaxad --check >/dev/null"

# the shipped config changed too: the installer's "keep your version"
sed -i '1a # (a later release changed this comment)' "$T/pkg/etc/loaxa/loaxad.conf"
rebuild "$T/pkg" "$version+t70.2"
check "upgrade with a changed shipped config, keeping the operator's" in_root sh -c \
	"apt-get install -y -q -o Dpkg::Options::=--force-confold /tmp/loaxa-$version+t70.2.deb >/tmp/upgrade2.log 2>&1"
check "the edited config is still in force" grep -q '^  id = "xa-thu-nghiem";' "$R/etc/loaxa/loaxad.conf"
check "the new one waits beside it" grep -q 'a later release changed' "$R/etc/loaxa/loaxad.conf.dpkg-dist"
check "the unit stays enabled" test -L "$R/etc/systemd/system/multi-user.target.wants/loaxad.service"

# --- remove, purge ------------------------------------------------------------

check "remove" in_root sh -c 'apt-get remove -y -q loaxa >/tmp/remove.log 2>&1'
check "the programs are gone" test ! -e "$R/usr/sbin/loaxad"
check "the state stays after remove" test -s "$R/var/lib/loaxa/airlog/2026-11-27.jsonl"
check "the config stays after remove" grep -q 'xa-thu-nghiem' "$R/etc/loaxa/loaxad.conf"
check "purge" in_root sh -c 'apt-get purge -y -q loaxa >/tmp/purge.log 2>&1'
check "the state is gone after purge" test ! -e "$R/var/lib/loaxa"
check "the config is gone after purge" test ! -e "$R/etc/loaxa"
check "the unit is no longer enabled" test ! -e "$R/etc/systemd/system/multi-user.target.wants/loaxad.service"
check "dpkg knows it no more" bash -c "! in_root dpkg-query -W -f='\${db:Status-Status}' loaxa 2>/dev/null | grep -q ."
done_testing
