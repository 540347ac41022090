/*
 * match-index.c - the registry side of duplicate detection (see
 * match-index.h): keeping the golden records normalised in match_records,
 * the block-key postings in match_index, loading both for a check, and
 * searching them from several threads.  Each thread probes a slice of the
 * new records against the read-only postings and scores its candidates
 * with the read-only match set; only the output vectors are its own.
 */
#include "config.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "enterprise.h"
#include "match-index.h"
#include "registry.h"

#define SEP '\x1f'			/* between compared fields */
#define MAGIC "MDGMIX1\n"
#define REBUILD_MIN 1000		/* rows past the postings before a rebuild */

/* The postings of one key: sorted tokens, each with a record number. */
struct postings {
	uint64_t *tok;
	uint32_t *rec;			/* golden id (stored) or set record */
	size_t n;
};

struct mdg_match_index {
	const struct mdg_domain *dom;
	const struct mdg_matcher *m;
	struct mdg_match_set *set;
	size_t ngolden;
	char **key, **site;		/* per golden record */
	struct postings *base;		/* per key, records by set number */
	struct postings *delta;
	struct mdg_strset decisions;	/* "a\x1fb" (a < b) -> 1 same, 0 different */
	struct mdg_match_index_stats st;
};

/* ------------------------------------------------------------ helpers */

static void
put_u32(struct mdg_buf *b, uint32_t v)
{
	unsigned char c[4];
	int i;

	for (i = 0; i < 4; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	(void)mdg_buf_append(b, (const char *)c, 4);
}

static void
put_u64(struct mdg_buf *b, uint64_t v)
{
	unsigned char c[8];
	int i;

	for (i = 0; i < 8; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	(void)mdg_buf_append(b, (const char *)c, 8);
}

static uint64_t
get_u(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

struct tokrec {
	uint64_t tok;
	uint32_t rec;
};

static int
tokrec_cmp(const void *a, const void *b)
{
	const struct tokrec *x = a, *y = b;

	if (x->tok != y->tok)
		return x->tok < y->tok ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

/* Postings of key k over set records from..to-1, labelled by id[r] (or r). */
static void
postings_build(const struct mdg_match_set *s, const struct mdg_match_key *k, size_t from,
	       size_t to, const uint32_t *id, struct postings *p)
{
	struct tokrec *tr = NULL;
	uint64_t *toks = NULL;
	size_t n = 0, cap = 0, tcap = 0, r, i, nt;

	for (r = from; r < to; r++) {
		nt = mdg_match_key_tokens(s, r, k, &toks, &tcap);
		if (n + nt > cap) {
			cap = (n + nt) * 2 + 1024;
			tr = xreallocarray(tr, cap, sizeof(*tr));
		}
		for (i = 0; i < nt; i++) {
			tr[n].tok = toks[i];
			tr[n++].rec = id != NULL ? id[r] : (uint32_t)r;
		}
	}
	free(toks);
	mdg_qsort(tr, n, sizeof(*tr), tokrec_cmp);
	p->n = n;
	p->tok = xreallocarray(NULL, n ? n : 1, sizeof(*p->tok));
	p->rec = xreallocarray(NULL, n ? n : 1, sizeof(*p->rec));
	for (i = 0; i < n; i++) {
		p->tok[i] = tr[i].tok;
		p->rec[i] = tr[i].rec;
	}
	free(tr);
}

static void
postings_free(struct postings *p)
{
	free(p->tok);
	free(p->rec);
	memset(p, 0, sizeof(*p));
}

/* The first entry whose token is >= t. */
static size_t
lower_bound(const struct postings *p, uint64_t t)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->tok[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Split "a\x1fb\x1f..." into nf parts (in place); missing parts are "". */
static void
split_fields(char *s, const char **out, size_t nf)
{
	size_t f;

	for (f = 0; f < nf; f++) {
		out[f] = s != NULL ? s : "";
		if (s != NULL) {
			char *e = strchr(s, SEP);
			if (e != NULL) {
				*e = '\0';
				s = e + 1;
			} else {
				s = NULL;
			}
		}
	}
}

/* Append a value with the separator replaced (it would split the field). */
static void
append_field(struct mdg_buf *b, const char *v, bool first)
{
	const char *p;

	if (!first)
		(void)mdg_buf_append(b, "\x1f", 1);
	for (p = v; *p != '\0'; p++)
		(void)mdg_buf_append(b, *p == SEP ? " " : p, 1);
}

/* The compared fields' values from a golden row's JSON, in matcher order. */
static void
values_from_json(const struct mdg_domain *dom, json_t *obj, const char **vals)
{
	const struct mdg_domain_match *dm = dom->match;
	size_t f;

	for (f = 0; f < dm->nfields; f++) {
		json_t *v = json_object_get(obj, dom->fields[dm->dom_field[f]].name);
		vals[f] = json_is_string(v) ? json_string_value(v) : NULL;
	}
}

static void
definition_sha(const struct mdg_domain *dom, char hex[65])
{
	const struct mdg_domain *c = mdg_domain_central(dom);

	if (c->file == NULL || mdg_sha256_file(c->file, hex) != MDG_OK)
		strcpy(hex, "-");
}

/* ------------------------------------------------------------ sync */

static int
sq(struct mdg_registry *reg, int rc, const char *what)
{
	return mdg_registry_fail(reg, rc, what);
}

/* Build and store the postings of every record of the domain. */
static int
store_postings(struct mdg_registry *reg, const struct mdg_domain *dom, const char *sha)
{
	const struct mdg_domain_match *dm = dom->match;
	sqlite3 *db = mdg_registry_db(reg);
	sqlite3_stmt *st = NULL;
	struct mdg_match_set *set = mdg_match_set_new(dm->m);
	struct mdg_buf blob;
	uint32_t *ids = NULL;
	size_t n = 0, cap = 0, ki, i;
	long long upto = 0;
	const char **raw = xcalloc(dm->nfields, sizeof(*raw));
	char at[64];
	int s, rc = MDG_ERR;

	mdg_buf_init(&blob, 0);
	if ((s = sqlite3_prepare_v2(db, "SELECT golden, norm FROM match_records WHERE domain = ?"
				    " ORDER BY golden", -1, &st, NULL)) != SQLITE_OK) {
		sq(reg, s, "cannot read the match records");
		goto out;
	}
	sqlite3_bind_text(st, 1, dom->name, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		long long g = sqlite3_column_int64(st, 0);
		char *norm = xstrdup((const char *)sqlite3_column_text(st, 1));

		if (g <= 0 || g > UINT32_MAX) {
			free(norm);
			mdg_registry_failf(reg, "a golden id past 2^32 cannot be indexed");
			goto out;
		}
		split_fields(norm, raw, dm->nfields);
		mdg_match_set_add_norm(set, raw, raw, 0);
		free(norm);
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			ids = xreallocarray(ids, cap, sizeof(*ids));
		}
		ids[n++] = (uint32_t)g;
		if (g > upto)
			upto = g;
	}
	if (s != SQLITE_DONE) {
		sq(reg, s, "cannot read the match records");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	(void)mdg_buf_append(&blob, MAGIC, 8);
	put_u32(&blob, (uint32_t)dm->m->nkeys);
	for (ki = 0; ki < dm->m->nkeys; ki++) {
		struct postings p;

		postings_build(set, &dm->m->keys[ki], 0, n, ids, &p);
		put_u64(&blob, p.n);
		for (i = 0; i < p.n; i++)
			put_u64(&blob, p.tok[i]);
		for (i = 0; i < p.n; i++)
			put_u32(&blob, p.rec[i]);
		postings_free(&p);
	}
	mdg_registry_now(at);
	if ((s = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO match_index(domain, match_sha,"
				    " upto, records, built_at, postings) VALUES (?, ?, ?, ?, ?, ?)",
				    -1, &st, NULL)) != SQLITE_OK) {
		sq(reg, s, "cannot store the match index");
		goto out;
	}
	sqlite3_bind_text(st, 1, dom->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, upto);
	sqlite3_bind_int64(st, 4, (long long)n);
	sqlite3_bind_text(st, 5, at, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 6, blob.data ? blob.data : "", blob.len, SQLITE_STATIC);
	if ((s = sqlite3_step(st)) != SQLITE_DONE) {
		sq(reg, s, "cannot store the match index");
		goto out;
	}
	rc = MDG_OK;
out:
	sqlite3_finalize(st);
	mdg_match_set_free(set);
	mdg_buf_free(&blob);
	free(ids);
	free(raw);
	return rc;
}

/* Add match records for the golden rows past `after` (all with after < 0). */
static int
add_records(struct mdg_registry *reg, const struct mdg_domain *dom, long long after,
	    size_t *added)
{
	const struct mdg_domain_match *dm = dom->match;
	sqlite3 *db = mdg_registry_db(reg);
	sqlite3_stmt *sel = NULL, *ins = NULL, *del = NULL;
	struct mdg_match_set *set = mdg_match_set_new(dm->m);
	const char **vals = xcalloc(dm->nfields, sizeof(*vals));
	struct mdg_buf rawb, normb;
	size_t f, r;
	int s, rc = MDG_ERR;

	*added = 0;
	mdg_buf_init(&rawb, 0);
	mdg_buf_init(&normb, 0);
	if ((s = sqlite3_prepare_v2(db, "SELECT id, key, site, vals, version FROM golden"
				    " WHERE domain = ?1 AND is_current AND id > ?2 ORDER BY id",
				    -1, &sel, NULL)) != SQLITE_OK ||
	    (s = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO match_records(golden, domain,"
				    " key, site, raw, norm) VALUES (?, ?, ?, ?, ?, ?)", -1, &ins,
				    NULL)) != SQLITE_OK ||
	    (s = sqlite3_prepare_v2(db, "DELETE FROM match_records WHERE domain = ?1 AND"
				    " key = ?2 AND golden <> ?3", -1, &del, NULL)) != SQLITE_OK) {
		sq(reg, s, "cannot update the match records");
		goto out;
	}
	sqlite3_bind_text(sel, 1, dom->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sel, 2, after);
	while ((s = sqlite3_step(sel)) == SQLITE_ROW) {
		long long g = sqlite3_column_int64(sel, 0);
		const char *key = (const char *)sqlite3_column_text(sel, 1);
		const char *site = (const char *)sqlite3_column_text(sel, 2);
		json_t *obj = json_loads((const char *)sqlite3_column_text(sel, 3), 0, NULL);

		values_from_json(dom, obj, vals);
		r = mdg_match_set_add(set, vals, dm->nfields, 0);
		mdg_buf_reset(&rawb);
		mdg_buf_reset(&normb);
		for (f = 0; f < dm->nfields; f++) {
			append_field(&rawb, mdg_match_set_raw(set, r, f), f == 0);
			append_field(&normb, mdg_match_set_norm(set, r, f), f == 0);
		}
		json_decref(obj);
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, g);
		sqlite3_bind_text(ins, 2, dom->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, key, -1, SQLITE_TRANSIENT);
		if (site != NULL)
			sqlite3_bind_text(ins, 4, site, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(ins, 4);
		sqlite3_bind_text(ins, 5, rawb.data ? rawb.data : "", (int)rawb.len,
				  SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, normb.data ? normb.data : "", (int)normb.len,
				  SQLITE_STATIC);
		if ((s = sqlite3_step(ins)) != SQLITE_DONE) {
			sq(reg, s, "cannot write a match record");
			goto out;
		}
		if (sqlite3_column_int64(sel, 4) > 1) {
			sqlite3_reset(del);
			sqlite3_bind_text(del, 1, dom->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(del, 2, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(del, 3, g);
			if ((s = sqlite3_step(del)) != SQLITE_DONE) {
				sq(reg, s, "cannot remove a superseded match record");
				goto out;
			}
		}
		(*added)++;
		/* The set is only a normaliser here: keep it small. */
		if (mdg_match_set_count(set) >= 4096) {
			mdg_match_set_free(set);
			set = mdg_match_set_new(dm->m);
		}
	}
	if (s != SQLITE_DONE) {
		sq(reg, s, "cannot read the golden records");
		goto out;
	}
	rc = MDG_OK;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	mdg_match_set_free(set);
	mdg_buf_free(&rawb);
	mdg_buf_free(&normb);
	free(vals);
	return rc;
}

static int
sync_domain(struct mdg_registry *reg, const struct mdg_domain *dom, bool force)
{
	sqlite3 *db = mdg_registry_db(reg);
	sqlite3_stmt *st = NULL;
	char sha[65], *stored = NULL;
	long long upto = -1, last = 0;
	size_t indexed = 0, added, past = 0;
	int s;

	definition_sha(dom, sha);
	if ((s = sqlite3_prepare_v2(db, "SELECT match_sha, upto, records FROM match_index"
				    " WHERE domain = ?", -1, &st, NULL)) != SQLITE_OK)
		return sq(reg, s, "cannot read the match index");
	sqlite3_bind_text(st, 1, dom->name, -1, SQLITE_STATIC);
	if ((s = sqlite3_step(st)) == SQLITE_ROW) {
		stored = xstrdup((const char *)sqlite3_column_text(st, 0));
		upto = sqlite3_column_int64(st, 1);
		indexed = (size_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		return sq(reg, s, "cannot read the match index");
	if (force || stored == NULL || strcmp(stored, sha) != 0) {
		/* Normalised with other settings: start again. */
		free(stored);
		if ((s = sqlite3_prepare_v2(db, "DELETE FROM match_records WHERE domain = ?", -1,
					    &st, NULL)) != SQLITE_OK)
			return sq(reg, s, "cannot clear the match records");
		sqlite3_bind_text(st, 1, dom->name, -1, SQLITE_STATIC);
		s = sqlite3_step(st);
		sqlite3_finalize(st);
		if (s != SQLITE_DONE)
			return sq(reg, s, "cannot clear the match records");
		if (add_records(reg, dom, -1, &added) != MDG_OK)
			return MDG_ERR;
		return store_postings(reg, dom, sha);
	}
	free(stored);
	if ((s = sqlite3_prepare_v2(db, "SELECT MAX(golden) FROM match_records WHERE domain = ?",
				    -1, &st, NULL)) != SQLITE_OK)
		return sq(reg, s, "cannot read the match records");
	sqlite3_bind_text(st, 1, dom->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (add_records(reg, dom, last, &added) != MDG_OK)
		return MDG_ERR;
	if ((s = sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM match_records WHERE domain = ?"
				    " AND golden > ?", -1, &st, NULL)) != SQLITE_OK)
		return sq(reg, s, "cannot read the match records");
	sqlite3_bind_text(st, 1, dom->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, upto);
	if (sqlite3_step(st) == SQLITE_ROW)
		past = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (past > REBUILD_MIN && past > indexed / 4)
		return store_postings(reg, dom, sha);
	return MDG_OK;
}

int
mdg_match_index_sync(struct mdg_registry *reg, const struct mdg_enterprise *e, bool force)
{
	size_t i;

	for (i = 0; i < e->domains.n; i++) {
		const struct mdg_domain *dom = e->domains.v[i];
		if (dom->match == NULL)
			continue;
		if (sync_domain(reg, dom, force) != MDG_OK)
			return MDG_ERR;
	}
	return MDG_OK;
}

/* ------------------------------------------------------------ load */

/* Read the stored postings into ix->base (records as set numbers). */
static bool
load_postings(struct mdg_match_index *ix, const unsigned char *p, size_t len,
	      const uint32_t *map, size_t nmap)
{
	size_t ki, i, j, n, off = 12;

	if (len < 12 || memcmp(p, MAGIC, 8) != 0 || get_u(p + 8, 4) != ix->m->nkeys)
		return false;
	for (ki = 0; ki < ix->m->nkeys; ki++) {
		struct postings *b = &ix->base[ki];

		if (len - off < 8)
			return false;
		n = (size_t)get_u(p + off, 8);
		off += 8;
		if (n > (len - off) / 12)
			return false;
		b->tok = xreallocarray(NULL, n ? n : 1, sizeof(*b->tok));
		b->rec = xreallocarray(NULL, n ? n : 1, sizeof(*b->rec));
		for (i = j = 0; i < n; i++) {
			uint32_t g = (uint32_t)get_u(p + off + 8 * n + 4 * i, 4);
			/* Golden rows superseded since the build are gone from the set. */
			if (g >= nmap || map[g] == UINT32_MAX)
				continue;
			b->tok[j] = get_u(p + off + 8 * i, 8);
			b->rec[j++] = map[g];
		}
		b->n = j;
		off += 12 * n;
	}
	return true;
}

static int
load_decisions(struct mdg_registry *reg, struct mdg_match_index *ix)
{
	sqlite3_stmt *st = NULL;
	struct mdg_buf b;
	int s;

	mdg_buf_init(&b, 0);
	if ((s = sqlite3_prepare_v2(mdg_registry_db(reg), "SELECT key_a, key_b, same FROM"
				    " match_decisions WHERE domain = ?", -1, &st, NULL)) != SQLITE_OK)
		return sq(reg, s, "cannot read the duplicate decisions");
	sqlite3_bind_text(st, 1, ix->dom->name, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		mdg_buf_reset(&b);
		(void)mdg_buf_append(&b, (const char *)sqlite3_column_text(st, 0),
				     (size_t)sqlite3_column_bytes(st, 0));
		(void)mdg_buf_append(&b, "\x1f", 1);
		(void)mdg_buf_append(&b, (const char *)sqlite3_column_text(st, 1),
				     (size_t)sqlite3_column_bytes(st, 1));
		mdg_strset_add(&ix->decisions, b.data, b.len, sqlite3_column_int(st, 2), NULL);
	}
	sqlite3_finalize(st);
	mdg_buf_free(&b);
	return s == SQLITE_DONE ? MDG_OK : sq(reg, s, "cannot read the duplicate decisions");
}

int
mdg_match_index_load_decisions(struct mdg_registry *reg, const struct mdg_domain *dom,
			       struct mdg_match_index **out)
{
	struct mdg_match_index *ix;
	const struct mdg_domain *c = mdg_domain_central(dom);

	*out = NULL;
	if (c->match == NULL)
		return MDG_OK;
	ix = xcalloc(1, sizeof(*ix));
	ix->dom = c;
	ix->m = c->match->m;
	ix->set = mdg_match_set_new(ix->m);
	ix->base = xcalloc(ix->m->nkeys ? ix->m->nkeys : 1, sizeof(*ix->base));
	ix->delta = xcalloc(ix->m->nkeys ? ix->m->nkeys : 1, sizeof(*ix->delta));
	mdg_strset_init(&ix->decisions);
	if (load_decisions(reg, ix) != MDG_OK) {
		mdg_match_index_free(ix);
		return MDG_ERR;
	}
	*out = ix;
	return MDG_OK;
}

/* The golden rows straight from the golden table (no stored index). */
static int
load_from_golden(struct mdg_registry *reg, struct mdg_match_index *ix, size_t *cap)
{
	const struct mdg_domain_match *dm = ix->dom->match;
	sqlite3_stmt *st = NULL;
	const char **vals = xcalloc(dm->nfields, sizeof(*vals));
	int s;

	if ((s = sqlite3_prepare_v2(mdg_registry_db(reg), "SELECT key, site, vals FROM golden"
				    " WHERE domain = ? AND is_current ORDER BY id", -1, &st,
				    NULL)) != SQLITE_OK) {
		free(vals);
		return sq(reg, s, "cannot read the golden records");
	}
	sqlite3_bind_text(st, 1, ix->dom->name, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *site = (const char *)sqlite3_column_text(st, 1);
		json_t *obj = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);

		values_from_json(ix->dom, obj, vals);
		mdg_match_set_add(ix->set, vals, dm->nfields, 0);
		json_decref(obj);
		if (ix->ngolden == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			ix->key = xreallocarray(ix->key, *cap, sizeof(*ix->key));
			ix->site = xreallocarray(ix->site, *cap, sizeof(*ix->site));
		}
		ix->key[ix->ngolden] = xstrdup((const char *)sqlite3_column_text(st, 0));
		ix->site[ix->ngolden++] = site ? xstrdup(site) : NULL;
	}
	sqlite3_finalize(st);
	free(vals);
	return s == SQLITE_DONE ? MDG_OK : sq(reg, s, "cannot read the golden records");
}

int
mdg_match_index_load(struct mdg_registry *reg, const struct mdg_domain *dom,
		     struct mdg_match_index **out)
{
	const struct mdg_domain *c = mdg_domain_central(dom);
	const struct mdg_domain_match *dm = c->match;
	sqlite3 *db = mdg_registry_db(reg);
	sqlite3_stmt *st = NULL;
	struct mdg_match_index *ix;
	char sha[65];
	const char **raw, **norm;
	uint32_t *map = NULL;
	size_t cap = 0, nmap = 0, ki, from = 0;
	long long upto = -1;
	bool have = false;
	int s, rc = MDG_ERR;

	*out = NULL;
	if (dm == NULL)
		return MDG_OK;
	ix = xcalloc(1, sizeof(*ix));
	ix->dom = c;
	ix->m = dm->m;
	ix->set = mdg_match_set_new(dm->m);
	ix->base = xcalloc(dm->m->nkeys ? dm->m->nkeys : 1, sizeof(*ix->base));
	ix->delta = xcalloc(dm->m->nkeys ? dm->m->nkeys : 1, sizeof(*ix->delta));
	mdg_strset_init(&ix->decisions);
	raw = xcalloc(dm->nfields, sizeof(*raw));
	norm = xcalloc(dm->nfields, sizeof(*norm));
	definition_sha(c, sha);

	if ((s = sqlite3_prepare_v2(db, "SELECT upto FROM match_index WHERE domain = ? AND"
				    " match_sha = ?", -1, &st, NULL)) != SQLITE_OK) {
		sq(reg, s, "cannot read the match index");
		goto out;
	}
	sqlite3_bind_text(st, 1, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		have = true;
		upto = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	st = NULL;

	if (!have) {
		ix->st.rebuilt = true;
		if (load_from_golden(reg, ix, &cap) != MDG_OK)
			goto out;
	} else {
		uint32_t maxg = 0;

		if ((s = sqlite3_prepare_v2(db, "SELECT golden, key, site, raw, norm FROM"
					    " match_records WHERE domain = ? ORDER BY golden", -1,
					    &st, NULL)) != SQLITE_OK) {
			sq(reg, s, "cannot read the match records");
			goto out;
		}
		sqlite3_bind_text(st, 1, c->name, -1, SQLITE_STATIC);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			long long g = sqlite3_column_int64(st, 0);
			const char *site = (const char *)sqlite3_column_text(st, 2);
			char *rv = xstrdup((const char *)sqlite3_column_text(st, 3));
			char *nv = xstrdup((const char *)sqlite3_column_text(st, 4));

			if (g <= 0 || g > UINT32_MAX - 1) {
				free(rv);
				free(nv);
				mdg_registry_failf(reg, "a golden id past 2^32 cannot be indexed");
				goto out;
			}
			split_fields(rv, raw, dm->nfields);
			split_fields(nv, norm, dm->nfields);
			mdg_match_set_add_norm(ix->set, raw, norm, 0);
			free(rv);
			free(nv);
			if (ix->ngolden == cap) {
				cap = cap ? cap * 2 : 1024;
				ix->key = xreallocarray(ix->key, cap, sizeof(*ix->key));
				ix->site = xreallocarray(ix->site, cap, sizeof(*ix->site));
			}
			if ((size_t)g >= nmap) {
				size_t nn = nmap ? nmap : 1024;
				while (nn <= (size_t)g)
					nn *= 2;
				map = xreallocarray(map, nn, sizeof(*map));
				memset(map + nmap, 0xff, (nn - nmap) * sizeof(*map));
				nmap = nn;
			}
			map[g] = (uint32_t)ix->ngolden;
			if ((uint32_t)g > maxg)
				maxg = (uint32_t)g;
			if (g <= upto)
				from = ix->ngolden + 1;
			ix->key[ix->ngolden] = xstrdup((const char *)sqlite3_column_text(st, 1));
			ix->site[ix->ngolden++] = site ? xstrdup(site) : NULL;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (s != SQLITE_DONE) {
			sq(reg, s, "cannot read the match records");
			goto out;
		}
		if ((s = sqlite3_prepare_v2(db, "SELECT postings FROM match_index WHERE domain = ?",
					    -1, &st, NULL)) != SQLITE_OK) {
			sq(reg, s, "cannot read the match index");
			goto out;
		}
		sqlite3_bind_text(st, 1, c->name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW ||
		    !load_postings(ix, sqlite3_column_blob(st, 0),
				   (size_t)sqlite3_column_bytes(st, 0), map, nmap)) {
			/* Unreadable: index everything in memory instead. */
			for (ki = 0; ki < dm->m->nkeys; ki++)
				postings_free(&ix->base[ki]);
			from = 0;
			ix->st.rebuilt = true;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	/* The records the stored postings do not cover: indexed in memory. */
	if (ix->st.rebuilt)
		from = 0;
	for (ki = 0; ki < dm->m->nkeys; ki++)
		postings_build(ix->set, &dm->m->keys[ki], from, ix->ngolden, NULL, &ix->delta[ki]);
	ix->st.golden = ix->ngolden;
	ix->st.delta = ix->ngolden - from;
	if (load_decisions(reg, ix) != MDG_OK)
		goto out;
	rc = MDG_OK;
out:
	sqlite3_finalize(st);
	free(map);
	free(raw);
	free(norm);
	if (rc != MDG_OK)
		mdg_match_index_free(ix);
	else
		*out = ix;
	return rc;
}

void
mdg_match_index_free(struct mdg_match_index *ix)
{
	size_t i;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->m->nkeys; i++) {
		postings_free(&ix->base[i]);
		postings_free(&ix->delta[i]);
	}
	for (i = 0; i < ix->ngolden; i++) {
		free(ix->key[i]);
		free(ix->site[i]);
	}
	free(ix->key);
	free(ix->site);
	free(ix->base);
	free(ix->delta);
	mdg_strset_free(&ix->decisions);
	mdg_match_set_free(ix->set);
	free(ix);
}

struct mdg_match_set *
mdg_match_index_set(struct mdg_match_index *ix)
{
	return ix->set;
}

size_t
mdg_match_index_golden(const struct mdg_match_index *ix)
{
	return ix->ngolden;
}

const char *
mdg_match_index_key(const struct mdg_match_index *ix, size_t i)
{
	return i < ix->ngolden ? ix->key[i] : NULL;
}

const char *
mdg_match_index_site(const struct mdg_match_index *ix, size_t i)
{
	return i < ix->ngolden ? ix->site[i] : NULL;
}

void
mdg_match_index_stats(const struct mdg_match_index *ix, struct mdg_match_index_stats *st)
{
	*st = ix->st;
}

/* ------------------------------------------------------------ search */

struct worker {
	struct mdg_match_index *ix;
	size_t from, to;
	atomic_size_t *next;		/* the next chunk's first record */
	atomic_size_t *done;
	struct mdg_match_link *out;
	size_t nout, capout;
	size_t postings, stop, candidates;
};

#define CHUNK 256

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct mdg_match_index *ix = w->ix;
	const struct mdg_matcher *m = ix->m;
	size_t ng = ix->ngolden, cap = m->stop_min ? m->stop_min : SIZE_MAX;
	/* stamp: touched by this (record, key); scored: scored for this record */
	uint32_t *stamp = xcalloc(ng ? ng : 1, sizeof(*stamp));
	uint32_t *scored = xcalloc(ng ? ng : 1, sizeof(*scored));
	uint16_t *count = xcalloc(ng ? ng : 1, sizeof(*count));
	uint32_t *touched = NULL;
	uint64_t *toks = NULL;
	size_t tcap = 0, ntouched = 0, touchcap = 0, ki, i, j, nt, lo;
	uint32_t mark = 0, rmark = 0;

	for (;;) {
		size_t b0 = atomic_fetch_add(w->next, CHUNK), b;

		if (b0 >= w->to)
			break;
		for (b = b0; b < b0 + CHUNK && b < w->to; b++) {
			if (++rmark == 0) {	/* wrapped: start the stamps again */
				memset(scored, 0, ng * sizeof(*scored));
				rmark = 1;
			}
			for (ki = 0; ki < m->nkeys; ki++) {
				const struct mdg_match_key *k = &m->keys[ki];
				size_t need, skipped = 0;

				if (++mark == 0) {
					memset(stamp, 0, ng * sizeof(*stamp));
					mark = 1;
				}
				nt = mdg_match_key_tokens(ix->set, b, k, &toks, &tcap);
				ntouched = 0;
				for (i = 0; i < nt; i++) {
					const struct postings *ps[2] = { &ix->base[ki], &ix->delta[ki] };
					size_t hi[2], los[2], len = 0, pi;

					for (pi = 0; pi < 2; pi++) {
						los[pi] = lower_bound(ps[pi], toks[i]);
						hi[pi] = los[pi];
						while (hi[pi] < ps[pi]->n && ps[pi]->tok[hi[pi]] == toks[i])
							hi[pi]++;
						len += hi[pi] - los[pi];
					}
					if (len > cap) {
						w->stop++;
						skipped++;
						continue;
					}
					for (pi = 0; pi < 2; pi++)
						for (lo = los[pi]; lo < hi[pi]; lo++) {
							uint32_t a = ps[pi]->rec[lo];

							w->postings++;
							if (scored[a] == rmark)
								continue;
							if (stamp[a] != mark) {
								stamp[a] = mark;
								count[a] = 0;
								if (ntouched == touchcap) {
									touchcap = touchcap ?
									    touchcap * 2 : 256;
									touched = xreallocarray(
									    touched, touchcap,
									    sizeof(*touched));
								}
								touched[ntouched++] = a;
							}
							if (count[a] < UINT16_MAX)
								count[a]++;
						}
				}
				/* q-grams: at least min(k, |tokens|) shared, less the
				 * stop tokens skipped (they may be the shared ones). */
				need = k->q == 0 || k->words ? 1 : (k->k < nt ? k->k : nt);
				need = need > skipped ? need - skipped : 1;
				for (j = 0; j < ntouched; j++) {
					uint32_t a = touched[j];
					double sc;

					if (count[a] < need)
						continue;
					scored[a] = rmark;
					w->candidates++;
					sc = mdg_match_score_min(ix->set, a, b, m->review_threshold);
					if (sc < m->review_threshold)
						continue;
					if (w->nout == w->capout) {
						w->capout = w->capout ? w->capout * 2 : 256;
						w->out = xreallocarray(w->out, w->capout,
								       sizeof(*w->out));
					}
					w->out[w->nout].golden = a;
					w->out[w->nout].rec = b;
					w->out[w->nout++].score = sc;
				}
			}
		}
		atomic_fetch_add(w->done, (b0 + CHUNK < w->to ? b0 + CHUNK : w->to) - b0);
	}
	free(stamp);
	free(scored);
	free(count);
	free(touched);
	free(toks);
	return NULL;
}

static int
link_cmp(const void *x, const void *y)
{
	const struct mdg_match_link *a = x, *b = y;

	if (a->rec != b->rec)
		return a->rec < b->rec ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->golden < b->golden ? -1 : a->golden > b->golden;
}

size_t
mdg_match_index_search(struct mdg_match_index *ix, size_t from, size_t to, unsigned nthreads,
		       struct mdg_match_link **out,
		       void (*progress)(void *arg, size_t done, size_t total), void *progress_arg)
{
	struct worker *w;
	pthread_t *tid;
	bool *started;
	atomic_size_t next, done;
	size_t n = 0, i, t;
	long np;

	*out = NULL;
	if (nthreads == 0) {
		np = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = np > 0 ? (unsigned)np : 1;
	}
	if (nthreads > 64)
		nthreads = 64;
	if (to <= from)
		return 0;
	if ((to - from) / CHUNK + 1 < nthreads)
		nthreads = (unsigned)((to - from) / CHUNK + 1);
	atomic_init(&next, from);
	atomic_init(&done, 0);
	w = xcalloc(nthreads, sizeof(*w));
	tid = xcalloc(nthreads, sizeof(*tid));
	started = xcalloc(nthreads, sizeof(*started));
	for (t = 0; t < nthreads; t++) {
		w[t].ix = ix;
		w[t].from = from;
		w[t].to = to;
		w[t].next = &next;
		w[t].done = &done;
	}
	/* Thread 0 is this one; the others are started, or their share falls
	 * to the ones that did start. */
	for (t = 1; t < nthreads; t++)
		started[t] = pthread_create(&tid[t], NULL, work, &w[t]) == 0;
	if (progress != NULL && nthreads > 1) {
		while (atomic_load(&next) < to) {
			progress(progress_arg, atomic_load(&done), to - from);
			usleep(250000);
		}
	}
	work(&w[0]);
	for (t = 1; t < nthreads; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
	if (progress != NULL)
		progress(progress_arg, to - from, to - from);
	for (t = 0; t < nthreads; t++)
		n += w[t].nout;
	*out = xreallocarray(NULL, n ? n : 1, sizeof(**out));
	n = 0;
	for (t = 0; t < nthreads; t++) {
		for (i = 0; i < w[t].nout; i++)
			(*out)[n++] = w[t].out[i];
		ix->st.postings += w[t].postings;
		ix->st.stop_tokens += w[t].stop;
		ix->st.candidates += w[t].candidates;
		free(w[t].out);
	}
	ix->st.probes += to - from;
	ix->st.pairs += n;
	mdg_qsort(*out, n, sizeof(**out), link_cmp);
	free(w);
	free(tid);
	free(started);
	return n;
}

/* ------------------------------------------------------------ decisions */

static void
pair_key(struct mdg_buf *b, const char *x, const char *y)
{
	if (strcmp(x, y) > 0) {
		const char *t = x;
		x = y;
		y = t;
	}
	mdg_buf_reset(b);
	(void)mdg_buf_append(b, x, strlen(x));
	(void)mdg_buf_append(b, "\x1f", 1);
	(void)mdg_buf_append(b, y, strlen(y));
}

int
mdg_match_decision(const struct mdg_match_index *ix, const char *key_a, const char *key_b)
{
	struct mdg_buf b;
	long v = -1;

	if (ix == NULL || key_a == NULL || key_b == NULL || ix->decisions.n == 0)
		return -1;
	mdg_buf_init(&b, 0);
	pair_key(&b, key_a, key_b);
	if (!mdg_strset_get(&ix->decisions, b.data, b.len, &v))
		v = -1;
	mdg_buf_free(&b);
	return (int)v;
}

int
mdg_match_decide(struct mdg_registry *reg, const char *domain, const char *key_a,
		 const char *key_b, bool same, const char *actor, const char *comment)
{
	sqlite3_stmt *st = NULL;
	const char *x = key_a, *y = key_b;
	char at[64];
	int s;

	if (strcmp(x, y) > 0) {
		x = key_b;
		y = key_a;
	}
	mdg_registry_now(at);
	if ((s = sqlite3_prepare_v2(mdg_registry_db(reg), "INSERT OR REPLACE INTO"
				    " match_decisions(domain, key_a, key_b, same, decided_by,"
				    " decided_at, comment) VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &st,
				    NULL)) != SQLITE_OK)
		return sq(reg, s, "cannot record the duplicate decision");
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, x, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, y, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, same ? 1 : 0);
	sqlite3_bind_text(st, 5, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, at, -1, SQLITE_STATIC);
	if (comment != NULL)
		sqlite3_bind_text(st, 7, comment, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	s = sqlite3_step(st);
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? MDG_OK : sq(reg, s, "cannot record the duplicate decision");
}
