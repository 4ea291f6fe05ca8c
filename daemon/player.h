/*
 * player: the playback thread.
 *
 * Every item is decoded with libsndfile, converted with libsamplerate to the
 * one output format (rate x channels x 16 bit), gain applied, and written to
 * a libao device, back to back, so items of a session follow each other
 * without a gap or a device re-open. A live device is opened when an item
 * starts after the device was idle and closed when the queue runs dry; a file
 * driver (wav, au, raw) is opened once per player and receives every item.
 * When the sink accepts samples faster than real time, the thread paces
 * itself to the monotonic clock so start and end times are true.
 *
 * The event loop talks to the thread through player_enqueue/player_flush and
 * reads events from player_fd() (a pipe): one START and one END per item, in
 * queue order.
 *
 * A relay item plays a radio stream for a set time: a loaxad-relay child
 * (relaysrc.h) decodes it, the thread reads its PCM through a jitter buffer
 * on the same clock, and relaymon.h decides when the item's fallback (its
 * own items, then the station's, then relay.announcement or a chime made
 * here) stands in for a stream that failed, and when the stream comes back.
 * Each switch is a SWITCH event between the item's START and END.
 */
#ifndef LOAXA_PLAYER_H
#define LOAXA_PLAYER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "relaymon.h"

struct player;

struct player_config {
	const char *driver;                /* libao driver short name */
	const struct conf_option *options; /* ao_append_option pairs */
	int noptions;
	const char *file; /* output file for file drivers */
	int rate;
	int channels;
	/* relay items */
	struct relaymon_config relay_mon;
	int relay_connect_timeout_s;
	double relay_buffer_s;          /* jitter buffer; the stream starts with half of it */
	double relay_preroll_s;         /* start the child this long before the item */
	const char *relay_announcement; /* last fallback; NULL or "": a chime */
};

struct player_item {
	uint64_t tag;       /* the caller's id, echoed in events */
	const char *path;   /* audio file (copied) */
	double gain_db;     /* total gain for this item */
	struct timespec at; /* wall-clock start; {0,0}: right after the previous item */
	const char *sha256; /* known hash of the file, or NULL to compute it */
	/* A relay item (relay true; path unused): the stream at relay_url for
	 * relay_s seconds from its first sample, the fallback items (path and
	 * gain_db of each) standing in while it fails. relay_url NULL: there is
	 * no stream to be had (relay_why says why), the fallback plays. */
	bool relay;
	const char *relay_url;
	const char *relay_why;
	double relay_s;
	const struct player_item *fallback;
	int nfallback;
};

enum player_event_kind { PLAYER_START, PLAYER_END, PLAYER_SWITCH };

enum player_status {
	PLAYER_COMPLETE,
	PLAYER_INTERRUPTED, /* player_flush() */
	PLAYER_FAILED,      /* decode or device error; reason says which */
	PLAYER_SKIPPED,     /* file missing or unreadable before a sample played */
};

struct player_event {
	enum player_event_kind kind;
	uint64_t tag;
	enum player_status status; /* END only */
	char reason[256];          /* END only, "" when complete */
	struct timespec start;     /* wall clock of the first sample */
	struct timespec end;       /* END: wall clock after the last sample */
	double played_s;           /* END: seconds of audio written */
	double duration_s;         /* length of the file, 0 if unknown */
	double peak_dbfs;          /* END: of what was written, -inf..0 */
	double rms_dbfs;           /* END */
	char sha256[65];           /* hash of the file's bytes, "" if unread */
	/* relay items: END: seconds of the stream and of the fallback written
	 * (played_s less both is silence written while the stream stalled);
	 * SWITCH: to_fallback (else back to the stream), start = the wall
	 * time of the first sample from the new source, reason = why. */
	bool relay;
	bool to_fallback;
	double relayed_s;
	double fallback_s;
};

/* Initialise libao (once per process) and start the thread. NULL + log on
 * failure (unknown driver). A device that fails to open is not fatal: the
 * items fail and the next one tries again. */
struct player *player_start(const struct player_config *cfg);
/* Stop the current item (END with PLAYER_INTERRUPTED and reason), drop the
 * queue (dropped items produce no events), wait for the thread, free. */
void player_stop(struct player *p, const char *reason);

int player_fd(const struct player *p);
/* Queue an item. Returns 0, or -1 when the queue is full (64 items). */
int player_enqueue(struct player *p, const struct player_item *it);
/* Interrupt the item playing now (its END says PLAYER_INTERRUPTED, reason)
 * and drop the items queued behind it (no events for them). */
void player_flush(struct player *p, const char *reason);
/* Read one event; returns 1, or 0 when none is pending. */
int player_read(struct player *p, struct player_event *ev);
/* Number of items queued or playing. */
int player_pending(struct player *p);

/*
 * Details the declarations above leave open:
 * - START is sent once the first sample is written. An item that never
 *   plays a sample (file missing or not audio, device not opening, flushed
 *   while waiting for its start time) gets its END alone, with played_s 0
 *   and start == end == the moment it was given up.
 * - peak_dbfs and rms_dbfs are -INFINITY when only silence (or nothing)
 *   was written.
 * - sha256 is player_item.sha256 when given, else computed a slice at a time
 *   while the item plays; "" when the file was not read, the device did not
 *   open, or the item was interrupted before all of it was hashed.
 * - An item that fails before its first sample keeps its place in time: an
 *   item queued right behind it with at = {0,0} does not start before the
 *   failed item's `at`.
 * - player_stop() discards unread events, the END of the item it interrupts
 *   included. To log that item, player_flush() and read its END (it comes
 *   within a block, ~20 ms) before player_stop().
 */

#endif
