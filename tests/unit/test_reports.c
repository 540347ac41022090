/*
 * test_reports.c - the report writers on a report built by hand: suspected
 * duplicates side by side in HTML, hostile text (markup, quotes, invalid
 * UTF-8, control characters) escaped in HTML, JUnit XML, SARIF and GitHub
 * output, the same totals in every format, and formula neutralisation of
 * the rejects file's added cells.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/parser.h>

#include "report.h"
#include "util.h"

#define HOSTILE "<script>alert('x')</script> \"q\" & \xff\xfe bad\x01"

static void
build(struct mdg_report *rep)
{
	struct mdg_diag t;
	struct mdg_dup_pair *p;
	struct mdg_dup_field *f;

	mdg_report_init(rep);
	rep->config = xstrdup("mdgate.yaml");
	rep->nfiles = 1;
	rep->files = xcalloc(1, sizeof(*rep->files));
	rep->files[0].path = xstrdup("sub/DE01-suppliers<1>.csv");
	rep->files[0].domain = xstrdup("supplier");
	rep->files[0].site = xstrdup("DE01");
	rep->files[0].encoding = xstrdup("utf-8");
	rep->files[0].delimiter = ',';
	rep->files[0].records = 3;
	rep->files[0].accepted = 1;
	rep->files[0].review = 1;
	rep->files[0].rejected = 1;
	memset(rep->files[0].sha256, 'a', 64);
	memset(rep->rules_sha256, 'b', 64);
	rep->records = 3;
	rep->accepted = 1;
	rep->review = 1;
	rep->rejected = 1;

	memset(&t, 0, sizeof(t));
	t.severity = MDG_SEV_ERROR;
	t.code = "field.pattern";
	t.line = 2;
	t.col = 3;
	t.record = 1;
	t.record_line = 2;
	t.record_key = HOSTILE;
	t.field = "name";
	t.message = "Name '" HOSTILE "' is wrong, 100% sure:\r\nnext";
	mdg_diag_add(&rep->findings, &t);
	t.severity = MDG_SEV_WARNING;
	t.code = "dup.suspect";
	t.line = 4;
	t.col = 0;
	t.record = 3;
	t.record_line = 4;
	t.record_key = "V-2";
	t.field = NULL;
	t.message = "possibly the same supplier as record 2";
	mdg_diag_add(&rep->findings, &t);

	rep->ndups = 1;
	rep->dups = p = xcalloc(1, sizeof(*p));
	p->domain = xstrdup("supplier");
	p->file_a = 0;
	p->record_a = 2;
	p->line_a = 3;
	p->key_a = xstrdup("V-1");
	p->file_b = 0;
	p->record_b = 3;
	p->line_b = 4;
	p->key_b = xstrdup("V-2");
	p->score = 7.25;
	p->verdict = "review";
	p->nfields = 2;
	p->fields = f = xcalloc(2, sizeof(*f));
	f[0].name = xstrdup("name");
	f[0].value_a = xstrdup("Müller GmbH");
	f[0].value_b = xstrdup("MUELLER <b>G.m.b.H.</b>");
	f[0].norm_a = xstrdup("muller");
	f[0].norm_b = xstrdup("mueller");
	f[0].measure = xstrdup("jaro_winkler");
	f[0].sim = 0.953;
	f[0].added = 6.5;
	f[1].name = xstrdup("vat");
	f[1].value_a = xstrdup("");
	f[1].value_b = xstrdup("DE123");
	f[1].norm_a = xstrdup("");
	f[1].norm_b = xstrdup("de123");
	f[1].measure = xstrdup("exact");
	f[1].skipped = true;
}

/* Run a writer into memory. */
static char *
render(int (*w)(FILE *, const struct mdg_report *, const struct mdg_report_opts *),
       const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(w(f, rep, o), MDG_OK);
	fclose(f);
	return buf;
}

static void
test_html(void **state)
{
	struct mdg_report rep;
	struct mdg_report_opts o;
	char *s;

	(void)state;
	build(&rep);
	memset(&o, 0, sizeof(o));
	s = render(mdg_report_write_html, &rep, &o);
	/* MDGATE_HTML_OUT=FILE keeps the page, to look at it in a browser. */
	if (getenv("MDGATE_HTML_OUT") != NULL) {
		FILE *f = fopen(getenv("MDGATE_HTML_OUT"), "w");
		if (f != NULL) {
			fputs(s, f);
			fclose(f);
		}
	}
	/* Markup from the data is text, never markup. */
	assert_null(strstr(s, "<script>alert"));
	assert_non_null(strstr(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;q&quot; &amp;"));
	assert_null(strstr(s, "\xff"));
	assert_null(strstr(s, "\x01"));
	assert_non_null(strstr(s, "\xEF\xBF\xBD"));
	assert_null(strstr(s, "<b>G.m.b.H."));
	/* The duplicate pair, side by side, with what each field added. */
	assert_non_null(strstr(s, "Suspected duplicates (1)"));
	assert_non_null(strstr(s, "<td>Müller GmbH</td><td>MUELLER &lt;b&gt;G.m.b.H.&lt;/b&gt;</td>"));
	assert_non_null(strstr(s, "<td class=\"mono\">muller</td><td class=\"mono\">mueller</td>"));
	assert_non_null(strstr(s, "jaro_winkler</td><td class=\"n\">0.953</td><td class=\"n\">+6.50"));
	assert_non_null(strstr(s, "missing: adds nothing"));
	assert_non_null(strstr(s, "score 7.25"));
	/* Totals and digests. */
	assert_non_null(strstr(s, "<b>3</b>records read"));
	assert_non_null(strstr(s, "<b>1</b>waiting for review"));
	assert_non_null(strstr(s, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
	/* Nothing fetched from anywhere. */
	assert_null(strstr(s, "src=\"http"));
	assert_null(strstr(s, "href=\"http"));
	free(s);
	mdg_report_free(&rep);
}

static void
test_junit(void **state)
{
	struct mdg_report rep;
	struct mdg_report_opts o;
	xmlDocPtr doc;
	char *s;
	int per;

	(void)state;
	build(&rep);
	for (per = 0; per < 2; per++) {
		memset(&o, 0, sizeof(o));
		o.junit_per_record = per;
		s = render(mdg_report_write_junit, &rep, &o);
		doc = xmlReadMemory(s, (int)strlen(s), "junit.xml", NULL, XML_PARSE_NONET);
		assert_non_null(doc);
		xmlFreeDoc(doc);
		assert_null(strstr(s, "<script>"));
		assert_non_null(strstr(s, "failures=\"1\""));
		assert_non_null(strstr(s, "<property name=\"records\" value=\"3\"/>"));
		assert_non_null(strstr(s, "<property name=\"review\" value=\"1\"/>"));
		free(s);
	}
	mdg_report_free(&rep);
}

static void
test_sarif(void **state)
{
	struct mdg_report rep;
	struct mdg_report_opts o;
	json_t *j, *res, *props;
	json_error_t err;
	char *s;

	(void)state;
	build(&rep);
	memset(&o, 0, sizeof(o));
	s = render(mdg_report_write_sarif, &rep, &o);
	j = json_loads(s, 0, &err);
	assert_non_null(j);
	res = json_object_get(json_array_get(json_object_get(j, "runs"), 0), "results");
	assert_int_equal(json_array_size(res), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 0), "level")),
			    "error");
	props = json_object_get(json_array_get(json_object_get(j, "runs"), 0), "properties");
	assert_int_equal(json_integer_value(json_object_get(props, "records")), 3);
	assert_int_equal(json_integer_value(json_object_get(props, "review")), 1);
	/* The path is a percent-encoded relative URI. */
	assert_non_null(strstr(s, "\"uri\": \"sub/DE01-suppliers%3C1%3E.csv\""));
	json_decref(j);
	free(s);
	mdg_report_free(&rep);
}

static void
test_github(void **state)
{
	struct mdg_report rep;
	struct mdg_report_opts o;
	char *s, *line;
	size_t n = 0;

	(void)state;
	build(&rep);
	memset(&o, 0, sizeof(o));
	s = render(mdg_report_write_github, &rep, &o);
	/* One command a line: CR and LF in the message are escaped, so is %. */
	assert_non_null(strstr(s, "::error file=sub/DE01-suppliers<1>.csv,line=2,col=3,"
			       "title=field.pattern (name)::"));
	assert_non_null(strstr(s, "100%25 sure:%0D%0Anext"));
	assert_non_null(strstr(s, "::warning file="));
	for (line = s; (line = strchr(line, '\n')) != NULL; line++)
		n++;
	assert_int_equal(n, 2 + 1 + 2);   /* findings, totals, digests */
	assert_non_null(strstr(s, "3 records: 1 accepted, 1 for review, 1 rejected"));
	free(s);
	s = render(mdg_report_write_markdown, &rep, &o);
	assert_null(strstr(s, "<script>"));
	assert_non_null(strstr(s, "| 3 | 1 | 1 | 1 | 1 | 1 |"));
	free(s);
	mdg_report_free(&rep);
}

static void
test_csv_cell(void **state)
{
	static const char *const cases[][2] = {
		{"=1+2", ";\"'=1+2\""},
		{"+49 821", ";\"'+49 821\""},
		{"-5", ";\"'-5\""},
		{"@SUM(A1)", ";\"'@SUM(A1)\""},
		{"\tx", ";\"'\tx\""},
		{"\rx", ";\"' x\""},
		{"plain \"quoted\"\nnext", ";\"plain \"\"quoted\"\" next\""},
		{"", ";\"\""},
	};
	struct mdg_buf b;
	size_t i;

	(void)state;
	mdg_buf_init(&b, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mdg_buf_reset(&b);
		mdg_csv_cell(&b, ';', cases[i][0]);
		assert_string_equal(b.data, cases[i][1]);
	}
	mdg_buf_free(&b);
}

static void
test_utf8_clean(void **state)
{
	struct mdg_buf b;

	(void)state;
	mdg_buf_init(&b, 0);
	assert_string_equal(mdg_utf8_cleaned(&b, "a\xffz"), "a\xEF\xBF\xBDz");
	assert_string_equal(mdg_utf8_cleaned(&b, "tab\tnl\ncr\r"), "tab\tnl\ncr\xEF\xBF\xBD");
	assert_string_equal(mdg_utf8_cleaned(&b, "\xEF\xBF\xBE"), "\xEF\xBF\xBD");
	assert_string_equal(mdg_utf8_cleaned(&b, "Groß"), "Groß");
	assert_string_equal(mdg_utf8_cleaned(&b, NULL), "");
	mdg_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_sarif),
		cmocka_unit_test(test_github),
		cmocka_unit_test(test_csv_cell),
		cmocka_unit_test(test_utf8_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
