/*
 * cel-check.c - the environment of declared variables, the type checker
 * and the compiler of the CEL front end, and the program's explanation.
 *
 * The checker types every node (CEL_T_DYN where only the run time can
 * tell), resolves identifiers to slots, calls to rows of the builtin table
 * and ref(field) to its reference, and reports what CEL or mdgate refuses
 * (no matching overload, a string compared with a number, uint and bytes)
 * as located errors.  The compiler then folds constant operators and
 * compiles constant matches() patterns once.  Evaluation is cel-eval.c's.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "cel-builtins.h"
#include "cel-int.h"

/* ----------------------------------------------------------- environment */

struct cel_env_var {
	char *name;
	enum cel_type type;
	int ref;                      /* index into refs, -1: not a reference field */
};

struct cel_env_ref {
	int var;                      /* the field whose value is the key */
	const struct cel_env *target; /* the referenced domain's variables, may be NULL */
};

struct cel_env {
	struct cel_env_var *vars;
	size_t nvars;
	size_t capvars;
	struct cel_env_ref *refs;
	size_t nrefs;
	size_t caprefs;
};

struct cel_env *
cel_env_new(void)
{
	return xcalloc(1, sizeof(struct cel_env));
}

void
cel_env_free(struct cel_env *env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; i < env->nvars; i++)
		free(env->vars[i].name);
	free(env->vars);
	free(env->refs);
	free(env);
}

/* Is s an identifier that CEL lets a program name? */
static bool
is_cel_ident(const char *s)
{
	static const char *const reserved[] = {
		"true", "false", "null", "in", "as", "break", "const", "continue", "else", "for",
		"function", "if", "import", "let", "loop", "package", "namespace", "return", "var",
		"void", "while", NULL,
	};
	const char *p;
	size_t i;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (p = s + 1; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
		      (*p >= '0' && *p <= '9')))
			return false;
	for (i = 0; reserved[i] != NULL; i++)
		if (strcmp(reserved[i], s) == 0)
			return false;
	return true;
}

/*
 * The variable takes the next slot whatever happens, so that slots stay
 * the order of declaration; MDG_ERR says that programs cannot name it (a
 * duplicate, or not a CEL identifier: "unit-price", "if").
 */
int
cel_env_add_var(struct cel_env *env, const char *name, enum cel_type type)
{
	struct cel_env_var *v;
	bool dup = cel_env_find(env, name) >= 0;

	if (env->nvars == env->capvars) {
		env->capvars = env->capvars ? env->capvars * 2 : 16;
		env->vars = xreallocarray(env->vars, env->capvars, sizeof(*env->vars));
	}
	v = &env->vars[env->nvars++];
	v->name = xstrdup(name);
	v->type = type;
	v->ref = -1;
	return dup || !is_cel_ident(name) ? MDG_ERR : MDG_OK;
}

/* Reference indexes are the order of these calls (0, 1, ...). */
int
cel_env_add_ref(struct cel_env *env, const char *field_var, const struct cel_env *target)
{
	int slot = cel_env_find(env, field_var);

	if (slot < 0 || env->vars[slot].ref >= 0)
		return MDG_ERR;
	if (env->nrefs == env->caprefs) {
		env->caprefs = env->caprefs ? env->caprefs * 2 : 4;
		env->refs = xreallocarray(env->refs, env->caprefs, sizeof(*env->refs));
	}
	env->refs[env->nrefs].var = slot;
	env->refs[env->nrefs].target = target;
	env->vars[slot].ref = (int)env->nrefs++;
	return MDG_OK;
}

size_t
cel_env_nvars(const struct cel_env *env)
{
	return env ? env->nvars : 0;
}

int
cel_env_find(const struct cel_env *env, const char *name)
{
	size_t i;

	if (env == NULL)
		return -1;
	for (i = 0; i < env->nvars; i++)
		if (strcmp(env->vars[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------ type names */

/* CEL's name of a type, as its messages spell it (the runtime's names). */
static const char *
tname(enum cel_type t)
{
	return cel_type_name(t);
}

/* Type names used as values (`type(x) == int`). */
static const struct {
	const char *name;
	enum cel_type type;
} type_idents[] = {
	{"null_type", CEL_T_NULL}, {"bool", CEL_T_BOOL}, {"int", CEL_T_INT},
	{"double", CEL_T_DOUBLE}, {"string", CEL_T_STRING}, {"list", CEL_T_LIST},
	{"map", CEL_T_MAP}, {"type", CEL_T_TYPE}, {"uint", CEL_T_UINT}, {"bytes", CEL_T_BYTES},
};

/* CEL functions mdgate leaves out, so that using one says so. */
static const char *const unsupported_fns[] = {
	"timestamp", "duration", "uint", "bytes", "getFullYear", "getMonth", "getDate",
	"getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours", "getMinutes", "getSeconds",
	"getMilliseconds", "optional.of", "optional.ofNonZeroValue", "optional.none", "orValue",
	"hasValue", NULL,
};

static const char *const op_names[] = {
	[CEL_OP_NOT] = "!_", [CEL_OP_NEG] = "-_", [CEL_OP_MUL] = "_*_", [CEL_OP_DIV] = "_/_",
	[CEL_OP_MOD] = "_%_", [CEL_OP_ADD] = "_+_", [CEL_OP_SUB] = "_-_", [CEL_OP_LT] = "_<_",
	[CEL_OP_LE] = "_<=_", [CEL_OP_GT] = "_>_", [CEL_OP_GE] = "_>=_", [CEL_OP_EQ] = "_==_",
	[CEL_OP_NE] = "_!=_", [CEL_OP_IN] = "@in", [CEL_OP_AND] = "_&&_", [CEL_OP_OR] = "_||_",
};

static const char *const macro_names[] = {
	[CEL_MACRO_ALL] = "all", [CEL_MACRO_EXISTS] = "exists",
	[CEL_MACRO_EXISTS_ONE] = "exists_one", [CEL_MACRO_MAP] = "map",
	[CEL_MACRO_FILTER] = "filter",
};

/* ----------------------------------------------------------- suggestions */

#define SUGGEST_MAX_LEN 64

/* Optimal string alignment distance (a transposition counts one). */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, cost, best;
	size_t rows[3][SUGGEST_MAX_LEN + 1];
	size_t *pp, *prev, *cur;

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN || la > lb + 2 || lb > la + 2)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		rows[1][j] = j;
	pp = rows[0];
	prev = rows[1];
	cur = rows[2];
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			cost = a[i - 1] == b[j - 1] ? 0 : 1;
			best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < best)
				best = pp[j - 2] + 1;
			cur[j] = best;
		}
		/* rotate: pp <- prev <- cur <- pp */
		{
			size_t *t = pp;
			pp = prev;
			prev = cur;
			cur = t;
		}
	}
	return prev[lb];
}

struct suggest {
	const char *name;
	const char *best;
	size_t dist;
};

static void
suggest_try(struct suggest *s, const char *cand)
{
	size_t d;

	if (strcmp(cand, s->name) == 0)
		return;
	d = edit_distance(s->name, cand);
	if (d <= (strlen(s->name) < 6 ? 1 : 2) && d < strlen(s->name) && d < s->dist) {
		s->dist = d;
		s->best = cand;
	}
}

/* ---------------------------------------------------------------- checker */

struct checker {
	const struct cel_env *env;
	struct cel_program *prog;
	struct cel_report *rep;
	const char *scope[CEL_MAX_DEPTH + 1];  /* macro variables, innermost last */
	size_t nscope;
	size_t maxscope;
};

static void check(struct checker *c, struct cel_node *n);

static void MDG_PRINTF(4, 5)
error_at(struct checker *c, const char *code, const struct cel_node *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	cel_report_at(c->rep, code, n->loc.offset, n->loc.len, "%s", msg);
	free(msg);
}

#define SUBSET_NOTE "in mdgate's CEL subset (see doc/cel.md)"

/* "found no matching overload for 'f' applied to '(int, string)'" */
static void
no_overload(struct checker *c, const struct cel_node *n, const char *fname,
	    struct cel_node *const *args, size_t nargs, const struct cel_node *recv)
{
	struct mdg_buf b;
	size_t i;

	mdg_buf_init(&b, 0);
	(void)mdg_buf_putc(&b, '(');
	if (recv != NULL)
		(void)mdg_buf_printf(&b, "%s", tname(recv->rtype));
	for (i = 0; i < nargs; i++)
		(void)mdg_buf_printf(&b, "%s%s", i > 0 || recv != NULL ? ", " : "",
				     tname(args[i]->rtype));
	(void)mdg_buf_putc(&b, ')');
	error_at(c, "cel.overload", n, "found no matching overload for '%s' applied to '%s'",
		 fname, b.data);
	mdg_buf_free(&b);
}

static bool
is_bool_or_dyn(enum cel_type t)
{
	return t == CEL_T_BOOL || t == CEL_T_DYN;
}

/* Make n a literal (folding); children are left in the arena. */
static void
set_literal(struct cel_node *n, struct cel_value v)
{
	n->kind = CEL_N_LITERAL;
	n->lit = v;
	n->rtype = v.type;
	n->op = 0;
	n->target = NULL;
	n->args = NULL;
	n->nargs = 0;
	n->name = NULL;
	n->slot = -1;
	n->fn = -1;
}

static void
check_literal(struct checker *c, struct cel_node *n)
{
	n->rtype = n->lit.type;
	if (n->lit.type == CEL_T_UINT || n->lit.type == CEL_T_BYTES) {
		error_at(c, "cel.unsupported", n, "%s values are not " SUBSET_NOTE, tname(n->lit.type));
		n->rtype = CEL_T_DYN;
	}
}

/* The slot of a macro variable in scope, or -1. */
static int
scope_find(const struct checker *c, const char *name)
{
	size_t i;

	for (i = c->nscope; i-- > 0;)
		if (strcmp(c->scope[i], name) == 0)
			return (int)(c->prog->nvars + i);
	return -1;
}

static void
check_ident(struct checker *c, struct cel_node *n)
{
	struct suggest s = {n->name, NULL, SIZE_MAX};
	struct cel_value v;
	size_t i;
	int slot;

	if ((slot = scope_find(c, n->name)) >= 0) {
		n->slot = slot;
		n->rtype = CEL_T_DYN;
		return;
	}
	if ((slot = cel_env_find(c->env, n->name)) >= 0) {
		n->slot = slot;
		n->rtype = c->env->vars[slot].type;
		return;
	}
	for (i = 0; i < sizeof(type_idents) / sizeof(type_idents[0]); i++) {
		if (strcmp(type_idents[i].name, n->name) != 0)
			continue;
		if (type_idents[i].type == CEL_T_UINT || type_idents[i].type == CEL_T_BYTES) {
			error_at(c, "cel.unsupported", n, "the type %s is not " SUBSET_NOTE, n->name);
			return;
		}
		memset(&v, 0, sizeof(v));
		v.type = CEL_T_TYPE;
		v.u.t = type_idents[i].type;
		set_literal(n, v);
		return;
	}
	for (i = c->nscope; i-- > 0 && c->rep->nerrors < CEL_REPORT_MAX;)
		suggest_try(&s, c->scope[i]);
	for (i = 0; c->env != NULL && i < c->env->nvars && c->rep->nerrors < CEL_REPORT_MAX; i++)
		suggest_try(&s, c->env->vars[i].name);
	if (s.best != NULL)
		error_at(c, "cel.undeclared", n, "undeclared reference to '%s' (did you mean '%s'?)",
			 n->name, s.best);
	else
		error_at(c, "cel.undeclared", n, "undeclared reference to '%s'", n->name);
}

static void
check_select(struct checker *c, struct cel_node *n)
{
	const struct cel_node *t = n->target;
	const struct cel_env *target;
	struct suggest s = {n->name, NULL, SIZE_MAX};
	size_t i;
	int slot;

	check(c, n->target);
	n->rtype = CEL_T_DYN;
	if (t->kind == CEL_N_CALL && t->fn == CEL_FN_REF &&
	    (target = c->env->refs[t->slot].target) != NULL) {
		/* ref(field).name: a field of the referenced domain. */
		if ((slot = cel_env_find(target, n->name)) >= 0) {
			n->rtype = target->vars[slot].type;
		} else {
			for (i = 0; i < target->nvars && c->rep->nerrors < CEL_REPORT_MAX; i++)
				suggest_try(&s, target->vars[i].name);
			if (s.best != NULL)
				error_at(c, "cel.undeclared", n,
					 "the referenced record has no field '%s' (did you mean '%s'?)",
					 n->name, s.best);
			else
				error_at(c, "cel.undeclared", n,
					 "the referenced record has no field '%s'", n->name);
		}
	} else if (t->rtype != CEL_T_MAP && t->rtype != CEL_T_DYN) {
		error_at(c, "cel.type", n, "type '%s' does not support field selection",
			 tname(t->rtype));
	}
	if (n->test_only)
		n->rtype = CEL_T_BOOL;
}

static void
check_index(struct checker *c, struct cel_node *n)
{
	enum cel_type t, k;

	check(c, n->args[0]);
	check(c, n->args[1]);
	t = n->args[0]->rtype;
	k = n->args[1]->rtype;
	n->rtype = CEL_T_DYN;
	if ((t == CEL_T_LIST && (k == CEL_T_INT || k == CEL_T_DYN)) ||
	    (t == CEL_T_MAP && k != CEL_T_LIST && k != CEL_T_MAP) || t == CEL_T_DYN)
		return;
	no_overload(c, n, "_[_]", n->args, 2, NULL);
}

static void
check_map(struct checker *c, struct cel_node *n)
{
	enum cel_type k;
	size_t i;

	for (i = 0; i < n->nargs; i++)
		check(c, n->args[i]);
	for (i = 0; i + 1 < n->nargs; i += 2) {
		k = n->args[i]->rtype;
		if (k != CEL_T_BOOL && k != CEL_T_INT && k != CEL_T_STRING && k != CEL_T_DYN)
			error_at(c, "cel.type", n->args[i], "map keys must be bool, int or string, not %s",
				 tname(k));
	}
	n->rtype = CEL_T_MAP;
}

/* ---------------------------------------------------------------- folding */

static struct cel_value
val_bool(bool b)
{
	struct cel_value v;

	memset(&v, 0, sizeof(v));
	v.type = CEL_T_BOOL;
	v.u.b = b;
	return v;
}

static struct cel_value
val_int(int64_t i)
{
	struct cel_value v;

	memset(&v, 0, sizeof(v));
	v.type = CEL_T_INT;
	v.u.i = i;
	return v;
}

static struct cel_value
val_double(double d)
{
	struct cel_value v;

	memset(&v, 0, sizeof(v));
	v.type = CEL_T_DOUBLE;
	v.u.d = d;
	return v;
}

static bool
is_const(const struct cel_node *n, enum cel_type t)
{
	return n->kind == CEL_N_LITERAL && n->lit.type == t;
}

static bool
is_const_bool(const struct cel_node *n, bool b)
{
	return is_const(n, CEL_T_BOOL) && n->lit.u.b == b;
}

/* <0, 0, >0 as a compares to b (same type, not NaN); false: cannot tell. */
static bool
const_compare(const struct cel_value *a, const struct cel_value *b, int *out)
{
	size_t n;
	int r;

	if (a->type != b->type)
		return false;
	switch (a->type) {
	case CEL_T_NULL:
		*out = 0;
		return true;
	case CEL_T_BOOL:
		*out = (int)a->u.b - (int)b->u.b;
		return true;
	case CEL_T_INT:
		*out = a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
		return true;
	case CEL_T_DOUBLE:
		if (isnan(a->u.d) || isnan(b->u.d))
			return false;
		*out = a->u.d < b->u.d ? -1 : a->u.d > b->u.d;
		return true;
	case CEL_T_STRING:
		/* Byte order of UTF-8 is code point order. */
		n = a->u.s->len < b->u.s->len ? a->u.s->len : b->u.s->len;
		r = memcmp(a->u.s->data, b->u.s->data, n);
		if (r == 0)
			r = a->u.s->len < b->u.s->len ? -1 : a->u.s->len > b->u.s->len;
		*out = r;
		return true;
	case CEL_T_LIST:
	case CEL_T_MAP:
	case CEL_T_TYPE:
	case CEL_T_ERROR:
	case CEL_T_DYN:
	case CEL_T_UINT:
	case CEL_T_BYTES:
		break;
	}
	return false;
}

static bool
fold_int(int op, int64_t a, int64_t b, int64_t *r)
{
	switch (op) {
	case CEL_OP_ADD:
		return !__builtin_add_overflow(a, b, r);
	case CEL_OP_SUB:
		return !__builtin_sub_overflow(a, b, r);
	case CEL_OP_MUL:
		return !__builtin_mul_overflow(a, b, r);
	case CEL_OP_DIV:
	case CEL_OP_MOD:
		if (b == 0 || (a == INT64_MIN && b == -1))
			return false;  /* the run-time error belongs to the evaluation */
		*r = op == CEL_OP_DIV ? a / b : a % b;
		return true;
	default:
		return false;
	}
}

static bool
fold_double(int op, double a, double b, double *r)
{
	switch (op) {
	case CEL_OP_ADD:
		*r = a + b;
		break;
	case CEL_OP_SUB:
		*r = a - b;
		break;
	case CEL_OP_MUL:
		*r = a * b;
		break;
	case CEL_OP_DIV:
		if (b == 0)
			return false;
		*r = a / b;
		break;
	default:
		return false;
	}
	return isfinite(*r);
}

/* Replace n by its child (a branch decided at compile time). */
static void
replace_by(struct cel_node *n, const struct cel_node *child)
{
	struct cel_loc loc = n->loc;

	*n = *child;
	n->loc = loc;
}

static void
fold_binary(struct checker *c, struct cel_node *n)
{
	struct cel_node *a = n->args[0], *b = n->args[1];
	struct cel_string *s;
	int64_t i;
	double d;
	int cmp;

	switch (n->op) {
	case CEL_OP_AND:
	case CEL_OP_OR: {
		/* false && x and x && false are false even when x is an error. */
		bool absorb = n->op == CEL_OP_OR;

		if (is_const_bool(a, absorb) || is_const_bool(b, absorb))
			set_literal(n, val_bool(absorb));
		else if (is_const_bool(a, !absorb) && b->rtype == CEL_T_BOOL)
			replace_by(n, b);
		else if (is_const_bool(b, !absorb) && a->rtype == CEL_T_BOOL)
			replace_by(n, a);
		return;
	}
	case CEL_OP_ADD:
	case CEL_OP_SUB:
	case CEL_OP_MUL:
	case CEL_OP_DIV:
	case CEL_OP_MOD:
		if (is_const(a, CEL_T_INT) && is_const(b, CEL_T_INT)) {
			if (fold_int(n->op, a->lit.u.i, b->lit.u.i, &i))
				set_literal(n, val_int(i));
		} else if (is_const(a, CEL_T_DOUBLE) && is_const(b, CEL_T_DOUBLE)) {
			if (fold_double(n->op, a->lit.u.d, b->lit.u.d, &d))
				set_literal(n, val_double(d));
		} else if (n->op == CEL_OP_ADD && is_const(a, CEL_T_STRING) &&
			   is_const(b, CEL_T_STRING)) {
			struct cel_value v;
			size_t alen = a->lit.u.s->len, len = alen + b->lit.u.s->len;
			char *tmp = xmalloc(len + 1);

			/* Join first: copying len bytes from a alone would read past it. */
			memcpy(tmp, a->lit.u.s->data, alen);
			memcpy(tmp + alen, b->lit.u.s->data, b->lit.u.s->len);
			s = cel_lit_string(&c->prog->arena, tmp, len,
					   a->lit.u.s->nchars + b->lit.u.s->nchars);
			free(tmp);
			memset(&v, 0, sizeof(v));
			v.type = CEL_T_STRING;
			v.u.s = s;
			set_literal(n, v);
		}
		return;
	case CEL_OP_LT:
	case CEL_OP_LE:
	case CEL_OP_GT:
	case CEL_OP_GE:
	case CEL_OP_EQ:
	case CEL_OP_NE:
		if (a->kind != CEL_N_LITERAL || b->kind != CEL_N_LITERAL ||
		    !const_compare(&a->lit, &b->lit, &cmp))
			return;
		if (a->lit.type == CEL_T_NULL && n->op != CEL_OP_EQ && n->op != CEL_OP_NE)
			return;
		set_literal(n, val_bool(n->op == CEL_OP_LT   ? cmp < 0
					: n->op == CEL_OP_LE ? cmp <= 0
					: n->op == CEL_OP_GT ? cmp > 0
					: n->op == CEL_OP_GE ? cmp >= 0
					: n->op == CEL_OP_EQ ? cmp == 0
							     : cmp != 0));
		return;
	default:
		return;
	}
}

/* ------------------------------------------------------------- operators */

static bool
is_number(enum cel_type t)
{
	return t == CEL_T_INT || t == CEL_T_DOUBLE;
}

/* The type both operands share, dyn standing for either; CEL_T_ERROR if none. */
static enum cel_type
common_type(enum cel_type a, enum cel_type b)
{
	if (a == CEL_T_DYN)
		return b;
	if (b == CEL_T_DYN || a == b)
		return a;
	return CEL_T_ERROR;
}

static void
check_unary(struct checker *c, struct cel_node *n)
{
	struct cel_node *a = n->args[0];

	check(c, a);
	if (n->op == CEL_OP_NOT) {
		n->rtype = CEL_T_BOOL;
		if (!is_bool_or_dyn(a->rtype))
			no_overload(c, n, op_names[n->op], n->args, 1, NULL);
		else if (is_const(a, CEL_T_BOOL))
			set_literal(n, val_bool(!a->lit.u.b));
		return;
	}
	n->rtype = a->rtype;
	if (a->rtype != CEL_T_DYN && !is_number(a->rtype)) {
		no_overload(c, n, op_names[n->op], n->args, 1, NULL);
		n->rtype = CEL_T_DYN;
	} else if (is_const(a, CEL_T_INT) && a->lit.u.i != INT64_MIN) {
		set_literal(n, val_int(-a->lit.u.i));
	} else if (is_const(a, CEL_T_DOUBLE)) {
		set_literal(n, val_double(-a->lit.u.d));
	}
}

/* Operand types that are always unequal: a mistake in a rule. */
static bool
never_equal(enum cel_type a, enum cel_type b)
{
	if (a == CEL_T_DYN || b == CEL_T_DYN || a == CEL_T_NULL || b == CEL_T_NULL || a == b)
		return false;
	return !(is_number(a) && is_number(b));
}

static void
check_binary(struct checker *c, struct cel_node *n)
{
	enum cel_type a, b, t;
	bool ok;

	check(c, n->args[0]);
	check(c, n->args[1]);
	a = n->args[0]->rtype;
	b = n->args[1]->rtype;
	switch (n->op) {
	case CEL_OP_AND:
	case CEL_OP_OR:
		n->rtype = CEL_T_BOOL;
		ok = is_bool_or_dyn(a) && is_bool_or_dyn(b);
		break;
	case CEL_OP_ADD:
	case CEL_OP_SUB:
	case CEL_OP_MUL:
	case CEL_OP_DIV:
	case CEL_OP_MOD:
		t = common_type(a, b);
		n->rtype = t;
		if (n->op == CEL_OP_MOD)
			ok = t == CEL_T_INT || t == CEL_T_DYN;
		else if (n->op == CEL_OP_ADD)
			ok = is_number(t) || t == CEL_T_STRING || t == CEL_T_LIST || t == CEL_T_DYN;
		else
			ok = is_number(t) || t == CEL_T_DYN;
		break;
	case CEL_OP_LT:
	case CEL_OP_LE:
	case CEL_OP_GT:
	case CEL_OP_GE:
		n->rtype = CEL_T_BOOL;
		t = is_number(a) && is_number(b) ? CEL_T_INT : common_type(a, b);
		ok = is_number(t) || t == CEL_T_STRING || t == CEL_T_BOOL || t == CEL_T_DYN;
		break;
	case CEL_OP_EQ:
	case CEL_OP_NE:
		n->rtype = CEL_T_BOOL;
		if (never_equal(a, b)) {
			error_at(c, "cel.type", n, "comparison of %s with %s is always %s", tname(a),
				 tname(b), n->op == CEL_OP_EQ ? "false" : "true");
			return;
		}
		ok = true;
		break;
	case CEL_OP_IN:
		n->rtype = CEL_T_BOOL;
		ok = b == CEL_T_LIST || b == CEL_T_MAP || b == CEL_T_DYN;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok) {
		no_overload(c, n, op_names[n->op], n->args, 2, NULL);
		n->rtype = n->rtype == CEL_T_ERROR ? CEL_T_DYN : n->rtype;
		return;
	}
	fold_binary(c, n);
}

static void
check_cond(struct checker *c, struct cel_node *n)
{
	struct cel_node *k = n->args[0];
	enum cel_type a, b;

	check(c, k);
	check(c, n->args[1]);
	check(c, n->args[2]);
	a = n->args[1]->rtype;
	b = n->args[2]->rtype;
	n->rtype = a == b ? a : CEL_T_DYN;
	if (!is_bool_or_dyn(k->rtype)) {
		error_at(c, "cel.type", k, "the condition of ?: gives %s; it must give bool",
			 tname(k->rtype));
		return;
	}
	if (a != b && a != CEL_T_DYN && b != CEL_T_DYN && a != CEL_T_NULL && b != CEL_T_NULL) {
		error_at(c, "cel.type", n,
			 "the branches of ?: give %s and %s; they must give the same type", tname(a),
			 tname(b));
		return;
	}
	if (is_const(k, CEL_T_BOOL))
		replace_by(n, n->args[k->lit.u.b ? 1 : 2]);
}

static void
check_macro(struct checker *c, struct cel_node *n)
{
	const char *name = macro_names[n->op];
	enum cel_type r;

	check(c, n->args[0]);
	r = n->args[0]->rtype;
	if (r != CEL_T_LIST && r != CEL_T_MAP && r != CEL_T_DYN)
		error_at(c, "cel.type", n->args[0], "%s() ranges over a list or a map, not %s", name,
			 tname(r));
	n->slot = (int)(c->prog->nvars + c->nscope);
	c->scope[c->nscope++] = n->name;
	if (c->nscope > c->maxscope)
		c->maxscope = c->nscope;
	check(c, n->args[1]);
	if (n->nargs > 2)
		check(c, n->args[2]);
	c->nscope--;
	if (n->op != CEL_MACRO_MAP && !is_bool_or_dyn(n->args[1]->rtype))
		error_at(c, "cel.type", n->args[1], "the predicate of %s() gives %s; it must give bool",
			 name, tname(n->args[1]->rtype));
	if (n->nargs > 2 && !is_bool_or_dyn(n->args[2]->rtype))
		error_at(c, "cel.type", n->args[2], "the filter of %s() gives %s; it must give bool",
			 name, tname(n->args[2]->rtype));
	n->rtype = n->op == CEL_MACRO_MAP || n->op == CEL_MACRO_FILTER ? CEL_T_LIST : CEL_T_BOOL;
}

/* ------------------------------------------------------------------ calls */

/* ref(field): the record of another domain that field refers to. */
static void
check_ref(struct checker *c, struct cel_node *n)
{
	struct cel_node *a = n->nargs == 1 ? n->args[0] : NULL;
	int slot;

	n->rtype = CEL_T_MAP;
	if (a == NULL || a->kind != CEL_N_IDENT) {
		error_at(c, "cel.type", n,
			 "ref() takes the name of a reference field, such as ref(supplier)");
		return;
	}
	check(c, a);
	if (a->slot < 0)
		return;  /* undeclared, reported */
	slot = a->slot;
	if ((size_t)slot >= c->prog->nvars || c->env->vars[slot].ref < 0) {
		error_at(c, "cel.type", a, "'%s' is not a reference field, so ref() cannot follow it",
			 a->name);
		return;
	}
	n->fn = CEL_FN_REF;
	n->slot = c->env->vars[slot].ref;
}

/*
 * a.b.f(x) where a is no variable may be the global function "a.b.f"
 * (strings.quote): the dotted name, or NULL when target is not a name.
 */
static char *
qualified_name(const struct checker *c, const struct cel_node *call)
{
	const char *parts[CEL_MAX_DEPTH + 1];
	const struct cel_node *t;
	struct mdg_buf b;
	size_t n = 0;

	for (t = call->target; t->kind == CEL_N_SELECT && n < CEL_MAX_DEPTH; t = t->target)
		parts[n++] = t->name;
	if (t->kind != CEL_N_IDENT || scope_find(c, t->name) >= 0 ||
	    cel_env_find(c->env, t->name) >= 0)
		return NULL;
	mdg_buf_init(&b, 0);
	(void)mdg_buf_printf(&b, "%s", t->name);
	while (n > 0)
		(void)mdg_buf_printf(&b, ".%s", parts[--n]);
	(void)mdg_buf_printf(&b, ".%s", call->name);
	return b.data;
}

static bool
accepts(const struct cel_builtin *bi, const enum cel_type *types)
{
	int k;

	for (k = 0; k < bi->nargs; k++)
		if (bi->args[k] != CEL_T_DYN && types[k] != CEL_T_DYN && bi->args[k] != types[k])
			return false;
	return true;
}

/* The result type of a call: dyn when overloads that fit disagree. */
static enum cel_type
call_result(const struct cel_node *n, bool recv, int nt, const enum cel_type *types)
{
	enum cel_type r = cel_builtins[n->fn].result;
	size_t i;

	for (i = (size_t)n->fn + 1; i < cel_nbuiltins; i++)
		if (cel_builtins[i].receiver == recv && cel_builtins[i].nargs == nt &&
		    strcmp(cel_builtins[i].name, n->name) == 0 && accepts(&cel_builtins[i], types) &&
		    cel_builtins[i].result != r)
			return CEL_T_DYN;
	return r;
}

static bool
is_unsupported_fn(const char *name)
{
	size_t i;

	for (i = 0; unsupported_fns[i] != NULL; i++)
		if (strcmp(unsupported_fns[i], name) == 0)
			return true;
	return false;
}

static void
unknown_function(struct checker *c, const struct cel_node *n, bool recv)
{
	struct suggest s = {n->name, NULL, SIZE_MAX};
	size_t i;

	if (cel_builtin_exists(n->name, !recv)) {
		if (recv)
			error_at(c, "cel.overload", n, "'%s' is a function, not a method: call it as %s(x)",
				 n->name, n->name);
		else
			error_at(c, "cel.overload", n, "'%s' is a method: call it as x.%s(...)", n->name,
				 n->name);
		return;
	}
	if (is_unsupported_fn(n->name)) {
		error_at(c, "cel.unsupported", n, "the function '%s' is not " SUBSET_NOTE, n->name);
		return;
	}
	for (i = 0; i < cel_nbuiltins && c->rep->nerrors < CEL_REPORT_MAX; i++)
		if (cel_builtins[i].receiver == recv)
			suggest_try(&s, cel_builtins[i].name);
	if (s.best != NULL)
		error_at(c, "cel.undeclared", n, "unknown function '%s' (did you mean '%s'?)", n->name,
			 s.best);
	else
		error_at(c, "cel.undeclared", n, "unknown function '%s'", n->name);
}

/* A constant matches() pattern, compiled once for every evaluation. */
static void
compile_regex(struct checker *c, struct cel_node *call, const struct cel_node *pat)
{
	const struct cel_string *s = pat->lit.u.s;
	const char *src = c->rep->text + pat->loc.offset;
	size_t skip = 0, q;
	pcre2_code *re;
	PCRE2_SIZE erroff;
	PCRE2_UCHAR msg[256];
	int errcode;

	re = pcre2_compile((PCRE2_SPTR)s->data, s->len, PCRE2_UTF, &errcode, &erroff, NULL);
	if (re == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		/* Point at the character when the literal is written as the pattern is. */
		while (skip < pat->loc.len && (src[skip] == 'r' || src[skip] == 'R'))
			skip++;
		q = skip + 2 < pat->loc.len && src[skip] == src[skip + 1] &&
				    src[skip] == src[skip + 2]
			? 3
			: 1;
		if (pat->loc.len == skip + 2 * q + s->len &&
		    memcmp(src + skip + q, s->data, s->len) == 0 && erroff <= s->len)
			cel_report_at(c->rep, "cel.regex", pat->loc.offset + skip + q + erroff, 1,
				      "invalid regular expression: %s (at offset %zu)",
				      (const char *)msg, (size_t)erroff);
		else
			error_at(c, "cel.regex", pat, "invalid regular expression: %s (at offset %zu)",
				 (const char *)msg, (size_t)erroff);
		return;
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	c->prog->regexes = xreallocarray(c->prog->regexes, c->prog->nregexes + 1,
					 sizeof(*c->prog->regexes));
	c->prog->regexes[c->prog->nregexes++] = re;
	call->aux = re;
}

#define CALL_MAX_TYPES 16

static void
check_call(struct checker *c, struct cel_node *n)
{
	enum cel_type types[CALL_MAX_TYPES];
	bool recv;
	char *qname;
	size_t i;
	int nt = 0;

	if (n->target == NULL && strcmp(n->name, "ref") == 0 && !cel_builtin_exists("ref", false)) {
		check_ref(c, n);
		return;
	}
	if (n->target != NULL && (qname = qualified_name(c, n)) != NULL) {
		if (cel_builtin_exists(qname, false)) {
			n->name = mdg_arena_strdup(&c->prog->arena, qname);
			n->target = NULL;
		} else if (!cel_builtin_exists(n->name, true)) {
			n->name = mdg_arena_strdup(&c->prog->arena, qname);
			free(qname);
			for (i = 0; i < n->nargs; i++)
				check(c, n->args[i]);
			unknown_function(c, n, false);
			return;
		}
		free(qname);
	}
	recv = n->target != NULL;
	if (recv) {
		check(c, n->target);
		types[nt++] = n->target->rtype;
	}
	for (i = 0; i < n->nargs; i++) {
		check(c, n->args[i]);
		if (nt < CALL_MAX_TYPES)
			types[nt++] = n->args[i]->rtype;
	}
	n->rtype = CEL_T_DYN;
	if (!cel_builtin_exists(n->name, recv)) {
		unknown_function(c, n, recv);
		return;
	}
	if (n->nargs + recv > CALL_MAX_TYPES ||
	    (n->fn = cel_builtin_find(n->name, recv, nt, types)) < 0) {
		n->fn = -1;
		no_overload(c, n, n->name, n->args, n->nargs, n->target);
		return;
	}
	n->rtype = call_result(n, recv, nt, types);
	if (strcmp(n->name, "matches") == 0 && n->nargs > 0 &&
	    is_const(n->args[n->nargs - 1], CEL_T_STRING))
		compile_regex(c, n, n->args[n->nargs - 1]);
}

static void
check(struct checker *c, struct cel_node *n)
{
	size_t i;

	switch (n->kind) {
	case CEL_N_LITERAL:
		check_literal(c, n);
		break;
	case CEL_N_IDENT:
		check_ident(c, n);
		break;
	case CEL_N_SELECT:
		check_select(c, n);
		break;
	case CEL_N_INDEX:
		check_index(c, n);
		break;
	case CEL_N_CALL:
		check_call(c, n);
		break;
	case CEL_N_LIST:
		for (i = 0; i < n->nargs; i++)
			check(c, n->args[i]);
		n->rtype = CEL_T_LIST;
		break;
	case CEL_N_MAP:
		check_map(c, n);
		break;
	case CEL_N_UNARY:
		check_unary(c, n);
		break;
	case CEL_N_BINARY:
		check_binary(c, n);
		break;
	case CEL_N_COND:
		check_cond(c, n);
		break;
	case CEL_N_MACRO:
		check_macro(c, n);
		break;
	}
}

/* --------------------------------------------------------------- programs */

int
cel_compile(struct cel_program **out, const struct cel_env *env, const char *text, size_t len,
	    const struct cel_source *src, enum cel_type want, struct mdg_diags *d)
{
	struct cel_report rep;
	struct cel_program *p;
	struct checker *c;
	struct cel_node *root;

	*out = NULL;
	memset(&rep, 0, sizeof(rep));
	rep.text = text != NULL ? text : "";
	rep.len = text != NULL ? len : 0;
	rep.src = src;
	rep.d = d;
	if (rep.len > CEL_MAX_EXPR_BYTES) {
		cel_report_at(&rep, "cel.limit", 0, 1, "expression is longer than %d bytes",
			      CEL_MAX_EXPR_BYTES);
		return MDG_ERR;
	}
	p = xcalloc(1, sizeof(*p));
	mdg_arena_init(&p->arena);
	p->nvars = cel_env_nvars(env);
	if ((root = cel_parse(p, &rep)) != NULL) {
		c = xcalloc(1, sizeof(*c));
		c->env = env;
		c->prog = p;
		c->rep = &rep;
		check(c, root);
		p->nslots = p->nvars + c->maxscope;
		free(c);
		if (want != CEL_T_DYN && root->rtype != CEL_T_DYN && root->rtype != want &&
		    rep.nerrors == 0)
			cel_report_at(&rep, "cel.type", root->loc.offset, root->loc.len,
				      "the expression gives %s; %s must give %s", tname(root->rtype),
				      want == CEL_T_BOOL ? "a rule's check" : "it", tname(want));
	}
	if (root == NULL || rep.nerrors > 0) {
		cel_program_free(p);
		return MDG_ERR;
	}
	p->root = root;
	p->type = root->rtype;
	*out = p;
	return MDG_OK;
}

void
cel_program_free(struct cel_program *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nregexes; i++)
		pcre2_code_free(p->regexes[i]);
	free(p->regexes);
	mdg_arena_free(&p->arena);
	free(p);
}

enum cel_type
cel_program_type(const struct cel_program *p)
{
	return p != NULL ? p->type : CEL_T_DYN;
}

static void
walk(const struct cel_node *n, void (*fn)(const struct cel_node *, void *), void *payload)
{
	size_t i;

	fn(n, payload);
	if (n->target != NULL)
		walk(n->target, fn, payload);
	for (i = 0; i < n->nargs; i++)
		walk(n->args[i], fn, payload);
}

void
cel_program_walk(const struct cel_program *p, void (*fn)(const struct cel_node *, void *),
		 void *payload)
{
	if (p != NULL && p->root != NULL)
		walk(p->root, fn, payload);
}

/* ---------------------------------------------------------------- explain */

static void
explain_string(const struct cel_string *s, FILE *out)
{
	size_t i;
	unsigned char ch;

	fputc('"', out);
	for (i = 0; i < s->len; i++) {
		ch = (unsigned char)s->data[i];
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '\t')
			fputs("\\t", out);
		else if (ch == '\r')
			fputs("\\r", out);
		else if (ch < 0x20 || ch == 0x7F)
			fprintf(out, "\\x%02X", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

/* The shortest decimal form that reads back as d, with a point or exponent. */
static void
explain_double(double d, FILE *out)
{
	char buf[40];
	int prec;

	if (isnan(d)) {
		fputs("NaN", out);
		return;
	}
	if (isinf(d)) {
		fputs(d > 0 ? "+Infinity" : "-Infinity", out);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, d);
	fputs(buf, out);
	if (strpbrk(buf, ".e") == NULL)
		fputs(".0", out);
}

static void
explain_literal(const struct cel_value *v, FILE *out)
{
	switch (v->type) {
	case CEL_T_NULL:
		fputs("null", out);
		break;
	case CEL_T_BOOL:
		fputs(v->u.b ? "true" : "false", out);
		break;
	case CEL_T_INT:
		fprintf(out, "%lld", (long long)v->u.i);
		break;
	case CEL_T_DOUBLE:
		explain_double(v->u.d, out);
		break;
	case CEL_T_STRING:
		explain_string(v->u.s, out);
		break;
	case CEL_T_TYPE:
		fprintf(out, "type(%s)", tname(v->u.t));
		break;
	case CEL_T_UINT:
		fprintf(out, "%lluu", (unsigned long long)v->u.i);
		break;
	case CEL_T_BYTES:
		fputc('b', out);
		explain_string(v->u.s, out);
		break;
	case CEL_T_LIST:
	case CEL_T_MAP:
	case CEL_T_ERROR:
	case CEL_T_DYN:
		fprintf(out, "<%s>", tname(v->type));
		break;
	}
}

static const char *const op_words[] = {
	[CEL_OP_NOT] = "not", [CEL_OP_NEG] = "neg", [CEL_OP_MUL] = "mul", [CEL_OP_DIV] = "div",
	[CEL_OP_MOD] = "mod", [CEL_OP_ADD] = "add", [CEL_OP_SUB] = "sub", [CEL_OP_LT] = "lt",
	[CEL_OP_LE] = "le", [CEL_OP_GT] = "gt", [CEL_OP_GE] = "ge", [CEL_OP_EQ] = "eq",
	[CEL_OP_NE] = "ne", [CEL_OP_IN] = "in", [CEL_OP_AND] = "and", [CEL_OP_OR] = "or",
};

static void
explain_node(const struct cel_node *n, int depth, FILE *out)
{
	size_t i;

	fprintf(out, "%*s", depth * 2, "");
	switch (n->kind) {
	case CEL_N_LITERAL:
		fputs("const ", out);
		explain_literal(&n->lit, out);
		fputc('\n', out);
		break;
	case CEL_N_IDENT:
		fprintf(out, "var %s #%d : %s\n", n->name, n->slot, tname(n->rtype));
		break;
	case CEL_N_SELECT:
		if (n->test_only)
			fprintf(out, "has .%s : bool\n", n->name);
		else
			fprintf(out, "select .%s : %s\n", n->name, tname(n->rtype));
		break;
	case CEL_N_INDEX:
		fprintf(out, "index : %s\n", tname(n->rtype));
		break;
	case CEL_N_CALL:
		if (n->fn == CEL_FN_REF)
			fprintf(out, "ref #%d : map\n", n->slot);
		else if (n->target != NULL)
			fprintf(out, "call %s/%zu (%s) : %s%s\n", n->name, n->nargs,
				tname(n->target->rtype), tname(n->rtype),
				n->aux != NULL ? " [pattern compiled]" : "");
		else
			fprintf(out, "call %s/%zu : %s%s\n", n->name, n->nargs, tname(n->rtype),
				n->aux != NULL ? " [pattern compiled]" : "");
		break;
	case CEL_N_LIST:
		fprintf(out, "list/%zu : list\n", n->nargs);
		break;
	case CEL_N_MAP:
		fprintf(out, "map/%zu : map\n", n->nargs / 2);
		break;
	case CEL_N_UNARY:
	case CEL_N_BINARY:
		fprintf(out, "%s : %s\n", op_words[n->op], tname(n->rtype));
		break;
	case CEL_N_COND:
		fprintf(out, "cond : %s\n", tname(n->rtype));
		break;
	case CEL_N_MACRO:
		fprintf(out, "%s %s #%d%s : %s\n", macro_names[n->op], n->name, n->slot,
			n->nargs > 2 ? " (filtered)" : "", tname(n->rtype));
		break;
	}
	if (n->target != NULL)
		explain_node(n->target, depth + 1, out);
	for (i = 0; i < n->nargs; i++)
		explain_node(n->args[i], depth + 1, out);
}

/*
 * One node a line, children indented under their parent: the receiver of
 * a method call first, then the arguments in order; a macro's children
 * are its range, its predicate or transform, and the filter of a
 * three-argument map ("(filtered)").
 */
void
cel_program_explain(const struct cel_program *p, FILE *out)
{
	if (p != NULL && p->root != NULL)
		explain_node(p->root, 0, out);
}
