/*
 * station: the runtime side of the schedule.
 *
 * Occurrences of the plan (schedule.c) become runs. A run is due at its
 * start; the highest-priority due run goes on air, an equal one waits for
 * the one on air to end, a higher one interrupts it (the lower run resumes
 * with its next item afterwards). Items of a run are handed to the player
 * together so they follow each other without a gap. Items that cannot play
 * (unknown id, expired, quiet hours) become records that are logged in
 * their place in the order, so the as-run log reads in broadcast order.
 *
 * Which items already aired is the as-run log's business: after a restart
 * the station counts, per run, the lines logged for its slot inside the
 * run's span, and resumes after them. Runs that fell due while the daemon
 * was down or the clock could not be trusted play late within catch_up_s,
 * and are logged "missed" beyond it.
 */
#include "station.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alertmsg.h"
#include "i18n.h"
#include "schedule.h"
#include "util.h"

/* Items of a run are queued this long before its start, so the player can
 * open the device and decode ahead and still start on the second. */
#define STATION_LEAD_S 1

struct run {
	char *key; /* file, slot line, start: stable across reloads */
	const struct sched_slot *slot;
	int64_t start; /* civil seconds */
	size_t next;   /* first item not logged yet */
	bool on_air;
	bool done;
	bool fresh; /* not carried over from before the last rebuild */
	/* A relay item that went on air ends at a set time, interrupted or
	 * not: item relay_item (SIZE_MAX: none yet) ends at relay_end. */
	size_t relay_item;
	double relay_end; /* civil seconds */
};

/* One item in broadcast order: played by the player (tag != 0), or a record
 * (skipped/missed) that is only logged. */
struct entry {
	struct entry *next;
	uint64_t tag;
	char *run_key;
	size_t item;
	char *slot_name;
	enum sched_prio prio;
	char *programme;
	char *file;
	char *relay;    /* a relay item: the relay as written */
	char *status;   /* records */
	char *reason;   /* records */
	char *by;       /* the operator who put it on air, or stopped it */
	double planned; /* civil seconds */
	double duration_s;
	bool started;
	struct timespec start;
	uint64_t alert; /* a repetition of this alert (struct alert_play), 0: none */
	int rep;
};

/* A disaster alert the station plays (station_alert). */
struct alert_play {
	uint64_t id;
	struct alertmsg m;
	int next;   /* the repetition to air next, 1..m.repeat */
	double due; /* civil time it is due */
	bool on_air;
	bool over; /* cancelled, replaced, stopped, expired or all aired */
};

struct station {
	const struct conf *conf;
	struct airlog *log;
	struct player *player;
	struct sched_plan plan;
	bool have_plan;
	struct catalog cat;
	struct sched_slot *adhoc; /* operator "play now" slots, kept until aired */
	char **adhoc_by;          /* who asked for each (NULL: not said) */
	size_t nadhoc;
	struct run *runs;
	size_t nruns;
	int64_t window_day; /* INT64_MIN: rebuild the runs at the next step */
	bool startup;       /* the next rebuild follows a start or a clock jump */
	const char *backlog_reason;
	double jump_grace; /* seconds the clock may have jumped before it was seen */
	bool clock_held;
	struct timespec clock_floor; /* the newest log line when we last looked */
	struct timespec prev_last;   /* the newest log line before this run began */
	bool preempting;
	bool stopping; /* the operator stopped the session on air */
	char *stop_by; /* who did */
	struct entry *head;
	uint64_t next_tag;
	struct alert_play *alerts;
	size_t nalerts;
	uint64_t next_alert;
};

/* --- time ------------------------------------------------------------------ */

static long gmtoff_at(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_gmtoff;
}

static double to_civil(struct timespec ts)
{
	return (double)(ts.tv_sec + gmtoff_at(ts.tv_sec)) + (double)ts.tv_nsec / 1e9;
}

static struct timespec from_civil(double civil)
{
	struct timespec ts;
	double whole = floor(civil);
	time_t guess = (time_t)whole - gmtoff_at((time_t)whole);

	ts.tv_sec = (time_t)whole - gmtoff_at(guess);
	ts.tv_nsec = (long)((civil - whole) * 1e9);
	return ts;
}

/* --- items ------------------------------------------------------------------ */

/* The length the header of the file open on fd promises; 0 if unknown. */
static double probe_duration(int fd)
{
	SF_INFO info = {0};
	SNDFILE *f = sf_open_fd(fd, SFM_READ, &info, SF_FALSE);
	double d = 0;

	if (!f)
		return 0;
	if (info.samplerate > 0 && info.frames > 0)
		d = (double)info.frames / info.samplerate;
	sf_close(f);
	return d;
}

void station_resolve_item(const struct conf *c, const struct catalog *cat,
                          const struct sched_item *it, int64_t day, struct station_item *r)
{
	int fd;

	memset(r, 0, sizeof *r);
	r->gain_db = c->audio.gain_db;
	if (it->relay) {
		r->relay = true;
		r->duration_s = it->duration;
		r->gain_db += c->relay.gain_db;
		if (sched_is_url(it->relay)) {
			r->relay_url = it->relay;
		} else if ((r->catalog_relay = catalog_find_relay(cat, it->relay))) {
			r->relay_url = r->catalog_relay->url;
		} else {
			snprintf(r->reason, sizeof r->reason,
			         _("relay \"%s\" is not in the province catalog (manifest version "
			           "%llu)"),
			         it->relay, (unsigned long long)cat->version);
		}
		return;
	}
	if (it->id) {
		const struct catalog_programme *p = catalog_find(cat, it->id);

		if (!p) {
			snprintf(r->reason, sizeof r->reason,
			         _("not in the province catalog (manifest version %llu)"),
			         (unsigned long long)cat->version);
			return;
		}
		r->programme = p;
		if (p->valid_until != INT64_MAX && day > p->valid_until) {
			int y, m, d;

			sched_civil_from_days(p->valid_until, &y, &m, &d);
			snprintf(r->reason, sizeof r->reason,
			         _("expired: valid until %04d-%02d-%02d"), y, m, d);
			return;
		}
		r->path = p->path;
		r->sha256 = p->sha256;
		r->duration_s = p->duration_s;
		if (!isnan(p->loudness_lufs)) {
			/* Raise a quiet programme only as far as its peak allows
			 * (1 dB below full scale), and not at all when its peak is
			 * unknown: normalisation must never clip. */
			double norm = c->audio.target_lufs - p->loudness_lufs;
			double room =
			    isnan(p->peak_dbfs) ? 0 : -1.0 - p->peak_dbfs - c->audio.gain_db;

			if (norm > room)
				norm = room > 0 ? room : (norm > 0 ? 0 : norm);
			r->gain_db += norm;
		}
		return;
	}
	if (it->file[0] == '/')
		r->owned_path = xstrdup(it->file);
	else
		r->owned_path = xasprintf("%s/%s", c->audio_dir, it->file);
	r->path = r->owned_path;
	/* This runs in the daemon's loop: a FIFO here must not stop it. */
	fd = util_open_regular(r->path);
	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(r->reason, sizeof r->reason, _("file not found: %s"), r->path);
		else if (errno == UTIL_ENOTREG)
			snprintf(r->reason, sizeof r->reason, _("not a regular file: %s"), r->path);
		else
			snprintf(r->reason, sizeof r->reason, _("cannot read %s: %s"), r->path,
			         util_strerror(errno));
		r->path = NULL;
		return;
	}
	r->duration_s = probe_duration(fd);
	close(fd);
}

static void resolve_item(const struct station *s, const struct sched_item *it, int64_t day,
                         struct station_item *r)
{
	station_resolve_item(s->conf, &s->cat, it, day, r);
	/* a missing file is the player's to report: it may appear meanwhile */
	if (it->file)
		r->path = r->owned_path;
}

static double item_duration(const struct sched_slot *slot, size_t i, void *ctx)
{
	const struct station *s = ctx;
	struct station_item r;
	double d;

	resolve_item(s, &slot->items[i], INT64_MIN, &r);
	d = r.path || r.relay ? r.duration_s : 0;
	free(r.owned_path);
	return d;
}

/* Planned start of item i of a run: the slot's start plus the items before. */
static double planned_start(const struct station *s, const struct run *r, size_t i)
{
	double t = (double)r->start;

	for (size_t k = 0; k < i && k < r->slot->nitems; k++)
		t += item_duration(r->slot, k, (void *)s);
	return t;
}

/* --- the as-run log ------------------------------------------------------------- */

static const char *entry_name(const struct entry *e)
{
	return e->programme ? e->programme : e->file ? e->file : e->relay;
}

static const char *entry_kind(const struct entry *e)
{
	return e->programme ? "programme" : e->file ? "file" : "relay";
}

/* What every line the station writes says: its type, the station, and
 * whether the clock is synced (a clock held as implausible is not,
 * whatever adjtimex says). */
static void line_begin(const struct station *s, struct airlog_entry *a, enum airlog_type type)
{
	a->type = type;
	a->station = s->conf->station_id;
	a->clock_synced = util_clock_synced() && !s->clock_held;
}

/* What the player said of an airing: its times, outcome and levels. */
static void line_outcome(struct airlog_entry *a, const struct player_event *ev)
{
	static const char *status_names[] = {"complete", "interrupted", "failed", "skipped"};

	a->start = ev->start;
	a->end = ev->end;
	a->played_s = ev->played_s;
	a->status = status_names[ev->status];
	a->reason = ev->reason[0] ? ev->reason : NULL;
	a->peak_dbfs = ev->peak_dbfs;
	a->rms_dbfs = ev->rms_dbfs;
}

static void log_entry(struct station *s, const struct entry *e, const struct player_event *ev)
{
	struct airlog_entry a = {0};

	line_begin(s, &a, AIRLOG_PLAY);
	a.programme = e->programme;
	a.file = e->file;
	a.relay = e->relay;
	a.slot = e->slot_name;
	a.priority = sched_prio_name(e->prio);
	a.by = e->by;
	a.scheduled = from_civil(e->planned);
	a.duration_s = e->duration_s;
	a.peak_dbfs = -INFINITY;
	a.rms_dbfs = -INFINITY;
	if (ev) {
		line_outcome(&a, ev);
		a.sha256 = ev->sha256[0] ? ev->sha256 : NULL;
		if (ev->duration_s > 0)
			a.duration_s = ev->duration_s;
		a.relayed_s = ev->relayed_s;
		a.fallback_s = ev->fallback_s;
		if (ev->status == PLAYER_SKIPPED && !ev->start.tv_sec)
			a.start = a.end = util_now_real();
	} else {
		a.status = e->status;
		a.reason = e->reason;
		a.start = a.end = util_now_real();
		if (strcmp(e->status, "missed") == 0)
			a.start.tv_sec = a.end.tv_sec = 0, a.start.tv_nsec = a.end.tv_nsec = 0;
	}
	if (airlog_append(s->log, &a) < 0)
		log_errx("as-run log: could not record %s of %s", a.status, entry_name(e));
	log_info("%s: %s \"%s\" %s%s%s", a.status, entry_kind(e), entry_name(e), e->slot_name,
	         a.reason ? ": " : "", a.reason ? a.reason : "");
}

/* A relay item's switch between the stream and its fallback. */
static void log_switch(struct station *s, const struct entry *e, const struct player_event *ev)
{
	struct airlog_entry a = {0};

	line_begin(s, &a, AIRLOG_SWITCH);
	a.relay = e->relay;
	a.slot = e->slot_name;
	a.priority = sched_prio_name(e->prio);
	a.time = ev->start;
	a.to = ev->to_fallback ? "fallback" : "relay";
	a.reason = ev->reason[0] ? ev->reason : NULL;
	if (airlog_append(s->log, &a) < 0)
		log_errx("as-run log: could not record the switch of relay %s", e->relay);
}

static void entry_free(struct entry *e)
{
	free(e->run_key);
	free(e->slot_name);
	free(e->programme);
	free(e->file);
	free(e->relay);
	free(e->status);
	free(e->reason);
	free(e->by);
	free(e);
}

static struct run *find_run(struct station *s, const char *key)
{
	for (size_t i = 0; i < s->nruns; i++)
		if (strcmp(s->runs[i].key, key) == 0)
			return &s->runs[i];
	return NULL;
}

static void run_advance(struct station *s, const char *key, size_t item)
{
	struct run *r = find_run(s, key);

	if (!r)
		return;
	if (r->next < item + 1)
		r->next = item + 1;
	if (r->next >= r->slot->nitems)
		r->done = true;
}

static void queue_done(struct station *s, const char *key)
{
	struct run *r = find_run(s, key);

	if (r)
		r->on_air = false;
}

/* Log the records at the head of the queue: they follow what just ended. */
static void flush_records(struct station *s)
{
	while (s->head && s->head->tag == 0) {
		struct entry *e = s->head;

		log_entry(s, e, NULL);
		run_advance(s, e->run_key, e->item);
		s->head = e->next;
		if (!s->head)
			queue_done(s, e->run_key);
		entry_free(e);
	}
}

static struct entry *entry_new(const struct run *r, size_t i, double planned)
{
	struct entry *e = xcalloc(1, sizeof *e);
	const struct sched_item *it = &r->slot->items[i];

	e->run_key = xstrdup(r->key);
	e->item = i;
	e->slot_name = xstrdup(r->slot->name);
	e->prio = r->slot->prio;
	e->programme = it->id ? xstrdup(it->id) : NULL;
	e->file = it->file ? xstrdup(it->file) : NULL;
	e->relay = it->relay ? xstrdup(it->relay) : NULL;
	e->planned = planned;
	return e;
}

static void record_missed(struct station *s, struct run *r, const char *reason)
{
	double planned = (double)r->start;

	for (size_t i = 0; i < r->slot->nitems; i++) {
		double d = item_duration(r->slot, i, s);

		if (i >= r->next) {
			struct entry *e = entry_new(r, i, planned);

			e->status = xstrdup("missed");
			e->reason = xstrdup(reason);
			e->duration_s = d;
			log_entry(s, e, NULL);
			entry_free(e);
		}
		planned += d;
	}
	r->next = r->slot->nitems;
	r->done = true;
}

/* --- runs ----------------------------------------------------------------------- */

struct logged {
	char *slot;
	double scheduled; /* civil */
};

struct logged_set {
	struct logged *v;
	size_t n;
};

static void collect_logged(const struct airlog_record *rec, const char *line, void *ctx)
{
	struct logged_set *set = ctx;

	(void)line;
	if (!rec || rec->e.type != AIRLOG_PLAY || !rec->e.slot || !rec->e.scheduled.tv_sec)
		return;
	/* an interrupted relay resumes until its end: it is not done yet */
	if (rec->e.relay && rec->e.status && strcmp(rec->e.status, "interrupted") == 0)
		return;
	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	set->v[set->n].slot = xstrdup(rec->e.slot);
	set->v[set->n].scheduled = to_civil(rec->e.scheduled);
	set->n++;
}

/* How many items of r the log already holds (any status). */
static size_t logged_items(const struct station *s, const struct logged_set *set,
                           const struct run *r)
{
	double end = planned_start(s, r, r->slot->nitems) + 0.5;
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i].slot, r->slot->name) == 0 &&
		    set->v[i].scheduled >= (double)r->start - 0.5 && set->v[i].scheduled <= end)
			n++;
	return n < r->slot->nitems ? n : r->slot->nitems;
}

/* A run is known across reloads by what it is, not by where it is
 * written: a session on the air keeps its progress when its file is edited
 * (its line moves) or a daily schedule takes it over, and is not aired
 * again. Operator plays are told apart by their order. */
static char *run_key(const struct sched_occ *o)
{
	if (o->slot->file && strcmp(o->slot->file, "operator") == 0)
		return xasprintf("operator:%d:%lld", o->slot->line, (long long)o->start);
	return xasprintf("%s:%s:%s:%lld", o->slot->province ? "province" : "local",
	                 sched_prio_name(o->slot->prio), o->slot->name, (long long)o->start);
}

static void runs_free(struct run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(runs[i].key);
	free(runs);
}

/* Build the runs from yesterday to the day after tomorrow, keeping the
 * progress of runs we already had, reading the rest from the log. */
static void rebuild_runs(struct station *s, struct timespec now)
{
	double civ = to_civil(now);
	int64_t day = (int64_t)floor(civ / 86400);
	int64_t from, to = (day + 3) * 86400;
	struct sched_occ *occ = NULL;
	size_t nocc, nruns = 0;
	struct run *runs;
	struct logged_set logged = {0};

	/* Look back to a little before the previous run's last line (a session
	 * it was playing may have begun up to two hours before), at most a day;
	 * on the very first start, only the catch-up window. */
	if (!s->prev_last.tv_sec) {
		from = (int64_t)civ - s->conf->catch_up_s - 1;
	} else {
		from = (int64_t)floor(to_civil(s->prev_last)) - 7200;
		if (from < (int64_t)civ - 86400)
			from = (int64_t)civ - 86400;
	}
	nocc = sched_occurrences(&s->plan, from, to, &occ);
	runs = xcalloc(nocc + s->nadhoc + 1, sizeof *runs);
	for (int64_t d = from / 86400; d <= day; d++) {
		char date[16];

		sched_format_date(d, date, sizeof date);
		char *dir = xasprintf("%s/airlog", s->conf->state_dir);
		airlog_read_day(dir, date, collect_logged, &logged);
		free(dir);
	}
	/* and those that wait for room on the disk */
	airlog_read_pending(s->log, collect_logged, &logged);
	for (size_t i = 0; i < nocc + s->nadhoc; i++) {
		struct sched_occ o;
		struct run *r = &runs[nruns], *old;

		if (i < nocc) {
			o = occ[i];
		} else {
			o.slot = &s->adhoc[i - nocc];
			o.start = s->adhoc[i - nocc].from;
		}
		r->key = run_key(&o);
		r->slot = o.slot;
		r->start = o.start;
		r->relay_item = SIZE_MAX;
		old = find_run(s, r->key);
		if (old) {
			r->next = old->next;
			r->done = old->done;
			r->on_air = old->on_air;
			r->relay_item = old->relay_item;
			r->relay_end = old->relay_end;
		} else {
			r->fresh = true;
			/* An operator's play is new when it is asked for: lines
			 * of the same second (an earlier play) are not its own. */
			if ((double)r->start < civ && i < nocc) {
				r->next = logged_items(s, &logged, r);
				r->done = r->next >= r->slot->nitems;
			}
		}
		nruns++;
	}
	free(occ);
	runs_free(s->runs, s->nruns);
	s->runs = runs;
	s->nruns = nruns;
	s->window_day = day;

	/* Runs that fell due before now and did not air: late within the
	 * catch-up window, missed beyond it (or silently dropped when they
	 * only appeared in a reloaded plan after their time). */
	for (size_t i = 0; i < s->nruns; i++) {
		struct run *r = &s->runs[i];
		double late;

		if (r->done || r->on_air || (double)r->start >= civ)
			continue;
		if (!r->fresh && !s->startup)
			continue;
		/* judged from when the clock may have jumped, not from when
		 * the jump was seen */
		late = civ - planned_start(s, r, r->next) - s->jump_grace;
		if (r->slot->prio == SCHED_EMERGENCY && r->slot->until != INT64_MAX) {
			if (civ <= (double)r->slot->until)
				continue;
		} else if (late <= s->conf->catch_up_s) {
			continue;
		}
		if (s->startup)
			record_missed(s, r, s->backlog_reason);
		else if (late > s->conf->catch_up_s + 5)
			r->done = true;
	}
	s->startup = false;
	s->jump_grace = 0;
	for (size_t i = 0; i < logged.n; i++)
		free(logged.v[i].slot);
	free(logged.v);
}

/* The run that should be on air: due, not done, highest priority, then
 * earliest start, then plan order. */
static struct run *pick_run(struct station *s, double civ)
{
	struct run *best = NULL;

	for (size_t i = 0; i < s->nruns; i++) {
		struct run *r = &s->runs[i];

		if (r->done || (double)r->start > civ)
			continue;
		if (!best || r->slot->prio > best->slot->prio ||
		    (r->slot->prio == best->slot->prio && r->start < best->start))
			best = r;
	}
	return best;
}

static struct run *on_air_run(struct station *s)
{
	return s->head ? find_run(s, s->head->run_key) : NULL;
}

static void queue_append(struct station *s, struct entry *e)
{
	struct entry **p = &s->head;

	while (*p)
		p = &(*p)->next;
	*p = e;
}

/* A file under audio_dir, as the config names it. */
static char *audio_path(const struct conf *c, const char *name)
{
	return name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", c->audio_dir, name);
}

void station_relay_player_config(const struct conf *c, struct player_config *pc,
                                 char **announcement)
{
	pc->relay_mon.silence_dbfs = c->relay.silence_dbfs;
	pc->relay_mon.silence_s = c->relay.silence_s;
	pc->relay_mon.stall_s = c->relay.stall_s;
	pc->relay_mon.holdoff_s = c->relay.holdoff_s;
	pc->relay_connect_timeout_s = c->relay.connect_timeout_s;
	pc->relay_buffer_s = c->relay.buffer_s;
	pc->relay_preroll_s = c->relay.preroll_s;
	*announcement = c->relay.announcement ? audio_path(c, c->relay.announcement) : NULL;
	pc->relay_announcement = *announcement;
}

/* Queue relay item i of run r, `len` seconds of it. -1 when the queue is
 * full. The fallback: the item's own, then the station's relay.fallback. */
static int enqueue_relay(struct station *s, const struct run *r, size_t i, int64_t day,
                         const struct station_item *res, double len, struct timespec at,
                         uint64_t tag)
{
	const struct sched_item *it = &r->slot->items[i];
	struct player_item pi = {0}, *fb = xcalloc(it->nfallback + 2, sizeof *fb);
	char **owned = xcalloc(it->nfallback + 2, sizeof *owned);
	size_t n = 0;
	int rc;

	for (size_t k = 0; k < it->nfallback; k++) {
		struct station_item fr;

		resolve_item(s, &it->fallback[k], day, &fr);
		owned[k] = fr.owned_path;
		if (!fr.path) {
			log_warnx("relay %s: fallback item %zu cannot play: %s", it->relay, k + 1,
			          fr.reason);
			continue;
		}
		fb[n].path = fr.path;
		fb[n++].gain_db = fr.gain_db;
	}
	if (s->conf->relay.fallback) {
		owned[it->nfallback] = audio_path(s->conf, s->conf->relay.fallback);
		fb[n].path = owned[it->nfallback];
		fb[n++].gain_db = s->conf->audio.gain_db;
	}
	pi.tag = tag;
	pi.relay = true;
	pi.relay_url = res->relay_url;
	pi.relay_why = res->reason;
	pi.relay_s = len;
	pi.gain_db = res->gain_db;
	pi.at = at;
	pi.fallback = fb;
	pi.nfallback = (int)n;
	rc = player_enqueue(s->player, &pi);
	for (size_t k = 0; k < it->nfallback + 2; k++)
		free(owned[k]);
	free(owned);
	free(fb);
	return rc;
}

/* How long before its start a run is handed to the player: a relay that
 * opens it is given time to connect and fill its buffer. */
static double run_lead(const struct station *s, const struct run *r)
{
	double offset = 0;
	size_t k = r->next;

	/* most runs have no relay: look for one before measuring anything */
	while (k < r->slot->nitems && !r->slot->items[k].relay)
		k++;
	if (k == r->slot->nitems)
		return STATION_LEAD_S;
	for (size_t i = r->next; i < k && offset < s->conf->relay.preroll_s; i++)
		offset += item_duration(r->slot, i, (void *)s);
	if (s->conf->relay.preroll_s - offset > STATION_LEAD_S)
		return s->conf->relay.preroll_s - offset;
	return STATION_LEAD_S;
}

/* Hand the rest of run r to the player, to start at `at` (civil; 0 = now). */
static void start_run(struct station *s, struct run *r, double civ, double at)
{
	double planned = planned_start(s, r, r->next);
	double expected = at > civ ? at : civ;
	int64_t day = (int64_t)floor(civ / 86400);
	bool first = true;

	log_info("session \"%s\" (%s) on air from item %zu%s", r->slot->name,
	         sched_prio_name(r->slot->prio), r->next + 1,
	         civ - (double)r->start > 1 ? ", late" : "");
	r->on_air = true;
	for (size_t i = r->next; i < r->slot->nitems; i++) {
		struct entry *e = entry_new(r, i, planned);
		struct station_item res;
		int64_t sec = ((int64_t)floor(expected) % 86400 + 86400) % 86400;

		resolve_item(s, &r->slot->items[i], day, &res);
		e->duration_s = res.duration_s;
		/* an operator's "play now": the log says who */
		for (size_t k = 0; k < s->nadhoc; k++)
			if (r->slot == &s->adhoc[k] && s->adhoc_by[k])
				e->by = xstrdup(s->adhoc_by[k]);
		if (r->slot->prio != SCHED_EMERGENCY && s->conf->quiet_start >= 0 &&
		    sched_in_quiet((int)sec, s->conf->quiet_start, s->conf->quiet_end)) {
			char qs[9], qe[9];

			sched_format_hms(s->conf->quiet_start, qs);
			sched_format_hms(s->conf->quiet_end, qe);
			e->status = xstrdup("skipped");
			e->reason = xasprintf("quiet hours %.5s-%.5s", qs, qe);
		} else if (res.relay) {
			/* interrupted before: what is left until its end */
			double len = r->relay_item == i ? r->relay_end - expected : res.duration_s;
			struct timespec when = {0, 0};

			if (len < 0.5) {
				/* its time is over while something else aired */
				if (r->next == i)
					r->next = i + 1;
				entry_free(e);
				planned += res.duration_s;
				continue;
			}
			if (first && at > civ)
				when = from_civil(at);
			e->tag = ++s->next_tag;
			if (enqueue_relay(s, r, i, day, &res, len, when, e->tag) < 0) {
				e->tag = 0;
				e->status = xstrdup("skipped");
				e->reason = xstrdup("player queue full");
			} else {
				first = false;
				expected += len;
			}
		} else if (!res.path) {
			e->status = xstrdup("skipped");
			e->reason = xstrdup(res.reason);
		} else {
			struct player_item pi = {0};

			pi.tag = e->tag = ++s->next_tag;
			pi.path = res.path;
			pi.gain_db = res.gain_db;
			pi.sha256 = res.sha256;
			if (first && at > civ)
				pi.at = from_civil(at);
			if (player_enqueue(s->player, &pi) < 0) {
				free(e->reason);
				e->tag = 0;
				e->status = xstrdup("skipped");
				e->reason = xstrdup("player queue full");
			} else {
				first = false;
				expected += res.duration_s;
			}
		}
		free(res.owned_path);
		planned += e->duration_s;
		queue_append(s, e);
	}
	flush_records(s);
}

/* --- disaster alerts ------------------------------------------------------------ */

static struct alert_play *find_alert(struct station *s, uint64_t id)
{
	for (size_t i = 0; i < s->nalerts; i++)
		if (s->alerts[i].id == id)
			return &s->alerts[i];
	return NULL;
}

/* One alert line: a repetition (rep > 0) with what the player said of
 * it, or without ev a repetition or message that did not play. */
static void log_alert(struct station *s, const struct alertmsg *m, int rep, double planned,
                      const struct player_event *ev, const char *status, const char *reason)
{
	struct airlog_entry a = {0};

	line_begin(s, &a, AIRLOG_ALERT);
	a.identifier = m->identifier;
	a.sender = m->sender;
	a.sent = m->sent;
	a.msg_type = m->msg_type;
	a.severity = m->severity;
	a.level = m->level;
	a.sha256 = m->sha256[0] ? m->sha256 : NULL;
	a.repeat = rep;
	a.repeats = rep ? m->repeat : 0;
	if (planned > 0)
		a.scheduled = from_civil(planned);
	a.duration_s = m->kind == ALERTMSG_PLAY ? m->duration_s : NAN;
	a.peak_dbfs = a.rms_dbfs = -INFINITY;
	a.status = status;
	a.reason = reason;
	if (ev) {
		line_outcome(&a, ev);
		if (!ev->start.tv_sec)
			a.start = a.end = util_now_real();
	} else {
		a.start = a.end = util_now_real();
	}
	if (airlog_append(s->log, &a) < 0)
		log_errx("as-run log: could not record alert %s",
		         m->identifier ? m->identifier : "(unknown)");
	if (rep)
		log_notice("alert %s, %d of %d: %s%s%s", m->identifier, rep, m->repeat, a.status,
		           a.reason ? ": " : "", a.reason ? a.reason : "");
	else
		log_notice("alert %s: %s%s%s", m->identifier ? m->identifier : "index", a.status,
		           a.reason ? ": " : "", a.reason ? a.reason : "");
}

/* No more repetitions of a: those from first on are logged skipped. */
static void alert_end(struct station *s, struct alert_play *a, int first, const char *reason)
{
	for (int k = first; k <= a->m.repeat; k++)
		log_alert(s, &a->m, k, a->due + (double)(k - a->next) * a->m.interval_s, NULL,
		          "skipped", reason);
	a->over = true;
	if (a->on_air && s->head && s->head->alert == a->id)
		player_flush(s->player, reason);
}

static void start_alert(struct station *s, struct alert_play *a)
{
	struct entry *e = xcalloc(1, sizeof *e);
	struct player_item pi = {0};

	e->alert = a->id;
	e->rep = a->next;
	e->run_key = xasprintf("alert:%llu", (unsigned long long)a->id);
	e->slot_name = xasprintf("alert %s", a->m.identifier);
	e->file = xasprintf("alert %s %d/%d", a->m.identifier, a->next, a->m.repeat);
	e->prio = SCHED_EMERGENCY;
	e->planned = a->due;
	e->duration_s = a->m.duration_s;
	pi.tag = e->tag = ++s->next_tag;
	pi.path = a->m.audio;
	pi.gain_db = s->conf->audio.gain_db;
	if (player_enqueue(s->player, &pi) < 0) {
		log_alert(s, &a->m, a->next, a->due, NULL, "skipped", "player queue full");
		a->next++;
		entry_free(e);
		return;
	}
	a->on_air = true;
	queue_append(s, e);
	log_info("alert %s on air, %d of %d", a->m.identifier, a->next, a->m.repeat);
}

/* A repetition's END. */
static void alert_ended(struct station *s, struct entry *e, const struct player_event *ev)
{
	struct alert_play *a = find_alert(s, e->alert);

	if (!a)
		return;
	a->on_air = false;
	if (ev->status == PLAYER_INTERRUPTED && !e->started && ev->played_s <= 0 && !a->over) {
		/* given up before it began (shutting down): still due */
		return;
	}
	log_alert(s, &a->m, e->rep, e->planned, ev, NULL, NULL);
	a->next = e->rep + 1;
	a->due = e->planned + a->m.interval_s;
	if (a->next > a->m.repeat)
		a->over = true;
}

/* Expire, interrupt for, or start the alert repetitions that are due.
 * Returns the civil time of the next one to come (INFINITY: none). */
static double alerts_step(struct station *s, double civ)
{
	struct alert_play *due = NULL;
	double wake = INFINITY;
	time_t wall = util_now_real().tv_sec;

	for (size_t i = 0; i < s->nalerts; i++) {
		struct alert_play *a = &s->alerts[i];

		if (a->over || a->on_air)
			continue;
		if (a->due > civ) {
			if (a->due < wake)
				wake = a->due;
			continue;
		}
		if (wall >= a->m.expires) {
			char when[48], *why;

			util_format_time(when, sizeof when, (struct timespec){a->m.expires, 0},
			                 false);
			why = xasprintf("expired at %s", when);
			alert_end(s, a, a->next, why);
			free(why);
			continue;
		}
		if (!due || a->due < due->due)
			due = a;
	}
	if (!due || (s->head && s->head->alert))
		return wake;
	if (s->head) {
		/* anything below emergency gives way; an emergency on air
		 * is let finish */
		if (!s->preempting && s->head->prio < SCHED_EMERGENCY) {
			char *reason = xasprintf("interrupted by alert %s", due->m.identifier);

			s->preempting = true;
			player_flush(s->player, reason);
			free(reason);
		}
		return wake;
	}
	start_alert(s, due);
	return wake;
}

struct aired {
	const char *sha256;
	int last;         /* highest repetition logged */
	double scheduled; /* its planned time, civil */
};

static void collect_aired(const struct airlog_record *rec, const char *line, void *ctx)
{
	struct aired *x = ctx;

	(void)line;
	if (!rec || rec->e.type != AIRLOG_ALERT || !rec->e.sha256 || !rec->e.repeat ||
	    strcmp(rec->e.sha256, x->sha256) != 0 || rec->e.repeat <= x->last)
		return;
	x->last = rec->e.repeat;
	x->scheduled = rec->e.scheduled.tv_sec ? to_civil(rec->e.scheduled) : 0;
}

/* The repetitions of the alert with this hash the as-run log holds
 * (today's and yesterday's files): after a restart they do not air
 * again. */
static struct aired aired_before(struct station *s, const char *sha256)
{
	struct aired x = {.sha256 = sha256};
	char *dir = xasprintf("%s/airlog", s->conf->state_dir);
	time_t now = util_now_real().tv_sec;

	for (int back = 1; back >= 0; back--) {
		char date[16];

		util_format_date(date, sizeof date, now - back * 86400);
		airlog_read_day(dir, date, collect_aired, &x);
	}
	free(dir);
	return x;
}

/* End the alerts m names in its references. */
static size_t alerts_end_referenced(struct station *s, const struct alertmsg *m, const char *verb)
{
	size_t n = 0;

	for (size_t r = 0; r < m->nrefs; r++) {
		for (size_t i = 0; i < s->nalerts; i++) {
			struct alert_play *a = &s->alerts[i];
			char *why;

			if (a->over || strcmp(a->m.sender, m->refs[r].sender) != 0 ||
			    strcmp(a->m.identifier, m->refs[r].identifier) != 0)
				continue;
			why = xasprintf("%s by %s", verb, m->identifier);
			alert_end(s, a, a->on_air ? a->next + 1 : a->next, why);
			free(why);
			n++;
		}
	}
	return n;
}

void station_alert(struct station *s, const struct alertmsg *m)
{
	struct alert_play *a;
	struct aired done;
	double civ = to_civil(util_now_real());

	switch (m->kind) {
	case ALERTMSG_REFUSED:
		log_alert(s, m, 0, 0, NULL, "refused", m->reason);
		return;
	case ALERTMSG_CANCEL: {
		size_t n = alerts_end_referenced(s, m, "cancelled");
		char *why =
		    xasprintf(n ? "cancels %s%s" : "cancels %s%s (not on this station's air)",
		              m->refs[0].identifier, m->nrefs > 1 ? " and more" : "");

		log_alert(s, m, 0, 0, NULL, "accepted", why);
		free(why);
		return;
	}
	case ALERTMSG_PLAY:
		break;
	default:
		return;
	}
	for (size_t i = 0; i < s->nalerts; i++)
		if (strcmp(s->alerts[i].m.sha256, m->sha256) == 0)
			return; /* given again by a restarted watcher */
	if (m->nrefs)
		alerts_end_referenced(s, m, "replaced");
	s->alerts = xreallocarray(s->alerts, s->nalerts + 1, sizeof *s->alerts);
	a = &s->alerts[s->nalerts++];
	memset(a, 0, sizeof *a);
	a->id = ++s->next_alert;
	alertmsg_copy(&a->m, m);
	a->next = 1;
	a->due = civ;
	done = aired_before(s, m->sha256);
	if (done.last) {
		a->next = done.last + 1;
		a->due = done.scheduled ? done.scheduled + m->interval_s : civ;
		a->over = a->next > m->repeat;
		log_info("alert %s: %d of %d aired before", m->identifier, done.last, m->repeat);
	}
}

/* --- public ---------------------------------------------------------------------- */

struct station *station_new(const struct conf *c, struct airlog *log, struct player *pl)
{
	struct station *s = xcalloc(1, sizeof *s);

	s->conf = c;
	s->log = log;
	s->player = pl;
	s->window_day = INT64_MIN;
	s->startup = true;
	s->backlog_reason = "loaxad was not running";
	s->clock_floor = airlog_last_time(log);
	s->prev_last = s->clock_floor;
	return s;
}

static void adhoc_free(struct station *s)
{
	for (size_t i = 0; i < s->nadhoc; i++) {
		free(s->adhoc[i].name);
		for (size_t k = 0; k < s->adhoc[i].nitems; k++) {
			free(s->adhoc[i].items[k].id);
			free(s->adhoc[i].items[k].file);
		}
		free(s->adhoc[i].items);
		free(s->adhoc_by[i]);
	}
	free(s->adhoc);
	free(s->adhoc_by);
	s->adhoc = NULL;
	s->adhoc_by = NULL;
	s->nadhoc = 0;
}

void station_free(struct station *s)
{
	if (!s)
		return;
	while (s->head) {
		struct entry *e = s->head;

		s->head = e->next;
		entry_free(e);
	}
	runs_free(s->runs, s->nruns);
	adhoc_free(s);
	for (size_t i = 0; i < s->nalerts; i++)
		alertmsg_free(&s->alerts[i].m);
	free(s->alerts);
	free(s->stop_by);
	if (s->have_plan)
		sched_plan_free(&s->plan);
	catalog_free(&s->cat);
	free(s);
}

int station_reload(struct station *s, struct diag *d)
{
	struct sched_plan plan = {0};
	struct catalog cat;
	size_t before = d->n;
	int rc = 0;

	if (catalog_load(&cat, s->conf->state_dir, s->conf->station_id) < 0) {
		diag_add(d, s->conf->state_dir, 0, "%s", _("the province manifest cannot be read"));
		memset(&cat, 0, sizeof cat);
	}
	sched_load_dir(&plan, s->conf->schedule_dir, d);
	for (size_t i = 0; i < cat.nschedules; i++)
		sched_load_file(&plan, cat.schedules[i], true, d);
	if (d->n > before) {
		rc = -1;
		if (s->have_plan) {
			/* keep the last good plan */
			sched_plan_free(&plan);
			catalog_free(&cat);
			for (size_t i = before; i < d->n; i++)
				log_errx("%s", d->msgs[i]);
			log_errx("schedule not reloaded: the previous plan stays in force");
			return -1;
		}
	}
	/* Slots inside quiet hours are refused: they stay in the plan only to be
	 * logged "skipped" when due. */
	sched_check_quiet(&plan, s->conf->quiet_start, s->conf->quiet_end, d);
	for (size_t i = before; i < d->n; i++)
		log_errx("%s", d->msgs[i]);
	/* Runs point into the old plan: rebuild them right away. */
	if (s->have_plan)
		sched_plan_free(&s->plan);
	catalog_free(&s->cat);
	s->plan = plan;
	s->cat = cat;
	s->have_plan = true;
	s->window_day = INT64_MIN;
	log_info("plan loaded: %zu slots from %zu files, catalog version %llu", plan.nslots,
	         plan.nfiles, (unsigned long long)cat.version);
	rebuild_runs(s, util_now_real());
	return rc;
}

void station_clock_changed(struct station *s, double unseen_s)
{
	/* Sessions the jump skipped over are missed beyond the catch-up window;
	 * a jump back below the newest log line holds sessions again. */
	s->window_day = INT64_MIN;
	s->startup = true;
	s->backlog_reason = "the clock jumped";
	s->jump_grace = unseen_s > 0 ? unseen_s : 0;
	s->clock_floor = airlog_last_time(s->log);
	/* look back from the newest line, so the sessions the jump skipped are
	 * found and logged */
	s->prev_last = s->clock_floor;
}

struct timespec station_step(struct station *s, struct timespec now)
{
	struct timespec last = s->clock_floor, none = {0, 0};
	double civ = to_civil(now), wake = INFINITY;
	struct run *cand, *cur;

	/* Alerts first: they play whatever the schedule or the clock says. */
	wake = alerts_step(s, civ);
	/* A clock behind the newest log line cannot be trusted (no RTC, no
	 * network yet): hold scheduled sessions until it is plausible. */
	if (last.tv_sec && util_ts_diff(now, last) < -1.0) {
		if (!s->clock_held)
			log_warnx("the clock reads earlier than the newest as-run log line: "
			          "holding scheduled sessions until it is set");
		s->clock_held = true;
		return isfinite(wake) && wake < to_civil(last) ? from_civil(wake) : last;
	}
	if (s->clock_held) {
		log_notice("the clock is plausible again");
		s->clock_held = false;
		s->clock_floor = (struct timespec){0, 0};
		s->startup = true;
		s->backlog_reason = "the clock was not set";
		s->window_day = INT64_MIN;
	}
	if (s->window_day != (int64_t)floor(civ / 86400))
		rebuild_runs(s, now);

	cand = pick_run(s, civ);
	cur = on_air_run(s);
	if (cand && cur && cand != cur && cand->slot->prio > cur->slot->prio && !s->preempting &&
	    !cand->on_air) {
		char reason[200];

		snprintf(reason, sizeof reason, "interrupted by %s \"%s\"",
		         sched_prio_name(cand->slot->prio), cand->slot->name);
		s->preempting = true;
		player_flush(s->player, reason);
	} else if (!s->head) {
		if (cand && !cand->on_air) {
			start_run(s, cand, civ, 0);
		} else {
			/* queue the next run ahead of its start */
			struct run *next = NULL;

			for (size_t i = 0; i < s->nruns; i++) {
				struct run *r = &s->runs[i];

				if (r->done || r->on_air || (double)r->start <= civ)
					continue;
				if (!next || r->start < next->start ||
				    (r->start == next->start && r->slot->prio > next->slot->prio))
					next = r;
			}
			if (next && (double)next->start - civ <= run_lead(s, next))
				start_run(s, next, civ, (double)next->start);
		}
	}

	for (size_t i = 0; i < s->nruns; i++) {
		const struct run *r = &s->runs[i];
		double t = (double)r->start - run_lead(s, r);

		if (!r->done && !r->on_air && (double)r->start > civ && t < wake)
			wake = t;
	}
	{
		double midnight = (floor(civ / 86400) + 1) * 86400;

		if (midnight < wake)
			wake = midnight;
	}
	if (!isfinite(wake))
		return none;
	if (wake <= civ)
		wake = civ + 0.001;
	return from_civil(wake);
}

/* An interrupted relay whose end is still ahead goes on air again, live,
 * once what interrupted it is over (not after the operator's stop). */
static bool relay_resumes(struct station *s, const struct entry *e, const struct player_event *ev)
{
	const struct run *r = e->relay ? find_run(s, e->run_key) : NULL;

	return r && ev->status == PLAYER_INTERRUPTED && !s->stopping && r->relay_item == e->item &&
	       r->relay_end - to_civil(util_now_real()) > 0.5;
}

void station_player_event(struct station *s, const struct player_event *ev)
{
	struct entry *e = s->head, **pp = &s->head;

	while (e && e->tag != ev->tag) {
		pp = &e->next;
		e = e->next;
	}
	if (!e) {
		log_warnx("player event for an unknown item (tag %llu)",
		          (unsigned long long)ev->tag);
		return;
	}
	if (ev->kind == PLAYER_SWITCH) {
		log_switch(s, e, ev);
		return;
	}
	if (ev->kind == PLAYER_START) {
		struct run *r = e->relay ? find_run(s, e->run_key) : NULL;

		e->started = true;
		e->start = ev->start;
		/* a relay ends at its first start plus its length, whatever
		 * interrupts it meanwhile */
		if (r && r->relay_item != e->item) {
			r->relay_item = e->item;
			r->relay_end = to_civil(ev->start) + e->duration_s;
		}
		log_info("on air: %s \"%s\" (%s)", entry_kind(e), entry_name(e), e->slot_name);
		return;
	}
	/* Records queued before this item are logged first, in order. */
	if (pp != &s->head)
		flush_records(s);
	if (ev->status == PLAYER_INTERRUPTED && s->stopping && s->stop_by) {
		free(e->by);
		e->by = xstrdup(s->stop_by);
	}
	if (e->alert) {
		alert_ended(s, e, ev);
	} else if (ev->status == PLAYER_INTERRUPTED && !e->started && ev->played_s <= 0) {
		/* interrupted before it began: it stays to be played later */
	} else {
		log_entry(s, e, ev);
		if (!relay_resumes(s, e, ev))
			run_advance(s, e->run_key, e->item);
	}
	s->head = e->next;
	if (ev->status == PLAYER_INTERRUPTED) {
		/* The player dropped what was queued behind it. After an operator's
		 * stop the rest of the session does not air: say so in the log. */
		s->preempting = false;
		while (s->head) {
			struct entry *x = s->head;

			s->head = x->next;
			if (s->stopping) {
				free(x->status);
				free(x->reason);
				x->status = xstrdup("skipped");
				x->reason = xstrdup(ev->reason);
				if (s->stop_by) {
					free(x->by);
					x->by = xstrdup(s->stop_by);
				}
				log_entry(s, x, NULL);
				run_advance(s, x->run_key, x->item);
			}
			entry_free(x);
		}
		s->stopping = false;
		free(s->stop_by);
		s->stop_by = NULL;
	} else {
		flush_records(s);
	}
	if (!s->head)
		queue_done(s, e->run_key);
	entry_free(e);
}

void station_shutdown(struct station *s, const char *reason, int timeout_ms)
{
	struct timespec end = util_now_mono();

	if (!s->head)
		return;
	player_flush(s->player, reason);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	while (s->head && s->head->tag && util_ts_diff(end, util_now_mono()) > 0) {
		struct player_event ev;

		if (player_read(s->player, &ev) == 1) {
			station_player_event(s, &ev);
		} else {
			struct timespec ts = {0, 5000000};

			nanosleep(&ts, NULL);
		}
	}
}

int station_play_now(struct station *s, const char *what, int prio, const char *by, char *err,
                     size_t errlen)
{
	struct sched_slot *slot;
	struct timespec now = util_now_real();

	if (!what || !*what) {
		snprintf(err, errlen, "%s", _("nothing to play"));
		return -1;
	}
	if (!strchr(what, '/') && !catalog_find(&s->cat, what) && !strchr(what, '.')) {
		snprintf(err, errlen, _("\"%s\" is not in the province catalog"), what);
		return -1;
	}
	s->adhoc = xreallocarray(s->adhoc, s->nadhoc + 1, sizeof *s->adhoc);
	s->adhoc_by = xreallocarray(s->adhoc_by, s->nadhoc + 1, sizeof *s->adhoc_by);
	s->adhoc_by[s->nadhoc] = by ? xstrdup(by) : NULL;
	slot = &s->adhoc[s->nadhoc++];
	memset(slot, 0, sizeof *slot);
	slot->name = xstrdup(prio == SCHED_EMERGENCY ? "operator emergency" : "operator");
	slot->file = "operator";
	slot->line = (int)s->nadhoc;
	slot->start = -1;
	slot->date = SCHED_NO_DATE;
	slot->from = (int64_t)floor(to_civil(now));
	slot->until = INT64_MAX;
	slot->prio = (enum sched_prio)prio;
	slot->nitems = 1;
	slot->items = xcalloc(1, sizeof *slot->items);
	if (catalog_find(&s->cat, what))
		slot->items[0].id = xstrdup(what);
	else
		slot->items[0].file = xstrdup(what);
	/* adhoc slots moved: the runs pointing at them must be rebuilt */
	s->window_day = INT64_MIN;
	rebuild_runs(s, now);
	return 0;
}

void station_stop_now(struct station *s, const char *reason, const char *by)
{
	if (s->head && s->head->alert) {
		struct alert_play *a = find_alert(s, s->head->alert);

		if (a && !a->over)
			alert_end(s, a, a->next + 1, reason);
	}
	if (s->head) {
		s->stopping = true;
		free(s->stop_by);
		s->stop_by = by ? xstrdup(by) : NULL;
		player_flush(s->player, reason);
	}
}

void station_status(const struct station *s, struct station_now *n)
{
	double civ = to_civil(util_now_real()), next = INFINITY;

	memset(n, 0, sizeof *n);
	n->clock_held = s->clock_held;
	if (s->head && s->head->tag && s->head->started) {
		n->playing = true;
		snprintf(n->what, sizeof n->what, "%s", entry_name(s->head));
		snprintf(n->slot, sizeof n->slot, "%s", s->head->slot_name);
		n->elapsed_s = util_ts_diff(util_now_real(), s->head->start);
		n->duration_s = s->head->duration_s;
	}
	for (size_t i = 0; i < s->nruns; i++) {
		const struct run *r = &s->runs[i];

		if (!r->done && !r->on_air && (double)r->start > civ && (double)r->start < next) {
			next = (double)r->start;
			snprintf(n->next_slot, sizeof n->next_slot, "%s", r->slot->name);
		}
	}
	if (isfinite(next))
		n->next = from_civil(next);
}

bool station_busy(const struct station *s)
{
	return s->head != NULL;
}
