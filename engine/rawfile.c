/*
 * rawfile.c - reading a checked input file again: the physical lines each
 * record spans (with the CSV reader, in the encoding and with the delimiter
 * the check used), and the raw bytes line by line, so that a record can be
 * copied exactly as it came.  A line ends after LF; in UTF-16 after the
 * LF code unit, the way the CSV reader counts lines.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "rawfile.h"

int
mdg_enc_unit(const char *encoding, bool *big_endian)
{
	*big_endian = false;
	if (encoding == NULL)
		return 1;
	if (mdg_strcasecmp_ascii(encoding, "utf-16le") == 0)
		return 2;
	if (mdg_strcasecmp_ascii(encoding, "utf-16be") == 0) {
		*big_endian = true;
		return 2;
	}
	return 1;
}

/* The encoding to open the file with: BOMs tell UTF-8 and UTF-16 again. */
static const char *
open_encoding(const char *enc)
{
	if (enc == NULL || mdg_strcasecmp_ascii(enc, "utf-8") == 0 ||
	    mdg_strcasecmp_ascii(enc, "utf-8-bom") == 0 ||
	    mdg_strcasecmp_ascii(enc, "utf-16le") == 0 ||
	    mdg_strcasecmp_ascii(enc, "utf-16be") == 0)
		return NULL;
	return enc;
}

int
mdg_rec_spans(const struct mdg_file_result *fr, struct mdg_rec_span **out, size_t *n,
	      struct mdg_diags *d)
{
	struct csv_opts co;
	struct csv_reader *cr;
	struct csv_record rec;
	struct mdg_rec_span *v = NULL;
	size_t nv = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (strcmp(fr->path, "-") == 0) {
		mdg_diag_at(d, MDG_SEV_ERROR, "input.reread", fr->path, 0, 0,
			    "standard input cannot be read a second time; give a file");
		return MDG_EIO;
	}
	memset(&co, 0, sizeof(co));
	co.delimiter = fr->delimiter;
	co.encoding = open_encoding(fr->encoding);
	if (csv_open(&cr, fr->path, &co, d) != MDG_OK)
		return MDG_EIO;
	while ((rc = csv_next(cr, &rec)) == 1) {
		if (nv == cap) {
			cap = cap ? 2 * cap : 256;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[nv].line = rec.line;
		v[nv].end_line = rec.end_line;
		v[nv].nfields = rec.nfields;
		nv++;
	}
	csv_close(cr);
	if (rc < 0) {
		free(v);
		return MDG_EIO;
	}
	*out = v;
	*n = nv;
	return MDG_OK;
}

int
mdg_rawlines_open(struct mdg_rawlines *rl, const char *path, const char *encoding,
		  struct mdg_diags *d)
{
	memset(rl, 0, sizeof(*rl));
	rl->unit = mdg_enc_unit(encoding, &rl->be);
	mdg_buf_init(&rl->line, 0);
	if ((rl->f = fopen(path, "rb")) == NULL) {
		mdg_diag_at(d, MDG_SEV_ERROR, "input.reread", path, 0, 0, "cannot read: %s",
			    strerror(errno));
		return MDG_EIO;
	}
	return MDG_OK;
}

int
mdg_rawlines_next(struct mdg_rawlines *rl)
{
	int c, c2;

	mdg_buf_reset(&rl->line);
	for (;;) {
		if ((c = getc(rl->f)) == EOF)
			break;
		if (rl->unit == 1) {
			(void)mdg_buf_putc(&rl->line, (char)c);
			if (c == '\n')
				break;
			continue;
		}
		c2 = getc(rl->f);
		(void)mdg_buf_putc(&rl->line, (char)c);
		if (c2 == EOF)
			break;
		(void)mdg_buf_putc(&rl->line, (char)c2);
		if ((rl->be && c == 0 && c2 == '\n') || (!rl->be && c == '\n' && c2 == 0))
			break;
	}
	if (ferror(rl->f))
		return MDG_EIO;
	if (rl->line.len == 0)
		return 0;
	rl->lineno++;
	return 1;
}

void
mdg_rawlines_close(struct mdg_rawlines *rl)
{
	if (rl->f != NULL)
		fclose(rl->f);
	mdg_buf_free(&rl->line);
	memset(rl, 0, sizeof(*rl));
}
