/*
 * enterprise.h - the enterprise configuration (mdgate.yaml) and the sites.
 *
 * The configuration names the sites (code, name, locale, the Odoo company
 * or warehouse they map to, and how their files are written), where the
 * domain definitions, central rules, site extensions and the registry live
 * (paths relative to the configuration file), and defaults.  A site's
 * extension (every *.yaml of the folder <sites_dir>/<CODE>/, and the older
 * single file <sites_dir>/<CODE>.yaml) may declare column aliases, value
 * maps from local codes to enterprise codes, fields of its own (x_...),
 * tighter constraints on central fields, rules of its own and lower
 * severities for central rules that are not locked (doc/rules.md).
 *
 * Ownership: struct mdg_enterprise owns everything it points to, including
 * the loaded domains; mdg_enterprise_free() releases it.
 */
#ifndef MDG_ENTERPRISE_H
#define MDG_ENTERPRISE_H

#include "diag.h"
#include "domain.h"
#include "rules.h"

enum mdg_datefmt {
	MDG_DATE_ISO,  /* YYYY-MM-DD (always accepted) */
	MDG_DATE_DMY_DOT,  /* DD.MM.YYYY */
	MDG_DATE_DMY_SLASH,  /* DD/MM/YYYY */
	MDG_DATE_MDY_SLASH,  /* MM/DD/YYYY */
};

/* What a site file says about one domain. */
struct mdg_site_domain {
	char *domain;
	struct mdg_pair *columns;  /* local column name -> field */
	size_t ncolumns;
	/* local value -> enterprise value, per field */
	struct mdg_site_values {
		char *field;
		struct mdg_pair *map;
		size_t n;
	} *values;
	size_t nvalues;
	struct mdg_domain *view;   /* fields added or tightened by the site, NULL: none */
};

struct mdg_site {
	char *code;
	char *name;
	char *locale;
	char *odoo_company;
	char *odoo_warehouse;
	char *encoding;      /* default input encoding, NULL: UTF-8 */
	int delimiter;       /* default delimiter, 0: detect */
	char decimal;        /* '.' or ',' */
	enum mdg_datefmt date_format;
	char *extension;     /* path of the extension file or folder, NULL: none */
	char **ext_files;    /* the extension files read, in order */
	size_t next_files;
	struct mdg_site_domain *domains;
	size_t ndomains;
	struct mdg_override *overrides;  /* severities of central rules */
	size_t noverrides;
	long line, col;
};

struct mdg_enterprise {
	char *file;          /* the configuration file */
	char *dir;           /* its folder */
	char *name;
	char *domains_dir;
	char *rules_dir;
	char *sites_dir;
	char *registry;
	char *odoo_module;   /* external-ID module prefix */
	struct mdg_site *sites;
	size_t nsites;
	struct mdg_domains domains;
	struct mdg_rules rules;
};

/* enterprise.c */
/* A delimiter as users write it: ",", ";", "|", "tab" (or "\\t" or a tab), or
 * "auto" (0); -1 for anything else.  The configuration and every command's
 * --delimiter read it the same way. */
int mdg_delimiter_parse(const char *s);
/* Find the configuration: explicit path, else ./mdgate.yaml; NULL if none. */
char *mdg_enterprise_locate(const char *explicit_path);
/* Load the configuration, every domain, and every site extension.  Errors
 * are added to d (as many as can be found); returns MDG_OK only when no
 * error was found. */
int mdg_enterprise_load(struct mdg_enterprise **out, const char *path, struct mdg_diags *d);
void mdg_enterprise_free(struct mdg_enterprise *e);
struct mdg_site *mdg_site_find(const struct mdg_enterprise *e, const char *code);
/* The site a file name starts with ("PL02-suppliers.csv"), or NULL. */
struct mdg_site *mdg_site_for_file(const struct mdg_enterprise *e, const char *path);
const struct mdg_site_domain *mdg_site_domain(const struct mdg_site *s, const char *domain);
/* Map a local value to the enterprise value for a field (NULL: no mapping). */
const char *mdg_site_map_value(const struct mdg_site_domain *sd, const char *field,
			       const char *value, size_t len);
/* Map a local column name to a field name (NULL: no alias). */
const char *mdg_site_map_column(const struct mdg_site_domain *sd, const char *column);
/* The domain a site's files of a domain are checked against: its view or the central one. */
const struct mdg_domain *mdg_site_view(const struct mdg_site *s, const struct mdg_domain *dom);

#endif
