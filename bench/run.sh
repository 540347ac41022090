#!/bin/sh
# bench/run.sh - throughput of `mdgate check` on generated items (field-level
# checks, then with 40 item rules), against
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
# The CSV reader alone, with the file's SHA-256 on another thread as the
# check computes it: the floor of a check that reads the file in one thread.
tscan=""
if [ -x bench/csv-scan ]; then
	tscan=$(best scan bench/csv-scan "$data" --digest)
fi
# Field-level checks of the item domain (types, constraints, keys, references):
# in one thread, then with worker threads on every core.
t1=$(best check1 "$MDGATE" check --threads 1 --config "$SRC/bench/mdgate-norules.yaml" \
	--domain item --no-dedup --format json --max-findings 0 -o /dev/null "$data")
t0=$(best check "$MDGATE" check --config "$SRC/bench/mdgate-norules.yaml" \
	--domain item --no-dedup --format json --max-findings 0 -o /dev/null "$data")
# The same with the 40 item rules of bench/rules40.
t40=$(best rules "$MDGATE" check --config "$SRC/bench/mdgate.yaml" \
	--domain item --no-dedup --format json --max-findings 0 -o /dev/null "$data")
awk -v wc="$twc" -v scan="$tscan" -v t1="$t1" -v t="$t0" -v t40="$t40" -v rows="$ROWS" \
	-v bytes="$bytes" 'BEGIN {
	printf "wc -l:                 %8.3f s\n", wc
	if (scan != "")
		printf "CSV reader + SHA-256:  %8.3f s  %12.0f rows/s  %7.1f MB/s  %5.1f x wc -l\n",
			scan, rows / scan, bytes / scan / 1e6, scan / wc
	printf "check, field level, one thread:\n"
	printf "                       %8.3f s  %12.0f rows/s  %7.1f MB/s  %5.1f x wc -l\n",
		t1, rows / t1, bytes / t1 / 1e6, t1 / wc
	printf "check, field level, every core:\n"
	printf "                       %8.3f s  %12.0f rows/s  %7.1f MB/s  %5.1f x wc -l\n",
		t, rows / t, bytes / t / 1e6, t / wc
	printf "check with 40 rules:   %8.3f s  %12.0f rows/s  %12.0f rule evaluations/s\n",
		t40, rows / t40, 40 * rows / (t40 - t)
}'
if command -v /usr/bin/time >/dev/null 2>&1; then
	for cfg in mdgate-norules mdgate; do
		/usr/bin/time -f "peak memory ($cfg): %M KiB" "$MDGATE" check \
			--config "$SRC/bench/$cfg.yaml" --domain item --no-dedup --format json --max-findings 0 \
			-o /dev/null "$data" 2>&1 >/dev/null | tail -1
	done
fi
