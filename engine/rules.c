/*
 * rules.c - loading, governing and evaluating rules.
 *
 * Loading reads the central rule packs and the sites' rules and overrides,
 * compiles every expression once against its domain's environment (the
 * CEL front end reports every mistake located in the YAML), and enforces
 * what a site may do.  Evaluation turns a record's checked values into CEL
 * values without allocating (strings are laid out in one reused scratch
 * buffer), runs the rules in force and renders the findings' messages.
 * Records of the domains that rules reach with ref() are kept, compactly,
 * in an arena for the rest of the run.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "enterprise.h"
#include "rules.h"
#include "validate.h"
#include "yamltree.h"

/* ---------------------------------------------------------------- utility */

#define MDG_STR2(x) #x
#define MDG_STR(x) MDG_STR2(x)

static void
free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.yaml files of a folder, sorted; NULL with *n = 0 when it cannot be read. */
static char **
yaml_files(const char *dir, size_t *n, int *err)
{
	DIR *dp;
	struct dirent *de;
	char **names = NULL;

	*n = 0;
	*err = 0;
	if ((dp = opendir(dir)) == NULL) {
		*err = errno;
		return NULL;
	}
	while ((de = readdir(dp)) != NULL) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		names = xreallocarray(names, *n + 1, sizeof(*names));
		names[(*n)++] = mdg_path_join(dir, de->d_name);
	}
	closedir(dp);
	if (*n > 1)
		mdg_qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static enum cel_type
cel_type_of(enum mdg_ftype t)
{
	switch (t) {
	case MDG_FT_INTEGER:
		return CEL_T_INT;
	case MDG_FT_DECIMAL:
		return CEL_T_DOUBLE;
	case MDG_FT_BOOLEAN:
		return CEL_T_BOOL;
	case MDG_FT_STRING:
	case MDG_FT_DATE:
	case MDG_FT_ENUM:
	case MDG_FT_REF:
		return CEL_T_STRING;
	}
	return CEL_T_DYN;
}

static size_t
domain_index(const struct mdg_domains *ds, const struct mdg_domain *dom)
{
	size_t i;

	dom = mdg_domain_central(dom);
	for (i = 0; i < ds->n; i++)
		if (ds->v[i] == dom)
			return i;
	return SIZE_MAX;
}

static bool
parse_severity(const char *s, enum mdg_severity *out)
{
	if (strcmp(s, "error") == 0)
		*out = MDG_SEV_ERROR;
	else if (strcmp(s, "warning") == 0)
		*out = MDG_SEV_WARNING;
	else if (strcmp(s, "info") == 0)
		*out = MDG_SEV_INFO;
	else
		return false;
	return true;
}

static bool
valid_rule_id(const char *s)
{
	size_t i;

	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_' || s[i] == '.'))
			return false;
	return i <= MDG_RULE_ID_MAX;
}

static bool
valid_locale(const char *s)
{
	size_t i = 0;

	while (s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3)
		return false;
	if (s[i] == '\0')
		return true;
	if (s[i] != '_' || !(s[i + 1] >= 'A' && s[i + 1] <= 'Z') ||
	    !(s[i + 2] >= 'A' && s[i + 2] <= 'Z'))
		return false;
	return s[i + 3] == '\0';
}

/* A small set of field indices, kept sorted. */
static void
intset_add(int **v, size_t *n, int x)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == x)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	for (i = *n; i > 0 && (*v)[i - 1] > x; i--)
		(*v)[i] = (*v)[i - 1];
	(*v)[i] = x;
	(*n)++;
}

/* ---------------------------------------------------------- environments */

static void
env_build(struct mdg_rule_env *re, const struct mdg_domain *view, const struct mdg_rules *rs)
{
	size_t i;

	re->view = view;
	re->env = cel_env_new();
	re->ref_field = NULL;
	re->nrefs = 0;
	for (i = 0; i < view->nfields; i++)
		(void)cel_env_add_var(re->env, view->fields[i].name,
				      cel_type_of(view->fields[i].type));
	/*
	 * ref(field) for every reference: in field order, so that the refs of
	 * a site's view begin with those of its central domain.
	 */
	for (i = 0; i < view->nfields; i++) {
		const struct mdg_field *f = &view->fields[i];
		size_t t;
		if (f->type != MDG_FT_REF || f->ref_domain == NULL)
			continue;
		t = domain_index(rs->ds, f->ref_domain);
		if (t == SIZE_MAX || rs->central[t].env == NULL)
			continue;
		if (cel_env_add_ref(re->env, f->name, rs->central[t].env) < 0)
			continue;
		re->ref_field = xreallocarray(re->ref_field, re->nrefs + 1, sizeof(*re->ref_field));
		re->ref_field[re->nrefs++] = (int)i;
	}
}

static void
env_free(struct mdg_rule_env *re)
{
	if (re->env != NULL)
		cel_env_free(re->env);
	free(re->ref_field);
	memset(re, 0, sizeof(*re));
}

void
mdg_rules_init(struct mdg_rules *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void
mdg_rules_prepare(struct mdg_rules *rs, const struct mdg_domains *ds)
{
	size_t i;

	rs->ds = ds;
	rs->central = xcalloc(ds->n ? ds->n : 1, sizeof(*rs->central));
	/* Every domain's variables first: a ref() needs its target's. */
	for (i = 0; i < ds->n; i++) {
		const struct mdg_domain *dom = ds->v[i];
		size_t j;
		rs->central[i].view = dom;
		rs->central[i].env = cel_env_new();
		for (j = 0; j < dom->nfields; j++)
			(void)cel_env_add_var(rs->central[i].env, dom->fields[j].name,
					      cel_type_of(dom->fields[j].type));
	}
	for (i = 0; i < ds->n; i++) {
		const struct mdg_domain *dom = ds->v[i];
		size_t j;
		for (j = 0; j < dom->nfields; j++) {
			const struct mdg_field *f = &dom->fields[j];
			struct mdg_rule_env *re = &rs->central[i];
			size_t t;
			if (f->type != MDG_FT_REF || f->ref_domain == NULL)
				continue;
			t = domain_index(ds, f->ref_domain);
			if (t == SIZE_MAX)
				continue;
			if (cel_env_add_ref(re->env, f->name, rs->central[t].env) < 0)
				continue;
			re->ref_field = xreallocarray(re->ref_field, re->nrefs + 1,
						      sizeof(*re->ref_field));
			re->ref_field[re->nrefs++] = (int)j;
		}
	}
}

const struct mdg_rule_env *
mdg_rules_env(const struct mdg_rules *rs, const struct mdg_domain *view)
{
	size_t i;

	if (rs->ds == NULL)
		return NULL;
	if (view->base == NULL) {
		i = domain_index(rs->ds, view);
		return i == SIZE_MAX ? NULL : &rs->central[i];
	}
	for (i = 0; i < rs->nviews; i++)
		if (rs->views[i]->view == view)
			return rs->views[i];
	return NULL;
}

static const struct mdg_rule_env *
view_env(struct mdg_rules *rs, const struct mdg_domain *view)
{
	const struct mdg_rule_env *re = mdg_rules_env(rs, view);
	struct mdg_rule_env *nre;

	if (re != NULL)
		return re;
	nre = xcalloc(1, sizeof(*nre));
	env_build(nre, view, rs);
	rs->views = xreallocarray(rs->views, rs->nviews + 1, sizeof(*rs->views));
	rs->views[rs->nviews++] = nre;
	return nre;
}

static void
rule_free(struct mdg_rule *r)
{
	if (r == NULL)
		return;
	free(r->id);
	free(r->description);
	free(r->when_text);
	free(r->check_text);
	if (r->when)
		cel_program_free(r->when);
	if (r->check)
		cel_program_free(r->check);
	free(r->message);
	mdg_pairs_free(r->messages, r->nmessages);
	free(r->site);
	free(r->file);
	free(r->origin);
	free(r->uses);
	free(r->refs);
	free(r);
}

void
mdg_rules_free(struct mdg_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rule_free(rs->v[i]);
	free(rs->v);
	if (rs->central != NULL && rs->ds != NULL)
		for (i = 0; i < rs->ds->n; i++)
			env_free(&rs->central[i]);
	free(rs->central);
	for (i = 0; i < rs->nviews; i++) {
		env_free(rs->views[i]);
		free(rs->views[i]);
	}
	free(rs->views);
	memset(rs, 0, sizeof(*rs));
}

void
mdg_overrides_free(struct mdg_override *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].file);
		free(v[i].origin);
	}
	free(v);
}

const struct mdg_rule *
mdg_rule_find(const struct mdg_rules *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i]->id, id) == 0)
			return rs->v[i];
	return NULL;
}

/* ------------------------------------------------------- source locations */

/* The text of a rules file, to tell whether an expression is laid out in it as given. */
struct srcfile {
	char *data;
	size_t len;
};

static void
src_read(struct srcfile *sf, const char *path)
{
	FILE *f;
	size_t cap = 0, n;
	char buf[8192];

	sf->data = NULL;
	sf->len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sf->len + n + 1 > cap) {
			cap = (sf->len + n + 1) * 2;
			sf->data = xreallocarray(sf->data, cap, 1);
		}
		memcpy(sf->data + sf->len, buf, n);
		sf->len += n;
		if (sf->len > YTREE_MAX_FILE)
			break;
	}
	fclose(f);
	if (sf->data != NULL)
		sf->data[sf->len] = '\0';
}

/* Line `line` (1-based) of the file, without its line end; NULL past the end. */
static const char *
src_line(const struct srcfile *sf, long line, size_t *len)
{
	const char *p = sf->data, *end = sf->data + sf->len, *nl;
	long cur = 1;

	if (p == NULL || line < 1)
		return NULL;
	while (cur < line) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return NULL;
		p = nl + 1;
		cur++;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((nl ? nl : end) - p);
	if (*len > 0 && p[*len - 1] == '\r')
		(*len)--;
	return p;
}

/* Byte offset of a 1-based character column in a line, or SIZE_MAX. */
static size_t
col_offset(const char *line, size_t len, long col)
{
	size_t i = 0;
	long c = 1;

	while (c < col) {
		if (i >= len)
			return SIZE_MAX;
		i++;
		while (i < len && ((unsigned char)line[i] & 0xC0) == 0x80)
			i++;
		c++;
	}
	return i;
}

/*
 * Where an expression's text starts, and whether it is laid out in the
 * file exactly as given (then the front end can point at the token): a
 * plain or quoted scalar on one line whose bytes are in the file as they
 * are (no escapes, no folding), or a literal block scalar (|) whose every
 * line is in the file after the same indentation.
 */
static void
expr_source(const struct srcfile *sf, const char *file, const struct ynode *n,
	    struct cel_source *src)
{
	const char *line, *p;
	size_t len, off, i;
	long ln;

	src->file = file;
	src->line = n->line;
	src->col = n->col;
	src->exact = false;
	switch (n->style) {
	case YNODE_PLAIN:
	case YNODE_SINGLE:
	case YNODE_DOUBLE:
		if (n->style != YNODE_PLAIN)
			src->col = n->col + 1;
		if (memchr(n->str, '\n', n->len) != NULL)
			return;
		if ((line = src_line(sf, n->line, &len)) == NULL)
			return;
		off = col_offset(line, len, src->col);
		if (off != SIZE_MAX && off + n->len <= len && memcmp(line + off, n->str, n->len) == 0)
			src->exact = true;
		return;
	case YNODE_BLOCK:
		if ((line = src_line(sf, n->line, &len)) == NULL)
			return;
		off = col_offset(line, len, n->col);
		if (off == SIZE_MAX || off >= len || line[off] != '|')
			return;
		/* The first content line gives the indentation. */
		if ((line = src_line(sf, n->line + 1, &len)) == NULL)
			return;
		for (i = 0; i < len && line[i] == ' '; i++)
			;
		if (i == 0 || i == len)
			return;
		off = i;
		p = n->str;
		for (ln = n->line + 1; p < n->str + n->len; ln++) {
			const char *nl = memchr(p, '\n', (size_t)(n->str + n->len - p));
			size_t tl = (size_t)((nl ? nl : n->str + n->len) - p);
			if ((line = src_line(sf, ln, &len)) == NULL)
				return;
			if (tl > 0 && (len < off + tl || memcmp(line + off, p, tl) != 0))
				return;
			p = nl ? nl + 1 : n->str + n->len;
		}
		src->line = n->line + 1;
		src->col = (long)off + 1;
		src->exact = true;
		return;
	}
}

/* A node located at a byte offset of its text, when the text is exact. */
static struct ynode
node_at(const struct srcfile *sf, const char *file, const struct ynode *n, size_t offset,
	size_t len)
{
	struct cel_source src;
	struct ynode at = *n;
	size_t i;
	long line, col;

	expr_source(sf, file, n, &src);
	if (!src.exact)
		return at;
	line = src.line;
	col = src.col;
	for (i = 0; i < offset && i < n->len; i++) {
		if (n->str[i] == '\n') {
			line++;
			col = src.col;
		} else if (((unsigned char)n->str[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	at.line = line;
	at.col = col;
	at.kind = YNODE_SCALAR;
	at.style = YNODE_PLAIN;
	at.len = len ? len : 1;
	return at;
}

/* ---------------------------------------------------- names in expressions */

static bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Skip a string literal at t[i] (after an optional r/R/b/B prefix); returns the end. */
static size_t
skip_string(const char *t, size_t len, size_t i, bool raw)
{
	char q = t[i];
	bool triple = i + 2 < len && t[i + 1] == q && t[i + 2] == q;

	i += triple ? 3 : 1;
	while (i < len) {
		if (!raw && t[i] == '\\') {
			i += 2;
			continue;
		}
		if (triple) {
			if (t[i] == q && i + 2 < len && t[i + 1] == q && t[i + 2] == q)
				return i + 3;
		} else if (t[i] == q || t[i] == '\n') {
			return i + 1;
		}
		i++;
	}
	return len;
}

/*
 * The fields an expression names (identifiers outside string literals
 * that are not member names) and those it passes to ref().  A lexical
 * scan, conservative: a comprehension variable spelt like a field counts
 * as that field, which only makes the rule skip more often.
 */
static void
scan_names(const char *t, size_t len, const struct mdg_domain *view, struct mdg_rule *r)
{
	size_t i = 0, s, j;
	char prev = 0;

	while (i < len) {
		char c = t[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if ((c == 'r' || c == 'R' || c == 'b' || c == 'B') && i + 1 < len &&
		    (t[i + 1] == '"' || t[i + 1] == '\'')) {
			i = skip_string(t, len, i + 1, c == 'r' || c == 'R');
			prev = '"';
			continue;
		}
		if (c == '"' || c == '\'') {
			i = skip_string(t, len, i, false);
			prev = '"';
			continue;
		}
		if (c >= '0' && c <= '9') {
			while (i < len && (is_ident(t[i]) || t[i] == '.'))
				i++;
			prev = '0';
			continue;
		}
		if (!is_ident_start(c)) {
			prev = c;
			i++;
			continue;
		}
		s = i;
		while (i < len && is_ident(t[i]))
			i++;
		if (prev != '.') {
			char name[80];
			struct mdg_field *f;
			if (i - s < sizeof(name)) {
				memcpy(name, t + s, i - s);
				name[i - s] = '\0';
				f = mdg_field_find(view, name);
				if (f != NULL)
					intset_add(&r->uses, &r->nuses, f->index);
				if (strcmp(name, "ref") == 0) {
					/* ref ( field ) */
					for (j = i; j < len && (t[j] == ' ' || t[j] == '\t'); j++)
						;
					if (j < len && t[j] == '(') {
						for (j++; j < len && (t[j] == ' ' || t[j] == '\t' ||
								      t[j] == '\n'); j++)
							;
						s = j;
						while (j < len && is_ident(t[j]))
							j++;
						if (j > s && j - s < sizeof(name)) {
							memcpy(name, t + s, j - s);
							name[j - s] = '\0';
							f = mdg_field_find(view, name);
							if (f != NULL && f->type == MDG_FT_REF)
								intset_add(&r->refs, &r->nrefs,
									   f->index);
						}
					}
				}
			}
		}
		prev = 'a';
	}
}

/* ------------------------------------------------------------- messages */

/*
 * Check a message's {field} placeholders ({{ and }} are literal braces);
 * the fields it names are added to the rule's uses.  Returns the errors.
 */
static size_t
check_message(const struct srcfile *sf, const char *file, const struct ynode *n,
	      const struct mdg_domain *view, struct mdg_rule *r, struct mdg_diags *d)
{
	const char *m = n->str;
	size_t i = 0, errors = 0, s;
	struct ynode at;

	while (i < n->len) {
		if (m[i] == '{' && i + 1 < n->len && m[i + 1] == '{') {
			i += 2;
			continue;
		}
		if (m[i] == '}' && i + 1 < n->len && m[i + 1] == '}') {
			i += 2;
			continue;
		}
		if (m[i] == '}') {
			at = node_at(sf, file, n, i, 1);
			ytree_error(d, file, &at, "rule.message",
				    "a '}' without its '{' in the message of rule %s (write }} for a brace)",
				    r->id);
			errors++;
			i++;
			continue;
		}
		if (m[i] != '{') {
			i++;
			continue;
		}
		s = i + 1;
		for (i = s; i < n->len && is_ident(m[i]); i++)
			;
		if (i >= n->len || m[i] != '}' || i == s) {
			at = node_at(sf, file, n, s - 1, 1);
			ytree_error(d, file, &at, "rule.message",
				    "a placeholder in the message of rule %s must be {field} "
				    "(write {{ for a brace)",
				    r->id);
			errors++;
			continue;
		}
		{
			char name[80];
			const struct mdg_field *f = NULL;
			if (i - s < sizeof(name)) {
				memcpy(name, m + s, i - s);
				name[i - s] = '\0';
				f = mdg_field_find(view, name);
			}
			if (f == NULL) {
				at = node_at(sf, file, n, s - 1, i - s + 2);
				ytree_error(d, file, &at, "rule.message",
					    "the message of rule %s names {%.*s}, which is not a field "
					    "of '%s'",
					    r->id, (int)(i - s), m + s, view->name);
				errors++;
			} else {
				intset_add(&r->uses, &r->nuses, f->index);
			}
		}
		i++;
	}
	return errors;
}

const char *
mdg_rule_message(const struct mdg_rule *r, const char *locale)
{
	size_t i, ll;

	if (locale == NULL)
		return r->message;
	for (i = 0; i < r->nmessages; i++)
		if (strcmp(r->messages[i].from, locale) == 0)
			return r->messages[i].to;
	/* The same language: "de" for de_AT, de_DE for "de". */
	for (ll = 0; locale[ll] && locale[ll] != '_'; ll++)
		;
	for (i = 0; i < r->nmessages; i++)
		if (strncmp(r->messages[i].from, locale, ll) == 0 &&
		    (r->messages[i].from[ll] == '\0' || r->messages[i].from[ll] == '_'))
			return r->messages[i].to;
	return r->message;
}

/* ---------------------------------------------------------------- loading */

struct rload {
	struct mdg_rules *rs;
	struct mdg_diags *d;
	const char *file;
	struct srcfile sf;
	struct mdg_site *site;      /* NULL: central */
	const char *default_domain;
	const struct ynode *default_domain_node;
	size_t errors;
};

static void
rerr(struct rload *l, const struct ynode *n, const char *code, const char *fmt, ...)
	MDG_PRINTF(4, 5);

static void
rerr(struct rload *l, const struct ynode *n, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ytree_verror(l->d, l->file, n, code, fmt, ap);
	va_end(ap);
	l->errors++;
}

static const char *
rule_str(struct rload *l, const struct ynode *map, const char *key, const char *id)
{
	const struct ynode *n = ynode_get(map, key);

	if (n == NULL || ynode_is_null(n))
		return NULL;
	if (n->kind != YNODE_SCALAR) {
		rerr(l, n, "rule.type", "'%s' of rule %s must be a string, not %s", key, id,
		     ynode_kind_name(n));
		return NULL;
	}
	return n->str;
}

static bool
rule_bool(struct rload *l, const struct ynode *n, const char *what, const char *id, bool *out)
{
	if (n->kind == YNODE_SCALAR && n->plain) {
		if (strcmp(n->str, "true") == 0 || strcmp(n->str, "yes") == 0)
			return *out = true, true;
		if (strcmp(n->str, "false") == 0 || strcmp(n->str, "no") == 0)
			return *out = false, true;
	}
	rerr(l, n, "rule.type", "'%s' of rule %s must be true or false", what, id);
	return false;
}

static const char *
site_file_name(const char *file)
{
	return mdg_path_base(file);
}

static bool
compile_expr(struct rload *l, struct mdg_rule *r, const struct mdg_rule_env *re,
	     const struct ynode *n, const char *what, struct cel_program **out, char **text)
{
	struct cel_source src;
	size_t before = l->d->counts[MDG_SEV_ERROR];

	if (n->kind != YNODE_SCALAR) {
		rerr(l, n, "rule.type", "'%s' of rule %s must be an expression (a string), not %s",
		     what, r->id, ynode_kind_name(n));
		return false;
	}
	if (n->len == 0 || ynode_is_null(n)) {
		rerr(l, n, "rule.missing", "'%s' of rule %s is empty", what, r->id);
		return false;
	}
	*text = xstrndup(n->str, n->len);
	scan_names(n->str, n->len, re->view, r);
	expr_source(&l->sf, l->file, n, &src);
	if (cel_compile(out, re->env, n->str, n->len, &src, CEL_T_BOOL, l->d) != MDG_OK) {
		*out = NULL;
		l->errors += l->d->counts[MDG_SEV_ERROR] - before;
		if (l->d->counts[MDG_SEV_ERROR] == before)
			rerr(l, n, "rule.expr", "'%s' of rule %s does not compile", what, r->id);
		return false;
	}
	return true;
}

static const char *const rule_keys[] = {
	"id", "domain", "description", "when", "check", "severity", "message", "messages",
	"locked", "field", NULL,
};

/* Where a rule of this id is already defined, or NULL. */
static const struct mdg_rule *
rule_clash(const struct mdg_rules *rs, const char *id, const struct mdg_site *site)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct mdg_rule *r = rs->v[i];
		if (strcmp(r->id, id) != 0)
			continue;
		if (r->site == NULL || site == NULL || strcmp(r->site, site->code) == 0)
			return r;
	}
	return NULL;
}

static void
load_rule(struct rload *l, const struct ynode *n)
{
	const struct ynode *x, *idn, *domn;
	const struct mdg_domain *dom, *view;
	const struct mdg_rule_env *re;
	const struct mdg_rule *prev;
	struct mdg_rule *r;
	const char *s;
	size_t i;
	bool ok = true;

	if (n->kind != YNODE_MAP) {
		rerr(l, n, "rule.type", "a rule must be a mapping with id, domain, check, message ...");
		return;
	}
	l->errors += ytree_check_keys(l->d, l->file, n, rule_keys, "a rule", "rule.unknown_key",
				      "rule.duplicate");
	idn = ynode_get(n, "id");
	if (idn == NULL || idn->kind != YNODE_SCALAR || idn->len == 0) {
		rerr(l, idn ? idn : n, "rule.missing", "a rule needs an id (e.g. ITEM-001)");
		return;
	}
	if (!valid_rule_id(idn->str)) {
		rerr(l, idn, "rule.id",
		     "rule id '%s' must be upper-case letters, digits, '-', '_' and '.' (at most %d)",
		     idn->str, MDG_RULE_ID_MAX);
		return;
	}
	if (l->rs->n >= MDG_RULES_MAX) {
		rerr(l, idn, "rule.limit", "more than %d rules", MDG_RULES_MAX);
		return;
	}
	if ((prev = rule_clash(l->rs, idn->str, l->site)) != NULL) {
		if (l->site != NULL && prev->site == NULL)
			rerr(l, idn, "rule.duplicate",
			     "rule id '%s' is a central rule (%s:%ld); a site's rules need ids of "
			     "their own (e.g. %s-%s)",
			     idn->str, prev->file, prev->line, l->site->code, idn->str);
		else
			rerr(l, idn, "rule.duplicate", "rule '%s' is defined twice (first at %s:%ld)",
			     idn->str, prev->file, prev->line);
		return;
	}

	domn = ynode_get(n, "domain");
	if (domn == NULL)
		domn = l->default_domain_node;
	if (domn == NULL || domn->kind != YNODE_SCALAR) {
		rerr(l, domn ? domn : n, "rule.missing", "rule %s does not say its domain",
		     idn->str);
		return;
	}
	dom = mdg_domain_find(l->rs->ds, domn->str);
	if (dom == NULL) {
		rerr(l, domn, "rule.domain", "rule %s is for domain '%s', which is not defined",
		     idn->str, domn->str);
		return;
	}
	view = l->site ? mdg_site_view(l->site, dom) : dom;
	re = view == dom ? mdg_rules_env(l->rs, dom) : view_env(l->rs, view);
	if (re == NULL || re->env == NULL)
		return;

	r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(idn->str);
	r->dom = dom;
	r->view = view;
	r->file = xstrdup(l->file);
	r->line = idn->line;
	r->col = idn->col;
	r->field = -1;
	r->severity = MDG_SEV_ERROR;
	if (l->site != NULL) {
		r->site = xstrdup(l->site->code);
		r->origin = xasprintf("site %s %s", l->site->code, site_file_name(l->file));
	} else {
		r->origin = xasprintf("central %s", mdg_path_base(l->file));
	}
	l->rs->v = xreallocarray(l->rs->v, l->rs->n + 1, sizeof(*l->rs->v));
	l->rs->v[l->rs->n++] = r;

	if ((s = rule_str(l, n, "description", r->id)) != NULL)
		r->description = xstrdup(s);
	else if (ynode_get(n, "description") == NULL)
		rerr(l, idn, "rule.missing", "rule %s has no description", r->id);

	if ((x = ynode_get(n, "severity")) != NULL) {
		if (x->kind != YNODE_SCALAR || !parse_severity(x->str, &r->severity))
			rerr(l, x, "rule.value", "severity of rule %s must be error, warning or info",
			     r->id);
	}
	if ((x = ynode_get(n, "locked")) != NULL) {
		if (l->site != NULL)
			rerr(l, x, "rule.locked",
			     "locked is for central rules; a site's rule %s binds only the site's "
			     "own files",
			     r->id);
		else
			(void)rule_bool(l, x, "locked", r->id, &r->locked);
	}
	if ((x = ynode_get(n, "field")) != NULL) {
		const struct mdg_field *f = x->kind == YNODE_SCALAR ? mdg_field_find(view, x->str) : NULL;
		if (f == NULL)
			rerr(l, x, "rule.field", "rule %s names field '%s', which is not a field of '%s'",
			     r->id, x->kind == YNODE_SCALAR ? x->str : "?", view->name);
		else
			r->field = f->index;
	}

	if ((x = ynode_get(n, "when")) != NULL && !ynode_is_null(x))
		ok &= compile_expr(l, r, re, x, "when", &r->when, &r->when_text);
	x = ynode_get(n, "check");
	if (x == NULL) {
		rerr(l, idn, "rule.missing", "rule %s has no check", r->id);
		ok = false;
	} else {
		ok &= compile_expr(l, r, re, x, "check", &r->check, &r->check_text);
	}

	x = ynode_get(n, "message");
	if (x == NULL || x->kind != YNODE_SCALAR || x->len == 0) {
		rerr(l, x ? x : idn, "rule.missing", "rule %s has no message", r->id);
	} else {
		r->message = xstrdup(x->str);
		l->errors += check_message(&l->sf, l->file, x, view, r, l->d);
	}
	if ((x = ynode_get(n, "messages")) != NULL) {
		if (x->kind != YNODE_MAP) {
			rerr(l, x, "rule.type",
			     "messages of rule %s must map locales to messages (de_DE: ...)", r->id);
		} else {
			r->messages = xcalloc(x->n ? x->n : 1, sizeof(*r->messages));
			for (i = 0; i < x->n; i++) {
				const struct ynode *k = ynode_key_at(x, i), *v = ynode_value_at(x, i);
				if (k->kind != YNODE_SCALAR || !valid_locale(k->str)) {
					rerr(l, k, "rule.locale",
					     "'%s' is not a locale (like de_DE, pl_PL or es)",
					     k->kind == YNODE_SCALAR ? k->str : "?");
					continue;
				}
				if (v->kind != YNODE_SCALAR || v->len == 0) {
					rerr(l, v, "rule.type", "the %s message of rule %s must be text",
					     k->str, r->id);
					continue;
				}
				l->errors += check_message(&l->sf, l->file, v, view, r, l->d);
				r->messages[r->nmessages].from = xstrdup(k->str);
				r->messages[r->nmessages].to = xstrdup(v->str);
				r->nmessages++;
			}
		}
	}
	if (r->field >= 0)
		intset_add(&r->uses, &r->nuses, r->field);
	r->broken = !ok;
}

static void
load_rule_list(struct rload *l, const struct ynode *list)
{
	size_t i;

	if (list->kind != YNODE_SEQ) {
		rerr(l, list, "rule.type", "rules must be a list of rules");
		return;
	}
	for (i = 0; i < list->n; i++)
		load_rule(l, list->items[i]);
}

static size_t
load_central_file(struct mdg_rules *rs, const char *path, struct mdg_diags *d)
{
	static const char *const keys[] = {"domain", "description", "rules", NULL};
	struct rload l;
	struct ytree *t;
	const struct ynode *root, *n;

	memset(&l, 0, sizeof(l));
	l.rs = rs;
	l.d = d;
	l.file = path;
	if (ytree_load(&t, path, d) != MDG_OK)
		return 1;
	src_read(&l.sf, path);
	root = t->root;
	if (root == NULL) {
		/* An empty file defines no rules. */
	} else if (root->kind != YNODE_MAP) {
		rerr(&l, root, "rule.type", "a rules file must be a mapping with a list of rules");
	} else {
		l.errors += ytree_check_keys(d, path, root, keys, "a rules file", "rule.unknown_key",
					     "rule.duplicate");
		n = ynode_get(root, "domain");
		if (n != NULL && n->kind == YNODE_SCALAR) {
			if (mdg_domain_find(rs->ds, n->str) == NULL)
				rerr(&l, n, "rule.domain",
				     "the rules of this file are for domain '%s', which is not defined",
				     n->str);
			else
				l.default_domain_node = n;
		} else if (n != NULL) {
			rerr(&l, n, "rule.type", "domain must be a domain name");
		}
		if ((n = ynode_get(root, "rules")) != NULL)
			load_rule_list(&l, n);
	}
	free(l.sf.data);
	ytree_free(t);
	return l.errors;
}

size_t
mdg_rules_load_central(struct mdg_rules *rs, const char *dir, struct mdg_diags *d)
{
	char **names;
	size_t n, i, errors = 0;
	int err;

	names = yaml_files(dir, &n, &err);
	if (err != 0) {
		mdg_diag_at(d, MDG_SEV_ERROR, "config.rules", dir, 0, 0,
			    "cannot read the rules folder: %s", strerror(err));
		return 1;
	}
	for (i = 0; i < n; i++)
		errors += load_central_file(rs, names[i], d);
	free_strings(names, n);
	rs->ncentral = rs->n;
	return errors;
}

static void
load_override(struct rload *l, const struct ynode *k, const struct ynode *v)
{
	struct mdg_site *s = l->site;
	const struct mdg_rule *r = NULL;
	const struct ynode *x;
	enum mdg_severity sev;
	struct mdg_override *o;
	size_t i;

	if (k->kind != YNODE_SCALAR)
		return;
	for (i = 0; i < l->rs->ncentral; i++)
		if (strcmp(l->rs->v[i]->id, k->str) == 0)
			r = l->rs->v[i];
	if (r == NULL) {
		const struct mdg_rule *own = rule_clash(l->rs, k->str, s);
		if (own != NULL && own->site != NULL)
			rerr(l, k, "site.override",
			     "rule %s is the site's own; change its severity where it is defined "
			     "(%s:%ld)",
			     k->str, own->file, own->line);
		else
			rerr(l, k, "site.override", "there is no central rule '%s' to override", k->str);
		return;
	}
	if (v->kind != YNODE_MAP) {
		rerr(l, v, "site.type", "the override of rule %s must be a mapping ({severity: ...})",
		     r->id);
		return;
	}
	/* What a site may not change, each with its reason. */
	for (i = 0; i < v->n; i++) {
		const struct ynode *kk = ynode_key_at(v, i);
		const char *key = kk->kind == YNODE_SCALAR ? kk->str : "?";
		if (strcmp(key, "severity") == 0)
			continue;
		if (strcmp(key, "enabled") == 0 || strcmp(key, "disabled") == 0 ||
		    strcmp(key, "disable") == 0) {
			if (r->locked)
				rerr(l, kk, "site.locked",
				     "rule %s is locked by the central team; a site may not disable it",
				     r->id);
			else
				rerr(l, kk, "site.override",
				     "a site may not disable central rule %s; it may lower its severity "
				     "to info",
				     r->id);
		} else if (strcmp(key, "locked") == 0) {
			rerr(l, kk, "site.locked", "a site may not change whether rule %s is locked",
			     r->id);
		} else if (strcmp(key, "check") == 0 || strcmp(key, "when") == 0 ||
			   strcmp(key, "domain") == 0 || strcmp(key, "field") == 0) {
			rerr(l, kk, r->locked ? "site.locked" : "site.override",
			     "a site may not change the %s of central rule %s%s; it may add a rule "
			     "of its own",
			     key, r->id, r->locked ? " (locked by the central team)" : "");
		} else if (strcmp(key, "message") == 0 || strcmp(key, "messages") == 0 ||
			   strcmp(key, "description") == 0) {
			rerr(l, kk, "site.override",
			     "a site may not change the %s of central rule %s; only its severity",
			     key, r->id);
		} else {
			rerr(l, kk, "site.unknown_key",
			     "unknown key '%s' in the override of rule %s (only severity)", key, r->id);
		}
	}
	x = ynode_get(v, "severity");
	if (x == NULL)
		return;
	if (x->kind != YNODE_SCALAR || !parse_severity(x->str, &sev)) {
		rerr(l, x, "site.value", "severity must be error, warning or info");
		return;
	}
	if (r->locked && sev < r->severity) {
		rerr(l, x, "site.locked",
		     "rule %s is locked by the central team; a site may not lower its severity",
		     r->id);
		return;
	}
	for (i = 0; i < s->noverrides; i++) {
		if (s->overrides[i].rule == r) {
			rerr(l, k, "site.duplicate", "rule %s is overridden twice (first at %s:%ld)",
			     r->id, s->overrides[i].file, s->overrides[i].line);
			return;
		}
	}
	s->overrides = xreallocarray(s->overrides, s->noverrides + 1, sizeof(*s->overrides));
	o = &s->overrides[s->noverrides++];
	o->rule = r;
	o->severity = sev;
	o->file = xstrdup(l->file);
	o->line = k->line;
	o->col = k->col;
	o->origin = xasprintf("%s; severity: site %s %s", r->origin, s->code,
			      site_file_name(l->file));
}

size_t
mdg_rules_load_site(struct mdg_rules *rs, struct mdg_site *s, const char *file,
		    const struct ynode *rules, const struct ynode *overrides, struct mdg_diags *d)
{
	struct rload l;
	size_t i;

	memset(&l, 0, sizeof(l));
	l.rs = rs;
	l.d = d;
	l.file = file;
	l.site = s;
	if (rs->ds == NULL)
		return 0;
	src_read(&l.sf, file);
	if (rules != NULL)
		load_rule_list(&l, rules);
	if (overrides != NULL) {
		if (overrides->kind != YNODE_MAP)
			rerr(&l, overrides, "site.type",
			     "overrides must map central rule ids to {severity: ...}");
		else
			for (i = 0; i < overrides->n; i++)
				load_override(&l, ynode_key_at(overrides, i),
					      ynode_value_at(overrides, i));
	}
	free(l.sf.data);
	return l.errors;
}

size_t
mdg_rules_in_force(const struct mdg_rules *rs, const struct mdg_site *s,
		   const struct mdg_domain *dom, struct mdg_rule_use **out)
{
	struct mdg_rule_use *v = xcalloc(rs->n ? rs->n : 1, sizeof(*v));
	size_t i, j, n = 0;

	if (dom != NULL)
		dom = mdg_domain_central(dom);
	for (i = 0; i < rs->n; i++) {
		const struct mdg_rule *r = rs->v[i];
		if (dom != NULL && r->dom != dom)
			continue;
		if (r->site != NULL && (s == NULL || strcmp(r->site, s->code) != 0))
			continue;
		v[n].rule = r;
		v[n].severity = r->severity;
		v[n].origin = r->origin;
		v[n].message = mdg_rule_message(r, s ? s->locale : NULL);
		for (j = 0; s != NULL && r->site == NULL && j < s->noverrides; j++) {
			if (s->overrides[j].rule == r) {
				v[n].severity = s->overrides[j].severity;
				v[n].origin = s->overrides[j].origin;
			}
		}
		n++;
	}
	*out = v;
	return n;
}

/* ------------------------------------------------------------ evaluation */

/* The records of one domain kept for ref(), and the records Odoo has. */
struct ref_store {
	const struct mdg_domain *dom;
	bool keep;
	bool overflow;                 /* more than MDG_REF_KEEP_MAX: not all kept */
	struct mdg_strset keys;        /* key -> index in maps */
	struct cel_map **maps;
	size_t n, cap;
	struct cel_value *names;       /* the maps' keys: the field names, shared */
	struct cel_map **existing;     /* per existing entry */
	struct mdg_strset fkeys;       /* key -> index in fmaps: records found by the fallback */
	struct cel_map **fmaps;
	size_t nf;
};

struct mdg_rules_run {
	const struct mdg_enterprise *e;
	const struct mdg_rules *rs;
	struct ref_store *stores;      /* per central domain */
	size_t nstores;
	struct mdg_arena arena;        /* kept records, existing records */
	struct cel_ctx ctx;
	struct mdg_rules_file *cur;    /* the file being evaluated */
	mdg_rules_fallback_fn fallback;  /* records beyond the run (the registry), may be NULL */
	void *fallback_arg;
	/* A copy's run (mdg_rules_file_clone): the stores are the file's, read only. */
	bool copy;
	size_t own;                    /* the store of the file's own domain */
	bool has_fallback;             /* the file's run has a fallback */
	bool incomplete;               /* a ref() wanted more than a copy reaches */
};

struct mdg_rules_file {
	struct mdg_rules_run *run;
	const struct mdg_site *site;
	const struct mdg_domain *view;
	const struct mdg_domain *dom;
	const struct mdg_rule_env *env;
	struct mdg_rule_use *uses;
	size_t nuses;
	char decimal;
	int date_format;
	size_t nfields;
	/* The record being checked. */
	const char **raw;
	size_t *rawlen;
	long *lines;
	bool *bad;
	bool *needed;                  /* named by a rule in force */
	struct cel_value *slots;
	char *scratch;                 /* the record's strings, reused */
	size_t scap;
	bool dirty;                    /* the context holds values of the last record */
	struct mdg_rule_result *results;
	struct ref_store *keep;        /* NULL: the domain's records are not kept */
};

/* A CEL string laid out at p (aligned); returns the bytes used. */
static size_t
put_string(char *p, const char *s, size_t len, struct cel_value *out)
{
	struct cel_string *cs = (struct cel_string *)(void *)p;

	cs->len = len;
	cs->nchars = SIZE_MAX;
	memcpy(cs->data, s, len);
	cs->data[len] = '\0';
	out->type = CEL_T_STRING;
	out->u.s = cs;
	return (sizeof(struct cel_string) + len + 1 + alignof(max_align_t) - 1) &
	       ~(alignof(max_align_t) - 1);
}

static size_t
string_room(size_t len)
{
	/* A date becomes 10 bytes of ISO text. */
	if (len < 10)
		len = 10;
	return (sizeof(struct cel_string) + len + 1 + alignof(max_align_t) - 1) &
	       ~(alignof(max_align_t) - 1);
}

/*
 * Convert a value by its field's type.  Strings are laid out by put (into
 * the scratch buffer or an arena).  False: the value is not valid.
 */
static bool
convert(const struct mdg_field *f, const char *v, size_t len, char decimal, int date_format,
	char *room, struct mdg_arena *arena, struct cel_value *out)
{
	int64_t iv;
	double dv;
	bool bv;
	long ymd;
	char iso[32];

	if (len == 0) {
		*out = cel_null();
		return true;
	}
	switch (f->type) {
	case MDG_FT_INTEGER:
		if (!mdg_parse_int(v, len, &iv))
			return false;
		*out = cel_int(iv);
		return true;
	case MDG_FT_DECIMAL:
		if (!mdg_parse_decimal(v, len, decimal, &dv))
			return false;
		*out = cel_double(dv);
		return true;
	case MDG_FT_BOOLEAN:
		if (!mdg_parse_bool(v, len, &bv))
			return false;
		*out = cel_bool(bv);
		return true;
	case MDG_FT_DATE:
		if (!mdg_parse_date(v, len, (enum mdg_datefmt)date_format, &ymd))
			return false;
		snprintf(iso, sizeof(iso), "%04ld-%02ld-%02ld", ymd / 10000 % 10000,
			 ymd / 100 % 100, ymd % 100);
		v = iso;
		len = 10;
		break;
	case MDG_FT_STRING:
	case MDG_FT_ENUM:
	case MDG_FT_REF:
		break;
	}
	if (room == NULL)
		room = mdg_arena_alloc(arena, string_room(len));
	(void)put_string(room, v, len, out);
	return true;
}

/*
 * A record the fallback (the registry) knows, as a map of its fields;
 * values come as JSON text in canonical form ('.' decimals, ISO dates) and
 * are cached per key for the rest of the run.
 */
static bool
fallback_lookup(struct mdg_rules_run *run, struct ref_store *st, const char *key, size_t len,
		struct cel_map **out)
{
	const struct mdg_domain *dom = st->dom;
	struct cel_map *m;
	struct cel_value *vals;
	json_t *obj;
	char *js;
	long idx;
	size_t j;

	if (mdg_strset_get(&st->fkeys, key, len, &idx)) {
		*out = idx >= 0 ? st->fmaps[idx] : NULL;
		return idx >= 0;
	}
	js = run->fallback(run->fallback_arg, dom->name, key, len);
	obj = js ? json_loads(js, 0, NULL) : NULL;
	free(js);
	if (obj == NULL || !json_is_object(obj)) {
		json_decref(obj);
		(void)mdg_strset_add(&st->fkeys, key, len, -1, NULL);
		return false;
	}
	m = mdg_arena_alloc(&run->arena, sizeof(*m));
	vals = mdg_arena_alloc(&run->arena, (dom->nfields ? dom->nfields : 1) * sizeof(*vals));
	for (j = 0; j < dom->nfields; j++) {
		json_t *v = json_object_get(obj, dom->fields[j].name);
		vals[j] = cel_null();
		if (json_is_string(v) &&
		    !convert(&dom->fields[j], json_string_value(v), json_string_length(v), '.',
			     MDG_DATE_ISO, NULL, &run->arena, &vals[j]))
			vals[j] = cel_null();
	}
	json_decref(obj);
	m->n = dom->nfields;
	m->keys = st->names;
	m->values = vals;
	st->fmaps = xreallocarray(st->fmaps, st->nf + 1, sizeof(*st->fmaps));
	st->fmaps[st->nf] = m;
	(void)mdg_strset_add(&st->fkeys, key, len, (long)st->nf, NULL);
	st->nf++;
	*out = m;
	return true;
}

void
mdg_rules_run_set_fallback(struct mdg_rules_run *run, mdg_rules_fallback_fn fn, void *arg)
{
	run->fallback = fn;
	run->fallback_arg = arg;
}

static bool
ref_lookup(void *payload, int ref_index, const struct cel_value *key, struct cel_value *out)
{
	struct mdg_rules_run *run = payload;
	struct mdg_rules_file *rf = run->cur;
	const struct mdg_field *f;
	struct ref_store *st;
	struct cel_map *fm;
	size_t t;
	long idx;

	if (rf == NULL || rf->env == NULL || ref_index < 0 || (size_t)ref_index >= rf->env->nrefs)
		return false;
	if (key->type != CEL_T_STRING)
		return false;
	f = &rf->view->fields[rf->env->ref_field[ref_index]];
	if (f->ref_domain == NULL || (t = domain_index(run->rs->ds, f->ref_domain)) == SIZE_MAX)
		return false;
	st = &run->stores[t];
	/* A copy does not look at the store the file adds to. */
	if (run->copy && t == run->own) {
		run->incomplete = true;
		return false;
	}
	if (st->keep && mdg_strset_get(&st->keys, key->u.s->data, key->u.s->len, &idx)) {
		out->type = CEL_T_MAP;
		out->u.map = st->maps[idx];
		return true;
	}
	idx = mdg_domain_existing_index(st->dom, key->u.s->data, key->u.s->len);
	if (idx >= 0 && st->existing != NULL) {
		out->type = CEL_T_MAP;
		out->u.map = st->existing[idx];
		return true;
	}
	if (run->copy && run->has_fallback) {
		run->incomplete = true;
		return false;
	}
	if (run->fallback != NULL && fallback_lookup(run, st, key->u.s->data, key->u.s->len, &fm)) {
		out->type = CEL_T_MAP;
		out->u.map = fm;
		return true;
	}
	if (st->overflow) {
		out->type = CEL_T_ERROR;
		out->u.err = "ref(): the run has more records of this domain than are kept "
			     "for ref() (" MDG_STR(MDG_REF_KEEP_MAX) ")";
		return true;
	}
	return false;
}

static void
store_init(struct mdg_rules_run *run, struct ref_store *st, const struct mdg_domain *dom)
{
	size_t i, j, k;

	st->dom = dom;
	mdg_strset_init(&st->keys);
	mdg_strset_init(&st->fkeys);
	st->names = mdg_arena_alloc(&run->arena, (dom->nfields ? dom->nfields : 1) *
							 sizeof(*st->names));
	for (i = 0; i < dom->nfields; i++)
		st->names[i] = cel_string(&run->arena, dom->fields[i].name,
					  strlen(dom->fields[i].name));
	if (dom->nexisting == 0)
		return;
	st->existing = mdg_arena_alloc(&run->arena, dom->nexisting * sizeof(*st->existing));
	for (i = 0; i < dom->nexisting; i++) {
		struct cel_map *m = mdg_arena_alloc(&run->arena, sizeof(*m));
		struct cel_value *vals = mdg_arena_alloc(&run->arena, (dom->nfields ? dom->nfields : 1) *
								       sizeof(*vals));
		const struct mdg_existing_attrs *ea =
			dom->existing_attrs ? &dom->existing_attrs[i] : NULL;
		for (j = 0; j < dom->nfields; j++) {
			const struct mdg_field *f = &dom->fields[j];
			const char *v = NULL;
			vals[j] = cel_null();
			if (dom->nkey == 1 && (int)j == dom->key[0])
				v = dom->existing[i].from;
			for (k = 0; ea != NULL && k < ea->n; k++)
				if (strcmp(ea->v[k].from, f->name) == 0)
					v = ea->v[k].to;
			if (v != NULL &&
			    !convert(f, v, strlen(v), '.', MDG_DATE_ISO, NULL, &run->arena, &vals[j]))
				vals[j] = cel_null();
		}
		m->n = dom->nfields;
		m->keys = st->names;
		m->values = vals;
		st->existing[i] = m;
	}
}

struct mdg_rules_run *
mdg_rules_run_new(const struct mdg_enterprise *e)
{
	struct mdg_rules_run *run = xcalloc(1, sizeof(*run));
	const struct mdg_rules *rs = &e->rules;
	size_t i, j;

	run->e = e;
	run->rs = rs;
	mdg_arena_init(&run->arena);
	cel_ctx_init(&run->ctx);
	run->ctx.ref = ref_lookup;
	run->ctx.ref_payload = run;
	run->nstores = e->domains.n;
	run->stores = xcalloc(run->nstores ? run->nstores : 1, sizeof(*run->stores));
	for (i = 0; i < run->nstores; i++)
		store_init(run, &run->stores[i], e->domains.v[i]);
	/* Keep the records of every domain some rule reaches with ref(). */
	for (i = 0; i < rs->n; i++) {
		const struct mdg_rule *r = rs->v[i];
		for (j = 0; j < r->nrefs; j++) {
			const struct mdg_field *f = &r->view->fields[r->refs[j]];
			size_t t;
			if (f->ref_domain != NULL &&
			    (t = domain_index(&e->domains, f->ref_domain)) != SIZE_MAX)
				run->stores[t].keep = true;
		}
	}
	return run;
}

void
mdg_rules_run_free(struct mdg_rules_run *run)
{
	size_t i;

	if (run == NULL)
		return;
	for (i = 0; i < run->nstores; i++) {
		mdg_strset_free(&run->stores[i].keys);
		free(run->stores[i].maps);
		mdg_strset_free(&run->stores[i].fkeys);
		free(run->stores[i].fmaps);
	}
	free(run->stores);
	cel_ctx_free(&run->ctx);
	mdg_arena_free(&run->arena);
	free(run);
}

bool
mdg_rules_run_keeps(const struct mdg_rules_run *run, const struct mdg_domain *dom)
{
	size_t t = domain_index(run->rs->ds, dom);

	return t != SIZE_MAX && run->stores[t].keep;
}

/* The per-record arrays of a file's rules, for n fields. */
static void
record_arrays(struct mdg_rules_file *rf, size_t n)
{
	rf->nfields = n;
	rf->raw = xcalloc(n ? n : 1, sizeof(*rf->raw));
	rf->rawlen = xcalloc(n ? n : 1, sizeof(*rf->rawlen));
	rf->lines = xcalloc(n ? n : 1, sizeof(*rf->lines));
	rf->bad = xcalloc(n ? n : 1, sizeof(*rf->bad));
	rf->needed = xcalloc(n ? n : 1, sizeof(*rf->needed));
	rf->slots = xcalloc(n ? n : 1, sizeof(*rf->slots));
}

struct mdg_rules_file *
mdg_rules_file_begin(struct mdg_rules_run *run, const struct mdg_site *site,
		     const struct mdg_domain *view, char decimal, int date_format)
{
	struct mdg_rules_file *rf = xcalloc(1, sizeof(*rf));
	size_t i, j, n, t;

	rf->run = run;
	rf->site = site;
	rf->view = view;
	rf->dom = mdg_domain_central(view);
	rf->env = mdg_rules_env(run->rs, view);
	if (rf->env == NULL)
		rf->env = mdg_rules_env(run->rs, rf->dom);
	rf->decimal = decimal;
	rf->date_format = date_format;
	n = view->nfields;
	record_arrays(rf, n);
	rf->nuses = mdg_rules_in_force(run->rs, site, rf->dom, &rf->uses);
	/* A rule compiled against another site's view (never in force here) is left out. */
	for (i = j = 0; i < rf->nuses; i++) {
		const struct mdg_rule *r = rf->uses[i].rule;
		size_t k;
		if (r->broken || r->view->nfields > n)
			continue;
		for (k = 0; k < r->nuses; k++)
			rf->needed[r->uses[k]] = true;
		rf->uses[j++] = rf->uses[i];
	}
	rf->nuses = j;
	rf->results = xcalloc(rf->nuses ? rf->nuses : 1, sizeof(*rf->results));
	t = domain_index(run->rs->ds, rf->dom);
	if (t != SIZE_MAX && run->stores[t].keep)
		rf->keep = &run->stores[t];
	return rf;
}

struct mdg_rules_file *
mdg_rules_file_clone(const struct mdg_rules_file *src)
{
	struct mdg_rules_file *rf = xcalloc(1, sizeof(*rf));
	struct mdg_rules_run *run = xcalloc(1, sizeof(*run));
	size_t n = src->nfields;

	run->e = src->run->e;
	run->rs = src->run->rs;
	run->stores = src->run->stores;
	run->nstores = src->run->nstores;
	mdg_arena_init(&run->arena);
	cel_ctx_init(&run->ctx);
	run->ctx.ref = ref_lookup;
	run->ctx.ref_payload = run;
	run->ctx.cost_limit = src->run->ctx.cost_limit;
	run->copy = true;
	run->own = domain_index(run->rs->ds, src->dom);
	run->has_fallback = src->run->fallback != NULL;
	run->cur = rf;

	rf->run = run;
	rf->site = src->site;
	rf->view = src->view;
	rf->dom = src->dom;
	rf->env = src->env;
	rf->decimal = src->decimal;
	rf->date_format = src->date_format;
	record_arrays(rf, n);
	memcpy(rf->needed, src->needed, (n ? n : 1) * sizeof(*rf->needed));
	rf->nuses = src->nuses;
	rf->uses = xcalloc(rf->nuses ? rf->nuses : 1, sizeof(*rf->uses));
	if (rf->nuses > 0)
		memcpy(rf->uses, src->uses, rf->nuses * sizeof(*rf->uses));
	rf->results = xcalloc(rf->nuses ? rf->nuses : 1, sizeof(*rf->results));
	return rf;
}

bool
mdg_rules_record_incomplete(const struct mdg_rules_file *rf)
{
	return rf->run->incomplete;
}

void
mdg_rules_file_end(struct mdg_rules_file *rf)
{
	if (rf == NULL)
		return;
	if (rf->run->cur == rf)
		rf->run->cur = NULL;
	if (rf->run->copy) {
		cel_ctx_free(&rf->run->ctx);
		mdg_arena_free(&rf->run->arena);
		free(rf->run);
	}
	free(rf->raw);
	free(rf->rawlen);
	free(rf->lines);
	free(rf->bad);
	free(rf->needed);
	free(rf->slots);
	free(rf->scratch);
	free(rf->uses);
	free(rf->results);
	free(rf);
}

bool
mdg_rules_file_active(const struct mdg_rules_file *rf)
{
	return rf != NULL && (rf->nuses > 0 || rf->keep != NULL);
}

struct cel_ctx *
mdg_rules_file_ctx(struct mdg_rules_file *rf)
{
	rf->run->cur = rf;
	return &rf->run->ctx;
}

void
mdg_rules_record_begin(struct mdg_rules_file *rf)
{
	size_t i;

	for (i = 0; i < rf->nfields; i++) {
		rf->raw[i] = NULL;
		rf->rawlen[i] = 0;
		rf->bad[i] = false;
		rf->lines[i] = 0;
	}
}

void
mdg_rules_record_set(struct mdg_rules_file *rf, int field, const char *v, size_t len, bool bad,
		     long line)
{
	if (field < 0 || (size_t)field >= rf->nfields)
		return;
	rf->raw[field] = v;
	rf->rawlen[field] = len;
	rf->bad[field] = bad;
	rf->lines[field] = line;
}

bool
mdg_rules_value(struct mdg_rules_file *rf, int field, const char *v, size_t len,
		struct cel_value *out)
{
	if (field < 0 || (size_t)field >= rf->nfields)
		return false;
	return convert(&rf->view->fields[field], v, len, rf->decimal, rf->date_format, NULL,
		       &rf->run->arena, out);
}

/* Fill the slots of the fields the rules name; strings go to the scratch buffer. */
static void
fill_slots(struct mdg_rules_file *rf)
{
	size_t i, need = 0, used = 0;

	for (i = 0; i < rf->nfields; i++)
		if (rf->needed[i] && !rf->bad[i] && rf->rawlen[i] > 0)
			need += string_room(rf->rawlen[i]);
	if (need > rf->scap) {
		free(rf->scratch);
		rf->scap = need * 2;
		rf->scratch = xmalloc(rf->scap);
	}
	for (i = 0; i < rf->nfields; i++) {
		rf->slots[i] = cel_null();
		if (!rf->needed[i] || rf->bad[i] || rf->rawlen[i] == 0)
			continue;
		if (!convert(&rf->view->fields[i], rf->raw[i], rf->rawlen[i], rf->decimal,
			     rf->date_format, rf->scratch + used, NULL, &rf->slots[i])) {
			rf->bad[i] = true;
			continue;
		}
		if (rf->slots[i].type == CEL_T_STRING)
			used += string_room(rf->rawlen[i]);
	}
}

/* Render a message: {field} -> the record's value (cut to 100 bytes), {{ }} -> braces. */
static void
render(const struct mdg_rules_file *rf, const char *m, char *out, size_t cap)
{
	size_t k = 0, i = 0, s, len;

	while (m[i] != '\0' && k + 1 < cap) {
		if ((m[i] == '{' && m[i + 1] == '{') || (m[i] == '}' && m[i + 1] == '}')) {
			out[k++] = m[i];
			i += 2;
			continue;
		}
		if (m[i] != '{') {
			out[k++] = m[i++];
			continue;
		}
		s = ++i;
		while (is_ident(m[i]))
			i++;
		if (m[i] == '}') {
			const struct mdg_field *f = NULL;
			size_t j;
			for (j = 0; j < rf->nfields; j++)
				if (strlen(rf->view->fields[j].name) == i - s &&
				    memcmp(rf->view->fields[j].name, m + s, i - s) == 0)
					f = &rf->view->fields[j];
			i++;
			if (f == NULL || rf->raw[f->index] == NULL)
				continue;
			len = rf->rawlen[f->index];
			if (len > 100) {
				len = 100;
				while (len > 0 &&
				       ((unsigned char)rf->raw[f->index][len] & 0xC0) == 0x80)
					len--;
			}
			for (j = 0; j < len && k + 1 < cap; j++) {
				unsigned char c = (unsigned char)rf->raw[f->index][j];
				out[k++] = c < 0x20 ? '?' : (char)c;
			}
			continue;
		}
		out[k++] = '{';
		i = s;
	}
	out[k] = '\0';
}

static bool
uses_bad(const struct mdg_rules_file *rf, const struct mdg_rule *r)
{
	size_t i;

	for (i = 0; i < r->nuses; i++)
		if (rf->bad[r->uses[i]])
			return true;
	return false;
}

static void
result_error(struct mdg_rules_file *rf, size_t *n, const struct mdg_rule_use *u, const char *what,
	     const struct cel_value *v)
{
	struct mdg_rule_result *res = &rf->results[(*n)++];

	res->use = u;
	res->outcome = MDG_RULE_ERROR;
	res->line = u->rule->field >= 0 ? rf->lines[u->rule->field] : 0;
	if (v->type == CEL_T_ERROR)
		snprintf(res->message, sizeof(res->message), "rule %s could not be evaluated: %s: %s",
			 u->rule->id, what, v->u.err ? v->u.err : "error");
	else
		snprintf(res->message, sizeof(res->message),
			 "rule %s could not be evaluated: %s gave %s, not a bool", u->rule->id, what,
			 cel_type_name(v->type));
}

size_t
mdg_rules_record_eval(struct mdg_rules_file *rf, const struct mdg_rule_result **out)
{
	struct cel_ctx *c = &rf->run->ctx;
	struct cel_value v;
	size_t i, n = 0;

	*out = rf->results;
	rf->run->incomplete = false;
	if (rf->nuses == 0)
		return 0;
	rf->run->cur = rf;
	if (rf->dirty)
		cel_ctx_reset(c);
	rf->dirty = true;
	fill_slots(rf);
	for (i = 0; i < rf->nuses; i++) {
		const struct mdg_rule_use *u = &rf->uses[i];
		const struct mdg_rule *r = u->rule;
		struct mdg_rule_result *res;

		if (uses_bad(rf, r))
			continue;
		if (r->when != NULL) {
			v = cel_eval(r->when, rf->slots, c);
			if (v.type != CEL_T_BOOL) {
				result_error(rf, &n, u, "when", &v);
				continue;
			}
			if (!v.u.b)
				continue;
		}
		v = cel_eval(r->check, rf->slots, c);
		if (v.type != CEL_T_BOOL) {
			result_error(rf, &n, u, "check", &v);
			continue;
		}
		if (v.u.b)
			continue;
		res = &rf->results[n++];
		res->use = u;
		res->outcome = MDG_RULE_FAILED;
		res->line = r->field >= 0 ? rf->lines[r->field] : 0;
		render(rf, u->message, res->message, sizeof(res->message));
	}
	return n;
}

void
mdg_rules_record_keep(struct mdg_rules_file *rf, const char *key, size_t len)
{
	struct ref_store *st = rf->keep;
	struct mdg_rules_run *run = rf->run;
	struct cel_map *m;
	struct cel_value *vals;
	size_t i;

	if (st == NULL || len == 0)
		return;
	if (mdg_strset_get(&st->keys, key, len, NULL))
		return;
	if (st->n >= MDG_REF_KEEP_MAX) {
		st->overflow = true;
		return;
	}
	m = mdg_arena_alloc(&run->arena, sizeof(*m));
	vals = mdg_arena_alloc(&run->arena, (st->dom->nfields ? st->dom->nfields : 1) *
						    sizeof(*vals));
	for (i = 0; i < st->dom->nfields; i++) {
		vals[i] = cel_null();
		if (i < rf->nfields && !rf->bad[i] && rf->rawlen[i] > 0 &&
		    !convert(&rf->view->fields[i], rf->raw[i], rf->rawlen[i], rf->decimal,
			     rf->date_format, NULL, &run->arena, &vals[i]))
			vals[i] = cel_null();
	}
	m->n = st->dom->nfields;
	m->keys = st->names;
	m->values = vals;
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 64;
		st->maps = xreallocarray(st->maps, st->cap, sizeof(*st->maps));
	}
	st->maps[st->n] = m;
	mdg_strset_add(&st->keys, key, len, (long)st->n, NULL);
	st->n++;
}
