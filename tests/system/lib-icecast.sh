# lib-icecast.sh: the provincial radio's stream server for the relay tests
# (sourced after test-lib.sh): a real Icecast 2 on 127.0.0.1 fed by a real
# ffmpeg as its source client.
#
# icecast_start          icecast2 on a free port, its files in $T/icecast;
#                        sets ICECAST_PORT and ICECAST_URL; stopped at exit;
#                        a source silent for ICECAST_SOURCE_TIMEOUT seconds
#                        (3) is dropped
# icecast_feed MOUNT FREQ [RATE] [CODEC]
#                        ffmpeg sends a FREQ Hz sine ("silence": digital
#                        silence) at RATE Hz (44100) as CODEC (mp3, 128
#                        kbit/s; or aac) to MOUNT; sets FEED_PID; stopped at
#                        exit
# icecast_unfeed [PID]   kill the feed (FEED_PID): the mount ends, and
#                        Icecast drops its listeners
# icecast_up MOUNT       a listener of MOUNT gets bytes now
# dead_port              a port on 127.0.0.1 where nothing listens
# silent_server          a port that accepts connections and never answers;
#                        sets SILENT_PORT, stopped at exit
# SLOW                   seconds to add to the first slot's lead (valgrind)
#
# What the relays left in the as-run log:
# relay_logs DIR         its play lines into $T/plays, its switch lines into
#                        $T/switches, both into the TAP diagnostics
# pl SLOT, sw SLOT       the play lines, the switch lines of SLOT
# since EPOCH LINE       seconds from EPOCH (date +%s.%N) to LINE's time
#
# Icecast refuses to run as root unless told whom to become: the config
# says <changeowner> nobody, so its folder is made readable for nobody.

for _tool in icecast2 ffmpeg python3 curl; do
	command -v "$_tool" >/dev/null || skip_all "$_tool not installed (tools/install-deps check)"
done
ICECAST_PASS=loaxa-source
# Seconds more before a relay test's first slot: under valgrind the daemon
# takes that long to start, and a relay that opens a session late connects
# late (it is queued relay.preroll_s ahead of its start).
SLOW=0
[ -n "${LOAXA_VALGRIND:-}" ] && SLOW=8

_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

icecast_start() {
	local dir=$T/icecast port i user=nobody group
	group=$(id -gn nobody 2>/dev/null || echo nogroup)
	mkdir -p "$dir/log"
	# nobody must reach the folder once Icecast has dropped root
	chmod 711 "$T"
	chmod 755 "$dir"
	chown "$user:$group" "$dir/log"
	for i in 1 2 3 4 5; do
		port=$(_free_port)
		cat >"$dir/icecast.xml" <<EOX
<icecast>
  <location>loaxa test</location>
  <admin>test@localhost</admin>
  <limits>
    <clients>20</clients><sources>6</sources>
    <source-timeout>${ICECAST_SOURCE_TIMEOUT:-3}</source-timeout>
    <burst-on-connect>1</burst-on-connect><burst-size>65535</burst-size>
  </limits>
  <authentication>
    <source-password>$ICECAST_PASS</source-password>
    <admin-user>admin</admin-user><admin-password>$ICECAST_PASS-admin</admin-password>
  </authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>$port</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>0</fileserve>
  <paths>
    <basedir>$dir</basedir><logdir>$dir/log</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
  </paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot><changeowner><user>$user</user><group>$group</group></changeowner></security>
</icecast>
EOX
		chmod 644 "$dir/icecast.xml"
		icecast2 -c "$dir/icecast.xml" >>"$dir/stdout.log" 2>&1 &
		ICECAST_PID=$!
		at_exit "kill $ICECAST_PID 2>/dev/null"
		if wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$port/"; then
			ICECAST_PORT=$port
			ICECAST_URL=http://127.0.0.1:$port
			return 0
		fi
		kill "$ICECAST_PID" 2>/dev/null
	done
	cat "$dir/stdout.log" "$dir/log/error.log" >&2 2>/dev/null
	bail "icecast2 did not start"
}

icecast_feed() {
	local mount=$1 freq=$2 rate=${3:-44100} codec=${4:-mp3} src fmt
	if [ "$freq" = silence ]; then
		src="anullsrc=r=$rate:cl=stereo"
	else
		src="sine=frequency=$freq:sample_rate=$rate"
	fi
	if [ "$codec" = aac ]; then
		fmt=(-c:a aac -b:a 64k -content_type audio/aac -f adts)
	else
		fmt=(-c:a libmp3lame -b:a 128k -content_type audio/mpeg -f mp3)
	fi
	ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i "$src" -ac 2 "${fmt[@]}" \
		"icecast://source:$ICECAST_PASS@127.0.0.1:$ICECAST_PORT/$mount" \
		>>"$T/icecast/ffmpeg.log" 2>&1 &
	FEED_PID=$!
	at_exit "kill $FEED_PID 2>/dev/null"
	wait_for 10 icecast_up "$mount"
}

icecast_unfeed() {
	local pid=${1:-$FEED_PID}
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

icecast_up() {
	[ "$(curl -s --max-time 2 "$ICECAST_URL/$1" 2>/dev/null | head -c 1000 | wc -c)" -ge 1000 ]
}

dead_port() { _free_port; }

silent_server() {
	local f=$T/silent.port
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(600)' "$f" &
	at_exit "kill $! 2>/dev/null"
	wait_for 10 test -s "$f"
	SILENT_PORT=$(cat "$f")
}

relay_logs() {
	play_lines "$1" >"$T/plays"
	airlog "$1" | jq -c 'select(.type == "switch")' >"$T/switches"
	diag "$(cat "$T/plays" "$T/switches")"
}

pl() { jq -c --arg s "$1" 'select(.slot == $s)' "$T/plays"; }
sw() { jq -c --arg s "$1" 'select(.slot == $s)' "$T/switches"; }

since() {
	awk -v a="$1" -v b="$(date -d "$(jq -r .time <<<"$2")" +%s.%N)" 'BEGIN { print b - a }'
}
