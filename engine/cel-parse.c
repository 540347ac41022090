/*
 * cel-parse.c - the CEL parser: recursive descent over the grammar of
 * cel-spec doc/langdef.md, building located AST nodes in the program's
 * arena.  Macros (has, all, exists, exists_one, map, filter) are expanded
 * here; a negative number literal (-9223372036854775808) is one literal.
 *
 * Limits (nesting, node count) end the parse with one located error, so
 * that hostile text costs little.  After a syntax error the parser skips to
 * the next ',' or closing bracket and goes on, reporting nothing until it
 * has resynchronised, so that one mistake gives one message.  Types are
 * not this file's business: cel-check.c checks the tree.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cel-int.h"

/*
 * A node with its height (1 for a leaf), which bounds the recursion of
 * everything that walks the tree later.
 */
struct pnode {
	int height;
	struct cel_node n;
};

#define PNODE(np) ((struct pnode *)(void *)((char *)(np) - offsetof(struct pnode, n)))

struct parser {
	struct cel_program *prog;
	struct cel_report *rep;
	struct cel_lexer lx;
	struct cel_token tok;
	struct cel_token ahead;
	bool have_ahead;
	uint32_t prev_end;     /* end of the last token consumed */
	int depth;             /* nesting of parse_expr */
	bool panic;            /* after a syntax error, until resynchronised */
	bool abort;            /* a limit was hit: unwind */
	size_t nsyntax;        /* errors that leave no tree worth checking */
};

struct nodevec {
	struct cel_node **v;
	size_t n;
	size_t cap;
};

static struct cel_node *parse_expr(struct parser *p);

/* ---------------------------------------------------------------- tokens */

static void
lex(struct parser *p, struct cel_token *t)
{
	p->lx.quiet = p->panic || p->abort;
	cel_lex_next(&p->lx, t);
}

static void
next(struct parser *p)
{
	p->prev_end = p->tok.offset + p->tok.len;
	if (p->abort) {
		p->tok.kind = CEL_TK_EOF;
		return;
	}
	if (p->have_ahead) {
		p->tok = p->ahead;
		p->have_ahead = false;
	} else {
		lex(p, &p->tok);
	}
}

static const struct cel_token *
peek(struct parser *p)
{
	if (!p->have_ahead) {
		lex(p, &p->ahead);
		p->have_ahead = true;
	}
	return &p->ahead;
}

/* ---------------------------------------------------------------- errors */

enum limit_kind { LIMIT_DEPTH, LIMIT_NODES };

static void
limit(struct parser *p, size_t off, size_t len, enum limit_kind what)
{
	if (!p->abort && what == LIMIT_DEPTH)
		cel_report_at(p->rep, "cel.limit", off, len,
			      "expression nested deeper than %d levels", CEL_MAX_DEPTH);
	else if (!p->abort)
		cel_report_at(p->rep, "cel.limit", off, len, "expression has more than %d nodes",
			      CEL_MAX_NODES);
	p->abort = true;
	p->nsyntax++;
	p->tok.kind = CEL_TK_EOF;
	p->have_ahead = false;
}

/* "unexpected token 'x'", at most this many bytes of the token shown. */
#define SHOW_MAX 24

static void
unexpected(struct parser *p, const char *expected)
{
	const struct cel_token *t = &p->tok;
	const char *text = p->lx.text + t->offset;
	int n;

	p->nsyntax++;
	if (p->panic || p->abort) {
		p->panic = true;
		return;
	}
	p->panic = true;
	if (t->kind == CEL_TK_ERROR)
		return;  /* the lexer said what is wrong */
	if (t->kind == CEL_TK_EOF) {
		cel_report_at(p->rep, "cel.syntax", p->prev_end, 1,
			      "unexpected end of expression%s%s", expected ? ", expected " : "",
			      expected ? expected : "");
		return;
	}
	for (n = 0; n < (int)t->len && n < SHOW_MAX && text[n] != '\n' && text[n] != '\r'; n++)
		;
	while (n > 0 && n < (int)t->len && ((unsigned char)text[n] & 0xC0) == 0x80)
		n--;  /* cut at a character boundary */
	cel_report_at(p->rep, "cel.syntax", t->offset, t->len, "unexpected token '%.*s%s'%s%s", n,
		      text, n < (int)t->len ? "..." : "", expected ? ", expected " : "",
		      expected ? expected : "");
}

static bool
expect(struct parser *p, enum cel_tok kind, const char *what)
{
	if (p->tok.kind == kind) {
		next(p);
		return true;
	}
	unexpected(p, what);
	return false;
}

/* A syntax error that does not put the parser out of step. */
static void
syntax_at(struct parser *p, const char *code, const struct cel_loc *loc, const char *msg)
{
	p->nsyntax++;
	if (!p->panic && !p->abort)
		cel_report_at(p->rep, code, loc->offset, loc->len, "%s", msg);
}

static bool
is_closer(enum cel_tok k)
{
	return k == CEL_TK_RPAREN || k == CEL_TK_RBRACKET || k == CEL_TK_RBRACE;
}

static bool
is_opener(enum cel_tok k)
{
	return k == CEL_TK_LPAREN || k == CEL_TK_LBRACKET || k == CEL_TK_LBRACE;
}

/*
 * After an error inside a bracketed list: skip to the next ',' or to the
 * closer at this level, and report again from there.  A closer of an outer
 * level is left for the outer list, still in panic.
 */
static void
resync(struct parser *p, enum cel_tok closer)
{
	int level = 0;

	if (!p->panic)
		return;
	while (!p->abort && p->tok.kind != CEL_TK_EOF) {
		if (level == 0 && (p->tok.kind == CEL_TK_COMMA || p->tok.kind == closer)) {
			p->panic = false;
			return;
		}
		if (is_opener(p->tok.kind))
			level++;
		else if (is_closer(p->tok.kind) && level-- == 0)
			return;
		next(p);
	}
}

/* ----------------------------------------------------------------- nodes */

static struct cel_node *
node_new(struct parser *p, enum cel_node_kind kind, uint32_t start, uint32_t end)
{
	struct pnode *pn;
	struct cel_node *n;

	if (p->prog->nnodes >= CEL_MAX_NODES)
		limit(p, start, end > start ? end - start : 1, LIMIT_NODES);
	p->prog->nnodes++;
	pn = mdg_arena_alloc(&p->prog->arena, sizeof(*pn));
	memset(pn, 0, sizeof(*pn));
	pn->height = 1;
	n = &pn->n;
	n->kind = kind;
	n->loc.offset = start;
	n->loc.len = end > start ? end - start : 0;
	n->lit.type = CEL_T_NULL;
	n->rtype = CEL_T_DYN;
	n->slot = -1;
	n->fn = -1;
	return n;
}

static uint32_t
node_end(const struct cel_node *n)
{
	return n->loc.offset + n->loc.len;
}

/* A stand-in where a syntax error left nothing to build. */
static struct cel_node *
dummy(struct parser *p)
{
	return node_new(p, CEL_N_LITERAL, p->tok.offset, p->tok.offset);
}

/* Record a node's height once its children are set; the depth limit. */
static struct cel_node *
finish(struct parser *p, struct cel_node *n)
{
	int h = 0;
	size_t i;

	if (n->target != NULL)
		h = PNODE(n->target)->height;
	for (i = 0; i < n->nargs; i++)
		if (PNODE(n->args[i])->height > h)
			h = PNODE(n->args[i])->height;
	PNODE(n)->height = h + 1;
	if (h + 1 > CEL_MAX_DEPTH)
		limit(p, n->loc.offset, n->loc.len, LIMIT_DEPTH);
	return n;
}

static void
vec_push(struct nodevec *v, struct cel_node *n)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 4;
		v->v = xreallocarray(v->v, v->cap, sizeof(*v->v));
	}
	v->v[v->n++] = n;
}

/* Move the vector's nodes into the arena as n's arguments. */
static void
set_args(struct parser *p, struct cel_node *n, struct nodevec *v)
{
	n->nargs = v->n;
	if (v->n > 0) {
		n->args = mdg_arena_alloc(&p->prog->arena, v->n * sizeof(*n->args));
		memcpy(n->args, v->v, v->n * sizeof(*n->args));
	}
	free(v->v);
	memset(v, 0, sizeof(*v));
}

static struct cel_node *
node2(struct parser *p, enum cel_node_kind kind, int op, struct cel_node *a, struct cel_node *b)
{
	struct cel_node *n = node_new(p, kind, a->loc.offset, node_end(b));

	n->op = op;
	n->nargs = 2;
	n->args = mdg_arena_alloc(&p->prog->arena, 2 * sizeof(*n->args));
	n->args[0] = a;
	n->args[1] = b;
	return finish(p, n);
}

static const char *
tok_name(struct parser *p, const struct cel_token *t)
{
	return mdg_arena_strndup(&p->prog->arena, p->lx.text + t->offset, t->len);
}

/* ------------------------------------------------------------ lists */

#define NOT_IN_SUBSET " not in mdgate's CEL subset (see doc/cel.md)"

/* CEL's optional syntax (m.?f, [?x], {?k: v}, m[?k]): report and skip the '?'. */
static void
optional_syntax(struct parser *p, const char *what)
{
	struct cel_loc loc = {p->tok.offset, p->tok.len};
	char *msg;

	if (p->tok.kind != CEL_TK_QUESTION)
		return;
	msg = xasprintf("%s" NOT_IN_SUBSET, what);
	syntax_at(p, "cel.unsupported", &loc, msg);
	free(msg);
	next(p);
}

/*
 * Expressions up to closer, separated by commas; a trailing comma is
 * allowed.  optional names CEL's [?x] form where it could occur.
 */
static void
parse_list(struct parser *p, enum cel_tok closer, const char *expected, struct nodevec *v,
	   const char *optional)
{
	while (!p->abort && p->tok.kind != closer) {
		if (optional != NULL)
			optional_syntax(p, optional);
		vec_push(v, parse_expr(p));
		resync(p, closer);
		if (p->tok.kind != CEL_TK_COMMA)
			break;
		next(p);
	}
	expect(p, closer, expected);
}

/* {k: v, ...} after the '{' */
static void
parse_map_entries(struct parser *p, struct nodevec *v)
{
	while (!p->abort && p->tok.kind != CEL_TK_RBRACE) {
		optional_syntax(p, "optional map entries ({?k: v}) are");
		vec_push(v, parse_expr(p));
		if (expect(p, CEL_TK_COLON, "':'"))
			vec_push(v, parse_expr(p));
		else
			vec_push(v, dummy(p));
		resync(p, CEL_TK_RBRACE);
		if (p->tok.kind != CEL_TK_COMMA)
			break;
		next(p);
	}
	expect(p, CEL_TK_RBRACE, "',' or '}'");
}

/* ---------------------------------------------------------------- macros */

static const struct {
	const char *name;
	enum cel_macro op;
	const char *usage;
} macros[] = {
	{"all", CEL_MACRO_ALL, "range.all(x, predicate)"},
	{"exists", CEL_MACRO_EXISTS, "range.exists(x, predicate)"},
	{"exists_one", CEL_MACRO_EXISTS_ONE, "range.exists_one(x, predicate)"},
	{"map", CEL_MACRO_MAP, "range.map(x, transform) or range.map(x, filter, transform)"},
	{"filter", CEL_MACRO_FILTER, "range.filter(x, predicate)"},
};

/*
 * target.name(args) where name is a macro: a MACRO node (args[0] the
 * range, args[1] predicate or transform, args[2] the filter of a
 * three-argument map), or NULL when name is not a macro.
 */
static struct cel_node *
make_macro(struct parser *p, struct cel_node *target, const char *name, struct nodevec *v,
	   uint32_t end)
{
	struct cel_node *n, *var;
	size_t i;
	bool ok;
	char *msg;

	for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
		if (strcmp(macros[i].name, name) == 0)
			break;
	if (i == sizeof(macros) / sizeof(macros[0]))
		return NULL;
	n = node_new(p, CEL_N_MACRO, target->loc.offset, end);
	n->op = (int)macros[i].op;
	ok = v->n == 2 || (macros[i].op == CEL_MACRO_MAP && v->n == 3);
	if (!ok) {
		msg = xasprintf("wrong number of arguments to %s() (write %s)", name, macros[i].usage);
		syntax_at(p, "cel.syntax", &n->loc, msg);
		free(msg);
		free(v->v);
		memset(v, 0, sizeof(*v));
		return n;
	}
	var = v->v[0];
	if (var->kind != CEL_N_IDENT) {
		msg = xasprintf("the iteration variable of %s() must be a simple identifier", name);
		syntax_at(p, "cel.syntax", &var->loc, msg);
		free(msg);
	}
	n->name = var->name != NULL ? var->name : "";
	v->v[0] = target;
	if (v->n == 3) {  /* e.map(x, filter, transform): args[1] transform, args[2] filter */
		var = v->v[1];
		v->v[1] = v->v[2];
		v->v[2] = var;
	}
	set_args(p, n, v);
	return finish(p, n);
}

/* has(e.f): the SELECT, marked test_only. */
static struct cel_node *
make_has(struct parser *p, struct nodevec *v, uint32_t start, uint32_t end)
{
	struct cel_node *n;
	struct cel_loc loc;

	if (v->n != 1 || v->v[0]->kind != CEL_N_SELECT || v->v[0]->test_only) {
		loc.offset = start;
		loc.len = end - start;
		syntax_at(p, "cel.syntax", &loc, "invalid argument to has() macro");
		free(v->v);
		memset(v, 0, sizeof(*v));
		return node_new(p, CEL_N_LITERAL, start, end);
	}
	n = v->v[0];
	free(v->v);
	memset(v, 0, sizeof(*v));
	n->test_only = true;
	n->loc.offset = start;
	n->loc.len = end - start;
	return n;
}

/* ----------------------------------------------------------- expressions */

static struct cel_node *
parse_literal(struct parser *p, bool neg, uint32_t start)
{
	const struct cel_token *t = &p->tok;
	struct cel_node *n = node_new(p, CEL_N_LITERAL, start, t->offset + t->len);
	uint64_t max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

	switch (t->kind) {
	case CEL_TK_INT:
		n->lit.type = CEL_T_INT;
		if (t->u > max && !t->bad) {
			if (!p->panic)
				cel_report_at(p->rep, "cel.syntax", start, n->loc.len,
					      "integer literal %s%.*s is out of range for int (64-bit)",
					      neg ? "-" : "", (int)t->len, p->lx.text + t->offset);
			n->lit.u.i = 0;
		} else if (neg) {
			/* -(2^63) is INT64_MIN; computed without signed overflow. */
			n->lit.u.i = t->u == max ? INT64_MIN : -(int64_t)t->u;
		} else {
			n->lit.u.i = (int64_t)t->u;
		}
		break;
	case CEL_TK_UINT:
		n->lit.type = CEL_T_UINT;
		n->lit.u.i = (int64_t)t->u;
		break;
	case CEL_TK_DOUBLE:
		n->lit.type = CEL_T_DOUBLE;
		n->lit.u.d = neg ? -t->d : t->d;
		break;
	case CEL_TK_STRING:
	case CEL_TK_BYTES:
		n->lit.type = t->kind == CEL_TK_STRING ? CEL_T_STRING : CEL_T_BYTES;
		n->lit.u.s = t->s;
		break;
	case CEL_TK_TRUE:
	case CEL_TK_FALSE:
		n->lit.type = CEL_T_BOOL;
		n->lit.u.b = t->kind == CEL_TK_TRUE;
		break;
	default:
		n->lit.type = CEL_T_NULL;
		break;
	}
	next(p);
	return n;
}

/* [.]IDENT or [.]IDENT(args), the current token being the IDENT. */
static struct cel_node *
parse_ident(struct parser *p, uint32_t start)
{
	struct cel_node *n;
	struct nodevec v = {NULL, 0, 0};
	const char *name;
	uint32_t end;

	if (p->tok.kind == CEL_TK_RESERVED) {
		struct cel_loc loc = {p->tok.offset, p->tok.len};
		char *msg = xasprintf("'%.*s' is a reserved word and cannot be used as an identifier",
				      (int)p->tok.len, p->lx.text + p->tok.offset);
		syntax_at(p, "cel.syntax", &loc, msg);
		free(msg);
	}
	name = tok_name(p, &p->tok);
	end = p->tok.offset + p->tok.len;
	next(p);
	if (p->tok.kind != CEL_TK_LPAREN) {
		n = node_new(p, CEL_N_IDENT, start, end);
		n->name = name;
		return n;
	}
	next(p);
	parse_list(p, CEL_TK_RPAREN, "',' or ')'", &v, NULL);
	end = p->prev_end;
	if (strcmp(name, "has") == 0)
		return make_has(p, &v, start, end);
	n = node_new(p, CEL_N_CALL, start, end);
	n->name = name;
	set_args(p, n, &v);
	return finish(p, n);
}

static struct cel_node *
parse_primary(struct parser *p, bool neg, uint32_t neg_start)
{
	struct cel_node *n;
	struct nodevec v = {NULL, 0, 0};
	uint32_t start = p->tok.offset;

	switch (p->tok.kind) {
	case CEL_TK_INT:
	case CEL_TK_DOUBLE:
		return parse_literal(p, neg, neg ? neg_start : start);
	case CEL_TK_UINT:
	case CEL_TK_STRING:
	case CEL_TK_BYTES:
	case CEL_TK_TRUE:
	case CEL_TK_FALSE:
	case CEL_TK_NULL:
		return parse_literal(p, false, start);
	case CEL_TK_IDENT:
	case CEL_TK_RESERVED:
		return parse_ident(p, start);
	case CEL_TK_DOT:
		next(p);
		if (p->tok.kind != CEL_TK_IDENT && p->tok.kind != CEL_TK_RESERVED) {
			unexpected(p, "an identifier");
			return dummy(p);
		}
		return parse_ident(p, start);
	case CEL_TK_LPAREN:
		next(p);
		n = parse_expr(p);
		expect(p, CEL_TK_RPAREN, "')'");
		return n;
	case CEL_TK_LBRACKET:
		next(p);
		parse_list(p, CEL_TK_RBRACKET, "',' or ']'", &v,
			   "optional list elements ([?x]) are");
		n = node_new(p, CEL_N_LIST, start, p->prev_end);
		set_args(p, n, &v);
		return finish(p, n);
	case CEL_TK_LBRACE:
		next(p);
		parse_map_entries(p, &v);
		n = node_new(p, CEL_N_MAP, start, p->prev_end);
		set_args(p, n, &v);
		return finish(p, n);
	default:
		unexpected(p, NULL);
		return dummy(p);
	}
}

/* Is n a (qualified) name, such as a message type would be? */
static bool
is_qualified_name(const struct cel_node *n)
{
	while (n->kind == CEL_N_SELECT)
		n = n->target;
	return n->kind == CEL_N_IDENT;
}

/* Skip a balanced {...} (the current token is the '{'). */
static void
skip_braces(struct parser *p)
{
	int level = 0;

	do {
		if (is_opener(p->tok.kind))
			level++;
		else if (is_closer(p->tok.kind))
			level--;
		next(p);
	} while (level > 0 && !p->abort && p->tok.kind != CEL_TK_EOF);
	if (level > 0)
		unexpected(p, "'}'");
}

static struct cel_node *
parse_member(struct parser *p, bool neg, uint32_t neg_start)
{
	struct cel_node *n = parse_primary(p, neg, neg_start), *m;
	struct nodevec v = {NULL, 0, 0};
	struct cel_loc loc;
	const char *name;
	uint32_t name_end;
	bool quoted;

	while (!p->abort) {
		switch (p->tok.kind) {
		case CEL_TK_DOT:
			next(p);
			optional_syntax(p, "optional field selection (.?) is");
			if (p->tok.kind == CEL_TK_QIDENT) {
				/* m.`content-type`: a field, never a function */
				name = mdg_arena_strndup(&p->prog->arena,
							 p->lx.text + p->tok.offset + 1,
							 p->tok.len - 2);
			} else if (p->tok.kind == CEL_TK_IDENT || p->tok.kind == CEL_TK_RESERVED) {
				name = tok_name(p, &p->tok);
			} else {
				unexpected(p, "a field or function name");
				return n;
			}
			quoted = p->tok.kind == CEL_TK_QIDENT;
			name_end = p->tok.offset + p->tok.len;
			next(p);
			if (p->tok.kind == CEL_TK_LPAREN && !quoted) {
				next(p);
				parse_list(p, CEL_TK_RPAREN, "',' or ')'", &v, NULL);
				if ((m = make_macro(p, n, name, &v, p->prev_end)) == NULL) {
					m = node_new(p, CEL_N_CALL, n->loc.offset, p->prev_end);
					m->name = name;
					m->target = n;
					set_args(p, m, &v);
					m = finish(p, m);
				}
			} else {
				m = node_new(p, CEL_N_SELECT, n->loc.offset, name_end);
				m->name = name;
				m->target = n;
				m = finish(p, m);
			}
			n = m;
			break;
		case CEL_TK_LBRACKET:
			next(p);
			optional_syntax(p, "optional indexing ([?k]) is");
			m = parse_expr(p);
			expect(p, CEL_TK_RBRACKET, "']'");
			n = node2(p, CEL_N_INDEX, 0, n, m);
			n->loc.len = p->prev_end - n->loc.offset;
			break;
		case CEL_TK_LBRACE:
			if (!is_qualified_name(n))
				return n;
			skip_braces(p);
			loc.offset = n->loc.offset;
			loc.len = p->prev_end - n->loc.offset;
			syntax_at(p, "cel.unsupported", &loc,
				  "message construction is not in mdgate's CEL subset");
			n = node_new(p, CEL_N_LITERAL, loc.offset, p->prev_end);
			break;
		default:
			return n;
		}
	}
	return n;
}

static struct cel_node *
parse_unary(struct parser *p)
{
	/* The operators in front, innermost last: offset * 2 + (1 for '!'). */
	uint32_t ops[CEL_MAX_DEPTH + 1];
	size_t nops = 0;
	struct cel_node *n, *u;
	enum cel_tok k, ak;
	bool neg = false;
	uint32_t neg_start = 0;

	for (;;) {
		k = p->tok.kind;
		if (k == CEL_TK_MINUS) {
			ak = peek(p)->kind;
			if (ak == CEL_TK_INT || ak == CEL_TK_DOUBLE) {
				/* -7 and -9223372036854775808 are literals. */
				neg = true;
				neg_start = p->tok.offset;
				next(p);
				break;
			}
		} else if (k != CEL_TK_NOT) {
			break;
		}
		if (nops == CEL_MAX_DEPTH + 1) {
			limit(p, p->tok.offset, 1, LIMIT_DEPTH);
			return dummy(p);
		}
		ops[nops++] = p->tok.offset * 2 + (k == CEL_TK_NOT);
		next(p);
	}
	n = parse_member(p, neg, neg_start);
	while (nops > 0 && !p->abort) {
		nops--;
		u = node_new(p, CEL_N_UNARY, ops[nops] / 2, node_end(n));
		u->op = ops[nops] & 1 ? CEL_OP_NOT : CEL_OP_NEG;
		u->nargs = 1;
		u->args = mdg_arena_alloc(&p->prog->arena, sizeof(*u->args));
		u->args[0] = n;
		n = finish(p, u);
	}
	return n;
}

static struct cel_node *
parse_multiplication(struct parser *p)
{
	struct cel_node *n = parse_unary(p);
	int op;

	while (!p->abort) {
		switch (p->tok.kind) {
		case CEL_TK_STAR:
			op = CEL_OP_MUL;
			break;
		case CEL_TK_SLASH:
			op = CEL_OP_DIV;
			break;
		case CEL_TK_PERCENT:
			op = CEL_OP_MOD;
			break;
		default:
			return n;
		}
		next(p);
		n = node2(p, CEL_N_BINARY, op, n, parse_unary(p));
	}
	return n;
}

static struct cel_node *
parse_addition(struct parser *p)
{
	struct cel_node *n = parse_multiplication(p);
	int op;

	while (!p->abort) {
		switch (p->tok.kind) {
		case CEL_TK_PLUS:
			op = CEL_OP_ADD;
			break;
		case CEL_TK_MINUS:
			op = CEL_OP_SUB;
			break;
		default:
			return n;
		}
		next(p);
		n = node2(p, CEL_N_BINARY, op, n, parse_multiplication(p));
	}
	return n;
}

static struct cel_node *
parse_relation(struct parser *p)
{
	struct cel_node *n = parse_addition(p);
	int op;

	while (!p->abort) {
		switch (p->tok.kind) {
		case CEL_TK_LT:
			op = CEL_OP_LT;
			break;
		case CEL_TK_LE:
			op = CEL_OP_LE;
			break;
		case CEL_TK_GT:
			op = CEL_OP_GT;
			break;
		case CEL_TK_GE:
			op = CEL_OP_GE;
			break;
		case CEL_TK_EQ:
			op = CEL_OP_EQ;
			break;
		case CEL_TK_NE:
			op = CEL_OP_NE;
			break;
		case CEL_TK_IN:
			op = CEL_OP_IN;
			break;
		default:
			return n;
		}
		next(p);
		n = node2(p, CEL_N_BINARY, op, n, parse_addition(p));
	}
	return n;
}

static struct cel_node *
parse_and(struct parser *p)
{
	struct cel_node *n = parse_relation(p);

	while (!p->abort && p->tok.kind == CEL_TK_AND) {
		next(p);
		n = node2(p, CEL_N_BINARY, CEL_OP_AND, n, parse_relation(p));
	}
	return n;
}

static struct cel_node *
parse_or(struct parser *p)
{
	struct cel_node *n = parse_and(p);

	while (!p->abort && p->tok.kind == CEL_TK_OR) {
		next(p);
		n = node2(p, CEL_N_BINARY, CEL_OP_OR, n, parse_and(p));
	}
	return n;
}

/* Expr = ConditionalOr ["?" ConditionalOr ":" Expr] (right associative). */
static struct cel_node *
parse_expr(struct parser *p)
{
	struct cel_node *n, *c;

	if (p->abort)
		return dummy(p);
	if (p->depth >= CEL_MAX_DEPTH) {
		limit(p, p->tok.offset, p->tok.len, LIMIT_DEPTH);
		return dummy(p);
	}
	p->depth++;
	n = parse_or(p);
	if (!p->abort && p->tok.kind == CEL_TK_QUESTION) {
		next(p);
		c = node_new(p, CEL_N_COND, n->loc.offset, n->loc.offset);
		c->nargs = 3;
		c->args = mdg_arena_alloc(&p->prog->arena, 3 * sizeof(*c->args));
		c->args[0] = n;
		c->args[1] = parse_or(p);
		if (expect(p, CEL_TK_COLON, "':'"))
			c->args[2] = parse_expr(p);
		else
			c->args[2] = dummy(p);
		c->loc.len = node_end(c->args[2]) - c->loc.offset;
		n = finish(p, c);
	}
	p->depth--;
	return n;
}

struct cel_node *
cel_parse(struct cel_program *prog, struct cel_report *rep)
{
	struct parser p;
	struct cel_node *root;

	memset(&p, 0, sizeof(p));
	p.prog = prog;
	p.rep = rep;
	cel_lex_init(&p.lx, rep->text, rep->len, &prog->arena, rep);
	next(&p);
	if (p.tok.kind == CEL_TK_EOF) {
		cel_report_at(rep, "cel.syntax", 0, 1, "the expression is empty");
		return NULL;
	}
	root = parse_expr(&p);
	if (p.tok.kind != CEL_TK_EOF && !p.abort)
		unexpected(&p, NULL);
	return p.nsyntax == 0 ? root : NULL;
}
