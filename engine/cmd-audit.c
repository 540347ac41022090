/*
 * cmd-audit.c - `mdgate audit verify|log`: recompute the SHA-256 chain of
 * the audit trail and name the first event that was changed, deleted or
 * reordered; or print the trail, readably or as JSON.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cmd.h"
#include "registry.h"

static int cmd_audit_exec(int argc, char **argv);

const struct mdg_cmd mdg_cmd_audit = {
	.name = "audit",
	.summary = "verify the audit trail's hash chain, or print the trail",
	.usage =
		"Usage: mdgate audit verify [--registry FILE] [--config FILE]\n"
		"       mdgate audit log [--format text|json] [--registry FILE] [--config FILE]\n"
		"\n"
		"verify recomputes every event's SHA-256, chained to the previous event, and\n"
		"names the first event that was changed, deleted or reordered.\n"
		"log prints the trail: who did what, when, as which role, for which site and\n"
		"submission, with the digests of the input file and of the rules in force.\n"
		"\n"
		"Options:\n"
		"  -f, --format FORMAT     log: text (default) or json\n"
		"  -r, --registry FILE     the registry (default: the configuration's)\n"
		"  -c, --config FILE       the enterprise configuration\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 the trail is intact (or was printed); 1 verify found tampering;\n"
		"2 usage error or the registry cannot be used.\n",
	.exec = cmd_audit_exec,
};

static const char *
text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int
audit_log(struct mdg_registry *reg, bool json)
{
	sqlite3 *db = mdg_registry_db(reg);
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int s, i, status = MDG_EXIT_DEFINITION;
	static const char *const names[] = {"seq", "at", "actor", "role", "site", "kind",
					    "submission", "detail", "input_sha256", "rules_sha256",
					    "prev_hash", "hash"};

	if (sqlite3_prepare_v2(db, "SELECT seq, at, actor, role, site, kind, submission, detail,"
				   " input_sha256, rules_sha256, prev_hash, hash FROM events"
				   " ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "mdgate: %s: %s\n", mdg_registry_file(reg), sqlite3_errmsg(db));
		json_decref(arr);
		return status;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (json) {
			json_t *o = json_object();
			for (i = 0; i < 12; i++) {
				json_t *v;
				if (sqlite3_column_type(st, i) == SQLITE_NULL)
					v = json_null();
				else if (i == 0 || i == 6)
					v = json_integer(sqlite3_column_int64(st, i));
				else if (i == 7 && (v = json_loads(text(st, i), 0, NULL)) != NULL)
					;
				else
					v = json_string(text(st, i));
				json_object_set_new(o, names[i], v ? v : json_null());
			}
			json_array_append_new(arr, o);
		} else {
			printf("%6lld  %s  %-10s %s (%s)", sqlite3_column_int64(st, 0), text(st, 1),
			       text(st, 5), text(st, 2), text(st, 3));
			if (sqlite3_column_type(st, 4) != SQLITE_NULL)
				printf(" site %s", text(st, 4));
			if (sqlite3_column_type(st, 6) != SQLITE_NULL)
				printf(" submission %lld", sqlite3_column_int64(st, 6));
			putchar('\n');
			if (text(st, 7) != NULL)
				printf("        %s\n", text(st, 7));
			if (text(st, 8) != NULL)
				printf("        input sha256 %s\n", text(st, 8));
			if (text(st, 9) != NULL)
				printf("        rules sha256 %s\n", text(st, 9));
		}
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE) {
		fprintf(stderr, "mdgate: %s: %s\n", mdg_registry_file(reg), sqlite3_errmsg(db));
		json_decref(arr);
		return status;
	}
	if (json) {
		json_t *doc = json_pack("{s:i, s:s, s:o}", "schema_version", 1, "registry",
					mdg_registry_file(reg), "events", arr);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else {
		json_decref(arr);
	}
	return MDG_EXIT_OK;
}

static int
cmd_audit_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"registry", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *regpath = NULL, *format = "text", *action;
	struct mdg_registry *reg = NULL;
	long long bad = 0, n = 0;
	char *why = NULL;
	int c, rc, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:r:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'r':
			regpath = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			mdg_print_help(stdout, &mdg_cmd_audit);
			return MDG_EXIT_OK;
		case ':':
			return mdg_usage_error(&mdg_cmd_audit, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return mdg_usage_error(&mdg_cmd_audit, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return mdg_usage_error(&mdg_cmd_audit, "verify or log?");
	action = argv[optind];
	if (strcmp(action, "verify") != 0 && strcmp(action, "log") != 0)
		return mdg_usage_error(&mdg_cmd_audit, "unknown action '%s' (verify or log)",
				       action);
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return mdg_usage_error(&mdg_cmd_audit, "unknown format '%s' (text or json)",
				       format);
	if ((status = mdg_cmd_open_registry(&mdg_cmd_audit, config, regpath, false, &reg)) !=
	    MDG_EXIT_OK)
		return status;
	if (strcmp(action, "log") == 0) {
		status = audit_log(reg, strcmp(format, "json") == 0);
	} else {
		rc = mdg_registry_verify(reg, &bad, &why, &n);
		if (rc == MDG_OK) {
			printf("audit trail intact: %lld event%s, hash chain verified\n", n,
			       n == 1 ? "" : "s");
			status = MDG_EXIT_OK;
		} else if (rc == MDG_ERR) {
			printf("audit trail TAMPERED: event %lld: %s\n", bad, why);
			status = MDG_EXIT_GATE;
		} else {
			fprintf(stderr, "mdgate: %s\n", mdg_registry_error(reg));
			status = MDG_EXIT_DEFINITION;
		}
	}
	free(why);
	mdg_registry_close(reg);
	return status;
}
