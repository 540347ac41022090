/*
 * test_domain.c - loading domain definitions (domain.c over yamltree.c),
 * their located definition errors, rendering a diagnostic, selecting a
 * domain by file name and a field by column, and the enterprise
 * configuration with its sites and site extensions (enterprise.c).
 *
 * Every test writes its YAML into a fresh temporary folder and removes it
 * afterwards.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "domain.h"
#include "enterprise.h"
#include "match.h"
#include "util.h"
#include "testdir.h"
#include "yamltree.h"

/* ------------------------------------------------------------ fixture */

#define MAX_PATHS 32

struct fixture {
	char *dir;
	char *paths[MAX_PATHS];
	size_t npaths;
	struct mdg_domains ds;
	struct mdg_diags d;
	struct mdg_enterprise *e;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	if ((fx->dir = testdir_make("mdg-test-domain")) == NULL) {
		free(fx);
		return -1;
	}
	mdg_domains_init(&fx->ds);
	mdg_diags_init(&fx->d);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	mdg_enterprise_free(fx->e);
	mdg_domains_free(&fx->ds);
	mdg_diags_free(&fx->d);
	testdir_remove(fx->dir);
	for (i = 0; i < fx->npaths; i++)
		free(fx->paths[i]);
	free(fx->dir);
	free(fx);
	return 0;
}

/* Write text to dir/rel (creating the folders on the way); the path is
 * owned by the fixture. */
static const char *
put(struct fixture *fx, const char *rel, const char *text)
{
	char *path = testdir_put(fx->dir, rel, text);

	assert_true(fx->npaths < MAX_PATHS);
	fx->paths[fx->npaths++] = path;
	return path;
}

static const char *
subdir(struct fixture *fx, const char *rel)
{
	char *path = xasprintf("%s/%s", fx->dir, rel);

	assert_true(fx->npaths < MAX_PATHS);
	fx->paths[fx->npaths++] = path;
	return path;
}

/* Write one definition file, load it and link the set. */
static size_t
load_text(struct fixture *fx, const char *name, const char *text, const char **path)
{
	const char *p = put(fx, name, text);
	size_t n;

	if (path)
		*path = p;
	n = mdg_domains_load_file(&fx->ds, p, &fx->d);
	return n + mdg_domains_link(&fx->ds, &fx->d);
}

static void
dump(const struct mdg_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		print_message("  diag %zu: %s:%ld:%ld: %s [%s]\n", i,
			      d->v[i].file ? d->v[i].file : "-", d->v[i].line, d->v[i].col,
			      d->v[i].message, d->v[i].code ? d->v[i].code : "-");
}

static size_t
count_code(const struct mdg_diags *d, const char *code)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++)
		if (d->v[i].code && strcmp(d->v[i].code, code) == 0)
			n++;
	return n;
}

static void
expect_diag(const struct mdg_diags *d, size_t i, const char *file, long line, long col,
	    const char *code, const char *message)
{
	const struct mdg_diag *dg;

	if (i >= d->n) {
		dump(d);
		fail_msg("no diagnostic %zu (%zu in all); expected %s at %ld:%ld", i, d->n, code,
			 line, col);
	}
	dg = &d->v[i];
	if (dg->code == NULL || strcmp(dg->code, code) != 0 || dg->line != line ||
	    dg->col != col || strcmp(dg->message, message) != 0 ||
	    (file && (dg->file == NULL || strcmp(dg->file, file) != 0)))
		dump(d);
	assert_int_equal(dg->severity, MDG_SEV_ERROR);
	assert_non_null(dg->code);
	assert_string_equal(dg->code, code);
	if (file) {
		assert_non_null(dg->file);
		assert_string_equal(dg->file, file);
	}
	assert_int_equal(dg->line, line);
	assert_int_equal(dg->col, col);
	assert_string_equal(dg->message, message);
}

/* Exactly one error, this one. */
static void
expect_only(const struct fixture *fx, size_t errors, const char *file, long line, long col,
	    const char *code, const char *message)
{
	if (fx->d.n != 1)
		dump(&fx->d);
	assert_int_equal(fx->d.n, 1);
	assert_int_equal(errors, 1);
	assert_int_equal(mdg_diags_errors(&fx->d), 1);
	expect_diag(&fx->d, 0, file, line, col, code, message);
}

/* The lookups take a length (values come from CSV fields, not strings). */
static bool
has_existing(const struct mdg_domain *dom, const char *key)
{
	return mdg_domain_has_existing(dom, key, strlen(key));
}

static const char *
map_value(const struct mdg_site_domain *sd, const char *field, const char *value)
{
	return mdg_site_map_value(sd, field, value, strlen(value));
}

static double
elapsed_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ------------------------------------------------------ a valid set */

static const char uom_category_yaml[] =
	"domain: uom_category\n"
	"files: [uom_categories]\n"
	"key: [code]\n"
	"odoo:\n"
	"  model: uom.category\n"
	"  xmlid: \"uomcat_{code}\"\n"
	"fields:\n"
	"  code:\n"
	"    type: string\n"
	"    required: true\n";

static const char uom_yaml[] =
	"domain: uom\n"
	"title: Unit of measure\n"
	"files: [uoms, units]\n"
	"key: [code]\n"
	"odoo:\n"
	"  model: uom.uom\n"
	"  xmlid: \"uom_{code}\"\n"
	"existing:\n"
	"  PCE: uom.product_uom_unit\n"
	"  KG: uom.product_uom_kgm\n"
	"fields:\n"
	"  code:\n"
	"    type: string\n"
	"    required: true\n"
	"    max_length: 16\n"
	"    pattern: '^[A-Z][A-Z0-9_]*$'\n"
	"    aliases: [uom_code, \"Unit Code\"]\n"
	"  category:\n"
	"    type: ref\n"
	"    domain: uom_category\n"
	"  uom_type:\n"
	"    type: enum\n"
	"    values: [reference, bigger, smaller]\n"
	"    odoo:\n"
	"      field: uom_type\n"
	"      map: {reference: reference, bigger: bigger, smaller: smaller}\n"
	"  factor:\n"
	"    type: decimal\n"
	"    min: 0.000001\n"
	"    max: 1000000\n";

static const char item_yaml[] =
	"domain: item\n"                                               /* 1 */
	"title: Item\n"                                                /* 2 */
	"files: [items, products]\n"                                   /* 3 */
	"key: [default_code]\n"                                        /* 4 */
	"odoo:\n"                                                      /* 5 */
	"  model: product.product\n"                                   /* 6 */
	"  xmlid: \"item_{default_code}\"\n"                           /* 7 */
	"fields:\n"                                                    /* 8 */
	"  default_code:\n"                                            /* 9 */
	"    type: string\n"                                           /* 10 */
	"    label: Internal reference\n"                              /* 11 */
	"    required: true\n"                                         /* 12 */
	"    min_length: 3\n"                                          /* 13 */
	"    max_length: 32\n"                                         /* 14 */
	"    pattern: '^[A-Z0-9][A-Z0-9._-]*$'\n"                      /* 15 */
	"    pattern_hint: upper-case letters, digits, '.', '_' and '-'\n" /* 16 */
	"    aliases: [code, item_code, \"Item Number\"]\n"            /* 17 */
	"    odoo: default_code\n"                                     /* 18 */
	"  name:\n"                                                    /* 19 */
	"    type: string\n"                                           /* 20 */
	"    required: true\n"                                         /* 21 */
	"    aliases: [item_name, description]\n"                      /* 22 */
	"    odoo: name\n"                                             /* 23 */
	"  description:\n"                                             /* 24 */
	"    type: string\n"                                           /* 25 */
	"    odoo: description\n"                                      /* 26 */
	"  kind:\n"                                                    /* 27 */
	"    type: enum\n"                                             /* 28 */
	"    required: true\n"                                         /* 29 */
	"    values: [storable, consumable, service]\n"                /* 30 */
	"    odoo:\n"                                                  /* 31 */
	"      field: detailed_type\n"                                 /* 32 */
	"      map: {storable: product, consumable: consu, service: service}\n" /* 33 */
	"  uom:\n"                                                     /* 34 */
	"    type: ref\n"                                              /* 35 */
	"    domain: uom\n"                                            /* 36 */
	"    required: true\n"                                         /* 37 */
	"    aliases: [unit]\n"                                        /* 38 */
	"    odoo: uom_id\n"                                           /* 39 */
	"  weight:\n"                                                  /* 40 */
	"    type: decimal\n"                                          /* 41 */
	"    min: 0\n"                                                 /* 42 */
	"    max: 100000\n"                                            /* 43 */
	"  produce_delay:\n"                                           /* 44 */
	"    type: integer\n"                                          /* 45 */
	"    min: 0\n"                                                 /* 46 */
	"    max: 365\n"                                               /* 47 */
	"  active:\n"                                                  /* 48 */
	"    type: boolean\n"                                          /* 49 */
	"  valid_from:\n"                                              /* 50 */
	"    type: date\n";                                            /* 51 */

static const char supplier_yaml[] =
	"domain: supplier\n"
	"files: [suppliers, vendors]\n"
	"key: ref\n"
	"odoo:\n"
	"  model: res.partner\n"
	"  xmlid: \"supplier_{ref}\"\n"
	"fields:\n"
	"  ref:\n"
	"    type: string\n"
	"    required: true\n"
	"  name:\n"
	"    type: string\n";

static const char routing_yaml[] =
	"domain: routing\n"
	"key: [code]\n"
	"odoo:\n"
	"  model: mrp.bom\n"
	"  xmlid: \"bom_{code}\"\n"
	"fields:\n"
	"  code:\n"
	"    type: string\n"
	"  product:\n"
	"    type: ref\n"
	"    domain: item\n";

static const char routing_operation_yaml[] =
	"domain: routing_operation\n"
	"files: [routing_operations, operations]\n"
	"key: [routing, sequence]\n"
	"parent:\n"
	"  domain: routing\n"
	"  field: routing\n"
	"odoo:\n"
	"  model: mrp.routing.workcenter\n"
	"  xmlid: \"op_{routing}_{sequence}\"\n"
	"fields:\n"
	"  routing:\n"
	"    type: ref\n"
	"    domain: routing\n"
	"  sequence:\n"
	"    type: integer\n"
	"    min: 1\n"
	"  name:\n"
	"    type: string\n";

/* A domain that references itself (a location's parent) is allowed. */
static const char location_yaml[] =
	"domain: location\n"
	"key: [code]\n"
	"odoo:\n"
	"  model: stock.location\n"
	"  xmlid: \"loc_{site}_{code}\"\n"
	"fields:\n"
	"  code:\n"
	"    type: string\n"
	"  parent:\n"
	"    type: ref\n"
	"    domain: location\n";

static const char *
put_valid_set(struct fixture *fx)
{
	put(fx, "domains/uom_category.yaml", uom_category_yaml);
	put(fx, "domains/uom.yaml", uom_yaml);
	put(fx, "domains/item.yaml", item_yaml);
	put(fx, "domains/supplier.yaml", supplier_yaml);
	put(fx, "domains/routing.yaml", routing_yaml);
	put(fx, "domains/routing_operation.yaml", routing_operation_yaml);
	put(fx, "domains/location.yaml", location_yaml);
	return subdir(fx, "domains");
}

static void
load_valid_set(struct fixture *fx)
{
	const char *dir = put_valid_set(fx);
	size_t errors = mdg_domains_load_dir(&fx->ds, dir, &fx->d);

	if (errors != 0 || fx->d.n != 0)
		dump(&fx->d);
	assert_int_equal(errors, 0);
	assert_int_equal(fx->d.n, 0);
	assert_int_equal(fx->ds.n, 7);
}

static void
test_domain_valid_set_loads(void **state)
{
	struct fixture *fx = *state;
	struct mdg_domain *item, *uom, *cat, *routing, *op, *loc, *sup;
	struct mdg_field *f;
	size_t i;
	static const char *const names[] = {"default_code", "name",          "description",
					    "kind",         "uom",           "weight",
					    "produce_delay", "active",       "valid_from"};
	static const enum mdg_ftype types[] = {MDG_FT_STRING, MDG_FT_STRING,  MDG_FT_STRING,
					       MDG_FT_ENUM,   MDG_FT_REF,     MDG_FT_DECIMAL,
					       MDG_FT_INTEGER, MDG_FT_BOOLEAN, MDG_FT_DATE};

	load_valid_set(fx);
	item = mdg_domain_find(&fx->ds, "item");
	uom = mdg_domain_find(&fx->ds, "uom");
	cat = mdg_domain_find(&fx->ds, "uom_category");
	routing = mdg_domain_find(&fx->ds, "routing");
	op = mdg_domain_find(&fx->ds, "routing_operation");
	loc = mdg_domain_find(&fx->ds, "location");
	sup = mdg_domain_find(&fx->ds, "supplier");
	assert_non_null(item);
	assert_non_null(uom);
	assert_non_null(cat);
	assert_non_null(routing);
	assert_non_null(op);
	assert_non_null(loc);
	assert_non_null(sup);
	assert_null(mdg_domain_find(&fx->ds, "nothing"));

	/* The item domain. */
	assert_string_equal(item->title, "Item");
	assert_int_equal(item->nfile_names, 2);
	assert_string_equal(item->file_names[0], "items");
	assert_string_equal(item->file_names[1], "products");
	assert_string_equal(item->odoo_model, "product.product");
	assert_string_equal(item->odoo_xmlid, "item_{default_code}");
	assert_null(item->parent);
	assert_int_equal(item->parent_field, -1);
	assert_int_equal(item->nexisting, 0);
	assert_int_equal(item->nfields, 9);
	for (i = 0; i < 9; i++) {
		assert_string_equal(item->fields[i].name, names[i]);
		assert_int_equal(item->fields[i].type, types[i]);
		assert_int_equal(item->fields[i].index, (int)i);
	}
	assert_int_equal(item->nkey, 1);
	assert_int_equal(item->key[0], 0);

	f = mdg_field_find(item, "default_code");
	assert_ptr_equal(f, &item->fields[0]);
	assert_int_equal(f->line, 9);
	assert_int_equal(f->col, 3);
	assert_string_equal(f->label, "Internal reference");
	assert_true(f->required);
	assert_int_equal(f->min_length, 3);
	assert_int_equal(f->max_length, 32);
	assert_string_equal(f->pattern, "^[A-Z0-9][A-Z0-9._-]*$");
	assert_non_null(f->re);
	assert_string_equal(f->pattern_hint, "upper-case letters, digits, '.', '_' and '-'");
	assert_int_equal(f->naliases, 3);
	assert_string_equal(f->aliases[0], "code");
	assert_string_equal(f->aliases[1], "item_code");
	assert_string_equal(f->aliases[2], "Item Number");
	assert_string_equal(f->odoo_field, "default_code");
	assert_int_equal(f->nodoo_map, 0);
	assert_false(f->has_min);
	assert_false(f->has_max);

	f = mdg_field_find(item, "name");
	assert_null(f->label);
	assert_int_equal(f->min_length, -1);
	assert_int_equal(f->max_length, -1);
	assert_null(f->pattern);
	assert_null(f->re);

	f = mdg_field_find(item, "kind");
	assert_int_equal(f->line, 27);
	assert_true(f->required);
	assert_int_equal(f->nvalues, 3);
	assert_string_equal(f->values[0], "storable");
	assert_string_equal(f->values[1], "consumable");
	assert_string_equal(f->values[2], "service");
	assert_string_equal(f->odoo_field, "detailed_type");
	assert_int_equal(f->nodoo_map, 3);
	assert_string_equal(f->odoo_map[0].from, "storable");
	assert_string_equal(f->odoo_map[0].to, "product");
	assert_string_equal(f->odoo_map[1].from, "consumable");
	assert_string_equal(f->odoo_map[1].to, "consu");
	assert_string_equal(f->odoo_map[2].from, "service");
	assert_string_equal(f->odoo_map[2].to, "service");

	f = mdg_field_find(item, "uom");
	assert_string_equal(f->ref, "uom");
	assert_ptr_equal(f->ref_domain, uom);
	assert_string_equal(f->odoo_field, "uom_id");

	f = mdg_field_find(item, "weight");
	assert_true(f->has_min);
	assert_true(f->has_max);
	assert_true(f->min == 0.0);
	assert_true(f->max == 100000.0);
	assert_false(f->required);

	f = mdg_field_find(item, "produce_delay");
	assert_true(f->min == 0.0);
	assert_true(f->max == 365.0);
	assert_null(mdg_field_find(item, "Default_Code"));

	/* uom: existing records, key, the reference to its category. */
	assert_string_equal(uom->title, "Unit of measure");
	assert_int_equal(uom->nexisting, 2);
	assert_string_equal(uom->existing[0].from, "PCE");
	assert_string_equal(uom->existing[0].to, "uom.product_uom_unit");
	assert_string_equal(uom->existing[1].from, "KG");
	assert_string_equal(uom->existing[1].to, "uom.product_uom_kgm");
	assert_true(has_existing(uom, "PCE"));
	assert_true(has_existing(uom, "KG"));
	assert_false(has_existing(uom, "pce"));
	assert_false(has_existing(uom, "BOX10"));
	/* Only len bytes are the key: no NUL needed, no prefix match. */
	assert_true(mdg_domain_has_existing(uom, "PCE;KG", 3));
	assert_true(mdg_domain_has_existing(uom, "KGX", 2));
	assert_false(mdg_domain_has_existing(uom, "PCE", 2));
	assert_false(mdg_domain_has_existing(uom, "PCEX", 4));
	assert_false(mdg_domain_has_existing(uom, "", 0));
	assert_false(has_existing(item, "PCE"));
	assert_ptr_equal(mdg_field_find(uom, "category")->ref_domain, cat);
	assert_true(mdg_field_find(uom, "factor")->min == 0.000001);

	/* A key given as a single string. */
	assert_int_equal(sup->nkey, 1);
	assert_int_equal(sup->key[0], 0);

	/* The child domain: its parent, and a two-field key. */
	assert_string_equal(op->parent, "routing");
	assert_ptr_equal(op->parent_domain, routing);
	assert_int_equal(op->parent_field, 0);
	assert_int_equal(op->nkey, 2);
	assert_int_equal(op->key[0], 0);
	assert_int_equal(op->key[1], 1);
	assert_ptr_equal(op->fields[0].ref_domain, routing);

	/* The self reference resolves to the domain itself. */
	assert_ptr_equal(mdg_field_find(loc, "parent")->ref_domain, loc);

	/* Dependency order: a referenced domain comes first. */
	assert_true(cat->order < uom->order);
	assert_true(uom->order < item->order);
	assert_true(item->order < routing->order);
	assert_true(routing->order < op->order);
	/* Orders are a permutation of 0..n-1. */
	for (i = 0; i < fx->ds.n; i++) {
		size_t j, seen = 0;
		for (j = 0; j < fx->ds.n; j++)
			if (fx->ds.v[j]->order == (int)i)
				seen++;
		assert_int_equal(seen, 1);
	}

	/* The shared match data and context exist after linking. */
	assert_non_null(fx->ds.md);
	assert_non_null(fx->ds.mctx);
	assert_string_equal(mdg_ftype_name(MDG_FT_DECIMAL), "decimal");
	assert_string_equal(mdg_ftype_name(MDG_FT_REF), "ref");
}

static void
test_domain_load_dir_ignores_other_files(void **state)
{
	struct fixture *fx = *state;
	const char *dir;

	put(fx, "domains/uom_category.yaml", uom_category_yaml);
	put(fx, "domains/README.txt", "not: [a definition\n");
	put(fx, "domains/notes.yml", "not: [a definition\n");
	put(fx, "domains/.hidden.yaml", "not: [a definition\n");
	dir = subdir(fx, "domains");
	assert_int_equal(mdg_domains_load_dir(&fx->ds, dir, &fx->d), 0);
	if (fx->d.n)
		dump(&fx->d);
	assert_int_equal(fx->d.n, 0);
	assert_int_equal(fx->ds.n, 1);
}

static void
test_domain_load_dir_empty_or_missing(void **state)
{
	struct fixture *fx = *state;
	const char *dir = subdir(fx, "nothing-here");

	assert_int_equal(mdg_domains_load_dir(&fx->ds, dir, &fx->d), 1);
	assert_int_equal(fx->d.n, 1);
	assert_string_equal(fx->d.v[0].code, "config.domains");
	assert_string_equal(fx->d.v[0].file, dir);
	assert_int_equal(fx->d.v[0].line, 0);

	mdg_diags_free(&fx->d);
	mdg_diags_init(&fx->d);
	put(fx, "empty/README.txt", "nothing\n");
	dir = subdir(fx, "empty");
	assert_int_equal(mdg_domains_load_dir(&fx->ds, dir, &fx->d), 1);
	expect_diag(&fx->d, 0, dir, 0, 0, "config.domains",
		    "no domain definitions (*.yaml) in this folder");
}

/* ------------------------------------------------- definition errors */

/* The first lines of a small valid definition; tests add fields from line 9. */
#define HEAD                                                                            \
	"domain: thing\n"              /* 1 */                                           \
	"key: [code]\n"                /* 2 */                                           \
	"odoo:\n"                      /* 3 */                                           \
	"  model: x.thing\n"           /* 4 */                                           \
	"  xmlid: \"thing_{code}\"\n"  /* 5 */                                           \
	"fields:\n"                    /* 6 */                                           \
	"  code:\n"                    /* 7 */                                           \
	"    type: string\n"           /* 8 */

static void
test_domain_head_is_valid(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load_text(fx, "thing.yaml", HEAD, NULL), 0);
	assert_int_equal(fx->d.n, 0);
	assert_int_equal(fx->ds.n, 1);
}

static void
test_domain_error_missing_or_empty_file(void **state)
{
	struct fixture *fx = *state;
	char *missing = xasprintf("%s/absent.yaml", fx->dir);
	const char *empty;
	size_t n;

	n = mdg_domains_load_file(&fx->ds, missing, &fx->d);
	assert_int_equal(n, 1);
	expect_diag(&fx->d, 0, missing, 0, 0, "input.unreadable",
		    "cannot open: No such file or directory");
	free(missing);
	mdg_diags_free(&fx->d);
	mdg_diags_init(&fx->d);

	empty = put(fx, "empty.yaml", "# nothing but a comment\n");
	n = mdg_domains_load_file(&fx->ds, empty, &fx->d);
	expect_only(fx, n, empty, 0, 0, "def.empty", "the file defines nothing");
	assert_int_equal(fx->ds.n, 0);
}

static void
test_domain_error_bad_names(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     "domain: Thing\n"             /* 1 */
			     "key: [code]\n"               /* 2 */
			     "odoo:\n"                     /* 3 */
			     "  model: x.thing\n"          /* 4 */
			     "  xmlid: \"thing_{code}\"\n" /* 5 */
			     "fields:\n"                   /* 6 */
			     "  code:\n"                   /* 7 */
			     "    type: string\n"          /* 8 */
			     "  Item-No:\n"                /* 9 */
			     "    type: string\n",         /* 10 */
			     &path);

	if (n != 2)
		dump(&fx->d);
	assert_int_equal(n, 2);
	expect_diag(&fx->d, 0, path, 1, 9, "def.name",
		    "domain name 'Thing' must be lower case letters, digits and '_'");
	expect_diag(&fx->d, 1, path, 9, 3, "def.name",
		    "field name 'Item-No' must be lower case letters, digits and '_', starting "
		    "with a letter");
}

static void
test_domain_error_unknown_field_key(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  qty:\n"         /* 9 */
				  "    type: integer\n" /* 10 */
				  "    maximum: 5\n",   /* 11 */
			     &path);

	expect_only(fx, n, path, 11, 5, "def.unknown_key",
		    "unknown key 'maximum' in a field definition");
	assert_int_equal(fx->d.v[0].span, 7);
}

static void
test_domain_error_unknown_type(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  qty:\n"          /* 9 */
				  "    type: integr\n", /* 10 */
			     &path);

	expect_only(fx, n, path, 10, 11, "def.type",
		    "unknown type 'integr' (string, integer, decimal, boolean, date, enum, ref)");
}

static void
test_domain_error_min_above_max(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  qty:\n"           /* 9 */
				  "    type: integer\n" /* 10 */
				  "    min: 10\n"       /* 11 */
				  "    max: 5\n",       /* 12 */
			     &path);

	expect_only(fx, n, path, 12, 10, "def.value", "max (5) is below min (10) in field 'qty'");
}

static void
test_domain_error_max_length_below_min_length(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  name:\n"          /* 9 */
				  "    type: string\n"  /* 10 */
				  "    min_length: 10\n" /* 11 */
				  "    max_length: 5\n", /* 12 */
			     &path);

	expect_only(fx, n, path, 12, 17, "def.value",
		    "max_length (5) is below min_length (10) in field 'name'");
}

static void
test_domain_error_constraint_for_wrong_type(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  qty:\n"               /* 9 */
				  "    type: integer\n"     /* 10 */
				  "    max_length: 5\n"     /* 11 */
				  "  name:\n"               /* 12 */
				  "    type: string\n"      /* 13 */
				  "    min: 1\n"            /* 14 */
				  "    values: [a, b]\n",   /* 15 */
			     &path);

	if (n != 3)
		dump(&fx->d);
	assert_int_equal(n, 3);
	expect_diag(&fx->d, 0, path, 11, 17, "def.value",
		    "max_length is for string fields; 'qty' is integer");
	expect_diag(&fx->d, 1, path, 14, 10, "def.value",
		    "min is for integer and decimal fields; 'name' is string");
	expect_diag(&fx->d, 2, path, 15, 13, "def.value",
		    "values are for enum fields; 'name' is string");
}

static void
test_domain_error_pattern_does_not_compile(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	/* "    pattern: '^[z-a]$'": the quote is column 14, the pattern starts at
	 * 15, and PCRE2 reports offset 4, the 'a' at column 19. */
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  name:\n"                  /* 9 */
				  "    type: string\n"          /* 10 */
				  "    pattern: '^[z-a]$'\n",   /* 11 */
			     &path);

	expect_only(fx, n, path, 11, 19, "def.pattern",
		    "pattern does not compile: range out of order in character class (at offset 4)");
	assert_int_equal(fx->d.v[0].span, 1);
	assert_null(fx->ds.v[0]->fields[1].re);
}

static void
test_domain_error_pattern_plain_scalar_column(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	/* A plain scalar starts at column 14; offset 6 is the '}' at column 20. */
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  name:\n"                 /* 9 */
				  "    type: string\n"         /* 10 */
				  "    pattern: ^a{2,1}$\n",   /* 11 */
			     &path);

	expect_only(fx, n, path, 11, 20, "def.pattern",
		    "pattern does not compile: numbers out of order in {} quantifier (at offset 6)");
}

static void
test_domain_error_pattern_column_with_escapes(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	/*
	 * "    pattern: \"^\\\\d+[z-a]$\"" in the file is: pattern: "^\\d+[z-a]$"
	 * The value is ^\d+[z-a]$ and PCRE2 reports offset 7 (the 'a'); in the
	 * source the escape "\\" takes two columns, so offsets do not map to
	 * columns: the error points at the scalar's opening quote (column 14)
	 * rather than at a wrong character.
	 */
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  name:\n"                       /* 9 */
				  "    type: string\n"               /* 10 */
				  "    pattern: \"^\\\\d+[z-a]$\"\n", /* 11 */
			     &path);

	expect_only(fx, n, path, 11, 14, "def.pattern",
		    "pattern does not compile: range out of order in character class (at offset 7)");
}

static void
test_domain_error_pattern_block_scalar(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	/* A block scalar: offsets do not map to columns of the indicator's
	 * line, so the error points at the scalar itself (its '|-' on line 11,
	 * column 14), never at a wrong character. */
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  name:\n"              /* 9 */
				  "    type: string\n"      /* 10 */
				  "    pattern: |-\n"       /* 11 */
				  "      ^[z-a]$\n",        /* 12 */
			     &path);

	expect_only(fx, n, path, 11, 14, "def.pattern",
		    "pattern does not compile: range out of order in character class (at offset 4)");
}

static void
test_domain_error_key_names_missing_field(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     "domain: thing\n"             /* 1 */
			     "key: [code, sku]\n"          /* 2 */
			     "odoo:\n"                     /* 3 */
			     "  model: x.thing\n"          /* 4 */
			     "  xmlid: \"thing_{code}\"\n" /* 5 */
			     "fields:\n"                   /* 6 */
			     "  code:\n"                   /* 7 */
			     "    type: string\n",         /* 8 */
			     &path);

	expect_only(fx, n, path, 2, 13, "def.key", "key field 'sku' is not a field of domain 'thing'");
	/* The good part of the key is kept. */
	assert_int_equal(fx->ds.v[0]->nkey, 1);
}

static void
test_domain_error_xmlid_names_missing_field(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     "domain: thing\n"             /* 1 */
			     "key: [code]\n"               /* 2 */
			     "odoo:\n"                     /* 3 */
			     "  model: x.thing\n"          /* 4 */
			     "  xmlid: \"thing_{kode}\"\n" /* 5 */
			     "fields:\n"                   /* 6 */
			     "  code:\n"                   /* 7 */
			     "    type: string\n",         /* 8 */
			     &path);

	expect_only(fx, n, path, 5, 10, "def.value",
		    "xmlid template names '{kode}', which is not a field");
}

static void
test_domain_error_ref_unknown_domain(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  owner:\n"          /* 9 */
				  "    type: ref\n"      /* 10 */
				  "    domain: nobody\n", /* 11 */
			     &path);

	/* Reported at the field by mdg_domains_link. */
	expect_only(fx, n, path, 9, 3, "def.ref",
		    "field 'owner' refers to domain 'nobody', which is not defined");
	assert_null(fx->ds.v[0]->fields[1].ref_domain);
}

static void
test_domain_error_ref_needs_single_key(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t n;

	put(fx, "domains/routing.yaml", routing_yaml);
	put(fx, "domains/routing_operation.yaml", routing_operation_yaml);
	p = put(fx, "domains/thing.yaml",
		HEAD "  op:\n"                          /* 9 */
		     "    type: ref\n"                   /* 10 */
		     "    domain: routing_operation\n"); /* 11 */
	n = mdg_domains_load_dir(&fx->ds, subdir(fx, "domains"), &fx->d);
	/* routing refers to item, which is not defined; thing refers to a
	 * domain whose key has two fields. */
	if (n != 2)
		dump(&fx->d);
	assert_int_equal(n, 2);
	assert_int_equal(fx->d.n, 2);
	assert_string_equal(fx->d.v[0].code, "def.ref");
	assert_string_equal(fx->d.v[0].message,
			    "field 'product' refers to domain 'item', which is not defined");
	expect_diag(&fx->d, 1, p, 9, 3, "def.ref",
		    "field 'op' refers to domain 'routing_operation', whose key has 2 fields; a "
		    "reference needs a single-field key");
}

static void
test_domain_error_parent_unknown(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "op.yaml",
			     "domain: op\n"                /* 1 */
			     "key: [code]\n"               /* 2 */
			     "parent:\n"                   /* 3 */
			     "  domain: nothing\n"         /* 4 */
			     "  field: code\n"             /* 5 */
			     "odoo:\n"                     /* 6 */
			     "  model: x.op\n"             /* 7 */
			     "  xmlid: \"op_{code}\"\n"    /* 8 */
			     "fields:\n"                   /* 9 */
			     "  code:\n"                   /* 10 */
			     "    type: string\n",         /* 11 */
			     &path);

	/* The parent field must be a ref; the parent domain must exist. */
	if (n != 2)
		dump(&fx->d);
	assert_int_equal(n, 2);
	expect_diag(&fx->d, 0, path, 5, 10, "def.value", "parent field 'code' must be a ref field");
	expect_diag(&fx->d, 1, path, 1, 1, "def.ref", "parent domain 'nothing' is not defined");
}

static void
test_domain_error_cycle(void **state)
{
	struct fixture *fx = *state;
	const char *a, *dir;
	size_t n;

	a = put(fx, "domains/a.yaml",
		"domain: a\n"
		"key: [code]\n"
		"odoo: {model: x.a, xmlid: \"a_{code}\"}\n"
		"fields:\n"
		"  code: {type: string}\n"
		"  b: {type: ref, domain: b}\n");
	put(fx, "domains/b.yaml",
	    "domain: b\n"
	    "key: [code]\n"
	    "odoo: {model: x.b, xmlid: \"b_{code}\"}\n"
	    "fields:\n"
	    "  code: {type: string}\n"
	    "  a: {type: ref, domain: a}\n");
	dir = subdir(fx, "domains");
	n = mdg_domains_load_dir(&fx->ds, dir, &fx->d);
	expect_only(fx, n, a, 1, 1, "def.cycle", "domain 'a' is part of a cycle of references");
	/* Both domains are still loaded and resolved. */
	assert_int_equal(fx->ds.n, 2);
	assert_ptr_equal(fx->ds.v[0]->fields[1].ref_domain, fx->ds.v[1]);
	assert_ptr_equal(fx->ds.v[1]->fields[1].ref_domain, fx->ds.v[0]);
}

static void
test_domain_error_enum_without_values(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  kind:\n"           /* 9 */
				  "    type: enum\n"     /* 10 */
				  "  tracking:\n"       /* 11 */
				  "    type: enum\n"     /* 12 */
				  "    values: []\n",    /* 13 */
			     &path);

	if (n != 2)
		dump(&fx->d);
	assert_int_equal(n, 2);
	expect_diag(&fx->d, 0, path, 9, 3, "def.missing", "enum field 'kind' has no values");
	expect_diag(&fx->d, 1, path, 13, 13, "def.value",
		    "enum field 'tracking' has an empty list of values");
}

static void
test_domain_error_odoo_map_unknown_value(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  kind:\n"                    /* 9 */
				  "    type: enum\n"              /* 10 */
				  "    values: [a, b]\n"          /* 11 */
				  "    odoo:\n"                   /* 12 */
				  "      field: kind\n"           /* 13 */
				  "      map: {a: x, c: y}\n",    /* 14 */
			     &path);

	expect_only(fx, n, path, 14, 19, "def.value",
		    "odoo map of 'kind' names 'c', which is not one of its values");
}

static void
test_domain_error_odoo_map_location_after_bad_entry(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	/* The first entry is not a string pair (one error there); the second
	 * names a value the enum does not have and must be reported at its own
	 * key, 'c' at column 21, not at the first entry's key. */
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  kind:\n"                      /* 9 */
				  "    type: enum\n"                /* 10 */
				  "    values: [a, b]\n"            /* 11 */
				  "    odoo:\n"                     /* 12 */
				  "      field: kind\n"             /* 13 */
				  "      map: {a: [x], c: y}\n",    /* 14 */
			     &path);

	if (n != 2)
		dump(&fx->d);
	assert_int_equal(n, 2);
	expect_diag(&fx->d, 0, path, 14, 16, "def.type", "odoo.map must be a string, not a list");
	expect_diag(&fx->d, 1, path, 14, 21, "def.value",
		    "odoo map of 'kind' names 'c', which is not one of its values");
}

static void
test_domain_error_yaml_syntax(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     "domain: thing\n"
			     "title: a: b\n",
			     &path);

	expect_only(fx, n, path, 2, 9, "yaml.syntax",
		    "mapping values are not allowed in this context");
	assert_int_equal(fx->ds.n, 0);

	mdg_diags_free(&fx->d);
	mdg_diags_init(&fx->d);
	n = load_text(fx, "other.yaml",
		      "domain: thing\n"
		      "key: [code\n"
		      "fields:\n",
		      &path);
	expect_only(fx, n, path, 3, 7, "yaml.syntax",
		    "did not find expected ',' or ']' while parsing a flow sequence");
}

static void
test_domain_error_yaml_alias_bomb(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	struct timespec t0;
	struct rusage r0, r1;
	double secs;
	size_t n;

	getrusage(RUSAGE_SELF, &r0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = load_text(fx, "bomb.yaml",
		      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		      "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		      "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
		      "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		      "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
		      "j: &j [*i,*i,*i,*i,*i,*i,*i,*i,*i]\n",
		      &path);
	secs = elapsed_since(&t0);
	getrusage(RUSAGE_SELF, &r1);
	if (secs > 2.0)
		fail_msg("the alias bomb took %.2f s", secs);
	/* Growth of the peak resident size, in KiB: far below what expanding
	 * the aliases would take. */
	if (r1.ru_maxrss - r0.ru_maxrss > 200 * 1024)
		fail_msg("the alias bomb grew the resident size by %ld KiB",
			 (long)(r1.ru_maxrss - r0.ru_maxrss));
	/* Counting nodes: a=10, b=91, c=820, d=7381, e=66430, f=597871, and the
	 * first *f on line 7 passes 1 000 000. */
	expect_only(fx, n, path, 7, 8, "yaml.limit",
		    "document too large: more than 1000000 nodes (aliases included)");
	assert_int_equal(fx->ds.n, 0);
}

static char *
nested(size_t levels)
{
	/* "x: " and `levels` nested flow sequences inside the root mapping. */
	char *s = xmalloc(3 + 2 * levels + 2);
	size_t i, k = 0;

	memcpy(s, "x: ", 3);
	k = 3;
	for (i = 0; i < levels; i++)
		s[k++] = '[';
	for (i = 0; i < levels; i++)
		s[k++] = ']';
	s[k++] = '\n';
	s[k] = '\0';
	return s;
}

static void
test_domain_error_yaml_nesting(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	char *text = nested(64); /* with the root mapping: 65 levels */
	size_t n = load_text(fx, "deep.yaml", text, &path);

	free(text);
	/* The 65th collection is the 64th '[', at column 3 + 64. */
	expect_only(fx, n, path, 1, 67, "yaml.limit", "nesting deeper than 64 levels");
	assert_int_equal(fx->ds.n, 0);
}

static void
test_domain_yaml_nesting_at_limit_ok(void **state)
{
	struct fixture *fx = *state;
	struct ytree *t = NULL;
	char *text = nested(63); /* with the root mapping: 64 levels */
	size_t n;

	assert_int_equal(ytree_load_mem(&t, "mem.yaml", text, strlen(text), &fx->d), MDG_OK);
	assert_non_null(t);
	assert_int_equal(fx->d.n, 0);
	ytree_free(t);
	/* As a domain file it is wrong, but not too deep. */
	n = load_text(fx, "deep.yaml", text, NULL);
	free(text);
	assert_true(n > 0);
	assert_int_equal(count_code(&fx->d, "yaml.limit"), 0);
	assert_int_equal(count_code(&fx->d, "def.unknown_key"), 1);
}

static void
test_domain_error_duplicate_field(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "  code:\n"            /* 9 */
				  "    type: integer\n", /* 10 */
			     &path);

	expect_only(fx, n, path, 9, 3, "def.duplicate",
		    "field 'code' is defined twice (first at line 7)");
}

static void
test_domain_error_duplicate_field_key(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml",
			     HEAD "    type: integer\n", /* 9 */
			     &path);

	expect_only(fx, n, path, 9, 5, "def.duplicate",
		    "'type' is given twice in a field definition (first at line 8)");
}

static void
test_domain_error_duplicate_domain(void **state)
{
	struct fixture *fx = *state;
	const char *b, *dir;
	size_t n;

	put(fx, "domains/a.yaml", HEAD);
	b = put(fx, "domains/b.yaml", HEAD);
	dir = subdir(fx, "domains");
	n = mdg_domains_load_dir(&fx->ds, dir, &fx->d);
	expect_only(fx, n, b, 1, 9, "def.duplicate", "domain 'thing' is defined twice");
	/* The first definition is the one found. */
	assert_ptr_equal(mdg_domain_find(&fx->ds, "thing"), fx->ds.v[0]);
}

static const char several_yaml[] =
	"domain: thing\n"              /* 1 */
	"key: [code, sku]\n"           /* 2 */
	"odoo:\n"                      /* 3 */
	"  model: x.thing\n"           /* 4 */
	"  xmlid: \"thing_{code}\"\n"  /* 5 */
	"fields:\n"                    /* 6 */
	"  code:\n"                    /* 7 */
	"    type: string\n"           /* 8 */
	"    colour: red\n"            /* 9 */
	"  qty:\n"                     /* 10 */
	"    type: integr\n"           /* 11 */
	"  price:\n"                   /* 12 */
	"    type: decimal\n"          /* 13 */
	"    min: 10\n"                /* 14 */
	"    max: 1\n"                 /* 15 */
	"  code:\n"                    /* 16 */
	"    type: string\n"           /* 17 */
	"  owner:\n"                   /* 18 */
	"    type: ref\n"              /* 19 */
	"    domain: nobody\n";        /* 20 */

static void
test_domain_several_errors_in_one_file(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	size_t n = load_text(fx, "thing.yaml", several_yaml, &path);

	if (n != 6 || fx->d.n != 6)
		dump(&fx->d);
	assert_int_equal(n, 6);
	assert_int_equal(fx->d.n, 6);
	assert_int_equal(mdg_diags_errors(&fx->d), 6);
	expect_diag(&fx->d, 0, path, 9, 5, "def.unknown_key",
		    "unknown key 'colour' in a field definition");
	expect_diag(&fx->d, 1, path, 11, 11, "def.type",
		    "unknown type 'integr' (string, integer, decimal, boolean, date, enum, ref)");
	expect_diag(&fx->d, 2, path, 15, 10, "def.value", "max (1) is below min (10) in field 'price'");
	expect_diag(&fx->d, 3, path, 16, 3, "def.duplicate",
		    "field 'code' is defined twice (first at line 7)");
	expect_diag(&fx->d, 4, path, 2, 13, "def.key",
		    "key field 'sku' is not a field of domain 'thing'");
	expect_diag(&fx->d, 5, path, 18, 3, "def.ref",
		    "field 'owner' refers to domain 'nobody', which is not defined");
	/* Sorting by line keeps the file's order for the reader. */
	mdg_diags_sort(&fx->d);
	assert_int_equal(fx->d.v[0].line, 2);
	assert_int_equal(fx->d.v[5].line, 18);
}

static void
test_domain_render_diag(void **state)
{
	struct fixture *fx = *state;
	const char *path;
	char *buf = NULL, *want;
	size_t len = 0;
	FILE *out;

	assert_int_equal(load_text(fx, "thing.yaml", several_yaml, &path), 6);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	mdg_diag_render(out, &fx->d.v[0], false);
	fclose(out);
	want = xasprintf("%s:9:5: error: unknown key 'colour' in a field definition "
			 "[def.unknown_key]\n"
			 "      colour: red\n"
			 "      ^^^^^^\n",
			 path);
	assert_string_equal(buf, want);
	free(want);
	free(buf);

	/* A diag located only by line and column of a field (span 0): one caret. */
	buf = NULL;
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	mdg_diag_render(out, &fx->d.v[5], false);
	fclose(out);
	want = xasprintf("%s:18:3: error: field 'owner' refers to domain 'nobody', which is not "
			 "defined [def.ref]\n"
			 "    owner:\n"
			 "    ^\n",
			 path);
	assert_string_equal(buf, want);
	free(want);
	free(buf);
}

static void
test_domain_render_diag_without_location(void **state)
{
	struct fixture *fx = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	mdg_diag_at(&fx->d, MDG_SEV_ERROR, "config.domains", "/no/such/dir", 0, 0,
		    "no domain definitions (*.yaml) in this folder");
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	mdg_diag_render(out, &fx->d.v[0], false);
	fclose(out);
	assert_string_equal(buf, "/no/such/dir: error: no domain definitions (*.yaml) in this "
				 "folder [config.domains]\n");
	free(buf);
}

/* -------------------------------------- file names and column names */

static void
test_domain_for_file(void **state)
{
	struct fixture *fx = *state;
	struct mdg_domain *item, *sup, *uom, *cat, *op;

	load_valid_set(fx);
	item = mdg_domain_find(&fx->ds, "item");
	sup = mdg_domain_find(&fx->ds, "supplier");
	uom = mdg_domain_find(&fx->ds, "uom");
	cat = mdg_domain_find(&fx->ds, "uom_category");
	op = mdg_domain_find(&fx->ds, "routing_operation");

	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "items.csv"), item);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "item.csv"), item);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "ITEMS.CSV"), item);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "products.csv"), item);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "DE01-items.csv"), item);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "PL01_suppliers.CSV"), sup);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "US01-vendors.csv"), sup);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "/path/to/uom.csv"), uom);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "/path/to/DE01-units.csv"), uom);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "uom_category.csv"), cat);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "DE01-uom_category.csv"), cat);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "DE01_uom_categories.csv"), cat);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "routing_operation.csv"), op);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "MX01-operations.tsv"), op);
	assert_ptr_equal(mdg_domain_for_file(&fx->ds, "items"), item);
	assert_null(mdg_domain_for_file(&fx->ds, "unknown.csv"));
	assert_null(mdg_domain_for_file(&fx->ds, "DE01-unknown.csv"));
	assert_null(mdg_domain_for_file(&fx->ds, "/items/other.csv"));
	assert_null(mdg_domain_for_file(&fx->ds, "itemsx.csv"));
	assert_null(mdg_domain_for_file(&fx->ds, ""));
}

static void
test_domain_field_for_column(void **state)
{
	struct fixture *fx = *state;
	struct mdg_domain *item;

	load_valid_set(fx);
	item = mdg_domain_find(&fx->ds, "item");
	assert_ptr_equal(mdg_field_for_column(item, "default_code"), &item->fields[0]);
	assert_ptr_equal(mdg_field_for_column(item, "DEFAULT_CODE"), &item->fields[0]);
	assert_ptr_equal(mdg_field_for_column(item, "Default_Code"), &item->fields[0]);
	/* Aliases, case-insensitively. */
	assert_ptr_equal(mdg_field_for_column(item, "code"), &item->fields[0]);
	assert_ptr_equal(mdg_field_for_column(item, "ITEM_CODE"), &item->fields[0]);
	assert_ptr_equal(mdg_field_for_column(item, "item number"), &item->fields[0]);
	assert_ptr_equal(mdg_field_for_column(item, "Unit"), mdg_field_find(item, "uom"));
	assert_ptr_equal(mdg_field_for_column(item, "Item_Name"), mdg_field_find(item, "name"));
	/* A field's own name wins over another field's alias. */
	assert_ptr_equal(mdg_field_for_column(item, "Description"),
			 mdg_field_find(item, "description"));
	assert_null(mdg_field_for_column(item, "colour"));
	assert_null(mdg_field_for_column(item, "item number "));
	assert_null(mdg_field_for_column(item, ""));
}

/* -------------------------------------------------------- enterprise */

static const char mdgate_yaml[] =
	"enterprise: Test Group\n"
	"domains: domains\n"
	"sites_dir: sites\n"
	"registry: registry/mdgate.db\n"
	"odoo:\n"
	"  module: test_mdg\n"
	"sites:\n"
	"  - code: DE01\n"
	"    name: Augsburg plant\n"
	"    locale: de_DE\n"
	"    odoo_company: Acme GmbH\n"
	"    odoo_warehouse: AUG\n"
	"    encoding: windows-1252\n"
	"    delimiter: \";\"\n"
	"    decimal: \",\"\n"
	"    date_format: DD.MM.YYYY\n"
	"  - code: US01\n"
	"    delimiter: \"\\t\"\n"
	"    date_format: MM/DD/YYYY\n"
	"  - code: MX01\n"
	"    delimiter: \"|\"\n"
	"    date_format: DD/MM/YYYY\n"
	"    extension: ext/MX01-local.yaml\n";

static const char de01_yaml[] =
	"site: DE01\n"
	"domains:\n"
	"  item:\n"
	"    columns:\n"
	"      Artikelnummer: default_code\n"
	"      Mengeneinheit: uom\n"
	"      Artikelart: kind\n"
	"    values:\n"
	"      kind: {Lagerartikel: storable, Dienstleistung: service}\n"
	"      uom: {Stk: PCE, \"St\xc3\xbc" "ck\": PCE, kg: KG}\n"
	"  uom:\n"
	"    columns:\n"
	"      Einheit: code\n";

static void
put_enterprise_domains(struct fixture *fx)
{
	put(fx, "cfg/domains/uom_category.yaml", uom_category_yaml);
	put(fx, "cfg/domains/uom.yaml", uom_yaml);
	put(fx, "cfg/domains/item.yaml", item_yaml);
}

static void
test_domain_enterprise_loads(void **state)
{
	struct fixture *fx = *state;
	const char *cfg, *ext, *mxext;
	struct mdg_site *de, *us, *mx;
	const struct mdg_site_domain *sd;
	char *want;
	int rc;

	put_enterprise_domains(fx);
	ext = put(fx, "cfg/sites/DE01.yaml", de01_yaml);
	mxext = put(fx, "cfg/ext/MX01-local.yaml",
		    "site: MX01\n"
		    "domains:\n"
		    "  item:\n"
		    "    columns: {Clave: default_code}\n");
	cfg = put(fx, "cfg/mdgate.yaml", mdgate_yaml);
	rc = mdg_enterprise_load(&fx->e, cfg, &fx->d);
	if (rc != MDG_OK || fx->d.n)
		dump(&fx->d);
	assert_int_equal(rc, MDG_OK);
	assert_int_equal(fx->d.n, 0);
	assert_non_null(fx->e);

	assert_string_equal(fx->e->file, cfg);
	assert_string_equal(fx->e->name, "Test Group");
	assert_string_equal(fx->e->odoo_module, "test_mdg");
	want = xasprintf("%s/cfg/registry/mdgate.db", fx->dir);
	assert_string_equal(fx->e->registry, want);
	free(want);
	want = xasprintf("%s/cfg/domains", fx->dir);
	assert_string_equal(fx->e->domains_dir, want);
	free(want);
	assert_int_equal(fx->e->domains.n, 3);
	assert_non_null(mdg_domain_find(&fx->e->domains, "item"));

	assert_int_equal(fx->e->nsites, 3);
	de = mdg_site_find(fx->e, "DE01");
	us = mdg_site_find(fx->e, "US01");
	mx = mdg_site_find(fx->e, "MX01");
	assert_ptr_equal(de, &fx->e->sites[0]);
	assert_ptr_equal(us, &fx->e->sites[1]);
	assert_ptr_equal(mx, &fx->e->sites[2]);
	assert_ptr_equal(mdg_site_find(fx->e, "de01"), de);
	assert_null(mdg_site_find(fx->e, "PL01"));

	assert_string_equal(de->name, "Augsburg plant");
	assert_string_equal(de->locale, "de_DE");
	assert_string_equal(de->odoo_company, "Acme GmbH");
	assert_string_equal(de->odoo_warehouse, "AUG");
	assert_string_equal(de->encoding, "windows-1252");
	assert_int_equal(de->delimiter, ';');
	assert_int_equal(de->decimal, ',');
	assert_int_equal(de->date_format, MDG_DATE_DMY_DOT);
	assert_string_equal(de->extension, ext);
	assert_int_equal(de->line, 8);
	assert_int_equal(de->col, 5);

	assert_null(us->name);
	assert_null(us->encoding);
	assert_int_equal(us->delimiter, '\t');
	assert_int_equal(us->decimal, '.');
	assert_int_equal(us->date_format, MDG_DATE_MDY_SLASH);
	assert_null(us->extension); /* no sites/US01.yaml */
	assert_int_equal(us->ndomains, 0);
	assert_null(mdg_site_domain(us, "item"));

	assert_int_equal(mx->delimiter, '|');
	assert_int_equal(mx->date_format, MDG_DATE_DMY_SLASH);
	/* An explicit extension path, relative to the configuration's folder. */
	assert_string_equal(mx->extension, mxext);
	assert_string_equal(mdg_site_map_column(mdg_site_domain(mx, "item"), "clave"),
			    "default_code");

	/* The extension: column aliases and value maps. */
	assert_int_equal(de->ndomains, 2);
	sd = mdg_site_domain(de, "item");
	assert_non_null(sd);
	assert_string_equal(mdg_site_map_column(sd, "Artikelnummer"), "default_code");
	assert_string_equal(mdg_site_map_column(sd, "ARTIKELNUMMER"), "default_code");
	assert_string_equal(mdg_site_map_column(sd, "Mengeneinheit"), "uom");
	assert_null(mdg_site_map_column(sd, "Einheit"));
	assert_null(mdg_site_map_column(sd, "default_code"));
	assert_string_equal(map_value(sd, "kind", "Lagerartikel"), "storable");
	assert_string_equal(map_value(sd, "kind", "Dienstleistung"), "service");
	assert_string_equal(map_value(sd, "uom", "Stk"), "PCE");
	assert_string_equal(map_value(sd, "uom", "St\xc3\xbc" "ck"), "PCE");
	assert_string_equal(map_value(sd, "uom", "kg"), "KG");
	assert_null(map_value(sd, "uom", "Lagerartikel"));
	assert_null(map_value(sd, "kind", "Stk"));
	assert_null(map_value(sd, "name", "Stk"));
	/* Only len bytes are the value: no NUL needed, no prefix match. */
	assert_string_equal(mdg_site_map_value(sd, "uom", "Stk;kg", 3), "PCE");
	assert_string_equal(mdg_site_map_value(sd, "uom", "kgs", 2), "KG");
	assert_null(mdg_site_map_value(sd, "uom", "Stk", 2));
	assert_null(mdg_site_map_value(sd, "uom", "Stkx", 4));
	assert_null(mdg_site_map_value(sd, "uom", "", 0));
	assert_null(map_value(sd, "uom", "stk"));
	sd = mdg_site_domain(de, "uom");
	assert_non_null(sd);
	assert_string_equal(mdg_site_map_column(sd, "Einheit"), "code");
	assert_null(map_value(sd, "uom_type", "Referenz"));
	assert_null(mdg_site_domain(de, "uom_category"));
	/* NULL site domain: no mapping. */
	assert_null(mdg_site_map_column(NULL, "Artikelnummer"));
	assert_null(map_value(NULL, "kind", "Lagerartikel"));
}

static void
test_domain_enterprise_site_for_file(void **state)
{
	struct fixture *fx = *state;
	const char *cfg;

	put_enterprise_domains(fx);
	put(fx, "cfg/sites/DE01.yaml", de01_yaml);
	put(fx, "cfg/ext/MX01-local.yaml", "site: MX01\n");
	cfg = put(fx, "cfg/mdgate.yaml", mdgate_yaml);
	assert_int_equal(mdg_enterprise_load(&fx->e, cfg, &fx->d), MDG_OK);

	assert_ptr_equal(mdg_site_for_file(fx->e, "DE01-items.csv"), &fx->e->sites[0]);
	assert_ptr_equal(mdg_site_for_file(fx->e, "/data/in/DE01-items.csv"), &fx->e->sites[0]);
	assert_ptr_equal(mdg_site_for_file(fx->e, "US01_suppliers.csv"), &fx->e->sites[1]);
	assert_ptr_equal(mdg_site_for_file(fx->e, "MX01-uom.tsv"), &fx->e->sites[2]);
	assert_null(mdg_site_for_file(fx->e, "items.csv"));
	assert_null(mdg_site_for_file(fx->e, "DE01items.csv"));
	assert_null(mdg_site_for_file(fx->e, "DE011-items.csv"));
	assert_null(mdg_site_for_file(fx->e, "PL01-items.csv"));
	assert_null(mdg_site_for_file(fx->e, "DE01/items.csv"));
	assert_null(mdg_site_for_file(fx->e, "DE0"));
}

static void
test_domain_enterprise_errors(void **state)
{
	struct fixture *fx = *state;
	const char *cfg, *de, *pl;
	int rc;

	put_enterprise_domains(fx);
	cfg = put(fx, "cfg/mdgate.yaml",
		  "enterprise: Test Group\n"          /* 1 */
		  "domains: domains\n"                /* 2 */
		  "sites_dir: sites\n"                /* 3 */
		  "sites:\n"                          /* 4 */
		  "  - code: DE01\n"                  /* 5 */
		  "    colour: blue\n"                /* 6 */
		  "  - code: de-01\n"                 /* 7 */
		  "  - code: PL01\n"                  /* 8 */
		  "    date_format: DD-MM-YYYY\n");   /* 9 */
	de = put(fx, "cfg/sites/DE01.yaml",
		 "site: DE01\n"                                         /* 1 */
		 "domains:\n"                                           /* 2 */
		 "  item:\n"                                            /* 3 */
		 "    columns:\n"                                       /* 4 */
		 "      Artikelnummer: default_code\n"                  /* 5 */
		 "      Farbe: colour\n"                                /* 6 */
		 "    values:\n"                                        /* 7 */
		 "      kind: {Lagerartikel: storable, Werkzeug: tool}\n" /* 8 */
		 "      name: {a: b}\n"                                 /* 9 */
		 "  nosuch:\n"                                          /* 10 */
		 "    columns: {}\n");                                  /* 11 */
	pl = put(fx, "cfg/sites/PL01.yaml", "site: DE01\n");
	rc = mdg_enterprise_load(&fx->e, cfg, &fx->d);
	assert_int_equal(rc, MDG_ERR);
	assert_non_null(fx->e);
	if (fx->d.n != 8)
		dump(&fx->d);
	assert_int_equal(fx->d.n, 8);
	assert_int_equal(mdg_diags_errors(&fx->d), 8);

	expect_diag(&fx->d, 0, cfg, 6, 5, "config.unknown_key", "unknown key 'colour' in a site");
	expect_diag(&fx->d, 1, cfg, 7, 11, "config.value",
		    "site code 'de-01' must be 2 to 10 upper-case letters or digits");
	expect_diag(&fx->d, 2, cfg, 9, 18, "config.value",
		    "date_format must be YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY");
	expect_diag(&fx->d, 3, de, 6, 14, "site.field",
		    "column 'Farbe' is mapped to 'colour', which is not a field of 'item'");
	expect_diag(&fx->d, 4, de, 8, 48, "site.value",
		    "'Werkzeug' is mapped to 'tool', which is not a value of 'kind'");
	expect_diag(&fx->d, 5, de, 9, 7, "site.field",
		    "values can be mapped only for enum and ref fields; 'name' is string");
	expect_diag(&fx->d, 6, de, 10, 3, "site.domain",
		    "site DE01 extends domain 'nosuch', which is not defined");
	expect_diag(&fx->d, 7, pl, 1, 7, "site.value",
		    "this file is for site 'DE01', but it is read for site 'PL01'");

	/* What was right is kept. */
	{
		const struct mdg_site_domain *sd =
			mdg_site_domain(mdg_site_find(fx->e, "DE01"), "item");
		assert_non_null(sd);
		assert_string_equal(mdg_site_map_column(sd, "Artikelnummer"), "default_code");
		assert_null(mdg_site_map_column(sd, "Farbe"));
		assert_string_equal(map_value(sd, "kind", "Lagerartikel"), "storable");
		assert_null(map_value(sd, "kind", "Werkzeug"));
	}
}

static void
test_domain_enterprise_config_unreadable(void **state)
{
	struct fixture *fx = *state;
	const char *cfg;
	char *missing = xasprintf("%s/none/mdgate.yaml", fx->dir);

	assert_int_equal(mdg_enterprise_load(&fx->e, missing, &fx->d), MDG_ERR);
	assert_null(fx->e);
	assert_int_equal(fx->d.n, 1);
	assert_string_equal(fx->d.v[0].code, "input.unreadable");
	free(missing);
	mdg_diags_free(&fx->d);
	mdg_diags_init(&fx->d);

	cfg = put(fx, "cfg/mdgate.yaml", "enterprise: [Test\nsites:\n");
	assert_int_equal(mdg_enterprise_load(&fx->e, cfg, &fx->d), MDG_ERR);
	assert_null(fx->e);
	assert_int_equal(fx->d.n, 1);
	expect_diag(&fx->d, 0, cfg, 2, 6, "yaml.syntax",
		    "did not find expected ',' or ']' while parsing a flow sequence");
}

static void
test_domain_enterprise_bad_site_values(void **state)
{
	struct fixture *fx = *state;
	const char *cfg;

	put_enterprise_domains(fx);
	cfg = put(fx, "cfg/mdgate.yaml",
		  "domains: domains\n"              /* 1 */
		  "colour: blue\n"                  /* 2 */
		  "sites:\n"                        /* 3 */
		  "  - code: DE01\n"                /* 4 */
		  "    delimiter: \"x\"\n"          /* 5 */
		  "    decimal: \";\"\n"            /* 6 */
		  "  - code: DE01\n"                /* 7 */
		  "  - code: A\n"                   /* 8 */
		  "  - code: ABCDEFGHIJK\n");       /* 9 */
	assert_int_equal(mdg_enterprise_load(&fx->e, cfg, &fx->d), MDG_ERR);
	if (fx->d.n != 6)
		dump(&fx->d);
	assert_int_equal(fx->d.n, 6);
	expect_diag(&fx->d, 0, cfg, 2, 1, "config.unknown_key",
		    "unknown key 'colour' in the configuration");
	expect_diag(&fx->d, 1, cfg, 5, 16, "config.value",
		    "delimiter must be ',', ';', '|', tab or auto");
	expect_diag(&fx->d, 2, cfg, 6, 14, "config.value", "decimal must be \".\" or \",\"");
	expect_diag(&fx->d, 3, cfg, 7, 11, "config.duplicate", "site 'DE01' is defined twice");
	expect_diag(&fx->d, 4, cfg, 8, 11, "config.value",
		    "site code 'A' must be 2 to 10 upper-case letters or digits");
	expect_diag(&fx->d, 5, cfg, 9, 11, "config.value",
		    "site code 'ABCDEFGHIJK' must be 2 to 10 upper-case letters or digits");
	/* Defaults are kept after a bad value; the default module name. */
	assert_int_equal(fx->e->sites[0].delimiter, 0);
	assert_int_equal(fx->e->sites[0].decimal, '.');
	assert_string_equal(fx->e->odoo_module, "mdgate");
}

/* ------------------------------------------------------------- match: */

static const char match_head[] =
	"domain: supplier\n"
	"key: ref\n"
	"odoo: {model: res.partner, xmlid: \"supplier_{ref}\"}\n"
	"fields:\n"
	"  ref: {type: string, required: true}\n"
	"  name: {type: string}\n"
	"  vat: {type: string}\n"
	"match:\n";

/* Load match_head followed by the match section's lines. */
static size_t
load_match(struct fixture *fx, const char *section, const char **path)
{
	char *text = xasprintf("%s%s", match_head, section);
	size_t n = load_text(fx, "supplier.yaml", text, path);

	free(text);
	return n;
}

static void
test_domain_match_valid(void **state)
{
	struct fixture *fx = *state;
	const struct mdg_domain *dom;
	const struct mdg_domain_match *dm;
	size_t errors;

	errors = load_match(fx,
	    "  threshold: {duplicate: 0.9, review: 0.75}\n"
	    "  block: [{field: name, qgram: 2, min_shared: 4}, {field: [vat], qgram: 0}]\n"
	    "  fields:\n"
	    "    - {field: name, normalise: [casefold, unaccent, punct, legal_forms, space],"
	    " measure: jaro_winkler, weight: 3}\n"
	    "    - {field: vat, normalise: [taxid], measure: exact, weight: 4}\n", NULL);
	if (errors)
		dump(&fx->d);
	assert_int_equal(errors, 0);
	dom = mdg_domain_find(&fx->ds, "supplier");
	assert_non_null(dom);
	dm = dom->match;
	assert_non_null(dm);
	assert_int_equal(dm->nfields, 2);
	assert_int_equal(dm->dom_field[0], 1);
	assert_int_equal(dm->dom_field[1], 2);
	assert_int_equal(dm->m->nfields, 2);
	assert_int_equal(dm->m->mode, MDG_SCORE_WEIGHTED);
	assert_true(dm->m->dup_threshold == 0.9);
	assert_true(dm->m->review_threshold == 0.75);
	assert_string_equal(dm->m->fields[0].name, "name");
	assert_string_equal(dm->m->fields[0].measure->name, "jaro_winkler");
	assert_non_null(dm->m->fields[0].chain);
	assert_true(dm->m->fields[1].weight == 4);
	assert_int_equal(dm->m->nkeys, 2);
	assert_int_equal(dm->m->keys[0].q, 2);
	assert_int_equal(dm->m->keys[0].k, 4);
	assert_int_equal(dm->m->keys[1].fields[0], 1);
	assert_int_equal(dm->m->keys[1].q, 0);
}

static void
test_domain_match_none(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load_text(fx, "supplier.yaml", supplier_yaml, NULL), 0);
	assert_null(mdg_domain_find(&fx->ds, "supplier")->match);
}

static void
test_domain_match_unknown_field(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors = load_match(fx,
	    "  block: [{field: name}]\n"
	    "  fields:\n"
	    "    - {field: name, measure: exact}\n"
	    "    - {field: city, measure: exact}\n", &p);

	expect_only(fx, errors, p, 12, 15, "def.field",
		    "match: domain 'supplier' has no field 'city'");
	assert_null(mdg_domain_find(&fx->ds, "supplier")->match);
}

static void
test_domain_match_unknown_measure(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors = load_match(fx,
	    "  block: [{field: name}]\n"
	    "  fields:\n"
	    "    - {field: name, measure: soundex}\n", &p);

	assert_int_equal(errors, 1);
	expect_diag(&fx->d, 0, p, 11, 30, "def.value",
		    "unknown measure 'soundex' (known: exact, levenshtein, damerau_levenshtein, "
		    "jaro, jaro_winkler, qgram_jaccard, qgram_dice, token_set, monge_elkan, "
		    "monge_elkan_sym, numeric)");
}

static void
test_domain_match_bad_normaliser_points_at_item(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors = load_match(fx,
	    "  block: [{field: name}]\n"
	    "  fields:\n"
	    "    - {field: name, normalise: [casefold, punct, unaccnt], measure: exact}\n", &p);

	assert_int_equal(errors, 1);
	assert_int_equal(count_code(&fx->d, "def.value"), 1);
	assert_int_equal(fx->d.v[0].line, 11);
	assert_int_equal(fx->d.v[0].col, 50);
	assert_non_null(strstr(fx->d.v[0].message, "normaliser 'unaccnt'"));
}

static void
test_domain_match_normaliser_order(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors = load_match(fx,
	    "  block: [{field: name}]\n"
	    "  fields:\n"
	    "    - {field: name, normalise: [legal_forms], measure: exact}\n", &p);

	expect_only(fx, errors, p, 11, 33, "def.value",
		    "normaliser 'legal_forms': legal_forms needs casefold and punct before it");
}

static void
test_domain_match_thresholds(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors;

	errors = load_match(fx,
	    "  threshold: {duplicate: 0.7, review: 0.8}\n"
	    "  block: [{field: name}]\n"
	    "  fields: [{field: name, measure: exact}]\n", &p);
	expect_only(fx, errors, p, 9, 39, "def.value",
		    "threshold.review (0.8) is above threshold.duplicate (0.7)");
}

static void
test_domain_match_threshold_range(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors;

	errors = load_match(fx,
	    "  threshold: {duplicate: 1.5}\n"
	    "  block: [{field: name}]\n"
	    "  fields: [{field: name, measure: exact}]\n", &p);
	expect_only(fx, errors, p, 9, 26, "def.value",
		    "threshold.duplicate must be from 0 to 1, not 1.5");
}

static void
test_domain_match_block_errors(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors;

	errors = load_match(fx,
	    "  block: [{field: nmae, qgram: 2}]\n"
	    "  fields: [{field: name, measure: exact}]\n", &p);
	expect_only(fx, errors, p, 9, 19, "def.field",
		    "block field 'nmae' is not one of match.fields");
}

/* words keys, keep, a field compared twice under another name, synonyms. */
static void
test_domain_match_words_as_synonyms(void **state)
{
	struct fixture *fx = *state;
	const struct mdg_domain_match *dm;
	size_t errors;

	errors = load_match(fx,
	    "  block: [{field: [name, name_digits], words: 2, keep: [name_digits]}, "
	    "{field: name, words: true}]\n"
	    "  fields:\n"
	    "    - {field: name, normalise: [casefold, synonyms, space], synonyms: {gmbh: '', "
	    "co: company}, measure: jaro_winkler}\n"
	    "    - {field: name, as: name_digits, normalise: [numbers], measure: token_set}\n",
	    NULL);
	if (errors)
		dump(&fx->d);
	assert_int_equal(errors, 0);
	dm = mdg_domain_find(&fx->ds, "supplier")->match;
	assert_string_equal(dm->m->fields[1].name, "name_digits");
	assert_int_equal(dm->dom_field[1], dm->dom_field[0]);
	assert_int_equal(dm->m->keys[0].words, 2);
	assert_int_equal(dm->m->keys[0].keep, 2u);
	assert_int_equal(dm->m->keys[1].words, 1);
}

#define MATCH_ERROR_TEST(name, section, line, col, code, msg) \
static void \
name(void **state) \
{ \
	struct fixture *fx = *state; \
	const char *p; \
	size_t errors = load_match(fx, section, &p); \
	expect_only(fx, errors, p, line, col, code, msg); \
}

MATCH_ERROR_TEST(test_domain_match_compared_twice,
    "  block: [{field: name}]\n"
    "  fields: [{field: name, measure: exact}, {field: name, measure: jaro}]\n",
    10, 51, "def.duplicate",
    "match: field 'name' is compared twice (give the second one another name with 'as')")
MATCH_ERROR_TEST(test_domain_match_words_range,
    "  block: [{field: name, words: 4}]\n"
    "  fields: [{field: name, measure: exact}]\n",
    9, 32, "def.value",
    "words must be true (one word may differ), false, or how many words may differ: 1, 2 or 3")
MATCH_ERROR_TEST(test_domain_match_keep_needs_words,
    "  block: [{field: name, keep: [name]}]\n"
    "  fields: [{field: name, measure: exact}]\n",
    9, 31, "def.value", "keep is for a words key (words: N)")
MATCH_ERROR_TEST(test_domain_match_synonyms_need_step,
    "  block: [{field: name}]\n"
    "  fields: [{field: name, normalise: [casefold], synonyms: {a: b}, measure: exact}]\n",
    10, 59, "def.value",
    "synonyms are given but the normalise list has no 'synonyms' step to apply them")

static void
test_domain_match_needs_block(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors;

	errors = load_match(fx, "  fields: [{field: name, measure: exact}]\n", &p);
	assert_int_equal(errors, 1);
	assert_int_equal(count_code(&fx->d, "def.missing"), 1);
	assert_null(mdg_domain_find(&fx->ds, "supplier")->match);
}

static void
test_domain_match_fs_valid(void **state)
{
	struct fixture *fx = *state;
	const struct mdg_domain_match *dm;
	const struct mdg_match_field *f;
	size_t errors;
	double lp = log2(0.001 / 0.999);

	errors = load_match(fx,
	    "  scoring: fellegi_sunter\n"
	    "  prior: 0.001\n"
	    "  threshold: {duplicate: 0.95, review: 0.5}\n"
	    "  block: [{field: name, qgram: 2}]\n"
	    "  fields:\n"
	    "    - {field: name, normalise: [casefold, space], measure: jaro_winkler,"
	    " levels: [0.95, 0.85], m: [0.7, 0.2, 0.1], u: [0.01, 0.04]}\n"
	    "    - {field: vat, measure: exact}\n", NULL);
	if (errors)
		dump(&fx->d);
	assert_int_equal(errors, 0);
	dm = mdg_domain_find(&fx->ds, "supplier")->match;
	assert_non_null(dm);
	assert_int_equal(dm->m->mode, MDG_SCORE_FS);
	assert_true(dm->m->lambda == 0.001);
	assert_true(dm->dup_p == 0.95);
	assert_true(dm->review_p == 0.5);
	/* The thresholds become weights under the prior. */
	assert_true(fabs(dm->m->dup_threshold - (log2(0.95 / 0.05) - lp)) < 1e-9);
	assert_true(fabs(dm->m->review_threshold - (0.0 - lp)) < 1e-9);
	assert_string_equal(dm->normalise[0], "casefold, space");
	assert_string_equal(dm->normalise[1], "");
	f = &dm->m->fields[0];
	assert_int_equal(f->nthr, 2);
	assert_true(f->thr[0] == 0.95 && f->thr[1] == 0.85);
	assert_true(f->m[0] == 0.7 && f->m[1] == 0.2 && f->m[2] == 0.1);
	/* u gives the agreement levels; the last is 1 minus their sum. */
	assert_true(f->u[0] == 0.01 && f->u[1] == 0.04);
	assert_true(fabs(f->u[2] - 0.95) < 1e-12);
	/* exact: one level [1], default m and u. */
	f = &dm->m->fields[1];
	assert_int_equal(f->nthr, 1);
	assert_true(f->thr[0] == 1.0);
	assert_true(fabs(f->m[0] - 0.9) < 1e-12 && fabs(f->m[1] - 0.1) < 1e-12);
	assert_true(fabs(f->u[0] - 0.1) < 1e-12 && fabs(f->u[1] - 0.9) < 1e-12);
}

static void
test_domain_match_fs_defaults(void **state)
{
	struct fixture *fx = *state;
	const struct mdg_domain_match *dm;
	const struct mdg_match_field *f;
	double sm = 0, su = 0;
	size_t errors, l;

	errors = load_match(fx,
	    "  scoring: fellegi_sunter\n"
	    "  threshold: {duplicate: 1, review: 0}\n"
	    "  block: [{field: name}]\n"
	    "  fields: [{field: name, measure: jaro_winkler}]\n", NULL);
	if (errors)
		dump(&fx->d);
	assert_int_equal(errors, 0);
	dm = mdg_domain_find(&fx->ds, "supplier")->match;
	assert_true(dm->m->lambda == 1e-4);
	/* Probability 1 is never reached, 0 always. */
	assert_true(isinf(dm->m->dup_threshold) && dm->m->dup_threshold > 0);
	assert_true(isinf(dm->m->review_threshold) && dm->m->review_threshold < 0);
	f = &dm->m->fields[0];
	assert_int_equal(f->nthr, 3);
	assert_true(f->thr[0] == 1.0 && f->thr[1] == 0.92 && f->thr[2] == 0.8);
	for (l = 0; l <= f->nthr; l++) {
		sm += f->m[l];
		su += f->u[l];
		/* The weights fall level by level. */
		if (l > 0)
			assert_true(mdg_match_fs_weight(f, (unsigned)l) <
				    mdg_match_fs_weight(f, (unsigned)l - 1));
	}
	assert_true(fabs(sm - 1) < 1e-12 && fabs(su - 1) < 1e-12);
	assert_true(fabs(f->m[3] - 0.1) < 1e-12 && fabs(f->u[3] - 0.9) < 1e-12);
}

static void
test_domain_match_scoring_unknown(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors;

	/* levels are not blamed on top of the bad scoring. */
	errors = load_match(fx,
	    "  scoring: bayes\n"
	    "  block: [{field: name}]\n"
	    "  fields: [{field: name, measure: exact, levels: [0.9]}]\n", &p);
	expect_only(fx, errors, p, 9, 12, "def.value",
		    "scoring must be 'weighted' or 'fellegi_sunter'");
	assert_null(mdg_domain_find(&fx->ds, "supplier")->match);
}

static void
test_domain_match_fs_keys_under_weighted(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors;

	errors = load_match(fx,
	    "  prior: 0.01\n"
	    "  block: [{field: name}]\n"
	    "  fields:\n"
	    "    - {field: name, measure: exact, levels: [0.9], m: [0.9, 0.1]}\n", &p);
	assert_int_equal(errors, 3);
	expect_diag(&fx->d, 0, p, 9, 10, "def.value",
		    "'prior' belongs to scoring: fellegi_sunter; this match section scores "
		    "weighted (scoring: fellegi_sunter to use it)");
	expect_diag(&fx->d, 1, p, 12, 45, "def.value",
		    "'levels' belongs to scoring: fellegi_sunter; this match section scores "
		    "weighted (scoring: fellegi_sunter to use it)");
	expect_diag(&fx->d, 2, p, 12, 55, "def.value",
		    "'m' belongs to scoring: fellegi_sunter; this match section scores "
		    "weighted (scoring: fellegi_sunter to use it)");
	assert_null(mdg_domain_find(&fx->ds, "supplier")->match);
}

static void
test_domain_match_weight_under_fs(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors;

	errors = load_match(fx,
	    "  scoring: fellegi_sunter\n"
	    "  block: [{field: name}]\n"
	    "  fields:\n"
	    "    - {field: name, measure: exact, weight: 2}\n", &p);
	expect_only(fx, errors, p, 12, 45, "def.value",
		    "'weight' belongs to scoring: weighted; under fellegi_sunter a field counts "
		    "by its levels, m and u");
}

/* One FS field line (line 12) and the error it must give. */
static void
fs_field_error(struct fixture *fx, const char *line, long col, const char *code,
	       const char *message)
{
	const char *p;
	char *section = xasprintf("  scoring: fellegi_sunter\n"
				  "  block: [{field: name}]\n"
				  "  fields:\n"
				  "%s\n", line);
	size_t errors;

	/* A fresh domain set for each line. */
	mdg_domains_free(&fx->ds);
	mdg_diags_free(&fx->d);
	mdg_domains_init(&fx->ds);
	mdg_diags_init(&fx->d);
	errors = load_match(fx, section, &p);
	free(section);
	expect_only(fx, errors, p, 12, col, code, message);
	assert_null(mdg_domain_find(&fx->ds, "supplier")->match);
}

static void
test_domain_match_fs_levels_errors(void **state)
{
	struct fixture *fx = *state;

	fs_field_error(fx, "    - {field: name, measure: jaro, levels: [0.9, 0.95]}", 50,
		       "def.value", "levels must be strictly descending: 0.95 after 0.9");
	fs_field_error(fx, "    - {field: name, measure: jaro, levels: [1.5]}", 45,
		       "def.value", "each level must be from 0 to 1, not 1.5");
	fs_field_error(fx, "    - {field: name, measure: jaro, "
		       "levels: [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]}", 78,
		       "def.limit", "levels: at most 7 thresholds");
	fs_field_error(fx, "    - {field: name, measure: jaro, levels: {a: 1}}", 44,
		       "def.type", "levels must be a list of similarity thresholds, the highest first");
}

static void
test_domain_match_fs_mu_errors(void **state)
{
	struct fixture *fx = *state;

	fs_field_error(fx, "    - {field: name, measure: exact, levels: [0.9, 0.8], m: [0.5, 0.5]}",
		       60, "def.value", "m sums to 1: nothing is left for the last level "
		       "(disagreement)");
	fs_field_error(fx, "    - {field: name, measure: exact, m: [0.6, 0.3, 0.1]}", 40,
		       "def.value", "m needs 2 probabilities (one per level, the last for "
		       "disagreement) or 1 (the last is then 1 minus their sum), not 3");
	fs_field_error(fx, "    - {field: name, measure: exact, u: [0.5, 0]}", 46,
		       "def.value", "each probability of u must be above 0 and below 1, not 0");
	fs_field_error(fx, "    - {field: name, measure: exact, m: [0.8, 0.1]}", 40,
		       "def.value", "m sums to 0.9, not 1 (or leave the last out: it is then "
		       "1 minus the others)");
	fs_field_error(fx, "    - {field: name, measure: exact, u: x}", 40,
		       "def.type", "u must be a list of probabilities, one per level");
}

static void
test_domain_match_fs_prior_errors(void **state)
{
	struct fixture *fx = *state;
	const char *p;
	size_t errors;

	errors = load_match(fx,
	    "  scoring: fellegi_sunter\n"
	    "  prior: 1\n"
	    "  block: [{field: name}]\n"
	    "  fields: [{field: name, measure: exact}]\n", &p);
	expect_only(fx, errors, p, 10, 10, "def.value", "prior must be above 0 and below 1, not 1");
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_domain_valid_set_loads),
		T(test_domain_match_valid),
		T(test_domain_match_none),
		T(test_domain_match_unknown_field),
		T(test_domain_match_unknown_measure),
		T(test_domain_match_bad_normaliser_points_at_item),
		T(test_domain_match_normaliser_order),
		T(test_domain_match_thresholds),
		T(test_domain_match_threshold_range),
		T(test_domain_match_block_errors),
		T(test_domain_match_words_as_synonyms),
		T(test_domain_match_compared_twice),
		T(test_domain_match_words_range),
		T(test_domain_match_keep_needs_words),
		T(test_domain_match_synonyms_need_step),
		T(test_domain_match_needs_block),
		T(test_domain_match_fs_valid),
		T(test_domain_match_fs_defaults),
		T(test_domain_match_scoring_unknown),
		T(test_domain_match_fs_keys_under_weighted),
		T(test_domain_match_weight_under_fs),
		T(test_domain_match_fs_levels_errors),
		T(test_domain_match_fs_mu_errors),
		T(test_domain_match_fs_prior_errors),
		T(test_domain_load_dir_ignores_other_files),
		T(test_domain_load_dir_empty_or_missing),
		T(test_domain_head_is_valid),
		T(test_domain_error_missing_or_empty_file),
		T(test_domain_error_bad_names),
		T(test_domain_error_unknown_field_key),
		T(test_domain_error_unknown_type),
		T(test_domain_error_min_above_max),
		T(test_domain_error_max_length_below_min_length),
		T(test_domain_error_constraint_for_wrong_type),
		T(test_domain_error_pattern_does_not_compile),
		T(test_domain_error_pattern_plain_scalar_column),
		T(test_domain_error_pattern_column_with_escapes),
		T(test_domain_error_pattern_block_scalar),
		T(test_domain_error_key_names_missing_field),
		T(test_domain_error_xmlid_names_missing_field),
		T(test_domain_error_ref_unknown_domain),
		T(test_domain_error_ref_needs_single_key),
		T(test_domain_error_parent_unknown),
		T(test_domain_error_cycle),
		T(test_domain_error_enum_without_values),
		T(test_domain_error_odoo_map_unknown_value),
		T(test_domain_error_odoo_map_location_after_bad_entry),
		T(test_domain_error_yaml_syntax),
		T(test_domain_error_yaml_alias_bomb),
		T(test_domain_error_yaml_nesting),
		T(test_domain_yaml_nesting_at_limit_ok),
		T(test_domain_error_duplicate_field),
		T(test_domain_error_duplicate_field_key),
		T(test_domain_error_duplicate_domain),
		T(test_domain_several_errors_in_one_file),
		T(test_domain_render_diag),
		T(test_domain_render_diag_without_location),
		T(test_domain_for_file),
		T(test_domain_field_for_column),
		T(test_domain_enterprise_loads),
		T(test_domain_enterprise_site_for_file),
		T(test_domain_enterprise_errors),
		T(test_domain_enterprise_config_unreadable),
		T(test_domain_enterprise_bad_site_values),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
