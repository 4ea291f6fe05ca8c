/*
 * loaxactl: the operator's tool. Offline commands work on the files alone
 * (check, today, log, pubkey); the others talk to loaxad over its control
 * socket. Output is for people: aligned columns, plain words, Vietnamese
 * under a vi_VN locale.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "airlog.h"
#include "catalog.h"
#include "conf.h"
#include "control.h"
#include "i18n.h"
#include "schedule.h"
#include "station.h"
#include "util.h"

static const char *conf_path = CONF_DEFAULT_PATH;

static void usage(FILE *out)
{
	fprintf(out, "%s",
		_("Usage: loaxactl [-c CONF] COMMAND [ARGS]\n"
		  "\n"
		  "Offline (files only):\n"
		  "  check [FILE...]      check the configuration and schedules (or the FILEs)\n"
		  "  today [--date D]     what will play today (or on date D, YYYY-MM-DD)\n"
		  "  log [--date D]       what was aired today (or on date D)\n"
		  "  pubkey               print the station's public key\n"
		  "\n"
		  "Through the running daemon:\n"
		  "  status               what is on air, next session, sync, outbox, clock\n"
		  "  play ID|FILE         play a programme or file now\n"
		  "  emergency ID|FILE    interrupt whatever plays and play this now\n"
		  "  stop                 stop what is on air\n"
		  "  reload               read the schedules again\n"
		  "  sync                 fetch from the province now\n"
		  "  load FILE            check, then install a daily schedule\n"
		  "\n"
		  "  -c, --config CONF    configuration file (default /etc/loaxa/loaxad.conf)\n"
		  "  -h, --help           this help\n"));
}

static int load_conf(struct conf *c)
{
	struct diag d = {0};

	if (conf_load(c, conf_path, &d) < 0) {
		diag_print(&d, stderr);
		diag_free(&d);
		return -1;
	}
	if (c->timezone && *c->timezone) {
		setenv("TZ", c->timezone, 1);
		tzset();
	}
	return 0;
}

static int parse_date_opt(int argc, char **argv, int64_t *day)
{
	static const struct option opts[] = {{"date", required_argument, NULL, 'd'},
					     {NULL, 0, NULL, 0}};
	time_t now = time(NULL);
	struct tm tm;
	int o;

	localtime_r(&now, &tm);
	*day = sched_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	optind = 1;
	while ((o = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		if (o != 'd' || sched_parse_date(optarg, day) < 0) {
			fprintf(stderr, _("loaxactl: expected --date YYYY-MM-DD\n"));
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, _("loaxactl: unexpected argument \"%s\"\n"), argv[optind]);
		return -1;
	}
	return 0;
}

/* --- check ------------------------------------------------------------------ */

static int cmd_check(int argc, char **argv)
{
	struct diag d = {0};
	struct sched_plan plan = {0};
	struct conf c;
	bool have_conf = false;
	int rc;

	if (argc > 1) {
		/* just these files, as operator schedules */
		for (int i = 1; i < argc; i++)
			sched_load_file(&plan, argv[i], false, &d);
		if (access(conf_path, R_OK) == 0 && conf_load(&c, conf_path, &d) == 0)
			have_conf = true;
	} else {
		if (conf_load(&c, conf_path, &d) == 0) {
			struct catalog cat;

			have_conf = true;
			sched_load_dir(&plan, c.schedule_dir, &d);
			if (catalog_load(&cat, c.state_dir, c.station_id) == 0) {
				for (size_t i = 0; i < cat.nschedules; i++)
					sched_load_file(&plan, cat.schedules[i], true, &d);
				catalog_free(&cat);
			}
		}
	}
	if (have_conf) {
		sched_check_quiet(&plan, c.quiet_start, c.quiet_end, &d);
		conf_free(&c);
	}
	diag_print(&d, stderr);
	rc = d.n ? 1 : 0;
	if (!rc)
		printf(_("OK: %zu slots in %zu files\n"), plan.nslots, plan.nfiles);
	diag_free(&d);
	sched_plan_free(&plan);
	return rc;
}

/* --- today ------------------------------------------------------------------ */

struct today_ctx {
	const struct conf *conf;
	const struct catalog *cat;
	int64_t day;
};

static double today_duration(const struct sched_slot *slot, size_t i, void *ctx)
{
	const struct today_ctx *t = ctx;
	struct station_item r;
	double d;

	station_resolve_item(t->conf, t->cat, &slot->items[i], t->day, &r);
	d = r.path ? r.duration_s : 0;
	free(r.owned_path);
	return d;
}

/* Print s in exactly width columns, cut or padded. Counts UTF-8 code points,
 * not bytes: Vietnamese names are mostly multi-byte and precomposed. */
static void put_col(const char *s, int width)
{
	int cols = 0;
	const char *p = s;

	while (*p && cols < width) {
		const char *q = p + 1;

		while ((*q & 0xC0) == 0x80)
			q++;
		fwrite(p, 1, (size_t)(q - p), stdout);
		p = q;
		cols++;
	}
	for (; cols < width; cols++)
		putchar(' ');
}

static void fmt_duration(double s, char *buf, size_t n)
{
	long t = lround(s);

	if (s <= 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static int cmd_today(int argc, char **argv)
{
	struct conf c;
	struct diag d = {0};
	struct sched_plan plan = {0};
	struct catalog cat;
	struct sched_occ *occ = NULL;
	struct sched_timed *tl = NULL;
	struct today_ctx ctx;
	size_t nocc, ntl, problems = 0;
	int64_t day;
	int y, m, dd;

	if (parse_date_opt(argc, argv, &day) < 0 || load_conf(&c) < 0)
		return 2;
	if (catalog_load(&cat, c.state_dir, c.station_id) < 0)
		memset(&cat, 0, sizeof cat);
	sched_load_dir(&plan, c.schedule_dir, &d);
	for (size_t i = 0; i < cat.nschedules; i++)
		sched_load_file(&plan, cat.schedules[i], true, &d);
	sched_check_quiet(&plan, c.quiet_start, c.quiet_end, &d);
	if (d.n) {
		diag_print(&d, stderr);
		fprintf(stderr, "\n");
	}
	ctx = (struct today_ctx){&c, &cat, day};
	nocc = sched_occurrences(&plan, day * 86400, (day + 1) * 86400, &occ);
	ntl = sched_timeline(occ, nocc, today_duration, &ctx, c.quiet_start, c.quiet_end, &tl);
	sched_civil_from_days(day, &y, &m, &dd);
	printf(_("Plan for %04d-%02d-%02d — %s\n\n"), y, m, dd,
	       c.station_name ? c.station_name : c.station_id);
	if (!ntl)
		printf("%s\n", _("Nothing is scheduled."));
	else {
		/* headers are translated: pad by characters */
		put_col(_("TIME"), 8);
		printf("  ");
		put_col(_("SESSION"), 24);
		printf("  ");
		put_col(_("PROGRAMME"), 32);
		printf("  ");
		put_col(_("LENGTH"), 6);
		printf("  ");
		put_col(_("CLASS"), 9);
		printf("  %s\n", _("NOTE"));
	}
	for (size_t i = 0; i < ntl; i++) {
		const struct sched_timed *t = &tl[i];
		const struct sched_slot *slot = occ[t->occ].slot;
		const struct sched_item *it = &slot->items[t->item];
		struct station_item r;
		char hms[9], len[48], note[300] = "";
		const char *what = it->id ? it->id : it->file;

		station_resolve_item(&c, &cat, it, day, &r);
		sched_format_hms((int64_t)floor(t->start), hms);
		fmt_duration(r.path ? r.duration_s : 0, len, sizeof len);
		if (t->quiet)
			snprintf(note, sizeof note, "%s", _("WILL NOT PLAY: inside quiet hours"));
		else if (!r.path)
			snprintf(note, sizeof note, _("WILL NOT PLAY: %s"), r.reason);
		else if (t->interrupted)
			snprintf(note, sizeof note, "%s", _("cut short by a higher-priority slot"));
		else if (t->late)
			snprintf(note, sizeof note, "%s", _("late: waits for the session before"));
		if (!r.path || t->quiet)
			problems++;
		printf("%-8s  ", hms);
		put_col(slot->name, 24);
		printf("  ");
		put_col(what, 32);
		printf("  %6s  %-9s  %s\n", len, sched_prio_name(slot->prio), note);
		if (r.programme && r.programme->title && strcmp(r.programme->title, what) != 0) {
			printf("%-8s  %-24s    %s\n", "", "", r.programme->title);
		}
		free(r.owned_path);
	}
	/* programmes the province sent that no schedule uses yet */
	{
		bool header = false;

		for (size_t i = 0; i < cat.nprogrammes; i++) {
			const struct catalog_programme *p = &cat.programmes[i];
			bool used = false;

			for (size_t s = 0; s < plan.nslots && !used; s++)
				for (size_t k = 0; k < plan.slots[s].nitems && !used; k++)
					used = plan.slots[s].items[k].id &&
					       strcmp(plan.slots[s].items[k].id, p->id) == 0;
			if (used || strcmp(p->klass, "normal") != 0)
				continue;
			if (!header) {
				printf("\n%s\n", _("New from the province, not in any schedule yet:"));
				header = true;
			}
			char len[48];

			fmt_duration(p->duration_s, len, sizeof len);
			printf("  ");
			put_col(p->id, 32);
			printf("  %6s  %s\n", len, p->title ? p->title : "");
		}
	}
	if (problems)
		printf(_("\n%zu item(s) will not play; see NOTE.\n"), problems);
	free(occ);
	free(tl);
	sched_plan_free(&plan);
	catalog_free(&cat);
	diag_free(&d);
	conf_free(&c);
	return 0;
}

/* --- log -------------------------------------------------------------------- */

struct log_ctx {
	char prev[65];
	bool have_prev;
	size_t lines, broken, bad;
	double on_air_s;
};

static void hms_of(struct timespec ts, char buf[9])
{
	struct tm tm;

	if (!ts.tv_sec) {
		snprintf(buf, 9, "--:--:--");
		return;
	}
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, 9, "%H:%M:%S", &tm);
}

static void print_log_line(const struct airlog_record *rec, const char *line, void *ctxp)
{
	struct log_ctx *ctx = ctxp;
	char hash[65], when[9], len[48];
	const struct airlog_entry *e;

	ctx->lines++;
	if (!rec) {
		ctx->bad++;
		printf(_("(line %zu is not a valid log line)\n"), ctx->lines);
		return;
	}
	e = &rec->e;
	if (ctx->have_prev && strcmp(e->prev, ctx->prev) != 0)
		ctx->broken++;
	airlog_chain_hash(line, strlen(line), hash);
	memcpy(ctx->prev, hash, sizeof hash);
	ctx->have_prev = true;
	if (e->type == AIRLOG_ALERT) {
		char what[96], level[16] = "";

		hms_of(e->start.tv_sec ? e->start : e->scheduled, when);
		fmt_duration(e->played_s, len, sizeof len);
		ctx->on_air_s += e->played_s;
		if (e->repeat)
			snprintf(what, sizeof what, _("alert %d/%d"), e->repeat, e->repeats);
		else
			snprintf(what, sizeof what, "%s", e->msg_type && !strcmp(e->msg_type, "Cancel")
			                                      ? _("alert: Cancel")
			                                      : _("alert"));
		if (e->level)
			snprintf(level, sizeof level, " %d", e->level);
		printf("%s  %-11s  ", when, e->status ? e->status : "?");
		put_col(what, 20);
		printf("  ");
		put_col(e->identifier ? e->identifier : "-", 32);
		printf("  %6s  %s%s%s%s\n", len, e->severity ? e->severity : "", level,
		       e->reason ? "  " : "", e->reason ? e->reason : "");
		return;
	}
	if (e->type != AIRLOG_PLAY) {
		hms_of(e->time, when);
		printf("%s  %s\n", when,
		       e->type == AIRLOG_START ? _("--- loaxad started ---")
					       : _("--- loaxad stopped ---"));
		return;
	}
	hms_of(e->start.tv_sec ? e->start : e->scheduled, when);
	fmt_duration(e->played_s, len, sizeof len);
	ctx->on_air_s += e->played_s;
	printf("%s  %-11s  ", when, e->status ? e->status : "?");
	put_col(e->slot ? e->slot : "", 20);
	printf("  ");
	put_col(e->programme ? e->programme : (e->file ? e->file : ""), 32);
	printf("  %6s%s%s\n", len, e->reason ? "  " : "", e->reason ? e->reason : "");
}

/* airlog_read_day hands lines without their newline; the chain hashes
 * include it. */
static void log_line_cb(const struct airlog_record *rec, const char *line, void *ctx)
{
	char *with_nl = xasprintf("%s\n", line);

	print_log_line(rec, with_nl, ctx);
	free(with_nl);
}

static int cmd_log(int argc, char **argv)
{
	struct conf c;
	struct log_ctx ctx = {0};
	int64_t day;
	int y, m, d;
	char date[16], *dir;

	if (parse_date_opt(argc, argv, &day) < 0 || load_conf(&c) < 0)
		return 2;
	sched_civil_from_days(day, &y, &m, &d);
	snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
	dir = xasprintf("%s/airlog", c.state_dir);
	printf(_("As-run log for %s — %s\n\n"), date, c.station_name ? c.station_name : c.station_id);
	if (airlog_read_day(dir, date, log_line_cb, &ctx) < 0) {
		if (errno == ENOENT)
			printf("%s\n", _("Nothing was logged on that day."));
		else
			fprintf(stderr, _("loaxactl: cannot read the log: %s\n"), strerror(errno));
	} else {
		printf(_("\n%zu lines, %.1f minutes on air; "), ctx.lines, ctx.on_air_s / 60);
		if (ctx.broken || ctx.bad)
			printf(_("CHAIN BROKEN: %zu line(s) do not follow the one before\n"),
			       ctx.broken + ctx.bad);
		else
			printf("%s\n", _("chain intact"));
	}
	free(dir);
	conf_free(&c);
	return ctx.broken || ctx.bad ? 1 : 0;
}

/* --- pubkey ----------------------------------------------------------------- */

static int cmd_pubkey(void)
{
	struct conf c;
	char *path, *buf;
	size_t len;
	int rc = 0;

	if (load_conf(&c) < 0)
		return 2;
	path = xasprintf("%s/station.pub", c.state_dir);
	if (util_read_file(path, 4096, &buf, &len) < 0) {
		fprintf(stderr, _("loaxactl: no station key yet (%s: %s); loaxad creates it at its first start\n"),
			path, strerror(errno));
		rc = 1;
	} else {
		fputs(buf, stdout);
		free(buf);
	}
	free(path);
	conf_free(&c);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *cmd;
	int o;

	setlocale(LC_ALL, "");
	/* LOAXA_LOCALEDIR: translations of an uninstalled build (tests) */
	bindtextdomain("loaxa", getenv("LOAXA_LOCALEDIR") ? getenv("LOAXA_LOCALEDIR") : LOCALEDIR);
	textdomain("loaxa");
	msg_init("loaxactl", false, MSG_WARNING);
	while ((o = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc, argv);
	if (strcmp(cmd, "today") == 0)
		return cmd_today(argc, argv);
	if (strcmp(cmd, "log") == 0)
		return cmd_log(argc, argv);
	if (strcmp(cmd, "pubkey") == 0)
		return cmd_pubkey();
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	return control_command(conf_path, argc, argv);
}
