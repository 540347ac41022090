/*
 * test_csv.c - unit tests of the streaming CSV reader (engine/csv.c):
 * dialects and detection, quoting, line ends, encodings, record problems
 * with their lines and columns, limits, and chunk boundaries.  Big inputs
 * are generated in memory or in temporary files, never committed.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>
#include <utf8proc.h>

#include "csv.h"
#include "diag.h"
#include "util.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

#define CHUNK (256 * 1024) /* the reader's read size */

/* ------------------------------------------------------------ helpers */

struct trec {
	size_t nf;
	char **f;
	size_t *len;
	long *fl;
	long line;
	long end_line;
	size_t np;
	struct csv_problem *p;
};

struct tab {
	int rc;       /* last csv_next result */
	size_t n;
	struct trec *r;
	int delim;
	char enc[32];
	unsigned long long bytes;
};

static void
copy_rec(struct trec *t, const struct csv_record *rec)
{
	size_t i;

	t->nf = rec->nfields;
	t->f = xcalloc(rec->nfields, sizeof(*t->f));
	t->len = xcalloc(rec->nfields, sizeof(*t->len));
	t->fl = xcalloc(rec->nfields, sizeof(*t->fl));
	for (i = 0; i < rec->nfields; i++) {
		assert_int_equal(strlen(rec->fields[i]) <= rec->lens[i], 1);
		assert_int_equal(rec->fields[i][rec->lens[i]], '\0');
		t->f[i] = xmalloc(rec->lens[i] + 1);
		memcpy(t->f[i], rec->fields[i], rec->lens[i] + 1);
		t->len[i] = rec->lens[i];
		t->fl[i] = rec->field_lines[i];
	}
	t->line = rec->line;
	t->end_line = rec->end_line;
	t->np = rec->nproblems;
	t->p = xcalloc(rec->nproblems, sizeof(*t->p));
	if (rec->nproblems)
		memcpy(t->p, rec->problems, rec->nproblems * sizeof(*t->p));
}

static struct tab *
read_all(struct csv_reader *r)
{
	struct tab *t = xcalloc(1, sizeof(*t));
	struct csv_record rec;
	size_t cap = 0;

	while ((t->rc = csv_next(r, &rec)) == 1) {
		if (t->n == cap) {
			cap = cap ? cap * 2 : 16;
			t->r = xreallocarray(t->r, cap, sizeof(*t->r));
		}
		copy_rec(&t->r[t->n++], &rec);
	}
	/* The end is sticky. */
	assert_int_equal(csv_next(r, &rec), t->rc);
	t->delim = csv_delimiter(r);
	snprintf(t->enc, sizeof(t->enc), "%s", csv_encoding(r));
	t->bytes = csv_bytes_read(r);
	return t;
}

static struct tab *
parse_opts(const char *data, size_t len, const struct csv_opts *o)
{
	struct mdg_diags d;
	struct csv_reader *r;
	struct tab *t;

	mdg_diags_init(&d);
	assert_int_equal(csv_open_mem(&r, "mem.csv", data, len, o, &d), MDG_OK);
	t = read_all(r);
	assert_int_equal(t->rc, 0);
	assert_int_equal(t->bytes, len);
	csv_close(r);
	assert_int_equal(d.n, 0);
	mdg_diags_free(&d);
	return t;
}

static struct tab *
parse(const char *s)
{
	return parse_opts(s, strlen(s), NULL);
}

static struct tab *
parse_enc(const char *data, size_t len, const char *enc)
{
	struct csv_opts o;

	memset(&o, 0, sizeof(o));
	o.encoding = enc;
	return parse_opts(data, len, &o);
}

static struct tab *
parse_delim(const char *s, int delim)
{
	struct csv_opts o;

	memset(&o, 0, sizeof(o));
	o.delimiter = delim;
	return parse_opts(s, strlen(s), &o);
}

static void
tab_free(struct tab *t)
{
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		for (j = 0; j < t->r[i].nf; j++)
			free(t->r[i].f[j]);
		free(t->r[i].f);
		free(t->r[i].len);
		free(t->r[i].fl);
		free(t->r[i].p);
	}
	free(t->r);
	free(t);
}

/* Assert the record's fields, given as NULL-terminated strings. */
static void
check_fields(const struct trec *t, size_t n, ...)
{
	va_list ap;
	size_t i;

	assert_int_equal(t->nf, n);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);

		assert_string_equal(t->f[i], want);
		assert_int_equal(t->len[i], strlen(want));
	}
	va_end(ap);
}

static const struct csv_problem *
problem(const struct trec *t, const char *code)
{
	size_t i;

	for (i = 0; i < t->np; i++)
		if (strcmp(t->p[i].code, code) == 0)
			return &t->p[i];
	return NULL;
}

static void
check_problem(const struct trec *t, const char *code, long line, long col, size_t field)
{
	const struct csv_problem *p = problem(t, code);

	assert_non_null(p);
	assert_int_equal(p->line, line);
	assert_int_equal(p->col, col);
	assert_int_equal(p->field, field);
}

/* Write len bytes to a new temporary file; returns its malloc'd path. */
static char *
temp_file(const void *data, size_t len)
{
	static unsigned seq;
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/test_csv.%ld.%u", dir != NULL && dir[0] != '\0' ? dir : "/tmp",
			       (long)getpid(), seq++);
	FILE *f = fopen(path, "wbx");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static struct tab *
parse_file(const char *path, const struct csv_opts *o)
{
	struct mdg_diags d;
	struct csv_reader *r;
	struct tab *t;

	mdg_diags_init(&d);
	assert_int_equal(csv_open(&r, path, o, &d), MDG_OK);
	t = read_all(r);
	assert_int_equal(t->rc, 0);
	csv_close(r);
	assert_int_equal(d.n, 0);
	mdg_diags_free(&d);
	return t;
}

/* UTF-8 to UTF-16 with a BOM, little or big endian. */
static char *
to_utf16(const char *s, bool le, size_t *outlen)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t k, left = (utf8proc_ssize_t)strlen(s);
	utf8proc_int32_t cp;
	unsigned u[2];
	size_t n = 0, i, nu;
	char *out = xmalloc(4 * strlen(s) + 2);

	out[n++] = le ? '\xFF' : '\xFE';
	out[n++] = le ? '\xFE' : '\xFF';
	while (left > 0) {
		k = utf8proc_iterate(p, left, &cp);
		assert_true(k > 0);
		p += k;
		left -= k;
		if (cp >= 0x10000) {
			u[0] = 0xD800 + (((unsigned)cp - 0x10000) >> 10);
			u[1] = 0xDC00 + (((unsigned)cp - 0x10000) & 0x3FF);
			nu = 2;
		} else {
			u[0] = (unsigned)cp;
			nu = 1;
		}
		for (i = 0; i < nu; i++) {
			out[n++] = (char)(le ? u[i] & 0xFF : u[i] >> 8);
			out[n++] = (char)(le ? u[i] >> 8 : u[i] & 0xFF);
		}
	}
	*outlen = n;
	return out;
}

/* ------------------------------------------------------------ dialects */

static void
test_csv_comma(void **state)
{
	struct tab *t = parse("id,name,city\n1,Anna,Berlin\n2,Bernd,Hamburg\n");

	(void)state;
	assert_int_equal(t->delim, ',');
	assert_string_equal(t->enc, "utf-8");
	assert_int_equal(t->n, 3);
	check_fields(&t->r[0], 3, "id", "name", "city");
	check_fields(&t->r[1], 3, "1", "Anna", "Berlin");
	check_fields(&t->r[2], 3, "2", "Bernd", "Hamburg");
	assert_int_equal(t->r[2].line, 3);
	assert_int_equal(t->r[2].end_line, 3);
	assert_int_equal(t->r[2].fl[2], 3);
	assert_int_equal(t->r[2].np, 0);
	tab_free(t);
}

static void
test_csv_semicolon_detected(void **state)
{
	/* Decimal commas must not win over the consistent semicolon. */
	struct tab *t = parse("name;price;qty\nscrew;1,5;10\nnut;0,25;100\nbolt;2;5\n");

	(void)state;
	assert_int_equal(t->delim, ';');
	assert_int_equal(t->n, 4);
	check_fields(&t->r[1], 3, "screw", "1,5", "10");
	check_fields(&t->r[3], 3, "bolt", "2", "5");
	tab_free(t);
}

static void
test_csv_tab_detected(void **state)
{
	struct tab *t = parse("a\tb c\td\n1\t2, 3\t4\n");

	(void)state;
	assert_int_equal(t->delim, '\t');
	check_fields(&t->r[0], 3, "a", "b c", "d");
	check_fields(&t->r[1], 3, "1", "2, 3", "4");
	tab_free(t);
}

static void
test_csv_pipe_detected(void **state)
{
	struct tab *t = parse("id|name|note\n1|x|a,b\n2|y|c;d\n");

	(void)state;
	assert_int_equal(t->delim, '|');
	check_fields(&t->r[1], 3, "1", "x", "a,b");
	check_fields(&t->r[2], 3, "2", "y", "c;d");
	tab_free(t);
}

static void
test_csv_detect_ignores_quoted(void **state)
{
	/* The commas are all inside quotes: the delimiter is ';'. */
	struct tab *t = parse("\"a,b\";\"c,d,e\"\n\"f,g\";h\n");

	(void)state;
	assert_int_equal(t->delim, ';');
	check_fields(&t->r[0], 2, "a,b", "c,d,e");
	check_fields(&t->r[1], 2, "f,g", "h");
	tab_free(t);
}

static void
test_csv_detect_ties(void **state)
{
	struct tab *t;

	(void)state;
	/* Both are consistent on two lines: the header's delimiter wins. */
	t = parse("a;b\nc;d\ne,f\ng,h\n");
	assert_int_equal(t->delim, ';');
	check_fields(&t->r[2], 1, "e,f");
	tab_free(t);
	/* The most consistent count wins over the more frequent byte. */
	t = parse("a|b|c\n1,2,3,4|x|y\n5|6|7\n8|9|0\n");
	assert_int_equal(t->delim, '|');
	tab_free(t);
	/* No candidate at all: comma. */
	t = parse("abc\ndef\n");
	assert_int_equal(t->delim, ',');
	check_fields(&t->r[1], 1, "def");
	tab_free(t);
	/* Header only, without a line break. */
	t = parse("a;b;c");
	assert_int_equal(t->delim, ';');
	check_fields(&t->r[0], 3, "a", "b", "c");
	tab_free(t);
}

static void
test_csv_delimiter_forced(void **state)
{
	struct tab *t;

	(void)state;
	t = parse_delim("a;b,c\nd;e,f\n", ',');
	assert_int_equal(t->delim, ',');
	check_fields(&t->r[0], 2, "a;b", "c");
	tab_free(t);
	t = parse_delim("a;b,c\nd;e,f\n", ';');
	check_fields(&t->r[1], 2, "d", "e,f");
	tab_free(t);
	t = parse_delim("a\tb|c\n", '|');
	check_fields(&t->r[0], 2, "a\tb", "c");
	tab_free(t);
	t = parse_delim("a\tb|c\n", '\t');
	check_fields(&t->r[0], 2, "a", "b|c");
	tab_free(t);
	t = parse_delim("a:b:\n", ':');
	check_fields(&t->r[0], 3, "a", "b", "");
	tab_free(t);
}

static void
test_csv_bad_delimiter(void **state)
{
	struct mdg_diags d;
	struct csv_reader *r;
	struct csv_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.delimiter = '"';
	mdg_diags_init(&d);
	assert_int_equal(csv_open_mem(&r, "x.csv", "a", 1, &o, &d), MDG_ERR);
	assert_null(r);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].code, "input.delimiter");
	mdg_diags_free(&d);
}

/* ------------------------------------------------------------ quoting */

static void
test_csv_quoted_delimiter_and_doubled_quotes(void **state)
{
	struct tab *t = parse("\"a,b\",\"say \"\"hi\"\"\",c,\"\"\n\"\"\"\",\"x\"\"\"\n");

	(void)state;
	assert_int_equal(t->n, 2);
	check_fields(&t->r[0], 4, "a,b", "say \"hi\"", "c", "");
	check_fields(&t->r[1], 2, "\"", "x\"");
	assert_int_equal(t->r[0].np, 0);
	assert_int_equal(t->r[1].np, 0);
	tab_free(t);
}

static void
test_csv_quoted_newlines(void **state)
{
	struct tab *t = parse("id,text,n\n"
			      "1,\"line one\nline two\",x\n"
			      "2,\"a\r\nb\r\nc\",\"lone\rcr\"\r\n"
			      "3,plain,y\n");

	(void)state;
	assert_int_equal(t->n, 4);
	check_fields(&t->r[1], 3, "1", "line one\nline two", "x");
	assert_int_equal(t->r[1].line, 2);
	assert_int_equal(t->r[1].end_line, 3);
	assert_int_equal(t->r[1].fl[0], 2);
	assert_int_equal(t->r[1].fl[1], 2);
	assert_int_equal(t->r[1].fl[2], 3);
	/* CRLF inside quotes becomes LF; a lone CR is kept. */
	check_fields(&t->r[2], 3, "2", "a\nb\nc", "lone\rcr");
	assert_int_equal(t->r[2].line, 4);
	assert_int_equal(t->r[2].end_line, 6);
	assert_int_equal(t->r[2].fl[2], 6);
	check_fields(&t->r[3], 3, "3", "plain", "y");
	assert_int_equal(t->r[3].line, 7);
	assert_int_equal(t->r[3].np, 0);
	tab_free(t);
}

static void
test_csv_line_numbers_after_multiline_fields(void **state)
{
	struct tab *t = parse("h1,h2\n"
			      "\"a\n\n\nb\",c\n"
			      "\n"
			      "d,\"e\nf\"\n"
			      "g,h\n");

	(void)state;
	assert_int_equal(t->n, 4);
	check_fields(&t->r[1], 2, "a\n\n\nb", "c");
	assert_int_equal(t->r[1].line, 2);
	assert_int_equal(t->r[1].end_line, 5);
	assert_int_equal(t->r[1].fl[1], 5);
	check_fields(&t->r[2], 2, "d", "e\nf");
	assert_int_equal(t->r[2].line, 7);
	assert_int_equal(t->r[2].end_line, 8);
	assert_int_equal(t->r[2].fl[1], 7);
	check_fields(&t->r[3], 2, "g", "h");
	assert_int_equal(t->r[3].line, 9);
	tab_free(t);
}

static void
test_csv_crlf_and_lf(void **state)
{
	struct tab *t = parse("a,b\r\nc,d\r\ne,f\ng,\"h\"\r\ni,j\r");

	(void)state;
	assert_int_equal(t->n, 5);
	check_fields(&t->r[0], 2, "a", "b");
	check_fields(&t->r[1], 2, "c", "d");
	check_fields(&t->r[2], 2, "e", "f");
	check_fields(&t->r[3], 2, "g", "h");
	/* A CR ending the input is a line end too. */
	check_fields(&t->r[4], 2, "i", "j");
	assert_int_equal(t->r[4].line, 5);
	tab_free(t);
	/* A CR not before LF outside quotes is data. */
	t = parse("a\rb,c\n");
	check_fields(&t->r[0], 2, "a\rb", "c");
	tab_free(t);
}

static void
test_csv_stray_quote(void **state)
{
	struct tab *t = parse("\"abc\"x,d\n\"q\" ,e\nab\"c,5\" pipe\n");

	(void)state;
	assert_int_equal(t->n, 3);
	check_fields(&t->r[0], 2, "abcx", "d");
	assert_int_equal(t->r[0].np, 1);
	check_problem(&t->r[0], "csv.stray_quote", 1, 5, 0);
	check_fields(&t->r[1], 2, "q ", "e");
	check_problem(&t->r[1], "csv.stray_quote", 2, 3, 0);
	/* A quote inside an unquoted field is data, and no problem. */
	check_fields(&t->r[2], 2, "ab\"c", "5\" pipe");
	assert_int_equal(t->r[2].np, 0);
	tab_free(t);
}

static void
test_csv_unterminated_quote_resumes(void **state)
{
	struct tab *t = parse("id,name,city\n"
			      "1,Anna,Berlin\n"
			      "2,\"Bernd,Hamburg\n"
			      "3,Clara,Köln\n"
			      "4,Dora,Essen\n"
			      "5,Emil,Bonn\n");
	const struct csv_problem *p;

	(void)state;
	assert_int_equal(t->n, 6);
	check_fields(&t->r[2], 2, "2", "Bernd,Hamburg");
	assert_int_equal(t->r[2].line, 3);
	assert_int_equal(t->r[2].end_line, 3);
	assert_int_equal(t->r[2].np, 1);
	check_problem(&t->r[2], "csv.quote", 3, 3, 1);
	p = problem(&t->r[2], "csv.quote");
	assert_string_equal(p->message, "unterminated quoted field (opened at line 3, column 3)");
	check_fields(&t->r[3], 3, "3", "Clara", "Köln");
	assert_int_equal(t->r[3].line, 4);
	check_fields(&t->r[4], 3, "4", "Dora", "Essen");
	check_fields(&t->r[5], 3, "5", "Emil", "Bonn");
	assert_int_equal(t->r[5].line, 6);
	assert_int_equal(t->r[5].np, 0);
	tab_free(t);

	/* At the very end, without a line break; columns count characters. */
	t = parse("a,b\nä,\"x,y");
	assert_int_equal(t->n, 2);
	check_fields(&t->r[1], 2, "ä", "x,y");
	check_problem(&t->r[1], "csv.quote", 2, 3, 1);
	tab_free(t);

	/* A doubled quote after the line break does not close the field. */
	t = parse("a,\"x\ny\"\"z\nw\n");
	assert_int_equal(t->n, 3);
	check_fields(&t->r[0], 2, "a", "x");
	check_problem(&t->r[0], "csv.quote", 1, 3, 1);
	check_fields(&t->r[1], 1, "y\"\"z");
	assert_int_equal(t->r[1].line, 2);
	assert_int_equal(t->r[1].np, 0);
	check_fields(&t->r[2], 1, "w");
	tab_free(t);

	/* CRLF file: the CR of the opening line is not part of the field. */
	t = parse("\"a\r\nb,c\r\n");
	assert_int_equal(t->n, 2);
	check_fields(&t->r[0], 1, "a");
	check_problem(&t->r[0], "csv.quote", 1, 1, 0);
	check_fields(&t->r[1], 2, "b", "c");
	assert_int_equal(t->r[1].line, 2);
	tab_free(t);
}

/*
 * A quote that opens a multi-line field and "closes" further down with
 * text right after it: the opening quote was never closed, and the records
 * in between must not be swallowed into one field.
 */
static void
test_csv_unterminated_quote_closed_by_later_field(void **state)
{
	struct tab *t = parse("id,name,city\n"
			      "1,\"Nut M8, zinc,Berlin\n"
			      "2,Clara,Köln\n"
			      "3,\"Gear \"\"A\"\"\",Essen\n");

	(void)state;
	assert_int_equal(t->n, 4);
	check_fields(&t->r[1], 2, "1", "Nut M8, zinc,Berlin");
	check_problem(&t->r[1], "csv.quote", 2, 3, 1);
	check_fields(&t->r[2], 3, "2", "Clara", "Köln");
	assert_int_equal(t->r[2].line, 3);
	check_fields(&t->r[3], 3, "3", "Gear \"A\"", "Essen");
	assert_int_equal(t->r[3].np, 0);
	tab_free(t);

	/* A genuine multi-line field closed before a delimiter stays one field. */
	t = parse("id,name\n1,\"two\nlines\"\n2,x\n");
	assert_int_equal(t->n, 3);
	check_fields(&t->r[1], 2, "1", "two\nlines");
	assert_int_equal(t->r[1].np, 0);
	tab_free(t);
}

static void
test_csv_unterminated_quote_capped(void **state)
{
	struct mdg_buf b;
	struct csv_opts o;
	struct tab *t;
	int i;

	(void)state;
	/* A closing quote exists, but past the byte cap (max_record). */
	mdg_buf_init(&b, 0);
	assert_int_equal(mdg_buf_append(&b, "a,\"x\n", 5), MDG_OK);
	for (i = 0; i < 20; i++)
		assert_int_equal(mdg_buf_printf(&b, "l%02d,y\n", i), MDG_OK);
	assert_int_equal(mdg_buf_append(&b, "z\",w\n", 5), MDG_OK);
	memset(&o, 0, sizeof(o));
	o.max_record = 64;
	o.max_field = 64;
	t = parse_opts(b.data, b.len, &o);
	assert_int_equal(t->n, 22);
	check_fields(&t->r[0], 2, "a", "x");
	check_problem(&t->r[0], "csv.quote", 1, 3, 1);
	check_fields(&t->r[1], 2, "l00", "y");
	assert_int_equal(t->r[1].line, 2);
	check_fields(&t->r[20], 2, "l19", "y");
	check_fields(&t->r[21], 2, "z\"", "w");
	assert_int_equal(t->r[21].line, 22);
	tab_free(t);

	/* More than 10000 lines without a quote: capped by lines too. */
	mdg_buf_reset(&b);
	assert_int_equal(mdg_buf_append(&b, "\"open\n", 6), MDG_OK);
	for (i = 0; i < 10005; i++)
		assert_int_equal(mdg_buf_append(&b, "x\n", 2), MDG_OK);
	assert_int_equal(mdg_buf_append(&b, "\"\n", 2), MDG_OK);
	t = parse_opts(b.data, b.len, NULL);
	assert_int_equal(t->n, 10007);
	check_fields(&t->r[0], 1, "open");
	check_problem(&t->r[0], "csv.quote", 1, 1, 0);
	check_fields(&t->r[10005], 1, "x");
	assert_int_equal(t->r[10005].line, 10006);
	/* The last quote opens a field that the end of input leaves open. */
	check_fields(&t->r[10006], 1, "");
	check_problem(&t->r[10006], "csv.quote", 10007, 1, 0);
	tab_free(t);

	/* Within the caps, the same shape is one record. */
	mdg_buf_reset(&b);
	assert_int_equal(mdg_buf_append(&b, "\"open\n", 6), MDG_OK);
	for (i = 0; i < 100; i++)
		assert_int_equal(mdg_buf_append(&b, "x\n", 2), MDG_OK);
	assert_int_equal(mdg_buf_append(&b, "\",end\n", 6), MDG_OK);
	t = parse_opts(b.data, b.len, NULL);
	assert_int_equal(t->n, 1);
	mdg_buf_reset(&b);
	assert_int_equal(mdg_buf_append(&b, "open\n", 5), MDG_OK);
	for (i = 0; i < 100; i++)
		assert_int_equal(mdg_buf_append(&b, "x\n", 2), MDG_OK);
	check_fields(&t->r[0], 2, b.data, "end");
	assert_int_equal(t->r[0].end_line, 102);
	assert_int_equal(t->r[0].np, 0);
	tab_free(t);
	mdg_buf_free(&b);
}

/* ------------------------------------------------------------ records */

static void
test_csv_empty_input(void **state)
{
	struct tab *t;
	char *path;

	(void)state;
	t = parse("");
	assert_int_equal(t->n, 0);
	assert_int_equal(t->delim, ',');
	tab_free(t);
	t = parse("\n\r\n\n");
	assert_int_equal(t->n, 0);
	tab_free(t);
	path = temp_file("", 0);
	t = parse_file(path, NULL);
	assert_int_equal(t->n, 0);
	assert_int_equal(t->bytes, 0);
	tab_free(t);
	unlink(path);
	free(path);
}

static void
test_csv_header_only(void **state)
{
	struct tab *t;

	(void)state;
	t = parse("id,name\n");
	assert_int_equal(t->n, 1);
	check_fields(&t->r[0], 2, "id", "name");
	tab_free(t);
	t = parse("id,name");
	assert_int_equal(t->n, 1);
	check_fields(&t->r[0], 2, "id", "name");
	assert_int_equal(t->r[0].end_line, 1);
	tab_free(t);
}

static void
test_csv_empty_lines_skipped(void **state)
{
	struct tab *t = parse("\n\na,b\n\n\r\nc,d\n\n\"\"\n ,\n");

	(void)state;
	assert_int_equal(t->n, 4);
	check_fields(&t->r[0], 2, "a", "b");
	assert_int_equal(t->r[0].line, 3);
	check_fields(&t->r[1], 2, "c", "d");
	assert_int_equal(t->r[1].line, 6);
	/* An empty quoted field or a blank is a record, not an empty line. */
	check_fields(&t->r[2], 1, "");
	assert_int_equal(t->r[2].line, 8);
	check_fields(&t->r[3], 2, " ", "");
	assert_int_equal(t->r[3].line, 9);
	tab_free(t);
}

static void
test_csv_no_trailing_newline(void **state)
{
	struct tab *t = parse("a,b\nc,d");

	(void)state;
	assert_int_equal(t->n, 2);
	check_fields(&t->r[1], 2, "c", "d");
	assert_int_equal(t->r[1].line, 2);
	tab_free(t);
	t = parse("a,b\n\"c\nd\"");
	assert_int_equal(t->n, 2);
	check_fields(&t->r[1], 1, "c\nd");
	assert_int_equal(t->r[1].end_line, 3);
	assert_int_equal(t->r[1].np, 0);
	tab_free(t);
}

static void
test_csv_trailing_empty_field(void **state)
{
	struct tab *t = parse("a,b,\n,\n,,\"\"\n");

	(void)state;
	assert_int_equal(t->n, 3);
	check_fields(&t->r[0], 3, "a", "b", "");
	check_fields(&t->r[1], 2, "", "");
	check_fields(&t->r[2], 3, "", "", "");
	tab_free(t);
}

static void
test_csv_arrays_reused(void **state)
{
	struct mdg_diags d;
	struct csv_reader *r;
	struct csv_record rec;
	char **fields;
	const char *data = "a,b,c\nd,e,f\ng,h,i\n";

	(void)state;
	mdg_diags_init(&d);
	assert_int_equal(csv_open_mem(&r, "m", data, strlen(data), NULL, &d), MDG_OK);
	assert_int_equal(csv_next(r, &rec), 1);
	fields = rec.fields;
	assert_int_equal(csv_next(r, &rec), 1);
	assert_ptr_equal(rec.fields, fields);
	assert_string_equal(rec.fields[1], "e");
	assert_int_equal(csv_next(r, &rec), 1);
	assert_ptr_equal(rec.fields, fields);
	assert_int_equal(csv_next(r, &rec), 0);
	assert_int_equal(csv_bytes_read(r), strlen(data));
	csv_close(r);
	mdg_diags_free(&d);
}

/* ------------------------------------------------------------ encodings */

static void
test_csv_utf8_bom(void **state)
{
	struct tab *t = parse("\xEF\xBB\xBFid;näme\n1;ü\n");

	(void)state;
	assert_string_equal(t->enc, "utf-8-bom");
	assert_int_equal(t->delim, ';');
	check_fields(&t->r[0], 2, "id", "näme");
	check_fields(&t->r[1], 2, "1", "ü");
	assert_int_equal(t->r[1].line, 2);
	tab_free(t);
	/* Only at the start. */
	t = parse("a,\xEF\xBB\xBF\n");
	assert_string_equal(t->enc, "utf-8");
	check_fields(&t->r[0], 2, "a", "\xEF\xBB\xBF");
	tab_free(t);
}

static void
utf16_case(bool le)
{
	const char *text = "Name;Stadt;Preis\nMüller;Köln;€ 5\n\"a\nb\";𝄞;x\n";
	size_t len;
	char *data = to_utf16(text, le, &len);
	struct tab *t = parse_opts(data, len, NULL);

	assert_string_equal(t->enc, le ? "utf-16le" : "utf-16be");
	assert_int_equal(t->delim, ';');
	assert_int_equal(t->n, 3);
	check_fields(&t->r[0], 3, "Name", "Stadt", "Preis");
	check_fields(&t->r[1], 3, "Müller", "Köln", "€ 5");
	check_fields(&t->r[2], 3, "a\nb", "𝄞", "x");
	assert_int_equal(t->r[2].line, 3);
	assert_int_equal(t->r[2].end_line, 4);
	assert_int_equal(t->r[2].np, 0);
	tab_free(t);
	free(data);
}

static void
test_csv_utf16le_bom(void **state)
{
	(void)state;
	utf16_case(true);
}

static void
test_csv_utf16be_bom(void **state)
{
	(void)state;
	utf16_case(false);
}

static void
test_csv_utf16_invalid_unit(void **state)
{
	/* BOM, "a,", a lone high surrogate, "b\n", "c\n". */
	static const char data[] = "\xFF\xFE" "a\0,\0" "\x00\xD8" "b\0\n\0" "c\0\n\0";
	struct tab *t = parse_opts(data, sizeof(data) - 1, NULL);

	(void)state;
	assert_int_equal(t->n, 2);
	assert_int_equal(t->r[0].nf, 2);
	assert_string_equal(t->r[0].f[1], "\xFF" "b");
	check_problem(&t->r[0], "csv.utf8", 1, 3, 1);
	assert_non_null(strstr(t->r[0].p[0].message, "utf-16le"));
	check_fields(&t->r[1], 1, "c");
	tab_free(t);
}

static void
test_csv_windows1252(void **state)
{
	static const char data[] = "Name;Preis;Ort\n"
				   "M\xFCller;\x80 5,50;K\xF6ln\n"
				   "Stra\xDF" "e;\x84quote\x93;\xE4\xF6\xFC\xC4\xD6\xDC\n";
	struct tab *t = parse_enc(data, sizeof(data) - 1, "windows-1252");

	(void)state;
	assert_string_equal(t->enc, "windows-1252");
	assert_int_equal(t->delim, ';');
	assert_int_equal(t->n, 3);
	check_fields(&t->r[1], 3, "Müller", "€ 5,50", "Köln");
	check_fields(&t->r[2], 3, "Straße", "„quote“", "äöüÄÖÜ");
	assert_int_equal(t->r[1].np, 0);
	assert_int_equal(t->r[2].np, 0);
	tab_free(t);
}

static void
test_csv_iso8859_1(void **state)
{
	static const char data[] = "a,b\nGr\xFC\xDF" "e,\xE4\x80\n";
	struct tab *t;

	(void)state;
	t = parse_enc(data, sizeof(data) - 1, "iso-8859-1");
	assert_string_equal(t->enc, "iso-8859-1");
	/* In ISO-8859-1, 0x80 is the C1 control U+0080. */
	check_fields(&t->r[1], 2, "Grüße", "ä\xC2\x80");
	tab_free(t);
	t = parse_enc(data, sizeof(data) - 1, "latin1");
	assert_string_equal(t->enc, "latin1");
	check_fields(&t->r[1], 2, "Grüße", "ä\xC2\x80");
	tab_free(t);
}

static void
test_csv_utf8_encoding_names(void **state)
{
	static const char *names[] = { "UTF-8", "utf8", "Utf-8", "UTF8" };
	size_t i;
	struct tab *t;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		t = parse_enc("a,ü\n", 5, names[i]);
		assert_string_equal(t->enc, "utf-8");
		check_fields(&t->r[0], 2, "a", "ü");
		tab_free(t);
	}
	/* Invalid UTF-8 is still checked under an explicit "utf-8". */
	t = parse_enc("a,\xE4\n", 4, "UTF-8");
	check_problem(&t->r[0], "csv.utf8", 1, 3, 1);
	tab_free(t);
}

static void
test_csv_unknown_encoding(void **state)
{
	struct mdg_diags d;
	struct csv_reader *r;
	struct csv_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.encoding = "no-such-encoding-42";
	mdg_diags_init(&d);
	assert_int_equal(csv_open_mem(&r, "x.csv", "a\n", 2, &o, &d), MDG_ERR);
	assert_null(r);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].code, "input.encoding");
	assert_int_equal(d.v[0].severity, MDG_SEV_ERROR);
	assert_string_equal(d.v[0].file, "x.csv");
	assert_non_null(strstr(d.v[0].message, "no-such-encoding-42"));
	mdg_diags_free(&d);
}

static void
test_csv_invalid_in_source_encoding(void **state)
{
	/* 0x81 is not assigned in windows-1252. */
	static const char data[] = "a;b\n\xE4x;y\x81z\nc;d\n";
	struct tab *t = parse_enc(data, sizeof(data) - 1, "windows-1252");
	const struct csv_problem *p;

	(void)state;
	assert_int_equal(t->n, 3);
	assert_int_equal(t->r[1].nf, 2);
	assert_string_equal(t->r[1].f[0], "äx");
	assert_string_equal(t->r[1].f[1], "y\x81z");
	assert_int_equal(t->r[1].np, 1);
	check_problem(&t->r[1], "csv.utf8", 2, 5, 1);
	p = problem(&t->r[1], "csv.utf8");
	assert_string_equal(p->message,
			    "input not valid windows-1252, kept as byte 0x81 (try another --encoding)");
	check_fields(&t->r[2], 2, "c", "d");
	tab_free(t);
}

static void
test_csv_invalid_utf8(void **state)
{
	struct tab *t = parse("id,name\n1,ok\n2,M\xE4r\xF6z,\xFC\n3,\"ä€,x\xFFy\"\n");
	const struct csv_problem *p;

	(void)state;
	assert_int_equal(t->n, 4);
	assert_int_equal(t->r[1].np, 0);
	/* One problem per field: the first bad byte. */
	assert_int_equal(t->r[2].np, 2);
	check_problem(&t->r[2], "csv.utf8", 3, 4, 1);
	p = &t->r[2].p[0];
	assert_string_equal(p->message,
			    "invalid UTF-8 byte 0xE4 (is the file in windows-1252? try --encoding)");
	assert_int_equal(t->r[2].p[1].line, 3);
	assert_int_equal(t->r[2].p[1].col, 9);
	assert_int_equal(t->r[2].p[1].field, 2);
	/* Kept as is. */
	assert_string_equal(t->r[2].f[1], "M\xE4r\xF6z");
	/* Columns count characters: 3 , " ä € , x -> 0xFF is column 8. */
	check_problem(&t->r[3], "csv.utf8", 4, 8, 1);
	assert_string_equal(t->r[3].f[1], "ä€,x\xFFy");
	tab_free(t);
}

static void
add_seq(struct mdg_buf *b, bool *ok, size_t *len, size_t *count, const unsigned char *seq,
	size_t n)
{
	utf8proc_int32_t cp;
	size_t i;

	for (i = 1; i < n; i++)
		if (seq[i] == '\n' || seq[i] == '\r' || seq[i] == ',' || seq[i] == '"' ||
		    seq[i] == 0)
			return;
	assert_true(*count < 300000);
	/* Valid means exactly one whole character. */
	ok[*count] = utf8proc_iterate(seq, (utf8proc_ssize_t)n, &cp) == (utf8proc_ssize_t)n;
	len[(*count)++] = n;
	assert_int_equal(mdg_buf_append(b, seq, n), MDG_OK);
	assert_int_equal(mdg_buf_putc(b, '\n'), MDG_OK);
}

/* Every 1- and 2-byte and many 3- and 4-byte sequences agree with utf8proc. */
static void
test_csv_utf8_check_matches_utf8proc(void **state)
{
	static const unsigned char edge[] = { 0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
					      0xBF, 0xC0, 0xFF };
	size_t max = 300000, i, count = 0, *len = xcalloc(max, sizeof(*len));
	bool *ok = xcalloc(max, sizeof(*ok));
	unsigned char seq[4];
	unsigned a, c, e, f;
	struct mdg_buf b;
	struct tab *t;

	(void)state;
	mdg_buf_init(&b, 0);
	for (a = 0x80; a < 0x100; a++) {
		seq[0] = (unsigned char)a;
		add_seq(&b, ok, len, &count, seq, 1);
		for (c = 0; c < 0x100; c++) {
			seq[1] = (unsigned char)c;
			add_seq(&b, ok, len, &count, seq, 2);
			if (a < 0xE0 || c < 0x7F || c > 0xC0)
				continue;
			for (e = 0; e < sizeof(edge); e++) {
				seq[2] = edge[e];
				add_seq(&b, ok, len, &count, seq, 3);
				if (a < 0xF0)
					continue;
				for (f = 0; f < sizeof(edge); f += 2) {
					seq[3] = edge[f];
					add_seq(&b, ok, len, &count, seq, 4);
				}
			}
		}
	}
	assert_true(count < max);
	t = parse_delim(b.data, ',');
	assert_int_equal(t->n, count);
	for (i = 0; i < count; i++) {
		assert_int_equal(t->r[i].len[0], len[i]);
		if (ok[i] != (t->r[i].np == 0))
			fail_msg("record %zu (line %ld): utf8proc says %d", i, t->r[i].line,
				 ok[i]);
		if (!ok[i])
			check_problem(&t->r[i], "csv.utf8", (long)i + 1, 1, 0);
	}
	tab_free(t);
	mdg_buf_free(&b);
	free(ok);
	free(len);
}

/* ------------------------------------------------------------ problems */

static void
test_csv_nul_bytes(void **state)
{
	static const char data[] = "a,b\0c,d\n\"x\0\0y\",z\ne,f\n";
	struct tab *t = parse_opts(data, sizeof(data) - 1, NULL);

	(void)state;
	assert_int_equal(t->n, 3);
	check_fields(&t->r[0], 3, "a", "bc", "d");
	assert_int_equal(t->r[0].np, 1);
	check_problem(&t->r[0], "csv.nul", 1, 4, 1);
	check_fields(&t->r[1], 2, "xy", "z");
	assert_int_equal(t->r[1].np, 1);
	check_problem(&t->r[1], "csv.nul", 2, 3, 0);
	check_fields(&t->r[2], 2, "e", "f");
	assert_int_equal(t->r[2].np, 0);
	tab_free(t);
}

static void
test_csv_field_too_long(void **state)
{
	size_t big = 12 * 1024 * 1024, i, n;
	char *data = xmalloc(big + 64);
	const struct csv_problem *p;
	struct tab *t;

	(void)state;
	/* Unquoted. */
	n = 0;
	memcpy(data, "a,", 2);
	n = 2;
	memset(data + n, 'x', big);
	n += big;
	memcpy(data + n, ",b\nc,d\n", 7);
	n += 7;
	t = parse_opts(data, n, NULL);
	assert_int_equal(t->n, 2);
	assert_int_equal(t->r[0].nf, 3);
	assert_int_equal(t->r[0].len[1], CSV_DEFAULT_MAX_FIELD);
	for (i = 0; i < CSV_DEFAULT_MAX_FIELD; i++)
		if (t->r[0].f[1][i] != 'x')
			fail_msg("byte %zu", i);
	assert_string_equal(t->r[0].f[2], "b");
	assert_int_equal(t->r[0].np, 1);
	check_problem(&t->r[0], "csv.field_too_long", 1, 3, 1);
	p = problem(&t->r[0], "csv.field_too_long");
	assert_string_equal(p->message,
			    "field 2 is longer than the limit of 1048576 bytes (truncated)");
	check_fields(&t->r[1], 2, "c", "d");
	assert_int_equal(t->r[1].line, 2);
	tab_free(t);

	/* Quoted, with a line break and doubled quotes early on. */
	n = 0;
	memcpy(data, "a,\"q\"\"\nz", 8);
	n = 8;
	memset(data + n, 'y', big);
	n += big;
	memcpy(data + n, "\",b\nc,d\n", 8);
	n += 8;
	t = parse_opts(data, n, NULL);
	/*
	 * The field spans more than the look-ahead cap (max_record), so it
	 * counts as unterminated and the text after its first line is read
	 * again as records.
	 */
	assert_int_equal(t->n, 3);
	check_fields(&t->r[0], 2, "a", "q\"");
	check_problem(&t->r[0], "csv.quote", 1, 3, 1);
	assert_int_equal(t->r[1].nf, 2);
	assert_int_equal(t->r[1].len[0], CSV_DEFAULT_MAX_FIELD);
	assert_int_equal(t->r[1].f[0][0], 'z');
	assert_int_equal(t->r[1].f[0][1], 'y');
	assert_string_equal(t->r[1].f[1], "b");
	assert_int_equal(t->r[1].line, 2);
	check_problem(&t->r[1], "csv.field_too_long", 2, 1, 0);
	/* z...y" is unquoted: its quote is data; then ",b" ends it. */
	check_fields(&t->r[2], 2, "c", "d");
	assert_int_equal(t->r[2].line, 3);
	tab_free(t);

	/* Quoted on one line: truncated, and the closing quote is found. */
	memcpy(data, "a,\"", 3);
	n = 3;
	memset(data + n, 'w', big);
	n += big;
	memcpy(data + n, "\",b\nc,d\n", 8);
	n += 8;
	t = parse_opts(data, n, NULL);
	assert_int_equal(t->n, 2);
	assert_int_equal(t->r[0].nf, 3);
	assert_int_equal(t->r[0].len[1], CSV_DEFAULT_MAX_FIELD);
	assert_string_equal(t->r[0].f[2], "b");
	assert_int_equal(t->r[0].np, 1);
	check_problem(&t->r[0], "csv.field_too_long", 1, 3, 1);
	check_fields(&t->r[1], 2, "c", "d");
	tab_free(t);
	free(data);
}

static void
test_csv_field_too_long_utf8_boundary(void **state)
{
	struct csv_opts o;
	struct tab *t;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.max_field = 4;
	/* "aää" is 5 bytes: cut at 4 would split the second ä. */
	t = parse_opts("aää,b\n", 7, &o);
	check_fields(&t->r[0], 2, "aä", "b");
	check_problem(&t->r[0], "csv.field_too_long", 1, 1, 0);
	tab_free(t);
}

static void
test_csv_record_too_long(void **state)
{
	struct csv_opts o;
	struct tab *t;
	const char *s = "aaaa,bbbb,cccc,dddd\ne,f\n";

	(void)state;
	memset(&o, 0, sizeof(o));
	o.max_record = 10;
	t = parse_opts(s, strlen(s), &o);
	assert_int_equal(t->n, 2);
	check_fields(&t->r[0], 4, "aaaa", "bbbb", "cc", "");
	assert_int_equal(t->r[0].np, 1);
	check_problem(&t->r[0], "csv.record_too_long", 1, 11, 2);
	check_fields(&t->r[1], 2, "e", "f");
	assert_int_equal(t->r[1].np, 0);
	tab_free(t);
}

static void
test_csv_too_many_fields_100000_columns(void **state)
{
	struct mdg_buf b;
	struct tab *t;
	const struct csv_problem *p;
	char num[16];
	int i;

	(void)state;
	mdg_buf_init(&b, 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(mdg_buf_printf(&b, i ? ",%d" : "%d", i), MDG_OK);
	assert_int_equal(mdg_buf_append(&b, "\nx,y\n", 5), MDG_OK);
	t = parse_opts(b.data, b.len, NULL);
	assert_int_equal(t->n, 2);
	assert_int_equal(t->r[0].nf, CSV_DEFAULT_MAX_FIELDS);
	for (i = 0; i < CSV_DEFAULT_MAX_FIELDS; i++) {
		snprintf(num, sizeof(num), "%d", i);
		assert_string_equal(t->r[0].f[i], num);
	}
	assert_int_equal(t->r[0].np, 1);
	p = problem(&t->r[0], "csv.too_many_fields");
	assert_non_null(p);
	assert_int_equal(p->line, 1);
	assert_int_equal(p->field, CSV_DEFAULT_MAX_FIELDS);
	/* "0,".."9," is 20 characters, "10,".."99," 270, then 3 per field. */
	assert_int_equal(p->col, 20 + 270 + 3600 + 9000 * 5 + 1);
	check_fields(&t->r[1], 2, "x", "y");
	assert_int_equal(t->r[1].line, 2);
	tab_free(t);
	mdg_buf_free(&b);
}

static void
test_csv_missing_file(void **state)
{
	struct mdg_diags d;
	struct csv_reader *r;

	(void)state;
	mdg_diags_init(&d);
	assert_int_equal(csv_open(&r, "/nonexistent/dir/x.csv", NULL, &d), MDG_EIO);
	assert_null(r);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].code, "input.unreadable");
	assert_string_equal(d.v[0].file, "/nonexistent/dir/x.csv");
	assert_string_equal(d.v[0].message, "cannot open: No such file or directory");
	assert_int_equal(csv_open(&r, "/tmp", NULL, &d), MDG_EIO);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[1].code, "input.unreadable");
	mdg_diags_free(&d);
}

/* ------------------------------------------------------------ files */

static void
test_csv_fixture_windows1252_file(void **state)
{
	struct csv_opts o;
	struct tab *t;
	FILE *f;
	long size;

	(void)state;
	f = fopen(TOP_SRCDIR "/tests/data/csv/windows1252.csv", "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	memset(&o, 0, sizeof(o));
	o.encoding = "windows-1252";
	t = parse_file(TOP_SRCDIR "/tests/data/csv/windows1252.csv", &o);
	assert_int_equal(t->bytes, (unsigned long long)size);
	assert_int_equal(t->delim, ';');
	assert_int_equal(t->n, 4);
	check_fields(&t->r[0], 3, "Artikel", "Preis", "Lieferant");
	check_fields(&t->r[1], 3, "Schraube M6", "0,12 €", "Müller & Söhne");
	check_fields(&t->r[2], 3, "Mutter \"groß\"", "0,05 €", "Weiß; GmbH");
	check_fields(&t->r[3], 3, "Dübel", "1,00 €", "Öztürk");
	assert_int_equal(t->r[3].line, 4);
	tab_free(t);
}

static void
test_csv_stdin(void **state)
{
	static const char data[] = "a|b\nc|d\n";
	struct mdg_diags d;
	struct csv_reader *r;
	struct tab *t;
	char *path = temp_file(data, sizeof(data) - 1);
	int saved = dup(0);
	int fd = open(path, O_RDONLY);

	(void)state;
	assert_true(fd >= 0);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	mdg_diags_init(&d);
	assert_int_equal(csv_open(&r, "-", NULL, &d), MDG_OK);
	t = read_all(r);
	csv_close(r);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	close(fd);
	assert_int_equal(t->n, 2);
	assert_int_equal(t->delim, '|');
	check_fields(&t->r[1], 2, "c", "d");
	tab_free(t);
	mdg_diags_free(&d);
	unlink(path);
	free(path);
}

/*
 * A file of a few chunks in which piece[split] is the first byte of the
 * second chunk; piece is the second field of its record.  Read both from
 * a file and from memory (the chunks are the same).
 */
static void
boundary_case(size_t split, const char *piece, const char *want, const char *code)
{
	struct mdg_buf b;
	struct tab *t;
	char *path;
	size_t i, lines = 0, filler, start = CHUNK - split;

	mdg_buf_init(&b, 0);
	while (b.len + 10 < start - 1) {
		assert_int_equal(mdg_buf_printf(&b, "%04zu,abcd\n", lines % 10000), MDG_OK);
		lines++;
	}
	filler = start - 1 - b.len;
	for (i = 0; i < filler; i++)
		assert_int_equal(mdg_buf_putc(&b, 'p'), MDG_OK);
	assert_int_equal(mdg_buf_putc(&b, ','), MDG_OK);
	assert_int_equal(b.len, start);
	assert_int_equal(mdg_buf_append(&b, piece, strlen(piece)), MDG_OK);
	assert_int_equal(mdg_buf_append(&b, "\nlast,row\n", 10), MDG_OK);
	for (i = 0; i < 2; i++) {
		if (i == 0) {
			path = temp_file(b.data, b.len);
			t = parse_file(path, NULL);
			assert_int_equal(t->bytes, b.len);
			unlink(path);
			free(path);
		} else
			t = parse_opts(b.data, b.len, NULL);
		assert_int_equal(t->n, lines + 2);
		assert_int_equal(t->r[lines].nf, 2);
		assert_int_equal(t->r[lines].len[0], filler);
		assert_int_equal(t->r[lines].line, (long)lines + 1);
		assert_int_equal(t->r[lines].len[1], strlen(want));
		assert_memory_equal(t->r[lines].f[1], want, strlen(want) + 1);
		if (code != NULL)
			assert_non_null(problem(&t->r[lines], code));
		else
			assert_int_equal(t->r[lines].np, 0);
		check_fields(&t->r[lines + 1], 2, "last", "row");
		assert_int_equal(t->r[lines + 1].line, t->r[lines].end_line + 1);
		assert_string_equal(t->r[lines - 1].f[1], "abcd");
		tab_free(t);
	}
	mdg_buf_free(&b);
}

static void
test_csv_chunk_boundary(void **state)
{
	static const char quoted[] = "\"0123\"\"ab\r\ncd\"";
	size_t k;

	(void)state;
	/* Move a quoted field over the boundary byte by byte. */
	for (k = 0; k <= strlen(quoted); k++)
		boundary_case(k, quoted, "0123\"ab\ncd", NULL);
	/* The record's CRLF split between the chunks. */
	boundary_case(2, "xy\r", "xy", NULL);
	boundary_case(3, "xy\r", "xy", NULL);
	/* UTF-8 sequences split between the chunks are no problem... */
	boundary_case(2, "x€y", "x€y", NULL);
	boundary_case(3, "x€y", "x€y", NULL);
	boundary_case(2, "x𝄞y", "x𝄞y", NULL);
	boundary_case(4, "x𝄞y", "x𝄞y", NULL);
	boundary_case(3, "\"€\"", "€", NULL);
	/* ...but a truncated one still is. */
	boundary_case(2, "x\xE2\x82y", "x\xE2\x82y", "csv.utf8");
	/* A NUL byte right at the boundary. */
}

/* A record far larger than a chunk, with quoted lines and CRLF. */
static void
test_csv_record_spans_chunks(void **state)
{
	struct mdg_buf b, want;
	struct tab *t;
	char *path;
	int i;

	(void)state;
	mdg_buf_init(&b, 0);
	mdg_buf_init(&want, 0);
	assert_int_equal(mdg_buf_append(&b, "id,text,z\r\n1,\"", 14), MDG_OK);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(mdg_buf_printf(&b, "l%05d \"\"q\"\" %0130d\r\n", i, i),
				 MDG_OK);
		assert_int_equal(mdg_buf_printf(&want, "l%05d \"q\" %0130d\n", i, i), MDG_OK);
	}
	assert_int_equal(mdg_buf_append(&b, "end\",z\r\n2,x,y\r\n", 15), MDG_OK);
	assert_int_equal(mdg_buf_append(&want, "end", 3), MDG_OK);
	assert_true(b.len > 2 * CHUNK);
	path = temp_file(b.data, b.len);
	t = parse_file(path, NULL);
	assert_int_equal(t->n, 3);
	check_fields(&t->r[1], 3, "1", want.data, "z");
	assert_int_equal(t->r[1].line, 2);
	assert_int_equal(t->r[1].end_line, 5002);
	assert_int_equal(t->r[1].np, 0);
	check_fields(&t->r[2], 3, "2", "x", "y");
	assert_int_equal(t->r[2].line, 5003);
	tab_free(t);
	unlink(path);
	free(path);
	mdg_buf_free(&b);
	mdg_buf_free(&want);
}

/*
 * UTF-16 surrogate pairs split across a raw chunk boundary.  With a BOM
 * the first conversion covers two reads, so the first boundary in the
 * converted input is at byte 2 * CHUNK.
 */
static void
test_csv_utf16_chunk_boundary(void **state)
{
	struct mdg_buf text;
	struct tab *t;
	char *data;
	size_t len, i, lines, before;
	int shift;

	(void)state;
	for (shift = -1; shift <= 2; shift++) {
		mdg_buf_init(&text, 0);
		lines = 0;
		/* ASCII characters before the pair; each is 2 bytes, plus the BOM. */
		before = CHUNK - 1 - (size_t)(shift + 1);
		while (text.len + 10 < before - 1) {
			assert_int_equal(mdg_buf_printf(&text, "%04zu,abcd\n", lines % 10000),
					 MDG_OK);
			lines++;
		}
		for (i = text.len; i < before - 1; i++)
			assert_int_equal(mdg_buf_putc(&text, 'p'), MDG_OK);
		assert_int_equal(mdg_buf_printf(&text, ",𝄞\r\n€,z\n"), MDG_OK);
		data = to_utf16(text.data, true, &len);
		assert_true(len > 2 * CHUNK);
		t = parse_opts(data, len, NULL);
		assert_int_equal(t->n, lines + 2);
		assert_string_equal(t->r[lines].f[1], "𝄞");
		assert_int_equal(t->r[lines].np, 0);
		check_fields(&t->r[lines + 1], 2, "€", "z");
		assert_int_equal(t->r[lines + 1].line, (long)lines + 2);
		tab_free(t);
		free(data);
		mdg_buf_free(&text);
	}
}

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;

static unsigned
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state >> 11);
}

/*
 * Random fields (delimiters, quotes, line breaks, lone CRs, non-ASCII,
 * empty) written the way a correct writer would, read back over several
 * chunk boundaries: every field, record line and end line must match.
 */
static void
test_csv_roundtrip_random(void **state)
{
	static const char *atoms[] = { "a", "bc", ",", "\"", "\n", "\r", " ", "ä", "€", "𝄞",
				       "xyz", ";", "" };
	struct mdg_buf in, *want;
	size_t nrec = 0, cap = 20000, i, j, nf, k, na;
	size_t *wantn = xcalloc(cap, sizeof(*wantn));
	long *wline = xcalloc(cap, sizeof(*wline)), *wend = xcalloc(cap, sizeof(*wend));
	long line = 1;
	struct tab *t;
	struct mdg_buf f;
	bool quote;

	(void)state;
	want = xcalloc(cap * 8, sizeof(*want));
	mdg_buf_init(&in, 0);
	mdg_buf_init(&f, 0);
	while (in.len < 3 * CHUNK + 12345) {
		assert_true(nrec < cap);
		nf = 1 + rng() % 8;
		wantn[nrec] = nf;
		wline[nrec] = line;
		for (j = 0; j < nf; j++) {
			mdg_buf_reset(&f);
			na = rng() % 5 == 0 ? 0 : rng() % 12;
			for (k = 0; k < na; k++) {
				const char *a = atoms[rng() % (sizeof(atoms) / sizeof(atoms[0]))];

				/* CRLF inside a field would be read back as LF. */
				if (a[0] == '\n' && f.len > 0 && f.data[f.len - 1] == '\r')
					continue;
				assert_int_equal(mdg_buf_append(&f, a, strlen(a)), MDG_OK);
			}
			mdg_buf_init(&want[nrec * 8 + j], 0);
			assert_int_equal(mdg_buf_append(&want[nrec * 8 + j], f.data ? f.data : "",
							f.len), MDG_OK);
			quote = (f.len == 0 && nf == 1) || rng() % 10 == 0 ||
				(f.len > 0 && strpbrk(f.data, ",\"\n\r") != NULL);
			if (j > 0)
				assert_int_equal(mdg_buf_putc(&in, ','), MDG_OK);
			if (quote)
				assert_int_equal(mdg_buf_putc(&in, '"'), MDG_OK);
			for (k = 0; k < f.len; k++) {
				if (f.data[k] == '"')
					assert_int_equal(mdg_buf_putc(&in, '"'), MDG_OK);
				if (f.data[k] == '\n')
					line++;
				assert_int_equal(mdg_buf_putc(&in, f.data[k]), MDG_OK);
			}
			if (quote)
				assert_int_equal(mdg_buf_putc(&in, '"'), MDG_OK);
		}
		wend[nrec++] = line;
		if (rng() % 2)
			assert_int_equal(mdg_buf_putc(&in, '\r'), MDG_OK);
		assert_int_equal(mdg_buf_putc(&in, '\n'), MDG_OK);
		line++;
		/* Now and then an empty line, which is skipped. */
		if (rng() % 20 == 0) {
			assert_int_equal(mdg_buf_putc(&in, '\n'), MDG_OK);
			line++;
		}
	}
	t = parse_delim(in.data, ',');
	assert_int_equal(t->n, nrec);
	for (i = 0; i < nrec; i++) {
		assert_int_equal(t->r[i].nf, wantn[i]);
		assert_int_equal(t->r[i].line, wline[i]);
		assert_int_equal(t->r[i].end_line, wend[i]);
		assert_int_equal(t->r[i].np, 0);
		for (j = 0; j < wantn[i]; j++) {
			assert_int_equal(t->r[i].len[j], want[i * 8 + j].len);
			if (want[i * 8 + j].len > 0)
				assert_memory_equal(t->r[i].f[j], want[i * 8 + j].data,
						    want[i * 8 + j].len);
			mdg_buf_free(&want[i * 8 + j]);
		}
	}
	tab_free(t);
	mdg_buf_free(&in);
	mdg_buf_free(&f);
	free(want);
	free(wantn);
	free(wline);
	free(wend);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_comma),
		cmocka_unit_test(test_csv_semicolon_detected),
		cmocka_unit_test(test_csv_tab_detected),
		cmocka_unit_test(test_csv_pipe_detected),
		cmocka_unit_test(test_csv_detect_ignores_quoted),
		cmocka_unit_test(test_csv_detect_ties),
		cmocka_unit_test(test_csv_delimiter_forced),
		cmocka_unit_test(test_csv_bad_delimiter),
		cmocka_unit_test(test_csv_quoted_delimiter_and_doubled_quotes),
		cmocka_unit_test(test_csv_quoted_newlines),
		cmocka_unit_test(test_csv_line_numbers_after_multiline_fields),
		cmocka_unit_test(test_csv_crlf_and_lf),
		cmocka_unit_test(test_csv_stray_quote),
		cmocka_unit_test(test_csv_unterminated_quote_resumes),
		cmocka_unit_test(test_csv_unterminated_quote_capped),
		cmocka_unit_test(test_csv_unterminated_quote_closed_by_later_field),
		cmocka_unit_test(test_csv_empty_input),
		cmocka_unit_test(test_csv_header_only),
		cmocka_unit_test(test_csv_empty_lines_skipped),
		cmocka_unit_test(test_csv_no_trailing_newline),
		cmocka_unit_test(test_csv_trailing_empty_field),
		cmocka_unit_test(test_csv_arrays_reused),
		cmocka_unit_test(test_csv_utf8_bom),
		cmocka_unit_test(test_csv_utf16le_bom),
		cmocka_unit_test(test_csv_utf16be_bom),
		cmocka_unit_test(test_csv_utf16_invalid_unit),
		cmocka_unit_test(test_csv_windows1252),
		cmocka_unit_test(test_csv_iso8859_1),
		cmocka_unit_test(test_csv_utf8_encoding_names),
		cmocka_unit_test(test_csv_unknown_encoding),
		cmocka_unit_test(test_csv_invalid_in_source_encoding),
		cmocka_unit_test(test_csv_invalid_utf8),
		cmocka_unit_test(test_csv_utf8_check_matches_utf8proc),
		cmocka_unit_test(test_csv_nul_bytes),
		cmocka_unit_test(test_csv_field_too_long),
		cmocka_unit_test(test_csv_field_too_long_utf8_boundary),
		cmocka_unit_test(test_csv_record_too_long),
		cmocka_unit_test(test_csv_too_many_fields_100000_columns),
		cmocka_unit_test(test_csv_missing_file),
		cmocka_unit_test(test_csv_fixture_windows1252_file),
		cmocka_unit_test(test_csv_stdin),
		cmocka_unit_test(test_csv_chunk_boundary),
		cmocka_unit_test(test_csv_record_spans_chunks),
		cmocka_unit_test(test_csv_utf16_chunk_boundary),
		cmocka_unit_test(test_csv_roundtrip_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
