/*
 * today: the resolved plan of one day, as an operator reads it — every item
 * with its expected start, length and class, which items cannot play and
 * why, and the province's new programmes that no schedule uses yet. Both
 * "loaxactl today" and loaxa-web's plan page show this one computation.
 *
 * It reads the operator's schedules, the province's schedules and the
 * catalog from disk, exactly as loaxad would; it never talks to the daemon.
 * Notes are translated (gettext) when today_build runs.
 */
#ifndef LOAXA_TODAY_H
#define LOAXA_TODAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "conf.h"
#include "diag.h"
#include "schedule.h"

enum today_note {
	TODAY_OK,
	TODAY_QUIET,       /* will not play: inside quiet hours */
	TODAY_CANNOT,      /* will not play: reason says why */
	TODAY_INTERRUPTED, /* cut short by a higher-priority slot */
	TODAY_LATE,        /* waits for the session before */
	TODAY_RELAY,       /* a relay of relay_url (whether it answers is not asked) */
	TODAY_RELAY_NONE,  /* a relay that has no stream: reason says why; its fallback plays */
};

struct today_row {
	double start; /* civil seconds */
	const struct sched_slot *slot;
	const char *what;        /* the programme id, the file or the relay as written */
	const char *title;       /* the catalog's title when it differs from what, else NULL */
	const char *relay_url;   /* a relay's stream, or NULL */
	const char *relay_title; /* a province relay's title when it differs from what */
	double duration_s;       /* 0 when unknown or it cannot play */
	enum today_note note;
	char reason[256]; /* TODAY_CANNOT: why */
};

struct today {
	int64_t day; /* civil day number */
	struct sched_plan plan;
	struct catalog cat;
	struct diag diag; /* problems in the schedules, FILE:LINE */
	struct today_row *rows;
	size_t nrows;
	size_t problems; /* rows that will not play (or relay nothing) */
	/* normal programmes from the province that no schedule names yet */
	const struct catalog_programme **fresh;
	size_t nfresh;
};

/* Resolve day (civil day number) for the station of c. Always fills t
 * (free it with today_free); schedule problems are in t->diag. */
void today_build(struct today *t, const struct conf *c, int64_t day);
void today_free(struct today *t);
/* The row's note for a person ("" when none), translated; buf holds it
 * when it has to be composed. */
const char *today_note_text(const struct today_row *r, char *buf, size_t n);

#endif
