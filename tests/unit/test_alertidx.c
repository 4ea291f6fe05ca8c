/*
 * Unit tests of alertidx (alerts.json) and of the manifest's "alerts"
 * list: a good index field by field, then each way one is refused, one
 * change at a time, with the reason checked.
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
#include "manifest.h"
#include "util.h"

#define HX "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100"
#define HA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
/* 2026-11-30T00:00:00Z */
#define NOW ((time_t)1795996800)

static const struct manifest_check chk0 = {
    .station_id = "tan-quang", .now = NOW, .clock_trusted = true, .max_bytes = 1000000};

static json_t *good(void)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:I, s:s, s:s, s:[{s:s,s:s,s:I},{s:s,s:s,s:I}]}", "format",
	              "loaxa-alerts/1", "province", "bac-giang", "version", (json_int_t)7, "issued",
	              "2026-11-29T08:00:00+07:00", "expires", "2026-12-13T08:00:00+07:00", "alerts",
	              "path", "alerts/" HX ".xml", "sha256", HX, "bytes", (json_int_t)2312, "path",
	              "programmes/" HA ".ogg", "sha256", HA, "bytes", (json_int_t)48213);

	assert_non_null(o);
	return o;
}

static int parse(json_t *o, const struct manifest_check *chk, struct alertidx *x, struct diag *d)
{
	char *text = json_dumps(o, 0);
	int r = alertidx_parse(x, text, strlen(text), "alerts.json", chk, d);

	free(text);
	json_decref(o);
	return r;
}

static void refused(json_t *o, const struct manifest_check *chk, const char *reason)
{
	struct alertidx x;
	struct diag d = {0};
	bool found = false;

	if (parse(o, chk, &x, &d) == 0)
		fail_msg("accepted, expected \"%s\"", reason);
	for (size_t i = 0; i < d.n; i++)
		found = found || strstr(d.msgs[i], reason);
	if (!found)
		fail_msg("reasons \"%s\"..., expected \"%s\"", d.n ? d.msgs[0] : "", reason);
	assert_int_equal(x.nfiles, 0);
	assert_null(x.files);
	diag_free(&d);
}

static void test_good(void **state)
{
	struct alertidx x;
	struct diag d = {0};

	(void)state;
	assert_int_equal(parse(good(), &chk0, &x, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(x.version, 7);
	assert_string_equal(x.province, "bac-giang");
	assert_int_equal(x.issued, 1795914000);
	assert_int_equal(x.nfiles, 2);
	assert_string_equal(x.files[0].path, "alerts/" HX ".xml");
	assert_string_equal(x.files[0].name, HX ".xml");
	assert_int_equal(x.files[0].bytes, 2312);
	assert_string_equal(x.files[1].sha256, HA);
	assert_ptr_equal(alertidx_find(x.files, x.nfiles, "programmes/" HA ".ogg"), &x.files[1]);
	assert_null(alertidx_find(x.files, x.nfiles, "programmes/" HX ".ogg"));
	assert_int_equal(strlen(x.sha256), 64);
	alertidx_free(&x);
}

static void test_versions(void **state)
{
	struct manifest_check chk = chk0;
	struct alertidx x;
	struct diag d = {0};
	char *text;
	json_t *o;

	(void)state;
	o = good();
	text = json_dumps(o, 0);
	json_decref(o);
	/* the same version and bytes again: accepted (the caller sees it is
	 * the same); other bytes under the same version: refused */
	chk.last_version = 7;
	chk.last_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
	refused(good(), &chk, "differs from the accepted index");
	{
		char hex[65];

		util_sha256_hex(text, strlen(text), hex);
		chk.last_sha256 = hex;
		assert_int_equal(alertidx_parse(&x, text, strlen(text), "alerts.json", &chk, &d),
		                 0);
		alertidx_free(&x);
	}
	chk.last_version = 8;
	chk.last_sha256 = NULL;
	refused(good(), &chk, "older than the accepted version 8 (rollback)");
	free(text);
}

static void test_refusals(void **state)
{
	struct manifest_check untrusted = chk0;
	json_t *o;

	(void)state;
	untrusted.clock_trusted = false;
	o = good();
	json_object_set_new(o, "format", json_string("loaxa-manifest/1"));
	refused(o, &chk0, "\"format\" is not");
	o = good();
	json_object_set_new(o, "version", json_integer(0));
	refused(o, &chk0, "positive integer");
	o = good();
	json_object_set_new(o, "province", json_string("../x"));
	refused(o, &chk0, "\"province\"");
	o = good();
	json_object_set_new(o, "expires", json_string("2026-11-29T08:00:00+07:00"));
	refused(o, &chk0, "not after \"issued\"");
	o = good();
	json_object_set_new(o, "expires", json_string("2026-11-29T10:00:00+07:00"));
	refused(o, &chk0, "expired");
	{
		/* an untrusted clock does not judge expiry */
		struct alertidx x;
		struct diag d = {0};

		o = good();
		json_object_set_new(o, "expires", json_string("2026-11-29T10:00:00+07:00"));
		assert_int_equal(parse(o, &untrusted, &x, &d), 0);
		alertidx_free(&x);
	}
	o = good();
	json_object_del(o, "alerts");
	refused(o, &chk0, "\"alerts\" missing or not a list");
	o = good();
	json_object_set_new(json_array_get(json_object_get(o, "alerts"), 0), "path",
	                    json_string("alerts/" HX ".ogg"));
	refused(o, &chk0, "alert path does not end in .xml");
	o = good();
	json_object_set_new(json_array_get(json_object_get(o, "alerts"), 1), "path",
	                    json_string("schedules/" HA ".cfg"));
	refused(o, &chk0, "path is not under programmes/");
	o = good();
	json_object_set_new(json_array_get(json_object_get(o, "alerts"), 1), "path",
	                    json_string("programmes/../" HA ".ogg"));
	refused(o, &chk0, "\"..\"");
	o = good();
	json_object_set_new(json_array_get(json_object_get(o, "alerts"), 1), "sha256",
	                    json_string(HX));
	refused(o, &chk0, "does not match sha256");
	o = good();
	json_object_set_new(json_array_get(json_object_get(o, "alerts"), 1), "bytes",
	                    json_integer(1000001));
	refused(o, &chk0, "max_download_bytes");
	o = good();
	json_array_append(json_object_get(o, "alerts"),
	                  json_array_get(json_object_get(o, "alerts"), 0));
	refused(o, &chk0, "duplicate alert path");
	{
		struct alertidx x;
		struct diag d = {0};
		char big[ALERTIDX_MAX_BYTES + 2];

		memset(big, ' ', sizeof big);
		assert_int_equal(alertidx_parse(&x, big, sizeof big, "alerts.json", &chk0, &d), -1);
		assert_non_null(strstr(d.msgs[0], "larger than"));
		diag_free(&d);
		assert_int_equal(alertidx_parse(&x, "[1,", 3, "alerts.json", &chk0, &d), -1);
		assert_non_null(strstr(d.msgs[0], "not valid JSON"));
		diag_free(&d);
	}
}

static json_t *manifest(void)
{
	json_t *m = json_pack("{s:s, s:s, s:I, s:s, s:s, s:[], s:[]}", "format", "loaxa-manifest/1",
	                      "province", "bac-giang", "version", (json_int_t)3, "issued",
	                      "2026-11-29T08:00:00+07:00", "expires", "2026-12-13T08:00:00+07:00",
	                      "programmes", "schedules");

	assert_non_null(m);
	return m;
}

static void test_manifest_alerts(void **state)
{
	json_t *m = manifest(), *idx = good();
	struct manifest man;
	struct diag d = {0};
	char *text;

	(void)state;
	/* without the list: an ordinary manifest */
	text = json_dumps(m, 0);
	assert_int_equal(manifest_parse(&man, text, strlen(text), "manifest.json", &chk0, &d), 0);
	assert_int_equal(man.nalerts, 0);
	manifest_free(&man);
	free(text);
	/* with it: the same files as the index */
	json_object_set(m, "alerts", json_object_get(idx, "alerts"));
	text = json_dumps(m, 0);
	assert_int_equal(manifest_parse(&man, text, strlen(text), "manifest.json", &chk0, &d), 0);
	assert_int_equal(man.nalerts, 2);
	assert_string_equal(man.alerts[0].path, "alerts/" HX ".xml");
	assert_true(man.alerts[1].for_station);
	manifest_free(&man);
	free(text);
	/* and checked like the rest of the manifest */
	json_object_set_new(json_array_get(json_object_get(m, "alerts"), 0), "path",
	                    json_string("alerts/" HX ".cfg"));
	text = json_dumps(m, 0);
	assert_int_equal(manifest_parse(&man, text, strlen(text), "manifest.json", &chk0, &d), -1);
	assert_non_null(strstr(d.msgs[0], "alerts[0]: alert path does not end in .xml"));
	diag_free(&d);
	free(text);
	json_decref(m);
	json_decref(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_versions),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_manifest_alerts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
