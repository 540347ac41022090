/*
 * rawfile.h - reading a checked input file again, for the reports that
 * work on its records as they came (the rejects file, --changed-since):
 * where each record starts and ends (physical lines), and the file's raw
 * bytes line by line in its own encoding.
 *
 * Ownership: spans are the caller's to free; a line reader owns its buffer.
 */
#ifndef MDG_RAWFILE_H
#define MDG_RAWFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"

struct mdg_rec_span {
	long line, end_line;   /* physical lines, 1-based */
	size_t nfields;
};

/*
 * Read fr's file again with its encoding and delimiter: (*out)[0] is the
 * header, (*out)[r] record r; *n counts them (records + 1).  MDG_EIO with a
 * diag when the file cannot be read (standard input cannot be read again).
 */
int mdg_rec_spans(const struct mdg_file_result *fr, struct mdg_rec_span **out, size_t *n,
		  struct mdg_diags *d);

/* The code unit of an encoding name as the report gives it: 1, or 2 for UTF-16. */
int mdg_enc_unit(const char *encoding, bool *big_endian);

/* Raw lines: each with its terminator (LF, or the UTF-16 LF unit), bytes as they are. */
struct mdg_rawlines {
	FILE *f;
	int unit;
	bool be;
	struct mdg_buf line;
	long lineno;           /* of the line last read */
};

int mdg_rawlines_open(struct mdg_rawlines *rl, const char *path, const char *encoding,
		      struct mdg_diags *d);
/* 1: a line in rl->line; 0: end of file; <0: read error. */
int mdg_rawlines_next(struct mdg_rawlines *rl);
void mdg_rawlines_close(struct mdg_rawlines *rl);

#endif
