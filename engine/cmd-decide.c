/*
 * cmd-decide.c - `mdgate review`, `mdgate approve` and `mdgate reject`:
 * list what waits for a decision, and decide on a whole submission or on
 * chosen records as the steward or a site.  Each decision is one
 * transaction with its event; a refusal is an error and an event too.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cmd.h"
#include "enterprise.h"
#include "registry.h"

static int cmd_review_exec(int argc, char **argv);
static int cmd_approve_exec(int argc, char **argv);
static int cmd_reject_exec(int argc, char **argv);

#define DECIDE_OPTIONS \
	"Options:\n" \
	"      --as ROLE           steward or site:CODE (default $MDGATE_ROLE)\n" \
	"  -n, --record N          only record N of the submission (repeatable)\n" \
	"  -m, --comment TEXT      why; kept with the records and in the audit trail\n" \
	"      --duplicate         reject: the suspected duplicate pairs are the same record\n" \
	"  -r, --registry FILE     the registry (default: the configuration's)\n" \
	"  -c, --config FILE       the enterprise configuration\n" \
	"  -h, --help              show this help\n" \
	"\n" \
	"A site may decide only on its own site's submissions; enterprise-wide\n" \
	"submissions (no site) belong to the steward.  A refusal is recorded.\n" \
	"\n" \
	"Environment: MDGATE_ROLE, MDGATE_ACTOR (the person's name, default $USER).\n" \
	"\n" \
	"Exit status: 0 done; 2 usage error, refusal, or the registry cannot be used\n" \
	"(nothing was changed).\n"

const struct mdg_cmd mdg_cmd_approve = {
	.name = "approve",
	.summary = "approve a submission's waiting records (they become golden)",
	.usage =
		"Usage: mdgate approve SUBMISSION [--record N ...] [--comment TEXT] --as ROLE\n"
		"\n"
		"Approve the records of a submission that wait (accepted or review), or only\n"
		"the chosen ones.  Each becomes a golden record; when its key already has one,\n"
		"a new version is made and the old one is kept as history.\n"
		"\n" DECIDE_OPTIONS,
	.exec = cmd_approve_exec,
};

const struct mdg_cmd mdg_cmd_reject = {
	.name = "reject",
	.summary = "reject a submission's waiting records, with a comment",
	.usage =
		"Usage: mdgate reject SUBMISSION [--record N ...] [--comment TEXT] --as ROLE\n"
		"\n"
		"Reject the records of a submission that wait (accepted or review), or only the\n"
		"chosen ones.  With --duplicate, the steward also says that each suspected\n"
		"duplicate pair of these records (dup.suspect, dup.registry) is one record\n"
		"twice: the pair is remembered and a later submission of it is rejected\n"
		"(dup.confirmed).  Approving a record says the opposite: its suspected pairs\n"
		"are different records and are not raised again.\n"
		"\n" DECIDE_OPTIONS,
	.exec = cmd_reject_exec,
};

const struct mdg_cmd mdg_cmd_review = {
	.name = "review",
	.summary = "list the submissions whose records wait for a decision",
	.usage =
		"Usage: mdgate review [--site S] [--domain D] [--registry FILE] [--config FILE]\n"
		"\n"
		"List, per submission, the records that wait for a decision (accepted, or held\n"
		"for review with their warnings).\n"
		"\n"
		"Options:\n"
		"  -s, --site CODE         only this site's submissions\n"
		"  -d, --domain NAME       only this domain's submissions\n"
		"  -r, --registry FILE     the registry (default: the configuration's)\n"
		"  -c, --config FILE       the enterprise configuration\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 done; 2 usage error or the registry cannot be used.\n",
	.exec = cmd_review_exec,
};

enum { OPT_AS = 256, OPT_DUPLICATE };

static bool
parse_num(const char *s, long *out)
{
	char *end;
	long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return false;
	*out = v;
	return true;
}

static int
decide(const struct mdg_cmd *cmd, bool approve, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"as", required_argument, NULL, OPT_AS},
		{"record", required_argument, NULL, 'n'},
		{"comment", required_argument, NULL, 'm'},
		{"registry", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"duplicate", no_argument, NULL, OPT_DUPLICATE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *regpath = NULL, *role = NULL, *comment = NULL;
	struct mdg_registry *reg = NULL;
	struct mdg_enterprise *e = NULL;
	enum mdg_pair_verdict pairs = approve ? MDG_PAIRS_DIFFERENT : MDG_PAIRS_UNDECIDED;
	struct mdg_identity id;
	long *records = NULL, sub;
	size_t nrecords = 0, changed = 0;
	char *err = NULL;
	int c, rc, status = MDG_EXIT_DEFINITION;

	opterr = 0;
	memset(&id, 0, sizeof(id));
	while ((c = getopt_long(argc, argv, ":n:m:r:c:h", longopts, NULL)) != -1) {
		long v;
		switch (c) {
		case OPT_AS:
			role = optarg;
			break;
		case 'n':
			if (!parse_num(optarg, &v)) {
				free(records);
				return mdg_usage_error(cmd, "--record needs a record number, not '%s'",
						       optarg);
			}
			records = xreallocarray(records, nrecords + 1, sizeof(*records));
			records[nrecords++] = v;
			break;
		case 'm':
			comment = optarg;
			break;
		case OPT_DUPLICATE:
			if (approve) {
				free(records);
				return mdg_usage_error(cmd, "--duplicate is for reject: an approved "
						       "record is not a duplicate");
			}
			pairs = MDG_PAIRS_SAME;
			break;
		case 'r':
			regpath = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			free(records);
			mdg_print_help(stdout, cmd);
			return MDG_EXIT_OK;
		case ':':
			free(records);
			return mdg_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			free(records);
			return mdg_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc || !parse_num(argv[optind], &sub)) {
		free(records);
		return mdg_usage_error(cmd, "give one submission number");
	}
	if (mdg_identity_parse(&id, role, &err) != MDG_OK) {
		rc = mdg_usage_error(cmd, "%s", err);
		goto done;
	}
	if ((status = mdg_cmd_open_registry_e(cmd, config, regpath, false, &reg, &e)) !=
	    MDG_EXIT_OK)
		goto done;
	status = MDG_EXIT_DEFINITION;
	rc = mdg_registry_decide_ex(reg, &id, sub, records, nrecords, approve, pairs, comment,
				    &changed);
	if (rc != MDG_OK) {
		fprintf(stderr, "mdgate: %s\n", mdg_registry_error(reg));
		goto done;
	}
	printf("submission %ld: %zu record%s %s by %s (%s)\n", sub, changed,
	       changed == 1 ? "" : "s", approve ? "approved" : "rejected", id.actor, id.role);
	status = MDG_EXIT_OK;
done:
	free(err);
	free(records);
	mdg_identity_free(&id);
	mdg_registry_close(reg);
	mdg_enterprise_free(e);
	return status;
}

static int
cmd_approve_exec(int argc, char **argv)
{
	return decide(&mdg_cmd_approve, true, argc, argv);
}

static int
cmd_reject_exec(int argc, char **argv)
{
	return decide(&mdg_cmd_reject, false, argc, argv);
}

static const char *
text(sqlite3_stmt *st, int i, const char *dflt)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v ? v : dflt;
}

static int
cmd_review_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"site", required_argument, NULL, 's'},
		{"domain", required_argument, NULL, 'd'},
		{"registry", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *regpath = NULL, *site = NULL, *domain = NULL;
	struct mdg_registry *reg = NULL;
	sqlite3_stmt *st = NULL, *fs = NULL;
	sqlite3 *db;
	int c, s, status;
	long nsub = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:d:r:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			site = optarg;
			break;
		case 'd':
			domain = optarg;
			break;
		case 'r':
			regpath = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			mdg_print_help(stdout, &mdg_cmd_review);
			return MDG_EXIT_OK;
		case ':':
			return mdg_usage_error(&mdg_cmd_review, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return mdg_usage_error(&mdg_cmd_review, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind != argc)
		return mdg_usage_error(&mdg_cmd_review, "unexpected argument '%s'", argv[optind]);
	if ((status = mdg_cmd_open_registry(&mdg_cmd_review, config, regpath, false, &reg)) !=
	    MDG_EXIT_OK)
		return status;
	status = MDG_EXIT_DEFINITION;
	db = mdg_registry_db(reg);
	if (sqlite3_prepare_v2(db,
			       "SELECT s.id, s.site, s.domain, s.file, s.submitted_by, s.submitted_at,"
			       " SUM(r.state = 'accepted'), SUM(r.state = 'review')"
			       " FROM submissions s JOIN records r ON r.submission = s.id"
			       " WHERE r.state IN ('accepted', 'review')"
			       " AND (?1 IS NULL OR s.site = ?1) AND (?2 IS NULL OR s.domain = ?2)"
			       " GROUP BY s.id ORDER BY s.id", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT r.record, r.line, r.key, f.code, f.field, f.message"
			       " FROM records r JOIN findings f ON f.record = r.id"
			       " WHERE r.submission = ?1 AND r.state = 'review'"
			       " ORDER BY r.record, f.id", -1, &fs, NULL) != SQLITE_OK)
		goto fail;
	if (site)
		sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	if (domain)
		sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		nsub++;
		printf("submission %lld  %s  %s  %s  (%s, %s)\n", sqlite3_column_int64(st, 0),
		       text(st, 1, "central"), text(st, 2, "?"), text(st, 3, "?"),
		       text(st, 4, "?"), text(st, 5, "?"));
		printf("  waiting: %lld accepted, %lld held for review\n",
		       sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7));
		sqlite3_reset(fs);
		sqlite3_bind_int64(fs, 1, sqlite3_column_int64(st, 0));
		while ((s = sqlite3_step(fs)) == SQLITE_ROW)
			printf("  record %lld (line %lld, %s): %s%s%s: %s\n",
			       sqlite3_column_int64(fs, 0), sqlite3_column_int64(fs, 1),
			       text(fs, 2, "no key"), text(fs, 3, "?"),
			       sqlite3_column_type(fs, 4) == SQLITE_NULL ? "" : " ",
			       text(fs, 4, ""), text(fs, 5, ""));
		if (s != SQLITE_DONE)
			goto fail;
	}
	if (s != SQLITE_DONE)
		goto fail;
	if (nsub == 0)
		printf("nothing waits for a decision\n");
	status = MDG_EXIT_OK;
	goto done;
fail:
	fprintf(stderr, "mdgate: %s: %s\n", mdg_registry_file(reg), sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	sqlite3_finalize(fs);
	mdg_registry_close(reg);
	return status;
}
