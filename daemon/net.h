/*
 * net: the one way loaxa sets up a libcurl transfer, shared by the sync
 * (downloads), the alert watcher and the upload of logs: only the
 * protocols asked for, TLS verification always on (with the optional CA
 * file and pinned key), connect and low-speed timeouts. (A round is
 * stopped by ending its process, loaxad-net: see netjob.h.)
 *
 * Below, what the two fetchers of signed files (sync.c, alertnet.c) share:
 * redirects, the validators of a conditional GET, and where a body goes.
 */
#ifndef LOAXA_NET_H
#define LOAXA_NET_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_opts {
	const char *protocols;         /* e.g. "http,https,file" */
	const char *ca_file;           /* NULL or "" = the system's */
	const char *pinned_public_key; /* NULL or "" = none */
	long connect_timeout;          /* seconds */
	long low_speed_limit;          /* bytes/s ... */
	long low_speed_time;           /* ... for this many seconds = too slow */
};

/* A new easy handle for url with errbuf (CURL_ERROR_SIZE) as its error
 * buffer, or NULL. */
CURL *net_easy(const char *url, const struct net_opts *o, char *errbuf);
/* The same settings on a handle made earlier (after curl_easy_reset):
 * a handle kept for many transfers keeps its connection to the server. */
void net_setup(CURL *c, const char *url, const struct net_opts *o, char *errbuf);
/* errbuf's text, or libcurl's words for rc. */
const char *net_reason(CURLcode rc, const char *errbuf);

/* http:// or https:// (in any case): a server that may answer 304. */
bool net_is_http(const char *url);
/* What url names up to its last '/' (included), where the files it
 * lists are; "" without a '/'. malloc'd. */
char *net_base_url(const char *url);
/* Follow redirects of an http(s) url, at most 5, and from https only to
 * https; a file:// url is not redirected. */
void net_follow_redirects(CURL *c, const char *url);

/* A header value is kept only when shorter than this (and free of
 * control characters): a longer one is not a real validator. */
#define NET_HEADER_MAX 256

/* The response headers a fetch keeps, of the last response: a new one
 * (after a redirect, or a 100) starts afresh. */
struct net_headers {
	char etag[NET_HEADER_MAX];
	char last_modified[NET_HEADER_MAX];
	bool have_range; /* Content-Range: bytes START-END/... */
	int64_t range_start;
};
/* CURLOPT_HEADERFUNCTION filling the struct net_headers of
 * CURLOPT_HEADERDATA. */
size_t net_on_header(char *line, size_t size, size_t n, void *arg);
/* The request headers of a conditional GET: If-None-Match for etag,
 * If-Modified-Since for last_modified (either may be NULL); NULL when
 * neither. Free with curl_slist_free_all. */
struct curl_slist *net_conditional(const char *etag, const char *last_modified);

/* Where a body goes: memory (fd -1: data grows, NUL-terminated) or the
 * file fd. More than max bytes stops the transfer with overflow set; a
 * failed write stops it with write_failed (errno kept). */
struct net_sink {
	char *data;
	int fd;
	size_t len;
	size_t max;
	bool overflow;
	bool write_failed;
};
/* CURLOPT_WRITEFUNCTION into the struct net_sink of CURLOPT_WRITEDATA. */
size_t net_on_body(char *p, size_t size, size_t n, void *arg);

#endif
