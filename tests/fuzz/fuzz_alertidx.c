/*
 * fuzz_alertidx: alerts.json bytes through alertidx_parse, as a first
 * index on an untrusted clock and against a station that accepted
 * version 6 and trusts its clock. An accepted index holds only files
 * that stay inside the publication, named by their hash, in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alertidx.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse(const uint8_t *data, size_t size, const struct manifest_check *chk)
{
	struct alertidx x;
	struct diag why = {0};

	if (alertidx_parse(&x, data, size, "alerts.json", chk, &why) == 0) {
		if (why.n || !x.province || x.version < chk->last_version ||
		    x.nfiles > ALERTIDX_MAX_FILES || x.expires <= x.issued ||
		    (chk->clock_trusted && x.expires <= chk->now))
			abort();
		for (size_t i = 0; i < x.nfiles; i++) {
			const struct manifest_entry *e = &x.files[i];
			bool cap = strncmp(e->path, "alerts/", 7) == 0;

			if ((!cap && strncmp(e->path, "programmes/", 11) != 0) ||
			    strstr(e->path, "..") || strchr(e->name, '/') ||
			    strncmp(e->name, e->sha256, 64) != 0 || e->bytes < 1 ||
			    (chk->max_bytes > 0 && e->bytes > chk->max_bytes) ||
			    alertidx_find(x.files, x.nfiles, e->path) != e)
				abort();
		}
		alertidx_free(&x);
	} else if (why.n == 0) {
		abort();
	}
	diag_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct manifest_check first = {.station_id = "tan-quang", .now = 1795996800};
	const struct manifest_check later = {
	    .station_id = "tan-quang",
	    .last_version = 6,
	    .last_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    .now = 1795996800,
	    .clock_trusted = true,
	    .max_bytes = 268435456,
	};

	fuzz_init();
	parse(data, size, &first);
	parse(data, size, &later);
	return 0;
}
