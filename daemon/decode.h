/*
 * decode: an audio file as a stream of float frames in a chosen format.
 *
 * Anything libsndfile reads (WAV, FLAC, Ogg Vorbis, Opus, MP3, at any rate
 * and sample width) comes out as interleaved floats at the requested rate
 * (libsamplerate, only when the rates differ) and channel count (mono is
 * copied to every channel; when there are fewer output channels the extra
 * ones are dropped, and a single output channel is the average of the first
 * two). The player uses it per block; tools use it to measure a programme.
 * Nothing is buffered beyond one internal chunk. A 16-bit file that needs
 * none of that can be read as it is (decode_read_s16).
 */
#ifndef LOAXA_DECODE_H
#define LOAXA_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct decode;

enum decode_result {
	DECODE_OK,
	DECODE_MISSING,     /* no such file */
	DECODE_UNREADABLE,  /* there, but open() failed (permissions, ...) */
	DECODE_NOT_REGULAR, /* a FIFO, device, socket or folder (util_open_regular) */
	DECODE_NOT_AUDIO,   /* libsndfile refused it, or a format we cannot use */
};

struct decode_info {
	int rate;          /* of the file */
	int channels;      /* of the file */
	int format;        /* SF_FORMAT_* of the file */
	int64_t frames;    /* frames the header promises, -1 when unknown */
	double duration_s; /* frames / rate, 0 when unknown */
};

/* Open path for reading as out_rate x out_channels (0 for the file's own).
 * On failure *dp is NULL and why (if not NULL) says what went wrong in a
 * few words (errno text or libsndfile's message, without the path). */
enum decode_result decode_open(struct decode **dp, const char *path, int out_rate, int out_channels,
                               char *why, size_t whylen);
const struct decode_info *decode_info(const struct decode *d);
int decode_out_rate(const struct decode *d);
int decode_out_channels(const struct decode *d);

/* Fill out with up to n frames (n * out_channels floats). Returns the frames
 * written; fewer than n only at the end of the stream (or after an error),
 * 0 once it is over. */
long decode_read(struct decode *d, float *out, long n);

/*
 * True when the file holds integers of at most 16 bits at the output rate and
 * channel count: then decode_read_s16() gives its samples exactly as they
 * are, with no conversion on the way (what a player wants for 16-bit WAV and
 * FLAC). Lossy and float formats always go through decode_read(), where
 * overshoots are kept as floats for the caller to clip.
 */
bool decode_native_s16(const struct decode *d);
/* As decode_read(), into n * out_channels host-order int16 samples. Only
 * when decode_native_s16(); a stream is read with one or the other. */
long decode_read_s16(struct decode *d, int16_t *out, long n);

/* Once decode_read() came up short: true when the stream ended early — a
 * decode error or fewer frames than the header promised. */
bool decode_truncated(const struct decode *d);
/* What cut the stream short ("" when nothing did). */
const char *decode_error(const struct decode *d);
/* Frames read from the file so far (at its own rate). */
int64_t decode_frames_read(const struct decode *d);

void decode_close(struct decode *d);

#endif
