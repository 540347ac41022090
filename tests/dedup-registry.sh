#!/bin/sh
# dedup-registry.sh - duplicate detection against the registry, end to end
# on a copy of the example: the steward imports DE01's suppliers; PL01's
# and US01's Würth are then suspected duplicates of an approved record
# (dup.registry, with the candidate named and explained); the steward's
# decisions are remembered (approve: different, never raised again;
# reject --duplicate: the same, dup.confirmed from then on); a record's
# own earlier version is not its duplicate; a changed definition makes the
# stored index stale (said, and the check still right); reindex; and the
# index survives a failed transaction unchanged.
. "${top_srcdir}/tests/setup"

in_example_copy
S=submissions
q() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("\n".join("|".join(str(x) for x in r) for r in c.execute(sys.argv[2])))' registry/mdgate.db "$1"; }

run mdgate registry import supplier $S/DE01-suppliers.csv --as steward
expect_rc 1 "import DE01's suppliers (two are refused)"
[ "$(q "SELECT records FROM match_index WHERE domain='supplier'")" = 10 ] && ok ||
	fail "the import stores the duplicate index of its 10 golden suppliers"
[ "$(q "SELECT COUNT(*) FROM match_records WHERE domain='supplier'")" = 10 ] && ok ||
	fail "one match record per golden supplier"

# A check names the approved candidate and explains the pair.
run mdgate check --explain $S/PL01-suppliers.csv
expect_rc 1 "check PL01 against the registry"
expect_grep "$TMP/out" "warning: probable duplicate of the approved supplier 'V-DE-70012' (score 1.000) \[dup.registry\]" \
	"PL01's Würth is a suspected duplicate of the approved one"
expect_grep "$TMP/out" "~ registry V-DE-70012: score 1.000, duplicate" "the explanation names the golden record"
expect_grep "$TMP/out" "    vat: 'DE146298737' ~ 'DE146298737' as 'DE146298737' ~ 'DE146298737': exact 1.000, adds +0.364" \
	"each compared field: both values, normalised, the measure and what it added"
expect_grep "$TMP/out" "1 for review" "the suspected record waits for review"
run mdgate check --format json $S/PL01-suppliers.csv
expect_grep "$TMP/out" '"registry": true' "the JSON report names the registry side"
expect_grep "$TMP/out" '"normalised_a": "wurth industrie service"' "the JSON explanation"

# Submitted: the suspect waits for review; approving it says "different".
run mdgate submit --as site:PL01 $S/PL01-suppliers.csv
expect_rc 1 "submit PL01"
[ "$(q "SELECT other_key, in_registry FROM match_suspects")" = "V-DE-70012|1" ] && ok ||
	fail "the submission keeps the suspected pair"
[ "$(q "SELECT state FROM records WHERE submission=2 AND record=1")" = review ] && ok ||
	fail "the suspected record waits for review"
run mdgate approve 2 --record 1 --as steward -m "two Würth companies"
expect_rc 0 "the steward approves PL01's Würth"
[ "$(q "SELECT key_a, key_b, same, decided_by, comment FROM match_decisions")" = \
  "V-DE-70012|V-PL-20451|0|anna|two Würth companies" ] && ok ||
	fail "approving records the pair as different records"
[ "$(q "SELECT COUNT(*) FROM match_records WHERE domain='supplier'")" = 11 ] && ok ||
	fail "the approved record joins the duplicate index"
run mdgate check $S/PL01-suppliers.csv
expect_no_grep "$TMP/out" "dup.registry" \
	"a decided pair is not raised again, and a record is no duplicate of its own version"

# US01's Würth is like both approved ones; the steward rejects it as a duplicate.
run mdgate check $S/US01-suppliers.csv
expect_grep "$TMP/out" "approved supplier 'V-DE-70012' (score 0.973) \[dup.registry\]" "US01 ~ DE01"
expect_grep "$TMP/out" "approved supplier 'V-PL-20451' (site PL01) (score 0.973) \[dup.registry\]" \
	"US01 ~ PL01 (its site named)"
run mdgate submit --as site:US01 $S/US01-suppliers.csv
expect_rc 1 "submit US01"
run mdgate reject 3 --record 1 --duplicate --as steward -m "the same Würth"
expect_rc 0 "the steward rejects US01's Würth as a duplicate"
[ "$(q "SELECT COUNT(*) FROM match_decisions WHERE key_b='V-US-30077' AND same=1")" = 2 ] && ok ||
	fail "both pairs are remembered as the same record"
run mdgate check $S/US01-suppliers.csv
expect_rc 1 "check US01 again"
expect_grep "$TMP/out" "error: a steward decided that this is the same supplier as the approved record 'V-DE-70012'; send a change of that record instead \[dup.confirmed\]" \
	"a confirmed duplicate is rejected from then on"
run mdgate approve 3 --duplicate --as steward
expect_rc 2 "--duplicate is for reject"

# The audit trail records the verdicts.
run mdgate audit log
expect_grep "$TMP/out" '"pairs":"same"' "the rejection's event carries the verdict"

# A changed definition: the stored index is stale; the check says so and
# still finds the pair (it indexes in memory); reindex stores it again.
sed 's/weight: 3}/weight: 3} # changed/' ../../domains/supplier.yaml >"$TMP/s.yaml"
cp "$TMP/s.yaml" ../../domains/supplier.yaml
run mdgate check $S/MX01-suppliers.csv $S/US01-suppliers.csv
expect_grep "$TMP/out" "\[dup.index_stale\]" "a stale index is said"
expect_grep "$TMP/out" "dup.confirmed" "and the check is still right"
run mdgate registry reindex
expect_rc 0 "reindex"
expect_grep "$TMP/out" "supplier: 11 golden records indexed" "reindex counts the golden records"
run mdgate check $S/US01-suppliers.csv
expect_no_grep "$TMP/out" "dup.index_stale" "after reindex the stored index is used"

# A damaged index (its postings overwritten) is not trusted: the check
# indexes the golden records itself, says so, and finds the same pairs.
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE match_index SET postings = x'"'"'4d44474d49583100ffffffff'"'"' WHERE domain = '"'"'supplier'"'"'"); c.commit()' registry/mdgate.db
run mdgate check $S/US01-suppliers.csv
expect_rc 1 "check with a damaged index"
expect_grep "$TMP/out" "\[dup.index_stale\]" "a damaged index is said"
expect_grep "$TMP/out" "dup.confirmed" "and the check is still right"
run mdgate registry reindex
expect_rc 0 "reindex repairs it"

# A reindex that fails (the registry cannot be written) changes nothing.
before=$(q "SELECT built_at FROM match_index WHERE domain='supplier'")
chmod a-w registry registry/mdgate.db
if [ -w registry/mdgate.db ]; then
	echo "SKIP: running as a user who can write anyway: the read-only reindex is skipped"
else
	run mdgate registry reindex
	expect_rc 2 "reindex of a read-only registry"
	[ "$(q "SELECT built_at FROM match_index WHERE domain='supplier'")" = "$before" ] && ok ||
		fail "a failed reindex leaves the index as it was"
fi
chmod u+w registry registry/mdgate.db

# Many look-alikes: the five best are named, the others counted.
BCFG="$top_srcdir/bench/mdgate-norules.yaml"
H=default_code,name,kind,uom,purchase_uom,category,barcode
{
	echo "$H"
	for i in 1 2 3 4 5 6 7; do
		echo "IT-00$i,Hex bolt M8 x 20,storable,PCE,PCE,All / Saleable,"
	done
} >"$TMP/golden-nobarcode.csv"
run mdgate registry import item "$TMP/golden-nobarcode.csv" --as steward --config "$BCFG" \
	--registry "$TMP/items.db"
expect_rc 0 "import seven look-alike items"
printf '%s\nNW-1,HEX BOLT M8x20,storable,PCE,PCE,All / Saleable,\n' "$H" >"$TMP/new.csv"
run mdgate check --config "$BCFG" --registry "$TMP/items.db" --domain item "$TMP/new.csv"
[ "$(grep -c '\[dup.registry\]' "$TMP/out")" = 5 ] && ok ||
	fail "five look-alikes named (got $(grep -c '\[dup.registry\]' "$TMP/out"))"
expect_grep "$TMP/out" "and 2 more approved item records score at least 0.85 against this one; the 5 best are named \[dup.more\]" \
	"the others are counted"

# The clusters of the registry itself (cleaning up what Odoo holds): the
# pair the steward called different is not one.
run mdgate dedup --registry
expect_rc 0 "no cluster among the golden suppliers once the pair is decided"
expect_grep "$TMP/out" "supplier: 11 records compared" "dedup --registry compares the golden records"
run mdgate registry import supplier $S/US01-suppliers.csv --as steward
run mdgate dedup --registry --format json
expect_rc 1 "an imported look-alike makes a cluster"
expect_grep "$TMP/out" '"file": "registry"' "the registry's records are named by key"
expect_grep "$TMP/out" '"key": "V-US-30077"' "the imported look-alike is in the cluster"
finish
