#!/bin/sh
# reports.sh - the report formats of `mdgate check` on the example and on
# hostile input: the same totals and digests in every format; JUnit against
# the XSD (xmllint) and read by junitparser; SARIF against the 2.1.0 schema
# (jsonschema); the HTML page in headless Chromium (no console error, its
# script ran, a screenshot); the rejects file's round trip; escaping of
# hostile values; --changed-since in a scratch git repository.  Parts whose
# tool (or ../shared) is missing are skipped with a message saying so.
. "${top_srcdir}/tests/setup"

EX="$top_srcdir/examples/acme"
SCHEMAS="$top_srcdir/../shared/schemas"
PY=/usr/bin/python3
CFG="--config $EX/mdgate.yaml --no-registry --no-progress"

skip() {
	echo "SKIP: $*"
}

pymod() {
	[ -x "$PY" ] && "$PY" -c "import $1" 2>/dev/null
}

# ------------------------------------------------------------ every format
cd "$EX"
for f in text json html junit sarif github; do
	run mdgate check $CFG --format "$f" --summary "$TMP/all.md" submissions/*.csv
	expect_rc 1 "--format $f of the example"
	cp "$TMP/out" "$TMP/all.$f"
done
cp "$TMP/all.md" "$TMP/all.markdown"

# The same totals everywhere: records = accepted + review + rejected.
if [ -x "$PY" ]; then
	run "$PY" - "$TMP" <<'PYEOF'
import json, re, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
rd = lambda f: open(f"{d}/all.{f}", encoding="utf-8").read()
got = {}
m = re.search(r"(\d+) records?: (\d+) accepted, (\d+) for review, (\d+) rejected", rd("text"))
got["text"] = tuple(map(int, m.groups()))
t = json.loads(rd("json"))["totals"]
got["json"] = (t["records"], t["accepted"], t["review"], t["rejected"])
h = rd("html")
got["html"] = tuple(int(re.search(r"<b>(\d+)</b>" + w, h).group(1)) for w in
                    ("records read", "accepted", "waiting for review", "rejected"))
s = [0, 0, 0, 0]
for suite in ET.fromstring(rd("junit").encode()).iter("testsuite"):
    p = {e.get("name"): e.get("value") for e in suite.iter("property")}
    for i, k in enumerate(("records", "accepted", "review", "rejected")):
        s[i] += int(p[k])
got["junit"] = tuple(s)
p = json.loads(rd("sarif"))["runs"][0]["properties"]
got["sarif"] = (p["records"], p["accepted"], p["review"], p["rejected"])
m = re.search(r"::notice title=mdgate::\d+ files?, (\d+) records: (\d+) accepted, (\d+) for review, (\d+) rejected", rd("github"))
got["github"] = tuple(map(int, m.groups()))
m = re.search(r"\| (\d+) \| (\d+) \| (\d+) \| (\d+) \| \d+ \| \d+ \|", rd("markdown"))
got["markdown"] = tuple(map(int, m.groups()))
print(got)
vals = set(got.values())
assert len(vals) == 1, got
r, a, v, j = vals.pop()
assert r == a + v + j and r > 0, got
# The digests of the inputs and of the rules, in every format.
rep = json.loads(rd("json"))
digests = [rep["rules_sha256"]] + [f["sha256"] for f in rep["files"]]
for f in ("text", "html", "junit", "sarif", "github", "markdown"):
    text = rd(f)
    missing = [x for x in digests if x not in text]
    assert not missing, (f, missing)
PYEOF
	expect_rc 0 "the same totals and digests in every format"
	[ "$rc" -eq 0 ] || cat "$TMP/err" >&2
else
	skip "no python3: the totals across formats are not compared"
fi

# ------------------------------------------------------------------- JUnit
run mdgate check $CFG --format junit --junit-per record submissions/*.csv
cp "$TMP/out" "$TMP/all-record.junit"
if command -v xmllint >/dev/null 2>&1 && [ -f "$SCHEMAS/junit.xsd" ]; then
	for f in all.junit all-record.junit; do
		run xmllint --noout --nonet --schema "$SCHEMAS/junit.xsd" "$TMP/$f"
		expect_rc 0 "$f is valid against the JUnit XSD"
	done
else
	skip "xmllint (libxml2-utils) or ../shared/schemas/junit.xsd missing: JUnit not validated"
fi
if pymod junitparser; then
	run "$PY" - "$TMP/all.junit" "$TMP/all-record.junit" "$TMP/all.json" <<'PYEOF'
import json, sys
from junitparser import JUnitXml, Failure
rep = json.load(open(sys.argv[3]))
errors = {}
for f in rep["findings"]:
    if f["severity"] == "error":
        errors.setdefault(f["file"], set()).add(f["code"])
for path in sys.argv[1:3]:
    xml = JUnitXml.fromfile(path)
    suites = list(xml)
    assert len(suites) == len(rep["files"]), path
    for s in suites:
        failed = [c for c in s if any(isinstance(r, Failure) for r in c.result)]
        if "record" not in path:
            assert {c.name for c in failed} == errors.get(s.name, set()), (s.name, [c.name for c in failed])
        assert s.failures == len(failed)
        assert s.tests == len(list(s))
print("ok")
PYEOF
	expect_rc 0 "junitparser reads the JUnit reports; failures are the error codes"
	[ "$rc" -eq 0 ] || cat "$TMP/err" >&2
else
	skip "python3-junitparser missing: JUnit not read back"
fi

# ------------------------------------------------------------------- SARIF
if pymod jsonschema && [ -f "$SCHEMAS/sarif-schema-2.1.0.json" ]; then
	run "$PY" - "$SCHEMAS/sarif-schema-2.1.0.json" "$TMP/all.sarif" "$TMP/all.json" <<'PYEOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft7Validator(schema).validate(doc)
rep = json.load(open(sys.argv[3]))
run = doc["runs"][0]
assert len(run["results"]) == len(rep["findings"])
ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
for r in run["results"]:
    assert ids[r["ruleIndex"]] == r["ruleId"]
    assert r["level"] in ("error", "warning", "note")
    assert not r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
for a, f in zip(run["artifacts"], rep["files"]):
    assert a["hashes"]["sha-256"] == f["sha256"]
print("ok")
PYEOF
	expect_rc 0 "the SARIF report is valid SARIF 2.1.0"
	[ "$rc" -eq 0 ] || cat "$TMP/err" >&2
else
	skip "python3-jsonschema or ../shared/schemas/sarif-schema-2.1.0.json missing: SARIF not validated"
fi

# ------------------------------------------------------------- GitHub
# One workflow command per finding, then the totals notice.
n=$(grep -c '^::\(error\|warning\|notice\) file=' "$TMP/all.github" || true)
nf=$(grep -c '"code":' "$TMP/all.json" || true)
if [ "$n" = "$nf" ]; then ok; else fail "github: $n annotations for $nf findings"; fi
expect_grep "$TMP/all.github" '^::notice title=mdgate::' "github: the totals notice"
run env GITHUB_STEP_SUMMARY="$TMP/step-summary.md" "$MDGATE" check $CFG --format github \
	submissions/DE01-items.csv
expect_rc 1 "github with GITHUB_STEP_SUMMARY"
expect_grep "$TMP/step-summary.md" '^## mdgate check' "GITHUB_STEP_SUMMARY receives the summary"

# -------------------------------------------------------------------- HTML
chromium_bin=""
for c in chromium chromium-browser google-chrome; do
	if command -v "$c" >/dev/null 2>&1; then chromium_bin=$c; break; fi
done
# load_page FILE: dump the DOM after the script ran; console output in $TMP/chrome.log.
load_page() {
	timeout 120 "$chromium_bin" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$TMP/chrome" --enable-logging=stderr --v=0 \
		--virtual-time-budget=3000 --dump-dom "file://$1#selftest" \
		>"$TMP/dom.html" 2>"$TMP/chrome.log" || true
}
if [ -n "$chromium_bin" ]; then
	load_page "$TMP/all.html"
	expect_grep "$TMP/dom.html" 'data-mdg-ready="1"' "html: the page's script ran without error"
	nerr=$(grep -c '"severity": "error"' "$TMP/all.json" || true)
	expect_grep "$TMP/dom.html" "data-mdg-selftest=\"$nerr\"" "html: the severity filter shows the $nerr errors"
	if grep -i 'CONSOLE\|Uncaught' "$TMP/chrome.log" >/dev/null; then
		fail "html: console messages"
		grep -i 'CONSOLE\|Uncaught' "$TMP/chrome.log" | head -5 >&2
	else ok; fi
	timeout 120 "$chromium_bin" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$TMP/chrome" --hide-scrollbars --window-size=1280,2000 \
		--screenshot="$TMP/report.png" "file://$TMP/all.html" >/dev/null 2>&1 || true
	if [ -s "$TMP/report.png" ]; then ok; else fail "html: no screenshot"; fi
	[ -z "${MDGATE_SCREENSHOT:-}" ] || cp "$TMP/report.png" "$MDGATE_SCREENSHOT"
else
	skip "chromium not installed (Debian package chromium): the HTML page is not loaded"
fi

# ------------------------------------------------------------- rejects
# The rejects of a windows-1252 semicolon file: the same encoding and
# delimiter, the rejected rows byte for byte, and the same errors again.
run mdgate check $CFG --format json --rejects "$TMP/rej/" submissions/DE01-workcenters.csv
expect_rc 1 "check with --rejects FOLDER"
cp "$TMP/out" "$TMP/wc.json"
if [ -f "$TMP/rej/DE01-workcenters.csv" ]; then ok; else fail "rejects: no DE01-workcenters.csv"; fi
if [ -x "$PY" ]; then
	run "$PY" - submissions/DE01-workcenters.csv "$TMP/rej/DE01-workcenters.csv" "$TMP/wc.json" <<'PYEOF'
import json, sys
orig = open(sys.argv[1], "rb").read().split(b"\n")
rej = open(sys.argv[2], "rb").read()
rej.decode("cp1252")                       # windows-1252, as the input
rows = rej.split(b"\n")
assert rows[-1] == b""
rows = rows[:-1]
added = b';mdgate_line;mdgate_errors;mdgate_fields'
hdr = orig[0].rstrip(b"\r")
assert rows[0].rstrip(b"\r") == hdr + added, rows[0]
rep = json.load(open(sys.argv[3]))
lines = sorted({f["line"] for f in rep["findings"] if f["severity"] == "error" and f["record"]})
assert len(rows) - 1 == len(lines) == rep["totals"]["rejected"], (len(rows), lines)
for row, n in zip(rows[1:], lines):
    o = orig[n - 1].rstrip(b"\r")
    assert row.startswith(o + b';"%d";"' % n), (row, o)
    assert row.endswith(b"\r") == orig[n - 1].endswith(b"\r")
print("ok")
PYEOF
	expect_rc 0 "rejects: windows-1252, semicolon, the rejected rows byte for byte"
	[ "$rc" -eq 0 ] || cat "$TMP/err" >&2
	run mdgate check $CFG --format json "$TMP/rej/DE01-workcenters.csv"
	expect_rc 1 "check of the rejects file"
	cp "$TMP/out" "$TMP/wc-again.json"
	run "$PY" - "$TMP/wc.json" "$TMP/wc-again.json" <<'PYEOF'
import json, sys
def errs(p):
    r = json.load(open(p))
    return sorted((f["code"], f["key"], f["field"]) for f in r["findings"] if f["severity"] == "error")
a, b = errs(sys.argv[1]), errs(sys.argv[2])
assert a == b and a, (a, b)
r = json.load(open(sys.argv[2]))["totals"]
assert r["records"] == r["rejected"], r
print("ok")
PYEOF
	expect_rc 0 "rejects: checking the rejects file finds the same errors"
	[ "$rc" -eq 0 ] || cat "$TMP/err" >&2
fi
# --rejects FILE for one input; the default output name does not clobber inputs.
run mdgate check $CFG --rejects "$TMP/one.csv" submissions/PL01-items.csv
expect_rc 1 "--rejects FILE"
expect_grep "$TMP/one.csv" "mdgate_errors" "--rejects FILE writes the file"
run mdgate check $CFG --rejects submissions submissions/PL01-items.csv
expect_rc 2 "--rejects onto the input's own folder"
expect_grep "$TMP/err" "would overwrite an input file" "the input file is never overwritten"
# Two inputs of one name keep their folders below the rejects folder.
mkdir -p "$TMP/two/a" "$TMP/two/b"
cp submissions/DE01-workcenters.csv "$TMP/two/a/"
cp submissions/DE01-workcenters.csv "$TMP/two/b/"
(cd "$TMP/two" && "$MDGATE" check $CFG --format json -o /dev/null --rejects out \
	a/DE01-workcenters.csv ./b/DE01-workcenters.csv) >/dev/null 2>&1 || true
if [ -f "$TMP/two/out/a/DE01-workcenters.csv" ] && [ -f "$TMP/two/out/b/DE01-workcenters.csv" ]
then ok; else fail "rejects: two inputs of one name"; fi
# An unterminated quote is closed before the added cells: the next rows stay rows.
run mdgate check $CFG --format csv "$top_srcdir/tests/golden/broken-quote/items.csv"
expect_rc 1 "rejects of a file with an unterminated quote"
mkdir -p "$TMP/bq"
cp "$TMP/out" "$TMP/bq/items.csv"
run mdgate check $CFG --format json "$TMP/bq/items.csv"
expect_grep "$TMP/out" '"records": 2' "rejects with an unterminated quote read back as 2 records"
cp submissions/PL01-uoms.csv "$TMP/PL01-uoms.csv"
run mdgate check $CFG --format csv -o "$TMP/PL01-uoms.csv" "$TMP/PL01-uoms.csv"
expect_rc 2 "-o onto the input file"
if cmp -s submissions/PL01-uoms.csv "$TMP/PL01-uoms.csv"; then ok; else fail "-o overwrote the input"; fi
run mdgate check $CFG --format csv submissions/PL01-items.csv submissions/PL01-uoms.csv
expect_rc 2 "--format csv with two files"
expect_grep "$TMP/err" "give --rejects FOLDER" "--format csv with two files explains"

# ------------------------------------------------------------- hostile input
# Markup, quotes, percent, commas, colons, line breaks, invalid UTF-8 and
# formulas in the data and in the file name.
H="$TMP/hostile"
mkdir -p "$H"
printf 'code,name,category,uom_type,factor,rounding\n"<script>alert(1)</script>","x\377\376""q,@=1+2",NOPE,bigger,=1+2,1\n"a%%b:c,d\r\ne",y,UNIT,big,1,1\n' >"$H/uo<m>s,%:x.csv"
hf="uo<m>s,%:x.csv"
cd "$H"
for f in html junit sarif github csv json; do
	run mdgate check $CFG --domain uom --format "$f" "$hf"
	expect_rc 1 "hostile input, --format $f"
	cp "$TMP/out" "$H/out.$f"
done
expect_no_grep "$H/out.html" "<script>alert" "html: markup from the data is escaped"
expect_grep "$H/out.html" "&lt;script&gt;alert(1)&lt;/script&gt;" "html: the key is shown as text"
expect_no_grep "$H/out.junit" "<script>" "junit: markup from the data is escaped"
if LC_ALL=C grep -q "$(printf '\377')" "$H/out.html" "$H/out.junit" "$H/out.sarif" "$H/out.github"; then
	fail "invalid UTF-8 reaches a report"
else ok; fi
expect_grep "$H/out.github" '^::error file=uo<m>s%2C%25%3Ax.csv,line=2,' "github: properties escape , % :"
expect_grep "$H/out.github" 'record 2 (a%25b:c,d%0Ae)' "github: the message escapes % and line breaks"
n=$(grep -c '^::' "$H/out.github" || true)
[ "$n" = 8 ] && ok || fail "github: $n command lines, expected 8 (7 findings and the totals)"
# The plant's own bytes stay as they were; added cells are neutralised.
if LC_ALL=C grep -q "$(printf 'x\377\376')" "$H/out.csv"; then ok; else fail "csv: the row's bytes changed"; fi
expect_grep "$H/out.csv" ',=1+2,1,"2","' "csv: the plant's own value is kept as it was"
if command -v xmllint >/dev/null 2>&1; then
	run xmllint --noout "$H/out.junit"
	expect_rc 0 "junit of hostile input is well-formed"
	if [ -f "$SCHEMAS/junit.xsd" ]; then
		run xmllint --noout --nonet --schema "$SCHEMAS/junit.xsd" "$H/out.junit"
		expect_rc 0 "junit of hostile input is valid"
	fi
fi
if pymod jsonschema && [ -f "$SCHEMAS/sarif-schema-2.1.0.json" ]; then
	run "$PY" - "$SCHEMAS/sarif-schema-2.1.0.json" "$H/out.sarif" <<'PYEOF'
import json, sys, jsonschema
doc = json.load(open(sys.argv[2]))
jsonschema.Draft7Validator(json.load(open(sys.argv[1]))).validate(doc)
r = doc["runs"][0]
assert r["artifacts"][0]["location"]["uri"] == "uo%3Cm%3Es%2C%25%3Ax.csv"
assert r["results"][1]["properties"]["key"] == "<script>alert(1)</script>"
print("ok")
PYEOF
	expect_rc 0 "sarif of hostile input is valid, the key intact"
	[ "$rc" -eq 0 ] || cat "$TMP/err" >&2
fi
if [ -n "$chromium_bin" ]; then
	load_page "$H/out.html"
	expect_grep "$TMP/dom.html" 'data-mdg-ready="1"' "html of hostile input: the script ran"
	ns=$(grep -o '<script' "$TMP/dom.html" | wc -l)
	[ "$ns" -eq 1 ] && ok || fail "html of hostile input: $ns script elements, expected 1"
fi
cd "$EX"

# ---------------------------------------------------------- --changed-since
if command -v git >/dev/null 2>&1; then
	G="$TMP/repo"
	mkdir -p "$G"
	cp submissions/DE01-workcenters.csv submissions/DE01-suppliers.csv "$G/"
	(cd "$G" && git init -q && git add . &&
		git -c user.name=t -c user.email=t@example.com commit -q -m base) >/dev/null 2>&1
	# Change one rejected record (line 5) and add an untracked file.
	sed '5s/;;/;CNC Fräse 3;/' "$G/DE01-workcenters.csv" >"$G/x" && mv "$G/x" "$G/DE01-workcenters.csv"
	cp submissions/DE01-uoms.csv "$G/"
	cd "$G"
	run mdgate check $CFG --format json --changed-since HEAD DE01-workcenters.csv \
		DE01-suppliers.csv DE01-uoms.csv
	cp "$TMP/out" "$TMP/changed.json"
	expect_grep "$TMP/err" "DE01-uoms.csv: not tracked by git" "changed-since: untracked files count whole"
	if [ -x "$PY" ]; then
		run "$PY" - "$TMP/changed.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
f = {x["path"]: x for x in r["files"]}
w, s, u = f["DE01-workcenters.csv"], f["DE01-suppliers.csv"], f["DE01-uoms.csv"]
assert (w["records"], w["rejected"]) == (1, 0), w       # the fixed record alone
assert s["records"] == 0, s                              # unchanged
assert u["records"] == 18, u                             # untracked: whole
assert r["changed_since"] == "HEAD", r.get("changed_since")
t = r["totals"]
assert t["records"] == 19 and t["records"] == t["accepted"] + t["review"] + t["rejected"], t
assert all(x["file"] == "DE01-uoms.csv" for x in r["findings"] if x["severity"] == "error"), r["findings"]
print("ok")
PYEOF
		expect_rc 0 "changed-since: only the changed records count"
		[ "$rc" -eq 0 ] || cat "$TMP/err" >&2
	fi
	run mdgate check $CFG --changed-since no-such-rev DE01-workcenters.csv
	expect_rc 2 "changed-since: an unknown revision"
	expect_grep "$TMP/err" "no-such-rev" "changed-since: the revision is named"
	cd "$EX"
else
	skip "git missing: --changed-since not tested"
fi

# Progress goes to a terminal only: nothing on a redirected standard error.
run mdgate check $CFG submissions/DE01-items.csv
expect_no_grep "$TMP/err" "records, " "no progress when standard error is not a terminal"

finish
