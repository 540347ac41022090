/*
 * conformance.c - runs Google's CEL conformance vectors (../shared/cel-spec)
 * against mdgate's CEL engine: each test is compiled and evaluated and its
 * value (types compared exactly, NaN equal to NaN) or error checked; a test
 * needing a feature outside the subset (doc/cel.md) is counted as out of
 * subset, by feature.  Each test runs in a child process, so a crash fails
 * one test only.  Exit: 0 when every in-subset test of the target files
 * passed, 1 otherwise, 2 on usage or read errors, 77 (SKIP) without vectors.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cel-builtins.h"
#include "cel.h"
#include "diag.h"
#include "textproto.h"
#include "util.h"

#define SKIP_STATUS 77
#define TEST_TIMEOUT 30 /* seconds a test may run in its child */

/* The files whose in-subset tests must all pass; the others are reported only. */
static const char *const target_files[] = {
	"basic", "logic", "comparisons", "string", "string_ext", "lists", "macros",
	"integer_math", "fp_math", "conversions", "parse", NULL,
};

/*
 * Functions of CEL's extension libraries: a test calling one that is not in
 * cel_builtins[] is out of the subset (doc/cel.md lists the functions we
 * have).  Standard functions (size, contains, matches, int, ...) are not
 * here: a missing one is a failure.
 */
static const char *const ext_functions[] = {
	"charAt", "indexOf", "lastIndexOf", "lowerAscii", "upperAscii", "replace", "split",
	"substring", "trim", "join", "quote", "format", "reverse", NULL,
};

/* -------------------------------------------------------------- options */

struct options {
	const char *dir;
	bool verbose;
	bool list_failures;
	bool list_out;
	bool fork;
	bool checked;      /* a disable_check test the checker rejects is out of subset */
	const char *pattern;
};

static struct options opt = { .fork = true };

/* ------------------------------------------------------------- outcomes */

enum outcome {
	OUT_PASS = 'P',       /* the expected value or an error */
	OUT_PASS_EARLY = 'E', /* an error expected at run time was found at compile time */
	OUT_FAIL = 'F',
	OUT_SUBSET = 'O',     /* needs a feature outside the subset */
};

/* What one test produced; the child sends it to the parent through a pipe. */
struct result {
	enum outcome outcome;
	char *category;   /* OUT_FAIL: the cause; OUT_SUBSET: the feature */
	char *detail;     /* expr, expected and got, for --verbose */
	char *note;       /* e.g. an error text that differs from the vector's */
};

static void
result_set(struct result *r, enum outcome o, const char *category, const char *fmt, ...)
	MDG_PRINTF(4, 5);

static void
result_set(struct result *r, enum outcome o, const char *category, const char *fmt, ...)
{
	va_list ap;

	r->outcome = o;
	free(r->category);
	r->category = xstrdup(category ? category : "");
	free(r->detail);
	r->detail = NULL;
	if (fmt) {
		va_start(ap, fmt);
		r->detail = xvasprintf(fmt, ap);
		va_end(ap);
	}
}

static void
result_free(struct result *r)
{
	free(r->category);
	free(r->detail);
	free(r->note);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------ statistics */

struct count {
	char *name;
	size_t n;
};

struct counts {
	struct count *v;
	size_t n;
};

static void
counts_add(struct counts *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0) {
			c->v[i].n++;
			return;
		}
	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	c->v[c->n].name = xstrdup(name);
	c->v[c->n].n = 1;
	c->n++;
}

static int
count_cmp(const void *a, const void *b)
{
	const struct count *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void
counts_free(struct counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

struct failure {
	char *where;      /* file/section/test */
	char *cause;
	char *detail;
	bool target;
};

static struct failure *failures;
static size_t nfailures;

static void
failure_add(const char *where, const char *cause, const char *detail, bool target)
{
	failures = xreallocarray(failures, nfailures + 1, sizeof(*failures));
	failures[nfailures].where = xstrdup(where);
	failures[nfailures].cause = xstrdup(cause);
	failures[nfailures].detail = detail ? xstrdup(detail) : NULL;
	failures[nfailures].target = target;
	nfailures++;
}

/* ------------------------------------------------------------- helpers */

static bool
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return true;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/* A value as JSON in a malloc'd string. */
static char *
value_json(const struct cel_value *v)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		return xstrdup("?");
	cel_value_json(v, f);
	fclose(f);
	return s;
}

/* Text made printable for a one-line report (control bytes escaped). */
static char *
printable(const char *s, size_t len)
{
	struct mdg_buf b;
	mdg_buf_init(&b, 0);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			(void)mdg_buf_append(&b, "\\n", 2);
		else if (c < 0x20 || c == 0x7f)
			(void)mdg_buf_printf(&b, "\\x%02x", c);
		else
			(void)mdg_buf_putc(&b, (char)c);
	}
	char *r = xstrdup(b.data ? b.data : "");
	mdg_buf_free(&b);
	return r;
}

/* ---------------------------------------------- static feature detection */

/* The features outside the subset that a test needs. */
struct features {
	const char *why;   /* the first one found, NULL: none */
	char buf[160];
};

static void
feature(struct features *f, const char *why)
{
	if (!f->why) {
		snprintf(f->buf, sizeof(f->buf), "%s", why);
		f->why = f->buf;
	}
}

static bool
is_ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool
is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool
is_ext_function(const char *name)
{
	for (size_t i = 0; ext_functions[i]; i++)
		if (strcmp(ext_functions[i], name) == 0)
			return true;
	return false;
}

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end) {
		if (isspace((unsigned char)*p))
			p++;
		else if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
			while (p < end && *p != '\n')
				p++;
		} else
			break;
	}
	return p;
}

/* Past the string literal whose opening quote is at p (single or triple quoted). */
static const char *
skip_string(const char *p, const char *end, bool raw)
{
	char q = *p;
	bool triple = end - p >= 3 && p[1] == q && p[2] == q;

	p += triple ? 3 : 1;
	while (p < end) {
		if (!raw && *p == '\\' && end - p >= 2) {
			p += 2;
			continue;
		}
		if (*p == q && (!triple || (end - p >= 3 && p[1] == q && p[2] == q)))
			return p + (triple ? 3 : 1);
		p++;
	}
	return end;
}

/*
 * Scan a CEL expression token by token (strings and comments skipped) for
 * features outside the subset: uint and bytes literals, message
 * construction, optional syntax, timestamps and durations, extension
 * functions missing from our table.
 */
static void
scan_expr(const char *s, size_t len, struct features *f)
{
	const char *p = s, *end = s + len;
	char prev = 0;            /* the previous punctuation, 0 after an operand */
	char prev_ident[64] = ""; /* the previous identifier when it was the last token */

	while (p < end) {
		p = skip_space(p, end);
		if (p >= end)
			break;
		char c = *p;

		/* Identifiers, and string prefixes r, b, br, rb in either case. */
		if (is_ident_start(c)) {
			const char *st = p;
			while (p < end && is_ident_char(*p))
				p++;
			size_t n = (size_t)(p - st);
			if (n <= 2 && p < end && (*p == '"' || *p == '\'')) {
				bool raw = false, bytes = false, ok = true;
				for (size_t i = 0; i < n; i++) {
					if (st[i] == 'r' || st[i] == 'R')
						raw = true;
					else if (st[i] == 'b' || st[i] == 'B')
						bytes = true;
					else
						ok = false;
				}
				if (ok) {
					if (bytes)
						feature(f, "bytes");
					p = skip_string(p, end, raw);
					prev = 0;
					prev_ident[0] = '\0';
					continue;
				}
			}
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), st);
			bool receiver = prev == '.';
			const char *q = skip_space(p, end);
			if (q < end && *q == '(') {
				if (!strcmp(name, "timestamp") || !strcmp(name, "duration")) {
					feature(f, "timestamp/duration");
				} else if (!strcmp(name, "uint") && !receiver) {
					feature(f, "uint");
				} else if (!strcmp(name, "bytes") && !receiver) {
					feature(f, "bytes");
				} else if (receiver && !strcmp(prev_ident, "strings")) {
					/* A namespaced function such as strings.quote(). */
					char full[140];
					snprintf(full, sizeof(full), "strings.%s", name);
					if (!cel_builtin_exists(full, false)) {
						char why[160];
						snprintf(why, sizeof(why), "function %s()", full);
						feature(f, why);
					}
				} else if (receiver && !strcmp(prev_ident, "optional")) {
					feature(f, "optional");
				} else if (is_ext_function(name) && !cel_builtin_exists(name, true) &&
					   !cel_builtin_exists(name, false)) {
					char why[96];
					snprintf(why, sizeof(why), "function %s()", name);
					feature(f, why);
				}
			} else if (q < end && *q == '{' && strcmp(name, "in") != 0) {
				feature(f, "protobuf messages");
			}
			if (!receiver && !strcmp(name, "google"))
				feature(f, "protobuf messages");
			if (!strcmp(name, "optional"))
				feature(f, "optional");
			snprintf(prev_ident, sizeof(prev_ident), "%s", name);
			prev = 0;
			continue;
		}
		if (c == '"' || c == '\'') {
			p = skip_string(p, end, false);
			prev = 0;
			prev_ident[0] = '\0';
			continue;
		}
		if (isdigit((unsigned char)c) || (c == '.' && end - p > 1 && isdigit((unsigned char)p[1]))) {
			const char *st = p;
			bool hex = end - p > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
			if (hex)
				p += 2;
			while (p < end) {
				if (isalnum((unsigned char)*p) || *p == '.')
					p++;
				else if ((*p == '+' || *p == '-') && !hex && p > st &&
					 (p[-1] == 'e' || p[-1] == 'E'))
					p++;
				else
					break;
			}
			if (p[-1] == 'u' || p[-1] == 'U')
				feature(f, "uint");
			prev = 0;
			prev_ident[0] = '\0';
			continue;
		}
		if (c == '?') {
			const char *q = p + 1;
			if (q < end && (*q == '.' || *q == '[') && !(q + 1 < end && isdigit((unsigned char)q[1])))
				feature(f, "optional");
			if (prev == '[' || prev == '{' || prev == ',')
				feature(f, "optional");
		}
		/* After a dot the identifier before it is kept: strings.quote(). */
		if (c != '.')
			prev_ident[0] = '\0';
		prev = c;
		p++;
	}
}

/* ----------------------------------------------------- values from vectors */

/*
 * Convert a vector's value message ({ int64_value: 1 } etc.) into v, in a.
 * Returns NULL, or the feature outside the subset it needs, or "malformed".
 */
static const char *
tp_to_value(const struct tp_node *m, struct mdg_arena *a, struct cel_value *v)
{
	if (!m || m->kind != TP_MESSAGE || m->nchildren != 1)
		return "malformed";
	const struct tp_node *c = m->children[0];
	const char *k = c->name;

	if (!strcmp(k, "int64_value")) {
		int64_t i;
		if (!tp_get_int(c, &i))
			return "malformed";
		*v = cel_int(i);
	} else if (!strcmp(k, "double_value")) {
		double d;
		if (!tp_get_double(c, &d))
			return "malformed";
		*v = cel_double(d);
	} else if (!strcmp(k, "string_value")) {
		if (c->kind != TP_STRING)
			return "malformed";
		*v = cel_string(a, c->text, c->len);
	} else if (!strcmp(k, "bool_value")) {
		bool b;
		if (!tp_get_bool(c, &b))
			return "malformed";
		*v = cel_bool(b);
	} else if (!strcmp(k, "null_value")) {
		*v = cel_null();
	} else if (!strcmp(k, "list_value")) {
		size_t n = 0;
		for (const struct tp_node *e = tp_child(c, "values"); e; e = tp_next(c, "values", e))
			n++;
		struct cel_list *l = mdg_arena_alloc(a, sizeof(*l));
		l->n = n;
		l->items = n ? mdg_arena_alloc(a, n * sizeof(*l->items)) : NULL;
		size_t i = 0;
		for (const struct tp_node *e = tp_child(c, "values"); e; e = tp_next(c, "values", e)) {
			const char *why = tp_to_value(e, a, &l->items[i++]);
			if (why)
				return why;
		}
		v->type = CEL_T_LIST;
		v->u.list = l;
	} else if (!strcmp(k, "map_value")) {
		size_t n = 0;
		for (const struct tp_node *e = tp_child(c, "entries"); e; e = tp_next(c, "entries", e))
			n++;
		struct cel_map *mp = mdg_arena_alloc(a, sizeof(*mp));
		mp->n = n;
		mp->keys = n ? mdg_arena_alloc(a, n * sizeof(*mp->keys)) : NULL;
		mp->values = n ? mdg_arena_alloc(a, n * sizeof(*mp->values)) : NULL;
		size_t i = 0;
		for (const struct tp_node *e = tp_child(c, "entries"); e; e = tp_next(c, "entries", e)) {
			const char *why = tp_to_value(tp_child(e, "key"), a, &mp->keys[i]);
			if (!why)
				why = tp_to_value(tp_child(e, "value"), a, &mp->values[i]);
			if (why)
				return why;
			i++;
		}
		v->type = CEL_T_MAP;
		v->u.map = mp;
	} else if (!strcmp(k, "type_value")) {
		static const struct {
			const char *name;
			enum cel_type t;
			const char *why;
		} types[] = {
			{ "bool", CEL_T_BOOL, NULL },     { "int", CEL_T_INT, NULL },
			{ "double", CEL_T_DOUBLE, NULL }, { "string", CEL_T_STRING, NULL },
			{ "list", CEL_T_LIST, NULL },     { "map", CEL_T_MAP, NULL },
			{ "null_type", CEL_T_NULL, NULL }, { "type", CEL_T_TYPE, NULL },
			{ "uint", CEL_T_UINT, "uint" },   { "bytes", CEL_T_BYTES, "bytes" },
		};
		if (c->kind != TP_STRING)
			return "malformed";
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcmp(c->text, types[i].name)) {
				v->type = CEL_T_TYPE;
				v->u.t = types[i].t;
				return types[i].why;
			}
		return "protobuf messages";
	} else if (!strcmp(k, "uint64_value")) {
		return "uint";
	} else if (!strcmp(k, "bytes_value")) {
		return "bytes";
	} else if (!strcmp(k, "object_value")) {
		return "protobuf messages";
	} else if (!strcmp(k, "enum_value")) {
		return "protobuf messages";
	} else {
		return "malformed";
	}
	return NULL;
}

/* The type of a type_env declaration (ident { type { ... } }); *why when outside the subset. */
static enum cel_type
tp_to_type(const struct tp_node *t, const char **why)
{
	const struct tp_node *c;

	if (!t || t->kind != TP_MESSAGE)
		return CEL_T_DYN;
	if ((c = tp_child(t, "primitive"))) {
		const char *p = c->text ? c->text : "";
		if (!strcmp(p, "BOOL"))
			return CEL_T_BOOL;
		if (!strcmp(p, "INT64"))
			return CEL_T_INT;
		if (!strcmp(p, "DOUBLE"))
			return CEL_T_DOUBLE;
		if (!strcmp(p, "STRING"))
			return CEL_T_STRING;
		if (!strcmp(p, "UINT64")) {
			*why = "uint";
			return CEL_T_DYN;
		}
		if (!strcmp(p, "BYTES")) {
			*why = "bytes";
			return CEL_T_DYN;
		}
		return CEL_T_DYN;
	}
	if (tp_child(t, "list_type"))
		return CEL_T_LIST;
	if (tp_child(t, "map_type"))
		return CEL_T_MAP;
	if (tp_child(t, "null"))
		return CEL_T_NULL;
	if (tp_child(t, "type"))
		return CEL_T_TYPE;
	return CEL_T_DYN; /* dyn, message types, wrappers, well-known types */
}

/* Exact equality for the test: scalar types must agree, NaN equals NaN. */
static bool
same_value(const struct cel_value *want, const struct cel_value *got)
{
	if (want->type != got->type)
		return false;
	switch (want->type) {
	case CEL_T_NULL:
		return true;
	case CEL_T_BOOL:
		return want->u.b == got->u.b;
	case CEL_T_INT:
		return want->u.i == got->u.i;
	case CEL_T_DOUBLE:
		if (isnan(want->u.d))
			return isnan(got->u.d);
		return want->u.d == got->u.d;
	case CEL_T_STRING:
		return want->u.s->len == got->u.s->len &&
		       memcmp(want->u.s->data, got->u.s->data, want->u.s->len) == 0;
	case CEL_T_LIST:
		if (want->u.list->n != got->u.list->n)
			return false;
		for (size_t i = 0; i < want->u.list->n; i++)
			if (!same_value(&want->u.list->items[i], &got->u.list->items[i]))
				return false;
		return true;
	case CEL_T_MAP:
		if (want->u.map->n != got->u.map->n)
			return false;
		for (size_t i = 0; i < want->u.map->n; i++) {
			size_t j;
			for (j = 0; j < got->u.map->n; j++)
				if (same_value(&want->u.map->keys[i], &got->u.map->keys[j]))
					break;
			if (j == got->u.map->n ||
			    !same_value(&want->u.map->values[i], &got->u.map->values[j]))
				return false;
		}
		return true;
	case CEL_T_TYPE:
		return want->u.t == got->u.t;
	default:
		/* Errors and out-of-subset types are never "the same" here; cel_equal decides. */
		return cel_equal(want, got);
	}
}

/* The category of a cel.unsupported diagnostic: the feature its message names. */
static const char *
unsupported_category(const char *msg)
{
	static const struct {
		const char *word;
		const char *cat;
	} words[] = {
		{ "uint", "uint" },
		{ "bytes", "bytes" },
		{ "timestamp", "timestamp/duration" },
		{ "duration", "timestamp/duration" },
		{ "optional", "optional" },
		{ "message", "protobuf messages" },
		{ "struct", "protobuf messages" },
		{ "dyn", "dyn" },
		{ "qualified", "qualified identifiers" },
		{ "type", "type values" },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (contains_ci(msg, words[i].word))
			return words[i].cat;
	return "other unsupported";
}

/* --------------------------------------------------------- running a test */

struct test_info {
	const char *path;       /* the .textproto file */
	const char *file;       /* its base name without .textproto */
	const char *section;
	const char *name;
	const struct tp_node *t;
};

static const char *
first_error(const struct mdg_diags *d, const char **code)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == MDG_SEV_ERROR) {
			*code = d->v[i].code ? d->v[i].code : "";
			return d->v[i].message ? d->v[i].message : "";
		}
	*code = "";
	return d->n ? d->v[0].message : "(no diagnostic)";
}

/* Run one test in this process; the outcome goes into r. */
static void
run_test(const struct test_info *ti, struct result *r)
{
	const struct tp_node *t = ti->t;
	const struct tp_node *exprn = tp_child(t, "expr");
	struct features feat = { NULL, "" };
	struct mdg_arena arena;
	struct cel_env *env = NULL;
	struct cel_program *prog = NULL;
	struct cel_value *slots = NULL;
	struct mdg_diags diags;
	bool disable_check = false, b;
	const char *why;

	mdg_arena_init(&arena);
	mdg_diags_init(&diags);
	memset(r, 0, sizeof(*r));

	if (!exprn || exprn->kind != TP_STRING) {
		result_set(r, OUT_FAIL, "malformed vector", "no expr");
		goto done;
	}
	char *expr_p = printable(exprn->text, exprn->len);
	char *expr_show = xasprintf("expr: %s", expr_p);
	free(expr_p);
	if (tp_get_bool(tp_child(t, "disable_check"), &b))
		disable_check = b;

	/* Features outside the subset, seen without running anything. */
	if (tp_get_bool(tp_child(t, "check_only"), &b) && b)
		feature(&feat, "check_only");
	if (tp_get_bool(tp_child(t, "disable_macros"), &b) && b)
		feature(&feat, "disable_macros");
	if (tp_child_str(t, "container") && *tp_child_str(t, "container"))
		feature(&feat, "protobuf messages");
	if (tp_child(t, "unknown") || tp_child(t, "any_unknowns"))
		feature(&feat, "unknowns");
	scan_expr(exprn->text, exprn->len, &feat);

	/* The expected outcome. */
	const struct tp_node *wantn = tp_child(t, "value");
	const struct tp_node *errn = tp_child(t, "eval_error");
	if (!errn)
		errn = tp_child(t, "any_eval_errors");
	if (!wantn && tp_child(t, "typed_result"))
		wantn = tp_child(tp_child(t, "typed_result"), "result");
	struct cel_value want = cel_bool(true);
	if (wantn && (why = tp_to_value(wantn, &arena, &want)))
		feature(&feat, why);
	const char *want_msg = NULL;
	if (errn) {
		const struct tp_node *e = tp_child(errn, "errors");
		want_msg = e ? tp_child_str(e, "message") : NULL;
	}

	/* The environment: type_env declarations, then bindings not declared there. */
	env = cel_env_new();
	for (const struct tp_node *d = tp_child(t, "type_env"); d; d = tp_next(t, "type_env", d)) {
		const char *name = tp_child_str(d, "name");
		const struct tp_node *ident = tp_child(d, "ident");
		if (!name)
			continue;
		if (!ident) {
			feature(&feat, "function declarations");
			continue;
		}
		why = NULL;
		enum cel_type ty = tp_to_type(tp_child(ident, "type"), &why);
		if (why)
			feature(&feat, why);
		if (cel_env_find(env, name) >= 0)
			continue;
		if (cel_env_add_var(env, name, ty) < 0 || cel_env_find(env, name) < 0) {
			if (strchr(name, '.'))
				feature(&feat, "qualified identifiers");
		}
	}
	for (const struct tp_node *bd = tp_child(t, "bindings"); bd; bd = tp_next(t, "bindings", bd)) {
		const char *name = tp_child_str(bd, "key");
		if (!name || cel_env_find(env, name) >= 0)
			continue;
		if (cel_env_add_var(env, name, CEL_T_DYN) < 0 || cel_env_find(env, name) < 0) {
			if (strchr(name, '.'))
				feature(&feat, "qualified identifiers");
		}
	}
	size_t nslots = cel_env_nvars(env);
	slots = xcalloc(nslots ? nslots : 1, sizeof(*slots));
	for (size_t i = 0; i < nslots; i++)
		slots[i] = cel_error(&arena, "unbound variable");
	for (const struct tp_node *bd = tp_child(t, "bindings"); bd; bd = tp_next(t, "bindings", bd)) {
		const char *name = tp_child_str(bd, "key");
		int slot = name ? cel_env_find(env, name) : -1;
		const struct tp_node *vv = tp_child(tp_child(bd, "value"), "value");
		if (slot < 0 || (size_t)slot >= nslots)
			continue;
		if (!vv) {
			feature(&feat, "non-value bindings");
			continue;
		}
		if ((why = tp_to_value(vv, &arena, &slots[slot])))
			feature(&feat, why);
	}

	/* Compile and evaluate. */
	struct cel_source src = { .file = ti->path, .line = exprn->line, .col = 1, .exact = false };
	int rc = cel_compile(&prog, env, exprn->text, exprn->len, &src, CEL_T_DYN, &diags);
	char *want_show = wantn ? value_json(&want) : NULL;
	if (rc != MDG_OK || !prog) {
		const char *code;
		const char *msg = first_error(&diags, &code);
		if (rc == MDG_OK)
			msg = "cel_compile returned MDG_OK without a program";
		if (!strcmp(code, "cel.unsupported")) {
			result_set(r, OUT_SUBSET, feat.why ? feat.why : unsupported_category(msg),
				   "%s\n    compile error: %s [%s]", expr_show, msg, code);
		} else if (feat.why) {
			result_set(r, OUT_SUBSET, feat.why, "%s\n    compile error: %s [%s]", expr_show,
				   msg, code);
		} else if (errn) {
			result_set(r, OUT_PASS_EARLY, "", "%s\n    compile error: %s [%s]", expr_show, msg,
				   code);
		} else if (disable_check && opt.checked && strcmp(code, "cel.syntax") != 0 &&
			   strcmp(code, "cel.limit") != 0) {
			result_set(r, OUT_SUBSET, "unchecked evaluation (disable_check)",
				   "%s\n    compile error: %s [%s]", expr_show, msg, code);
		} else {
			char *cause = xasprintf("%scompile error [%s]",
						disable_check ? "disable_check: " : "", code);
			result_set(r, OUT_FAIL, cause, "%s\n    want: %s\n    got compile error: %s [%s]",
				   expr_show, want_show ? want_show : "true", msg, code);
			free(cause);
		}
		free(want_show);
		free(expr_show);
		goto done;
	}

	struct cel_ctx ctx;
	cel_ctx_init(&ctx);
	struct cel_value got = cel_eval(prog, slots, &ctx);
	char *got_show = value_json(&got);
	if (feat.why) {
		result_set(r, OUT_SUBSET, feat.why, "%s\n    got: %s", expr_show, got_show);
	} else if (errn) {
		if (got.type == CEL_T_ERROR) {
			result_set(r, OUT_PASS, "", NULL);
			if (want_msg && !contains_ci(got.u.err ? got.u.err : "", want_msg))
				r->note = xasprintf("error text: vector '%s', ours '%s'", want_msg,
						    got.u.err ? got.u.err : "");
		} else {
			result_set(r, OUT_FAIL, "no error where the vector expects one",
				   "%s\n    want error: %s\n    got: %s", expr_show,
				   want_msg ? want_msg : "(any)", got_show);
		}
	} else if (got.type == CEL_T_ERROR) {
		result_set(r, OUT_FAIL, "error value instead of a value",
			   "%s\n    want: %s\n    got: %s", expr_show, want_show ? want_show : "true",
			   got_show);
	} else if (!same_value(&want, &got)) {
		const char *cause = want.type != got.type ? "value of the wrong type" : "wrong value";
		result_set(r, OUT_FAIL, cause, "%s\n    want: %s\n    got: %s", expr_show,
			   want_show ? want_show : "true", got_show);
	} else {
		result_set(r, OUT_PASS, "", NULL);
	}
	free(got_show);
	free(want_show);
	free(expr_show);
	cel_ctx_free(&ctx);

done:
	/* A vector this runner cannot read is a failure, never "out of subset". */
	if (r->outcome == OUT_SUBSET && r->category && !strcmp(r->category, "malformed")) {
		free(r->category);
		r->category = xstrdup("malformed vector (runner cannot read it)");
		r->outcome = OUT_FAIL;
	}
	cel_program_free(prog);
	if (env)
		cel_env_free(env);
	free(slots);
	mdg_diags_free(&diags);
	mdg_arena_free(&arena);
}

/* Append s with its NUL to the pipe. */
static void
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, s, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += k;
		n -= (size_t)k;
	}
}

/* Run a test in a child process (or in this one with --no-fork). */
static void
run_isolated(const struct test_info *ti, struct result *r)
{
	int fds[2];

	if (!opt.fork) {
		run_test(ti, r);
		return;
	}
	memset(r, 0, sizeof(*r));
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) != 0) {
		result_set(r, OUT_FAIL, "runner: pipe failed", "%s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		result_set(r, OUT_FAIL, "runner: fork failed", "%s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		alarm(TEST_TIMEOUT);
		struct result cr;
		run_test(ti, &cr);
		char o = (char)cr.outcome;
		write_all(fds[1], &o, 1);
		write_all(fds[1], cr.category ? cr.category : "", strlen(cr.category ? cr.category : "") + 1);
		write_all(fds[1], cr.detail ? cr.detail : "", strlen(cr.detail ? cr.detail : "") + 1);
		write_all(fds[1], cr.note ? cr.note : "", strlen(cr.note ? cr.note : "") + 1);
		close(fds[1]);
		result_free(&cr);
		/* exit(), not _exit(): the sanitizers' leak check runs at exit. */
		exit(0);
	}
	close(fds[1]);
	struct mdg_buf b;
	char chunk[4096];
	ssize_t k;
	mdg_buf_init(&b, 0);
	for (;;) {
		k = read(fds[0], chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		(void)mdg_buf_append(&b, chunk, (size_t)k);
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* Decode: outcome byte, then three NUL-terminated strings. */
	const char *parts[3] = { "", "", "" };
	size_t np = 0;
	if (b.len >= 1) {
		size_t i = 1;
		while (np < 3 && i < b.len) {
			parts[np++] = b.data + i;
			i += strlen(b.data + i) + 1;
		}
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		char *cause = xasprintf(sig == SIGALRM ? "timeout (%d s)" : "crash (signal %d, %s)",
					sig == SIGALRM ? TEST_TIMEOUT : sig, strsignal(sig));
		result_set(r, OUT_FAIL, cause, "expr: %s", tp_child_str(ti->t, "expr"));
		free(cause);
	} else if (np < 3 || (WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
		char *cause = xasprintf("sanitizer or exit status %d (see stderr)",
					WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		result_set(r, OUT_FAIL, cause, "expr: %s", tp_child_str(ti->t, "expr"));
		free(cause);
	} else {
		result_set(r, (enum outcome)b.data[0], parts[0], "%s", parts[1]);
		if (*parts[2])
			r->note = xstrdup(parts[2]);
		if (!*parts[1]) {
			free(r->detail);
			r->detail = NULL;
		}
	}
	mdg_buf_free(&b);
}

/* ------------------------------------------------------------- one file */

struct file_stats {
	size_t passed;
	size_t early;       /* of passed: errors found at compile time */
	size_t failed;
	size_t out;
	size_t notes;       /* error texts that differ from the vector's */
	struct counts out_by;
};

static bool
is_target(const char *file)
{
	for (size_t i = 0; target_files[i]; i++)
		if (!strcmp(target_files[i], file))
			return true;
	return false;
}

static int
run_file(const char *path, struct file_stats *st)
{
	char err[512];
	struct tp_node *root = tp_parse_file(path, err, sizeof(err));
	char *file;
	const char *base = mdg_path_base(path);
	size_t bl = strlen(base);

	if (!root) {
		fprintf(stderr, "cel conformance: %s\n", err);
		return -1;
	}
	if (bl > 10 && !strcmp(base + bl - 10, ".textproto"))
		file = xstrndup(base, bl - 10);
	else
		file = xstrdup(base);
	bool target = is_target(file);

	for (const struct tp_node *sec = tp_child(root, "section"); sec;
	     sec = tp_next(root, "section", sec)) {
		const char *sname = tp_child_str(sec, "name");
		for (const struct tp_node *t = tp_child(sec, "test"); t; t = tp_next(sec, "test", t)) {
			const char *tname = tp_child_str(t, "name");
			char *where = xasprintf("%s/%s/%s", file, sname ? sname : "?",
						tname ? tname : "?");
			if (opt.pattern && !strstr(where, opt.pattern)) {
				free(where);
				continue;
			}
			struct test_info ti = {
				.path = path, .file = file, .section = sname, .name = tname, .t = t,
			};
			struct result r;
			run_isolated(&ti, &r);
			switch (r.outcome) {
			case OUT_PASS_EARLY:
				st->early++;
				if (opt.verbose)
					printf("compile-time error %s (%s:%ld):\n    %s\n", where, path,
					       t->line, r.detail ? r.detail : "");
				/* fall through */
			case OUT_PASS:
				st->passed++;
				if (r.note) {
					st->notes++;
					if (opt.verbose)
						printf("note %s (%s:%ld): %s\n", where, path, t->line, r.note);
				}
				break;
			case OUT_SUBSET:
				st->out++;
				counts_add(&st->out_by, r.category);
				if (opt.list_out)
					printf("out of subset %s: %s\n", where, r.category);
				break;
			case OUT_FAIL:
			default:
				st->failed++;
				failure_add(where, r.category, r.detail, target);
				if (opt.verbose)
					printf("FAIL %s (%s:%ld): %s\n    %s\n", where, path, t->line,
					       r.category, r.detail ? r.detail : "");
				break;
			}
			result_free(&r);
			free(where);
		}
	}

	printf("%s: %zu passed, %zu failed, %zu out of subset", file, st->passed, st->failed,
	       st->out);
	if (st->out_by.n) {
		qsort(st->out_by.v, st->out_by.n, sizeof(*st->out_by.v), count_cmp);
		printf(" (");
		for (size_t i = 0; i < st->out_by.n; i++)
			printf("%s%s: %zu", i ? ", " : "", st->out_by.v[i].name, st->out_by.v[i].n);
		printf(")");
	}
	if (!target)
		printf(" [reported only]");
	printf("\n");
	if (opt.verbose && (st->early || st->notes))
		printf("  %s: %zu expected errors found at compile time, %zu error texts differ from the vectors'\n",
		       file, st->early, st->notes);
	free(file);
	tp_free(root);
	return target && st->failed ? 1 : 0;
}

/* ---------------------------------------------------------------- main */

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: conformance [--dir DIR] [--verbose] [--list-failures] [--list-out-of-subset]\n"
		"                   [--test PATTERN] [--checked] [--no-fork] [FILE...]\n"
		"Runs the CEL conformance vectors (FILE: a name such as 'basic' or a path).\n"
		"DIR defaults to $MDGATE_CEL_SPEC, else $top_srcdir/../shared/cel-spec.\n"
		"  --verbose              every failure with expr, expected and got; error notes\n"
		"  --list-failures        one line per failing test, then the causes counted\n"
		"  --list-out-of-subset   one line per test outside the subset, with the feature\n"
		"  --test PATTERN         only tests whose file/section/name contains PATTERN\n"
		"  --checked              a disable_check test that mdgate's checker rejects (a type\n"
		"                         or name error) counts as out of subset, not failed\n"
		"  --no-fork              run tests in this process (for a debugger)\n");
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	char **files = NULL;
	size_t nfiles = 0;
	char *dir_alloc = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--dir") && i + 1 < argc)
			opt.dir = argv[++i];
		else if (!strncmp(a, "--dir=", 6))
			opt.dir = a + 6;
		else if (!strcmp(a, "--verbose") || !strcmp(a, "-v"))
			opt.verbose = true;
		else if (!strcmp(a, "--list-failures"))
			opt.list_failures = true;
		else if (!strcmp(a, "--list-out-of-subset"))
			opt.list_out = true;
		else if (!strcmp(a, "--no-fork"))
			opt.fork = false;
		else if (!strcmp(a, "--checked"))
			opt.checked = true;
		else if (!strcmp(a, "--test") && i + 1 < argc)
			opt.pattern = argv[++i];
		else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1] != '\0') {
			usage(stderr);
			return 2;
		} else {
			files = xreallocarray(files, nfiles + 1, sizeof(*files));
			files[nfiles++] = xstrdup(a);
		}
	}

	if (!opt.dir) {
		const char *env = getenv("MDGATE_CEL_SPEC");
		if (env && *env) {
			opt.dir = env;
		} else {
			const char *top = getenv("top_srcdir");
			dir_alloc = xasprintf("%s/../shared/cel-spec", top && *top ? top : "..");
			opt.dir = dir_alloc;
		}
	}
	struct stat sb;
	if (stat(opt.dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		printf("cel conformance: %s not found, skipping (set MDGATE_CEL_SPEC)\n", opt.dir);
		free(dir_alloc);
		for (size_t k = 0; k < nfiles; k++)
			free(files[k]);
		free(files);
		return SKIP_STATUS;
	}

	/* Without FILE arguments: every .textproto in the folder, sorted. */
	if (nfiles == 0) {
		DIR *d = opendir(opt.dir);
		struct dirent *de;
		if (!d) {
			fprintf(stderr, "cel conformance: %s: %s\n", opt.dir, strerror(errno));
			free(dir_alloc);
			return 2;
		}
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);
			if (n > 10 && !strcmp(de->d_name + n - 10, ".textproto")) {
				files = xreallocarray(files, nfiles + 1, sizeof(*files));
				files[nfiles++] = mdg_path_join(opt.dir, de->d_name);
			}
		}
		closedir(d);
		qsort(files, nfiles, sizeof(*files), name_cmp);
	} else {
		/* A bare name ("basic") means DIR/basic.textproto. */
		for (size_t k = 0; k < nfiles; k++) {
			if (!strchr(files[k], '/') && access(files[k], R_OK) != 0) {
				const char *ext = strstr(files[k], ".textproto") ? "" : ".textproto";
				char *rel = xasprintf("%s%s", files[k], ext);
				char *p = mdg_path_join(opt.dir, rel);
				free(rel);
				free(files[k]);
				files[k] = p;
			}
		}
	}

	int status = 0;
	struct file_stats total;
	memset(&total, 0, sizeof(total));
	size_t target_failed = 0;
	for (size_t k = 0; k < nfiles; k++) {
		struct file_stats st;
		memset(&st, 0, sizeof(st));
		int rc = run_file(files[k], &st);
		if (rc < 0)
			status = 2;
		else if (rc > 0)
			target_failed += st.failed;
		total.passed += st.passed;
		total.failed += st.failed;
		total.out += st.out;
		total.early += st.early;
		total.notes += st.notes;
		counts_free(&st.out_by);
		free(files[k]);
	}
	free(files);
	printf("total: %zu passed, %zu failed (%zu in target files), %zu out of subset; "
	       "%zu expected errors found at compile time; %zu error texts differ from the vectors'\n",
	       total.passed, total.failed, target_failed, total.out, total.early, total.notes);

	if (opt.list_failures && nfailures) {
		printf("\nfailures:\n");
		for (size_t k = 0; k < nfailures; k++)
			printf("  %s%s: %s\n", failures[k].where, failures[k].target ? "" : " [reported only]",
			       failures[k].cause);
	}
	if (nfailures) {
		struct counts by;
		memset(&by, 0, sizeof(by));
		for (size_t k = 0; k < nfailures; k++)
			counts_add(&by, failures[k].cause);
		qsort(by.v, by.n, sizeof(*by.v), count_cmp);
		printf("\nfailures by cause:\n");
		for (size_t k = 0; k < by.n; k++)
			printf("  %5zu  %s\n", by.v[k].n, by.v[k].name);
		counts_free(&by);
	}
	for (size_t k = 0; k < nfailures; k++) {
		free(failures[k].where);
		free(failures[k].cause);
		free(failures[k].detail);
	}
	free(failures);
	free(dir_alloc);
	if (status == 0 && target_failed)
		status = 1;
	return status;
}
