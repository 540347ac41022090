/*
 * yamltree.c - libyaml events to a tree of located nodes, with limits.
 *
 * The builder keeps an explicit stack of open collections (no recursion),
 * a table of anchors, and a running count of nodes including those an alias
 * would expand to.  It does not interpret tags: every scalar is a string,
 * and the loaders that read the tree decide what it means.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yamltree.h"

struct frame {
	struct ynode *node;
	size_t cap;
	char *anchor;
};

struct anchor {
	char *name;
	struct ynode *node;
};

struct builder {
	struct ytree *t;
	struct frame stack[YTREE_MAX_DEPTH + 1];
	size_t depth;
	struct anchor *anchors;
	size_t nanchors;
	size_t nodes;
	struct mdg_diags *d;
	bool failed;
};

static struct ynode *
new_node(struct builder *b, enum ynode_kind kind, const yaml_mark_t *m)
{
	struct ynode *n = mdg_arena_alloc(&b->t->arena, sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = (long)m->line + 1;
	n->col = (long)m->column + 1;
	n->weight = 1;
	return n;
}

static void
remember_anchor(struct builder *b, const char *name, struct ynode *n)
{
	size_t i;

	if (name == NULL)
		return;
	for (i = 0; i < b->nanchors; i++) {
		if (strcmp(b->anchors[i].name, name) == 0) {
			b->anchors[i].node = n;
			return;
		}
	}
	b->anchors = xreallocarray(b->anchors, b->nanchors + 1, sizeof(*b->anchors));
	b->anchors[b->nanchors].name = xstrdup(name);
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
}

static bool
over_limit(struct builder *b, size_t add, const yaml_mark_t *m)
{
	if (b->nodes > YTREE_MAX_NODES - add) {
		mdg_diag_at(b->d, MDG_SEV_ERROR, "yaml.limit", b->t->file, (long)m->line + 1,
			    (long)m->column + 1,
			    "document too large: more than %d nodes (aliases included)",
			    YTREE_MAX_NODES);
		b->failed = true;
		return true;
	}
	b->nodes += add;
	return false;
}

/*
 * Append a finished node to the open collection, or make it the root.
 * While a mapping is open its len field counts the key and value slots
 * used; close_frame() resets it.
 */
static void
push_item(struct builder *b, struct ynode *n)
{
	struct frame *f;
	struct ynode *parent;
	size_t slots;

	if (b->depth == 0) {
		if (b->t->root == NULL)
			b->t->root = n;
		return;
	}
	f = &b->stack[b->depth - 1];
	parent = f->node;
	slots = parent->kind == YNODE_MAP ? parent->len : parent->n;
	if (slots == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		parent->items = xreallocarray(parent->items, f->cap, sizeof(*parent->items));
	}
	parent->items[slots] = n;
	if (parent->kind == YNODE_MAP) {
		parent->len++;  /* slots used while building */
		parent->n = parent->len / 2;
	} else {
		parent->n++;
	}
	parent->weight += n->weight;
}

static void
close_frame(struct builder *b)
{
	struct frame *f = &b->stack[--b->depth];
	struct ynode *n = f->node;
	struct ynode **items;
	size_t slots = n->kind == YNODE_MAP ? n->len : n->n;

	/* Move the items into the arena so the tree has one owner. */
	items = mdg_arena_alloc(&b->t->arena, (slots ? slots : 1) * sizeof(*items));
	if (slots)
		memcpy(items, n->items, slots * sizeof(*items));
	free(n->items);
	n->items = items;
	if (n->kind == YNODE_MAP)
		n->len = 0;
	remember_anchor(b, f->anchor, n);
	free(f->anchor);
	f->anchor = NULL;
	push_item(b, n);
}

static int
build(struct builder *b, yaml_parser_t *p)
{
	yaml_event_t ev;
	bool done = false;
	struct ynode *n;
	size_t i;

	while (!done && !b->failed) {
		if (!yaml_parser_parse(p, &ev)) {
			mdg_diag_at(b->d, MDG_SEV_ERROR, "yaml.syntax", b->t->file,
				    (long)p->problem_mark.line + 1, (long)p->problem_mark.column + 1,
				    "%s%s%s", p->problem ? p->problem : "invalid YAML",
				    p->context ? " " : "", p->context ? p->context : "");
			return MDG_ERR;
		}
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			if (over_limit(b, 1, &ev.start_mark))
				break;
			n = new_node(b, YNODE_SCALAR, &ev.start_mark);
			n->str = mdg_arena_strndup(&b->t->arena, (const char *)ev.data.scalar.value,
						   ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			switch (ev.data.scalar.style) {
			case YAML_SINGLE_QUOTED_SCALAR_STYLE:
				n->style = YNODE_SINGLE;
				break;
			case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
				n->style = YNODE_DOUBLE;
				break;
			case YAML_LITERAL_SCALAR_STYLE:
			case YAML_FOLDED_SCALAR_STYLE:
				n->style = YNODE_BLOCK;
				break;
			case YAML_ANY_SCALAR_STYLE:
			case YAML_PLAIN_SCALAR_STYLE:
				n->style = YNODE_PLAIN;
				break;
			}
			remember_anchor(b, (const char *)ev.data.scalar.anchor, n);
			push_item(b, n);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (b->depth >= YTREE_MAX_DEPTH) {
				mdg_diag_at(b->d, MDG_SEV_ERROR, "yaml.limit", b->t->file,
					    (long)ev.start_mark.line + 1,
					    (long)ev.start_mark.column + 1,
					    "nesting deeper than %d levels", YTREE_MAX_DEPTH);
				b->failed = true;
				break;
			}
			if (over_limit(b, 1, &ev.start_mark))
				break;
			n = new_node(b,
				     ev.type == YAML_SEQUENCE_START_EVENT ? YNODE_SEQ : YNODE_MAP,
				     &ev.start_mark);
			b->stack[b->depth].node = n;
			b->stack[b->depth].cap = 0;
			b->stack[b->depth].anchor = NULL;
			if (ev.type == YAML_SEQUENCE_START_EVENT && ev.data.sequence_start.anchor)
				b->stack[b->depth].anchor =
					xstrdup((const char *)ev.data.sequence_start.anchor);
			if (ev.type == YAML_MAPPING_START_EVENT && ev.data.mapping_start.anchor)
				b->stack[b->depth].anchor =
					xstrdup((const char *)ev.data.mapping_start.anchor);
			b->depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			close_frame(b);
			break;
		case YAML_ALIAS_EVENT:
			n = NULL;
			for (i = 0; i < b->nanchors; i++)
				if (strcmp(b->anchors[i].name,
					   (const char *)ev.data.alias.anchor) == 0)
					n = b->anchors[i].node;
			if (n == NULL) {
				mdg_diag_at(b->d, MDG_SEV_ERROR, "yaml.alias", b->t->file,
					    (long)ev.start_mark.line + 1,
					    (long)ev.start_mark.column + 1,
					    "unknown alias '*%s'", ev.data.alias.anchor);
				b->failed = true;
				break;
			}
			if (over_limit(b, n->weight, &ev.start_mark))
				break;
			push_item(b, n);
			break;
		case YAML_DOCUMENT_END_EVENT:
			done = true;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_NO_EVENT:
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
			break;
		}
		yaml_event_delete(&ev);
	}
	return b->failed ? MDG_ERR : MDG_OK;
}

static int
load_common(struct ytree **out, const char *name, const unsigned char *data, size_t len,
	    struct mdg_diags *d)
{
	struct builder b;
	yaml_parser_t p;
	struct ytree *t;
	int rc;
	size_t i;

	*out = NULL;
	t = xcalloc(1, sizeof(*t));
	t->file = xstrdup(name);
	mdg_arena_init(&t->arena);
	memset(&b, 0, sizeof(b));
	b.t = t;
	b.d = d;
	if (!yaml_parser_initialize(&p)) {
		ytree_free(t);
		return MDG_ERR;
	}
	yaml_parser_set_input_string(&p, data, len);
	rc = build(&b, &p);
	yaml_parser_delete(&p);
	while (b.depth > 0) {
		struct frame *f = &b.stack[--b.depth];
		free(f->node->items);
		f->node->items = NULL;
		free(f->anchor);
	}
	for (i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	if (rc != MDG_OK) {
		ytree_free(t);
		return rc;
	}
	*out = t;
	return MDG_OK;
}

int
ytree_load_mem(struct ytree **out, const char *name, const char *data, size_t len,
	       struct mdg_diags *d)
{
	return load_common(out, name, (const unsigned char *)data, len, d);
}

int
ytree_load(struct ytree **out, const char *path, struct mdg_diags *d)
{
	FILE *f;
	struct mdg_buf buf;
	char chunk[65536];
	size_t n;
	int rc;

	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL) {
		mdg_diag_at(d, MDG_SEV_ERROR, "input.unreadable", path, 0, 0, "cannot open: %s",
			    strerror(errno));
		return MDG_EIO;
	}
	mdg_buf_init(&buf, YTREE_MAX_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (mdg_buf_append(&buf, chunk, n) != MDG_OK) {
			mdg_diag_at(d, MDG_SEV_ERROR, "yaml.limit", path, 0, 0,
				    "file larger than %d bytes", YTREE_MAX_FILE);
			fclose(f);
			mdg_buf_free(&buf);
			return MDG_ELIMIT;
		}
	}
	if (ferror(f)) {
		mdg_diag_at(d, MDG_SEV_ERROR, "input.unreadable", path, 0, 0, "read error: %s",
			    strerror(errno));
		fclose(f);
		mdg_buf_free(&buf);
		return MDG_EIO;
	}
	fclose(f);
	rc = load_common(out, path, (const unsigned char *)(buf.data ? buf.data : ""), buf.len, d);
	mdg_buf_free(&buf);
	return rc;
}

void
ytree_free(struct ytree *t)
{
	if (t == NULL)
		return;
	mdg_arena_free(&t->arena);
	free(t->file);
	free(t);
}

struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++) {
		const struct ynode *k = map->items[2 * i];
		if (k->kind == YNODE_SCALAR && strcmp(k->str, key) == 0)
			return map->items[2 * i + 1];
	}
	return NULL;
}

struct ynode *
ynode_key_at(const struct ynode *map, size_t i)
{
	if (map == NULL || map->kind != YNODE_MAP || i >= map->n)
		return NULL;
	return map->items[2 * i];
}

struct ynode *
ynode_value_at(const struct ynode *map, size_t i)
{
	if (map == NULL || map->kind != YNODE_MAP || i >= map->n)
		return NULL;
	return map->items[2 * i + 1];
}

bool
ynode_is_null(const struct ynode *n)
{
	if (n == NULL)
		return true;
	if (n->kind != YNODE_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	       strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

const char *
ynode_kind_name(const struct ynode *n)
{
	if (n == NULL)
		return "nothing";
	switch (n->kind) {
	case YNODE_SCALAR:
		return "a scalar";
	case YNODE_SEQ:
		return "a list";
	case YNODE_MAP:
		return "a mapping";
	}
	return "a node";
}

void
ytree_verror(struct mdg_diags *d, const char *file, const struct ynode *n, const char *code,
	     const char *fmt, va_list ap)
{
	struct mdg_diag t;

	memset(&t, 0, sizeof(t));
	t.severity = MDG_SEV_ERROR;
	t.code = code;
	t.file = (char *)file;
	t.line = n ? n->line : 0;
	t.col = n ? n->col : 0;
	t.span = (n && n->kind == YNODE_SCALAR && n->len > 0 && n->len < 80) ? (long)n->len : 1;
	t.message = xvasprintf(fmt, ap);
	mdg_diag_add(d, &t);
	free(t.message);
}

void
ytree_error(struct mdg_diags *d, const char *file, const struct ynode *n, const char *code,
	    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ytree_verror(d, file, n, code, fmt, ap);
	va_end(ap);
}

size_t
ytree_check_keys(struct mdg_diags *d, const char *file, const struct ynode *map,
		 const char *const *allowed, const char *where, const char *code_unknown,
		 const char *code_dup)
{
	size_t i, j, errors = 0;

	if (map == NULL || map->kind != YNODE_MAP)
		return 0;
	for (i = 0; i < map->n; i++) {
		const struct ynode *k = ynode_key_at(map, i);
		bool ok = false, dup = false;
		if (k->kind != YNODE_SCALAR) {
			ytree_error(d, file, k, code_unknown, "keys of %s must be strings", where);
			errors++;
			continue;
		}
		for (j = 0; allowed[j] && !ok; j++)
			ok = strcmp(k->str, allowed[j]) == 0;
		for (j = 0; j < i && !dup; j++) {
			const struct ynode *prev = ynode_key_at(map, j);
			if (prev->kind == YNODE_SCALAR && strcmp(prev->str, k->str) == 0) {
				ytree_error(d, file, k, code_dup,
					    "'%s' is given twice in %s (first at line %ld)", k->str,
					    where, prev->line);
				dup = true;
				errors++;
			}
		}
		if (!ok && !dup) {
			ytree_error(d, file, k, code_unknown, "unknown key '%s' in %s", k->str, where);
			errors++;
		}
	}
	return errors;
}
