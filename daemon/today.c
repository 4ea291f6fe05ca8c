/*
 * today: one day's plan for a person to read (see today.h). The timeline
 * is schedule.c's; each item is resolved as the station would resolve it
 * (station_resolve_item) on that day.
 */
#include "today.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "station.h"
#include "util.h"

struct duration_ctx {
	const struct conf *conf;
	const struct catalog *cat;
	int64_t day;
};

static double item_duration(const struct sched_slot *slot, size_t i, void *ctx)
{
	const struct duration_ctx *x = ctx;
	struct station_item r;
	double d;

	station_resolve_item(x->conf, x->cat, &slot->items[i], x->day, &r);
	d = r.path || r.relay ? r.duration_s : 0;
	free(r.owned_path);
	return d;
}

static bool used_by_plan(const struct sched_plan *plan, const char *id)
{
	for (size_t s = 0; s < plan->nslots; s++)
		for (size_t k = 0; k < plan->slots[s].nitems; k++)
			if (plan->slots[s].items[k].id &&
			    strcmp(plan->slots[s].items[k].id, id) == 0)
				return true;
	return false;
}

void today_build(struct today *t, const struct conf *c, int64_t day)
{
	struct duration_ctx ctx;
	struct sched_occ *occ = NULL;
	struct sched_timed *tl = NULL;
	size_t nocc, ntl;

	memset(t, 0, sizeof *t);
	t->day = day;
	if (catalog_load(&t->cat, c->state_dir, c->station_id) < 0)
		memset(&t->cat, 0, sizeof t->cat);
	sched_load_dir(&t->plan, c->schedule_dir, &t->diag);
	for (size_t i = 0; i < t->cat.nschedules; i++)
		sched_load_file(&t->plan, t->cat.schedules[i], true, &t->diag);
	sched_check_quiet(&t->plan, c->quiet_start, c->quiet_end, &t->diag);

	ctx = (struct duration_ctx){c, &t->cat, day};
	nocc = sched_occurrences(&t->plan, day * 86400, (day + 1) * 86400, &occ);
	ntl = sched_timeline(occ, nocc, item_duration, &ctx, c->quiet_start, c->quiet_end, &tl);
	t->rows = ntl ? xcalloc(ntl, sizeof *t->rows) : NULL;
	for (size_t i = 0; i < ntl; i++) {
		const struct sched_slot *slot = occ[tl[i].occ].slot;
		const struct sched_item *it = &slot->items[tl[i].item];
		struct today_row *row = &t->rows[t->nrows++];
		struct station_item r;

		station_resolve_item(c, &t->cat, it, day, &r);
		row->start = tl[i].start;
		row->slot = slot;
		row->what = it->id ? it->id : it->file ? it->file : it->relay;
		row->duration_s = r.path || r.relay ? r.duration_s : 0;
		if (r.programme && r.programme->title && strcmp(r.programme->title, row->what) != 0)
			row->title = r.programme->title;
		row->relay_url = r.relay_url;
		if (r.catalog_relay && r.catalog_relay->title &&
		    strcmp(r.catalog_relay->title, row->what) != 0)
			row->relay_title = r.catalog_relay->title;
		if (tl[i].quiet) {
			row->note = TODAY_QUIET;
		} else if (r.relay && !r.relay_url) {
			row->note = TODAY_RELAY_NONE;
			snprintf(row->reason, sizeof row->reason, "%s", r.reason);
		} else if (r.relay) {
			row->note = TODAY_RELAY;
		} else if (!r.path) {
			row->note = TODAY_CANNOT;
			snprintf(row->reason, sizeof row->reason, "%s", r.reason);
		} else if (tl[i].interrupted) {
			row->note = TODAY_INTERRUPTED;
		} else if (tl[i].late) {
			row->note = TODAY_LATE;
		}
		if (row->note == TODAY_QUIET || row->note == TODAY_CANNOT ||
		    row->note == TODAY_RELAY_NONE)
			t->problems++;
		free(r.owned_path);
	}
	free(occ);
	free(tl);

	for (size_t i = 0; i < t->cat.nprogrammes; i++) {
		const struct catalog_programme *p = &t->cat.programmes[i];

		if (strcmp(p->klass, "normal") != 0 || used_by_plan(&t->plan, p->id))
			continue;
		t->fresh = xreallocarray(t->fresh, t->nfresh + 1, sizeof *t->fresh);
		t->fresh[t->nfresh++] = p;
	}
}

void today_free(struct today *t)
{
	free(t->rows);
	free(t->fresh);
	sched_plan_free(&t->plan);
	catalog_free(&t->cat);
	diag_free(&t->diag);
	memset(t, 0, sizeof *t);
}

const char *today_note_text(const struct today_row *r, char *buf, size_t n)
{
	switch (r->note) {
	case TODAY_QUIET:
		return _("WILL NOT PLAY: inside quiet hours");
	case TODAY_CANNOT:
		snprintf(buf, n, _("WILL NOT PLAY: %s"), r->reason);
		return buf;
	case TODAY_INTERRUPTED:
		return _("cut short by a higher-priority slot");
	case TODAY_LATE:
		return _("late: waits for the session before");
	case TODAY_RELAY_NONE:
		snprintf(buf, n, _("RELAYS NOTHING: %s; the fallback plays"), r->reason);
		return buf;
	case TODAY_RELAY:
	case TODAY_OK:
		break;
	}
	return "";
}
