/*
 * lang-tests.c - runs mdgate's own CEL language tests, the .test files of
 * tests/cel (blocks of expr:, vars:, want: or error: ..., described at the
 * top of each file), and prints each failure as file:line.  Exit: 0 when
 * all passed, 1 when a test failed, 2 when a file or block is malformed.
 * Usage: lang-tests [--verbose] [FILE.test | DIR]... (default:
 * $top_srcdir/tests/cel, top_srcdir defaulting to ".").
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cel.h"
#include "diag.h"
#include "util.h"

#define MAX_EXPANDED (1024 * 1024) /* bytes an expression may grow to by {{N*TEXT}} */

static bool verbose;

/* One block of a .test file. */
struct block {
	const char *file;
	long line;          /* of the block's first line */
	char *expr;
	long expr_line;
	char *vars;         /* JSON object, or NULL */
	char *decl;         /* JSON object name -> type name, or NULL */
	char *result;       /* type name the result must have, or NULL */
	char *want;         /* JSON, or NULL */
	char *error;        /* exact message, or NULL */
	char *code;         /* diagnostic code, or NULL */
	char *cost;         /* cost limit, or NULL */
};

static void
block_clear(struct block *b)
{
	free(b->expr);
	free(b->vars);
	free(b->decl);
	free(b->result);
	free(b->want);
	free(b->error);
	free(b->code);
	free(b->cost);
	memset(b, 0, sizeof(*b));
}

/* ----------------------------------------------------------- conversions */

static bool
type_from_name(const char *s, enum cel_type *t)
{
	static const struct {
		const char *name;
		enum cel_type t;
	} names[] = {
		{ "null", CEL_T_NULL },     { "bool", CEL_T_BOOL }, { "int", CEL_T_INT },
		{ "double", CEL_T_DOUBLE }, { "string", CEL_T_STRING }, { "list", CEL_T_LIST },
		{ "map", CEL_T_MAP },       { "type", CEL_T_TYPE },     { "dyn", CEL_T_DYN },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*t = names[i].t;
			return true;
		}
	return false;
}

/*
 * JSON to a value, with JSON's own types (1 an int, 1.0 a double).  An
 * object {"$type": "int"} is a type value; {"$error": true} any error.
 */
static void
from_json(struct mdg_arena *a, json_t *j, struct cel_value *out)
{
	size_t i, n;
	json_t *e;
	const char *key;

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
	case JSON_ARRAY: {
		struct cel_list *l = mdg_arena_alloc(a, sizeof(*l));
		n = json_array_size(j);
		l->n = n;
		l->items = n ? mdg_arena_alloc(a, n * sizeof(*l->items)) : NULL;
		json_array_foreach(j, i, e)
			from_json(a, e, &l->items[i]);
		out->type = CEL_T_LIST;
		out->u.list = l;
		break;
	}
	case JSON_OBJECT: {
		json_t *ty = json_object_get(j, "$type");
		enum cel_type t;
		if (json_object_size(j) == 1 && json_is_string(ty) &&
		    type_from_name(json_string_value(ty), &t)) {
			out->type = CEL_T_TYPE;
			out->u.t = t;
			break;
		}
		struct cel_map *m = mdg_arena_alloc(a, sizeof(*m));
		n = json_object_size(j);
		m->n = 0;
		m->keys = n ? mdg_arena_alloc(a, n * sizeof(*m->keys)) : NULL;
		m->values = n ? mdg_arena_alloc(a, n * sizeof(*m->values)) : NULL;
		json_object_foreach(j, key, e) {
			m->keys[m->n] = cel_string(a, key, strlen(key));
			from_json(a, e, &m->values[m->n]);
			m->n++;
		}
		out->type = CEL_T_MAP;
		out->u.map = m;
		break;
	}
	}
}

/* Exact equality: scalar types must agree (1 is not 1.0), NaN equals NaN. */
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
		return isnan(want->u.d) ? isnan(got->u.d) : want->u.d == got->u.d;
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
			const struct cel_value *k = &want->u.map->keys[i];
			size_t j;
			/* JSON keys are strings: they match string keys, or int and bool keys by text. */
			for (j = 0; j < got->u.map->n; j++) {
				const struct cel_value *g = &got->u.map->keys[j];
				char buf[32];
				if (g->type == CEL_T_STRING && same_value(k, g))
					break;
				if (g->type == CEL_T_INT)
					snprintf(buf, sizeof(buf), "%lld", (long long)g->u.i);
				else if (g->type == CEL_T_BOOL)
					snprintf(buf, sizeof(buf), "%s", g->u.b ? "true" : "false");
				else
					continue;
				if (strlen(buf) == k->u.s->len && !memcmp(buf, k->u.s->data, k->u.s->len))
					break;
			}
			if (j == got->u.map->n ||
			    !same_value(&want->u.map->values[i], &got->u.map->values[j]))
				return false;
		}
		return true;
	case CEL_T_TYPE:
		return want->u.t == got->u.t;
	default:
		return false;
	}
}

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

/*
 * Expand {{N*TEXT}} into N copies of TEXT (for limits: deep nesting, long
 * expressions).  Returns NULL when the result would pass MAX_EXPANDED.
 */
static char *
expand(const char *s)
{
	struct mdg_buf b;
	mdg_buf_init(&b, MAX_EXPANDED);
	while (*s) {
		const char *o = strstr(s, "{{");
		char *star;
		unsigned long n;
		if (!o) {
			if (mdg_buf_append(&b, s, strlen(s)) != MDG_OK)
				goto too_big;
			break;
		}
		n = strtoul(o + 2, &star, 10);
		const char *c = star && *star == '*' ? strstr(star, "}}") : NULL;
		if (!c || star == o + 2) {
			/* Not a repetition: keep the braces. */
			if (mdg_buf_append(&b, s, (size_t)(o - s) + 2) != MDG_OK)
				goto too_big;
			s = o + 2;
			continue;
		}
		if (mdg_buf_append(&b, s, (size_t)(o - s)) != MDG_OK)
			goto too_big;
		for (unsigned long i = 0; i < n; i++)
			if (mdg_buf_append(&b, star + 1, (size_t)(c - star - 1)) != MDG_OK)
				goto too_big;
		s = c + 2;
	}
	char *r = xstrdup(b.data ? b.data : "");
	mdg_buf_free(&b);
	return r;
too_big:
	mdg_buf_free(&b);
	return NULL;
}

/* ------------------------------------------------------------ one block */

static void report(const struct block *b, const char *what, const char *fmt, ...)
	MDG_PRINTF(3, 4);

/* "file:line: FAIL: ..." for a failed test, "file:line: malformed: ..." for a bad block. */
static void
report(const struct block *b, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%s:%ld: %s: ", b->file, b->line, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Run a block; returns 0 passed, 1 failed, 2 malformed. */
static int
run_block(const struct block *b)
{
	struct mdg_arena arena;
	struct cel_env *env = cel_env_new();
	struct cel_program *prog = NULL;
	struct mdg_diags diags;
	struct cel_value *slots = NULL;
	json_t *vars = NULL, *decl = NULL, *wantj = NULL;
	json_error_t jerr;
	enum cel_type want_type = CEL_T_DYN;
	char *expr = NULL;
	int ret = 0;

	mdg_arena_init(&arena);
	mdg_diags_init(&diags);

	if (!b->expr || (!b->want && !b->error) || (b->want && b->error)) {
		report(b, "malformed", "a block needs expr: and exactly one of want: or error:");
		ret = 2;
		goto out;
	}
	if (b->result && !type_from_name(b->result, &want_type)) {
		report(b, "malformed", "result: unknown type '%s'", b->result);
		ret = 2;
		goto out;
	}
	if (b->vars) {
		char *text = expand(b->vars);
		bool big = text == NULL;
		vars = text ? json_loads(text, 0, &jerr) : NULL;
		free(text);
		if (!json_is_object(vars)) {
			report(b, "malformed", "vars: not a JSON object%s%s",
			       big ? ": too big" : vars ? "" : ": ", big || vars ? "" : jerr.text);
			ret = 2;
			goto out;
		}
	}
	if (b->decl)
		decl = json_loads(b->decl, 0, &jerr);
	if (b->decl && !json_is_object(decl)) {
		report(b, "malformed", "decl: not a JSON object%s%s", decl ? "" : ": ",
		       decl ? "" : jerr.text);
		ret = 2;
		goto out;
	}
	if (b->want && !(wantj = json_loads(b->want, JSON_DECODE_ANY, &jerr))) {
		report(b, "malformed", "want: not JSON: %s", jerr.text);
		ret = 2;
		goto out;
	}
	expr = expand(b->expr);
	if (!expr) {
		report(b, "malformed", "expr: expands past %d bytes", MAX_EXPANDED);
		ret = 2;
		goto out;
	}

	/* Declarations: decl: names with explicit types, then vars: with JSON types. */
	const char *key;
	json_t *v;
	json_object_foreach(decl, key, v) {
		enum cel_type t;
		if (!json_is_string(v) || !type_from_name(json_string_value(v), &t)) {
			report(b, "malformed", "decl: '%s': not a type name", key);
			ret = 2;
			goto out;
		}
		if (cel_env_add_var(env, key, t) < 0) {
			report(b, "malformed", "decl: cannot declare '%s'", key);
			ret = 2;
			goto out;
		}
	}
	json_object_foreach(vars, key, v) {
		static const enum cel_type jt[] = {
			[JSON_OBJECT] = CEL_T_MAP,     [JSON_ARRAY] = CEL_T_LIST,
			[JSON_STRING] = CEL_T_STRING,  [JSON_INTEGER] = CEL_T_INT,
			[JSON_REAL] = CEL_T_DOUBLE,    [JSON_TRUE] = CEL_T_BOOL,
			[JSON_FALSE] = CEL_T_BOOL,     [JSON_NULL] = CEL_T_NULL,
		};
		if (cel_env_find(env, key) >= 0)
			continue;
		if (cel_env_add_var(env, key, jt[json_typeof(v)]) < 0) {
			report(b, "malformed", "vars: cannot declare '%s'", key);
			ret = 2;
			goto out;
		}
	}
	size_t n = cel_env_nvars(env);
	slots = xcalloc(n ? n : 1, sizeof(*slots));
	for (size_t i = 0; i < n; i++)
		slots[i] = cel_null();
	json_object_foreach(vars, key, v) {
		int slot = cel_env_find(env, key);
		if (slot >= 0 && (size_t)slot < n)
			from_json(&arena, v, &slots[slot]);
	}

	/* Compile. */
	struct cel_source src = { .file = b->file, .line = b->expr_line, .col = 7, .exact = false };
	int rc = cel_compile(&prog, env, expr, strlen(expr), &src, want_type, &diags);
	if (rc != MDG_OK || !prog) {
		const struct mdg_diag *d = NULL;
		for (size_t i = 0; i < diags.n && !d; i++)
			if (diags.v[i].severity == MDG_SEV_ERROR)
				d = &diags.v[i];
		const char *msg = d && d->message ? d->message : "(no diagnostic)";
		const char *code = d && d->code ? d->code : "";
		if (!b->error) {
			report(b, "FAIL", "%s\n  want: %s\n  got compile error: %s [%s]", b->expr, b->want, msg,
			     code);
			ret = 1;
		} else if (strcmp(msg, b->error) != 0) {
			report(b, "FAIL", "%s\n  want error: %s\n  got compile error: %s [%s]", b->expr, b->error,
			     msg, code);
			ret = 1;
		} else if (b->code && strcmp(code, b->code) != 0) {
			report(b, "FAIL", "%s\n  want code: %s\n  got code: %s", b->expr, b->code, code);
			ret = 1;
		}
		goto out;
	}
	if (b->code) {
		report(b, "FAIL", "%s\n  want compile error [%s], it compiled", b->expr, b->code);
		ret = 1;
		goto out;
	}

	/* Evaluate. */
	struct cel_ctx ctx;
	cel_ctx_init(&ctx);
	if (b->cost)
		ctx.cost_limit = strtoul(b->cost, NULL, 10);
	struct cel_value got = cel_eval(prog, slots, &ctx);
	char *gots = value_json(&got);
	if (b->error) {
		if (got.type != CEL_T_ERROR) {
			report(b, "FAIL", "%s\n  want error: %s\n  got: %s", b->expr, b->error, gots);
			ret = 1;
		} else if (strcmp(got.u.err ? got.u.err : "", b->error) != 0) {
			report(b, "FAIL", "%s\n  want error: %s\n  got error: %s", b->expr, b->error,
			     got.u.err ? got.u.err : "");
			ret = 1;
		}
	} else {
		struct cel_value want;
		from_json(&arena, wantj, &want);
		if (!same_value(&want, &got)) {
			report(b, "FAIL", "%s\n  want: %s\n  got: %s", b->expr, b->want, gots);
			ret = 1;
		}
	}
	if (verbose && ret == 0)
		printf("%s:%ld: ok: %s\n", b->file, b->line, gots);
	free(gots);
	cel_ctx_free(&ctx);

out:
	free(expr);
	cel_program_free(prog);
	cel_env_free(env);
	free(slots);
	json_decref(vars);
	json_decref(decl);
	json_decref(wantj);
	mdg_diags_free(&diags);
	mdg_arena_free(&arena);
	return ret;
}

/* ------------------------------------------------------------- one file */

struct totals {
	size_t passed;
	size_t failed;
	size_t malformed;
};

static void
add_result(struct totals *t, int r)
{
	if (r == 0)
		t->passed++;
	else if (r == 1)
		t->failed++;
	else
		t->malformed++;
}

/* Set *field to the value after "key:" (the rest of the line, leading blanks dropped). */
static bool
take_key(const char *line, const char *key, char **field)
{
	size_t k = strlen(key);
	if (strncmp(line, key, k) != 0 || line[k] != ':')
		return false;
	const char *v = line + k + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	free(*field);
	*field = xstrdup(v);
	return true;
}

static int
run_file(const char *path, struct totals *t)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	struct block b;
	char **last = NULL;   /* the field a continuation line extends */
	bool in_block = false;

	if (!f) {
		fprintf(stderr, "lang-tests: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(&b, 0, sizeof(b));
	for (;;) {
		len = getline(&line, &cap, f);
		if (len >= 0) {
			lineno++;
			while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = '\0';
		}
		bool blank = len < 0 || line[strspn(line, " \t")] == '\0';
		if (blank) {
			if (in_block) {
				b.file = path;
				add_result(t, run_block(&b));
				block_clear(&b);
			}
			in_block = false;
			last = NULL;
			if (len < 0)
				break;
			continue;
		}
		if (line[0] == '#')
			continue;
		if (!in_block) {
			in_block = true;
			b.line = lineno;
		}
		/* A line starting with blanks continues the previous field on a new line. */
		if ((line[0] == ' ' || line[0] == '\t') && last && *last) {
			char *joined = xasprintf("%s\n%s", *last, line + strspn(line, " \t"));
			free(*last);
			*last = joined;
			continue;
		}
		if (take_key(line, "expr", &b.expr)) {
			b.expr_line = lineno;
			last = &b.expr;
		} else if (take_key(line, "vars", &b.vars))
			last = &b.vars;
		else if (take_key(line, "decl", &b.decl))
			last = &b.decl;
		else if (take_key(line, "result", &b.result))
			last = NULL;
		else if (take_key(line, "want", &b.want))
			last = &b.want;
		else if (take_key(line, "error", &b.error))
			last = NULL;
		else if (take_key(line, "code", &b.code))
			last = NULL;
		else if (take_key(line, "cost", &b.cost))
			last = NULL;
		else {
			printf("%s:%ld: malformed line: %s\n", path, lineno, line);
			t->malformed++;
		}
	}
	free(line);
	fclose(f);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .test file in dir, sorted; returns how many were run or -1. */
static int
run_dir(const char *dir, struct totals *t)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "lang-tests: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t k = strlen(de->d_name);
		if (k > 5 && !strcmp(de->d_name + k - 5, ".test")) {
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = mdg_path_join(dir, de->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (run_file(names[i], t) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct totals t = { 0, 0, 0 };
	int status = 0, nargs = 0;
	struct stat sb;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
			verbose = true;
			continue;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: lang-tests [--verbose] [FILE.test | DIR]...\n");
			return 0;
		}
		nargs++;
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (run_dir(argv[i], &t) < 0)
				status = 2;
		} else if (run_file(argv[i], &t) < 0) {
			status = 2;
		}
	}
	if (nargs == 0) {
		const char *top = getenv("top_srcdir");
		char *dir = mdg_path_join(top && *top ? top : ".", "tests/cel");
		if (run_dir(dir, &t) < 0)
			status = 2;
		free(dir);
	}
	printf("cel language tests: %zu passed, %zu failed, %zu malformed\n", t.passed, t.failed,
	       t.malformed);
	if (status == 0 && (t.failed || t.malformed))
		status = t.failed ? 1 : 2;
	return status;
}
