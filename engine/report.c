/*
 * report.c - the report model's life cycle and the table of writers.
 *
 * Adding a format: write reports/report-NAME.c with a write function and
 * add one row below.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"

static const struct mdg_report_writer writers[] = {
	{"text", "grouped by record, for people (the default)", mdg_report_write_text},
	{"json", "the versioned JSON report (doc/report-json.md)", mdg_report_write_json},
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
	}
	free(rep->files);
	free(rep->config);
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
