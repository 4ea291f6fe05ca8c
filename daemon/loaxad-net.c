/*
 * loaxad-net: one round of a station's network work, run by loaxad (see
 * netjob.h) so that libcurl, TLS and what the network brings stay out of
 * the daemon's process. Not for people: its man page is loaxad(8).
 *
 *   loaxad-net sync -c CONF [--low-speed-limit B/S] [--low-speed-time S]
 *                           [--connect-timeout S] [--clock-trusted 1|-1]
 *                           [--reserve-bytes N]
 *   loaxad-net upload -c CONF [--hold]      (the daemon's status on stdin)
 *   loaxad-net alerts -c CONF [--once] [--clock-trusted 1|-1]
 *                           (lives on: the alert watcher, see alertnet.h)
 *
 * Prints one JSON object on standard output and exits 0; exits 2 when it
 * cannot start (usage, configuration), with the reason on standard error.
 *   sync:   {"outcome": "activated"|"unchanged"|"failed", "version": N,
 *            "reason": "...", "bytes_downloaded": N}
 *   upload: {"ok": B, "cut": N, "sent": N, "outbox": N, "status_sent": B,
 *            "reason": "..."}
 *   alerts: one line per alert event (alertmsg.h), until stdin closes
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alertnet.h"
#include "conf.h"
#include "i18n.h"
#include "msg.h"
#include "sync.h"
#include "upload.h"
#include "util.h"

#define STATUS_MAX_BYTES (256 * 1024)

static void usage(void)
{
	fprintf(stderr, "usage: loaxad-net sync -c CONF [options]\n"
	                "       loaxad-net upload -c CONF [--hold]\n"
	                "       loaxad-net alerts -c CONF [--once] [--clock-trusted 1|-1]\n"
	                "(run by loaxad; see loaxad(8))\n");
	exit(2);
}

static int print(json_t *o)
{
	int ret =
	    json_dumpf(o, stdout, JSON_COMPACT) == 0 && putchar('\n') != EOF && fflush(stdout) == 0
	        ? 0
	        : 2;

	json_decref(o);
	return ret;
}

static int do_sync(const struct conf *c, const struct sync_opts *o)
{
	static const char *const names[] = {[SYNC_ACTIVATED] = "activated",
	                                    [SYNC_UNCHANGED] = "unchanged",
	                                    [SYNC_FAILED] = "failed"};
	struct sync_result r;

	sync_run_once_opts(c, o, &r);
	return print(json_pack(
	    "{s:s,s:I,s:s,s:I}", "outcome",
	    r.outcome >= SYNC_ACTIVATED && r.outcome <= SYNC_FAILED ? names[r.outcome] : "failed",
	    "version", (json_int_t)r.version, "reason", r.reason, "bytes_downloaded",
	    (json_int_t)r.bytes_downloaded));
}

static int do_upload(const struct conf *c, bool hold)
{
	struct upload_opts o = {.hold = hold};
	struct upload_report r;
	char *status = xmalloc(STATUS_MAX_BYTES + 1);
	size_t len = fread(status, 1, STATUS_MAX_BYTES, stdin);
	int rc;

	status[len] = '\0';
	rc = upload_run_once(c, &o, len ? status : NULL, &r);
	free(status);
	return print(json_pack("{s:b,s:i,s:i,s:i,s:b,s:s}", "ok", rc == 0, "cut", r.cut, "sent",
	                       r.sent, "outbox", r.outbox, "status_sent", r.status_sent, "reason",
	                       r.reason));
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"low-speed-limit", required_argument, NULL, 'l'},
	    {"low-speed-time", required_argument, NULL, 't'},
	    {"connect-timeout", required_argument, NULL, 'T'},
	    {"clock-trusted", required_argument, NULL, 'k'},
	    {"reserve-bytes", required_argument, NULL, 'r'},
	    {"hold", no_argument, NULL, 'h'},
	    {"once", no_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct sync_opts o = {0};
	const char *path = NULL, *what;
	struct conf c;
	bool hold = false, once = false;
	int ch, ret;

	i18n_init();
	if (argc < 2)
		usage();
	what = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'l':
			o.low_speed_limit = (int)util_option_number(
			    "loaxad-net", "--low-speed-limit", optarg, 1, INT32_MAX);
			break;
		case 't':
			o.low_speed_time = (int)util_option_number("loaxad-net", "--low-speed-time",
			                                           optarg, 1, INT32_MAX);
			break;
		case 'T':
			o.connect_timeout = (int)util_option_number(
			    "loaxad-net", "--connect-timeout", optarg, 1, INT32_MAX);
			break;
		case 'k':
			o.clock_trusted =
			    (int)util_option_number("loaxad-net", "--clock-trusted", optarg, -1, 1);
			break;
		case 'r':
			o.reserve_bytes = util_option_number("loaxad-net", "--reserve-bytes",
			                                     optarg, 1, INT64_MAX);
			break;
		case 'h':
			hold = true;
			break;
		case 'o':
			once = true;
			break;
		default:
			usage();
		}
	}
	if (!path || optind != argc ||
	    (strcmp(what, "sync") != 0 && strcmp(what, "upload") != 0 &&
	     strcmp(what, "alerts") != 0))
		usage();
	msg_init("loaxad-net", true, MSG_INFO);
	if (conf_load_report(&c, path) < 0)
		return 2;
	if (strcmp(what, "alerts") == 0) {
		struct alertnet_opts ao = {.once = once, .clock_trusted = o.clock_trusted};

		ret = alertnet_run(&c, &ao);
	} else {
		ret = strcmp(what, "sync") == 0 ? do_sync(&c, &o) : do_upload(&c, hold);
	}
	conf_free(&c);
	return ret;
}
