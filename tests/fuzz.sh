#!/bin/sh
# fuzz.sh - replay every fuzz target over its committed corpus: inputs a
# fuzzer once found (and the seeds) stay regression tests on any compiler.
. "${top_srcdir}/tests/setup"

for t in csv-read yaml-domain cel-parse; do
	run "$top_builddir/tests/fuzz/replay-$t" "$top_srcdir/tests/fuzz/corpus/$t"
	expect_rc 0 "replay of the $t corpus"
	expect_grep "$TMP/out" "replayed [1-9]" "the $t corpus is not empty"
done
finish
