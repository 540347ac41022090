/*
 * report-csv.c - the rejects file for a plant: the header row and every
 * rejected row of an input file exactly as they came (same bytes, columns,
 * delimiter, line ends and encoding, a BOM kept), each row followed by the
 * columns mdgate_line, mdgate_errors and mdgate_fields that say why, so
 * that the plant fixes the rows and sends the same file again.  The added
 * text is converted to the file's encoding (iconv) and neutralised against
 * spreadsheet formulas; the plant's own values are never changed.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rawfile.h"
#include "report.h"

static const char *const added_columns[] = {"mdgate_line", "mdgate_errors", "mdgate_fields"};
#define NADDED (sizeof(added_columns) / sizeof(added_columns[0]))

/* The added text in the file's encoding. */
struct encoder {
	iconv_t cd;       /* (iconv_t)-1: UTF-8, copied as is */
	int unit;
	bool be;
	struct mdg_buf out;
};

static int
encoder_open(struct encoder *en, const char *enc, struct mdg_diags *d, const char *path)
{
	const char *to = NULL;

	memset(en, 0, sizeof(*en));
	en->cd = (iconv_t)-1;
	en->unit = mdg_enc_unit(enc, &en->be);
	mdg_buf_init(&en->out, 0);
	if (en->unit == 2)
		to = en->be ? "UTF-16BE" : "UTF-16LE";
	else if (enc != NULL && mdg_strcasecmp_ascii(enc, "utf-8") != 0 &&
		 mdg_strcasecmp_ascii(enc, "utf-8-bom") != 0)
		to = enc;
	if (to != NULL && (en->cd = iconv_open(to, "UTF-8")) == (iconv_t)-1) {
		mdg_diag_at(d, MDG_SEV_ERROR, "csv.encoding", path, 0, 0,
			    "cannot write the rejects in encoding '%s'", to);
		return MDG_ERR;
	}
	return MDG_OK;
}

static void
encoder_close(struct encoder *en)
{
	if (en->cd != (iconv_t)-1)
		iconv_close(en->cd);
	mdg_buf_free(&en->out);
}

/* Convert UTF-8 text into en->out (reset first); what the encoding lacks becomes '?'. */
static void
encode(struct encoder *en, const char *s, size_t len)
{
	char tmp[256];

	mdg_buf_reset(&en->out);
	if (en->cd == (iconv_t)-1) {
		(void)mdg_buf_append(&en->out, s, len);
		return;
	}
	(void)iconv(en->cd, NULL, NULL, NULL, NULL);
	while (len > 0) {
		char *in = (char *)(uintptr_t)s, *op = tmp;
		size_t il = len, ol = sizeof(tmp), r;

		r = iconv(en->cd, &in, &il, &op, &ol);
		(void)mdg_buf_append(&en->out, tmp, (size_t)(op - tmp));
		len -= (size_t)(in - s);
		s = in;
		if (r == (size_t)-1 && errno != E2BIG) {
			/* Not representable or not UTF-8: a '?' for the character. */
			char q[4] = {'?', 0, 0, 0}, *qp = q, *qo = tmp;
			size_t ql = 1, qol = sizeof(tmp), skip = 1;
			(void)iconv(en->cd, &qp, &ql, &qo, &qol);
			(void)mdg_buf_append(&en->out, tmp, (size_t)(qo - tmp));
			while (skip < len && ((unsigned char)s[skip] & 0xC0) == 0x80)
				skip++;
			s += skip;
			len -= skip;
		}
	}
}

void
mdg_csv_cell(struct mdg_buf *b, int delim, const char *v)
{
	(void)mdg_buf_putc(b, (char)delim);
	(void)mdg_buf_putc(b, '"');
	if (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' ||
	    v[0] == '\r')
		(void)mdg_buf_putc(b, '\'');
	for (; *v != '\0'; v++) {
		if (*v == '"')
			(void)mdg_buf_append(b, "\"\"", 2);
		else if (*v == '\n' || *v == '\r')
			(void)mdg_buf_putc(b, ' ');
		else
			(void)mdg_buf_putc(b, *v);
	}
	(void)mdg_buf_putc(b, '"');
}

/* The length of a line's terminator (LF or CR LF, in code units). */
static size_t
eol_len(const struct mdg_buf *l, int unit, bool be)
{
	const unsigned char *p = (const unsigned char *)l->data;
	size_t n = l->len;

	if (unit == 1) {
		if (n >= 1 && p[n - 1] == '\n')
			return n >= 2 && p[n - 2] == '\r' ? 2 : 1;
		return 0;
	}
#define U(i) (be ? (p[(i)] << 8 | p[(i) + 1]) : (p[(i) + 1] << 8 | p[(i)]))
	if (n >= 2 && U(n - 2) == '\n')
		return n >= 4 && U(n - 4) == '\r' ? 4 : 2;
#undef U
	return 0;
}

/* Write a row: its raw bytes, padding, the added fields (UTF-8 in add), its line end. */
static void
put_row(FILE *out, struct mdg_buf *raw, struct encoder *en, const char *add,
	struct mdg_buf *eol)
{
	size_t el = eol_len(raw, en->unit, en->be);

	fwrite(raw->data, 1, raw->len - el, out);
	encode(en, add, strlen(add));
	fwrite(en->out.data, 1, en->out.len, out);
	if (el > 0) {
		fwrite(raw->data + raw->len - el, 1, el, out);
		if (eol->len == 0)
			(void)mdg_buf_append(eol, raw->data + raw->len - el, el);
	} else if (eol->len > 0) {
		fwrite(eol->data, 1, eol->len, out);
	} else {
		encode(en, "\n", 1);
		fwrite(en->out.data, 1, en->out.len, out);
	}
}

/*
 * Does the record end inside a quoted field (a csv.quote finding, and an odd
 * number of quote characters)?  The reader closed it at the end of the line;
 * the rejects file closes it too, so that the added cells and the rows after
 * it are not swallowed by the open quote.
 */
static bool
open_quote(const struct mdg_report *rep, size_t fi, long record, size_t k,
	   const struct mdg_buf *raw, int unit, bool be)
{
	const struct mdg_diags *d = &rep->findings;
	const unsigned char *p = (const unsigned char *)raw->data;
	size_t i, n = 0;
	bool found = false;

	for (i = k; i < d->n && d->v[i].file_index == fi && d->v[i].record <= record; i++)
		if (d->v[i].record == record && strcmp(d->v[i].code, "csv.quote") == 0)
			found = true;
	if (!found)
		return false;
	for (i = 0; i + (size_t)unit <= raw->len; i += (size_t)unit)
		if (unit == 1 ? p[i] == '"' :
		    (be ? (p[i] == 0 && p[i + 1] == '"') : (p[i] == '"' && p[i + 1] == 0)))
			n++;
	return n % 2 == 1;
}

/* The reasons of one rejected record (findings k.. of its file). */
static void
reasons(const struct mdg_report *rep, size_t fi, long record, const struct mdg_rec_span *sp,
	size_t *k, struct mdg_buf *add, struct mdg_buf *clean)
{
	const struct mdg_diags *d = &rep->findings;
	struct mdg_buf errs, fields;
	char num[32];
	size_t i, nerr = 0;

	mdg_buf_init(&errs, 0);
	mdg_buf_init(&fields, 0);
	while (*k < d->n && d->v[*k].file_index == fi && d->v[*k].record < record)
		(*k)++;
	for (i = *k; i < d->n && d->v[i].file_index == fi && d->v[i].record == record; i++) {
		const struct mdg_diag *dg = &d->v[i];
		if (dg->severity != MDG_SEV_ERROR)
			continue;
		(void)mdg_buf_printf(&errs, "%s%s: %s", nerr ? " | " : "", dg->code,
				     mdg_utf8_cleaned(clean, dg->message));
		if (dg->field != NULL)
			(void)mdg_buf_printf(&fields, "%s%s", fields.len ? " | " : "",
					     mdg_utf8_cleaned(clean, dg->field));
		nerr++;
	}
	if (nerr == 0) {
		/* Rejected for the file's sake (its header), or the finding was not kept. */
		for (i = 0; i < d->n; i++) {
			const struct mdg_diag *dg = &d->v[i];
			if (dg->file_index != fi || dg->record != 0 || dg->severity != MDG_SEV_ERROR)
				continue;
			(void)mdg_buf_printf(&errs, "%s%s: %s", nerr ? " | " : "", dg->code,
					     mdg_utf8_cleaned(clean, dg->message));
			nerr++;
		}
	}
	if (nerr == 0)
		(void)mdg_buf_printf(&errs, "rejected (its findings were not kept: see --max-findings)");
	snprintf(num, sizeof(num), "%ld", sp->line);
	mdg_csv_cell(add, rep->files[fi].delimiter ? rep->files[fi].delimiter : ',', num);
	mdg_csv_cell(add, rep->files[fi].delimiter ? rep->files[fi].delimiter : ',',
		  errs.data ? errs.data : "");
	mdg_csv_cell(add, rep->files[fi].delimiter ? rep->files[fi].delimiter : ',',
		  fields.data ? fields.data : "");
	mdg_buf_free(&errs);
	mdg_buf_free(&fields);
}

int
mdg_rejects_write(FILE *out, const struct mdg_report *rep, size_t fi, struct mdg_diags *d)
{
	const struct mdg_file_result *fr = &rep->files[fi];
	struct mdg_rec_span *sp = NULL;
	struct mdg_rawlines rl;
	struct encoder en;
	struct mdg_buf raw, add, eol, clean;
	size_t nsp = 0, r = 0, k = 0, i, hdr;
	int delim = fr->delimiter ? fr->delimiter : ',';
	int rc;

	if (mdg_rec_spans(fr, &sp, &nsp, d) != MDG_OK)
		return MDG_EIO;
	if (encoder_open(&en, fr->encoding, d, fr->path) != MDG_OK) {
		free(sp);
		return MDG_ERR;
	}
	if (mdg_rawlines_open(&rl, fr->path, fr->encoding, d) != MDG_OK) {
		encoder_close(&en);
		free(sp);
		return MDG_EIO;
	}
	mdg_buf_init(&raw, 0);
	mdg_buf_init(&add, 0);
	mdg_buf_init(&eol, 0);
	mdg_buf_init(&clean, 0);
	hdr = nsp > 0 ? sp[0].nfields : 0;
	/* r walks the spans: 0 the header, then the rejected records. */
	while ((rc = mdg_rawlines_next(&rl)) == 1) {
		while (r < nsp && (r > 0 && (r > fr->nstates || fr->states == NULL ||
					     fr->states[r - 1] != MDG_REC_REJECTED)))
			r++;
		if (r >= nsp || rl.lineno < sp[r].line)
			continue;
		(void)mdg_buf_append(&raw, rl.line.data, rl.line.len);
		if (rl.lineno < sp[r].end_line)
			continue;
		mdg_buf_reset(&add);
		if (r == 0) {
			for (i = 0; i < NADDED; i++) {
				(void)mdg_buf_putc(&add, (char)delim);
				(void)mdg_buf_append(&add, added_columns[i], strlen(added_columns[i]));
			}
		} else {
			if (open_quote(rep, fi, (long)r, k, &raw, en.unit, en.be))
				(void)mdg_buf_putc(&add, '"');
			for (i = sp[r].nfields; i < hdr; i++)
				(void)mdg_buf_putc(&add, (char)delim);
			reasons(rep, fi, (long)r, &sp[r], &k, &add, &clean);
		}
		put_row(out, &raw, &en, add.data ? add.data : "", &eol);
		mdg_buf_reset(&raw);
		r++;
	}
	if (rc < 0)
		mdg_diag_at(d, MDG_SEV_ERROR, "input.reread", fr->path, 0, 0, "read error");
	mdg_rawlines_close(&rl);
	encoder_close(&en);
	mdg_buf_free(&raw);
	mdg_buf_free(&add);
	mdg_buf_free(&eol);
	mdg_buf_free(&clean);
	free(sp);
	return rc < 0 ? MDG_EIO : ferror(out) ? MDG_EIO : MDG_OK;
}

int
mdg_report_write_csv(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	struct mdg_diags d;
	int rc;

	(void)o;
	if (rep->nfiles != 1) {
		fprintf(stderr, "mdgate: --format csv writes the rejects of one input file; "
			"for %zu files use --rejects FOLDER\n", rep->nfiles);
		return MDG_ERR;
	}
	mdg_diags_init(&d);
	rc = mdg_rejects_write(out, rep, 0, &d);
	mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
	mdg_diags_free(&d);
	/* The file must stay a file the plant can send again: the totals and
	 * digests every format shows go to standard error. */
	fprintf(stderr, "mdgate: %zu records: %zu accepted, %zu for review, %zu rejected "
		"(the rejected rows are the report)\n", rep->records, rep->accepted, rep->review,
		rep->rejected);
	if (rep->rules_sha256[0] != '\0')
		fprintf(stderr, "sha256 %s  (definitions and rules)\n", rep->rules_sha256);
	if (rep->files[0].sha256[0] != '\0') {
		fprintf(stderr, "sha256 %s  ", rep->files[0].sha256);
		mdg_fput_clean(rep->files[0].path, stderr);
		fputc('\n', stderr);
	}
	/* A problem with the input (said above) is not a write error. */
	return rc == MDG_OK || ferror(out) ? rc : MDG_ERR;
}

static bool
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int
save_one(const struct mdg_report *rep, size_t fi, const char *path, struct mdg_diags *d)
{
	FILE *f;
	int rc;

	if (mdg_report_is_input(rep, path)) {
		mdg_diag_at(d, MDG_SEV_ERROR, "usage.rejects", path, 0, 0,
			    "the rejects file would overwrite an input file");
		return MDG_ERR;
	}
	if ((f = fopen(path, "wb")) == NULL) {
		mdg_diag_at(d, MDG_SEV_ERROR, "usage.rejects", path, 0, 0,
			    "cannot write the rejects: %s", strerror(errno));
		return MDG_EIO;
	}
	rc = mdg_rejects_write(f, rep, fi, d);
	if (fclose(f) != 0 && rc == MDG_OK) {
		mdg_diag_at(d, MDG_SEV_ERROR, "usage.rejects", path, 0, 0,
			    "error writing the rejects: %s", strerror(errno));
		rc = MDG_EIO;
	}
	return rc;
}

/*
 * The rejects file's name in folder dir: the input's own file name, or when
 * two inputs share one, its path with "", "." and ".." parts dropped (so
 * that it stays inside dir), the folders made on the way.
 */
static char *
rejects_name(const char *dir, const char *input, bool whole_path, struct mdg_diags *d)
{
	struct mdg_buf b;
	const char *p = input, *e;
	char *out;

	if (!whole_path)
		return mdg_path_join(dir, mdg_path_base(input));
	mdg_buf_init(&b, 0);
	(void)mdg_buf_printf(&b, "%s", dir);
	while (*p != '\0') {
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		if (!(e - p == 0 || (e - p == 1 && p[0] == '.') ||
		      (e - p == 2 && p[0] == '.' && p[1] == '.'))) {
			(void)mdg_buf_printf(&b, "/%.*s", (int)(e - p), p);
			if (*e == '/' && !is_dir(b.data) && mkdir(b.data, 0777) != 0 && errno != EEXIST)
				mdg_diag_at(d, MDG_SEV_ERROR, "usage.rejects", b.data, 0, 0,
					    "cannot make the folder: %s", strerror(errno));
		}
		p = *e == '/' ? e + 1 : e;
	}
	out = xstrdup(b.data);
	mdg_buf_free(&b);
	return out;
}

int
mdg_rejects_save(const struct mdg_report *rep, const char *path, struct mdg_diags *d)
{
	size_t i, j, len = strlen(path);
	bool whole_path = false;
	int rc = MDG_OK;

	if (rep->nfiles == 1 && !is_dir(path) && len > 0 && path[len - 1] != '/')
		return save_one(rep, 0, path, d);
	if (!is_dir(path) && mkdir(path, 0777) != 0) {
		mdg_diag_at(d, MDG_SEV_ERROR, "usage.rejects", path, 0, 0,
			    "cannot make the rejects folder: %s", strerror(errno));
		return MDG_EIO;
	}
	/* Two inputs of one name (sites/DE01/items.csv, sites/PL01/items.csv)
	 * keep their folders, so that neither overwrites the other. */
	for (i = 0; i < rep->nfiles && !whole_path; i++)
		for (j = i + 1; j < rep->nfiles && !whole_path; j++)
			whole_path = strcmp(mdg_path_base(rep->files[i].path),
					    mdg_path_base(rep->files[j].path)) == 0;
	for (i = 0; i < rep->nfiles && rc == MDG_OK; i++) {
		char *p;
		if (rep->files[i].rejected == 0)
			continue;
		p = rejects_name(path, rep->files[i].path, whole_path, d);
		rc = save_one(rep, i, p, d);
		free(p);
	}
	return rc;
}
