/*
 * loaxactl: the operator's tool. Offline commands work on the files alone
 * (check, today, log, pubkey); the others talk to loaxad over its control
 * socket. Output is for people: aligned columns, plain words, Vietnamese
 * under a vi_VN locale.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "airlog.h"
#include "catalog.h"
#include "conf.h"
#include "control.h"
#include "daylog.h"
#include "relaysrc.h"
#include "i18n.h"
#include "schedule.h"
#include "station.h"
#include "today.h"
#include "util.h"
#include "webauth.h"

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
	          "  passwd [--stdin] [--remove] [NAME]\n"
	          "                       set (or remove) the web page password of operator NAME\n"
	          "                       (default admin); --stdin reads it from a line of input\n"
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
	if (conf_load_report(c, conf_path) < 0)
		return -1;
	conf_use_timezone(c);
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

/* --- relays: do they answer now? --------------------------------------------- */

#define PROBE_TIMEOUT_S 5

struct probe {
	char *url;
	bool ok;
	char text[300];
};

struct probes {
	struct probe *v;
	size_t n;
};

/* The probe of url, run once per invocation. */
static const struct probe *probe_url(struct probes *ps, const char *url)
{
	struct probe *p;

	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].url, url) == 0)
			return &ps->v[i];
	ps->v = xreallocarray(ps->v, ps->n + 1, sizeof *ps->v);
	p = &ps->v[ps->n++];
	p->url = xstrdup(url);
	p->ok = relaysrc_probe(url, PROBE_TIMEOUT_S, p->text, sizeof p->text) == 0;
	return p;
}

static void probes_free(struct probes *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->v[i].url);
	free(ps->v);
}

/* Each relay of the plan: its URL (from the catalog for an id) and whether
 * it answers now. Not an error when it does not: the stream may be down
 * now and up at its time, and the fallback covers it. */
static void check_relays(const struct sched_plan *plan, const struct catalog *cat)
{
	struct probes ps = {0};

	for (size_t i = 0; i < plan->nslots; i++) {
		for (size_t k = 0; k < plan->slots[i].nitems; k++) {
			const struct sched_item *it = &plan->slots[i].items[k];
			const struct catalog_relay *cr;
			const char *url = it->relay;
			size_t before = ps.n;
			const struct probe *p;

			if (!it->relay)
				continue;
			if (!sched_is_url(it->relay)) {
				cr = cat ? catalog_find_relay(cat, it->relay) : NULL;
				if (!cr) {
					printf(
					    _("%s:%d: relay \"%s\" is not in the province catalog: "
					      "its fallback will play\n"),
					    plan->slots[i].file, it->line, it->relay);
					continue;
				}
				url = cr->url;
			}
			p = probe_url(&ps, url);
			if (ps.n == before)
				continue; /* said already */
			if (p->ok)
				printf(_("relay %s answers: %s\n"), url, p->text);
			else
				printf(_("relay %s DOES NOT ANSWER NOW: %s\n"), url, p->text);
		}
	}
	probes_free(&ps);
}

static int cmd_check(int argc, char **argv)
{
	struct diag d = {0};
	struct sched_plan plan = {0};
	struct conf c;
	bool have_conf = false, have_cat = false;
	struct catalog cat;
	int rc;

	memset(&cat, 0, sizeof cat);
	if (argc > 1) {
		/* just these files, as operator schedules */
		for (int i = 1; i < argc; i++)
			sched_load_file(&plan, argv[i], false, &d);
		if (access(conf_path, R_OK) == 0 && conf_load(&c, conf_path, &d) == 0)
			have_conf = true;
	} else {
		if (conf_load(&c, conf_path, &d) == 0) {
			have_conf = true;
			sched_load_dir(&plan, c.schedule_dir, &d);
			if (catalog_load(&cat, c.state_dir, c.station_id) == 0) {
				have_cat = true;
				for (size_t i = 0; i < cat.nschedules; i++)
					sched_load_file(&plan, cat.schedules[i], true, &d);
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
	check_relays(&plan, have_cat ? &cat : NULL);
	if (have_cat)
		catalog_free(&cat);
	diag_free(&d);
	sched_plan_free(&plan);
	return rc;
}

/* --- today ------------------------------------------------------------------ */

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
	struct today t;
	struct probes probes = {0};
	size_t problems;
	int64_t day;
	int y, m, dd;

	if (parse_date_opt(argc, argv, &day) < 0 || load_conf(&c) < 0)
		return 2;
	today_build(&t, &c, day);
	if (t.diag.n) {
		diag_print(&t.diag, stderr);
		fprintf(stderr, "\n");
	}
	sched_civil_from_days(day, &y, &m, &dd);
	printf(_("Plan for %04d-%02d-%02d — %s\n\n"), y, m, dd,
	       c.station_name ? c.station_name : c.station_id);
	if (!t.nrows)
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
	problems = t.problems;
	for (size_t i = 0; i < t.nrows; i++) {
		const struct today_row *r = &t.rows[i];
		char hms[9], len[48], note[300];
		const char *n = today_note_text(r, note, sizeof note);

		sched_format_hms((int64_t)floor(r->start), hms);
		fmt_duration(r->duration_s, len, sizeof len);
		if (r->note == TODAY_RELAY) {
			/* is the stream there now? (the web page does not ask) */
			const struct probe *p = probe_url(&probes, r->relay_url);

			if (p->ok)
				snprintf(note, sizeof note, _("relay answers now (%s)"), p->text);
			else
				snprintf(
				    note, sizeof note,
				    _("RELAY DOES NOT ANSWER NOW (%s); the fallback plays if it "
				      "does not at its time"),
				    p->text);
			if (!p->ok)
				problems++;
			n = note;
		}
		printf("%-8s  ", hms);
		put_col(r->slot->name, 24);
		printf("  ");
		put_col(r->what, 32);
		printf("  %6s  %-9s  %s\n", len, sched_prio_name(r->slot->prio), n);
		if (r->title)
			printf("%-8s  %-24s    %s\n", "", "", r->title);
		if (r->relay_title)
			printf("%-8s  %-24s    %s (%s)\n", "", "", r->relay_title, r->relay_url);
	}
	/* programmes the province sent that no schedule uses yet */
	for (size_t i = 0; i < t.nfresh; i++) {
		const struct catalog_programme *p = t.fresh[i];
		char len[48];

		if (i == 0)
			printf("\n%s\n", _("New from the province, not in any schedule yet:"));
		fmt_duration(p->duration_s, len, sizeof len);
		printf("  ");
		put_col(p->id, 32);
		printf("  %6s  %s\n", len, p->title ? p->title : "");
	}
	if (problems)
		printf(_("\n%zu item(s) will not play; see NOTE.\n"), problems);
	probes_free(&probes);
	today_free(&t);
	conf_free(&c);
	return 0;
}

/* --- log -------------------------------------------------------------------- */

static void print_log_line(const struct daylog_line *l, size_t lineno)
{
	const struct airlog_entry *e = &l->rec.e;
	char when[9], len[48];

	if (!l->valid) {
		printf(_("(line %zu is not a valid log line)\n"), lineno);
		return;
	}
	daylog_hms(e, when);
	if (e->type == AIRLOG_SWITCH) {
		printf("%s  %-11s  ", when,
		       strcmp(e->to, "relay") == 0 ? _("relay") : _("fallback"));
		put_col(e->slot ? e->slot : "", 20);
		printf("  ");
		put_col(e->relay, 32);
		printf("          %s\n", e->reason ? e->reason : "");
		return;
	}
	if (e->type == AIRLOG_ALERT) {
		char what[96], level[16] = "";

		fmt_duration(e->played_s, len, sizeof len);
		if (e->repeat)
			snprintf(what, sizeof what, _("alert %d/%d"), e->repeat, e->repeats);
		else
			snprintf(what, sizeof what, "%s",
			         e->msg_type && !strcmp(e->msg_type, "Cancel") ? _("alert: Cancel")
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
		printf("%s  %s\n", when,
		       e->type == AIRLOG_START ? _("--- loaxad started ---")
		                               : _("--- loaxad stopped ---"));
		return;
	}
	fmt_duration(e->played_s, len, sizeof len);
	printf("%s  %-11s  ", when, e->status ? e->status : "?");
	put_col(e->slot ? e->slot : "", 20);
	printf("  ");
	put_col(e->programme ? e->programme : e->file ? e->file : e->relay ? e->relay : "", 32);
	printf("  %6s%s%s", len, e->reason ? "  " : "", e->reason ? e->reason : "");
	if (e->by)
		printf("  (%s)", e->by);
	printf("\n");
}

static int cmd_log(int argc, char **argv)
{
	struct conf c;
	struct daylog dl;
	int64_t day;
	int rc;
	char date[16], *dir;

	if (parse_date_opt(argc, argv, &day) < 0 || load_conf(&c) < 0)
		return 2;
	sched_format_date(day, date, sizeof date);
	dir = xasprintf("%s/airlog", c.state_dir);
	printf(_("As-run log for %s — %s\n\n"), date,
	       c.station_name ? c.station_name : c.station_id);
	if (daylog_read(dir, date, &dl) < 0) {
		if (errno == ENOENT)
			printf("%s\n", _("Nothing was logged on that day."));
		else
			fprintf(stderr, _("loaxactl: cannot read the log: %s\n"),
			        util_strerror(errno));
	} else {
		for (size_t i = 0; i < dl.n; i++)
			print_log_line(&dl.lines[i], i + 1);
		printf(_("\n%zu lines, %.1f minutes on air; "), dl.n, dl.on_air_s / 60);
		if (dl.broken)
			printf(_("CHAIN BROKEN: %zu line(s) do not follow the one before\n"),
			       dl.broken);
		else
			printf("%s\n", _("chain intact"));
	}
	rc = dl.broken ? 1 : 0;
	daylog_free(&dl);
	free(dir);
	conf_free(&c);
	return rc;
}

/* --- passwd ------------------------------------------------------------------ */

/* One line from f without its newline, into buf; echo off when f is a
 * terminal. 0, or -1 at end of input. */
static int read_secret(FILE *f, const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	bool tty = isatty(fileno(f)) && tcgetattr(fileno(f), &old) == 0;
	size_t len;
	int rc = 0;

	if (prompt) {
		fputs(prompt, stderr);
		fflush(stderr);
	}
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(f), TCSAFLUSH, &quiet);
	}
	if (!fgets(buf, (int)n, f))
		rc = -1;
	if (tty) {
		tcsetattr(fileno(f), TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	len = rc == 0 ? strlen(buf) : 0;
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	else if (rc == 0 && len == n - 1)
		rc = -1; /* longer than any password we take */
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return rc;
}

static int cmd_passwd(int argc, char **argv)
{
	static const struct option opts[] = {{"stdin", no_argument, NULL, 's'},
	                                     {"remove", no_argument, NULL, 'r'},
	                                     {NULL, 0, NULL, 0}};
	char pw[WEBAUTH_PASSWORD_MAX + 2], again[WEBAUTH_PASSWORD_MAX + 2];
	char hash[WEBAUTH_HASH_MAX], *text, *next, *path;
	const char *name = "admin", *why;
	bool from_stdin = false, remove = false, had;
	struct conf c;
	int o, rc = 1;

	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 's')
			from_stdin = true;
		else if (o == 'r')
			remove = true;
		else
			return 2;
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind != argc) {
		fprintf(stderr, _("loaxactl: unexpected argument \"%s\"\n"), argv[optind]);
		return 2;
	}
	if (!webauth_valid_name(name)) {
		fprintf(stderr,
		        _("loaxactl: \"%s\" is not an operator name (a-z, 0-9, '.', '_', '-'; "
		          "at most 32)\n"),
		        name);
		return 2;
	}
	if (load_conf(&c) < 0)
		return 2;
	path = xasprintf("%s/%s", c.state_dir, WEBAUTH_FILE);
	text = webauth_read_file(c.state_dir);
	if (!text && errno != ENOENT) {
		fprintf(stderr, _("loaxactl: cannot read %s: %s\n"), path, strerror(errno));
		goto out;
	}
	if (remove) {
		next = webauth_file_set(text, name, NULL, &had);
		if (!had) {
			fprintf(stderr, _("loaxactl: no operator \"%s\" in %s\n"), name, path);
			free(next);
			goto out;
		}
	} else {
		FILE *in = stdin, *tty = NULL;

		if (!from_stdin) {
			tty = fopen("/dev/tty", "r+e");
			if (!tty) {
				fprintf(stderr, "%s\n",
				        _("loaxactl: no terminal to ask for the password on; use "
				          "--stdin"));
				goto out;
			}
			in = tty;
		}
		if (read_secret(in, from_stdin ? NULL : _("New password: "), pw, sizeof pw) < 0 ||
		    (!from_stdin &&
		     read_secret(in, _("The same again: "), again, sizeof again) < 0)) {
			fprintf(stderr, "%s\n", _("loaxactl: no password given; nothing changed"));
			if (tty)
				fclose(tty);
			goto out;
		}
		if (tty)
			fclose(tty);
		if (!from_stdin && strcmp(pw, again) != 0) {
			fprintf(stderr, "%s\n",
			        _("loaxactl: the two passwords differ; nothing changed"));
			goto out;
		}
		if ((why = webauth_password_problem(name, pw))) {
			fprintf(stderr, _("loaxactl: %s; nothing changed\n"), _(why));
			goto out;
		}
		if (webauth_hash(pw, hash) < 0) {
			fprintf(stderr, "%s\n",
			        _("loaxactl: not enough memory to hash the password"));
			goto out;
		}
		next = webauth_file_set(text, name, hash, &had);
	}
	if (webauth_write_file(c.state_dir, next) < 0) {
		fprintf(stderr, _("loaxactl: cannot write %s: %s\n"), path, strerror(errno));
	} else {
		if (remove)
			printf(_("Operator \"%s\" can no longer log in to the web page.\n"), name);
		else
			printf(
			    _("Operator \"%s\" can log in to the web page with this password.\n"),
			    name);
		rc = 0;
	}
	free(next);
out:
	sodium_memzero(pw, sizeof pw);
	sodium_memzero(again, sizeof again);
	free(text);
	free(path);
	conf_free(&c);
	return rc;
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
		fprintf(stderr,
		        _("loaxactl: no station key yet (%s: %s); loaxad creates it at its first "
		          "start\n"),
		        path, util_strerror(errno));
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

	i18n_init();
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
	if (strcmp(cmd, "passwd") == 0)
		return cmd_passwd(argc, argv);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	return control_command(conf_path, argc, argv);
}
