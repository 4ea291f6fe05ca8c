/*
 * fuzz_conf: loaxad.conf through conf_load, which takes a path; the input
 * is written to a file of its own in an otherwise empty folder. A config
 * that loads must hold what conf.h promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "diag.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	struct diag d = {0};
	const char *path = fuzz_file("loaxad.conf", data, size);

	memset(&c, 0, sizeof c);
	if (conf_load(&c, path, &d) == 0) {
		/* The promises of conf.h to every caller after a good load. */
		if (d.n != 0 || !c.station_id || !c.station_name || !c.state_dir ||
		    !c.schedule_dir || !c.audio_dir || !c.control_socket || !c.audio.driver ||
		    !c.audio.file)
			abort();
		if (c.audio.rate < 8000 || c.audio.rate > 192000 || c.audio.channels < 1 ||
		    c.audio.channels > 8 || c.catch_up_s < 0 || c.catch_up_s > 86400)
			abort();
		if (conf_file_driver(c.audio.driver) && c.audio.file[0] == '\0')
			abort();
		if (c.province.manifest_url && !c.province.public_key)
			abort();
		for (int i = 0; i < c.audio.noptions; i++)
			if (!c.audio.options[i].key || !c.audio.options[i].value)
				abort();
		(void)conf_in_quiet(&c, 0);
		conf_free(&c);
	} else if (d.n == 0) {
		/* A refusal always says why. */
		abort();
	}
	diag_free(&d);
	return 0;
}
