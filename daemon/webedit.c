/*
 * webedit: the web page's changes to what the station has — a programme
 * file uploaded (webfile.c: decoded in full, kept under a safe name of its
 * own), put into a day's schedule, and the daily schedule edited (daily.c:
 * started from the week's sessions of the day, checked like "loaxactl
 * check"), installed through loaxad's "load".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "daily.h"
#include "i18n.h"
#include "schedule.h"
#include "util.h"
#include "webfile.h"
#include "webpagesp.h"

/* --- upload and place -------------------------------------------------------- */

static void upload_form(struct webpages_req *x)
{
	char limit[64];

	snprintf(limit, sizeof limit, "%.0f MiB",
	         (double)x->w->conf->web.max_upload_bytes / 1048576.0);
	webui_put(&x->b, "<form class=\"card\" method=\"post\" action=\"/upload\" "
	                 "enctype=\"multipart/form-data\">");
	webui_csrf(&x->b, x->s->csrf);
	webui_printf(&x->b, "<label for=\"file\">%s</label>", _("Programme file"));
	webui_put(&x->b, "<input type=\"file\" id=\"file\" name=\"file\" required "
	                 "accept=\"audio/*,.wav,.flac,.ogg,.opus,.mp3\">");
	webui_put(&x->b, "<p class=\"muted\">");
	webui_printf(&x->b,
	             _("WAV, FLAC, Ogg Vorbis, Opus or MP3, at most %s. It is checked "
	               "by playing it through the station's decoder before it is kept."),
	             limit);
	webui_printf(&x->b, "</p><button class=\"btn\" type=\"submit\">%s</button></form>",
	             _("Upload"));
}

/* The form that puts a recording into a day's schedule. */
static void place_form(struct webpages_req *x, const char *what)
{
	char d[16], t[16];
	int at = webpages_now_sec_of_day() + 600;

	webpages_format_day(webpages_today_day(), d);
	at = at - at % 300; /* a round time, some minutes ahead */
	if (at >= 86400)
		at = 86400 - 60;
	snprintf(t, sizeof t, "%02d:%02d", at / 3600, at / 60 % 60);
	webui_printf(&x->b, "<form class=\"card\" method=\"post\" action=\"/place\"><h2>%s</h2>",
	             _("Put it in a day's schedule"));
	webui_csrf(&x->b, x->s->csrf);
	webui_hidden(&x->b, "what", what);
	webui_printf(&x->b, "<label for=\"date\">%s</label>", _("Date"));
	webui_printf(&x->b, "<input type=\"date\" id=\"date\" name=\"date\" value=\"%s\" required>",
	             d);
	webui_printf(&x->b, "<label for=\"time\">%s</label>", _("Time"));
	webui_printf(
	    &x->b,
	    "<input type=\"time\" id=\"time\" name=\"time\" step=\"1\" value=\"%s\" required>", t);
	webui_printf(&x->b, "<label for=\"name\">%s</label>", _("Session name"));
	webui_put(&x->b,
	          "<input type=\"text\" id=\"name\" name=\"name\" maxlength=\"100\" required "
	          "value=\"");
	webui_esc(&x->b, _("Announcement"));
	webui_printf(&x->b, "\"><p class=\"muted\">%s</p>",
	             _("If that day has no daily schedule yet, one is made from the week's "
	               "sessions of that day, so nothing else is lost."));
	webui_printf(&x->b, "<button class=\"btn\" type=\"submit\">%s</button></form>",
	             _("Add to the schedule"));
}

void webedit_upload_page(struct webpages_req *x)
{
	webpages_page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
	upload_form(x);
	webpages_page_end(x, 200);
}

void webedit_upload(struct webpages_req *x)
{
	struct webfile_info info;
	char why[400], len[32], msg[600];

	if (x->rq->upload_error) {
		snprintf(msg, sizeof msg, _("Not kept: cannot store the upload: %s"),
		         x->rq->upload_error);
		webpages_page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
		webui_notice(&x->b, "err", msg);
		upload_form(x);
		webpages_page_end(x, 507);
		return;
	}
	if (x->rq->upload_too_big || x->rq->body_too_big) {
		snprintf(msg, sizeof msg, _("The file is larger than %.0f MiB; nothing was kept."),
		         (double)x->w->conf->web.max_upload_bytes / 1048576.0);
		webpages_page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
		webui_notice(&x->b, "err", msg);
		upload_form(x);
		webpages_page_end(x, 413);
		return;
	}
	if (!x->rq->upload_tmp) {
		webpages_page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
		webui_notice(&x->b, "err", _("Choose a file to upload."));
		upload_form(x);
		webpages_page_end(x, 400);
		return;
	}
	if (webfile_store(x->w->conf->audio_dir, x->rq->upload_tmp,
	                  x->rq->upload_name ? x->rq->upload_name : "", &info, why,
	                  sizeof why) < 0) {
		log_notice("web: upload \"%s\" by %s refused: %s",
		           x->rq->upload_name ? x->rq->upload_name : "", x->by, why);
		snprintf(msg, sizeof msg, _("Not kept: %s"), why);
		webpages_page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
		webui_notice(&x->b, "err", msg);
		upload_form(x);
		webpages_page_end(x, 422);
		return;
	}
	log_notice("web: %s uploaded %s/%s (%s, %.1f s)", x->by, x->w->conf->audio_dir, info.name,
	           info.format, info.duration_s);
	webui_duration(info.duration_s, len, sizeof len);
	snprintf(msg, sizeof msg, _("Kept as %s: %s, %s, %d Hz, %s."), info.name, info.format, len,
	         info.rate, info.channels == 1 ? _("mono") : _("stereo"));
	webpages_page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
	webui_notice(&x->b, "ok", msg);
	place_form(x, info.name);
	webui_printf(&x->b,
	             "<section class=\"card\"><h2>%s</h2><ol class=\"rows\"><li class=\"act\">",
	             _("Or play it now"));
	webui_printf(&x->b, "<span class=\"t\">%s</span><span class=\"w\">", len);
	webui_esc(&x->b, info.name);
	webui_put(&x->b, "</span>");
	webpages_play_buttons(x, info.name);
	webui_put(&x->b, "</li></ol></section>");
	webpages_page_end(x, 200);
}

/* Install a daily schedule's text through loaxad ("load"), after checking
 * it here in the page's language. NULL when done, else why not. */
static char *install_daily(struct webpages_req *x, int64_t day, const char *text)
{
	char name[16];
	struct diag d = {0};
	json_t *ans;
	char *why = NULL;
	int nslots;

	daily_name(day, name, sizeof name);
	if (strlen(text) > WEB_SCHEDULE_MAX)
		return xasprintf(_("%s: larger than %d bytes"), name, WEB_SCHEDULE_MAX);
	nslots = daily_check(x->w->conf, x->w->tmpdir, name, day, text, &d);
	if (nslots < 0) {
		struct webui_buf t = {0};

		webui_put(&t, _("Not installed; the schedule in force stays:"));
		for (size_t i = 0; i < d.n; i++) {
			webui_put(&t, "\n");
			webui_put(&t, d.msgs[i]);
		}
		diag_free(&d);
		return webui_take(&t, NULL);
	}
	ans = webpages_ask(x, json_pack("{s:s,s:s,s:s}", "cmd", "load", "arg", name, "text", text));
	if (!ans)
		return xasprintf(_("loaxad does not answer at %s: %s"), x->w->conf->control_socket,
		                 strerror(errno));
	if (!json_is_true(json_object_get(ans, "ok")))
		why = xasprintf(_("loaxad refused: %s"), webpages_jstr(ans, "message"));
	json_decref(ans);
	return why;
}

/* The operator's own schedules (schedule_dir), for a daily schedule's base. */
static void operator_plan(const struct webpages_req *x, struct sched_plan *plan)
{
	struct diag d = {0};

	memset(plan, 0, sizeof *plan);
	sched_load_dir(plan, x->w->conf->schedule_dir, &d);
	diag_free(&d);
}

void webedit_place(struct webpages_req *x)
{
	const char *what = webpages_field(x, "what"), *date = webpages_field(x, "date"),
	           *tm = webpages_field(x, "time");
	const char *name = webpages_field(x, "name");
	struct sched_plan plan;
	const struct sched_slot **base;
	struct daily_add add;
	int64_t day;
	int at;
	size_t nbase;
	char *text, *comment, *why, d[16];
	struct catalog cat;
	bool is_id = false;

	if (!webpages_playable(x, what) || !date || sched_parse_date(date, &day) < 0 || !tm ||
	    sched_parse_clock(tm, &at) < 0 || !webpages_plain_text(name, WEB_SLOT_NAME_MAX)) {
		webpages_message_page(
		    x, 400, _("Not done"), "err",
		    _("Give a recording, a date, a time (HH:MM or HH:MM:SS) and a session "
		      "name."),
		    "/upload");
		return;
	}
	if (day < webpages_today_day() ||
	    (day == webpages_today_day() && at <= webpages_now_sec_of_day() + 2)) {
		webpages_message_page(x, 400, _("Not done"), "err",
		                      _("That time is already past; choose a later one."), "/play");
		return;
	}
	if (!webfile_exists(x->w->conf->audio_dir, what) &&
	    catalog_load(&cat, x->w->conf->state_dir, x->w->conf->station_id) == 0) {
		is_id = catalog_find(&cat, what) != NULL;
		catalog_free(&cat);
	}
	add = (struct daily_add){
	    .name = name, .start = at, .id = is_id ? what : NULL, .file = is_id ? NULL : what};
	operator_plan(x, &plan);
	nbase = daily_base(&plan, day, &base);
	webpages_format_day(day, d);
	comment = xasprintf(_("Daily schedule for %s, last changed on the web page by %s."), d,
	                    x->s->user);
	text = daily_text(day, base, nbase, &add, comment);
	free(comment);
	free(base);
	sched_plan_free(&plan);
	why = install_daily(x, day, text);
	free(text);
	if (why) {
		webpages_message_page(x, 409, _("Not done"), "err", why, "/upload");
		free(why);
		return;
	}
	{
		struct webui_buf u = {0};

		webui_printf(&u, "/plan?date=%s&msg=placed&what=", d);
		webui_urlenc(&u, what);
		webpages_redirect(x, u.p);
		webui_free(&u);
	}
}

/* --- the daily schedule ------------------------------------------------------ */

/* The daily schedules in schedule_dir, as links. */
static void daily_list(struct webpages_req *x, int64_t shown)
{
	struct sched_plan plan;
	int64_t *days = NULL;
	size_t n = 0;

	operator_plan(x, &plan);
	for (size_t i = 0; i < plan.nslots; i++) {
		const struct sched_slot *s = &plan.slots[i];
		char want[16];
		const char *base = s->file ? strrchr(s->file, '/') : NULL;
		bool seen = false;

		base = base ? base + 1 : s->file;
		if (!s->daily || s->date == SCHED_NO_DATE)
			continue;
		daily_name(s->date, want, sizeof want);
		if (!base || strcmp(base, want) != 0)
			continue;
		for (size_t k = 0; k < n; k++)
			seen |= days[k] == s->date;
		if (seen)
			continue;
		days = xreallocarray(days, n + 1, sizeof *days);
		days[n++] = s->date;
	}
	sched_plan_free(&plan);
	if (!n) {
		free(days);
		return;
	}
	webui_printf(&x->b, "<p class=\"muted\">%s ", _("Daily schedules on the station:"));
	for (size_t i = 0; i < n; i++) {
		char d[16];

		webpages_format_day(days[i], d);
		if (days[i] == shown)
			webui_printf(&x->b, "<b>%s</b> ", d);
		else
			webui_printf(&x->b, "<a href=\"/schedule?date=%s\">%s</a> ", d, d);
	}
	webui_put(&x->b, "</p>");
	free(days);
}

static void schedule_page(struct webpages_req *x, int64_t day, const char *text, bool generated,
                          const char *error, int status)
{
	char d[16], name[16], title[100];

	webpages_format_day(day, d);
	daily_name(day, name, sizeof name);
	snprintf(title, sizeof title, _("Daily schedule for %s"), d);
	webpages_page_begin(x, WEBUI_SCHEDULE, title, 0);
	webpages_show_msg(x);
	if (error)
		webui_notice(&x->b, "err", error);
	webpages_day_picker(x, "/schedule", day);
	daily_list(x, day);
	if (generated)
		webui_notice(
		    &x->b, "info",
		    _("This day has no daily schedule yet. Below are the week's sessions of "
		      "that day: change them, then install; on that day they replace the "
		      "week's sessions."));
	webui_put(&x->b, "<form class=\"card\" method=\"post\" action=\"/schedule\">");
	webui_csrf(&x->b, x->s->csrf);
	webui_hidden(&x->b, "date", d);
	webui_printf(&x->b, "<label for=\"text\">%s</label>", name);
	webui_put(&x->b, "<textarea id=\"text\" name=\"text\" spellcheck=\"false\" rows=\"18\">");
	webui_esc(&x->b, text);
	webui_printf(&x->b, "</textarea><p class=\"muted\">%s</p>",
	             _("Each session: name, date, start (HH:MM or HH:MM:SS) and items: a "
	               "programme id in quotes, or { file = \"name.wav\"; } for a recording of "
	               "the station. See loaxa-schedule(5)."));
	webui_printf(&x->b, "<button class=\"btn\" type=\"submit\">%s</button>",
	             _("Check and install"));
	webui_printf(&x->b, "<a class=\"btn grey\" href=\"/plan?date=%s\">%s</a></form>", d,
	             _("See the plan of that day"));
	webpages_page_end(x, status);
}

void webedit_schedule_page(struct webpages_req *x)
{
	int64_t day = webpages_asked_day(x);
	char name[16], *path, *text = NULL, *comment, d[16];
	size_t len;

	daily_name(day, name, sizeof name);
	path = xasprintf("%s/%s", x->w->conf->schedule_dir, name);
	if (util_read_file(path, WEB_SCHEDULE_MAX, &text, &len) == 0 && strlen(text) == len) {
		schedule_page(x, day, text, false, NULL, 200);
	} else {
		struct sched_plan plan;
		const struct sched_slot **base;
		size_t nbase;

		free(text);
		operator_plan(x, &plan);
		nbase = daily_base(&plan, day, &base);
		webpages_format_day(day, d);
		comment = xasprintf(_("Daily schedule for %s, made on the web page by %s."), d,
		                    x->s->user);
		text = daily_text(day, base, nbase, NULL, comment);
		free(comment);
		free(base);
		sched_plan_free(&plan);
		schedule_page(x, day, text, true, NULL, 200);
	}
	free(text);
	free(path);
}

void webedit_schedule(struct webpages_req *x)
{
	const char *date = webpages_field(x, "date"), *text = webpages_field(x, "text");
	int64_t day;
	char *why, d[16];

	if (!date || sched_parse_date(date, &day) < 0 || !text) {
		webpages_message_page(x, 400, _("Not done"), "err",
		                      _("Give a date and the schedule's text."), "/schedule");
		return;
	}
	why = install_daily(x, day, text);
	if (why) {
		schedule_page(x, day, text, false, why, 422);
		free(why);
		return;
	}
	webpages_format_day(day, d);
	{
		char *to = xasprintf("/plan?date=%s&msg=placed&what=%s.cfg", d, d);

		webpages_redirect(x, to);
		free(to);
	}
}
