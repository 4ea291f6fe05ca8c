/*
 * loaxad-speak: a disaster warning that came as text, spoken in
 * Vietnamese (libespeak-ng), run by the alert watcher so that neither the
 * synthesiser nor its voice data ever lives in the daemon. Not for
 * people: its man page is loaxad(8).
 *
 *   loaxad-speak [--voice NAME] [--rate WPM] [--southern] [--raw] --out FILE
 *   loaxad-speak [--southern] --normalise
 *
 * Reads the UTF-8 text on standard input (at most VNNORM_MAX_INPUT bytes),
 * puts numbers, dates, times and units into words (vnnorm.h; --raw: not),
 * and writes the speech to FILE as a 16-bit mono WAV at the synthesiser's
 * rate, crash-safely (a temporary file beside it, fsync, rename, fsync of
 * the folder). --normalise prints the text as it would be spoken and
 * stops. Exit status 0, 1 when the speech could not be made (the reason
 * on standard error), 2 on wrong usage.
 */
#include <errno.h>
#include <espeak-ng/espeak_ng.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "msg.h"
#include "util.h"
#include "vnnorm.h"

#define DEFAULT_VOICE "vi"

struct speech {
	SNDFILE *out;
	sf_count_t frames;
	bool failed;
};

static int on_samples(short *wav, int n, espeak_EVENT *events)
{
	struct speech *sp = events ? events->user_data : NULL;

	if (!sp || !wav || n <= 0)
		return 0;
	if (sf_writef_short(sp->out, wav, n) != n) {
		sp->failed = true;
		return 1; /* stop */
	}
	sp->frames += n;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: loaxad-speak [--voice NAME] [--rate WPM] [--southern] [--raw] "
	                "--out FILE < TEXT\n"
	                "       loaxad-speak [--southern] --normalise < TEXT\n"
	                "(run by loaxad-net; see loaxad(8))\n");
	exit(2);
}

static char *read_stdin(void)
{
	char *text = xmalloc(VNNORM_MAX_INPUT + 1);
	size_t len = 0;

	while (len < VNNORM_MAX_INPUT) {
		ssize_t n = read(STDIN_FILENO, text + len, VNNORM_MAX_INPUT - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	/* a NUL inside would end the text early: read it as a space */
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\0')
			text[i] = ' ';
	return text;
}

static void espeak_fail(espeak_ng_STATUS st, const char *what)
{
	char msg[256];

	espeak_ng_GetStatusCodeMessage(st, msg, sizeof msg);
	log_warnx(_("speech: %s: %s"), what, msg);
}

static int speak(const char *text, const char *voice, int rate_wpm, const char *path)
{
	espeak_ng_ERROR_CONTEXT ctx = NULL;
	espeak_ng_STATUS st;
	struct speech sp = {0};
	SF_INFO info = {0};
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid()), *dircopy;
	int fd = -1, ret = 1;

	espeak_ng_InitializePath(NULL);
	st = espeak_ng_Initialize(&ctx);
	if (st != ENS_OK) {
		espeak_fail(st, _("cannot start the synthesiser (is espeak-ng-data installed?)"));
		espeak_ng_ClearErrorContext(&ctx);
		free(tmp);
		return 1;
	}
	st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL);
	if (st == ENS_OK)
		st = espeak_ng_SetVoiceByName(voice);
	if (st != ENS_OK) {
		espeak_fail(st, voice);
		goto out;
	}
	if (rate_wpm)
		espeak_ng_SetParameter(espeakRATE, rate_wpm, 0);
	espeak_SetSynthCallback(on_samples);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		log_warn("%s", tmp);
		goto out;
	}
	info.samplerate = espeak_ng_GetSampleRate();
	info.channels = 1;
	info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	sp.out = sf_open_fd(fd, SFM_WRITE, &info, 0);
	if (!sp.out) {
		log_warnx("%s: %s", tmp, sf_strerror(NULL));
		goto out;
	}
	st = espeak_ng_Synthesize(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
	                          NULL, &sp);
	if (st == ENS_OK)
		st = espeak_ng_Synchronize();
	if (st != ENS_OK) {
		espeak_fail(st, _("synthesis failed"));
		goto out;
	}
	if (sp.failed || sp.frames == 0) {
		log_warnx(_("speech: %s"),
		          sp.failed ? sf_strerror(sp.out) : _("no sound came out"));
		goto out;
	}
	if (sf_close(sp.out) != 0 || fsync(fd) < 0) {
		sp.out = NULL;
		log_warn("%s", tmp);
		goto out;
	}
	sp.out = NULL;
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		fd = -1;
		log_warn("%s", path);
		goto out;
	}
	fd = -1;
	dircopy = xstrdup(path);
	util_fsync_dir(dirname(dircopy));
	free(dircopy);
	ret = 0;
out:
	if (sp.out)
		sf_close(sp.out);
	if (fd >= 0)
		close(fd);
	if (ret)
		unlink(tmp);
	espeak_ng_Terminate();
	free(tmp);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"voice", required_argument, NULL, 'v'},
	    {"rate", required_argument, NULL, 'r'},
	    {"southern", no_argument, NULL, 's'},
	    {"raw", no_argument, NULL, 'R'},
	    {"out", required_argument, NULL, 'o'},
	    {"normalise", no_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *voice = DEFAULT_VOICE, *out = NULL;
	bool normalise_only = false, raw = false;
	unsigned flags = 0;
	int rate = 0, o, ret;
	char *text, *spoken;

	i18n_init();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'v':
			voice = optarg;
			break;
		case 'r':
			rate = (int)util_option_number("loaxad-speak", "--rate", optarg,
			                               espeakRATE_MINIMUM, espeakRATE_MAXIMUM);
			break;
		case 's':
			flags |= VNNORM_SOUTHERN;
			break;
		case 'R':
			raw = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'n':
			normalise_only = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (!out && !normalise_only) || (out && normalise_only))
		usage();
	msg_init("loaxad-speak", !normalise_only, MSG_INFO);
	text = read_stdin();
	spoken = raw ? xstrdup(text) : vnnorm_text(text, flags);
	free(text);
	if (normalise_only) {
		ret = printf("%s\n", spoken) < 0 || fflush(stdout) != 0 ? 1 : 0;
	} else if (!spoken[strspn(spoken, " \t\r\n")]) {
		log_warnx("%s", _("speech: there is no text to speak"));
		ret = 1;
	} else {
		ret = speak(spoken, voice, rate, out);
	}
	free(spoken);
	return ret;
}
