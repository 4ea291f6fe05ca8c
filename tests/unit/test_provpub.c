/*
 * Unit tests of provpub: ids from file names, sidecars, measurement of
 * generated audio, and a manifest the stations' own parser accepts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "provpub.h"
#include "util.h"

static char tmpdir[] = "/tmp/loaxa-provpub.XXXXXX";

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int r;

	(void)state;
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

/* A sine of the given peak amplitude, written with libsndfile. */
static char *write_sine(const char *name, int format, int rate, int channels, double seconds,
                        double freq, double amp)
{
	SF_INFO info = {.samplerate = rate, .channels = channels, .format = format};
	char *path = xasprintf("%s/%s", tmpdir, name);
	sf_count_t frames = (sf_count_t)llround(seconds * rate);
	float *buf = xcalloc((size_t)(frames * channels) + 1, sizeof *buf);
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);

	assert_non_null(sf);
	for (sf_count_t i = 0; i < frames; i++)
		for (int c = 0; c < channels; c++)
			buf[i * channels + c] =
			    (float)(amp * sin(2 * M_PI * freq * (double)i / rate));
	assert_int_equal(sf_writef_float(sf, buf, frames), frames);
	sf_close(sf);
	free(buf);
	return path;
}

static void test_id_from_name(void **state)
{
	static const char *const bad[] = {
	    "noext",     ".hidden.wav", "a..b.wav", "bản-tin.ogg", "x.w@v", "-x.wav",
	    "_x.wav",    "a b.wav",     "a/b.wav",  "x.",          ".wav",  "x.waaaaaaaaaaaaaaav",
	    "tin\n.wav",
	};
	const char *why;
	char *id, *ext, *name;

	(void)state;
	assert_int_equal(provpub_id_from_name("Ban-Tin.OGG", &id, &ext, &why), 0);
	assert_string_equal(id, "ban-tin");
	assert_string_equal(ext, "ogg");
	free(id);
	free(ext);
	assert_int_equal(provpub_id_from_name("tin_2026.11.27.flac", &id, &ext, &why), 0);
	assert_string_equal(id, "tin_2026.11.27");
	assert_string_equal(ext, "flac");
	free(id);
	free(ext);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		assert_int_equal(provpub_id_from_name(bad[i], &id, &ext, &why), -1);
		assert_non_null(why);
		assert_null(id);
		assert_null(ext);
	}
	/* 128 characters is the longest id the stations take. */
	name = xasprintf("%0128d.wav", 0);
	assert_int_equal(provpub_id_from_name(name, &id, &ext, &why), 0);
	free(id);
	free(ext);
	free(name);
	name = xasprintf("%0129d.wav", 0);
	assert_int_equal(provpub_id_from_name(name, &id, &ext, &why), -1);
	free(name);
}

static void test_stations(void **state)
{
	struct provpub_meta m = {0};

	(void)state;
	assert_true(provpub_station_ok("*"));
	assert_true(provpub_station_ok("tan-quang"));
	assert_true(provpub_station_ok("x9"));
	assert_false(provpub_station_ok(""));
	assert_false(provpub_station_ok("-x"));
	assert_false(provpub_station_ok("Tan-Quang"));
	assert_false(provpub_station_ok("tan_quang"));
	assert_false(provpub_station_ok("**"));

	assert_int_equal(provpub_parse_stations("tan-quang, an-binh", &m), 0);
	assert_int_equal(m.nstations, 2);
	assert_string_equal(m.stations[0], "tan-quang");
	assert_string_equal(m.stations[1], "an-binh");
	assert_int_equal(provpub_parse_stations("", &m), -1);
	assert_int_equal(provpub_parse_stations("a,Bad", &m), -1);
	/* A failed parse leaves the earlier list. */
	assert_int_equal(m.nstations, 2);
	provpub_meta_free(&m);
}

static int sidecar(const char *json, bool schedule, struct provpub_meta *m, struct diag *d)
{
	return provpub_parse_sidecar(json, strlen(json), "x.json", schedule, m, d);
}

static void test_sidecar(void **state)
{
	static const char *const bad[] = {
	    "[]",
	    "{\"title\": 3}",
	    "{\"title\": \"\"}",
	    "{\"title\": \"two\\nlines\"}",
	    "{\"class\": \"urgent\"}",
	    "{\"valid_until\": \"2026-02-30\"}",
	    "{\"valid_until\": \"26-02-03\"}",
	    "{\"stations\": []}",
	    "{\"stations\": \"*\"}",
	    "{\"stations\": [\"Tan Quang\"]}",
	    "{\"stations\": [1]}",
	    "{\"klass\": \"normal\"}",
	    "{\"title\": \"a\", \"title\": \"b\"}",
	};
	struct provpub_meta m = {0};
	struct diag d = {0};

	(void)state;
	assert_int_equal(sidecar("{\"title\": \"Bản tin sáng\", \"class\": \"emergency\", "
	                         "\"valid_until\": \"2028-02-29\", \"stations\": [\"tan-quang\", "
	                         "\"*\"]}",
	                         false, &m, &d),
	                 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(m.title, "Bản tin sáng");
	assert_string_equal(m.klass, "emergency");
	assert_string_equal(m.valid_until, "2028-02-29");
	assert_int_equal(m.nstations, 2);
	provpub_meta_free(&m);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(sidecar(bad[i], false, &m, &d), -1);
		assert_true(d.n > 0);
		assert_true(strncmp(d.msgs[0], "x.json", 6) == 0);
		diag_free(&d);
		provpub_meta_free(&m);
	}
	/* A syntax error carries its line. */
	assert_int_equal(sidecar("{\n\"title\": \"x\",\n}", false, &m, &d), -1);
	assert_int_equal(d.n, 1);
	assert_true(strncmp(d.msgs[0], "x.json:3: ", 10) == 0);
	diag_free(&d);
	/* A schedule's sidecar has stations and nothing else. */
	assert_int_equal(sidecar("{\"stations\": [\"an-binh\"]}", true, &m, &d), 0);
	assert_int_equal(sidecar("{\"title\": \"x\"}", true, &m, &d), -1);
	diag_free(&d);
	provpub_meta_free(&m);
}

static void test_measure(void **state)
{
	double dur = 0, lufs = 0, peak = 0;
	char err[256], *p;

	(void)state;
	/* EBU Tech 3341 case 1: a stereo 1 kHz sine at -23 dBFS reads -23 LUFS;
	 * -20 dBFS then reads -20. */
	p = write_sine("stereo.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 2.5, 1000, 0.1);
	assert_int_equal(provpub_measure(p, &dur, &lufs, &peak, err, sizeof err), 0);
	assert_float_equal(dur, 2.5, 1e-9);
	assert_float_equal(lufs, -20.0, 0.15);
	assert_float_equal(lufs * 10, round(lufs * 10), 1e-9);
	/* amplitude 0.1 peaks at -20 dBFS */
	assert_float_equal(peak, -20.0, 0.15);
	free(p);
	/* Mono is measured as it sounds on both output channels. */
	p = write_sine("mono.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 1, 1.25, 1000, 0.1);
	assert_int_equal(provpub_measure(p, &dur, &lufs, &peak, err, sizeof err), 0);
	assert_float_equal(dur, 1.25, 1e-9);
	assert_float_equal(lufs, -20.0, 0.15);
	free(p);
	/* Duration to the millisecond, whatever the rate. */
	p = write_sine("odd.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 22050, 1, 0.7777, 440, 0.5);
	assert_int_equal(provpub_measure(p, &dur, &lufs, &peak, err, sizeof err), 0);
	assert_float_equal(dur, 0.778, 1e-9);
	free(p);
	/* Silence has no loudness. */
	p = write_sine("silence.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, 1.0, 0, 0);
	assert_int_equal(provpub_measure(p, &dur, &lufs, &peak, err, sizeof err), 0);
	assert_true(isnan(lufs));
	assert_true(isnan(peak));
	free(p);
	/* No frames, not audio, not there. */
	p = write_sine("empty.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, 0, 0, 0);
	assert_int_equal(provpub_measure(p, &dur, &lufs, &peak, err, sizeof err), -1);
	assert_non_null(strstr(err, "no audio"));
	free(p);
	p = xasprintf("%s/text.wav", tmpdir);
	assert_int_equal(util_write_atomic(p, "not audio at all", 16, 0644), 0);
	assert_int_equal(provpub_measure(p, &dur, &lufs, &peak, err, sizeof err), -1);
	assert_non_null(strstr(err, "libsndfile"));
	free(p);
	assert_int_equal(provpub_measure("/nonexistent/x.wav", &dur, &lufs, &peak, err, sizeof err),
	                 -1);
}

static void test_previous(void **state)
{
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{}",
	    "{\"version\": 0}",
	    "{\"version\": -3}",
	    "{\"version\": \"7\"}",
	    "{\"version\": 1.5}",
	    "{\"version\": 7",
	};
	const char *why;
	char *prov = NULL;
	const char *good = "{\"version\": 41, \"province\": \"bac-giang\"}";
	uint64_t v = 0;

	(void)state;
	assert_int_equal(provpub_previous(good, strlen(good), &v, &prov, &why), 0);
	assert_int_equal(v, 41);
	assert_string_equal(prov, "bac-giang");
	free(prov);
	assert_int_equal(provpub_previous("{\"version\": 3}", 14, &v, &prov, &why), 0);
	assert_null(prov);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		assert_int_equal(provpub_previous(bad[i], strlen(bad[i]), &v, &prov, &why), -1);
		assert_non_null(why);
	}
}

/* 64 hex digits: head, zeros, tail. */
static void fake_sha256(char out[65], const char *head, const char *tail)
{
	memset(out, '0', 64);
	memcpy(out, head, 2);
	memcpy(out + 62, tail, 2);
	out[64] = '\0';
}

static void test_manifest_json(void **state)
{
	char *everyone[] = {"*"}, *two[] = {"tan-quang", "an-binh"};
	struct provpub_programme progs[2] = {
	    {.id = "ban-tin-giam-ngheo",
	     .ext = "ogg",
	     .bytes = 1834567,
	     .duration_s = 312.456,
	     .loudness_lufs = -18.2,
	     .meta = {.title = "Bản tin giảm nghèo",
	              .klass = "priority",
	              .valid_until = "2099-12-04",
	              .stations = two,
	              .nstations = 2}},
	    {.id = "nhac-hieu", .ext = "wav", .bytes = 44, .duration_s = 3.0, .loudness_lufs = NAN},
	};
	struct provpub_schedule sched = {
	    .bytes = 812,
	    .meta = {.stations = everyone, .nstations = 1},
	};
	time_t now = time(NULL);
	struct provpub_manifest pm = {
	    .province = "bac-giang",
	    .version = 42,
	    .issued = now,
	    .expires = now + 14 * 86400,
	    .programmes = progs,
	    .nprogrammes = 2,
	    .schedules = &sched,
	    .nschedules = 1,
	};
	struct manifest_check chk = {.station_id = "an-binh", .now = now, .clock_trusted = true};
	struct diag why = {0};
	struct manifest m;
	char *text;

	(void)state;
	fake_sha256(progs[0].sha256, "9f", "e2");
	fake_sha256(progs[1].sha256, "01", "0a");
	fake_sha256(sched.sha256, "41", "7c");
	text = provpub_manifest_json(&pm);
	assert_non_null(strstr(text, "\"loudness_lufs\": -18.2,"));
	assert_non_null(strstr(text, "\"duration_s\": 312.456,"));
	assert_non_null(strstr(text, "\"duration_s\": 3.0,"));
	assert_non_null(strstr(text, "Bản tin giảm nghèo"));
	assert_int_equal(text[strlen(text) - 1], '\n');

	assert_int_equal(manifest_parse(&m, text, strlen(text), "manifest.json", &chk, &why), 0);
	assert_int_equal(m.version, 42);
	assert_string_equal(m.province, "bac-giang");
	assert_int_equal(m.issued, now);
	assert_int_equal(m.expires, now + 14 * 86400);
	assert_int_equal(m.nprogrammes, 2);
	assert_string_equal(m.programmes[0].id, "ban-tin-giam-ngheo");
	assert_string_equal(m.programmes[0].klass, "priority");
	assert_string_equal(m.programmes[0].path, "programmes/9f000000000000000000000000000000"
	                                          "000000000000000000000000000000e2.ogg");
	assert_int_equal(m.programmes[0].bytes, 1834567);
	assert_float_equal(m.programmes[0].loudness_lufs, -18.2, 1e-12);
	assert_true(m.programmes[0].for_station);
	assert_string_equal(m.programmes[1].title, "nhac-hieu");
	assert_string_equal(m.programmes[1].klass, "normal");
	assert_true(isnan(m.programmes[1].loudness_lufs));
	assert_int_equal(m.nschedules, 1);
	assert_int_equal(m.schedules[0].bytes, 812);
	manifest_free(&m);

	/* The same programme for other stations only is not this one's. */
	chk.station_id = "xa-khac";
	assert_int_equal(manifest_parse(&m, text, strlen(text), "manifest.json", &chk, &why), 0);
	assert_false(m.programmes[0].for_station);
	assert_true(m.programmes[1].for_station);
	manifest_free(&m);
	free(text);
}

static void test_trusted_comment(void **state)
{
	char *tc = provpub_trusted_comment(1795667497, 42);

	(void)state;
	assert_string_equal(tc, "timestamp:1795667497 file:manifest.json version:42");
	free(tc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_id_from_name),    cmocka_unit_test(test_stations),
	    cmocka_unit_test(test_sidecar),         cmocka_unit_test(test_measure),
	    cmocka_unit_test(test_previous),        cmocka_unit_test(test_manifest_json),
	    cmocka_unit_test(test_trusted_comment),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
