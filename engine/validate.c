/*
 * validate.c - parsing typed values and checking field constraints.
 *
 * Numbers are parsed by hand rather than with strtod/strtoll so that the
 * accepted forms are exactly the documented ones (no locale, no hex, no
 * "inf", no leading '+' surprises) and so that nothing allocates.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "validate.h"

const char *
mdg_trim(const char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*len = n;
	return s;
}

size_t
mdg_utf8_length(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

bool
mdg_parse_int(const char *s, size_t len, int64_t *out)
{
	uint64_t v = 0, lim;
	bool neg = false;
	size_t i = 0;

	if (len == 0)
		return false;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return false;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return false;
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

bool
mdg_parse_decimal(const char *s, size_t len, char mark, double *out)
{
	static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	char buf[64];
	size_t i = 0, k = 0, digits = 0, frac = 0;
	bool seen_mark = false, neg = false;
	uint64_t mant = 0;
	char *end;
	double v;

	if (len == 0 || len >= sizeof(buf))
		return false;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i++;
	}
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d <= 9) {
			mant = mant * 10 + d;  /* meaningful only while digits <= 19 */
			digits++;
			frac += seen_mark;
		} else if (s[i] == mark && !seen_mark) {
			seen_mark = true;
		} else {
			return false;
		}
	}
	if (digits == 0)
		return false;
	/*
	 * Fast path (Clinger): with at most 15 digits the mantissa and the
	 * power of ten are exact doubles, so one correctly rounded division
	 * gives exactly what strtod gives.  strtod showed as 12% of a check
	 * in the profile.
	 */
	if (digits <= 15) {
		v = (double)mant / p10[frac];
		*out = neg ? -v : v;
		return true;
	}
	for (i = 0; i < len; i++)
		buf[k++] = s[i] == mark ? '.' : s[i];
	buf[k] = '\0';
	v = strtod(buf, &end);
	if (*end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool
mdg_parse_bool(const char *s, size_t len, bool *out)
{
	char low[6];
	size_t i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];
		low[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	switch (len) {
	case 1:
		if (low[0] == '1' || low[0] == 'y')
			return *out = true, true;
		if (low[0] == '0' || low[0] == 'n')
			return *out = false, true;
		return false;
	case 2:
		return memcmp(low, "no", 2) == 0 ? (*out = false, true) : false;
	case 3:
		return memcmp(low, "yes", 3) == 0 ? (*out = true, true) : false;
	case 4:
		return memcmp(low, "true", 4) == 0 ? (*out = true, true) : false;
	default:
		return memcmp(low, "false", 5) == 0 ? (*out = false, true) : false;
	}
}

static bool
digits(const char *s, size_t n, long *out)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool
valid_ymd(long y, long m, long d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	long max;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

bool
mdg_parse_date(const char *s, size_t len, enum mdg_datefmt fmt, long *out)
{
	long y = 0, m = 0, d = 0;

	if (len != 10)
		return false;
	if (s[4] == '-' && s[7] == '-' && digits(s, 4, &y) && digits(s + 5, 2, &m) &&
	    digits(s + 8, 2, &d))
		goto check;
	switch (fmt) {
	case MDG_DATE_ISO:
		return false;
	case MDG_DATE_DMY_DOT:
	case MDG_DATE_DMY_SLASH: {
		char sep = fmt == MDG_DATE_DMY_DOT ? '.' : '/';
		if (s[2] != sep || s[5] != sep || !digits(s, 2, &d) || !digits(s + 3, 2, &m) ||
		    !digits(s + 6, 4, &y))
			return false;
		break;
	}
	case MDG_DATE_MDY_SLASH:
		if (s[2] != '/' || s[5] != '/' || !digits(s, 2, &m) || !digits(s + 3, 2, &d) ||
		    !digits(s + 6, 4, &y))
			return false;
		break;
	}
check:
	if (!valid_ymd(y, m, d))
		return false;
	*out = y * 10000 + m * 100 + d;
	return true;
}

const char *
mdg_datefmt_name(enum mdg_datefmt f)
{
	switch (f) {
	case MDG_DATE_ISO:
		return "YYYY-MM-DD";
	case MDG_DATE_DMY_DOT:
		return "DD.MM.YYYY";
	case MDG_DATE_DMY_SLASH:
		return "DD/MM/YYYY";
	case MDG_DATE_MDY_SLASH:
		return "MM/DD/YYYY";
	}
	return "YYYY-MM-DD";
}

/* Quote a value for a message, cut to a readable length on a character boundary. */
static void
quote_value(char *dst, size_t cap, const char *v, size_t len)
{
	size_t n = len, i, k = 0;

	if (n > 60) {
		n = 60;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	dst[k++] = '\'';
	for (i = 0; i < n && k + 5 < cap; i++) {
		unsigned char c = (unsigned char)v[i];
		dst[k++] = (c < 0x20) ? '?' : (char)c;
	}
	if (n < len && k + 5 < cap) {
		memcpy(dst + k, "...", 3);
		k += 3;
	}
	dst[k++] = '\'';
	dst[k] = '\0';
}

static const char *
label(const struct mdg_field *f)
{
	return f->label ? f->label : f->name;
}

#define ADD(code_, ...)                                                          \
	do {                                                                     \
		if (n < max) {                                                   \
			out[n].code = (code_);                                   \
			snprintf(out[n].message, sizeof(out[n].message), __VA_ARGS__); \
			n++;                                                     \
		}                                                                \
	} while (0)

static void
enum_list(const struct mdg_field *f, char *dst, size_t cap)
{
	size_t i, k = 0;
	int w;

	dst[0] = '\0';
	for (i = 0; i < f->nvalues && k < cap; i++) {
		w = snprintf(dst + k, cap - k, "%s%s", i ? ", " : "", f->values[i]);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

/*
 * Match a pattern.  A value known to be valid UTF-8 goes to the JIT's own
 * entry point, which skips the UTF-8 check and the option checks of
 * pcre2_match (together most of the time of a short match); the limits
 * of the match context hold the same.
 */
static int
pattern_match(const pcre2_code *re, const char *v, size_t len, const struct mdg_vctx *ctx)
{
	int rc = PCRE2_ERROR_JIT_BADOPTION;

	if (ctx->utf8_valid)
		rc = pcre2_jit_match(re, (PCRE2_SPTR)v, len, 0, 0, ctx->md, ctx->mctx);
	if (rc == PCRE2_ERROR_JIT_BADOPTION)
		rc = pcre2_match(re, (PCRE2_SPTR)v, len, 0, ctx->utf8_valid ? PCRE2_NO_UTF_CHECK : 0,
				 ctx->md, ctx->mctx);
	return rc;
}

size_t
mdg_validate_value(const struct mdg_field *f, const char *v, size_t len, const struct mdg_vctx *ctx,
		   struct mdg_vproblem *out, size_t max, const char **canonical)
{
	char q[200], list[200];
	size_t n = 0, i, chars;
	int64_t iv;
	double dv;
	bool bv;
	long date;
	int rc;

	if (canonical)
		*canonical = NULL;
	if (len == 0) {
		if (f->required)
			ADD("field.required", "%s is required but empty", label(f));
		return n;
	}
	switch (f->type) {
	case MDG_FT_STRING:
		/*
		 * Count characters only when bytes cannot decide: a value has
		 * at least len/4 and at most len characters.
		 */
		chars = len;
		if ((f->max_length >= 0 && len > (size_t)f->max_length) ||
		    (f->min_length >= 0 && len / 4 < (size_t)f->min_length))
			chars = mdg_utf8_length(v, len);
		if (f->min_length >= 0 && chars < (size_t)f->min_length)
			ADD("field.min_length", "%s is %zu characters long; at least %ld are needed",
			    label(f), chars, f->min_length);
		if (f->max_length >= 0 && chars > (size_t)f->max_length)
			ADD("field.max_length", "%s is %zu characters long; at most %ld are allowed",
			    label(f), chars, f->max_length);
		if (f->re != NULL) {
			rc = pattern_match(f->re, v, len, ctx);
			if (rc >= 0 && pcre2_get_ovector_pointer(ctx->md)[0] == 0 &&
			    pcre2_get_ovector_pointer(ctx->md)[1] == len)
				break;
			quote_value(q, sizeof(q), v, len);
			if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
			    rc == PCRE2_ERROR_JIT_STACKLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
				ADD("field.pattern_limit",
				    "%s %s could not be checked: the pattern exceeded its match limit",
				    label(f), q);
			else if (rc == PCRE2_ERROR_BADUTFOFFSET || (rc <= PCRE2_ERROR_UTF8_ERR1 &&
								    rc >= PCRE2_ERROR_UTF8_ERR21))
				ADD("field.pattern", "%s %s is not valid UTF-8", label(f), q);
			else
				ADD("field.pattern", "%s %s does not have the required form: %s",
				    label(f), q, f->pattern_hint ? f->pattern_hint : f->pattern);
		}
		break;
	case MDG_FT_INTEGER:
		if (!mdg_parse_int(v, len, &iv)) {
			quote_value(q, sizeof(q), v, len);
			ADD("field.integer", "%s %s is not a whole number", label(f), q);
			break;
		}
		if (f->has_min && f->min_exclusive && (double)iv <= f->min)
			ADD("field.min", "%s %lld must be greater than %.15g", label(f), (long long)iv,
			    f->min);
		else if (f->has_min && (double)iv < f->min)
			ADD("field.min", "%s %lld is below the minimum of %.15g", label(f), (long long)iv,
			    f->min);
		if (f->has_max && (double)iv > f->max)
			ADD("field.max", "%s %lld is above the maximum of %.15g", label(f), (long long)iv,
			    f->max);
		break;
	case MDG_FT_DECIMAL:
		if (!mdg_parse_decimal(v, len, ctx->decimal, &dv)) {
			quote_value(q, sizeof(q), v, len);
			ADD("field.decimal",
			    "%s %s is not a number (write it with '%c' as the decimal mark and no "
			    "thousands separator)",
			    label(f), q, ctx->decimal);
			break;
		}
		if (f->has_min && f->min_exclusive && dv <= f->min) {
			quote_value(q, sizeof(q), v, len);
			ADD("field.min", "%s %s must be greater than %.15g", label(f), q, f->min);
		} else if (f->has_min && dv < f->min) {
			quote_value(q, sizeof(q), v, len);
			ADD("field.min", "%s %s is below the minimum of %.15g", label(f), q, f->min);
		}
		if (f->has_max && dv > f->max) {
			quote_value(q, sizeof(q), v, len);
			ADD("field.max", "%s %s is above the maximum of %.15g", label(f), q, f->max);
		}
		break;
	case MDG_FT_BOOLEAN:
		if (!mdg_parse_bool(v, len, &bv)) {
			quote_value(q, sizeof(q), v, len);
			ADD("field.boolean", "%s %s is not a yes/no value (true/false, yes/no, 1/0)",
			    label(f), q);
		}
		break;
	case MDG_FT_DATE:
		if (!mdg_parse_date(v, len, ctx->date_format, &date)) {
			quote_value(q, sizeof(q), v, len);
			if (ctx->date_format == MDG_DATE_ISO)
				ADD("field.date", "%s %s is not a valid date (YYYY-MM-DD)", label(f), q);
			else
				ADD("field.date", "%s %s is not a valid date (%s or YYYY-MM-DD)",
				    label(f), q, mdg_datefmt_name(ctx->date_format));
		}
		break;
	case MDG_FT_ENUM:
		for (i = 0; i < f->nvalues; i++) {
			if (strlen(f->values[i]) == len && memcmp(f->values[i], v, len) == 0) {
				if (canonical)
					*canonical = f->values[i];
				return n;
			}
		}
		for (i = 0; i < f->nvalues; i++) {
			const char *e = f->values[i];
			if (strlen(e) == len && strncasecmp(e, v, len) == 0) {
				if (canonical)
					*canonical = e;
				return n;
			}
		}
		quote_value(q, sizeof(q), v, len);
		enum_list(f, list, sizeof(list));
		ADD("field.enum", "%s %s is not one of: %s", label(f), q, list);
		break;
	case MDG_FT_REF:
		break;
	}
	return n;
}
