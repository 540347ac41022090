/*
 * validate.h - type and constraint checks of one field value.
 *
 * These run once per field per record, so they allocate nothing: problems
 * are written into caller-provided fixed-size slots.  Reference resolution
 * and key uniqueness need the whole run and live in check.c.
 */
#ifndef MDG_VALIDATE_H
#define MDG_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "enterprise.h"

#define MDG_VPROBLEMS_MAX 4

struct mdg_vproblem {
	const char *code;  /* "field.required", "field.integer", ... */
	char message[640];
};

struct mdg_vctx {
	char decimal;                /* '.' or ',' */
	enum mdg_datefmt date_format;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	/*
	 * The values are known to be valid UTF-8 (the reader found no
	 * problem in the record): patterns skip PCRE2's own UTF-8 check.
	 */
	bool utf8_valid;
};

/* validate.c */
bool mdg_parse_int(const char *s, size_t len, int64_t *out);
/* Decimal with the given mark ('.' or ','), no thousands separators. */
bool mdg_parse_decimal(const char *s, size_t len, char mark, double *out);
bool mdg_parse_bool(const char *s, size_t len, bool *out);
/* A date in ISO form or the given format; *out is YYYYMMDD. */
bool mdg_parse_date(const char *s, size_t len, enum mdg_datefmt fmt, long *out);
/* Number of Unicode code points in UTF-8 text. */
size_t mdg_utf8_length(const char *s, size_t len);
/* Strip surrounding ASCII spaces and tabs; returns the new start and length. */
const char *mdg_trim(const char *s, size_t *len);
/*
 * Check a value against its field.  The value is already trimmed for
 * non-string types and already mapped through the site's value map.  For
 * an enum, *canonical (when not NULL) receives the matching enumeration
 * value.  Returns the number of problems written to out (at most max).
 * References are not checked here.
 */
size_t mdg_validate_value(const struct mdg_field *f, const char *v, size_t len,
			  const struct mdg_vctx *ctx, struct mdg_vproblem *out, size_t max,
			  const char **canonical);
const char *mdg_datefmt_name(enum mdg_datefmt f);

#endif
