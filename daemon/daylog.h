/*
 * daylog: one day of the as-run log read back for a person — every line
 * parsed, whether each follows the one before (the chain), and the time on
 * air. "loaxactl log" and loaxa-web's log page show this one reading.
 */
#ifndef LOAXA_DAYLOG_H
#define LOAXA_DAYLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "airlog.h"

struct daylog_line {
	bool valid;   /* parsed as an as-run record */
	bool follows; /* its prev is the hash of the line before it (or it is the first) */
	struct airlog_record rec; /* when valid */
};

struct daylog {
	struct daylog_line *lines;
	size_t n;
	size_t broken; /* lines that do not follow the one before, or do not parse */
	double on_air_s;
};

/* Read dir/DATE.jsonl (dir: state_dir/airlog; date "YYYY-MM-DD"). 0, or -1
 * with errno (ENOENT: nothing was logged that day). */
int daylog_read(const char *dir, const char *date, struct daylog *dl);
void daylog_free(struct daylog *dl);

/* "HH:MM:SS" (local) when a play line's item began (else its planned
 * time), or a start/stop line's time; "--:--:--" when it has none. */
void daylog_hms(const struct airlog_entry *e, char buf[9]);

#endif
