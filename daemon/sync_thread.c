/*
 * sync_thread: the daemon's side of the province sync (sync.h, "the
 * thread"): a sync at once, then every sync_interval_s, each one a run of
 * loaxad-net (netjob.h), which does what sync_run_once() does in its own
 * process; its outcome comes back as an event for the daemon's loop.
 */
#include "sync.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "netjob.h"
#include "util.h"

#define BACKOFF_FIRST_S 30
#define EVENT_QUEUE_LEN 16

struct sync {
	char *conf_path;
	unsigned interval;
	struct sync_opts o;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool now_requested;
	int cancel_fd; /* eventfd: readable once sync_stop() has begun */
	int efd;       /* eventfd, semaphore mode: its count is the queue's length */
	struct sync_event queue[EVENT_QUEUE_LEN];
	size_t qhead, qlen;
	struct sync_status st;
};

static void push_event(struct sync *s, const struct sync_result *r)
{
	struct sync_event *ev;
	uint64_t one = 1;

	if (s->qlen == EVENT_QUEUE_LEN) {
		/* Nobody reads: the oldest is the least interesting. */
		s->qhead = (s->qhead + 1) % EVENT_QUEUE_LEN;
		s->qlen--;
	} else if (write(s->efd, &one, sizeof one) != sizeof one) {
		log_warn("sync: eventfd");
		return;
	}
	ev = &s->queue[(s->qhead + s->qlen) % EVENT_QUEUE_LEN];
	s->qlen++;
	ev->outcome = r->outcome;
	ev->version = r->version;
	snprintf(ev->reason, sizeof ev->reason, "%s", r->reason);
}

/* One run of "loaxad-net sync": 0 or -1, like sync_run_once(). The
 * options left at 0 are the helper's defaults. */
static int run_helper(struct sync *s, struct sync_result *r)
{
	static const char *const names[] = {"--low-speed-limit", "--low-speed-time",
	                                    "--connect-timeout", "--clock-trusted",
	                                    "--reserve-bytes"};
	const int64_t values[] = {s->o.low_speed_limit, s->o.low_speed_time, s->o.connect_timeout,
	                          s->o.clock_trusted, s->o.reserve_bytes};
	char text[5][24];
	const char *args[4 + 2 * 5] = {"sync", "-c", s->conf_path};
	size_t n = 3;
	const char *outcome = "", *reason = "";
	json_int_t version = 0, bytes = 0;
	json_t *o;

	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < 5; i++) {
		if (!values[i])
			continue;
		snprintf(text[i], sizeof text[i], "%" PRId64, values[i]);
		args[n++] = names[i];
		args[n++] = text[i];
	}
	args[n] = NULL;
	r->outcome = SYNC_FAILED;
	if (netjob_run(args, NULL, s->cancel_fd, &o, r->reason, sizeof r->reason) < 0)
		return -1;
	if (json_unpack(o, "{s:s,s:I,s:s,s:I}", "outcome", &outcome, "version", &version, "reason",
	                &reason, "bytes_downloaded", &bytes) < 0 ||
	    version < 0) {
		snprintf(r->reason, sizeof r->reason, _("%s answered without an outcome"),
		         netjob_helper());
		json_decref(o);
		return -1;
	}
	r->version = (uint64_t)version;
	r->bytes_downloaded = bytes;
	snprintf(r->reason, sizeof r->reason, "%s", reason);
	if (strcmp(outcome, "activated") == 0)
		r->outcome = SYNC_ACTIVATED;
	else if (strcmp(outcome, "unchanged") == 0)
		r->outcome = SYNC_UNCHANGED;
	json_decref(o);
	return r->outcome == SYNC_FAILED ? -1 : 0;
}

static void *sync_thread(void *arg)
{
	struct sync *s = arg;
	unsigned failures = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		struct sync_result r;
		struct timespec deadline;
		unsigned delay;
		int rc;

		s->now_requested = false;
		s->st.running = true;
		s->st.last_attempt = time(NULL);
		pthread_mutex_unlock(&s->lock);

		rc = run_helper(s, &r);

		pthread_mutex_lock(&s->lock);
		s->st.running = false;
		s->st.bytes_downloaded += r.bytes_downloaded;
		if (r.version)
			s->st.active_version = r.version;
		if (rc == 0) {
			s->st.last_success = time(NULL);
			s->st.last_error[0] = '\0';
			failures = 0;
			delay = s->interval;
		} else {
			snprintf(s->st.last_error, sizeof s->st.last_error, "%s", r.reason);
			delay = netjob_backoff_s(BACKOFF_FIRST_S, s->interval, failures);
			if (failures < 32)
				failures++;
		}
		if (s->stop)
			break;
		push_event(s, &r);
		s->st.next_attempt = time(NULL) + delay;
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += delay;
		while (!s->stop && !s->now_requested) {
			if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == ETIMEDOUT)
				break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void sync_free(struct sync *s)
{
	if (s->efd >= 0)
		close(s->efd);
	if (s->cancel_fd >= 0)
		close(s->cancel_fd);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s->conf_path);
	free(s);
}

struct sync *sync_start_opts(const struct conf *c, const struct sync_opts *o)
{
	char abs[PATH_MAX];
	struct sync *s;
	pthread_condattr_t ca;
	int err;

	if (!c->province.manifest_url || !*c->province.manifest_url)
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->conf_path = xstrdup(realpath(c->path, abs) ? abs : c->path);
	s->interval = c->province.sync_interval_s > 0 ? (unsigned)c->province.sync_interval_s : 300;
	if (o)
		s->o = *o;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
	s->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0 || s->cancel_fd < 0) {
		log_warn("sync: eventfd");
		sync_free(s);
		return NULL;
	}
	err = pthread_create(&s->thread, NULL, sync_thread, s);
	if (err) {
		errno = err;
		log_warn("sync: pthread_create");
		sync_free(s);
		return NULL;
	}
	return s;
}

struct sync *sync_start(const struct conf *c)
{
	return sync_start_opts(c, NULL);
}

void sync_now(struct sync *s)
{
	pthread_mutex_lock(&s->lock);
	s->now_requested = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void sync_stop(struct sync *s)
{
	uint64_t one = 1;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	if (write(s->cancel_fd, &one, sizeof one) != sizeof one)
		log_warn("sync: eventfd");
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	sync_free(s);
}

int sync_fd(const struct sync *s)
{
	return s->efd;
}

int sync_read(struct sync *s, struct sync_event *ev)
{
	uint64_t v;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	if (s->qlen > 0 && read(s->efd, &v, sizeof v) == sizeof v) {
		*ev = s->queue[s->qhead];
		s->qhead = (s->qhead + 1) % EVENT_QUEUE_LEN;
		s->qlen--;
		ret = 1;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

void sync_get_status(struct sync *s, struct sync_status *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	pthread_mutex_unlock(&s->lock);
}

static json_t *time_or_null(time_t t)
{
	char buf[48];

	if (t == 0)
		return json_null();
	util_format_time(buf, sizeof buf, (struct timespec){.tv_sec = t}, false);
	return json_string(buf);
}

json_t *sync_status_json(const struct sync_status *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "last_attempt", time_or_null(st->last_attempt));
	json_object_set_new(o, "last_success", time_or_null(st->last_success));
	json_object_set_new(o, "last_error",
	                    st->last_error[0] ? json_string(st->last_error) : json_null());
	json_object_set_new(o, "manifest_version",
	                    st->active_version ? json_integer((json_int_t)st->active_version)
	                                       : json_null());
	json_object_set_new(o, "bytes_downloaded", json_integer(st->bytes_downloaded));
	json_object_set_new(o, "running", json_boolean(st->running));
	json_object_set_new(o, "next_attempt", time_or_null(st->next_attempt));
	return o;
}
