/*
 * decode: libsndfile in, libsamplerate between, floats in the output
 * format out; channel mapping and truncation detection on the way. A
 * 16-bit file already in the output format skips all of it.
 */
#include "decode.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <samplerate.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Frames read from the file (and resampled) per step: ~20 ms at 48 kHz. */
#define DECODE_CHUNK        1024
#define DECODE_MAX_CHANNELS 64
#define DECODE_MIN_RATE     1000
#define DECODE_MAX_RATE     768000

struct decode {
	SNDFILE *sf;
	int fd;
	struct decode_info info;
	int out_rate;
	int out_channels;
	int work_channels; /* what the resampler sees: min(file, out), 1 for mono out */
	SRC_STATE *src;
	double ratio;
	float *in;  /* DECODE_CHUNK file frames; reduced in place to work_channels */
	float *mid; /* resampler output before widening to out_channels */
	long in_pos, in_len;
	int64_t frames_read;
	int64_t tolerance; /* frames an honest file may come up short */
	bool native_s16;   /* decode_read_s16() may be used */
	bool eof;
	bool truncated;
	char error[128];
};

static uint32_t le32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/*
 * libsndfile quietly shortens a WAV whose data chunk runs past the end of
 * the file, which would make a cut-off download look complete. Read the
 * length the header declares. -1 when it cannot tell (streaming writers put
 * 0 or 0xffffffff there).
 */
static int64_t wav_declared_frames(int fd, off_t filesize)
{
	unsigned char riff[12], chunk[8], fmt[16];
	unsigned block_align = 0;
	off_t off = 12;

	if (pread(fd, riff, sizeof riff, 0) != (ssize_t)sizeof riff || memcmp(riff, "RIFF", 4) ||
	    memcmp(riff + 8, "WAVE", 4))
		return -1;
	for (int i = 0; i < 64 && off + 8 <= filesize; i++) {
		uint32_t size;

		if (pread(fd, chunk, sizeof chunk, off) != (ssize_t)sizeof chunk)
			return -1;
		size = le32(chunk + 4);
		if (!memcmp(chunk, "fmt ", 4)) {
			if (size < 16 || pread(fd, fmt, sizeof fmt, off + 8) != (ssize_t)sizeof fmt)
				return -1;
			block_align = (unsigned)fmt[12] | (unsigned)fmt[13] << 8;
		} else if (!memcmp(chunk, "data", 4)) {
			if (!block_align || size == 0 || size == UINT32_MAX)
				return -1;
			return size / block_align;
		}
		off += 8 + (off_t)size + (size & 1);
	}
	return -1;
}

static bool decode_is_plain_wav(int format)
{
	int type = format & SF_FORMAT_TYPEMASK, sub = format & SF_FORMAT_SUBMASK;

	if (type != SF_FORMAT_WAV && type != SF_FORMAT_WAVEX)
		return false;
	switch (sub) {
	case SF_FORMAT_PCM_U8:
	case SF_FORMAT_PCM_16:
	case SF_FORMAT_PCM_24:
	case SF_FORMAT_PCM_32:
	case SF_FORMAT_FLOAT:
	case SF_FORMAT_DOUBLE:
	case SF_FORMAT_ULAW:
	case SF_FORMAT_ALAW:
		return true;
	default:
		return false;
	}
}

/* Integers of at most 16 bits: sf_readf_short() gives them unchanged. */
static bool decode_is_16_bit_or_less(int format)
{
	switch (format & SF_FORMAT_SUBMASK) {
	case SF_FORMAT_PCM_S8:
	case SF_FORMAT_PCM_U8:
	case SF_FORMAT_PCM_16:
	case SF_FORMAT_ULAW:
	case SF_FORMAT_ALAW:
		return true;
	default:
		return false;
	}
}

static void decode_set_why(char *why, size_t whylen, const char *text)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", text);
}

/* Read a file's header; fills d->info and d->tolerance. */
static enum decode_result decode_probe(struct decode *d, const char *path, char *why, size_t whylen)
{
	SF_INFO sfi = {0};
	struct stat st;
	int64_t declared;

	/* A FIFO put where a programme should be must not hang us. */
	d->fd = util_open_regular(path);
	if (d->fd < 0) {
		int err = errno;

		decode_set_why(why, whylen, util_strerror(err));
		return err == ENOENT         ? DECODE_MISSING
		       : err == UTIL_ENOTREG ? DECODE_NOT_REGULAR
		                             : DECODE_UNREADABLE;
	}
	if (fstat(d->fd, &st) < 0) {
		decode_set_why(why, whylen, util_strerror(errno));
		return DECODE_UNREADABLE;
	}
	d->sf = sf_open_fd(d->fd, SFM_READ, &sfi, SF_FALSE);
	if (!d->sf) {
		decode_set_why(why, whylen, sf_strerror(NULL));
		return DECODE_NOT_AUDIO;
	}
	if (sfi.samplerate < DECODE_MIN_RATE || sfi.samplerate > DECODE_MAX_RATE) {
		decode_set_why(why, whylen, "unsupported sample rate");
		return DECODE_NOT_AUDIO;
	}
	if (sfi.channels < 1 || sfi.channels > DECODE_MAX_CHANNELS) {
		decode_set_why(why, whylen, "unsupported channel count");
		return DECODE_NOT_AUDIO;
	}
	d->info.rate = sfi.samplerate;
	d->info.channels = sfi.channels;
	d->info.format = sfi.format;
	d->info.frames = sfi.frames > 0 && sfi.frames < SF_COUNT_MAX ? (int64_t)sfi.frames : -1;
	if (decode_is_plain_wav(sfi.format)) {
		declared = wav_declared_frames(d->fd, st.st_size);
		if (declared > d->info.frames)
			d->info.frames = declared;
	}
	d->info.duration_s = d->info.frames > 0 ? (double)d->info.frames / sfi.samplerate : 0.0;
	/* MP3 frame counts include the encoder's padding, which never decodes. */
	if ((sfi.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG)
		d->tolerance = sfi.samplerate / 8;
	return DECODE_OK;
}

enum decode_result decode_open(struct decode **dp, const char *path, int out_rate, int out_channels,
                               char *why, size_t whylen)
{
	struct decode *d = xcalloc(1, sizeof *d);
	enum decode_result r;
	int err;

	*dp = NULL;
	d->fd = -1;
	decode_set_why(why, whylen, "");
	r = decode_probe(d, path, why, whylen);
	if (r != DECODE_OK) {
		decode_close(d);
		return r;
	}
	d->out_rate = out_rate > 0 ? out_rate : d->info.rate;
	d->out_channels = out_channels > 0 ? out_channels : d->info.channels;
	if (d->out_channels == 1)
		d->work_channels = 1;
	else if (d->info.channels < d->out_channels)
		d->work_channels = d->info.channels;
	else
		d->work_channels = d->out_channels;
	d->in = xreallocarray(NULL, (size_t)DECODE_CHUNK * (size_t)d->info.channels, sizeof(float));
	if (d->out_rate != d->info.rate) {
		d->ratio = (double)d->out_rate / d->info.rate;
		if (!src_is_valid_ratio(d->ratio)) {
			decode_set_why(why, whylen, "sample rate too far from the output rate");
			decode_close(d);
			return DECODE_NOT_AUDIO;
		}
		d->src = src_new(SRC_SINC_FASTEST, d->work_channels, &err);
		if (!d->src) {
			decode_set_why(why, whylen, src_strerror(err));
			decode_close(d);
			return DECODE_NOT_AUDIO;
		}
		if (d->work_channels != d->out_channels)
			d->mid = xreallocarray(
			    NULL, (size_t)DECODE_CHUNK * (size_t)d->work_channels, sizeof(float));
	}
	d->native_s16 = !d->src && d->info.channels == d->out_channels &&
	                decode_is_16_bit_or_less(d->info.format);
	*dp = d;
	return DECODE_OK;
}

const struct decode_info *decode_info(const struct decode *d)
{
	return &d->info;
}

int decode_out_rate(const struct decode *d)
{
	return d->out_rate;
}

int decode_out_channels(const struct decode *d)
{
	return d->out_channels;
}

/*
 * frames of n_in channels to n_out channels. In place is fine when
 * n_out <= n_in (each frame is read before anything after it is written).
 */
static void decode_map(const float *in, int n_in, float *out, int n_out, long frames)
{
	if (n_out == 1 && n_in >= 2) {
		for (long i = 0; i < frames; i++)
			out[i] = 0.5f * (in[i * n_in] + in[i * n_in + 1]);
	} else if (n_in == 1 && n_out == 2) {
		for (long i = 0; i < frames; i++)
			out[2 * i] = out[2 * i + 1] = in[i];
	} else if (n_out <= n_in) {
		for (long i = 0; i < frames; i++)
			for (int c = 0; c < n_out; c++)
				out[i * n_out + c] = in[i * n_in + c];
	} else {
		/* Widening: repeat the file's channels over the outputs so every
		 * loudspeaker line gets the programme. */
		for (long i = 0; i < frames; i++)
			for (int c = 0; c < n_out; c++)
				out[i * n_out + c] = in[i * n_in + c % n_in];
	}
}

/* sf_readf_float came up short: the file is over; was it whole? */
static void decode_note_end(struct decode *d)
{
	int err = sf_error(d->sf);

	d->eof = true;
	if (err != SF_ERR_NO_ERROR) {
		d->truncated = true;
		snprintf(d->error, sizeof d->error, "%s", sf_error_number(err));
	} else if (d->info.frames > 0 && d->frames_read < d->info.frames - d->tolerance) {
		d->truncated = true;
		snprintf(d->error, sizeof d->error, "file ends early");
	}
}

/* Count what one read of n frames gave; short means the file is over. */
static long decode_took(struct decode *d, sf_count_t got, long n)
{
	if (got < 0)
		got = 0;
	d->frames_read += got;
	if (got < n)
		decode_note_end(d);
	return (long)got;
}

static long decode_read_file(struct decode *d, float *buf, long n)
{
	if (d->eof)
		return 0;
	return decode_took(d, sf_readf_float(d->sf, buf, n), n);
}

/* Same rate: straight from the file, through the channel map if needed. */
static long decode_read_direct(struct decode *d, float *out, long n)
{
	long got;

	if (d->info.channels == d->out_channels)
		return decode_read_file(d, out, n);
	if (n > DECODE_CHUNK)
		n = DECODE_CHUNK;
	got = decode_read_file(d, d->in, n);
	decode_map(d->in, d->info.channels, out, d->out_channels, got);
	return got;
}

static long decode_read_resampled(struct decode *d, float *out, long n)
{
	float *dst = d->mid ? d->mid : out;

	if (n > DECODE_CHUNK)
		n = DECODE_CHUNK;
	for (;;) {
		SRC_DATA sd;
		int err;

		if (d->in_len == 0 && !d->eof) {
			d->in_len = decode_read_file(d, d->in, DECODE_CHUNK);
			d->in_pos = 0;
			if (d->info.channels != d->work_channels)
				decode_map(d->in, d->info.channels, d->in, d->work_channels,
				           d->in_len);
		}
		memset(&sd, 0, sizeof sd);
		sd.data_in = d->in + d->in_pos * d->work_channels;
		sd.input_frames = d->in_len;
		sd.data_out = dst;
		sd.output_frames = n;
		sd.src_ratio = d->ratio;
		sd.end_of_input = d->eof;
		err = src_process(d->src, &sd);
		if (err) {
			d->truncated = true;
			d->eof = true;
			snprintf(d->error, sizeof d->error, "%s", src_strerror(err));
			return 0;
		}
		d->in_pos += sd.input_frames_used;
		d->in_len -= sd.input_frames_used;
		if (sd.output_frames_gen > 0) {
			if (d->mid)
				decode_map(d->mid, d->work_channels, out, d->out_channels,
				           sd.output_frames_gen);
			return sd.output_frames_gen;
		}
		if (d->eof && d->in_len == 0)
			return 0;
		if (sd.input_frames_used == 0 && d->in_len > 0)
			return 0; /* cannot happen with room for output; never spin */
	}
}

long decode_read(struct decode *d, float *out, long n)
{
	long done = 0;

	while (done < n) {
		long got;

		if (d->src)
			got = decode_read_resampled(d, out + done * d->out_channels, n - done);
		else
			got = decode_read_direct(d, out + done * d->out_channels, n - done);
		if (got <= 0)
			break;
		done += got;
	}
	return done;
}

bool decode_native_s16(const struct decode *d)
{
	return d->native_s16;
}

long decode_read_s16(struct decode *d, int16_t *out, long n)
{
	assert(d->native_s16);
	if (d->eof || n <= 0)
		return 0;
	return decode_took(d, sf_readf_short(d->sf, out, n), n);
}

bool decode_truncated(const struct decode *d)
{
	return d->truncated;
}

const char *decode_error(const struct decode *d)
{
	return d->error;
}

int64_t decode_frames_read(const struct decode *d)
{
	return d->frames_read;
}

void decode_close(struct decode *d)
{
	if (!d)
		return;
	if (d->sf)
		sf_close(d->sf);
	if (d->fd >= 0)
		close(d->fd);
	if (d->src)
		src_delete(d->src);
	free(d->in);
	free(d->mid);
	free(d);
}
