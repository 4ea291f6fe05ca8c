# lib-audio.sh: reading what the speakers would have heard (sourced).

# segments FILE [--raw RATE CH]: "tone START END FREQ" / "silence START END"
segments() {
	if [ $# -gt 1 ]; then wavsegments --raw "$3" "$4" "$1"; else wavsegments "$1"; fi
}

# seg_seconds SEGFILE: the length of the output SEGFILE was read from, seconds
seg_seconds() { awk '$1 == "format" { print $4 / $2 }' "$1"; }

# longest_silence SEGFILE [AFTER]: the longest silence in it (of those
# that start after AFTER seconds), seconds
longest_silence() {
	awk -v a="${2:-}" '$1 == "silence" && (a == "" || $2 > a) && $3 - $2 > m { m = $3 - $2 } END { print m + 0 }' "$1"
}

# tones_only SEGFILE: the tone lines with frequencies, one per line: "START END FREQ"
tones_only() { awk '$1 == "tone" && ($3 - $2) >= 0.03 { print $2, $3, $4 }' "$1"; }

# near A B TOL: |A - B| <= TOL (floating point)
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
# near_t A B TOL: the same for a timing; under valgrind everything runs many
# times slower, so timing tolerances widen by LOAXA_TOL_SCALE.
near_t() { near "$1" "$2" "$(awk -v t="$3" -v k="${LOAXA_TOL_SCALE:-1}" 'BEGIN { print t * k }')"; }

# seconds_between ISO1 ISO2: ISO2 - ISO1 in seconds (fractional)
seconds_between() {
	local a b
	a=$(date -d "$1" +%s.%N) b=$(date -d "$2" +%s.%N)
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f\n", b - a }'
}
