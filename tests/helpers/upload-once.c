/*
 * upload-once: one synchronous upload round with a station config, for
 * the system tests: makes the station key if missing (as loaxad does at
 * start), cuts what is new in the as-run log, PUTs the outbox and
 * status.json. Prints a line per step as it happens ("cut NAME",
 * "adopted SEQ", "sent NAME", "status status.json"), then "ok cut N sent N
 * outbox N" or "failed: REASON (outbox N)"; exits 0 or 1.
 *
 *   upload-once -c CONF [--cut-only] [--status JSON]
 *               [--connect-timeout S] [--low-speed-time S] [-v]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "msg.h"
#include "util.h"
#include "stationkey.h"
#include "upload.h"

static void print_step(void *ctx, const char *what, const char *name)
{
	(void)ctx;
	printf("%s %s\n", what, name);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"cut-only", no_argument, NULL, 'C'},
	    {"status", required_argument, NULL, 's'},
	    {"connect-timeout", required_argument, NULL, 'T'},
	    {"low-speed-time", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	struct upload_opts o = {.note = print_step};
	const char *path = CONF_DEFAULT_PATH, *status = NULL;
	enum msg_level level = MSG_WARNING;
	struct upload_report r;
	struct diag d = {0};
	struct conf c;
	bool cut_only = false;
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "c:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			level = MSG_DEBUG;
			break;
		case 'C':
			cut_only = true;
			break;
		case 's':
			status = optarg;
			break;
		case 'T':
			o.connect_timeout = (int)util_option_number(
			    "upload-once", "--connect-timeout", optarg, 1, 3600);
			break;
		case 't':
			o.low_speed_time = (int)util_option_number(
			    "upload-once", "--low-speed-time", optarg, 1, 3600);
			break;
		default:
			fprintf(stderr, "usage: upload-once -c CONF [--cut-only] [--status JSON] "
			                "[--connect-timeout S] [--low-speed-time S] [-v]\n");
			return 2;
		}
	}
	msg_init("upload-once", false, level);
	if (conf_load(&c, path, &d) < 0) {
		diag_print(&d, stderr);
		printf("failed: %s\n", d.n ? d.msgs[0] : "configuration");
		diag_free(&d);
		return 1;
	}
	if (stationkey_ensure(c.state_dir, c.station_id) < 0) {
		printf("failed: no station key\n");
		conf_free(&c);
		return 1;
	}
	if (cut_only)
		ret = upload_cut(c.state_dir, c.station_id, &o, &r);
	else
		ret = upload_run_once(&c, &o, status, &r);
	if (ret == 0)
		printf("ok cut %d sent %d outbox %d\n", r.cut, r.sent, r.outbox);
	else
		printf("failed: %s (outbox %d)\n", r.reason, r.outbox);
	conf_free(&c);
	diag_free(&d);
	return ret == 0 ? 0 : 1;
}
