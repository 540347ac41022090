/*
 * cmd-eval.c - `mdgate eval`: evaluate one expression and print its value
 * as JSON, the way jq users try a filter.  Without --domain the variables
 * are the keys of the --record object, typed by their JSON values; with
 * --domain they are the domain's fields (from the configuration), the
 * record gives their values, and ref() finds the records Odoo already has.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "enterprise.h"

static int cmd_eval_exec(int argc, char **argv);

const struct mdg_cmd mdg_cmd_eval = {
	.name = "eval",
	.summary = "evaluate one rule expression and print its value as JSON",
	.usage =
		"Usage: mdgate eval [OPTIONS] EXPR\n"
		"\n"
		"Evaluate one CEL expression and print its value as JSON (an error value as\n"
		"{\"error\": \"...\"}).  Without --domain the variables are the keys of the\n"
		"--record object, typed by their JSON values.  With --domain they are the\n"
		"domain's fields, typed as rules see them; --record gives their values (a\n"
		"field left out is null; a string is read as a CSV value would be), and\n"
		"ref(field) finds the records Odoo already has (the domain's existing).\n"
		"\n"
		"Options:\n"
		"  -d, --domain NAME   declare the fields of this domain\n"
		"  -r, --record JSON   a JSON object with the variables' values\n"
		"  -c, --config FILE   the enterprise configuration, for --domain (default\n"
		"                      ./mdgate.yaml, or $MDGATE_CONFIG)\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 a value; 1 the value is an error; 2 usage, a record that does\n"
		"not fit, or an expression that does not compile.\n",
	.exec = cmd_eval_exec,
};

/* Render the diagnostics of the expression with its own line and a caret. */
static void
render_expr_diags(const struct mdg_diags *d, const char *expr)
{
	bool color = mdg_want_color(stderr);
	size_t i;
	long k;

	for (i = 0; i < d->n; i++) {
		const struct mdg_diag *dg = &d->v[i];
		const char *p = expr, *nl;
		char *text;
		long line = 1;

		mdg_diag_render(stderr, dg, color);
		if (dg->line <= 0 || dg->col <= 0)
			continue;
		while (line < dg->line && (nl = strchr(p, '\n')) != NULL) {
			p = nl + 1;
			line++;
		}
		if (line != dg->line)
			continue;
		nl = strchr(p, '\n');
		text = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
		fputs("  ", stderr);
		mdg_fput_clean(text, stderr);
		free(text);
		fputs("\n  ", stderr);
		for (k = 1; k < dg->col; k++)
			fputc(' ', stderr);
		for (k = 0; k < (dg->span > 0 ? dg->span : 1); k++)
			fputc('^', stderr);
		fputc('\n', stderr);
	}
}

static bool
valid_var(const char *s)
{
	size_t i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* A field's value from the record's JSON value; false (with a message) when it does not fit. */
static bool
field_value(struct mdg_rules_file *rf, const struct mdg_field *f, const struct cel_value *jv,
	    struct cel_value *out)
{
	char buf[64];

	switch (jv->type) {
	case CEL_T_NULL:
		*out = cel_null();
		return true;
	case CEL_T_STRING:
		if (mdg_rules_value(rf, f->index, jv->u.s->data, jv->u.s->len, out))
			return true;
		break;
	case CEL_T_INT:
		if (f->type == MDG_FT_INTEGER) {
			*out = *jv;
			return true;
		}
		if (f->type == MDG_FT_DECIMAL) {
			*out = cel_double((double)jv->u.i);
			return true;
		}
		if (f->type == MDG_FT_STRING || f->type == MDG_FT_REF || f->type == MDG_FT_ENUM) {
			snprintf(buf, sizeof(buf), "%lld", (long long)jv->u.i);
			return mdg_rules_value(rf, f->index, buf, strlen(buf), out);
		}
		break;
	case CEL_T_DOUBLE:
		if (f->type == MDG_FT_DECIMAL) {
			*out = *jv;
			return true;
		}
		break;
	case CEL_T_BOOL:
		if (f->type == MDG_FT_BOOLEAN) {
			*out = *jv;
			return true;
		}
		break;
	default:
		break;
	}
	fprintf(stderr, "mdgate: --record: the value of '%s' is not a valid %s\n", f->name,
		mdg_ftype_name(f->type));
	return false;
}

static int
cmd_eval_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"domain", required_argument, NULL, 'd'},
		{"record", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *domain = NULL, *record = NULL, *expr;
	struct mdg_enterprise *e = NULL;
	const struct mdg_domain *dom = NULL;
	struct mdg_rules_run *run = NULL;
	struct mdg_rules_file *rf = NULL;
	struct cel_env *own_env = NULL;
	const struct cel_env *env;
	struct cel_program *prog = NULL;
	struct cel_ctx own_ctx, *ctx = &own_ctx;
	struct cel_value rv, *slots = NULL, v;
	struct cel_source src;
	struct mdg_arena arena;
	struct mdg_diags d;
	char err[256], *path = NULL;
	int c, status = MDG_EXIT_DEFINITION;
	size_t i, nslots = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:d:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'd':
			domain = optarg;
			break;
		case 'r':
			record = optarg;
			break;
		case 'h':
			mdg_print_help(stdout, &mdg_cmd_eval);
			return MDG_EXIT_OK;
		case ':':
			return mdg_usage_error(&mdg_cmd_eval, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return mdg_usage_error(&mdg_cmd_eval, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return mdg_usage_error(&mdg_cmd_eval, "no expression to evaluate");
	if (optind + 1 < argc)
		return mdg_usage_error(&mdg_cmd_eval,
				       "unexpected argument '%s' (quote the expression)",
				       argv[optind + 1]);
	expr = argv[optind];

	mdg_diags_init(&d);
	mdg_arena_init(&arena);
	cel_ctx_init(&own_ctx);
	rv = cel_null();
	if (record != NULL) {
		if (cel_value_from_json(&arena, record, &rv, err, sizeof(err)) != MDG_OK) {
			fprintf(stderr, "mdgate: --record is not valid JSON: %s\n", err);
			goto done;
		}
		if (rv.type != CEL_T_MAP) {
			fprintf(stderr, "mdgate: --record must be a JSON object\n");
			goto done;
		}
	}

	if (domain != NULL) {
		const struct mdg_rule_env *re;
		if ((path = mdg_enterprise_locate(config)) == NULL) {
			status = mdg_usage_error(&mdg_cmd_eval,
						 "--domain needs the configuration: no mdgate.yaml "
						 "in the current folder; give --config FILE");
			goto done;
		}
		if (mdg_enterprise_load(&e, path, &d) != MDG_OK) {
			mdg_diags_render_all(stderr, &d, mdg_want_color(stderr));
			fprintf(stderr, "mdgate: the definitions have errors\n");
			goto done;
		}
		mdg_diags_free(&d);
		mdg_diags_init(&d);
		if ((dom = mdg_domain_find(&e->domains, domain)) == NULL) {
			status = mdg_usage_error(&mdg_cmd_eval, "unknown domain '%s'", domain);
			goto done;
		}
		re = mdg_rules_env(&e->rules, dom);
		env = re->env;
		run = mdg_rules_run_new(e);
		rf = mdg_rules_file_begin(run, NULL, dom, '.', MDG_DATE_ISO);
		ctx = mdg_rules_file_ctx(rf);
		nslots = dom->nfields;
		slots = xcalloc(nslots ? nslots : 1, sizeof(*slots));
		for (i = 0; i < nslots; i++)
			slots[i] = cel_null();
		for (i = 0; rv.type == CEL_T_MAP && i < rv.u.map->n; i++) {
			const struct cel_value *k = &rv.u.map->keys[i];
			const struct mdg_field *f;
			if (k->type != CEL_T_STRING || (f = mdg_field_find(dom, k->u.s->data)) == NULL) {
				fprintf(stderr, "mdgate: --record: '%s' is not a field of %s\n",
					k->type == CEL_T_STRING ? k->u.s->data : "?", dom->name);
				goto done;
			}
			if (!field_value(rf, f, &rv.u.map->values[i], &slots[f->index]))
				goto done;
		}
	} else {
		own_env = cel_env_new();
		env = own_env;
		nslots = rv.type == CEL_T_MAP ? rv.u.map->n : 0;
		slots = xcalloc(nslots ? nslots : 1, sizeof(*slots));
		for (i = 0; i < nslots; i++) {
			const struct cel_value *k = &rv.u.map->keys[i];
			enum cel_type t;
			if (k->type != CEL_T_STRING || !valid_var(k->u.s->data)) {
				fprintf(stderr, "mdgate: --record: '%s' is not a variable name\n",
					k->type == CEL_T_STRING ? k->u.s->data : "?");
				goto done;
			}
			slots[i] = rv.u.map->values[i];
			t = slots[i].type == CEL_T_NULL ? CEL_T_DYN : slots[i].type;
			if (cel_env_add_var(own_env, k->u.s->data, t) < 0) {
				fprintf(stderr, "mdgate: --record: cannot declare '%s'\n", k->u.s->data);
				goto done;
			}
		}
	}

	memset(&src, 0, sizeof(src));
	src.file = "<expr>";
	src.line = 1;
	src.col = 1;
	src.exact = true;
	if (cel_compile(&prog, env, expr, strlen(expr), &src, CEL_T_DYN, &d) != MDG_OK) {
		render_expr_diags(&d, expr);
		goto done;
	}
	v = cel_eval(prog, slots, ctx);
	cel_value_json(&v, stdout);
	fputc('\n', stdout);
	status = v.type == CEL_T_ERROR ? MDG_EXIT_GATE : MDG_EXIT_OK;
done:
	if (prog != NULL)
		cel_program_free(prog);
	if (own_env != NULL)
		cel_env_free(own_env);
	free(slots);
	mdg_rules_file_end(rf);
	mdg_rules_run_free(run);
	cel_ctx_free(&own_ctx);
	mdg_arena_free(&arena);
	mdg_diags_free(&d);
	mdg_enterprise_free(e);
	free(path);
	return status;
}
