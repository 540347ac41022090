/*
 * cel-lex.c - CEL's lexical grammar (cel-spec doc/langdef.md, "Syntax"):
 * identifiers and reserved words, int, uint and double literals, quoted,
 * triple-quoted, raw and bytes string literals with every escape, the
 * operators, comments and white space.  It also maps a byte offset of the
 * expression to a line and column of the rules file for located errors.
 *
 * A malformed literal value (a bad escape, an integer out of range) is
 * reported and the token is still returned with its kind, so that parsing
 * goes on; anything that breaks the token structure is a CEL_TK_ERROR token.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "cel-int.h"

/* ------------------------------------------------------------ locations */

/* Characters (UTF-8 code points) in text[from, to). */
static long
nchars(const char *text, size_t from, size_t to)
{
	long n = 0;

	for (; from < to; from++)
		if (((unsigned char)text[from] & 0xC0) != 0x80)
			n++;
	return n;
}

void
cel_report_at(struct cel_report *r, const char *code, size_t off, size_t len, const char *fmt,
	      ...)
{
	struct mdg_diag t;
	va_list ap;
	size_t i, line_start = 0, end;
	long nl = 0;

	if (++r->nerrors > CEL_REPORT_MAX || r->d == NULL)
		return;
	if (off > r->len)
		off = r->len;
	memset(&t, 0, sizeof(t));
	t.severity = MDG_SEV_ERROR;
	t.code = code;
	t.span = 1;
	if (r->src != NULL && !r->src->exact) {
		t.file = (char *)r->src->file;
		t.line = r->src->line;
		t.col = r->src->col;
	} else {
		for (i = 0; i < off; i++)
			if (r->text[i] == '\n') {
				nl++;
				line_start = i + 1;
			}
		t.file = r->src ? (char *)r->src->file : NULL;
		t.line = (r->src ? r->src->line : 1) + nl;
		t.col = (r->src ? r->src->col : 1) + nchars(r->text, line_start, off);
		end = off + len <= r->len ? off + len : r->len;
		for (i = off; i < end; i++)
			if (r->text[i] == '\n' || r->text[i] == '\r')
				break;
		if (nchars(r->text, off, i) > 1)
			t.span = nchars(r->text, off, i);
	}
	va_start(ap, fmt);
	t.message = xvasprintf(fmt, ap);
	va_end(ap);
	mdg_diag_add(r->d, &t);
	free(t.message);
}

/* ---------------------------------------------------------------- lexer */

void
cel_lex_init(struct cel_lexer *lx, const char *text, size_t len, struct mdg_arena *arena,
	     struct cel_report *rep)
{
	lx->text = text;
	lx->len = len;
	lx->pos = 0;
	lx->arena = arena;
	lx->rep = rep;
	lx->quiet = false;
}

#define lex_error(lx, off, len, ...)                                                   \
	do {                                                                           \
		if (!(lx)->quiet)                                                      \
			cel_report_at((lx)->rep, "cel.syntax", (off), (len), __VA_ARGS__); \
	} while (0)

struct cel_string *
cel_lit_string(struct mdg_arena *a, const char *data, size_t len, size_t n)
{
	struct cel_string *s;
	size_t size;

	if (!mdg_size_add(sizeof(*s) + 1, len, &size))
		size = SIZE_MAX;  /* the arena reports it and exits */
	s = mdg_arena_alloc(a, size);
	s->len = len;
	s->nchars = n;
	if (len > 0)
		memcpy(s->data, data, len);
	s->data[len] = '\0';
	return s;
}

static bool
is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident_char(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const struct {
	const char *word;
	enum cel_tok kind;
} keywords[] = {
	{"true", CEL_TK_TRUE}, {"false", CEL_TK_FALSE}, {"null", CEL_TK_NULL}, {"in", CEL_TK_IN},
	{"as", CEL_TK_RESERVED}, {"break", CEL_TK_RESERVED}, {"const", CEL_TK_RESERVED},
	{"continue", CEL_TK_RESERVED}, {"else", CEL_TK_RESERVED}, {"for", CEL_TK_RESERVED},
	{"function", CEL_TK_RESERVED}, {"if", CEL_TK_RESERVED}, {"import", CEL_TK_RESERVED},
	{"let", CEL_TK_RESERVED}, {"loop", CEL_TK_RESERVED}, {"package", CEL_TK_RESERVED},
	{"namespace", CEL_TK_RESERVED}, {"return", CEL_TK_RESERVED}, {"var", CEL_TK_RESERVED},
	{"void", CEL_TK_RESERVED}, {"while", CEL_TK_RESERVED},
};

static enum cel_tok
ident_kind(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, s, n) == 0)
			return keywords[i].kind;
	return CEL_TK_IDENT;
}

/* The character a one-letter escape such as \\n stands for, or -1. */
static int
simple_escape(int c)
{
	static const char from[] = "abfnrtv\\?\"'`";
	static const char to[] = "\a\b\f\n\r\t\v\\?\"'`";
	const char *p;

	if (c == '\0' || (p = strchr(from, c)) == NULL)
		return -1;
	return (unsigned char)to[p - from];
}

/* Append code point cp as UTF-8. */
static void
put_utf8(struct mdg_buf *b, uint32_t cp)
{
	utf8proc_uint8_t tmp[4];
	utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)cp, tmp);

	(void)mdg_buf_append(b, tmp, (size_t)n);
}

/*
 * A string or bytes literal whose opening quote is at text[q]; start is
 * where the token starts (at its r/b prefix).  Escapes are decoded unless
 * raw.  In a string, \x and octal escapes are code points; in bytes they
 * are octets, and \u and \U are not allowed.
 */
static void
lex_string(struct cel_lexer *lx, struct cel_token *t, size_t start, size_t q, bool raw,
	   bool bytes)
{
	const char *s = lx->text;
	char quote = s[q];
	bool triple = q + 2 < lx->len && s[q + 1] == quote && s[q + 2] == quote;
	size_t i = q + (triple ? 3 : 1), n = 0, esc, k, eol;
	struct mdg_buf b;
	bool bad_utf8 = false;
	uint32_t cp;
	utf8proc_int32_t uc;
	int digits, v;

	mdg_buf_init(&b, 0);
	t->kind = bytes ? CEL_TK_BYTES : CEL_TK_STRING;
	for (;;) {
		if (i >= lx->len || (!triple && (s[i] == '\n' || s[i] == '\r'))) {
			for (eol = start; eol < lx->len && s[eol] != '\n' && s[eol] != '\r'; eol++)
				;
			lex_error(lx, start, eol - start, "unterminated %s literal",
				  bytes ? "bytes" : "string");
			t->kind = CEL_TK_ERROR;
			lx->pos = lx->len;  /* whatever follows is inside the literal */
			mdg_buf_free(&b);
			return;
		}
		if (s[i] == quote && (!triple || (i + 2 < lx->len && s[i + 1] == quote &&
						  s[i + 2] == quote))) {
			i += triple ? 3 : 1;
			break;
		}
		if (s[i] == '\\' && !raw) {
			esc = i;
			if (i + 1 >= lx->len || (!triple && (s[i + 1] == '\n' || s[i + 1] == '\r'))) {
				i++;
				continue;  /* unterminated, reported above */
			}
			i += 2;
			if ((v = simple_escape((unsigned char)s[esc + 1])) >= 0) {
				(void)mdg_buf_putc(&b, (char)v);
				n++;
				continue;
			}
			switch (s[esc + 1]) {
			case 'x':
			case 'X':
				digits = 2;
				break;
			case 'u':
				digits = 4;
				break;
			case 'U':
				digits = 8;
				break;
			case '0':
			case '1':
			case '2':
			case '3':
			case '4':
			case '5':
			case '6':
			case '7':
				if (s[esc + 1] <= '3' && esc + 3 < lx->len && s[esc + 2] >= '0' &&
				    s[esc + 2] <= '7' &&
				    s[esc + 3] >= '0' && s[esc + 3] <= '7') {
					cp = (uint32_t)((s[esc + 1] - '0') * 64 + (s[esc + 2] - '0') * 8 +
							(s[esc + 3] - '0'));
					i = esc + 4;
					if (bytes)
						(void)mdg_buf_putc(&b, (char)cp);
					else
						put_utf8(&b, cp);
					n++;
					continue;
				}
				lex_error(lx, esc, 2,
					  "octal escape needs 3 octal digits (\\000 to \\377)");
				t->bad = true;
				continue;
			default:
				k = (size_t)utf8proc_iterate((const utf8proc_uint8_t *)s + esc + 1,
							     (utf8proc_ssize_t)(lx->len - esc - 1), &uc);
				if ((utf8proc_ssize_t)k <= 0)
					k = 1;
				lex_error(lx, esc, 1 + k, "invalid escape sequence '\\%.*s'", (int)k,
					  s + esc + 1);
				i = esc + 1 + k;
				t->bad = true;
				continue;
			}
			/* \x, \u, \U: a fixed number of hexadecimal digits. */
			cp = 0;
			for (k = 0; k < (size_t)digits; k++) {
				if (esc + 2 + k >= lx->len || (v = hexval(s[esc + 2 + k])) < 0)
					break;
				cp = cp * 16 + (uint32_t)v;
			}
			if (k < (size_t)digits) {
				lex_error(lx, esc, 2 + k, "\\%c escape needs %d hexadecimal digits",
					  s[esc + 1], digits);
				i = esc + 2 + k;
				t->bad = true;
				continue;
			}
			i = esc + 2 + (size_t)digits;
			if (bytes && digits > 2) {
				lex_error(lx, esc, i - esc,
					  "\\%c escapes are not allowed in bytes literals", s[esc + 1]);
				t->bad = true;
				continue;
			}
			if (cp >= 0xD800 && cp <= 0xDFFF) {
				lex_error(lx, esc, i - esc,
					  "\\%c%.*s is a surrogate code point, not a character", s[esc + 1],
					  digits, s + esc + 2);
				t->bad = true;
				continue;
			}
			if (cp > 0x10FFFF) {
				lex_error(lx, esc, i - esc, "\\U%.8s is beyond the last code point U+10FFFF",
					  s + esc + 2);
				t->bad = true;
				continue;
			}
			if (bytes)
				(void)mdg_buf_putc(&b, (char)cp);
			else
				put_utf8(&b, cp);
			n++;
			continue;
		}
		/* A character as written: it must be UTF-8. */
		k = (size_t)utf8proc_iterate((const utf8proc_uint8_t *)s + i,
					     (utf8proc_ssize_t)(lx->len - i), &uc);
		if ((utf8proc_ssize_t)k <= 0) {
			if (!bad_utf8)
				lex_error(lx, i, 1, "invalid UTF-8 in %s literal",
					  bytes ? "bytes" : "string");
			bad_utf8 = true;
			t->bad = true;
			i++;
			continue;
		}
		(void)mdg_buf_append(&b, s + i, k);
		i += k;
		n++;
	}
	lx->pos = i;
	t->len = (uint32_t)(i - start);
	t->s = cel_lit_string(lx->arena, b.data ? b.data : "", b.len, bytes ? b.len : n);
	mdg_buf_free(&b);
}

/* A number at lx->pos (a digit, or '.' followed by a digit). */
static void
lex_number(struct cel_lexer *lx, struct cel_token *t)
{
	const char *s = lx->text;
	size_t i = lx->pos, start = lx->pos, end;
	bool isdouble = false, overflow = false;
	uint64_t u = 0;
	int v;
	char *copy;

	if (s[i] == '0' && i + 1 < lx->len && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		i += 2;
		if (i >= lx->len || hexval(s[i]) < 0) {
			lex_error(lx, start, 2, "hexadecimal literal needs digits after 0x");
			t->kind = CEL_TK_ERROR;
			lx->pos = i;
			t->len = (uint32_t)(i - start);
			return;
		}
		for (; i < lx->len && (v = hexval(s[i])) >= 0; i++) {
			if (u > (UINT64_MAX >> 4))
				overflow = true;
			u = u * 16 + (uint64_t)v;
		}
	} else {
		for (; i < lx->len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (u > UINT64_MAX / 10 || u * 10 > UINT64_MAX - (uint64_t)(s[i] - '0'))
				overflow = true;
			u = u * 10 + (uint64_t)(s[i] - '0');
		}
		if (i + 1 < lx->len && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
			isdouble = true;
			for (i++; i < lx->len && s[i] >= '0' && s[i] <= '9'; i++)
				;
		} else if (i < lx->len && s[i] == '.' &&
			   (i + 1 >= lx->len || !is_ident_start(s[i + 1]))) {
			/* "1." : langdef wants digits after the point. */
			lex_error(lx, start, i + 1 - start,
				  "a double needs a digit after the decimal point: write %.*s.0",
				  (int)(i - start), s + start);
			t->kind = CEL_TK_ERROR;
			lx->pos = i + 1;
			t->len = (uint32_t)(i + 1 - start);
			return;
		}
		if (i < lx->len && (s[i] == 'e' || s[i] == 'E')) {
			end = i + 1;
			if (end < lx->len && (s[end] == '+' || s[end] == '-'))
				end++;
			if (end < lx->len && s[end] >= '0' && s[end] <= '9') {
				isdouble = true;
				for (i = end; i < lx->len && s[i] >= '0' && s[i] <= '9'; i++)
					;
			}
		}
	}
	if (!isdouble && i < lx->len && (s[i] == 'u' || s[i] == 'U')) {
		t->kind = CEL_TK_UINT;
		i++;
	} else {
		t->kind = isdouble ? CEL_TK_DOUBLE : CEL_TK_INT;
	}
	if (i < lx->len && (is_ident_char(s[i]) || (s[i] == '.' && t->kind == CEL_TK_DOUBLE &&
						     i + 1 < lx->len && s[i + 1] >= '0' &&
						     s[i + 1] <= '9'))) {
		for (end = i; end < lx->len && (is_ident_char(s[end]) || s[end] == '.'); end++)
			;
		lex_error(lx, start, end - start, "invalid number '%.*s'", (int)(end - start),
			  s + start);
		t->kind = CEL_TK_ERROR;
		lx->pos = end;
		t->len = (uint32_t)(end - start);
		return;
	}
	lx->pos = i;
	t->len = (uint32_t)(i - start);
	if (t->kind == CEL_TK_DOUBLE) {
		copy = xstrndup(s + start, i - start);
		errno = 0;
		t->d = strtod(copy, NULL);
		free(copy);
		if (isinf(t->d)) {
			lex_error(lx, start, i - start, "double literal %.*s is out of range",
				  (int)(i - start), s + start);
			t->bad = true;
			t->d = 0;
		}
		return;
	}
	if (overflow) {
		lex_error(lx, start, i - start, "integer literal %.*s is out of range for %s (64-bit)",
			  (int)(i - start), s + start, t->kind == CEL_TK_UINT ? "uint" : "int");
		t->bad = true;
		u = 0;
	}
	t->u = u;
}

/* `name`: a field name that is no identifier (letters, digits, _ . - / and space). */
static void
lex_quoted_ident(struct cel_lexer *lx, struct cel_token *t)
{
	const char *s = lx->text;
	size_t start = lx->pos, i;

	for (i = start + 1; i < lx->len && (is_ident_char((unsigned char)s[i]) || s[i] == '.' ||
					    s[i] == '-' || s[i] == '/' || s[i] == ' ');
	     i++)
		;
	if (i >= lx->len || s[i] != '`' || i == start + 1) {
		lex_error(lx, start, i - start + (i < lx->len),
			  i < lx->len && s[i] == '`'
				  ? "empty quoted name"
				  : "a quoted name holds letters, digits, _ . - / and spaces, "
				    "and ends with `");
		t->kind = CEL_TK_ERROR;
		lx->pos = i < lx->len ? i + 1 : i;
		t->len = (uint32_t)(lx->pos - start);
		return;
	}
	t->kind = CEL_TK_QIDENT;
	lx->pos = i + 1;
	t->len = (uint32_t)(lx->pos - start);
}

void
cel_lex_next(struct cel_lexer *lx, struct cel_token *t)
{
	const char *s = lx->text;
	size_t i, start;
	int c, c1;
	utf8proc_int32_t cp;
	utf8proc_ssize_t k;

	memset(t, 0, sizeof(*t));
	/* White space ([\t\n\f\r ]) and comments. */
	for (;;) {
		while (lx->pos < lx->len && (s[lx->pos] == ' ' || s[lx->pos] == '\t' ||
					     s[lx->pos] == '\n' || s[lx->pos] == '\r' ||
					     s[lx->pos] == '\f'))
			lx->pos++;
		if (lx->pos + 1 < lx->len && s[lx->pos] == '/' && s[lx->pos + 1] == '/') {
			while (lx->pos < lx->len && s[lx->pos] != '\n' && s[lx->pos] != '\r')
				lx->pos++;
			continue;
		}
		break;
	}
	start = lx->pos;
	t->offset = (uint32_t)start;
	t->len = 1;
	if (start >= lx->len) {
		t->kind = CEL_TK_EOF;
		t->len = 0;
		return;
	}
	c = (unsigned char)s[start];
	c1 = start + 1 < lx->len ? (unsigned char)s[start + 1] : -1;

	/* String and bytes literals with their prefixes. */
	if (c == '"' || c == '\'') {
		lex_string(lx, t, start, start, false, false);
		return;
	}
	if ((c == 'r' || c == 'R') && (c1 == '"' || c1 == '\'')) {
		lex_string(lx, t, start, start + 1, true, false);
		return;
	}
	if ((c == 'b' || c == 'B') && (c1 == '"' || c1 == '\'')) {
		lex_string(lx, t, start, start + 1, false, true);
		return;
	}
	if ((c == 'b' || c == 'B') && (c1 == 'r' || c1 == 'R') && start + 2 < lx->len &&
	    (s[start + 2] == '"' || s[start + 2] == '\'')) {
		lex_string(lx, t, start, start + 2, true, true);
		return;
	}
	if (is_ident_start(c)) {
		for (i = start + 1; i < lx->len && is_ident_char((unsigned char)s[i]); i++)
			;
		t->kind = ident_kind(s + start, i - start);
		t->len = (uint32_t)(i - start);
		lx->pos = i;
		return;
	}
	if ((c >= '0' && c <= '9') || (c == '.' && c1 >= '0' && c1 <= '9')) {
		lex_number(lx, t);
		return;
	}
	if (c == '`') {
		lex_quoted_ident(lx, t);
		return;
	}

	lx->pos = start + 1;
	switch (c) {
	case '!':
		if (c1 == '=') {
			t->kind = CEL_TK_NE;
			break;
		}
		t->kind = CEL_TK_NOT;
		return;
	case '=':
		if (c1 == '=') {
			t->kind = CEL_TK_EQ;
			break;
		}
		lex_error(lx, start, 1, "unexpected character '=' (did you mean '=='?)");
		t->kind = CEL_TK_ERROR;
		return;
	case '<':
		if (c1 == '=') {
			t->kind = CEL_TK_LE;
			break;
		}
		t->kind = CEL_TK_LT;
		return;
	case '>':
		if (c1 == '=') {
			t->kind = CEL_TK_GE;
			break;
		}
		t->kind = CEL_TK_GT;
		return;
	case '&':
		if (c1 == '&') {
			t->kind = CEL_TK_AND;
			break;
		}
		lex_error(lx, start, 1, "unexpected character '&' (did you mean '&&'?)");
		t->kind = CEL_TK_ERROR;
		return;
	case '|':
		if (c1 == '|') {
			t->kind = CEL_TK_OR;
			break;
		}
		lex_error(lx, start, 1, "unexpected character '|' (did you mean '||'?)");
		t->kind = CEL_TK_ERROR;
		return;
	case '-': t->kind = CEL_TK_MINUS; return;
	case '+': t->kind = CEL_TK_PLUS; return;
	case '*': t->kind = CEL_TK_STAR; return;
	case '/': t->kind = CEL_TK_SLASH; return;
	case '%': t->kind = CEL_TK_PERCENT; return;
	case '?': t->kind = CEL_TK_QUESTION; return;
	case ':': t->kind = CEL_TK_COLON; return;
	case '.': t->kind = CEL_TK_DOT; return;
	case ',': t->kind = CEL_TK_COMMA; return;
	case '[': t->kind = CEL_TK_LBRACKET; return;
	case ']': t->kind = CEL_TK_RBRACKET; return;
	case '{': t->kind = CEL_TK_LBRACE; return;
	case '}': t->kind = CEL_TK_RBRACE; return;
	case '(': t->kind = CEL_TK_LPAREN; return;
	case ')': t->kind = CEL_TK_RPAREN; return;
	default:
		t->kind = CEL_TK_ERROR;
		k = utf8proc_iterate((const utf8proc_uint8_t *)s + start,
				     (utf8proc_ssize_t)(lx->len - start), &cp);
		if (k <= 0) {
			lex_error(lx, start, 1, "invalid UTF-8 in the expression");
			return;
		}
		lx->pos = start + (size_t)k;
		t->len = (uint32_t)k;
		if (cp == 0x2018 || cp == 0x2019 || cp == 0x201C || cp == 0x201D)
			lex_error(lx, start, (size_t)k,
				  "unexpected character '%.*s' (strings take straight quotes: ' or \")",
				  (int)k, s + start);
		else if (cp > 0x20 && cp != 0x7F && (cp < 0x80 || cp >= 0xA0))
			lex_error(lx, start, (size_t)k, "unexpected character '%.*s'", (int)k,
				  s + start);
		else
			lex_error(lx, start, (size_t)k, "unexpected character U+%04X",
				  (unsigned)cp);
		return;
	}
	/* Two-character operators. */
	lx->pos = start + 2;
	t->len = 2;
}
