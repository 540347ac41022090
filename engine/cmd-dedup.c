/*
 * cmd-dedup.c - `mdgate dedup`: the clusters of suspected duplicates in
 * submission files.  The files are read and checked as `mdgate check` does;
 * the accepted records of every domain with a match: section are compared,
 * and pairs at or above the review threshold are grouped into clusters,
 * each pair with its explanation, in text or JSON.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "cmd.h"
#include "domain.h"
#include "enterprise.h"
#include "match.h"
#include "report.h"

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
		"Options:\n"
		"  -c, --config FILE       the enterprise configuration (default ./mdgate.yaml,\n"
		"                          or $MDGATE_CONFIG)\n"
		"  -s, --site CODE         the site the files come from\n"
		"  -d, --domain NAME       the domain of every file\n"
		"  -f, --format FORMAT     text (default) or json\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 no suspected duplicates; 1 at least one cluster; 2 usage,\n"
		"definition or unreadable input.\n",
	.exec = cmd_dedup_exec,
};

struct dedup {
	bool json;
	struct mdg_buf text;
	json_t *domains;	/* JSON: one object per domain */
	size_t clusters;
};

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
	mdg_buf_printf(b, "%s:%ld (%s)", r->path, r->line, r->key ? r->key : "no key");
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
	const struct mdg_matcher *m = dom->match->m;
	size_t n = mdg_match_set_count(set), *cl, nc, r, i, k = 0, size;
	json_t *jd = NULL, *jcl = NULL;

	cl = xcalloc(n, sizeof(*cl));
	nc = mdg_match_cluster(n, pairs, npairs, m->review_threshold, cl);
	if (dd->json) {
		jcl = json_array();
		jd = json_pack("{s:s, s:I, s:I, s:f, s:f, s:o}", "domain", dom->name,
			       "records", (json_int_t)n, "candidates", (json_int_t)npairs,
			       "duplicate_threshold", m->dup_threshold, "review_threshold",
			       m->review_threshold, "clusters", jcl);
		json_array_append_new(dd->domains, jd);
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
				json_array_append_new(jp, json_pack("{s:o, s:o, s:s, s:f, s:o}",
								    "a", rec_json(&recs[p->a]),
								    "b", rec_json(&recs[p->b]),
								    "verdict", verdict(m, p->score),
								    "score", p->score,
								    "explanation",
								    je ? je : json_null()));
			} else {
				mdg_buf_printf(&dd->text, "  pair ");
				text_rec(&dd->text, &recs[p->a]);
				mdg_buf_printf(&dd->text, " ~ ");
				text_rec(&dd->text, &recs[p->b]);
				mdg_buf_printf(&dd->text, ": %s, score %.4f\n", verdict(m, p->score),
					       p->score);
				text_explain(&dd->text, &e);
			}
			mdg_match_explain_free(&e);
		}
	}
	free(cl);
}

static int
cmd_dedup_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"site", required_argument, NULL, 's'},
		{"domain", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *format = "text";
	struct mdg_check_opts o;
	struct mdg_enterprise *e = NULL;
	struct mdg_diags d;
	struct mdg_report rep;
	struct dedup dd;
	char *path = NULL, *js;
	int c, rc, status = MDG_EXIT_DEFINITION;

	memset(&o, 0, sizeof(o));
	memset(&dd, 0, sizeof(dd));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:s:d:f:h", longopts, NULL)) != -1) {
		switch (c) {
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
	if (optind >= argc)
		return mdg_usage_error(&mdg_cmd_dedup, "no files to compare");
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return mdg_usage_error(&mdg_cmd_dedup, "unknown format '%s' (text or json)", format);
	if ((path = mdg_enterprise_locate(config)) == NULL)
		return mdg_usage_error(&mdg_cmd_dedup,
				       "no mdgate.yaml in the current folder; give --config FILE");

	mdg_diags_init(&d);
	mdg_report_init(&rep);
	mdg_buf_init(&dd.text, 0);
	dd.json = strcmp(format, "json") == 0;
	dd.domains = json_array();
	rc = mdg_enterprise_load(&e, path, &d);
	if (rc != MDG_OK) {
		mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
		fprintf(stderr, "mdgate: the definitions have errors; nothing was compared\n");
		goto done;
	}
	mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));  /* warnings */
	mdg_diags_free(&d);
	mdg_diags_init(&d);
	o.on_duplicates = on_duplicates;
	o.on_duplicates_arg = &dd;
	rc = mdg_check_files(e, &o, argv + optind, (size_t)(argc - optind), &rep, &d);
	if (rc != MDG_OK) {
		mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
		goto done;
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
	mdg_report_free(&rep);
	mdg_diags_free(&d);
	mdg_enterprise_free(e);
	free(path);
	return status;
}
