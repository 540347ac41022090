/*
 * report.h - the result of a check, and the writers that render it.
 *
 * One model, many writers: check.c fills a struct mdg_report; each format
 * is one file in reports/ with one row in the writer table (report.c).
 * Every writer shows the same totals, and records read always equal
 * accepted plus rejected.
 *
 * Ownership: the report owns its files and findings (mdg_report_free).
 */
#ifndef MDG_REPORT_H
#define MDG_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"

#define MDG_REPORT_SCHEMA_VERSION 1

struct mdg_file_result {
	char *path;
	char *domain;       /* NULL when it could not be told */
	char *site;         /* NULL: central checks only */
	char *encoding;
	int delimiter;
	size_t records;     /* data records read */
	size_t accepted;
	size_t rejected;
	size_t columns;
};

struct mdg_report {
	char *config;                 /* configuration file used */
	struct mdg_file_result *files;
	size_t nfiles;
	struct mdg_diags findings;    /* record and file findings, file_index set */
	size_t records, accepted, rejected;
};

struct mdg_report_opts {
	bool color;
	bool verbose;   /* text: list accepted files without findings too */
};

struct mdg_report_writer {
	const char *name;
	const char *description;
	int (*write)(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
};

/* report.c */
void mdg_report_init(struct mdg_report *rep);
void mdg_report_free(struct mdg_report *rep);
const struct mdg_report_writer *mdg_report_writer_find(const char *name);
/* The writer table, terminated by a row whose name is NULL. */
const struct mdg_report_writer *mdg_report_writers(void);
const char *mdg_delimiter_name(int delimiter);

/* reports/report-text.c */
int mdg_report_write_text(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
/* reports/report-json.c */
int mdg_report_write_json(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);

#endif
