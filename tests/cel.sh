#!/bin/sh
# cel.sh - the rule language: our own language tests (tests/cel/*.test),
# then the public CEL conformance vectors when ../shared/cel-spec (or
# $MDGATE_CEL_SPEC) exists; without them that part is skipped with a note.
# mdgate always type-checks expressions, so the vectors run with --checked:
# tests meant for unchecked evaluation count as out of subset (doc/cel.md).
. "${top_srcdir}/tests/setup"

run "$top_builddir/tests/cel/lang-tests" "$top_srcdir/tests/cel"
expect_rc 0 "language tests"
tail -n 3 "$TMP/out"
[ "$rc" -eq 0 ] || cat "$TMP/out" "$TMP/err" | head -60 >&2

spec=${MDGATE_CEL_SPEC:-$top_srcdir/../shared/cel-spec}
if [ -d "$spec" ]; then
	run "$top_builddir/tests/cel/conformance" --checked --dir "$spec"
	expect_rc 0 "CEL conformance on $spec"
	cat "$TMP/out"
	[ "$rc" -eq 0 ] || cat "$TMP/err" | head -60 >&2
else
	echo "cel conformance: $spec not found, skipped (set MDGATE_CEL_SPEC to run it)"
fi
finish
