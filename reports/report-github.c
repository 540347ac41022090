/*
 * report-github.c - GitHub Actions workflow commands: an ::error,
 * ::warning or ::notice line per finding, located at file, line and
 * column, so that the findings appear on the changed lines of a pull
 * request; then the totals as a notice.  Also the Markdown summary that
 * `--summary FILE` or $GITHUB_STEP_SUMMARY receives (totals, files,
 * findings by code, the first findings).  Escaping follows GitHub's
 * rules: '%', CR and LF in the message; also ':' and ',' in properties.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"

#define SUMMARY_MAX_FINDINGS 50

/* Workflow-command escaping; properties also escape ':' and ','. */
static void
put_escaped(FILE *out, struct mdg_buf *clean, const char *s, bool property)
{
	const char *p;

	mdg_buf_reset(clean);
	mdg_utf8_clean(clean, s, true);
	for (p = clean->data ? clean->data : ""; *p != '\0'; p++) {
		switch (*p) {
		case '%':
			fputs("%25", out);
			break;
		case '\r':
			fputs("%0D", out);
			break;
		case '\n':
			fputs("%0A", out);
			break;
		case ':':
			fputs(property ? "%3A" : ":", out);
			break;
		case ',':
			fputs(property ? "%2C" : ",", out);
			break;
		default:
			fputc(*p, out);
		}
	}
}

static const char *
command(enum mdg_severity s)
{
	return s == MDG_SEV_ERROR ? "error" : s == MDG_SEV_WARNING ? "warning" : "notice";
}

int
mdg_report_write_github(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	const struct mdg_diags *d = &rep->findings;
	struct mdg_buf clean, title;
	size_t i;

	(void)o;
	mdg_buf_init(&clean, 0);
	mdg_buf_init(&title, 0);
	for (i = 0; i < d->n; i++) {
		const struct mdg_diag *dg = &d->v[i];
		fprintf(out, "::%s file=", command(dg->severity));
		put_escaped(out, &clean, rep->files[dg->file_index].path, true);
		if (dg->line > 0) {
			fprintf(out, ",line=%ld", dg->line);
			if (dg->col > 0)
				fprintf(out, ",col=%ld", dg->col);
		}
		mdg_buf_reset(&title);
		(void)mdg_buf_printf(&title, "%s", dg->code);
		if (dg->field != NULL)
			(void)mdg_buf_printf(&title, " (%s)", dg->field);
		fputs(",title=", out);
		put_escaped(out, &clean, title.data, true);
		fputs("::", out);
		if (dg->record > 0) {
			fprintf(out, "record %ld", dg->record);
			if (dg->record_key != NULL && dg->record_key[0] != '\0') {
				fputs(" (", out);
				put_escaped(out, &clean, dg->record_key, false);
				fputc(')', out);
			}
			fputs(": ", out);
		}
		if (dg->field != NULL) {
			put_escaped(out, &clean, dg->field, false);
			fputs(": ", out);
		}
		put_escaped(out, &clean, dg->message, false);
		fputc('\n', out);
	}
	fprintf(out, "::notice title=mdgate::%zu %s, %zu records: %zu accepted, "
		"%zu for review, %zu rejected; %zu errors, %zu warnings",
		rep->nfiles, rep->nfiles == 1 ? "file" : "files", rep->records, rep->accepted, rep->review, rep->rejected,
		d->counts[MDG_SEV_ERROR], d->counts[MDG_SEV_WARNING]);
	if (d->dropped)
		fprintf(out, " (%zu findings not listed)", d->dropped);
	fputc('\n', out);
	/* The digests, for the log: plain lines are not commands. */
	if (rep->rules_sha256[0] != '\0')
		fprintf(out, "sha256 %s  (definitions and rules)\n", rep->rules_sha256);
	for (i = 0; i < rep->nfiles; i++) {
		if (rep->files[i].sha256[0] == '\0')
			continue;
		fprintf(out, "sha256 %s  ", rep->files[i].sha256);
		put_escaped(out, &clean, rep->files[i].path, false);
		fputc('\n', out);
	}
	mdg_buf_free(&clean);
	mdg_buf_free(&title);
	return ferror(out) ? MDG_EIO : MDG_OK;
}

/* Markdown-safe text: HTML characters as entities, punctuation escaped, one line. */
static void
md(FILE *out, struct mdg_buf *clean, const char *s)
{
	const char *p = mdg_utf8_cleaned(clean, s ? s : "");

	for (; *p != '\0'; p++) {
		if (*p == '<')
			fputs("&lt;", out);
		else if (*p == '>')
			fputs("&gt;", out);
		else if (*p == '&')
			fputs("&amp;", out);
		else if (*p == '\n' || *p == '\r' || *p == '\t')
			fputc(' ', out);
		else if (strchr("\\`*_[]|~#!$", *p) != NULL)
			fprintf(out, "\\%c", *p);
		else
			fputc(*p, out);
	}
}

int
mdg_report_write_markdown(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	const struct mdg_diags *d = &rep->findings;
	struct mdg_code_stat *cs;
	struct mdg_buf clean;
	size_t i, n;

	(void)o;
	mdg_buf_init(&clean, 0);
	fprintf(out, "## mdgate check: %s\n\n",
		d->counts[MDG_SEV_ERROR] ? ":x: the gate fails" : ":white_check_mark: the gate passes");
	if (rep->changed_since != NULL) {
		fputs("Only the records on lines changed since `", out);
		md(out, &clean, rep->changed_since);
		fputs("` are counted.\n\n", out);
	}
	fputs("| records read | accepted | waiting for review | rejected | errors | warnings |\n"
	      "| ---: | ---: | ---: | ---: | ---: | ---: |\n", out);
	fprintf(out, "| %zu | %zu | %zu | %zu | %zu | %zu |\n\n", rep->records, rep->accepted,
		rep->review, rep->rejected, d->counts[MDG_SEV_ERROR], d->counts[MDG_SEV_WARNING]);
	fputs("| file | domain | site | records | accepted | review | rejected | sha256 |\n"
	      "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n", out);
	for (i = 0; i < rep->nfiles; i++) {
		const struct mdg_file_result *fr = &rep->files[i];
		fputs("| ", out);
		md(out, &clean, fr->path);
		fputs(" | ", out);
		md(out, &clean, fr->domain);
		fputs(" | ", out);
		md(out, &clean, fr->site);
		fprintf(out, " | %zu | %zu | %zu | %zu | `%s` |\n", fr->records, fr->accepted,
			fr->review, fr->rejected, fr->sha256);
	}
	if (rep->rules_sha256[0] != '\0')
		fprintf(out, "\nDefinitions and rules: sha256 `%s`\n", rep->rules_sha256);
	n = mdg_report_codes(rep, (size_t)-1, &cs);
	if (n > 0) {
		fputs("\n### Findings by code\n\n| code | severity | findings |\n| --- | --- | ---: |\n",
		      out);
		for (i = 0; i < n; i++) {
			fputs("| ", out);
			md(out, &clean, cs[i].code);
			fprintf(out, " | %s | %zu |\n", mdg_severity_name(cs[i].severity), cs[i].n);
		}
		fprintf(out, "\n### Findings%s\n\n| file | line | key | field | code | message |\n"
			"| --- | ---: | --- | --- | --- | --- |\n",
			d->n > SUMMARY_MAX_FINDINGS ? " (the first 50)" : "");
		for (i = 0; i < d->n && i < SUMMARY_MAX_FINDINGS; i++) {
			const struct mdg_diag *dg = &d->v[i];
			fputs("| ", out);
			md(out, &clean, rep->files[dg->file_index].path);
			fprintf(out, " | %ld | ", dg->line);
			md(out, &clean, dg->record_key);
			fputs(" | ", out);
			md(out, &clean, dg->field);
			fputs(" | ", out);
			md(out, &clean, dg->code);
			fputs(" | ", out);
			md(out, &clean, dg->message);
			fputs(" |\n", out);
		}
	}
	free(cs);
	mdg_buf_free(&clean);
	return ferror(out) ? MDG_EIO : MDG_OK;
}
