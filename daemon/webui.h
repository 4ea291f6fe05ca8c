/*
 * webui: the pieces every page of the operator's web page is made of — a
 * growing text buffer with HTML escaping, the page frame (header, the
 * menu, the footer with the language switch) and its inline style sheet,
 * the choice of language, and small formatters. Pure: no files, no clock,
 * no network.
 *
 * The pages carry no script and load nothing from elsewhere: one HTML
 * document per page, its CSS inline, forms that work without JavaScript.
 * Text goes through gettext like the rest of loaxa; webui_set_lang()
 * switches the language of this process between requests.
 */
#ifndef LOAXA_WEBUI_H
#define LOAXA_WEBUI_H

#include <stdbool.h>
#include <stddef.h>

#include "msg.h"

struct webui_buf {
	char *p; /* NUL-terminated, malloc'd */
	size_t len, cap;
};

void webui_put(struct webui_buf *b, const char *s);
void webui_printf(struct webui_buf *b, const char *fmt, ...) MSG_PRINTF(2, 3);
/* s with & < > " ' escaped, for text and attribute values alike. */
void webui_esc(struct webui_buf *b, const char *s);
/* s for a URL's query value (percent-encoding). */
void webui_urlenc(struct webui_buf *b, const char *s);
/* Hand the text over (the buffer is empty afterwards). */
char *webui_take(struct webui_buf *b, size_t *len);
void webui_free(struct webui_buf *b);

enum webui_lang { WEBUI_VI, WEBUI_EN };

/* The language of a request: the cookie's choice ("vi"/"en") when there
 * is one, else the first of Vietnamese and English in the browser's
 * Accept-Language by preference, else Vietnamese. Either may be NULL. */
enum webui_lang webui_pick_lang(const char *cookie, const char *accept_language);
const char *webui_lang_code(enum webui_lang l);
/* Switch gettext's language for what is rendered next. */
void webui_set_lang(enum webui_lang l);

/* The menu's pages. */
enum webui_page {
	WEBUI_NOW,
	WEBUI_PLAN,
	WEBUI_LOG,
	WEBUI_PLAY,
	WEBUI_UPLOAD,
	WEBUI_SCHEDULE,
	WEBUI_HEALTH,
	WEBUI_NONE, /* login and other pages outside the menu */
};

struct webui_frame {
	const char *station;  /* the station's name */
	const char *title;    /* of this page */
	enum webui_page page; /* highlighted in the menu; WEBUI_NONE: no menu */
	const char *user;     /* logged in as, or NULL */
	const char *csrf;     /* for the log-out form, or NULL */
	const char *path;     /* this page's path and query, for the language switch */
	enum webui_lang lang;
	int refresh_s; /* reload the page every so often; 0 = never */
};

void webui_begin(struct webui_buf *b, const struct webui_frame *f);
void webui_end(struct webui_buf *b, const struct webui_frame *f);
/* <input type=hidden name=NAME value=VALUE>, the value escaped. */
void webui_hidden(struct webui_buf *b, const char *name, const char *value);
/* webui_hidden of the form's CSRF token. */
void webui_csrf(struct webui_buf *b, const char *csrf);
/* A box with a message: kind "ok", "err", "warn" or "info". Text escaped. */
void webui_notice(struct webui_buf *b, const char *kind, const char *text);

/* "3:05", "1:02:03", or "-" for 0 and less. */
void webui_duration(double s, char *buf, size_t n);

#endif
