/*
 * match-sim.c - string similarity measures on Unicode code points: exact,
 * (bounded) Levenshtein, unrestricted Damerau-Levenshtein, Jaro,
 * Jaro-Winkler, q-gram Jaccard and Dice, token-set Jaccard, Monge-Elkan and
 * numeric closeness, with a table to find them by name.  Jaro and
 * Jaro-Winkler follow python3-jellyfish line by line so that the
 * differential tests agree to the last bit.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "match-sim.h"
#include "util.h"

#define REPLACEMENT 0xFFFDu
/* q-gram padding: outside Unicode, so they match only each other. */
#define PAD_START 0x110000u
#define PAD_END 0x110001u
/* Damerau-Levenshtein matrices up to this many cells live on the stack. */
#define DL_STACK_CELLS 1600

/* A run of code points: a token or a q-gram. */
struct span {
	const uint32_t *p;
	size_t n;
};

/* Stack memory when need fits in have bytes, else heap (kept in *heap). */
static void *
scratch(void *stackbuf, size_t have, size_t nmemb, size_t size, void **heap)
{
	size_t need;

	if (!mdg_size_mul(nmemb, size, &need))
		need = SIZE_MAX;
	if (need <= have)
		return stackbuf;
	*heap = xreallocarray(NULL, nmemb, size);
	return *heap;
}

static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

static bool
cp_equal(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

/* ------------------------------------------------------------ decoding */

size_t
mdg_utf8_decode(const char *s, size_t len, uint32_t *out)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t c;
	utf8proc_ssize_t k;
	size_t i = 0, n = 0;

	while (i < len) {
		if (p[i] < 0x80) {
			out[n++] = p[i++];
			continue;
		}
		k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &c);
		if (k <= 0 || c < 0) {
			out[n++] = REPLACEMENT;
			i++;
		} else {
			out[n++] = (uint32_t)c;
			i += (size_t)k;
		}
	}
	return n;
}

/* -------------------------------------------------------- Levenshtein */

size_t
mdg_levenshtein(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    size_t bound)
{
	size_t stackrow[MDG_SIM_STACK + 2];
	const uint32_t *s, *t;
	size_t m, n, k, delta, wl, wr, i, j, lo, hi, diag, left, above, v;
	size_t rowmin, cost, d;
	size_t *row;
	void *heap = NULL;

	/* Common prefix and suffix cost nothing. */
	while (na > 0 && nb > 0 && a[0] == b[0]) {
		a++, b++;
		na--, nb--;
	}
	while (na > 0 && nb > 0 && a[na - 1] == b[nb - 1])
		na--, nb--;
	/* s is the shorter string (the row), t the longer. */
	if (na <= nb) {
		s = a, m = na, t = b, n = nb;
	} else {
		s = b, m = nb, t = a, n = na;
	}
	if (m == 0)
		return n <= bound ? n : bound + 1;
	delta = n - m;
	if (delta > bound)
		return bound + 1;
	/* The distance is at most n, so a bound >= n bounds nothing. */
	k = bound < n ? bound : n;
	/*
	 * Ukkonen's band: cell (i, j) (i in t, j in s) lies on a path of cost
	 * <= k only if |j - i| + |(m - j) - (n - i)| <= k, that is
	 * i - wl <= j <= i + wr.  Cells outside count as k + 1.
	 */
	wl = (k + delta) / 2;
	wr = (k - delta) / 2;
	row = scratch(stackrow, sizeof(stackrow), m + 2, sizeof(*row), &heap);
	for (j = 0; j <= m; j++)
		row[j] = j <= wr ? j : k + 1;
	for (i = 1; i <= n; i++) {
		lo = i > wl ? i - wl : 0;
		hi = i + wr < m ? i + wr : m;
		if (lo == 0) {
			diag = row[0];
			row[0] = i;
			left = i;
			rowmin = i;
			lo = 1;
		} else {
			diag = row[lo - 1];
			left = k + 1;
			rowmin = k + 1;
		}
		for (j = lo; j <= hi; j++) {
			above = row[j];
			cost = t[i - 1] != s[j - 1];
			v = min3(diag + cost, above + 1, left + 1);
			if (v > k + 1)
				v = k + 1;
			diag = above;
			row[j] = left = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (hi < m)
			row[hi + 1] = k + 1;
		if (rowmin > k) {
			free(heap);
			return bound + 1;
		}
	}
	d = row[m];
	free(heap);
	return d <= k ? d : bound + 1;
}

size_t
mdg_levenshtein_utf8(const char *a, size_t alen, const char *b, size_t blen,
    size_t bound)
{
	uint32_t sa[4 * MDG_SIM_STACK], sb[4 * MDG_SIM_STACK];
	uint32_t *ca, *cb;
	void *ha = NULL, *hb = NULL;
	size_t na, nb, d;

	ca = scratch(sa, sizeof(sa), alen, sizeof(*ca), &ha);
	cb = scratch(sb, sizeof(sb), blen, sizeof(*cb), &hb);
	na = mdg_utf8_decode(a, alen, ca);
	nb = mdg_utf8_decode(b, blen, cb);
	d = mdg_levenshtein(ca, na, cb, nb, bound);
	free(ha);
	free(hb);
	return d;
}

/* ----------------------------------------------- Damerau-Levenshtein */

/* The last row of a in which each code point was seen (0: never). */
struct lastrow {
	uint32_t key;	/* UINT32_MAX when the slot is empty */
	size_t row;
};

static size_t
lastrow_slot(const struct lastrow *h, size_t mask, uint32_t key)
{
	size_t x = ((size_t)key * 0x9E3779B1u) & mask;

	while (h[x].key != UINT32_MAX && h[x].key != key)
		x = (x + 1) & mask;
	return x;
}

size_t
mdg_damerau_levenshtein(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb)
{
	size_t stackm[DL_STACK_CELLS];
	struct lastrow stackh[2 * MDG_SIM_STACK];
	struct lastrow *h;
	size_t *score, w, inf, cap, mask, i, j, i1, j1, db, cost, v, d;
	void *heapm = NULL, *heaph = NULL;

	if (na == 0 || nb == 0)
		return na + nb;
	/* score is (na + 2) x (nb + 2), row i + 1 for a's prefix of i. */
	w = nb + 2;
	score = scratch(stackm, sizeof(stackm), (na + 2) * w, sizeof(*score),
	    &heapm);
	for (cap = 16; cap < 2 * na; cap *= 2)
		continue;
	mask = cap - 1;
	h = scratch(stackh, sizeof(stackh), cap, sizeof(*h), &heaph);
	for (i = 0; i < cap; i++)
		h[i].key = UINT32_MAX;

	inf = na + nb;
	score[0] = inf;
	for (i = 0; i <= na; i++) {
		score[(i + 1) * w] = inf;
		score[(i + 1) * w + 1] = i;
	}
	for (j = 0; j <= nb; j++) {
		score[j + 1] = inf;
		score[w + j + 1] = j;
	}
	for (i = 1; i <= na; i++) {
		db = 0;
		for (j = 1; j <= nb; j++) {
			v = lastrow_slot(h, mask, b[j - 1]);
			i1 = h[v].key == UINT32_MAX ? 0 : h[v].row;
			j1 = db;
			cost = 1;
			if (a[i - 1] == b[j - 1]) {
				cost = 0;
				db = j;
			}
			v = min3(score[i * w + j] + cost,
			    score[(i + 1) * w + j] + 1,
			    score[i * w + j + 1] + 1);
			/* Transposition, with the edits in between. */
			d = score[i1 * w + j1] + (i - i1 - 1) + 1 +
			    (j - j1 - 1);
			score[(i + 1) * w + j + 1] = v < d ? v : d;
		}
		v = lastrow_slot(h, mask, a[i - 1]);
		h[v].key = a[i - 1];
		h[v].row = i;
	}
	d = score[(na + 1) * w + nb + 1];
	free(heapm);
	free(heaph);
	return d;
}

/* -------------------------------------------------- Jaro, Jaro-Winkler */

/* jellyfish's _jaro_winkler (cjellyfish/jaro.c), long_tolerance off. */
static double
jaro_winkler(const uint32_t *ying, size_t ylen, const uint32_t *yang,
    size_t glen, bool winklerize)
{
	unsigned char stackflags[2 * MDG_SIM_STACK];
	unsigned char *yingf, *yangf;
	size_t min_len, range, lowlim, hilim, common, trans, i, j, k, pre;
	double weight;
	void *heap = NULL;

	if (ylen == 0 || glen == 0)
		return 0.0;
	yingf = scratch(stackflags, sizeof(stackflags), ylen + glen, 1, &heap);
	yangf = yingf + ylen;
	memset(yingf, 0, ylen + glen);
	range = ylen > glen ? ylen : glen;
	min_len = ylen > glen ? glen : ylen;
	range = range / 2 > 0 ? range / 2 - 1 : 0;

	/* Within the search range, count and flag the matched pairs. */
	common = 0;
	for (i = 0; i < ylen; i++) {
		lowlim = i >= range ? i - range : 0;
		hilim = i + range <= glen - 1 ? i + range : glen - 1;
		for (j = lowlim; j <= hilim; j++) {
			if (!yangf[j] && yang[j] == ying[i]) {
				yangf[j] = yingf[i] = 1;
				common++;
				break;
			}
		}
	}
	if (common == 0) {
		free(heap);
		return 0.0;
	}
	/* Count the transpositions. */
	k = trans = 0;
	for (i = 0; i < ylen; i++) {
		if (!yingf[i])
			continue;
		for (j = k; j < glen; j++) {
			if (yangf[j]) {
				k = j + 1;
				break;
			}
		}
		if (ying[i] != yang[j])
			trans++;
	}
	trans /= 2;
	free(heap);

	weight = (double)common / (double)ylen +
	    (double)common / (double)glen +
	    (double)(common - trans) / (double)common;
	weight /= 3.0;
	if (!winklerize || weight <= 0.7)
		return weight;
	/* Up to the first 4 code points in common. */
	k = min_len >= 4 ? 4 : min_len;
	for (pre = 0; pre < k && ying[pre] == yang[pre]; pre++)
		continue;
	if (pre > 0)
		weight += (double)pre * 0.1 * (1.0 - weight);
	return weight;
}

/* ------------------------------------------------- tokens and q-grams */

static int
span_cmp(const struct span *x, const struct span *y)
{
	size_t i, n = x->n < y->n ? x->n : y->n;

	for (i = 0; i < n; i++)
		if (x->p[i] != y->p[i])
			return x->p[i] < y->p[i] ? -1 : 1;
	return (x->n > y->n) - (x->n < y->n);
}

static void
span_sift(struct span *v, size_t root, size_t n)
{
	struct span tmp;
	size_t child;

	while ((child = 2 * root + 1) < n) {
		if (child + 1 < n && span_cmp(&v[child], &v[child + 1]) < 0)
			child++;
		if (span_cmp(&v[root], &v[child]) >= 0)
			return;
		tmp = v[root];
		v[root] = v[child];
		v[child] = tmp;
		root = child;
	}
}

/* Heapsort: in place, no recursion, no global comparator state. */
static void
span_sort(struct span *v, size_t n)
{
	struct span tmp;
	size_t i;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		span_sift(v, i, n);
	for (i = n - 1; i > 0; i--) {
		tmp = v[0];
		v[0] = v[i];
		v[i] = tmp;
		span_sift(v, 0, i);
	}
}

struct overlap {
	size_t inter, uni, na, nb;	/* |A n B|, |A u B|, |A|, |B| */
};

/* The number of spans equal to v[i] from i on, in a sorted list. */
static size_t
run_len(const struct span *v, size_t i, size_t n)
{
	size_t r;

	for (r = 1; i + r < n && span_cmp(&v[i], &v[i + r]) == 0; r++)
		continue;
	return r;
}

/* Overlap of two sorted span lists, as sets or as multisets. */
static struct overlap
span_overlap(const struct span *x, size_t nx, const struct span *y,
    size_t ny, bool multiset)
{
	struct overlap o = { 0, 0, 0, 0 };
	size_t i = 0, j = 0, ri, rj;
	int c;

	while (i < nx || j < ny) {
		if (i == nx)
			c = 1;
		else if (j == ny)
			c = -1;
		else
			c = span_cmp(&x[i], &y[j]);
		ri = c <= 0 ? run_len(x, i, nx) : 0;
		rj = c >= 0 ? run_len(y, j, ny) : 0;
		i += ri;
		j += rj;
		if (!multiset) {
			ri = ri > 0;
			rj = rj > 0;
		}
		o.inter += ri < rj ? ri : rj;
		o.uni += ri > rj ? ri : rj;
		o.na += ri;
		o.nb += rj;
	}
	return o;
}

static bool
is_space(uint32_t c)
{
	utf8proc_category_t cat;

	if (c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85)
		return true;
	if (c < 0x80 || c > 0x10FFFF)
		return false;
	cat = utf8proc_category((utf8proc_int32_t)c);
	return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
	    cat == UTF8PROC_CATEGORY_ZP;
}

/* Split on whitespace into out (room for (n + 1) / 2 spans); the count. */
static size_t
tokenize(const uint32_t *s, size_t n, struct span *out)
{
	size_t i = 0, start, count = 0;

	for (;;) {
		while (i < n && is_space(s[i]))
			i++;
		if (i == n)
			return count;
		start = i;
		while (i < n && !is_space(s[i]))
			i++;
		out[count].p = s + start;
		out[count].n = i - start;
		count++;
	}
}

/*
 * The q-grams of s into out (room for n + q - 1 spans); padded copies go to
 * pbuf (room for n + 2q - 2).  Returns the count.
 */
static size_t
qgrams(const uint32_t *s, size_t n, size_t q, bool pad, uint32_t *pbuf,
    struct span *out)
{
	size_t i, len;

	if (pad) {
		for (i = 0; i < q - 1; i++) {
			pbuf[i] = PAD_START;
			pbuf[q - 1 + n + i] = PAD_END;
		}
		if (n > 0)
			memcpy(pbuf + q - 1, s, n * sizeof(*s));
		s = pbuf;
		len = n + 2 * (q - 1);
	} else
		len = n;
	if (len < q)
		return 0;
	for (i = 0; i + q <= len; i++) {
		out[i].p = s + i;
		out[i].n = q;
	}
	return len - q + 1;
}

/* The q-gram overlap of a and b; false when either has no q-gram. */
static bool
qgram_overlap(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    const struct mdg_measure_opts *o, struct overlap *res)
{
	uint32_t stackp[2 * (MDG_SIM_STACK + 16)];
	struct span stacks[2 * (MDG_SIM_STACK + 8)];
	size_t q = o != NULL && o->q > 0 ? o->q : MDG_QGRAM_DEFAULT;
	bool pad = o != NULL && o->pad, multiset = o != NULL && o->multiset;
	size_t pa = na + 2 * (q - 1), pb = nb + 2 * (q - 1), ga, gb;
	uint32_t *pbuf;
	struct span *sp;
	void *h1 = NULL, *h2 = NULL;
	bool ok;

	pbuf = scratch(stackp, sizeof(stackp), pad ? pa + pb : 1,
	    sizeof(*pbuf), &h1);
	sp = scratch(stacks, sizeof(stacks), na + nb + 2 * q, sizeof(*sp), &h2);
	ga = qgrams(a, na, q, pad, pbuf, sp);
	gb = qgrams(b, nb, q, pad, pbuf + pa, sp + ga);
	ok = ga > 0 && gb > 0;
	if (ok) {
		span_sort(sp, ga);
		span_sort(sp + ga, gb);
		*res = span_overlap(sp, ga, sp + ga, gb, multiset);
	}
	free(h1);
	free(h2);
	return ok;
}

/* --------------------------------------------------------- the measures */

double
mdg_sim_exact(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    const struct mdg_measure_opts *o)
{
	(void)o;
	return cp_equal(a, na, b, nb) ? 1.0 : 0.0;
}

double
mdg_sim_levenshtein(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o)
{
	size_t m = na > nb ? na : nb;

	(void)o;
	if (m == 0)
		return 1.0;
	return 1.0 - (double)mdg_levenshtein(a, na, b, nb, MDG_LEV_UNBOUNDED) /
	    (double)m;
}

double
mdg_sim_damerau_levenshtein(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o)
{
	size_t m = na > nb ? na : nb;

	(void)o;
	if (m == 0)
		return 1.0;
	return 1.0 - (double)mdg_damerau_levenshtein(a, na, b, nb) / (double)m;
}

double
mdg_sim_jaro(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    const struct mdg_measure_opts *o)
{
	(void)o;
	return jaro_winkler(a, na, b, nb, false);
}

double
mdg_sim_jaro_winkler(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o)
{
	(void)o;
	return jaro_winkler(a, na, b, nb, true);
}

double
mdg_sim_qgram_jaccard(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o)
{
	struct overlap r;

	if (!qgram_overlap(a, na, b, nb, o, &r))
		return mdg_sim_exact(a, na, b, nb, o);
	return (double)r.inter / (double)r.uni;
}

double
mdg_sim_qgram_dice(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o)
{
	struct overlap r;

	if (!qgram_overlap(a, na, b, nb, o, &r))
		return mdg_sim_exact(a, na, b, nb, o);
	return 2.0 * (double)r.inter / (double)(r.na + r.nb);
}

double
mdg_sim_token_set(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o)
{
	struct span stacks[MDG_SIM_STACK + 2];
	struct span *sp;
	struct overlap r;
	size_t ta, tb;
	void *heap = NULL;

	(void)o;
	sp = scratch(stacks, sizeof(stacks), (na + 1) / 2 + (nb + 1) / 2,
	    sizeof(*sp), &heap);
	ta = tokenize(a, na, sp);
	tb = tokenize(b, nb, sp + ta);
	if (ta == 0 || tb == 0) {
		free(heap);
		return ta == tb ? 1.0 : 0.0;
	}
	span_sort(sp, ta);
	span_sort(sp + ta, tb);
	r = span_overlap(sp, ta, sp + ta, tb, false);
	free(heap);
	return (double)r.inter / (double)r.uni;
}

/* Mean over x's tokens of the best Jaro-Winkler against y's tokens. */
static double
monge_elkan(const struct span *x, size_t nx, const struct span *y, size_t ny)
{
	double sum = 0.0, best, s;
	size_t i, j;

	for (i = 0; i < nx; i++) {
		best = 0.0;
		for (j = 0; j < ny && best < 1.0; j++) {
			s = jaro_winkler(x[i].p, x[i].n, y[j].p, y[j].n, true);
			if (s > best)
				best = s;
		}
		sum += best;
	}
	return sum / (double)nx;
}

static double
monge_elkan_dir(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    bool symmetric)
{
	struct span stacks[MDG_SIM_STACK + 2];
	struct span *sp;
	size_t ta, tb;
	double r;
	void *heap = NULL;

	sp = scratch(stacks, sizeof(stacks), (na + 1) / 2 + (nb + 1) / 2,
	    sizeof(*sp), &heap);
	ta = tokenize(a, na, sp);
	tb = tokenize(b, nb, sp + ta);
	if (ta == 0 || tb == 0)
		r = ta == tb ? 1.0 : 0.0;
	else if (symmetric)
		r = (monge_elkan(sp, ta, sp + ta, tb) +
		    monge_elkan(sp + ta, tb, sp, ta)) / 2.0;
	else
		r = monge_elkan(sp, ta, sp + ta, tb);
	free(heap);
	return r;
}

double
mdg_sim_monge_elkan(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o)
{
	(void)o;
	return monge_elkan_dir(a, na, b, nb, false);
}

double
mdg_sim_monge_elkan_sym(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o)
{
	(void)o;
	return monge_elkan_dir(a, na, b, nb, true);
}

double
mdg_numeric_closeness(double x, double y)
{
	double m, r;

	if (x == y)
		return 1.0;
	m = fabs(x) > fabs(y) ? fabs(x) : fabs(y);
	r = 1.0 - fabs(x - y) / m;
	if (!(r >= 0.0))	/* negative, or NaN */
		return 0.0;
	return r > 1.0 ? 1.0 : r;
}

/*
 * Read [+-]digits[(.|,)digits][(e|E)[+-]digits] with optional surrounding
 * whitespace.  The significant digits and a decimal exponent are rewritten
 * as "DIGITSeEXP", which strtod reads the same in every locale.
 */
static bool
parse_number(const uint32_t *s, size_t n, double *out)
{
	char buf[64];
	size_t i = 0, nd = 0, len;
	long exp10 = 0, e = 0;
	bool neg = false, any = false, eneg = false, edig = false;

	while (i < n && is_space(s[i]))
		i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		any = true;
		if (nd == 0 && s[i] == '0')
			continue;
		if (nd < 40)
			buf[1 + nd++] = (char)s[i];
		else
			exp10++;
	}
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			any = true;
			if (nd == 0 && s[i] == '0') {
				exp10--;
				continue;
			}
			if (nd < 40) {
				buf[1 + nd++] = (char)s[i];
				exp10--;
			}
		}
	}
	if (!any)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			edig = true;
			if (e < 100000)
				e = e * 10 + (long)(s[i] - '0');
		}
		if (!edig)
			return false;
		exp10 += eneg ? -e : e;
	}
	while (i < n && is_space(s[i]))
		i++;
	if (i != n)
		return false;
	if (nd == 0) {
		*out = 0.0;
		return true;
	}
	buf[0] = neg ? '-' : '+';
	len = 1 + nd;
	snprintf(buf + len, sizeof(buf) - len, "e%ld", exp10);
	*out = strtod(buf, NULL);
	return true;
}

double
mdg_sim_numeric(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    const struct mdg_measure_opts *o)
{
	double x, y;

	if (!parse_number(a, na, &x) || !parse_number(b, nb, &y))
		return mdg_sim_exact(a, na, b, nb, o);
	return mdg_numeric_closeness(x, y);
}

/* ------------------------------------------------------------ the table */

const struct mdg_measure mdg_measures[] = {
	{ "exact", mdg_sim_exact,
	    "1 when the code points are equal, else 0" },
	{ "levenshtein", mdg_sim_levenshtein,
	    "1 - Levenshtein distance / longer length" },
	{ "damerau_levenshtein", mdg_sim_damerau_levenshtein,
	    "1 - unrestricted Damerau-Levenshtein distance / longer length" },
	{ "jaro", mdg_sim_jaro,
	    "Jaro similarity (0 when either string is empty)" },
	{ "jaro_winkler", mdg_sim_jaro_winkler,
	    "Jaro-Winkler: prefix scale 0.1, prefix up to 4, above 0.7 only" },
	{ "qgram_jaccard", mdg_sim_qgram_jaccard,
	    "Jaccard of the q-grams (q 2, unpadded, as sets by default)" },
	{ "qgram_dice", mdg_sim_qgram_dice,
	    "Dice of the q-grams (q 2, unpadded, as sets by default)" },
	{ "token_set", mdg_sim_token_set,
	    "Jaccard of the sets of whitespace-separated tokens" },
	{ "monge_elkan", mdg_sim_monge_elkan,
	    "mean over a's tokens of the best Jaro-Winkler against b's" },
	{ "monge_elkan_sym", mdg_sim_monge_elkan_sym,
	    "mean of Monge-Elkan in both directions" },
	{ "numeric", mdg_sim_numeric,
	    "1 - |x - y| / max(|x|, |y|); exact() if not numbers" },
	{ NULL, NULL, NULL }
};

const struct mdg_measure *
mdg_measure_lookup(const char *name)
{
	const struct mdg_measure *m;

	for (m = mdg_measures; m->name != NULL; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

double
mdg_sim_utf8(const struct mdg_measure *m, const char *a, size_t alen,
    const char *b, size_t blen, const struct mdg_measure_opts *o)
{
	uint32_t sa[4 * MDG_SIM_STACK], sb[4 * MDG_SIM_STACK];
	uint32_t *ca, *cb;
	void *ha = NULL, *hb = NULL;
	size_t na, nb;
	double r;

	ca = scratch(sa, sizeof(sa), alen, sizeof(*ca), &ha);
	cb = scratch(sb, sizeof(sb), blen, sizeof(*cb), &hb);
	na = mdg_utf8_decode(a, alen, ca);
	nb = mdg_utf8_decode(b, blen, cb);
	r = m->sim(ca, na, cb, nb, o);
	free(ha);
	free(hb);
	return r;
}
