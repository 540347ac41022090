/*
 * report.c - the report model's life cycle and the table of writers.
 *
 * Adding a format: write reports/report-NAME.c with a write function and
 * add one row below.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <utf8proc.h>

#include "report.h"

static const struct mdg_report_writer writers[] = {
	{"text", "grouped by record, for people (the default)", mdg_report_write_text},
	{"json", "the versioned JSON report (doc/report-json.md)", mdg_report_write_json},
	{"html", "one self-contained page for people, with charts and duplicates",
	 mdg_report_write_html},
	{"csv", "the rejected rows as they came, with the reasons (one input file)",
	 mdg_report_write_csv},
	{"junit", "JUnit XML for Jenkins, GitLab and Azure DevOps", mdg_report_write_junit},
	{"sarif", "SARIF 2.1.0 for code scanning", mdg_report_write_sarif},
	{"github", "GitHub Actions annotations and a Markdown summary", mdg_report_write_github},
	{NULL, NULL, NULL},
};

const struct mdg_report_writer *
mdg_report_writers(void)
{
	return writers;
}

const struct mdg_report_writer *
mdg_report_writer_find(const char *name)
{
	size_t i;

	for (i = 0; writers[i].name != NULL; i++)
		if (strcmp(writers[i].name, name) == 0)
			return &writers[i];
	return NULL;
}

void
mdg_report_init(struct mdg_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	mdg_diags_init(&rep->findings);
}

void
mdg_report_free(struct mdg_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nfiles; i++) {
		free(rep->files[i].path);
		free(rep->files[i].domain);
		free(rep->files[i].site);
		free(rep->files[i].encoding);
		free(rep->files[i].states);
	}
	free(rep->files);
	free(rep->config);
	free(rep->changed_since);
	mdg_diags_free(&rep->findings);
	for (i = 0; i < rep->ndups; i++)
		mdg_dup_pair_free(&rep->dups[i]);
	free(rep->dups);
	memset(rep, 0, sizeof(*rep));
}

void
mdg_dup_pair_free(struct mdg_dup_pair *p)
{
	size_t i;

	for (i = 0; i < p->nfields; i++) {
		struct mdg_dup_field *f = &p->fields[i];
		free(f->name);
		free(f->value_a);
		free(f->value_b);
		free(f->norm_a);
		free(f->norm_b);
		free(f->measure);
	}
	free(p->fields);
	free(p->domain);
	free(p->key_a);
	free(p->site_a);
	free(p->key_b);
	memset(p, 0, sizeof(*p));
}

const char *
mdg_delimiter_name(int delimiter)
{
	switch (delimiter) {
	case ',':
		return "comma";
	case ';':
		return "semicolon";
	case '\t':
		return "tab";
	case '|':
		return "pipe";
	case 0:
		return "none";
	default:
		return "other";
	}
}

static int
code_stat_cmp(const void *a, const void *b)
{
	const struct mdg_code_stat *x = a, *y = b;

	return strcmp(x->code, y->code);
}

size_t
mdg_report_codes(const struct mdg_report *rep, size_t fi, struct mdg_code_stat **out)
{
	const struct mdg_diags *d = &rep->findings;
	struct mdg_code_stat *v = NULL;
	size_t n = 0, cap = 0, i, j;

	for (i = 0; i < d->n; i++) {
		const struct mdg_diag *dg = &d->v[i];
		if (fi != (size_t)-1 && dg->file_index != fi)
			continue;
		/* Few distinct codes: a linear search is enough. */
		for (j = 0; j < n; j++)
			if (strcmp(v[j].code, dg->code) == 0)
				break;
		if (j == n) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			memset(&v[n], 0, sizeof(v[n]));
			v[n].code = dg->code;
			v[n].severity = dg->severity;
			n++;
		}
		if (v[j].origin == NULL)
			v[j].origin = dg->origin;
		if (dg->severity > v[j].severity)
			v[j].severity = dg->severity;
		v[j].n++;
		v[j].counts[dg->severity]++;
	}
	mdg_qsort(v, n, sizeof(*v), code_stat_cmp);
	*out = v;
	return n;
}

static const struct {
	const char *code, *text;
} code_texts[] = {
	{"field.required", "A required value is missing"},
	{"field.integer", "A value is not an integer"},
	{"field.decimal", "A value is not a number"},
	{"field.boolean", "A value is not a boolean"},
	{"field.date", "A value is not a valid date"},
	{"field.enum", "A value is not one of the allowed values"},
	{"field.min", "A value is below its minimum"},
	{"field.max", "A value is above its maximum"},
	{"field.min_length", "A value is shorter than allowed"},
	{"field.max_length", "A value is longer than allowed"},
	{"field.pattern", "A value does not have the required form"},
	{"field.pattern_limit", "A pattern ran past its match limit"},
	{"key.duplicate", "The business key is already used by another record of the run"},
	{"key.registry", "The business key is already approved for another site"},
	{"ref.unresolved", "A reference names no known record"},
	{"ref.rejected", "A reference names a rejected record"},
	{"header.unknown", "A column names no field and is ignored"},
	{"header.missing", "A required column is missing"},
	{"header.duplicate", "Two columns name the same field"},
	{"csv.ragged", "A row has the wrong number of fields"},
	{"csv.quote", "A quoted field is not terminated"},
	{"csv.stray_quote", "Text follows a closing quote"},
	{"csv.nul", "A NUL byte in a field"},
	{"csv.utf8", "Bytes that are not valid UTF-8"},
	{"csv.encoding", "Bytes that are not valid in the encoding"},
	{"csv.field_too_long", "A field is longer than --max-field"},
	{"csv.record_too_long", "A record is longer than the limit"},
	{"csv.too_many_fields", "A record has too many fields"},
	{"input.empty", "The file has no header row"},
	{"rule.error", "A rule could not be evaluated for the record"},
	{"dup.suspect", "A suspected duplicate of another record"},
	{"dup.capped", "Too many records to compare them all for duplicates"},
};

const char *
mdg_code_description(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(code_texts) / sizeof(code_texts[0]); i++)
		if (strcmp(code_texts[i].code, code) == 0)
			return code_texts[i].text;
	if (strncmp(code, "field.", 6) == 0)
		return "A value breaks its field's definition";
	if (strncmp(code, "csv.", 4) == 0)
		return "The record is damaged";
	return NULL;
}

void
mdg_utf8_clean(struct mdg_buf *b, const char *s, bool keep_cr)
{
	const unsigned char *p = (const unsigned char *)s;
	utf8proc_ssize_t len = (utf8proc_ssize_t)strlen(s), i = 0, n;
	utf8proc_int32_t cp;

	while (i < len) {
		if (p[i] < 0x80) {
			if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
			     !(keep_cr && p[i] == '\r')) || p[i] == 0x7f)
				(void)mdg_buf_append(b, "\xEF\xBF\xBD", 3);
			else
				(void)mdg_buf_putc(b, (char)p[i]);
			i++;
			continue;
		}
		n = utf8proc_iterate(p + i, len - i, &cp);
		if (n <= 0 || cp == 0xFFFE || cp == 0xFFFF || (cp >= 0x80 && cp < 0xA0)) {
			(void)mdg_buf_append(b, "\xEF\xBF\xBD", 3);
			i += n <= 0 ? 1 : n;
		} else {
			(void)mdg_buf_append(b, p + i, (size_t)n);
			i += n;
		}
	}
}

const char *
mdg_utf8_cleaned(struct mdg_buf *b, const char *s)
{
	mdg_buf_reset(b);
	mdg_utf8_clean(b, s ? s : "", false);
	return b->data ? b->data : "";
}

const char *
mdg_report_time(void)
{
	static char buf[32];
	const char *sde;
	time_t t;
	struct tm tm;

	if (buf[0] != '\0')
		return buf;
	t = time(NULL);
	if ((sde = getenv("SOURCE_DATE_EPOCH")) != NULL && sde[0] >= '0' && sde[0] <= '9')
		t = (time_t)strtoll(sde, NULL, 10);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, sizeof(buf), "1970-01-01T00:00:00Z");
	return buf;
}

bool
mdg_report_is_input(const struct mdg_report *rep, const char *path)
{
	struct stat a, b;
	size_t i;

	if (stat(path, &a) != 0)
		return false;
	for (i = 0; i < rep->nfiles; i++)
		if (stat(rep->files[i].path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return true;
	return false;
}
