#!/bin/sh
# gen-neardups.sh - bench/gen-neardups.awk on a small registry: 300 new rows,
# 30 % near-duplicates.  The row count and header, a truth file that fits
# dup_rate and points at registry rows, new codes only, a batch that passes
# `mdgate check`, and the same output for the same seed.
. "${top_srcdir}/tests/setup"

GEN="$top_srcdir/bench/gen-neardups.awk"
CFG="$top_srcdir/bench/mdgate-norules.yaml"
REG="$TMP/registry-items.csv"
NEW="$TMP/new-items.csv"
TRUTH="$TMP/truth.csv"

awk -v n=2000 -v error_rate=0 -v seed=5 -f "$top_srcdir/bench/gen-items.awk" >"$REG"
run awk -v n=300 -v dup_rate=0.3 -v seed=11 -v truth="$TRUTH" -f "$GEN" "$REG"
expect_rc 0 "gen-neardups.awk"
cp "$TMP/out" "$NEW"

# 300 rows after the header of gen-items.awk.
rows=$(($(wc -l <"$NEW") - 1))
if [ "$rows" -eq 300 ]; then ok; else fail "row count: $rows, expected 300"; fi
if [ "$(head -1 "$NEW")" = "$(head -1 "$REG")" ]; then ok; else
	fail "header: $(head -1 "$NEW")"
fi

# The truth: about 30 % of 300 (within +-30 %), three fields, known kinds.
dups=$(wc -l <"$TRUTH")
if [ "$dups" -ge 63 ] && [ "$dups" -le 117 ]; then ok; else
	fail "truth: $dups near-duplicates, expected about 90"
fi
bad=$(awk -F, 'NF != 3 || $3 !~ /^((abbrev|reorder|size|word|typo|case)\+)+barcode_(same|empty|new)$/' "$TRUTH" | wc -l)
if [ "$bad" -eq 0 ]; then ok; else fail "truth: $bad malformed lines"; fi

# Every truth registry_code is a registry row; every truth new_code a new
# row; no new code is in the registry.
missing=$(awk -F, 'FILENAME == ARGV[1] { if (FNR > 1) reg[$1] = 1; next }
	!($2 in reg) { n++ } END { print n + 0 }' "$REG" "$TRUTH")
if [ "$missing" -eq 0 ]; then ok; else fail "truth: $missing registry codes not in the registry"; fi
missing=$(awk -F, 'FILENAME == ARGV[1] { if (FNR > 1) new[$1] = 1; next }
	!($1 in new) { n++ } END { print n + 0 }' "$NEW" "$TRUTH")
if [ "$missing" -eq 0 ]; then ok; else fail "truth: $missing new codes not in the batch"; fi
clash=$(awk -F, 'FILENAME == ARGV[1] { if (FNR > 1) reg[$1] = 1; next }
	FNR > 1 && ($1 in reg) { n++ } END { print n + 0 }' "$REG" "$NEW")
if [ "$clash" -eq 0 ]; then ok; else fail "$clash new codes are registry codes"; fi
distinct=$(awk -F, 'NR > 1 { print $1 }' "$NEW" | sort -u | wc -l)
if [ "$distinct" -eq 300 ]; then ok; else fail "new codes: $distinct distinct of 300"; fi

# A near-duplicate is not a copy: its name differs from its source's.
same=$(awk -F, 'FILENAME == ARGV[1] { if (FNR > 1) name[$1] = $2; next }
	FILENAME == ARGV[2] { src[$1] = $2; next }
	FNR > 1 && ($1 in src) && $2 == name[src[$1]] { n++ } END { print n + 0 }' \
	"$REG" "$TRUTH" "$NEW")
if [ "$same" -eq 0 ]; then ok; else fail "$same near-duplicates keep their source's name"; fi

# The batch passes the field-level checks of the item domain.
run mdgate check --config "$CFG" --domain item --no-dedup --no-registry --format json \
	--max-findings 0 "$NEW"
expect_rc 0 "mdgate check of the batch"
expect_grep "$TMP/out" '"errors": 0,' "no error findings"
expect_grep "$TMP/out" '"accepted": 300,' "every row accepted"

# The same seed gives the same files; another seed others.
awk -v n=300 -v dup_rate=0.3 -v seed=11 -v truth="$TMP/truth2.csv" -f "$GEN" "$REG" >"$TMP/new2.csv"
if cmp -s "$NEW" "$TMP/new2.csv" && cmp -s "$TRUTH" "$TMP/truth2.csv"; then ok; else
	fail "the same seed gives different output"
fi
awk -v n=300 -v dup_rate=0.3 -v seed=12 -f "$GEN" "$REG" >"$TMP/new3.csv"
if cmp -s "$NEW" "$TMP/new3.csv"; then fail "another seed gives the same output"; else ok; fi

# error_rate plants mistakes that the checks find.
awk -v n=300 -v dup_rate=0.3 -v seed=11 -v error_rate=0.2 -f "$GEN" "$REG" >"$TMP/new-errors.csv"
run mdgate check --config "$CFG" --domain item --no-dedup --no-registry "$TMP/new-errors.csv"
expect_rc 1 "mdgate check of a batch with error_rate=0.2"

finish
