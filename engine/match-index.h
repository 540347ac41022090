/*
 * match-index.h - duplicate detection against the registry: the golden
 * records of every domain with a match section, kept normalised in the
 * registry with postings of their block-key tokens, so that a check loads
 * them instead of normalising and indexing a million records again.
 *
 * Tables (registry schema, engine/registry.c):
 *   match_records   one row per current golden record of a matched
 *                   domain: its key, site, and the compared fields as
 *                   given and normalised (joined by U+001F).
 *   match_index     per domain: the postings of the block-key tokens of
 *                   the records up to golden id `upto` (a blob, below),
 *                   and the digest of the domain definition they were
 *                   built with.  Records added later (golden > upto) are
 *                   indexed in memory when loaded; when they grow past a
 *                   quarter of the stored ones, the next sync rebuilds
 *                   the postings.
 *   match_decisions a steward's decision on a pair of keys: the same
 *                   record, or different records; a decided pair is not
 *                   raised as a suspect again.
 *
 * The postings blob: "MDGMIX1\n", uint32 number of keys, then per key a
 * uint64 count n, n uint64 tokens (ascending) and n uint32 golden ids,
 * all little-endian.
 *
 * Ownership: an index owns its match set; the set's records 0..count-1 are
 * the golden ones, and a check adds its own records after them.
 */
#ifndef MDG_MATCH_INDEX_H
#define MDG_MATCH_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "domain.h"
#include "match.h"

struct mdg_registry;
struct mdg_enterprise;
struct mdg_match_index;

/* A suspected pair: a golden record (index) and a record of the check. */
struct mdg_match_link {
	size_t golden;		/* record number in the index's set */
	size_t rec;		/* record number in the index's set (added) */
	double score;
};

struct mdg_match_index_stats {
	size_t golden;		/* golden records loaded */
	size_t delta;		/* of which indexed in memory (after upto) */
	size_t probes;		/* records searched */
	size_t postings;	/* posting entries read */
	size_t stop_tokens;	/* tokens skipped as too frequent */
	size_t candidates;	/* pairs scored */
	size_t pairs;		/* pairs at or above the review threshold */
	bool rebuilt;		/* the stored index was missing or stale */
};

/*
 * Bring the match records of every matched domain up to date with the
 * golden table, inside the caller's transaction: new current golden rows
 * get a row, superseded ones lose theirs; the stored postings are rebuilt
 * when missing, built with another definition, when the rows past them
 * exceed a quarter of them, or always with force.  Errors are kept in the
 * registry (mdg_registry_error).
 */
int mdg_match_index_sync(struct mdg_registry *reg, const struct mdg_enterprise *e, bool force);

/*
 * Load the domain's golden records and postings.  A domain without a
 * match section has no index (*out = NULL, MDG_OK).  When the stored
 * postings are missing or stale, they are built in memory from the golden
 * table (stats->rebuilt).
 */
int mdg_match_index_load(struct mdg_registry *reg, const struct mdg_domain *dom,
			 struct mdg_match_index **out);
/* Only the steward's decisions of the domain (no records). */
int mdg_match_index_load_decisions(struct mdg_registry *reg, const struct mdg_domain *dom,
				   struct mdg_match_index **out);
void mdg_match_index_free(struct mdg_match_index *ix);
/* The set: golden records first, then whatever the caller adds. */
struct mdg_match_set *mdg_match_index_set(struct mdg_match_index *ix);
size_t mdg_match_index_golden(const struct mdg_match_index *ix);
const char *mdg_match_index_key(const struct mdg_match_index *ix, size_t i);
const char *mdg_match_index_site(const struct mdg_match_index *ix, size_t i);

/*
 * Search the golden records for each record from..to-1 of the set (added
 * after the golden ones), with nthreads threads (0: the processors
 * online).  *out receives the pairs scoring at least the review
 * threshold, ordered by record, then by score (best first), then golden
 * record.  progress, when not
 * NULL, is called now and then from the calling thread with the records
 * done.  Returns the number of pairs.
 */
size_t mdg_match_index_search(struct mdg_match_index *ix, size_t from, size_t to,
			      unsigned nthreads, struct mdg_match_link **out,
			      void (*progress)(void *arg, size_t done, size_t total),
			      void *progress_arg);
void mdg_match_index_stats(const struct mdg_match_index *ix, struct mdg_match_index_stats *st);

/*
 * Steward decisions on pairs of keys of a domain.  mdg_match_decision
 * returns 1 (same), 0 (different) or -1 (none) from the loaded index's
 * decisions; mdg_match_decide records one inside the caller's transaction.
 */
int mdg_match_decision(const struct mdg_match_index *ix, const char *key_a, const char *key_b);
int mdg_match_decide(struct mdg_registry *reg, const char *domain, const char *key_a,
		     const char *key_b, bool same, const char *actor, const char *comment);

#endif
