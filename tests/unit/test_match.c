/*
 * test_match.c - the record matcher of engine/match.c: weighted and
 * Fellegi-Sunter scoring on hand-made pairs, EM on a synthetic data set
 * with known m/u, union-find clusters, the candidate search (finds a
 * near-duplicate without comparing all pairs) and explanations.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "match.h"
#include "util.h"

#define EPS 1e-9
#define assert_near(x, y, e) assert_true(fabs((x) - (y)) < (e))

static void
field(struct mdg_match_field *f, const char *name, size_t index,
    const char *measure, double weight)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->index = index;
	f->measure = mdg_measure_lookup(measure);
	assert_non_null(f->measure);
	f->weight = weight;
	f->nthr = 1;
	f->thr[0] = 0.9;
	f->m[0] = 0.9;
	f->m[1] = 0.1;
	f->u[0] = 0.1;
	f->u[1] = 0.9;
}

static double
score2(const struct mdg_matcher *m, const char *const *a,
    const char *const *b, size_t n)
{
	struct mdg_match_set *s = mdg_match_set_new(m);
	double sc;

	assert_int_equal(mdg_match_set_add(s, a, n, 0), 0);
	assert_int_equal(mdg_match_set_add(s, b, n, 0), 1);
	sc = mdg_match_score(s, 0, 1, NULL);
	mdg_match_set_free(s);
	return sc;
}

static void
test_weighted(void **state)
{
	struct mdg_match_field f[2];
	struct mdg_matcher m;
	const char *a[] = { "abcd", "x" }, *b[] = { "abce", "x" };
	const char *c[] = { "abcd", "" }, *d[] = { "zzzz", "y" };

	(void)state;
	memset(&m, 0, sizeof(m));
	field(&f[0], "code", 0, "levenshtein", 1.0);
	field(&f[1], "city", 1, "exact", 3.0);
	m.fields = f;
	m.nfields = 2;
	m.mode = MDG_SCORE_WEIGHTED;
	/* (1 * 0.75 + 3 * 1) / 4 */
	assert_near(score2(&m, a, b, 2), 0.9375, EPS);
	/* the null city counts for nothing: 0.75 / 1 */
	assert_near(score2(&m, c, b, 2), 0.75, EPS);
	assert_near(score2(&m, a, d, 2), 0.0, EPS);
	assert_near(score2(&m, a, a, 2), 1.0, EPS);
	/* all null: 0; a missing trailing value is null */
	assert_near(score2(&m, c, c, 1), 1.0, EPS);
	{
		const char *e[] = { "", "" };

		assert_near(score2(&m, e, e, 2), 0.0, EPS);
	}
}

static void
test_levels_and_fs(void **state)
{
	struct mdg_match_field f[2];
	struct mdg_matcher m;
	const char *a[] = { "abcd", "x" }, *b[] = { "abce", "x" };
	double wa0, wd0, wa1;

	(void)state;
	field(&f[0], "code", 0, "levenshtein", 1.0);
	f[0].nthr = 2;
	f[0].thr[0] = 1.0;
	f[0].thr[1] = 0.7;
	f[0].m[0] = 0.8;
	f[0].m[1] = 0.15;
	f[0].m[2] = 0.05;
	f[0].u[0] = 0.01;
	f[0].u[1] = 0.04;
	f[0].u[2] = 0.95;
	assert_int_equal(mdg_match_level(&f[0], 1.0), 0);
	assert_int_equal(mdg_match_level(&f[0], 0.75), 1);
	assert_int_equal(mdg_match_level(&f[0], 0.7), 1);
	assert_int_equal(mdg_match_level(&f[0], 0.69), 2);
	field(&f[1], "city", 1, "exact", 1.0);
	f[1].m[0] = 0.9;
	f[1].m[1] = 0.1;
	f[1].u[0] = 0.2;
	f[1].u[1] = 0.8;
	memset(&m, 0, sizeof(m));
	m.fields = f;
	m.nfields = 2;
	m.mode = MDG_SCORE_FS;
	wa0 = log2(0.15 / 0.04);	/* code one edit apart: level 1 */
	wd0 = log2(0.05 / 0.95);
	wa1 = log2(0.9 / 0.2);
	assert_near(mdg_match_fs_weight(&f[0], 1), wa0, EPS);
	assert_near(mdg_match_fs_weight(&f[1], 1), log2(0.1 / 0.8), EPS);
	assert_near(score2(&m, a, b, 2), wa0 + wa1, EPS);
	{
		const char *c[] = { "zzzz", "y" };

		assert_near(score2(&m, a, c, 2), wd0 + log2(0.1 / 0.8), EPS);
	}
	/* probability: weight 0 with prior 0.5 is 0.5; 3 bits on 1:1 is 8/9 */
	assert_near(mdg_match_probability(0.0, 0.5), 0.5, EPS);
	assert_near(mdg_match_probability(3.0, 0.5), 8.0 / 9.0, EPS);
	assert_near(mdg_match_probability(3.0, 0.2), 2.0 / 3.0, EPS);
}

static unsigned long rng = 88172645463325252UL;

static double
urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static void
test_em(void **state)
{
	static const double tm[3] = { 0.95, 0.9, 0.8 }, tu[3] = { 0.05, 0.1, 0.3 };
	const double lambda = 0.2;
	const size_t np = 50000;
	struct mdg_match_field f[3];
	struct mdg_matcher m;
	uint8_t *lv = xmalloc(np * 3);
	size_t p, i;
	unsigned it;

	(void)state;
	for (p = 0; p < np; p++) {
		int match = urand() < lambda;

		for (i = 0; i < 3; i++) {
			double agree = match ? tm[i] : tu[i];

			lv[p * 3 + i] = urand() < agree ? 0 : 1;
		}
		if (p % 10 == 0)
			lv[p * 3 + 2] = MDG_MATCH_NULL;	/* nulls are skipped */
	}
	memset(&m, 0, sizeof(m));
	for (i = 0; i < 3; i++) {
		field(&f[i], "f", i, "exact", 1.0);
		f[i].m[0] = 0.7;
		f[i].m[1] = 0.3;
		f[i].u[0] = 0.3;
		f[i].u[1] = 0.7;
	}
	m.fields = f;
	m.nfields = 3;
	m.lambda = 0.5;
	it = mdg_match_em(&m, lv, np, false, 0);
	assert_true(it > 1 && it <= 100);
	for (i = 0; i < 3; i++) {
		assert_near(f[i].m[0], tm[i], 0.03);
		assert_near(f[i].u[0], tu[i], 0.03);
		assert_near(f[i].m[0] + f[i].m[1], 1.0, 1e-9);
	}
	assert_near(m.lambda, lambda, 0.03);
	/* With fix_u the u stay as they are. */
	f[0].u[0] = 0.05;
	f[0].u[1] = 0.95;
	(void)mdg_match_em(&m, lv, np, true, 5);
	assert_near(f[0].u[0], 0.05, EPS);
	free(lv);
}

/* A level drawn from the distribution p[0..n-1]. */
static uint8_t
draw_level(const double *p, size_t n)
{
	double x = urand(), c = 0;
	size_t l;

	for (l = 0; l + 1 < n; l++) {
		c += p[l];
		if (x < c)
			return (uint8_t)l;
	}
	return (uint8_t)(n - 1);
}

/*
 * EM over several levels per field, as `mdgate dedup --estimate` runs it:
 * start from the domain loader's default m and u, u fixed at the truth (as
 * if estimated from random pairs); m and lambda come back within a
 * tolerance.  Then with u estimated too.
 */
static void
test_em_levels(void **state)
{
	static const size_t nthr[3] = { 2, 1, 3 };
	static const double tm[3][4] = {
		{ 0.7, 0.2, 0.1 }, { 0.9, 0.1 }, { 0.5, 0.3, 0.15, 0.05 },
	};
	static const double tu[3][4] = {
		{ 0.01, 0.05, 0.94 }, { 0.05, 0.95 }, { 0.02, 0.03, 0.15, 0.8 },
	};
	const double lambda = 0.1;
	const size_t np = 60000;
	struct mdg_match_field f[3];
	struct mdg_matcher m;
	uint8_t *lv = xmalloc(np * 3);
	size_t p, i, l;
	unsigned it;
	int pass;

	(void)state;
	for (p = 0; p < np; p++) {
		int match = urand() < lambda;

		for (i = 0; i < 3; i++)
			lv[p * 3 + i] = draw_level(match ? tm[i] : tu[i], nthr[i] + 1);
		if (p % 7 == 0)
			lv[p * 3 + 1] = MDG_MATCH_NULL;
	}
	for (pass = 0; pass < 2; pass++) {
		bool fix_u = pass == 0;

		memset(&m, 0, sizeof(m));
		for (i = 0; i < 3; i++) {
			field(&f[i], "f", i, "levenshtein", 1.0);
			f[i].nthr = nthr[i];
			for (l = 0; l < nthr[i]; l++)
				f[i].thr[l] = 1.0 - 0.1 * (double)l;
			mdg_domain_match_default_mu(&f[i], true, !fix_u);
			if (fix_u)
				memcpy(f[i].u, tu[i], sizeof(tu[i]));
		}
		m.fields = f;
		m.nfields = 3;
		m.mode = MDG_SCORE_FS;
		m.lambda = 0.01;
		it = mdg_match_em(&m, lv, np, fix_u, 0);
		assert_true(it > 1 && it < 100);
		for (i = 0; i < 3; i++) {
			double sm = 0;

			for (l = 0; l <= nthr[i]; l++) {
				assert_near(f[i].m[l], tm[i][l], fix_u ? 0.02 : 0.03);
				if (fix_u)
					assert_near(f[i].u[l], tu[i][l], EPS);
				else
					assert_near(f[i].u[l], tu[i][l], 0.02);
				sm += f[i].m[l];
			}
			assert_near(sm, 1.0, 1e-6);
		}
		assert_near(m.lambda, lambda, 0.01);
	}
	free(lv);
}

static void
test_estimate_u(void **state)
{
	struct mdg_match_field f[2];
	struct mdg_matcher m;
	struct mdg_match_set *s;
	char buf[32];
	const char *v[2];
	size_t i;

	(void)state;
	memset(&m, 0, sizeof(m));
	field(&f[0], "same", 0, "exact", 1.0);
	field(&f[1], "unique", 1, "exact", 1.0);
	m.fields = f;
	m.nfields = 2;
	s = mdg_match_set_new(&m);
	assert_int_equal(mdg_match_estimate_u(&m, s, 100, 1), 0);
	for (i = 0; i < 500; i++) {
		snprintf(buf, sizeof(buf), "v%zu", i);
		v[0] = "x";
		v[1] = buf;
		(void)mdg_match_set_add(s, v, 2, 0);
	}
	assert_int_equal(mdg_match_estimate_u(&m, s, 2000, 1), 2000);
	assert_near(f[0].u[0], 2000.5 / 2001.0, EPS);
	assert_near(f[1].u[0], 0.5 / 2001.0, EPS);
	assert_near(f[1].u[1], 2000.5 / 2001.0, EPS);
	mdg_match_set_free(s);
}

static void
test_cluster(void **state)
{
	struct mdg_match_pair p[] = {
		{ 1, 2, 0.95 }, { 0, 1, 0.9 }, { 3, 4, 0.5 }, { 5, 6, 0.99 },
		{ 6, 7, 0.8 },
	};
	size_t cl[8], want[8] = { 0, 0, 0, 3, 4, 5, 5, 5 };
	size_t i;

	(void)state;
	assert_int_equal(mdg_match_cluster(8, p, 5, 0.8, cl), 2);
	for (i = 0; i < 8; i++)
		assert_int_equal(cl[i], want[i]);
	assert_int_equal(mdg_match_cluster(8, p, 5, 2.0, cl), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(cl[i], i);
}

static void
test_candidates(void **state)
{
	const size_t n = 3000;
	struct mdg_match_field f[1];
	struct mdg_match_key key = { .nfields = 1, .fields = { 0 }, .q = 3, .k = 4 };
	struct mdg_matcher m;
	struct mdg_match_set *s;
	struct mdg_match_pair *pairs;
	struct mdg_match_stats st;
	char name[16], dup[16];
	const char *v[1];
	size_t i, j, np, found = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	field(&f[0], "name", 0, "jaro_winkler", 1.0);
	m.fields = f;
	m.nfields = 1;
	m.keys = &key;
	m.nkeys = 1;
	m.stop_min = 100;
	s = mdg_match_set_new(&m);
	for (i = 0; i < n; i++) {
		for (j = 0; j < 10; j++)
			name[j] = (char)('a' + (int)(urand() * 26));
		name[10] = '\0';
		if (i == 7)
			memcpy(dup, name, sizeof(name));
		v[0] = name;
		(void)mdg_match_set_add(s, v, 1, 0);
	}
	dup[4] = dup[4] == 'q' ? 'r' : 'q';	/* one typo */
	v[0] = dup;
	assert_int_equal(mdg_match_set_add(s, v, 1, 0), n);
	np = mdg_match_candidates(s, &pairs, &st);
	for (i = 0; i < np; i++) {
		assert_true(pairs[i].a < pairs[i].b);
		if (pairs[i].a == 7 && pairs[i].b == n)
			found++;
	}
	assert_int_equal(found, 1);
	assert_int_equal(st.candidates, np);
	/* far fewer than the n (n + 1) / 2 pairs of brute force */
	assert_true(np < n);
	print_message("candidates %zu, verified %zu, postings %zu\n", np, st.verified, st.postings);
	assert_true(st.verified + st.postings < n * (n + 1) / 2 / 20);
	free(pairs);

	/* link_only: the pair of two records of one source is not proposed */
	mdg_match_set_free(s);
	m.link_only = true;
	s = mdg_match_set_new(&m);
	v[0] = "johnson";
	(void)mdg_match_set_add(s, v, 1, 0);
	(void)mdg_match_set_add(s, v, 1, 0);
	v[0] = "jonson";
	(void)mdg_match_set_add(s, v, 1, 1);
	np = mdg_match_candidates(s, &pairs, NULL);
	assert_int_equal(np, 2);
	for (i = 0; i < np; i++)
		assert_int_equal(pairs[i].b, 2);
	free(pairs);
	mdg_match_set_free(s);
}

static void
test_explain(void **state)
{
	static const char *chain[] = { "casefold", "unaccent", "space" };
	struct mdg_norm_chain *c;
	struct mdg_match_field f[2];
	struct mdg_matcher m;
	struct mdg_match_set *s;
	struct mdg_match_explain e;
	struct mdg_buf out;
	const char *a[] = { "Jürgen  MÜLLER", "Ber\"lin" };
	const char *b[] = { "jurgen muller", "" };
	size_t bad;

	(void)state;
	assert_int_equal(mdg_norm_chain_parse(chain, 3, NULL, &c, &bad, NULL),
	    MDG_OK);
	memset(&m, 0, sizeof(m));
	field(&f[0], "name", 0, "jaro_winkler", 2.0);
	f[0].chain = c;
	field(&f[1], "city", 1, "exact", 1.0);
	m.fields = f;
	m.nfields = 2;
	m.mode = MDG_SCORE_FS;
	m.lambda = 0.5;
	m.dup_threshold = 3.0;
	m.review_threshold = 1.0;
	s = mdg_match_set_new(&m);
	(void)mdg_match_set_add(s, a, 2, 0);
	(void)mdg_match_set_add(s, b, 2, 0);
	mdg_match_explain(s, 0, 1, &e);
	assert_int_equal(e.nfields, 2);
	assert_string_equal(e.fields[0].name, "name");
	assert_string_equal(e.fields[0].raw_a, "Jürgen  MÜLLER");
	assert_string_equal(e.fields[0].norm_a, "jurgen muller");
	assert_string_equal(e.fields[0].norm_b, "jurgen muller");
	assert_string_equal(e.fields[0].measure, "jaro_winkler");
	assert_near(e.fields[0].sim, 1.0, EPS);
	assert_int_equal(e.fields[0].level, 0);
	assert_near(e.fields[0].added, log2(9.0), EPS);
	assert_int_equal(e.fields[1].level, MDG_MATCH_NULL);
	assert_near(e.fields[1].added, 0.0, EPS);
	assert_near(e.score, log2(9.0), EPS);
	assert_near(e.probability, 0.9, EPS);
	assert_string_equal(e.verdict, "duplicate");

	mdg_buf_init(&out, 0);
	assert_int_equal(mdg_match_explain_text(&e, &out), MDG_OK);
	assert_non_null(strstr(out.data, "records 0 and 1: duplicate, score 3.1699"));
	assert_non_null(strstr(out.data, "jaro_winkler"));
	assert_non_null(strstr(out.data, "+3.1699"));
	assert_non_null(strstr(out.data, "(null)"));
	mdg_buf_reset(&out);
	assert_int_equal(mdg_match_explain_json(&e, &out), MDG_OK);
	assert_string_equal(out.data,
	    "{\"a\":0,\"b\":1,\"verdict\":\"duplicate\",\"score\":3.169925,"
	    "\"probability\":0.900000,\"fields\":["
	    "{\"field\":\"name\",\"a\":\"Jürgen  MÜLLER\",\"b\":\"jurgen muller\","
	    "\"normalised_a\":\"jurgen muller\",\"normalised_b\":\"jurgen muller\","
	    "\"measure\":\"jaro_winkler\",\"similarity\":1.000000,\"level\":0,"
	    "\"added\":3.169925},"
	    "{\"field\":\"city\",\"a\":\"Ber\\\"lin\",\"b\":\"\","
	    "\"normalised_a\":\"Ber\\\"lin\",\"normalised_b\":\"\","
	    "\"measure\":\"exact\",\"similarity\":null,\"level\":null,\"added\":0}]}");
	mdg_match_explain_free(&e);

	/* weighted: the added parts sum to the score */
	m.mode = MDG_SCORE_WEIGHTED;
	m.dup_threshold = 0.9;
	m.review_threshold = 0.5;
	mdg_match_explain(s, 0, 1, &e);
	assert_near(e.fields[0].added, 1.0, EPS);
	assert_near(e.score, 1.0, EPS);
	assert_string_equal(e.verdict, "duplicate");
	mdg_match_explain_free(&e);
	mdg_buf_free(&out);
	mdg_match_set_free(s);
	mdg_norm_chain_free(c);
}

/* Do records a and b share a token of key k? */
static bool
share_token(const struct mdg_match_set *s, const struct mdg_match_key *k, size_t a, size_t b)
{
	uint64_t *ta = NULL, *tb = NULL;
	size_t ca = 0, cb = 0, na, nb, i, j;
	bool shared = false;

	na = mdg_match_key_tokens(s, a, k, &ta, &ca);
	nb = mdg_match_key_tokens(s, b, k, &tb, &cb);
	for (i = 0; i < na; i++)
		assert_true(i == 0 || ta[i - 1] < ta[i]);	/* sorted, distinct */
	for (i = 0; i < na && !shared; i++)
		for (j = 0; j < nb; j++)
			if (ta[i] == tb[j])
				shared = true;
	free(ta);
	free(tb);
	return shared;
}

/* Word-set keys: a changed word, words in another order, fields kept whole. */
static void
test_words_key(void **state)
{
	struct mdg_match_field f[2];
	struct mdg_matcher m;
	struct mdg_match_set *s;
	struct mdg_match_key k1, k2, kk;
	const char *r[][2] = {
		{ "hex bolt zinc", "8 20" },	/* 0 */
		{ "zinc hex bolt", "8 20" },	/* 1: the same words */
		{ "hex blot zinc", "8 20" },	/* 2: one word changed */
		{ "hex blot zink", "8 20" },	/* 3: two words changed */
		{ "hex blot zink", "8 25" },	/* 4: two words and a number */
		{ "washer", "8 20" },		/* 5: nothing in common but numbers */
		{ "", "" },			/* 6: empty */
	};
	size_t i;
	uint64_t *t = NULL;
	size_t cap = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	field(&f[0], "name", 0, "jaro_winkler", 1.0);
	field(&f[1], "numbers", 1, "token_set", 1.0);
	m.fields = f;
	m.nfields = 2;
	s = mdg_match_set_new(&m);
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		mdg_match_set_add(s, r[i], 2, 0);
	memset(&k1, 0, sizeof(k1));
	k1.nfields = 1;
	k1.fields[0] = 0;
	k1.words = 1;
	k2 = k1;
	k2.words = 2;
	memset(&kk, 0, sizeof(kk));
	kk.nfields = 2;
	kk.fields[0] = 0;
	kk.fields[1] = 1;
	kk.words = 2;
	kk.keep = 1u << 1;	/* the numbers whole */
	/* 3 words: the set and the set less each word */
	assert_int_equal(mdg_match_key_tokens(s, 0, &k1, &t, &cap), 4);
	/* with two dropped: 1 + 3 + 3 */
	assert_int_equal(mdg_match_key_tokens(s, 0, &k2, &t, &cap), 7);
	assert_int_equal(mdg_match_key_tokens(s, 6, &k1, &t, &cap), 0);
	free(t);
	assert_true(share_token(s, &k1, 0, 1));
	assert_true(share_token(s, &k1, 0, 2));
	assert_false(share_token(s, &k1, 0, 3));
	assert_true(share_token(s, &k2, 0, 3));
	assert_false(share_token(s, &k1, 0, 6));
	/* kept numbers: two words may change, the numbers may not */
	assert_true(share_token(s, &kk, 0, 3));
	assert_false(share_token(s, &kk, 0, 4));
	/* 'washer' has one word: with every word dropped only the numbers are left */
	assert_false(share_token(s, &kk, 0, 5));
	assert_true(share_token(s, &kk, 5, 5));
	mdg_match_set_free(s);
}

/* mdg_match_score_min: the same score when it reaches min, below min otherwise. */
static void
test_score_min(void **state)
{
	struct mdg_match_field f[3];
	struct mdg_matcher m;
	struct mdg_match_set *s;
	const char *r[][3] = {
		{ "hex bolt", "8 20", "4006381333931" },
		{ "hex bolt", "8 20", "4006381333948" },
		{ "hex bolt", "8 20", "" },
		{ "hex nut", "8 20", "" },
	};
	size_t a, b;

	(void)state;
	memset(&m, 0, sizeof(m));
	field(&f[0], "name", 0, "jaro_winkler", 3.0);
	field(&f[1], "numbers", 1, "token_set", 2.0);
	field(&f[2], "barcode", 2, "exact", 4.0);
	m.fields = f;
	m.nfields = 3;
	m.mode = MDG_SCORE_WEIGHTED;
	s = mdg_match_set_new(&m);
	for (a = 0; a < 4; a++)
		mdg_match_set_add(s, r[a], 3, 0);
	for (a = 0; a < 4; a++)
		for (b = 0; b < 4; b++) {
			double full = mdg_match_score(s, a, b, NULL);
			double t;
			for (t = 0; t <= 1.0; t += 0.05) {
				double got = mdg_match_score_min(s, a, b, t);
				if (full >= t)
					assert_true(got == full);	/* the very same double */
				else
					assert_true(got < t);
			}
		}
	/* different barcodes: at most 5/9, stopped early below 0.85 */
	assert_true(mdg_match_score_min(s, 0, 1, 0.85) == -1.0);
	mdg_match_set_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weighted),
		cmocka_unit_test(test_levels_and_fs),
		cmocka_unit_test(test_em),
		cmocka_unit_test(test_em_levels),
		cmocka_unit_test(test_estimate_u),
		cmocka_unit_test(test_cluster),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_words_key),
		cmocka_unit_test(test_score_min),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
