/*
 * net: common libcurl settings.
 */
#include "net.h"

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
