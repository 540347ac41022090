/*
 * match-sim.h - string similarity measures on Unicode code points.
 *
 * Every measure works on arrays of code points (uint32_t); the *_utf8
 * helpers decode UTF-8 first, each byte that does not start a valid UTF-8
 * sequence becoming one U+FFFD.  Normalisation (case folding, accents, legal
 * forms) is not done here: it is the caller's job, before comparing.
 *
 * Similarities are in [0, 1], 1 meaning identical by that measure.
 * Distances are counts of edits.  Nothing here keeps state between calls:
 * every function is reentrant and may be called from several threads at
 * once.  No function takes ownership of its arguments; none returns memory
 * for the caller to free.  Buffers are on the stack for strings of up to
 * MDG_SIM_STACK code points, on the heap (xmalloc, freed before returning)
 * beyond; allocation failure exits as in util.h.
 *
 * Agreement with the reference implementations (tests/match-diff.sh):
 * levenshtein with python3-levenshtein's Levenshtein.distance;
 * jaro, jaro_winkler and damerau_levenshtein with python3-jellyfish's
 * jaro_similarity, jaro_winkler_similarity (long_tolerance=False) and
 * damerau_levenshtein_distance, to 1e-9 (distances exactly).
 */
#ifndef MDG_MATCH_SIM_H
#define MDG_MATCH_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strings up to this many code points are compared without malloc. */
#define MDG_SIM_STACK 256

/* No bound for mdg_levenshtein. */
#define MDG_LEV_UNBOUNDED SIZE_MAX

/* The q of q-grams when mdg_measure_opts.q is 0. */
#define MDG_QGRAM_DEFAULT 2

/*
 * Options of the measures; a NULL pointer means all defaults, and so does a
 * zeroed struct.  Only the q-gram measures read them today.
 */
struct mdg_measure_opts {
	unsigned q;	/* q-gram length; 0 means MDG_QGRAM_DEFAULT */
	bool pad;	/* q-grams: add q-1 start and q-1 end sentinels */
	bool multiset;	/* q-grams: count repeats (a bag), not a set */
};

typedef double mdg_sim_fn(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o);

struct mdg_measure {
	const char *name;	/* "jaro_winkler", ...; NULL ends the table */
	mdg_sim_fn *sim;
	const char *doc;	/* one line for --help and explanations */
};

/*
 * The table of measures, ended by an entry whose name is NULL:
 *   exact, levenshtein, damerau_levenshtein, jaro, jaro_winkler,
 *   qgram_jaccard, qgram_dice, token_set, monge_elkan, monge_elkan_sym,
 *   numeric.
 */
extern const struct mdg_measure mdg_measures[];

/* The measure called name, or NULL. */
const struct mdg_measure *mdg_measure_lookup(const char *name);

/*
 * Decode len bytes of UTF-8 into out, which must have room for len code
 * points (a byte yields at most one).  Returns the number of code points.
 * Invalid or truncated sequences yield one U+FFFD per byte skipped, and
 * decoding resumes at the next byte.  NUL bytes are decoded as U+0000.
 */
size_t mdg_utf8_decode(const char *s, size_t len, uint32_t *out);

/*
 * The similarity of the UTF-8 strings a and b (alen and blen bytes, not
 * necessarily NUL-terminated) by measure m; o may be NULL.
 */
double mdg_sim_utf8(const struct mdg_measure *m, const char *a, size_t alen,
    const char *b, size_t blen, const struct mdg_measure_opts *o);

/*
 * The Levenshtein distance (insertions, deletions, substitutions of one code
 * point each, cost 1).  With bound < MDG_LEV_UNBOUNDED the computation stops
 * as soon as the distance is known to exceed bound, and bound + 1 is
 * returned for every distance greater than bound; a result <= bound is exact.
 */
size_t mdg_levenshtein(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, size_t bound);

/* The same on UTF-8 strings. */
size_t mdg_levenshtein_utf8(const char *a, size_t alen, const char *b,
    size_t blen, size_t bound);

/*
 * The unrestricted Damerau-Levenshtein distance (Lowrance-Wagner): as
 * Levenshtein, plus transposition of two adjacent code points at cost 1,
 * with further edits allowed between and around the transposed ones, so
 * d("CA", "ABC") = 2 (the optimal string alignment distance would be 3).
 * Time O(na * nb), memory O(na * nb).
 */
size_t mdg_damerau_levenshtein(const uint32_t *a, size_t na,
    const uint32_t *b, size_t nb);

/*
 * The measures of the table, callable directly (o may be NULL):
 *
 * exact        1 if the sequences are equal, else 0.
 * levenshtein  1 - d / max(na, nb); 1 when both are empty.
 * damerau_levenshtein  the same with the Damerau-Levenshtein distance.
 * jaro         Jaro similarity, match window max(na, nb) / 2 - 1 (at least
 *              0); 0 when either string is empty, both included (as
 *              jellyfish does).
 * jaro_winkler Jaro-Winkler: jaro + l * 0.1 * (1 - jaro), l the common
 *              prefix length up to 4, added only when jaro > 0.7; no
 *              long-string adjustment (jellyfish's long_tolerance=False).
 * qgram_jaccard, qgram_dice  on the q-grams of code points (see o): as
 *              sets by default, |A n B| / |A u B| and
 *              2 |A n B| / (|A| + |B|); with o->multiset, counts are kept
 *              (sum of min / sum of max, and 2 sum of min / (|A| + |B|)).
 *              Without o->pad a string shorter than q has no grams; when
 *              either side has none the result is exact() (so two empty
 *              strings give 1).  Padding uses q-1 start and q-1 end
 *              sentinels outside Unicode, which match only each other.
 * token_set    Jaccard of the sets of whitespace-separated tokens (Unicode
 *              Zs/Zl/Zp, TAB, LF, VT, FF, CR, U+0085), tokens compared
 *              exactly; 1 when both have no token.
 * monge_elkan  mean over the tokens of a of the best jaro_winkler against
 *              the tokens of b (asymmetric); 1 when both have no token, 0
 *              when only one has none.
 * monge_elkan_sym  mean of monge_elkan(a, b) and monge_elkan(b, a).
 * numeric      both strings read as decimal numbers ([+-]digits[.digits]
 *              [e[+-]digits], surrounding whitespace allowed, '.' or ','
 *              as decimal separator): 1 - |x - y| / max(|x|, |y|), 1 when
 *              both are 0, never below 0.  When either does not parse,
 *              exact().
 */
double mdg_sim_exact(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o);
double mdg_sim_levenshtein(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o);
double mdg_sim_damerau_levenshtein(const uint32_t *a, size_t na,
    const uint32_t *b, size_t nb, const struct mdg_measure_opts *o);
double mdg_sim_jaro(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o);
double mdg_sim_jaro_winkler(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o);
double mdg_sim_qgram_jaccard(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o);
double mdg_sim_qgram_dice(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o);
double mdg_sim_token_set(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o);
double mdg_sim_monge_elkan(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o);
double mdg_sim_monge_elkan_sym(const uint32_t *a, size_t na,
    const uint32_t *b, size_t nb, const struct mdg_measure_opts *o);
double mdg_sim_numeric(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, const struct mdg_measure_opts *o);

/* 1 - |x - y| / max(|x|, |y|), clamped to [0, 1]; 1 when both are 0. */
double mdg_numeric_closeness(double x, double y);

#endif /* MDG_MATCH_SIM_H */
