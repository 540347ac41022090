#!/bin/sh
# bench/run.sh - throughput of `mdgate check` on generated items, against
# `wc -l` on the same file.  Usage: bench/run.sh MDGATE SRCDIR [ROWS]
set -eu
MDGATE=$1
SRC=$2
ROWS=${3:-${BENCH_ROWS:-1000000}}
OUT=${BENCH_OUT:-bench/out}
mkdir -p "$OUT"
data="$OUT/items-$ROWS.csv"
if [ ! -f "$data" ]; then
	echo "generating $ROWS item rows (1% with a mistake) in $data"
	awk -v n="$ROWS" -v error_rate=0.01 -v seed=42 -f "$SRC/bench/gen-items.awk" >"$data"
fi
bytes=$(wc -c <"$data")
echo "file: $data, $bytes bytes"

now() { date +%s.%N; }
best() {
	# best NAME CMD...: the best of 3 wall-clock times, in seconds
	name=$1; shift
	b=""
	for i in 1 2 3; do
		t0=$(now)
		"$@" >/dev/null 2>&1 || true
		t1=$(now)
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
		if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN { exit !(t < b) }'; then b=$t; fi
	done
	echo "$b"
}

twc=$(best wc wc -l "$data")
tcheck=$(best check "$MDGATE" check --config "$SRC/examples/acme/mdgate.yaml" \
	--domain item --format json --max-findings 0 -o /dev/null "$data")
awk -v wc="$twc" -v t="$tcheck" -v rows="$ROWS" -v bytes="$bytes" 'BEGIN {
	printf "wc -l:         %8.3f s\n", wc
	printf "mdgate check:  %8.3f s  %12.0f rows/s  %7.1f MB/s  %5.1f x wc -l\n",
		t, rows / t, bytes / t / 1e6, t / wc
}'
if command -v /usr/bin/time >/dev/null 2>&1; then
	/usr/bin/time -f 'peak memory: %M KiB' "$MDGATE" check --config "$SRC/examples/acme/mdgate.yaml" \
		--domain item --format json --max-findings 0 -o /dev/null "$data" 2>&1 >/dev/null | tail -1
fi
