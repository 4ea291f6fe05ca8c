/*
 * Unit tests for airlog: the exact bytes of each kind of line, the hash
 * chain across days and restarts, repair of a torn tail, parsing back, and
 * a write that fails half-way (RLIMIT_FSIZE gives a real short write).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "airlog.h"
#include "util.h"
#include "testlib.h"

static char tmpdir[] = "/tmp/loaxa-test-airlog.XXXXXX";
static char *logdir;

#define HASH_A "9f2c1e0a7b3d5f4e6a8c9b0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9ee2"
#define PREV_A "4b227777d4dd1fc61c6f884f48641d02b4d121d3fd328cb08b5531fcacdabf8a"

static int group_setup(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	testlib_rm_rf(tmpdir);
	return 0;
}

/* Each test gets a fresh log folder that does not exist yet. */
static int setup(void **state)
{
	static int n;

	(void)state;
	logdir = xasprintf("%s/t%d/airlog", tmpdir, ++n);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(logdir);
	return 0;
}

static struct timespec at(const char *iso)
{
	struct timespec ts;

	if (util_parse_time(iso, &ts) < 0)
		fail_msg("bad time %s", iso);
	return ts;
}

static struct airlog_entry play_entry(void)
{
	struct airlog_entry e = {
	    .type = AIRLOG_PLAY,
	    .station = "tan-quang",
	    .programme = "ban-tin-giam-ngheo-2026-11-27",
	    .sha256 = HASH_A,
	    .slot = "Bản tin sáng",
	    .priority = "normal",
	    .scheduled = at("2026-11-27T05:30:00+07:00"),
	    .start = at("2026-11-27T05:30:00.004+07:00"),
	    .end = at("2026-11-27T05:35:12.460+07:00"),
	    .played_s = 312.4561,
	    .duration_s = 312.5,
	    .status = "complete",
	    .peak_dbfs = -1.23,
	    .rms_dbfs = -19.8,
	    .clock_synced = true,
	};

	return e;
}

static struct airlog_entry start_entry(const char *when)
{
	struct airlog_entry e = {
	    .type = AIRLOG_START,
	    .station = "tan-quang",
	    .version = "0.1.0",
	    .time = at(when),
	};

	return e;
}

static char *read_all(const char *path)
{
	char *buf;
	size_t len;

	if (util_read_file(path, 1 << 20, &buf, &len) < 0)
		return NULL;
	return buf;
}

static char *day_path(const char *date)
{
	return xasprintf("%s/%s.jsonl", logdir, date);
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : st.st_size;
}

/* Lines of the given day files, in order, each with its '\n'. */
static size_t collect(const char *const *dates, char ***out)
{
	char **lines = NULL;
	size_t n = 0;

	for (size_t i = 0; dates[i]; i++) {
		char *path = day_path(dates[i]);
		char *text = read_all(path);
		char *p = text;

		assert_non_null(text);
		while (*p) {
			char *nl = strchr(p, '\n');

			assert_non_null(nl);
			lines = xreallocarray(lines, n + 1, sizeof *lines);
			lines[n] = xmalloc((size_t)(nl - p) + 2);
			memcpy(lines[n], p, (size_t)(nl - p) + 1);
			lines[n][nl - p + 1] = '\0';
			n++;
			p = nl + 1;
		}
		free(text);
		free(path);
	}
	*out = lines;
	return n;
}

static void free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* seq runs 1..n without a gap and every prev is the hash of the line before. */
static void assert_chain(char **lines, size_t n)
{
	char prev[65] = AIRLOG_ZERO_PREV;

	for (size_t i = 0; i < n; i++) {
		struct airlog_record r;

		assert_int_equal(airlog_parse_line(lines[i], strlen(lines[i]), &r), 0);
		assert_int_equal(r.e.seq, i + 1);
		assert_string_equal(r.e.prev, prev);
		airlog_chain_hash(lines[i], strlen(lines[i]), prev);
		airlog_record_free(&r);
	}
}

/* --- formatting --------------------------------------------------------- */

static void test_format_play(void **state)
{
	struct airlog_entry e = play_entry();
	char *line;

	(void)state;
	line = airlog_format_line(&e, 17, PREV_A);
	assert_string_equal(
	    line, "{\"seq\":17,\"prev\":\"" PREV_A "\",\"type\":\"play\",\"station\":\"tan-quang\","
	          "\"programme\":\"ban-tin-giam-ngheo-2026-11-27\",\"sha256\":\"" HASH_A "\","
	          "\"slot\":\"Bản tin sáng\",\"priority\":\"normal\","
	          "\"scheduled\":\"2026-11-27T05:30:00+07:00\","
	          "\"start\":\"2026-11-27T05:30:00.004+07:00\","
	          "\"end\":\"2026-11-27T05:35:12.460+07:00\",\"played_s\":312.456,"
	          "\"duration_s\":312.5,\"status\":\"complete\",\"reason\":null,"
	          "\"peak_dbfs\":-1.2,\"rms_dbfs\":-19.8,\"clock\":\"synced\"}\n");
	free(line);
}

static void test_format_file_item(void **state)
{
	struct airlog_entry e = play_entry();
	char *line;

	(void)state;
	e.programme = NULL;
	e.file = "thong-bao-xa.ogg";
	e.scheduled.tv_sec = 0;
	e.start = at("2026-11-27T17:02:03.5+07:00");
	e.end = at("2026-11-27T17:02:04+07:00");
	e.played_s = 0.5;
	e.duration_s = NAN;
	e.status = "interrupted";
	e.reason = "emergency \"bão số 3\"\nline";
	e.priority = "priority";
	e.peak_dbfs = -INFINITY;
	e.rms_dbfs = -INFINITY;
	e.clock_synced = false;
	line = airlog_format_line(&e, 1, AIRLOG_ZERO_PREV);
	assert_string_equal(
	    line, "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"play\","
	          "\"station\":\"tan-quang\",\"programme\":null,\"file\":\"thong-bao-xa.ogg\","
	          "\"sha256\":\"" HASH_A "\",\"slot\":\"Bản tin sáng\",\"priority\":\"priority\","
	          "\"scheduled\":null,\"start\":\"2026-11-27T17:02:03.500+07:00\","
	          "\"end\":\"2026-11-27T17:02:04.000+07:00\",\"played_s\":0.5,"
	          "\"duration_s\":null,\"status\":\"interrupted\","
	          "\"reason\":\"emergency \\\"bão số 3\\\"\\nline\",\"peak_dbfs\":null,"
	          "\"rms_dbfs\":null,\"clock\":\"unsynced\"}\n");
	free(line);

	/* a file path keeps its slashes; a skipped item has no hash nor times */
	e.file = "/srv/audio/a.wav";
	e.sha256 = "";
	e.start.tv_sec = e.end.tv_sec = 0;
	e.played_s = 0;
	e.duration_s = 300;
	line = airlog_format_line(&e, 2, PREV_A);
	assert_non_null(
	    strstr(line, "\"programme\":null,\"file\":\"/srv/audio/a.wav\",\"sha256\":null,"));
	assert_non_null(strstr(line, "\"start\":null,\"end\":null,\"played_s\":0.0,"
	                             "\"duration_s\":300.0,"));
	free(line);
}

static void test_format_relay(void **state)
{
	struct airlog_entry e = play_entry();
	struct airlog_record r;
	char *line;

	(void)state;
	e.programme = NULL;
	e.sha256 = NULL;
	e.relay = "vov1";
	e.relayed_s = 1790.5;
	e.fallback_s = 9.5;
	line = airlog_format_line(&e, 18, PREV_A);
	assert_non_null(strstr(line, "\"programme\":null,\"relay\":\"vov1\",\"sha256\":null,"));
	assert_non_null(strstr(line, "\"rms_dbfs\":-19.8,\"relayed_s\":1790.5,\"fallback_s\":9.5,"
	                             "\"clock\":\"synced\"}\n"));
	assert_int_equal(airlog_parse_line(line, strlen(line), &r), 0);
	assert_string_equal(r.e.relay, "vov1");
	assert_true(r.e.relayed_s == 1790.5 && r.e.fallback_s == 9.5);
	airlog_record_free(&r);
	free(line);

	/* the switch line */
	e = (struct airlog_entry){.type = AIRLOG_SWITCH,
	                          .station = "tan-quang",
	                          .relay = "vov1",
	                          .slot = "Tiếp sóng",
	                          .priority = "normal",
	                          .to = "fallback",
	                          .reason = "stream stalled",
	                          .clock_synced = true};
	util_parse_time("2026-11-27T11:42:10.2+07:00", &e.time);
	line = airlog_format_line(&e, 19, PREV_A);
	assert_string_equal(line,
	                    "{\"seq\":19,\"prev\":\"" PREV_A "\",\"type\":\"switch\","
	                    "\"station\":\"tan-quang\",\"relay\":\"vov1\",\"slot\":\"Tiếp sóng\","
	                    "\"priority\":\"normal\",\"time\":\"2026-11-27T11:42:10.200+07:00\","
	                    "\"to\":\"fallback\",\"reason\":\"stream stalled\","
	                    "\"clock\":\"synced\"}\n");
	assert_int_equal(airlog_parse_line(line, strlen(line), &r), 0);
	assert_int_equal(r.e.type, AIRLOG_SWITCH);
	assert_string_equal(r.e.to, "fallback");
	assert_string_equal(r.e.relay, "vov1");
	airlog_record_free(&r);
	free(line);
}

static void test_parse_relay_rejects(void **state)
{
	static const char *const bad[] = {
	    /* a switch line without its relay, with a bad "to", without time */
	    "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"switch\",\"station\":\"s\","
	    "\"time\":\"2026-11-27T11:00:00+07:00\",\"to\":\"relay\",\"clock\":\"synced\"}",
	    "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"switch\",\"station\":\"s\","
	    "\"relay\":\"r\",\"time\":\"2026-11-27T11:00:00+07:00\",\"to\":\"up\","
	    "\"clock\":\"synced\"}",
	    "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"switch\",\"station\":\"s\","
	    "\"relay\":\"r\",\"to\":\"relay\",\"clock\":\"synced\"}",
	};
	struct airlog_record r;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(airlog_parse_line(bad[i], strlen(bad[i]), &r), -1);
}

static void test_format_start_stop(void **state)
{
	struct airlog_entry e = start_entry("2026-11-27T04:59:58.123+07:00");
	char *line;

	(void)state;
	e.reason = "ignored on start";
	line = airlog_format_line(&e, 1, AIRLOG_ZERO_PREV);
	assert_string_equal(line,
	                    "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"start\","
	                    "\"station\":\"tan-quang\","
	                    "\"time\":\"2026-11-27T04:59:58.123+07:00\",\"version\":\"0.1.0\","
	                    "\"clock\":\"unsynced\"}\n");
	free(line);

	e.type = AIRLOG_STOP;
	e.reason = "SIGTERM";
	e.clock_synced = true;
	line = airlog_format_line(&e, 2, PREV_A);
	assert_string_equal(line,
	                    "{\"seq\":2,\"prev\":\"" PREV_A "\",\"type\":\"stop\","
	                    "\"station\":\"tan-quang\","
	                    "\"time\":\"2026-11-27T04:59:58.123+07:00\",\"version\":\"0.1.0\","
	                    "\"clock\":\"synced\",\"reason\":\"SIGTERM\"}\n");
	free(line);

	e.reason = NULL;
	line = airlog_format_line(&e, 3, PREV_A);
	assert_null(strstr(line, "reason"));
	assert_non_null(strstr(line, "\"clock\":\"synced\"}\n"));
	free(line);
}

static void test_format_bad_utf8(void **state)
{
	struct airlog_entry e = play_entry();
	struct airlog_record r;
	char *line;

	(void)state;
	e.slot = "B\xe1n tin \xff s\xc3\xa1ng";
	line = airlog_format_line(&e, 5, PREV_A);
	assert_non_null(strstr(line, "\"slot\":\"B\xef\xbf\xbdn tin \xef\xbf\xbd sáng\""));
	assert_int_equal(airlog_parse_line(line, strlen(line), &r), 0);
	airlog_record_free(&r);
	free(line);
}

static void test_chain_hash(void **state)
{
	char out[65];

	(void)state;
	airlog_chain_hash("abc\n", 4, out);
	assert_string_equal(out,
	                    "edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb");
}

/* --- parsing ------------------------------------------------------------ */

static void test_parse_round_trip(void **state)
{
	struct airlog_entry e = play_entry(), s = start_entry("2026-11-27T05:00:00.250+07:00");
	struct airlog_record r;
	char *line, *again;

	(void)state;
	line = airlog_format_line(&e, 17, PREV_A);
	assert_int_equal(airlog_parse_line(line, strlen(line), &r), 0);
	assert_int_equal(r.e.type, AIRLOG_PLAY);
	assert_int_equal(r.e.seq, 17);
	assert_string_equal(r.e.prev, PREV_A);
	assert_string_equal(r.e.station, "tan-quang");
	assert_string_equal(r.e.programme, "ban-tin-giam-ngheo-2026-11-27");
	assert_null(r.e.file);
	assert_string_equal(r.e.sha256, HASH_A);
	assert_string_equal(r.e.slot, "Bản tin sáng");
	assert_string_equal(r.e.priority, "normal");
	assert_int_equal(r.e.scheduled.tv_sec, e.scheduled.tv_sec);
	assert_int_equal(r.e.start.tv_sec, e.start.tv_sec);
	assert_int_equal(r.e.start.tv_nsec, 4000000);
	assert_int_equal(r.e.end.tv_nsec, 460000000);
	assert_true(fabs(r.e.played_s - 312.456) < 1e-9);
	assert_true(r.e.duration_s == 312.5);
	assert_string_equal(r.e.status, "complete");
	assert_null(r.e.reason);
	assert_true(fabs(r.e.peak_dbfs - -1.2) < 1e-9);
	assert_true(r.e.clock_synced);
	assert_int_equal(strlen(r.line), strlen(line) - 1);
	assert_memory_equal(r.line, line, strlen(line) - 1);
	/* what is read back writes out to the same bytes */
	again = airlog_format_line(&r.e, r.e.seq, r.e.prev);
	assert_string_equal(again, line);
	free(again);
	airlog_record_free(&r);
	free(line);

	e.programme = NULL;
	e.file = "/srv/x.ogg";
	e.peak_dbfs = -INFINITY;
	e.duration_s = NAN;
	e.reason = "bão";
	line = airlog_format_line(&e, 18, PREV_A);
	assert_int_equal(airlog_parse_line(line, strlen(line), &r), 0);
	assert_null(r.e.programme);
	assert_string_equal(r.e.file, "/srv/x.ogg");
	assert_true(isinf(r.e.peak_dbfs) && r.e.peak_dbfs < 0);
	assert_true(isnan(r.e.duration_s));
	assert_string_equal(r.e.reason, "bão");
	again = airlog_format_line(&r.e, r.e.seq, r.e.prev);
	assert_string_equal(again, line);
	free(again);
	airlog_record_free(&r);
	free(line);

	s.type = AIRLOG_STOP;
	s.reason = "SIGTERM";
	line = airlog_format_line(&s, 19, PREV_A);
	assert_int_equal(airlog_parse_line(line, strlen(line) - 1, &r), 0);
	assert_int_equal(r.e.type, AIRLOG_STOP);
	assert_int_equal(r.e.time.tv_nsec, 250000000);
	assert_string_equal(r.e.version, "0.1.0");
	assert_string_equal(r.e.reason, "SIGTERM");
	again = airlog_format_line(&r.e, r.e.seq, r.e.prev);
	assert_string_equal(again, line);
	free(again);
	airlog_record_free(&r);
	free(line);
}

static void test_parse_rejects(void **state)
{
	static const char *bad[] = {
	    "",
	    "not json",
	    "[1,2]",
	    "{\"seq\":1}",
	    "{\"seq\":0,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"start\",\"station\":\"x\","
	    "\"time\":null,\"clock\":\"synced\"}",
	    "{\"seq\":\"1\",\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"start\",\"station\":\"x\","
	    "\"time\":null,\"clock\":\"synced\"}",
	    "{\"seq\":1,\"prev\":\"abc\",\"type\":\"start\",\"station\":\"x\","
	    "\"time\":null,\"clock\":\"synced\"}",
	    "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"reboot\",\"station\":\"x\","
	    "\"time\":null,\"clock\":\"synced\"}",
	    "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"start\",\"station\":\"x\","
	    "\"time\":null,\"clock\":\"maybe\"}",
	    "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"start\",\"station\":\"x\","
	    "\"time\":\"yesterday\",\"clock\":\"synced\"}",
	    "{\"seq\":1,\"seq\":2,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"start\","
	    "\"station\":\"x\",\"time\":null,\"clock\":\"synced\"}",
	    "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"play\",\"station\":\"x\","
	    "\"clock\":\"synced\"}",
	    "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"start\",\"station\":\"x\",\n"
	    "\"time\":null,\"clock\":\"synced\"}",
	};
	static const char good[] =
	    "{\"seq\":1,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"start\","
	    "\"station\":\"x\",\"time\":null,\"clock\":\"synced\"}";
	struct airlog_record r;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (airlog_parse_line(bad[i], strlen(bad[i]), &r) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_null(r.line);
	}
	assert_int_equal(airlog_parse_line(good, strlen(good), &r), 0);
	airlog_record_free(&r);
	/* a play line with its status as a number */
	{
		struct airlog_entry e = play_entry();
		char *line = airlog_format_line(&e, 3, PREV_A);
		char *p = strstr(line, "\"complete\"");

		memcpy(p, "1234567890", 10);
		assert_int_equal(airlog_parse_line(line, strlen(line), &r), -1);
		free(line);
	}
}

/* --- files -------------------------------------------------------------- */

static void test_open_creates(void **state)
{
	struct airlog *a;
	struct stat st;

	(void)state;
	a = airlog_open(logdir);
	assert_non_null(a);
	assert_int_equal(stat(logdir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0750);
	assert_int_equal(airlog_last_seq(a), 0);
	assert_string_equal(airlog_last_prev(a), AIRLOG_ZERO_PREV);
	assert_int_equal(airlog_last_time(a).tv_sec, 0);
	/* one writer at a time */
	assert_null(airlog_open(logdir));
	airlog_close(a);
	a = airlog_open(logdir);
	assert_non_null(a);
	airlog_close(a);

	/* a folder that cannot be made */
	{
		char *file = xasprintf("%s/plain", logdir), *sub = xasprintf("%s/x", file);
		FILE *f = fopen(file, "w");

		fclose(f);
		assert_null(airlog_open(sub));
		free(sub);
		free(file);
	}
}

static void test_append_chain_days_reopen(void **state)
{
	static const char *const dates[] = {"2026-11-27", "2026-11-28", NULL};
	struct airlog_entry e;
	struct airlog *a;
	char **lines, *path;
	struct stat st;
	size_t n;

	(void)state;
	a = airlog_open(logdir);
	assert_non_null(a);
	e = start_entry("2026-11-27T04:00:00.001+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(e.seq, 1);
	assert_string_equal(e.prev, AIRLOG_ZERO_PREV);
	e = play_entry();
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(e.seq, 2);
	/* ends one millisecond before midnight: still the 27th */
	e.end = at("2026-11-27T23:59:59.999+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(airlog_last_seq(a), 3);
	assert_int_equal(airlog_last_time(a).tv_sec, e.end.tv_sec);
	airlog_close(a);

	/* a restart, then a line of the next day (filed by its end) */
	a = airlog_open(logdir);
	assert_non_null(a);
	assert_int_equal(airlog_last_seq(a), 3);
	assert_int_equal(airlog_last_time(a).tv_sec, at("2026-11-27T23:59:59+07:00").tv_sec);
	e = play_entry();
	e.start = at("2026-11-27T23:59:00+07:00");
	e.end = at("2026-11-28T00:00:00.000+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(e.seq, 4);
	e = start_entry("2026-11-28T05:00:00+07:00");
	e.type = AIRLOG_STOP;
	assert_int_equal(airlog_append(a, &e), 0);
	airlog_close(a);

	n = collect(dates, &lines);
	assert_int_equal(n, 5);
	assert_chain(lines, n);
	path = day_path("2026-11-27");
	assert_int_equal(file_size(path),
	                 (off_t)(strlen(lines[0]) + strlen(lines[1]) + strlen(lines[2])));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	free(path);

	/* and again: the chain goes on from the 28th */
	a = airlog_open(logdir);
	assert_int_equal(airlog_last_seq(a), 5);
	{
		char h[65];

		airlog_chain_hash(lines[4], strlen(lines[4]), h);
		assert_string_equal(airlog_last_prev(a), h);
	}
	airlog_close(a);
	free_lines(lines, n);
}

static void test_torn_tail(void **state)
{
	static const char *const dates[] = {"2026-11-27", NULL};
	struct airlog_entry e;
	struct airlog *a;
	char *path, **lines;
	off_t whole;
	size_t n;
	FILE *f;

	(void)state;
	a = airlog_open(logdir);
	e = start_entry("2026-11-27T04:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	e = play_entry();
	assert_int_equal(airlog_append(a, &e), 0);
	airlog_close(a);
	path = day_path("2026-11-27");
	whole = file_size(path);

	/* the power went while a line was being written */
	f = fopen(path, "a");
	fputs("{\"seq\":3,\"prev\":\"4b2277", f);
	fclose(f);
	assert_int_equal(file_size(path), whole + 23);

	a = airlog_open(logdir);
	assert_non_null(a);
	assert_int_equal(file_size(path), whole);
	assert_int_equal(airlog_last_seq(a), 2);
	e = play_entry();
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(e.seq, 3);
	airlog_close(a);
	n = collect(dates, &lines);
	assert_int_equal(n, 3);
	assert_chain(lines, n);
	free_lines(lines, n);

	/* a fragment appearing while the log is open is cut before the next line */
	a = airlog_open(logdir);
	f = fopen(path, "a");
	fputs("{\"seq\":4,\"pr", f);
	fclose(f);
	e = play_entry();
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(e.seq, 4);
	airlog_close(a);
	n = collect(dates, &lines);
	assert_int_equal(n, 4);
	assert_chain(lines, n);
	free_lines(lines, n);

	/* a file holding nothing but a torn line becomes empty */
	free(path);
	path = day_path("2026-11-29");
	f = fopen(path, "w");
	fputs("{\"seq\":5,", f);
	fclose(f);
	a = airlog_open(logdir);
	assert_int_equal(file_size(path), 0);
	assert_int_equal(airlog_last_seq(a), 4);
	airlog_close(a);
	free(path);
}

static void test_empty_newest_and_other_files(void **state)
{
	static const char *junk[] = {"2026-12-01.jsonl.tmp.123", "notes.txt", "2099-01-01.json",
	                             "2099-1-01.jsonl", "zzzz-zz-zz.jsonl"};
	struct airlog_entry e;
	struct airlog *a;
	char *path;
	FILE *f;

	(void)state;
	a = airlog_open(logdir);
	e = start_entry("2026-11-27T04:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	e = play_entry();
	assert_int_equal(airlog_append(a, &e), 0);
	airlog_close(a);

	/* a newer day that got created but never written */
	path = day_path("2026-11-30");
	f = fopen(path, "w");
	fclose(f);
	free(path);
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		path = xasprintf("%s/%s", logdir, junk[i]);
		f = fopen(path, "w");
		fputs("{\"seq\":99,\"prev\":\"" AIRLOG_ZERO_PREV "\",\"type\":\"start\","
		      "\"station\":\"x\",\"time\":null,\"clock\":\"synced\"}\n",
		      f);
		fclose(f);
		free(path);
	}

	a = airlog_open(logdir);
	assert_non_null(a);
	assert_int_equal(airlog_last_seq(a), 2);
	e = play_entry();
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(e.seq, 3);
	airlog_close(a);
}

/*
 * A day folder holding a directory named like a day file is not readable as
 * a log, and the open must say so rather than restart the chain.
 */
static void test_unreadable_day_file(void **state)
{
	struct airlog *a;
	char *path;

	(void)state;
	a = airlog_open(logdir);
	airlog_close(a);
	path = day_path("2026-11-27");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_null(airlog_open(logdir));
	rmdir(path);
	/* nor a FIFO: refused at once, not waited on */
	alarm(10);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(airlog_open(logdir));
	alarm(0);
	unlink(path);
	free(path);
}

/* Lines filed under an older date while the clock was behind still count. */
static void test_clock_went_back(void **state)
{
	static const char *const dates[] = {"2026-11-27", "2026-11-28", NULL};
	struct airlog_entry e;
	struct airlog *a;
	char **lines;
	size_t n;

	(void)state;
	a = airlog_open(logdir);
	e = start_entry("2026-11-28T00:10:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	airlog_close(a);
	/* reboot with a clock an hour behind: the next lines go to the 27th */
	a = airlog_open(logdir);
	e = start_entry("2026-11-27T23:20:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	e = play_entry();
	e.end = at("2026-11-27T23:25:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	airlog_close(a);

	a = airlog_open(logdir);
	assert_int_equal(airlog_last_seq(a), 3);
	e = start_entry("2026-11-28T06:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(e.seq, 4);
	airlog_close(a);

	/* in seq order: 27th lines are seq 2,3; 28th are 1,4 */
	n = collect(dates, &lines);
	assert_int_equal(n, 4);
	{
		char *ordered[4] = {lines[2], lines[0], lines[1], lines[3]};

		assert_chain(ordered, 4);
	}
	free_lines(lines, n);
}

/* The newest time the log holds, read beside the daemon that holds the
 * lock: the newest-named day file's latest line, whatever their order. */
static void test_newest_time(void **state)
{
	struct airlog_entry e;
	struct airlog *a;
	struct timespec t;
	char *path;

	(void)state;
	assert_int_equal(airlog_newest_time(logdir, &t), -1);
	a = airlog_open(logdir);
	assert_int_equal(airlog_newest_time(logdir, &t), -1);
	e = start_entry("2026-11-27T23:20:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(airlog_newest_time(logdir, &t), 0);
	assert_int_equal(t.tv_sec, at("2026-11-27T23:20:00+07:00").tv_sec);
	e = start_entry("2026-11-28T06:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	e = play_entry();
	e.end = at("2026-11-28T07:00:00.250+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	/* the clock went back within the day: the later line is earlier */
	e = start_entry("2026-11-28T05:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(airlog_newest_time(logdir, &t), 0);
	assert_int_equal(t.tv_sec, at("2026-11-28T07:00:00+07:00").tv_sec);
	assert_int_equal(t.tv_nsec, 250000000);
	/* a newest file without a line that parses: the one before counts */
	path = day_path("2026-11-29");
	assert_int_equal(util_write_atomic(path, "not a line\n", 11, 0640), 0);
	assert_int_equal(airlog_newest_time(logdir, &t), 0);
	assert_int_equal(t.tv_sec, at("2026-11-28T07:00:00+07:00").tv_sec);
	unlink(path);
	free(path);
	airlog_close(a);
}

/* Many lines, several days, a restart every few lines: 1..n, no gap. */
static void test_seq_continuity(void **state)
{
	static const char *const dates[] = {"2026-11-27", "2026-11-28", "2026-11-29", NULL};
	struct airlog *a = NULL;
	char **lines;
	size_t n;

	(void)state;
	for (int i = 0; i < 30; i++) {
		struct airlog_entry e = play_entry();

		if (i % 7 == 0) {
			airlog_close(a);
			a = airlog_open(logdir);
			assert_non_null(a);
			assert_int_equal(airlog_last_seq(a), (uint64_t)i);
		}
		e.end.tv_sec += (time_t)i * 7200;
		assert_int_equal(airlog_append(a, &e), 0);
		assert_int_equal(e.seq, (uint64_t)i + 1);
		assert_int_equal(airlog_last_seq(a), (uint64_t)i + 1);
	}
	airlog_close(a);
	n = collect(dates, &lines);
	assert_int_equal(n, 30);
	assert_chain(lines, n);
	free_lines(lines, n);
}

/* A complete last line that is not a record anchors prev; seq comes from before it. */
static void test_garbage_last_line(void **state)
{
	struct airlog_entry e;
	struct airlog *a;
	char *path, garbage[] = "#### not json ####\n", h[65];
	FILE *f;

	(void)state;
	a = airlog_open(logdir);
	e = start_entry("2026-11-27T04:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	airlog_close(a);
	path = day_path("2026-11-27");
	f = fopen(path, "a");
	fputs(garbage, f);
	fclose(f);
	a = airlog_open(logdir);
	assert_int_equal(airlog_last_seq(a), 1);
	airlog_chain_hash(garbage, strlen(garbage), h);
	assert_string_equal(airlog_last_prev(a), h);
	airlog_close(a);
	free(path);
}

struct day_seen {
	int records, unparsed;
	uint64_t last_seq;
	char first_slot[64];
	bool newline_seen;
};

static void on_line(const struct airlog_record *rec, const char *line, void *ctx)
{
	struct day_seen *s = ctx;

	if (strchr(line, '\n'))
		s->newline_seen = true;
	if (!rec) {
		s->unparsed++;
		return;
	}
	assert_string_equal(rec->line, line);
	s->records++;
	s->last_seq = rec->e.seq;
	if (rec->e.slot && !s->first_slot[0])
		snprintf(s->first_slot, sizeof s->first_slot, "%s", rec->e.slot);
}

static void test_read_day(void **state)
{
	struct day_seen seen = {0};
	struct airlog_entry e;
	struct airlog *a;
	char *path;
	FILE *f;

	(void)state;
	a = airlog_open(logdir);
	e = start_entry("2026-11-27T04:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	for (int i = 0; i < 3; i++) {
		e = play_entry();
		assert_int_equal(airlog_append(a, &e), 0);
	}
	airlog_close(a);
	path = day_path("2026-11-27");
	f = fopen(path, "a");
	fputs("garbage\n\n", f);
	fclose(f);
	free(path);

	assert_int_equal(airlog_read_day(logdir, "2026-11-27", on_line, &seen), 0);
	assert_int_equal(seen.records, 4);
	assert_int_equal(seen.unparsed, 2);
	assert_int_equal(seen.last_seq, 4);
	assert_string_equal(seen.first_slot, "Bản tin sáng");
	assert_false(seen.newline_seen);

	errno = 0;
	assert_int_equal(airlog_read_day(logdir, "2026-11-26", on_line, &seen), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(airlog_read_day(logdir, "../../etc/passwd", on_line, &seen), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(airlog_read_day(logdir, "2026-11-27.jsonl", on_line, &seen), -1);
}

/* Every line written ends with exactly one '\n', and only there. */
static void test_lines_end_with_newline(void **state)
{
	static const char *const dates[] = {"2026-11-27", NULL};
	struct airlog_entry e;
	struct airlog *a;
	char *path, *text;
	size_t newlines = 0;

	(void)state;
	a = airlog_open(logdir);
	e = start_entry("2026-11-27T04:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	e = play_entry();
	e.reason = "multi\nline\r\nreason";
	e.slot = "tab\tslot";
	assert_int_equal(airlog_append(a, &e), 0);
	e.type = AIRLOG_STOP;
	e.time = e.end;
	assert_int_equal(airlog_append(a, &e), 0);
	airlog_close(a);
	path = day_path(dates[0]);
	text = read_all(path);
	assert_non_null(text);
	for (char *p = text; *p; p++)
		newlines += *p == '\n';
	assert_int_equal(newlines, 3);
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
	free(path);
}

/*
 * A disk that fills up mid-line: RLIMIT_FSIZE makes the kernel accept only
 * part of the write (then EFBIG), as a full disk does (then ENOSPC). The
 * partial line must be cut back; the line waits in memory, chained, and
 * goes in, with the ones after it, in order, once there is room.
 */
static void test_write_fails(void **state)
{
	static const char *const dates[] = {"2026-11-27", NULL};
	struct airlog_entry e;
	struct airlog *a;
	struct rlimit old, lim;
	char *path, **lines;
	off_t before;
	size_t n;
	uint64_t seq = 2;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	a = airlog_open(logdir);
	e = start_entry("2026-11-27T04:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	e = play_entry();
	assert_int_equal(airlog_append(a, &e), 0);
	path = day_path("2026-11-27");
	before = file_size(path);

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	for (int room = 40; room >= 0; room -= 40) {
		lim = old;
		lim.rlim_cur = (rlim_t)before + (rlim_t)room;
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
		e = play_entry();
		assert_int_equal(airlog_append(a, &e), 1);
		/* and a try to write the waiting lines, which fails too */
		assert_int_equal(airlog_flush(a), -1);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
		assert_int_equal(file_size(path), before);
		assert_int_equal(e.seq, ++seq);
		assert_int_equal(airlog_last_seq(a), seq);
		assert_int_equal(airlog_pending(a), seq - 2);
		/* a part written says ENOSPC, none EFBIG */
		assert_true(airlog_error(a) == ENOSPC || airlog_error(a) == EFBIG);
	}

	/* space again: the waiting lines go in first, then the new one */
	e = play_entry();
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(e.seq, 5);
	assert_int_equal(airlog_pending(a), 0);
	assert_int_equal(airlog_error(a), 0);
	airlog_close(a);
	n = collect(dates, &lines);
	assert_int_equal(n, 5);
	assert_chain(lines, n);
	free_lines(lines, n);
	free(path);
	signal(SIGXFSZ, SIG_DFL);
}

static void count_pending(const struct airlog_record *rec, const char *line, void *ctx)
{
	size_t *n = ctx;

	assert_non_null(rec);
	assert_non_null(line);
	assert_int_equal(rec->e.seq, 2 + *n);
	(*n)++;
}

/*
 * Waiting lines are read back for the station (which counts what aired),
 * written by airlog_flush alone once there is room, and bounded: beyond
 * the memory kept for them a line is not chained, and the file's chain
 * goes on whole.
 */
static void test_pending_bounded(void **state)
{
	static const char *const dates[] = {"2026-11-27", NULL};
	struct airlog_entry e;
	struct airlog *a;
	struct rlimit old, lim;
	char *path, **lines;
	size_t n = 0, waiting;
	int rc;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	a = airlog_open(logdir);
	e = start_entry("2026-11-27T04:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	path = day_path("2026-11-27");
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)file_size(path);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	do {
		e = play_entry();
		rc = airlog_append(a, &e);
	} while (rc == 1 && airlog_pending(a) < 100000);
	assert_int_equal(rc, -1);
	waiting = airlog_pending(a);
	assert_true(waiting > 100);
	assert_int_equal(airlog_last_seq(a), 1 + waiting);
	airlog_read_pending(a, count_pending, &n);
	assert_int_equal(n, waiting);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(airlog_flush(a), 0);
	assert_int_equal(airlog_pending(a), 0);
	e = play_entry();
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(e.seq, 2 + waiting);
	airlog_close(a);
	n = collect(dates, &lines);
	assert_int_equal(n, 2 + waiting);
	assert_chain(lines, n);
	free_lines(lines, n);
	free(path);
	signal(SIGXFSZ, SIG_DFL);
}

/* A new day's file that cannot be created leaves the chain as it was. */
static void test_append_cannot_open(void **state)
{
	struct airlog_entry e;
	struct airlog *a;
	char *path;

	(void)state;
	a = airlog_open(logdir);
	e = start_entry("2026-11-27T04:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), 0);
	path = day_path("2026-11-28");
	assert_int_equal(mkdir(path, 0700), 0);
	e = play_entry();
	e.end = at("2026-11-28T01:00:00+07:00");
	assert_int_equal(airlog_append(a, &e), -1);
	assert_int_equal(airlog_last_seq(a), 1);
	rmdir(path);
	assert_int_equal(airlog_append(a, &e), 0);
	assert_int_equal(e.seq, 2);
	airlog_close(a);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_play),
	    cmocka_unit_test(test_format_file_item),
	    cmocka_unit_test(test_format_start_stop),
	    cmocka_unit_test(test_format_relay),
	    cmocka_unit_test(test_parse_relay_rejects),
	    cmocka_unit_test(test_format_bad_utf8),
	    cmocka_unit_test(test_chain_hash),
	    cmocka_unit_test(test_parse_round_trip),
	    cmocka_unit_test(test_parse_rejects),
	    cmocka_unit_test_setup_teardown(test_open_creates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_chain_days_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_newest_and_other_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreadable_day_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clock_went_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newest_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_seq_continuity, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_garbage_last_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_day, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lines_end_with_newline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_cannot_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pending_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
