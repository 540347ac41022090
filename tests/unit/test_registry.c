/*
 * test_registry.c - the registry layer: schema creation and the refusal of
 * a newer schema, submit -> approve -> golden versions, role refusals that
 * are recorded, and the audit chain catching a changed event (triggers
 * dropped), a deleted event and a swapped pair; the chain head catching the
 * deletion of the last events, and its migration from schema version 1.
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

#include <sqlite3.h>

#include "registry.h"
#include "util.h"

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mdg-reg-XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc;

	(void)state;
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static struct mdg_registry *
open_new(const char *name)
{
	struct mdg_registry *reg = NULL;
	char *path = xasprintf("%s/%s/sub/reg.db", tmpdir, name), *err = NULL;

	assert_int_equal(mdg_registry_open(&reg, path, true, &err), MDG_OK);
	assert_null(err);
	free(path);
	return reg;
}

static void
ident(struct mdg_identity *id, const char *role)
{
	char *err = NULL;

	setenv("MDGATE_ACTOR", "tester", 1);
	assert_int_equal(mdg_identity_parse(id, role, &err), MDG_OK);
}

static long long
count(struct mdg_registry *reg, const char *sql)
{
	sqlite3_stmt *st;
	long long n;

	assert_int_equal(sqlite3_prepare_v2(mdg_registry_db(reg), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
exec_ok(struct mdg_registry *reg, const char *sql)
{
	assert_int_equal(sqlite3_exec(mdg_registry_db(reg), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* One file of three records: 1 clean, 2 with an error, 3 with a warning. */
static long long
submit_one(struct mdg_registry *reg, const struct mdg_identity *id, const char *site)
{
	struct mdg_report rep;
	struct mdg_diag t;
	struct mdg_reg_record recs[3];
	char sha[1][65];
	long long ids[1];
	char keys[3][8];
	long i;

	mdg_report_init(&rep);
	rep.nfiles = 1;
	rep.files = xcalloc(1, sizeof(*rep.files));
	rep.files[0].path = xstrdup("uoms.csv");
	rep.files[0].domain = xstrdup("uom");
	rep.files[0].site = site ? xstrdup(site) : NULL;
	rep.files[0].records = 3;
	memset(&t, 0, sizeof(t));
	t.code = "field.required";
	t.severity = MDG_SEV_ERROR;
	t.record = 2;
	t.message = "missing";
	mdg_diag_add(&rep.findings, &t);
	t.code = "rule.warn";
	t.severity = MDG_SEV_WARNING;
	t.record = 3;
	mdg_diag_add(&rep.findings, &t);
	for (i = 0; i < 3; i++) {
		snprintf(keys[i], sizeof(keys[i]), "K%ld", i + 1);
		recs[i].file_index = 0;
		recs[i].record = i + 1;
		recs[i].line = i + 2;
		recs[i].key = keys[i];
		recs[i].values = "{\"code\":\"x\"}";
	}
	memset(sha[0], 'a', 64);
	sha[0][64] = '\0';
	assert_int_equal(mdg_registry_submit(reg, id, &rep, recs, 3, sha, sha[0], ids), MDG_OK);
	mdg_report_free(&rep);
	return ids[0];
}

static void
test_registry_schema(void **state)
{
	struct mdg_registry *reg = open_new("schema");
	char *path = xstrdup(mdg_registry_file(reg)), *err = NULL;

	(void)state;
	assert_int_equal(mdg_registry_schema_version(reg), MDG_REGISTRY_SCHEMA_VERSION);
	assert_int_equal(count(reg, "PRAGMA journal_mode"), 0);  /* text "wal": 0 as integer */
	assert_int_equal(count(reg, "PRAGMA foreign_keys"), 1);
	mdg_registry_close(reg);
	/* Opening again migrates nothing. */
	assert_int_equal(mdg_registry_open(&reg, path, false, &err), MDG_OK);
	exec_ok(reg, "PRAGMA user_version = 99");
	mdg_registry_close(reg);
	assert_int_equal(mdg_registry_open(&reg, path, false, &err), MDG_ERR);
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, path));
	free(err);
	free(path);
	/* Without create, a missing registry is an error that says what to do. */
	assert_int_equal(mdg_registry_open(&reg, "/nonexistent/x.db", false, &err), MDG_ERR);
	assert_non_null(strstr(err, "registry init"));
	free(err);
}

static void
test_registry_approve_versions(void **state)
{
	struct mdg_registry *reg = open_new("approve");
	struct mdg_identity id;
	long long sub;
	size_t changed;
	long rec3 = 3;

	(void)state;
	ident(&id, "site:DE01");
	sub = submit_one(reg, &id, "DE01");
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM records WHERE state='accepted'"), 1);
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM records WHERE state='rejected'"), 1);
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM records WHERE state='review'"), 1);
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM findings"), 2);
	/* Only record 3 first, then the rest. */
	assert_int_equal(mdg_registry_decide(reg, &id, sub, &rec3, 1, true, "ok", &changed),
			 MDG_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(mdg_registry_decide(reg, &id, sub, NULL, 0, true, NULL, &changed),
			 MDG_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM golden"), 2);
	/* A rejected record cannot be approved, and nothing changes. */
	rec3 = 2;
	assert_int_equal(mdg_registry_decide(reg, &id, sub, &rec3, 1, true, NULL, &changed),
			 MDG_ERR);
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM records WHERE state='approved'"), 2);
	/* The same keys again: version 2, the old rows kept and no longer current. */
	sub = submit_one(reg, &id, "DE01");
	assert_int_equal(mdg_registry_decide(reg, &id, sub, NULL, 0, true, NULL, &changed),
			 MDG_OK);
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM golden"), 4);
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM golden WHERE is_current"), 2);
	assert_int_equal(count(reg, "SELECT MAX(version) FROM golden WHERE key='K1'"), 2);
	assert_int_equal(count(reg, "SELECT is_current FROM golden WHERE key='K1' AND version=1"), 0);
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM records WHERE state NOT IN"
				    " ('accepted','rejected','review','approved')"), 0);
	mdg_identity_free(&id);
	mdg_registry_close(reg);
}

static void
test_registry_refusals(void **state)
{
	struct mdg_registry *reg = open_new("roles");
	struct mdg_identity de, pl, steward;
	long long sub, central;
	size_t changed;

	(void)state;
	ident(&de, "site:DE01");
	ident(&pl, "site:PL01");
	ident(&steward, "steward");
	sub = submit_one(reg, &de, "DE01");
	central = submit_one(reg, &steward, NULL);
	assert_int_equal(mdg_registry_decide(reg, &pl, sub, NULL, 0, true, NULL, &changed),
			 MDG_EREFUSED);
	assert_non_null(strstr(mdg_registry_error(reg), "belongs to site DE01"));
	assert_int_equal(mdg_registry_decide(reg, &de, central, NULL, 0, false, NULL, &changed),
			 MDG_EREFUSED);
	assert_non_null(strstr(mdg_registry_error(reg), "steward"));
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM events WHERE kind='refused'"), 2);
	assert_int_equal(count(reg, "SELECT COUNT(*) FROM records WHERE state='approved'"), 0);
	assert_int_equal(mdg_registry_decide(reg, &steward, central, NULL, 0, true, NULL,
					     &changed), MDG_OK);
	assert_int_equal(mdg_registry_decide(reg, &steward, sub, NULL, 0, false, "no", &changed),
			 MDG_OK);
	assert_int_equal(changed, 2);
	mdg_identity_free(&de);
	mdg_identity_free(&pl);
	mdg_identity_free(&steward);
	mdg_registry_close(reg);
}

static struct mdg_registry *
trail(const char *name)
{
	struct mdg_registry *reg = open_new(name);
	struct mdg_identity id;
	int i;

	ident(&id, "steward");
	assert_int_equal(mdg_registry_begin(reg), MDG_OK);
	for (i = 0; i < 5; i++)
		assert_int_equal(mdg_registry_event(reg, &id, "test", "DE01", 0, "{}", NULL, NULL),
				 MDG_OK);
	assert_int_equal(mdg_registry_commit(reg), MDG_OK);
	mdg_identity_free(&id);
	return reg;
}

static void
expect_bad(struct mdg_registry *reg, long long seq)
{
	long long bad, n;
	char *why = NULL;

	assert_int_equal(mdg_registry_verify(reg, &bad, &why, &n), MDG_ERR);
	assert_int_equal(bad, seq);
	assert_non_null(why);
	free(why);
}

static void
test_registry_chain(void **state)
{
	struct mdg_registry *reg = trail("chain");
	long long bad, n;
	char *why = NULL;

	(void)state;
	assert_int_equal(mdg_registry_verify(reg, &bad, &why, &n), MDG_OK);
	assert_int_equal(n, 5);
	/* The triggers keep the trail append-only. */
	assert_int_not_equal(sqlite3_exec(mdg_registry_db(reg),
					  "UPDATE events SET actor='eve' WHERE seq=3", NULL, NULL,
					  NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(mdg_registry_db(reg), "DELETE FROM events WHERE seq=3",
					  NULL, NULL, NULL), SQLITE_OK);
	exec_ok(reg, "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete");
	exec_ok(reg, "UPDATE events SET actor='eve' WHERE seq=3");
	expect_bad(reg, 3);
	mdg_registry_close(reg);

	reg = trail("deleted");
	exec_ok(reg, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq=2");
	expect_bad(reg, 3);
	mdg_registry_close(reg);

	/* A swapped pair, renumbered so that seq has no gap. */
	reg = trail("swapped");
	exec_ok(reg, "DROP TRIGGER events_no_update;"
		     "UPDATE events SET seq=100 WHERE seq=2;"
		     "UPDATE events SET seq=2 WHERE seq=3;"
		     "UPDATE events SET seq=3 WHERE seq=100");
	expect_bad(reg, 2);
	mdg_registry_close(reg);
}

/* Deleting the last event(s) leaves a sound chain; the chain head notices. */
static void
test_registry_chain_head(void **state)
{
	struct mdg_registry *reg = trail("tail");
	long long bad, n;
	char *why = NULL, *path;

	(void)state;
	assert_int_equal(count(reg, "SELECT seq FROM chain_head"), 5);
	/* The head cannot be moved back, deleted or doubled by hand. */
	assert_int_not_equal(sqlite3_exec(mdg_registry_db(reg),
					  "UPDATE chain_head SET seq = 4, hash = (SELECT hash FROM"
					  " events WHERE seq = 4)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(mdg_registry_db(reg), "DELETE FROM chain_head", NULL,
					  NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(mdg_registry_db(reg),
					  "INSERT INTO chain_head VALUES (2, 0, 'x')", NULL, NULL,
					  NULL), SQLITE_OK);
	exec_ok(reg, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = 5");
	expect_bad(reg, 5);
	exec_ok(reg, "DELETE FROM events WHERE seq = 4");
	assert_int_equal(mdg_registry_verify(reg, &bad, &why, &n), MDG_ERR);
	assert_int_equal(bad, 4);
	assert_non_null(strstr(why, "events 4 to 5"));
	free(why);
	mdg_registry_close(reg);

	/* A trail emptied entirely. */
	reg = trail("emptied");
	exec_ok(reg, "DROP TRIGGER events_no_delete; DELETE FROM events");
	expect_bad(reg, 1);
	mdg_registry_close(reg);

	/* A version 1 registry gets its head from the trail it already has. */
	reg = trail("v1");
	path = xstrdup(mdg_registry_file(reg));
	exec_ok(reg, "DROP TRIGGER events_move_head; DROP TRIGGER chain_head_no_insert;"
		     "DROP TRIGGER chain_head_no_delete; DROP TRIGGER chain_head_forward;"
		     "DROP TABLE chain_head; PRAGMA user_version = 1");
	mdg_registry_close(reg);
	assert_int_equal(mdg_registry_open(&reg, path, false, &why), MDG_OK);
	assert_int_equal(mdg_registry_schema_version(reg), MDG_REGISTRY_SCHEMA_VERSION);
	assert_int_equal(count(reg, "SELECT seq FROM chain_head"), 5);
	assert_int_equal(mdg_registry_verify(reg, &bad, &why, &n), MDG_OK);
	assert_int_equal(n, 5);
	free(path);
	mdg_registry_close(reg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_schema),
		cmocka_unit_test(test_registry_approve_versions),
		cmocka_unit_test(test_registry_refusals),
		cmocka_unit_test(test_registry_chain),
		cmocka_unit_test(test_registry_chain_head),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
