/*
 * alertwatch: the thread that keeps the alert watcher child running and
 * hands its lines to the event loop (see alertwatch.h).
 *
 * The child's stdin is a pipe the thread holds open: its end of file
 * tells the child the daemon is gone (whatever way it went), a newline
 * asks for a poll now. Lines are queued without limit of count but with
 * one of size per line; the child's writes block, not the daemon, if the
 * loop were ever slow to read.
 */
#include "alertwatch.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "i18n.h"
#include "netjob.h"
#include "util.h"

#define RESTART_FIRST_S 1
#define RESTART_MAX_S   60
#define QUEUE_MAX       256

struct queued {
	struct queued *next;
	struct alertmsg m;
};

struct alertwatch {
	char *conf_path;
	int clock_trusted;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	int cancel_fd; /* eventfd: readable once alertwatch_stop() has begun */
	int efd;       /* eventfd, semaphore mode: its count is the queue's length */
	int to_child;  /* the child's stdin, -1 when none runs */
	struct queued *head, **tail;
	size_t qlen;
	/* status */
	bool running;
	bool known, ok;
	uint64_t index_version;
	char reason[512];
	time_t since;
	unsigned restarts;
};

static void push(struct alertwatch *w, const struct alertmsg *m)
{
	struct queued *q = xcalloc(1, sizeof *q);
	uint64_t one = 1;

	q->m = *m;
	pthread_mutex_lock(&w->lock);
	while (w->qlen >= QUEUE_MAX && !w->stop)
		pthread_cond_wait(&w->cond, &w->lock);
	*w->tail = q;
	w->tail = &q->next;
	w->qlen++;
	if (write(w->efd, &one, sizeof one) != sizeof one)
		log_warn("alerts: eventfd");
	pthread_mutex_unlock(&w->lock);
}

static void take_line(struct alertwatch *w, const char *line, size_t len)
{
	struct alertmsg m;
	char why[128];

	if (len == 0)
		return;
	if (alertmsg_parse(&m, line, len, why, sizeof why) < 0) {
		log_warnx(_("alerts: the watcher wrote a line that is not an alert message (%s)"),
		          why);
		return;
	}
	if (m.kind == ALERTMSG_STATE) {
		pthread_mutex_lock(&w->lock);
		w->known = true;
		w->ok = m.ok;
		w->index_version = m.index_version;
		snprintf(w->reason, sizeof w->reason, "%s", m.reason ? m.reason : "");
		w->since = time(NULL);
		pthread_mutex_unlock(&w->lock);
		alertmsg_free(&m);
		return;
	}
	push(w, &m);
}

/* Read the child's lines until it ends or the daemon stops. */
static void read_child(struct alertwatch *w, int from)
{
	char *buf = xmalloc(ALERTMSG_MAX_LINE + 1);
	size_t len = 0;
	bool skipping = false;

	for (;;) {
		struct pollfd p[2] = {{.fd = from, .events = POLLIN},
		                      {.fd = w->cancel_fd, .events = POLLIN}};
		ssize_t n;
		char *nl;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN)
			break;
		n = read(from, buf + len, ALERTMSG_MAX_LINE - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		while ((nl = memchr(buf, '\n', len))) {
			size_t k = (size_t)(nl - buf);

			if (!skipping)
				take_line(w, buf, k);
			skipping = false;
			memmove(buf, nl + 1, len - k - 1);
			len -= k + 1;
		}
		if (len == ALERTMSG_MAX_LINE) {
			log_warnx("%s", _("alerts: the watcher wrote a line too long; dropped"));
			skipping = true;
			len = 0;
		}
	}
	free(buf);
}

static void end_child(struct alertwatch *w, pid_t pid)
{
	int status = 0;

	pthread_mutex_lock(&w->lock);
	if (w->to_child >= 0)
		close(w->to_child);
	w->to_child = -1;
	w->running = false;
	pthread_mutex_unlock(&w->lock);
	/* end of file on its stdin ends it; a stuck one is told to go */
	for (int i = 0; i < 40; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			goto reaped;
		usleep(50000);
	}
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
reaped:
	if (WIFSIGNALED(status))
		log_warnx(_("alerts: the watcher was killed by signal %d"), WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		log_warnx(_("alerts: the watcher ended with status %d"), WEXITSTATUS(status));
}

static void *watch_thread(void *arg)
{
	struct alertwatch *w = arg;
	unsigned delay = RESTART_FIRST_S;
	char trusted[8];

	snprintf(trusted, sizeof trusted, "%d", w->clock_trusted);
	for (;;) {
		const char *args[] = {"alerts",          "-c",    w->conf_path,
		                      "--clock-trusted", trusted, NULL};
		struct timespec started = util_now_mono(), deadline;
		int to = -1, from = -1, err;
		pid_t pid;

		if (!w->clock_trusted)
			args[3] = NULL;
		pthread_mutex_lock(&w->lock);
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		err = netjob_spawn(NULL, args, &to, &from, &pid);
		if (err) {
			log_warnx(_("alerts: cannot run %s: %s"), netjob_helper(), strerror(err));
		} else {
			w->to_child = to;
			w->running = true;
		}
		pthread_mutex_unlock(&w->lock);
		if (!err) {
			read_child(w, from);
			close(from);
			end_child(w, pid);
		}
		pthread_mutex_lock(&w->lock);
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		/* a watcher that lived a while was fine: start again soon */
		if (util_ts_diff(util_now_mono(), started) > RESTART_MAX_S)
			delay = RESTART_FIRST_S;
		w->restarts++;
		log_notice(_("alerts: starting the watcher again in %u s"), delay);
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += delay;
		while (!w->stop &&
		       pthread_cond_timedwait(&w->cond, &w->lock, &deadline) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&w->lock);
		delay = delay * 2 > RESTART_MAX_S ? RESTART_MAX_S : delay * 2;
	}
	return NULL;
}

static void watch_free(struct alertwatch *w)
{
	while (w->head) {
		struct queued *q = w->head;

		w->head = q->next;
		alertmsg_free(&q->m);
		free(q);
	}
	if (w->efd >= 0)
		close(w->efd);
	if (w->cancel_fd >= 0)
		close(w->cancel_fd);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->conf_path);
	free(w);
}

struct alertwatch *alertwatch_start(const struct conf *c, int clock_trusted)
{
	char abs[PATH_MAX];
	pthread_condattr_t ca;
	struct alertwatch *w;
	int err;

	/* (alertnet.c is not linked into the daemon: it would bring libcurl) */
	if (!(c->province.alert_url && *c->province.alert_url) &&
	    !(c->province.manifest_url && *c->province.manifest_url))
		return NULL;
	w = xcalloc(1, sizeof *w);
	w->conf_path = xstrdup(realpath(c->path, abs) ? abs : c->path);
	w->clock_trusted = clock_trusted;
	w->to_child = -1;
	w->tail = &w->head;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
	w->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0 || w->cancel_fd < 0) {
		log_warn("alerts: eventfd");
		watch_free(w);
		return NULL;
	}
	err = pthread_create(&w->thread, NULL, watch_thread, w);
	if (err) {
		errno = err;
		log_warn("alerts: pthread_create");
		watch_free(w);
		return NULL;
	}
	return w;
}

void alertwatch_stop(struct alertwatch *w)
{
	uint64_t one = 1;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	if (write(w->cancel_fd, &one, sizeof one) != sizeof one)
		log_warn("alerts: eventfd");
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	watch_free(w);
}

int alertwatch_fd(const struct alertwatch *w)
{
	return w->efd;
}

int alertwatch_read(struct alertwatch *w, struct alertmsg *m)
{
	struct queued *q = NULL;
	uint64_t v;

	pthread_mutex_lock(&w->lock);
	if (w->head && read(w->efd, &v, sizeof v) == sizeof v) {
		q = w->head;
		w->head = q->next;
		if (!w->head)
			w->tail = &w->head;
		w->qlen--;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	if (!q)
		return 0;
	*m = q->m;
	free(q);
	return 1;
}

void alertwatch_poll_now(struct alertwatch *w)
{
	pthread_mutex_lock(&w->lock);
	if (w->to_child >= 0 && write(w->to_child, "\n", 1) != 1)
		log_warn("alerts: the watcher's input");
	pthread_mutex_unlock(&w->lock);
}

json_t *alertwatch_status_json(struct alertwatch *w)
{
	json_t *o;
	char when[48] = "";

	pthread_mutex_lock(&w->lock);
	if (w->since)
		util_format_time(when, sizeof when, (struct timespec){.tv_sec = w->since}, false);
	o = json_pack("{s:b,s:o,s:I,s:s?,s:s?,s:i}", "running", w->running, "ok",
	              w->known ? json_boolean(w->ok) : json_null(), "index_version",
	              (json_int_t)w->index_version, "last_problem", w->reason[0] ? w->reason : NULL,
	              "since", when[0] ? when : NULL, "restarts", (int)w->restarts);
	pthread_mutex_unlock(&w->lock);
	return o;
}
