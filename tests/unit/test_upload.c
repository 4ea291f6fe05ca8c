/*
 * Unit tests for upload's file side: the station key, and cutting the
 * as-run log into segments: byte-identical lines in seq order across day
 * files, signed, .cut moved on; nothing cut twice, even after a crash
 * between a segment and .cut; torn tails left for later; a backlog split;
 * a line really missing passed over (the verifier will name it). Delivery
 * is tested against a real server in tests/system/t50-*.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "airlog.h"
#include "conf.h"
#include "minisig.h"
#include "segment.h"
#include "stationkey.h"
#include "upload.h"
#include "util.h"
#include "testlib.h"

#define STATION "tan-quang"

static char tmpdir[] = "/tmp/loaxa-test-upload.XXXXXX";
static char *state; /* this test's state_dir */
static int case_no;

/* --- helpers ----------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t n;

	if (util_read_file(path, 1 << 26, &buf, len ? len : &n) < 0)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	return buf;
}

static int setup(void **st)
{
	(void)st;
	state = xasprintf("%s/case%d", tmpdir, ++case_no);
	assert_int_equal(util_mkdirs(state, 0750), 0);
	assert_int_equal(stationkey_ensure(state, STATION), 0);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	free(state);
	return 0;
}

/* Append n play lines to the as-run log with the real writer, the end of
 * each at day_start + k * 600 s. */
static void log_plays(int n, const char *day_start)
{
	char *dir = xasprintf("%s/airlog", state);
	struct airlog *a = airlog_open(dir);
	struct timespec t0;

	assert_non_null(a);
	assert_int_equal(util_parse_time(day_start, &t0), 0);
	for (int k = 0; k < n; k++) {
		struct airlog_entry e = {0};

		e.type = AIRLOG_PLAY;
		e.station = STATION;
		e.programme = "thoi-su-tinh";
		e.sha256 = "9f2c1e0a7b3d5f4e6a8c9b0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9ee2";
		e.slot = "Bản tin sáng";
		e.priority = "normal";
		e.scheduled = t0;
		e.start = (struct timespec){t0.tv_sec + k * 600, 0};
		e.end = (struct timespec){t0.tv_sec + k * 600 + 300, 4000000};
		e.played_s = 300.004;
		e.duration_s = 300;
		e.status = "complete";
		e.peak_dbfs = -1;
		e.rms_dbfs = -20;
		assert_int_equal(airlog_append(a, &e), 0);
	}
	airlog_close(a);
	free(dir);
}

struct steps {
	char text[4096];
};

static void note(void *ctx, const char *what, const char *name)
{
	struct steps *s = ctx;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof s->text - n, "%s %s\n", what, name);
}

static int cut(struct upload_report *r, struct steps *s)
{
	struct upload_opts o = {.note = note, .ctx = s};

	memset(s, 0, sizeof *s);
	return upload_cut(state, STATION, &o, r);
}

/* The segments in outbox/, in seq order (NULL-terminated). */
static char **outbox(size_t *n)
{
	char *dir = xasprintf("%s/outbox", state);
	struct dirent *de;
	DIR *d = opendir(dir);
	char **v = xcalloc(1, sizeof *v);

	*n = 0;
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t k = strlen(de->d_name);

		if (de->d_name[0] != '.' && k > 6 && strcmp(de->d_name + k - 6, ".jsonl") == 0) {
			v = xreallocarray(v, *n + 2, sizeof *v);
			v[(*n)++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	free(dir);
	qsort(v, *n, sizeof *v, segment_cmp_names);
	v[*n] = NULL;
	return v;
}

static void free_list(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* Every line of every day file, in seq order: what the segments must
 * hold, byte for byte. */
static char *log_in_seq_order(size_t *len)
{
	char *dir = xasprintf("%s/airlog", state), *all = NULL;
	struct segment_ref *refs = NULL;
	char **bufs = NULL;
	size_t nrefs = 0, nbufs = 0, start;
	uint64_t first, last, gap;
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		char *path, *buf;
		size_t blen;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		buf = slurp(path, &blen);
		for (size_t off = 0; off < blen;) {
			char *nl = memchr(buf + off, '\n', blen - off);
			size_t n = (size_t)(nl - (buf + off)) + 1;

			refs = xreallocarray(refs, nrefs + 1, sizeof *refs);
			refs[nrefs] = (struct segment_ref){
			    buf + off, n, segment_line_seq(buf + off, n), false, nrefs};
			nrefs++;
			off += n;
		}
		bufs = xreallocarray(bufs, nbufs + 1, sizeof *bufs);
		bufs[nbufs++] = buf;
		free(path);
	}
	closedir(d);
	free(dir);
	segment_pick(refs, nrefs, 0, 0, SIZE_MAX, &start, &first, &last, &gap);
	*len = 0;
	for (size_t i = 0; i < nrefs; i++) {
		all = xreallocarray(all, *len + refs[i].len + 1, 1);
		memcpy(all + *len, refs[i].p, refs[i].len);
		*len += refs[i].len;
	}
	for (size_t i = 0; i < nbufs; i++)
		free(bufs[i]);
	free(bufs);
	free(refs);
	return all;
}

/* All segments of the outbox (and sent/) concatenated. */
static char *segments_joined(size_t *len)
{
	size_t n;
	char **v = outbox(&n), *all = xstrdup("");

	*len = 0;
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/outbox/%s", state, v[i]), *buf;
		size_t blen;

		buf = slurp(path, &blen);
		all = xreallocarray(all, *len + blen + 1, 1);
		memcpy(all + *len, buf, blen);
		*len += blen;
		free(buf);
		free(path);
	}
	free_list(v);
	return all;
}

static uint64_t cut_file(void)
{
	char *path = xasprintf("%s/outbox/.cut", state), *buf = slurp(path, NULL);
	uint64_t v = strtoull(buf, NULL, 10);

	free(buf);
	free(path);
	return v;
}

static void station_pub(struct minisig_pubkey *pk)
{
	char *path = xasprintf("%s/station.pub", state), *buf = slurp(path, NULL);

	assert_int_equal(minisig_parse_pubkey(buf, pk), 0);
	free(buf);
	free(path);
}

/* Each segment: its signature verifies with station.pub and names it. */
static void assert_signed(void)
{
	struct minisig_pubkey pk;
	size_t n;
	char **v = outbox(&n);

	station_pub(&pk);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/outbox/%s", state, v[i]),
		     *sp = xasprintf("%s.minisig", path);
		char *data, *sig, *tc, *want;
		size_t dlen, slen;
		const char *why;

		data = slurp(path, &dlen);
		sig = slurp(sp, &slen);
		if (minisig_verify(&pk, data, dlen, sig, slen, &tc, &why) < 0)
			fail_msg("%s: %s", v[i], why);
		want = xasprintf("file:%s", v[i]);
		assert_non_null(strstr(tc, want));
		assert_non_null(strstr(tc, "station:" STATION));
		free(want);
		free(tc);
		free(data);
		free(sig);
		free(path);
		free(sp);
	}
	free_list(v);
}

static int group_setup(void **st)
{
	(void)st;
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	msg_init("test_upload", false, MSG_ERR);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **st)
{
	(void)st;
	testlib_rm_rf(tmpdir);
	return 0;
}

/* --- the key ----------------------------------------------------------------- */

static void test_station_key(void **st)
{
	char *key = xasprintf("%s/station.key", state), *pub = xasprintf("%s/station.pub", state);
	char *k1, *k2, *p1, *p2;
	struct minisig_seckey sk;
	struct minisig_pubkey pk, derived;
	const char *why;
	struct stat sb;

	(void)st;
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	k1 = slurp(key, NULL);
	p1 = slurp(pub, NULL);
	assert_int_equal(
	    strncmp(p1, "untrusted comment: loaxa station " STATION " public key\n",
	            strlen("untrusted comment: loaxa station " STATION " public key\n")),
	    0);
	assert_int_equal(minisig_parse_seckey(k1, &sk, &why), 0);
	assert_int_equal(minisig_parse_pubkey(p1, &pk), 0);
	minisig_seckey_pubkey(&sk, &derived);
	assert_memory_equal(&pk, &derived, sizeof pk);

	/* never replaced; a lost or stale .pub is made again from the key */
	assert_int_equal(unlink(pub), 0);
	assert_int_equal(stationkey_ensure(state, STATION), 0);
	k2 = slurp(key, NULL);
	p2 = slurp(pub, NULL);
	assert_string_equal(k1, k2);
	assert_string_equal(p1, p2);
	free(p2);
	assert_int_equal(util_write_atomic(pub, "untrusted comment: x\nRWQ\n", 25, 0644), 0);
	assert_int_equal(stationkey_ensure(state, STATION), 0);
	p2 = slurp(pub, NULL);
	assert_string_equal(p1, p2);
	free(p2);

	/* a damaged key is left alone and refused */
	assert_int_equal(util_write_atomic(key, "untrusted comment: x\nbroken\n", 28, 0600), 0);
	assert_int_equal(stationkey_ensure(state, STATION), -1);
	free(k2);
	k2 = slurp(key, NULL);
	assert_string_equal(k2, "untrusted comment: x\nbroken\n");

	free(k1);
	free(k2);
	free(p1);
	free(key);
	free(pub);
}

/* --- cutting ------------------------------------------------------------------ */

static void test_cut_byte_identical(void **st)
{
	struct upload_report r;
	struct steps s;
	char *log, *segs, *day;
	size_t loglen, seglen, n;
	char **v;
	struct stat before, after;

	(void)st;
	log_plays(5, "2026-11-27T05:30:00+07:00");
	day = xasprintf("%s/airlog/2026-11-27.jsonl", state);
	assert_int_equal(stat(day, &before), 0);
	assert_int_equal(cut(&r, &s), 0);
	assert_int_equal(r.cut, 1);
	assert_string_equal(s.text, "cut " STATION "-0000000001-0000000005.jsonl\n");
	assert_int_equal(cut_file(), 5);

	/* a second day, and nothing cut twice */
	log_plays(3, "2026-11-28T05:30:00+07:00");
	assert_int_equal(cut(&r, &s), 0);
	assert_string_equal(s.text, "cut " STATION "-0000000006-0000000008.jsonl\n");
	assert_int_equal(cut(&r, &s), 0);
	assert_int_equal(r.cut, 0);
	assert_string_equal(s.text, "");
	assert_int_equal(r.outbox, 2);

	v = outbox(&n);
	assert_int_equal(n, 2);
	free_list(v);
	log = log_in_seq_order(&loglen);
	segs = segments_joined(&seglen);
	assert_int_equal(loglen, seglen);
	assert_memory_equal(log, segs, loglen);
	assert_signed();

	/* the log itself was only read */
	assert_int_equal(stat(day, &after), 0);
	assert_true(before.st_size == after.st_size &&
	            before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
	            before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	free(day);
	free(log);
	free(segs);
}

/* Lines filed under wrong dates (a clock that was off) are cut in seq
 * order all the same, and the result is a chain the verifier accepts. */
static void problem(void *ctx, const char *text)
{
	(void)ctx;
	fail_msg("unexpected problem: %s", text);
}

static void test_cut_out_of_order_files(void **st)
{
	struct upload_report r;
	struct steps s;
	struct minisig_pubkey pk;
	struct segment_verifier *v;
	struct segment_summary sum;
	char *log, *segs;
	size_t loglen, seglen, n;
	char **names;

	(void)st;
	log_plays(2, "2026-11-27T05:30:00+07:00");
	log_plays(2, "2026-01-01T05:30:00+07:00"); /* seq 3-4 in an older-named file */
	log_plays(1, "2026-11-27T17:00:00+07:00");
	assert_int_equal(cut(&r, &s), 0);
	assert_string_equal(s.text, "cut " STATION "-0000000001-0000000005.jsonl\n");
	log = log_in_seq_order(&loglen);
	segs = segments_joined(&seglen);
	assert_int_equal(loglen, seglen);
	assert_memory_equal(log, segs, loglen);

	station_pub(&pk);
	names = outbox(&n);
	v = segment_verifier_new(STATION, &pk, problem, NULL);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/outbox/%s", state, names[i]);
		char *sp = xasprintf("%s.minisig", path), *data, *sig;
		size_t dl, sl;

		data = slurp(path, &dl);
		sig = slurp(sp, &sl);
		segment_verify(v, names[i], data, dl, sig, sl, NULL, NULL);
		free(data);
		free(sig);
		free(path);
		free(sp);
	}
	segment_verifier_summary(v, &sum);
	assert_int_equal(sum.problems, 0);
	assert_int_equal(sum.lines, 5);
	segment_verifier_free(v);
	free_list(names);
	free(log);
	free(segs);
}

/* The power goes after the segment is written but before .cut: the next
 * round takes that segment as cut, and never makes a second one over the
 * same lines. So too when .cut is lost or damaged. */
static void test_cut_adopts_after_crash(void **st)
{
	char *cutpath = xasprintf("%s/outbox/.cut", state);
	struct upload_report r;
	struct steps s;
	size_t n;
	char **v;

	(void)st;
	log_plays(4, "2026-11-27T05:30:00+07:00");
	assert_int_equal(cut(&r, &s), 0);
	log_plays(2, "2026-11-27T17:00:00+07:00");
	assert_int_equal(util_write_atomic(cutpath, "0\n", 2, 0640), 0);
	assert_int_equal(cut(&r, &s), 0);
	assert_string_equal(s.text, "adopted 4\ncut " STATION "-0000000005-0000000006.jsonl\n");

	/* .cut gone: the segments' names tell */
	log_plays(1, "2026-11-27T18:00:00+07:00");
	assert_int_equal(unlink(cutpath), 0);
	assert_int_equal(cut(&r, &s), 0);
	assert_string_equal(s.text, "adopted 6\ncut " STATION "-0000000007-0000000007.jsonl\n");

	/* .cut damaged: the same */
	log_plays(1, "2026-11-27T19:00:00+07:00");
	assert_int_equal(util_write_atomic(cutpath, "garbage", 7, 0640), 0);
	assert_int_equal(cut(&r, &s), 0);
	assert_string_equal(s.text, "adopted 7\ncut " STATION "-0000000008-0000000008.jsonl\n");
	assert_int_equal(cut_file(), 8);

	v = outbox(&n);
	assert_int_equal(n, 4);
	free_list(v);
	free(cutpath);
}

/* A torn last line (no newline yet) waits for the next round; stale
 * temporary files of a killed round are cleared. */
static void test_cut_torn_tail(void **st)
{
	char *day = xasprintf("%s/airlog/2026-11-27.jsonl", state), *buf, *tmp;
	struct upload_report r;
	struct steps s;
	size_t len, cut_at;
	FILE *f;

	(void)st;
	log_plays(3, "2026-11-27T05:30:00+07:00");
	buf = slurp(day, &len);
	cut_at = len - 40;
	f = fopen(day, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, cut_at, f), cut_at);
	fclose(f);
	tmp = xasprintf("%s/outbox/.x-0000000001-0000000009.jsonl.tmp", state);
	assert_int_equal(cut(&r, &s), 0);
	assert_string_equal(s.text, "cut " STATION "-0000000001-0000000002.jsonl\n");

	/* the rest of the line arrives */
	f = fopen(day, "a");
	assert_non_null(f);
	assert_int_equal(fwrite(buf + cut_at, 1, len - cut_at, f), len - cut_at);
	fclose(f);
	assert_int_equal(util_write_atomic(tmp, "x", 1, 0640), 0);
	assert_int_equal(cut(&r, &s), 0);
	assert_string_equal(s.text, "cut " STATION "-0000000003-0000000003.jsonl\n");
	assert_int_equal(access(tmp, F_OK), -1);
	free(tmp);
	free(buf);
	free(day);
}

/* A line gone from the log for good: the segment goes on without it, so
 * that what follows still reaches the province (whose verifier names the
 * missing seq). */
static void test_cut_passes_real_gap(void **st)
{
	char *day = xasprintf("%s/airlog/2026-11-27.jsonl", state), *buf, *a, *b;
	struct upload_report r;
	struct steps s;
	size_t len;

	(void)st;
	log_plays(4, "2026-11-27T05:30:00+07:00");
	buf = slurp(day, &len);
	a = strchr(buf, '\n') + 1; /* start of seq 2 */
	b = strchr(a, '\n') + 1;   /* start of seq 3 */
	memmove(a, b, len - (size_t)(b - buf) + 1);
	assert_int_equal(util_write_atomic(day, buf, strlen(buf), 0640), 0);
	assert_int_equal(cut(&r, &s), 0);
	assert_string_equal(s.text, "cut " STATION "-0000000001-0000000004.jsonl\n");
	free(buf);
	buf = segments_joined(&len);
	assert_int_equal(segment_line_seq(strchr(buf, '\n') + 1, len), 3);
	free(buf);
	free(day);
}

/* Weeks offline: the backlog is cut into several segments. */
static void test_cut_backlog(void **st)
{
	char *dir = xasprintf("%s/airlog", state), *path = xasprintf("%s/2026-11-27.jsonl", dir);
	char prev[65] = AIRLOG_ZERO_PREV;
	struct upload_report r;
	struct steps s;
	struct airlog_entry e = {.type = AIRLOG_START, .station = STATION, .version = "0.1.0"};
	char *log, *segs;
	size_t loglen, seglen;
	FILE *f;

	(void)st;
	assert_int_equal(util_mkdirs(dir, 0750), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	util_parse_time("2026-11-27T05:00:00+07:00", &e.time);
	for (uint64_t seq = 1; seq <= 12001; seq++) {
		char *line = airlog_format_line(&e, seq, prev);

		fputs(line, f);
		airlog_chain_hash(line, strlen(line), prev);
		free(line);
	}
	fclose(f);
	assert_int_equal(cut(&r, &s), 0);
	assert_string_equal(s.text, "cut " STATION "-0000000001-0000005000.jsonl\n"
	                            "cut " STATION "-0000005001-0000010000.jsonl\n"
	                            "cut " STATION "-0000010001-0000012001.jsonl\n");
	assert_int_equal(r.outbox, 3);
	log = log_in_seq_order(&loglen);
	segs = segments_joined(&seglen);
	assert_int_equal(loglen, seglen);
	assert_memory_equal(log, segs, loglen);
	free(log);
	free(segs);
	free(path);
	free(dir);
}

/* No server: the segments stay, counted, with the reason. */
static void test_run_once_unreachable(void **st)
{
	char *confpath = xasprintf("%s/loaxad.conf", state), *text;
	struct upload_report r;
	struct upload_opts o = {.connect_timeout = 2};
	struct diag d = {0};
	struct conf c;

	(void)st;
	text = xasprintf("station: { id = \"%s\"; };\nstate_dir = \"%s\";\n"
	                 "province: { log_url = \"http://127.0.0.1:1/logs/\"; };\n",
	                 STATION, state);
	assert_int_equal(util_write_atomic(confpath, text, strlen(text), 0644), 0);
	assert_int_equal(conf_load(&c, confpath, &d), 0);
	log_plays(2, "2026-11-27T05:30:00+07:00");
	assert_int_equal(upload_run_once(&c, &o, "{\"version\":\"0.1.0\"}", &r), -1);
	assert_int_equal(r.cut, 1);
	assert_int_equal(r.sent, 0);
	assert_int_equal(r.outbox, 1);
	assert_false(r.status_sent);
	assert_non_null(strstr(r.reason, STATION "-0000000001-0000000002.jsonl"));
	conf_free(&c);
	diag_free(&d);
	free(text);
	free(confpath);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_station_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cut_byte_identical, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cut_out_of_order_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cut_adopts_after_crash, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cut_torn_tail, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cut_passes_real_gap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cut_backlog, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_run_once_unreachable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
