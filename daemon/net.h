/*
 * net: the one way loaxa sets up a libcurl transfer, shared by the sync
 * (downloads) and the upload of logs: only the protocols asked for, TLS
 * verification always on (with the optional CA file and pinned key),
 * connect and low-speed timeouts. (A round is stopped by ending its
 * process, loaxad-net: see netjob.h.)
 */
#ifndef LOAXA_NET_H
#define LOAXA_NET_H

#include <curl/curl.h>

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

#endif
