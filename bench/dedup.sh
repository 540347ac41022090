#!/bin/sh
# bench/dedup.sh - duplicate search against the registry at scale:
# REGISTRY_ROWS generated items imported as golden records (the import also
# stores their duplicate index), then NEW_ROWS new items, of which 20 % are
# near-duplicates of registry items (bench/gen-neardups.awk), checked with
# `mdgate check --registry`: wall time, CPU (both cores?), peak memory.
# Then bench/dedup-eval: the planted pairs found, and the recall of the
# indexed search against brute force on a sample.
#   Usage: bench/dedup.sh MDGATE SRCDIR [REGISTRY_ROWS [NEW_ROWS]]
set -eu
MDGATE=$1
SRC=$2
REG_ROWS=${3:-${BENCH_REGISTRY_ROWS:-1000000}}
NEW_ROWS=${4:-${BENCH_NEW_ROWS:-100000}}
OUT=${BENCH_OUT:-bench/out}
CFG="$SRC/bench/mdgate-norules.yaml"
EVAL=${DEDUP_EVAL:-$(dirname "$MDGATE")/bench/dedup-eval}
mkdir -p "$OUT"
reg_csv="$OUT/dedup-registry-$REG_ROWS.csv"
reg_db="$OUT/dedup-registry-$REG_ROWS.db"
new_csv="$OUT/dedup-new-$NEW_ROWS.csv"
truth="$OUT/dedup-truth-$NEW_ROWS.csv"

if [ ! -f "$reg_csv" ]; then
	echo "generating $REG_ROWS registry items in $reg_csv"
	awk -v n="$REG_ROWS" -v error_rate=0 -v seed=11 -f "$SRC/bench/gen-items.awk" >"$reg_csv"
fi
if [ ! -f "$reg_db" ]; then
	echo "importing them into $reg_db (golden records and their duplicate index)"
	/usr/bin/time -f "import: %e s, %P CPU, peak memory %M KiB" \
		"$MDGATE" registry import item "$reg_csv" --as steward --config "$CFG" \
		--registry "$reg_db.tmp" >/dev/null
	mv "$reg_db.tmp" "$reg_db"
fi
echo "generating $NEW_ROWS new items (20 % near-duplicates) in $new_csv"
awk -v n="$NEW_ROWS" -v dup_rate=0.2 -v seed=7 -v truth="$truth" \
	-f "$SRC/bench/gen-neardups.awk" "$reg_csv" >"$new_csv"

# The registry's part without the duplicate search: every business key
# and reference looked up among the golden records.
/usr/bin/time -f "check $NEW_ROWS new against $REG_ROWS, --no-dedup: %e s, %P CPU, peak memory %M KiB" \
	"$MDGATE" check --config "$CFG" --registry "$reg_db" --domain item --format json \
	--no-dedup --max-findings 0 -o /dev/null "$new_csv" || true

# The check a plant or CI runs: field checks, within-run duplicates, and
# duplicates against the registry, with both cores.
/usr/bin/time -f "check $NEW_ROWS new against $REG_ROWS: %e s, %P CPU, peak memory %M KiB" \
	"$MDGATE" check --config "$CFG" --registry "$reg_db" --domain item --format json \
	--max-findings 0 -o "$OUT/dedup-report.json" "$new_csv" || true
grep -o '"\(records\|accepted\|review\|rejected\)": [0-9]*' "$OUT/dedup-report.json" | tail -4 |
	tr '\n' ' '
echo
if [ -x "$EVAL" ]; then
	"$EVAL" "$CFG" "$reg_db" item "$new_csv" "$truth" "${DEDUP_SAMPLE:-200}"
else
	echo "($EVAL not built: make bench/dedup-eval)"
fi
