/*
 * rules.h - rules: the central rule packs and the sites' own rules,
 * compiled once against their domain and evaluated per record.
 *
 * A rule (doc/rules.md) names its domain, an optional guard (`when`), the
 * condition (`check`, true = fine), a severity, a message with {field}
 * placeholders and translations per locale, and whether it is locked.
 * Central rules live in the folder the configuration names (`rules:`); a
 * site's rules and its severity overrides come from its extension files
 * and are governed: ids of their own, lower severities only for rules
 * that are not locked.  Every expression is type-checked against the
 * domain's fields (a site's rule also sees the site's own x_ fields) when
 * it is loaded, so a mistake is a located definition error.
 *
 * Evaluation (struct mdg_rules_file) converts a record's values to CEL
 * values by field type (an empty value is null; a date is the ISO string
 * YYYY-MM-DD), skips a rule that names a field with a field-level error,
 * and reports a false check or an error value.  ref(field) looks up the
 * referenced record among the records of the same run kept for domains
 * that some rule reaches with ref() (at most MDG_REF_KEEP_MAX per domain)
 * and the records Odoo already has (`existing`).
 *
 * Ownership: struct mdg_rules owns its rules, programs and environments
 * (mdg_rules_free).  Rule ids are used as finding codes: findings must not
 * outlive the rules.  A run (mdg_rules_run_new) borrows the enterprise.
 */
#ifndef MDG_RULES_H
#define MDG_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "cel.h"
#include "diag.h"
#include "domain.h"

struct ynode;
struct mdg_site;
struct mdg_enterprise;

#define MDG_RULE_ID_MAX 64            /* characters of a rule id */
#define MDG_RULES_MAX 10000           /* rules in all */
#define MDG_RULE_MESSAGE_MAX 1024     /* bytes of a rendered message */
#define MDG_REF_KEEP_MAX 1000000      /* records kept per domain for ref() */

struct mdg_rule {
	char *id;
	const struct mdg_domain *dom;    /* the central domain */
	const struct mdg_domain *view;   /* what it was compiled against: a site's view or dom */
	char *description;
	char *when_text;                 /* NULL: always applies */
	char *check_text;
	struct cel_program *when;
	struct cel_program *check;
	enum mdg_severity severity;
	char *message;
	struct mdg_pair *messages;       /* locale -> message */
	size_t nmessages;
	bool locked;
	char *site;                      /* NULL: central; else the site's code */
	char *file;                      /* where it is defined */
	long line, col;
	char *origin;                    /* "central item.yaml", "site DE01 rules.yaml" */
	int field;                       /* the field its findings name, -1: none */
	int *uses;                       /* fields its expressions and message name */
	size_t nuses;
	int *refs;                       /* fields it passes to ref() */
	size_t nrefs;
	bool broken;                     /* did not compile (lint reports why) */
};

/* A site's change to a central rule: a lower (or higher) severity. */
struct mdg_override {
	const struct mdg_rule *rule;
	enum mdg_severity severity;
	char *file;
	long line, col;
	char *origin;                    /* "central item.yaml; severity: site DE01" */
};

/* A rule as it applies to the files of one site and domain. */
struct mdg_rule_use {
	const struct mdg_rule *rule;
	enum mdg_severity severity;
	const char *origin;
	const char *message;             /* in the site's language where there is one */
};

/* The variables rules of a domain (or a site's view of it) may name. */
struct mdg_rule_env {
	const struct mdg_domain *view;   /* a central domain or a site's view */
	struct cel_env *env;             /* one variable per field, slot = field index */
	int *ref_field;                  /* ref index (order of declaration) -> field */
	size_t nrefs;
};

struct mdg_rules {
	struct mdg_rule **v;
	size_t n;
	size_t ncentral;                 /* v[0 .. ncentral-1] are central */
	const struct mdg_domains *ds;
	struct mdg_rule_env *central;    /* per central domain (index in ds->v) */
	struct mdg_rule_env **views;     /* sites' views that have rules of their own */
	size_t nviews;
};

/* rules.c */
void mdg_rules_init(struct mdg_rules *rs);
void mdg_rules_free(struct mdg_rules *rs);
/* Build the environment of every domain (after the domains are linked). */
void mdg_rules_prepare(struct mdg_rules *rs, const struct mdg_domains *ds);
/* The environment of a central domain or of a site's view (NULL: none built). */
const struct mdg_rule_env *mdg_rules_env(const struct mdg_rules *rs,
					 const struct mdg_domain *view);
/* Load every *.yaml of the central rules folder.  Returns the errors added. */
size_t mdg_rules_load_central(struct mdg_rules *rs, const char *dir, struct mdg_diags *d);
/*
 * Load a site extension file's `rules:` (a list) and `overrides:` (rule id
 * -> {severity}); either node may be NULL.  The site's views must be
 * complete (its own fields added).  Returns the errors added.
 */
size_t mdg_rules_load_site(struct mdg_rules *rs, struct mdg_site *s, const char *file,
			   const struct ynode *rules, const struct ynode *overrides,
			   struct mdg_diags *d);
void mdg_overrides_free(struct mdg_override *v, size_t n);
const struct mdg_rule *mdg_rule_find(const struct mdg_rules *rs, const char *id);
/*
 * The rules in force for a site (NULL: central only) and a central domain
 * (NULL: every domain), in order: central rules with the site's overrides,
 * then the site's own.  *out is the caller's to free.
 */
size_t mdg_rules_in_force(const struct mdg_rules *rs, const struct mdg_site *s,
			  const struct mdg_domain *dom, struct mdg_rule_use **out);
/* The message in a locale: exact, then the same language, then the default. */
const char *mdg_rule_message(const struct mdg_rule *r, const char *locale);

/* ---------------------------------------------------------- evaluation */

/* What a check run keeps for ref(): the records of referenced domains. */
struct mdg_rules_run;
/* The rules of one file: its site and domain, its slots and results. */
struct mdg_rules_file;

enum mdg_rule_outcome { MDG_RULE_FAILED, MDG_RULE_ERROR };

struct mdg_rule_result {
	const struct mdg_rule_use *use;
	enum mdg_rule_outcome outcome;
	long line;                       /* the line of the named field, 0: the record's */
	char message[MDG_RULE_MESSAGE_MAX];
};

struct mdg_rules_run *mdg_rules_run_new(const struct mdg_enterprise *e);
/*
 * Where ref() looks when a key is neither in the run nor among the records
 * Odoo has: fn returns the record's values as a JSON object (malloc'd
 * text, canonical values) or NULL.  Used for the registry's golden rows.
 */
typedef char *(*mdg_rules_fallback_fn)(void *arg, const char *domain, const char *key,
				       size_t len);
void mdg_rules_run_set_fallback(struct mdg_rules_run *run, mdg_rules_fallback_fn fn, void *arg);
void mdg_rules_run_free(struct mdg_rules_run *run);
/* Does the run keep records of this (central) domain for ref()? */
bool mdg_rules_run_keeps(const struct mdg_rules_run *run, const struct mdg_domain *dom);
/*
 * Begin a file: view is the domain the file's fields come from (a site's
 * view or the central domain), site may be NULL.  decimal and date_format
 * read the values as the validation did.
 */
struct mdg_rules_file *mdg_rules_file_begin(struct mdg_rules_run *run,
					    const struct mdg_site *site,
					    const struct mdg_domain *view, char decimal,
					    int date_format);
void mdg_rules_file_end(struct mdg_rules_file *rf);
/* Does any rule apply to the file's records, or are its records kept? */
bool mdg_rules_file_active(const struct mdg_rules_file *rf);
/* Start a record: every field empty. */
void mdg_rules_record_begin(struct mdg_rules_file *rf);
/*
 * A field's value as checked: trimmed, mapped, and for an enum the
 * canonical value; bad when the field has a finding of its own.  The
 * bytes must stay valid until the record is done; line is where the
 * value is.
 */
void mdg_rules_record_set(struct mdg_rules_file *rf, int field, const char *v, size_t len,
			  bool bad, long line);
/*
 * Evaluate the rules in force; returns the number of results (failed
 * checks and errors), each with its rendered message, in *out (owned by
 * rf, valid until the next record).
 */
size_t mdg_rules_record_eval(struct mdg_rules_file *rf, const struct mdg_rule_result **out);
/* Keep the record for ref() under its business key (when its domain is kept). */
void mdg_rules_record_keep(struct mdg_rules_file *rf, const char *key, size_t len);

/*
 * A copy of a file's rules for another thread, with a context of its own,
 * freed with mdg_rules_file_end (before rf).  It evaluates records as rf
 * would (record_begin, record_set, record_eval), except that ref() there
 * reaches only what does not change while the file is read: the kept
 * records of other domains and the records Odoo already has.  When a
 * rule wants more (a record of the file's own domain, the registry),
 * mdg_rules_record_incomplete says so, and the record is rf's to
 * evaluate.  Records are not kept by a copy.
 */
struct mdg_rules_file *mdg_rules_file_clone(const struct mdg_rules_file *rf);
bool mdg_rules_record_incomplete(const struct mdg_rules_file *rf);

/*
 * The evaluation context of the run, bound to the file's ref() lookups:
 * for `mdgate eval --domain`, which evaluates its own program with the
 * records Odoo already has.
 */
struct cel_ctx *mdg_rules_file_ctx(struct mdg_rules_file *rf);
/* Convert a field's value as a record would give it; false: not valid for the field. */
bool mdg_rules_value(struct mdg_rules_file *rf, int field, const char *v, size_t len,
		     struct cel_value *out);

#endif
