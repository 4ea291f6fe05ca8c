/*
 * Unit tests for decode: every format libsndfile writes here comes back at
 * the right length, rate and channel layout; cut and bogus files are told
 * apart from good ones. Test audio is generated with libsndfile itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "util.h"

static char tmpdir[] = "/tmp/loaxa-test-decode.XXXXXX";

/*
 * A 1 kHz sine, channel c at amp[c] (0.5 on every channel when amp is NULL).
 * Returns the path (tmpdir/name), or NULL when libsndfile cannot write the
 * format on this system.
 */
static char *make_sine(const char *name, int format, int rate, int channels, double seconds,
                       const double *amp)
{
	SF_INFO info = {.samplerate = rate, .channels = channels, .format = format};
	char *path = xasprintf("%s/%s", tmpdir, name);
	sf_count_t frames = (sf_count_t)(seconds * rate);
	float *buf;
	SNDFILE *sf;

	if (!sf_format_check(&info) || !(sf = sf_open(path, SFM_WRITE, &info))) {
		free(path);
		return NULL;
	}
	buf = xreallocarray(NULL, (size_t)frames * (size_t)channels, sizeof *buf);
	for (sf_count_t i = 0; i < frames; i++)
		for (int c = 0; c < channels; c++)
			buf[i * channels + c] = (float)((amp ? amp[c] : 0.5) *
			                                sin(2 * M_PI * 1000.0 * (double)i / rate));
	assert_int_equal(sf_writef_float(sf, buf, frames), frames);
	assert_int_equal(sf_close(sf), 0);
	free(buf);
	return path;
}

/* Keep the first bytes of a file under a new name. */
static char *cut_file(const char *from, const char *name, off_t keep)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	char *buf;
	size_t len;
	int fd;

	assert_int_equal(util_read_file(from, 1 << 26, &buf, &len), 0);
	assert_true((size_t)keep < len);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, (size_t)keep), keep);
	close(fd);
	free(buf);
	return path;
}

/* Decode everything; returns frames, fills peak per output channel. */
static long read_all(struct decode *d, double *peak)
{
	int ch = decode_out_channels(d);
	float *buf = xreallocarray(NULL, 4096 * (size_t)ch, sizeof *buf);
	long total = 0, n;

	for (int c = 0; c < ch; c++)
		peak[c] = 0;
	while ((n = decode_read(d, buf, 4096)) > 0) {
		for (long i = 0; i < n; i++)
			for (int c = 0; c < ch; c++)
				if (fabs(buf[i * ch + c]) > peak[c])
					peak[c] = fabs(buf[i * ch + c]);
		total += n;
	}
	free(buf);
	return total;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int r;

	(void)state;
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

static void test_native_wav_exact(void **state)
{
	char *path = make_sine("n.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 1.0, NULL);
	struct decode *d;
	const struct decode_info *info;
	float buf[256];
	long n;

	(void)state;
	assert_int_equal(decode_open(&d, path, 0, 0, NULL, 0), DECODE_OK);
	info = decode_info(d);
	assert_int_equal(info->rate, 44100);
	assert_int_equal(info->channels, 1);
	assert_int_equal(info->frames, 44100);
	assert_float_equal(info->duration_s, 1.0, 1e-9);
	assert_int_equal(decode_out_rate(d), 44100);
	assert_int_equal(decode_out_channels(d), 1);
	/* Without conversion the samples are the file's, to the last bit. */
	n = decode_read(d, buf, 256);
	assert_int_equal(n, 256);
	for (int i = 0; i < 256; i++) {
		float want = (float)(0.5 * sin(2 * M_PI * 1000.0 * i / 44100));

		assert_float_equal(buf[i], want, 1.0 / 32768 + 1e-6);
	}
	decode_close(d);
	free(path);
}

/* Every format and width comes out at 48 kHz stereo with its own length. */
static void test_formats_to_48k_stereo(void **state)
{
	static const struct {
		const char *name;
		int format, rate, channels;
		double peak_tolerance; /* lossy codecs overshoot a little */
	} cases[] = {
	    {"a.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 0.005},
	    {"b.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 2, 0.005},
	    {"c.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 22050, 1, 0.06},
	    {"d.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 8000, 1, 0.02},
	    {"e.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 96000, 2, 0.005},
	    {"f.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 32000, 2, 0.005},
	    {"g.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 16000, 1, 0.005},
	    /* ARM builds of libopus overshoot more (peaks of 0.59-0.64 seen) */
	    {"h.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000, 1, 0.15},
	    {"i.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 44100, 1, 0.06},
	    {"j.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 88200, 2, 0.005},
	};

	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char *path = make_sine(cases[k].name, cases[k].format, cases[k].rate,
		                       cases[k].channels, 0.5, NULL);
		struct decode *d;
		double peak[2];
		long frames;

		if (!path) {
			print_message("# %s: libsndfile cannot write it here, skipped\n",
			              cases[k].name);
			continue;
		}
		assert_int_equal(decode_open(&d, path, 48000, 2, NULL, 0), DECODE_OK);
		assert_int_equal(decode_info(d)->rate, cases[k].rate);
		assert_float_equal(decode_info(d)->duration_s, 0.5, 0.05);
		frames = read_all(d, peak);
		/* within 50 ms of the true length (MP3 adds its padding) */
		assert_in_range(frames, 24000 - 2400, 24000 + 2400);
		for (int c = 0; c < 2; c++)
			assert_float_equal(peak[c], 0.5, cases[k].peak_tolerance);
		assert_false(decode_truncated(d));
		assert_string_equal(decode_error(d), "");
		decode_close(d);
		free(path);
	}
}

static void test_resampled_length_and_pitch(void **state)
{
	char *path = make_sine("r.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 22050, 1, 1.0, NULL);
	struct decode *d;
	float buf[1000];
	long n, total = 0, crossings = 0;
	float last = 0;

	(void)state;
	assert_int_equal(decode_open(&d, path, 48000, 1, NULL, 0), DECODE_OK);
	while ((n = decode_read(d, buf, 1000)) > 0) {
		for (long i = 0; i < n; i++) {
			if (last < 0 && buf[i] >= 0)
				crossings++;
			last = buf[i];
		}
		total += n;
	}
	/* 1 s stays 1 s, and 1 kHz stays 1 kHz */
	assert_in_range(total, 48000 - 10, 48000 + 10);
	assert_in_range(crossings, 998, 1001);
	assert_int_equal(decode_frames_read(d), 22050);
	assert_false(decode_truncated(d));
	decode_close(d);
	free(path);
}

static void test_channel_mapping(void **state)
{
	static const double lr[2] = {0.5, 0.0};
	static const double six[6] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
	char *stereo = make_sine("lr.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 0.2, lr);
	char *surround = make_sine("six.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 6, 0.2, six);
	char *mono = make_sine("m.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, 0.2, NULL);
	struct decode *d;
	double peak[4];
	float buf[8];

	(void)state;
	/* stereo -> mono: the average of left and right */
	assert_int_equal(decode_open(&d, stereo, 48000, 1, NULL, 0), DECODE_OK);
	assert_int_equal(read_all(d, peak), 9600);
	assert_float_equal(peak[0], 0.25, 0.001);
	decode_close(d);
	/* 6 channels -> 2: the first two, the rest dropped */
	assert_int_equal(decode_open(&d, surround, 48000, 2, NULL, 0), DECODE_OK);
	assert_int_equal(read_all(d, peak), 9600);
	assert_float_equal(peak[0], 0.1, 0.001);
	assert_float_equal(peak[1], 0.2, 0.001);
	decode_close(d);
	/* 6 channels at 44.1 kHz -> 2 at 48 kHz, through the resampler */
	free(surround);
	surround = make_sine("six44.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 6, 0.2, six);
	assert_int_equal(decode_open(&d, surround, 48000, 2, NULL, 0), DECODE_OK);
	assert_in_range(read_all(d, peak), 9600 - 5, 9600 + 5);
	assert_float_equal(peak[0], 0.1, 0.005);
	assert_float_equal(peak[1], 0.2, 0.005);
	decode_close(d);
	/* mono -> 4: the same on every output */
	assert_int_equal(decode_open(&d, mono, 48000, 4, NULL, 0), DECODE_OK);
	for (int k = 0; k < 5; k++) {
		assert_int_equal(decode_read(d, buf, 2), 2);
		for (int i = 0; i < 2; i++)
			for (int c = 1; c < 4; c++)
				assert_true(buf[i * 4 + c] == buf[i * 4]);
	}
	decode_close(d);
	/* mono 22.05 kHz -> stereo 48 kHz: resampled once, then copied */
	free(mono);
	mono = make_sine("m22.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 22050, 1, 0.2, NULL);
	assert_int_equal(decode_open(&d, mono, 48000, 2, NULL, 0), DECODE_OK);
	for (int k = 0; k < 100; k++) {
		assert_int_equal(decode_read(d, buf, 4), 4);
		for (int i = 0; i < 4; i++)
			assert_true(buf[2 * i] == buf[2 * i + 1]);
	}
	decode_close(d);
	free(stereo);
	free(surround);
	free(mono);
}

static void test_truncated(void **state)
{
	char *wav = make_sine("t.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 1.0, NULL);
	char *flac = make_sine("t.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 2, 1.0, NULL);
	char *cut_wav = cut_file(wav, "cut.wav", 44 + 48000 * 4 / 2);
	char *cut_flac;
	struct stat st;
	struct decode *d;
	double peak[2];

	(void)state;
	/* the header promises 1 s, half of it is there */
	assert_int_equal(decode_open(&d, cut_wav, 48000, 2, NULL, 0), DECODE_OK);
	assert_int_equal(decode_info(d)->frames, 48000);
	assert_float_equal(decode_info(d)->duration_s, 1.0, 1e-9);
	assert_int_equal(read_all(d, peak), 24000);
	assert_true(decode_truncated(d));
	assert_string_equal(decode_error(d), "file ends early");
	decode_close(d);
	/* the whole file is not */
	assert_int_equal(decode_open(&d, wav, 48000, 2, NULL, 0), DECODE_OK);
	assert_int_equal(read_all(d, peak), 48000);
	assert_false(decode_truncated(d));
	decode_close(d);

	assert_int_equal(stat(flac, &st), 0);
	cut_flac = cut_file(flac, "cut.flac", st.st_size / 2);
	assert_int_equal(decode_open(&d, cut_flac, 48000, 2, NULL, 0), DECODE_OK);
	assert_in_range(read_all(d, peak), 1, 47999);
	assert_true(decode_truncated(d));
	assert_true(decode_error(d)[0] != '\0');
	decode_close(d);
	free(wav);
	free(flac);
	free(cut_wav);
	free(cut_flac);
}

/* Which files may skip the float path: integers of at most 16 bits that
 * need neither resampling nor a channel map. */
static void test_native_s16_choice(void **state)
{
	static const struct {
		const char *name;
		int format, rate, channels, out_rate, out_channels;
		bool native;
	} cases[] = {
	    {"s16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 48000, 2, true},
	    {"s16own.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 0, 0, true},
	    {"s16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 2, 48000, 2, true},
	    {"u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 48000, 2, 48000, 2, true},
	    {"ulaw.wav", SF_FORMAT_WAV | SF_FORMAT_ULAW, 48000, 2, 48000, 2, true},
	    {"rate.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 48000, 2, false},
	    {"mono.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 1, 48000, 2, false},
	    {"down.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 48000, 1, false},
	    {"s24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000, 2, false},
	    {"s24.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 48000, 2, 48000, 2, false},
	    {"f32.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 48000, 2, false},
	    {"v.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 48000, 2, 48000, 2, false},
	};

	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char *path = make_sine(cases[k].name, cases[k].format, cases[k].rate,
		                       cases[k].channels, 0.1, NULL);
		struct decode *d;

		if (!path) {
			print_message("# %s: libsndfile cannot write it here, skipped\n",
			              cases[k].name);
			continue;
		}
		assert_int_equal(
		    decode_open(&d, path, cases[k].out_rate, cases[k].out_channels, NULL, 0),
		    DECODE_OK);
		if (decode_native_s16(d) != cases[k].native)
			fail_msg("%s: native_s16 is %d", cases[k].name, decode_native_s16(d));
		decode_close(d);
		free(path);
	}
}

/* The int16 path gives the file's samples bit for bit, to the last frame,
 * and still notices a file cut short. */
static void test_read_s16(void **state)
{
	SF_INFO info = {
	    .samplerate = 48000, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	char *path = xasprintf("%s/noise.wav", tmpdir);
	char *cut;
	enum { FRAMES = 10007 };
	int16_t *want = xreallocarray(NULL, 2 * FRAMES, sizeof *want);
	int16_t got[2 * 1000];
	uint32_t x = 12345;
	struct decode *d;
	SNDFILE *sf;
	long n, total = 0;

	(void)state;
	for (int i = 0; i < 2 * FRAMES; i++) {
		x = x * 1103515245u + 12345u;
		want[i] = (int16_t)(x >> 16);
	}
	want[0] = -32768;
	want[1] = 32767;
	sf = sf_open(path, SFM_WRITE, &info);
	assert_non_null(sf);
	assert_int_equal(sf_writef_short(sf, want, FRAMES), FRAMES);
	assert_int_equal(sf_close(sf), 0);

	assert_int_equal(decode_open(&d, path, 48000, 2, NULL, 0), DECODE_OK);
	assert_true(decode_native_s16(d));
	while ((n = decode_read_s16(d, got, 1000)) > 0) {
		assert_true(total + n <= FRAMES);
		assert_memory_equal(got, want + 2 * total, (size_t)n * 2 * sizeof *got);
		total += n;
	}
	assert_int_equal(total, FRAMES);
	assert_int_equal(decode_frames_read(d), FRAMES);
	assert_false(decode_truncated(d));
	assert_int_equal(decode_read_s16(d, got, 1000), 0);
	decode_close(d);

	cut = cut_file(path, "noise-cut.wav", 44 + 4 * 5000);
	assert_int_equal(decode_open(&d, cut, 48000, 2, NULL, 0), DECODE_OK);
	assert_true(decode_native_s16(d));
	assert_int_equal(decode_info(d)->frames, FRAMES);
	total = 0;
	while ((n = decode_read_s16(d, got, 1000)) > 0)
		total += n;
	assert_int_equal(total, 5000);
	assert_true(decode_truncated(d));
	assert_string_equal(decode_error(d), "file ends early");
	decode_close(d);
	free(cut);
	free(path);
	free(want);
}

static void test_not_audio_and_missing(void **state)
{
	char *text = xasprintf("%s/x.ogg", tmpdir);
	char *missing = xasprintf("%s/nothing-here.wav", tmpdir), *fifo;
	char why[200];
	struct decode *d = (struct decode *)1;
	FILE *f = fopen(text, "w");

	(void)state;
	assert_non_null(f);
	fputs("this is not a programme\n", f);
	fclose(f);
	assert_int_equal(decode_open(&d, text, 48000, 2, why, sizeof why), DECODE_NOT_AUDIO);
	assert_null(d);
	assert_true(why[0] != '\0');
	assert_int_equal(decode_open(&d, missing, 48000, 2, why, sizeof why), DECODE_MISSING);
	assert_null(d);
	assert_int_equal(decode_open(&d, tmpdir, 48000, 2, why, sizeof why), DECODE_NOT_REGULAR);
	assert_string_equal(why, "not a regular file");
	assert_null(d);
	/* a FIFO nobody writes to: refused at once, not waited on */
	fifo = xasprintf("%s/pipe.wav", tmpdir);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(decode_open(&d, fifo, 48000, 2, why, sizeof why), DECODE_NOT_REGULAR);
	assert_string_equal(why, "not a regular file");
	assert_int_equal(decode_open(&d, "/dev/zero", 48000, 2, why, sizeof why),
	                 DECODE_NOT_REGULAR);
	unlink(fifo);
	free(fifo);
	if (geteuid() != 0) {
		assert_int_equal(chmod(text, 0), 0);
		assert_int_equal(decode_open(&d, text, 48000, 2, why, sizeof why),
		                 DECODE_UNREADABLE);
	}
	free(text);
	free(missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_native_wav_exact),
	    cmocka_unit_test(test_formats_to_48k_stereo),
	    cmocka_unit_test(test_resampled_length_and_pitch),
	    cmocka_unit_test(test_channel_mapping),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_native_s16_choice),
	    cmocka_unit_test(test_read_s16),
	    cmocka_unit_test(test_not_audio_and_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
