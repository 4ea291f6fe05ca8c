/*
 * Unit tests of cap: the fixtures in tests/cap/ parsed field by field;
 * each way a message is refused, one change at a time from a good one,
 * with the reason checked; and cap_plan_for, what a station does with
 * each message (area, expiry, repetition, level, audio or text, Cancel,
 * Update).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cap.h"
#include "util.h"

/* 2026-10-12T16:00:00+07:00: after every fixture's sent, before expires */
#define NOW ((time_t)1791795600)

static const char *const geocodes[] = {"24", "24213", "07963"};
static const struct cap_station tan_quang = {"tan-quang", geocodes, 3, NOW};
static const struct cap_station elsewhere = {"yen-the", NULL, 0, NOW};

/* The fixture's text (malloc'd): tests/cap/NAME from the top folder, or
 * beside this file. */
static char *fixture(const char *name)
{
	char *path = xasprintf("tests/cap/%s", name), *buf = NULL;
	size_t len;

	if (access(path, R_OK) < 0) {
		char *dir = xstrdup(__FILE__), *slash = strrchr(dir, '/');

		if (slash)
			*slash = '\0';
		free(path);
		path = xasprintf("%s/../cap/%s", slash ? dir : ".", name);
		free(dir);
	}
	if (util_read_file(path, CAP_MAX_BYTES, &buf, &len) < 0)
		fail_msg("cannot read %s", path);
	free(path);
	return buf;
}

/* text with the first from replaced by to (malloc'd) */
static char *edit(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);

	if (!at)
		fail_msg("\"%s\" is not in the fixture", from);
	return xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static void parse_ok(const char *text, struct cap_alert *a)
{
	char why[512];

	if (cap_parse(a, text, strlen(text), why, sizeof why) < 0)
		fail_msg("refused: %s", why);
}

static void parse_bad(const char *text, const char *reason)
{
	struct cap_alert a;
	char why[512];

	if (cap_parse(&a, text, strlen(text), why, sizeof why) == 0)
		fail_msg("accepted, expected \"%s\"", reason);
	if (!strstr(why, reason))
		fail_msg("reason \"%s\", expected \"%s\"", why, reason);
	assert_null(a.identifier);
	assert_int_equal(a.ninfos, 0);
}

static void test_alert_audio(void **state)
{
	char *text = fixture("alert-audio.xml");
	struct cap_alert a;
	const struct cap_info *vi, *en;
	const char *end;

	(void)state;
	parse_ok(text, &a);
	assert_string_equal(a.identifier, "BG-PCTT-2026-0042");
	assert_string_equal(a.sender, "pctt@bacgiang.gov.vn");
	assert_string_equal(a.sent_text, "2026-10-12T14:30:00+07:00");
	assert_int_equal(a.sent, 1791790200);
	assert_string_equal(a.status, "Actual");
	assert_string_equal(a.msg_type, "Alert");
	assert_string_equal(a.scope, "Public");
	assert_int_equal(a.nrefs, 0);
	assert_int_equal(a.ninfos, 2);
	vi = &a.infos[0];
	en = &a.infos[1];
	assert_string_equal(vi->language, "vi-VN");
	assert_string_equal(vi->event, "Bão số 3");
	assert_string_equal(vi->urgency, "Immediate");
	assert_string_equal(vi->severity, "Severe");
	assert_string_equal(vi->certainty, "Likely");
	assert_int_equal(vi->expires, 1791876600);
	assert_string_equal(vi->headline, "Cảnh báo bão số 3");
	assert_string_equal(vi->description, "Bão số 3 gây gió mạnh cấp 12, giật cấp 15.");
	assert_string_equal(vi->instruction, "Không ra khơi; chằng chống nhà cửa.");
	assert_int_equal(vi->nparameters, 3);
	assert_string_equal(vi->parameters[1].name, "LOAXA_REPEAT_INTERVAL");
	assert_string_equal(vi->parameters[1].value, "600");
	assert_int_equal(vi->nresources, 1);
	assert_string_equal(vi->resources[0].desc, "Bản tin cảnh báo");
	assert_string_equal(vi->resources[0].mime_type, "audio/ogg");
	assert_int_equal(vi->resources[0].size, 48213);
	assert_string_equal(vi->resources[0].digest, "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
	assert_int_equal(vi->nareas, 2);
	assert_string_equal(vi->areas[0].desc, "Tỉnh Bắc Giang");
	assert_int_equal(vi->areas[0].ngeocodes, 1);
	assert_string_equal(vi->areas[0].geocodes[0].name, "VN_DVHC");
	assert_string_equal(vi->areas[0].geocodes[0].value, "24");
	assert_string_equal(vi->areas[1].geocodes[0].value, "tan-quang");
	/* the end tag's offset: where loaxa-province adds a resource */
	end = strstr(text, "</info>");
	assert_int_equal(vi->end_offset, (size_t)(end - text));
	assert_string_equal(en->language, "en-US");
	assert_null(en->description);
	assert_int_equal(en->nresources, 0);
	cap_free(&a);
	free(text);
}

static void test_alert_text_prefixed(void **state)
{
	char *text = fixture("alert-text.xml");
	struct cap_alert a;

	(void)state;
	parse_ok(text, &a);
	assert_string_equal(a.identifier, "BG-PCTT-2026-0043");
	assert_int_equal(a.ninfos, 1);
	assert_string_equal(a.infos[0].language, "vi");
	assert_string_equal(a.infos[0].severity, "Extreme");
	assert_string_equal(a.infos[0].areas[0].geocodes[0].value, "07963");
	cap_free(&a);
	free(text);
}

static void test_cancel_update(void **state)
{
	char *c = fixture("cancel.xml"), *u = fixture("update.xml");
	struct cap_alert a;

	(void)state;
	parse_ok(c, &a);
	assert_string_equal(a.msg_type, "Cancel");
	assert_int_equal(a.ninfos, 0);
	assert_int_equal(a.nrefs, 2);
	assert_string_equal(a.refs[0].sender, "pctt@bacgiang.gov.vn");
	assert_string_equal(a.refs[0].identifier, "BG-PCTT-2026-0042");
	assert_string_equal(a.refs[0].sent, "2026-10-12T14:30:00+07:00");
	assert_string_equal(a.refs[1].identifier, "BG-PCTT-2026-0044");
	cap_free(&a);
	parse_ok(u, &a);
	assert_string_equal(a.msg_type, "Update");
	assert_int_equal(a.nrefs, 1);
	cap_free(&a);
	free(c);
	free(u);
}

static void test_refused_documents(void **state)
{
	char *e = fixture("entities.xml"), *old = fixture("cap11.xml");

	(void)state;
	parse_bad(e, "DOCTYPE");
	parse_bad(old, "not a CAP 1.2 message");
	parse_bad("", "not well-formed XML");
	parse_bad("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">", "not well-formed");
	parse_bad("<alert/>", "not a CAP 1.2 message");
	free(e);
	free(old);
}

static void test_refused_edits(void **state)
{
	static const struct {
		const char *from, *to, *reason;
	} t[] = {
	    {"<identifier>BG-PCTT-2026-0042</identifier>", "", "<alert> without <identifier>"},
	    {"<sender>pctt@bacgiang.gov.vn</sender>", "", "without <sender>"},
	    {"<sent>2026-10-12T14:30:00+07:00</sent>", "", "without <sent>"},
	    {"<status>Actual</status>", "", "without <status>"},
	    {"<msgType>Alert</msgType>", "", "without <msgType>"},
	    {"<scope>Public</scope>", "", "without <scope>"},
	    {"BG-PCTT-2026-0042", "BG PCTT", "without spaces or commas"},
	    {"BG-PCTT-2026-0042", "BG,PCTT", "without spaces or commas"},
	    {"2026-10-12T14:30:00+07:00</sent>", "12/10/2026</sent>", "<sent> is not a time"},
	    {"2026-10-12T14:30:00+07:00</sent>", "2026-10-12T14:30:00.5+07:00</sent>",
	     "<sent> is not a time"},
	    {"<status>Actual", "<status>Real", "not a CAP 1.2 value"},
	    {"<msgType>Alert", "<msgType>Notice", "not a CAP 1.2 value"},
	    {"<scope>Public", "<scope>Everyone", "not a CAP 1.2 value"},
	    {"<severity>Severe", "<severity>Bad", "not a CAP 1.2 value"},
	    {"<urgency>Immediate", "<urgency>Now", "not a CAP 1.2 value"},
	    {"<certainty>Likely", "<certainty>Very Likely", "not a CAP 1.2 value"},
	    {"<category>Met", "<category>Weather", "not a CAP 1.2 category"},
	    {"<category>Met</category>\n    <event>Bão", "<event>Bão", "without <category>"},
	    {"<event>Bão số 3</event>", "", "without <event>"},
	    {"<urgency>Immediate</urgency>\n    <severity>Severe", "<severity>Severe",
	     "without <urgency>"},
	    {"<expires>2026-10-13T14:30:00+07:00</expires>\n    <headline>",
	     "<expires>tomorrow</expires><headline>", "<expires> is not a time"},
	    {"<headline>", "<headline>a</headline><headline>", "more than one <headline>"},
	    {"<identifier>", "<identifier>x</identifier><identifier>",
	     "more than one <identifier>"},
	    {"<size>48213</size>", "<size>-1</size>", "<size> is not a number"},
	    {"<size>48213</size>", "<size>48213</size><size>1</size>", "more than one <size>"},
	    {"<valueName>LOAXA_REPEAT</valueName>", "", "without <valueName> or <value>"},
	    {"<resourceDesc>Bản tin cảnh báo</resourceDesc>", "", "without <resourceDesc>"},
	    {"<areaDesc>Xã Tân Quang</areaDesc>", "", "without <areaDesc>"},
	    {"<scope>Public</scope>", "<scope>Public</scope><colour>red</colour>",
	     "<colour> is not a CAP 1.2 element of <alert>"},
	    {"<event>Bão số 3</event>", "<event><b>Bão</b></event>", "<event> holds an element"},
	    {"<scope>Public</scope>", "<scope>Public</scope><references>a,b</references>",
	     "sender,identifier,sent"},
	    {"<description>Bão", "<description>&undefined;Bão", "not well-formed"},
	};
	char *good = fixture("alert-audio.xml");

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *bad = edit(good, t[i].from, t[i].to);

		parse_bad(bad, t[i].reason);
		free(bad);
	}
	free(good);
}

static void test_limits(void **state)
{
	char *good = fixture("alert-audio.xml"), *big, *bad, *deep = xstrdup(""), *many;
	char *text = xmalloc(CAP_MAX_TEXT + 2);

	(void)state;
	/* one byte over the size cap */
	big = xmalloc(CAP_MAX_BYTES + 2);
	memset(big, ' ', CAP_MAX_BYTES + 1);
	big[CAP_MAX_BYTES + 1] = '\0';
	parse_bad(big, "larger than");
	free(big);
	/* too deep, inside a skipped element too */
	for (int i = 0; i < 20; i++) {
		char *next = xasprintf("<x>%s</x>", deep);

		free(deep);
		deep = next;
	}
	{
		char *in_note = xasprintf("<note>%s", deep);

		bad = edit(good, "<note>", in_note);
		parse_bad(bad, "nested deeper");
		free(bad);
		free(in_note);
	}
	/* an element's text too long */
	memset(text, 'a', CAP_MAX_TEXT + 1);
	text[CAP_MAX_TEXT + 1] = '\0';
	{
		char *with = xasprintf("<description>%s", text);

		bad = edit(good, "<description>", with);
		parse_bad(bad, "longer than");
		free(bad);
		free(with);
	}
	/* more infos than allowed */
	many = xstrdup("");
	for (int i = 0; i <= CAP_MAX_INFOS; i++) {
		char *next = xasprintf("%s<info><category>Met</category><event>e</event>"
		                       "<urgency>Unknown</urgency><severity>Unknown</severity>"
		                       "<certainty>Unknown</certainty></info>",
		                       many);

		free(many);
		many = next;
	}
	{
		char *before_note = xasprintf("%s<note>", many);

		bad = edit(good, "<note>", before_note);
		parse_bad(bad, "more than 8 <info>");
		free(bad);
		free(before_note);
	}
	free(many);
	free(deep);
	free(text);
	free(good);
}

static void plan_ok(const char *text, const struct cap_station *st, struct cap_alert *a,
                    struct cap_plan *p)
{
	char why[512];

	parse_ok(text, a);
	if (cap_plan_for(a, st, p, why, sizeof why) < 0)
		fail_msg("refused: %s", why);
}

static void plan_bad(const char *text, const struct cap_station *st, const char *reason)
{
	struct cap_alert a;
	struct cap_plan p;
	char why[512];

	parse_ok(text, &a);
	if (cap_plan_for(&a, st, &p, why, sizeof why) == 0)
		fail_msg("accepted, expected \"%s\"", reason);
	if (!strstr(why, reason))
		fail_msg("reason \"%s\", expected \"%s\"", why, reason);
	cap_free(&a);
}

static void test_plan_audio(void **state)
{
	char *text = fixture("alert-audio.xml");
	struct cap_alert a;
	struct cap_plan p;

	(void)state;
	plan_ok(text, &tan_quang, &a, &p);
	assert_int_equal(p.action, CAP_PLAY);
	assert_ptr_equal(p.info, &a.infos[0]);
	assert_int_equal(p.repeat, 3);
	assert_int_equal(p.interval_s, 600);
	assert_int_equal(p.level, 4);
	assert_int_equal(p.expires, 1791876600);
	assert_non_null(p.audio);
	assert_string_equal(p.audio_path,
	                    "programmes/9f0e1d2c3b4a59687766554433221100ffeeddccbbaa9988"
	                    "7766554433221100.ogg");
	assert_string_equal(p.audio_sha256,
	                    "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100");
	assert_null(p.text);
	cap_plan_free(&p);
	cap_free(&a);
	free(text);
}

static void test_plan_text(void **state)
{
	char *text = fixture("alert-text.xml");
	struct cap_alert a;
	struct cap_plan p;

	(void)state;
	plan_ok(text, &tan_quang, &a, &p);
	assert_int_equal(p.repeat, 1);
	assert_int_equal(p.interval_s, 0);
	assert_int_equal(p.level, 5);
	assert_null(p.audio);
	assert_string_equal(p.text, "Cảnh báo lũ quét.\nTừ 14h30 ngày 12/10/2026 mưa 150-200mm.");
	cap_plan_free(&p);
	cap_free(&a);
	free(text);
}

static void test_plan_area(void **state)
{
	char *text = fixture("alert-audio.xml"), *t2;
	static const char *const province[] = {"24"};
	static const char *const other[] = {"01", "2", "024"};
	const struct cap_station by_code = {"x", province, 1, NOW};
	const struct cap_station wrong = {"x", other, 3, NOW};
	struct cap_alert a;
	struct cap_plan p;

	(void)state;
	/* by station id, by the province's code */
	plan_ok(text, &by_code, &a, &p);
	cap_plan_free(&p);
	cap_free(&a);
	plan_bad(text, &elsewhere, "for another area");
	plan_bad(text, &wrong, "for another area");
	/* "*" names every station */
	t2 = edit(text, "<value>tan-quang</value>", "<value>*</value>");
	plan_ok(t2, &elsewhere, &a, &p);
	cap_plan_free(&p);
	cap_free(&a);
	free(t2);
	/* valueNames are not case-sensitive, values are */
	t2 = edit(text, "<valueName>LOAXA_STATION", "<valueName>loaxa_station");
	plan_ok(t2, &tan_quang, &a, &p);
	cap_plan_free(&p);
	cap_free(&a);
	free(t2);
	t2 = edit(text, "<value>tan-quang</value>", "<value>Tan-Quang</value>");
	{
		const struct cap_station only_id = {"tan-quang", NULL, 0, NOW};

		plan_bad(t2, &only_id, "for another area");
	}
	free(t2);
	free(text);
}

static void test_plan_refusals(void **state)
{
	static const struct {
		const char *from, *to, *reason;
	} t[] = {
	    {"<status>Actual", "<status>Test", "status Test: only Actual"},
	    {"<status>Actual", "<status>Exercise", "only Actual"},
	    {"<msgType>Alert", "<msgType>Ack", "msgType Ack is not for broadcast"},
	    {"<msgType>Alert", "<msgType>Update", "a Update without <references>"},
	    {"<language>vi-VN", "<language>vie", "no <info> in Vietnamese"},
	    {"<expires>2026-10-13T14:30:00+07:00</expires>\n    <headline>", "<headline>",
	     "no <expires>"},
	    {"<expires>2026-10-13T14:30:00+07:00</expires>\n    <headline>",
	     "<expires>2026-10-12T15:59:59+07:00</expires><headline>", "expired at"},
	    {"<value>3</value>", "<value>0</value>", "LOAXA_REPEAT is not a number from 1 to 100"},
	    {"<value>3</value>", "<value>101</value>", "LOAXA_REPEAT is not"},
	    {"<value>3</value>", "<value>3x</value>", "LOAXA_REPEAT is not"},
	    {"<value>600</value>", "<value>86401</value>", "LOAXA_REPEAT_INTERVAL is not"},
	    {"<value>4</value>", "<value>6</value>",
	     "LOAXA_RISK_LEVEL is not a number from 1 to 5"},
	};
	char *good = fixture("alert-audio.xml");

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *bad = edit(good, t[i].from, t[i].to);

		plan_bad(bad, &tan_quang, t[i].reason);
		free(bad);
	}
	free(good);
}

static void test_plan_no_audio_no_text(void **state)
{
	char *good = fixture("alert-audio.xml"), *a1, *a2, *a3, *a4;
	struct cap_alert a;
	struct cap_plan p;

	(void)state;
	/* audio outside the publication: the text is spoken instead */
	a1 = edit(good, "<uri>programmes/", "<uri>https://example.org/x/");
	plan_ok(a1, &tan_quang, &a, &p);
	assert_null(p.audio);
	assert_non_null(strstr(p.text, "Cảnh báo bão số 3."));
	cap_plan_free(&p);
	cap_free(&a);
	/* ... and without any text, refused */
	a2 = edit(a1, "<headline>Cảnh báo bão số 3</headline>", "");
	a3 = edit(a2, "<description>Bão số 3 gây gió mạnh cấp 12, giật cấp 15.</description>", "");
	a4 = edit(a3, "<instruction>Không ra khơi; chằng chống nhà cửa.</instruction>", "");
	plan_bad(a4, &tan_quang, "neither an audio <resource>");
	free(a1);
	free(a2);
	free(a3);
	free(a4);
	free(good);
}

static void test_plan_cancel(void **state)
{
	char *c = fixture("cancel.xml"), *u = fixture("update.xml");
	struct cap_alert a;
	struct cap_plan p;

	(void)state;
	/* a Cancel applies whatever the area */
	plan_ok(c, &elsewhere, &a, &p);
	assert_int_equal(p.action, CAP_CANCEL);
	cap_plan_free(&p);
	cap_free(&a);
	plan_ok(u, &elsewhere, &a, &p);
	assert_int_equal(p.action, CAP_PLAY);
	assert_int_equal(p.level, 5);
	assert_int_equal(a.nrefs, 1);
	cap_plan_free(&p);
	cap_free(&a);
	free(c);
	free(u);
}

static void test_audio_path(void **state)
{
	char path[96], sha[65];
	const char *h = "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100";
	char *ok1 = xasprintf("programmes/%s.ogg", h),
	     *ok2 = xasprintf("https://t.vn/a/programmes/%s.mp3", h);
	char *bad1 = xasprintf("programmes/%s.OGG", h), *bad2 = xasprintf("alerts/%s.ogg", h);
	char *bad3 = xasprintf("xprogrammes/%s.ogg", h), *bad4 = xasprintf("programmes/%s", h);

	(void)state;
	assert_int_equal(cap_audio_path(ok1, path, sha), 0);
	assert_string_equal(path, ok1);
	assert_string_equal(sha, h);
	assert_int_equal(cap_audio_path(ok2, path, sha), 0);
	assert_int_equal(strncmp(path, "programmes/", 11), 0);
	assert_int_equal(cap_audio_path(bad1, path, sha), -1);
	assert_int_equal(cap_audio_path(bad2, path, sha), -1);
	assert_int_equal(cap_audio_path(bad3, path, sha), -1);
	assert_int_equal(cap_audio_path(bad4, path, sha), -1);
	assert_int_equal(cap_audio_path("programmes/../x.ogg", path, sha), -1);
	assert_int_equal(cap_audio_path(NULL, path, sha), -1);
	assert_true(cap_is_vietnamese("vi"));
	assert_true(cap_is_vietnamese("VI-vn"));
	assert_false(cap_is_vietnamese("vie"));
	assert_false(cap_is_vietnamese("en-US"));
	free(ok1);
	free(ok2);
	free(bad1);
	free(bad2);
	free(bad3);
	free(bad4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alert_audio),
	    cmocka_unit_test(test_alert_text_prefixed),
	    cmocka_unit_test(test_cancel_update),
	    cmocka_unit_test(test_refused_documents),
	    cmocka_unit_test(test_refused_edits),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_plan_audio),
	    cmocka_unit_test(test_plan_text),
	    cmocka_unit_test(test_plan_area),
	    cmocka_unit_test(test_plan_refusals),
	    cmocka_unit_test(test_plan_no_audio_no_text),
	    cmocka_unit_test(test_plan_cancel),
	    cmocka_unit_test(test_audio_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
