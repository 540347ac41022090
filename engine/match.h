/*
 * match.h - record matching: field comparisons, weighted and
 * Fellegi-Sunter scoring, candidate search without comparing all pairs,
 * EM estimation of m/u, clustering and explanations.
 *
 * Records are arrays of UTF-8 field strings.  A matcher (struct
 * mdg_matcher, filled in by the caller) says which fields are compared,
 * how (normaliser chain, measure) and what each comparison is worth.  A
 * record set (struct mdg_match_set) holds the records with every compared
 * field already normalised and decoded, so a pair costs only the measures.
 *
 * Agreement levels: a field with nthr thresholds t[0] > t[1] > ... has
 * nthr + 1 levels; the similarity s falls in level l, the first with
 * s >= t[l], or in level nthr (disagreement) when below all.  A field whose
 * normalised value is empty on either side is "null": it adds nothing to
 * either score and is skipped by EM.
 *
 * Scores:
 *   MDG_SCORE_WEIGHTED  sum(w_f * s_f) / sum(w_f) over the non-null fields,
 *                       in [0, 1]; 0 when every field is null.
 *   MDG_SCORE_FS        sum over the non-null fields of log2(m_f[l] / u_f[l])
 *                       for the field's level l; with one threshold this is
 *                       log2(m/u) on agreement and log2((1-m)/(1-u)) on
 *                       disagreement.  The match probability adds the prior:
 *                       p = 1 / (1 + 2^-(W + log2(lambda / (1 - lambda)))).
 * A pair is a duplicate when score >= dup_threshold, for review when
 * review_threshold <= score < dup_threshold.
 *
 * Candidate search (mdg_match_candidates) unions the candidates of every
 * index key.  A key is built from one or more compared fields' normalised
 * values joined by a space.  With q > 0 the key's tokens are its padded
 * q-grams (a set); two records are candidates when they share at least
 * min(k, |x|, |y|) grams.  Grams are ordered by ascending document
 * frequency; only each record's prefix (its |x| - min(k, |x|) + 1 rarest
 * grams) is indexed and probed (prefix filtering), then the overlap is
 * verified by merging the two sorted gram lists.  Grams held by more than
 * max(stop_min, stop_frac * records) records are "stop-grams": neither
 * indexed nor probed, which bounds the postings read per probe and may
 * lose pairs that share only frequent grams (bench/er-eval shows what that
 * costs).  With stop_frac > 0 the bound still grows with the records; for
 * a large registry use stop_min alone, so the work per record is at most
 * prefix length * stop_min merges.  With q == 0
 * the whole key is one token (exact blocking); an empty key blocks nothing.
 * The work is about the sum of the probed posting lengths, not n^2.
 *
 * Threads: a matcher and a filled set are read-only during scoring; nothing
 * here keeps global state.  Memory comes from the xmalloc family.
 */
#ifndef MDG_MATCH_H
#define MDG_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match-norm.h"
#include "match-sim.h"
#include "util.h"

#define MDG_MATCH_MAX_LEVELS 8	/* levels per field, thresholds + 1 */
#define MDG_MATCH_NULL 0xff	/* the level of a null comparison */

enum mdg_score_mode {
	MDG_SCORE_WEIGHTED,
	MDG_SCORE_FS
};

struct mdg_match_field {
	const char *name;		/* for explanations */
	size_t index;			/* the record's field number */
	const struct mdg_norm_chain *chain; /* NULL: compared as given */
	const struct mdg_measure *measure;
	struct mdg_measure_opts opts;
	double weight;			/* MDG_SCORE_WEIGHTED */
	size_t nthr;			/* thresholds, < MDG_MATCH_MAX_LEVELS */
	double thr[MDG_MATCH_MAX_LEVELS - 1];	/* descending */
	double m[MDG_MATCH_MAX_LEVELS];	/* per level, each sums to 1 */
	double u[MDG_MATCH_MAX_LEVELS];
};

struct mdg_match_key {
	size_t nfields;
	size_t fields[4];		/* positions in mdg_matcher.fields */
	unsigned q;			/* 0: exact blocking; else 1..3 */
	size_t k;			/* minimum shared grams (q > 0) */
	unsigned words;			/* word-set tokens, up to this many words
					 * dropped (1..3; q is then 0); 0: none */
	unsigned keep;			/* words: bit i, field i is never dropped */
};

struct mdg_matcher {
	struct mdg_match_field *fields;
	size_t nfields;
	enum mdg_score_mode mode;
	double dup_threshold;
	double review_threshold;
	double lambda;			/* prior match probability (FS) */
	struct mdg_match_key *keys;
	size_t nkeys;
	size_t stop_min;		/* stop-gram cap: max(stop_min, */
	double stop_frac;		/*   stop_frac * records); 0, 0: none */
	bool link_only;			/* only pairs of different sources */
};

struct mdg_match_set;

struct mdg_match_pair {
	size_t a, b;			/* record numbers, a < b */
	double score;
};

struct mdg_match_stats {
	size_t candidates;		/* distinct candidate pairs */
	size_t verified;		/* gram-list merges done */
	size_t postings;		/* posting entries visited */
	size_t stop_grams;		/* grams skipped as too frequent */
};

/* A new, empty set for matcher m (which must outlive the set). */
struct mdg_match_set *mdg_match_set_new(const struct mdg_matcher *m);
void mdg_match_set_free(struct mdg_match_set *s);
/*
 * Add a record of nvals values (vals[i] may be NULL for a missing value;
 * fields past nvals are missing) from source src (for link_only).  The
 * values are copied.  Returns the record's number, counting from 0.
 */
size_t mdg_match_set_add(struct mdg_match_set *s, const char *const *vals,
    size_t nvals, int src);
/*
 * Add a record whose compared fields are already normalised: raw[f] and
 * norm[f] for compared field f (in the matcher's order, NULL: missing).
 * Used for records kept normalised, such as the registry's.
 */
size_t mdg_match_set_add_norm(struct mdg_match_set *s, const char *const *raw,
    const char *const *norm, int src);
size_t mdg_match_set_count(const struct mdg_match_set *s);
/* The value as given of compared field f of record r ("" when missing). */
const char *mdg_match_set_raw(const struct mdg_match_set *s, size_t r, size_t f);
/* The normalised value of compared field f of record r. */
const char *mdg_match_set_norm(const struct mdg_match_set *s, size_t r,
    size_t f);

/* The level of similarity sim for field f. */
unsigned mdg_match_level(const struct mdg_match_field *f, double sim);
/* The FS weight log2(m[l] / u[l]) of level l of field f. */
double mdg_match_fs_weight(const struct mdg_match_field *f, unsigned l);
/* The FS match probability of score w under prior lambda. */
double mdg_match_probability(double w, double lambda);

/*
 * The score of records a and b by the matcher's mode.  When levels is not
 * NULL it receives each field's level (MDG_MATCH_NULL for null).
 */
double mdg_match_score(const struct mdg_match_set *s, size_t a, size_t b,
    uint8_t *levels);

/*
 * The same score when it is at least min; else, possibly sooner, some
 * value below min (-1 when it stopped early).  With weighted scoring the
 * cheap measures go first and the rest are skipped once even perfect
 * similarity could not reach min; the score returned is the same double
 * as mdg_match_score's.  Other modes: mdg_match_score.
 */
#define MDG_MATCH_MAX_FIELDS 64
double mdg_match_score_min(const struct mdg_match_set *s, size_t a, size_t b, double min);

/*
 * The candidate pairs of the set by its matcher's keys, each once, a < b,
 * scores not computed (0).  *pairs is a new array for the caller to free.
 * stats may be NULL.
 */
size_t mdg_match_candidates(const struct mdg_match_set *s,
    struct mdg_match_pair **pairs, struct mdg_match_stats *stats);
/*
 * The tokens of key k for record r: sorted, distinct 64-bit values.  With
 * q > 0 they are the padded q-grams of the key's code points (exact); with
 * q == 0 one hash of the whole key; with words = n, the hash of the key's
 * set of words (split at spaces) and the hashes of that set less any one
 * (up to n: two, three) of its words, so that two values that differ in
 * up to n words each (a typo, an added or a missing word, in any order)
 * share a token.  The fields of a words key in keep are not split into
 * words: each token holds them whole (so they must agree), and the set
 * with every word dropped is a token too.  With n > 1 a key of more than 16 words gives the whole
 * set only; with n == 1, of more than 32.  *toks (capacity
 * *cap) grows as needed.  Returns the number of tokens (0: empty key).
 */
size_t mdg_match_key_tokens(const struct mdg_match_set *s, size_t r,
    const struct mdg_match_key *k, uint64_t **toks, size_t *cap);
/*
 * The candidate pairs scoring at least min, scored (a candidate below min
 * is dropped as soon as it cannot reach it): the memory holds the pairs
 * that matter, not every candidate.
 */
size_t mdg_match_candidates_min(const struct mdg_match_set *s, double min,
    struct mdg_match_pair **pairs, struct mdg_match_stats *stats);
/* Score the pairs in place. */
void mdg_match_score_pairs(const struct mdg_match_set *s,
    struct mdg_match_pair *pairs, size_t npairs);

/*
 * EM estimation of the m and u of every field and of lambda from the
 * comparison levels of npairs unlabeled pairs (levels[p * nfields + f]),
 * starting from the matcher's values, which are replaced.  With fix_u the
 * u probabilities stay as given (estimated from random pairs, as Splink
 * does).  Stops when no parameter moves more than 1e-6, or after
 * max_iter iterations (0: 100).  Probabilities are kept within
 * [1e-6, 1 - 1e-6].  Returns the iterations done.
 */
unsigned mdg_match_em(struct mdg_matcher *m, const uint8_t *levels,
    size_t npairs, bool fix_u, unsigned max_iter);
/*
 * Estimate u of every field from about npairs random pairs of the set (of
 * different sources when link_only), as Splink does: u[l] is the share of
 * non-null comparisons at level l, smoothed by +0.5 / +1.  m must be the
 * set's matcher.  seed makes the sample reproducible.  Returns the number
 * of pairs sampled (0 when the set has fewer than two records).
 */
size_t mdg_match_estimate_u(struct mdg_matcher *m,
    const struct mdg_match_set *s, size_t npairs, uint64_t seed);
/* The levels of npairs pairs, a new array of npairs * nfields bytes. */
uint8_t *mdg_match_levels(const struct mdg_match_set *s,
    const struct mdg_match_pair *pairs, size_t npairs);

/*
 * Union-find clusters of the pairs whose score is >= threshold over n
 * records: cluster[r] receives the smallest record number of r's cluster.
 * Returns the number of clusters of two or more records.
 */
size_t mdg_match_cluster(size_t n, const struct mdg_match_pair *pairs,
    size_t npairs, double threshold, size_t *cluster);

/* Why a pair scored as it did, one entry per compared field. */
struct mdg_match_explain_field {
	const char *name;
	const char *raw_a, *raw_b;	/* "" for missing */
	const char *norm_a, *norm_b;
	const char *measure;
	double sim;
	unsigned level;			/* MDG_MATCH_NULL: skipped */
	double added;			/* weighted: w*s/sum(w); FS: weight */
};

struct mdg_match_explain {
	size_t a, b;
	double score;
	double probability;		/* FS only, else the score */
	const char *verdict;		/* "duplicate", "review", "different" */
	size_t nfields;
	struct mdg_match_explain_field *fields;	/* owned; points into s */
};

/* Explain the pair; the strings stay valid while the set lives. */
void mdg_match_explain(const struct mdg_match_set *s, size_t a, size_t b,
    struct mdg_match_explain *e);
void mdg_match_explain_free(struct mdg_match_explain *e);
/* Append a text or JSON rendering (one JSON object, no newline) to out. */
int mdg_match_explain_text(const struct mdg_match_explain *e,
    struct mdg_buf *out);
int mdg_match_explain_json(const struct mdg_match_explain *e,
    struct mdg_buf *out);

#endif /* MDG_MATCH_H */
