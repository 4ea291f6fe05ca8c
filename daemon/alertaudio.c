/*
 * alertaudio: lead-in tone + message into one WAV, with libsndfile.
 */
#include "alertaudio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "util.h"

#define CHUNK 4096 /* frames */

/* The tone and the pause, frame by frame, into out. */
static int write_lead_in(SNDFILE *out, int rate, int channels)
{
	sf_count_t tone = (sf_count_t)(ALERTAUDIO_TONE_S * rate);
	sf_count_t gap = (sf_count_t)(ALERTAUDIO_GAP_S * rate), ramp = rate / 100;
	float *buf = xcalloc((size_t)CHUNK * (size_t)channels, sizeof *buf);
	int ret = 0;

	for (sf_count_t f = 0; f < tone + gap && ret == 0;) {
		sf_count_t n = tone + gap - f < CHUNK ? tone + gap - f : CHUNK;

		for (sf_count_t i = 0; i < n; i++) {
			sf_count_t k = f + i;
			double v = 0;

			if (k < tone) {
				double g = 0.5;

				if (k < ramp)
					g *= (double)k / (double)ramp;
				else if (tone - k < ramp)
					g *= (double)(tone - k) / (double)ramp;
				v = g * sin(2 * M_PI * ALERTAUDIO_TONE_HZ * (double)k / rate);
			}
			for (int c = 0; c < channels; c++)
				buf[i * channels + c] = (float)v;
		}
		if (sf_writef_float(out, buf, n) != n)
			ret = -1;
		f += n;
	}
	free(buf);
	return ret;
}

int alertaudio_prepare(const char *src, const char *dst, double *duration_s, char *why,
                       size_t why_len)
{
	SF_INFO in_info = {0}, out_info = {0};
	SNDFILE *in = NULL, *out = NULL;
	char *tmp = xasprintf("%s.%ld.tmp", dst, (long)getpid()), *dircopy;
	float *buf = NULL;
	sf_count_t frames = 0, got;
	int fd = -1, ret = -1;

	fd = util_open_regular(src);
	if (fd < 0) {
		snprintf(why, why_len, _("the audio cannot be read: %s"), util_strerror(errno));
		goto out;
	}
	/* libsndfile closes the descriptor with the handle */
	in = sf_open_fd(fd, SFM_READ, &in_info, SF_TRUE);
	fd = -1;
	if (!in) {
		snprintf(why, why_len, _("the audio cannot be decoded: %s"), sf_strerror(NULL));
		goto out;
	}
	if (in_info.samplerate < 8000 || in_info.samplerate > 192000 || in_info.channels < 1 ||
	    in_info.channels > 8) {
		snprintf(why, why_len, _("the audio has %d channels at %d Hz: not usable"),
		         in_info.channels, in_info.samplerate);
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(why, why_len, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	out_info.samplerate = in_info.samplerate;
	out_info.channels = in_info.channels;
	out_info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	out = sf_open_fd(fd, SFM_WRITE, &out_info, 0);
	if (!out) {
		snprintf(why, why_len, "%s: %s", tmp, sf_strerror(NULL));
		goto out;
	}
	sf_command(out, SFC_SET_CLIPPING, NULL, SF_TRUE);
	if (write_lead_in(out, in_info.samplerate, in_info.channels) < 0) {
		snprintf(why, why_len, "%s: %s", tmp, sf_strerror(out));
		goto out;
	}
	buf = xcalloc((size_t)CHUNK * (size_t)in_info.channels, sizeof *buf);
	while ((got = sf_readf_float(in, buf, CHUNK)) > 0) {
		if (sf_writef_float(out, buf, got) != got) {
			snprintf(why, why_len, "%s: %s", tmp, sf_strerror(out));
			goto out;
		}
		frames += got;
		if (frames > (sf_count_t)ALERTAUDIO_MAX_S * in_info.samplerate) {
			snprintf(why, why_len, _("the audio is longer than %d minutes"),
			         ALERTAUDIO_MAX_S / 60);
			goto out;
		}
	}
	if (sf_error(in) != SF_ERR_NO_ERROR || frames == 0) {
		snprintf(why, why_len, _("the audio cannot be decoded: %s"),
		         frames ? sf_strerror(in) : _("no samples"));
		goto out;
	}
	if (sf_close(out) != 0) {
		out = NULL;
		snprintf(why, why_len, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	out = NULL;
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		snprintf(why, why_len, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, dst) < 0) {
		snprintf(why, why_len, "%s: %s", dst, strerror(errno));
		goto out;
	}
	dircopy = xstrdup(dst);
	util_fsync_dir(dirname(dircopy));
	free(dircopy);
	*duration_s = ALERTAUDIO_TONE_S + ALERTAUDIO_GAP_S + (double)frames / in_info.samplerate;
	ret = 0;
out:
	if (out)
		sf_close(out);
	if (fd >= 0)
		close(fd);
	if (in)
		sf_close(in);
	if (ret < 0)
		unlink(tmp);
	free(buf);
	free(tmp);
	return ret;
}
