/*
 * cel-builtins.h - the table of CEL functions in mdgate's subset.
 *
 * One table drives the type checker (which overloads exist, what they
 * return), the evaluator (dynamic dispatch on the argument types at run
 * time), `mdgate eval --list-functions` and the documentation.  Operators
 * (+, ==, in, ...) are not in the table: the checker and evaluator handle
 * them directly.  Macros (all, exists, exists_one, map, filter) and has()
 * are expanded by the parser and are not in the table either.
 *
 * An overload is one row; rows with the same name are tried in order.
 * CEL_T_DYN in an argument position accepts any type.
 */
#ifndef MDG_CEL_BUILTINS_H
#define MDG_CEL_BUILTINS_H

#include "cel.h"

#define CEL_BUILTIN_MAX_ARGS 4

struct cel_builtin {
	const char *name;        /* "size", "startsWith", "int", ... */
	bool receiver;           /* called as x.name(...) (true) or name(x, ...) (false) */
	int nargs;               /* arguments, the receiver included */
	enum cel_type args[CEL_BUILTIN_MAX_ARGS];  /* receiver first */
	enum cel_type result;
	/* Compute the result; args[0] is the receiver when there is one.  Errors are
	 * returned as CEL_T_ERROR values made with cel_error(&c->arena, ...). */
	struct cel_value (*fn)(struct cel_ctx *c, const struct cel_node *call,
			       const struct cel_value *args);
	const char *doc;         /* one line for the docs and --list-functions */
};

/* cel-builtins.c */
extern const struct cel_builtin cel_builtins[];
extern const size_t cel_nbuiltins;
/* The first overload of name/receiver/nargs whose argument types accept
 * those given (CEL_T_DYN accepts and is accepted by anything); -1: none. */
int cel_builtin_find(const char *name, bool receiver, int nargs, const enum cel_type *types);
/* Is there any overload with this name (for "unknown function" vs "wrong arguments")? */
bool cel_builtin_exists(const char *name, bool receiver);

#endif
