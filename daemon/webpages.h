/*
 * webpages: what each page of the operator's web page shows and does —
 * logging in and out, the pages (on air, today's plan, the as-run log,
 * play now and emergency, upload, the daily schedule, station health) and
 * the checks every change passes (a live session, the form's CSRF token,
 * the same origin).
 *
 * It knows nothing of HTTP libraries: web.c turns each request into a
 * struct web_request and sends the struct web_response back. Every action
 * on the station goes through loaxad's control socket (control_request),
 * the same path as loaxactl, with "by" saying which operator from which
 * address; what it shows of the plan and the log comes from today.c and
 * daylog.c, as loaxactl's does.
 */
#ifndef LOAXA_WEBPAGES_H
#define LOAXA_WEBPAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct web_field {
	char *name;
	char *value;
};

struct web_request {
	bool post;
	const char *path; /* without the query */
	const char *host; /* the Host header */
	const char *origin, *referer;
	const char *session_cookie, *lang_cookie, *accept_language;
	const char *client;     /* the client's numeric address */
	const char *client_key; /* failed logins are counted by this */
	bool tls;
	const struct web_field *fields; /* the query's, then the form's */
	size_t nfields;
	const char *upload_tmp;   /* the form's file, in audio_dir, or NULL */
	const char *upload_name;  /* its name as the browser gave it */
	bool upload_too_big;      /* the file was larger than web.max_upload_bytes */
	const char *upload_error; /* why the file could not be written, or NULL */
	bool body_too_big;        /* the form's fields were larger than they can be */
};

struct web_response {
	int status;
	char *body; /* malloc'd */
	size_t len;
	const char *type; /* Content-Type */
	char *location;   /* Location: (303) */
	char *cookies[2]; /* Set-Cookie: */
};

struct webpages;

/* tmpdir: a private folder for checking schedules. */
struct webpages *webpages_new(const struct conf *c, const char *tmpdir);
void webpages_free(struct webpages *w);
/* Shown on the health page: the TLS certificate's SHA-256 fingerprint. */
void webpages_set_fingerprint(struct webpages *w, const char *fingerprint);

/* Whether a POST to path may bring a file: only to the upload page, only
 * in a live session. Asked before the body is read. */
bool webpages_may_upload(struct webpages *w, const char *path, const char *session_cookie);
void webpages_handle(struct webpages *w, const struct web_request *rq, struct web_response *rs);
void web_response_free(struct web_response *rs);

#endif
