/*
 * cmd-rules.c - `mdgate rules`: list the rules in force (central rules,
 * and with --site the site's overrides and its own rules), or explain one
 * rule: its definition and what its expressions compiled to.  Loads the
 * whole configuration first, so a definition error stops it with exit 2.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "enterprise.h"

static int cmd_rules_exec(int argc, char **argv);

const struct mdg_cmd mdg_cmd_rules = {
	.name = "rules",
	.summary = "list the rules in force, or explain one",
	.usage =
		"Usage: mdgate rules [OPTIONS]\n"
		"       mdgate rules --explain ID [OPTIONS]\n"
		"\n"
		"List the rules in force: id, domain, severity, whether it is locked, and where\n"
		"it comes from.  Without --site: the central rules and every site's own rules;\n"
		"with --site: what applies to that site's files (the central rules with the\n"
		"site's severity overrides, then the site's own rules).\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   the enterprise configuration (default ./mdgate.yaml,\n"
		"                      or $MDGATE_CONFIG)\n"
		"  -d, --domain NAME   only the rules of this domain\n"
		"  -s, --site CODE     the rules in force for this site's files\n"
		"  -e, --explain ID    print the rule and the programs its expressions\n"
		"                      compiled to (resolved fields, folded constants)\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 done; 2 usage, an unknown rule, or errors in the definitions.\n",
	.exec = cmd_rules_exec,
};

static const char *
sev_name(enum mdg_severity s)
{
	return mdg_severity_name(s);
}

static void
list_rules(const struct mdg_rule_use *u, size_t n)
{
	size_t i, wid = 2, wdom = 6;

	for (i = 0; i < n; i++) {
		if (strlen(u[i].rule->id) > wid)
			wid = strlen(u[i].rule->id);
		if (strlen(u[i].rule->dom->name) > wdom)
			wdom = strlen(u[i].rule->dom->name);
	}
	printf("%-*s  %-*s  %-8s  %-6s  %s\n", (int)wid, "ID", (int)wdom, "DOMAIN", "SEVERITY",
	       "LOCKED", "ORIGIN");
	for (i = 0; i < n; i++)
		printf("%-*s  %-*s  %-8s  %-6s  %s\n", (int)wid, u[i].rule->id, (int)wdom,
		       u[i].rule->dom->name, sev_name(u[i].severity),
		       u[i].rule->locked ? "locked" : "-", u[i].origin);
	printf("%zu rule%s\n", n, n == 1 ? "" : "s");
}

static void
print_field(const char *name, const char *text)
{
	const char *p, *nl;

	printf("  %-11s ", name);
	/* Continuation lines of a block scalar line up under the first. */
	for (p = text; (nl = strchr(p, '\n')) != NULL && nl[1] != '\0'; p = nl + 1)
		printf("%.*s\n  %-11s ", (int)(nl - p), p, "");
	nl = strchr(p, '\n');
	printf("%.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
}

static void
explain(const struct mdg_rule_use *u, const struct mdg_site *site)
{
	const struct mdg_rule *r = u->rule;
	size_t i;

	printf("%s: %s\n", r->id, r->description ? r->description : "");
	print_field("domain", r->dom->name);
	printf("  %-11s %s:%ld:%ld\n", "defined", r->file, r->line, r->col);
	printf("  %-11s %s\n", "origin", u->origin);
	if (site != NULL && u->severity != r->severity)
		printf("  %-11s %s (for site %s; the rule says %s)%s\n", "severity",
		       sev_name(u->severity), site->code, sev_name(r->severity),
		       r->locked ? ", locked" : "");
	else
		printf("  %-11s %s%s\n", "severity", sev_name(u->severity),
		       r->locked ? ", locked: a site may not lower it" : "");
	if (r->field >= 0)
		print_field("field", r->view->fields[r->field].name);
	if (r->when_text != NULL)
		print_field("when", r->when_text);
	print_field("check", r->check_text ? r->check_text : "");
	print_field("message", r->message ? r->message : "");
	for (i = 0; i < r->nmessages; i++)
		print_field(r->messages[i].from, r->messages[i].to);
	if (r->nuses > 0) {
		printf("  %-11s", "fields");
		for (i = 0; i < r->nuses; i++)
			printf(" %s", r->view->fields[r->uses[i]].name);
		printf("  (a field with a finding of its own skips the rule)\n");
	}
	if (r->when != NULL) {
		printf("\nwhen, compiled:\n");
		cel_program_explain(r->when, stdout);
	}
	if (r->check != NULL) {
		printf("\ncheck, compiled:\n");
		cel_program_explain(r->check, stdout);
	}
}

static int
cmd_rules_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"domain", required_argument, NULL, 'd'},
		{"site", required_argument, NULL, 's'},
		{"explain", required_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *domain = NULL, *site_code = NULL, *id = NULL;
	struct mdg_enterprise *e = NULL;
	const struct mdg_domain *dom = NULL;
	const struct mdg_site *site = NULL;
	struct mdg_rule_use *uses = NULL;
	struct mdg_diags d;
	char *path;
	int c, status = MDG_EXIT_DEFINITION;
	size_t i, n;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:d:s:e:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'd':
			domain = optarg;
			break;
		case 's':
			site_code = optarg;
			break;
		case 'e':
			id = optarg;
			break;
		case 'h':
			mdg_print_help(stdout, &mdg_cmd_rules);
			return MDG_EXIT_OK;
		case ':':
			return mdg_usage_error(&mdg_cmd_rules, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return mdg_usage_error(&mdg_cmd_rules, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return mdg_usage_error(&mdg_cmd_rules, "unexpected argument '%s'", argv[optind]);
	if ((path = mdg_enterprise_locate(config)) == NULL)
		return mdg_usage_error(&mdg_cmd_rules,
				       "no mdgate.yaml in the current folder; give --config FILE");
	mdg_diags_init(&d);
	if (mdg_enterprise_load(&e, path, &d) != MDG_OK) {
		mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
		fprintf(stderr, "mdgate: %zu error%s in the definitions\n", mdg_diags_errors(&d),
			mdg_diags_errors(&d) == 1 ? "" : "s");
		goto done;
	}
	mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
	if (site_code != NULL && (site = mdg_site_find(e, site_code)) == NULL) {
		status = mdg_usage_error(&mdg_cmd_rules, "unknown site '%s' (see the sites in %s)",
					 site_code, path);
		goto done;
	}
	if (domain != NULL && (dom = mdg_domain_find(&e->domains, domain)) == NULL) {
		status = mdg_usage_error(&mdg_cmd_rules, "unknown domain '%s'", domain);
		goto done;
	}
	if (site != NULL) {
		n = mdg_rules_in_force(&e->rules, site, dom, &uses);
	} else {
		/* Central rules, then every site's own (with the site's messages). */
		uses = xcalloc(e->rules.n ? e->rules.n : 1, sizeof(*uses));
		for (i = n = 0; i < e->rules.n; i++) {
			const struct mdg_rule *r = e->rules.v[i];
			if (dom != NULL && r->dom != dom)
				continue;
			uses[n].rule = r;
			uses[n].severity = r->severity;
			uses[n].origin = r->origin;
			uses[n].message = r->message;
			n++;
		}
	}
	if (id == NULL) {
		list_rules(uses, n);
		status = MDG_EXIT_OK;
		goto done;
	}
	for (i = 0; i < n; i++)
		if (strcmp(uses[i].rule->id, id) == 0)
			break;
	if (i == n) {
		fprintf(stderr, "mdgate: no rule '%s'%s%s%s (see 'mdgate rules%s%s')\n", id,
			site ? " in force for site " : "", site ? site->code : "",
			dom ? " in this domain" : "", site ? " --site " : "", site ? site->code : "");
		goto done;
	}
	explain(&uses[i], site);
	status = MDG_EXIT_OK;
done:
	free(uses);
	mdg_diags_free(&d);
	mdg_enterprise_free(e);
	free(path);
	return status;
}
