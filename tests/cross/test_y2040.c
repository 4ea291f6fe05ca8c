/*
 * Unit tests for the 32-bit targets (armhf above all, run under qemu by
 * make check-cross, and natively by the same build on any target): times
 * past 19 January 2038 and files past 2 GiB through the code that keeps
 * the station's record — time parsing and formatting, the schedule
 * resolver, and the as-run log's day files and hash chain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "airlog.h"
#include "diag.h"
#include "schedule.h"
#include "util.h"
#include "testlib.h"

/* 2040-01-01T05:30:00+07:00, a Sunday. */
#define T2040          ((int64_t)2208983400)
#define DAY_2040_01_01 25567
#define GIB            ((off_t)1 << 30)

static char tmpdir[] = "/tmp/loaxa-test-y2040.XXXXXX";

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

static void test_type_widths(void **state)
{
	(void)state;
	/* what -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64 promise on armhf */
	assert_int_equal(sizeof(time_t), 8);
	assert_int_equal(sizeof(off_t), 8);
}

static void test_time_round_trip(void **state)
{
	static const struct {
		const char *text;
		int64_t sec;
	} cases[] = {
	    {"2038-01-19T10:14:07+07:00", INT32_MAX},
	    {"2038-01-19T10:14:08+07:00", (int64_t)INT32_MAX + 1},
	    {"2040-01-01T05:30:00+07:00", T2040},
	    {"2106-02-07T13:28:16+07:00", (int64_t)UINT32_MAX + 1},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct timespec ts;

		assert_int_equal(util_parse_time(cases[i].text, &ts), 0);
		assert_true((int64_t)ts.tv_sec == cases[i].sec);
		util_format_time(buf, sizeof buf, ts, false);
		assert_string_equal(buf, cases[i].text);
	}
}

static void test_time_millis_and_date(void **state)
{
	struct timespec ts = {.tv_sec = (time_t)T2040, .tv_nsec = 4000000};
	struct timespec back;
	char buf[64];

	(void)state;
	util_format_time(buf, sizeof buf, ts, true);
	assert_string_equal(buf, "2040-01-01T05:30:00.004+07:00");
	assert_int_equal(util_parse_time(buf, &back), 0);
	assert_true(back.tv_sec == ts.tv_sec && back.tv_nsec == ts.tv_nsec);
	util_format_date(buf, sizeof buf, (time_t)T2040);
	assert_string_equal(buf, "2040-01-01");
	/* midnight local time is 17:00 UTC the day before */
	util_format_date(buf, sizeof buf, (time_t)(T2040 - 5 * 3600 - 1800));
	assert_string_equal(buf, "2040-01-01");
	util_format_date(buf, sizeof buf, (time_t)(T2040 - 5 * 3600 - 1800 - 1));
	assert_string_equal(buf, "2039-12-31");
}

static char *write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void test_schedule_dated_2040(void **state)
{
	struct sched_plan plan = {0};
	struct sched_occ *occ = NULL;
	struct diag d = {0};
	int64_t day, from, to;
	char *path = write_file(
	    "y2040.cfg", "slots = (\n"
	                 "  { name = \"Năm mới\"; date = \"2040-01-01\"; start = \"05:30\";\n"
	                 "    items = ( { file = \"a.wav\"; } ); },\n"
	                 "  { name = \"Chủ nhật\"; days = \"sun\"; start = \"17:00\";\n"
	                 "    items = ( { file = \"b.wav\"; } ); }\n"
	                 ");\n");
	size_t n;

	(void)state;
	assert_int_equal(sched_parse_date("2040-01-01", &day), 0);
	assert_true(day == DAY_2040_01_01);
	assert_int_equal(sched_weekday(day), 0);
	assert_int_equal(sched_load_file(&plan, path, false, &d), 0);
	assert_int_equal(plan.nslots, 2);
	assert_true(plan.slots[0].date == DAY_2040_01_01);

	from = (day - 1) * SCHED_DAY_S;
	to = (day + 1) * SCHED_DAY_S;
	n = sched_occurrences(&plan, from, to, &occ);
	assert_int_equal(n, 2);
	assert_string_equal(occ[0].slot->name, "Năm mới");
	assert_true(occ[0].start == day * SCHED_DAY_S + 5 * 3600 + 1800);
	assert_string_equal(occ[1].slot->name, "Chủ nhật");
	assert_true(occ[1].start == day * SCHED_DAY_S + 17 * 3600);
	free(occ);

	/* the Sundays either side of 19 January 2038, 03:14:08 UTC */
	assert_int_equal(sched_parse_date("2038-01-16", &day), 0);
	n = sched_occurrences(&plan, day * SCHED_DAY_S, (day + 9) * SCHED_DAY_S, &occ);
	assert_int_equal(n, 2);
	assert_true(occ[0].start == (day + 1) * SCHED_DAY_S + 17 * 3600);
	assert_true(occ[1].start == (day + 8) * SCHED_DAY_S + 17 * 3600);
	free(occ);

	sched_plan_free(&plan);
	diag_free(&d);
	free(path);
}

struct seen {
	int lines;
	uint64_t last_seq;
	struct timespec start;
};

static void count_line(const struct airlog_record *rec, const char *line, void *ctx)
{
	struct seen *s = ctx;

	(void)line;
	if (!rec)
		return;
	s->lines++;
	s->last_seq = rec->e.seq;
	s->start = rec->e.start;
}

static struct airlog_entry play_at(int64_t start, double seconds)
{
	struct airlog_entry e = {
	    .type = AIRLOG_PLAY,
	    .station = "test-station",
	    .file = "a.wav",
	    .sha256 = "9f2c1e0a7b3d5f4e6a8c9b0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9ee2",
	    .slot = "Năm mới",
	    .priority = "normal",
	    .scheduled = {.tv_sec = (time_t)start},
	    .start = {.tv_sec = (time_t)start, .tv_nsec = 4000000},
	    .end = {.tv_sec = (time_t)start + (time_t)seconds, .tv_nsec = 4000000},
	    .played_s = seconds,
	    .duration_s = seconds,
	    .status = "complete",
	    .peak_dbfs = -6.0,
	    .rms_dbfs = -9.0,
	};

	return e;
}

static void test_airlog_2040(void **state)
{
	char *dir = xasprintf("%s/airlog", tmpdir);
	char *path = xasprintf("%s/2040-01-01.jsonl", dir);
	struct airlog_entry e = play_at(T2040, 312.0);
	struct seen s = {0};
	char *text;
	size_t len;
	struct airlog *a;

	(void)state;
	a = airlog_open(dir);
	assert_non_null(a);
	assert_int_equal(airlog_append(a, &e), 0);
	airlog_close(a);

	assert_int_equal(util_read_file(path, 1 << 16, &text, &len), 0);
	assert_non_null(strstr(text, "\"scheduled\":\"2040-01-01T05:30:00+07:00\""));
	assert_non_null(strstr(text, "\"start\":\"2040-01-01T05:30:00.004+07:00\""));
	assert_non_null(strstr(text, "\"end\":\"2040-01-01T05:35:12.004+07:00\""));
	free(text);

	assert_int_equal(airlog_read_day(dir, "2040-01-01", count_line, &s), 0);
	assert_int_equal(s.lines, 1);
	assert_true((int64_t)s.start.tv_sec == T2040);
	free(path);
	free(dir);
}

/*
 * A day file grown past 2 GiB (sparse here): the daemon must find its
 * last line, carry the chain on from it and append after it. Without
 * 64-bit offsets, open() fails with EOVERFLOW and pread cannot reach it.
 */
static void test_airlog_past_2gib(void **state)
{
	char *dir = xasprintf("%s/big", tmpdir);
	char *path = xasprintf("%s/2040-01-01.jsonl", dir);
	struct airlog_entry e = play_at(T2040 - 600, 60.0);
	char *line = airlog_format_line(&e, 41, AIRLOG_ZERO_PREV);
	char hash[65];
	off_t at = 3 * GIB;
	struct airlog *a;
	struct stat st;
	int fd;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\n", 1, at - 1), 1);
	assert_int_equal(pwrite(fd, line, strlen(line), at), (ssize_t)strlen(line));
	assert_int_equal(close(fd), 0);
	airlog_chain_hash(line, strlen(line), hash);

	a = airlog_open(dir);
	assert_non_null(a);
	assert_true(airlog_last_seq(a) == 41);
	assert_string_equal(airlog_last_prev(a), hash);
	e = play_at(T2040, 30.0);
	assert_int_equal(airlog_append(a, &e), 0);
	assert_true(e.seq == 42);
	assert_string_equal(e.prev, hash);
	airlog_close(a);

	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > at + (off_t)strlen(line));

	/* and again from the disk, as after a restart */
	a = airlog_open(dir);
	assert_non_null(a);
	assert_true(airlog_last_seq(a) == 42);
	assert_true((int64_t)airlog_last_time(a).tv_sec == T2040 + 30);
	airlog_close(a);

	unlink(path);
	free(line);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_type_widths),          cmocka_unit_test(test_time_round_trip),
	    cmocka_unit_test(test_time_millis_and_date), cmocka_unit_test(test_schedule_dated_2040),
	    cmocka_unit_test(test_airlog_2040),          cmocka_unit_test(test_airlog_past_2gib),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
