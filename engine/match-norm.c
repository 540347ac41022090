/*
 * match-norm.c - the normalisers of match-norm.h.  A value is decoded once
 * into code points (invalid UTF-8 becomes U+FFFD), every step of the chain
 * reads one code point buffer and writes the other, and the result is
 * encoded into the caller's mdg_buf.  Both code point buffers start on the
 * stack, so typical values cost no malloc.  Unicode properties, case
 * folding and decompositions come from utf8proc; the only table here is
 * the handful of letters that have no decomposition (ø, ł, æ, ...).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "match-norm.h"

#define NORM_MAX_CPS ((size_t)4 << 20)  /* bound of an intermediate form */
#define NORM_INLINE 512                 /* code points kept on the stack */
#define NORM_INLINE_TOKS 64
#define NORM_MAX_KEY_TOKENS 8           /* longest synonym key, in tokens */

enum norm_kind {
	NORM_CASEFOLD,
	NORM_UNACCENT,
	NORM_PUNCT,
	NORM_SPACE,
	NORM_LEGAL_FORMS,
	NORM_SYNONYMS,
	NORM_UNITS,
	NORM_DIGITS,
	NORM_TAXID,
	NORM_NUMBERS,
	NORM_NO_NUMBERS,
	NORM_SORT,
};

static const char *const norm_names[] = {
	[NORM_CASEFOLD] = "casefold",
	[NORM_UNACCENT] = "unaccent",
	[NORM_PUNCT] = "punct",
	[NORM_SPACE] = "space",
	[NORM_LEGAL_FORMS] = "legal_forms",
	[NORM_SYNONYMS] = "synonyms",
	[NORM_UNITS] = "units",
	[NORM_DIGITS] = "digits",
	[NORM_TAXID] = "taxid",
	[NORM_NUMBERS] = "numbers",
	[NORM_NO_NUMBERS] = "no_numbers",
	[NORM_SORT] = "sort",
};

/*
 * Legal forms after casefold, unaccent and punct ("S.A. de C.V." is
 * "s a de c v", "GmbH & Co. KG" is "gmbh co kg", "A/S" is "a s").
 */
static const char *const legal_forms[] = {
	"gmbh", "ag", "kg", "gmbh co kg", "ag co kg", "ohg", "ug",
	"ug haftungsbeschrankt", "ltd", "limited", "inc", "incorporated", "llc",
	"corp", "corporation", "co", "company", "plc", "s a", "sa", "s a de c v",
	"sa de cv", "s a b de c v", "sab de cv", "s a p i de c v", "sapi de cv",
	"s de r l", "s de rl", "s de r l de c v", "s de rl de cv", "sp z o o",
	"spolka z o o", "s r l", "srl", "s p a", "spa", "b v", "bv", "n v", "nv",
	"oy", "ab", "a s", "as", "kft", "s r o", "sro", "spol s r o", "sas", "sarl",
	"se",
};

/* Letters without a Unicode decomposition, for unaccent (sorted by cp). */
static const struct {
	int32_t cp;
	char to[3];
} unaccent_extra[] = {
	{ 0x00C6, "AE" }, { 0x00D0, "D" }, { 0x00D8, "O" }, { 0x00DE, "TH" },
	{ 0x00DF, "ss" }, { 0x00E6, "ae" }, { 0x00F0, "d" }, { 0x00F8, "o" },
	{ 0x00FE, "th" }, { 0x0110, "D" }, { 0x0111, "d" }, { 0x0126, "H" },
	{ 0x0127, "h" }, { 0x0131, "i" }, { 0x0141, "L" }, { 0x0142, "l" },
	{ 0x0152, "OE" }, { 0x0153, "oe" }, { 0x0166, "T" }, { 0x0167, "t" },
	{ 0x1E9E, "SS" },
};

/* A compiled token replacement table (legal forms, synonyms). */
struct norm_repl {
	struct mdg_strset keys;  /* canonical key (tokens joined by ' ') -> index */
	size_t maxtok;           /* tokens in the longest key */
	size_t *voff;            /* value i is vpool[voff[i] .. voff[i] + vlen[i]) */
	size_t *vlen;
	size_t nval;
	int32_t *vpool;
	size_t npool;
};

struct norm_step {
	enum norm_kind kind;
	struct norm_repl *repl;
};

struct mdg_norm_chain {
	size_t n;
	struct norm_step steps[MDG_NORM_MAX_STEPS];
};

struct mdg_norm_synonyms {
	char **key;
	char **value;
	size_t n;
	size_t cap;
};

/* ------------------------------------------------------ code point buffers */

struct cpbuf {
	int32_t *p;
	size_t n;
	size_t cap;
	int32_t *inl;  /* the stack storage p starts on */
};

struct tok {
	size_t off;
	size_t len;
};

struct norm_ws {
	struct cpbuf a, b;
	struct tok *toks;
	size_t ntoks;
	size_t tokcap;
	int32_t a_inl[NORM_INLINE];
	int32_t b_inl[NORM_INLINE];
	struct tok tok_inl[NORM_INLINE_TOKS];
};

static void
ws_init(struct norm_ws *ws)
{
	ws->a.p = ws->a.inl = ws->a_inl;
	ws->b.p = ws->b.inl = ws->b_inl;
	ws->a.n = ws->b.n = 0;
	ws->a.cap = ws->b.cap = NORM_INLINE;
	ws->toks = ws->tok_inl;
	ws->ntoks = 0;
	ws->tokcap = NORM_INLINE_TOKS;
}

static void
ws_free(struct norm_ws *ws)
{
	if (ws->a.p != ws->a.inl)
		free(ws->a.p);
	if (ws->b.p != ws->b.inl)
		free(ws->b.p);
	if (ws->toks != ws->tok_inl)
		free(ws->toks);
}

static int
cp_reserve(struct cpbuf *b, size_t more)
{
	size_t need, ncap;
	int32_t *np;

	if (!mdg_size_add(b->n, more, &need) || need > NORM_MAX_CPS)
		return MDG_ELIMIT;
	if (need <= b->cap)
		return MDG_OK;
	ncap = b->cap * 2;
	while (ncap < need)
		ncap *= 2;
	if (ncap > NORM_MAX_CPS)
		ncap = NORM_MAX_CPS;
	if (b->p == b->inl) {
		np = xreallocarray(NULL, ncap, sizeof(*np));
		memcpy(np, b->p, b->n * sizeof(*np));
	} else
		np = xreallocarray(b->p, ncap, sizeof(*np));
	b->p = np;
	b->cap = ncap;
	return MDG_OK;
}

static inline int
cp_put(struct cpbuf *b, int32_t c)
{
	if (b->n == b->cap && cp_reserve(b, 1) != MDG_OK)
		return MDG_ELIMIT;
	b->p[b->n++] = c;
	return MDG_OK;
}

static int
cp_put_ascii(struct cpbuf *b, const char *s)
{
	for (; *s; s++)
		if (cp_put(b, (unsigned char)*s) != MDG_OK)
			return MDG_ELIMIT;
	return MDG_OK;
}

/* ------------------------------------------------------ character classes */

static bool
is_space(int32_t c)
{
	if (c == ' ')
		return true;
	if (c < 0x80)
		return c < 0x20 || c == 0x7F;
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
	case UTF8PROC_CATEGORY_CC:
		return true;
	default:
		return false;
	}
}

static bool
is_letter(int32_t c)
{
	utf8proc_category_t cat;

	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	cat = utf8proc_category(c);
	return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

static bool
is_digit(int32_t c)
{
	return c >= '0' && c <= '9';
}

static bool
is_apostrophe(int32_t c)
{
	return c == 0x27 || c == 0x60 || c == 0xB4 || c == 0x2018 || c == 0x2019 ||
	    c == 0x02BC;
}

static bool
is_punct_or_symbol(int32_t c)
{
	if (c < 0x80)
		return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) ||
		    (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
	case UTF8PROC_CATEGORY_SM:
	case UTF8PROC_CATEGORY_SC:
	case UTF8PROC_CATEGORY_SK:
	case UTF8PROC_CATEGORY_SO:
		return true;
	default:
		return false;
	}
}

static bool
is_times(int32_t c)
{
	return c == 'x' || c == 'X' || c == 0xD7 || c == '*';
}

/* ------------------------------------------------------- UTF-8 in and out */

static int
decode(const char *in, size_t len, struct cpbuf *out)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)in;
	utf8proc_int32_t c;
	utf8proc_ssize_t k;
	size_t i = 0;

	out->n = 0;
	while (i < len) {
		if (s[i] < 0x80) {
			c = s[i++];
		} else {
			k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &c);
			if (k <= 0 || c < 0) {
				c = 0xFFFD;
				k = 1;
			}
			i += (size_t)k;
		}
		if (cp_put(out, c) != MDG_OK)
			return MDG_ELIMIT;
	}
	return MDG_OK;
}

static int
encode(const struct cpbuf *in, struct mdg_buf *out)
{
	char chunk[256];
	size_t i, n = 0;

	for (i = 0; i < in->n; i++) {
		if (n + 4 > sizeof(chunk)) {
			if (mdg_buf_append(out, chunk, n) != MDG_OK)
				return MDG_ELIMIT;
			n = 0;
		}
		if (in->p[i] < 0x80)
			chunk[n++] = (char)in->p[i];
		else
			n += (size_t)utf8proc_encode_char(in->p[i], (utf8proc_uint8_t *)chunk + n);
	}
	if (mdg_buf_append(out, chunk, n) != MDG_OK)
		return MDG_ELIMIT;
	return MDG_OK;
}

/* ------------------------------------------------------ Unicode steps */

/*
 * Canonical ordering of combining marks, then canonical composition.
 * Runs of more than 32 marks are left in their order (no real text has
 * them; sorting them is what makes naive NFC quadratic).
 */
static int
ccc(int32_t c)
{
	return c < 0x300 ? 0 : utf8proc_get_property(c)->combining_class;
}

static void
compose(struct cpbuf *b)
{
	size_t i, j, m, start, end;
	int32_t c;
	int cl;

	for (i = 0; i < b->n; i = end) {
		start = i;
		while (start < b->n && ccc(b->p[start]) == 0)
			start++;
		end = start;
		while (end < b->n && ccc(b->p[end]) != 0)
			end++;
		if (end == start)
			break;
		if (end - start > 32)
			continue;
		for (j = start + 1; j < end; j++) {
			c = b->p[j];
			cl = ccc(c);
			for (m = j; m > start && ccc(b->p[m - 1]) > cl; m--)
				b->p[m] = b->p[m - 1];
			b->p[m] = c;
		}
	}
	b->n = (size_t)utf8proc_normalize_utf32(b->p, (utf8proc_ssize_t)b->n,
	    UTF8PROC_COMPOSE | UTF8PROC_STABLE);
}

static const char *
unaccent_lookup(int32_t c)
{
	size_t lo = 0, hi = sizeof(unaccent_extra) / sizeof(unaccent_extra[0]), mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (unaccent_extra[mid].cp == c)
			return unaccent_extra[mid].to;
		if (unaccent_extra[mid].cp < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* casefold and unaccent: utf8proc's decomposition of each code point. */
static int
step_decompose(enum norm_kind kind, const struct cpbuf *in, struct cpbuf *out)
{
	utf8proc_int32_t tmp[64];
	utf8proc_option_t opt;
	utf8proc_ssize_t k, j;
	const char *to;
	bool wide = false;
	size_t i;
	int32_t c;
	int bc;

	if (kind == NORM_CASEFOLD)
		opt = UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
		    UTF8PROC_IGNORE;
	else
		opt = UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK;
	for (i = 0; i < in->n; i++) {
		c = in->p[i];
		if (c < 0x80) {
			if (kind == NORM_CASEFOLD && c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (cp_put(out, c) != MDG_OK)
				return MDG_ELIMIT;
			continue;
		}
		wide = true;
		bc = UTF8PROC_BOUNDCLASS_START;
		k = utf8proc_decompose_char(c, tmp, 64, opt, &bc);
		if (k < 0 || k > 64) {
			tmp[0] = 0xFFFD;
			k = 1;
		}
		for (j = 0; j < k; j++) {
			if (kind == NORM_UNACCENT && tmp[j] >= 0xC0 &&
			    (to = unaccent_lookup(tmp[j])) != NULL) {
				if (cp_put_ascii(out, to) != MDG_OK)
					return MDG_ELIMIT;
			} else if (cp_put(out, tmp[j]) != MDG_OK)
				return MDG_ELIMIT;
		}
	}
	if (wide)
		compose(out);
	return MDG_OK;
}

static int
step_punct(const struct cpbuf *in, struct cpbuf *out)
{
	size_t i;
	int32_t c;

	for (i = 0; i < in->n; i++) {
		c = in->p[i];
		if (is_apostrophe(c))
			continue;
		/* a decimal point or comma stays: "2.5", "8.8" */
		if ((c == '.' || c == ',') && i > 0 && i + 1 < in->n &&
		    is_digit(in->p[i - 1]) && is_digit(in->p[i + 1]))
			;
		else if (is_punct_or_symbol(c))
			c = ' ';
		if (cp_put(out, c) != MDG_OK)
			return MDG_ELIMIT;
	}
	return MDG_OK;
}

static int
step_space(const struct cpbuf *in, struct cpbuf *out)
{
	bool pending = false;
	size_t i;

	for (i = 0; i < in->n; i++) {
		if (is_space(in->p[i])) {
			pending = out->n > 0;
			continue;
		}
		if (pending && cp_put(out, ' ') != MDG_OK)
			return MDG_ELIMIT;
		pending = false;
		if (cp_put(out, in->p[i]) != MDG_OK)
			return MDG_ELIMIT;
	}
	return MDG_OK;
}

/* ------------------------------------------------------ item numbers */

/* Emit the number in[i..] (digits, optionally [.,] digits); return its end. */
static size_t
emit_number(const struct cpbuf *in, size_t i, struct cpbuf *out, int *rc)
{
	size_t s = i, e, fs, fe;

	while (i < in->n && is_digit(in->p[i]))
		i++;
	e = i;
	while (s + 1 < e && in->p[s] == '0')
		s++;
	for (; s < e; s++)
		if (cp_put(out, in->p[s]) != MDG_OK)
			*rc = MDG_ELIMIT;
	if (i + 1 < in->n && (in->p[i] == '.' || in->p[i] == ',') && is_digit(in->p[i + 1])) {
		fs = i + 1;
		for (fe = fs; fe < in->n && is_digit(in->p[fe]); fe++)
			;
		i = fe;
		while (fe > fs && in->p[fe - 1] == '0')
			fe--;
		if (fe > fs && cp_put(out, '.') != MDG_OK)
			*rc = MDG_ELIMIT;
		for (; fs < fe; fs++)
			if (cp_put(out, in->p[fs]) != MDG_OK)
				*rc = MDG_ELIMIT;
	}
	return i;
}

static int
step_units(const struct cpbuf *in, struct cpbuf *out)
{
	size_t i = 0, j;
	int rc = MDG_OK;

	while (i < in->n && rc == MDG_OK) {
		if (!is_digit(in->p[i])) {
			rc = cp_put(out, in->p[i++]);
			continue;
		}
		i = emit_number(in, i, out, &rc);
		/* "8x20", "8 X 20", "8 × 20", "8*20": one " x " */
		for (j = i; j < in->n && is_space(in->p[j]); j++)
			;
		if (j < in->n && is_times(in->p[j])) {
			for (j++; j < in->n && is_space(in->p[j]); j++)
				;
			if (j < in->n && is_digit(in->p[j])) {
				if (rc == MDG_OK)
					rc = cp_put_ascii(out, " x ");
				i = j;
				continue;
			}
		}
		/* "20mm": the unit is a token of its own */
		if (i < in->n && is_letter(in->p[i]) && rc == MDG_OK)
			rc = cp_put(out, ' ');
	}
	return rc;
}

/* ------------------------------------------------------ digits and tax ids */

static int
step_digits(const struct cpbuf *in, struct cpbuf *out)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		if (is_digit(in->p[i]) && cp_put(out, in->p[i]) != MDG_OK)
			return MDG_ELIMIT;
	return MDG_OK;
}

/*
 * The numbers of a value, one space between them: "hex bolt M8 x 20" is
 * "8 20", "2,5 mm" is "2,5".  A '.' or ',' between two digits stays.
 */
static int
step_numbers(const struct cpbuf *in, struct cpbuf *out)
{
	size_t i;
	bool in_num = false;

	for (i = 0; i < in->n; i++) {
		int32_t c = in->p[i];
		bool keep = is_digit(c) || ((c == '.' || c == ',') && in_num && i + 1 < in->n &&
					    is_digit(in->p[i + 1]));

		if (keep) {
			if (!in_num && out->n > 0 && cp_put(out, ' ') != MDG_OK)
				return MDG_ELIMIT;
			if (cp_put(out, c) != MDG_OK)
				return MDG_ELIMIT;
		}
		in_num = keep;
	}
	return MDG_OK;
}

/*
 * The words without a digit and longer than one character, one space
 * between them: "hex bolt m8 x 20" is "hex bolt" (its numbers are for
 * `numbers`; the x between them says nothing).
 */
static int
step_no_numbers(const struct cpbuf *in, struct cpbuf *out)
{
	size_t i = 0, j, k;

	while (i < in->n) {
		bool digit = false;

		while (i < in->n && is_space(in->p[i]))
			i++;
		for (j = i; j < in->n && !is_space(in->p[j]); j++)
			if (is_digit(in->p[j]))
				digit = true;
		if (j > i + 1 && !digit) {
			if (out->n > 0 && cp_put(out, ' ') != MDG_OK)
				return MDG_ELIMIT;
			for (k = i; k < j; k++)
				if (cp_put(out, in->p[k]) != MDG_OK)
					return MDG_ELIMIT;
		}
		i = j;
	}
	return MDG_OK;
}

/* A word of a value being sorted: where it starts and how long it is. */
struct word {
	const int32_t *p;
	size_t n;
};

static int
word_cmp(const void *x, const void *y)
{
	const struct word *a = x, *b = y;
	size_t i;

	for (i = 0; i < a->n && i < b->n; i++)
		if (a->p[i] != b->p[i])
			return a->p[i] < b->p[i] ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

/*
 * The words in code point order, one space between them: "hex bolt" and
 * "bolt hex" are both "bolt hex", so that an order-sensitive measure sees
 * the same words in another order as the same.
 */
static int
step_sort(const struct cpbuf *in, struct cpbuf *out)
{
	struct word *w;
	size_t nw = 0, i = 0, j, k;

	w = xreallocarray(NULL, in->n / 2 + 1, sizeof(*w));
	while (i < in->n) {
		while (i < in->n && is_space(in->p[i]))
			i++;
		for (j = i; j < in->n && !is_space(in->p[j]); j++)
			;
		if (j > i) {
			w[nw].p = in->p + i;
			w[nw++].n = j - i;
		}
		i = j;
	}
	mdg_qsort(w, nw, sizeof(*w), word_cmp);
	for (k = 0; k < nw; k++) {
		if (k > 0 && cp_put(out, ' ') != MDG_OK)
			goto limit;
		for (j = 0; j < w[k].n; j++)
			if (cp_put(out, w[k].p[j]) != MDG_OK)
				goto limit;
	}
	free(w);
	return MDG_OK;
limit:
	free(w);
	return MDG_ELIMIT;
}

static bool
is_ascii_alpha(int32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
step_taxid(const struct cpbuf *in, struct cpbuf *out)
{
	int32_t first[2];
	size_t i, nf = 0;
	int32_t c;

	for (i = 0; i < in->n && nf < 2; i++)
		if (is_ascii_alpha(in->p[i]) || is_digit(in->p[i]))
			first[nf++] = in->p[i];
	if (nf == 2 && is_ascii_alpha(first[0]) && is_ascii_alpha(first[1])) {
		for (nf = 0; nf < 2; nf++) {
			c = first[nf];
			if (c >= 'a')
				c -= 'a' - 'A';
			if (cp_put(out, c) != MDG_OK)
				return MDG_ELIMIT;
		}
	} else
		i = 0;
	for (; i < in->n; i++)
		if (is_digit(in->p[i]) && cp_put(out, in->p[i]) != MDG_OK)
			return MDG_ELIMIT;
	return MDG_OK;
}

/* ------------------------------------------------------ token replacement */

static int
tokenize(const struct cpbuf *in, struct norm_ws *ws)
{
	size_t i = 0, s;

	ws->ntoks = 0;
	while (i < in->n) {
		while (i < in->n && is_space(in->p[i]))
			i++;
		if (i == in->n)
			break;
		s = i;
		while (i < in->n && !is_space(in->p[i]))
			i++;
		if (ws->ntoks == ws->tokcap) {
			if (ws->tokcap >= NORM_MAX_CPS)
				return MDG_ELIMIT;
			if (ws->toks == ws->tok_inl) {
				ws->toks = xreallocarray(NULL, ws->tokcap * 2, sizeof(*ws->toks));
				memcpy(ws->toks, ws->tok_inl, sizeof(ws->tok_inl));
			} else
				ws->toks = xreallocarray(ws->toks, ws->tokcap * 2,
				    sizeof(*ws->toks));
			ws->tokcap *= 2;
		}
		ws->toks[ws->ntoks].off = s;
		ws->toks[ws->ntoks].len = i - s;
		ws->ntoks++;
	}
	return MDG_OK;
}

static int
put_cps(struct cpbuf *out, const int32_t *p, size_t n, bool *first)
{
	if (n == 0)
		return MDG_OK;
	if (cp_reserve(out, n + 1) != MDG_OK)
		return MDG_ELIMIT;
	if (!*first)
		out->p[out->n++] = ' ';
	memcpy(out->p + out->n, p, n * sizeof(*p));
	out->n += n;
	*first = false;
	return MDG_OK;
}

static int
step_replace(const struct norm_repl *r, const struct cpbuf *in, struct cpbuf *out,
	     struct norm_ws *ws)
{
	char key[4 * (MDG_NORM_MAX_SYNONYM + 1)];
	size_t ends[NORM_MAX_KEY_TOKENS];
	size_t i, k, kmax, nk, klen, t;
	const struct tok *tk;
	bool first = true, hit;
	long v;
	int32_t c;

	if (tokenize(in, ws) != MDG_OK)
		return MDG_ELIMIT;
	for (i = 0; i < ws->ntoks;) {
		kmax = ws->ntoks - i < r->maxtok ? ws->ntoks - i : r->maxtok;
		if (kmax > NORM_MAX_KEY_TOKENS)
			kmax = NORM_MAX_KEY_TOKENS;
		/* the UTF-8 of tokens i, i+1, ... while it fits */
		klen = 0;
		nk = 0;
		for (k = 0; k < kmax; k++) {
			tk = &ws->toks[i + k];
			if (klen > MDG_NORM_MAX_SYNONYM ||
			    4 * tk->len + 1 > sizeof(key) - klen)
				break;
			if (k > 0)
				key[klen++] = ' ';
			for (t = 0; t < tk->len; t++) {
				c = in->p[tk->off + t];
				if (c < 0x80)
					key[klen++] = (char)c;
				else
					klen += (size_t)utf8proc_encode_char(c,
					    (utf8proc_uint8_t *)key + klen);
			}
			ends[nk++] = klen;
		}
		hit = false;
		for (k = nk; k > 0; k--) {
			if (mdg_strset_get(&r->keys, key, ends[k - 1], &v)) {
				if (put_cps(out, r->vpool + r->voff[v], r->vlen[v], &first) != MDG_OK)
					return MDG_ELIMIT;
				i += k;
				hit = true;
				break;
			}
		}
		if (!hit) {
			tk = &ws->toks[i++];
			if (put_cps(out, in->p + tk->off, tk->len, &first) != MDG_OK)
				return MDG_ELIMIT;
		}
	}
	if (first && ws->ntoks > 0) {
		/* everything was removed: keep the value as it was */
		for (i = 0; i < ws->ntoks; i++) {
			tk = &ws->toks[i];
			if (put_cps(out, in->p + tk->off, tk->len, &first) != MDG_OK)
				return MDG_ELIMIT;
		}
	}
	return MDG_OK;
}

/* ------------------------------------------------------ applying */

static size_t
apply_steps(const struct mdg_norm_chain *chain, size_t nsteps, const char *in, size_t len,
	    struct mdg_buf *out)
{
	struct norm_ws ws;
	struct cpbuf *cur, *nxt, *t;
	const struct norm_step *st;
	size_t i;
	int rc;

	mdg_buf_reset(out);
	ws_init(&ws);
	cur = &ws.a;
	nxt = &ws.b;
	rc = decode(in, len, cur);
	for (i = 0; i < nsteps && rc == MDG_OK; i++) {
		st = &chain->steps[i];
		nxt->n = 0;
		switch (st->kind) {
		case NORM_CASEFOLD:
		case NORM_UNACCENT:
			rc = step_decompose(st->kind, cur, nxt);
			break;
		case NORM_PUNCT:
			rc = step_punct(cur, nxt);
			break;
		case NORM_SPACE:
			rc = step_space(cur, nxt);
			break;
		case NORM_LEGAL_FORMS:
		case NORM_SYNONYMS:
			rc = step_replace(st->repl, cur, nxt, &ws);
			break;
		case NORM_UNITS:
			rc = step_units(cur, nxt);
			break;
		case NORM_DIGITS:
			rc = step_digits(cur, nxt);
			break;
		case NORM_TAXID:
			rc = step_taxid(cur, nxt);
			break;
		case NORM_NUMBERS:
			rc = step_numbers(cur, nxt);
			break;
		case NORM_NO_NUMBERS:
			rc = step_no_numbers(cur, nxt);
			break;
		case NORM_SORT:
			rc = step_sort(cur, nxt);
			break;
		}
		t = cur;
		cur = nxt;
		nxt = t;
	}
	if (rc == MDG_OK)
		rc = encode(cur, out);
	ws_free(&ws);
	if (rc != MDG_OK) {
		mdg_buf_reset(out);
		return MDG_NORM_ELIMIT;
	}
	return out->len;
}

size_t
mdg_norm_apply(const struct mdg_norm_chain *chain, const char *in, size_t len,
	       struct mdg_buf *out)
{
	if (in == NULL)
		len = 0;
	return apply_steps(chain, chain->n, in, len, out);
}

/* ------------------------------------------------------ tables */

static void
repl_free(struct norm_repl *r)
{
	if (r == NULL)
		return;
	mdg_strset_free(&r->keys);
	free(r->voff);
	free(r->vlen);
	free(r->vpool);
	free(r);
}

static struct norm_repl *
repl_new(void)
{
	struct norm_repl *r = xcalloc(1, sizeof(*r));

	mdg_strset_init(&r->keys);
	return r;
}

/*
 * Re-join s[0..len-1] as tokens separated by one space into out; returns
 * the number of tokens.
 */
static size_t
canon_tokens(const char *s, size_t len, struct mdg_buf *out)
{
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t c;
	utf8proc_ssize_t k;
	size_t i = 0, ntok = 0;
	bool in_tok = false;

	mdg_buf_reset(out);
	while (i < len) {
		k = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &c);
		if (k <= 0)
			k = 1;  /* cannot happen: s comes from encode() */
		if (is_space(c)) {
			in_tok = false;
		} else {
			if (!in_tok) {
				if (ntok > 0)
					(void)mdg_buf_putc(out, ' ');
				ntok++;
				in_tok = true;
			}
			(void)mdg_buf_append(out, s + i, (size_t)k);
		}
		i += (size_t)k;
	}
	return ntok;
}

/* Add key -> value (both canonical UTF-8); false when the key is there. */
static bool
repl_add(struct norm_repl *r, const char *key, size_t klen, size_t ntok, const char *val,
	 size_t vlen)
{
	struct cpbuf tmp;
	int32_t one;
	size_t i;

	if (!mdg_strset_add(&r->keys, key, klen, (long)r->nval, NULL))
		return false;
	if (ntok > r->maxtok)
		r->maxtok = ntok;
	r->voff = xreallocarray(r->voff, r->nval + 1, sizeof(*r->voff));
	r->vlen = xreallocarray(r->vlen, r->nval + 1, sizeof(*r->vlen));
	tmp.p = tmp.inl = &one;
	tmp.n = 0;
	tmp.cap = 1;
	(void)decode(val, vlen, &tmp);
	r->vpool = xreallocarray(r->vpool, r->npool + tmp.n + 1, sizeof(*r->vpool));
	for (i = 0; i < tmp.n; i++)
		r->vpool[r->npool + i] = tmp.p[i];
	r->voff[r->nval] = r->npool;
	r->vlen[r->nval] = tmp.n;
	r->npool += tmp.n;
	r->nval++;
	if (tmp.p != tmp.inl)
		free(tmp.p);
	return true;
}

static struct norm_repl *
legal_forms_table(void)
{
	struct norm_repl *r = repl_new();
	size_t i, j, ntok;
	const char *s;

	for (i = 0; i < sizeof(legal_forms) / sizeof(legal_forms[0]); i++) {
		s = legal_forms[i];
		for (ntok = 1, j = 0; s[j]; j++)
			ntok += s[j] == ' ';
		(void)repl_add(r, s, strlen(s), ntok, "", 0);
	}
	return r;
}

/* The synonym table with keys and values run through steps 0..nsteps-1. */
static struct norm_repl *
synonyms_table(const struct mdg_norm_chain *chain, size_t nsteps,
	       const struct mdg_norm_synonyms *syn, const char **why)
{
	struct norm_repl *r = repl_new();
	struct mdg_buf tmp, key, val;
	size_t i, ntok, len;

	mdg_buf_init(&tmp, 4 * MDG_NORM_MAX_SYNONYM);
	mdg_buf_init(&key, 0);
	mdg_buf_init(&val, 0);
	for (i = 0; i < syn->n; i++) {
		len = apply_steps(chain, nsteps, syn->key[i], strlen(syn->key[i]), &tmp);
		ntok = len == MDG_NORM_ELIMIT ? 0 : canon_tokens(tmp.data, tmp.len, &key);
		if (ntok == 0 || key.len > MDG_NORM_MAX_SYNONYM || ntok > NORM_MAX_KEY_TOKENS) {
			*why = "a synonym key is empty, too long or has more than 8 words "
			    "after normalisation";
			goto fail;
		}
		len = apply_steps(chain, nsteps, syn->value[i], strlen(syn->value[i]), &tmp);
		if (len == MDG_NORM_ELIMIT) {
			*why = "a synonym value is too long after normalisation";
			goto fail;
		}
		(void)canon_tokens(tmp.data, tmp.len, &val);
		if (!repl_add(r, key.data, key.len, ntok, val.data ? val.data : "", val.len)) {
			*why = "two synonym keys are the same after normalisation";
			goto fail;
		}
	}
	mdg_buf_free(&tmp);
	mdg_buf_free(&key);
	mdg_buf_free(&val);
	return r;
fail:
	mdg_buf_free(&tmp);
	mdg_buf_free(&key);
	mdg_buf_free(&val);
	repl_free(r);
	return NULL;
}

/* ------------------------------------------------------ synonyms API */

struct mdg_norm_synonyms *
mdg_norm_synonyms_new(void)
{
	return xcalloc(1, sizeof(struct mdg_norm_synonyms));
}

void
mdg_norm_synonyms_free(struct mdg_norm_synonyms *syn)
{
	size_t i;

	if (syn == NULL)
		return;
	for (i = 0; i < syn->n; i++) {
		free(syn->key[i]);
		free(syn->value[i]);
	}
	free(syn->key);
	free(syn->value);
	free(syn);
}

int
mdg_norm_synonyms_add(struct mdg_norm_synonyms *syn, const char *key, const char *value)
{
	size_t i, klen;

	if (key == NULL || value == NULL)
		return MDG_ERR;
	klen = strlen(key);
	if (klen == 0 || klen > MDG_NORM_MAX_SYNONYM || strlen(value) > MDG_NORM_MAX_SYNONYM)
		return MDG_ERR;
	for (i = 0; i < syn->n; i++)
		if (strcmp(syn->key[i], key) == 0)
			return MDG_ERR;
	if (syn->n == syn->cap) {
		syn->cap = syn->cap ? 2 * syn->cap : 16;
		syn->key = xreallocarray(syn->key, syn->cap, sizeof(*syn->key));
		syn->value = xreallocarray(syn->value, syn->cap, sizeof(*syn->value));
	}
	syn->key[syn->n] = xstrdup(key);
	syn->value[syn->n] = xstrdup(value);
	syn->n++;
	return MDG_OK;
}

int
mdg_norm_synonyms_load(struct mdg_norm_synonyms *syn, const char *const *pairs,
		       size_t npairs, size_t *bad)
{
	size_t i;

	for (i = 0; i < npairs; i++) {
		if (mdg_norm_synonyms_add(syn, pairs[2 * i], pairs[2 * i + 1]) != MDG_OK) {
			if (bad != NULL)
				*bad = i;
			return MDG_ERR;
		}
	}
	return MDG_OK;
}

/* ------------------------------------------------------ chains */

const char *
mdg_norm_known_names(void)
{
	return "casefold, unaccent, punct, space, legal_forms, synonyms, units, digits, taxid, "
	    "numbers, no_numbers, sort";
}

void
mdg_norm_chain_free(struct mdg_norm_chain *chain)
{
	size_t i;

	if (chain == NULL)
		return;
	for (i = 0; i < chain->n; i++)
		repl_free(chain->steps[i].repl);
	free(chain);
}

int
mdg_norm_chain_parse(const char *const *names, size_t n, const struct mdg_norm_synonyms *syn,
		     struct mdg_norm_chain **chainp, size_t *bad_index, const char **why)
{
	struct mdg_norm_chain *chain;
	const char *dummy;
	bool seen[sizeof(norm_names) / sizeof(norm_names[0])] = { false };
	size_t i, k, nk = sizeof(norm_names) / sizeof(norm_names[0]);

	if (why == NULL)
		why = &dummy;
	*chainp = NULL;
	if (n > MDG_NORM_MAX_STEPS) {
		*bad_index = MDG_NORM_MAX_STEPS;
		*why = "too many normalisers in one chain (at most 16)";
		return MDG_ELIMIT;
	}
	chain = xcalloc(1, sizeof(*chain));
	for (i = 0; i < n; i++) {
		*bad_index = i;
		for (k = 0; k < nk; k++)
			if (names[i] != NULL && strcmp(names[i], norm_names[k]) == 0)
				break;
		if (k == nk) {
			*why = "unknown normaliser (known: casefold, unaccent, punct, space, "
			    "legal_forms, synonyms, units, digits, taxid, numbers, no_numbers, sort)";
			goto fail;
		}
		chain->steps[i].kind = (enum norm_kind)k;
		switch (k) {
		case NORM_LEGAL_FORMS:
			if (!seen[NORM_CASEFOLD] || !seen[NORM_PUNCT]) {
				*why = "legal_forms needs casefold and punct before it";
				goto fail;
			}
			chain->steps[i].repl = legal_forms_table();
			break;
		case NORM_SYNONYMS:
			if (syn == NULL) {
				*why = "synonyms needs a synonym table";
				goto fail;
			}
			if ((chain->steps[i].repl = synonyms_table(chain, i, syn, why)) == NULL)
				goto fail;
			break;
		case NORM_UNITS:
			if (seen[NORM_PUNCT]) {
				*why = "units must come before punct";
				goto fail;
			}
			break;
		default:
			break;
		}
		seen[k] = true;
		chain->n = i + 1;
	}
	*chainp = chain;
	return MDG_OK;
fail:
	mdg_norm_chain_free(chain);
	return MDG_ERR;
}
