/*
 * upload: one round of cutting the as-run log into segments signed with
 * the station key (stationkey.c) and delivering them (and status.json) to
 * the province by HTTP PUT; run in loaxad-net (the daemon's thread is
 * upload_thread.c).
 *
 * A segment is written once and never rewritten: the lines byte for byte
 * as in the log, then its signature, each through a temporary file, fsync
 * and rename; only then does outbox/.cut move on. A crash in between
 * leaves a segment that starts right after .cut: the next round adopts it
 * instead of cutting again, so no two different segments ever cover the
 * same seqs. Delivery sends the files as they are, in seq order; a segment
 * leaves the outbox only when the server took both files (2xx). One
 * process at a time works on the outbox (flock on the folder).
 */
#include "upload.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "airlog.h"
#include "i18n.h"
#include "minisig.h"
#include "net.h"
#include "segment.h"
#include "stationkey.h"
#include "util.h"

#define DAYFILE_MAX_BYTES (64 * 1024 * 1024)
/* After weeks offline the backlog goes as several segments of this many
 * lines (about 3 MB), each small enough for any server's body limit. */
#define SEGMENT_MAX_LINES 5000
/* Delivered segments kept for the operator, the newest first. */
#define SENT_KEEP_FILES         500
#define SENT_KEEP_BYTES         ((off_t)32 * 1024 * 1024)
#define BACKOFF_FIRST_S         10
#define DEFAULT_CONNECT_TIMEOUT 30
#define DEFAULT_LOW_SPEED_LIMIT 100
#define DEFAULT_LOW_SPEED_TIME  60

/* What a round needs from the config (borrowed, or the thread's copies). */
struct target {
	char *station_id;
	char *state_dir;
	char *log_url; /* NULL: cut only */
	char *ca_file;
	char *pinned_public_key;
};

/* A day file whose every line is already cut, as it was then: while it
 * stays so it is not read again. */
struct seen_file {
	char name[32];
	off_t size;
	struct timespec mtime;
	uint64_t max_seq;
};

struct seen {
	struct seen_file *v;
	size_t n;
};

struct round {
	const struct target *t;
	struct upload_opts o;
	struct upload_report *r;
	struct seen *seen; /* day files already cut (outbox/.seen) */
	char *outbox;
	char *sent;
	char *airlog;
	struct minisig_seckey sk;
	uint64_t last_cut;
};

static void fail(struct round *rd, const char *fmt, ...) MSG_PRINTF(2, 3);

/* The first reason is the one that counts; later ones follow from it. */
static void fail(struct round *rd, const char *fmt, ...)
{
	va_list ap;

	if (rd->r->reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(rd->r->reason, sizeof rd->r->reason, fmt, ap);
	va_end(ap);
}

static void note(struct round *rd, const char *what, const char *name)
{
	if (rd->o.note)
		rd->o.note(rd->o.ctx, what, name);
}

/* --- files ------------------------------------------------------------------ */

/* dir/name from buf: a hidden temporary file, fsync, rename. The caller
 * fsyncs dir once the files that belong together are all in. */
static int put_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char *tmp = xasprintf("%s/.%s.tmp", dir, name), *path = xasprintf("%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640), ret = -1, saved;

	if (fd >= 0) {
		if (util_write_all(fd, buf, len) == 0 && fsync(fd) == 0) {
			if (close(fd) == 0 && rename(tmp, path) == 0)
				ret = 0;
		} else {
			close(fd);
		}
	}
	saved = errno;
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	free(path);
	errno = saved;
	return ret;
}

struct names {
	char **v;
	size_t n;
};

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* Our own segments in dir (by seq); the highest last seq among them. */
static int list_segments(const char *dir, const char *station, struct names *out,
                         uint64_t *max_last)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	memset(out, 0, sizeof *out);
	if (max_last)
		*max_last = 0;
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		char st[SEGMENT_STATION_MAX + 1];
		uint64_t first, last;

		if (segment_parse_name(e->d_name, st, &first, &last) < 0 ||
		    strcmp(st, station) != 0)
			continue;
		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		out->v[out->n++] = xstrdup(e->d_name);
		if (max_last && last > *max_last)
			*max_last = last;
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, segment_cmp_names);
	return 0;
}

/* Temporary files left by a round that was killed (ours, and .cut's from
 * util_write_atomic): nobody else's, since we hold the outbox lock. */
static void remove_stale_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if ((e->d_name[0] == '.' && n > 5 && strcmp(e->d_name + n - 4, ".tmp") == 0) ||
		    strncmp(e->d_name, ".cut.tmp.", 9) == 0 ||
		    strncmp(e->d_name, ".seen.tmp.", 10) == 0) {
			char *p = xasprintf("%s/%s", dir, e->d_name);

			unlink(p);
			free(p);
		}
	}
	closedir(d);
}

/* --- cutting ------------------------------------------------------------------ */

/* Lines read from the log, kept only when after the last cut. */
struct log_lines {
	struct segment_ref *refs;
	size_t n;
	char **bufs;
	size_t nbufs;
	uint64_t order;
};

static void log_lines_free(struct log_lines *L)
{
	for (size_t i = 0; i < L->nbufs; i++)
		free(L->bufs[i]);
	free(L->bufs);
	free(L->refs);
	memset(L, 0, sizeof *L);
}

static struct seen_file *seen_find(struct seen *s, const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

/* A line's seq; the strict fast path first, the JSON parser for a line
 * written some other way; 0 when it has none. */
static uint64_t line_seq(const char *line, size_t len)
{
	struct airlog_record rec;
	uint64_t seq = segment_line_seq(line, len);

	if (seq || airlog_parse_line(line, len, &rec) < 0)
		return seq;
	seq = rec.e.seq;
	airlog_record_free(&rec);
	return seq;
}

static int read_day(struct round *rd, const char *name, uint64_t after, struct log_lines *L)
{
	char *path = xasprintf("%s/%s", rd->airlog, name), *buf;
	struct seen_file *sf = seen_find(rd->seen, name);
	uint64_t file_seq = 0, max_seq = 0;
	size_t len, kept = 0;
	struct stat st;

	if (stat(path, &st) < 0) {
		fail(rd, _("%s: %s"), path, util_strerror(errno));
		free(path);
		return -1;
	}
	if (sf && sf->size == st.st_size && sf->mtime.tv_sec == st.st_mtim.tv_sec &&
	    sf->mtime.tv_nsec == st.st_mtim.tv_nsec && sf->max_seq <= after) {
		free(path);
		return 0;
	}
	if (util_read_file(path, DAYFILE_MAX_BYTES, &buf, &len) < 0) {
		fail(rd, _("%s: %s"), path, util_strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	for (size_t off = 0; off < len;) {
		char *nl = memchr(buf + off, '\n', len - off);
		size_t n;
		uint64_t seq;
		bool orphan = false;

		if (!nl)
			break; /* being written, or torn: not a line yet */
		n = (size_t)(nl - (buf + off)) + 1;
		seq = line_seq(buf + off, n - 1);
		if (seq == 0) {
			seq = file_seq;
			orphan = true;
		} else {
			file_seq = seq;
			if (seq > max_seq)
				max_seq = seq;
		}
		if (seq > after) {
			L->refs = xreallocarray(L->refs, L->n + 1, sizeof *L->refs);
			L->refs[L->n++] = (struct segment_ref){buf + off, n, seq, orphan, L->order};
			kept++;
		}
		L->order++;
		off += n;
	}
	if (kept) {
		L->bufs = xreallocarray(L->bufs, L->nbufs + 1, sizeof *L->bufs);
		L->bufs[L->nbufs++] = buf;
	} else {
		free(buf);
	}
	if (rd->seen) {
		if (!sf) {
			rd->seen->v = xreallocarray(rd->seen->v, rd->seen->n + 1, sizeof *sf);
			sf = &rd->seen->v[rd->seen->n++];
			snprintf(sf->name, sizeof sf->name, "%s", name);
		}
		sf->size = st.st_size;
		sf->mtime = st.st_mtim;
		sf->max_seq = max_seq;
	}
	return 0;
}

static int read_log(struct round *rd, uint64_t after, struct log_lines *L)
{
	struct names days = {0};
	int ret = 0;

	memset(L, 0, sizeof *L);
	if (airlog_day_files(rd->airlog, &days.v, &days.n) < 0) {
		if (errno == ENOENT)
			return 0; /* nothing logged yet */
		fail(rd, _("%s: %s"), rd->airlog, util_strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < days.n && ret == 0; i++)
		ret = read_day(rd, days.v[i], after, L);
	names_free(&days);
	if (ret < 0)
		log_lines_free(L);
	return ret;
}

static uint64_t read_cut(const char *outbox)
{
	char *path = xasprintf("%s/.cut", outbox), *buf, *end;
	unsigned long long v = 0;
	size_t len;

	if (util_read_file(path, 64, &buf, &len) == 0) {
		errno = 0;
		v = strtoull(buf, &end, 10);
		if (errno || end == buf || (*end && *end != '\n')) {
			log_warnx(_("%s is damaged; going by the segments' names"), path);
			v = 0;
		}
		free(buf);
	} else if (errno != ENOENT) {
		log_warn(_("cannot read %s; going by the segments' names"), path);
	}
	free(path);
	return v;
}

static int write_cut(struct round *rd, uint64_t seq)
{
	char *path = xasprintf("%s/.cut", rd->outbox), text[32];
	int r;

	snprintf(text, sizeof text, "%" PRIu64 "\n", seq);
	r = util_write_atomic(path, text, strlen(text), 0640);
	if (r < 0)
		fail(rd, _("cannot write %s: %s"), path, util_strerror(errno));
	free(path);
	return r;
}

static char *trusted_comment(const char *station, uint64_t first, uint64_t last, const char *name)
{
	return xasprintf("station:%s first:%" PRIu64 " last:%" PRIu64 " file:%s", station, first,
	                 last, name);
}

static char *sign_segment(struct round *rd, const char *name, const char *data, size_t len,
                          uint64_t first, uint64_t last)
{
	char *tc = trusted_comment(rd->t->station_id, first, last, name);
	char *untrusted = xasprintf("signature from loaxa station %s", rd->t->station_id);
	char *sig = minisig_sign(&rd->sk, data, len, untrusted, tc);

	free(tc);
	free(untrusted);
	if (!sig)
		fatalx("cannot sign %s", name);
	return sig;
}

/* One segment: the lines, then the signature, then both durable. */
static int write_segment(struct round *rd, const struct segment_ref *refs, size_t n, uint64_t first,
                         uint64_t last)
{
	char name[SEGMENT_NAME_MAX], *data, *sig, *signame;
	size_t len = 0;
	int ret = -1;

	for (size_t i = 0; i < n; i++)
		len += refs[i].len;
	data = xmalloc(len);
	len = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(data + len, refs[i].p, refs[i].len);
		len += refs[i].len;
	}
	segment_name(name, sizeof name, rd->t->station_id, first, last);
	sig = sign_segment(rd, name, data, len, first, last);
	signame = xasprintf("%s.minisig", name);
	if (put_file(rd->outbox, name, data, len) < 0 ||
	    put_file(rd->outbox, signame, sig, strlen(sig)) < 0 || util_fsync_dir(rd->outbox) < 0)
		fail(rd, _("cannot write the segment %s/%s: %s"), rd->outbox, name,
		     util_strerror(errno));
	else
		ret = 0;
	if (ret == 0 && write_cut(rd, last) == 0) {
		rd->last_cut = last;
		rd->r->cut++;
		note(rd, "cut", name);
	} else {
		ret = -1;
	}
	free(signame);
	free(sig);
	free(data);
	return ret;
}

/*
 * Where the last cut ended: .cut, or further when a segment exists beyond
 * it (written, then the power went before .cut followed; or .cut lost).
 * Such a segment is adopted as it is, never cut again differently.
 */
static int find_last_cut(struct round *rd)
{
	struct names out, sent;
	uint64_t cut = read_cut(rd->outbox), a, b;

	if (list_segments(rd->outbox, rd->t->station_id, &out, &a) < 0 ||
	    list_segments(rd->sent, rd->t->station_id, &sent, &b) < 0) {
		fail(rd, _("cannot read %s: %s"), rd->outbox, util_strerror(errno));
		return -1;
	}
	rd->last_cut = cut;
	if (a > rd->last_cut)
		rd->last_cut = a;
	if (b > rd->last_cut)
		rd->last_cut = b;
	if (rd->last_cut > cut) {
		char text[64];

		snprintf(text, sizeof text, "%" PRIu64, rd->last_cut);
		log_info(_("upload: adopting the segments cut up to seq %" PRIu64), rd->last_cut);
		note(rd, "adopted", text);
		if (write_cut(rd, rd->last_cut) < 0) {
			names_free(&out);
			names_free(&sent);
			return -1;
		}
	}
	names_free(&out);
	names_free(&sent);
	return 0;
}

/* Cut what is new; with hold, only find where the last cut ended. */
static int cut(struct round *rd, bool hold)
{
	struct log_lines L;
	size_t start, k, off = 0;
	uint64_t first, last, gap, allow_gap = 0;

	remove_stale_temps(rd->outbox);
	remove_stale_temps(rd->sent);
	if (find_last_cut(rd) < 0)
		return -1;
	if (hold)
		return 0;
	if (read_log(rd, rd->last_cut, &L) < 0)
		return -1;
	segment_pick(L.refs, L.n, rd->last_cut, 0, SEGMENT_MAX_LINES, &start, &first, &last, &gap);
	if (gap) {
		/* The missing line may have gone into a file already read while
		 * the later ones were read: a second look settles it, since a
		 * line is complete on disk before the next one is begun. */
		uint64_t again;

		log_lines_free(&L);
		if (read_log(rd, rd->last_cut, &L) < 0)
			return -1;
		segment_pick(L.refs, L.n, rd->last_cut, 0, SEGMENT_MAX_LINES, &start, &first, &last,
		             &again);
		if (again == gap) {
			log_warnx(_("upload: as-run line seq %" PRIu64 " is missing from %s; the "
			            "segments go on without it"),
			          gap, rd->airlog);
			allow_gap = gap;
		}
	}
	for (;;) {
		k = segment_pick(L.refs + off, L.n - off, rd->last_cut, allow_gap,
		                 SEGMENT_MAX_LINES, &start, &first, &last, &gap);
		if (k == 0)
			break;
		if (write_segment(rd, L.refs + off + start, k, first, last) < 0) {
			log_lines_free(&L);
			return -1;
		}
		off += start + k;
	}
	log_lines_free(&L);
	return 0;
}

/* --- delivery ------------------------------------------------------------------- */

static size_t discard_cb(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)size;
	(void)arg;
	return n;
}

/* PUT body (size bytes) to url. 0 on a 2xx, -1 after fail(). */
static int put(struct round *rd, const char *url, FILE *body, curl_off_t size, const char *type,
               const char *what)
{
	char errbuf[CURL_ERROR_SIZE] = "", *ct = xasprintf("Content-Type: %s", type);
	struct curl_slist *hdrs = NULL;
	const struct target *t = rd->t;
	struct net_opts no = {.protocols = "http,https",
	                      .ca_file = t->ca_file,
	                      .pinned_public_key = t->pinned_public_key,
	                      .connect_timeout = rd->o.connect_timeout,
	                      .low_speed_limit = rd->o.low_speed_limit,
	                      .low_speed_time = rd->o.low_speed_time};
	long code = 0;
	CURLcode rc;
	CURL *c = net_easy(url, &no, errbuf);

	if (!c) {
		free(ct);
		fail(rd, _("%s: cannot start a transfer"), what);
		return -1;
	}
	hdrs = curl_slist_append(hdrs, ct);
	/* No "100 Continue" round trip before each small body. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READDATA, body);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, size);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_cb);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	free(ct);
	if (rc != CURLE_OK) {
		fail(rd, "%s: %s", what, net_reason(rc, errbuf));
		return -1;
	}
	if (code < 200 || code > 299) {
		fail(rd, _("%s: the server answered HTTP %ld"), what, code);
		return -1;
	}
	return 0;
}

static int put_path(struct round *rd, const char *url, const char *path, const char *type,
                    const char *what)
{
	int fd = util_open_regular(path);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	struct stat st;
	int r;

	if (fd >= 0 && !f)
		close(fd);
	if (!f || fstat(fileno(f), &st) < 0) {
		fail(rd, _("cannot read %s: %s"), path, util_strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	r = put(rd, url, f, (curl_off_t)st.st_size, type, what);
	fclose(f);
	return r;
}

static char *url_for(const struct target *t, const char *name)
{
	size_t n = strlen(t->log_url);

	return xasprintf("%s%s%s/%s", t->log_url, n && t->log_url[n - 1] == '/' ? "" : "/",
	                 t->station_id, name);
}

/* A segment whose signature went missing is signed again: same bytes,
 * same name, only the signature's time is new. */
static int ensure_signature(struct round *rd, const char *name)
{
	char *path = xasprintf("%s/%s", rd->outbox, name), *signame, *data, *sig;
	char st[SEGMENT_STATION_MAX + 1];
	uint64_t first, last;
	size_t len;
	int ret = 0;

	signame = xasprintf("%s.minisig", path);
	if (access(signame, F_OK) == 0 || errno != ENOENT) {
		free(path);
		free(signame);
		return 0;
	}
	free(signame);
	if (util_read_file(path, (size_t)SEGMENT_MAX_LINES * 65536, &data, &len) < 0) {
		fail(rd, _("cannot read %s: %s"), path, util_strerror(errno));
		free(path);
		return -1;
	}
	segment_parse_name(name, st, &first, &last);
	sig = sign_segment(rd, name, data, len, first, last);
	signame = xasprintf("%s.minisig", name);
	if (put_file(rd->outbox, signame, sig, strlen(sig)) < 0 || util_fsync_dir(rd->outbox) < 0) {
		fail(rd, _("cannot write %s/%s: %s"), rd->outbox, signame, util_strerror(errno));
		ret = -1;
	}
	free(signame);
	free(sig);
	free(data);
	free(path);
	return ret;
}

/* Out of the outbox into sent/: the segment first, so that a crash in
 * between leaves at worst a stray signature, removed next time. */
static int move_sent(struct round *rd, const char *name)
{
	char *a = xasprintf("%s/%s", rd->outbox, name), *b = xasprintf("%s/%s", rd->sent, name);
	char *as = xasprintf("%s.minisig", a), *bs = xasprintf("%s.minisig", b);
	int ret = 0;

	if (rename(a, b) < 0 || rename(as, bs) < 0 || util_fsync_dir(rd->sent) < 0 ||
	    util_fsync_dir(rd->outbox) < 0) {
		fail(rd, _("cannot move %s to %s: %s"), a, rd->sent, util_strerror(errno));
		ret = -1;
	}
	free(a);
	free(b);
	free(as);
	free(bs);
	return ret;
}

/* Signatures whose segment is no longer in the outbox. */
static void remove_stray_signatures(struct round *rd)
{
	DIR *d = opendir(rd->outbox);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char *p;

		if (n <= 8 || strcmp(e->d_name + n - 8, ".minisig") != 0)
			continue;
		p = xasprintf("%s/%.*s", rd->outbox, (int)(n - 8), e->d_name);
		if (access(p, F_OK) < 0 && errno == ENOENT) {
			char *s = xasprintf("%s/%s", rd->outbox, e->d_name);

			unlink(s);
			free(s);
		}
		free(p);
	}
	closedir(d);
}

/* Keep sent/ bounded: the oldest go first, the newest always stays (it
 * tells where the cut is should .cut be lost). */
static void prune_sent(struct round *rd)
{
	struct names l;
	off_t total = 0;
	bool removed = false;

	if (list_segments(rd->sent, rd->t->station_id, &l, NULL) < 0)
		return;
	for (size_t i = 0; i < l.n; i++) {
		char *p = xasprintf("%s/%s", rd->sent, l.v[i]);
		struct stat st;

		if (stat(p, &st) == 0)
			total += st.st_size;
		free(p);
	}
	for (size_t i = 0; i + 1 < l.n && (l.n - i > SENT_KEEP_FILES || total > SENT_KEEP_BYTES);
	     i++) {
		char *p = xasprintf("%s/%s", rd->sent, l.v[i]), *s = xasprintf("%s.minisig", p);
		struct stat st;

		if (stat(p, &st) == 0)
			total -= st.st_size;
		unlink(s);
		unlink(p);
		removed = true;
		free(p);
		free(s);
	}
	if (removed)
		util_fsync_dir(rd->sent);
	names_free(&l);
}

static int send_outbox(struct round *rd)
{
	struct names l;
	int ret = 0;

	remove_stray_signatures(rd);
	if (list_segments(rd->outbox, rd->t->station_id, &l, NULL) < 0) {
		fail(rd, _("cannot read %s: %s"), rd->outbox, util_strerror(errno));
		return -1;
	}
	rd->r->outbox = (int)l.n;
	for (size_t i = 0; i < l.n && ret == 0; i++) {
		char *path = xasprintf("%s/%s", rd->outbox, l.v[i]);
		char *sigpath = xasprintf("%s.minisig", path);
		char *url = url_for(rd->t, l.v[i]), *sigurl = xasprintf("%s.minisig", url);

		if (ensure_signature(rd, l.v[i]) < 0 ||
		    put_path(rd, url, path, "application/x-ndjson", l.v[i]) < 0 ||
		    put_path(rd, sigurl, sigpath, "text/plain", l.v[i]) < 0 ||
		    move_sent(rd, l.v[i]) < 0) {
			ret = -1;
		} else {
			rd->r->sent++;
			rd->r->outbox--;
			note(rd, "sent", l.v[i]);
		}
		free(path);
		free(sigpath);
		free(url);
		free(sigurl);
	}
	names_free(&l);
	prune_sent(rd);
	return ret;
}

/*
 * What the province has of the log: the last seq of the newest segment in
 * sent/ (delivered, 2xx) and the chain hash of that line, for status.json
 * to vouch for (loaxa-province verify holds the segments to it). 0 when
 * nothing was delivered yet.
 */
static uint64_t delivered(struct round *rd, char hex[65])
{
	char st[SEGMENT_STATION_MAX + 1], *path, *data;
	uint64_t first, last = 0;
	struct names l;
	size_t len, start;

	hex[0] = '\0';
	if (list_segments(rd->sent, rd->t->station_id, &l, NULL) < 0 || l.n == 0) {
		names_free(&l);
		return 0;
	}
	path = xasprintf("%s/%s", rd->sent, l.v[l.n - 1]);
	if (segment_parse_name(l.v[l.n - 1], st, &first, &last) == 0 &&
	    util_read_file(path, (size_t)SEGMENT_MAX_LINES * 65536, &data, &len) == 0) {
		if (len > 0 && data[len - 1] == '\n') {
			for (start = len - 1; start > 0 && data[start - 1] != '\n'; start--)
				;
			airlog_chain_hash(data + start, len - start, hex);
		} else {
			last = 0;
		}
		free(data);
	} else {
		log_warn(_("upload: cannot read %s"), path);
		last = 0;
	}
	free(path);
	names_free(&l);
	return last;
}

/* PUT len bytes of body to the station's folder as name. */
static int put_text(struct round *rd, const char *name, const char *body, const char *type)
{
	FILE *f = fmemopen((void *)body, strlen(body), "r");
	char *url;
	int r;

	if (!f) {
		fail(rd, "%s: %s", name, util_strerror(errno));
		return -1;
	}
	url = url_for(rd->t, name);
	r = put(rd, url, f, (curl_off_t)strlen(body), type, name);
	fclose(f);
	free(url);
	return r;
}

static int send_status(struct round *rd, const char *status_json)
{
	json_t *o = status_json ? json_loads(status_json, 0, NULL) : NULL;
	char now[48], hex[65], *text, *body, *sig, *tc, *untrusted;
	uint64_t seq;
	int r;

	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	if (!json_object_get(o, "station"))
		json_object_set_new(o, "station", json_string(rd->t->station_id));
	util_format_time(now, sizeof now, util_now_real(), false);
	json_object_set_new(o, "outbox", json_integer(rd->r->outbox));
	json_object_set_new(o, "updated", json_string(now));
	json_object_set_new(o, "log_last_seq", json_integer((json_int_t)rd->last_cut));
	seq = delivered(rd, hex);
	json_object_set_new(o, "log_delivered_seq", json_integer((json_int_t)seq));
	if (seq)
		json_object_set_new(o, "log_delivered_sha256", json_string(hex));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text) {
		fail(rd, _("status.json: cannot format it"));
		return -1;
	}
	body = xasprintf("%s\n", text);
	free(text);
	/* Signed like a segment, so that it cannot be edited to hide a
	 * deleted segment. */
	tc = xasprintf("station:%s file:status.json updated:%s", rd->t->station_id, now);
	untrusted = xasprintf("signature from loaxa station %s", rd->t->station_id);
	sig = minisig_sign(&rd->sk, body, strlen(body), untrusted, tc);
	if (!sig)
		fatalx("cannot sign status.json");
	/* Two files cannot change at once: a round cut between them (kill,
	 * power cut) would leave a status.json its signature does not match
	 * until the next round, days away on a dark station. So the new
	 * signature goes first beside the old pair, then the new status.json,
	 * then the signature in its own place; the verifier accepts either
	 * signature (provreport.c), and at every moment one of them fits. */
	r = put_text(rd, "status.json.next.minisig", sig, "text/plain");
	if (r == 0)
		r = put_text(rd, "status.json", body, "application/json");
	if (r == 0)
		r = put_text(rd, "status.json.minisig", sig, "text/plain");
	free(tc);
	free(untrusted);
	free(sig);
	free(body);
	if (r == 0) {
		rd->r->status_sent = true;
		note(rd, "status", "status.json");
	}
	return r;
}

/* --- a round -------------------------------------------------------------------- */

static void opts_defaults(struct upload_opts *dst, const struct upload_opts *src)
{
	memset(dst, 0, sizeof *dst);
	if (src)
		*dst = *src;
	if (dst->connect_timeout <= 0)
		dst->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	if (dst->low_speed_time <= 0)
		dst->low_speed_time = DEFAULT_LOW_SPEED_TIME;
	if (dst->low_speed_limit <= 0)
		dst->low_speed_limit = DEFAULT_LOW_SPEED_LIMIT;
}

static int count_outbox(const struct target *t)
{
	char *dir = xasprintf("%s/outbox", t->state_dir);
	struct names l;
	int n = 0;

	if (list_segments(dir, t->station_id, &l, NULL) == 0) {
		n = (int)l.n;
		names_free(&l);
	}
	free(dir);
	return n;
}

/*
 * outbox/.seen: the day files read to the end at the last cut, one a line,
 * "NAME SIZE MTIME_S MTIME_NS MAX_SEQ", so that a round (a process of its
 * own) does not read a year of log again. Only a cache: a missing or
 * damaged file means reading every day file, and a file whose size or
 * mtime changed is read again.
 */
static void seen_load(const char *outbox, struct seen *sn)
{
	char *path = xasprintf("%s/.seen", outbox), *buf, *line, *save = NULL;
	size_t len;

	memset(sn, 0, sizeof *sn);
	if (util_read_file(path, 4 * 1024 * 1024, &buf, &len) < 0) {
		free(path);
		return;
	}
	free(path);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct seen_file f = {0};
		long long size, sec, nsec;
		unsigned long long max;

		if (sscanf(line, "%31s %lld %lld %lld %llu", f.name, &size, &sec, &nsec, &max) !=
		        5 ||
		    !airlog_is_day_name(f.name))
			continue;
		f.size = (off_t)size;
		f.mtime = (struct timespec){.tv_sec = (time_t)sec, .tv_nsec = (long)nsec};
		f.max_seq = (uint64_t)max;
		sn->v = xreallocarray(sn->v, sn->n + 1, sizeof *sn->v);
		sn->v[sn->n++] = f;
	}
	free(buf);
}

static void seen_save(const char *outbox, const struct seen *sn)
{
	char *path = xasprintf("%s/.seen", outbox), *text = xstrdup(""), *next;

	for (size_t i = 0; i < sn->n; i++) {
		const struct seen_file *f = &sn->v[i];

		next =
		    xasprintf("%s%s %lld %lld %ld %" PRIu64 "\n", text, f->name, (long long)f->size,
		              (long long)f->mtime.tv_sec, f->mtime.tv_nsec, f->max_seq);
		free(text);
		text = next;
	}
	if (util_write_atomic(path, text, strlen(text), 0640) < 0)
		log_warn(_("cannot write %s"), path);
	free(text);
	free(path);
}

/* Cut, then (with a log_url) deliver the outbox and the status. */
static int run_round(const struct target *t, const struct upload_opts *o, const char *status_json,
                     struct upload_report *r)
{
	struct round rd = {.t = t, .r = r};
	struct seen seen = {0};
	bool hold = o && o->hold;
	char *keypath = xasprintf("%s/station.key", t->state_dir);
	const char *why;
	int lockfd = -1, ret = -1, cut_ok;

	memset(r, 0, sizeof *r);
	opts_defaults(&rd.o, o);
	rd.outbox = xasprintf("%s/outbox", t->state_dir);
	rd.sent = xasprintf("%s/outbox/sent", t->state_dir);
	rd.airlog = xasprintf("%s/airlog", t->state_dir);
	if (util_mkdirs(rd.sent, 0750) < 0) {
		fail(&rd, _("cannot create %s: %s"), rd.sent, util_strerror(errno));
		goto out;
	}
	lockfd = open(rd.outbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		fail(&rd, _("%s is in use by another process"), rd.outbox);
		goto out;
	}
	if (stationkey_read(keypath, &rd.sk, &why) < 0) {
		fail(&rd, _("cannot use the station key %s: %s"), keypath, _(why));
		r->outbox = count_outbox(t);
		goto out;
	}
	if (!hold) {
		seen_load(rd.outbox, &seen);
		rd.seen = &seen;
	}
	/* What is already in the outbox goes out even if cutting fails. */
	cut_ok = cut(&rd, hold);
	if (rd.seen && cut_ok == 0)
		seen_save(rd.outbox, &seen);
	if (!t->log_url) {
		r->outbox = count_outbox(t);
		ret = cut_ok;
		goto out;
	}
	if (send_outbox(&rd) < 0 || send_status(&rd, status_json) < 0)
		goto out;
	ret = cut_ok;
out:
	sodium_memzero(&rd.sk, sizeof rd.sk);
	if (lockfd >= 0)
		close(lockfd);
	free(keypath);
	free(seen.v);
	free(rd.outbox);
	free(rd.sent);
	free(rd.airlog);
	return r->reason[0] ? -1 : ret;
}

static void target_from_conf(struct target *t, const struct conf *c)
{
	t->station_id = c->station_id;
	t->state_dir = c->state_dir;
	t->log_url = c->province.log_url && *c->province.log_url ? c->province.log_url : NULL;
	t->ca_file = c->province.ca_file;
	t->pinned_public_key = c->province.pinned_public_key;
}

int upload_cut(const char *state_dir, const char *station_id, const struct upload_opts *o,
               struct upload_report *r)
{
	struct target t = {.station_id = (char *)station_id, .state_dir = (char *)state_dir};

	if (sodium_init() < 0)
		fatalx("libsodium cannot be initialised");
	return run_round(&t, o, NULL, r);
}

int upload_run_once(const struct conf *c, const struct upload_opts *o, const char *status_json,
                    struct upload_report *r)
{
	struct target t;
	int ret;

	target_from_conf(&t, c);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		memset(r, 0, sizeof *r);
		snprintf(r->reason, sizeof r->reason, "%s",
		         _("cannot initialise libsodium or libcurl"));
		return -1;
	}
	ret = run_round(&t, o, status_json, r);
	curl_global_cleanup();
	return ret;
}
