#!/bin/sh
# export.sh - `mdgate export` and `mdgate check --export` on a registry
# built from the example (each plant submits its files and the steward
# approves them, plant after plant): golden CSV and XML exports
# (tests/golden-export/csv, tests/golden-export/xml), the same IDs on a second export,
# every relation pointing at an earlier file or row (manifest order), the
# data-module layout, --since, the export list and audit events, and the
# refusals: a dangling relation (exit 1, nothing written), usage errors.
# MDGATE_REGEN=1 rewrites the golden exports (on purpose only).
. "${top_srcdir}/tests/setup"

GOLD="$top_srcdir/tests/golden-export"
in_example_copy

# submit_approve SITE FILE...: the site submits, the steward approves every submission.
submit_approve() {
	site=$1
	shift
	mdgate submit --as "site:$site" "$@" >"$TMP/sub" 2>&1 || true
	for id in $(sed -n 's/^submission \([0-9]*\): .*/\1/p' "$TMP/sub"); do
		mdgate approve "$id" --as steward >/dev/null
	done
}

run mdgate export --format odoo-csv --out "$TMP/none"
expect_rc 2 "export before the registry exists"
mdgate registry init >/dev/null
for s in DE01 PL01 US01 MX01 CZ01; do
	submit_approve "$s" submissions/"$s"-*.csv
done

# Usage errors.
run mdgate export --out "$TMP/x"
expect_rc 2 "export without --format"
expect_grep "$TMP/err" "give --format" "the missing format is named"
run mdgate export --format odoo-json --out "$TMP/x"
expect_rc 2 "an unknown format"
run mdgate export --format odoo-csv
expect_rc 2 "export without --out"
run mdgate export --format odoo-csv --module acme_mdg --out "$TMP/x"
expect_rc 2 "--module with CSV"
run mdgate export --format odoo-xml --module other --out "$TMP/x"
expect_rc 2 "--module not named after the prefix"
expect_grep "$TMP/err" "named after the external-ID" "the reason is given"
run mdgate export --format odoo-csv --domain nosuch --out "$TMP/x"
expect_rc 2 "an unknown domain"
run mdgate export --format odoo-csv --since 99 --out "$TMP/x"
expect_rc 2 "--since an export that does not exist"
expect_grep "$TMP/err" "no export 99" "the missing export is named"
[ ! -e "$TMP/x" ] && ok || fail "a refused export writes nothing"

# The golden exports.
run mdgate export --format odoo-csv --out "$TMP/csv"
expect_rc 0 "export odoo-csv"
expect_grep "$TMP/out" "^export 1: [0-9]* records in 8 files written to" "export prints its number"
run mdgate export --format odoo-xml --out "$TMP/xml"
expect_rc 0 "export odoo-xml"
for f in csv xml; do
	if [ "${MDGATE_REGEN:-0}" = 1 ]; then
		rm -rf "$GOLD/$f"
		cp -R "$TMP/$f" "$GOLD/$f"
		echo "regenerated tests/golden-export/$f"
	fi
	# The manifests differ only in the export number.
	if diff -r "$GOLD/$f" "$TMP/$f" >"$TMP/diff"; then ok; else
		fail "the $f export differs from tests/golden-export/$f"
		head -40 "$TMP/diff" >&2
	fi
done

# Every file is in the manifest with its model, rows and SHA-256.
if python3 - "$TMP/csv" "$TMP/xml" <<'PY'
import hashlib, json, os, sys
for d in sys.argv[1:]:
    m = json.load(open(os.path.join(d, "manifest.json")))
    files = sorted(f for f in os.listdir(d) if f != "manifest.json")
    assert sorted(f["file"] for f in m["files"]) == files, (files, m["files"])
    assert m["records"] == sum(f["records"] for f in m["files"])
    for f in m["files"]:
        data = open(os.path.join(d, f["file"]), "rb").read()
        assert hashlib.sha256(data).hexdigest() == f["sha256"], f["file"]
        assert f["file"].startswith(f["model"] + "."), f
PY
then ok; else fail "manifest: files, rows and SHA-256"; fi

# Load order: every relation points at a record Odoo has (another module's
# ID), one of an earlier file, or an earlier row of the same file.
if python3 - "$TMP/csv" <<'PY'
import csv, json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
where = {}
problems = []
for fi, f in enumerate(m["files"]):
    rows = list(csv.DictReader(open(os.path.join(d, f["file"]), newline="", encoding="utf-8")))
    assert len(rows) == f["records"], f["file"]
    for ri, row in enumerate(rows):
        assert row["id"] not in where, "duplicate id " + row["id"]
        for col, val in row.items():
            if not col.endswith("/id") or not val:
                continue
            for ref in val.split(","):
                if not ref.startswith(m["module"] + "."):
                    continue
                t = where.get(ref) or where.get(ref[:-len("_product_template")] if ref.endswith("_product_template") else None)
                if t is None or t > (fi, ri):
                    problems.append("%s row %d %s -> %s" % (f["file"], ri + 2, col, ref))
        where[row["id"]] = (fi, ri)
assert not problems, problems[:10]
PY
then ok; else fail "manifest order respects every relation"; fi
# The same for the XML files, read back with Python's XML parser.
if python3 - "$TMP/xml" <<'PY'
import json, os, sys
import xml.etree.ElementTree as ET
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
where = {}
problems = []
n = 0
for fi, f in enumerate(m["files"]):
    root = ET.parse(os.path.join(d, f["file"])).getroot()
    assert root.tag == "odoo"
    recs = root.findall("record")
    assert len(recs) == f["records"], f["file"]
    for ri, rec in enumerate(recs):
        assert rec.get("model") == f["model"]
        for fld in rec.findall("field"):
            ref = fld.get("ref")
            if ref and ref.startswith(m["module"] + "."):
                base = ref[:-len("_product_template")] if ref.endswith("_product_template") else ref
                t = where.get(ref) or where.get(base)
                if t is None or t > (fi, ri):
                    problems.append("%s %s -> %s" % (f["file"], rec.get("id"), ref))
        where[rec.get("id")] = (fi, ri)
        n += 1
assert n == m["records"]
assert not problems, problems[:10]
PY
then ok; else fail "XML: manifest order respects every ref"; fi

# A second export gives every record the same external ID.
run mdgate export --format odoo-csv --out "$TMP/csv2"
expect_rc 0 "second export"
for f in "$TMP"/csv/*.csv; do
	if cmp -s "$f" "$TMP/csv2/$(basename "$f")"; then ok; else
		fail "re-export: $(basename "$f") changed"
	fi
done
expect_grep "$TMP/csv2/manifest.json" '"export": 3' "the second CSV export is export 3"

# The target must be new or empty.
run mdgate export --format odoo-csv --out "$TMP/csv"
expect_rc 2 "export into a folder that holds an export"
expect_grep "$TMP/err" "not empty" "the refusal says why"

# A new empty folder may be given (and is kept when the export is refused);
# a trailing slash is fine.  One site's records only.
mkdir "$TMP/empty"
run mdgate export --format odoo-csv --site CZ01 --out "$TMP/empty/"
expect_rc 0 "export --site into an empty folder"
expect_grep "$TMP/out" " 7 records in 1 files" "only CZ01's suppliers"
expect_grep "$TMP/empty/res.partner.csv" "^acme_mdg.supplier_v_cz_" "CZ01's vendors"

# An installable data module.
run mdgate export --format odoo-xml --module acme_mdg --out "$TMP/mod"
expect_rc 0 "export --module"
for f in __init__.py __manifest__.py data/uom.uom.xml data/product.product.xml; do
	[ -f "$TMP/mod/acme_mdg/$f" ] && ok || fail "module: acme_mdg/$f is missing"
done
if python3 - "$TMP/mod" <<'PY'
import ast, json, os, sys
d = sys.argv[1]
man = ast.literal_eval(open(os.path.join(d, "acme_mdg", "__manifest__.py")).read())
m = json.load(open(os.path.join(d, "manifest.json")))
assert man["data"] == [f["file"][len("acme_mdg/"):] for f in m["files"]], man["data"]
for dep in ("uom", "product", "stock", "mrp", "account"):
    assert dep in man["depends"], dep
PY
then ok; else fail "module: __manifest__.py lists the data files in load order"; fi
if command -v xmllint >/dev/null 2>&1; then
	if xmllint --noout "$TMP"/xml/*.xml "$TMP"/mod/acme_mdg/data/*.xml; then ok; else
		fail "xmllint: the XML files are well-formed"
	fi
fi

# Incremental: a plant changes one work center's hourly rate; the steward
# approves; --since writes that record only, under the same external ID.
sed 's/92,50/99,90/' submissions/DE01-workcenters.csv >"$TMP/DE01-workcenters.csv"
submit_approve DE01 --site DE01 "$TMP/DE01-workcenters.csv"
run mdgate export --format odoo-csv --since 3 --out "$TMP/inc"
expect_rc 0 "export --since"
expect_grep "$TMP/out" "^export 6: 1 records in 1 files" "only the changed record"
if grep -q '^acme_mdg.workcenter_de01_cnc_01,DE01-CNC-01,.*,99.90,' "$TMP/inc/mrp.workcenter.csv"
then ok; else fail "--since: the changed record, with its ID"; fi
expect_grep "$TMP/inc/manifest.json" '"since": 3' "the manifest names the base export"

run mdgate export --list
expect_rc 0 "export --list"
expect_grep "$TMP/out" "^6 .* anna .*odoo-csv .* 1 .* 1  3 " "the list shows the incremental export"
expect_grep "$TMP/out" "^4 .* site CZ01" "the list shows the filters"
run mdgate export --list --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [e["export"] for e in d["exports"]] == [1,2,3,4,5,6]' \
	"$TMP/out"; then ok; else fail "export --list --json"; fi
run mdgate audit log
n=$(grep -c "exported" "$TMP/out" || true)
[ "$n" -eq 6 ] && ok || fail "six exported events in the trail: $n"
run mdgate audit verify
expect_rc 0 "the trail is intact after the exports"

# A dangling relation: the steward approves DE01's items but rejects the
# units they use; the export is refused, names each record, writes nothing.
R2="$TMP/r2.db"
mdgate submit --as site:DE01 --registry "$R2" submissions/DE01-uom_categories.csv \
	submissions/DE01-uoms.csv submissions/DE01-items.csv >/dev/null 2>&1 || true
mdgate approve 1 --as steward --registry "$R2" >/dev/null
mdgate reject 2 --as steward --registry "$R2" >/dev/null
mdgate approve 3 --as steward --registry "$R2" >/dev/null
run mdgate export --format odoo-csv --registry "$R2" --out "$TMP/dangling"
expect_rc 1 "export with dangling relations"
expect_grep "$TMP/err" "error: item 'BOX-K37', field purchase_uom: refers to uom 'BOX10', which is neither in this export" \
	"the dangling relation names domain, key, field and target"
expect_grep "$TMP/err" "export refused; nothing was written" "the refusal is stated"
[ ! -e "$TMP/dangling" ] && ok || fail "a refused export writes nothing"
mkdir "$TMP/dangling-empty"
run mdgate export --format odoo-xml --registry "$R2" --out "$TMP/dangling-empty"
expect_rc 1 "export with dangling relations into an empty folder"
[ -d "$TMP/dangling-empty" ] && [ -z "$(ls -A "$TMP/dangling-empty")" ] && ok ||
	fail "the empty folder is left as it was"
n=$(ls -a "$TMP" | grep -c '\.tmp-' || true)
[ "$n" -eq 0 ] && ok || fail "no temporary folder is left behind"
run mdgate export --list --registry "$R2"
expect_no_grep "$TMP/out" "^1 " "a refused export is not recorded"
# Exporting the units' domain on its own still works (its relations resolve).
run mdgate export --format odoo-csv --registry "$R2" --domain uom_category --out "$TMP/cats"
expect_rc 0 "export of one domain"
expect_grep "$TMP/cats/manifest.json" '"file": "uom.category.csv"' "one file"

# check --export: the accepted records of a run, without a registry.
run mdgate check --no-registry --export "$TMP/chk" submissions/DE01-*.csv
expect_rc 1 "check --export keeps the check's exit status"
expect_grep "$TMP/err" "106 accepted records in 8 files" "every accepted record is exported"
expect_no_grep "$TMP/chk/uom.category.csv" "kraft" "a rejected record is not exported"
expect_no_grep "$TMP/chk/mrp.workcenter.csv" "DE01-GRD-02" "a rejected work center is not exported"
expect_grep "$TMP/chk/mrp.workcenter.csv" "^acme_mdg.workcenter_de01_cnc_01," "an accepted one is"
run mdgate check --no-registry --export "$TMP/chk2" --export-format odoo-xml submissions/PL01-*.csv
expect_rc 1 "check --export --export-format odoo-xml"
expect_no_grep "$TMP/chk2/mrp.workcenter.xml" "PL01-LAB-01" "a record held for review (warning) is not exported"
run mdgate check --no-registry --export "$TMP/chk3" --export-format odoo-yaml submissions/PL01-items.csv
expect_rc 2 "check --export-format with an unknown format"

finish
