/*
 * er-eval.c - the quality of engine/match.c on data sets with ground truth.
 * For every Febrl file in DIR (default ../shared/er) it prints precision,
 * recall and F1 over record pairs, the candidate-set size, the reduction
 * ratio, the recall of the candidate search against brute force at the
 * duplicate and review thresholds and against the true pairs, and timings.
 * Without the data it says so and exits 0.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "match.h"
#include "util.h"

#define NCOLS 11	/* rec_id, given_name, ..., soc_sec_id */
#define RANDOM_PAIRS 200000

struct rec {
	long entity;
	char *cols[NCOLS];
};

struct data {
	struct rec *r;
	size_t n, cap;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Read a Febrl CSV (no quoting, ", " separated) into d; -1 on failure. */
static int
read_febrl(const char *path, struct data *d)
{
	FILE *fp;
	char line[4096], *p, *c;
	size_t i, lineno = 0;
	struct rec *r;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (lineno++ == 0)
			continue;	/* header */
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 1024;
			d->r = xreallocarray(d->r, d->cap, sizeof(*d->r));
		}
		r = &d->r[d->n];
		p = line;
		for (i = 0; i < NCOLS; i++) {
			c = p;
			if (p != NULL && (p = strchr(p, ',')) != NULL)
				*p++ = '\0';
			r->cols[i] = xstrdup(c ? trim(c) : "");
		}
		if (strncmp(r->cols[0], "rec-", 4) != 0 || *trim(line) == '\0') {
			for (i = 0; i < NCOLS; i++)
				free(r->cols[i]);
			continue;
		}
		r->entity = strtol(r->cols[0] + 4, NULL, 10);
		d->n++;
	}
	fclose(fp);
	return 0;
}

static void
data_free(struct data *d)
{
	size_t i, j;

	for (i = 0; i < d->n; i++)
		for (j = 0; j < NCOLS; j++)
			free(d->r[i].cols[j]);
	free(d->r);
}

/* ----------------------------------------------------------- the setup */

static const char *name_chain[] = { "casefold", "unaccent", "punct", "space" };
static const char *digit_chain[] = { "digits" };

enum { F_GIVEN, F_SURNAME, F_STNUM, F_ADDR, F_SUBURB, F_POST, F_STATE,
	F_DOB, F_SSID, NFIELDS };

/*
 * Names: Jaro-Winkler with levels >= 0.94 (a typo in a long name), >= 0.85
 * (two typos, short names), else disagreement.  Street and suburb: the same
 * on the normalised text.  Street number, postcode, date of birth and
 * social security id: Levenshtein similarity, equal / one edit (0.75 of a
 * 4-digit postcode, 0.875 of an 8-digit date, 0.857 of a 7-digit id) /
 * other; Febrl corrupts them by single keystrokes and transpositions.
 * State: exact.
 */
static void
setup(struct mdg_matcher *m, struct mdg_match_field *f,
    struct mdg_norm_chain **chains)
{
	static const struct {
		const char *name;
		size_t col;
		int chain;
		const char *measure;
		size_t nthr;
		double thr[2];
	} spec[NFIELDS] = {
		{ "given_name", 1, 0, "jaro_winkler", 2, { 0.94, 0.85 } },
		{ "surname", 2, 0, "jaro_winkler", 2, { 0.94, 0.85 } },
		{ "street_number", 3, 0, "levenshtein", 2, { 1.0, 0.5 } },
		{ "address_1", 4, 0, "jaro_winkler", 2, { 0.94, 0.85 } },
		{ "suburb", 6, 0, "jaro_winkler", 2, { 0.94, 0.85 } },
		{ "postcode", 7, 1, "levenshtein", 2, { 1.0, 0.74 } },
		{ "state", 8, 0, "exact", 1, { 1.0, 0 } },
		{ "date_of_birth", 9, 1, "levenshtein", 2, { 1.0, 0.74 } },
		{ "soc_sec_id", 10, 1, "levenshtein", 2, { 1.0, 0.7 } },
	};
	size_t i, l, bad;

	if (chains[0] == NULL) {
		if (mdg_norm_chain_parse(name_chain, 4, NULL, &chains[0], &bad,
		    NULL) != MDG_OK ||
		    mdg_norm_chain_parse(digit_chain, 1, NULL, &chains[1], &bad,
		    NULL) != MDG_OK) {
			fprintf(stderr, "er-eval: cannot parse the chains\n");
			exit(2);
		}
	}
	memset(m, 0, sizeof(*m));
	memset(f, 0, NFIELDS * sizeof(*f));
	for (i = 0; i < NFIELDS; i++) {
		f[i].name = spec[i].name;
		f[i].index = spec[i].col;
		f[i].chain = chains[spec[i].chain];
		f[i].measure = mdg_measure_lookup(spec[i].measure);
		f[i].weight = 1.0;
		f[i].nthr = spec[i].nthr;
		for (l = 0; l < spec[i].nthr; l++)
			f[i].thr[l] = spec[i].thr[l];
		/* Starting m: mostly agreeing; u is estimated below. */
		f[i].m[0] = 0.9;
		for (l = 1; l <= f[i].nthr; l++)
			f[i].m[l] = 0.1 / (double)f[i].nthr;
	}
	m->fields = f;
	m->nfields = NFIELDS;
	m->mode = MDG_SCORE_FS;
	m->lambda = 0.1;
}

/*
 * Candidate keys: bigrams of given name and surname together (so that
 * swapped names still meet), at least 6 shared: the two names give about
 * 16 padded bigrams and a typo destroys at most 2, so 6 tolerates several
 * edits (4 doubles the candidates for a gain of 0.06 % recall, 8 loses
 * 0.2 %); then the whole social security id, the whole date of birth, and
 * postcode with street number, each catching the duplicates whose names
 * were corrupted beyond the bigram key or are missing.  Stop-grams: posting
 * lists longer than 5 % of the records.
 */
static struct mdg_match_key keys[] = {
	{ 2, { F_GIVEN, F_SURNAME }, 2, 6 },
	{ 1, { F_SSID }, 0, 1 },
	{ 1, { F_DOB }, 0, 1 },
	{ 2, { F_POST, F_STNUM }, 0, 1 },
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool
has_pair(const uint64_t *keys_, size_t n, size_t a, size_t b)
{
	uint64_t k = (uint64_t)a << 32 | b;

	return bsearch(&k, keys_, n, sizeof(k), cmp_u64) != NULL;
}

static bool explain;

static void
show(const struct mdg_match_set *s, size_t a, size_t b, const char *what)
{
	struct mdg_match_explain e;
	struct mdg_buf out;

	mdg_buf_init(&out, 0);
	mdg_match_explain(s, a, b, &e);
	(void)mdg_match_explain_text(&e, &out);
	printf("  %s:\n  %s", what, out.data);
	mdg_match_explain_free(&e);
	mdg_buf_free(&out);
}

static void
evaluate(const char *label, struct data *d, const int *src, bool link,
    bool brute, bool fix_u, struct mdg_norm_chain **chains)
{
	struct mdg_matcher m;
	struct mdg_match_field fields[NFIELDS];
	struct mdg_match_set *s;
	struct mdg_match_pair *pairs;
	struct mdg_match_stats st;
	size_t n = d->n, np, i, j, tp = 0, fp = 0, truth = 0, tcand = 0;
	size_t bf_dup = 0, bf_found = 0, bf_rev = 0, bf_rfound = 0, total, predicted, nclus, *cl;
	uint64_t *pk;
	uint8_t *lv;
	double lam_all, t0, t_load, t_cand, t_em, t_score, t_bf = 0, prec, rec, f1, sc;
	unsigned iters;
	const char *vals[NCOLS];
	bool same;

	t0 = now();
	setup(&m, fields, chains);
	m.keys = keys;
	m.nkeys = sizeof(keys) / sizeof(keys[0]);
	m.stop_frac = 0.05;
	m.stop_min = 50;
	m.link_only = link;
	s = mdg_match_set_new(&m);
	for (i = 0; i < n; i++) {
		for (j = 0; j < NCOLS; j++)
			vals[j] = d->r[i].cols[j];
		(void)mdg_match_set_add(s, vals, NCOLS, src[i]);
	}
	t_load = now() - t0;

	t0 = now();
	np = mdg_match_candidates(s, &pairs, &st);
	t_cand = now() - t0;

	t0 = now();
	(void)mdg_match_estimate_u(&m, s, RANDOM_PAIRS, 12345);	/* as Splink */
	lv = mdg_match_levels(s, pairs, np);
	iters = mdg_match_em(&m, lv, np, fix_u, 100);
	free(lv);
	/*
	 * EM's lambda is the share of matches among the candidates; over all
	 * pairs it is lambda * candidates / pairs.  Duplicate: posterior >= 0.5
	 * under that prior, so that the threshold does not depend on how
	 * selective the blocking is; review: posterior >= 0.05.
	 */
	if (link) {
		for (i = j = 0; i < n; i++)
			j += src[i] == 0;
		total = j * (n - j);	/* two sources */
	} else
		total = n * (n - 1) / 2;
	lam_all = m.lambda * (double)np / (double)(total ? total : 1);
	m.dup_threshold = -log2(lam_all / (1.0 - lam_all));
	m.review_threshold = m.dup_threshold - log2(19.0);
	t_em = now() - t0;

	t0 = now();
	mdg_match_score_pairs(s, pairs, np);
	cl = xcalloc(n, sizeof(*cl));
	nclus = mdg_match_cluster(n, pairs, np, m.dup_threshold, cl);
	t_score = now() - t0;

	pk = xreallocarray(NULL, np ? np : 1, sizeof(*pk));
	predicted = 0;
	for (i = 0; i < np; i++) {
		pk[i] = (uint64_t)pairs[i].a << 32 | pairs[i].b;
		same = d->r[pairs[i].a].entity == d->r[pairs[i].b].entity;
		tcand += same;
		if (pairs[i].score >= m.dup_threshold) {
			predicted++;
			if (same)
				tp++;
			else
				fp++;
		}
	}
	qsort(pk, np, sizeof(*pk), cmp_u64);
	total = 0;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			if (link && src[i] == src[j])
				continue;
			total++;
			if (d->r[i].entity == d->r[j].entity)
				truth++;
		}
	if (brute) {
		t0 = now();
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++) {
				if (link && src[i] == src[j])
					continue;
				sc = mdg_match_score(s, i, j, NULL);
				if (sc >= m.dup_threshold) {
					bf_dup++;
					bf_found += has_pair(pk, np, i, j);
				}
				if (sc >= m.review_threshold) {
					bf_rev++;
					bf_rfound += has_pair(pk, np, i, j);
				}
			}
		t_bf = now() - t0;
	}
	prec = predicted ? (double)tp / (double)predicted : 0;
	rec = truth ? (double)tp / (double)truth : 0;
	f1 = prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0;
	printf("%s: %zu records, %zu true pairs\n", label, n, truth);
	printf("  precision %.4f  recall %.4f  F1 %.4f  (tp %zu, fp %zu, fn %zu)\n",
	    prec, rec, f1, tp, fp, truth - tp);
	printf("  candidates %zu of %zu pairs, reduction ratio %.6f, "
	    "true pairs among candidates %.4f\n", np, total,
	    total ? 1.0 - (double)np / (double)total : 0,
	    truth ? (double)tcand / (double)truth : 0);
	printf("  search: %zu postings visited, %zu overlaps verified, "
	    "%zu stop-gram probes skipped\n", st.postings, st.verified,
	    st.stop_grams);
	if (brute)
		printf("  blocking recall vs brute force at the duplicate threshold: "
		    "%.4f (%zu of %zu)\n", bf_dup ? (double)bf_found /
		    (double)bf_dup : 1.0, bf_found, bf_dup);
	if (brute)
		printf("  blocking recall vs brute force at the review threshold: "
		    "%.4f (%zu of %zu)\n", bf_rev ? (double)bf_rfound /
		    (double)bf_rev : 1.0, bf_rfound, bf_rev);
	printf("  EM (%s): %u iterations, lambda %.4f, duplicate threshold %.3f, "
	    "review threshold %.3f, %zu clusters\n",
	    fix_u ? "m, lambda; u from random pairs" : "m, u, lambda", iters, m.lambda,
	    m.dup_threshold, m.review_threshold, nclus);
	printf("  time: load %.3fs, candidates %.3fs, u+EM %.3fs, "
	    "scoring+clusters %.3fs", t_load, t_cand, t_em, t_score);
	if (brute)
		printf(", brute force %.3fs", t_bf);
	printf("\n");
	for (i = 0; explain && i < np; i++)
		if (d->r[pairs[i].a].entity == d->r[pairs[i].b].entity &&
		    pairs[i].score < m.dup_threshold) {
			show(s, pairs[i].a, pairs[i].b, "first missed true pair");
			break;
		}
	for (i = 0; explain && i < np; i++)
		if (d->r[pairs[i].a].entity != d->r[pairs[i].b].entity &&
		    pairs[i].score >= m.dup_threshold) {
			show(s, pairs[i].a, pairs[i].b, "first false positive");
			break;
		}
	fflush(stdout);
	free(cl);
	free(pk);
	free(pairs);
	mdg_match_set_free(s);
}

static bool
exists(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0;
}

/*
 * Usage: er-eval [-n] [-u] [-e] [DIR]
 *   -n  no brute-force comparison (the blocking recall needs it)
 *   -u  let EM re-estimate u on the candidate pairs too; by default u comes
 *       from random pairs and EM estimates m and lambda (as Splink does):
 *       the candidates were chosen for similar names, so among them name
 *       agreement is common even for non-matches and its u is biased up
 *   -e  explain the first missed true pair and the first false positive
 */
int
main(int argc, char **argv)
{
	const char *dir = "../shared/er";
	static const char *single[] = { "dataset1", "dataset2", "dataset3" };
	struct mdg_norm_chain *chains[2] = { NULL, NULL };
	struct data d;
	bool brute = true, fix_u = true;
	char *p, *q;
	int *src, argi = 1, done = 0;
	size_t i, n4a;

	for (; argi < argc && argv[argi][0] == '-'; argi++) {
		if (strcmp(argv[argi], "-n") == 0)
			brute = false;
		else if (strcmp(argv[argi], "-u") == 0)
			fix_u = false;
		else if (strcmp(argv[argi], "-e") == 0)
			explain = true;
		else {
			fprintf(stderr, "usage: er-eval [-n] [-u] [-e] [DIR]\n");
			return 2;
		}
	}
	if (argi < argc)
		dir = argv[argi];
	p = xasprintf("%s/febrl", dir);
	if (!exists(p)) {
		printf("er-eval: skipped: no Febrl data in %s\n", p);
		free(p);
		return 0;
	}
	for (i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		q = xasprintf("%s/%s.csv", p, single[i]);
		memset(&d, 0, sizeof(d));
		if (exists(q) && read_febrl(q, &d) == 0) {
			src = xcalloc(d.n ? d.n : 1, sizeof(*src));
			evaluate(single[i], &d, src, false, brute, fix_u, chains);
			free(src);
			done++;
		}
		data_free(&d);
		free(q);
	}
	q = xasprintf("%s/dataset4a.csv", p);
	memset(&d, 0, sizeof(d));
	if (exists(q) && read_febrl(q, &d) == 0) {
		n4a = d.n;
		free(q);
		q = xasprintf("%s/dataset4b.csv", p);
		if (exists(q) && read_febrl(q, &d) == 0) {
			src = xcalloc(d.n ? d.n : 1, sizeof(*src));
			for (i = n4a; i < d.n; i++)
				src[i] = 1;
			evaluate("dataset4a+4b (link)", &d, src, true, brute, fix_u, chains);
			free(src);
			done++;
		}
	}
	data_free(&d);
	free(q);
	free(p);
	mdg_norm_chain_free(chains[0]);
	mdg_norm_chain_free(chains[1]);
	if (done == 0)
		printf("er-eval: skipped: no Febrl file found in %s/febrl\n", dir);
	return 0;
}
