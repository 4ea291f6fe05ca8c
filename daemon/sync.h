/*
 * sync: brings the province's publication (DESIGN §4) into state_dir.
 *
 * One sync: a conditional GET of the manifest, its signature, the checks of
 * manifest.c, the download of every missing file into state_dir/store/
 * (resumed, size-capped, hash-checked) and, only when all are there, the
 * atomic switch of state_dir/manifest.json (sync.c, run by loaxad-net).
 * The daemon's thread (sync_thread.c) runs one in a loaxad-net process at
 * each interval, so that a slow network never delays a broadcast; the
 * event loop only waits on sync_fd() and reads events.
 */
#ifndef LOAXA_SYNC_H
#define LOAXA_SYNC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"

enum sync_outcome {
	SYNC_ACTIVATED = 1, /* a new manifest is active: reload the catalog */
	SYNC_UNCHANGED,     /* the active manifest is the province's latest */
	SYNC_FAILED,        /* nothing changed; reason says why; retried later */
};

struct sync_result {
	enum sync_outcome outcome;
	uint64_t version; /* the active manifest's, after the sync; 0 = none */
	char reason[512]; /* SYNC_FAILED: one line, for the log and status.json */
	int64_t bytes_downloaded;
};

/* An event for the daemon's loop: what one sync came to. */
struct sync_event {
	enum sync_outcome outcome;
	uint64_t version;
	char reason[512];
};

/* Knobs the tests turn; NULL or zeroes mean the defaults. */
struct sync_opts {
	int low_speed_limit;   /* bytes/s below which a transfer is slow: 100 */
	int low_speed_time;    /* seconds slow before it is abandoned: 60 */
	int connect_timeout;   /* seconds: 30 */
	int clock_trusted;     /* 0: ask the kernel (util_clock_synced); 1 yes; -1 no */
	int64_t reserve_bytes; /* disk space downloads leave free: 32 MiB */
};

struct sync_status {
	time_t last_attempt;      /* 0 = never */
	time_t last_success;      /* 0 = never */
	char last_error[512];     /* "" after a success */
	uint64_t active_version;  /* 0 = no manifest */
	int64_t bytes_downloaded; /* since sync_start */
	bool running;             /* a sync is in progress */
	time_t next_attempt;      /* wall time of the next scheduled sync */
};

/* Start the sync thread: a sync at once, then every sync_interval_s (sooner
 * after failures, with backoff), or at once after sync_now(). The config is
 * copied. NULL when the config has no manifest_url. */
struct sync *sync_start(const struct conf *c);
struct sync *sync_start_opts(const struct conf *c, const struct sync_opts *o);
void sync_now(struct sync *s);
/* Abandon any transfer (a partial file stays for the next run), join. */
void sync_stop(struct sync *s);

/* Readable when an event is pending; never read it directly. */
int sync_fd(const struct sync *s);
/* 1 with *ev filled, 0 when no event is pending. Never blocks. */
int sync_read(struct sync *s, struct sync_event *ev);
void sync_get_status(struct sync *s, struct sync_status *st);
/* The status as a JSON object (for status.json and loaxactl status). */
json_t *sync_status_json(const struct sync_status *st);

/* One synchronous sync: what the thread runs. Returns 0 (activated or
 * unchanged) or -1 (failed; r->reason). */
int sync_run_once(const struct conf *c, struct sync_result *r);
int sync_run_once_opts(const struct conf *c, const struct sync_opts *o, struct sync_result *r);

#endif
