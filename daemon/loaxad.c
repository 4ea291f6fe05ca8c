/*
 * loaxad: the station daemon. Reads the config once, then runs one event
 * loop that owns every descriptor and timer: signals (signalfd), the next
 * scheduled moment (a CLOCK_REALTIME timerfd that also fires when the clock
 * is set), the player's events, and later the sync and control sockets.
 * It sleeps until something happens, and looks at the wall clock at least
 * every CLOCK_CHECK_S for a step that no timerfd reported.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/statvfs.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "airlog.h"
#include "alertwatch.h"
#include "amp.h"
#include "catalog.h"
#include "conf.h"
#include "control.h"
#include "i18n.h"
#include "msg.h"
#include "player.h"
#include "schedule.h"
#include "station.h"
#include "sync.h"
#include "sdnotify.h"
#include "stationkey.h"
#include "upload.h"
#include "util.h"

static void usage(FILE *out)
{
	fprintf(out,
	        _("Usage: loaxad [-c CONF] [--check] [--version] [--help]\n"
	          "\n"
	          "The loaxa station daemon: plays the station's schedule through the\n"
	          "loudspeakers and keeps the as-run log. Stays in the foreground.\n"
	          "\n"
	          "  -c, --config CONF  configuration file (default %s)\n"
	          "      --check        check the configuration and every schedule, then exit\n"
	          "  -v, --verbose      log debugging detail\n"
	          "      --version      print the version and exit\n"
	          "  -h, --help         print this help and exit\n"),
	        CONF_DEFAULT_PATH);
}

/* --check: the config, the operator's schedules and the province's. */
static int check_all(const struct conf *c)
{
	struct diag d = {0};
	struct sched_plan plan = {0};
	struct catalog cat;
	int rc;

	sched_load_dir(&plan, c->schedule_dir, &d);
	if (catalog_load(&cat, c->state_dir, c->station_id) == 0) {
		for (size_t i = 0; i < cat.nschedules; i++)
			sched_load_file(&plan, cat.schedules[i], true, &d);
		catalog_free(&cat);
	}
	sched_check_quiet(&plan, c->quiet_start, c->quiet_end, &d);
	diag_print(&d, stderr);
	rc = d.n ? 1 : 0;
	if (!rc)
		printf("%s\n", _("configuration OK"));
	diag_free(&d);
	sched_plan_free(&plan);
	return rc;
}

static void write_marker(struct airlog *log, const struct conf *c, enum airlog_type type,
                         const char *reason)
{
	struct airlog_entry e = {0};
	struct timespec last = airlog_last_time(log);

	e.type = type;
	e.station = c->station_id;
	e.version = LOAXA_VERSION;
	e.time = util_now_real();
	e.reason = reason;
	/* earlier than the newest line: not a clock to trust */
	e.clock_synced = util_clock_synced() && !(last.tv_sec && util_ts_diff(e.time, last) < -1.0);
	if (airlog_append(log, &e) < 0)
		log_errx("as-run log: could not record the daemon's %s",
		         type == AIRLOG_START ? "start" : "stop");
}

struct daemon {
	struct conf *conf;
	struct station *station;
	struct airlog *log;
	struct sync *sync;         /* NULL without a province manifest_url */
	struct upload *upload;     /* NULL without a province log_url */
	struct amp *amp;           /* NULL without amplifier commands */
	struct alertwatch *alerts; /* NULL when no alerts are watched */
};

static json_t *answer(bool ok, const char *fmt, ...) MSG_PRINTF(2, 3);
static json_t *answer(bool ok, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return json_pack("{s:b,s:s}", "ok", ok, "message", msg);
}

/* The loop looks at the wall clock at least this often, for a step that
 * no timerfd reported. */
#define CLOCK_CHECK_S 30
/* Seconds between tries to write as-run lines that wait for room. */
#define AIRLOG_RETRY_S 10
/* Less free than this in state_dir and the station says so. */
#define DISK_LOW_BYTES (1024.0 * 1024.0)

/* What keeps the station from writing its state, for status: "" when
 * nothing. free_bytes < 0: unknown. */
static void disk_problem(struct daemon *dm, double free_bytes, char *buf, size_t n)
{
	size_t waiting = airlog_pending(dm->log);
	int err = airlog_error(dm->log);

	if (waiting || err)
		snprintf(buf, n,
		         ngettext("the as-run log cannot be written (%s); %zu line waits in memory",
		                  "the as-run log cannot be written (%s); %zu lines wait in memory",
		                  (unsigned long)waiting),
		         util_strerror(err ? err : ENOSPC), waiting);
	else if (free_bytes >= 0 && free_bytes < DISK_LOW_BYTES)
		snprintf(buf, n, _("%s is full: %.0f KiB free"), dm->conf->state_dir,
		         free_bytes / 1024);
	else
		snprintf(buf, n, "%s", "");
}

static json_t *status_json(struct daemon *dm)
{
	struct station_now n;
	struct statvfs vfs;
	char next[40] = "", problem[600];
	double free_bytes = -1;
	json_t *a;

	station_status(dm->station, &n);
	if (n.next.tv_sec)
		util_format_time(next, sizeof next, n.next, false);
	a = json_pack("{s:b,s:s,s:s,s:s,s:s,s:s}", "ok", 1, "station", dm->conf->station_id,
	              "version", LOAXA_VERSION, "next_session", next, "next_slot", n.next_slot,
	              "clock",
	              n.clock_held ? "held: earlier than the as-run log"
	                           : (util_clock_synced() ? "synced" : "unsynced"));
	if (n.playing)
		json_object_set_new(a, "now_playing",
		                    json_pack("{s:s,s:s,s:f,s:f}", "programme", n.what, "slot",
		                              n.slot, "elapsed_s", n.elapsed_s, "duration_s",
		                              n.duration_s));
	else
		json_object_set_new(a, "now_playing", json_null());
	if (statvfs(dm->conf->state_dir, &vfs) == 0) {
		free_bytes = (double)vfs.f_bavail * (double)vfs.f_frsize;
		json_object_set_new(a, "disk_free_bytes", json_real(free_bytes));
	}
	disk_problem(dm, free_bytes, problem, sizeof problem);
	json_object_set_new(a, "disk_problem", json_string(problem));
	json_object_set_new(a, "last_seq", json_integer((json_int_t)airlog_last_seq(dm->log)));
	json_object_set_new(a, "outbox", json_integer(dm->upload ? upload_outbox(dm->upload) : 0));
	json_object_set_new(a, "amplifier",
	                    json_string(!dm->amp             ? "none"
	                                : amp_is_on(dm->amp) ? "on"
	                                                     : "off"));
	if (dm->upload) {
		char err[512];

		upload_last_error(dm->upload, err, sizeof err);
		json_object_set_new(a, "upload_error", json_string(err));
	}
	if (dm->sync) {
		struct sync_status st;
		char when[40] = "never";

		sync_get_status(dm->sync, &st);
		if (st.last_success)
			util_format_time(when, sizeof when, (struct timespec){st.last_success, 0},
			                 false);
		json_object_set_new(a, "last_sync", json_string(when));
		json_object_set_new(a, "sync_error", json_string(st.last_error));
		json_object_set_new(a, "manifest_version",
		                    json_integer((json_int_t)st.active_version));
		json_object_set_new(a, "sync", sync_status_json(&st));
	} else {
		json_object_set_new(a, "last_sync", json_string("no province configured"));
		json_object_set_new(a, "manifest_version", json_integer(0));
	}
	if (dm->alerts)
		json_object_set_new(a, "alerts", alertwatch_status_json(dm->alerts));
	return a;
}

/* "load": check the text as a schedule, then put it in place atomically. */
static json_t *load_schedule(struct daemon *dm, json_t *req)
{
	const char *arg = json_string_value(json_object_get(req, "arg"));
	const char *text = json_string_value(json_object_get(req, "text"));
	const char *base = arg ? strrchr(arg, '/') : NULL;
	struct sched_plan plan = {0};
	struct diag d = {0};
	char *tmp, *dest;
	json_t *a;

	base = base ? base + 1 : arg;
	if (!base || !text || strlen(base) < 5 || strcmp(base + strlen(base) - 4, ".cfg") != 0 ||
	    base[0] == '.')
		return answer(false, "%s", _("load needs a schedule file named NAME.cfg"));
	tmp = xasprintf("%s/.%s.new", dm->conf->schedule_dir, base);
	dest = xasprintf("%s/%s", dm->conf->schedule_dir, base);
	if (util_write_atomic(tmp, text, strlen(text), 0644) < 0) {
		a = answer(false, _("cannot write %s: %s"), tmp, util_strerror(errno));
		goto out;
	}
	sched_load_file(&plan, tmp, false, &d);
	sched_check_quiet(&plan, dm->conf->quiet_start, dm->conf->quiet_end, &d);
	if (d.n) {
		char *all = xstrdup(_("not installed; the current schedule stays:"));

		for (size_t i = 0; i < d.n; i++) {
			/* FILE:LINE names the file as the operator gave it, not
			 * the temporary copy that was checked */
			size_t tl = strlen(tmp);
			bool ours = strncmp(d.msgs[i], tmp, tl) == 0 && d.msgs[i][tl] == ':';
			char *next = xasprintf("%s\n%s%s", all, ours ? arg : "",
			                       d.msgs[i] + (ours ? tl : 0));

			free(all);
			all = next;
		}
		unlink(tmp);
		a = answer(false, "%s", all);
		free(all);
		goto out;
	}
	if (rename(tmp, dest) < 0 || util_fsync_dir(dm->conf->schedule_dir) < 0) {
		a = answer(false, _("cannot install %s: %s"), dest, util_strerror(errno));
		unlink(tmp);
		goto out;
	}
	diag_free(&d);
	station_reload(dm->station, &d);
	a = answer(true, _("installed %s (%zu slots) and reloaded"), dest, plan.nslots);
out:
	sched_plan_free(&plan);
	diag_free(&d);
	free(tmp);
	free(dest);
	return a;
}

static json_t *handle_control(const char *cmd, json_t *req, void *ctx)
{
	struct daemon *dm = ctx;
	const char *arg = json_string_value(json_object_get(req, "arg"));
	json_t *jby = json_object_get(req, "by");
	const char *by = json_string_value(jby);
	char err[300];

	if (strcmp(cmd, "status") == 0)
		return status_json(dm);
	/* who asks goes into the journal and the as-run log: it must be a
	 * short line of text */
	if (jby && (!by || !control_by_valid(by)))
		return answer(false, "%s", _("bad request: \"by\" must be a short line of text"));
	if (strcmp(cmd, "play") == 0 || strcmp(cmd, "emergency") == 0) {
		bool emergency = cmd[0] == 'e';

		if (station_play_now(dm->station, arg, emergency ? SCHED_EMERGENCY : SCHED_PRIORITY,
		                     by, err, sizeof err) < 0) {
			log_notice("operator: %s %s refused (by %s): %s", cmd, arg ? arg : "",
			           by ? by : "?", err);
			return answer(false, "%s", err);
		}
		log_notice("operator: %s %s (by %s)", cmd, arg, by ? by : "?");
		return answer(true,
		              emergency ? _("emergency: %s is going on air now")
		                        : _("%s will play now"),
		              arg);
	}
	if (strcmp(cmd, "stop") == 0) {
		log_notice("operator: stop (by %s)", by ? by : "?");
		station_stop_now(dm->station, "stopped by the operator", by);
		return answer(true, "%s", _("stopped"));
	}
	if (strcmp(cmd, "reload") == 0 || strcmp(cmd, "load") == 0 || strcmp(cmd, "sync") == 0)
		log_notice("operator: %s%s%s (by %s)", cmd, arg ? " " : "", arg ? arg : "",
		           by ? by : "?");
	if (strcmp(cmd, "reload") == 0) {
		struct diag d = {0};
		int rc = station_reload(dm->station, &d);
		json_t *a;

		if (rc == 0) {
			a = answer(true, "%s", _("schedules reloaded"));
		} else {
			char *all = xstrdup(
			    _("problems (the previous plan stays where a file is broken):"));

			for (size_t i = 0; i < d.n; i++) {
				char *next = xasprintf("%s\n%s", all, d.msgs[i]);

				free(all);
				all = next;
			}
			a = answer(false, "%s", all);
			free(all);
		}
		diag_free(&d);
		return a;
	}
	if (strcmp(cmd, "load") == 0)
		return load_schedule(dm, req);
	if (strcmp(cmd, "sync") == 0) {
		if (!dm->sync && !dm->upload)
			return answer(false, "%s", _("this station has no province configured"));
		if (dm->sync)
			sync_now(dm->sync);
		if (dm->alerts)
			alertwatch_poll_now(dm->alerts);
		if (dm->upload)
			upload_now(dm->upload);
		return answer(true, "%s", _("sync started; see loaxactl status"));
	}
	return answer(false, _("unknown command \"%s\""), cmd);
}

/* Give the upload thread the status it sends as status.json. */
static void publish_status(struct daemon *dm)
{
	json_t *st;
	char *text;

	if (!dm->upload)
		return;
	st = status_json(dm);
	json_object_del(st, "ok");
	text = json_dumps(st, JSON_COMPACT);
	if (text)
		upload_set_status(dm->upload, text);
	free(text);
	json_decref(st);
}

static void arm_timer(int tfd, struct timespec at)
{
	struct itimerspec its = {0};

	/* With nothing scheduled, still arm far ahead: only an armed timer
	 * reports that the clock was set. */
	if (!at.tv_sec)
		at.tv_sec = util_now_real().tv_sec + 86400;
	its.it_value = at;
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0)
		log_warn("timerfd_settime");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 'C'},
	    {"verbose", no_argument, NULL, 'v'},      {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
	const char *path = CONF_DEFAULT_PATH;
	bool check = false, verbose = false, running = true;
	struct conf conf;
	struct diag d = {0};
	struct airlog *log;
	struct player *player;
	struct station *station;
	struct player_config pc;
	char *announcement = NULL;
	struct control *control;
	struct daemon dm;
	struct amp *amp;
	sigset_t mask;
	uint64_t watchdog_us = 0;
	double clock_offset;
	struct timespec flush_at = {0, 0}, last_pass;
	int sfd, tfd, wfd, o;
	char *dir;

	i18n_init();
	while ((o = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("loaxad %s\n", LOAXA_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	msg_init("loaxad", !check, verbose ? MSG_DEBUG : MSG_INFO);
	if (conf_load_report(&conf, path) < 0)
		return 1;
	conf_use_timezone(&conf);
	if (check) {
		int rc = check_all(&conf);

		conf_free(&conf);
		return rc;
	}

	if (util_mkdirs(conf.state_dir, 0750) < 0)
		fatal("cannot create %s", conf.state_dir);
	dir = xasprintf("%s/airlog", conf.state_dir);
	log = airlog_open(dir);
	free(dir);
	if (!log)
		fatalx("cannot open the as-run log in %s/airlog", conf.state_dir);

	/* Blocked before the player thread exists, so that it inherits the mask
	 * and every signal reaches the signalfd. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	pc = (struct player_config){.driver = conf.audio.driver,
	                            .options = conf.audio.options,
	                            .noptions = conf.audio.noptions,
	                            .file = conf.audio.file,
	                            .rate = conf.audio.rate,
	                            .channels = conf.audio.channels};
	station_relay_player_config(&conf, &pc, &announcement);
	player = player_start(&pc);
	free(announcement);
	if (!player)
		fatalx("cannot start the player (audio driver \"%s\")", conf.audio.driver);

	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0)
		fatal("signalfd/timerfd");

	if (stationkey_ensure(conf.state_dir, conf.station_id) < 0)
		log_errx("the station key could not be made; segments cannot be signed");
	station = station_new(&conf, log, player);
	write_marker(log, &conf, AIRLOG_START, NULL);
	log_notice("loaxad %s started for station %s", LOAXA_VERSION, conf.station_id);
	station_reload(station, &d);
	diag_free(&d);
	amp = amp_new(&conf);
	dm = (struct daemon){&conf,
	                     station,
	                     log,
	                     sync_start(&conf),
	                     upload_start(&conf),
	                     amp,
	                     alertwatch_start(&conf, 0)};
	control = control_open(conf.control_socket, handle_control, &dm);
	if (!control)
		log_errx("the control socket is not available; loaxactl cannot reach the daemon");
	sdnotify("READY=1");
	log_info("ready: control socket %s", control ? conf.control_socket : "(none)");
	/* systemd's watchdog is fed from this loop, so a loop that hangs is
	 * restarted; the timer is a periodic monotonic one at half the period. */
	wfd = -1;
	watchdog_us = sdnotify_watchdog_usec();
	if (watchdog_us > 0) {
		struct itimerspec its = {0};

		watchdog_us /= 2;
		its.it_value.tv_sec = (time_t)(watchdog_us / 1000000);
		its.it_value.tv_nsec = (long)(watchdog_us % 1000000) * 1000;
		its.it_interval = its.it_value;
		wfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (wfd < 0 || timerfd_settime(wfd, 0, &its, NULL) < 0)
			log_warn("watchdog timer");
	}

	clock_offset = util_ts_diff(util_now_real(), util_now_mono());
	last_pass = util_now_mono();
	while (running) {
		struct pollfd pfd[7] = {
		    {.fd = sfd, .events = POLLIN},
		    {.fd = tfd, .events = POLLIN},
		    {.fd = player_fd(player), .events = POLLIN},
		    {.fd = control ? control_fd(control) : -1, .events = POLLIN},
		    {.fd = dm.sync ? sync_fd(dm.sync) : -1, .events = POLLIN},
		    {.fd = wfd, .events = POLLIN},
		    {.fd = dm.alerts ? alertwatch_fd(dm.alerts) : -1, .events = POLLIN}};
		struct player_event ev;
		struct sync_event sev;
		struct alertmsg am;

		{
			struct timespec now = util_now_real(), mono = util_now_mono();
			struct timespec wake, amp_wake, look;
			struct station_now sn;
			double offset = util_ts_diff(now, mono);

			/* A step of the wall clock between two passes: the
			 * timer's ECANCELED wakes the loop at once where the
			 * kernel knows of it, the CLOCK_CHECK_S wake-up below
			 * where it does not. The step may have come at any
			 * moment since the last pass. */
			if (offset - clock_offset > 1.0 || offset - clock_offset < -1.0) {
				log_notice("the wall clock moved by %.1f s: planning again",
				           offset - clock_offset);
				station_clock_changed(station, util_ts_diff(mono, last_pass));
			}
			clock_offset = offset;
			last_pass = mono;

			wake = station_step(station, now);
			station_status(station, &sn);
			amp_wake = amp_step(amp, now, station_busy(station), sn.next);
			if (amp_wake.tv_sec && (!wake.tv_sec || util_ts_diff(amp_wake, wake) < 0))
				wake = amp_wake;
			/* as-run lines waiting for room on the disk: try again
			 * every so often, not only when the next line comes */
			if (airlog_pending(log)) {
				struct timespec retry = now;

				if (!flush_at.tv_sec) {
					flush_at = mono;
					flush_at.tv_sec += AIRLOG_RETRY_S;
				} else if (util_ts_diff(mono, flush_at) >= 0) {
					airlog_flush(log);
					flush_at = mono;
					flush_at.tv_sec += AIRLOG_RETRY_S;
				}
				retry.tv_sec += (time_t)ceil(util_ts_diff(flush_at, mono));
				if (!wake.tv_sec || util_ts_diff(retry, wake) < 0)
					wake = retry;
			} else {
				flush_at = (struct timespec){0, 0};
			}
			/* never longer than CLOCK_CHECK_S without a look at the
			 * clock */
			look = now;
			look.tv_sec += CLOCK_CHECK_S;
			if (!wake.tv_sec || util_ts_diff(look, wake) < 0)
				wake = look;
			arm_timer(tfd, wake);
		}
		publish_status(&dm);
		upload_set_on_air(dm.upload, station_busy(station));
		if (poll(pfd, 7, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[1].revents & POLLIN) {
			uint64_t n;

			/* ECANCELED: the clock was set; the offset check at the top
			 * of the loop re-plans */
			if (read(tfd, &n, sizeof n) < 0 && errno == ECANCELED)
				log_debug("the wall clock was set");
		}
		while (player_read(player, &ev) == 1)
			station_player_event(station, &ev);
		while (dm.alerts && alertwatch_read(dm.alerts, &am) == 1) {
			station_alert(station, &am);
			alertmsg_free(&am);
		}
		if (pfd[3].revents & POLLIN)
			control_serve(control);
		if (pfd[5].revents & POLLIN) {
			uint64_t n;

			if (read(wfd, &n, sizeof n) > 0)
				sdnotify("WATCHDOG=1");
		}
		while (dm.sync && sync_read(dm.sync, &sev) == 1) {
			if (sev.outcome == SYNC_ACTIVATED) {
				log_notice("province manifest version %llu is active: reloading",
				           (unsigned long long)sev.version);
				station_reload(station, &d);
				diag_free(&d);
				/* parsing a large manifest leaves freed heap behind */
				malloc_trim(0);
			} else if (sev.outcome == SYNC_FAILED) {
				log_warnx("sync failed: %s", sev.reason);
			}
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo == SIGCHLD) {
					amp_reap(amp);
				} else if (si.ssi_signo == SIGHUP) {
					log_notice("SIGHUP: reloading the schedules");
					station_reload(station, &d);
					diag_free(&d);
				} else {
					log_notice("signal %u: stopping", si.ssi_signo);
					running = false;
				}
			}
		}
	}

	sdnotify("STOPPING=1");
	station_shutdown(station, "loaxad stopped", 3000);
	player_stop(player, "loaxad stopped");
	amp_shutdown(amp);
	write_marker(log, &conf, AIRLOG_STOP, NULL);
	/* the last status (status.json), which reads the sync's, the alert
	 * watcher's and the amplifier's state: before any is freed */
	publish_status(&dm);
	if (dm.sync)
		sync_stop(dm.sync);
	dm.sync = NULL;
	alertwatch_stop(dm.alerts);
	dm.alerts = NULL;
	if (dm.upload)
		upload_stop(dm.upload);
	amp_free(amp);
	dm.amp = NULL;
	control_close(control);
	station_free(station);
	airlog_close(log);
	close(sfd);
	close(tfd);
	if (wfd >= 0)
		close(wfd);
	conf_free(&conf);
	return 0;
}
