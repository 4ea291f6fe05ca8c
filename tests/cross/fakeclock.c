/*
 * fakeclock: a settable wall clock linked into a test build of loaxad
 * (tests/loaxad-fakeclock), so a test can run the real daemon on a date of
 * its choosing — 2040-01-01 on armhf — where LD_PRELOAD tools cannot reach:
 * under qemu-user the guest's clock calls never pass through the host's
 * libc, and the kernel's absolute timers know only the real time.
 *
 * LOAXA_FAKE_TIME="2040-01-01T05:29:50+07:00" makes CLOCK_REALTIME read
 * that time at the first call and run on from there at the real rate.
 * Everything that reads the wall clock is shifted forward, and everything
 * that hands the kernel an absolute wall-clock deadline (the daemon's
 * timerfd, the player's wait for an item's start) is shifted back, so
 * timers fire at the right moment of the fake day. CLOCK_MONOTONIC is left
 * alone. Without the variable every call passes through unchanged.
 *
 * The functions below replace libc's for this executable by ordinary
 * symbol interposition; with -D_TIME_BITS=64 on a 32-bit target glibc's
 * headers give them their 64-bit symbol names (__clock_gettime64, ...),
 * and the real ones are looked up under those names.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>

#include "util.h"

#if defined(__USE_TIME_BITS64) && __TIMESIZE == 32
#define REAL_NAME(plain, time64) time64
#else
#define REAL_NAME(plain, time64) plain
#endif

typedef int clock_gettime_fn(clockid_t, struct timespec *);
typedef int clock_nanosleep_fn(clockid_t, int, const struct timespec *, struct timespec *);
typedef int timerfd_create_fn(int, int);
typedef int timerfd_settime_fn(int, int, const struct itimerspec *, struct itimerspec *);
typedef int cond_clockwait_fn(pthread_cond_t *, pthread_mutex_t *, clockid_t,
                              const struct timespec *);

static struct {
	pthread_once_t once;
	int64_t offset_ns; /* fake minus real */
	clock_gettime_fn *clock_gettime;
	clock_nanosleep_fn *clock_nanosleep;
	timerfd_create_fn *timerfd_create;
	timerfd_settime_fn *timerfd_settime;
	cond_clockwait_fn *cond_clockwait;
	unsigned char realtime_fd[4096]; /* timerfds on CLOCK_REALTIME */
} fc = {.once = PTHREAD_ONCE_INIT};

static void *real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		fprintf(stderr, "fakeclock: %s not found\n", name);
		abort();
	}
	return f;
}

static int64_t ts_ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000),
	                      .tv_nsec = (long)(ns % 1000000000)};

	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000;
	}
	return ts;
}

static void fakeclock_init(void)
{
	const char *start = getenv("LOAXA_FAKE_TIME");
	struct timespec fake, now;

	fc.clock_gettime = real(REAL_NAME("clock_gettime", "__clock_gettime64"));
	fc.clock_nanosleep = real(REAL_NAME("clock_nanosleep", "__clock_nanosleep_time64"));
	fc.timerfd_create = real("timerfd_create");
	fc.timerfd_settime = real(REAL_NAME("timerfd_settime", "__timerfd_settime64"));
	fc.cond_clockwait = real(REAL_NAME("pthread_cond_clockwait", "__pthread_cond_clockwait64"));
	if (!start || !*start)
		return;
	if (util_parse_time(start, &fake) < 0) {
		fprintf(stderr, "fakeclock: LOAXA_FAKE_TIME: not a time: %s\n", start);
		abort();
	}
	fc.clock_gettime(CLOCK_REALTIME, &now);
	fc.offset_ns = ts_ns(fake) - ts_ns(now);
}

static void init(void)
{
	pthread_once(&fc.once, fakeclock_init);
}

static bool is_wall(clockid_t clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	int r;

	init();
	r = fc.clock_gettime(clk, ts);
	if (r == 0 && is_wall(clk) && fc.offset_ns)
		*ts = ns_ts(ts_ns(*ts) + fc.offset_ns);
	return r;
}

time_t time(time_t *t)
{
	struct timespec ts;
	time_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec;
	if (t)
		*t = now;
	return now;
}

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
	struct timespec shifted;

	init();
	if ((flags & TIMER_ABSTIME) && is_wall(clk) && fc.offset_ns) {
		shifted = ns_ts(ts_ns(*req) - fc.offset_ns);
		req = &shifted;
	}
	return fc.clock_nanosleep(clk, flags, req, rem);
}

int pthread_cond_clockwait(pthread_cond_t *restrict cond, pthread_mutex_t *restrict mutex,
                           clockid_t clk, const struct timespec *restrict abstime)
{
	struct timespec shifted;

	init();
	if (is_wall(clk) && fc.offset_ns) {
		shifted = ns_ts(ts_ns(*abstime) - fc.offset_ns);
		abstime = &shifted;
	}
	return fc.cond_clockwait(cond, mutex, clk, abstime);
}

int timerfd_create(clockid_t clk, int flags)
{
	int fd;

	init();
	fd = fc.timerfd_create(clk, flags);
	if (fd >= 0 && (size_t)fd < sizeof fc.realtime_fd)
		fc.realtime_fd[fd] = is_wall(clk);
	return fd;
}

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value,
                    struct itimerspec *old_value)
{
	struct itimerspec shifted;

	init();
	if ((flags & TFD_TIMER_ABSTIME) && fd >= 0 && (size_t)fd < sizeof fc.realtime_fd &&
	    fc.realtime_fd[fd] && fc.offset_ns &&
	    (new_value->it_value.tv_sec || new_value->it_value.tv_nsec)) {
		shifted = *new_value;
		shifted.it_value = ns_ts(ts_ns(new_value->it_value) - fc.offset_ns);
		new_value = &shifted;
	}
	return fc.timerfd_settime(fd, flags, new_value, old_value);
}
