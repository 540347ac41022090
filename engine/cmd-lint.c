/*
 * cmd-lint.c - `mdgate lint`: check the configuration, every domain
 * definition, the central rules and every site extension (with its rules
 * and overrides), without data.  Reports every problem it can find as
 * file:line:col with the source line and a caret.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "enterprise.h"

static int cmd_lint_exec(int argc, char **argv);

const struct mdg_cmd mdg_cmd_lint = {
	.name = "lint",
	.summary = "check the configuration and definitions without data",
	.usage =
		"Usage: mdgate lint [OPTIONS]\n"
		"\n"
		"Check the enterprise configuration, every domain definition, the central\n"
		"rules (each expression type-checked against its domain) and every site\n"
		"extension with its rules and overrides, and report every problem as\n"
		"file:line:col.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   the enterprise configuration (default ./mdgate.yaml,\n"
		"                      or $MDGATE_CONFIG)\n"
		"  -q, --quiet         print nothing when all is well\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 the definitions are sound; 2 they have errors or cannot be read.\n",
	.exec = cmd_lint_exec,
};

static int
cmd_lint_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	struct mdg_enterprise *e = NULL;
	struct mdg_diags d;
	bool quiet = false;
	char *path;
	int c, rc;
	size_t i, nfields = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			mdg_print_help(stdout, &mdg_cmd_lint);
			return MDG_EXIT_OK;
		case ':':
			return mdg_usage_error(&mdg_cmd_lint, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return mdg_usage_error(&mdg_cmd_lint, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return mdg_usage_error(&mdg_cmd_lint, "unexpected argument '%s'", argv[optind]);
	if ((path = mdg_enterprise_locate(config)) == NULL)
		return mdg_usage_error(&mdg_cmd_lint,
				       "no mdgate.yaml in the current folder; give --config FILE");
	mdg_diags_init(&d);
	rc = mdg_enterprise_load(&e, path, &d);
	mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
	if (rc != MDG_OK) {
		fprintf(stderr, "mdgate: %zu error%s in the definitions\n", mdg_diags_errors(&d),
			mdg_diags_errors(&d) == 1 ? "" : "s");
	} else if (!quiet) {
		for (i = 0; i < e->domains.n; i++)
			nfields += e->domains.v[i]->nfields;
		printf("%s: %zu site%s, %zu domains, %zu fields, %zu rule%s: no errors\n", path,
		       e->nsites, e->nsites == 1 ? "" : "s", e->domains.n, nfields, e->rules.n,
		       e->rules.n == 1 ? "" : "s");
	}
	mdg_diags_free(&d);
	mdg_enterprise_free(e);
	free(path);
	return rc == MDG_OK ? MDG_EXIT_OK : MDG_EXIT_DEFINITION;
}
