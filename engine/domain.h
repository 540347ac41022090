/*
 * domain.h - domain definitions: the kinds of master record and their fields.
 *
 * A domain (item, uom, supplier, ...) is loaded from one YAML file under
 * domains/: its fields with types and constraints, its business key, the
 * file names that select it, the parent of a child domain (routing
 * operations belong to a routing), and its Odoo model and field mapping.
 * Patterns are compiled once with PCRE2 (JIT where available) and run with
 * match and depth limits.  doc/domains.md documents the format.
 *
 * Ownership: a domain set owns its domains, fields and compiled patterns;
 * everything dies with mdg_domains_free().
 */
#ifndef MDG_DOMAIN_H
#define MDG_DOMAIN_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

struct ynode;
struct mdg_matcher;
struct mdg_norm_chain;

struct mdg_match_field;
struct mdg_measure;

/*
 * A domain's `match:` section: the matcher (weighted or Fellegi-Sunter
 * scoring) whose compared field number i is the domain field dom_field[i].
 * The matcher's field index is i itself: a record for matching holds the
 * compared fields' values only, in this order.
 *
 * With Fellegi-Sunter scoring the section's thresholds are match
 * probabilities (dup_p, review_p); the matcher's dup_threshold and
 * review_threshold are the same thresholds as weights under the prior
 * lambda, log2(p / (1 - p)) - log2(lambda / (1 - lambda)) (+-HUGE_VAL for
 * p = 1 and p = 0), so that mdg_match_score's weight compares directly.
 * With weighted scoring dup_p and review_p equal the matcher's thresholds.
 */
struct mdg_domain_match {
	struct mdg_matcher *m;
	struct mdg_norm_chain **chains;	/* per compared field */
	int *dom_field;			/* per compared field */
	char **normalise;		/* per compared field: the normaliser names as
					 * written, ", "-joined ("" for none) */
	char **as_names;		/* per compared field: its 'as' name, NULL: none */
	size_t nfields;
	double dup_p, review_p;		/* the thresholds as written */
	long line, col;
};

/* The most thresholds (levels - 1) a compared field may give under FS. */
#define MDG_DOMAIN_MATCH_MAX_LEVELS 7
/*
 * The default Fellegi-Sunter levels of a measure (thresholds, descending)
 * into thr (room for MDG_DOMAIN_MATCH_MAX_LEVELS); returns how many:
 * exact [1], numeric [1, 0.95], levenshtein and damerau_levenshtein
 * [1, 0.8], jaro and jaro_winkler [1, 0.92, 0.8], the token and q-gram
 * measures [1, 0.8, 0.6].
 */
size_t mdg_domain_match_default_levels(const struct mdg_measure *ms, double *thr);
/*
 * Default m and u of a field with f->nthr thresholds: m gives 0.9 to the
 * agreement levels, halving from the closest, and 0.1 to disagreement; u
 * gives 0.1 to the agreement levels, doubling toward the loosest, and 0.9
 * to disagreement (one threshold: m [0.9, 0.1], u [0.1, 0.9]).
 */
void mdg_domain_match_default_mu(struct mdg_match_field *f, bool set_m, bool set_u);

#define MDG_PATTERN_MATCH_LIMIT 100000
#define MDG_PATTERN_DEPTH_LIMIT 1000
#define MDG_MAX_DOMAINS 64
#define MDG_MAX_FIELDS 256

enum mdg_ftype {
	MDG_FT_STRING,
	MDG_FT_INTEGER,
	MDG_FT_DECIMAL,
	MDG_FT_BOOLEAN,
	MDG_FT_DATE,
	MDG_FT_ENUM,
	MDG_FT_REF,
};

struct mdg_pair {
	char *from;
	char *to;
};

struct mdg_field {
	char *name;
	char *label;          /* human label, defaults to name */
	char *description;
	enum mdg_ftype type;
	bool required;
	bool has_min, has_max;
	double min, max;      /* numeric bounds (integer and decimal) */
	bool min_exclusive;   /* the value must be above min, not equal to it */
	long min_length;      /* in characters, -1: none */
	long max_length;      /* in characters, -1: none */
	char *pattern;        /* PCRE2 source, NULL: none */
	pcre2_code *re;
	char *pattern_hint;   /* message shown when the pattern fails */
	char **values;        /* enumeration values */
	size_t nvalues;
	char *ref;            /* referenced domain name */
	struct mdg_domain *ref_domain;
	char **aliases;       /* other column names */
	size_t naliases;
	char *odoo_field;     /* Odoo field name (for relations, without /id) */
	struct mdg_pair *odoo_map;  /* value -> Odoo technical value */
	size_t nodoo_map;
	long line, col;       /* where the field is defined */
	int index;            /* position in the domain */
	/*
	 * A site's view of a field (see mdg_domain_view_new): a central field
	 * copied into the view borrows its strings and compiled pattern from
	 * the central field; a site's tightening may replace the enumeration
	 * by a subset (owned) and add a second pattern that must match too.
	 */
	bool borrowed;        /* the strings belong to the central field */
	bool values_owned;    /* a borrowed field whose values were replaced */
	char *pattern2;       /* the site's additional pattern, NULL: none */
	pcre2_code *re2;
	char *pattern2_hint;
	const char *site;     /* the site that added or tightened it, NULL: central */
};

/* What a record that Odoo already has says of its fields (`existing` with a mapping). */
struct mdg_existing_attrs {
	struct mdg_pair *v;   /* field name -> value as written */
	size_t n;
};

struct mdg_domain {
	char *name;
	char *title;
	char *description;
	char *file;           /* the definition file */
	struct mdg_field *fields;
	size_t nfields;
	int *key;             /* indices of the business key fields */
	size_t nkey;
	char **file_names;    /* file-name stems that select this domain */
	size_t nfile_names;
	char *parent;         /* parent domain name for a child domain */
	int parent_field;     /* field holding the parent's key, -1: none */
	struct mdg_domain *parent_domain;
	char *odoo_model;
	char *odoo_xmlid;     /* external-ID template, {field} placeholders */
	struct mdg_pair *existing;  /* key -> external ID of records Odoo has */
	size_t nexisting;
	struct mdg_existing_attrs *existing_attrs;  /* parallel to existing, NULL: none */
	struct mdg_strset existing_set;  /* the keys of existing, value = index */
	int order;            /* dependency order (0 first) */
	long line, col;
	const struct mdg_domain *base;  /* a site's view: the central domain, NULL: central */
	struct mdg_domain_match *match;  /* the match: section, NULL: none (central only) */
};

struct mdg_domains {
	struct mdg_domain **v;
	size_t n;
	pcre2_match_data *md;  /* shared match data */
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;  /* bounded: patterns that need more hit a limit */
};

/* domain.c */
void mdg_domains_init(struct mdg_domains *ds);
/* Load every *.yaml of a folder (sorted by name); then resolve references
 * and compute the dependency order.  Returns the number of errors added. */
size_t mdg_domains_load_dir(struct mdg_domains *ds, const char *dir, struct mdg_diags *d);
/* Load one file (references are not resolved until mdg_domains_link). */
size_t mdg_domains_load_file(struct mdg_domains *ds, const char *path, struct mdg_diags *d);
size_t mdg_domains_link(struct mdg_domains *ds, struct mdg_diags *d);
void mdg_domains_free(struct mdg_domains *ds);
struct mdg_domain *mdg_domain_find(const struct mdg_domains *ds, const char *name);
/* The domain a file name selects ("items.csv", "PL02-suppliers.csv"), or NULL. */
struct mdg_domain *mdg_domain_for_file(const struct mdg_domains *ds, const char *path);
struct mdg_field *mdg_field_find(const struct mdg_domain *dom, const char *name);
/* A column name matched to a field: name or alias, case-insensitive. */
struct mdg_field *mdg_field_for_column(const struct mdg_domain *dom, const char *column);
const char *mdg_ftype_name(enum mdg_ftype t);
void mdg_pairs_free(struct mdg_pair *v, size_t n);
/* Does the existing-records list name this key? */
bool mdg_domain_has_existing(const struct mdg_domain *dom, const char *key, size_t len);
/* Index of the key in existing, or -1. */
long mdg_domain_existing_index(const struct mdg_domain *dom, const char *key, size_t len);
/* The central domain of a site's view (the domain itself when central). */
const struct mdg_domain *mdg_domain_central(const struct mdg_domain *dom);
/*
 * Load one field definition (the same syntax as in a domain file) from a
 * YAML key and value; errors go to d located in file.  Used by site
 * extensions for their own x_ fields.  Returns the number of errors.  The
 * field's reference, if any, is resolved with mdg_field_link.
 */
size_t mdg_field_load(struct mdg_field *f, const struct ynode *key, const struct ynode *def,
		      const char *file, struct mdg_diags *d);
/* Resolve a ref field's domain; an error is located at the field. */
size_t mdg_field_link(struct mdg_field *f, const struct mdg_domains *ds, const char *file,
		      struct mdg_diags *d);
void mdg_field_free(struct mdg_field *f);
/* Compile a field pattern (UTF, JIT); an error is located in the node's text. */
size_t mdg_pattern_compile(pcre2_code **out, const char *pattern, const struct ynode *n,
			   const char *file, struct mdg_diags *d);
/*
 * A site's view of a central domain: the same fields (borrowed, so that a
 * tightening can change a copy) to which the site may add its own.  The
 * view is not in the domain set; it is owned by the caller and freed with
 * mdg_domain_view_free.  New fields are added with mdg_domain_view_add,
 * which may move the fields array (take no field pointers while adding).
 */
struct mdg_domain *mdg_domain_view_new(const struct mdg_domain *base);
struct mdg_field *mdg_domain_view_add(struct mdg_domain *view);
void mdg_domain_view_free(struct mdg_domain *view);

#endif
