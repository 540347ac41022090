/*
 * enterprise.c - the enterprise configuration, its sites and their
 * extension files.
 *
 * Loading goes config -> domains -> central rules -> site extensions, and
 * every stage keeps going after an error so that `mdgate lint` shows all of
 * them at once.  A site's extension files are read in three passes: first
 * the fields it adds or tightens (so that the rest may name them), then its
 * column aliases and value maps, then its rules and severity overrides.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enterprise.h"
#include "yamltree.h"

struct eload {
	struct mdg_enterprise *e;
	struct mdg_diags *d;
	const char *file;
	size_t errors;
};

static void
eerr(struct eload *l, const struct ynode *n, const char *code, const char *fmt, ...)
	MDG_PRINTF(4, 5);

static void
eerr(struct eload *l, const struct ynode *n, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ytree_verror(l->d, l->file, n, code, fmt, ap);
	va_end(ap);
	l->errors++;
}

static char *
get_str(struct eload *l, const struct ynode *map, const char *key)
{
	const struct ynode *n = ynode_get(map, key);

	if (n == NULL || ynode_is_null(n))
		return NULL;
	if (n->kind != YNODE_SCALAR) {
		eerr(l, n, "config.type", "'%s' must be a string, not %s", key, ynode_kind_name(n));
		return NULL;
	}
	return xstrdup(n->str);
}

static void
check_keys(struct eload *l, const struct ynode *map, const char *const *allowed,
	   const char *where)
{
	l->errors += ytree_check_keys(l->d, l->file, map, allowed, where, "config.unknown_key",
				      "config.duplicate");
}

char *
mdg_enterprise_locate(const char *explicit_path)
{
	const char *env;

	if (explicit_path != NULL)
		return xstrdup(explicit_path);
	if ((env = getenv("MDGATE_CONFIG")) != NULL && env[0] != '\0')
		return xstrdup(env);
	if (access("mdgate.yaml", F_OK) == 0)
		return xstrdup("mdgate.yaml");
	return NULL;
}

static bool
valid_site_code(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return i >= 2 && i <= 10;
}

int
mdg_delimiter_parse(const char *s)
{
	if (strcmp(s, "auto") == 0)
		return 0;
	if (strcmp(s, "\\t") == 0 || strcmp(s, "tab") == 0 || strcmp(s, "\t") == 0)
		return '\t';
	if (strlen(s) == 1 && (s[0] == ',' || s[0] == ';' || s[0] == '|'))
		return s[0];
	return -1;
}

static void
load_site(struct eload *l, struct mdg_site *s, const struct ynode *n)
{
	static const char *const keys[] = {
		"code", "name", "locale", "odoo_company", "odoo_warehouse", "encoding",
		"delimiter", "decimal", "date_format", "extension", NULL,
	};
	char *v;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->decimal = '.';
	s->line = n->line;
	s->col = n->col;
	if (n->kind != YNODE_MAP) {
		eerr(l, n, "config.type", "a site must be a mapping");
		return;
	}
	check_keys(l, n, keys, "a site");
	s->code = get_str(l, n, "code");
	if (s->code == NULL) {
		eerr(l, n, "config.missing", "a site has no code");
	} else if (!valid_site_code(s->code)) {
		eerr(l, ynode_get(n, "code"), "config.value",
		     "site code '%s' must be 2 to 10 upper-case letters or digits", s->code);
	} else {
		for (i = 0; i < l->e->nsites; i++)
			if (l->e->sites[i].code && strcmp(l->e->sites[i].code, s->code) == 0)
				eerr(l, ynode_get(n, "code"), "config.duplicate",
				     "site '%s' is defined twice", s->code);
	}
	s->name = get_str(l, n, "name");
	s->locale = get_str(l, n, "locale");
	s->odoo_company = get_str(l, n, "odoo_company");
	s->odoo_warehouse = get_str(l, n, "odoo_warehouse");
	s->encoding = get_str(l, n, "encoding");
	if ((v = get_str(l, n, "delimiter")) != NULL) {
		s->delimiter = mdg_delimiter_parse(v);
		if (s->delimiter < 0) {
			eerr(l, ynode_get(n, "delimiter"), "config.value",
			     "delimiter must be ',', ';', '|', tab or auto");
			s->delimiter = 0;
		}
		free(v);
	}
	if ((v = get_str(l, n, "decimal")) != NULL) {
		if (strcmp(v, ".") == 0 || strcmp(v, ",") == 0)
			s->decimal = v[0];
		else
			eerr(l, ynode_get(n, "decimal"), "config.value",
			     "decimal must be \".\" or \",\"");
		free(v);
	}
	if ((v = get_str(l, n, "date_format")) != NULL) {
		if (strcmp(v, "YYYY-MM-DD") == 0)
			s->date_format = MDG_DATE_ISO;
		else if (strcmp(v, "DD.MM.YYYY") == 0)
			s->date_format = MDG_DATE_DMY_DOT;
		else if (strcmp(v, "DD/MM/YYYY") == 0)
			s->date_format = MDG_DATE_DMY_SLASH;
		else if (strcmp(v, "MM/DD/YYYY") == 0)
			s->date_format = MDG_DATE_MDY_SLASH;
		else
			eerr(l, ynode_get(n, "date_format"), "config.value",
			     "date_format must be YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY");
		free(v);
	}
	if ((v = get_str(l, n, "extension")) != NULL) {
		s->extension = mdg_path_join(l->e->dir, v);
		free(v);
	}
}

/* ------------------------------------------------------- site extensions */

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static struct mdg_site_domain *
site_domain_get(struct mdg_site *s, const struct mdg_domain *dom)
{
	struct mdg_site_domain *sd;
	size_t i;

	for (i = 0; i < s->ndomains; i++)
		if (strcmp(s->domains[i].domain, dom->name) == 0)
			return &s->domains[i];
	s->domains = xreallocarray(s->domains, s->ndomains + 1, sizeof(*s->domains));
	sd = &s->domains[s->ndomains++];
	memset(sd, 0, sizeof(*sd));
	sd->domain = xstrdup(dom->name);
	return sd;
}

/* The field a site's files of the domain have: in its view, else central. */
static struct mdg_field *
site_field(const struct mdg_site_domain *sd, const struct mdg_domain *dom, const char *name)
{
	if (sd != NULL && sd->view != NULL)
		return mdg_field_find(sd->view, name);
	return mdg_field_find(dom, name);
}

static bool
ext_number(struct eload *l, const struct ynode *n, const char *what, double *out)
{
	char *end;
	double v;

	if (n->kind == YNODE_SCALAR && n->plain && n->len > 0) {
		errno = 0;
		v = strtod(n->str, &end);
		if (*end == '\0' && errno == 0 && isfinite(v)) {
			*out = v;
			return true;
		}
	}
	eerr(l, n, "site.type", "%s must be a number", what);
	return false;
}

static bool
ext_bool(struct eload *l, const struct ynode *n, const char *what, bool *out)
{
	if (n->kind == YNODE_SCALAR && n->plain) {
		if (strcmp(n->str, "true") == 0 || strcmp(n->str, "yes") == 0)
			return *out = true, true;
		if (strcmp(n->str, "false") == 0 || strcmp(n->str, "no") == 0)
			return *out = false, true;
	}
	eerr(l, n, "site.type", "%s must be true or false", what);
	return false;
}

static void
numeric_only(struct eload *l, const struct ynode *n, const struct mdg_field *f, const char *key)
{
	eerr(l, n, "site.value", "%s is for integer and decimal fields; '%s' is %s", key, f->name,
	     mdg_ftype_name(f->type));
}

/*
 * A site tightens a central field: each constraint may only become
 * stricter than the one in force (the central one, or an earlier file's
 * tightening).  Anything that would loosen or redefine the field is a
 * located error that says why.
 */
static void
tighten_field(struct eload *l, struct mdg_site *s, struct mdg_field *f, const struct ynode *key,
	      const struct ynode *def)
{
	static const char *const allowed[] = {
		"required", "min", "min_exclusive", "max", "min_length", "max_length", "pattern",
		"pattern_hint", "values", "type", "domain", "label", "description", "aliases",
		"odoo", NULL,
	};
	static const char *const central_only[] = {
		"label", "description", "aliases", "odoo", NULL,
	};
	const struct ynode *n, *mn, *mx;
	bool b, numeric = f->type == MDG_FT_INTEGER || f->type == MDG_FT_DECIMAL;
	double v, m;
	size_t i, j;

	if (def == NULL || def->kind != YNODE_MAP) {
		eerr(l, def ? def : key, "site.type",
		     "the tightening of field '%s' must be a mapping of constraints", f->name);
		return;
	}
	check_keys(l, def, allowed, "a site's field");
	if ((n = ynode_get(def, "type")) != NULL && n->kind == YNODE_SCALAR &&
	    strcmp(n->str, mdg_ftype_name(f->type)) != 0)
		eerr(l, n, "site.redefine",
		     "site %s may not redefine central field '%s' of type %s; a field of its own "
		     "needs a name starting with x_",
		     s->code, f->name, mdg_ftype_name(f->type));
	if ((n = ynode_get(def, "domain")) != NULL && n->kind == YNODE_SCALAR &&
	    (f->ref == NULL || strcmp(n->str, f->ref) != 0))
		eerr(l, n, "site.redefine",
		     "site %s may not change the domain central field '%s' refers to", s->code,
		     f->name);
	for (i = 0; central_only[i] != NULL; i++)
		if ((n = ynode_get(def, central_only[i])) != NULL)
			eerr(l, n, "site.redefine",
			     "the %s of central field '%s' is the central team's; a site may only "
			     "tighten its constraints (columns: maps a site's own column names)",
			     central_only[i], f->name);

	if ((n = ynode_get(def, "required")) != NULL && ext_bool(l, n, "required", &b)) {
		if (!b && f->required)
			eerr(l, n, "site.loosen",
			     "site %s may not loosen field '%s': it is required by the central "
			     "definition",
			     s->code, f->name);
		else if (b)
			f->required = true;
	}

	mn = ynode_get(def, "min");
	n = ynode_get(def, "min_exclusive");
	if ((mn != NULL || n != NULL) && !numeric) {
		numeric_only(l, mn ? mn : n, f, mn ? "min" : "min_exclusive");
	} else if (mn != NULL || n != NULL) {
		bool excl = false, ok = true;
		m = f->min;
		if (mn != NULL)
			ok = ext_number(l, mn, "min", &m);
		else if (!f->has_min)
			ok = false, eerr(l, n, "site.value", "min_exclusive needs a min");
		else
			excl = f->min_exclusive;
		if (n != NULL && ok)
			ok = ext_bool(l, n, "min_exclusive", &excl);
		if (ok && f->has_min && (m < f->min || (m == f->min && f->min_exclusive && !excl))) {
			eerr(l, mn ? mn : n, "site.loosen",
			     "site %s may not loosen field '%s': its minimum may only be raised "
			     "(in force: %s %.15g)",
			     s->code, f->name, f->min_exclusive ? "above" : "at least", f->min);
		} else if (ok) {
			f->has_min = true;
			f->min = m;
			f->min_exclusive = excl;
		}
	}
	if ((mx = ynode_get(def, "max")) != NULL) {
		if (!numeric)
			numeric_only(l, mx, f, "max");
		else if (ext_number(l, mx, "max", &v)) {
			if (f->has_max && v > f->max)
				eerr(l, mx, "site.loosen",
				     "site %s may not loosen field '%s': its maximum may only be "
				     "lowered (in force: %.15g)",
				     s->code, f->name, f->max);
			else {
				f->has_max = true;
				f->max = v;
			}
		}
	}
	if (f->has_min && f->has_max && (f->min > f->max || (f->min == f->max && f->min_exclusive)))
		eerr(l, mx ? mx : mn ? mn : def, "site.value",
		     "field '%s' admits no value: its minimum is above its maximum", f->name);

	if ((n = ynode_get(def, "min_length")) != NULL) {
		if (f->type != MDG_FT_STRING)
			eerr(l, n, "site.value", "min_length is for string fields; '%s' is %s",
			     f->name, mdg_ftype_name(f->type));
		else if (ext_number(l, n, "min_length", &v)) {
			if (v < 0 || v != floor(v) || v > 1e9)
				eerr(l, n, "site.value", "min_length must be a whole number");
			else if (f->min_length >= 0 && v < (double)f->min_length)
				eerr(l, n, "site.loosen",
				     "site %s may not loosen field '%s': its min_length may only be "
				     "raised (in force: %ld)",
				     s->code, f->name, f->min_length);
			else
				f->min_length = (long)v;
		}
	}
	if ((n = ynode_get(def, "max_length")) != NULL) {
		if (f->type != MDG_FT_STRING)
			eerr(l, n, "site.value", "max_length is for string fields; '%s' is %s",
			     f->name, mdg_ftype_name(f->type));
		else if (ext_number(l, n, "max_length", &v)) {
			if (v < 0 || v != floor(v) || v > 1e9)
				eerr(l, n, "site.value", "max_length must be a whole number");
			else if (f->max_length >= 0 && v > (double)f->max_length)
				eerr(l, n, "site.loosen",
				     "site %s may not loosen field '%s': its max_length may only be "
				     "lowered (in force: %ld)",
				     s->code, f->name, f->max_length);
			else
				f->max_length = (long)v;
		}
	}
	if (f->min_length >= 0 && f->max_length >= 0 && f->min_length > f->max_length)
		eerr(l, def, "site.value",
		     "field '%s' admits no value: its min_length is above its max_length", f->name);

	if ((n = ynode_get(def, "pattern")) != NULL) {
		const struct ynode *h = ynode_get(def, "pattern_hint");
		if (f->type != MDG_FT_STRING) {
			eerr(l, n, "site.value", "pattern is for string fields; '%s' is %s", f->name,
			     mdg_ftype_name(f->type));
		} else if (n->kind != YNODE_SCALAR) {
			eerr(l, n, "site.type", "pattern must be a string");
		} else if (f->pattern2 != NULL) {
			eerr(l, n, "site.duplicate",
			     "site %s gives field '%s' a second pattern of its own; one may be added",
			     s->code, f->name);
		} else if (mdg_pattern_compile(&f->re2, n->str, n, l->file, l->d) != 0) {
			l->errors++;
		} else {
			f->pattern2 = xstrdup(n->str);
			f->pattern2_hint = xasprintf(
				"%s (a rule of site %s)",
				h != NULL && h->kind == YNODE_SCALAR ? h->str : f->pattern2, s->code);
		}
	} else if ((n = ynode_get(def, "pattern_hint")) != NULL) {
		eerr(l, n, "site.value", "pattern_hint goes with a pattern of the site's own");
	}

	if ((n = ynode_get(def, "values")) != NULL) {
		if (f->type != MDG_FT_ENUM) {
			eerr(l, n, "site.value", "values are for enum fields; '%s' is %s", f->name,
			     mdg_ftype_name(f->type));
		} else if (n->kind != YNODE_SEQ || n->n == 0) {
			eerr(l, n, "site.type", "values must be a list of some of the values of '%s'",
			     f->name);
		} else {
			char **keep = xcalloc(n->n, sizeof(*keep));
			size_t k = 0;
			bool bad = false;
			for (i = 0; i < n->n; i++) {
				const struct ynode *x = n->items[i];
				bool found = false;
				for (j = 0; x->kind == YNODE_SCALAR && j < f->nvalues; j++)
					if (strcmp(f->values[j], x->str) == 0)
						found = true;
				if (!found) {
					eerr(l, x, "site.loosen",
					     "site %s may not add '%s' to field '%s': a site may only "
					     "keep some of its values",
					     s->code, x->kind == YNODE_SCALAR ? x->str : "?", f->name);
					bad = true;
					continue;
				}
				keep[k++] = xstrdup(x->str);
			}
			if (bad) {
				for (i = 0; i < k; i++)
					free(keep[i]);
				free(keep);
			} else {
				if (f->values_owned)
					for (i = 0; i < f->nvalues; i++)
						free(f->values[i]);
				if (f->values_owned)
					free(f->values);
				f->values = keep;
				f->nvalues = k;
				f->values_owned = true;
			}
		}
	}
	f->site = s->code;
}

/* Pass 1: the fields a site adds (x_...) or tightens. */
static void
load_site_fields(struct eload *l, struct mdg_site *s, const struct mdg_domain *dom,
		 const struct ynode *fields)
{
	struct mdg_site_domain *sd;
	size_t i, j;

	if (fields->kind != YNODE_MAP) {
		eerr(l, fields, "site.type", "fields must map field names to definitions");
		return;
	}
	sd = site_domain_get(s, dom);
	if (sd->view == NULL)
		sd->view = mdg_domain_view_new(dom);
	for (i = 0; i < fields->n; i++) {
		const struct ynode *k = ynode_key_at(fields, i), *v = ynode_value_at(fields, i);
		const struct mdg_field *c;
		struct mdg_field *f;
		int index;

		if (k->kind != YNODE_SCALAR)
			continue;
		c = mdg_field_find(dom, k->str);
		if (c != NULL) {
			tighten_field(l, s, &sd->view->fields[c->index], k, v);
			continue;
		}
		if (strncmp(k->str, "x_", 2) != 0) {
			eerr(l, k, "site.field",
			     "'%s' is not a field of '%s'; a site's own fields need names starting "
			     "with x_ (x_%s)",
			     k->str, dom->name, k->str);
			continue;
		}
		for (j = dom->nfields; j < sd->view->nfields; j++) {
			if (strcmp(sd->view->fields[j].name, k->str) == 0) {
				eerr(l, k, "site.duplicate", "field '%s' is defined twice by site %s",
				     k->str, s->code);
				break;
			}
		}
		if (j < sd->view->nfields)
			continue;
		if (sd->view->nfields >= MDG_MAX_FIELDS) {
			eerr(l, k, "site.limit", "more than %d fields", MDG_MAX_FIELDS);
			continue;
		}
		f = mdg_domain_view_add(sd->view);
		index = f->index;
		l->errors += mdg_field_load(f, k, v, l->file, l->d);
		f->index = index;
		f->site = s->code;
		l->errors += mdg_field_link(f, &l->e->domains, l->file, l->d);
	}
}

/* Pass 2: column aliases and value maps. */
static void
load_site_maps(struct eload *l, struct mdg_site *s, const struct mdg_domain *dom,
	       const struct ynode *def)
{
	struct mdg_site_domain *sd = site_domain_get(s, dom);
	const struct ynode *cols, *vals;
	size_t i, j;

	cols = ynode_get(def, "columns");
	if (cols != NULL && cols->kind != YNODE_MAP) {
		eerr(l, cols, "site.type", "columns must map local column names to fields");
	} else if (cols != NULL) {
		sd->columns = xreallocarray(sd->columns, sd->ncolumns + cols->n + 1,
					    sizeof(*sd->columns));
		for (i = 0; i < cols->n; i++) {
			const struct ynode *k = ynode_key_at(cols, i), *v = ynode_value_at(cols, i);
			if (k->kind != YNODE_SCALAR || v->kind != YNODE_SCALAR) {
				eerr(l, k, "site.type", "a column alias must map a name to a field name");
				continue;
			}
			if (site_field(sd, dom, v->str) == NULL) {
				eerr(l, v, "site.field", "column '%s' is mapped to '%s', which is not a field of '%s'",
				     k->str, v->str, dom->name);
				continue;
			}
			sd->columns[sd->ncolumns].from = xstrdup(k->str);
			sd->columns[sd->ncolumns].to = xstrdup(v->str);
			sd->ncolumns++;
		}
	}

	vals = ynode_get(def, "values");
	if (vals != NULL && vals->kind != YNODE_MAP) {
		eerr(l, vals, "site.type", "values must map fields to value maps");
	} else if (vals != NULL) {
		sd->values = xreallocarray(sd->values, sd->nvalues + vals->n + 1, sizeof(*sd->values));
		for (i = 0; i < vals->n; i++) {
			const struct ynode *k = ynode_key_at(vals, i), *m = ynode_value_at(vals, i);
			struct mdg_field *f;
			struct mdg_site_values *sv;
			if (k->kind != YNODE_SCALAR)
				continue;
			f = site_field(sd, dom, k->str);
			if (f == NULL) {
				eerr(l, k, "site.field", "'%s' is not a field of '%s'", k->str, dom->name);
				continue;
			}
			if (f->type != MDG_FT_ENUM && f->type != MDG_FT_REF) {
				eerr(l, k, "site.field",
				     "values can be mapped only for enum and ref fields; '%s' is %s",
				     f->name, mdg_ftype_name(f->type));
				continue;
			}
			if (m->kind != YNODE_MAP) {
				eerr(l, m, "site.type", "the value map of '%s' must be a mapping", f->name);
				continue;
			}
			sv = &sd->values[sd->nvalues++];
			sv->field = xstrdup(f->name);
			sv->map = xcalloc(m->n ? m->n : 1, sizeof(*sv->map));
			sv->n = 0;
			for (j = 0; j < m->n; j++) {
				const struct ynode *a = ynode_key_at(m, j), *b = ynode_value_at(m, j);
				size_t x;
				bool ok;
				if (a->kind != YNODE_SCALAR || b->kind != YNODE_SCALAR) {
					eerr(l, a, "site.type", "a value map entry must be a string to a string");
					continue;
				}
				if (f->type == MDG_FT_ENUM) {
					ok = false;
					for (x = 0; x < f->nvalues; x++)
						if (strcmp(f->values[x], b->str) == 0)
							ok = true;
					if (!ok) {
						eerr(l, b, "site.value",
						     "'%s' is mapped to '%s', which is not a value of '%s'",
						     a->str, b->str, f->name);
						continue;
					}
				}
				sv->map[sv->n].from = xstrdup(a->str);
				sv->map[sv->n].to = xstrdup(b->str);
				sv->n++;
			}
		}
	}
}

/* One extension file, read for all passes. */
struct ext_file {
	const char *path;
	struct ytree *t;
	const struct ynode *root;   /* a mapping, or NULL: nothing to read */
};

static void
ext_open(struct eload *l, struct mdg_site *s, struct ext_file *x, const char *path)
{
	static const char *const keys[] = {"site", "domains", "rules", "overrides", NULL};
	const struct ynode *n;

	x->path = path;
	x->t = NULL;
	x->root = NULL;
	if (ytree_load(&x->t, path, l->d) != MDG_OK) {
		l->errors++;
		return;
	}
	l->file = path;
	if (x->t->root == NULL)
		return;
	if (x->t->root->kind != YNODE_MAP) {
		eerr(l, x->t->root, "site.type", "a site extension must be a mapping");
		return;
	}
	x->root = x->t->root;
	check_keys(l, x->root, keys, "a site extension");
	n = ynode_get(x->root, "site");
	if (n != NULL && (n->kind != YNODE_SCALAR || strcmp(n->str, s->code) != 0))
		eerr(l, n, "site.value", "this file is for site '%s', but it is read for site '%s'",
		     n->kind == YNODE_SCALAR ? n->str : "?", s->code);
}

/*
 * A pass over a file's domains: pass 0 loads the fields a site adds or
 * tightens; pass 1 its column aliases and value maps, and reports unknown
 * domains and keys (in the order of the file).
 */
static void
ext_domains(struct eload *l, struct mdg_site *s, const struct ext_file *x, int pass)
{
	static const char *const keys[] = {"columns", "values", "fields", NULL};
	const struct ynode *doms;
	size_t i;

	if (x->root == NULL || (doms = ynode_get(x->root, "domains")) == NULL)
		return;
	l->file = x->path;
	if (doms->kind != YNODE_MAP) {
		if (pass == 1)
			eerr(l, doms, "site.type", "domains must be a mapping of domain names");
		return;
	}
	for (i = 0; i < doms->n; i++) {
		const struct ynode *k = ynode_key_at(doms, i), *def = ynode_value_at(doms, i);
		const struct mdg_domain *dom;
		const struct ynode *fields;
		if (k->kind != YNODE_SCALAR)
			continue;
		dom = mdg_domain_find(&l->e->domains, k->str);
		if (pass == 0) {
			if (dom != NULL && def != NULL && def->kind == YNODE_MAP &&
			    (fields = ynode_get(def, "fields")) != NULL)
				load_site_fields(l, s, dom, fields);
			continue;
		}
		if (dom == NULL) {
			eerr(l, k, "site.domain", "site %s extends domain '%s', which is not defined",
			     s->code, k->str);
			continue;
		}
		if (def == NULL || def->kind != YNODE_MAP) {
			eerr(l, def ? def : k, "site.type", "the extension of '%s' must be a mapping",
			     k->str);
			continue;
		}
		check_keys(l, def, keys, "a site's domain extension");
		load_site_maps(l, s, dom, def);
	}
}

static void
add_ext_file(struct mdg_site *s, char *path)
{
	s->ext_files = xreallocarray(s->ext_files, s->next_files + 1, sizeof(*s->ext_files));
	s->ext_files[s->next_files++] = path;
}

/* The files of a site's extension: a single file, and every *.yaml of its folder. */
static void
find_ext_files(struct eload *l, struct mdg_site *s)
{
	char *file = NULL, *dir = NULL, *name;
	DIR *dp;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;

	if (s->extension != NULL) {
		if (is_dir(s->extension))
			dir = xstrdup(s->extension);
		else
			file = xstrdup(s->extension);
	} else if (l->e->sites_dir != NULL) {
		name = xasprintf("%s.yaml", s->code);
		file = mdg_path_join(l->e->sites_dir, name);
		free(name);
		if (access(file, F_OK) != 0) {
			free(file);
			file = NULL;
		}
		dir = mdg_path_join(l->e->sites_dir, s->code);
		if (!is_dir(dir)) {
			free(dir);
			dir = NULL;
		}
		if (file != NULL)
			s->extension = xstrdup(file);
		else if (dir != NULL)
			s->extension = xstrdup(dir);
	}
	if (file != NULL)
		add_ext_file(s, file);
	if (dir == NULL)
		return;
	if ((dp = opendir(dir)) == NULL) {
		mdg_diag_at(l->d, MDG_SEV_ERROR, "site.unreadable", dir, 0, 0,
			    "cannot read the extension folder of site %s: %s", s->code,
			    strerror(errno));
		l->errors++;
		free(dir);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (n > 1)
		mdg_qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		add_ext_file(s, mdg_path_join(dir, names[i]));
		free(names[i]);
	}
	free(names);
	free(dir);
}

static void
load_extension(struct eload *l, struct mdg_site *s)
{
	struct ext_file *x;
	const char *saved = l->file;
	size_t i;
	int pass;

	find_ext_files(l, s);
	if (s->next_files == 0) {
		l->file = saved;
		return;
	}
	x = xcalloc(s->next_files, sizeof(*x));
	for (i = 0; i < s->next_files; i++)
		ext_open(l, s, &x[i], s->ext_files[i]);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < s->next_files; i++)
			ext_domains(l, s, &x[i], pass);
	for (i = 0; i < s->next_files; i++) {
		if (x[i].root != NULL && l->e->rules.ds != NULL)
			l->errors += mdg_rules_load_site(&l->e->rules, s, x[i].path,
							 ynode_get(x[i].root, "rules"),
							 ynode_get(x[i].root, "overrides"), l->d);
		ytree_free(x[i].t);
	}
	free(x);
	l->file = saved;
}

/* ---------------------------------------------------------------- loading */

int
mdg_enterprise_load(struct mdg_enterprise **out, const char *path, struct mdg_diags *d)
{
	static const char *const keys[] = {
		"enterprise", "version", "domains", "rules", "sites_dir", "registry", "odoo",
		"sites", "defaults", NULL,
	};
	struct mdg_enterprise *e;
	struct eload l;
	struct ytree *t = NULL;
	const struct ynode *root, *n;
	char *v;
	size_t i, before = d->counts[MDG_SEV_ERROR];

	*out = NULL;
	e = xcalloc(1, sizeof(*e));
	e->file = xstrdup(path);
	e->dir = mdg_path_dir(path);
	mdg_domains_init(&e->domains);
	mdg_rules_init(&e->rules);
	memset(&l, 0, sizeof(l));
	l.e = e;
	l.d = d;
	l.file = e->file;

	if (ytree_load(&t, path, d) != MDG_OK) {
		mdg_enterprise_free(e);
		return MDG_ERR;
	}
	root = t->root;
	if (root == NULL || root->kind != YNODE_MAP) {
		eerr(&l, root, "config.type", "the configuration must be a mapping");
		ytree_free(t);
		mdg_enterprise_free(e);
		return MDG_ERR;
	}
	check_keys(&l, root, keys, "the configuration");
	e->name = get_str(&l, root, "enterprise");
	if ((v = get_str(&l, root, "domains")) != NULL) {
		e->domains_dir = mdg_path_join(e->dir, v);
		free(v);
	} else {
		e->domains_dir = mdg_path_join(e->dir, "domains");
	}
	if ((v = get_str(&l, root, "rules")) != NULL) {
		e->rules_dir = mdg_path_join(e->dir, v);
		free(v);
	}
	if ((v = get_str(&l, root, "sites_dir")) != NULL) {
		e->sites_dir = mdg_path_join(e->dir, v);
		free(v);
	}
	if ((v = get_str(&l, root, "registry")) != NULL) {
		e->registry = mdg_path_join(e->dir, v);
		free(v);
	}
	n = ynode_get(root, "odoo");
	if (n != NULL && n->kind == YNODE_MAP) {
		static const char *const okeys[] = {"module", "version", NULL};
		check_keys(&l, n, okeys, "odoo");
		e->odoo_module = get_str(&l, n, "module");
	} else if (n != NULL) {
		eerr(&l, n, "config.type", "odoo must be a mapping");
	}
	if (e->odoo_module == NULL)
		e->odoo_module = xstrdup("mdgate");

	n = ynode_get(root, "sites");
	if (n == NULL) {
		eerr(&l, root, "config.missing", "the configuration names no sites");
	} else if (n->kind != YNODE_SEQ) {
		eerr(&l, n, "config.type", "sites must be a list");
	} else {
		e->sites = xcalloc(n->n ? n->n : 1, sizeof(*e->sites));
		for (i = 0; i < n->n; i++) {
			load_site(&l, &e->sites[e->nsites], n->items[i]);
			e->nsites++;
		}
	}
	ytree_free(t);

	mdg_domains_load_dir(&e->domains, e->domains_dir, d);
	mdg_rules_prepare(&e->rules, &e->domains);
	if (e->rules_dir != NULL)
		mdg_rules_load_central(&e->rules, e->rules_dir, d);

	for (i = 0; i < e->nsites; i++) {
		struct mdg_site *s = &e->sites[i];
		size_t j;
		bool dup = false;
		if (s->code == NULL)
			continue;
		/* A site defined twice is an error already; read its file once. */
		for (j = 0; j < i; j++)
			if (e->sites[j].code != NULL && strcmp(e->sites[j].code, s->code) == 0)
				dup = true;
		if (dup)
			continue;
		load_extension(&l, s);
	}
	*out = e;
	return d->counts[MDG_SEV_ERROR] > before ? MDG_ERR : MDG_OK;
}


void
mdg_enterprise_free(struct mdg_enterprise *e)
{
	size_t i, j, k;

	if (e == NULL)
		return;
	for (i = 0; i < e->nsites; i++) {
		struct mdg_site *s = &e->sites[i];
		free(s->code);
		free(s->name);
		free(s->locale);
		free(s->odoo_company);
		free(s->odoo_warehouse);
		free(s->encoding);
		free(s->extension);
		for (j = 0; j < s->ndomains; j++) {
			struct mdg_site_domain *sd = &s->domains[j];
			free(sd->domain);
			mdg_pairs_free(sd->columns, sd->ncolumns);
			for (k = 0; k < sd->nvalues; k++) {
				free(sd->values[k].field);
				mdg_pairs_free(sd->values[k].map, sd->values[k].n);
			}
			free(sd->values);
			if (sd->view != NULL)
				mdg_domain_view_free(sd->view);
		}
		free(s->domains);
		for (j = 0; j < s->next_files; j++)
			free(s->ext_files[j]);
		free(s->ext_files);
		mdg_overrides_free(s->overrides, s->noverrides);
	}
	free(e->sites);
	mdg_rules_free(&e->rules);
	mdg_domains_free(&e->domains);
	free(e->file);
	free(e->dir);
	free(e->name);
	free(e->domains_dir);
	free(e->rules_dir);
	free(e->sites_dir);
	free(e->registry);
	free(e->odoo_module);
	free(e);
}

struct mdg_site *
mdg_site_find(const struct mdg_enterprise *e, const char *code)
{
	size_t i;

	for (i = 0; i < e->nsites; i++)
		if (e->sites[i].code && mdg_strcasecmp_ascii(e->sites[i].code, code) == 0)
			return &e->sites[i];
	return NULL;
}

struct mdg_site *
mdg_site_for_file(const struct mdg_enterprise *e, const char *path)
{
	const char *base = mdg_path_base(path);
	size_t i, n;

	for (i = 0; i < e->nsites; i++) {
		if (e->sites[i].code == NULL)
			continue;
		n = strlen(e->sites[i].code);
		if (strncmp(base, e->sites[i].code, n) == 0 && (base[n] == '-' || base[n] == '_'))
			return &e->sites[i];
	}
	return NULL;
}

const struct mdg_site_domain *
mdg_site_domain(const struct mdg_site *s, const char *domain)
{
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < s->ndomains; i++)
		if (strcmp(s->domains[i].domain, domain) == 0)
			return &s->domains[i];
	return NULL;
}

const char *
mdg_site_map_value(const struct mdg_site_domain *sd, const char *field, const char *value,
		   size_t len)
{
	size_t i, j;

	if (sd == NULL)
		return NULL;
	for (i = 0; i < sd->nvalues; i++) {
		if (strcmp(sd->values[i].field, field) != 0)
			continue;
		for (j = 0; j < sd->values[i].n; j++)
			if (strlen(sd->values[i].map[j].from) == len &&
			    memcmp(sd->values[i].map[j].from, value, len) == 0)
				return sd->values[i].map[j].to;
	}
	return NULL;
}

const struct mdg_domain *
mdg_site_view(const struct mdg_site *s, const struct mdg_domain *dom)
{
	const struct mdg_site_domain *sd = mdg_site_domain(s, dom->name);

	return sd != NULL && sd->view != NULL ? sd->view : dom;
}

const char *
mdg_site_map_column(const struct mdg_site_domain *sd, const char *column)
{
	size_t i;

	if (sd == NULL)
		return NULL;
	for (i = 0; i < sd->ncolumns; i++)
		if (mdg_strcasecmp_ascii(sd->columns[i].from, column) == 0)
			return sd->columns[i].to;
	return NULL;
}
