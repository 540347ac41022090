/*
 * report-html.c - the report for people as one self-contained HTML page:
 * totals, the files with their digests, findings by code and by site as
 * inline SVG bar charts, a table of findings filtered by severity, code,
 * file and free text (a small inline script), and the suspected duplicates
 * side by side with what each field contributed.  Nothing is fetched: the
 * page's Content-Security-Policy forbids it.  Every text from the input is
 * cleaned to UTF-8 and escaped; the script carries no data.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"

struct hw {
	FILE *out;
	struct mdg_buf clean;
};

/* Text and attribute values: cleaned, then &, <, >, " and ' as entities. */
static void
esc(struct hw *h, const char *s)
{
	const char *p = mdg_utf8_cleaned(&h->clean, s ? s : "");

	for (; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", h->out);
			break;
		case '<':
			fputs("&lt;", h->out);
			break;
		case '>':
			fputs("&gt;", h->out);
			break;
		case '"':
			fputs("&quot;", h->out);
			break;
		case '\'':
			fputs("&#39;", h->out);
			break;
		default:
			fputc(*p, h->out);
		}
	}
}

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;"
	"color:#1d2330;background:#f5f6f8}\n"
	"main{max-width:1200px;margin:0 auto;padding:16px 24px 48px}\n"
	"h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:28px 0 8px}\n"
	".status{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600}\n"
	".fail{background:#c62828}.pass{background:#2e7d32}\n"
	".cards{display:flex;flex-wrap:wrap;gap:12px}\n"
	".card{background:#fff;border-radius:8px;padding:10px 16px;min-width:120px;"
	"box-shadow:0 1px 2px rgba(0,0,0,.12)}\n"
	".card b{display:block;font-size:24px}\n"
	"table{border-collapse:collapse;background:#fff;width:100%;"
	"box-shadow:0 1px 2px rgba(0,0,0,.12)}\n"
	"th,td{padding:4px 8px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}\n"
	"th{background:#eceff3;position:sticky;top:0}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	".sev-error{color:#c62828;font-weight:600}.sev-warning{color:#b26a00;font-weight:600}\n"
	".sev-info{color:#1565c0}\n"
	"code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;"
	"word-break:break-all}\n"
	".charts{display:flex;flex-wrap:wrap;gap:16px}\n"
	".chart{background:#fff;border-radius:8px;padding:8px;flex:1 1 520px;"
	"box-shadow:0 1px 2px rgba(0,0,0,.12)}\n"
	".filters{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}\n"
	".filters select,.filters input{font:inherit;padding:3px 6px}\n"
	".dup{background:#fff;border-radius:8px;padding:8px 12px;margin:12px 0;"
	"box-shadow:0 1px 2px rgba(0,0,0,.12)}\n"
	".dup table{box-shadow:none}.skip{color:#888}\n"
	"footer{margin-top:32px;color:#555}\n";

/* No data in the script: it reads the table the page already has. */
static const char script[] =
	"(function(){\n"
	"'use strict';\n"
	"var body=document.body;\n"
	"window.addEventListener('error',function(){body.setAttribute('data-mdg-ready','error');});\n"
	"var rows=Array.prototype.slice.call(document.querySelectorAll('#findings tbody tr'));\n"
	"var sev=document.getElementById('f-sev'),code=document.getElementById('f-code'),"
	"file=document.getElementById('f-file'),q=document.getElementById('f-text'),"
	"shown=document.getElementById('f-shown');\n"
	"function apply(){\n"
	"  var s=sev.value,c=code.value,f=file.value,t=q.value.toLowerCase(),n=0;\n"
	"  rows.forEach(function(r){\n"
	"    var ok=(!s||r.getAttribute('data-sev')===s)&&(!c||r.getAttribute('data-code')===c)&&"
	"(!f||r.getAttribute('data-file')===f)&&(!t||r.textContent.toLowerCase().indexOf(t)>=0);\n"
	"    r.hidden=!ok;if(ok)n++;\n"
	"  });\n"
	"  shown.textContent=n+' of '+rows.length+' shown';\n"
	"  return n;\n"
	"}\n"
	"[sev,code,file].forEach(function(e){e.addEventListener('change',apply);});\n"
	"q.addEventListener('input',apply);\n"
	"apply();\n"
	"if(location.hash==='#selftest'){sev.value='error';"
	"body.setAttribute('data-mdg-selftest',String(apply()));sev.value='';apply();}\n"
	"body.setAttribute('data-mdg-ready','1');\n"
	"})();\n";

static const char *
sev_color(enum mdg_severity s)
{
	return s == MDG_SEV_ERROR ? "#c62828" : s == MDG_SEV_WARNING ? "#ef9f00" : "#1e88e5";
}

struct bar {
	const char *label;
	size_t counts[3];
};

/* A horizontal bar chart, each bar stacked by severity. */
static void
chart(struct hw *h, const char *title, const struct bar *bars, size_t n)
{
	size_t i, max = 1, rowh = 22, labw = 190, barw = 360;
	int s;

	for (i = 0; i < n; i++) {
		size_t t = bars[i].counts[0] + bars[i].counts[1] + bars[i].counts[2];
		if (t > max)
			max = t;
	}
	fprintf(h->out, "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"100%%\" viewBox=\"0 0 %zu %zu\" role=\"img\" aria-label=\"", labw + barw + 60,
		n * rowh + 30);
	esc(h, title);
	fputs("\"><text x=\"0\" y=\"16\" font-weight=\"600\" font-size=\"14\">", h->out);
	esc(h, title);
	fputs("</text>\n", h->out);
	for (i = 0; i < n; i++) {
		size_t y = 26 + i * rowh, x = labw, t = 0;
		char lab[64];
		const char *l = bars[i].label;
		size_t ll = strlen(l);
		/* Long labels are cut (at a UTF-8 boundary) for the axis; the tooltip has it all. */
		if (ll > 28) {
			size_t cut = 27;
			while (cut > 0 && ((unsigned char)l[cut] & 0xC0) == 0x80)
				cut--;
			snprintf(lab, sizeof(lab), "%.*s\xE2\x80\xA6", (int)cut, l);
			l = lab;
		}
		fprintf(h->out, "<g><title>");
		esc(h, bars[i].label);
		fprintf(h->out, ": %zu errors, %zu warnings, %zu infos</title>"
			"<text x=\"%zu\" y=\"%zu\" text-anchor=\"end\" font-size=\"12\">",
			bars[i].counts[2], bars[i].counts[1], bars[i].counts[0], labw - 6, y + 14);
		esc(h, l);
		fputs("</text>", h->out);
		for (s = MDG_SEV_ERROR; s >= MDG_SEV_INFO; s--) {
			size_t w = bars[i].counts[s] * barw / max;
			if (bars[i].counts[s] > 0 && w == 0)
				w = 1;
			if (w == 0)
				continue;
			fprintf(h->out, "<rect x=\"%zu\" y=\"%zu\" width=\"%zu\" height=\"16\" fill=\"%s\"/>",
				x, y + 2, w, sev_color((enum mdg_severity)s));
			x += w;
			t += bars[i].counts[s];
		}
		fprintf(h->out, "<text x=\"%zu\" y=\"%zu\" font-size=\"12\">%zu</text></g>\n", x + 4,
			y + 14, t);
	}
	fputs("</svg></div>\n", h->out);
}

/* Most findings first, then by name. */
static int
bar_cmp(const void *x, const void *y)
{
	const struct bar *a = x, *b = y;
	size_t ta = a->counts[0] + a->counts[1] + a->counts[2];
	size_t tb = b->counts[0] + b->counts[1] + b->counts[2];

	if (ta != tb)
		return ta > tb ? -1 : 1;
	return strcmp(a->label, b->label);
}

static void
charts(struct hw *h, const struct mdg_report *rep)
{
	const struct mdg_diags *d = &rep->findings;
	struct mdg_code_stat *cs;
	struct bar *bars;
	size_t n, i, j, nb = 0;

	n = mdg_report_codes(rep, (size_t)-1, &cs);
	bars = xcalloc(n + rep->nfiles + 1, sizeof(*bars));
	for (i = 0; i < n; i++) {
		bars[i].label = cs[i].code;
		memcpy(bars[i].counts, cs[i].counts, sizeof(bars[i].counts));
	}
	mdg_qsort(bars, n, sizeof(*bars), bar_cmp);
	fputs("<p class=\"legend\"><span style=\"color:#c62828\">&#9632;</span> error "
	      "<span style=\"color:#ef9f00\">&#9632;</span> warning "
	      "<span style=\"color:#1e88e5\">&#9632;</span> info</p>\n"
	      "<div class=\"charts\">\n", h->out);
	chart(h, "Findings by rule (code)", bars, n);
	/* By site: the sites of the files, in their order. */
	memset(bars, 0, (n + rep->nfiles + 1) * sizeof(*bars));
	for (i = 0; i < rep->nfiles; i++) {
		const char *site = rep->files[i].site ? rep->files[i].site : "(no site)";
		for (j = 0; j < nb && strcmp(bars[j].label, site) != 0; j++)
			;
		if (j == nb)
			bars[nb++].label = site;
	}
	for (i = 0; i < d->n; i++) {
		const char *site = rep->files[d->v[i].file_index].site;
		if (site == NULL)
			site = "(no site)";
		for (j = 0; j < nb && strcmp(bars[j].label, site) != 0; j++)
			;
		if (j < nb)
			bars[j].counts[d->v[i].severity]++;
	}
	mdg_qsort(bars, nb, sizeof(*bars), bar_cmp);
	chart(h, "Findings by site", bars, nb);
	fputs("</div>\n", h->out);
	free(bars);
	free(cs);
}

static void
card(struct hw *h, const char *label, size_t n)
{
	fprintf(h->out, "<div class=\"card\"><b>%zu</b>%s</div>\n", n, label);
}

static void
findings(struct hw *h, const struct mdg_report *rep)
{
	const struct mdg_diags *d = &rep->findings;
	struct mdg_code_stat *cs;
	size_t n, i;

	fputs("<section id=\"findings\"><h2>Findings</h2>\n<div class=\"filters\">"
	      "<label>Severity <select id=\"f-sev\"><option value=\"\">all</option>"
	      "<option value=\"error\">error</option><option value=\"warning\">warning</option>"
	      "<option value=\"info\">info</option></select></label>\n"
	      "<label>Code <select id=\"f-code\"><option value=\"\">all</option>", h->out);
	n = mdg_report_codes(rep, (size_t)-1, &cs);
	for (i = 0; i < n; i++) {
		fputs("<option value=\"", h->out);
		esc(h, cs[i].code);
		fputs("\">", h->out);
		esc(h, cs[i].code);
		fprintf(h->out, " (%zu)</option>", cs[i].n);
	}
	free(cs);
	fputs("</select></label>\n<label>File <select id=\"f-file\"><option value=\"\">all</option>",
	      h->out);
	for (i = 0; i < rep->nfiles; i++) {
		fprintf(h->out, "<option value=\"%zu\">", i);
		esc(h, rep->files[i].path);
		fputs("</option>", h->out);
	}
	fputs("</select></label>\n<label>Text <input id=\"f-text\" type=\"search\" "
	      "placeholder=\"key, value, message\"></label> <span id=\"f-shown\"></span></div>\n",
	      h->out);
	if (d->dropped)
		fprintf(h->out, "<p>%zu further findings are counted but not listed "
			"(see --max-findings).</p>\n", d->dropped);
	fputs("<table><thead><tr><th>Severity</th><th>File:line</th><th>Record</th><th>Key</th>"
	      "<th>Field</th><th>Code</th><th>Message</th></tr></thead><tbody>\n", h->out);
	for (i = 0; i < d->n; i++) {
		const struct mdg_diag *dg = &d->v[i];
		const char *sv = mdg_severity_name(dg->severity);
		fprintf(h->out, "<tr data-sev=\"%s\" data-file=\"%zu\" data-code=\"", sv,
			dg->file_index);
		esc(h, dg->code);
		fprintf(h->out, "\"><td class=\"sev-%s\">%s</td><td class=\"mono\">", sv, sv);
		esc(h, rep->files[dg->file_index].path);
		fprintf(h->out, ":%ld</td><td class=\"n\">", dg->line);
		if (dg->record > 0)
			fprintf(h->out, "%ld", dg->record);
		fputs("</td><td class=\"mono\">", h->out);
		esc(h, dg->record_key);
		fputs("</td><td>", h->out);
		esc(h, dg->field);
		fputs("</td><td><code>", h->out);
		esc(h, dg->code);
		fputs("</code></td><td>", h->out);
		esc(h, dg->message);
		if (dg->origin != NULL) {
			fputs(" <small>(", h->out);
			esc(h, dg->origin);
			fputs(")</small>", h->out);
		}
		fputs("</td></tr>\n", h->out);
	}
	fputs("</tbody></table></section>\n", h->out);
}

static void
dup_side(struct hw *h, const struct mdg_report *rep, size_t fi, long record, long line,
	 const char *key, const char *site)
{
	if (fi == MDG_DUP_REGISTRY) {
		fputs("approved record ", h->out);
		fputs("<code>", h->out);
		esc(h, key);
		fputs("</code> of the registry", h->out);
		if (site != NULL) {
			fputs(" (site ", h->out);
			esc(h, site);
			fputc(')', h->out);
		}
		return;
	}
	fputs("<code>", h->out);
	esc(h, fi < rep->nfiles ? rep->files[fi].path : "?");
	fprintf(h->out, ":%ld</code> record %ld", line, record);
	if (key != NULL && key[0] != '\0') {
		fputs(" (<code>", h->out);
		esc(h, key);
		fputs("</code>)", h->out);
	}
}

static void
duplicates(struct hw *h, const struct mdg_report *rep)
{
	size_t i, k;

	fprintf(h->out, "<section id=\"dups\"><h2>Suspected duplicates (%zu)</h2>\n", rep->ndups);
	if (rep->ndups == 0)
		fputs("<p>None.</p>\n", h->out);
	for (i = 0; i < rep->ndups; i++) {
		const struct mdg_dup_pair *p = &rep->dups[i];
		fputs("<div class=\"dup\"><p><b>", h->out);
		esc(h, p->domain);
		fprintf(h->out, "</b>: score %.2f, <b>", p->score);
		esc(h, p->verdict);
		fputs("</b><br>A: ", h->out);
		dup_side(h, rep, p->file_a, p->record_a, p->line_a, p->key_a, p->site_a);
		fputs("<br>B: ", h->out);
		dup_side(h, rep, p->file_b, p->record_b, p->line_b, p->key_b, NULL);
		fputs("</p>\n<table><thead><tr><th>Field</th><th>A</th><th>B</th><th>A normalised</th>"
		      "<th>B normalised</th><th>Measure</th><th>Similarity</th><th>Contribution</th>"
		      "</tr></thead><tbody>\n", h->out);
		for (k = 0; k < p->nfields; k++) {
			const struct mdg_dup_field *f = &p->fields[k];
			fprintf(h->out, "<tr%s><td>", f->skipped ? " class=\"skip\"" : "");
			esc(h, f->name);
			fputs("</td><td>", h->out);
			esc(h, f->value_a);
			fputs("</td><td>", h->out);
			esc(h, f->value_b);
			fputs("</td><td class=\"mono\">", h->out);
			esc(h, f->norm_a);
			fputs("</td><td class=\"mono\">", h->out);
			esc(h, f->norm_b);
			fputs("</td><td>", h->out);
			esc(h, f->measure);
			if (f->skipped)
				fputs("</td><td class=\"n\">-</td><td class=\"n\">missing: adds nothing",
				      h->out);
			else
				fprintf(h->out, "</td><td class=\"n\">%.3f</td><td class=\"n\">%+.2f",
					f->sim, f->added);
			fputs("</td></tr>\n", h->out);
		}
		fputs("</tbody></table></div>\n", h->out);
	}
	fputs("</section>\n", h->out);
}

int
mdg_report_write_html(FILE *out, const struct mdg_report *rep, const struct mdg_report_opts *o)
{
	const struct mdg_diags *d = &rep->findings;
	struct hw h;
	size_t i;
	bool fails = d->counts[MDG_SEV_ERROR] > 0;

	(void)o;
	h.out = out;
	mdg_buf_init(&h.clean, 0);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>mdgate check report</title>\n<style>\n", out);
	fputs(style, out);
	fputs("</style>\n</head>\n<body data-mdg-ready=\"0\">\n<main>\n<h1>mdgate check</h1>\n"
	      "<p>", out);
	fprintf(out, "<span class=\"status %s\">%s</span> ", fails ? "fail" : "pass",
		fails ? "the gate fails" : "the gate passes");
	fprintf(out, "mdgate %s, %s, configuration <code>", PACKAGE_VERSION, mdg_report_time());
	esc(&h, rep->config);
	fputs("</code>", out);
	if (rep->changed_since != NULL) {
		fputs("; only the records on lines changed since <code>", out);
		esc(&h, rep->changed_since);
		fputs("</code>", out);
	}
	fputs("</p>\n<section id=\"totals\"><div class=\"cards\">\n", out);
	card(&h, "records read", rep->records);
	card(&h, "accepted", rep->accepted);
	card(&h, "waiting for review", rep->review);
	card(&h, "rejected", rep->rejected);
	card(&h, "errors", d->counts[MDG_SEV_ERROR]);
	card(&h, "warnings", d->counts[MDG_SEV_WARNING]);
	card(&h, "infos", d->counts[MDG_SEV_INFO]);
	fputs("</div></section>\n<section id=\"charts\"><h2>Findings by rule and by site</h2>\n", out);
	charts(&h, rep);
	fputs("</section>\n<section id=\"files\"><h2>Files</h2>\n<table><thead><tr>"
	      "<th>File</th><th>Domain</th><th>Site</th><th>Encoding</th><th>Delimiter</th>"
	      "<th>Records</th><th>Accepted</th><th>Review</th><th>Rejected</th><th>SHA-256</th>"
	      "</tr></thead><tbody>\n", out);
	for (i = 0; i < rep->nfiles; i++) {
		const struct mdg_file_result *fr = &rep->files[i];
		fputs("<tr><td class=\"mono\">", out);
		esc(&h, fr->path);
		fputs("</td><td>", out);
		esc(&h, fr->domain);
		fputs("</td><td>", out);
		esc(&h, fr->site);
		fputs("</td><td>", out);
		esc(&h, fr->encoding);
		fprintf(out, "</td><td>%s</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>"
			"<td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"mono\">%s</td>"
			"</tr>\n", mdg_delimiter_name(fr->delimiter), fr->records, fr->accepted,
			fr->review, fr->rejected, fr->sha256);
	}
	fputs("</tbody></table>\n", out);
	if (rep->rules_sha256[0] != '\0')
		fprintf(out, "<p>Definitions and rules: SHA-256 <code>%s</code></p>\n",
			rep->rules_sha256);
	fputs("</section>\n", out);
	findings(&h, rep);
	duplicates(&h, rep);
	fprintf(out, "<footer>%zu %s, %zu records: %zu accepted, %zu waiting for review, "
		"%zu rejected; %zu errors, %zu warnings.</footer>\n</main>\n<script>\n",
		rep->nfiles, rep->nfiles == 1 ? "file" : "files", rep->records, rep->accepted, rep->review, rep->rejected,
		d->counts[MDG_SEV_ERROR], d->counts[MDG_SEV_WARNING]);
	fputs(script, out);
	fputs("</script>\n</body>\n</html>\n", out);
	mdg_buf_free(&h.clean);
	return ferror(out) ? MDG_EIO : MDG_OK;
}
