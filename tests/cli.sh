#!/bin/sh
# cli.sh - the command line: help, usage errors, exit codes, lint.
. "${top_srcdir}/tests/setup"

EX="$top_srcdir/examples/acme"

run mdgate --help
expect_rc 0 "mdgate --help"
expect_grep "$TMP/out" "Usage: mdgate" "--help shows usage"
expect_grep "$TMP/out" "check" "--help lists check"
expect_grep "$TMP/out" "lint" "--help lists lint"

run mdgate --version
expect_rc 0 "--version"
expect_grep "$TMP/out" "^mdgate [0-9]" "--version prints the version"

run mdgate
expect_rc 2 "no command"

run mdgate frobnicate
expect_rc 2 "unknown command"
expect_grep "$TMP/err" "unknown command 'frobnicate'" "unknown command is named"

for c in check lint; do
	run mdgate "$c" --help
	expect_rc 0 "$c --help"
	expect_grep "$TMP/out" "Usage: mdgate $c" "$c --help shows its usage"
	run mdgate help "$c"
	expect_rc 0 "help $c"
	expect_grep "$TMP/out" "Usage: mdgate $c" "help $c shows its usage"
done

# Unique prefixes select a command.
run mdgate li --config "$EX/mdgate.yaml"
expect_rc 0 "prefix 'li' runs lint"

run mdgate check --bogus x.csv
expect_rc 2 "unknown option"
expect_grep "$TMP/err" "unknown option '--bogus'" "unknown option is named"

run mdgate check --config "$EX/mdgate.yaml"
expect_rc 2 "check without files"
expect_grep "$TMP/err" "no files to check" "check without files says so"

run mdgate check --config "$EX/mdgate.yaml" --format yaml x.csv
expect_rc 2 "unknown format"

run mdgate check --config "$EX/mdgate.yaml" --delimiter ':' x.csv
expect_rc 2 "bad delimiter"

run mdgate check --config "$EX/mdgate.yaml" --site XX99 "$TMP/items.csv"
expect_rc 2 "unknown site"
expect_grep "$TMP/err" "unknown site 'XX99'" "unknown site is named"

printf 'a,b\n1,2\n' >"$TMP/stuff.csv"
run mdgate check --config "$EX/mdgate.yaml" "$TMP/stuff.csv"
expect_rc 2 "domain not told by the file name"
expect_grep "$TMP/err" "cannot tell the domain" "the domain question is asked"

run mdgate check --config "$EX/mdgate.yaml" "$TMP/does-not-exist-items.csv"
expect_rc 2 "missing file"
expect_grep "$TMP/err" "does-not-exist-items.csv" "the missing file is named"

run sh -c "cd '$TMP' && '$MDGATE' lint"
expect_rc 2 "lint without mdgate.yaml"
expect_grep "$TMP/err" "no mdgate.yaml" "missing configuration is explained"

run mdgate lint --config "$EX/mdgate.yaml"
expect_rc 0 "lint of the example"
expect_grep "$TMP/out" "no errors" "lint of the example is clean"

# MDGATE_CONFIG is honoured.
run env MDGATE_CONFIG="$EX/mdgate.yaml" "$MDGATE" lint -q
expect_rc 0 "lint with MDGATE_CONFIG"

# A clean file passes the gate with 0; a file with an error fails it with 1.
printf 'code,name,category,uom_type,factor,rounding\nBOX12,Box of 12,UNIT,bigger,0.0833333,1\n' >"$TMP/uoms.csv"
run mdgate check --config "$EX/mdgate.yaml" "$TMP/uoms.csv"
expect_rc 0 "a clean file"
expect_grep "$TMP/out" "1 record, 1 accepted, 0 rejected" "clean file totals"
printf 'code,name,category,uom_type,factor,rounding\nBOX12,Box of 12,UNIT,bigger,0,1\n' >"$TMP/uoms.csv"
run mdgate check --config "$EX/mdgate.yaml" "$TMP/uoms.csv"
expect_rc 1 "a file with an error"

# --output writes the report to a file; an unwritable one is exit 2.
run mdgate check --config "$EX/mdgate.yaml" --format json -o "$TMP/r.json" "$TMP/uoms.csv"
expect_rc 1 "--output"
expect_grep "$TMP/r.json" '"format": "mdgate-check-report"' "--output holds the JSON report"
run mdgate check --config "$EX/mdgate.yaml" -o "$TMP/no/such/dir/r.txt" "$TMP/uoms.csv"
expect_rc 2 "unwritable --output"

# Colour only when asked or on a terminal, and never with NO_COLOR.
run mdgate check --config "$EX/mdgate.yaml" --color always "$TMP/uoms.csv"
expect_grep "$TMP/out" "$(printf '\033')\[" "--color always colours"
run env NO_COLOR=1 "$MDGATE" check --config "$EX/mdgate.yaml" "$TMP/uoms.csv"
expect_no_grep "$TMP/out" "$(printf '\033')\[" "NO_COLOR"

# Suspected duplicates within a run, and --no-dedup turning the search off.
run sh -c "cd '$EX' && '$MDGATE' check --no-registry submissions/DE01-suppliers.csv submissions/PL01-suppliers.csv"
expect_rc 1 "DE01 and PL01 suppliers"
expect_grep "$TMP/out" "probable duplicate of submissions/DE01-suppliers.csv line 2" "the Würth pair is found"
run sh -c "cd '$EX' && '$MDGATE' check --no-registry --no-dedup submissions/DE01-suppliers.csv submissions/PL01-suppliers.csv"
expect_rc 1 "DE01 and PL01 suppliers, --no-dedup"
expect_no_grep "$TMP/out" "dup.suspect" "--no-dedup finds no duplicates"

finish
