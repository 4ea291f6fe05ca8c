/*
 * util: memory helpers that never return NULL, crash-safe file writes,
 * hashing and timestamp formatting shared by the daemon and the tools.
 */
#ifndef LOAXA_UTIL_H
#define LOAXA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "msg.h"

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) MSG_PRINTF(1, 2);

/* Write buf to path crash-safely: temp file in the same folder, fsync,
 * rename over path, fsync the folder. Returns 0, or -1 with errno set. */
int util_write_atomic(const char *path, const void *buf, size_t len, mode_t mode);
/* The same for a file written by root into a folder another user owns
 * (web.passwd in state_dir): the temp file is made with mkostemp
 * (".NAME.XXXXXX" beside path), so that whoever may write the folder
 * cannot have it be a link; it gets exactly mode, whatever the umask,
 * and, when run as root, the owner and group of owner_of. */
int util_write_atomic_owned(const char *path, const void *buf, size_t len, mode_t mode,
                            const char *owner_of);
int util_fsync_dir(const char *dir);
/* write() all of buf, retrying after EINTR and short writes. 0 or -1. */
int util_write_all(int fd, const void *buf, size_t len);
/* mkdir -p; existing folders are fine. */
int util_mkdirs(const char *path, mode_t mode);
/*
 * Every file loaxa reads on behalf of someone else (schedule items, schedule
 * files, the config, the manifest and the store, what is published) is
 * opened here. A FIFO, device, socket or folder named where a file belongs
 * is refused: opening a FIFO waits for a writer, and reading /dev/zero
 * never ends. The open itself does not block (O_NONBLOCK, then cleared
 * once fstat says the file is regular) and takes no controlling terminal.
 * Returns a descriptor (O_CLOEXEC), or -1 with errno set; errno is
 * UTIL_ENOTREG for a file that is not a regular one.
 */
int util_open_regular(const char *path);
/* The same for an open descriptor (openat and the like): 0, or -1 with
 * errno UTIL_ENOTREG (or fstat's). */
int util_check_regular(int fd);
/* Not an errno of any system: "not a regular file" (util_strerror). */
#define UTIL_ENOTREG 0x10001
/* strerror(), knowing UTIL_ENOTREG. */
const char *util_strerror(int err);

/* Read a whole regular file (util_open_regular; at most max bytes, larger
 * is an error, errno EFBIG). The buffer is NUL-terminated for convenience. */
int util_read_file(const char *path, size_t max, char **buf, size_t *len);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void util_hex(const unsigned char *in, size_t n, char *out);
/* Are the first n characters of s lower-case hex digits, as util_hex
 * writes them? (A shorter s is not.) */
bool util_is_lower_hex(const char *s, size_t n);
/* Is s exactly a SHA-256 as util_sha256_hex writes it: 64 lower-case hex
 * digits? */
bool util_is_sha256_hex(const char *s);
/* SHA-256 of a buffer / a regular file, as 64 hex digits + NUL. */
void util_sha256_hex(const void *buf, size_t len, char hex[65]);
int util_sha256_file(const char *path, char hex[65]);

/* Local time as ISO 8601 with offset: "2026-11-27T05:30:00.004+07:00"
 * (millis) or "2026-11-27T05:30:00+07:00" (!millis). buf >= 40 bytes. */
void util_format_time(char *buf, size_t n, struct timespec ts, bool millis);
/* Local calendar date "YYYY-MM-DD" of t. buf >= 11 bytes. */
void util_format_date(char *buf, size_t n, time_t t);
/* Parse ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM)" into an instant. */
int util_parse_time(const char *s, struct timespec *ts);

/* The kernel's view (adjtimex): true when the clock is NTP-synchronised. */
bool util_clock_synced(void);

struct timespec util_now_real(void);
struct timespec util_now_mono(void);
double util_ts_diff(struct timespec a, struct timespec b); /* a - b, seconds */

/* A command-line option's whole decimal number in min..max; otherwise
 * "PROG: OPT: not a number in MIN..MAX: S" on stderr and exit(2). */
long long util_option_number(const char *prog, const char *opt, const char *s, long long min,
                             long long max);

#endif
