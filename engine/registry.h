/*
 * registry.h - the SQLite registry: submissions, their records and
 * findings, golden (approved) records with their versions, and an
 * append-only audit trail whose events are chained by SHA-256.
 *
 * Every mutating operation is one transaction (BEGIN IMMEDIATE ... COMMIT)
 * that also appends its event(s); on any error it is rolled back and the
 * registry is as it was.  Errors are kept as a message naming the registry
 * file (mdg_registry_error); nothing is printed from here.
 *
 * Ownership: struct mdg_registry owns its connection (mdg_registry_close).
 */
#ifndef MDG_REGISTRY_H
#define MDG_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "enterprise.h"
#include "report.h"

#define MDG_REGISTRY_SCHEMA_VERSION 4
#define MDG_EREFUSED (-10)   /* the identity may not do this (recorded as an event) */

struct mdg_registry;

/* Who acts: the central steward, or a site. */
struct mdg_identity {
	char *actor;   /* the person's name */
	bool steward;
	char *site;    /* the site's code when !steward */
	char *role;    /* "steward" or "site:CODE", for the trail */
};

/* One record of a checked file, as submit keeps it. */
struct mdg_reg_record {
	size_t file_index;
	long record;      /* 1-based number in its file */
	long line;
	char *key;        /* readable business key, may be NULL */
	char *values;     /* JSON object keyed by field */
};

/*
 * The records of a check as its on_record callback gives them, kept for
 * submit and export: pass mdg_reg_records_collect as on_record with a
 * zeroed struct mdg_reg_records as its argument.
 */
struct mdg_reg_records {
	struct mdg_reg_record *v;
	size_t n, cap;
};
void mdg_reg_records_collect(void *arg, size_t file_index, long record, long line,
			     const char *key, const char *values_json);
void mdg_reg_records_free(struct mdg_reg_records *c);

/* registry.c */
/* The registry's path: the explicit one, else the configuration's; NULL: none. */
char *mdg_registry_path(const struct mdg_enterprise *e, const char *explicit_path);
/*
 * Open the registry.  With create, its folder and file are made when
 * missing and the schema is brought to the current version; without, a
 * missing file is an error.  On error *errmsg (malloc'd) says why.
 */
int mdg_registry_open(struct mdg_registry **out, const char *path, bool create, char **errmsg);
void mdg_registry_close(struct mdg_registry *reg);
const char *mdg_registry_error(const struct mdg_registry *reg);
const char *mdg_registry_file(const struct mdg_registry *reg);
struct sqlite3 *mdg_registry_db(struct mdg_registry *reg);
int mdg_registry_schema_version(struct mdg_registry *reg);

/* Identity from --as (or $MDGATE_ROLE) and $MDGATE_ACTOR/$USER; NULL role: none given. */
int mdg_identity_parse(struct mdg_identity *id, const char *role, char **errmsg);
void mdg_identity_free(struct mdg_identity *id);

/* Lowercase hex SHA-256 of a file, or of the definitions and rules in force. */
int mdg_sha256_file(const char *path, char hex[65]);
void mdg_sha256_definitions(const struct mdg_enterprise *e, char hex[65]);

/*
 * Store the checked files as submissions (one per file), their records
 * and findings, and one "submitted" event per file.  A record's state is
 * rejected (an error finding), review (warnings only) or accepted (no
 * finding).  ids receives one submission id per report file.
 */
int mdg_registry_submit(struct mdg_registry *reg, const struct mdg_identity *id,
			const struct mdg_report *rep, const struct mdg_reg_record *recs,
			size_t nrecs, char (*input_sha)[65], const char *rules_sha,
			long long *ids);

/*
 * The same as a submission made by the steward, and every record without
 * an error becomes golden at once (records with errors are refused and
 * stay rejected).  Only the steward may import (MDG_EREFUSED, recorded).
 */
int mdg_registry_import(struct mdg_registry *reg, const struct mdg_identity *id,
			const struct mdg_report *rep, const struct mdg_reg_record *recs,
			size_t nrecs, char (*input_sha)[65], const char *rules_sha,
			long long *ids);

/*
 * Approve or reject records of a submission (all waiting ones when
 * nrecords is 0).  Approval makes golden rows (a new version when the key
 * has one).  A refusal returns MDG_EREFUSED and is recorded as an event.
 * *changed receives how many records changed state.
 */
int mdg_registry_decide(struct mdg_registry *reg, const struct mdg_identity *id,
			long long submission, const long *records, size_t nrecords,
			bool approve, const char *comment, size_t *changed);

/* What deciding a record says of its suspected duplicates (match_suspects). */
enum mdg_pair_verdict {
	MDG_PAIRS_UNDECIDED,	/* nothing */
	MDG_PAIRS_DIFFERENT,	/* each pair is two different records */
	MDG_PAIRS_SAME		/* each pair is the same record twice */
};
/*
 * mdg_registry_decide with the verdict on the decided records' suspected
 * pairs made explicit (mdg_registry_decide: approve says different,
 * reject says nothing).  The verdicts are remembered in match_decisions.
 */
int mdg_registry_decide_ex(struct mdg_registry *reg, const struct mdg_identity *id,
			   long long submission, const long *records, size_t nrecords,
			   bool approve, enum mdg_pair_verdict pairs, const char *comment,
			   size_t *changed);

/* Record a refusal in its own transaction. */
int mdg_registry_refused(struct mdg_registry *reg, const struct mdg_identity *id,
			 long long submission, const char *what, const char *why);

/* Append one event inside the caller's transaction. */
int mdg_registry_event(struct mdg_registry *reg, const struct mdg_identity *id,
		       const char *kind, const char *site, long long submission,
		       const char *detail_json, const char *input_sha, const char *rules_sha);

/* The current golden row of a key (the readable key, parts joined by '/'). */
struct mdg_golden_hit {
	char *site;             /* NULL: enterprise-wide */
	long long submission;   /* 0: none */
	long record;
	long version;
	char *values;           /* JSON object */
};
/* 1 found, 0 not found, MDG_ERR on a registry error. */
int mdg_registry_golden_find(struct mdg_registry *reg, const char *domain, const char *key,
			     size_t len, struct mdg_golden_hit *hit);
void mdg_golden_hit_free(struct mdg_golden_hit *hit);

/*
 * Keep the match index (match-index.h) of the enterprise's domains up to
 * date in every transaction that makes golden records; without it (NULL)
 * the index is brought up to date by the next one that has it.
 */
void mdg_registry_set_enterprise(struct mdg_registry *reg, const struct mdg_enterprise *e);
/* For the registry's own modules: keep an error message (MDG_ERR returned). */
int mdg_registry_fail(struct mdg_registry *reg, int sqlite_rc, const char *what);
int mdg_registry_failf(struct mdg_registry *reg, const char *msg);
/* The current UTC time as the registry writes it. */
void mdg_registry_now(char buf[64]);

int mdg_registry_begin(struct mdg_registry *reg);
int mdg_registry_commit(struct mdg_registry *reg);
void mdg_registry_rollback(struct mdg_registry *reg);
/*
 * A read transaction, for a run of lookups (a check): they all see one
 * state of the registry, and none takes and drops the file's lock of its
 * own (a check of 100 k items against 1 M golden ones: 0.58 s -> 0.25 s).
 * Nothing may be written before mdg_registry_read_end.
 */
int mdg_registry_read_begin(struct mdg_registry *reg);
void mdg_registry_read_end(struct mdg_registry *reg);

/*
 * Recompute the hash chain.  Returns MDG_OK when intact; otherwise
 * MDG_ERR with *bad_seq the first bad event and *why (malloc'd) the reason.
 */
int mdg_registry_verify(struct mdg_registry *reg, long long *bad_seq, char **why,
			long long *nevents);

#endif
