/*
 * Unit tests of provalert (what loaxa-province alert writes) and alertmsg
 * (the watcher's lines to the daemon): the index a tool writes is one the
 * stations accept; the manifest keeps everything but its alerts list and
 * version; a resource added to a CAP message is read back by cap_parse;
 * an alert line round-trips and a damaged one is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertidx.h"
#include "alertmsg.h"
#include "cap.h"
#include "provalert.h"
#include "util.h"

#define HX  "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100"
#define HA  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NOW ((time_t)1795996800)

static const struct provalert_file files[2] = {
    {"alerts/" HX ".xml", HX, 2312},
    {"programmes/" HA ".ogg", HA, 48213},
};

static void test_index(void **state)
{
	struct manifest_check chk = {.now = NOW, .clock_trusted = true};
	char *text = provalert_index_json("bac-giang", 7, NOW, NOW + 14 * 86400, files, 2);
	struct provalert_file *back;
	struct alertidx x;
	struct diag d = {0};
	uint64_t version;
	const char *why;
	size_t n;

	(void)state;
	assert_int_equal(alertidx_parse(&x, text, strlen(text), "alerts.json", &chk, &d), 0);
	assert_int_equal(x.version, 7);
	assert_int_equal(x.nfiles, 2);
	assert_string_equal(x.files[1].path, files[1].path);
	alertidx_free(&x);
	assert_int_equal(provalert_previous(text, strlen(text), &version, &back, &n, &why), 0);
	assert_int_equal(version, 7);
	assert_int_equal(n, 2);
	assert_memory_equal(back, files, sizeof files);
	free(back);
	free(text);
	text = provalert_trusted_comment(NOW, 7);
	assert_string_equal(text, "timestamp:1795996800 file:alerts.json version:7");
	free(text);
	assert_int_equal(provalert_previous("[]", 2, &version, &back, &n, &why), -1);
	assert_int_equal(
	    provalert_previous("{\"version\":3,\"alerts\":{}}", 25, &version, &back, &n, &why), -1);
	assert_int_equal(provalert_previous("{\"version\":3}", 13, &version, &back, &n, &why), 0);
	assert_int_equal(n, 0);
	free(back);
}

static void test_manifest_set(void **state)
{
	const char *m =
	    "{\"format\":\"loaxa-manifest/1\",\"province\":\"bac-giang\",\"version\":41,"
	    "\"issued\":\"2026-11-26T08:00:00+07:00\",\"expires\":\"2026-12-10T08:00:00+07:00\","
	    "\"programmes\":[{\"id\":\"a\"}],\"schedules\":[],\"zz\":1}";
	char *out, *again;
	json_t *o;
	uint64_t v;
	const char *why;

	(void)state;
	out = provalert_manifest_set(m, files, 2, true, NOW, &v, &why);
	assert_non_null(out);
	assert_int_equal(v, 42);
	o = json_loads(out, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "version")), 42);
	assert_int_equal(json_array_size(json_object_get(o, "alerts")), 2);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(o, "programmes"), 0), "id")),
	                    "a");
	assert_int_equal(json_integer_value(json_object_get(o, "zz")), 1);
	assert_string_not_equal(json_string_value(json_object_get(o, "issued")),
	                        "2026-11-26T08:00:00+07:00");
	json_decref(o);
	/* no bump, no files: the same version, without the list */
	again = provalert_manifest_set(out, NULL, 0, false, NOW, &v, &why);
	assert_int_equal(v, 42);
	assert_null(strstr(again, "\"alerts\""));
	free(again);
	free(out);
	assert_null(provalert_manifest_set("{\"version\":0}", files, 2, true, NOW, &v, &why));
	assert_null(provalert_manifest_set("nonsense", files, 2, true, NOW, &v, &why));
}

static void test_resource(void **state)
{
	const char *cap =
	    "<cap:alert "
	    "xmlns:cap=\"urn:oasis:names:tc:emergency:cap:1.2\"><cap:identifier>x</cap:identifier>"
	    "<cap:sender>s</cap:sender><cap:sent>2026-10-12T14:30:00+07:00</cap:sent>"
	    "<cap:status>Actual</cap:status><cap:msgType>Alert</cap:msgType><cap:scope>Public</"
	    "cap:scope>"
	    "<cap:info><cap:language>vi</cap:language><cap:category>Met</cap:category>"
	    "<cap:event>e</cap:event><cap:urgency>Unknown</cap:urgency><cap:severity>Minor</"
	    "cap:severity>"
	    "<cap:certainty>Unknown</cap:certainty></cap:info></cap:alert>";
	struct cap_alert a;
	char why[256], *with;
	size_t len;

	(void)state;
	assert_int_equal(cap_parse(&a, cap, strlen(cap), why, sizeof why), 0);
	with = provalert_add_resource(cap, strlen(cap), a.infos[0].end_offset, "Bản tin <1> & 2",
	                              "audio/ogg", 48213, "programmes/" HA ".ogg",
	                              "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12", &len);
	cap_free(&a);
	assert_int_equal(len, strlen(with));
	assert_int_equal(cap_parse(&a, with, len, why, sizeof why), 0);
	assert_int_equal(a.infos[0].nresources, 1);
	assert_string_equal(a.infos[0].resources[0].desc, "Bản tin <1> & 2");
	assert_string_equal(a.infos[0].resources[0].uri, "programmes/" HA ".ogg");
	assert_int_equal(a.infos[0].resources[0].size, 48213);
	cap_free(&a);
	free(with);
	assert_string_equal(provalert_mime("mp3"), "audio/mpeg");
	assert_string_equal(provalert_mime("ogg"), "audio/ogg");
	assert_string_equal(provalert_severity_for_level(1), "Minor");
	assert_string_equal(provalert_severity_for_level(4), "Extreme");
	assert_string_equal(provalert_severity_for_level(9), "Unknown");
}

static void test_alertmsg(void **state)
{
	struct alertmsg_ref ref = {"pctt@test.vn", "A-1"};
	struct alertmsg m = {.kind = ALERTMSG_PLAY,
	                     .identifier = "A-2",
	                     .sender = "pctt@test.vn",
	                     .sent = "2026-10-12T14:30:00+07:00",
	                     .msg_type = "Update",
	                     .severity = "Extreme",
	                     .headline = "Bão\nmạnh",
	                     .level = 5,
	                     .sha256 = HX,
	                     .audio = "/var/lib/loaxa/alerts/" HX ".wav",
	                     .duration_s = 14.5,
	                     .repeat = 3,
	                     .interval_s = 600,
	                     .expires = NOW,
	                     .refs = &ref,
	                     .nrefs = 1};
	struct alertmsg back, copy;
	char *line = alertmsg_format(&m), why[128];
	size_t len = strlen(line);

	(void)state;
	assert_int_equal(line[len - 1], '\n');
	assert_null(memchr(line, '\n', len - 1));
	assert_int_equal(alertmsg_parse(&back, line, len - 1, why, sizeof why), 0);
	assert_int_equal(back.kind, ALERTMSG_PLAY);
	assert_string_equal(back.headline, "Bão\nmạnh");
	assert_int_equal(back.level, 5);
	assert_int_equal(back.repeat, 3);
	assert_int_equal(back.expires, NOW);
	assert_string_equal(back.refs[0].identifier, "A-1");
	alertmsg_copy(&copy, &back);
	alertmsg_free(&back);
	assert_string_equal(copy.audio, m.audio);
	alertmsg_free(&copy);
	free(line);
	/* what the daemon refuses to take */
	{
		static const char *const bad[] = {
		    "{\"event\":\"play\",\"identifier\":\"x\",\"sender\":\"s\"}",
		    "{\"event\":\"play\",\"identifier\":\"x\",\"sender\":\"s\",\"sha256\":\"" HX
		    "\","
		    "\"audio\":\"relative.wav\",\"expires\":1}",
		    "{\"event\":\"play\",\"identifier\":\"x\",\"sender\":\"s\",\"sha256\":\"" HX
		    "\","
		    "\"audio\":\"/a/../b.wav\",\"expires\":1}",
		    "{\"event\":\"play\",\"identifier\":\"x\",\"sender\":\"s\",\"sha256\":\"" HX
		    "\","
		    "\"audio\":\"/a.wav\",\"expires\":1,\"repeat\":101}",
		    "{\"event\":\"cancel\",\"identifier\":\"x\",\"sender\":\"s\"}",
		    "{\"event\":\"refused\"}",
		    "{\"event\":\"refused\",\"reason\":\"r\",\"level\":6}",
		    "{\"event\":\"refused\",\"reason\":\"r\",\"sha256\":\"abc\"}",
		    "{\"event\":\"boom\"}",
		    "[1]",
		    "{\"event\":\"refused\",\"reason\":\"a\\u0001b\"}",
		};

		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			if (alertmsg_parse(&back, bad[i], strlen(bad[i]), why, sizeof why) == 0)
				fail_msg("accepted: %s", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_index),
	    cmocka_unit_test(test_manifest_set),
	    cmocka_unit_test(test_resource),
	    cmocka_unit_test(test_alertmsg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
