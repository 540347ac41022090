/*
 * test_cel_front.c - the CEL front end: the lexer's literals and escapes,
 * the parser's precedence, macros and limits, located errors, the
 * checker's types and messages, constant folding and the environment
 * (cel-lex.c, cel-parse.c, cel-check.c).  The shapes of programs are
 * asserted through cel_program_explain.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cel-int.h"
#include "cel.h"
#include "diag.h"
#include "util.h"

/* ------------------------------------------------------------ fixture */

struct fx {
	struct cel_env *env;
	struct mdg_diags d;
	struct cel_program *p;
	struct cel_source src;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	f->env = cel_env_new();
	/* slot 0 .. 6 */
	assert_int_equal(cel_env_add_var(f->env, "weight", CEL_T_INT), MDG_OK);
	assert_int_equal(cel_env_add_var(f->env, "name", CEL_T_STRING), MDG_OK);
	assert_int_equal(cel_env_add_var(f->env, "price", CEL_T_DOUBLE), MDG_OK);
	assert_int_equal(cel_env_add_var(f->env, "active", CEL_T_BOOL), MDG_OK);
	assert_int_equal(cel_env_add_var(f->env, "items", CEL_T_LIST), MDG_OK);
	assert_int_equal(cel_env_add_var(f->env, "m", CEL_T_MAP), MDG_OK);
	assert_int_equal(cel_env_add_var(f->env, "x", CEL_T_DYN), MDG_OK);
	mdg_diags_init(&f->d);
	f->src.file = "rules.yaml";
	f->src.line = 10;
	f->src.col = 12;
	f->src.exact = true;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	cel_program_free(f->p);
	cel_env_free(f->env);
	mdg_diags_free(&f->d);
	free(f);
	return 0;
}

/* Compile text (after a previous program and diagnostics are dropped). */
static int
compile_want(struct fx *f, const char *text, enum cel_type want)
{
	cel_program_free(f->p);
	f->p = NULL;
	mdg_diags_free(&f->d);
	mdg_diags_init(&f->d);
	return cel_compile(&f->p, f->env, text, strlen(text), &f->src, want, &f->d);
}

static int
compile(struct fx *f, const char *text)
{
	return compile_want(f, text, CEL_T_DYN);
}

/* Compile, expecting success. */
static void
ok(struct fx *f, const char *text)
{
	if (compile(f, text) != MDG_OK) {
		print_error("unexpected error for %s: %s\n", text,
			    f->d.n ? f->d.v[0].message : "(none)");
		fail();
	}
	assert_non_null(f->p);
	assert_int_equal(f->d.n, 0);
}

/* Compile, expecting exactly one error with this code and message. */
static void
fails(struct fx *f, const char *text, const char *code, const char *msg)
{
	int rc = compile(f, text);

	if (rc == MDG_OK || f->d.n != 1 || strcmp(f->d.v[0].code, code) != 0 ||
	    strcmp(f->d.v[0].message, msg) != 0) {
		size_t i;

		print_error("%s: want [%s] %s, got %zu:\n", text, code, msg, f->d.n);
		for (i = 0; i < f->d.n; i++)
			print_error("  [%s] %s\n", f->d.v[i].code, f->d.v[i].message);
		fail();
	}
	assert_null(f->p);
}

static char *
explain(const struct cel_program *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	cel_program_explain(p, out);
	fclose(out);
	return buf;
}

/* Compile and compare the explanation. */
static void
shape(struct fx *f, const char *text, const char *want)
{
	char *got;

	ok(f, text);
	got = explain(f->p);
	if (strcmp(got, want) != 0) {
		print_error("%s:\n--- want\n%s--- got\n%s", text, want, got);
		free(got);
		fail();
	}
	free(got);
}

/* The literal a constant expression compiles to. */
static const struct cel_value *
lit(struct fx *f, const char *text)
{
	ok(f, text);
	assert_int_equal(f->p->root->kind, CEL_N_LITERAL);
	return &f->p->root->lit;
}

static void
assert_str_lit(struct fx *f, const char *text, const char *want, size_t wantlen, size_t nchars)
{
	const struct cel_value *v = lit(f, text);

	assert_int_equal(v->type, CEL_T_STRING);
	assert_int_equal(v->u.s->len, wantlen);
	assert_memory_equal(v->u.s->data, want, wantlen);
	assert_int_equal(v->u.s->data[wantlen], '\0');
	assert_int_equal(v->u.s->nchars, nchars);
}

/* --------------------------------------------------------------- parsing */

static void
test_cel_precedence(void **state)
{
	struct fx *f = *state;

	shape(f, "x + weight * 2",
	      "add : int\n"
	      "  var x #6 : dyn\n"
	      "  mul : int\n"
	      "    var weight #0 : int\n"
	      "    const 2\n");
	shape(f, "weight - x - 1",
	      "sub : int\n"
	      "  sub : int\n"
	      "    var weight #0 : int\n"
	      "    var x #6 : dyn\n"
	      "  const 1\n");
	shape(f, "active || x && !active",
	      "or : bool\n"
	      "  var active #3 : bool\n"
	      "  and : bool\n"
	      "    var x #6 : dyn\n"
	      "    not : bool\n"
	      "      var active #3 : bool\n");
	shape(f, "x ? weight : x ? 1 : 2",
	      "cond : int\n"
	      "  var x #6 : dyn\n"
	      "  var weight #0 : int\n"
	      "  cond : int\n"
	      "    var x #6 : dyn\n"
	      "    const 1\n"
	      "    const 2\n");
	shape(f, "-weight * 3 < weight + 1 == active",
	      "eq : bool\n"
	      "  lt : bool\n"
	      "    mul : int\n"
	      "      neg : int\n"
	      "        var weight #0 : int\n"
	      "      const 3\n"
	      "    add : int\n"
	      "      var weight #0 : int\n"
	      "      const 1\n"
	      "  var active #3 : bool\n");
	shape(f, "weight in items && name.size() % 2 == 0",
	      "and : bool\n"
	      "  in : bool\n"
	      "    var weight #0 : int\n"
	      "    var items #4 : list\n"
	      "  eq : bool\n"
	      "    mod : int\n"
	      "      call size/0 (string) : int\n"
	      "        var name #1 : string\n"
	      "      const 2\n"
	      "    const 0\n");
	shape(f, "m.a.b[0][x].size()",
	      "call size/0 (dyn) : int\n"
	      "  index : dyn\n"
	      "    index : dyn\n"
	      "      select .b : dyn\n"
	      "        select .a : dyn\n"
	      "          var m #5 : map\n"
	      "      const 0\n"
	      "    var x #6 : dyn\n");
	shape(f, "name.startsWith('IT-') && .weight > 0",
	      "and : bool\n"
	      "  call startsWith/1 (string) : bool\n"
	      "    var name #1 : string\n"
	      "    const \"IT-\"\n"
	      "  gt : bool\n"
	      "    var weight #0 : int\n"
	      "    const 0\n");
	shape(f, "[x, 1,][0] == {'k': x,}['k']",
	      "eq : bool\n"
	      "  index : dyn\n"
	      "    list/2 : list\n"
	      "      var x #6 : dyn\n"
	      "      const 1\n"
	      "    const 0\n"
	      "  index : dyn\n"
	      "    map/1 : map\n"
	      "      const \"k\"\n"
	      "      var x #6 : dyn\n"
	      "    const \"k\"\n");
	/* The conformance file's repetitions: 24 chained ?: and 32 || terms. */
	ok(f, "true ? true : true ? true : true ? true : true ? true : true ? true : true ? true : "
	      "true ? true : true ? true : true ? true : true ? true : true ? true : true ? true : "
	      "true ? true : true ? true : true ? true : true ? true : true ? true : true ? true : "
	      "true ? true : true ? true : true ? true : true ? true : true ? true : false");
	ok(f, "x || x || x || x || x || x || x || x || x || x || x || x || x || x || x || x || "
	      "x || x || x || x || x || x || x || x || x || x || x || x || x || x || x || x");
	ok(f, "((((((((((((((((((((((((((((((((7))))))))))))))))))))))))))))))))");
}

static void
test_cel_comments_and_whitespace(void **state)
{
	struct fx *f = *state;

	shape(f, "weight // the weight\n\t+\f1\r\n// done",
	      "add : int\n"
	      "  var weight #0 : int\n"
	      "  const 1\n");
	fails(f, "  // nothing\n", "cel.syntax", "the expression is empty");
	fails(f, "weight\v+ 1", "cel.syntax", "unexpected character U+000B");
}

static void
test_cel_literal_numbers(void **state)
{
	struct fx *f = *state;
	const struct cel_value *v;

	v = lit(f, "0");
	assert_int_equal(v->type, CEL_T_INT);
	assert_int_equal(v->u.i, 0);
	assert_int_equal(lit(f, "42")->u.i, 42);
	assert_int_equal(lit(f, "0x55555555")->u.i, 0x55555555);
	assert_int_equal(lit(f, "0XfF")->u.i, 255);
	assert_int_equal(lit(f, "-0x55555555")->u.i, -0x55555555);
	assert_int_equal(lit(f, "9223372036854775807")->u.i, INT64_MAX);
	v = lit(f, "1.5");
	assert_int_equal(v->type, CEL_T_DOUBLE);
	assert_true(v->u.d == 1.5);
	assert_true(lit(f, "1e10")->u.d == 1e10);
	assert_true(lit(f, ".5")->u.d == 0.5);
	assert_true(lit(f, "6.02e23")->u.d == 6.02e23);
	assert_true(lit(f, "0e+0")->u.d == 0.0);
	assert_true(lit(f, "-2.3e+1")->u.d == -23.0);
	assert_true(lit(f, "1E-2")->u.d == 0.01);
	/* langdef: a double has digits after the point. */
	fails(f, "1.", "cel.syntax", "a double needs a digit after the decimal point: write 1.0");
	fails(f, "1e", "cel.syntax", "invalid number '1e'");
	fails(f, "1.5u", "cel.syntax", "invalid number '1.5u'");
	fails(f, "0x", "cel.syntax", "hexadecimal literal needs digits after 0x");
	fails(f, "1e999", "cel.syntax", "double literal 1e999 is out of range");
}

static void
test_cel_int_overflow_literal(void **state)
{
	struct fx *f = *state;
	const struct cel_value *v;

	fails(f, "9223372036854775808", "cel.syntax",
	      "integer literal 9223372036854775808 is out of range for int (64-bit)");
	v = lit(f, "-9223372036854775808");
	assert_int_equal(v->type, CEL_T_INT);
	assert_true(v->u.i == INT64_MIN);
	v = lit(f, "- 9223372036854775808");
	assert_true(v->u.i == INT64_MIN);
	assert_true(lit(f, "-0x8000000000000000")->u.i == INT64_MIN);
	fails(f, "0x8000000000000000", "cel.syntax",
	      "integer literal 0x8000000000000000 is out of range for int (64-bit)");
	fails(f, "-9223372036854775809", "cel.syntax",
	      "integer literal -9223372036854775809 is out of range for int (64-bit)");
	fails(f, "18446744073709551616", "cel.syntax",
	      "integer literal 18446744073709551616 is out of range for int (64-bit)");
	/* Parentheses make it the negation of a literal that does not fit. */
	fails(f, "-(9223372036854775808)", "cel.syntax",
	      "integer literal 9223372036854775808 is out of range for int (64-bit)");
	/* A value error does not stop the checker. */
	assert_int_equal(compile(f, "9223372036854775808 + weigth"), MDG_ERR);
	assert_int_equal(f->d.n, 2);
	assert_string_equal(f->d.v[1].code, "cel.undeclared");
	/* --19 is the negation of the literal -19. */
	assert_int_equal(lit(f, "--19")->u.i, 19);
}

static void
test_cel_literal_strings(void **state)
{
	struct fx *f = *state;

	assert_str_lit(f, "''", "", 0, 0);
	assert_str_lit(f, "\"\"", "", 0, 0);
	assert_str_lit(f, "'hello'", "hello", 5, 5);
	assert_str_lit(f, "\"it's\"", "it's", 4, 4);
	assert_str_lit(f, "'''hello'''", "hello", 5, 5);
	assert_str_lit(f, "\"\"\"hello\"\"\"", "hello", 5, 5);
	assert_str_lit(f, "'''x''x'''", "x''x", 4, 4);
	assert_str_lit(f, "'''a\nb'''", "a\nb", 3, 3);
	assert_str_lit(f, "r''''''", "", 0, 0);
	assert_str_lit(f, "'é'", "\xc3\xa9", 2, 1);
	/* Raw strings keep backslashes. */
	assert_str_lit(f, "r'\\d+\\n'", "\\d+\\n", 5, 5);
	assert_str_lit(f, "R\"\\\"", "\\", 1, 1);
	assert_str_lit(f, "r'''a\\'''", "a\\", 2, 2);
	/* Escapes. */
	assert_str_lit(f, "'\\a\\b\\f\\n\\r\\t\\v\\\\\\?\\\"\\'\\`'", "\a\b\f\n\r\t\v\\?\"'`", 12,
		       12);
	assert_str_lit(f, "'\\x41\\X42\\x7f'", "AB\x7f", 3, 3);
	assert_str_lit(f, "'\\101\\000'", "A\0", 2, 2);
	assert_str_lit(f, "'\\377'", "\xc3\xbf", 2, 1);
	assert_str_lit(f, "'\\xFF'", "\xc3\xbf", 2, 1);
	assert_str_lit(f, "'\\u270c'", "\xe2\x9c\x8c", 3, 1);
	assert_str_lit(f, "'\\U0001f431'", "\xf0\x9f\x90\xb1", 4, 1);
	assert_str_lit(f, "\"\"\" \\\"\"\" \"\"\"", " \"\"\" ", 5, 5);
}

static void
test_cel_literal_other(void **state)
{
	struct fx *f = *state;
	const struct cel_value *v;

	v = lit(f, "true");
	assert_int_equal(v->type, CEL_T_BOOL);
	assert_true(v->u.b);
	v = lit(f, "false");
	assert_int_equal(v->type, CEL_T_BOOL);
	assert_false(v->u.b);
	assert_int_equal(lit(f, "null")->type, CEL_T_NULL);
	v = lit(f, "int");
	assert_int_equal(v->type, CEL_T_TYPE);
	assert_int_equal(v->u.t, CEL_T_INT);
	shape(f, "type(x) == string",
	      "eq : bool\n"
	      "  call type/1 : type\n"
	      "    var x #6 : dyn\n"
	      "  const type(string)\n");
}

static void
test_cel_escape_errors(void **state)
{
	struct fx *f = *state;

	fails(f, "'\\q'", "cel.syntax", "invalid escape sequence '\\q'");
	fails(f, "'\\x4'", "cel.syntax", "\\x escape needs 2 hexadecimal digits");
	fails(f, "'\\u12'", "cel.syntax", "\\u escape needs 4 hexadecimal digits");
	fails(f, "'\\400'", "cel.syntax", "octal escape needs 3 octal digits (\\000 to \\377)");
	fails(f, "'\\uD800'", "cel.syntax", "\\uD800 is a surrogate code point, not a character");
	fails(f, "'\\U0000DFFF'", "cel.syntax",
	      "\\U0000DFFF is a surrogate code point, not a character");
	fails(f, "'\\U00110000'", "cel.syntax",
	      "\\U00110000 is beyond the last code point U+10FFFF");
	fails(f, "'\xff'", "cel.syntax", "invalid UTF-8 in string literal");
	fails(f, "'abc", "cel.syntax", "unterminated string literal");
	fails(f, "'abc\n' == name", "cel.syntax", "unterminated string literal");
	fails(f, "'''abc''", "cel.syntax", "unterminated string literal");
	fails(f, "weight = 1", "cel.syntax", "unexpected character '=' (did you mean '=='?)");
	fails(f, "active & active", "cel.syntax", "unexpected character '&' (did you mean '&&'?)");
	fails(f, "name == \xe2\x80\x9cx\xe2\x80\x9d", "cel.syntax",
	      "unexpected character '\xe2\x80\x9c' (strings take straight quotes: ' or \")");
	fails(f, "weight # 1", "cel.syntax", "unexpected character '#'");
	/* Two literal errors and an undeclared name: all reported. */
	assert_int_equal(compile(f, "'\\q' + '\\z' + nmae"), MDG_ERR);
	assert_int_equal(f->d.n, 3);
	assert_string_equal(f->d.v[2].message, "undeclared reference to 'nmae' (did you mean 'name'?)");
}

static void
test_cel_bytes_and_uint_unsupported(void **state)
{
	struct fx *f = *state;

	fails(f, "1u", "cel.unsupported",
	      "uint values are not in mdgate's CEL subset (see doc/cel.md)");
	fails(f, "0x1U + 1", "cel.unsupported",
	      "uint values are not in mdgate's CEL subset (see doc/cel.md)");
	fails(f, "b'abc'", "cel.unsupported",
	      "bytes values are not in mdgate's CEL subset (see doc/cel.md)");
	fails(f, "bR'\\d'", "cel.unsupported",
	      "bytes values are not in mdgate's CEL subset (see doc/cel.md)");
	assert_int_equal(compile(f, "b'\\u0041'"), MDG_ERR);
	assert_string_equal(f->d.v[0].message, "\\u escapes are not allowed in bytes literals");
	fails(f, "timestamp(name)", "cel.unsupported",
	      "the function 'timestamp' is not in mdgate's CEL subset (see doc/cel.md)");
	fails(f, "type(x) == uint", "cel.unsupported",
	      "the type uint is not in mdgate's CEL subset (see doc/cel.md)");
	/* The bytes literal's value is still decoded (octets, not code points). */
	assert_int_equal(compile(f, "b'\\377\\x41'"), MDG_ERR);
}

static void
test_cel_reserved_words(void **state)
{
	struct fx *f = *state;

	fails(f, "if", "cel.syntax", "'if' is a reserved word and cannot be used as an identifier");
	fails(f, "weight > 0 && while", "cel.syntax",
	      "'while' is a reserved word and cannot be used as an identifier");
	fails(f, "in + 1", "cel.syntax", "unexpected token 'in'");
	/* After a dot they are field and function names (parse.textproto). */
	ok(f, "{'if': 1}.if == 1 && m.namespace == 2");
	fails(f, "x.while()", "cel.undeclared", "unknown function 'while'");
	fails(f, "m.in", "cel.syntax", "unexpected token 'in', expected a field or function name");
}

static void
test_cel_message_construction(void **state)
{
	struct fx *f = *state;

	fails(f, "Foo{a: 1}", "cel.unsupported",
	      "message construction is not in mdgate's CEL subset");
	fails(f, "google.protobuf.Value{}.x == 1", "cel.unsupported",
	      "message construction is not in mdgate's CEL subset");
}

static void
test_cel_optional_syntax_unsupported(void **state)
{
	struct fx *f = *state;

	fails(f, "m.?a", "cel.unsupported",
	      "optional field selection (.?) is not in mdgate's CEL subset (see doc/cel.md)");
	fails(f, "[?1]", "cel.unsupported",
	      "optional list elements ([?x]) are not in mdgate's CEL subset (see doc/cel.md)");
	fails(f, "{?'a': 1}", "cel.unsupported",
	      "optional map entries ({?k: v}) are not in mdgate's CEL subset (see doc/cel.md)");
	fails(f, "m[?'a']", "cel.unsupported",
	      "optional indexing ([?k]) is not in mdgate's CEL subset (see doc/cel.md)");
	fails(f, "optional.of(1)", "cel.unsupported",
	      "the function 'optional.of' is not in mdgate's CEL subset (see doc/cel.md)");
}

static void
test_cel_quoted_field_names(void **state)
{
	struct fx *f = *state;

	shape(f, "m.`content-type` == 'text/csv' && has(m.`a/b c.d`)",
	      "and : bool\n"
	      "  eq : bool\n"
	      "    select .content-type : dyn\n"
	      "      var m #5 : map\n"
	      "    const \"text/csv\"\n"
	      "  has .a/b c.d : bool\n"
	      "    var m #5 : map\n");
	fails(f, "m.`a-b`()", "cel.syntax", "unexpected token '('");
	fails(f, "`a` == 1", "cel.syntax", "unexpected token '`a`'");
	fails(f, "m.`a+b`", "cel.syntax",
	      "a quoted name holds letters, digits, _ . - / and spaces, and ends with `");
	fails(f, "m.``", "cel.syntax", "empty quoted name");
}

static void
test_cel_syntax_errors(void **state)
{
	struct fx *f = *state;

	fails(f, "weight >", "cel.syntax", "unexpected end of expression");
	fails(f, "(weight + 1", "cel.syntax", "unexpected end of expression, expected ')'");
	fails(f, "weight > 1)", "cel.syntax", "unexpected token ')'");
	fails(f, "size(name name)", "cel.syntax", "unexpected token 'name', expected ',' or ')'");
	fails(f, "weight weight", "cel.syntax", "unexpected token 'weight'");
	fails(f, "x ? 1", "cel.syntax", "unexpected end of expression, expected ':'");
	fails(f, "{1 2}", "cel.syntax", "unexpected token '2', expected ':'");
	fails(f, "'a very long string literal indeed' 'another'", "cel.syntax",
	      "unexpected token ''another''");
	fails(f, "name 'a very long string literal indeed'", "cel.syntax",
	      "unexpected token ''a very long string lite...'");
	fails(f, "name '''two\nlines'''", "cel.syntax", "unexpected token ''''two...'");
	/* Recovery at ',' and closers: one message per mistake. */
	assert_int_equal(compile(f, "[1, (2 +), 3, size(]"), MDG_ERR);
	assert_int_equal(f->d.n, 2);
	assert_string_equal(f->d.v[0].message, "unexpected token ')'");
	assert_string_equal(f->d.v[1].message, "unexpected token ']'");
	assert_int_equal(compile(f, "[weight +, name *, 1]"), MDG_ERR);
	assert_int_equal(f->d.n, 2);
	/* Nothing is checked when the structure is broken. */
	assert_int_equal(compile(f, "weigth + ) "), MDG_ERR);
	assert_int_equal(f->d.n, 1);
	assert_string_equal(f->d.v[0].code, "cel.syntax");
}

static void
test_cel_macros_expand(void **state)
{
	struct fx *f = *state;

	shape(f, "items.all(i, i > 0)",
	      "all i #7 : bool\n"
	      "  var items #4 : list\n"
	      "  gt : bool\n"
	      "    var i #7 : dyn\n"
	      "    const 0\n");
	assert_int_equal(f->p->nvars, 7);
	assert_int_equal(f->p->nslots, 8);
	/*
	 * Nested macros take the next slot.  A range is evaluated before its
	 * macro binds a variable: filter() is the range of exists_one(), so
	 * both use the slot after i's.
	 */
	shape(f, "items.exists(i, items.filter(j, j != i).exists_one(k, k == weight))",
	      "exists i #7 : bool\n"
	      "  var items #4 : list\n"
	      "  exists_one k #8 : bool\n"
	      "    filter j #8 : list\n"
	      "      var items #4 : list\n"
	      "      ne : bool\n"
	      "        var j #8 : dyn\n"
	      "        var i #7 : dyn\n"
	      "    eq : bool\n"
	      "      var k #8 : dyn\n"
	      "      var weight #0 : int\n");
	assert_int_equal(f->p->nslots, 9);
	/* Siblings share a slot. */
	shape(f, "items.all(i, i > 0) && m.exists(i, i == 'k')",
	      "and : bool\n"
	      "  all i #7 : bool\n"
	      "    var items #4 : list\n"
	      "    gt : bool\n"
	      "      var i #7 : dyn\n"
	      "      const 0\n"
	      "  exists i #7 : bool\n"
	      "    var m #5 : map\n"
	      "    eq : bool\n"
	      "      var i #7 : dyn\n"
	      "      const \"k\"\n");
	assert_int_equal(f->p->nslots, 8);
	/* e.map(x, p, t): args[1] is the transform t, args[2] the filter p. */
	shape(f, "items.map(i, i > 1, i * 2)",
	      "map i #7 (filtered) : list\n"
	      "  var items #4 : list\n"
	      "  mul : int\n"
	      "    var i #7 : dyn\n"
	      "    const 2\n"
	      "  gt : bool\n"
	      "    var i #7 : dyn\n"
	      "    const 1\n");
	assert_int_equal(f->p->root->op, CEL_MACRO_MAP);
	assert_int_equal(f->p->root->nargs, 3);
	assert_int_equal(f->p->root->args[1]->op, CEL_OP_MUL);
	assert_int_equal(f->p->root->args[2]->op, CEL_OP_GT);
	/* A macro variable shadows a field of the same name. */
	shape(f, "items.map(weight, weight)",
	      "map weight #7 : list\n"
	      "  var items #4 : list\n"
	      "  var weight #7 : dyn\n");
	shape(f, "has(m.a.b)",
	      "has .b : bool\n"
	      "  select .a : dyn\n"
	      "    var m #5 : map\n");
	assert_true(f->p->root->test_only);
	assert_false(f->p->root->target->test_only);
	fails(f, "items.all(i.j, true)", "cel.syntax",
	      "the iteration variable of all() must be a simple identifier");
	fails(f, "items.exists(i)", "cel.syntax",
	      "wrong number of arguments to exists() (write range.exists(x, predicate))");
}

static void
test_cel_macro_type_errors(void **state)
{
	struct fx *f = *state;

	fails(f, "weight.all(i, true)", "cel.type", "all() ranges over a list or a map, not int");
	fails(f, "items.filter(i, 1)", "cel.type",
	      "the predicate of filter() gives int; it must give bool");
	fails(f, "items.map(i, 'x', i)", "cel.type",
	      "the filter of map() gives string; it must give bool");
	ok(f, "items.map(i, 'x').size() > 0");
}

static void
test_cel_has_invalid(void **state)
{
	struct fx *f = *state;

	fails(f, "has(m)", "cel.syntax", "invalid argument to has() macro");
	fails(f, "has(m['a'])", "cel.syntax", "invalid argument to has() macro");
	fails(f, "has()", "cel.syntax", "invalid argument to has() macro");
	fails(f, "has(m.a, m.b)", "cel.syntax", "invalid argument to has() macro");
	fails(f, "has(name.a)", "cel.type", "type 'string' does not support field selection");
}

static void
test_cel_depth_limit(void **state)
{
	struct fx *f = *state;
	struct mdg_buf b;
	clock_t t0 = clock();
	int i;

	/* 100 000 parentheses: refused at once, by the length limit. */
	mdg_buf_init(&b, 0);
	for (i = 0; i < 100000; i++)
		(void)mdg_buf_putc(&b, '(');
	assert_int_equal(cel_compile(&f->p, f->env, b.data, b.len, &f->src, CEL_T_DYN, &f->d),
			 MDG_ERR);
	assert_int_equal(f->d.n, 1);
	assert_string_equal(f->d.v[0].code, "cel.limit");
	assert_string_equal(f->d.v[0].message, "expression is longer than 16384 bytes");
	/* 16 000 of them: the depth limit, once. */
	b.len = 16000;
	b.data[b.len] = '\0';
	fails(f, b.data, "cel.limit", "expression nested deeper than 100 levels");
	assert_int_equal(f->d.v[0].col, 12 + 100);
	/* Every kind of nesting. */
	mdg_buf_reset(&b);
	for (i = 0; i < 5000; i++)
		(void)mdg_buf_putc(&b, '!');
	(void)mdg_buf_printf(&b, "true");
	fails(f, b.data, "cel.limit", "expression nested deeper than 100 levels");
	mdg_buf_reset(&b);
	for (i = 0; i < 5000; i++)
		(void)mdg_buf_printf(&b, "[");
	fails(f, b.data, "cel.limit", "expression nested deeper than 100 levels");
	mdg_buf_reset(&b);
	for (i = 0; i < 2000; i++)
		(void)mdg_buf_printf(&b, "x+");
	(void)mdg_buf_printf(&b, "x");
	fails(f, b.data, "cel.limit", "expression nested deeper than 100 levels");
	mdg_buf_reset(&b);
	(void)mdg_buf_printf(&b, "m");
	for (i = 0; i < 2000; i++)
		(void)mdg_buf_printf(&b, ".a");
	fails(f, b.data, "cel.limit", "expression nested deeper than 100 levels");
	mdg_buf_reset(&b);
	for (i = 0; i < 3000; i++)
		(void)mdg_buf_printf(&b, "size(");
	fails(f, b.data, "cel.limit", "expression nested deeper than 100 levels");
	/* 120 chains of 98 '!': short text, too many nodes. */
	mdg_buf_reset(&b);
	(void)mdg_buf_putc(&b, '[');
	for (i = 0; i < 120 * 98; i++)
		(void)mdg_buf_printf(&b, "%s", i % 98 == 97 ? "!x," : "!");
	(void)mdg_buf_putc(&b, ']');
	fails(f, b.data, "cel.limit", "expression has more than 10000 nodes");
	/* 98 parentheses are fine. */
	mdg_buf_reset(&b);
	for (i = 0; i < 98; i++)
		(void)mdg_buf_putc(&b, '(');
	(void)mdg_buf_putc(&b, '1');
	for (i = 0; i < 98; i++)
		(void)mdg_buf_putc(&b, ')');
	ok(f, b.data);
	mdg_buf_free(&b);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
}

/* Hostile text with an error in every token: bounded time, bounded output. */
static void
test_cel_many_errors(void **state)
{
	struct fx *f = *state;
	struct mdg_buf b;
	char name[32];
	clock_t t0 = clock();
	int i;

	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "field_number_%d", i);
		assert_int_equal(cel_env_add_var(f->env, name, CEL_T_INT), MDG_OK);
	}
	mdg_buf_init(&b, 0);
	(void)mdg_buf_putc(&b, '[');
	while (b.len < CEL_MAX_EXPR_BYTES - 20)
		(void)mdg_buf_printf(&b, "field_numbr_%d, '\\q', ", (int)b.len % 300);
	(void)mdg_buf_putc(&b, ']');
	assert_int_equal(compile(f, b.data), MDG_ERR);
	assert_int_equal(f->d.n, CEL_REPORT_MAX);
	assert_string_equal(f->d.v[1].message, "invalid escape sequence '\\q'");
	mdg_buf_free(&b);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
}

static void
test_cel_length_limit(void **state)
{
	struct fx *f = *state;
	char *s = xmalloc(CEL_MAX_EXPR_BYTES + 2);

	memset(s, ' ', CEL_MAX_EXPR_BYTES + 1);
	s[0] = '1';
	s[CEL_MAX_EXPR_BYTES] = '\0';
	ok(f, s);
	s[CEL_MAX_EXPR_BYTES] = ' ';
	s[CEL_MAX_EXPR_BYTES + 1] = '\0';
	fails(f, s, "cel.limit", "expression is longer than 16384 bytes");
	free(s);
}

/* ----------------------------------------------------------- locations */

static void
test_cel_located_errors_exact(void **state)
{
	struct fx *f = *state;

	/* rules.yaml:10:12 is where the text starts. */
	fails(f, "weight > 0 && weigth < 10", "cel.undeclared",
	      "undeclared reference to 'weigth' (did you mean 'weight'?)");
	assert_string_equal(f->d.v[0].file, "rules.yaml");
	assert_int_equal(f->d.v[0].line, 10);
	assert_int_equal(f->d.v[0].col, 12 + 14);
	assert_int_equal(f->d.v[0].span, 6);
	assert_int_equal(f->d.v[0].severity, MDG_SEV_ERROR);
	/* Columns count characters, not bytes. */
	fails(f, "'\xc3\xa9\xc3\xa9' + 1", "cel.overload",
	      "found no matching overload for '_+_' applied to '(string, int)'");
	assert_int_equal(f->d.v[0].col, 12);
	assert_int_equal(f->d.v[0].span, 8);
	fails(f, "name + '\xc3\xa9' == nmae", "cel.undeclared",
	      "undeclared reference to 'nmae' (did you mean 'name'?)");
	assert_int_equal(f->d.v[0].col, 12 + 14);
	/* A block scalar: later lines start at the same column. */
	fails(f, "weight > 0 &&\n  name.size() > 1 &&\nfoo(1)", "cel.undeclared",
	      "unknown function 'foo'");
	assert_int_equal(f->d.v[0].line, 12);
	assert_int_equal(f->d.v[0].col, 12);
	assert_int_equal(f->d.v[0].span, 6);
	fails(f, "weight > 0 &&\n  weigth > 1", "cel.undeclared",
	      "undeclared reference to 'weigth' (did you mean 'weight'?)");
	assert_int_equal(f->d.v[0].line, 11);
	assert_int_equal(f->d.v[0].col, 14);
	/* A node over two lines: the caret stops at the end of the first. */
	fails(f, "name +\n  1", "cel.overload",
	      "found no matching overload for '_+_' applied to '(string, int)'");
	assert_int_equal(f->d.v[0].line, 10);
	assert_int_equal(f->d.v[0].col, 12);
	assert_int_equal(f->d.v[0].span, 6);
	/* The end of the text: just after the last token. */
	fails(f, "(weight + 1  ", "cel.syntax", "unexpected end of expression, expected ')'");
	assert_int_equal(f->d.v[0].col, 12 + 11);
	/* An error inside a string literal. */
	fails(f, "name == 'a\\qb'", "cel.syntax", "invalid escape sequence '\\q'");
	assert_int_equal(f->d.v[0].col, 12 + 10);
	assert_int_equal(f->d.v[0].span, 2);
}

static void
test_cel_located_errors_inexact(void **state)
{
	struct fx *f = *state;

	f->src.exact = false;
	f->src.line = 7;
	f->src.col = 5;
	fails(f, "weight > 0 &&\n  weigth > 1", "cel.undeclared",
	      "undeclared reference to 'weigth' (did you mean 'weight'?)");
	assert_int_equal(f->d.v[0].line, 7);
	assert_int_equal(f->d.v[0].col, 5);
	assert_int_equal(f->d.v[0].span, 1);
	/* Without a source: line 1, columns from 1, no file. */
	mdg_diags_free(&f->d);
	mdg_diags_init(&f->d);
	assert_int_equal(cel_compile(&f->p, f->env, "1 +", 3, NULL, CEL_T_DYN, &f->d), MDG_ERR);
	assert_null(f->d.v[0].file);
	assert_int_equal(f->d.v[0].line, 1);
	assert_int_equal(f->d.v[0].col, 4);
	/* Without diagnostics: only the status. */
	assert_int_equal(cel_compile(&f->p, f->env, "1 +", 3, NULL, CEL_T_DYN, NULL), MDG_ERR);
	assert_null(f->p);
}

/* ------------------------------------------------------------- checker */

static void
test_cel_undeclared_suggestion(void **state)
{
	struct fx *f = *state;

	fails(f, "weigth > 1", "cel.undeclared",
	      "undeclared reference to 'weigth' (did you mean 'weight'?)");
	fails(f, "Name == 'x'", "cel.undeclared",
	      "undeclared reference to 'Name' (did you mean 'name'?)");
	fails(f, "colour == 'x'", "cel.undeclared", "undeclared reference to 'colour'");
	fails(f, "y == 1", "cel.undeclared", "undeclared reference to 'y'");
	fails(f, "items.all(item, itme > 0)", "cel.undeclared",
	      "undeclared reference to 'itme' (did you mean 'item'?)");
	/* A macro variable is out of scope after its macro. */
	fails(f, "items.all(i, true) && i > 0", "cel.undeclared", "undeclared reference to 'i'");
	/* Each mistake once, and what depends on it is not blamed. */
	assert_int_equal(compile(f, "weigth + 1 > 2 && nmae.size() > 0"), MDG_ERR);
	assert_int_equal(f->d.n, 2);
}

static void
test_cel_overload_errors(void **state)
{
	struct fx *f = *state;

	fails(f, "'a' + 1", "cel.overload",
	      "found no matching overload for '_+_' applied to '(string, int)'");
	fails(f, "weight + 1.0", "cel.overload",
	      "found no matching overload for '_+_' applied to '(int, double)'");
	fails(f, "size(1)", "cel.overload", "found no matching overload for 'size' applied to '(int)'");
	fails(f, "weight.size()", "cel.overload",
	      "found no matching overload for 'size' applied to '(int)'");
	fails(f, "name.startsWith(1)", "cel.overload",
	      "found no matching overload for 'startsWith' applied to '(string, int)'");
	fails(f, "foo(1)", "cel.undeclared", "unknown function 'foo'");
	fails(f, "name.startswith('a')", "cel.undeclared",
	      "unknown function 'startswith' (did you mean 'startsWith'?)");
	fails(f, "startsWith(name, 'a')", "cel.overload",
	      "'startsWith' is a method: call it as x.startsWith(...)");
	fails(f, "name.int()", "cel.overload", "'int' is a function, not a method: call it as int(x)");
	fails(f, "!weight", "cel.overload", "found no matching overload for '!_' applied to '(int)'");
	fails(f, "-name", "cel.overload", "found no matching overload for '-_' applied to '(string)'");
	fails(f, "weight && active", "cel.overload",
	      "found no matching overload for '_&&_' applied to '(int, bool)'");
	fails(f, "name < 1", "cel.overload",
	      "found no matching overload for '_<_' applied to '(string, int)'");
	fails(f, "price % 2.0", "cel.overload",
	      "found no matching overload for '_%_' applied to '(double, double)'");
	fails(f, "weight in name", "cel.overload",
	      "found no matching overload for '@in' applied to '(int, string)'");
	fails(f, "name[0]", "cel.overload",
	      "found no matching overload for '_[_]' applied to '(string, int)'");
	fails(f, "items['a']", "cel.overload",
	      "found no matching overload for '_[_]' applied to '(list, string)'");
	fails(f, "active ? 1 : 'a'", "cel.type",
	      "the branches of ?: give int and string; they must give the same type");
	fails(f, "weight ? 1 : 2", "cel.type", "the condition of ?: gives int; it must give bool");
	fails(f, "{1.5: 1}", "cel.type", "map keys must be bool, int or string, not double");
	fails(f, "name.length", "cel.type", "type 'string' does not support field selection");
	fails(f, "math.greatest(1, 2)", "cel.undeclared", "unknown function 'math.greatest'");
	/* Allowed: mixed numbers in order comparisons, dyn anywhere, null branches. */
	ok(f, "weight < price && price >= 1 && x + 1 > 0 && (active ? name : null) != null");
	ok(f, "x.size() + size(items) + size(m) > 0 && [1] + items == items");
}

static void
test_cel_string_number_comparison(void **state)
{
	struct fx *f = *state;

	fails(f, "name == 5", "cel.type", "comparison of string with int is always false");
	fails(f, "5.0 != name", "cel.type", "comparison of double with string is always true");
	fails(f, "active == 'true'", "cel.type", "comparison of bool with string is always false");
	ok(f, "name == null && x == 5 && weight == price && 1 == 1.0 && m == x");
}

static void
test_cel_want_bool(void **state)
{
	struct fx *f = *state;

	assert_int_equal(compile_want(f, "name", CEL_T_BOOL), MDG_ERR);
	assert_int_equal(f->d.n, 1);
	assert_string_equal(f->d.v[0].code, "cel.type");
	assert_string_equal(f->d.v[0].message,
			    "the expression gives string; a rule's check must give bool");
	assert_int_equal(f->d.v[0].span, 4);
	assert_int_equal(compile_want(f, "weight + 1", CEL_T_BOOL), MDG_ERR);
	assert_string_equal(f->d.v[0].message,
			    "the expression gives int; a rule's check must give bool");
	assert_int_equal(compile_want(f, "weight", CEL_T_STRING), MDG_ERR);
	assert_string_equal(f->d.v[0].message, "the expression gives int; it must give string");
	assert_int_equal(compile_want(f, "x", CEL_T_BOOL), MDG_OK);
	assert_int_equal(cel_program_type(f->p), CEL_T_DYN);
	assert_int_equal(compile_want(f, "weight > 0", CEL_T_BOOL), MDG_OK);
	assert_int_equal(cel_program_type(f->p), CEL_T_BOOL);
	assert_int_equal(compile_want(f, "m.a", CEL_T_BOOL), MDG_OK);
	/* Only when the rest is right, so that one mistake is one message. */
	assert_int_equal(compile_want(f, "nmae", CEL_T_BOOL), MDG_ERR);
	assert_int_equal(f->d.n, 1);
}

static void
test_cel_constant_folding(void **state)
{
	struct fx *f = *state;

	shape(f, "1 + 2 * 3 - -4", "const 11\n");
	shape(f, "'IT-' + 'x' + name", "add : string\n  const \"IT-x\"\n  var name #1 : string\n");
	assert_int_equal(f->p->root->args[0]->lit.u.s->nchars, 4);
	shape(f, "(7 / 2) * 2 + 7 % 2", "const 7\n");
	shape(f, "1.5 * 2.0 - 0.5", "const 2.5\n");
	shape(f, "true && active", "var active #3 : bool\n");
	shape(f, "x && false", "const false\n");
	shape(f, "true && x", "and : bool\n  const true\n  var x #6 : dyn\n");
	shape(f, "weight > 0 || !false", "const true\n");
	shape(f, "2 < 3 && 'a' <= 'b' && 1.5 > 1.25 && null == null && true != false",
	      "const true\n");
	shape(f, "true ? weight : 2", "var weight #0 : int\n");
	shape(f, "1 > 2 ? 'a' : 'b'", "const \"b\"\n");
	shape(f, "-(1)", "const -1\n");
	shape(f, "0.1 + 0.2", "const 0.30000000000000004\n");
	shape(f, "-.5 * 2.0", "const -1.0\n");
	/* Never folded: what would be an error at run time. */
	shape(f, "1 / 0", "div : int\n  const 1\n  const 0\n");
	shape(f, "9223372036854775807 + 1",
	      "add : int\n  const 9223372036854775807\n  const 1\n");
	shape(f, "-9223372036854775808 / -1",
	      "div : int\n  const -9223372036854775808\n  const -1\n");
	shape(f, "-(-9223372036854775808)", "neg : int\n  const -9223372036854775808\n");
	shape(f, "1.0 / 0.0", "div : double\n  const 1.0\n  const 0.0\n");
	/* The message of an error in a folded operand is still given. */
	fails(f, "1 + 1 + weigth", "cel.undeclared",
	      "undeclared reference to 'weigth' (did you mean 'weight'?)");
	shape(f, "'a\\n\"\\x01' + 'b'", "const \"a\\n\\\"\\x01b\"\n");
}

static void
test_cel_regex(void **state)
{
	struct fx *f = *state;

	shape(f, "name.matches('^[A-Z]' + '+$')",
	      "call matches/1 (string) : bool [pattern compiled]\n"
	      "  var name #1 : string\n"
	      "  const \"^[A-Z]+$\"\n");
	assert_non_null(f->p->root->aux);
	assert_int_equal(f->p->nregexes, 1);
	shape(f, "matches(name, name)",
	      "call matches/2 : bool\n"
	      "  var name #1 : string\n"
	      "  var name #1 : string\n");
	assert_null(f->p->root->aux);
	fails(f, "name.matches(r'a(b')", "cel.regex",
	      "invalid regular expression: missing closing parenthesis (at offset 3)");
	assert_int_equal(f->d.v[0].col, 12 + 15 + 3);
	fails(f, "name.matches('(' + 'b')", "cel.regex",
	      "invalid regular expression: missing closing parenthesis (at offset 2)");
	assert_int_equal(f->d.v[0].col, 12 + 13);
}

static void
test_cel_ref(void **state)
{
	struct fx *f = *state;
	struct cel_env *sup = cel_env_new();

	assert_int_equal(cel_env_add_var(sup, "code", CEL_T_STRING), MDG_OK);
	assert_int_equal(cel_env_add_var(sup, "country", CEL_T_STRING), MDG_OK);
	assert_int_equal(cel_env_add_var(f->env, "supplier", CEL_T_STRING), MDG_OK);
	assert_int_equal(cel_env_add_ref(f->env, "supplier", sup), MDG_OK);
	assert_int_equal(cel_env_add_ref(f->env, "supplier", sup), MDG_ERR);
	assert_int_equal(cel_env_add_ref(f->env, "nothing", sup), MDG_ERR);
	shape(f, "ref(supplier).country == 'DE'",
	      "eq : bool\n"
	      "  select .country : string\n"
	      "    ref #0 : map\n"
	      "      var supplier #7 : string\n"
	      "  const \"DE\"\n");
	assert_int_equal(f->p->root->args[0]->target->fn, CEL_FN_REF);
	assert_int_equal(f->p->root->args[0]->target->slot, 0);
	ok(f, "has(ref(supplier).code) && ref(supplier) != null");
	fails(f, "ref(supplier).countyr == 'DE'", "cel.undeclared",
	      "the referenced record has no field 'countyr' (did you mean 'country'?)");
	fails(f, "ref(supplier).country == 1", "cel.type",
	      "comparison of string with int is always false");
	fails(f, "ref(weight).x == 1", "cel.type",
	      "'weight' is not a reference field, so ref() cannot follow it");
	fails(f, "ref('S1').x == 1", "cel.type",
	      "ref() takes the name of a reference field, such as ref(supplier)");
	fails(f, "ref(suplier).x == 1", "cel.undeclared",
	      "undeclared reference to 'suplier' (did you mean 'supplier'?)");
	cel_env_free(sup);
}

static void
test_cel_qualified_function(void **state)
{
	struct fx *f = *state;

	shape(f, "strings.quote(name)",
	      "call strings.quote/1 : string\n"
	      "  var name #1 : string\n");
}

static void
test_cel_env(void **state)
{
	struct fx *f = *state;
	struct cel_env *env = cel_env_new();

	assert_int_equal(cel_env_nvars(env), 0);
	assert_int_equal(cel_env_add_var(env, "a", CEL_T_INT), MDG_OK);
	/* Names a program cannot write still take their slot. */
	assert_int_equal(cel_env_add_var(env, "unit-price", CEL_T_DOUBLE), MDG_ERR);
	assert_int_equal(cel_env_add_var(env, "if", CEL_T_DOUBLE), MDG_ERR);
	assert_int_equal(cel_env_add_var(env, "a", CEL_T_DOUBLE), MDG_ERR);
	assert_int_equal(cel_env_add_var(env, "b", CEL_T_DYN), MDG_OK);
	assert_int_equal(cel_env_nvars(env), 5);
	assert_int_equal(cel_env_find(env, "a"), 0);
	assert_int_equal(cel_env_find(env, "unit-price"), 1);
	assert_int_equal(cel_env_find(env, "b"), 4);
	assert_int_equal(cel_env_find(env, "c"), -1);
	assert_int_equal(cel_env_nvars(NULL), 0);
	assert_int_equal(cel_env_find(NULL, "a"), -1);
	assert_int_equal(cel_compile(&f->p, env, "a + b", 5, NULL, CEL_T_DYN, &f->d), MDG_OK);
	assert_int_equal(cel_program_type(f->p), CEL_T_INT);
	assert_int_equal(f->p->nslots, 5);
	cel_program_free(f->p);
	/* No environment at all. */
	assert_int_equal(cel_compile(&f->p, NULL, "1 + 1", 5, NULL, CEL_T_DYN, &f->d), MDG_OK);
	assert_int_equal(f->p->nslots, 0);
	cel_env_free(env);
	cel_env_free(NULL);
	cel_program_free(NULL);
	assert_int_equal(cel_program_type(NULL), CEL_T_DYN);
}

/* Count nodes reachable with cel_program_walk. */
static void
count_node(const struct cel_node *n, void *payload)
{
	(void)n;
	(*(size_t *)payload)++;
}

static void
test_cel_walk(void **state)
{
	struct fx *f = *state;
	size_t count = 0;

	ok(f, "name.size() > weight && items.all(i, i != x)");
	cel_program_walk(f->p, count_node, &count);
	assert_int_equal(count, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_cel_precedence),
		T(test_cel_comments_and_whitespace),
		T(test_cel_literal_numbers),
		T(test_cel_int_overflow_literal),
		T(test_cel_literal_strings),
		T(test_cel_literal_other),
		T(test_cel_escape_errors),
		T(test_cel_bytes_and_uint_unsupported),
		T(test_cel_reserved_words),
		T(test_cel_message_construction),
		T(test_cel_optional_syntax_unsupported),
		T(test_cel_quoted_field_names),
		T(test_cel_syntax_errors),
		T(test_cel_macros_expand),
		T(test_cel_macro_type_errors),
		T(test_cel_has_invalid),
		T(test_cel_depth_limit),
		T(test_cel_many_errors),
		T(test_cel_length_limit),
		T(test_cel_located_errors_exact),
		T(test_cel_located_errors_inexact),
		T(test_cel_undeclared_suggestion),
		T(test_cel_overload_errors),
		T(test_cel_string_number_comparison),
		T(test_cel_want_bool),
		T(test_cel_constant_folding),
		T(test_cel_regex),
		T(test_cel_ref),
		T(test_cel_qualified_function),
		T(test_cel_env),
		T(test_cel_walk),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
