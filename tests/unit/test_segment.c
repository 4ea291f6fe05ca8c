/*
 * Unit tests for segment (names, the line parser, choosing a segment's
 * lines, the verifier) and for provreport's verify over a generated log
 * folder: the untouched fixture passes, and every kind of damage a province
 * must catch (a deleted line, two lines swapped, an edited field, a segment
 * forged and signed with another key, a missing segment or signature, a
 * fork, an unknown station) is named with its station, segment and seq.
 * Each is verified twice, checking only the signatures the hash chain
 * cannot vouch for and checking all of them, and both must say the same;
 * the one difference, a signature replaced on lines that are the
 * station's own, has its own test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "airlog.h"
#include "diag.h"
#include "minisig.h"
#include "provreport.h"
#include "segment.h"
#include "util.h"

/* The fixture generator, compiled in (its main() left out). */
#define GENLOGS_NO_MAIN
#include "../helpers/genlogs.c"
#include "testlib.h"

#define SEED 7

static char tmpdir[] = "/tmp/loaxa-test-segment.XXXXXX";
static char *pristine; /* the generated log folder, never changed */
static char *stations_cfg;
static int case_no;

/* --- helpers ----------------------------------------------------------------- */

static void copy_tree(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	struct dirent *de;

	assert_non_null(d);
	assert_int_equal(util_mkdirs(dst, 0755), 0);
	while ((de = readdir(d))) {
		char *a, *b, *buf;
		struct stat st;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		a = xasprintf("%s/%s", src, de->d_name);
		b = xasprintf("%s/%s", dst, de->d_name);
		assert_int_equal(stat(a, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			copy_tree(a, b);
		} else {
			assert_int_equal(util_read_file(a, 1 << 26, &buf, &len), 0);
			assert_int_equal(util_write_atomic(b, buf, len, 0644), 0);
			free(buf);
		}
		free(a);
		free(b);
	}
	closedir(d);
}

/* A fresh copy of the fixture for one test. */
static char *fresh_copy(void)
{
	char *dir = xasprintf("%s/case%d", tmpdir, ++case_no);

	copy_tree(pristine, dir);
	return dir;
}

static int cmp_seg(const void *a, const void *b)
{
	return segment_cmp_names(a, b);
}

/* The station's segment names, in seq order (NULL-terminated). */
static char **segments_of(const char *logdir, const char *station, size_t *n)
{
	char *dir = xasprintf("%s/%s", logdir, station);
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = xcalloc(1, sizeof *v);

	*n = 0;
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t k = strlen(de->d_name);

		if (k > 6 && strcmp(de->d_name + k - 6, ".jsonl") == 0) {
			v = xreallocarray(v, *n + 2, sizeof *v);
			v[(*n)++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	free(dir);
	qsort(v, *n, sizeof *v, cmp_seg);
	v[*n] = NULL;
	return v;
}

static void free_list(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;

	if (util_read_file(path, 1 << 26, &buf, len) < 0)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	return buf;
}

static void spit(const char *path, const char *buf, size_t len)
{
	assert_int_equal(util_write_atomic(path, buf, len, 0644), 0);
}

/* Sign dir/station/name again with sk, as the station would. */
static void resign(const char *logdir, const char *station, const char *name,
                   const struct minisig_seckey *sk)
{
	char *path = xasprintf("%s/%s/%s", logdir, station, name), *sigpath, *data, *sig, *tc;
	size_t len;

	data = slurp(path, &len);
	tc = xasprintf("station:%s file:%s", station, name);
	sig = minisig_sign(sk, data, len, "test", tc);
	assert_non_null(sig);
	sigpath = xasprintf("%s.minisig", path);
	spit(sigpath, sig, strlen(sig));
	free(sigpath);
	free(sig);
	free(tc);
	free(data);
	free(path);
}

static void station_key(const char *station, struct minisig_seckey *sk)
{
	struct minisig_pubkey pk;

	genlogs_station_key(SEED, station, sk, &pk);
}

/* Offsets of the lines of buf: starts[i], with starts[n] = len. */
static size_t line_starts(const char *buf, size_t len, size_t *starts, size_t max)
{
	size_t n = 0;

	for (size_t off = 0; off < len && n < max - 1;) {
		const char *nl = memchr(buf + off, '\n', len - off);

		starts[n++] = off;
		off = nl ? (size_t)(nl - buf) + 1 : len;
	}
	starts[n] = len;
	return n;
}

/* The seq of line i of a segment (the fixture's lines are all well formed). */
static uint64_t seq_at(const char *buf, const size_t *starts, size_t i)
{
	return segment_line_seq(buf + starts[i], starts[i + 1] - starts[i]);
}

/* A segment of the station, not its last, with at least 4 lines. */
static size_t long_segment(const char *logdir, const char *station, char **segs, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		char *path = xasprintf("%s/%s/%s", logdir, station, segs[i]), *buf;
		size_t len, starts[4096], k;

		buf = slurp(path, &len);
		k = line_starts(buf, len, starts, 4096);
		free(buf);
		free(path);
		if (k >= 4)
			return i;
	}
	fail_msg("%s has no segment of 4 lines", station);
	return 0;
}

static void problem_to_file(void *f, const char *text)
{
	fprintf(f, "%s\n", text);
}

/* Run verify over logdir with the stations of cfg; returns the failed
 * stations, *out the text. */
static int verify_mode(const char *logdir, const char *cfg, bool all_sigs, char **out)
{
	struct provreport_stations st;
	struct diag d = {0};
	size_t len;
	FILE *f;
	int r;

	assert_int_equal(provreport_load_stations(&st, cfg, &d), 0);
	f = open_memstream(out, &len);
	assert_non_null(f);
	r = provreport_verify(&st, logdir, all_sigs, f);
	fclose(f);
	provreport_stations_free(&st);
	diag_free(&d);
	return r;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text, sorted (the caller frees the array and text). */
static char **sorted_lines(char *text, size_t *n)
{
	char **v = xcalloc(1, sizeof *v), *save = NULL;

	*n = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		v = xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = l;
	}
	qsort(v, *n, sizeof *v, cmp_line);
	return v;
}

/* The same findings, in any order. */
static void assert_same_findings(const char *a, const char *b)
{
	char *x = xstrdup(a), *y = xstrdup(b);
	size_t nx, ny;
	char **lx = sorted_lines(x, &nx), **ly = sorted_lines(y, &ny);
	bool same = nx == ny;

	for (size_t i = 0; same && i < nx; i++)
		same = strcmp(lx[i], ly[i]) == 0;
	if (!same) {
		print_error("the two modes differ:\n--- default\n%s--- --all-signatures\n%s", a, b);
		fail();
	}
	free(lx);
	free(ly);
	free(x);
	free(y);
}

/*
 * Run verify over logdir in both modes: checking the signatures the chain
 * does not vouch for, and every signature. Whatever the damage, both find
 * the same problems, named the same way; returns the failed stations and
 * the default mode's text.
 */
static int verify(const char *logdir, char **out)
{
	char *all;
	int r = verify_mode(logdir, stations_cfg, false, out);

	assert_int_equal(verify_mode(logdir, stations_cfg, true, &all), r);
	assert_same_findings(*out, all);
	free(all);
	return r;
}

/* The output has a line holding every one of the given pieces. */
static bool has_line(const char *text, ...)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xasprintf("%.*s", (int)n, p);
		bool all = true;
		va_list ap;
		const char *piece;

		va_start(ap, text);
		while ((piece = va_arg(ap, const char *)))
			all = all && strstr(line, piece);
		va_end(ap);
		free(line);
		if (all)
			return true;
		p += n + (nl ? 1 : 0);
	}
	return false;
}

#define assert_line(text, ...)                                                                     \
	do {                                                                                       \
		if (!has_line(text, __VA_ARGS__, (const char *)NULL)) {                            \
			print_error("no line with every piece of: %s\nin:\n%s\n", #__VA_ARGS__,    \
			            text);                                                         \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

static int group_setup(void **state)
{
	struct genlogs_opts o = {
	    .nstations = 3, .days = 4, .seed = SEED, .cut = GENLOGS_CUT_SESSION};
	struct genlogs_stats st;

	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	pristine = xasprintf("%s/pristine", tmpdir);
	stations_cfg = xasprintf("%s/stations.cfg", tmpdir);
	o.out = pristine;
	o.stations_cfg = stations_cfg;
	sched_parse_date("2026-11-01", &o.from_day);
	msg_init("test_segment", false, MSG_WARNING);
	return genlogs_run(&o, &st) == 0 && st.segments > 12 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	testlib_rm_rf(tmpdir);
	free(pristine);
	free(stations_cfg);
	return 0;
}

/* --- names, lines, picking ------------------------------------------------------- */

static void test_names(void **state)
{
	char buf[SEGMENT_NAME_MAX], st[SEGMENT_STATION_MAX + 1];
	uint64_t a, b;

	(void)state;
	segment_name(buf, sizeof buf, "tan-quang", 101, 200);
	assert_string_equal(buf, "tan-quang-0000000101-0000000200.jsonl");
	assert_int_equal(segment_parse_name(buf, st, &a, &b), 0);
	assert_string_equal(st, "tan-quang");
	assert_true(a == 101 && b == 200);
	segment_name(buf, sizeof buf, "x", 12345678901ULL, 12345678901ULL);
	assert_string_equal(buf, "x-12345678901-12345678901.jsonl");
	assert_int_equal(segment_parse_name(buf, st, &a, &b), 0);
	assert_true(a == 12345678901ULL);

	assert_int_equal(segment_parse_name("tan-quang-0000000101-0000000200.json", st, &a, &b),
	                 -1);
	assert_int_equal(segment_parse_name("tan-quang-0000000201-0000000200.jsonl", st, &a, &b),
	                 -1);
	assert_int_equal(segment_parse_name("tan-quang-0000000000-0000000200.jsonl", st, &a, &b),
	                 -1);
	assert_int_equal(segment_parse_name("tan-quang-000000101-0000000200.jsonl", st, &a, &b),
	                 -1);
	assert_int_equal(segment_parse_name("Tan-0000000001-0000000002.jsonl", st, &a, &b), -1);
	assert_int_equal(segment_parse_name("-0000000001-0000000002.jsonl", st, &a, &b), -1);
	assert_int_equal(segment_parse_name("../x-0000000001-0000000002.jsonl", st, &a, &b), -1);
	assert_true(segment_valid_station("tan-quang"));
	assert_false(segment_valid_station("tan_quang"));
	assert_false(segment_valid_station(""));
}

static struct airlog_entry play_entry(void)
{
	struct airlog_entry e = {0};

	e.type = AIRLOG_PLAY;
	e.station = "tan-quang";
	e.programme = "ban-tin-giam-ngheo-2026-11-27";
	e.sha256 = "9f2c1e0a7b3d5f4e6a8c9b0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9ee2";
	e.slot = "Bản tin sáng";
	e.priority = "normal";
	util_parse_time("2026-11-27T05:30:00+07:00", &e.scheduled);
	util_parse_time("2026-11-27T05:30:00.004+07:00", &e.start);
	util_parse_time("2026-11-27T05:35:12.460+07:00", &e.end);
	e.played_s = 312.456;
	e.duration_s = 312.5;
	e.status = "complete";
	e.peak_dbfs = -1.2;
	e.rms_dbfs = -19.8;
	e.clock_synced = true;
	return e;
}

static int parse(const char *line, struct segment_line *l, const char **why)
{
	size_t n = strlen(line);

	if (n && line[n - 1] == '\n')
		n--;
	return segment_parse_line(line, n, l, why);
}

static void test_parse_line(void **state)
{
	struct airlog_entry e = play_entry();
	struct segment_line l;
	const char *why;
	char buf[256], *line;

	(void)state;
	line = airlog_format_line(&e, 17, AIRLOG_ZERO_PREV);
	assert_int_equal(parse(line, &l, &why), 0);
	assert_true(l.seq == 17 && l.type == AIRLOG_PLAY);
	assert_memory_equal(l.prev, AIRLOG_ZERO_PREV, 64);
	assert_string_equal(segment_val_str(&l.slot, buf, sizeof buf), "Bản tin sáng");
	assert_memory_equal(segment_line_date(&l), "2026-11-27", 10);
	assert_true(fabs(segment_val_num(&l.played_s, 0) - 312.456) < 1e-9);
	assert_int_equal(segment_line_seq(line, strlen(line)), 17);
	free(line);

	/* a file item, escapes in the reason, nulls */
	e.programme = NULL;
	e.file = "thong-bao-xa.ogg";
	e.status = "interrupted";
	e.reason = "emergency \"bão số 3\"\n\t\\";
	e.peak_dbfs = -INFINITY;
	e.duration_s = NAN;
	line = airlog_format_line(&e, 2, AIRLOG_ZERO_PREV);
	assert_int_equal(parse(line, &l, &why), 0);
	assert_true(l.programme.null && l.duration_s.null && l.peak_dbfs.null);
	assert_string_equal(segment_val_str(&l.reason, buf, sizeof buf),
	                    "emergency \"bão số 3\"\n\t\\");
	assert_string_equal(segment_val_str(&l.file, buf, sizeof buf), "thong-bao-xa.ogg");
	assert_false(l.by.present);
	free(line);

	/* an operator's command says who gave it; both readers take it */
	e.by = "web:admin@192.168.1.20";
	line = airlog_format_line(&e, 2, AIRLOG_ZERO_PREV);
	/* after the reason, before the levels */
	assert_non_null(strstr(line, "\",\"by\":\"web:admin@192.168.1.20\",\"peak_dbfs\":"));
	assert_int_equal(parse(line, &l, &why), 0);
	assert_string_equal(segment_val_str(&l.by, buf, sizeof buf), "web:admin@192.168.1.20");
	{
		struct airlog_record rec;

		assert_int_equal(airlog_parse_line(line, strlen(line), &rec), 0);
		assert_string_equal(rec.e.by, "web:admin@192.168.1.20");
		airlog_record_free(&rec);
	}
	free(line);
	e.by = NULL;
	/* a relay's play line and its switch line */
	e = play_entry();
	e.programme = NULL;
	e.sha256 = NULL;
	e.relay = "https://radio.example.vn/vov1.mp3";
	e.relayed_s = 300;
	e.fallback_s = 12.456;
	line = airlog_format_line(&e, 4, AIRLOG_ZERO_PREV);
	assert_int_equal(parse(line, &l, &why), 0);
	assert_string_equal(segment_val_str(&l.relay, buf, sizeof buf),
	                    "https://radio.example.vn/vov1.mp3");
	assert_true(fabs(segment_val_num(&l.fallback_s, 0) - 12.456) < 1e-9);
	free(line);
	e = (struct airlog_entry){.type = AIRLOG_SWITCH,
	                          .station = "tan-quang",
	                          .relay = "vov1",
	                          .slot = "Tiếp sóng",
	                          .priority = "normal",
	                          .to = "relay",
	                          .reason = "stream good again"};
	util_parse_time("2026-11-27T11:42:10.2+07:00", &e.time);
	line = airlog_format_line(&e, 5, AIRLOG_ZERO_PREV);
	assert_int_equal(parse(line, &l, &why), 0);
	assert_int_equal(l.type, AIRLOG_SWITCH);
	assert_memory_equal(segment_line_date(&l), "2026-11-27", 10);
	free(line);
	/* a switch line without relay, with another "to" */
	e.to = "elsewhere";
	line = airlog_format_line(&e, 5, AIRLOG_ZERO_PREV);
	assert_int_equal(parse(line, &l, &why), -1);
	assert_string_equal(why, "to is not relay or fallback");
	free(line);
	e.to = "relay";
	e.relay = NULL;
	line = airlog_format_line(&e, 5, AIRLOG_ZERO_PREV);
	assert_int_equal(parse(line, &l, &why), -1);
	assert_string_equal(why, "relay missing");
	free(line);

	/* start and stop lines */
	e = (struct airlog_entry){.type = AIRLOG_STOP, .station = "tan-quang", .version = "0.1.0"};
	util_parse_time("2026-11-27T21:00:00.5+07:00", &e.time);
	e.reason = "SIGTERM";
	line = airlog_format_line(&e, 3, AIRLOG_ZERO_PREV);
	assert_int_equal(parse(line, &l, &why), 0);
	assert_int_equal(l.type, AIRLOG_STOP);
	assert_memory_equal(segment_line_date(&l), "2026-11-27T21:00:00.500+07:00", 29);
	free(line);
}

/* A valid line with one substitution: from -> to. */
static char *mutate(const char *from, const char *to)
{
	struct airlog_entry e = play_entry();
	char *line = airlog_format_line(&e, 5, AIRLOG_ZERO_PREV), *p = strstr(line, from), *out;

	assert_non_null(p);
	out = xasprintf("%.*s%s%s", (int)(p - line), line, to, p + strlen(from));
	free(line);
	return out;
}

static void test_parse_line_rejects(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} cases[] = {
	    {"\"seq\":5", "\"seq\":0", "seq"},
	    {"\"seq\":5", "\"seq\":5.0", "seq"},
	    {"\"seq\":5", "\"seq\":\"5\"", "seq"},
	    {"\"seq\":5,", "", "seq"},
	    {"\"prev\":\"0000", "\"prev\":\"000", "prev"},
	    {"\"prev\":\"0000", "\"prev\":\"A000", "prev"},
	    {"\"type\":\"play\"", "\"type\":\"pause\"", "type"},
	    {"\"status\":\"complete\"", "\"status\":\"done\"", "status"},
	    {"\"status\":\"complete\"", "\"status\":null", "status"},
	    {"\"priority\":\"normal\"", "\"priority\":\"urgent\"", "priority"},
	    {"\"clock\":\"synced\"", "\"clock\":true", "clock"},
	    {"\"station\":\"tan-quang\"", "\"station\":null", "station"},
	    {"\"start\":\"2026-11-27T05:30:00.004+07:00\"", "\"start\":\"2026-11-27 05:30\"",
	     "time"},
	    {"\"start\":\"2026-11-27T05:30:00.004+07:00\"",
	     "\"start\":\"2026-02-30T05:30:00+07:00\"", "time"},
	    {"\"end\":\"2026-11-27T05:35:12.460+07:00\",", "", "end"},
	    {"\"played_s\":312.456", "\"played_s\":\"312\"", "played_s"},
	    {"\"played_s\":312.456", "\"played_s\":312.", "number"},
	    {"\"played_s\":312.456", "\"played_s\":0312", "','"},
	    {"\"sha256\":\"9f2c", "\"sha256\":\"9F2c", "sha256"},
	    {"\"slot\":\"B", "\"slot\":\"\xff", "UTF-8"},
	    {"\"slot\":\"B", "\"slot\":\"\xc0\xaf", "UTF-8"},
	    {"\"slot\":\"B", "\"slot\":\"\xed\xa0\x80", "UTF-8"},
	    {"\"slot\":\"B", "\"slot\":\"\\ud800", "surrogate"},
	    {"\"slot\":\"B", "\"slot\":\"\\u0000", "u0000"},
	    {"\"slot\":\"B", "\"slot\":\"\\x", "escape"},
	    {"\"slot\":\"B", "\"slot\":\"\t", "control"},
	    {"\"reason\":null", "\"reason\":null,\"reason\":null", "duplicate"},
	    {"\"reason\":null", "\"reason\":null,\"x\":1,\"x\":2", "duplicate"},
	    {"\"reason\":null", "\"rea\\u0073on\":null", "escaped"},
	    {"\"clock\":\"synced\"}", "\"clock\":\"synced\"}x", "after"},
	    {"\"clock\":\"synced\"}", "\"clock\":\"synced\"", "'}'"},
	    {"{\"seq\"", "[\"seq\"", "object"},
	    {"\"reason\":null", "\"reason\":null,\"by\":7", "by"},
	    {"\"reason\":null", "\"reason\":null,\"by\":\"a\",\"by\":\"b\"", "duplicate"},
	};
	struct segment_line l;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *line = mutate(cases[i].from, cases[i].to);

		if (parse(line, &l, &why) != -1 || !why || !strstr(why, cases[i].why)) {
			print_error("case %zu accepted or wrong reason (%s): %s\n", i,
			            why ? why : "-", line);
			fail();
		}
		free(line);
	}
	/* unknown fields, nested, are fine; so is JSON whitespace */
	{
		char *line =
		    mutate("\"reason\":null",
		           "\"reason\" : null, \"extra\":{\"a\":[1,2,{\"b\":null}],\"c\":true}");

		assert_int_equal(parse(line, &l, &why), 0);
		free(line);
	}
}

/* Every line genlogs writes is read the same way by both parsers. */
static void test_parse_agrees_with_airlog(void **state)
{
	size_t n;
	char **segs = segments_of(pristine, "xa-002", &n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/xa-002/%s", pristine, segs[i]), *buf;
		size_t len, starts[4096], k = 0;

		buf = slurp(path, &len);
		k = line_starts(buf, len, starts, 4096);
		for (size_t j = 0; j < k; j++) {
			struct airlog_record rec;
			struct segment_line l;
			const char *why;
			size_t ll = starts[j + 1] - starts[j] - 1;
			char tmp[512];

			assert_int_equal(airlog_parse_line(buf + starts[j], ll, &rec), 0);
			assert_int_equal(segment_parse_line(buf + starts[j], ll, &l, &why), 0);
			assert_true(rec.e.seq == l.seq);
			assert_int_equal(rec.e.type, l.type);
			if (l.type == AIRLOG_PLAY) {
				assert_string_equal(rec.e.status,
				                    segment_val_str(&l.status, tmp, sizeof tmp));
				assert_true(fabs(rec.e.played_s - segment_val_num(&l.played_s, 0)) <
				            1e-9);
			}
			airlog_record_free(&rec);
		}
		free(buf);
		free(path);
	}
	free_list(segs);
}

static void test_pick(void **state)
{
	static const char text[] = "a\nb\nc\nd\ne\nf\n";
	struct segment_ref refs[6];
	uint64_t seqs[6] = {3, 1, 2, 5, 6, 0}, first, last, gap;
	size_t start, k;

	(void)state;
	for (size_t i = 0; i < 6; i++)
		refs[i] = (struct segment_ref){text + 2 * i, 2, seqs[i], false, i};
	/* the orphan (no seq) travels after seq 6, the line before it */
	refs[5].seq = 6;
	refs[5].orphan = true;

	k = segment_pick(refs, 6, 0, 0, 100, &start, &first, &last, &gap);
	assert_int_equal(start, 0);
	assert_int_equal(k, 3); /* 1 2 3, then 4 is missing */
	assert_true(first == 1 && last == 3 && gap == 4);
	assert_true(refs[0].seq == 1 && refs[1].seq == 2 && refs[2].seq == 3);

	/* the same gap again: it is real, the run goes on past it */
	k = segment_pick(refs, 6, 0, 4, 100, &start, &first, &last, &gap);
	assert_int_equal(k, 6);
	assert_true(first == 1 && last == 6 && gap == 0);
	assert_true(refs[5].orphan && refs[4].seq == 6);

	/* a cap on lines; then the rest after the last cut */
	k = segment_pick(refs, 6, 0, 4, 2, &start, &first, &last, &gap);
	assert_int_equal(k, 2);
	assert_true(first == 1 && last == 2);
	k = segment_pick(refs, 6, 2, 4, 2, &start, &first, &last, &gap);
	assert_int_equal(start, 2);
	assert_int_equal(k, 2);
	assert_true(first == 3 && last == 5);
	k = segment_pick(refs, 6, 5, 0, 2, &start, &first, &last, &gap);
	assert_int_equal(k, 2); /* seq 6 and its orphan */
	assert_true(first == 6 && last == 6);
	k = segment_pick(refs, 6, 6, 0, 2, &start, &first, &last, &gap);
	assert_int_equal(k, 0);
}

/* --- verify ---------------------------------------------------------------------- */

static void test_verify_ok(void **state)
{
	char *out, *dir = fresh_copy();
	size_t n;
	char **segs = segments_of(dir, "xa-001", &n);
	char want[128];
	uint64_t a, b;
	char st[SEGMENT_STATION_MAX + 1];

	(void)state;
	assert_int_equal(verify(dir, &out), 0);
	segment_parse_name(segs[n - 1], st, &a, &b);
	snprintf(want, sizeof want, "xa-001: OK, %zu segments, seq 1-%" PRIu64 ", ", n, b);
	assert_line(out, want, "2026-11-01..2026-11-04");
	assert_line(out, "xa-002: OK");
	assert_line(out, "xa-003: OK");
	assert_null(strstr(out, "PROBLEM"));
	free(out);
	free_list(segs);
	free(dir);
}

/* Change one segment of a copy: drop or swap lines (then re-signed with the
 * station's own key), or edit a byte (signature left alone). */
enum damage { DELETE_LINE, SWAP_LINES, EDIT_FIELD };

static void damage(const char *dir, const char *station, const char *name, enum damage what,
                   uint64_t *seq)
{
	char *path = xasprintf("%s/%s/%s", dir, station, name), *buf, *out, *p;
	size_t len, starts[4096], n, o = 0;
	struct minisig_seckey sk;

	buf = slurp(path, &len);
	n = line_starts(buf, len, starts, 4096);
	assert_true(n >= 4);
	out = xmalloc(len + 1);
	for (size_t i = 0; i < n; i++) {
		size_t src = i, l;

		if (what == DELETE_LINE && i == 2) {
			*seq = seq_at(buf, starts, i);
			continue;
		}
		if (what == SWAP_LINES && (i == 1 || i == 2))
			src = i == 1 ? 2 : 1;
		l = starts[src + 1] - starts[src];
		memcpy(out + o, buf + starts[src], l);
		o += l;
	}
	if (what == SWAP_LINES)
		*seq = seq_at(buf, starts, 1);
	if (what == EDIT_FIELD) {
		/* line 1's first time moves by ten hours; it stays valid JSON */
		*seq = seq_at(buf, starts, 1);
		p = strchr(out + starts[1], 'T');
		assert_non_null(p);
		p[1] = p[1] == '1' ? '0' : '1';
	}
	spit(path, out, o);
	if (what != EDIT_FIELD) {
		station_key(station, &sk);
		resign(dir, station, name, &sk);
	}
	free(out);
	free(buf);
	free(path);
}

static void test_deleted_line(void **state)
{
	char *out, *dir = fresh_copy(), want[64];
	size_t n;
	char **segs = segments_of(dir, "xa-002", &n);
	uint64_t seq;

	size_t i = long_segment(dir, "xa-002", segs, n);

	(void)state;
	damage(dir, "xa-002", segs[i], DELETE_LINE, &seq);
	assert_int_equal(verify(dir, &out), 1);
	snprintf(want, sizeof want, "seq %" PRIu64 ": missing", seq);
	assert_line(out, "xa-002: PROBLEM: segment ", segs[i], want);
	assert_line(out, "xa-002: FAILED");
	assert_line(out, "xa-001: OK");
	free(out);
	free_list(segs);
	free(dir);
}

static void test_swapped_lines(void **state)
{
	char *out, *dir = fresh_copy(), want[64];
	size_t n;
	char **segs = segments_of(dir, "xa-001", &n);
	uint64_t seq;

	size_t i = long_segment(dir, "xa-001", segs, n);

	(void)state;
	damage(dir, "xa-001", segs[i], SWAP_LINES, &seq);
	assert_int_equal(verify(dir, &out), 1);
	snprintf(want, sizeof want, "seq %" PRIu64 ": missing", seq);
	assert_line(out, "xa-001: PROBLEM: segment ", segs[i], want);
	snprintf(want, sizeof want, "seq %" PRIu64 ": out of order", seq);
	assert_line(out, "xa-001: PROBLEM: segment ", segs[i], want);
	free(out);
	free_list(segs);
	free(dir);
}

static void test_edited_field(void **state)
{
	char *out, *dir = fresh_copy(), want[64];
	size_t n;
	char **segs = segments_of(dir, "xa-003", &n);
	uint64_t seq;

	size_t i = long_segment(dir, "xa-003", segs, n);

	(void)state;
	damage(dir, "xa-003", segs[i], EDIT_FIELD, &seq);
	assert_int_equal(verify(dir, &out), 1);
	/* the signature no longer covers the bytes ... */
	assert_line(out, "xa-003: PROBLEM: segment ", segs[i], "seq ", "signature is not");
	/* ... and the next line's prev no longer matches the edited one */
	snprintf(want, sizeof want, "seq %" PRIu64 ": prev does not match", seq + 1);
	assert_line(out, "xa-003: PROBLEM: segment ", segs[i], want);
	free(out);
	free_list(segs);
	free(dir);
}

/* The station's last segment rewritten (the chain even recomputed) and
 * signed with another key: only the signature can tell, and does. */
static void test_forged_other_key(void **state)
{
	char *out, *dir = fresh_copy(), *path, *buf, *p, range[64];
	size_t n, len;
	char **segs = segments_of(dir, "xa-001", &n);
	struct minisig_seckey rogue, own;
	struct minisig_pubkey pk;
	char st[SEGMENT_STATION_MAX + 1];
	uint64_t a, b;

	(void)state;
	path = xasprintf("%s/xa-001/%s", dir, segs[n - 1]);
	buf = slurp(path, &len);
	/* its last line tells another time */
	p = strrchr(buf, '{');
	assert_non_null(p);
	p = strchr(p, 'T');
	assert_non_null(p);
	p[1] = p[1] == '1' ? '0' : '1';
	spit(path, buf, len);
	minisig_keygen(&pk, &rogue);
	resign(dir, "xa-001", segs[n - 1], &rogue);
	segment_parse_name(segs[n - 1], st, &a, &b);
	snprintf(range, sizeof range, "seq %" PRIu64 "-%" PRIu64, a, b);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-001: PROBLEM: segment ", segs[n - 1], range,
	            "signature is not the station's", "key id mismatch");
	free(out);

	/* the same with the station's key id copied in: the signature itself fails */
	station_key("xa-001", &own);
	memcpy(rogue.keyid, own.keyid, sizeof rogue.keyid);
	resign(dir, "xa-001", segs[n - 1], &rogue);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-001: PROBLEM: segment ", segs[n - 1], range, "does not verify");
	free(out);
	free(buf);
	free(path);
	free_list(segs);
	free(dir);
}

static void test_missing_segment(void **state)
{
	char *out, *dir = fresh_copy(), *path, want[64];
	size_t n;
	char **segs = segments_of(dir, "xa-002", &n);
	char st[SEGMENT_STATION_MAX + 1];
	uint64_t a, b, c, d;

	(void)state;
	segment_parse_name(segs[2], st, &a, &b);
	segment_parse_name(segs[3], st, &c, &d);
	path = xasprintf("%s/xa-002/%s", dir, segs[2]);
	assert_int_equal(unlink(path), 0);
	free(path);
	path = xasprintf("%s/xa-002/%s.minisig", dir, segs[2]);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_int_equal(verify(dir, &out), 1);
	if (a == b)
		snprintf(want, sizeof want, "seq %" PRIu64 ": missing before", a);
	else
		snprintf(want, sizeof want, "seq %" PRIu64 "-%" PRIu64 ": missing before", a, b);
	assert_line(out, "xa-002: PROBLEM: segment ", segs[3], want);
	free(out);

	/* a segment gone with its signature left behind is named itself */
	path = xasprintf("%s/xa-002/%s", dir, segs[5]);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-002: PROBLEM: segment ", segs[5], "missing (only its signature");
	free(out);
	free_list(segs);
	free(dir);
}

/* status.json as the station writes it, signed with its key: delivered up
 * to seq, the last line's chain hash hex (NULL: left out). */
static void write_status(const char *dir, const char *station, uint64_t seq, const char *hex)
{
	char *path = xasprintf("%s/%s/status.json", dir, station), *text, *sig, *tc, *sp;
	struct minisig_seckey sk;

	station_key(station, &sk);
	text = xasprintf("{\"station\":\"%s\",\"updated\":\"2026-11-05T06:00:00+07:00\","
	                 "\"log_delivered_seq\":%" PRIu64 "%s%s%s}\n",
	                 station, seq, hex ? ",\"log_delivered_sha256\":\"" : "", hex ? hex : "",
	                 hex ? "\"" : "");
	tc = xasprintf("station:%s file:status.json updated:2026-11-05T06:00:00+07:00", station);
	sig = minisig_sign(&sk, text, strlen(text), "test", tc);
	spit(path, text, strlen(text));
	sp = xasprintf("%s.minisig", path);
	spit(sp, sig, strlen(sig));
	free(sp);
	free(sig);
	free(tc);
	free(text);
	free(path);
}

/* The chain hash of the last line of dir/station/name. */
static void last_line_hash(const char *dir, const char *station, const char *name, char hex[65])
{
	char *path = xasprintf("%s/%s/%s", dir, station, name), *buf;
	size_t len, starts[4096], n;

	buf = slurp(path, &len);
	n = line_starts(buf, len, starts, 4096);
	airlog_chain_hash(buf + starts[n - 1], len - starts[n - 1], hex);
	free(buf);
	free(path);
}

static void remove_segment(const char *dir, const char *station, const char *name)
{
	char *path = xasprintf("%s/%s/%s", dir, station, name), *sp = xasprintf("%s.minisig", path);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(sp), 0);
	free(sp);
	free(path);
}

/*
 * The newest segment deleted, signature and all: nothing in the chain can
 * show it, but the station's signed status.json says what it delivered.
 * A segment the station has not delivered yet is no problem.
 */
static void test_truncated_tail(void **state)
{
	char *out, *dir = fresh_copy(), want[128], hex[65], *path, *text;
	size_t n, len;
	char **segs = segments_of(dir, "xa-001", &n);
	char st[SEGMENT_STATION_MAX + 1];
	uint64_t a, b, c, d;

	(void)state;
	segment_parse_name(segs[n - 2], st, &c, &d);
	segment_parse_name(segs[n - 1], st, &a, &b);
	remove_segment(dir, "xa-001", segs[n - 1]);
	assert_int_equal(verify(dir, &out), 1);
	snprintf(want, sizeof want,
	         "xa-001: PROBLEM: seq %" PRIu64 "-%" PRIu64 ": missing at the end", a, b);
	assert_line(out, want, "status.json of 2026-11-", "up to seq");
	assert_line(out, "xa-001: FAILED, 1 problem");
	assert_line(out, "xa-002: OK");
	free(out);

	/* edited to say less, to hide it: the signature no longer holds */
	path = xasprintf("%s/xa-001/status.json", dir);
	text = slurp(path, &len);
	snprintf(want, sizeof want, "\"log_delivered_seq\":%" PRIu64, b);
	assert_non_null(strstr(text, want));
	free(text);
	last_line_hash(dir, "xa-001", segs[n - 2], hex);
	text = xasprintf("{\"station\":\"xa-001\",\"log_delivered_seq\":%" PRIu64
	                 ",\"log_delivered_sha256\":\"%s\"}\n",
	                 d, hex);
	spit(path, text, strlen(text));
	free(text);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-001: PROBLEM: status.json: the signature is not the station's");
	free(out);

	/* status.json gone, or its signature: cannot vouch, said so */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-001: PROBLEM: status.json is missing");
	free(out);
	write_status(dir, "xa-001", d, hex);
	text = xasprintf("%s.minisig", path);
	assert_int_equal(unlink(text), 0);
	free(text);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-001: PROBLEM: status.json: no signature");
	free(out);

	/* delivered up to the segment before: the newest is merely not sent
	 * yet (a session on the air), and nothing is wrong */
	write_status(dir, "xa-001", d, hex);
	assert_int_equal(verify(dir, &out), 0);
	assert_line(out, "xa-001: OK");
	free(out);
	write_status(dir, "xa-001", d, NULL);
	assert_int_equal(verify(dir, &out), 0);
	free(out);

	/* the line at the delivered seq is not the one delivered */
	memset(hex, 'a', 64);
	write_status(dir, "xa-001", d, hex);
	assert_int_equal(verify(dir, &out), 1);
	snprintf(want, sizeof want,
	         "xa-001: PROBLEM: seq %" PRIu64 ": not the line the station delivered", d);
	assert_line(out, want);
	free(out);

	/* a status.json that names no delivery at all */
	write_status(dir, "xa-001", 0, NULL);
	assert_int_equal(verify(dir, &out), 0);
	free(out);
	free(path);
	free_list(segs);
	free(dir);
}

static void test_missing_signature(void **state)
{
	char *out, *dir = fresh_copy(), *path;
	size_t n;
	char **segs = segments_of(dir, "xa-003", &n);

	(void)state;
	path = xasprintf("%s/xa-003/%s.minisig", dir, segs[0]);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-003: PROBLEM: segment ", segs[0], "seq 1", "no signature");
	free(out);
	free_list(segs);
	free(dir);
}

static void rogue_key(const char *station, struct minisig_seckey *rogue);

/* A second, different segment over seqs another one holds: a fork. */
static void test_fork(void **state)
{
	char *out, *dir = fresh_copy(), *path, *buf, name[SEGMENT_NAME_MAX], want[64];
	size_t n, len, starts[4096], k;
	char **segs = segments_of(dir, "xa-001", &n);
	char st[SEGMENT_STATION_MAX + 1];
	struct minisig_seckey sk, rogue;
	uint64_t a, b;

	(void)state;
	segment_parse_name(segs[1], st, &a, &b);
	path = xasprintf("%s/xa-001/%s", dir, segs[1]);
	buf = slurp(path, &len);
	free(path);
	k = line_starts(buf, len, starts, 4096);
	assert_true(k >= 3);
	/* the first two lines of segment 1 again, as if cut a second time */
	segment_name(name, sizeof name, "xa-001", a, a + 1);
	path = xasprintf("%s/xa-001/%s", dir, name);
	spit(path, buf, starts[2]);
	free(path);
	station_key("xa-001", &sk);
	resign(dir, "xa-001", name, &sk);
	assert_int_equal(verify(dir, &out), 1);
	snprintf(want, sizeof want, "seq %" PRIu64 "-%" PRIu64 ": fork", a, a + 1);
	/* sorted by seq, the shorter one comes first: the longer forks from it */
	assert_line(out, "xa-001: PROBLEM: segment ", segs[1], want, name);
	free(out);
	free(buf);
	free(dir);

	/* A segment a fork names has its signature checked even where the
	 * chain vouches for its lines: here segment 1's was replaced, and a
	 * copy of its last line forks from it. */
	dir = fresh_copy();
	path = xasprintf("%s/xa-001/%s", dir, segs[1]);
	buf = slurp(path, &len);
	free(path);
	segment_name(name, sizeof name, "xa-001", b, b);
	path = xasprintf("%s/xa-001/%s", dir, name);
	spit(path, buf + starts[k - 1], len - starts[k - 1]);
	free(path);
	resign(dir, "xa-001", name, &sk);
	rogue_key("xa-001", &rogue);
	resign(dir, "xa-001", segs[1], &rogue);
	assert_int_equal(verify(dir, &out), 1);
	snprintf(want, sizeof want, "seq %" PRIu64 ": fork", b);
	assert_line(out, "xa-001: PROBLEM: segment ", name, want, segs[1]);
	assert_line(out, "xa-001: PROBLEM: segment ", segs[1], "signature is not the station's");
	free(out);
	free(buf);
	free_list(segs);
	free(dir);
}

static void test_unknown_station(void **state)
{
	char *out, *dir = fresh_copy(), *a, *b, *buf;
	size_t n, len;
	char **segs = segments_of(dir, "xa-003", &n);

	(void)state;
	a = xasprintf("%s/xa-003/%s", dir, segs[0]);
	b = xasprintf("%s/xa-404", dir);
	assert_int_equal(mkdir(b, 0755), 0);
	free(b);
	b = xasprintf("%s/xa-404/xa-404-0000000001-0000000009.jsonl", dir);
	buf = slurp(a, &len);
	spit(b, buf, len);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-404: PROBLEM: ", "not in the stations file",
	            "xa-404-0000000001-0000000009.jsonl", "seq 1-9");
	assert_line(out, "xa-003: OK");
	free(out);
	free(buf);
	free(a);
	free(b);
	free_list(segs);
	free(dir);
}

/* A segment put into another station's folder, and lines of another
 * station: both named. */
static void test_wrong_station(void **state)
{
	char *out, *dir = fresh_copy(), *path, *buf, *p;
	size_t n, len;
	char **segs = segments_of(dir, "xa-002", &n);
	struct minisig_seckey sk;

	(void)state;
	path = xasprintf("%s/xa-002/%s", dir, segs[1]);
	buf = slurp(path, &len);
	while ((p = strstr(buf, "\"station\":\"xa-002\"")))
		p[16] = '3';
	spit(path, buf, len);
	station_key("xa-002", &sk);
	resign(dir, "xa-002", segs[1], &sk);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-002: PROBLEM: segment ", segs[1], "seq ",
	            "the line is for another station");
	free(out);
	free(buf);
	free(path);
	free_list(segs);
	free(dir);
}

/* --- which signatures are checked ----------------------------------------------- */

/*
 * Verify one station through the verifier itself, as provreport does:
 * lines first, a signature when asked for, then the ones still owed.
 * skip_owed: the first segment owed is not checked (as if it could no
 * longer be read). Returns the summary; *out gets the problems.
 */
static void verify_station(const char *logdir, const char *station, enum segment_sigs sigs,
                           bool skip_owed, struct segment_summary *sum, char **out,
                           char ***owed_names)
{
	struct segment_verifier *v;
	struct minisig_seckey sk;
	struct minisig_pubkey pk;
	size_t n, olen, nowed = 0;
	char **segs = segments_of(logdir, station, &n);
	FILE *f = open_memstream(out, &olen);
	const char *owed;

	genlogs_station_key(SEED, station, &sk, &pk);
	v = segment_verifier_new(station, &pk, problem_to_file, f);
	segment_verifier_set_sigs(v, sigs);
	*owed_names = xcalloc(1, sizeof **owed_names);
	for (size_t i = 0; i < n + 1; i++) {
		const char *name = i < n ? segs[i] : NULL;
		char *p, *sp, *data, *sig = NULL;
		size_t dl, sl = 0;
		bool have_sig;

		if (!name) {
			owed = segment_verifier_owed(v);
			if (!owed)
				break;
			*owed_names = xreallocarray(*owed_names, nowed + 2, sizeof **owed_names);
			(*owed_names)[nowed++] = xstrdup(owed);
			(*owed_names)[nowed] = NULL;
			if (skip_owed && nowed == 1) {
				i--;
				continue;
			}
			name = owed;
		}
		p = xasprintf("%s/%s/%s", logdir, station, name);
		sp = xasprintf("%s.minisig", p);
		data = slurp(p, &dl);
		have_sig = util_read_file(sp, 1 << 20, &sig, &sl) == 0;
		if (i >= n)
			segment_verify_sig(v, name, data, dl, sig, sl);
		else if (segment_verify_lines(v, name, data, dl, have_sig, NULL, NULL))
			segment_verify_sig(v, name, data, dl, sig, sl);
		if (i >= n)
			i--;
		free(data);
		free(sig);
		free(p);
		free(sp);
	}
	segment_verifier_summary(v, sum);
	segment_verifier_free(v);
	fclose(f);
	free_list(segs);
}

/* On good logs one signature is checked, the newest segment's; every
 * one with SEGMENT_SIGS_ALL. */
static void test_signatures_checked(void **state)
{
	struct segment_summary sum;
	char *out, **owed;
	size_t n;
	char **segs = segments_of(pristine, "xa-001", &n);

	(void)state;
	verify_station(pristine, "xa-001", SEGMENT_SIGS_CHAIN, false, &sum, &out, &owed);
	assert_int_equal(sum.problems, 0);
	assert_int_equal(sum.segments, n);
	assert_int_equal(sum.signatures, 1);
	assert_non_null(owed[0]);
	assert_string_equal(owed[0], segs[n - 1]);
	assert_null(owed[1]);
	free(out);
	free_list(owed);

	verify_station(pristine, "xa-001", SEGMENT_SIGS_ALL, false, &sum, &out, &owed);
	assert_int_equal(sum.problems, 0);
	assert_int_equal(sum.signatures, n);
	assert_null(owed[0]);
	free(out);
	free_list(owed);

	/* the newest could not be checked: nothing vouches for the one
	 * before it, so that one is checked instead, and vouches for the rest */
	verify_station(pristine, "xa-001", SEGMENT_SIGS_CHAIN, true, &sum, &out, &owed);
	assert_int_equal(sum.signatures, 1);
	assert_string_equal(owed[0], segs[n - 1]);
	assert_non_null(owed[1]);
	assert_string_equal(owed[1], segs[n - 2]);
	assert_null(owed[2]);
	free(out);
	free_list(owed);
	free_list(segs);
}

/* A rogue key with the station's key id: its signatures "do not verify". */
static void rogue_key(const char *station, struct minisig_seckey *rogue)
{
	struct minisig_seckey own;
	struct minisig_pubkey pk;

	minisig_keygen(&pk, rogue);
	station_key(station, &own);
	memcpy(rogue->keyid, own.keyid, sizeof rogue->keyid);
}

/* Line i (from 0; SIZE_MAX: the last) of a segment tells another time. */
static void edit_line(const char *dir, const char *station, const char *name, size_t i)
{
	char *path = xasprintf("%s/%s/%s", dir, station, name), *buf, *p;
	size_t len, starts[4096], k;

	buf = slurp(path, &len);
	k = line_starts(buf, len, starts, 4096);
	if (i == SIZE_MAX)
		i = k - 1;
	assert_true(i < k);
	p = strchr(buf + starts[i], 'T');
	assert_non_null(p);
	p[1] = p[1] == '1' ? '0' : '1';
	spit(path, buf, len);
	free(buf);
	free(path);
}

/* After an edit in segs[k]: every prev from there on made to match again,
 * and segs[k..n) signed with sk, as a forger holding sk would. */
static void rechain(const char *dir, const char *station, char **segs, size_t n, size_t k,
                    const struct minisig_seckey *sk)
{
	char prev[65], *path, *buf;
	size_t len, starts[4096], m;

	assert_true(k > 0);
	path = xasprintf("%s/%s/%s", dir, station, segs[k - 1]);
	buf = slurp(path, &len);
	m = line_starts(buf, len, starts, 4096);
	airlog_chain_hash(buf + starts[m - 1], starts[m] - starts[m - 1], prev);
	free(buf);
	free(path);
	for (size_t i = k; i < n; i++) {
		path = xasprintf("%s/%s/%s", dir, station, segs[i]);
		buf = slurp(path, &len);
		m = line_starts(buf, len, starts, 4096);
		for (size_t j = 0; j < m; j++) {
			char *p = strstr(buf + starts[j], "\"prev\":\"");

			assert_non_null(p);
			memcpy(p + 8, prev, 64);
			airlog_chain_hash(buf + starts[j], starts[j + 1] - starts[j], prev);
		}
		spit(path, buf, len);
		resign(dir, station, segs[i], sk);
		free(buf);
		free(path);
	}
}

/* A segment whose lines are the station's own, signed again with another
 * key: the chain vouches for its content, so only --all-signatures sees
 * the signature; on the newest segment, both do. */
static void test_resigned_unchanged(void **state)
{
	char *out, *all, *dir = fresh_copy();
	size_t n;
	char **segs = segments_of(dir, "xa-002", &n);
	struct minisig_seckey rogue, own;

	(void)state;
	rogue_key("xa-002", &rogue);
	resign(dir, "xa-002", segs[n / 2], &rogue);
	assert_int_equal(verify_mode(dir, stations_cfg, false, &out), 0);
	assert_line(out, "xa-002: OK");
	assert_int_equal(verify_mode(dir, stations_cfg, true, &all), 1);
	assert_line(all, "xa-002: PROBLEM: segment ", segs[n / 2], "signature is not the station's",
	            "does not verify");
	assert_line(all, "xa-002: FAILED, 1 problem");
	free(out);
	free(all);

	/* on the newest segment, with the middle one put right again */
	station_key("xa-002", &own);
	resign(dir, "xa-002", segs[n / 2], &own);
	resign(dir, "xa-002", segs[n - 1], &rogue);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-002: PROBLEM: segment ", segs[n - 1],
	            "signature is not the station's");
	assert_line(out, "xa-002: FAILED, 1 problem");
	free(out);
	free_list(segs);
	free(dir);
}

/* A line forged inside a segment that is not the newest, the segment
 * signed with another key: the chain breaks at the next segment, and the
 * forged segment's signature is checked and named, in both modes. */
static void test_forged_line_other_key(void **state)
{
	char *out, *dir = fresh_copy(), want[96];
	size_t n;
	char **segs = segments_of(dir, "xa-003", &n);
	size_t k = long_segment(dir, "xa-003", segs, n);
	struct minisig_seckey rogue;
	char st[SEGMENT_STATION_MAX + 1];
	uint64_t a, b;

	(void)state;
	rogue_key("xa-003", &rogue);
	/* its last line: nothing inside the segment follows it */
	edit_line(dir, "xa-003", segs[k], SIZE_MAX);
	resign(dir, "xa-003", segs[k], &rogue);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-003: PROBLEM: segment ", segs[k], "signature is not the station's");
	segment_parse_name(segs[k + 1], st, &a, &b);
	snprintf(want, sizeof want, "seq %" PRIu64 ": prev does not match the last line of", a);
	assert_line(out, "xa-003: PROBLEM: segment ", segs[k + 1], want, segs[k]);
	free(out);

	/* its first line: the chain breaks inside it */
	free(dir);
	dir = fresh_copy();
	edit_line(dir, "xa-003", segs[k], 0);
	resign(dir, "xa-003", segs[k], &rogue);
	assert_int_equal(verify(dir, &out), 1);
	assert_line(out, "xa-003: PROBLEM: segment ", segs[k], "signature is not the station's");
	assert_line(out, "xa-003: PROBLEM: segment ", segs[k],
	            "prev does not match the line before");
	free(out);
	free_list(segs);
	free(dir);
}

/* A forger who edits a line and makes the chain hold again through every
 * later segment must sign all of them: each one is named, and the last
 * good segment before them is not. */
static void test_forged_chain_through(void **state)
{
	char *out, *dir = fresh_copy(), **owed;
	size_t n;
	char **segs = segments_of(dir, "xa-001", &n);
	size_t k = n / 2;
	struct minisig_seckey rogue;
	struct segment_summary sum;

	(void)state;
	assert_true(k > 0 && k + 2 < n);
	rogue_key("xa-001", &rogue);
	edit_line(dir, "xa-001", segs[k], 0);
	rechain(dir, "xa-001", segs, n, k, &rogue);
	assert_int_equal(verify(dir, &out), 1);
	for (size_t i = k; i < n; i++)
		assert_line(out, "xa-001: PROBLEM: segment ", segs[i], "does not verify");
	assert_null(strstr(out, segs[k - 1]));
	assert_line(out, "xa-002: OK");
	free(out);

	/* the forged ones and the good one before them; no more */
	verify_station(dir, "xa-001", SEGMENT_SIGS_CHAIN, false, &sum, &out, &owed);
	assert_int_equal(sum.problems, n - k);
	assert_int_equal(sum.signatures, n - k + 1);
	free(out);
	free_list(owed);
	free_list(segs);
	free(dir);
}

static void alarm_fail(int sig)
{
	(void)sig;
	fail_msg("verify hangs");
}

/* Files that are not what they seem: a segment larger than one read, a
 * FIFO named as a segment, a signature too large to be one. */
static void test_odd_files(void **state)
{
	struct genlogs_opts o = {
	    .nstations = 1, .days = 60, .seed = SEED, .cut = GENLOGS_CUT_LINES, .cut_arg = 100000};
	char *dir = xasprintf("%s/big", tmpdir), *cfg = xasprintf("%s/big.cfg", tmpdir), *out;
	char *path, *big;
	struct genlogs_stats st;
	size_t n, len;
	char **segs;
	struct stat sb;

	(void)state;
	o.out = dir;
	o.stations_cfg = cfg;
	sched_parse_date("2026-11-01", &o.from_day);
	assert_int_equal(genlogs_run(&o, &st), 0);
	segs = segments_of(dir, "xa-001", &n);
	path = xasprintf("%s/xa-001/%s", dir, segs[0]);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size > 4 * 65536);
	free(path);
	assert_int_equal(verify_mode(dir, cfg, false, &out), 0);
	assert_line(out, "xa-001: OK, 1 segment, seq 1-");
	free(out);
	assert_int_equal(verify_mode(dir, cfg, true, &out), 0);
	free(out);

	signal(SIGALRM, alarm_fail);
	alarm(30);
	path = xasprintf("%s/xa-001/xa-001-0000099990-0000099999.jsonl", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(verify_mode(dir, cfg, false, &out), 1);
	assert_line(out, "xa-001: PROBLEM: segment xa-001-0000099990-0000099999.jsonl",
	            "cannot read: not a regular file");
	free(out);
	assert_int_equal(unlink(path), 0);
	free(path);
	alarm(0);

	path = xasprintf("%s/xa-001/%s.minisig", dir, segs[n - 1]);
	big = xcalloc(1, 20000);
	memset(big, 'A', 19999);
	spit(path, big, 19999);
	assert_int_equal(verify_mode(dir, cfg, false, &out), 1);
	assert_line(out, "xa-001: PROBLEM: segment ", segs[n - 1],
	            "signature is not the station's");
	free(out);
	(void)len;
	free(big);
	free(path);
	free_list(segs);
	free(cfg);
	free(dir);
}

static void test_stations_cfg_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
	    {"stations = ( { id = \"a\"; name = \"A\"; district = \"D\";\n public_key = \"x\"; } "
	     ");",
	     ":1: station a: public_key"},
	    {"stations = (\n { id = \"A\"; name = \"A\"; district = \"D\"; public_key = \"x\"; } "
	     ");",
	     ":2: station: id \"A\""},
	    {"stations = (\n { id = \"a\"; name = \"A\"; district = \"D\";\n colour = 1; } );",
	     ":3: station: unknown key colour"},
	    {"stations = (\n { id = \"a\"; district = \"D\"; public_key = \"x\"; } );",
	     ":2: station: name missing"},
	    {"stations = ( { id = \"a\"; name = 5; } );", ":1: station: name must be a string"},
	    {"stations = (\n\n { id = \"a\" name = \"b\"; } );", ":3: "},
	    {"station = ();", ":1: unknown key station"},
	};
	char *path = xasprintf("%s/bad.cfg", tmpdir), *good, *text;
	struct provreport_stations st;
	struct diag d = {0};
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bool found = false;

		spit(path, cases[i].text, strlen(cases[i].text));
		assert_int_equal(provreport_load_stations(&st, path, &d), -1);
		for (size_t k = 0; k < d.n; k++)
			found =
			    found || (strstr(d.msgs[k], path) && strstr(d.msgs[k], cases[i].want));
		if (!found) {
			diag_print(&d, stderr);
			print_error("case %zu: no \"%s\"\n", i, cases[i].want);
			fail();
		}
		diag_free(&d);
	}
	/* a station listed twice */
	good = slurp(stations_cfg, &len);
	text = xasprintf("%.*s,\n%s", (int)(strstr(good, "\n);") - good), good,
	                 strstr(good, "  { id = \"xa-002\""));
	spit(path, text, strlen(text));
	assert_int_equal(provreport_load_stations(&st, path, &d), -1);
	assert_non_null(strstr(d.msgs[0], "\"xa-002\" is listed twice"));
	diag_free(&d);
	free(text);
	free(good);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_parse_line),
	    cmocka_unit_test(test_parse_line_rejects),
	    cmocka_unit_test(test_parse_agrees_with_airlog),
	    cmocka_unit_test(test_pick),
	    cmocka_unit_test(test_verify_ok),
	    cmocka_unit_test(test_deleted_line),
	    cmocka_unit_test(test_swapped_lines),
	    cmocka_unit_test(test_edited_field),
	    cmocka_unit_test(test_forged_other_key),
	    cmocka_unit_test(test_missing_segment),
	    cmocka_unit_test(test_truncated_tail),
	    cmocka_unit_test(test_missing_signature),
	    cmocka_unit_test(test_fork),
	    cmocka_unit_test(test_unknown_station),
	    cmocka_unit_test(test_wrong_station),
	    cmocka_unit_test(test_signatures_checked),
	    cmocka_unit_test(test_resigned_unchanged),
	    cmocka_unit_test(test_forged_line_other_key),
	    cmocka_unit_test(test_forged_chain_through),
	    cmocka_unit_test(test_odd_files),
	    cmocka_unit_test(test_stations_cfg_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
