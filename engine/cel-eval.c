/*
 * cel-eval.c - evaluation of a compiled CEL program: a recursive walk over
 * its AST that returns a value, errors included (CEL_T_ERROR values).
 *
 * Operators, literals, selection, indexing, conditionals and macros are
 * evaluated here; function calls are dispatched on the run-time types of
 * their arguments through the table in cel-builtins.c.  Every node
 * evaluated costs one step; past the context's limit the whole evaluation
 * yields "evaluation cost limit exceeded", which no && or || absorbs.
 *
 * Nothing is allocated for operators on scalars, field access, `in` on a
 * list literal, or the variables of macros nested up to EV_LOCAL_SLOTS
 * deep; new strings, lists, maps and error messages come from the
 * context's arena.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cel-builtins.h"
#include "cel-int.h"

#define EV_LOCAL_SLOTS 16   /* macro nesting levels whose variables live on the stack */
#define EV_CALL_MAX 8       /* operands of one call, the receiver included */

/*
 * Variables: slots[0 .. nvars-1] are the caller's values of the
 * environment's variables (the caller passes at least that many); slots
 * nvars .. nslots-1 hold the variables of the macros being evaluated (one
 * per nesting level, see cel-int.h) in local[], the evaluator's own frame:
 * on cel_eval's stack for up to EV_LOCAL_SLOTS levels, in the arena beyond.
 */
struct ev {
	struct cel_ctx *c;
	const struct cel_value *slots;
	struct cel_value *local;   /* local[slot - nvars] */
	size_t nvars;
	size_t nslots;
	size_t limit;
	bool halted;               /* the cost limit was passed */
};

static struct cel_value eval(struct ev *e, const struct cel_node *n);

static const char *const op_names[] = {
	[CEL_OP_NOT] = "!_",
	[CEL_OP_NEG] = "-_",
	[CEL_OP_MUL] = "_*_",
	[CEL_OP_DIV] = "_/_",
	[CEL_OP_MOD] = "_%_",
	[CEL_OP_ADD] = "_+_",
	[CEL_OP_SUB] = "_-_",
	[CEL_OP_LT] = "_<_",
	[CEL_OP_LE] = "_<=_",
	[CEL_OP_GT] = "_>_",
	[CEL_OP_GE] = "_>=_",
	[CEL_OP_EQ] = "_==_",
	[CEL_OP_NE] = "_!=_",
	[CEL_OP_IN] = "@in",
	[CEL_OP_AND] = "_&&_",
	[CEL_OP_OR] = "_||_",
};

static const char *const macro_names[] = {
	[CEL_MACRO_ALL] = "all",
	[CEL_MACRO_EXISTS] = "exists",
	[CEL_MACRO_EXISTS_ONE] = "exists_one",
	[CEL_MACRO_MAP] = "map",
	[CEL_MACRO_FILTER] = "filter",
};

static const struct cel_list empty_list = {0, NULL};

static const char *
op_name(int op)
{
	if (op < 0 || (size_t)op >= sizeof(op_names) / sizeof(op_names[0]))
		return "?";
	return op_names[op];
}

static struct cel_value
cost_error(void)
{
	struct cel_value v;

	v.type = CEL_T_ERROR;
	v.u.err = "evaluation cost limit exceeded";
	return v;
}

static struct cel_value
halt(struct ev *e)
{
	e->halted = true;
	return cost_error();
}

static struct cel_value
list_value(const struct cel_list *l)
{
	struct cel_value v;

	v.type = CEL_T_LIST;
	v.u.list = l;
	return v;
}

static struct cel_value
string_value(const struct cel_string *s)
{
	struct cel_value v;

	v.type = CEL_T_STRING;
	v.u.s = s;
	return v;
}

static struct cel_value
map_value(const struct cel_map *m)
{
	struct cel_value v;

	v.type = CEL_T_MAP;
	v.u.map = m;
	return v;
}

/* "found no matching overload for 'name' applied to '(int, string)'" */
static struct cel_value
no_overload(struct ev *e, const char *name, const struct cel_value *args, int nargs)
{
	char types[128];
	size_t len = 0;
	int i;

	types[0] = '\0';
	for (i = 0; i < nargs && len < sizeof(types); i++)
		len += (size_t)snprintf(types + len, sizeof(types) - len, "%s%s", i > 0 ? ", " : "",
					cel_type_name(args[i].type));
	return cel_error(&e->c->arena, "found no matching overload for '%s' applied to '(%s)'",
			 name, types);
}

static struct cel_value
no_overload2(struct ev *e, const char *name, const struct cel_value *a, const struct cel_value *b)
{
	struct cel_value args[2];

	args[0] = *a;
	args[1] = *b;
	return no_overload(e, name, args, 2);
}

/* A key for a message: "name", "42", "true". */
static const char *
key_text(const struct cel_value *k, char *buf, size_t size)
{
	switch (k->type) {
	case CEL_T_STRING:
		return k->u.s->data;
	case CEL_T_INT:
		snprintf(buf, size, "%" PRId64, k->u.i);
		return buf;
	case CEL_T_DOUBLE:
		snprintf(buf, size, "%g", k->u.d);
		return buf;
	case CEL_T_BOOL:
		return k->u.b ? "true" : "false";
	default:
		snprintf(buf, size, "a value of type %s", cel_type_name(k->type));
		return buf;
	}
}

static bool
double_as_index(double d, int64_t *out)
{
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != trunc(d))
		return false;
	*out = (int64_t)d;
	return true;
}

/* ------------------------------------------------------------- operators */

static struct cel_value
concat_strings(struct ev *e, const struct cel_string *a, const struct cel_string *b)
{
	struct cel_string *s;
	size_t len;

	if (b->len == 0)
		return string_value(a);
	if (a->len == 0)
		return string_value(b);
	if (!mdg_size_add(a->len, b->len, &len) || len > SIZE_MAX - sizeof(*s) - 1)
		return cel_error(&e->c->arena, "string too large");
	e->c->cost += len / 64;
	s = mdg_arena_alloc(&e->c->arena, sizeof(*s) + len + 1);
	memcpy(s->data, a->data, a->len);
	memcpy(s->data + a->len, b->data, b->len);
	s->data[len] = '\0';
	s->len = len;
	s->nchars = a->nchars != SIZE_MAX && b->nchars != SIZE_MAX ? a->nchars + b->nchars
								    : SIZE_MAX;
	return string_value(s);
}

static struct cel_value
concat_lists(struct ev *e, const struct cel_list *a, const struct cel_list *b)
{
	struct cel_list *l;
	size_t n;

	if (b->n == 0)
		return list_value(a);
	if (a->n == 0)
		return list_value(b);
	if (!mdg_size_add(a->n, b->n, &n) || n > SIZE_MAX / sizeof(*l->items))
		return cel_error(&e->c->arena, "list too large");
	e->c->cost += n;
	l = mdg_arena_alloc(&e->c->arena, sizeof(*l));
	l->items = mdg_arena_alloc(&e->c->arena, n * sizeof(*l->items));
	memcpy(l->items, a->items, a->n * sizeof(*l->items));
	memcpy(l->items + a->n, b->items, b->n * sizeof(*l->items));
	l->n = n;
	return list_value(l);
}

static struct cel_value
overflow(struct ev *e)
{
	return cel_error(&e->c->arena, "integer overflow");
}

static struct cel_value
arith(struct ev *e, int op, const struct cel_value *l, const struct cel_value *r)
{
	int64_t a, b, x;

	if (l->type == CEL_T_INT && r->type == CEL_T_INT) {
		a = l->u.i;
		b = r->u.i;
		switch (op) {
		case CEL_OP_ADD:
			if (__builtin_add_overflow(a, b, &x))
				return overflow(e);
			return cel_int(x);
		case CEL_OP_SUB:
			if (__builtin_sub_overflow(a, b, &x))
				return overflow(e);
			return cel_int(x);
		case CEL_OP_MUL:
			if (__builtin_mul_overflow(a, b, &x))
				return overflow(e);
			return cel_int(x);
		case CEL_OP_DIV:
			if (b == 0)
				return cel_error(&e->c->arena, "division by zero");
			if (a == INT64_MIN && b == -1)
				return overflow(e);
			return cel_int(a / b);
		case CEL_OP_MOD:
			if (b == 0)
				return cel_error(&e->c->arena, "modulus by zero");
			if (a == INT64_MIN && b == -1)
				return overflow(e);
			return cel_int(a % b);
		default:
			break;
		}
	} else if (l->type == CEL_T_DOUBLE && r->type == CEL_T_DOUBLE) {
		switch (op) {
		case CEL_OP_ADD:
			return cel_double(l->u.d + r->u.d);
		case CEL_OP_SUB:
			return cel_double(l->u.d - r->u.d);
		case CEL_OP_MUL:
			return cel_double(l->u.d * r->u.d);
		case CEL_OP_DIV:
			return cel_double(l->u.d / r->u.d);
		default:
			break;   /* no % on doubles */
		}
	} else if (op == CEL_OP_ADD && l->type == CEL_T_STRING && r->type == CEL_T_STRING) {
		return concat_strings(e, l->u.s, r->u.s);
	} else if (op == CEL_OP_ADD && l->type == CEL_T_LIST && r->type == CEL_T_LIST) {
		return concat_lists(e, l->u.list, r->u.list);
	}
	return no_overload2(e, op_name(op), l, r);
}

/* -1, 0, 1, or 2 when unordered (NaN); -2 when the types have no order. */
static int
compare(const struct cel_value *l, const struct cel_value *r)
{
	double a, b;
	size_t n;
	int c;

	if (l->type == CEL_T_INT && r->type == CEL_T_INT)
		return (l->u.i > r->u.i) - (l->u.i < r->u.i);
	if ((l->type == CEL_T_INT || l->type == CEL_T_DOUBLE) &&
	    (r->type == CEL_T_INT || r->type == CEL_T_DOUBLE)) {
		/* As doubles, the way CEL compares across the numeric types. */
		a = l->type == CEL_T_INT ? (double)l->u.i : l->u.d;
		b = r->type == CEL_T_INT ? (double)r->u.i : r->u.d;
		if (isnan(a) || isnan(b))
			return 2;
		return (a > b) - (a < b);
	}
	if (l->type == CEL_T_STRING && r->type == CEL_T_STRING) {
		n = l->u.s->len < r->u.s->len ? l->u.s->len : r->u.s->len;
		c = memcmp(l->u.s->data, r->u.s->data, n);
		if (c != 0)
			return c < 0 ? -1 : 1;
		return (l->u.s->len > r->u.s->len) - (l->u.s->len < r->u.s->len);
	}
	if (l->type == CEL_T_BOOL && r->type == CEL_T_BOOL)
		return (int)l->u.b - (int)r->u.b;
	return -2;
}

static struct cel_value
relation(struct ev *e, int op, const struct cel_value *l, const struct cel_value *r)
{
	int c = compare(l, r);

	if (c == -2)
		return no_overload2(e, op_name(op), l, r);
	if (c == 2)
		return cel_bool(false);
	switch (op) {
	case CEL_OP_LT:
		return cel_bool(c < 0);
	case CEL_OP_LE:
		return cel_bool(c <= 0);
	case CEL_OP_GT:
		return cel_bool(c > 0);
	default:
		return cel_bool(c >= 0);
	}
}

static struct cel_value
membership(struct ev *e, const struct cel_value *x, const struct cel_value *coll)
{
	size_t i;

	if (coll->type == CEL_T_LIST) {
		for (i = 0; i < coll->u.list->n; i++) {
			e->c->cost++;
			if (cel_equal(x, &coll->u.list->items[i]))
				return cel_bool(true);
		}
		return cel_bool(false);
	}
	if (coll->type == CEL_T_MAP) {
		e->c->cost += coll->u.map->n;
		return cel_bool(cel_map_get(coll->u.map, x) != NULL);
	}
	return no_overload2(e, op_name(CEL_OP_IN), x, coll);
}

/* x in [a, b, c]: compared element by element, without building the list.
 * Every element is evaluated, so that an error among them still shows. */
static struct cel_value
in_literal(struct ev *e, const struct cel_value *x, const struct cel_node *list)
{
	struct cel_value v;
	bool found = false;
	size_t i;

	for (i = 0; i < list->nargs; i++) {
		v = eval(e, list->args[i]);
		if (v.type == CEL_T_ERROR)
			return v;
		if (!found && cel_equal(x, &v))
			found = true;
	}
	return cel_bool(found);
}

/* && and ||: an operand that decides (false for &&, true for ||) wins over an
 * error or a non-bool on the other side, whichever side it is on. */
static struct cel_value
logic(struct ev *e, const struct cel_node *n, bool is_and)
{
	struct cel_value l, r;

	l = eval(e, n->args[0]);
	if (e->halted)
		return cost_error();
	if (l.type == CEL_T_BOOL && l.u.b != is_and)
		return l;
	r = eval(e, n->args[1]);
	if (e->halted)
		return cost_error();
	if (r.type == CEL_T_BOOL && r.u.b != is_and)
		return r;
	if (l.type == CEL_T_BOOL && r.type == CEL_T_BOOL)
		return l;
	if (l.type == CEL_T_ERROR)
		return l;
	if (r.type == CEL_T_ERROR)
		return r;
	return no_overload2(e, is_and ? "_&&_" : "_||_", &l, &r);
}

static struct cel_value
eval_unary(struct ev *e, const struct cel_node *n)
{
	struct cel_value v = eval(e, n->args[0]);

	if (v.type == CEL_T_ERROR)
		return v;
	if (n->op == CEL_OP_NOT && v.type == CEL_T_BOOL)
		return cel_bool(!v.u.b);
	if (n->op == CEL_OP_NEG && v.type == CEL_T_INT) {
		if (v.u.i == INT64_MIN)
			return overflow(e);
		return cel_int(-v.u.i);
	}
	if (n->op == CEL_OP_NEG && v.type == CEL_T_DOUBLE)
		return cel_double(-v.u.d);
	return no_overload(e, op_name(n->op), &v, 1);
}

static struct cel_value
eval_binary(struct ev *e, const struct cel_node *n)
{
	struct cel_value l, r;

	if (n->op == CEL_OP_AND || n->op == CEL_OP_OR)
		return logic(e, n, n->op == CEL_OP_AND);
	l = eval(e, n->args[0]);
	if (l.type == CEL_T_ERROR)
		return l;
	if (n->op == CEL_OP_IN && n->args[1]->kind == CEL_N_LIST)
		return in_literal(e, &l, n->args[1]);
	r = eval(e, n->args[1]);
	if (r.type == CEL_T_ERROR)
		return r;
	switch (n->op) {
	case CEL_OP_MUL:
	case CEL_OP_DIV:
	case CEL_OP_MOD:
	case CEL_OP_ADD:
	case CEL_OP_SUB:
		return arith(e, n->op, &l, &r);
	case CEL_OP_LT:
	case CEL_OP_LE:
	case CEL_OP_GT:
	case CEL_OP_GE:
		return relation(e, n->op, &l, &r);
	case CEL_OP_EQ:
		return cel_bool(cel_equal(&l, &r));
	case CEL_OP_NE:
		return cel_bool(!cel_equal(&l, &r));
	case CEL_OP_IN:
		return membership(e, &l, &r);
	default:
		return cel_error(&e->c->arena, "internal error: unknown operator %d", n->op);
	}
}

/* ------------------------------------------------------------ other nodes */

static struct cel_value
eval_ident(struct ev *e, const struct cel_node *n)
{
	size_t slot = (size_t)n->slot;

	if (n->slot < 0 || slot >= e->nslots)
		return cel_error(&e->c->arena, "undeclared reference to '%s'",
				 n->name != NULL ? n->name : "?");
	if (slot >= e->nvars)
		return e->local[slot - e->nvars];
	if (e->slots == NULL)
		return cel_error(&e->c->arena, "no value for variable '%s'",
				 n->name != NULL ? n->name : "?");
	return e->slots[slot];
}

static struct cel_value
eval_select(struct ev *e, const struct cel_node *n)
{
	const struct cel_map *m;
	struct cel_value t;
	size_t i, len;

	t = eval(e, n->target);
	if (t.type == CEL_T_ERROR)
		return t;
	if (t.type != CEL_T_MAP)
		return cel_error(&e->c->arena, "type '%s' does not support field selection",
				 cel_type_name(t.type));
	m = t.u.map;
	len = strlen(n->name);
	for (i = 0; i < m->n; i++) {
		if (m->keys[i].type == CEL_T_STRING && m->keys[i].u.s->len == len &&
		    memcmp(m->keys[i].u.s->data, n->name, len) == 0)
			return n->test_only ? cel_bool(true) : m->values[i];
	}
	if (n->test_only)
		return cel_bool(false);
	return cel_error(&e->c->arena, "no such key: %s", n->name);
}

static struct cel_value
eval_index(struct ev *e, const struct cel_node *n)
{
	const struct cel_value *found;
	struct cel_value a, b;
	char buf[64];
	int64_t i;

	a = eval(e, n->args[0]);
	if (a.type == CEL_T_ERROR)
		return a;
	b = eval(e, n->args[1]);
	if (b.type == CEL_T_ERROR)
		return b;
	if (a.type == CEL_T_LIST) {
		if (b.type == CEL_T_INT) {
			i = b.u.i;
		} else if (b.type == CEL_T_DOUBLE) {
			/* A double index must have an integral value. */
			if (!double_as_index(b.u.d, &i))
				return cel_error(&e->c->arena, "unsupported index value: %g", b.u.d);
		} else {
			return no_overload2(e, "_[_]", &a, &b);
		}
		if (i < 0 || (uint64_t)i >= a.u.list->n)
			return cel_error(&e->c->arena, "index out of bounds: %" PRId64, i);
		return a.u.list->items[i];
	}
	if (a.type == CEL_T_MAP) {
		found = cel_map_get(a.u.map, &b);
		if (found == NULL)
			return cel_error(&e->c->arena, "no such key: %s",
					 key_text(&b, buf, sizeof(buf)));
		return *found;
	}
	return no_overload2(e, "_[_]", &a, &b);
}

static struct cel_value
eval_list(struct ev *e, const struct cel_node *n)
{
	struct cel_list *l;
	struct cel_value v;
	size_t i;

	if (n->nargs == 0)
		return list_value(&empty_list);
	l = mdg_arena_alloc(&e->c->arena, sizeof(*l));
	l->items = mdg_arena_alloc(&e->c->arena, n->nargs * sizeof(*l->items));
	l->n = n->nargs;
	for (i = 0; i < n->nargs; i++) {
		v = eval(e, n->args[i]);
		if (v.type == CEL_T_ERROR)
			return v;
		l->items[i] = v;
	}
	return list_value(l);
}

static struct cel_value
eval_map(struct ev *e, const struct cel_node *n)
{
	static const struct cel_map empty_map = {0, NULL, NULL};
	struct cel_value k, v;
	struct cel_map *m;
	char buf[64];
	size_t i, npairs = n->nargs / 2;

	if (npairs == 0)
		return map_value(&empty_map);
	m = mdg_arena_alloc(&e->c->arena, sizeof(*m));
	m->keys = mdg_arena_alloc(&e->c->arena, npairs * sizeof(*m->keys));
	m->values = mdg_arena_alloc(&e->c->arena, npairs * sizeof(*m->values));
	m->n = 0;
	for (i = 0; i < npairs; i++) {
		k = eval(e, n->args[2 * i]);
		if (k.type == CEL_T_ERROR)
			return k;
		if (k.type != CEL_T_INT && k.type != CEL_T_STRING && k.type != CEL_T_BOOL)
			return cel_error(&e->c->arena, "unsupported key type: %s",
					 cel_type_name(k.type));
		v = eval(e, n->args[2 * i + 1]);
		if (v.type == CEL_T_ERROR)
			return v;
		if (cel_map_get(m, &k) != NULL)
			return cel_error(&e->c->arena, "Failed with repeated key: %s",
					 key_text(&k, buf, sizeof(buf)));
		m->keys[m->n] = k;
		m->values[m->n] = v;
		m->n++;
	}
	return map_value(m);
}

static struct cel_value
eval_cond(struct ev *e, const struct cel_node *n)
{
	struct cel_value c = eval(e, n->args[0]);

	if (c.type == CEL_T_ERROR)
		return c;
	if (c.type != CEL_T_BOOL)
		return no_overload(e, "_?_:_", &c, 1);
	return eval(e, n->args[c.u.b ? 1 : 2]);
}

/* A predicate that is not a bool: the error CEL's expansion of the macro gives. */
static struct cel_value
not_bool(struct ev *e, int macro, const struct cel_value *v)
{
	struct cel_value accu = cel_bool(true);

	if (macro == CEL_MACRO_ALL)
		return no_overload2(e, "_&&_", &accu, v);
	if (macro == CEL_MACRO_EXISTS)
		return no_overload2(e, "_||_", &accu, v);
	return no_overload(e, "_?_:_", v, 1);
}

/*
 * all and exists absorb errors the way && and || do: a deciding element
 * (false for all, true for exists) wins, else the first error is the
 * result.  exists_one, map and filter stop at the first error.
 */
static struct cel_value
eval_macro(struct ev *e, const struct cel_node *n)
{
	struct cel_value range, saved, v, f, result, err, *var;
	const struct cel_value *elems;
	struct cel_list *out = NULL;
	size_t count, i;
	int64_t ntrue = 0;
	bool have_err = false;
	int op = n->op;

	err = cel_null();
	range = eval(e, n->args[0]);
	if (range.type == CEL_T_ERROR)
		return range;
	if (op < CEL_MACRO_ALL || op > CEL_MACRO_FILTER || n->nargs < 2 ||
	    n->slot < (int)e->nvars || (size_t)n->slot >= e->nslots)
		return cel_error(&e->c->arena, "internal error: malformed macro node");
	var = &e->local[n->slot - (int)e->nvars];
	if (range.type == CEL_T_LIST) {
		elems = range.u.list->items;
		count = range.u.list->n;
	} else if (range.type == CEL_T_MAP) {
		elems = range.u.map->keys;
		count = range.u.map->n;
	} else {
		return no_overload(e, macro_names[op], &range, 1);
	}
	saved = *var;
	if (op == CEL_MACRO_MAP || op == CEL_MACRO_FILTER) {
		out = mdg_arena_alloc(&e->c->arena, sizeof(*out));
		out->items = count ? mdg_arena_alloc(&e->c->arena, count * sizeof(*out->items)) : NULL;
		out->n = 0;
	}
	for (i = 0; i < count; i++) {
		if (++e->c->cost > e->limit) {
			result = halt(e);
			goto done;
		}
		*var = elems[i];
		switch (op) {
		case CEL_MACRO_ALL:
		case CEL_MACRO_EXISTS:
			v = eval(e, n->args[1]);
			if (e->halted) {
				result = cost_error();
				goto done;
			}
			if (v.type == CEL_T_BOOL) {
				if (v.u.b == (op == CEL_MACRO_EXISTS)) {
					result = v;
					goto done;
				}
			} else if (!have_err) {
				err = v.type == CEL_T_ERROR ? v : not_bool(e, op, &v);
				have_err = true;
			}
			break;
		case CEL_MACRO_EXISTS_ONE:
			v = eval(e, n->args[1]);
			if (v.type != CEL_T_BOOL) {
				result = v.type == CEL_T_ERROR ? v : not_bool(e, op, &v);
				goto done;
			}
			ntrue += v.u.b;
			break;
		case CEL_MACRO_MAP:
			if (n->nargs >= 3) {
				f = eval(e, n->args[2]);
				if (f.type != CEL_T_BOOL) {
					result = f.type == CEL_T_ERROR ? f : not_bool(e, op, &f);
					goto done;
				}
				if (!f.u.b)
					break;
			}
			v = eval(e, n->args[1]);
			if (v.type == CEL_T_ERROR) {
				result = v;
				goto done;
			}
			out->items[out->n++] = v;
			break;
		case CEL_MACRO_FILTER:
			v = eval(e, n->args[1]);
			if (v.type != CEL_T_BOOL) {
				result = v.type == CEL_T_ERROR ? v : not_bool(e, op, &v);
				goto done;
			}
			if (v.u.b)
				out->items[out->n++] = elems[i];
			break;
		}
	}
	switch (op) {
	case CEL_MACRO_ALL:
	case CEL_MACRO_EXISTS:
		result = have_err ? err : cel_bool(op == CEL_MACRO_ALL);
		break;
	case CEL_MACRO_EXISTS_ONE:
		result = cel_bool(ntrue == 1);
		break;
	default:
		result = list_value(out);
		break;
	}
done:
	*var = saved;
	return result;
}

/* ref(field) (fn CEL_FN_REF): the record of another domain whose key is the
 * field's value, null when there is none.  slot is the ref's index. */
static struct cel_value
eval_ref(struct ev *e, const struct cel_node *n)
{
	struct cel_value key, out;

	key = eval(e, n->args[0]);
	if (key.type == CEL_T_ERROR)
		return key;
	if (e->c->ref == NULL)
		return cel_error(&e->c->arena, "ref() is not available here");
	if (!e->c->ref(e->c->ref_payload, n->slot, &key, &out))
		return cel_null();
	return out;
}

static bool
builtin_accepts(const struct cel_builtin *b, const struct cel_node *n, int nargs,
		const struct cel_value *args)
{
	int k;

	/* The checker resolved n->fn by this very name: only the arity and
	 * the run-time types need a look (a strcmp here was 4% of a check). */
	if (b->receiver != (n->target != NULL) || b->nargs != nargs)
		return false;
	for (k = 0; k < nargs; k++)
		if (b->args[k] != CEL_T_DYN && b->args[k] != args[k].type)
			return false;
	return true;
}

static struct cel_value
eval_call(struct ev *e, const struct cel_node *n)
{
	struct cel_value args[EV_CALL_MAX], v;
	enum cel_type types[EV_CALL_MAX];
	int nargs = 0, k, idx;
	size_t i;

	if (n->fn == CEL_FN_REF && n->nargs == 1)
		return eval_ref(e, n);
	if (n->nargs + (n->target != NULL) > EV_CALL_MAX)
		return cel_error(&e->c->arena, "found no matching overload for '%s' applied to %zu arguments",
				 n->name, n->nargs + (n->target != NULL));
	if (n->target != NULL) {
		args[nargs] = eval(e, n->target);
		if (args[nargs].type == CEL_T_ERROR)
			return args[nargs];
		nargs++;
	}
	for (i = 0; i < n->nargs; i++) {
		args[nargs] = eval(e, n->args[i]);
		if (args[nargs].type == CEL_T_ERROR)
			return args[nargs];
		nargs++;
	}
	idx = -1;
	if (n->fn >= 0 && (size_t)n->fn < cel_nbuiltins &&
	    builtin_accepts(&cel_builtins[n->fn], n, nargs, args))
		idx = n->fn;
	if (idx < 0 && nargs <= CEL_BUILTIN_MAX_ARGS) {
		for (k = 0; k < nargs; k++)
			types[k] = args[k].type;
		idx = cel_builtin_find(n->name, n->target != NULL, nargs, types);
	}
	if (idx < 0) {
		if (!cel_builtin_exists(n->name, n->target != NULL) &&
		    !cel_builtin_exists(n->name, n->target == NULL))
			return cel_error(&e->c->arena, "unbound function: %s", n->name);
		return no_overload(e, n->name, args, nargs);
	}
	v = cel_builtins[idx].fn(e->c, n, args);
	if (e->c->cost > e->limit)
		return halt(e);
	return v;
}

static struct cel_value
eval(struct ev *e, const struct cel_node *n)
{
	if (++e->c->cost > e->limit)
		return halt(e);
	switch (n->kind) {
	case CEL_N_LITERAL:
		return n->lit;
	case CEL_N_IDENT:
		return eval_ident(e, n);
	case CEL_N_SELECT:
		return eval_select(e, n);
	case CEL_N_INDEX:
		return eval_index(e, n);
	case CEL_N_CALL:
		return eval_call(e, n);
	case CEL_N_LIST:
		return eval_list(e, n);
	case CEL_N_MAP:
		return eval_map(e, n);
	case CEL_N_UNARY:
		return eval_unary(e, n);
	case CEL_N_BINARY:
		return eval_binary(e, n);
	case CEL_N_COND:
		return eval_cond(e, n);
	case CEL_N_MACRO:
		return eval_macro(e, n);
	}
	return cel_error(&e->c->arena, "internal error: unknown node kind %d", (int)n->kind);
}

struct cel_value
cel_eval(const struct cel_program *p, const struct cel_value *slots, struct cel_ctx *c)
{
	struct cel_value buf[EV_LOCAL_SLOTS], v;
	struct ev e;
	size_t i, nlocal;

	c->cost = 0;
	if (p == NULL || p->root == NULL)
		return cel_error(&c->arena, "internal error: no program");
	e.c = c;
	e.slots = slots;
	e.nvars = p->nvars;
	e.nslots = p->nslots > p->nvars ? p->nslots : p->nvars;
	nlocal = e.nslots - e.nvars;
	e.local = nlocal <= EV_LOCAL_SLOTS ? buf : mdg_arena_alloc(&c->arena, nlocal * sizeof(*buf));
	for (i = 0; i < nlocal; i++)
		e.local[i] = cel_null();
	e.limit = c->cost_limit != 0 ? c->cost_limit : CEL_DEFAULT_COST;
	e.halted = false;
	v = eval(&e, p->root);
	if (e.halted)
		return cost_error();
	return v;
}
