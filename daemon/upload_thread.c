/*
 * upload_thread: the daemon's side of the log upload (upload.h): a round
 * at once, every upload_interval_s and when a session ends, each one a run
 * of "loaxad-net upload" (netjob.h), which does what upload_run_once()
 * does in its own process. The daemon's status goes to it on its standard
 * input, for status.json.
 */
#include "upload.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "netjob.h"
#include "util.h"

#define BACKOFF_FIRST_S 10

struct upload {
	char *conf_path;
	char *outbox_dir;
	char *station_id;
	unsigned interval;
	int hold_s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool now_requested;
	bool cut_requested;            /* cut even while a session airs */
	bool on_air;                   /* a session is on the air */
	struct timespec holding_since; /* monotonic; on air and nothing cut since */
	int cancel_fd;                 /* eventfd: readable once upload_stop() has begun */
	atomic_int outbox;
	char *status;         /* the daemon's latest status text */
	char last_error[512]; /* why the last round failed; "" after a success */
};

/* Segments of this station waiting in the outbox, before a round says. */
static int count_outbox(const struct upload *u)
{
	DIR *d = opendir(u->outbox_dir);
	size_t idlen = strlen(u->station_id);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > idlen + 7 && strncmp(e->d_name, u->station_id, idlen) == 0 &&
		    e->d_name[idlen] == '-' && strcmp(e->d_name + len - 6, ".jsonl") == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* One run of "loaxad-net upload": 0 or -1, like upload_run_once(). */
static int run_helper(struct upload *u, bool hold, const char *status, struct upload_report *r)
{
	const char *args[] = {"upload", "-c", u->conf_path, hold ? "--hold" : NULL, NULL};
	const char *reason = "";
	int ok = 0, status_sent = 0;
	json_t *o;

	memset(r, 0, sizeof *r);
	r->outbox = atomic_load(&u->outbox);
	if (netjob_run(args, status, u->cancel_fd, &o, r->reason, sizeof r->reason) < 0)
		return -1;
	if (json_unpack(o, "{s:b,s:i,s:i,s:i,s:b,s:s}", "ok", &ok, "cut", &r->cut, "sent", &r->sent,
	                "outbox", &r->outbox, "status_sent", &status_sent, "reason", &reason) < 0) {
		snprintf(r->reason, sizeof r->reason, _("%s answered without a report"),
		         netjob_helper());
		json_decref(o);
		return -1;
	}
	r->status_sent = status_sent;
	snprintf(r->reason, sizeof r->reason, "%s", reason);
	json_decref(o);
	return ok ? 0 : -1;
}

static void *upload_thread(void *arg)
{
	struct upload *u = arg;
	unsigned failures = 0;

	pthread_mutex_lock(&u->lock);
	while (!u->stop) {
		struct upload_report r;
		struct timespec deadline, now;
		char *status = u->status ? xstrdup(u->status) : NULL;
		unsigned delay;
		bool hold;
		int rc;

		/* A session's lines wait for its end, so that it makes one
		 * segment, unless it has been airing for hold_s. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		hold = u->on_air && !u->cut_requested && u->hold_s > 0 &&
		       util_ts_diff(now, u->holding_since) < u->hold_s;
		if (!hold)
			u->holding_since = now;
		u->now_requested = false;
		u->cut_requested = false;
		pthread_mutex_unlock(&u->lock);

		rc = run_helper(u, hold, status, &r);
		free(status);
		atomic_store(&u->outbox, r.outbox);
		pthread_mutex_lock(&u->lock);
		if (u->stop)
			break;
		pthread_mutex_unlock(&u->lock);
		if (rc < 0)
			log_warnx(ngettext("upload: %s (%d segment waiting)",
			                   "upload: %s (%d segments waiting)",
			                   (unsigned long)r.outbox),
			          r.reason, r.outbox);
		else if (r.sent > 0)
			log_info(ngettext("upload: %d segment delivered, %d waiting",
			                  "upload: %d segments delivered, %d waiting",
			                  (unsigned long)r.sent),
			         r.sent, r.outbox);

		pthread_mutex_lock(&u->lock);
		snprintf(u->last_error, sizeof u->last_error, "%s", rc == 0 ? "" : r.reason);
		if (rc == 0) {
			failures = 0;
			delay = u->interval;
		} else {
			delay = netjob_backoff_s(BACKOFF_FIRST_S, u->interval, failures);
			if (failures < 32)
				failures++;
		}
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += delay;
		while (!u->stop && !u->now_requested)
			if (pthread_cond_timedwait(&u->cond, &u->lock, &deadline) == ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&u->lock);
	return NULL;
}

static void upload_free(struct upload *u)
{
	if (u->cancel_fd >= 0)
		close(u->cancel_fd);
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->lock);
	free(u->conf_path);
	free(u->outbox_dir);
	free(u->station_id);
	free(u->status);
	free(u);
}

struct upload *upload_start(const struct conf *c)
{
	char abs[PATH_MAX];
	struct upload *u;
	pthread_condattr_t ca;
	int err;

	if (!c->province.log_url || !*c->province.log_url)
		return NULL;
	u = xcalloc(1, sizeof *u);
	u->conf_path = xstrdup(realpath(c->path, abs) ? abs : c->path);
	u->outbox_dir = xasprintf("%s/outbox", c->state_dir);
	u->station_id = xstrdup(c->station_id);
	u->interval =
	    c->province.upload_interval_s > 0 ? (unsigned)c->province.upload_interval_s : 300;
	u->hold_s = c->province.upload_hold_s;
	atomic_init(&u->outbox, count_outbox(u));
	pthread_mutex_init(&u->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&u->cond, &ca);
	pthread_condattr_destroy(&ca);
	u->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->cancel_fd < 0) {
		log_warn("upload: eventfd");
		upload_free(u);
		return NULL;
	}
	err = pthread_create(&u->thread, NULL, upload_thread, u);
	if (err) {
		errno = err;
		log_warn("upload: pthread_create");
		upload_free(u);
		return NULL;
	}
	return u;
}

void upload_set_status(struct upload *u, const char *json_text)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	free(u->status);
	u->status = json_text ? xstrdup(json_text) : NULL;
	pthread_mutex_unlock(&u->lock);
}

void upload_now(struct upload *u)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	u->now_requested = true;
	u->cut_requested = true;
	pthread_cond_signal(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

void upload_set_on_air(struct upload *u, bool on_air)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	if (on_air && !u->on_air) {
		clock_gettime(CLOCK_MONOTONIC, &u->holding_since);
	} else if (!on_air && u->on_air) {
		/* the session has ended: its segment goes now */
		u->now_requested = true;
		pthread_cond_signal(&u->cond);
	}
	u->on_air = on_air;
	pthread_mutex_unlock(&u->lock);
}

int upload_outbox(struct upload *u)
{
	return u ? atomic_load(&u->outbox) : 0;
}

void upload_last_error(struct upload *u, char *buf, size_t n)
{
	if (!u) {
		snprintf(buf, n, "%s", "");
		return;
	}
	pthread_mutex_lock(&u->lock);
	snprintf(buf, n, "%s", u->last_error);
	pthread_mutex_unlock(&u->lock);
}

void upload_stop(struct upload *u)
{
	uint64_t one = 1;

	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	u->stop = true;
	if (write(u->cancel_fd, &one, sizeof one) != sizeof one)
		log_warn("upload: eventfd");
	pthread_cond_signal(&u->cond);
	pthread_mutex_unlock(&u->lock);
	pthread_join(u->thread, NULL);
	upload_free(u);
}
