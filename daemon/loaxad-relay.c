/*
 * loaxad-relay: one relayed radio stream, fetched and decoded for loaxad's
 * player (see relaysrc.h), so that libcurl, TLS and the stream decoders stay
 * out of the daemon's process and a fault in them costs the relay, not the
 * broadcast. Not for people: its man page is loaxad(8).
 *
 *   loaxad-relay [--rate HZ] [--channels N] [--connect-timeout S]
 *                [--stall-timeout S] [--status-fd FD] URL
 *   loaxad-relay --probe [--timeout S] URL
 *
 * Relay: writes the stream as int16 PCM (host order, interleaved) at the
 * given rate and channels on standard output for as long as it runs,
 * reconnecting with backoff (1, 2, 4, 8 s) whenever the stream fails or
 * ends. What happens goes to FD as lines of text:
 *   connecting
 *   playing FORMAT RATE CHANNELS      (the first samples of a connection)
 *   ended                             (the server closed the stream)
 *   error TEXT                        (it did not connect, or failed)
 * It exits when its standard output is closed, or on SIGTERM.
 *
 * Probe: connects, decodes the first samples, prints
 * "ok FORMAT RATE CHANNELS CONTENT-TYPE" or "error TEXT" on standard output,
 * and exits 0 or 1, within the timeout (default 5 s).
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "net.h"
#include "streamdec.h"
#include "util.h"

#define RELAY_BACKOFF_MAX_S 8
#define RELAY_GOOD_RUN_S    10 /* a connection that played this long resets the backoff */
#define RELAY_TYPE_MAX      128
/* A decoder that joins a stream mid-way has no bit reservoir for its first
 * frames: they come out as silence. So much is dropped from each
 * connection's start. */
#define RELAY_WARMUP_S 0.1

struct relay_opts {
	int rate, channels;
	long connect_timeout_s, stall_s, timeout_s;
	int status_fd;
	bool probe;
	const char *url;
};

struct transfer {
	const struct relay_opts *o;
	struct streamdec *dec;
	char content_type[RELAY_TYPE_MAX];
	long http_code;
	bool playing;  /* first samples of this connection are out */
	bool out_gone; /* standard output closed: the player is done with us */
	bool probe_ok; /* probe: samples decoded */
	char why[256]; /* why the transfer was stopped from inside */
	uint64_t frames;
};

static void status(const struct relay_opts *o, const char *fmt, ...) MSG_PRINTF(2, 3);

static void status(const struct relay_opts *o, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (o->status_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	/* one line, whatever the text held */
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	if (util_write_all(o->status_fd, line, (size_t)n) < 0)
		exit(0); /* the player is gone */
}

static int on_pcm(void *ctx, const int16_t *pcm, size_t frames)
{
	struct transfer *t = ctx;

	if (!t->playing) {
		t->playing = true;
		status(t->o, "playing %s %d %d", streamdec_format(t->dec), streamdec_rate(t->dec),
		       streamdec_channels(t->dec));
	}
	if (t->frames < (uint64_t)(t->o->rate * RELAY_WARMUP_S) && !t->o->probe) {
		size_t skip = (size_t)(t->o->rate * RELAY_WARMUP_S) - t->frames;

		skip = skip < frames ? skip : frames;
		t->frames += skip;
		pcm += skip * (size_t)t->o->channels;
		frames -= skip;
		if (frames == 0)
			return 0;
	}
	t->frames += frames;
	if (t->o->probe) {
		t->probe_ok = true;
		return -1; /* seen enough */
	}
	if (util_write_all(STDOUT_FILENO, pcm, frames * (size_t)t->o->channels * sizeof *pcm) < 0) {
		t->out_gone = true;
		return -1;
	}
	return 0;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;

	/* a redirect starts a new set of headers */
	if (len >= 5 && (!strncmp(buf, "HTTP/", 5) || !strncmp(buf, "ICY ", 4)))
		t->content_type[0] = '\0';
	if (len > 13 && !strncasecmp(buf, "Content-Type:", 13)) {
		const char *v = buf + 13;
		size_t k;

		while (v < buf + len && (*v == ' ' || *v == '\t'))
			v++;
		k = (size_t)(buf + len - v);
		while (k > 0 && (v[k - 1] == '\r' || v[k - 1] == '\n' || v[k - 1] == ' '))
			k--;
		if (k >= sizeof t->content_type)
			k = sizeof t->content_type - 1;
		memcpy(t->content_type, v, k);
		t->content_type[k] = '\0';
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;

	if (!t->dec)
		t->dec = streamdec_new(t->content_type[0] ? t->content_type : NULL, t->o->rate,
		                       t->o->channels, on_pcm, t);
	if (streamdec_feed(t->dec, buf, len, t->why, sizeof t->why) < 0)
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	return len;
}

/* One connection, until it fails or ends. Returns the curl result; the
 * reason is in errbuf. */
static CURLcode run_transfer(const struct relay_opts *o, struct transfer *t, char *errbuf)
{
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c)
		fatalx("libcurl: cannot make a handle");
	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, o->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "loaxa/" LOAXA_VERSION);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
	/* a stream that sends nothing for stall_s is given up and dialled again */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->stall_s);
	if (o->probe)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t->http_code);
	curl_easy_cleanup(c);
	return rc;
}

static void describe(CURLcode rc, const char *errbuf, const struct transfer *t, char *out, size_t n)
{
	if (rc == CURLE_WRITE_ERROR && t->why[0])
		snprintf(out, n, "%s", t->why);
	else if (rc == CURLE_OK && !t->dec)
		snprintf(out, n, "the server sent no audio (HTTP %ld)", t->http_code);
	else if (rc == CURLE_OK)
		snprintf(out, n, "the server closed the stream");
	else
		snprintf(out, n, "%s", net_reason(rc, errbuf));
}

static int probe(const struct relay_opts *o)
{
	struct transfer t = {.o = o};
	char errbuf[CURL_ERROR_SIZE], why[512];
	CURLcode rc = run_transfer(o, &t, errbuf);

	if (t.probe_ok) {
		printf("ok %s %d %d %s\n", streamdec_format(t.dec), streamdec_rate(t.dec),
		       streamdec_channels(t.dec), t.content_type[0] ? t.content_type : "-");
		streamdec_free(t.dec);
		return 0;
	}
	describe(rc, errbuf, &t, why, sizeof why);
	printf("error %s\n", why);
	streamdec_free(t.dec);
	return 1;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int relay(const struct relay_opts *o)
{
	unsigned failures = 0;

	for (;;) {
		struct transfer t = {.o = o};
		char errbuf[CURL_ERROR_SIZE], why[512];
		CURLcode rc;
		double backoff;

		status(o, "connecting");
		rc = run_transfer(o, &t, errbuf);
		if (t.out_gone) {
			streamdec_free(t.dec);
			return 0;
		}
		describe(rc, errbuf, &t, why, sizeof why);
		if (t.playing && rc == CURLE_OK)
			status(o, "ended");
		else
			status(o, "error %s", why);
		log_info("%s: %s", o->url, why);
		if (t.frames >= (uint64_t)o->rate * RELAY_GOOD_RUN_S)
			failures = 0;
		backoff = failures >= 4 ? RELAY_BACKOFF_MAX_S : (double)(1u << failures);
		failures++;
		streamdec_free(t.dec);
		sleep_s(backoff);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: loaxad-relay [--rate HZ] [--channels N] [--connect-timeout S]\n"
	                "                    [--stall-timeout S] [--status-fd FD] URL\n"
	                "       loaxad-relay --probe [--timeout S] URL\n"
	                "(run by loaxad and loaxactl; see loaxad(8))\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"rate", required_argument, NULL, 'r'},
	    {"channels", required_argument, NULL, 'n'},
	    {"connect-timeout", required_argument, NULL, 'T'},
	    {"stall-timeout", required_argument, NULL, 's'},
	    {"status-fd", required_argument, NULL, 'f'},
	    {"timeout", required_argument, NULL, 't'},
	    {"probe", no_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct relay_opts o = {.rate = 48000,
	                       .channels = 2,
	                       .connect_timeout_s = 10,
	                       .stall_s = 10,
	                       .timeout_s = 5,
	                       .status_fd = -1};
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			o.rate =
			    (int)util_option_number("loaxad-relay", "--rate", optarg, 8000, 192000);
			break;
		case 'n':
			o.channels =
			    (int)util_option_number("loaxad-relay", "--channels", optarg, 1, 8);
			break;
		case 'T':
			o.connect_timeout_s = (long)util_option_number(
			    "loaxad-relay", "--connect-timeout", optarg, 1, 3600);
			break;
		case 's':
			o.stall_s = (long)util_option_number("loaxad-relay", "--stall-timeout",
			                                     optarg, 1, 3600);
			break;
		case 'f':
			o.status_fd = (int)util_option_number("loaxad-relay", "--status-fd", optarg,
			                                      0, 1 << 20);
			break;
		case 't':
			o.timeout_s =
			    (long)util_option_number("loaxad-relay", "--timeout", optarg, 1, 3600);
			break;
		case 'p':
			o.probe = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	o.url = argv[optind];
	if (strncasecmp(o.url, "http://", 7) != 0 && strncasecmp(o.url, "https://", 8) != 0) {
		fprintf(stderr, "loaxad-relay: %s: only http:// and https:// streams\n", o.url);
		return 2;
	}
	msg_init("loaxad-relay", !o.probe, MSG_INFO);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("libcurl: cannot initialise");
	if (o.probe)
		o.connect_timeout_s = o.timeout_s;
	ret = o.probe ? probe(&o) : relay(&o);
	curl_global_cleanup();
	return ret;
}
