/*
 * control: the local control socket, both ends.
 */
#include "control.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "i18n.h"
#include "nest.h"
#include "util.h"

/* A "load" carries a schedule file's text, JSON-escaped: a schedule of
 * 400 kB or so (a hundred times a commune's weekly one). The daemon's
 * memory is small (8 MiB while it plays): this is also the most that all
 * clients' unanswered requests may hold together. */
#define CONTROL_MAX_REQUEST  (512 * 1024)
#define CONTROL_MAX_BUFFERED CONTROL_MAX_REQUEST
/* Clients at once; the one silent longest that has not made its request
 * whole makes room for a newcomer. */
#define CONTROL_MAX_CLIENTS 32
/* From accept to the last byte of the answer. loaxactl needs microseconds. */
#define CONTROL_DEADLINE_MS 5000
/* How long a client may be silent before a newcomer may take its place. */
#define CONTROL_GRACE_MS 50
/* Connections taken per call, so that the loop gets its turn between. */
#define CONTROL_ACCEPT_BURST 64
/* Requests are flat objects; a little room for what may come. jansson's
 * own limit (2048) would let a hostile request grow the daemon's stack, for
 * good, by hundreds of kilobytes. */
#define CONTROL_MAX_DEPTH 8
/* One warning of each kind per this many seconds at most. */
#define CONTROL_WARN_EVERY_S 60

enum client_state { CLIENT_FREE, CLIENT_READING, CLIENT_WRITING };

struct client {
	enum client_state state;
	int fd;
	uint32_t gen;          /* told apart from an earlier client in this slot */
	struct timespec since; /* accepted (monotonic) */
	struct timespec heard; /* last bytes of its request came (monotonic) */
	char *buf;             /* request so far, then the answer */
	size_t len, cap, off;  /* off: answer bytes written */
	bool polling_out;      /* in the epoll set for EPOLLOUT */
};

enum warn_kind { WARN_FULL, WARN_MEMORY, WARN_TOO_LARGE, WARN_ACCEPT, WARN_KINDS };
/* loaxactl waits this long for an answer ("load" checks a file, "emergency"
 * stops the player first): a daemon that takes longer is stuck. */
#define CONTROL_CLIENT_TIMEOUT_MS 30000

struct control {
	int fd; /* listening socket */
	int epfd;
	int tfd; /* the nearest deadline (CLOCK_MONOTONIC) */
	char *path;
	control_handler fn;
	void *ctx;
	bool paused;            /* not accepting until resume */
	struct timespec resume; /* monotonic */
	struct client clients[CONTROL_MAX_CLIENTS];
	size_t buffered; /* sum of clients' request bytes */
	time_t warned[WARN_KINDS];
	unsigned long dropped[WARN_KINDS];
};

/* epoll data: the listener, the timer, or a client's slot and generation */
#define KEY_LISTEN UINT64_MAX
#define KEY_TIMER  (UINT64_MAX - 1)

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

static int watch(struct control *c, int op, int fd, uint32_t events, uint64_t key)
{
	struct epoll_event ev = {.events = events, .data.u64 = key};

	return epoll_ctl(c->epfd, op, fd, &ev);
}

struct control *control_open(const char *path, control_handler fn, void *ctx)
{
	struct sockaddr_un sa;
	struct control *c;
	int fd;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash && slash != dir) {
		*slash = '\0';
		util_mkdirs(dir, 0750);
	}
	free(dir);
	if (fill_addr(&sa, path) < 0) {
		log_warn("control socket %s", path);
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("control socket");
		return NULL;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod(path, 0660) < 0 ||
	    listen(fd, 64) < 0) {
		log_warn("control socket %s", path);
		close(fd);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->epfd < 0 || c->tfd < 0 || watch(c, EPOLL_CTL_ADD, fd, EPOLLIN, KEY_LISTEN) < 0 ||
	    watch(c, EPOLL_CTL_ADD, c->tfd, EPOLLIN, KEY_TIMER) < 0) {
		log_warn("control socket %s", path);
		if (c->epfd >= 0)
			close(c->epfd);
		if (c->tfd >= 0)
			close(c->tfd);
		close(fd);
		unlink(path);
		free(c);
		return NULL;
	}
	c->path = xstrdup(path);
	c->fn = fn;
	c->ctx = ctx;
	return c;
}

int control_fd(const struct control *c)
{
	return c->epfd;
}

/* At most one warning of a kind a minute, saying how many were let go
 * since the last one: a hostile client must not write the journal. */
static void warn_limited(struct control *c, enum warn_kind k, const char *what)
{
	time_t now = util_now_mono().tv_sec;

	c->dropped[k]++;
	if (c->warned[k] && now - c->warned[k] < CONTROL_WARN_EVERY_S)
		return;
	log_warnx(_("control socket: %s (%lu since the last such warning)"), what, c->dropped[k]);
	c->warned[k] = now;
	c->dropped[k] = 0;
}

static void client_close(struct control *c, struct client *cl)
{
	if (cl->state == CLIENT_READING)
		c->buffered -= cl->len;
	close(cl->fd); /* leaves the epoll set with it */
	free(cl->buf);
	cl->buf = NULL;
	cl->len = cl->cap = cl->off = 0;
	cl->fd = -1;
	cl->state = CLIENT_FREE;
	cl->polling_out = false;
	cl->gen++;
}

/* The answer that refuses a request, saying why. */
static json_t *refusal(const char *why)
{
	return json_pack("{s:b,s:s}", "ok", 0, "message", why);
}

/* Let go of a client that has not had its answer, telling it why if its
 * socket takes the line at once (a client still writing reads it when its
 * next write fails). */
static void client_drop(struct control *c, struct client *cl, const char *why)
{
	if (cl->state == CLIENT_READING) {
		json_t *ans = refusal(why);
		char *text = ans ? json_dumps(ans, JSON_COMPACT) : NULL;
		char *line = text ? xasprintf("%s\n", text) : NULL;

		/* (whether it went or not, there is nothing more to do) */
		if (line)
			(void)send(cl->fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);
		free(line);
		free(text);
		json_decref(ans);
	}
	client_close(c, cl);
}

static uint64_t client_key(const struct control *c, const struct client *cl)
{
	return (uint64_t)(cl - c->clients) << 32 | cl->gen;
}

/* Write what the socket takes of the answer; close the client when it is
 * all out (or the client has gone). The rest waits for the socket to take
 * it. */
static void client_write(struct control *c, struct client *cl)
{
	while (cl->off < cl->len) {
		ssize_t w = send(cl->fd, cl->buf + cl->off, cl->len - cl->off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (cl->polling_out ||
			    watch(c, EPOLL_CTL_MOD, cl->fd, EPOLLOUT, client_key(c, cl)) == 0) {
				cl->polling_out = true;
				return;
			}
			break;
		}
		if (w <= 0)
			break;
		cl->off += (size_t)w;
	}
	client_close(c, cl);
}

/* Replace the request with the answer and start sending it. */
static void client_answer(struct control *c, struct client *cl, json_t *ans)
{
	char *text = ans ? json_dumps(ans, JSON_COMPACT) : NULL;

	c->buffered -= cl->len;
	free(cl->buf);
	cl->buf = NULL;
	cl->len = cl->cap = cl->off = 0;
	cl->state = CLIENT_WRITING;
	if (!text) {
		client_close(c, cl);
		return;
	}
	cl->len = strlen(text);
	text[cl->len++] = '\n'; /* over the NUL: the buffer is not a string */
	cl->buf = text;
	client_write(c, cl);
}

static void client_refuse(struct control *c, struct client *cl, const char *msg)
{
	json_t *ans = refusal(msg);

	client_answer(c, cl, ans);
	json_decref(ans);
}

/* The request is whole (first len bytes): run it. */
static void client_run(struct control *c, struct client *cl, size_t len)
{
	json_error_t err;
	json_t *req = nest_too_deep(cl->buf, len, NEST_JSON, 0, CONTROL_MAX_DEPTH)
	                  ? NULL
	                  : json_loadb(cl->buf, len, JSON_DISABLE_EOF_CHECK, &err),
	       *ans;

	if (!req || !json_is_object(req) || !json_is_string(json_object_get(req, "cmd")))
		ans = refusal("bad request");
	else
		ans = c->fn(json_string_value(json_object_get(req, "cmd")), req, c->ctx);
	json_decref(req);
	client_answer(c, cl, ans);
	json_decref(ans);
}

/* Read what has come; answer once a line (or the client's end of writing)
 * makes the request whole. */
static void client_read(struct control *c, struct client *cl)
{
	for (;;) {
		char chunk[16384], *nl;
		ssize_t r = recv(cl->fd, chunk, sizeof chunk, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r < 0) {
			client_close(c, cl);
			return;
		}
		if (r == 0) {
			/* the client said all it had to say without a newline */
			if (cl->len)
				client_run(c, cl, cl->len);
			else
				client_close(c, cl);
			return;
		}
		if (cl->len + (size_t)r > CONTROL_MAX_REQUEST) {
			warn_limited(c, WARN_TOO_LARGE, _("a request too large was refused"));
			client_refuse(c, cl, _("request too large"));
			return;
		}
		if (c->buffered + (size_t)r > CONTROL_MAX_BUFFERED) {
			warn_limited(
			    c, WARN_MEMORY,
			    _("the requests waiting together are too large: one was refused"));
			client_refuse(c, cl, _("busy: too many requests at once"));
			return;
		}
		if (cl->len + (size_t)r > cl->cap) {
			size_t cap = cl->cap ? cl->cap : 1024;

			while (cap < cl->len + (size_t)r)
				cap *= 2;
			if (cap > CONTROL_MAX_REQUEST)
				cap = CONTROL_MAX_REQUEST;
			cl->buf = xreallocarray(cl->buf, cap, 1);
			cl->cap = cap;
		}
		memcpy(cl->buf + cl->len, chunk, (size_t)r);
		cl->len += (size_t)r;
		cl->heard = util_now_mono();
		c->buffered += (size_t)r;
		nl = memchr(cl->buf + cl->len - (size_t)r, '\n', (size_t)r);
		if (nl) {
			client_run(c, cl, (size_t)(nl - cl->buf));
			return;
		}
	}
}

static struct timespec ts_add_ms(struct timespec t, long ms)
{
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static void earliest(struct timespec *next, struct timespec t)
{
	if (!next->tv_sec || util_ts_diff(t, *next) < 0)
		*next = t;
}

/* Stop taking connections (they wait in the kernel's queue) until the
 * timer says. */
static void pause_accepting(struct control *c, long ms)
{
	if (!c->paused && watch(c, EPOLL_CTL_MOD, c->fd, 0, KEY_LISTEN) == 0) {
		c->paused = true;
		c->resume = ts_add_ms(util_now_mono(), ms);
	}
}

/* Let go of clients past their deadline; arm the timer for the next
 * deadline, or for the end of a pause. */
static void expire(struct control *c)
{
	struct timespec now = util_now_mono(), next = {0, 0};
	struct itimerspec its = {0};

	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];
		struct timespec d;

		if (cl->state == CLIENT_FREE)
			continue;
		d = ts_add_ms(cl->since, CONTROL_DEADLINE_MS);
		if (util_ts_diff(d, now) <= 0) {
			client_drop(c, cl, _("timed out: the request did not come whole in time"));
			continue;
		}
		earliest(&next, d);
	}
	if (c->paused)
		earliest(&next, c->resume);
	its.it_value = next;
	if (timerfd_settime(c->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_warn("control socket: timerfd_settime");
}

/*
 * Room for one more client: a free slot, or the place of the client that
 * has been silent longest without making its request whole, once it has
 * been silent CONTROL_GRACE_MS (a client that connects and says nothing
 * cannot push out one that is still writing its request). NULL when there
 * is no room yet; *wait_ms says when there may be.
 */
static struct client *room(struct control *c, bool evict, long *wait_ms)
{
	struct client *oldest = NULL;
	struct timespec now = util_now_mono();
	long silent_ms;

	*wait_ms = CONTROL_GRACE_MS;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];

		if (cl->state == CLIENT_FREE)
			return cl;
		if (cl->state == CLIENT_READING &&
		    (!oldest || util_ts_diff(cl->heard, oldest->heard) < 0))
			oldest = cl;
	}
	if (!oldest)
		return NULL; /* every client is being answered */
	silent_ms = (long)(util_ts_diff(now, oldest->heard) * 1000);
	if (silent_ms < CONTROL_GRACE_MS) {
		*wait_ms = CONTROL_GRACE_MS - silent_ms;
		return NULL;
	}
	if (evict) {
		warn_limited(c, WARN_FULL,
		             _("too many clients at once: the longest silent one was let go"));
		client_drop(c, oldest, _("busy: too many clients at once"));
	}
	return oldest;
}

static void accept_some(struct control *c)
{
	for (int n = 0; n < CONTROL_ACCEPT_BURST; n++) {
		struct client *cl;
		long wait_ms;
		int fd;

		/* Full: newcomers wait in the kernel's queue, where their
		 * requests arrive, rather than push out a client mid-request. */
		if (!room(c, false, &wait_ms)) {
			pause_accepting(c, wait_ms);
			return;
		}
		fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* the listener would stay readable: pause a moment */
				warn_limited(c, WARN_ACCEPT, strerror(errno));
				pause_accepting(c, 100);
			}
			return;
		}
		cl = room(c, true, &wait_ms);
		if (!cl) { /* not after room() said yes, but never a NULL to use */
			close(fd);
			return;
		}
		cl->fd = fd;
		cl->state = CLIENT_READING;
		cl->since = cl->heard = util_now_mono();
		if (watch(c, EPOLL_CTL_ADD, fd, EPOLLIN, client_key(c, cl)) < 0) {
			log_warn("control socket: epoll_ctl");
			client_close(c, cl);
			continue;
		}
		/* loaxactl writes its request as it connects: it is usually here */
		client_read(c, cl);
	}
}

void control_serve(struct control *c)
{
	struct epoll_event evs[CONTROL_MAX_CLIENTS + 2];
	int n = epoll_wait(c->epfd, evs, CONTROL_MAX_CLIENTS + 2, 0);

	/* clients first, so that a newcomer cannot push out one whose request
	 * has come */
	for (int i = 0; i < n; i++) {
		uint64_t key = evs[i].data.u64;
		struct client *cl;

		if (key == KEY_LISTEN || key == KEY_TIMER)
			continue;
		if ((key >> 32) >= CONTROL_MAX_CLIENTS)
			continue;
		cl = &c->clients[key >> 32];
		if (cl->state == CLIENT_FREE || cl->gen != (uint32_t)key)
			continue; /* closed earlier in this batch */
		if (cl->state == CLIENT_READING)
			client_read(c, cl);
		else
			client_write(c, cl);
	}
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u64 == KEY_TIMER) {
			uint64_t ticks;

			if (read(c->tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
				log_warn("control socket: timer");
			if (c->paused && util_ts_diff(util_now_mono(), c->resume) >= 0 &&
			    watch(c, EPOLL_CTL_MOD, c->fd, EPOLLIN, KEY_LISTEN) == 0)
				c->paused = false;
		}
	}
	for (int i = 0; i < n; i++)
		if (evs[i].data.u64 == KEY_LISTEN)
			accept_some(c);
	/* a client that went made room: take the waiting ones now */
	if (c->paused) {
		long wait_ms;

		if (room(c, false, &wait_ms) &&
		    watch(c, EPOLL_CTL_MOD, c->fd, EPOLLIN, KEY_LISTEN) == 0)
			c->paused = false;
	}
	expire(c);
}

void control_close(struct control *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i].state != CLIENT_FREE)
			client_close(c, &c->clients[i]);
	close(c->fd);
	close(c->tfd);
	close(c->epfd);
	unlink(c->path);
	free(c->path);
	free(c);
}

/* --- client ----------------------------------------------------------------- */

bool control_by_valid(const char *by)
{
	size_t n = strlen(by);

	if (n == 0 || n > CONTROL_BY_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)by; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return false;
	return true;
}

json_t *control_request(const char *path, json_t *req, int timeout_ms)
{
	/* A daemon that hangs must not hang its client for ever: loaxa-web
	 * serves other pages from the same loop. */
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	struct sockaddr_un sa;
	char *text, *buf;
	size_t n = 0, cap = 65536;
	json_t *ans;
	json_error_t err;
	int fd, saved = 0;

	if (fill_addr(&sa, path) < 0)
		return NULL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	text = json_dumps(req, JSON_COMPACT);
	if (!text) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	if (util_write_all(fd, text, strlen(text)) < 0 || util_write_all(fd, "\n", 1) < 0)
		saved = errno;
	free(text);
	buf = xmalloc(cap);
	while (!saved && n < cap - 1) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			saved = errno == EAGAIN ? ETIMEDOUT : errno;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	ans = saved ? NULL : json_loadb(buf, n, JSON_DISABLE_EOF_CHECK, &err);
	free(buf);
	if (!ans)
		errno = saved ? saved : EPROTO;
	return ans;
}

static void print_bar(double done, double total)
{
	int width = 30, fill = total > 0 ? (int)(width * done / total) : 0;

	if (fill > width)
		fill = width;
	putchar('[');
	for (int i = 0; i < width; i++)
		putchar(i < fill ? '#' : '.');
	printf("] %d:%02d / %d:%02d\n", (int)done / 60, (int)done % 60, (int)total / 60,
	       (int)total % 60);
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void print_status(json_t *a)
{
	json_t *now = json_object_get(a, "now_playing");

	printf(_("Station:        %s\n"), jstr(a, "station"));
	if (json_is_object(now)) {
		printf(_("On air:         %s (%s)\n"), jstr(now, "programme"), jstr(now, "slot"));
		printf("                ");
		print_bar(json_real_value(json_object_get(now, "elapsed_s")),
		          json_real_value(json_object_get(now, "duration_s")));
	} else {
		printf("%s\n", _("On air:         nothing"));
	}
	printf(_("Next session:   %s %s\n"), jstr(a, "next_session"), jstr(a, "next_slot"));
	printf(_("Last sync:      %s %s\n"), jstr(a, "last_sync"), jstr(a, "sync_error"));
	printf(_("Manifest:       version %lld\n"),
	       (long long)json_integer_value(json_object_get(a, "manifest_version")));
	if (json_is_object(json_object_get(a, "alerts"))) {
		json_t *al = json_object_get(a, "alerts");

		printf(_("Alerts:         index version %lld, %s\n"),
		       (long long)json_integer_value(json_object_get(al, "index_version")),
		       json_is_true(json_object_get(al, "ok")) ? _("watching")
		       : *jstr(al, "last_problem")             ? jstr(al, "last_problem")
		                                               : _("starting"));
	}
	printf(_("Outbox:         %lld segment(s) waiting\n"),
	       (long long)json_integer_value(json_object_get(a, "outbox")));
	printf(_("Clock:          %s\n"), jstr(a, "clock"));
	printf(_("Disk free:      %.0f MiB\n"),
	       json_number_value(json_object_get(a, "disk_free_bytes")) / 1048576.0);
	if (*jstr(a, "disk_problem"))
		printf(_("Disk problem:   %s\n"), jstr(a, "disk_problem"));
	if (*jstr(a, "upload_error"))
		printf(_("Upload failed:  %s\n"), jstr(a, "upload_error"));
}

int control_command(const char *conf_path, int argc, char **argv)
{
	static const char *const known[] = {"status", "play", "emergency", "stop",
	                                    "reload", "sync", "load"};
	struct conf c;
	const char *cmd = argv[0];
	const struct passwd *pw;
	char who[CONTROL_BY_MAX + 1];
	json_t *req, *ans;
	bool ok, found = false;
	int rc;

	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		found |= strcmp(cmd, known[i]) == 0;
	if (!found) {
		fprintf(stderr, _("loaxactl: unknown command \"%s\" (see loaxactl --help)\n"), cmd);
		return 2;
	}
	if ((strcmp(cmd, "play") == 0 || strcmp(cmd, "emergency") == 0 ||
	     strcmp(cmd, "load") == 0) != (argc == 2) ||
	    argc > 2) {
		fprintf(stderr, _("loaxactl: wrong arguments for \"%s\" (see loaxactl --help)\n"),
		        cmd);
		return 2;
	}
	if (conf_load_report(&c, conf_path) < 0)
		return 2;
	/* who asks, for the daemon's journal and the as-run log */
	pw = getpwuid(getuid());
	if (!pw || snprintf(who, sizeof who, "loaxactl:%s", pw->pw_name) >= (int)sizeof who ||
	    !control_by_valid(who))
		snprintf(who, sizeof who, "loaxactl:uid %u", (unsigned)getuid());
	req = json_pack("{s:s}", "cmd", cmd);
	json_object_set_new(req, "by", json_string(who));
	if (argc == 2) {
		if (strcmp(cmd, "load") == 0) {
			char *text, *abs = realpath(argv[1], NULL);
			size_t len;

			if (util_read_file(argv[1], 1 << 20, &text, &len) < 0) {
				fprintf(stderr, _("loaxactl: cannot read %s: %s\n"), argv[1],
				        util_strerror(errno));
				free(abs);
				json_decref(req);
				conf_free(&c);
				return 1;
			}
			json_object_set_new(req, "text", json_stringn(text, len));
			json_object_set_new(req, "arg", json_string(abs ? abs : argv[1]));
			free(text);
			free(abs);
		} else {
			/* a file given relative to here means here, not the daemon's cwd */
			char *abs = strchr(argv[1], '/') || access(argv[1], R_OK) == 0
			                ? realpath(argv[1], NULL)
			                : NULL;

			json_object_set_new(req, "arg", json_string(abs ? abs : argv[1]));
			free(abs);
		}
	}
	ans = control_request(c.control_socket, req, CONTROL_CLIENT_TIMEOUT_MS);
	json_decref(req);
	if (!ans) {
		fprintf(stderr, _("loaxactl: cannot reach loaxad at %s: %s\n"), c.control_socket,
		        util_strerror(errno));
		conf_free(&c);
		return 1;
	}
	ok = json_is_true(json_object_get(ans, "ok"));
	if (ok && strcmp(cmd, "status") == 0)
		print_status(ans);
	else if (*jstr(ans, "message"))
		fprintf(ok ? stdout : stderr, "%s\n", jstr(ans, "message"));
	rc = ok ? 0 : 1;
	json_decref(ans);
	conf_free(&c);
	return rc;
}
