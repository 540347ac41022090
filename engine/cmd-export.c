/*
 * cmd-export.c - `mdgate export`: the registry's current golden records as
 * files Odoo imports (CSV in Odoo's import format, or XML data files,
 * optionally an installable data module), recorded in the registry with
 * an "exported" event; --since N writes only what changed after export N;
 * --list shows the exports made.  The work is done in export.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "enterprise.h"
#include "export.h"
#include "registry.h"
#include "report.h"

static int cmd_export_exec(int argc, char **argv);

const struct mdg_cmd mdg_cmd_export = {
	.name = "export",
	.summary = "write the approved records as files Odoo imports",
	.usage =
		"Usage: mdgate export --format odoo-csv|odoo-xml --out DIR [OPTIONS]\n"
		"       mdgate export --list [--json] [--registry FILE] [--config FILE]\n"
		"\n"
		"Write the registry's current golden (approved) records as files Odoo imports:\n"
		"one file per Odoo model in dependency order (units before items, parents\n"
		"before children), every record with its external ID (module.name, stable from\n"
		"one export to the next), relations as external IDs, and manifest.json listing\n"
		"the files in load order with model, rows and SHA-256.  Every relation must\n"
		"point to a record of the same export, one exported before, or one Odoo has\n"
		"(the domain's existing); otherwise nothing is written.  The export is\n"
		"recorded in the registry with an \"exported\" event.\n"
		"\n"
		"Options:\n"
		"  -f, --format FORMAT     odoo-csv (Odoo's import format) or odoo-xml (data files)\n"
		"  -o, --out DIR           the folder to write (new or empty)\n"
		"  -d, --domain NAME       only the records of this domain\n"
		"  -s, --site CODE         only the records of this site\n"
		"      --since N           only the records approved or changed after export N\n"
		"                          (the others keep their IDs and may be referred to)\n"
		"      --module NAME       odoo-xml: lay out the installable Odoo data module NAME\n"
		"                          (NAME/__manifest__.py, NAME/data/*.xml); NAME must be\n"
		"                          the external-ID prefix\n"
		"      --prefix NAME       the external-ID prefix (default: the configuration's\n"
		"                          odoo: module:, else mdgate)\n"
		"      --list              show the exports made (with --json as JSON)\n"
		"      --as ROLE           who exports, for the audit trail (default $MDGATE_ROLE,\n"
		"                          else steward)\n"
		"  -r, --registry FILE     the registry (default: the configuration's)\n"
		"  -c, --config FILE       the enterprise configuration (default ./mdgate.yaml,\n"
		"                          or $MDGATE_CONFIG)\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 exported; 1 refused: a relation points nowhere (each one is\n"
		"named with domain, key and field) and nothing was written; 2 usage,\n"
		"definition, registry or write error.\n",
	.exec = cmd_export_exec,
};

enum { OPT_SINCE = 256, OPT_MODULE, OPT_PREFIX, OPT_LIST, OPT_JSON, OPT_AS };

static bool
parse_id(const char *s, long long *out)
{
	char *end;

	if (s[0] < '1' || s[0] > '9')
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Render the diagnostics; the exit status they call for (1 for dangling relations only). */
static int
report_diags(const struct mdg_diags *d)
{
	size_t i;
	bool other = false;

	mdg_diags_render_all(stderr, d, mdg_want_color(stderr));
	for (i = 0; i < d->n; i++)
		if (d->v[i].severity == MDG_SEV_ERROR && strcmp(d->v[i].code, "export.dangling") != 0)
			other = true;
	if (mdg_diags_errors(d) == 0)
		return MDG_EXIT_OK;
	return other ? MDG_EXIT_DEFINITION : MDG_EXIT_GATE;
}

static int
cmd_export_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"out", required_argument, NULL, 'o'},
		{"domain", required_argument, NULL, 'd'},
		{"site", required_argument, NULL, 's'},
		{"since", required_argument, NULL, OPT_SINCE},
		{"module", required_argument, NULL, OPT_MODULE},
		{"prefix", required_argument, NULL, OPT_PREFIX},
		{"list", no_argument, NULL, OPT_LIST},
		{"json", no_argument, NULL, OPT_JSON},
		{"as", required_argument, NULL, OPT_AS},
		{"registry", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *format = NULL, *out = NULL, *domain = NULL, *site = NULL, *module = NULL;
	const char *prefix = NULL, *regopt = NULL, *config = NULL, *role = NULL;
	bool list = false, json = false;
	long long since = 0, eid = 0;
	struct mdg_enterprise *e = NULL;
	struct mdg_registry *reg = NULL;
	struct mdg_export *x = NULL;
	struct mdg_identity id;
	struct mdg_diags d;
	char *path = NULL, *rpath = NULL, *err = NULL, rules_sha[65];
	int c, fmt = -1, rc, status = MDG_EXIT_DEFINITION;

	memset(&id, 0, sizeof(id));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:d:s:r:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'd':
			domain = optarg;
			break;
		case 's':
			site = optarg;
			break;
		case OPT_SINCE:
			if (!parse_id(optarg, &since))
				return mdg_usage_error(&mdg_cmd_export,
						       "--since needs an export number, not '%s'",
						       optarg);
			break;
		case OPT_MODULE:
			module = optarg;
			break;
		case OPT_PREFIX:
			prefix = optarg;
			break;
		case OPT_LIST:
			list = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_AS:
			role = optarg;
			break;
		case 'r':
			regopt = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			mdg_print_help(stdout, &mdg_cmd_export);
			return MDG_EXIT_OK;
		case ':':
			return mdg_usage_error(&mdg_cmd_export, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return mdg_usage_error(&mdg_cmd_export, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return mdg_usage_error(&mdg_cmd_export, "unexpected argument '%s'", argv[optind]);
	if (!list) {
		if (format == NULL)
			return mdg_usage_error(&mdg_cmd_export,
					       "give --format odoo-csv or --format odoo-xml");
		if ((fmt = mdg_export_format_parse(format)) < 0)
			return mdg_usage_error(&mdg_cmd_export,
					       "unknown format '%s' (odoo-csv or odoo-xml)", format);
		if (out == NULL || out[0] == '\0')
			return mdg_usage_error(&mdg_cmd_export, "give the folder to write: --out DIR");
		if (module != NULL && fmt != MDG_EXPORT_XML)
			return mdg_usage_error(&mdg_cmd_export,
					       "--module lays out XML data files: use it with "
					       "--format odoo-xml");
		if (module != NULL && since > 0)
			return mdg_usage_error(&mdg_cmd_export,
					       "--module writes a complete module, --since only the "
					       "changes (an upgrade would delete the records left "
					       "out): not both");
		if (module != NULL && !mdg_export_module_valid(module))
			return mdg_usage_error(&mdg_cmd_export,
					       "--module '%s' is not an Odoo module name "
					       "([a-z][a-z0-9_]*)", module);
		if (prefix != NULL && !mdg_export_module_valid(prefix))
			return mdg_usage_error(&mdg_cmd_export,
					       "--prefix '%s' is not usable as an external-ID "
					       "prefix ([a-z][a-z0-9_]*)", prefix);
	}
	if ((path = mdg_enterprise_locate(config)) == NULL)
		return mdg_usage_error(&mdg_cmd_export,
				       "no mdgate.yaml in the current folder; give --config FILE");

	mdg_diags_init(&d);
	if (mdg_enterprise_load(&e, path, &d) != MDG_OK) {
		mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
		fprintf(stderr, "mdgate: the definitions have errors; nothing was exported\n");
		goto done;
	}
	mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
	mdg_diags_free(&d);
	mdg_diags_init(&d);
	if ((rpath = mdg_registry_path(e, regopt)) == NULL) {
		fprintf(stderr, "mdgate: %s names no registry; add 'registry: FILE' or give "
			"--registry FILE\n", path);
		goto done;
	}
	if (mdg_registry_open(&reg, rpath, false, &err) != MDG_OK) {
		fprintf(stderr, "mdgate: %s\n", err);
		goto done;
	}
	if (list) {
		if (mdg_export_list(reg, stdout, json, &d) != MDG_OK) {
			mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
			goto done;
		}
		status = MDG_EXIT_OK;
		goto done;
	}
	if (domain != NULL && mdg_domain_find(&e->domains, domain) == NULL) {
		status = mdg_usage_error(&mdg_cmd_export, "no domain '%s' in the definitions",
					 domain);
		goto done;
	}
	if (site != NULL && mdg_site_find(e, site) == NULL) {
		status = mdg_usage_error(&mdg_cmd_export, "no site '%s' in %s", site, path);
		goto done;
	}
	if (prefix == NULL)
		prefix = e->odoo_module;
	if (!mdg_export_module_valid(prefix)) {
		fprintf(stderr, "mdgate: %s: odoo module '%s' is not usable as an external-ID "
			"prefix ([a-z][a-z0-9_]*, at most 64)\n", path, prefix);
		goto done;
	}
	if (module != NULL && strcmp(module, prefix) != 0) {
		status = mdg_usage_error(&mdg_cmd_export,
					 "--module %s: Odoo lets a data module define IDs of its "
					 "own only, so the module must be named after the external-ID "
					 "prefix '%s' (or give --prefix %s)", module, prefix, module);
		goto done;
	}
	if (role == NULL && (role = getenv("MDGATE_ROLE")) == NULL)
		role = "steward";
	if (mdg_identity_parse(&id, role, &err) != MDG_OK) {
		status = mdg_usage_error(&mdg_cmd_export, "%s", err);
		goto done;
	}

	x = mdg_export_new(e, (enum mdg_export_format)fmt, prefix, module);
	rc = mdg_export_load_registry(x, reg, domain, site, since, &d);
	if (rc == MDG_OK)
		rc = mdg_export_resolve(x, &d);
	if (rc != MDG_OK) {
		status = report_diags(&d);
		if (status == MDG_EXIT_OK)
			status = MDG_EXIT_DEFINITION;
		fprintf(stderr, "mdgate: export refused; nothing was written\n");
		goto done;
	}
	mdg_sha256_definitions(e, rules_sha);
	if (mdg_export_commit(x, reg, &id, out, domain, site, since, rules_sha, &eid, &d) !=
	    MDG_OK) {
		report_diags(&d);
		fprintf(stderr, "mdgate: nothing was exported\n");
		status = MDG_EXIT_DEFINITION;
		goto done;
	}
	report_diags(&d);   /* warnings */
	printf("export %lld: %zu records in %zu files written to %s (%s, prefix %s)\n", eid,
	       mdg_export_nwritten(x), mdg_export_nfiles(x), out, mdg_export_format_name(fmt),
	       prefix);
	status = MDG_EXIT_OK;
done:
	mdg_export_free(x);
	mdg_identity_free(&id);
	mdg_registry_close(reg);
	mdg_diags_free(&d);
	mdg_enterprise_free(e);
	free(rpath);
	free(err);
	free(path);
	return status;
}

/* `mdgate check --export`: the accepted records of the run as Odoo files. */
int
mdg_check_export(const struct mdg_enterprise *e, struct mdg_export_collect *col,
		 const struct mdg_report *rep, const char *dir, int fmt)
{
	struct mdg_export *x = mdg_export_new(e, (enum mdg_export_format)fmt, e->odoo_module, NULL);
	struct mdg_diags d;
	int rc, status = MDG_EXIT_DEFINITION;
	size_t i;

	mdg_diags_init(&d);
	if (!mdg_export_module_valid(e->odoo_module)) {
		fprintf(stderr, "mdgate: %s: odoo module '%s' is not usable as an external-ID "
			"prefix\n", e->file, e->odoo_module);
		goto done;
	}
	rc = mdg_export_add_accepted(x, col, rep, &d);
	if (rc == MDG_OK)
		rc = mdg_export_resolve(x, &d);
	if (rc == MDG_OK)
		rc = mdg_export_to_dir(x, dir, &d);
	mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
	if (rc != MDG_OK) {
		status = MDG_EXIT_GATE;
		for (i = 0; i < d.n; i++)
			if (d.v[i].severity == MDG_SEV_ERROR &&
			    strcmp(d.v[i].code, "export.dangling") != 0)
				status = MDG_EXIT_DEFINITION;
		fprintf(stderr, "mdgate: %s: export refused; nothing was written\n", dir);
		goto done;
	}
	fprintf(stderr, "mdgate: %zu accepted records in %zu files written to %s (%s)\n",
		mdg_export_nwritten(x), mdg_export_nfiles(x), dir,
		mdg_export_format_name((enum mdg_export_format)fmt));
	status = MDG_EXIT_OK;
done:
	mdg_export_free(x);
	mdg_diags_free(&d);
	return status;
}
