/*
 * streamdec: a radio stream's bytes, as they come off the network, into
 * int16 PCM in the station's one output format.
 *
 * MP3 through libmpg123's feed API, AAC in ADTS frames (what Icecast and
 * Shoutcast carry as audio/aac and audio/aacp, HE-AAC included) through
 * libfaad; the format is taken from the Content-Type when it names one,
 * else from the first bytes. The rate is converted with libsamplerate
 * (only when it differs), channels are mapped as decode.c maps them. No
 * I/O: bytes in, PCM to a callback; loaxad-relay does the network.
 */
#ifndef LOAXA_STREAMDEC_H
#define LOAXA_STREAMDEC_H

#include <stddef.h>
#include <stdint.h>

struct streamdec;

/* PCM out: frames x out_channels int16, host order. Returns 0, or -1 to
 * stop (streamdec_feed then returns -1 too). */
typedef int (*streamdec_out_fn)(void *ctx, const int16_t *pcm, size_t frames);

/* content_type may be NULL. */
struct streamdec *streamdec_new(const char *content_type, int out_rate, int out_channels,
                                streamdec_out_fn out, void *ctx);
/* Decode what can be decoded of these bytes. 0, or -1 with why filled
 * (not a stream we can decode, or the callback said stop). */
int streamdec_feed(struct streamdec *d, const void *buf, size_t len, char *why, size_t whylen);
/* "mp3", "aac", or "" while the format is not known yet. */
const char *streamdec_format(const struct streamdec *d);
/* The stream's own rate and channels, 0 until the first frame. */
int streamdec_rate(const struct streamdec *d);
int streamdec_channels(const struct streamdec *d);
/* Frames handed to the callback so far. */
uint64_t streamdec_frames(const struct streamdec *d);
void streamdec_free(struct streamdec *d);

#endif
