/*
 * textproto.c - a reader for protobuf text format (the subset the CEL
 * conformance vectors use): fields `name: value`, `name { ... }`,
 * `name: { ... }`, `name < ... >`, lists `name: [ ... ]`, extension names
 * `[a.b/c.D]`, strings with C escapes (\xHH, \ooo, \uHHHH, \UHHHHHHHH),
 * numbers (signed, hex, floats, inf, nan), identifiers and `#` comments.
 * Optional `,` or `;` after a field.  No schema: the caller interprets.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textproto.h"
#include "util.h"

#define TP_MAX_DEPTH 200

struct tp_parser {
	const char *p;
	const char *end;
	const char *file;
	long line;
	int depth;
	char *err;
	size_t errlen;
	bool failed;
};

static void tp_fail(struct tp_parser *ps, const char *fmt, ...) MDG_PRINTF(2, 3);

static void
tp_fail(struct tp_parser *ps, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	if (ps->failed)
		return;
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err && ps->errlen > 0)
		snprintf(ps->err, ps->errlen, "%s:%ld: %s", ps->file ? ps->file : "<text>", ps->line,
			 msg);
}

static void
tp_skip_space(struct tp_parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;
		if (c == '\n') {
			ps->line++;
			ps->p++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			ps->p++;
		} else if (c == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else {
			break;
		}
	}
}

static bool
tp_is_ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool
tp_is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static struct tp_node *
tp_node_new(const char *name, long line, enum tp_kind kind)
{
	struct tp_node *n = xcalloc(1, sizeof(*n));
	n->name = name ? xstrdup(name) : NULL;
	n->line = line;
	n->kind = kind;
	return n;
}

static void
tp_add_child(struct tp_node *parent, struct tp_node *child)
{
	parent->children = xreallocarray(parent->children, parent->nchildren + 1,
					 sizeof(*parent->children));
	parent->children[parent->nchildren++] = child;
}

void
tp_free(struct tp_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nchildren; i++)
		tp_free(n->children[i]);
	free(n->children);
	free(n->name);
	free(n->text);
	free(n);
}

/* Append the UTF-8 encoding of cp. */
static void
tp_put_utf8(struct mdg_buf *b, unsigned long cp)
{
	char u[4];
	size_t k;

	if (cp < 0x80) {
		u[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		k = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		k = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		k = 4;
	}
	(void)mdg_buf_append(b, u, k);
}

static int
tp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read exactly n hex digits; -1 on failure. */
static long
tp_read_hex(struct tp_parser *ps, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		int h = ps->p < ps->end ? tp_hexval(*ps->p) : -1;
		if (h < 0)
			return -1;
		v = v * 16 + h;
		ps->p++;
	}
	return v;
}

/* One quoted literal at ps->p, appended to b. */
static void
tp_read_string(struct tp_parser *ps, struct mdg_buf *b)
{
	char q = *ps->p++;

	for (;;) {
		if (ps->p >= ps->end || *ps->p == '\n') {
			tp_fail(ps, "unterminated string");
			return;
		}
		char c = *ps->p++;
		if (c == q)
			return;
		if (c != '\\') {
			(void)mdg_buf_putc(b, c);
			continue;
		}
		if (ps->p >= ps->end) {
			tp_fail(ps, "unterminated string");
			return;
		}
		c = *ps->p++;
		switch (c) {
		case 'a': (void)mdg_buf_putc(b, '\a'); break;
		case 'b': (void)mdg_buf_putc(b, '\b'); break;
		case 'f': (void)mdg_buf_putc(b, '\f'); break;
		case 'n': (void)mdg_buf_putc(b, '\n'); break;
		case 'r': (void)mdg_buf_putc(b, '\r'); break;
		case 't': (void)mdg_buf_putc(b, '\t'); break;
		case 'v': (void)mdg_buf_putc(b, '\v'); break;
		case '\\': case '\'': case '"': case '?':
			(void)mdg_buf_putc(b, c);
			break;
		case 'x': case 'X': {
			int v = 0, k = 0;
			while (k < 2 && ps->p < ps->end && tp_hexval(*ps->p) >= 0) {
				v = v * 16 + tp_hexval(*ps->p++);
				k++;
			}
			if (k == 0) {
				tp_fail(ps, "\\x without hex digits");
				return;
			}
			(void)mdg_buf_putc(b, (char)v);
			break;
		}
		case 'u': case 'U': {
			long cp = tp_read_hex(ps, c == 'u' ? 4 : 8);
			if (cp < 0) {
				tp_fail(ps, "bad \\%c escape", c);
				return;
			}
			/* A surrogate pair written as two \u escapes. */
			if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
			    ps->p[1] == 'u') {
				const char *save = ps->p;
				ps->p += 2;
				long lo = tp_read_hex(ps, 4);
				if (lo >= 0xDC00 && lo < 0xE000)
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				else
					ps->p = save;
			}
			if (cp > 0x10FFFF) {
				tp_fail(ps, "code point out of range in \\%c escape", c);
				return;
			}
			tp_put_utf8(b, (unsigned long)cp);
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				int v = c - '0', k = 1;
				while (k < 3 && ps->p < ps->end && *ps->p >= '0' && *ps->p <= '7') {
					v = v * 8 + (*ps->p++ - '0');
					k++;
				}
				(void)mdg_buf_putc(b, (char)(v & 0xFF));
				break;
			}
			tp_fail(ps, "unknown escape \\%c", c);
			return;
		}
	}
}

static bool
tp_ident_is(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word);
	if (n != k)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != word[i])
			return false;
	return true;
}

/* A scalar value; the node is created with the given field name. */
static struct tp_node *
tp_read_scalar(struct tp_parser *ps, const char *name, long line)
{
	struct tp_node *n;

	if (*ps->p == '"' || *ps->p == '\'') {
		struct mdg_buf b;
		mdg_buf_init(&b, 0);
		while (!ps->failed && ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) {
			tp_read_string(ps, &b);
			tp_skip_space(ps);
		}
		n = tp_node_new(name, line, TP_STRING);
		n->len = b.len;
		n->text = xmalloc(b.len + 1);
		if (b.len)
			memcpy(n->text, b.data, b.len);
		n->text[b.len] = '\0';
		mdg_buf_free(&b);
		return n;
	}

	const char *start = ps->p;
	bool neg = false;
	if (*ps->p == '-') {
		neg = true;
		ps->p++;
		tp_skip_space(ps);
	}
	const char *s = ps->p;
	if (ps->p < ps->end && (isdigit((unsigned char)*ps->p) || *ps->p == '.')) {
		bool hex = ps->end - ps->p > 1 && ps->p[0] == '0' && (ps->p[1] == 'x' || ps->p[1] == 'X');
		while (ps->p < ps->end) {
			char c = *ps->p;
			if (isalnum((unsigned char)c) || c == '.' || c == '_') {
				ps->p++;
			} else if ((c == '+' || c == '-') && !hex && ps->p > s &&
				   (ps->p[-1] == 'e' || ps->p[-1] == 'E')) {
				ps->p++;
			} else {
				break;
			}
		}
		n = tp_node_new(name, line, TP_NUMBER);
		n->text = xasprintf("%s%.*s", neg ? "-" : "", (int)(ps->p - s), s);
		n->len = strlen(n->text);
		return n;
	}
	if (ps->p < ps->end && tp_is_ident_start(*ps->p)) {
		while (ps->p < ps->end && (tp_is_ident_char(*ps->p) || *ps->p == '.'))
			ps->p++;
		size_t k = (size_t)(ps->p - s);
		if (neg && !(tp_ident_is(s, k, "inf") || tp_ident_is(s, k, "infinity") ||
			     tp_ident_is(s, k, "nan"))) {
			tp_fail(ps, "'-' before an identifier");
			return NULL;
		}
		n = tp_node_new(name, line, neg ? TP_NUMBER : TP_IDENT);
		n->text = xasprintf("%s%.*s", neg ? "-" : "", (int)k, s);
		n->len = strlen(n->text);
		return n;
	}
	ps->p = start;
	tp_fail(ps, "expected a value for field '%s'", name);
	return NULL;
}

static void tp_read_fields(struct tp_parser *ps, struct tp_node *msg, char close);

/* A message body after its opening delimiter; consumes the closing one. */
static struct tp_node *
tp_read_message(struct tp_parser *ps, const char *name, long line)
{
	char open = *ps->p++;
	char close = open == '{' ? '}' : '>';
	struct tp_node *n = tp_node_new(name, line, TP_MESSAGE);

	if (++ps->depth > TP_MAX_DEPTH) {
		tp_fail(ps, "nested too deeply");
		return n;
	}
	tp_read_fields(ps, n, close);
	ps->depth--;
	if (ps->failed)
		return n;
	if (ps->p >= ps->end || *ps->p != close) {
		tp_fail(ps, "expected '%c' to close field '%s' (line %ld)", close, name, line);
		return n;
	}
	ps->p++;
	return n;
}

/* One value of field name (a message or a scalar), added to parent. */
static void
tp_read_value(struct tp_parser *ps, struct tp_node *parent, const char *name, long line,
	      bool colon)
{
	struct tp_node *v;

	if (ps->p >= ps->end) {
		tp_fail(ps, "expected a value for field '%s'", name);
		return;
	}
	if (*ps->p == '{' || *ps->p == '<')
		v = tp_read_message(ps, name, line);
	else if (!colon) {
		tp_fail(ps, "expected ':' or '{' after field name '%s'", name);
		return;
	} else
		v = tp_read_scalar(ps, name, line);
	if (v)
		tp_add_child(parent, v);
}

static void
tp_read_fields(struct tp_parser *ps, struct tp_node *msg, char close)
{
	for (;;) {
		tp_skip_space(ps);
		if (ps->failed || ps->p >= ps->end || *ps->p == close)
			return;

		/* The field name. */
		char *name;
		long line = ps->line;
		if (*ps->p == '[') {
			const char *s = ps->p;
			while (ps->p < ps->end && *ps->p != ']' && *ps->p != '\n')
				ps->p++;
			if (ps->p >= ps->end || *ps->p != ']') {
				tp_fail(ps, "unterminated extension name");
				return;
			}
			ps->p++;
			name = xstrndup(s, (size_t)(ps->p - s));
		} else if (tp_is_ident_start(*ps->p)) {
			const char *s = ps->p;
			while (ps->p < ps->end && tp_is_ident_char(*ps->p))
				ps->p++;
			name = xstrndup(s, (size_t)(ps->p - s));
		} else {
			tp_fail(ps, "expected a field name, found '%c'", *ps->p);
			return;
		}
		tp_skip_space(ps);
		bool colon = false;
		if (ps->p < ps->end && *ps->p == ':') {
			colon = true;
			ps->p++;
			tp_skip_space(ps);
		}
		if (colon && ps->p < ps->end && *ps->p == '[') {
			/* A list: every element becomes a field with this name. */
			ps->p++;
			tp_skip_space(ps);
			if (ps->p < ps->end && *ps->p == ']') {
				ps->p++;
			} else {
				for (;;) {
					tp_read_value(ps, msg, name, line, true);
					tp_skip_space(ps);
					if (ps->failed)
						break;
					if (ps->p < ps->end && *ps->p == ',') {
						ps->p++;
						tp_skip_space(ps);
						continue;
					}
					if (ps->p < ps->end && *ps->p == ']') {
						ps->p++;
						break;
					}
					tp_fail(ps, "expected ',' or ']' in the list of field '%s'", name);
					break;
				}
			}
		} else {
			tp_read_value(ps, msg, name, line, colon);
		}
		free(name);
		if (ps->failed)
			return;
		tp_skip_space(ps);
		if (ps->p < ps->end && (*ps->p == ',' || *ps->p == ';'))
			ps->p++;
	}
}

struct tp_node *
tp_parse(const char *text, size_t len, const char *file, char *err, size_t errlen)
{
	struct tp_parser ps = {
		.p = text, .end = text + len, .file = file, .line = 1, .err = err, .errlen = errlen,
	};
	struct tp_node *root = tp_node_new(NULL, 1, TP_MESSAGE);

	if (err && errlen)
		err[0] = '\0';
	tp_read_fields(&ps, root, '\0');
	if (!ps.failed && ps.p < ps.end)
		tp_fail(&ps, "unexpected '%c'", *ps.p);
	if (ps.failed) {
		tp_free(root);
		return NULL;
	}
	return root;
}

struct tp_node *
tp_parse_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct mdg_buf b;
	char chunk[65536];
	size_t k;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	mdg_buf_init(&b, 0);
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		(void)mdg_buf_append(&b, chunk, k);
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "%s: read error", path);
		mdg_buf_free(&b);
		return NULL;
	}
	struct tp_node *root = tp_parse(b.data ? b.data : "", b.len, path, err, errlen);
	mdg_buf_free(&b);
	return root;
}

const struct tp_node *
tp_next(const struct tp_node *n, const char *name, const struct tp_node *prev)
{
	size_t i = 0;

	if (!n || n->kind != TP_MESSAGE)
		return NULL;
	if (prev) {
		while (i < n->nchildren && n->children[i] != prev)
			i++;
		i++;
	}
	for (; i < n->nchildren; i++)
		if (n->children[i]->name && strcmp(n->children[i]->name, name) == 0)
			return n->children[i];
	return NULL;
}

const struct tp_node *
tp_child(const struct tp_node *n, const char *name)
{
	return tp_next(n, name, NULL);
}

const char *
tp_child_str(const struct tp_node *n, const char *name)
{
	const struct tp_node *c = tp_child(n, name);
	return c && c->kind == TP_STRING ? c->text : NULL;
}

/* Parse an integer literal (decimal, 0x hex, 0 octal) with an optional '-'. */
static bool
tp_parse_integer(const char *s, bool *neg, uint64_t *mag)
{
	int base = 10;

	*neg = false;
	if (*s == '-') {
		*neg = true;
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && s[1] != '\0') {
		base = 8;
		s++;
	}
	if (!*s || !isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	char *e;
	unsigned long long v = strtoull(s, &e, base);
	if (errno || *e)
		return false;
	*mag = v;
	return true;
}

bool
tp_get_int(const struct tp_node *n, int64_t *out)
{
	bool neg;
	uint64_t mag;

	if (!n || n->kind != TP_NUMBER || !tp_parse_integer(n->text, &neg, &mag))
		return false;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return false;
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return false;
		*out = (int64_t)mag;
	}
	return true;
}

bool
tp_get_uint(const struct tp_node *n, uint64_t *out)
{
	bool neg;
	uint64_t mag;

	if (!n || n->kind != TP_NUMBER || !tp_parse_integer(n->text, &neg, &mag) || neg)
		return false;
	*out = mag;
	return true;
}

bool
tp_get_double(const struct tp_node *n, double *out)
{
	if (!n)
		return false;
	if (n->kind == TP_NUMBER || n->kind == TP_IDENT) {
		const char *s = n->text;
		bool neg = *s == '-';
		const char *m = neg ? s + 1 : s;
		if (tp_ident_is(m, strlen(m), "inf") || tp_ident_is(m, strlen(m), "infinity")) {
			*out = neg ? -INFINITY : INFINITY;
			return true;
		}
		if (tp_ident_is(m, strlen(m), "nan")) {
			*out = NAN;
			return true;
		}
		if (n->kind == TP_IDENT)
			return false;
		/* Integers (also hex) are valid double values. */
		int64_t i;
		if (tp_get_int(n, &i)) {
			*out = (double)i;
			return true;
		}
		errno = 0;
		char *e;
		double d = strtod(s, &e);
		if (*e == 'f' || *e == 'F')
			e++;
		if (*e)
			return false;
		*out = d;
		return true;
	}
	return false;
}

bool
tp_get_bool(const struct tp_node *n, bool *out)
{
	if (!n)
		return false;
	if (n->kind == TP_IDENT) {
		if (!strcmp(n->text, "true") || !strcmp(n->text, "True") || !strcmp(n->text, "t")) {
			*out = true;
			return true;
		}
		if (!strcmp(n->text, "false") || !strcmp(n->text, "False") || !strcmp(n->text, "f")) {
			*out = false;
			return true;
		}
		return false;
	}
	if (n->kind == TP_NUMBER && (!strcmp(n->text, "0") || !strcmp(n->text, "1"))) {
		*out = n->text[0] == '1';
		return true;
	}
	return false;
}
