#!/bin/bash
# Files that are not what they claim to be, named where loaxa reads input:
# a FIFO, a folder and a device as schedule items, schedule files, the
# config and programmes to publish; and text nested deeper than any
# schedule, config or manifest needs. Each costs one item or one file,
# refused with its reason (the item logged "skipped", the file named with
# FILE:LINE); nothing hangs, and the daemon goes on playing and answering.
source "$(dirname "$0")/test-lib.sh"

need jq sox minisign

# quick SECONDS COMMAND...: the command ends within SECONDS (its status kept
# in $RC, its output in $OUT); a command that blocks is killed
quick() {
	local limit=$1
	shift
	OUT=$(timeout -k 2 "$limit" "$@" 2>&1)
	RC=$?
	echo "$OUT" | sed 's/^/#   /' >&2
	[ "$RC" != 124 ] && [ "$RC" != 137 ]
}
refused_with() { [ "$RC" != 0 ] && grep -q -- "$1" <<<"$OUT"; }

# nested N OPEN CLOSE: N levels of OPEN ... CLOSE around a 1, on one line
nested() { printf "%${1}s" | tr ' ' "$2"; printf 1; printf "%${1}s" | tr ' ' "$3"; }

# --- the daemon: items that are not regular files ------------------------------

S=$T/station
P=$T/pub
mkdir -p "$P"
minisign -G -W -f -p "$P.pub" -s "$P.sec" </dev/null >/dev/null
# the province's manifest nests 40 levels deep (jansson alone takes 2048)
jq -cn --argjson deep "$(nested 40 '[' ']')" \
	'{format: "loaxa-manifest/1", province: "bac-giang", version: 1,
	  issued: "2026-01-01T00:00:00+07:00", expires: "2099-01-01T00:00:00+07:00",
	  programmes: [], schedules: [], extra: $deep}' >"$P/manifest.json"
minisign -S -s "$P.sec" -m "$P/manifest.json" -t "deep" </dev/null >/dev/null
station_conf "$S" "province: { manifest_url = \"file://$P/manifest.json\";
	public_key = \"$(tail -n 1 "$P.pub")\"; };"
A=$S/audio
tone "$A/ok1.wav" 0.5 500
tone "$A/ok2.wav" 0.5 1000
tone "$A/ok3.wav" 0.5 1500
mkfifo "$A/pipe.wav"
mkdir "$A/folder.wav"
slot_file "$S/schedules/s.cfg" "Lạ" "$(hhmmss_in 4)" ok1.wav pipe.wav ok2.wav folder.wav /dev/zero ok3.wav
loaxad_start "$S" || bail "loaxad did not start"
check "six items logged" wait_plays "$S" 6 40
check "the daemon still answers" quick 10 loaxactl -c "$S/loaxad.conf" status
play_lines "$S" >"$T/plays"
st() { jq -r --arg f "$1" 'select(.file == $f) | .status' "$T/plays"; }
rs() { jq -r --arg f "$1" 'select(.file == $f) | .reason' "$T/plays"; }
diag "pipe: $(st pipe.wav) $(rs pipe.wav); folder: $(st folder.wav) $(rs folder.wav); /dev/zero: $(st /dev/zero) $(rs /dev/zero)"
for f in pipe.wav folder.wav /dev/zero; do
	check "$f: skipped as not a regular file" \
		eval '[ "$(st $f)" = skipped ] && grep -q "not a regular file" <<<"$(rs $f)"'
done
for f in ok1.wav ok2.wav ok3.wav; do check "$f complete" test "$(st $f)" = complete; done
check "log order is schedule order" test "$(jq -r .file "$T/plays" | tr '\n' ' ')" = \
	"ok1.wav pipe.wav ok2.wav folder.wav /dev/zero ok3.wav "

# --- schedule files and the config ------------------------------------------------

mkfifo "$S/schedules/pipe.cfg"
check "reload with a FIFO among the schedules ends" quick 10 loaxactl -c "$S/loaxad.conf" reload
check "and is refused, naming it: not a regular file" refused_with "pipe.cfg.*not a regular file"
check "the daemon still answers after it" quick 10 loaxactl -c "$S/loaxad.conf" status
rm "$S/schedules/pipe.cfg"
mkfifo "$T/today.cfg"
check "loaxactl load FIFO ends" quick 10 loaxactl -c "$S/loaxad.conf" load "$T/today.cfg"
check "load FIFO: refused, not a regular file" refused_with "not a regular file"
check "loaxactl check FIFO ends" quick 10 loaxactl -c "$S/loaxad.conf" check "$T/today.cfg"
check "check FIFO: FILE: not a regular file" refused_with "^$T/today.cfg: .*not a regular file"
mkfifo "$T/pipe.conf"
check "loaxad --check on a FIFO config ends" quick 10 loaxad -c "$T/pipe.conf" --check
check "FIFO config: FILE: not a regular file" refused_with "^$T/pipe.conf: .*not a regular file"
check "loaxactl status with a FIFO config ends" quick 10 loaxactl -c "$T/pipe.conf" status
check "status, FIFO config: refused, not a regular file" refused_with "not a regular file"

# --- nesting -------------------------------------------------------------------------

check "the manifest nested 40 deep is rejected, and why" wait_for 20 grep -q \
	"manifest.json:1: nesting too deep: more than 16 levels" "$S/daemon.log"
grep "manifest rejected" "$S/daemon.log" | sed 's/^/#   /' >&2
{
	echo "slots = ( { start = \"05:00\";"
	echo "  items = ( \"a\" ); } );"
	echo "x = $(nested 17 '(' ')');"
} >"$T/deep17.cfg"
check "a schedule nested 17 deep: checked" quick 10 loaxactl -c "$S/loaxad.conf" check "$T/deep17.cfg"
check "FILE:LINE: nesting too deep, the limit named" \
	refused_with "^$T/deep17.cfg:3: nesting too deep: more than 16 levels"
{
	echo "slots = ( { start = \"05:00\"; items = ( \"a\" ); } ); # ((((( in a comment"
	echo "/* (((((((((((((((((((((( */ y = \"((((((((((((((((((((((\";"
	echo "x = $(nested 16 '(' ')');"
} >"$T/deep16.cfg"
quick 10 loaxactl -c "$S/loaxad.conf" check "$T/deep16.cfg"
check "16 deep (and brackets in strings and comments) is no nesting error" \
	eval '! grep -q "nesting" <<<"$OUT"'
echo "x = $(nested 200000 '(' ')');" >"$T/deep.cfg"
check "a schedule nested 200,000 deep: checked" quick 10 loaxactl -c "$S/loaxad.conf" check "$T/deep.cfg"
check "schedule 200,000 deep: FILE:LINE, not memory exhausted" \
	eval 'refused_with "^$T/deep.cfg:1: nesting too deep" && ! grep -q "memory exhausted" <<<"$OUT"'
cp "$S/loaxad.conf" "$T/deep.conf"
printf 'extra =\n%s;\n' "$(nested 100000 '(' ')')" >>"$T/deep.conf"
check "a config nested 100,000 deep: checked" quick 10 loaxad -c "$T/deep.conf" --check
check "config 100,000 deep: FILE:LINE, not memory exhausted" \
	eval 'refused_with "^$T/deep.conf:[0-9]*: nesting too deep" && ! grep -q "memory exhausted" <<<"$OUT"'
cp "$T/deep17.cfg" "$S/schedules/deep.cfg"
check "reload with it: refused, naming the file and line" quick 10 loaxactl -c "$S/loaxad.conf" reload
check "reload, 17 deep: FILE:LINE: nesting too deep" refused_with "deep.cfg:3: nesting too deep"
rm "$S/schedules/deep.cfg"

# --- the daemon went on --------------------------------------------------------------

slot_file "$S/schedules/s2.cfg" "Sau" "$(hhmmss_in 3)" ok1.wav
check "a good reload" quick 10 loaxactl -c "$S/loaxad.conf" reload
check "the next session plays" wait_plays "$S" 7 30
check "the daemon stops cleanly" loaxad_stop "$S"
check "chain intact" chain_ok "$S"

# --- loaxa-province publish ------------------------------------------------------------

mkdir -p "$T/progs" "$T/out"
tone "$T/progs/ban-tin.wav" 0.5 700
mkfifo "$T/progs/pipe.wav"
check "publish with a FIFO among the programmes ends" quick 20 \
	loaxa-province publish --key "$P.sec" --programmes "$T/progs" --out "$T/out"
check "publish, FIFO programme: FILE: not a regular file" refused_with "$T/progs/pipe.wav: .*not a regular file"
rm "$T/progs/pipe.wav"
mkdir -p "$T/scheds"
mkfifo "$T/scheds/pipe.cfg"
check "publish with a FIFO among the schedules ends" quick 20 \
	loaxa-province publish --key "$P.sec" --programmes "$T/progs" --schedules "$T/scheds" --out "$T/out"
check "publish, FIFO schedule: FILE: not a regular file" refused_with "$T/scheds/pipe.cfg: .*not a regular file"

done_testing
