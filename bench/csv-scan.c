/*
 * csv-scan.c - the CSV reader alone on a file: every record read, nothing
 * checked.  What `mdgate check` cannot go below on one core (bench/run.sh).
 *   bench/csv-scan FILE [--digest]
 * With --digest the file's SHA-256 is computed on another thread as the
 * check does.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "digest.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct csv_opts opts;
	struct csv_reader *r;
	struct csv_record rec;
	struct mdg_diags d;
	struct mdg_digest *md = NULL;
	struct timespec t0, t1;
	char sum[65];
	size_t records = 0, fields = 0;
	int rc;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--digest") != 0)) {
		fprintf(stderr, "usage: csv-scan FILE [--digest]\n");
		return 2;
	}
	memset(&opts, 0, sizeof(opts));
	if (argc == 3 && (md = mdg_digest_start()) != NULL) {
		opts.on_raw = mdg_digest_feed_cb;
		opts.on_raw_arg = md;
	}
	mdg_diags_init(&d);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (csv_open(&r, argv[1], &opts, &d) != MDG_OK) {
		(void)mdg_diags_render_all(stderr, &d, false);
		return 2;
	}
	while ((rc = csv_next(r, &rec)) == 1) {
		records++;
		fields += rec.nfields;
	}
	csv_close(r);
	if (md != NULL)
		mdg_digest_finish(md, rc == 0 ? sum : NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%zu records, %zu fields in %.3f s\n", records, fields,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	mdg_diags_free(&d);
	return rc < 0 ? 1 : 0;
}
