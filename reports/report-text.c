/*
 * report-text.c - the report for people: per file a summary line, then the
 * findings grouped by record, each record introduced by file:line (the line
 * where it starts) so that editors and terminals can jump to it; totals at
 * the end.  Colour only on a terminal, and never when NO_COLOR is set (the
 * caller decides).  Text quoted from the input is cleaned of invalid UTF-8
 * and control characters before it reaches the terminal.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report.h"

#define C(o, s) ((o)->color ? (s) : "")
#define BOLD "\033[1m"
#define RED "\033[1;31m"
#define MAGENTA "\033[1;35m"
#define CYAN "\033[1;36m"
#define GREEN "\033[32m"
#define RESET "\033[0m"

static const char *
sev_color(enum mdg_severity s)
{
	return s == MDG_SEV_ERROR ? RED : s == MDG_SEV_WARNING ? MAGENTA : CYAN;
}

static const char *
plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void
write_finding(FILE *out, const struct mdg_diag *dg, const struct mdg_report_opts *o,
	      const char *indent)
{
	fprintf(out, "%s%s%s%s: ", indent, C(o, sev_color(dg->severity)),
		mdg_severity_name(dg->severity), C(o, RESET));
	if (dg->field != NULL) {
		mdg_fput_clean(dg->field, out);
		fputs(": ", out);
	}
	mdg_fput_clean(dg->message, out);
	if (dg->origin != NULL)
		fprintf(out, " [%s, %s]\n", dg->code, dg->origin);
	else
		fprintf(out, " [%s]\n", dg->code);
}

/* Each suspected pair, field by field: what was compared and what it added. */
static void
write_dups(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	size_t i, f;

	if (rep->ndups == 0)
		return;
	fprintf(out, "%sSuspected duplicates (%zu pairs)%s\n", C(o, BOLD), rep->ndups, C(o, RESET));
	for (i = 0; i < rep->ndups; i++) {
		const struct mdg_dup_pair *dp = &rep->dups[i];

		fprintf(out, "  %s ", dp->domain);
		if (dp->file_b < rep->nfiles)
			mdg_fput_clean(rep->files[dp->file_b].path, out);
		fprintf(out, ":%ld", dp->line_b);
		if (dp->key_b != NULL) {
			fputs(" (", out);
			mdg_fput_clean(dp->key_b, out);
			fputc(')', out);
		}
		fputs(" ~ ", out);
		if (dp->file_a == MDG_DUP_REGISTRY) {
			fputs("registry ", out);
			mdg_fput_clean(dp->key_a ? dp->key_a : "?", out);
			if (dp->site_a != NULL) {
				fputs(" (site ", out);
				mdg_fput_clean(dp->site_a, out);
				fputc(')', out);
			}
		} else {
			if (dp->file_a < rep->nfiles)
				mdg_fput_clean(rep->files[dp->file_a].path, out);
			fprintf(out, ":%ld", dp->line_a);
			if (dp->key_a != NULL) {
				fputs(" (", out);
				mdg_fput_clean(dp->key_a, out);
				fputc(')', out);
			}
		}
		fprintf(out, ": score %.3f, %s\n", dp->score, dp->verdict);
		for (f = 0; f < dp->nfields; f++) {
			const struct mdg_dup_field *df = &dp->fields[f];

			fputs("    ", out);
			mdg_fput_clean(df->name, out);
			fputs(": '", out);
			mdg_fput_clean(df->value_b, out);
			fputs("' ~ '", out);
			mdg_fput_clean(df->value_a, out);
			if (df->skipped) {
				fprintf(out, "' (%s): missing on one side, not counted\n", df->measure);
				continue;
			}
			fputs("' as '", out);
			mdg_fput_clean(df->norm_b, out);
			fputs("' ~ '", out);
			mdg_fput_clean(df->norm_a, out);
			fprintf(out, "': %s %.3f, adds %+.3f\n", df->measure, df->sim, df->added);
		}
	}
}

int
mdg_report_write_text(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	const struct mdg_diags *d = &rep->findings;
	size_t fi, k = 0;

	for (fi = 0; fi < rep->nfiles; fi++) {
		const struct mdg_file_result *fr = &rep->files[fi];
		long cur_record = -1;

		fputs(C(o, BOLD), out);
		mdg_fput_clean(fr->path, out);
		fprintf(out, "%s: %s", C(o, RESET), fr->domain ? fr->domain : "?");
		if (fr->site)
			fprintf(out, ", site %s", fr->site);
		fprintf(out, " (%s, %s): %zu %s, %s%zu accepted%s, ",
			fr->encoding ? fr->encoding : "utf-8", mdg_delimiter_name(fr->delimiter),
			fr->records, plural(fr->records, "record", "records"), C(o, GREEN),
			fr->accepted, C(o, RESET));
		if (fr->review)
			fprintf(out, "%s%zu for review%s, ", C(o, MAGENTA), fr->review, C(o, RESET));
		fprintf(out, "%s%zu rejected%s\n", fr->rejected ? C(o, RED) : "", fr->rejected,
			fr->rejected ? C(o, RESET) : "");
		for (; k < d->n && d->v[k].file_index == fi; k++) {
			const struct mdg_diag *dg = &d->v[k];
			if (dg->record == 0) {
				fputs("  ", out);
				mdg_fput_clean(fr->path, out);
				fprintf(out, ":%ld: ", dg->line);
				write_finding(out, dg, o, "");
				continue;
			}
			if (dg->record != cur_record) {
				cur_record = dg->record;
				fprintf(out, "  %s", C(o, BOLD));
				mdg_fput_clean(fr->path, out);
				fprintf(out, ":%ld%s: record %ld",
					dg->record_line ? dg->record_line : dg->line, C(o, RESET),
					dg->record);
				if (dg->record_key != NULL && dg->record_key[0] != '\0') {
					fputs(" (", out);
					mdg_fput_clean(dg->record_key, out);
					fputc(')', out);
				}
				fputc('\n', out);
			}
			if (dg->record_line != 0 && dg->line != dg->record_line) {
				char indent[40];
				snprintf(indent, sizeof(indent), "    line %ld: ", dg->line);
				write_finding(out, dg, o, indent);
			} else {
				write_finding(out, dg, o, "    ");
			}
		}
	}
	if (d->dropped)
		fprintf(out, "(%zu further findings not shown; see --max-findings)\n", d->dropped);
	if (o->explain)
		write_dups(out, rep, o);
	fprintf(out, "%s%zu %s, %zu %s: %zu accepted, %zu for review, %zu rejected; "
		"%zu %s, %zu %s%s\n", C(o, BOLD),
		rep->nfiles, plural(rep->nfiles, "file", "files"), rep->records,
		plural(rep->records, "record", "records"), rep->accepted, rep->review, rep->rejected,
		d->counts[MDG_SEV_ERROR], plural(d->counts[MDG_SEV_ERROR], "error", "errors"),
		d->counts[MDG_SEV_WARNING], plural(d->counts[MDG_SEV_WARNING], "warning", "warnings"),
		C(o, RESET));
	if (rep->changed_since != NULL) {
		fputs("(only the records on lines changed since ", out);
		mdg_fput_clean(rep->changed_since, out);
		fputs(")\n", out);
	}
	/* What the result was computed from, so that it can be reproduced. */
	if (rep->rules_sha256[0] != '\0')
		fprintf(out, "sha256 %s  (definitions and rules)\n", rep->rules_sha256);
	for (fi = 0; fi < rep->nfiles; fi++) {
		if (rep->files[fi].sha256[0] == '\0')
			continue;
		fprintf(out, "sha256 %s  ", rep->files[fi].sha256);
		mdg_fput_clean(rep->files[fi].path, out);
		fputc('\n', out);
	}
	return ferror(out) ? MDG_EIO : MDG_OK;
}
