/*
 * loaxa-web: the operator's web page, a companion process of loaxad.
 *
 * It reads the same config, listens on web.listen (off when unset), and
 * serves the pages of webpages.c through web.c (libmicrohttpd, GnuTLS for
 * HTTPS). It changes nothing itself but uploaded recordings in audio_dir:
 * every action is a request on loaxad's control socket, as loaxactl's
 * are, so the daemon that drives the loudspeakers never maps an HTTP
 * server or TLS. One thread, one event loop: signals and HTTP.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "i18n.h"
#include "msg.h"
#include "sdnotify.h"
#include "util.h"
#include "web.h"
#include "webfile.h"
#include "webpages.h"

/* A PEM certificate or key is a few KiB. */
#define PEM_MAX (256 * 1024)

static void usage(FILE *out)
{
	fprintf(out,
	        _("Usage: loaxa-web [-c CONF] [--version] [--help]\n"
	          "\n"
	          "The operator's web page of a loaxa station: on air, today's plan, the as-run\n"
	          "log, play now and emergency, upload, daily schedules, station health. Listens\n"
	          "on web.listen of the configuration (off when it is not set) and acts through\n"
	          "loaxad's control socket. Stays in the foreground.\n"
	          "\n"
	          "  -c, --config CONF  configuration file (default %s)\n"
	          "      --version      print the version and exit\n"
	          "  -h, --help         print this help and exit\n"),
	        CONF_DEFAULT_PATH);
}

/* SHA-256 of the first certificate's DER bytes, as browsers show it
 * ("AB:CD:..."), or NULL when the PEM text holds none. */
static char *fingerprint(const char *pem)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----",
	                  end[] = "-----END CERTIFICATE-----";
	const char *b = strstr(pem, begin), *e = b ? strstr(b, end) : NULL;
	unsigned char *der, hash[32];
	size_t derlen, cap;
	char *out;

	if (!b || !e)
		return NULL;
	b += sizeof begin - 1;
	cap = (size_t)(e - b);
	der = xmalloc(cap);
	if (sodium_base642bin(der, cap, b, (size_t)(e - b), " \t\r\n", &derlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(der);
		return NULL;
	}
	crypto_hash_sha256(hash, der, derlen);
	free(der);
	out = xmalloc(32 * 3);
	for (int i = 0; i < 32; i++)
		snprintf(out + 3 * i, 4, "%02X%s", hash[i], i < 31 ? ":" : "");
	return out;
}

static char *read_pem(const char *path, const char *what)
{
	char *text;
	size_t len;

	if (util_read_file(path, PEM_MAX, &text, &len) < 0) {
		log_err("web.%s %s", what, path);
		return NULL;
	}
	return text;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
	                                     {"version", no_argument, NULL, 'V'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *path = CONF_DEFAULT_PATH, *loc;
	char tmpdir[] = "/tmp/loaxa-web.XXXXXX", *cert = NULL, *key = NULL, *fp = NULL;
	struct webpages *pages;
	struct web *web;
	struct conf conf;
	sigset_t mask;
	bool running = true;
	int sfd, o;

	i18n_init();
	/* Pages switch gettext's language per request through LANGUAGE, which
	 * gettext ignores under the plain C locale. */
	loc = setlocale(LC_MESSAGES, NULL);
	if (!loc || strcmp(loc, "C") == 0 || strcmp(loc, "POSIX") == 0)
		setlocale(LC_ALL, "C.UTF-8");
	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			path = optarg;
			break;
		case 'V':
			printf("loaxa-web %s\n", LOAXA_VERSION);
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
	msg_init("loaxa-web", true, MSG_INFO);
	if (conf_load_report(&conf, path) < 0)
		return 1;
	if (!conf.web.listen) {
		/* not an error: the page is off unless the operator turns it on */
		fprintf(stderr, _("loaxa-web: the web page is off (%s sets no web.listen)\n"),
		        path);
		conf_free(&conf);
		return 0;
	}
	conf_use_timezone(&conf);
	if (conf.web.tls_cert) {
		cert = read_pem(conf.web.tls_cert, "tls_cert");
		key = cert ? read_pem(conf.web.tls_key, "tls_key") : NULL;
		fp = cert ? fingerprint(cert) : NULL;
		if (!cert || !key || !fp) {
			if (cert && !fp)
				log_errx("web.tls_cert %s: no PEM certificate in it",
				         conf.web.tls_cert);
			free(cert);
			free(key);
			conf_free(&conf);
			return 1;
		}
	}
	if (getenv("TMPDIR") && *getenv("TMPDIR")) {
		char *t = xasprintf("%s/loaxa-web.XXXXXX", getenv("TMPDIR"));

		if (strlen(t) < sizeof tmpdir)
			memcpy(tmpdir, t, strlen(t) + 1);
		free(t);
	}
	if (!mkdtemp(tmpdir))
		fatal("cannot make a private folder in /tmp");

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		fatal("signalfd");

	webfile_clean(conf.audio_dir);
	pages = webpages_new(&conf, tmpdir);
	webpages_set_fingerprint(pages, fp);
	web = web_start(&conf, pages, cert, key);
	if (key)
		sodium_memzero(key, strlen(key));
	if (!web) {
		webpages_free(pages);
		rmdir(tmpdir);
		free(cert);
		free(key);
		free(fp);
		conf_free(&conf);
		return 1;
	}
	log_notice("loaxa-web %s: the web page is at %s://%s/ for station %s", LOAXA_VERSION,
	           cert ? "https" : "http", conf.web.listen, conf.station_id);
	if (fp)
		log_notice("TLS certificate SHA-256 fingerprint %s", fp);
	sdnotify("READY=1");

	while (running) {
		struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN},
		                        {.fd = web_fd(web), .events = POLLIN}};

		if (poll(pfd, 2, web_timeout_ms(web)) < 0 && errno != EINTR)
			fatal("poll");
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo == SIGHUP)
					continue; /* the password file is read at each login anyway
					           */
				log_notice("signal %u: stopping", si.ssi_signo);
				running = false;
			}
		}
		web_run(web);
	}
	sdnotify("STOPPING=1");
	web_stop(web);
	webpages_free(pages);
	rmdir(tmpdir);
	close(sfd);
	free(cert);
	free(key);
	free(fp);
	conf_free(&conf);
	return 0;
}
