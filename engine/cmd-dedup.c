/*
 * cmd-dedup.c - `mdgate dedup`: the clusters of suspected duplicates in
 * submission files.  The files are read and checked as `mdgate check` does;
 * the accepted records of every domain with a match: section are compared,
 * and pairs at or above the review threshold are grouped into clusters,
 * each pair with its explanation, in text or JSON.
 *
 * With --estimate it prints Fellegi-Sunter parameters instead: u from
 * random pairs of the records, m and the prior by EM over their candidate
 * pairs (u fixed, as Splink does), as a YAML snippet for the domain's
 * match: section.  The records are the accepted ones of the files, or the
 * current golden rows of the registry (--registry).
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "check.h"
#include "cmd.h"
#include "domain.h"
#include "enterprise.h"
#include "match.h"
#include "match-index.h"
#include "registry.h"
#include "report.h"

#define EST_RANDOM_PAIRS 100000	/* pairs sampled for u */
#define EST_SEED 0x6d64676174650001ULL	/* a fixed seed: the same data give the same snippet */
#define EST_UNITS 1000000000LL	/* printed probabilities are multiples of 1e-9 */

static int cmd_dedup_exec(int argc, char **argv);

const struct mdg_cmd mdg_cmd_dedup = {
	.name = "dedup",
	.summary = "list the clusters of suspected duplicates in files",
	.usage =
		"Usage: mdgate dedup [OPTIONS] FILE...\n"
		"\n"
		"Read the files as `mdgate check` does, compare the accepted records of every\n"
		"domain that has a match: section in its definition, and list the clusters of\n"
		"suspected duplicates: records linked by pairs that score at least the review\n"
		"threshold.  Each pair is explained field by field: both values as written,\n"
		"normalised, the measure, the similarity and what it added to the score.\n"
		"Records the check rejects are not compared (run `mdgate check` for them).\n"
		"\n"
		"       mdgate dedup --registry[=FILE] [-d NAME] [--format F]\n"
		"\n"
		"With --registry, list the clusters among the registry's current golden\n"
		"records instead (for cleaning up what Odoo already holds before the first\n"
		"load), from the registry's duplicate index.\n"
		"\n"
		"       mdgate dedup --estimate [OPTIONS] FILE...\n"
		"       mdgate dedup --estimate --registry[=FILE] [-d NAME]\n"
		"\n"
		"Estimate Fellegi-Sunter parameters for each domain with a match: section from\n"
		"the accepted records of the files, or from the current golden records of the\n"
		"registry: u from random pairs, m and the prior by EM over the candidate pairs.\n"
		"Prints a YAML snippet for the domain's match: section (levels, m, u, prior);\n"
		"the iterations and a summary go to standard error.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE       the enterprise configuration (default ./mdgate.yaml,\n"
		"                          or $MDGATE_CONFIG)\n"
		"  -s, --site CODE         the site the files come from\n"
		"  -d, --domain NAME       the domain of every file (with --registry: the one\n"
		"                          domain to estimate)\n"
		"  -f, --format FORMAT     text (default) or json\n"
		"      --estimate          estimate m, u and the prior instead of listing clusters\n"
		"      --registry[=FILE]   read the registry's golden records instead of files\n"
		"                          (default: the configuration's registry)\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 no suspected duplicates (--estimate: parameters printed); 1 at\n"
		"least one cluster (--estimate: nothing to estimate from); 2 usage, definition,\n"
		"registry or unreadable input.\n",
	.exec = cmd_dedup_exec,
};

struct dedup {
	bool json;
	struct mdg_buf text;
	json_t *domains;	/* JSON: one object per domain */
	size_t clusters;
};

/* The match probability of weight w under the prior (not clamped, unlike
 * mdg_match_probability: a registry's prior may be below 1e-6). */
static double
fs_probability(double w, double lambda)
{
	return 1.0 / (1.0 + exp2(-(w + log2(lambda / (1.0 - lambda)))));
}

/* A JSON number, or null when infinite (a threshold of probability 0 or 1). */
static json_t *
json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static const char *
verdict(const struct mdg_matcher *m, double score)
{
	if (score >= m->dup_threshold)
		return "probable duplicate";
	return "possible duplicate";
}

static json_t *
rec_json(const struct mdg_dup_record *r)
{
	return json_pack("{s:s, s:I, s:I, s:o}", "file", r->path, "record", (json_int_t)r->record,
			 "line", (json_int_t)r->line, "key",
			 r->key ? json_string(r->key) : json_null());
}

static void
text_rec(struct mdg_buf *b, const struct mdg_dup_record *r)
{
	if (r->line == 0)	/* a golden record of the registry */
		mdg_buf_printf(b, "%s %s", r->path, r->key ? r->key : "no key");
	else
		mdg_buf_printf(b, "%s:%ld (%s)", r->path, r->line, r->key ? r->key : "no key");
}

/* The registry of --registry[=FILE]; errors said on standard error. */
static int
open_registry(const struct mdg_enterprise *e, const char *regfile, struct mdg_registry **reg)
{
	char *rpath, *err = NULL;
	int rc = MDG_OK;

	*reg = NULL;
	if ((rpath = mdg_registry_path(e, regfile)) == NULL) {
		fprintf(stderr, "mdgate: %s names no registry; add 'registry: FILE' or give "
			"--registry=FILE\n", e->file);
		return MDG_ERR;
	}
	if (mdg_registry_open(reg, rpath, false, &err) != MDG_OK) {
		fprintf(stderr, "mdgate: %s\n", err);
		rc = MDG_ERR;
	}
	free(err);
	free(rpath);
	return rc;
}

static void on_duplicates(void *arg, const struct mdg_domain *dom,
			  const struct mdg_match_set *set, const struct mdg_dup_record *recs,
			  const struct mdg_match_pair *pairs, size_t npairs);

/*
 * --registry: the clusters among the current golden records of every
 * matched domain (or of -d), read from the registry's duplicate index: for
 * cleaning up what Odoo already holds.  *golden counts the records.
 */
static int
registry_clusters(struct dedup *dd, const struct mdg_enterprise *e, const char *regfile,
		  const char *domain, size_t *golden)
{
	struct mdg_registry *reg = NULL;
	size_t i, r;
	int rc = MDG_OK;

	*golden = 0;
	if (open_registry(e, regfile, &reg) != MDG_OK)
		return MDG_ERR;
	for (i = 0; i < e->domains.n && rc == MDG_OK; i++) {
		const struct mdg_domain *dom = e->domains.v[i];
		struct mdg_match_index *ix = NULL;
		struct mdg_match_set *set;
		struct mdg_match_pair *pairs = NULL;
		struct mdg_dup_record *recs;
		size_t n, np;

		if (dom->match == NULL || (domain != NULL && strcmp(domain, dom->name) != 0))
			continue;
		if (mdg_match_index_load(reg, dom, &ix) != MDG_OK) {
			fprintf(stderr, "mdgate: %s\n", mdg_registry_error(reg));
			rc = MDG_ERR;
			break;
		}
		set = mdg_match_index_set(ix);
		n = mdg_match_index_golden(ix);
		*golden += n;
		if (n >= 2) {
			recs = xcalloc(n, sizeof(*recs));
			for (r = 0; r < n; r++) {
				recs[r].path = "registry";
				recs[r].record = r + 1;
				recs[r].key = mdg_match_index_key(ix, r);
			}
			np = mdg_match_candidates(set, &pairs, NULL);
			mdg_match_score_pairs(set, pairs, np);
			/* A pair a steward said is two records is not a suspect. */
			for (r = 0; r < np; r++)
				if (mdg_match_decision(ix, recs[pairs[r].a].key,
						       recs[pairs[r].b].key) == 0)
					pairs[r].score = -HUGE_VAL;
			on_duplicates(dd, dom, set, recs, pairs, np);
			free(pairs);
			free(recs);
		}
		mdg_match_index_free(ix);
	}
	mdg_registry_close(reg);
	return rc;
}

/* The explanation's per-field lines (its first line is replaced by ours). */
static void
text_explain(struct mdg_buf *b, const struct mdg_match_explain *e)
{
	struct mdg_buf t;
	const char *p, *nl;

	mdg_buf_init(&t, 0);
	mdg_match_explain_text(e, &t);
	p = t.data ? strchr(t.data, '\n') : NULL;
	while (p != NULL && p[1] != '\0') {
		p++;
		nl = strchr(p, '\n');
		mdg_buf_printf(b, "    %.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
		p = nl;
	}
	mdg_buf_free(&t);
}

static void
on_duplicates(void *arg, const struct mdg_domain *dom, const struct mdg_match_set *set,
	      const struct mdg_dup_record *recs, const struct mdg_match_pair *pairs, size_t npairs)
{
	struct dedup *dd = arg;
	const struct mdg_domain_match *dm = dom->match;
	const struct mdg_matcher *m = dm->m;
	bool fs = m->mode == MDG_SCORE_FS;
	size_t n = mdg_match_set_count(set), *cl, nc, r, i, k = 0, size;
	json_t *jd = NULL, *jcl = NULL;

	cl = xcalloc(n, sizeof(*cl));
	nc = mdg_match_cluster(n, pairs, npairs, m->review_threshold, cl);
	if (dd->json && fs) {
		/* The thresholds as written (probabilities) and as weights. */
		jcl = json_array();
		jd = json_pack("{s:s, s:I, s:I, s:s, s:f, s:f, s:f, s:o, s:o, s:o}", "domain",
			       dom->name, "records", (json_int_t)n, "candidates",
			       (json_int_t)npairs, "scoring", "fellegi_sunter", "prior", m->lambda,
			       "duplicate_threshold", dm->dup_p, "review_threshold", dm->review_p,
			       "duplicate_weight", json_num(m->dup_threshold), "review_weight",
			       json_num(m->review_threshold), "clusters", jcl);
		json_array_append_new(dd->domains, jd);
	} else if (dd->json) {
		jcl = json_array();
		jd = json_pack("{s:s, s:I, s:I, s:f, s:f, s:o}", "domain", dom->name,
			       "records", (json_int_t)n, "candidates", (json_int_t)npairs,
			       "duplicate_threshold", m->dup_threshold, "review_threshold",
			       m->review_threshold, "clusters", jcl);
		json_array_append_new(dd->domains, jd);
	} else if (fs) {
		mdg_buf_printf(&dd->text, "%s: %zu records compared, %zu candidate pairs, "
			       "%zu cluster%s of suspected duplicates (Fellegi-Sunter, prior %g: "
			       "duplicate >= probability %.2f, review >= %.2f)\n", dom->name, n,
			       npairs, nc, nc == 1 ? "" : "s", m->lambda, dm->dup_p, dm->review_p);
	} else {
		mdg_buf_printf(&dd->text, "%s: %zu records compared, %zu candidate pairs, "
			       "%zu cluster%s of suspected duplicates (duplicate >= %.2f, "
			       "review >= %.2f)\n", dom->name, n, npairs, nc, nc == 1 ? "" : "s",
			       m->dup_threshold, m->review_threshold);
	}
	for (r = 0; r < n; r++) {
		json_t *jr = NULL, *jp = NULL;

		if (cl[r] != r)
			continue;
		for (size = 0, i = r; i < n; i++)
			size += cl[i] == r;
		if (size < 2)
			continue;
		k++;
		dd->clusters++;
		if (dd->json) {
			jr = json_array();
			jp = json_array();
			json_array_append_new(jcl, json_pack("{s:I, s:o, s:o}", "cluster",
							     (json_int_t)k, "records", jr,
							     "pairs", jp));
		} else {
			mdg_buf_printf(&dd->text, "\ncluster %zu: %zu records\n", k, size);
		}
		for (i = r; i < n; i++) {
			if (cl[i] != r)
				continue;
			if (dd->json) {
				json_array_append_new(jr, rec_json(&recs[i]));
			} else {
				mdg_buf_printf(&dd->text, "  ");
				text_rec(&dd->text, &recs[i]);
				mdg_buf_printf(&dd->text, "\n");
			}
		}
		for (i = 0; i < npairs; i++) {
			const struct mdg_match_pair *p = &pairs[i];
			struct mdg_match_explain e;

			if (cl[p->a] != r || p->score < m->review_threshold)
				continue;
			mdg_match_explain(set, p->a, p->b, &e);
			if (dd->json) {
				struct mdg_buf t;
				json_t *je;

				mdg_buf_init(&t, 0);
				mdg_match_explain_json(&e, &t);
				je = json_loads(t.data ? t.data : "{}", 0, NULL);
				mdg_buf_free(&t);
				if (fs)
					json_array_append_new(jp, json_pack(
					    "{s:o, s:o, s:s, s:f, s:f, s:o}", "a",
					    rec_json(&recs[p->a]), "b", rec_json(&recs[p->b]),
					    "verdict", verdict(m, p->score), "score", p->score,
					    "probability", fs_probability(p->score, m->lambda),
					    "explanation", je ? je : json_null()));
				else
					json_array_append_new(jp, json_pack(
					    "{s:o, s:o, s:s, s:f, s:o}", "a", rec_json(&recs[p->a]),
					    "b", rec_json(&recs[p->b]), "verdict",
					    verdict(m, p->score), "score", p->score, "explanation",
					    je ? je : json_null()));
			} else {
				mdg_buf_printf(&dd->text, "  pair ");
				text_rec(&dd->text, &recs[p->a]);
				mdg_buf_printf(&dd->text, " ~ ");
				text_rec(&dd->text, &recs[p->b]);
				if (fs)
					mdg_buf_printf(&dd->text, ": %s, weight %.4f, probability %.4f\n",
						       verdict(m, p->score), p->score,
						       fs_probability(p->score, m->lambda));
				else
					mdg_buf_printf(&dd->text, ": %s, score %.4f\n",
						       verdict(m, p->score), p->score);
				text_explain(&dd->text, &e);
			}
			mdg_match_explain_free(&e);
		}
	}
	free(cl);
}

/* ------------------------------------------------------------ --estimate */

struct estimate {
	struct mdg_buf out;		/* the YAML snippets */
	size_t done;			/* domains estimated */
	size_t tried;			/* domains with two records or more */
};

/* One domain's estimation: a Fellegi-Sunter copy of its matcher and a set. */
struct est_run {
	const struct mdg_domain *dom;
	struct mdg_matcher m;
	struct mdg_match_field *fields;
	struct mdg_match_set *set;
};

/*
 * Start from the domain's matcher: its levels, m and u under FS scoring;
 * under weighted scoring the measures' default levels with default m and u.
 */
static void
est_begin(struct est_run *r, const struct mdg_domain *dom)
{
	const struct mdg_matcher *dm = dom->match->m;
	size_t f;

	r->dom = dom;
	r->m = *dm;
	r->fields = xcalloc(dm->nfields ? dm->nfields : 1, sizeof(*r->fields));
	memcpy(r->fields, dm->fields, dm->nfields * sizeof(*r->fields));
	r->m.fields = r->fields;
	if (dm->mode != MDG_SCORE_FS)
		for (f = 0; f < dm->nfields; f++) {
			r->fields[f].nthr = mdg_domain_match_default_levels(r->fields[f].measure,
									    r->fields[f].thr);
			mdg_domain_match_default_mu(&r->fields[f], true, true);
		}
	r->m.mode = MDG_SCORE_FS;
	r->m.lambda = dm->mode == MDG_SCORE_FS ? dm->lambda : 1e-4;
	r->m.link_only = false;
	r->set = mdg_match_set_new(&r->m);
}

static void
est_end(struct est_run *r)
{
	mdg_match_set_free(r->set);
	free(r->fields);
}

/* A probability in [0, 1] as written: "0.", up to 9 decimals, no trailing 0. */
static void
put_unit(struct mdg_buf *b, long long units)
{
	char digits[16];
	int len;

	if (units >= EST_UNITS) {
		mdg_buf_printf(b, "1");
		return;
	}
	len = snprintf(digits, sizeof(digits), "%09lld", units);
	while (len > 1 && digits[len - 1] == '0')
		len--;
	mdg_buf_printf(b, "0.%.*s", len, digits);
}

/*
 * The probabilities p[0..nl-1] rounded to multiples of 1e-9, each at least
 * 1e-9, summing to exactly 1 (the largest takes the rounding), so that the
 * snippet loads as it is printed.  units receives them.
 */
static void
round_probs(const double *p, size_t nl, long long *units)
{
	double tot = 0;
	long long sum = 0;
	size_t l, big = 0;

	for (l = 0; l < nl; l++)
		tot += p[l];
	for (l = 0; l < nl; l++) {
		units[l] = tot > 0 ? llround(p[l] / tot * (double)EST_UNITS) : 1;
		if (units[l] < 1)
			units[l] = 1;
		if (units[l] > units[big])
			big = l;
		sum += units[l];
	}
	units[big] += EST_UNITS - sum;
}

static void
put_probs(struct mdg_buf *b, const char *key, const long long *units, size_t nl)
{
	size_t l;

	mdg_buf_printf(b, "      %s: [", key);
	for (l = 0; l < nl; l++) {
		if (l > 0)
			mdg_buf_printf(b, ", ");
		put_unit(b, units[l]);
	}
	mdg_buf_printf(b, "]\n");
}

/*
 * Estimate from the records in r->set (from says where they come from),
 * append the snippet to es->out and a summary to standard error.
 */
static void
est_finish(struct estimate *es, struct est_run *r, const char *from)
{
	const struct mdg_domain *dom = r->dom;
	const struct mdg_domain_match *dm = dom->match;
	struct mdg_match_pair *pairs = NULL;
	struct mdg_buf *b = &es->out;
	size_t n = mdg_match_set_count(r->set), np, got, f, l, nl;
	long long um[MDG_MATCH_MAX_LEVELS], uu[MDG_MATCH_MAX_LEVELS];
	double total, lam, prior, start;
	unsigned it;
	uint8_t *lv;

	if (n < 2) {
		fprintf(stderr, "mdgate: %s: %zu %s: nothing to estimate from\n", dom->name, n,
			from);
		return;
	}
	es->tried++;
	np = mdg_match_candidates(r->set, &pairs, NULL);
	if (np == 0) {
		fprintf(stderr, "mdgate: %s: %zu %s, but no candidate pairs (no two share a "
			"block key): m and the prior cannot be estimated\n", dom->name, n, from);
		free(pairs);
		return;
	}
	got = mdg_match_estimate_u(&r->m, r->set, EST_RANDOM_PAIRS, EST_SEED);
	lv = mdg_match_levels(r->set, pairs, np);
	/* EM's lambda is the share of matches among the candidates; start it
	 * from the prior over all pairs, within reason. */
	total = (double)n * (double)(n - 1) / 2;
	start = r->m.lambda * total / (double)np;
	r->m.lambda = start < 0.01 ? 0.01 : start > 0.5 ? 0.5 : start;
	it = mdg_match_em(&r->m, lv, np, true, 0);
	free(lv);
	free(pairs);
	lam = r->m.lambda;
	prior = lam * (double)np / total;
	if (prior >= 1)
		prior = 0.999999;
	es->done++;
	fprintf(stderr, "mdgate: %s: %zu %s, %zu candidate pairs; u from %zu random "
		"pairs; m and the prior by EM over the candidate pairs (u fixed): %u "
		"iteration%s%s; about %.1f of the candidate pairs match (%.2f%%), prior %.6g\n",
		dom->name, n, from, np, got, it, it == 1 ? "" : "s",
		it >= 100 ? " (the limit: not converged)" : "", lam * (double)np, lam * 100,
		prior);

	mdg_buf_printf(b, "%s# %s: Fellegi-Sunter parameters by `mdgate dedup --estimate`\n"
		       "# records: %zu %s\n"
		       "# pairs: %zu candidate pairs (EM: %u iteration%s), %zu random pairs (u)\n"
		       "# Replace scoring, prior, threshold and fields of the match: section of\n"
		       "# %s with these lines (block stays as it is).\n"
		       "# The thresholds are match probabilities: check them.\n",
		       es->done > 1 ? "\n" : "", dom->name, n, from, np, it, it == 1 ? "" : "s",
		       got, dom->file);
	mdg_buf_printf(b, "  scoring: fellegi_sunter\n  prior: %.6g\n", prior);
	mdg_buf_printf(b, "  threshold: {duplicate: %g, review: %g}\n", dm->dup_p, dm->review_p);
	mdg_buf_printf(b, "  fields:\n");
	for (f = 0; f < r->m.nfields; f++) {
		const struct mdg_match_field *mf = &r->fields[f];

		nl = mf->nthr + 1;
		round_probs(mf->m, nl, um);
		round_probs(mf->u, nl, uu);
		mdg_buf_printf(b, "    - field: %s\n", mf->name);
		if (dm->normalise[f][0] != '\0')
			mdg_buf_printf(b, "      normalise: [%s]\n", dm->normalise[f]);
		mdg_buf_printf(b, "      measure: %s\n      levels: [", mf->measure->name);
		for (l = 0; l < mf->nthr; l++)
			mdg_buf_printf(b, "%s%g", l ? ", " : "", mf->thr[l]);
		mdg_buf_printf(b, "]\n");
		put_probs(b, "m", um, nl);
		put_probs(b, "u", uu, nl);
		mdg_buf_printf(b, "      # weights:");
		for (l = 0; l < nl; l++)
			mdg_buf_printf(b, " %+.2f", log2((double)um[l] / (double)uu[l]));
		mdg_buf_printf(b, "\n");
	}
}

/* --estimate over files: each domain's accepted records, as the check kept them. */
static void
on_estimate(void *arg, const struct mdg_domain *dom, const struct mdg_match_set *set,
	    const struct mdg_dup_record *recs, const struct mdg_match_pair *pairs, size_t npairs)
{
	struct estimate *es = arg;
	struct est_run r;
	struct mdg_match_explain e;
	const char **vals;
	size_t n = mdg_match_set_count(set), nf = dom->match->nfields, i, f;

	(void)recs;
	(void)pairs;
	(void)npairs;
	est_begin(&r, dom);
	vals = xcalloc(nf ? nf : 1, sizeof(*vals));
	for (i = 0; i < n; i++) {
		/* The values as the check read them (the explanation holds them). */
		mdg_match_explain(set, i, i, &e);
		for (f = 0; f < nf; f++)
			vals[f] = e.fields[f].raw_a;
		(void)mdg_match_set_add(r.set, vals, nf, 0);
		mdg_match_explain_free(&e);
	}
	free(vals);
	est_finish(es, &r, "accepted records of the files");
	est_end(&r);
}

/* --estimate --registry: the current golden records of every domain with a
 * match: section (or of the one named). */
static int
estimate_registry(struct estimate *es, struct mdg_enterprise *e, const char *regfile,
		  const char *only)
{
	struct mdg_registry *reg = NULL;
	sqlite3_stmt *st = NULL;
	char *from = NULL;
	const char **vals = NULL;
	size_t i, f;
	int rc = MDG_ERR, s;

	if (open_registry(e, regfile, &reg) != MDG_OK)
		return MDG_ERR;
	if (sqlite3_prepare_v2(mdg_registry_db(reg), "SELECT vals FROM golden WHERE domain = ?1 "
			       "AND is_current ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "mdgate: %s: %s\n", mdg_registry_file(reg),
			sqlite3_errmsg(mdg_registry_db(reg)));
		goto done;
	}
	from = xasprintf("current golden records of the registry %s", mdg_registry_file(reg));
	for (i = 0; i < e->domains.n; i++) {
		const struct mdg_domain *dom = e->domains.v[i];
		const struct mdg_domain_match *dm = dom->match;
		struct est_run r;

		if (dm == NULL || (only != NULL && strcmp(only, dom->name) != 0))
			continue;
		est_begin(&r, dom);
		vals = xreallocarray(vals, dm->nfields ? dm->nfields : 1, sizeof(*vals));
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, dom->name, -1, SQLITE_STATIC);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			const char *txt = (const char *)sqlite3_column_text(st, 0);
			json_t *obj = txt != NULL ? json_loads(txt, 0, NULL) : NULL;

			for (f = 0; f < dm->nfields; f++) {
				json_t *v = json_object_get(obj, dom->fields[dm->dom_field[f]].name);

				vals[f] = json_is_string(v) ? json_string_value(v) : NULL;
			}
			if (obj != NULL)
				(void)mdg_match_set_add(r.set, vals, dm->nfields, 0);
			json_decref(obj);
		}
		if (s != SQLITE_DONE) {
			fprintf(stderr, "mdgate: %s: cannot read the golden records: %s\n",
				mdg_registry_file(reg), sqlite3_errmsg(mdg_registry_db(reg)));
			est_end(&r);
			goto done;
		}
		est_finish(es, &r, from);
		est_end(&r);
	}
	rc = MDG_OK;
done:
	free(vals);
	free(from);
	sqlite3_finalize(st);
	mdg_registry_close(reg);
	return rc;
}

/* --estimate: the snippets on standard output; the exit status. */
static int
run_estimate(struct estimate *es, struct mdg_enterprise *e, struct mdg_check_opts *o,
	     bool registry, const char *regfile, char **files, size_t nfiles,
	     struct mdg_report *rep, struct mdg_diags *d)
{
	const struct mdg_domain *dom;

	if (registry) {
		if (o->domain != NULL) {
			if ((dom = mdg_domain_find(&e->domains, o->domain)) == NULL) {
				fprintf(stderr, "mdgate: there is no domain '%s'\n", o->domain);
				return MDG_EXIT_DEFINITION;
			}
			if (dom->match == NULL) {
				fprintf(stderr, "mdgate: domain '%s' has no match: section (%s)\n",
					dom->name, dom->file);
				return MDG_EXIT_DEFINITION;
			}
		}
		if (estimate_registry(es, e, regfile, o->domain) != MDG_OK)
			return MDG_EXIT_DEFINITION;
	} else {
		o->on_duplicates = on_estimate;
		o->on_duplicates_arg = es;
		if (mdg_check_files(e, o, files, nfiles, rep, d) != MDG_OK) {
			mdg_diags_render_all(stderr, d, mdg_want_color(stderr));
			return MDG_EXIT_DEFINITION;
		}
		if (rep->rejected > 0)
			fprintf(stderr, "mdgate: %zu of %zu records were rejected by the check and "
				"not used (see `mdgate check`)\n", rep->rejected, rep->records);
	}
	if (es->tried == 0)
		fprintf(stderr, "mdgate: no domain %s has a match: section and two records or "
			"more to estimate from\n", registry ? "of the registry" : "of these files");
	if (es->out.len > 0)
		fputs(es->out.data, stdout);
	if (fflush(stdout) != 0)
		return MDG_EXIT_DEFINITION;
	return es->done > 0 ? MDG_EXIT_OK : MDG_EXIT_GATE;
}

static int
cmd_dedup_exec(int argc, char **argv)
{
	enum { OPT_ESTIMATE = 256, OPT_REGISTRY };
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"site", required_argument, NULL, 's'},
		{"domain", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"estimate", no_argument, NULL, OPT_ESTIMATE},
		{"registry", optional_argument, NULL, OPT_REGISTRY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *format = NULL, *regfile = NULL;
	struct mdg_check_opts o;
	struct mdg_enterprise *e = NULL;
	struct mdg_diags d;
	struct mdg_report rep;
	struct dedup dd;
	struct estimate es;
	char *path = NULL, *js;
	bool estimate = false, registry = false;
	int c, rc, status = MDG_EXIT_DEFINITION;

	memset(&o, 0, sizeof(o));
	memset(&dd, 0, sizeof(dd));
	memset(&es, 0, sizeof(es));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:s:d:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ESTIMATE:
			estimate = true;
			break;
		case OPT_REGISTRY:
			registry = true;
			regfile = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 's':
			o.site = optarg;
			break;
		case 'd':
			o.domain = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'h':
			mdg_print_help(stdout, &mdg_cmd_dedup);
			return MDG_EXIT_OK;
		case ':':
			return mdg_usage_error(&mdg_cmd_dedup, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return mdg_usage_error(&mdg_cmd_dedup, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (estimate && format != NULL)
		return mdg_usage_error(&mdg_cmd_dedup, "--estimate prints YAML; --format does "
				       "not apply");
	if (registry && optind < argc)
		return mdg_usage_error(&mdg_cmd_dedup, "give files or --registry, not both (a "
				       "registry file is given as --registry=FILE)");
	if (registry && o.site != NULL)
		return mdg_usage_error(&mdg_cmd_dedup, "--site is for files, not --registry");
	if (!registry && optind >= argc)
		return mdg_usage_error(&mdg_cmd_dedup, estimate ? "no files (or --registry) to "
				       "estimate from" : "no files to compare");
	if (format == NULL)
		format = "text";
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return mdg_usage_error(&mdg_cmd_dedup, "unknown format '%s' (text or json)", format);
	if ((path = mdg_enterprise_locate(config)) == NULL)
		return mdg_usage_error(&mdg_cmd_dedup,
				       "no mdgate.yaml in the current folder; give --config FILE");

	mdg_diags_init(&d);
	mdg_report_init(&rep);
	mdg_buf_init(&dd.text, 0);
	mdg_buf_init(&es.out, 0);
	dd.json = strcmp(format, "json") == 0;
	dd.domains = json_array();
	rc = mdg_enterprise_load(&e, path, &d);
	if (rc != MDG_OK) {
		mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
		fprintf(stderr, "mdgate: the definitions have errors; nothing was %s\n",
			estimate ? "estimated" : "compared");
		goto done;
	}
	mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));  /* warnings */
	mdg_diags_free(&d);
	mdg_diags_init(&d);
	if (estimate) {
		status = run_estimate(&es, e, &o, registry, regfile, argv + optind,
				      (size_t)(argc - optind), &rep, &d);
		goto done;
	}
	o.on_duplicates = on_duplicates;
	o.on_duplicates_arg = &dd;
	if (registry) {
		if (registry_clusters(&dd, e, regfile, o.domain, &rep.records) != MDG_OK)
			goto done;
	} else {
		rc = mdg_check_files(e, &o, argv + optind, (size_t)(argc - optind), &rep, &d);
		if (rc != MDG_OK) {
			mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
			goto done;
		}
	}
	if (dd.json) {
		json_t *top = json_pack("{s:i, s:I, s:I, s:I, s:O}", "schema", 1,
					"records", (json_int_t)rep.records,
					"rejected", (json_int_t)rep.rejected,
					"clusters", (json_int_t)dd.clusters, "domains", dd.domains);

		js = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		if (js != NULL)
			printf("%s\n", js);
		free(js);
		json_decref(top);
	} else {
		if (dd.text.len == 0)
			printf("no domain of these files has a match: section, or fewer than two "
			       "records to compare\n");
		else
			fputs(dd.text.data, stdout);
		if (rep.rejected > 0)
			printf("\n%zu of %zu records were rejected by the check and not compared "
			       "(see `mdgate check`)\n", rep.rejected, rep.records);
	}
	status = fflush(stdout) != 0 ? MDG_EXIT_DEFINITION :
		 dd.clusters > 0 ? MDG_EXIT_GATE : MDG_EXIT_OK;
done:
	json_decref(dd.domains);
	mdg_buf_free(&dd.text);
	mdg_buf_free(&es.out);
	mdg_report_free(&rep);
	mdg_diags_free(&d);
	mdg_enterprise_free(e);
	free(path);
	return status;
}
