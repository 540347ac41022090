/*
 * report-junit.c - JUnit XML, the test report Jenkins, GitLab and Azure
 * DevOps read: one <testsuite> per input file, and in it one <testcase>
 * per finding code (rule id or built-in check), failed when the code has an
 * error in that file, or with --junit-per record one per record with
 * findings.  A first test case per file carries the totals.  Written with
 * libxml2's xmlTextWriter; text from the input is cleaned to valid UTF-8.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "report.h"

struct jw {
	xmlTextWriterPtr w;
	const struct mdg_report *rep;
	struct mdg_buf clean, text;
	bool dry;       /* count the cases, write nothing */
	int rc;
};

static void
attr(struct jw *j, const char *name, const char *value)
{
	if (j->dry)
		return;
	if (xmlTextWriterWriteAttribute(j->w, BAD_CAST name,
					BAD_CAST mdg_utf8_cleaned(&j->clean, value)) < 0)
		j->rc = MDG_EIO;
}

static void
attrf(struct jw *j, const char *name, size_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", v);
	attr(j, name, num);
}

static void
start(struct jw *j, const char *name)
{
	if (j->dry)
		return;
	if (xmlTextWriterStartElement(j->w, BAD_CAST name) < 0)
		j->rc = MDG_EIO;
}

static void
end(struct jw *j)
{
	if (j->dry)
		return;
	if (xmlTextWriterEndElement(j->w) < 0)
		j->rc = MDG_EIO;
}

static void
text(struct jw *j, const char *s)
{
	if (j->dry)
		return;
	mdg_buf_reset(&j->clean);
	mdg_utf8_clean(&j->clean, s, false);
	if (xmlTextWriterWriteString(j->w, BAD_CAST(j->clean.data ? j->clean.data : "")) < 0)
		j->rc = MDG_EIO;
}

static void
property(struct jw *j, const char *name, const char *value)
{
	start(j, "property");
	attr(j, "name", name);
	attr(j, "value", value ? value : "");
	end(j);
}

/* One finding as a line of a failure's text. */
static void
finding_line(struct mdg_buf *b, const struct mdg_report *rep, const struct mdg_diag *dg)
{
	(void)mdg_buf_printf(b, "%s:%ld: %s", rep->files[dg->file_index].path, dg->line,
			     mdg_severity_name(dg->severity));
	if (dg->record > 0) {
		(void)mdg_buf_printf(b, ": record %ld", dg->record);
		if (dg->record_key != NULL && dg->record_key[0] != '\0')
			(void)mdg_buf_printf(b, " (%s)", dg->record_key);
	}
	if (dg->field != NULL)
		(void)mdg_buf_printf(b, ": %s", dg->field);
	(void)mdg_buf_printf(b, ": %s [%s]\n", dg->message, dg->code);
}

static void
totals_case(struct jw *j, const struct mdg_file_result *fr)
{
	char name[200];

	snprintf(name, sizeof(name), "records: %zu read, %zu accepted, %zu for review, %zu rejected",
		 fr->records, fr->accepted, fr->review, fr->rejected);
	start(j, "testcase");
	attr(j, "name", name);
	attr(j, "classname", fr->path);
	attr(j, "time", "0");
	end(j);
}

/* A test case: failed when errors > 0, its text the findings listed in b. */
static void
test_case(struct jw *j, const char *name, const char *classname, const char *type,
	  size_t errors, const char *first, struct mdg_buf *b)
{
	start(j, "testcase");
	attr(j, "name", name);
	attr(j, "classname", classname);
	attr(j, "time", "0");
	if (errors > 0) {
		char msg[64];
		snprintf(msg, sizeof(msg), "%zu %s", errors, errors == 1 ? "error" : "errors");
		start(j, "failure");
		mdg_buf_reset(&j->text);
		(void)mdg_buf_printf(&j->text, "%s: %s", msg, first ? first : "");
		attr(j, "message", j->text.data);
		attr(j, "type", type);
		text(j, b->data ? b->data : "");
		end(j);
	}
	end(j);
}

/* Test cases per code; returns the number of failures, adds to *tests. */
static size_t
cases_per_code(struct jw *j, size_t fi, size_t *tests, struct mdg_buf *out_text)
{
	const struct mdg_report *rep = j->rep;
	const struct mdg_diags *d = &rep->findings;
	struct mdg_code_stat *cs;
	struct mdg_buf b;
	size_t n, c, i, failures = 0;

	n = mdg_report_codes(rep, fi, &cs);
	mdg_buf_init(&b, 0);
	for (c = 0; c < n; c++) {
		const char *first = NULL;
		mdg_buf_reset(&b);
		for (i = 0; i < d->n; i++) {
			const struct mdg_diag *dg = &d->v[i];
			if (dg->file_index != fi || strcmp(dg->code, cs[c].code) != 0)
				continue;
			if (first == NULL && dg->severity == MDG_SEV_ERROR)
				first = dg->message;
			finding_line(&b, rep, dg);
			if (cs[c].counts[MDG_SEV_ERROR] == 0)
				finding_line(out_text, rep, dg);
		}
		test_case(j, cs[c].code, rep->files[fi].path, cs[c].code,
			  cs[c].counts[MDG_SEV_ERROR], first, &b);
		failures += cs[c].counts[MDG_SEV_ERROR] > 0;
		(*tests)++;
	}
	mdg_buf_free(&b);
	free(cs);
	return failures;
}

/* Test cases per record with findings (record 0: the file itself). */
static size_t
cases_per_record(struct jw *j, size_t fi, size_t *tests)
{
	const struct mdg_report *rep = j->rep;
	const struct mdg_diags *d = &rep->findings;
	struct mdg_buf b, name;
	size_t i = 0, k, failures = 0;

	mdg_buf_init(&b, 0);
	mdg_buf_init(&name, 0);
	while (i < d->n && d->v[i].file_index < fi)
		i++;
	while (i < d->n && d->v[i].file_index == fi) {
		const struct mdg_diag *dg = &d->v[i];
		const char *first = NULL, *type = dg->code;
		size_t errors = 0;
		mdg_buf_reset(&b);
		mdg_buf_reset(&name);
		if (dg->record == 0)
			(void)mdg_buf_printf(&name, "file and header");
		else {
			(void)mdg_buf_printf(&name, "record %ld, line %ld", dg->record,
					     dg->record_line ? dg->record_line : dg->line);
			if (dg->record_key != NULL && dg->record_key[0] != '\0')
				(void)mdg_buf_printf(&name, " (%s)", dg->record_key);
		}
		for (k = i; k < d->n && d->v[k].file_index == fi && d->v[k].record == dg->record;
		     k++) {
			finding_line(&b, rep, &d->v[k]);
			if (d->v[k].severity == MDG_SEV_ERROR) {
				if (first == NULL) {
					first = d->v[k].message;
					type = d->v[k].code;
				}
				errors++;
			}
		}
		test_case(j, name.data, rep->files[fi].path, type, errors, first, &b);
		failures += errors > 0;
		(*tests)++;
		i = k;
	}
	mdg_buf_free(&b);
	mdg_buf_free(&name);
	return failures;
}

int
mdg_report_write_junit(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	struct jw j;
	xmlOutputBufferPtr ob;
	char host[256], stamp[32];
	size_t fi;

	memset(&j, 0, sizeof(j));
	j.rep = rep;
	mdg_buf_init(&j.clean, 0);
	mdg_buf_init(&j.text, 0);
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	/* The schema wants the time without a zone. */
	snprintf(stamp, sizeof(stamp), "%.19s", mdg_report_time());
	if ((ob = xmlOutputBufferCreateFile(out, NULL)) == NULL ||
	    (j.w = xmlNewTextWriter(ob)) == NULL) {
		if (ob != NULL)
			xmlOutputBufferClose(ob);
		return MDG_EIO;
	}
	xmlTextWriterSetIndent(j.w, 1);
	xmlTextWriterSetIndentString(j.w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(j.w, NULL, "UTF-8", NULL) < 0)
		j.rc = MDG_EIO;
	start(&j, "testsuites");
	for (fi = 0; fi < rep->nfiles && j.rc == MDG_OK; fi++) {
		const struct mdg_file_result *fr = &rep->files[fi];
		struct mdg_buf sysout;
		size_t tests = 1, ntests, failures;

		/* A dry pass counts the cases and failures the suite announces. */
		mdg_buf_init(&sysout, 0);
		j.dry = true;
		if (o != NULL && o->junit_per_record)
			failures = cases_per_record(&j, fi, &tests);
		else
			failures = cases_per_code(&j, fi, &tests, &sysout);
		j.dry = false;
		ntests = tests;
		tests = 1;
		mdg_buf_reset(&sysout);
		start(&j, "testsuite");
		attr(&j, "name", fr->path);
		attr(&j, "package", "mdgate");
		attrf(&j, "id", fi);
		attr(&j, "timestamp", stamp);
		attr(&j, "hostname", host);
		attrf(&j, "tests", ntests);
		attrf(&j, "failures", failures);
		attr(&j, "errors", "0");
		attr(&j, "time", "0");
		start(&j, "properties");
		property(&j, "domain", fr->domain);
		property(&j, "site", fr->site);
		property(&j, "encoding", fr->encoding);
		property(&j, "sha256", fr->sha256);
		property(&j, "rules_sha256", rep->rules_sha256);
		mdg_buf_reset(&j.text);
		(void)mdg_buf_printf(&j.text, "%zu", fr->records);
		property(&j, "records", j.text.data);
		mdg_buf_reset(&j.text);
		(void)mdg_buf_printf(&j.text, "%zu", fr->accepted);
		property(&j, "accepted", j.text.data);
		mdg_buf_reset(&j.text);
		(void)mdg_buf_printf(&j.text, "%zu", fr->review);
		property(&j, "review", j.text.data);
		mdg_buf_reset(&j.text);
		(void)mdg_buf_printf(&j.text, "%zu", fr->rejected);
		property(&j, "rejected", j.text.data);
		if (rep->changed_since != NULL)
			property(&j, "changed_since", rep->changed_since);
		end(&j);
		totals_case(&j, fr);
		if (o != NULL && o->junit_per_record)
			(void)cases_per_record(&j, fi, &tests);
		else
			(void)cases_per_code(&j, fi, &tests, &sysout);
		start(&j, "system-out");
		mdg_buf_reset(&j.text);
		(void)mdg_buf_printf(&j.text, "%s: %zu records, %zu accepted, %zu for review, "
				     "%zu rejected\nsha256 %s\n%s", fr->path, fr->records,
				     fr->accepted, fr->review, fr->rejected, fr->sha256,
				     sysout.data ? sysout.data : "");
		text(&j, j.text.data);
		end(&j);
		start(&j, "system-err");
		end(&j);
		end(&j);
		mdg_buf_free(&sysout);
	}
	end(&j);
	if (xmlTextWriterEndDocument(j.w) < 0)
		j.rc = MDG_EIO;
	xmlFreeTextWriter(j.w);
	mdg_buf_free(&j.clean);
	mdg_buf_free(&j.text);
	return j.rc != MDG_OK || ferror(out) ? MDG_EIO : MDG_OK;
}
