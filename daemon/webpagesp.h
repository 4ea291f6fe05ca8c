/*
 * webpagesp: what the modules of the web page's pages share — webpages.c
 * (the checks, logging in, on air, play now and emergency, health, the
 * dispatch), webplan.c (today's plan, the as-run log) and webedit.c
 * (upload, daily schedules) — and nothing else includes: the request being
 * answered and the helpers every page uses. See webpages.h.
 */
#ifndef LOAXA_WEBPAGESP_H
#define LOAXA_WEBPAGESP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "diag.h"
#include "webauth.h"
#include "webpages.h"
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
struct webpages_req {
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

/* The value of a query or form field, or NULL. */
const char *webpages_field(const struct webpages_req *x, const char *name);
/* Today (civil day number) and the second of the day, local time. */
int64_t webpages_today_day(void);
int webpages_now_sec_of_day(void);
/* "YYYY-MM-DD" */
void webpages_format_day(int64_t day, char buf[16]);
/* The day a page is about: ?date=YYYY-MM-DD, else today. */
int64_t webpages_asked_day(const struct webpages_req *x);
/* Text fit for a name: UTF-8 without control characters, 1..max bytes. */
bool webpages_plain_text(const char *s, size_t max);
/* "17:00:00" of an ISO 8601 time, with its date when not today. */
void webpages_format_when(const char *iso, char *buf, size_t n);
/* A slot's name for the page: the daemon's own names of an operator's
 * "play now" and emergency slots in the page's language. */
const char *webpages_slot_name(const char *slot);
/* A string member of an answer, "" when absent. */
const char *webpages_jstr(json_t *o, const char *key);
/* Ask loaxad (req is consumed; "by" added); NULL with errno when it does
 * not answer. */
json_t *webpages_ask(const struct webpages_req *x, json_t *req);
/* The notice that loaxad does not answer (errno says why). */
void webpages_unreachable(struct webpages_req *x);

/* A page: the frame's beginning, then x->b, then the end with its status. */
void webpages_page_begin(struct webpages_req *x, enum webui_page page, const char *title,
                         int refresh_s);
void webpages_page_end(struct webpages_req *x, int status);
/* 303 to location (a path of this site). */
void webpages_redirect(struct webpages_req *x, const char *location);
/* A page that only says something, with a way back. */
void webpages_message_page(struct webpages_req *x, int status, const char *title, const char *kind,
                           const char *text, const char *back);
/* The outcome of the action that led here (?msg=...&what=...). */
void webpages_show_msg(struct webpages_req *x);
/* The day chooser of a page about one day (action: its path). */
void webpages_day_picker(struct webpages_req *x, const char *action, int64_t day);
/* A notice with an introduction and FILE:LINE problems, one a line. */
void webpages_diag_notice(struct webpages_req *x, const char *kind, const char *intro,
                          const struct diag *d);
/* what names a recording of audio_dir or a programme of the catalog. */
bool webpages_playable(const struct webpages_req *x, const char *what);
/* The "play" and "emergency" buttons of a row. */
void webpages_play_buttons(struct webpages_req *x, const char *what);

/* webplan.c */
void webplan_plan(struct webpages_req *x);
void webplan_log(struct webpages_req *x);

/* webedit.c */
void webedit_upload_page(struct webpages_req *x);
void webedit_upload(struct webpages_req *x);
void webedit_place(struct webpages_req *x);
void webedit_schedule_page(struct webpages_req *x);
void webedit_schedule(struct webpages_req *x);

#endif
