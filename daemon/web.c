/*
 * web: libmicrohttpd in the caller's loop, requests to webpages.c (see
 * web.h). One thread: pages render in the language of their request by
 * switching gettext between requests, which only a single thread may do.
 */
#include "web.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "webfile.h"

/* Connections at once: a commune has one or two operators, but a phone
 * opens several, and a page must still load while many are idle. */
#define WEB_CONNECTIONS 256
/* A client that says nothing for this long is dropped. */
#define WEB_IDLE_S 60

static const char CSP[] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

struct web {
	const struct conf *conf;
	struct webpages *pages;
	struct MHD_Daemon *d;
};

/* One request while its body arrives. */
struct conn {
	struct web *w;
	bool post;
	struct MHD_PostProcessor *pp;
	struct web_field *fields;
	size_t nfields, field_bytes;
	uint64_t body_bytes;
	bool may_upload;
	int upload_fd;
	char *upload_tmp, *upload_name;
	int64_t upload_bytes;
	bool upload_too_big, body_too_big, bad_body;
	char upload_error[200];
};

static void add_field(struct conn *c, const char *name, const char *value, size_t len, bool append)
{
	struct web_field *f;

	if (c->field_bytes + len > WEB_FIELDS_MAX) {
		c->body_too_big = true;
		return;
	}
	c->field_bytes += len + strlen(name);
	if (append && c->nfields && strcmp(c->fields[c->nfields - 1].name, name) == 0) {
		size_t old;

		f = &c->fields[c->nfields - 1];
		old = strlen(f->value);
		f->value = xreallocarray(f->value, old + len + 1, 1);
		if (len)
			memcpy(f->value + old, value, len);
		f->value[old + len] = '\0';
		return;
	}
	c->fields = xreallocarray(c->fields, c->nfields + 1, sizeof *c->fields);
	f = &c->fields[c->nfields++];
	f->name = xstrdup(name);
	f->value = xmalloc(len + 1);
	if (len)
		memcpy(f->value, value, len);
	f->value[len] = '\0';
}

static void upload_drop(struct conn *c)
{
	if (c->upload_fd >= 0)
		close(c->upload_fd);
	c->upload_fd = -1;
	if (c->upload_tmp)
		unlink(c->upload_tmp);
	free(c->upload_tmp);
	c->upload_tmp = NULL;
}

static void upload_data(struct conn *c, const char *filename, const char *data, size_t size)
{
	if (c->upload_too_big || c->upload_error[0])
		return;
	if (!c->upload_tmp) {
		c->upload_fd = webfile_begin(c->w->conf->audio_dir, &c->upload_tmp);
		if (c->upload_fd < 0) {
			snprintf(c->upload_error, sizeof c->upload_error, "%s: %s",
			         c->w->conf->audio_dir, strerror(errno));
			log_warn("web: upload into %s", c->w->conf->audio_dir);
			return;
		}
		c->upload_name = xstrdup(filename);
	}
	if (c->upload_bytes + (int64_t)size > c->w->conf->web.max_upload_bytes) {
		c->upload_too_big = true;
		upload_drop(c);
		return;
	}
	if (util_write_all(c->upload_fd, data, size) < 0) {
		snprintf(c->upload_error, sizeof c->upload_error, "%s", strerror(errno));
		log_warn("web: upload into %s", c->w->conf->audio_dir);
		upload_drop(c);
		return;
	}
	c->upload_bytes += (int64_t)size;
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size)
{
	struct conn *c = cls;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (!key)
		return MHD_YES;
	if (filename) {
		/* the one file field of the upload form; an empty file input
		 * sends a part with no name */
		if (c->may_upload && strcmp(key, "file") == 0 && filename[0] && size > 0)
			upload_data(c, filename, data, size);
		return MHD_YES;
	}
	add_field(c, key, data, size, off > 0);
	return MHD_YES;
}

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
	(void)kind;
	add_field(cls, key, value ? value : "", value ? strlen(value) : 0, false);
	return MHD_YES;
}

/* The client's address for the log, and the key its failed logins are
 * counted by: the address, or its /64 for IPv6 (one host has many). */
static void client_of(struct MHD_Connection *mc, char *addr, size_t n, char *key, size_t kn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	socklen_t len = sa && sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                                : sizeof(struct sockaddr_in);

	snprintf(addr, n, "?");
	if (!sa || getnameinfo(sa, len, addr, (socklen_t)n, NULL, 0, NI_NUMERICHOST) != 0) {
		snprintf(key, kn, "?");
		return;
	}
	if (strncmp(addr, "::ffff:", 7) == 0 && strchr(addr, '.'))
		memmove(addr, addr + 7, strlen(addr + 7) + 1);
	if (sa->sa_family == AF_INET6 && strchr(addr, ':')) {
		const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		snprintf(key, kn, "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", b[0], b[1], b[2],
		         b[3], b[4], b[5], b[6], b[7]);
	} else {
		snprintf(key, kn, "%s", addr);
	}
}

static enum MHD_Result send_response(struct MHD_Connection *mc, struct web_response *rs)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(rs->len, rs->body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		web_response_free(rs);
		return MHD_NO;
	}
	rs->body = NULL; /* libmicrohttpd frees it */
	MHD_add_response_header(r, "Content-Type",
	                        rs->type ? rs->type : "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	if (rs->location)
		MHD_add_response_header(r, "Location", rs->location);
	for (int i = 0; i < 2; i++)
		if (rs->cookies[i])
			MHD_add_response_header(r, "Set-Cookie", rs->cookies[i]);
	ret = MHD_queue_response(mc, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	web_response_free(rs);
	return ret;
}

static enum MHD_Result plain(struct MHD_Connection *mc, int status, const char *text)
{
	struct web_response rs = {.status = status, .body = xstrdup(text), .len = strlen(text)};

	return send_response(mc, &rs);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *mc, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
	struct web *w = cls;
	struct conn *c = *state;
	struct web_request rq = {0};
	struct web_response rs;
	char client[INET6_ADDRSTRLEN + 8], key[64];

	(void)version;
	if (!c) {
		bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

		if (!post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return plain(mc, 405, "");
		c = xcalloc(1, sizeof *c);
		c->w = w;
		c->post = post;
		c->upload_fd = -1;
		*state = c;
		if (post) {
			c->may_upload = webpages_may_upload(
			    w->pages, url,
			    MHD_lookup_connection_value(mc, MHD_COOKIE_KIND, "loaxa_session"));
			c->pp = MHD_create_post_processor(mc, 64 * 1024, post_field, c);
			if (!c->pp)
				c->bad_body = true;
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		c->body_bytes += *upload_size;
		/* far beyond what any form or upload here may be: give up on it */
		if (c->body_bytes > (uint64_t)w->conf->web.max_upload_bytes + 16 * 1048576)
			return MHD_NO;
		if (c->pp && MHD_post_process(c->pp, upload, *upload_size) != MHD_YES)
			c->bad_body = true;
		*upload_size = 0;
		return MHD_YES;
	}
	/* the whole request is here */
	if (c->upload_fd >= 0) {
		close(c->upload_fd);
		c->upload_fd = -1;
	}
	MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, query_arg, c);
	if (c->bad_body)
		return plain(mc, 400, "");
	client_of(mc, client, sizeof client, key, sizeof key);
	rq.post = c->post;
	rq.path = url;
	rq.host = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	rq.origin = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Origin");
	rq.referer = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_REFERER);
	rq.session_cookie = MHD_lookup_connection_value(mc, MHD_COOKIE_KIND, "loaxa_session");
	rq.lang_cookie = MHD_lookup_connection_value(mc, MHD_COOKIE_KIND, "loaxa_lang");
	rq.accept_language =
	    MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	rq.client = client;
	rq.client_key = key;
	rq.tls = w->conf->web.tls_cert != NULL;
	rq.fields = c->fields;
	rq.nfields = c->nfields;
	rq.upload_tmp = c->upload_tmp;
	rq.upload_name = c->upload_name;
	rq.upload_too_big = c->upload_too_big;
	rq.upload_error = c->upload_error[0] ? c->upload_error : NULL;
	rq.body_too_big = c->body_too_big;
	webpages_handle(w->pages, &rq, &rs);
	return send_response(mc, &rs);
}

static void completed(void *cls, struct MHD_Connection *mc, void **state,
                      enum MHD_RequestTerminationCode toe)
{
	struct conn *c = *state;

	(void)cls;
	(void)mc;
	(void)toe;
	if (!c)
		return;
	if (c->pp)
		MHD_destroy_post_processor(c->pp);
	/* kept (linked under its own name) or not, the temporary name goes */
	upload_drop(c);
	for (size_t i = 0; i < c->nfields; i++) {
		free(c->fields[i].name);
		free(c->fields[i].value);
	}
	free(c->fields);
	free(c->upload_name);
	free(c);
	*state = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char text[512];
	size_t n;

	(void)cls;
	vsnprintf(text, sizeof text, fmt, ap);
	n = strlen(text);
	while (n > 0 && text[n - 1] == '\n')
		text[--n] = '\0';
	log_warnx("web: %s", text);
}

struct web *web_start(const struct conf *c, struct webpages *pages, const char *cert_pem,
                      const char *key_pem)
{
	struct sockaddr_storage addr;
	socklen_t addrlen; /* the option takes the address alone */
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct web *w;

	if (!c->web.listen || conf_parse_listen(c->web.listen, &addr, &addrlen) < 0) {
		log_errx("web: no address to listen on");
		return NULL;
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cert_pem)
		flags |= MHD_USE_TLS;
	w = xcalloc(1, sizeof *w);
	w->conf = c;
	w->pages = pages;
	if (cert_pem)
		w->d = MHD_start_daemon(
		    flags, 0, NULL, NULL, handle, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
		    (unsigned)WEB_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_IDLE_S,
		    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_HTTPS_MEM_CERT,
		    cert_pem, MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_END);
	else
		w->d = MHD_start_daemon(
		    flags, 0, NULL, NULL, handle, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
		    (unsigned)WEB_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_IDLE_S,
		    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (!w->d) {
		log_errx("web: cannot listen on %s%s", c->web.listen,
		         cert_pem ? " (or the TLS certificate and key do not go together)" : "");
		free(w);
		return NULL;
	}
	return w;
}

int web_fd(const struct web *w)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_EPOLL_FD);

	return i ? i->epoll_fd : -1;
}

int web_timeout_ms(const struct web *w)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(w->d, &ms) != MHD_YES)
		return -1;
	return ms > 60000 ? 60000 : (int)ms;
}

void web_run(struct web *w)
{
	MHD_run(w->d);
}

void web_stop(struct web *w)
{
	if (!w)
		return;
	MHD_stop_daemon(w->d);
	free(w);
}
