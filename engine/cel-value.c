/*
 * cel-value.c - CEL run-time values: constructors, equality, map lookup,
 * JSON output and input, and the evaluation context.
 *
 * Values are small structs passed by value; strings, lists and maps point
 * into an arena (the context's while evaluating, the caller's for inputs).
 * Nothing here evaluates expressions (cel-eval.c) or knows the functions
 * (cel-builtins.c).  JSON input goes through jansson; JSON output is
 * written by hand so that printing a value allocates nothing.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <jansson.h>
#include <pcre2.h>

#include "cel.h"

/* ------------------------------------------------------------ constructors */

const char *
cel_type_name(enum cel_type t)
{
	switch (t) {
	case CEL_T_NULL:
		return "null_type";
	case CEL_T_BOOL:
		return "bool";
	case CEL_T_INT:
		return "int";
	case CEL_T_DOUBLE:
		return "double";
	case CEL_T_STRING:
		return "string";
	case CEL_T_LIST:
		return "list";
	case CEL_T_MAP:
		return "map";
	case CEL_T_TYPE:
		return "type";
	case CEL_T_ERROR:
		return "error";
	case CEL_T_DYN:
		return "dyn";
	case CEL_T_UINT:
		return "uint";
	case CEL_T_BYTES:
		return "bytes";
	}
	return "unknown";
}

struct cel_value
cel_null(void)
{
	struct cel_value v;

	v.type = CEL_T_NULL;
	v.u.i = 0;
	return v;
}

struct cel_value
cel_bool(bool b)
{
	struct cel_value v;

	v.type = CEL_T_BOOL;
	v.u.b = b;
	return v;
}

struct cel_value
cel_int(int64_t i)
{
	struct cel_value v;

	v.type = CEL_T_INT;
	v.u.i = i;
	return v;
}

struct cel_value
cel_double(double d)
{
	struct cel_value v;

	v.type = CEL_T_DOUBLE;
	v.u.d = d;
	return v;
}

struct cel_value
cel_string(struct mdg_arena *a, const char *s, size_t len)
{
	struct cel_string *str;
	struct cel_value v;
	size_t size;

	if (!mdg_size_add(sizeof(*str) + 1, len, &size))
		size = SIZE_MAX;  /* the arena reports it and exits */
	str = mdg_arena_alloc(a, size);
	str->len = len;
	str->nchars = SIZE_MAX;
	if (len > 0)
		memcpy(str->data, s, len);
	str->data[len] = '\0';
	v.type = CEL_T_STRING;
	v.u.s = str;
	return v;
}

struct cel_value
cel_error(struct mdg_arena *a, const char *fmt, ...)
{
	struct cel_value v;
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	v.type = CEL_T_ERROR;
	if (n < 0) {
		v.u.err = "error";
		return v;
	}
	msg = mdg_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	v.u.err = msg;
	return v;
}

/* --------------------------------------------------------------- equality */

/* A double key finds an int key of the same value (CEL's numeric keys). */
static bool
double_as_int(double d, int64_t *out)
{
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != trunc(d))
		return false;
	*out = (int64_t)d;
	return true;
}

const struct cel_value *
cel_map_get(const struct cel_map *m, const struct cel_value *key)
{
	const struct cel_value *k;
	int64_t i;
	size_t j;

	if (m == NULL)
		return NULL;
	switch (key->type) {
	case CEL_T_STRING:
		for (j = 0; j < m->n; j++) {
			k = &m->keys[j];
			if (k->type == CEL_T_STRING && k->u.s->len == key->u.s->len &&
			    memcmp(k->u.s->data, key->u.s->data, key->u.s->len) == 0)
				return &m->values[j];
		}
		return NULL;
	case CEL_T_INT:
		i = key->u.i;
		break;
	case CEL_T_DOUBLE:
		if (!double_as_int(key->u.d, &i))
			return NULL;
		break;
	case CEL_T_BOOL:
		for (j = 0; j < m->n; j++)
			if (m->keys[j].type == CEL_T_BOOL && m->keys[j].u.b == key->u.b)
				return &m->values[j];
		return NULL;
	default:
		return NULL;
	}
	for (j = 0; j < m->n; j++)
		if (m->keys[j].type == CEL_T_INT && m->keys[j].u.i == i)
			return &m->values[j];
	return NULL;
}

bool
cel_equal(const struct cel_value *a, const struct cel_value *b)
{
	const struct cel_value *bv;
	size_t i;

	if (a->type != b->type) {
		/* Numbers compare by value across int and double (as doubles, like
		 * the ordering operators). */
		if (a->type == CEL_T_INT && b->type == CEL_T_DOUBLE)
			return (double)a->u.i == b->u.d;
		if (a->type == CEL_T_DOUBLE && b->type == CEL_T_INT)
			return a->u.d == (double)b->u.i;
		return false;
	}
	switch (a->type) {
	case CEL_T_NULL:
		return true;
	case CEL_T_BOOL:
		return a->u.b == b->u.b;
	case CEL_T_INT:
		return a->u.i == b->u.i;
	case CEL_T_DOUBLE:
		return a->u.d == b->u.d;   /* NaN != NaN */
	case CEL_T_STRING:
		return a->u.s->len == b->u.s->len &&
		       memcmp(a->u.s->data, b->u.s->data, a->u.s->len) == 0;
	case CEL_T_LIST:
		if (a->u.list->n != b->u.list->n)
			return false;
		for (i = 0; i < a->u.list->n; i++)
			if (!cel_equal(&a->u.list->items[i], &b->u.list->items[i]))
				return false;
		return true;
	case CEL_T_MAP:
		if (a->u.map->n != b->u.map->n)
			return false;
		for (i = 0; i < a->u.map->n; i++) {
			bv = cel_map_get(b->u.map, &a->u.map->keys[i]);
			if (bv == NULL || !cel_equal(&a->u.map->values[i], bv))
				return false;
		}
		return true;
	case CEL_T_TYPE:
		return a->u.t == b->u.t;
	case CEL_T_ERROR:
	case CEL_T_DYN:
	case CEL_T_UINT:
	case CEL_T_BYTES:
		return false;
	}
	return false;
}

/* ------------------------------------------------------------ JSON output */

/* Decode one UTF-8 sequence; returns its length, or 0 when invalid. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	*cp = c;
	return len;
}

/* A JSON string: escapes for '"', '\\' and controls; invalid UTF-8 becomes U+FFFD. */
static void
put_string(const char *s, size_t len, FILE *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	putc('"', out);
	while (i < len) {
		unsigned char ch = p[i];

		if (ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\') {
			putc(ch, out);
			i++;
			continue;
		}
		switch (ch) {
		case '"':
			fputs("\\\"", out);
			i++;
			continue;
		case '\\':
			fputs("\\\\", out);
			i++;
			continue;
		case '\n':
			fputs("\\n", out);
			i++;
			continue;
		case '\r':
			fputs("\\r", out);
			i++;
			continue;
		case '\t':
			fputs("\\t", out);
			i++;
			continue;
		default:
			break;
		}
		if (ch < 0x20) {
			fprintf(out, "\\u%04x", ch);
			i++;
			continue;
		}
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			fputs("\xEF\xBF\xBD", out);
			i++;
			continue;
		}
		fwrite(p + i, 1, n, out);
		i += n;
	}
	putc('"', out);
}

/*
 * The shortest digits that read back as the same double, in plain notation
 * for exponents from -7 to 20 and in exponent notation beyond, always with
 * a '.' or an exponent so that the number reads back as a double.
 */
static void
put_double(double d, FILE *out)
{
	char buf[48];
	int prec, ex;
	char *e;

	if (isnan(d)) {
		fputs("\"NaN\"", out);
		return;
	}
	if (isinf(d)) {
		fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", out);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
	e = strchr(buf, 'e');
	ex = e != NULL ? (int)strtol(e + 1, NULL, 10) : 0;
	if (ex >= -7 && ex < 21)
		snprintf(buf, sizeof(buf), "%.*f", prec - 1 - ex > 0 ? prec - 1 - ex : 0, d);
	if (strpbrk(buf, ".e") == NULL)
		strcat(buf, ".0");
	fputs(buf, out);
}

static void
put_map_key(const struct cel_value *k, FILE *out)
{
	char buf[32];

	switch (k->type) {
	case CEL_T_STRING:
		put_string(k->u.s->data, k->u.s->len, out);
		break;
	case CEL_T_INT:
		snprintf(buf, sizeof(buf), "\"%" PRId64 "\"", k->u.i);
		fputs(buf, out);
		break;
	case CEL_T_BOOL:
		fputs(k->u.b ? "\"true\"" : "\"false\"", out);
		break;
	default:
		/* Not a key type of the subset: name its type. */
		fprintf(out, "\"<%s>\"", cel_type_name(k->type));
		break;
	}
}

void
cel_value_json(const struct cel_value *v, FILE *out)
{
	size_t i;

	switch (v->type) {
	case CEL_T_NULL:
		fputs("null", out);
		break;
	case CEL_T_BOOL:
		fputs(v->u.b ? "true" : "false", out);
		break;
	case CEL_T_INT:
		fprintf(out, "%" PRId64, v->u.i);
		break;
	case CEL_T_DOUBLE:
		put_double(v->u.d, out);
		break;
	case CEL_T_STRING:
		put_string(v->u.s->data, v->u.s->len, out);
		break;
	case CEL_T_LIST:
		putc('[', out);
		for (i = 0; i < v->u.list->n; i++) {
			if (i > 0)
				fputs(", ", out);
			cel_value_json(&v->u.list->items[i], out);
		}
		putc(']', out);
		break;
	case CEL_T_MAP:
		putc('{', out);
		for (i = 0; i < v->u.map->n; i++) {
			if (i > 0)
				fputs(", ", out);
			put_map_key(&v->u.map->keys[i], out);
			fputs(": ", out);
			cel_value_json(&v->u.map->values[i], out);
		}
		putc('}', out);
		break;
	case CEL_T_TYPE:
		fputs("{\"type\": ", out);
		put_string(cel_type_name(v->u.t), strlen(cel_type_name(v->u.t)), out);
		putc('}', out);
		break;
	case CEL_T_ERROR:
		fputs("{\"error\": ", out);
		put_string(v->u.err, strlen(v->u.err), out);
		putc('}', out);
		break;
	case CEL_T_DYN:
	case CEL_T_UINT:
	case CEL_T_BYTES:
		fprintf(out, "{\"error\": \"a value of type %s\"}", cel_type_name(v->type));
		break;
	}
}

/* ------------------------------------------------------------- JSON input */

static void
from_jansson(struct mdg_arena *a, json_t *j, struct cel_value *out)
{
	struct cel_list *list;
	struct cel_map *map;
	const char *key;
	json_t *elem;
	size_t i, n;

	switch (json_typeof(j)) {
	case JSON_NULL:
		*out = cel_null();
		break;
	case JSON_TRUE:
		*out = cel_bool(true);
		break;
	case JSON_FALSE:
		*out = cel_bool(false);
		break;
	case JSON_INTEGER:
		*out = cel_int((int64_t)json_integer_value(j));
		break;
	case JSON_REAL:
		*out = cel_double(json_real_value(j));
		break;
	case JSON_STRING:
		*out = cel_string(a, json_string_value(j), json_string_length(j));
		break;
	case JSON_ARRAY:
		n = json_array_size(j);
		list = mdg_arena_alloc(a, sizeof(*list));
		list->n = n;
		list->items = n ? mdg_arena_alloc(a, n * sizeof(*list->items)) : NULL;
		json_array_foreach(j, i, elem)
			from_jansson(a, elem, &list->items[i]);
		out->type = CEL_T_LIST;
		out->u.list = list;
		break;
	case JSON_OBJECT:
		n = json_object_size(j);
		map = mdg_arena_alloc(a, sizeof(*map));
		map->n = 0;
		map->keys = n ? mdg_arena_alloc(a, n * sizeof(*map->keys)) : NULL;
		map->values = n ? mdg_arena_alloc(a, n * sizeof(*map->values)) : NULL;
		json_object_foreach(j, key, elem) {
			map->keys[map->n] = cel_string(a, key, strlen(key));
			from_jansson(a, elem, &map->values[map->n]);
			map->n++;
		}
		out->type = CEL_T_MAP;
		out->u.map = map;
		break;
	}
}

int
cel_value_from_json(struct mdg_arena *a, const char *json, struct cel_value *out, char *err,
		    size_t errlen)
{
	json_error_t jerr;
	json_t *j;

	j = json_loads(json, JSON_DECODE_ANY, &jerr);
	if (j == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "line %d, column %d: %s", jerr.line, jerr.column,
				 jerr.text);
		*out = cel_null();
		return MDG_ERR;
	}
	from_jansson(a, j, out);
	json_decref(j);
	return MDG_OK;
}

/* ---------------------------------------------------------------- context */

void
cel_ctx_init(struct cel_ctx *c)
{
	mdg_arena_init(&c->arena);
	c->cost_limit = 0;
	c->cost = 0;
	c->ref = NULL;
	c->ref_payload = NULL;
	/* Created by the first matches() that needs them (cel-builtins.c). */
	c->md = NULL;
	c->mctx = NULL;
}

void
cel_ctx_reset(struct cel_ctx *c)
{
	if (c->arena.head == NULL)
		return;
	mdg_arena_reset(&c->arena);
}

void
cel_ctx_free(struct cel_ctx *c)
{
	mdg_arena_free(&c->arena);
	if (c->md != NULL)
		pcre2_match_data_free(c->md);
	if (c->mctx != NULL)
		pcre2_match_context_free(c->mctx);
	c->md = NULL;
	c->mctx = NULL;
}
