/*
 * test_cel_eval.c - the CEL run time: operators, error absorption,
 * selection and indexing, macros, the built-in functions, the cost limit,
 * allocation-free evaluation, and JSON output and input.
 *
 * Programs are built by hand as ASTs (the shape the compiler produces), so
 * these tests do not depend on the parser.  Expected values follow the CEL
 * conformance files in shared/cel-spec.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "cel-builtins.h"
#include "cel-int.h"
#include "cel.h"

#define NVARS 30    /* slots 0..29: variables; 30..NSLOTS-1: macro variables */
#define NSLOTS 80   /* more macro levels than the evaluator keeps on its stack */

static struct mdg_arena nodes;          /* the ASTs */
static struct cel_ctx ctx;              /* evaluates the programs under test */
static struct cel_ctx inctx;            /* makes input values that outlive resets of ctx */
static struct cel_value slots[NSLOTS];
static size_t nslots = NSLOTS;          /* the programs' nslots */

static int
setup(void **state)
{
	size_t i;

	(void)state;
	mdg_arena_init(&nodes);
	cel_ctx_init(&ctx);
	cel_ctx_init(&inctx);
	nslots = NSLOTS;
	for (i = 0; i < NSLOTS; i++)
		slots[i] = cel_null();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mdg_arena_free(&nodes);
	cel_ctx_free(&ctx);
	cel_ctx_free(&inctx);
	return 0;
}

/* ------------------------------------------------------------ AST builders */

static struct cel_node *
node(enum cel_node_kind kind)
{
	struct cel_node *n = mdg_arena_alloc(&nodes, sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->rtype = CEL_T_DYN;
	n->slot = -1;
	n->fn = -1;
	return n;
}

static struct cel_node *
lit(struct cel_value v)
{
	struct cel_node *n = node(CEL_N_LITERAL);

	n->lit = v;
	return n;
}

static struct cel_value
sval(const char *s)
{
	return cel_string(&nodes, s, strlen(s));
}

static struct cel_node **
arglist(size_t n, va_list ap)
{
	struct cel_node **args = n ? mdg_arena_alloc(&nodes, n * sizeof(*args)) : NULL;
	size_t i;

	for (i = 0; i < n; i++)
		args[i] = va_arg(ap, struct cel_node *);
	return args;
}

static struct cel_node *
nodev(enum cel_node_kind kind, int op, size_t n, ...)
{
	struct cel_node *x = node(kind);
	va_list ap;

	va_start(ap, n);
	x->args = arglist(n, ap);
	va_end(ap);
	x->nargs = n;
	x->op = op;
	return x;
}

static struct cel_node *
var(int slot)
{
	struct cel_node *n = node(CEL_N_IDENT);

	n->slot = slot;
	n->name = "v";
	return n;
}

static struct cel_node *
call(const char *name, struct cel_node *target, size_t n, ...)
{
	struct cel_node *x = node(CEL_N_CALL);
	va_list ap;

	va_start(ap, n);
	x->args = arglist(n, ap);
	va_end(ap);
	x->nargs = n;
	x->name = name;
	x->target = target;
	return x;
}

static struct cel_node *
sel(struct cel_node *target, const char *name, bool test_only)
{
	struct cel_node *n = node(CEL_N_SELECT);

	n->target = target;
	n->name = name;
	n->test_only = test_only;
	return n;
}

static struct cel_node *
macro(int op, int slot, struct cel_node *range, struct cel_node *body, struct cel_node *filter)
{
	struct cel_node *n = filter ? nodev(CEL_N_MACRO, op, 3, range, body, filter)
				    : nodev(CEL_N_MACRO, op, 2, range, body);

	n->slot = slot;
	n->name = "x";
	return n;
}

#define INT(x) lit(cel_int(x))
#define DBL(x) lit(cel_double(x))
#define STR(x) lit(sval(x))
#define BOOL(x) lit(cel_bool(x))
#define NUL() lit(cel_null())
#define ERR() nodev(CEL_N_BINARY, CEL_OP_DIV, 2, INT(1), INT(0))   /* "division by zero" */
#define OP1(op, a) nodev(CEL_N_UNARY, op, 1, a)
#define OP2(op, a, b) nodev(CEL_N_BINARY, op, 2, a, b)
#define ADD(a, b) OP2(CEL_OP_ADD, a, b)
#define SUB(a, b) OP2(CEL_OP_SUB, a, b)
#define MUL(a, b) OP2(CEL_OP_MUL, a, b)
#define DIV(a, b) OP2(CEL_OP_DIV, a, b)
#define MOD(a, b) OP2(CEL_OP_MOD, a, b)
#define LT(a, b) OP2(CEL_OP_LT, a, b)
#define LE(a, b) OP2(CEL_OP_LE, a, b)
#define GT(a, b) OP2(CEL_OP_GT, a, b)
#define GE(a, b) OP2(CEL_OP_GE, a, b)
#define EQ(a, b) OP2(CEL_OP_EQ, a, b)
#define NE(a, b) OP2(CEL_OP_NE, a, b)
#define IN(a, b) OP2(CEL_OP_IN, a, b)
#define AND(a, b) OP2(CEL_OP_AND, a, b)
#define OR(a, b) OP2(CEL_OP_OR, a, b)
#define NOT(a) OP1(CEL_OP_NOT, a)
#define NEG(a) OP1(CEL_OP_NEG, a)
#define COND(a, b, c) nodev(CEL_N_COND, 0, 3, a, b, c)
#define INDEX(a, b) nodev(CEL_N_INDEX, 0, 2, a, b)
#define LIST(n, ...) nodev(CEL_N_LIST, 0, n, __VA_ARGS__)
#define ELIST() nodev(CEL_N_LIST, 0, 0)
#define MAP(n, ...) nodev(CEL_N_MAP, 0, n, __VA_ARGS__)
#define EMAP() nodev(CEL_N_MAP, 0, 0)
#define G(name, n, ...) call(name, NULL, n, __VA_ARGS__)   /* name(args) */
#define M(target, name, n, ...) call(name, target, n, __VA_ARGS__)   /* target.name(args) */
#define M0(target, name) call(name, target, 0)

static struct cel_value
run(struct cel_node *root)
{
	struct cel_program p;

	memset(&p, 0, sizeof(p));
	p.root = root;
	p.nvars = NVARS;
	p.nslots = nslots;
	p.type = CEL_T_DYN;
	return cel_eval(&p, slots, &ctx);
}

/* The value of an expression, kept until the end of the test. */
static struct cel_value
input(struct cel_node *root)
{
	struct cel_program p;

	memset(&p, 0, sizeof(p));
	p.root = root;
	p.nvars = NVARS;
	p.nslots = NSLOTS;
	return cel_eval(&p, slots, &inctx);
}

/* ------------------------------------------------------------ expectations */

static void
show(const char *what, struct cel_value v, const char *file, int line)
{
	print_message("%s:%d: expected %s, got %s", file, line, what, cel_type_name(v.type));
	if (v.type == CEL_T_ERROR)
		print_message(" \"%s\"", v.u.err);
	print_message(": ");
	cel_value_json(&v, stdout);
	print_message("\n");
}

static void
expect_bool(struct cel_value v, bool want, const char *file, int line)
{
	if (v.type != CEL_T_BOOL || v.u.b != want) {
		show(want ? "true" : "false", v, file, line);
		_fail(file, line);
	}
}

static void
expect_int(struct cel_value v, int64_t want, const char *file, int line)
{
	if (v.type != CEL_T_INT || v.u.i != want) {
		print_message("want %lld\n", (long long)want);
		show("an int", v, file, line);
		_fail(file, line);
	}
}

static void
expect_double(struct cel_value v, double want, const char *file, int line)
{
	if (v.type != CEL_T_DOUBLE || !(v.u.d == want || (isnan(want) && isnan(v.u.d))) ||
	    (!isnan(want) && signbit(v.u.d) != signbit(want))) {
		print_message("want %g\n", want);
		show("a double", v, file, line);
		_fail(file, line);
	}
}

static void
expect_str(struct cel_value v, const char *want, const char *file, int line)
{
	if (v.type != CEL_T_STRING || v.u.s->len != strlen(want) ||
	    memcmp(v.u.s->data, want, v.u.s->len) != 0 || v.u.s->data[v.u.s->len] != '\0') {
		print_message("want \"%s\"\n", want);
		show("a string", v, file, line);
		_fail(file, line);
	}
}

static void
expect_err(struct cel_value v, const char *want, const char *file, int line)
{
	if (v.type != CEL_T_ERROR || strstr(v.u.err, want) == NULL) {
		print_message("want error containing \"%s\"\n", want);
		show("an error", v, file, line);
		_fail(file, line);
	}
}

/* The JSON text of a value. */
static char *
json_of(struct cel_value v)
{
	static char text[1024];
	FILE *f = fmemopen(text, sizeof(text), "w");

	assert_non_null(f);
	cel_value_json(&v, f);
	fclose(f);
	return text;
}

#define EXPECT_TRUE(x) expect_bool(run(x), true, __FILE__, __LINE__)
#define EXPECT_FALSE(x) expect_bool(run(x), false, __FILE__, __LINE__)
#define EXPECT_INT(x, w) expect_int(run(x), (w), __FILE__, __LINE__)
#define EXPECT_DBL(x, w) expect_double(run(x), (w), __FILE__, __LINE__)
#define EXPECT_STR(x, w) expect_str(run(x), (w), __FILE__, __LINE__)
#define EXPECT_ERR(x, w) expect_err(run(x), (w), __FILE__, __LINE__)
#define EXPECT_JSON(x, w) assert_string_equal(json_of(run(x)), (w))

/* ---------------------------------------------------------------- tests */

static void
test_cel_eval_int_arithmetic(void **state)
{
	(void)state;
	EXPECT_INT(ADD(INT(40), INT(2)), 42);
	EXPECT_INT(ADD(INT(42), INT(-7)), 35);
	EXPECT_INT(SUB(INT(-42), INT(-12)), -30);
	EXPECT_INT(MUL(INT(40), INT(-2)), -80);
	EXPECT_INT(DIV(INT(-20), INT(2)), -10);
	EXPECT_INT(DIV(INT(-80), INT(-2)), 40);
	EXPECT_INT(MOD(INT(47), INT(5)), 2);
	EXPECT_INT(MOD(INT(43), INT(-5)), 3);
	EXPECT_INT(MOD(INT(-42), INT(-5)), -2);
	EXPECT_INT(MOD(INT(-3), INT(5)), -3);
	EXPECT_INT(NEG(INT(42)), -42);
	EXPECT_INT(NEG(NEG(INT(42))), 42);
	EXPECT_INT(NEG(INT(0)), 0);
	EXPECT_TRUE(EQ(MUL(INT(5), ADD(INT(15), INT(25))),
		       ADD(MUL(INT(5), INT(15)), MUL(INT(5), INT(25)))));
}

static void
test_cel_eval_int_overflow(void **state)
{
	(void)state;
	EXPECT_ERR(ADD(INT(INT64_MAX), INT(1)), "integer overflow");
	EXPECT_ERR(SUB(INT(INT64_MIN), INT(1)), "integer overflow");
	EXPECT_ERR(ADD(INT(INT64_MIN), INT(-1)), "integer overflow");
	EXPECT_ERR(SUB(INT(1), INT(-INT64_MAX)), "integer overflow");
	EXPECT_ERR(NEG(INT(INT64_MIN)), "integer overflow");
	EXPECT_ERR(MUL(INT(INT64_MIN), INT(-1)), "integer overflow");
	EXPECT_ERR(DIV(INT(INT64_MIN), INT(-1)), "integer overflow");
	EXPECT_ERR(MOD(INT(INT64_MIN), INT(-1)), "integer overflow");
	EXPECT_ERR(MUL(INT(5000000000), INT(5000000000)), "integer overflow");
	EXPECT_ERR(MUL(INT(-5000000000), INT(5000000000)), "integer overflow");
	EXPECT_INT(ADD(INT(INT64_MAX - 1), INT(1)), INT64_MAX);
	EXPECT_INT(SUB(INT(INT64_MIN + 1), INT(1)), INT64_MIN);
}

static void
test_cel_eval_division_by_zero(void **state)
{
	(void)state;
	EXPECT_ERR(DIV(INT(15), INT(0)), "division by zero");
	EXPECT_ERR(MOD(INT(34), INT(0)), "modulus by zero");
	EXPECT_DBL(DIV(DBL(15.75), DBL(0.0)), INFINITY);
	EXPECT_DBL(DIV(DBL(-1.0), DBL(0.0)), -INFINITY);
	EXPECT_DBL(DIV(DBL(0.0), DBL(0.0)), NAN);
}

static void
test_cel_eval_double_arithmetic(void **state)
{
	(void)state;
	EXPECT_DBL(ADD(DBL(4.25), DBL(15.25)), 19.5);
	EXPECT_DBL(SUB(DBL(-4.875), DBL(-0.125)), -4.75);
	EXPECT_DBL(MUL(DBL(40.75), DBL(-2.25)), -91.6875);
	EXPECT_DBL(DIV(DBL(-8.875), DBL(-0.0625)), 142);
	EXPECT_DBL(NEG(DBL(0.0)), -0.0);
	EXPECT_DBL(NEG(DBL(-1.25)), 1.25);
	EXPECT_DBL(MUL(DBL(2.0), DBL(8.988466e+307)), INFINITY);
	EXPECT_DBL(DIV(DBL(4.9406564584124654e-324), DBL(2.0)), 0.0);
	EXPECT_ERR(MOD(DBL(47.5), DBL(5.5)),
		   "found no matching overload for '_%_' applied to '(double, double)'");
}

static void
test_cel_eval_no_mixed_arithmetic(void **state)
{
	(void)state;
	EXPECT_ERR(ADD(INT(1), DBL(1.0)),
		   "found no matching overload for '_+_' applied to '(int, double)'");
	EXPECT_ERR(MUL(DBL(2.0), INT(3)), "no matching overload");
	EXPECT_ERR(ADD(STR("a"), INT(1)), "'_+_' applied to '(string, int)'");
	EXPECT_ERR(SUB(STR("a"), STR("a")), "no matching overload");
	EXPECT_ERR(NEG(BOOL(false)), "found no matching overload for '-_' applied to '(bool)'");
	EXPECT_ERR(NOT(INT(0)), "found no matching overload for '!_' applied to '(int)'");
	EXPECT_FALSE(NOT(BOOL(true)));
	EXPECT_TRUE(NOT(BOOL(false)));
	/* Errors propagate from either operand, the left one first. */
	EXPECT_ERR(ADD(ERR(), MOD(INT(1), INT(0))), "division by zero");
	EXPECT_ERR(ADD(INT(1), MOD(INT(1), INT(0))), "modulus by zero");
}

static void
test_cel_eval_concatenation(void **state)
{
	struct cel_value v;

	(void)state;
	EXPECT_STR(ADD(STR("he"), STR("llo")), "hello");
	EXPECT_STR(ADD(ADD(STR("¢"), STR("ÿ")), STR("Ȁ")), "¢ÿȀ");
	EXPECT_STR(ADD(STR(""), STR("")), "");
	EXPECT_TRUE(EQ(ADD(LIST(3, INT(0), INT(1), INT(2)), LIST(3, INT(3), INT(4), INT(5))),
		       LIST(6, INT(0), INT(1), INT(2), INT(3), INT(4), INT(5))));
	EXPECT_FALSE(EQ(ADD(LIST(1, INT(0)), LIST(1, INT(3))), LIST(2, INT(3), INT(0))));
	v = run(ADD(ELIST(), ELIST()));
	assert_int_equal(v.type, CEL_T_LIST);
	assert_int_equal(v.u.list->n, 0);
	EXPECT_INT(G("size", 1, ADD(LIST(1, INT(2)), LIST(1, INT(2)))), 2);
	EXPECT_INT(G("size", 1, ADD(STR("ä"), STR("ö"))), 2);
}

static void
test_cel_eval_ordering(void **state)
{
	(void)state;
	EXPECT_TRUE(LT(INT(-1), INT(0)));
	EXPECT_FALSE(LT(INT(0), INT(0)));
	EXPECT_TRUE(LE(INT(1), INT(1)));
	EXPECT_TRUE(GE(INT(999), INT(999)));
	EXPECT_FALSE(GT(INT(0), INT(0)));
	EXPECT_TRUE(LT(DBL(1.0), DBL(1.0000001)));
	EXPECT_FALSE(LT(DBL(-0.0), DBL(0.0)));
	/* int against double, as CEL does it (by the double values). */
	EXPECT_TRUE(LT(INT(1), DBL(2.0)));
	EXPECT_FALSE(LT(INT(1), DBL(1.0)));
	EXPECT_TRUE(GT(DBL(2.0), INT(1)));
	EXPECT_FALSE(LT(INT(INT64_MAX), DBL(9223372036854775808.0)));
	EXPECT_TRUE(LE(INT(INT64_MAX), DBL(9223372036854775808.0)));
	EXPECT_TRUE(LT(INT(INT64_MAX), DBL(9223372036854777857.0)));
	EXPECT_FALSE(LT(INT(INT64_MIN), DBL(-9223372036854775809.0)));
	EXPECT_TRUE(GE(INT(INT64_MIN), DBL(-9223372036854775809.0)));
	EXPECT_FALSE(GT(DBL(9223372036854775808.0), INT(INT64_MAX)));
	/* NaN is unordered. */
	EXPECT_FALSE(LT(DBL(NAN), DBL(1.0)));
	EXPECT_FALSE(GE(DBL(NAN), DBL(NAN)));
	EXPECT_FALSE(LE(INT(1), DBL(NAN)));
	/* Strings by code point (byte order of UTF-8). */
	EXPECT_TRUE(LT(STR("Abc"), STR("aBC")));
	EXPECT_TRUE(LT(STR("abc"), STR("abcd")));
	EXPECT_TRUE(LT(STR(""), STR("a")));
	EXPECT_FALSE(LT(STR("a"), STR("AB")));
	EXPECT_TRUE(LT(STR("a"), STR("\u00E1")));
	EXPECT_TRUE(LT(STR("f"), STR("\u1EBF")));
	EXPECT_TRUE(GT(STR("α"), STR("omega")));
	EXPECT_TRUE(LE(STR("a"), STR("α")));
	EXPECT_TRUE(LT(BOOL(false), BOOL(true)));
	EXPECT_FALSE(GT(BOOL(false), BOOL(true)));
	EXPECT_TRUE(GE(BOOL(true), BOOL(true)));
	EXPECT_ERR(LT(NUL(), NUL()), "found no matching overload for '_<_' applied to '(null_type, null_type)'");
	EXPECT_ERR(LT(LIST(1, INT(0)), LIST(1, INT(1))), "no matching overload");
	EXPECT_ERR(GE(STR("foo"), DBL(1.0)), "'_>=_' applied to '(string, double)'");
	EXPECT_ERR(GT(EMAP(), EMAP()), "no matching overload");
}

static void
test_cel_eval_equality(void **state)
{
	(void)state;
	EXPECT_TRUE(EQ(INT(1), DBL(1.0)));
	EXPECT_TRUE(EQ(DBL(1.0), INT(1)));
	EXPECT_FALSE(EQ(INT(2), DBL(1.0)));
	EXPECT_FALSE(NE(INT(1), DBL(1.0)));
	EXPECT_FALSE(EQ(DIV(DBL(0.0), DBL(0.0)), DIV(DBL(0.0), DBL(0.0))));
	EXPECT_TRUE(NE(DIV(DBL(0.0), DBL(0.0)), DIV(DBL(0.0), DBL(0.0))));
	EXPECT_FALSE(EQ(INT(1), DIV(DBL(0.0), DBL(0.0))));
	EXPECT_TRUE(EQ(NUL(), NUL()));
	EXPECT_FALSE(EQ(BOOL(false), NUL()));
	EXPECT_FALSE(EQ(STR("1"), INT(1)));   /* different types: false, not an error */
	EXPECT_TRUE(NE(STR("1"), INT(1)));
	EXPECT_FALSE(EQ(STR("a"), STR("à")));
	EXPECT_FALSE(EQ(STR("Am\u00E9lie"), STR("Ame\u0301lie")));
	EXPECT_TRUE(EQ(LIST(3, DBL(1.0), DBL(2.0), INT(3)), LIST(3, INT(1), INT(2), INT(3))));
	EXPECT_FALSE(EQ(LIST(2, DBL(1.0), DBL(2.1)), LIST(2, INT(1), INT(2))));
	EXPECT_FALSE(EQ(LIST(3, INT(1), STR("dos"), INT(3)), LIST(3, INT(1), INT(2), INT(4))));
	EXPECT_FALSE(EQ(LIST(1, STR("one")), LIST(2, INT(2), INT(3))));
	EXPECT_TRUE(EQ(LIST(1, NUL()), LIST(1, NUL())));
	EXPECT_FALSE(NE(LIST(1, ELIST()), LIST(1, ELIST())));
	EXPECT_TRUE(EQ(MAP(4, STR("k1"), STR("v1"), STR("k2"), STR("v2")),
		       MAP(4, STR("k2"), STR("v2"), STR("k1"), STR("v1"))));
	EXPECT_FALSE(EQ(MAP(4, STR("k"), INT(1), STR("j"), INT(2)),
			MAP(4, STR("k"), INT(1), STR("j"), NUL())));
	EXPECT_FALSE(EQ(MAP(4, STR("k"), STR("v"), STR("k1"), STR("v1")), MAP(2, STR("k"), STR("v"))));
	EXPECT_TRUE(EQ(MAP(2, INT(1), DBL(1.0)), MAP(2, INT(1), INT(1))));
	EXPECT_TRUE(EQ(EMAP(), EMAP()));
	EXPECT_FALSE(EQ(EMAP(), ELIST()));
	EXPECT_TRUE(EQ(G("type", 1, INT(1)), G("type", 1, INT(7))));
	EXPECT_FALSE(EQ(G("type", 1, DBL(0.0)), G("type", 1, INT(0))));
	EXPECT_TRUE(EQ(G("type", 1, G("type", 1, INT(7))), G("type", 1, G("type", 1, STR("x")))));
	EXPECT_ERR(EQ(ERR(), INT(1)), "division by zero");
	EXPECT_ERR(NE(INT(1), ERR()), "division by zero");
}

static void
test_cel_eval_in(void **state)
{
	(void)state;
	EXPECT_FALSE(IN(INT(7), ELIST()));
	EXPECT_TRUE(IN(STR("alpha"), LIST(3, STR("alpha"), STR("beta"), STR("gamma"))));
	EXPECT_TRUE(IN(INT(3), LIST(5, INT(5), INT(4), INT(3), INT(2), INT(1))));
	EXPECT_TRUE(IN(DBL(3.0), LIST(3, INT(5), INT(4), INT(3))));
	EXPECT_TRUE(IN(INT(3), LIST(2, DBL(5.0), DBL(3.0))));
	EXPECT_TRUE(IN(STR("elem"), LIST(3, INT(1), STR("elem"), INT(2))));
	EXPECT_FALSE(IN(STR("hawaiian"), LIST(2, STR("meat"), STR("veggie"))));
	/* An error among the elements of a list literal is the result. */
	EXPECT_ERR(IN(INT(1), LIST(2, INT(1), ERR())), "division by zero");
	EXPECT_ERR(IN(ERR(), LIST(1, INT(1))), "division by zero");
	/* A list value (not a literal) goes through the general path. */
	slots[0] = input(LIST(2, STR("a"), STR("b")));
	EXPECT_TRUE(IN(STR("b"), var(0)));
	EXPECT_FALSE(IN(STR("c"), var(0)));
	/* Maps: key presence, numbers by value. */
	EXPECT_FALSE(IN(INT(7), EMAP()));
	EXPECT_TRUE(IN(BOOL(true), MAP(2, BOOL(true), INT(1))));
	EXPECT_TRUE(IN(STR("George"), MAP(4, STR("John"), STR("smart"), STR("George"), STR("quiet"))));
	EXPECT_FALSE(IN(STR("spider"), MAP(2, STR("ant"), INT(6))));
	EXPECT_TRUE(IN(DBL(3.0), MAP(4, INT(1), INT(1), INT(3), INT(3))));
	EXPECT_FALSE(IN(DBL(3.1), MAP(4, INT(1), INT(1), INT(3), INT(3))));
	EXPECT_TRUE(IN(STR("key"), MAP(4, INT(3), DBL(3.0), STR("key"), INT(2))));
	EXPECT_FALSE(IN(NUL(), MAP(2, INT(3), INT(3))));
	EXPECT_ERR(IN(INT(1), INT(1)), "found no matching overload for '@in' applied to '(int, int)'");
}

/* The truth table of && and || with errors and non-bool operands. */
static void
test_cel_eval_and_absorbs_errors(void **state)
{
	(void)state;
	EXPECT_TRUE(AND(BOOL(true), BOOL(true)));
	EXPECT_FALSE(AND(BOOL(false), BOOL(false)));
	EXPECT_FALSE(AND(BOOL(false), BOOL(true)));
	EXPECT_FALSE(AND(BOOL(true), BOOL(false)));
	EXPECT_FALSE(AND(BOOL(false), ERR()));
	EXPECT_FALSE(AND(ERR(), BOOL(false)));
	EXPECT_ERR(AND(BOOL(true), ERR()), "division by zero");
	EXPECT_ERR(AND(ERR(), BOOL(true)), "division by zero");
	EXPECT_ERR(AND(ERR(), MOD(INT(1), INT(0))), "division by zero");
	EXPECT_FALSE(AND(BOOL(false), INT(32)));
	EXPECT_FALSE(AND(STR("horses"), BOOL(false)));
	EXPECT_ERR(AND(BOOL(true), INT(32)),
		   "found no matching overload for '_&&_' applied to '(bool, int)'");
	EXPECT_ERR(AND(STR("less filling"), STR("tastes great")), "no matching overload");
	EXPECT_ERR(AND(ERR(), INT(1)), "division by zero");
	EXPECT_ERR(AND(INT(1), ERR()), "division by zero");
}

static void
test_cel_eval_or_absorbs_errors(void **state)
{
	(void)state;
	EXPECT_TRUE(OR(BOOL(true), BOOL(true)));
	EXPECT_FALSE(OR(BOOL(false), BOOL(false)));
	EXPECT_TRUE(OR(BOOL(false), BOOL(true)));
	EXPECT_TRUE(OR(BOOL(true), BOOL(false)));
	EXPECT_TRUE(OR(BOOL(true), ERR()));
	EXPECT_TRUE(OR(ERR(), BOOL(true)));
	EXPECT_ERR(OR(BOOL(false), ERR()), "division by zero");
	EXPECT_ERR(OR(ERR(), BOOL(false)), "division by zero");
	EXPECT_TRUE(OR(BOOL(true), INT(32)));
	EXPECT_TRUE(OR(STR("horses"), BOOL(true)));
	EXPECT_ERR(OR(BOOL(false), INT(32)), "'_||_' applied to '(bool, int)'");
	EXPECT_ERR(OR(STR("less filling"), STR("tastes great")), "no matching overload");
	/* The conformance cases built on an index out of bounds. */
	EXPECT_TRUE(OR(INDEX(LIST(3, INT(1), INT(2), INT(3)), INT(3)), BOOL(true)));
	EXPECT_FALSE(AND(INDEX(LIST(3, INT(1), INT(2), INT(3)), INT(3)), BOOL(false)));
	EXPECT_ERR(OR(INDEX(LIST(3, INT(1), INT(2), INT(3)), INT(3)), BOOL(false)),
		   "index out of bounds: 3");
}

static void
test_cel_eval_conditional(void **state)
{
	(void)state;
	EXPECT_INT(COND(BOOL(true), INT(1), INT(2)), 1);
	EXPECT_STR(COND(BOOL(false), STR("foo"), STR("bar")), "bar");
	EXPECT_STR(COND(BOOL(true), STR("cows"), INT(17)), "cows");
	/* Only the chosen branch is evaluated. */
	EXPECT_INT(COND(BOOL(true), INT(1), ERR()), 1);
	EXPECT_INT(COND(BOOL(false), ERR(), INT(2)), 2);
	EXPECT_ERR(COND(GT(DIV(INT(2), INT(0)), INT(4)), STR("baz"), STR("quux")), "division by zero");
	EXPECT_ERR(COND(STR("cows"), BOOL(false), INT(17)),
		   "found no matching overload for '_?_:_' applied to '(string)'");
}

static void
test_cel_eval_select_and_has(void **state)
{
	struct cel_node *m = MAP(4, STR("a"), INT(1), STR("content-type"), STR("json"));

	(void)state;
	EXPECT_INT(sel(m, "a", false), 1);
	EXPECT_STR(sel(m, "content-type", false), "json");
	EXPECT_ERR(sel(m, "name", false), "no such key: name");
	EXPECT_TRUE(sel(m, "a", true));
	EXPECT_FALSE(sel(m, "c", true));
	EXPECT_FALSE(sel(EMAP(), "a", true));
	EXPECT_ERR(sel(INT(1), "pancakes", false), "type 'int' does not support field selection");
	EXPECT_ERR(sel(LIST(1, STR("x")), "pancakes", true), "does not support field selection");
	EXPECT_ERR(sel(ERR(), "a", true), "division by zero");
	/* A map in a variable: the record of `ref` and `mdgate eval --record`. */
	slots[3] = input(MAP(2, STR("name"), STR("Bolt")));
	EXPECT_STR(sel(var(3), "name", false), "Bolt");
	EXPECT_TRUE(OR(sel(var(3), "missing", false), BOOL(true)));
	EXPECT_ERR(AND(sel(var(3), "missing", false), BOOL(true)), "no such key: missing");
}

static void
test_cel_eval_index(void **state)
{
	struct cel_node *l = LIST(3, INT(7), INT(8), INT(9));
	struct cel_node *m = MAP(6, INT(1), DBL(1.0), INT(2), DBL(2.0), STR("n"), STR("x"));

	(void)state;
	EXPECT_INT(INDEX(l, INT(0)), 7);
	EXPECT_INT(INDEX(l, INT(2)), 9);
	EXPECT_INT(INDEX(l, DBL(0.0)), 7);
	EXPECT_ERR(INDEX(l, DBL(0.1)), "unsupported index value");
	EXPECT_ERR(INDEX(l, INT(5)), "index out of bounds: 5");
	EXPECT_ERR(INDEX(l, INT(-1)), "index out of bounds: -1");
	EXPECT_ERR(INDEX(l, STR("")), "found no matching overload for '_[_]' applied to '(list, string)'");
	EXPECT_DBL(INDEX(m, INT(2)), 2.0);
	EXPECT_DBL(INDEX(m, DBL(1.0)), 1.0);
	EXPECT_ERR(INDEX(m, DBL(1.5)), "no such key: 1.5");
	EXPECT_ERR(INDEX(m, INT(3)), "no such key: 3");
	EXPECT_STR(INDEX(m, STR("n")), "x");
	EXPECT_ERR(INDEX(m, STR("z")), "no such key: z");
	EXPECT_ERR(INDEX(m, NUL()), "no such key");
	EXPECT_INT(INDEX(MAP(4, BOOL(true), INT(1), BOOL(false), INT(2)), BOOL(true)), 1);
	/* No indexing of strings in CEL. */
	EXPECT_ERR(INDEX(STR("abc"), INT(0)), "found no matching overload for '_[_]' applied to '(string, int)'");
	EXPECT_ERR(INDEX(ERR(), INT(0)), "division by zero");
	EXPECT_ERR(INDEX(l, ERR()), "division by zero");
}

static void
test_cel_eval_literals(void **state)
{
	struct cel_value v;

	(void)state;
	EXPECT_ERR(LIST(3, INT(1), ERR(), MOD(INT(1), INT(0))), "division by zero");
	EXPECT_ERR(MAP(2, STR("a"), ERR()), "division by zero");
	EXPECT_ERR(MAP(2, ERR(), INT(1)), "division by zero");
	EXPECT_ERR(MAP(6, BOOL(true), INT(1), BOOL(false), INT(2), BOOL(true), INT(3)),
		   "Failed with repeated key");
	EXPECT_ERR(MAP(4, STR("k"), INT(1), STR("k"), INT(2)), "Failed with repeated key: k");
	EXPECT_ERR(MAP(4, DBL(3.3), DBL(15.15), DBL(1.0), INT(5)), "unsupported key type: double");
	EXPECT_ERR(MAP(2, NUL(), BOOL(false)), "unsupported key type: null_type");
	v = run(MAP(4, INT(1), STR("one"), STR("1"), STR("string one")));
	assert_int_equal(v.type, CEL_T_MAP);
	assert_int_equal(v.u.map->n, 2);
	v = run(LIST(2, LIST(1, INT(1)), EMAP()));
	assert_int_equal(v.type, CEL_T_LIST);
	assert_int_equal(v.u.list->n, 2);
	assert_int_equal(v.u.list->items[1].type, CEL_T_MAP);
}

static void
test_cel_eval_macro_all_exists(void **state)
{
	struct cel_node *l123 = LIST(3, INT(1), INT(2), INT(3));
	struct cel_node *mixed = LIST(3, INT(1), STR("foo"), INT(3));

	(void)state;
	EXPECT_TRUE(macro(CEL_MACRO_ALL, 30, l123, GT(var(30), INT(0)), NULL));
	EXPECT_FALSE(macro(CEL_MACRO_ALL, 30, l123, EQ(var(30), INT(2)), NULL));
	EXPECT_FALSE(macro(CEL_MACRO_ALL, 30, mixed, EQ(var(30), INT(1)), NULL));
	EXPECT_ERR(macro(CEL_MACRO_ALL, 30, mixed, EQ(MOD(var(30), INT(2)), INT(1)), NULL),
		   "no matching overload");
	/* An error is absorbed when another element decides. */
	EXPECT_FALSE(macro(CEL_MACRO_ALL, 30, l123,
			   EQ(DIV(INT(6), SUB(INT(2), var(30))), INT(6)), NULL));
	EXPECT_ERR(macro(CEL_MACRO_ALL, 30, l123, NE(DIV(var(30), INT(0)), INT(17)), NULL),
		   "division by zero");
	EXPECT_TRUE(macro(CEL_MACRO_ALL, 30, ELIST(), GT(var(30), INT(0)), NULL));
	EXPECT_ERR(macro(CEL_MACRO_ALL, 30, l123, var(30), NULL),
		   "found no matching overload for '_&&_' applied to '(bool, int)'");
	EXPECT_FALSE(macro(CEL_MACRO_ALL, 30, MAP(4, STR("key1"), INT(1), STR("key2"), INT(2)),
			   EQ(var(30), STR("key2")), NULL));

	EXPECT_TRUE(macro(CEL_MACRO_EXISTS, 30, l123, EQ(var(30), INT(2)), NULL));
	EXPECT_FALSE(macro(CEL_MACRO_EXISTS, 30, l123, GT(var(30), INT(3)), NULL));
	EXPECT_TRUE(macro(CEL_MACRO_EXISTS, 30, mixed, NE(var(30), STR("1")), NULL));
	EXPECT_FALSE(macro(CEL_MACRO_EXISTS, 30, mixed, EQ(var(30), STR("10")), NULL));
	EXPECT_ERR(macro(CEL_MACRO_EXISTS, 30, l123, EQ(DIV(var(30), INT(0)), INT(17)), NULL),
		   "division by zero");
	EXPECT_TRUE(macro(CEL_MACRO_EXISTS, 30, LIST(3, INT(0), INT(1), INT(2)),
			  EQ(DIV(INT(6), var(30)), INT(6)), NULL));
	EXPECT_FALSE(macro(CEL_MACRO_EXISTS, 30, ELIST(), EQ(var(30), INT(2)), NULL));
	EXPECT_TRUE(macro(CEL_MACRO_EXISTS, 30, MAP(4, STR("key"), INT(1), INT(1), INT(21)),
			  NE(var(30), INT(2)), NULL));
	EXPECT_FALSE(macro(CEL_MACRO_EXISTS, 30, MAP(4, STR("key"), INT(1), INT(1), INT(42)),
			   EQ(var(30), INT(2)), NULL));
	EXPECT_ERR(macro(CEL_MACRO_EXISTS, 30, INT(5), BOOL(true), NULL),
		   "found no matching overload for 'exists' applied to '(int)'");
	EXPECT_ERR(macro(CEL_MACRO_EXISTS, 30, ERR(), BOOL(true), NULL), "division by zero");
}

static void
test_cel_eval_macro_exists_one_map_filter(void **state)
{
	struct cel_value v;

	(void)state;
	EXPECT_FALSE(macro(CEL_MACRO_EXISTS_ONE, 30, ELIST(), EQ(var(30), INT(7)), NULL));
	EXPECT_TRUE(macro(CEL_MACRO_EXISTS_ONE, 30, LIST(1, INT(7)), EQ(var(30), INT(7)), NULL));
	EXPECT_TRUE(macro(CEL_MACRO_EXISTS_ONE, 30, LIST(3, INT(6), INT(7), INT(8)),
			  EQ(MOD(var(30), INT(5)), INT(2)), NULL));
	EXPECT_FALSE(macro(CEL_MACRO_EXISTS_ONE, 30, LIST(5, INT(0), INT(1), INT(2), INT(3), INT(4)),
			   EQ(MOD(var(30), INT(2)), INT(1)), NULL));
	/* No short cut: two matches already, then an error. */
	EXPECT_ERR(macro(CEL_MACRO_EXISTS_ONE, 30, LIST(4, INT(3), INT(2), INT(1), INT(0)),
			 GT(DIV(INT(12), var(30)), INT(1)), NULL),
		   "division by zero");
	EXPECT_TRUE(macro(CEL_MACRO_EXISTS_ONE, 30,
			  MAP(6, INT(6), STR("six"), INT(7), STR("seven"), INT(8), STR("eight")),
			  EQ(MOD(var(30), INT(5)), INT(2)), NULL));

	EXPECT_TRUE(EQ(macro(CEL_MACRO_MAP, 30, LIST(3, INT(2), INT(4), INT(6)),
			     DIV(var(30), INT(2)), NULL),
		       LIST(3, INT(1), INT(2), INT(3))));
	v = run(macro(CEL_MACRO_MAP, 30, ELIST(), DIV(var(30), INT(2)), NULL));
	assert_int_equal(v.type, CEL_T_LIST);
	assert_int_equal(v.u.list->n, 0);
	EXPECT_ERR(macro(CEL_MACRO_MAP, 30, LIST(3, INT(2), INT(1), INT(0)), DIV(INT(4), var(30)), NULL),
		   "division by zero");
	EXPECT_TRUE(EQ(macro(CEL_MACRO_MAP, 30, MAP(2, STR("John"), STR("smart")), var(30), NULL),
		       LIST(1, STR("John"))));
	/* map(x, filter, transform): args[1] the transform, args[2] the filter. */
	EXPECT_TRUE(EQ(macro(CEL_MACRO_MAP, 30, LIST(4, INT(1), INT(2), INT(3), INT(4)),
			     MUL(var(30), INT(10)), EQ(MOD(var(30), INT(2)), INT(0))),
		       LIST(2, INT(20), INT(40))));
	EXPECT_ERR(macro(CEL_MACRO_MAP, 30, LIST(1, INT(1)), var(30), INT(1)),
		   "'_?_:_' applied to '(int)'");

	EXPECT_TRUE(EQ(macro(CEL_MACRO_FILTER, 30, LIST(5, INT(0), INT(1), INT(2), INT(3), INT(4)),
			     EQ(MOD(var(30), INT(2)), INT(1)), NULL),
		       LIST(2, INT(1), INT(3))));
	EXPECT_TRUE(EQ(macro(CEL_MACRO_FILTER, 30, LIST(3, INT(1), INT(2), INT(3)),
			     GT(var(30), INT(3)), NULL),
		       ELIST()));
	EXPECT_ERR(macro(CEL_MACRO_FILTER, 30, LIST(4, INT(3), INT(2), INT(1), INT(0)),
			 GT(DIV(INT(12), var(30)), INT(4)), NULL),
		   "division by zero");
	EXPECT_TRUE(EQ(macro(CEL_MACRO_FILTER, 30,
			     MAP(4, STR("John"), STR("smart"), STR("Ringo"), STR("funny")),
			     EQ(var(30), STR("Ringo")), NULL),
		       LIST(1, STR("Ringo"))));
}

static void
test_cel_eval_macro_nesting(void **state)
{
	(void)state;
	/* ['signer'].filter(s, ['artifact'].all(a, true)) */
	EXPECT_TRUE(EQ(macro(CEL_MACRO_FILTER, 30, LIST(1, STR("signer")),
			     macro(CEL_MACRO_ALL, 31, LIST(1, STR("artifact")), BOOL(true), NULL), NULL),
		       LIST(1, STR("signer"))));
	/* [1, 2].all(x, [10, 20].exists(y, y == x * 10)) */
	EXPECT_TRUE(macro(CEL_MACRO_ALL, 30, LIST(2, INT(1), INT(2)),
			  macro(CEL_MACRO_EXISTS, 31, LIST(2, INT(10), INT(20)),
				EQ(var(31), MUL(var(30), INT(10))), NULL),
			  NULL));
	/* The same slot reused by an inner macro (not what the compiler does) is
	 * restored after it:
	 * [1].all(x, [2].all(x, x == 2) && x == 1) */
	EXPECT_TRUE(macro(CEL_MACRO_ALL, 30, LIST(1, INT(1)),
			  AND(macro(CEL_MACRO_ALL, 30, LIST(1, INT(2)), EQ(var(30), INT(2)), NULL),
			      EQ(var(30), INT(1))),
			  NULL));
	/* Environment variables are read through while macros run. */
	slots[1] = cel_int(5);
	EXPECT_TRUE(macro(CEL_MACRO_EXISTS, 30, LIST(2, INT(4), INT(5)), EQ(var(30), var(1)), NULL));
	/* A macro variable past the evaluator's stack slots. */
	EXPECT_TRUE(EQ(macro(CEL_MACRO_MAP, NSLOTS - 1, LIST(2, INT(1), INT(2)),
			     ADD(var(NSLOTS - 1), var(1)), NULL),
		       LIST(2, INT(6), INT(7))));
	EXPECT_ERR(var(NSLOTS), "undeclared reference to 'v'");
}

static void
test_cel_eval_call_dispatch(void **state)
{
	struct cel_node *n;

	(void)state;
	EXPECT_ERR(G("size", 1, BOOL(true)),
		   "found no matching overload for 'size' applied to '(bool)'");
	EXPECT_ERR(M(INT(42), "charAt", 1, INT(2)), "found no matching overload for 'charAt' applied to '(int, int)'");
	EXPECT_ERR(M(STR("hello"), "charAt", 1, BOOL(true)), "no matching overload");
	EXPECT_ERR(M(STR("42"), "indexOf", 3, STR("4"), INT(0), INT(1)), "no matching overload");
	EXPECT_ERR(M(STR("42"), "replace", 4, STR("2"), STR("1"), INT(1), BOOL(false)),
		   "no matching overload");
	EXPECT_ERR(G("f_unknown", 1, INT(17)), "unbound function: f_unknown");
	EXPECT_TRUE(OR(G("f_unknown", 1, INT(17)), BOOL(true)));
	/* Strict: an error argument is the result. */
	EXPECT_ERR(G("size", 1, ERR()), "division by zero");
	EXPECT_ERR(M(STR("abc"), "contains", 1, ERR()), "division by zero");
	EXPECT_ERR(M(ERR(), "contains", 1, STR("a")), "division by zero");
	/* A wrong hint from the compiler is only a hint. */
	n = G("size", 1, LIST(2, INT(1), INT(2)));
	n->fn = cel_builtin_find("size", false, 1, (enum cel_type[]){CEL_T_STRING});
	assert_true(n->fn >= 0);
	EXPECT_INT(n, 2);
	n->fn = 9999;
	EXPECT_INT(n, 2);
	/* The table. */
	assert_true(cel_builtin_exists("size", true));
	assert_true(cel_builtin_exists("size", false));
	assert_true(cel_builtin_exists("startsWith", true));
	assert_false(cel_builtin_exists("startsWith", false));
	assert_false(cel_builtin_exists("nope", false));
	assert_int_equal(cel_builtin_find("size", true, 1, (enum cel_type[]){CEL_T_BOOL}), -1);
	assert_true(cel_builtin_find("size", true, 1, (enum cel_type[]){CEL_T_DYN}) >= 0);
	for (size_t i = 0; i < cel_nbuiltins; i++) {
		assert_non_null(cel_builtins[i].fn);
		assert_true(cel_builtins[i].nargs >= 1 &&
			    cel_builtins[i].nargs <= CEL_BUILTIN_MAX_ARGS);
		assert_true(strlen(cel_builtins[i].doc) > 10);
	}
}

static void
test_cel_eval_size(void **state)
{
	(void)state;
	EXPECT_INT(G("size", 1, STR("")), 0);
	EXPECT_INT(G("size", 1, STR("A")), 1);
	EXPECT_INT(G("size", 1, STR("ä")), 1);
	EXPECT_INT(G("size", 1, STR("ÿ")), 1);
	EXPECT_INT(G("size", 1, STR("πέντε")), 5);
	EXPECT_INT(G("size", 1, STR("\U0001F431\U0001F600")), 2);
	EXPECT_INT(M0(STR("four"), "size"), 4);
	EXPECT_INT(G("size", 1, ELIST()), 0);
	EXPECT_INT(G("size", 1, LIST(3, INT(1), INT(2), INT(3))), 3);
	EXPECT_INT(M0(LIST(2, INT(1), INT(2)), "size"), 2);
	EXPECT_INT(G("size", 1, MAP(6, INT(1), STR("one"), INT(2), STR("two"), INT(3), STR("three"))), 3);
	EXPECT_INT(M0(EMAP(), "size"), 0);
}

static void
test_cel_eval_string_predicates(void **state)
{
	(void)state;
	EXPECT_TRUE(M(STR("hello"), "contains", 1, STR("he")));
	EXPECT_TRUE(M(STR("hello"), "contains", 1, STR("")));
	EXPECT_FALSE(M(STR("hello"), "contains", 1, STR("ol")));
	EXPECT_TRUE(M(STR("abababc"), "contains", 1, STR("ababc")));
	EXPECT_TRUE(M(STR("Straße"), "contains", 1, STR("aß")));
	EXPECT_FALSE(M(STR(""), "contains", 1, STR("something")));
	EXPECT_TRUE(M(STR("foobar"), "startsWith", 1, STR("foo")));
	EXPECT_FALSE(M(STR("foobar"), "startsWith", 1, STR("bar")));
	EXPECT_FALSE(M(STR(""), "startsWith", 1, STR("foo")));
	EXPECT_TRUE(M(STR(""), "startsWith", 1, STR("")));
	EXPECT_TRUE(M(STR("завтра"), "startsWith", 1, STR("за")));
	EXPECT_TRUE(M(STR("foobar"), "endsWith", 1, STR("bar")));
	EXPECT_FALSE(M(STR("foobar"), "endsWith", 1, STR("foo")));
	EXPECT_TRUE(M(STR("forté"), "endsWith", 1, STR("té")));
	EXPECT_TRUE(M(STR("\U0001F431\U0001F600\U0001F61B"), "endsWith", 1, STR("\U0001F61B")));
}

static void
test_cel_eval_matches(void **state)
{
	struct cel_node *n;
	pcre2_code *code;
	PCRE2_SIZE off;
	int err;
	char subject[64];

	(void)state;
	EXPECT_TRUE(M(STR("hubba"), "matches", 1, STR("ubb")));
	EXPECT_FALSE(M(STR(""), "matches", 1, STR("foo|bar")));
	EXPECT_TRUE(M(STR("cows"), "matches", 1, STR("")));
	EXPECT_TRUE(M(STR("grey"), "matches", 1, STR("gr(a|e)y")));
	EXPECT_TRUE(M(STR("banana"), "matches", 1, STR("ba(na)*")));
	EXPECT_TRUE(M(STR("mañana"), "matches", 1, STR("a+ñ+a+")));
	EXPECT_TRUE(M(STR("\U0001F431\U0001F600\U0001F600"), "matches", 1,
		      STR("(a|\U0001F600){2}")));
	EXPECT_FALSE(M(STR("ab"), "matches", 1, STR("^b")));
	EXPECT_TRUE(G("matches", 2, STR("DE-1234"), STR("^[A-Z]{2}-\\d{4}$")));
	EXPECT_ERR(M(STR("x"), "matches", 1, STR("(")), "invalid regular expression '('");
	/* A constant pattern compiled by the compiler arrives in aux. */
	code = pcre2_compile((PCRE2_SPTR) "^b", PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);
	assert_non_null(code);
	n = M(STR("abc"), "matches", 1, STR("^b"));
	n->aux = code;
	EXPECT_FALSE(n);
	n = M(STR("bc"), "matches", 1, STR("^b"));
	n->aux = code;
	EXPECT_TRUE(n);
	pcre2_code_free(code);
	/* Catastrophic backtracking stops at the match limit. */
	memset(subject, 'a', 40);
	strcpy(subject + 40, "!");
	EXPECT_ERR(M(STR(subject), "matches", 1, STR("^(a+)+$")),
		   "regular expression exceeded its match limit");
}

static void
test_cel_eval_conversions_int_double(void **state)
{
	(void)state;
	EXPECT_INT(G("int", 1, INT(1)), 1);
	EXPECT_INT(G("int", 1, DBL(-123.456)), -123);
	EXPECT_INT(G("int", 1, DBL(1.9)), 1);
	EXPECT_INT(G("int", 1, DBL(-7.9)), -7);
	EXPECT_INT(G("int", 1, DBL(11.5)), 11);
	EXPECT_INT(G("int", 1, DBL(36028797018963968.0)), 36028797018963968);
	EXPECT_ERR(G("int", 1, DBL(9223372036854775807.0)), "range");
	EXPECT_ERR(G("int", 1, DBL(-9223372036854775808.0)), "range");
	EXPECT_ERR(G("int", 1, DBL(1e99)), "range error");
	EXPECT_ERR(G("int", 1, DBL(NAN)), "range error");
	EXPECT_INT(G("int", 1, STR("987")), 987);
	EXPECT_INT(G("int", 1, STR("-9223372036854775808")), INT64_MIN);
	EXPECT_INT(G("int", 1, STR("+5")), 5);
	EXPECT_ERR(G("int", 1, STR("9223372036854775808")), "range error");
	EXPECT_ERR(G("int", 1, STR("1.5")), "cannot convert '1.5' to int");
	EXPECT_ERR(G("int", 1, STR(" 1")), "cannot convert");
	EXPECT_ERR(G("int", 1, STR("")), "cannot convert");
	EXPECT_ERR(G("int", 1, STR("-")), "cannot convert");
	EXPECT_ERR(G("int", 1, BOOL(true)), "found no matching overload for 'int' applied to '(bool)'");

	EXPECT_DBL(G("double", 1, INT(0)), 0.0);
	EXPECT_DBL(G("double", 1, INT(-1000000000000000)), -1e15);
	EXPECT_DBL(G("double", 1, INT(INT64_MAX)), 9.223372036854775807e18);
	EXPECT_DBL(G("double", 1, DBL(5.5)), 5.5);
	EXPECT_DBL(G("double", 1, STR("0")), 0.0);
	EXPECT_DBL(G("double", 1, STR("-0.0")), -0.0);
	EXPECT_DBL(G("double", 1, STR("123.456")), 123.456);
	EXPECT_DBL(G("double", 1, STR("6.02214e23")), 6.02214e23);
	EXPECT_DBL(G("double", 1, STR("-84.32e7")), -8.432e8);
	EXPECT_DBL(G("double", 1, STR("1e3")), 1000.0);
	EXPECT_DBL(G("double", 1, STR("NaN")), NAN);
	EXPECT_DBL(G("double", 1, STR("Infinity")), INFINITY);
	EXPECT_DBL(G("double", 1, STR("-Infinity")), -INFINITY);
	EXPECT_ERR(G("double", 1, STR("abc")), "cannot convert 'abc' to double");
	EXPECT_ERR(G("double", 1, STR("1.5x")), "cannot convert");
	EXPECT_ERR(G("double", 1, STR(" 1.5")), "cannot convert");
	EXPECT_ERR(G("double", 1, STR("")), "cannot convert");
	EXPECT_ERR(G("double", 1, STR("1e999")), "range error");
}

static void
test_cel_eval_conversions_string_bool_type(void **state)
{
	struct cel_value v;

	(void)state;
	EXPECT_STR(G("string", 1, INT(123)), "123");
	EXPECT_STR(G("string", 1, INT(-456)), "-456");
	EXPECT_STR(G("string", 1, DBL(123.456)), "123.456");
	EXPECT_STR(G("string", 1, DBL(-4.5e-3)), "-0.0045");
	EXPECT_STR(G("string", 1, DBL(1.0)), "1");
	EXPECT_STR(G("string", 1, DBL(0.1)), "0.1");
	EXPECT_STR(G("string", 1, DBL(100000.0)), "100000");
	EXPECT_STR(G("string", 1, DBL(1e6)), "1e+06");
	EXPECT_STR(G("string", 1, DBL(1.5e300)), "1.5e+300");
	EXPECT_STR(G("string", 1, DBL(1e-5)), "1e-05");
	EXPECT_STR(G("string", 1, DBL(0.0001)), "0.0001");
	EXPECT_STR(G("string", 1, DBL(-0.0)), "-0");
	EXPECT_STR(G("string", 1, DBL(1.0 / 3)), "0.3333333333333333");
	EXPECT_STR(G("string", 1, DBL(NAN)), "NaN");
	EXPECT_STR(G("string", 1, DBL(-INFINITY)), "-Infinity");
	EXPECT_STR(G("string", 1, STR("hello")), "hello");
	EXPECT_STR(G("string", 1, BOOL(true)), "true");
	EXPECT_STR(G("string", 1, BOOL(false)), "false");
	EXPECT_ERR(G("string", 1, NUL()), "no matching overload");

	EXPECT_TRUE(G("bool", 1, BOOL(true)));
	EXPECT_TRUE(G("bool", 1, STR("1")));
	EXPECT_TRUE(G("bool", 1, STR("t")));
	EXPECT_TRUE(G("bool", 1, STR("true")));
	EXPECT_TRUE(G("bool", 1, STR("TRUE")));
	EXPECT_TRUE(G("bool", 1, STR("True")));
	EXPECT_FALSE(G("bool", 1, STR("0")));
	EXPECT_FALSE(G("bool", 1, STR("f")));
	EXPECT_FALSE(G("bool", 1, STR("false")));
	EXPECT_FALSE(G("bool", 1, STR("FALSE")));
	EXPECT_FALSE(G("bool", 1, STR("False")));
	EXPECT_ERR(G("bool", 1, STR("TrUe")), "Type conversion error");
	EXPECT_ERR(G("bool", 1, STR("FaLsE")), "Type conversion error");

	v = run(G("type", 1, BOOL(true)));
	assert_int_equal(v.type, CEL_T_TYPE);
	assert_int_equal(v.u.t, CEL_T_BOOL);
	v = run(G("type", 1, NUL()));
	assert_int_equal(v.u.t, CEL_T_NULL);
	v = run(G("type", 1, G("type", 1, INT(1))));
	assert_int_equal(v.u.t, CEL_T_TYPE);
	v = run(G("type", 1, G("dyn", 1, LIST(2, INT(1), STR("one")))));
	assert_int_equal(v.u.t, CEL_T_LIST);
	EXPECT_TRUE(EQ(G("type", 1, MAP(2, STR("one"), INT(1))), G("type", 1, MAP(2, INT(1), STR("one")))));
	/* A type literal (how the front end may denote `int`). */
	v.type = CEL_T_TYPE;
	v.u.t = CEL_T_INT;
	EXPECT_TRUE(EQ(G("type", 1, INT(1)), lit(v)));
	EXPECT_INT(G("dyn", 1, INT(3)), 3);
}

static void
test_cel_eval_strings_char_index(void **state)
{
	(void)state;
	EXPECT_STR(M(STR("tacocat"), "charAt", 1, INT(3)), "o");
	EXPECT_STR(M(STR("tacocat"), "charAt", 1, INT(7)), "");
	EXPECT_STR(M(STR("©αT"), "charAt", 1, INT(1)), "α");
	EXPECT_ERR(M(STR("tacocat"), "charAt", 1, INT(30)), "index out of range: 30");
	EXPECT_ERR(M(STR("tacocat"), "charAt", 1, INT(-1)), "index out of range: -1");

	EXPECT_INT(M(STR("tacocat"), "indexOf", 1, STR("")), 0);
	EXPECT_INT(M(STR("tacocat"), "indexOf", 1, STR("ac")), 1);
	EXPECT_INT(M(STR("tacocat"), "indexOf", 1, STR("none")), -1);
	EXPECT_INT(M(STR("tacocat"), "indexOf", 2, STR(""), INT(3)), 3);
	EXPECT_INT(M(STR("tacocat"), "indexOf", 2, STR("a"), INT(3)), 5);
	EXPECT_INT(M(STR("tacocat"), "indexOf", 2, STR("at"), INT(3)), 5);
	EXPECT_INT(M(STR("ta©o©αT"), "indexOf", 1, STR("©")), 2);
	EXPECT_INT(M(STR("ta©o©αT"), "indexOf", 2, STR("©"), INT(3)), 4);
	EXPECT_INT(M(STR("ta©o©αT"), "indexOf", 2, STR("©αT"), INT(3)), 4);
	EXPECT_INT(M(STR("ta©o©αT"), "indexOf", 2, STR("©α"), INT(5)), -1);
	EXPECT_INT(M(STR("hello wello"), "indexOf", 2, STR("ello"), INT(6)), 7);
	EXPECT_INT(M(STR(""), "indexOf", 1, STR("x")), -1);
	EXPECT_ERR(M(STR("tacocat"), "indexOf", 2, STR("a"), INT(30)), "index out of range: 30");

	EXPECT_INT(M(STR(""), "lastIndexOf", 1, STR("@@")), -1);
	EXPECT_INT(M(STR("tacocat"), "lastIndexOf", 1, STR("")), 7);
	EXPECT_INT(M(STR("tacocat"), "lastIndexOf", 1, STR("at")), 5);
	EXPECT_INT(M(STR("tacocat"), "lastIndexOf", 1, STR("none")), -1);
	EXPECT_INT(M(STR("tacocat"), "lastIndexOf", 2, STR(""), INT(3)), 3);
	EXPECT_INT(M(STR("tacocat"), "lastIndexOf", 2, STR("a"), INT(3)), 1);
	EXPECT_INT(M(STR("ta©o©αT"), "lastIndexOf", 1, STR("©")), 4);
	EXPECT_INT(M(STR("ta©o©αT"), "lastIndexOf", 2, STR("©"), INT(3)), 2);
	EXPECT_INT(M(STR("ta©o©αT"), "lastIndexOf", 2, STR("©α"), INT(4)), 4);
	EXPECT_INT(M(STR("hello wello"), "lastIndexOf", 2, STR("ello"), INT(6)), 1);
	EXPECT_INT(M(STR("hello wello"), "lastIndexOf", 1, STR("hello wello")), 0);
	EXPECT_INT(M(STR("bananananana"), "lastIndexOf", 2, STR("nana"), INT(7)), 6);
	EXPECT_ERR(M(STR("tacocat"), "lastIndexOf", 2, STR("a"), INT(-1)), "index out of range: -1");
	EXPECT_ERR(M(STR("tacocat"), "lastIndexOf", 2, STR("a"), INT(30)), "index out of range: 30");
}

static void
test_cel_eval_strings_case_trim_reverse(void **state)
{
	(void)state;
	EXPECT_STR(M0(STR("TacoCat"), "lowerAscii"), "tacocat");
	EXPECT_STR(M0(STR("TacoCÆt Xii"), "lowerAscii"), "tacocÆt xii");
	EXPECT_STR(M0(STR("tacoCαt"), "upperAscii"), "TACOCαT");
	EXPECT_STR(M0(STR("TacoCÆt Xii"), "upperAscii"), "TACOCÆT XII");
	EXPECT_STR(M0(STR(" \f\n\r\t\vtext  "), "trim"), "text");
	EXPECT_STR(M0(STR("\xC2\x85\u00a0\u1680text"), "trim"), "text");
	EXPECT_STR(M0(STR("text\u2000\u2001\u2002\u2003\u2004\u2004\u2006\u2007\u2008\u2009"), "trim"),
		   "text");
	EXPECT_STR(M0(STR("\u200atext\u2028\u2029\u202F\u205F\u3000"), "trim"), "text");
	EXPECT_STR(M0(STR("\u180etext\u200b\u200c\u200d\u2060\ufeff"), "trim"),
		   "\u180etext\u200b\u200c\u200d\u2060\ufeff");
	EXPECT_STR(M0(STR("   "), "trim"), "");
	EXPECT_STR(M0(STR(""), "trim"), "");
	EXPECT_STR(M0(STR(""), "reverse"), "");
	EXPECT_STR(M0(STR("☺"), "reverse"), "☺");
	EXPECT_STR(M0(STR("Ta©oCαt"), "reverse"), "tαCo©aT");
}

static void
test_cel_eval_strings_replace_split(void **state)
{
	struct cel_value v;

	(void)state;
	EXPECT_STR(M(STR("12 days 12 hours"), "replace", 2, STR("{0}"), STR("2")), "12 days 12 hours");
	EXPECT_STR(M(STR("{0} days {0} hours"), "replace", 2, STR("{0}"), STR("2")), "2 days 2 hours");
	EXPECT_STR(M(STR("1 ©αT taco"), "replace", 2, STR("αT"), STR("o©α")), "1 ©o©α taco");
	EXPECT_STR(M(STR("ab"), "replace", 2, STR(""), STR("-")), "-a-b-");
	EXPECT_STR(M(STR("aaa"), "replace", 2, STR("a"), STR("")), "");
#if CEL_BUILTIN_MAX_ARGS >= 4
	EXPECT_STR(M(M(STR("{0} days {0} hours"), "replace", 3, STR("{0}"), STR("2"), INT(1)),
		     "replace", 2, STR("{0}"), STR("23")),
		   "2 days 23 hours");
	EXPECT_STR(M(STR("hello hello"), "replace", 3, STR("he"), STR("we"), INT(0)), "hello hello");
	EXPECT_STR(M(STR("hello hello"), "replace", 3, STR("he"), STR("we"), INT(-1)), "wello wello");
	EXPECT_STR(M(STR("ab"), "replace", 3, STR(""), STR("-"), INT(2)), "-a-b");
#endif

	EXPECT_TRUE(EQ(M(STR("hello world"), "split", 1, STR(" ")), LIST(2, STR("hello"), STR("world"))));
	EXPECT_TRUE(EQ(M(STR("hello world events!"), "split", 2, STR(" "), INT(0)), ELIST()));
	EXPECT_TRUE(EQ(M(STR("hello world events!"), "split", 2, STR(" "), INT(1)),
		       LIST(1, STR("hello world events!"))));
	EXPECT_TRUE(EQ(M(STR("hello hello hello"), "split", 2, STR(" "), INT(2)),
		       LIST(2, STR("hello"), STR("hello hello"))));
	EXPECT_TRUE(EQ(M(STR("o©o©o©o"), "split", 2, STR("©"), INT(-1)),
		       LIST(4, STR("o"), STR("o"), STR("o"), STR("o"))));
	EXPECT_TRUE(EQ(M(STR("aé"), "split", 1, STR("")), LIST(2, STR("a"), STR("é"))));
	EXPECT_TRUE(EQ(M(STR("abc"), "split", 2, STR(""), INT(2)), LIST(2, STR("a"), STR("bc"))));
	EXPECT_TRUE(EQ(M(STR(""), "split", 1, STR(",")), LIST(1, STR(""))));
	EXPECT_TRUE(EQ(M(STR("a,"), "split", 1, STR(",")), LIST(2, STR("a"), STR(""))));
	v = run(M(STR(""), "split", 1, STR("")));
	assert_int_equal(v.type, CEL_T_LIST);
	assert_int_equal(v.u.list->n, 0);
	EXPECT_ERR(M(INT(42), "split", 1, STR("2")), "no matching overload");
	EXPECT_ERR(M(STR("42"), "split", 2, STR("2"), STR("1")), "no matching overload");
}

static void
test_cel_eval_strings_substring_join_quote(void **state)
{
	(void)state;
	EXPECT_STR(M(STR("tacocat"), "substring", 1, INT(4)), "cat");
	EXPECT_STR(M(STR("tacocat"), "substring", 1, INT(7)), "");
	EXPECT_STR(M(STR("tacocat"), "substring", 2, INT(0), INT(4)), "taco");
	EXPECT_STR(M(STR("tacocat"), "substring", 2, INT(4), INT(4)), "");
	EXPECT_STR(M(STR("ta©o©αT"), "substring", 2, INT(2), INT(6)), "©o©α");
	EXPECT_STR(M(STR("ta©o©αT"), "substring", 2, INT(7), INT(7)), "");
	EXPECT_STR(M(STR("äöü"), "substring", 1, INT(1)), "öü");
	EXPECT_INT(G("size", 1, M(STR("äöü"), "substring", 2, INT(1), INT(2))), 1);
	EXPECT_ERR(M(STR("tacocat"), "substring", 1, INT(40)), "index out of range: 40");
	EXPECT_ERR(M(STR("tacocat"), "substring", 1, INT(-1)), "index out of range: -1");
	EXPECT_ERR(M(STR("tacocat"), "substring", 2, INT(1), INT(50)), "index out of range: 50");
	EXPECT_ERR(M(STR("tacocat"), "substring", 2, INT(49), INT(50)), "index out of range: 49");
	EXPECT_ERR(M(STR("tacocat"), "substring", 2, INT(4), INT(3)),
		   "invalid substring range. start: 4, end: 3");
	EXPECT_ERR(M(STR("tacocat"), "substring", 2, BOOL(true), INT(3)), "no matching overload");

	EXPECT_STR(M0(LIST(2, STR("x"), STR("y")), "join"), "xy");
	EXPECT_STR(M(LIST(2, STR("x"), STR("y")), "join", 1, STR("-")), "x-y");
	EXPECT_STR(M0(ELIST(), "join"), "");
	EXPECT_STR(M(ELIST(), "join", 1, STR("-")), "");
	EXPECT_ERR(M(LIST(2, STR("x"), INT(1)), "join", 1, STR("-")), "element 1 is of type int");

	EXPECT_STR(G("strings.quote", 1, STR("first\nsecond")), "\"first\\nsecond\"");
	EXPECT_STR(G("strings.quote", 1, STR("bell\a")), "\"bell\\a\"");
	EXPECT_STR(G("strings.quote", 1, STR("\bbackspace")), "\"\\bbackspace\"");
	EXPECT_STR(G("strings.quote", 1, STR("vertical \v tab")), "\"vertical \\v tab\"");
	EXPECT_STR(G("strings.quote", 1, STR("double \\\\ slash")), "\"double \\\\\\\\ slash\"");
	EXPECT_STR(G("strings.quote", 1, STR("mid string \" quote")), "\"mid string \\\" quote\"");
	EXPECT_STR(G("strings.quote", 1, STR("ta©o©αT")), "\"ta©o©αT\"");
	EXPECT_STR(G("strings.quote", 1, STR("\U0001F431\U0001F600")), "\"\U0001F431\U0001F600\"");
	EXPECT_STR(G("strings.quote", 1, STR("")), "\"\"");
	EXPECT_STR(G("strings.quote", 1, STR("a\xff")), "\"a\xEF\xBF\xBD\"");
}

static void
test_cel_eval_cost_limit(void **state)
{
	struct cel_node *big;
	struct cel_value v;

	(void)state;
	v = run(ADD(INT(1), INT(2)));
	assert_int_equal(v.u.i, 3);
	assert_int_equal(ctx.cost, 3);
	/* 1000 x 1000 iterations of a nested macro. */
	{
		struct cel_list *l = mdg_arena_alloc(&nodes, sizeof(*l));
		size_t i;

		l->n = 1000;
		l->items = mdg_arena_alloc(&nodes, 1000 * sizeof(*l->items));
		for (i = 0; i < 1000; i++)
			l->items[i] = cel_int((int64_t)i);
		slots[0].type = CEL_T_LIST;
		slots[0].u.list = l;
	}
	big = macro(CEL_MACRO_ALL, 30, var(0),
		    macro(CEL_MACRO_ALL, 31, var(0), GE(var(31), INT(0)), NULL), NULL);
	EXPECT_ERR(big, "evaluation cost limit exceeded");
	assert_true(ctx.cost > CEL_DEFAULT_COST);
	/* Not absorbed by || or &&. */
	EXPECT_ERR(OR(big, BOOL(true)), "evaluation cost limit exceeded");
	EXPECT_ERR(AND(BOOL(true), AND(big, BOOL(false))), "evaluation cost limit exceeded");
	EXPECT_ERR(macro(CEL_MACRO_EXISTS, 32, LIST(2, INT(1), INT(2)),
			 OR(big, BOOL(true)), NULL),
		   "evaluation cost limit exceeded");
	/* A smaller limit. */
	ctx.cost_limit = 5;
	EXPECT_INT(ADD(INT(1), ADD(INT(2), INT(3))), 6);
	EXPECT_ERR(ADD(INT(1), ADD(INT(2), ADD(INT(3), INT(4)))), "evaluation cost limit exceeded");
	ctx.cost_limit = 500;
	EXPECT_ERR(M0(var(0), "join"), "evaluation cost limit exceeded");  /* its elements count */
	ctx.cost_limit = 0;
	EXPECT_TRUE(macro(CEL_MACRO_ALL, 30, var(0), GE(var(30), INT(0)), NULL));
}

/* The common rule shapes evaluate without allocating: the arena stays empty. */
static void
test_cel_eval_no_allocation(void **state)
{
	struct cel_node *rule;
	struct cel_value v;
	long i;

	(void)state;
	slots[0] = cel_double(12.5);                     /* weight */
	slots[1] = sval("Bolt M8");                       /* name */
	slots[2] = sval("A-100");                         /* code */
	slots[3] = sval("active");                        /* status */
	slots[4] = input(MAP(4, STR("uom"), STR("kg"), STR("qty"), INT(3)));   /* a referenced record */
	slots[5] = cel_int(7);
	nslots = 40;   /* macros nested 10 deep at most: their frame is on the stack */
	cel_ctx_reset(&ctx);
	rule = AND(AND(AND(GT(var(0), DBL(0.0)), LE(G("size", 1, var(1)), INT(40))),
		       AND(M(var(2), "startsWith", 1, STR("A")),
			   IN(var(3), LIST(3, STR("active"), STR("blocked"), STR("draft"))))),
		   AND(AND(EQ(sel(var(4), "uom", false), STR("kg")), sel(var(4), "qty", true)),
		       AND(NE(var(1), NUL()), COND(GT(var(5), INT(0)), LT(MOD(var(5), INT(5)), INT(3)),
						   BOOL(false)))));
	for (i = 0; i < 1000000; i++) {
		v = run(rule);
		if (v.type != CEL_T_BOOL || !v.u.b)
			break;
	}
	assert_int_equal(i, 1000000);
	EXPECT_TRUE(rule);
	assert_int_equal(mdg_arena_used(&ctx.arena), 0);
	/* A macro's variable is on the stack when the nesting is shallow... */
	rule = macro(CEL_MACRO_EXISTS, 30, var(6), EQ(var(30), STR("b")), NULL);
	slots[6] = input(LIST(2, STR("a"), STR("b")));
	for (i = 0; i < 1000; i++)
		v = run(rule);
	expect_bool(v, true, __FILE__, __LINE__);
	assert_int_equal(mdg_arena_used(&ctx.arena), 0);
	/* ...and in the arena when there are more levels than the stack frame holds. */
	nslots = NSLOTS;
	EXPECT_TRUE(rule);
	assert_true(mdg_arena_used(&ctx.arena) > 0);
	cel_ctx_reset(&ctx);
	assert_int_equal(mdg_arena_used(&ctx.arena), 0);
}

static void
test_cel_eval_json_output(void **state)
{
	struct cel_value v;

	(void)state;
	EXPECT_JSON(NUL(), "null");
	EXPECT_JSON(BOOL(true), "true");
	EXPECT_JSON(INT(-42), "-42");
	EXPECT_JSON(DBL(1.0), "1.0");
	EXPECT_JSON(DBL(0.1), "0.1");
	EXPECT_JSON(DBL(-2.5e-10), "-2.5e-10");
	EXPECT_JSON(DBL(1e21), "1e+21");
	EXPECT_JSON(DBL(1e20), "100000000000000000000.0");
	EXPECT_JSON(DBL(1.5e-7), "0.00000015");
	EXPECT_JSON(DBL(123.456), "123.456");
	EXPECT_JSON(DBL(NAN), "\"NaN\"");
	EXPECT_JSON(DBL(INFINITY), "\"Infinity\"");
	EXPECT_JSON(DBL(-INFINITY), "\"-Infinity\"");
	EXPECT_JSON(STR("a\"b\\c\n\x01é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
	EXPECT_JSON(STR("bad\xff"), "\"bad\xEF\xBF\xBD\"");
	EXPECT_JSON(LIST(3, INT(1), STR("x"), ELIST()), "[1, \"x\", []]");
	EXPECT_JSON(MAP(6, STR("k"), INT(1), INT(2), BOOL(false), BOOL(true), EMAP()),
		    "{\"k\": 1, \"2\": false, \"true\": {}}");
	EXPECT_JSON(G("type", 1, INT(1)), "{\"type\": \"int\"}");
	EXPECT_JSON(DIV(INT(1), INT(0)), "{\"error\": \"division by zero\"}");
	v = cel_error(&nodes, "say \"%s\"", "hi");
	assert_string_equal(json_of(v), "{\"error\": \"say \\\"hi\\\"\"}");
}

static void
test_cel_eval_json_input(void **state)
{
	struct cel_value v;
	char err[200];
	const struct cel_value *x;
	struct cel_value key;

	(void)state;
	assert_int_equal(cel_value_from_json(&nodes,
					     "{\"name\": \"Bolt ä\", \"qty\": 3, \"weight\": 1.0, "
					     "\"tags\": [\"a\", null, true], \"nested\": {\"x\": -1e3}}",
					     &v, err, sizeof(err)),
			 MDG_OK);
	assert_int_equal(v.type, CEL_T_MAP);
	assert_int_equal(v.u.map->n, 5);
	key = sval("qty");
	x = cel_map_get(v.u.map, &key);
	assert_non_null(x);
	assert_int_equal(x->type, CEL_T_INT);
	assert_int_equal(x->u.i, 3);
	key = sval("weight");
	x = cel_map_get(v.u.map, &key);
	assert_int_equal(x->type, CEL_T_DOUBLE);
	slots[0] = v;
	EXPECT_INT(G("size", 1, sel(var(0), "name", false)), 6);
	EXPECT_TRUE(EQ(sel(var(0), "tags", false), LIST(3, STR("a"), NUL(), BOOL(true))));
	EXPECT_DBL(sel(sel(var(0), "nested", false), "x", false), -1000.0);
	assert_string_equal(json_of(v), "{\"name\": \"Bolt ä\", \"qty\": 3, \"weight\": 1.0, "
					"\"tags\": [\"a\", null, true], \"nested\": {\"x\": -1000.0}}");
	/* Scalars at the top level. */
	assert_int_equal(cel_value_from_json(&nodes, "42", &v, err, sizeof(err)), MDG_OK);
	assert_int_equal(v.type, CEL_T_INT);
	assert_int_equal(cel_value_from_json(&nodes, "\"s\"", &v, err, sizeof(err)), MDG_OK);
	assert_int_equal(v.type, CEL_T_STRING);
	/* Errors say where. */
	assert_int_equal(cel_value_from_json(&nodes, "{\"a\": }", &v, err, sizeof(err)), MDG_ERR);
	assert_non_null(strstr(err, "line 1"));
	assert_int_equal(cel_value_from_json(&nodes, "", &v, err, sizeof(err)), MDG_ERR);
	assert_int_equal(cel_value_from_json(&nodes, "99999999999999999999", &v, err, sizeof(err)),
			 MDG_ERR);
}

static void
test_cel_eval_values_and_names(void **state)
{
	struct cel_value a, b;

	(void)state;
	assert_string_equal(cel_type_name(CEL_T_NULL), "null_type");
	assert_string_equal(cel_type_name(CEL_T_DOUBLE), "double");
	assert_string_equal(cel_type_name(CEL_T_BYTES), "bytes");
	a = cel_string(&nodes, "abc", 2);
	assert_int_equal(a.u.s->len, 2);
	assert_string_equal(a.u.s->data, "ab");
	a = cel_error(&nodes, "no such key: %s", "x");
	assert_string_equal(a.u.err, "no such key: x");
	a = cel_int(3);
	b = cel_double(3.0);
	assert_true(cel_equal(&a, &b));
	b = cel_double(3.5);
	assert_false(cel_equal(&a, &b));
	a = cel_error(&nodes, "e");
	assert_false(cel_equal(&a, &a));
}

/* ref(field): the context's callback finds the record. */
static bool
find_ref(void *payload, int ref_index, const struct cel_value *key, struct cel_value *out)
{
	(void)payload;
	if (ref_index != 2 || key->type != CEL_T_STRING || strcmp(key->u.s->data, "S1") != 0)
		return false;
	*out = slots[9];
	return true;
}

static void
test_cel_eval_ref(void **state)
{
	struct cel_node *r;

	(void)state;
	slots[9] = input(MAP(2, STR("country"), STR("DE")));
	slots[0] = sval("S1");
	r = G("ref", 1, var(0));
	r->fn = CEL_FN_REF;
	r->slot = 2;
	EXPECT_ERR(r, "ref() is not available");
	ctx.ref = find_ref;
	EXPECT_STR(sel(r, "country", false), "DE");
	slots[0] = sval("S2");
	EXPECT_TRUE(EQ(r, NUL()));
	EXPECT_ERR(sel(r, "country", false), "type 'null_type' does not support field selection");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cel_eval_int_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_int_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_division_by_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_double_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_no_mixed_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_concatenation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_ordering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_equality, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_and_absorbs_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_or_absorbs_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_conditional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_select_and_has, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_literals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_macro_all_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_macro_exists_one_map_filter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_macro_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_call_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_string_predicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_matches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_conversions_int_double, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_conversions_string_bool_type, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_strings_char_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_strings_case_trim_reverse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_strings_replace_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_strings_substring_join_quote, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_cost_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_no_allocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_json_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_json_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_values_and_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cel_eval_ref, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
