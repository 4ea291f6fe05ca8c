/*
 * net: common libcurl settings.
 */
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

CURL *net_easy(const char *url, const struct net_opts *o, char *errbuf)
{
	CURL *c = curl_easy_init();

	if (!c)
		return NULL;
	net_setup(c, url, o, errbuf);
	return c;
}

void net_setup(CURL *c, const char *url, const struct net_opts *o, char *errbuf)
{
	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, o->protocols);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file && *o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->pinned_public_key && *o->pinned_public_key)
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, o->pinned_public_key);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "loaxad/" LOAXA_VERSION);
}

const char *net_reason(CURLcode rc, const char *errbuf)
{
	return errbuf[0] ? errbuf : curl_easy_strerror(rc);
}

bool net_is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

char *net_base_url(const char *url)
{
	const char *slash = strrchr(url, '/');

	return xasprintf("%.*s", slash ? (int)(slash - url + 1) : 0, url);
}

void net_follow_redirects(CURL *c, const char *url)
{
	if (strncasecmp(url, "https://", 8) == 0) {
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	} else if (strncasecmp(url, "http://", 7) == 0) {
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	}
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
}

static void header_value(char *out, const char *line, size_t n, size_t skip)
{
	size_t i = skip, j = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (n > i && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	if (n - i >= NET_HEADER_MAX)
		return; /* too long to be real: not kept */
	for (; i < n; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return;
		out[j++] = line[i];
	}
	out[j] = '\0';
}

size_t net_on_header(char *line, size_t size, size_t n, void *arg)
{
	struct net_headers *h = arg;
	char value[NET_HEADER_MAX] = "";

	(void)size; /* always 1 */
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new response (after a redirect, or a 100): forget the last. */
		memset(h, 0, sizeof *h);
	} else if (n > 5 && strncasecmp(line, "ETag:", 5) == 0) {
		header_value(h->etag, line, n, 5);
	} else if (n > 14 && strncasecmp(line, "Last-Modified:", 14) == 0) {
		header_value(h->last_modified, line, n, 14);
	} else if (n > 14 && strncasecmp(line, "Content-Range:", 14) == 0) {
		long long start, end;

		header_value(value, line, n, 14);
		if (sscanf(value, "bytes %lld-%lld/", &start, &end) == 2 && start >= 0 &&
		    end >= start) {
			h->have_range = true;
			h->range_start = start;
		}
	}
	return n;
}

struct curl_slist *net_conditional(const char *etag, const char *last_modified)
{
	struct curl_slist *hdrs = NULL;

	if (etag) {
		char *line = xasprintf("If-None-Match: %s", etag);

		hdrs = curl_slist_append(hdrs, line);
		free(line);
	}
	if (last_modified) {
		char *line = xasprintf("If-Modified-Since: %s", last_modified);

		hdrs = curl_slist_append(hdrs, line);
		free(line);
	}
	return hdrs;
}

size_t net_on_body(char *p, size_t size, size_t n, void *arg)
{
	struct net_sink *k = arg;

	(void)size; /* always 1 */
	if (n > k->max - k->len) {
		k->overflow = true;
		return 0;
	}
	if (k->fd >= 0) {
		if (util_write_all(k->fd, p, n) < 0) {
			k->write_failed = true;
			return 0;
		}
	} else {
		k->data = xreallocarray(k->data, k->len + n + 1, 1);
		memcpy(k->data + k->len, p, n);
		k->data[k->len + n] = '\0';
	}
	k->len += n;
	return n;
}
