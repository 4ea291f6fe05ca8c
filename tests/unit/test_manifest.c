/*
 * Unit tests of manifest: the accept path field by field, and each way a
 * manifest is rejected, one change at a time from a good manifest, with the
 * reason checked. Then catalog, which reads the active manifest back with
 * manifest.c and points into the store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "manifest.h"
#include "util.h"

#define H1 "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100"
#define H2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H3 "41c7000000000000000000000000000000000000000000000000000000000c7c"

/* 2026-11-30T00:00:00Z: between issued and expires of good(). */
#define NOW ((time_t)1795996800)

static const struct manifest_check default_check = {
    .station_id = "tan-quang",
    .now = NOW,
    .clock_trusted = true,
    .max_bytes = 268435456,
};

static json_t *programme(const char *id, const char *hash, const char *ext, json_int_t bytes)
{
	char *path = xasprintf("programmes/%s.%s", hash, ext);
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:s, s:[s]}", "id", id,
	                      "title", "Bản tin giảm nghèo", "class", "normal", "path", path,
	                      "sha256", hash, "bytes", bytes, "duration_s", 312.5, "loudness_lufs",
	                      -18.2, "valid_until", "2026-12-04", "stations", "*");

	free(path);
	assert_non_null(p);
	return p;
}

/* A manifest every check accepts: two programmes for everyone, one for
 * another station only, one schedule for this station. */
static json_t *good(void)
{
	json_t *root = json_pack(
	    "{s:s, s:s, s:i, s:s, s:s, s:[o, o, o], s:[{s:s, s:s, s:i, s:[s, s]}]}", "format",
	    "loaxa-manifest/1", "province", "bac-giang", "version", 42, "issued",
	    "2026-11-26T08:00:00+07:00", "expires", "2026-12-10T08:00:00+07:00", "programmes",
	    programme("ban-tin-giam-ngheo-2026-11-27", H1, "ogg", 1834567),
	    programme("nhac-hieu", H2, "flac", 1000), programme("chi-xa-khac", H3, "mp3", 5),
	    "schedules", "path", "schedules/" H3 ".cfg", "sha256", H3, "bytes", 812, "stations",
	    "tan-quang", "dong-son");

	assert_non_null(root);
	json_object_set_new(json_array_get(json_object_get(root, "programmes"), 2), "stations",
	                    json_pack("[s]", "dong-son"));
	return root;
}

static json_t *prog(json_t *root, size_t i)
{
	return json_array_get(json_object_get(root, "programmes"), i);
}

static char *dump(json_t *root)
{
	char *s = json_dumps(root, JSON_COMPACT);

	assert_non_null(s);
	return s;
}

static bool has_reason(const struct diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], needle))
			return true;
	return false;
}

static void print_reasons(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "#   %s\n", d->msgs[i]);
}

static void expect_reject_bytes(const char *buf, size_t len, const struct manifest_check *chk,
                                const char *needle)
{
	struct manifest m;
	struct diag d = {0};

	memset(&m, 0x55, sizeof m);
	assert_int_equal(manifest_parse(&m, buf, len, "manifest.json", chk, &d), -1);
	assert_true(d.n >= 1);
	if (!has_reason(&d, needle)) {
		fprintf(stderr, "# no reason contains \"%s\":\n", needle);
		print_reasons(&d);
		fail();
	}
	/* Every reason names the file. */
	for (size_t i = 0; i < d.n; i++)
		assert_true(strncmp(d.msgs[i], "manifest.json:", 14) == 0);
	assert_null(m.programmes);
	assert_null(m.province);
	diag_free(&d);
}

/* Takes root. */
static void expect_reject_chk(json_t *root, const struct manifest_check *chk, const char *needle)
{
	char *s = dump(root);

	expect_reject_bytes(s, strlen(s), chk, needle);
	free(s);
	json_decref(root);
}

static void expect_reject(json_t *root, const char *needle)
{
	expect_reject_chk(root, &default_check, needle);
}

/* Takes root; m must be freed by the caller. */
static void expect_accept_chk(json_t *root, const struct manifest_check *chk, struct manifest *m)
{
	char *s = dump(root);
	struct diag d = {0};

	if (manifest_parse(m, s, strlen(s), "manifest.json", chk, &d) != 0) {
		print_reasons(&d);
		fail();
	}
	assert_int_equal(d.n, 0);
	free(s);
	json_decref(root);
}

static void expect_accept(json_t *root, struct manifest *m)
{
	expect_accept_chk(root, &default_check, m);
}

/* ---- accept ------------------------------------------------------------ */

static void test_accept_fields(void **state)
{
	struct manifest m;
	json_t *root = good();
	char *s = dump(root);
	char hex[65];
	const struct manifest_entry *p;

	(void)state;
	util_sha256_hex(s, strlen(s), hex);
	free(s);
	expect_accept(root, &m);
	assert_int_equal(m.version, 42);
	assert_string_equal(m.province, "bac-giang");
	assert_string_equal(m.sha256, hex);
	/* 2026-11-26T01:00:00Z and 2026-12-10T01:00:00Z */
	assert_int_equal(m.issued, 1795654800);
	assert_int_equal(m.expires, 1796864400);
	assert_int_equal(m.nprogrammes, 3);
	assert_int_equal(m.nschedules, 1);

	p = &m.programmes[0];
	assert_string_equal(p->id, "ban-tin-giam-ngheo-2026-11-27");
	assert_string_equal(p->title, "Bản tin giảm nghèo");
	assert_string_equal(p->klass, "normal");
	assert_string_equal(p->path, "programmes/" H1 ".ogg");
	assert_string_equal(p->name, H1 ".ogg");
	assert_string_equal(p->sha256, H1);
	assert_int_equal(p->bytes, 1834567);
	assert_true(fabs(p->duration_s - 312.5) < 1e-9);
	assert_true(fabs(p->loudness_lufs + 18.2) < 1e-9);
	assert_int_equal(p->valid_until, 20791);
	assert_true(p->for_station);

	assert_string_equal(m.programmes[1].name, H2 ".flac");
	assert_true(m.programmes[1].for_station);
	/* For dong-son only: listed, but not for this station. */
	assert_string_equal(m.programmes[2].id, "chi-xa-khac");
	assert_false(m.programmes[2].for_station);

	assert_null(m.schedules[0].id);
	assert_string_equal(m.schedules[0].path, "schedules/" H3 ".cfg");
	assert_string_equal(m.schedules[0].name, H3 ".cfg");
	assert_int_equal(m.schedules[0].bytes, 812);
	assert_true(m.schedules[0].for_station);
	manifest_free(&m);
	assert_null(m.programmes);
}

static void test_accept_defaults(void **state)
{
	struct manifest m;
	json_t *root = good();
	json_t *p = prog(root, 1);

	(void)state;
	json_object_del(p, "title");
	json_object_del(p, "class");
	json_object_del(p, "duration_s");
	json_object_del(p, "loudness_lufs");
	json_object_del(p, "valid_until");
	json_object_del(p, "stations");
	json_object_del(root, "schedules");
	expect_accept(root, &m);
	assert_string_equal(m.programmes[1].title, "nhac-hieu");
	assert_string_equal(m.programmes[1].klass, "normal");
	assert_true(m.programmes[1].duration_s == 0);
	assert_true(isnan(m.programmes[1].loudness_lufs));
	assert_true(m.programmes[1].valid_until == INT64_MAX);
	/* No list: every station. */
	assert_true(m.programmes[1].for_station);
	assert_int_equal(m.nschedules, 0);
	assert_null(m.schedules);
	manifest_free(&m);
}

static void test_accept_classes_and_stations(void **state)
{
	struct manifest m;
	json_t *root = good();

	(void)state;
	json_object_set_new(prog(root, 0), "class", json_string("emergency"));
	json_object_set_new(prog(root, 1), "class", json_string("priority"));
	json_object_set_new(prog(root, 1), "stations", json_pack("[s, s]", "a-b", "tan-quang"));
	expect_accept(root, &m);
	assert_string_equal(m.programmes[0].klass, "emergency");
	assert_string_equal(m.programmes[1].klass, "priority");
	assert_true(m.programmes[1].for_station);
	manifest_free(&m);

	/* The same manifest seen by another station. */
	root = good();
	struct manifest_check chk = default_check;
	chk.station_id = "dong-son";
	expect_accept_chk(root, &chk, &m);
	assert_true(m.programmes[2].for_station);
	assert_true(m.schedules[0].for_station);
	manifest_free(&m);

	root = good();
	chk.station_id = "xa-thu-ba";
	expect_accept_chk(root, &chk, &m);
	assert_true(m.programmes[0].for_station);
	assert_false(m.programmes[2].for_station);
	assert_false(m.schedules[0].for_station);
	manifest_free(&m);
}

static void test_accept_newer_and_same(void **state)
{
	struct manifest_check chk = default_check;
	struct manifest m;
	json_t *root = good();
	char *s = dump(root);
	char hex[65];

	(void)state;
	util_sha256_hex(s, strlen(s), hex);
	free(s);
	chk.last_version = 41;
	expect_accept_chk(json_incref(root), &chk, &m);
	manifest_free(&m);
	/* The very manifest accepted before: the same bytes, the same version. */
	chk.last_version = 42;
	chk.last_sha256 = hex;
	expect_accept_chk(root, &chk, &m);
	assert_int_equal(m.version, 42);
	manifest_free(&m);
}

/*
 * A clock that is not trusted (no NTP sync) is still read, and the expiry
 * is checked against the later of it and time_floor, a time the station
 * knows has passed: a replayed manifest is refused however early the clock
 * reads. A trusted clock is the only word.
 */
static void test_expiry_when_clock_untrusted(void **state)
{
	const time_t expires = 1796864400; /* good()'s */
	struct manifest_check chk = default_check;
	struct manifest m;
	struct diag d = {0};
	json_t *root;
	char *text;

	(void)state;
	chk.clock_trusted = false;
	/* a clock that reads early, nothing seen: accepted */
	chk.now = 86400;
	expect_accept_chk(good(), &chk, &m);
	manifest_free(&m);
	/* the clock itself past the expiry: refused, trusted or not */
	chk.now = expires;
	expect_reject_chk(good(), &chk, "expired: \"expires\" is in the past");
	chk.now = expires - 1;
	expect_accept_chk(good(), &chk, &m);
	manifest_free(&m);
	/* the clock early, but the station has seen the expiry pass */
	chk.now = 86400;
	chk.time_floor = expires;
	expect_reject_chk(good(), &chk, "a time this station has already seen");
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	root = good();
	text = dump(root);
	json_decref(root);
	assert_int_equal(manifest_parse(&m, text, strlen(text), "m.json", &chk, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], "m.json: expired: \"expires\" is before "
	                               "2026-12-10T08:00:00+07:00, a time this station has "
	                               "already seen (its clock is not synchronised and reads "
	                               "earlier)");
	diag_free(&d);
	free(text);
	unsetenv("TZ");
	tzset();
	chk.time_floor = expires - 1;
	expect_accept_chk(good(), &chk, &m);
	manifest_free(&m);
	/* a trusted clock is not second-guessed by the floor */
	chk.time_floor = expires + 86400;
	chk.clock_trusted = true;
	chk.now = expires - 1;
	expect_accept_chk(good(), &chk, &m);
	manifest_free(&m);

	/* And no per-file limit: only the sanity caps. */
	chk = default_check;
	chk.clock_trusted = false;
	chk.max_bytes = 0;
	root = good();
	json_object_set_new(prog(root, 0), "bytes", json_integer((json_int_t)1 << 35));
	expect_accept_chk(root, &chk, &m);
	assert_int_equal(m.programmes[0].bytes, (int64_t)1 << 35);
	manifest_free(&m);
}

/* ---- not a manifest at all ------------------------------------------------ */

static void test_reject_not_json(void **state)
{
	static const char truncated[] = "{\"format\": \"loaxa-manifest/1\", \"version\": 4";
	static const char bad_utf8[] =
	    "{\"format\": \"loaxa-manifest/1\", \"province\": \"b\xff\"}";
	static const char overlong[] = "{\"x\": \"\xc0\xaf\"}";
	static const char nul[] = "{\"format\": \"loaxa-manifest/1\", \"province\": \"a\\u0000b\"}";
	static const char dupkey[] = "{\"version\": 1, \"version\": 2}";
	static const char lines[] = "{\n\"a\": 1,\n\n\"b\": }";
	struct diag d = {0};
	struct manifest m;

	(void)state;
	expect_reject_bytes(truncated, strlen(truncated), &default_check, "not valid JSON");
	expect_reject_bytes(bad_utf8, strlen(bad_utf8), &default_check, "not valid JSON");
	expect_reject_bytes(overlong, strlen(overlong), &default_check, "not valid JSON");
	expect_reject_bytes(nul, strlen(nul), &default_check, "not valid JSON");
	expect_reject_bytes(dupkey, strlen(dupkey), &default_check, "not valid JSON");
	expect_reject_bytes("", 0, &default_check, "not valid JSON");
	expect_reject_bytes("[1, 2]", 6, &default_check, "not a JSON object");
	expect_reject_bytes("\"loaxa\"", 7, &default_check, "not valid JSON");
	/* The line of a syntax error is given. */
	assert_int_equal(manifest_parse(&m, lines, strlen(lines), "m.json", &default_check, &d),
	                 -1);
	assert_int_equal(d.n, 1);
	assert_true(strncmp(d.msgs[0], "m.json:4:", 9) == 0);
	diag_free(&d);
}

/* Nested deeper than a manifest needs: refused with the line and the
 * limit, before jansson (which would go 2048 levels deep and then say it
 * reached its "maximum parsing depth"). */
static void test_reject_deep(void **state)
{
	json_t *root = good();
	char *text, *deep = xmalloc(20000);
	struct diag d = {0};
	struct manifest m;

	(void)state;
	memset(deep, '[', 5000);
	memset(deep + 5000, ']', 5000);
	expect_reject_bytes(deep, 10000, &default_check,
	                    "nesting too deep: more than 16 levels of brackets");
	memcpy(deep, "{\n\"a\":\n", 7);
	memset(deep + 7, '[', 16);
	memset(deep + 23, ']', 16);
	memcpy(deep + 39, "}", 2);
	assert_int_equal(manifest_parse(&m, deep, strlen(deep), "m.json", &default_check, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0],
	                    "m.json:3: nesting too deep: more than 16 levels of brackets");
	diag_free(&d);
	/* a good manifest with an extra member 12 deep is still good */
	memset(deep, '[', 12);
	memset(deep + 12, ']', 12);
	deep[24] = '\0';
	json_object_set_new(root, "extra", json_loads(deep, 0, NULL));
	text = json_dumps(root, 0);
	assert_int_equal(manifest_parse(&m, text, strlen(text), "m.json", &default_check, &d), 0);
	manifest_free(&m);
	free(text);
	free(deep);
	json_decref(root);
}

static void test_reject_too_large(void **state)
{
	size_t n = MANIFEST_MAX_BYTES + 1;
	char *buf = xmalloc(n);

	(void)state;
	memset(buf, ' ', n);
	buf[0] = '{';
	buf[n - 1] = '}';
	expect_reject_bytes(buf, n, &default_check, "larger than");
	free(buf);
}

/* ---- the header ----------------------------------------------------------- */

static void test_reject_format(void **state)
{
	json_t *root;

	(void)state;
	root = good();
	json_object_set_new(root, "format", json_string("loaxa-manifest/2"));
	expect_reject(root, "\"format\"");
	root = good();
	json_object_del(root, "format");
	expect_reject(root, "\"format\"");
	root = good();
	json_object_set_new(root, "format", json_integer(1));
	expect_reject(root, "\"format\"");
}

static void test_reject_province(void **state)
{
	json_t *root;

	(void)state;
	root = good();
	json_object_del(root, "province");
	expect_reject(root, "\"province\"");
	root = good();
	json_object_set_new(root, "province", json_string("../bac-giang"));
	expect_reject(root, "\"province\"");
}

static void test_reject_version(void **state)
{
	json_t *bad[] = {json_integer(0),   json_integer(-3), json_real(42.0), json_real(42.5),
	                 json_string("42"), json_null(),      json_true(),     NULL};
	json_t *root;

	(void)state;
	for (int i = 0; bad[i]; i++) {
		root = good();
		json_object_set_new(root, "version", bad[i]);
		expect_reject(root, "\"version\" must be a positive integer");
	}
	root = good();
	json_object_del(root, "version");
	expect_reject(root, "\"version\" must be a positive integer");
}

static void test_reject_rollback(void **state)
{
	struct manifest_check chk = default_check;

	(void)state;
	chk.last_version = 43;
	expect_reject_chk(good(), &chk, "older than the accepted version 43 (rollback)");
	/* The same version with other bytes: a second manifest under one
	 * number is either a mistake or an attack. */
	chk.last_version = 42;
	chk.last_sha256 = H1;
	expect_reject_chk(good(), &chk, "differs from the accepted manifest of the same version");
}

static void test_reject_times(void **state)
{
	static const char *const bad[] = {"2026-11-26", "2026-11-26T08:00:00", "yesterday",
	                                  "2026-13-26T08:00:00Z", "2026-11-26T08:00:00+0700"};
	struct manifest_check chk = default_check;
	json_t *root;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		root = good();
		json_object_set_new(root, "issued", json_string(bad[i]));
		expect_reject(root, "\"issued\" missing or not a time");
		root = good();
		json_object_set_new(root, "expires", json_string(bad[i]));
		expect_reject(root, "\"expires\" missing or not a time");
	}
	root = good();
	json_object_del(root, "expires");
	expect_reject(root, "\"expires\" missing");
	root = good();
	json_object_set_new(root, "expires", json_integer(1796864400));
	expect_reject(root, "\"expires\" missing");
	root = good();
	json_object_set_new(root, "expires", json_string("2026-11-26T08:00:00+07:00"));
	expect_reject(root, "\"expires\" is not after \"issued\"");

	/* Expired, on a trusted clock: a frozen publication. */
	chk.now = 1796864400;
	expect_reject_chk(good(), &chk, "expired");
	chk.now = 1796864400 - 1;
	struct manifest m;
	expect_accept_chk(good(), &chk, &m);
	manifest_free(&m);
}

/* ---- entries -------------------------------------------------------------- */

static void test_reject_lists(void **state)
{
	json_t *root;

	(void)state;
	root = good();
	json_object_del(root, "programmes");
	expect_reject(root, "\"programmes\" missing or not a list");
	root = good();
	json_object_set_new(root, "programmes", json_object());
	expect_reject(root, "\"programmes\" missing or not a list");
	root = good();
	json_object_set_new(root, "schedules", json_string("schedules/"));
	expect_reject(root, "\"schedules\" missing or not a list");
	root = good();
	json_array_append_new(json_object_get(root, "programmes"), json_string("x"));
	expect_reject(root, "programmes[3]: not an object");
	root = good();
	json_array_append_new(json_object_get(root, "schedules"), json_integer(7));
	expect_reject(root, "schedules[1]: not an object");
}

static json_t *relay(const char *id, const char *url)
{
	return json_pack("{s:s, s:s, s:s}", "id", id, "title", "VOV1", "url", url);
}

static void test_relays(void **state)
{
	struct manifest m;
	json_t *root;

	(void)state;
	root = good();
	json_object_set_new(
	    root, "relays",
	    json_pack("[o, o]", relay("vov1", "https://radio.example.vn/vov1.mp3"),
	              json_pack("{s:s, s:s, s:[s]}", "id", "tinh", "url",
	                        "http://10.0.0.1:8000/tinh.aac", "stations", "other-station")));
	expect_accept(root, &m);
	assert_int_equal(m.nrelays, 2);
	assert_string_equal(m.relays[0].id, "vov1");
	assert_string_equal(m.relays[0].title, "VOV1");
	assert_string_equal(m.relays[0].url, "https://radio.example.vn/vov1.mp3");
	assert_true(m.relays[0].for_station);
	assert_string_equal(m.relays[1].title, "tinh");
	assert_false(m.relays[1].for_station);
	manifest_free(&m);

	/* none is fine */
	expect_accept(good(), &m);
	assert_int_equal(m.nrelays, 0);
	manifest_free(&m);

	root = good();
	json_object_set_new(root, "relays", json_object());
	expect_reject(root, "\"relays\" missing or not a list");
	root = good();
	json_object_set_new(root, "relays", json_pack("[o]", relay("../x", "http://a/b")));
	expect_reject(root, "relays[0]: unsafe id");
	root = good();
	json_object_set_new(root, "relays", json_pack("[o]", relay("x", "file:///etc/passwd")));
	expect_reject(root, "relays[0]: \"url\" must be an http:// or https:// stream URL");
	root = good();
	json_object_set_new(root, "relays", json_pack("[o]", relay("x", "http://a b/c")));
	expect_reject(root, "relays[0]: \"url\"");
	root = good();
	json_object_set_new(
	    root, "relays",
	    json_pack("[o, o]", relay("x", "http://a/b"), relay("x", "http://a/c")));
	expect_reject(root, "duplicate relay id \"x\"");
	root = good();
	json_object_set_new(root, "relays", json_pack("[s]", "vov1"));
	expect_reject(root, "relays[0]: not an object");
}

static void test_reject_too_many_entries(void **state)
{
	json_t *root = good();
	json_t *list = json_array();

	(void)state;
	for (int i = 0; i <= MANIFEST_MAX_ENTRIES; i++)
		json_array_append_new(list, json_object());
	json_object_set_new(root, "programmes", list);
	expect_reject(root, "more than 10000 entries");
}

/* The names a store sweep may touch: "<sha256>.<anything>", no other. */
static void test_store_names(void **state)
{
	static const char sha[] =
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char name[100];

	(void)state;
	snprintf(name, sizeof name, "%s.wav", sha);
	assert_true(manifest_is_store_name(name));
	snprintf(name, sizeof name, "%s.wav.part", sha);
	assert_true(manifest_is_store_name(name));
	snprintf(name, sizeof name, "%s.", sha);
	assert_false(manifest_is_store_name(name));
	snprintf(name, sizeof name, "%sx", sha);
	assert_false(manifest_is_store_name(name));
	snprintf(name, sizeof name, "%s.wav", sha);
	name[3] = 'B';
	assert_false(manifest_is_store_name(name));
	assert_false(manifest_is_store_name("notes.txt"));
	assert_false(manifest_is_store_name(""));
}

static void test_reject_unsafe_ids(void **state)
{
	static const char *const bad[] = {
	    "../etc/passwd", "a..b", "..",         "Ban-tin", "-ban-tin",
	    ".ban-tin",      "_x",   "ban/tin",    "ban tin", "bản-tin",
	    "ban\ntin",      "",     "ban-tin\\x", "ban:tin", "ban%2ftin",
	};
	char *long_id = xmalloc(130);
	json_t *root;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(manifest_safe_id(bad[i]));
		root = good();
		json_object_set_new(prog(root, 1), "id", json_string(bad[i]));
		expect_reject(root, "programmes[1]: unsafe id");
	}
	memset(long_id, 'a', 129);
	long_id[129] = '\0';
	assert_false(manifest_safe_id(long_id));
	long_id[128] = '\0';
	assert_true(manifest_safe_id(long_id));
	free(long_id);
	assert_true(manifest_safe_id("0"));
	assert_true(manifest_safe_id("ban-tin_2026.11.27"));

	root = good();
	json_object_del(prog(root, 0), "id");
	expect_reject(root, "programmes[0]: \"id\" missing");
	root = good();
	json_object_set_new(prog(root, 0), "id", json_integer(5));
	expect_reject(root, "programmes[0]: \"id\" missing or not a string");
}

static void test_reject_unsafe_id_shown_safely(void **state)
{
	json_t *root = good();
	char *s;
	struct manifest m;
	struct diag d = {0};

	(void)state;
	json_object_set_new(prog(root, 0), "id", json_string("x\r\n<1>forged log line"));
	s = dump(root);
	assert_int_equal(manifest_parse(&m, s, strlen(s), "manifest.json", &default_check, &d), -1);
	assert_true(has_reason(&d, "unsafe id \"x?"
	                           "?<1>forged log line\""));
	for (size_t i = 0; i < d.n; i++)
		assert_null(strpbrk(d.msgs[i], "\r\n"));
	diag_free(&d);
	free(s);
	json_decref(root);
}

static void test_reject_duplicate_ids(void **state)
{
	json_t *root = good();
	json_t *list = json_object_get(root, "programmes");

	(void)state;
	json_array_append_new(list, programme("nhac-hieu", H1, "ogg", 10));
	json_array_append_new(list, programme("nhac-hieu", H2, "ogg", 10));
	expect_reject(root, "duplicate programme id \"nhac-hieu\"");

	/* Ids are unique across stations too: one id, one meaning. */
	root = good();
	json_object_set_new(prog(root, 2), "id", json_string("nhac-hieu"));
	expect_reject(root, "duplicate programme id \"nhac-hieu\"");

	root = good();
	json_array_append(json_object_get(root, "schedules"),
	                  json_array_get(json_object_get(root, "schedules"), 0));
	expect_reject(root, "duplicate schedule path");
}

static void test_reject_paths(void **state)
{
	static const struct {
		const char *path;
		const char *reason;
	} bad[] = {
	    {"/programmes/" H1 ".ogg", "path is not relative"},
	    {"programmes/../" H1 ".ogg", "path contains \"..\""},
	    {"programmes/" H1 "..ogg", "path contains \"..\""},
	    {"../programmes/" H1 ".ogg", "path contains \"..\""},
	    {"programmes/" H1 ".o\ngg", "path contains control characters"},
	    {"programmes/" H1 ".og\x7f", "path contains control characters"},
	    {"schedules/" H1 ".ogg", "path is not under programmes/"},
	    {"audio/" H1 ".ogg", "path is not under programmes/"},
	    {"programmes" H1 ".ogg", "path is not under programmes/"},
	    {"./programmes/" H1 ".ogg", "path is not under programmes/"},
	    {"programmes/" H1, "path is not \"<sha256>.<extension>\""},
	    {"programmes/" H1 ".", "path is not \"<sha256>.<extension>\""},
	    {"programmes/x/" H1 ".ogg", "path is not \"<sha256>.<extension>\""},
	    {"programmes/ban-tin.ogg", "path is not \"<sha256>.<extension>\""},
	    {"programmes/9F0E1D2C3B4A59687766554433221100FFEEDDCCBBAA99887766554433221100.ogg",
	     "path is not \"<sha256>.<extension>\""},
	    {"programmes/" H1 ".OGG", "path has a bad extension"},
	    {"programmes/" H1 ".ogg/x", "path has a bad extension"},
	    {"programmes/" H1 ".o-g", "path has a bad extension"},
	    {"programmes/" H1 ".abcdefghijk", "path has a bad extension"},
	    {"programmes/" H2 ".ogg", "path does not match sha256"},
	};
	char *huge = xmalloc(400);
	json_t *root;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		root = good();
		json_object_set_new(prog(root, 0), "path", json_string(bad[i].path));
		expect_reject(root, bad[i].reason);
	}
	memset(huge, 'a', 399);
	huge[399] = '\0';
	memcpy(huge, "programmes/", 11);
	root = good();
	json_object_set_new(prog(root, 0), "path", json_string(huge));
	expect_reject(root, "path too long");
	free(huge);

	root = good();
	json_object_del(prog(root, 0), "path");
	expect_reject(root, "\"path\" missing");

	/* Schedules: under schedules/, and .cfg. */
	root = good();
	json_object_set_new(json_array_get(json_object_get(root, "schedules"), 0), "path",
	                    json_string("programmes/" H3 ".cfg"));
	expect_reject(root, "schedules[0]: path is not under schedules/");
	root = good();
	json_object_set_new(json_array_get(json_object_get(root, "schedules"), 0), "path",
	                    json_string("schedules/" H3 ".ogg"));
	expect_reject(root, "schedule path does not end in .cfg");
}

static void test_reject_sha256(void **state)
{
	static const char *const bad[] = {
	    "9F0E1D2C3B4A59687766554433221100FFEEDDCCBBAA99887766554433221100",
	    "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa9988776655443322110",
	    "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa998877665544332211000",
	    "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221g00",
	    "",
	};
	json_t *root;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		root = good();
		json_object_set_new(prog(root, 0), "sha256", json_string(bad[i]));
		expect_reject(root, "programmes[0]: \"sha256\" must be 64 lower-case hex digits");
	}
	root = good();
	json_object_del(json_array_get(json_object_get(root, "schedules"), 0), "sha256");
	expect_reject(root, "schedules[0]: \"sha256\" must be");
}

static void test_reject_bytes(void **state)
{
	json_t *bad[] = {json_integer(0),      json_integer(-5), json_string("1834567"),
	                 json_real(1834567.0), json_null(),      NULL};
	struct manifest_check chk = default_check;
	json_t *root;

	(void)state;
	for (int i = 0; bad[i]; i++) {
		root = good();
		json_object_set_new(prog(root, 0), "bytes", bad[i]);
		expect_reject(root, "programmes[0]: \"bytes\"");
	}
	root = good();
	json_object_del(prog(root, 0), "bytes");
	expect_reject(root, "\"bytes\" missing or not an integer");

	/* The configured cap... */
	root = good();
	json_object_set_new(prog(root, 0), "bytes", json_integer(268435457));
	expect_reject(root, "268435457 bytes is more than max_download_bytes (268435456)");
	root = good();
	json_object_set_new(prog(root, 0), "bytes", json_integer(268435456));
	struct manifest m;
	expect_accept(root, &m);
	manifest_free(&m);
	/* ...applies to files for other stations too: a hostile entry is
	 * hostile wherever it points. */
	root = good();
	json_object_set_new(prog(root, 2), "bytes", json_integer(268435457));
	expect_reject(root, "programmes[2]");

	/* Without a configured cap, the sanity cap. */
	chk.max_bytes = 0;
	root = good();
	json_object_set_new(prog(root, 0), "bytes", json_integer(INT64_MAX));
	expect_reject_chk(root, &chk, "is not a sane size");
}

static void test_reject_total(void **state)
{
	struct manifest_check chk = default_check;
	json_t *root = good();
	json_t *list = json_object_get(root, "programmes");
	json_int_t each = MANIFEST_MAX_TOTAL / 4;

	(void)state;
	chk.max_bytes = 0;
	for (int i = 0; i < 5; i++) {
		char id[16];

		snprintf(id, sizeof id, "big-%d", i);
		/* Every file of the same content: the total still counts each. */
		json_array_append_new(list, programme(id, H1, "wav", each));
	}
	expect_reject_chk(root, &chk, "add up to more than");

	/* Files for other stations do not count against this one. */
	root = good();
	list = json_object_get(root, "programmes");
	for (int i = 0; i < 5; i++) {
		char id[16];
		json_t *p;

		snprintf(id, sizeof id, "big-%d", i);
		p = programme(id, H1, "wav", each);
		json_object_set_new(p, "stations", json_pack("[s]", "dong-son"));
		json_array_append_new(list, p);
	}
	struct manifest m;
	expect_accept_chk(root, &chk, &m);
	manifest_free(&m);
}

static void test_reject_stations(void **state)
{
	json_t *bad[] = {json_array(),
	                 json_string("*"),
	                 json_pack("[i]", 1),
	                 json_pack("[s]", "Tan-Quang"),
	                 json_pack("[s]", "../x"),
	                 json_pack("[s, s]", "*", ""),
	                 json_pack("[s]", "tan_quang"),
	                 json_null(),
	                 NULL};
	json_t *root;

	(void)state;
	for (int i = 0; bad[i]; i++) {
		root = good();
		json_object_set_new(prog(root, 0), "stations", bad[i]);
		expect_reject(root, "programmes[0]: ");
	}
	root = good();
	json_object_set_new(json_array_get(json_object_get(root, "schedules"), 0), "stations",
	                    json_pack("[s]", "a b"));
	expect_reject(root, "schedules[0]: stations[0] is not a station id");
}

static void test_reject_programme_fields(void **state)
{
	json_t *root;

	(void)state;
	root = good();
	json_object_set_new(prog(root, 0), "class", json_string("urgent"));
	expect_reject(root, "\"class\" must be");
	root = good();
	json_object_set_new(prog(root, 0), "class", json_integer(1));
	expect_reject(root, "\"class\" must be");
	root = good();
	json_object_set_new(prog(root, 0), "title", json_string("line\nbreak"));
	expect_reject(root, "\"title\" must be a line of text");
	root = good();
	json_object_set_new(prog(root, 0), "title", json_integer(3));
	expect_reject(root, "\"title\" must be a line of text");
	root = good();
	json_object_set_new(prog(root, 0), "duration_s", json_real(-1));
	expect_reject(root, "\"duration_s\"");
	root = good();
	json_object_set_new(prog(root, 0), "duration_s", json_string("312"));
	expect_reject(root, "\"duration_s\"");
	root = good();
	json_object_set_new(prog(root, 0), "loudness_lufs", json_string("-18"));
	expect_reject(root, "\"loudness_lufs\"");
	static const char *const days[] = {"2026-13-01", "2026-02-29", "26-12-04",
	                                   "2026-12-4",  "2026/12/04", "2026-12-04T00:00:00Z"};
	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
		root = good();
		json_object_set_new(prog(root, 0), "valid_until", json_string(days[i]));
		expect_reject(root, "\"valid_until\" must be a date");
	}
}

static void test_reasons_all_reported(void **state)
{
	json_t *root = good();
	char *s;
	struct manifest m;
	struct diag d = {0};

	(void)state;
	json_object_set_new(prog(root, 0), "id", json_string("../a"));
	json_object_set_new(prog(root, 1), "path", json_string("/etc/passwd"));
	json_object_set_new(root, "version", json_integer(-1));
	s = dump(root);
	assert_int_equal(manifest_parse(&m, s, strlen(s), "manifest.json", &default_check, &d), -1);
	assert_int_equal(d.n, 3);
	assert_true(has_reason(&d, "programmes[0]: unsafe id"));
	assert_true(has_reason(&d, "programmes[1]: path is not relative"));
	assert_true(has_reason(&d, "\"version\""));
	diag_free(&d);
	free(s);
	json_decref(root);

	/* A flood is cut short. */
	root = good();
	for (int i = 0; i < 100; i++)
		json_array_append_new(json_object_get(root, "programmes"), json_object());
	s = dump(root);
	assert_int_equal(manifest_parse(&m, s, strlen(s), "manifest.json", &default_check, &d), -1);
	assert_true(d.n <= 21);
	assert_true(has_reason(&d, "more problems not shown"));
	diag_free(&d);
	free(s);
	json_decref(root);
}

static void test_parse_day(void **state)
{
	static const struct {
		const char *s;
		int64_t day;
	} good_days[] = {
	    {"1970-01-01", 0},       {"1972-03-01", 790},   {"2000-02-29", 11016},
	    {"2000-03-01", 11017},   {"2024-02-29", 19782}, {"2026-12-04", 20791},
	    {"9999-12-31", 2932896},
	};
	static const char *const bad[] = {
	    "1969-12-31", "2100-02-29",  "2026-04-31",  "2026-00-10", "2026-01-00",
	    "2026-1-01",  " 2026-01-01", "2026-01-01 ", "+026-01-01", ""};
	int64_t day;

	(void)state;
	for (size_t i = 0; i < sizeof good_days / sizeof good_days[0]; i++) {
		assert_int_equal(manifest_parse_day(good_days[i].s, &day), 0);
		assert_int_equal(day, good_days[i].day);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(manifest_parse_day(bad[i], &day), -1);
}

/* ---- catalog ---------------------------------------------------------------- */

static char *state_dir;

static int catalog_setup(void **state)
{
	char tmpl[] = "/tmp/loaxa-catalog.XXXXXX";
	char *store;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	state_dir = xstrdup(tmpl);
	store = xasprintf("%s/store", state_dir);
	assert_int_equal(util_mkdirs(store, 0755), 0);
	free(store);
	return 0;
}

static int catalog_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", state_dir);

	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(state_dir);
	return 0;
}

static void write_file(const char *name, const char *text, size_t len)
{
	char *path = xasprintf("%s/%s", state_dir, name);

	assert_int_equal(util_write_atomic(path, text, len, 0644), 0);
	free(path);
}

/* Takes root. */
static void write_active(json_t *root)
{
	char *s = dump(root);

	write_file("manifest.json", s, strlen(s));
	free(s);
	json_decref(root);
}

/* good(), with sizes small enough to put in a test store. */
static json_t *small(void)
{
	json_t *root = good();

	json_object_set_new(prog(root, 0), "bytes", json_integer(10));
	json_object_set_new(prog(root, 1), "bytes", json_integer(20));
	json_object_set_new(prog(root, 2), "bytes", json_integer(5));
	json_object_set_new(json_array_get(json_object_get(root, "schedules"), 0), "bytes",
	                    json_integer(5));
	return root;
}

static void test_catalog_none(void **state)
{
	struct catalog c;

	(void)state;
	assert_int_equal(catalog_load(&c, state_dir, "tan-quang"), 0);
	assert_int_equal(c.version, 0);
	assert_int_equal(c.nprogrammes, 0);
	assert_int_equal(c.nschedules, 0);
	assert_null(catalog_find(&c, "nhac-hieu"));
	catalog_free(&c);
}

static void test_catalog_load(void **state)
{
	struct catalog c;
	const struct catalog_programme *p;
	char *path;

	(void)state;
	write_active(small());
	write_file("store/" H1 ".ogg", "0123456789", 10);
	/* H2.flac is missing; H3.cfg (the schedule) is there. */
	write_file("store/" H3 ".cfg", "slots", 5);
	assert_int_equal(catalog_load(&c, state_dir, "tan-quang"), 0);
	assert_int_equal(c.version, 42);
	assert_string_equal(c.province, "bac-giang");

	/* Only what is in the store, and only what is for this station. */
	assert_int_equal(c.nprogrammes, 1);
	p = catalog_find(&c, "ban-tin-giam-ngheo-2026-11-27");
	assert_non_null(p);
	path = xasprintf("%s/store/" H1 ".ogg", state_dir);
	assert_string_equal(p->path, path);
	free(path);
	assert_string_equal(p->title, "Bản tin giảm nghèo");
	assert_string_equal(p->klass, "normal");
	assert_string_equal(p->sha256, H1);
	assert_int_equal(p->bytes, 10);
	assert_true(fabs(p->duration_s - 312.5) < 1e-9);
	assert_true(fabs(p->loudness_lufs + 18.2) < 1e-9);
	assert_int_equal(p->valid_until, 20791);
	assert_null(catalog_find(&c, "nhac-hieu"));
	assert_null(catalog_find(&c, "chi-xa-khac"));

	assert_int_equal(c.nschedules, 1);
	path = xasprintf("%s/store/" H3 ".cfg", state_dir);
	assert_string_equal(c.schedules[0], path);
	free(path);
	catalog_free(&c);
	assert_null(c.programmes);

	/* Once the missing file is there, it is in the catalog. */
	write_file("store/" H2 ".flac", "01234567890123456789", 20);
	assert_int_equal(catalog_load(&c, state_dir, "tan-quang"), 0);
	assert_int_equal(c.nprogrammes, 2);
	assert_non_null(catalog_find(&c, "nhac-hieu"));
	catalog_free(&c);

	/* Another station sees its own programme and not the schedule. */
	write_file("store/" H3 ".mp3", "01234", 5);
	assert_int_equal(catalog_load(&c, state_dir, "dong-son"), 0);
	assert_non_null(catalog_find(&c, "chi-xa-khac"));
	assert_int_equal(c.nschedules, 1);
	catalog_free(&c);
	assert_int_equal(catalog_load(&c, state_dir, "xa-thu-ba"), 0);
	assert_null(catalog_find(&c, "chi-xa-khac"));
	assert_int_equal(c.nschedules, 0);
	catalog_free(&c);
}

static void test_catalog_wrong_size_skipped(void **state)
{
	struct catalog c;

	(void)state;
	write_active(small());
	/* A store file of another size than declared is not offered. */
	write_file("store/" H1 ".ogg", "012345678", 9);
	assert_int_equal(catalog_load(&c, state_dir, "tan-quang"), 0);
	assert_null(catalog_find(&c, "ban-tin-giam-ngheo-2026-11-27"));
	catalog_free(&c);
}

static void test_catalog_expired_still_loads(void **state)
{
	struct catalog c;
	json_t *root = small();

	(void)state;
	/* The expiry guards accepting a manifest; once active, valid_until
	 * decides per programme. */
	json_object_set_new(root, "issued", json_string("2000-01-01T00:00:00Z"));
	json_object_set_new(root, "expires", json_string("2000-01-02T00:00:00Z"));
	write_active(root);
	write_file("store/" H1 ".ogg", "0123456789", 10);
	assert_int_equal(catalog_load(&c, state_dir, "tan-quang"), 0);
	assert_int_equal(c.version, 42);
	assert_non_null(catalog_find(&c, "ban-tin-giam-ngheo-2026-11-27"));
	catalog_free(&c);
}

static void test_catalog_damaged(void **state)
{
	struct catalog c;
	json_t *root = small();

	(void)state;
	/* A hand-edited active manifest must not lead outside the store. */
	json_object_set_new(prog(root, 0), "path", json_string("programmes/../../etc/passwd"));
	write_active(root);
	assert_int_equal(catalog_load(&c, state_dir, "tan-quang"), -1);
	assert_int_equal(c.nprogrammes, 0);
	assert_null(c.programmes);
	catalog_free(&c);

	write_file("manifest.json", "{\"format\": ", 11);
	assert_int_equal(catalog_load(&c, state_dir, "tan-quang"), -1);
	assert_int_equal(c.version, 0);
	catalog_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accept_fields),
	    cmocka_unit_test(test_accept_defaults),
	    cmocka_unit_test(test_accept_classes_and_stations),
	    cmocka_unit_test(test_accept_newer_and_same),
	    cmocka_unit_test(test_expiry_when_clock_untrusted),
	    cmocka_unit_test(test_reject_not_json),
	    cmocka_unit_test(test_reject_deep),
	    cmocka_unit_test(test_reject_too_large),
	    cmocka_unit_test(test_reject_format),
	    cmocka_unit_test(test_reject_province),
	    cmocka_unit_test(test_reject_version),
	    cmocka_unit_test(test_reject_rollback),
	    cmocka_unit_test(test_reject_times),
	    cmocka_unit_test(test_reject_lists),
	    cmocka_unit_test(test_reject_too_many_entries),
	    cmocka_unit_test(test_relays),
	    cmocka_unit_test(test_store_names),
	    cmocka_unit_test(test_reject_unsafe_ids),
	    cmocka_unit_test(test_reject_unsafe_id_shown_safely),
	    cmocka_unit_test(test_reject_duplicate_ids),
	    cmocka_unit_test(test_reject_paths),
	    cmocka_unit_test(test_reject_sha256),
	    cmocka_unit_test(test_reject_bytes),
	    cmocka_unit_test(test_reject_total),
	    cmocka_unit_test(test_reject_stations),
	    cmocka_unit_test(test_reject_programme_fields),
	    cmocka_unit_test(test_reasons_all_reported),
	    cmocka_unit_test(test_parse_day),
	    cmocka_unit_test_setup_teardown(test_catalog_none, catalog_setup, catalog_teardown),
	    cmocka_unit_test_setup_teardown(test_catalog_load, catalog_setup, catalog_teardown),
	    cmocka_unit_test_setup_teardown(test_catalog_wrong_size_skipped, catalog_setup,
	                                    catalog_teardown),
	    cmocka_unit_test_setup_teardown(test_catalog_expired_still_loads, catalog_setup,
	                                    catalog_teardown),
	    cmocka_unit_test_setup_teardown(test_catalog_damaged, catalog_setup, catalog_teardown),
	};

	/* catalog logs what it skips; the tests check it instead. */
	msg_init("test_manifest", false, MSG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
