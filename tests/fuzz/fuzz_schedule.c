/*
 * fuzz_schedule: one schedule file, loaded both as the operator's and as the
 * province's, then resolved over the day it names (or a fixed Friday) and
 * played out on the expected timeline, with and without quiet hours. What
 * the resolver promises in schedule.h is checked on every result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fuzz.h"
#include "schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Item lengths as the station sees them: anything from nothing to the
 * manifest's cap of a week, decided by the item's text so that runs repeat. */
static double fuzz_duration(const struct sched_slot *slot, size_t item, void *ctx)
{
	const struct sched_item *it = &slot->items[item];
	const char *s = it->id ? it->id : it->file ? it->file : it->relay;
	uint32_t h = 2166136261u;

	(void)ctx;
	if (it->relay)
		return it->duration;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	switch (h % 8) {
	case 0:
		return 0;
	case 1:
		return 7 * 86400;
	default:
		return (double)(h % 3600) + (double)(h % 1000) / 1000;
	}
}

static void check_timeline(const struct sched_occ *occ, size_t nocc, int qs, int qe)
{
	struct sched_timed *t;
	size_t n = sched_timeline(occ, nocc, fuzz_duration, NULL, qs, qe, &t);

	for (size_t i = 0; i < n; i++) {
		if (t[i].occ >= nocc || t[i].item >= occ[t[i].occ].slot->nitems)
			abort();
		if (!(t[i].end >= t[i].start) || (i > 0 && t[i].start < t[i - 1].start))
			abort();
		/* One loudspeaker: an entry ends before the next one starts. */
		if (i > 0 && t[i - 1].end > t[i].start)
			abort();
		if (t[i].quiet && t[i].end != t[i].start)
			abort();
	}
	free(t);
}

static void resolve(const struct sched_plan *p, int64_t day)
{
	int64_t from = day * SCHED_DAY_S, to = from + SCHED_DAY_S;
	struct sched_occ *occ;
	size_t n = sched_occurrences(p, from, to, &occ);

	for (size_t i = 0; i < n; i++) {
		if (occ[i].start < from || occ[i].start >= to)
			abort();
		if (i > 0 && (occ[i].start < occ[i - 1].start ||
		              (occ[i].start == occ[i - 1].start &&
		               occ[i].slot->prio > occ[i - 1].slot->prio)))
			abort();
		if (occ[i].slot < p->slots || occ[i].slot >= p->slots + p->nslots)
			abort();
	}
	check_timeline(occ, n, -1, -1);
	check_timeline(occ, n, 21 * 3600 + 1800, 5 * 3600);
	free(occ);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sched_plan p = {0};
	struct diag d = {0};
	int64_t day = sched_days_from_civil(2026, 11, 27);
	const char *path;
	int rc;

	path = fuzz_file("schedule.cfg", data, size);
	rc = sched_load_file(&p, path, false, &d);
	if ((rc < 0) != (d.n > 0))
		abort();
	rc = sched_load_file(&p, path, true, &d);
	if (rc < 0 && d.n == 0)
		abort();
	for (size_t i = 0; i < p.nslots; i++) {
		const struct sched_slot *s = &p.slots[i];

		if (s->nitems == 0 || !s->name || s->start >= SCHED_DAY_S || s->from > s->until)
			abort();
		for (size_t k = 0; k < s->nitems; k++) {
			const struct sched_item *it = &s->items[k];

			/* exactly one of id, file and relay */
			if ((it->id != NULL) + (it->file != NULL) + (it->relay != NULL) != 1)
				abort();
			if (!it->relay && (it->nfallback || it->fallback || it->duration))
				abort();
			/* a relay lasts, names a URL or an id, and falls back on
			 * ids and files only */
			if (it->relay && (it->duration <= 0 || it->duration >= SCHED_DAY_S ||
			                  !it->relay[0] || strlen(it->relay) > SCHED_URL_MAX))
				abort();
			for (size_t f = 0; f < it->nfallback; f++)
				if (!it->fallback[f].id == !it->fallback[f].file ||
				    it->fallback[f].relay || it->fallback[f].nfallback)
					abort();
		}
	}
	if (p.nslots > 0) {
		const struct sched_slot *s = &p.slots[0];

		if (s->date != SCHED_NO_DATE)
			day = s->date;
		else if (s->from != INT64_MIN)
			day = s->from / SCHED_DAY_S - (s->from % SCHED_DAY_S < 0);
	}
	resolve(&p, day);
	(void)sched_check_quiet(&p, 21 * 3600 + 1800, 5 * 3600, &d);
	sched_plan_free(&p);
	diag_free(&d);
	return 0;
}
