/*
 * textproto.h - a small reader for protobuf text format, enough for the CEL
 * conformance vectors (the .textproto files in ../shared/cel-spec).
 *
 * The result is a generic tree: a message node has children, a field node
 * is either a scalar (string bytes, number text or identifier) or a message.
 * No schema is involved: `name: [a, b]` becomes two fields named `name`,
 * `[type.googleapis.com/x.Y] { ... }` a field named with its brackets.
 * Strings are bytes (escapes decoded, adjacent literals concatenated) and
 * may contain NUL bytes: use len.
 */
#ifndef MDG_TEXTPROTO_H
#define MDG_TEXTPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tp_kind {
	TP_MESSAGE,   /* children */
	TP_STRING,    /* text/len: the decoded bytes */
	TP_NUMBER,    /* text: the literal as written, sign included ("-1", "0x1f", "1e9", "-inf") */
	TP_IDENT,     /* text: an identifier (true, NULL_VALUE, INT64, nan, inf ...) */
};

struct tp_node {
	char *name;               /* field name; NULL for the root */
	long line;                /* line of the field name (of the first value for a list) */
	enum tp_kind kind;
	char *text;               /* scalars: NUL-terminated (strings may also contain NULs) */
	size_t len;
	struct tp_node **children;
	size_t nchildren;
};

/* Parse text; returns the root message or NULL with a message "file:line: ..." in err. */
struct tp_node *tp_parse(const char *text, size_t len, const char *file, char *err,
			 size_t errlen);
/* Read and parse a file. */
struct tp_node *tp_parse_file(const char *path, char *err, size_t errlen);
void tp_free(struct tp_node *n);

/* The first child named name, or NULL. */
const struct tp_node *tp_child(const struct tp_node *n, const char *name);
/* The next child named name after prev (NULL: from the start), or NULL. */
const struct tp_node *tp_next(const struct tp_node *n, const char *name,
			      const struct tp_node *prev);
/* The string value of the child named name (NULL when absent or not a string). */
const char *tp_child_str(const struct tp_node *n, const char *name);

/* Scalar conversions; false when the node is not of a fitting form. */
bool tp_get_int(const struct tp_node *n, int64_t *out);
bool tp_get_uint(const struct tp_node *n, uint64_t *out);
bool tp_get_double(const struct tp_node *n, double *out);
bool tp_get_bool(const struct tp_node *n, bool *out);

#endif
