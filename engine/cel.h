/*
 * cel.h - mdgate's rule language: a documented subset of Google's Common
 * Expression Language (CEL).  doc/cel.md lists what is in and out.
 *
 * Pipeline: lex -> parse (AST with locations; macros expanded into
 * comprehension nodes) -> check (types against an environment of declared
 * variables; errors located) -> compile (identifiers resolved to slots,
 * constants folded) -> evaluate (a tree walk over the compiled AST; values
 * live in an arena that the caller resets between records, so evaluation
 * allocates nothing from malloc in the common case).
 *
 * Errors at load time (syntax, types, limits) are mdg_diags located in the
 * rules file: the caller says where the expression text starts (struct
 * cel_source) and the front end maps offsets to file line and column.
 * Errors at run time are values of type CEL_T_ERROR, as CEL defines them
 * (division by zero, no such overload, no such key ...), absorbed by && and
 * || when the other side decides.
 *
 * Ownership: a program owns its AST and constants (freed by
 * cel_program_free).  Values returned by evaluation live in the evaluation
 * context's arena and are valid until cel_ctx_reset() or cel_ctx_free().
 */
#ifndef MDG_CEL_H
#define MDG_CEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "util.h"

/* Limits, each a located error or a run-time error value. */
#define CEL_MAX_DEPTH 100         /* parser nesting (parentheses, calls, operators) */
#define CEL_MAX_EXPR_BYTES 16384  /* expression text */
#define CEL_MAX_NODES 10000       /* AST nodes after macro expansion */
#define CEL_DEFAULT_COST 1000000  /* evaluation steps per evaluation */

/* ------------------------------------------------------------------ values */

enum cel_type {
	CEL_T_NULL,
	CEL_T_BOOL,
	CEL_T_INT,
	CEL_T_DOUBLE,
	CEL_T_STRING,
	CEL_T_LIST,
	CEL_T_MAP,
	CEL_T_TYPE,   /* a type value, e.g. the result of type(x); .type holds which */
	CEL_T_ERROR,  /* a run-time error; .err holds the message */
	CEL_T_DYN,    /* for the checker only: any type */
	/* Out of the subset: recognised so that a clear error can name them. */
	CEL_T_UINT,
	CEL_T_BYTES,
};

struct cel_string {
	size_t len;      /* bytes */
	size_t nchars;   /* code points, or SIZE_MAX when not yet counted */
	char data[];     /* UTF-8, NUL-terminated */
};

struct cel_value;

struct cel_list {
	size_t n;
	struct cel_value *items;
};

struct cel_map {
	size_t n;
	struct cel_value *keys;    /* bool, int or string keys (CEL's map key types in the subset) */
	struct cel_value *values;
};

struct cel_value {
	enum cel_type type;
	union {
		bool b;
		int64_t i;
		double d;
		const struct cel_string *s;
		const struct cel_list *list;
		const struct cel_map *map;
		enum cel_type t;      /* CEL_T_TYPE */
		const char *err;      /* CEL_T_ERROR: message (arena or static) */
	} u;
};

/* ------------------------------------------------------------------- AST */

/* Where an expression's text sits in its file. */
struct cel_source {
	const char *file;   /* the rules file */
	long line;          /* line of the first character of the expression text */
	long col;           /* column of the first character */
	bool exact;         /* the text is laid out in the file exactly as given (a plain or
			       quoted scalar without escapes on one line, or a block scalar
			       whose lines start at col): offsets map to columns; otherwise
			       every error points at (line, col) */
};

struct cel_loc {
	uint32_t offset;  /* byte offset in the expression text */
	uint32_t len;     /* bytes of the token or node */
};

enum cel_node_kind {
	CEL_N_LITERAL,   /* lit */
	CEL_N_IDENT,     /* name */
	CEL_N_SELECT,    /* target.name; test_only for has(target.name) */
	CEL_N_INDEX,     /* args[0][args[1]] */
	CEL_N_CALL,      /* name(args) or target.name(args) */
	CEL_N_LIST,      /* [args...] */
	CEL_N_MAP,       /* {args[0]: args[1], args[2]: args[3], ...} */
	CEL_N_UNARY,     /* op args[0] */
	CEL_N_BINARY,    /* args[0] op args[1] */
	CEL_N_COND,      /* args[0] ? args[1] : args[2] */
	CEL_N_MACRO,     /* range.all(v, p) etc.: op is enum cel_macro, name is v,
			    args[0] range, args[1] predicate/transform, args[2] filter (map with 3 args) */
};

enum cel_op {
	CEL_OP_NOT, CEL_OP_NEG,                           /* unary */
	CEL_OP_MUL, CEL_OP_DIV, CEL_OP_MOD,
	CEL_OP_ADD, CEL_OP_SUB,
	CEL_OP_LT, CEL_OP_LE, CEL_OP_GT, CEL_OP_GE,
	CEL_OP_EQ, CEL_OP_NE, CEL_OP_IN,
	CEL_OP_AND, CEL_OP_OR,
};

enum cel_macro {
	CEL_MACRO_ALL, CEL_MACRO_EXISTS, CEL_MACRO_EXISTS_ONE, CEL_MACRO_MAP, CEL_MACRO_FILTER,
};

struct cel_node {
	enum cel_node_kind kind;
	struct cel_loc loc;
	int op;                    /* enum cel_op or enum cel_macro */
	bool test_only;            /* SELECT inside has() */
	const char *name;          /* IDENT, SELECT field, CALL function, MACRO variable */
	struct cel_node *target;   /* SELECT operand, CALL receiver (NULL: global call) */
	struct cel_node **args;
	size_t nargs;
	struct cel_value lit;      /* LITERAL (strings live in the program's arena) */
	/* Filled by the checker and compiler: */
	enum cel_type rtype;       /* result type, CEL_T_DYN when not known statically */
	int slot;                  /* IDENT: variable slot, -1 for none; MACRO: slot of its variable */
	int fn;                    /* CALL: index into the builtin table, -1 unresolved */
	void *aux;                 /* CALL matches(): compiled pattern of a constant regex */
};

/* ---------------------------------------------------------- environment */

/*
 * Variables a program may name.  For rules: the domain's fields (a field
 * named `weight` is the variable `weight`; an empty value is null) and
 * `ref(field)`.  For the conformance runner and `mdgate eval`: any names.
 */
struct cel_env;

struct cel_env *cel_env_new(void);
void cel_env_free(struct cel_env *env);
/* Declare a variable; its slot is the order of declaration (0, 1, ...). */
int cel_env_add_var(struct cel_env *env, const char *name, enum cel_type type);
/* Declare ref(field): `field` must name a variable; the result is a map. */
int cel_env_add_ref(struct cel_env *env, const char *field_var, const struct cel_env *target);
size_t cel_env_nvars(const struct cel_env *env);
int cel_env_find(const struct cel_env *env, const char *name);  /* slot or -1 */

/* --------------------------------------------------------------- programs */

struct cel_program;

/*
 * Parse, check and compile.  Every error found is added to d, located via
 * src; returns MDG_OK, or MDG_ERR when there was an error (then *out is NULL).
 * want, when not CEL_T_DYN, is the type the result must have (rules want
 * CEL_T_BOOL): a mismatch is an error.
 */
int cel_compile(struct cel_program **out, const struct cel_env *env, const char *text, size_t len,
		const struct cel_source *src, enum cel_type want, struct mdg_diags *d);
void cel_program_free(struct cel_program *p);
enum cel_type cel_program_type(const struct cel_program *p);
/* Print the compiled program (resolved slots, folded constants), one node a line. */
void cel_program_explain(const struct cel_program *p, FILE *out);

/* ------------------------------------------------------------- evaluation */

/* ref(): look up a record of another domain by key; NULL result: not found. */
typedef bool (*cel_ref_fn)(void *payload, int ref_index, const struct cel_value *key,
			   struct cel_value *out);

struct cel_ctx {
	struct mdg_arena arena;    /* values created while evaluating */
	size_t cost_limit;         /* 0: CEL_DEFAULT_COST */
	size_t cost;               /* steps used by the last evaluation */
	cel_ref_fn ref;
	void *ref_payload;
	void *md;                  /* pcre2 match data, for matches() */
	void *mctx;                /* pcre2 match context with limits */
};

void cel_ctx_init(struct cel_ctx *c);
void cel_ctx_reset(struct cel_ctx *c);   /* frees the arena's values */
void cel_ctx_free(struct cel_ctx *c);
/* Evaluate with slots[i] the value of variable i.  The result may be an error value. */
struct cel_value cel_eval(const struct cel_program *p, const struct cel_value *slots,
			  struct cel_ctx *c);

/* ---------------------------------------------------------------- helpers */

const char *cel_type_name(enum cel_type t);
struct cel_value cel_null(void);
struct cel_value cel_bool(bool b);
struct cel_value cel_int(int64_t i);
struct cel_value cel_double(double d);
struct cel_value cel_string(struct mdg_arena *a, const char *s, size_t len);
struct cel_value cel_error(struct mdg_arena *a, const char *fmt, ...) MDG_PRINTF(2, 3);
/* CEL equality (heterogeneous numbers compare by value; lists and maps deeply). */
bool cel_equal(const struct cel_value *a, const struct cel_value *b);
/* Write a value as JSON (errors as {"error": "..."}). */
void cel_value_json(const struct cel_value *v, FILE *out);
/* Parse JSON text into a value (for `mdgate eval --record`). */
int cel_value_from_json(struct mdg_arena *a, const char *json, struct cel_value *out,
			char *err, size_t errlen);
/* The value of key in m, or NULL.  A double key finds the int key of the same
 * value (CEL's numeric key equivalence); other key types find nothing. */
const struct cel_value *cel_map_get(const struct cel_map *m, const struct cel_value *key);

#endif
