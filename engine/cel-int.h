/*
 * cel-int.h - internals of the CEL engine shared between its files: the
 * layout of a compiled program (which the evaluator walks), the lexer's
 * tokens, and the located-error helper of the front end.
 *
 * The front end (cel-lex.c, cel-parse.c, cel-check.c) writes these
 * structures; the evaluator and the rules loader only read them.  The
 * public contract stays in cel.h.
 */
#ifndef MDG_CEL_INT_H
#define MDG_CEL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cel.h"

/* ----------------------------------------------------------- the program */

/*
 * A compiled program, as cel_compile leaves it:
 *
 *   root     the checked and folded AST; every node has rtype, and
 *            IDENT        slot: 0 .. nvars-1 a variable of the environment,
 *                         nvars .. nslots-1 the variable of an enclosing macro;
 *            MACRO        slot: where its variable lives (nvars + its macro
 *                         nesting level, 0 for the outermost), name: the
 *                         variable; args[0] the range, args[1] the predicate
 *                         (all, exists, exists_one, filter) or the transform
 *                         (map), and for the three-argument map
 *                         e.map(x, p, t) args[1] = t (transform) and
 *                         args[2] = p (filter): the filter is applied first,
 *                         the transform only to the elements it keeps;
 *            CALL         fn: index into cel_builtins[] of the first
 *                         overload that accepts the static argument types
 *                         (with dyn arguments the evaluator must dispatch on
 *                         the run-time types); receiver in target; aux: the
 *                         compiled pcre2_code of a constant matches()
 *                         pattern, owned by the program;
 *                         a dotted global such as strings.quote(s) is a
 *                         global CALL named "strings.quote";
 *                         fn == CEL_FN_REF: ref(field), slot is the ref index
 *                         (the order of cel_env_add_ref calls, 0, 1, ...;
 *                         the index cel_ref_fn receives), args[0] the IDENT
 *                         of the key field;
 *            LITERAL      a CEL_T_TYPE literal stands for a type name used as
 *                         a value (`int`, `string`, ...: type(x) == int);
 *            SELECT       test_only for has(e.f) (rtype bool);
 *            constant operands are folded into LITERALs, except where the
 *            evaluation would give an error (1 / 0, overflow), which is
 *            left for run time.
 *   nvars    the environment's variables: the caller's slots[0 .. nvars-1].
 *   nslots   nvars plus one slot per macro nesting level: the size of the
 *            frame an evaluation needs.  Macros at the same level (siblings)
 *            share a slot; a macro's range is evaluated before its variable
 *            is bound, so it is at the enclosing level.
 *   type     the static result type (CEL_T_DYN when not known).
 *
 * Nodes, argument arrays, names and literal strings live in the arena.
 */
struct cel_program {
	struct mdg_arena arena;
	struct cel_node *root;
	size_t nvars;
	size_t nslots;
	size_t nnodes;          /* nodes created by the parser */
	enum cel_type type;
	void **regexes;         /* pcre2_code * of constant patterns, freed with the program */
	size_t nregexes;
};

#define CEL_FN_REF (-2)     /* CALL node: ref(field), see above */

/* Visit every node of a program, parents before children (depth <= CEL_MAX_DEPTH). */
void cel_program_walk(const struct cel_program *p,
		      void (*fn)(const struct cel_node *n, void *payload), void *payload);

/* ------------------------------------------------------- located errors */

/* Where errors of one compilation go, and how offsets become columns. */
struct cel_report {
	const char *text;
	size_t len;
	const struct cel_source *src;   /* NULL: an expression of its own, line 1 column 1 */
	struct mdg_diags *d;            /* may be NULL: errors are only counted */
	size_t nerrors;
};

#define CEL_REPORT_MAX 50   /* errors stored per expression; the rest are only counted */

/*
 * Add an error at bytes [off, off + len) of the expression text.  With an
 * exact source the line and column are those of the byte in the file and
 * the caret spans the characters up to the end of that line; otherwise the
 * error points at the start of the expression.
 */
void cel_report_at(struct cel_report *r, const char *code, size_t off, size_t len,
		   const char *fmt, ...) MDG_PRINTF(5, 6);

/* ---------------------------------------------------------------- tokens */

enum cel_tok {
	CEL_TK_EOF,
	CEL_TK_ERROR,      /* the lexer has reported what is wrong */
	CEL_TK_IDENT,
	CEL_TK_RESERVED,   /* as break const ... while: a field name only after '.' */
	CEL_TK_QIDENT,     /* `content-type`: a field name after '.' (the backquotes included) */
	CEL_TK_INT,        /* u: the magnitude, up to 2^64 - 1 (the parser checks the range) */
	CEL_TK_UINT,       /* u */
	CEL_TK_DOUBLE,     /* d */
	CEL_TK_STRING,     /* s */
	CEL_TK_BYTES,      /* s: the octets */
	CEL_TK_TRUE, CEL_TK_FALSE, CEL_TK_NULL, CEL_TK_IN,
	CEL_TK_NOT, CEL_TK_MINUS, CEL_TK_STAR, CEL_TK_SLASH, CEL_TK_PERCENT, CEL_TK_PLUS,
	CEL_TK_LT, CEL_TK_LE, CEL_TK_GT, CEL_TK_GE, CEL_TK_EQ, CEL_TK_NE,
	CEL_TK_AND, CEL_TK_OR, CEL_TK_QUESTION, CEL_TK_COLON, CEL_TK_DOT, CEL_TK_COMMA,
	CEL_TK_LBRACKET, CEL_TK_RBRACKET, CEL_TK_LBRACE, CEL_TK_RBRACE,
	CEL_TK_LPAREN, CEL_TK_RPAREN,
};

struct cel_token {
	enum cel_tok kind;
	uint32_t offset;            /* bytes into the text */
	uint32_t len;
	bool bad;                   /* a literal whose value the lexer reported as wrong */
	uint64_t u;
	double d;
	struct cel_string *s;       /* in the lexer's arena */
};

struct cel_lexer {
	const char *text;
	size_t len;
	size_t pos;
	struct mdg_arena *arena;    /* literal strings */
	struct cel_report *rep;
	bool quiet;                 /* report nothing (the parser is recovering) */
};

/* cel-lex.c */
void cel_lex_init(struct cel_lexer *lx, const char *text, size_t len, struct mdg_arena *arena,
		  struct cel_report *rep);
void cel_lex_next(struct cel_lexer *lx, struct cel_token *t);
/* A string value in the arena (len bytes of data, nchars code points). */
struct cel_string *cel_lit_string(struct mdg_arena *a, const char *data, size_t len,
				  size_t nchars);

/* cel-parse.c */
/*
 * Parse the text into an AST in p's arena (p->nnodes counts the nodes).
 * Returns NULL when the text has a syntax error (reported); a tree is
 * returned when the only errors were in literal values (also reported),
 * so that the checker can still find the mistakes elsewhere.
 */
struct cel_node *cel_parse(struct cel_program *p, struct cel_report *r);

#endif
