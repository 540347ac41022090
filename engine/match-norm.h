/*
 * match-norm.h - value normalisers for duplicate detection.
 *
 * A domain names, per compared field, a chain of normalisers, for example
 * ["casefold", "unaccent", "punct", "legal_forms", "space"] for supplier
 * names.  mdg_norm_chain_parse compiles such a list once; mdg_norm_apply
 * then runs it on one value at a time.
 *
 * The normalisers (names as written in the domain definition):
 *
 *   casefold     Unicode full case folding with compatibility composition
 *                (NFKC_Casefold as utf8proc does it: CASEFOLD | COMPAT |
 *                IGNORE, result in NFC).  "Straße" and "STRASSE" both give
 *                "strasse", Σ and ς give σ, "İ" gives "i" + U+0307,
 *                fullwidth "ＡＢ" gives "ab", soft hyphens disappear.
 *   unaccent     Compatibility decomposition, all combining marks (Mn, Mc,
 *                Me) dropped, result recomposed (NFC).  Letters that have no
 *                decomposition are mapped by a small table: ø->o, ł->l,
 *                đ/ð->d, ħ->h, ı->i, ŧ->t, æ->ae, œ->oe, ß->ss, þ->th (and
 *                their capitals).  Marks are stripped in every script, so
 *                use it on Latin, Greek and Cyrillic data.
 *   punct        Punctuation and symbols (Unicode P* and S*) become spaces;
 *                apostrophes (' ` ´ ‘ ’ ʼ) are deleted: "O'Neil" -> "ONeil";
 *                a '.' or ',' between two digits stays ("2.5", "8.8").
 *   space        Runs of white space (Z*, control characters) become one
 *                space; leading and trailing space is removed.
 *   legal_forms  Removes company legal forms (gmbh, ag, kg, gmbh co kg,
 *                ltd, inc, llc, s a de c v, sp z o o, a s, ...) as whole
 *                tokens or token sequences, anywhere in the value, the
 *                longest sequence first.  A value that would become empty is
 *                left as it is ("AG" stays "ag").  Needs casefold and punct
 *                earlier in the chain (unaccent too, for "spółka").
 *   synonyms     Replaces tokens or token sequences by the user's table
 *                ("intl" -> "international").  The table's keys and values
 *                are run through the normalisers before "synonyms" in the
 *                chain when the chain is parsed, so "Intl." in the table
 *                matches "INTL" in the data.  An empty value removes the
 *                token (stop words); a value that would become empty stays.
 *   units        Number and unit tokens for items: "M8x20", "M8 X 20",
 *                "m8 × 20" -> "m8 x 20"; "8x20mm" -> "8 x 20 mm"; "2,5mm" ->
 *                "2.5 mm".  Letters before a number stay glued to it (m8,
 *                dn50); letters after a number are split off (20 mm); x, X,
 *                × and * between two numbers become " x "; a decimal comma
 *                becomes a dot; leading zeros of the integer part and
 *                trailing zeros of the fraction go ("08" -> "8", "2.50" ->
 *                "2.5").  A comma between digits is always read as a
 *                decimal separator.  ASCII digits only (casefold turns
 *                fullwidth digits into ASCII).  Must come before punct.
 *   digits       Keeps the ASCII digits only: "+49 (711) 12-34" ->
 *                "497111234".  For phone numbers and plain numeric ids.
 *   taxid        Keeps ASCII letters and digits; if the first two of those
 *                are letters they are kept, upper-cased, as a country
 *                prefix and every other letter is dropped: "de 123 456 789"
 *                -> "DE123456789", "123.456.789" -> "123456789".
 *
 * Invalid UTF-8 in a value is replaced by U+FFFD (which punct turns into a
 * space) and never fails.
 *
 * Ownership and threads: the chain is owned by the caller of
 * mdg_norm_chain_parse and freed with mdg_norm_chain_free; it keeps no
 * pointer to the names or to the synonym table, which may be freed right
 * after parsing.  A parsed chain is never modified, so one chain can be
 * used by several threads at once, each with its own output buffer.
 */
#ifndef MDG_MATCH_NORM_H
#define MDG_MATCH_NORM_H

#include <stddef.h>

#include "util.h"

/* At most this many normalisers in one chain. */
#define MDG_NORM_MAX_STEPS 16
/* Synonym keys and values longer than this (in bytes, after normalisation)
 * are refused. */
#define MDG_NORM_MAX_SYNONYM 255
/* mdg_norm_apply's failure: the result (or an intermediate form, bounded by
 * 4 Mi code points) is larger than the output buffer allows. */
#define MDG_NORM_ELIMIT ((size_t)-1)

struct mdg_norm_chain;
struct mdg_norm_synonyms;

/*
 * A synonym table: pairs of UTF-8 strings, key -> value.  Keys must be
 * non-empty and at most MDG_NORM_MAX_SYNONYM bytes; a value may be empty.
 * mdg_norm_synonyms_add returns MDG_OK, or MDG_ERR for an empty, too long
 * or repeated key (the table is unchanged).  mdg_norm_synonyms_load adds
 * npairs pairs from pairs[2 * i], pairs[2 * i + 1] and stops at the first
 * bad one with MDG_ERR and its pair index in *bad (when bad is not NULL);
 * the pairs before it stay in the table.  The table copies the strings.
 */
struct mdg_norm_synonyms *mdg_norm_synonyms_new(void);
void mdg_norm_synonyms_free(struct mdg_norm_synonyms *syn);
int mdg_norm_synonyms_add(struct mdg_norm_synonyms *syn, const char *key,
			  const char *value);
int mdg_norm_synonyms_load(struct mdg_norm_synonyms *syn, const char *const *pairs,
			   size_t npairs, size_t *bad);

/*
 * Compile the chain names[0..n-1].  syn is the table for "synonyms" (may be
 * NULL when the chain does not use it).  On success *chainp receives a new
 * chain and MDG_OK is returned.  On failure *chainp is NULL, *bad_index
 * receives the index of the offending name and *why (when why is not NULL)
 * a static English sentence for the diagnostic:
 *   MDG_ERR     an unknown name, "synonyms" without a table or with keys
 *               that collide after normalisation, legal_forms without
 *               casefold and punct before it, units after punct;
 *   MDG_ELIMIT  more than MDG_NORM_MAX_STEPS names (*bad_index is the first
 *               one too many).
 * An empty chain is valid: it only replaces invalid UTF-8.
 */
int mdg_norm_chain_parse(const char *const *names, size_t n,
			 const struct mdg_norm_synonyms *syn,
			 struct mdg_norm_chain **chainp, size_t *bad_index,
			 const char **why);
void mdg_norm_chain_free(struct mdg_norm_chain *chain);
/* The names mdg_norm_chain_parse knows, comma-separated (for messages). */
const char *mdg_norm_known_names(void);

/*
 * Normalise in[0..len-1] (UTF-8, need not be NUL-terminated; in may be NULL
 * when len is 0) into out, which is reset first and then holds the
 * NUL-terminated result; its capacity is reused from call to call.
 * Returns the result's length in bytes (out->len), or MDG_NORM_ELIMIT when
 * the result would be longer than out->max (or an intermediate form longer
 * than 4 Mi code points); out is then empty.  Values up to a few hundred
 * characters need no allocation apart from out's own growth.
 */
size_t mdg_norm_apply(const struct mdg_norm_chain *chain, const char *in, size_t len,
		      struct mdg_buf *out);

#endif
