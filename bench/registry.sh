#!/bin/sh
# bench/registry.sh - the registry at scale: import 1 000 000 golden items
# (the file bench/run.sh generates), then submit and approve 100 000 more
# items with keys of their own, and the cost of the registry checks in
# `mdgate check` (the same 100 000-row file with and without --registry).
# Usage: bench/registry.sh MDGATE SRCDIR [ROWS [NEW]]
set -eu
MDGATE=$1
SRC=$2
ROWS=${3:-${BENCH_ROWS:-1000000}}
NEW=${4:-${BENCH_NEW_ROWS:-100000}}
OUT=${BENCH_OUT:-bench/out}
mkdir -p "$OUT"
CFG="$SRC/bench/mdgate-norules.yaml"
base="$OUT/items-$ROWS.csv"
if [ ! -f "$base" ]; then
	echo "generating $ROWS item rows in $base"
	awk -v n="$ROWS" -v error_rate=0.01 -v seed=42 -f "$SRC/bench/gen-items.awk" >"$base"
fi
# NEW rows numbered after the first ROWS (codes and barcodes do not collide).
total=$((ROWS + NEW))
new="$OUT/items-new-$NEW.csv"
if [ ! -f "$new" ]; then
	echo "generating $NEW further item rows in $new"
	awk -v n="$total" -v error_rate=0.01 -v seed=42 -f "$SRC/bench/gen-items.awk" |
		awk -v skip="$ROWS" 'NR == 1 || NR > skip + 1' >"$new"
fi
REG="$OUT/registry.db"
rm -f "$REG" "$REG-wal" "$REG-shm"
MDGATE_ACTOR=bench
export MDGATE_ACTOR

now() { date +%s.%N; }
timed() {
	# timed LABEL ROWS CMD...: one run, its wall-clock time and rows/s
	label=$1; rows=$2; shift 2
	a=$(now)
	rc=0
	"$@" >"$OUT/registry-last.out" 2>&1 || rc=$?
	b=$(now)
	awk -v l="$label" -v a="$a" -v b="$b" -v r="$rows" -v rc="$rc" 'BEGIN {
		t = b - a
		printf "%-42s %9.3f s  %10.0f rows/s  (exit %d)\n", l, t, r / t, rc }'
	if [ "$rc" -ge 2 ]; then
		echo "bench/registry.sh: failed:"; tail -5 "$OUT/registry-last.out"; exit 1
	fi
}

timed "registry import of $ROWS items:" "$ROWS" \
	"$MDGATE" registry import item "$base" --as steward --config "$CFG" --registry "$REG"
timed "check of $NEW items, no registry:" "$NEW" \
	"$MDGATE" check --config "$CFG" --domain item --no-dedup --format json --max-findings 0 \
	-o /dev/null "$new"
timed "check of $NEW items, --registry:" "$NEW" \
	"$MDGATE" check --config "$CFG" --registry "$REG" --domain item --no-dedup --format json \
	--max-findings 0 -o /dev/null "$new"
timed "submit of $NEW items (site BE01):" "$NEW" \
	"$MDGATE" submit --as site:BE01 --site BE01 --config "$CFG" --registry "$REG" \
	--domain item --format json -o /dev/null "$new"
sub=$(sed -n 's/^submission \([0-9]*\):.*/\1/p' "$OUT/registry-last.out" | head -1)
timed "approve of submission $sub:" "$NEW" \
	"$MDGATE" approve "$sub" --as site:BE01 --config "$CFG" --registry "$REG"
cat "$OUT/registry-last.out"
timed "audit verify:" 1 "$MDGATE" audit verify --config "$CFG" --registry "$REG"
"$MDGATE" registry stats --config "$CFG" --registry "$REG" | head -20
echo "registry file: $(du -h "$REG" | cut -f1)"
