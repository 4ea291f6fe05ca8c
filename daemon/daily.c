/*
 * daily: a daily schedule as text (see daily.h). The text is written in the
 * format of DESIGN §3 and read back by schedule.c, which stays the only
 * judge of what a schedule means.
 */
#include "daily.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "util.h"
#include "webui.h"

void daily_name(int64_t day, char *buf, size_t n)
{
	int y, m, d;

	sched_civil_from_days(day, &y, &m, &d);
	snprintf(buf, n, "%04d-%02d-%02d.cfg", y, m, d);
}

/* A libconfig string literal. Schedules hold no control characters (the
 * loader refuses them), so quotes and backslashes are all there is. */
static void put_string(struct webui_buf *b, const char *s)
{
	webui_put(b, "\"");
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			webui_put(b, "\\");
		webui_printf(b, "%c", *p);
	}
	webui_put(b, "\"");
}

static void put_clock(struct webui_buf *b, int sec)
{
	if (sec % 60)
		webui_printf(b, "\"%02d:%02d:%02d\"", sec / 3600, sec / 60 % 60, sec % 60);
	else
		webui_printf(b, "\"%02d:%02d\"", sec / 3600, sec / 60 % 60);
}

static void put_item(struct webui_buf *b, const struct sched_item *it)
{
	if (it->id) {
		put_string(b, it->id);
	} else if (it->file) {
		webui_put(b, "{ file = ");
		put_string(b, it->file);
		webui_put(b, "; }");
	} else if (it->relay) {
		webui_put(b, "{ relay = ");
		put_string(b, it->relay);
		webui_printf(b, "; duration = \"%02d:%02d:%02d\";", it->duration / 3600,
		             it->duration / 60 % 60, it->duration % 60);
		if (it->nfallback) {
			webui_put(b, " fallback = ( ");
			for (size_t k = 0; k < it->nfallback; k++) {
				if (k)
					webui_put(b, ", ");
				put_item(b, &it->fallback[k]);
			}
			webui_put(b, " );");
		}
		webui_put(b, " }");
	}
}

static int cmp_start(const void *a, const void *b)
{
	const struct sched_slot *x = *(const struct sched_slot *const *)a;
	const struct sched_slot *y = *(const struct sched_slot *const *)b;

	return (x->start > y->start) - (x->start < y->start);
}

char *daily_text(int64_t day, const struct sched_slot *const *base, size_t nbase,
                 const struct daily_add *add, const char *comment)
{
	struct webui_buf b = {0};
	const struct sched_slot **sorted = NULL;
	char date[16];
	bool first = true;

	sched_format_date(day, date, sizeof date);
	for (const char *p = comment; p && *p;) {
		size_t n = strcspn(p, "\n");

		webui_printf(&b, "# %.*s\n", (int)n, p);
		p += n;
		if (*p)
			p++;
	}
	if (nbase) {
		sorted = xcalloc(nbase, sizeof *sorted);
		memcpy(sorted, base, nbase * sizeof *sorted);
		qsort(sorted, nbase, sizeof *sorted, cmp_start);
	}
	webui_put(&b, "slots = (\n");
	for (size_t i = 0; i <= nbase; i++) {
		const struct sched_slot *s = i < nbase ? sorted[i] : NULL;

		/* the new slot goes in its place by time */
		if (add && (!s || add->start < s->start)) {
			webui_printf(&b, "%s  { name = ", first ? "" : ",\n");
			put_string(&b, add->name);
			webui_printf(&b, "; date = \"%s\"; start = ", date);
			put_clock(&b, add->start);
			webui_put(&b, ";\n    items = ( ");
			put_item(&b, &(struct sched_item){.id = (char *)add->id,
			                                  .file = (char *)add->file});
			webui_put(&b, " ); }");
			add = NULL;
			first = false;
		}
		if (!s)
			break;
		webui_printf(&b, "%s  { name = ", first ? "" : ",\n");
		put_string(&b, s->name);
		webui_printf(&b, "; date = \"%s\"; start = ", date);
		put_clock(&b, s->start);
		webui_put(&b, ";\n    items = ( ");
		for (size_t k = 0; k < s->nitems; k++) {
			if (k)
				webui_put(&b, ", ");
			put_item(&b, &s->items[k]);
		}
		webui_put(&b, " ); }");
		first = false;
	}
	webui_put(&b, "\n);\n");
	free(sorted);
	return webui_take(&b, NULL);
}

size_t daily_base(const struct sched_plan *plan, int64_t day, const struct sched_slot ***out)
{
	char name[16];
	struct sched_occ *occ = NULL;
	size_t nocc, n = 0;

	*out = NULL;
	daily_name(day, name, sizeof name);
	/* its own file first: editing keeps what is there */
	for (size_t i = 0; i < plan->nslots; i++) {
		const struct sched_slot *s = &plan->slots[i];
		const char *base = s->file ? strrchr(s->file, '/') : NULL;

		base = base ? base + 1 : s->file;
		if (!s->province && s->daily && s->date == day && base && strcmp(base, name) == 0) {
			*out = xreallocarray(*out, n + 1, sizeof **out);
			(*out)[n++] = s;
		}
	}
	if (n)
		return n;
	/* else the week's slots that air that day; when another daily file
	 * replaces them, they do not air and nothing is copied */
	nocc = sched_occurrences(plan, day * SCHED_DAY_S, (day + 1) * SCHED_DAY_S, &occ);
	for (size_t i = 0; i < nocc; i++) {
		const struct sched_slot *s = occ[i].slot;

		if (s->province || s->daily || s->start < 0)
			continue;
		*out = xreallocarray(*out, n + 1, sizeof **out);
		(*out)[n++] = s;
	}
	free(occ);
	return n;
}

int daily_check(const struct conf *c, const char *tmpdir, const char *name, int64_t day,
                const char *text, struct diag *d)
{
	struct sched_plan plan = {0};
	struct diag mine = {0};
	char *path = xasprintf("%s/%s", tmpdir, name);
	size_t pl = strlen(path);
	int rc;

	if (util_write_atomic(path, text, strlen(text), 0600) < 0) {
		diag_add(d, name, 0, _("cannot check: %s"), strerror(errno));
		free(path);
		return -1;
	}
	sched_load_file(&plan, path, false, &mine);
	sched_check_quiet(&plan, c->quiet_start, c->quiet_end, &mine);
	for (size_t i = 0; i < plan.nslots; i++) {
		const struct sched_slot *s = &plan.slots[i];
		char want[16];

		if (s->date == day)
			continue;
		daily_name(day, want, sizeof want);
		want[10] = '\0';
		diag_add(&mine, path, s->line,
		         _("slot \"%s\": every slot of a daily schedule carries date = \"%s\";"),
		         s->name, want);
	}
	unlink(path);
	/* name the file as the operator knows it, not the copy checked */
	for (size_t i = 0; i < mine.n; i++) {
		const char *m = mine.msgs[i];
		bool ours = strncmp(m, path, pl) == 0 && m[pl] == ':';

		d->msgs = xreallocarray(d->msgs, d->n + 1, sizeof *d->msgs);
		d->msgs[d->n++] = ours ? xasprintf("%s%s", name, m + pl) : xstrdup(m);
	}
	rc = mine.n ? -1 : (int)plan.nslots;
	diag_free(&mine);
	sched_plan_free(&plan);
	free(path);
	return rc;
}
