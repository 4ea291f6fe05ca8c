/*
 * upload: the as-run log's way to the province (DESIGN §5 "Upload").
 *
 * A thread (upload_thread.c) that runs a round in loaxad-net (netjob.h),
 * which cuts the as-run log lines not yet cut into an immutable,
 * signed segment in state_dir/outbox/, PUTs each waiting segment (and its
 * .minisig) to log_url, and removes it from the outbox only after a 2xx;
 * then PUTs status.json and its .minisig, signed with the station key:
 * the daemon's status, with the last seq cut (log_last_seq) and delivered
 * (log_delivered_seq, the newest segment in sent/, and the chain hash of
 * that line, log_delivered_sha256), which loaxa-province verify holds the
 * segments to. It runs a round every upload_interval_s and as
 * soon as a session ends. While a session is on the air its lines wait, so
 * that a session makes one segment, unless they have waited upload_hold_s
 * (0: every round cuts). The station key is stationkey.h's.
 *
 * Files in state_dir that belong to this module:
 *   outbox/<station>-<first>-<last>.jsonl (+ .minisig)   waiting segments
 *   outbox/.cut                     the last seq cut into a segment
 *   outbox/.seen                    day files already cut to the end (a cache)
 *   outbox/sent/                    delivered segments, the newest kept
 * The as-run log itself (state_dir/airlog/) is only ever read.
 */
#ifndef LOAXA_UPLOAD_H
#define LOAXA_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

struct upload;

/* Start the thread; NULL when the config has no log_url (nothing to do). */
struct upload *upload_start(const struct conf *c);
/* The daemon's latest status, a JSON object as text (copied). */
void upload_set_status(struct upload *u, const char *json_text);
/* Cut and upload now rather than at the next interval, on the air or not. */
void upload_now(struct upload *u);
/* Whether a session is on the air (called on every pass of the loop; the
 * end of a session starts a round). */
void upload_set_on_air(struct upload *u, bool on_air);
/* Segments waiting in the outbox. */
int upload_outbox(struct upload *u);
/* Why the last round failed, "" when it did not (n >= 1). */
void upload_last_error(struct upload *u, char *buf, size_t n);
/* Stop the thread (an upload in flight is abandoned; it is sent again later). */
void upload_stop(struct upload *u);

/* --- one round, synchronously (what the thread runs; for tools and tests) --- */

struct upload_opts {
	int connect_timeout; /* seconds; 0: 30 */
	int low_speed_time;  /* seconds below low_speed_limit before giving up; 0: 60 */
	int low_speed_limit; /* bytes/s; 0: 100 */
	bool hold;           /* a session is on the air: send, but cut nothing */
	/* Told of each step: ("cut", name), ("sent", name), ("status",
	 * "status.json"), ("adopted", name). May be NULL. */
	void (*note)(void *ctx, const char *what, const char *name);
	void *ctx;
};

struct upload_report {
	int cut;          /* segments cut in this round */
	int sent;         /* segments delivered in this round */
	int outbox;       /* segments still waiting */
	bool status_sent; /* status.json was delivered */
	char reason[512]; /* why the round stopped early; "" when it did not */
};

/* Cut what is new into segments (nothing is sent). 0 or -1 (r->reason). */
int upload_cut(const char *state_dir, const char *station_id, const struct upload_opts *o,
               struct upload_report *r);
/* Cut, PUT the outbox in seq order, PUT status.json with status_json (a
 * JSON object as text, or NULL). 0, or -1 with r->reason. */
int upload_run_once(const struct conf *c, const struct upload_opts *o, const char *status_json,
                    struct upload_report *r);

#endif
