/*
 * replay.c - runs a fuzz target over every file of its corpus folders, so
 * that what a fuzzer once found stays a regression test under plain
 * `make check` on any compiler (no libFuzzer needed).
 *   replay DIR...
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		if (f)
			fclose(f);
		return 1;
	}
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, failed = 0, count = 0;

	for (i = 1; i < argc; i++) {
		DIR *dp = opendir(argv[i]);
		struct dirent *de;
		if (dp == NULL) {
			fprintf(stderr, "replay: %s: not a folder\n", argv[i]);
			return 1;
		}
		while ((de = readdir(dp)) != NULL) {
			char *p;
			if (de->d_name[0] == '.')
				continue;
			size_t len = strlen(argv[i]) + strlen(de->d_name) + 2;
			p = malloc(len);
			if (p == NULL)
				return 1;
			snprintf(p, len, "%s/%s", argv[i], de->d_name);
			failed |= replay_file(p);
			count++;
			free(p);
		}
		closedir(dp);
	}
	printf("replayed %d inputs\n", count);
	return failed;
}
