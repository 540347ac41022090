/*
 * testdir.h - a scratch folder for unit tests that load files from disk:
 * make it under $TMPDIR, write files into it (creating folders on the
 * way), and remove it with everything in it.  Include after <cmocka.h>
 * and "util.h".
 */
#ifndef MDG_TESTDIR_H
#define MDG_TESTDIR_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A new empty folder named PREFIX-XXXXXX under $TMPDIR (or /tmp); NULL on failure. */
static inline char *
testdir_make(const char *prefix)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/%s-XXXXXX", tmp && tmp[0] ? tmp : "/tmp", prefix);

	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	return dir;
}

static inline int
testdir_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the folder and everything in it. */
static inline void
testdir_remove(const char *dir)
{
	(void)nftw(dir, testdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write text to dir/rel, creating the folders on the way; returns the
 * path (the caller frees it).  A failure fails the test. */
static inline char *
testdir_put(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	char *p;
	FILE *f;

	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	f = fopen(path, "wb");
	if (f == NULL)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	return path;
}

#endif
