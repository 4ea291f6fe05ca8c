/*
 * sdnotify: systemd's notification protocol. See sdnotify.h.
 */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int sdnotify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len;
	ssize_t sent;
	int fd, saved;

	if (!path || !*path)
		return 0;
	len = strlen(path);
	/* a path, or "@name" in the abstract namespace */
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	              (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	saved = errno;
	close(fd);
	errno = saved;
	return sent < 0 ? -1 : 1;
}

uint64_t sdnotify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (!usec || !*usec)
		return 0;
	/* WATCHDOG_PID, when set, names the process the watchdog is for */
	if (pid && *pid) {
		long p = strtol(pid, &end, 10);

		if (*end != '\0' || p != (long)getpid())
			return 0;
	}
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end != '\0')
		return 0;
	return v;
}
