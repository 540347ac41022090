/*
 * diag.c - collecting, ordering and rendering diagnostics.
 *
 * The rendering with the source line and a caret follows the compilers'
 * convention so that editors can jump to file:line:col.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "diag.h"

void
mdg_diags_init(struct mdg_diags *d)
{
	memset(d, 0, sizeof(*d));
}

static void
diag_free_one(struct mdg_diag *dg)
{
	free(dg->file);
	free(dg->record_key);
	free(dg->field);
	free(dg->message);
	free(dg->origin);
}

void
mdg_diags_free(struct mdg_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		diag_free_one(&d->v[i]);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const char *
mdg_severity_name(enum mdg_severity s)
{
	switch (s) {
	case MDG_SEV_INFO:
		return "info";
	case MDG_SEV_WARNING:
		return "warning";
	case MDG_SEV_ERROR:
		return "error";
	}
	return "error";
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct mdg_diag *
mdg_diag_add(struct mdg_diags *d, const struct mdg_diag *tmpl)
{
	struct mdg_diag *dg;
	size_t seq = d->n + d->dropped;

	d->counts[tmpl->severity]++;
	if (d->max != 0 && d->n >= d->max) {
		d->dropped++;
		return NULL;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	dg = &d->v[d->n++];
	*dg = *tmpl;
	dg->file = dup_or_null(tmpl->file);
	dg->record_key = dup_or_null(tmpl->record_key);
	dg->field = dup_or_null(tmpl->field);
	dg->message = dup_or_null(tmpl->message ? tmpl->message : "");
	dg->origin = dup_or_null(tmpl->origin);
	dg->seq = seq;
	return dg;
}

struct mdg_diag *
mdg_diag_at(struct mdg_diags *d, enum mdg_severity sev, const char *code, const char *file,
	    long line, long col, const char *fmt, ...)
{
	struct mdg_diag t;
	struct mdg_diag *dg;
	va_list ap;

	memset(&t, 0, sizeof(t));
	t.severity = sev;
	t.code = code;
	t.file = (char *)file;
	t.line = line;
	t.col = col;
	va_start(ap, fmt);
	t.message = xvasprintf(fmt, ap);
	va_end(ap);
	dg = mdg_diag_add(d, &t);
	free(t.message);
	return dg;
}

static int
diag_cmp(const void *a, const void *b)
{
	const struct mdg_diag *x = a, *y = b;

	if (x->file_index != y->file_index)
		return x->file_index < y->file_index ? -1 : 1;
	if (x->record != y->record)
		return x->record < y->record ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

void
mdg_diags_sort(struct mdg_diags *d)
{
	if (d->n > 1)
		mdg_qsort(d->v, d->n, sizeof(*d->v), diag_cmp);
}

size_t
mdg_diags_errors(const struct mdg_diags *d)
{
	return d->counts[MDG_SEV_ERROR];
}

void
mdg_fput_clean(const char *s, FILE *out)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t n, len = (utf8proc_ssize_t)strlen(s), i = 0, start = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7F) {
			i++;
			continue;
		}
		n = c < 0x80 ? 1 : utf8proc_iterate((const utf8proc_uint8_t *)s + i, len - i, &cp);
		if (c >= 0x80 && n > 0 && cp >= 0xA0) {
			i += n;
			continue;
		}
		fwrite(s + start, 1, (size_t)(i - start), out);
		fputs(c >= 0x80 && n <= 0 ? "\xEF\xBF\xBD" : "?", out);
		i += n > 0 ? n : 1;
		start = i;
	}
	fwrite(s + start, 1, (size_t)(i - start), out);
}

bool
mdg_want_color(FILE *out)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (nc != NULL && nc[0] != '\0')
		return false;
	if (term != NULL && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(out)) == 1;
}

/* Read line number `line` of `file` into buf (without its newline). */
static bool
read_source_line(const char *file, long line, struct mdg_buf *buf)
{
	FILE *f;
	long cur = 1;
	int c;

	if (file == NULL || line <= 0 || (f = fopen(file, "rb")) == NULL)
		return false;
	while (cur < line && (c = getc(f)) != EOF)
		if (c == '\n')
			cur++;
	if (cur != line) {
		fclose(f);
		return false;
	}
	while ((c = getc(f)) != EOF && c != '\n' && buf->len < 512) {
		if (c == '\r')
			continue;
		if (mdg_buf_putc(buf, (char)c) != MDG_OK)
			break;
	}
	fclose(f);
	return true;
}

void
mdg_diag_render(FILE *out, const struct mdg_diag *dg, bool color)
{
	const char *sevcol = dg->severity == MDG_SEV_ERROR     ? "\033[1;31m"
			     : dg->severity == MDG_SEV_WARNING ? "\033[1;35m"
							       : "\033[1;36m";
	struct mdg_buf src;
	long i, span;

	if (color)
		fputs("\033[1m", out);
	if (dg->file != NULL) {
		fputs(dg->file, out);
		if (dg->line > 0) {
			fprintf(out, ":%ld", dg->line);
			if (dg->col > 0)
				fprintf(out, ":%ld", dg->col);
		}
		fputs(": ", out);
	}
	if (color)
		fputs("\033[0m", out);
	fprintf(out, "%s%s:%s %s", color ? sevcol : "", mdg_severity_name(dg->severity),
		color ? "\033[0m" : "", dg->message);
	if (dg->code != NULL)
		fprintf(out, " [%s]", dg->code);
	fputc('\n', out);

	if (dg->line <= 0 || dg->col <= 0)
		return;
	mdg_buf_init(&src, 0);
	if (read_source_line(dg->file, dg->line, &src) && src.len > 0) {
		fprintf(out, "  %s\n  ", src.data);
		/* Keep tabs so the caret lines up under the column. */
		for (i = 1; i < dg->col && (size_t)(i - 1) < src.len; i++)
			fputc(src.data[i - 1] == '\t' ? '\t' : ' ', out);
		span = dg->span > 0 ? dg->span : 1;
		if (color)
			fputs("\033[1;32m", out);
		for (i = 0; i < span; i++)
			fputc('^', out);
		if (color)
			fputs("\033[0m", out);
		fputc('\n', out);
	}
	mdg_buf_free(&src);
}

size_t
mdg_diags_render_all(FILE *out, const struct mdg_diags *d, bool color)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		mdg_diag_render(out, &d->v[i], color);
	if (d->dropped)
		fprintf(out, "mdgate: %zu further diagnostics not shown\n", d->dropped);
	return d->counts[MDG_SEV_ERROR];
}
