#!/bin/bash
# An audio device that cannot be opened, and one lost in the middle of an
# item: the item is logged "failed" with its reason, the device is tried
# again for the next item, and the daemon never hangs.
#
#   a. libao's alsa driver on an ALSA PCM that does not exist, and on one
#      whose device is absent and comes back before the next session.
#   b. the raw driver into a FIFO whose reader goes away mid-item; a new
#      reader takes the rest of the session.
#   c. the wav driver writing to a file on a full (tiny tmpfs) disk.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

# field FILE ITEM KEY: a key of the play line of ITEM
field() { jq -r --arg f "$2" "select(.file == \$f) | .$3" "$1"; }

# --- a. an ALSA PCM that cannot be opened --------------------------------------
if ls /usr/lib/*/ao/plugins-4/libalsa.so >/dev/null 2>&1; then
	export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf
	# a0: no such PCM at all.
	D=$T/a0
	station_conf "$D"
	sed -i 's#^audio: .*#audio: { driver = "alsa"; options = { dev = "loaxanone"; }; };#' "$D/loaxad.conf"
	tone "$D/audio/a.wav" 1.0 500
	slot_file "$D/schedules/s.cfg" "Không có loa" "$(hhmmss_in 4)" a.wav
	HOME=$D loaxad_start "$D"
	check "a0: the item is logged" wait_plays "$D" 1 20
	check "a0: the daemon still answers" bash -c "loaxactl -c $D/loaxad.conf status >/dev/null"
	check "a0: and stops cleanly" loaxad_stop "$D"
	play_lines "$D" >"$D/plays"
	check "a0: failed" test "$(field "$D/plays" a.wav status)" = failed
	check "a0: the reason names the device" \
		test "$(field "$D/plays" a.wav reason)" = "audio device: cannot open (driver alsa)"
	check "a0: nothing counted as played" test "$(field "$D/plays" a.wav played_s)" = 0

	# a: the PCM is absent, then comes (the sound card is plugged in).
	# alsa-lib reads its configuration again when one of its top-level
	# files changes; the PCM is defined in such a file of ours.
	D=$T/a
	station_conf "$D"
	sed -i 's#^audio: .*#audio: { driver = "alsa"; options = { dev = "loaxatest"; }; };#' "$D/loaxad.conf"
	echo "# no card yet" >"$D/card.conf"
	export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$D/card.conf
	tone "$D/audio/a.wav" 1.0 500
	tone "$D/audio/b.wav" 1.0 900
	tone "$D/audio/c.wav" 1.0 1300
	s1=$(hhmmss_in 4) s2=$(hhmmss_in 11)
	cat >"$D/schedules/s.cfg" <<EOC
slots = (
  { name = "Không loa"; start = "$s1"; items = ( { file = "a.wav"; }, { file = "b.wav"; } ); },
  { name = "Có loa"; start = "$s2"; items = ( { file = "c.wav"; } ); }
);
EOC
	loaxad_start "$D"
	check "a: both items of the first session logged" wait_plays "$D" 2 20
	play_lines "$D" >"$D/plays"
	check "a: a.wav failed" test "$(field "$D/plays" a.wav status)" = failed
	check "a: b.wav failed too (the open was tried again)" test "$(field "$D/plays" b.wav status)" = failed
	check "a: the reason names the device" \
		test "$(field "$D/plays" a.wav reason)" = "audio device: cannot open (driver alsa)"
	check "a: the daemon log says why" grep -q "audio device: cannot open (driver alsa)" "$D/daemon.log"
	for f in a.wav b.wav; do
		check "a: $f's open was tried at its own time, not ahead of it" \
			bash -c "[ \"\$(jq -r 'select(.file == \"$f\") | .start >= .scheduled' $D/plays)\" = true ]"
	done
	sleep 1.1 # a new mtime for alsa-lib to see, even on a coarse clock
	cat >"$D/card.conf" <<EOC
pcm.loaxatest {
	type file
	slave.pcm "null"
	file "$D/alsa-out.raw"
	format "raw"
}
EOC
	check "a: the next session plays once the device is there" wait_plays "$D" 3 20
	check "a: the daemon still answers" bash -c "loaxactl -c $D/loaxad.conf status >/dev/null"
	check "a: the daemon stops cleanly" loaxad_stop "$D"
	play_lines "$D" >"$D/plays"
	check "a: c.wav complete" test "$(field "$D/plays" c.wav status)" = complete
	segments "$D/alsa-out.raw" --raw 48000 2 >"$D/segs"
	tones_only "$D/segs" >"$D/tones"
	read -r s e f <"$D/tones"
	check "a: the card was given c.wav only" test "$(wc -l <"$D/tones")" = 1
	check "a: 1300 Hz ($f)" near "${f:-0}" 1300 130
	check "a: for 1.0 s" near_t "$(awk -v s="${s:-0}" -v e="${e:-0}" 'BEGIN { print e - s }')" 1.0 0.05
	check "a: chain intact" chain_ok "$D"
else
	ok "# SKIP a: libao's ALSA plugin is not installed"
fi

# --- b. a FIFO whose reader goes away mid-item -----------------------------------
D=$T/b
station_conf "$D"
mkfifo "$D/speaker"
sed -i "s#^audio: .*#audio: { driver = \"raw\"; file = \"$D/speaker\"; rate = 48000; channels = 2; };#" \
	"$D/loaxad.conf"
tone "$D/audio/long.wav" 3.0 500
tone "$D/audio/next.wav" 1.0 1500
slot_file "$D/schedules/s.cfg" "Mất loa" "$(hhmmss_in 4)" long.wav next.wav
# The first listener takes half a second (96000 bytes) and leaves; another
# one comes back a little later and stays.
(
	head -c 96000 "$D/speaker" >"$D/heard1.raw"
	sleep 0.5
	cat "$D/speaker" >"$D/heard2.raw"
) &
reader=$!
at_exit "kill $reader 2>/dev/null"
loaxad_start "$D"
check "b: both items logged" wait_plays "$D" 2 20
check "b: the daemon stops cleanly" loaxad_stop "$D"
wait "$reader" 2>/dev/null
play_lines "$D" >"$D/plays"
check "b: the item cut short failed" test "$(field "$D/plays" long.wav status)" = failed
check "b: as the device was lost" test "$(field "$D/plays" long.wav reason)" = "audio device lost"
check "b: the daemon log names the item" grep -q "audio device lost (driver raw) while playing $D/audio/long.wav" \
	"$D/daemon.log"
check "b: played_s counts what went out, not the item ($(field "$D/plays" long.wav played_s))" \
	awk -v p="$(field "$D/plays" long.wav played_s)" 'BEGIN { exit !(p >= 0.4 && p < 1.5) }'
check "b: the next item complete" test "$(field "$D/plays" next.wav status)" = complete
segments "$D/heard1.raw" --raw 48000 2 >"$D/segs1"
segments "$D/heard2.raw" --raw 48000 2 >"$D/segs2"
read -r s e f < <(tones_only "$D/segs1" | tail -1)
check "b: the first listener heard 500 Hz ($f)" near "${f:-0}" 500 50
read -r s e f < <(tones_only "$D/segs2" | tail -1)
check "b: the second listener heard the next item: 1500 Hz ($f)" near "${f:-0}" 1500 150
check "b: whole, 1.0 s" near_t "$(awk -v s="${s:-0}" -v e="${e:-0}" 'BEGIN { print e - s }')" 1.0 0.05
check "b: chain intact" chain_ok "$D"

# --- c. the output file's disk fills up ----------------------------------------
D=$T/c
station_conf "$D"
mkdir -p "$D/out"
if mount -t tmpfs -o size=256k tmpfs "$D/out" 2>/dev/null; then
	at_exit "umount '$D/out'"
	sed -i "s#^audio: .*#audio: { driver = \"wav\"; file = \"$D/out/out.wav\"; };#" "$D/loaxad.conf"
	tone "$D/audio/long.wav" 3.0 700 # 576 kB of output: more than the disk holds
	tone "$D/audio/short.wav" 0.5 1100
	slot_file "$D/schedules/s.cfg" "Đầy đĩa" "$(hhmmss_in 4)" long.wav short.wav
	loaxad_start "$D"
	check "c: both items logged" wait_plays "$D" 2 20
	check "c: the daemon still answers" bash -c "loaxactl -c $D/loaxad.conf status >/dev/null"
	check "c: the daemon stops cleanly" loaxad_stop "$D"
	play_lines "$D" >"$D/plays"
	check "c: the item that filled the disk failed" test "$(field "$D/plays" long.wav status)" = failed
	check "c: as the device was lost" test "$(field "$D/plays" long.wav reason)" = "audio device lost"
	check "c: it played about what the disk held ($(field "$D/plays" long.wav played_s) s)" \
		awk -v p="$(field "$D/plays" long.wav played_s)" 'BEGIN { exit !(p > 0.8 && p < 2.0) }'
	check "c: the next item complete" test "$(field "$D/plays" short.wav status)" = complete
	check "c: chain intact" chain_ok "$D"
else
	ok "# SKIP c: cannot mount a tmpfs here"
fi

done_testing
