/*
 * test_match_sim.c - the similarity measures of engine/match-sim.c on
 * hand-made cases with known values.  Run with a file argument, it is
 * instead the C side of the differential test (tests/match-diff.sh): it
 * reads the TSV written by tests/match_diff.py and compares every pair with
 * the python3-levenshtein and python3-jellyfish references.
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

#include "match-sim.h"
#include "util.h"

#define EPS 1e-9

/* The similarity of two NUL-terminated UTF-8 strings by name. */
static double
sim(const char *name, const char *a, const char *b,
    const struct mdg_measure_opts *o)
{
	const struct mdg_measure *m = mdg_measure_lookup(name);

	assert_non_null(m);
	return mdg_sim_utf8(m, a, strlen(a), b, strlen(b), o);
}

static size_t
lev(const char *a, const char *b, size_t bound)
{
	return mdg_levenshtein_utf8(a, strlen(a), b, strlen(b), bound);
}

static size_t
dl(const char *a, const char *b)
{
	uint32_t ca[64], cb[64];
	size_t na, nb;

	assert_true(strlen(a) <= 64 && strlen(b) <= 64);
	na = mdg_utf8_decode(a, strlen(a), ca);
	nb = mdg_utf8_decode(b, strlen(b), cb);
	return mdg_damerau_levenshtein(ca, na, cb, nb);
}

#define assert_near(x, y) assert_true(fabs((x) - (y)) < EPS)

static void
test_sim_table(void **state)
{
	const struct mdg_measure *m;
	size_t n = 0;

	(void)state;
	for (m = mdg_measures; m->name != NULL; m++, n++) {
		assert_ptr_equal(mdg_measure_lookup(m->name), m);
		assert_non_null(m->sim);
		assert_non_null(m->doc);
		/* Every measure: identical non-empty strings are similar. */
		assert_near(sim(m->name, "Müller 42", "Müller 42", NULL), 1.0);
	}
	assert_int_equal(n, 11);
	assert_null(mdg_measure_lookup("soundex"));
	assert_null(mdg_measure_lookup(""));
}

static void
test_sim_decode(void **state)
{
	uint32_t out[16];

	(void)state;
	/* é (2 bytes), 😀 (4 bytes), then invalid bytes. */
	assert_int_equal(mdg_utf8_decode("\xc3\xa9\xf0\x9f\x98\x80", 6, out),
	    2);
	assert_int_equal(out[0], 0xE9);
	assert_int_equal(out[1], 0x1F600);
	/* A lone continuation, a truncated sequence, an encoded surrogate. */
	assert_int_equal(mdg_utf8_decode("\x80x\xe2\x82", 4, out), 4);
	assert_int_equal(out[0], 0xFFFD);
	assert_int_equal(out[1], 'x');
	assert_int_equal(out[2], 0xFFFD);
	assert_int_equal(out[3], 0xFFFD);
	assert_int_equal(mdg_utf8_decode("\xed\xa0\x80", 3, out), 3);
	assert_int_equal(out[0], 0xFFFD);
	/* An embedded NUL is a code point like any other. */
	assert_int_equal(mdg_utf8_decode("a\0b", 3, out), 3);
	assert_int_equal(out[1], 0);
}

static void
test_sim_exact(void **state)
{
	(void)state;
	assert_near(sim("exact", "", "", NULL), 1.0);
	assert_near(sim("exact", "a", "", NULL), 0.0);
	/* No normalisation here: NFC é is not NFD e + U+0301. */
	assert_near(sim("exact", "é", "e\xcc\x81", NULL), 0.0);
	assert_near(sim("exact", "ABC", "abc", NULL), 0.0);
}

static void
test_sim_levenshtein(void **state)
{
	(void)state;
	assert_int_equal(lev("kitten", "sitting", MDG_LEV_UNBOUNDED), 3);
	assert_int_equal(lev("sitting", "kitten", MDG_LEV_UNBOUNDED), 3);
	assert_int_equal(lev("flaw", "lawn", MDG_LEV_UNBOUNDED), 2);
	assert_int_equal(lev("", "", MDG_LEV_UNBOUNDED), 0);
	assert_int_equal(lev("", "abc", MDG_LEV_UNBOUNDED), 3);
	assert_int_equal(lev("abc", "", MDG_LEV_UNBOUNDED), 3);
	/* Code points, not bytes: one substitution each. */
	assert_int_equal(lev("Müller", "Muller", MDG_LEV_UNBOUNDED), 1);
	assert_int_equal(lev("😀x", "😁x", MDG_LEV_UNBOUNDED), 1);
	assert_int_equal(lev("CA", "ABC", MDG_LEV_UNBOUNDED), 3);
	assert_near(sim("levenshtein", "kitten", "sitting", NULL), 1 - 3 / 7.0);
	assert_near(sim("levenshtein", "", "", NULL), 1.0);
	assert_near(sim("levenshtein", "", "ab", NULL), 0.0);
}

static void
test_sim_levenshtein_bounded(void **state)
{
	char a[601], b[601];
	size_t k, i;

	(void)state;
	/* Within the bound: exact; past it: bound + 1. */
	assert_int_equal(lev("kitten", "sitting", 3), 3);
	assert_int_equal(lev("kitten", "sitting", 5), 3);
	assert_int_equal(lev("kitten", "sitting", 2), 3);
	assert_int_equal(lev("kitten", "sitting", 1), 2);
	assert_int_equal(lev("kitten", "sitting", 0), 1);
	assert_int_equal(lev("kitten", "kitten", 0), 0);
	assert_int_equal(lev("", "abcdef", 2), 3);
	assert_int_equal(lev("abcdefgh", "hgfedcba", 4), 5);
	/* The length difference alone exceeds the bound. */
	assert_int_equal(lev("a", "abcdefghij", 3), 4);
	/* Long strings (heap row): 600 vs 600 with every 10th changed. */
	for (i = 0; i < 600; i++) {
		a[i] = (char)('a' + i % 26);
		b[i] = i % 10 == 0 ? '#' : a[i];
	}
	a[600] = b[600] = '\0';
	assert_int_equal(lev(a, b, MDG_LEV_UNBOUNDED), 60);
	for (k = 0; k < 70; k++)
		assert_int_equal(lev(a, b, k), k < 60 ? k + 1 : 60);
}

static void
test_sim_damerau(void **state)
{
	uint32_t ca[400], cb[400];
	size_t i;

	(void)state;
	/* Unrestricted: CA -> AC -> ABC is 2; optimal string alignment 3. */
	assert_int_equal(dl("CA", "ABC"), 2);
	assert_int_equal(dl("ab", "ba"), 1);
	assert_int_equal(dl("abcdef", "badcfe"), 3);
	assert_int_equal(dl("kitten", "sitting"), 3);
	assert_int_equal(dl("", "abc"), 3);
	assert_int_equal(dl("abc", ""), 3);
	assert_int_equal(dl("", ""), 0);
	assert_int_equal(dl("MARTHA", "MARHTA"), 1);
	assert_int_equal(dl("ßø", "øß"), 1);
	assert_near(sim("damerau_levenshtein", "CA", "ABC", NULL), 1 - 2 / 3.0);
	assert_int_equal(mdg_damerau_levenshtein(NULL, 0, NULL, 0), 0);
	/* Long: heap matrix and hash; adjacent swaps every 4 code points. */
	for (i = 0; i < 400; i++)
		ca[i] = cb[i] = 0x1F600 + (uint32_t)(i % 23);
	for (i = 0; i + 1 < 400; i += 4) {
		cb[i] = ca[i + 1];
		cb[i + 1] = ca[i];
	}
	assert_int_equal(mdg_damerau_levenshtein(ca, 400, cb, 400), 100);
	assert_int_equal(mdg_levenshtein(ca, 400, cb, 400, MDG_LEV_UNBOUNDED),
	    200);
}

static void
test_sim_jaro(void **state)
{
	(void)state;
	/* Winkler (1990) and the jellyfish test suite. */
	assert_near(sim("jaro", "MARTHA", "MARHTA", NULL), 0.9444444444444445);
	assert_near(sim("jaro", "DWAYNE", "DUANE", NULL), 0.8222222222222223);
	assert_near(sim("jaro", "DIXON", "DICKSONX", NULL), 0.7666666666666666);
	assert_near(sim("jaro", "ab", "ba", NULL), 0.0);
	/* jellyfish: 0 when either is empty, even both. */
	assert_near(sim("jaro", "", "", NULL), 0.0);
	assert_near(sim("jaro", "a", "", NULL), 0.0);
	assert_near(sim("jaro", "a", "a", NULL), 1.0);
	assert_near(sim("jaro", "abc", "xyz", NULL), 0.0);
}

static void
test_sim_jaro_winkler(void **state)
{
	(void)state;
	assert_near(sim("jaro_winkler", "MARTHA", "MARHTA", NULL),
	    0.9611111111111111);
	assert_near(sim("jaro_winkler", "DWAYNE", "DUANE", NULL), 0.84);
	assert_near(sim("jaro_winkler", "DIXON", "DICKSONX", NULL),
	    0.8133333333333332);
	/* The prefix counts at most 4: 5 equal code points give 4 * 0.1. */
	assert_near(sim("jaro_winkler", "abcdex", "abcdey", NULL),
	    8 / 9.0 + 0.4 * (1 - 8 / 9.0));
	/* No bonus at or below 0.7: jaro("abcd", "abxy") is 2/3. */
	assert_near(sim("jaro_winkler", "abcd", "abxy", NULL), 2 / 3.0);
	/* Digits count in the prefix (jellyfish does not stop at them). */
	assert_near(sim("jaro_winkler", "1234x", "1234y", NULL), 0.92);
	/* Astral code points are one each. */
	assert_near(sim("jaro_winkler", "😀😁😂x", "😀😁😂y", NULL),
	    0.8833333333333334);
	assert_near(sim("jaro_winkler", "", "", NULL), 0.0);
}

static void
test_sim_qgram(void **state)
{
	struct mdg_measure_opts pad = { 2, true, false };
	struct mdg_measure_opts bag = { 2, false, true };
	struct mdg_measure_opts q3 = { 3, false, false };

	(void)state;
	/* night {ni ig gh ht}, nacht {na ac ch ht}: 1 shared of 7. */
	assert_near(sim("qgram_jaccard", "night", "nacht", NULL), 1 / 7.0);
	assert_near(sim("qgram_dice", "night", "nacht", NULL), 2 / 8.0);
	/* Padded: #n ni ig gh ht t$, #n na ac ch ht t$: 3 shared of 9. */
	assert_near(sim("qgram_jaccard", "night", "nacht", &pad), 3 / 9.0);
	assert_near(sim("qgram_dice", "night", "nacht", &pad), 6 / 12.0);
	/* Sets versus multisets: aaaa {aa} vs aa {aa}; bag 3 vs 1. */
	assert_near(sim("qgram_jaccard", "aaaa", "aa", NULL), 1.0);
	assert_near(sim("qgram_jaccard", "aaaa", "aa", &bag), 1 / 3.0);
	assert_near(sim("qgram_dice", "aaaa", "aa", &bag), 2 / 4.0);
	/* q = 3: abcde {abc bcd cde}, abcdf {abc bcd cdf}: 2 of 4. */
	assert_near(sim("qgram_jaccard", "abcde", "abcdf", &q3), 2 / 4.0);
	/* Shorter than q without padding: exact comparison. */
	assert_near(sim("qgram_jaccard", "a", "a", NULL), 1.0);
	assert_near(sim("qgram_jaccard", "a", "b", NULL), 0.0);
	assert_near(sim("qgram_jaccard", "", "", NULL), 1.0);
	assert_near(sim("qgram_jaccard", "", "ab", NULL), 0.0);
	/* Padded, a single code point still has grams: #a a$ vs #a a$. */
	assert_near(sim("qgram_jaccard", "a", "a", &pad), 1.0);
	assert_near(sim("qgram_jaccard", "a", "ab", &pad), 1 / 4.0);
	/* Code points: é is one, so ée has one bigram. */
	assert_near(sim("qgram_dice", "ée", "ée", NULL), 1.0);
	assert_near(sim("qgram_dice", "😀😁", "😀😂", NULL), 0.0);
}

static void
test_sim_token_set(void **state)
{
	(void)state;
	assert_near(sim("token_set", "Acme Steel GmbH", "GmbH  Acme\tSteel",
	    NULL), 1.0);
	assert_near(sim("token_set", "Acme Steel GmbH", "Acme Steel AG", NULL),
	    2 / 4.0);
	/* Sets: repeated tokens count once. */
	assert_near(sim("token_set", "a a b", "a b", NULL), 1.0);
	/* No-break space and ideographic space separate tokens. */
	assert_near(sim("token_set", "a\xc2\xa0" "b", "b\xe3\x80\x80" "a",
	    NULL), 1.0);
	assert_near(sim("token_set", "", " ", NULL), 1.0);
	assert_near(sim("token_set", "a", "", NULL), 0.0);
}

static void
test_sim_monge_elkan(void **state)
{
	double ab, ba, jw;

	(void)state;
	/* Every token of a has an exact partner in b: 1, not vice versa. */
	assert_near(sim("monge_elkan", "Acme Steel", "Steel Acme GmbH", NULL),
	    1.0);
	/* GmbH's best is jw(GmbH, Acme) = 0.5 (the m), so 2.5 / 3. */
	assert_near(sim("jaro_winkler", "GmbH", "Acme", NULL), 0.5);
	assert_near(sim("monge_elkan", "Steel Acme GmbH", "Acme Steel", NULL),
	    2.5 / 3);
	assert_near(sim("monge_elkan_sym", "Acme Steel", "Steel Acme GmbH",
	    NULL), (1.0 + 2.5 / 3) / 2);
	/* One token each: plain Jaro-Winkler. */
	jw = sim("jaro_winkler", "MARTHA", "MARHTA", NULL);
	assert_near(sim("monge_elkan", "MARTHA", "MARHTA", NULL), jw);
	/* Two tokens: (jw(MARTHA, MARHTA) + jw(DIXON, DICKSONX)) / 2. */
	ab = sim("monge_elkan", "MARTHA DIXON", "DICKSONX MARHTA", NULL);
	assert_near(ab, (0.9611111111111111 + 0.8133333333333332) / 2);
	ba = sim("monge_elkan", "DICKSONX MARHTA", "MARTHA DIXON", NULL);
	assert_near(sim("monge_elkan_sym", "MARTHA DIXON", "DICKSONX MARHTA",
	    NULL), (ab + ba) / 2);
	assert_near(sim("monge_elkan", "", "", NULL), 1.0);
	assert_near(sim("monge_elkan", "a", "  ", NULL), 0.0);
}

static void
test_sim_numeric(void **state)
{
	(void)state;
	assert_near(mdg_numeric_closeness(0, 0), 1.0);
	assert_near(mdg_numeric_closeness(100, 90), 0.9);
	assert_near(mdg_numeric_closeness(-5, 5), 0.0);	/* clamped */
	assert_near(mdg_numeric_closeness(0, 3), 0.0);
	assert_near(sim("numeric", "100", "90", NULL), 0.9);
	assert_near(sim("numeric", " 1.10 ", "1.1", NULL), 1.0);
	assert_near(sim("numeric", "1,5", "1.5", NULL), 1.0);
	assert_near(sim("numeric", "2.5e2", "250", NULL), 1.0);
	assert_near(sim("numeric", "-0", "0.000", NULL), 1.0);
	assert_near(sim("numeric", "8", "10", NULL), 0.8);
	assert_near(sim("numeric", "0.001", "0.002", NULL), 0.5);
	/* Not numbers: exact comparison. */
	assert_near(sim("numeric", "M8", "M8", NULL), 1.0);
	assert_near(sim("numeric", "M8", "8", NULL), 0.0);
	assert_near(sim("numeric", "1e", "1", NULL), 0.0);
	assert_near(sim("numeric", "", "", NULL), 1.0);
	assert_near(sim("numeric", ".", ".", NULL), 1.0);
}

/* ---------------------------------------------------- differential mode */

static size_t
unhex(const char *s, size_t n, char *out)
{
	size_t i;
	unsigned v;

	for (i = 0; i + 1 < n; i += 2) {
		if (sscanf(s + i, "%2x", &v) != 1)
			break;
		out[i / 2] = (char)v;
	}
	return n / 2;
}

static int
differential(const char *path)
{
	static const char *const what[4] = {
		"levenshtein", "damerau_levenshtein", "jaro", "jaro_winkler"
	};
	double maxdiff[4] = { 0, 0, 0, 0 };
	char *line = NULL, *f[6], *p, *ab = NULL, *bb = NULL;
	uint32_t *ca = NULL, *cb = NULL;
	size_t cap = 0, nline = 0, pairs = 0, bad = 0, boundchecks = 0;
	size_t na, nb, alen, blen, i, k, d, lv, dld;
	double got[4], want[4], diff;
	FILE *fp;
	ssize_t len;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return 2;
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		nline++;
		if (line[0] == '#')
			continue;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		for (i = 0, p = line; i < 6; i++) {
			f[i] = p;
			if ((p = strchr(p, '\t')) != NULL)
				*p++ = '\0';
			else if (i < 5) {
				fprintf(stderr, "%s:%zu: fewer than 6 fields\n",
				    path, nline);
				return 2;
			}
		}
		alen = strlen(f[0]);
		blen = strlen(f[1]);
		ab = xreallocarray(ab, alen / 2 + 1, 1);
		bb = xreallocarray(bb, blen / 2 + 1, 1);
		ca = xreallocarray(ca, alen / 2 + 1, sizeof(*ca));
		cb = xreallocarray(cb, blen / 2 + 1, sizeof(*cb));
		alen = unhex(f[0], alen, ab);
		blen = unhex(f[1], blen, bb);
		na = mdg_utf8_decode(ab, alen, ca);
		nb = mdg_utf8_decode(bb, blen, cb);
		want[0] = strtod(f[2], NULL);
		want[1] = strtod(f[3], NULL);
		want[2] = strtod(f[4], NULL);
		want[3] = strtod(f[5], NULL);
		lv = mdg_levenshtein(ca, na, cb, nb, MDG_LEV_UNBOUNDED);
		dld = mdg_damerau_levenshtein(ca, na, cb, nb);
		got[0] = (double)lv;
		got[1] = (double)dld;
		got[2] = mdg_sim_jaro(ca, na, cb, nb, NULL);
		got[3] = mdg_sim_jaro_winkler(ca, na, cb, nb, NULL);
		pairs++;
		for (i = 0; i < 4; i++) {
			diff = fabs(got[i] - want[i]);
			if (diff > maxdiff[i])
				maxdiff[i] = diff;
			/* Distances exactly, similarities to EPS. */
			if ((i < 2 ? diff == 0 : diff <= EPS) || ++bad > 10)
				continue;
			fprintf(stderr, "line %zu: %s: got %.17g, want %.17g\n"
			    "  a=%s\n  b=%s\n", nline, what[i], got[i],
			    want[i], f[0], f[1]);
		}
		/* Bounded: exact up to the bound, bound + 1 past it. */
		for (k = 0; k <= lv + 1; k += (lv > 40 ? 7 : 1)) {
			d = mdg_levenshtein(ca, na, cb, nb, k);
			boundchecks++;
			if (d == (lv <= k ? lv : k + 1) || ++bad > 10)
				continue;
			fprintf(stderr, "line %zu: levenshtein bound %zu: got "
			    "%zu, distance %zu\n", nline, k, d, lv);
		}
	}
	fclose(fp);
	free(line);
	free(ab);
	free(bb);
	free(ca);
	free(cb);
	printf("%zu pairs, %zu bounded-levenshtein checks, %zu mismatches\n",
	    pairs, boundchecks, bad);
	for (i = 0; i < 4; i++)
		printf("  %-20s max |difference| %.3g\n", what[i], maxdiff[i]);
	return bad == 0 && pairs > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_table),
		cmocka_unit_test(test_sim_decode),
		cmocka_unit_test(test_sim_exact),
		cmocka_unit_test(test_sim_levenshtein),
		cmocka_unit_test(test_sim_levenshtein_bounded),
		cmocka_unit_test(test_sim_damerau),
		cmocka_unit_test(test_sim_jaro),
		cmocka_unit_test(test_sim_jaro_winkler),
		cmocka_unit_test(test_sim_qgram),
		cmocka_unit_test(test_sim_token_set),
		cmocka_unit_test(test_sim_monge_elkan),
		cmocka_unit_test(test_sim_numeric),
	};

	if (argc == 2)
		return differential(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
