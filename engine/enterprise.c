/*
 * enterprise.c - the enterprise configuration, its sites and their
 * extension files.
 *
 * Loading goes config -> domains -> site extensions, and every stage keeps
 * going after an error so that `mdgate lint` shows all of them at once.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
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

static int
parse_delimiter(const char *s)
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
		s->delimiter = parse_delimiter(v);
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

static void
load_site_domain(struct eload *l, struct mdg_site *s, const struct ynode *key,
		 const struct ynode *def)
{
	static const char *const keys[] = {"columns", "values", NULL};
	struct mdg_site_domain *sd;
	struct mdg_domain *dom;
	const struct ynode *cols, *vals;
	size_t i, j;

	dom = mdg_domain_find(&l->e->domains, key->str);
	if (dom == NULL) {
		eerr(l, key, "site.domain", "site %s extends domain '%s', which is not defined",
		     s->code, key->str);
		return;
	}
	if (def == NULL || def->kind != YNODE_MAP) {
		eerr(l, def ? def : key, "site.type", "the extension of '%s' must be a mapping",
		     key->str);
		return;
	}
	check_keys(l, def, keys, "a site's domain extension");
	s->domains = xreallocarray(s->domains, s->ndomains + 1, sizeof(*s->domains));
	sd = &s->domains[s->ndomains++];
	memset(sd, 0, sizeof(*sd));
	sd->domain = xstrdup(dom->name);

	cols = ynode_get(def, "columns");
	if (cols != NULL && cols->kind != YNODE_MAP) {
		eerr(l, cols, "site.type", "columns must map local column names to fields");
	} else if (cols != NULL) {
		sd->columns = xcalloc(cols->n ? cols->n : 1, sizeof(*sd->columns));
		for (i = 0; i < cols->n; i++) {
			const struct ynode *k = ynode_key_at(cols, i), *v = ynode_value_at(cols, i);
			if (k->kind != YNODE_SCALAR || v->kind != YNODE_SCALAR) {
				eerr(l, k, "site.type", "a column alias must map a name to a field name");
				continue;
			}
			if (mdg_field_find(dom, v->str) == NULL) {
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
		sd->values = xcalloc(vals->n ? vals->n : 1, sizeof(*sd->values));
		for (i = 0; i < vals->n; i++) {
			const struct ynode *k = ynode_key_at(vals, i), *m = ynode_value_at(vals, i);
			struct mdg_field *f;
			struct mdg_site_values *sv;
			if (k->kind != YNODE_SCALAR)
				continue;
			f = mdg_field_find(dom, k->str);
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

static void
load_extension(struct eload *l, struct mdg_site *s)
{
	static const char *const keys[] = {"site", "domains", "rules", NULL};
	struct ytree *t;
	const struct ynode *root, *doms, *n;
	const char *saved = l->file;
	size_t i;

	if (ytree_load(&t, s->extension, l->d) != MDG_OK) {
		l->errors++;
		return;
	}
	l->file = s->extension;
	root = t->root;
	if (root == NULL) {
		ytree_free(t);
		l->file = saved;
		return;
	}
	if (root->kind != YNODE_MAP) {
		eerr(l, root, "site.type", "a site extension must be a mapping");
		goto done;
	}
	check_keys(l, root, keys, "a site extension");
	n = ynode_get(root, "site");
	if (n != NULL && (n->kind != YNODE_SCALAR || strcmp(n->str, s->code) != 0))
		eerr(l, n, "site.value", "this file is for site '%s', but it is read for site '%s'",
		     n->kind == YNODE_SCALAR ? n->str : "?", s->code);
	doms = ynode_get(root, "domains");
	if (doms != NULL && doms->kind != YNODE_MAP) {
		eerr(l, doms, "site.type", "domains must be a mapping of domain names");
	} else if (doms != NULL) {
		for (i = 0; i < doms->n; i++) {
			const struct ynode *k = ynode_key_at(doms, i);
			if (k->kind != YNODE_SCALAR)
				continue;
			load_site_domain(l, s, k, ynode_value_at(doms, i));
		}
	}
done:
	ytree_free(t);
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
		if (s->extension == NULL && e->sites_dir != NULL) {
			char *name = xasprintf("%s.yaml", s->code);
			char *p = mdg_path_join(e->sites_dir, name);
			free(name);
			if (access(p, F_OK) == 0)
				s->extension = p;
			else
				free(p);
		}
		if (s->extension != NULL)
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
		}
		free(s->domains);
	}
	free(e->sites);
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
