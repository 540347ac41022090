/*
 * test_export.c - the Odoo export (engine/export.c) on the example's
 * definitions: external IDs sanitised, length-limited and made unique
 * (colliding records disambiguated whatever their order, an earlier
 * export's ID kept), relations resolved or refused as dangling (naming
 * domain, key and field), records Odoo has left out, defaults for empty
 * cells, parents before children and cycles refused,
 * and the XML written parsed back with libxml2, escaping included.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "enterprise.h"
#include "export.h"
#include "util.h"
#include "testdir.h"

struct fx {
	struct mdg_enterprise *e;
	struct mdg_diags d;
	char *dir;
};

static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));

	mdg_diags_init(&fx->d);
	if (mdg_enterprise_load(&fx->e, TOP_SRCDIR "/examples/acme/mdgate.yaml", &fx->d) != MDG_OK)
		return -1;
	mdg_diags_free(&fx->d);
	mdg_diags_init(&fx->d);
	if ((fx->dir = testdir_make("mdg-export")) == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	testdir_remove(fx->dir);
	free(fx->dir);
	mdg_diags_free(&fx->d);
	mdg_enterprise_free(fx->e);
	free(fx);
	return 0;
}

static const struct mdg_domain *
dom(struct fx *fx, const char *name)
{
	const struct mdg_domain *d = mdg_domain_find(&fx->e->domains, name);

	assert_non_null(d);
	return d;
}

static void
add(struct fx *fx, struct mdg_export *x, const char *domain, const char *key, const char *json)
{
	assert_int_equal(mdg_export_add(x, dom(fx, domain), key, "DE01", json, true, NULL, 0,
					"test", 0, &fx->d), MDG_OK);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct mdg_buf b;
	char buf[4096];
	size_t n;

	assert_non_null(f);
	mdg_buf_init(&b, 0);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		assert_int_equal(mdg_buf_append(&b, buf, n), MDG_OK);
	fclose(f);
	if (b.data == NULL)
		(void)mdg_buf_append(&b, "", 0);
	return b.data;
}

static void
test_export_sanitize(void **state)
{
	char *s, *t, raw[128];

	(void)state;
	s = mdg_xmlid_sanitize("item_BRG-6204-2RS");
	assert_string_equal(s, "item_brg_6204_2rs");
	free(s);
	s = mdg_xmlid_sanitize("--Ab__C.d--");
	assert_string_equal(s, "ab_c_d");
	free(s);
	s = mdg_xmlid_sanitize("");
	assert_string_equal(s, "x");
	free(s);
	s = mdg_xmlid_sanitize("supplier_\xc5\xbd\xc4\x8e" "AS a.s.");   /* ŽĎAS a.s. */
	assert_string_equal(s, "supplier_as_a_s");
	free(s);
	/* Too long: cut, then '_' and 8 hex digits of the raw ID's hash. */
	memset(raw, 'A', 100);
	raw[100] = '\0';
	s = mdg_xmlid_sanitize(raw);
	assert_int_equal(strlen(s), MDG_XMLID_NAME_MAX);
	assert_int_equal(s[MDG_XMLID_NAME_MAX - 9], '_');
	raw[99] = 'B';
	t = mdg_xmlid_sanitize(raw);
	assert_int_equal(strlen(t), MDG_XMLID_NAME_MAX);
	assert_string_not_equal(s, t);
	assert_memory_equal(s, t, MDG_XMLID_NAME_MAX - 9);
	free(t);
	t = mdg_xmlid_sanitize(raw);   /* stable */
	free(s);
	s = mdg_xmlid_sanitize(raw);
	assert_string_equal(s, t);
	free(s);
	free(t);
	assert_true(mdg_export_module_valid("acme_mdg"));
	assert_false(mdg_export_module_valid("Acme"));
	assert_false(mdg_export_module_valid("acme.mdg"));
	assert_false(mdg_export_module_valid(""));
}

/* Two categories whose codes sanitise alike, added in the given order; their IDs. */
static void
collide(struct fx *fx, bool reverse, char **a, char **b)
{
	struct mdg_export *x = mdg_export_new(fx->e, MDG_EXPORT_CSV, "acme_mdg", NULL);
	size_t ia = reverse ? 1 : 0, ib = reverse ? 0 : 1;

	if (!reverse)
		add(fx, x, "uom_category", "AB.C", "{\"code\":\"AB.C\",\"name\":\"One\"}");
	add(fx, x, "uom_category", "AB_C", "{\"code\":\"AB_C\",\"name\":\"Two\"}");
	if (reverse)
		add(fx, x, "uom_category", "AB.C", "{\"code\":\"AB.C\",\"name\":\"One\"}");
	add(fx, x, "uom_category", "PLAIN", "{\"code\":\"PLAIN\",\"name\":\"Three\"}");
	assert_int_equal(mdg_export_resolve(x, &fx->d), MDG_OK);
	*a = xstrdup(mdg_export_record_id(x, ia));
	*b = xstrdup(mdg_export_record_id(x, ib));
	assert_string_equal(mdg_export_record_id(x, 2), "acme_mdg.uom_categ_plain");
	mdg_export_free(x);
}

static void
test_export_collision(void **state)
{
	struct fx *fx = *state;
	struct mdg_export *x;
	char *a, *b, *a2, *b2;

	collide(fx, false, &a, &b);
	/* Neither silently takes the plain ID: both get a suffix of their own. */
	assert_string_not_equal(a, b);
	assert_int_equal(strncmp(a, "acme_mdg.uom_categ_ab_c_", 24), 0);
	assert_int_equal(strncmp(b, "acme_mdg.uom_categ_ab_c_", 24), 0);
	assert_int_equal(strlen(a), 24 + 8);
	/* The same IDs whatever the order of the records. */
	collide(fx, true, &a2, &b2);
	assert_string_equal(a, a2);
	assert_string_equal(b, b2);
	free(a2);
	free(b2);

	/* An ID an earlier export gave is kept; a newcomer that would take it is suffixed. */
	x = mdg_export_new(fx->e, MDG_EXPORT_CSV, "acme_mdg", NULL);
	assert_int_equal(mdg_export_add(x, dom(fx, "uom_category"), "AB_C", "DE01",
					"{\"code\":\"AB_C\",\"name\":\"Two\"}", true,
					"acme_mdg.uom_categ_ab_c", 0, "test", 0, &fx->d), MDG_OK);
	add(fx, x, "uom_category", "AB.C", "{\"code\":\"AB.C\",\"name\":\"One\"}");
	assert_int_equal(mdg_export_resolve(x, &fx->d), MDG_OK);
	assert_string_equal(mdg_export_record_id(x, 0), "acme_mdg.uom_categ_ab_c");
	assert_string_equal(mdg_export_record_id(x, 1), a);
	mdg_export_free(x);

	/* An ID reserved by a record gone from the registry is not reused. */
	x = mdg_export_new(fx->e, MDG_EXPORT_CSV, "acme_mdg", NULL);
	mdg_export_reserve(x, "acme_mdg.uom_categ_ab_c");
	add(fx, x, "uom_category", "AB.C", "{\"code\":\"AB.C\",\"name\":\"One\"}");
	assert_int_equal(mdg_export_resolve(x, &fx->d), MDG_OK);
	assert_string_equal(mdg_export_record_id(x, 0), a);
	mdg_export_free(x);
	free(a);
	free(b);

	/* The same key twice is refused. */
	x = mdg_export_new(fx->e, MDG_EXPORT_CSV, "acme_mdg", NULL);
	add(fx, x, "uom_category", "AB", "{\"code\":\"AB\",\"name\":\"One\"}");
	assert_int_equal(mdg_export_add(x, dom(fx, "uom_category"), "AB", NULL,
					"{\"code\":\"AB\"}", true, NULL, 0, "test", 0, &fx->d),
			 MDG_ERR);
	assert_string_equal(fx->d.v[fx->d.n - 1].code, "export.duplicate");
	mdg_export_free(x);
}

static void
test_export_dangling(void **state)
{
	struct fx *fx = *state;
	struct mdg_export *x = mdg_export_new(fx->e, MDG_EXPORT_CSV, "acme_mdg", NULL);
	const struct mdg_diag *g;

	add(fx, x, "uom", "BOX7", "{\"code\":\"BOX7\",\"name\":\"Box of 7\",\"category\":\"UNIT\","
	    "\"uom_type\":\"bigger\",\"factor\":\"0.142857\",\"rounding\":\"1\"}");
	add(fx, x, "uom", "ERG", "{\"code\":\"ERG\",\"name\":\"erg\",\"category\":\"NOPE\","
	    "\"uom_type\":\"reference\",\"factor\":\"1\",\"rounding\":\"1\"}");
	assert_int_equal(mdg_export_resolve(x, &fx->d), MDG_ERR);
	assert_int_equal(mdg_diags_errors(&fx->d), 1);
	g = &fx->d.v[0];
	assert_string_equal(g->code, "export.dangling");
	assert_string_equal(g->record_key, "ERG");
	assert_string_equal(g->field, "category");
	assert_non_null(strstr(g->message, "uom 'ERG', field category: refers to uom_category "
				"'NOPE'"));
	/* Nothing can be written after that. */
	{
		char *out = xasprintf("%s/never", fx->dir);
		assert_int_equal(mdg_export_to_dir(x, out, &fx->d), MDG_ERR);
		assert_int_equal(access(out, F_OK), -1);
		free(out);
	}
	mdg_export_free(x);
}

/* A record Odoo already has (existing) is not written; relations to it use Odoo's ID. */
static void
test_export_existing(void **state)
{
	struct fx *fx = *state;
	struct mdg_export *x = mdg_export_new(fx->e, MDG_EXPORT_CSV, "acme_mdg", NULL);
	char *out = xasprintf("%s/e", fx->dir), *path, *csv;

	add(fx, x, "uom", "PCE", "{\"code\":\"PCE\",\"name\":\"Units\",\"category\":\"UNIT\","
	    "\"uom_type\":\"reference\",\"factor\":\"1\",\"rounding\":\"1\"}");
	add(fx, x, "item", "GM-2", "{\"default_code\":\"GM-2\",\"name\":\"Motor\",\"kind\":"
	    "\"consumable\",\"uom\":\"PCE\",\"category\":\"All\",\"active\":\"1\"}");
	add(fx, x, "item", "GM-3", "{\"default_code\":\"GM-3\",\"name\":\"Gear, 3\\\"\",\"kind\":"
	    "\"service\",\"uom\":\"PCE\",\"purchase_uom\":\"DZN\",\"category\":\"All\"}");
	assert_int_equal(mdg_export_resolve(x, &fx->d), MDG_OK);
	assert_int_equal(mdg_diags_errors(&fx->d), 0);
	assert_int_equal(fx->d.n, 1);
	assert_string_equal(fx->d.v[0].code, "export.existing");
	assert_null(mdg_export_record_id(x, 0));
	assert_int_equal(mdg_export_to_dir(x, out, &fx->d), MDG_OK);
	assert_int_equal(mdg_export_nwritten(x), 2);
	assert_int_equal(mdg_export_nfiles(x), 1);
	path = xasprintf("%s/product.product.csv", out);
	csv = slurp(path);
	/* An empty purchase unit is the unit; an empty active is True, not "archive". */
	assert_string_equal(csv,
			    "id,default_code,name,detailed_type,uom_id/id,uom_po_id/id,categ_id,"
			    "active\r\n"
			    "acme_mdg.item_gm_2,GM-2,Motor,consu,uom.product_uom_unit,"
			    "uom.product_uom_unit,All,True\r\n"
			    "acme_mdg.item_gm_3,GM-3,\"Gear, 3\"\"\",service,uom.product_uom_unit,"
			    "uom.product_uom_dozen,All,True\r\n");
	free(csv);
	free(path);
	mdg_export_free(x);
	free(out);
}

/* Two domains of one model: a file each, named after both, in the domains' order. */
static void
test_export_shared_model(void **state)
{
	struct fx *fx = *state;
	struct mdg_enterprise *e = NULL;
	struct mdg_export *x;
	char *cfg, *out = xasprintf("%s/s", fx->dir), *path, *man;

	free(testdir_put(fx->dir, "m/domains/company.yaml",
			 "domain: company\nkey: [code]\n"
			 "odoo: {model: res.partner, xmlid: \"company_{code}\"}\n"
			 "fields:\n"
			 "  code: {type: string, required: true}\n"
			 "  name: {type: string, odoo: name}\n"));
	free(testdir_put(fx->dir, "m/domains/contact.yaml",
			 "domain: contact\nkey: [code]\n"
			 "odoo: {model: res.partner, xmlid: \"contact_{code}\"}\n"
			 "fields:\n"
			 "  code: {type: string, required: true}\n"
			 "  email: {type: string, odoo: email}\n"
			 "  company: {type: ref, domain: company, odoo: parent_id}\n"));
	cfg = testdir_put(fx->dir, "m/mdgate.yaml", "domains: domains\nsites:\n  - code: DE01\n");
	assert_int_equal(mdg_enterprise_load(&e, cfg, &fx->d), MDG_OK);
	x = mdg_export_new(e, MDG_EXPORT_CSV, "mdgate", NULL);
	assert_int_equal(mdg_export_add(x, mdg_domain_find(&e->domains, "contact"), "C1", NULL,
					"{\"code\":\"C1\",\"email\":\"a@b.de\",\"company\":\"A\"}",
					true, NULL, 0, "t", 0, &fx->d), MDG_OK);
	assert_int_equal(mdg_export_add(x, mdg_domain_find(&e->domains, "company"), "A", NULL,
					"{\"code\":\"A\",\"name\":\"Acme\"}", true, NULL, 0, "t",
					0, &fx->d), MDG_OK);
	assert_int_equal(mdg_export_resolve(x, &fx->d), MDG_OK);
	assert_int_equal(mdg_export_to_dir(x, out, &fx->d), MDG_OK);
	path = xasprintf("%s/manifest.json", out);
	man = slurp(path);
	assert_non_null(strstr(man, "\"file\": \"res.partner-company.csv\""));
	assert_non_null(strstr(man, "\"file\": \"res.partner-contact.csv\""));
	assert_true(strstr(man, "res.partner-company.csv") < strstr(man, "res.partner-contact.csv"));
	free(man);
	free(path);
	path = xasprintf("%s/res.partner-contact.csv", out);
	man = slurp(path);
	assert_string_equal(man, "id,email,parent_id/id\r\nmdgate.contact_c1,a@b.de,"
			    "mdgate.company_a\r\n");
	free(man);
	free(path);
	mdg_export_free(x);
	mdg_enterprise_free(e);
	free(cfg);
	free(out);
}

static void
test_export_order(void **state)
{
	struct fx *fx = *state;
	struct mdg_export *x = mdg_export_new(fx->e, MDG_EXPORT_CSV, "acme_mdg", NULL);
	char *out = xasprintf("%s/o", fx->dir), *path, *csv, *p1, *p2, *p3;

	/* Keys sort child first; the parent must still come first. */
	add(fx, x, "location", "AA-1", "{\"code\":\"AA-1\",\"name\":\"Bin\",\"parent\":\"ZZ\","
	    "\"usage\":\"internal\"}");
	add(fx, x, "location", "ZZ", "{\"code\":\"ZZ\",\"name\":\"Hall, \\\"north\\\"\","
	    "\"parent\":\"WH-STOCK\",\"usage\":\"view\"}");
	add(fx, x, "location", "MM", "{\"code\":\"MM\",\"name\":\"Yard\",\"usage\":\"internal\"}");
	assert_int_equal(mdg_export_resolve(x, &fx->d), MDG_OK);
	assert_int_equal(mdg_export_to_dir(x, out, &fx->d), MDG_OK);
	path = xasprintf("%s/stock.location.csv", out);
	csv = slurp(path);
	p1 = strstr(csv, "acme_mdg.location_zz,\"Hall, \"\"north\"\"\",stock.stock_location_stock,"
		    "view\r\n");
	p2 = strstr(csv, "acme_mdg.location_aa_1,Bin,acme_mdg.location_zz,internal\r\n");
	p3 = strstr(csv, "acme_mdg.location_mm,Yard,,internal\r\n");
	assert_non_null(p1);
	assert_non_null(p2);
	assert_non_null(p3);
	assert_ptr_equal(csv, strstr(csv, "id,name,location_id/id,usage\r\n"));
	assert_true(p1 < p2);
	free(csv);
	free(path);
	mdg_export_free(x);

	/* A cycle is refused. */
	x = mdg_export_new(fx->e, MDG_EXPORT_CSV, "acme_mdg", NULL);
	add(fx, x, "location", "A1", "{\"code\":\"A1\",\"name\":\"a\",\"parent\":\"B1\"}");
	add(fx, x, "location", "B1", "{\"code\":\"B1\",\"name\":\"b\",\"parent\":\"A1\"}");
	assert_int_equal(mdg_export_resolve(x, &fx->d), MDG_ERR);
	assert_string_equal(fx->d.v[fx->d.n - 1].code, "export.cycle");
	mdg_export_free(x);
	free(out);
}

static const char *
attr(xmlNodePtr n, const char *name, xmlChar **keep)
{
	*keep = xmlGetProp(n, BAD_CAST name);
	return (const char *)*keep;
}

static void
test_export_xml(void **state)
{
	struct fx *fx = *state;
	struct mdg_export *x = mdg_export_new(fx->e, MDG_EXPORT_XML, "acme_mdg", NULL);
	char *out = xasprintf("%s/x", fx->dir), *path;
	xmlDocPtr doc;
	xmlNodePtr root, rec, f;
	xmlChar *a = NULL, *c;
	int nrec = 0, seen = 0;

	add(fx, x, "supplier", "V-1", "{\"ref\":\"V-1\",\"name\":\"A <b> & \\\"c\\\" 'd' \\u0001\","
	    "\"country\":\"GB\",\"currency\":\"gbp\",\"payment_term\":\"net_30\","
	    "\"state\":\"O'Hara\",\"is_company\":\"yes\",\"active\":\"0\"}");
	add(fx, x, "item", "GM-1", "{\"default_code\":\"GM-1\",\"name\":\"Motor\",\"kind\":"
	    "\"storable\",\"uom\":\"PCE\",\"category\":\"All / Saleable\",\"weight\":\"+.5\","
	    "\"produce_delay\":\"007\"}");
	add(fx, x, "routing", "RT-1", "{\"code\":\"RT-1\",\"product\":\"GM-1\",\"product_qty\":"
	    "\"1\",\"uom\":\"PCE\",\"type\":\"kit\"}");
	assert_int_equal(mdg_export_resolve(x, &fx->d), MDG_OK);
	assert_int_equal(mdg_export_to_dir(x, out, &fx->d), MDG_OK);
	assert_int_equal(mdg_export_nfiles(x), 3);

	path = xasprintf("%s/res.partner.xml", out);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "odoo");
	for (rec = root->children; rec != NULL; rec = rec->next) {
		if (rec->type != XML_ELEMENT_NODE)
			continue;
		nrec++;
		assert_string_equal((const char *)rec->name, "record");
		assert_string_equal(attr(rec, "model", &a), "res.partner");
		xmlFree(a);
		assert_string_equal(attr(rec, "id", &a), "acme_mdg.supplier_v_1");
		xmlFree(a);
		for (f = rec->children; f != NULL; f = f->next) {
			const char *name;
			if (f->type != XML_ELEMENT_NODE)
				continue;
			name = attr(f, "name", &a);
			if (strcmp(name, "name") == 0) {
				c = xmlNodeGetContent(f);
				assert_string_equal((const char *)c,
						    "A <b> & \"c\" 'd' \xef\xbf\xbd");
				xmlFree(c);
				seen |= 1;
			} else if (strcmp(name, "country_id") == 0) {
				xmlChar *r;
				assert_string_equal(attr(f, "ref", &r), "base.uk");
				xmlFree(r);
				seen |= 2;
			} else if (strcmp(name, "property_purchase_currency_id") == 0) {
				xmlChar *r;
				assert_string_equal(attr(f, "ref", &r), "base.GBP");
				xmlFree(r);
				seen |= 4;
			} else if (strcmp(name, "property_supplier_payment_term_id") == 0) {
				xmlChar *r;
				assert_string_equal(attr(f, "ref", &r),
						    "account.account_payment_term_30days");
				xmlFree(r);
				seen |= 8;
			} else if (strcmp(name, "state_id") == 0) {
				xmlChar *r;
				assert_string_equal(attr(f, "search", &r),
						    "['|', ('code', '=', 'O\\'Hara'), "
						    "('name', '=', 'O\\'Hara')]");
				xmlFree(r);
				seen |= 16;
			} else if (strcmp(name, "active") == 0) {
				xmlChar *r;
				assert_string_equal(attr(f, "eval", &r), "False");
				xmlFree(r);
				seen |= 32;
			} else if (strcmp(name, "supplier_rank") == 0) {
				xmlChar *r;
				assert_string_equal(attr(f, "eval", &r), "1");
				xmlFree(r);
				seen |= 64;
			}
			xmlFree(a);
		}
	}
	assert_int_equal(nrec, 1);
	assert_int_equal(seen, 127);
	xmlFreeDoc(doc);
	free(path);

	path = xasprintf("%s/product.product.xml", out);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	free(path);
	path = xasprintf("%s/product.product.xml", out);
	{
		char *t = slurp(path);
		assert_non_null(strstr(t, "<field name=\"detailed_type\">product</field>"));
		assert_non_null(strstr(t, "<field name=\"uom_id\" ref=\"uom.product_uom_unit\"/>"));
		assert_non_null(strstr(t, "<field name=\"weight\" eval=\"0.5\"/>"));
		assert_non_null(strstr(t, "<field name=\"produce_delay\" eval=\"7\"/>"));
		assert_non_null(strstr(t, "search=\"[('complete_name', '=', 'All / Saleable')]\""));
		free(t);
	}
	free(path);
	path = xasprintf("%s/mrp.bom.xml", out);
	{
		char *t = slurp(path);
		assert_non_null(strstr(t, "<field name=\"product_tmpl_id\" "
				       "ref=\"acme_mdg.item_gm_1_product_template\"/>"));
		assert_non_null(strstr(t, "<field name=\"type\">phantom</field>"));
		free(t);
	}
	free(path);
	mdg_export_free(x);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_sanitize),
		cmocka_unit_test_setup_teardown(test_export_collision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_dangling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_shared_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_xml, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
