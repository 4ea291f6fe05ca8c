#!/bin/bash
# The ALSA path: libao's alsa driver into an ALSA "file" PCM over "null",
# so the test hears exactly what the sound card would have been given.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

[ -e /usr/lib/x86_64-linux-gnu/ao/plugins-4/libalsa.so ] || ls /usr/lib/*/ao/plugins-4/libalsa.so >/dev/null 2>&1 ||
	skip_all "libao's ALSA plugin is not installed"
station_conf "$T"
sed -i 's#^audio: .*#audio: { driver = "alsa"; options = { dev = "loaxatest"; }; rate = 48000; channels = 2; };#' "$T/loaxad.conf"
cat >"$T/asoundrc" <<EOC
pcm.loaxatest {
	type file
	slave.pcm "null"
	file "$T/alsa-out.raw"
	format "raw"
}
EOC
export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf
export HOME=$T && cp "$T/asoundrc" "$T/.asoundrc"
tone "$T/audio/a.wav" 1.0 500 48000 2
tone "$T/audio/b.wav" 1.5 1500 44100 1
slot_file "$T/schedules/s.cfg" "ALSA" "$(hhmmss_in 4)" a.wav b.wav
loaxad_start "$T"
check "two items logged" wait_plays "$T" 2
loaxad_stop "$T"
play_lines "$T" >"$T/plays"
check "both complete" test "$(jq -r .status "$T/plays" | sort -u)" = complete
check "ALSA file PCM received samples" test -s "$T/alsa-out.raw"
segments "$T/alsa-out.raw" --raw 48000 2 >"$T/segs"
tones_only "$T/segs" >"$T/tones"
diag "$(cat "$T/segs")"
check "two tones" test "$(wc -l <"$T/tones")" = 2
read -r s1 e1 f1 < <(sed -n 1p "$T/tones")
read -r s2 e2 f2 < <(sed -n 2p "$T/tones")
check "first tone 500 Hz, 1.0 s" bash -c "$(declare -f near near_t); near $f1 500 50 && near_t \$(awk 'BEGIN{print $e1-$s1}') 1.0 0.05"
check "second tone 1500 Hz, 1.5 s" bash -c "$(declare -f near near_t); near $f2 1500 150 && near_t \$(awk 'BEGIN{print $e2-$s2}') 1.5 0.05"
check "no gap between them" near_t "$s2" "$e1" 0.015
first=$(head -1 "$T/plays")
check "start within 50 ms of scheduled" near_t "$(seconds_between "$(jq -r .scheduled <<<"$first")" "$(jq -r .start <<<"$first")")" 0 0.05
done_testing
