/*
 * report-sarif.c - SARIF 2.1.0, the static-analysis format code scanning
 * reads (GitHub's upload-sarif, GitLab, Azure DevOps): one run of the tool
 * "mdgate", a rule per finding code in tool.driver.rules, a result per
 * finding located in the submitted file (relative URI, line and column),
 * the inputs with their SHA-256 in artifacts[], and the totals and the
 * rules' digest in the run's properties.  Built with jansson.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static json_t *
str(struct mdg_buf *clean, const char *s)
{
	json_t *j = json_string(mdg_utf8_cleaned(clean, s));

	return j != NULL ? j : json_string("");
}

/* A URI reference for a path: relative stays relative, percent-encoded. */
static json_t *
uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct mdg_buf b;
	const unsigned char *p = (const unsigned char *)path;
	json_t *j;

	mdg_buf_init(&b, 0);
	if (p[0] == '/')
		(void)mdg_buf_append(&b, "file://", 7);
	else if (p[0] == '.' && p[1] == '/')
		p += 2;
	for (; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL) {
			(void)mdg_buf_putc(&b, (char)*p);
		} else {
			(void)mdg_buf_putc(&b, '%');
			(void)mdg_buf_putc(&b, hex[*p >> 4]);
			(void)mdg_buf_putc(&b, hex[*p & 15]);
		}
	}
	j = json_string(b.data ? b.data : "");
	mdg_buf_free(&b);
	return j;
}

static const char *
level(enum mdg_severity s)
{
	return s == MDG_SEV_ERROR ? "error" : s == MDG_SEV_WARNING ? "warning" : "note";
}

static json_t *
text_obj(json_t *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "text", s);
	return o;
}

static json_t *
totals(size_t records, size_t accepted, size_t review, size_t rejected)
{
	json_t *t = json_object();

	json_object_set_new(t, "records", json_integer((json_int_t)records));
	json_object_set_new(t, "accepted", json_integer((json_int_t)accepted));
	json_object_set_new(t, "review", json_integer((json_int_t)review));
	json_object_set_new(t, "rejected", json_integer((json_int_t)rejected));
	return t;
}

int
mdg_report_write_sarif(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	const struct mdg_diags *d = &rep->findings;
	struct mdg_code_stat *cs;
	struct mdg_buf clean, tmp;
	json_t *root, *run, *driver, *rules, *artifacts, *results, *props, *t;
	size_t ncs, i, c;
	int rc;

	(void)o;
	mdg_buf_init(&clean, 0);
	mdg_buf_init(&tmp, 0);
	root = json_object();
	json_object_set_new(root, "$schema", json_string("https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_set_new(root, "version", json_string("2.1.0"));
	run = json_object();

	driver = json_object();
	json_object_set_new(driver, "name", json_string("mdgate"));
	json_object_set_new(driver, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(driver, "semanticVersion", json_string(PACKAGE_VERSION));
	rules = json_array();
	ncs = mdg_report_codes(rep, (size_t)-1, &cs);
	for (c = 0; c < ncs; c++) {
		json_t *r = json_object(), *dc = json_object(), *rp = json_object();
		const char *desc = mdg_code_description(cs[c].code);
		json_object_set_new(r, "id", str(&clean, cs[c].code));
		mdg_buf_reset(&tmp);
		if (desc != NULL)
			(void)mdg_buf_printf(&tmp, "%s", desc);
		else
			(void)mdg_buf_printf(&tmp, "Rule %s (%s)", cs[c].code,
					     cs[c].origin ? cs[c].origin : "a rule");
		json_object_set_new(r, "shortDescription", text_obj(str(&clean, tmp.data)));
		json_object_set_new(dc, "level", json_string(level(cs[c].severity)));
		json_object_set_new(r, "defaultConfiguration", dc);
		json_object_set_new(rp, "kind", json_string(desc != NULL ? "check" : "rule"));
		if (cs[c].origin != NULL)
			json_object_set_new(rp, "origin", str(&clean, cs[c].origin));
		json_object_set_new(r, "properties", rp);
		json_array_append_new(rules, r);
	}
	json_object_set_new(driver, "rules", rules);
	t = json_object();
	json_object_set_new(t, "driver", driver);
	json_object_set_new(run, "tool", t);

	artifacts = json_array();
	for (i = 0; i < rep->nfiles; i++) {
		const struct mdg_file_result *fr = &rep->files[i];
		json_t *a = json_object(), *loc = json_object(), *ap;
		json_object_set_new(loc, "uri", uri(fr->path));
		json_object_set_new(a, "location", loc);
		if (fr->sha256[0] != '\0') {
			json_t *h = json_object();
			json_object_set_new(h, "sha-256", json_string(fr->sha256));
			json_object_set_new(a, "hashes", h);
		}
		if (fr->encoding != NULL)
			json_object_set_new(a, "encoding", str(&clean, fr->encoding));
		ap = totals(fr->records, fr->accepted, fr->review, fr->rejected);
		json_object_set_new(ap, "domain", fr->domain ? str(&clean, fr->domain) : json_null());
		json_object_set_new(ap, "site", fr->site ? str(&clean, fr->site) : json_null());
		json_object_set_new(a, "properties", ap);
		json_array_append_new(artifacts, a);
	}
	json_object_set_new(run, "artifacts", artifacts);

	results = json_array();
	for (i = 0; i < d->n; i++) {
		const struct mdg_diag *dg = &d->v[i];
		json_t *r = json_object(), *locs = json_array(), *loc = json_object();
		json_t *ph = json_object(), *al = json_object(), *rp = json_object();
		for (c = 0; c < ncs && strcmp(cs[c].code, dg->code) != 0; c++)
			;
		json_object_set_new(r, "ruleId", str(&clean, dg->code));
		json_object_set_new(r, "ruleIndex", json_integer((json_int_t)c));
		json_object_set_new(r, "level", json_string(level(dg->severity)));
		mdg_buf_reset(&tmp);
		if (dg->field != NULL)
			(void)mdg_buf_printf(&tmp, "%s: ", dg->field);
		(void)mdg_buf_printf(&tmp, "%s", dg->message);
		json_object_set_new(r, "message", text_obj(str(&clean, tmp.data)));
		json_object_set_new(al, "uri", uri(rep->files[dg->file_index].path));
		json_object_set_new(al, "index", json_integer((json_int_t)dg->file_index));
		json_object_set_new(ph, "artifactLocation", al);
		if (dg->line > 0) {
			json_t *rg = json_object();
			json_object_set_new(rg, "startLine", json_integer(dg->line));
			if (dg->col > 0)
				json_object_set_new(rg, "startColumn", json_integer(dg->col));
			json_object_set_new(ph, "region", rg);
		}
		json_object_set_new(loc, "physicalLocation", ph);
		json_array_append_new(locs, loc);
		json_object_set_new(r, "locations", locs);
		if (dg->record > 0)
			json_object_set_new(rp, "record", json_integer(dg->record));
		if (dg->record_key != NULL)
			json_object_set_new(rp, "key", str(&clean, dg->record_key));
		if (dg->field != NULL)
			json_object_set_new(rp, "field", str(&clean, dg->field));
		if (dg->origin != NULL)
			json_object_set_new(rp, "rule_origin", str(&clean, dg->origin));
		json_object_set_new(r, "properties", rp);
		json_array_append_new(results, r);
	}
	json_object_set_new(run, "results", results);
	json_object_set_new(run, "columnKind", json_string("unicodeCodePoints"));

	props = totals(rep->records, rep->accepted, rep->review, rep->rejected);
	json_object_set_new(props, "files", json_integer((json_int_t)rep->nfiles));
	json_object_set_new(props, "errors", json_integer((json_int_t)d->counts[MDG_SEV_ERROR]));
	json_object_set_new(props, "warnings", json_integer((json_int_t)d->counts[MDG_SEV_WARNING]));
	json_object_set_new(props, "infos", json_integer((json_int_t)d->counts[MDG_SEV_INFO]));
	json_object_set_new(props, "findings_not_listed", json_integer((json_int_t)d->dropped));
	json_object_set_new(props, "config", rep->config ? str(&clean, rep->config) : json_null());
	json_object_set_new(props, "rules_sha256",
			    rep->rules_sha256[0] ? json_string(rep->rules_sha256) : json_null());
	if (rep->changed_since != NULL)
		json_object_set_new(props, "changed_since", str(&clean, rep->changed_since));
	json_object_set_new(run, "properties", props);

	t = json_array();
	json_array_append_new(t, run);
	json_object_set_new(root, "runs", t);
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	free(cs);
	mdg_buf_free(&clean);
	mdg_buf_free(&tmp);
	return rc != 0 || ferror(out) ? MDG_EIO : MDG_OK;
}
