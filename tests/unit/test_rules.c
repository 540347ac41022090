/*
 * test_rules.c - rules (rules.c) through the enterprise loader: central
 * rules and site extensions loaded and compiled, governance errors with
 * their exact file:line:col and text, the rules in force for a site
 * (overrides, translations), and evaluation of records: placeholders,
 * severities, skipped rules, error values and ref() to kept and existing
 * records.
 *
 * Every test writes its configuration into a fresh temporary folder.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "enterprise.h"
#include "rules.h"
#include "util.h"
#include "testdir.h"

/* ------------------------------------------------------------ fixture */

#define MAX_PATHS 32

struct fixture {
	char *dir;
	char *paths[MAX_PATHS];
	size_t npaths;
	struct mdg_diags d;
	struct mdg_enterprise *e;
	struct mdg_rules_run *run;
	struct mdg_rules_file *rf;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	if ((fx->dir = testdir_make("mdg-test-rules")) == NULL) {
		free(fx);
		return -1;
	}
	mdg_diags_init(&fx->d);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	mdg_rules_file_end(fx->rf);
	mdg_rules_run_free(fx->run);
	mdg_enterprise_free(fx->e);
	mdg_diags_free(&fx->d);
	testdir_remove(fx->dir);
	for (i = 0; i < fx->npaths; i++)
		free(fx->paths[i]);
	free(fx->dir);
	free(fx);
	return 0;
}

static const char *
put(struct fixture *fx, const char *rel, const char *text)
{
	char *path = testdir_put(fx->dir, rel, text);

	assert_true(fx->npaths < MAX_PATHS);
	fx->paths[fx->npaths++] = path;
	return path;
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
	assert_string_equal(dg->code, code);
	if (file)
		assert_string_equal(dg->file, file);
	assert_int_equal(dg->line, line);
	assert_int_equal(dg->col, col);
	assert_string_equal(dg->message, message);
}

/* ----------------------------------------------------------- definitions */

static const char uom_category_yaml[] =
	"domain: uom_category\n"
	"key: [code]\n"
	"odoo: {model: uom.category, xmlid: \"c_{code}\"}\n"
	"existing: {UNIT: uom.product_uom_categ_unit, WEIGHT: uom.product_uom_categ_kgm}\n"
	"fields:\n"
	"  code: {type: string, required: true}\n";

static const char uom_yaml[] =
	"domain: uom\n"
	"key: [code]\n"
	"odoo: {model: uom.uom, xmlid: \"u_{code}\"}\n"
	"existing:\n"
	"  PCE: {xmlid: uom.product_uom_unit, category: UNIT, factor: 1}\n"
	"  KG: {xmlid: uom.product_uom_kgm, category: WEIGHT, factor: 1}\n"
	"  G: uom.product_uom_gram\n"
	"fields:\n"
	"  code: {type: string, required: true}\n"
	"  category: {type: ref, domain: uom_category, required: true}\n"
	"  factor: {type: decimal, min: 0, min_exclusive: true}\n";

static const char item_yaml[] =
	"domain: item\n"
	"key: [code]\n"
	"odoo: {model: product.product, xmlid: \"i_{code}\"}\n"
	"fields:\n"
	"  code: {type: string, required: true}\n"
	"  name: {type: string, max_length: 100}\n"
	"  kind: {type: enum, values: [storable, consumable, service]}\n"
	"  weight: {type: decimal, min: 0, max: 1000}\n"
	"  qty: {type: integer}\n"
	"  uom: {type: ref, domain: uom}\n"
	"  purchase_uom: {type: ref, domain: uom}\n"
	"  since: {type: date}\n";

static const char central_yaml[] =
	"domain: item\n"                                                         /* 1 */
	"rules:\n"                                                               /* 2 */
	"  - id: I-001\n"                                                        /* 3 */
	"    description: Storable items weigh something.\n"                    /* 4 */
	"    when: kind == 'storable'\n"                                         /* 5 */
	"    check: weight != null && weight > 0.0\n"                            /* 6 */
	"    field: weight\n"                                                    /* 7 */
	"    message: \"{code} ({name}) needs a weight; {{kg}}\"\n"               /* 8 */
	"    messages: {de_DE: \"{code} braucht ein Gewicht\"}\n"                 /* 9 */
	"    locked: true\n"                                                     /* 10 */
	"  - id: I-002\n"                                                        /* 11 */
	"    description: Same category.\n"                                      /* 12 */
	"    when: purchase_uom != null && ref(purchase_uom) != null && ref(uom) != null\n"
	"    check: ref(purchase_uom).category == ref(uom).category\n"           /* 14 */
	"    severity: warning\n"                                                /* 15 */
	"    message: \"{purchase_uom} vs {uom}\"\n"                              /* 16 */
	"  - id: I-003\n"                                                        /* 17 */
	"    description: An error value.\n"                                     /* 18 */
	"    check: 10 / qty > 1\n"                                              /* 19 */
	"    severity: info\n"                                                   /* 20 */
	"    message: \"qty {qty}\"\n"                                            /* 21 */
	"  - id: I-004\n"                                                        /* 22 */
	"    description: Dates are ISO strings.\n"                              /* 23 */
	"    when: since != null\n"                                              /* 24 */
	"    check: since.startsWith('2026-')\n"                                 /* 25 */
	"    message: \"since {since}\"\n";                                       /* 26 */

static const char config_yaml[] =
	"domains: domains\n"
	"rules: rules\n"
	"sites_dir: sites\n"
	"sites:\n"
	"  - code: DE01\n"
	"    locale: de_AT\n"
	"    decimal: \",\"\n"
	"    date_format: DD.MM.YYYY\n"
	"  - code: PL01\n";

static const char *
setup_config(struct fixture *fx, const char *site_rules)
{
	put(fx, "cfg/domains/uom_category.yaml", uom_category_yaml);
	put(fx, "cfg/domains/uom.yaml", uom_yaml);
	put(fx, "cfg/domains/item.yaml", item_yaml);
	put(fx, "cfg/rules/item.yaml", central_yaml);
	if (site_rules != NULL)
		put(fx, "cfg/sites/DE01/rules.yaml", site_rules);
	return put(fx, "cfg/mdgate.yaml", config_yaml);
}

static const char de01_yaml[] =
	"site: DE01\n"
	"domains:\n"
	"  item:\n"
	"    fields:\n"
	"      weight: {max: 500}\n"
	"      x_tariff: {type: string, pattern: '^[0-9]{8}$'}\n"
	"rules:\n"
	"  - id: DE01-001\n"
	"    domain: item\n"
	"    description: A tariff number for what is bought.\n"
	"    check: x_tariff != null\n"
	"    field: x_tariff\n"
	"    message: \"{code} ohne Zolltarif\"\n"
	"overrides:\n"
	"  I-002: {severity: info}\n";

static void
load_ok(struct fixture *fx, const char *site_rules)
{
	const char *cfg = setup_config(fx, site_rules);
	int rc = mdg_enterprise_load(&fx->e, cfg, &fx->d);

	if (rc != MDG_OK || fx->d.n)
		dump(&fx->d);
	assert_int_equal(rc, MDG_OK);
	assert_int_equal(fx->d.n, 0);
}

/* --------------------------------------------------------------- loading */

static void
test_rules_load_central_and_site(void **state)
{
	struct fixture *fx = *state;
	const struct mdg_rule *r;
	const struct mdg_site *de;
	const struct mdg_domain *item, *view;

	load_ok(fx, de01_yaml);
	assert_int_equal(fx->e->rules.n, 5);
	assert_int_equal(fx->e->rules.ncentral, 4);
	r = mdg_rule_find(&fx->e->rules, "I-001");
	assert_non_null(r);
	assert_true(r->locked);
	assert_int_equal(r->severity, MDG_SEV_ERROR);
	assert_string_equal(r->origin, "central item.yaml");
	assert_int_equal(r->line, 3);
	assert_int_equal(r->col, 9);
	assert_non_null(r->check);
	assert_non_null(r->when);
	assert_false(r->broken);
	/* It names kind, weight (expressions) and code, name (message). */
	assert_int_equal(r->nuses, 4);
	r = mdg_rule_find(&fx->e->rules, "I-002");
	assert_int_equal(r->nrefs, 2);
	assert_int_equal(r->severity, MDG_SEV_WARNING);

	/* The site's view: its own field after the central ones, a tighter max. */
	de = mdg_site_find(fx->e, "DE01");
	item = mdg_domain_find(&fx->e->domains, "item");
	view = mdg_site_view(de, item);
	assert_ptr_not_equal(view, item);
	assert_ptr_equal(view->base, item);
	assert_int_equal(view->nfields, item->nfields + 1);
	assert_string_equal(view->fields[item->nfields].name, "x_tariff");
	assert_true(view->fields[3].has_max);
	assert_true(view->fields[3].max == 500);
	assert_true(item->fields[3].max == 1000);
	assert_ptr_equal(mdg_site_view(mdg_site_find(fx->e, "PL01"), item), item);
	r = mdg_rule_find(&fx->e->rules, "DE01-001");
	assert_string_equal(r->site, "DE01");
	assert_string_equal(r->origin, "site DE01 rules.yaml");
	assert_ptr_equal(r->view, view);
}

static void
test_rules_in_force_overrides_and_translations(void **state)
{
	struct fixture *fx = *state;
	struct mdg_rule_use *u;
	size_t n;

	load_ok(fx, de01_yaml);
	/* Central only. */
	n = mdg_rules_in_force(&fx->e->rules, NULL, NULL, &u);
	assert_int_equal(n, 4);
	assert_string_equal(u[0].message, "{code} ({name}) needs a weight; {{kg}}");
	free(u);
	/* DE01: the override and its own rule; de_AT falls back to de_DE. */
	n = mdg_rules_in_force(&fx->e->rules, mdg_site_find(fx->e, "DE01"),
			       mdg_domain_find(&fx->e->domains, "item"), &u);
	assert_int_equal(n, 5);
	assert_string_equal(u[0].message, "{code} braucht ein Gewicht");
	assert_string_equal(u[1].rule->id, "I-002");
	assert_int_equal(u[1].severity, MDG_SEV_INFO);
	assert_string_equal(u[1].origin, "central item.yaml; severity: site DE01 rules.yaml");
	assert_string_equal(u[4].rule->id, "DE01-001");
	free(u);
	/* PL01 has no extension: the central rules as they are. */
	n = mdg_rules_in_force(&fx->e->rules, mdg_site_find(fx->e, "PL01"), NULL, &u);
	assert_int_equal(n, 4);
	assert_int_equal(u[1].severity, MDG_SEV_WARNING);
	free(u);
}

/* ------------------------------------------------------------ governance */

static void
test_rules_governance_errors(void **state)
{
	struct fixture *fx = *state;
	const char *cfg, *site;
	char *msg;

	cfg = setup_config(fx, NULL);
	site = put(fx, "cfg/sites/DE01/rules.yaml",
		   "site: DE01\n"                                  /* 1 */
		   "domains:\n"                                    /* 2 */
		   "  item:\n"                                     /* 3 */
		   "    fields:\n"                                 /* 4 */
		   "      weight: {max: 2000}\n"                   /* 5 */
		   "      kind: {type: string}\n"                  /* 6 */
		   "      colour: {type: string}\n"                /* 7 */
		   "rules:\n"                                      /* 8 */
		   "  - id: I-003\n"                               /* 9 */
		   "    domain: item\n"                            /* 10 */
		   "    description: Clash.\n"                     /* 11 */
		   "    check: 'true'\n"                           /* 12 */
		   "    message: clash\n"                          /* 13 */
		   "overrides:\n"                                  /* 14 */
		   "  I-001: {severity: warning}\n"                /* 15 */
		   "  I-002: {severity: info}\n"                   /* 16 */
		   "  I-009: {severity: info}\n");                 /* 17 */
	assert_int_equal(mdg_enterprise_load(&fx->e, cfg, &fx->d), MDG_ERR);
	if (fx->d.n != 6)
		dump(&fx->d);
	assert_int_equal(fx->d.n, 6);
	expect_diag(&fx->d, 0, site, 5, 21, "site.loosen",
		    "site DE01 may not loosen field 'weight': its maximum may only be lowered "
		    "(in force: 1000)");
	expect_diag(&fx->d, 1, site, 6, 20, "site.redefine",
		    "site DE01 may not redefine central field 'kind' of type enum; a field of its "
		    "own needs a name starting with x_");
	expect_diag(&fx->d, 2, site, 7, 7, "site.field",
		    "'colour' is not a field of 'item'; a site's own fields need names starting "
		    "with x_ (x_colour)");
	msg = xasprintf("rule id 'I-003' is a central rule (%s/cfg/rules/item.yaml:17); a site's "
			"rules need ids of their own (e.g. DE01-I-003)",
			fx->dir);
	expect_diag(&fx->d, 3, site, 9, 9, "rule.duplicate", msg);
	free(msg);
	expect_diag(&fx->d, 4, site, 15, 21, "site.locked",
		    "rule I-001 is locked by the central team; a site may not lower its severity");
	expect_diag(&fx->d, 5, site, 17, 3, "site.override",
		    "there is no central rule 'I-009' to override");
	/* What was allowed is kept: the override of I-002, the own rules none. */
	assert_int_equal(mdg_site_find(fx->e, "DE01")->noverrides, 1);
	assert_null(mdg_rule_find(&fx->e->rules, "DE01-001"));
}

static void
test_rules_locked_refused(void **state)
{
	struct fixture *fx = *state;
	const char *cfg, *site;

	cfg = setup_config(fx, NULL);
	site = put(fx, "cfg/sites/DE01/rules.yaml",
		   "site: DE01\n"                                  /* 1 */
		   "overrides:\n"                                  /* 2 */
		   "  I-001: {severity: warning}\n"                /* 3 */
		   "  I-002: {severity: info}\n"                   /* 4 */
		   "  I-003: {enabled: false}\n"                   /* 5 */
		   "  I-009: {severity: info}\n");                 /* 6 */
	assert_int_equal(mdg_enterprise_load(&fx->e, cfg, &fx->d), MDG_ERR);
	if (fx->d.n != 3)
		dump(&fx->d);
	assert_int_equal(fx->d.n, 3);
	expect_diag(&fx->d, 0, site, 3, 21, "site.locked",
		    "rule I-001 is locked by the central team; a site may not lower its severity");
	expect_diag(&fx->d, 1, site, 5, 11, "site.override",
		    "a site may not disable central rule I-003; it may lower its severity to info");
	expect_diag(&fx->d, 2, site, 6, 3, "site.override",
		    "there is no central rule 'I-009' to override");
	/* The allowed override of I-002 is kept. */
	assert_int_equal(mdg_site_find(fx->e, "DE01")->noverrides, 1);
}

static void
test_rules_compile_errors_located(void **state)
{
	struct fixture *fx = *state;
	const char *cfg, *rules;

	put(fx, "cfg/domains/uom_category.yaml", uom_category_yaml);
	put(fx, "cfg/domains/uom.yaml", uom_yaml);
	put(fx, "cfg/domains/item.yaml", item_yaml);
	rules = put(fx, "cfg/rules/item.yaml",
		    "domain: item\n"                              /* 1 */
		    "rules:\n"                                    /* 2 */
		    "  - id: A-1\n"                               /* 3 */
		    "    description: unknown field\n"            /* 4 */
		    "    check: wieght > 1.0\n"                   /* 5 */
		    "    message: m\n"                            /* 6 */
		    "  - id: A-2\n"                               /* 7 */
		    "    description: block scalar\n"             /* 8 */
		    "    check: |\n"                              /* 9 */
		    "      code != null &&\n"                     /* 10 */
		    "        name > 3\n"                          /* 11 */
		    "    message: \"{code} {nope}\"\n");          /* 12 */
	cfg = put(fx, "cfg/mdgate.yaml", "domains: domains\nrules: rules\nsites:\n  - code: DE01\n");
	assert_int_equal(mdg_enterprise_load(&fx->e, cfg, &fx->d), MDG_ERR);
	if (fx->d.n != 3)
		dump(&fx->d);
	assert_int_equal(fx->d.n, 3);
	assert_int_equal(fx->d.v[0].line, 5);
	assert_int_equal(fx->d.v[0].col, 12);
	assert_non_null(strstr(fx->d.v[0].message, "wieght"));
	/* The block scalar maps to the file: line 11, after its indentation. */
	assert_int_equal(fx->d.v[1].line, 11);
	assert_int_equal(fx->d.v[1].col, 9);
	expect_diag(&fx->d, 2, rules, 12, 22, "rule.message",
		    "the message of rule A-2 names {nope}, which is not a field of 'item'");
	assert_true(mdg_rule_find(&fx->e->rules, "A-1")->broken);
}

/* ------------------------------------------------------------ evaluation */

static void
set(struct fixture *fx, const char *field, const char *v)
{
	const struct mdg_domain *view = mdg_site_view(NULL, mdg_domain_find(&fx->e->domains, "item"));
	const struct mdg_field *f = mdg_field_find(view, field);

	if (f == NULL)
		f = mdg_field_find(mdg_site_view(mdg_site_find(fx->e, "DE01"), view), field);
	assert_non_null(f);
	mdg_rules_record_set(fx->rf, f->index, v, strlen(v), false, 7);
}

static void
test_rules_eval_messages_and_skips(void **state)
{
	struct fixture *fx = *state;
	const struct mdg_rule_result *res;
	const struct mdg_domain *item;
	const struct mdg_site *de;
	size_t n;

	load_ok(fx, de01_yaml);
	item = mdg_domain_find(&fx->e->domains, "item");
	de = mdg_site_find(fx->e, "DE01");
	fx->run = mdg_rules_run_new(fx->e);
	/* Central, no site: English, and {{ }} are braces. */
	fx->rf = mdg_rules_file_begin(fx->run, NULL, item, '.', MDG_DATE_ISO);
	assert_true(mdg_rules_file_active(fx->rf));
	mdg_rules_record_begin(fx->rf);
	set(fx, "code", "AB-1");
	set(fx, "name", "Nut");
	set(fx, "kind", "storable");
	set(fx, "qty", "5");
	n = mdg_rules_record_eval(fx->rf, &res);
	assert_int_equal(n, 1);
	assert_string_equal(res[0].use->rule->id, "I-001");
	assert_int_equal(res[0].outcome, MDG_RULE_FAILED);
	assert_string_equal(res[0].message, "AB-1 (Nut) needs a weight; {kg}");
	assert_int_equal(res[0].line, 0);  /* the weight is not in the record */

	/* A field with a finding of its own skips the rules that name it;
	 * a division by zero is an error result. */
	mdg_rules_record_begin(fx->rf);
	set(fx, "code", "AB-2");
	set(fx, "kind", "storable");
	mdg_rules_record_set(fx->rf, 3, "x", 1, true, 9);
	set(fx, "qty", "0");
	n = mdg_rules_record_eval(fx->rf, &res);
	assert_int_equal(n, 1);
	assert_string_equal(res[0].use->rule->id, "I-003");
	assert_int_equal(res[0].outcome, MDG_RULE_ERROR);
	assert_string_equal(res[0].message,
			    "rule I-003 could not be evaluated: check: division by zero");
	mdg_rules_file_end(fx->rf);

	/* DE01: German message, its own rule, decimal comma, dates as ISO. */
	fx->rf = mdg_rules_file_begin(fx->run, de, mdg_site_view(de, item), ',', MDG_DATE_DMY_DOT);
	mdg_rules_record_begin(fx->rf);
	set(fx, "code", "AB-3");
	set(fx, "kind", "storable");
	set(fx, "weight", "0,0");
	set(fx, "qty", "2");
	set(fx, "since", "01.02.2025");
	set(fx, "x_tariff", "");
	n = mdg_rules_record_eval(fx->rf, &res);
	assert_int_equal(n, 3);
	assert_string_equal(res[0].message, "AB-3 braucht ein Gewicht");
	assert_int_equal(res[0].line, 7);
	assert_string_equal(res[1].use->rule->id, "I-004");
	assert_string_equal(res[1].message, "since 01.02.2025");
	assert_string_equal(res[2].use->rule->id, "DE01-001");
	assert_string_equal(res[2].use->origin, "site DE01 rules.yaml");
	assert_string_equal(res[2].message, "AB-3 ohne Zolltarif");
	mdg_rules_record_begin(fx->rf);
	set(fx, "code", "AB-4");
	set(fx, "kind", "service");
	set(fx, "qty", "1");
	set(fx, "since", "31.12.2026");
	set(fx, "x_tariff", "84821010");
	/* 10 / 1 > 1, 2026-12-31 starts with 2026-, a tariff: nothing to report. */
	assert_int_equal(mdg_rules_record_eval(fx->rf, &res), 0);
}

static void
test_rules_eval_ref(void **state)
{
	struct fixture *fx = *state;
	const struct mdg_rule_result *res;
	const struct mdg_domain *item, *uom;
	size_t n;

	load_ok(fx, NULL);
	item = mdg_domain_find(&fx->e->domains, "item");
	uom = mdg_domain_find(&fx->e->domains, "uom");
	fx->run = mdg_rules_run_new(fx->e);
	assert_true(mdg_rules_run_keeps(fx->run, uom));
	assert_false(mdg_rules_run_keeps(fx->run, item));

	/* A unit of the run, kept under its key. */
	fx->rf = mdg_rules_file_begin(fx->run, NULL, uom, '.', MDG_DATE_ISO);
	assert_true(mdg_rules_file_active(fx->rf));
	mdg_rules_record_begin(fx->rf);
	mdg_rules_record_set(fx->rf, 0, "BOX10", 5, false, 2);
	mdg_rules_record_set(fx->rf, 1, "UNIT", 4, false, 2);
	mdg_rules_record_set(fx->rf, 2, "0.1", 3, false, 2);
	(void)mdg_rules_record_eval(fx->rf, &res);
	mdg_rules_record_keep(fx->rf, "BOX10", 5);
	mdg_rules_file_end(fx->rf);

	fx->rf = mdg_rules_file_begin(fx->run, NULL, item, '.', MDG_DATE_ISO);
	/* BOX10 (run) and PCE (existing): both UNIT. */
	mdg_rules_record_begin(fx->rf);
	set(fx, "code", "AB-1");
	set(fx, "qty", "1");
	set(fx, "uom", "PCE");
	set(fx, "purchase_uom", "BOX10");
	assert_int_equal(mdg_rules_record_eval(fx->rf, &res), 0);
	/* KG (WEIGHT) and BOX10 (UNIT). */
	mdg_rules_record_begin(fx->rf);
	set(fx, "code", "AB-2");
	set(fx, "qty", "1");
	set(fx, "uom", "KG");
	set(fx, "purchase_uom", "BOX10");
	n = mdg_rules_record_eval(fx->rf, &res);
	assert_int_equal(n, 1);
	assert_string_equal(res[0].use->rule->id, "I-002");
	assert_string_equal(res[0].message, "BOX10 vs KG");
	assert_int_equal(res[0].use->severity, MDG_SEV_WARNING);
	/* An unknown unit is null: the guard skips the rule. G has no category: null != WEIGHT. */
	mdg_rules_record_begin(fx->rf);
	set(fx, "code", "AB-3");
	set(fx, "qty", "1");
	set(fx, "uom", "KG");
	set(fx, "purchase_uom", "NOPE");
	assert_int_equal(mdg_rules_record_eval(fx->rf, &res), 0);
	mdg_rules_record_begin(fx->rf);
	set(fx, "code", "AB-4");
	set(fx, "qty", "1");
	set(fx, "uom", "KG");
	set(fx, "purchase_uom", "G");
	assert_int_equal(mdg_rules_record_eval(fx->rf, &res), 1);
}

/* A fallback (the registry's part in a check) that knows only "REG1". */
static int fallback_calls;

static char *
fallback_reg1(void *arg, const char *domain, const char *key, size_t len)
{
	(void)arg;
	fallback_calls++;
	if (strcmp(domain, "uom") == 0 && len == 4 && memcmp(key, "REG1", 4) == 0)
		return strdup("{\"code\": \"REG1\", \"category\": \"WEIGHT\"}");
	return NULL;
}

/* Evaluate the same record with rf and its copy; the copy's outcome. */
static bool
same_with_copy(struct fixture *fx, struct mdg_rules_file *copy, const char *code,
	       const char *uom, const char *puom)
{
	struct mdg_rules_file *orig = fx->rf;
	const struct mdg_rule_result *r1, *r2;
	size_t n1, n2, i;
	bool complete;

	mdg_rules_record_begin(orig);
	set(fx, "code", code);
	set(fx, "qty", "1");
	set(fx, "uom", uom);
	set(fx, "purchase_uom", puom);
	n1 = mdg_rules_record_eval(orig, &r1);
	fx->rf = copy;
	mdg_rules_record_begin(copy);
	set(fx, "code", code);
	set(fx, "qty", "1");
	set(fx, "uom", uom);
	set(fx, "purchase_uom", puom);
	fx->rf = orig;
	n2 = mdg_rules_record_eval(copy, &r2);
	complete = !mdg_rules_record_incomplete(copy);
	if (complete) {
		assert_int_equal(n1, n2);
		for (i = 0; i < n1; i++) {
			assert_ptr_equal(r1[i].use->rule, r2[i].use->rule);
			assert_int_equal(r1[i].outcome, r2[i].outcome);
			assert_string_equal(r1[i].message, r2[i].message);
		}
	}
	return complete;
}

/*
 * A copy of a file's rules (for a worker thread) evaluates as the file
 * does with what it reaches: records of other domains kept by the run and
 * existing ones; a key only the registry could know makes the record
 * incomplete, and the copy never calls the registry itself.
 */
static void
test_rules_eval_copy(void **state)
{
	struct fixture *fx = *state;
	const struct mdg_rule_result *res;
	const struct mdg_domain *item, *uom;
	struct mdg_rules_file *copy;
	int calls;

	load_ok(fx, NULL);
	item = mdg_domain_find(&fx->e->domains, "item");
	uom = mdg_domain_find(&fx->e->domains, "uom");
	fx->run = mdg_rules_run_new(fx->e);
	fx->rf = mdg_rules_file_begin(fx->run, NULL, uom, '.', MDG_DATE_ISO);
	mdg_rules_record_begin(fx->rf);
	mdg_rules_record_set(fx->rf, 0, "BOX10", 5, false, 2);
	mdg_rules_record_set(fx->rf, 1, "UNIT", 4, false, 2);
	mdg_rules_record_set(fx->rf, 2, "0.1", 3, false, 2);
	(void)mdg_rules_record_eval(fx->rf, &res);
	mdg_rules_record_keep(fx->rf, "BOX10", 5);
	mdg_rules_file_end(fx->rf);

	/* Without a registry: everything is within the copy's reach. */
	fx->rf = mdg_rules_file_begin(fx->run, NULL, item, '.', MDG_DATE_ISO);
	copy = mdg_rules_file_clone(fx->rf);
	assert_true(same_with_copy(fx, copy, "AB-1", "PCE", "BOX10"));
	assert_true(same_with_copy(fx, copy, "AB-2", "KG", "BOX10"));   /* I-002 fails */
	assert_true(same_with_copy(fx, copy, "AB-3", "KG", "NOPE"));    /* null: skipped */
	assert_true(same_with_copy(fx, copy, "AB-4", "KG", "G"));
	mdg_rules_file_end(copy);
	mdg_rules_file_end(fx->rf);

	/* With one, a unit neither kept nor existing is the file's to look up. */
	mdg_rules_run_set_fallback(fx->run, fallback_reg1, NULL);
	fx->rf = mdg_rules_file_begin(fx->run, NULL, item, '.', MDG_DATE_ISO);
	copy = mdg_rules_file_clone(fx->rf);
	calls = fallback_calls;
	assert_true(same_with_copy(fx, copy, "AB-5", "KG", "BOX10"));
	assert_int_equal(fallback_calls, calls);
	assert_false(same_with_copy(fx, copy, "AB-6", "KG", "REG1"));
	/* The copy did not ask; the file did: REG1 is WEIGHT like KG. */
	assert_int_equal(fallback_calls, calls + 1);
	mdg_rules_record_begin(fx->rf);
	set(fx, "code", "AB-6");
	set(fx, "qty", "1");
	set(fx, "uom", "KG");
	set(fx, "purchase_uom", "REG1");
	assert_int_equal(mdg_rules_record_eval(fx->rf, &res), 0);
	mdg_rules_file_end(copy);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_rules_load_central_and_site),
		T(test_rules_in_force_overrides_and_translations),
		T(test_rules_governance_errors),
		T(test_rules_locked_refused),
		T(test_rules_compile_errors_located),
		T(test_rules_eval_messages_and_skips),
		T(test_rules_eval_ref),
		T(test_rules_eval_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
