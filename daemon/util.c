/*
 * util: allocation, crash-safe files, SHA-256, timestamps.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <unistd.h>

#include "i18n.h"

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fatalx("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		fatalx("out of memory");
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		fatalx("allocation overflow");
	p = realloc(p, (n * size) != 0 ? n * size : 1);
	if (!p)
		fatalx("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		fatalx("out of memory");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	char *p;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		fatalx("out of memory");
	return p;
}

int util_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The rest of an atomic write once the temp file tmp is open as fd: buf
 * into it, fsync, close (fd is closed whatever happens), rename over
 * path, fsync dir. On failure tmp is removed, errno kept. */
static int write_atomic_commit(int fd, const char *tmp, const char *path, const char *dir,
                               const void *buf, size_t len)
{
	int saved;

	if (util_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return util_fsync_dir(dir);
}

int util_write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *dircopy = xstrdup(path);
	int fd, saved, ret = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0)
		ret = write_atomic_commit(fd, tmp, path, dirname(dircopy), buf, len);
	saved = errno;
	free(tmp);
	free(dircopy);
	errno = saved;
	return ret;
}

int util_write_atomic_owned(const char *path, const void *buf, size_t len, mode_t mode,
                            const char *owner_of)
{
	char *dircopy = xstrdup(path), *basecopy = xstrdup(path), *dir = dirname(dircopy);
	char *tmp = xasprintf("%s/.%s.XXXXXX", dir, basename(basecopy));
	struct stat st;
	int fd, saved, ret = -1;

	if (stat(owner_of, &st) < 0)
		goto out;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto out;
	if (fchmod(fd, mode) < 0 || (geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0)) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		goto out;
	}
	ret = write_atomic_commit(fd, tmp, path, dir, buf, len);
out:
	saved = errno;
	free(tmp);
	free(basecopy);
	free(dircopy);
	errno = saved;
	return ret;
}

int util_mkdirs(const char *path, mode_t mode)
{
	char *p = xstrdup(path);

	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				int saved = errno;

				free(p);
				errno = saved;
				return -1;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return 0;
}

int util_check_regular(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = UTIL_ENOTREG;
		return -1;
	}
	return 0;
}

int util_open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), flags, saved;

	if (fd < 0)
		return -1;
	if (util_check_regular(fd) < 0)
		goto fail;
	/* Reads of a regular file never block anyway; the flag goes so that
	 * whoever gets the descriptor (libsndfile, stdio) sees a plain one. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

const char *util_strerror(int err)
{
	if (err == UTIL_ENOTREG)
		return _("not a regular file");
	return strerror(err);
}

int util_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = util_open_regular(path);
	size_t cap = 4096, n = 0;
	char *b;

	if (fd < 0)
		return -1;
	b = xmalloc(cap + 1);
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap > max) {
				free(b);
				close(fd);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			b = xreallocarray(b, cap + 1, 1);
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			int saved = errno;

			if (saved == EINTR)
				continue;
			free(b);
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(b);
		errno = EFBIG;
		return -1;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

void util_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

bool util_is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool util_is_sha256_hex(const char *s)
{
	return util_is_lower_hex(s, 64) && s[64] == '\0';
}

void util_sha256_hex(const void *buf, size_t len, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, buf, len);
	util_hex(h, sizeof h, hex);
}

int util_sha256_file(const char *path, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	unsigned char buf[65536];
	int fd = util_open_regular(path);

	if (fd < 0)
		return -1;
	crypto_hash_sha256_init(&st);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);

		if (r < 0) {
			int saved = errno;

			if (saved == EINTR)
				continue;
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		crypto_hash_sha256_update(&st, buf, (unsigned long long)r);
	}
	close(fd);
	crypto_hash_sha256_final(&st, h);
	util_hex(h, sizeof h, hex);
	return 0;
}

void util_format_time(char *buf, size_t n, struct timespec ts, bool millis)
{
	struct tm tm;
	char date[32];
	long off, ms = ts.tv_nsec / 1000000;

	localtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff / 60;
	if (millis)
		snprintf(buf, n, "%s.%03ld%c%02ld:%02ld", date, ms, off < 0 ? '-' : '+',
		         labs(off) / 60, labs(off) % 60);
	else
		snprintf(buf, n, "%s%c%02ld:%02ld", date, off < 0 ? '-' : '+', labs(off) / 60,
		         labs(off) % 60);
}

void util_format_date(char *buf, size_t n, time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d", &tm);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int util_parse_time(const char *s, struct timespec *ts)
{
	int y, mo, d, h, mi, sec, consumed = 0;
	long nsec = 0;
	int64_t t;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) != 6 ||
	    consumed != 19)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
		return -1;
	p = s + consumed;
	if (*p == '.') {
		long scale = 100000000;

		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			nsec += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;

		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || strlen(p) != 6 || p[3] != ':')
			return -1;
		t -= (*p == '+' ? 1 : -1) * (oh * 3600 + om * 60);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = nsec;
	return 0;
}

bool util_clock_synced(void)
{
	struct timex tx = {0};
	int state = adjtimex(&tx);

	return state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

struct timespec util_now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

struct timespec util_now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

double util_ts_diff(struct timespec a, struct timespec b)
{
	return (double)(a.tv_sec - b.tv_sec) + (double)(a.tv_nsec - b.tv_nsec) / 1e9;
}

long long util_option_number(const char *prog, const char *opt, const char *s, long long min,
                             long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < min || v > max) {
		fprintf(stderr, "%s: %s: not a number in %lld..%lld: %s\n", prog, opt, min, max, s);
		exit(2);
	}
	return v;
}
