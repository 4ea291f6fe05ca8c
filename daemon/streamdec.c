/*
 * streamdec: stream bytes to PCM in the output format. See streamdec.h.
 *
 * Both decoders give int16; libmpg123 gives it at the output rate already
 * (its NtoM synthesis), so MP3 samples only have their channels mapped on
 * the way out, the cheap path a relay that runs for hours should take.
 * AAC at another rate goes through libsamplerate (SINC_FASTEST: a relay is
 * speech and music from a lossy codec, and a Pi runs it for hours).
 */
#include "streamdec.h"

#include <mpg123.h>
#include <neaacdec.h>
#include <pthread.h>
#include <samplerate.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define STREAMDEC_AAC_BUF (64 * 1024) /* an ADTS frame is at most 8 KiB */

enum streamdec_kind { SD_UNKNOWN, SD_MP3, SD_AAC };

struct streamdec {
	enum streamdec_kind kind;
	const char *refuse; /* the Content-Type named what we cannot decode */
	int out_rate, out_channels;
	streamdec_out_fn out;
	void *ctx;
	int rate, channels; /* of the stream, 0 until known */
	uint64_t frames;

	mpg123_handle *mh;

	NeAACDecHandle aac;
	bool aac_ready;
	unsigned char *abuf;
	size_t alen;

	SRC_STATE *src; /* only while the rates differ */
	int16_t *sbuf;  /* channel-mapped int16 */
	size_t scap;    /* frames */
	float *fin, *fout;
	size_t fcap_in, fcap_out;
	bool stopped;
};

static pthread_once_t streamdec_once = PTHREAD_ONCE_INIT;

static void streamdec_global_init(void)
{
	mpg123_init();
}

/* --- format -------------------------------------------------------------- */

static enum streamdec_kind kind_of_type(const char *type, const char **refuse)
{
	static const char *const mp3[] = {"audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg",
	                                  "audio/mpg"};
	static const char *const aac[] = {"audio/aac", "audio/aacp", "audio/x-aac", "audio/x-aacp"};
	char t[64];
	size_t n;

	*refuse = NULL;
	if (!type)
		return SD_UNKNOWN;
	n = strcspn(type, "; \t");
	if (n >= sizeof t)
		return SD_UNKNOWN;
	memcpy(t, type, n);
	t[n] = '\0';
	for (size_t i = 0; i < sizeof mp3 / sizeof *mp3; i++)
		if (!strcasecmp(t, mp3[i]))
			return SD_MP3;
	for (size_t i = 0; i < sizeof aac / sizeof *aac; i++)
		if (!strcasecmp(t, aac[i]))
			return SD_AAC;
	if (!strcasecmp(t, "application/vnd.apple.mpegurl") || !strcasecmp(t, "audio/x-mpegurl") ||
	    !strcasecmp(t, "audio/mpegurl"))
		*refuse = "an HLS playlist (not supported: give the Icecast/Shoutcast URL)";
	else if (!strcasecmp(t, "audio/ogg") || !strcasecmp(t, "application/ogg") ||
	         !strcasecmp(t, "audio/opus") || !strcasecmp(t, "audio/webm"))
		*refuse = "an Ogg or WebM stream (not supported: MP3 or AAC only)";
	return SD_UNKNOWN;
}

/* From the first bytes; SD_UNKNOWN with *refuse when it is nothing we take. */
static enum streamdec_kind kind_of_bytes(const unsigned char *b, size_t n, const char **refuse)
{
	*refuse = NULL;
	if (n >= 3 && !memcmp(b, "ID3", 3))
		return SD_MP3;
	if (n >= 4 && !memcmp(b, "OggS", 4)) {
		*refuse = "an Ogg stream (not supported: MP3 or AAC only)";
		return SD_UNKNOWN;
	}
	if (n >= 7 && !memcmp(b, "#EXTM3U", 7)) {
		*refuse = "an HLS playlist (not supported: give the Icecast/Shoutcast URL)";
		return SD_UNKNOWN;
	}
	if (n >= 2 && b[0] == 0xff && (b[1] & 0xf6) == 0xf0)
		return SD_AAC; /* ADTS: sync 0xfff, layer 00 */
	if (n >= 2 && b[0] == 0xff && (b[1] & 0xe0) == 0xe0 && (b[1] & 0x06) != 0)
		return SD_MP3;
	*refuse = "neither MP3 nor AAC (ADTS)";
	return SD_UNKNOWN;
}

/* --- output -------------------------------------------------------------- */

static void grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return;
	*cap = need + need / 2;
	*p = xreallocarray(*p, *cap, size);
}

/* Mono goes to every channel; one output channel is the average of the
 * first two; otherwise channel i is the stream's channel i (or silence). */
static void map_channels(const int16_t *in, int ich, int16_t *o, int och, size_t frames)
{
	if (ich == och) {
		memcpy(o, in, frames * (size_t)ich * sizeof *in);
		return;
	}
	for (size_t f = 0; f < frames; f++, in += ich, o += och) {
		if (ich == 1) {
			for (int c = 0; c < och; c++)
				o[c] = in[0];
		} else if (och == 1) {
			o[0] = (int16_t)(((int32_t)in[0] + in[1]) / 2);
		} else {
			for (int c = 0; c < och; c++)
				o[c] = c < ich ? in[c] : 0;
		}
	}
}

static int emit(struct streamdec *d, const int16_t *pcm, size_t frames)
{
	if (frames == 0 || d->stopped)
		return d->stopped ? -1 : 0;
	d->frames += frames;
	if (d->out(d->ctx, pcm, frames) < 0) {
		d->stopped = true;
		return -1;
	}
	return 0;
}

static void set_format(struct streamdec *d, int rate, int channels)
{
	if (rate == d->rate && channels == d->channels)
		return;
	d->rate = rate;
	d->channels = channels;
	if (d->src)
		d->src = src_delete(d->src);
	if (rate != d->out_rate) {
		int err;

		d->src = src_new(SRC_SINC_FASTEST, d->out_channels, &err);
		if (!d->src)
			fatalx("libsamplerate: %s", src_strerror(err));
	}
}

/* Decoded int16 at the stream's format: to the output format and out. */
static int deliver(struct streamdec *d, const int16_t *pcm, size_t frames)
{
	size_t och = (size_t)d->out_channels;
	SRC_DATA sd;

	if (frames == 0)
		return 0;
	grow((void **)&d->sbuf, &d->scap, frames, och * sizeof *d->sbuf);
	map_channels(pcm, d->channels, d->sbuf, d->out_channels, frames);
	if (!d->src)
		return emit(d, d->sbuf, frames);

	grow((void **)&d->fin, &d->fcap_in, frames, och * sizeof *d->fin);
	src_short_to_float_array(d->sbuf, d->fin, (int)(frames * och));
	memset(&sd, 0, sizeof sd);
	sd.data_in = d->fin;
	sd.input_frames = (long)frames;
	sd.src_ratio = (double)d->out_rate / d->rate;
	while (sd.input_frames > 0) {
		size_t want = (size_t)((double)sd.input_frames * sd.src_ratio) + 64;
		int err;

		grow((void **)&d->fout, &d->fcap_out, want, och * sizeof *d->fout);
		sd.data_out = d->fout;
		sd.output_frames = (long)want;
		err = src_process(d->src, &sd);
		if (err)
			fatalx("libsamplerate: %s", src_strerror(err));
		if (sd.output_frames_gen > 0) {
			size_t n = (size_t)sd.output_frames_gen;

			grow((void **)&d->sbuf, &d->scap, n, och * sizeof *d->sbuf);
			src_float_to_short_array(d->fout, d->sbuf, (int)(n * och));
			if (emit(d, d->sbuf, n) < 0)
				return -1;
		}
		sd.data_in += sd.input_frames_used * (long)och;
		sd.input_frames -= sd.input_frames_used;
		if (sd.input_frames_used == 0 && sd.output_frames_gen == 0)
			break;
	}
	return 0;
}

/* --- MP3 ------------------------------------------------------------------- */

static int mp3_open(struct streamdec *d, char *why, size_t whylen)
{
	const long *rates;
	size_t nrates;
	int err;

	d->mh = mpg123_new(NULL, &err);
	if (!d->mh) {
		snprintf(why, whylen, "libmpg123: %s", mpg123_plain_strerror(err));
		return -1;
	}
	mpg123_param(d->mh, MPG123_ADD_FLAGS, MPG123_QUIET, 0);
	/* Another rate is converted inside the decoder's synthesis (libmpg123's
	 * NtoM): no cost beyond decoding, where libsamplerate would triple the
	 * relay's CPU (b70-relay). */
	mpg123_param(d->mh, MPG123_FORCE_RATE, d->out_rate, 0);
	/* int16 at the stream's rate, mono or stereo, whatever comes */
	mpg123_format_none(d->mh);
	mpg123_rates(&rates, &nrates);
	for (size_t i = 0; i < nrates; i++)
		mpg123_format(d->mh, rates[i], MPG123_MONO | MPG123_STEREO, MPG123_ENC_SIGNED_16);
	if (mpg123_open_feed(d->mh) != MPG123_OK) {
		snprintf(why, whylen, "libmpg123: %s", mpg123_strerror(d->mh));
		return -1;
	}
	return 0;
}

static int mp3_feed(struct streamdec *d, const void *buf, size_t len, char *why, size_t whylen)
{
	if (mpg123_feed(d->mh, buf, len) != MPG123_OK) {
		snprintf(why, whylen, "libmpg123: %s", mpg123_strerror(d->mh));
		return -1;
	}
	for (;;) {
		unsigned char *audio;
		size_t bytes;
		off_t num;
		int r = mpg123_decode_frame(d->mh, &num, &audio, &bytes);

		if (r == MPG123_NEW_FORMAT) {
			long rate;
			int ch, enc;

			mpg123_getformat(d->mh, &rate, &ch, &enc);
			set_format(d, (int)rate, ch);
			continue;
		}
		if (r == MPG123_NEED_MORE || r == MPG123_DONE)
			return 0;
		if (r != MPG123_OK) {
			snprintf(why, whylen, "MP3: %s", mpg123_strerror(d->mh));
			return -1;
		}
		if (d->channels > 0 &&
		    deliver(d, (const int16_t *)(void *)audio,
		            bytes / (sizeof(int16_t) * (size_t)d->channels)) < 0) {
			snprintf(why, whylen, "stopped");
			return -1;
		}
	}
}

/* --- AAC (ADTS) ------------------------------------------------------------ */

static int aac_open(struct streamdec *d, char *why, size_t whylen)
{
	NeAACDecConfigurationPtr cfg;

	d->aac = NeAACDecOpen();
	if (!d->aac) {
		snprintf(why, whylen, "libfaad: cannot open a decoder");
		return -1;
	}
	cfg = NeAACDecGetCurrentConfiguration(d->aac);
	cfg->outputFormat = FAAD_FMT_16BIT;
	cfg->downMatrix = 1; /* 5.1 to stereo */
	NeAACDecSetConfiguration(d->aac, cfg);
	d->abuf = xmalloc(STREAMDEC_AAC_BUF);
	return 0;
}

/* Offset of the next ADTS header in the buffer from `from`, or alen. */
static size_t aac_sync(const struct streamdec *d, size_t from)
{
	for (size_t i = from; i + 1 < d->alen; i++)
		if (d->abuf[i] == 0xff && (d->abuf[i + 1] & 0xf6) == 0xf0)
			return i;
	return d->alen ? d->alen - 1 : 0;
}

static void aac_drop(struct streamdec *d, size_t n)
{
	memmove(d->abuf, d->abuf + n, d->alen - n);
	d->alen -= n;
}

static int aac_frames(struct streamdec *d, char *why, size_t whylen)
{
	for (;;) {
		const unsigned char *h;
		size_t at = aac_sync(d, 0), flen;
		NeAACDecFrameInfo fi;
		void *pcm;

		aac_drop(d, at);
		if (d->alen < 9)
			return 0;
		h = d->abuf;
		flen = ((size_t)(h[3] & 0x03) << 11) | ((size_t)h[4] << 3) | (h[5] >> 5);
		if (flen < 7) {
			aac_drop(d, 1); /* not a header after all */
			continue;
		}
		if (d->alen < flen)
			return 0;
		if (!d->aac_ready) {
			unsigned long rate;
			unsigned char ch;

			if (NeAACDecInit(d->aac, d->abuf, (unsigned long)d->alen, &rate, &ch) < 0) {
				aac_drop(d, 1);
				continue;
			}
			d->aac_ready = true;
		}
		memset(&fi, 0, sizeof fi);
		pcm = NeAACDecDecode(d->aac, &fi, d->abuf, (unsigned long)flen);
		if (fi.error) {
			/* a damaged frame: skip it, as a radio would */
			aac_drop(d, 1);
			continue;
		}
		aac_drop(d, fi.bytesconsumed ? (fi.bytesconsumed < flen ? flen : fi.bytesconsumed)
		                             : flen);
		if (!pcm || fi.samples == 0 || fi.channels == 0)
			continue;
		set_format(d, (int)fi.samplerate, fi.channels);
		if (deliver(d, pcm, fi.samples / fi.channels) < 0) {
			snprintf(why, whylen, "stopped");
			return -1;
		}
	}
}

static int aac_feed(struct streamdec *d, const void *buf, size_t len, char *why, size_t whylen)
{
	const unsigned char *p = buf;

	while (len > 0) {
		size_t n = STREAMDEC_AAC_BUF - d->alen;

		if (n == 0) {
			/* a full buffer without a whole frame: garbage */
			aac_drop(d, STREAMDEC_AAC_BUF / 2);
			continue;
		}
		if (n > len)
			n = len;
		memcpy(d->abuf + d->alen, p, n);
		d->alen += n;
		p += n;
		len -= n;
		if (aac_frames(d, why, whylen) < 0)
			return -1;
	}
	return 0;
}

/* --- public ------------------------------------------------------------------ */

struct streamdec *streamdec_new(const char *content_type, int out_rate, int out_channels,
                                streamdec_out_fn out, void *ctx)
{
	struct streamdec *d = xcalloc(1, sizeof *d);
	pthread_once(&streamdec_once, streamdec_global_init);
	d->out_rate = out_rate;
	d->out_channels = out_channels;
	d->out = out;
	d->ctx = ctx;
	d->kind = kind_of_type(content_type, &d->refuse);
	return d;
}

int streamdec_feed(struct streamdec *d, const void *buf, size_t len, char *why, size_t whylen)
{
	if (d->stopped) {
		snprintf(why, whylen, "stopped");
		return -1;
	}
	if (d->refuse) {
		snprintf(why, whylen, "the stream is %s", d->refuse);
		return -1;
	}
	if (d->kind == SD_UNKNOWN) {
		const char *refuse;

		/* The header said nothing useful: the bytes decide. */
		d->kind = kind_of_bytes(buf, len, &refuse);
		if (d->kind == SD_UNKNOWN) {
			if (len < 8 && !refuse)
				return 0;
			snprintf(why, whylen, "the stream is %s", refuse ? refuse : "not audio");
			return -1;
		}
	}
	if (!d->mh && !d->aac &&
	    (d->kind == SD_MP3 ? mp3_open(d, why, whylen) : aac_open(d, why, whylen)) < 0)
		return -1;
	if (len == 0)
		return 0;
	return d->kind == SD_MP3 ? mp3_feed(d, buf, len, why, whylen)
	                         : aac_feed(d, buf, len, why, whylen);
}

const char *streamdec_format(const struct streamdec *d)
{
	return d->kind == SD_MP3 ? "mp3" : d->kind == SD_AAC ? "aac" : "";
}

int streamdec_rate(const struct streamdec *d)
{
	return d->rate;
}

int streamdec_channels(const struct streamdec *d)
{
	return d->channels;
}

uint64_t streamdec_frames(const struct streamdec *d)
{
	return d->frames;
}

void streamdec_free(struct streamdec *d)
{
	if (!d)
		return;
	if (d->mh)
		mpg123_delete(d->mh);
	if (d->aac)
		NeAACDecClose(d->aac);
	if (d->src)
		src_delete(d->src);
	free(d->abuf);
	free(d->sbuf);
	free(d->fin);
	free(d->fout);
	free(d);
}
