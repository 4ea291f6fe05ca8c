/*
 * genlogs: signed as-run log fixtures, as the province's log folder holds
 * them after the stations uploaded: LOGDIR/<station>/<station>-<first>-
 * <last>.jsonl (+ .minisig) and status.json (+ .minisig), with a stations.cfg that
 * registers every station's public key. Or, with --airlog, one station's
 * own as-run log folder (state_dir/airlog), written by the real airlog
 * code, for the upload tests.
 *
 *   genlogs --out LOGDIR [--stations N] [--days D] [--from YYYY-MM-DD]
 *           [--seed S] [--cut day|session|interval:SECONDS|lines:N]
 *           [--stations-cfg FILE] [--keys DIR]
 *           [--silent ID] [--offline ID] [--miss-priority ID]
 *           [--skip-priority ID]                (each may be repeated)
 *   genlogs --airlog DIR --station ID [--days D] [--from D] [--seed S]
 *
 * Every station's day (local time, Asia/Ho_Chi_Minh): a start line at
 * 04:50 on the first day, sessions at 05:30 (jingle, provincial news,
 * two to four bulletins, closing jingle), 11:00 on Monday, Wednesday and
 * Friday, and 17:00; a priority programme "canh-bao-DATE" at the front of
 * the evening session every 7th day (day index % 7 == 2) and an emergency
 * "khan-cap-DATE" at 14:00 every 10th day (index % 10 == 5). About 1 item
 * in 60 is interrupted, 1 in 100 failed, 1 in 50 skipped; now and then the
 * daemon restarts (stop + start at 12:00) or the power goes (a start line
 * without a stop). Everything follows from --seed.
 *
 * --silent ID: the station logs only its start lines (no play line);
 * --offline ID: its logs end half-way through the days;
 * --miss-priority ID: it never logs the priority programmes;
 * --skip-priority ID: it logs them as skipped (expired).
 *
 * Station keys are derived from the seed, so a fixture can be made again
 * identically; --keys DIR writes <id>.key and <id>.pub (minisign formats).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "airlog.h"
#include "minisig.h"
#include "schedule.h"
#include "segment.h"
#include "util.h"

enum genlogs_cut { GENLOGS_CUT_DAY, GENLOGS_CUT_SESSION, GENLOGS_CUT_INTERVAL, GENLOGS_CUT_LINES };

#define GENLOGS_MAX_ROLES 32

struct genlogs_opts {
	const char *out;          /* the province's log folder, or NULL */
	const char *airlog;       /* or one station's as-run log folder */
	const char *station;      /* --airlog: its id */
	const char *stations_cfg; /* NULL: not written */
	const char *keys;         /* NULL: not written */
	int nstations;
	int days;
	int64_t from_day; /* civil day number of the first day */
	uint64_t seed;
	enum genlogs_cut cut;
	long cut_arg;
	const char *silent[GENLOGS_MAX_ROLES], *offline[GENLOGS_MAX_ROLES];
	const char *miss_priority[GENLOGS_MAX_ROLES], *skip_priority[GENLOGS_MAX_ROLES];
	size_t nsilent, noffline, nmiss, nskip;
};

struct genlogs_stats {
	uint64_t lines;
	uint64_t segments;
	uint64_t bytes;
};

/* --- determinism -------------------------------------------------------------- */

struct genlogs_rng {
	uint64_t s;
};

static uint64_t genlogs_next(struct genlogs_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static long genlogs_range(struct genlogs_rng *r, long lo, long hi)
{
	return lo + (long)(genlogs_next(r) % (uint64_t)(hi - lo + 1));
}

static void genlogs_station_id(int i, char *buf, size_t n)
{
	snprintf(buf, n, "xa-%03d", i + 1);
}

static void genlogs_station_key(uint64_t seed, const char *station, struct minisig_seckey *sk,
                                struct minisig_pubkey *pk)
{
	unsigned char kseed[crypto_sign_SEEDBYTES], id[crypto_generichash_BYTES];
	unsigned char pkbin[crypto_sign_PUBLICKEYBYTES];
	crypto_generichash_state st;

	if (sodium_init() < 0)
		abort();
	crypto_generichash_init(&st, NULL, 0, sizeof kseed);
	crypto_generichash_update(&st, (const unsigned char *)"loaxa genlogs key", 17);
	crypto_generichash_update(&st, (const unsigned char *)&seed, sizeof seed);
	crypto_generichash_update(&st, (const unsigned char *)station, strlen(station));
	crypto_generichash_final(&st, kseed, sizeof kseed);
	crypto_sign_seed_keypair(pkbin, sk->sk, kseed);
	crypto_generichash(id, sizeof id, pkbin, sizeof pkbin, NULL, 0);
	memcpy(sk->keyid, id, sizeof sk->keyid);
	minisig_seckey_pubkey(sk, pk);
}

static bool genlogs_has(const char *const *list, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], id) == 0)
			return true;
	return false;
}

/* --- one station's days ---------------------------------------------------------- */

struct genlogs_item {
	const char *programme; /* or NULL: a file item */
	const char *file;
	const char *priority;
	long seconds;
};

struct genlogs_sink {
	int (*emit)(struct genlogs_sink *k, struct airlog_entry *e, long session);
};

struct genlogs_station {
	const struct genlogs_opts *o;
	const char *id;
	struct genlogs_rng rng;
	bool silent, miss_priority, skip_priority;
	int days; /* how many days it logs */
	struct genlogs_sink *sink;
	long session; /* a running session number, for cutting */
	char sha[65];
};

static struct timespec genlogs_at(int64_t day, long sec, long msec)
{
	int y, m, d;
	struct tm tm = {0};

	sched_civil_from_days(day, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (struct timespec){mktime(&tm) + sec + msec / 1000, (msec % 1000) * 1000000L};
}

static int genlogs_startstop(struct genlogs_station *g, enum airlog_type type, int64_t day,
                             long sec, const char *reason)
{
	struct airlog_entry e = {0};

	e.type = type;
	e.station = g->id;
	e.time = genlogs_at(day, sec, genlogs_range(&g->rng, 0, 999));
	e.version = "0.1.0";
	e.clock_synced = true;
	e.reason = reason;
	e.peak_dbfs = e.rms_dbfs = -INFINITY;
	/* It goes with the session that follows. */
	return g->sink->emit(g->sink, &e, g->session + 1);
}

/* Play a session's items back to back from sec; returns when it ended. */
static long genlogs_session(struct genlogs_station *g, int64_t day, const char *slot, long sec,
                            const struct genlogs_item *items, size_t n)
{
	struct timespec sched = genlogs_at(day, sec, 0);
	double t = (double)sec + 0.004 + (double)genlogs_range(&g->rng, 0, 30) / 1000.0;

	g->session++;
	for (size_t i = 0; i < n; i++) {
		const struct genlogs_item *it = &items[i];
		struct airlog_entry e = {0};
		long roll = genlogs_range(&g->rng, 0, 599);
		double played = (double)it->seconds;

		e.type = AIRLOG_PLAY;
		e.station = g->id;
		e.programme = it->programme;
		e.file = it->file;
		util_sha256_hex(it->programme ? it->programme : it->file,
		                strlen(it->programme ? it->programme : it->file), g->sha);
		e.sha256 = g->sha;
		e.slot = slot;
		e.priority = it->priority;
		e.scheduled = sched;
		e.duration_s = (double)it->seconds;
		e.status = "complete";
		e.peak_dbfs = -1.0 - (double)genlogs_range(&g->rng, 0, 20) / 10.0;
		e.rms_dbfs = -18.0 - (double)genlogs_range(&g->rng, 0, 40) / 10.0;
		e.clock_synced = true;
		if (it->programme && strncmp(it->programme, "canh-bao-", 9) == 0 &&
		    g->skip_priority)
			roll = 1000; /* skipped below */
		if (roll < 10) {
			e.status = "interrupted";
			e.reason = "stopped by the operator";
			played = (double)genlogs_range(&g->rng, 1, it->seconds * 1000 - 1) / 1000.0;
		} else if (roll < 16) {
			e.status = "failed";
			e.reason = "decode error";
			played = (double)genlogs_range(&g->rng, 0, 2000) / 1000.0;
		} else if (roll < 28 || roll == 1000) {
			e.status = "skipped";
			e.reason = roll == 1000 ? "expired" : "missing from the store";
			e.sha256 = "";
			played = 0;
		}
		if (strcmp(e.status, "skipped") != 0) {
			long ms = (long)llround(t * 1000);

			e.start = genlogs_at(day, ms / 1000, ms % 1000);
			t += played;
			ms = (long)llround(t * 1000);
			e.end = genlogs_at(day, ms / 1000, ms % 1000);
			e.played_s = played;
			t += 0.02;
		} else {
			e.played_s = 0;
			e.peak_dbfs = e.rms_dbfs = -INFINITY;
		}
		if (g->sink->emit(g->sink, &e, g->session) < 0)
			return -1;
	}
	return (long)t;
}

static int genlogs_day(struct genlogs_station *g, int64_t day, int index)
{
	char news[64], poverty[64], warn[64], urgent[64];
	struct genlogs_item items[12];
	int wday = sched_weekday(day);
	size_t n;

	snprintf(news, sizeof news, "thoi-su-tinh-%d", index);
	snprintf(poverty, sizeof poverty, "ban-tin-giam-ngheo-%d", index / 7);
	snprintf(warn, sizeof warn, "canh-bao-%d", index);
	snprintf(urgent, sizeof urgent, "khan-cap-%d", index);

	if (index == 0 || genlogs_range(&g->rng, 0, 29) == 0) {
		/* the first start, or after a power cut: no stop before it */
		if (genlogs_startstop(g, AIRLOG_START, day, 4 * 3600 + 50 * 60, NULL) < 0)
			return -1;
	}
	if (g->silent)
		return 0;

	n = 0;
	items[n++] = (struct genlogs_item){"nhac-hieu", NULL, "normal", 30};
	items[n++] = (struct genlogs_item){news, NULL, "normal", genlogs_range(&g->rng, 600, 900)};
	for (long k = genlogs_range(&g->rng, 2, 4); k > 0; k--) {
		if (genlogs_range(&g->rng, 0, 2) == 0)
			items[n++] = (struct genlogs_item){poverty, NULL, "normal", 300};
		else
			items[n++] = (struct genlogs_item){NULL, "thong-bao-xa.ogg", "normal",
			                                   genlogs_range(&g->rng, 120, 300)};
	}
	items[n++] = (struct genlogs_item){"nhac-hieu-ket", NULL, "normal", 20};
	if (genlogs_session(g, day, "Bản tin sáng", 5 * 3600 + 30 * 60, items, n) < 0)
		return -1;

	if (wday == 1 || wday == 3 || wday == 5) {
		n = 0;
		items[n++] = (struct genlogs_item){"nhac-hieu", NULL, "normal", 30};
		items[n++] = (struct genlogs_item){NULL, "lich-tiem-chung.ogg", "normal", 180};
		if (genlogs_session(g, day, "Bản tin trưa", 11 * 3600, items, n) < 0)
			return -1;
	}
	if (genlogs_range(&g->rng, 0, 19) == 0) {
		/* an update or a reboot by the operator */
		if (genlogs_startstop(g, AIRLOG_STOP, day, 12 * 3600, "SIGTERM") < 0 ||
		    genlogs_startstop(g, AIRLOG_START, day, 12 * 3600 + 5, NULL) < 0)
			return -1;
	}
	if (index % 10 == 5) {
		items[0] = (struct genlogs_item){urgent, NULL, "emergency", 120};
		if (genlogs_session(g, day, "Khẩn cấp", 14 * 3600, items, 1) < 0)
			return -1;
	}

	n = 0;
	if (index % 7 == 2 && !g->miss_priority)
		items[n++] = (struct genlogs_item){warn, NULL, "priority", 240};
	items[n++] = (struct genlogs_item){"nhac-hieu", NULL, "normal", 30};
	items[n++] = (struct genlogs_item){news, NULL, "normal", genlogs_range(&g->rng, 600, 900)};
	for (long k = genlogs_range(&g->rng, 1, 3); k > 0; k--)
		items[n++] = (struct genlogs_item){NULL, "thong-bao-xa.ogg", "normal",
		                                   genlogs_range(&g->rng, 120, 300)};
	items[n++] = (struct genlogs_item){"nhac-hieu-ket", NULL, "normal", 20};
	if (genlogs_session(g, day, "Bản tin chiều", 17 * 3600, items, n) < 0)
		return -1;
	return 0;
}

static int genlogs_station_days(struct genlogs_station *g)
{
	for (int d = 0; d < g->days; d++)
		if (genlogs_day(g, g->o->from_day + d, d) < 0)
			return -1;
	return 0;
}

/* --- the province's folder --------------------------------------------------------- */

struct genlogs_tree {
	struct genlogs_sink sink;
	const struct genlogs_opts *o;
	struct genlogs_stats *stats;
	const char *station;
	char *dir;
	struct minisig_seckey sk;
	uint64_t seq;
	char prev[65];
	long key; /* what the open segment is cut by */
	char *buf;
	size_t len, cap;
	uint64_t first;
	size_t lines;
	char last_time[40];
};

static int genlogs_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "we");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "genlogs: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int genlogs_flush(struct genlogs_tree *t)
{
	char name[SEGMENT_NAME_MAX], tc[256], *path, *sig;
	int r;

	if (t->lines == 0)
		return 0;
	segment_name(name, sizeof name, t->station, t->first, t->seq);
	snprintf(tc, sizeof tc, "station:%s first:%" PRIu64 " last:%" PRIu64 " file:%s", t->station,
	         t->first, t->seq, name);
	sig = minisig_sign(&t->sk, t->buf, t->len, "signature from loaxa station", tc);
	path = xasprintf("%s/%s", t->dir, name);
	r = genlogs_write(path, t->buf, t->len);
	free(path);
	path = xasprintf("%s/%s.minisig", t->dir, name);
	if (r == 0)
		r = genlogs_write(path, sig, strlen(sig));
	free(path);
	free(sig);
	t->stats->segments++;
	t->stats->bytes += t->len;
	t->len = 0;
	t->lines = 0;
	return r;
}

static long genlogs_cut_key(const struct genlogs_tree *t, const struct airlog_entry *e,
                            long session)
{
	struct timespec when = e->type != AIRLOG_PLAY ? e->time
	                       : e->end.tv_sec        ? e->end
	                                              : e->scheduled;

	switch (t->o->cut) {
	case GENLOGS_CUT_DAY:
		return (long)((when.tv_sec + 7 * 3600) / 86400);
	case GENLOGS_CUT_SESSION:
		return session;
	case GENLOGS_CUT_INTERVAL:
		return (long)(when.tv_sec / t->o->cut_arg);
	case GENLOGS_CUT_LINES:
		return (long)(t->seq / (uint64_t)t->o->cut_arg);
	}
	return 0;
}

static int genlogs_tree_emit(struct genlogs_sink *k, struct airlog_entry *e, long session)
{
	struct genlogs_tree *t = (struct genlogs_tree *)k;
	long key = genlogs_cut_key(t, e, session);
	char *line;
	size_t n;

	if (t->lines > 0 && key != t->key && genlogs_flush(t) < 0)
		return -1;
	t->key = key;
	line = airlog_format_line(e, t->seq + 1, t->prev);
	n = strlen(line);
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->buf = xreallocarray(t->buf, t->cap, 1);
	}
	memcpy(t->buf + t->len, line, n);
	t->len += n;
	if (t->lines++ == 0)
		t->first = t->seq + 1;
	t->seq++;
	airlog_chain_hash(line, n, t->prev);
	util_format_time(t->last_time, sizeof t->last_time,
	                 e->type != AIRLOG_PLAY ? e->time
	                 : e->end.tv_sec        ? e->end
	                                        : e->scheduled,
	                 true);
	t->stats->lines++;
	free(line);
	return 0;
}

static int genlogs_tree_station(const struct genlogs_opts *o, int i, FILE *cfg,
                                struct genlogs_stats *stats)
{
	char id[16], *path, *text;
	struct genlogs_tree t = {.sink = {genlogs_tree_emit}, .o = o, .stats = stats};
	struct genlogs_station g = {.o = o, .sink = &t.sink};
	struct minisig_pubkey pk;
	int r;

	genlogs_station_id(i, id, sizeof id);
	t.station = g.id = id;
	genlogs_station_key(o->seed, id, &t.sk, &pk);
	memcpy(t.prev, AIRLOG_ZERO_PREV, sizeof t.prev);
	t.dir = xasprintf("%s/%s", o->out, id);
	if (util_mkdirs(t.dir, 0755) < 0) {
		fprintf(stderr, "genlogs: %s: %s\n", t.dir, strerror(errno));
		free(t.dir);
		return -1;
	}
	g.rng.s = o->seed * 1000003 + (uint64_t)i;
	g.silent = genlogs_has(o->silent, o->nsilent, id);
	g.miss_priority = genlogs_has(o->miss_priority, o->nmiss, id);
	g.skip_priority = genlogs_has(o->skip_priority, o->nskip, id);
	g.days = genlogs_has(o->offline, o->noffline, id) ? o->days / 2 : o->days;
	r = genlogs_station_days(&g);
	if (r == 0)
		r = genlogs_flush(&t);
	if (r == 0) {
		/* as a station's upload round writes it: signed, vouching for
		 * the last line delivered */
		char *tc, *sig;

		path = xasprintf("%s/status.json", t.dir);
		text = xasprintf("{\"station\":\"%s\",\"version\":\"0.1.0\",\"outbox\":0,"
		                 "\"updated\":\"%s\",\"last_seq\":%" PRIu64
		                 ",\"log_last_seq\":%" PRIu64 ",\"log_delivered_seq\":%" PRIu64
		                 ",\"log_delivered_sha256\":\"%s\"}\n",
		                 id, t.last_time, t.seq, t.seq, t.seq, t.prev);
		tc = xasprintf("station:%s file:status.json updated:%s", id, t.last_time);
		sig = minisig_sign(&t.sk, text, strlen(text), "signature from loaxa station", tc);
		r = genlogs_write(path, text, strlen(text));
		free(path);
		path = xasprintf("%s/status.json.minisig", t.dir);
		if (r == 0)
			r = genlogs_write(path, sig, strlen(sig));
		free(path);
		free(text);
		free(tc);
		free(sig);
	}
	if (r == 0 && cfg) {
		char *b64 = minisig_pubkey_base64(&pk);

		fprintf(cfg,
		        "%s  { id = \"%s\"; name = \"Đài truyền thanh xã %d\"; "
		        "district = \"Huyện %d\";\n    public_key = \"%s\"; }",
		        i ? ",\n" : "", id, i + 1, i % 10 + 1, b64);
		free(b64);
	}
	if (r == 0 && o->keys) {
		char *sk = minisig_format_seckey(&t.sk, "loaxa station secret key");
		char *comment = xasprintf("loaxa station %s public key", id);
		char *pub = minisig_format_pubkey(&pk, comment);

		path = xasprintf("%s/%s.key", o->keys, id);
		r = util_write_atomic(path, sk, strlen(sk), 0600);
		free(path);
		path = xasprintf("%s/%s.pub", o->keys, id);
		if (r == 0)
			r = util_write_atomic(path, pub, strlen(pub), 0644);
		free(path);
		free(pub);
		free(comment);
		sodium_memzero(sk, strlen(sk));
		free(sk);
	}
	sodium_memzero(&t.sk, sizeof t.sk);
	free(t.buf);
	free(t.dir);
	return r;
}

static int genlogs_tree(const struct genlogs_opts *o, struct genlogs_stats *stats)
{
	FILE *cfg = NULL;
	int r = 0;

	if (util_mkdirs(o->out, 0755) < 0 || (o->keys && util_mkdirs(o->keys, 0700) < 0)) {
		fprintf(stderr, "genlogs: cannot create %s: %s\n", o->out, strerror(errno));
		return -1;
	}
	if (o->stations_cfg) {
		cfg = fopen(o->stations_cfg, "we");
		if (!cfg) {
			fprintf(stderr, "genlogs: %s: %s\n", o->stations_cfg, strerror(errno));
			return -1;
		}
		fprintf(cfg, "# Stations registered with the province (made by genlogs).\n"
		             "stations = (\n");
	}
	for (int i = 0; i < o->nstations && r == 0; i++)
		r = genlogs_tree_station(o, i, cfg, stats);
	if (cfg) {
		fprintf(cfg, "\n);\n");
		if (fclose(cfg) != 0)
			r = -1;
	}
	return r;
}

/* --- one station's own as-run log ------------------------------------------------------ */

struct genlogs_own {
	struct genlogs_sink sink;
	struct airlog *log;
	struct genlogs_stats *stats;
};

static int genlogs_own_emit(struct genlogs_sink *k, struct airlog_entry *e, long session)
{
	struct genlogs_own *w = (struct genlogs_own *)k;

	(void)session;
	if (airlog_append(w->log, e) < 0)
		return -1;
	w->stats->lines++;
	return 0;
}

static int genlogs_own_log(const struct genlogs_opts *o, struct genlogs_stats *stats)
{
	struct genlogs_own w = {.sink = {genlogs_own_emit}, .stats = stats};
	struct genlogs_station g = {.o = o, .sink = &w.sink, .id = o->station, .days = o->days};
	int r;

	w.log = airlog_open(o->airlog);
	if (!w.log)
		return -1;
	g.rng.s = o->seed * 1000003 + airlog_last_seq(w.log);
	r = genlogs_station_days(&g);
	airlog_close(w.log);
	return r;
}

static int genlogs_run(const struct genlogs_opts *o, struct genlogs_stats *stats)
{
	memset(stats, 0, sizeof *stats);
	/* The stations' own zone: dates in the lines are theirs. */
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	return o->airlog ? genlogs_own_log(o, stats) : genlogs_tree(o, stats);
}

#ifndef GENLOGS_NO_MAIN

static void genlogs_usage(FILE *f)
{
	fprintf(f, "usage: genlogs --out LOGDIR [--stations N] [--days D] [--from YYYY-MM-DD]\n"
	           "               [--seed S] [--cut day|session|interval:S|lines:N]\n"
	           "               [--stations-cfg FILE] [--keys DIR] [--silent ID]\n"
	           "               [--offline ID] [--miss-priority ID] [--skip-priority ID]\n"
	           "       genlogs --airlog DIR --station ID [--days D] [--from D] [--seed S]\n");
}

static void genlogs_role(const char **list, size_t *n, const char *id)
{
	if (*n == GENLOGS_MAX_ROLES) {
		fprintf(stderr, "genlogs: too many stations given one role\n");
		exit(2);
	}
	list[(*n)++] = id;
}

int main(int argc, char **argv)
{
	enum { O_SILENT = 256, O_OFFLINE, O_MISS, O_SKIP, O_CFG, O_KEYS, O_AIRLOG, O_STATION };
	static const struct option longopts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"stations", required_argument, NULL, 'n'},
	    {"days", required_argument, NULL, 'd'},
	    {"from", required_argument, NULL, 'f'},
	    {"seed", required_argument, NULL, 's'},
	    {"cut", required_argument, NULL, 'c'},
	    {"stations-cfg", required_argument, NULL, O_CFG},
	    {"keys", required_argument, NULL, O_KEYS},
	    {"silent", required_argument, NULL, O_SILENT},
	    {"offline", required_argument, NULL, O_OFFLINE},
	    {"miss-priority", required_argument, NULL, O_MISS},
	    {"skip-priority", required_argument, NULL, O_SKIP},
	    {"airlog", required_argument, NULL, O_AIRLOG},
	    {"station", required_argument, NULL, O_STATION},
	    {NULL, 0, NULL, 0},
	};
	struct genlogs_opts o = {.nstations = 3, .days = 7, .seed = 1};
	struct genlogs_stats st;
	int c;

	sched_parse_date("2026-11-01", &o.from_day);
	while ((c = getopt_long(argc, argv, "o:n:d:f:s:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out = optarg;
			break;
		case 'n':
			o.nstations =
			    (int)util_option_number("genlogs", "--stations", optarg, 0, 999);
			break;
		case 'd':
			o.days = (int)util_option_number("genlogs", "--days", optarg, 0, 3660);
			break;
		case 'f':
			if (sched_parse_date(optarg, &o.from_day) < 0) {
				fprintf(stderr, "genlogs: --from: not a date: %s\n", optarg);
				return 2;
			}
			break;
		case 's':
			o.seed =
			    (uint64_t)util_option_number("genlogs", "--seed", optarg, 0, 1L << 30);
			break;
		case 'c':
			if (strcmp(optarg, "day") == 0) {
				o.cut = GENLOGS_CUT_DAY;
			} else if (strcmp(optarg, "session") == 0) {
				o.cut = GENLOGS_CUT_SESSION;
			} else if (strncmp(optarg, "interval:", 9) == 0) {
				o.cut = GENLOGS_CUT_INTERVAL;
				o.cut_arg = (long)util_option_number("genlogs", "--cut", optarg + 9,
				                                     0, 86400 * 366);
			} else if (strncmp(optarg, "lines:", 6) == 0) {
				o.cut = GENLOGS_CUT_LINES;
				o.cut_arg = (long)util_option_number("genlogs", "--cut", optarg + 6,
				                                     0, 1000000000);
			} else {
				genlogs_usage(stderr);
				return 2;
			}
			if ((o.cut == GENLOGS_CUT_INTERVAL || o.cut == GENLOGS_CUT_LINES) &&
			    o.cut_arg < 1) {
				genlogs_usage(stderr);
				return 2;
			}
			break;
		case O_CFG:
			o.stations_cfg = optarg;
			break;
		case O_KEYS:
			o.keys = optarg;
			break;
		case O_SILENT:
			genlogs_role(o.silent, &o.nsilent, optarg);
			break;
		case O_OFFLINE:
			genlogs_role(o.offline, &o.noffline, optarg);
			break;
		case O_MISS:
			genlogs_role(o.miss_priority, &o.nmiss, optarg);
			break;
		case O_SKIP:
			genlogs_role(o.skip_priority, &o.nskip, optarg);
			break;
		case O_AIRLOG:
			o.airlog = optarg;
			break;
		case O_STATION:
			o.station = optarg;
			break;
		default:
			genlogs_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !!o.out == !!o.airlog || (o.airlog && !o.station)) {
		genlogs_usage(stderr);
		return 2;
	}
	msg_init("genlogs", false, MSG_WARNING);
	if (genlogs_run(&o, &st) < 0)
		return 1;
	printf("lines %" PRIu64 " segments %" PRIu64 " bytes %" PRIu64 "\n", st.lines, st.segments,
	       st.bytes);
	return 0;
}

#endif
