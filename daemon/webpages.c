/*
 * webpages: the pages of the operator's web page and the checks in front
 * of them (see webpages.h).
 *
 * Every page is rendered in the request's language (webui_set_lang), from
 * a fresh look at the files and one control-socket request at most; no
 * state is kept between requests but the sessions and the failed logins.
 * A change is a POST that passes three checks — a live session, the
 * session's CSRF token in the form, an Origin or Referer of this host when
 * the browser sends one — and then answers with a redirect, so that
 * reloading the page never repeats it.
 */
#include "webpages.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "catalog.h"
#include "control.h"
#include "daily.h"
#include "daylog.h"
#include "i18n.h"
#include "schedule.h"
#include "today.h"
#include "util.h"
#include "webauth.h"
#include "webfile.h"
#include "webui.h"

/* A page waits this long for loaxad; it answers in milliseconds. */
#define WEB_CONTROL_TIMEOUT_MS 10000
/* A daily schedule travels in one control request (64 KiB). */
#define WEB_SCHEDULE_MAX  (48 * 1024)
#define WEB_SLOT_NAME_MAX 100

struct webpages {
	const struct conf *conf;
	char *tmpdir;
	char *fingerprint;
	struct webauth *auth;
};

/* One request being answered. */
struct req {
	struct webpages *w;
	const struct web_request *rq;
	struct web_response *rs;
	const struct webauth_session *s; /* NULL: not logged in */
	enum webui_lang lang;
	char by[CONTROL_BY_MAX + 1];
	char *self; /* this page's path and query, for the language switch */
	struct webui_buf b;
	struct webui_frame f;
};

/* --- small things ------------------------------------------------------------ */

static const char *field(const struct req *x, const char *name)
{
	for (size_t i = 0; i < x->rq->nfields; i++)
		if (strcmp(x->rq->fields[i].name, name) == 0)
			return x->rq->fields[i].value;
	return NULL;
}

static double now_mono(void)
{
	struct timespec t = util_now_mono();

	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int64_t today_day(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return sched_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static int now_sec_of_day(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

static void format_day(int64_t day, char buf[16])
{
	int y, m, d;

	sched_civil_from_days(day, &y, &m, &d);
	snprintf(buf, 16, "%04d-%02d-%02d", y, m, d);
}

/* The day a page is about: ?date=YYYY-MM-DD, else today. */
static int64_t asked_day(const struct req *x)
{
	const char *d = field(x, "date");
	int64_t day;

	if (d && sched_parse_date(d, &day) == 0)
		return day;
	return today_day();
}

/* Text fit for a name: UTF-8 without control characters, not empty. */
static bool plain_text(const char *s, size_t max)
{
	json_t *j;

	if (!s || !*s || strlen(s) > max)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return false;
	j = json_string(s); /* jansson checks UTF-8 */
	if (!j)
		return false;
	json_decref(j);
	return true;
}

/* "17:00:00" of an ISO 8601 time, with its date when it is not today. */
static void format_when(const char *iso, char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm, now_tm;
	time_t now = time(NULL);

	if (!iso || !*iso || util_parse_time(iso, &ts) < 0) {
		snprintf(buf, n, "-");
		return;
	}
	localtime_r(&ts.tv_sec, &tm);
	localtime_r(&now, &now_tm);
	if (tm.tm_year == now_tm.tm_year && tm.tm_yday == now_tm.tm_yday)
		strftime(buf, n, "%H:%M:%S", &tm);
	else
		strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Ask loaxad (with who asks); NULL with errno when it does not answer. */
static json_t *ask(const struct req *x, json_t *req)
{
	json_t *ans;

	json_object_set_new(req, "by", json_string(x->by));
	ans = control_request(x->w->conf->control_socket, req, WEB_CONTROL_TIMEOUT_MS);
	json_decref(req);
	return ans;
}

static void unreachable(struct req *x)
{
	char msg[512];

	snprintf(msg, sizeof msg, _("loaxad does not answer at %s: %s"), x->w->conf->control_socket,
	         strerror(errno));
	webui_notice(&x->b, "err", msg);
}

/* --- responses --------------------------------------------------------------- */

static void page_begin(struct req *x, enum webui_page page, const char *title, int refresh_s)
{
	x->f = (struct webui_frame){.station = x->w->conf->station_name,
	                            .title = title,
	                            .page = page,
	                            .user = x->s ? x->s->user : NULL,
	                            .csrf = x->s ? x->s->csrf : NULL,
	                            .path = x->self,
	                            .lang = x->lang,
	                            .refresh_s = refresh_s};
	webui_begin(&x->b, &x->f);
}

static void page_end(struct req *x, int status)
{
	webui_end(&x->b, &x->f);
	x->rs->status = status;
	x->rs->type = "text/html; charset=utf-8";
	x->rs->body = webui_take(&x->b, &x->rs->len);
}

static void redirect(struct req *x, const char *location)
{
	webui_free(&x->b);
	x->rs->status = 303;
	x->rs->location = xstrdup(location);
	x->rs->type = "text/plain; charset=utf-8";
	x->rs->body = xstrdup("");
	x->rs->len = 0;
}

/* A page that only says something (errors, refusals). */
static void message_page(struct req *x, int status, const char *title, const char *kind,
                         const char *text, const char *back)
{
	page_begin(x, WEBUI_NONE, title, 0);
	webui_notice(&x->b, kind, text);
	if (back) {
		webui_printf(&x->b, "<p><a class=\"btn grey\" href=\"%s\">", back);
		webui_esc(&x->b, _("Back"));
		webui_put(&x->b, "</a></p>");
	}
	page_end(x, status);
}

/* The result of an action, shown on the page it leads to (?msg=...). */
static void show_msg(struct req *x)
{
	const char *msg = field(x, "msg"), *what = field(x, "what");
	char text[600];

	if (!msg)
		return;
	if (!what || !plain_text(what, 300))
		what = "";
	if (strcmp(msg, "play") == 0)
		snprintf(text, sizeof text, _("%s will play now."), what);
	else if (strcmp(msg, "emergency") == 0)
		snprintf(text, sizeof text, _("Emergency: %s is going on air now."), what);
	else if (strcmp(msg, "stop") == 0)
		snprintf(text, sizeof text, "%s", _("Stopped."));
	else if (strcmp(msg, "sync") == 0)
		snprintf(text, sizeof text, "%s",
		         _("Sync started: the province is asked for news and the as-run log is "
		           "sent."));
	else if (strcmp(msg, "placed") == 0)
		snprintf(text, sizeof text, _("%s is in this day's schedule."), what);
	else
		return;
	webui_notice(&x->b, "ok", text);
}

/* --- the checks -------------------------------------------------------------- */

/* "host[:port]" of an Origin or Referer URL, into buf. */
static bool url_host(const char *url, char *buf, size_t n)
{
	const char *p = strstr(url, "://");
	size_t len;

	if (!p)
		return false;
	p += 3;
	len = strcspn(p, "/?#");
	if (len == 0 || len >= n)
		return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return true;
}

/* A change must come from this site's own page: the browser's Origin (or
 * else Referer), when it sends one, names this host. */
static bool same_origin(const struct web_request *rq)
{
	const char *from = rq->origin ? rq->origin : rq->referer;
	char host[300];

	if (!from)
		return true;
	if (!rq->host || !url_host(from, host, sizeof host))
		return false;
	return strcasecmp(host, rq->host) == 0;
}

/* --- log in, log out, language ----------------------------------------------- */

static void session_cookie(struct req *x, const char *token)
{
	x->rs->cookies[0] =
	    xasprintf("loaxa_session=%s; Path=/; HttpOnly; SameSite=Strict%s%s", token ? token : "",
	              token ? "" : "; Max-Age=0", x->rq->tls ? "; Secure" : "");
}

static void login_form(struct req *x, const char *name)
{
	webui_put(&x->b, "<form class=\"card\" method=\"post\" action=\"/login\">");
	webui_printf(&x->b, "<label for=\"name\">%s</label>", _("Operator name"));
	webui_put(&x->b, "<input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"username\" "
	                 "autocapitalize=\"none\" required value=\"");
	webui_esc(&x->b, name && *name ? name : "admin");
	webui_printf(&x->b, "\"><label for=\"password\">%s</label>", _("Password"));
	webui_put(&x->b, "<input type=\"password\" id=\"password\" name=\"password\" "
	                 "autocomplete=\"current-password\" required autofocus>");
	webui_printf(&x->b, "<p><button class=\"btn\" type=\"submit\">%s</button></p></form>",
	             _("Log in"));
}

static bool nobody_can_log_in(struct req *x)
{
	char *text = webauth_read_file(x->w->conf->state_dir);
	bool nobody = webauth_file_count(text) == 0;

	free(text);
	return nobody;
}

static void no_password_notice(struct req *x)
{
	webui_notice(&x->b, "warn",
	             _("No password is set for the web page yet, so nobody can log in. On the "
	               "station, as root, run:\n    loaxactl passwd\nand log in as \"admin\" "
	               "with the password it asks for."));
}

static void page_login(struct req *x)
{
	page_begin(x, WEBUI_NONE, _("Log in"), 0);
	if (nobody_can_log_in(x))
		no_password_notice(x);
	else
		login_form(x, NULL);
	page_end(x, 200);
}

static void do_login(struct req *x)
{
	const char *name = field(x, "name"), *password = field(x, "password");
	const char *client = x->rq->client;
	double now = now_mono(), wait = webauth_wait(x->w->auth, x->rq->client_key, now);
	char msg[300], *text;
	enum webauth_result r;

	if (!same_origin(x->rq)) {
		log_warnx("web: login from %s refused: the form came from another site", client);
		message_page(x, 403, _("Log in"), "err",
		             _("This form did not come from this page. Open the page again."),
		             "/login");
		return;
	}
	if (wait > 0) {
		log_notice("web: login from %s refused: %.0f s still to wait after failed logins",
		           client, ceil(wait));
		page_begin(x, WEBUI_NONE, _("Log in"), 0);
		snprintf(msg, sizeof msg,
		         _("Too many wrong passwords from this address. Try again in %.0f s."),
		         ceil(wait));
		webui_notice(&x->b, "err", msg);
		login_form(x, name);
		page_end(x, 429);
		return;
	}
	text = webauth_read_file(x->w->conf->state_dir);
	r = webauth_check(text, name ? name : "", password ? password : "");
	free(text);
	if (r == WEBAUTH_NOBODY) {
		page_begin(x, WEBUI_NONE, _("Log in"), 0);
		no_password_notice(x);
		page_end(x, 403);
		return;
	}
	if (r != WEBAUTH_OK) {
		unsigned n = webauth_failed(x->w->auth, x->rq->client_key, now);

		wait = webauth_wait(x->w->auth, x->rq->client_key, now);
		log_warnx("web: failed login as \"%s\" from %s (%u in a row%s)",
		          name && webauth_valid_name(name) ? name : "?", client, n,
		          wait > 0 ? ", now held back" : "");
		page_begin(x, WEBUI_NONE, _("Log in"), 0);
		if (wait > 0)
			snprintf(
			    msg, sizeof msg,
			    _("Wrong name or password. Too many wrong passwords from this address: "
			      "try again in %.0f s."),
			    ceil(wait));
		else
			snprintf(msg, sizeof msg, "%s", _("Wrong name or password."));
		webui_notice(&x->b, "err", msg);
		login_form(x, name);
		page_end(x, 401);
		return;
	}
	webauth_succeeded(x->w->auth, x->rq->client_key);
	x->s = webauth_login(x->w->auth, name, now);
	log_notice("web: %s logged in from %s", name, client);
	session_cookie(x, x->s->token);
	redirect(x, "/");
}

static void do_logout(struct req *x)
{
	log_notice("web: %s logged out (%s)", x->s->user, x->rq->client);
	webauth_logout(x->w->auth, x->rq->session_cookie);
	x->s = NULL;
	session_cookie(x, NULL);
	redirect(x, "/login");
}

static void do_lang(struct req *x)
{
	const char *set = field(x, "set"), *back = field(x, "back");

	if (set && (strcmp(set, "vi") == 0 || strcmp(set, "en") == 0))
		x->rs->cookies[1] =
		    xasprintf("loaxa_lang=%s; Path=/; SameSite=Strict; Max-Age=31536000", set);
	/* back only to a page of this site */
	if (!back || back[0] != '/' || back[1] == '/' || back[1] == '\\' || !plain_text(back, 500))
		back = "/";
	redirect(x, back);
}

/* --- on air ------------------------------------------------------------------ */

static void stop_button(struct req *x)
{
	webui_put(&x->b, "<form method=\"post\" action=\"/stop\">");
	webui_csrf(&x->b, x->s->csrf);
	webui_printf(&x->b, "<button class=\"btn red\" type=\"submit\">%s</button></form>",
	             _("Stop what is on air"));
}

static void on_air_card(struct req *x, json_t *st)
{
	json_t *now = json_object_get(st, "now_playing");

	webui_printf(&x->b, "<section class=\"card\"><h2>%s</h2>", _("Now on air"));
	if (json_is_object(now)) {
		double el = json_number_value(json_object_get(now, "elapsed_s"));
		double du = json_number_value(json_object_get(now, "duration_s"));
		char a[32], b[32];

		webui_put(&x->b, "<p class=\"big\">");
		webui_esc(&x->b, jstr(now, "programme"));
		webui_put(&x->b, "</p><p class=\"muted\">");
		webui_esc(&x->b, jstr(now, "slot"));
		webui_put(&x->b, "</p>");
		webui_duration(el, a, sizeof a);
		webui_duration(du, b, sizeof b);
		if (du > 0)
			webui_printf(&x->b, "<progress max=\"%.1f\" value=\"%.1f\"></progress>", du,
			             el < du ? el : du);
		webui_printf(&x->b, "<p>%s / %s</p>", a, b);
		stop_button(x);
	} else {
		webui_printf(&x->b, "<p class=\"big\">%s</p>", _("Nothing is on air."));
	}
	webui_put(&x->b, "</section>");
}

static void page_now(struct req *x)
{
	json_t *st = ask(x, json_pack("{s:s}", "cmd", "status"));
	char when[64];

	page_begin(x, WEBUI_NOW, _("On air"), 10);
	show_msg(x);
	if (!st) {
		unreachable(x);
		page_end(x, 200);
		return;
	}
	on_air_card(x, st);
	webui_printf(&x->b, "<section class=\"card\"><h2>%s</h2>", _("Next session"));
	if (*jstr(st, "next_session")) {
		format_when(jstr(st, "next_session"), when, sizeof when);
		webui_printf(&x->b, "<p class=\"big\">%s</p><p class=\"muted\">", when);
		webui_esc(&x->b, jstr(st, "next_slot"));
		webui_put(&x->b, "</p>");
	} else {
		webui_printf(&x->b, "<p>%s</p>", _("Nothing more is scheduled."));
	}
	webui_printf(&x->b, "<p><a class=\"btn\" href=\"/plan\">%s</a>", _("Today's plan"));
	webui_printf(&x->b, "<a class=\"btn grey\" href=\"/play\">%s</a></p></section>",
	             _("Play now or emergency"));
	if (strncmp(jstr(st, "clock"), "held", 4) == 0)
		webui_notice(
		    &x->b, "err",
		    _("Scheduled sessions are held: the clock reads earlier than the as-run "
		      "log. Set the station's time."));
	else if (strcmp(jstr(st, "clock"), "synced") != 0)
		webui_notice(&x->b, "warn",
		             _("The clock is not synchronised: check the station's time."));
	json_decref(st);
	page_end(x, 200);
}

/* --- today's plan ------------------------------------------------------------ */

static void day_picker(struct req *x, const char *action, int64_t day)
{
	char d[16], prev[16], next[16];

	format_day(day, d);
	format_day(day - 1, prev);
	format_day(day + 1, next);
	webui_printf(&x->b, "<form class=\"daypick\" method=\"get\" action=\"%s\">", action);
	webui_printf(&x->b,
	             "<a class=\"btn grey small\" href=\"%s?date=%s\" title=\"%s\">&lsaquo;</a>",
	             action, prev, prev);
	webui_printf(&x->b, "<input type=\"date\" name=\"date\" value=\"%s\" aria-label=\"", d);
	webui_esc(&x->b, _("Date"));
	webui_printf(&x->b, "\"><button class=\"btn small\" type=\"submit\">%s</button>",
	             _("Show"));
	webui_printf(&x->b,
	             "<a class=\"btn grey small\" href=\"%s?date=%s\" title=\"%s\">&rsaquo;</a>",
	             action, next, next);
	webui_put(&x->b, "</form>");
}

static void diag_notice(struct req *x, const char *kind, const char *intro, const struct diag *d)
{
	struct webui_buf t = {0};

	webui_put(&t, intro);
	for (size_t i = 0; i < d->n; i++) {
		webui_put(&t, "\n");
		webui_put(&t, d->msgs[i]);
	}
	webui_notice(&x->b, kind, t.p);
	webui_free(&t);
}

static void page_plan(struct req *x)
{
	int64_t day = asked_day(x);
	struct today t;
	char d[16], title[100];

	format_day(day, d);
	today_build(&t, x->w->conf, day);
	snprintf(title, sizeof title, _("Plan for %s"), d);
	page_begin(x, WEBUI_PLAN, title, 0);
	show_msg(x);
	day_picker(x, "/plan", day);
	if (t.diag.n)
		diag_notice(x, "warn", _("Problems in the schedules (these files are not used):"),
		            &t.diag);
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
		webui_printf(&x->b, "</span><span class=\"r\">%s", len);
		if (r->slot->prio != SCHED_NORMAL)
			webui_printf(&x->b, "<span class=\"tag %s\">%s</span>",
			             sched_prio_name(r->slot->prio),
			             sched_prio_name(r->slot->prio));
		webui_put(&x->b, "</span>");
		if (*n) {
			webui_printf(&x->b, "<span class=\"%s\">",
			             r->note == TODAY_QUIET || r->note == TODAY_CANNOT ? "x" : "y");
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
	page_end(x, 200);
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
	return status;
}

static void page_log(struct req *x)
{
	int64_t day = asked_day(x);
	char d[16], title[100], *dir = xasprintf("%s/airlog", x->w->conf->state_dir);
	struct daylog dl;
	int rc;

	format_day(day, d);
	snprintf(title, sizeof title, _("As-run log of %s"), d);
	page_begin(x, WEBUI_LOG, title, 0);
	day_picker(x, "/log", day);
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
		page_end(x, 200);
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
		webui_esc(&x->b, e->slot ? e->slot : "");
		webui_put(&x->b, "</b><br>");
		webui_esc(&x->b, e->programme ? e->programme : (e->file ? e->file : ""));
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
	page_end(x, 200);
}

/* --- play now, emergency, stop ----------------------------------------------- */

/* what names something the station has: a programme of the catalog, or a
 * file of audio_dir. */
static bool playable(const struct req *x, const char *what)
{
	struct catalog cat;
	bool ok;

	if (!what || !*what)
		return false;
	if (webfile_exists(x->w->conf->audio_dir, what))
		return true;
	if (catalog_load(&cat, x->w->conf->state_dir, x->w->conf->station_id) < 0)
		return false;
	ok = catalog_find(&cat, what) != NULL;
	catalog_free(&cat);
	return ok;
}

static void play_buttons(struct req *x, const char *what)
{
	webui_put(&x->b, "<span class=\"r\"><form method=\"post\" action=\"/play\">");
	webui_csrf(&x->b, x->s->csrf);
	webui_put(&x->b, "<input type=\"hidden\" name=\"what\" value=\"");
	webui_esc(&x->b, what);
	webui_printf(&x->b, "\"><button class=\"btn small\" type=\"submit\">%s</button></form>",
	             _("Play"));
	webui_put(&x->b, "<form method=\"post\" action=\"/emergency\">");
	webui_csrf(&x->b, x->s->csrf);
	webui_put(&x->b, "<input type=\"hidden\" name=\"what\" value=\"");
	webui_esc(&x->b, what);
	webui_printf(&x->b, "\"><button class=\"btn red small\" type=\"submit\">%s</button></form>",
	             _("Emergency…"));
	webui_put(&x->b, "</span>");
}

static void page_play(struct req *x)
{
	json_t *st = ask(x, json_pack("{s:s}", "cmd", "status"));
	struct webfile_entry *files;
	size_t nfiles = webfile_list(x->w->conf->audio_dir, &files);
	struct catalog cat;

	page_begin(x, WEBUI_PLAY, _("Play now or emergency"), 0);
	show_msg(x);
	if (!st)
		unreachable(x);
	else if (json_is_object(json_object_get(st, "now_playing")))
		on_air_card(x, st);
	json_decref(st);
	webui_printf(&x->b, "<p class=\"muted\">%s</p>",
	             _("\"Play\" interrupts a normal session and plays the item at once; the "
	               "session goes on afterwards. \"Emergency\" interrupts anything, even in "
	               "quiet hours; you are asked to confirm it."));
	webui_printf(&x->b, "<section class=\"card\"><h2>%s</h2>",
	             _("The station's own recordings"));
	if (!nfiles)
		webui_printf(&x->b, "<p>%s <a href=\"/upload\">%s</a></p>", _("None yet."),
		             _("Upload one"));
	webui_put(&x->b, "<ol class=\"rows\">");
	for (size_t i = 0; i < nfiles; i++) {
		char len[32];

		webui_duration(files[i].duration_s, len, sizeof len);
		webui_printf(
		    &x->b, "<li class=\"act\"><span class=\"t\">%s</span><span class=\"w\">", len);
		webui_esc(&x->b, files[i].name);
		webui_put(&x->b, "</span>");
		play_buttons(x, files[i].name);
		webui_put(&x->b, "</li>");
	}
	webui_put(&x->b, "</ol></section>");
	webfile_list_free(files, nfiles);
	if (catalog_load(&cat, x->w->conf->state_dir, x->w->conf->station_id) == 0) {
		webui_printf(&x->b, "<section class=\"card\"><h2>%s</h2>",
		             _("Programmes from the province"));
		if (!cat.nprogrammes)
			webui_printf(&x->b, "<p>%s</p>", _("None yet."));
		webui_put(&x->b, "<ol class=\"rows\">");
		for (size_t i = 0; i < cat.nprogrammes; i++) {
			const struct catalog_programme *p = &cat.programmes[i];
			char len[32];

			webui_duration(p->duration_s, len, sizeof len);
			webui_printf(
			    &x->b,
			    "<li class=\"act\"><span class=\"t\">%s</span><span class=\"w\">", len);
			webui_esc(&x->b, p->id);
			if (p->title) {
				webui_put(&x->b, "<br><span class=\"muted\">");
				webui_esc(&x->b, p->title);
				webui_put(&x->b, "</span>");
			}
			webui_put(&x->b, "</span>");
			play_buttons(x, p->id);
			webui_put(&x->b, "</li>");
		}
		webui_put(&x->b, "</ol></section>");
		catalog_free(&cat);
	}
	page_end(x, 200);
}

static void refused(struct req *x, json_t *ans)
{
	char msg[1200];

	snprintf(msg, sizeof msg, _("loaxad refused: %s"), jstr(ans, "message"));
	message_page(x, 409, _("Not done"), "err", msg, "/");
}

static void result_redirect(struct req *x, const char *page, const char *msg, const char *what)
{
	struct webui_buf u = {0};

	webui_printf(&u, "%s?msg=%s", page, msg);
	if (what) {
		webui_put(&u, "&what=");
		webui_urlenc(&u, what);
	}
	redirect(x, u.p);
	webui_free(&u);
}

static void do_play(struct req *x, bool emergency)
{
	const char *what = field(x, "what"), *confirm = field(x, "confirm");
	const char *cmd = emergency ? "emergency" : "play";
	json_t *ans;

	if (!playable(x, what)) {
		message_page(x, 400, _("Not done"), "err",
		             _("There is no such recording or programme on the station."), "/play");
		return;
	}
	if (emergency && (!confirm || strcmp(confirm, "yes") != 0)) {
		page_begin(x, WEBUI_NONE, _("Emergency broadcast"), 0);
		webui_put(&x->b, "<section class=\"card danger\"><p class=\"big\">");
		webui_esc(&x->b, what);
		webui_printf(&x->b, "</p><p>%s</p>",
		             _("goes on air at once: whatever plays now is cut off, and it plays "
		               "even in quiet hours. Broadcast it?"));
		webui_put(&x->b, "<form method=\"post\" action=\"/emergency\">");
		webui_csrf(&x->b, x->s->csrf);
		webui_put(&x->b, "<input type=\"hidden\" name=\"what\" value=\"");
		webui_esc(&x->b, what);
		webui_put(&x->b, "\"><input type=\"hidden\" name=\"confirm\" value=\"yes\">");
		webui_printf(&x->b,
		             "<button class=\"btn red\" type=\"submit\" id=\"confirm\">%s</button>"
		             "<a class=\"btn grey\" href=\"/play\">%s</a></form></section>",
		             _("Yes, broadcast it now"), _("Cancel"));
		page_end(x, 200);
		return;
	}
	ans = ask(x, json_pack("{s:s,s:s}", "cmd", cmd, "arg", what));
	if (!ans) {
		page_begin(x, WEBUI_NONE, _("Not done"), 0);
		unreachable(x);
		page_end(x, 503);
		return;
	}
	if (!json_is_true(json_object_get(ans, "ok")))
		refused(x, ans);
	else
		result_redirect(x, "/", cmd, what);
	json_decref(ans);
}

static void do_simple(struct req *x, const char *cmd, const char *page)
{
	json_t *ans = ask(x, json_pack("{s:s}", "cmd", cmd));

	if (!ans) {
		page_begin(x, WEBUI_NONE, _("Not done"), 0);
		unreachable(x);
		page_end(x, 503);
		return;
	}
	if (!json_is_true(json_object_get(ans, "ok")))
		refused(x, ans);
	else
		result_redirect(x, page, cmd, NULL);
	json_decref(ans);
}

/* --- upload and place -------------------------------------------------------- */

static void upload_form(struct req *x)
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
static void place_form(struct req *x, const char *what)
{
	char d[16], t[16];
	int at = now_sec_of_day() + 600;

	format_day(today_day(), d);
	at = at - at % 300; /* a round time, some minutes ahead */
	if (at >= 86400)
		at = 86400 - 60;
	snprintf(t, sizeof t, "%02d:%02d", at / 3600, at / 60 % 60);
	webui_printf(&x->b, "<form class=\"card\" method=\"post\" action=\"/place\"><h2>%s</h2>",
	             _("Put it in a day's schedule"));
	webui_csrf(&x->b, x->s->csrf);
	webui_put(&x->b, "<input type=\"hidden\" name=\"what\" value=\"");
	webui_esc(&x->b, what);
	webui_printf(&x->b, "\"><label for=\"date\">%s</label>", _("Date"));
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

static void page_upload(struct req *x)
{
	page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
	upload_form(x);
	page_end(x, 200);
}

static void do_upload(struct req *x)
{
	struct webfile_info info;
	char why[400], len[32], msg[600];

	if (x->rq->upload_error) {
		snprintf(msg, sizeof msg, _("Not kept: cannot store the upload: %s"),
		         x->rq->upload_error);
		page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
		webui_notice(&x->b, "err", msg);
		upload_form(x);
		page_end(x, 507);
		return;
	}
	if (x->rq->upload_too_big || x->rq->body_too_big) {
		snprintf(msg, sizeof msg, _("The file is larger than %.0f MiB; nothing was kept."),
		         (double)x->w->conf->web.max_upload_bytes / 1048576.0);
		page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
		webui_notice(&x->b, "err", msg);
		upload_form(x);
		page_end(x, 413);
		return;
	}
	if (!x->rq->upload_tmp) {
		page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
		webui_notice(&x->b, "err", _("Choose a file to upload."));
		upload_form(x);
		page_end(x, 400);
		return;
	}
	if (webfile_store(x->w->conf->audio_dir, x->rq->upload_tmp,
	                  x->rq->upload_name ? x->rq->upload_name : "", &info, why,
	                  sizeof why) < 0) {
		log_notice("web: upload \"%s\" by %s refused: %s",
		           x->rq->upload_name ? x->rq->upload_name : "", x->by, why);
		snprintf(msg, sizeof msg, _("Not kept: %s"), why);
		page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
		webui_notice(&x->b, "err", msg);
		upload_form(x);
		page_end(x, 422);
		return;
	}
	log_notice("web: %s uploaded %s/%s (%s, %.1f s)", x->by, x->w->conf->audio_dir, info.name,
	           info.format, info.duration_s);
	webui_duration(info.duration_s, len, sizeof len);
	snprintf(msg, sizeof msg, _("Kept as %s: %s, %s, %d Hz, %s."), info.name, info.format, len,
	         info.rate, info.channels == 1 ? _("mono") : _("stereo"));
	page_begin(x, WEBUI_UPLOAD, _("Upload a programme"), 0);
	webui_notice(&x->b, "ok", msg);
	place_form(x, info.name);
	webui_printf(&x->b,
	             "<section class=\"card\"><h2>%s</h2><ol class=\"rows\"><li class=\"act\">",
	             _("Or play it now"));
	webui_printf(&x->b, "<span class=\"t\">%s</span><span class=\"w\">", len);
	webui_esc(&x->b, info.name);
	webui_put(&x->b, "</span>");
	play_buttons(x, info.name);
	webui_put(&x->b, "</li></ol></section>");
	page_end(x, 200);
}

/* Install a daily schedule's text through loaxad ("load"), after checking
 * it here in the page's language. NULL when done, else why not. */
static char *install_daily(struct req *x, int64_t day, const char *text)
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
	ans = ask(x, json_pack("{s:s,s:s,s:s}", "cmd", "load", "arg", name, "text", text));
	if (!ans)
		return xasprintf(_("loaxad does not answer at %s: %s"), x->w->conf->control_socket,
		                 strerror(errno));
	if (!json_is_true(json_object_get(ans, "ok")))
		why = xasprintf(_("loaxad refused: %s"), jstr(ans, "message"));
	json_decref(ans);
	return why;
}

/* The operator's own schedules (schedule_dir), for a daily schedule's base. */
static void operator_plan(const struct req *x, struct sched_plan *plan)
{
	struct diag d = {0};

	memset(plan, 0, sizeof *plan);
	sched_load_dir(plan, x->w->conf->schedule_dir, &d);
	diag_free(&d);
}

static void do_place(struct req *x)
{
	const char *what = field(x, "what"), *date = field(x, "date"), *tm = field(x, "time");
	const char *name = field(x, "name");
	struct sched_plan plan;
	const struct sched_slot **base;
	struct daily_add add;
	int64_t day;
	int at;
	size_t nbase;
	char *text, *comment, *why, d[16];
	struct catalog cat;
	bool is_id = false;

	if (!playable(x, what) || !date || sched_parse_date(date, &day) < 0 || !tm ||
	    sched_parse_clock(tm, &at) < 0 || !plain_text(name, WEB_SLOT_NAME_MAX)) {
		message_page(x, 400, _("Not done"), "err",
		             _("Give a recording, a date, a time (HH:MM or HH:MM:SS) and a session "
		               "name."),
		             "/upload");
		return;
	}
	if (day < today_day() || (day == today_day() && at <= now_sec_of_day() + 2)) {
		message_page(x, 400, _("Not done"), "err",
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
	format_day(day, d);
	comment = xasprintf(_("Daily schedule for %s, last changed on the web page by %s."), d,
	                    x->s->user);
	text = daily_text(day, base, nbase, &add, comment);
	free(comment);
	free(base);
	sched_plan_free(&plan);
	why = install_daily(x, day, text);
	free(text);
	if (why) {
		message_page(x, 409, _("Not done"), "err", why, "/upload");
		free(why);
		return;
	}
	{
		struct webui_buf u = {0};

		webui_printf(&u, "/plan?date=%s&msg=placed&what=", d);
		webui_urlenc(&u, what);
		redirect(x, u.p);
		webui_free(&u);
	}
}

/* --- the daily schedule ------------------------------------------------------ */

/* The daily schedules in schedule_dir, as links. */
static void daily_list(struct req *x, int64_t shown)
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

		format_day(days[i], d);
		if (days[i] == shown)
			webui_printf(&x->b, "<b>%s</b> ", d);
		else
			webui_printf(&x->b, "<a href=\"/schedule?date=%s\">%s</a> ", d, d);
	}
	webui_put(&x->b, "</p>");
	free(days);
}

static void schedule_page(struct req *x, int64_t day, const char *text, bool generated,
                          const char *error, int status)
{
	char d[16], name[16], title[100];

	format_day(day, d);
	daily_name(day, name, sizeof name);
	snprintf(title, sizeof title, _("Daily schedule for %s"), d);
	page_begin(x, WEBUI_SCHEDULE, title, 0);
	show_msg(x);
	if (error)
		webui_notice(&x->b, "err", error);
	day_picker(x, "/schedule", day);
	daily_list(x, day);
	if (generated)
		webui_notice(
		    &x->b, "info",
		    _("This day has no daily schedule yet. Below are the week's sessions of "
		      "that day: change them, then install; on that day they replace the "
		      "week's sessions."));
	webui_put(&x->b, "<form class=\"card\" method=\"post\" action=\"/schedule\">");
	webui_csrf(&x->b, x->s->csrf);
	webui_printf(&x->b, "<input type=\"hidden\" name=\"date\" value=\"%s\">", d);
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
	page_end(x, status);
}

static void page_schedule(struct req *x)
{
	int64_t day = asked_day(x);
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
		format_day(day, d);
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

static void do_schedule(struct req *x)
{
	const char *date = field(x, "date"), *text = field(x, "text");
	int64_t day;
	char *why, d[16];

	if (!date || sched_parse_date(date, &day) < 0 || !text) {
		message_page(x, 400, _("Not done"), "err",
		             _("Give a date and the schedule's text."), "/schedule");
		return;
	}
	why = install_daily(x, day, text);
	if (why) {
		schedule_page(x, day, text, false, why, 422);
		free(why);
		return;
	}
	format_day(day, d);
	{
		char *to = xasprintf("/plan?date=%s&msg=placed&what=%s.cfg", d, d);

		redirect(x, to);
		free(to);
	}
}

/* --- station health ---------------------------------------------------------- */

static void kv(struct req *x, const char *key, const char *value)
{
	webui_put(&x->b, "<dt>");
	webui_esc(&x->b, key);
	webui_put(&x->b, "</dt><dd>");
	webui_esc(&x->b, value);
	webui_put(&x->b, "</dd>");
}

static void page_health(struct req *x)
{
	json_t *st = ask(x, json_pack("{s:s}", "cmd", "status"));
	const struct conf *c = x->w->conf;
	char v[400];

	page_begin(x, WEBUI_HEALTH, _("Station health"), 30);
	show_msg(x);
	if (!st)
		unreachable(x);
	webui_put(&x->b, "<section class=\"card\"><dl class=\"kv\">");
	snprintf(v, sizeof v, "%s (%s)", c->station_name, c->station_id);
	kv(x, _("Station"), v);
	if (st) {
		const char *clock = jstr(st, "clock"), *amp = jstr(st, "amplifier");
		double disk = json_number_value(json_object_get(st, "disk_free_bytes"));

		kv(x, _("loaxad"), jstr(st, "version"));
		if (strcmp(clock, "synced") == 0)
			snprintf(v, sizeof v, "%s", _("synchronised (NTP)"));
		else if (strcmp(clock, "unsynced") == 0)
			snprintf(v, sizeof v, "%s", _("NOT synchronised: times may be wrong"));
		else
			snprintf(v, sizeof v, "%s",
			         _("held: it reads earlier than the as-run log; scheduled sessions "
			           "wait"));
		kv(x, _("Clock"), v);
		snprintf(v, sizeof v, "%.0f MiB", disk / 1048576.0);
		kv(x, _("Disk free"), v);
		snprintf(v, sizeof v, _("%lld segment(s) waiting to be sent"),
		         (long long)json_integer_value(json_object_get(st, "outbox")));
		kv(x, _("Outbox"), v);
		if (!json_object_get(st, "sync"))
			snprintf(v, sizeof v, "%s", _("no province configured"));
		else if (strcmp(jstr(st, "last_sync"), "never") == 0)
			snprintf(v, sizeof v, "%s%s%s", _("never"),
			         *jstr(st, "sync_error") ? " — " : "", jstr(st, "sync_error"));
		else {
			char when[64];

			format_when(jstr(st, "last_sync"), when, sizeof when);
			snprintf(v, sizeof v, "%s%s%s", when, *jstr(st, "sync_error") ? " — " : "",
			         jstr(st, "sync_error"));
		}
		kv(x, _("Last sync"), v);
		snprintf(v, sizeof v, "%lld",
		         (long long)json_integer_value(json_object_get(st, "manifest_version")));
		kv(x, _("Province manifest"), v);
		kv(x, _("Amplifier"),
		   strcmp(amp, "on") == 0    ? _("on")
		   : strcmp(amp, "off") == 0 ? _("off")
		                             : _("not switched by loaxa"));
		snprintf(v, sizeof v, "%lld",
		         (long long)json_integer_value(json_object_get(st, "last_seq")));
		kv(x, _("As-run lines"), v);
	}
	if (c->quiet_start >= 0) {
		char a[9], b[9];

		sched_format_hms(c->quiet_start, a);
		sched_format_hms(c->quiet_end, b);
		snprintf(v, sizeof v, "%.5s–%.5s", a, b);
	} else {
		snprintf(v, sizeof v, "%s", _("none"));
	}
	kv(x, _("Quiet hours"), v);
	if (x->w->fingerprint)
		snprintf(v, sizeof v, _("HTTPS; certificate SHA-256 %s"), x->w->fingerprint);
	else
		snprintf(v, sizeof v, "%s", _("plain HTTP (no TLS certificate configured)"));
	kv(x, _("This page"), v);
	webui_put(&x->b, "</dl></section>");
	json_decref(st);
	webui_put(&x->b, "<form method=\"post\" action=\"/sync\">");
	webui_csrf(&x->b, x->s->csrf);
	webui_printf(&x->b, "<button class=\"btn\" type=\"submit\">%s</button></form>",
	             _("Sync with the province now"));
	page_end(x, 200);
}

/* --- dispatch ---------------------------------------------------------------- */

struct webpages *webpages_new(const struct conf *c, const char *tmpdir)
{
	struct webpages *w = xcalloc(1, sizeof *w);

	w->conf = c;
	w->tmpdir = xstrdup(tmpdir);
	w->auth = webauth_new(c->web.session_s);
	return w;
}

void webpages_free(struct webpages *w)
{
	if (!w)
		return;
	webauth_free(w->auth);
	free(w->tmpdir);
	free(w->fingerprint);
	free(w);
}

void webpages_set_fingerprint(struct webpages *w, const char *fingerprint)
{
	free(w->fingerprint);
	w->fingerprint = fingerprint ? xstrdup(fingerprint) : NULL;
}

bool webpages_may_upload(struct webpages *w, const char *path, const char *session_cookie)
{
	return strcmp(path, "/upload") == 0 &&
	       webauth_session(w->auth, session_cookie, now_mono()) != NULL;
}

void web_response_free(struct web_response *rs)
{
	free(rs->body);
	free(rs->location);
	free(rs->cookies[0]);
	free(rs->cookies[1]);
	memset(rs, 0, sizeof *rs);
}

static void not_found(struct req *x)
{
	message_page(x, 404, _("Not found"), "err", _("There is no such page."), "/");
}

/* The pages behind the login, by method and path. */
static void route(struct req *x)
{
	const char *p = x->rq->path;

	if (!x->rq->post) {
		if (strcmp(p, "/") == 0)
			page_now(x);
		else if (strcmp(p, "/plan") == 0)
			page_plan(x);
		else if (strcmp(p, "/log") == 0)
			page_log(x);
		else if (strcmp(p, "/play") == 0)
			page_play(x);
		else if (strcmp(p, "/upload") == 0)
			page_upload(x);
		else if (strcmp(p, "/schedule") == 0)
			page_schedule(x);
		else if (strcmp(p, "/health") == 0)
			page_health(x);
		else
			not_found(x);
		return;
	}
	if (strcmp(p, "/play") == 0)
		do_play(x, false);
	else if (strcmp(p, "/emergency") == 0)
		do_play(x, true);
	else if (strcmp(p, "/stop") == 0)
		do_simple(x, "stop", "/");
	else if (strcmp(p, "/sync") == 0)
		do_simple(x, "sync", "/health");
	else if (strcmp(p, "/upload") == 0)
		do_upload(x);
	else if (strcmp(p, "/place") == 0)
		do_place(x);
	else if (strcmp(p, "/schedule") == 0)
		do_schedule(x);
	else if (strcmp(p, "/logout") == 0)
		do_logout(x);
	else
		not_found(x);
}

void webpages_handle(struct webpages *w, const struct web_request *rq, struct web_response *rs)
{
	struct req x = {.w = w, .rq = rq, .rs = rs};
	struct webui_buf self = {0};

	memset(rs, 0, sizeof *rs);
	x.lang = webui_pick_lang(rq->lang_cookie, rq->accept_language);
	webui_set_lang(x.lang);
	/* this page again, for the language switch: only GET pages, with their
	 * query */
	webui_put(&self, rq->post ? "/" : rq->path);
	if (!rq->post) {
		for (size_t i = 0; i < rq->nfields; i++) {
			if (strcmp(rq->fields[i].name, "msg") == 0 ||
			    strcmp(rq->fields[i].name, "what") == 0)
				continue;
			webui_put(&self, self.len && strchr(self.p, '?') ? "&" : "?");
			webui_urlenc(&self, rq->fields[i].name);
			webui_put(&self, "=");
			webui_urlenc(&self, rq->fields[i].value);
		}
	}
	x.self = webui_take(&self, NULL);

	if (strcmp(rq->path, "/login") == 0) {
		if (rq->post)
			do_login(&x);
		else
			page_login(&x);
	} else if (strcmp(rq->path, "/lang") == 0) {
		do_lang(&x);
	} else if (strcmp(rq->path, "/favicon.ico") == 0) {
		rs->status = 404;
		rs->type = "text/plain; charset=utf-8";
		rs->body = xstrdup("");
	} else if (!(x.s = webauth_session(w->auth, rq->session_cookie, now_mono()))) {
		redirect(&x, "/login");
	} else {
		snprintf(x.by, sizeof x.by, "web:%s@%s", x.s->user, rq->client);
		if (!control_by_valid(x.by))
			snprintf(x.by, sizeof x.by, "web:%s", x.s->user);
		if (rq->post && !same_origin(rq)) {
			log_warnx("web: %s %s from %s refused: the form came from another site",
			          x.s->user, rq->path, rq->client);
			message_page(
			    &x, 403, _("Refused"), "err",
			    _("This form did not come from this page. Open the page again."), "/");
		} else if (rq->post && !webauth_csrf_ok(x.s, field(&x, "csrf"))) {
			log_warnx("web: %s %s from %s refused: no valid form token", x.s->user,
			          rq->path, rq->client);
			message_page(
			    &x, 403, _("Refused"), "err",
			    _("This form has expired or did not come from this page. Open the "
			      "page again and repeat."),
			    "/");
		} else if (rq->body_too_big && strcmp(rq->path, "/upload") != 0) {
			message_page(&x, 413, _("Refused"), "err", _("The form is too large."),
			             "/");
		} else {
			route(&x);
		}
	}
	webui_free(&x.b);
	free(x.self);
	if (!rs->body) {
		rs->body = xstrdup("");
		rs->len = 0;
	}
}
