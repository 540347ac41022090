/*
 * yamltree.h - a YAML document as a small tree of nodes with source marks.
 *
 * Built from libyaml's event stream (not its document API) so that every
 * node keeps its line and column, and so that hostile input meets limits:
 * nesting depth, node count, scalar size and alias expansion are bounded,
 * each with a located error.  An alias is resolved by sharing the anchored
 * node; the expansion it would cause is counted against the node limit, so
 * a "billion laughs" document is refused instead of exhausting memory.
 *
 * Ownership: every node lives in the document's arena and dies with
 * ytree_free().
 */
#ifndef MDG_YAMLTREE_H
#define MDG_YAMLTREE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_NODES 1000000
#define YTREE_MAX_FILE (64 * 1024 * 1024)

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	long line;        /* 1-based */
	long col;         /* 1-based */
	bool plain;       /* a plain (unquoted) scalar */
	enum ynode_style { YNODE_PLAIN, YNODE_SINGLE, YNODE_DOUBLE, YNODE_BLOCK } style;
	const char *str;  /* scalar value, NUL-terminated */
	size_t len;       /* scalar length */
	size_t n;         /* items of a sequence, or pairs of a mapping */
	struct ynode **items;  /* seq: n items; map: 2n, key then value */
	size_t weight;    /* nodes in this subtree (for alias accounting) */
};

struct ytree {
	char *file;
	struct ynode *root;  /* NULL for an empty document */
	struct mdg_arena arena;
};

/* yamltree.c */
/* Load the first document of a file.  Errors go to d with file:line:col. */
int ytree_load(struct ytree **out, const char *path, struct mdg_diags *d) MDG_WUR;
int ytree_load_mem(struct ytree **out, const char *name, const char *data, size_t len,
		   struct mdg_diags *d) MDG_WUR;
void ytree_free(struct ytree *t);

/* Accessors; all tolerate NULL. */
struct ynode *ynode_get(const struct ynode *map, const char *key);
struct ynode *ynode_key_at(const struct ynode *map, size_t i);
struct ynode *ynode_value_at(const struct ynode *map, size_t i);
bool ynode_is_null(const struct ynode *n);  /* ~, null, empty plain scalar */
/* Add an error located at a node (its scalar underlined) to d. */
void ytree_error(struct mdg_diags *d, const char *file, const struct ynode *n, const char *code,
		 const char *fmt, ...) MDG_PRINTF(5, 6);
void ytree_verror(struct mdg_diags *d, const char *file, const struct ynode *n, const char *code,
		  const char *fmt, va_list ap) MDG_PRINTF(5, 0);
/*
 * Report each key of a mapping that is not in `allowed` (NULL-terminated)
 * with code_unknown, and each key given twice with code_dup.  Returns the
 * number of errors added.
 */
size_t ytree_check_keys(struct mdg_diags *d, const char *file, const struct ynode *map,
			const char *const *allowed, const char *where, const char *code_unknown,
			const char *code_dup);
const char *ynode_kind_name(const struct ynode *n);

#endif
