/*
 * export.c - approved records as Odoo import files: external IDs from the
 * domains' templates (sanitised, length-limited, unique), relations
 * resolved to external IDs (of this export, of earlier exports, or of
 * records Odoo already has), rows in dependency order, and the writers:
 * CSV in Odoo's import format, XML data files (libxml2's xmlTextWriter),
 * an installable data module, manifest.json (jansson).  The registry
 * side (loading golden rows, recording an export) is at the end.
 * Nothing is written before every record has been resolved.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ftw.h>
#include <jansson.h>
#include <libxml/xmlwriter.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "export.h"
#include "registry.h"
#include "report.h"
#include "util.h"
#include "validate.h"

/* ------------------------------------------------------- Odoo knowledge */

/*
 * Fields whose values are written as Odoo wants them rather than as the
 * domain keeps them: codes that become external IDs of Odoo's own records
 * (countries, currencies), and names Odoo looks up (name_search in CSV,
 * a search domain in XML).
 */
enum conv_kind {
	CONV_COUNTRY,   /* ISO code -> base.<lower>, GB -> base.uk */
	CONV_CURRENCY,  /* ISO code -> base.<CODE> */
	CONV_NAME,      /* a name Odoo looks up: column without /id */
};

static const struct odoo_conv {
	const char *model;
	const char *field;
	enum conv_kind kind;
	const char *search;   /* CONV_NAME: the fields an XML search compares */
} convs[] = {
	{"res.partner", "country_id", CONV_COUNTRY, NULL},
	{"res.partner", "property_purchase_currency_id", CONV_CURRENCY, NULL},
	{"res.partner", "state_id", CONV_NAME, "code|name"},
	{"product.product", "categ_id", CONV_NAME, "complete_name"},
	{"product.template", "categ_id", CONV_NAME, "complete_name"},
	{"product.category", "parent_id", CONV_NAME, "complete_name"},
};

/*
 * What an empty cell of a present column is written as in CSV, where an
 * empty cell means "set empty" (an empty `active` would archive the
 * record, an empty capacity is refused).  field_from: copy that field's
 * cell instead (a product's purchase unit is its unit when not given).
 * A column empty in every row is left out, so Odoo's default applies.
 */
static const struct odoo_default {
	const char *model;    /* NULL: every model */
	const char *field;
	const char *value;
	const char *field_from;
} defaults[] = {
	{NULL, "active", "True", NULL},
	{"product.product", "sale_ok", "True", NULL},
	{"product.product", "purchase_ok", "True", NULL},
	{"product.product", "detailed_type", "consu", NULL},
	{"product.product", "tracking", "none", NULL},
	{"product.product", "uom_po_id", NULL, "uom_id"},
	{"uom.uom", "uom_type", "reference", NULL},
	{"uom.uom", "rounding", "0.01", NULL},
	{"mrp.workcenter", "default_capacity", "1.0", NULL},
	{"mrp.workcenter", "time_efficiency", "100.0", NULL},
	{"mrp.workcenter", "oee_target", "90.0", NULL},
	{"mrp.bom", "type", "normal", NULL},
	{"mrp.bom", "consumption", "warning", NULL},
	{"mrp.routing.workcenter", "time_mode", "manual", NULL},
	{"mrp.routing.workcenter", "time_cycle_manual", "60.0", NULL},
};

/* Columns every record of a model (of one domain) carries: vendors are supplier_rank 1. */
static const struct odoo_const {
	const char *model;
	const char *domain;   /* NULL: every domain of the model */
	const char *field;
	const char *value;
} consts[] = {
	{"res.partner", "supplier", "supplier_rank", "1"},
};

/*
 * A relation to a model that delegates to another (_inherits): Odoo gives
 * the parent record the ID <id>_<parent model with '_'>, so a field that
 * wants the template of an item exported as a variant gets that ID.
 */
static const struct odoo_parent {
	const char *target_model;
	const char *field;
	const char *suffix;
} parents[] = {
	{"product.product", "product_tmpl_id", "_product_template"},
};

/* The Odoo module that defines a model (for a data module's depends). */
static const struct odoo_module {
	const char *prefix;
	const char *module;
} model_modules[] = {
	{"uom.", "uom"},
	{"product.supplierinfo", "purchase"},
	{"product.", "product"},
	{"res.partner", "purchase"},
	{"stock.", "stock"},
	{"mrp.", "mrp"},
	{"res.", "base"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- the model */

enum col_kind {
	COL_TEXT,      /* a string: text */
	COL_NUMBER,    /* integer or decimal: eval in XML */
	COL_BOOL,      /* True / False: eval in XML */
	COL_REF,       /* an external ID: field/id, ref= in XML */
	COL_NAME,      /* a name Odoo looks up: search= in XML */
};

struct col {
	char *header;              /* CSV header: field or field/id */
	char *odoo;                /* the Odoo field */
	const struct mdg_field *f; /* NULL: a constant */
	enum col_kind kind;
	const struct odoo_conv *conv;
	const struct odoo_default *dflt;
	const char *constval;
	const char *suffix;        /* relation to a delegating model */
	bool used;                 /* some row has a value */
};

struct unit {
	const struct mdg_domain *dom;
	char *file;                /* path relative to the export folder */
	struct col *cols;
	size_t ncols;
	size_t *rows;              /* record indices, in load order */
	size_t nrows;
	char sha[65];
};

struct xrec {
	const struct mdg_domain *dom;
	char *key;
	char *site;
	char *json;                /* its values, a JSON object (parsed when needed) */
	bool write;
	bool skip;                 /* Odoo has it (existing): not written */
	char *prior;               /* the ID an earlier export gave it */
	char *id;                  /* after resolve */
	long long golden;
	char *origin;
	long line;
	size_t unit;
	size_t *deps;              /* records of the same unit it refers to */
	size_t ndeps;
	int mark;                  /* ordering */
};

struct mdg_export {
	const struct mdg_enterprise *e;
	enum mdg_export_format fmt;
	char *module;
	char *odoo_module;
	struct xrec *v;
	size_t n, cap;
	struct mdg_strset *index;  /* per domain of e: key -> record */
	struct mdg_strset reserved;  /* IDs used by others */
	struct unit *units;
	size_t nunits;
	size_t nwritten;
	struct mdg_strset modset;  /* modules of the IDs referred to (a data module's depends) */
	char **mods;
	size_t nmods;
	bool resolved;
	bool failed;               /* resolve found a problem: nothing may be written */
};

int
mdg_export_format_parse(const char *s)
{
	if (strcmp(s, "odoo-csv") == 0 || strcmp(s, "csv") == 0)
		return MDG_EXPORT_CSV;
	if (strcmp(s, "odoo-xml") == 0 || strcmp(s, "xml") == 0)
		return MDG_EXPORT_XML;
	return -1;
}

const char *
mdg_export_format_name(enum mdg_export_format f)
{
	switch (f) {
	case MDG_EXPORT_CSV:
		return "odoo-csv";
	case MDG_EXPORT_XML:
		return "odoo-xml";
	}
	return "?";
}

bool
mdg_export_module_valid(const char *m)
{
	size_t i;

	if (m == NULL || m[0] < 'a' || m[0] > 'z')
		return false;
	for (i = 0; m[i] != '\0'; i++)
		if (!((m[i] >= 'a' && m[i] <= 'z') || (m[i] >= '0' && m[i] <= '9') || m[i] == '_'))
			return false;
	return i <= 64;
}

static size_t
domain_pos(const struct mdg_export *x, const struct mdg_domain *dom)
{
	size_t i;

	for (i = 0; i < x->e->domains.n; i++)
		if (x->e->domains.v[i] == dom)
			return i;
	return (size_t)-1;
}

struct mdg_export *
mdg_export_new(const struct mdg_enterprise *e, enum mdg_export_format fmt, const char *module,
	       const char *odoo_module)
{
	struct mdg_export *x = xcalloc(1, sizeof(*x));
	size_t i;

	x->e = e;
	x->fmt = fmt;
	x->module = xstrdup(module);
	x->odoo_module = odoo_module ? xstrdup(odoo_module) : NULL;
	x->index = xcalloc(e->domains.n ? e->domains.n : 1, sizeof(*x->index));
	for (i = 0; i < e->domains.n; i++)
		mdg_strset_init(&x->index[i]);
	mdg_strset_init(&x->reserved);
	mdg_strset_init(&x->modset);
	return x;
}

static void
unit_free(struct unit *u)
{
	size_t i;

	for (i = 0; i < u->ncols; i++) {
		free(u->cols[i].header);
		free(u->cols[i].odoo);
	}
	free(u->cols);
	free(u->rows);
	free(u->file);
}

void
mdg_export_free(struct mdg_export *x)
{
	size_t i, j;

	if (x == NULL)
		return;
	for (i = 0; i < x->n; i++) {
		struct xrec *r = &x->v[i];
		free(r->key);
		free(r->site);
		free(r->json);
		free(r->prior);
		free(r->id);
		free(r->origin);
		free(r->deps);
	}
	free(x->v);
	for (i = 0; i < x->e->domains.n; i++)
		mdg_strset_free(&x->index[i]);
	free(x->index);
	mdg_strset_free(&x->reserved);
	mdg_strset_free(&x->modset);
	for (j = 0; j < x->nmods; j++)
		free(x->mods[j]);
	free(x->mods);
	for (i = 0; i < x->nunits; i++)
		unit_free(&x->units[i]);
	free(x->units);
	free(x->module);
	free(x->odoo_module);
	free(x);
}

size_t
mdg_export_nwritten(const struct mdg_export *x)
{
	return x->nwritten;
}

size_t
mdg_export_nfiles(const struct mdg_export *x)
{
	return x->nunits;
}

const char *
mdg_export_record_id(const struct mdg_export *x, size_t i)
{
	return i < x->n ? x->v[i].id : NULL;
}

static void
xerr(struct mdg_diags *d, enum mdg_severity sev, const char *code, const char *file, long line,
     const char *key, const char *field, const char *fmt, ...) MDG_PRINTF(8, 9);

static void
xerr(struct mdg_diags *d, enum mdg_severity sev, const char *code, const char *file, long line,
     const char *key, const char *field, const char *fmt, ...)
{
	struct mdg_diag t;
	va_list ap;

	memset(&t, 0, sizeof(t));
	t.severity = sev;
	t.code = code;
	t.file = (char *)file;
	t.line = line;
	t.record_key = (char *)key;
	t.field = (char *)field;
	va_start(ap, fmt);
	t.message = xvasprintf(fmt, ap);
	va_end(ap);
	mdg_diag_add(d, &t);
	free(t.message);
}

int
mdg_export_add(struct mdg_export *x, const struct mdg_domain *dom, const char *key,
	       const char *site, const char *values_json, bool write, const char *prior_id,
	       long long golden_id, const char *origin, long line, struct mdg_diags *d)
{
	struct xrec *r;
	json_error_t jerr;
	json_t *vals;
	size_t pos = domain_pos(x, dom);
	long old;

	vals = json_loads(values_json, 0, &jerr);
	if (vals == NULL || !json_is_object(vals) || pos == (size_t)-1 || key == NULL) {
		xerr(d, MDG_SEV_ERROR, "export.input", origin, line, key, NULL,
		     "%s '%s': the record's values cannot be read%s%s", dom->name,
		     key ? key : "", vals == NULL ? ": " : "", vals == NULL ? jerr.text : "");
		json_decref(vals);
		return MDG_ERR;
	}
	if (!mdg_strset_add(&x->index[pos], key, strlen(key), (long)x->n, &old)) {
		xerr(d, MDG_SEV_ERROR, "export.duplicate", origin, line, key, NULL,
		     "%s '%s' is in the export twice (also %s)", dom->name, key,
		     x->v[old].origin ? x->v[old].origin : "earlier");
		json_decref(vals);
		return MDG_ERR;
	}
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 256;
		x->v = xreallocarray(x->v, x->cap, sizeof(*x->v));
	}
	r = &x->v[x->n++];
	memset(r, 0, sizeof(*r));
	r->dom = dom;
	r->key = xstrdup(key);
	r->site = site ? xstrdup(site) : NULL;
	r->json = xstrdup(values_json);
	json_decref(vals);
	r->write = write;
	r->prior = prior_id ? xstrdup(prior_id) : NULL;
	r->golden = golden_id;
	r->origin = origin ? xstrdup(origin) : NULL;
	r->line = line;
	r->unit = (size_t)-1;
	return MDG_OK;
}

void
mdg_export_reserve(struct mdg_export *x, const char *xmlid)
{
	(void)mdg_strset_add(&x->reserved, xmlid, strlen(xmlid), -1, NULL);
}

/* ------------------------------------------------------- external IDs */

void
mdg_xmlid_hash8(const char *s, size_t len, char out[9])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const char hexd[] = "0123456789abcdef";
	size_t i;

	if (EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 4)
		memset(md, 0, 4);
	for (i = 0; i < 4; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[8] = '\0';
}

char *
mdg_xmlid_sanitize(const char *raw)
{
	size_t n = strlen(raw), i, k = 0;
	char *s = xmalloc(n + 2), h[9], *out;
	bool us = true;   /* no '_' at the start */

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			s[k++] = (char)c;
			us = false;
		} else if (!us) {
			s[k++] = '_';
			us = true;
		}
	}
	while (k > 0 && s[k - 1] == '_')
		k--;
	if (k == 0)
		s[k++] = 'x';
	s[k] = '\0';
	if (k <= MDG_XMLID_NAME_MAX)
		return s;
	mdg_xmlid_hash8(raw, n, h);
	k = MDG_XMLID_NAME_MAX - 9;
	while (k > 0 && s[k - 1] == '_')
		k--;
	s[k] = '\0';
	out = xasprintf("%s_%s", s, h);
	free(s);
	return out;
}

/* A record's values (a JSON object); the caller decrefs them. */
static json_t *
rec_vals(const struct xrec *r)
{
	json_t *v = json_loads(r->json, 0, NULL);

	return v != NULL ? v : json_object();   /* checked when added */
}

/* A value of a field as a string, NULL when empty or absent. */
static const char *
rec_value(json_t *vals, const char *field)
{
	json_t *v = json_object_get(vals, field);
	const char *s;

	if (v == NULL || !json_is_string(v))
		return NULL;
	s = json_string_value(v);
	return s[0] != '\0' ? s : NULL;
}

/* The template filled in: {field} with the record's value, {site} with its site. */
static char *
expand_template(const struct xrec *r, json_t *vals)
{
	struct mdg_buf b;
	const char *p, *q;

	mdg_buf_init(&b, 0);
	if (r->dom->odoo_xmlid == NULL) {   /* the loader requires one; be safe */
		(void)mdg_buf_printf(&b, "%s_%s", r->dom->name, r->key);
		return b.data;
	}
	for (p = r->dom->odoo_xmlid; *p; p++) {
		if (*p == '{' && (q = strchr(p, '}')) != NULL) {
			char *name = xstrndup(p + 1, (size_t)(q - p - 1));
			const char *v = strcmp(name, "site") == 0 ? r->site : rec_value(vals, name);
			if (v != NULL)
				(void)mdg_buf_append(&b, v, strlen(v));
			free(name);
			p = q;
		} else {
			(void)mdg_buf_putc(&b, *p);
		}
	}
	if (b.data == NULL)
		(void)mdg_buf_append(&b, "", 0);
	return b.data;
}

/* Who holds an ID, for messages. */
static char *
rec_name(const struct xrec *r)
{
	return xasprintf("%s '%s'%s%s", r->dom->name, r->key, r->site ? " of site " : "",
			 r->site ? r->site : "");
}

static int
assign_ids(struct mdg_export *x, struct mdg_diags *d)
{
	struct mdg_strset cands, ids;
	char **cand = xcalloc(x->n ? x->n : 1, sizeof(*cand));
	bool *shared = xcalloc(x->n ? x->n : 1, sizeof(*shared));
	size_t i, j;
	long other;
	int rc = MDG_OK;

	mdg_strset_init(&cands);
	mdg_strset_init(&ids);
	/* Every ID Odoo already has in the definitions is taken. */
	for (i = 0; i < x->e->domains.n; i++)
		for (j = 0; j < x->e->domains.v[i]->nexisting; j++)
			mdg_export_reserve(x, x->e->domains.v[i]->existing[j].to);
	for (i = 0; i < x->n; i++)
		if (x->v[i].prior != NULL && !x->v[i].skip)
			(void)mdg_strset_add(&ids, x->v[i].prior, strlen(x->v[i].prior), (long)i,
					     NULL);
	/* Candidates of the records without an ID; a candidate two of them
	 * share, or one taken by an earlier record or by Odoo, gives each of
	 * those records a suffix from its identity (domain and key), so that
	 * the outcome does not depend on the order of the records. */
	for (i = 0; i < x->n; i++) {
		char *raw, *name;
		json_t *vals;
		/* Records only referred to need an earlier ID (or dangle): no candidate. */
		if (x->v[i].prior != NULL || x->v[i].skip || !x->v[i].write)
			continue;
		vals = rec_vals(&x->v[i]);
		raw = expand_template(&x->v[i], vals);
		json_decref(vals);
		name = mdg_xmlid_sanitize(raw);
		cand[i] = xasprintf("%s.%s", x->module, name);
		free(name);
		free(raw);
		if (!mdg_strset_add(&cands, cand[i], strlen(cand[i]), (long)i, &other))
			shared[i] = shared[other] = true;
	}
	for (i = 0; i < x->n; i++) {
		struct xrec *r = &x->v[i];
		if (r->skip)
			continue;
		if (r->prior != NULL) {
			r->id = xstrdup(r->prior);
			continue;
		}
		if (cand[i] == NULL)
			continue;
		if (shared[i] || mdg_strset_get(&x->reserved, cand[i], strlen(cand[i]), NULL) ||
		    mdg_strset_get(&ids, cand[i], strlen(cand[i]), NULL)) {
			char h[9], *ident, *base;
			size_t blen, mlen = strlen(x->module) + 1;
			ident = xasprintf("%s%c%s", r->dom->name, '\x1f', r->key);
			mdg_xmlid_hash8(ident, strlen(ident), h);
			free(ident);
			base = xstrdup(cand[i] + mlen);
			blen = strlen(base);
			if (blen > MDG_XMLID_NAME_MAX - 9)
				blen = MDG_XMLID_NAME_MAX - 9;
			while (blen > 0 && base[blen - 1] == '_')
				blen--;
			base[blen] = '\0';
			r->id = xasprintf("%s.%s_%s", x->module, base, h);
			free(base);
		} else {
			r->id = xstrdup(cand[i]);
		}
	}
	/* Unique in the end, or an error naming both records. */
	mdg_strset_free(&ids);
	mdg_strset_init(&ids);
	for (i = 0; i < x->n; i++) {
		struct xrec *r = &x->v[i];
		if (r->id == NULL)
			continue;
		if (!mdg_strset_add(&ids, r->id, strlen(r->id), (long)i, &other) ||
		    (r->prior == NULL &&
		     mdg_strset_get(&x->reserved, r->id, strlen(r->id), NULL))) {
			char *a = rec_name(r);
			char *b = mdg_strset_get(&ids, r->id, strlen(r->id), &other) &&
					  other != (long)i ?
				      rec_name(&x->v[other]) :
				      xstrdup("a record exported before or one Odoo has");
			xerr(d, MDG_SEV_ERROR, "export.id_collision", r->origin, r->line, r->key,
			     NULL, "%s and %s would both get the external ID %s", a, b, r->id);
			free(a);
			free(b);
			rc = MDG_ELIMIT;
		}
	}
	mdg_strset_free(&ids);
	mdg_strset_free(&cands);
	for (i = 0; i < x->n; i++)
		free(cand[i]);
	free(cand);
	free(shared);
	return rc;
}

/* --------------------------------------------------------- columns */

static const struct odoo_conv *
find_conv(const char *model, const char *field)
{
	size_t i;

	for (i = 0; i < NELEM(convs); i++)
		if (strcmp(convs[i].model, model) == 0 && strcmp(convs[i].field, field) == 0)
			return &convs[i];
	return NULL;
}

static const struct odoo_default *
find_default(const char *model, const char *field)
{
	size_t i;

	for (i = 0; i < NELEM(defaults); i++)
		if ((defaults[i].model == NULL || strcmp(defaults[i].model, model) == 0) &&
		    strcmp(defaults[i].field, field) == 0)
			return &defaults[i];
	return NULL;
}

/* Whether every value of an enumeration's map is an external ID (module.name). */
static bool
map_is_xmlids(const struct mdg_field *f)
{
	size_t i;

	if (f->nodoo_map == 0)
		return false;
	for (i = 0; i < f->nodoo_map; i++)
		if (strchr(f->odoo_map[i].to, '.') == NULL)
			return false;
	return true;
}

static void
add_col(struct unit *u, const char *odoo, const struct mdg_field *f, enum col_kind kind)
{
	struct col *c;

	u->cols = xreallocarray(u->cols, u->ncols + 1, sizeof(*u->cols));
	c = &u->cols[u->ncols++];
	memset(c, 0, sizeof(*c));
	c->odoo = xstrdup(odoo);
	c->header = kind == COL_REF ? xasprintf("%s/id", odoo) : xstrdup(odoo);
	c->f = f;
	c->kind = kind;
}

static void
unit_columns(struct unit *u)
{
	const struct mdg_domain *dom = u->dom;
	const char *model = dom->odoo_model;
	size_t i, j;

	for (i = 0; i < dom->nfields; i++) {
		const struct mdg_field *f = &dom->fields[i];
		const struct odoo_conv *cv;
		enum col_kind kind = COL_TEXT;
		if (f->odoo_field == NULL)
			continue;
		cv = find_conv(model, f->odoo_field);
		switch (f->type) {
		case MDG_FT_INTEGER:
		case MDG_FT_DECIMAL:
			kind = COL_NUMBER;
			break;
		case MDG_FT_BOOLEAN:
			kind = COL_BOOL;
			break;
		case MDG_FT_REF:
			kind = COL_REF;
			break;
		case MDG_FT_ENUM:
			kind = map_is_xmlids(f) ? COL_REF : COL_TEXT;
			break;
		case MDG_FT_STRING:
		case MDG_FT_DATE:
			break;
		}
		if (cv != NULL)
			kind = cv->kind == CONV_NAME ? COL_NAME : COL_REF;
		add_col(u, f->odoo_field, f, kind);
		u->cols[u->ncols - 1].conv = cv;
		u->cols[u->ncols - 1].dflt = find_default(model, f->odoo_field);
		if (f->type == MDG_FT_REF && f->ref_domain != NULL)
			for (j = 0; j < NELEM(parents); j++)
				if (f->ref_domain->odoo_model != NULL &&
				    strcmp(parents[j].target_model, f->ref_domain->odoo_model) == 0 &&
				    strcmp(parents[j].field, f->odoo_field) == 0)
					u->cols[u->ncols - 1].suffix = parents[j].suffix;
	}
	for (j = 0; j < NELEM(consts); j++)
		if (strcmp(consts[j].model, model) == 0 &&
		    (consts[j].domain == NULL || strcmp(consts[j].domain, dom->name) == 0)) {
			add_col(u, consts[j].field, NULL, COL_NUMBER);
			u->cols[u->ncols - 1].constval = consts[j].value;
		}
}

/* A decimal as Odoo (and Python) read it: '.', no '+', digits on both sides. */
static char *
norm_decimal(const char *s)
{
	const char *p = s;
	struct mdg_buf b;
	double dv;

	if (!mdg_parse_decimal(s, strlen(s), '.', &dv))
		return xstrdup(s);
	mdg_buf_init(&b, 0);
	if (*p == '+')
		p++;
	if (*p == '-') {
		(void)mdg_buf_putc(&b, '-');
		p++;
	}
	if (*p == '.')
		(void)mdg_buf_putc(&b, '0');
	(void)mdg_buf_append(&b, p, strlen(p));
	if (b.len > 0 && b.data[b.len - 1] == '.')
		(void)mdg_buf_putc(&b, '0');
	return b.data;
}

/*
 * The cell of a column: NULL for empty; a dangling relation is an error.
 * With first (the resolving pass), the records of the same unit it refers
 * to are noted for the ordering.
 */
static char *
cell_value(struct mdg_export *x, struct xrec *r, json_t *vals, const struct col *c,
	   struct mdg_diags *d, bool *bad, bool first)
{
	const struct mdg_field *f = c->f;
	const char *v;
	size_t i;

	if (f == NULL)
		return xstrdup(c->constval);
	if ((v = rec_value(vals, f->name)) == NULL)
		return NULL;
	if (c->conv != NULL) {
		char *s;
		switch (c->conv->kind) {
		case CONV_COUNTRY:
			if (mdg_strcasecmp_ascii(v, "GB") == 0)
				return xstrdup("base.uk");
			s = xasprintf("base.%s", v);
			for (i = 5; s[i]; i++)
				if (s[i] >= 'A' && s[i] <= 'Z')
					s[i] = (char)(s[i] - 'A' + 'a');
			return s;
		case CONV_CURRENCY:
			s = xasprintf("base.%s", v);
			for (i = 5; s[i]; i++)
				if (s[i] >= 'a' && s[i] <= 'z')
					s[i] = (char)(s[i] - 'a' + 'A');
			return s;
		case CONV_NAME:
			return xstrdup(v);
		}
	}
	switch (f->type) {
	case MDG_FT_INTEGER: {
		int64_t iv;
		if (mdg_parse_int(v, strlen(v), &iv))
			return xasprintf("%" PRId64, iv);
		return xstrdup(v);
	}
	case MDG_FT_DECIMAL:
		return norm_decimal(v);
	case MDG_FT_BOOLEAN: {
		bool bv;
		if (mdg_parse_bool(v, strlen(v), &bv))
			return xstrdup(bv ? "True" : "False");
		return xstrdup(v);
	}
	case MDG_FT_ENUM:
		for (i = 0; i < f->nodoo_map; i++)
			if (strcmp(f->odoo_map[i].from, v) == 0)
				return xstrdup(f->odoo_map[i].to);
		return xstrdup(v);
	case MDG_FT_STRING:
	case MDG_FT_DATE:
		return xstrdup(v);
	case MDG_FT_REF:
		break;
	}
	/* A relation: a record of this export, one exported before, or Odoo's. */
	{
		const struct mdg_domain *td = f->ref_domain;
		size_t tpos = td ? domain_pos(x, td) : (size_t)-1;
		long ti, ei;
		const char *id = NULL;
		const char *why = NULL;

		if (tpos != (size_t)-1 && mdg_strset_get(&x->index[tpos], v, strlen(v), &ti)) {
			struct xrec *t = &x->v[ti];
			if (t->skip) {
				ei = mdg_domain_existing_index(td, v, strlen(v));
				id = ei >= 0 ? td->existing[ei].to : NULL;
			} else if (t->write) {
				id = t->id;
				if (first && t->dom == r->dom && t != r) {
					r->deps = xreallocarray(r->deps, r->ndeps + 1, sizeof(*r->deps));
					r->deps[r->ndeps++] = (size_t)ti;
				}
			} else if (t->prior != NULL) {
				id = t->prior;
			} else {
				why = "which is approved but was never exported (export it in the "
				      "same run: leave out --since, --domain or --site)";
			}
		} else if (td != NULL && (ei = mdg_domain_existing_index(td, v, strlen(v))) >= 0) {
			id = td->existing[ei].to;
		} else {
			why = "which is neither in this export, nor exported before, nor one "
			      "Odoo has (the domain's existing)";
		}
		if (id == NULL) {
			xerr(d, MDG_SEV_ERROR, "export.dangling", r->origin, r->line, r->key,
			     f->name, "%s '%s', field %s: refers to %s '%s', %s", r->dom->name,
			     r->key, f->name, td ? td->name : f->ref, v,
			     why ? why : "whose external ID is unknown");
			*bad = true;
			return NULL;
		}
		return c->suffix ? xasprintf("%s%s", id, c->suffix) : xstrdup(id);
	}
}

/* The cells of a row, computed from its values; free them with cells_free. */
static char **
row_cells(struct mdg_export *x, struct xrec *r, const struct unit *u, struct mdg_diags *d,
	  bool *bad, bool first)
{
	json_t *vals = rec_vals(r);
	char **cells = xcalloc(u->ncols ? u->ncols : 1, sizeof(*cells));
	size_t k;

	for (k = 0; k < u->ncols; k++)
		cells[k] = cell_value(x, r, vals, &u->cols[k], d, bad, first);
	json_decref(vals);
	return cells;
}

static void
cells_free(char **cells, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		free(cells[k]);
	free(cells);
}

/* Note the module of an external ID another module defines (uom.product_uom_unit). */
static void
note_module(struct mdg_export *x, const char *id)
{
	const char *dot = strchr(id, '.');
	size_t len;

	if (dot == NULL)
		return;
	len = (size_t)(dot - id);
	if (len == strlen(x->module) && strncmp(id, x->module, len) == 0)
		return;
	if (mdg_strset_add(&x->modset, id, len, 0, NULL)) {
		x->mods = xreallocarray(x->mods, x->nmods + 1, sizeof(*x->mods));
		x->mods[x->nmods++] = xstrndup(id, len);
	}
}

/* --------------------------------------------------------- ordering */

static const struct mdg_export *sort_x;

static int
row_cmp(const void *a, const void *b)
{
	const struct xrec *ra = &sort_x->v[*(const size_t *)a];
	const struct xrec *rb = &sort_x->v[*(const size_t *)b];

	return strcmp(ra->key, rb->key);
}

/* Depth first: a record after the records of its unit it refers to. */
static bool
order_visit(struct mdg_export *x, size_t i, size_t *out, size_t *n, struct mdg_diags *d)
{
	struct xrec *r = &x->v[i];
	size_t j;

	if (r->mark == 2)
		return true;
	if (r->mark == 1) {
		xerr(d, MDG_SEV_ERROR, "export.cycle", r->origin, r->line, r->key, NULL,
		     "%s '%s' is its own ancestor: a cycle of references that Odoo cannot load",
		     r->dom->name, r->key);
		return false;
	}
	r->mark = 1;
	for (j = 0; j < r->ndeps; j++)
		if (!order_visit(x, r->deps[j], out, n, d)) {
			r->mark = 2;
			return false;
		}
	r->mark = 2;
	out[(*n)++] = i;
	return true;
}

static int
dom_order_cmp(const void *a, const void *b)
{
	const struct mdg_domain *da = *(const struct mdg_domain *const *)a;
	const struct mdg_domain *db = *(const struct mdg_domain *const *)b;

	if (da->order != db->order)
		return da->order < db->order ? -1 : 1;
	return strcmp(da->name, db->name);
}

int
mdg_export_resolve(struct mdg_export *x, struct mdg_diags *d)
{
	const struct mdg_domain **doms;
	size_t i, j, k, nd = x->e->domains.n;
	int rc, idrc;
	bool bad = false;

	if (x->resolved)
		return x->failed ? MDG_ERR : MDG_OK;
	x->resolved = true;
	x->failed = true;   /* until the end is reached */
	/* A record Odoo already has is not written again. */
	for (i = 0; i < x->n; i++) {
		struct xrec *r = &x->v[i];
		long ei = mdg_domain_existing_index(r->dom, r->key, strlen(r->key));
		if (ei >= 0) {
			r->skip = true;
			if (r->write)
				xerr(d, MDG_SEV_WARNING, "export.existing", r->origin, r->line,
				     r->key, NULL, "%s '%s' is one Odoo already has (%s): not "
				     "exported", r->dom->name, r->key, r->dom->existing[ei].to);
		}
	}
	idrc = assign_ids(x, d);

	/* One unit (file) per domain with records to write, in dependency order. */
	doms = xcalloc(nd ? nd : 1, sizeof(*doms));
	for (i = 0; i < nd; i++)
		doms[i] = x->e->domains.v[i];
	mdg_qsort(doms, nd, sizeof(*doms), dom_order_cmp);
	x->units = xcalloc(nd ? nd : 1, sizeof(*x->units));
	for (i = 0; i < nd; i++) {
		struct unit *u = &x->units[x->nunits];
		size_t shared = 0;
		for (j = 0; j < x->n; j++)
			if (x->v[j].dom == doms[i] && x->v[j].write && !x->v[j].skip)
				u->nrows++;
		if (u->nrows == 0 || doms[i]->odoo_model == NULL) {
			u->nrows = 0;
			continue;
		}
		u->dom = doms[i];
		u->rows = xcalloc(u->nrows, sizeof(*u->rows));
		for (j = 0, k = 0; j < x->n; j++)
			if (x->v[j].dom == doms[i] && x->v[j].write && !x->v[j].skip) {
				x->v[j].unit = x->nunits;
				u->rows[k++] = j;
			}
		unit_columns(u);
		/* Several domains of one model: one file each, named after both. */
		for (j = 0; j < nd; j++)
			if (doms[j]->odoo_model != NULL &&
			    strcmp(doms[j]->odoo_model, doms[i]->odoo_model) == 0)
				shared++;
		{
			const char *ext = x->fmt == MDG_EXPORT_CSV ? "csv" : "xml";
			const char *sub = x->odoo_module != NULL ? "/data/" : "";
			if (shared > 1)
				u->file = xasprintf("%s%s%s-%s.%s",
						    x->odoo_module ? x->odoo_module : "", sub,
						    doms[i]->odoo_model, doms[i]->name, ext);
			else
				u->file = xasprintf("%s%s%s.%s",
						    x->odoo_module ? x->odoo_module : "", sub,
						    doms[i]->odoo_model, ext);
		}
		x->nunits++;
	}
	free(doms);

	/* Every cell, with every relation resolved (and forgotten again: the
	 * writers compute them anew, so that memory does not grow with them). */
	for (i = 0; i < x->nunits; i++) {
		struct unit *u = &x->units[i];
		for (j = 0; j < u->nrows; j++) {
			char **cells = row_cells(x, &x->v[u->rows[j]], u, d, &bad, true);
			for (k = 0; k < u->ncols; k++) {
				if (cells[k] == NULL)
					continue;
				u->cols[k].used = true;
				if (u->cols[k].kind == COL_REF)
					note_module(x, cells[k]);
			}
			cells_free(cells, u->ncols);
		}
	}
	if (bad || idrc != MDG_OK)
		return idrc != MDG_OK ? idrc : MDG_ERR;

	/* Rows: by key, then parents before children. */
	rc = MDG_OK;
	for (i = 0; i < x->nunits; i++) {
		struct unit *u = &x->units[i];
		size_t *ord = xcalloc(u->nrows, sizeof(*ord)), n = 0;
		sort_x = x;
		mdg_qsort(u->rows, u->nrows, sizeof(*u->rows), row_cmp);
		sort_x = NULL;
		for (j = 0; j < u->nrows; j++)
			if (!order_visit(x, u->rows[j], ord, &n, d))
				rc = MDG_ERR;
		if (rc == MDG_OK)
			memcpy(u->rows, ord, u->nrows * sizeof(*ord));
		free(ord);
	}
	for (i = 0; i < x->nunits; i++)
		x->nwritten += x->units[i].nrows;
	x->failed = rc != MDG_OK;
	return rc;
}

/* ----------------------------------------------------------- writers */

/* The CSV cell as written: the default of an empty cell in a present column. */
static const char *
cell_out(const struct unit *u, char **cells, size_t k)
{
	const struct col *c = &u->cols[k];
	size_t j;

	if (cells[k] != NULL || c->dflt == NULL)
		return cells[k];
	if (c->dflt->field_from != NULL) {
		for (j = 0; j < u->ncols; j++)
			if (strcmp(u->cols[j].odoo, c->dflt->field_from) == 0)
				return cells[j];
		return NULL;
	}
	return c->dflt->value;
}

static void
csv_field(FILE *f, const char *s)
{
	const char *p;

	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static int
write_csv(struct mdg_export *x, const struct unit *u, const char *path, struct mdg_diags *scratch)
{
	FILE *f = fopen(path, "wb");
	size_t i, k;

	if (f == NULL)
		return MDG_EIO;
	fputs("id", f);
	for (k = 0; k < u->ncols; k++)
		if (u->cols[k].used) {
			fputc(',', f);
			csv_field(f, u->cols[k].header);
		}
	fputs("\r\n", f);
	for (i = 0; i < u->nrows; i++) {
		struct xrec *r = &x->v[u->rows[i]];
		bool bad = false;
		char **cells = row_cells(x, r, u, scratch, &bad, false);
		csv_field(f, r->id);
		for (k = 0; k < u->ncols; k++)
			if (u->cols[k].used) {
				fputc(',', f);
				csv_field(f, cell_out(u, cells, k));
			}
		fputs("\r\n", f);
		cells_free(cells, u->ncols);
	}
	if (ferror(f)) {
		fclose(f);
		return MDG_EIO;
	}
	return fclose(f) == 0 ? MDG_OK : MDG_EIO;
}

/* Text fit for XML 1.0: control characters other than tab and line ends become U+FFFD. */
static char *
xml_text(const char *s)
{
	struct mdg_buf b;
	const char *p;

	mdg_buf_init(&b, 0);
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			(void)mdg_buf_append(&b, "\xef\xbf\xbd", 3);
		else
			(void)mdg_buf_putc(&b, (char)c);
	}
	if (b.data == NULL)
		(void)mdg_buf_append(&b, "", 0);
	return b.data;
}

/* A Python string literal for a search domain. */
static void
py_str(struct mdg_buf *b, const char *s)
{
	const char *p;

	(void)mdg_buf_putc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '\\' || *p == '\'')
			(void)mdg_buf_putc(b, '\\');
		if (*p == '\n')
			(void)mdg_buf_append(b, "\\n", 2);
		else if (*p == '\r')
			(void)mdg_buf_append(b, "\\r", 2);
		else
			(void)mdg_buf_putc(b, *p);
	}
	(void)mdg_buf_putc(b, '\'');
}

/* [('a', '=', v)] or ['|', ('a', '=', v), ('b', '=', v)] for "a|b". */
static char *
search_domain(const char *fields, const char *v)
{
	struct mdg_buf b;
	const char *p = fields, *bar;
	size_t n = 1;

	for (bar = fields; (bar = strchr(bar, '|')) != NULL; bar++)
		n++;
	mdg_buf_init(&b, 0);
	(void)mdg_buf_putc(&b, '[');
	while (--n > 0)
		(void)mdg_buf_printf(&b, "'|', ");
	for (;;) {
		bar = strchr(p, '|');
		(void)mdg_buf_printf(&b, "('%.*s', '=', ", bar ? (int)(bar - p) : (int)strlen(p),
				     p);
		py_str(&b, v);
		(void)mdg_buf_putc(&b, ')');
		if (bar == NULL)
			break;
		(void)mdg_buf_printf(&b, ", ");
		p = bar + 1;
	}
	(void)mdg_buf_putc(&b, ']');
	return b.data;
}

static int
write_xml(struct mdg_export *x, const struct unit *u, const char *path, struct mdg_diags *scratch)
{
	xmlTextWriterPtr w = xmlNewTextWriterFilename(path, 0);
	size_t i, k;
	int ok = 0;

	if (w == NULL)
		return MDG_EIO;
	ok |= xmlTextWriterSetIndent(w, 1) < 0;
	ok |= xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0;
	ok |= xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
	ok |= xmlTextWriterStartElement(w, BAD_CAST "odoo") < 0;
	for (i = 0; i < u->nrows && !ok; i++) {
		struct xrec *r = &x->v[u->rows[i]];
		bool bad = false;
		char **cells = row_cells(x, r, u, scratch, &bad, false);
		ok |= xmlTextWriterStartElement(w, BAD_CAST "record") < 0;
		ok |= xmlTextWriterWriteAttribute(w, BAD_CAST "model",
						  BAD_CAST u->dom->odoo_model) < 0;
		ok |= xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST r->id) < 0;
		for (k = 0; k < u->ncols; k++) {
			const struct col *c = &u->cols[k];
			const char *v = cells[k];
			char *t;
			if (v == NULL)
				continue;   /* omitted: Odoo's default */
			t = xml_text(v);
			ok |= xmlTextWriterStartElement(w, BAD_CAST "field") < 0;
			ok |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST c->odoo) < 0;
			switch (c->kind) {
			case COL_TEXT:
				ok |= xmlTextWriterWriteString(w, BAD_CAST t) < 0;
				break;
			case COL_NUMBER:
			case COL_BOOL:
				ok |= xmlTextWriterWriteAttribute(w, BAD_CAST "eval", BAD_CAST t) < 0;
				break;
			case COL_REF:
				ok |= xmlTextWriterWriteAttribute(w, BAD_CAST "ref", BAD_CAST t) < 0;
				break;
			case COL_NAME: {
				char *dom = search_domain(c->conv && c->conv->search ?
							  c->conv->search : "name", t);
				ok |= xmlTextWriterWriteAttribute(w, BAD_CAST "search",
								  BAD_CAST dom) < 0;
				free(dom);
				break;
			}
			}
			ok |= xmlTextWriterEndElement(w) < 0;
			free(t);
		}
		ok |= xmlTextWriterEndElement(w) < 0;
		cells_free(cells, u->ncols);
	}
	ok |= xmlTextWriterEndElement(w) < 0;
	ok |= xmlTextWriterEndDocument(w) < 0;
	xmlFreeTextWriter(w);
	return ok ? MDG_EIO : MDG_OK;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The modules a data module depends on: those of its models and of every ID it refers to. */
static char **
module_depends(struct mdg_export *x, size_t *np)
{
	char **v = NULL;
	size_t n = 0, i, j, m;

	for (i = 0; i < x->nmods; i++) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(x->mods[i]);
	}
	for (i = 0; i < x->nunits; i++) {
		const struct unit *u = &x->units[i];
		for (j = 0; j < NELEM(model_modules); j++)
			if (strncmp(u->dom->odoo_model, model_modules[j].prefix,
				    strlen(model_modules[j].prefix)) == 0) {
				v = xreallocarray(v, n + 1, sizeof(*v));
				v[n++] = xstrdup(model_modules[j].module);
				break;
			}
	}
	mdg_qsort(v, n, sizeof(*v), str_cmp);
	for (i = 0, m = 0; i < n; i++) {
		if (m > 0 && strcmp(v[m - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[m++] = v[i];
	}
	*np = m;
	return v;
}

static void
py_list_item(FILE *f, const char *s)
{
	const char *p;

	fputs("        '", f);
	for (p = s; *p; p++) {
		if (*p == '\\' || *p == '\'')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputs("',\n", f);
}

static int
write_module_files(struct mdg_export *x, const char *dir)
{
	char *path = xasprintf("%s/%s/__init__.py", dir, x->odoo_module), **deps;
	size_t i, ndeps;
	FILE *f;
	int rc = MDG_OK;

	if ((f = fopen(path, "w")) == NULL) {
		free(path);
		return MDG_EIO;
	}
	fputs("# Data module written by mdgate: no Python code.\n", f);
	if (fclose(f) != 0)
		rc = MDG_EIO;
	free(path);
	path = xasprintf("%s/%s/__manifest__.py", dir, x->odoo_module);
	if ((f = fopen(path, "w")) == NULL) {
		free(path);
		return MDG_EIO;
	}
	deps = module_depends(x, &ndeps);
	fprintf(f, "# Written by mdgate: master data approved in the registry, as Odoo data.\n"
		   "{\n"
		   "    'name': '%s',\n"
		   "    'version': '1.0',\n"
		   "    'summary': 'Master data exported by mdgate',\n"
		   "    'category': 'Hidden',\n"
		   "    'license': 'LGPL-3',\n"
		   "    'depends': [\n", x->odoo_module);
	for (i = 0; i < ndeps; i++) {
		py_list_item(f, deps[i]);
		free(deps[i]);
	}
	free(deps);
	fputs("    ],\n    'data': [\n", f);
	for (i = 0; i < x->nunits; i++)
		py_list_item(f, x->units[i].file + strlen(x->odoo_module) + 1);
	fputs("    ],\n    'installable': True,\n    'application': False,\n}\n", f);
	if (ferror(f))
		rc = MDG_EIO;
	if (fclose(f) != 0)
		rc = MDG_EIO;
	free(path);
	return rc;
}

int
mdg_export_write(struct mdg_export *x, const char *dir, long long export_id, long long since,
		 char manifest_sha[65], struct mdg_diags *d)
{
	json_t *m, *files;
	struct mdg_diags scratch;
	char *path = NULL;
	size_t i;
	int rc;

	if (!x->resolved || x->failed) {
		xerr(d, MDG_SEV_ERROR, "export.unresolved", dir, 0, NULL, NULL,
		     "the export was not resolved without errors: nothing is written");
		return MDG_ERR;
	}
	if (x->odoo_module != NULL) {
		char *sub = xasprintf("%s/%s", dir, x->odoo_module);
		char *data = xasprintf("%s/data", sub);
		if (mkdir(sub, 0777) != 0 || mkdir(data, 0777) != 0) {
			xerr(d, MDG_SEV_ERROR, "export.io", data, 0, NULL, NULL,
			     "cannot create the folder: %s", strerror(errno));
			free(sub);
			free(data);
			return MDG_EIO;
		}
		free(sub);
		free(data);
	}
	m = json_object();
	files = json_array();
	for (i = 0; i < x->nunits; i++) {
		struct unit *u = &x->units[i];
		json_t *o;
		path = xasprintf("%s/%s", dir, u->file);
		mdg_diags_init(&scratch);   /* resolved already: no error can come */
		rc = x->fmt == MDG_EXPORT_CSV ? write_csv(x, u, path, &scratch) :
						write_xml(x, u, path, &scratch);
		mdg_diags_free(&scratch);
		if (rc != MDG_OK || mdg_sha256_file(path, u->sha) != MDG_OK) {
			xerr(d, MDG_SEV_ERROR, "export.io", path, 0, NULL, NULL,
			     "cannot write the file: %s", errno ? strerror(errno) : "I/O error");
			free(path);
			json_decref(m);
			json_decref(files);
			return MDG_EIO;
		}
		free(path);
		o = json_object();
		json_object_set_new(o, "file", json_string(u->file));
		json_object_set_new(o, "model", json_string(u->dom->odoo_model));
		json_object_set_new(o, "domain", json_string(u->dom->name));
		json_object_set_new(o, "records", json_integer((json_int_t)u->nrows));
		json_object_set_new(o, "sha256", json_string(u->sha));
		json_array_append_new(files, o);
	}
	if (x->odoo_module != NULL && write_module_files(x, dir) != MDG_OK) {
		xerr(d, MDG_SEV_ERROR, "export.io", dir, 0, NULL, NULL,
		     "cannot write the module's __manifest__.py: %s", strerror(errno));
		json_decref(m);
		json_decref(files);
		return MDG_EIO;
	}
	json_object_set_new(m, "format", json_string(mdg_export_format_name(x->fmt)));
	json_object_set_new(m, "module", json_string(x->module));
	if (x->odoo_module != NULL)
		json_object_set_new(m, "odoo_module", json_string(x->odoo_module));
	json_object_set_new(m, "export", export_id > 0 ? json_integer(export_id) : json_null());
	json_object_set_new(m, "since", since > 0 ? json_integer(since) : json_null());
	json_object_set_new(m, "records", json_integer((json_int_t)x->nwritten));
	json_object_set_new(m, "files", files);
	path = xasprintf("%s/manifest.json", dir);
	rc = json_dump_file(m, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(m);
	if (rc != 0 || mdg_sha256_file(path, manifest_sha) != MDG_OK) {
		xerr(d, MDG_SEV_ERROR, "export.io", path, 0, NULL, NULL,
		     "cannot write the manifest: %s", errno ? strerror(errno) : "I/O error");
		free(path);
		return MDG_EIO;
	}
	free(path);
	return MDG_OK;
}

/* ------------------------------------------------- folders, atomically */

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tree(const char *dir)
{
	(void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* out without trailing slashes (the caller frees it). */
static char *
out_norm(const char *out)
{
	char *s = xstrdup(out);
	size_t n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

/*
 * Whether out may be written: it does not exist, or is an empty folder
 * (removed now, so that the export can be renamed into place; *was_empty
 * says to make it again should the export fail).
 */
static int
out_check(const char *out, bool *was_empty, struct mdg_diags *d)
{
	struct stat sb;
	char *probe;

	*was_empty = false;
	if (stat(out, &sb) != 0)
		return MDG_OK;
	if (!S_ISDIR(sb.st_mode)) {
		xerr(d, MDG_SEV_ERROR, "export.io", out, 0, NULL, NULL,
		     "exists and is not a folder; give a new folder");
		return MDG_EIO;
	}
	probe = xasprintf("%s/manifest.json", out);
	if (rmdir(out) != 0 && errno != ENOENT) {
		xerr(d, MDG_SEV_ERROR, "export.io", out, 0, NULL, NULL,
		     "the folder is not empty (%s); give a new or empty folder",
		     access(probe, F_OK) == 0 ? "an earlier export" : "it holds files");
		free(probe);
		return MDG_EIO;
	}
	free(probe);
	*was_empty = true;
	return MDG_OK;
}

/* A temporary folder beside out. */
static char *
tmp_beside(const char *out, struct mdg_diags *d)
{
	char *dir = mdg_path_dir(out), *tmp;

	tmp = xasprintf("%s/.%s.tmp-XXXXXX", dir, mdg_path_base(out));
	free(dir);
	if (mkdtemp(tmp) == NULL) {
		xerr(d, MDG_SEV_ERROR, "export.io", out, 0, NULL, NULL,
		     "cannot create a temporary folder beside it: %s", strerror(errno));
		free(tmp);
		return NULL;
	}
	(void)chmod(tmp, 0755);
	return tmp;
}

static int
publish(const char *tmp, const char *out, struct mdg_diags *d)
{
	if (rename(tmp, out) != 0) {
		xerr(d, MDG_SEV_ERROR, "export.io", out, 0, NULL, NULL,
		     "cannot move the export into place: %s", strerror(errno));
		return MDG_EIO;
	}
	return MDG_OK;
}

int
mdg_export_to_dir(struct mdg_export *x, const char *out_arg, struct mdg_diags *d)
{
	char sha[65], *tmp, *out;
	bool was_empty;
	int rc;

	if (!x->resolved || x->failed) {
		xerr(d, MDG_SEV_ERROR, "export.unresolved", out_arg, 0, NULL, NULL,
		     "the export was not resolved without errors: nothing is written");
		return MDG_ERR;
	}
	out = out_norm(out_arg);
	if (out_check(out, &was_empty, d) != MDG_OK) {
		free(out);
		return MDG_EIO;
	}
	if ((tmp = tmp_beside(out, d)) == NULL) {
		if (was_empty)
			(void)mkdir(out, 0777);
		free(out);
		return MDG_EIO;
	}
	rc = mdg_export_write(x, tmp, 0, 0, sha, d);
	if (rc == MDG_OK)
		rc = publish(tmp, out, d);
	if (rc != MDG_OK) {
		rm_tree(tmp);
		if (was_empty)
			(void)mkdir(out, 0777);
	}
	free(tmp);
	free(out);
	return rc;
}

/* --------------------------------------------------- the registry side */

static int
db_fail(struct mdg_registry *reg, struct mdg_diags *d, const char *what)
{
	xerr(d, MDG_SEV_ERROR, "export.registry", mdg_registry_file(reg), 0, NULL, NULL,
	     "%s: %s", what, sqlite3_errmsg(mdg_registry_db(reg)));
	return MDG_ERR;
}

int
mdg_export_load_registry(struct mdg_export *x, struct mdg_registry *reg, const char *domain,
			 const char *site, long long since, struct mdg_diags *d)
{
	sqlite3 *db = mdg_registry_db(reg);
	sqlite3_stmt *st = NULL;
	long long since_max = 0;
	int rc = MDG_OK, s;

	if (since > 0) {
		if (sqlite3_prepare_v2(db, "SELECT golden_max FROM exports WHERE id = ?", -1, &st,
				       NULL) != SQLITE_OK)
			return db_fail(reg, d, "cannot read the exports");
		sqlite3_bind_int64(st, 1, since);
		s = sqlite3_step(st);
		if (s == SQLITE_ROW)
			since_max = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (s != SQLITE_ROW) {
			xerr(d, MDG_SEV_ERROR, "export.since", mdg_registry_file(reg), 0, NULL,
			     NULL, "there is no export %lld (mdgate export --list shows them)",
			     since);
			return MDG_ERR;
		}
	}
	/* The IDs of the prefix that earlier exports gave, also to records since gone. */
	if (sqlite3_prepare_v2(db, "SELECT module || '.' || name FROM export_ids WHERE module = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(reg, d, "cannot read the exported IDs");
	sqlite3_bind_text(st, 1, x->module, -1, SQLITE_TRANSIENT);
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		mdg_export_reserve(x, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return db_fail(reg, d, "cannot read the exported IDs");

	if (sqlite3_prepare_v2(db,
			       "SELECT g.id, g.domain, g.key, g.site, g.vals, e.name,"
			       "  (SELECT og.vals FROM golden og JOIN export_records er"
			       "     ON er.golden = og.id WHERE og.domain = g.domain"
			       "     AND og.key = g.key ORDER BY er.export DESC LIMIT 1)"
			       " FROM golden g LEFT JOIN export_ids e"
			       "   ON e.module = ?1 AND e.domain = g.domain AND e.key = g.key"
			       " WHERE g.is_current ORDER BY g.domain, g.key",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(reg, d, "cannot read the golden records");
	sqlite3_bind_text(st, 1, x->module, -1, SQLITE_TRANSIENT);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		long long gid = sqlite3_column_int64(st, 0);
		const char *dname = (const char *)sqlite3_column_text(st, 1);
		const char *key = (const char *)sqlite3_column_text(st, 2);
		const char *gsite = (const char *)sqlite3_column_text(st, 3);
		const char *vals = (const char *)sqlite3_column_text(st, 4);
		const char *name = (const char *)sqlite3_column_text(st, 5);
		const char *last = (const char *)sqlite3_column_text(st, 6);
		const struct mdg_domain *dom = mdg_domain_find(&x->e->domains, dname);
		char *prior = name ? xasprintf("%s.%s", x->module, name) : NULL;
		char *origin;
		bool write = true;

		if (dom == NULL) {
			xerr(d, MDG_SEV_WARNING, "export.domain", mdg_registry_file(reg), 0, key,
			     NULL, "golden record %s '%s' belongs to no domain of the "
			     "definitions: not exported", dname, key);
			free(prior);
			continue;
		}
		if (domain != NULL && strcmp(domain, dname) != 0)
			write = false;
		if (site != NULL && (gsite == NULL || strcmp(site, gsite) != 0))
			write = false;
		/* --since: approved after export N, and not as last exported. */
		if (since > 0 && (gid <= since_max ||
				  (last != NULL && vals != NULL && strcmp(last, vals) == 0)))
			write = false;
		origin = xasprintf("%s (golden row %lld)", mdg_registry_file(reg), gid);
		if (mdg_export_add(x, dom, key, gsite, vals ? vals : "{}", write, prior, gid,
				   origin, 0, d) != MDG_OK)
			rc = MDG_ERR;
		free(origin);
		free(prior);
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return db_fail(reg, d, "cannot read the golden records");
	return rc;
}

static char *
now_utc(void)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* Record the export's IDs and rows in the open transaction. */
static int
record_rows(struct mdg_export *x, sqlite3 *db, long long eid)
{
	sqlite3_stmt *ids = NULL, *recs = NULL;
	size_t i, mlen = strlen(x->module) + 1;
	int rc = MDG_ERR;

	if (sqlite3_prepare_v2(db,
			       "INSERT INTO export_ids(module, domain, key, name, first_export,"
			       " last_export) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
			       " ON CONFLICT(module, domain, key) DO UPDATE SET last_export = ?5",
			       -1, &ids, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO export_records(export, golden) VALUES (?, ?)", -1,
			       &recs, NULL) != SQLITE_OK)
		goto done;
	for (i = 0; i < x->n; i++) {
		const struct xrec *r = &x->v[i];
		if (!r->write || r->skip || r->id == NULL)
			continue;
		sqlite3_reset(ids);
		sqlite3_bind_text(ids, 1, x->module, -1, SQLITE_STATIC);
		sqlite3_bind_text(ids, 2, r->dom->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ids, 3, r->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(ids, 4, r->id + mlen, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ids, 5, eid);
		if (sqlite3_step(ids) != SQLITE_DONE)
			goto done;
		if (r->golden > 0) {
			sqlite3_reset(recs);
			sqlite3_bind_int64(recs, 1, eid);
			sqlite3_bind_int64(recs, 2, r->golden);
			if (sqlite3_step(recs) != SQLITE_DONE)
				goto done;
		}
	}
	rc = MDG_OK;
done:
	sqlite3_finalize(ids);
	sqlite3_finalize(recs);
	return rc;
}

int
mdg_export_commit(struct mdg_export *x, struct mdg_registry *reg, const struct mdg_identity *id,
		  const char *out_arg, const char *domain, const char *site, long long since,
		  const char *rules_sha, long long *export_id, struct mdg_diags *d)
{
	char *out = out_norm(out_arg);
	bool was_empty = false;
	sqlite3 *db = mdg_registry_db(reg);
	sqlite3_stmt *st = NULL;
	char *tmp = NULL, *at = NULL, *detail = NULL, sha[65];
	long long eid = 0;
	json_t *dj;
	int rc = MDG_ERR;
	bool in_tx = false, published = false;

	*export_id = 0;
	if (out_check(out, &was_empty, d) != MDG_OK) {
		free(out);
		return MDG_EIO;
	}
	if (mdg_registry_begin(reg) != MDG_OK) {
		xerr(d, MDG_SEV_ERROR, "export.registry", mdg_registry_file(reg), 0, NULL, NULL,
		     "%s", mdg_registry_error(reg));
		goto done;
	}
	in_tx = true;
	at = now_utc();
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO exports(at, actor, role, format, module, odoo_module,"
			       " since, domain, site, golden_max, records, files, out,"
			       " manifest_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
			       " (SELECT COALESCE(MAX(id), 0) FROM golden), ?, ?, ?, '')",
			       -1, &st, NULL) != SQLITE_OK) {
		db_fail(reg, d, "cannot record the export");
		goto done;
	}
	sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, mdg_export_format_name(x->fmt), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, x->module, -1, SQLITE_STATIC);
	if (x->odoo_module)
		sqlite3_bind_text(st, 6, x->odoo_module, -1, SQLITE_STATIC);
	if (since > 0)
		sqlite3_bind_int64(st, 7, since);
	if (domain)
		sqlite3_bind_text(st, 8, domain, -1, SQLITE_STATIC);
	if (site)
		sqlite3_bind_text(st, 9, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)x->nwritten);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)x->nunits);
	sqlite3_bind_text(st, 12, out, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(reg, d, "cannot record the export");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	eid = sqlite3_last_insert_rowid(db);
	if (record_rows(x, db, eid) != MDG_OK) {
		db_fail(reg, d, "cannot record the exported records");
		goto done;
	}
	if ((tmp = tmp_beside(out, d)) == NULL)
		goto done;
	if (mdg_export_write(x, tmp, eid, since, sha, d) != MDG_OK)
		goto done;
	if (sqlite3_prepare_v2(db, "UPDATE exports SET manifest_sha256 = ? WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK) {
		db_fail(reg, d, "cannot record the export");
		goto done;
	}
	sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, eid);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(reg, d, "cannot record the export");
		goto done;
	}
	dj = json_object();
	json_object_set_new(dj, "export", json_integer(eid));
	json_object_set_new(dj, "format", json_string(mdg_export_format_name(x->fmt)));
	json_object_set_new(dj, "module", json_string(x->module));
	json_object_set_new(dj, "records", json_integer((json_int_t)x->nwritten));
	json_object_set_new(dj, "files", json_integer((json_int_t)x->nunits));
	json_object_set_new(dj, "since", since > 0 ? json_integer(since) : json_null());
	json_object_set_new(dj, "domain", domain ? json_string(domain) : json_null());
	json_object_set_new(dj, "site", site ? json_string(site) : json_null());
	json_object_set_new(dj, "out", json_string(out));
	json_object_set_new(dj, "manifest_sha256", json_string(sha));
	detail = json_dumps(dj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(dj);
	if (mdg_registry_event(reg, id, "exported", site, 0, detail, sha, rules_sha) != MDG_OK) {
		xerr(d, MDG_SEV_ERROR, "export.registry", mdg_registry_file(reg), 0, NULL, NULL,
		     "%s", mdg_registry_error(reg));
		goto done;
	}
	if (publish(tmp, out, d) != MDG_OK)
		goto done;
	published = true;
	if (mdg_registry_commit(reg) != MDG_OK) {
		in_tx = false;
		xerr(d, MDG_SEV_ERROR, "export.registry", mdg_registry_file(reg), 0, NULL, NULL,
		     "%s; the export was not recorded and its folder is removed",
		     mdg_registry_error(reg));
		rm_tree(out);
		goto done;
	}
	in_tx = false;
	*export_id = eid;
	rc = MDG_OK;
done:
	sqlite3_finalize(st);
	if (in_tx)
		mdg_registry_rollback(reg);
	if (tmp != NULL && !published)
		rm_tree(tmp);
	if (rc != MDG_OK && was_empty)
		(void)mkdir(out, 0777);
	free(tmp);
	free(at);
	free(detail);
	free(out);
	return rc;
}

int
mdg_export_list(struct mdg_registry *reg, FILE *out, bool json, struct mdg_diags *d)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json ? json_array() : NULL;
	int s;

	if (sqlite3_prepare_v2(mdg_registry_db(reg),
			       "SELECT id, at, actor, role, format, module, since, domain, site,"
			       " records, files, out, manifest_sha256 FROM exports ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK) {
		json_decref(arr);
		return db_fail(reg, d, "cannot read the exports");
	}
	if (!json)
		fprintf(out, "%-6s %-20s %-10s %-8s %8s %5s  %-6s %s\n", "export", "at", "by",
			"format", "records", "files", "since", "folder");
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
#define COL(i) ((const char *)sqlite3_column_text(st, (i)))
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "export", json_integer(sqlite3_column_int64(st, 0)));
			json_object_set_new(o, "at", json_string(COL(1)));
			json_object_set_new(o, "actor", json_string(COL(2)));
			json_object_set_new(o, "role", json_string(COL(3)));
			json_object_set_new(o, "format", json_string(COL(4)));
			json_object_set_new(o, "module", json_string(COL(5)));
			json_object_set_new(o, "since", sqlite3_column_type(st, 6) == SQLITE_NULL ?
						json_null() :
						json_integer(sqlite3_column_int64(st, 6)));
			json_object_set_new(o, "domain", COL(7) ? json_string(COL(7)) : json_null());
			json_object_set_new(o, "site", COL(8) ? json_string(COL(8)) : json_null());
			json_object_set_new(o, "records", json_integer(sqlite3_column_int64(st, 9)));
			json_object_set_new(o, "files", json_integer(sqlite3_column_int64(st, 10)));
			json_object_set_new(o, "out", json_string(COL(11)));
			json_object_set_new(o, "manifest_sha256", json_string(COL(12)));
			json_array_append_new(arr, o);
		} else {
			char since[24] = "-";
			if (sqlite3_column_type(st, 6) != SQLITE_NULL)
				snprintf(since, sizeof(since), "%lld",
					 (long long)sqlite3_column_int64(st, 6));
			fprintf(out, "%-6lld %-20s %-10s %-8s %8lld %5lld  %-6s %s%s%s%s%s\n",
				(long long)sqlite3_column_int64(st, 0), COL(1), COL(2), COL(4),
				(long long)sqlite3_column_int64(st, 9),
				(long long)sqlite3_column_int64(st, 10), since, COL(11),
				COL(7) ? " domain " : "", COL(7) ? COL(7) : "",
				COL(8) ? " site " : "", COL(8) ? COL(8) : "");
		}
#undef COL
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE) {
		json_decref(arr);
		return db_fail(reg, d, "cannot read the exports");
	}
	if (json) {
		json_t *o = json_object();
		json_object_set_new(o, "exports", arr);
		json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
		json_decref(o);
	}
	return MDG_OK;
}

/* ------------------------------------------ the accepted records of a check */

struct mdg_export_collect {
	struct mdg_reg_records r;
};

struct mdg_export_collect *
mdg_export_collect_new(void)
{
	return xcalloc(1, sizeof(struct mdg_export_collect));
}

void
mdg_export_collect_free(struct mdg_export_collect *c)
{
	if (c == NULL)
		return;
	mdg_reg_records_free(&c->r);
	free(c);
}

void
mdg_export_collect_record(void *arg, size_t file_index, long record, long line, const char *key,
			  const char *values_json)
{
	struct mdg_export_collect *c = arg;

	mdg_reg_records_collect(&c->r, file_index, record, line, key, values_json);
}

static int
crec_cmp(const void *a, const void *b)
{
	const struct mdg_reg_record *ra = a, *rb = b;

	if (ra->file_index != rb->file_index)
		return ra->file_index < rb->file_index ? -1 : 1;
	return ra->record < rb->record ? -1 : ra->record > rb->record;
}

static int
diag_pos_cmp(const void *a, const void *b)
{
	const long *pa = a, *pb = b;

	if (pa[0] != pb[0])
		return pa[0] < pb[0] ? -1 : 1;
	return pa[1] < pb[1] ? -1 : pa[1] > pb[1];
}

int
mdg_export_add_accepted(struct mdg_export *x, struct mdg_export_collect *c,
			const struct mdg_report *rep, struct mdg_diags *d)
{
	long *bad;   /* (file, record) pairs with a warning or an error; record 0: the file */
	size_t nbad = 0, i, *nacc;
	int rc = MDG_OK;

	if (rep->findings.dropped > 0) {
		xerr(d, MDG_SEV_ERROR, "export.findings", NULL, 0, NULL, NULL,
		     "the report kept only %zu of its findings, so the accepted records cannot "
		     "be told; give --max-findings 0 to export", rep->findings.n);
		return MDG_ERR;
	}
	bad = xcalloc(2 * (rep->findings.n + 1), sizeof(*bad));
	for (i = 0; i < rep->findings.n; i++) {
		const struct mdg_diag *g = &rep->findings.v[i];
		if (g->severity == MDG_SEV_INFO || (g->record == 0 && g->severity != MDG_SEV_ERROR))
			continue;
		bad[2 * nbad] = (long)g->file_index;
		bad[2 * nbad + 1] = g->record;
		nbad++;
	}
	mdg_qsort(bad, nbad, 2 * sizeof(*bad), diag_pos_cmp);
	mdg_qsort(c->r.v, c->r.n, sizeof(*c->r.v), crec_cmp);
	nacc = xcalloc(rep->nfiles + 1, sizeof(*nacc));
	for (i = 0; i < c->r.n; i++) {
		const struct mdg_reg_record *r = &c->r.v[i];
		const struct mdg_file_result *fr;
		const struct mdg_domain *dom;
		long pos[2] = {(long)r->file_index, 0};
		bool rejected;

		if (r->file_index >= rep->nfiles)
			continue;
		fr = &rep->files[r->file_index];
		rejected = bsearch(pos, bad, nbad, 2 * sizeof(*bad), diag_pos_cmp) != NULL;
		pos[1] = r->record;
		rejected = rejected || bsearch(pos, bad, nbad, 2 * sizeof(*bad), diag_pos_cmp);
		if (rejected || r->key == NULL || fr->domain == NULL)
			continue;
		nacc[r->file_index]++;
		if ((dom = mdg_domain_find(&x->e->domains, fr->domain)) == NULL)
			continue;
		if (mdg_export_add(x, dom, r->key, fr->site, r->values, true, NULL, 0, fr->path,
				   r->line, d) != MDG_OK)
			rc = MDG_ERR;
	}
	/* What is exported is exactly what the report calls accepted. */
	for (i = 0; i < rep->nfiles; i++)
		if (nacc[i] != rep->files[i].accepted) {
			xerr(d, MDG_SEV_ERROR, "export.internal", rep->files[i].path, 0, NULL, NULL,
			     "%zu records look accepted, the report counts %zu: nothing exported",
			     nacc[i], rep->files[i].accepted);
			rc = MDG_ERR;
		}
	free(nacc);
	free(bad);
	return rc;
}
