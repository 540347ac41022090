/*
 * cmd.h - the subcommand table: one struct mdg_cmd per subcommand, each
 * defined in its own engine/cmd-NAME.c, dispatched by main.c.
 */
#ifndef MDG_CMD_H
#define MDG_CMD_H

#include <stdbool.h>
#include <stdio.h>

struct mdg_cmd {
	const char *name;
	const char *summary;  /* one line, for `mdgate --help` */
	const char *usage;    /* the full help text of the subcommand */
	int (*exec)(int argc, char **argv);
};

extern const struct mdg_cmd mdg_cmd_check;
extern const struct mdg_cmd mdg_cmd_dedup;
extern const struct mdg_cmd mdg_cmd_eval;
extern const struct mdg_cmd mdg_cmd_lint;
extern const struct mdg_cmd mdg_cmd_rules;
extern const struct mdg_cmd mdg_cmd_registry;
extern const struct mdg_cmd mdg_cmd_submit;
extern const struct mdg_cmd mdg_cmd_review;
extern const struct mdg_cmd mdg_cmd_approve;
extern const struct mdg_cmd mdg_cmd_reject;
extern const struct mdg_cmd mdg_cmd_audit;
extern const struct mdg_cmd mdg_cmd_export;

struct mdg_registry;
struct mdg_check_opts;

/* main.c */
/* Print "mdgate: <msg>" and a hint to standard error; returns 2. */
int mdg_usage_error(const struct mdg_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mdg_print_help(FILE *out, const struct mdg_cmd *cmd);

/* cmd-registry.c */
/* Find (--registry, else the configuration's) and open the registry; returns an exit status. */
int mdg_cmd_open_registry(const struct mdg_cmd *cmd, const char *config, const char *regpath,
			  bool create, struct mdg_registry **reg);
/* The same, and the definitions too (*ep, NULL when none could be found
 * with an explicit --registry), which the registry then uses to keep its
 * duplicate index up to date.  The caller frees *ep after the registry. */
struct mdg_enterprise;
int mdg_cmd_open_registry_e(const struct mdg_cmd *cmd, const char *config, const char *regpath,
			    bool create, struct mdg_registry **reg, struct mdg_enterprise **ep);

/* cmd-export.c */
struct mdg_enterprise;
struct mdg_export_collect;
struct mdg_report;
/* check --export: write the records the report ends with as accepted (collected
 * through on_record) to dir in format fmt; returns an exit status. */
int mdg_check_export(const struct mdg_enterprise *e, struct mdg_export_collect *col,
		     const struct mdg_report *rep, const char *dir, int fmt);

/* cmd-submit.c */
/* Check the files, write the report, store them as submissions (or, with
 * import, as the steward's initial golden set); returns an exit status. */
int mdg_submit_files(const struct mdg_cmd *cmd, const char *config, const char *regpath,
		     const char *role, struct mdg_check_opts *o, const char *format,
		     const char *output, char **files, size_t nfiles, bool import);

#endif
