/*
 * sync: the transfer side of the province sync, one round of it (run in
 * loaxad-net; the daemon's thread is sync_thread.c).
 *
 * Files in state_dir that belong to this module:
 *   manifest.json, manifest.json.minisig   the active manifest (the switch)
 *   sync-state.json                        ETag/Last-Modified of the active
 *                                          manifest, highest version accepted,
 *                                          the clock at the last sync on a
 *                                          trusted clock
 *   store/<sha256>.<ext>                   verified files, content-addressed
 *   store/partial/<sha256>.<ext>.part      downloads in progress (resumable)
 * Nothing else in state_dir is ever written or removed here: the as-run log
 * and the outbox are not ours (the as-run log is read for its newest time:
 * see time_floor()).
 *
 * A file enters store/ only by rename after its size and SHA-256 matched,
 * and manifest.json changes only when every file it names is in store/: a
 * power cut at any moment leaves either the old or the new manifest active,
 * each with all its files.
 */
#include "sync.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "airlog.h"
#include "i18n.h"
#include "manifest.h"
#include "net.h"
#include "minisig.h"
#include "util.h"

#define DEFAULT_LOW_SPEED_LIMIT 100
#define DEFAULT_LOW_SPEED_TIME  60
#define DEFAULT_CONNECT_TIMEOUT 30
#define DEFAULT_RESERVE_BYTES   ((int64_t)32 * 1024 * 1024)
/* Manifest and signature: small, so a whole transfer has a time limit. */
#define SMALL_FETCH_TIMEOUT 300
#define STATE_MAX_BYTES     (64 * 1024)
#define BACKOFF_FIRST_S     30
#define EVENT_QUEUE_LEN     16

/* What one sync needs from the config (borrowed or owned copies). */
struct target {
	char *station_id;
	char *state_dir;
	char *manifest_url;
	char *public_key;
	char *ca_file;
	char *pinned_public_key;
	int64_t max_download_bytes;
};

/* What sync-state.json remembers between syncs. */
struct saved {
	char *url;
	char *etag;
	char *last_modified;
	uint64_t version;
	time_t trusted_time; /* the clock at the last sync on a trusted clock */
};

/* sync-state.json is written again for trusted_time alone at most this
 * often (an SD card's writes are not free). */
#define TRUSTED_TIME_EVERY_S 3600

struct run {
	const struct target *t;
	struct sync_opts o;
	struct sync_result *r;
	char *store;
	char *partial;
	time_t now;          /* the clock when the round began */
	bool trusted;        /* and whether it is trusted (clock_trusted()) */
	time_t trusted_time; /* the newest trusted reading, for sync-state.json */
};

static void fail(struct run *run, const char *fmt, ...) MSG_PRINTF(2, 3);

/* A string cut short may end inside a UTF-8 sequence (translated
 * messages): drop the incomplete character, status.json must stay UTF-8. */
static void utf8_trim(char *s)
{
	size_t n = strlen(s), start = n, len;
	unsigned char lead;

	while (start > 0 && ((unsigned char)s[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0)
		return;
	lead = (unsigned char)s[start - 1];
	len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	if (n - (start - 1) < len)
		s[start - 1] = '\0';
}

/* The first reason is the one that counts: later ones are consequences. */
static void fail(struct run *run, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (run->r->reason[0])
		return;
	va_start(ap, fmt);
	n = vsnprintf(run->r->reason, sizeof run->r->reason, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof run->r->reason)
		utf8_trim(run->r->reason);
}

/* --- sync-state.json ----------------------------------------------------- */

static void saved_free(struct saved *s)
{
	free(s->url);
	free(s->etag);
	free(s->last_modified);
	memset(s, 0, sizeof *s);
}

static char *json_strdup_or_null(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && strlen(s) < NET_HEADER_MAX * 8 ? xstrdup(s) : NULL;
}

static void saved_load(const struct target *t, struct saved *s)
{
	char *path = xasprintf("%s/sync-state.json", t->state_dir);
	char *buf;
	size_t len;
	json_t *root;
	json_t *v;

	memset(s, 0, sizeof *s);
	if (util_read_file(path, STATE_MAX_BYTES, &buf, &len) < 0) {
		if (errno != ENOENT)
			log_warn("sync: %s", path);
		free(path);
		return;
	}
	root = json_loadb(buf, len, 0, NULL);
	if (!json_is_object(root)) {
		log_warnx(_("sync: %s is damaged; ignoring it"), path);
	} else {
		s->url = json_strdup_or_null(root, "url");
		s->etag = json_strdup_or_null(root, "etag");
		s->last_modified = json_strdup_or_null(root, "last_modified");
		v = json_object_get(root, "version");
		if (json_is_integer(v) && json_integer_value(v) > 0)
			s->version = (uint64_t)json_integer_value(v);
		v = json_object_get(root, "trusted_time");
		if (json_is_integer(v) && json_integer_value(v) > 0)
			s->trusted_time = (time_t)json_integer_value(v);
	}
	json_decref(root);
	free(buf);
	free(path);
}

static void saved_store(const struct target *t, const struct saved *s)
{
	char *path = xasprintf("%s/sync-state.json", t->state_dir);
	json_t *root =
	    json_pack("{s:s?, s:s?, s:s?, s:I, s:I}", "url", s->url, "etag", s->etag,
	              "last_modified", s->last_modified, "version", (json_int_t)s->version,
	              "trusted_time", (json_int_t)s->trusted_time);
	char *text = json_dumps(root, JSON_SORT_KEYS);

	if (!text || util_write_atomic(path, text, strlen(text), 0644) < 0)
		log_warn("sync: %s", path);
	free(text);
	json_decref(root);
	free(path);
}

/* --- curl ------------------------------------------------------------------ */

static CURL *easy_new(struct run *run, const char *url, char *errbuf, struct net_headers *h)
{
	const struct target *t = run->t;
	struct net_opts no = {.protocols = "http,https,file",
	                      .ca_file = t->ca_file,
	                      .pinned_public_key = t->pinned_public_key,
	                      .connect_timeout = run->o.connect_timeout,
	                      .low_speed_limit = run->o.low_speed_limit,
	                      .low_speed_time = run->o.low_speed_time};
	CURL *c = net_easy(url, &no, errbuf);

	if (!c)
		return NULL;
	net_follow_redirects(c, url);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, net_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	return c;
}

/* GET url into memory, at most max bytes. cond: conditional headers, NULL
 * for none. Returns the HTTP status (200 for file://), or -1 after fail(). */
static long fetch_small(struct run *run, const char *what, const char *url, size_t max,
                        const struct saved *cond, struct net_headers *h, struct net_sink *out)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	CURLcode rc;
	long code = 0;
	CURL *c;

	*out = (struct net_sink){.fd = -1, .max = max};
	memset(h, 0, sizeof *h);
	c = easy_new(run, url, errbuf, h);
	if (!c) {
		fail(run, _("%s: cannot start a transfer"), what);
		return -1;
	}
	if (cond)
		hdrs = net_conditional(cond->etag, cond->last_modified);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, net_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)SMALL_FETCH_TIMEOUT);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	run->r->bytes_downloaded += (int64_t)out->len;
	if (rc == CURLE_OK && !net_is_http(url))
		code = 200;
	if (out->overflow || rc == CURLE_FILESIZE_EXCEEDED) {
		fail(run, _("%s: larger than %zu bytes"), what, max);
	} else if (rc != CURLE_OK) {
		fail(run, "%s: %s", what, net_reason(rc, errbuf));
	} else if (code != 200 && code != 304) {
		fail(run, _("%s: unexpected HTTP status %ld"), what, code);
	} else {
		if (!out->data)
			out->data = xstrdup("");
		return code;
	}
	free(out->data);
	out->data = NULL;
	return -1;
}

/* --- downloads ------------------------------------------------------------- */

struct download {
	struct run *run;
	CURL *curl;
	bool http;
	int fd;
	int64_t have;  /* bytes in the part file when the transfer started */
	int64_t pos;   /* where the next byte goes */
	int64_t bytes; /* declared size */
	bool started;
	bool discard; /* the part file cannot be resumed: remove it */
	struct net_headers h;
	char problem[200];
};

static size_t file_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct download *d = arg;
	size_t done = 0;

	(void)size;
	if (!d->started) {
		long code = 0;

		d->started = true;
		if (d->http)
			curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &code);
		if (d->http && code == 206) {
			if (!d->h.have_range || d->h.range_start != d->have) {
				snprintf(d->problem, sizeof d->problem,
				         _("the server sent another range than asked for"));
				d->discard = true;
				return 0;
			}
		} else if (d->http && code == 200 && d->have > 0) {
			/* The server ignored Range: what it sends starts at 0. */
			log_info(_("sync: the server ignored Range; starting over from 0"));
			if (ftruncate(d->fd, 0) < 0) {
				snprintf(d->problem, sizeof d->problem, "%s", util_strerror(errno));
				d->discard = true;
				return 0;
			}
			d->pos = 0;
		} else if (d->http && code != 200) {
			snprintf(d->problem, sizeof d->problem, _("unexpected HTTP status %ld"),
			         code);
			return 0;
		}
	}
	if ((int64_t)n > d->bytes - d->pos) {
		snprintf(d->problem, sizeof d->problem,
		         _("the server sent more than the declared %" PRId64 " bytes"), d->bytes);
		d->discard = true;
		return 0;
	}
	while (done < n) {
		ssize_t w = pwrite(d->fd, p + done, n - done, (off_t)(d->pos + (int64_t)done));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* Disk full or worse: nothing half-written may stay. */
			snprintf(d->problem, sizeof d->problem, "%s",
			         util_strerror(w < 0 ? errno : ENOSPC));
			d->discard = true;
			return 0;
		}
		done += (size_t)w;
	}
	d->pos += (int64_t)n;
	d->run->r->bytes_downloaded += (int64_t)n;
	return n;
}

/* Fetch what the part file lacks. 0 when it holds e->bytes bytes. */
static int transfer(struct run *run, const struct manifest_entry *e, int fd, int64_t have)
{
	char *base = net_base_url(run->t->manifest_url);
	char *url = xasprintf("%s%s", base, e->path);
	struct download d = {.run = run, .fd = fd, .have = have, .pos = have, .bytes = e->bytes};
	char errbuf[CURL_ERROR_SIZE], range[32];
	CURLcode rc;
	long code = 0;
	int ret = -1;

	free(base);
	d.http = net_is_http(url);
	d.curl = easy_new(run, url, errbuf, &d.h);
	if (!d.curl) {
		fail(run, _("%s: cannot start a transfer"), e->path);
		free(url);
		return -1;
	}
	if (have > 0) {
		snprintf(range, sizeof range, "%" PRId64 "-", have);
		curl_easy_setopt(d.curl, CURLOPT_RANGE, range);
		log_info(_("sync: %s: resuming at byte %" PRId64), e->path, have);
	}
	curl_easy_setopt(d.curl, CURLOPT_WRITEFUNCTION, file_write_cb);
	curl_easy_setopt(d.curl, CURLOPT_WRITEDATA, &d);
	/* A server that ignores Range announces the whole file: e->bytes is the
	 * most any answer may announce. */
	curl_easy_setopt(d.curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)e->bytes);
	rc = curl_easy_perform(d.curl);
	curl_easy_getinfo(d.curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(d.curl);

	if (d.problem[0]) {
		fail(run, "%s: %s", e->path, d.problem);
	} else if (rc == CURLE_FILESIZE_EXCEEDED) {
		fail(run, _("%s: the server announces more than the declared %" PRId64 " bytes"),
		     e->path, e->bytes);
		d.discard = true;
	} else if (rc == CURLE_HTTP_RETURNED_ERROR && code == 416) {
		/* Our part is longer than the server's file: start over. */
		fail(run, _("%s: the server has fewer bytes than we already have"), e->path);
		d.discard = true;
	} else if (rc != CURLE_OK) {
		fail(run, "%s: %s", e->path, net_reason(rc, errbuf));
	} else if (d.pos != e->bytes) {
		fail(run, _("%s: %" PRId64 " bytes of %" PRId64 " arrived"), e->path, d.pos,
		     e->bytes);
	} else {
		ret = 0;
	}
	if (d.discard && ftruncate(fd, 0) < 0)
		log_warn("sync: %s", e->path);
	free(url);
	return ret;
}

static int download(struct run *run, const struct manifest_entry *e)
{
	char *part = xasprintf("%s/%s.part", run->partial, e->name);
	char *dest = xasprintf("%s/%s", run->store, e->name);
	char hex[65];
	struct stat st;
	int64_t have;
	int fd, ret = -1;

	fd = open(part, O_RDWR | O_CREAT | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || util_check_regular(fd) < 0 || fstat(fd, &st) < 0) {
		fail(run, "%s: %s", part, util_strerror(errno));
		goto out;
	}
	have = st.st_size;
	if (have > e->bytes) {
		/* Not a prefix of this file, whatever it is. */
		if (ftruncate(fd, 0) < 0) {
			fail(run, "%s: %s", part, util_strerror(errno));
			goto out;
		}
		have = 0;
	}
	if (have < e->bytes && transfer(run, e, fd, have) < 0) {
		/* What did arrive is kept for the next try (resume). */
		if (fsync(fd) < 0)
			log_warn("sync: %s", part);
		if (fstat(fd, &st) == 0 && st.st_size == 0)
			unlink(part);
		goto out;
	}
	if (fsync(fd) < 0) {
		fail(run, "%s: %s", part, util_strerror(errno));
		goto out;
	}
	if (util_sha256_file(part, hex) < 0) {
		fail(run, "%s: %s", part, util_strerror(errno));
		goto out;
	}
	if (strcmp(hex, e->sha256) != 0) {
		fail(run, _("%s: SHA-256 mismatch (got %s); discarded"), e->path, hex);
		log_warnx(_("sync: %s: SHA-256 is %s, not %s; file discarded"), e->path, hex,
		          e->sha256);
		unlink(part);
		goto out;
	}
	if (rename(part, dest) < 0 || util_fsync_dir(run->store) < 0) {
		fail(run, "%s: %s", dest, util_strerror(errno));
		goto out;
	}
	util_fsync_dir(run->partial);
	log_info(_("sync: %s: %" PRId64 " bytes verified"), e->path, e->bytes);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(part);
	free(dest);
	return ret;
}

/* --- the files a manifest needs -------------------------------------------- */

static int cmp_entry_name(const void *a, const void *b)
{
	const struct manifest_entry *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* The entries this station needs, one per store name, sorted by it. */
static const struct manifest_entry **needed_files(const struct manifest *m, size_t *n)
{
	const struct manifest_entry **v = xcalloc(m->nprogrammes + m->nschedules, sizeof *v);
	size_t k = 0;

	for (size_t i = 0; i < m->nprogrammes; i++)
		if (m->programmes[i].for_station)
			v[k++] = &m->programmes[i];
	for (size_t i = 0; i < m->nschedules; i++)
		if (m->schedules[i].for_station)
			v[k++] = &m->schedules[i];
	qsort(v, k, sizeof *v, cmp_entry_name);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (*n == 0 || strcmp(v[*n - 1]->name, v[i]->name) != 0)
			v[(*n)++] = v[i];
	return v;
}

/*
 * Is the store file of e there (verify: and is its content what its name
 * says)? A store file is named by its SHA-256 and leaves the store only when
 * no active manifest names it (collect_garbage); content that matches its
 * name is never removed here, whatever a manifest declares about it. A
 * manifest that gives such a file another size declares what cannot be (a
 * content has one size): *conflict says so, and the manifest is refused.
 * Only a file whose content is not its name's (damaged) is removed.
 */
static bool in_store(struct run *run, const struct manifest_entry *e, bool verify, bool *conflict)
{
	char *path = xasprintf("%s/%s", run->store, e->name);
	struct stat st;
	char hex[65];
	bool ok = false;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			log_warn("sync: %s", path);
	} else if (!S_ISREG(st.st_mode)) {
		log_warnx(_("sync: %s is not a regular file; fetching it again"), path);
		unlink(path);
	} else if (st.st_size == e->bytes && !verify) {
		ok = true;
	} else if (util_sha256_file(path, hex) < 0) {
		log_warn("sync: %s", path);
	} else if (strcmp(hex, e->sha256) != 0) {
		log_warnx(_("sync: %s does not match its SHA-256; fetching it again"), path);
		unlink(path);
	} else if (st.st_size != e->bytes) {
		log_warnx(_("sync: %s: the manifest declares %" PRId64 " bytes, but %s, verified, "
		            "has %lld; the file is kept"),
		          e->path, e->bytes, path, (long long)st.st_size);
		fail(run,
		     _("manifest rejected: %s: declares %" PRId64 " bytes, but the verified "
		       "file of that SHA-256 has %lld"),
		     e->path, e->bytes, (long long)st.st_size);
		*conflict = true;
	} else {
		ok = true;
	}
	free(path);
	return ok;
}

static int64_t part_size(struct run *run, const struct manifest_entry *e)
{
	char *part = xasprintf("%s/%s.part", run->partial, e->name);
	struct stat st;
	int64_t n = lstat(part, &st) == 0 && st.st_size <= e->bytes ? st.st_size : 0;

	free(part);
	return n;
}

/* Every file of m for this station into the store. 0 when all are there. */
static int fetch_files(struct run *run, const struct manifest *m, bool verify)
{
	size_t n, nmissing = 0;
	const struct manifest_entry **need = needed_files(m, &n);
	const struct manifest_entry **missing = xcalloc(n, sizeof *missing);
	int64_t want = 0;
	struct statvfs vfs;
	bool conflict = false;
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		if (!in_store(run, need[i], verify, &conflict)) {
			missing[nmissing++] = need[i];
			want += need[i]->bytes - part_size(run, need[i]);
		}
	}
	if (conflict) {
		/* in_store() said why; nothing of this manifest is fetched */
		ret = -1;
	} else if (nmissing > 0 && statvfs(run->store, &vfs) == 0) {
		int64_t avail = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;

		/* The as-run log lives on the same card: keep room for it. */
		if (want > avail - run->o.reserve_bytes) {
			fail(run,
			     _("not enough disk space: %" PRId64 " bytes to fetch, %" PRId64
			       " free, %" PRId64 " kept free"),
			     want, avail, run->o.reserve_bytes);
			ret = -1;
		}
	}
	for (size_t i = 0; i < nmissing && ret == 0; i++) {
		if (download(run, missing[i]) < 0)
			ret = -1;
	}
	free(missing);
	free(need);
	return ret;
}

static bool name_needed(const struct manifest_entry **need, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, need[mid]->name);

		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* Remove from dir what has a store name (and suffix) m does not need. */
static void remove_unneeded(const char *dir, const char *suffix, const struct manifest_entry **need,
                            size_t n)
{
	size_t slen = strlen(suffix);
	DIR *d = opendir(dir);
	struct dirent *de;
	bool removed = false;

	if (!d) {
		log_warn("sync: %s", dir);
		return;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[NAME_MAX + 1];

		if (len <= slen || strcmp(de->d_name + len - slen, suffix) != 0 ||
		    !manifest_is_store_name(de->d_name))
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(len - slen), de->d_name);
		if (name_needed(need, n, name))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0) {
			log_warn("sync: %s/%s", dir, de->d_name);
		} else {
			log_info(_("sync: removed %s/%s, no longer needed"), dir, de->d_name);
			removed = true;
		}
	}
	closedir(d);
	if (removed)
		util_fsync_dir(dir);
}

static void collect_garbage(struct run *run, const struct manifest *m)
{
	size_t n;
	const struct manifest_entry **need = needed_files(m, &n);

	remove_unneeded(run->store, "", need, n);
	remove_unneeded(run->partial, ".part", need, n);
	free(need);
}

/* --- one sync -------------------------------------------------------------- */

struct active {
	char *buf; /* manifest.json bytes, NULL if none */
	size_t len;
	struct manifest m; /* parsed; m.version 0 if it did not parse */
	bool parsed;
};

static void active_load(struct run *run, struct active *a)
{
	char *path = xasprintf("%s/manifest.json", run->t->state_dir);
	struct manifest_check chk = {.station_id = run->t->station_id};
	struct diag why = {0};

	memset(a, 0, sizeof *a);
	if (util_read_file(path, MANIFEST_MAX_BYTES, &a->buf, &a->len) < 0) {
		if (errno != ENOENT)
			log_warn("sync: %s", path);
		a->buf = NULL;
	} else if (manifest_parse(&a->m, a->buf, a->len, path, &chk, &why) < 0) {
		log_warnx(_("sync: the active manifest %s does not parse (%s); replacing it"), path,
		          why.n ? why.msgs[0] : "?");
	} else {
		a->parsed = true;
	}
	diag_free(&why);
	free(path);
}

static void active_free(struct active *a)
{
	free(a->buf);
	if (a->parsed)
		manifest_free(&a->m);
	memset(a, 0, sizeof *a);
}

static bool clock_trusted(const struct sync_opts *o)
{
	if (o->clock_trusted)
		return o->clock_trusted > 0;
	return util_clock_synced();
}

/*
 * A time the station knows has passed, whatever its clock reads now: the
 * newest as-run line, the active manifest's "issued" (the province's
 * clock, signed) and the clock at the last sync on a trusted clock. An
 * untrusted clock that reads earlier (no RTC, no NTP) is checked against
 * it, so that a replayed manifest cannot be accepted for ever.
 */
static time_t time_floor(const struct run *run, const struct active *a, const struct saved *s)
{
	char *dir = xasprintf("%s/airlog", run->t->state_dir);
	time_t floor = s->trusted_time;
	struct timespec last;

	if (a->parsed && a->m.issued > floor)
		floor = a->m.issued;
	if (airlog_newest_time(dir, &last) == 0 && last.tv_sec > floor)
		floor = last.tv_sec;
	free(dir);
	return floor;
}

static int verify_and_check(struct run *run, const struct net_sink *man, const struct net_sink *sig,
                            const struct active *a, const struct saved *s, uint64_t last_version,
                            struct manifest *m)
{
	const struct target *t = run->t;
	struct minisig_pubkey pk;
	struct manifest_check chk = {
	    .station_id = t->station_id,
	    .last_version = last_version,
	    .now = run->now,
	    .clock_trusted = run->trusted,
	    .time_floor = run->trusted ? 0 : time_floor(run, a, s),
	    .max_bytes = t->max_download_bytes,
	};
	struct diag why = {0};
	const char *err = NULL;
	char *tc = NULL;

	if (!t->public_key || minisig_parse_pubkey(t->public_key, &pk) < 0) {
		fail(run, _("province.public_key is not a minisign public key"));
		return -1;
	}
	if (minisig_verify(&pk, man->data, man->len, sig->data, sig->len, &tc, &err) < 0) {
		fail(run, _("manifest rejected: signature: %s"), err ? err : "?");
		return -1;
	}
	log_debug("sync: signature verified, trusted comment: %s", tc ? tc : "");
	free(tc);
	if (a->parsed && a->m.version == last_version)
		chk.last_sha256 = a->m.sha256;
	if (manifest_parse(m, man->data, man->len, "manifest.json", &chk, &why) < 0) {
		for (size_t i = 0; i < why.n; i++)
			log_warnx("sync: %s", why.msgs[i]);
		if (why.n > 1)
			fail(run, _("manifest rejected: %s (and %zu more)"), why.msgs[0],
			     why.n - 1);
		else
			fail(run, _("manifest rejected: %s"), why.n ? why.msgs[0] : "?");
		diag_free(&why);
		return -1;
	}
	return 0;
}

static int activate(struct run *run, const struct net_sink *man, const struct net_sink *sig)
{
	char *mpath = xasprintf("%s/manifest.json", run->t->state_dir);
	char *spath = xasprintf("%s/manifest.json.minisig", run->t->state_dir);
	int ret = 0;

	/* The signature first: manifest.json is the switch, and a manifest
	 * beside a signature of the one before would look forged. */
	if (util_write_atomic(spath, sig->data, sig->len, 0644) < 0 ||
	    util_write_atomic(mpath, man->data, man->len, 0644) < 0) {
		fail(run, _("cannot activate the manifest: %s"), util_strerror(errno));
		ret = -1;
	}
	free(mpath);
	free(spath);
	return ret;
}

static void remember(struct run *run, const struct net_headers *h, uint64_t version)
{
	struct saved s = {
	    .url = run->t->manifest_url,
	    .etag = h->etag[0] ? (char *)h->etag : NULL,
	    .last_modified = h->last_modified[0] ? (char *)h->last_modified : NULL,
	    .version = version,
	    .trusted_time = run->trusted_time,
	};

	saved_store(run->t, &s);
}

static int run_sync(struct run *run)
{
	const struct target *t = run->t;
	struct sync_result *r = run->r;
	struct active a;
	struct saved s;
	struct net_headers h;
	struct net_sink man = {.fd = -1}, sig = {.fd = -1};
	struct manifest m;
	uint64_t last_version;
	bool conditional;
	char *sig_url;
	long code;
	int ret = -1;

	if (util_mkdirs(run->partial, 0755) < 0) {
		fail(run, "%s: %s", run->partial, util_strerror(errno));
		return -1;
	}
	active_load(run, &a);
	saved_load(t, &s);
	run->now = time(NULL);
	run->trusted = clock_trusted(&run->o);
	run->trusted_time = s.trusted_time;
	if (run->trusted && run->now > run->trusted_time)
		run->trusted_time = run->now;
	last_version = a.parsed ? a.m.version : 0;
	if (s.version > last_version)
		last_version = s.version;
	r->version = a.parsed ? a.m.version : 0;

	/* Conditional only when what the server would call "not modified" is
	 * the manifest that is active here, with all its files. */
	conditional = a.parsed && s.url && strcmp(s.url, t->manifest_url) == 0 &&
	              s.version == a.m.version && net_is_http(t->manifest_url);
	code = fetch_small(run, "manifest.json", t->manifest_url, MANIFEST_MAX_BYTES,
	                   conditional ? &s : NULL, &h, &man);
	if (code < 0)
		goto out;
	if (code == 304 && !conditional) {
		fail(run, _("manifest.json: 304 Not Modified to an unconditional request"));
		goto out;
	}
	if (code == 304 ||
	    (a.parsed && a.len > 0 && man.len == a.len && memcmp(man.data, a.buf, a.len) == 0)) {
		/* The active manifest is current; make sure its files still are. */
		if (fetch_files(run, &a.m, false) < 0)
			goto out;
		if (code != 304) {
			remember(run, &h, a.m.version);
		} else if (run->trusted_time >= s.trusted_time + TRUSTED_TIME_EVERY_S) {
			s.trusted_time = run->trusted_time;
			saved_store(t, &s);
		}
		r->outcome = SYNC_UNCHANGED;
		ret = 0;
		goto out;
	}

	sig_url = xasprintf("%s.minisig", t->manifest_url);
	code = fetch_small(run, "manifest.json.minisig", sig_url, MANIFEST_MAX_SIG, NULL,
	                   &(struct net_headers){0}, &sig);
	free(sig_url);
	if (code != 200) {
		if (code >= 0)
			fail(run, _("manifest.json.minisig: unexpected HTTP status %ld"), code);
		goto out;
	}
	if (verify_and_check(run, &man, &sig, &a, &s, last_version, &m) < 0)
		goto out;
	if (fetch_files(run, &m, true) < 0 || activate(run, &man, &sig) < 0) {
		manifest_free(&m);
		goto out;
	}
	remember(run, &h, m.version);
	collect_garbage(run, &m);
	log_info(_("sync: manifest version %" PRIu64 " of %s is active"), m.version, m.province);
	r->outcome = SYNC_ACTIVATED;
	r->version = m.version;
	manifest_free(&m);
	ret = 0;
out:
	if (ret < 0) {
		/* The caller logs the reason: the daemon with the event, sync-once
		 * on stdout. */
		r->outcome = SYNC_FAILED;
		if (!r->reason[0])
			fail(run, _("failed"));
		log_debug("sync failed: %s", r->reason);
	}
	free(man.data);
	free(sig.data);
	saved_free(&s);
	active_free(&a);
	return ret;
}

static void opts_defaults(struct sync_opts *o, const struct sync_opts *given)
{
	memset(o, 0, sizeof *o);
	if (given)
		*o = *given;
	if (o->low_speed_limit <= 0)
		o->low_speed_limit = DEFAULT_LOW_SPEED_LIMIT;
	if (o->low_speed_time <= 0)
		o->low_speed_time = DEFAULT_LOW_SPEED_TIME;
	if (o->connect_timeout <= 0)
		o->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	if (o->reserve_bytes <= 0)
		o->reserve_bytes = DEFAULT_RESERVE_BYTES;
}

static int run_once(const struct target *t, const struct sync_opts *o, struct sync_result *r)
{
	struct run run = {.t = t, .r = r};
	int ret;

	memset(r, 0, sizeof *r);
	opts_defaults(&run.o, o);
	run.store = xasprintf("%s/store", t->state_dir);
	run.partial = xasprintf("%s/store/partial", t->state_dir);
	ret = run_sync(&run);
	free(run.store);
	free(run.partial);
	return ret;
}

static void target_from_conf(struct target *t, const struct conf *c)
{
	t->station_id = c->station_id;
	t->state_dir = c->state_dir;
	t->manifest_url = c->province.manifest_url;
	t->public_key = c->province.public_key;
	t->ca_file = c->province.ca_file;
	t->pinned_public_key = c->province.pinned_public_key;
	t->max_download_bytes = c->province.max_download_bytes;
}

int sync_run_once_opts(const struct conf *c, const struct sync_opts *o, struct sync_result *r)
{
	struct target t;
	int ret;

	target_from_conf(&t, c);
	if (!t.manifest_url || !*t.manifest_url) {
		memset(r, 0, sizeof *r);
		r->outcome = SYNC_FAILED;
		snprintf(r->reason, sizeof r->reason, "%s", _("no province.manifest_url"));
		return -1;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		memset(r, 0, sizeof *r);
		r->outcome = SYNC_FAILED;
		snprintf(r->reason, sizeof r->reason, "%s",
		         _("cannot initialise libsodium or libcurl"));
		return -1;
	}
	ret = run_once(&t, o, r);
	curl_global_cleanup();
	return ret;
}

int sync_run_once(const struct conf *c, struct sync_result *r)
{
	return sync_run_once_opts(c, NULL, r);
}
