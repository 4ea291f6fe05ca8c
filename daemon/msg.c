/*
 * msg: leveled diagnostics on stderr, with journald priority prefixes.
 */
#include "msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *msg_progname = "loaxa";
static bool msg_prefix;
static enum msg_level msg_max = MSG_INFO;

void msg_init(const char *progname, bool prefix, enum msg_level max_level)
{
	msg_progname = progname;
	msg_prefix = prefix;
	msg_max = max_level;
}

static void msg_vlog(enum msg_level level, int errnum, const char *fmt, va_list ap)
{
	char buf[2048];
	size_t n;

	if (level > msg_max)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	n = strlen(buf);
	if (errnum && n < sizeof buf - 2)
		snprintf(buf + n, sizeof buf - n, ": %s", util_strerror(errnum));
	if (msg_prefix)
		fprintf(stderr, "<%d>%s\n", (int)level, buf);
	else
		fprintf(stderr, "%s: %s\n", msg_progname, buf);
}

#define MSG_DEFINE(name, level, with_errno)                                                        \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		int saved = errno;                                                                 \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		msg_vlog(level, (with_errno) ? saved : 0, fmt, ap);                                \
		va_end(ap);                                                                        \
		errno = saved;                                                                     \
	}

MSG_DEFINE(log_warn, MSG_WARNING, 1)
MSG_DEFINE(log_warnx, MSG_WARNING, 0)
MSG_DEFINE(log_err, MSG_ERR, 1)
MSG_DEFINE(log_errx, MSG_ERR, 0)
MSG_DEFINE(log_notice, MSG_NOTICE, 0)
MSG_DEFINE(log_info, MSG_INFO, 0)
MSG_DEFINE(log_debug, MSG_DEBUG, 0)

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(MSG_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(MSG_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
