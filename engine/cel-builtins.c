/*
 * cel-builtins.c - the CEL functions of mdgate's subset: one table row per
 * overload (name, receiver or global, argument types, result, C function,
 * one line of documentation) and the functions themselves.
 *
 * Strings are UTF-8; every index and length is in code points, as CEL
 * defines them.  Results are allocated from the context's arena, and each
 * function that loops over a list or copies a long string adds to c->cost
 * (one step per element, one per 64 bytes) so that the evaluation cost
 * limit also bounds memory.  Operators and macros are not here: cel-eval.c
 * handles them.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "cel-builtins.h"

#define CEL_MATCH_LIMIT 100000   /* pcre2 match limit for matches() */
#define CEL_DEPTH_LIMIT 1000     /* pcre2 depth limit for matches() */

/* ----------------------------------------------------------------- helpers */

static void
charge(struct cel_ctx *c, size_t bytes)
{
	c->cost += bytes / 64;
}

/* A new string of len bytes (the caller fills data), NUL-terminated. */
static struct cel_string *
str_new(struct cel_ctx *c, size_t len)
{
	struct cel_string *s;
	size_t size;

	if (!mdg_size_add(sizeof(*s) + 1, len, &size))
		size = SIZE_MAX;  /* the arena reports it and exits */
	s = mdg_arena_alloc(&c->arena, size);
	s->len = len;
	s->nchars = SIZE_MAX;
	s->data[len] = '\0';
	charge(c, len);
	return s;
}

static struct cel_value
str_value(const struct cel_string *s)
{
	struct cel_value v;

	v.type = CEL_T_STRING;
	v.u.s = s;
	return v;
}

static struct cel_value
str_copy(struct cel_ctx *c, const char *p, size_t len)
{
	struct cel_string *s = str_new(c, len);

	if (len > 0)
		memcpy(s->data, p, len);
	return str_value(s);
}

static struct cel_value
list_value(const struct cel_list *l)
{
	struct cel_value v;

	v.type = CEL_T_LIST;
	v.u.list = l;
	return v;
}

/*
 * One code point: a lead byte and the continuation bytes its form announces.
 * Invalid bytes count as one code point each, so that indices are defined on
 * any string; on valid UTF-8 this is exact.
 */
static size_t
u8_next(const char *s, size_t i, size_t len)
{
	unsigned char b = (unsigned char)s[i];
	size_t n, k;

	if (b < 0x80)
		return i + 1;
	else if (b >= 0xC0 && b < 0xE0)
		n = 2;
	else if (b >= 0xE0 && b < 0xF0)
		n = 3;
	else if (b >= 0xF0 && b < 0xF8)
		n = 4;
	else
		return i + 1;
	if (n > len - i)
		n = len - i;
	for (k = 1; k < n; k++)
		if (((unsigned char)s[i + k] & 0xC0) != 0x80)
			return i + k;
	return i + n;
}

/* Code points in s[0..len). */
static size_t
u8_count(const char *s, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80)
			i++;
		else
			i = u8_next(s, i, len);
		n++;
	}
	return n;
}

static size_t
str_nchars(const struct cel_string *s)
{
	return s->nchars != SIZE_MAX ? s->nchars : u8_count(s->data, s->len);
}

/* Byte offset of code point k (k <= the number of code points). */
static size_t
u8_offset(const char *s, size_t len, size_t k)
{
	size_t i = 0;

	while (k > 0 && i < len) {
		i = u8_next(s, i, len);
		k--;
	}
	return i;
}

/* Decode the code point at s[i] (valid UTF-8 assumed; otherwise the byte). */
static uint32_t
u8_decode(const char *s, size_t i, size_t len)
{
	const unsigned char *p = (const unsigned char *)s + i;
	size_t n = u8_next(s, i, len) - i;
	uint32_t c;

	switch (n) {
	case 2:
		c = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
		break;
	case 3:
		c = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
		break;
	case 4:
		c = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
		    (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
		break;
	default:
		c = p[0];
		break;
	}
	return c;
}

/* The length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t
u8_valid(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		c = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		c = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	return len;
}

/* Unicode White_Space (what the CEL strings extension's trim() removes). */
static bool
is_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	       c == 0x205F || c == 0x3000;
}

static const char *
find_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	return memmem(hay, hlen, needle, nlen);
}

static struct cel_value
range_error(struct cel_ctx *c, int64_t i)
{
	return cel_error(&c->arena, "index out of range: %" PRId64, i);
}

/* -------------------------------------------------------------------- size */

static struct cel_value
bi_size_string(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)c;
	(void)call;
	return cel_int((int64_t)str_nchars(a[0].u.s));
}

static struct cel_value
bi_size_list(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)c;
	(void)call;
	return cel_int((int64_t)a[0].u.list->n);
}

static struct cel_value
bi_size_map(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)c;
	(void)call;
	return cel_int((int64_t)a[0].u.map->n);
}

/* ------------------------------------------------------- string predicates */

static struct cel_value
bi_contains(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	const struct cel_string *s = a[0].u.s, *t = a[1].u.s;

	(void)call;
	charge(c, s->len);
	return cel_bool(find_bytes(s->data, s->len, t->data, t->len) != NULL);
}

static struct cel_value
bi_starts_with(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	const struct cel_string *s = a[0].u.s, *t = a[1].u.s;

	(void)c;
	(void)call;
	return cel_bool(t->len <= s->len && memcmp(s->data, t->data, t->len) == 0);
}

static struct cel_value
bi_ends_with(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	const struct cel_string *s = a[0].u.s, *t = a[1].u.s;

	(void)c;
	(void)call;
	return cel_bool(t->len <= s->len &&
			memcmp(s->data + s->len - t->len, t->data, t->len) == 0);
}

/*
 * matches(): an unanchored search, as RE2 does it for CEL.  A constant
 * pattern comes compiled in call->aux; another is compiled, used and freed.
 */
static struct cel_value
bi_matches(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	const struct cel_string *s = a[0].u.s, *pat = a[1].u.s;
	pcre2_code *code = call != NULL ? call->aux : NULL, *own = NULL;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE erroff;
	int rc, errcode;

	if (c->mctx == NULL) {
		c->mctx = pcre2_match_context_create(NULL);
		if (c->mctx == NULL)
			return cel_error(&c->arena, "out of memory for a regular expression");
		pcre2_set_match_limit(c->mctx, CEL_MATCH_LIMIT);
		pcre2_set_depth_limit(c->mctx, CEL_DEPTH_LIMIT);
	}
	if (c->md == NULL) {
		/* One pair is enough: only match or no match is wanted. */
		c->md = pcre2_match_data_create(1, NULL);
		if (c->md == NULL)
			return cel_error(&c->arena, "out of memory for a regular expression");
	}
	if (code == NULL) {
		own = code = pcre2_compile((PCRE2_SPTR)pat->data, pat->len, PCRE2_UTF, &errcode,
					   &erroff, NULL);
		if (code == NULL) {
			pcre2_get_error_message(errcode, msg, sizeof(msg));
			return cel_error(&c->arena, "invalid regular expression '%s': %s at offset %zu",
					 pat->data, (const char *)msg, (size_t)erroff);
		}
	}
	charge(c, s->len);
	rc = pcre2_match(code, (PCRE2_SPTR)s->data, s->len, 0, 0, c->md, c->mctx);
	if (own != NULL)
		pcre2_code_free(own);
	if (rc >= 0)
		return cel_bool(true);   /* 0: matched, the vector too small for the groups */
	if (rc == PCRE2_ERROR_NOMATCH)
		return cel_bool(false);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT)
		return cel_error(&c->arena, "regular expression exceeded its match limit");
	if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
		return cel_error(&c->arena, "matches(): the string is not valid UTF-8");
	pcre2_get_error_message(rc, msg, sizeof(msg));
	return cel_error(&c->arena, "regular expression match failed: %s", (const char *)msg);
}

/* ------------------------------------------------------------- conversions */

static struct cel_value
bi_identity(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)c;
	(void)call;
	return a[0];
}

static struct cel_value
bi_type(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	struct cel_value v;

	(void)c;
	(void)call;
	v.type = CEL_T_TYPE;
	v.u.t = a[0].type;
	return v;
}

static struct cel_value
bi_int_double(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	double d = a[0].u.d;

	(void)call;
	/* Both ends are excluded: -2^63 as a double is out of range too, as in CEL. */
	if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0))
		return cel_error(&c->arena, "range error converting %g to int", d);
	return cel_int((int64_t)d);
}

static struct cel_value
bi_int_string(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	const struct cel_string *s = a[0].u.s;
	uint64_t v = 0, lim;
	bool neg = false;
	size_t i = 0;

	(void)call;
	if (s->len > 0 && (s->data[0] == '-' || s->data[0] == '+')) {
		neg = s->data[0] == '-';
		i = 1;
	}
	if (i == s->len)
		goto bad;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < s->len; i++) {
		unsigned d = (unsigned)((unsigned char)s->data[i] - '0');

		if (d > 9)
			goto bad;
		if (v > (lim - d) / 10)
			return cel_error(&c->arena, "range error converting '%s' to int", s->data);
		v = v * 10 + d;
	}
	return cel_int(neg ? (int64_t)(0 - v) : (int64_t)v);
bad:
	return cel_error(&c->arena, "cannot convert '%s' to int", s->data);
}

static struct cel_value
bi_double_int(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)c;
	(void)call;
	return cel_double((double)a[0].u.i);
}

/* CEL's float syntax and the special names: "1e3", "-0.5", "NaN", "Infinity". */
static struct cel_value
bi_double_string(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	const struct cel_string *s = a[0].u.s;
	char *end;
	double d;

	(void)call;
	if (s->len == 0 || s->data[0] == ' ' || (s->data[0] >= '\t' && s->data[0] <= '\r') ||
	    strlen(s->data) != s->len)
		goto bad;
	errno = 0;
	d = strtod(s->data, &end);
	if (end != s->data + s->len)
		goto bad;
	if (errno == ERANGE && isinf(d))
		return cel_error(&c->arena, "range error converting '%s' to double", s->data);
	return cel_double(d);
bad:
	return cel_error(&c->arena, "cannot convert '%s' to double", s->data);
}

/*
 * A double as CEL (cel-go) prints it: the shortest digits that read back
 * as the same value, in exponent form when the exponent is below -4 or at
 * least 6 ("1e+06", "123.456", "-0.0045"), and the names "NaN", "Infinity"
 * and "-Infinity" that double() reads back.
 */
static size_t
format_double(char *buf, size_t size, double d)
{
	char e[40];
	int prec, ex;
	char *p;

	if (isnan(d))
		return (size_t)snprintf(buf, size, "NaN");
	if (isinf(d))
		return (size_t)snprintf(buf, size, d > 0 ? "Infinity" : "-Infinity");
	for (prec = 1; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", prec - 1, d);
	p = strchr(e, 'e');
	ex = p != NULL ? (int)strtol(p + 1, NULL, 10) : 0;
	if (ex < -4 || ex >= 6)
		return (size_t)snprintf(buf, size, "%s", e);
	return (size_t)snprintf(buf, size, "%.*f", prec - 1 - ex > 0 ? prec - 1 - ex : 0, d);
}

static struct cel_value
bi_string_int(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	char buf[32];
	int n;

	(void)call;
	n = snprintf(buf, sizeof(buf), "%" PRId64, a[0].u.i);
	return str_copy(c, buf, (size_t)n);
}

static struct cel_value
bi_string_double(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	char buf[48];
	size_t n;

	(void)call;
	n = format_double(buf, sizeof(buf), a[0].u.d);
	return str_copy(c, buf, n);
}

static struct cel_value
bi_string_bool(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return a[0].u.b ? str_copy(c, "true", 4) : str_copy(c, "false", 5);
}

static struct cel_value
bi_bool_string(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	static const char *const yes[] = {"true", "True", "TRUE", "t", "1"};
	static const char *const no[] = {"false", "False", "FALSE", "f", "0"};
	const char *s = a[0].u.s->data;
	size_t i;

	(void)call;
	if (strlen(s) == a[0].u.s->len)
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (strcmp(s, yes[i]) == 0)
				return cel_bool(true);
			if (strcmp(s, no[i]) == 0)
				return cel_bool(false);
		}
	return cel_error(&c->arena, "Type conversion error from 'string' to 'bool': '%s'", s);
}

/* ------------------------------------------------ the strings extension */

static struct cel_value
ascii_case(struct cel_ctx *c, const struct cel_string *s, bool upper)
{
	struct cel_string *r = str_new(c, s->len);
	size_t i;

	for (i = 0; i < s->len; i++) {
		char ch = s->data[i];

		if (upper && ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		else if (!upper && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		r->data[i] = ch;
	}
	r->nchars = s->nchars;
	return str_value(r);
}

static struct cel_value
bi_lower_ascii(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return ascii_case(c, a[0].u.s, false);
}

static struct cel_value
bi_upper_ascii(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return ascii_case(c, a[0].u.s, true);
}

static struct cel_value
bi_trim(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	const struct cel_string *s = a[0].u.s;
	size_t start = 0, end = s->len, j;

	(void)call;
	while (start < end && is_space(u8_decode(s->data, start, s->len)))
		start = u8_next(s->data, start, s->len);
	while (end > start) {
		j = end - 1;
		while (j > start && ((unsigned char)s->data[j] & 0xC0) == 0x80 && end - j < 4)
			j--;
		if (u8_next(s->data, j, s->len) != end || !is_space(u8_decode(s->data, j, s->len)))
			break;
		end = j;
	}
	if (start == 0 && end == s->len)
		return a[0];
	return str_copy(c, s->data + start, end - start);
}

static struct cel_value
bi_reverse(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	const struct cel_string *s = a[0].u.s;
	struct cel_string *r = str_new(c, s->len);
	size_t i = 0, n;

	(void)call;
	while (i < s->len) {
		n = u8_next(s->data, i, s->len);
		memcpy(r->data + s->len - n, s->data + i, n - i);
		i = n;
	}
	r->nchars = s->nchars;
	return str_value(r);
}

/* Replace up to n occurrences (n < 0: all); an empty old matches before every
 * code point and at the end, as in the CEL strings extension. */
static struct cel_value
replace_n(struct cel_ctx *c, const struct cel_string *s, const struct cel_string *old,
	  const struct cel_string *new, int64_t n)
{
	struct cel_string *r;
	const char *p, *hit;
	size_t count = 0, i, len, out;

	if (n == 0 || (old->len == 0 && new->len == 0))
		return str_value(s);
	/* Count the replacements. */
	if (old->len == 0) {
		count = u8_count(s->data, s->len) + 1;
	} else {
		p = s->data;
		while ((hit = find_bytes(p, s->len - (size_t)(p - s->data), old->data, old->len))
		       != NULL) {
			count++;
			p = hit + old->len;
		}
	}
	if (n > 0 && (uint64_t)n < count)
		count = (size_t)n;
	if (count == 0)
		return str_value(s);
	charge(c, s->len);
	if (!mdg_size_mul(count, new->len, &len) || !mdg_size_add(len, s->len, &len))
		return cel_error(&c->arena, "replace(): the result is too large");
	len -= count * old->len;
	r = str_new(c, len);
	out = 0;
	p = s->data;
	for (i = 0; i < count; i++) {
		if (old->len == 0) {
			if (i > 0) {
				size_t off = (size_t)(p - s->data);
				size_t nx = u8_next(s->data, off, s->len);

				memcpy(r->data + out, p, nx - off);
				out += nx - off;
				p = s->data + nx;
			}
			hit = p;
		} else {
			hit = find_bytes(p, s->len - (size_t)(p - s->data), old->data, old->len);
			memcpy(r->data + out, p, (size_t)(hit - p));
			out += (size_t)(hit - p);
		}
		memcpy(r->data + out, new->data, new->len);
		out += new->len;
		p = hit + old->len;
	}
	memcpy(r->data + out, p, s->len - (size_t)(p - s->data));
	return str_value(r);
}

static struct cel_value
bi_replace(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return replace_n(c, a[0].u.s, a[1].u.s, a[2].u.s, -1);
}

#if CEL_BUILTIN_MAX_ARGS >= 4
static struct cel_value
bi_replace_n(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return replace_n(c, a[0].u.s, a[1].u.s, a[2].u.s, a[3].u.i);
}
#endif

/* Split into at most n parts (n < 0: no limit; 0: none), the last holding the
 * rest; an empty separator splits between code points. */
static struct cel_value
split_n(struct cel_ctx *c, const struct cel_string *s, const struct cel_string *sep, int64_t n)
{
	struct cel_list *l = mdg_arena_alloc(&c->arena, sizeof(*l));
	const char *p, *hit;
	size_t parts, k, i, nx;

	l->n = 0;
	l->items = NULL;
	if (n == 0)
		return list_value(l);
	if (sep->len == 0) {
		parts = u8_count(s->data, s->len);
	} else {
		parts = 1;
		p = s->data;
		while ((hit = find_bytes(p, s->len - (size_t)(p - s->data), sep->data, sep->len))
		       != NULL) {
			parts++;
			p = hit + sep->len;
		}
	}
	if (n > 0 && (uint64_t)n < parts)
		parts = (size_t)n;
	if (parts == 0)
		return list_value(l);
	c->cost += parts;
	charge(c, s->len);
	l->items = mdg_arena_alloc(&c->arena, parts * sizeof(*l->items));
	p = s->data;
	for (k = 0; k + 1 < parts; k++) {
		i = (size_t)(p - s->data);
		if (sep->len == 0) {
			nx = u8_next(s->data, i, s->len);
			l->items[k] = str_copy(c, p, nx - i);
			p = s->data + nx;
		} else {
			hit = find_bytes(p, s->len - i, sep->data, sep->len);
			l->items[k] = str_copy(c, p, (size_t)(hit - p));
			p = hit + sep->len;
		}
	}
	l->items[k] = str_copy(c, p, s->len - (size_t)(p - s->data));
	l->n = parts;
	return list_value(l);
}

static struct cel_value
bi_split(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return split_n(c, a[0].u.s, a[1].u.s, -1);
}

static struct cel_value
bi_split_n(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return split_n(c, a[0].u.s, a[1].u.s, a[2].u.i);
}

static struct cel_value
substring(struct cel_ctx *c, const struct cel_string *s, int64_t start, int64_t end, bool has_end)
{
	size_t nchars = str_nchars(s), b0, b1;
	struct cel_value v;

	if (has_end && start > end)
		return cel_error(&c->arena, "invalid substring range. start: %" PRId64 ", end: %" PRId64,
				 start, end);
	if (start < 0 || (uint64_t)start > nchars)
		return range_error(c, start);
	if (!has_end)
		end = (int64_t)nchars;
	else if (end < 0 || (uint64_t)end > nchars)
		return range_error(c, end);
	b0 = u8_offset(s->data, s->len, (size_t)start);
	b1 = b0 + u8_offset(s->data + b0, s->len - b0, (size_t)(end - start));
	v = str_copy(c, s->data + b0, b1 - b0);
	((struct cel_string *)v.u.s)->nchars = (size_t)(end - start);
	return v;
}

static struct cel_value
bi_substring(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return substring(c, a[0].u.s, a[1].u.i, 0, false);
}

static struct cel_value
bi_substring2(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return substring(c, a[0].u.s, a[1].u.i, a[2].u.i, true);
}

static struct cel_value
bi_char_at(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	const struct cel_string *s = a[0].u.s;
	int64_t i = a[1].u.i;
	size_t b0;

	(void)call;
	if (i < 0 || (uint64_t)i > str_nchars(s))
		return range_error(c, i);
	b0 = u8_offset(s->data, s->len, (size_t)i);
	if (b0 == s->len)
		return str_copy(c, "", 0);
	return str_copy(c, s->data + b0, u8_next(s->data, b0, s->len) - b0);
}

/* indexOf(sub [, from]): the code point index of the first occurrence at or after from. */
static struct cel_value
index_of(struct cel_ctx *c, const struct cel_string *s, const struct cel_string *sub, int64_t from)
{
	size_t nchars = str_nchars(s), b0;
	const char *hit;

	if (sub->len == 0) {
		if (from < 0 || (uint64_t)from > nchars)
			return range_error(c, from);
		return cel_int(from);
	}
	if (from < 0 || (uint64_t)from >= nchars)
		return range_error(c, from);
	charge(c, s->len);
	b0 = u8_offset(s->data, s->len, (size_t)from);
	hit = find_bytes(s->data + b0, s->len - b0, sub->data, sub->len);
	if (hit == NULL)
		return cel_int(-1);
	return cel_int(from + (int64_t)u8_count(s->data + b0, (size_t)(hit - s->data) - b0));
}

static struct cel_value
bi_index_of(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	if (a[1].u.s->len > 0 && a[0].u.s->len == 0)
		return cel_int(-1);
	return index_of(c, a[0].u.s, a[1].u.s, 0);
}

static struct cel_value
bi_index_of2(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return index_of(c, a[0].u.s, a[1].u.s, a[2].u.i);
}

/* lastIndexOf(sub [, last]): the last occurrence starting at or before code point last. */
static struct cel_value
last_index_of(struct cel_ctx *c, const struct cel_string *s, const struct cel_string *sub,
	      int64_t last)
{
	size_t nchars = str_nchars(s), b, i;

	if (sub->len == 0) {
		if (last < 0 || (uint64_t)last > nchars)
			return range_error(c, last);
		return cel_int(last);
	}
	if (last < 0 || (uint64_t)last >= nchars)
		return range_error(c, last);
	if (sub->len > s->len)
		return cel_int(-1);
	charge(c, s->len);
	b = u8_offset(s->data, s->len, (size_t)last);
	if (b > s->len - sub->len)
		b = s->len - sub->len;
	for (i = b + 1; i-- > 0;) {
		if (((unsigned char)s->data[i] & 0xC0) == 0x80)
			continue;
		if (memcmp(s->data + i, sub->data, sub->len) == 0)
			return cel_int((int64_t)u8_count(s->data, i));
	}
	return cel_int(-1);
}

static struct cel_value
bi_last_index_of(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	size_t nchars = str_nchars(a[0].u.s);

	(void)call;
	if (a[1].u.s->len == 0)
		return cel_int((int64_t)nchars);
	if (nchars == 0)
		return cel_int(-1);
	return last_index_of(c, a[0].u.s, a[1].u.s, (int64_t)nchars - 1);
}

static struct cel_value
bi_last_index_of2(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return last_index_of(c, a[0].u.s, a[1].u.s, a[2].u.i);
}

static struct cel_value
join(struct cel_ctx *c, const struct cel_list *l, const struct cel_string *sep)
{
	struct cel_string *r;
	size_t i, len = 0, out = 0;

	c->cost += l->n;
	for (i = 0; i < l->n; i++) {
		if (l->items[i].type != CEL_T_STRING)
			return cel_error(&c->arena,
					 "join() needs a list of strings; element %zu is of type %s", i,
					 cel_type_name(l->items[i].type));
		if (!mdg_size_add(len, l->items[i].u.s->len, &len) ||
		    (i > 0 && sep != NULL && !mdg_size_add(len, sep->len, &len)))
			return cel_error(&c->arena, "join(): the result is too large");
	}
	r = str_new(c, len);
	for (i = 0; i < l->n; i++) {
		if (i > 0 && sep != NULL) {
			memcpy(r->data + out, sep->data, sep->len);
			out += sep->len;
		}
		memcpy(r->data + out, l->items[i].u.s->data, l->items[i].u.s->len);
		out += l->items[i].u.s->len;
	}
	return str_value(r);
}

static struct cel_value
bi_join(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return join(c, a[0].u.list, NULL);
}

static struct cel_value
bi_join2(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	(void)call;
	return join(c, a[0].u.list, a[1].u.s);
}

/* strings.quote(s): a double-quoted CEL literal; invalid UTF-8 becomes U+FFFD. */
static struct cel_value
bi_quote(struct cel_ctx *c, const struct cel_node *call, const struct cel_value *a)
{
	const struct cel_string *s = a[0].u.s;
	const unsigned char *p = (const unsigned char *)s->data;
	struct cel_string *r;
	size_t i = 0, n, k;
	char *o;

	(void)call;
	if (s->len > (SIZE_MAX - 3) / 3)
		return cel_error(&c->arena, "strings.quote(): the string is too large");
	r = str_new(c, s->len * 3 + 2);
	o = r->data;
	*o++ = '"';
	while (i < s->len) {
		const char *esc = NULL;

		switch (p[i]) {
		case '\a': esc = "\\a"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\v': esc = "\\v"; break;
		case '\\': esc = "\\\\"; break;
		case '"': esc = "\\\""; break;
		default: break;
		}
		if (esc != NULL) {
			*o++ = esc[0];
			*o++ = esc[1];
			i++;
			continue;
		}
		n = u8_valid(p + i, s->len - i);
		if (n == 0) {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
			continue;
		}
		for (k = 0; k < n; k++)
			*o++ = (char)p[i + k];
		i += n;
	}
	*o++ = '"';
	r->len = (size_t)(o - r->data);
	*o = '\0';
	return str_value(r);
}

/* ------------------------------------------------------------------ table */

#define S CEL_T_STRING
#define I CEL_T_INT
#define D CEL_T_DOUBLE
#define B CEL_T_BOOL
#define L CEL_T_LIST
#define M CEL_T_MAP
#define ANY CEL_T_DYN

const struct cel_builtin cel_builtins[] = {
	{"size", false, 1, {S}, I, bi_size_string, "size(string) -> int: code points in the string"},
	{"size", false, 1, {L}, I, bi_size_list, "size(list) -> int: elements in the list"},
	{"size", false, 1, {M}, I, bi_size_map, "size(map) -> int: entries in the map"},
	{"size", true, 1, {S}, I, bi_size_string, "string.size() -> int: code points in the string"},
	{"size", true, 1, {L}, I, bi_size_list, "list.size() -> int: elements in the list"},
	{"size", true, 1, {M}, I, bi_size_map, "map.size() -> int: entries in the map"},
	{"contains", true, 2, {S, S}, B, bi_contains,
	 "string.contains(string) -> bool: the argument occurs in the string"},
	{"startsWith", true, 2, {S, S}, B, bi_starts_with,
	 "string.startsWith(string) -> bool: the string begins with the argument"},
	{"endsWith", true, 2, {S, S}, B, bi_ends_with,
	 "string.endsWith(string) -> bool: the string ends with the argument"},
	{"matches", true, 2, {S, S}, B, bi_matches,
	 "string.matches(string) -> bool: the regular expression matches part of the string"},
	{"matches", false, 2, {S, S}, B, bi_matches,
	 "matches(string, string) -> bool: the regular expression matches part of the string"},
	{"int", false, 1, {I}, I, bi_identity, "int(int) -> int: the same value"},
	{"int", false, 1, {D}, I, bi_int_double,
	 "int(double) -> int: truncated toward zero; an error outside the int range"},
	{"int", false, 1, {S}, I, bi_int_string,
	 "int(string) -> int: a decimal integer with an optional sign; an error otherwise"},
	{"double", false, 1, {I}, D, bi_double_int, "double(int) -> double: the nearest double"},
	{"double", false, 1, {D}, D, bi_identity, "double(double) -> double: the same value"},
	{"double", false, 1, {S}, D, bi_double_string,
	 "double(string) -> double: a number such as \"1.5\", \"-2e3\", \"NaN\", \"Infinity\""},
	{"string", false, 1, {I}, S, bi_string_int, "string(int) -> string: decimal digits"},
	{"string", false, 1, {D}, S, bi_string_double,
	 "string(double) -> string: the shortest form that reads back (\"1.5\", \"1e+06\")"},
	{"string", false, 1, {S}, S, bi_identity, "string(string) -> string: the same value"},
	{"string", false, 1, {B}, S, bi_string_bool, "string(bool) -> string: \"true\" or \"false\""},
	{"bool", false, 1, {B}, B, bi_identity, "bool(bool) -> bool: the same value"},
	{"bool", false, 1, {S}, B, bi_bool_string,
	 "bool(string) -> bool: \"true\", \"True\", \"TRUE\", \"t\", \"1\" and their false forms"},
	{"type", false, 1, {ANY}, CEL_T_TYPE, bi_type, "type(any) -> type: the type of the value"},
	{"dyn", false, 1, {ANY}, ANY, bi_identity,
	 "dyn(any) -> dyn: the same value, its type known only at run time"},
	{"lowerAscii", true, 1, {S}, S, bi_lower_ascii,
	 "string.lowerAscii() -> string: ASCII letters in lower case, others unchanged"},
	{"upperAscii", true, 1, {S}, S, bi_upper_ascii,
	 "string.upperAscii() -> string: ASCII letters in upper case, others unchanged"},
	{"trim", true, 1, {S}, S, bi_trim,
	 "string.trim() -> string: without leading and trailing Unicode white space"},
	{"reverse", true, 1, {S}, S, bi_reverse,
	 "string.reverse() -> string: the code points in reverse order"},
	{"replace", true, 3, {S, S, S}, S, bi_replace,
	 "string.replace(old, new) -> string: every occurrence of old replaced by new"},
#if CEL_BUILTIN_MAX_ARGS >= 4
	{"replace", true, 4, {S, S, S, I}, S, bi_replace_n,
	 "string.replace(old, new, n) -> string: the first n occurrences replaced (n < 0: all)"},
#endif
	{"split", true, 2, {S, S}, L, bi_split,
	 "string.split(sep) -> list(string): the parts between the separators"},
	{"split", true, 3, {S, S, I}, L, bi_split_n,
	 "string.split(sep, n) -> list(string): at most n parts, the last one the rest (n < 0: all)"},
	{"substring", true, 2, {S, I}, S, bi_substring,
	 "string.substring(start) -> string: from code point start to the end"},
	{"substring", true, 3, {S, I, I}, S, bi_substring2,
	 "string.substring(start, end) -> string: code points start (included) to end (excluded)"},
	{"charAt", true, 2, {S, I}, S, bi_char_at,
	 "string.charAt(i) -> string: the code point at i (\"\" at the end)"},
	{"indexOf", true, 2, {S, S}, I, bi_index_of,
	 "string.indexOf(s) -> int: code point index of the first occurrence of s, or -1"},
	{"indexOf", true, 3, {S, S, I}, I, bi_index_of2,
	 "string.indexOf(s, from) -> int: the first occurrence at or after from, or -1"},
	{"lastIndexOf", true, 2, {S, S}, I, bi_last_index_of,
	 "string.lastIndexOf(s) -> int: code point index of the last occurrence of s, or -1"},
	{"lastIndexOf", true, 3, {S, S, I}, I, bi_last_index_of2,
	 "string.lastIndexOf(s, last) -> int: the last occurrence starting at or before last, or -1"},
	{"join", true, 1, {L}, S, bi_join, "list.join() -> string: the strings of the list concatenated"},
	{"join", true, 2, {L, S}, S, bi_join2,
	 "list.join(sep) -> string: the strings of the list with sep between them"},
	{"strings.quote", false, 1, {S}, S, bi_quote,
	 "strings.quote(string) -> string: the string as a double-quoted CEL literal"},
};

const size_t cel_nbuiltins = sizeof(cel_builtins) / sizeof(cel_builtins[0]);

#undef S
#undef I
#undef D
#undef B
#undef L
#undef M
#undef ANY

int
cel_builtin_find(const char *name, bool receiver, int nargs, const enum cel_type *types)
{
	const struct cel_builtin *b;
	size_t i;
	int k;

	for (i = 0; i < cel_nbuiltins; i++) {
		b = &cel_builtins[i];
		if (b->receiver != receiver || b->nargs != nargs || strcmp(b->name, name) != 0)
			continue;
		for (k = 0; k < nargs; k++)
			if (b->args[k] != CEL_T_DYN && types[k] != CEL_T_DYN && b->args[k] != types[k])
				break;
		if (k == nargs)
			return (int)i;
	}
	return -1;
}

bool
cel_builtin_exists(const char *name, bool receiver)
{
	size_t i;

	for (i = 0; i < cel_nbuiltins; i++)
		if (cel_builtins[i].receiver == receiver && strcmp(cel_builtins[i].name, name) == 0)
			return true;
	return false;
}
