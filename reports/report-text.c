/*
 * report-text.c - the report for people: per file a summary line, then the
 * findings grouped by record, each record introduced by file:line so that
 * editors and terminals can jump to it; totals at the end.  Colour only on
 * a terminal, and never when NO_COLOR is set (the caller decides).
 */
#include "config.h"

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

static void
write_finding(FILE *out, const struct mdg_diag *dg, const struct mdg_report_opts *o,
	      const char *indent)
{
	fprintf(out, "%s%s%s%s: ", indent, C(o, sev_color(dg->severity)),
		mdg_severity_name(dg->severity), C(o, RESET));
	if (dg->field != NULL)
		fprintf(out, "%s: ", dg->field);
	fprintf(out, "%s [%s]\n", dg->message, dg->code);
}

int
mdg_report_write_text(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	const struct mdg_diags *d = &rep->findings;
	size_t fi, k = 0;

	for (fi = 0; fi < rep->nfiles; fi++) {
		const struct mdg_file_result *fr = &rep->files[fi];
		long cur_record = -1;

		fprintf(out, "%s%s%s: %s", C(o, BOLD), fr->path, C(o, RESET),
			fr->domain ? fr->domain : "?");
		if (fr->site)
			fprintf(out, ", site %s", fr->site);
		fprintf(out, " (%s, %s): %zu records, %s%zu accepted%s, %s%zu rejected%s\n",
			fr->encoding ? fr->encoding : "utf-8", mdg_delimiter_name(fr->delimiter),
			fr->records, C(o, GREEN), fr->accepted, C(o, RESET),
			fr->rejected ? C(o, RED) : "", fr->rejected, fr->rejected ? C(o, RESET) : "");
		for (; k < d->n && d->v[k].file_index == fi; k++) {
			const struct mdg_diag *dg = &d->v[k];
			if (dg->record == 0) {
				fprintf(out, "  %s:%ld: ", fr->path, dg->line);
				write_finding(out, dg, o, "");
				continue;
			}
			if (dg->record != cur_record) {
				cur_record = dg->record;
				fprintf(out, "  %s%s:%ld%s: record %ld", C(o, BOLD), fr->path, dg->line,
					C(o, RESET), dg->record);
				if (dg->record_key != NULL && dg->record_key[0] != '\0')
					fprintf(out, " (%s)", dg->record_key);
				fputc('\n', out);
			}
			write_finding(out, dg, o, "    ");
		}
	}
	if (d->dropped)
		fprintf(out, "(%zu further findings not shown; see --max-findings)\n", d->dropped);
	fprintf(out, "%s%zu file%s, %zu records: %zu accepted, %zu rejected; %zu error%s, %zu warning%s%s\n",
		C(o, BOLD), rep->nfiles, rep->nfiles == 1 ? "" : "s", rep->records, rep->accepted,
		rep->rejected, d->counts[MDG_SEV_ERROR], d->counts[MDG_SEV_ERROR] == 1 ? "" : "s",
		d->counts[MDG_SEV_WARNING], d->counts[MDG_SEV_WARNING] == 1 ? "" : "s", C(o, RESET));
	return ferror(out) ? MDG_EIO : MDG_OK;
}
