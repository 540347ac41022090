#!/bin/sh
# parallel.sh - a big file is checked by worker threads (check.c, "batches"):
# the report must be the very same as with one thread, byte for byte, on
# generated items with mistakes, on a site's file in its own dialect with
# the example's rules, value maps and duplicate keys, and on records whose
# text is not valid UTF-8 (the patterns' UTF-8 check is skipped only for
# records the reader found clean).
. "${top_srcdir}/tests/setup"

CFG="$top_srcdir/bench/mdgate-norules.yaml"
ITEMS="$TMP/items.csv"

# same_report WHAT ARGS...: --threads 1 and --threads 3 give the same
# JSON and text reports and exit status.
same_report() {
	what=$1
	shift
	for fmt in json text; do
		run mdgate check --threads 1 --no-progress --format "$fmt" "$@"
		rc1=$rc
		cp "$TMP/out" "$TMP/one.$fmt"
		run mdgate check --threads 3 --no-progress --format "$fmt" "$@"
		# 0 or 1: a crash, a sanitizer's or valgrind's report is neither.
		if [ "$rc1" -le 1 ] && [ "$rc" -le 1 ]; then ok; else
			fail "$what ($fmt): exit status $rc1 with one thread, $rc with 3"
			sed 's/^/  stderr: /' "$TMP/err" | head -20 >&2
		fi
		if [ "$rc" -eq "$rc1" ]; then ok; else
			fail "$what ($fmt): exit status $rc with 3 threads, $rc1 with one"
		fi
		if cmp -s "$TMP/one.$fmt" "$TMP/out"; then ok; else
			fail "$what ($fmt): the reports differ"
			diff "$TMP/one.$fmt" "$TMP/out" | head -20 >&2
		fi
	done
}

# 30 000 generated items, 5 % with a mistake: past the first 4 096
# records, the rest go through the workers.
awk -v n=30000 -v error_rate=0.05 -v seed=7 -f "$top_srcdir/bench/gen-items.awk" >"$ITEMS"
same_report "generated items" --config "$CFG" --domain item "$ITEMS"
# The report really has findings from past the first batches.
run mdgate check --threads 3 --no-progress --format json --config "$CFG" --domain item "$ITEMS"
late=$(grep -o '"line": *[0-9]*' "$TMP/out" | awk -F: '$2 > 20000' | wc -l)
if [ "$late" -gt 100 ]; then ok; else fail "generated items: $late findings past line 20000"; fi

# Wide records: a batch holds fewer of them, so the memory in flight stays
# about what one thread needs (2 000 columns, 5 000 records; the workers
# once held 1 024 records of results per batch: 1.2 GB for 20 000 columns).
awk 'BEGIN { n = 2000; h = "c1"; for (i = 2; i <= n; i++) h = h ",c" i; print h
	r = "x"; for (i = 2; i <= n; i++) r = r ",x"; for (k = 0; k < 5000; k++) print r }' \
	>"$TMP/wide.csv"
same_report "wide records" --config "$CFG" --domain item "$TMP/wide.csv"
# (Not under valgrind or ThreadSanitizer, whose own memory per thread is
# larger than what is measured.)
if [ "${MDGATE_VALGRIND:-0}" != 1 ] && [ -z "${TSAN_OPTIONS:-}" ]; then
	# maxrss THREADS: the peak resident set of a check, in KiB.
	maxrss() {
		python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
			"$MDGATE" check --threads "$1" --no-progress --config "$CFG" --domain item \
			-o /dev/null "$TMP/wide.csv"
	}
	one=$(maxrss 1)
	three=$(maxrss 3)
	if [ "$three" -lt $((one + 64 * 1024)) ]; then ok; else
		fail "wide records: $three KiB with 3 threads, $one KiB with one"
	fi
fi

# Every record damaged: NUL bytes, invalid UTF-8, bad numbers, ragged rows
# (the reader's problems and the column checks' travel with the batches).
python3 -c 'import sys
out = sys.stdout.buffer
out.write(b"default_code,name,kind,uom,weight,valid_from\n")
for i in range(6000):
    out.write(b"IT-%07d,Bolt\x00 M%d,storable,PCE,1%s5,2026-13-01\n" % (i, i, b",x" if i % 3 else b""))
    if i % 5 == 0:
        out.write(b"IT-\xff%d,Nut,storable,PCE\n" % i)' >"$TMP/damaged.csv"
same_report "damaged records" --config "$CFG" --domain item "$TMP/damaged.csv"
run mdgate check --threads 3 --no-progress --config "$CFG" --domain item "$TMP/damaged.csv"
expect_grep "$TMP/out" "csv.nul" "NUL bytes reported"
expect_grep "$TMP/out" "field.date" "bad dates reported"

# The 40 rules of the benchmark, which the workers evaluate themselves.
same_report "generated items with 40 rules" --config "$top_srcdir/bench/mdgate.yaml" \
	--domain item "$ITEMS"

# Invalid UTF-8 in a field with a pattern, far into the file, and a NUL.
awk 'NR == 25000 { sub(/^IT-/, "IT-\377") } NR == 26000 { sub(/^IT-/, "IT-\001") } { print }' \
	"$ITEMS" >"$TMP/bad-utf8.csv"
same_report "invalid UTF-8" --config "$CFG" --domain item "$TMP/bad-utf8.csv"
run mdgate check --threads 3 --no-progress --config "$CFG" --domain item "$TMP/bad-utf8.csv"
expect_grep "$TMP/out" "is not valid UTF-8 \\[field.pattern\\]" "invalid UTF-8 reported by the pattern"

# The example's Augsburg plant: windows-1252, ';', decimal comma, German
# value maps, the rules in force; its items 500 times over, so that every
# key but the first of each is a duplicate.
in_example_copy
{
	head -1 submissions/DE01-items.csv
	i=0
	while [ $i -lt 500 ]; do
		sed 1d submissions/DE01-items.csv
		i=$((i + 1))
	done
} >"$TMP/DE01-items.csv"
same_report "a site's file with rules" "$TMP/DE01-items.csv"
run mdgate check --threads 3 --no-progress "$TMP/DE01-items.csv"
expect_grep "$TMP/out" "key.duplicate" "duplicate keys found across batches"

# With a registry, ref() of a unit the run lacks asks it: such records'
# rules are evaluated by the reading thread, in order.
run mdgate registry import uom_category submissions/DE01-uom_categories.csv --as steward
expect_grep "$TMP/out" "7 accepted" "registry import of the unit categories"
run mdgate registry import uom submissions/DE01-uoms.csv --as steward
expect_grep "$TMP/out" "15 accepted" "registry import of the units"
same_report "a site's file with rules and a registry" "$TMP/DE01-items.csv"

# A unit the registry lacks: a worker gives the rules the field as good,
# the reading thread finds it unresolved, and the record's rules are
# evaluated again without it (the rule naming it does not run).
cat >>../../rules/central/item.yaml <<'YAML'

  - id: TEST-UOM
    description: a rule naming the unit without ref()
    check: uom != 'NOPE'
    field: uom
    severity: warning
    message: "unit {uom} is NOPE"
YAML
mkdir -p "$TMP/nope"
awk -F';' 'BEGIN { OFS = ";" } NR > 1 && NR % 7 == 0 { $4 = "NOPE" } { print }' \
	"$TMP/DE01-items.csv" >"$TMP/nope/DE01-items.csv"
same_report "a unit the registry lacks" "$TMP/nope/DE01-items.csv"
run mdgate check --threads 3 --no-progress "$TMP/nope/DE01-items.csv"
expect_grep "$TMP/out" "NOPE.*ref.unresolved" "the unit is unresolved"
expect_no_grep "$TMP/out" "TEST-UOM" "the rule naming it does not run"

finish
