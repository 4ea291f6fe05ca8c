/*
 * Unit tests for webfile: safe names from what a browser sends (Vietnamese
 * folded, paths cut, nothing hidden), and storing an upload: real audio
 * kept under a name of its own, never replacing a file; what is not audio,
 * cut short or silent refused with the reason and removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "webfile.h"

static char dir[] = "/tmp/loaxa-test-webfile.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	(void)state;
	while (d && (de = readdir(d)))
		unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

static void name_is(const char *given, const char *ext, const char *want)
{
	char out[WEBFILE_NAME_MAX + 16];

	webfile_safe_name(given, ext, out, sizeof out);
	if (strcmp(out, want) != 0)
		fail_msg("\"%s\" gave \"%s\", want \"%s\"", given, out, want);
}

static void test_safe_name(void **state)
{
	char out[8];

	(void)state;
	name_is("Thông báo Xã.MP3", ".mp3", "thong-bao-xa.mp3");
	name_is("Bản tin giảm nghèo – số 3.wav", ".wav", "ban-tin-giam-ngheo-so-3.wav");
	name_is("ĐƯỜNG LÀNG ỔN ĐỊNH.ogg", ".ogg", "duong-lang-on-dinh.ogg");
	name_is("Trường học Ỹ Ỷ ỳ.flac", ".flac", "truong-hoc-y-y-y.flac");
	/* decomposed (combining marks) as some phones send it */
	name_is("Tha\xcc\x82ng", ".wav", "thang.wav");
	name_is("../../etc/passwd", ".wav", "passwd.wav");
	name_is("C:\\Users\\Lan\\Ghi âm 1.m4a", ".wav", "ghi-am-1.wav");
	name_is(".hidden.wav", ".wav", "hidden.wav");
	name_is("--x--.wav", ".wav", "x.wav");
	name_is("a..b.wav", ".wav", "a..b.wav");
	name_is("", ".wav", "recording.wav");
	name_is("😀.wav", ".wav", "recording.wav");
	name_is("bad\xff\xfe.wav", ".wav", "bad.wav");
	name_is("noext", ".opus", "noext.opus");
	{
		char longname[300];

		memset(longname, 'a', 250);
		strcpy(longname + 250, ".wav");
		webfile_safe_name(longname, ".wav", out, sizeof out);
		assert_true(strlen(out) < sizeof out);
		char big[WEBFILE_NAME_MAX + 16];

		webfile_safe_name(longname, ".wav", big, sizeof big);
		assert_int_equal(strlen(big), WEBFILE_NAME_MAX);
		assert_string_equal(big + WEBFILE_NAME_MAX - 4, ".wav");
	}
}

/* An upload as loaxa-web receives it: a temporary file in dir. */
static char *upload(const void *bytes, size_t n)
{
	char *tmp;
	int fd = webfile_begin(dir, &tmp);

	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, bytes, n), 0);
	close(fd);
	return tmp;
}

static char *wav_bytes(double seconds, int rate, size_t *n)
{
	char path[] = "/tmp/loaxa-test-wav.XXXXXX";
	SF_INFO info = {
	    .samplerate = rate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	int fd = mkstemp(path);
	SNDFILE *f = sf_open_fd(fd, SFM_WRITE, &info, 1);
	long frames = (long)(seconds * rate);
	short *pcm = calloc((size_t)frames + 1, sizeof *pcm);
	char *buf;

	for (long i = 0; i < frames; i++)
		pcm[i] = (short)((i % 100) * 100);
	sf_writef_short(f, pcm, frames);
	sf_close(f);
	free(pcm);
	assert_int_equal(util_read_file(path, 1 << 24, &buf, n), 0);
	unlink(path);
	return buf;
}

static bool exists(const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	bool ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

static void test_store(void **state)
{
	struct webfile_info info;
	char why[300], *tmp, *wav;
	size_t n;
	struct webfile_entry *list;
	size_t count;

	(void)state;
	wav = wav_bytes(1.5, 16000, &n);
	tmp = upload(wav, n);
	assert_int_equal(webfile_store(dir, tmp, "Thông báo.mp3", &info, why, sizeof why), 0);
	/* its format names it, not what it was called */
	assert_string_equal(info.name, "thong-bao.wav");
	assert_string_equal(info.format, "WAV");
	assert_int_equal(info.rate, 16000);
	assert_int_equal(info.channels, 1);
	assert_true(info.duration_s > 1.49 && info.duration_s < 1.51);
	assert_false(exists(strrchr(tmp, '/') + 1));
	free(tmp);
	/* the same name again: another name, the first file untouched */
	tmp = upload(wav, n);
	assert_int_equal(webfile_store(dir, tmp, "thong bao.wav", &info, why, sizeof why), 0);
	assert_string_equal(info.name, "thong-bao-2.wav");
	free(tmp);

	/* not audio */
	tmp = upload("hello, this is text\n", 20);
	assert_int_equal(webfile_store(dir, tmp, "x.mp3", &info, why, sizeof why), -1);
	assert_non_null(strstr(why, "not an audio file"));
	assert_false(exists(strrchr(tmp, '/') + 1));
	free(tmp);
	/* cut short */
	tmp = upload(wav, n / 2);
	assert_int_equal(webfile_store(dir, tmp, "cut.wav", &info, why, sizeof why), -1);
	assert_non_null(strstr(why, "cut short after 0.7 s"));
	assert_false(exists("cut.wav"));
	free(tmp);
	/* a header and no sound */
	tmp = upload(wav, 44);
	assert_int_equal(webfile_store(dir, tmp, "empty.wav", &info, why, sizeof why), -1);
	assert_false(exists("empty.wav"));
	free(tmp);
	free(wav);

	/* a left-over temporary file (a crash) goes at the next start */
	tmp = upload("x", 1);
	webfile_clean(dir);
	assert_false(exists(strrchr(tmp, '/') + 1));
	free(tmp);

	count = webfile_list(dir, &list);
	assert_int_equal(count, 2);
	assert_string_equal(list[0].name, "thong-bao-2.wav");
	assert_string_equal(list[1].name, "thong-bao.wav");
	assert_true(list[1].duration_s > 1.49);
	webfile_list_free(list, count);
	assert_true(webfile_exists(dir, "thong-bao.wav"));
	assert_false(webfile_exists(dir, "../thong-bao.wav"));
	assert_false(webfile_exists(dir, ".upload-x"));
	assert_false(webfile_exists(dir, "nope.wav"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_safe_name),
	    cmocka_unit_test(test_store),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
