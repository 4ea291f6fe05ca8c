/*
 * Unit tests for player: real files (generated with libsndfile) played to
 * libao's wav driver, then the written WAV read back and checked against the
 * events: format, lengths, no gaps, timing, flush, faults and levels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "player.h"
#include "util.h"

static char tmpdir[] = "/tmp/loaxa-test-player.XXXXXX";
static char *out_wav;
static double slack = 1.0; /* timing tolerances grow under valgrind or emulation */
static bool slow_cpu;      /* valgrind, emulation: too slow to keep up with real time */

/* A 1 kHz sine at amplitude amp. NULL when libsndfile cannot write the
 * format here (Opus, MP3 on a reduced build). */
static char *make_sine(const char *name, int format, int rate, int channels, double seconds,
                       double amp)
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
			buf[i * channels + c] =
			    (float)(amp * sin(2 * M_PI * 1000.0 * (double)i / rate));
	assert_int_equal(sf_writef_float(sf, buf, frames), frames);
	assert_int_equal(sf_close(sf), 0);
	free(buf);
	return path;
}

/* The peak of a file as libsndfile decodes it, in dBFS. */
static double decoded_peak_dbfs(const char *path)
{
	SF_INFO info = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	float buf[4096];
	double peak = 0;
	sf_count_t got;

	assert_non_null(sf);
	while ((got = sf_read_float(sf, buf, 4096)) > 0)
		for (sf_count_t i = 0; i < got; i++)
			peak = fmax(peak, fabs(buf[i]));
	sf_close(sf);
	assert_true(peak > 0);
	return peak > 0 ? 20 * log10(peak) : -INFINITY;
}

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

static struct player *start_player(const char *driver, const char *file)
{
	struct player_config cfg = {.driver = driver, .file = file, .rate = 48000, .channels = 2};

	return player_start(&cfg);
}

static double mono_s(void)
{
	struct timespec t = util_now_mono();

	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The next event within timeout_s, or false. */
static bool next_event(struct player *p, struct player_event *ev, double timeout_s)
{
	struct pollfd pfd = {.fd = player_fd(p), .events = POLLIN};

	if (player_read(p, ev))
		return true;
	if (poll(&pfd, 1, (int)(timeout_s * slack * 1000)) <= 0)
		return false;
	return player_read(p, ev) == 1;
}

static void expect_event(struct player *p, struct player_event *ev, enum player_event_kind kind,
                         uint64_t tag)
{
	assert_true(next_event(p, ev, 10.0));
	assert_int_equal(ev->kind, kind);
	assert_int_equal(ev->tag, tag);
}

static void enqueue(struct player *p, uint64_t tag, const char *path, double gain_db)
{
	struct player_item it = {.tag = tag, .path = path, .gain_db = gain_db};

	assert_int_equal(player_enqueue(p, &it), 0);
}

struct wav {
	int16_t *s;
	long frames;
};

/* Read the player's output back: it must be 48 kHz stereo 16-bit WAV. */
static void read_wav(const char *path, struct wav *w)
{
	SF_INFO info = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &info);

	assert_non_null(sf);
	assert_int_equal(info.samplerate, 48000);
	assert_int_equal(info.channels, 2);
	/* libao writes WAVE_FORMAT_EXTENSIBLE to carry the channel matrix */
	assert_true((info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV ||
	            (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAVEX);
	assert_int_equal(info.format & SF_FORMAT_SUBMASK, SF_FORMAT_PCM_16);
	w->frames = (long)info.frames;
	w->s = xreallocarray(NULL, (size_t)w->frames * 2 + 1, sizeof *w->s);
	assert_int_equal(sf_readf_short(sf, w->s, info.frames), info.frames);
	sf_close(sf);
}

static int peak_of(const struct wav *w, long from, long to)
{
	int peak = 0;

	for (long i = from * 2; i < to * 2; i++)
		if (abs(w->s[i]) > peak)
			peak = abs(w->s[i]);
	return peak;
}

/* frames of pseudo-random 16-bit stereo noise, full scale both ways */
static int16_t *make_noise(long frames)
{
	int16_t *s = xreallocarray(NULL, (size_t)frames * 2, sizeof *s);
	uint32_t x = 2024;

	for (long i = 0; i < frames * 2; i++) {
		x = x * 1103515245u + 12345u;
		s[i] = (int16_t)(x >> 16);
	}
	s[0] = -32768;
	s[1] = 32767;
	return s;
}

/* The noise as a 48 kHz stereo file: 16-bit integers or 32-bit floats. */
static char *write_noise(const char *name, int subformat, const int16_t *s, long frames)
{
	SF_INFO info = {.samplerate = 48000, .channels = 2, .format = SF_FORMAT_WAV | subformat};
	char *path = xasprintf("%s/%s", tmpdir, name);
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	float *f = xreallocarray(NULL, (size_t)frames * 2, sizeof *f);

	assert_non_null(sf);
	for (long i = 0; i < frames * 2; i++)
		f[i] = (float)s[i] / 32768.0f;
	if (subformat == SF_FORMAT_PCM_16)
		assert_int_equal(sf_writef_short(sf, s, frames), frames);
	else
		assert_int_equal(sf_writef_float(sf, f, frames), frames);
	assert_int_equal(sf_close(sf), 0);
	free(f);
	return path;
}

/* Voluntary context switches of every thread but this one: how often the
 * playback thread went to sleep. */
static long other_threads_sleeps(void)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	long total = 0;
	char me[32];

	assert_non_null(dir);
	snprintf(me, sizeof me, "%ld", (long)gettid());
	while ((de = readdir(dir))) {
		char *path, *text, *at;
		size_t len;

		if (de->d_name[0] == '.' || strcmp(de->d_name, me) == 0)
			continue;
		path = xasprintf("/proc/self/task/%s/status", de->d_name);
		if (util_read_file(path, 1 << 16, &text, &len) == 0) {
			at = strstr(text, "\nvoluntary_ctxt_switches:");
			if (at)
				total +=
				    strtol(at + strlen("\nvoluntary_ctxt_switches:"), NULL, 10);
			free(text);
		}
		free(path);
	}
	closedir(dir);
	return total;
}

static int setup(void **state)
{
	const char *preload = getenv("LD_PRELOAD");

	(void)state;
	msg_init("test_player", false, MSG_ERR); /* skipped items are expected here */
	if (getenv("LOAXA_VALGRIND") || (preload && strstr(preload, "vgpreload"))) {
		slack = 10.0;
		slow_cpu = true;
	} else if (getenv("LOAXA_TOL_SCALE")) { /* under emulation (tests/cross/run) */
		slack = atof(getenv("LOAXA_TOL_SCALE"));
		if (slack < 1.0)
			slack = 1.0;
		slow_cpu = true;
	}
	if (!mkdtemp(tmpdir))
		return -1;
	out_wav = xasprintf("%s/out.wav", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int r;

	(void)state;
	r = system(cmd);
	free(cmd);
	free(out_wav);
	return r == 0 ? 0 : -1;
}

static void test_bad_config(void **state)
{
	(void)state;
	assert_null(start_player("no-such-driver", NULL));
	/* a file driver needs a file */
	assert_null(start_player("wav", ""));
	assert_null(start_player("wav", NULL));
}

/*
 * Five formats back to back: 48 kHz stereo out, each item its own length,
 * START/END in order, the next START where the last END was, no silence
 * at the junctions, levels and hashes right.
 */
static void test_formats_back_to_back(void **state)
{
	static const struct {
		const char *name;
		int format, rate, channels;
		bool lossy; /* the encoder's overshoot differs between builds */
	} cases[] = {
	    {"a.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, false},
	    {"b.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 2, false},
	    {"c.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 22050, 1, true},
	    {"d.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000, 1, true},
	    {"e.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 44100, 2, true},
	};
	enum { N = sizeof cases / sizeof cases[0] };
	size_t which[N];
	char *paths[N];
	struct player_event start[N], end[N];
	struct player *p = start_player("wav", out_wav);
	double total_played = 0;
	struct wav w;
	long run = 0, longest = 0;
	uint64_t n = 0;

	(void)state;
	assert_non_null(p);
	for (size_t k = 0; k < N; k++) {
		paths[k] = make_sine(cases[k].name, cases[k].format, cases[k].rate,
		                     cases[k].channels, 0.6, 0.5);
		if (!paths[k]) {
			print_message("# %s: cannot be written here, left out\n", cases[k].name);
			continue;
		}
		enqueue(p, n + 1, paths[k], 0.0);
		which[n++] = k;
	}
	assert_true(n >= 3);
	for (uint64_t k = 0; k < n; k++) {
		char hex[65];

		expect_event(p, &start[k], PLAYER_START, k + 1);
		expect_event(p, &end[k], PLAYER_END, k + 1);
		assert_int_equal(end[k].status, PLAYER_COMPLETE);
		assert_string_equal(end[k].reason, "");
		assert_float_equal(end[k].played_s, 0.6, 0.05);
		assert_float_equal(end[k].duration_s, 0.6, 0.05);
		assert_float_equal(util_ts_diff(end[k].start, start[k].start), 0.0, 1e-6);
		assert_float_equal(util_ts_diff(end[k].end, end[k].start), end[k].played_s, 1e-3);
		/* a lossless file's peak is the sine's; a lossy one's is what its
		 * decoder gives, which resampling moves by a few hundredths */
		if (cases[which[k]].lossy)
			assert_float_equal(end[k].peak_dbfs, decoded_peak_dbfs(paths[which[k]]),
			                   0.3);
		else
			assert_float_equal(end[k].peak_dbfs, -6.02, 0.05);
		assert_float_equal(end[k].rms_dbfs, -9.03, 0.1);
		assert_int_equal(util_sha256_file(paths[which[k]], hex), 0);
		assert_string_equal(end[k].sha256, hex);
		if (k > 0 && !slow_cpu) /* the next starts where the last one ended */
			assert_float_equal(util_ts_diff(start[k].start, end[k - 1].end), 0.0,
			                   0.002);
		total_played += end[k].played_s;
	}
	assert_int_equal(player_pending(p), 0);
	player_stop(p, "test over");

	read_wav(out_wav, &w);
	assert_float_equal((double)w.frames, total_played * 48000, 1.0);
	for (long i = 0; i < w.frames; i++) {
		run = w.s[2 * i] == 0 && w.s[2 * i + 1] == 0 ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	assert_in_range(longest, 0, 48); /* no silence longer than 1 ms */
	free(w.s);
	for (size_t k = 0; k < N; k++)
		free(paths[k]);
}

/* The wav driver takes samples as fast as it gets them: the player paces
 * itself, and an item with a start time starts at it. */
static void test_pacing_and_start_time(void **state)
{
	char *two = make_sine("two.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 2.0, 0.5);
	char *short_one =
	    make_sine("short.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 0.3, 0.5);
	struct player *p = start_player("wav", out_wav);
	struct player_event ev;
	struct player_item it = {.tag = 2, .path = short_one};
	double t0;

	(void)state;
	assert_non_null(p);
	t0 = mono_s();
	enqueue(p, 1, two, 0.0);
	expect_event(p, &ev, PLAYER_START, 1);
	expect_event(p, &ev, PLAYER_END, 1);
	assert_true(mono_s() - t0 >= 1.9);
	assert_float_equal(ev.played_s, 2.0, 0.001);

	it.at = util_now_real();
	it.at.tv_nsec += 300000000;
	if (it.at.tv_nsec >= 1000000000) {
		it.at.tv_sec++;
		it.at.tv_nsec -= 1000000000;
	}
	assert_int_equal(player_enqueue(p, &it), 0);
	expect_event(p, &ev, PLAYER_START, 2);
	assert_float_equal(util_ts_diff(ev.start, it.at), 0.0, 0.010 * slack);
	/* not announced before it happened */
	assert_true(util_ts_diff(util_now_real(), it.at) >= -0.001);
	expect_event(p, &ev, PLAYER_END, 2);
	assert_int_equal(ev.status, PLAYER_COMPLETE);
	player_stop(p, "test over");
	free(two);
	free(short_one);
}

static void test_flush(void **state)
{
	char *longer = make_sine("long.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 3.0, 0.5);
	char *after = make_sine("after.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 0.3, 0.5);
	struct player *p = start_player("wav", out_wav);
	struct player_item later = {.tag = 5, .path = after};
	struct player_event ev;
	struct timespec pause = {0, 300000000};
	double t0, played;
	struct wav w;

	(void)state;
	assert_non_null(p);
	enqueue(p, 1, longer, 0.0);
	enqueue(p, 2, after, 0.0);
	expect_event(p, &ev, PLAYER_START, 1);
	nanosleep(&pause, NULL);
	assert_int_equal(player_pending(p), 2);
	t0 = mono_s();
	player_flush(p, "emergency");
	expect_event(p, &ev, PLAYER_END, 1);
	assert_true(mono_s() - t0 <= 0.050 * slack);
	assert_int_equal(ev.status, PLAYER_INTERRUPTED);
	assert_string_equal(ev.reason, "emergency");
	assert_float_equal(ev.played_s, 0.3, 0.1 * slack);
	played = ev.played_s;
	assert_int_equal(player_pending(p), 0);

	/* what is queued next plays; item 2 was dropped without a word */
	enqueue(p, 3, after, 0.0);
	expect_event(p, &ev, PLAYER_START, 3);
	expect_event(p, &ev, PLAYER_END, 3);
	assert_int_equal(ev.status, PLAYER_COMPLETE);
	played += ev.played_s;

	/* a flush also cuts a wait for a start time short */
	later.at = util_now_real();
	later.at.tv_sec += 5;
	assert_int_equal(player_enqueue(p, &later), 0);
	nanosleep(&pause, NULL);
	t0 = mono_s();
	player_flush(p, "stop");
	expect_event(p, &ev, PLAYER_END, 5);
	assert_true(mono_s() - t0 <= 0.050 * slack);
	assert_int_equal(ev.status, PLAYER_INTERRUPTED);
	assert_float_equal(ev.played_s, 0.0, 0.0);
	assert_false(next_event(p, &ev, 0.1));
	player_stop(p, "test over");

	read_wav(out_wav, &w);
	assert_float_equal((double)w.frames, played * 48000, 1.0);
	free(w.s);
	free(longer);
	free(after);
}

static void test_missing_and_not_audio(void **state)
{
	char *good = make_sine("good.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 0.2, 0.5);
	char *missing = xasprintf("%s/gone.ogg", tmpdir);
	char *text = xasprintf("%s/x.ogg", tmpdir);
	char *want = xasprintf("file not found: %s", missing);
	struct player *p = start_player("wav", out_wav);
	struct player_item known = {
	    .tag = 3,
	    .path = good,
	    .sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
	struct player_event ev;
	char hex[65];
	FILE *f = fopen(text, "w");

	(void)state;
	assert_non_null(p);
	assert_non_null(f);
	fputs("Bản tin này không phải âm thanh.\n", f);
	fclose(f);
	enqueue(p, 1, missing, 0.0);
	enqueue(p, 2, text, 0.0);
	assert_int_equal(player_enqueue(p, &known), 0);
	expect_event(p, &ev, PLAYER_END, 1);
	assert_int_equal(ev.status, PLAYER_SKIPPED);
	assert_string_equal(ev.reason, want);
	assert_string_equal(ev.sha256, "");
	expect_event(p, &ev, PLAYER_END, 2);
	assert_int_equal(ev.status, PLAYER_FAILED);
	assert_memory_equal(ev.reason, "not audio: ", 11);
	assert_true(strlen(ev.reason) > 11);
	assert_float_equal(ev.played_s, 0.0, 0.0);
	assert_true(isinf(ev.peak_dbfs) && ev.peak_dbfs < 0);
	assert_int_equal(util_sha256_file(text, hex), 0);
	assert_string_equal(ev.sha256, hex);
	expect_event(p, &ev, PLAYER_START, 3);
	assert_string_equal(ev.sha256, known.sha256);
	expect_event(p, &ev, PLAYER_END, 3);
	assert_int_equal(ev.status, PLAYER_COMPLETE);
	/* a hash the caller knows is taken as it is */
	assert_string_equal(ev.sha256, known.sha256);
	player_stop(p, "test over");
	free(good);
	free(missing);
	free(text);
	free(want);
}

/* A cut file plays what is there, then fails saying how much. */
static void test_truncated(void **state)
{
	char *wav = make_sine("whole.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 1.0, 0.5);
	char *flac = make_sine("whole.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 2, 1.0, 0.5);
	char *cut_wav = cut_file(wav, "cut.wav", 44 + 48000 * 4 / 2);
	struct player *p = start_player("wav", out_wav);
	struct player_event ev;
	struct stat st;
	char *cut_flac;
	double played;
	struct wav w;

	(void)state;
	assert_int_equal(stat(flac, &st), 0);
	cut_flac = cut_file(flac, "cut.flac", st.st_size / 2);
	assert_non_null(p);
	enqueue(p, 1, cut_wav, 0.0);
	enqueue(p, 2, cut_flac, 0.0);
	expect_event(p, &ev, PLAYER_START, 1);
	expect_event(p, &ev, PLAYER_END, 1);
	assert_int_equal(ev.status, PLAYER_FAILED);
	assert_string_equal(ev.reason, "truncated: played 0.500 of 1.000 s");
	assert_float_equal(ev.duration_s, 1.0, 1e-9);
	played = ev.played_s;
	expect_event(p, &ev, PLAYER_START, 2);
	expect_event(p, &ev, PLAYER_END, 2);
	assert_int_equal(ev.status, PLAYER_FAILED);
	assert_memory_equal(ev.reason, "truncated: played ", 18);
	assert_in_range((long)(ev.played_s * 1000), 100, 900);
	played += ev.played_s;
	player_stop(p, "test over");
	/* the partial audio is in the output */
	read_wav(out_wav, &w);
	assert_float_equal((double)w.frames, played * 48000, 1.0);
	assert_in_range(peak_of(&w, 0, w.frames), 16000, 16500);
	free(w.s);
	free(wav);
	free(flac);
	free(cut_wav);
	free(cut_flac);
}

/* Gain is a factor, levels are measured on what is written, and too much
 * gain clips rather than wraps. */
static void test_gain_and_levels(void **state)
{
	char *sine = make_sine("sine.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 0.3, 0.5);
	struct player *p = start_player("wav", out_wav);
	struct player_event ev[3];
	long len[3], at = 0;
	int jump = 0, clipped = 0;
	struct wav w;

	(void)state;
	assert_non_null(p);
	enqueue(p, 1, sine, 0.0);
	enqueue(p, 2, sine, -6.0);
	enqueue(p, 3, sine, 12.0);
	for (int k = 0; k < 3; k++) {
		expect_event(p, &ev[k], PLAYER_START, (uint64_t)k + 1);
		expect_event(p, &ev[k], PLAYER_END, (uint64_t)k + 1);
		assert_int_equal(ev[k].status, PLAYER_COMPLETE);
		len[k] = lround(ev[k].played_s * 48000);
	}
	assert_float_equal(ev[0].peak_dbfs, -6.02, 0.05);
	assert_float_equal(ev[0].rms_dbfs, -9.03, 0.05);
	assert_float_equal(ev[1].peak_dbfs, -12.02, 0.05);
	assert_float_equal(ev[1].rms_dbfs, -15.03, 0.05);
	assert_float_equal(ev[2].peak_dbfs, 0.0, 0.001);
	player_stop(p, "test over");

	read_wav(out_wav, &w);
	assert_int_equal(w.frames, len[0] + len[1] + len[2]);
	assert_float_equal((double)peak_of(&w, len[0], len[0] + len[1]) / peak_of(&w, 0, len[0]),
	                   0.5, 0.01);
	at = len[0] + len[1];
	for (long i = at * 2; i < w.frames * 2; i++) {
		if (w.s[i] == 32767 || w.s[i] == -32768)
			clipped++;
		if (i >= at * 2 + 2 && abs(w.s[i] - w.s[i - 2]) > jump)
			jump = abs(w.s[i] - w.s[i - 2]);
	}
	assert_true(clipped > len[2] / 2);
	/* a wrapped sample would jump by ~65535; a 1 kHz sine moves < 9000 */
	assert_in_range(jump, 1, 9000);
	free(w.s);
	free(sine);
}

static void test_null_driver(void **state)
{
	char *sine = make_sine("null.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 0.5, 0.5);
	struct player *p = start_player("null", NULL);
	struct player_event ev;
	double t0 = mono_s();

	(void)state;
	assert_non_null(p);
	enqueue(p, 7, sine, 0.0);
	expect_event(p, &ev, PLAYER_START, 7);
	expect_event(p, &ev, PLAYER_END, 7);
	assert_int_equal(ev.status, PLAYER_COMPLETE);
	assert_float_equal(ev.played_s, 0.5, 0.01);
	assert_true(mono_s() - t0 >= 0.4);
	player_stop(p, "test over");
	free(sine);
}

/* A device that will not open fails the item; the next one tries again. */
static void test_device_cannot_open(void **state)
{
	static const struct conf_option bad = {.key = "dev", .value = "loaxa-no-such-pcm"};
	char *sine = make_sine("dev.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 0.2, 0.5);
	struct player_config cfg = {
	    .driver = "alsa", .options = &bad, .noptions = 1, .rate = 48000, .channels = 2};
	struct player *p = player_start(&cfg);
	struct player_event ev;
	struct timespec first = {0};

	(void)state;
	if (!p) {
		free(sine);
		skip();
	}
	enqueue(p, 1, sine, 0.0);
	enqueue(p, 2, sine, 0.0);
	for (uint64_t k = 1; k <= 2; k++) {
		expect_event(p, &ev, PLAYER_END, k);
		assert_int_equal(ev.status, PLAYER_FAILED);
		assert_string_equal(ev.reason, "audio device: cannot open (driver alsa)");
		/* the second is tried when the first would have ended */
		if (k == 1)
			first = ev.start;
		else
			assert_true(util_ts_diff(ev.start, first) >= 0.2 - 0.005);
	}
	player_stop(p, "test over");
	free(sine);
}

/* A sink that stops taking samples: the item fails, the next re-opens. */
static void test_device_lost(void **state)
{
	char *sine = make_sine("lost.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 0.5, 0.5);
	struct player *p = start_player("raw", "/dev/full");
	struct player_event ev;

	(void)state;
	assert_non_null(p);
	enqueue(p, 1, sine, 0.0);
	enqueue(p, 2, sine, 0.0);
	for (uint64_t k = 1; k <= 2; k++) {
		assert_true(next_event(p, &ev, 10.0));
		if (ev.kind == PLAYER_START)
			assert_true(next_event(p, &ev, 10.0));
		assert_int_equal(ev.kind, PLAYER_END);
		assert_int_equal(ev.tag, k);
		assert_int_equal(ev.status, PLAYER_FAILED);
		assert_string_equal(ev.reason, "audio device lost");
		assert_true(ev.played_s < 0.5);
	}
	player_stop(p, "test over");
	free(sine);
}

/* More events than the pipe holds, none read until the end: all arrive,
 * in order. And the queue holds 64. */
static void test_events_and_queue(void **state)
{
	char *sine = make_sine("q.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 0.1, 0.5);
	char *missing = xasprintf("%s/none.wav", tmpdir);
	struct player *p = start_player("wav", out_wav);
	struct player_item held = {.tag = 1000, .path = sine};
	struct player_event ev;
	uint64_t tag = 0;

	(void)state;
	assert_non_null(p);
	for (int round = 0; round < 5; round++) {
		double t0 = mono_s();

		for (int i = 0; i < 64; i++)
			enqueue(p, ++tag, missing, 0.0);
		while (player_pending(p) > 0 && mono_s() - t0 < 10 * slack) {
			struct timespec ms = {0, 1000000};

			nanosleep(&ms, NULL);
		}
		assert_int_equal(player_pending(p), 0);
	}
	for (uint64_t k = 1; k <= tag; k++) {
		assert_true(player_read(p, &ev));
		assert_int_equal(ev.kind, PLAYER_END);
		assert_int_equal(ev.tag, k);
		assert_int_equal(ev.status, PLAYER_SKIPPED);
	}
	assert_int_equal(player_read(p, &ev), 0);

	held.at = util_now_real();
	held.at.tv_sec += 30;
	assert_int_equal(player_enqueue(p, &held), 0);
	nanosleep(&(struct timespec){0, 100000000}, NULL);
	/* the held item waits in the thread for its time, 64 can queue behind */
	for (int i = 0; i < 64; i++)
		assert_int_equal(player_enqueue(p, &held), 0);
	assert_int_equal(player_pending(p), 65);
	assert_int_equal(player_enqueue(p, &held), -1);
	player_flush(p, "enough");
	expect_event(p, &ev, PLAYER_END, 1000);
	assert_int_equal(ev.status, PLAYER_INTERRUPTED);
	assert_int_equal(player_pending(p), 0);
	assert_false(next_event(p, &ev, 0.1));
	player_stop(p, "test over");
	free(sine);
	free(missing);
}

/*
 * A 16-bit file in the output format is written as it is at 0 dB, and
 * scaled with rounding and clipping otherwise; a float file with the same
 * samples comes out the same to within one step, and the levels in the
 * events are those of what was written. The quiet file takes gain without
 * clipping, the loud ones clip.
 */
static void test_exact_samples_and_gain(void **state)
{
	enum { FRAMES = 24007, F = 3 };
	static const double gains[] = {0.0, -6.0, 3.5, 0.1};
	enum { G = sizeof gains / sizeof gains[0] };
	int16_t *noise[F] = {make_noise(FRAMES), make_noise(FRAMES), make_noise(FRAMES)};
	char *paths[F];
	struct player *p = start_player("wav", out_wav);
	struct player_event ev[F][G];
	uint64_t tag = 0;
	struct wav w;

	(void)state;
	for (long i = 0; i < 2L * FRAMES; i++)
		noise[2][i] = (int16_t)(noise[2][i] / 2);
	paths[0] = write_noise("n16.wav", SF_FORMAT_PCM_16, noise[0], FRAMES);
	paths[1] = write_noise("nf.wav", SF_FORMAT_FLOAT, noise[1], FRAMES);
	paths[2] = write_noise("q16.wav", SF_FORMAT_PCM_16, noise[2], FRAMES);
	assert_non_null(p);
	for (int f = 0; f < F; f++)
		for (int g = 0; g < G; g++)
			enqueue(p, ++tag, paths[f], gains[g]);
	for (int f = 0; f < F; f++) {
		for (int g = 0; g < G; g++) {
			expect_event(p, &ev[f][g], PLAYER_START, (uint64_t)(f * G + g + 1));
			expect_event(p, &ev[f][g], PLAYER_END, (uint64_t)(f * G + g + 1));
			assert_int_equal(ev[f][g].status, PLAYER_COMPLETE);
			assert_float_equal(ev[f][g].played_s, (double)FRAMES / 48000, 1e-9);
		}
	}
	player_stop(p, "test over");

	read_wav(out_wav, &w);
	assert_int_equal(w.frames, F * G * FRAMES);
	for (int f = 0; f < F; f++) {
		for (int g = 0; g < G; g++) {
			const int16_t *out = w.s + 2 * (long)FRAMES * (f * G + g);
			double k = pow(10.0, gains[g] / 20.0), sumsq = 0;
			int peak = 0, worst = 0, clipped = 0;

			for (long i = 0; i < 2L * FRAMES; i++) {
				double exact = round(noise[f][i] * k);
				double want = fmin(fmax(exact, -32768), 32767);
				int err = abs(out[i] - (int)want);

				clipped += want != exact;
				worst = err > worst ? err : worst;
				peak = abs(out[i]) > peak ? abs(out[i]) : peak;
				sumsq += (double)out[i] * out[i];
			}
			if (gains[g] == 0.0)
				assert_int_equal(worst, 0); /* bit for bit */
			else
				assert_in_range(worst, 0, 1);
			if (f == 2)
				assert_int_equal(clipped, 0);
			else if (gains[g] > 0)
				assert_true(clipped > 0);
			assert_float_equal(ev[f][g].peak_dbfs, 20 * log10(peak / 32768.0), 1e-6);
			assert_float_equal(ev[f][g].rms_dbfs,
			                   20 * log10(sqrt(sumsq / (2.0 * FRAMES)) / 32768.0),
			                   1e-6);
		}
	}
	/* +3.5 dB clips the loudest samples rather than wrapping them */
	assert_int_equal(w.s[2 * (long)FRAMES * 2], -32768);
	assert_int_equal(w.s[2 * (long)FRAMES * 2 + 1], 32767);
	free(w.s);
	for (int f = 0; f < F; f++) {
		free(noise[f]);
		free(paths[f]);
	}
}

/*
 * On a file driver the player writes behind its clock: an interrupt cuts
 * the item at the moment it comes, not a block or a write-ahead later, and
 * the level is that of what was written. The thread wakes a few times a
 * second while it plays, not once per 20 ms block.
 */
static void test_cut_on_time(void **state)
{
	enum { FRAMES = 96000 };
	int16_t *s = make_noise(FRAMES);
	char *path;
	struct player *p = start_player("wav", out_wav);
	struct player_event ev;
	struct timespec wait = {0, 210000000};
	struct timespec start_at, flush_at;
	double quiet_dbfs = 20 * log10(3276.0 / 32768.0);
	long sleeps;
	struct wav w;

	(void)state;
	/* quiet (peak 3276) for 0.28 s, full scale after that */
	for (long i = 0; i < 2L * FRAMES; i++)
		if (i < 2L * 13440)
			s[i] = (int16_t)(s[i] / 10);
	s[0] = -3276;
	path = write_noise("cut.wav", SF_FORMAT_PCM_16, s, FRAMES);
	assert_non_null(p);

	sleeps = other_threads_sleeps();
	enqueue(p, 1, path, 0.0);
	expect_event(p, &ev, PLAYER_START, 1);
	expect_event(p, &ev, PLAYER_END, 1);
	assert_int_equal(ev.status, PLAYER_COMPLETE);
	sleeps = other_threads_sleeps() - sleeps;
	print_message("# playback thread slept %ld times in 2 s\n", sleeps);
	if (!slow_cpu)
		assert_in_range(sleeps, 1, 30);

	enqueue(p, 2, path, 0.0);
	expect_event(p, &ev, PLAYER_START, 2);
	/* from the item's own start, not from when the event was read: that
	 * comes later by however long the test thread took to wake */
	start_at = ev.start;
	nanosleep(&wait, NULL);
	flush_at = util_now_real();
	player_flush(p, "cut");
	expect_event(p, &ev, PLAYER_END, 2);
	assert_int_equal(ev.status, PLAYER_INTERRUPTED);
	/* START went out as the item began; what played is what had been due */
	assert_true(ev.played_s >= util_ts_diff(flush_at, start_at) - 0.001);
	assert_true(ev.played_s <= util_ts_diff(flush_at, start_at) + 0.020 * slack);
	if (ev.played_s < 0.275)
		assert_float_equal(ev.peak_dbfs, quiet_dbfs, 0.01);
	else
		print_message("# cut late (%.3f s): level not checked\n", ev.played_s);
	player_stop(p, "test over");

	read_wav(out_wav, &w);
	assert_int_equal(w.frames, FRAMES + lround(ev.played_s * 48000));
	free(w.s);
	free(s);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_formats_back_to_back),
	    cmocka_unit_test(test_pacing_and_start_time),
	    cmocka_unit_test(test_flush),
	    cmocka_unit_test(test_missing_and_not_audio),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_gain_and_levels),
	    cmocka_unit_test(test_null_driver),
	    cmocka_unit_test(test_device_cannot_open),
	    cmocka_unit_test(test_device_lost),
	    cmocka_unit_test(test_events_and_queue),
	    cmocka_unit_test(test_exact_samples_and_gain),
	    cmocka_unit_test(test_cut_on_time),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
