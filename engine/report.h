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

#define MDG_REPORT_SCHEMA_VERSION 2

struct mdg_file_result {
	char *path;
	char *domain;       /* NULL when it could not be told */
	char *site;         /* NULL: central checks only */
	char *encoding;
	int delimiter;
	size_t records;     /* data records read = accepted + review + rejected */
	size_t accepted;    /* no finding above info */
	size_t review;      /* warnings only: waits for a steward's review */
	size_t rejected;    /* at least one error */
	size_t columns;
	char sha256[65];    /* of the file's bytes as read, "" when not read */
};

/* One compared field of a suspected duplicate pair. */
struct mdg_dup_field {
	char *name;
	char *value_a, *value_b;   /* as given, "" for missing */
	char *norm_a, *norm_b;     /* normalised */
	char *measure;
	double sim;
	bool skipped;              /* null on one side: adds nothing */
	double added;              /* what it added to the score */
};

#define MDG_DUP_REGISTRY ((size_t)-1)	/* file_a of a pair with a golden record */

/*
 * A suspected duplicate: record b (the one that carries the dup.suspect
 * finding) and record a, earlier in the run (file_a, record_a, line_a) or
 * a golden record of the registry (file_a == MDG_DUP_REGISTRY, key_a and
 * site_a say which).
 */
struct mdg_dup_pair {
	char *domain;
	size_t file_a;
	long record_a, line_a;
	char *key_a, *site_a;
	size_t file_b;
	long record_b, line_b;
	char *key_b;
	double score;
	const char *verdict;       /* "duplicate" or "review" */
	struct mdg_dup_field *fields;
	size_t nfields;
};

struct mdg_report {
	char *config;                 /* configuration file used */
	struct mdg_file_result *files;
	size_t nfiles;
	struct mdg_diags findings;    /* record and file findings, file_index set */
	size_t records, accepted, review, rejected;
	char rules_sha256[65];        /* of the definitions and rules in force */
	struct mdg_dup_pair *dups;    /* suspected duplicates, in finding order */
	size_t ndups;
};

struct mdg_report_opts {
	bool color;
	bool verbose;   /* text: list accepted files without findings too */
	bool explain;   /* text: explain each suspected duplicate field by field */
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
void mdg_dup_pair_free(struct mdg_dup_pair *p);

/* reports/report-text.c */
int mdg_report_write_text(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
/* reports/report-json.c */
int mdg_report_write_json(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);

#endif
