/*
 * netjob: a network round in a child process. See netjob.h.
 */
#include "netjob.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "i18n.h"
#include "util.h"

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/local/libexec/loaxa"
#endif

#define NETJOB_OUT_MAX (64 * 1024) /* one JSON object: a few hundred bytes */

extern char **environ;

static char helper_path[PATH_MAX];
static pthread_once_t helper_once = PTHREAD_ONCE_INIT;

void netjob_find_program(const char *name, const char *env_var, char *path, size_t n)
{
	const char *env = getenv(env_var);
	char self[PATH_MAX];
	ssize_t len;

	snprintf(path, n, "%s/%s", LIBEXECDIR, name);
	if (env && *env) {
		snprintf(path, n, "%s", env);
		return;
	}
	/* a build tree: the helper beside the daemon */
	len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len > 0) {
		char *slash, *beside;

		self[len] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			beside = xasprintf("%s/%s", self, name);
			if (access(beside, X_OK) == 0)
				snprintf(path, n, "%s", beside);
			free(beside);
		}
	}
}

static void find_helper(void)
{
	netjob_find_program("loaxad-net", "LOAXA_NET_HELPER", helper_path, sizeof helper_path);
}

const char *netjob_helper(void)
{
	pthread_once(&helper_once, find_helper);
	return helper_path;
}

int netjob_spawn_fds(const char *path, const char *const args[], const int fds[], size_t nfds,
                     pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	size_t n = 0;
	char **argv;
	int err;

	while (args[n])
		n++;
	argv = xcalloc(n + 2, sizeof *argv);
	argv[0] = (char *)path;
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];
	posix_spawn_file_actions_init(&fa);
	for (size_t i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			posix_spawn_file_actions_adddup2(&fa, fds[i], (int)i);
	posix_spawnattr_init(&at);
	/* the daemon blocks signals for its signalfd; the child must not */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGTERM);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	err = posix_spawn(pid, path, &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	return err;
}

/* The child's standard input and output. */
static int spawn_path(const char *path, const char *const args[], int in_fd, int out_fd, pid_t *pid)
{
	const int fds[] = {in_fd, out_fd};

	return netjob_spawn_fds(path, args, fds, 2, pid);
}

static int spawn(const char *const args[], int in_fd, int out_fd, pid_t *pid)
{
	return spawn_path(netjob_helper(), args, in_fd, out_fd, pid);
}

int netjob_spawn(const char *path, const char *const args[], int *to_child, int *from_child,
                 pid_t *pid)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		err = errno;
		for (int i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
		}
		return err;
	}
	err = spawn_path(path ? path : netjob_helper(), args, in[0], out[1], pid);
	close(in[0]);
	close(out[1]);
	if (err) {
		close(in[1]);
		close(out[0]);
		return err;
	}
	*to_child = in[1];
	*from_child = out[0];
	return 0;
}

int netjob_run(const char *const args[], const char *input, int cancel_fd, json_t **out, char *why,
               size_t why_len)
{
	int in[2] = {-1, -1}, outp[2] = {-1, -1}, status = 0, err, ret = -1;
	size_t len = 0, cap = 4096, off = 0, in_len = input ? strlen(input) : 0;
	bool killed = false;
	char *buf = xmalloc(cap);
	json_error_t je;
	pid_t pid;

	*out = NULL;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
		snprintf(why, why_len, _("cannot make a pipe: %s"), util_strerror(errno));
		goto out;
	}
	err = spawn(args, in[0], outp[1], &pid);
	close(in[0]);
	close(outp[1]);
	in[0] = outp[1] = -1;
	if (err) {
		snprintf(why, why_len, _("cannot run %s: %s"), netjob_helper(), util_strerror(err));
		goto out;
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (in_len == 0) {
		close(in[1]);
		in[1] = -1;
	}
	for (;;) {
		struct pollfd p[3] = {{.fd = outp[0], .events = POLLIN},
		                      {.fd = cancel_fd, .events = POLLIN},
		                      {.fd = in[1], .events = POLLOUT}};
		ssize_t got;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* A round is cancelled by SIGKILL: loaxad-net keeps nothing to
		 * tidy (every file it writes is a temporary file renamed into
		 * place, and a kill at any moment loses nothing: t92), and no
		 * handler or library in it can put off going. */
		if (!killed && (p[1].revents & POLLIN)) {
			kill(pid, SIGKILL);
			killed = true;
		}
		if (in[1] >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			got = write(in[1], input + off, in_len - off);
			if (got > 0)
				off += (size_t)got;
			if ((got < 0 && errno != EAGAIN) || off == in_len) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (len + 1 >= cap) {
				if (cap >= NETJOB_OUT_MAX) {
					kill(pid, SIGKILL);
					killed = true;
					break;
				}
				cap *= 2;
				buf = xreallocarray(buf, cap, 1);
			}
			got = read(outp[0], buf + len, cap - len - 1);
			if (got > 0)
				len += (size_t)got;
			else if (got == 0 || errno != EINTR)
				break;
		}
	}
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (killed) {
		snprintf(why, why_len, "%s", _("stopped"));
	} else if (WIFSIGNALED(status)) {
		snprintf(why, why_len, _("%s was killed by signal %d"), netjob_helper(),
		         WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0) {
		snprintf(why, why_len, _("%s failed (exit status %d); see the daemon's log"),
		         netjob_helper(), WEXITSTATUS(status));
	} else if (!(*out = json_loads(buf, 0, &je)) || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		snprintf(why, why_len, _("%s answered what is not a JSON object"), netjob_helper());
	} else {
		ret = 0;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	free(buf);
	return ret;
}

unsigned netjob_backoff_s(unsigned first, unsigned interval, unsigned failures)
{
	uint64_t d = first;

	for (unsigned i = 0; i < failures && d < interval; i++)
		d *= 2;
	if (d > interval)
		d = interval;
	if (d < 2)
		return (unsigned)d;
	return (unsigned)(d / 2 + randombytes_uniform((uint32_t)(d / 2) + 1));
}
