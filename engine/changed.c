/*
 * changed.c - `mdgate check --changed-since REV`: after a run over whole
 * files (so that keys and references see every record), keep only the
 * records on lines git reports as changed since REV (git diff
 * --unified=0, hunk headers "@@ -a,b +c,d @@"): their findings, states
 * and the totals.  A file git does not track counts whole; a tracked file
 * without changes counts no record.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "rawfile.h"

extern char **environ;

/* Run git with argv in dir; its standard output into b.  Returns its exit status, -1: not run. */
static int
run_git(const char *dir, char *const argv[], struct mdg_buf *b)
{
	posix_spawn_file_actions_t fa;
	int fd[2], status = -1;
	pid_t pid;
	char chunk[4096];
	ssize_t n;
	char **av;
	size_t i, na = 0;

	while (argv[na] != NULL)
		na++;
	av = xcalloc(na + 4, sizeof(*av));
	av[0] = (char *)"git";
	av[1] = (char *)"-C";
	av[2] = (char *)(uintptr_t)dir;
	for (i = 0; i < na; i++)
		av[3 + i] = argv[i];
	if (pipe(fd) != 0) {
		free(av);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "git", &fa, NULL, av, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fd[0]);
		close(fd[1]);
		free(av);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	while ((n = read(fd[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		(void)mdg_buf_append(b, chunk, (size_t)n);
	}
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(av);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Mark the changed lines (1-based) from a unified diff; returns the number of hunks. */
static size_t
parse_hunks(const char *diff, unsigned char **changed, size_t *nchanged)
{
	const char *p = diff;
	size_t hunks = 0;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "@@ -", 4) == 0) {
			const char *plus = strstr(p, " +");
			const char *eol = strchr(p, '\n');
			if (plus != NULL && (eol == NULL || plus < eol)) {
				char *end;
				unsigned long c = strtoul(plus + 2, &end, 10), cnt = 1, l;
				if (*end == ',')
					cnt = strtoul(end + 1, NULL, 10);
				hunks++;
				/* Lines of a real file; anything past 2^31 is not one. */
				if (c > 0x7fffffffUL || cnt > 0x7fffffffUL) {
					p = eol;
					continue;
				}
				if (c + cnt > *nchanged) {
					size_t nn = c + cnt + 1;
					*changed = xreallocarray(*changed, nn, 1);
					memset(*changed + *nchanged, 0, nn - *nchanged);
					*nchanged = nn;
				}
				for (l = c; l < c + cnt; l++)
					(*changed)[l] = 1;
			}
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return hunks;
}

/* Which records of file fi are kept: their states set to MDG_REC_EXCLUDED otherwise. */
static int
scope_file(struct mdg_report *rep, size_t fi, const char *rev, struct mdg_diags *fatal,
	   bool *keep_file_findings)
{
	struct mdg_file_result *fr = &rep->files[fi];
	char *dir = mdg_path_dir(fr->path);
	const char *base = mdg_path_base(fr->path);
	struct mdg_buf out;
	unsigned char *changed = NULL;
	size_t nchanged = 0, nsp = 0, r;
	struct mdg_rec_span *sp = NULL;
	int st, rc = MDG_OK;
	long l;
	char *ls[] = {(char *)"ls-files", (char *)"--error-unmatch", (char *)"--",
		      (char *)(uintptr_t)base, NULL};
	char *df[] = {(char *)"diff", (char *)"--no-color", (char *)"--no-ext-diff",
		      (char *)"--text", (char *)"--unified=0", (char *)(uintptr_t)rev,
		      (char *)"--", (char *)(uintptr_t)base, NULL};

	mdg_buf_init(&out, 0);
	*keep_file_findings = true;
	st = run_git(dir, ls, &out);
	if (st != 0) {
		/* Not tracked (or not in a work tree): a new file, every record counts. */
		fr->scope = MDG_SCOPE_UNTRACKED;
		fprintf(stderr, "mdgate: %s: not tracked by git; every record is counted\n",
			fr->path);
		goto done;
	}
	mdg_buf_reset(&out);
	if ((st = run_git(dir, df, &out)) != 0) {
		mdg_diag_at(fatal, MDG_SEV_ERROR, "usage.changed_since", fr->path, 0, 0,
			    "git diff %s failed (is '%s' a revision of this repository?)", rev, rev);
		rc = MDG_ERR;
		goto done;
	}
	if (parse_hunks(out.data ? out.data : "", &changed, &nchanged) == 0) {
		fr->scope = MDG_SCOPE_UNCHANGED;
		fprintf(stderr, "mdgate: %s: no line changed since %s; no record counted\n",
			fr->path, rev);
		*keep_file_findings = false;
		for (r = 0; r < fr->nstates && fr->states != NULL; r++)
			fr->states[r] = MDG_REC_EXCLUDED;
		goto done;
	}
	fr->scope = MDG_SCOPE_CHANGED;
	if ((rc = mdg_rec_spans(fr, &sp, &nsp, fatal)) != MDG_OK)
		goto done;
	/* File findings stay when the header changed. */
	*keep_file_findings = false;
	if (nsp > 0)
		for (l = sp[0].line; l <= sp[0].end_line; l++)
			if ((size_t)l < nchanged && changed[l])
				*keep_file_findings = true;
	for (r = 1; r < nsp && r <= fr->nstates && fr->states != NULL; r++) {
		bool hit = false;
		for (l = sp[r].line; l <= sp[r].end_line && !hit; l++)
			hit = (size_t)l < nchanged && changed[l];
		if (!hit)
			fr->states[r - 1] = MDG_REC_EXCLUDED;
	}
done:
	free(sp);
	free(changed);
	free(dir);
	mdg_buf_free(&out);
	return rc;
}

int
mdg_changed_filter(struct mdg_report *rep, const char *rev, struct mdg_diags *fatal)
{
	struct mdg_diags *d = &rep->findings;
	bool *keep_file;
	size_t i, j, r;
	int rc = MDG_OK;

	rep->changed_since = xstrdup(rev);
	keep_file = xcalloc(rep->nfiles ? rep->nfiles : 1, sizeof(*keep_file));
	for (i = 0; i < rep->nfiles && rc == MDG_OK; i++)
		rc = scope_file(rep, i, rev, fatal, &keep_file[i]);
	if (rc != MDG_OK) {
		free(keep_file);
		return rc;
	}
	/* The findings of the records kept (and of the files whose header changed). */
	memset(d->counts, 0, sizeof(d->counts));
	for (i = j = 0; i < d->n; i++) {
		struct mdg_diag *dg = &d->v[i];
		const struct mdg_file_result *fr = &rep->files[dg->file_index];
		bool keep = dg->record == 0 ? keep_file[dg->file_index] :
			    fr->states == NULL || (size_t)dg->record > fr->nstates ||
			    fr->states[dg->record - 1] != MDG_REC_EXCLUDED;
		if (!keep) {
			free(dg->file);
			free(dg->record_key);
			free(dg->field);
			free(dg->message);
			free(dg->origin);
			continue;
		}
		d->counts[dg->severity]++;
		d->v[j++] = *dg;
	}
	d->n = j;
	d->dropped = 0;
	/* The totals of the records kept. */
	rep->records = rep->accepted = rep->review = rep->rejected = 0;
	for (i = 0; i < rep->nfiles; i++) {
		struct mdg_file_result *fr = &rep->files[i];
		size_t n = 0, acc = 0, rev_ = 0, rej = 0;
		for (r = 0; r < fr->nstates && fr->states != NULL; r++) {
			unsigned char s = fr->states[r];
			if (s == MDG_REC_EXCLUDED)
				continue;
			n++;
			acc += s == MDG_REC_ACCEPTED;
			rev_ += s == MDG_REC_REVIEW;
			rej += s == MDG_REC_REJECTED;
		}
		fr->records = n;
		fr->accepted = acc;
		fr->review = rev_;
		fr->rejected = rej;
		rep->records += n;
		rep->accepted += acc;
		rep->review += rev_;
		rep->rejected += rej;
	}
	/* Suspected duplicates: those whose record b is kept. */
	for (i = j = 0; i < rep->ndups; i++) {
		struct mdg_dup_pair *p = &rep->dups[i];
		const struct mdg_file_result *fr = p->file_b < rep->nfiles ? &rep->files[p->file_b] :
						   NULL;
		if (fr == NULL || fr->states == NULL || p->record_b < 1 ||
		    (size_t)p->record_b > fr->nstates ||
		    fr->states[p->record_b - 1] != MDG_REC_EXCLUDED)
			rep->dups[j++] = *p;
		else
			mdg_dup_pair_free(p);
	}
	rep->ndups = j;
	free(keep_file);
	return MDG_OK;
}
