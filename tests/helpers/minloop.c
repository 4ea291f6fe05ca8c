/*
 * minloop: the benchmarks' baseline, the least a program can do to play one
 * file through libao. libsndfile reads 16-bit frames 4096 at a time and
 * ao_play writes them, at the file's own rate and channel count: no
 * resampling, no gain, no metering, no queue. With the "null" driver it
 * sleeps to real time (monotonic clock), so its CPU per audio hour compares
 * with a player that paces itself.
 *
 *   minloop DRIVER FILE [key=value ...]
 *
 * key=value pairs go to ao_append_option, except file=PATH, which names the
 * output of a file driver (wav, au, raw; default /dev/null).
 * Exit 0 when the whole file played, 1 on any error, 2 on bad usage.
 */
#include <ao/ao.h>
#include <errno.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MINLOOP_FRAMES 4096

static void minloop_add_ns(struct timespec *t, long long ns)
{
	ns += t->tv_nsec;
	t->tv_sec += (time_t)(ns / 1000000000);
	t->tv_nsec = (long)(ns % 1000000000);
}

int main(int argc, char **argv)
{
	const char *out = "/dev/null";
	ao_option *options = NULL;
	ao_sample_format format;
	SF_INFO info = {0};
	struct timespec beat;
	long long written = 0;
	short *buf;
	SNDFILE *sf;
	ao_device *dev;
	ao_info *driver;
	sf_count_t n;
	int id, rc = 0;
	bool pace;

	if (argc < 3) {
		fprintf(stderr, "usage: minloop DRIVER FILE [key=value ...]\n");
		return 2;
	}
	ao_initialize();
	id = ao_driver_id(argv[1]);
	if (id < 0) {
		fprintf(stderr, "minloop: no libao driver \"%s\"\n", argv[1]);
		return 1;
	}
	driver = ao_driver_info(id);
	for (int i = 3; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "minloop: \"%s\" is not key=value\n", argv[i]);
			return 2;
		}
		*eq = '\0';
		if (strcmp(argv[i], "file") == 0)
			out = eq + 1;
		else
			ao_append_option(&options, argv[i], eq + 1);
	}
	sf = sf_open(argv[2], SFM_READ, &info);
	if (!sf) {
		fprintf(stderr, "minloop: %s: %s\n", argv[2], sf_strerror(NULL));
		return 1;
	}
	memset(&format, 0, sizeof format);
	format.bits = 16;
	format.rate = info.samplerate;
	format.channels = info.channels;
	format.byte_format = AO_FMT_NATIVE;
	if (driver->type == AO_TYPE_FILE)
		dev = ao_open_file(id, out, 1, &format, options);
	else
		dev = ao_open_live(id, &format, options);
	if (!dev) {
		fprintf(stderr, "minloop: cannot open the %s device\n", argv[1]);
		return 1;
	}
	buf = malloc(sizeof *buf * MINLOOP_FRAMES * (size_t)info.channels);
	if (!buf)
		return 1;
	pace = strcmp(argv[1], "null") == 0;
	clock_gettime(CLOCK_MONOTONIC, &beat);
	while ((n = sf_readf_short(sf, buf, MINLOOP_FRAMES)) > 0) {
		if (!ao_play(dev, (char *)buf, (uint_32)(n * info.channels * 2))) {
			fprintf(stderr, "minloop: the device stopped taking samples\n");
			rc = 1;
			break;
		}
		written += n;
		if (pace) {
			struct timespec next = beat;

			minloop_add_ns(&next, written * 1000000000LL / info.samplerate);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) ==
			       EINTR)
				;
		}
	}
	if (sf_error(sf)) {
		fprintf(stderr, "minloop: %s: %s\n", argv[2], sf_strerror(sf));
		rc = 1;
	}
	free(buf);
	ao_close(dev);
	sf_close(sf);
	ao_free_options(options);
	ao_shutdown();
	return rc;
}
