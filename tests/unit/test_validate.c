/*
 * test_validate.c - parsing typed values (integers, decimals, booleans,
 * dates), UTF-8 length, trimming, and the per-field checks of
 * mdg_validate_value() with fields built by hand.
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
#include <time.h>

#include "validate.h"

/* ------------------------------------------------------------ helpers */

/* One match data block and match context for the whole group, with the
 * limits domain.c uses. */
static pcre2_match_data *g_md;
static pcre2_match_context *g_mctx;

static int
group_setup(void **state)
{
	(void)state;
	g_md = pcre2_match_data_create(16, NULL);
	g_mctx = pcre2_match_context_create(NULL);
	if (g_md == NULL || g_mctx == NULL)
		return -1;
	pcre2_set_match_limit(g_mctx, 100000);
	pcre2_set_depth_limit(g_mctx, 1000);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	pcre2_match_data_free(g_md);
	pcre2_match_context_free(g_mctx);
	g_md = NULL;
	g_mctx = NULL;
	return 0;
}

static struct mdg_vctx
vctx(char decimal, enum mdg_datefmt fmt)
{
	struct mdg_vctx c;

	c.decimal = decimal;
	c.date_format = fmt;
	c.md = g_md;
	c.mctx = g_mctx;
	return c;
}

/* A field with no constraints. */
static struct mdg_field
mkfield(enum mdg_ftype type, const char *name, const char *label)
{
	struct mdg_field f;

	memset(&f, 0, sizeof(f));
	f.name = (char *)name;
	f.label = (char *)label;
	f.type = type;
	f.min_length = -1;
	f.max_length = -1;
	return f;
}

/* Compile a pattern the way domain.c does (UTF mode), optionally with JIT. */
static pcre2_code *
compile(const char *pattern, bool jit)
{
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &errcode,
			   &erroff, NULL);
	assert_non_null(re);
	if (jit)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* Validate a NUL-terminated value; returns the number of problems. */
static size_t
check(const struct mdg_field *f, const char *v, const struct mdg_vctx *c,
      struct mdg_vproblem *out)
{
	memset(out, 0, sizeof(*out) * MDG_VPROBLEMS_MAX);
	return mdg_validate_value(f, v, strlen(v), c, out, MDG_VPROBLEMS_MAX, NULL);
}

/* Exactly one problem with this code and message. */
static void
expect_one(const struct mdg_field *f, const char *v, const struct mdg_vctx *c,
	   const char *code, const char *message)
{
	struct mdg_vproblem p[MDG_VPROBLEMS_MAX];

	assert_int_equal(check(f, v, c, p), 1);
	assert_non_null(p[0].code);
	assert_string_equal(p[0].code, code);
	assert_string_equal(p[0].message, message);
}

static void
expect_ok(const struct mdg_field *f, const char *v, const struct mdg_vctx *c)
{
	struct mdg_vproblem p[MDG_VPROBLEMS_MAX];
	size_t n = check(f, v, c, p);

	if (n != 0)
		print_error("unexpected problem for '%s': %s [%s]\n", v, p[0].message,
			    p[0].code ? p[0].code : "?");
	assert_int_equal(n, 0);
}

static bool
parse_int_s(const char *s, int64_t *out)
{
	return mdg_parse_int(s, strlen(s), out);
}

static bool
parse_dec_s(const char *s, char mark, double *out)
{
	return mdg_parse_decimal(s, strlen(s), mark, out);
}

static bool
parse_bool_s(const char *s, bool *out)
{
	return mdg_parse_bool(s, strlen(s), out);
}

static bool
parse_date_s(const char *s, enum mdg_datefmt fmt, long *out)
{
	return mdg_parse_date(s, strlen(s), fmt, out);
}

static double
elapsed_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ------------------------------------------------------ mdg_parse_int */

static void
test_validate_int_bounds(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_true(parse_int_s("9223372036854775807", &v));
	assert_true(v == INT64_MAX);
	assert_true(parse_int_s("-9223372036854775808", &v));
	assert_true(v == INT64_MIN);
	assert_true(parse_int_s("+9223372036854775807", &v));
	assert_true(v == INT64_MAX);
}

static void
test_validate_int_overflow_by_one(void **state)
{
	int64_t v = 12345;

	(void)state;
	assert_false(parse_int_s("9223372036854775808", &v));
	assert_false(parse_int_s("-9223372036854775809", &v));
	assert_false(parse_int_s("+9223372036854775808", &v));
	assert_false(parse_int_s("18446744073709551615", &v));
	assert_false(parse_int_s("18446744073709551616", &v));
	assert_false(parse_int_s("99999999999999999999999999", &v));
	/* A refused value leaves the output alone. */
	assert_true(v == 12345);
}

static void
test_validate_int_signs(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_true(parse_int_s("42", &v));
	assert_true(v == 42);
	assert_true(parse_int_s("+42", &v));
	assert_true(v == 42);
	assert_true(parse_int_s("-42", &v));
	assert_true(v == -42);
	assert_true(parse_int_s("-0", &v));
	assert_true(v == 0);
	assert_true(parse_int_s("0", &v));
	assert_true(v == 0);
	assert_true(parse_int_s("007", &v));
	assert_true(v == 7);
	assert_false(parse_int_s("-", &v));
	assert_false(parse_int_s("+", &v));
	assert_false(parse_int_s("--1", &v));
	assert_false(parse_int_s("+-1", &v));
	assert_false(parse_int_s("1-", &v));
}

static void
test_validate_int_refuses_other_forms(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_false(parse_int_s("", &v));
	assert_false(mdg_parse_int("5", 0, &v));
	assert_false(parse_int_s(" 1", &v));
	assert_false(parse_int_s("1 ", &v));
	assert_false(parse_int_s("1 000", &v));
	assert_false(parse_int_s("1e3", &v));
	assert_false(parse_int_s("1.0", &v));
	assert_false(parse_int_s("1,0", &v));
	assert_false(parse_int_s("0x1F", &v));
	assert_false(parse_int_s("0X10", &v));
	assert_false(parse_int_s("abc", &v));
	assert_false(parse_int_s("\xd9\xa1", &v)); /* ARABIC-INDIC DIGIT ONE */
	assert_false(parse_int_s("inf", &v));
}

static void
test_validate_int_uses_length_not_nul(void **state)
{
	int64_t v = 0;

	(void)state;
	/* Only the first len bytes count: no NUL terminator is needed. */
	assert_true(mdg_parse_int("123abc", 3, &v));
	assert_true(v == 123);
	assert_true(mdg_parse_int("-7;", 2, &v));
	assert_true(v == -7);
}

/* -------------------------------------------------- mdg_parse_decimal */

static void
test_validate_decimal_point_mark(void **state)
{
	double v = 0;

	(void)state;
	assert_true(parse_dec_s("1.5", '.', &v));
	assert_true(v == 1.5);
	assert_true(parse_dec_s("-0.5", '.', &v));
	assert_true(v == -0.5);
	assert_true(parse_dec_s(".5", '.', &v));
	assert_true(v == 0.5);
	assert_true(parse_dec_s("5.", '.', &v));
	assert_true(v == 5.0);
	assert_true(parse_dec_s("+3", '.', &v));
	assert_true(v == 3.0);
	assert_true(parse_dec_s("-.25", '.', &v));
	assert_true(v == -0.25);
	assert_true(parse_dec_s("42", '.', &v));
	assert_true(v == 42.0);
	assert_true(parse_dec_s("0.000001", '.', &v));
	assert_true(fabs(v - 0.000001) < 1e-15);
}

static void
test_validate_decimal_comma_mark(void **state)
{
	double v = 0;

	(void)state;
	assert_true(parse_dec_s("1,5", ',', &v));
	assert_true(v == 1.5);
	assert_true(parse_dec_s("-0,5", ',', &v));
	assert_true(v == -0.5);
	assert_true(parse_dec_s(",5", ',', &v));
	assert_true(v == 0.5);
	assert_true(parse_dec_s("5,", ',', &v));
	assert_true(v == 5.0);
	assert_true(parse_dec_s("1234,5", ',', &v));
	assert_true(v == 1234.5);
	/* With ',' as the mark, '.' is not a decimal mark. */
	assert_false(parse_dec_s("1.5", ',', &v));
}

static void
test_validate_decimal_thousands_refused(void **state)
{
	double v = 99;

	(void)state;
	assert_false(parse_dec_s("1.234,5", ',', &v));
	assert_false(parse_dec_s("1.234", ',', &v));
	assert_false(parse_dec_s("1,5", '.', &v));
	assert_false(parse_dec_s("1,234.5", '.', &v));
	assert_false(parse_dec_s("1 234.5", '.', &v));
	assert_false(parse_dec_s("1'234.5", '.', &v));
	assert_true(v == 99);
}

static void
test_validate_decimal_refuses_other_forms(void **state)
{
	double v = 0;

	(void)state;
	assert_false(parse_dec_s("abc", '.', &v));
	assert_false(parse_dec_s("1..2", '.', &v));
	assert_false(parse_dec_s("1.2.3", '.', &v));
	assert_false(parse_dec_s("1,,2", ',', &v));
	assert_false(parse_dec_s("", '.', &v));
	assert_false(parse_dec_s(".", '.', &v));
	assert_false(parse_dec_s("-", '.', &v));
	assert_false(parse_dec_s("+", '.', &v));
	assert_false(parse_dec_s("-.", '.', &v));
	assert_false(parse_dec_s("--1", '.', &v));
	assert_false(parse_dec_s("1-", '.', &v));
	assert_false(parse_dec_s("1e3", '.', &v));
	assert_false(parse_dec_s("1E-3", '.', &v));
	assert_false(parse_dec_s("0x1p3", '.', &v));
	assert_false(parse_dec_s("inf", '.', &v));
	assert_false(parse_dec_s("nan", '.', &v));
	assert_false(parse_dec_s(" 1.5", '.', &v));
	assert_false(parse_dec_s("1.5 ", '.', &v));
}

/*
 * The parsed value is exactly what strtod gives for the same text (with '.'
 * as the mark): short numbers may take a faster path, which must round the
 * same way.
 */
static void
test_validate_decimal_matches_strtod(void **state)
{
	static const char *const fixed[] = {
		"0.1", "0.2", "0.3", "1.1", "2.675", "123456789.012345", "999999999999999",
		"0.000000000000001", "9007199254740993", "1.7976931348623157", "0.1000000000000001",
		"4.35", "1234567.8901234", "0", "-0", "00000000000000001.5", "3.141592653589793",
		"100000000", "0.000000001",
	};
	uint32_t seed = 12345;
	char text[40], comma[40];
	size_t i, k, ndig, pos;
	double got, want;

	(void)state;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		want = strtod(fixed[i], NULL);
		assert_true(parse_dec_s(fixed[i], '.', &got));
		if (memcmp(&got, &want, sizeof(got)) != 0)
			fail_msg("'%s': got %.17g, strtod gives %.17g", fixed[i], got, want);
	}
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		ndig = 1 + (seed >> 16) % 18;
		seed = seed * 1103515245u + 12345u;
		pos = (seed >> 16) % (ndig + 1);
		k = 0;
		if (i % 3 == 0)
			text[k++] = '-';
		for (size_t d = 0; d < ndig; d++) {
			if (d == pos)
				text[k++] = '.';
			seed = seed * 1103515245u + 12345u;
			text[k++] = (char)('0' + (seed >> 16) % 10);
		}
		text[k] = '\0';
		want = strtod(text, NULL);
		assert_true(parse_dec_s(text, '.', &got));
		if (memcmp(&got, &want, sizeof(got)) != 0)
			fail_msg("'%s': got %.17g, strtod gives %.17g", text, got, want);
		/* The same number with ',' as the mark. */
		memcpy(comma, text, k + 1);
		for (size_t j = 0; j < k; j++)
			if (comma[j] == '.')
				comma[j] = ',';
		assert_true(parse_dec_s(comma, ',', &got));
		if (memcmp(&got, &want, sizeof(got)) != 0)
			fail_msg("'%s' (mark ','): got %.17g, strtod gives %.17g", comma, got, want);
	}
}

static void
test_validate_decimal_uses_length_not_nul(void **state)
{
	double v = 0;

	(void)state;
	assert_true(mdg_parse_decimal("2.50xyz", 4, '.', &v));
	assert_true(v == 2.5);
}

/* ----------------------------------------------------- mdg_parse_bool */

static void
test_validate_bool_words_any_case(void **state)
{
	static const char *const yes[] = {"true", "TRUE", "True", "tRuE", "yes", "YES", "Yes",
					  "y",    "Y",    "1"};
	static const char *const no[] = {"false", "FALSE", "False", "no", "NO", "No", "n", "N",
					 "0"};
	size_t i;
	bool v;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		v = false;
		assert_true(parse_bool_s(yes[i], &v));
		assert_true(v);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		v = true;
		assert_true(parse_bool_s(no[i], &v));
		assert_false(v);
	}
}

static void
test_validate_bool_refused(void **state)
{
	static const char *const bad[] = {"maybe", "",     "2",  "-1",   "t",    "f",
					  "ye",    "nope", "on", "off",  " yes", "yes ",
					  "truee", "falsey", "yesyesyes", "00", "01"};
	size_t i;
	bool v;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_bool_s(bad[i], &v))
			fail_msg("'%s' was accepted as a boolean", bad[i]);
	}
	/* Length, not NUL, bounds the word. */
	assert_true(mdg_parse_bool("yesterday", 3, &v));
	assert_true(v);
}

/* ----------------------------------------------------- mdg_parse_date */

static void
test_validate_date_iso_always(void **state)
{
	static const enum mdg_datefmt fmts[] = {MDG_DATE_ISO, MDG_DATE_DMY_DOT,
						MDG_DATE_DMY_SLASH, MDG_DATE_MDY_SLASH};
	size_t i;
	long d;

	(void)state;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		d = 0;
		assert_true(parse_date_s("2026-03-15", fmts[i], &d));
		assert_int_equal(d, 20260315);
		assert_true(parse_date_s("2024-02-29", fmts[i], &d));
		assert_int_equal(d, 20240229);
		assert_false(parse_date_s("2023-02-29", fmts[i], &d));
		assert_false(parse_date_s("2026-13-01", fmts[i], &d));
	}
}

static void
test_validate_date_iso_invalid(void **state)
{
	long d = 7;

	(void)state;
	assert_false(parse_date_s("2026-13-01", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("2026-00-10", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("2026-01-00", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("2026-01-32", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("2026-04-31", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("0000-01-01", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("1900-02-29", MDG_DATE_ISO, &d)); /* not a leap year */
	assert_false(parse_date_s("2026-3-15", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("2026-03-5", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("26-03-15", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("2026/03/15", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("2026.03.15", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("2026-03-1a", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("2026-03-15T00:00", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("", MDG_DATE_ISO, &d));
	/* The site formats are not accepted when the site uses ISO. */
	assert_false(parse_date_s("15.03.2026", MDG_DATE_ISO, &d));
	assert_false(parse_date_s("15/03/2026", MDG_DATE_ISO, &d));
	assert_int_equal(d, 7);
	assert_true(parse_date_s("2000-02-29", MDG_DATE_ISO, &d)); /* divisible by 400 */
	assert_int_equal(d, 20000229);
	assert_true(parse_date_s("9999-12-31", MDG_DATE_ISO, &d));
	assert_int_equal(d, 99991231);
}

static void
test_validate_date_dmy_dot(void **state)
{
	long d = 0;

	(void)state;
	assert_true(parse_date_s("29.02.2024", MDG_DATE_DMY_DOT, &d));
	assert_int_equal(d, 20240229);
	assert_true(parse_date_s("01.12.2026", MDG_DATE_DMY_DOT, &d));
	assert_int_equal(d, 20261201);
	assert_false(parse_date_s("29.02.2023", MDG_DATE_DMY_DOT, &d));
	assert_false(parse_date_s("31.04.2026", MDG_DATE_DMY_DOT, &d));
	assert_false(parse_date_s("31.04.", MDG_DATE_DMY_DOT, &d));
	assert_false(parse_date_s("1.4.2026", MDG_DATE_DMY_DOT, &d));
	assert_false(parse_date_s("01.13.2026", MDG_DATE_DMY_DOT, &d));
	/* Wrong separators. */
	assert_false(parse_date_s("29/02/2024", MDG_DATE_DMY_DOT, &d));
	assert_false(parse_date_s("29-02-2024", MDG_DATE_DMY_DOT, &d));
	assert_false(parse_date_s("29.02/2024", MDG_DATE_DMY_DOT, &d));
	assert_false(parse_date_s("29 02 2024", MDG_DATE_DMY_DOT, &d));
}

static void
test_validate_date_dmy_slash(void **state)
{
	long d = 0;

	(void)state;
	assert_true(parse_date_s("29/02/2024", MDG_DATE_DMY_SLASH, &d));
	assert_int_equal(d, 20240229);
	assert_true(parse_date_s("13/01/2026", MDG_DATE_DMY_SLASH, &d));
	assert_int_equal(d, 20260113);
	assert_false(parse_date_s("29/02/2023", MDG_DATE_DMY_SLASH, &d));
	assert_false(parse_date_s("31/04/2026", MDG_DATE_DMY_SLASH, &d));
	assert_false(parse_date_s("01/13/2026", MDG_DATE_DMY_SLASH, &d));
	assert_false(parse_date_s("29.02.2024", MDG_DATE_DMY_SLASH, &d));
	assert_false(parse_date_s("29-02-2024", MDG_DATE_DMY_SLASH, &d));
}

static void
test_validate_date_mdy_slash(void **state)
{
	long d = 0;

	(void)state;
	assert_true(parse_date_s("02/29/2024", MDG_DATE_MDY_SLASH, &d));
	assert_int_equal(d, 20240229);
	assert_true(parse_date_s("01/13/2026", MDG_DATE_MDY_SLASH, &d));
	assert_int_equal(d, 20260113);
	assert_false(parse_date_s("02/29/2023", MDG_DATE_MDY_SLASH, &d));
	assert_false(parse_date_s("04/31/2026", MDG_DATE_MDY_SLASH, &d));
	assert_false(parse_date_s("13/01/2026", MDG_DATE_MDY_SLASH, &d));
	assert_false(parse_date_s("02.29.2024", MDG_DATE_MDY_SLASH, &d));
	assert_false(parse_date_s("02-29-2024", MDG_DATE_MDY_SLASH, &d));
}

static void
test_validate_datefmt_names(void **state)
{
	(void)state;
	assert_string_equal(mdg_datefmt_name(MDG_DATE_ISO), "YYYY-MM-DD");
	assert_string_equal(mdg_datefmt_name(MDG_DATE_DMY_DOT), "DD.MM.YYYY");
	assert_string_equal(mdg_datefmt_name(MDG_DATE_DMY_SLASH), "DD/MM/YYYY");
	assert_string_equal(mdg_datefmt_name(MDG_DATE_MDY_SLASH), "MM/DD/YYYY");
}

/* ----------------------------------------------- utf8 length and trim */

static void
test_validate_utf8_length(void **state)
{
	(void)state;
	assert_int_equal(mdg_utf8_length("", 0), 0);
	assert_int_equal(mdg_utf8_length("abc", 3), 3);
	assert_int_equal(mdg_utf8_length("\xc3\xa4", 2), 1);                 /* ä */
	assert_int_equal(mdg_utf8_length("\xe2\x82\xac", 3), 1);             /* € */
	assert_int_equal(mdg_utf8_length("\xf0\x9f\x98\x80", 4), 1);         /* 😀 */
	assert_int_equal(mdg_utf8_length("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", 10), 5);
	assert_int_equal(mdg_utf8_length("Stra\xc3\x9f" "e", 7), 6);         /* Straße */
	assert_int_equal(mdg_utf8_length("abcdef", 3), 3);
}

static void
test_validate_trim(void **state)
{
	const char *s, *r;
	size_t len;

	(void)state;
	s = "  a b \t";
	len = strlen(s);
	r = mdg_trim(s, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(r, "a b", 3);
	assert_ptr_equal(r, s + 2);

	s = "\t\tx";
	len = strlen(s);
	r = mdg_trim(s, &len);
	assert_int_equal(len, 1);
	assert_ptr_equal(r, s + 2);

	s = "   \t ";
	len = strlen(s);
	(void)mdg_trim(s, &len);
	assert_int_equal(len, 0);

	s = "";
	len = 0;
	r = mdg_trim(s, &len);
	assert_int_equal(len, 0);

	s = "abc";
	len = 3;
	r = mdg_trim(s, &len);
	assert_ptr_equal(r, s);
	assert_int_equal(len, 3);

	/* Only spaces and tabs: line breaks and NBSP stay. */
	s = "\na\n";
	len = 3;
	r = mdg_trim(s, &len);
	assert_ptr_equal(r, s);
	assert_int_equal(len, 3);
	s = "\xc2\xa0" "a";
	len = 3;
	r = mdg_trim(s, &len);
	assert_int_equal(len, 3);

	/* The length bounds the text: trailing spaces past it do not matter. */
	s = " ab  cd";
	len = 5;
	r = mdg_trim(s, &len);
	assert_ptr_equal(r, s + 1);
	assert_int_equal(len, 2);
}

/* ------------------------------------------------- mdg_validate_value */

static void
test_validate_required_empty(void **state)
{
	static const enum mdg_ftype types[] = {MDG_FT_STRING, MDG_FT_INTEGER, MDG_FT_DECIMAL,
					       MDG_FT_BOOLEAN, MDG_FT_DATE, MDG_FT_ENUM,
					       MDG_FT_REF};
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		f = mkfield(types[i], "code", "Item code");
		f.required = true;
		expect_one(&f, "", &c, "field.required", "Item code is required but empty");
		/* Not required: an empty value is fine, whatever the type. */
		f.required = false;
		expect_ok(&f, "", &c);
	}
	/* Without a label the name is used. */
	f = mkfield(MDG_FT_STRING, "default_code", NULL);
	f.required = true;
	expect_one(&f, "", &c, "field.required", "default_code is required but empty");
}

static void
test_validate_required_empty_skips_other_checks(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_STRING, "code", "Code");
	struct mdg_vproblem p[MDG_VPROBLEMS_MAX];

	(void)state;
	f.min_length = 3;
	f.pattern = (char *)"^[A-Z]+$";
	f.re = compile(f.pattern, false);
	/* Empty and not required: no min_length or pattern finding. */
	assert_int_equal(check(&f, "", &c, p), 0);
	f.required = true;
	assert_int_equal(check(&f, "", &c, p), 1);
	assert_string_equal(p[0].code, "field.required");
	pcre2_code_free(f.re);
}

static void
test_validate_integer(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_INTEGER, "produce_delay", "Lead time");

	(void)state;
	expect_ok(&f, "12", &c);
	expect_ok(&f, "-9223372036854775808", &c);
	expect_one(&f, "abc", &c, "field.integer", "Lead time 'abc' is not a whole number");
	expect_one(&f, "1.5", &c, "field.integer", "Lead time '1.5' is not a whole number");
	expect_one(&f, "1e3", &c, "field.integer", "Lead time '1e3' is not a whole number");
	expect_one(&f, "0x10", &c, "field.integer", "Lead time '0x10' is not a whole number");
	expect_one(&f, "9223372036854775808", &c, "field.integer",
		   "Lead time '9223372036854775808' is not a whole number");
}

static void
test_validate_integer_min_max(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_INTEGER, "produce_delay", "Lead time");

	(void)state;
	f.has_min = true;
	f.min = 0;
	f.has_max = true;
	f.max = 365;
	expect_ok(&f, "0", &c);
	expect_ok(&f, "365", &c);
	expect_ok(&f, "+365", &c);
	expect_one(&f, "-1", &c, "field.min", "Lead time -1 is below the minimum of 0");
	expect_one(&f, "366", &c, "field.max", "Lead time 366 is above the maximum of 365");
	/* The parsed value is shown. */
	expect_one(&f, "+0400", &c, "field.max", "Lead time 400 is above the maximum of 365");
	/* A bad number is not also compared with the bounds. */
	expect_one(&f, "x", &c, "field.integer", "Lead time 'x' is not a whole number");

	/* Only min. */
	f.has_max = false;
	expect_ok(&f, "9223372036854775807", &c);
	expect_one(&f, "-5", &c, "field.min", "Lead time -5 is below the minimum of 0");
}

static void
test_validate_decimal_values(void **state)
{
	struct mdg_vctx dot = vctx('.', MDG_DATE_ISO);
	struct mdg_vctx comma = vctx(',', MDG_DATE_DMY_DOT);
	struct mdg_field f = mkfield(MDG_FT_DECIMAL, "weight", "Weight");

	(void)state;
	expect_ok(&f, "1.5", &dot);
	expect_ok(&f, "1,5", &comma);
	expect_one(&f, "1,5", &dot, "field.decimal",
		   "Weight '1,5' is not a number (write it with '.' as the decimal mark and no "
		   "thousands separator)");
	expect_one(&f, "1.234,5", &comma, "field.decimal",
		   "Weight '1.234,5' is not a number (write it with ',' as the decimal mark and no "
		   "thousands separator)");
	expect_one(&f, "abc", &dot, "field.decimal",
		   "Weight 'abc' is not a number (write it with '.' as the decimal mark and no "
		   "thousands separator)");
}

static void
test_validate_decimal_min_max(void **state)
{
	struct mdg_vctx comma = vctx(',', MDG_DATE_DMY_DOT);
	struct mdg_vctx dot = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_DECIMAL, "weight", "Weight");

	(void)state;
	f.has_min = true;
	f.min = 0;
	f.has_max = true;
	f.max = 100000;
	expect_ok(&f, "0", &comma);
	expect_ok(&f, "0,0", &comma);
	expect_ok(&f, "100000", &comma);
	expect_ok(&f, "100000,00", &comma);
	expect_one(&f, "-0,5", &comma, "field.min", "Weight '-0,5' is below the minimum of 0");
	expect_one(&f, "100000,01", &comma, "field.max",
		   "Weight '100000,01' is above the maximum of 100000");

	f.min = 0.5;
	f.max = 2.25;
	expect_ok(&f, "0.5", &dot);
	expect_ok(&f, "2.25", &dot);
	expect_one(&f, "0.49", &dot, "field.min", "Weight '0.49' is below the minimum of 0.5");
	expect_one(&f, "2.3", &dot, "field.max", "Weight '2.3' is above the maximum of 2.25");
}

static void
test_validate_string_lengths_in_characters(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_STRING, "code", "Code");
	/* Five 'ä': ten bytes, five characters. */
	const char *five_ae = "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4";

	(void)state;
	f.min_length = 3;
	f.max_length = 5;
	expect_ok(&f, "abc", &c);
	expect_ok(&f, "abcde", &c);
	expect_ok(&f, five_ae, &c);
	expect_one(&f, "ab", &c, "field.min_length",
		   "Code is 2 characters long; at least 3 are needed");
	expect_one(&f, "abcdef", &c, "field.max_length",
		   "Code is 6 characters long; at most 5 are allowed");
	/* Two 'ä' are 4 bytes but 2 characters: too short. */
	expect_one(&f, "\xc3\xa4\xc3\xa4", &c, "field.min_length",
		   "Code is 2 characters long; at least 3 are needed");
	/* Six 'ä': too long by characters. */
	expect_one(&f, "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", &c,
		   "field.max_length", "Code is 6 characters long; at most 5 are allowed");

	f.max_length = 4;
	expect_one(&f, five_ae, &c, "field.max_length",
		   "Code is 5 characters long; at most 4 are allowed");

	/* Strings are not trimmed: spaces count. */
	f.min_length = -1;
	f.max_length = 3;
	expect_one(&f, " ab ", &c, "field.max_length",
		   "Code is 4 characters long; at most 3 are allowed");
}

static void
test_validate_string_zero_max_length(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_STRING, "note", "Note");

	(void)state;
	/* max_length 0 is a bound, -1 is none. */
	f.max_length = 0;
	expect_one(&f, "a", &c, "field.max_length",
		   "Note is 1 characters long; at most 0 are allowed");
	f.max_length = -1;
	expect_ok(&f, "a long note without a bound", &c);
}

static void
test_validate_pattern_match_and_mismatch(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_STRING, "default_code", "Internal reference");

	(void)state;
	f.pattern = (char *)"^[A-Z0-9][A-Z0-9._-]*$";
	f.pattern_hint = (char *)"upper-case letters, digits, '.', '_' and '-'";
	f.re = compile(f.pattern, false);
	expect_ok(&f, "BRG-6204-2RS", &c);
	expect_ok(&f, "A", &c);
	expect_one(&f, "brg-6204", &c, "field.pattern",
		   "Internal reference 'brg-6204' does not have the required form: upper-case "
		   "letters, digits, '.', '_' and '-'");
	expect_one(&f, "-ABC", &c, "field.pattern",
		   "Internal reference '-ABC' does not have the required form: upper-case "
		   "letters, digits, '.', '_' and '-'");

	/* Without a hint, the pattern itself is shown. */
	f.pattern_hint = NULL;
	expect_one(&f, "a b", &c, "field.pattern",
		   "Internal reference 'a b' does not have the required form: "
		   "^[A-Z0-9][A-Z0-9._-]*$");
	pcre2_code_free(f.re);
}

static void
test_validate_pattern_whole_value(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_STRING, "code", "Code");

	(void)state;
	/* An unanchored pattern must still cover the whole value. */
	f.pattern = (char *)"[A-Z]+";
	f.pattern_hint = (char *)"upper-case letters";
	f.re = compile(f.pattern, false);
	expect_ok(&f, "ABC", &c);
	expect_one(&f, "ABCdef", &c, "field.pattern",
		   "Code 'ABCdef' does not have the required form: upper-case letters");
	expect_one(&f, "abcDEF", &c, "field.pattern",
		   "Code 'abcDEF' does not have the required form: upper-case letters");
	pcre2_code_free(f.re);

	/* An anchored alternation backtracks to the longer branch. */
	f.pattern = (char *)"^(A|AB)$";
	f.re = compile(f.pattern, false);
	expect_ok(&f, "AB", &c);
	expect_ok(&f, "A", &c);
	pcre2_code_free(f.re);
}

static void
test_validate_pattern_utf8(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_STRING, "city", "City");

	(void)state;
	/* UTF mode: '.' is one character, not one byte. */
	f.pattern = (char *)"^.{3}$";
	f.re = compile(f.pattern, true);
	expect_ok(&f, "\xc3\xa4\xc3\xb6\xc3\xbc", &c); /* äöü */
	expect_one(&f, "\xc3\xa4\xc3\xb6", &c, "field.pattern",
		   "City '\xc3\xa4\xc3\xb6' does not have the required form: ^.{3}$");
	/* Invalid UTF-8 gets its own message, not a crash. */
	expect_one(&f, "a\xff" "b", &c, "field.pattern", "City 'a\xff" "b' is not valid UTF-8");
	pcre2_code_free(f.re);
}

static void
check_backtracking(bool jit)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_STRING, "code", "Code");
	struct mdg_vproblem p[MDG_VPROBLEMS_MAX];
	const char *v = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
	struct timespec t0;
	double secs;
	size_t n;

	f.pattern = (char *)"^(a+)+$";
	f.pattern_hint = (char *)"only a";
	f.re = compile(f.pattern, jit);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = check(&f, v, &c, p);
	secs = elapsed_since(&t0);
	pcre2_code_free(f.re);
	if (secs > 2.0)
		fail_msg("the backtracking pattern ran %.2f s (jit %d)", secs, (int)jit);
	assert_int_equal(n, 1);
	if (strcmp(p[0].code, "field.pattern_limit") == 0) {
		assert_string_equal(p[0].message,
				    "Code 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' could not be "
				    "checked: the pattern exceeded its match limit");
	} else {
		assert_string_equal(p[0].code, "field.pattern");
		assert_string_equal(p[0].message,
				    "Code 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' does not have "
				    "the required form: only a");
	}
}

static void
test_validate_pattern_backtracking_limited(void **state)
{
	(void)state;
	check_backtracking(false);
}

static void
test_validate_pattern_backtracking_limited_jit(void **state)
{
	(void)state;
	check_backtracking(true);
}

/*
 * A valid value that makes the JIT run out of its stack must not be
 * reported as not having the required form: like the match and depth
 * limits, this is "could not be checked" (field.pattern_limit).
 */
static void
test_validate_pattern_jit_stack_limit(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_STRING, "note", "Note");
	struct mdg_vproblem p[MDG_VPROBLEMS_MAX];
	char *v = malloc(10001);
	size_t i, n;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < 10000; i++)
		v[i] = (i % 2) ? 'b' : 'a';
	v[10000] = '\0';
	f.pattern = (char *)"^(a|b)*$";
	f.pattern_hint = (char *)"only a and b";
	f.re = compile(f.pattern, true);
	n = check(&f, v, &c, p);
	pcre2_code_free(f.re);
	free(v);
	if (n == 1 && strcmp(p[0].code, "field.pattern") == 0)
		fail_msg("a value that matches was reported as a mismatch: %s", p[0].message);
	if (n == 1)
		assert_string_equal(p[0].code, "field.pattern_limit");
	else
		assert_int_equal(n, 0);
}

/*
 * Bounds are shown as the definitions write them: a maximum of 100000000
 * (item.list_price) must not read "1e+08" in a message to a plant.
 */
static void
test_validate_bound_shown_as_plain_number(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_DECIMAL, "list_price", "Sales price");
	struct mdg_field g = mkfield(MDG_FT_INTEGER, "qty", "Quantity");

	(void)state;
	f.has_max = true;
	f.max = 100000000;
	expect_one(&f, "100000001", &c, "field.max",
		   "Sales price '100000001' is above the maximum of 100000000");
	g.has_min = true;
	g.min = 1000000;
	expect_one(&g, "999999", &c, "field.min", "Quantity 999999 is below the minimum of 1000000");
}

static void
test_validate_several_problems(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_STRING, "code", "Code");
	struct mdg_vproblem p[MDG_VPROBLEMS_MAX];

	(void)state;
	f.min_length = 3;
	f.pattern = (char *)"^[A-Z]+$";
	f.pattern_hint = (char *)"upper-case letters";
	f.re = compile(f.pattern, false);
	assert_int_equal(check(&f, "a", &c, p), 2);
	assert_string_equal(p[0].code, "field.min_length");
	assert_string_equal(p[0].message, "Code is 1 characters long; at least 3 are needed");
	assert_string_equal(p[1].code, "field.pattern");
	assert_string_equal(p[1].message,
			    "Code 'a' does not have the required form: upper-case letters");

	/* max bounds what is written. */
	memset(p, 0, sizeof(p));
	assert_int_equal(mdg_validate_value(&f, "a", 1, &c, p, 1, NULL), 1);
	assert_string_equal(p[0].code, "field.min_length");
	assert_null(p[1].code);
	assert_int_equal(mdg_validate_value(&f, "a", 1, &c, p, 0, NULL), 0);
	pcre2_code_free(f.re);
}

static void
test_validate_boolean(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_BOOLEAN, "active", "Active");

	(void)state;
	expect_ok(&f, "YES", &c);
	expect_ok(&f, "n", &c);
	expect_ok(&f, "0", &c);
	expect_one(&f, "maybe", &c, "field.boolean",
		   "Active 'maybe' is not a yes/no value (true/false, yes/no, 1/0)");
	expect_one(&f, "ja", &c, "field.boolean",
		   "Active 'ja' is not a yes/no value (true/false, yes/no, 1/0)");
}

static void
test_validate_date(void **state)
{
	struct mdg_vctx iso = vctx('.', MDG_DATE_ISO);
	struct mdg_vctx de = vctx(',', MDG_DATE_DMY_DOT);
	struct mdg_vctx us = vctx('.', MDG_DATE_MDY_SLASH);
	struct mdg_vctx mx = vctx('.', MDG_DATE_DMY_SLASH);
	struct mdg_field f = mkfield(MDG_FT_DATE, "valid_from", "Valid from");

	(void)state;
	expect_ok(&f, "2026-04-30", &iso);
	expect_ok(&f, "2026-04-30", &de);
	expect_ok(&f, "30.04.2026", &de);
	expect_ok(&f, "04/30/2026", &us);
	expect_ok(&f, "30/04/2026", &mx);
	expect_one(&f, "2026-04-31", &iso, "field.date",
		   "Valid from '2026-04-31' is not a valid date (YYYY-MM-DD)");
	expect_one(&f, "30.04.2026", &iso, "field.date",
		   "Valid from '30.04.2026' is not a valid date (YYYY-MM-DD)");
	expect_one(&f, "31.04.2026", &de, "field.date",
		   "Valid from '31.04.2026' is not a valid date (DD.MM.YYYY or YYYY-MM-DD)");
	expect_one(&f, "29.02.2023", &de, "field.date",
		   "Valid from '29.02.2023' is not a valid date (DD.MM.YYYY or YYYY-MM-DD)");
	expect_one(&f, "30/04/2026", &us, "field.date",
		   "Valid from '30/04/2026' is not a valid date (MM/DD/YYYY or YYYY-MM-DD)");
	expect_one(&f, "04/30/2026", &mx, "field.date",
		   "Valid from '04/30/2026' is not a valid date (DD/MM/YYYY or YYYY-MM-DD)");
}

/*
 * A value longer than an enumeration value must not make the comparison
 * read past the end of that value (the values live in exactly sized heap
 * blocks, as domain.c allocates them; ASan reports any over-read).
 */
static void
test_validate_enum_value_longer_than_choice(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_ENUM, "tracking", "Tracking");
	struct mdg_vproblem p[MDG_VPROBLEMS_MAX];
	const char *canon = NULL;
	const char *v = "lot-and-serial-number-tracking";
	char *values[2];

	(void)state;
	values[0] = strdup("lot");
	values[1] = strdup("none");
	assert_non_null(values[0]);
	assert_non_null(values[1]);
	f.values = values;
	f.nvalues = 2;
	assert_int_equal(mdg_validate_value(&f, v, strlen(v), &c, p, MDG_VPROBLEMS_MAX, &canon), 1);
	assert_null(canon);
	assert_string_equal(p[0].code, "field.enum");
	assert_string_equal(p[0].message,
			    "Tracking 'lot-and-serial-number-tracking' is not one of: lot, none");
	assert_int_equal(mdg_validate_value(&f, "LOT", 3, &c, p, MDG_VPROBLEMS_MAX, &canon), 0);
	assert_ptr_equal(canon, values[0]);
	free(values[0]);
	free(values[1]);
}

static void
test_validate_enum_canonical(void **state)
{
	static char *values[] = {(char *)"storable", (char *)"consumable", (char *)"service"};
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_ENUM, "kind", "Product type");
	struct mdg_vproblem p[MDG_VPROBLEMS_MAX];
	const char *canon = (const char *)&c; /* any non-NULL value */

	(void)state;
	f.values = values;
	f.nvalues = 3;
	assert_int_equal(mdg_validate_value(&f, "STORABLE", 8, &c, p, MDG_VPROBLEMS_MAX, &canon),
			 0);
	assert_ptr_equal(canon, values[0]);
	assert_int_equal(mdg_validate_value(&f, "Service", 7, &c, p, MDG_VPROBLEMS_MAX, &canon),
			 0);
	assert_ptr_equal(canon, values[2]);
	assert_int_equal(
		mdg_validate_value(&f, "consumable", 10, &c, p, MDG_VPROBLEMS_MAX, &canon), 0);
	assert_ptr_equal(canon, values[1]);
	/* Only the first len bytes are the value. */
	assert_int_equal(
		mdg_validate_value(&f, "servicexyz", 7, &c, p, MDG_VPROBLEMS_MAX, &canon), 0);
	assert_ptr_equal(canon, values[2]);
	/* canonical may be NULL. */
	assert_int_equal(mdg_validate_value(&f, "LOT", 3, &c, p, MDG_VPROBLEMS_MAX, NULL), 1);
}

static void
test_validate_enum_mismatch(void **state)
{
	static char *values[] = {(char *)"storable", (char *)"consumable", (char *)"service"};
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_ENUM, "kind", "Product type");
	struct mdg_vproblem p[MDG_VPROBLEMS_MAX];
	const char *canon = (const char *)&c;

	(void)state;
	f.values = values;
	f.nvalues = 3;
	assert_int_equal(mdg_validate_value(&f, "gadget", 6, &c, p, MDG_VPROBLEMS_MAX, &canon),
			 1);
	assert_null(canon);
	assert_string_equal(p[0].code, "field.enum");
	assert_string_equal(p[0].message,
			    "Product type 'gadget' is not one of: storable, consumable, service");
	/* A prefix or a longer word is not a match. */
	expect_one(&f, "stor", &c, "field.enum",
		   "Product type 'stor' is not one of: storable, consumable, service");
	expect_one(&f, "storables", &c, "field.enum",
		   "Product type 'storables' is not one of: storable, consumable, service");
	expect_one(&f, "storable ", &c, "field.enum",
		   "Product type 'storable ' is not one of: storable, consumable, service");
}

static void
test_validate_canonical_null_for_other_types(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_STRING, "name", "Name");
	struct mdg_vproblem p[MDG_VPROBLEMS_MAX];
	const char *canon = (const char *)&c;

	(void)state;
	assert_int_equal(mdg_validate_value(&f, "x", 1, &c, p, MDG_VPROBLEMS_MAX, &canon), 0);
	assert_null(canon);
}

static void
test_validate_ref_not_checked_here(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_REF, "uom", "Unit of measure");

	(void)state;
	f.ref = (char *)"uom";
	expect_ok(&f, "ANYTHING", &c);
	expect_ok(&f, "Stk", &c);
}

static void
test_validate_message_quotes_long_value(void **state)
{
	struct mdg_vctx c = vctx('.', MDG_DATE_ISO);
	struct mdg_field f = mkfield(MDG_FT_INTEGER, "qty", "Quantity");
	char v[128], msg[256];

	(void)state;
	/* 70 characters: cut to 60 and marked with "...". */
	memset(v, 'x', 70);
	v[70] = '\0';
	snprintf(msg, sizeof(msg), "Quantity '%.60s...' is not a whole number", v);
	expect_one(&f, v, &c, "field.integer", msg);

	/* The cut does not split a UTF-8 sequence: 59 'x' then 'ä' over bytes 59-60. */
	memset(v, 'x', 59);
	memcpy(v + 59, "\xc3\xa4", 2);
	memset(v + 61, 'y', 10);
	v[71] = '\0';
	snprintf(msg, sizeof(msg), "Quantity '%.59s...' is not a whole number", v);
	expect_one(&f, v, &c, "field.integer", msg);

	/* Exactly 60 characters: no "...". */
	memset(v, 'z', 60);
	v[60] = '\0';
	snprintf(msg, sizeof(msg), "Quantity '%s' is not a whole number", v);
	expect_one(&f, v, &c, "field.integer", msg);

	/* Control characters are shown as '?'. */
	expect_one(&f, "1\t2\n", &c, "field.integer", "Quantity '1?2?' is not a whole number");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_int_bounds),
		cmocka_unit_test(test_validate_int_overflow_by_one),
		cmocka_unit_test(test_validate_int_signs),
		cmocka_unit_test(test_validate_int_refuses_other_forms),
		cmocka_unit_test(test_validate_int_uses_length_not_nul),
		cmocka_unit_test(test_validate_decimal_point_mark),
		cmocka_unit_test(test_validate_decimal_comma_mark),
		cmocka_unit_test(test_validate_decimal_thousands_refused),
		cmocka_unit_test(test_validate_decimal_refuses_other_forms),
		cmocka_unit_test(test_validate_decimal_matches_strtod),
		cmocka_unit_test(test_validate_decimal_uses_length_not_nul),
		cmocka_unit_test(test_validate_bool_words_any_case),
		cmocka_unit_test(test_validate_bool_refused),
		cmocka_unit_test(test_validate_date_iso_always),
		cmocka_unit_test(test_validate_date_iso_invalid),
		cmocka_unit_test(test_validate_date_dmy_dot),
		cmocka_unit_test(test_validate_date_dmy_slash),
		cmocka_unit_test(test_validate_date_mdy_slash),
		cmocka_unit_test(test_validate_datefmt_names),
		cmocka_unit_test(test_validate_utf8_length),
		cmocka_unit_test(test_validate_trim),
		cmocka_unit_test(test_validate_required_empty),
		cmocka_unit_test(test_validate_required_empty_skips_other_checks),
		cmocka_unit_test(test_validate_integer),
		cmocka_unit_test(test_validate_integer_min_max),
		cmocka_unit_test(test_validate_decimal_values),
		cmocka_unit_test(test_validate_decimal_min_max),
		cmocka_unit_test(test_validate_string_lengths_in_characters),
		cmocka_unit_test(test_validate_string_zero_max_length),
		cmocka_unit_test(test_validate_pattern_match_and_mismatch),
		cmocka_unit_test(test_validate_pattern_whole_value),
		cmocka_unit_test(test_validate_pattern_utf8),
		cmocka_unit_test(test_validate_pattern_backtracking_limited),
		cmocka_unit_test(test_validate_pattern_backtracking_limited_jit),
		cmocka_unit_test(test_validate_pattern_jit_stack_limit),
		cmocka_unit_test(test_validate_bound_shown_as_plain_number),
		cmocka_unit_test(test_validate_several_problems),
		cmocka_unit_test(test_validate_boolean),
		cmocka_unit_test(test_validate_date),
		cmocka_unit_test(test_validate_enum_value_longer_than_choice),
		cmocka_unit_test(test_validate_enum_canonical),
		cmocka_unit_test(test_validate_enum_mismatch),
		cmocka_unit_test(test_validate_canonical_null_for_other_types),
		cmocka_unit_test(test_validate_ref_not_checked_here),
		cmocka_unit_test(test_validate_message_quotes_long_value),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
