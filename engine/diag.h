/*
 * diag.h - diagnostics: definition errors and record findings.
 *
 * Every user-facing problem becomes a struct mdg_diag and goes into a
 * struct mdg_diags passed down the call chain; nothing is printed from deep
 * inside the library.  Loaders count errors and carry on, so that one run
 * reports as many problems as it can find.
 *
 * A diag owns its strings (freed by mdg_diags_free).  Codes are stable,
 * dotted names (for example "field.required") and are string literals,
 * never freed.
 */
#ifndef MDG_DIAG_H
#define MDG_DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include "util.h"

enum mdg_severity {
	MDG_SEV_INFO = 0,
	MDG_SEV_WARNING = 1,
	MDG_SEV_ERROR = 2,
};

struct mdg_diag {
	enum mdg_severity severity;
	const char *code;   /* stable code, a string literal */
	char *file;         /* may be NULL */
	long line;          /* 1-based, 0 when unknown */
	long col;           /* 1-based, 0 when unknown */
	long span;          /* width of the caret underline, 0 = 1 */
	long record;        /* 1-based record number in its file, 0 = none */
	long record_line;   /* physical line where the record starts, 0 = none */
	char *record_key;   /* business key of the record, may be NULL */
	char *field;        /* field (or column) name, may be NULL */
	char *message;
	char *origin;       /* where the rule behind a finding comes from, may be NULL */
	size_t file_index;  /* index of the input file, for ordering */
	size_t seq;         /* order of arrival, for a stable sort */
};

struct mdg_diags {
	struct mdg_diag *v;
	size_t n;
	size_t cap;
	size_t counts[3]; /* per severity */
	size_t max;       /* stop storing past this many (0 = no bound) */
	size_t dropped;   /* how many were counted but not stored */
};

/* diag.c */
void mdg_diags_init(struct mdg_diags *d);
void mdg_diags_free(struct mdg_diags *d);
const char *mdg_severity_name(enum mdg_severity s);
/* Add a located definition error/warning (record fields empty). */
struct mdg_diag *mdg_diag_at(struct mdg_diags *d, enum mdg_severity sev, const char *code,
			     const char *file, long line, long col, const char *fmt, ...)
	MDG_PRINTF(7, 8);
/* Add a diag with every field; strings are copied (NULL allowed). */
struct mdg_diag *mdg_diag_add(struct mdg_diags *d, const struct mdg_diag *tmpl);
/* Sort by file index, record, line, then arrival. */
void mdg_diags_sort(struct mdg_diags *d);
size_t mdg_diags_errors(const struct mdg_diags *d);
/*
 * Render a definition diagnostic the way compilers do:
 *   file:line:col: error: message [code]
 *     source line
 *     ^^^^
 * The source line is read back from the file when it can be.
 */
void mdg_diag_render(FILE *out, const struct mdg_diag *dg, bool color);
/* Render every diag in order; returns the number of errors. */
size_t mdg_diags_render_all(FILE *out, const struct mdg_diags *d, bool color);
/*
 * Write text that should be UTF-8 but may come from a damaged file: invalid
 * sequences become U+FFFD and control characters '?', so that a report never
 * sends raw garbage or escape sequences to a terminal.
 */
void mdg_fput_clean(const char *s, FILE *out);
/* Should output to this stream be coloured (a terminal, NO_COLOR unset)? */
bool mdg_want_color(FILE *out);

#endif
