/*
 * cmd-registry.c - `mdgate registry init|stats`: create the registry (or
 * bring its schema up to date) and show what it holds, with a line that
 * proves the totals add up.  Also the helper every registry command uses
 * to find and open the registry (--registry, else the configuration's).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "cmd.h"
#include "enterprise.h"
#include "match-index.h"
#include "registry.h"

static int cmd_registry_exec(int argc, char **argv);

const struct mdg_cmd mdg_cmd_registry = {
	.name = "registry",
	.summary = "create the registry or show what it holds",
	.usage =
		"Usage: mdgate registry init [--registry FILE] [--config FILE]\n"
		"       mdgate registry stats [--registry FILE] [--config FILE]\n"
		"       mdgate registry import DOMAIN FILE --as steward [--registry FILE]\n"
		"       mdgate registry reindex [--registry FILE] [--config FILE]\n"
		"\n"
		"init creates the registry (and its folder) or brings its schema up to date.\n"
		"stats counts submissions and records per domain, site and state, and shows\n"
		"that records = accepted + rejected + review + approved.\n"
		"import loads an initial golden set (for example what the central Odoo holds)\n"
		"with the same checks as a submission: records with an error are refused and\n"
		"reported, the others become golden at once.  Only the steward may import.\n"
		"The imported records are not searched for duplicates among themselves (run\n"
		"`mdgate dedup` on the file to list them); later submissions are searched\n"
		"against them.\n"
		"reindex rebuilds the duplicate index (the golden records of every domain with\n"
		"a match section, normalised, and the postings of their block keys); needed\n"
		"after a domain definition changed, else kept up to date by import and approve.\n"
		"\n"
		"The registry is --registry FILE, else the configuration's 'registry:'.\n"
		"\n"
		"Options:\n"
		"  -r, --registry FILE     the registry file\n"
		"  -c, --config FILE       the enterprise configuration (default ./mdgate.yaml,\n"
		"                          or $MDGATE_CONFIG)\n"
		"      --as ROLE           import: steward (default $MDGATE_ROLE)\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 done; 1 import: some records were refused (the others were\n"
		"imported); 2 usage error, refusal, or the registry cannot be used.\n",
	.exec = cmd_registry_exec,
};

int
mdg_cmd_open_registry(const struct mdg_cmd *cmd, const char *config, const char *regpath,
		      bool create, struct mdg_registry **reg)
{
	return mdg_cmd_open_registry_e(cmd, config, regpath, create, reg, NULL);
}

int
mdg_cmd_open_registry_e(const struct mdg_cmd *cmd, const char *config, const char *regpath,
			bool create, struct mdg_registry **reg, struct mdg_enterprise **ep)
{
	struct mdg_enterprise *e = NULL;
	struct mdg_diags d;
	char *cpath = NULL, *path = NULL, *err = NULL;
	int status = MDG_EXIT_DEFINITION;

	*reg = NULL;
	if (ep != NULL)
		*ep = NULL;
	mdg_diags_init(&d);
	/* The definitions are needed to find the registry, or (ep) to keep its
	 * duplicate index up to date; with --registry and no configuration at
	 * hand the index waits for the next command that has one. */
	if (regpath == NULL || (ep != NULL && (config != NULL || getenv("MDGATE_CONFIG") != NULL ||
					       access("mdgate.yaml", R_OK) == 0))) {
		if ((cpath = mdg_enterprise_locate(config)) == NULL)
			return mdg_usage_error(cmd, "no mdgate.yaml in the current folder; give "
					       "--config FILE or --registry FILE");
		if (mdg_enterprise_load(&e, cpath, &d) != MDG_OK) {
			mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
			fprintf(stderr, "mdgate: the definitions have errors\n");
			goto done;
		}
	}
	if ((path = mdg_registry_path(e, regpath)) == NULL) {
		fprintf(stderr, "mdgate: %s names no registry; add 'registry: FILE' or give "
			"--registry FILE\n", cpath);
		goto done;
	}
	if (mdg_registry_open(reg, path, create, &err) != MDG_OK) {
		fprintf(stderr, "mdgate: %s\n", err);
		goto done;
	}
	if (ep != NULL) {
		*ep = e;
		e = NULL;
		mdg_registry_set_enterprise(*reg, *ep);
	}
	status = MDG_EXIT_OK;
done:
	free(err);
	free(path);
	free(cpath);
	mdg_diags_free(&d);
	mdg_enterprise_free(e);
	return status;
}

/* Rebuild the duplicate index of every matched domain in one transaction. */
static int
reindex(struct mdg_registry *reg, const struct mdg_enterprise *e)
{
	sqlite3_stmt *st;
	size_t i;

	if (e == NULL) {
		fprintf(stderr, "mdgate: reindex needs the definitions; give --config FILE\n");
		return MDG_EXIT_DEFINITION;
	}
	if (mdg_registry_begin(reg) != MDG_OK ||
	    mdg_match_index_sync(reg, e, true) != MDG_OK ||
	    mdg_registry_commit(reg) != MDG_OK) {
		fprintf(stderr, "mdgate: %s; the index is as it was\n", mdg_registry_error(reg));
		mdg_registry_rollback(reg);
		return MDG_EXIT_DEFINITION;
	}
	if (sqlite3_prepare_v2(mdg_registry_db(reg), "SELECT domain, records, length(postings)"
			       " FROM match_index ORDER BY domain", -1, &st, NULL) != SQLITE_OK)
		return MDG_EXIT_DEFINITION;
	for (i = 0; sqlite3_step(st) == SQLITE_ROW; i++)
		printf("%s: %lld golden records indexed (%lld bytes of postings)\n",
		       (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
		       sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
	if (i == 0)
		printf("no domain has a match section: nothing to index\n");
	return MDG_EXIT_OK;
}

static int
print_query(struct mdg_registry *reg, const char *title, const char *sql)
{
	sqlite3_stmt *st;
	int s, i, n;

	if (sqlite3_prepare_v2(mdg_registry_db(reg), sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "mdgate: %s: %s\n", mdg_registry_file(reg),
			sqlite3_errmsg(mdg_registry_db(reg)));
		return MDG_ERR;
	}
	printf("%s\n", title);
	n = sqlite3_column_count(st);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		fputs(" ", stdout);
		for (i = 0; i < n; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			printf(" %-18s", v ? v : "(central)");
		}
		fputc('\n', stdout);
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE) {
		fprintf(stderr, "mdgate: %s: %s\n", mdg_registry_file(reg),
			sqlite3_errmsg(mdg_registry_db(reg)));
		return MDG_ERR;
	}
	return MDG_OK;
}

static int
stats(struct mdg_registry *reg)
{
	sqlite3_stmt *st;
	long long c[6] = {0};
	int i;

	printf("registry %s (schema version %d)\n", mdg_registry_file(reg),
	       mdg_registry_schema_version(reg));
	if (print_query(reg, "records per domain, site and state:",
			"SELECT domain, site, state, COUNT(*) FROM records"
			" GROUP BY domain, site, state ORDER BY domain, site, state") ||
	    print_query(reg, "golden records (current / all versions) per domain:",
			"SELECT domain, SUM(is_current), COUNT(*) FROM golden GROUP BY domain"
			" ORDER BY domain"))
		return MDG_EXIT_DEFINITION;
	if (sqlite3_prepare_v2(mdg_registry_db(reg),
			       "SELECT (SELECT COUNT(*) FROM submissions), COUNT(*),"
			       " COALESCE(SUM(state='accepted'),0), COALESCE(SUM(state='rejected'),0),"
			       " COALESCE(SUM(state='review'),0), COALESCE(SUM(state='approved'),0)"
			       " FROM records", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		fprintf(stderr, "mdgate: %s: %s\n", mdg_registry_file(reg),
			sqlite3_errmsg(mdg_registry_db(reg)));
		return MDG_EXIT_DEFINITION;
	}
	for (i = 0; i < 6; i++)
		c[i] = sqlite3_column_int64(st, i);
	sqlite3_finalize(st);
	printf("submissions: %lld\n", c[0]);
	printf("records: %lld = accepted %lld + rejected %lld + review %lld + approved %lld (%s)\n",
	       c[1], c[2], c[3], c[4], c[5],
	       c[1] == c[2] + c[3] + c[4] + c[5] ? "totals add up" : "TOTALS DO NOT ADD UP");
	return c[1] == c[2] + c[3] + c[4] + c[5] ? MDG_EXIT_OK : MDG_EXIT_DEFINITION;
}

static int
cmd_registry_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"registry", required_argument, NULL, 'r'},
		{"as", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *regpath = NULL, *action, *role = NULL;
	struct mdg_check_opts o;
	struct mdg_registry *reg = NULL;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'r':
			regpath = optarg;
			break;
		case 'A':
			role = optarg;
			break;
		case 'h':
			mdg_print_help(stdout, &mdg_cmd_registry);
			return MDG_EXIT_OK;
		case ':':
			return mdg_usage_error(&mdg_cmd_registry, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return mdg_usage_error(&mdg_cmd_registry, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return mdg_usage_error(&mdg_cmd_registry, "init, stats or import?");
	action = argv[optind];
	if (strcmp(action, "import") == 0) {
		if (optind + 3 != argc)
			return mdg_usage_error(&mdg_cmd_registry, "import needs DOMAIN and FILE");
		memset(&o, 0, sizeof(o));
		o.search_progress = isatty(STDERR_FILENO) != 0;
		/* What Odoo already holds is not held back for duplicates; `mdgate
		 * dedup` lists them for cleaning up. */
		o.no_dedup = true;
		o.domain = argv[optind + 1];
		return mdg_submit_files(&mdg_cmd_registry, config, regpath, role, &o, "text",
					NULL, argv + optind + 2, 1, true);
	}
	if (optind + 1 != argc)
		return mdg_usage_error(&mdg_cmd_registry, "unexpected argument '%s'",
				       argv[optind + 1]);
	if (strcmp(action, "init") != 0 && strcmp(action, "stats") != 0 &&
	    strcmp(action, "reindex") != 0)
		return mdg_usage_error(&mdg_cmd_registry, "unknown action '%s' (init, stats, import "
				       "or reindex)", action);
	if (strcmp(action, "reindex") == 0) {
		struct mdg_enterprise *e = NULL;

		status = mdg_cmd_open_registry_e(&mdg_cmd_registry, config, regpath, false, &reg,
						 &e);
		if (status == MDG_EXIT_OK)
			status = reindex(reg, e);
		mdg_registry_close(reg);
		mdg_enterprise_free(e);
		return status;
	}
	status = mdg_cmd_open_registry(&mdg_cmd_registry, config, regpath,
				       strcmp(action, "init") == 0, &reg);
	if (status != MDG_EXIT_OK)
		return status;
	if (strcmp(action, "init") == 0)
		printf("registry %s ready (schema version %d)\n", mdg_registry_file(reg),
		       mdg_registry_schema_version(reg));
	else
		status = stats(reg);
	mdg_registry_close(reg);
	return status;
}
