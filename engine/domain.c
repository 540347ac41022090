/*
 * domain.c - loading, checking and linking domain definitions.
 *
 * Each YAML file is read into a located tree (yamltree.c) and walked once;
 * every mistake is reported at its node and the walk goes on, so one lint
 * run shows them all.  Linking then resolves references between domains
 * and orders the domains so that a referenced one comes first (a cycle is
 * an error; a domain that references itself, like a location's parent, is
 * allowed and resolved within its own files).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "match.h"
#include "validate.h"
#include "yamltree.h"

/* ------------------------------------------------------------ utilities */

struct loader {
	struct mdg_domains *ds;
	struct mdg_diags *d;
	const char *file;
	size_t errors;
};

static void
err_at(struct loader *l, const struct ynode *n, const char *code, const char *fmt, ...)
	MDG_PRINTF(4, 5);

static void
err_at(struct loader *l, const struct ynode *n, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ytree_verror(l->d, l->file, n, code, fmt, ap);
	va_end(ap);
	l->errors++;
}

static bool
valid_name(const char *s)
{
	size_t i;

	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return i <= 64;
}

/* A scalar string, or an error naming what was expected. */
static const char *
want_string(struct loader *l, const struct ynode *n, const char *what)
{
	if (n == NULL)
		return NULL;
	if (n->kind != YNODE_SCALAR) {
		err_at(l, n, "def.type", "%s must be a string, not %s", what, ynode_kind_name(n));
		return NULL;
	}
	return n->str;
}

static bool
want_bool(struct loader *l, const struct ynode *n, const char *what, bool *out)
{
	if (n == NULL)
		return false;
	if (n->kind == YNODE_SCALAR && n->plain) {
		if (strcmp(n->str, "true") == 0 || strcmp(n->str, "yes") == 0) {
			*out = true;
			return true;
		}
		if (strcmp(n->str, "false") == 0 || strcmp(n->str, "no") == 0) {
			*out = false;
			return true;
		}
	}
	err_at(l, n, "def.type", "%s must be true or false", what);
	return false;
}

static bool
want_number(struct loader *l, const struct ynode *n, const char *what, double *out)
{
	char *end;
	double v;

	if (n == NULL)
		return false;
	if (n->kind == YNODE_SCALAR && n->plain && n->len > 0) {
		errno = 0;
		v = strtod(n->str, &end);
		if (*end == '\0' && errno == 0 && isfinite(v)) {
			*out = v;
			return true;
		}
	}
	err_at(l, n, "def.type", "%s must be a number", what);
	return false;
}

static bool
want_length(struct loader *l, const struct ynode *n, const char *what, long *out)
{
	double v;

	if (!want_number(l, n, what, &v))
		return false;
	if (v < 0 || v > 1e9 || v != floor(v)) {
		err_at(l, n, "def.value", "%s must be a whole number from 0 to 1000000000", what);
		return false;
	}
	*out = (long)v;
	return true;
}

/* A list of strings (a single string is taken as a list of one). */
static char **
want_string_list(struct loader *l, const struct ynode *n, const char *what, size_t *count)
{
	char **v;
	size_t i, k = 0;

	*count = 0;
	if (n == NULL)
		return NULL;
	if (n->kind == YNODE_SCALAR) {
		v = xcalloc(1, sizeof(*v));
		v[0] = xstrdup(n->str);
		*count = 1;
		return v;
	}
	if (n->kind != YNODE_SEQ) {
		err_at(l, n, "def.type", "%s must be a list of strings", what);
		return NULL;
	}
	v = xcalloc(n->n ? n->n : 1, sizeof(*v));
	for (i = 0; i < n->n; i++) {
		const char *s = want_string(l, n->items[i], what);
		if (s != NULL)
			v[k++] = xstrdup(s);
	}
	*count = k;
	return v;
}

/* A mapping of strings to strings. */
static struct mdg_pair *
want_pairs(struct loader *l, const struct ynode *n, const char *what, size_t *count)
{
	struct mdg_pair *v;
	size_t i, k = 0;

	*count = 0;
	if (n == NULL)
		return NULL;
	if (n->kind != YNODE_MAP) {
		err_at(l, n, "def.type", "%s must be a mapping", what);
		return NULL;
	}
	v = xcalloc(n->n ? n->n : 1, sizeof(*v));
	for (i = 0; i < n->n; i++) {
		const char *a = want_string(l, ynode_key_at(n, i), what);
		const char *b = want_string(l, ynode_value_at(n, i), what);
		if (a == NULL || b == NULL)
			continue;
		v[k].from = xstrdup(a);
		v[k].to = xstrdup(b);
		k++;
	}
	*count = k;
	return v;
}

static void
free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}


static void
check_keys(struct loader *l, const struct ynode *map, const char *const *allowed,
	   const char *where)
{
	l->errors += ytree_check_keys(l->d, l->file, map, allowed, where, "def.unknown_key",
				      "def.duplicate");
}

/* ----------------------------------------------------------------- types */

const char *
mdg_ftype_name(enum mdg_ftype t)
{
	switch (t) {
	case MDG_FT_STRING:
		return "string";
	case MDG_FT_INTEGER:
		return "integer";
	case MDG_FT_DECIMAL:
		return "decimal";
	case MDG_FT_BOOLEAN:
		return "boolean";
	case MDG_FT_DATE:
		return "date";
	case MDG_FT_ENUM:
		return "enum";
	case MDG_FT_REF:
		return "ref";
	}
	return "?";
}

static bool
parse_ftype(const char *s, enum mdg_ftype *out)
{
	static const struct {
		const char *name;
		enum mdg_ftype t;
	} names[] = {
		{"string", MDG_FT_STRING},   {"integer", MDG_FT_INTEGER}, {"decimal", MDG_FT_DECIMAL},
		{"boolean", MDG_FT_BOOLEAN}, {"date", MDG_FT_DATE},       {"enum", MDG_FT_ENUM},
		{"ref", MDG_FT_REF},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].t;
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------- fields */

static const char *const field_keys[] = {
	"type", "label", "description", "required", "aliases", "min", "min_exclusive", "max",
	"min_length",
	"max_length", "pattern", "pattern_hint", "values", "domain", "odoo", NULL,
};

size_t
mdg_pattern_compile(pcre2_code **out, const char *pattern, const struct ynode *n,
		    const char *file, struct mdg_diags *d)
{
	int errcode;
	PCRE2_SIZE erroff;
	PCRE2_UCHAR msg[256];

	*out = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &errcode,
			     &erroff, NULL);
	if (*out == NULL) {
		struct ynode at = *n;
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		/*
		 * Point at the offending character when the value is written
		 * the same in the file: a plain scalar, a single-quoted one
		 * without '' or a double-quoted one without escapes.  Otherwise
		 * (block scalars, escapes) point at the scalar itself.
		 */
		if (strchr(pattern, '\n') == NULL &&
		    (n->style == YNODE_PLAIN ||
		     (n->style == YNODE_SINGLE && strchr(pattern, '\'') == NULL) ||
		     (n->style == YNODE_DOUBLE && strpbrk(pattern, "\\\"") == NULL)))
			at.col = n->col + (n->style == YNODE_PLAIN ? 0 : 1) + (long)erroff;
		at.len = 1;
		ytree_error(d, file, &at, "def.pattern", "pattern does not compile: %s (at offset %zu)",
			    (const char *)msg, (size_t)erroff);
		return 1;
	}
	(void)pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
	return 0;
}

static void
compile_pattern(struct loader *l, struct mdg_field *f, const struct ynode *n)
{
	l->errors += mdg_pattern_compile(&f->re, f->pattern, n, l->file, l->d);
}

static void
load_odoo_field(struct loader *l, struct mdg_field *f, const struct ynode *o)
{
	static const char *const keys[] = {"field", "map", NULL};
	const char *s;
	size_t i, j;

	if (o == NULL)
		return;
	if (o->kind == YNODE_SCALAR) {
		f->odoo_field = xstrdup(o->str);
		return;
	}
	if (o->kind != YNODE_MAP) {
		err_at(l, o, "def.type", "odoo of field '%s' must be a field name or a mapping",
		       f->name);
		return;
	}
	check_keys(l, o, keys, "an odoo field mapping");
	if ((s = want_string(l, ynode_get(o, "field"), "odoo.field")) != NULL)
		f->odoo_field = xstrdup(s);
	else if (ynode_get(o, "field") == NULL)
		err_at(l, o, "def.missing", "odoo mapping of field '%s' has no 'field'", f->name);
	f->odoo_map = want_pairs(l, ynode_get(o, "map"), "odoo.map", &f->nodoo_map);
	if (f->nodoo_map > 0 && f->type != MDG_FT_ENUM && f->type != MDG_FT_BOOLEAN)
		err_at(l, ynode_get(o, "map"), "def.value",
		       "a value map is only for enum and boolean fields, '%s' is %s", f->name,
		       mdg_ftype_name(f->type));
	if (f->type == MDG_FT_ENUM) {
		const struct ynode *m = ynode_get(o, "map");
		/* Walk the YAML map itself so that each error has its own node. */
		for (i = 0; m != NULL && m->kind == YNODE_MAP && i < m->n; i++) {
			const struct ynode *k = ynode_key_at(m, i);
			bool found = false;
			if (k->kind != YNODE_SCALAR)
				continue;
			for (j = 0; j < f->nvalues; j++)
				if (strcmp(f->values[j], k->str) == 0)
					found = true;
			if (!found)
				err_at(l, k, "def.value",
				       "odoo map of '%s' names '%s', which is not one of its values",
				       f->name, k->str);
		}
	}
}

static void
load_field(struct loader *l, struct mdg_domain *dom, struct mdg_field *f, const struct ynode *key,
	   const struct ynode *def)
{
	const struct ynode *n;
	const char *s;
	bool has_len_min = false, has_len_max = false;

	memset(f, 0, sizeof(*f));
	f->name = xstrdup(key->str);
	f->line = key->line;
	f->col = key->col;
	f->min_length = -1;
	f->max_length = -1;
	if (!valid_name(key->str))
		err_at(l, key, "def.name",
		       "field name '%s' must be lower case letters, digits and '_', starting with a letter",
		       key->str);
	if (def == NULL || def->kind != YNODE_MAP) {
		err_at(l, def ? def : key, "def.type", "field '%s' must be a mapping", key->str);
		return;
	}
	check_keys(l, def, field_keys, "a field definition");
	n = ynode_get(def, "type");
	if (n == NULL) {
		err_at(l, key, "def.missing", "field '%s' has no type", f->name);
		f->type = MDG_FT_STRING;
	} else if ((s = want_string(l, n, "type")) != NULL && !parse_ftype(s, &f->type)) {
		err_at(l, n, "def.type",
		       "unknown type '%s' (string, integer, decimal, boolean, date, enum, ref)", s);
		f->type = MDG_FT_STRING;
	}
	if ((s = want_string(l, ynode_get(def, "label"), "label")) != NULL)
		f->label = xstrdup(s);
	if ((s = want_string(l, ynode_get(def, "description"), "description")) != NULL)
		f->description = xstrdup(s);
	if ((n = ynode_get(def, "required")) != NULL)
		want_bool(l, n, "required", &f->required);
	f->aliases = want_string_list(l, ynode_get(def, "aliases"), "aliases", &f->naliases);

	if ((n = ynode_get(def, "min")) != NULL) {
		if (f->type != MDG_FT_INTEGER && f->type != MDG_FT_DECIMAL)
			err_at(l, n, "def.value",
			       "min is for integer and decimal fields; '%s' is %s", f->name,
			       mdg_ftype_name(f->type));
		else
			f->has_min = want_number(l, n, "min", &f->min);
	}
	if ((n = ynode_get(def, "max")) != NULL) {
		if (f->type != MDG_FT_INTEGER && f->type != MDG_FT_DECIMAL)
			err_at(l, n, "def.value", "max is for integer and decimal fields; '%s' is %s",
			       f->name, mdg_ftype_name(f->type));
		else
			f->has_max = want_number(l, n, "max", &f->max);
	}
	if ((n = ynode_get(def, "min_exclusive")) != NULL) {
		if (want_bool(l, n, "min_exclusive", &f->min_exclusive) && !f->has_min &&
		    ynode_get(def, "min") == NULL)
			err_at(l, n, "def.value", "min_exclusive needs a min in field '%s'", f->name);
	}
	if (f->has_min && f->has_max && f->min > f->max)
		err_at(l, ynode_get(def, "max"), "def.value", "max (%g) is below min (%g) in field '%s'",
		       f->max, f->min, f->name);

	if ((n = ynode_get(def, "min_length")) != NULL) {
		if (f->type != MDG_FT_STRING)
			err_at(l, n, "def.value", "min_length is for string fields; '%s' is %s",
			       f->name, mdg_ftype_name(f->type));
		else
			has_len_min = want_length(l, n, "min_length", &f->min_length);
	}
	if ((n = ynode_get(def, "max_length")) != NULL) {
		if (f->type != MDG_FT_STRING)
			err_at(l, n, "def.value", "max_length is for string fields; '%s' is %s",
			       f->name, mdg_ftype_name(f->type));
		else
			has_len_max = want_length(l, n, "max_length", &f->max_length);
	}
	if (has_len_min && has_len_max && f->min_length > f->max_length)
		err_at(l, ynode_get(def, "max_length"), "def.value",
		       "max_length (%ld) is below min_length (%ld) in field '%s'", f->max_length,
		       f->min_length, f->name);

	if ((n = ynode_get(def, "pattern")) != NULL) {
		if (f->type != MDG_FT_STRING) {
			err_at(l, n, "def.value", "pattern is for string fields; '%s' is %s", f->name,
			       mdg_ftype_name(f->type));
		} else if ((s = want_string(l, n, "pattern")) != NULL) {
			f->pattern = xstrdup(s);
			compile_pattern(l, f, n);
		}
	}
	if ((s = want_string(l, ynode_get(def, "pattern_hint"), "pattern_hint")) != NULL)
		f->pattern_hint = xstrdup(s);

	n = ynode_get(def, "values");
	if (f->type == MDG_FT_ENUM) {
		f->values = want_string_list(l, n, "values", &f->nvalues);
		if (n == NULL)
			err_at(l, key, "def.missing", "enum field '%s' has no values", f->name);
		else if (f->nvalues == 0 && n->kind == YNODE_SEQ)
			err_at(l, n, "def.value", "enum field '%s' has an empty list of values",
			       f->name);
	} else if (n != NULL) {
		err_at(l, n, "def.value", "values are for enum fields; '%s' is %s", f->name,
		       mdg_ftype_name(f->type));
	}

	n = ynode_get(def, "domain");
	if (f->type == MDG_FT_REF) {
		if (n == NULL)
			err_at(l, key, "def.missing", "ref field '%s' does not say which domain", f->name);
		else if ((s = want_string(l, n, "domain")) != NULL)
			f->ref = xstrdup(s);
	} else if (n != NULL) {
		err_at(l, n, "def.value", "domain is for ref fields; '%s' is %s", f->name,
		       mdg_ftype_name(f->type));
	}
	load_odoo_field(l, f, ynode_get(def, "odoo"));
	(void)dom;
}

/* ----------------------------------------------------------------- match */

#define SCORE_UNKNOWN (-1)	/* a bad scoring: value; mode checks are skipped */
#define PRIOR_DEFAULT 1e-4

_Static_assert(MDG_DOMAIN_MATCH_MAX_LEVELS < MDG_MATCH_MAX_LEVELS,
	       "levels must fit the matcher");

static const char *const match_keys[] = {
	"threshold", "block", "fields", "scoring", "prior", NULL,
};
static const char *const match_field_keys[] = {
	"field", "as", "normalise", "synonyms", "measure", "weight", "levels", "m", "u", NULL,
};
static const char *const match_block_keys[] = {
	"field", "qgram", "min_shared", "words", "keep", NULL,
};

static void
domain_match_free(struct mdg_domain_match *dm)
{
	size_t i;

	if (dm == NULL)
		return;
	for (i = 0; i < dm->nfields; i++) {
		mdg_norm_chain_free(dm->chains[i]);
		free(dm->normalise[i]);
		if (dm->as_names != NULL)
			free(dm->as_names[i]);
	}
	free(dm->as_names);
	free(dm->chains);
	free(dm->normalise);
	free(dm->dom_field);
	if (dm->m != NULL) {
		free(dm->m->fields);
		free(dm->m->keys);
		free(dm->m);
	}
	free(dm);
}

size_t
mdg_domain_match_default_levels(const struct mdg_measure *ms, double *thr)
{
	static const struct {
		const char *measure;
		size_t n;
		double thr[3];
	} def[] = {
		{"exact", 1, {1.0, 0, 0}},
		{"numeric", 2, {1.0, 0.95, 0}},
		{"levenshtein", 2, {1.0, 0.8, 0}},
		{"damerau_levenshtein", 2, {1.0, 0.8, 0}},
		{"jaro", 3, {1.0, 0.92, 0.8}},
		{"jaro_winkler", 3, {1.0, 0.92, 0.8}},
	};
	static const double other[3] = {1.0, 0.8, 0.6};  /* token and q-gram measures */
	size_t i;

	for (i = 0; i < sizeof(def) / sizeof(def[0]); i++)
		if (ms != NULL && strcmp(ms->name, def[i].measure) == 0) {
			memcpy(thr, def[i].thr, def[i].n * sizeof(*thr));
			return def[i].n;
		}
	memcpy(thr, other, sizeof(other));
	return 3;
}

void
mdg_domain_match_default_mu(struct mdg_match_field *f, bool set_m, bool set_u)
{
	size_t n = f->nthr, l;
	double wm = 0, wu = 0;

	if (n == 0) {
		if (set_m)
			f->m[0] = 1;
		if (set_u)
			f->u[0] = 1;
		return;
	}
	for (l = 0; l < n; l++) {
		wm += ldexp(1.0, (int)(n - 1 - l));
		wu += ldexp(1.0, (int)l);
	}
	for (l = 0; l < n; l++) {
		if (set_m)
			f->m[l] = 0.9 * ldexp(1.0, (int)(n - 1 - l)) / wm;
		if (set_u)
			f->u[l] = 0.1 * ldexp(1.0, (int)l) / wu;
	}
	if (set_m)
		f->m[n] = 0.1;
	if (set_u)
		f->u[n] = 0.9;
}

/* A threshold in 0..1 (true) or an error (false). */
static bool
want_unit(struct loader *l, const struct ynode *n, const char *what, double *out)
{
	if (!want_number(l, n, what, out))
		return false;
	if (*out < 0 || *out > 1) {
		err_at(l, n, "def.value", "%s must be from 0 to 1, not %g", what, *out);
		return false;
	}
	return true;
}

/* A match probability p as a Fellegi-Sunter weight under the prior lambda. */
static double
prob_weight(double p, double lambda)
{
	if (p >= 1)
		return HUGE_VAL;
	if (p <= 0)
		return -HUGE_VAL;
	return log2(p / (1 - p)) - log2(lambda / (1 - lambda));
}

/* levels: 1 to 7 similarity thresholds in 0..1, strictly descending. */
static bool
load_levels(struct loader *l, const struct ynode *n, struct mdg_match_field *mf)
{
	size_t i, cnt = n->kind == YNODE_SEQ ? n->n : 1;
	double v;

	if (n->kind == YNODE_MAP || cnt == 0) {
		err_at(l, n, "def.type",
		       "levels must be a list of similarity thresholds, the highest first");
		return false;
	}
	if (cnt > MDG_DOMAIN_MATCH_MAX_LEVELS) {
		err_at(l, n->items[MDG_DOMAIN_MATCH_MAX_LEVELS], "def.limit",
		       "levels: at most %d thresholds", MDG_DOMAIN_MATCH_MAX_LEVELS);
		return false;
	}
	for (i = 0; i < cnt; i++) {
		const struct ynode *it = n->kind == YNODE_SEQ ? n->items[i] : n;

		if (!want_unit(l, it, "each level", &v))
			return false;
		if (i > 0 && !(v < mf->thr[i - 1])) {
			err_at(l, it, "def.value", "levels must be strictly descending: %g after %g",
			       v, mf->thr[i - 1]);
			return false;
		}
		mf->thr[i] = v;
	}
	mf->nthr = cnt;
	return true;
}

/*
 * m or u: one probability per level (the last for disagreement), summing
 * to 1 within 1e-6, or one per agreement level, the last being 1 minus
 * their sum.
 */
static bool
load_probs(struct loader *l, const struct ynode *n, const char *what, size_t nlevels, double *p)
{
	char each[64];
	size_t i;
	double v, sum = 0;

	if (n->kind != YNODE_SEQ || n->n == 0) {
		err_at(l, n, "def.type", "%s must be a list of probabilities, one per level", what);
		return false;
	}
	if (n->n != nlevels && n->n != nlevels - 1) {
		err_at(l, n, "def.value",
		       "%s needs %zu probabilities (one per level, the last for disagreement) or "
		       "%zu (the last is then 1 minus their sum), not %zu", what, nlevels,
		       nlevels - 1, n->n);
		return false;
	}
	snprintf(each, sizeof(each), "each probability of %s", what);
	for (i = 0; i < n->n; i++) {
		if (!want_number(l, n->items[i], each, &v))
			return false;
		if (!(v > 0 && v < 1)) {
			err_at(l, n->items[i], "def.value", "%s must be above 0 and below 1, not %g",
			       each, v);
			return false;
		}
		p[i] = v;
		sum += v;
	}
	if (n->n == nlevels && fabs(sum - 1) > 1e-6) {
		err_at(l, n, "def.value", "%s sums to %.9g, not 1 (or leave the last out: it is "
		       "then 1 minus the others)", what, sum);
		return false;
	}
	if (n->n == nlevels - 1) {
		if (!(sum < 1)) {
			err_at(l, n, "def.value", "%s sums to %.9g: nothing is left for the last "
			       "level (disagreement)", what, sum);
			return false;
		}
		p[nlevels - 1] = 1 - sum;
	}
	return true;
}

/* A key of the other scoring mode is an error at its value. */
static bool
reject_key(struct loader *l, const struct ynode *def, const char *key, const char *mode)
{
	const struct ynode *n = ynode_get(def, key);

	if (n == NULL)
		return true;
	err_at(l, n, "def.value", "'%s' belongs to scoring: %s%s", key, mode,
	       strcmp(mode, "weighted") == 0 ?
	       "; under fellegi_sunter a field counts by its levels, m and u" :
	       "; this match section scores weighted (scoring: fellegi_sunter to use it)");
	return false;
}

/* The Fellegi-Sunter levels, m and u of a compared field. */
static bool
load_match_fs(struct loader *l, const struct ynode *def, struct mdg_match_field *mf)
{
	const struct ynode *n;
	bool ok = true;

	if ((n = ynode_get(def, "levels")) != NULL) {
		if (!load_levels(l, n, mf))
			return false;
	} else if (mf->measure != NULL) {
		mf->nthr = mdg_domain_match_default_levels(mf->measure, mf->thr);
	} else {
		return false;	/* the measure's error says it */
	}
	mdg_domain_match_default_mu(mf, true, true);
	if ((n = ynode_get(def, "m")) != NULL && !load_probs(l, n, "m", mf->nthr + 1, mf->m))
		ok = false;
	if ((n = ynode_get(def, "u")) != NULL && !load_probs(l, n, "u", mf->nthr + 1, mf->u))
		ok = false;
	return ok;
}

/* Load one compared field; returns false when it is unusable. */
static bool
load_match_field(struct loader *l, const struct mdg_domain *dom, struct mdg_domain_match *dm,
		 const struct ynode *def, int mode)
{
	struct mdg_match_field *mf = &dm->m->fields[dm->nfields];
	const struct ynode *n, *an = NULL, *sn;
	struct mdg_norm_synonyms *syn = NULL;
	const struct mdg_field *f;
	const char *s, *why = NULL, *as = NULL;
	const char **names;
	struct mdg_buf joined;
	size_t i, bad = 0;
	bool ok = true;
	int rc;

	if (def->kind != YNODE_MAP) {
		err_at(l, def, "def.type", "match.fields items must be mappings, not %s",
		       ynode_kind_name(def));
		return false;
	}
	check_keys(l, def, match_field_keys, "a match field");
	n = ynode_get(def, "field");
	if (n == NULL) {
		err_at(l, def, "def.missing", "a match field needs 'field'");
		return false;
	}
	if ((s = want_string(l, n, "match.fields.field")) == NULL)
		return false;
	if ((f = mdg_field_find(dom, s)) == NULL) {
		err_at(l, n, "def.field", "match: domain '%s' has no field '%s'", dom->name, s);
		return false;
	}
	/* A field may be compared twice (its words, its numbers) under two names. */
	if ((an = ynode_get(def, "as")) != NULL && (as = want_string(l, an, "match.fields.as")) ==
	    NULL)
		return false;
	for (i = 0; i < dm->nfields; i++)
		if (strcmp(dm->m->fields[i].name, as ? as : f->name) == 0) {
			err_at(l, an ? an : n, "def.duplicate", as ? "match: '%s' names two compared "
			       "fields" : "match: field '%s' is compared twice (give the second "
			       "one another name with 'as')", as ? as : s);
			return false;
		}
	memset(mf, 0, sizeof(*mf));
	mf->name = f->name;
	mf->index = dm->nfields;
	mf->weight = 1;
	n = ynode_get(def, "measure");
	if (n == NULL) {
		err_at(l, def, "def.missing", "match field '%s' needs a 'measure'", s);
		ok = false;
	} else if ((s = want_string(l, n, "match.fields.measure")) == NULL) {
		ok = false;
	} else if ((mf->measure = mdg_measure_lookup(s)) == NULL) {
		err_at(l, n, "def.value", "unknown measure '%s' (known: exact, levenshtein, "
		       "damerau_levenshtein, jaro, jaro_winkler, qgram_jaccard, qgram_dice, "
		       "token_set, monge_elkan, monge_elkan_sym, numeric)", s);
		ok = false;
	}
	if (mode == MDG_SCORE_FS) {
		if (!reject_key(l, def, "weight", "weighted"))
			ok = false;
		if (!load_match_fs(l, def, mf))
			ok = false;
	} else if (mode == MDG_SCORE_WEIGHTED) {
		if (!reject_key(l, def, "levels", "fellegi_sunter"))
			ok = false;
		if (!reject_key(l, def, "m", "fellegi_sunter"))
			ok = false;
		if (!reject_key(l, def, "u", "fellegi_sunter"))
			ok = false;
	}
	if (mode != MDG_SCORE_FS && (n = ynode_get(def, "weight")) != NULL) {
		if (!want_number(l, n, "match.fields.weight", &mf->weight))
			ok = false;
		else if (mf->weight <= 0 || mf->weight > 1000) {
			err_at(l, n, "def.value", "weight must be above 0 and at most 1000");
			ok = false;
		}
	}
	n = ynode_get(def, "normalise");
	if (n != NULL && n->kind != YNODE_SEQ) {
		err_at(l, n, "def.type", "normalise must be a list of normaliser names");
		return false;
	}
	names = xcalloc(n != NULL && n->n ? n->n : 1, sizeof(*names));
	for (i = 0; n != NULL && i < n->n; i++) {
		names[i] = want_string(l, n->items[i], "normalise");
		if (names[i] == NULL) {
			free(names);
			return false;
		}
	}
	/* A field's own abbreviations and synonyms: {from: to}, for the
	 * synonyms step of its chain. */
	if ((sn = ynode_get(def, "synonyms")) != NULL) {
		bool has_step = false;

		for (i = 0; n != NULL && i < n->n; i++)
			if (strcmp(names[i], "synonyms") == 0)
				has_step = true;
		if (sn->kind != YNODE_MAP) {
			err_at(l, sn, "def.type", "synonyms must be a mapping {abbreviation: word}");
			free(names);
			return false;
		}
		if (!has_step) {
			err_at(l, sn, "def.value", "synonyms are given but the normalise list has no "
			       "'synonyms' step to apply them");
			free(names);
			return false;
		}
		syn = mdg_norm_synonyms_new();
		for (i = 0; i < sn->n; i++) {
			const struct ynode *sk = ynode_key_at(sn, i), *sv = ynode_value_at(sn, i);

			if (sk == NULL || sk->kind != YNODE_SCALAR || sv == NULL ||
			    sv->kind != YNODE_SCALAR ||
			    mdg_norm_synonyms_add(syn, sk->str, sv->str) != MDG_OK) {
				err_at(l, sv != NULL && sv->kind != YNODE_SCALAR ? sv : sk ? sk : sn,
				       "def.value", "synonym '%s': the key must be a non-empty word, "
				       "given once, and the value a word or text",
				       sk != NULL && sk->kind == YNODE_SCALAR ? sk->str : "?");
				mdg_norm_synonyms_free(syn);
				free(names);
				return false;
			}
		}
	}
	rc = mdg_norm_chain_parse(names, n != NULL ? n->n : 0, syn, &dm->chains[dm->nfields],
				  &bad, &why);
	mdg_norm_synonyms_free(syn);
	if (rc != MDG_OK) {
		const struct ynode *at = n != NULL && bad < n->n ? n->items[bad] : n;
		err_at(l, at != NULL ? at : def, "def.value", "normaliser '%s': %s",
		       at != NULL && at->kind == YNODE_SCALAR ? at->str : "?",
		       why != NULL ? why : "not usable here");
		free(names);
		return false;
	}
	if (!ok) {
		free(names);
		mdg_norm_chain_free(dm->chains[dm->nfields]);
		dm->chains[dm->nfields] = NULL;
		return false;
	}
	mdg_buf_init(&joined, 0);
	for (i = 0; n != NULL && i < n->n; i++)
		mdg_buf_printf(&joined, "%s%s", i ? ", " : "", names[i]);
	free(names);
	dm->normalise[dm->nfields] = xstrdup(joined.data != NULL ? joined.data : "");
	mdg_buf_free(&joined);
	mf->chain = dm->chains[dm->nfields];
	dm->dom_field[dm->nfields] = f->index;
	/* Named only once it is kept: a field given up on leaves nothing. */
	if (as != NULL)
		mf->name = dm->as_names[dm->nfields] = xstrdup(as);
	dm->nfields++;
	return true;
}

static void
load_match_block(struct loader *l, struct mdg_domain_match *dm, const struct ynode *def,
		 bool fields_ok)
{
	struct mdg_match_key *k = &dm->m->keys[dm->m->nkeys];
	const struct ynode *n, *fl;
	double v;
	size_t i, j;

	if (def->kind != YNODE_MAP) {
		err_at(l, def, "def.type", "match.block items must be mappings, not %s",
		       ynode_kind_name(def));
		return;
	}
	check_keys(l, def, match_block_keys, "a match block key");
	memset(k, 0, sizeof(*k));
	fl = ynode_get(def, "field");
	if (fl == NULL) {
		err_at(l, def, "def.missing", "a match block key needs 'field'");
		return;
	}
	if (fl->kind == YNODE_MAP) {
		err_at(l, fl, "def.type", "match.block.field must be a field name or a list of them");
		return;
	}
	for (i = 0; i < (fl->kind == YNODE_SEQ ? fl->n : 1); i++) {
		const struct ynode *it = fl->kind == YNODE_SEQ ? fl->items[i] : fl;
		const char *s = want_string(l, it, "match.block.field");

		if (s == NULL)
			return;
		if (k->nfields == 4) {
			err_at(l, it, "def.value", "a block key joins at most 4 fields");
			return;
		}
		for (j = 0; j < dm->m->nfields; j++)
			if (strcmp(dm->m->fields[j].name, s) == 0)
				break;
		if (j == dm->m->nfields) {
			/* A compared field with errors of its own is not named again. */
			if (fields_ok)
				err_at(l, it, "def.field",
				       "block field '%s' is not one of match.fields", s);
			return;
		}
		k->fields[k->nfields++] = j;
	}
	if (k->nfields == 0) {
		err_at(l, fl, "def.value", "a match block key needs at least one field");
		return;
	}
	if ((n = ynode_get(def, "qgram")) != NULL) {
		if (!want_number(l, n, "qgram", &v))
			return;
		if (v != 0 && v != 1 && v != 2 && v != 3) {
			err_at(l, n, "def.value", "qgram must be 0 (exact key), 1, 2 or 3");
			return;
		}
		k->q = (unsigned)v;
	}
	k->k = 1;
	if ((n = ynode_get(def, "min_shared")) != NULL) {
		if (!want_number(l, n, "min_shared", &v))
			return;
		if (v < 1 || v > 1000 || v != floor(v)) {
			err_at(l, n, "def.value", "min_shared must be a whole number from 1 to 1000");
			return;
		}
		k->k = (size_t)v;
	}
	if ((n = ynode_get(def, "words")) != NULL) {
		if (n->kind == YNODE_SCALAR && strcmp(n->str, "true") == 0)
			k->words = 1;
		else if (n->kind == YNODE_SCALAR && strcmp(n->str, "false") == 0)
			k->words = 0;
		else if (n->kind == YNODE_SCALAR && n->len == 1 && n->str[0] >= '1' &&
			 n->str[0] <= '3')
			k->words = (unsigned)(n->str[0] - '0');
		else {
			err_at(l, n, "def.value", "words must be true (one word may differ), "
			       "false, or how many words may differ: 1, 2 or 3");
			return;
		}
		if (k->words && k->q != 0) {
			err_at(l, n, "def.value", "a words key cannot also be a q-gram key "
			       "(leave out qgram)");
			return;
		}
	}
	if ((n = ynode_get(def, "keep")) != NULL) {
		const struct ynode *kl = n;

		if (!k->words) {
			err_at(l, n, "def.value", "keep is for a words key (words: N)");
			return;
		}
		for (i = 0; i < (kl->kind == YNODE_SEQ ? kl->n : 1); i++) {
			const struct ynode *it = kl->kind == YNODE_SEQ ? kl->items[i] : kl;
			const char *ks = want_string(l, it, "match.block.keep");

			if (ks == NULL)
				return;
			for (j = 0; j < k->nfields; j++)
				if (strcmp(dm->m->fields[k->fields[j]].name, ks) == 0)
					break;
			if (j == k->nfields) {
				err_at(l, it, "def.field", "keep: '%s' is not one of this key's fields",
				       ks);
				return;
			}
			k->keep |= 1u << j;
		}
	}
	dm->m->nkeys++;
}


static void
load_match(struct loader *l, struct mdg_domain *dom, const struct ynode *root)
{
	struct mdg_domain_match *dm;
	const struct ynode *n, *t, *fl, *bl;
	size_t errors = l->errors, i;
	double dup = 0.9, rev = 0.75, prior = PRIOR_DEFAULT;
	bool have_dup = false, have_rev = false, fields_ok;
	const char *s;
	int mode = MDG_SCORE_WEIGHTED;

	if (root == NULL)
		return;
	if (root->kind != YNODE_MAP) {
		err_at(l, root, "def.type", "match must be a mapping, not %s", ynode_kind_name(root));
		return;
	}
	check_keys(l, root, match_keys, "the match section");
	if ((n = ynode_get(root, "scoring")) != NULL) {
		if ((s = want_string(l, n, "scoring")) == NULL) {
			mode = SCORE_UNKNOWN;
		} else if (strcmp(s, "fellegi_sunter") == 0) {
			mode = MDG_SCORE_FS;
		} else if (strcmp(s, "weighted") != 0) {
			err_at(l, n, "def.value", "scoring must be 'weighted' or 'fellegi_sunter'");
			mode = SCORE_UNKNOWN;
		}
	}
	if ((n = ynode_get(root, "prior")) != NULL) {
		if (mode == MDG_SCORE_WEIGHTED)
			err_at(l, n, "def.value", "'prior' belongs to scoring: fellegi_sunter; this "
			       "match section scores weighted (scoring: fellegi_sunter to use it)");
		else if (want_number(l, n, "prior", &prior) && !(prior > 0 && prior < 1))
			err_at(l, n, "def.value", "prior must be above 0 and below 1, not %g", prior);
	}
	t = ynode_get(root, "threshold");
	if (t != NULL && t->kind != YNODE_MAP) {
		err_at(l, t, "def.type", "match.threshold must be a mapping {duplicate: D, review: R}");
	} else if (t != NULL) {
		static const char *const tkeys[] = { "duplicate", "review", NULL };

		check_keys(l, t, tkeys, "match.threshold");
		if ((n = ynode_get(t, "duplicate")) != NULL)
			have_dup = want_unit(l, n, "threshold.duplicate", &dup);
		if ((n = ynode_get(t, "review")) != NULL)
			have_rev = want_unit(l, n, "threshold.review", &rev);
		if ((have_dup || ynode_get(t, "duplicate") == NULL) &&
		    (have_rev || ynode_get(t, "review") == NULL) && rev > dup)
			err_at(l, ynode_get(t, "review") ? ynode_get(t, "review") : t, "def.value",
			       "threshold.review (%g) is above threshold.duplicate (%g)", rev, dup);
	}
	fl = ynode_get(root, "fields");
	if (fl == NULL) {
		err_at(l, root, "def.missing", "the match section needs 'fields'");
		return;
	}
	if (fl->kind != YNODE_SEQ || fl->n == 0) {
		err_at(l, fl, "def.type", "match.fields must be a non-empty list");
		return;
	}
	dm = xcalloc(1, sizeof(*dm));
	dm->line = root->line;
	dm->col = root->col;
	dm->m = xcalloc(1, sizeof(*dm->m));
	dm->m->fields = xcalloc(fl->n, sizeof(*dm->m->fields));
	dm->chains = xcalloc(fl->n, sizeof(*dm->chains));
	dm->normalise = xcalloc(fl->n, sizeof(*dm->normalise));
	dm->as_names = xcalloc(fl->n, sizeof(*dm->as_names));
	dm->dom_field = xcalloc(fl->n, sizeof(*dm->dom_field));
	for (i = 0; i < fl->n; i++)
		load_match_field(l, dom, dm, fl->items[i], mode);
	fields_ok = l->errors == errors;
	dm->m->nfields = dm->nfields;
	dm->m->mode = mode == MDG_SCORE_FS ? MDG_SCORE_FS : MDG_SCORE_WEIGHTED;
	dm->m->lambda = prior;
	dm->dup_p = dup;
	dm->review_p = rev;
	if (dm->m->mode == MDG_SCORE_FS) {
		dm->m->dup_threshold = prob_weight(dup, prior);
		dm->m->review_threshold = prob_weight(rev, prior);
	} else {
		dm->m->dup_threshold = dup;
		dm->m->review_threshold = rev;
	}
	dm->m->stop_min = 1000;
	bl = ynode_get(root, "block");
	if (bl != NULL && bl->kind != YNODE_SEQ) {
		err_at(l, bl, "def.type", "match.block must be a list of block keys");
	} else if (bl != NULL) {
		dm->m->keys = xcalloc(bl->n ? bl->n : 1, sizeof(*dm->m->keys));
		for (i = 0; i < bl->n; i++)
			load_match_block(l, dm, bl->items[i], fields_ok);
	}
	if (bl == NULL || bl->n == 0)
		err_at(l, bl != NULL ? bl : root, "def.missing",
		       "the match section needs at least one block key (match.block)");
	if (l->errors != errors) {
		domain_match_free(dm);
		return;
	}
	dom->match = dm;
}

/* ---------------------------------------------------------------- domain */

static const char *const domain_keys[] = {
	"domain", "title", "description", "files", "key", "parent", "odoo", "existing", "fields",
	"match", NULL,
};

void
mdg_field_free(struct mdg_field *f)
{
	if (f->borrowed) {
		/* A site's copy of a central field: only its own additions. */
		if (f->values_owned)
			free_strings(f->values, f->nvalues);
	} else {
		free(f->name);
		free(f->label);
		free(f->description);
		free(f->pattern);
		if (f->re)
			pcre2_code_free(f->re);
		free(f->pattern_hint);
		free_strings(f->values, f->nvalues);
		free(f->ref);
		free_strings(f->aliases, f->naliases);
		free(f->odoo_field);
		mdg_pairs_free(f->odoo_map, f->nodoo_map);
	}
	free(f->pattern2);
	if (f->re2)
		pcre2_code_free(f->re2);
	free(f->pattern2_hint);
}

static void
domain_free(struct mdg_domain *dom)
{
	size_t i;

	if (dom == NULL)
		return;
	for (i = 0; i < dom->nfields; i++)
		mdg_field_free(&dom->fields[i]);
	free(dom->fields);
	free(dom->key);
	free(dom->name);
	free(dom->title);
	free(dom->description);
	free(dom->file);
	free_strings(dom->file_names, dom->nfile_names);
	free(dom->parent);
	free(dom->odoo_model);
	free(dom->odoo_xmlid);
	mdg_pairs_free(dom->existing, dom->nexisting);
	if (dom->existing_attrs != NULL) {
		for (i = 0; i < dom->nexisting; i++)
			mdg_pairs_free(dom->existing_attrs[i].v, dom->existing_attrs[i].n);
		free(dom->existing_attrs);
	}
	mdg_strset_free(&dom->existing_set);
	domain_match_free(dom->match);
	free(dom);
}

static bool
existing_value_ok(const struct mdg_field *f, const char *v)
{
	size_t len = strlen(v), i;
	int64_t iv;
	double dv;
	bool bv;
	long date;

	switch (f->type) {
	case MDG_FT_INTEGER:
		return mdg_parse_int(v, len, &iv);
	case MDG_FT_DECIMAL:
		return mdg_parse_decimal(v, len, '.', &dv);
	case MDG_FT_BOOLEAN:
		return mdg_parse_bool(v, len, &bv);
	case MDG_FT_DATE:
		return mdg_parse_date(v, len, MDG_DATE_ISO, &date);
	case MDG_FT_ENUM:
		for (i = 0; i < f->nvalues; i++)
			if (strcmp(f->values[i], v) == 0)
				return true;
		return false;
	case MDG_FT_STRING:
	case MDG_FT_REF:
		break;
	}
	return true;
}

/*
 * Records Odoo already has: key -> external ID, or key -> a mapping with
 * the external ID (xmlid) and some of the record's field values, which
 * rules see through ref() ("PCE: {xmlid: uom.product_uom_unit, category:
 * UNIT}").  Fields are loaded before this, so the values are checked
 * against their field's type.
 */
static void
load_existing(struct loader *l, struct mdg_domain *dom, const struct ynode *n)
{
	size_t i, j, k = 0;
	bool attrs = false;

	if (n == NULL)
		return;
	if (n->kind != YNODE_MAP) {
		err_at(l, n, "def.type", "existing must be a mapping");
		return;
	}
	dom->existing = xcalloc(n->n ? n->n : 1, sizeof(*dom->existing));
	dom->existing_attrs = xcalloc(n->n ? n->n : 1, sizeof(*dom->existing_attrs));
	for (i = 0; i < n->n; i++) {
		const struct ynode *key = ynode_key_at(n, i), *v = ynode_value_at(n, i);
		const struct ynode *x;
		struct mdg_existing_attrs *ea = &dom->existing_attrs[k];
		const char *ks = want_string(l, key, "existing");

		if (ks == NULL)
			continue;
		if (v->kind == YNODE_SCALAR) {
			dom->existing[k].from = xstrdup(ks);
			dom->existing[k].to = xstrdup(v->str);
			k++;
			continue;
		}
		if (v->kind != YNODE_MAP) {
			err_at(l, v, "def.type",
			       "existing '%s' must be an external ID or a mapping with xmlid and "
			       "field values", ks);
			continue;
		}
		x = ynode_get(v, "xmlid");
		if (x == NULL || x->kind != YNODE_SCALAR || x->len == 0) {
			err_at(l, x ? x : v, "def.missing",
			       "existing '%s' needs its external ID (xmlid)", ks);
			continue;
		}
		ea->v = xcalloc(v->n, sizeof(*ea->v));
		for (j = 0; j < v->n; j++) {
			const struct ynode *fk = ynode_key_at(v, j), *fv = ynode_value_at(v, j);
			const struct mdg_field *f;
			if (fk->kind != YNODE_SCALAR || strcmp(fk->str, "xmlid") == 0)
				continue;
			f = mdg_field_find(dom, fk->str);
			if (f == NULL) {
				err_at(l, fk, "def.key",
				       "existing '%s' names '%s', which is not a field of '%s'", ks,
				       fk->str, dom->name);
				continue;
			}
			if (fv->kind != YNODE_SCALAR || !existing_value_ok(f, fv->str)) {
				err_at(l, fv, "def.value",
				       "existing '%s': the value of '%s' is not a valid %s", ks,
				       f->name, mdg_ftype_name(f->type));
				continue;
			}
			ea->v[ea->n].from = xstrdup(f->name);
			ea->v[ea->n].to = xstrdup(fv->str);
			ea->n++;
		}
		attrs = true;
		dom->existing[k].from = xstrdup(ks);
		dom->existing[k].to = xstrdup(x->str);
		k++;
	}
	dom->nexisting = k;
	if (!attrs) {
		for (i = 0; i < n->n; i++)
			mdg_pairs_free(dom->existing_attrs[i].v, dom->existing_attrs[i].n);
		free(dom->existing_attrs);
		dom->existing_attrs = NULL;
	}
}

static struct mdg_domain *
load_domain(struct loader *l, const struct ynode *root)
{
	struct mdg_domain *dom;
	const struct ynode *n, *fields, *o;
	const char *s;
	size_t i, j;

	if (root == NULL) {
		err_at(l, NULL, "def.empty", "the file defines nothing");
		return NULL;
	}
	if (root->kind != YNODE_MAP) {
		err_at(l, root, "def.type", "a domain definition must be a mapping, not %s",
		       ynode_kind_name(root));
		return NULL;
	}
	check_keys(l, root, domain_keys, "a domain definition");
	dom = xcalloc(1, sizeof(*dom));
	dom->file = xstrdup(l->file);
	dom->parent_field = -1;
	dom->line = root->line;
	dom->col = root->col;

	n = ynode_get(root, "domain");
	if (n == NULL) {
		err_at(l, root, "def.missing", "the definition has no 'domain' name");
		dom->name = xstrdup("?");
	} else if ((s = want_string(l, n, "domain")) != NULL) {
		dom->name = xstrdup(s);
		if (!valid_name(s))
			err_at(l, n, "def.name",
			       "domain name '%s' must be lower case letters, digits and '_'", s);
		if (mdg_domain_find(l->ds, s) != NULL)
			err_at(l, n, "def.duplicate", "domain '%s' is defined twice", s);
	} else {
		dom->name = xstrdup("?");
	}
	if ((s = want_string(l, ynode_get(root, "title"), "title")) != NULL)
		dom->title = xstrdup(s);
	if ((s = want_string(l, ynode_get(root, "description"), "description")) != NULL)
		dom->description = xstrdup(s);
	dom->file_names = want_string_list(l, ynode_get(root, "files"), "files", &dom->nfile_names);

	fields = ynode_get(root, "fields");
	if (fields == NULL) {
		err_at(l, root, "def.missing", "domain '%s' has no fields", dom->name);
	} else if (fields->kind != YNODE_MAP) {
		err_at(l, fields, "def.type", "fields must be a mapping of name to definition");
	} else if (fields->n > MDG_MAX_FIELDS) {
		err_at(l, fields, "def.limit", "more than %d fields", MDG_MAX_FIELDS);
	} else {
		dom->fields = xcalloc(fields->n ? fields->n : 1, sizeof(*dom->fields));
		for (i = 0; i < fields->n; i++) {
			const struct ynode *k = ynode_key_at(fields, i);
			if (k->kind != YNODE_SCALAR) {
				err_at(l, k, "def.type", "a field name must be a string");
				continue;
			}
			for (j = 0; j < dom->nfields; j++)
				if (strcmp(dom->fields[j].name, k->str) == 0)
					err_at(l, k, "def.duplicate",
					       "field '%s' is defined twice (first at line %ld)",
					       k->str, dom->fields[j].line);
			load_field(l, dom, &dom->fields[dom->nfields], k, ynode_value_at(fields, i));
			dom->fields[dom->nfields].index = (int)dom->nfields;
			dom->nfields++;
		}
	}

	n = ynode_get(root, "key");
	if (n == NULL) {
		err_at(l, root, "def.missing", "domain '%s' has no business key ('key')", dom->name);
	} else {
		size_t nk;
		char **names = want_string_list(l, n, "key", &nk);
		dom->key = xcalloc(nk ? nk : 1, sizeof(*dom->key));
		for (i = 0; i < nk; i++) {
			struct mdg_field *f = mdg_field_find(dom, names[i]);
			const struct ynode *at = n->kind == YNODE_SEQ && i < n->n ? n->items[i] : n;
			if (f == NULL)
				err_at(l, at, "def.key", "key field '%s' is not a field of domain '%s'",
				       names[i], dom->name);
			else
				dom->key[dom->nkey++] = f->index;
		}
		if (nk == 0)
			err_at(l, n, "def.key", "the business key names no field");
		free_strings(names, nk);
	}

	if ((n = ynode_get(root, "parent")) != NULL) {
		static const char *const pkeys[] = {"domain", "field", NULL};
		if (n->kind != YNODE_MAP) {
			err_at(l, n, "def.type", "parent must be a mapping with domain and field");
		} else {
			check_keys(l, n, pkeys, "parent");
			if ((s = want_string(l, ynode_get(n, "domain"), "parent.domain")) != NULL)
				dom->parent = xstrdup(s);
			else
				err_at(l, n, "def.missing", "parent has no domain");
			if ((s = want_string(l, ynode_get(n, "field"), "parent.field")) != NULL) {
				struct mdg_field *f = mdg_field_find(dom, s);
				if (f == NULL)
					err_at(l, ynode_get(n, "field"), "def.key",
					       "parent field '%s' is not a field of domain '%s'", s,
					       dom->name);
				else if (f->type != MDG_FT_REF)
					err_at(l, ynode_get(n, "field"), "def.value",
					       "parent field '%s' must be a ref field", s);
				else
					dom->parent_field = f->index;
			} else {
				err_at(l, n, "def.missing", "parent has no field");
			}
		}
	}

	o = ynode_get(root, "odoo");
	if (o == NULL) {
		err_at(l, root, "def.missing", "domain '%s' has no odoo mapping", dom->name);
	} else if (o->kind != YNODE_MAP) {
		err_at(l, o, "def.type", "odoo must be a mapping with model and xmlid");
	} else {
		static const char *const okeys[] = {"model", "xmlid", NULL};
		check_keys(l, o, okeys, "odoo");
		if ((s = want_string(l, ynode_get(o, "model"), "odoo.model")) != NULL)
			dom->odoo_model = xstrdup(s);
		else if (ynode_get(o, "model") == NULL)
			err_at(l, o, "def.missing", "odoo mapping has no model");
		if ((s = want_string(l, ynode_get(o, "xmlid"), "odoo.xmlid")) != NULL) {
			const char *p = s;
			dom->odoo_xmlid = xstrdup(s);
			/* Every placeholder must name a field (or {site}). */
			while ((p = strchr(p, '{')) != NULL) {
				const char *q = strchr(p, '}');
				char *name;
				if (q == NULL) {
					err_at(l, ynode_get(o, "xmlid"), "def.value",
					       "unclosed '{' in xmlid template");
					break;
				}
				name = xstrndup(p + 1, (size_t)(q - p - 1));
				if (strcmp(name, "site") != 0 && mdg_field_find(dom, name) == NULL)
					err_at(l, ynode_get(o, "xmlid"), "def.value",
					       "xmlid template names '{%s}', which is not a field", name);
				free(name);
				p = q + 1;
			}
		} else if (ynode_get(o, "xmlid") == NULL) {
			err_at(l, o, "def.missing", "odoo mapping has no xmlid template");
		}
	}
	load_existing(l, dom, ynode_get(root, "existing"));
	load_match(l, dom, ynode_get(root, "match"));
	mdg_strset_init(&dom->existing_set);
	for (i = 0; i < dom->nexisting; i++)
		mdg_strset_add(&dom->existing_set, dom->existing[i].from,
			       strlen(dom->existing[i].from), (long)i, NULL);
	return dom;
}

/* ------------------------------------------------------------ public API */

void
mdg_domains_init(struct mdg_domains *ds)
{
	memset(ds, 0, sizeof(*ds));
}

void
mdg_domains_free(struct mdg_domains *ds)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		domain_free(ds->v[i]);
	free(ds->v);
	if (ds->md)
		pcre2_match_data_free(ds->md);
	if (ds->mctx)
		pcre2_match_context_free(ds->mctx);
	if (ds->jit_stack)
		pcre2_jit_stack_free(ds->jit_stack);
	memset(ds, 0, sizeof(*ds));
}

size_t
mdg_domains_load_file(struct mdg_domains *ds, const char *path, struct mdg_diags *d)
{
	struct loader l;
	struct ytree *t;
	struct mdg_domain *dom;
	size_t before = d->counts[MDG_SEV_ERROR];

	memset(&l, 0, sizeof(l));
	l.ds = ds;
	l.d = d;
	l.file = path;
	if (ytree_load(&t, path, d) != MDG_OK)
		return d->counts[MDG_SEV_ERROR] - before;
	dom = load_domain(&l, t->root);
	ytree_free(t);
	if (dom != NULL) {
		if (ds->n >= MDG_MAX_DOMAINS) {
			mdg_diag_at(d, MDG_SEV_ERROR, "def.limit", path, 0, 0,
				    "more than %d domains", MDG_MAX_DOMAINS);
			domain_free(dom);
		} else {
			ds->v = xreallocarray(ds->v, ds->n + 1, sizeof(*ds->v));
			ds->v[ds->n++] = dom;
		}
	}
	return d->counts[MDG_SEV_ERROR] - before;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
mdg_domains_load_dir(struct mdg_domains *ds, const char *dir, struct mdg_diags *d)
{
	DIR *dp;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i, errors = 0;

	if ((dp = opendir(dir)) == NULL) {
		mdg_diag_at(d, MDG_SEV_ERROR, "config.domains", dir, 0, 0,
			    "cannot read the domains folder: %s", strerror(errno));
		return 1;
	}
	while ((de = readdir(dp)) != NULL) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = mdg_path_join(dir, de->d_name);
	}
	closedir(dp);
	if (n > 1)
		mdg_qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++)
		errors += mdg_domains_load_file(ds, names[i], d);
	free_strings(names, n);
	if (n == 0) {
		mdg_diag_at(d, MDG_SEV_ERROR, "config.domains", dir, 0, 0,
			    "no domain definitions (*.yaml) in this folder");
		errors++;
	}
	return errors + mdg_domains_link(ds, d);
}

/* Depth-first ordering; state 0 new, 1 on the stack, 2 done. */
static bool
order_visit(struct mdg_domains *ds, struct mdg_domain *dom, int *state, int *next,
	    struct mdg_diags *d)
{
	size_t idx, i;

	for (idx = 0; ds->v[idx] != dom; idx++)
		;
	if (state[idx] == 2)
		return true;
	if (state[idx] == 1) {
		mdg_diag_at(d, MDG_SEV_ERROR, "def.cycle", dom->file, dom->line, dom->col,
			    "domain '%s' is part of a cycle of references", dom->name);
		return false;
	}
	state[idx] = 1;
	for (i = 0; i < dom->nfields; i++) {
		struct mdg_domain *r = dom->fields[i].ref_domain;
		if (r != NULL && r != dom && !order_visit(ds, r, state, next, d)) {
			state[idx] = 2;
			return false;
		}
	}
	state[idx] = 2;
	dom->order = (*next)++;
	return true;
}

size_t
mdg_domains_link(struct mdg_domains *ds, struct mdg_diags *d)
{
	size_t before = d->counts[MDG_SEV_ERROR];
	size_t i, j;
	int *state, next = 0;

	for (i = 0; i < ds->n; i++) {
		struct mdg_domain *dom = ds->v[i];
		for (j = 0; j < dom->nfields; j++) {
			struct mdg_field *f = &dom->fields[j];
			if (f->type != MDG_FT_REF || f->ref == NULL)
				continue;
			f->ref_domain = mdg_domain_find(ds, f->ref);
			if (f->ref_domain == NULL)
				mdg_diag_at(d, MDG_SEV_ERROR, "def.ref", dom->file, f->line, f->col,
					    "field '%s' refers to domain '%s', which is not defined",
					    f->name, f->ref);
			else if (f->ref_domain->nkey != 1)
				mdg_diag_at(d, MDG_SEV_ERROR, "def.ref", dom->file, f->line, f->col,
					    "field '%s' refers to domain '%s', whose key has %zu fields; "
					    "a reference needs a single-field key",
					    f->name, f->ref, f->ref_domain->nkey);
		}
		if (dom->parent != NULL) {
			dom->parent_domain = mdg_domain_find(ds, dom->parent);
			if (dom->parent_domain == NULL)
				mdg_diag_at(d, MDG_SEV_ERROR, "def.ref", dom->file, dom->line, dom->col,
					    "parent domain '%s' is not defined", dom->parent);
			else if (dom->parent_field >= 0 &&
				 dom->fields[dom->parent_field].ref_domain != dom->parent_domain)
				mdg_diag_at(d, MDG_SEV_ERROR, "def.ref", dom->file,
					    dom->fields[dom->parent_field].line,
					    dom->fields[dom->parent_field].col,
					    "parent field '%s' must refer to domain '%s'",
					    dom->fields[dom->parent_field].name, dom->parent);
		}
	}
	state = xcalloc(ds->n ? ds->n : 1, sizeof(*state));
	for (i = 0; i < ds->n; i++)
		(void)order_visit(ds, ds->v[i], state, &next, d);
	free(state);
	if (ds->md == NULL) {
		ds->md = pcre2_match_data_create(16, NULL);
		ds->mctx = pcre2_match_context_create(NULL);
		pcre2_set_match_limit(ds->mctx, MDG_PATTERN_MATCH_LIMIT);
		pcre2_set_depth_limit(ds->mctx, MDG_PATTERN_DEPTH_LIMIT);
		ds->jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
		if (ds->jit_stack != NULL)
			pcre2_jit_stack_assign(ds->mctx, NULL, ds->jit_stack);
	}
	return d->counts[MDG_SEV_ERROR] - before;
}

void
mdg_pairs_free(struct mdg_pair *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].from);
		free(v[i].to);
	}
	free(v);
}

struct mdg_domain *
mdg_domain_find(const struct mdg_domains *ds, const char *name)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (strcmp(ds->v[i]->name, name) == 0)
			return ds->v[i];
	return NULL;
}

struct mdg_field *
mdg_field_find(const struct mdg_domain *dom, const char *name)
{
	size_t i;

	for (i = 0; i < dom->nfields; i++)
		if (dom->fields[i].name != NULL && strcmp(dom->fields[i].name, name) == 0)
			return &dom->fields[i];
	return NULL;
}

struct mdg_field *
mdg_field_for_column(const struct mdg_domain *dom, const char *column)
{
	size_t i, j;

	for (i = 0; i < dom->nfields; i++)
		if (mdg_strcasecmp_ascii(dom->fields[i].name, column) == 0)
			return &dom->fields[i];
	for (i = 0; i < dom->nfields; i++)
		for (j = 0; j < dom->fields[i].naliases; j++)
			if (mdg_strcasecmp_ascii(dom->fields[i].aliases[j], column) == 0)
				return &dom->fields[i];
	return NULL;
}

bool
mdg_domain_has_existing(const struct mdg_domain *dom, const char *key, size_t len)
{
	return mdg_strset_get(&dom->existing_set, key, len, NULL);
}

long
mdg_domain_existing_index(const struct mdg_domain *dom, const char *key, size_t len)
{
	long v;

	return mdg_strset_get(&dom->existing_set, key, len, &v) ? v : -1;
}

const struct mdg_domain *
mdg_domain_central(const struct mdg_domain *dom)
{
	return dom->base != NULL ? dom->base : dom;
}

size_t
mdg_field_load(struct mdg_field *f, const struct ynode *key, const struct ynode *def,
	       const char *file, struct mdg_diags *d)
{
	struct loader l;

	memset(&l, 0, sizeof(l));
	l.d = d;
	l.file = file;
	load_field(&l, NULL, f, key, def);
	return l.errors;
}

size_t
mdg_field_link(struct mdg_field *f, const struct mdg_domains *ds, const char *file,
	       struct mdg_diags *d)
{
	if (f->type != MDG_FT_REF || f->ref == NULL)
		return 0;
	f->ref_domain = mdg_domain_find(ds, f->ref);
	if (f->ref_domain == NULL) {
		mdg_diag_at(d, MDG_SEV_ERROR, "def.ref", file, f->line, f->col,
			    "field '%s' refers to domain '%s', which is not defined", f->name, f->ref);
		return 1;
	}
	if (f->ref_domain->nkey != 1) {
		mdg_diag_at(d, MDG_SEV_ERROR, "def.ref", file, f->line, f->col,
			    "field '%s' refers to domain '%s', whose key has %zu fields; "
			    "a reference needs a single-field key",
			    f->name, f->ref, f->ref_domain->nkey);
		f->ref_domain = NULL;
		return 1;
	}
	return 0;
}

struct mdg_domain *
mdg_domain_view_new(const struct mdg_domain *base)
{
	struct mdg_domain *v = xcalloc(1, sizeof(*v));
	size_t i;

	v->base = base;
	v->name = xstrdup(base->name);
	v->file = xstrdup(base->file);
	v->fields = xcalloc(base->nfields ? base->nfields : 1, sizeof(*v->fields));
	for (i = 0; i < base->nfields; i++) {
		v->fields[i] = base->fields[i];
		v->fields[i].borrowed = true;
		v->fields[i].values_owned = false;
		v->fields[i].pattern2 = NULL;
		v->fields[i].re2 = NULL;
		v->fields[i].pattern2_hint = NULL;
	}
	v->nfields = base->nfields;
	v->key = xcalloc(base->nkey ? base->nkey : 1, sizeof(*v->key));
	memcpy(v->key, base->key, base->nkey * sizeof(*v->key));
	v->nkey = base->nkey;
	v->parent_field = base->parent_field;
	v->parent_domain = base->parent_domain;
	v->order = base->order;
	v->line = base->line;
	v->col = base->col;
	mdg_strset_init(&v->existing_set);
	return v;
}

struct mdg_field *
mdg_domain_view_add(struct mdg_domain *view)
{
	struct mdg_field *f;

	view->fields = xreallocarray(view->fields, view->nfields + 1, sizeof(*view->fields));
	f = &view->fields[view->nfields];
	memset(f, 0, sizeof(*f));
	f->index = (int)view->nfields++;
	f->min_length = -1;
	f->max_length = -1;
	return f;
}

void
mdg_domain_view_free(struct mdg_domain *view)
{
	domain_free(view);
}

/*
 * The domain a file name selects.  The stem is the base name without its
 * extension and without a leading "<SITE>-" or "<SITE>_"; it matches a
 * domain's name or one of its file names, case-insensitively.
 */
struct mdg_domain *
mdg_domain_for_file(const struct mdg_domains *ds, const char *path)
{
	const char *base = mdg_path_base(path);
	char *stem = xstrdup(base), *dot, *p;
	struct mdg_domain *found = NULL;
	size_t i, j, pass;

	if ((dot = strchr(stem, '.')) != NULL)
		*dot = '\0';
	for (pass = 0; pass < 2 && found == NULL; pass++) {
		/* Pass 0: the whole stem; pass 1: after the first '-' or '_'. */
		p = stem;
		if (pass == 1) {
			p = strpbrk(stem, "-_");
			if (p == NULL)
				break;
			p++;
		}
		for (i = 0; i < ds->n && found == NULL; i++) {
			size_t nl = strlen(ds->v[i]->name);
			if (mdg_strcasecmp_ascii(ds->v[i]->name, p) == 0)
				found = ds->v[i];
			/* The plain plural: "things" for domain "thing". */
			if (strlen(p) == nl + 1 && (p[nl] == 's' || p[nl] == 'S') &&
			    strncasecmp(ds->v[i]->name, p, nl) == 0)
				found = ds->v[i];
			for (j = 0; j < ds->v[i]->nfile_names && found == NULL; j++)
				if (mdg_strcasecmp_ascii(ds->v[i]->file_names[j], p) == 0)
					found = ds->v[i];
		}
	}
	free(stem);
	return found;
}
