/*
 * control: the local control socket, both ends.
 */
#include "control.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "i18n.h"
#include "util.h"

#define CONTROL_MAX_REQUEST (64 * 1024)
/* loaxactl waits this long for an answer ("load" checks a file, "emergency"
 * stops the player first): a daemon that takes longer is stuck. */
#define CONTROL_CLIENT_TIMEOUT_MS 30000

struct control {
	int fd;
	char *path;
	control_handler fn;
	void *ctx;
};

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
	    listen(fd, 8) < 0) {
		log_warn("control socket %s", path);
		close(fd);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->path = xstrdup(path);
	c->fn = fn;
	c->ctx = ctx;
	return c;
}

int control_fd(const struct control *c)
{
	return c->fd;
}

static void reply(int fd, json_t *ans)
{
	char *text = json_dumps(ans, JSON_COMPACT);
	size_t len, off = 0;

	if (!text)
		return;
	len = strlen(text);
	text[len] = '\n';
	while (off < len + 1) {
		ssize_t w = write(fd, text + off, len + 1 - off);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(text);
}

void control_serve(struct control *c)
{
	/* A client that connects and says nothing must not stall the loop:
	 * the request gets a short deadline. */
	struct timeval tv = {0, 300000};
	char *buf;
	size_t n = 0;
	json_t *req, *ans;
	json_error_t err;
	int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	buf = xmalloc(CONTROL_MAX_REQUEST + 1);
	while (n < CONTROL_MAX_REQUEST) {
		ssize_t r = read(fd, buf + n, CONTROL_MAX_REQUEST - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(buf + n - (size_t)r, '\n', (size_t)r))
			break;
	}
	buf[n] = '\0';
	req = json_loadb(buf, n, JSON_DISABLE_EOF_CHECK, &err);
	if (!req || !json_is_object(req) || !json_is_string(json_object_get(req, "cmd"))) {
		ans = json_pack("{s:b,s:s}", "ok", 0, "message", "bad request");
	} else {
		ans = c->fn(json_string_value(json_object_get(req, "cmd")), req, c->ctx);
	}
	reply(fd, ans);
	json_decref(ans);
	json_decref(req);
	free(buf);
	close(fd);
}

void control_close(struct control *c)
{
	if (!c)
		return;
	close(c->fd);
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
}

int control_command(const char *conf_path, int argc, char **argv)
{
	static const char *const known[] = {"status", "play", "emergency", "stop",
					    "reload", "sync",  "load"};
	struct conf c;
	struct diag d = {0};
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
	if (conf_load(&c, conf_path, &d) < 0) {
		diag_print(&d, stderr);
		diag_free(&d);
		return 2;
	}
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
