/*
 * csv-read-fuzzer.c - libFuzzer target for the CSV reader.
 *
 * Exercises engine/csv.c (delimiter detection, quoting, UTF-8 checks,
 * limits) and, through the first byte of the input, the iconv path
 * (windows-1252 or UTF-16 when the data starts with a BOM).  Small limits
 * make the field, record and column limits reachable with short inputs.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_reader *r;
	struct csv_record rec;
	struct csv_opts o;
	struct mdg_diags d;
	size_t i, total = 0;

	if (size < 1 || size > 1 << 20)
		return 0;
	memset(&o, 0, sizeof(o));
	o.max_field = 64;
	o.max_record = 256;
	o.max_fields = 16;
	switch (data[0] % 4) {
	case 1:
		o.encoding = "windows-1252";
		break;
	case 2:
		o.delimiter = ';';
		break;
	default:
		break;
	}
	mdg_diags_init(&d);
	if (csv_open_mem(&r, "fuzz.csv", (const char *)data + 1, size - 1, &o, &d) == MDG_OK) {
		while (csv_next(r, &rec) == 1) {
			for (i = 0; i < rec.nfields; i++)
				total += rec.lens[i] + (size_t)rec.field_lines[i];
			for (i = 0; i < rec.nproblems; i++)
				total += (size_t)rec.problems[i].line + strlen(rec.problems[i].message);
		}
		csv_close(r);
	}
	mdg_diags_free(&d);
	return total == SIZE_MAX;
}
