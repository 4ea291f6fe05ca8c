/*
 * Unit tests of the schedule engine: the calendar helpers, every rule of the
 * file format and its error messages, the occurrence rules of DESIGN §3, the
 * expected timeline, the example schedules, and a randomised comparison of
 * sched_occurrences with a plain day-by-day reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "schedule.h"
#include "util.h"

static char tmpdir[] = "/tmp/loaxa-sched.XXXXXX";
static int file_counter;

/* ---- helpers ------------------------------------------------------------ */

static int64_t day_of(int y, int m, int d)
{
	return sched_days_from_civil(y, m, d);
}

/* Civil seconds of a wall-clock time. */
static int64_t at(int y, int m, int d, int hh, int mm, int ss)
{
	return day_of(y, m, d) * SCHED_DAY_S + hh * 3600 + mm * 60 + ss;
}

static char *put_in(const char *dir, const char *name, const void *text, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void put_text(const char *dir, const char *name, const char *text)
{
	free(put_in(dir, name, text, strlen(text)));
}

static char *put(const char *name, const char *text)
{
	return put_in(tmpdir, name, text, strlen(text));
}

/* Write text to a fresh file and load it; returns what sched_load_file
 * returned, the path in *path (freed by the caller when asked for). */
static int load_text(struct sched_plan *p, const char *text, bool province, struct diag *d,
                     char **path)
{
	char *name = xasprintf("s%03d.cfg", ++file_counter);
	char *f = put(name, text);
	int r = sched_load_file(p, f, province, d);

	free(name);
	if (path)
		*path = f;
	else
		free(f);
	return r;
}

/* Load text that must be clean. */
static void load_ok(struct sched_plan *p, const char *text, bool province)
{
	struct diag d = {0};
	int r = load_text(p, text, province, &d, NULL);

	diag_print(&d, stderr);
	assert_int_equal(d.n, 0);
	assert_int_equal(r, 0);
	diag_free(&d);
}

/*
 * Occurrences in [from, to) as "DD HH:MM[:SS] name" joined by ", ", so a
 * failing test shows the whole plan it got.
 */
static char *occ_text(const struct sched_plan *p, int64_t from, int64_t to)
{
	struct sched_occ *o;
	size_t n = sched_occurrences(p, from, to, &o);
	char *s = xstrdup("");

	if (n == 0)
		assert_null(o);
	for (size_t i = 0; i < n; i++) {
		int y, m, d;
		char hms[9], *next;

		sched_civil_from_days(o[i].start / SCHED_DAY_S, &y, &m, &d);
		sched_format_hms(o[i].start, hms);
		if (!strcmp(hms + 5, ":00"))
			hms[5] = '\0';
		next = xasprintf("%s%s%02d %s %s", s, i ? ", " : "", d, hms, o[i].slot->name);
		free(s);
		s = next;
	}
	free(o);
	return s;
}

#define assert_occ(p, from, to, expected)                                                          \
	do {                                                                                       \
		char *got_ = occ_text(p, from, to);                                                \
		assert_string_equal(got_, expected);                                               \
		free(got_);                                                                        \
	} while (0)

/* Test items are named with their length: "a300" lasts 300 s, "bad" 0 s. */
static double item_duration(const struct sched_slot *s, size_t item, void *ctx)
{
	const char *id = s->items[item].id;

	(void)ctx;
	if (!id)
		return 0;
	id += strcspn(id, "0123456789");
	return *id ? atof(id) : 0;
}

/*
 * The timeline of a plan's occurrences in [from, to) as
 * "HH:MM:SS-HH:MM:SS name#item[ late][ interrupted][ quiet]" lines.
 */
static char *timeline_text(const struct sched_plan *p, int64_t from, int64_t to, int qs, int qe)
{
	struct sched_occ *o;
	struct sched_timed *t;
	size_t n = sched_occurrences(p, from, to, &o);
	size_t nt = sched_timeline(o, n, item_duration, NULL, qs, qe, &t);
	char *s = xstrdup("");

	for (size_t i = 0; i < nt; i++) {
		char a[9], b[9], *next;

		assert_true(t[i].start == floor(t[i].start));
		assert_true(t[i].end == floor(t[i].end));
		sched_format_hms((int64_t)t[i].start, a);
		sched_format_hms((int64_t)t[i].end, b);
		next =
		    xasprintf("%s%s-%s %s#%zu%s%s%s\n", s, a, b, o[t[i].occ].slot->name, t[i].item,
		              t[i].late ? " late" : "", t[i].interrupted ? " interrupted" : "",
		              t[i].quiet ? " quiet" : "");
		free(s);
		s = next;
	}
	free(t);
	free(o);
	return s;
}

#define assert_timeline(p, from, to, qs, qe, expected)                                             \
	do {                                                                                       \
		char *got_ = timeline_text(p, from, to, qs, qe);                                   \
		assert_string_equal(got_, expected);                                               \
		free(got_);                                                                        \
	} while (0)

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- calendar --------------------------------------------------------------- */

static void test_civil_days(void **state)
{
	int y, m, d;

	(void)state;
	assert_int_equal(day_of(1970, 1, 1), 0);
	assert_int_equal(day_of(1969, 12, 31), -1);
	assert_int_equal(day_of(2000, 3, 1) - day_of(2000, 2, 28), 2);
	assert_int_equal(day_of(2100, 3, 1) - day_of(2100, 2, 28), 1);
	assert_int_equal(day_of(1, 1, 1), -719162);
	assert_int_equal(day_of(9999, 12, 31), 2932896);
	assert_int_equal(sched_weekday(0), 4);
	assert_int_equal(sched_weekday(-1), 3);
	assert_int_equal(sched_weekday(day_of(2026, 11, 27)), 5);
	assert_int_equal(sched_weekday(day_of(2026, 11, 29)), 0);
	assert_int_equal(sched_weekday(day_of(1, 1, 1)), 1);

	/* Every day from 1600 to 2500 against the C library. */
	for (int64_t day = day_of(1600, 1, 1); day <= day_of(2500, 12, 31); day++) {
		time_t t = (time_t)(day * SCHED_DAY_S);
		struct tm tm;

		assert_non_null(gmtime_r(&t, &tm));
		sched_civil_from_days(day, &y, &m, &d);
		if (y != tm.tm_year + 1900 || m != tm.tm_mon + 1 || d != tm.tm_mday ||
		    sched_weekday(day) != tm.tm_wday ||
		    sched_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) != day)
			fail_msg("day %lld: %04d-%02d-%02d wd %d, libc %04d-%02d-%02d wd %d",
			         (long long)day, y, m, d, sched_weekday(day), tm.tm_year + 1900,
			         tm.tm_mon + 1, tm.tm_mday, tm.tm_wday);
	}
	sched_civil_from_days(day_of(9999, 12, 31), &y, &m, &d);
	assert_true(y == 9999 && m == 12 && d == 31);
	sched_civil_from_days(day_of(1, 1, 1), &y, &m, &d);
	assert_true(y == 1 && m == 1 && d == 1);
}

static void test_parse_date(void **state)
{
	static const char *const bad[] = {
	    "",           "2026-02-29",  "2026-13-01",  "2026-00-10",
	    "2026-01-00", "2026-04-31",  "0000-01-01",  "2026-1-01",
	    "2026/01/01", " 2026-01-01", "2026-01-01 ", "2026-01-01x",
	    "20260101",   "2026-0a-01",  "+026-01-01",  "2026-11-27 05:30"};
	int64_t day = 12345;

	(void)state;
	assert_int_equal(sched_parse_date("2026-11-27", &day), 0);
	assert_int_equal(day, day_of(2026, 11, 27));
	assert_int_equal(sched_parse_date("2024-02-29", &day), 0);
	assert_int_equal(day, day_of(2024, 2, 29));
	assert_int_equal(sched_parse_date("2000-02-29", &day), 0);
	assert_int_equal(sched_parse_date("1900-02-28", &day), 0);
	assert_int_equal(sched_parse_date("1969-12-31", &day), 0);
	assert_int_equal(day, -1);
	assert_int_equal(sched_parse_date("0001-01-01", &day), 0);
	assert_int_equal(sched_parse_date("9999-12-31", &day), 0);
	day = 7;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (sched_parse_date(bad[i], &day) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(sched_parse_date("1900-02-29", &day), -1);
	assert_int_equal(day, 7);
	/* and back to text, as parsed */
	{
		static const char *const good[] = {"2026-11-27", "2024-02-29", "1969-12-31",
		                                   "0001-01-01", "9999-12-31"};
		char text[16];

		for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
			assert_int_equal(sched_parse_date(good[i], &day), 0);
			sched_format_date(day, text, sizeof text);
			assert_string_equal(text, good[i]);
		}
		sched_format_date(day, text, 5);
		assert_string_equal(text, "9999");
	}
}

static void test_parse_clock(void **state)
{
	static const char *const bad[] = {"",      "24:00",  "5:30",   "05:3",       "05:60",
	                                  "05-30", "0530",   "05:30:", "05:30:60",   "05:30:5",
	                                  " 5:30", "05:30 ", "ab:cd",  "05:30:00:00"};
	int sec = 42;

	(void)state;
	assert_int_equal(sched_parse_clock("05:30", &sec), 0);
	assert_int_equal(sec, 5 * 3600 + 30 * 60);
	assert_int_equal(sched_parse_clock("00:00", &sec), 0);
	assert_int_equal(sec, 0);
	assert_int_equal(sched_parse_clock("23:59:59", &sec), 0);
	assert_int_equal(sec, SCHED_DAY_S - 1);
	assert_int_equal(sched_parse_clock("17:00:30", &sec), 0);
	assert_int_equal(sec, 17 * 3600 + 30);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		sec = 42;
		if (sched_parse_clock(bad[i], &sec) != -1 || sec != 42)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void test_parse_datetime(void **state)
{
	int64_t t = 0;

	(void)state;
	assert_int_equal(sched_parse_datetime("2026-11-27", false, &t), 0);
	assert_int_equal(t, at(2026, 11, 27, 0, 0, 0));
	assert_int_equal(sched_parse_datetime("2026-11-27", true, &t), 0);
	assert_int_equal(t, at(2026, 11, 27, 23, 59, 59));
	assert_int_equal(sched_parse_datetime("2026-11-27 09:15", true, &t), 0);
	assert_int_equal(t, at(2026, 11, 27, 9, 15, 0));
	assert_int_equal(sched_parse_datetime("2026-11-27 09:15:30", false, &t), 0);
	assert_int_equal(t, at(2026, 11, 27, 9, 15, 30));
	assert_int_equal(sched_parse_datetime("2026-11-27T09:15", false, &t), -1);
	assert_int_equal(sched_parse_datetime("2026-11-27  09:15", false, &t), -1);
	assert_int_equal(sched_parse_datetime("2026-11-27 9:15", false, &t), -1);
	assert_int_equal(sched_parse_datetime("2026-11-31 09:15", false, &t), -1);
	assert_int_equal(sched_parse_datetime("2026-11-27 24:00", false, &t), -1);
	assert_int_equal(sched_parse_datetime("", false, &t), -1);
}

static void test_format_hms(void **state)
{
	char buf[9];

	(void)state;
	sched_format_hms(at(2026, 11, 27, 5, 30, 7), buf);
	assert_string_equal(buf, "05:30:07");
	sched_format_hms(0, buf);
	assert_string_equal(buf, "00:00:00");
	sched_format_hms(-1, buf);
	assert_string_equal(buf, "23:59:59");
	sched_format_hms(at(1900, 1, 1, 12, 0, 1), buf);
	assert_string_equal(buf, "12:00:01");
	sched_format_hms(at(2026, 11, 27, 23, 59, 59), buf);
	assert_string_equal(buf, "23:59:59");
}

static void test_quiet_hours(void **state)
{
	const int q0 = 21 * 3600 + 30 * 60, q1 = 5 * 3600; /* "21:30-05:00" */

	(void)state;
	assert_false(sched_in_quiet(3 * 3600, -1, -1)); /* "" */
	assert_false(sched_in_quiet(0, -1, 0));
	/* wrapping past midnight */
	assert_true(sched_in_quiet(q0, q0, q1));
	assert_false(sched_in_quiet(q0 - 1, q0, q1));
	assert_true(sched_in_quiet(23 * 3600 + 59 * 60, q0, q1));
	assert_true(sched_in_quiet(0, q0, q1));
	assert_true(sched_in_quiet(3 * 3600 + 15 * 60, q0, q1));
	assert_true(sched_in_quiet(q1 - 1, q0, q1));
	assert_false(sched_in_quiet(q1, q0, q1));
	assert_false(sched_in_quiet(12 * 3600, q0, q1));
	/* within one day */
	assert_false(sched_in_quiet(3599, 3600, 7200));
	assert_true(sched_in_quiet(3600, 3600, 7200));
	assert_true(sched_in_quiet(7199, 3600, 7200));
	assert_false(sched_in_quiet(7200, 3600, 7200));
	/* from midnight */
	assert_true(sched_in_quiet(0, 0, q1));
	assert_false(sched_in_quiet(SCHED_DAY_S - 1, 0, q1));
	/* modulo a day */
	assert_true(sched_in_quiet(SCHED_DAY_S + 3600, q0, q1));
	assert_true(sched_in_quiet(-60, q0, q1));
	/* an empty interval is no quiet hours at all */
	assert_false(sched_in_quiet(3600, 3600, 3600));
}

static void test_prio_name(void **state)
{
	(void)state;
	assert_string_equal(sched_prio_name(SCHED_NORMAL), "normal");
	assert_string_equal(sched_prio_name(SCHED_PRIORITY), "priority");
	assert_string_equal(sched_prio_name(SCHED_EMERGENCY), "emergency");
}

/* ---- loading ------------------------------------------------------------------ */

static void test_load_fields(void **state)
{
	struct sched_plan p = {0};
	struct diag d = {0};
	char *path;
	const struct sched_slot *s;

	(void)state;
	assert_int_equal(
	    load_text(&p,
	              "# a comment\n"
	              "slots = (\n"
	              "  { name = \"Bản tin sáng\"; start = \"05:30\"; days = \"mon-sat\";\n"
	              "    items = ( \"nhac-hieu\",\n"
	              "              { file = \"thong-bao xã.ogg\"; },\n"
	              "              \"a.b_c-9\" ); },\n"
	              "  { start = \"17:00:30\"; date = \"2026-11-27\";\n"
	              "    from = \"2026-11-01\"; until = \"2026-11-30\";\n"
	              "    items = [ \"x\", \"y\" ]; },\n"
	              "  { start = \"06:00\"; from = \"2026-11-01 06:00\";\n"
	              "    until = \"2026-12-01 05:59:59\"; priority = \"normal\"; name = \"\";\n"
	              "    items = ( \"z\" ); }\n"
	              ");\n",
	              false, &d, &path),
	    0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p.nslots, 3);
	assert_int_equal(p.nfiles, 1);
	assert_string_equal(p.files[0], path);

	s = &p.slots[0];
	assert_string_equal(s->name, "Bản tin sáng");
	assert_string_equal(s->file, path);
	assert_ptr_equal(s->file, p.files[0]);
	assert_int_equal(s->line, 3);
	assert_int_equal(s->start, 5 * 3600 + 30 * 60);
	assert_int_equal(s->days, 0x7e);
	assert_true(s->date == SCHED_NO_DATE);
	assert_true(s->from == INT64_MIN);
	assert_true(s->until == INT64_MAX);
	assert_int_equal(s->prio, SCHED_NORMAL);
	assert_false(s->province);
	assert_false(s->daily);
	assert_int_equal(s->nitems, 3);
	assert_string_equal(s->items[0].id, "nhac-hieu");
	assert_null(s->items[0].file);
	assert_int_equal(s->items[0].line, 4);
	assert_null(s->items[1].id);
	assert_string_equal(s->items[1].file, "thong-bao xã.ogg");
	assert_int_equal(s->items[1].line, 5);
	assert_string_equal(s->items[2].id, "a.b_c-9");
	assert_int_equal(s->items[2].line, 6);

	s = &p.slots[1];
	assert_string_equal(s->name, "17:00");
	assert_int_equal(s->line, 7);
	assert_int_equal(s->start, 17 * 3600 + 30);
	assert_int_equal(s->days, 0);
	assert_int_equal(s->date, day_of(2026, 11, 27));
	assert_int_equal(s->from, at(2026, 11, 1, 0, 0, 0));
	assert_int_equal(s->until, at(2026, 11, 30, 23, 59, 59));
	assert_int_equal(s->nitems, 2);
	assert_string_equal(s->items[1].id, "y");

	s = &p.slots[2];
	assert_string_equal(s->name, "06:00");
	assert_int_equal(s->days, 0x7f);
	assert_int_equal(s->from, at(2026, 11, 1, 6, 0, 0));
	assert_int_equal(s->until, at(2026, 12, 1, 5, 59, 59));
	/* Not every slot has the date: not a daily schedule. */
	for (size_t i = 0; i < p.nslots; i++)
		assert_false(p.slots[i].daily);

	/* A province file: start-less priority and emergency slots. */
	assert_int_equal(
	    load_text(&p,
	              "slots = (\n"
	              "  { priority = \"priority\"; items = ( \"p\" ); },\n"
	              "  { priority = \"emergency\"; from = \"2026-11-27 09:15\";\n"
	              "    items = ( \"e\" ); },\n"
	              "  { priority = \"emergency\"; start = \"19:00\"; name = \"Bão\";\n"
	              "    items = ( \"e\" ); }\n"
	              ");\n",
	              true, &d, NULL),
	    0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p.nslots, 6);
	assert_int_equal(p.nfiles, 2);
	s = &p.slots[3];
	assert_string_equal(s->name, "(priority)");
	assert_int_equal(s->start, -1);
	assert_int_equal(s->prio, SCHED_PRIORITY);
	assert_true(s->province);
	assert_ptr_equal(s->file, p.files[1]);
	s = &p.slots[4];
	assert_string_equal(s->name, "(emergency)");
	assert_int_equal(s->prio, SCHED_EMERGENCY);
	assert_int_equal(s->from, at(2026, 11, 27, 9, 15, 0));
	s = &p.slots[5];
	assert_string_equal(s->name, "Bão");
	assert_int_equal(s->start, 19 * 3600);
	/* The earlier file's slots still point at their own file. */
	assert_ptr_equal(p.slots[0].file, p.files[0]);

	free(path);
	sched_plan_free(&p);
	assert_null(p.slots);
	assert_int_equal(p.nslots, 0);
	assert_int_equal(p.nfiles, 0);
}

static void test_daily_flag(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(&p,
	        "slots = ( { start = \"05:30\"; date = \"2026-11-27\"; items = ( \"a\" ); },\n"
	        "          { start = \"17:00\"; date = \"2026-11-27\"; items = ( \"b\" ); } );\n",
	        false);
	load_ok(&p,
	        "slots = ( { start = \"05:30\"; date = \"2026-11-27\"; items = ( \"a\" ); },\n"
	        "          { start = \"17:00\"; date = \"2026-11-28\"; items = ( \"b\" ); } );\n",
	        false);
	load_ok(&p, "slots = ();\n", false);
	assert_int_equal(p.nslots, 4);
	assert_int_equal(p.nfiles, 3);
	assert_true(p.slots[0].daily && p.slots[1].daily);
	assert_false(p.slots[2].daily || p.slots[3].daily);
	sched_plan_free(&p);
}

static void test_days_specs(void **state)
{
	static const struct {
		const char *spec;
		uint8_t mask; /* bit 0 = Sunday */
	} good[] = {
	    {"daily", 0x7f},         {"DAILY", 0x7f},       {"mon-fri", 0x3e}, {"sat-sun", 0x41},
	    {"mon,wed,sat", 0x4a},   {"fri-mon", 0x63},     {"sun-sat", 0x7f}, {"sat-fri", 0x7f},
	    {"tue-tue", 0x04},       {"sun", 0x01},         {"sat", 0x40},     {"Mon-Fri", 0x3e},
	    {"mon, wed ,sat", 0x4a}, {"mon-wed,fri", 0x2e}, {"thu-tue", 0x77}, {"mon,mon", 0x02},
	    {"sat-mon,wed", 0x4b},   {"mon - fri", 0x3e},
	};
	static const char *const bad[] = {
	    "",        "mon-", "-fri", "monday",   "mon,,tue", "mon-fri-sat", "xyz",
	    "mon;tue", ",mon", "mon,", "weekdays", "mo-fr",    "mon fri",     " "};

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		struct sched_plan p = {0};
		char *text = xasprintf("slots = ( { start = \"05:30\"; days = \"%s\"; "
		                       "items = ( \"a\" ); } );\n",
		                       good[i].spec);

		load_ok(&p, text, false);
		if (p.slots[0].days != good[i].mask)
			fail_msg("\"%s\": mask 0x%02x, expected 0x%02x", good[i].spec,
			         p.slots[0].days, good[i].mask);
		free(text);
		sched_plan_free(&p);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct sched_plan p = {0};
		struct diag d = {0};
		char *path, *want;
		char *text = xasprintf("slots = (\n  { start = \"05:30\";\n    days = \"%s\";\n"
		                       "    items = ( \"a\" ); }\n);\n",
		                       bad[i]);

		assert_int_equal(load_text(&p, text, false, &d, &path), -1);
		assert_int_equal(p.nslots, 0);
		assert_int_equal(d.n, 1);
		want = xasprintf("%s:3: \"days\": \"%s\" is not a day list (daily, mon-fri, "
		                 "mon,wed,sat, fri-mon)",
		                 path, bad[i]);
		assert_string_equal(d.msgs[0], want);
		free(want);
		free(path);
		free(text);
		diag_free(&d);
		sched_plan_free(&p);
	}
}

/* Each case: a file, whether it is the province's, and the one expected
 * problem ("LINE: message"; line 0 for a whole-file problem). */
static const struct {
	const char *text;
	bool province;
	int line;
	const char *msg;
} parse_errors[] = {
    {"slots = (\n  { start = \"05:30\"; items = (\"a\"); },\n  { start = 05:30; }\n);\n", false, 3,
     "syntax error"},
    {"slots = (\n  { start = \"05:30\"; items = (\"a\"); }\n", false, 3, "syntax error"},
    {"slots = ();\nslots = ();\n", false, 2, "duplicate setting name"},
    {"slots = ();\nstation = \"x\";\n", false, 2,
     "unknown key \"station\" (a schedule file holds only \"slots\")"},
    {"", false, 0, "missing \"slots\""},
    {"# only a comment\n", false, 0, "missing \"slots\""},
    {"\nslots = 5;\n", false, 2, "\"slots\" must be a list ( { ... }, { ... } )"},
    {"slots = { start = \"05:30\"; };\n", false, 1,
     "\"slots\" must be a list ( { ... }, { ... } )"},
    {"slots = (\n  \"05:30\" );\n", false, 2,
     "slot 1 must be a group { start = \"HH:MM\"; items = (...); }"},
    {"slots = (\n  { start = \"05:30\"; items = (\"a\"); },\n  ( \"b\" )\n);\n", false, 3,
     "slot 2 must be a group { start = \"HH:MM\"; items = (...); }"},
    {"slots = (\n  { start = \"05:30\";\n    colour = \"red\";\n    items = (\"a\"); }\n);\n",
     false, 3,
     "unknown key \"colour\" in a slot (known: name, start, days, date, from, until, priority, "
     "items)"},
    {"slots = (\n  { start = 530; items = (\"a\"); }\n);\n", false, 2,
     "\"start\" must be a string"},
    {"slots = (\n  { start = \"05:30\";\n name = 5; items = (\"a\"); }\n);\n", false, 3,
     "\"name\" must be a string"},
    {"slots = (\n  { start = \"05:30\"; days = 1;\n items = (\"a\"); }\n);\n", false, 2,
     "\"days\" must be a string"},
    {"slots = (\n  { start = \"05:30\"; date = true; items = (\"a\"); }\n);\n", false, 2,
     "\"date\" must be a string"},
    {"slots = (\n  { start = \"05:30\"; from = 2026; items = (\"a\"); }\n);\n", false, 2,
     "\"from\" must be a string"},
    {"slots = (\n  { start = \"05:30\"; until = 1.5; items = (\"a\"); }\n);\n", false, 2,
     "\"until\" must be a string"},
    {"slots = (\n  { start = \"05:30\"; priority = 1; items = (\"a\"); }\n);\n", false, 2,
     "\"priority\" must be a string"},
    {"slots = (\n  { start = \"25:00\"; items = (\"a\"); }\n);\n", false, 2,
     "\"start\": \"25:00\" is not a time (HH:MM or HH:MM:SS)"},
    {"slots = (\n  { start = \"5:30\"; items = (\"a\"); }\n);\n", false, 2,
     "\"start\": \"5:30\" is not a time (HH:MM or HH:MM:SS)"},
    {"slots = (\n  { start = \"05:30:60\"; items = (\"a\"); }\n);\n", false, 2,
     "\"start\": \"05:30:60\" is not a time (HH:MM or HH:MM:SS)"},
    {"slots = (\n  { start = \"05:30\"; days = \"mon-fri\";\n    date = \"2026-11-27\";\n"
     "    items = (\"a\"); }\n);\n",
     false, 3, "\"days\" and \"date\" cannot be used together"},
    {"slots = (\n  { start = \"05:30\"; date = \"2026-02-30\"; items = (\"a\"); }\n);\n", false, 2,
     "\"date\": \"2026-02-30\" is not a date (YYYY-MM-DD)"},
    {"slots = (\n  { start = \"05:30\"; date = \"27/11/2026\"; items = (\"a\"); }\n);\n", false, 2,
     "\"date\": \"27/11/2026\" is not a date (YYYY-MM-DD)"},
    {"slots = (\n  { start = \"05:30\";\n    from = \"2026-11-27T05:00\"; items = (\"a\"); }\n);\n",
     false, 3,
     "\"from\": \"2026-11-27T05:00\" is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS])"},
    {"slots = (\n  { start = \"05:30\";\n    until = \"2026-11-31\"; items = (\"a\"); }\n);\n",
     false, 3, "\"until\": \"2026-11-31\" is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS])"},
    {"slots = (\n  { start = \"05:30\"; from = \"2026-12-01\";\n    until = \"2026-11-30\";\n"
     "    items = (\"a\"); }\n);\n",
     false, 3, "\"from\" (2026-12-01) is after \"until\" (2026-11-30)"},
    {"slots = (\n  { start = \"05:30\"; from = \"2026-11-30 18:00\";\n"
     "    until = \"2026-11-30 17:59:59\"; items = (\"a\"); }\n);\n",
     false, 3, "\"from\" (2026-11-30 18:00) is after \"until\" (2026-11-30 17:59:59)"},
    {"slots = (\n  { start = \"05:30\";\n    items = (); }\n);\n", false, 3, "\"items\" is empty"},
    {"slots = (\n  { start = \"05:30\";\n    items = []; }\n);\n", false, 3, "\"items\" is empty"},
    {"slots = (\n  { start = \"05:30\"; }\n);\n", false, 2, "missing \"items\""},
    {"slots = (\n  { start = \"05:30\";\n    items = \"a\"; }\n);\n", false, 3,
     "\"items\" must be a list ( \"id\", { file = \"...\"; } )"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( \"a\",\n 5 ); }\n);\n", false, 4,
     "\"items\": item 2 must be a programme id, { file = \"...\"; } or { relay = \"...\"; "
     "duration = \"...\"; }"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( ( \"a\" ) ); }\n);\n", false, 3,
     "\"items\": item 1 must be a programme id, { file = \"...\"; } or { relay = \"...\"; "
     "duration = \"...\"; }"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( { file = \"a.ogg\";\n volume = 3; } ); }\n"
     ");\n",
     false, 4,
     "\"items\": item 1: unknown key \"volume\" (an item is \"id\" or { file = \"...\"; })"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( { } ); }\n);\n", false, 3,
     "\"items\": item 1: \"file\" must be a non-empty string"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( \"a\", { file = \"\"; } ); }\n);\n", false,
     3, "\"items\": item 2: \"file\" must be a non-empty string"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( { file = 7; } ); }\n);\n", false, 3,
     "\"items\": item 1: \"file\" must be a non-empty string"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( { file = \"a\\x01b\"; } ); }\n);\n", false,
     3, "\"items\": item 1: \"file\" must be UTF-8 text without control characters"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( \"Thoi-su\" ); }\n);\n", false, 3,
     "\"items\": item 1: \"Thoi-su\" is not a programme id ([a-z0-9][a-z0-9._-]*, no \"..\")"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( \"-a\" ); }\n);\n", false, 3,
     "\"items\": item 1: \"-a\" is not a programme id ([a-z0-9][a-z0-9._-]*, no \"..\")"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( \"a..b\" ); }\n);\n", false, 3,
     "\"items\": item 1: \"a..b\" is not a programme id ([a-z0-9][a-z0-9._-]*, no \"..\")"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( \"a/b\" ); }\n);\n", false, 3,
     "\"items\": item 1: \"a/b\" is not a programme id ([a-z0-9][a-z0-9._-]*, no \"..\")"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( \"\" ); }\n);\n", false, 3,
     "\"items\": item 1: \"\" is not a programme id ([a-z0-9][a-z0-9._-]*, no \"..\")"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( \"tin tức\" ); }\n);\n", false, 3,
     "\"items\": item 1: \"tin tức\" is not a programme id ([a-z0-9][a-z0-9._-]*, no \"..\")"},
    {"slots = (\n  { start = \"05:30\"; priority = \"urgent\"; items = (\"a\"); }\n);\n", true, 2,
     "\"priority\": \"urgent\" is not normal, priority or emergency"},
    {"slots = (\n  { start = \"05:30\";\n    priority = \"priority\"; items = (\"a\"); }\n);\n",
     false, 3, "\"priority\": \"priority\" is only allowed in province schedules"},
    {"slots = (\n  { start = \"05:30\";\n    priority = \"emergency\"; items = (\"a\"); }\n);\n",
     false, 3, "\"priority\": \"emergency\" is only allowed in province schedules"},
    {"slots = (\n  { days = \"daily\"; items = (\"a\"); }\n);\n", false, 2,
     "missing \"start\" (only province priority and emergency slots may leave it out)"},
    {"slots = (\n  { days = \"daily\"; items = (\"a\"); }\n);\n", true, 2,
     "missing \"start\" (only province priority and emergency slots may leave it out)"},
    {"slots = (\n  { priority = \"emergency\"; items = (\"a\"); }\n);\n", true, 2,
     "missing \"start\" (an emergency slot without \"start\" needs \"from\")"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( { file = \"a.ogg\"; } ); }\n);\n", true, 3,
     "\"items\": item 1: a province schedule may only name programme ids"},
    {"slots = (\n  { start = \"05:30\";\n    name = \"bad \\xff\"; items = (\"a\"); }\n);\n", false,
     3, "\"name\" must be UTF-8 text without control characters"},
    {"slots = (\n  { start = \"05:30\";\n    name = \"tab\\there\"; items = (\"a\"); }\n);\n",
     false, 3, "\"name\" must be UTF-8 text without control characters"},
    {"slots = (\n  { start = \"05:30\";\n    name = \"\\xc0\\xaf\"; items = (\"a\"); }\n);\n",
     false, 3, "\"name\" must be UTF-8 text without control characters"},
    {"slots = (\n  { start = \"05:30\";\n    name = \"\\xed\\xa0\\x80\"; items = (\"a\"); }\n);\n",
     false, 3, "\"name\" must be UTF-8 text without control characters"},
    {"slots = (\n  { start = \"05:30\"; items = (\"a\"); }\n);\n  @include \"/etc/passwd\"\n",
     false, 4, "@include is not allowed in schedule files"},
    {"slots = (\n  { start = \"05:30\";\n    items = ( \"a\" ); x = ((((((((((\n((((((1\n"
     "))))))))))))))))); }\n);\n",
     false, 4, "nesting too deep: more than 16 levels of brackets"},
    /* relays */
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"vov1\"; } ); }\n);\n", false, 3,
     "\"items\": item 1: a relay needs \"duration\" (\"HH:MM:SS\")"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"vov1\";\n"
     "      duration = \"00:00\"; } ); }\n);\n",
     false, 4,
     "\"items\": item 1: \"duration\": \"00:00\" is not a length (HH:MM:SS or HH:MM, more "
     "than zero)"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"vov1\";\n"
     "      duration = 1800; } ); }\n);\n",
     false, 4,
     "\"items\": item 1: \"duration\": \"\" is not a length (HH:MM:SS or HH:MM, more than "
     "zero)"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = 5; duration = \"00:30\"; } ); }\n"
     ");\n",
     false, 3, "\"items\": item 1: \"relay\" must be a string (a URL or an id)"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"ftp://x/y\"; duration = "
     "\"00:30\"; } ); }\n);\n",
     false, 3,
     "\"items\": item 1: \"relay\": \"ftp://x/y\" is neither a stream URL nor a relay id"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"http://a b/\"; duration = "
     "\"00:30\"; } ); }\n);\n",
     false, 3,
     "\"items\": item 1: \"relay\" is not a stream URL (http:// or https://, up to 1024 "
     "characters, no blanks or quotes)"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"http://\"; duration = "
     "\"00:30\"; } ); }\n);\n",
     false, 3,
     "\"items\": item 1: \"relay\" is not a stream URL (http:// or https://, up to 1024 "
     "characters, no blanks or quotes)"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"https://r.vn/vov1\"; duration "
     "= \"00:30\"; } ); }\n);\n",
     true, 3, "\"items\": item 1: a province schedule names relays by id, not by URL"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"vov1\"; duration = \"00:30\";\n"
     "      gain = 3; } ); }\n);\n",
     false, 4,
     "\"items\": item 1: unknown key \"gain\" (a relay is { relay = \"...\"; duration = "
     "\"HH:MM:SS\"; fallback = ( ... ); })"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"vov1\"; duration = \"00:30\";\n"
     "      fallback = ( ); } ); }\n);\n",
     false, 4, "\"fallback\" is empty"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"vov1\"; duration = \"00:30\";\n"
     "      fallback = ( \"a\",\n { relay = \"vov2\"; duration = \"00:10\"; } ); } ); }\n);\n",
     false, 5, "\"fallback\": item 2: a fallback cannot be a relay"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"vov1\"; duration = \"00:30\";\n"
     "      fallback = ( { file = \"x.ogg\"; } ); } ); }\n);\n",
     true, 4, "\"fallback\": item 1: a province schedule may only name programme ids"},
    {"slots = (\n  { start = \"12:00\";\n    items = ( { relay = \"vov1\"; duration = \"00:30\";\n"
     "      fallback = \"a\"; } ); }\n);\n",
     false, 4, "\"fallback\" must be a list ( \"id\", { file = \"...\"; } )"},
};

static void test_relay_items(void **state)
{
	struct sched_plan p = {0};
	const struct sched_item *it;

	(void)state;
	load_ok(&p,
	        "slots = (\n"
	        "  { name = \"Thời sự trưa\"; start = \"11:30\"; items = ( \"nhac-hieu\",\n"
	        "    { relay = \"https://radio.example.vn/vov1.mp3\"; duration = \"00:30:00\";\n"
	        "      fallback = ( { file = \"nhac.ogg\"; }, \"ban-tin\" ); },\n"
	        "    { relay = \"vov1\"; duration = \"00:05\"; } ); }\n"
	        ");\n",
	        false);
	assert_int_equal(p.nslots, 1);
	assert_int_equal(p.slots[0].nitems, 3);
	it = &p.slots[0].items[1];
	assert_null(it->id);
	assert_null(it->file);
	assert_string_equal(it->relay, "https://radio.example.vn/vov1.mp3");
	assert_true(sched_is_url(it->relay));
	assert_int_equal(it->duration, 1800);
	assert_int_equal(it->line, 3);
	assert_int_equal(it->nfallback, 2);
	assert_string_equal(it->fallback[0].file, "nhac.ogg");
	assert_string_equal(it->fallback[1].id, "ban-tin");
	it = &p.slots[0].items[2];
	assert_string_equal(it->relay, "vov1");
	assert_false(sched_is_url(it->relay));
	assert_int_equal(it->duration, 300);
	assert_int_equal(it->nfallback, 0);
	/* the province names relays and fallbacks by id */
	load_ok(
	    &p,
	    "slots = ( { start = \"12:00\"; items = (\n"
	    "  { relay = \"vov1\"; duration = \"01:00:00\"; fallback = ( \"nhac\" ); } ); } );\n",
	    true);
	assert_int_equal(p.nslots, 2);
	assert_int_equal(p.slots[1].items[0].duration, 3600);
	sched_plan_free(&p);
}

static void test_parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof parse_errors / sizeof *parse_errors; i++) {
		struct sched_plan p = {0};
		struct diag d = {0};
		char *path, *want;
		int r = load_text(&p, parse_errors[i].text, parse_errors[i].province, &d, &path);

		if (parse_errors[i].line)
			want =
			    xasprintf("%s:%d: %s", path, parse_errors[i].line, parse_errors[i].msg);
		else
			want = xasprintf("%s: %s", path, parse_errors[i].msg);
		if (r != -1 || d.n != 1 || strcmp(d.msgs[0], want) != 0 || p.nslots != 0 ||
		    p.nfiles != 0) {
			diag_print(&d, stderr);
			fail_msg("case %zu: r=%d, %zu problems, %zu slots; expected \"%s\"", i, r,
			         d.n, p.nslots, want);
		}
		free(want);
		free(path);
		diag_free(&d);
		sched_plan_free(&p);
	}
}

static void test_file_problems(void **state)
{
	struct sched_plan p = {0};
	struct diag d = {0};
	char *path = xasprintf("%s/missing.cfg", tmpdir), *want, *big;
	static const char nul[] = "slots = ();\n\0# x\n";

	(void)state;
	assert_int_equal(sched_load_file(&p, path, false, &d), -1);
	assert_int_equal(d.n, 1);
	want = xasprintf("%s: cannot read: No such file or directory", path);
	assert_string_equal(d.msgs[0], want);
	free(want);
	free(path);
	diag_free(&d);

	path = put_in(tmpdir, "nul.cfg", nul, sizeof nul - 1);
	assert_int_equal(sched_load_file(&p, path, false, &d), -1);
	assert_int_equal(d.n, 1);
	want = xasprintf("%s: contains a NUL byte, not a schedule", path);
	assert_string_equal(d.msgs[0], want);
	free(want);
	free(path);
	diag_free(&d);

	big = xmalloc(2 * 1024 * 1024);
	memset(big, '#', 2 * 1024 * 1024);
	path = put_in(tmpdir, "big.cfg", big, 2 * 1024 * 1024);
	free(big);
	assert_int_equal(sched_load_file(&p, path, false, &d), -1);
	assert_int_equal(d.n, 1);
	want = xasprintf("%s: larger than 1048576 bytes, not a schedule", path);
	assert_string_equal(d.msgs[0], want);
	free(want);
	free(path);
	diag_free(&d);
	assert_int_equal(p.nslots, 0);
	assert_int_equal(p.nfiles, 0);

	/* a FIFO (nobody writes to it) and a folder: refused at once */
	path = xasprintf("%s/pipe.cfg", tmpdir);
	assert_int_equal(mkfifo(path, 0644), 0);
	alarm(10);
	assert_int_equal(sched_load_file(&p, path, false, &d), -1);
	alarm(0);
	assert_int_equal(d.n, 1);
	want = xasprintf("%s: cannot read: not a regular file", path);
	assert_string_equal(d.msgs[0], want);
	unlink(path);
	free(want);
	free(path);
	diag_free(&d);
	assert_int_equal(sched_load_file(&p, tmpdir, false, &d), -1);
	want = xasprintf("%s: cannot read: not a regular file", tmpdir);
	assert_string_equal(d.msgs[0], want);
	free(want);
	diag_free(&d);

	/* far deeper than libconfig's parser stack: the line, not "memory
	 * exhausted" */
	big = xmalloc(400004);
	memcpy(big, "x =\n", 4);
	memset(big + 4, '(', 200000);
	memset(big + 200004, ')', 200000);
	path = put_in(tmpdir, "deep.cfg", big, 400004);
	free(big);
	assert_int_equal(sched_load_file(&p, path, false, &d), -1);
	assert_int_equal(d.n, 1);
	want = xasprintf("%s:2: nesting too deep: more than 16 levels of brackets", path);
	assert_string_equal(d.msgs[0], want);
	free(want);
	free(path);
	diag_free(&d);
}

static void test_many_errors_one_file(void **state)
{
	struct sched_plan p = {0};
	struct diag d = {0};
	char *path, *want;
	static const char *const expect[] = {
	    "%s:3: \"start\": \"5h30\" is not a time (HH:MM or HH:MM:SS)",
	    "%s:4: \"days\": \"mon-sun-x\" is not a day list (daily, mon-fri, mon,wed,sat, "
	    "fri-mon)",
	    "%s:6: \"items\": item 2: \"Bad\" is not a programme id ([a-z0-9][a-z0-9._-]*, no "
	    "\"..\")",
	    "%s:7: unknown key \"ngay\" in a slot (known: name, start, days, date, from, until, "
	    "priority, items)",
	    "%s:8: missing \"items\"",
	};

	(void)state;
	assert_int_equal(
	    load_text(&p,
	              "slots = (\n"
	              "  { name = \"ok\"; start = \"05:30\"; items = ( \"a\" ); },\n"
	              "  { start = \"5h30\";\n"
	              "    days = \"mon-sun-x\";\n"
	              "    items = ( \"a\",\n"
	              "              \"Bad\" ); },\n"
	              "  { start = \"17:00\"; ngay = \"2026-11-27\"; items = ( \"a\" ); },\n"
	              "  { start = \"18:00\"; }\n"
	              ");\n",
	              false, &d, &path),
	    -1);
	assert_int_equal(d.n, sizeof expect / sizeof *expect);
	for (size_t i = 0; i < d.n; i++) {
		want = xasprintf(expect[i], path);
		assert_string_equal(d.msgs[i], want);
		free(want);
	}
	/* All or nothing: the good first slot did not get in either. */
	assert_int_equal(p.nslots, 0);
	assert_int_equal(p.nfiles, 0);
	free(path);
	diag_free(&d);
}

static void test_load_dir(void **state)
{
	char *dir = xasprintf("%s/dir", tmpdir), *missing = xasprintf("%s/nope", tmpdir), *want;
	static const char good[] = "slots = ( { start = \"05:30\"; items = ( \"a\" ); } );\n";
	struct sched_plan p = {0};
	struct diag d = {0};

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	put_text(dir, "b.cfg",
	         "slots = ( { name = \"b\"; start = \"06:00\"; items = ( \"b\" ); } );\n");
	put_text(dir, "a.cfg",
	         "slots = ( { name = \"a\"; start = \"07:00\"; items = ( \"a\" ); } );\n");
	put_text(dir, "B.cfg",
	         "slots = ( { name = \"B\"; start = \"08:00\"; items = ( \"c\" ); } );\n");
	put_text(dir, "c.cfg", "slots = ( { start = \"99:00\"; items = ( \"a\" ); } );\n");
	put_text(dir, ".hidden.cfg", good);
	put_text(dir, "notes.txt", "not a schedule");
	put_text(dir, "d.cfg.tmp.123", good);
	put_text(dir, ".cfg", good);

	assert_int_equal(sched_load_dir(&p, dir, &d), -1);
	/* c.cfg is bad: reported, contributes nothing; the others load. */
	assert_int_equal(d.n, 1);
	want = xasprintf("%s/c.cfg:1: \"start\": \"99:00\" is not a time (HH:MM or HH:MM:SS)", dir);
	assert_string_equal(d.msgs[0], want);
	free(want);
	assert_int_equal(p.nfiles, 3);
	assert_int_equal(p.nslots, 3);
	/* byte order of names: "B" < "a" < "b" */
	assert_string_equal(p.slots[0].name, "B");
	assert_string_equal(p.slots[1].name, "a");
	assert_string_equal(p.slots[2].name, "b");
	want = xasprintf("%s/B.cfg", dir);
	assert_string_equal(p.files[0], want);
	assert_string_equal(p.slots[0].file, want);
	free(want);
	diag_free(&d);
	sched_plan_free(&p);

	/* A trailing slash is fine; a clean folder returns 0. */
	want = xasprintf("%s/c.cfg", dir);
	assert_int_equal(remove(want), 0);
	free(want);
	want = xasprintf("%s/", dir);
	assert_int_equal(sched_load_dir(&p, want, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p.nslots, 3);
	free(want);
	want = xasprintf("%s/a.cfg", dir);
	assert_string_equal(p.slots[1].file, want);
	free(want);
	sched_plan_free(&p);

	assert_int_equal(sched_load_dir(&p, missing, &d), -1);
	assert_int_equal(d.n, 1);
	want = xasprintf("%s: cannot open the schedule folder: No such file or directory", missing);
	assert_string_equal(d.msgs[0], want);
	free(want);
	assert_int_equal(p.nslots, 0);
	diag_free(&d);
	free(dir);
	free(missing);
}

static void test_check_quiet(void **state)
{
	const int q0 = 21 * 3600 + 30 * 60, q1 = 5 * 3600;
	struct sched_plan p = {0};
	struct diag d = {0};
	char *op, *prov, *want;

	(void)state;
	assert_int_equal(
	    load_text(&p,
	              "slots = (\n"
	              "  { name = \"Sáng sớm\"; start = \"04:30\"; items = ( \"a\" ); },\n"
	              "  { start = \"05:00\"; items = ( \"a\" ); },\n"
	              "  { start = \"21:29:59\"; items = ( \"a\" ); },\n"
	              "  { start = \"21:30\"; items = ( \"a\" ); }\n"
	              ");\n",
	              false, &d, &op),
	    0);
	assert_int_equal(
	    load_text(&p,
	              "slots = (\n"
	              "  { name = \"Ưu tiên\"; start = \"23:00\"; priority = \"priority\";\n"
	              "    items = ( \"p\" ); },\n"
	              "  { start = \"03:15\"; priority = \"emergency\"; items = ( \"e\" ); },\n"
	              "  { priority = \"priority\"; items = ( \"p\" ); }\n"
	              ");\n",
	              true, &d, &prov),
	    0);
	assert_int_equal(d.n, 0);

	assert_int_equal(sched_check_quiet(&p, -1, -1, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(sched_check_quiet(&p, 6 * 3600, 7 * 3600, &d), 0);
	assert_int_equal(d.n, 0);

	assert_int_equal(sched_check_quiet(&p, q0, q1, &d), -1);
	assert_int_equal(d.n, 3);
	want = xasprintf("%s:2: slot \"Sáng sớm\" starts at 04:30, inside quiet hours 21:30-05:00",
	                 op);
	assert_string_equal(d.msgs[0], want);
	free(want);
	want =
	    xasprintf("%s:5: slot \"21:30\" starts at 21:30, inside quiet hours 21:30-05:00", op);
	assert_string_equal(d.msgs[1], want);
	free(want);
	want = xasprintf("%s:2: slot \"Ưu tiên\" starts at 23:00, inside quiet hours 21:30-05:00",
	                 prov);
	assert_string_equal(d.msgs[2], want);
	free(want);
	diag_free(&d);

	/* Within one day, and its end excluded. */
	assert_int_equal(sched_check_quiet(&p, 0, 4 * 3600 + 30 * 60, &d), 0);
	assert_int_equal(sched_check_quiet(&p, 0, 4 * 3600 + 30 * 60 + 1, &d), -1);
	assert_int_equal(d.n, 1);
	diag_free(&d);
	free(op);
	free(prov);
	sched_plan_free(&p);
}

/* ---- occurrences -------------------------------------------------------------- */

/* 2026-11-23 is a Monday, 2026-11-29 a Sunday. */
#define NOV(d) at(2026, 11, (d), 0, 0, 0)

static void test_occ_days_and_date(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(
	    &p,
	    "slots = (\n"
	    "  { name = \"wk\"; start = \"05:30\"; days = \"mon-fri\"; items = ( \"a\" ); },\n"
	    "  { name = \"we\"; start = \"06:00\"; days = \"sat-sun\"; items = ( \"a\" ); },\n"
	    "  { name = \"mws\"; start = \"11:00\"; days = \"mon,wed,sat\"; items = ( \"a\" ); },\n"
	    "  { name = \"wrap\"; start = \"17:00\"; days = \"fri-mon\"; items = ( \"a\" ); },\n"
	    "  { name = \"all\"; start = \"20:00\"; items = ( \"a\" ); },\n"
	    "  { name = \"one\"; start = \"09:00\"; date = \"2026-11-25\"; items = ( \"a\" ); }\n"
	    ");\n",
	    false);
	assert_occ(&p, NOV(23), NOV(24), "23 05:30 wk, 23 11:00 mws, 23 17:00 wrap, 23 20:00 all");
	assert_occ(&p, NOV(24), NOV(25), "24 05:30 wk, 24 20:00 all");
	assert_occ(&p, NOV(25), NOV(26), "25 05:30 wk, 25 09:00 one, 25 11:00 mws, 25 20:00 all");
	assert_occ(&p, NOV(26), NOV(27), "26 05:30 wk, 26 20:00 all");
	assert_occ(&p, NOV(27), NOV(28), "27 05:30 wk, 27 17:00 wrap, 27 20:00 all");
	assert_occ(&p, NOV(28), NOV(29), "28 06:00 we, 28 11:00 mws, 28 17:00 wrap, 28 20:00 all");
	assert_occ(&p, NOV(29), NOV(30), "29 06:00 we, 29 17:00 wrap, 29 20:00 all");
	/* The dated slot is a one-off: not the next week. */
	assert_occ(&p, at(2026, 12, 2, 0, 0, 0), at(2026, 12, 3, 0, 0, 0),
	           "02 05:30 wk, 02 11:00 mws, 02 20:00 all");
	/* Empty and reversed windows. */
	assert_occ(&p, NOV(23), NOV(23), "");
	assert_occ(&p, NOV(24), NOV(23), "");
	sched_plan_free(&p);
}

static void test_occ_from_until(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(
	    &p,
	    "slots = (\n"
	    "  { name = \"a\"; start = \"05:30\"; from = \"2026-11-24\"; until = \"2026-11-26\";\n"
	    "    items = ( \"a\" ); },\n"
	    "  { name = \"b\"; start = \"23:59:59\"; until = \"2026-11-25\"; items = ( \"a\" ); "
	    "},\n"
	    "  { name = \"c\"; start = \"00:00\"; from = \"2026-11-25\"; items = ( \"a\" ); },\n"
	    "  { name = \"d\"; start = \"17:00\"; from = \"2026-11-24 17:00\";\n"
	    "    until = \"2026-11-26 17:00\"; items = ( \"a\" ); },\n"
	    "  { name = \"e\"; start = \"17:00\"; from = \"2026-11-24 17:00:01\";\n"
	    "    until = \"2026-11-26 16:59:59\"; items = ( \"a\" ); },\n"
	    "  { name = \"f\"; start = \"12:00\"; date = \"2026-11-25\"; from = \"2026-11-26\";\n"
	    "    items = ( \"a\" ); }\n"
	    ");\n",
	    false);
	assert_occ(&p, NOV(23), NOV(24), "23 23:59:59 b");
	assert_occ(&p, NOV(24), NOV(25), "24 05:30 a, 24 17:00 d, 24 23:59:59 b");
	assert_occ(&p, NOV(25), NOV(26),
	           "25 00:00 c, 25 05:30 a, 25 17:00 d, 25 17:00 e, "
	           "25 23:59:59 b");
	assert_occ(&p, NOV(26), NOV(27), "26 00:00 c, 26 05:30 a, 26 17:00 d");
	assert_occ(&p, NOV(27), NOV(28), "27 00:00 c");
	sched_plan_free(&p);
}

static void test_occ_daily_replaces(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	/* weekly template */
	load_ok(
	    &p,
	    "slots = (\n"
	    "  { name = \"sang\"; start = \"05:30\"; days = \"mon-sat\"; items = ( \"a\" ); },\n"
	    "  { name = \"chieu\"; start = \"17:00\"; items = ( \"a\" ); },\n"
	    "  { name = \"le\"; start = \"08:00\"; date = \"2026-11-27\"; items = ( \"a\" ); }\n"
	    ");\n",
	    false);
	/* daily schedule for Friday 27 */
	load_ok(&p,
	        "slots = (\n"
	        "  { name = \"d-sang\"; start = \"06:00\"; date = \"2026-11-27\"; items = ( \"a\" "
	        "); },\n"
	        "  { name = \"d-trua\"; start = \"11:00\"; date = \"2026-11-27\"; items = ( \"a\" "
	        "); }\n"
	        ");\n",
	        false);
	/* province: a recurring slot and a dated one, never replaced */
	load_ok(&p,
	        "slots = (\n"
	        "  { name = \"tinh\"; start = \"17:20\"; days = \"fri\"; items = ( \"p\" ); },\n"
	        "  { name = \"tinh-27\"; start = \"19:00\"; date = \"2026-11-27\"; items = ( \"p\" "
	        "); }\n"
	        ");\n",
	        true);
	assert_occ(&p, NOV(26), NOV(27), "26 05:30 sang, 26 17:00 chieu");
	assert_occ(
	    &p, NOV(27), NOV(28),
	    "27 06:00 d-sang, 27 08:00 le, 27 11:00 d-trua, 27 17:20 tinh, 27 19:00 tinh-27");
	assert_occ(&p, NOV(28), NOV(29), "28 05:30 sang, 28 17:00 chieu");
	/* the next Friday is ordinary again */
	assert_occ(&p, at(2026, 12, 4, 0, 0, 0), at(2026, 12, 5, 0, 0, 0),
	           "04 05:30 sang, 04 17:00 chieu, 04 17:20 tinh");
	/* the replacement counts even when the window covers only part of the day */
	assert_occ(&p, at(2026, 11, 27, 16, 0, 0), at(2026, 11, 27, 18, 0, 0), "27 17:20 tinh");
	sched_plan_free(&p);

	/* A province file whose slots share a date replaces nothing. */
	load_ok(&p, "slots = ( { name = \"op\"; start = \"05:30\"; items = ( \"a\" ); } );\n",
	        false);
	load_ok(&p,
	        "slots = ( { name = \"pd\"; start = \"06:00\"; date = \"2026-11-27\";\n"
	        "            items = ( \"p\" ); } );\n",
	        true);
	assert_true(p.slots[1].daily);
	assert_occ(&p, NOV(27), NOV(28), "27 05:30 op, 27 06:00 pd");
	sched_plan_free(&p);
}

static void test_occ_priority_insert(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(
	    &p,
	    "slots = (\n"
	    "  { name = \"sang\"; start = \"05:30\"; items = ( \"a\" ); },\n"
	    "  { name = \"chieu\"; start = \"17:00\"; days = \"mon-sat\"; items = ( \"a\" ); }\n"
	    ");\n",
	    false);
	load_ok(
	    &p,
	    "slots = (\n"
	    "  { name = \"P\"; priority = \"priority\"; from = \"2026-11-24 12:00\";\n"
	    "    until = \"2026-11-29\"; items = ( \"p\" ); },\n"
	    "  { name = \"E\"; priority = \"emergency\"; start = \"18:00\";\n"
	    "    date = \"2026-11-29\"; items = ( \"e\" ); },\n"
	    "  { name = \"Q\"; priority = \"priority\"; date = \"2026-11-26\";\n"
	    "    items = ( \"q\" ); },\n"
	    "  { name = \"R\"; priority = \"priority\"; from = \"2026-11-23 05:30:01\";\n"
	    "    until = \"2026-11-23 17:00\"; items = ( \"r\" ); },\n"
	    "  { name = \"S\"; priority = \"priority\"; start = \"12:00\"; date = \"2026-11-23\";\n"
	    "    items = ( \"s\" ); },\n"
	    "  { name = \"T\"; priority = \"priority\"; from = \"2026-11-23 11:00\";\n"
	    "    until = \"2026-11-23 16:59:59\"; items = ( \"t\" ); }\n"
	    ");\n",
	    true);
	/* Before "from": nothing; R goes to the front of the 17:00 session even
	 * though a timed priority slot (S) comes first; T would need a session
	 * before its until, and there is none. */
	assert_occ(&p, NOV(23), NOV(24), "23 05:30 sang, 23 12:00 S, 23 17:00 R, 23 17:00 chieu");
	/* from 12:00: the next session is the 17:00 one */
	assert_occ(&p, NOV(24), NOV(25), "24 05:30 sang, 24 17:00 P, 24 17:00 chieu");
	/* afterwards, the first session of each day */
	assert_occ(&p, NOV(25), NOV(26), "25 05:30 P, 25 05:30 sang, 25 17:00 chieu");
	assert_occ(&p, NOV(26), NOV(27), "26 05:30 P, 26 05:30 Q, 26 05:30 sang, 26 17:00 chieu");
	/* Sunday has only the morning session; the emergency is not a session */
	assert_occ(&p, NOV(29), NOV(30), "29 05:30 P, 29 05:30 sang, 29 18:00 E");
	/* until the 29th inclusive */
	assert_occ(&p, NOV(30), at(2026, 12, 1, 0, 0, 0), "30 05:30 sang, 30 17:00 chieu");
	/* a window that starts after the session sees nothing of it */
	assert_occ(&p, at(2026, 11, 25, 5, 30, 1), NOV(26), "25 17:00 chieu");
	sched_plan_free(&p);

	/* No later session that day: no occurrence. */
	load_ok(&p, "slots = ( { name = \"sang\"; start = \"05:30\"; items = ( \"a\" ); } );\n",
	        false);
	load_ok(&p,
	        "slots = ( { name = \"P\"; priority = \"priority\"; from = \"2026-11-24 06:00\";\n"
	        "            until = \"2026-11-24 23:00\"; items = ( \"p\" ); } );\n",
	        true);
	assert_occ(&p, NOV(23), NOV(26), "23 05:30 sang, 24 05:30 sang, 25 05:30 sang");
	sched_plan_free(&p);
}

static void test_occ_emergency(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(&p, "slots = ( { name = \"sang\"; start = \"05:30\"; items = ( \"a\" ); } );\n",
	        false);
	load_ok(&p,
	        "slots = (\n"
	        "  { name = \"E\"; priority = \"emergency\"; from = \"2026-11-27 09:15:30\";\n"
	        "    items = ( \"e\" ); },\n"
	        "  { name = \"F\"; priority = \"emergency\"; from = \"2026-11-27 05:30\";\n"
	        "    until = \"2026-11-27 06:00\"; items = ( \"f\" ); },\n"
	        "  { name = \"G\"; priority = \"emergency\"; from = \"2026-11-28 03:15\";\n"
	        "    days = \"mon-fri\"; items = ( \"g\" ); }\n"
	        ");\n",
	        true);
	/* once, at its from; an emergency sorts before a normal at the same time */
	assert_occ(&p, NOV(27), NOV(28), "27 05:30 F, 27 05:30 sang, 27 09:15:30 E");
	assert_occ(&p, NOV(26), NOV(27), "26 05:30 sang");
	/* G airs on its Saturday although its days say mon-fri */
	assert_occ(&p, NOV(28), NOV(29), "28 03:15 G, 28 05:30 sang");
	/* over a long window, each start-less emergency occurs exactly once */
	{
		struct sched_occ *o;
		size_t n = sched_occurrences(&p, NOV(1), at(2027, 1, 1, 0, 0, 0), &o);
		int count[3] = {0};

		for (size_t i = 0; i < n; i++)
			if (o[i].slot->prio == SCHED_EMERGENCY)
				count[o[i].slot->name[0] - 'E']++;
		assert_int_equal(count[0], 1);
		assert_int_equal(count[1], 1);
		assert_int_equal(count[2], 1);
		free(o);
	}
	sched_plan_free(&p);
}

static void test_occ_sort_ties(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(&p,
	        "slots = (\n"
	        "  { name = \"n1\"; start = \"17:00\"; items = ( \"a\" ); },\n"
	        "  { name = \"n2\"; start = \"17:00\"; items = ( \"a\" ); }\n"
	        ");\n",
	        false);
	load_ok(
	    &p,
	    "slots = (\n"
	    "  { name = \"p1\"; start = \"17:00\"; priority = \"priority\"; items = ( \"a\" ); },\n"
	    "  { name = \"e1\"; start = \"17:00\"; priority = \"emergency\"; items = ( \"a\" ); "
	    "},\n"
	    "  { name = \"n3\"; start = \"17:00\"; items = ( \"a\" ); },\n"
	    "  { name = \"p2\"; start = \"17:00\"; priority = \"priority\"; items = ( \"a\" ); },\n"
	    "  { name = \"n0\"; start = \"16:59:59\"; items = ( \"a\" ); }\n"
	    ");\n",
	    true);
	assert_occ(&p, NOV(27), NOV(28),
	           "27 16:59:59 n0, 27 17:00 e1, 27 17:00 p1, 27 17:00 p2, "
	           "27 17:00 n1, 27 17:00 n2, 27 17:00 n3");
	sched_plan_free(&p);
}

static void test_occ_midnight_window(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(&p,
	        "slots = (\n"
	        "  { name = \"late\"; start = \"23:50\"; days = \"fri\"; items = ( \"a\" ); },\n"
	        "  { name = \"early\"; start = \"00:10\"; days = \"sat\"; items = ( \"a\" ); },\n"
	        "  { name = \"sang\"; start = \"05:30\"; items = ( \"a\" ); }\n"
	        ");\n",
	        false);
	assert_occ(&p, at(2026, 11, 27, 23, 0, 0), at(2026, 11, 28, 1, 0, 0),
	           "27 23:50 late, 28 00:10 early");
	/* [from, to): the start is included, the end is not */
	assert_occ(&p, at(2026, 11, 27, 23, 50, 0), at(2026, 11, 28, 0, 10, 0), "27 23:50 late");
	assert_occ(&p, at(2026, 11, 27, 23, 50, 1), at(2026, 11, 28, 0, 10, 1), "28 00:10 early");
	assert_occ(&p, at(2026, 11, 27, 5, 30, 0), at(2026, 11, 28, 5, 30, 1),
	           "27 05:30 sang, 27 23:50 late, 28 00:10 early, 28 05:30 sang");
	sched_plan_free(&p);
}

/* ---- timeline ----------------------------------------------------------------- */

static void test_timeline_back_to_back(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(&p,
	        "slots = ( { name = \"S\"; start = \"05:30\";\n"
	        "            items = ( \"a60\", \"missing\", { file = \"x.ogg\"; }, \"b90.5\", "
	        "\"c30\" ); },\n"
	        "          { name = \"T\"; start = \"05:33\"; items = ( \"d10\" ); } );\n",
	        false);
	/* Items with no duration take no time; the half second shows in the end of b. */
	{
		struct sched_occ *o;
		struct sched_timed *t;
		size_t n = sched_occurrences(&p, NOV(27), NOV(28), &o);
		size_t nt = sched_timeline(o, n, item_duration, NULL, -1, -1, &t);

		assert_int_equal(n, 2);
		assert_int_equal(nt, 6);
		assert_true(t[0].start == at(2026, 11, 27, 5, 30, 0));
		assert_true(t[0].end == at(2026, 11, 27, 5, 31, 0));
		assert_true(t[1].start == t[0].end && t[1].end == t[1].start);
		assert_true(t[2].start == t[0].end && t[2].end == t[2].start);
		assert_true(t[3].end == at(2026, 11, 27, 5, 32, 30) + 0.5);
		assert_true(t[4].start == t[3].end);
		assert_true(t[4].end == at(2026, 11, 27, 5, 33, 0) + 0.5);
		assert_int_equal(t[5].occ, 1);
		assert_true(t[5].late);
		assert_true(t[5].start == t[4].end);
		for (size_t i = 0; i < nt; i++) {
			assert_false(t[i].interrupted || t[i].quiet);
			assert_int_equal(t[i].occ, i < 5 ? 0 : 1);
			assert_int_equal(t[i].item, i < 5 ? i : 0);
			assert_false(i < 5 && t[i].late);
		}
		free(t);
		free(o);
	}
	sched_plan_free(&p);

	/* Nothing in, nothing out. */
	{
		struct sched_timed *t = (struct sched_timed *)&p;

		assert_int_equal(sched_timeline(NULL, 0, item_duration, NULL, -1, -1, &t), 0);
		assert_null(t);
	}
}

static void test_timeline_same_priority(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(&p,
	        "slots = (\n"
	        "  { name = \"A\"; start = \"05:30\"; items = ( \"a600\", \"b600\" ); },\n"
	        "  { name = \"B\"; start = \"05:40\"; items = ( \"c300\", \"d300\" ); },\n"
	        "  { name = \"C\"; start = \"06:00\"; items = ( \"e60\" ); },\n"
	        "  { name = \"D\"; start = \"06:01\"; items = ( \"f60\" ); },\n"
	        "  { name = \"E\"; start = \"06:10\"; items = ( \"g60\" ); }\n"
	        ");\n",
	        false);
	/* B waits for A (late); C starts exactly when B ends (not late); D
	 * waits one minute for C; E starts on time after a gap. */
	assert_timeline(&p, NOV(27), NOV(28), -1, -1,
	                "05:30:00-05:40:00 A#0\n"
	                "05:40:00-05:50:00 A#1\n"
	                "05:50:00-05:55:00 B#0 late\n"
	                "05:55:00-06:00:00 B#1\n"
	                "06:00:00-06:01:00 C#0\n"
	                "06:01:00-06:02:00 D#0\n"
	                "06:10:00-06:11:00 E#0\n");
	sched_plan_free(&p);

	load_ok(&p,
	        "slots = (\n"
	        "  { name = \"A\"; start = \"05:30\"; items = ( \"a600\" ); },\n"
	        "  { name = \"B\"; start = \"05:35\"; items = ( \"b60\" ); },\n"
	        "  { name = \"C\"; start = \"05:36\"; items = ( \"c60\" ); }\n"
	        ");\n",
	        false);
	/* Two waiting occurrences keep their order. */
	assert_timeline(&p, NOV(27), NOV(28), -1, -1,
	                "05:30:00-05:40:00 A#0\n"
	                "05:40:00-05:41:00 B#0 late\n"
	                "05:41:00-05:42:00 C#0 late\n");
	sched_plan_free(&p);
}

static void test_timeline_interrupt(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(
	    &p,
	    "slots = (\n"
	    "  { name = \"N\"; start = \"17:00\"; items = ( \"a600\", \"b600\", \"c600\" ); },\n"
	    "  { name = \"M\"; start = \"17:06\"; items = ( \"m60\" ); }\n"
	    ");\n",
	    false);
	load_ok(
	    &p,
	    "slots = (\n"
	    "  { name = \"P\"; start = \"17:05\"; priority = \"priority\";\n"
	    "    items = ( \"p120\", \"q120\" ); },\n"
	    "  { name = \"E\"; start = \"17:06\"; priority = \"emergency\"; items = ( \"e60\" ); "
	    "},\n"
	    "  { name = \"F\"; start = \"17:30\"; priority = \"priority\"; items = ( \"f60\" ); }\n"
	    ");\n",
	    true);
	/* P interrupts N's first item; E interrupts P; P resumes with its next
	 * item, then N with its next; M (normal, arrived at 17:06) waits for
	 * N; F interrupts N's third item at 17:30 exactly. */
	assert_timeline(&p, NOV(27), NOV(28), -1, -1,
	                "17:00:00-17:05:00 N#0 interrupted\n"
	                "17:05:00-17:06:00 P#0 interrupted\n"
	                "17:06:00-17:07:00 E#0\n"
	                "17:07:00-17:09:00 P#1\n"
	                "17:09:00-17:19:00 N#1\n"
	                "17:19:00-17:29:00 N#2\n"
	                "17:29:00-17:30:00 M#0 late\n"
	                "17:30:00-17:31:00 F#0\n");
	sched_plan_free(&p);

	/* A higher priority arriving exactly as an item ends interrupts
	 * nothing; the lower one resumes with the item it had not begun. */
	load_ok(
	    &p,
	    "slots = ( { name = \"N\"; start = \"17:00\"; items = ( \"a300\", \"b300\" ); } );\n",
	    false);
	load_ok(&p,
	        "slots = ( { name = \"E\"; start = \"17:05\"; priority = \"emergency\";\n"
	        "            items = ( \"e60\" ); } );\n",
	        true);
	assert_timeline(&p, NOV(27), NOV(28), -1, -1,
	                "17:00:00-17:05:00 N#0\n"
	                "17:05:00-17:06:00 E#0\n"
	                "17:06:00-17:11:00 N#1\n");
	sched_plan_free(&p);

	/* An interrupted last item ends its occurrence. */
	load_ok(&p, "slots = ( { name = \"N\"; start = \"17:00\"; items = ( \"a600\" ); } );\n",
	        false);
	load_ok(&p,
	        "slots = ( { name = \"E\"; start = \"17:01\"; priority = \"emergency\";\n"
	        "            items = ( \"e60\" ); } );\n",
	        true);
	assert_timeline(&p, NOV(27), NOV(28), -1, -1,
	                "17:00:00-17:01:00 N#0 interrupted\n"
	                "17:01:00-17:02:00 E#0\n");
	sched_plan_free(&p);
}

static void test_timeline_priority_insert(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(
	    &p,
	    "slots = ( { name = \"S\"; start = \"17:00\"; items = ( \"a300\", \"b300\" ); } );\n",
	    false);
	load_ok(&p,
	        "slots = ( { name = \"P\"; priority = \"priority\"; date = \"2026-11-27\";\n"
	        "            items = ( \"p120\" ); } );\n",
	        true);
	/* The priority bulletin opens the session; the session follows it. */
	assert_timeline(&p, NOV(27), NOV(28), -1, -1,
	                "17:00:00-17:02:00 P#0\n"
	                "17:02:00-17:07:00 S#0 late\n"
	                "17:07:00-17:12:00 S#1\n");
	sched_plan_free(&p);
}

static void test_timeline_midnight(void **state)
{
	struct sched_plan p = {0};

	(void)state;
	load_ok(&p,
	        "slots = ( { name = \"L\"; start = \"23:50\"; days = \"fri\";\n"
	        "            items = ( \"a300\", \"b300\", \"c300\", \"d300\" ); },\n"
	        "          { name = \"M\"; start = \"00:05\"; days = \"sat\"; items = ( \"m60\" ); "
	        "} );\n",
	        false);
	assert_timeline(&p, NOV(27), NOV(29), -1, -1,
	                "23:50:00-23:55:00 L#0\n"
	                "23:55:00-00:00:00 L#1\n"
	                "00:00:00-00:05:00 L#2\n"
	                "00:05:00-00:10:00 L#3\n"
	                "00:10:00-00:11:00 M#0 late\n");
	{
		struct sched_occ *o;
		struct sched_timed *t;
		size_t n = sched_occurrences(&p, NOV(27), NOV(29), &o);
		size_t nt = sched_timeline(o, n, item_duration, NULL, -1, -1, &t);

		assert_int_equal(nt, 5);
		assert_true(t[2].start == at(2026, 11, 28, 0, 0, 0));
		assert_true(t[3].end == at(2026, 11, 28, 0, 10, 0));
		free(t);
		free(o);
	}
	/* Quiet hours from midnight: what would start after it is skipped. */
	assert_timeline(&p, NOV(27), NOV(29), 0, 5 * 3600,
	                "23:50:00-23:55:00 L#0\n"
	                "23:55:00-00:00:00 L#1\n"
	                "00:00:00-00:00:00 L#2 quiet\n"
	                "00:00:00-00:00:00 L#3 quiet\n"
	                "00:05:00-00:05:00 M#0 quiet\n");
	sched_plan_free(&p);
}

static void test_timeline_quiet(void **state)
{
	const int q0 = 21 * 3600 + 30 * 60, q1 = 5 * 3600; /* "21:30-05:00" */
	struct sched_plan p = {0};

	(void)state;
	load_ok(
	    &p,
	    "slots = (\n"
	    "  { name = \"T\"; start = \"21:20\"; items = ( \"a300\", \"b300\", \"c300\" ); },\n"
	    "  { name = \"U\"; start = \"04:55\"; items = ( \"d240\", \"e120\", \"f60\" ); }\n"
	    ");\n",
	    false);
	load_ok(&p,
	        "slots = ( { name = \"E\"; start = \"03:15\"; priority = \"emergency\";\n"
	        "            items = ( \"e60\", \"e61\" ); },\n"
	        "          { name = \"P\"; start = \"22:00\"; priority = \"priority\";\n"
	        "            items = ( \"p60\" ); } );\n",
	        true);
	assert_timeline(&p, NOV(27), NOV(28), q0, q1,
	                "03:15:00-03:16:00 E#0\n"
	                "03:16:00-03:17:01 E#1\n"
	                "04:55:00-04:55:00 U#0 quiet\n"
	                "04:55:00-04:55:00 U#1 quiet\n"
	                "04:55:00-04:55:00 U#2 quiet\n"
	                "21:20:00-21:25:00 T#0\n"
	                "21:25:00-21:30:00 T#1\n"
	                "21:30:00-21:30:00 T#2 quiet\n"
	                "22:00:00-22:00:00 P#0 quiet\n");
	/* no quiet hours ("") */
	assert_timeline(&p, NOV(27), NOV(28), -1, -1,
	                "03:15:00-03:16:00 E#0\n"
	                "03:16:00-03:17:01 E#1\n"
	                "04:55:00-04:59:00 U#0\n"
	                "04:59:00-05:01:00 U#1\n"
	                "05:01:00-05:02:00 U#2\n"
	                "21:20:00-21:25:00 T#0\n"
	                "21:25:00-21:30:00 T#1\n"
	                "21:30:00-21:35:00 T#2\n"
	                "22:00:00-22:01:00 P#0\n");
	/* quiet hours within the day: an item may start again once they end */
	assert_timeline(&p, NOV(27), NOV(28), 4 * 3600 + 58 * 60, 5 * 3600,
	                "03:15:00-03:16:00 E#0\n"
	                "03:16:00-03:17:01 E#1\n"
	                "04:55:00-04:59:00 U#0\n"
	                "04:59:00-04:59:00 U#1 quiet\n"
	                "04:59:00-04:59:00 U#2 quiet\n"
	                "21:20:00-21:25:00 T#0\n"
	                "21:25:00-21:30:00 T#1\n"
	                "21:30:00-21:35:00 T#2\n"
	                "22:00:00-22:01:00 P#0\n");
	sched_plan_free(&p);
}

static double bad_duration(const struct sched_slot *s, size_t item, void *ctx)
{
	static const double v[] = {-5, NAN, INFINITY, 60};

	(void)s;
	(*(int *)ctx)++;
	return v[item % 4];
}

static void test_timeline_bad_durations(void **state)
{
	struct sched_plan p = {0};
	struct sched_occ *o;
	struct sched_timed *t;
	size_t n, nt;
	int calls = 0;

	(void)state;
	load_ok(&p, "slots = ( { start = \"05:30\"; items = ( \"a\", \"b\", \"c\", \"d\" ); } );\n",
	        false);
	n = sched_occurrences(&p, NOV(27), NOV(28), &o);
	nt = sched_timeline(o, n, bad_duration, &calls, -1, -1, &t);
	assert_int_equal(calls, 4);
	assert_int_equal(nt, 4);
	for (size_t i = 0; i < 3; i++)
		assert_true(t[i].start == at(2026, 11, 27, 5, 30, 0) && t[i].end == t[i].start);
	assert_true(t[3].end == at(2026, 11, 27, 5, 31, 0));
	free(t);
	free(o);
	sched_plan_free(&p);
}

/* ---- the example schedules of the repository ---------------------------------- */

static char *example(const char *name)
{
	const char *src = getenv("LOAXA_SRC");

	return xasprintf("%s/schedules/%s", src ? src : ".", name);
}

static void test_examples(void **state)
{
	const int q0 = 21 * 3600 + 30 * 60, q1 = 5 * 3600;
	struct sched_plan p = {0};
	struct diag d = {0};
	char *weekly = example("weekly.cfg"), *daily = example("2026-11-27.cfg");
	char *prov = example("province-example.cfg");

	(void)state;
	assert_int_equal(sched_load_file(&p, weekly, false, &d), 0);
	assert_int_equal(sched_load_file(&p, daily, false, &d), 0);
	assert_int_equal(sched_load_file(&p, prov, true, &d), 0);
	diag_print(&d, stderr);
	assert_int_equal(d.n, 0);
	assert_int_equal(sched_check_quiet(&p, q0, q1, &d), 0);
	assert_true(p.slots[5].daily);
	/* the noon relay, with its fallback */
	assert_string_equal(p.slots[1].items[0].relay, "https://radio.example.vn/vov1.mp3");
	assert_int_equal(p.slots[1].items[0].duration, 1800);
	assert_int_equal(p.slots[1].items[0].nfallback, 2);

	/* Monday to Saturday: 05:30, the VOV1 relay at 11:30, 17:00 */
	assert_occ(&p, NOV(23), NOV(24),
	           "23 05:30 Bản tin sáng, 23 11:30 Tiếp sóng Thời sự trưa VOV1, 23 17:00 Bản tin "
	           "chiều");
	/* Tuesday: the province's programme joins at 17:20 */
	assert_occ(&p, NOV(24), NOV(25),
	           "24 05:30 Bản tin sáng, 24 11:30 Tiếp sóng Thời sự trưa VOV1, 24 17:00 Bản tin "
	           "chiều, 24 17:20 Chuyên mục Nông thôn mới");
	/* Thursday 26: the priority bulletin applies from 12:00 */
	assert_occ(
	    &p, NOV(26), NOV(27),
	    "26 05:30 Bản tin sáng, 26 11:30 Tiếp sóng Thời sự trưa VOV1, 26 17:00 Bản tin "
	    "giảm nghèo (ưu tiên), 26 17:00 Bản tin chiều, 26 17:20 Chuyên mục Nông thôn mới");
	/* Friday 27: the daily schedule, the priority bulletin at the front of
	 * the morning session, the storm warnings */
	assert_occ(
	    &p, NOV(27), NOV(28),
	    "27 05:30 Bản tin giảm nghèo (ưu tiên), 27 05:30 Bản tin sáng, 27 09:15 Cảnh báo "
	    "bão số 15, 27 11:00 Thông báo trưa, 27 17:00 Bản tin chiều, 27 19:00 Cảnh báo "
	    "bão số 15 (nhắc lại)");
	/* Sunday: the longer morning, the short evening */
	assert_occ(&p, NOV(29), NOV(30),
	           "29 06:00 Chương trình sáng Chủ nhật, 29 17:30 Tin chiều Chủ nhật");
	free(weekly);
	free(daily);
	free(prov);
	sched_plan_free(&p);
}

/* ---- randomised comparison with a plain reference ------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int64_t rnd_in(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static void random_plan(struct sched_plan *p, int64_t base)
{
	size_t n = (size_t)rnd_in(1, 9);
	int64_t daily_date = base + rnd_in(0, 6);

	p->files = xcalloc(1, sizeof *p->files);
	p->files[0] = xstrdup("random.cfg");
	p->nfiles = 1;
	p->slots = xcalloc(n, sizeof *p->slots);
	p->nslots = n;
	for (size_t i = 0; i < n; i++) {
		struct sched_slot *s = &p->slots[i];

		s->name = xasprintf("s%zu", i);
		s->file = p->files[0];
		s->line = (int)i + 1;
		s->items = xcalloc(1, sizeof *s->items);
		s->items[0].id = xstrdup("x");
		s->nitems = 1;
		s->province = rnd() % 2;
		s->prio = s->province ? (enum sched_prio)rnd_in(0, 2) : SCHED_NORMAL;
		/* few distinct times, so that ties and shared sessions happen */
		s->start = rnd() % 5 ? (int)rnd_in(0, 7) * 10800 : (int)rnd_in(0, SCHED_DAY_S - 1);
		s->date = SCHED_NO_DATE;
		s->days = (uint8_t)rnd_in(1, 127);
		if (rnd() % 3 == 0) {
			s->date = base + rnd_in(-2, 8);
			s->days = 0;
			if (!s->province && rnd() % 2) {
				s->date = daily_date;
				s->daily = true;
			}
		}
		s->from = INT64_MIN;
		s->until = INT64_MAX;
		if (rnd() % 2)
			s->from = (base + rnd_in(-2, 8)) * SCHED_DAY_S +
			          (rnd() % 2 ? rnd_in(0, 8) * 10800 : rnd_in(0, SCHED_DAY_S - 1));
		if (rnd() % 2)
			s->until = (s->from == INT64_MIN ? (base + rnd_in(-2, 8)) * SCHED_DAY_S
			                                 : s->from) +
			           rnd_in(0, 4 * SCHED_DAY_S);
		if (s->province && s->prio == SCHED_PRIORITY && rnd() % 2) {
			/* mostly from a time of day, between sessions or on one */
			s->start = -1;
			if (rnd() % 4 && s->date == SCHED_NO_DATE)
				s->from = (base + rnd_in(-2, 8)) * SCHED_DAY_S +
				          rnd_in(0, 7) * 10800 + (rnd() % 2 ? 0 : rnd_in(0, 10799));
			if (s->until < s->from)
				s->until = INT64_MAX;
		}
		if (s->province && s->prio == SCHED_EMERGENCY && rnd() % 3 == 0) {
			s->start = -1;
			if (s->from == INT64_MIN)
				s->from = (base + rnd_in(-2, 8)) * SCHED_DAY_S + rnd_in(0, 86399);
			if (s->until < s->from)
				s->until = INT64_MAX;
		}
	}
}

static int64_t ref_floor_day(int64_t t)
{
	return t >= 0 ? t / SCHED_DAY_S : -((-t + SCHED_DAY_S - 1) / SCHED_DAY_S);
}

static bool ref_on_day(const struct sched_slot *s, int64_t day, int wday)
{
	return s->date != SCHED_NO_DATE ? s->date == day : (s->days & (1 << wday)) != 0;
}

static bool ref_before(const struct sched_occ *a, const struct sched_occ *b)
{
	if (a->start != b->start)
		return a->start < b->start;
	if (a->slot->prio != b->slot->prio)
		return a->slot->prio > b->slot->prio;
	return a->slot < b->slot;
}

/* The rules of DESIGN §3 read literally, day by day, with libc's calendar. */
static size_t reference(const struct sched_plan *p, int64_t from, int64_t to,
                        struct sched_occ **out)
{
	struct sched_occ *res = NULL, *day_occ = xcalloc(p->nslots * 2 + 1, sizeof *day_occ);
	size_t n = 0;

	for (int64_t day = ref_floor_day(from) - 1; day <= ref_floor_day(to) + 1; day++) {
		time_t tt = (time_t)(day * SCHED_DAY_S);
		struct tm tm;
		bool has_daily = false;
		size_t nd = 0, timed;

		gmtime_r(&tt, &tm);
		for (size_t i = 0; i < p->nslots; i++)
			if (!p->slots[i].province && p->slots[i].daily && p->slots[i].date == day)
				has_daily = true;
		for (size_t i = 0; i < p->nslots; i++) {
			const struct sched_slot *s = &p->slots[i];
			int64_t t = day * SCHED_DAY_S + s->start;

			if (s->start < 0 || !ref_on_day(s, day, tm.tm_wday))
				continue;
			if (has_daily && !s->province && !s->daily && s->date == SCHED_NO_DATE)
				continue;
			if (t < s->from || t > s->until)
				continue;
			day_occ[nd].slot = s;
			day_occ[nd++].start = t;
		}
		timed = nd;
		for (size_t i = 0; i < p->nslots; i++) {
			const struct sched_slot *s = &p->slots[i];
			int64_t lower, best = -1;

			if (s->start >= 0)
				continue;
			if (s->prio == SCHED_EMERGENCY) {
				if (ref_floor_day(s->from) == day) {
					day_occ[nd].slot = s;
					day_occ[nd++].start = s->from;
				}
				continue;
			}
			if (!ref_on_day(s, day, tm.tm_wday))
				continue;
			lower = day * SCHED_DAY_S;
			if (s->from > lower)
				lower = s->from;
			for (size_t j = 0; j < timed; j++)
				if (day_occ[j].slot->prio == SCHED_NORMAL &&
				    day_occ[j].start >= lower &&
				    (best < 0 || day_occ[j].start < best))
					best = day_occ[j].start;
			if (best >= 0 && best <= s->until) {
				day_occ[nd].slot = s;
				day_occ[nd++].start = best;
			}
		}
		for (size_t j = 0; j < nd; j++) {
			if (day_occ[j].start < from || day_occ[j].start >= to)
				continue;
			res = xreallocarray(res, n + 1, sizeof *res);
			res[n++] = day_occ[j];
		}
	}
	free(day_occ);
	/* insertion sort */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ref_before(&res[j], &res[j - 1]); j--) {
			struct sched_occ tmp = res[j];

			res[j] = res[j - 1];
			res[j - 1] = tmp;
		}
	*out = res;
	return n;
}

static double random_duration(const struct sched_slot *s, size_t item, void *ctx)
{
	(void)ctx;
	return (double)((size_t)s->line * 977 + item * 131) / 3.0;
}

/* Properties of any timeline: every item once and in order, no overlap, no
 * start before the occurrence's, never idle while something waits. */
static void check_timeline(const struct sched_occ *o, size_t n, int qs, int qe)
{
	struct sched_timed *t;
	size_t nt = sched_timeline(o, n, random_duration, NULL, qs, qe, &t);
	size_t *seen = xcalloc(n + 1, sizeof *seen), items = 0;

	for (size_t i = 0; i < n; i++)
		items += o[i].slot->nitems;
	assert_int_equal(nt, items);
	for (size_t i = 0; i < nt; i++) {
		assert_true(t[i].occ < n);
		assert_int_equal(t[i].item, seen[t[i].occ]++);
		assert_true(t[i].start >= (double)o[t[i].occ].start);
		assert_true(t[i].end >= t[i].start);
		if (i > 0) {
			assert_true(t[i].start >= t[i - 1].end);
			/* a gap only when nothing that had arrived was left */
			if (t[i].start > t[i - 1].end)
				for (size_t k = 0; k < n; k++)
					if ((double)o[k].start <= t[i - 1].end)
						assert_true(k == t[i].occ ||
						            seen[k] == o[k].slot->nitems ||
						            (double)o[k].start > t[i - 1].end);
		}
		if (t[i].quiet)
			assert_true(o[t[i].occ].slot->prio != SCHED_EMERGENCY &&
			            t[i].end == t[i].start);
		if (t[i].interrupted) {
			bool higher = false;

			for (size_t k = 0; k < n; k++)
				higher = higher || ((double)o[k].start == t[i].end &&
				                    o[k].slot->prio > o[t[i].occ].slot->prio);
			assert_true(higher);
		}
	}
	free(seen);
	free(t);
}

static bool same_occurrences(const struct sched_occ *a, size_t na, const struct sched_occ *b,
                             size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].slot != b[i].slot || a[i].start != b[i].start)
			return false;
	return true;
}

static void dump_case(const struct sched_plan *p, int64_t from, int64_t to,
                      const struct sched_occ *got, size_t ng, const struct sched_occ *want,
                      size_t nw)
{
	for (size_t i = 0; i < p->nslots; i++) {
		const struct sched_slot *s = &p->slots[i];

		fprintf(stderr,
		        "# slot %s start %d days 0x%02x date %lld from %lld until %lld %s%s%s\n",
		        s->name, s->start, s->days, (long long)s->date, (long long)s->from,
		        (long long)s->until, sched_prio_name(s->prio),
		        s->province ? " province" : "", s->daily ? " daily" : "");
	}
	fprintf(stderr, "# window [%lld, %lld)\n", (long long)from, (long long)to);
	for (size_t i = 0; i < ng; i++)
		fprintf(stderr, "# got  %s %lld\n", got[i].slot->name, (long long)got[i].start);
	for (size_t i = 0; i < nw; i++)
		fprintf(stderr, "# want %s %lld\n", want[i].slot->name, (long long)want[i].start);
}

static void test_random_against_reference(void **state)
{
	const int64_t base = day_of(2026, 11, 20);
	size_t inserted = 0, emergencies = 0, daily = 0, ties = 0;

	(void)state;
	for (int plan = 0; plan < 600; plan++) {
		struct sched_plan p = {0};

		random_plan(&p, base);
		for (int w = 0; w < 4; w++) {
			int64_t from = (base + rnd_in(-3, 9)) * SCHED_DAY_S +
			               (rnd() % 2 ? rnd_in(0, 8) * 10800 : rnd_in(0, 86399));
			int64_t to = from + rnd_in(0, 6 * SCHED_DAY_S);
			int64_t mid = rnd_in(from, to);
			struct sched_occ *got, *want, *a, *b;
			size_t ng = sched_occurrences(&p, from, to, &got);
			size_t nw = reference(&p, from, to, &want);
			size_t na = sched_occurrences(&p, from, mid, &a);
			size_t nb = sched_occurrences(&p, mid, to, &b);

			if (!same_occurrences(got, ng, want, nw)) {
				dump_case(&p, from, to, got, ng, want, nw);
				fail_msg("plan %d window %d: %zu occurrences, reference %zu", plan,
				         w, ng, nw);
			}
			for (size_t i = 0; i < ng; i++) {
				inserted +=
				    got[i].slot->start < 0 && got[i].slot->prio == SCHED_PRIORITY;
				emergencies +=
				    got[i].slot->start < 0 && got[i].slot->prio == SCHED_EMERGENCY;
				daily += got[i].slot->daily;
				ties += i > 0 && got[i].start == got[i - 1].start;
			}
			/* a window split in two gives the same occurrences */
			assert_int_equal(na + nb, ng);
			for (size_t i = 0; i < ng; i++) {
				const struct sched_occ *x = i < na ? &a[i] : &b[i - na];

				assert_true(x->slot == got[i].slot && x->start == got[i].start);
			}
			check_timeline(got, ng, -1, -1);
			check_timeline(got, ng, 21 * 3600 + 1800, 5 * 3600);
			free(got);
			free(want);
			free(a);
			free(b);
		}
		sched_plan_free(&p);
	}
	/* the random plans did exercise every rule */
	assert_true(inserted > 50 && emergencies > 10 && daily > 50 && ties > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_civil_days),
	    cmocka_unit_test(test_parse_date),
	    cmocka_unit_test(test_parse_clock),
	    cmocka_unit_test(test_parse_datetime),
	    cmocka_unit_test(test_format_hms),
	    cmocka_unit_test(test_quiet_hours),
	    cmocka_unit_test(test_prio_name),
	    cmocka_unit_test(test_load_fields),
	    cmocka_unit_test(test_daily_flag),
	    cmocka_unit_test(test_days_specs),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_relay_items),
	    cmocka_unit_test(test_file_problems),
	    cmocka_unit_test(test_many_errors_one_file),
	    cmocka_unit_test(test_load_dir),
	    cmocka_unit_test(test_check_quiet),
	    cmocka_unit_test(test_occ_days_and_date),
	    cmocka_unit_test(test_occ_from_until),
	    cmocka_unit_test(test_occ_daily_replaces),
	    cmocka_unit_test(test_occ_priority_insert),
	    cmocka_unit_test(test_occ_emergency),
	    cmocka_unit_test(test_occ_sort_ties),
	    cmocka_unit_test(test_occ_midnight_window),
	    cmocka_unit_test(test_timeline_back_to_back),
	    cmocka_unit_test(test_timeline_same_priority),
	    cmocka_unit_test(test_timeline_interrupt),
	    cmocka_unit_test(test_timeline_priority_insert),
	    cmocka_unit_test(test_timeline_midnight),
	    cmocka_unit_test(test_timeline_quiet),
	    cmocka_unit_test(test_timeline_bad_durations),
	    cmocka_unit_test(test_examples),
	    cmocka_unit_test(test_random_against_reference),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
