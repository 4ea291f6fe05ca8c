/*
 * web: the HTTP side of loaxa-web — libmicrohttpd (and through it GnuTLS
 * for HTTPS) on the configured address, driven from the caller's event
 * loop (epoll, no threads). It turns each request into a struct
 * web_request for webpages.c and sends back what that answers, with the
 * headers every page carries (no caching, no framing, a content security
 * policy that allows no script and nothing from elsewhere).
 *
 * Bodies are size-checked as they arrive: form fields up to
 * WEB_FIELDS_MAX bytes in memory; a file field only on the upload page of
 * a live session, streamed into a temporary file in audio_dir up to
 * web.max_upload_bytes. A body that goes far beyond either closes the
 * connection.
 */
#ifndef LOAXA_WEB_H
#define LOAXA_WEB_H

#include "conf.h"
#include "webpages.h"

#define WEB_FIELDS_MAX (256 * 1024)

struct web;

/* Listen on c->web.listen; cert_pem and key_pem (NULL: plain HTTP) are the
 * PEM texts for HTTPS. NULL (logged) when it cannot. */
struct web *web_start(const struct conf *c, struct webpages *pages, const char *cert_pem,
                      const char *key_pem);
/* A descriptor that is readable when web_run has work. */
int web_fd(const struct web *w);
/* Milliseconds until web_run is due anyway, -1 for none. */
int web_timeout_ms(const struct web *w);
void web_run(struct web *w);
void web_stop(struct web *w);

#endif
