/*
 * schedule: the broadcast plan — schedule files (libconfig, DESIGN §3) read
 * into slots, and the pure resolver that turns slots into dated occurrences
 * and an expected timeline. Nothing here reads the clock or touches audio;
 * times are "civil seconds": local wall-clock time counted as if it were
 * UTC (days_from_civil(date) * 86400 + seconds of the day), so the rules
 * are timezone-free and the caller converts at the edge.
 */
#ifndef LOAXA_SCHEDULE_H
#define LOAXA_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum sched_prio { SCHED_NORMAL = 0, SCHED_PRIORITY = 1, SCHED_EMERGENCY = 2 };

/* "normal", "priority", "emergency". */
const char *sched_prio_name(enum sched_prio p);

#define SCHED_NO_DATE INT64_MIN
#define SCHED_DAY_S   86400

/* Exactly one of id (a programme of the province catalog), file (as
 * written: relative to audio_dir, or absolute) and relay is set. A relay
 * ({ relay = "URL" or "id"; duration = "HH:MM:SS"; fallback = ( ... ); })
 * plays a radio stream for duration seconds; its fallback items (ids or
 * files, never relays) stand in while the stream fails. */
#define SCHED_URL_MAX 1024
struct sched_item {
	char *id;
	char *file;
	char *relay;  /* an http(s):// URL, or the id of a province relay */
	int duration; /* relay: seconds, > 0 */
	struct sched_item *fallback;
	size_t nfallback;
	int line;
};

/* "http://..." or "https://...": a stream URL rather than a relay id. */
bool sched_is_url(const char *s);
/* A stream URL as a relay may name: http(s), at most SCHED_URL_MAX
 * characters, printable ASCII without blanks, quotes or backslashes. */
bool sched_valid_url(const char *s);

struct sched_slot {
	char *name;       /* as given, else "HH:MM" of start, else "(priority)"/"(emergency)" */
	const char *file; /* path of its schedule file (owned by the plan) */
	int line;
	int start;     /* seconds after local midnight; -1 = none */
	uint8_t days;  /* weekday mask, bit 0 = Sunday .. bit 6 = Saturday; 0x7f daily; 0 when date
	                  set */
	int64_t date;  /* civil day number (days since 1970-01-01) or SCHED_NO_DATE */
	int64_t from;  /* civil seconds inclusive, INT64_MIN if unset */
	int64_t until; /* civil seconds inclusive, INT64_MAX if unset */
	enum sched_prio prio;
	bool province; /* from a province schedule file */
	bool daily;    /* from a daily schedule file (every slot has the same date) */
	struct sched_item *items;
	size_t nitems;
};

struct sched_plan {
	struct sched_slot *slots;
	size_t nslots;
	char **files; /* the files that contributed, in load order */
	size_t nfiles;
};

/*
 * Add the slots of one schedule file to the plan. A file with any problem
 * contributes no slot at all; every problem goes to d as "FILE:LINE: ...".
 * province: the file came from the province (priority/emergency allowed,
 * items must be programme ids). Returns 0, or -1 when the file had problems.
 *
 * Beyond DESIGN §3: files are regular files of at most 1 MiB, without NUL
 * bytes or @include, nested at most NEST_MAX deep (nest.h);
 * day names are case-insensitive and may be spaced ("Mon - Fri, sun");
 * names and file paths must be UTF-8 without control characters. A
 * start-less emergency slot airs once at its "from" whatever its days say.
 */
int sched_load_file(struct sched_plan *p, const char *path, bool province, struct diag *d);
/* Every "*.cfg" (not hidden) of an operator's folder, in byte order of the
 * names. A missing folder is a problem. -1 when any file had a problem; the
 * good files are loaded all the same. */
int sched_load_dir(struct sched_plan *p, const char *dir, struct diag *d);
void sched_plan_free(struct sched_plan *p);

/* Quiet hours are [qs, qe) seconds of the day, wrapping past midnight when
 * qs > qe; qs < 0 means none. */
bool sched_in_quiet(int sec_of_day, int qs, int qe);
/* A normal or priority slot that starts inside quiet hours is a problem:
 * "FILE:LINE: slot "NAME" starts at HH:MM, inside quiet hours HH:MM-HH:MM".
 * Returns 0, or -1 when there was any. */
int sched_check_quiet(const struct sched_plan *p, int qs, int qe, struct diag *d);

/* Proleptic Gregorian calendar <-> civil day number (1970-01-01 = 0). */
int64_t sched_days_from_civil(int y, int m, int d);
void sched_civil_from_days(int64_t days, int *y, int *m, int *d);
int sched_weekday(int64_t days); /* 0 = Sunday */
/* Strict "YYYY-MM-DD" (a real calendar day, years 0001-9999). 0 or -1. */
int sched_parse_date(const char *s, int64_t *days);
/* Strict "HH:MM" or "HH:MM:SS" into seconds of the day. 0 or -1. */
int sched_parse_clock(const char *s, int *sec);
/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM[:SS]" into civil seconds; a bare date
 * means its first second, or its last one when end_of_day. 0 or -1. */
int sched_parse_datetime(const char *s, bool end_of_day, int64_t *civil_s);
/* "HH:MM:SS" of the day of civil_s. */
void sched_format_hms(int64_t civil_s, char buf[9]);
/* "YYYY-MM-DD" of a civil day number, into buf of n bytes (11 hold it). */
void sched_format_date(int64_t days, char *buf, size_t n);

/* One dated airing of a slot; start in civil seconds. */
struct sched_occ {
	const struct sched_slot *slot;
	int64_t start;
};

/*
 * Every occurrence whose start lies in [from, to), sorted by start, then
 * priority (higher first), then plan order; the rules are DESIGN §3's and
 * are spelt out in schedule.c. Returns the count; *out is malloc'd (NULL
 * when the count is 0). The plan must outlive the result.
 */
size_t sched_occurrences(const struct sched_plan *p, int64_t from, int64_t to,
                         struct sched_occ **out);

/*
 * The expected timeline of a list of occurrences (sorted as above), for
 * display and tests. duration() gives each item's length in seconds (0 for
 * an item that cannot play). Items of an occurrence run back to back; an
 * occurrence arriving while one of the same or higher priority runs waits
 * (its first entry is late); a higher priority interrupts a lower one
 * (interrupted, the lower resumes with its next item afterwards); an item of
 * a non-emergency occurrence that would start inside quiet hours is quiet
 * and lasts 0. Entries come in the order they start; *out is malloc'd (NULL
 * when the count is 0).
 */
struct sched_timed {
	size_t occ;   /* index into the occurrences */
	size_t item;  /* index into the slot's items */
	double start; /* civil seconds */
	double end;
	bool interrupted;
	bool late;
	bool quiet;
};

size_t sched_timeline(const struct sched_occ *occ, size_t nocc,
                      double (*duration)(const struct sched_slot *, size_t item, void *ctx),
                      void *ctx, int qs, int qe, struct sched_timed **out);

#endif
