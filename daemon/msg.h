/*
 * msg: the daemon's and tools' diagnostic log on stderr.
 *
 * Under systemd each line starts with a "<N>" syslog priority prefix that
 * journald turns into the entry's priority; msg_init() decides whether to
 * print it. _warn variants append strerror(errno), _warnx ones do not.
 * fatal() is for start-up only.
 */
#ifndef LOAXA_MSG_H
#define LOAXA_MSG_H

#include <stdbool.h>

enum msg_level { MSG_ERR = 3, MSG_WARNING = 4, MSG_NOTICE = 5, MSG_INFO = 6, MSG_DEBUG = 7 };

#define MSG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* prefix: print "<N>" priority prefixes; progname: shown when !prefix. */
void msg_init(const char *progname, bool prefix, enum msg_level max_level);

void log_warn(const char *fmt, ...) MSG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) MSG_PRINTF(1, 2);
void log_err(const char *fmt, ...) MSG_PRINTF(1, 2);
void log_errx(const char *fmt, ...) MSG_PRINTF(1, 2);
void log_notice(const char *fmt, ...) MSG_PRINTF(1, 2);
void log_info(const char *fmt, ...) MSG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) MSG_PRINTF(1, 2);
_Noreturn void fatal(const char *fmt, ...) MSG_PRINTF(1, 2);
_Noreturn void fatalx(const char *fmt, ...) MSG_PRINTF(1, 2);

#endif
