/*
 * cmd.h - the subcommand table: one struct mdg_cmd per subcommand, each
 * defined in its own engine/cmd-NAME.c, dispatched by main.c.
 */
#ifndef MDG_CMD_H
#define MDG_CMD_H

#include <stdio.h>

struct mdg_cmd {
	const char *name;
	const char *summary;  /* one line, for `mdgate --help` */
	const char *usage;    /* the full help text of the subcommand */
	int (*exec)(int argc, char **argv);
};

extern const struct mdg_cmd mdg_cmd_check;
extern const struct mdg_cmd mdg_cmd_eval;
extern const struct mdg_cmd mdg_cmd_lint;
extern const struct mdg_cmd mdg_cmd_rules;

/* main.c */
/* Print "mdgate: <msg>" and a hint to standard error; returns 2. */
int mdg_usage_error(const struct mdg_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mdg_print_help(FILE *out, const struct mdg_cmd *cmd);

#endif
