#!/bin/sh
# broken.sh - hostile and oversized input, generated here rather than
# committed: a 12 MB field, 100 000 columns, a YAML alias bomb, deep
# nesting, and a pattern that backtracks.  Each must end with a finding or
# a located error and the documented exit status: never a crash or a hang.
. "${top_srcdir}/tests/setup"

CFG="$top_srcdir/examples/acme/mdgate.yaml"
H='default_code,name,kind,uom,category,weight'

# A 12 MB field: reported on its record, the next record still checked.
{
	echo "$H"
	printf 'AB-1,'
	head -c 12582912 /dev/zero | tr '\0' 'x'
	printf ',storable,PCE,All,1\n'
	echo 'AB-2,Nut,storable,PCE,All,0.2'
} >"$TMP/items.csv"
run mdgate check --config "$CFG" --format json "$TMP/items.csv"
expect_rc 1 "12 MB field"
expect_grep "$TMP/out" '"code": "csv.field_too_long"' "12 MB field is reported"
expect_grep "$TMP/out" '"records": 2' "both records are read"
expect_grep "$TMP/out" '"accepted": 1' "the record after it is accepted"

# 100 000 columns in the header: bounded, reported, no crash.
awk 'BEGIN { printf "default_code"; for (i = 1; i < 100000; i++) printf ",c%d", i; printf "\n" }' \
	>"$TMP/items.csv"
echo 'AB-1' >>"$TMP/items.csv"
run mdgate check --config "$CFG" --format json "$TMP/items.csv"
expect_rc 1 "100 000 columns"
expect_grep "$TMP/out" '"code": "csv.too_many_fields"' "too many fields is reported"

# Binary garbage from /dev/urandom: a finding or an input error, never a crash.
head -c 65536 /dev/urandom >"$TMP/items.csv"
run mdgate check --config "$CFG" "$TMP/items.csv"
if [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]; then ok; else fail "random bytes: exit status $rc"; fi

# Totals add up on a large generated file with mistakes.
awk -v n=20000 -v error_rate=0.05 -v seed=3 -f "$top_srcdir/bench/gen-items.awk" >"$TMP/items.csv"
run mdgate check --config "$CFG" --format json "$TMP/items.csv"
expect_rc 1 "20 000 generated items"
records=$(sed -n 's/^    "records": \([0-9]*\),$/\1/p' "$TMP/out" | tail -1)
accepted=$(sed -n 's/^    "accepted": \([0-9]*\),$/\1/p' "$TMP/out" | tail -1)
review=$(sed -n 's/^    "review": \([0-9]*\),$/\1/p' "$TMP/out" | tail -1)
rejected=$(sed -n 's/^    "rejected": \([0-9]*\),$/\1/p' "$TMP/out" | tail -1)
if [ "$records" = 20000 ] && [ $((accepted + review + rejected)) -eq 20000 ] &&
    [ "$rejected" -gt 500 ]; then
	ok
else
	fail "totals: records=$records accepted=$accepted review=$review rejected=$rejected"
fi

# Definitions: an alias bomb, deep nesting, a backtracking pattern.
mkdir -p "$TMP/def/domains"
cat >"$TMP/def/mdgate.yaml" <<'YAML'
enterprise: Hostile
domains: domains
sites:
  - code: XX01
    name: X
YAML
{
	echo 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'
	prev=a
	for l in b c d e f g h i j; do
		printf '%s: &%s [' "$l" "$l"
		for k in 1 2 3 4 5 6 7 8 9; do printf '*%s,' "$prev"; done
		printf '*%s]\n' "$prev"
		prev=$l
	done
} >"$TMP/def/domains/bomb.yaml"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "["; for (i = 0; i < 5000; i++) printf "]"; printf "\n" }' \
	>"$TMP/def/domains/deep.yaml"
cat >"$TMP/def/domains/thing.yaml" <<'YAML'
domain: thing
key: [code]
odoo: {model: x.thing, xmlid: "thing_{code}"}
fields:
  code: {type: string, required: true, pattern: '^(a|aa)+$'}
YAML
run mdgate lint --config "$TMP/def/mdgate.yaml"
expect_rc 2 "hostile definitions"
expect_grep "$TMP/err" "bomb.yaml:.*document too large" "alias bomb is refused with its location"
expect_grep "$TMP/err" "deep.yaml:1:65: error: nesting deeper than 64 levels" "deep nesting is refused"

rm "$TMP/def/domains/bomb.yaml" "$TMP/def/domains/deep.yaml"
{
	echo code
	printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n'
	echo aaaa
} >"$TMP/things.csv"
run mdgate check --config "$TMP/def/mdgate.yaml" "$TMP/things.csv"
expect_rc 1 "backtracking pattern"
expect_grep "$TMP/out" "field.pattern" "the backtracking value gets a finding"
expect_grep "$TMP/out" "2 records: 1 accepted, 0 for review, 1 rejected" "the matching value is accepted"

finish
