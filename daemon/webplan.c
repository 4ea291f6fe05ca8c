/*
 * webplan: the web page's views of a day — today's plan (today.c, as
 * "loaxactl today" shows it: what will play, what cannot and why) and the
 * as-run log (daylog.c, as "loaxactl log" reads it: every line, who gave a
 * command, whether the chain is intact). Read-only.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daylog.h"
#include "i18n.h"
#include "schedule.h"
#include "today.h"
#include "util.h"
#include "webpagesp.h"

/* --- today's plan ------------------------------------------------------------ */

void webplan_plan(struct webpages_req *x)
{
	int64_t day = webpages_asked_day(x);
	struct today t;
	char d[16], title[100];

	webpages_format_day(day, d);
	today_build(&t, x->w->conf, day);
	snprintf(title, sizeof title, _("Plan for %s"), d);
	webpages_page_begin(x, WEBUI_PLAN, title, 0);
	webpages_show_msg(x);
	webpages_day_picker(x, "/plan", day);
	if (t.diag.n)
		webpages_diag_notice(
		    x, "warn", _("Problems in the schedules (these files are not used):"), &t.diag);
	if (t.problems) {
		char msg[200];

		snprintf(msg, sizeof msg, _("%zu item(s) will not play; see below why."),
		         t.problems);
		webui_notice(&x->b, "err", msg);
	}
	webui_put(&x->b, "<section class=\"card\">");
	if (!t.nrows)
		webui_printf(&x->b, "<p>%s</p>", _("Nothing is scheduled."));
	webui_put(&x->b, "<ol class=\"rows\">");
	for (size_t i = 0; i < t.nrows; i++) {
		const struct today_row *r = &t.rows[i];
		char hms[9], len[32], note[300];
		const char *n = today_note_text(r, note, sizeof note);

		sched_format_hms((int64_t)floor(r->start), hms);
		webui_duration(r->duration_s, len, sizeof len);
		webui_printf(&x->b, "<li><span class=\"t\">%s</span><span class=\"w\"><b>", hms);
		webui_esc(&x->b, r->slot->name);
		webui_put(&x->b, "</b><br>");
		webui_esc(&x->b, r->what);
		if (r->title) {
			webui_put(&x->b, "<br><span class=\"muted\">");
			webui_esc(&x->b, r->title);
			webui_put(&x->b, "</span>");
		}
		/* a relay: its stream, and the province's name for it */
		if (r->relay_url && strcmp(r->relay_url, r->what) != 0) {
			webui_put(&x->b, "<br><span class=\"muted\">");
			if (r->relay_title) {
				webui_esc(&x->b, r->relay_title);
				webui_put(&x->b, " — ");
			}
			webui_esc(&x->b, r->relay_url);
			webui_put(&x->b, "</span>");
		}
		webui_printf(&x->b, "</span><span class=\"r\">%s", len);
		if (r->slot->prio != SCHED_NORMAL)
			webui_printf(&x->b, "<span class=\"tag %s\">%s</span>",
			             sched_prio_name(r->slot->prio),
			             sched_prio_name(r->slot->prio));
		webui_put(&x->b, "</span>");
		if (*n) {
			webui_printf(&x->b, "<span class=\"%s\">",
			             r->note == TODAY_QUIET || r->note == TODAY_CANNOT ||
			                     r->note == TODAY_RELAY_NONE
			                 ? "x"
			                 : "y");
			webui_esc(&x->b, n);
			webui_put(&x->b, "</span>");
		}
		webui_put(&x->b, "</li>");
	}
	webui_put(&x->b, "</ol></section>");
	if (t.nfresh) {
		webui_printf(&x->b, "<section class=\"card\"><h2>%s</h2><ol class=\"rows\">",
		             _("New from the province, not in any schedule yet"));
		for (size_t i = 0; i < t.nfresh; i++) {
			char len[32];

			webui_duration(t.fresh[i]->duration_s, len, sizeof len);
			webui_put(&x->b, "<li><span class=\"t\"></span><span class=\"w\">");
			webui_esc(&x->b, t.fresh[i]->id);
			if (t.fresh[i]->title) {
				webui_put(&x->b, "<br><span class=\"muted\">");
				webui_esc(&x->b, t.fresh[i]->title);
				webui_put(&x->b, "</span>");
			}
			webui_printf(&x->b, "</span><span class=\"r\">%s</span></li>", len);
		}
		webui_put(&x->b, "</ol></section>");
	}
	webui_printf(&x->b, "<p><a class=\"btn grey\" href=\"/schedule?date=%s\">%s</a></p>", d,
	             _("Edit this day's schedule"));
	today_free(&t);
	webpages_page_end(x, 200);
}

/* --- the as-run log ---------------------------------------------------------- */

static const char *status_text(const char *status)
{
	if (!status)
		return "?";
	if (strcmp(status, "complete") == 0)
		return _("complete");
	if (strcmp(status, "interrupted") == 0)
		return _("interrupted");
	if (strcmp(status, "failed") == 0)
		return _("failed");
	if (strcmp(status, "skipped") == 0)
		return _("skipped");
	if (strcmp(status, "missed") == 0)
		return _("missed");
	if (strcmp(status, "refused") == 0)
		return _("refused");
	if (strcmp(status, "accepted") == 0)
		return _("accepted");
	return status;
}

void webplan_log(struct webpages_req *x)
{
	int64_t day = webpages_asked_day(x);
	char d[16], title[100], *dir = xasprintf("%s/airlog", x->w->conf->state_dir);
	struct daylog dl;
	int rc;

	webpages_format_day(day, d);
	snprintf(title, sizeof title, _("As-run log of %s"), d);
	webpages_page_begin(x, WEBUI_LOG, title, 0);
	webpages_day_picker(x, "/log", day);
	rc = daylog_read(dir, d, &dl);
	free(dir);
	if (rc < 0) {
		if (errno == ENOENT) {
			webui_printf(&x->b, "<section class=\"card\"><p>%s</p></section>",
			             _("Nothing was logged on that day."));
		} else {
			char msg[300];

			snprintf(msg, sizeof msg, _("cannot read the log: %s"), strerror(errno));
			webui_notice(&x->b, "err", msg);
		}
		daylog_free(&dl);
		webpages_page_end(x, 200);
		return;
	}
	{
		char msg[300];

		snprintf(msg, sizeof msg, _("%zu lines, %.1f minutes on air; "), dl.n,
		         dl.on_air_s / 60);
		if (dl.broken) {
			size_t l = strlen(msg);

			snprintf(msg + l, sizeof msg - l,
			         _("CHAIN BROKEN: %zu line(s) do not follow the one before"),
			         dl.broken);
		} else {
			snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%s",
			         _("chain intact"));
		}
		webui_notice(&x->b, dl.broken ? "err" : "info", msg);
	}
	webui_put(&x->b, "<section class=\"card\"><ol class=\"rows\">");
	for (size_t i = 0; i < dl.n; i++) {
		const struct daylog_line *l = &dl.lines[i];
		const struct airlog_entry *e = &l->rec.e;
		char when[9], len[32];

		if (!l->valid) {
			webui_printf(&x->b, "<li><span class=\"t\">?</span><span class=\"x\">");
			webui_printf(&x->b, _("(line %zu is not a valid log line)"), i + 1);
			webui_put(&x->b, "</span></li>");
			continue;
		}
		daylog_hms(e, when);
		if (e->type == AIRLOG_SWITCH) {
			/* a relay changed source: to its fallback, or back to the stream */
			webui_printf(&x->b, "<li><span class=\"t\">%s</span><span class=\"w\"><b>",
			             when);
			webui_esc(&x->b, webpages_slot_name(e->slot));
			webui_put(&x->b, "</b><br>");
			webui_esc(&x->b, e->relay ? e->relay : "");
			webui_printf(&x->b, "</span><span class=\"r\"><span class=\"tag %s\">",
			             e->to && strcmp(e->to, "relay") == 0 ? "complete"
			                                                  : "interrupted");
			webui_esc(&x->b, e->to && strcmp(e->to, "relay") == 0 ? _("relay")
			                                                      : _("fallback"));
			webui_put(&x->b, "</span></span>");
			if (e->reason) {
				webui_put(&x->b, "<span class=\"y\">");
				webui_esc(&x->b, e->reason);
				webui_put(&x->b, "</span>");
			}
			webui_put(&x->b, "</li>");
			continue;
		}
		if (e->type == AIRLOG_ALERT) {
			/* a disaster alert's repetition, refusal or Cancel */
			webui_duration(e->played_s, len, sizeof len);
			webui_printf(&x->b, "<li><span class=\"t\">%s</span><span class=\"w\"><b>",
			             when);
			if (e->repeat)
				webui_printf(&x->b, _("Disaster alert %d/%d"), e->repeat,
				             e->repeats);
			else
				webui_put(&x->b, _("Disaster alert"));
			webui_put(&x->b, "</b><br>");
			webui_esc(&x->b, e->identifier ? e->identifier : "");
			if (e->severity) {
				webui_put(&x->b, " (");
				webui_esc(&x->b, e->severity);
				if (e->level)
					webui_printf(&x->b, ", %d", e->level);
				webui_put(&x->b, ")");
			}
			webui_printf(
			    &x->b, "</span><span class=\"r\">%s<span class=\"tag %s\">", len,
			    e->status && strcmp(e->status, "complete") == 0 ? "complete"
			                                                    : "interrupted");
			webui_esc(&x->b, status_text(e->status));
			webui_put(
			    &x->b,
			    "</span><br><span class=\"tag emergency\">emergency</span></span>");
			if (e->reason) {
				webui_put(&x->b, "<span class=\"x\">");
				webui_esc(&x->b, e->reason);
				webui_put(&x->b, "</span>");
			}
			webui_put(&x->b, "</li>");
			continue;
		}
		if (e->type != AIRLOG_PLAY) {
			webui_printf(
			    &x->b, "<li><span class=\"t\">%s</span><span class=\"w muted\">%s",
			    when,
			    e->type == AIRLOG_START ? _("loaxad started") : _("loaxad stopped"));
			webui_put(&x->b, "</span><span class=\"r\"></span></li>");
			continue;
		}
		webui_duration(e->played_s, len, sizeof len);
		webui_printf(&x->b, "<li><span class=\"t\">%s</span><span class=\"w\"><b>", when);
		webui_esc(&x->b, webpages_slot_name(e->slot));
		webui_put(&x->b, "</b><br>");
		webui_esc(&x->b, e->programme ? e->programme
		                 : e->file    ? e->file
		                 : e->relay   ? e->relay
		                              : "");
		webui_printf(&x->b, "</span><span class=\"r\">%s<span class=\"tag %s\">", len,
		             e->status ? e->status : "");
		webui_esc(&x->b, status_text(e->status));
		webui_put(&x->b, "</span>");
		if (e->priority && strcmp(e->priority, "normal") != 0)
			webui_printf(&x->b, "<br><span class=\"tag %s\">%s</span>", e->priority,
			             e->priority);
		webui_put(&x->b, "</span>");
		if (e->reason) {
			webui_printf(&x->b, "<span class=\"%s\">",
			             strcmp(e->status ? e->status : "", "complete") ? "x" : "y");
			webui_esc(&x->b, e->reason);
			webui_put(&x->b, "</span>");
		}
		if (e->by) {
			webui_put(&x->b, "<span class=\"y\">");
			webui_printf(&x->b, "%s ", _("by"));
			webui_esc(&x->b, e->by);
			webui_put(&x->b, "</span>");
		}
		if (!l->follows) {
			webui_printf(&x->b, "<span class=\"x\">%s</span>",
			             _("does not follow the line before"));
		}
		webui_put(&x->b, "</li>");
	}
	webui_put(&x->b, "</ol></section>");
	daylog_free(&dl);
	webpages_page_end(x, 200);
}
