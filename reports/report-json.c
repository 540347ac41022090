/*
 * report-json.c - the machine-readable report, schema version 1, as
 * documented in doc/report-json.md.  Built with jansson so that escaping
 * and number formatting are a library's business, not ours.
 */
#include "config.h"

#include <jansson.h>
#include <string.h>
#include <utf8proc.h>

#include "report.h"

/*
 * A JSON string from text that should be UTF-8 but may not be (a record
 * key or value quoted from a broken file): invalid bytes become U+FFFD.
 */
static json_t *
safe_string(const char *s)
{
	json_t *j;
	struct mdg_buf b;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n, len = (utf8proc_ssize_t)strlen(s), i = 0;

	if ((j = json_string(s)) != NULL)
		return j;
	mdg_buf_init(&b, 0);
	while (i < len) {
		n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, len - i, &cp);
		if (n <= 0) {
			(void)mdg_buf_append(&b, "\xEF\xBF\xBD", 3);
			i++;
		} else {
			(void)mdg_buf_append(&b, s + i, (size_t)n);
			i += n;
		}
	}
	j = json_string(b.data ? b.data : "");
	mdg_buf_free(&b);
	return j ? j : json_string("");
}

static json_t *
str_or_null(const char *s)
{
	return s ? safe_string(s) : json_null();
}

static json_t *
delimiter_json(int d)
{
	char s[2] = {(char)d, '\0'};

	return d ? json_string(s) : json_null();
}

/* The suspected pairs, each field compared (doc/report-json.md). */
static json_t *
duplicates_json(const struct mdg_report *rep)
{
	json_t *arr = json_array();
	size_t i, f;

	for (i = 0; i < rep->ndups; i++) {
		const struct mdg_dup_pair *dp = &rep->dups[i];
		json_t *p = json_object(), *a = json_object(), *b = json_object(), *fl = json_array();

		json_object_set_new(p, "domain", safe_string(dp->domain));
		json_object_set_new(p, "score", json_real(dp->score));
		json_object_set_new(p, "verdict", json_string(dp->verdict));
		if (dp->file_a == MDG_DUP_REGISTRY) {
			json_object_set_new(a, "registry", json_true());
			json_object_set_new(a, "key", str_or_null(dp->key_a));
			json_object_set_new(a, "site", str_or_null(dp->site_a));
		} else {
			json_object_set_new(a, "file", dp->file_a < rep->nfiles ?
					    safe_string(rep->files[dp->file_a].path) : json_null());
			json_object_set_new(a, "line", json_integer(dp->line_a));
			json_object_set_new(a, "record", json_integer(dp->record_a));
			json_object_set_new(a, "key", str_or_null(dp->key_a));
		}
		json_object_set_new(b, "file", dp->file_b < rep->nfiles ?
				    safe_string(rep->files[dp->file_b].path) : json_null());
		json_object_set_new(b, "line", json_integer(dp->line_b));
		json_object_set_new(b, "record", json_integer(dp->record_b));
		json_object_set_new(b, "key", str_or_null(dp->key_b));
		json_object_set_new(p, "a", a);
		json_object_set_new(p, "b", b);
		for (f = 0; f < dp->nfields; f++) {
			const struct mdg_dup_field *df = &dp->fields[f];
			json_t *o = json_object();
			json_object_set_new(o, "field", safe_string(df->name));
			json_object_set_new(o, "a", safe_string(df->value_a));
			json_object_set_new(o, "b", safe_string(df->value_b));
			json_object_set_new(o, "normalised_a", safe_string(df->norm_a));
			json_object_set_new(o, "normalised_b", safe_string(df->norm_b));
			json_object_set_new(o, "measure", safe_string(df->measure));
			if (df->skipped) {
				json_object_set_new(o, "similarity", json_null());
				json_object_set_new(o, "added", json_real(0));
			} else {
				json_object_set_new(o, "similarity", json_real(df->sim));
				json_object_set_new(o, "added", json_real(df->added));
			}
			json_array_append_new(fl, o);
		}
		json_object_set_new(p, "fields", fl);
		json_array_append_new(arr, p);
	}
	return arr;
}

int
mdg_report_write_json(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	const struct mdg_diags *d = &rep->findings;
	json_t *root, *files, *findings, *totals;
	size_t i;
	int rc;

	(void)o;
	root = json_object();
	json_object_set_new(root, "format", json_string("mdgate-check-report"));
	json_object_set_new(root, "version", json_integer(MDG_REPORT_SCHEMA_VERSION));
	json_object_set_new(root, "mdgate", json_string(PACKAGE_VERSION));
	json_object_set_new(root, "config", str_or_null(rep->config));
	json_object_set_new(root, "rules_sha256",
			    rep->rules_sha256[0] ? json_string(rep->rules_sha256) : json_null());
	if (rep->changed_since != NULL)
		json_object_set_new(root, "changed_since", safe_string(rep->changed_since));

	files = json_array();
	for (i = 0; i < rep->nfiles; i++) {
		const struct mdg_file_result *fr = &rep->files[i];
		json_t *f = json_object();
		json_object_set_new(f, "path", safe_string(fr->path));
		json_object_set_new(f, "domain", str_or_null(fr->domain));
		json_object_set_new(f, "site", str_or_null(fr->site));
		json_object_set_new(f, "encoding", str_or_null(fr->encoding));
		json_object_set_new(f, "delimiter", delimiter_json(fr->delimiter));
		json_object_set_new(f, "records", json_integer((json_int_t)fr->records));
		json_object_set_new(f, "accepted", json_integer((json_int_t)fr->accepted));
		json_object_set_new(f, "review", json_integer((json_int_t)fr->review));
		json_object_set_new(f, "rejected", json_integer((json_int_t)fr->rejected));
		json_object_set_new(f, "sha256", fr->sha256[0] ? json_string(fr->sha256) : json_null());
		json_array_append_new(files, f);
	}
	json_object_set_new(root, "files", files);

	totals = json_object();
	json_object_set_new(totals, "files", json_integer((json_int_t)rep->nfiles));
	json_object_set_new(totals, "records", json_integer((json_int_t)rep->records));
	json_object_set_new(totals, "accepted", json_integer((json_int_t)rep->accepted));
	json_object_set_new(totals, "review", json_integer((json_int_t)rep->review));
	json_object_set_new(totals, "rejected", json_integer((json_int_t)rep->rejected));
	json_object_set_new(totals, "errors", json_integer((json_int_t)d->counts[MDG_SEV_ERROR]));
	json_object_set_new(totals, "warnings",
			    json_integer((json_int_t)d->counts[MDG_SEV_WARNING]));
	json_object_set_new(totals, "infos", json_integer((json_int_t)d->counts[MDG_SEV_INFO]));
	json_object_set_new(totals, "findings_not_listed", json_integer((json_int_t)d->dropped));
	json_object_set_new(root, "totals", totals);

	findings = json_array();
	for (i = 0; i < d->n; i++) {
		const struct mdg_diag *dg = &d->v[i];
		json_t *f = json_object();
		json_object_set_new(f, "file", safe_string(rep->files[dg->file_index].path));
		json_object_set_new(f, "line", json_integer(dg->line));
		if (dg->col > 0)
			json_object_set_new(f, "column", json_integer(dg->col));
		json_object_set_new(f, "record", dg->record ? json_integer(dg->record) : json_null());
		json_object_set_new(f, "key", str_or_null(dg->record_key));
		json_object_set_new(f, "field", str_or_null(dg->field));
		json_object_set_new(f, "code", json_string(dg->code));
		json_object_set_new(f, "severity", json_string(mdg_severity_name(dg->severity)));
		json_object_set_new(f, "message", safe_string(dg->message));
		if (dg->origin != NULL)
			json_object_set_new(f, "rule_origin", safe_string(dg->origin));
		json_array_append_new(findings, f);
	}
	json_object_set_new(root, "findings", findings);
	json_object_set_new(root, "duplicates", duplicates_json(rep));

	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	fputc('\n', out);
	json_decref(root);
	return rc != 0 || ferror(out) ? MDG_EIO : MDG_OK;
}
