/*
 * Unit tests of the as-run log's alert lines: written by airlog, read
 * back by airlog and accepted by the province's strict reader
 * (segment_parse_line) for each kind (a repetition aired, a refusal that
 * knows nothing of the message, a Cancel applied); each field out of its
 * rules refused by the strict reader, with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "airlog.h"
#include "segment.h"
#include "util.h"

#define CAPHASH "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100"

static struct airlog_entry repetition(void)
{
	struct airlog_entry e = {0};

	e.type = AIRLOG_ALERT;
	e.station = "tan-quang";
	e.identifier = "BG-PCTT-2026-0042";
	e.sender = "pctt@bacgiang.gov.vn";
	e.sent = "2026-10-12T14:30:00+07:00";
	e.msg_type = "Alert";
	e.severity = "Severe";
	e.level = 4;
	e.sha256 = CAPHASH;
	e.repeat = 2;
	e.repeats = 3;
	e.scheduled = (struct timespec){1791795600, 0};
	e.start = (struct timespec){1791795600, 12000000};
	e.end = (struct timespec){1791795614, 512000000};
	e.played_s = 14.5;
	e.duration_s = 14.5;
	e.status = "complete";
	e.peak_dbfs = -6.0;
	e.rms_dbfs = -12.3;
	e.clock_synced = true;
	return e;
}

static char *line_of(const struct airlog_entry *e)
{
	return airlog_format_line(e, 17, AIRLOG_ZERO_PREV);
}

static void accepted(const char *line)
{
	struct segment_line l;
	const char *why;

	if (segment_parse_line(line, strlen(line) - 1, &l, &why) < 0)
		fail_msg("refused (%s): %s", why, line);
	assert_int_equal(l.type, AIRLOG_ALERT);
}

static void refused(const char *line, const char *reason)
{
	struct segment_line l;
	const char *why;

	if (segment_parse_line(line, strlen(line) - 1, &l, &why) == 0)
		fail_msg("accepted, expected \"%s\": %s", reason, line);
	if (!strstr(why, reason))
		fail_msg("reason \"%s\", expected \"%s\"", why, reason);
}

static void test_repetition(void **state)
{
	struct airlog_entry e = repetition();
	struct airlog_record r;
	struct segment_line l;
	const char *why;
	char *line = line_of(&e), buf[64];

	(void)state;
	assert_non_null(strstr(line, "\"type\":\"alert\",\"station\":\"tan-quang\","
	                             "\"identifier\":\"BG-PCTT-2026-0042\""));
	assert_non_null(strstr(line, "\"level\":4,\"sha256\":\"" CAPHASH "\",\"repeat\":2,"
	                             "\"repeats\":3,\"scheduled\":\"2026-10-12T"));
	assert_int_equal(airlog_parse_line(line, strlen(line), &r), 0);
	assert_int_equal(r.e.type, AIRLOG_ALERT);
	assert_string_equal(r.e.identifier, "BG-PCTT-2026-0042");
	assert_string_equal(r.e.sender, "pctt@bacgiang.gov.vn");
	assert_string_equal(r.e.sent, "2026-10-12T14:30:00+07:00");
	assert_string_equal(r.e.msg_type, "Alert");
	assert_string_equal(r.e.severity, "Severe");
	assert_int_equal(r.e.level, 4);
	assert_int_equal(r.e.repeat, 2);
	assert_int_equal(r.e.repeats, 3);
	assert_string_equal(r.e.sha256, CAPHASH);
	assert_string_equal(r.e.status, "complete");
	assert_int_equal(r.e.end.tv_sec, 1791795614);
	airlog_record_free(&r);
	assert_int_equal(segment_parse_line(line, strlen(line) - 1, &l, &why), 0);
	assert_string_equal(segment_val_str(&l.identifier, buf, sizeof buf), "BG-PCTT-2026-0042");
	assert_string_equal(segment_val_str(&l.severity, buf, sizeof buf), "Severe");
	assert_true(segment_val_num(&l.repeat, 0) == 2);
	assert_string_equal(segment_line_date(&l) ? "ok" : "none", "ok");
	free(line);
}

static void test_refusal_and_cancel(void **state)
{
	struct airlog_entry e = {0};
	struct airlog_record r;
	char *line;

	(void)state;
	/* a forged index: nothing of a message is known */
	e.type = AIRLOG_ALERT;
	e.station = "tan-quang";
	e.start = e.end = (struct timespec){1791795600, 5000000};
	e.status = "refused";
	e.reason = "alerts.json: signature: signature does not verify";
	e.peak_dbfs = e.rms_dbfs = -INFINITY;
	e.duration_s = NAN;
	line = line_of(&e);
	assert_non_null(strstr(line, "\"identifier\":null,\"sender\":null,\"sent\":null,"
	                             "\"msg_type\":null,\"severity\":null,\"level\":null,"
	                             "\"sha256\":null,\"repeat\":null,\"repeats\":null,"
	                             "\"scheduled\":null"));
	accepted(line);
	assert_int_equal(airlog_parse_line(line, strlen(line), &r), 0);
	assert_null(r.e.identifier);
	assert_int_equal(r.e.level, 0);
	assert_string_equal(r.e.status, "refused");
	airlog_record_free(&r);
	free(line);
	/* a Cancel applied */
	e = repetition();
	e.msg_type = "Cancel";
	e.repeat = e.repeats = e.level = 0;
	e.severity = NULL;
	e.status = "accepted";
	e.reason = "cancels BG-PCTT-2026-0042";
	line = line_of(&e);
	accepted(line);
	free(line);
}

static char *edited(const char *line, const char *from, const char *to)
{
	const char *at = strstr(line, from);

	if (!at)
		fail_msg("\"%s\" not in %s", from, line);
	return xasprintf("%.*s%s%s", (int)(at - line), line, to, at + strlen(from));
}

static void test_strict(void **state)
{
	static const struct {
		const char *from, *to, *reason;
	} t[] = {
	    {"\"status\":\"complete\"", "\"status\":\"missed\"", "status is not complete"},
	    {"\"msg_type\":\"Alert\"", "\"msg_type\":\"Ack\"", "msg_type is not Alert"},
	    {"\"level\":4", "\"level\":6", "level, repeat or repeats"},
	    {"\"level\":4", "\"level\":\"4\"", "level, repeat or repeats"},
	    {"\"repeat\":2", "\"repeat\":0", "level, repeat or repeats"},
	    {"\"repeat\":2", "\"repeat\":2.5", "level, repeat or repeats"},
	    {"\"repeats\":3,", "", "level, repeat or repeats"},
	    {"\"identifier\":\"BG-PCTT-2026-0042\",", "", "identifier, sender"},
	    {"\"sender\":\"pctt@bacgiang.gov.vn\"", "\"sender\":7", "identifier, sender"},
	    {"\"sent\":\"2026-10-12T14:30:00+07:00\"", "\"sent\":\"hôm qua\"",
	     "identifier, sender"},
	    {"\"sha256\":\"" CAPHASH "\"", "\"sha256\":\"abc\"", "sha256"},
	    {"\"start\":\"", "\"start\":\"x", "scheduled, start or end"},
	    {"\"type\":\"alert\"", "\"type\":\"alarm\"", "type is not"},
	};
	struct airlog_entry e = repetition();
	char *line = line_of(&e);

	(void)state;
	accepted(line);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *bad = edited(line, t[i].from, t[i].to);

		refused(bad, t[i].reason);
		free(bad);
	}
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_repetition),
	    cmocka_unit_test(test_refusal_and_cancel),
	    cmocka_unit_test(test_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
