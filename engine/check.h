/*
 * check.h - checking submission files against the domain definitions.
 *
 * The files of one run are taken in dependency order (units before items,
 * work centers before routing operations), so that a reference may be
 * satisfied by a record of another file of the same run.  Each record is
 * checked field by field (types and constraints), then for its business
 * key (unique within the run) and its references; every record ends
 * accepted or rejected, and the report's totals add up.
 *
 * Memory: records are streamed; what is kept per record is one state byte
 * and its business key (for uniqueness and references), and for a domain
 * with a match: section the compared fields of its accepted records (at
 * most MDG_CHECK_MATCH_MAX per domain, check.c), compared after the run
 * for suspected duplicates (dup.suspect warnings).
 */
#ifndef MDG_CHECK_H
#define MDG_CHECK_H

#include "enterprise.h"
#include "report.h"

struct mdg_registry;
struct mdg_domain;
struct mdg_match_set;
struct mdg_match_pair;
struct mdg_progress;

/* A record of a duplicate-detection set: where it comes from. */
struct mdg_dup_record {
	const char *path;
	size_t record;          /* 1-based record number in its file */
	long line;
	const char *key;        /* business key, NULL: none */
};

struct mdg_check_opts {
	const char *site;       /* --site, NULL: from the file name */
	const char *domain;     /* --domain, NULL: from the file name */
	int delimiter;          /* --delimiter, 0: the site's or detected */
	const char *encoding;   /* --encoding, NULL: the site's or UTF-8 */
	size_t max_field;       /* 0: default */
	size_t max_record;      /* 0: default */
	size_t max_findings;    /* findings kept in the report, 0: no bound */
	bool no_dedup;          /* --no-dedup: no duplicate search at all */
	unsigned threads;       /* for the registry search, 0: the processors online */
	bool search_progress;   /* the registry search: a progress line on standard error */
	/* Called after each record with its values as a JSON object keyed by
	 * field (the site's local codes mapped), for `mdgate submit`. */
	void (*on_record)(void *arg, size_t file_index, long record, long line,
			  const char *key, const char *values_json);
	void *on_record_arg;
	/* The registry, NULL: none.  Keys must be unique against its current
	 * golden rows of other sites; references and ref() find its rows. */
	struct mdg_registry *registry;
	/* Called once per domain with a match: section and at least two
	 * accepted records, after the run: the set of those records (record r
	 * is recs[r]) and every candidate pair, scored, sorted by (b, a).  For
	 * `mdgate dedup`; everything dies when the call returns. */
	void (*on_duplicates)(void *arg, const struct mdg_domain *dom,
			      const struct mdg_match_set *set, const struct mdg_dup_record *recs,
			      const struct mdg_match_pair *pairs, size_t npairs);
	void *on_duplicates_arg;
	/* --changed-since REV: findings and totals of the records on lines
	 * changed since REV only (changed.c); NULL: every record. */
	const char *changed_since;
	/* Progress on a terminal (progress.h), NULL: none. */
	struct mdg_progress *progress;
};

/* check.c */
/*
 * Check the files.  Problems with the data become findings in rep; a
 * problem that stops the run (an unknown site or domain, a file that
 * cannot be read) goes to fatal and MDG_ERR/MDG_EIO is returned.
 */
int mdg_check_files(const struct mdg_enterprise *e, const struct mdg_check_opts *o,
		    char *const *files, size_t nfiles, struct mdg_report *rep,
		    struct mdg_diags *fatal);

/* changed.c */
/*
 * Keep only the records on lines changed since git revision rev (git diff
 * --unified=0 rev -- FILE): their findings, states and totals.  A file git
 * does not track counts whole; an unchanged file counts no record.  A
 * revision git does not know is fatal (MDG_ERR).
 */
int mdg_changed_filter(struct mdg_report *rep, const char *rev, struct mdg_diags *fatal);

#endif
