/*
 * test_registry_faults.c - fault injection on the SQLite calls of the
 * registry layer.  The binary is linked with -Wl,--wrap=sqlite3_step and
 * -Wl,--wrap=sqlite3_exec, so every call to them from libmdgate.a (and from
 * here) goes through the wrappers below (sqlite3_prepare_v2 too).  For each operation (submit,
 * approve, import) the calls it makes are counted once, then the operation
 * is run again on a fresh registry for every call number k, with call k
 * failing with SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY or SQLITE_BUSY.
 * After each injected failure: the function returns an error, the message
 * names the registry file and the cause, and the registry is exactly as it
 * was (row counts of every table and their states, the last event's hash,
 * PRAGMA integrity_check, the audit chain).  A BUSY on BEGIN IMMEDIATE is
 * retried by the registry, so there the operation must succeed instead.
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

/* ------------------------------------------------------------ wrappers */

int __real_sqlite3_step(sqlite3_stmt *st);
int __real_sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
			void *arg, char **errmsg);
int __wrap_sqlite3_step(sqlite3_stmt *st);
int __wrap_sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
			void *arg, char **errmsg);
int __real_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st,
			      const char **tail);
int __wrap_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st,
			      const char **tail);

static bool counting;      /* count the calls (no fault) */
static long calls;         /* calls seen while counting or armed */
static long countdown;     /* > 0: the call that makes it reach 0 fails */
static int fault_rc;       /* the code it fails with */
static bool fired;
static bool fired_on_begin;

static bool
inject(bool begin)
{
	if (!counting && countdown <= 0)
		return false;
	calls++;
	if (counting || --countdown > 0)
		return false;
	fired = true;
	fired_on_begin = begin;
	return true;
}

int
__wrap_sqlite3_step(sqlite3_stmt *st)
{
	if (inject(false))
		return fault_rc;
	return __real_sqlite3_step(st);
}

int
__wrap_sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
		    void *arg, char **errmsg)
{
	/* A failing ROLLBACK is not what is tested: the clean-up always runs. */
	if (strcmp(sql, "ROLLBACK") != 0 && inject(strncmp(sql, "BEGIN", 5) == 0)) {
		if (errmsg != NULL)
			*errmsg = sqlite3_mprintf("%s", sqlite3_errstr(fault_rc));
		return fault_rc;
	}
	return __real_sqlite3_exec(db, sql, cb, arg, errmsg);
}

int
__wrap_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st,
			  const char **tail)
{
	if (inject(false)) {
		*st = NULL;
		return fault_rc;
	}
	return __real_sqlite3_prepare_v2(db, sql, n, st, tail);
}

static void
disarm(void)
{
	counting = false;
	countdown = 0;
}

/* -------------------------------------------------------------- fixture */

static char tmpdir[64];
static int nreg;

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mdg-regf-XXXXXX");
	setenv("MDGATE_ACTOR", "tester", 1);
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
open_new(void)
{
	struct mdg_registry *reg = NULL;
	char *path = xasprintf("%s/r%d/reg.db", tmpdir, ++nreg), *err = NULL;

	assert_int_equal(mdg_registry_open(&reg, path, true, &err), MDG_OK);
	free(path);
	return reg;
}

static void
ident(struct mdg_identity *id, const char *role)
{
	char *err = NULL;

	assert_int_equal(mdg_identity_parse(id, role, &err), MDG_OK);
}

/* One file of four records: 1 and 4 clean, 2 with an error, 3 with a warning. */
static int
store(struct mdg_registry *reg, const struct mdg_identity *id, const char *site, bool import,
      const char *prefix, long long *sub)
{
	struct mdg_report rep;
	struct mdg_diag t;
	struct mdg_reg_record recs[4];
	char sha[1][65], keys[4][16];
	long long ids[1] = {0};
	long i;
	int rc;

	mdg_report_init(&rep);
	rep.nfiles = 1;
	rep.files = xcalloc(1, sizeof(*rep.files));
	rep.files[0].path = xstrdup("uoms.csv");
	rep.files[0].domain = xstrdup("uom");
	rep.files[0].site = site ? xstrdup(site) : NULL;
	rep.files[0].records = 4;
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
	for (i = 0; i < 4; i++) {
		snprintf(keys[i], sizeof(keys[i]), "%s%ld", prefix, i + 1);
		recs[i].file_index = 0;
		recs[i].record = i + 1;
		recs[i].line = i + 2;
		recs[i].key = keys[i];
		recs[i].values = "{\"code\":\"x\"}";
	}
	memset(sha[0], 'a', 64);
	sha[0][64] = '\0';
	rc = import ? mdg_registry_import(reg, id, &rep, recs, 4, sha, sha[0], ids)
		    : mdg_registry_submit(reg, id, &rep, recs, 4, sha, sha[0], ids);
	mdg_report_free(&rep);
	if (sub != NULL)
		*sub = ids[0];
	return rc;
}

/* Everything the registry holds that an operation could change. */
static char *
snapshot(struct mdg_registry *reg)
{
	static const char *const sql =
		"SELECT (SELECT COUNT(*) FROM submissions) || ' ' ||"
		" (SELECT COUNT(*) FROM records) || ' ' ||"
		" (SELECT COUNT(*) FROM findings) || ' ' ||"
		" (SELECT COUNT(*) FROM golden) || ' ' ||"
		" (SELECT COUNT(*) FROM events) || ' ' ||"
		" (SELECT COALESCE(group_concat(state, ','), '') FROM"
		"   (SELECT state FROM records ORDER BY id)) || ' ' ||"
		" (SELECT COALESCE(SUM(is_current), 0) FROM golden) || ' ' ||"
		" (SELECT COALESCE(SUM(records + 10 * accepted + 100 * rejected + 1000 * review), 0)"
		"   FROM submissions) || ' ' ||"
		" (SELECT seq FROM chain_head) || ' ' ||"
		" COALESCE((SELECT hash FROM events ORDER BY seq DESC LIMIT 1), '-')";
	sqlite3_stmt *st;
	char *s;

	assert_int_equal(sqlite3_prepare_v2(mdg_registry_db(reg), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	s = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s;
}

static void
assert_sound(struct mdg_registry *reg)
{
	sqlite3_stmt *st;
	long long bad, n;
	char *why = NULL;

	assert_int_equal(sqlite3_prepare_v2(mdg_registry_db(reg), "PRAGMA integrity_check", -1,
					    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	assert_int_equal(mdg_registry_verify(reg, &bad, &why, &n), MDG_OK);
	assert_null(why);
	/* The connection is usable: no transaction was left open. */
	assert_true(sqlite3_get_autocommit(mdg_registry_db(reg)));
}

/* ------------------------------------------------------------ operations */

enum op { OP_SUBMIT, OP_APPROVE, OP_IMPORT };

/* What is there before the operation; *sub: the submission to decide. */
static void
prepare_op(struct mdg_registry *reg, enum op op, long long *sub)
{
	struct mdg_identity de, steward;
	size_t changed;

	ident(&de, "site:DE01");
	ident(&steward, "steward");
	/* Some history, so that versions and the chain have something behind them. */
	assert_int_equal(store(reg, &steward, NULL, true, "K", NULL), MDG_OK);
	assert_int_equal(store(reg, &de, "DE01", false, "K", sub), MDG_OK);
	if (op != OP_APPROVE)
		assert_int_equal(mdg_registry_decide(reg, &de, *sub, NULL, 0, true, "ok",
						     &changed), MDG_OK);
	mdg_identity_free(&de);
	mdg_identity_free(&steward);
}

static int
run_op(struct mdg_registry *reg, enum op op, long long sub)
{
	struct mdg_identity id;
	size_t changed;
	int rc;

	ident(&id, op == OP_IMPORT ? "steward" : "site:DE01");
	switch (op) {
	case OP_SUBMIT:
		rc = store(reg, &id, "DE01", false, "K", NULL);
		break;
	case OP_APPROVE:
		/* Three waiting records (1, 3 and 4), two of them new versions of a key. */
		rc = mdg_registry_decide(reg, &id, sub, NULL, 0, true, "fine", &changed);
		break;
	default:
		rc = store(reg, &id, NULL, true, "N", NULL);
		break;
	}
	mdg_identity_free(&id);
	return rc;
}

static const struct {
	int rc;
	const char *cause;   /* explain()'s words */
} faults[] = {
	{SQLITE_FULL, "the disk is full"},
	{SQLITE_IOERR, "an input/output error"},
	{SQLITE_READONLY, "cannot be written"},
	{SQLITE_BUSY, "locked by another process"},
};

static void
inject_all(enum op op, const char *name)
{
	struct mdg_registry *reg;
	long long sub = 0;
	long total, k;
	size_t f;
	char *before, *after, *ok_after;
	int tested = 0;

	/* Count the calls of one clean run, and keep what it leaves. */
	reg = open_new();
	prepare_op(reg, op, &sub);
	calls = 0;
	counting = true;
	assert_int_equal(run_op(reg, op, sub), MDG_OK);
	disarm();
	total = calls;
	ok_after = snapshot(reg);
	assert_sound(reg);
	mdg_registry_close(reg);
	assert_true(total > 3);

	for (f = 0; f < sizeof(faults) / sizeof(faults[0]); f++) {
		for (k = 1; k <= total; k++) {
			int rc;
			const char *err;

			reg = open_new();
			prepare_op(reg, op, &sub);
			before = snapshot(reg);
			calls = 0;
			fired = fired_on_begin = false;
			fault_rc = faults[f].rc;
			countdown = k;
			rc = run_op(reg, op, sub);
			disarm();
			assert_true(fired);
			after = snapshot(reg);
			if (rc == MDG_OK) {
				/* Only a busy BEGIN may succeed: it is retried. */
				if (!(faults[f].rc == SQLITE_BUSY && fired_on_begin))
					fail_msg("%s: %s injected at call %ld of %ld was not "
						 "reported", name, sqlite3_errstr(faults[f].rc), k,
						 total);
				/* As the clean run left it, but for the time in the hashes. */
				*strrchr(after, ' ') = '\0';
				assert_non_null(strstr(ok_after, after));
				assert_int_equal(ok_after[strlen(after)], ' ');
			} else {
				err = mdg_registry_error(reg);
				if (strstr(err, mdg_registry_file(reg)) == NULL ||
				    strstr(err, faults[f].cause) == NULL ||
				    strstr(err, sqlite3_errstr(faults[f].rc)) == NULL)
					fail_msg("%s, call %ld: the message '%s' does not name the "
						 "file and '%s' (%s)", name, k, err, faults[f].cause,
						 sqlite3_errstr(faults[f].rc));
				if (strcmp(before, after) != 0)
					fail_msg("%s: %s at call %ld of %ld changed the registry:\n"
						 "  before %s\n  after  %s", name,
						 sqlite3_errstr(faults[f].rc), k, total, before, after);
				tested++;
			}
			assert_sound(reg);
			free(before);
			free(after);
			mdg_registry_close(reg);
		}
	}
	free(ok_after);
	print_message("%s: %ld SQLite calls, %d injected failures checked\n", name, total,
		      tested);
}

static void
test_faults_submit(void **state)
{
	(void)state;
	inject_all(OP_SUBMIT, "submit");
}

static void
test_faults_approve(void **state)
{
	(void)state;
	inject_all(OP_APPROVE, "approve");
}

static void
test_faults_import(void **state)
{
	(void)state;
	inject_all(OP_IMPORT, "import");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faults_submit),
		cmocka_unit_test(test_faults_approve),
		cmocka_unit_test(test_faults_import),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
