/*
 * csv.h - a streaming reader for the CSV files that plants really send.
 *
 * It reads in fixed-size chunks, so a 2 GB file is streamed, not loaded;
 * memory per record is bounded by opts.max_field and opts.max_record.
 * Input bytes are turned into UTF-8 first: a UTF-8 BOM is skipped, a
 * UTF-16 (LE/BE) BOM switches to iconv conversion, and opts.encoding names
 * any iconv encoding (windows-1252, iso-8859-1, ...).  The delimiter
 * (comma, semicolon, tab, pipe) is detected from the first lines unless
 * opts.delimiter is set.
 *
 * Problems that concern one record (a ragged row is the caller's business,
 * but NUL bytes, invalid UTF-8, an unterminated quote, a field or record
 * past its limit) are returned with that record as csv_problem entries,
 * with physical line and column, and reading goes on with the next record.
 * Only a file that cannot be opened or read, or an encoding iconv does not
 * know, is a fatal error (MDG_EIO / MDG_ERR with a diag).
 *
 * Ownership: the record's field pointers point into the reader's buffers
 * and stay valid until the next csv_next() or csv_close().
 */
#ifndef MDG_CSV_H
#define MDG_CSV_H

#include <stddef.h>

#include "diag.h"

#define CSV_DEFAULT_MAX_FIELD (1024 * 1024)       /* 1 MiB */
#define CSV_DEFAULT_MAX_RECORD (4 * 1024 * 1024)  /* 4 MiB */
#define CSV_DEFAULT_MAX_FIELDS 10000

struct csv_opts {
	int delimiter;         /* 0: detect; else ',', ';', '\t', '|' (any byte) */
	const char *encoding;  /* NULL or "utf-8": UTF-8 (BOMs honoured) */
	size_t max_field;      /* bytes; 0: CSV_DEFAULT_MAX_FIELD */
	size_t max_record;     /* bytes; 0: CSV_DEFAULT_MAX_RECORD */
	size_t max_fields;     /* fields per record; 0: CSV_DEFAULT_MAX_FIELDS */
	/* Called with every block of raw input bytes as read (before any
	 * decoding), e.g. to hash the file in the same pass; NULL: none. */
	void (*on_raw)(void *arg, const void *data, size_t len);
	void *on_raw_arg;
};

struct csv_problem {
	const char *code;  /* "csv.nul", "csv.utf8", "csv.quote", "csv.field_too_long",
			      "csv.record_too_long", "csv.too_many_fields", "csv.stray_quote" */
	long line;         /* physical line (1-based) */
	long col;          /* column in characters (1-based), 0 when not known */
	size_t field;      /* 0-based field index the problem is in */
	char message[160];
};

struct csv_record {
	size_t nfields;
	char **fields;       /* NUL-terminated UTF-8 (invalid sequences kept as is) */
	size_t *lens;        /* byte lengths */
	long *field_lines;   /* physical line where each field starts */
	long line;           /* physical line where the record starts */
	long end_line;       /* physical line where it ends */
	size_t nproblems;
	struct csv_problem *problems;
};

struct csv_reader;

/* csv.c */
/* Open a file ("-" is standard input). */
int csv_open(struct csv_reader **out, const char *path, const struct csv_opts *opts,
	     struct mdg_diags *d) MDG_WUR;
/* Read from memory (the data is not copied; it must outlive the reader). */
int csv_open_mem(struct csv_reader **out, const char *name, const char *data, size_t len,
		 const struct csv_opts *opts, struct mdg_diags *d) MDG_WUR;
/* 1: a record in *rec; 0: end of input; <0: fatal read error (diag added). */
int csv_next(struct csv_reader *r, struct csv_record *rec);
/* The delimiter in use (known after the first csv_next). */
int csv_delimiter(const struct csv_reader *r);
/* The input encoding in use: "utf-8", "utf-8-bom", "utf-16le", "utf-16be" or opts.encoding. */
const char *csv_encoding(const struct csv_reader *r);
/* Bytes of input consumed so far (for progress). */
unsigned long long csv_bytes_read(const struct csv_reader *r);
void csv_close(struct csv_reader *r);

#endif
