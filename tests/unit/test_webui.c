/*
 * Unit tests for webui: escaping, the choice of language from a cookie and
 * Accept-Language, the page frame (menu, log-out form, language switch).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "webui.h"

static void test_escape(void **state)
{
	struct webui_buf b = {0};
	char *s;

	(void)state;
	webui_esc(&b, "<script>alert('x & \"y\"')</script> Đài");
	webui_put(&b, "|");
	webui_urlenc(&b, "/plan?date=2026-11-27&x=Đ ");
	webui_put(&b, "|");
	webui_printf(&b, "%d-%s", 42, "ok");
	webui_hidden(&b, "what", "a\"><b>");
	s = webui_take(&b, NULL);
	assert_string_equal(
	    s, "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt; Đài"
	       "|%2Fplan%3Fdate%3D2026-11-27%26x%3D%C4%90%20|42-ok"
	       "<input type=\"hidden\" name=\"what\" value=\"a&quot;&gt;&lt;b&gt;\">");
	free(s);
	assert_null(b.p);
	s = webui_take(&b, NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_lang(void **state)
{
	(void)state;
	assert_int_equal(webui_pick_lang(NULL, NULL), WEBUI_VI);
	assert_int_equal(webui_pick_lang(NULL, ""), WEBUI_VI);
	assert_int_equal(webui_pick_lang(NULL, "en-US,en;q=0.9"), WEBUI_EN);
	assert_int_equal(webui_pick_lang(NULL, "vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7"), WEBUI_VI);
	assert_int_equal(webui_pick_lang(NULL, "en;q=0.5, vi;q=0.8"), WEBUI_VI);
	assert_int_equal(webui_pick_lang(NULL, "vi;q=0.3,en;q=0.4"), WEBUI_EN);
	assert_int_equal(webui_pick_lang(NULL, "fr-FR,fr;q=0.9,en;q=0.1"), WEBUI_EN);
	assert_int_equal(webui_pick_lang(NULL, "fr-FR,de"), WEBUI_VI);
	assert_int_equal(webui_pick_lang(NULL, "EN"), WEBUI_EN);
	assert_int_equal(webui_pick_lang(NULL, "eng,vie"), WEBUI_VI);
	assert_int_equal(webui_pick_lang(NULL, "en;q=0"), WEBUI_VI);
	/* the switch's cookie wins; anything else in it is ignored */
	assert_int_equal(webui_pick_lang("vi", "en"), WEBUI_VI);
	assert_int_equal(webui_pick_lang("en", "vi"), WEBUI_EN);
	assert_int_equal(webui_pick_lang("xx", "en"), WEBUI_EN);
	assert_string_equal(webui_lang_code(WEBUI_EN), "en");
	assert_string_equal(webui_lang_code(WEBUI_VI), "vi");
}

static void test_frame(void **state)
{
	struct webui_frame f = {.station = "Đài <xã>",
	                        .title = "Lịch",
	                        .page = WEBUI_PLAN,
	                        .user = "admin",
	                        .csrf = "abc",
	                        .path = "/plan?date=2026-11-27",
	                        .lang = WEBUI_VI,
	                        .refresh_s = 10};
	struct webui_buf b = {0};
	char *s;

	(void)state;
	webui_begin(&b, &f);
	webui_notice(&b, "err", "a < b");
	webui_end(&b, &f);
	s = webui_take(&b, NULL);
	assert_non_null(strstr(s, "<html lang=\"vi\">"));
	assert_non_null(strstr(s, "<title>Lịch — Đài &lt;xã&gt;</title>"));
	assert_non_null(strstr(s, "<meta http-equiv=\"refresh\" content=\"10\">"));
	assert_non_null(strstr(s, "<a href=\"/plan\" class=\"on\" aria-current=\"page\">"));
	assert_non_null(strstr(s, "<div class=\"note err\" role=\"alert\">a &lt; b</div>"));
	assert_non_null(strstr(s, "name=\"csrf\" value=\"abc\""));
	assert_non_null(strstr(s, "href=\"/lang?set=en&amp;back=%2Fplan%3Fdate%3D2026-11-27\""));
	/* nothing from elsewhere, no script */
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "http://"));
	assert_null(strstr(s, "https://"));
	free(s);

	f = (struct webui_frame){
	    .station = "x", .title = "y", .page = WEBUI_NONE, .lang = WEBUI_EN};
	webui_begin(&b, &f);
	webui_end(&b, &f);
	s = webui_take(&b, NULL);
	assert_null(strstr(s, "<nav>"));
	assert_null(strstr(s, "csrf"));
	assert_null(strstr(s, "refresh"));
	assert_non_null(strstr(s, "Tiếng Việt"));
	free(s);
}

static void test_duration(void **state)
{
	char buf[32];

	(void)state;
	webui_duration(0, buf, sizeof buf);
	assert_string_equal(buf, "-");
	webui_duration(-1, buf, sizeof buf);
	assert_string_equal(buf, "-");
	webui_duration(0.4, buf, sizeof buf);
	assert_string_equal(buf, "0:00");
	webui_duration(312.5, buf, sizeof buf);
	assert_string_equal(buf, "5:13");
	webui_duration(3723, buf, sizeof buf);
	assert_string_equal(buf, "1:02:03");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_lang),
	    cmocka_unit_test(test_frame),
	    cmocka_unit_test(test_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
