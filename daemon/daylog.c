/*
 * daylog: a day of the as-run log for reading (see daylog.h).
 */
#include "daylog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct read_ctx {
	struct daylog *dl;
	char prev[65];
	bool have_prev;
};

static void each_line(const struct airlog_record *rec, const char *line, void *ctxp)
{
	struct read_ctx *x = ctxp;
	struct daylog *dl = x->dl;
	struct daylog_line *l;
	size_t len = strlen(line);
	char *with_nl;

	dl->lines = xreallocarray(dl->lines, dl->n + 1, sizeof *dl->lines);
	l = &dl->lines[dl->n++];
	memset(l, 0, sizeof *l);
	l->follows = true;
	/* the caller's record lasts only for the call: parse a copy to keep */
	if (rec && airlog_parse_line(line, len, &l->rec) == 0) {
		l->valid = true;
		if (x->have_prev && strcmp(rec->e.prev, x->prev) != 0)
			l->follows = false;
		if (rec->e.type == AIRLOG_PLAY || rec->e.type == AIRLOG_ALERT)
			dl->on_air_s += rec->e.played_s;
	} else {
		l->follows = false;
	}
	if (!l->follows)
		dl->broken++;
	/* the chain hashes each line with its newline */
	with_nl = xmalloc(len + 2);
	memcpy(with_nl, line, len);
	with_nl[len] = '\n';
	with_nl[len + 1] = '\0';
	airlog_chain_hash(with_nl, len + 1, x->prev);
	x->have_prev = true;
	free(with_nl);
}

int daylog_read(const char *dir, const char *date, struct daylog *dl)
{
	struct read_ctx x = {.dl = dl};

	memset(dl, 0, sizeof *dl);
	return airlog_read_day(dir, date, each_line, &x);
}

void daylog_free(struct daylog *dl)
{
	for (size_t i = 0; i < dl->n; i++)
		if (dl->lines[i].valid)
			airlog_record_free(&dl->lines[i].rec);
	free(dl->lines);
	memset(dl, 0, sizeof *dl);
}

void daylog_hms(const struct airlog_entry *e, char buf[9])
{
	struct timespec ts = e->type == AIRLOG_PLAY || e->type == AIRLOG_ALERT
	                         ? (e->start.tv_sec ? e->start : e->scheduled)
	                         : e->time;
	struct tm tm;

	if (!ts.tv_sec) {
		snprintf(buf, 9, "--:--:--");
		return;
	}
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, 9, "%H:%M:%S", &tm);
}
