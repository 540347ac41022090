/*
 * cmd-submit.c - `mdgate submit`: the same check as `mdgate check`, then
 * every file becomes a submission in the registry with all its records
 * (values as JSON keyed by field), their states and findings, in one
 * transaction with its "submitted" events.  Exit status as for check.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cmd.h"
#include "enterprise.h"
#include "registry.h"
#include "report.h"

static int cmd_submit_exec(int argc, char **argv);

const struct mdg_cmd mdg_cmd_submit = {
	.name = "submit",
	.summary = "check files and store them in the registry as submissions",
	.usage =
		"Usage: mdgate submit --as ROLE [OPTIONS] FILE...\n"
		"\n"
		"Check the files exactly as 'mdgate check' does, write the report, then store\n"
		"each file as one submission in the registry: every record with its values and\n"
		"its state (accepted: no finding; review: warnings only, a decision is needed;\n"
		"rejected: an error finding), and the findings.  Prints the submission ids.\n"
		"\n"
		"Options:\n"
		"      --as ROLE           steward or site:CODE (default $MDGATE_ROLE); a site\n"
		"                          may submit only its own files\n"
		"  -r, --registry FILE     the registry (default: the configuration's; created\n"
		"                          on first use)\n"
		"  -c, --config FILE       the enterprise configuration (default ./mdgate.yaml,\n"
		"                          or $MDGATE_CONFIG)\n"
		"  -s, --site CODE         the site the files come from\n"
		"  -d, --domain NAME       the domain of every file\n"
		"  -f, --format FORMAT     text (default) or json\n"
		"  -o, --output FILE       write the report to FILE instead of standard output\n"
		"      --delimiter CHAR    ',', ';', '|', tab or auto\n"
		"      --encoding NAME     input encoding, e.g. windows-1252\n"
		"  -h, --help              show this help\n"
		"\n"
		"Environment: MDGATE_ROLE, MDGATE_ACTOR (the person's name, default $USER).\n"
		"\n"
		"Exit status: 0 no error finding; 1 at least one error finding (stored all the\n"
		"same); 2 usage, definition, unreadable input, refusal or registry error.\n",
	.exec = cmd_submit_exec,
};

enum { OPT_DELIMITER = 256, OPT_ENCODING, OPT_AS };

static int
cmd_submit_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"as", required_argument, NULL, OPT_AS},
		{"registry", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"site", required_argument, NULL, 's'},
		{"domain", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"delimiter", required_argument, NULL, OPT_DELIMITER},
		{"encoding", required_argument, NULL, OPT_ENCODING},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *format = "text", *output = NULL, *role = NULL;
	const char *regpath = NULL;
	struct mdg_check_opts o;
	int c;

	memset(&o, 0, sizeof(o));
	o.search_progress = isatty(STDERR_FILENO) != 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:c:s:d:f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_AS:
			role = optarg;
			break;
		case 'r':
			regpath = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 's':
			o.site = optarg;
			break;
		case 'd':
			o.domain = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_DELIMITER:
			if ((o.delimiter = mdg_delimiter_parse(optarg)) < 0)
				return mdg_usage_error(&mdg_cmd_submit,
						       "--delimiter must be ',', ';', '|', tab or auto");
			break;
		case OPT_ENCODING:
			o.encoding = optarg;
			break;
		case 'h':
			mdg_print_help(stdout, &mdg_cmd_submit);
			return MDG_EXIT_OK;
		case ':':
			return mdg_usage_error(&mdg_cmd_submit, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return mdg_usage_error(&mdg_cmd_submit, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return mdg_usage_error(&mdg_cmd_submit, "no files to submit");
	return mdg_submit_files(&mdg_cmd_submit, config, regpath, role, &o, format, output,
				argv + optind, (size_t)(argc - optind), false);
}

int
mdg_submit_files(const struct mdg_cmd *cmd, const char *config, const char *regpath,
		 const char *role, struct mdg_check_opts *o, const char *format,
		 const char *output, char **files, size_t nfiles, bool import)
{
	struct mdg_enterprise *e = NULL;
	struct mdg_registry *reg = NULL;
	struct mdg_identity id;
	struct mdg_diags d;
	struct mdg_report rep;
	struct mdg_report_opts ro;
	struct mdg_reg_records col;
	const struct mdg_report_writer *w;
	char *path = NULL, *rpath = NULL, *err = NULL, (*sha)[65] = NULL, rules_sha[65];
	long long *ids = NULL;
	FILE *out = stdout, *idout;
	size_t i;
	int rc, status = MDG_EXIT_DEFINITION;

	memset(&col, 0, sizeof(col));
	memset(&id, 0, sizeof(id));
	if ((w = mdg_report_writer_find(format)) == NULL)
		return mdg_usage_error(cmd, "unknown format '%s' (text or json)",
				       format);
	if (mdg_identity_parse(&id, role, &err) != MDG_OK) {
		rc = mdg_usage_error(cmd, "%s", err);
		free(err);
		return rc;
	}
	if ((path = mdg_enterprise_locate(config)) == NULL) {
		mdg_identity_free(&id);
		return mdg_usage_error(cmd,
				       "no mdgate.yaml in the current folder; give --config FILE");
	}

	mdg_diags_init(&d);
	mdg_report_init(&rep);
	if (mdg_enterprise_load(&e, path, &d) != MDG_OK) {
		mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
		fprintf(stderr, "mdgate: the definitions have errors; nothing was submitted\n");
		goto done;
	}
	mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
	mdg_diags_free(&d);
	mdg_diags_init(&d);
	if ((rpath = mdg_registry_path(e, regpath)) == NULL) {
		fprintf(stderr, "mdgate: %s names no registry; add 'registry: FILE' or give "
			"--registry FILE\n", path);
		goto done;
	}
	if (mdg_registry_open(&reg, rpath, true, &err) != MDG_OK) {
		fprintf(stderr, "mdgate: %s\n", err);
		goto done;
	}
	mdg_registry_set_enterprise(reg, e);

	o->registry = reg;
	o->on_record = mdg_reg_records_collect;
	o->on_record_arg = &col;
	o->max_findings = 0;   /* every finding is stored */
	/* The check reads in one transaction; the records are written after it. */
	if (mdg_registry_read_begin(reg) != MDG_OK) {
		fprintf(stderr, "mdgate: %s\n", mdg_registry_error(reg));
		goto done;
	}
	rc = mdg_check_files(e, o, files, nfiles, &rep, &d);
	mdg_registry_read_end(reg);
	if (rc != MDG_OK) {
		mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
		goto done;
	}
	for (i = 0; i < rep.nfiles; i++) {
		const char *fsite = rep.files[i].site;
		if (!import && !id.steward && (fsite == NULL || strcmp(fsite, id.site) != 0)) {
			char *why = xasprintf("%s is %s: site %s may submit only its own files",
					      rep.files[i].path,
					      fsite ? "another site's file" : "not a site's file",
					      id.site);
			if (mdg_registry_refused(reg, &id, 0, "submit", why) != MDG_OK)
				fprintf(stderr, "mdgate: %s\n", mdg_registry_error(reg));
			fprintf(stderr, "mdgate: refused: %s\n", why);
			free(why);
			goto done;
		}
	}
	if (output != NULL && strcmp(output, "-") != 0 && (out = fopen(output, "w")) == NULL) {
		fprintf(stderr, "mdgate: %s: cannot write the report: %s\n", output,
			strerror(errno));
		goto done;
	}
	memset(&ro, 0, sizeof(ro));
	ro.color = out == stdout && mdg_want_color(stdout);
	if (w->write(out, &rep, &ro) != MDG_OK || fflush(out) != 0) {
		fprintf(stderr, "mdgate: %s: error writing the report: %s\n",
			output ? output : "standard output", strerror(errno));
		goto done;
	}
	sha = xcalloc(rep.nfiles ? rep.nfiles : 1, sizeof(*sha));
	ids = xcalloc(rep.nfiles ? rep.nfiles : 1, sizeof(*ids));
	for (i = 0; i < rep.nfiles; i++)
		if (mdg_sha256_file(rep.files[i].path, sha[i]) != MDG_OK) {
			fprintf(stderr, "mdgate: %s: cannot read it again: %s\n",
				rep.files[i].path, strerror(errno));
			goto done;
		}
	mdg_sha256_definitions(e, rules_sha);
	rc = (import ? mdg_registry_import : mdg_registry_submit)(reg, &id, &rep, col.v, col.n,
								  sha, rules_sha, ids);
	if (rc == MDG_EREFUSED) {
		fprintf(stderr, "mdgate: %s\n", mdg_registry_error(reg));
		goto done;
	} else if (rc != MDG_OK) {
		fprintf(stderr, "mdgate: %s; nothing was %s\n", mdg_registry_error(reg),
			import ? "imported" : "submitted");
		goto done;
	}
	idout = out == stdout && strcmp(format, "text") == 0 ? stdout : stderr;
	for (i = 0; i < rep.nfiles; i++)
		fprintf(idout, "%s %lld: %s (%s, %s)\n", import ? "import" : "submission",
			ids[i], rep.files[i].path,
			rep.files[i].site ? rep.files[i].site : "central",
			rep.files[i].domain ? rep.files[i].domain : "?");
	status = mdg_diags_errors(&rep.findings) > 0 ? MDG_EXIT_GATE : MDG_EXIT_OK;
done:
	if (out != stdout && out != NULL && fclose(out) != 0 && status != MDG_EXIT_DEFINITION) {
		fprintf(stderr, "mdgate: %s: error writing the report: %s\n", output,
			strerror(errno));
		status = MDG_EXIT_DEFINITION;
	}
	mdg_reg_records_free(&col);
	free(sha);
	free(ids);
	free(err);
	free(rpath);
	mdg_registry_close(reg);
	mdg_identity_free(&id);
	mdg_report_free(&rep);
	mdg_diags_free(&d);
	mdg_enterprise_free(e);
	free(path);
	return status;
}
