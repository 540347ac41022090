#!/bin/sh
# match-diff.sh - differential test of the similarity measures: 12 000
# seeded pairs (tests/match_diff.py) compared with python3-levenshtein and
# python3-jellyfish as seen by Debian's /usr/bin/python3 (the python3 first
# on PATH may be another interpreter without them).  Skips (77) without them.
. "${top_srcdir}/tests/setup"

PY=/usr/bin/python3
DRIVER="${top_builddir:-.}/tests/unit/test_match_sim"

if [ ! -x "$PY" ]; then
	echo "SKIP: $PY not found (needed for the reference implementations)"
	exit 77
fi
if ! "$PY" -c 'import jellyfish, Levenshtein' >/dev/null 2>&1; then
	echo "SKIP: $PY cannot import jellyfish and Levenshtein" \
	    "(apt-get install python3-jellyfish python3-levenshtein)"
	exit 77
fi
if [ ! -x "$DRIVER" ]; then
	echo "SKIP: $DRIVER not built (it needs cmocka)"
	exit 77
fi

run "$PY" "$top_srcdir/tests/match_diff.py" "$TMP/pairs.tsv" 12000 20240605
expect_rc 0 "match_diff.py writes the reference pairs"
sed 's/^/  /' "$TMP/err" >&2

run "$DRIVER" "$TMP/pairs.tsv"
cat "$TMP/out"
sed 's/^/  /' "$TMP/err" | head -40 >&2
expect_rc 0 "measures agree with the references"
expect_grep "$TMP/out" "^12000 pairs," "all 12000 pairs compared"
expect_grep "$TMP/out" " 0 mismatches" "no mismatch"

finish
