/*
 * main.c - the mdgate command: global options and the subcommand table.
 *
 * Subcommands are looked up by name or by an unambiguous prefix, as tmux
 * does; each lives in its own cmd-*.c file.
 */
#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

static const struct mdg_cmd *const commands[] = {
	&mdg_cmd_check,
	&mdg_cmd_dedup,
	&mdg_cmd_eval,
	&mdg_cmd_lint,
	&mdg_cmd_rules,
	&mdg_cmd_submit,
	&mdg_cmd_review,
	&mdg_cmd_approve,
	&mdg_cmd_reject,
	&mdg_cmd_registry,
	&mdg_cmd_audit,
	&mdg_cmd_export,
	NULL,
};

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: mdgate [--version] [--help] COMMAND [ARGS...]\n"
		"\n"
		"mdgate checks master-data submissions of manufacturing sites against the\n"
		"enterprise's domain definitions before they are loaded into Odoo.\n"
		"\n"
		"Commands:\n");
	for (i = 0; commands[i] != NULL; i++)
		fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out,
		"\n"
		"Run 'mdgate COMMAND --help' for the options of a command, or see mdgate(1).\n"
		"\n"
		"Exit status: 0 nothing at error severity; 1 the gate fails (an error finding);\n"
		"2 usage, definition or unreadable input.\n");
}

int
mdg_usage_error(const struct mdg_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("mdgate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd != NULL)
		fprintf(stderr, "Try 'mdgate %s --help'.\n", cmd->name);
	else
		fputs("Try 'mdgate --help'.\n", stderr);
	return MDG_EXIT_DEFINITION;
}

void
mdg_print_help(FILE *out, const struct mdg_cmd *cmd)
{
	fputs(cmd->usage, out);
}

static const struct mdg_cmd *
find_command(const char *name)
{
	const struct mdg_cmd *found = NULL;
	size_t i, len = strlen(name), matches = 0;

	for (i = 0; commands[i] != NULL; i++) {
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
		if (strncmp(commands[i]->name, name, len) == 0) {
			found = commands[i];
			matches++;
		}
	}
	if (matches == 1)
		return found;
	if (matches > 1) {
		fprintf(stderr, "mdgate: ambiguous command '%s', could be:", name);
		for (i = 0; commands[i] != NULL; i++)
			if (strncmp(commands[i]->name, name, len) == 0)
				fprintf(stderr, " %s", commands[i]->name);
		fputc('\n', stderr);
		return NULL;
	}
	mdg_usage_error(NULL, "unknown command '%s'", name);
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct mdg_cmd *cmd;

	setlocale(LC_CTYPE, "");
	if (argc < 2) {
		usage(stderr);
		return MDG_EXIT_DEFINITION;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return MDG_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("mdgate %s\n", PACKAGE_VERSION);
		return MDG_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return MDG_EXIT_OK;
		}
		if ((cmd = find_command(argv[2])) == NULL)
			return MDG_EXIT_DEFINITION;
		mdg_print_help(stdout, cmd);
		return MDG_EXIT_OK;
	}
	if (argv[1][0] == '-')
		return mdg_usage_error(NULL, "unknown option '%s'", argv[1]);
	if ((cmd = find_command(argv[1])) == NULL)
		return MDG_EXIT_DEFINITION;
	return cmd->exec(argc - 1, argv + 1);
}
