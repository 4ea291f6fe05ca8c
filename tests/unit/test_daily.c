/*
 * Unit tests for daily: a daily schedule's text reads back as the slots it
 * was made from (plus the one added, in time order); a new one starts from
 * the week's slots of that day, or from nothing when another daily
 * schedule already replaces them; its check names the file as the
 * operator knows it, with the lines of the text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "daily.h"
#include "util.h"

static char dir[] = "/tmp/loaxa-test-daily.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rmdir(dir);
	return 0;
}

static void write_file(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);

	assert_int_equal(util_write_atomic(p, text, strlen(text), 0644), 0);
	free(p);
}

static void remove_file(const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);

	unlink(p);
	free(p);
}

static void load(struct sched_plan *plan)
{
	struct diag d = {0};

	memset(plan, 0, sizeof *plan);
	sched_load_dir(plan, dir, &d);
	if (d.n) {
		diag_print(&d, stderr);
		fail();
	}
}

static void test_from_the_week(void **state)
{
	int64_t day = sched_days_from_civil(2026, 11, 27); /* a Friday */
	const struct sched_slot **base;
	struct daily_add add = {
	    .name = "Thông báo \"họp\"", .start = 9 * 3600 + 30 * 60 + 5, .file = "hop-dan.wav"};
	struct sched_plan plan, back;
	struct diag d = {0};
	char name[16], *text;
	size_t n;

	(void)state;
	daily_name(day, name, sizeof name);
	assert_string_equal(name, "2026-11-27.cfg");
	write_file("weekly.cfg",
	           "slots = (\n"
	           "  { name = \"Chiều\"; start = \"17:00\"; days = \"daily\"; items = ( "
	           "\"tin-tinh\" ); },\n"
	           "  { name = \"Sáng\"; start = \"05:30\"; days = \"mon-fri\";\n"
	           "    items = ( { file = \"nhac-hieu.flac\"; }, \"thoi-su\" ); },\n"
	           "  { name = \"CN\"; start = \"07:00\"; days = \"sun\"; items = ( \"x\" ); }\n"
	           ");\n");
	load(&plan);
	n = daily_base(&plan, day, &base);
	assert_int_equal(n, 2); /* not Sunday's */
	text = daily_text(day, base, n, &add, "made by\na test");
	free(base);
	sched_plan_free(&plan);
	assert_memory_equal(text, "# made by\n# a test\nslots = (\n", 29);

	/* it reads back: a daily schedule, in time order, the new slot in its place */
	write_file(name, text);
	memset(&back, 0, sizeof back);
	{
		char *p = xasprintf("%s/%s", dir, name);

		assert_int_equal(sched_load_file(&back, p, false, &d), 0);
		free(p);
	}
	assert_int_equal(back.nslots, 3);
	assert_string_equal(back.slots[0].name, "Sáng");
	assert_int_equal(back.slots[0].start, 5 * 3600 + 30 * 60);
	assert_true(back.slots[0].daily && back.slots[0].date == day);
	assert_string_equal(back.slots[0].items[0].file, "nhac-hieu.flac");
	assert_string_equal(back.slots[0].items[1].id, "thoi-su");
	assert_string_equal(back.slots[1].name, "Thông báo \"họp\"");
	assert_int_equal(back.slots[1].start, add.start);
	assert_string_equal(back.slots[1].items[0].file, "hop-dan.wav");
	assert_string_equal(back.slots[2].name, "Chiều");
	sched_plan_free(&back);

	/* with that daily file in place, the base is its own slots */
	load(&plan);
	n = daily_base(&plan, day, &base);
	assert_int_equal(n, 3);
	free(base);
	/* another day starts from the week again */
	n = daily_base(&plan, day + 2, &base);
	assert_int_equal(n, 2); /* Sunday: Chiều and CN */
	free(base);
	sched_plan_free(&plan);
	remove_file(name);

	/* another daily schedule of that day already replaces the week: nothing to copy */
	write_file("tet.cfg",
	           "slots = ( { name = \"Tết\"; date = \"2026-11-27\"; start = \"08:00\";"
	           " items = ( \"chuc-tet\" ); } );\n");
	load(&plan);
	n = daily_base(&plan, day, &base);
	assert_int_equal(n, 0);
	free(base);
	sched_plan_free(&plan);
	remove_file("tet.cfg");
	remove_file("weekly.cfg");
	free(text);
}

/* A relay, with its duration and fallbacks, is written back as it was. */
static void test_relay(void **state)
{
	int64_t day = sched_days_from_civil(2026, 11, 27);
	const struct sched_slot **base;
	struct sched_plan plan, back;
	struct diag d = {0};
	char *text, *p;
	size_t n;

	(void)state;
	write_file(
	    "weekly.cfg",
	    "slots = ( { name = \"Tiếp sóng\"; start = \"11:00\";\n"
	    "  items = ( { relay = \"https://radio.example.vn/vov1.mp3\"; duration = \"00:30\";\n"
	    "              fallback = ( { file = \"nhac.ogg\"; }, \"tin-tinh\" ); },\n"
	    "            { relay = \"vov1\"; duration = \"01:02:03\"; } ); } );\n");
	load(&plan);
	n = daily_base(&plan, day, &base);
	assert_int_equal(n, 1);
	text = daily_text(day, base, n, NULL, NULL);
	free(base);
	sched_plan_free(&plan);
	remove_file("weekly.cfg");
	write_file("2026-11-27.cfg", text);
	p = xasprintf("%s/2026-11-27.cfg", dir);
	memset(&back, 0, sizeof back);
	if (sched_load_file(&back, p, false, &d) < 0) {
		diag_print(&d, stderr);
		fail_msg("%s", text);
	}
	assert_int_equal(back.nslots, 1);
	assert_int_equal(back.slots[0].nitems, 2);
	assert_string_equal(back.slots[0].items[0].relay, "https://radio.example.vn/vov1.mp3");
	assert_int_equal(back.slots[0].items[0].duration, 30 * 60);
	assert_int_equal(back.slots[0].items[0].nfallback, 2);
	assert_string_equal(back.slots[0].items[0].fallback[0].file, "nhac.ogg");
	assert_string_equal(back.slots[0].items[0].fallback[1].id, "tin-tinh");
	assert_string_equal(back.slots[0].items[1].relay, "vov1");
	assert_int_equal(back.slots[0].items[1].duration, 3723);
	sched_plan_free(&back);
	unlink(p);
	free(p);
	free(text);
}

static void test_check(void **state)
{
	int64_t day = sched_days_from_civil(2026, 11, 27);
	struct conf c = {0};
	struct diag d = {0};

	(void)state;
	c.quiet_start = 21 * 3600 + 30 * 60;
	c.quiet_end = 5 * 3600;
	assert_int_equal(daily_check(&c, dir, "2026-11-27.cfg", day,
	                             "slots = (\n  { name = \"A\"; date = \"2026-11-27\"; start = "
	                             "\"06:00\"; items = ( \"x\" ); }\n);\n",
	                             &d),
	                 1);
	assert_int_equal(d.n, 0);
	/* syntax: the file as the operator knows it, the line of the text */
	assert_int_equal(daily_check(&c, dir, "2026-11-27.cfg", day,
	                             "slots = (\n  { name = \"A\"; start = 6; }\n", &d),
	                 -1);
	assert_int_equal(d.n, 1);
	assert_memory_equal(d.msgs[0], "2026-11-27.cfg:", 15);
	assert_null(strstr(d.msgs[0], dir));
	diag_free(&d);
	/* quiet hours, and a slot of another date */
	assert_int_equal(
	    daily_check(&c, dir, "2026-11-27.cfg", day,
	                "slots = (\n"
	                "  { name = \"Đêm\"; date = \"2026-11-27\"; start = \"23:00\"; "
	                "items = ( \"x\" ); },\n"
	                "  { name = \"Mai\"; date = \"2026-11-28\"; start = \"06:00\"; "
	                "items = ( \"x\" ); }\n"
	                ");\n",
	                &d),
	    -1);
	assert_int_equal(d.n, 2);
	assert_memory_equal(d.msgs[0], "2026-11-27.cfg:2: ", 18);
	assert_non_null(strstr(d.msgs[0], "quiet hours"));
	assert_memory_equal(d.msgs[1], "2026-11-27.cfg:3: ", 18);
	assert_non_null(strstr(d.msgs[1], "date = \"2026-11-27\""));
	diag_free(&d);
	/* the copy it checked is gone */
	{
		char *p = xasprintf("%s/2026-11-27.cfg", dir);

		assert_int_equal(access(p, F_OK), -1);
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_from_the_week),
	    cmocka_unit_test(test_relay),
	    cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
