/*
 * amp: the amplifier's on/off commands around sessions.
 */
#include "amp.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

struct amp {
	char *on_cmd, *off_cmd;
	int lead_s, tail_s;
	bool on;
	bool was_busy;
	struct timespec idle_since; /* when the last session ended */
	pid_t child;                /* the command running, 0 = none */
	const char *child_what;
	struct timespec child_deadline; /* monotonic */
};

struct amp *amp_new(const struct conf *c)
{
	struct amp *a;

	if ((!c->amplifier.on_command || !*c->amplifier.on_command) &&
	    (!c->amplifier.off_command || !*c->amplifier.off_command))
		return NULL;
	a = xcalloc(1, sizeof *a);
	a->on_cmd = c->amplifier.on_command ? xstrdup(c->amplifier.on_command) : NULL;
	a->off_cmd = c->amplifier.off_command ? xstrdup(c->amplifier.off_command) : NULL;
	a->lead_s = c->amplifier.lead_s;
	a->tail_s = c->amplifier.tail_s;
	return a;
}

void amp_free(struct amp *a)
{
	if (!a)
		return;
	if (a->child > 0) {
		kill(a->child, SIGKILL);
		waitpid(a->child, NULL, 0);
	}
	free(a->on_cmd);
	free(a->off_cmd);
	free(a);
}

bool amp_is_on(const struct amp *a)
{
	return a && a->on;
}

char **amp_split(const char *cmd)
{
	char **argv = NULL, *word = xmalloc(strlen(cmd) + 1);
	size_t n = 0, w = 0;
	bool quoted = false, in_word = false;

	for (const char *p = cmd;; p++) {
		if (*p == '\0' || (!quoted && (*p == ' ' || *p == '\t'))) {
			if (in_word) {
				word[w] = '\0';
				argv = xreallocarray(argv, n + 2, sizeof *argv);
				argv[n++] = xstrdup(word);
				w = 0;
				in_word = false;
			}
			if (*p == '\0')
				break;
			continue;
		}
		in_word = true;
		if (*p == '"') {
			quoted = !quoted;
		} else if (*p == '\\' && p[1]) {
			word[w++] = *++p;
		} else {
			word[w++] = *p;
		}
	}
	free(word);
	if (quoted || !n) {
		for (size_t i = 0; i < n; i++)
			free(argv[i]);
		free(argv);
		return NULL;
	}
	argv[n] = NULL;
	return argv;
}

void amp_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static void run(struct amp *a, const char *cmd, const char *what)
{
	char **argv;
	pid_t pid;

	if (!cmd || !*cmd)
		return;
	if (a->child > 0) {
		/* the previous command overran: it loses */
		log_warnx("amplifier: %s command still running; killing it", a->child_what);
		kill(a->child, SIGKILL);
		waitpid(a->child, NULL, 0);
		a->child = 0;
	}
	argv = amp_split(cmd);
	if (!argv) {
		log_warnx("amplifier: cannot parse the %s command: %s", what, cmd);
		return;
	}
	/* A path that cannot run is said at once, with why, rather than as
	 * the exit status 127 of a child that could not exec it. */
	if (strchr(argv[0], '/') && access(argv[0], X_OK) < 0) {
		log_warnx("amplifier %s: the command could not be started: %s: %s", what, argv[0],
		          strerror(errno));
		amp_argv_free(argv);
		return;
	}
	pid = fork();
	if (pid == 0) {
		sigset_t all;

		/* the daemon blocks signals for its signalfd; the child must not */
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		execvp(argv[0], argv);
		_exit(127);
	}
	amp_argv_free(argv);
	if (pid < 0) {
		log_warn("amplifier: cannot run the %s command", what);
		return;
	}
	a->child = pid;
	a->child_what = what;
	a->child_deadline = util_now_mono();
	a->child_deadline.tv_sec += AMP_TIMEOUT_S;
	log_info("amplifier %s: running %s", what, cmd);
}

void amp_reap(struct amp *a)
{
	int status;

	if (!a || a->child <= 0)
		return;
	if (waitpid(a->child, &status, WNOHANG) != a->child)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("amplifier %s: done", a->child_what);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		log_warnx("amplifier %s: the command could not be started", a->child_what);
	else if (WIFEXITED(status))
		log_warnx("amplifier %s: the command failed (exit status %d)", a->child_what,
		          WEXITSTATUS(status));
	else
		log_warnx("amplifier %s: the command was killed (signal %d)", a->child_what,
		          WTERMSIG(status));
	a->child = 0;
}

static struct timespec earlier(struct timespec x, struct timespec y)
{
	if (!x.tv_sec)
		return y;
	if (!y.tv_sec)
		return x;
	return util_ts_diff(x, y) < 0 ? x : y;
}

struct timespec amp_step(struct amp *a, struct timespec now, bool busy, struct timespec next_start)
{
	struct timespec wake = {0, 0};
	double to_next = next_start.tv_sec ? util_ts_diff(next_start, now) : -1;

	if (!a)
		return wake;
	amp_reap(a);
	if (a->child > 0) {
		struct timespec mono = util_now_mono();

		if (util_ts_diff(mono, a->child_deadline) >= 0) {
			log_warnx("amplifier %s: no answer after %d s; killing the command",
			          a->child_what, AMP_TIMEOUT_S);
			kill(a->child, SIGKILL);
		} else {
			wake = now;
			wake.tv_sec += (time_t)util_ts_diff(a->child_deadline, mono) + 1;
		}
	}
	if (a->was_busy && !busy)
		a->idle_since = now;
	a->was_busy = busy;

	if (!a->on) {
		if (busy || (to_next >= 0 && to_next <= a->lead_s)) {
			a->on = true;
			run(a, a->on_cmd, "on");
		} else if (to_next > a->lead_s) {
			struct timespec t = next_start;

			t.tv_sec -= a->lead_s;
			wake = earlier(wake, t);
		}
		return wake;
	}
	if (!busy) {
		double idle = util_ts_diff(now, a->idle_since);

		if (idle < a->tail_s) {
			struct timespec t = a->idle_since;

			t.tv_sec += a->tail_s;
			wake = earlier(wake, t);
		} else if (!(to_next >= 0 && to_next <= a->lead_s)) {
			/* not when the next session is due within the lead: close
			 * sessions share one on/off */
			a->on = false;
			run(a, a->off_cmd, "off");
		}
	}
	return wake;
}

void amp_shutdown(struct amp *a)
{
	struct timespec end;

	if (!a || !a->on)
		return;
	a->on = false;
	run(a, a->off_cmd, "off");
	end = util_now_mono();
	end.tv_sec += AMP_TIMEOUT_S;
	while (a->child > 0 && util_ts_diff(end, util_now_mono()) > 0) {
		struct timespec ts = {0, 20000000};

		nanosleep(&ts, NULL);
		amp_reap(a);
	}
}
