/*
 * csv.c - the streaming CSV reader: fixed-size read(2) chunks, BOM and
 * iconv decoding to UTF-8, delimiter detection, RFC 4180 quoting with the
 * repairs that real files need, and per-record problems (NUL bytes,
 * invalid UTF-8, unterminated quotes, fields and records past a limit).
 *
 * Fields are parsed in place in the work buffer: a plain field is left
 * where it is and its terminator (delimiter, quote, CR or LF) is overwritten
 * by a NUL.  A field that must be rewritten (doubled quotes, CRLF inside
 * quotes, NUL bytes, truncation) is copied into a per-record side buffer.
 * The raw text is otherwise never modified, which keeps columns exact and
 * lets an unterminated quote be re-scanned from the next line.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "diag.h"
#include "util.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define CSV_CHUNK (256 * 1024)     /* bytes per read(2) */
#define CSV_SPILL CSV_CHUNK        /* retained record bytes before copying out */
#define CSV_PAD 16                 /* zero bytes kept after the sentinel */
#define CSV_QUOTE_MAX_LINES 10000  /* a quoted field may span this many lines */
#define CSV_MAX_PROBLEMS 64        /* per record (limits and csv.quote always kept) */
#define CSV_DETECT_LINES 20

/* How a field ended. */
enum {
	END_DELIM = 1,
	END_LINE,    /* a line break; pos is after it */
	END_UNTERM,  /* unterminated quote at a line break; pos is after it */
	END_EOF,
};

struct csv_reader {
	/* Source. */
	char *name;
	int fd;
	bool close_fd;
	const unsigned char *mem;
	size_t mem_len;
	size_t mem_pos;
	bool src_eof;
	unsigned long long bytes_read;
	struct mdg_diags *d;
	int error;             /* sticky fatal error */

	/* Options. */
	int delim;
	size_t max_field;
	size_t max_record;
	size_t max_fields;
	void (*on_raw)(void *, const void *, size_t);
	void *on_raw_arg;
	size_t quote_cap;      /* bytes a quoted field may span past its first line */

	/* Decoding. */
	const char *enc;       /* what csv_encoding() says */
	char *enc_opt;         /* copy of opts->encoding */
	bool conv;             /* converting through iconv */
	iconv_t cd;
	size_t unit;           /* input bytes skipped on an invalid sequence */
	unsigned char *raw;    /* undecoded input (conv only) */
	size_t raw_len;
	bool started;

	/* Work buffer: decoded UTF-8; buf[len] is a NUL sentinel. */
	char *buf;
	size_t len;
	size_t cap;
	bool eof;              /* no more decoded data will come */
	unsigned char tu[256]; /* bytes that stop the scan outside quotes */
	unsigned char tq[256]; /* ... and inside quotes */

	/*
	 * Position.  pos, col_pos, rs, fs, fo, run, la, la_start and the
	 * foff[] of fields still in buf are offsets into buf, which
	 * shift() moves.
	 */
	size_t pos;
	long line;
	size_t col_pos;        /* column cache: col_val characters precede col_pos */
	long col_val;          /*   on the current line */

	/* Record being read. */
	bool in_rec;
	long rec_line;
	long end_line;
	size_t rec_bytes;
	bool rec_full;
	bool many_reported;
	size_t nf;             /* stored fields */
	size_t fcap;
	size_t n_inplace;      /* stored fields still in buf */
	size_t rs;             /* offset of the first of them */
	size_t *foff;
	size_t *lens;
	long *flines;
	unsigned char *fside;
	char **fptr;
	struct csv_problem *probs;
	size_t nprob;
	size_t pcap;
	struct mdg_buf side;

	/* Field being read. */
	bool f_active;
	size_t fidx;           /* 0-based index, counting dropped fields */
	long fline;
	size_t fs;             /* raw start (the opening quote when quoted) */
	long fcol;             /* column of fs, 0 until computed */
	bool finplace;         /* content is buf[fo, fo + flen) */
	size_t fo;
	size_t soff;           /* else side.data[soff, soff + flen) */
	size_t flen;
	size_t run;            /* pending content is buf[run, pos) */
	bool fdrop;            /* further content is dropped */
	bool f_nul;
	bool f_utf8;
	bool qverified;        /* the closing quote is known to exist */
	size_t la;             /* look-ahead cursor */
	size_t la_start;
};

static int refill(struct csv_reader *);
static int scan_unquoted(struct csv_reader *);

/* ------------------------------------------------------------ UTF-8 */

/*
 * Length of the UTF-8 sequence at s (s[0] >= 0x80): > 0 when valid, 0 when
 * invalid, -1 when the bytes before end are a valid but incomplete prefix.
 */
static inline int
utf8_seq(const unsigned char *s, const unsigned char *end)
{
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	size_t avail = (size_t)(end - s);
	int n, i;

	if (c < 0xC2 || c > 0xF4)
		return 0;
	if (c < 0xE0)
		n = 2;
	else if (c < 0xF0) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	}
	if (avail < 2)
		return -1;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++) {
		if ((size_t)i >= avail)
			return -1;
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	}
	return n;
}

/* Characters in [s, e); an invalid byte counts as one character. */
static long
count_chars(const unsigned char *s, const unsigned char *e)
{
	long n = 0;
	uint64_t w;
	int k;

	while (s < e) {
		while (e - s >= 8) {
			memcpy(&w, s, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			n += 8;
			s += 8;
		}
		if (s >= e)
			break;
		if (*s < 0x80)
			s++;
		else {
			k = utf8_seq(s, e);
			s += k > 0 ? k : 1;
		}
		n++;
	}
	return n;
}

/* Cut n bytes of s back to a character boundary (s[n] is readable). */
static size_t
char_boundary(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* ------------------------------------------------------------ columns */

static void
newline(struct csv_reader *r, size_t p)
{
	r->line++;
	r->col_pos = p;
	r->col_val = 0;
}

/* 1-based column of offset p, which is on the current line. */
static long
col_at(struct csv_reader *r, size_t p)
{
	const unsigned char *b = (const unsigned char *)r->buf;

	if (p < r->col_pos)
		return r->col_val - count_chars(b + p, b + r->col_pos) + 1;
	r->col_val += count_chars(b + r->col_pos, b + p);
	r->col_pos = p;
	return r->col_val + 1;
}

static long
field_col(struct csv_reader *r)
{
	if (r->fcol == 0)
		r->fcol = col_at(r, r->fs);
	return r->fcol;
}

/* ------------------------------------------------------------ problems */

static void add_problem(struct csv_reader *, const char *, long, long, const char *, ...)
	MDG_PRINTF(5, 6);

static void
add_problem(struct csv_reader *r, const char *code, long line, long col, const char *fmt, ...)
{
	struct csv_problem *pb;
	bool always;
	va_list ap;

	always = strcmp(code, "csv.quote") == 0 || strcmp(code, "csv.record_too_long") == 0 ||
		 strcmp(code, "csv.too_many_fields") == 0;
	if (r->nprob >= CSV_MAX_PROBLEMS && !always)
		return;
	if (r->nprob == r->pcap) {
		r->pcap = r->pcap ? r->pcap * 2 : 8;
		r->probs = xreallocarray(r->probs, r->pcap, sizeof(*r->probs));
	}
	pb = &r->probs[r->nprob++];
	pb->code = code;
	pb->line = line;
	pb->col = col;
	pb->field = r->fidx;
	va_start(ap, fmt);
	vsnprintf(pb->message, sizeof(pb->message), fmt, ap);
	va_end(ap);
}

static void
nul_problem(struct csv_reader *r, size_t p)
{
	if (r->f_nul)
		return;
	r->f_nul = true;
	add_problem(r, "csv.nul", r->line, col_at(r, p), "NUL byte in field %zu (removed)",
		    r->fidx + 1);
}

static void
utf8_problem(struct csv_reader *r, size_t p)
{
	unsigned c = (unsigned char)r->buf[p];

	if (r->f_utf8)
		return;
	r->f_utf8 = true;
	if (r->conv)
		add_problem(r, "csv.utf8", r->line, col_at(r, p),
			    "input not valid %s, kept as byte 0x%02X (try another --encoding)",
			    r->enc, c);
	else
		add_problem(r, "csv.utf8", r->line, col_at(r, p),
			    "invalid UTF-8 byte 0x%02X (is the file in windows-1252? try --encoding)",
			    c);
}

/* ------------------------------------------------------------ fields */

static void
side_append(struct csv_reader *r, const void *s, size_t n)
{
	/* The bound is a backstop: emit() keeps below it. */
	if (mdg_buf_append(&r->side, s, n) != MDG_OK)
		r->fdrop = true;
}

/* Move the current field's content from buf to the side buffer. */
static void
to_side(struct csv_reader *r)
{
	r->soff = r->side.len;
	side_append(r, r->buf + r->fo, r->flen);
	r->finplace = false;
}

/* Add buf[from, to) to the current field, within the limits. */
static void
emit(struct csv_reader *r, size_t from, size_t to)
{
	const char *s = r->buf + from;
	size_t n = to - from;
	bool cut_field = false, cut_rec = false;

	if (n == 0 || r->fdrop)
		return;
	if (n > r->max_field - r->flen) {
		n = r->max_field - r->flen;
		cut_field = true;
	}
	if (n > r->max_record - r->rec_bytes) {
		n = r->max_record - r->rec_bytes;
		cut_rec = true;
		cut_field = false;
	}
	if (cut_field || cut_rec)
		n = char_boundary(s, n);
	else if (r->finplace && r->fo + r->flen == from) {
		r->flen += n;
		r->rec_bytes += n;
		return;
	}
	if (r->finplace)
		to_side(r);
	side_append(r, s, n);
	r->flen += n;
	r->rec_bytes += n;
	if (cut_field)
		add_problem(r, "csv.field_too_long", r->fline, field_col(r),
			    "field %zu is longer than the limit of %zu bytes (truncated)",
			    r->fidx + 1, r->max_field);
	if (cut_rec) {
		add_problem(r, "csv.record_too_long", r->fline, field_col(r),
			    "record is longer than the limit of %zu bytes (truncated in field %zu)",
			    r->max_record, r->fidx + 1);
		r->rec_full = true;
	}
	if (cut_field || cut_rec)
		r->fdrop = true;
}

static void
grow_fields(struct csv_reader *r)
{
	size_t n = r->fcap ? r->fcap * 2 : 64;

	if (n > r->max_fields)
		n = r->max_fields;
	r->foff = xreallocarray(r->foff, n, sizeof(*r->foff));
	r->lens = xreallocarray(r->lens, n, sizeof(*r->lens));
	r->flines = xreallocarray(r->flines, n, sizeof(*r->flines));
	r->fside = xreallocarray(r->fside, n, sizeof(*r->fside));
	r->fptr = xreallocarray(r->fptr, n, sizeof(*r->fptr));
	r->fcap = n;
}

static int
begin_field(struct csv_reader *r)
{
	int rc;

	while (r->pos >= r->len && !r->eof)
		if ((rc = refill(r)) < 0)
			return rc;
	r->f_active = true;
	r->fline = r->line;
	r->fs = r->fo = r->run = r->pos;
	r->fcol = 0;
	r->flen = 0;
	r->finplace = true;
	r->fdrop = false;
	r->f_nul = r->f_utf8 = false;
	r->qverified = false;
	if (r->fidx >= r->max_fields) {
		if (!r->many_reported) {
			r->many_reported = true;
			add_problem(r, "csv.too_many_fields", r->line, field_col(r),
				    "more than %zu fields (the rest of the record is ignored)",
				    r->max_fields);
		}
		r->finplace = false;
		r->fdrop = true;
	} else if (r->rec_full) {
		r->finplace = false;
		r->soff = r->side.len;
		r->fdrop = true;
	}
	return 0;
}

static void
end_field(struct csv_reader *r)
{
	size_t i;

	r->f_active = false;
	if (r->fidx++ >= r->max_fields)
		return;
	if (r->nf == r->fcap)
		grow_fields(r);
	i = r->nf++;
	if (r->finplace) {
		r->buf[r->fo + r->flen] = '\0';
		r->foff[i] = r->fo;
		r->fside[i] = 0;
		if (r->n_inplace++ == 0)
			r->rs = r->fo;
	} else {
		side_append(r, "", 1);
		r->foff[i] = r->soff;
		r->fside[i] = 1;
	}
	r->lens[i] = r->flen;
	r->flines[i] = r->fline;
}

/*
 * Copy every field of the record still in buf to the side buffer, so that
 * the raw text before pos need not be kept.
 */
static void
spill(struct csv_reader *r)
{
	char *tmp = NULL;
	size_t i, off, tlen = 0;

	if (r->f_active) {
		emit(r, r->run, r->pos);
		r->run = r->pos;
		if (!r->finplace && r->n_inplace > 0 && r->fidx < r->max_fields) {
			/* Keep the current field's content after the others. */
			tlen = r->flen;
			tmp = xmalloc(tlen + 1);
			memcpy(tmp, r->side.data + r->soff, tlen);
			r->side.len = r->soff;
			r->side.data[r->side.len] = '\0';
		}
	}
	for (i = 0; i < r->nf; i++) {
		if (r->fside[i])
			continue;
		off = r->side.len;
		side_append(r, r->buf + r->foff[i], r->lens[i] + 1);
		r->foff[i] = off;
		r->fside[i] = 1;
	}
	r->n_inplace = 0;
	if (r->f_active) {
		if (r->finplace)
			to_side(r);
		else if (tmp != NULL) {
			r->soff = r->side.len;
			side_append(r, tmp, tlen);
		}
	}
	free(tmp);
}

/* ------------------------------------------------------------ input */

static void
reserve(struct csv_reader *r, size_t extra)
{
	size_t need, ncap;

	if (!mdg_size_add(r->len, extra, &need) || !mdg_size_add(need, 1 + CSV_PAD, &need))
		need = SIZE_MAX;
	if (need <= r->cap)
		return;
	ncap = r->cap > SIZE_MAX / 2 ? SIZE_MAX : r->cap * 2;
	if (ncap < need)
		ncap = need;
	r->buf = xreallocarray(r->buf, ncap, 1);
	r->cap = ncap;
}

static void
set_sentinel(struct csv_reader *r)
{
	memset(r->buf + r->len, 0, 1 + CSV_PAD);
}

/* Read up to n bytes (fewer only at end of input); -1 on error. */
static long
src_read(struct csv_reader *r, unsigned char *dst, size_t n)
{
	size_t got = 0;
	ssize_t k;

	if (r->src_eof)
		return 0;
	if (r->mem != NULL) {
		got = r->mem_len - r->mem_pos;
		if (got > n)
			got = n;
		if (got > 0)
			memcpy(dst, r->mem + r->mem_pos, got);
		r->mem_pos += got;
		if (r->mem_pos == r->mem_len)
			r->src_eof = true;
	} else {
		while (got < n) {
			k = read(r->fd, dst + got, n - got);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				mdg_diag_at(r->d, MDG_SEV_ERROR, "input.unreadable", r->name, 0, 0,
					    "read error: %s", strerror(errno));
				return -1;
			}
			if (k == 0) {
				r->src_eof = true;
				break;
			}
			got += (size_t)k;
		}
	}
	r->bytes_read += got;
	if (got > 0 && r->on_raw != NULL)
		r->on_raw(r->on_raw_arg, dst, got);
	return (long)got;
}

static int
fill_plain(struct csv_reader *r)
{
	long n;

	reserve(r, CSV_CHUNK);
	if ((n = src_read(r, (unsigned char *)r->buf + r->len, CSV_CHUNK)) < 0)
		return MDG_EIO;
	r->len += (size_t)n;
	if (r->src_eof)
		r->eof = true;
	set_sentinel(r);
	return 0;
}

/* Convert the bytes in raw; an incomplete tail stays there unless final. */
static int
convert(struct csv_reader *r, bool final)
{
	char *in = (char *)r->raw, *out;
	size_t inleft = r->raw_len, outleft, rc, k, slack = 64;
	unsigned char bad;

	for (;;) {
		reserve(r, inleft * 4 + slack);
		out = r->buf + r->len;
		outleft = r->cap - r->len - 1 - CSV_PAD;
		rc = iconv(r->cd, &in, &inleft, &out, &outleft);
		r->len = (size_t)(out - r->buf);
		if (rc != (size_t)-1)
			break;
		if (errno == E2BIG) {
			slack *= 2;
			continue;
		}
		if (errno == EILSEQ || (errno == EINVAL && final)) {
			/*
			 * Keep an invalid input byte as is when it cannot be
			 * valid UTF-8 here (>= 0x80 between whole characters),
			 * else 0xFF: the UTF-8 check then reports it.
			 */
			bad = (unsigned char)*in;
			reserve(r, 1);
			r->buf[r->len++] = (char)(bad >= 0x80 ? bad : 0xFF);
			k = r->unit < inleft ? r->unit : inleft;
			in += k;
			inleft -= k;
			continue;
		}
		if (errno == EINVAL)
			break;
		mdg_diag_at(r->d, MDG_SEV_ERROR, "input.encoding", r->name, 0, 0,
			    "cannot convert from %s: %s", r->enc, strerror(errno));
		return MDG_ERR;
	}
	if (final) {
		reserve(r, 64);
		out = r->buf + r->len;
		outleft = r->cap - r->len - 1 - CSV_PAD;
		iconv(r->cd, NULL, NULL, &out, &outleft);
		r->len = (size_t)(out - r->buf);
	}
	memmove(r->raw, in, inleft);
	r->raw_len = inleft;
	set_sentinel(r);
	return 0;
}

static int
fill_conv(struct csv_reader *r)
{
	size_t before = r->len;
	long n;
	int rc;

	for (;;) {
		if (!r->src_eof) {
			if ((n = src_read(r, r->raw + r->raw_len, CSV_CHUNK)) < 0)
				return MDG_EIO;
			r->raw_len += (size_t)n;
		}
		if ((rc = convert(r, r->src_eof)) < 0)
			return rc;
		if (r->src_eof) {
			r->eof = true;
			return 0;
		}
		if (r->len > before)
			return 0;
	}
}

static size_t
live_min(const struct csv_reader *r)
{
	size_t k = r->pos;

	if (r->f_active) {
		if (r->run < k)
			k = r->run;
		if (r->finplace && r->fo < k)
			k = r->fo;
	}
	if (r->n_inplace > 0 && r->rs < k)
		k = r->rs;
	return k;
}

static size_t
sub_clamp(size_t x, size_t k)
{
	return x >= k ? x - k : 0;
}

/* Drop buf[0, keep), moving every live offset. */
static void
shift(struct csv_reader *r, size_t keep)
{
	size_t i;

	if (r->f_active && r->fcol == 0 && r->fs < keep)
		field_col(r);
	if (r->col_pos < keep)
		col_at(r, keep);
	memmove(r->buf, r->buf + keep, r->len - keep + 1);
	r->len -= keep;
	r->pos -= keep;
	r->col_pos -= keep;
	r->run = sub_clamp(r->run, keep);
	r->fo = sub_clamp(r->fo, keep);
	r->fs = sub_clamp(r->fs, keep);
	r->la = sub_clamp(r->la, keep);
	r->la_start = sub_clamp(r->la_start, keep);
	if (r->n_inplace > 0) {
		r->rs -= keep;
		for (i = 0; i < r->nf; i++)
			if (!r->fside[i])
				r->foff[i] -= keep;
	}
	set_sentinel(r);
}

/* Get more decoded input after buf[len]; sets eof at the end. */
static int
refill(struct csv_reader *r)
{
	size_t keep;

	if (r->eof)
		return 0;
	keep = live_min(r);
	if (r->in_rec && r->len - keep > CSV_SPILL) {
		spill(r);
		keep = live_min(r);
	}
	if (keep > 0)
		shift(r, keep);
	return r->conv ? fill_conv(r) : fill_plain(r);
}

/* ------------------------------------------------------------ dialect */

/*
 * Count ',', ';', '\t' and '|' outside quotes on the first logical lines
 * and keep the candidate whose non-zero count is the same on most lines;
 * ties prefer the header's count, then more fields, then the order above.
 */
static int
detect_delimiter(const unsigned char *s, size_t n, bool complete)
{
	static const unsigned char cand[4] = { ',', ';', '\t', '|' };
	size_t counts[CSV_DETECT_LINES][4], cur[4] = { 0, 0, 0, 0 };
	size_t nl = 0, i, j, k, v, mode, freq, f, bfreq = 0, bmode = 0;
	bool inq = false, fstart = true, nonempty = false, hdr, h, bhdr = false;
	int best = ',', ci;
	unsigned char c;

	for (i = 0; i < n && nl < CSV_DETECT_LINES; i++) {
		c = s[i];
		if (inq) {
			if (c == '"') {
				if (i + 1 < n && s[i + 1] == '"')
					i++;
				else
					inq = false;
			}
			continue;
		}
		if (c == '\n') {
			if (nonempty) {
				memcpy(counts[nl++], cur, sizeof(cur));
				memset(cur, 0, sizeof(cur));
			}
			nonempty = false;
			fstart = true;
			continue;
		}
		if (c == '\r')
			continue;
		nonempty = true;
		if (c == '"' && fstart) {
			inq = true;
			continue;
		}
		for (ci = 0; ci < 4 && cand[ci] != c; ci++)
			;
		if (ci < 4)
			cur[ci]++;
		fstart = ci < 4;
	}
	if (nonempty && nl < CSV_DETECT_LINES && (complete || nl == 0))
		memcpy(counts[nl++], cur, sizeof(cur));

	for (k = 0; k < 4; k++) {
		mode = freq = 0;
		hdr = false;
		for (i = 0; i < nl; i++) {
			if ((v = counts[i][k]) == 0)
				continue;
			for (f = 0, j = 0; j < nl; j++)
				f += counts[j][k] == v;
			h = v == counts[0][k];
			if (f > freq || (f == freq && (h > hdr || (h == hdr && v > mode)))) {
				freq = f;
				mode = v;
				hdr = h;
			}
		}
		if (freq > bfreq || (freq > 0 && freq == bfreq &&
		    (hdr > bhdr || (hdr == bhdr && mode > bmode)))) {
			best = cand[k];
			bfreq = freq;
			bmode = mode;
			bhdr = hdr;
		}
	}
	return best;
}

static void
build_tables(struct csv_reader *r)
{
	memset(r->tu, 0, sizeof(r->tu));
	memset(r->tu + 0x80, 1, 0x80);
	r->tu['\0'] = r->tu['\n'] = r->tu['\r'] = 1;
	memcpy(r->tq, r->tu, sizeof(r->tq));
	r->tq['"'] = 1;
	r->tu[(unsigned char)r->delim] = 1;
}

static int
start(struct csv_reader *r)
{
	const unsigned char *b;
	int rc;
	bool le;

	r->started = true;
	if (!r->conv) {
		if ((rc = fill_plain(r)) < 0)
			return rc;
		b = (const unsigned char *)r->buf;
		if (r->len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
			r->pos = 3;
			r->enc = "utf-8-bom";
		} else if (r->len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) ||
		    (b[0] == 0xFE && b[1] == 0xFF))) {
			le = b[0] == 0xFF;
			r->cd = iconv_open("UTF-8", le ? "UTF-16LE" : "UTF-16BE");
			if (r->cd == (iconv_t)-1) {
				mdg_diag_at(r->d, MDG_SEV_ERROR, "input.encoding", r->name, 0, 0,
					    "cannot convert from UTF-16: %s", strerror(errno));
				return MDG_ERR;
			}
			r->conv = true;
			r->unit = 2;
			r->enc = le ? "utf-16le" : "utf-16be";
			r->raw = xmalloc(2 * CSV_CHUNK + 64);
			memcpy(r->raw, b + 2, r->len - 2);
			r->raw_len = r->len - 2;
			r->len = 0;
			r->eof = false;
			if ((rc = fill_conv(r)) < 0)
				return rc;
		}
	} else {
		if ((rc = fill_conv(r)) < 0)
			return rc;
		b = (const unsigned char *)r->buf;
		/* A BOM the converter passed through as U+FEFF. */
		if (r->len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
			r->pos = 3;
	}
	r->col_pos = r->pos;
	if (r->delim == 0)
		r->delim = detect_delimiter((const unsigned char *)r->buf + r->pos,
					    r->len - r->pos, r->eof);
	build_tables(r);
	return 0;
}

/* ------------------------------------------------------------ scanner */

/* The first byte at or after p that t marks; buf[len] stops the loop. */
static inline size_t
skip_plain(const unsigned char *b, size_t p, const unsigned char *t)
{
	for (;;) {
		if (t[b[p]])
			return p;
		if (t[b[p + 1]])
			return p + 1;
		if (t[b[p + 2]])
			return p + 2;
		if (t[b[p + 3]])
			return p + 3;
		p += 4;
	}
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CSV_SWAR 1
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
#define HASZERO(v) (((v) - ONES) & ~(v) & HIGHS)

/*
 * Like skip_plain with r->tu, eight bytes at a time: the first delimiter,
 * LF, CR, NUL or non-ASCII byte.  The lowest flag of HASZERO is exact, so
 * the lowest flag of the union is the first special byte.  Reading past
 * buf[len] stays within its CSV_PAD zero bytes.
 */
static inline size_t
skip_plain8(const unsigned char *b, size_t p, uint64_t delim8)
{
	uint64_t w, m;

	for (;;) {
		memcpy(&w, b + p, 8);
		m = (w & HIGHS) | HASZERO(w) | HASZERO(w ^ delim8) |
		    HASZERO(w ^ (ONES * '\n')) | HASZERO(w ^ (ONES * '\r'));
		if (m != 0)
			return p + (size_t)(__builtin_ctzll(m) >> 3);
		p += 8;
	}
}
#endif

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define CSV_SSE2 1
/*
 * skip_plain8 sixteen bytes at a time: the first delimiter, LF, CR, NUL
 * or non-ASCII byte (its high bit is its own flag).  Reading past
 * buf[len] stays within its CSV_PAD zero bytes.
 */
static inline size_t
skip_plain16(const unsigned char *b, size_t p, int delim)
{
	const __m128i d = _mm_set1_epi8((char)delim), lf = _mm_set1_epi8('\n'),
		      cr = _mm_set1_epi8('\r'), z = _mm_setzero_si128();
	__m128i v, m;
	unsigned bits;

	for (;;) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(b + p));
		m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, lf)),
				 _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, z)));
		bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(m, v));
		if (bits != 0)
			return p + (size_t)__builtin_ctz(bits);
		p += 16;
	}
}
#endif

/*
 * A non-ASCII byte at p: check the sequence.  Returns the offset after it,
 * or 0 when more input is needed first.
 */
static size_t
check_utf8(struct csv_reader *r, size_t p)
{
	const unsigned char *b = (const unsigned char *)r->buf;
	int n = utf8_seq(b + p, b + r->len);

	if (n < 0 && !r->eof)
		return 0;
	if (n <= 0) {
		utf8_problem(r, p);
		n = 1;
	}
	return p + (size_t)n;
}

/* Refill with pos = p; the caller reloads p from r->pos. */
static int
more(struct csv_reader *r, size_t p)
{
	r->pos = p;
	return refill(r);
}

static int
scan_unquoted(struct csv_reader *r)
{
	const unsigned char *b;
	size_t p = r->pos, q;
	int rc, c;

	for (;;) {
		b = (const unsigned char *)r->buf;
		p = skip_plain(b, p, r->tu);
		c = b[p];
		if (c == r->delim) {
			emit(r, r->run, p);
			r->pos = p + 1;
			return END_DELIM;
		}
		switch (c) {
		case '\n':
			emit(r, r->run, p);
			r->pos = p + 1;
			return END_LINE;
		case '\r':
			if (p + 1 >= r->len && !r->eof) {
				if ((rc = more(r, p)) < 0)
					return rc;
				p = r->pos;
				continue;
			}
			if (b[p + 1] == '\n' || p + 1 >= r->len) {
				emit(r, r->run, p);
				r->pos = p + (b[p + 1] == '\n' ? 2 : 1);
				return b[p + 1] == '\n' ? END_LINE : END_EOF;
			}
			p++;
			continue;
		case '\0':
			if (p >= r->len) {
				if (r->eof) {
					emit(r, r->run, p);
					r->pos = p;
					return END_EOF;
				}
				if ((rc = more(r, p)) < 0)
					return rc;
				p = r->pos;
				continue;
			}
			emit(r, r->run, p);
			nul_problem(r, p);
			r->run = ++p;
			continue;
		default:
			if ((q = check_utf8(r, p)) == 0) {
				if ((rc = more(r, p)) < 0)
					return rc;
				p = r->pos;
				continue;
			}
			p = q;
			continue;
		}
	}
}

/*
 * At a line break inside a quoted field: is there a closing quote within
 * the limits, followed by a delimiter or a line end?  1: yes, 0: no (the
 * quote is unterminated), <0: read error.
 * Nothing is consumed: r->pos stays on the line break.
 */
static int
lookahead(struct csv_reader *r)
{
	const char *b, *q, *nl;
	size_t stop;
	long lines = 0;
	int rc;

	r->la_start = r->la = r->pos + 1;
	for (;;) {
		b = r->buf;
		q = memchr(b + r->la, '"', r->len - r->la);
		stop = q != NULL ? (size_t)(q - b) : r->len;
		for (nl = b + r->la; (nl = memchr(nl, '\n', (size_t)(b + stop - nl))) != NULL; nl++)
			lines++;
		if (lines >= CSV_QUOTE_MAX_LINES || stop - r->la_start > r->quote_cap)
			return 0;
		if (q != NULL) {
			if (stop + 1 < r->len) {
				/*
				 * A closing quote must end the field.  When text
				 * follows it, the quote that opened this multi-line
				 * field was far more likely never closed (a plant's
				 * `"Nut M8, zinc,...` line), and taking it as closed
				 * would swallow the records in between.
				 */
				if (b[stop + 1] != '"') {
					int c = (unsigned char)b[stop + 1];
					return c == r->delim || c == '\n' || c == '\r';
				}
				r->la = stop + 2;
				continue;
			}
			if (r->eof)
				return 1;
			r->la = stop;
		} else {
			if (r->eof)
				return 0;
			r->la = r->len;
		}
		if ((rc = refill(r)) < 0)
			return rc;
	}
}

static void
quote_problem(struct csv_reader *r)
{
	long col = field_col(r);

	add_problem(r, "csv.quote", r->fline, col,
		    "unterminated quoted field (opened at line %ld, column %ld)", r->fline, col);
}

/* After the closing quote of a field, at p. */
static int
after_quote(struct csv_reader *r, size_t p)
{
	const unsigned char *b;
	int rc, c;

	for (;;) {
		if (p + 1 >= r->len && !r->eof) {
			if ((rc = more(r, p)) < 0)
				return rc;
			p = r->pos;
			continue;
		}
		b = (const unsigned char *)r->buf;
		c = b[p];
		if (p >= r->len) {
			r->pos = p;
			return END_EOF;
		}
		if (c == r->delim) {
			r->pos = p + 1;
			return END_DELIM;
		}
		if (c == '\n') {
			r->pos = p + 1;
			return END_LINE;
		}
		if (c == '\r' && (b[p + 1] == '\n' || p + 1 >= r->len)) {
			r->pos = p + (b[p + 1] == '\n' ? 2 : 1);
			return b[p + 1] == '\n' ? END_LINE : END_EOF;
		}
		/* The closing quote (one character) may be gone from buf. */
		add_problem(r, "csv.stray_quote", r->line, col_at(r, p) - 1,
			    "text after the closing quote of field %zu (kept literally)",
			    r->fidx + 1);
		r->run = r->pos = p;
		return scan_unquoted(r);
	}
}

static int
scan_quoted(struct csv_reader *r)
{
	const unsigned char *b;
	size_t p, q;
	int rc;

	p = r->fo = r->run = ++r->pos;
	for (;;) {
		b = (const unsigned char *)r->buf;
		p = skip_plain(b, p, r->tq);
		switch (b[p]) {
		case '"':
			if (p + 1 >= r->len && !r->eof) {
				if ((rc = more(r, p)) < 0)
					return rc;
				p = r->pos;
				continue;
			}
			if (b[p + 1] == '"') {
				emit(r, r->run, p + 1);
				r->run = p += 2;
				continue;
			}
			emit(r, r->run, p);
			r->run = ++p;
			return after_quote(r, p);
		case '\n':
			if (!r->qverified) {
				field_col(r);
				r->pos = p;
				if ((rc = lookahead(r)) < 0)
					return rc;
				p = r->pos;
				if (rc == 0) {
					emit(r, r->run, p);
					quote_problem(r);
					r->pos = p + 1;
					return END_UNTERM;
				}
				r->qverified = true;
			}
			newline(r, ++p);
			continue;
		case '\r':
			if (p + 1 >= r->len && !r->eof) {
				if ((rc = more(r, p)) < 0)
					return rc;
				p = r->pos;
				continue;
			}
			if (b[p + 1] == '\n') {
				emit(r, r->run, p);
				r->run = p + 1;
			}
			p++;
			continue;
		case '\0':
			if (p >= r->len) {
				if (r->eof) {
					emit(r, r->run, p);
					quote_problem(r);
					r->pos = p;
					return END_EOF;
				}
				if ((rc = more(r, p)) < 0)
					return rc;
				p = r->pos;
				continue;
			}
			emit(r, r->run, p);
			nul_problem(r, p);
			r->run = ++p;
			continue;
		default:
			if ((q = check_utf8(r, p)) == 0) {
				if ((rc = more(r, p)) < 0)
					return rc;
				p = r->pos;
				continue;
			}
			p = q;
			continue;
		}
	}
}

/*
 * The common case, without the general machinery: an unquoted field of
 * valid UTF-8 with no NUL, within the limits, ended by the delimiter or a
 * line break, all in buf.  Returns END_DELIM or END_LINE when it took the
 * field, else 0 with nothing consumed.
 */
static inline int
fast_field(struct csv_reader *r)
{
	unsigned char *b = (unsigned char *)r->buf;
	size_t p = r->pos, e = p, n, i;
	int c, k;

	if (r->nf >= r->fcap || r->rec_full || p >= r->len || b[p] == '"')
		return 0;
	for (;;) {
#if defined(CSV_SSE2)
		e = skip_plain16(b, e, r->delim);
#elif defined(CSV_SWAR)
		e = skip_plain8(b, e, ONES * (unsigned char)r->delim);
#else
		e = skip_plain(b, e, r->tu);
#endif
		c = b[e];
		if (c < 0x80 || c == r->delim)
			break;
		if ((k = utf8_seq(b + e, b + r->len)) <= 0)
			return 0;
		e += (size_t)k;
	}
	n = e - p;
	if (n > r->max_field || n > r->max_record - r->rec_bytes)
		return 0;
	if (c == r->delim)
		r->pos = e + 1;
	else if (c == '\n')
		r->pos = e + 1;
	else if (c == '\r' && b[e + 1] == '\n')
		r->pos = e + 2;
	else
		return 0;
	b[e] = '\0';
	i = r->nf++;
	r->fidx++;
	r->foff[i] = p;
	r->lens[i] = n;
	r->flines[i] = r->line;
	r->fside[i] = 0;
	if (r->n_inplace++ == 0)
		r->rs = p;
	r->rec_bytes += n;
	return c == r->delim ? END_DELIM : END_LINE;
}

static void
begin_record(struct csv_reader *r)
{
	r->in_rec = true;
	r->rec_line = r->line;
	r->rec_bytes = 0;
	r->rec_full = false;
	r->many_reported = false;
	r->nf = 0;
	r->fidx = 0;
	r->n_inplace = 0;
	r->nprob = 0;
	mdg_buf_reset(&r->side);
}

/* 1: a record; 0: end of input; <0: fatal error. */
static int
parse_record(struct csv_reader *r)
{
	const unsigned char *b;
	int rc, end;

	/* The previous record's fields are no longer needed. */
	r->nf = 0;
	r->n_inplace = 0;

	/* Skip empty lines. */
	for (;;) {
		if (r->pos + 1 >= r->len && !r->eof) {
			if ((rc = refill(r)) < 0)
				return rc;
			continue;
		}
		if (r->pos >= r->len)
			return 0;
		b = (const unsigned char *)r->buf + r->pos;
		if (b[0] == '\n') {
			newline(r, ++r->pos);
			continue;
		}
		if (b[0] == '\r' && (b[1] == '\n' || r->pos + 1 >= r->len)) {
			r->pos += b[1] == '\n' ? 2 : 1;
			newline(r, r->pos);
			continue;
		}
		break;
	}

	begin_record(r);
	for (;;) {
		if ((end = fast_field(r)) == END_DELIM)
			continue;
		if (end == END_LINE)
			break;
		if ((rc = begin_field(r)) < 0)
			return rc;
		if (r->pos < r->len && r->buf[r->pos] == '"')
			end = scan_quoted(r);
		else
			end = scan_unquoted(r);
		if (end < 0)
			return end;
		end_field(r);
		if (end != END_DELIM)
			break;
	}
	r->end_line = r->line;
	if (end != END_EOF)
		newline(r, r->pos);
	r->in_rec = false;
	return 1;
}

/* ------------------------------------------------------------ API */

static bool
is_utf8_name(const char *e)
{
	return e == NULL || mdg_strcasecmp_ascii(e, "utf-8") == 0 ||
	       mdg_strcasecmp_ascii(e, "utf8") == 0;
}

static bool
has_prefix_ci(const char *s, const char *p)
{
	for (; *p != '\0'; s++, p++) {
		unsigned char a = (unsigned char)*s, c = (unsigned char)*p;

		if (a >= 'a' && a <= 'z')
			a -= 'a' - 'A';
		if (a != c)
			return false;
	}
	return true;
}

static int
reader_new(struct csv_reader **out, const char *name, const struct csv_opts *opts,
	   struct mdg_diags *d)
{
	struct csv_reader *r;
	const char *e = opts != NULL ? opts->encoding : NULL;

	*out = NULL;
	r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(name != NULL ? name : "-");
	r->d = d;
	r->fd = -1;
	r->line = 1;
	r->cd = (iconv_t)-1;
	r->enc = "utf-8";
	r->unit = 1;
	r->delim = opts != NULL ? opts->delimiter : 0;
	r->max_field = opts != NULL && opts->max_field ? opts->max_field : CSV_DEFAULT_MAX_FIELD;
	r->max_record = opts != NULL && opts->max_record ? opts->max_record :
							   CSV_DEFAULT_MAX_RECORD;
	r->max_fields = opts != NULL && opts->max_fields ? opts->max_fields :
							   CSV_DEFAULT_MAX_FIELDS;
	if (opts != NULL) {
		r->on_raw = opts->on_raw;
		r->on_raw_arg = opts->on_raw_arg;
	}
	r->quote_cap = r->max_record > r->max_field ? r->max_record : r->max_field;
	mdg_buf_init(&r->side, r->max_record + r->max_fields + 16);

	if (r->delim < 0 || r->delim > 255 || r->delim == '"' || r->delim == '\n' ||
	    r->delim == '\r') {
		mdg_diag_at(d, MDG_SEV_ERROR, "input.delimiter", r->name, 0, 0,
			    "cannot use %d as the delimiter", r->delim);
		csv_close(r);
		return MDG_ERR;
	}
	if (!is_utf8_name(e)) {
		r->cd = iconv_open("UTF-8", e);
		if (r->cd == (iconv_t)-1) {
			mdg_diag_at(d, MDG_SEV_ERROR, "input.encoding", r->name, 0, 0,
				    "unknown encoding '%s' (iconv does not know it)", e);
			csv_close(r);
			return MDG_ERR;
		}
		r->conv = true;
		r->enc = r->enc_opt = xstrdup(e);
		if (has_prefix_ci(e, "UTF-16") || has_prefix_ci(e, "UTF16") ||
		    has_prefix_ci(e, "UCS-2") || has_prefix_ci(e, "UCS2"))
			r->unit = 2;
		else if (has_prefix_ci(e, "UTF-32") || has_prefix_ci(e, "UTF32") ||
			 has_prefix_ci(e, "UCS-4") || has_prefix_ci(e, "UCS4"))
			r->unit = 4;
		r->raw = xmalloc(2 * CSV_CHUNK + 64);
	}
	*out = r;
	return MDG_OK;
}

int
csv_open(struct csv_reader **out, const char *path, const struct csv_opts *opts,
	 struct mdg_diags *d)
{
	struct csv_reader *r;
	struct stat st;
	int rc, fd;

	if ((rc = reader_new(&r, path, opts, d)) != MDG_OK) {
		*out = NULL;
		return rc;
	}
	if (strcmp(path, "-") == 0)
		fd = 0;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		mdg_diag_at(d, MDG_SEV_ERROR, "input.unreadable", path, 0, 0, "cannot open: %s",
			    strerror(errno));
		csv_close(r);
		*out = NULL;
		return MDG_EIO;
	} else
		r->close_fd = true;
	r->fd = fd;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		mdg_diag_at(d, MDG_SEV_ERROR, "input.unreadable", path, 0, 0,
			    "cannot open: %s", strerror(EISDIR));
		csv_close(r);
		*out = NULL;
		return MDG_EIO;
	}
	*out = r;
	return MDG_OK;
}

int
csv_open_mem(struct csv_reader **out, const char *name, const char *data, size_t len,
	     const struct csv_opts *opts, struct mdg_diags *d)
{
	struct csv_reader *r;
	int rc;

	if ((rc = reader_new(&r, name, opts, d)) != MDG_OK) {
		*out = NULL;
		return rc;
	}
	r->mem = (const unsigned char *)(data != NULL ? data : "");
	r->mem_len = data != NULL ? len : 0;
	if (r->mem_len == 0)
		r->src_eof = true;
	*out = r;
	return MDG_OK;
}

int
csv_next(struct csv_reader *r, struct csv_record *rec)
{
	size_t i;
	int rc;

	if (r->error < 0)
		return r->error;
	if (!r->started && (rc = start(r)) < 0)
		return r->error = rc;
	if ((rc = parse_record(r)) <= 0) {
		r->in_rec = r->f_active = false;
		r->n_inplace = 0;
		if (rc < 0)
			r->error = rc;
		return rc;
	}
	for (i = 0; i < r->nf; i++)
		r->fptr[i] = (r->fside[i] ? r->side.data : r->buf) + r->foff[i];
	rec->nfields = r->nf;
	rec->fields = r->fptr;
	rec->lens = r->lens;
	rec->field_lines = r->flines;
	rec->line = r->rec_line;
	rec->end_line = r->end_line;
	rec->nproblems = r->nprob;
	rec->problems = r->probs;
	return 1;
}

int
csv_delimiter(const struct csv_reader *r)
{
	return r->delim;
}

const char *
csv_encoding(const struct csv_reader *r)
{
	return r->enc;
}

unsigned long long
csv_bytes_read(const struct csv_reader *r)
{
	return r->bytes_read;
}

void
csv_close(struct csv_reader *r)
{
	if (r == NULL)
		return;
	if (r->close_fd)
		close(r->fd);
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	free(r->name);
	free(r->enc_opt);
	free(r->raw);
	free(r->buf);
	free(r->foff);
	free(r->lens);
	free(r->flines);
	free(r->fside);
	free(r->fptr);
	free(r->probs);
	mdg_buf_free(&r->side);
	free(r);
}
