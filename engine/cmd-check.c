/*
 * cmd-check.c - `mdgate check`: check submission files and report.
 *
 * Loads the configuration and definitions (any definition error stops the
 * run with exit 2), checks the files, writes the report in the chosen
 * format, and exits 0 when nothing is at error severity, 1 otherwise.
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
#include "progress.h"
#include "export.h"
#include "registry.h"
#include "report.h"

static int cmd_check_exec(int argc, char **argv);

const struct mdg_cmd mdg_cmd_check = {
	.name = "check",
	.summary = "check submission files against the definitions",
	.usage =
		"Usage: mdgate check [OPTIONS] FILE...\n"
		"\n"
		"Check CSV submissions against the enterprise's domain definitions and the\n"
		"site's extension.  Files are taken in dependency order, so a reference may be\n"
		"satisfied by a file of the same run.  The domain comes from --domain or from\n"
		"the file name (items.csv, DE01-suppliers.csv); the site from --site or from\n"
		"the file-name prefix.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE       the enterprise configuration (default ./mdgate.yaml,\n"
		"                          or $MDGATE_CONFIG)\n"
		"  -s, --site CODE         the site the files come from\n"
		"  -d, --domain NAME       the domain of every file\n"
		"  -f, --format FORMAT     text (default), json, html, csv (the rejected rows of\n"
		"                          one file), junit, sarif or github\n"
		"  -o, --output FILE       write the report to FILE instead of standard output\n"
		"      --rejects PATH      also write the rejected rows as they came, with the\n"
		"                          reasons: PATH is a file for one input file, else a\n"
		"                          folder that gets one file per input file\n"
		"      --junit-per WHAT    junit: a test case per code (default) or per record\n"
		"      --summary FILE      append a Markdown summary to FILE (default with\n"
		"                          --format github: $GITHUB_STEP_SUMMARY when set)\n"
		"      --changed-since REV only the records on lines changed since git\n"
		"                          revision REV (whole files are still read)\n"
		"      --no-progress       no progress on standard error (shown on a terminal)\n"
		"      --delimiter CHAR    ',', ';', '|', tab or auto (default: the site's, else auto)\n"
		"      --encoding NAME     input encoding, e.g. windows-1252, iso-8859-1\n"
		"                          (default: the site's, else UTF-8; BOMs are honoured)\n"
		"      --max-findings N    keep at most N findings in the report (default 100000;\n"
		"                          0 for no limit); totals always count all of them\n"
		"      --max-field BYTES   longest field accepted (default 1048576)\n"
		"      --color WHEN        auto (default), always or never; NO_COLOR is honoured\n"
		"  -r, --registry FILE     check against this registry too (default: the\n"
		"                          configuration's, when that file exists): business\n"
		"                          keys unique against other sites' approved records,\n"
		"                          references and ref() resolved by approved records\n"
		"      --no-registry       check the files alone, even when a registry exists\n"
		"      --export DIR        write the accepted records to DIR (new or empty) as\n"
		"                          files Odoo imports (see mdgate export)\n"
		"      --export-format F   odoo-csv (default) or odoo-xml\n"
		"      --no-dedup          do not look for suspected duplicates (within the run\n"
		"                          and against the registry)\n"
		"      --explain           text: explain each suspected duplicate field by field\n"
		"      --threads N         threads for the field checks of big files and for the\n"
		"                          registry's duplicate search (default: the processors\n"
		"                          online; 1: no worker threads)\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 no error finding; 1 at least one error finding (the gate fails);\n"
		"2 usage, definition or unreadable input.\n",
	.exec = cmd_check_exec,
};

enum {
	OPT_DELIMITER = 256,
	OPT_ENCODING,
	OPT_MAX_FINDINGS,
	OPT_MAX_FIELD,
	OPT_COLOR,
	OPT_REJECTS,
	OPT_JUNIT_PER,
	OPT_SUMMARY,
	OPT_CHANGED_SINCE,
	OPT_NO_PROGRESS,
	OPT_NO_REGISTRY,
	OPT_NO_DEDUP,
	OPT_EXPORT,
	OPT_EXPORT_FORMAT,
	OPT_EXPLAIN,
	OPT_THREADS,
};

static bool
parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > SIZE_MAX)
		return false;
	*out = (size_t)v;
	return true;
}

/* --rejects and --summary, after the report. */
static int
check_extras(const struct mdg_report *rep, const struct mdg_report_opts *ro, const char *rejects,
	     const char *summary)
{
	struct mdg_diags d;
	FILE *f;
	int rc = MDG_OK;

	if (rejects != NULL) {
		mdg_diags_init(&d);
		rc = mdg_rejects_save(rep, rejects, &d);
		mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
		mdg_diags_free(&d);
		if (rc != MDG_OK)
			return rc;
	}
	if (summary != NULL) {
		if ((f = fopen(summary, "a")) == NULL) {
			fprintf(stderr, "mdgate: %s: cannot write the summary: %s\n", summary,
				strerror(errno));
			return MDG_EIO;
		}
		rc = mdg_report_write_markdown(f, rep, ro);
		if (fclose(f) != 0 || rc != MDG_OK) {
			fprintf(stderr, "mdgate: %s: error writing the summary\n", summary);
			return MDG_EIO;
		}
	}
	return MDG_OK;
}

static int
cmd_check_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"site", required_argument, NULL, 's'},
		{"domain", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"rejects", required_argument, NULL, OPT_REJECTS},
		{"junit-per", required_argument, NULL, OPT_JUNIT_PER},
		{"summary", required_argument, NULL, OPT_SUMMARY},
		{"changed-since", required_argument, NULL, OPT_CHANGED_SINCE},
		{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
		{"delimiter", required_argument, NULL, OPT_DELIMITER},
		{"encoding", required_argument, NULL, OPT_ENCODING},
		{"max-findings", required_argument, NULL, OPT_MAX_FINDINGS},
		{"max-field", required_argument, NULL, OPT_MAX_FIELD},
		{"color", required_argument, NULL, OPT_COLOR},
		{"registry", required_argument, NULL, 'r'},
		{"no-registry", no_argument, NULL, OPT_NO_REGISTRY},
		{"no-dedup", no_argument, NULL, OPT_NO_DEDUP},
		{"export", required_argument, NULL, OPT_EXPORT},
		{"export-format", required_argument, NULL, OPT_EXPORT_FORMAT},
		{"explain", no_argument, NULL, OPT_EXPLAIN},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *format = "text", *output = NULL, *color = "auto";
	const char *regopt = NULL;
	const char *rejects = NULL, *summary = NULL;
	bool junit_per_record = false, no_progress = false;
	bool no_registry = false, explain = false;
	struct mdg_registry *reg = NULL;
	char *rpath = NULL, *err = NULL;
	struct mdg_check_opts o;
	struct mdg_enterprise *e = NULL;
	struct mdg_diags d;
	struct mdg_report rep;
	struct mdg_report_opts ro;
	const struct mdg_report_writer *w;
	char *path = NULL;
	FILE *out = stdout;
	int c, rc, status = MDG_EXIT_DEFINITION;
	const char *export_dir = NULL;
	int export_fmt = MDG_EXPORT_CSV;
	struct mdg_export_collect *xcol = NULL;

	memset(&o, 0, sizeof(o));
	o.search_progress = isatty(STDERR_FILENO) != 0;
	o.max_findings = 100000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:s:d:f:o:r:h", longopts, NULL)) != -1) {
		switch (c) {
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
		case 'r':
			regopt = optarg;
			break;
		case OPT_DELIMITER:
			if ((o.delimiter = mdg_delimiter_parse(optarg)) < 0)
				return mdg_usage_error(&mdg_cmd_check,
						       "--delimiter must be ',', ';', '|', tab or auto");
			break;
		case OPT_ENCODING:
			o.encoding = optarg;
			break;
		case OPT_MAX_FINDINGS:
			if (!parse_size(optarg, &o.max_findings))
				return mdg_usage_error(&mdg_cmd_check,
						       "--max-findings needs a number, not '%s'", optarg);
			break;
		case OPT_MAX_FIELD:
			if (!parse_size(optarg, &o.max_field) || o.max_field == 0)
				return mdg_usage_error(&mdg_cmd_check,
						       "--max-field needs a positive number, not '%s'",
						       optarg);
			break;
		case OPT_REJECTS:
			rejects = optarg;
			break;
		case OPT_JUNIT_PER:
			if (strcmp(optarg, "code") != 0 && strcmp(optarg, "record") != 0)
				return mdg_usage_error(&mdg_cmd_check,
						       "--junit-per must be code or record");
			junit_per_record = strcmp(optarg, "record") == 0;
			break;
		case OPT_SUMMARY:
			summary = optarg;
			break;
		case OPT_CHANGED_SINCE:
			o.changed_since = optarg;
			break;
		case OPT_NO_PROGRESS:
			no_progress = true;
			break;
		case OPT_NO_REGISTRY:
			no_registry = true;
			break;
		case OPT_NO_DEDUP:
			o.no_dedup = true;
			break;
		case OPT_EXPORT:
			export_dir = optarg;
			break;
		case OPT_EXPORT_FORMAT:
			if ((export_fmt = mdg_export_format_parse(optarg)) < 0)
				return mdg_usage_error(&mdg_cmd_check,
						       "--export-format must be odoo-csv or odoo-xml");
			break;
		case OPT_EXPLAIN:
			explain = true;
			break;
		case OPT_THREADS: {
			size_t t;
			if (!parse_size(optarg, &t) || t == 0 || t > 64)
				return mdg_usage_error(&mdg_cmd_check, "--threads needs a number from "
						       "1 to 64, not '%s'", optarg);
			o.threads = (unsigned)t;
			break;
		}
		case OPT_COLOR:
			if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never"))
				return mdg_usage_error(&mdg_cmd_check,
						       "--color must be auto, always or never");
			color = optarg;
			break;
		case 'h':
			mdg_print_help(stdout, &mdg_cmd_check);
			return MDG_EXIT_OK;
		case ':':
			return mdg_usage_error(&mdg_cmd_check, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return mdg_usage_error(&mdg_cmd_check, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return mdg_usage_error(&mdg_cmd_check, "no files to check");
	if ((w = mdg_report_writer_find(format)) == NULL)
		return mdg_usage_error(&mdg_cmd_check, "unknown format '%s' (text, json, html, "
				       "csv, junit, sarif or github)", format);
	if (strcmp(format, "csv") == 0 && argc - optind != 1)
		return mdg_usage_error(&mdg_cmd_check, "--format csv writes the rejects of one "
				       "file; for several files give --rejects FOLDER");
	if (summary == NULL && strcmp(format, "github") == 0 &&
	    (summary = getenv("GITHUB_STEP_SUMMARY")) != NULL && summary[0] == '\0')
		summary = NULL;
	if ((path = mdg_enterprise_locate(config)) == NULL)
		return mdg_usage_error(&mdg_cmd_check,
				       "no mdgate.yaml in the current folder; give --config FILE");

	mdg_diags_init(&d);
	mdg_report_init(&rep);
	rc = mdg_enterprise_load(&e, path, &d);
	if (rc != MDG_OK) {
		mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
		fprintf(stderr, "mdgate: the definitions have errors; nothing was checked\n");
		goto done;
	}
	mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));  /* warnings */
	mdg_diags_free(&d);
	mdg_diags_init(&d);
	/* The registry takes part when given, or configured and already there. */
	rpath = no_registry ? NULL : mdg_registry_path(e, regopt);
	if (rpath != NULL && (regopt != NULL || access(rpath, F_OK) == 0)) {
		if (mdg_registry_open(&reg, rpath, false, &err) != MDG_OK) {
			fprintf(stderr, "mdgate: %s\n", err);
			goto done;
		}
		o.registry = reg;
	}

	if (export_dir != NULL) {
		xcol = mdg_export_collect_new();
		o.on_record = mdg_export_collect_record;
		o.on_record_arg = xcol;
	}
	if (no_progress)
		o.search_progress = false;
	else
		o.progress = mdg_progress_new(stderr, argv + optind, (size_t)(argc - optind));
	/* The check only reads the registry: one read transaction for it all. */
	if (reg != NULL && mdg_registry_read_begin(reg) != MDG_OK) {
		fprintf(stderr, "mdgate: %s\n", mdg_registry_error(reg));
		goto done;
	}
	rc = mdg_check_files(e, &o, argv + optind, (size_t)(argc - optind), &rep, &d);
	if (reg != NULL)
		mdg_registry_read_end(reg);
	mdg_progress_end(o.progress);
	if (rc != MDG_OK) {
		mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
		goto done;
	}
	if (output != NULL && strcmp(output, "-") != 0) {
		if (mdg_report_is_input(&rep, output)) {
			fprintf(stderr, "mdgate: %s: is an input file; the report is not written "
				"over it\n", output);
			goto done;
		}
		if ((out = fopen(output, "w")) == NULL) {
			fprintf(stderr, "mdgate: %s: cannot write the report: %s\n", output,
				strerror(errno));
			goto done;
		}
	}
	memset(&ro, 0, sizeof(ro));
	ro.junit_per_record = junit_per_record;
	ro.explain = explain;
	ro.color = out == stdout && (strcmp(color, "always") == 0 ||
				     (strcmp(color, "auto") == 0 && mdg_want_color(stdout)));
	/* MDG_ERR: the writer has said what is wrong (the csv format's input). */
	if ((rc = w->write(out, &rep, &ro)) != MDG_OK || fflush(out) != 0) {
		if (rc != MDG_ERR)
			fprintf(stderr, "mdgate: %s: error writing the report: %s\n",
				output ? output : "standard output", strerror(errno));
		goto done;
	}
	if (check_extras(&rep, &ro, rejects, summary) != MDG_OK)
		goto done;
	status = mdg_diags_errors(&rep.findings) > 0 ? MDG_EXIT_GATE : MDG_EXIT_OK;
	if (export_dir != NULL) {
		rc = mdg_check_export(e, xcol, &rep, export_dir, export_fmt);
		if (rc > status)
			status = rc;
	}
done:
	if (out != stdout && out != NULL && fclose(out) != 0 && status != MDG_EXIT_DEFINITION) {
		fprintf(stderr, "mdgate: %s: error writing the report: %s\n", output, strerror(errno));
		status = MDG_EXIT_DEFINITION;
	}
	mdg_export_collect_free(xcol);
	mdg_report_free(&rep);
	mdg_diags_free(&d);
	mdg_registry_close(reg);
	mdg_enterprise_free(e);
	free(rpath);
	free(err);
	free(path);
	return status;
}
