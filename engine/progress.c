/*
 * progress.c - a one-line progress display on standard error for long
 * runs: records per second, percent by bytes read and the time left.
 * Throttled to four updates a second, written only to a terminal, and
 * cleared at the end so that the report that follows starts clean.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

#define PROGRESS_EVERY 256      /* records between looks at the clock */
#define PROGRESS_INTERVAL 0.25  /* seconds between updates */
#define PROGRESS_DELAY 0.5      /* nothing shown for runs shorter than this */

struct mdg_progress {
	FILE *out;
	unsigned long long total;      /* bytes of every file */
	unsigned long long done;       /* bytes of the files already read */
	unsigned long long cur_bytes;  /* of the file being read */
	size_t cur_file;
	bool started;
	size_t records;                /* read so far, every file */
	size_t last_record;
	double t0, last;
	bool shown;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct mdg_progress *
mdg_progress_new(FILE *out, char *const *files, size_t nfiles)
{
	struct mdg_progress *p;
	struct stat sb;
	size_t i;

	if (out == NULL || !isatty(fileno(out)))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->out = out;
	for (i = 0; i < nfiles; i++)
		if (stat(files[i], &sb) == 0 && S_ISREG(sb.st_mode))
			p->total += (unsigned long long)sb.st_size;
	p->t0 = p->last = now();
	return p;
}

static void
show(struct mdg_progress *p, double t)
{
	double el = t - p->t0, rate, frac, left;
	long secs;
	unsigned long long got = p->done + p->cur_bytes;

	rate = el > 0 ? (double)p->records / el : 0;
	frac = p->total ? (double)got / (double)p->total : 0;
	if (frac > 1)
		frac = 1;
	fprintf(p->out, "\r\033[Kmdgate: %zu records, %.0f/s", p->records, rate);
	if (p->total > 0) {
		fprintf(p->out, ", %.0f%%", frac * 100);
		if (frac > 0.01) {
			left = el / frac - el;
			secs = left > 0 ? (long)left : 0;
			fprintf(p->out, ", %ld:%02ld left", secs / 60, secs % 60);
		}
	}
	fflush(p->out);
	p->shown = true;
}

void
mdg_progress_update(struct mdg_progress *p, size_t file_index, size_t record,
		    unsigned long long bytes)
{
	double t;

	if (p == NULL)
		return;
	if (!p->started || file_index != p->cur_file) {
		if (p->started)
			p->done += p->cur_bytes;
		p->started = true;
		p->cur_file = file_index;
		p->last_record = 0;
	}
	if (record > p->last_record)
		p->records += record - p->last_record;
	p->last_record = record;
	p->cur_bytes = bytes;
	if (record % PROGRESS_EVERY != 0)
		return;
	t = now();
	if (t - p->t0 < PROGRESS_DELAY || t - p->last < PROGRESS_INTERVAL)
		return;
	p->last = t;
	show(p, t);
}

void
mdg_progress_end(struct mdg_progress *p)
{
	if (p == NULL)
		return;
	if (p->shown) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
	}
	free(p);
}
