/*
 * match.c - the record matcher of match.h: records normalised once into a
 * set, pairs scored by weighted sum or Fellegi-Sunter weights, candidate
 * pairs found through q-gram and exact-key postings with prefix filtering,
 * m/u estimated by expectation-maximisation, pairs clustered by union-find
 * and explained field by field in text and JSON.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

#define PROB_MIN 1e-6
#define PROB_MAX (1.0 - 1e-6)
#define GRAM_PAD 0x1fffffu	/* outside Unicode, fits in 21 bits */

struct mdg_match_set {
	const struct mdg_matcher *m;
	struct mdg_arena arena;
	size_t n, cap;
	const char **raw;	/* n * nfields, "" for missing */
	const char **norm;
	const uint32_t **cp;
	size_t *ncp;
	int *src;
	struct mdg_buf buf;
	size_t *cheap_first;	/* compared fields, cheapest measure first */
};

/* How costly a measure is to compute, for mdg_match_score_min's order. */
static int
measure_cost(const struct mdg_measure *ms)
{
	if (strcmp(ms->name, "exact") == 0 || strcmp(ms->name, "numeric") == 0)
		return 0;
	if (strcmp(ms->name, "token_set") == 0)
		return 1;
	if (strncmp(ms->name, "monge_elkan", 11) == 0)
		return 3;
	return 2;
}

/* The compared fields in the order mdg_match_score_min computes them. */
static size_t *
cheap_first(const struct mdg_matcher *m)
{
	size_t *o = xcalloc(m->nfields ? m->nfields : 1, sizeof(*o)), n = 0, f;
	int cost;

	for (cost = 0; cost <= 3; cost++)
		for (f = 0; f < m->nfields; f++)
			if (measure_cost(m->fields[f].measure) == cost)
				o[n++] = f;
	return o;
}

struct mdg_match_set *
mdg_match_set_new(const struct mdg_matcher *m)
{
	struct mdg_match_set *s = xcalloc(1, sizeof(*s));

	s->m = m;
	mdg_arena_init(&s->arena);
	mdg_buf_init(&s->buf, (size_t)1 << 24);
	s->cheap_first = cheap_first(m);
	return s;
}

void
mdg_match_set_free(struct mdg_match_set *s)
{
	if (s == NULL)
		return;
	mdg_arena_free(&s->arena);
	mdg_buf_free(&s->buf);
	free(s->raw);
	free(s->norm);
	free(s->cp);
	free(s->ncp);
	free(s->src);
	free(s->cheap_first);
	free(s);
}

size_t
mdg_match_set_count(const struct mdg_match_set *s)
{
	return s->n;
}

const char *
mdg_match_set_norm(const struct mdg_match_set *s, size_t r, size_t f)
{
	return s->norm[r * s->m->nfields + f];
}

/* Room for one more record, of source src; its number. */
static size_t
set_grow(struct mdg_match_set *s, int src)
{
	size_t nf = s->m->nfields, r;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->raw = xreallocarray(s->raw, s->cap * nf, sizeof(*s->raw));
		s->norm = xreallocarray(s->norm, s->cap * nf, sizeof(*s->norm));
		s->cp = xreallocarray(s->cp, s->cap * nf, sizeof(*s->cp));
		s->ncp = xreallocarray(s->ncp, s->cap * nf, sizeof(*s->ncp));
		s->src = xreallocarray(s->src, s->cap, sizeof(*s->src));
	}
	r = s->n++;
	s->src[r] = src;
	return r;
}

size_t
mdg_match_set_add(struct mdg_match_set *s, const char *const *vals,
    size_t nvals, int src)
{
	size_t nf = s->m->nfields, f, r, len, at;
	const char *v, *nv;
	uint32_t *cp;

	r = set_grow(s, src);
	for (f = 0; f < nf; f++) {
		const struct mdg_match_field *fd = &s->m->fields[f];

		at = r * nf + f;
		v = fd->index < nvals && vals[fd->index] ? vals[fd->index] : "";
		len = strlen(v);
		s->raw[at] = mdg_arena_strdup(&s->arena, v);
		nv = s->raw[at];
		if (fd->chain != NULL &&
		    mdg_norm_apply(fd->chain, v, len, &s->buf) != MDG_NORM_ELIMIT) {
			nv = mdg_arena_strdup(&s->arena, s->buf.data);
			len = s->buf.len;
		}
		s->norm[at] = nv;
		cp = mdg_arena_alloc(&s->arena, (len + 1) * sizeof(*cp));
		s->ncp[at] = mdg_utf8_decode(nv, len, cp);
		s->cp[at] = cp;
	}
	return r;
}

size_t
mdg_match_set_add_norm(struct mdg_match_set *s, const char *const *raw,
    const char *const *norm, int src)
{
	size_t nf = s->m->nfields, f, r, len, at;
	uint32_t *cp;

	r = set_grow(s, src);
	for (f = 0; f < nf; f++) {
		const char *v = raw[f] ? raw[f] : "", *nv = norm[f] ? norm[f] : "";

		at = r * nf + f;
		s->raw[at] = v[0] ? mdg_arena_strdup(&s->arena, v) : "";
		len = strlen(nv);
		s->norm[at] = strcmp(nv, v) == 0 ? s->raw[at] :
		    mdg_arena_strdup(&s->arena, nv);
		cp = mdg_arena_alloc(&s->arena, (len + 1) * sizeof(*cp));
		s->ncp[at] = mdg_utf8_decode(nv, len, cp);
		s->cp[at] = cp;
	}
	return r;
}

const char *
mdg_match_set_raw(const struct mdg_match_set *s, size_t r, size_t f)
{
	return s->raw[r * s->m->nfields + f];
}

unsigned
mdg_match_level(const struct mdg_match_field *f, double sim)
{
	size_t l;

	for (l = 0; l < f->nthr; l++)
		if (sim >= f->thr[l])
			return (unsigned)l;
	return (unsigned)f->nthr;
}

static double
clampp(double p)
{
	if (!(p >= PROB_MIN))
		return PROB_MIN;
	if (p > PROB_MAX)
		return PROB_MAX;
	return p;
}

double
mdg_match_fs_weight(const struct mdg_match_field *f, unsigned l)
{
	return log2(clampp(f->m[l]) / clampp(f->u[l]));
}

double
mdg_match_probability(double w, double lambda)
{
	double lam = clampp(lambda);

	return 1.0 / (1.0 + exp2(-(w + log2(lam / (1.0 - lam)))));
}

/* The similarity of field f between records a and b; -1 when null. */
static double
field_sim(const struct mdg_match_set *s, size_t a, size_t b, size_t f)
{
	size_t nf = s->m->nfields, ia = a * nf + f, ib = b * nf + f;
	const struct mdg_match_field *fd = &s->m->fields[f];

	if (s->ncp[ia] == 0 || s->ncp[ib] == 0)
		return -1.0;
	return fd->measure->sim(s->cp[ia], s->ncp[ia], s->cp[ib], s->ncp[ib],
	    &fd->opts);
}

double
mdg_match_score(const struct mdg_match_set *s, size_t a, size_t b,
    uint8_t *levels)
{
	const struct mdg_matcher *m = s->m;
	double num = 0, den = 0, w = 0, sim;
	unsigned l;
	size_t f;

	for (f = 0; f < m->nfields; f++) {
		sim = field_sim(s, a, b, f);
		if (sim < 0) {
			if (levels != NULL)
				levels[f] = MDG_MATCH_NULL;
			continue;
		}
		l = mdg_match_level(&m->fields[f], sim);
		if (levels != NULL)
			levels[f] = (uint8_t)l;
		if (m->mode == MDG_SCORE_FS)
			w += mdg_match_fs_weight(&m->fields[f], l);
		else {
			num += m->fields[f].weight * sim;
			den += m->fields[f].weight;
		}
	}
	if (m->mode == MDG_SCORE_FS)
		return w;
	return den > 0 ? num / den : 0.0;
}

double
mdg_match_score_min(const struct mdg_match_set *s, size_t a, size_t b, double min)
{
	const struct mdg_matcher *m = s->m;
	double sims[MDG_MATCH_MAX_FIELDS], num = 0, den = 0, left = 0, got = 0;
	size_t f, k, nf = m->nfields;

	if (m->mode != MDG_SCORE_WEIGHTED || nf > MDG_MATCH_MAX_FIELDS)
		return mdg_match_score(s, a, b, NULL);
	for (f = 0; f < nf; f++) {
		size_t ia = a * nf + f, ib = b * nf + f;

		sims[f] = -1.0;
		if (s->ncp[ia] != 0 && s->ncp[ib] != 0) {
			den += m->fields[f].weight;
			sims[f] = -2.0;		/* to compute */
		}
	}
	if (den <= 0)
		return 0.0;
	left = den;
	/* The cheap measures first; stop when even perfect similarity in the
	 * fields left cannot reach min. */
	for (k = 0; k < nf; k++) {
		f = s->cheap_first[k];
		if (sims[f] != -2.0)
			continue;
		sims[f] = field_sim(s, a, b, f);
		got += m->fields[f].weight * sims[f];
		left -= m->fields[f].weight;
		if ((got + left) / den < min)
			return -1.0;
	}
	/* The score exactly as mdg_match_score sums it. */
	for (f = 0; f < nf; f++)
		if (sims[f] >= 0)
			num += m->fields[f].weight * sims[f];
	return num / den;
}

void
mdg_match_score_pairs(const struct mdg_match_set *s,
    struct mdg_match_pair *pairs, size_t npairs)
{
	size_t i;

	for (i = 0; i < npairs; i++)
		pairs[i].score = mdg_match_score(s, pairs[i].a, pairs[i].b, NULL);
}

uint8_t *
mdg_match_levels(const struct mdg_match_set *s,
    const struct mdg_match_pair *pairs, size_t npairs)
{
	size_t nf = s->m->nfields, i;
	uint8_t *lv = xreallocarray(NULL, npairs ? npairs : 1, nf ? nf : 1);

	for (i = 0; i < npairs; i++)
		(void)mdg_match_score(s, pairs[i].a, pairs[i].b, lv + i * nf);
	return lv;
}

/* ------------------------------------------------------ candidate search */

/* A map from 64-bit tokens to dense ids (open addressing). */
struct tokmap {
	uint64_t *keys;
	uint32_t *ids;		/* id + 1; 0 is an empty slot */
	size_t cap, n;
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint32_t
tokmap_id(struct tokmap *t, uint64_t key)
{
	size_t i, mask;

	if ((t->n + 1) * 2 > t->cap) {
		struct tokmap nt;
		size_t j;

		nt.cap = t->cap ? t->cap * 2 : 1024;
		nt.n = t->n;
		nt.keys = xcalloc(nt.cap, sizeof(*nt.keys));
		nt.ids = xcalloc(nt.cap, sizeof(*nt.ids));
		for (j = 0; j < t->cap; j++) {
			if (t->ids[j] == 0)
				continue;
			i = mix64(t->keys[j]) & (nt.cap - 1);
			while (nt.ids[i] != 0)
				i = (i + 1) & (nt.cap - 1);
			nt.keys[i] = t->keys[j];
			nt.ids[i] = t->ids[j];
		}
		free(t->keys);
		free(t->ids);
		*t = nt;
	}
	mask = t->cap - 1;
	i = mix64(key) & mask;
	while (t->ids[i] != 0) {
		if (t->keys[i] == key)
			return t->ids[i] - 1;
		i = (i + 1) & mask;
	}
	t->keys[i] = key;
	t->ids[i] = (uint32_t)++t->n;
	return t->ids[i] - 1;
}

/* The tokens of one index key over all records, as global ranks. */
struct keyidx {
	size_t *off;		/* n + 1 offsets into tok */
	uint32_t *tok;		/* per record: ranks, ascending */
	uint32_t *df;		/* per rank */
	size_t *poff;		/* postings: per rank, offset and fill */
	size_t *pfill;
	uint32_t *post;
	size_t need;		/* minimum overlap (q > 0), 1 for exact */
};

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The key's code points of record r joined by spaces into buf. */
static size_t
key_text(const struct mdg_match_set *s, const struct mdg_match_key *k,
    size_t r, uint32_t **buf, size_t *cap)
{
	size_t nf = s->m->nfields, i, n = 0, need, len;

	need = 1;
	for (i = 0; i < k->nfields; i++)
		need += s->ncp[r * nf + k->fields[i]] + 1;
	if (need > *cap) {
		*cap = need * 2;
		*buf = xreallocarray(*buf, *cap, sizeof(**buf));
	}
	for (i = 0; i < k->nfields; i++) {
		len = s->ncp[r * nf + k->fields[i]];
		if (len == 0)
			continue;
		if (n > 0)
			(*buf)[n++] = ' ';
		memcpy(*buf + n, s->cp[r * nf + k->fields[i]], len * sizeof(uint32_t));
		n += len;
	}
	return n;
}

static size_t
prefix_len(const struct keyidx *x, size_t r, const struct mdg_match_key *k)
{
	size_t len = x->off[r + 1] - x->off[r], need;

	if (len == 0)
		return 0;
	need = k->q == 0 || k->words ? 1 : (k->k < len ? k->k : len);
	if (need == 0)
		need = 1;
	return len - need + 1;
}

static uint64_t
fnv_cp(const uint32_t *t, size_t n, uint64_t h)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ t[i]) * 0x100000001b3ULL;
	return h;
}

#define FNV_BASIS 0xcbf29ce484222325ULL
#define MAX_WORDS 32	/* words of a words key; past it, no drop tokens */
#define MAX_WORDS_DROP 16	/* the same, to drop two or three words */

/* The hash of a sorted set of word hashes, less up to three of them. */
static uint64_t
word_set_hash(const uint64_t *w, size_t nw, size_t x, size_t y, size_t z)
{
	uint64_t g = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < nw; i++)
		if (i != x && i != y && i != z)
			g = mix64(g ^ w[i]);
	return g;
}

size_t
mdg_match_key_tokens(const struct mdg_match_set *s, size_t r,
    const struct mdg_match_key *k, uint64_t **toks, size_t *cap)
{
	uint32_t *text = NULL;
	size_t textcap = 0, len, ntok = 0, i, j, q = k->q, first = 0;
	uint64_t g;

	len = key_text(s, k, r, &text, &textcap);
	if (len == 0) {
		free(text);
		return 0;
	}
	if (k->words) {
		uint64_t w[MAX_WORDS], fixed = 0x9e3779b97f4a7c15ULL;
		size_t nw = 0, st, need, fi, nf = s->m->nfields;

		/* Words of the droppable fields; the kept ones whole, in every token. */
		for (fi = 0; fi < k->nfields; fi++) {
			const uint32_t *t = s->cp[r * nf + k->fields[fi]];
			size_t tl = s->ncp[r * nf + k->fields[fi]];

			if (k->keep & (1u << fi)) {
				fixed = mix64(fixed ^ fnv_cp(t, tl, FNV_BASIS + fi));
				continue;
			}
			for (i = st = 0; i <= tl; i++) {
				if (i < tl && t[i] != ' ')
					continue;
				if (i > st && nw < MAX_WORDS)
					w[nw++] = mix64(fnv_cp(t + st, i - st, FNV_BASIS));
				else if (i > st)
					nw = MAX_WORDS + 1;
				st = i + 1;
			}
		}
		if (nw > MAX_WORDS)
			nw = 0;		/* too many words: the whole key only */
		mdg_qsort(w, nw, sizeof(*w), cmp_u64);
		for (i = j = 0; i < nw; i++)
			if (j == 0 || w[j - 1] != w[i])
				w[j++] = w[i];
		nw = j;
		if (k->words > 1 && nw > MAX_WORDS_DROP)
			nw = 0;		/* too many words to drop several */
		need = 2 + nw + (k->words > 1 ? nw * nw / 2 : 0) +
		    (k->words > 2 ? nw * nw * nw / 6 : 0);
		if (*cap < need) {
			*cap = need + 16;
			*toks = xreallocarray(*toks, *cap, sizeof(**toks));
		}
		/* The word set, then the sets less one (two, three) of its words. */
		if (nw == 0)
			(*toks)[ntok++] = mix64(fnv_cp(text, len, FNV_BASIS));
		else
			(*toks)[ntok++] = word_set_hash(w, nw, SIZE_MAX, SIZE_MAX, SIZE_MAX);
		first = ntok - 1;
		for (i = 0; nw > 1 && i < nw; i++) {
			(*toks)[ntok++] = word_set_hash(w, nw, i, SIZE_MAX, SIZE_MAX);
			for (j = i + 1; k->words > 1 && nw > 2 && j < nw; j++) {
				size_t l;

				(*toks)[ntok++] = word_set_hash(w, nw, i, j, SIZE_MAX);
				for (l = j + 1; k->words > 2 && nw > 3 && l < nw; l++)
					(*toks)[ntok++] = word_set_hash(w, nw, i, j, l);
			}
		}
		/* With kept fields, dropping every word still leaves them. */
		if (k->keep != 0 && nw > 0 && nw <= k->words)
			(*toks)[ntok++] = 0x9e3779b97f4a7c15ULL;
		for (i = first; i < ntok; i++)
			(*toks)[i] = mix64((*toks)[i] ^ fixed);
	} else if (q == 0) {
		if (*cap < 1) {
			*cap = 16;
			*toks = xreallocarray(*toks, *cap, sizeof(**toks));
		}
		(*toks)[ntok++] = fnv_cp(text, len, FNV_BASIS);
	} else {
		ntok = len + q - 1;
		if (*cap < ntok) {
			*cap = ntok + 16;
			*toks = xreallocarray(*toks, *cap, sizeof(**toks));
		}
		for (i = 0; i < ntok; i++) {
			g = 0;
			for (j = 0; j < q; j++) {
				size_t p = i + j;	/* in padded text */
				uint32_t c = p < q - 1 || p >= len + q - 1 ?
				    GRAM_PAD : text[p - (q - 1)];

				g = (g << 21) | (c & 0x1fffff);
			}
			(*toks)[i] = g;
		}
	}
	free(text);
	mdg_qsort(*toks, ntok, sizeof(**toks), cmp_u64);
	for (i = j = 0; i < ntok; i++)
		if (j == 0 || (*toks)[j - 1] != (*toks)[i])
			(*toks)[j++] = (*toks)[i];
	return j;
}

static void
key_build(const struct mdg_match_set *s, const struct mdg_match_key *k,
    struct keyidx *x)
{
	struct tokmap tm;
	uint32_t *ids = NULL, *order, *rank;
	uint64_t *toks = NULL;
	size_t tokcap = 0, ids_n = 0, ids_cap = 0, r, i, ntok, len;
	uint64_t *byfreq;

	memset(&tm, 0, sizeof(tm));
	x->off = xcalloc(s->n + 1, sizeof(*x->off));
	for (r = 0; r < s->n; r++) {
		ntok = mdg_match_key_tokens(s, r, k, &toks, &tokcap);
		if (ids_n + ntok > ids_cap) {
			ids_cap = (ids_n + ntok) * 2 + 1024;
			ids = xreallocarray(ids, ids_cap, sizeof(*ids));
		}
		for (i = 0; i < ntok; i++)
			ids[ids_n + i] = tokmap_id(&tm, toks[i]);
		ids_n += ntok;
		x->off[r + 1] = ids_n;
	}
	free(toks);
	/* Document frequencies, then ranks by ascending frequency. */
	x->df = xcalloc(tm.n + 1, sizeof(*x->df));
	for (i = 0; i < ids_n; i++)
		x->df[ids[i]]++;
	order = xreallocarray(NULL, tm.n + 1, sizeof(*order));
	rank = xreallocarray(NULL, tm.n + 1, sizeof(*rank));
	byfreq = xreallocarray(NULL, tm.n + 1, sizeof(*byfreq));
	for (i = 0; i < tm.n; i++)
		byfreq[i] = (uint64_t)x->df[i] << 32 | i;
	mdg_qsort(byfreq, tm.n, sizeof(*byfreq), cmp_u64);
	for (i = 0; i < tm.n; i++) {
		order[i] = (uint32_t)byfreq[i];
		rank[order[i]] = (uint32_t)i;
	}
	free(byfreq);
	for (i = 0; i < ids_n; i++)
		ids[i] = rank[ids[i]];
	/* df by rank */
	for (i = 0; i < tm.n; i++)
		order[i] = x->df[order[i]];
	free(x->df);
	x->df = order;
	free(rank);
	x->tok = ids;
	for (r = 0; r < s->n; r++)
		mdg_qsort(ids + x->off[r], x->off[r + 1] - x->off[r], sizeof(*ids),
		    cmp_u32);
	/* Posting space for the prefixes. */
	x->poff = xcalloc(tm.n + 1, sizeof(*x->poff));
	x->pfill = xcalloc(tm.n + 1, sizeof(*x->pfill));
	for (r = 0; r < s->n; r++) {
		len = prefix_len(x, r, k);
		for (i = 0; i < len; i++)
			x->poff[ids[x->off[r] + i] + 1]++;
	}
	for (i = 0; i < tm.n; i++)
		x->poff[i + 1] += x->poff[i];
	x->post = xreallocarray(NULL, x->poff[tm.n] + 1, sizeof(*x->post));
	free(tm.keys);
	free(tm.ids);
}

static void
key_free(struct keyidx *x)
{
	free(x->off);
	free(x->tok);
	free(x->df);
	free(x->poff);
	free(x->pfill);
	free(x->post);
}

/* The number of ranks two sorted lists share, stopping at need. */
static size_t
overlap(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t i = 0, j = 0, c = 0;

	while (i < na && j < nb) {
		if (a[i] == b[j]) {
			c++;
			i++;
			j++;
		} else if (a[i] < b[j])
			i++;
		else
			j++;
	}
	return c;
}

static size_t
candidates(const struct mdg_match_set *s, struct mdg_match_pair **pairs,
    struct mdg_match_stats *stats, bool scored, double min)
{
	const struct mdg_matcher *m = s->m;
	struct mdg_match_stats st;
	struct keyidx *x;
	struct mdg_match_pair *out = NULL;
	size_t nout = 0, capout = 0, r, ki, i, p, cap, need, la, lb;
	size_t *seen, *taken;
	uint32_t j, t;
	double sc = 0;

	memset(&st, 0, sizeof(st));
	cap = (size_t)((double)s->n * m->stop_frac);
	if (cap < m->stop_min)
		cap = m->stop_min;
	if (cap == 0)
		cap = SIZE_MAX;
	x = xcalloc(m->nkeys ? m->nkeys : 1, sizeof(*x));
	for (ki = 0; ki < m->nkeys; ki++)
		key_build(s, &m->keys[ki], &x[ki]);
	seen = xcalloc(s->n + 1, sizeof(*seen));
	taken = xcalloc(s->n + 1, sizeof(*taken));
	for (r = 0; r < s->n; r++) {
		for (ki = 0; ki < m->nkeys; ki++) {
			const struct mdg_match_key *k = &m->keys[ki];
			struct keyidx *kx = &x[ki];
			size_t plen = prefix_len(kx, r, k);
			const uint32_t *ta = kx->tok + kx->off[r];

			la = kx->off[r + 1] - kx->off[r];
			for (i = 0; i < plen; i++) {
				t = ta[i];
				if (kx->df[t] > cap) {
					st.stop_grams++;
					continue;
				}
				for (p = kx->poff[t]; p < kx->poff[t] + kx->pfill[t]; p++) {
					j = kx->post[p];
					st.postings++;
					if (taken[j] == r + 1 ||
					    seen[j] == r * m->nkeys + ki + 1)
						continue;
					seen[j] = r * m->nkeys + ki + 1;
					if (m->link_only && s->src[j] == s->src[r])
						continue;
					lb = kx->off[j + 1] - kx->off[j];
					need = k->q == 0 || k->words ? 1 : k->k;
					if (need > la)
						need = la;
					if (need > lb)
						need = lb;
					if (need > 1) {
						st.verified++;
						if (overlap(ta, la, kx->tok + kx->off[j],
						    lb) < need)
							continue;
					}
					taken[j] = r + 1;
					if (scored) {
						sc = mdg_match_score_min(s, j, r, min);
						if (sc < min)
							continue;
					}
					if (nout == capout) {
						capout = capout ? capout * 2 : 1024;
						out = xreallocarray(out, capout,
						    sizeof(*out));
					}
					out[nout].a = j;
					out[nout].b = r;
					out[nout].score = scored ? sc : 0;
					nout++;
				}
			}
		}
		/* Index r's prefixes after probing: pairs j < r only. */
		for (ki = 0; ki < m->nkeys; ki++) {
			struct keyidx *kx = &x[ki];
			size_t plen = prefix_len(kx, r, &m->keys[ki]);

			for (i = 0; i < plen; i++) {
				t = kx->tok[kx->off[r] + i];
				if (kx->df[t] > cap)
					continue;
				kx->post[kx->poff[t] + kx->pfill[t]++] = (uint32_t)r;
			}
		}
	}
	for (ki = 0; ki < m->nkeys; ki++)
		key_free(&x[ki]);
	free(x);
	free(seen);
	free(taken);
	st.candidates = nout;
	if (stats != NULL)
		*stats = st;
	*pairs = out;
	return nout;
}

size_t
mdg_match_candidates(const struct mdg_match_set *s,
    struct mdg_match_pair **pairs, struct mdg_match_stats *stats)
{
	return candidates(s, pairs, stats, false, 0);
}

size_t
mdg_match_candidates_min(const struct mdg_match_set *s, double min,
    struct mdg_match_pair **pairs, struct mdg_match_stats *stats)
{
	return candidates(s, pairs, stats, true, min);
}

/* ------------------------------------------------------------------- EM */

static uint64_t
rnd(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return *x >> 33;
}

size_t
mdg_match_estimate_u(struct mdg_matcher *m, const struct mdg_match_set *s,
    size_t npairs, uint64_t seed)
{
	size_t nf = m->nfields, n = s->n, tries, got = 0, f, l, a, b;
	size_t *cnt, *tot;
	uint8_t *lv;

	if (n < 2 || nf == 0)
		return 0;
	cnt = xcalloc(nf * MDG_MATCH_MAX_LEVELS, sizeof(*cnt));
	tot = xcalloc(nf, sizeof(*tot));
	lv = xmalloc(nf);
	for (tries = 0; got < npairs && tries < npairs * 4; tries++) {
		a = (size_t)(rnd(&seed) % n);
		b = (size_t)(rnd(&seed) % n);
		if (a == b || (m->link_only && s->src[a] == s->src[b]))
			continue;
		got++;
		(void)mdg_match_score(s, a, b, lv);
		for (f = 0; f < nf; f++)
			if (lv[f] != MDG_MATCH_NULL) {
				cnt[f * MDG_MATCH_MAX_LEVELS + lv[f]]++;
				tot[f]++;
			}
	}
	for (f = 0; f < nf; f++)
		for (l = 0; l <= m->fields[f].nthr; l++)
			m->fields[f].u[l] = clampp(
			    ((double)cnt[f * MDG_MATCH_MAX_LEVELS + l] + 0.5) /
			    ((double)tot[f] + 1.0));
	free(cnt);
	free(tot);
	free(lv);
	return got;
}

unsigned
mdg_match_em(struct mdg_matcher *m, const uint8_t *levels, size_t npairs,
    bool fix_u, unsigned max_iter)
{
	size_t nf = m->nfields, p, f, l, nl;
	double *sm, *su, *lm, *lu, lam, sp, pr, a, b, d, delta, v;
	unsigned it;

	if (max_iter == 0)
		max_iter = 100;
	if (npairs == 0 || nf == 0)
		return 0;
	sm = xcalloc(nf * MDG_MATCH_MAX_LEVELS, sizeof(*sm));
	su = xcalloc(nf * MDG_MATCH_MAX_LEVELS, sizeof(*su));
	lm = xcalloc(nf * MDG_MATCH_MAX_LEVELS, sizeof(*lm));
	lu = xcalloc(nf * MDG_MATCH_MAX_LEVELS, sizeof(*lu));
	lam = clampp(m->lambda);
	for (it = 0; it < max_iter;) {
		for (f = 0; f < nf; f++)
			for (l = 0; l <= m->fields[f].nthr; l++) {
				lm[f * MDG_MATCH_MAX_LEVELS + l] =
				    log(clampp(m->fields[f].m[l]));
				lu[f * MDG_MATCH_MAX_LEVELS + l] =
				    log(clampp(m->fields[f].u[l]));
			}
		memset(sm, 0, nf * MDG_MATCH_MAX_LEVELS * sizeof(*sm));
		memset(su, 0, nf * MDG_MATCH_MAX_LEVELS * sizeof(*su));
		sp = 0;
		/* E: the match probability of every pair. */
		for (p = 0; p < npairs; p++) {
			const uint8_t *lv = levels + p * nf;

			a = log(lam);
			b = log(1.0 - lam);
			for (f = 0; f < nf; f++) {
				if (lv[f] == MDG_MATCH_NULL)
					continue;
				a += lm[f * MDG_MATCH_MAX_LEVELS + lv[f]];
				b += lu[f * MDG_MATCH_MAX_LEVELS + lv[f]];
			}
			pr = 1.0 / (1.0 + exp(b - a));
			sp += pr;
			for (f = 0; f < nf; f++) {
				if (lv[f] == MDG_MATCH_NULL)
					continue;
				sm[f * MDG_MATCH_MAX_LEVELS + lv[f]] += pr;
				su[f * MDG_MATCH_MAX_LEVELS + lv[f]] += 1.0 - pr;
			}
		}
		/* M: new m, u per field level and lambda. */
		delta = 0;
		for (f = 0; f < nf; f++) {
			double tm = 0, tu = 0;

			nl = m->fields[f].nthr + 1;
			for (l = 0; l < nl; l++) {
				tm += sm[f * MDG_MATCH_MAX_LEVELS + l];
				tu += su[f * MDG_MATCH_MAX_LEVELS + l];
			}
			for (l = 0; l < nl; l++) {
				if (tm > 0) {
					v = clampp(sm[f * MDG_MATCH_MAX_LEVELS + l] / tm);
					d = fabs(v - m->fields[f].m[l]);
					delta = d > delta ? d : delta;
					m->fields[f].m[l] = v;
				}
				if (!fix_u && tu > 0) {
					v = clampp(su[f * MDG_MATCH_MAX_LEVELS + l] / tu);
					d = fabs(v - m->fields[f].u[l]);
					delta = d > delta ? d : delta;
					m->fields[f].u[l] = v;
				}
			}
		}
		v = clampp(sp / (double)npairs);
		d = fabs(v - lam);
		delta = d > delta ? d : delta;
		lam = v;
		it++;
		if (delta < 1e-6)
			break;
	}
	m->lambda = lam;
	free(sm);
	free(su);
	free(lm);
	free(lu);
	return it;
}

/* ------------------------------------------------------------ clusters */

static size_t
uf_find(size_t *parent, size_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

size_t
mdg_match_cluster(size_t n, const struct mdg_match_pair *pairs,
    size_t npairs, double threshold, size_t *cluster)
{
	size_t i, ra, rb, count = 0;
	size_t *size;

	for (i = 0; i < n; i++)
		cluster[i] = i;
	for (i = 0; i < npairs; i++) {
		if (!(pairs[i].score >= threshold))
			continue;
		ra = uf_find(cluster, pairs[i].a);
		rb = uf_find(cluster, pairs[i].b);
		if (ra == rb)
			continue;
		/* The smaller number becomes the root. */
		if (ra < rb)
			cluster[rb] = ra;
		else
			cluster[ra] = rb;
	}
	size = xcalloc(n ? n : 1, sizeof(*size));
	for (i = 0; i < n; i++) {
		cluster[i] = uf_find(cluster, i);
		if (++size[cluster[i]] == 2)
			count++;
	}
	free(size);
	return count;
}

/* -------------------------------------------------------- explanations */

void
mdg_match_explain(const struct mdg_match_set *s, size_t a, size_t b,
    struct mdg_match_explain *e)
{
	const struct mdg_matcher *m = s->m;
	size_t nf = m->nfields, f;
	double den = 0, sim;

	memset(e, 0, sizeof(*e));
	e->a = a;
	e->b = b;
	e->nfields = nf;
	e->fields = xcalloc(nf ? nf : 1, sizeof(*e->fields));
	for (f = 0; f < nf; f++) {
		struct mdg_match_explain_field *x = &e->fields[f];

		x->name = m->fields[f].name;
		x->raw_a = s->raw[a * nf + f];
		x->raw_b = s->raw[b * nf + f];
		x->norm_a = s->norm[a * nf + f];
		x->norm_b = s->norm[b * nf + f];
		x->measure = m->fields[f].measure->name;
		sim = field_sim(s, a, b, f);
		if (sim < 0) {
			x->level = MDG_MATCH_NULL;
			continue;
		}
		x->sim = sim;
		x->level = mdg_match_level(&m->fields[f], sim);
		if (m->mode == MDG_SCORE_FS)
			x->added = mdg_match_fs_weight(&m->fields[f], x->level);
		else
			den += m->fields[f].weight;
	}
	if (m->mode == MDG_SCORE_WEIGHTED && den > 0)
		for (f = 0; f < nf; f++)
			if (e->fields[f].level != MDG_MATCH_NULL)
				e->fields[f].added = m->fields[f].weight *
				    e->fields[f].sim / den;
	e->score = mdg_match_score(s, a, b, NULL);
	e->probability = m->mode == MDG_SCORE_FS ?
	    mdg_match_probability(e->score, m->lambda) : e->score;
	e->verdict = e->score >= m->dup_threshold ? "duplicate" :
	    e->score >= m->review_threshold ? "review" : "different";
}

void
mdg_match_explain_free(struct mdg_match_explain *e)
{
	free(e->fields);
	e->fields = NULL;
	e->nfields = 0;
}

int
mdg_match_explain_text(const struct mdg_match_explain *e, struct mdg_buf *out)
{
	size_t f;
	int rc;

	rc = mdg_buf_printf(out, "records %zu and %zu: %s, score %.4f, "
	    "probability %.4f\n", e->a, e->b, e->verdict, e->score,
	    e->probability);
	for (f = 0; f < e->nfields && rc == MDG_OK; f++) {
		const struct mdg_match_explain_field *x = &e->fields[f];

		if (x->level == MDG_MATCH_NULL)
			rc = mdg_buf_printf(out, "  %-14s %-20s   (null)   +0.0000"
			    "  \"%s\" / \"%s\"\n", x->name, x->measure,
			    x->raw_a, x->raw_b);
		else
			rc = mdg_buf_printf(out, "  %-14s %-20s %.4f %+8.4f"
			    "  \"%s\" / \"%s\"  [\"%s\" / \"%s\"]\n", x->name,
			    x->measure, x->sim, x->added, x->raw_a, x->raw_b,
			    x->norm_a, x->norm_b);
	}
	return rc;
}

static int
json_str(struct mdg_buf *out, const char *s)
{
	int rc = mdg_buf_putc(out, '"');

	for (; *s != '\0' && rc == MDG_OK; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			rc = mdg_buf_printf(out, "\\%c", c);
		else if (c < 0x20)
			rc = mdg_buf_printf(out, "\\u%04x", c);
		else
			rc = mdg_buf_putc(out, (char)c);
	}
	if (rc == MDG_OK)
		rc = mdg_buf_putc(out, '"');
	return rc;
}

static int
json_num(struct mdg_buf *out, double v)
{
	if (!isfinite(v))
		return mdg_buf_printf(out, "null");
	return mdg_buf_printf(out, "%.6f", v);
}

int
mdg_match_explain_json(const struct mdg_match_explain *e, struct mdg_buf *out)
{
	size_t f;
	int rc;

	rc = mdg_buf_printf(out, "{\"a\":%zu,\"b\":%zu,\"verdict\":", e->a, e->b);
	rc = rc ? rc : json_str(out, e->verdict);
	rc = rc ? rc : mdg_buf_printf(out, ",\"score\":");
	rc = rc ? rc : json_num(out, e->score);
	rc = rc ? rc : mdg_buf_printf(out, ",\"probability\":");
	rc = rc ? rc : json_num(out, e->probability);
	rc = rc ? rc : mdg_buf_printf(out, ",\"fields\":[");
	for (f = 0; f < e->nfields && rc == MDG_OK; f++) {
		const struct mdg_match_explain_field *x = &e->fields[f];

		rc = mdg_buf_printf(out, "%s{\"field\":", f ? "," : "");
		rc = rc ? rc : json_str(out, x->name);
		rc = rc ? rc : mdg_buf_printf(out, ",\"a\":");
		rc = rc ? rc : json_str(out, x->raw_a);
		rc = rc ? rc : mdg_buf_printf(out, ",\"b\":");
		rc = rc ? rc : json_str(out, x->raw_b);
		rc = rc ? rc : mdg_buf_printf(out, ",\"normalised_a\":");
		rc = rc ? rc : json_str(out, x->norm_a);
		rc = rc ? rc : mdg_buf_printf(out, ",\"normalised_b\":");
		rc = rc ? rc : json_str(out, x->norm_b);
		rc = rc ? rc : mdg_buf_printf(out, ",\"measure\":");
		rc = rc ? rc : json_str(out, x->measure);
		if (x->level == MDG_MATCH_NULL) {
			rc = rc ? rc : mdg_buf_printf(out, ",\"similarity\":null,"
			    "\"level\":null,\"added\":0}");
			continue;
		}
		rc = rc ? rc : mdg_buf_printf(out, ",\"similarity\":");
		rc = rc ? rc : json_num(out, x->sim);
		rc = rc ? rc : mdg_buf_printf(out, ",\"level\":%u,\"added\":",
		    x->level);
		rc = rc ? rc : json_num(out, x->added);
		rc = rc ? rc : mdg_buf_putc(out, '}');
	}
	rc = rc ? rc : mdg_buf_printf(out, "]}");
	return rc;
}
