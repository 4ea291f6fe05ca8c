/*
 * relaysrc: the relay child and its jitter buffer. See relaysrc.h.
 *
 * The buffer is a byte ring the size of buffer_s of output frames. It is
 * filled only as far as it has room: beyond that the child's pipe fills,
 * its writes block, and the stream's own TCP window holds the rest, so a
 * server's opening burst costs no memory here.
 */
#include "relaysrc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "netjob.h"
#include "util.h"

#define RELAYSRC_RESPAWN_S 2.0
#define RELAYSRC_LINE_MAX  512
#define RELAYSRC_KILL_MS   500 /* SIGTERM, then this long before SIGKILL */

struct relaysrc {
	char *url;
	struct relaysrc_opts o;
	size_t frame_bytes;
	pid_t pid; /* 0: no child */
	int pcm_fd, status_fd;
	struct timespec died; /* monotonic, when the child was last found gone */

	unsigned char *ring;
	size_t cap, head, len; /* bytes */

	char line[RELAYSRC_LINE_MAX];
	size_t line_len;
	bool down;
	char reason[256];
};

static char helper_path[PATH_MAX];
static pthread_once_t helper_once = PTHREAD_ONCE_INIT;

static void find_helper(void)
{
	netjob_find_program("loaxad-relay", "LOAXA_RELAY_HELPER", helper_path, sizeof helper_path);
}

const char *relaysrc_helper(void)
{
	pthread_once(&helper_once, find_helper);
	return helper_path;
}

static void set_down(struct relaysrc *s, const char *why)
{
	s->down = true;
	snprintf(s->reason, sizeof s->reason, "%s", why);
}

static void spawn_child(struct relaysrc *s)
{
	int pcm[2], st[2], fds[4] = {-1, -1, -1, -1}, err;
	char rate[16], ch[16], ct[16], stall[16];
	const char *argv[] = {relaysrc_helper(),
	                      "--rate",
	                      rate,
	                      "--channels",
	                      ch,
	                      "--connect-timeout",
	                      ct,
	                      "--stall-timeout",
	                      stall,
	                      "--status-fd",
	                      "3",
	                      s->url,
	                      NULL};

	snprintf(rate, sizeof rate, "%d", s->o.rate);
	snprintf(ch, sizeof ch, "%d", s->o.channels);
	snprintf(ct, sizeof ct, "%d", s->o.connect_timeout_s);
	snprintf(stall, sizeof stall, "%d", s->o.stall_s);
	if (pipe2(pcm, O_CLOEXEC) < 0) {
		set_down(s, "cannot make a pipe");
		return;
	}
	if (pipe2(st, O_CLOEXEC) < 0) {
		close(pcm[0]);
		close(pcm[1]);
		set_down(s, "cannot make a pipe");
		return;
	}
	/* PCM on its standard output, status lines on descriptor 3 */
	fds[STDOUT_FILENO] = pcm[1];
	fds[3] = st[1];
	err = netjob_spawn_fds(argv[0], argv + 1, fds, 4, &s->pid);
	close(pcm[1]);
	close(st[1]);
	if (err) {
		close(pcm[0]);
		close(st[0]);
		s->pid = 0;
		s->died = util_now_mono();
		s->down = true;
		snprintf(s->reason, sizeof s->reason, "cannot run %s: %s", argv[0], strerror(err));
		log_warnx("relay: %s", s->reason);
		return;
	}
	fcntl(pcm[0], F_SETFL, O_NONBLOCK);
	fcntl(st[0], F_SETFL, O_NONBLOCK);
	s->pcm_fd = pcm[0];
	s->status_fd = st[0];
}

struct relaysrc *relaysrc_open(const char *url, const struct relaysrc_opts *o)
{
	struct relaysrc *s = xcalloc(1, sizeof *s);
	size_t frames;

	s->url = xstrdup(url);
	s->o = *o;
	s->frame_bytes = (size_t)o->channels * sizeof(int16_t);
	frames = (size_t)(o->buffer_s * o->rate);
	if (frames < (size_t)o->rate / 10)
		frames = (size_t)o->rate / 10;
	s->cap = frames * s->frame_bytes;
	s->ring = xmalloc(s->cap);
	s->pcm_fd = s->status_fd = -1;
	spawn_child(s);
	return s;
}

/* Reap the child, whatever state it is in. */
static void stop_child(struct relaysrc *s, bool kill_it)
{
	int status;

	if (s->pcm_fd >= 0)
		close(s->pcm_fd);
	if (s->status_fd >= 0)
		close(s->status_fd);
	s->pcm_fd = s->status_fd = -1;
	if (!s->pid)
		return;
	if (kill_it) {
		kill(s->pid, SIGTERM);
		for (int i = 0; i < RELAYSRC_KILL_MS / 10; i++) {
			struct timespec ts = {0, 10000000};

			if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
				s->pid = 0;
				return;
			}
			nanosleep(&ts, NULL);
		}
		kill(s->pid, SIGKILL);
	}
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
}

static void status_line(struct relaysrc *s, const char *line)
{
	if (!strncmp(line, "playing", 7)) {
		s->down = false;
	} else if (!strcmp(line, "ended")) {
		set_down(s, "the server closed the stream");
	} else if (!strncmp(line, "error ", 6)) {
		set_down(s, line + 6);
	}
}

static void read_status(struct relaysrc *s)
{
	char buf[RELAYSRC_LINE_MAX];
	ssize_t n;

	while (s->status_fd >= 0 && (n = read(s->status_fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				s->line[s->line_len] = '\0';
				status_line(s, s->line);
				s->line_len = 0;
			} else if (s->line_len < sizeof s->line - 1) {
				s->line[s->line_len++] = buf[i];
			}
		}
	}
}

void relaysrc_pump(struct relaysrc *s)
{
	read_status(s);
	while (s->pcm_fd >= 0 && s->len < s->cap) {
		size_t tail = (s->head + s->len) % s->cap;
		size_t room = tail >= s->head ? s->cap - tail : s->head - tail;
		ssize_t n;

		if (room > s->cap - s->len)
			room = s->cap - s->len;
		n = read(s->pcm_fd, s->ring + tail, room);
		if (n > 0) {
			s->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		/* EOF or error: the child is gone */
		read_status(s);
		stop_child(s, false);
		s->died = util_now_mono();
		if (!s->down || !s->reason[0])
			set_down(s, "loaxad-relay exited");
		else
			s->down = true;
		log_warnx("relay %s: %s; starting it again", s->url, s->reason);
		break;
	}
	if (!s->pid && util_ts_diff(util_now_mono(), s->died) >= RELAYSRC_RESPAWN_S) {
		s->line_len = 0;
		spawn_child(s);
	}
}

long relaysrc_frames(const struct relaysrc *s)
{
	return (long)(s->len / s->frame_bytes);
}

long relaysrc_capacity(const struct relaysrc *s)
{
	return (long)(s->cap / s->frame_bytes);
}

long relaysrc_take(struct relaysrc *s, int16_t *out, long n)
{
	size_t want, done = 0;

	if (n <= 0)
		return 0;
	want = (size_t)n * s->frame_bytes;
	if (want > s->len - s->len % s->frame_bytes)
		want = s->len - s->len % s->frame_bytes;
	while (done < want) {
		size_t k = s->cap - s->head;

		if (k > want - done)
			k = want - done;
		if (out)
			memcpy((unsigned char *)out + done, s->ring + s->head, k);
		s->head = (s->head + k) % s->cap;
		s->len -= k;
		done += k;
	}
	if (s->len == 0)
		s->head = 0;
	return (long)(want / s->frame_bytes);
}

bool relaysrc_down(const struct relaysrc *s)
{
	return s->down;
}

const char *relaysrc_reason(const struct relaysrc *s)
{
	return s->reason;
}

void relaysrc_close(struct relaysrc *s)
{
	if (!s)
		return;
	stop_child(s, true);
	free(s->ring);
	free(s->url);
	free(s);
}

int relaysrc_probe(const char *url, int timeout_s, char *out, size_t n)
{
	char t[16], buf[512];
	const char *argv[] = {relaysrc_helper(), "--probe", "--timeout", t, url, NULL};
	int fds[2], child_fds[2] = {-1, -1}, err, status = 0;
	size_t len = 0;
	ssize_t got;
	pid_t pid;

	snprintf(t, sizeof t, "%d", timeout_s);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(out, n, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	child_fds[STDOUT_FILENO] = fds[1];
	err = netjob_spawn_fds(argv[0], argv + 1, child_fds, 2, &pid);
	close(fds[1]);
	if (err) {
		close(fds[0]);
		snprintf(out, n, "cannot run %s: %s", argv[0], strerror(err));
		return -1;
	}
	while (len < sizeof buf - 1 && ((got = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0 ||
	                                (got < 0 && errno == EINTR)))
		if (got > 0)
			len += (size_t)got;
	close(fds[0]);
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !strncmp(buf, "ok ", 3)) {
		snprintf(out, n, "%s", buf + 3);
		return 0;
	}
	if (!strncmp(buf, "error ", 6))
		snprintf(out, n, "%s", buf + 6);
	else
		snprintf(out, n, "%s failed", argv[0]);
	return -1;
}
