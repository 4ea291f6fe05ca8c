/*
 * daily: an operator's daily schedule (DESIGN §3: a file whose slots all
 * carry one date, replacing the week's slots on that date) as text, for the
 * web page: a new one starts from the week's slots of that day, so that
 * adding one announcement does not silence the rest of the day; a slot can
 * be added to it; and its text is checked as "loaxactl check" checks a
 * file, with FILE:LINE messages naming it as the operator knows it.
 */
#ifndef LOAXA_DAILY_H
#define LOAXA_DAILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "diag.h"
#include "schedule.h"

/* "YYYY-MM-DD.cfg" of day, in buf (at least 16 bytes). */
void daily_name(int64_t day, char *buf, size_t n);

/* A slot to add: one item, a programme id or a file in audio_dir. */
struct daily_add {
	const char *name;
	int start; /* seconds of the day */
	const char *id;
	const char *file;
};

/*
 * The text of day's daily schedule: the slots of base (in start order,
 * each given date = day) and add (NULL: none). comment (NULL: none) is put
 * at the top as "# ..." lines. Pure; malloc'd.
 */
char *daily_text(int64_t day, const struct sched_slot *const *base, size_t nbase,
                 const struct daily_add *add, const char *comment);

/*
 * What a daily schedule for day starts from, out of the operator's plan
 * (schedule_dir alone): its own existing daily slots of that day when it
 * has a file DAY.cfg (pass those in plan), else the week's slots that
 * would air that day — none when another daily schedule already replaces
 * them. *out (malloc'd) points into plan.
 */
size_t daily_base(const struct sched_plan *plan, int64_t day, const struct sched_slot ***out);

/*
 * Check text as the schedule file name (e.g. "2026-11-27.cfg") would be
 * checked by "loaxactl check" and "loaxactl load" (syntax, every key,
 * quiet hours), plus: each slot carries date = day. Problems go to d as
 * "NAME:LINE: ...". tmpdir: a private folder to write the text into.
 * Returns the number of slots, or -1 when there were problems.
 */
int daily_check(const struct conf *c, const char *tmpdir, const char *name, int64_t day,
                const char *text, struct diag *d);

#endif
