/*
 * wavsegments: what a listener would hear in a recording, as text.
 *
 *   wavsegments FILE                 (any file libsndfile reads)
 *   wavsegments --raw RATE CH FILE   (headerless S16_LE, as ALSA's file PCM writes)
 *
 * Splits the audio into 10 ms windows, estimates each window's pitch from
 * its zero crossings and its level, and prints one line per stretch of the
 * same tone or of silence:
 *
 *   format RATE CHANNELS FRAMES
 *   tone START_S END_S FREQ_HZ
 *   silence START_S END_S
 *
 * The system tests give every item its own test-tone frequency, so the
 * order, length and gaps of what was played can be read off these lines.
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW_S 0.010

struct seg {
	int tone; /* 0 silence, 1 tone */
	double freq_sum;
	long windows;
	long start; /* window index */
};

static void emit(const struct seg *s, double win_s)
{
	if (!s->windows)
		return;
	if (s->tone)
		printf("tone %.3f %.3f %.0f\n", s->start * win_s, (s->start + s->windows) * win_s,
		       s->freq_sum / s->windows);
	else
		printf("silence %.3f %.3f\n", s->start * win_s, (s->start + s->windows) * win_s);
}

int main(int argc, char **argv)
{
	SF_INFO info = {0};
	SNDFILE *f;
	const char *path;
	long win, idx = 0;
	float *buf;
	struct seg cur = {0};
	float last = 0;

	if (argc == 5 && strcmp(argv[1], "--raw") == 0) {
		info.samplerate = atoi(argv[2]);
		info.channels = atoi(argv[3]);
		info.format = SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE;
		path = argv[4];
	} else if (argc == 2) {
		path = argv[1];
	} else {
		fprintf(stderr, "usage: wavsegments [--raw RATE CHANNELS] FILE\n");
		return 2;
	}
	f = sf_open(path, SFM_READ, &info);
	if (!f) {
		fprintf(stderr, "wavsegments: %s: %s\n", path, sf_strerror(NULL));
		return 1;
	}
	printf("format %d %d %lld\n", info.samplerate, info.channels, (long long)info.frames);
	win = (long)(info.samplerate * WINDOW_S);
	buf = malloc(sizeof *buf * (size_t)win * (size_t)info.channels);
	if (!buf)
		return 1;
	for (;;) {
		sf_count_t n = sf_readf_float(f, buf, win);
		double sum = 0, freq;
		long crossings = 0;
		int tone;

		if (n < win)
			break;
		/* crossings are counted across window edges too, or every window
		 * would lose one and read low */
		for (long i = 0; i < win; i++) {
			float x = buf[i * info.channels];

			sum += (double)x * x;
			if ((last < 0) != (x < 0))
				crossings++;
			last = x;
		}
		tone = sqrt(sum / win) > 0.01;
		freq = crossings / 2.0 / WINDOW_S;
		/* a new stretch when silence/tone flips or the pitch moves > 8% */
		if (cur.windows &&
		    (tone != cur.tone ||
		     (tone && fabs(freq - cur.freq_sum / cur.windows) > 0.08 * freq + 60))) {
			emit(&cur, WINDOW_S);
			memset(&cur, 0, sizeof cur);
		}
		if (!cur.windows)
			cur.start = idx;
		cur.tone = tone;
		cur.freq_sum += freq;
		cur.windows++;
		idx++;
	}
	emit(&cur, WINDOW_S);
	free(buf);
	sf_close(f);
	return 0;
}
