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
 *
 * This file has the checks, logging in and out, the on-air, play and
 * health pages, the helpers all pages share (webpagesp.h) and the
 * dispatch; webplan.c the plan and the log, webedit.c uploads and daily
 * schedules.
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
#include "i18n.h"
#include "schedule.h"
#include "util.h"
#include "webauth.h"
#include "webfile.h"
#include "webpagesp.h"
#include "webui.h"

/* --- small things ------------------------------------------------------------ */

const char *webpages_field(const struct webpages_req *x, const char *name)
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

int64_t webpages_today_day(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return sched_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int webpages_now_sec_of_day(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

void webpages_format_day(int64_t day, char buf[16])
{
	sched_format_date(day, buf, 16);
}

/* The day a page is about: ?date=YYYY-MM-DD, else today. */
int64_t webpages_asked_day(const struct webpages_req *x)
{
	const char *d = webpages_field(x, "date");
	int64_t day;

	if (d && sched_parse_date(d, &day) == 0)
		return day;
	return webpages_today_day();
}

/* Text fit for a name: UTF-8 without control characters, not empty. */
bool webpages_plain_text(const char *s, size_t max)
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
void webpages_format_when(const char *iso, char *buf, size_t n)
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

const char *webpages_slot_name(const char *slot)
{
	if (!slot)
		return "";
	if (strcmp(slot, "operator") == 0)
		return _("Played now by an operator");
	if (strcmp(slot, "operator emergency") == 0)
		return _("Emergency by an operator");
	return slot;
}

const char *webpages_jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Ask loaxad (with who asks); NULL with errno when it does not answer. */
json_t *webpages_ask(const struct webpages_req *x, json_t *req)
{
	json_t *ans;

	json_object_set_new(req, "by", json_string(x->by));
	ans = control_request(x->w->conf->control_socket, req, WEB_CONTROL_TIMEOUT_MS);
	json_decref(req);
	return ans;
}

void webpages_unreachable(struct webpages_req *x)
{
	char msg[512];

	snprintf(msg, sizeof msg, _("loaxad does not answer at %s: %s"), x->w->conf->control_socket,
	         strerror(errno));
	webui_notice(&x->b, "err", msg);
}

/* --- responses --------------------------------------------------------------- */

void webpages_page_begin(struct webpages_req *x, enum webui_page page, const char *title,
                         int refresh_s)
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

void webpages_page_end(struct webpages_req *x, int status)
{
	webui_end(&x->b, &x->f);
	x->rs->status = status;
	x->rs->type = "text/html; charset=utf-8";
	x->rs->body = webui_take(&x->b, &x->rs->len);
}

void webpages_redirect(struct webpages_req *x, const char *location)
{
	webui_free(&x->b);
	x->rs->status = 303;
	x->rs->location = xstrdup(location);
	x->rs->type = "text/plain; charset=utf-8";
	x->rs->body = xstrdup("");
	x->rs->len = 0;
}

/* A page that only says something (errors, refusals). */
void webpages_message_page(struct webpages_req *x, int status, const char *title, const char *kind,
                           const char *text, const char *back)
{
	webpages_page_begin(x, WEBUI_NONE, title, 0);
	webui_notice(&x->b, kind, text);
	if (back) {
		webui_printf(&x->b, "<p><a class=\"btn grey\" href=\"%s\">", back);
		webui_esc(&x->b, _("Back"));
		webui_put(&x->b, "</a></p>");
	}
	webpages_page_end(x, status);
}

/* The result of an action, shown on the page it leads to (?msg=...). */
void webpages_show_msg(struct webpages_req *x)
{
	const char *msg = webpages_field(x, "msg"), *what = webpages_field(x, "what");
	char text[600];

	if (!msg)
		return;
	if (!what || !webpages_plain_text(what, 300))
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

void webpages_day_picker(struct webpages_req *x, const char *action, int64_t day)
{
	char d[16], prev[16], next[16];

	webpages_format_day(day, d);
	webpages_format_day(day - 1, prev);
	webpages_format_day(day + 1, next);
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

void webpages_diag_notice(struct webpages_req *x, const char *kind, const char *intro,
                          const struct diag *d)
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

static void session_cookie(struct webpages_req *x, const char *token)
{
	x->rs->cookies[0] =
	    xasprintf("loaxa_session=%s; Path=/; HttpOnly; SameSite=Strict%s%s", token ? token : "",
	              token ? "" : "; Max-Age=0", x->rq->tls ? "; Secure" : "");
}

static void login_form(struct webpages_req *x, const char *name)
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

/* The password file; one that is there but cannot be read is logged (the
 * page then says nobody can log in, as without one). */
static char *read_passwords(struct webpages_req *x)
{
	char *text = webauth_read_file(x->w->conf->state_dir);

	if (!text && errno != ENOENT)
		log_warn("web: %s/%s", x->w->conf->state_dir, WEBAUTH_FILE);
	return text;
}

static bool nobody_can_log_in(struct webpages_req *x)
{
	char *text = read_passwords(x);
	bool nobody = webauth_file_count(text) == 0;

	free(text);
	return nobody;
}

static void no_password_notice(struct webpages_req *x)
{
	webui_notice(&x->b, "warn",
	             _("No password is set for the web page yet, so nobody can log in. On the "
	               "station, as root, run:\n    loaxactl passwd\nand log in as \"admin\" "
	               "with the password it asks for."));
}

static void page_login(struct webpages_req *x)
{
	webpages_page_begin(x, WEBUI_NONE, _("Log in"), 0);
	if (nobody_can_log_in(x))
		no_password_notice(x);
	else
		login_form(x, NULL);
	webpages_page_end(x, 200);
}

static void do_login(struct webpages_req *x)
{
	const char *name = webpages_field(x, "name"), *password = webpages_field(x, "password");
	const char *client = x->rq->client;
	double now = now_mono(), wait = webauth_wait(x->w->auth, x->rq->client_key, now);
	char msg[300], *text;
	enum webauth_result r;

	if (!same_origin(x->rq)) {
		log_warnx("web: login from %s refused: the form came from another site", client);
		webpages_message_page(
		    x, 403, _("Log in"), "err",
		    _("This form did not come from this page. Open the page again."), "/login");
		return;
	}
	if (wait > 0) {
		log_notice("web: login from %s refused: %.0f s still to wait after failed logins",
		           client, ceil(wait));
		webpages_page_begin(x, WEBUI_NONE, _("Log in"), 0);
		snprintf(msg, sizeof msg,
		         _("Too many wrong passwords from this address. Try again in %.0f s."),
		         ceil(wait));
		webui_notice(&x->b, "err", msg);
		login_form(x, name);
		webpages_page_end(x, 429);
		return;
	}
	text = read_passwords(x);
	r = webauth_check(text, name ? name : "", password ? password : "");
	free(text);
	if (r == WEBAUTH_NOBODY) {
		webpages_page_begin(x, WEBUI_NONE, _("Log in"), 0);
		no_password_notice(x);
		webpages_page_end(x, 403);
		return;
	}
	if (r != WEBAUTH_OK) {
		unsigned n = webauth_failed(x->w->auth, x->rq->client_key, now);

		wait = webauth_wait(x->w->auth, x->rq->client_key, now);
		log_warnx("web: failed login as \"%s\" from %s (%u in a row%s)",
		          name && webauth_valid_name(name) ? name : "?", client, n,
		          wait > 0 ? ", now held back" : "");
		webpages_page_begin(x, WEBUI_NONE, _("Log in"), 0);
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
		webpages_page_end(x, 401);
		return;
	}
	webauth_succeeded(x->w->auth, x->rq->client_key);
	x->s = webauth_login(x->w->auth, name, now);
	log_notice("web: %s logged in from %s", name, client);
	session_cookie(x, x->s->token);
	webpages_redirect(x, "/");
}

static void do_logout(struct webpages_req *x)
{
	log_notice("web: %s logged out (%s)", x->s->user, x->rq->client);
	webauth_logout(x->w->auth, x->rq->session_cookie);
	x->s = NULL;
	session_cookie(x, NULL);
	webpages_redirect(x, "/login");
}

static void do_lang(struct webpages_req *x)
{
	const char *set = webpages_field(x, "set"), *back = webpages_field(x, "back");

	if (set && (strcmp(set, "vi") == 0 || strcmp(set, "en") == 0))
		x->rs->cookies[1] =
		    xasprintf("loaxa_lang=%s; Path=/; SameSite=Strict; Max-Age=31536000", set);
	/* back only to a page of this site */
	if (!back || back[0] != '/' || back[1] == '/' || back[1] == '\\' ||
	    !webpages_plain_text(back, 500))
		back = "/";
	webpages_redirect(x, back);
}

/* --- on air ------------------------------------------------------------------ */

static void stop_button(struct webpages_req *x)
{
	webui_put(&x->b, "<form method=\"post\" action=\"/stop\">");
	webui_csrf(&x->b, x->s->csrf);
	webui_printf(&x->b, "<button class=\"btn red\" type=\"submit\">%s</button></form>",
	             _("Stop what is on air"));
}

static void on_air_card(struct webpages_req *x, json_t *st)
{
	json_t *now = json_object_get(st, "now_playing");

	webui_printf(&x->b, "<section class=\"card\"><h2>%s</h2>", _("Now on air"));
	if (json_is_object(now)) {
		double el = json_number_value(json_object_get(now, "elapsed_s"));
		double du = json_number_value(json_object_get(now, "duration_s"));
		char a[32], b[32];

		webui_put(&x->b, "<p class=\"big\">");
		webui_esc(&x->b, webpages_jstr(now, "programme"));
		webui_put(&x->b, "</p><p class=\"muted\">");
		webui_esc(&x->b, webpages_slot_name(webpages_jstr(now, "slot")));
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

static void page_now(struct webpages_req *x)
{
	json_t *st = webpages_ask(x, json_pack("{s:s}", "cmd", "status"));
	char when[64];

	webpages_page_begin(x, WEBUI_NOW, _("On air"), 10);
	webpages_show_msg(x);
	if (!st) {
		webpages_unreachable(x);
		webpages_page_end(x, 200);
		return;
	}
	on_air_card(x, st);
	webui_printf(&x->b, "<section class=\"card\"><h2>%s</h2>", _("Next session"));
	if (*webpages_jstr(st, "next_session")) {
		webpages_format_when(webpages_jstr(st, "next_session"), when, sizeof when);
		webui_printf(&x->b, "<p class=\"big\">%s</p><p class=\"muted\">", when);
		webui_esc(&x->b, webpages_jstr(st, "next_slot"));
		webui_put(&x->b, "</p>");
	} else {
		webui_printf(&x->b, "<p>%s</p>", _("Nothing more is scheduled."));
	}
	webui_printf(&x->b, "<p><a class=\"btn\" href=\"/plan\">%s</a>", _("Today's plan"));
	webui_printf(&x->b, "<a class=\"btn grey\" href=\"/play\">%s</a></p></section>",
	             _("Play now or emergency"));
	if (strncmp(webpages_jstr(st, "clock"), "held", 4) == 0)
		webui_notice(
		    &x->b, "err",
		    _("Scheduled sessions are held: the clock reads earlier than the as-run "
		      "log. Set the station's time."));
	else if (strcmp(webpages_jstr(st, "clock"), "synced") != 0)
		webui_notice(&x->b, "warn",
		             _("The clock is not synchronised: check the station's time."));
	json_decref(st);
	webpages_page_end(x, 200);
}

/* --- play now, emergency, stop ----------------------------------------------- */

/* what names something the station has: a programme of the catalog, or a
 * file of audio_dir. */
bool webpages_playable(const struct webpages_req *x, const char *what)
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

void webpages_play_buttons(struct webpages_req *x, const char *what)
{
	webui_put(&x->b, "<span class=\"r\"><form method=\"post\" action=\"/play\">");
	webui_csrf(&x->b, x->s->csrf);
	webui_hidden(&x->b, "what", what);
	webui_printf(&x->b, "<button class=\"btn small\" type=\"submit\">%s</button></form>",
	             _("Play"));
	webui_put(&x->b, "<form method=\"post\" action=\"/emergency\">");
	webui_csrf(&x->b, x->s->csrf);
	webui_hidden(&x->b, "what", what);
	webui_printf(&x->b, "<button class=\"btn red small\" type=\"submit\">%s</button></form>",
	             _("Emergency…"));
	webui_put(&x->b, "</span>");
}

static void page_play(struct webpages_req *x)
{
	json_t *st = webpages_ask(x, json_pack("{s:s}", "cmd", "status"));
	struct webfile_entry *files;
	size_t nfiles = webfile_list(x->w->conf->audio_dir, &files);
	struct catalog cat;

	webpages_page_begin(x, WEBUI_PLAY, _("Play now or emergency"), 0);
	webpages_show_msg(x);
	if (!st)
		webpages_unreachable(x);
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
		webpages_play_buttons(x, files[i].name);
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
			webpages_play_buttons(x, p->id);
			webui_put(&x->b, "</li>");
		}
		webui_put(&x->b, "</ol></section>");
		catalog_free(&cat);
	}
	webpages_page_end(x, 200);
}

static void refused(struct webpages_req *x, json_t *ans)
{
	char msg[1200];

	snprintf(msg, sizeof msg, _("loaxad refused: %s"), webpages_jstr(ans, "message"));
	webpages_message_page(x, 409, _("Not done"), "err", msg, "/");
}

static void result_redirect(struct webpages_req *x, const char *page, const char *msg,
                            const char *what)
{
	struct webui_buf u = {0};

	webui_printf(&u, "%s?msg=%s", page, msg);
	if (what) {
		webui_put(&u, "&what=");
		webui_urlenc(&u, what);
	}
	webpages_redirect(x, u.p);
	webui_free(&u);
}

/* Ask loaxad (req, taken) to do cmd; then back to page with its result
 * (what it was about: what), or a page saying why it was not done. */
static void do_command(struct webpages_req *x, json_t *req, const char *cmd, const char *page,
                       const char *what)
{
	json_t *ans = webpages_ask(x, req);

	if (!ans) {
		webpages_page_begin(x, WEBUI_NONE, _("Not done"), 0);
		webpages_unreachable(x);
		webpages_page_end(x, 503);
		return;
	}
	if (!json_is_true(json_object_get(ans, "ok")))
		refused(x, ans);
	else
		result_redirect(x, page, cmd, what);
	json_decref(ans);
}

static void do_play(struct webpages_req *x, bool emergency)
{
	const char *what = webpages_field(x, "what"), *confirm = webpages_field(x, "confirm");
	const char *cmd = emergency ? "emergency" : "play";

	if (!webpages_playable(x, what)) {
		webpages_message_page(x, 400, _("Not done"), "err",
		                      _("There is no such recording or programme on the station."),
		                      "/play");
		return;
	}
	if (emergency && (!confirm || strcmp(confirm, "yes") != 0)) {
		webpages_page_begin(x, WEBUI_NONE, _("Emergency broadcast"), 0);
		webui_put(&x->b, "<section class=\"card danger\"><p class=\"big\">");
		webui_esc(&x->b, what);
		webui_printf(&x->b, "</p><p>%s</p>",
		             _("goes on air at once: whatever plays now is cut off, and it plays "
		               "even in quiet hours. Broadcast it?"));
		webui_put(&x->b, "<form method=\"post\" action=\"/emergency\">");
		webui_csrf(&x->b, x->s->csrf);
		webui_hidden(&x->b, "what", what);
		webui_hidden(&x->b, "confirm", "yes");
		webui_printf(&x->b,
		             "<button class=\"btn red\" type=\"submit\" id=\"confirm\">%s</button>"
		             "<a class=\"btn grey\" href=\"/play\">%s</a></form></section>",
		             _("Yes, broadcast it now"), _("Cancel"));
		webpages_page_end(x, 200);
		return;
	}
	do_command(x, json_pack("{s:s,s:s}", "cmd", cmd, "arg", what), cmd, "/", what);
}

static void do_simple(struct webpages_req *x, const char *cmd, const char *page)
{
	do_command(x, json_pack("{s:s}", "cmd", cmd), cmd, page, NULL);
}

/* --- station health ---------------------------------------------------------- */

static void kv(struct webpages_req *x, const char *key, const char *value)
{
	webui_put(&x->b, "<dt>");
	webui_esc(&x->b, key);
	webui_put(&x->b, "</dt><dd>");
	webui_esc(&x->b, value);
	webui_put(&x->b, "</dd>");
}

static void page_health(struct webpages_req *x)
{
	json_t *st = webpages_ask(x, json_pack("{s:s}", "cmd", "status"));
	const struct conf *c = x->w->conf;
	char v[400];

	webpages_page_begin(x, WEBUI_HEALTH, _("Station health"), 30);
	webpages_show_msg(x);
	if (!st)
		webpages_unreachable(x);
	webui_put(&x->b, "<section class=\"card\"><dl class=\"kv\">");
	snprintf(v, sizeof v, "%s (%s)", c->station_name, c->station_id);
	kv(x, _("Station"), v);
	if (st) {
		const char *clock = webpages_jstr(st, "clock"),
		           *amp = webpages_jstr(st, "amplifier");
		double disk = json_number_value(json_object_get(st, "disk_free_bytes"));

		kv(x, _("loaxad"), webpages_jstr(st, "version"));
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
		else if (strcmp(webpages_jstr(st, "last_sync"), "never") == 0)
			snprintf(v, sizeof v, "%s%s%s", _("never"),
			         *webpages_jstr(st, "sync_error") ? " — " : "",
			         webpages_jstr(st, "sync_error"));
		else {
			char when[64];

			webpages_format_when(webpages_jstr(st, "last_sync"), when, sizeof when);
			snprintf(v, sizeof v, "%s%s%s", when,
			         *webpages_jstr(st, "sync_error") ? " — " : "",
			         webpages_jstr(st, "sync_error"));
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
	webpages_page_end(x, 200);
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

static void not_found(struct webpages_req *x)
{
	webpages_message_page(x, 404, _("Not found"), "err", _("There is no such page."), "/");
}

/* The pages behind the login, by method and path. */
static void route(struct webpages_req *x)
{
	const char *p = x->rq->path;

	if (!x->rq->post) {
		if (strcmp(p, "/") == 0)
			page_now(x);
		else if (strcmp(p, "/plan") == 0)
			webplan_plan(x);
		else if (strcmp(p, "/log") == 0)
			webplan_log(x);
		else if (strcmp(p, "/play") == 0)
			page_play(x);
		else if (strcmp(p, "/upload") == 0)
			webedit_upload_page(x);
		else if (strcmp(p, "/schedule") == 0)
			webedit_schedule_page(x);
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
		webedit_upload(x);
	else if (strcmp(p, "/place") == 0)
		webedit_place(x);
	else if (strcmp(p, "/schedule") == 0)
		webedit_schedule(x);
	else if (strcmp(p, "/logout") == 0)
		do_logout(x);
	else
		not_found(x);
}

void webpages_handle(struct webpages *w, const struct web_request *rq, struct web_response *rs)
{
	struct webpages_req x = {.w = w, .rq = rq, .rs = rs};
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
		webpages_redirect(&x, "/login");
	} else {
		snprintf(x.by, sizeof x.by, "web:%s@%s", x.s->user, rq->client);
		if (!control_by_valid(x.by))
			snprintf(x.by, sizeof x.by, "web:%s", x.s->user);
		if (rq->post && !same_origin(rq)) {
			log_warnx("web: %s %s from %s refused: the form came from another site",
			          x.s->user, rq->path, rq->client);
			webpages_message_page(
			    &x, 403, _("Refused"), "err",
			    _("This form did not come from this page. Open the page again."), "/");
		} else if (rq->post && !webauth_csrf_ok(x.s, webpages_field(&x, "csrf"))) {
			log_warnx("web: %s %s from %s refused: no valid form token", x.s->user,
			          rq->path, rq->client);
			webpages_message_page(
			    &x, 403, _("Refused"), "err",
			    _("This form has expired or did not come from this page. Open the "
			      "page again and repeat."),
			    "/");
		} else if (rq->body_too_big && strcmp(rq->path, "/upload") != 0) {
			webpages_message_page(&x, 413, _("Refused"), "err",
			                      _("The form is too large."), "/");
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
