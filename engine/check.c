/*
 * check.c - the check pipeline: files in dependency order, header mapping,
 * per-record field checks, business keys and references.
 *
 * This is the hot loop of `mdgate check`.  Per record it allocates nothing
 * but the business key kept for uniqueness; messages go through fixed
 * buffers, and findings are only created for records that have problems.
 * After a record's fields, the rules in force for its site and domain are
 * evaluated (rules.c); a field with a finding of its own keeps the rules
 * that name it from running on that record.  The column checks of a big
 * file run ahead in worker threads (see "batches" below).
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "csv.h"
#include "digest.h"
#include "match.h"
#include "progress.h"
#include "match-index.h"
#include "registry.h"
#include "rules.h"
#include "validate.h"

/* A reference whose target is in the same domain, resolved at the end. */
struct deferred_ref {
	size_t file_index;
	size_t record;      /* 1-based record number in its file */
	long line;
	long record_line;
	const struct mdg_field *field;
	char *value;
	char *key;
};

/*
 * Records kept for duplicate detection within the run: at most
 * MDG_CHECK_MATCH_MAX per domain (the compared fields' values only); the
 * records past the cap are not compared, and one dup.capped warning says so.
 */
#define MDG_CHECK_MATCH_MAX 1000000
/* Suspected duplicates in the registry named per record, the best first. */
#define MDG_CHECK_SUSPECTS_NAMED 5
/* Suspected pairs explained in the report (findings go on past it). */
#define MDG_CHECK_DUP_DETAIL 10000

struct match_rec {
	size_t file_index;
	size_t record;      /* 1-based record number in its file */
	long line;
	char *key;          /* NULL: none */
	char **vals;        /* per compared field, NULL: missing */
};

/* What the run knows of one domain. */
struct domain_state {
	const struct mdg_domain *dom;
	struct mdg_strset keys;   /* business key -> +record line (accepted) / -line (rejected) */
	bool seen;                /* a file of this domain is in the run */
	struct deferred_ref *deferred;
	size_t ndeferred;
	struct match_rec *mrec;   /* records for duplicate detection */
	size_t nmrec;
	bool mcapped;             /* some records were not kept */
};

struct file_job {
	const char *path;
	struct mdg_domain *dom;           /* the central domain: order, keys, references */
	const struct mdg_domain *fdom;    /* its fields: the site's view, or dom */
	struct mdg_site *site;
	const struct mdg_site_domain *sd;  /* the site's columns and value maps, NULL: none */
	struct domain_state *st;           /* what the run knows of dom */
	size_t index;   /* position in the report */
	size_t order;   /* position on the command line */
};

struct run {
	const struct mdg_enterprise *e;
	const struct mdg_check_opts *o;
	struct mdg_report *rep;
	struct domain_state *ds;
	struct mdg_vctx vctx;
	struct mdg_buf key;
	struct mdg_buf keyshow;
	unsigned char **states;  /* per file: one byte per record, STATE_* */
	long record_line;        /* start line of the record being checked, 0: none */
	size_t *nstates;
	struct mdg_rules_run *rules;
	struct mdg_rules_file *rf;  /* the rules of the file being checked, NULL: none */
	struct mdg_buf regkey;      /* a key as the registry writes it */
	bool reg_failed;            /* a registry lookup failed (reported once) */
	size_t dupcap;              /* room in rep->dups */
};

/* Column of the file -> field of the domain. */
struct column {
	struct mdg_field *field;  /* NULL: ignored column */
};

static struct domain_state *
state_for(struct run *r, const struct mdg_domain *dom)
{
	size_t i;

	dom = mdg_domain_central(dom);
	for (i = 0; i < r->e->domains.n; i++)
		if (r->ds[i].dom == dom)
			return &r->ds[i];
	return NULL;
}

/* Record states, by rank: a later state of higher rank replaces a lower. */
#define STATE_ACCEPTED 0
#define STATE_REVIEW 1
#define STATE_REJECTED 2

static void set_state(struct run *r, size_t file_index, size_t record, unsigned char v);

static void
finding_from(struct run *r, size_t file_index, size_t record, long line, long col,
	     const char *key, const char *field, enum mdg_severity sev, const char *code,
	     const char *msg, const char *origin)
{
	struct mdg_diag t;

	memset(&t, 0, sizeof(t));
	t.record_line = r->record_line;
	t.severity = sev;
	t.code = code;
	t.line = line;
	t.col = col;
	t.record = (long)record;
	t.record_key = (char *)key;
	t.field = (char *)field;
	t.message = (char *)msg;
	t.origin = (char *)origin;
	t.file_index = file_index;
	mdg_diag_add(&r->rep->findings, &t);
	/* A record with warnings but no error waits for review. */
	if (record > 0 && sev == MDG_SEV_WARNING)
		set_state(r, file_index, record, STATE_REVIEW);
}

static void
finding(struct run *r, size_t file_index, size_t record, long line, long col, const char *key,
	const char *field, enum mdg_severity sev, const char *code, const char *msg)
{
	finding_from(r, file_index, record, line, col, key, field, sev, code, msg, NULL);
}

static void
set_state(struct run *r, size_t file_index, size_t record, unsigned char v)
{
	size_t n = r->nstates[file_index];

	if (record > n) {
		size_t ncap = n ? n : 1024;
		while (ncap < record)
			ncap *= 2;
		if (ncap != n) {
			r->states[file_index] = xreallocarray(r->states[file_index], ncap, 1);
			memset(r->states[file_index] + n, 0, ncap - n);
			r->nstates[file_index] = ncap;
		}
	}
	if (v > r->states[file_index][record - 1])
		r->states[file_index][record - 1] = v;
}

/* ----------------------------------------------------------- the header */

static void
map_header(struct run *r, const struct file_job *job, const struct csv_record *h,
	   struct column *cols, bool *fatal_header)
{
	const struct mdg_site_domain *sd = job->sd;
	const struct mdg_domain *fdom = job->fdom;
	struct mdg_field **seen;
	size_t i;
	char msg[512];

	seen = xcalloc(fdom->nfields ? fdom->nfields : 1, sizeof(*seen));
	for (i = 0; i < h->nproblems; i++) {
		finding(r, job->index, 0, h->problems[i].line, h->problems[i].col, NULL, NULL,
			MDG_SEV_ERROR, h->problems[i].code, h->problems[i].message);
		*fatal_header = true;
	}
	for (i = 0; i < h->nfields; i++) {
		size_t len = h->lens[i];
		const char *name = mdg_trim(h->fields[i], &len);
		char *col = xstrndup(name, len);
		const char *mapped = mdg_site_map_column(sd, col);
		struct mdg_field *f;

		cols[i].field = NULL;
		if (len == 0) {
			snprintf(msg, sizeof(msg), "column %zu has no name and is ignored", i + 1);
			finding(r, job->index, 0, h->line, 0, NULL, NULL, MDG_SEV_WARNING,
				"header.unknown", msg);
			free(col);
			continue;
		}
		f = mapped ? mdg_field_find(fdom, mapped) : mdg_field_for_column(fdom, col);
		if (f == NULL) {
			snprintf(msg, sizeof(msg),
				 "column '%.100s' is not a field of %s and is ignored%s", col,
				 job->dom->name,
				 job->site ? " (a site may name it in its extension's columns)" : "");
			finding(r, job->index, 0, h->line, 0, NULL, col, MDG_SEV_WARNING,
				"header.unknown", msg);
		} else if (seen[f->index] != NULL) {
			snprintf(msg, sizeof(msg),
				 "column %zu ('%.100s') is field %s again; every record is rejected "
				 "until the file has one column per field",
				 i + 1, col, f->name);
			finding(r, job->index, 0, h->line, 0, NULL, f->name, MDG_SEV_ERROR,
				"header.duplicate", msg);
			*fatal_header = true;
		} else {
			seen[f->index] = f;
			cols[i].field = f;
		}
		free(col);
	}
	for (i = 0; i < fdom->nfields; i++) {
		const struct mdg_field *f = &fdom->fields[i];
		if (seen[i] == NULL && f->required) {
			snprintf(msg, sizeof(msg),
				 "required column '%s' is missing; every record is rejected", f->name);
			finding(r, job->index, 0, h->line, 0, NULL, f->name, MDG_SEV_ERROR,
				"header.missing", msg);
			*fatal_header = true;
		}
	}
	free(seen);
}

/* ------------------------------------------------------------ references */

static const char *
field_label(const struct mdg_field *f)
{
	return f->label ? f->label : f->name;
}

/* Is the key a current golden record of the domain in the registry? */
static bool
in_registry(struct run *r, const struct mdg_domain *dom, const char *v, size_t len,
	    struct mdg_golden_hit *hit)
{
	struct mdg_golden_hit tmp;
	int rc;

	if (r->o->registry == NULL || r->reg_failed)
		return false;
	rc = mdg_registry_golden_find(r->o->registry, mdg_domain_central(dom)->name, v, len,
				      hit ? hit : &tmp);
	if (rc < 0)
		r->reg_failed = true;
	if (hit == NULL)
		mdg_golden_hit_free(&tmp);
	return rc == 1;
}

/* Resolve a reference now; returns false when it must wait (self-reference). */
/* What a worker found of a reference (ref_lookup). */
enum {
	REF_ASK = 0,   /* not looked up: check_ref does it all */
	REF_RUN,       /* a record of this run: ref_found is its mark */
	REF_EXISTING,  /* among the records Odoo already has */
	REF_UNKNOWN,   /* neither: the registry decides */
};

/* A key of the target domain among the run's records, then the existing ones. */
static int
ref_find(struct run *r, const struct mdg_domain *target, const char *v, size_t len, long *found)
{
	if (mdg_strset_get(&state_for(r, target)->keys, v, len, found))
		return REF_RUN;
	return mdg_domain_has_existing(target, v, len) ? REF_EXISTING : REF_UNKNOWN;
}

/*
 * The part of check_ref that workers may run: the run's keys of another
 * domain (complete before this file, as files come in dependency order)
 * and the domain's existing records.  A reference to the file's own
 * domain is left to check_ref.
 */
static int
ref_lookup(struct run *r, const struct file_job *job, const struct mdg_field *f, const char *v,
	   size_t len, long *found)
{
	const struct mdg_domain *target = f->ref_domain;

	if (target == NULL || mdg_domain_central(target) == mdg_domain_central(job->dom))
		return REF_ASK;
	return ref_find(r, target, v, len, found);
}

static bool
check_ref(struct run *r, const struct file_job *job, size_t record, long line,
	  const struct mdg_field *f, const char *v, size_t len, const char *keyshow, bool *rejected,
	  int known, long known_found)
{
	const struct mdg_domain *target = f->ref_domain;
	long found = known_found;
	char msg[512];

	if (target == NULL)
		return true;
	if (known == REF_ASK)
		known = ref_find(r, target, v, len, &found);
	if (known == REF_RUN) {
		if (found < 0) {
			snprintf(msg, sizeof(msg),
				 "%s '%.*s' refers to a %s record that is rejected in this run (line %ld)",
				 field_label(f), (int)(len > 100 ? 100 : len), v, target->name, -found);
			finding(r, job->index, record, line, 0, keyshow, f->name, MDG_SEV_ERROR,
				"ref.rejected", msg);
			*rejected = true;
		}
		return true;
	}
	if (known == REF_EXISTING)
		return true;
	if (in_registry(r, target, v, len, NULL))
		return true;
	if (target == mdg_domain_central(job->dom))
		return false;
	snprintf(msg, sizeof(msg),
		 "%s '%.*s' is not a known %s: it is in no %s file of this run and not among "
		 "the records Odoo already has%s",
		 field_label(f), (int)(len > 100 ? 100 : len), v, target->name, target->name,
		 job->site ? " (the site's extension may map a local code to it)" : "");
	finding(r, job->index, record, line, 0, keyshow, f->name, MDG_SEV_ERROR, "ref.unresolved",
		msg);
	*rejected = true;
	return true;
}

static void
resolve_deferred(struct run *r, struct domain_state *st)
{
	size_t i;
	char msg[512];

	for (i = 0; i < st->ndeferred; i++) {
		struct deferred_ref *dr = &st->deferred[i];
		const struct mdg_field *f = dr->field;
		long found;

		r->record_line = dr->record_line;
		if (mdg_strset_get(&st->keys, dr->value, strlen(dr->value), &found)) {
			if (found < 0) {
				snprintf(msg, sizeof(msg),
					 "%s '%.100s' refers to a %s record that is rejected in this "
					 "run (line %ld)",
					 field_label(f), dr->value, st->dom->name, -found);
				finding(r, dr->file_index, dr->record, dr->line, 0, dr->key, f->name,
					MDG_SEV_ERROR, "ref.rejected", msg);
				set_state(r, dr->file_index, dr->record, STATE_REJECTED);
			}
		} else if (!in_registry(r, st->dom, dr->value, strlen(dr->value), NULL)) {
			snprintf(msg, sizeof(msg),
				 "%s '%.100s' is not a known %s: it is in no %s file of this run and "
				 "not among the records Odoo already has",
				 field_label(f), dr->value, st->dom->name, st->dom->name);
			finding(r, dr->file_index, dr->record, dr->line, 0, dr->key, f->name,
				MDG_SEV_ERROR, "ref.unresolved", msg);
			set_state(r, dr->file_index, dr->record, STATE_REJECTED);
		}
		free(dr->value);
		free(dr->key);
	}
	r->record_line = 0;
	free(st->deferred);
	st->deferred = NULL;
	st->ndeferred = 0;
}

/* --------------------------------------------------------------- records */

/* Build the record's business key (parts joined by 0x1F) and a readable form. */
static void
build_key(struct mdg_buf *key, struct mdg_buf *keyshow, const struct mdg_domain *dom,
	  const struct column *cols, const int *colof, const struct csv_record *rec,
	  bool *complete)
{
	size_t i;
	int rc = 0;

	mdg_buf_reset(key);
	mdg_buf_reset(keyshow);
	*complete = true;
	for (i = 0; i < dom->nkey; i++) {
		int c = colof[dom->key[i]];
		const char *v = "";
		size_t len = 0;
		if (c >= 0 && (size_t)c < rec->nfields) {
			len = rec->lens[c];
			v = rec->fields[c];
			if (cols[c].field->type != MDG_FT_STRING)
				v = mdg_trim(v, &len);
		}
		if (len == 0)
			*complete = false;
		if (i > 0) {
			rc |= mdg_buf_putc(key, '\x1f');
			rc |= mdg_buf_putc(keyshow, '/');
		}
		rc |= mdg_buf_append(key, v, len);
		rc |= mdg_buf_append(keyshow, v, len > 200 ? 200 : len);
	}
	if (rc != 0)
		*complete = false;
}

/* A site's additional pattern for a central field (both must match). */
static size_t
site_pattern(const struct mdg_vctx *vctx, const struct mdg_field *f, const char *v, size_t len,
	     struct mdg_vproblem *vp)
{
	struct mdg_field shadow;

	memset(&shadow, 0, sizeof(shadow));
	shadow.name = f->name;
	shadow.label = f->label;
	shadow.type = MDG_FT_STRING;
	shadow.min_length = -1;
	shadow.max_length = -1;
	shadow.pattern = f->pattern2;
	shadow.re = f->re2;
	shadow.pattern_hint = f->pattern2_hint;
	return mdg_validate_value(&shadow, v, len, vctx, vp, MDG_VPROBLEMS_MAX, NULL);
}

/*
 * A record's value for the registry, in canonical form where it is valid
 * ('.' as the decimal mark, ISO dates, the enumeration's spelling), so
 * that golden values do not depend on the site that sent them.
 */
static void
put_value(struct run *r, json_t *vals, const struct mdg_field *f, const char *v, size_t len,
	  const char *canon, bool valid)
{
	char buf[64];
	long ymd;
	size_t i;

	if (valid && canon != NULL) {
		v = canon;
		len = strlen(canon);
	} else if (valid && len > 0 && f->type == MDG_FT_DATE &&
		   mdg_parse_date(v, len, r->vctx.date_format, &ymd)) {
		len = (size_t)snprintf(buf, sizeof(buf), "%04ld-%02ld-%02ld", ymd / 10000 % 10000,
				       ymd / 100 % 100, ymd % 100);
		v = buf;
	} else if (valid && f->type == MDG_FT_DECIMAL && r->vctx.decimal != '.' &&
		   len < sizeof(buf)) {
		memcpy(buf, v, len);
		for (i = 0; i < len; i++)
			if (buf[i] == r->vctx.decimal)
				buf[i] = '.';
		v = buf;
	}
	json_object_set_new(vals, f->name, json_stringn(v, len));
}

/* A result of a rule in force for the record; true when it rejects it. */
static bool
rule_finding(struct run *r, const struct file_job *job, size_t record, long record_line,
	     const char *keyshow, const struct mdg_rule_use *use, enum mdg_rule_outcome outcome,
	     long line, const char *message)
{
	const struct mdg_rule *rule = use->rule;
	bool failed = outcome == MDG_RULE_FAILED;
	enum mdg_severity sev = failed ? use->severity : MDG_SEV_ERROR;
	const char *field = rule->field >= 0 ? job->fdom->fields[rule->field].name : NULL;

	finding_from(r, job->index, record, line ? line : record_line, 0, keyshow, field, sev,
		     failed ? rule->id : "rule.error", message, use->origin);
	return sev == MDG_SEV_ERROR;
}

/*
 * The key is a current golden record of another site (or an enterprise-wide
 * one): a finding naming it.  The site's own golden record is not a
 * conflict (approving the record makes its next version).
 */
static bool
registry_key_conflict(struct run *r, const struct file_job *job, size_t record, long line,
		      const char *keyshow)
{
	struct mdg_golden_hit hit;
	const char *site = job->site ? job->site->code : NULL;
	bool conflict = false;
	size_t i;
	char msg[512];

	mdg_buf_reset(&r->regkey);
	for (i = 0; i < r->key.len; i++)
		(void)mdg_buf_putc(&r->regkey, r->key.data[i] == '\x1f' ? '/' : r->key.data[i]);
	if (!in_registry(r, job->dom, r->regkey.data ? r->regkey.data : "", r->regkey.len, &hit))
		return false;
	if (hit.site == NULL ? site != NULL : site == NULL || strcmp(hit.site, site) != 0) {
		if (hit.submission > 0)
			snprintf(msg, sizeof(msg),
				 "business key '%.200s' is already approved %s%s (submission %lld, "
				 "record %ld)",
				 keyshow ? keyshow : "", hit.site ? "for site " : "enterprise-wide",
				 hit.site ? hit.site : "", hit.submission, hit.record);
		else
			snprintf(msg, sizeof(msg), "business key '%.200s' is already approved %s%s",
				 keyshow ? keyshow : "", hit.site ? "for site " : "enterprise-wide",
				 hit.site ? hit.site : "");
		finding(r, job->index, record, line, 0, keyshow, NULL, MDG_SEV_ERROR,
			"key.registry", msg);
		conflict = true;
	}
	mdg_golden_hit_free(&hit);
	return conflict;
}

static void keep_for_match(struct run *r, struct domain_state *st, const struct file_job *job,
			   const int *colof, const struct csv_record *rec, size_t record,
			   const char *keyshow);

/* What the checks of one column found (field_checks). */
struct fieldres {
	const char *v;       /* the value: trimmed unless a string, mapped by the site */
	size_t len;
	const char *canon;   /* its canonical spelling, NULL: v itself */
	unsigned char np;    /* problems found */
	bool valid;          /* type and constraints hold (the site's pattern aside) */
	bool skip;           /* an ignored column, or a missing optional one */
	signed char ref;     /* REF_*: what a worker found of a reference */
	bool bad;            /* the worker gave the rules the field as bad */
	long ref_found;      /* REF_RUN: the record's mark in the run's keys */
};

/*
 * The checks of column i of a record that need nothing of the run:
 * trimming, the site's value map, type and constraints, the site's own
 * pattern.  Problems go to vp.  Worker threads run this (see the batches
 * below), so it reads only what no one writes during a file.
 */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void
field_checks(const struct mdg_site_domain *sd, const struct mdg_vctx *vctx,
	     const struct mdg_field *f, const struct csv_record *rec, size_t i,
	     struct mdg_vproblem *vp, struct fieldres *fr)
{
	const char *v = "", *mapped;
	size_t len = 0, np;

	fr->skip = false;
	fr->canon = NULL;
	fr->np = 0;
	fr->ref = REF_ASK;
	fr->bad = false;
	if (f == NULL) {
		fr->skip = true;
		return;
	}
	if (i < rec->nfields) {
		v = rec->fields[i];
		len = rec->lens[i];
		if (f->type != MDG_FT_STRING)
			v = mdg_trim(v, &len);
	} else if (!f->required) {
		fr->skip = true;
		return;
	}
	if (sd != NULL && len > 0 && (f->type == MDG_FT_ENUM || f->type == MDG_FT_REF)) {
		mapped = mdg_site_map_value(sd, f->name, v, len);
		if (mapped != NULL) {
			v = mapped;
			len = strlen(mapped);
		}
	}
	np = mdg_validate_value(f, v, len, vctx, vp, MDG_VPROBLEMS_MAX, &fr->canon);
	fr->valid = np == 0;
	if (np == 0 && f->re2 != NULL && len > 0)
		np = site_pattern(vctx, f, v, len, vp);
	fr->v = v;
	fr->len = len;
	fr->np = (unsigned char)np;
}

/* A problem a column check found, as check_record reports it. */
struct colproblem {
	const char *code;
	const char *message;
};

/* A rule's result kept by a worker, its message as long as it is (not a 1 KiB slot). */
struct ruleres {
	const struct mdg_rule_use *use;
	enum mdg_rule_outcome outcome;
	long line;
	const char *message;
};

/* A record's column checks done ahead by a worker. */
struct precheck {
	const struct fieldres *res;       /* per column */
	const struct colproblem *vp;      /* their problems, column by column */
	uint64_t key_hash;                /* of the business key, when complete */
	/* The rules' results, when the worker evaluated them: valid if the
	 * fields are as bad as it took them to be. */
	bool rules_done;
	const struct ruleres *rules;
	size_t nrules;
};

static void
check_record(struct run *r, const struct file_job *job, const struct column *cols,
	     size_t ncols, const int *colof, const struct csv_record *rec, size_t record,
	     bool header_bad, const struct precheck *pre)
{
	const struct mdg_domain *dom = job->fdom;
	const struct mdg_site_domain *sd = job->sd;
	struct domain_state *st = job->st;
	struct mdg_vproblem vp[MDG_VPROBLEMS_MAX];
	struct colproblem cp[MDG_VPROBLEMS_MAX];
	const struct colproblem *pv = pre != NULL ? pre->vp : NULL;
	struct mdg_rules_file *rf = r->rf;
	bool rejected = header_bad, key_complete, damaged = header_bad;
	bool rules_valid = pre != NULL && pre->rules_done;
	const struct mdg_rule_result *rres;
	const struct ruleres *rr;
	const char *keyshow;
	char msg[512];
	size_t i, j, nres;
	long prev;
	uint64_t key_hash = 0;
	json_t *vals = r->o->on_record != NULL ? json_object() : NULL;

	r->record_line = rec->line;
	build_key(&r->key, &r->keyshow, dom, cols, colof, rec, &key_complete);
	keyshow = r->keyshow.len ? r->keyshow.data : NULL;
	if (key_complete) {
		key_hash = pre != NULL ? pre->key_hash : mdg_hash(r->key.data, r->key.len);
		mdg_strset_prefetch(&st->keys, key_hash);
	}

	for (i = 0; i < rec->nproblems; i++) {
		const struct csv_problem *p = &rec->problems[i];
		const char *fname = p->field < ncols && cols[p->field].field ?
					    cols[p->field].field->name : NULL;
		finding(r, job->index, record, p->line, p->col, keyshow, fname, MDG_SEV_ERROR,
			p->code, p->message);
		rejected = damaged = true;
	}
	if (rec->nfields != ncols) {
		snprintf(msg, sizeof(msg), "the record has %zu fields, the header has %zu",
			 rec->nfields, ncols);
		finding(r, job->index, record, rec->line, 0, keyshow, NULL, MDG_SEV_ERROR,
			"csv.ragged", msg);
		rejected = damaged = true;
	}
	if (rf != NULL)
		mdg_rules_record_begin(rf);
	/* A record the reader found nothing wrong with is valid UTF-8. */
	r->vctx.utf8_valid = rec->nproblems == 0;
	for (i = 0; i < ncols; i++) {
		const struct mdg_field *f = cols[i].field;
		const struct colproblem *probs;
		struct fieldres fr;   /* a copy: the compiler keeps it in registers */
		const char *v, *canon;
		size_t len;
		bool bad = false;
		long line = i < rec->nfields ? rec->field_lines[i] : rec->line;

		if (pre != NULL) {
			fr = pre->res[i];
			probs = pv;
			pv += fr.np;
		} else {
			field_checks(sd, &r->vctx, f, rec, i, vp, &fr);
			for (j = 0; j < fr.np; j++) {
				cp[j].code = vp[j].code;
				cp[j].message = vp[j].message;
			}
			probs = cp;
		}
		if (fr.skip)
			continue;
		v = fr.v;
		len = fr.len;
		canon = fr.canon;
		if (vals != NULL)
			put_value(r, vals, f, v, len, fr.valid ? canon : NULL, fr.valid);
		for (j = 0; j < fr.np; j++) {
			finding(r, job->index, record, line, 0, keyshow, f->name, MDG_SEV_ERROR,
				probs[j].code, probs[j].message);
			rejected = bad = true;
		}
		if (fr.np == 0 && f->type == MDG_FT_REF && len > 0) {
			if (!check_ref(r, job, record, line, f, v, len, keyshow, &bad, fr.ref,
				       fr.ref_found)) {
				struct deferred_ref *dr;
				st->deferred = xreallocarray(st->deferred, st->ndeferred + 1,
							     sizeof(*st->deferred));
				dr = &st->deferred[st->ndeferred++];
				dr->file_index = job->index;
				dr->record = record;
				dr->line = line;
				dr->record_line = rec->line;
				dr->field = f;
				dr->value = xstrndup(v, len);
				dr->key = keyshow ? xstrdup(keyshow) : NULL;
			}
			if (bad)
				rejected = true;
		}
		if (rf != NULL) {
			if (canon != NULL) {
				v = canon;
				len = strlen(canon);
			}
			mdg_rules_record_set(rf, f->index, v, len, bad, line);
			if (bad != fr.bad)
				rules_valid = false;
		}
	}
	if (rf != NULL && !damaged && rules_valid) {
		for (j = 0, rr = pre->rules; j < pre->nrules; j++, rr++)
			if (rule_finding(r, job, record, rec->line, keyshow, rr->use, rr->outcome,
					 rr->line, rr->message))
				rejected = true;
	} else if (rf != NULL && !damaged) {
		nres = mdg_rules_record_eval(rf, &rres);
		for (j = 0; j < nres; j++)
			if (rule_finding(r, job, record, rec->line, keyshow, rres[j].use,
					 rres[j].outcome, rres[j].line, rres[j].message))
				rejected = true;
	}
	if (key_complete && r->o->registry != NULL &&
	    registry_key_conflict(r, job, record, rec->line, keyshow))
		rejected = true;
	if (key_complete) {
		long mark = rejected ? -rec->line : rec->line;
		if (!mdg_strset_add_hashed(&st->keys, key_hash, r->key.data, r->key.len, mark,
					   &prev)) {
			snprintf(msg, sizeof(msg),
				 "business key '%.200s' is already used by the record on line %ld%s",
				 keyshow ? keyshow : "", prev < 0 ? -prev : prev,
				 " of this run");
			finding(r, job->index, record, rec->line, 0, keyshow, NULL, MDG_SEV_ERROR,
				"key.duplicate", msg);
			rejected = true;
		} else if (rf != NULL && !damaged) {
			mdg_rules_record_keep(rf, r->key.data, r->key.len);
		}
	}
	set_state(r, job->index, record, rejected ? STATE_REJECTED : STATE_ACCEPTED);
	if (!rejected)
		keep_for_match(r, st, job, colof, rec, record, keyshow);
	if (vals != NULL) {
		char *js = json_dumps(vals, JSON_COMPACT | JSON_SORT_KEYS);
		r->o->on_record(r->o->on_record_arg, job->index, (long)record, rec->line,
				keyshow, js ? js : "{}");
		free(js);
		json_decref(vals);
	}
	r->record_line = 0;
}

/* Keep the compared fields of an accepted record for duplicate detection. */
static void
keep_for_match(struct run *r, struct domain_state *st, const struct file_job *job,
	       const int *colof, const struct csv_record *rec, size_t record,
	       const char *keyshow)
{
	const struct mdg_domain_match *dm = st->dom->match;
	struct match_rec *mr;
	size_t i;

	if (dm == NULL || r->o->no_dedup)
		return;
	if (st->nmrec >= MDG_CHECK_MATCH_MAX) {
		if (!st->mcapped)
			finding(r, job->index, record, rec->line, 0, keyshow, NULL, MDG_SEV_WARNING,
				"dup.capped", "too many records of this domain in one run: from "
				"this record on, records are not compared for duplicates");
		st->mcapped = true;
		return;
	}
	if (st->nmrec % 256 == 0)
		st->mrec = xreallocarray(st->mrec, st->nmrec + 256, sizeof(*st->mrec));
	mr = &st->mrec[st->nmrec++];
	mr->file_index = job->index;
	mr->record = record;
	mr->line = rec->line;
	mr->key = keyshow != NULL ? xstrdup(keyshow) : NULL;
	mr->vals = xcalloc(dm->nfields ? dm->nfields : 1, sizeof(*mr->vals));
	for (i = 0; i < dm->nfields; i++) {
		int c = colof[dm->dom_field[i]];

		if (c >= 0 && (size_t)c < rec->nfields)
			mr->vals[i] = xstrndup(rec->fields[c], rec->lens[c]);
	}
}

static int
pair_cmp(const void *x, const void *y)
{
	const struct mdg_match_pair *a = x, *b = y;

	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return 0;
}

/* Fill a report pair from the explanation of records a and b of set; mb
 * is b, the run's record that carries the finding. */
static void
dup_detail(const struct mdg_domain *dom, const struct mdg_match_set *set, size_t a, size_t b,
	   const struct match_rec *mb, struct mdg_dup_pair *dp)
{
	struct mdg_match_explain ex;
	size_t f;

	mdg_match_explain(set, a, b, &ex);
	dp->domain = xstrdup(dom->name);
	dp->score = ex.score;
	dp->verdict = ex.score >= dom->match->m->dup_threshold ? "duplicate" : "review";
	dp->nfields = ex.nfields;
	dp->fields = xcalloc(ex.nfields ? ex.nfields : 1, sizeof(*dp->fields));
	for (f = 0; f < ex.nfields; f++) {
		const struct mdg_match_explain_field *ef = &ex.fields[f];
		struct mdg_dup_field *df = &dp->fields[f];
		df->name = xstrdup(ef->name);
		df->value_a = xstrdup(ef->raw_a);
		df->value_b = xstrdup(ef->raw_b);
		df->norm_a = xstrdup(ef->norm_a);
		df->norm_b = xstrdup(ef->norm_b);
		df->measure = xstrdup(ef->measure);
		df->sim = ef->sim;
		df->skipped = ef->level == MDG_MATCH_NULL;
		df->added = ef->added;
	}
	mdg_match_explain_free(&ex);
	dp->file_b = mb->file_index;
	dp->record_b = (long)mb->record;
	dp->line_b = mb->line;
	dp->key_b = mb->key ? xstrdup(mb->key) : NULL;
}

/* Room for one more pair in the report, NULL past the cap. */
static struct mdg_dup_pair *
dup_slot(struct run *r)
{
	struct mdg_report *rep = r->rep;

	if (rep->ndups >= MDG_CHECK_DUP_DETAIL)
		return NULL;
	if (rep->ndups == r->dupcap) {
		r->dupcap = r->dupcap ? r->dupcap * 2 : 64;
		rep->dups = xreallocarray(rep->dups, r->dupcap, sizeof(*rep->dups));
	}
	memset(&rep->dups[rep->ndups], 0, sizeof(rep->dups[0]));
	return &rep->dups[rep->ndups++];
}

static void
dup_progress(void *arg, size_t done, size_t total)
{
	const struct mdg_domain *dom = arg;
	char bar[31];
	size_t i, fill = total ? done * 30 / total : 30;

	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	if (done >= total)
		fputs("\r\033[K", stderr);	/* done: the line is cleared */
	else
		fprintf(stderr, "\rmdgate: %s: duplicates in the registry [%s] %3zu%% %zu/%zu",
			dom->name, bar, total ? done * 100 / total : 100, done, total);
	fflush(stderr);
}

/*
 * The kept records of the domain that are still accepted against the
 * registry's golden records (match-index.h): a dup.registry warning on
 * each record with a suspected duplicate there, or a dup.confirmed error
 * when a steward already said the pair is one record.  A golden record of
 * the same key is the record's own earlier version, not a duplicate.
 */
static void
registry_duplicates(struct run *r, struct domain_state *st, const struct mdg_match_set *run,
		    const size_t *recno, size_t n)
{
	const struct mdg_domain_match *dm = st->dom->match;
	struct mdg_match_index *ix = NULL;
	struct mdg_match_set *set;
	struct mdg_match_link *links = NULL;
	const char **raw, **norm;
	size_t ng, nl, i, f, named = 0, more = 0;
	char msg[1024];

	if (mdg_match_index_load(r->o->registry, st->dom, &ix) != MDG_OK) {
		r->reg_failed = true;
		return;
	}
	if (ix == NULL)
		return;
	set = mdg_match_index_set(ix);
	ng = mdg_match_index_golden(ix);
	if (ng == 0) {
		mdg_match_index_free(ix);
		return;
	}
	raw = xcalloc(dm->nfields, sizeof(*raw));
	norm = xcalloc(dm->nfields, sizeof(*norm));
	for (i = 0; i < n; i++) {
		for (f = 0; f < dm->nfields; f++) {
			raw[f] = mdg_match_set_raw(run, i, f);
			norm[f] = mdg_match_set_norm(run, i, f);
		}
		mdg_match_set_add_norm(set, raw, norm, 1);
	}
	free(raw);
	free(norm);
	nl = mdg_match_index_search(ix, ng, ng + n, r->o->threads, &links,
				    r->o->search_progress ? dup_progress : NULL, (void *)st->dom);
	{
		struct mdg_match_index_stats ist;
		mdg_match_index_stats(ix, &ist);
		if (ist.rebuilt && n > 0) {
			const struct match_rec *m0 = &st->mrec[recno[0]];
			snprintf(msg, sizeof(msg), "the registry's duplicate index of %s was built "
				 "with another definition (or is missing or unreadable), so this check "
				 "indexed its %zu golden records itself; `mdgate registry reindex` "
				 "stores it again", st->dom->name, ng);
			finding(r, m0->file_index, 0, 1, 0, NULL, NULL, MDG_SEV_INFO,
				"dup.index_stale", msg);
		}
	}
	for (i = 0; i < nl; i++) {
		const struct match_rec *b = &st->mrec[recno[links[i].rec - ng]];
		const char *gkey = mdg_match_index_key(ix, links[i].golden);
		const char *gsite = mdg_match_index_site(ix, links[i].golden);
		bool dup = links[i].score >= dm->m->dup_threshold;
		int verdict;
		struct mdg_dup_pair *dp;

		if (i == 0 || links[i].rec != links[i - 1].rec)
			named = more = 0;
		if (b->key != NULL && gkey != NULL && strcmp(b->key, gkey) == 0)
			continue;	/* its own earlier version */
		verdict = mdg_match_decision(ix, b->key, gkey);
		if (verdict == 0)
			continue;	/* a steward said: different records */
		/* The best few candidates are named; the rest are counted. */
		if (verdict != 1 && named == MDG_CHECK_SUSPECTS_NAMED) {
			more++;
			if (i + 1 == nl || links[i + 1].rec != links[i].rec) {
				snprintf(msg, sizeof(msg), "and %zu more approved %s records score at "
					 "least %.2f against this one; the %d best are named", more,
					 st->dom->name, dm->m->review_threshold,
					 MDG_CHECK_SUSPECTS_NAMED);
				r->record_line = b->line;
				finding(r, b->file_index, b->record, b->line, 0, b->key, NULL,
					MDG_SEV_INFO, "dup.more", msg);
				r->record_line = 0;
			}
			continue;
		}
		if (verdict != 1)
			named++;
		r->record_line = b->line;
		if (verdict == 1) {
			snprintf(msg, sizeof(msg), "a steward decided that this is the same %s as "
				 "the approved record '%.200s'%s%.20s%s; send a change of that record "
				 "instead", st->dom->name, gkey, gsite ? " (site " : "",
				 gsite ? gsite : "", gsite ? ")" : "");
			finding(r, b->file_index, b->record, b->line, 0, b->key, NULL,
				MDG_SEV_ERROR, "dup.confirmed", msg);
			set_state(r, b->file_index, b->record, STATE_REJECTED);
		} else {
			snprintf(msg, sizeof(msg), "%s duplicate of the approved %s '%.200s'%s%.20s%s "
				 "(score %.3f)", dup ? "probable" : "possible", st->dom->name, gkey,
				 gsite ? " (site " : "", gsite ? gsite : "", gsite ? ")" : "",
				 links[i].score);
			finding(r, b->file_index, b->record, b->line, 0, b->key, NULL,
				MDG_SEV_WARNING, "dup.registry", msg);
		}
		r->record_line = 0;
		if ((dp = dup_slot(r)) != NULL) {
			dup_detail(st->dom, set, links[i].golden, links[i].rec, b, dp);
			dp->file_a = MDG_DUP_REGISTRY;
			dp->key_a = xstrdup(gkey);
			dp->site_a = gsite ? xstrdup(gsite) : NULL;
		}
	}
	free(links);
	mdg_match_index_free(ix);
}

/*
 * Suspected duplicates among the kept records of a domain that are still
 * accepted: a dup.suspect warning on the later record of each pair that
 * scores at least the review threshold; then the same records against the
 * registry.  A pair a steward decided on is not raised again.
 */
static void
find_duplicates(struct run *r, struct domain_state *st)
{
	const struct mdg_domain_match *dm = st->dom->match;
	struct mdg_match_set *set;
	struct mdg_match_pair *pairs = NULL;
	struct mdg_dup_record *dr;
	struct mdg_match_index *decided = NULL;
	size_t *recno, n = 0, np = 0, i;
	char msg[1024];

	if (dm == NULL || st->nmrec < 1)
		goto out;
	set = mdg_match_set_new(dm->m);
	recno = xcalloc(st->nmrec, sizeof(*recno));
	dr = xcalloc(st->nmrec, sizeof(*dr));
	for (i = 0; i < st->nmrec; i++) {
		const struct match_rec *mr = &st->mrec[i];

		if (mr->record <= r->nstates[mr->file_index] &&
		    r->states[mr->file_index][mr->record - 1] == STATE_REJECTED)
			continue;	/* rejected later (a deferred reference) */
		mdg_match_set_add(set, (const char *const *)mr->vals, dm->nfields, 0);
		dr[n].path = r->rep->files[mr->file_index].path;
		dr[n].record = mr->record;
		dr[n].line = mr->line;
		dr[n].key = mr->key;
		recno[n++] = i;
	}
	if (n >= 2) {
		/* mdgate dedup wants every candidate; a check only the suspects. */
		if (r->o->on_duplicates != NULL) {
			np = mdg_match_candidates(set, &pairs, NULL);
			mdg_match_score_pairs(set, pairs, np);
		} else {
			np = mdg_match_candidates_min(set, dm->m->review_threshold, &pairs, NULL);
		}
		mdg_qsort(pairs, np, sizeof(*pairs), pair_cmp);
	}
	if (r->o->on_duplicates != NULL && n >= 2)
		r->o->on_duplicates(r->o->on_duplicates_arg, st->dom, set, dr, pairs, np);
	/* The steward's decisions on pairs live with the registry's index. */
	if (np > 0 && r->o->registry != NULL &&
	    mdg_match_index_load_decisions(r->o->registry, st->dom, &decided) != MDG_OK)
		r->reg_failed = true;
	for (i = 0; i < np; i++) {
		const struct match_rec *a = &st->mrec[recno[pairs[i].a]];
		const struct match_rec *b = &st->mrec[recno[pairs[i].b]];
		bool dup = pairs[i].score >= dm->m->dup_threshold;
		struct mdg_dup_pair *dp;
		int verdict;

		if (pairs[i].score < dm->m->review_threshold)
			continue;
		verdict = mdg_match_decision(decided, a->key, b->key);
		if (verdict == 0)
			continue;
		r->record_line = b->line;
		if (verdict == 1) {
			snprintf(msg, sizeof(msg), "a steward decided that this is the same %s as "
				 "%s line %ld%s%.200s%s; send one of them only", st->dom->name,
				 r->rep->files[a->file_index].path, a->line,
				 a->key ? " (key '" : "", a->key ? a->key : "", a->key ? "')" : "");
			finding(r, b->file_index, b->record, b->line, 0, b->key, NULL,
				MDG_SEV_ERROR, "dup.confirmed", msg);
			set_state(r, b->file_index, b->record, STATE_REJECTED);
		} else {
			snprintf(msg, sizeof(msg), "%s duplicate of %s line %ld%s%.200s%s "
				 "(score %.3f; `mdgate dedup` explains it)",
				 dup ? "probable" : "possible",
				 r->rep->files[a->file_index].path, a->line,
				 a->key ? " (key '" : "", a->key ? a->key : "", a->key ? "')" : "",
				 pairs[i].score);
			finding(r, b->file_index, b->record, b->line, 0, b->key, NULL,
				MDG_SEV_WARNING, "dup.suspect", msg);
		}
		r->record_line = 0;
		if ((dp = dup_slot(r)) != NULL) {
			dup_detail(st->dom, set, pairs[i].a, pairs[i].b, b, dp);
			dp->file_a = a->file_index;
			dp->record_a = (long)a->record;
			dp->line_a = a->line;
			dp->key_a = a->key ? xstrdup(a->key) : NULL;
		}
	}
	mdg_match_index_free(decided);
	if (r->o->registry != NULL && n > 0)
		registry_duplicates(r, st, set, recno, n);
	free(pairs);
	free(recno);
	free(dr);
	mdg_match_set_free(set);
out:
	for (i = 0; i < st->nmrec; i++) {
		size_t j;

		for (j = 0; dm != NULL && j < dm->nfields; j++)
			free(st->mrec[i].vals[j]);
		free(st->mrec[i].vals);
		free(st->mrec[i].key);
	}
	free(st->mrec);
	st->mrec = NULL;
	st->nmrec = 0;
}

/* ---------------------------------------------------------------- batches */

/*
 * A file of more than a few thousand records is checked in two stages.
 * This thread reads records and copies them into batches; worker threads
 * run field_checks() on every column of a batch, look up its references
 * to other domains, hash its keys and evaluate its rules with a copy of
 * them; this thread then finishes the batches in order with
 * check_record(), which does everything that depends on the records
 * before (keys, references to the file's own domain, the registry,
 * findings) and evaluates the rules a worker could not.  The findings and
 * totals are the same as when one thread does it all: the order of
 * everything the run remembers is the order of the file.
 */
#define BATCH_RECORDS 1024
/*
 * A batch also ends past these (after at least one record), so that wide
 * or long records keep the memory in flight bounded: a few batches per
 * worker, each about BATCH_CELLS column results and BATCH_BYTES of text,
 * and at most BATCH_RECORDS of the reader's problems past its first record.
 */
#define BATCH_CELLS (64 * 1024)
#define BATCH_BYTES (4 * 1024 * 1024)
#define BATCH_MIN_RECORDS 4096   /* records read before the workers start */
#define BATCH_WORKERS_MAX 16

struct batch_rec {
	size_t field;        /* its first field in the batch */
	size_t nfields;
	size_t problem;      /* its first reader problem */
	size_t nproblems;
	size_t vp;           /* its first column problem (workers) */
	size_t rule;         /* its first rule result (workers) */
	size_t nrules;
	bool rules_done;     /* the worker evaluated its rules */
	long line;
	long end_line;
	uint64_t key_hash;
};

struct batch {
	size_t n;                 /* records */
	size_t first;             /* record number of the first */
	struct batch_rec rec[BATCH_RECORDS];
	struct mdg_buf data;      /* field text, each NUL-terminated */
	char **fptr;              /* per field: offsets into data until sealed */
	size_t *flen;
	long *fline;
	size_t nf, fcap;
	struct csv_problem *probs;
	size_t nprobs, pcap;
	/* Filled by a worker: ncols results per record, and the problems. */
	struct fieldres *res;
	size_t rescap;
	struct colproblem *vp;    /* messages: offsets into vtext until sealed */
	size_t nvp, vpcap;
	struct ruleres *rres;     /* the same */
	size_t nrres, rrcap;
	struct mdg_buf vtext;     /* the messages, as long as they are */
	bool checked;             /* a worker filled the above (not when it lacked memory) */
	bool done;
	struct batch *next;       /* in a queue */
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct batch *todo, *todo_tail;  /* waiting for a worker */
	bool stop;
	pthread_t tid[BATCH_WORKERS_MAX];
	unsigned nworkers;
	/* What the workers read, fixed for the file. */
	struct run *r;             /* its domain states: read only */
	const struct file_job *job;
	const struct column *cols;
	size_t ncols;
	const int *colof;
	bool header_bad;
	char decimal;
	enum mdg_datefmt date_format;
	pcre2_match_context *mctx_proto;
	struct mdg_rules_file *rf;  /* the file's rules, NULL: none; each worker copies it */
	bool registry;              /* the run has a registry */
};

static void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	mdg_buf_free(&b->data);
	free(b->fptr);
	free(b->flen);
	free(b->fline);
	free(b->probs);
	free(b->res);
	free(b->vp);
	mdg_buf_free(&b->vtext);
	free(b->rres);
	free(b);
}

static void
batch_reset(struct batch *b, size_t first)
{
	b->n = 0;
	b->first = first;
	mdg_buf_reset(&b->data);
	b->nf = 0;
	b->nprobs = 0;
	b->nvp = 0;
	mdg_buf_reset(&b->vtext);
	b->nrres = 0;
	b->done = false;
	b->next = NULL;
}

/*
 * Copy a record the reader returned (valid until its next call).  The
 * data buffer has no bound of its own: a record is within the reader's
 * limits, and a failed allocation ends the program (xreallocarray).
 */
static void
batch_add(struct batch *b, const struct csv_record *rec)
{
	struct batch_rec *br = &b->rec[b->n];
	size_t i;
	bool span;

	if (b->nf + rec->nfields > b->fcap) {
		size_t cap = b->fcap ? b->fcap : 32 * BATCH_RECORDS;
		while (cap < b->nf + rec->nfields)
			cap *= 2;
		b->fptr = xreallocarray(b->fptr, cap, sizeof(*b->fptr));
		b->flen = xreallocarray(b->flen, cap, sizeof(*b->flen));
		b->fline = xreallocarray(b->fline, cap, sizeof(*b->fline));
		b->fcap = cap;
	}
	if (b->nprobs + rec->nproblems > b->pcap) {
		size_t cap = b->pcap ? b->pcap : 16;
		while (cap < b->nprobs + rec->nproblems)
			cap *= 2;
		b->probs = xreallocarray(b->probs, cap, sizeof(*b->probs));
		b->pcap = cap;
	}
	br->field = b->nf;
	br->nfields = rec->nfields;
	br->problem = b->nprobs;
	br->nproblems = rec->nproblems;
	br->line = rec->line;
	br->end_line = rec->end_line;
	/*
	 * The reader leaves most records as one span of its buffer, each
	 * field NUL-terminated in place: one copy then does.
	 */
	span = rec->nfields > 0;
	for (i = 1; i < rec->nfields && span; i++)
		span = rec->fields[i] > rec->fields[i - 1] + rec->lens[i - 1] &&
		       rec->fields[i] <= rec->fields[i - 1] + rec->lens[i - 1] + 2;
	if (span) {
		const char *s = rec->fields[0];
		size_t base = b->data.len, n = (size_t)(rec->fields[rec->nfields - 1] - s) +
					       rec->lens[rec->nfields - 1] + 1;
		(void)mdg_buf_append(&b->data, s, n);
		for (i = 0; i < rec->nfields; i++) {
			b->fptr[b->nf + i] = (char *)(uintptr_t)(base + (size_t)(rec->fields[i] - s));
			b->flen[b->nf + i] = rec->lens[i];
			b->fline[b->nf + i] = rec->field_lines[i];
		}
		b->nf += rec->nfields;
	} else {
		for (i = 0; i < rec->nfields; i++) {
			size_t off = b->data.len;
			(void)mdg_buf_append(&b->data, rec->fields[i], rec->lens[i] + 1);
			b->fptr[b->nf] = (char *)(uintptr_t)off;
			b->flen[b->nf] = rec->lens[i];
			b->fline[b->nf] = rec->field_lines[i];
			b->nf++;
		}
	}
	if (rec->nproblems > 0)
		memcpy(b->probs + b->nprobs, rec->problems, rec->nproblems * sizeof(*rec->problems));
	b->nprobs += rec->nproblems;
	b->n++;
}

/* The data no longer moves: offsets become pointers. */
static void
batch_seal(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nf; i++)
		b->fptr[i] = b->data.data + (uintptr_t)b->fptr[i];
}

static void
batch_view(const struct batch *b, size_t k, struct csv_record *rec)
{
	const struct batch_rec *br = &b->rec[k];

	rec->nfields = br->nfields;
	rec->fields = b->fptr + br->field;
	rec->lens = b->flen + br->field;
	rec->field_lines = b->fline + br->field;
	rec->line = br->line;
	rec->end_line = br->end_line;
	rec->nproblems = br->nproblems;
	rec->problems = b->probs + br->problem;
}

/* A worker's part: every column of every record of the batch. */
/*
 * The rules of record k with a worker's copy of them, taking a field as
 * bad where check_record will unless the registry says otherwise; the
 * record is left to check_record when a rule wants more than the copy
 * reaches, or when a field turns out otherwise.
 */
static void
batch_rules(struct pool *p, struct batch *b, size_t k, const struct csv_record *rec,
	    struct mdg_rules_file *rc)
{
	struct fieldres *res = b->res + k * p->ncols;
	const struct mdg_rule_result *out;
	size_t i, n;

	if (p->header_bad || rec->nproblems > 0 || rec->nfields != p->ncols)
		return;
	mdg_rules_record_begin(rc);
	for (i = 0; i < p->ncols; i++) {
		struct fieldres *fr = &res[i];
		const struct mdg_field *f = p->cols[i].field;

		if (fr->skip)
			continue;
		fr->bad = fr->np > 0 || (fr->ref == REF_RUN && fr->ref_found < 0) ||
			  (fr->ref == REF_UNKNOWN && !p->registry);
		mdg_rules_record_set(rc, f->index, fr->canon ? fr->canon : fr->v,
				     fr->canon ? strlen(fr->canon) : fr->len, fr->bad,
				     i < rec->nfields ? rec->field_lines[i] : rec->line);
	}
	n = mdg_rules_record_eval(rc, &out);
	if (mdg_rules_record_incomplete(rc))
		return;
	if (b->nrres + n > b->rrcap) {
		b->rrcap = b->rrcap ? 2 * b->rrcap : 64;
		while (b->rrcap < b->nrres + n)
			b->rrcap *= 2;
		b->rres = xreallocarray(b->rres, b->rrcap, sizeof(*b->rres));
	}
	b->rec[k].rule = b->nrres;
	b->rec[k].nrules = n;
	for (i = 0; i < n; i++, b->nrres++) {
		b->rres[b->nrres].use = out[i].use;
		b->rres[b->nrres].outcome = out[i].outcome;
		b->rres[b->nrres].line = out[i].line;
		b->rres[b->nrres].message = (const char *)(uintptr_t)b->vtext.len;
		(void)mdg_buf_append(&b->vtext, out[i].message, strlen(out[i].message) + 1);
	}
	b->rec[k].rules_done = true;
}

static void
batch_check(struct pool *p, struct batch *b, struct mdg_vctx *vctx, struct mdg_buf *key,
	    struct mdg_buf *keyshow, struct mdg_rules_file *rc)
{
	const struct mdg_domain *fdom = p->job->fdom;
	struct mdg_vproblem vp[MDG_VPROBLEMS_MAX];
	struct csv_record rec;
	size_t k, i, j, need = b->n * (p->ncols ? p->ncols : 1);
	bool complete;

	if (need > b->rescap) {
		b->res = xreallocarray(b->res, need, sizeof(*b->res));
		b->rescap = need;
	}
	for (k = 0; k < b->n; k++) {
		batch_view(b, k, &rec);
		b->rec[k].vp = b->nvp;
		vctx->utf8_valid = rec.nproblems == 0;
		for (i = 0; i < p->ncols; i++) {
			struct fieldres *fr = &b->res[k * p->ncols + i];
			field_checks(p->job->sd, vctx, p->cols[i].field, &rec, i, vp, fr);
			if (fr->np == 0) {
				if (!fr->skip && fr->len > 0 && p->cols[i].field->type == MDG_FT_REF)
					fr->ref = (signed char)ref_lookup(p->r, p->job,
									  p->cols[i].field, fr->v,
									  fr->len, &fr->ref_found);
				continue;
			}
			if (b->nvp + fr->np > b->vpcap) {
				b->vpcap = b->vpcap ? 2 * b->vpcap : 16;
				b->vp = xreallocarray(b->vp, b->vpcap, sizeof(*b->vp));
			}
			/* Messages are kept as long as they are, not in 640-byte slots. */
			for (j = 0; j < fr->np; j++) {
				b->vp[b->nvp].code = vp[j].code;
				b->vp[b->nvp++].message = (const char *)(uintptr_t)b->vtext.len;
				(void)mdg_buf_append(&b->vtext, vp[j].message,
						     strlen(vp[j].message) + 1);
			}
		}
		build_key(key, keyshow, fdom, p->cols, p->colof, &rec, &complete);
		b->rec[k].key_hash = complete ? mdg_hash(key->data, key->len) : 0;
		b->rec[k].rules_done = false;
		b->rec[k].rule = b->nrres;
		b->rec[k].nrules = 0;
		if (rc != NULL)
			batch_rules(p, b, k, &rec, rc);
	}
	for (k = 0; k < b->nvp; k++)
		b->vp[k].message = b->vtext.data + (uintptr_t)b->vp[k].message;
	for (k = 0; k < b->nrres; k++)
		b->rres[k].message = b->vtext.data + (uintptr_t)b->rres[k].message;
}

static void *
worker_main(void *arg)
{
	struct pool *p = arg;
	struct mdg_vctx vctx;
	pcre2_jit_stack *js = NULL;
	struct mdg_buf key, keyshow;
	struct mdg_rules_file *rc = p->rf != NULL ? mdg_rules_file_clone(p->rf) : NULL;
	struct batch *b;

	memset(&vctx, 0, sizeof(vctx));
	vctx.decimal = p->decimal;
	vctx.date_format = p->date_format;
	vctx.md = pcre2_match_data_create(16, NULL);
	vctx.mctx = pcre2_match_context_copy(p->mctx_proto);
	if (vctx.mctx != NULL && (js = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL)))
		pcre2_jit_stack_assign(vctx.mctx, NULL, js);
	mdg_buf_init(&key, 0);
	mdg_buf_init(&keyshow, 0);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->todo == NULL && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->todo == NULL)
			break;
		b = p->todo;
		p->todo = b->next;
		if (p->todo == NULL)
			p->todo_tail = NULL;
		pthread_mutex_unlock(&p->mu);
		/* Without its match data, a worker leaves the batch to check_record. */
		b->checked = vctx.md != NULL && vctx.mctx != NULL;
		if (b->checked)
			batch_check(p, b, &vctx, &key, &keyshow, rc);
		pthread_mutex_lock(&p->mu);
		b->done = true;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	mdg_buf_free(&key);
	mdg_buf_free(&keyshow);
	mdg_rules_file_end(rc);
	if (vctx.md != NULL)
		pcre2_match_data_free(vctx.md);
	if (vctx.mctx != NULL)
		pcre2_match_context_free(vctx.mctx);
	if (js != NULL)
		pcre2_jit_stack_free(js);
	return NULL;
}

/* Start n workers; false when none could start (the caller checks alone). */
static bool
pool_start(struct pool *p, unsigned n)
{
	memset(p->tid, 0, sizeof(p->tid));
	p->todo = p->todo_tail = NULL;
	p->stop = false;
	p->nworkers = 0;
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		return false;
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (n > BATCH_WORKERS_MAX)
		n = BATCH_WORKERS_MAX;
	while (p->nworkers < n && pthread_create(&p->tid[p->nworkers], NULL, worker_main, p) == 0)
		p->nworkers++;
	if (p->nworkers == 0) {
		pthread_cond_destroy(&p->work);
		pthread_cond_destroy(&p->done);
		pthread_mutex_destroy(&p->mu);
		return false;
	}
	return true;
}

static void
pool_stop(struct pool *p)
{
	unsigned i;

	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nworkers; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
}

static void
pool_submit(struct pool *p, struct batch *b)
{
	batch_seal(b);
	pthread_mutex_lock(&p->mu);
	b->done = false;
	b->next = NULL;
	if (p->todo_tail != NULL)
		p->todo_tail->next = b;
	else
		p->todo = b;
	p->todo_tail = b;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

static void
pool_wait(struct pool *p, struct batch *b)
{
	pthread_mutex_lock(&p->mu);
	while (!b->done)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* How many workers check the columns: 0 means this thread alone. */
static unsigned
workers_for(const struct run *r)
{
	long np;

	/*
	 * With rules in force the workers have most of the work, and this
	 * thread mostly waits: a worker per thread.  Without, reading and
	 * finishing take as long as the field checks: this thread counts as
	 * one (measured with bench/run.sh on 2 cores: 0.76 s against 0.80 s
	 * without rules; 3.1 s against 5.2 s with 40 rules).
	 */
	np = r->o->threads > 0 ? (long)r->o->threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (np <= 1)
		return 0;
	return r->rf != NULL ? (unsigned)np : (unsigned)(np - 1);
}

static void
finish_batch(struct run *r, const struct file_job *job, struct csv_reader *cr,
	     const struct column *cols, size_t ncols, const int *colof, bool header_bad,
	     const struct batch *b)
{
	struct csv_record rec;
	struct precheck pre;
	size_t k;

	for (k = 0; k < b->n; k++) {
		/* The key set's slot of a record a few ahead (a cache miss each). */
		if (k + 8 < b->n && b->rec[k + 8].key_hash != 0)
			mdg_strset_prefetch(&job->st->keys, b->rec[k + 8].key_hash);
		batch_view(b, k, &rec);
		pre.res = b->res + k * ncols;
		pre.vp = b->vp != NULL ? b->vp + b->rec[k].vp : NULL;
		pre.key_hash = b->rec[k].key_hash;
		pre.rules_done = b->rec[k].rules_done;
		pre.rules = b->rres != NULL ? b->rres + b->rec[k].rule : NULL;
		pre.nrules = b->rec[k].nrules;
		check_record(r, job, cols, ncols, colof, &rec, b->first + k, header_bad,
			     b->checked ? &pre : NULL);
		mdg_progress_update(r->o->progress, job->index, b->first + k, csv_bytes_read(cr));
	}
}

/*
 * Records one by one in this thread: to the end of the file, or until
 * *nrec reaches limit (0: none).  Returns what csv_next() last returned.
 */
static int
check_alone(struct run *r, const struct file_job *job, struct csv_reader *cr,
	    const struct column *cols, size_t ncols, const int *colof, bool header_bad,
	    size_t *nrec, size_t limit)
{
	struct csv_record rec;
	int rc;

	while ((rc = csv_next(cr, &rec)) == 1) {
		++*nrec;
		check_record(r, job, cols, ncols, colof, &rec, *nrec, header_bad, NULL);
		mdg_progress_update(r->o->progress, job->index, *nrec, csv_bytes_read(cr));
		if (limit != 0 && *nrec >= limit)
			break;
	}
	return rc;
}

/*
 * The records of a file after its header.  *nrec receives how many were
 * read; returns what the last csv_next() returned (0 at the end).
 */
static int
check_records(struct run *r, const struct file_job *job, struct csv_reader *cr,
	      const struct column *cols, size_t ncols, const int *colof, bool header_bad,
	      size_t *nrec)
{
	struct batch *bs[2 * BATCH_WORKERS_MAX + 2];
	struct csv_record rec;
	struct pool p;
	unsigned nw = workers_for(r);
	size_t record = 0, cap, submitted = 0, finished = 0, i;
	struct batch *b;
	int rc;

	/* The first records, and all of a small file, by this thread alone. */
	*nrec = 0;
	rc = check_alone(r, job, cr, cols, ncols, colof, header_bad, nrec,
			 nw > 0 ? BATCH_MIN_RECORDS : 0);
	if (rc != 1)
		return rc;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.job = job;
	p.cols = cols;
	p.ncols = ncols;
	p.colof = colof;
	p.header_bad = header_bad;
	p.rf = r->rf;
	p.registry = r->o->registry != NULL;
	p.decimal = r->vctx.decimal;
	p.date_format = r->vctx.date_format;
	p.mctx_proto = r->vctx.mctx;
	if (r->vctx.mctx == NULL || !pool_start(&p, nw))
		return check_alone(r, job, cr, cols, ncols, colof, header_bad, nrec, 0);

	record = *nrec;
	cap = 2 * (size_t)p.nworkers + 2;
	memset(bs, 0, sizeof(bs));
	for (;;) {
		/* The slot's batch from the last round is finished first. */
		for (; finished + cap <= submitted; finished++) {
			b = bs[finished % cap];
			pool_wait(&p, b);
			finish_batch(r, job, cr, cols, ncols, colof, header_bad, b);
		}
		b = bs[submitted % cap];
		if (b == NULL) {
			b = bs[submitted % cap] = xcalloc(1, sizeof(*b));
			mdg_buf_init(&b->data, 0);
			mdg_buf_init(&b->vtext, 0);
		}
		batch_reset(b, record + 1);
		while (b->n < BATCH_RECORDS && b->nf < BATCH_CELLS && b->n * ncols < BATCH_CELLS &&
		       b->data.len < BATCH_BYTES && b->nprobs < BATCH_RECORDS &&
		       (rc = csv_next(cr, &rec)) == 1) {
			batch_add(b, &rec);
			record++;
		}
		if (b->n > 0) {
			pool_submit(&p, b);
			submitted++;
		}
		if (rc != 1)
			break;
	}
	for (; finished < submitted; finished++) {
		b = bs[finished % cap];
		pool_wait(&p, b);
		finish_batch(r, job, cr, cols, ncols, colof, header_bad, b);
	}
	pool_stop(&p);
	for (i = 0; i < cap; i++)
		batch_free(bs[i]);
	*nrec = record;
	return rc;
}

/* ------------------------------------------------------------------ files */

static int
check_file(struct run *r, const struct file_job *job, struct mdg_diags *fatal)
{
	struct mdg_file_result *fr = &r->rep->files[job->index];
	struct csv_opts copts;
	struct csv_reader *cr;
	struct csv_record rec;
	struct column *cols = NULL;
	int *colof = NULL;
	size_t ncols = 0, record = 0, i;
	bool header_bad = false;
	int rc;
	const char *enc;
	/* The file's SHA-256, hashed on another core as it is read. */
	struct mdg_digest *md = mdg_digest_start();

	memset(&copts, 0, sizeof(copts));
	if (md != NULL) {
		copts.on_raw = mdg_digest_feed_cb;
		copts.on_raw_arg = md;
	}
	copts.delimiter = r->o->delimiter ? r->o->delimiter : (job->site ? job->site->delimiter : 0);
	enc = r->o->encoding ? r->o->encoding : (job->site ? job->site->encoding : NULL);
	copts.encoding = enc;
	copts.max_field = r->o->max_field;
	copts.max_record = r->o->max_record;
	r->vctx.decimal = job->site ? job->site->decimal : '.';
	r->vctx.date_format = job->site ? job->site->date_format : MDG_DATE_ISO;
	r->rf = NULL;
	if (r->rules != NULL) {
		r->rf = mdg_rules_file_begin(r->rules, job->site, job->fdom, r->vctx.decimal,
					     (int)r->vctx.date_format);
		if (!mdg_rules_file_active(r->rf)) {
			mdg_rules_file_end(r->rf);
			r->rf = NULL;
		}
	}

	if ((rc = csv_open(&cr, job->path, &copts, fatal)) != MDG_OK) {
		mdg_digest_finish(md, NULL);
		return rc;
	}
	rc = csv_next(cr, &rec);
	if (rc < 0)
		goto done;
	fr->encoding = xstrdup(csv_encoding(cr));
	fr->delimiter = csv_delimiter(cr);
	if (rc == 0) {
		finding(r, job->index, 0, 1, 0, NULL, NULL, MDG_SEV_ERROR, "input.empty",
			"the file is empty; a header row naming the columns is expected");
		goto done;
	}
	ncols = rec.nfields;
	fr->columns = ncols;
	cols = xcalloc(ncols ? ncols : 1, sizeof(*cols));
	colof = xcalloc(job->fdom->nfields ? job->fdom->nfields : 1, sizeof(*colof));
	map_header(r, job, &rec, cols, &header_bad);
	for (i = 0; i < job->fdom->nfields; i++)
		colof[i] = -1;
	for (i = 0; i < ncols; i++)
		if (cols[i].field != NULL)
			colof[cols[i].field->index] = (int)i;

	rc = check_records(r, job, cr, cols, ncols, colof, header_bad, &record);
done:
	fr->records = record;
	if (fr->encoding == NULL)
		fr->encoding = xstrdup(csv_encoding(cr));
	/* Only a file read to its end has a digest. */
	mdg_digest_finish(md, rc == 0 ? fr->sha256 : NULL);
	csv_close(cr);
	mdg_rules_file_end(r->rf);
	r->rf = NULL;
	free(cols);
	free(colof);
	return rc < 0 ? MDG_EIO : MDG_OK;
}

static int
job_cmp(const void *a, const void *b)
{
	const struct file_job *x = a, *y = b;

	if (x->dom->order != y->dom->order)
		return x->dom->order < y->dom->order ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

static void
list_domains(const struct mdg_enterprise *e, struct mdg_buf *b)
{
	size_t i;

	for (i = 0; i < e->domains.n; i++)
		(void)mdg_buf_printf(b, "%s%s", i ? ", " : "", e->domains.v[i]->name);
}

/* ref() of a rule: the golden values of a key the run does not have. */
static char *
golden_values(void *arg, const char *domain, const char *key, size_t len)
{
	struct mdg_golden_hit hit;
	char *v = NULL;

	if (mdg_registry_golden_find(arg, domain, key, len, &hit) == 1) {
		v = hit.values;
		hit.values = NULL;
	}
	mdg_golden_hit_free(&hit);
	return v;
}

int
mdg_check_files(const struct mdg_enterprise *e, const struct mdg_check_opts *o,
		char *const *files, size_t nfiles, struct mdg_report *rep, struct mdg_diags *fatal)
{
	struct run r;
	struct file_job *jobs;
	struct mdg_site *forced_site = NULL;
	struct mdg_domain *forced_dom = NULL;
	struct mdg_buf names;
	size_t i, j, k;
	int rc = MDG_OK;

	memset(&r, 0, sizeof(r));
	r.e = e;
	r.o = o;
	r.rep = rep;
	rep->findings.max = o->max_findings;
	if (o->site != NULL && (forced_site = mdg_site_find(e, o->site)) == NULL) {
		mdg_diag_at(fatal, MDG_SEV_ERROR, "usage.site", NULL, 0, 0,
			    "unknown site '%s' (see the sites in %s)", o->site, e->file);
		return MDG_ERR;
	}
	if (o->domain != NULL && (forced_dom = mdg_domain_find(&e->domains, o->domain)) == NULL) {
		mdg_buf_init(&names, 0);
		list_domains(e, &names);
		mdg_diag_at(fatal, MDG_SEV_ERROR, "usage.domain", NULL, 0, 0,
			    "unknown domain '%s' (one of: %s)", o->domain, names.data ? names.data : "");
		mdg_buf_free(&names);
		return MDG_ERR;
	}
	jobs = xcalloc(nfiles ? nfiles : 1, sizeof(*jobs));
	for (i = 0; i < nfiles; i++) {
		jobs[i].path = files[i];
		jobs[i].order = i;
		jobs[i].dom = forced_dom ? forced_dom : mdg_domain_for_file(&e->domains, files[i]);
		jobs[i].site = forced_site ? forced_site : mdg_site_for_file(e, files[i]);
		if (jobs[i].dom != NULL)
			jobs[i].fdom = mdg_site_view(jobs[i].site, jobs[i].dom);
		if (jobs[i].dom == NULL) {
			mdg_buf_init(&names, 0);
			list_domains(e, &names);
			mdg_diag_at(fatal, MDG_SEV_ERROR, "usage.domain", files[i], 0, 0,
				    "cannot tell the domain from the file name; name the file after "
				    "its domain (e.g. items.csv) or give --domain (one of: %s)",
				    names.data ? names.data : "");
			mdg_buf_free(&names);
			rc = MDG_ERR;
		}
	}
	if (rc != MDG_OK) {
		free(jobs);
		return rc;
	}
	mdg_qsort(jobs, nfiles, sizeof(*jobs), job_cmp);

	rep->nfiles = nfiles;
	rep->files = xcalloc(nfiles ? nfiles : 1, sizeof(*rep->files));
	rep->config = xstrdup(e->file);
	r.states = xcalloc(nfiles ? nfiles : 1, sizeof(*r.states));
	r.nstates = xcalloc(nfiles ? nfiles : 1, sizeof(*r.nstates));
	r.ds = xcalloc(e->domains.n ? e->domains.n : 1, sizeof(*r.ds));
	for (i = 0; i < e->domains.n; i++) {
		r.ds[i].dom = e->domains.v[i];
		mdg_strset_init(&r.ds[i].keys);
	}
	r.vctx.md = e->domains.md;
	r.vctx.mctx = e->domains.mctx;
	mdg_buf_init(&r.key, 0);
	mdg_buf_init(&r.keyshow, 0);
	mdg_buf_init(&r.regkey, 0);
	if (e->rules.n > 0) {
		r.rules = mdg_rules_run_new(e);
		if (o->registry != NULL)
			mdg_rules_run_set_fallback(r.rules, golden_values, o->registry);
	}

	for (i = 0; i < nfiles; i++) {
		struct mdg_file_result *fr = &rep->files[i];
		jobs[i].index = i;
		jobs[i].sd = mdg_site_domain(jobs[i].site, jobs[i].fdom->name);
		jobs[i].st = state_for(&r, jobs[i].dom);
		fr->path = xstrdup(jobs[i].path);
		fr->domain = xstrdup(jobs[i].dom->name);
		fr->site = jobs[i].site ? xstrdup(jobs[i].site->code) : NULL;
	}
	for (i = 0; i < nfiles && rc == MDG_OK; i++) {
		rc = check_file(&r, &jobs[i], fatal);
		/* After the last file of a domain, resolve its self-references. */
		if (i + 1 == nfiles || jobs[i + 1].dom != jobs[i].dom)
			resolve_deferred(&r, jobs[i].st);
	}
	for (j = 0; j < e->domains.n; j++)
		resolve_deferred(&r, &r.ds[j]);
	for (j = 0; j < e->domains.n; j++)
		find_duplicates(&r, &r.ds[j]);
	if (r.reg_failed && rc == MDG_OK) {
		mdg_diag_at(fatal, MDG_SEV_ERROR, "registry.error", NULL, 0, 0, "%s",
			    mdg_registry_error(o->registry));
		rc = MDG_EIO;
	}
	for (i = 0; i < nfiles; i++) {
		struct mdg_file_result *fr = &rep->files[i];
		size_t rejected = 0, review = 0;
		for (k = 0; k < fr->records && k < r.nstates[i]; k++) {
			rejected += r.states[i][k] == STATE_REJECTED;
			review += r.states[i][k] == STATE_REVIEW;
		}
		fr->rejected = rejected;
		fr->review = review;
		fr->accepted = fr->records - rejected - review;
		rep->records += fr->records;
		rep->accepted += fr->accepted;
		rep->review += fr->review;
		rep->rejected += fr->rejected;
		fr->states = r.states[i];  /* the report keeps the states (rejects, changed.c) */
		fr->nstates = fr->records;
	}
	mdg_sha256_definitions(e, rep->rules_sha256);
	for (j = 0; j < e->domains.n; j++)
		mdg_strset_free(&r.ds[j].keys);
	mdg_diags_sort(&rep->findings);
	/* --changed-since: keep only the records on changed lines (changed.c). */
	if (rc == MDG_OK && o->changed_since != NULL)
		rc = mdg_changed_filter(rep, o->changed_since, fatal);
	free(r.ds);
	free(r.states);
	free(r.nstates);
	mdg_buf_free(&r.key);
	mdg_buf_free(&r.keyshow);
	mdg_buf_free(&r.regkey);
	mdg_rules_run_free(r.rules);
	free(jobs);
	return rc;
}
