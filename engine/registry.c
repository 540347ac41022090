/*
 * registry.c - the SQLite registry: opening and migrating the schema,
 * transactions with a retry on a busy database, submissions, decisions,
 * golden versions, and the audit trail whose events are chained by
 * SHA-256 (OpenSSL's EVP) over a canonical serialisation of each event.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "match-index.h"
#include "registry.h"
#include "util.h"

struct mdg_registry {
	sqlite3 *db;
	char *path;
	char *err;
	sqlite3_stmt *find;   /* the current golden row of a key, prepared once */
	sqlite3_stmt *g_old;  /* make_golden's statements, prepared once */
	sqlite3_stmt *g_new;
	const struct mdg_enterprise *e;  /* for the match index, NULL: not kept */
};

static const char *const migrations[] = {
	/* version 1: the initial schema */
	"CREATE TABLE submissions ("
	"  id INTEGER PRIMARY KEY,"
	"  site TEXT,"
	"  domain TEXT NOT NULL,"
	"  file TEXT NOT NULL,"
	"  input_sha256 TEXT NOT NULL,"
	"  rules_sha256 TEXT NOT NULL,"
	"  submitted_by TEXT NOT NULL,"
	"  submitted_at TEXT NOT NULL,"
	"  records INTEGER NOT NULL DEFAULT 0,"
	"  accepted INTEGER NOT NULL DEFAULT 0,"
	"  rejected INTEGER NOT NULL DEFAULT 0,"
	"  review INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE records ("
	"  id INTEGER PRIMARY KEY,"
	"  submission INTEGER NOT NULL REFERENCES submissions(id),"
	"  record INTEGER NOT NULL,"
	"  line INTEGER NOT NULL,"
	"  site TEXT,"
	"  domain TEXT NOT NULL,"
	"  key TEXT,"
	"  vals TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK(state IN ('accepted','rejected','review','approved')),"
	"  decided_by TEXT,"
	"  decided_at TEXT,"
	"  comment TEXT,"
	"  UNIQUE(submission, record));"
	"CREATE INDEX records_state ON records(state, site, domain);"
	"CREATE TABLE findings ("
	"  id INTEGER PRIMARY KEY,"
	"  submission INTEGER NOT NULL REFERENCES submissions(id),"
	"  record INTEGER REFERENCES records(id),"
	"  code TEXT NOT NULL,"
	"  severity TEXT NOT NULL,"
	"  field TEXT,"
	"  message TEXT NOT NULL,"
	"  line INTEGER);"
	"CREATE INDEX findings_record ON findings(record);"
	"CREATE TABLE golden ("
	"  id INTEGER PRIMARY KEY,"
	"  domain TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  site TEXT,"
	"  vals TEXT NOT NULL,"
	"  from_record INTEGER REFERENCES records(id),"
	"  approved_by TEXT NOT NULL,"
	"  approved_at TEXT NOT NULL,"
	"  is_current INTEGER NOT NULL DEFAULT 1,"
	"  UNIQUE(domain, key, version));"
	"CREATE INDEX golden_current ON golden(domain, key) WHERE is_current;"
	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  site TEXT,"
	"  kind TEXT NOT NULL,"
	"  submission INTEGER,"
	"  detail TEXT,"
	"  input_sha256 TEXT,"
	"  rules_sha256 TEXT,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL);"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
	/*
	 * version 2: the chain head, a second copy of the last event's seq and
	 * hash, moved forward by a trigger in the same transaction as every
	 * event, so that verify notices the deletion of the last event(s).  Its
	 * own triggers allow only that step forward.
	 */
	"CREATE TABLE chain_head ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  seq INTEGER NOT NULL,"
	"  hash TEXT NOT NULL);"
	"INSERT INTO chain_head(one, seq, hash) SELECT 1, COALESCE(MAX(seq), 0),"
	"  COALESCE((SELECT hash FROM events ORDER BY seq DESC LIMIT 1),"
	"           '" "0000000000000000000000000000000000000000000000000000000000000000" "')"
	"  FROM events;"
	"CREATE TRIGGER chain_head_no_insert BEFORE INSERT ON chain_head"
	"  BEGIN SELECT RAISE(ABORT, 'the chain head has one row'); END;"
	"CREATE TRIGGER chain_head_no_delete BEFORE DELETE ON chain_head"
	"  BEGIN SELECT RAISE(ABORT, 'the chain head has one row'); END;"
	"CREATE TRIGGER chain_head_forward BEFORE UPDATE ON chain_head"
	"  WHEN NEW.one <> 1 OR NEW.seq <> OLD.seq + 1 OR"
	"       NEW.hash IS NOT (SELECT hash FROM events WHERE seq = NEW.seq)"
	"  BEGIN SELECT RAISE(ABORT, 'the chain head only follows the audit trail'); END;"
	"CREATE TRIGGER events_move_head AFTER INSERT ON events"
	"  BEGIN UPDATE chain_head SET seq = NEW.seq, hash = NEW.hash WHERE one = 1; END;",
	/*
	 * version 3: exports to Odoo (engine/export.c).  exports: one row per
	 * export, golden_max the newest golden row it saw (--since N writes
	 * the rows after export N's); export_ids: the external ID each record
	 * got, kept so that it never changes; export_records: the golden rows
	 * each export wrote.
	 */
	"CREATE TABLE exports ("
	"  id INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  module TEXT NOT NULL,"
	"  odoo_module TEXT,"
	"  since INTEGER REFERENCES exports(id),"
	"  domain TEXT,"
	"  site TEXT,"
	"  golden_max INTEGER NOT NULL,"
	"  records INTEGER NOT NULL,"
	"  files INTEGER NOT NULL,"
	"  out TEXT NOT NULL,"
	"  manifest_sha256 TEXT NOT NULL);"
	"CREATE TABLE export_ids ("
	"  module TEXT NOT NULL,"
	"  domain TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  first_export INTEGER NOT NULL REFERENCES exports(id),"
	"  last_export INTEGER NOT NULL REFERENCES exports(id),"
	"  PRIMARY KEY (module, domain, key),"
	"  UNIQUE (module, name));"
	"CREATE TABLE export_records ("
	"  export INTEGER NOT NULL REFERENCES exports(id),"
	"  golden INTEGER NOT NULL REFERENCES golden(id),"
	"  PRIMARY KEY (export, golden));"
	"CREATE INDEX export_records_golden ON export_records(golden);",
	/*
	 * version 4: duplicate detection against the registry (match-index.h):
	 * the golden records kept normalised, the stored postings, the
	 * steward's decisions on pairs, and the suspected pairs of submitted
	 * records (what approve and reject decide on).
	 */
	"CREATE TABLE IF NOT EXISTS match_records ("
	"  golden INTEGER PRIMARY KEY REFERENCES golden(id),"
	"  domain TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  site TEXT,"
	"  raw TEXT NOT NULL,"
	"  norm TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS match_records_domain ON match_records(domain, golden);"
	"CREATE INDEX IF NOT EXISTS match_records_key ON match_records(domain, key);"
	"CREATE TABLE IF NOT EXISTS match_index ("
	"  domain TEXT PRIMARY KEY,"
	"  match_sha TEXT NOT NULL,"
	"  upto INTEGER NOT NULL,"
	"  records INTEGER NOT NULL,"
	"  built_at TEXT NOT NULL,"
	"  postings BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS match_decisions ("
	"  domain TEXT NOT NULL,"
	"  key_a TEXT NOT NULL,"
	"  key_b TEXT NOT NULL,"
	"  same INTEGER NOT NULL CHECK (same IN (0, 1)),"
	"  decided_by TEXT NOT NULL,"
	"  decided_at TEXT NOT NULL,"
	"  comment TEXT,"
	"  PRIMARY KEY (domain, key_a, key_b));"
	"CREATE TABLE IF NOT EXISTS match_suspects ("
	"  record INTEGER NOT NULL REFERENCES records(id),"
	"  domain TEXT NOT NULL,"
	"  other_key TEXT NOT NULL,"
	"  other_site TEXT,"
	"  in_registry INTEGER NOT NULL,"
	"  score REAL NOT NULL);"
	"CREATE INDEX IF NOT EXISTS match_suspects_record ON match_suspects(record);",
};

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* ------------------------------------------------------------- errors */

static const char *
explain(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return "the disk is full";
	case SQLITE_READONLY:
		return "the registry cannot be written (read-only file or folder)";
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "the registry is locked by another process";
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return "the file is damaged or not a registry";
	case SQLITE_CANTOPEN:
		return "the registry cannot be opened";
	case SQLITE_IOERR:
		return "an input/output error";
	case SQLITE_PERM:
		return "permission denied";
	default:
		return NULL;
	}
}

static int
fail(struct mdg_registry *reg, int rc, const char *what)
{
	const char *why = explain(rc);
	const char *detail = sqlite3_errstr(rc);

	/* SQLite's own message when it is about this error (it may name a column
	 * or a constraint); the generic text of the code otherwise. */
	if (reg->db != NULL && (sqlite3_extended_errcode(reg->db) == rc ||
				sqlite3_errcode(reg->db) == rc))
		detail = sqlite3_errmsg(reg->db);

	free(reg->err);
	if (why != NULL)
		reg->err = xasprintf("%s: %s: %s (%s)", reg->path, what, why, detail);
	else
		reg->err = xasprintf("%s: %s: %s", reg->path, what, detail);
	return MDG_ERR;
}

static int
failf(struct mdg_registry *reg, const char *msg)
{
	free(reg->err);
	reg->err = xasprintf("%s: %s", reg->path, msg);
	return MDG_ERR;
}

int
mdg_registry_fail(struct mdg_registry *reg, int sqlite_rc, const char *what)
{
	return fail(reg, sqlite_rc, what);
}

int
mdg_registry_failf(struct mdg_registry *reg, const char *msg)
{
	return failf(reg, msg);
}

void
mdg_registry_set_enterprise(struct mdg_registry *reg, const struct mdg_enterprise *e)
{
	reg->e = e;
}

const char *
mdg_registry_error(const struct mdg_registry *reg)
{
	return reg->err ? reg->err : "no error";
}

const char *
mdg_registry_file(const struct mdg_registry *reg)
{
	return reg->path;
}

struct sqlite3 *
mdg_registry_db(struct mdg_registry *reg)
{
	return reg->db;
}

/* ------------------------------------------------------------ helpers */

void
mdg_reg_records_collect(void *arg, size_t file_index, long record, long line, const char *key,
			const char *values_json)
{
	struct mdg_reg_records *c = arg;
	struct mdg_reg_record *r;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	}
	r = &c->v[c->n++];
	r->file_index = file_index;
	r->record = record;
	r->line = line;
	r->key = key ? xstrdup(key) : NULL;
	r->values = xstrdup(values_json);
}

void
mdg_reg_records_free(struct mdg_reg_records *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].key);
		free(c->v[i].values);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static void
now_utc(char buf[64])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ts.tv_nsec / 1000000);
}

void
mdg_registry_now(char buf[64])
{
	now_utc(buf);
}

static void
hex(const unsigned char *md, unsigned int len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * len] = '\0';
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static int
prepare(struct mdg_registry *reg, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(reg->db, sql, -1, st, NULL);

	if (rc != SQLITE_OK)
		return fail(reg, rc, "cannot prepare a statement");
	return MDG_OK;
}

static int
exec(struct mdg_registry *reg, const char *sql, const char *what)
{
	int rc = sqlite3_exec(reg->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? MDG_OK : fail(reg, rc, what);
}

/* ------------------------------------------------------ transactions */

int
mdg_registry_begin(struct mdg_registry *reg)
{
	int rc, tries;
	struct timespec pause = {0, 50 * 1000 * 1000};

	/*
	 * A writer gets 64 MiB of page cache (used only as filled): a big
	 * import's transaction then does not spill the same pages again and
	 * again (100 k items: 7.5 s -> 6.6 s, half the system time).  Readers
	 * keep SQLite's default.
	 */
	rc = sqlite3_exec(reg->db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail(reg, rc, "cannot set the cache size");
	/* busy_timeout waits inside SQLite; this loop covers what it gives up on. */
	for (tries = 0; tries < 40; tries++) {
		rc = sqlite3_exec(reg->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return MDG_OK;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		nanosleep(&pause, NULL);
	}
	return fail(reg, rc, "cannot start a transaction");
}

int
mdg_registry_commit(struct mdg_registry *reg)
{
	int rc = sqlite3_exec(reg->db, "COMMIT", NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		fail(reg, rc, "cannot commit; nothing was changed");
		mdg_registry_rollback(reg);
		return MDG_ERR;
	}
	return MDG_OK;
}

void
mdg_registry_rollback(struct mdg_registry *reg)
{
	if (!sqlite3_get_autocommit(reg->db))
		(void)sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
}

int
mdg_registry_read_begin(struct mdg_registry *reg)
{
	int rc = sqlite3_exec(reg->db, "BEGIN DEFERRED", NULL, NULL, NULL);

	return rc == SQLITE_OK ? MDG_OK : fail(reg, rc, "cannot start a read transaction");
}

void
mdg_registry_read_end(struct mdg_registry *reg)
{
	mdg_registry_rollback(reg);
}

/* ------------------------------------------------------- open, schema */

char *
mdg_registry_path(const struct mdg_enterprise *e, const char *explicit_path)
{
	if (explicit_path != NULL)
		return xstrdup(explicit_path);
	if (e != NULL && e->registry != NULL)
		return xstrdup(e->registry);
	return NULL;
}

static int
mkdirs(const char *dir)
{
	char *p = xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

int
mdg_registry_schema_version(struct mdg_registry *reg)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(reg->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
migrate(struct mdg_registry *reg)
{
	int v;
	size_t i;
	char sql[64];

	if ((v = mdg_registry_schema_version(reg)) < 0)
		return fail(reg, sqlite3_errcode(reg->db), "cannot read the schema version");
	if ((size_t)v > NMIGRATIONS) {
		free(reg->err);
		reg->err = xasprintf("%s: the registry has schema version %d, newer than this "
				     "mdgate knows (%zu); use a newer mdgate",
				     reg->path, v, NMIGRATIONS);
		return MDG_ERR;
	}
	for (i = (size_t)v; i < NMIGRATIONS; i++) {
		if (mdg_registry_begin(reg) != MDG_OK)
			return MDG_ERR;
		/* Another process may have migrated while we waited for the lock. */
		if ((size_t)mdg_registry_schema_version(reg) > i) {
			mdg_registry_rollback(reg);
			continue;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", i + 1);
		if (exec(reg, migrations[i], "cannot create the schema") != MDG_OK ||
		    exec(reg, sql, "cannot set the schema version") != MDG_OK) {
			mdg_registry_rollback(reg);
			return MDG_ERR;
		}
		if (mdg_registry_commit(reg) != MDG_OK)
			return MDG_ERR;
	}
	return MDG_OK;
}

/* Whether the file (an existing one) lies on a file system mounted read-only. */
static bool
on_readonly_fs(const char *path)
{
	struct statvfs vfs;

	return statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
}

/* "file:PATH?immutable=1", the path percent-encoded where a URI needs it. */
static char *
immutable_uri(const char *path)
{
	struct mdg_buf b;
	const unsigned char *p;

	mdg_buf_init(&b, 0);
	(void)mdg_buf_printf(&b, "file:");
	for (p = (const unsigned char *)path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p <= ' ' || *p >= 0x7f)
			(void)mdg_buf_printf(&b, "%%%02X", *p);
		else
			(void)mdg_buf_printf(&b, "%c", *p);
	}
	(void)mdg_buf_printf(&b, "?immutable=1");
	return b.data;
}

int
mdg_registry_open(struct mdg_registry **out, const char *path, bool create, char **errmsg)
{
	struct mdg_registry *reg = xcalloc(1, sizeof(*reg));
	struct stat sb;
	int rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	*out = NULL;
	*errmsg = NULL;
	reg->path = xstrdup(path);
	if (stat(path, &sb) != 0) {
		if (!create) {
			*errmsg = xasprintf("%s: no registry there; create it with "
					    "'mdgate registry init'", path);
			goto fail;
		} else {
			char *dir = mdg_path_dir(path);
			if (mkdirs(dir) != 0) {
				*errmsg = xasprintf("%s: cannot create the folder %s: %s", path,
						    dir, strerror(errno));
				free(dir);
				goto fail;
			}
			free(dir);
			flags |= SQLITE_OPEN_CREATE;
		}
	}
	if (on_readonly_fs(path)) {
		/* A WAL database cannot be opened on a read-only file system (no -shm can
		 * be made) unless SQLite is told nothing can change it: then it is read,
		 * and any write fails as SQLITE_READONLY with a clear error.  Committed
		 * transactions still in a -wal file would be ignored that way: refuse. */
		char *wal = xasprintf("%s-wal", path), *uri;
		struct stat wb;
		bool pending = stat(wal, &wb) == 0 && wb.st_size > 0;

		free(wal);
		if (pending) {
			*errmsg = xasprintf("%s: the registry is on a read-only file system and its "
					    "write-ahead log (%s-wal) holds changes not yet in the "
					    "file; open it once where it can be written", path, path);
			goto fail;
		}
		uri = immutable_uri(path);
		rc = sqlite3_open_v2(uri, &reg->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
				     SQLITE_OPEN_NOMUTEX, NULL);
		free(uri);
	} else {
		rc = sqlite3_open_v2(path, &reg->db, flags, NULL);
	}
	if (rc != SQLITE_OK) {
		fail(reg, rc, "cannot open");
		goto fail_reg;
	}
	sqlite3_extended_result_codes(reg->db, 1);
	sqlite3_busy_timeout(reg->db, 5000);
	if (exec(reg, "PRAGMA foreign_keys = ON", "cannot enable foreign keys") != MDG_OK)
		goto fail_reg;
	/* WAL needs a writable folder; a read-only registry is still readable. */
	if (access(path, W_OK) == 0 &&
	    exec(reg, "PRAGMA journal_mode = WAL", "cannot switch to WAL") != MDG_OK)
		goto fail_reg;
	if (migrate(reg) != MDG_OK)
		goto fail_reg;
	*out = reg;
	return MDG_OK;
fail_reg:
	*errmsg = xstrdup(reg->err);
fail:
	mdg_registry_close(reg);
	return MDG_ERR;
}

void
mdg_registry_close(struct mdg_registry *reg)
{
	if (reg == NULL)
		return;
	sqlite3_finalize(reg->find);
	sqlite3_finalize(reg->g_old);
	sqlite3_finalize(reg->g_new);
	if (reg->db != NULL)
		sqlite3_close_v2(reg->db);
	free(reg->path);
	free(reg->err);
	free(reg);
}

/* ----------------------------------------------------------- identity */

int
mdg_identity_parse(struct mdg_identity *id, const char *role, char **errmsg)
{
	const char *actor;

	memset(id, 0, sizeof(*id));
	*errmsg = NULL;
	if (role == NULL)
		role = getenv("MDGATE_ROLE");
	if (role == NULL || *role == '\0') {
		*errmsg = xstrdup("no identity: give --as steward or --as site:CODE "
				  "(or set MDGATE_ROLE)");
		return MDG_ERR;
	}
	if (strcmp(role, "steward") == 0) {
		id->steward = true;
	} else if (strncmp(role, "site:", 5) == 0 && role[5] != '\0') {
		id->site = xstrdup(role + 5);
	} else {
		*errmsg = xasprintf("unknown role '%s': steward or site:CODE", role);
		return MDG_ERR;
	}
	id->role = xstrdup(role);
	actor = getenv("MDGATE_ACTOR");
	if (actor == NULL || *actor == '\0')
		actor = getenv("USER");
	id->actor = xstrdup(actor && *actor ? actor : "unknown");
	return MDG_OK;
}

void
mdg_identity_free(struct mdg_identity *id)
{
	free(id->actor);
	free(id->site);
	free(id->role);
	memset(id, 0, sizeof(*id));
}

/* ------------------------------------------------------------ digests */

int
mdg_sha256_file(const char *path, char out[65])
{
	EVP_MD_CTX *ctx;
	unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
	unsigned int len = 0;
	size_t n;
	FILE *f;
	int rc = MDG_EIO;

	if ((f = fopen(path, "rb")) == NULL)
		return MDG_EIO;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto done;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (EVP_DigestUpdate(ctx, buf, n) != 1)
			goto done;
	if (ferror(f) || EVP_DigestFinal_ex(ctx, md, &len) != 1)
		goto done;
	hex(md, len, out);
	rc = MDG_OK;
done:
	EVP_MD_CTX_free(ctx);
	fclose(f);
	return rc;
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SHA-256 over "path\0sha256\n" of every definition file in force, sorted. */
void
mdg_sha256_definitions(const struct mdg_enterprise *e, char out[65])
{
	const char **files;
	size_t n = 0, cap, i, j;
	struct mdg_buf b;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char h[65];

	cap = 1 + e->domains.n + e->rules.n;
	for (i = 0; i < e->nsites; i++)
		cap += e->sites[i].next_files;
	files = xcalloc(cap, sizeof(*files));
	files[n++] = e->file;
	for (i = 0; i < e->domains.n; i++)
		if (e->domains.v[i]->file != NULL)
			files[n++] = e->domains.v[i]->file;
	for (i = 0; i < e->rules.n; i++)
		if (e->rules.v[i]->file != NULL)
			files[n++] = e->rules.v[i]->file;
	for (i = 0; i < e->nsites; i++)
		for (j = 0; j < e->sites[i].next_files; j++)
			files[n++] = e->sites[i].ext_files[j];
	mdg_qsort(files, n, sizeof(*files), strp_cmp);
	mdg_buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(files[i], files[i - 1]) == 0)
			continue;
		if (mdg_sha256_file(files[i], h) != MDG_OK)
			strcpy(h, "unreadable");
		(void)mdg_buf_printf(&b, "%s%c%s\n", mdg_path_base(files[i]), 0, h);
	}
	if (EVP_Digest(b.data ? b.data : "", b.len, md, &len, EVP_sha256(), NULL) == 1)
		hex(md, len, out);
	else
		strcpy(out, ZERO_HASH);
	mdg_buf_free(&b);
	free(files);
}

/* -------------------------------------------------------- audit trail */

struct event {
	long long seq;
	const char *at, *actor, *role, *site, *kind;
	long long submission;   /* 0: none */
	const char *detail, *input_sha, *rules_sha, *prev_hash;
};

static void
canon_field(struct mdg_buf *b, const char *name, const char *v)
{
	if (v == NULL)
		(void)mdg_buf_printf(b, "%s=-\n", name);
	else
		(void)mdg_buf_printf(b, "%s=%zu:%s\n", name, strlen(v), v);
}

/* hash = SHA-256 of the canonical form: every field named, length-prefixed. */
static int
event_hash(const struct event *ev, char out[65])
{
	struct mdg_buf b;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int rc;

	mdg_buf_init(&b, 0);
	(void)mdg_buf_printf(&b, "mdgate-event-v1\nseq=%lld\n", ev->seq);
	canon_field(&b, "at", ev->at);
	canon_field(&b, "actor", ev->actor);
	canon_field(&b, "role", ev->role);
	canon_field(&b, "site", ev->site);
	canon_field(&b, "kind", ev->kind);
	if (ev->submission > 0)
		(void)mdg_buf_printf(&b, "submission=%lld\n", ev->submission);
	else
		canon_field(&b, "submission", NULL);
	canon_field(&b, "detail", ev->detail);
	canon_field(&b, "input_sha256", ev->input_sha);
	canon_field(&b, "rules_sha256", ev->rules_sha);
	canon_field(&b, "prev_hash", ev->prev_hash);
	rc = EVP_Digest(b.data, b.len, md, &len, EVP_sha256(), NULL) == 1 ? MDG_OK : MDG_ERR;
	if (rc == MDG_OK)
		hex(md, len, out);
	mdg_buf_free(&b);
	return rc;
}

int
mdg_registry_event(struct mdg_registry *reg, const struct mdg_identity *id, const char *kind,
		   const char *site, long long submission, const char *detail_json,
		   const char *input_sha, const char *rules_sha)
{
	sqlite3_stmt *st = NULL;
	struct event ev;
	char at[64], prev[65], h[65];
	int rc = MDG_ERR, s;

	if (prepare(reg, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", &st) != MDG_OK)
		return MDG_ERR;
	strcpy(prev, ZERO_HASH);
	memset(&ev, 0, sizeof(ev));
	ev.seq = 1;
	if ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_text(st, 1);
		ev.seq = sqlite3_column_int64(st, 0) + 1;
		snprintf(prev, sizeof(prev), "%s", p ? (const char *)p : "");
	} else if (s != SQLITE_DONE) {
		fail(reg, s, "cannot read the audit trail");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	now_utc(at);
	ev.at = at;
	ev.actor = id->actor;
	ev.role = id->role;
	ev.site = site;
	ev.kind = kind;
	ev.submission = submission;
	ev.detail = detail_json;
	ev.input_sha = input_sha;
	ev.rules_sha = rules_sha;
	ev.prev_hash = prev;
	if (event_hash(&ev, h) != MDG_OK) {
		failf(reg, "cannot compute SHA-256");
		goto done;
	}
	if (prepare(reg, "INSERT INTO events(seq, at, actor, role, site, kind, submission, detail,"
			 " input_sha256, rules_sha256, prev_hash, hash)"
			 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", &st) != MDG_OK)
		goto done;
	sqlite3_bind_int64(st, 1, ev.seq);
	bind_text(st, 2, at);
	bind_text(st, 3, id->actor);
	bind_text(st, 4, id->role);
	bind_text(st, 5, site);
	bind_text(st, 6, kind);
	if (submission > 0)
		sqlite3_bind_int64(st, 7, submission);
	bind_text(st, 8, detail_json);
	bind_text(st, 9, input_sha);
	bind_text(st, 10, rules_sha);
	bind_text(st, 11, prev);
	bind_text(st, 12, h);
	if ((s = sqlite3_step(st)) != SQLITE_DONE) {
		fail(reg, s, "cannot append to the audit trail");
		goto done;
	}
	rc = MDG_OK;
done:
	sqlite3_finalize(st);
	return rc;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/*
 * The trail's end against the chain head kept beside it: deleting the last
 * event(s) leaves a chain that is sound in itself, but shorter than the head.
 * last/last_hash: the last event verified (0 and the zero hash: none).
 */
static int
verify_head(struct mdg_registry *reg, long long last, const char *last_hash,
	    long long *bad_seq, char **why)
{
	sqlite3_stmt *st = NULL;
	long long head;
	int s, rc = MDG_OK;

	if (prepare(reg, "SELECT seq, hash FROM chain_head WHERE one = 1", &st) != MDG_OK)
		return MDG_EIO;
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		*bad_seq = last + 1;
		*why = xstrdup("the chain head (the record of the last event) is missing");
		rc = MDG_ERR;
	} else if (s != SQLITE_ROW) {
		fail(reg, s, "cannot read the chain head");
		rc = MDG_EIO;
	} else {
		const char *hash = col_text(st, 1);
		head = sqlite3_column_int64(st, 0);
		if (head > last) {
			*bad_seq = last + 1;
			*why = last + 1 == head ?
			       xasprintf("the last event (%lld) was deleted: the chain head "
					 "records it", head) :
			       xasprintf("events %lld to %lld, the last ones, were deleted: the "
					 "chain head records event %lld", last + 1, head, head);
			rc = MDG_ERR;
		} else if (head < last) {
			*bad_seq = head + 1;
			*why = xasprintf("the chain head records event %lld as the last: the "
					 "events after it were added around the registry", head);
			rc = MDG_ERR;
		} else if (hash == NULL || strcmp(hash, last_hash) != 0) {
			*bad_seq = last;
			*why = xstrdup("it does not match the chain head: the last event was "
				       "replaced");
			rc = MDG_ERR;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int
mdg_registry_verify(struct mdg_registry *reg, long long *bad_seq, char **why, long long *nevents)
{
	sqlite3_stmt *st = NULL;
	char prev[65], h[65];
	long long expect = 1;
	int s, rc = MDG_OK;

	*bad_seq = 0;
	*why = NULL;
	*nevents = 0;
	if (prepare(reg, "SELECT seq, at, actor, role, site, kind, submission, detail,"
			 " input_sha256, rules_sha256, prev_hash, hash FROM events ORDER BY seq",
		    &st) != MDG_OK)
		return MDG_EIO;
	strcpy(prev, ZERO_HASH);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct event ev;
		const char *stored = col_text(st, 11);

		memset(&ev, 0, sizeof(ev));
		ev.seq = sqlite3_column_int64(st, 0);
		ev.at = col_text(st, 1);
		ev.actor = col_text(st, 2);
		ev.role = col_text(st, 3);
		ev.site = col_text(st, 4);
		ev.kind = col_text(st, 5);
		ev.submission = sqlite3_column_type(st, 6) == SQLITE_NULL ? 0 :
				sqlite3_column_int64(st, 6);
		ev.detail = col_text(st, 7);
		ev.input_sha = col_text(st, 8);
		ev.rules_sha = col_text(st, 9);
		ev.prev_hash = col_text(st, 10);
		(*nevents)++;
		if (ev.seq != expect) {
			*bad_seq = ev.seq;
			*why = xasprintf("expected event %lld, found %lld: events before it were "
					 "deleted", expect, ev.seq);
			rc = MDG_ERR;
			break;
		}
		if (ev.prev_hash == NULL || strcmp(ev.prev_hash, prev) != 0) {
			*bad_seq = ev.seq;
			*why = xstrdup("its link to the previous event does not match: an event "
				       "was deleted, inserted or reordered");
			rc = MDG_ERR;
			break;
		}
		if (event_hash(&ev, h) != MDG_OK || stored == NULL || strcmp(h, stored) != 0) {
			*bad_seq = ev.seq;
			*why = xstrdup("its content does not match its hash: the event was changed");
			rc = MDG_ERR;
			break;
		}
		snprintf(prev, sizeof(prev), "%s", stored);
		expect++;
	}
	if (rc == MDG_OK && s != SQLITE_DONE)
	{
		fail(reg, s, "cannot read the audit trail");
		rc = MDG_EIO;
	}
	sqlite3_finalize(st);
	if (rc == MDG_OK)
		rc = verify_head(reg, expect - 1, prev, bad_seq, why);
	return rc;
}

/* ---------------------------------------------------------- submissions */

enum { ST_ACCEPTED = 0, ST_REVIEW = 1, ST_REJECTED = 2 };
static const char *const state_names[] = {"accepted", "review", "rejected"};

static int make_golden(struct mdg_registry *reg, const struct mdg_identity *id,
		       long long recid, const char *at);

/* Approve an imported submission's records that have no error, at once. */
static int
import_golden(struct mdg_registry *reg, const struct mdg_identity *id, long long sub,
	      const char *at, size_t *n)
{
	sqlite3_stmt *sel = NULL, *upd = NULL, *central = NULL;
	int rc = MDG_ERR, s;

	*n = 0;
	/* By the golden row's id (make_golden's insert): from_record has no index. */
	if (prepare(reg, "UPDATE golden SET site = NULL WHERE id = ?", &central) != MDG_OK)
		return MDG_ERR;
	if (prepare(reg, "SELECT id FROM records WHERE submission = ? AND state <> 'rejected'"
			 " ORDER BY record", &sel) != MDG_OK ||
	    prepare(reg, "UPDATE records SET state = 'approved', decided_by = ?2,"
			 " decided_at = ?3, comment = 'initial import' WHERE id = ?1",
		    &upd) != MDG_OK)
		goto done;
	sqlite3_bind_int64(sel, 1, sub);
	while ((s = sqlite3_step(sel)) == SQLITE_ROW) {
		long long recid = sqlite3_column_int64(sel, 0);
		sqlite3_reset(upd);
		sqlite3_bind_int64(upd, 1, recid);
		bind_text(upd, 2, id->actor);
		bind_text(upd, 3, at);
		if ((s = sqlite3_step(upd)) != SQLITE_DONE) {
			fail(reg, s, "cannot record the import");
			goto done;
		}
		if (make_golden(reg, id, recid, at) != MDG_OK)
			goto done;
		/* The steward's import is enterprise-wide, whatever file it came from. */
		sqlite3_reset(central);
		sqlite3_bind_int64(central, 1, sqlite3_last_insert_rowid(reg->db));
		if ((s = sqlite3_step(central)) != SQLITE_DONE) {
			fail(reg, s, "cannot record the import");
			goto done;
		}
		(*n)++;
	}
	if (s != SQLITE_DONE) {
		fail(reg, s, "cannot read the records");
		goto done;
	}
	rc = MDG_OK;
done:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_finalize(central);
	return rc;
}

static int
submit_tx(struct mdg_registry *reg, const struct mdg_identity *id,
	  const struct mdg_report *rep, const struct mdg_reg_record *recs, size_t nrecs,
	  char (*input_sha)[65], const char *rules_sha, long long *ids, bool import)
{
	sqlite3_stmt *ins_sub = NULL, *ins_rec = NULL, *ins_find = NULL, *upd_sub = NULL;
	sqlite3_stmt *ins_sus = NULL;
	unsigned char **states = NULL;
	long long **recids = NULL;
	size_t i, f, counts[3];
	char at[64];
	int rc = MDG_ERR, s;

	states = xcalloc(rep->nfiles ? rep->nfiles : 1, sizeof(*states));
	recids = xcalloc(rep->nfiles ? rep->nfiles : 1, sizeof(*recids));
	for (f = 0; f < rep->nfiles; f++) {
		size_t n = rep->files[f].records;
		states[f] = xcalloc(n ? n : 1, 1);
		recids[f] = xcalloc(n ? n : 1, sizeof(**recids));
	}
	for (i = 0; i < rep->findings.n; i++) {
		const struct mdg_diag *d = &rep->findings.v[i];
		size_t fi = d->file_index;
		unsigned char st;
		if (fi >= rep->nfiles || d->record <= 0 ||
		    (size_t)d->record > rep->files[fi].records)
			continue;
		st = d->severity == MDG_SEV_ERROR ? ST_REJECTED :
		     d->severity == MDG_SEV_WARNING ? ST_REVIEW : ST_ACCEPTED;
		if (st > states[fi][d->record - 1])
			states[fi][d->record - 1] = st;
	}
	now_utc(at);
	if (mdg_registry_begin(reg) != MDG_OK)
		goto out;
	if (prepare(reg, "INSERT INTO submissions(site, domain, file, input_sha256, rules_sha256,"
			 " submitted_by, submitted_at) VALUES (?,?,?,?,?,?,?)", &ins_sub) ||
	    prepare(reg, "INSERT INTO records(submission, record, line, site, domain, key, vals,"
			 " state) VALUES (?,?,?,?,?,?,?,?)", &ins_rec) ||
	    prepare(reg, "INSERT INTO findings(submission, record, code, severity, field,"
			 " message, line) VALUES (?,?,?,?,?,?,?)", &ins_find) ||
	    prepare(reg, "UPDATE submissions SET records=?, accepted=?, rejected=?, review=?"
			 " WHERE id=?", &upd_sub))
		goto fail;
	for (f = 0; f < rep->nfiles; f++) {
		const struct mdg_file_result *fr = &rep->files[f];
		sqlite3_reset(ins_sub);
		bind_text(ins_sub, 1, fr->site);
		bind_text(ins_sub, 2, fr->domain ? fr->domain : "");
		bind_text(ins_sub, 3, fr->path);
		bind_text(ins_sub, 4, input_sha[f]);
		bind_text(ins_sub, 5, rules_sha);
		bind_text(ins_sub, 6, id->actor);
		bind_text(ins_sub, 7, at);
		if ((s = sqlite3_step(ins_sub)) != SQLITE_DONE) {
			fail(reg, s, "cannot store the submission");
			goto fail;
		}
		ids[f] = sqlite3_last_insert_rowid(reg->db);
	}
	for (i = 0; i < nrecs; i++) {
		const struct mdg_reg_record *r = &recs[i];
		const struct mdg_file_result *fr;
		if (r->file_index >= rep->nfiles || r->record <= 0 ||
		    (size_t)r->record > rep->files[r->file_index].records)
			continue;
		fr = &rep->files[r->file_index];
		sqlite3_reset(ins_rec);
		sqlite3_bind_int64(ins_rec, 1, ids[r->file_index]);
		sqlite3_bind_int64(ins_rec, 2, r->record);
		sqlite3_bind_int64(ins_rec, 3, r->line);
		bind_text(ins_rec, 4, fr->site);
		bind_text(ins_rec, 5, fr->domain ? fr->domain : "");
		bind_text(ins_rec, 6, r->key);
		bind_text(ins_rec, 7, r->values ? r->values : "{}");
		bind_text(ins_rec, 8, state_names[states[r->file_index][r->record - 1]]);
		if ((s = sqlite3_step(ins_rec)) != SQLITE_DONE) {
			fail(reg, s, "cannot store a record");
			goto fail;
		}
		recids[r->file_index][r->record - 1] = sqlite3_last_insert_rowid(reg->db);
	}
	for (i = 0; i < rep->findings.n; i++) {
		const struct mdg_diag *d = &rep->findings.v[i];
		size_t fi = d->file_index;
		if (fi >= rep->nfiles)
			continue;
		sqlite3_reset(ins_find);
		sqlite3_bind_int64(ins_find, 1, ids[fi]);
		if (d->record > 0 && (size_t)d->record <= rep->files[fi].records &&
		    recids[fi][d->record - 1] > 0)
			sqlite3_bind_int64(ins_find, 2, recids[fi][d->record - 1]);
		else
			sqlite3_bind_null(ins_find, 2);
		bind_text(ins_find, 3, d->code ? d->code : "");
		bind_text(ins_find, 4, mdg_severity_name(d->severity));
		bind_text(ins_find, 5, d->field);
		bind_text(ins_find, 6, d->message ? d->message : "");
		sqlite3_bind_int64(ins_find, 7, d->line);
		if ((s = sqlite3_step(ins_find)) != SQLITE_DONE) {
			fail(reg, s, "cannot store a finding");
			goto fail;
		}
	}
	for (i = 0; i < rep->ndups; i++) {
		const struct mdg_dup_pair *dp = &rep->dups[i];
		long long rid;

		if (dp->file_b >= rep->nfiles || dp->record_b <= 0 ||
		    (size_t)dp->record_b > rep->files[dp->file_b].records || dp->key_a == NULL ||
		    (rid = recids[dp->file_b][dp->record_b - 1]) <= 0)
			continue;
		if (ins_sus == NULL &&
		    prepare(reg, "INSERT INTO match_suspects(record, domain, other_key, other_site,"
				 " in_registry, score) VALUES (?,?,?,?,?,?)", &ins_sus) != MDG_OK)
			goto fail;
		sqlite3_reset(ins_sus);
		sqlite3_bind_int64(ins_sus, 1, rid);
		bind_text(ins_sus, 2, dp->domain);
		bind_text(ins_sus, 3, dp->key_a);
		bind_text(ins_sus, 4, dp->site_a);
		sqlite3_bind_int(ins_sus, 5, dp->file_a == MDG_DUP_REGISTRY);
		sqlite3_bind_double(ins_sus, 6, dp->score);
		if ((s = sqlite3_step(ins_sus)) != SQLITE_DONE) {
			fail(reg, s, "cannot store a suspected duplicate");
			goto fail;
		}
	}
	for (f = 0; f < rep->nfiles; f++) {
		const struct mdg_file_result *fr = &rep->files[f];
		json_t *detail;
		char *dj;
		size_t nfind = 0;
		memset(counts, 0, sizeof(counts));
		for (i = 0; i < fr->records; i++)
			counts[states[f][i]]++;
		for (i = 0; i < rep->findings.n; i++)
			if (rep->findings.v[i].file_index == f)
				nfind++;
		sqlite3_reset(upd_sub);
		sqlite3_bind_int64(upd_sub, 1, (long long)fr->records);
		sqlite3_bind_int64(upd_sub, 2, (long long)counts[ST_ACCEPTED]);
		sqlite3_bind_int64(upd_sub, 3, (long long)counts[ST_REJECTED]);
		sqlite3_bind_int64(upd_sub, 4, (long long)counts[ST_REVIEW]);
		sqlite3_bind_int64(upd_sub, 5, ids[f]);
		if ((s = sqlite3_step(upd_sub)) != SQLITE_DONE) {
			fail(reg, s, "cannot store the submission's totals");
			goto fail;
		}
		detail = json_pack("{s:s, s:s?, s:I, s:I, s:I, s:I, s:I}", "file", fr->path,
				   "domain", fr->domain, "records", (json_int_t)fr->records,
				   "accepted", (json_int_t)counts[ST_ACCEPTED],
				   "rejected", (json_int_t)counts[ST_REJECTED],
				   "review", (json_int_t)counts[ST_REVIEW],
				   "findings", (json_int_t)nfind);
		if (import) {
			size_t ngolden;
			if (import_golden(reg, id, ids[f], at, &ngolden) != MDG_OK) {
				json_decref(detail);
				goto fail;
			}
			json_object_set_new(detail, "golden", json_integer((json_int_t)ngolden));
		}
		dj = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(detail);
		s = mdg_registry_event(reg, id, import ? "imported" : "submitted", fr->site, ids[f],
				       dj, input_sha[f], rules_sha);
		free(dj);
		if (s != MDG_OK)
			goto fail;
	}
	if (import && reg->e != NULL && mdg_match_index_sync(reg, reg->e, false) != MDG_OK)
		goto fail;
	if (mdg_registry_commit(reg) != MDG_OK)
		goto out;
	rc = MDG_OK;
	goto out;
fail:
	mdg_registry_rollback(reg);
out:
	sqlite3_finalize(ins_sus);
	sqlite3_finalize(ins_sub);
	sqlite3_finalize(ins_rec);
	sqlite3_finalize(ins_find);
	sqlite3_finalize(upd_sub);
	for (f = 0; f < rep->nfiles; f++) {
		free(states[f]);
		free(recids[f]);
	}
	free(states);
	free(recids);
	return rc;
}

int
mdg_registry_submit(struct mdg_registry *reg, const struct mdg_identity *id,
		    const struct mdg_report *rep, const struct mdg_reg_record *recs, size_t nrecs,
		    char (*input_sha)[65], const char *rules_sha, long long *ids)
{
	return submit_tx(reg, id, rep, recs, nrecs, input_sha, rules_sha, ids, false);
}

int
mdg_registry_import(struct mdg_registry *reg, const struct mdg_identity *id,
		    const struct mdg_report *rep, const struct mdg_reg_record *recs, size_t nrecs,
		    char (*input_sha)[65], const char *rules_sha, long long *ids)
{
	if (!id->steward) {
		char *why = xasprintf("only the central steward may import golden records; "
				      "site %s may not", id->site);
		if (mdg_registry_refused(reg, id, 0, "import", why) == MDG_OK) {
			free(reg->err);
			reg->err = xasprintf("refused: %s", why);
		}
		free(why);
		return MDG_EREFUSED;
	}
	return submit_tx(reg, id, rep, recs, nrecs, input_sha, rules_sha, ids, true);
}

/* ------------------------------------------------------------ decisions */

int
mdg_registry_refused(struct mdg_registry *reg, const struct mdg_identity *id,
		     long long submission, const char *what, const char *why)
{
	json_t *detail;
	char *dj;
	int rc;

	if (mdg_registry_begin(reg) != MDG_OK)
		return MDG_ERR;
	detail = json_pack("{s:s, s:s}", "action", what, "reason", why);
	dj = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(detail);
	rc = mdg_registry_event(reg, id, "refused", id->site, submission, dj, NULL, NULL);
	free(dj);
	if (rc != MDG_OK) {
		mdg_registry_rollback(reg);
		return MDG_ERR;
	}
	return mdg_registry_commit(reg);
}

static int
make_golden(struct mdg_registry *reg, const struct mdg_identity *id, long long recid,
	    const char *at)
{
	int s;

	/* The key's current row stops being current; the new one is the next version. */
	if (reg->g_old == NULL &&
	    prepare(reg, "UPDATE golden SET is_current = 0 WHERE is_current AND"
			 " (domain, key) = (SELECT domain, COALESCE(key, '#' || id) FROM records"
			 " WHERE id = ?1)", &reg->g_old) != MDG_OK)
		return MDG_ERR;
	if (reg->g_new == NULL &&
	    prepare(reg, "INSERT INTO golden(domain, key, version, site, vals, from_record,"
			 " approved_by, approved_at, is_current)"
			 " SELECT r.domain, COALESCE(r.key, '#' || r.id),"
			 "  1 + COALESCE((SELECT MAX(g.version) FROM golden g WHERE g.domain ="
			 "   r.domain AND g.key = COALESCE(r.key, '#' || r.id)), 0),"
			 "  r.site, r.vals, r.id, ?2, ?3, 1 FROM records r WHERE r.id = ?1",
		    &reg->g_new) != MDG_OK)
		return MDG_ERR;
	sqlite3_reset(reg->g_old);
	sqlite3_bind_int64(reg->g_old, 1, recid);
	s = sqlite3_step(reg->g_old);
	sqlite3_reset(reg->g_old);
	if (s != SQLITE_DONE)
		return fail(reg, s, "cannot update a golden record");
	sqlite3_reset(reg->g_new);
	sqlite3_bind_int64(reg->g_new, 1, recid);
	bind_text(reg->g_new, 2, id->actor);
	bind_text(reg->g_new, 3, at);
	s = sqlite3_step(reg->g_new);
	sqlite3_reset(reg->g_new);
	if (s != SQLITE_DONE)
		return fail(reg, s, "cannot write a golden record");
	return MDG_OK;
}

/*
 * The steward's word on the suspected pairs of a decided record: each
 * becomes a remembered decision on the pair of keys.
 */
static int
decide_pairs(struct mdg_registry *reg, const struct mdg_identity *id, long long recid,
	     bool same, const char *comment)
{
	sqlite3_stmt *st = NULL;
	int s, rc = MDG_OK;

	if (prepare(reg, "SELECT r.key, s.domain, s.other_key FROM match_suspects s JOIN records r"
			 " ON r.id = s.record WHERE s.record = ? AND r.key IS NOT NULL", &st) !=
	    MDG_OK)
		return MDG_ERR;
	sqlite3_bind_int64(st, 1, recid);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (mdg_match_decide(reg, col_text(st, 1), col_text(st, 0), col_text(st, 2), same,
				     id->actor, comment) != MDG_OK) {
			rc = MDG_ERR;
			break;
		}
	}
	if (rc == MDG_OK && s != SQLITE_DONE)
		rc = fail(reg, s, "cannot read the suspected duplicates");
	sqlite3_finalize(st);
	return rc;
}

int
mdg_registry_decide(struct mdg_registry *reg, const struct mdg_identity *id,
		    long long submission, const long *records, size_t nrecords, bool approve,
		    const char *comment, size_t *changed)
{
	return mdg_registry_decide_ex(reg, id, submission, records, nrecords, approve,
				      approve ? MDG_PAIRS_DIFFERENT : MDG_PAIRS_UNDECIDED,
				      comment, changed);
}

int
mdg_registry_decide_ex(struct mdg_registry *reg, const struct mdg_identity *id,
		       long long submission, const long *records, size_t nrecords, bool approve,
		       enum mdg_pair_verdict pairs, const char *comment, size_t *changed)
{
	sqlite3_stmt *sub = NULL, *sel = NULL, *upd = NULL;
	const char *what = approve ? "approve" : "reject";
	char *site = NULL, *input_sha = NULL, *rules_sha = NULL, *why = NULL, *dj = NULL;
	json_t *nums = json_array(), *detail;
	char at[64];
	size_t i;
	int rc = MDG_ERR, s;

	*changed = 0;
	if (mdg_registry_begin(reg) != MDG_OK)
		goto out;
	if (prepare(reg, "SELECT site, input_sha256, rules_sha256 FROM submissions WHERE id = ?",
		    &sub) != MDG_OK)
		goto fail;
	sqlite3_bind_int64(sub, 1, submission);
	if ((s = sqlite3_step(sub)) != SQLITE_ROW) {
		if (s == SQLITE_DONE) {
			free(reg->err);
			reg->err = xasprintf("%s: there is no submission %lld", reg->path,
					     submission);
		} else {
			fail(reg, s, "cannot read the submission");
		}
		goto fail;
	}
	if (sqlite3_column_type(sub, 0) != SQLITE_NULL)
		site = xstrdup(col_text(sub, 0));
	input_sha = xstrdup(col_text(sub, 1));
	rules_sha = xstrdup(col_text(sub, 2));
	if (!id->steward) {
		if (site == NULL)
			why = xasprintf("submission %lld is enterprise-wide: only the central "
					"steward may %s it", submission, what);
		else if (strcmp(site, id->site) != 0)
			why = xasprintf("submission %lld belongs to site %s: site %s may not %s "
					"it", submission, site, id->site, what);
	}
	if (why != NULL) {
		sqlite3_reset(sub);
		mdg_registry_rollback(reg);
		if (mdg_registry_refused(reg, id, submission, what, why) != MDG_OK)
			goto out;
		free(reg->err);
		reg->err = xasprintf("refused: %s", why);
		rc = MDG_EREFUSED;
		goto out;
	}
	now_utc(at);
	if (prepare(reg, "SELECT id, record, state FROM records WHERE submission = ?1 AND"
			 " (?2 = 0 OR record = ?2) AND (?2 <> 0 OR state IN ('accepted','review'))"
			 " ORDER BY record", &sel) != MDG_OK ||
	    prepare(reg, "UPDATE records SET state = ?2, decided_by = ?3, decided_at = ?4,"
			 " comment = ?5 WHERE id = ?1", &upd) != MDG_OK)
		goto fail;
	for (i = 0; i < (nrecords ? nrecords : 1); i++) {
		bool any = false;
		sqlite3_reset(sel);
		sqlite3_bind_int64(sel, 1, submission);
		sqlite3_bind_int64(sel, 2, nrecords ? records[i] : 0);
		while ((s = sqlite3_step(sel)) == SQLITE_ROW) {
			long long recid = sqlite3_column_int64(sel, 0);
			long long num = sqlite3_column_int64(sel, 1);
			const char *state = col_text(sel, 2);
			any = true;
			if (strcmp(state, "accepted") != 0 && strcmp(state, "review") != 0) {
				free(reg->err);
				reg->err = xasprintf("%s: record %lld of submission %lld is %s, not "
						     "waiting for a decision; nothing was changed",
						     reg->path, num, submission, state);
				goto fail;
			}
			sqlite3_reset(upd);
			sqlite3_bind_int64(upd, 1, recid);
			bind_text(upd, 2, approve ? "approved" : "rejected");
			bind_text(upd, 3, id->actor);
			bind_text(upd, 4, at);
			bind_text(upd, 5, comment);
			if ((s = sqlite3_step(upd)) != SQLITE_DONE) {
				fail(reg, s, "cannot record the decision");
				goto fail;
			}
			if (approve && make_golden(reg, id, recid, at) != MDG_OK)
				goto fail;
			if (pairs != MDG_PAIRS_UNDECIDED &&
			    decide_pairs(reg, id, recid, pairs == MDG_PAIRS_SAME, comment) != MDG_OK)
				goto fail;
			json_array_append_new(nums, json_integer(num));
			(*changed)++;
		}
		if (s != SQLITE_DONE) {
			fail(reg, s, "cannot read the records");
			goto fail;
		}
		if (nrecords && !any) {
			free(reg->err);
			reg->err = xasprintf("%s: submission %lld has no record %ld; nothing was "
					     "changed", reg->path, submission, records[i]);
			goto fail;
		}
	}
	if (approve && reg->e != NULL && mdg_match_index_sync(reg, reg->e, false) != MDG_OK)
		goto fail;
	detail = json_pack("{s:O, s:I, s:s?}", "records", nums, "count", (json_int_t)*changed,
			   "comment", comment);
	if (pairs != MDG_PAIRS_UNDECIDED)
		json_object_set_new(detail, "pairs",
				    json_string(pairs == MDG_PAIRS_SAME ? "same" : "different"));
	dj = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(detail);
	if (mdg_registry_event(reg, id, approve ? "approved" : "rejected", site, submission, dj,
			       input_sha, rules_sha) != MDG_OK)
		goto fail;
	if (mdg_registry_commit(reg) != MDG_OK)
		goto out;
	rc = MDG_OK;
	goto out;
fail:
	mdg_registry_rollback(reg);
	*changed = 0;
out:
	sqlite3_finalize(sub);
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	json_decref(nums);
	free(site);
	free(input_sha);
	free(rules_sha);
	free(why);
	free(dj);
	return rc;
}

/* ------------------------------------------------------------ lookups */

int
mdg_registry_golden_find(struct mdg_registry *reg, const char *domain, const char *key,
			 size_t len, struct mdg_golden_hit *hit)
{
	int s, rc;

	memset(hit, 0, sizeof(*hit));
	if (reg->find == NULL &&
	    prepare(reg, "SELECT g.site, r.submission, r.record, g.vals, g.version FROM golden g"
			 " LEFT JOIN records r ON r.id = g.from_record"
			 " WHERE g.domain = ?1 AND g.key = ?2 AND g.is_current", &reg->find) != MDG_OK)
		return MDG_ERR;
	sqlite3_reset(reg->find);
	sqlite3_bind_text(reg->find, 1, domain, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(reg->find, 2, key, (int)len, SQLITE_TRANSIENT);
	s = sqlite3_step(reg->find);
	if (s == SQLITE_ROW) {
		if (sqlite3_column_type(reg->find, 0) != SQLITE_NULL)
			hit->site = xstrdup(col_text(reg->find, 0));
		hit->submission = sqlite3_column_int64(reg->find, 1);
		hit->record = (long)sqlite3_column_int64(reg->find, 2);
		hit->values = xstrdup(col_text(reg->find, 3));
		hit->version = (long)sqlite3_column_int64(reg->find, 4);
		rc = 1;
	} else if (s == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = fail(reg, s, "cannot look up a golden record");
	}
	sqlite3_reset(reg->find);
	return rc;
}

void
mdg_golden_hit_free(struct mdg_golden_hit *hit)
{
	free(hit->site);
	free(hit->values);
	memset(hit, 0, sizeof(*hit));
}
