/*
 * export.h - approved records as files Odoo imports: one CSV per Odoo
 * model in the format of Odoo's import (`id` column of external IDs,
 * `field/id` columns for relations) or Odoo XML data files (optionally laid
 * out as an installable data module), in dependency order, with a
 * manifest.json that lists every file with its model, rows and SHA-256.
 *
 * An export is built in three steps: add the records (from the registry's
 * golden rows or from the accepted records of a check run), resolve (give
 * every record its external ID, resolve every relation and order the
 * rows), then write.  Resolving finds every problem first (a dangling
 * relation, two records with one external ID), so that nothing is written
 * when one is found.  doc/export.md documents the format.
 *
 * Ownership: struct mdg_export owns copies of everything added to it and
 * borrows the enterprise (which must outlive it); mdg_export_free().
 */
#ifndef MDG_EXPORT_H
#define MDG_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "enterprise.h"

struct mdg_registry;
struct mdg_identity;

enum mdg_export_format {
	MDG_EXPORT_CSV,   /* odoo-csv */
	MDG_EXPORT_XML,   /* odoo-xml */
};

/* The longest name part of an external ID (after "module."); a longer one
 * is cut and ends in '_' and 8 hex digits of a hash of the unsanitised ID. */
#define MDG_XMLID_NAME_MAX 64

struct mdg_export;

/* export.c */
/* "odoo-csv" or "odoo-xml"; -1 for anything else. */
int mdg_export_format_parse(const char *s);
const char *mdg_export_format_name(enum mdg_export_format f);
/*
 * A new export.  module is the external-ID prefix ([a-z0-9_], checked by
 * mdg_export_module_valid); odoo_module, when not NULL, lays the XML out as
 * the installable Odoo module of that name (it must equal module).
 */
struct mdg_export *mdg_export_new(const struct mdg_enterprise *e, enum mdg_export_format fmt,
				  const char *module, const char *odoo_module);
void mdg_export_free(struct mdg_export *x);
/* Whether a module name (external-ID prefix) is usable: [a-z][a-z0-9_]*, at most 64. */
bool mdg_export_module_valid(const char *module);
/*
 * Add a record of a domain (central definition) with its readable key and
 * values (a JSON object keyed by field, as the registry keeps them).  With
 * write false the record is not written but may be referred to: it must
 * then have been exported before (prior_id, its recorded external ID,
 * without it the reference is dangling).  prior_id, when not NULL, is the
 * external ID an earlier export gave the record; it is kept.  golden_id
 * is its golden row (0: none, a check run).  origin and line locate the
 * record in messages (the registry file, or the submitted file and the
 * record's line).  Returns MDG_ERR (with a diag) when the values are not a
 * JSON object or the domain and key are in the export already.
 */
int mdg_export_add(struct mdg_export *x, const struct mdg_domain *dom, const char *key,
		   const char *site, const char *values_json, bool write, const char *prior_id,
		   long long golden_id, const char *origin, long line, struct mdg_diags *d);
/* An external ID used earlier by a record that is not part of this export. */
void mdg_export_reserve(struct mdg_export *x, const char *xmlid);
/*
 * Give every record its external ID, resolve every relation, order the
 * rows.  Errors (dangling relations; colliding IDs) go to d naming the
 * record (domain, key, field).  Returns MDG_OK, MDG_ERR when a relation
 * dangles (or records refer to each other in a cycle), MDG_ELIMIT for an
 * ID that cannot be made unique.  After an error nothing can be written.
 */
int mdg_export_resolve(struct mdg_export *x, struct mdg_diags *d);
/*
 * Write the files into dir (an existing, empty folder) and manifest.json;
 * export_id > 0 is written into the manifest.  *manifest_sha receives the
 * manifest's SHA-256.  Errors name the file.
 */
int mdg_export_write(struct mdg_export *x, const char *dir, long long export_id,
		     long long since, char manifest_sha[65], struct mdg_diags *d);
/* Records written / files written (after mdg_export_write). */
size_t mdg_export_nwritten(const struct mdg_export *x);
size_t mdg_export_nfiles(const struct mdg_export *x);
/* The external ID of the i-th record added (after resolve), NULL: none. */
const char *mdg_export_record_id(const struct mdg_export *x, size_t i);
/*
 * The sanitised name part of an external ID: ASCII letters lowered, every
 * other character outside [a-z0-9_] (and every non-ASCII byte) becomes
 * '_', runs of '_' collapse, no '_' at either end; "x" when nothing is
 * left; longer than MDG_XMLID_NAME_MAX: cut and suffixed with '_' and 8
 * hex digits of SHA-256(raw).  The caller frees it.
 */
char *mdg_xmlid_sanitize(const char *raw);
/* 8 hex digits of SHA-256 over the bytes (for ID suffixes). */
void mdg_xmlid_hash8(const char *s, size_t len, char out[9]);

/*
 * The registry side (the schema version 3 tables exports, export_ids and
 * export_records).  Load the current golden rows (of one domain and/or
 * site when given) into the export; with since > 0, only rows approved
 * after that export are written, the others may be referred to when they
 * were exported before.  Records of other domains and sites that were
 * exported before are added as references.  Errors go to d.
 */
int mdg_export_load_registry(struct mdg_export *x, struct mdg_registry *reg, const char *domain,
			     const char *site, long long since, struct mdg_diags *d);
/*
 * Write the export into out (a folder that must not exist or be empty)
 * and record it in the registry with its "exported" event, all or
 * nothing: the files are written into a temporary folder beside out and
 * renamed when the registry has them.  *export_id receives its number.
 */
int mdg_export_commit(struct mdg_export *x, struct mdg_registry *reg,
		      const struct mdg_identity *id, const char *out, const char *domain,
		      const char *site, long long since, const char *rules_sha,
		      long long *export_id, struct mdg_diags *d);
/* Write the export into out (not existing or empty) without a registry. */
int mdg_export_to_dir(struct mdg_export *x, const char *out, struct mdg_diags *d);
/* Print the exports recorded in the registry (newest last). */
int mdg_export_list(struct mdg_registry *reg, FILE *out, bool json, struct mdg_diags *d);

/*
 * `mdgate check --export`: collect every record of the run through the
 * check options' on_record callback (mdg_export_collect_record, its
 * argument the collection), then add those the report ends with as
 * accepted (no warning or error finding; a file-level error rejects the
 * whole file).  The count per file must equal the report's, or nothing is
 * added (MDG_ERR).
 */
struct mdg_export_collect;
struct mdg_report;
struct mdg_export_collect *mdg_export_collect_new(void);
void mdg_export_collect_free(struct mdg_export_collect *c);
void mdg_export_collect_record(void *arg, size_t file_index, long record, long line,
			       const char *key, const char *values_json);
int mdg_export_add_accepted(struct mdg_export *x, struct mdg_export_collect *c,
			    const struct mdg_report *rep, struct mdg_diags *d);

#endif
