#!/bin/bash
# Broken programmes: corrupt, truncated, not audio, missing. Each is logged
# with its reason and the next item plays.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-audio.sh"

station_conf "$T"
A=$T/audio
tone "$A/ok1.wav" 0.6 400
tone "$A/ok2.wav" 0.6 800
tone "$A/ok3.wav" 0.6 1200
tone "$A/ok4.wav" 0.6 1600
tone "$A/ok5.wav" 0.6 2000
# corrupt: a FLAC whose frames after the header are garbage
tone "$T/full.flac" 2.0 3000 && head -c 200 "$T/full.flac" >"$A/corrupt.flac" && head -c 20000 /dev/urandom >>"$A/corrupt.flac"
# truncated: a WAV cut in the middle (header promises 2 s)
tone "$T/long.wav" 2.0 2600 && head -c 100000 "$T/long.wav" >"$A/truncated.wav"
echo "Đây không phải âm thanh" >"$A/text.ogg"
slot_file "$T/schedules/s.cfg" "Hỏng" "$(hhmmss_in 4)" ok1.wav corrupt.flac ok2.wav truncated.wav ok3.wav text.ogg ok4.wav missing.ogg ok5.wav
loaxad_start "$T"
check "nine items logged" wait_plays "$T" 9 40
loaxad_stop "$T"
play_lines "$T" >"$T/plays"
st() { jq -r "select(.file == \"$1\") | .status" "$T/plays"; }
rs() { jq -r "select(.file == \"$1\") | .reason" "$T/plays"; }
for f in ok1.wav ok2.wav ok3.wav ok4.wav ok5.wav; do check "$f complete" test "$(st $f)" = complete; done
check "corrupt file failed" test "$(st corrupt.flac)" = failed
diag "corrupt: $(rs corrupt.flac); truncated: $(rs truncated.wav); text: $(rs text.ogg); missing: $(rs missing.ogg)"
check "corrupt file has a reason" test -n "$(rs corrupt.flac)" -a "$(rs corrupt.flac)" != null
check "truncated file failed as truncated" bash -c "[ '$(st truncated.wav)' = failed ] && grep -q truncated <<<'$(rs truncated.wav)'"
check "text file failed as not audio" bash -c "[ '$(st text.ogg)' = failed ] && grep -q 'not audio' <<<'$(rs text.ogg)'"
check "missing file skipped as not found" bash -c "[ '$(st missing.ogg)' = skipped ] && grep -q 'not found' <<<'$(rs missing.ogg)'"
check "log order is schedule order" test "$(jq -r .file "$T/plays" | tr '\n' ' ')" = \
	"ok1.wav corrupt.flac ok2.wav truncated.wav ok3.wav text.ogg ok4.wav missing.ogg ok5.wav "
segments "$T/out.wav" >"$T/segs"
tones_only "$T/segs" | awk '{print $3}' >"$T/freqs"
diag "$(tr '\n' ' ' <"$T/freqs")"
check "every good item was heard, in order" bash -c "awk 'BEGIN{want[1]=400;want[2]=800;want[3]=1200;want[4]=1600;want[5]=2000;i=1} { if (i<=5) { d=\$1-want[i]; if (d<0) d=-d; if (d < want[i]*0.1) i++ } } END { exit !(i==6) }' $T/freqs"
check "part of the truncated file was heard" grep -qE '^2[4-7][0-9]{2}$' "$T/freqs"
check "chain intact" chain_ok "$T"
done_testing
