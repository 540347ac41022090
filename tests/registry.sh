#!/bin/sh
# registry.sh - the registry end to end on a copy of the example: init,
# submit, review, approve and reject as a site and as the steward, a
# refusal that is recorded, stats that add up, the audit trail verified,
# then tampered with (python3's sqlite3 module) and caught.
. "${top_srcdir}/tests/setup"

in_example_copy

run mdgate review
expect_rc 2 "review before init"
expect_grep "$TMP/err" "registry init" "a missing registry says how to create it"

run mdgate registry init
expect_rc 0 "registry init"
expect_grep "$TMP/out" "schema version [0-9]" "init reports the schema version"
[ -f registry/mdgate.db ] && ok || fail "the registry file and its folder are created"
run mdgate registry init
expect_rc 0 "init again is harmless"

run mdgate submit submissions/DE01-uoms.csv
expect_rc 2 "submit without an identity"
expect_grep "$TMP/err" "--as steward" "the missing identity is explained"

run mdgate submit --as site:DE01 submissions/PL01-uoms.csv
expect_rc 2 "a site submits another site's file"
expect_grep "$TMP/err" "refused" "the refusal is an error"

run mdgate submit --as site:DE01 submissions/DE01-uom_categories.csv submissions/DE01-uoms.csv
expect_rc 1 "submit DE01 (its files carry mistakes)"
expect_grep "$TMP/out" "^submission 1: submissions/DE01-uom_categories.csv (DE01, uom_category)" \
	"submit prints the submission ids"
expect_grep "$TMP/out" "^submission 2: " "one submission per file"

run mdgate submit --as site:PL01 submissions/PL01-uom_categories.csv
expect_rc 1 "submit PL01 (a duplicate key in the file)"

run mdgate review --site DE01
expect_rc 0 "review"
expect_grep "$TMP/out" "submission 1 .*DE01 .*uom_category" "review lists the waiting submission"
expect_no_grep "$TMP/out" "PL01" "review --site filters"

run mdgate approve 3 --as site:DE01
expect_rc 2 "DE01 approving a PL01 submission"
expect_grep "$TMP/err" "belongs to site PL01" "the refusal names the owner"

run mdgate approve 1 --as site:DE01 --comment "checked by the plant"
expect_rc 0 "DE01 approves its own submission"
expect_grep "$TMP/out" "submission 1: 7 records approved by anna (site:DE01)" "approve reports the count"

run mdgate approve 1 --as site:DE01
expect_rc 0 "approving again changes nothing"
expect_grep "$TMP/out" "0 records" "nothing waits any more"

run mdgate reject 2 --as steward --record 2 --comment "wrong unit"
expect_rc 0 "the steward rejects one record"
run mdgate reject 2 --as steward --record 2
expect_rc 2 "a decided record cannot be decided again"
expect_grep "$TMP/err" "not waiting" "the reason is given"

run mdgate approve 3 --as steward
expect_rc 0 "the steward approves PL01's submission"

# Cross-record checks against the registry.
run mdgate check submissions/DE01-uoms.csv
expect_grep "$TMP/out" "15 accepted" "units resolve their categories among golden records"
run mdgate check --registry "$TMP/none.db" submissions/DE01-uoms.csv
expect_rc 2 "--registry naming no registry"
expect_grep "$TMP/err" "none.db: no registry there" "the missing registry is named"
run mdgate approve 2 --as site:DE01
expect_rc 0 "DE01 approves its units"
run mdgate check submissions/PL01-uoms.csv
expect_rc 1 "PL01 units clash with DE01's golden units"
expect_grep "$TMP/out" "already approved for site DE01 (submission 2, record [0-9]*) \[key.registry\]" \
	"key.registry names the other site, submission and record"
run mdgate check submissions/DE01-items.csv
n=$(grep -c "is not a known uom:" "$TMP/out" || true)
if [ "$n" -eq 1 ]; then ok; else fail "items find DE01's golden units (only 'Rolle' unknown, as in the full run): $n"; fi
expect_grep "$TMP/out" "'Rolle' is not a known uom" "the unit no one approved is still unknown"

# Keys DE01 had approved get a second version; the first stays as history.
run mdgate submit --as site:DE01 submissions/DE01-uom_categories.csv
expect_grep "$TMP/out" "^submission 4: " "a second submission of the same file"
run mdgate approve 4 --as site:DE01
expect_rc 0 "approve the resubmission"
if python3 - registry/mdgate.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = c.execute("SELECT version, is_current FROM golden WHERE domain = 'uom_category'"
                 " AND key IN (SELECT key FROM golden WHERE version = 2) ORDER BY key, version").fetchall()
assert rows and rows[0] == (1, 0) and rows[1] == (2, 1), rows
assert c.execute("SELECT COUNT(*) FROM golden WHERE is_current GROUP BY domain, key"
                 " HAVING COUNT(*) > 1").fetchall() == []
PY
then ok; else fail "golden versions: the old one stops being current"; fi

run mdgate registry stats
expect_rc 0 "stats"
expect_grep "$TMP/out" "totals add up" "stats totals add up"
expect_grep "$TMP/out" "approved" "stats counts approved records"

# The steward's initial import: records with errors refused, the rest golden at once.
run mdgate registry import supplier submissions/DE01-suppliers.csv --as site:DE01
expect_rc 2 "a site may not import"
expect_grep "$TMP/err" "only the central steward may import" "the import refusal is explained"
run mdgate registry import supplier submissions/DE01-suppliers.csv --as steward
expect_rc 1 "import with refused records"
expect_grep "$TMP/out" "^import [0-9]*: submissions/DE01-suppliers.csv" "import prints its number"
if python3 - registry/mdgate.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
sub = c.execute("SELECT MAX(id) FROM submissions").fetchone()[0]
ok = c.execute("SELECT COUNT(*) FROM records WHERE submission = ? AND state = 'approved'", (sub,)).fetchone()[0]
bad = c.execute("SELECT COUNT(*) FROM records WHERE submission = ? AND state = 'rejected'", (sub,)).fetchone()[0]
gold = c.execute("SELECT COUNT(*) FROM golden WHERE domain = 'supplier' AND site IS NULL AND is_current").fetchone()[0]
assert ok > 0 and bad > 0 and gold == ok, (ok, bad, gold)
PY
then ok; else fail "import: the valid records are enterprise-wide golden, the others rejected"; fi
run mdgate check submissions/DE01-suppliers.csv
expect_grep "$TMP/out" "already approved enterprise-wide" "a site's key clashes with the central import"

# Fellegi-Sunter parameters estimated from the registry's golden suppliers.
run mdgate dedup --estimate --registry -d supplier
expect_rc 0 "dedup --estimate --registry"
expect_grep "$TMP/out" "^  scoring: fellegi_sunter" "the estimate is a snippet for the match: section"
expect_grep "$TMP/err" "current golden records of the registry" "the estimate says what it read"
run mdgate dedup --estimate --registry -d uom
expect_rc 2 "estimating a domain without a match: section"

run mdgate audit verify
expect_rc 0 "audit verify on an untouched trail"
expect_grep "$TMP/out" "intact" "verify says intact"

run mdgate audit log
expect_rc 0 "audit log"
expect_grep "$TMP/out" "refused" "refusals are in the trail"
expect_grep "$TMP/out" "approved" "approvals are in the trail"
run mdgate audit log --format json
expect_rc 0 "audit log as JSON"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["events"][0]["seq"] == 1' \
	"$TMP/out"; then ok; else fail "audit log JSON parses"; fi

# Tampering: the triggers refuse an UPDATE; drop them and change an event.
if python3 - registry/mdgate.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
try:
    c.execute("UPDATE events SET actor = 'eve' WHERE seq = 2")
    sys.exit(1)
except sqlite3.DatabaseError:
    pass
c.execute("DROP TRIGGER events_no_update")
c.execute("UPDATE events SET actor = 'eve' WHERE seq = 2")
c.commit()
PY
then ok; else fail "the trail's triggers refuse an UPDATE"; fi
run mdgate audit verify
expect_rc 1 "verify finds the changed event"
expect_grep "$TMP/out" "event 2: .*changed" "verify names the changed event"

# Failing writes end with a clear error and leave the registry as it was.
# A registry that cannot be created (its folder cannot be made):
run mdgate registry init --registry /proc/mdgate/x.db
expect_rc 2 "a registry where no folder can be made"
expect_grep "$TMP/err" "/proc/mdgate/x.db: cannot create the folder /proc/mdgate" \
	"the error names the file and why"
# Disk full and read-only need a small file system of their own (tmpfs); where
# mounting is not allowed (not root, a container without CAP_SYS_ADMIN) these
# are skipped with a note, not failed.  The fault-injection unit test
# (test_registry_faults) covers SQLITE_FULL and SQLITE_READONLY everywhere.
trap 'umount "$TMP/small" 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM
BCFG="$top_srcdir/bench/mdgate-norules.yaml"
mkdir -p "$TMP/small"
if mount -t tmpfs -o size=512k tmpfs "$TMP/small" 2>/dev/null; then
	REG="$TMP/small/reg.db"
	awk -v n=4000 -v error_rate=0 -v seed=7 -f "$top_srcdir/bench/gen-items.awk" >"$TMP/items.csv"
	head -21 "$TMP/items.csv" >"$TMP/items20.csv"
	run mdgate submit --as site:BE01 --site BE01 --domain item --config "$BCFG" \
		--registry "$REG" "$TMP/items20.csv"
	expect_rc 0 "a small submission fits"
	mdgate registry stats --config "$BCFG" --registry "$REG" >"$TMP/stats-before"
	run mdgate submit --as site:BE01 --site BE01 --domain item --config "$BCFG" \
		--registry "$REG" "$TMP/items.csv"
	expect_rc 2 "submitting onto a full disk"
	expect_grep "$TMP/err" "$REG: .*the disk is full" "disk full: the error names the file and the cause"
	mdgate registry stats --config "$BCFG" --registry "$REG" >"$TMP/stats-after"
	if cmp -s "$TMP/stats-before" "$TMP/stats-after"; then ok; else
		fail "disk full: the registry changed"; diff "$TMP/stats-before" "$TMP/stats-after" >&2 || true
	fi
	run mdgate audit verify --config "$BCFG" --registry "$REG"
	expect_rc 0 "disk full: the trail is intact"
	if python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); assert c.execute("PRAGMA integrity_check").fetchone()[0]=="ok"' "$REG"
	then ok; else fail "disk full: integrity_check"; fi
	run mdgate approve 1 --as site:BE01 --config "$BCFG" --registry "$REG"
	expect_rc 0 "after a disk-full error the registry works on (a small approval fits)"

	# The same file system remounted read-only: writes refused, reads work.
	if mount -o remount,ro "$TMP/small" 2>/dev/null; then
		run mdgate submit --as site:BE01 --site BE01 --domain item --config "$BCFG" \
			--registry "$REG" "$TMP/items20.csv"
		expect_rc 2 "submitting to a read-only registry"
		expect_grep "$TMP/err" "$REG: .*\(cannot be written\|read-only\|readonly\)" \
			"read-only: the error names the file and the cause"
		run mdgate registry stats --config "$BCFG" --registry "$REG"
		expect_rc 0 "a read-only registry can still be read"
		expect_grep "$TMP/out" "approved *20" "read-only: the earlier approval is there"
	else
		echo "SKIP: cannot remount tmpfs read-only: read-only registry test skipped"
	fi
	umount "$TMP/small"
else
	echo "SKIP: cannot mount a small tmpfs (not root?): disk-full and read-only tests skipped"
fi

finish
