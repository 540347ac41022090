/*
 * test_match_norm.c - the normalisers of engine/match-norm.c: case folding,
 * accents, punctuation and space, legal forms, synonyms, unit tokens,
 * digits and tax ids, chain parsing errors, and the awkward inputs
 * (invalid UTF-8, empty, 100 KB).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match-norm.h"
#include "util.h"

#define SUPPLIER "casefold", "unaccent", "punct", "legal_forms", "space"
#define ITEM "casefold", "unaccent", "units", "punct", "space"

static struct mdg_norm_chain *
chain_of(const char *const *names, size_t n, const struct mdg_norm_synonyms *syn)
{
	struct mdg_norm_chain *c = NULL;
	size_t bad = 99;
	const char *why = NULL;

	assert_int_equal(mdg_norm_chain_parse(names, n, syn, &c, &bad, &why), MDG_OK);
	assert_non_null(c);
	return c;
}

#define CHAIN(...) \
	chain_of((const char *const[]){ __VA_ARGS__ }, \
	    sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *), NULL)

/* The normalised form of s (a static buffer, valid until the next call). */
static const char *
norm(const struct mdg_norm_chain *c, const char *s)
{
	static struct mdg_buf b;
	size_t n;

	mdg_buf_free(&b);
	mdg_buf_init(&b, 0);
	n = mdg_norm_apply(c, s, strlen(s), &b);
	assert_int_not_equal(n, MDG_NORM_ELIMIT);
	assert_int_equal(n, b.len);
	return b.data ? b.data : "";
}

static void
assert_same(const struct mdg_norm_chain *c, const char *a, const char *b)
{
	char *na = xstrdup(norm(c, a));

	assert_string_equal(na, norm(c, b));
	free(na);
}

static void
test_match_norm_casefold(void **state)
{
	struct mdg_norm_chain *c = CHAIN("casefold");
	struct mdg_norm_chain *cu = CHAIN("casefold", "unaccent");

	(void)state;
	assert_string_equal(norm(c, "Straße"), "strasse");
	assert_same(c, "Straße", "STRASSE");
	assert_same(c, "straße", "STRAẞE");
	/* İ folds to i + combining dot above; unaccent then drops the dot */
	assert_string_equal(norm(c, "İ"), "i\xcc\x87");
	assert_string_equal(norm(cu, "İSTANBUL"), "istanbul");
	/* final and medial sigma, and capital sigma, are one letter */
	assert_string_equal(norm(c, "ΟΔΥΣΣΕΥΣ"), "οδυσσευσ");
	assert_same(c, "ΟΔΥΣΣΕΥΣ", "οδυσσευς");
	/* NFC and NFD input agree; compatibility forms are folded */
	assert_same(c, "Mu\xcc\x88ller", "MÜLLER");
	assert_string_equal(norm(c, "ＡＢＣ１２"), "abc12");
	assert_string_equal(norm(c, "ﬁsh"), "fish");
	/* a soft hyphen is ignorable */
	assert_string_equal(norm(c, "Sie\xc2\xadmens"), "siemens");
	mdg_norm_chain_free(c);
	mdg_norm_chain_free(cu);
}

static void
test_match_norm_accents(void **state)
{
	struct mdg_norm_chain *c = CHAIN("casefold", "unaccent");
	struct mdg_norm_chain *u = CHAIN("unaccent");

	(void)state;
	assert_string_equal(norm(c, "Würth"), "wurth");
	assert_same(c, "Würth", "Wurth");
	assert_same(c, "Würth", "WÜRTH");
	assert_string_equal(norm(c, "Łódź"), "lodz");
	assert_same(c, "Łódź", "Lodz");
	assert_string_equal(norm(c, "Ørsted"), "orsted");
	assert_same(c, "Ørsted", "Orsted");
	assert_string_equal(norm(c, "Đakovo Æbeltoft Œuvre Þór"), "dakovo aebeltoft oeuvre thor");
	/* unaccent alone keeps the case */
	assert_string_equal(norm(u, "Ørsted Łódź Straße Crème"), "Orsted Lodz Strasse Creme");
	/* decomposed input, and a letter with two marks */
	assert_string_equal(norm(u, "Cre\xcc\x80me ệ"), "Creme e");
	/* Hangul is decomposed and composed again, not destroyed */
	assert_string_equal(norm(u, "한국"), "한국");
	mdg_norm_chain_free(c);
	mdg_norm_chain_free(u);
}

static void
test_match_norm_punct_space(void **state)
{
	struct mdg_norm_chain *p = CHAIN("punct");
	struct mdg_norm_chain *s = CHAIN("space");
	struct mdg_norm_chain *ps = CHAIN("casefold", "punct", "space");

	(void)state;
	assert_string_equal(norm(p, "a.b,c/d"), "a b c d");
	assert_string_equal(norm(p, "O'Neil’s"), "ONeils");
	assert_string_equal(norm(s, "  a \t\n b\xc2\xa0\xe2\x80\x83" "c  "), "a b c");
	assert_string_equal(norm(s, " \t "), "");
	assert_string_equal(norm(ps, "  Müller-Lüdenscheidt & Söhne (Ltd.)  "),
	    "müller lüdenscheidt söhne ltd");
	assert_same(ps, "A.B.C. «Trading» — €", "a b c trading");
	/* a decimal point or comma between digits is part of the number */
	assert_string_equal(norm(ps, "Class 8.8, 1,5 mm. End."), "class 8.8 1,5 mm end");
	mdg_norm_chain_free(p);
	mdg_norm_chain_free(s);
	mdg_norm_chain_free(ps);
}

static void
test_match_norm_legal_forms(void **state)
{
	struct mdg_norm_chain *c = CHAIN(SUPPLIER);

	(void)state;
	assert_string_equal(norm(c, "Würth Industrie Service GmbH & Co. KG"),
	    "wurth industrie service");
	assert_same(c, "Würth Industrie Service GmbH & Co. KG", "WURTH INDUSTRIE SERVICE");
	assert_string_equal(norm(c, "Acme S.A. de C.V."), "acme");
	assert_same(c, "Acme S.A. de C.V.", "ACME");
	assert_same(c, "Acme SA de CV", "ACME");
	assert_string_equal(norm(c, "Grupo Bimbo, S.A.B. de C.V."), "grupo bimbo");
	assert_string_equal(norm(c, "Foo S. de R.L. de C.V."), "foo");
	assert_string_equal(norm(c, "Foo Sp. z o.o."), "foo");
	assert_string_equal(norm(c, "Foo Spółka z o.o."), "foo");
	assert_string_equal(norm(c, "Maersk A/S"), "maersk");
	assert_string_equal(norm(c, "Bar S.r.l."), "bar");
	assert_string_equal(norm(c, "Baz s.p.a."), "baz");
	assert_string_equal(norm(c, "Philips N.V."), "philips");
	assert_string_equal(norm(c, "Nokia Oyj Oy"), "nokia oyj");
	assert_string_equal(norm(c, "Acme Inc."), "acme");
	assert_string_equal(norm(c, "ACME LIMITED"), "acme");
	assert_string_equal(norm(c, "Grün UG (haftungsbeschränkt)"), "grun");
	/* anywhere, as whole tokens only */
	assert_string_equal(norm(c, "GmbH Acme"), "acme");
	assert_string_equal(norm(c, "Agrar Handel AG"), "agrar handel");
	assert_string_equal(norm(c, "Agrarbedarf Kgaa-Sport"), "agrarbedarf kgaa sport");
	assert_string_equal(norm(c, "Saco Cosas"), "saco cosas");
	/* "de" outside a legal form stays */
	assert_string_equal(norm(c, "Acme de Mexico S.A."), "acme de mexico");
	/* a name that is nothing but a legal form is kept */
	assert_string_equal(norm(c, "AG"), "ag");
	mdg_norm_chain_free(c);
}

static void
test_match_norm_synonyms(void **state)
{
	const char *pairs[] = {
		"ind", "industrie", "Intl.", "International", "svc", "Service",
		"u.s.a.", "USA", "the", "",
	};
	const char *names[] = { "casefold", "unaccent", "punct", "synonyms", "legal_forms",
		"space" };
	struct mdg_norm_synonyms *syn = mdg_norm_synonyms_new();
	struct mdg_norm_chain *c;
	size_t bad = 99;

	(void)state;
	assert_int_equal(mdg_norm_synonyms_load(syn, pairs, 5, &bad), MDG_OK);
	assert_int_equal(mdg_norm_synonyms_add(syn, "ind", "x"), MDG_ERR);
	assert_int_equal(mdg_norm_synonyms_add(syn, "", "x"), MDG_ERR);
	c = chain_of(names, 6, syn);
	/* the chain has its own copy */
	mdg_norm_synonyms_free(syn);
	assert_string_equal(norm(c, "Würth Ind. Svc GmbH"), "wurth industrie service");
	assert_same(c, "Würth Ind. Svc GmbH", "WÜRTH INDUSTRIE SERVICE");
	assert_string_equal(norm(c, "ACME INTL"), "acme international");
	assert_string_equal(norm(c, "Acme U.S.A. Inc"), "acme usa");
	assert_string_equal(norm(c, "The Acme Company"), "acme");
	/* a token is replaced whole, never inside a word */
	assert_string_equal(norm(c, "Indigo Svcs"), "indigo svcs");
	assert_string_equal(norm(c, "The"), "the");
	mdg_norm_chain_free(c);

	/* keys that collide after normalisation are refused */
	syn = mdg_norm_synonyms_new();
	assert_int_equal(mdg_norm_synonyms_add(syn, "Intl", "international"), MDG_OK);
	assert_int_equal(mdg_norm_synonyms_add(syn, "INTL.", "internal"), MDG_OK);
	c = (struct mdg_norm_chain *)1;
	assert_int_equal(mdg_norm_chain_parse(names, 4, syn, &c, &bad, NULL), MDG_ERR);
	assert_null(c);
	assert_int_equal(bad, 3);
	mdg_norm_synonyms_free(syn);

	/* load reports the first bad pair */
	syn = mdg_norm_synonyms_new();
	assert_int_equal(mdg_norm_synonyms_load(syn, (const char *[]){ "a", "b", "", "c" }, 2,
	    &bad), MDG_ERR);
	assert_int_equal(bad, 1);
	mdg_norm_synonyms_free(syn);
}

static void
test_match_norm_units(void **state)
{
	struct mdg_norm_chain *c = CHAIN(ITEM);
	struct mdg_norm_chain *u = CHAIN("units");

	(void)state;
	assert_string_equal(norm(c, "M8x20"), "m8 x 20");
	assert_same(c, "M8x20", "M8 X 20");
	assert_same(c, "M8x20", "m8 × 20");
	assert_same(c, "M8x20", "M8X20");
	assert_same(c, "M8x20", "M8*20");
	assert_string_equal(norm(c, "8x20mm"), "8 x 20 mm");
	assert_same(c, "8x20mm", "8 x 20 mm");
	assert_string_equal(norm(c, "2,5 mm"), "2.5 mm");
	assert_same(c, "2,5 mm", "2.5mm");
	assert_same(c, "2,50mm", "2.5 mm");
	assert_string_equal(norm(c, "Schraube DIN 933 M08x020 8.8 verzinkt"),
	    "schraube din 933 m8 x 20 8.8 verzinkt");
	assert_string_equal(norm(c, "Rohr 0,75 x 1.000"), "rohr 0.75 x 1");
	assert_string_equal(norm(c, "Kabel 3x1,5mm²"), "kabel 3 x 1.5 mm2");
	/* x that is not between numbers stays a letter */
	assert_string_equal(norm(c, "2 x M8"), "2 x m8");
	assert_string_equal(norm(c, "Box 20xl"), "box 20 xl");
	/* units alone: the case of letters stays, x is normalised */
	assert_string_equal(norm(u, "M8X20"), "M8 x 20");
	assert_string_equal(norm(u, "000"), "0");
	mdg_norm_chain_free(c);
	mdg_norm_chain_free(u);
}

static void
test_match_norm_digits_taxid(void **state)
{
	struct mdg_norm_chain *d = CHAIN("digits");
	struct mdg_norm_chain *t = CHAIN("taxid");

	(void)state;
	assert_string_equal(norm(d, "DE 123 456 789"), "123456789");
	assert_string_equal(norm(d, "+49 (711) 12-34"), "497111234");
	assert_string_equal(norm(t, "DE 123 456 789"), "DE123456789");
	assert_string_equal(norm(t, "de-123.456.789"), "DE123456789");
	assert_string_equal(norm(t, "123 456 789"), "123456789");
	assert_string_equal(norm(t, "ATU12345678"), "AT12345678");
	assert_string_equal(norm(t, "X1234"), "1234");
	assert_string_equal(norm(t, "1A23"), "123");
	assert_string_equal(norm(t, "DE"), "DE");
	assert_string_equal(norm(t, ""), "");
	mdg_norm_chain_free(d);
	mdg_norm_chain_free(t);
}

/* numbers, no_numbers and sort: an item name taken apart. */
static void
test_match_norm_numbers_words(void **state)
{
	struct mdg_norm_chain *n = CHAIN("units", "numbers");
	struct mdg_norm_chain *ns = CHAIN("units", "numbers", "sort");
	struct mdg_norm_chain *w = CHAIN(ITEM, "no_numbers", "space", "sort");
	struct mdg_norm_chain *s = CHAIN("sort");

	(void)state;
	assert_string_equal(norm(n, "Hex bolt M8x20 DIN 933"), "8 20 933");
	assert_string_equal(norm(n, "8 x 20 mm"), "8 20");
	assert_string_equal(norm(n, "Kabel 2,5 mm2 / 1.5 m"), "2.5 2 1.5");
	assert_string_equal(norm(n, "1. Wahl, Preis 3,- EUR"), "1 3");
	assert_string_equal(norm(n, "no number"), "");
	assert_string_equal(norm(ns, "Bolt M20 x 8"), "20 8");
	assert_string_equal(norm(ns, "Bolt M8 x 20"), "20 8");
	assert_string_equal(norm(w, "Hex bolt M8x20 DIN 933"), "bolt din hex");
	assert_string_equal(norm(w, "Bolt, HEX   M8 x 20"), "bolt hex");
	assert_string_equal(norm(w, "Écrou à six pans M8"), "ecrou pans six");
	assert_string_equal(norm(w, "M8 x 20"), "");
	assert_string_equal(norm(s, "  zeta  alpha Äbc alpha "), "alpha alpha zeta Äbc");
	assert_string_equal(norm(s, ""), "");
	mdg_norm_chain_free(n);
	mdg_norm_chain_free(ns);
	mdg_norm_chain_free(w);
	mdg_norm_chain_free(s);
}

static void
test_match_norm_chain_errors(void **state)
{
	struct mdg_norm_chain *c = NULL;
	const char *why = NULL;
	size_t bad = 99;
	const char *many[MDG_NORM_MAX_STEPS + 1];
	size_t i;

	(void)state;
	assert_int_equal(mdg_norm_chain_parse((const char *[]){ "casefold", "unacent" }, 2,
	    NULL, &c, &bad, &why), MDG_ERR);
	assert_null(c);
	assert_int_equal(bad, 1);
	assert_non_null(strstr(why, "unknown"));
	assert_int_equal(mdg_norm_chain_parse((const char *[]){ "casefold", "synonyms" }, 2,
	    NULL, &c, &bad, &why), MDG_ERR);
	assert_int_equal(bad, 1);
	assert_int_equal(mdg_norm_chain_parse((const char *[]){ "punct", "legal_forms" }, 2,
	    NULL, &c, &bad, &why), MDG_ERR);
	assert_int_equal(bad, 1);
	assert_int_equal(mdg_norm_chain_parse((const char *[]){ "casefold", "punct", "units" },
	    3, NULL, &c, &bad, &why), MDG_ERR);
	assert_int_equal(bad, 2);
	assert_int_equal(mdg_norm_chain_parse((const char *[]){ "space", NULL }, 2, NULL, &c,
	    &bad, &why), MDG_ERR);
	assert_int_equal(bad, 1);
	for (i = 0; i < MDG_NORM_MAX_STEPS + 1; i++)
		many[i] = "space";
	assert_int_equal(mdg_norm_chain_parse(many, MDG_NORM_MAX_STEPS + 1, NULL, &c, &bad,
	    &why), MDG_ELIMIT);
	assert_int_equal(bad, MDG_NORM_MAX_STEPS);
	assert_int_equal(mdg_norm_chain_parse(many, MDG_NORM_MAX_STEPS, NULL, &c, &bad, &why),
	    MDG_OK);
	mdg_norm_chain_free(c);
	/* an empty chain is the identity */
	assert_int_equal(mdg_norm_chain_parse(NULL, 0, NULL, &c, &bad, &why), MDG_OK);
	assert_string_equal(norm(c, "Ab C"), "Ab C");
	mdg_norm_chain_free(c);
	assert_non_null(strstr(mdg_norm_known_names(), "legal_forms"));
}

static void
test_match_norm_invalid_utf8(void **state)
{
	struct mdg_norm_chain *id = CHAIN("casefold");
	struct mdg_norm_chain *c = CHAIN(SUPPLIER);
	struct mdg_norm_chain *it = CHAIN(ITEM);
	const char bad[] = "Ab\xff" "c\xc3" "\xe2\x82" "\xed\xa0\x80" "\xc0\xaf" "d";
	struct mdg_buf b;
	unsigned char junk[4096];
	size_t i;
	unsigned seed = 12345;

	(void)state;
	assert_string_equal(norm(id, "ab\xff" "c"), "ab\xef\xbf\xbd" "c");
	assert_string_equal(norm(id, "\xc3"), "\xef\xbf\xbd");
	/* punct turns U+FFFD into a space */
	assert_string_equal(norm(c, "Acme\xff GmbH"), "acme");
	(void)norm(c, bad);
	(void)norm(it, bad);
	/* embedded NUL bytes are white space */
	mdg_buf_init(&b, 0);
	assert_int_equal(mdg_norm_apply(c, "a\0b", 3, &b), 3);
	assert_string_equal(b.data, "a b");
	/* random bytes never crash and always give valid UTF-8 */
	for (i = 0; i < sizeof(junk); i++) {
		seed = seed * 1103515245u + 12345u;
		junk[i] = (unsigned char)(seed >> 16);
	}
	for (i = 0; i + 64 <= sizeof(junk); i += 64) {
		assert_int_not_equal(mdg_norm_apply(it, (const char *)junk + i, 64, &b),
		    MDG_NORM_ELIMIT);
		assert_int_not_equal(mdg_norm_apply(c, (const char *)junk + i, 64, &b),
		    MDG_NORM_ELIMIT);
	}
	mdg_buf_free(&b);
	mdg_norm_chain_free(id);
	mdg_norm_chain_free(c);
	mdg_norm_chain_free(it);
}

static void
test_match_norm_empty(void **state)
{
	struct mdg_norm_chain *c = CHAIN(SUPPLIER);
	struct mdg_norm_chain *it = CHAIN(ITEM);
	struct mdg_buf b;

	(void)state;
	mdg_buf_init(&b, 16);
	assert_int_equal(mdg_norm_apply(c, NULL, 0, &b), 0);
	assert_int_equal(mdg_norm_apply(c, "", 0, &b), 0);
	assert_int_equal(mdg_norm_apply(c, " .,; ", 5, &b), 0);
	assert_string_equal(b.data, "");
	assert_int_equal(mdg_norm_apply(it, "", 0, &b), 0);
	/* out is reset, not appended to */
	assert_int_equal(mdg_norm_apply(c, "Foo", 3, &b), 3);
	assert_int_equal(mdg_norm_apply(c, "Ba", 2, &b), 2);
	assert_string_equal(b.data, "ba");
	mdg_buf_free(&b);
	mdg_norm_chain_free(c);
	mdg_norm_chain_free(it);
}

static void
test_match_norm_long_input(void **state)
{
	struct mdg_norm_chain *c = CHAIN(SUPPLIER);
	struct mdg_norm_chain *it = CHAIN(ITEM);
	size_t n = 100 * 1024, i;
	char *big = xmalloc(n);
	struct mdg_buf b;

	(void)state;
	for (i = 0; i < n; i++)
		big[i] = "Xy Ü.-z9 "[i % 10];
	/* bounded: the result does not fit in 4 KiB */
	mdg_buf_init(&b, 4096);
	assert_int_equal(mdg_norm_apply(c, big, n, &b), MDG_NORM_ELIMIT);
	assert_int_equal(b.len, 0);
	assert_int_equal(mdg_norm_apply(it, big, n, &b), MDG_NORM_ELIMIT);
	/* the buffer is still usable */
	assert_int_equal(mdg_norm_apply(c, "Acme AG", 7, &b), 4);
	assert_string_equal(b.data, "acme");
	mdg_buf_free(&b);
	/* with room enough it works */
	mdg_buf_init(&b, 1024 * 1024);
	assert_int_not_equal(mdg_norm_apply(c, big, n, &b), MDG_NORM_ELIMIT);
	assert_true(b.len > 50 * 1024);
	assert_int_equal(strncmp(b.data, "xy u z9 xy u z9", 15), 0);
	assert_int_not_equal(mdg_norm_apply(it, big, n, &b), MDG_NORM_ELIMIT);
	mdg_buf_free(&b);
	/* a long value that shrinks to little fits a small buffer */
	memset(big, ' ', n);
	memcpy(big + n / 2, "Acme GmbH", 9);
	mdg_buf_init(&b, 64);
	assert_int_equal(mdg_norm_apply(c, big, n, &b), 4);
	assert_string_equal(b.data, "acme");
	mdg_buf_free(&b);
	free(big);
	mdg_norm_chain_free(c);
	mdg_norm_chain_free(it);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_norm_casefold),
		cmocka_unit_test(test_match_norm_accents),
		cmocka_unit_test(test_match_norm_punct_space),
		cmocka_unit_test(test_match_norm_legal_forms),
		cmocka_unit_test(test_match_norm_synonyms),
		cmocka_unit_test(test_match_norm_units),
		cmocka_unit_test(test_match_norm_digits_taxid),
		cmocka_unit_test(test_match_norm_numbers_words),
		cmocka_unit_test(test_match_norm_chain_errors),
		cmocka_unit_test(test_match_norm_invalid_utf8),
		cmocka_unit_test(test_match_norm_empty),
		cmocka_unit_test(test_match_norm_long_input),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}
