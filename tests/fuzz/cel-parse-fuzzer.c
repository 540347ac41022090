/*
 * cel-parse-fuzzer.c - libFuzzer target for the rule language.
 *
 * Exercises engine/cel-lex.c, cel-parse.c, cel-check.c (lexing, parsing,
 * macro expansion, limits, type checking, folding) and, for expressions
 * that compile, engine/cel-eval.c and cel-builtins.c with a small cost
 * limit, against variables of every type the rules know.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "cel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		const char *name;
		enum cel_type type;
	} vars[] = {
		{"code", CEL_T_STRING}, {"qty", CEL_T_INT}, {"weight", CEL_T_DOUBLE},
		{"active", CEL_T_BOOL}, {"note", CEL_T_STRING}, {"any", CEL_T_DYN},
	};
	struct cel_env *env;
	struct cel_program *p = NULL;
	struct cel_source src = {"fuzz", 1, 1, true};
	struct cel_value slots[6];
	struct cel_ctx c;
	struct mdg_diags d;
	size_t i;

	if (size > CEL_MAX_EXPR_BYTES + 16)
		return 0;
	env = cel_env_new();
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		cel_env_add_var(env, vars[i].name, vars[i].type);
	mdg_diags_init(&d);
	cel_ctx_init(&c);
	c.cost_limit = 10000;
	if (cel_compile(&p, env, (const char *)data, size, &src, CEL_T_DYN, &d) == MDG_OK) {
		slots[0] = cel_string(&c.arena, "IT-0001", 7);
		slots[1] = cel_int(3);
		slots[2] = cel_double(1.5);
		slots[3] = cel_bool(true);
		slots[4] = cel_null();
		slots[5] = cel_string(&c.arena, "ä€𝄞", strlen("ä€𝄞"));
		(void)cel_eval(p, slots, &c);
		cel_program_free(p);
	}
	cel_ctx_free(&c);
	mdg_diags_free(&d);
	cel_env_free(env);
	return 0;
}
