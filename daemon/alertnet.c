/*
 * alertnet: the alert watcher (see alertnet.h).
 *
 * One round: the index (conditional GET; on a change its signature, then
 * its checks), then the active manifest's alert files if the manifest
 * changed, then every CAP message of either that was not seen before, in
 * the order listed. A message is "seen" once it was judged for good
 * (played, cancelled, refused); a network failure on the way leaves it
 * unseen, to be tried again next round. A message whose bytes or audio
 * did not match their hash is set aside until the index changes.
 *
 * Every refusal goes to the daemon (which logs it in the as-run log)
 * once: the same bad index is not reported again while it stays the same.
 */
#include "alertnet.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alertaudio.h"
#include "alertidx.h"
#include "alertmsg.h"
#include "cap.h"
#include "i18n.h"
#include "manifest.h"
#include "minisig.h"
#include "net.h"
#include "netjob.h"
#include "util.h"

#define STATE_MAX_BYTES (4 * 1024 * 1024)
#define MAX_SEEN        4096
#define KEEP_S          (30 * 86400) /* a message is remembered this long after it ended */
#define SPEAK_TIMEOUT_S 120
#define FETCH_TIMEOUT_S 120
#define CONNECT_TIMEOUT 15
#define LOW_SPEED_LIMIT 100
#define LOW_SPEED_TIME  30

extern char **environ;

enum seen_state {
	SEEN_ACTIVE, /* given to the daemon to play; given again at start while not expired */
	SEEN_DONE,   /* ended, cancelled, a Cancel, or refused for good */
	SEEN_FAILED, /* its bytes or audio did not match: tried again when the index changes */
};

static const char *const seen_names[] = {"active", "done", "failed"};

struct seen {
	char sha256[65];
	char *sender;
	char *identifier;
	time_t expires; /* 0: not known */
	time_t seen_at;
	enum seen_state state;
	bool retry;  /* SEEN_FAILED: the index changed since (not kept) */
	json_t *msg; /* SEEN_ACTIVE: the play line, given again at start */
};

struct watcher {
	const struct conf *c;
	struct alertnet_opts o;
	CURL *h;
	char *dir; /* state_dir/alerts */
	char *speak;
	struct minisig_pubkey pk;
	bool have_pk;
	/* remembered in state.json */
	char *etag;
	char *last_modified;
	uint64_t version;
	char index_sha[65];
	char manifest_sha[65];
	struct seen *seen;
	size_t nseen;
	bool dirty;
	/* this run only */
	struct alertidx idx; /* the accepted index, while some of it waits */
	bool idx_pending;
	char waiting[65];      /* the message a network failure was last reported for */
	char refused_pair[65]; /* hash of the index and signature last refused */
	struct stat manifest_st;
	bool state_known, state_ok;
	uint64_t state_version;
	char state_reason[512];
};

/* --- output to the daemon ------------------------------------------------------ */

static void emit(const struct alertmsg *m)
{
	char *line = alertmsg_format(m);

	if (fputs(line, stdout) == EOF || fflush(stdout) != 0) {
		/* the daemon is gone */
		free(line);
		exit(0);
	}
	free(line);
}

/* The watcher's own state, to the daemon when it changes. */
static void set_state(struct watcher *w, bool ok, const char *fmt, ...) MSG_PRINTF(3, 4);

static void set_state(struct watcher *w, bool ok, const char *fmt, ...)
{
	char reason[512] = "";
	struct alertmsg m = {.kind = ALERTMSG_STATE};
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(reason, sizeof reason, fmt, ap);
		va_end(ap);
	}
	if (w->state_known && w->state_ok == ok && w->state_version == w->version &&
	    strcmp(w->state_reason, reason) == 0)
		return;
	if (!ok)
		log_warnx(_("alerts: %s"), reason);
	w->state_known = true;
	w->state_ok = ok;
	w->state_version = w->version;
	snprintf(w->state_reason, sizeof w->state_reason, "%s", reason);
	m.ok = ok;
	m.index_version = w->version;
	m.reason = reason[0] ? reason : NULL;
	emit(&m);
}

/* What is known of a message, for a refusal. */
static void describe(struct alertmsg *m, const struct cap_alert *a)
{
	const struct cap_info *info = NULL;

	if (!a)
		return;
	m->identifier = a->identifier;
	m->sender = a->sender;
	m->sent = a->sent_text;
	if (a->msg_type && (!strcmp(a->msg_type, "Alert") || !strcmp(a->msg_type, "Update") ||
	                    !strcmp(a->msg_type, "Cancel")))
		m->msg_type = a->msg_type;
	for (size_t i = 0; i < a->ninfos && !info; i++)
		if (cap_is_vietnamese(a->infos[i].language))
			info = &a->infos[i];
	if (!info && a->ninfos)
		info = &a->infos[0];
	if (info) {
		m->severity = info->severity;
		m->headline = info->headline;
		for (size_t i = 0; i < info->nparameters; i++) {
			const char *v = info->parameters[i].value;

			if (strcasecmp(info->parameters[i].name, CAP_PARAM_LEVEL) == 0 &&
			    v[0] >= '1' && v[0] <= '5' && !v[1])
				m->level = v[0] - '0';
		}
	}
}

/* A message that must wait for the network: said once, not every poll. */
static void waiting(struct watcher *w, const char *sha256, const char *path, const char *why)
{
	if (strcmp(w->waiting, sha256) == 0) {
		log_debug("alerts: %s: %s; trying again", path, why);
		return;
	}
	snprintf(w->waiting, sizeof w->waiting, "%s", sha256);
	log_warnx(_("alerts: %s: %s; trying again"), path, why);
}

static void refuse(const struct cap_alert *a, const char *sha256, const char *fmt, ...)
    MSG_PRINTF(3, 4);

static void refuse(const struct cap_alert *a, const char *sha256, const char *fmt, ...)
{
	struct alertmsg m = {.kind = ALERTMSG_REFUSED};
	char reason[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	describe(&m, a);
	if (sha256)
		snprintf(m.sha256, sizeof m.sha256, "%s", sha256);
	m.reason = reason;
	log_warnx(_("alerts: refused %s: %s"), m.identifier ? m.identifier : "alerts.json", reason);
	emit(&m);
}

/* --- state.json ---------------------------------------------------------------- */

static struct seen *find_seen(struct watcher *w, const char *sha256)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i].sha256, sha256) == 0)
			return &w->seen[i];
	return NULL;
}

static struct seen *add_seen(struct watcher *w, const char *sha256, const struct cap_alert *a,
                             time_t expires, enum seen_state st)
{
	struct seen *s = find_seen(w, sha256);

	if (!s) {
		w->seen = xreallocarray(w->seen, w->nseen + 1, sizeof *w->seen);
		s = &w->seen[w->nseen++];
		memset(s, 0, sizeof *s);
		snprintf(s->sha256, sizeof s->sha256, "%s", sha256);
	}
	if (a && !s->identifier) {
		s->sender = xstrdup(a->sender);
		s->identifier = xstrdup(a->identifier);
	}
	s->expires = expires;
	s->seen_at = time(NULL);
	s->state = st;
	s->retry = false;
	w->dirty = true;
	return s;
}

static void seen_free(struct seen *s)
{
	free(s->sender);
	free(s->identifier);
	json_decref(s->msg);
}

static char *dir_path(const struct watcher *w, const char *name)
{
	return xasprintf("%s/%s", w->dir, name);
}

static void state_load(struct watcher *w)
{
	char *path = dir_path(w, "state.json"), *buf;
	json_t *root, *list, *v;
	size_t len, i;

	if (util_read_file(path, STATE_MAX_BYTES, &buf, &len) < 0) {
		if (errno != ENOENT)
			log_warn("alerts: %s", path);
		free(path);
		return;
	}
	root = json_loadb(buf, len, 0, NULL);
	free(buf);
	if (!json_is_object(root)) {
		log_warnx(_("alerts: %s is damaged; starting afresh"), path);
		json_decref(root);
		free(path);
		return;
	}
	free(path);
	if (json_string_value(json_object_get(root, "etag")))
		w->etag = xstrdup(json_string_value(json_object_get(root, "etag")));
	if (json_string_value(json_object_get(root, "last_modified")))
		w->last_modified =
		    xstrdup(json_string_value(json_object_get(root, "last_modified")));
	v = json_object_get(root, "version");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		w->version = (uint64_t)json_integer_value(v);
	snprintf(w->index_sha, sizeof w->index_sha, "%s",
	         json_string_value(json_object_get(root, "index_sha256"))
	             ? json_string_value(json_object_get(root, "index_sha256"))
	             : "");
	snprintf(w->manifest_sha, sizeof w->manifest_sha, "%s",
	         json_string_value(json_object_get(root, "manifest_sha256"))
	             ? json_string_value(json_object_get(root, "manifest_sha256"))
	             : "");
	list = json_object_get(root, "seen");
	json_array_foreach(list, i, v)
	{
		const char *sha = json_string_value(json_object_get(v, "sha256"));
		const char *st = json_string_value(json_object_get(v, "state"));
		struct seen *s;

		if (!sha || strlen(sha) != 64 || !st || w->nseen >= MAX_SEEN)
			continue;
		w->seen = xreallocarray(w->seen, w->nseen + 1, sizeof *w->seen);
		s = &w->seen[w->nseen++];
		memset(s, 0, sizeof *s);
		memcpy(s->sha256, sha, 65);
		if (json_string_value(json_object_get(v, "sender")))
			s->sender = xstrdup(json_string_value(json_object_get(v, "sender")));
		if (json_string_value(json_object_get(v, "identifier")))
			s->identifier =
			    xstrdup(json_string_value(json_object_get(v, "identifier")));
		s->expires = (time_t)json_integer_value(json_object_get(v, "expires"));
		s->seen_at = (time_t)json_integer_value(json_object_get(v, "seen_at"));
		s->state = strcmp(st, "active") == 0   ? SEEN_ACTIVE
		           : strcmp(st, "failed") == 0 ? SEEN_FAILED
		                                       : SEEN_DONE;
		s->retry = true;
		if (s->state == SEEN_ACTIVE) {
			s->msg = json_incref(json_object_get(v, "msg"));
			if (!json_is_object(s->msg))
				s->state = SEEN_DONE;
		}
	}
	json_decref(root);
}

static void state_save(struct watcher *w)
{
	char *path = dir_path(w, "state.json"), *text;
	json_t *root, *list = json_array();

	for (size_t i = 0; i < w->nseen; i++) {
		const struct seen *s = &w->seen[i];
		json_t *o = json_pack("{s:s,s:s?,s:s?,s:I,s:I,s:s}", "sha256", s->sha256, "sender",
		                      s->sender, "identifier", s->identifier, "expires",
		                      (json_int_t)s->expires, "seen_at", (json_int_t)s->seen_at,
		                      "state", seen_names[s->state]);

		if (s->state == SEEN_ACTIVE && s->msg)
			json_object_set(o, "msg", s->msg);
		json_array_append_new(list, o);
	}
	root = json_pack("{s:s?,s:s?,s:I,s:s,s:s,s:o}", "etag", w->etag, "last_modified",
	                 w->last_modified, "version", (json_int_t)w->version, "index_sha256",
	                 w->index_sha, "manifest_sha256", w->manifest_sha, "seen", list);
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text || util_write_atomic(path, text, strlen(text), 0640) < 0)
		log_warn("alerts: %s", path);
	else
		w->dirty = false;
	free(text);
	json_decref(root);
	free(path);
}

/* --- HTTP ---------------------------------------------------------------------- */

/* GET url into k (at most k->max bytes) on the kept handle. cond: send
 * the remembered ETag and Last-Modified. Returns the HTTP status (200 for
 * file://), or -1 with why. */
static long fetch(struct watcher *w, const char *url, bool cond, struct net_headers *h,
                  struct net_sink *k, char *why, size_t why_len)
{
	const struct conf *c = w->c;
	struct net_opts no = {.protocols = "http,https,file",
	                      .ca_file = c->province.ca_file,
	                      .pinned_public_key = c->province.pinned_public_key,
	                      .connect_timeout = CONNECT_TIMEOUT,
	                      .low_speed_limit = LOW_SPEED_LIMIT,
	                      .low_speed_time = LOW_SPEED_TIME};
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	CURLcode rc;
	long code = 0;

	memset(h, 0, sizeof *h);
	curl_easy_reset(w->h);
	net_setup(w->h, url, &no, errbuf);
	net_follow_redirects(w->h, url);
	curl_easy_setopt(w->h, CURLOPT_HEADERFUNCTION, net_on_header);
	curl_easy_setopt(w->h, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION, net_on_body);
	curl_easy_setopt(w->h, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(w->h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)k->max);
	curl_easy_setopt(w->h, CURLOPT_TIMEOUT, (long)FETCH_TIMEOUT_S);
	if (cond)
		hdrs = net_conditional(w->etag, w->last_modified);
	curl_easy_setopt(w->h, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(w->h);
	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(w->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (rc == CURLE_OK && !net_is_http(url))
		code = 200;
	if (k->overflow || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(why, why_len, _("larger than %zu bytes"), k->max);
	} else if (k->write_failed) {
		snprintf(why, why_len, "%s", strerror(errno));
	} else if (rc != CURLE_OK) {
		snprintf(why, why_len, "%s", net_reason(rc, errbuf));
	} else if (code != 200 && code != 304) {
		snprintf(why, why_len, _("unexpected HTTP status %ld"), code);
	} else {
		return code;
	}
	return -1;
}

/* --- one CAP message ------------------------------------------------------------ */

/* The audio file of the publication into the alerts folder, checked. 1
 * there, 0 network trouble (try later), -1 it is not what was signed. */
static int fetch_audio(struct watcher *w, const char *base, const struct manifest_entry *e,
                       char **path, char *why, size_t why_len)
{
	char *url = xasprintf("%s%s", base, e->path), *part, hex[65];
	struct net_sink k = {.max = (size_t)e->bytes};
	struct net_headers h;
	int ret = 0;

	*path = dir_path(w, e->name);
	part = xasprintf("%s.part", *path);
	if (util_sha256_file(*path, hex) == 0 && strcmp(hex, e->sha256) == 0)
		goto done;
	k.fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (k.fd < 0) {
		snprintf(why, why_len, "%s: %s", part, strerror(errno));
		goto out;
	}
	if (fetch(w, url, false, &h, &k, why, why_len) < 0) {
		if (k.overflow)
			ret = -1;
		goto out;
	}
	if (fsync(k.fd) < 0 || close(k.fd) < 0) {
		k.fd = -1;
		snprintf(why, why_len, "%s: %s", part, strerror(errno));
		goto out;
	}
	k.fd = -1;
	if ((int64_t)k.len != e->bytes || util_sha256_file(part, hex) < 0 ||
	    strcmp(hex, e->sha256) != 0) {
		snprintf(why, why_len, _("%s: %zu bytes that do not match its SHA-256"), e->path,
		         k.len);
		ret = -1;
		goto out;
	}
	if (rename(part, *path) < 0) {
		snprintf(why, why_len, "%s: %s", *path, strerror(errno));
		goto out;
	}
done:
	ret = 1;
out:
	if (k.fd >= 0)
		close(k.fd);
	unlink(part);
	free(part);
	free(url);
	if (ret != 1) {
		free(*path);
		*path = NULL;
	}
	return ret;
}

/* loaxad-speak with text on its stdin, into path. 0, or -1 with why. */
static int speak(struct watcher *w, const char *text, const char *path, char *why, size_t why_len)
{
	const char *args[] = {"--out", path, NULL};
	int to = -1, from = -1, status = 0, err;
	pid_t pid;
	char sink[256];

	err = netjob_spawn(w->speak, args, &to, &from, &pid);
	if (err) {
		snprintf(why, why_len, _("cannot run %s: %s"), w->speak, strerror(err));
		return -1;
	}
	if (util_write_all(to, text, strlen(text)) < 0)
		log_warn("alerts: %s", w->speak);
	close(to);
	/* it prints nothing unless asked: its stdout ends when it does,
	 * a moment before the exit can be reaped */
	{
		struct timespec start = util_now_mono();
		bool open_out = true;

		for (;;) {
			double left = SPEAK_TIMEOUT_S - util_ts_diff(util_now_mono(), start);
			struct pollfd p = {.fd = from, .events = POLLIN};

			if (!open_out && waitpid(pid, &status, WNOHANG) == pid)
				break;
			if (left <= 0) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				close(from);
				snprintf(why, why_len, _("%s took longer than %d s"), w->speak,
				         SPEAK_TIMEOUT_S);
				return -1;
			}
			if (!open_out) {
				usleep(5000);
				continue;
			}
			if (poll(&p, 1, (int)(left * 1000) + 1) > 0 &&
			    read(from, sink, sizeof sink) <= 0)
				open_out = false;
		}
	}
	close(from);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, why_len,
		         _("the speech could not be made (%s failed; see the daemon's "
		           "log)"),
		         w->speak);
		return -1;
	}
	return 0;
}

/* Alerts the watcher gave to play that refs name: ended; their refs
 * kept in m (for the daemon). Returns how many. */
static size_t end_referenced(struct watcher *w, const struct cap_alert *a, struct alertmsg *m)
{
	size_t n = 0;

	m->refs = xcalloc(a->nrefs + 1, sizeof *m->refs);
	for (size_t i = 0; i < a->nrefs; i++) {
		m->refs[m->nrefs].sender = a->refs[i].sender;
		m->refs[m->nrefs].identifier = a->refs[i].identifier;
		m->nrefs++;
		for (size_t k = 0; k < w->nseen; k++) {
			struct seen *s = &w->seen[k];

			if (s->state == SEEN_ACTIVE && s->sender && s->identifier &&
			    strcmp(s->sender, a->refs[i].sender) == 0 &&
			    strcmp(s->identifier, a->refs[i].identifier) == 0) {
				s->state = SEEN_DONE;
				json_decref(s->msg);
				s->msg = NULL;
				w->dirty = true;
				n++;
			}
		}
	}
	return n;
}

struct source {
	const char *name; /* "alerts.json" or "manifest.json" */
	char *base;       /* where its files are */
	const struct manifest_entry *files;
	size_t nfiles;
	time_t now; /* the later of the clock and the signed "issued" */
};

/* Prepare and give one alert to play. 1 done, 0 try later. */
static int play(struct watcher *w, const struct source *src, const struct manifest_entry *f,
                const struct cap_alert *a, const struct cap_plan *p)
{
	char *wav = NULL, *audio = NULL, *name, why[768] = "";
	struct alertmsg m = {.kind = ALERTMSG_PLAY};
	struct seen *s;
	double duration = 0;
	int ret = 1;

	name = xasprintf("%s.wav", f->sha256);
	wav = dir_path(w, name);
	free(name);
	if (p->audio) {
		const struct manifest_entry *e =
		    alertidx_find(src->files, src->nfiles, p->audio_path);
		int r;

		if (!e) {
			refuse(a, f->sha256, _("its audio %s is not listed in %s"), p->audio_path,
			       src->name);
			add_seen(w, f->sha256, a, p->expires, SEEN_DONE);
			goto out;
		}
		r = fetch_audio(w, src->base, e, &audio, why, sizeof why);
		if (r == 0) {
			waiting(w, f->sha256, e->path, why);
			ret = 0;
			goto out;
		}
		if (r < 0) {
			refuse(a, f->sha256, "%s", why);
			add_seen(w, f->sha256, a, p->expires, SEEN_FAILED);
			goto out;
		}
	} else {
		name = xasprintf("%s.speech.wav", f->sha256);
		audio = dir_path(w, name);
		free(name);
		if (speak(w, p->text, audio, why, sizeof why) < 0) {
			refuse(a, f->sha256, "%s", why);
			add_seen(w, f->sha256, a, p->expires, SEEN_FAILED);
			goto out;
		}
	}
	if (alertaudio_prepare(audio, wav, &duration, why, sizeof why) < 0) {
		refuse(a, f->sha256, "%s", why);
		add_seen(w, f->sha256, a, p->expires, SEEN_FAILED);
		goto out;
	}
	unlink(audio);
	if (strcmp(a->msg_type, "Update") == 0)
		end_referenced(w, a, &m);
	describe(&m, a);
	m.kind = ALERTMSG_PLAY;
	m.severity = p->info->severity;
	m.headline = p->info->headline;
	m.level = p->level;
	snprintf(m.sha256, sizeof m.sha256, "%s", f->sha256);
	m.audio = wav;
	m.duration_s = duration;
	m.repeat = p->repeat;
	m.interval_s = p->interval_s;
	m.expires = p->expires;
	log_notice(_("alerts: %s from %s (%s, level %d) goes on air, %d time(s)"), a->identifier,
	           a->sender, m.severity, m.level, m.repeat);
	s = add_seen(w, f->sha256, a, p->expires, SEEN_ACTIVE);
	{
		char *line = alertmsg_format(&m);

		json_decref(s->msg);
		s->msg = json_loads(line, 0, NULL);
		free(line);
	}
	emit(&m);
	free(m.refs);
out:
	if (audio && ret == 1)
		unlink(audio);
	free(audio);
	free(wav);
	return ret;
}

static bool duplicate(const struct watcher *w, const struct cap_alert *a, const char *sha256)
{
	for (size_t i = 0; i < w->nseen; i++) {
		const struct seen *s = &w->seen[i];

		if (strcmp(s->sha256, sha256) != 0 && s->sender && s->identifier &&
		    strcmp(s->sender, a->sender) == 0 && strcmp(s->identifier, a->identifier) == 0)
			return true;
	}
	return false;
}

/* One CAP message of a source. 1 judged, 0 try again next round. */
static int take(struct watcher *w, const struct source *src, const struct manifest_entry *f)
{
	const char *const *codes = (const char *const *)w->c->geocodes;
	struct cap_station st = {w->c->station_id, codes, (size_t)w->c->ngeocodes, src->now};
	char *url, why[512], hex[65];
	struct net_sink k = {.fd = -1, .max = (size_t)f->bytes};
	struct net_headers h;
	struct cap_alert a;
	struct cap_plan p;
	int ret = 1;

	url = xasprintf("%s%s", src->base, f->path);
	if (f->bytes > CAP_MAX_BYTES) {
		refuse(NULL, f->sha256, _("%s: larger than %d bytes"), f->path, CAP_MAX_BYTES);
		add_seen(w, f->sha256, NULL, 0, SEEN_DONE);
		goto out;
	}
	if (fetch(w, url, false, &h, &k, why, sizeof why) < 0) {
		waiting(w, f->sha256, f->path, why);
		ret = 0;
		goto out;
	}
	util_sha256_hex(k.data ? k.data : "", k.len, hex);
	if ((int64_t)k.len != f->bytes || strcmp(hex, f->sha256) != 0) {
		refuse(NULL, f->sha256, _("%s: %zu bytes that do not match its SHA-256"), f->path,
		       k.len);
		add_seen(w, f->sha256, NULL, 0, SEEN_FAILED);
		goto out;
	}
	if (cap_parse(&a, k.data, k.len, why, sizeof why) < 0) {
		refuse(NULL, f->sha256, "%s: %s", f->path, why);
		add_seen(w, f->sha256, NULL, 0, SEEN_DONE);
		goto out;
	}
	if (duplicate(w, &a, f->sha256)) {
		refuse(&a, f->sha256, _("duplicate: a message %s from %s was received before"),
		       a.identifier, a.sender);
		add_seen(w, f->sha256, NULL, 0, SEEN_DONE);
	} else if (cap_plan_for(&a, &st, &p, why, sizeof why) < 0) {
		refuse(&a, f->sha256, "%s", why);
		add_seen(w, f->sha256, &a, 0, SEEN_DONE);
	} else if (p.action == CAP_CANCEL) {
		struct alertmsg m = {.kind = ALERTMSG_CANCEL};

		if (end_referenced(w, &a, &m) > 0) {
			describe(&m, &a);
			snprintf(m.sha256, sizeof m.sha256, "%s", f->sha256);
			log_notice(_("alerts: %s from %s cancels what it names"), a.identifier,
			           a.sender);
			emit(&m);
		}
		free(m.refs);
		add_seen(w, f->sha256, &a, 0, SEEN_DONE);
		cap_plan_free(&p);
	} else {
		ret = play(w, src, f, &a, &p);
		cap_plan_free(&p);
	}
	cap_free(&a);
out:
	free(k.data);
	free(url);
	return ret;
}

/* Every CAP message of the source not judged before, in order. Stops at
 * the first that must wait for the network: false then, to be called
 * again next round. */
static bool take_all(struct watcher *w, const struct source *src)
{
	for (size_t i = 0; i < src->nfiles; i++) {
		const struct manifest_entry *f = &src->files[i];
		const struct seen *s;

		if (strncmp(f->path, "alerts/", 7) != 0)
			continue;
		s = find_seen(w, f->sha256);
		if (s && (s->state != SEEN_FAILED || !s->retry))
			continue;
		if (!take(w, src, f))
			return false;
	}
	return true;
}

/* --- the index ------------------------------------------------------------------- */

static bool clock_trusted(const struct watcher *w)
{
	return w->o.clock_trusted ? w->o.clock_trusted > 0 : util_clock_synced();
}

/* A refusal of the whole index, reported once for the same bytes. */
static void refuse_index(struct watcher *w, const struct net_sink *idx, const struct net_sink *sig,
                         const char *fmt, ...) MSG_PRINTF(4, 5);

static void refuse_index(struct watcher *w, const struct net_sink *idx, const struct net_sink *sig,
                         const char *fmt, ...)
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char pair[65], reason[640];
	va_list ap;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)(idx->data ? idx->data : ""),
	                          idx->len);
	crypto_hash_sha256_update(&st, (const unsigned char *)(sig->data ? sig->data : ""),
	                          sig->len);
	crypto_hash_sha256_final(&st, h);
	util_hex(h, sizeof h, pair);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	set_state(w, false, "%s", reason);
	if (strcmp(pair, w->refused_pair) == 0)
		return;
	memcpy(w->refused_pair, pair, sizeof pair);
	refuse(NULL, NULL, "%s", reason);
}

static void poll_index(struct watcher *w, const char *url)
{
	struct net_sink idx = {.fd = -1, .max = ALERTIDX_MAX_BYTES};
	struct net_sink sig = {.fd = -1, .max = MANIFEST_MAX_SIG};
	struct manifest_check chk = {.station_id = w->c->station_id,
	                             .last_version = w->version,
	                             .now = time(NULL),
	                             .clock_trusted = clock_trusted(w),
	                             .max_bytes = w->c->province.max_download_bytes};
	struct net_headers h, hs;
	struct alertidx x;
	struct diag d = {0};
	struct source src = {.name = "alerts.json"};
	char *sig_url = xasprintf("%s.minisig", url), why[512], hex[65];
	const char *err = NULL;
	bool cond = net_is_http(url) && (w->etag || w->last_modified) && !w->refused_pair[0];
	long code;

	code = fetch(w, url, cond, &h, &idx, why, sizeof why);
	if (code < 0) {
		set_state(w, false, "alerts.json: %s", why);
		goto out;
	}
	if (code == 304) {
		set_state(w, true, NULL);
		goto pending;
	}
	util_sha256_hex(idx.data ? idx.data : "", idx.len, hex);
	if (strcmp(hex, w->index_sha) == 0) {
		/* the accepted index, without a 304 (file://, or a server
		 * without ETags) */
		w->refused_pair[0] = '\0';
		set_state(w, true, NULL);
		goto pending;
	}
	if (fetch(w, sig_url, false, &hs, &sig, why, sizeof why) < 0) {
		set_state(w, false, "alerts.json.minisig: %s", why);
		goto out;
	}
	if (!w->have_pk) {
		set_state(w, false, "%s", _("province.public_key is not a minisign public key"));
		goto out;
	}
	if (minisig_verify(&w->pk, idx.data ? idx.data : "", idx.len, sig.data ? sig.data : "",
	                   sig.len, NULL, &err) < 0) {
		/* published between our two requests? The signature is put in
		 * place first: the index fetched again matches it. */
		struct net_sink again = {.fd = -1, .max = ALERTIDX_MAX_BYTES};
		struct net_headers h2;

		if (fetch(w, url, false, &h2, &again, why, sizeof why) == 200 &&
		    (again.len != idx.len || memcmp(again.data, idx.data, idx.len) != 0) &&
		    minisig_verify(&w->pk, again.data ? again.data : "", again.len,
		                   sig.data ? sig.data : "", sig.len, NULL, NULL) == 0) {
			free(idx.data);
			idx = again;
			h = h2;
			err = NULL;
		} else {
			free(again.data);
		}
	}
	if (err) {
		refuse_index(w, &idx, &sig, _("alerts.json: signature: %s"), err);
		goto out;
	}
	util_sha256_hex(idx.data ? idx.data : "", idx.len, hex);
	if (w->version && w->index_sha[0])
		chk.last_sha256 = w->index_sha;
	if (alertidx_parse(&x, idx.data ? idx.data : "", idx.len, "alerts.json", &chk, &d) < 0) {
		refuse_index(w, &idx, &sig, "%s", d.n ? d.msgs[0] : "alerts.json: ?");
		diag_free(&d);
		goto out;
	}
	if (x.version != w->version) {
		/* a new index: messages set aside may be good now */
		for (size_t i = 0; i < w->nseen; i++)
			w->seen[i].retry = w->seen[i].state == SEEN_FAILED;
	}
	log_info(_("alerts: alerts.json version %" PRIu64 " accepted (%zu files)"), x.version,
	         x.nfiles);
	w->version = x.version;
	memcpy(w->index_sha, hex, sizeof hex);
	free(w->etag);
	free(w->last_modified);
	w->etag = h.etag[0] ? xstrdup(h.etag) : NULL;
	w->last_modified = h.last_modified[0] ? xstrdup(h.last_modified) : NULL;
	w->refused_pair[0] = '\0';
	w->dirty = true;
	set_state(w, true, NULL);
	alertidx_free(&w->idx);
	w->idx = x;
	w->idx_pending = true;
pending:
	/* messages of the accepted index that waited for the network */
	if (w->idx_pending) {
		src.base = net_base_url(url);
		src.files = w->idx.files;
		src.nfiles = w->idx.nfiles;
		src.now = w->idx.issued > chk.now ? w->idx.issued : chk.now;
		w->idx_pending = !take_all(w, &src);
		free(src.base);
		if (!w->idx_pending)
			alertidx_free(&w->idx);
	}
out:
	free(idx.data);
	free(sig.data);
	free(sig_url);
}

/* The active manifest's alert files, when the manifest changed. */
static void poll_manifest(struct watcher *w)
{
	char *path = xasprintf("%s/manifest.json", w->c->state_dir), *buf, hex[65];
	struct manifest_check chk = {.station_id = w->c->station_id};
	struct diag d = {0};
	struct manifest m;
	struct source src = {.name = "manifest.json"};
	struct stat st;
	size_t len;

	if (!w->c->province.manifest_url || stat(path, &st) < 0 ||
	    (st.st_ino == w->manifest_st.st_ino && st.st_size == w->manifest_st.st_size &&
	     st.st_mtim.tv_sec == w->manifest_st.st_mtim.tv_sec &&
	     st.st_mtim.tv_nsec == w->manifest_st.st_mtim.tv_nsec)) {
		free(path);
		return;
	}
	w->manifest_st = st;
	/* verified by the sync before it became the active manifest */
	if (util_read_file(path, MANIFEST_MAX_BYTES, &buf, &len) < 0) {
		free(path);
		return;
	}
	util_sha256_hex(buf, len, hex);
	if (strcmp(hex, w->manifest_sha) != 0 &&
	    manifest_parse(&m, buf, len, path, &chk, &d) == 0) {
		src.base = net_base_url(w->c->province.manifest_url);
		src.files = m.alerts;
		src.nfiles = m.nalerts;
		src.now = m.issued > time(NULL) ? m.issued : time(NULL);
		if (take_all(w, &src)) {
			memcpy(w->manifest_sha, hex, sizeof hex);
			w->dirty = true;
		} else {
			/* read it again next round */
			memset(&w->manifest_st, 0, sizeof w->manifest_st);
		}
		free(src.base);
		manifest_free(&m);
	}
	diag_free(&d);
	free(buf);
	free(path);
}

/* --- housekeeping ---------------------------------------------------------------- */

/* Forget what ended long ago; remove the sound of alerts that will not
 * play again and whatever else an interrupted round left (downloads,
 * speech, temporary files). Runs between rounds only. */
static void tidy(struct watcher *w)
{
	time_t now = time(NULL);
	DIR *d;
	struct dirent *de;
	size_t k = 0;

	for (size_t i = 0; i < w->nseen; i++) {
		struct seen *s = &w->seen[i];
		time_t last = s->expires > s->seen_at ? s->expires : s->seen_at;

		if (s->state == SEEN_ACTIVE && s->expires && s->expires < now) {
			s->state = SEEN_DONE;
			json_decref(s->msg);
			s->msg = NULL;
			w->dirty = true;
		}
		if (last + KEEP_S < now || (w->nseen - i > MAX_SEEN && s->state != SEEN_ACTIVE)) {
			seen_free(s);
			w->dirty = true;
			continue;
		}
		w->seen[k++] = *s;
	}
	w->nseen = k;
	d = opendir(w->dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		bool keep = false;

		if (!manifest_is_store_name(de->d_name))
			continue;
		if (strcmp(de->d_name + 64, ".wav") == 0) {
			char sha[65];
			const struct seen *s;

			memcpy(sha, de->d_name, 64);
			sha[64] = '\0';
			s = find_seen(w, sha);
			keep = s && s->state == SEEN_ACTIVE;
		}
		if (!keep && unlinkat(dirfd(d), de->d_name, 0) == 0)
			log_debug("alerts: removed %s/%s", w->dir, de->d_name);
	}
	closedir(d);
}

/* --- the loop ---------------------------------------------------------------------- */

const char *alertnet_url(const struct conf *c)
{
	return c->province.alert_url && *c->province.alert_url ? c->province.alert_url : NULL;
}

/* Wait up to ms for the daemon: true to go on (a poll request or the
 * time), false when it has gone. */
static bool wait_daemon(int ms)
{
	struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
	char buf[64];
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return true;
	return read(STDIN_FILENO, buf, sizeof buf) > 0;
}

static void round_once(struct watcher *w)
{
	const char *url = alertnet_url(w->c);

	if (url)
		poll_index(w, url);
	poll_manifest(w);
	if (w->dirty)
		tidy(w);
	if (w->dirty)
		state_save(w);
}

int alertnet_run(const struct conf *c, const struct alertnet_opts *o)
{
	struct watcher w = {.c = c};
	int lock;

	if (o)
		w.o = *o;
	w.dir = xasprintf("%s/alerts", c->state_dir);
	if (util_mkdirs(w.dir, 0750) < 0) {
		log_warn("alerts: %s", w.dir);
		free(w.dir);
		return 2;
	}
	/* One watcher at a time: one left by a daemon that was killed ends
	 * at the end of its round (its stdin is closed); wait for it. */
	lock = open(w.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (lock >= 0 && flock(lock, LOCK_EX) < 0 && errno == EINTR)
		;
	if (lock < 0) {
		log_warn("alerts: %s", w.dir);
		free(w.dir);
		return 2;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    !(w.h = curl_easy_init())) {
		log_warnx("%s", _("cannot initialise libsodium or libcurl"));
		free(w.dir);
		close(lock);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	w.have_pk =
	    c->province.public_key && minisig_parse_pubkey(c->province.public_key, &w.pk) == 0;
	{
		char speak[PATH_MAX];

		netjob_find_program("loaxad-speak", "LOAXA_SPEAK_HELPER", speak, sizeof speak);
		w.speak = xstrdup(speak);
	}
	state_load(&w);
	tidy(&w);
	/* what was given to play and may still play: again, the daemon
	 * knows from its as-run log what already aired */
	for (size_t i = 0; i < w.nseen; i++) {
		struct alertmsg m;
		char *line, why[128];

		if (w.seen[i].state != SEEN_ACTIVE)
			continue;
		line = json_dumps(w.seen[i].msg, JSON_COMPACT);
		if (line && alertmsg_parse(&m, line, strlen(line), why, sizeof why) == 0) {
			emit(&m);
			alertmsg_free(&m);
		}
		free(line);
	}
	for (;;) {
		round_once(&w);
		if (w.o.once || !wait_daemon(c->province.alert_interval_s * 1000))
			break;
	}
	if (w.dirty)
		state_save(&w);
	alertidx_free(&w.idx);
	curl_easy_cleanup(w.h);
	curl_global_cleanup();
	for (size_t i = 0; i < w.nseen; i++)
		seen_free(&w.seen[i]);
	free(w.seen);
	free(w.etag);
	free(w.last_modified);
	free(w.speak);
	free(w.dir);
	close(lock);
	return 0;
}
