/*
 * dedup-eval.c - how good and how complete the duplicate search against
 * the registry is: the registry's index of a domain, a file of new
 * records, and (optionally) the planted pairs of bench/gen-neardups.awk.
 *
 *   dedup-eval CONFIG REGISTRY DOMAIN NEW.csv [TRUTH.csv] [SAMPLE]
 *
 * Prints the load and search times and the search statistics; the share
 * of the planted pairs found; and the recall of the candidate search
 * against a brute-force comparison (every golden record scored) of SAMPLE
 * new records (default 200, spread evenly over the file): the pairs at or
 * above the review threshold that brute force finds, and how many of them
 * the indexed search found too.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "enterprise.h"
#include "match-index.h"
#include "registry.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct brute {
	const struct mdg_match_set *set;
	const struct mdg_matcher *m;
	size_t ng;
	const size_t *recs;
	size_t nrecs;
	size_t *hits;		/* per record: pairs >= review */
	size_t **which;		/* per record: the golden records */
};

struct slice {
	struct brute *b;
	size_t from, to;
};

static void *
brute_run(void *arg)
{
	struct slice *sl = arg;
	struct brute *b = sl->b;
	size_t i, a;

	for (i = sl->from; i < sl->to; i++) {
		size_t cap = 0;
		for (a = 0; a < b->ng; a++) {
			if (mdg_match_score(b->set, a, b->recs[i], NULL) < b->m->review_threshold)
				continue;
			if (b->hits[i] == cap) {
				cap = cap ? cap * 2 : 8;
				b->which[i] = xreallocarray(b->which[i], cap, sizeof(size_t));
			}
			b->which[i][b->hits[i]++] = a;
		}
	}
	return NULL;
}

/* The first link of set record rec (links are sorted by record). */
static size_t
first_link(const struct mdg_match_link *links, size_t nl, size_t rec)
{
	size_t lo = 0, hi = nl;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (links[mid].rec < rec)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
main(int argc, char **argv)
{
	struct mdg_enterprise *e = NULL;
	struct mdg_registry *reg = NULL;
	struct mdg_match_index *ix = NULL;
	struct mdg_match_index_stats st;
	struct mdg_match_link *links = NULL;
	struct mdg_diags d;
	struct csv_reader *cr;
	struct csv_record rec;
	const struct mdg_domain *dom;
	const struct mdg_domain_match *dm;
	struct mdg_match_set *set;
	struct mdg_strset keys;		/* new key -> record number in set */
	char **newkey = NULL;
	int *col;
	const char **vals;
	size_t ng, n = 0, cap = 0, nl, i, f, sample = 200, keycol = (size_t)-1;
	double t0, t1, t2;
	char *err = NULL;

	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: dedup-eval CONFIG REGISTRY DOMAIN NEW.csv [TRUTH.csv] "
			"[SAMPLE]\n");
		return 2;
	}
	if (argc == 7)
		sample = (size_t)strtoul(argv[6], NULL, 10);
	mdg_diags_init(&d);
	if (mdg_enterprise_load(&e, argv[1], &d) != MDG_OK) {
		mdg_diags_render_all(stderr, &d, false);
		return 2;
	}
	if ((dom = mdg_domain_find(&e->domains, argv[3])) == NULL || dom->match == NULL) {
		fprintf(stderr, "dedup-eval: no domain %s with a match section\n", argv[3]);
		return 2;
	}
	dm = dom->match;
	if (mdg_registry_open(&reg, argv[2], false, &err) != MDG_OK) {
		fprintf(stderr, "dedup-eval: %s\n", err);
		return 2;
	}
	t0 = now();
	if (mdg_match_index_load(reg, dom, &ix) != MDG_OK || ix == NULL) {
		fprintf(stderr, "dedup-eval: %s\n", mdg_registry_error(reg));
		return 2;
	}
	t1 = now();
	set = mdg_match_index_set(ix);
	ng = mdg_match_index_golden(ix);
	mdg_match_index_stats(ix, &st);
	printf("registry: %zu golden %s records loaded in %.2f s (%zu indexed in memory%s)\n",
	       ng, dom->name, t1 - t0, st.delta, st.rebuilt ? ", the stored index was stale" : "");

	/* The new records: the compared fields by their domain field names. */
	if (csv_open(&cr, argv[4], NULL, &d) != MDG_OK || csv_next(cr, &rec) != 1) {
		mdg_diags_render_all(stderr, &d, false);
		return 2;
	}
	col = xcalloc(dm->nfields, sizeof(*col));
	vals = xcalloc(dm->nfields, sizeof(*vals));
	for (f = 0; f < dm->nfields; f++) {
		const char *name = dom->fields[dm->dom_field[f]].name;
		col[f] = -1;
		for (i = 0; i < rec.nfields; i++)
			if (strcmp(rec.fields[i], name) == 0)
				col[f] = (int)i;
	}
	for (i = 0; i < rec.nfields; i++)
		if (dom->nkey > 0 && strcmp(rec.fields[i], dom->fields[dom->key[0]].name) == 0)
			keycol = i;
	mdg_strset_init(&keys);
	while (csv_next(cr, &rec) == 1) {
		for (f = 0; f < dm->nfields; f++)
			vals[f] = col[f] >= 0 && (size_t)col[f] < rec.nfields ? rec.fields[col[f]] : NULL;
		mdg_match_set_add(set, vals, dm->nfields, 1);
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			newkey = xreallocarray(newkey, cap, sizeof(*newkey));
		}
		newkey[n] = xstrdup(keycol < rec.nfields ? rec.fields[keycol] : "");
		mdg_strset_add(&keys, newkey[n], strlen(newkey[n]), (long)n, NULL);
		n++;
	}
	csv_close(cr);
	t1 = now();
	nl = mdg_match_index_search(ix, ng, ng + n, 0, &links, NULL, NULL);
	t2 = now();
	mdg_match_index_stats(ix, &st);
	printf("search: %zu new records in %.2f s (%.0f records/s): %zu postings read, %zu "
	       "stop tokens, %zu pairs scored, %zu pairs at or above review (%.2f)\n",
	       n, t2 - t1, n / (t2 - t1), st.postings, st.stop_tokens, st.candidates, nl,
	       dm->m->review_threshold);

	/* The planted pairs found. */
	if (argc >= 6 && strcmp(argv[5], "-") != 0) {
		FILE *tf = fopen(argv[5], "r");
		char line[512];
		size_t planted = 0, found = 0;

		if (tf == NULL) {
			perror(argv[5]);
			return 2;
		}
		while (fgets(line, sizeof(line), tf) != NULL) {
			char *c1 = strchr(line, ','), *c2;
			long r;
			size_t lo;
			if (c1 == NULL || (c2 = strchr(c1 + 1, ',')) == NULL)
				continue;
			*c1 = *c2 = '\0';
			planted++;
			if (!mdg_strset_get(&keys, line, strlen(line), &r))
				continue;
			for (lo = first_link(links, nl, ng + (size_t)r); lo < nl && links[lo].rec == ng + (size_t)r; lo++)
				if (strcmp(mdg_match_index_key(ix, links[lo].golden), c1 + 1) == 0) {
					found++;
					break;
				}
		}
		fclose(tf);
		printf("planted pairs: %zu, found at or above review: %zu (%.1f %%)\n", planted,
		       found, planted ? 100.0 * found / planted : 0);
	}

	/* Brute force on a sample: the recall of the candidate search. */
	if (sample > 0 && n > 0) {
		struct brute b;
		struct slice sl[2];
		pthread_t tid;
		size_t *recs, k, total = 0, both = 0;

		if (sample > n)
			sample = n;
		recs = xcalloc(sample, sizeof(*recs));
		for (k = 0; k < sample; k++)
			recs[k] = ng + k * n / sample;
		memset(&b, 0, sizeof(b));
		b.set = set;
		b.m = dm->m;
		b.ng = ng;
		b.recs = recs;
		b.nrecs = sample;
		b.hits = xcalloc(sample, sizeof(*b.hits));
		b.which = xcalloc(sample, sizeof(*b.which));
		sl[0].b = sl[1].b = &b;
		sl[0].from = 0;
		sl[0].to = sl[1].from = sample / 2;
		sl[1].to = sample;
		t1 = now();
		if (pthread_create(&tid, NULL, brute_run, &sl[1]) != 0) {
			brute_run(&sl[1]);
			brute_run(&sl[0]);
		} else {
			brute_run(&sl[0]);
			pthread_join(tid, NULL);
		}
		t2 = now();
		for (k = 0; k < sample; k++) {
			for (i = 0; i < b.hits[k]; i++) {
				size_t j;
				total++;
				for (j = first_link(links, nl, recs[k]); j < nl && links[j].rec == recs[k];
				     j++)
					if (links[j].golden == b.which[k][i])
						break;
				if (j < nl && links[j].rec == recs[k])
					both++;
				else if (getenv("DEDUP_EVAL_MISSES") != NULL) {
					size_t ff;
					printf("  missed: %.3f", mdg_match_score(set, b.which[k][i],
										recs[k], NULL));
					for (ff = 0; ff < dm->nfields; ff++)
						printf(" | '%s' ~ '%s'", mdg_match_set_norm(set, recs[k], ff),
						       mdg_match_set_norm(set, b.which[k][i], ff));
					printf("\n");
				}
			}
			free(b.which[k]);
		}
		printf("brute force: %zu new records x %zu golden in %.1f s: %zu pairs at or above "
		       "review, %zu of them found by the indexed search: recall %.2f %%\n",
		       sample, ng, t2 - t1, total, both, total ? 100.0 * both / total : 100.0);
		free(b.hits);
		free(b.which);
		free(recs);
	}
	for (i = 0; i < n; i++)
		free(newkey[i]);
	free(newkey);
	free(links);
	free(col);
	free(vals);
	mdg_strset_free(&keys);
	mdg_match_index_free(ix);
	mdg_registry_close(reg);
	mdg_enterprise_free(e);
	mdg_diags_free(&d);
	return 0;
}
