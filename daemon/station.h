/*
 * station: what the station plays, and when — the runtime side of the
 * schedule. It owns the plan (operator schedules + province schedules),
 * turns today's occurrences into runs, decides which run is on air
 * (priorities, waiting, catch-up, missed, quiet hours), hands items to the
 * player and writes every outcome to the as-run log.
 *
 * The event loop (loaxad.c) calls station_step() at the times it returns,
 * feeds it player events, and tells it when the clock was set or the plan
 * must be reloaded.
 */
#ifndef LOAXA_STATION_H
#define LOAXA_STATION_H

#include <stdbool.h>
#include <time.h>

#include "airlog.h"
#include "catalog.h"
#include "conf.h"
#include "diag.h"
#include "player.h"

struct station;
struct sched_item;
struct alertmsg;

/* An item of a schedule, resolved against the config and the catalog. */
struct station_item {
	const char *path;                          /* what to play; NULL when it cannot play */
	char *owned_path;                          /* free() this */
	const char *sha256;                        /* known hash, or NULL */
	const struct catalog_programme *programme; /* catalog entry, if any */
	double duration_s;
	double gain_db;
	char reason[256]; /* why it cannot play */
	/* a relay: path stays NULL; relay_url is the stream, or NULL when it
	 * cannot be had (reason says why: its fallback plays instead) */
	bool relay;
	const char *relay_url;
	const struct catalog_relay *catalog_relay;
};

/* day: civil day number on which it would play (for valid_until). */
void station_resolve_item(const struct conf *c, const struct catalog *cat,
                          const struct sched_item *it, int64_t day, struct station_item *r);

/* The relay settings of the player's config from loaxad.conf; *announcement
 * (free it after player_start) is relay.announcement under audio_dir. */
void station_relay_player_config(const struct conf *c, struct player_config *pc,
                                 char **announcement);

struct station *station_new(const struct conf *c, struct airlog *log, struct player *pl);
void station_free(struct station *s);

/* Read the schedules (and the catalog) again. On any problem the old plan
 * stays (except on the first load, which keeps what did load); problems
 * are appended to d and logged. Returns 0 or -1. */
int station_reload(struct station *s, struct diag *d);

/* Decide and act at wall time now. Returns the wall time at which it
 * wants to be called again ({0,0}: only on events). */
struct timespec station_step(struct station *s, struct timespec now);
void station_player_event(struct station *s, const struct player_event *ev);
/* The wall clock was set: re-plan from scratch at the next step. The step
 * came at most unseen_s before now: a run that was still within catch_up_s
 * then plays (late) rather than being logged missed. */
void station_clock_changed(struct station *s, double unseen_s);
/* Interrupt what plays (reason in the log) and wait for the player to say
 * so, up to timeout_ms. */
void station_shutdown(struct station *s, const char *reason, int timeout_ms);

/* Play a file or catalog id now, at priority (operator commands). by: who
 * asked (NULL: not said), written into the item's as-run line. */
int station_play_now(struct station *s, const char *what, int prio, const char *by, char *err,
                     size_t errlen);
/* Stop what is on air (logged interrupted, reason; the rest of the session
 * skipped). by as above, on each of those lines. An alert on air ends:
 * its repetitions still to come are logged skipped. */
void station_stop_now(struct station *s, const char *reason, const char *by);

/* A disaster alert from the watcher (alertmsg.h). PLAY: at emergency
 * class, interrupting anything but an emergency already on air, the
 * message repeated as it asks, a repetition starting no later than
 * interval_s after the one before, none after expires; the repetitions
 * the as-run log shows aired (a restart) are not played again, nor is an
 * alert the station already has. An Update ends what it names first.
 * CANCEL: ends what it names (one on air is interrupted) and is logged
 * "accepted". REFUSED: logged "refused" with its reason. */
void station_alert(struct station *s, const struct alertmsg *m);

struct station_now {
	bool playing;
	char what[256];
	char slot[128];
	double elapsed_s, duration_s;
	bool clock_held;      /* waiting for a plausible clock */
	struct timespec next; /* next scheduled start, {0,0} none */
	char next_slot[128];
};
void station_status(const struct station *s, struct station_now *n);
/* Something is on air or queued for the player. */
bool station_busy(const struct station *s);

#endif
