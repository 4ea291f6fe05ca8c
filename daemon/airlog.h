/*
 * airlog: the as-run log, state_dir/airlog/YYYY-MM-DD.jsonl.
 *
 * One JSON object per line, each line fsynced as written. seq never repeats
 * or resets; prev is the SHA-256 (hex) of the previous line including its
 * newline, 64 zeros before seq 1, chained across daily files. The pure part
 * (formatting a line, hashing the chain, parsing a line back) is apart from
 * the file part so both can be tested on their own.
 */
#ifndef LOAXA_AIRLOG_H
#define LOAXA_AIRLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define AIRLOG_ZERO_PREV "0000000000000000000000000000000000000000000000000000000000000000"

/* AIRLOG_SWITCH: a relay item changed source (loaxa's own line type):
 * station, relay, slot, priority, time, to ("fallback" or "relay"), reason,
 * clock. AIRLOG_ALERT: a disaster alert's repetition, refusal or Cancel
 * (loaxa's own line type, see the fields below). */
enum airlog_type { AIRLOG_START, AIRLOG_STOP, AIRLOG_PLAY, AIRLOG_SWITCH, AIRLOG_ALERT };

/* One line's content. Strings may be NULL (written as null where the
 * field is in the format, left out otherwise). Times with tv_sec == 0 are
 * written as null. */
struct airlog_entry {
	enum airlog_type type;
	uint64_t seq;  /* filled by airlog_append / airlog_parse_line */
	char prev[65]; /* likewise */
	const char *station;
	const char *programme; /* play: catalog id, or NULL for a file item */
	const char *file;      /* play: the file as written in the schedule */
	const char *sha256;
	const char *slot;
	const char *priority; /* "normal" | "priority" | "emergency" */
	struct timespec scheduled;
	struct timespec start;
	struct timespec end;
	double played_s;
	double duration_s;
	const char *status; /* complete|interrupted|failed|skipped|missed */
	const char *reason;
	const char *by;   /* play: who asked for it on air or off it (an operator's
	                     play, emergency or stop), NULL for the schedule's own */
	double peak_dbfs; /* -inf written as null */
	double rms_dbfs;
	bool clock_synced;
	const char *version;  /* start/stop: daemon version */
	struct timespec time; /* start/stop/switch: when */
	/* play of a relay item (relay set): the relay as written in the
	 * schedule, seconds of the stream and of the fallback written;
	 * switch: the relay, and to "fallback" or "relay" */
	const char *relay;
	double relayed_s;
	double fallback_s;
	const char *to;
	/* alert lines (a disaster alert's repetition, refusal or Cancel):
	 * the CAP message; sha256 is the message's, status also "refused"
	 * or "accepted" (a Cancel applied). 0 is written as null. */
	const char *identifier;
	const char *sender;
	const char *sent;
	const char *msg_type;
	const char *severity;
	int level;  /* LOAXA_RISK_LEVEL 1..5 */
	int repeat; /* this repetition, 1..repeats */
	int repeats;
};

/* Pure: the JSON line for e with seq and prev, '\n' included (malloc'd). */
char *airlog_format_line(const struct airlog_entry *e, uint64_t seq, const char *prev);
/* Pure: SHA-256 hex of a line (with its '\n') = the next line's prev. */
void airlog_chain_hash(const char *line, size_t len, char out[65]);

struct airlog;

/* Open state_dir/airlog (created if absent), find the last seq and prev
 * from the newest file, cut a torn last line (no newline) left by a crash.
 * NULL + log on error. */
struct airlog *airlog_open(const char *dir);
/* dir above is the log folder itself (state_dir/airlog), as for
 * airlog_read_day. Every day file's last line is read, and the chain goes on
 * from the highest seq found, so lines filed under a wrong date while the
 * clock was off are not lost. One process at a time holds the folder (flock);
 * a second airlog_open fails until airlog_close. Non-finite doubles (-inf
 * dBFS for silence, an unknown duration as NAN) are written as null; an
 * empty sha256 as null. */
void airlog_close(struct airlog *a);
/* Append e (seq/prev filled in), fsync. The file is chosen by the local
 * date of e's end (play) or time (start/stop). Returns 0 (on the disk), 1
 * (chained, but waiting in memory: the disk had no room, ENOSPC, EDQUOT or
 * EFBIG, or earlier lines still wait), or -1 (not written and not chained:
 * any other failure, or no room on the disk nor in the memory kept for
 * waiting lines, 512 KiB, when the daemon's log gets the line's text).
 * Failures are logged. */
int airlog_append(struct airlog *a, struct airlog_entry *e);
/* Write the lines that wait, oldest first (airlog_append does so before
 * each new line; the daemon also calls it from time to time while some
 * wait). 0 when none waits any more, -1 (logged) otherwise. A line waits
 * in memory only: a crash loses it, and the file's chain then goes on from
 * the last line written. airlog_close() tries once more and puts the text
 * of any line still waiting into the daemon's log. */
int airlog_flush(struct airlog *a);
/* Lines waiting in memory. */
size_t airlog_pending(const struct airlog *a);
/* errno of the last failed write, 0 since the last success. */
int airlog_error(const struct airlog *a);
/* Of the newest line, written or waiting. */
uint64_t airlog_last_seq(const struct airlog *a);
/* Wall time of the newest line (its end or time), {0,0} if none. */
struct timespec airlog_last_time(const struct airlog *a);
/* prev of the next line: SHA-256 hex of the newest line, or 64 zeros. */
const char *airlog_last_prev(const struct airlog *a);

/* A parsed line, as read back (strings owned by the record). */
struct airlog_record {
	struct airlog_entry e;
	char *owned[20];
	char *line; /* the raw line without '\n' */
};
/* Pure: parse one line; 0 or -1. */
int airlog_parse_line(const char *line, size_t len, struct airlog_record *r);
void airlog_record_free(struct airlog_record *r);
/* Is name a day file's, "YYYY-MM-DD.jsonl"? */
bool airlog_is_day_name(const char *name);
/* The day files of dir, oldest name first: *n names in *names (each and
 * the list malloc'd). -1 (errno set) when dir cannot be read. */
int airlog_day_files(const char *dir, char ***names, size_t *n);

/* Read dir/YYYY-MM-DD.jsonl; calls fn per line (lines that do not parse
 * are passed with rec == NULL). Returns 0, or -1 if the file can't be read
 * (errno ENOENT when there is no log for that day). */
int airlog_read_day(const char *dir, const char *date,
                    void (*fn)(const struct airlog_record *rec, const char *line, void *ctx),
                    void *ctx);

/* The lines waiting in memory, oldest first, as airlog_read_day passes a
 * day's lines. */
int airlog_read_pending(const struct airlog *a,
                        void (*fn)(const struct airlog_record *rec, const char *line, void *ctx),
                        void *ctx);

/* The newest time (end or time) among the lines of the newest-named day
 * file in dir that has any, read without the lock (the daemon may hold it):
 * a time the station's clock has already shown. 0, or -1 when there is
 * none. */
int airlog_newest_time(const char *dir, struct timespec *t);

#endif
