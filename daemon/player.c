/*
 * player: the playback thread, its queue, the libao device and the stream
 * clock; events go to the event loop through a non-blocking pipe.
 *
 * The thread owns the device and the clock: the monotonic time at which the
 * next sample written will sound. Everything shared with the caller (queue,
 * interrupt request, event backlog) sits under one mutex; the thread takes
 * it once per block to see whether it must stop.
 *
 * Playing is most of what a station's CPU does, so the common case is kept
 * to what any player must do: a 16-bit file in the output format goes from
 * libsndfile to libao as int16, touched only by the gain (none at 0 dB) and
 * the level meter; floats and libsamplerate only when the file needs them.
 */
#include "player.h"

#include <ao/ao.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "i18n.h"
#include "relaysrc.h"
#include "util.h"

#define PLAYER_QUEUE_MAX    64
#define PLAYER_BLOCKS_PER_S 50 /* 20 ms blocks: flush latency and pacing grain */
/*
 * A sink with no clock of its own (a file driver, libao's null) takes
 * samples at once and nothing plays them out in real time: the player's
 * clock is the only clock. There each block is written once its last sample
 * is due, behind the clock rather than ahead of it, so an interrupt still
 * cuts at the sample it came at however large the blocks are. A wake-up
 * costs far more than the samples it writes (~30 us on a small x86 VM,
 * where the gain and level of 100 ms of stereo take ~4 us), so the blocks
 * are large: 200 ms, five wake-ups a second.
 */
#define PLAYER_CLOCKLESS_BLOCKS_PER_S 5
/*
 * How far the writer may run ahead of the clock on a live sink: how much of
 * the device buffer stays filled (and so how much still sounds after a
 * flush). Once there, the thread sleeps until only PLAYER_LOW_NS is left, so
 * it wakes once per two blocks rather than once per block (CPU on a Pi); a
 * flush still wakes it at once. Some ALSA PCMs (null, file) take samples
 * faster than real time; this keeps their timestamps true as well.
 */
#define PLAYER_AHEAD_NS 50000000L
#define PLAYER_LOW_NS   10000000L
/* After a flush, what the caller queues next (an emergency) usually arrives
 * within microseconds; keep a live device open that long to avoid a re-open. */
#define PLAYER_LINGER_NS      1000000000L
#define PLAYER_ALSA_BUFFER_US "100000"   /* unless audio.options says otherwise */
#define PLAYER_HASH_STEP      65536      /* bytes hashed per 20 ms of audio while playing */
#define PLAYER_HASH_BUSY_NS   30000000L  /* stop hashing this close to a start time */
#define PLAYER_WALL_SLICE_NS  100000000L /* the wall clock read again this often before a start */
/* An interrupted relay's stream is kept connected this long with nothing
 * queued, for the relay to go on air again live after what interrupted it. */
#define PLAYER_PARK_NS 10000000000LL

_Static_assert(sizeof(struct player_event) <= PIPE_BUF, "events must fit one atomic pipe write");

struct player_fallback_item {
	char *path;
	double gain_db;
};

struct player_qitem {
	uint64_t tag;
	char *path;
	double gain_db;
	struct timespec at;
	char sha256[65];
	/* relay items */
	bool relay;
	char *relay_url;
	char *relay_why;
	double relay_s;
	struct player_fallback_item *fallback;
	int nfallback;
	struct relaysrc *src; /* started ahead of the item (relay_preroll_s) */
};

struct player {
	/* fixed from player_start on */
	char *driver;
	int driver_id;
	bool file_driver;
	bool clockless; /* see PLAYER_CLOCKLESS_BLOCKS_PER_S */
	char *file;
	ao_option *options;
	ao_sample_format format;
	int rate;
	int channels;
	struct relaymon_config relay_mon;
	struct relaysrc_opts relay_src;
	double relay_preroll_s;
	char *relay_announcement;
	long block_frames;
	size_t hash_per_block; /* PLAYER_HASH_STEP per 20 ms of a block */
	int pipe_rd, pipe_wr;
	pthread_t thread;

	pthread_mutex_t lock; /* everything down to the thread's own part */
	pthread_cond_t cond;
	struct player_qitem queue[PLAYER_QUEUE_MAX];
	int qhead, qcount;
	bool playing;   /* an item is taken off the queue and not ended yet */
	bool interrupt; /* the item playing must end, with interrupt_reason */
	bool linger;    /* a flush happened: keep a live device open a moment */
	bool stopping;
	char interrupt_reason[256];
	struct player_event *backlog; /* events the full pipe did not take */
	size_t backlog_head, backlog_n, backlog_cap;

	/* the thread's own */
	ao_device *dev;
	struct timespec clock;      /* monotonic: when the next sample written sounds */
	struct timespec not_before; /* realtime: start of an item that never played */
	float *fbuf;
	int16_t *sbuf;
	int16_t *rbuf;           /* relay: the stream's block while the fallback is on air */
	struct relaysrc *parked; /* the stream of an interrupted relay */
	char *parked_url;
	unsigned char *hashbuf;
};

/* One item while it plays. */
struct player_run {
	const struct player_qitem *it;
	struct decode *dec;
	int hash_fd; /* -1 when the hash is known or hashing failed */
	crypto_hash_sha256_state hash;
	char sha256[65];
	bool native;    /* int16 from the file as it is (decode_read_s16) */
	int32_t gain_q; /* native: the gain is gain_q / 2^gain_shift */
	int gain_shift;
	float scale;  /* otherwise: gain and int16 full scale in one factor */
	long block_n; /* frames in the converted block */
	bool started;
	struct timespec start;      /* monotonic time of the first sample */
	struct timespec start_wall; /* the same on the wall clock, taken once */
	int64_t frames;             /* written */
	int peak;
	uint64_t sumsq;
	int64_t relayed, fallback; /* relay items: frames from each source */
};

static pthread_mutex_t player_ao_lock = PTHREAD_MUTEX_INITIALIZER;
static int player_ao_users;

/* ao_initialize() loads every plugin (~8 ms, ~2.6 MiB): once per process
 * while any player exists. */
static void player_ao_acquire(void)
{
	pthread_mutex_lock(&player_ao_lock);
	if (player_ao_users++ == 0)
		ao_initialize();
	pthread_mutex_unlock(&player_ao_lock);
}

/*
 * alsa-lib keeps the parsed ALSA configuration in a global cache that
 * outlives every device; ao_shutdown() then unloads the library with it
 * still allocated, which leak checkers (ASan, valgrind) report as ours.
 * Free it while the library is still there, if libao's plugin loaded it.
 */
static void player_alsa_release(void)
{
	void *lib = dlopen("libasound.so.2", RTLD_NOW | RTLD_NOLOAD);
	int (*free_global)(void);

	if (!lib)
		return;
	*(void **)&free_global = dlsym(lib, "snd_config_update_free_global");
	if (free_global)
		free_global();
	dlclose(lib);
}

static void player_ao_release(void)
{
	pthread_mutex_lock(&player_ao_lock);
	if (--player_ao_users == 0) {
		player_alsa_release();
		ao_shutdown();
	}
	pthread_mutex_unlock(&player_ao_lock);
}

static const char *player_ao_strerror(int err)
{
	switch (err) {
	case AO_ENODRIVER:
		return "no such driver";
	case AO_ENOTLIVE:
		return "not a live driver";
	case AO_ENOTFILE:
		return "not a file driver";
	case AO_EBADOPTION:
		return "bad option";
	case AO_EOPENDEVICE:
		return "cannot open the device";
	case AO_EOPENFILE:
		return "cannot open the file";
	case AO_EFILEEXISTS:
		return "file exists";
	case AO_EBADFORMAT:
		return "format not supported";
	default:
		return "failure";
	}
}

/* --- time ------------------------------------------------------------- */

static struct timespec ts_add_ns(struct timespec t, int64_t ns)
{
	int64_t total = (int64_t)t.tv_nsec + ns % 1000000000;

	t.tv_sec += (time_t)(ns / 1000000000);
	if (total >= 1000000000) {
		total -= 1000000000;
		t.tv_sec++;
	} else if (total < 0) {
		total += 1000000000;
		t.tv_sec--;
	}
	t.tv_nsec = (long)total;
	return t;
}

static int64_t ts_diff_ns(struct timespec a, struct timespec b)
{
	return (int64_t)(a.tv_sec - b.tv_sec) * 1000000000 + (a.tv_nsec - b.tv_nsec);
}

static bool ts_is_set(struct timespec t)
{
	return t.tv_sec != 0 || t.tv_nsec != 0;
}

/* Monotonic instant to wall clock, through a pair of readings taken now. */
static struct timespec player_wall(struct timespec mono)
{
	struct timespec now_real = util_now_real(), now_mono = util_now_mono();

	return ts_add_ns(now_real, ts_diff_ns(mono, now_mono));
}

static struct timespec player_clock_after(const struct player *p, struct timespec start,
                                          int64_t frames)
{
	return ts_add_ns(start, frames * 1000000000 / p->rate);
}

/* --- events ------------------------------------------------------------ */

/* Move what the pipe will take from the backlog. Caller holds the lock. */
static void player_backlog_flush(struct player *p)
{
	while (p->backlog_n > 0) {
		if (write(p->pipe_wr, &p->backlog[p->backlog_head], sizeof *p->backlog) !=
		    (ssize_t)sizeof *p->backlog)
			break;
		p->backlog_head++;
		p->backlog_n--;
	}
	if (p->backlog_n == 0)
		p->backlog_head = 0;
}

/*
 * Events are written whole (smaller than PIPE_BUF, so a write is atomic) and
 * in order; when the pipe is full they wait in the backlog, which the reader
 * moves into the pipe as it drains it, so the descriptor stays readable
 * until the last one is read. Caller holds the lock.
 */
static void player_emit(struct player *p, const struct player_event *ev)
{
	player_backlog_flush(p);
	if (p->backlog_n == 0 && write(p->pipe_wr, ev, sizeof *ev) == (ssize_t)sizeof *ev)
		return;
	if (p->backlog_head + p->backlog_n == p->backlog_cap) {
		if (p->backlog_head > 0) {
			memmove(p->backlog, p->backlog + p->backlog_head,
			        p->backlog_n * sizeof *p->backlog);
			p->backlog_head = 0;
		} else {
			p->backlog_cap = p->backlog_cap ? 2 * p->backlog_cap : 16;
			p->backlog = xreallocarray(p->backlog, p->backlog_cap, sizeof *p->backlog);
		}
	}
	p->backlog[p->backlog_head + p->backlog_n++] = *ev;
}

int player_read(struct player *p, struct player_event *ev)
{
	int got = 0;

	pthread_mutex_lock(&p->lock);
	if (read(p->pipe_rd, ev, sizeof *ev) == (ssize_t)sizeof *ev) {
		got = 1;
		player_backlog_flush(p);
	} else if (p->backlog_n > 0) {
		*ev = p->backlog[p->backlog_head++];
		p->backlog_n--;
		got = 1;
	}
	pthread_mutex_unlock(&p->lock);
	return got;
}

int player_fd(const struct player *p)
{
	return p->pipe_rd;
}

/* --- queue ------------------------------------------------------------- */

static void player_qitem_free(struct player_qitem *q)
{
	free(q->path);
	free(q->relay_url);
	free(q->relay_why);
	for (int i = 0; i < q->nfallback; i++)
		free(q->fallback[i].path);
	free(q->fallback);
	relaysrc_close(q->src);
	memset(q, 0, sizeof *q);
}

static void player_drop_queue(struct player *p)
{
	while (p->qcount > 0) {
		player_qitem_free(&p->queue[p->qhead]);
		p->qhead = (p->qhead + 1) % PLAYER_QUEUE_MAX;
		p->qcount--;
	}
	p->qhead = 0;
}

int player_enqueue(struct player *p, const struct player_item *it)
{
	struct player_qitem *q;

	pthread_mutex_lock(&p->lock);
	if (p->qcount == PLAYER_QUEUE_MAX) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	q = &p->queue[(p->qhead + p->qcount) % PLAYER_QUEUE_MAX];
	memset(q, 0, sizeof *q);
	q->tag = it->tag;
	q->path = xstrdup(it->path ? it->path : "");
	if (it->relay) {
		q->relay = true;
		q->relay_url = it->relay_url ? xstrdup(it->relay_url) : NULL;
		q->relay_why = xstrdup(it->relay_why ? it->relay_why : "");
		q->relay_s = it->relay_s > 0 ? it->relay_s : 0;
		q->nfallback = it->nfallback > 0 ? it->nfallback : 0;
		q->fallback = xcalloc((size_t)q->nfallback + 1, sizeof *q->fallback);
		for (int i = 0; i < q->nfallback; i++) {
			q->fallback[i].path = xstrdup(it->fallback[i].path);
			q->fallback[i].gain_db = it->fallback[i].gain_db;
		}
	}
	q->gain_db = it->gain_db;
	q->at = it->at;
	q->sha256[0] = '\0';
	if (it->sha256 && util_is_sha256_hex(it->sha256))
		memcpy(q->sha256, it->sha256, sizeof q->sha256);
	p->qcount++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Caller holds the lock. */
static void player_interrupt_locked(struct player *p, const char *reason)
{
	player_drop_queue(p);
	if (p->playing) {
		p->interrupt = true;
		snprintf(p->interrupt_reason, sizeof p->interrupt_reason, "%s",
		         reason ? reason : "");
	}
	p->linger = true;
	pthread_cond_broadcast(&p->cond);
}

void player_flush(struct player *p, const char *reason)
{
	pthread_mutex_lock(&p->lock);
	player_interrupt_locked(p, reason);
	pthread_mutex_unlock(&p->lock);
}

int player_pending(struct player *p)
{
	int n;

	pthread_mutex_lock(&p->lock);
	n = p->qcount + (p->playing ? 1 : 0);
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* --- the thread: waiting ----------------------------------------------- */

/* Sleep until deadline on clk unless told to stop; false when told. */
static bool player_sleep_until(struct player *p, clockid_t clk, struct timespec deadline)
{
	bool go_on;

	pthread_mutex_lock(&p->lock);
	while (!p->interrupt && !p->stopping) {
		if (pthread_cond_clockwait(&p->cond, &p->lock, clk, &deadline) == ETIMEDOUT)
			break;
	}
	go_on = !p->interrupt && !p->stopping;
	pthread_mutex_unlock(&p->lock);
	return go_on;
}

static bool player_should_go_on(struct player *p)
{
	bool go_on;

	pthread_mutex_lock(&p->lock);
	go_on = !p->interrupt && !p->stopping;
	pthread_mutex_unlock(&p->lock);
	return go_on;
}

/*
 * Sleep until the wall clock reads at, unless told to stop. The wait goes
 * by the monotonic clock in slices of at most PLAYER_WALL_SLICE_NS, the
 * wall clock read again after each, rather than in one wait on
 * CLOCK_REALTIME: so a step of the wall clock moves the start as it should
 * whatever clock the wait itself would have followed (a fake clock in the
 * tests does not reach the kernel's), and the last slice ends on the
 * nanosecond the monotonic clock says.
 */
static bool player_sleep_until_wall(struct player *p, struct timespec at)
{
	for (;;) {
		int64_t left = ts_diff_ns(at, util_now_real());

		if (left <= 0)
			return player_should_go_on(p);
		if (left > PLAYER_WALL_SLICE_NS)
			left = PLAYER_WALL_SLICE_NS;
		if (!player_sleep_until(p, CLOCK_MONOTONIC, ts_add_ns(util_now_mono(), left)))
			return false;
	}
}

/* --- the thread: device ------------------------------------------------ */

static int player_device_open(struct player *p)
{
	if (p->file_driver)
		p->dev = ao_open_file(p->driver_id, p->file, 1, &p->format, p->options);
	else
		p->dev = ao_open_live(p->driver_id, &p->format, p->options);
	if (!p->dev) {
		log_warnx(_("audio device: cannot open (driver %s): %s"), p->driver,
		          player_ao_strerror(errno));
		return -1;
	}
	return 0;
}

static void player_device_close(struct player *p)
{
	if (p->dev) {
		ao_close(p->dev);
		p->dev = NULL;
		/* whatever was written has sounded, or never will */
		p->clock = util_now_mono();
	}
}

/* --- the thread: one item ---------------------------------------------- */

/*
 * The gain of a native item in fixed point: gain_q / 2^gain_shift, gain_q
 * an int16 as large as that allows (a relative error under 2^-14, gains up
 * to +84 dB), so that the products are int16 x int16, which every SIMD unit
 * multiplies. False when the gain is out of that range; the item then takes
 * the float path.
 */
static bool player_gain_fixed(double gain_db, int32_t *q, int *shift)
{
	double g = pow(10.0, gain_db / 20.0);

	if (!isfinite(g))
		return false;
	for (int k = 15; k >= 1; k--) {
		double v = nearbyint(g * (double)(1 << k));

		if (v <= 32767.0) {
			*q = (int32_t)v;
			*shift = k;
			return true;
		}
	}
	return false;
}

/*
 * Every loop over samples below runs over a multiple of 16 first: a trip
 * count the compiler vectorises at -O2 without a scalar tail of its own.
 * Each does one thing; a loop that both scales and measures does not
 * vectorise.
 */

/* The level of what is written: extremes (int16, so that the compiler uses
 * 16-bit min/max) and the sum of squares, added to the item's. */
static void player_meter(struct player_run *r, const int16_t *s, size_t n)
{
	size_t bulk = n & ~(size_t)15, i;
	int16_t hi = 0, lo = 0;
	uint64_t sum = 0;
	int peak;

	for (i = 0; i < bulk; i++) {
		hi = s[i] > hi ? s[i] : hi;
		lo = s[i] < lo ? s[i] : lo;
		sum += (uint32_t)(s[i] * s[i]);
	}
	for (; i < n; i++) {
		hi = s[i] > hi ? s[i] : hi;
		lo = s[i] < lo ? s[i] : lo;
		sum += (uint32_t)(s[i] * s[i]);
	}
	peak = hi > -lo ? hi : -lo;
	if (peak > r->peak)
		r->peak = peak;
	r->sumsq += sum;
}

/* x * q / 2^shift, rounded; int32, for the caller to clamp if it must. */
static inline int32_t player_gain_sample(int16_t x, int16_t q, int shift, int32_t half)
{
	return (x * q + half) >> shift;
}

/*
 * The gain, in place on n native samples; nothing to do at unity. Clipping
 * is rare (loudness normalisation aims well below full scale), and the gain
 * is monotonic: when the block's extremes stay in range, every sample does,
 * and the loop without the clamp (half the work) is enough.
 */
static void player_gain_s16(const struct player_run *r, int16_t *s, size_t n)
{
	const int16_t q = (int16_t)r->gain_q;
	const int shift = r->gain_shift;
	const int32_t half = (int32_t)1 << (shift - 1);
	size_t bulk = n & ~(size_t)15, i;
	int16_t hi = 0, lo = 0;

	if (q == (int32_t)1 << shift)
		return;
	for (i = 0; i < bulk; i++) {
		hi = s[i] > hi ? s[i] : hi;
		lo = s[i] < lo ? s[i] : lo;
	}
	for (; i < n; i++) {
		hi = s[i] > hi ? s[i] : hi;
		lo = s[i] < lo ? s[i] : lo;
	}
	if (player_gain_sample(hi, q, shift, half) <= 32767 &&
	    player_gain_sample(lo, q, shift, half) >= -32768) {
		for (i = 0; i < bulk; i++)
			s[i] = (int16_t)player_gain_sample(s[i], q, shift, half);
		for (; i < n; i++)
			s[i] = (int16_t)player_gain_sample(s[i], q, shift, half);
		return;
	}
	for (i = 0; i < n; i++) {
		int32_t v = player_gain_sample(s[i], q, shift, half);

		v = v > 32767 ? 32767 : v;
		s[i] = (int16_t)(v < -32768 ? -32768 : v);
	}
}

/*
 * A float sample (full scale 32768) to int16: rounded half away from zero,
 * clamped (never wrapped), NaN from a broken float file as silence. Done on
 * the bits, with integer compares only: a float compare may trap, which
 * keeps the compiler from vectorising the loop around it. The magnitude is
 * clamped to 32767.0 or, below zero, 32768.0 (0x46fffe00, 0x47000000).
 */
static inline int16_t player_float_sample(float v)
{
	int32_t bits, sign, mag, limit, r;
	float m;

	memcpy(&bits, &v, sizeof bits);
	sign = -(int32_t)((uint32_t)bits >> 31); /* 0 or -1 */
	mag = bits & 0x7fffffff;
	mag &= -(int32_t)(mag <= 0x7f800000); /* NaN: 0; infinity stays */
	limit = 0x46fffe00 + (sign & 0x200);
	mag = mag < limit ? mag : limit;
	memcpy(&m, &mag, sizeof m);
	r = (int32_t)(m + 0.5f);
	return (int16_t)((r ^ sign) - sign);
}

/* Gain and int16 with clipping. */
static void player_convert(const struct player_run *r, const float *in, int16_t *out, size_t n)
{
	const float scale = r->scale;
	size_t bulk = n & ~(size_t)15, i;

	for (i = 0; i < bulk; i++)
		out[i] = player_float_sample(in[i] * scale);
	for (; i < n; i++)
		out[i] = player_float_sample(in[i] * scale);
}

static void player_set_gain(struct player_run *r, double gain_db)
{
	r->native =
	    decode_native_s16(r->dec) && player_gain_fixed(gain_db, &r->gain_q, &r->gain_shift);
	r->scale = (float)(32768.0 * pow(10.0, gain_db / 20.0));
}

static void player_decode_block(struct player *p, struct player_run *r)
{
	size_t samples;

	if (r->native) {
		r->block_n = decode_read_s16(r->dec, p->sbuf, p->block_frames);
		samples = (size_t)r->block_n * (size_t)p->channels;
		if (r->block_n > 0)
			player_gain_s16(r, p->sbuf, samples);
	} else {
		r->block_n = decode_read(r->dec, p->fbuf, p->block_frames);
		samples = (size_t)r->block_n * (size_t)p->channels;
		if (r->block_n > 0)
			player_convert(r, p->fbuf, p->sbuf, samples);
	}
}

/*
 * The file's SHA-256 is taken a slice at a time between blocks (and while
 * waiting for a start time), so a large file never delays the item after it.
 */
static void player_hash_begin(struct player_run *r)
{
	r->hash_fd = -1;
	if (r->it->sha256[0])
		return;
	r->hash_fd = util_open_regular(r->it->path);
	if (r->hash_fd < 0) {
		log_warn(_("cannot hash %s"), r->it->path);
		return;
	}
	crypto_hash_sha256_init(&r->hash);
}

/* Hash up to max bytes more; finishes r->sha256 at the end of the file. */
static void player_hash_step(struct player *p, struct player_run *r, size_t max)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	while (r->hash_fd >= 0 && max > 0) {
		size_t want = max < PLAYER_HASH_STEP ? max : PLAYER_HASH_STEP;
		ssize_t got = read(r->hash_fd, p->hashbuf, want);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			log_warn(_("cannot hash %s"), r->it->path);
			close(r->hash_fd);
			r->hash_fd = -1;
			return;
		}
		if (got == 0) {
			crypto_hash_sha256_final(&r->hash, h);
			util_hex(h, sizeof h, r->sha256);
			close(r->hash_fd);
			r->hash_fd = -1;
			return;
		}
		crypto_hash_sha256_update(&r->hash, p->hashbuf, (unsigned long long)got);
		max -= (size_t)got;
	}
}

/*
 * Wait for the item's start time, if it has one later than where the
 * stream is; then the clock says when its first sample sounds. The first
 * block is decoded already, so the item starts at once after the wake-up.
 * Without a start time the item follows the stream; a clock left behind the
 * present means the sink went idle (or, live, ran dry), and it starts now.
 * A clockless sink's clock trails the present by the time it took to open
 * and decode the item since the last block went out: that much (a block at
 * most) the stream simply continues.
 */
static bool player_wait_start(struct player *p, struct player_run *r)
{
	int64_t trail = p->clockless ? p->block_frames * 1000000000L / p->rate : 0;
	struct timespec at = ts_is_set(r->it->at) ? r->it->at : p->not_before;
	struct timespec now_mono = util_now_mono();

	if (ts_is_set(at)) {
		struct timespec now_real = util_now_real();
		struct timespec at_mono = ts_add_ns(now_mono, ts_diff_ns(at, now_real));

		if (ts_diff_ns(at_mono, p->clock) > 0 && ts_diff_ns(at_mono, now_mono) > 0) {
			while (r->hash_fd >= 0 &&
			       ts_diff_ns(at, util_now_real()) > PLAYER_HASH_BUSY_NS) {
				player_hash_step(p, r, 4 * PLAYER_HASH_STEP);
				if (!player_should_go_on(p))
					return false;
			}
			if (!player_sleep_until_wall(p, at))
				return false;
			p->clock = util_now_mono();
			return true;
		}
	}
	if (ts_diff_ns(now_mono, p->clock) > trail)
		p->clock = now_mono;
	return player_should_go_on(p);
}

static double player_run_duration(const struct player_run *r)
{
	if (r->it->relay)
		return r->it->relay_s;
	return r->dec ? decode_info(r->dec)->duration_s : 0.0;
}

static void player_emit_start(struct player *p, struct player_run *r)
{
	struct player_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = PLAYER_START;
	ev.tag = r->it->tag;
	ev.start = r->start_wall;
	ev.end = ev.start;
	ev.duration_s = player_run_duration(r);
	ev.relay = r->it->relay;
	memcpy(ev.sha256, r->sha256, sizeof ev.sha256);
	pthread_mutex_lock(&p->lock);
	player_emit(p, &ev);
	pthread_mutex_unlock(&p->lock);
}

static double player_dbfs(double level)
{
	return level > 0.0 ? 20.0 * log10(level / 32768.0) : -INFINITY;
}

/* Finish the item: its END event, and what the next item inherits. */
static void player_end(struct player *p, struct player_run *r, enum player_status status,
                       const char *reason)
{
	struct player_event ev;
	uint64_t samples = (uint64_t)r->frames * (uint64_t)p->channels;

	/* The rest of the hash would hold up what interrupted the item (an
	 * emergency): an interrupted item not fully hashed yet goes without. */
	if (r->hash_fd >= 0 && status != PLAYER_INTERRUPTED)
		player_hash_step(p, r, SIZE_MAX);
	memset(&ev, 0, sizeof ev);
	ev.kind = PLAYER_END;
	ev.tag = r->it->tag;
	ev.status = status;
	snprintf(ev.reason, sizeof ev.reason, "%s", reason ? reason : "");
	if (r->started) {
		ev.start = r->start_wall;
		ev.end = ts_add_ns(ev.start, r->frames * 1000000000 / p->rate);
	} else {
		ev.start = ev.end = util_now_real();
	}
	ev.played_s = (double)r->frames / p->rate;
	ev.duration_s = player_run_duration(r);
	ev.relay = r->it->relay;
	ev.relayed_s = (double)r->relayed / p->rate;
	ev.fallback_s = (double)r->fallback / p->rate;
	ev.peak_dbfs = player_dbfs(r->peak);
	ev.rms_dbfs = samples ? player_dbfs(sqrt((double)r->sumsq / (double)samples)) : -INFINITY;
	memcpy(ev.sha256, r->sha256, sizeof ev.sha256);

	/* An item that never started still holds its place in time: one that
	 * follows it directly does not start before its start time. */
	if (!r->started && status != PLAYER_INTERRUPTED)
		p->not_before = ts_is_set(r->it->at) ? r->it->at : p->not_before;
	else
		p->not_before = (struct timespec){0, 0};

	pthread_mutex_lock(&p->lock);
	p->playing = false;
	p->interrupt = false;
	player_emit(p, &ev);
	pthread_mutex_unlock(&p->lock);
}

static void player_end_interrupted(struct player *p, struct player_run *r)
{
	char reason[sizeof p->interrupt_reason];

	pthread_mutex_lock(&p->lock);
	memcpy(reason, p->interrupt_reason, sizeof reason);
	pthread_mutex_unlock(&p->lock);
	player_end(p, r, PLAYER_INTERRUPTED, reason);
}

/* Open the item's file; false (and the item ended) when it cannot play. */
static bool player_open_item(struct player *p, struct player_run *r)
{
	const char *path = r->it->path;
	char why[200], reason[256];

	switch (decode_open(&r->dec, path, p->rate, p->channels, why, sizeof why)) {
	case DECODE_OK:
		return true;
	case DECODE_MISSING:
		log_warnx(_("file not found: %s"), path);
		snprintf(reason, sizeof reason, "file not found: %s", path);
		player_end(p, r, PLAYER_SKIPPED, reason);
		return false;
	case DECODE_NOT_REGULAR:
		log_warnx(_("%s: not a regular file; skipped"), path);
		snprintf(reason, sizeof reason, "not a regular file: %s", path);
		player_end(p, r, PLAYER_SKIPPED, reason);
		return false;
	case DECODE_UNREADABLE:
		log_warnx(_("cannot read %s: %s"), path, why);
		snprintf(reason, sizeof reason, "cannot read %s: %s", path, why);
		player_end(p, r, PLAYER_SKIPPED, reason);
		return false;
	case DECODE_NOT_AUDIO:
	default:
		log_warnx(_("%s: not audio: %s"), path, why);
		if (!r->it->sha256[0] && util_sha256_file(path, r->sha256) < 0)
			r->sha256[0] = '\0';
		snprintf(reason, sizeof reason, "not audio: %s", why);
		player_end(p, r, PLAYER_FAILED, reason);
		return false;
	}
}

static void player_mark_start(struct player *p, struct player_run *r)
{
	r->started = true;
	r->start = p->clock;
	r->start_wall = player_wall(r->start);
	player_emit_start(p, r);
}

/*
 * Live sinks: write ahead of the clock by up to PLAYER_AHEAD_NS, then sleep
 * until PLAYER_LOW_NS is left. False when told to stop.
 */
static bool player_wait_lead(struct player *p, const struct player_run *r)
{
	int64_t lead =
	    ts_diff_ns(p->clock, util_now_mono()) + (int64_t)r->block_n * 1000000000 / p->rate;

	if (lead > PLAYER_AHEAD_NS)
		return player_sleep_until(p, CLOCK_MONOTONIC, ts_add_ns(p->clock, -PLAYER_LOW_NS));
	return player_should_go_on(p);
}

/*
 * Clockless sinks: sleep until the block's last sample is due. Returns the
 * frames to write: the whole block, or when told to stop the part of it
 * whose time has come (one frame at least once START is out).
 */
static long player_wait_due(struct player *p, const struct player_run *r)
{
	struct timespec due = player_clock_after(p, r->start, r->frames + r->block_n);
	double elapsed;
	long k;

	if (player_sleep_until(p, CLOCK_MONOTONIC, due))
		return r->block_n;
	elapsed = (double)ts_diff_ns(util_now_mono(), r->start) / 1e9;
	k = (long)(elapsed * p->rate) - (long)r->frames;
	if (k > r->block_n)
		k = r->block_n;
	if (k < 1)
		k = r->frames == 0 ? 1 : 0;
	return k;
}

/* How many of the n frames ready go to the device now. A sink faster
 * than real time (clockless) must not run ahead: it takes what is due;
 * a real one waits for its lead. *cut: the item ends with these; 0: it
 * ends at once. For items and relays alike. */
static long player_pace(struct player *p, struct player_run *r, long n, bool *cut)
{
	long k;

	if (p->clockless) {
		if (!r->started)
			player_mark_start(p, r);
		k = player_wait_due(p, r);
		*cut = k < n;
		return k;
	}
	if (!player_wait_lead(p, r)) {
		*cut = true;
		return 0;
	}
	return n;
}

/*
 * No device yet (or lost): it is tried again at the item's own time,
 * since a card may come back between two items. False when the item is
 * over: interrupted while it waited, or failed because the device did not
 * open; its airtime (airtime_s) passes all the same, so that the next
 * item is tried when it would have begun.
 */
static bool player_device_at_start(struct player *p, struct player_run *r, double airtime_s)
{
	char reason[256];

	if (p->dev)
		return true;
	if (!player_wait_start(p, r)) {
		player_end_interrupted(p, r);
		return false;
	}
	if (player_device_open(p) < 0) {
		snprintf(reason, sizeof reason, "audio device: cannot open (driver %s)", p->driver);
		player_end(p, r, PLAYER_FAILED, reason);
		player_sleep_until(p, CLOCK_MONOTONIC,
		                   ts_add_ns(util_now_mono(), (int64_t)(airtime_s * 1e9)));
		p->clock = util_now_mono();
		return false;
	}
	return true;
}

static void player_prepare_next(struct player *p, double left_s);

static void player_play_item(struct player *p, const struct player_qitem *it)
{
	struct player_run r;
	char reason[256];
	bool cut = false;

	memset(&r, 0, sizeof r);
	r.it = it;
	r.hash_fd = -1;
	memcpy(r.sha256, it->sha256, sizeof r.sha256); /* known, or "" */
	if (!player_open_item(p, &r))
		return;
	player_set_gain(&r, it->gain_db);
	if (!player_device_at_start(p, &r, decode_info(r.dec)->duration_s))
		goto out;
	player_hash_begin(&r);
	player_decode_block(p, &r);
	/* a relay right behind this item connects while it plays */
	player_prepare_next(p, (ts_is_set(it->at) ? util_ts_diff(it->at, util_now_real()) : 0) +
	                           decode_info(r.dec)->duration_s);
	if (!player_wait_start(p, &r)) {
		player_end_interrupted(p, &r);
		goto out;
	}
	while (r.block_n > 0) {
		long n = player_pace(p, &r, r.block_n, &cut);

		if (n == 0)
			break;
		if (!ao_play(p->dev, (char *)p->sbuf,
		             (uint32_t)((size_t)n * (size_t)p->channels * sizeof(int16_t)))) {
			log_warnx(_("audio device lost (driver %s) while playing %s"), p->driver,
			          it->path);
			player_device_close(p);
			player_end(p, &r, PLAYER_FAILED, "audio device lost");
			goto out;
		}
		if (!r.started)
			player_mark_start(p, &r);
		player_meter(&r, p->sbuf, (size_t)n * (size_t)p->channels);
		r.frames += n;
		p->clock = player_clock_after(p, r.start, r.frames);
		if (cut)
			break;
		player_hash_step(p, &r, p->hash_per_block);
		player_prepare_next(p, decode_info(r.dec)->duration_s - (double)r.frames / p->rate);
		player_decode_block(p, &r);
	}
	if (cut) {
		player_end_interrupted(p, &r);
	} else if (decode_truncated(r.dec)) {
		log_warnx(_("%s: %s after %.3f s"), it->path, decode_error(r.dec),
		          (double)r.frames / p->rate);
		snprintf(reason, sizeof reason, "truncated: played %.3f of %.3f s",
		         (double)r.frames / p->rate, decode_info(r.dec)->duration_s);
		player_end(p, &r, PLAYER_FAILED, reason);
	} else {
		player_end(p, &r, PLAYER_COMPLETE, NULL);
	}
out:
	if (r.hash_fd >= 0)
		close(r.hash_fd);
	decode_close(r.dec);
}

/* --- the thread: relay items -------------------------------------------- */

/* The chime that stands in when no fallback file plays: 1 s at 660 Hz and
 * 1 s at 880 Hz, at -12 dBFS, a sound no one takes for the programme. */
#define PLAYER_CHIME_S    2
#define PLAYER_CHIME_GAIN 0.25

/* The fallback of a relay item, while it is on air. */
struct player_fb {
	const struct player_qitem *it;
	int k; /* 0..nfallback-1: the items; nfallback: the announcement */
	struct decode *dec;
	float scale;
	bool any;      /* a fallback item gave audio in this round of the chain */
	int64_t chime; /* frames of the chime written; -1: not the chime */
};

/*
 * Read what the child has written. A full buffer means the stream runs
 * ahead of the clock: a server's opening burst, the seconds of preroll, or
 * an encoder whose clock is faster than ours. The oldest audio goes, down
 * to half the buffer, so the relay stays live and a stream that dies is
 * noticed within the buffer's length, not the backlog's.
 */
static void player_relay_feed(struct relaysrc *src)
{
	if (!src)
		return;
	relaysrc_pump(src);
	if (relaysrc_frames(src) >= relaysrc_capacity(src)) {
		relaysrc_take(src, NULL, relaysrc_frames(src) - relaysrc_capacity(src) / 2);
		relaysrc_pump(src);
	}
}

/* Start the child of the next queued relay item once its start is near,
 * and keep its buffer filling: left_s is what remains of the item playing
 * now. */
static void player_prepare_next(struct player *p, double left_s)
{
	struct player_qitem *q;

	pthread_mutex_lock(&p->lock);
	if (p->qcount > 0) {
		q = &p->queue[p->qhead];
		if (q->relay && !q->src && q->relay_url) {
			double until =
			    ts_is_set(q->at) ? util_ts_diff(q->at, util_now_real()) : left_s;

			if (until <= p->relay_preroll_s)
				q->src = relaysrc_open(q->relay_url, &p->relay_src);
		}
		if (q->relay)
			player_relay_feed(q->src);
	}
	pthread_mutex_unlock(&p->lock);
	player_relay_feed(p->parked);
}

static void player_fb_reset(struct player_fb *fb)
{
	decode_close(fb->dec);
	fb->dec = NULL;
	fb->k = 0;
	fb->any = false;
	fb->chime = -1;
}

/* Open item k of the chain (or the announcement file); false when it cannot
 * play (the announcement: when none is set, the chime plays instead). */
static bool player_fb_open(struct player *p, struct player_fb *fb)
{
	const char *path;
	double gain;
	char why[200];

	if (fb->k < fb->it->nfallback) {
		path = fb->it->fallback[fb->k].path;
		gain = fb->it->fallback[fb->k].gain_db;
	} else {
		path = p->relay_announcement;
		gain = fb->it->gain_db;
		if (!path || !*path)
			return false;
	}
	if (decode_open(&fb->dec, path, p->rate, p->channels, why, sizeof why) != DECODE_OK) {
		log_warnx(_("relay fallback %s: %s"), path, why);
		fb->dec = NULL;
		return false;
	}
	fb->scale = (float)(32768.0 * pow(10.0, gain / 20.0));
	return true;
}

/* The next part of the chain after item k ended (or did not open). */
static void player_fb_next(struct player_fb *fb)
{
	decode_close(fb->dec);
	fb->dec = NULL;
	if (fb->k < fb->it->nfallback) {
		fb->k++;
		return;
	}
	/* after the announcement, round again — unless no item played in
	 * this round, then the announcement alone, over and over */
	fb->k = fb->any ? 0 : fb->it->nfallback;
	fb->any = false;
}

static void player_fb_chime(struct player *p, struct player_fb *fb, int16_t *out, long n)
{
	for (long i = 0; i < n; i++, fb->chime++) {
		double t = (double)fb->chime / p->rate;
		double hz = t < PLAYER_CHIME_S / 2.0 ? 660.0 : 880.0;
		int16_t v = (int16_t)lrint(32767.0 * PLAYER_CHIME_GAIN * sin(2 * M_PI * hz * t));

		for (int c = 0; c < p->channels; c++)
			out[i * p->channels + c] = v;
	}
}

/* n frames of the fallback into out: never short. */
static void player_fb_fill(struct player *p, struct player_fb *fb, int16_t *out, long n)
{
	long done = 0;
	int tries = 0;

	while (done < n) {
		int16_t *o = out + done * p->channels;
		long got;

		if (fb->chime >= 0) {
			long k = (long)((int64_t)PLAYER_CHIME_S * p->rate - fb->chime);

			k = k < n - done ? k : n - done;
			player_fb_chime(p, fb, o, k);
			done += k;
			if (fb->chime >= (int64_t)PLAYER_CHIME_S * p->rate) {
				fb->chime = -1;
				player_fb_next(fb);
			}
			continue;
		}
		if (!fb->dec && !player_fb_open(p, fb)) {
			/* every file of a round failed: the chime it is */
			if (fb->k == fb->it->nfallback || ++tries > fb->it->nfallback + 1)
				fb->chime = 0;
			else
				player_fb_next(fb);
			continue;
		}
		got = decode_read(fb->dec, p->fbuf, n - done);
		for (long i = 0; i < got * p->channels; i++)
			o[i] = player_float_sample(p->fbuf[i] * fb->scale);
		done += got;
		if (got > 0 && fb->k < fb->it->nfallback)
			fb->any = true;
		if (got == 0)
			player_fb_next(fb);
	}
}

static double player_peak_dbfs(const int16_t *s, size_t n)
{
	int peak = 0;

	for (size_t i = 0; i < n; i++) {
		int v = s[i] < 0 ? -s[i] : s[i];

		peak = v > peak ? v : peak;
	}
	return player_dbfs(peak);
}

/* Until the item's start time, keep the jitter buffer filling. */
static bool player_relay_preroll(struct player *p, const struct player_qitem *it,
                                 struct relaysrc *src)
{
	if (!ts_is_set(it->at))
		return player_should_go_on(p);
	for (;;) {
		double left = util_ts_diff(it->at, util_now_real());

		player_relay_feed(src);
		if (left <= 0.03)
			return player_should_go_on(p);
		/* on the monotonic clock, as player_sleep_until_wall() */
		if (!player_sleep_until(
		        p, CLOCK_MONOTONIC,
		        ts_add_ns(util_now_mono(), left > 0.05 ? 20000000 : (int64_t)(left * 1e9))))
			return false;
	}
}

static void player_emit_switch(struct player *p, const struct player_run *r, enum relaymon_why why,
                               const struct relaysrc *src)
{
	struct player_event ev;
	const char *detail = src ? relaysrc_reason(src) : r->it->relay_why;

	memset(&ev, 0, sizeof ev);
	ev.kind = PLAYER_SWITCH;
	ev.tag = r->it->tag;
	ev.relay = true;
	ev.to_fallback = why != RELAYMON_GOOD;
	ev.start = ts_add_ns(r->start_wall, r->frames * 1000000000 / p->rate);
	ev.end = ev.start;
	if ((why == RELAYMON_ENDED || why == RELAYMON_NOT_READY) && detail && *detail)
		snprintf(ev.reason, sizeof ev.reason, "%s: %s", relaymon_why_text(why), detail);
	else
		snprintf(ev.reason, sizeof ev.reason, "%s", relaymon_why_text(why));
	log_notice(_("relay %s: %s: %s"), r->it->relay_url ? r->it->relay_url : "-",
	           ev.to_fallback ? _("fallback on air") : _("back on the stream"), ev.reason);
	pthread_mutex_lock(&p->lock);
	player_emit(p, &ev);
	pthread_mutex_unlock(&p->lock);
}

static void player_unpark(struct player *p)
{
	relaysrc_close(p->parked);
	p->parked = NULL;
	free(p->parked_url);
	p->parked_url = NULL;
}

static void player_play_relay(struct player *p, struct player_qitem *it)
{
	struct player_run r;
	struct player_fb fb = {.it = it, .chime = -1};
	struct relaymon mon;
	struct relaysrc *src = it->src;
	int64_t total = (int64_t)llround(it->relay_s * p->rate);
	long prebuffer = (long)(p->relay_src.buffer_s * p->rate / 2);
	enum relaymon_why pending;
	char reason[256], first_fault[200] = "";
	bool cut = false;

	it->src = NULL;
	memset(&r, 0, sizeof r);
	r.it = it;
	r.hash_fd = -1;
	/* back after an interruption: the stream is still connected */
	if (!src && it->relay_url && p->parked && strcmp(p->parked_url, it->relay_url) == 0) {
		src = p->parked;
		p->parked = NULL;
	}
	player_unpark(p);
	if (!src && it->relay_url)
		src = relaysrc_open(it->relay_url, &p->relay_src);
	if (!player_relay_preroll(p, it, src)) {
		player_end_interrupted(p, &r);
		goto out;
	}
	if (!player_device_at_start(p, &r, it->relay_s))
		goto out;
	if (!player_gain_fixed(it->gain_db, &r.gain_q, &r.gain_shift)) {
		r.gain_q = 1 << 14;
		r.gain_shift = 14;
	}
	if (!player_wait_start(p, &r)) {
		player_end_interrupted(p, &r);
		goto out;
	}
	relaymon_init(&mon, &p->relay_mon);
	player_relay_feed(src);
	pending =
	    relaymon_start(&mon, src && !relaysrc_down(src) && relaysrc_frames(src) >= prebuffer);
	if (pending != RELAYMON_NONE)
		snprintf(first_fault, sizeof first_fault, "%s",
		         src && *relaysrc_reason(src)
		             ? relaysrc_reason(src)
		             : (it->relay_why[0] ? it->relay_why : relaymon_why_text(pending)));
	while (r.frames < total) {
		long n =
		    (long)(total - r.frames < p->block_frames ? total - r.frames : p->block_frames);
		size_t samples = (size_t)n * (size_t)p->channels;
		long have = 0, k;
		double peak;
		enum relaymon_why why;
		bool on_stream = mon.source == RELAYMON_STREAM;

		player_relay_feed(src);
		if (on_stream) {
			have = src ? relaysrc_take(src, p->sbuf, n) : 0;
			memset(p->sbuf + (size_t)have * (size_t)p->channels, 0,
			       (samples - (size_t)have * (size_t)p->channels) * sizeof *p->sbuf);
			peak = player_peak_dbfs(p->sbuf, (size_t)have * (size_t)p->channels);
			player_gain_s16(&r, p->sbuf, samples);
		} else {
			have = src ? relaysrc_take(src, p->rbuf, n) : 0;
			peak = player_peak_dbfs(p->rbuf, (size_t)have * (size_t)p->channels);
			player_fb_fill(p, &fb, p->sbuf, n);
		}
		r.block_n = n;
		k = player_pace(p, &r, n, &cut);
		if (k == 0)
			break;
		if (!ao_play(p->dev, (char *)p->sbuf,
		             (uint32_t)((size_t)k * (size_t)p->channels * sizeof(int16_t)))) {
			log_warnx(_("audio device lost (driver %s) while relaying %s"), p->driver,
			          it->relay_url ? it->relay_url : "-");
			player_device_close(p);
			player_end(p, &r, PLAYER_FAILED, "audio device lost");
			goto out;
		}
		if (!r.started)
			player_mark_start(p, &r);
		if (pending != RELAYMON_NONE) {
			player_emit_switch(p, &r, pending, src);
			pending = RELAYMON_NONE;
		}
		player_meter(&r, p->sbuf, (size_t)k * (size_t)p->channels);
		if (on_stream)
			r.relayed += have < k ? have : k;
		else
			r.fallback += k;
		r.frames += k;
		p->clock = player_clock_after(p, r.start, r.frames);
		if (cut)
			break;
		player_prepare_next(p, (double)(total - r.frames) / p->rate);
		why = relaymon_block(&mon, (double)n / p->rate, (double)have / p->rate, peak,
		                     !src || (relaysrc_down(src) && relaysrc_frames(src) == 0));
		if (why != RELAYMON_NONE) {
			if (mon.source == RELAYMON_FALLBACK) {
				player_fb_reset(&fb);
				if (!first_fault[0])
					snprintf(first_fault, sizeof first_fault, "%s",
					         relaymon_why_text(why));
			}
			player_emit_switch(p, &r, why, src);
		}
	}
	if (cut) {
		player_end_interrupted(p, &r);
	} else if (r.fallback > 0 || r.relayed < r.frames) {
		snprintf(reason, sizeof reason, "relayed %.1f s, fallback %.1f s: %s",
		         (double)r.relayed / p->rate, (double)r.fallback / p->rate,
		         first_fault[0] ? first_fault : "stream stalled");
		player_end(p, &r, PLAYER_COMPLETE, reason);
	} else {
		player_end(p, &r, PLAYER_COMPLETE, NULL);
	}
out:
	decode_close(fb.dec);
	if (cut && src) {
		/* what interrupted the relay may give the air back before its end */
		p->parked = src;
		p->parked_url = xstrdup(it->relay_url);
	} else {
		relaysrc_close(src);
	}
}

/* --- the thread --------------------------------------------------------- */

/* Wait for work with the lock held; true when an item was taken into *it. */
static bool player_next_item(struct player *p, struct player_qitem *it)
{
	if (p->qcount == 0 && p->dev && !p->file_driver) {
		/* A live device closes when the queue runs dry. */
		if (p->linger) {
			struct timespec until = ts_add_ns(util_now_mono(), PLAYER_LINGER_NS);

			while (!p->stopping && p->qcount == 0 &&
			       pthread_cond_clockwait(&p->cond, &p->lock, CLOCK_MONOTONIC,
			                              &until) != ETIMEDOUT)
				;
		}
		if (p->qcount == 0 && !p->stopping) {
			pthread_mutex_unlock(&p->lock);
			player_device_close(p);
			pthread_mutex_lock(&p->lock);
		}
	}
	if (p->qcount == 0)
		p->not_before = (struct timespec){0, 0};
	if (p->parked) {
		/* keep an interrupted relay's stream live a while, then let go */
		struct timespec until = ts_add_ns(util_now_mono(), PLAYER_PARK_NS);

		while (!p->stopping && p->qcount == 0 && ts_diff_ns(until, util_now_mono()) > 0) {
			struct timespec tick = ts_add_ns(util_now_mono(), 100000000);

			pthread_cond_clockwait(&p->cond, &p->lock, CLOCK_MONOTONIC, &tick);
			pthread_mutex_unlock(&p->lock);
			player_relay_feed(p->parked);
			pthread_mutex_lock(&p->lock);
		}
		if (p->qcount == 0 || p->stopping) {
			pthread_mutex_unlock(&p->lock);
			player_unpark(p);
			pthread_mutex_lock(&p->lock);
		}
	}
	while (!p->stopping && p->qcount == 0)
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->stopping)
		return false;
	*it = p->queue[p->qhead];
	p->qhead = (p->qhead + 1) % PLAYER_QUEUE_MAX;
	p->qcount--;
	p->playing = true;
	p->interrupt = false;
	p->linger = false;
	return true;
}

static void *player_main(void *arg)
{
	struct player *p = arg;
	struct player_qitem it;

	pthread_mutex_lock(&p->lock);
	while (player_next_item(p, &it)) {
		pthread_mutex_unlock(&p->lock);
		if (it.relay)
			player_play_relay(p, &it);
		else
			player_play_item(p, &it);
		player_qitem_free(&it);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	player_unpark(p);
	/* A file driver finishes its header on close. */
	player_device_close(p);
	return NULL;
}

/* --- start and stop ----------------------------------------------------- */

static void player_free(struct player *p)
{
	if (p->options)
		ao_free_options(p->options);
	if (p->pipe_rd >= 0)
		close(p->pipe_rd);
	if (p->pipe_wr >= 0)
		close(p->pipe_wr);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->backlog);
	free(p->fbuf);
	free(p->sbuf);
	free(p->rbuf);
	free(p->relay_announcement);
	free(p->hashbuf);
	free(p->driver);
	free(p->file);
	free(p);
	player_ao_release();
}

struct player *player_start(const struct player_config *cfg)
{
	struct player *p;
	ao_info *info;
	int fds[2];
	sigset_t all, old;
	bool buffer_time_set = false;
	int err;

	if (!cfg->driver || cfg->rate < 8000 || cfg->rate > 192000 || cfg->channels < 1 ||
	    cfg->channels > 8) {
		log_errx(_("audio: bad output format (%d Hz, %d channels)"), cfg->rate,
		         cfg->channels);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->pipe_rd = p->pipe_wr = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	player_ao_acquire();
	p->driver = xstrdup(cfg->driver);
	p->driver_id = ao_driver_id(cfg->driver);
	if (p->driver_id < 0) {
		log_errx(_("audio driver \"%s\" is not available"), cfg->driver);
		goto fail;
	}
	info = ao_driver_info(p->driver_id);
	p->file_driver = info && info->type == AO_TYPE_FILE;
	p->clockless = p->file_driver || strcmp(cfg->driver, "null") == 0;
	if (p->file_driver) {
		if (!cfg->file || !cfg->file[0]) {
			log_errx(_("audio driver \"%s\" writes a file: audio.file is not set"),
			         cfg->driver);
			goto fail;
		}
		p->file = xstrdup(cfg->file);
	}
	for (int i = 0; i < cfg->noptions; i++) {
		if (!ao_append_option(&p->options, cfg->options[i].key, cfg->options[i].value)) {
			log_errx(_("audio: cannot set option %s"), cfg->options[i].key);
			goto fail;
		}
		if (strcmp(cfg->options[i].key, "buffer_time") == 0)
			buffer_time_set = true;
	}
	/* libao asks ALSA for a 20 ms buffer: one late wake-up of a busy Pi and
	 * the loudspeakers click. Pacing keeps at most ~50 ms of it filled. */
	if (strcmp(cfg->driver, "alsa") == 0 && !buffer_time_set)
		ao_append_option(&p->options, "buffer_time", PLAYER_ALSA_BUFFER_US);
	p->rate = cfg->rate;
	p->channels = cfg->channels;
	p->format.bits = 16;
	p->format.rate = cfg->rate;
	p->format.channels = cfg->channels;
	p->format.byte_format = AO_FMT_NATIVE;
	p->format.matrix = cfg->channels == 2 ? "L,R" : cfg->channels == 1 ? "M" : NULL;
	p->block_frames =
	    cfg->rate / (p->clockless ? PLAYER_CLOCKLESS_BLOCKS_PER_S : PLAYER_BLOCKS_PER_S);
	p->fbuf =
	    xreallocarray(NULL, (size_t)p->block_frames * (size_t)p->channels, sizeof *p->fbuf);
	p->sbuf =
	    xreallocarray(NULL, (size_t)p->block_frames * (size_t)p->channels, sizeof *p->sbuf);
	p->rbuf =
	    xreallocarray(NULL, (size_t)p->block_frames * (size_t)p->channels, sizeof *p->rbuf);
	p->relay_mon = cfg->relay_mon;
	p->relay_src.rate = cfg->rate;
	p->relay_src.channels = cfg->channels;
	p->relay_src.connect_timeout_s =
	    cfg->relay_connect_timeout_s > 0 ? cfg->relay_connect_timeout_s : 10;
	p->relay_src.stall_s = (int)ceil(cfg->relay_mon.stall_s > 1 ? cfg->relay_mon.stall_s : 1);
	p->relay_src.buffer_s = cfg->relay_buffer_s > 0 ? cfg->relay_buffer_s : 2.0;
	p->relay_preroll_s = cfg->relay_preroll_s > 0 ? cfg->relay_preroll_s : 5.0;
	p->relay_announcement = cfg->relay_announcement && *cfg->relay_announcement
	                            ? xstrdup(cfg->relay_announcement)
	                            : NULL;
	p->hash_per_block =
	    PLAYER_HASH_STEP *
	    (size_t)((p->block_frames * PLAYER_BLOCKS_PER_S + cfg->rate / 2) / cfg->rate);
	p->hashbuf = xmalloc(PLAYER_HASH_STEP);
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_err("player: pipe");
		goto fail;
	}
	p->pipe_rd = fds[0];
	p->pipe_wr = fds[1];

	/* Signals are the event loop's business, not the audio thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&p->thread, NULL, player_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		errno = err;
		log_err("player: cannot start the playback thread");
		goto fail;
	}
	return p;
fail:
	player_free(p);
	return NULL;
}

void player_stop(struct player *p, const char *reason)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	player_interrupt_locked(p, reason);
	p->stopping = true;
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	player_free(p);
}
