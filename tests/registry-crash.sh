#!/bin/sh
# registry-crash.sh - nothing lost: the approval of a large submission is
# killed (SIGKILL) at many moments, and each time the registry passes
# PRAGMA integrity_check, the submission is wholly approved or not at all
# and the audit trail verifies; then two sites approve at the same time and
# both succeed with no record lost or doubled.
. "${top_srcdir}/tests/setup"

N=50000
mkdir -p "$TMP/ex/examples"
cp -R "$top_srcdir/domains" "$top_srcdir/rules" "$TMP/ex/"
cp -R "$top_srcdir/examples/acme" "$TMP/ex/examples/"
cd "$TMP/ex/examples/acme"
rm -rf registry
awk -v n=$N 'BEGIN { print "Category Code,Category Name"
	for (i = 1; i <= n; i++) printf "C%06d,Category %d\n", i, i }' >US01-uom_categories.csv
awk -v n=5000 'BEGIN { print "Category Code,Category Name"
	for (i = 1; i <= n; i++) printf "P%06d,Kategoria %d\n", i, i }' >PL01-uom_categories.csv

run mdgate registry init
expect_rc 0 "init"
run mdgate submit --as site:US01 US01-uom_categories.csv
expect_rc 0 "submit a large file"

state() {
	python3 - registry/mdgate.db "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
sub = int(sys.argv[2])
a = c.execute("SELECT COUNT(*) FROM records WHERE submission = ? AND state = 'approved'", (sub,)).fetchone()[0]
g = c.execute("SELECT COUNT(*) FROM golden g JOIN records r ON r.id = g.from_record"
              " WHERE r.submission = ?", (sub,)).fetchone()[0]
e = c.execute("SELECT COUNT(*) FROM events WHERE kind = 'approved' AND submission = ?", (sub,)).fetchone()[0]
print(a, g, e)
PY
}

killed=0
for delay in 0 0.02 0.05 0.1 0.15 0.2 0.25 0.3 0.4 0.5 0.6 0.8; do
	"$MDGATE" approve 1 --as site:US01 >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	s=$(state 1) || { fail "integrity_check after a kill at ${delay}s"; break; }
	case "$s" in
	"0 0 0") killed=$((killed + 1)); ok ;;
	"$N $N 1") ok; break ;;
	*) fail "after a kill at ${delay}s the submission is half approved: $s"; break ;;
	esac
	run mdgate audit verify
	expect_rc 0 "the trail verifies after a kill at ${delay}s"
done
echo "approval killed $killed times before it completed"
[ "$killed" -gt 0 ] && ok || fail "no kill landed inside the approval (too fast a machine?)"
run mdgate approve 1 --as site:US01
case "$(state 1)" in
"$N $N 1") ok ;;
*) fail "the approval completes after the kills: $(state 1)" ;;
esac

# Two sites deciding at once: both succeed, nothing lost or doubled.
run mdgate submit --as site:US01 US01-uom_categories.csv
expect_rc 0 "submit US01 again"
run mdgate submit --as site:PL01 PL01-uom_categories.csv
expect_rc 0 "submit PL01"
"$MDGATE" approve 2 --as site:US01 >"$TMP/a.out" 2>&1 &
p1=$!
"$MDGATE" approve 3 --as site:PL01 >"$TMP/b.out" 2>&1 &
p2=$!
"$MDGATE" reject 3 --as site:PL01 --record 1 >"$TMP/c.out" 2>&1 &
p3=$!
r1=0; r2=0
wait "$p1" || r1=$?
wait "$p2" || r2=$?
wait "$p3" || true
[ "$r1" -eq 0 ] && ok || { fail "concurrent approve US01: $r1"; cat "$TMP/a.out" >&2; }
[ "$r2" -eq 0 ] || grep -q "not waiting" "$TMP/b.out" && ok ||
	{ fail "concurrent approve PL01: $r2"; cat "$TMP/b.out" >&2; }
if python3 - registry/mdgate.db $N <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
# US01: every key has two versions, exactly one current.
assert c.execute("SELECT COUNT(*) FROM golden WHERE key LIKE 'C%'").fetchone()[0] == 2 * n
assert c.execute("SELECT COUNT(*) FROM golden WHERE key LIKE 'C%' AND is_current").fetchone()[0] == n
# PL01: 5000 records, each decided exactly once (approved, or record 1 rejected).
rows = c.execute("SELECT state, COUNT(*) FROM records WHERE submission = 3 GROUP BY state").fetchall()
assert sum(n for _, n in rows) == 5000 and all(s in ("approved", "rejected") for s, _ in rows), rows
assert c.execute("SELECT COUNT(*) FROM golden WHERE key LIKE 'P%'").fetchone()[0] == \
       c.execute("SELECT COUNT(*) FROM records WHERE submission = 3 AND state = 'approved'").fetchone()[0]
PY
then ok; else fail "concurrent decisions: records lost or doubled"; fi
run mdgate audit verify
expect_rc 0 "the trail verifies after concurrent decisions"
run mdgate registry stats
expect_grep "$TMP/out" "totals add up" "stats add up after all this"

finish
