/*
 * yaml-domain-fuzzer.c - libFuzzer target for the definition loader.
 *
 * Exercises engine/yamltree.c (limits on depth, nodes and aliases) and
 * engine/domain.c (every check of a domain definition, pattern compilation)
 * by loading the input as one domain file and linking it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/mdgate-fuzz-XXXXXX";
	struct mdg_domains ds;
	struct mdg_diags d;
	int fd;

	if (size > 1 << 16)
		return 0;
	if ((fd = mkstemp(path)) < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	mdg_domains_init(&ds);
	mdg_diags_init(&d);
	(void)mdg_domains_load_file(&ds, path, &d);
	(void)mdg_domains_link(&ds, &d);
	mdg_domains_free(&ds);
	mdg_diags_free(&d);
	unlink(path);
	return 0;
}
