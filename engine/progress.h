/*
 * progress.h - progress of a long check on standard error.
 *
 * Only when standard error is a terminal: records per second, percent done
 * and time left, estimated from the bytes read against the files' sizes.
 * At most about four updates a second; mdg_progress_end clears the line.
 * Ownership: mdg_progress_new returns NULL when there is nothing to show
 * (not a terminal); every function accepts NULL.
 */
#ifndef MDG_PROGRESS_H
#define MDG_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

struct mdg_progress;

/* progress.c */
/* For these files (their sizes are the 100%), shown on out if it is a terminal. */
struct mdg_progress *mdg_progress_new(FILE *out, char *const *files, size_t nfiles);
/*
 * A record was read: file_index identifies the file being read (any number
 * that changes when the file does), record its number, bytes what was read
 * of it so far.  Cheap: the clock is looked at every 256 records.
 */
void mdg_progress_update(struct mdg_progress *p, size_t file_index, size_t record,
			 unsigned long long bytes);
/* Clear the line and free. */
void mdg_progress_end(struct mdg_progress *p);

#endif
