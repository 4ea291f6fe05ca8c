/*
 * sync-once: one synchronous province sync with a station config, for the
 * system tests. Prints one line, "activated VERSION", "unchanged VERSION"
 * or "failed: REASON", and exits 0, 0 or 1.
 *
 *   sync-once -c CONF [--assume-synced|--assume-unsynced]
 *             [--low-speed-time S] [--low-speed-limit B/S]
 *             [--connect-timeout S] [--reserve-bytes N] [-v]
 *             [--thread N [--stop-after MS]]
 *
 * --thread N runs N syncs through the daemon's side instead (sync_start,
 * then sync_now after each event, read from sync_fd with poll), prints a
 * line per event and then the status as JSON; the exit status is the last
 * event's. --stop-after MS stops the thread MS milliseconds after the
 * start instead, whatever it is doing, and prints "stopped" and the status.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "conf.h"
#include "msg.h"
#include "util.h"
#include "sync.h"

static int print_outcome(enum sync_outcome outcome, uint64_t version, const char *reason)
{
	switch (outcome) {
	case SYNC_ACTIVATED:
		printf("activated %" PRIu64 "\n", version);
		return 0;
	case SYNC_UNCHANGED:
		printf("unchanged %" PRIu64 "\n", version);
		return 0;
	default:
		printf("failed: %s\n", reason);
		return 1;
	}
}

/* The event loop's view: wait on sync_fd, read events, ask for more. */
static int run_thread(const struct conf *c, const struct sync_opts *o, int n, int stop_ms)
{
	struct sync *s = sync_start_opts(c, o);
	struct sync_status st;
	struct sync_event ev;
	json_t *status;
	char *text;
	int ret = 1;

	if (!s) {
		printf("failed: no sync thread\n");
		return 1;
	}
	if (stop_ms > 0) {
		struct timespec ts = {stop_ms / 1000, stop_ms % 1000 * 1000000L};

		nanosleep(&ts, NULL);
		printf("stopped\n");
		n = 0;
		ret = 0;
	}
	for (int i = 0; i < n; i++) {
		struct pollfd p = {.fd = sync_fd(s), .events = POLLIN};

		if (poll(&p, 1, 120 * 1000) != 1) {
			printf("failed: no event within 120 s\n");
			ret = 1;
			break;
		}
		if (sync_read(s, &ev) != 1) {
			printf("failed: sync_fd readable without an event\n");
			ret = 1;
			break;
		}
		ret = print_outcome(ev.outcome, ev.version, ev.reason);
		fflush(stdout);
		if (sync_read(s, &ev) != 0) {
			printf("failed: a second event from one sync\n");
			ret = 1;
			break;
		}
		if (i + 1 < n)
			sync_now(s);
	}
	sync_get_status(s, &st);
	status = sync_status_json(&st);
	text = json_dumps(status, JSON_COMPACT | JSON_SORT_KEYS);
	printf("%s\n", text);
	free(text);
	json_decref(status);
	sync_stop(s);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"assume-synced", no_argument, NULL, 's'},
	    {"assume-unsynced", no_argument, NULL, 'u'},
	    {"low-speed-time", required_argument, NULL, 't'},
	    {"low-speed-limit", required_argument, NULL, 'l'},
	    {"connect-timeout", required_argument, NULL, 'T'},
	    {"reserve-bytes", required_argument, NULL, 'r'},
	    {"thread", required_argument, NULL, 'n'},
	    {"stop-after", required_argument, NULL, 'S'},
	    {NULL, 0, NULL, 0},
	};
	struct sync_opts o = {0};
	const char *path = CONF_DEFAULT_PATH;
	enum msg_level level = MSG_INFO;
	struct diag d = {0};
	struct sync_result r;
	struct conf c;
	int ch, ret, threaded = 0, stop_ms = 0;

	while ((ch = getopt_long(argc, argv, "c:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			level = MSG_DEBUG;
			break;
		case 's':
			o.clock_trusted = 1;
			break;
		case 'u':
			o.clock_trusted = -1;
			break;
		case 't':
			o.low_speed_time = (int)util_option_number("sync-once", "--low-speed-time",
			                                           optarg, 0, INT32_MAX);
			break;
		case 'l':
			o.low_speed_limit = (int)util_option_number(
			    "sync-once", "--low-speed-limit", optarg, 0, INT32_MAX);
			break;
		case 'T':
			o.connect_timeout = (int)util_option_number(
			    "sync-once", "--connect-timeout", optarg, 0, INT32_MAX);
			break;
		case 'r':
			o.reserve_bytes = util_option_number("sync-once", "--reserve-bytes", optarg,
			                                     0, INT64_MAX);
			break;
		case 'S':
			stop_ms =
			    (int)util_option_number("sync-once", "--stop-after", optarg, 0, 600000);
			break;
		case 'n':
			threaded =
			    (int)util_option_number("sync-once", "--thread", optarg, 0, 1000);
			break;
		default:
			fprintf(stderr, "usage: sync-once -c CONF [options]\n");
			return 2;
		}
	}
	msg_init("sync-once", false, level);
	if (conf_load(&c, path, &d) < 0) {
		diag_print(&d, stderr);
		printf("failed: %s\n", d.n ? d.msgs[0] : "configuration");
		diag_free(&d);
		return 1;
	}
	if (threaded > 0) {
		ret = run_thread(&c, &o, threaded, stop_ms);
	} else {
		ret = sync_run_once_opts(&c, &o, &r);
		if (print_outcome(r.outcome, r.version, r.reason) != (ret == 0 ? 0 : 1))
			ret = -1;
		fprintf(stderr, "sync-once: %" PRId64 " bytes downloaded\n", r.bytes_downloaded);
	}
	conf_free(&c);
	diag_free(&d);
	return ret == 0 ? 0 : 1;
}
