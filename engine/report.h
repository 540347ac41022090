/*
 * report.h - the result of a check, and the writers that render it.
 *
 * One model, many writers: check.c fills a struct mdg_report; each format
 * is one file in reports/ with one row in the writer table (report.c).
 * Every writer shows the same totals, and records read always equal
 * accepted plus rejected.
 *
 * Ownership: the report owns its files (with their record states), findings
 * and duplicate pairs (mdg_report_free).
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
	/* Per record, MDG_REC_*: record r is states[r - 1]; NULL when not kept. */
	unsigned char *states;
	size_t nstates;     /* records read (records may count fewer: --changed-since) */
	/* With --changed-since: how the file was scoped (changed.c). */
	enum mdg_scope {
		MDG_SCOPE_ALL = 0,      /* every record (no --changed-since) */
		MDG_SCOPE_CHANGED,      /* the records on changed lines only */
		MDG_SCOPE_UNCHANGED,    /* no line changed: no record counted */
		MDG_SCOPE_UNTRACKED,    /* not in git (new): every record */
	} scope;
};

/* The state of a record (mdg_file_result.states). */
#define MDG_REC_ACCEPTED 0
#define MDG_REC_REVIEW 1
#define MDG_REC_REJECTED 2
#define MDG_REC_EXCLUDED 3      /* left out by --changed-since */

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
	char *changed_since;          /* --changed-since REV, NULL: whole files */
};

struct mdg_report_opts {
	bool color;
	bool verbose;   /* text: list accepted files without findings too */
	bool junit_per_record;  /* junit: a test case per record, not per code */
	bool explain;   /* text: explain each suspected duplicate field by field */
};

/* Findings of one code (mdg_report_codes), for the writers that group. */
struct mdg_code_stat {
	const char *code;
	const char *origin;             /* a rule's origin, NULL: a built-in check */
	enum mdg_severity severity;     /* the highest seen */
	size_t n, counts[3];
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
/*
 * The findings of file fi (all files when fi is (size_t)-1) grouped by code,
 * sorted by code; the caller frees *out.
 */
size_t mdg_report_codes(const struct mdg_report *rep, size_t fi, struct mdg_code_stat **out);
/* What a built-in code means (one line), or NULL for a rule's id. */
const char *mdg_code_description(const char *code);
/*
 * Append s to b as valid UTF-8 for XML, HTML and JSON: invalid sequences,
 * control characters other than tab and newline (and CR when keep_cr), and
 * the non-characters U+FFFE/U+FFFF become U+FFFD.
 */
void mdg_utf8_clean(struct mdg_buf *b, const char *s, bool keep_cr);
/* The same into a reset buffer; returns its (never NULL) data. */
const char *mdg_utf8_cleaned(struct mdg_buf *b, const char *s);
/* Is path one of the report's input files (the same file, by device and inode)? */
bool mdg_report_is_input(const struct mdg_report *rep, const char *path);
/* The start of the run in UTC, "YYYY-MM-DDTHH:MM:SSZ" (SOURCE_DATE_EPOCH honoured). */
const char *mdg_report_time(void);

/* reports/report-text.c */
int mdg_report_write_text(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
/* reports/report-json.c */
int mdg_report_write_json(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
/* reports/report-junit.c */
int mdg_report_write_junit(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
/* reports/report-sarif.c */
int mdg_report_write_sarif(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
/* reports/report-github.c */
int mdg_report_write_github(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
/* Append the Markdown summary (the github format's step summary). */
int mdg_report_write_markdown(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
/* reports/report-html.c */
int mdg_report_write_html(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
/* reports/report-csv.c: the rejected rows of the (one) input file. */
int mdg_report_write_csv(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o);
/*
 * The rejects file of input file fi: its header and rejected rows exactly as
 * they came, plus the reasons.  Problems go to d (MDG_EIO when the input
 * cannot be read again).
 */
int mdg_rejects_write(FILE *out, const struct mdg_report *rep, size_t fi, struct mdg_diags *d);
/*
 * --rejects PATH: one input file and PATH not a folder: write PATH; else
 * PATH is a folder (created when missing) and each input file with rejected
 * rows gets PATH/<its file name> (PATH/<its path> when two inputs share a
 * name).  Refuses to overwrite an input file.
 */
int mdg_rejects_save(const struct mdg_report *rep, const char *path, struct mdg_diags *d);
/*
 * An added cell: the delimiter, then v quoted, on one line (CR and LF become
 * spaces), with a leading ' when a spreadsheet would take it for a formula
 * (it starts with =, +, -, @, tab or CR).
 */
void mdg_csv_cell(struct mdg_buf *b, int delim, const char *v);

#endif
