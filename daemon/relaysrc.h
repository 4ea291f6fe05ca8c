/*
 * relaysrc: a relayed stream as the player sees it — a loaxad-relay child
 * (found as loaxad-net is: LOAXA_RELAY_HELPER, beside the program, or
 * LIBEXECDIR) whose PCM, already in the output format, is read without
 * blocking into a small jitter buffer, and whose status lines say whether
 * the stream plays and, when not, why.
 *
 * A child that dies is started again (after RELAYSRC_RESPAWN_S), so a
 * crash in a decoder costs seconds of the relay and nothing else. Used by
 * the player thread only: nothing here is thread-safe.
 */
#ifndef LOAXA_RELAYSRC_H
#define LOAXA_RELAYSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct relaysrc;

struct relaysrc_opts {
	int rate, channels;    /* the output format */
	int connect_timeout_s; /* passed to the child */
	int stall_s;           /* the child redials after this long without data */
	double buffer_s;       /* capacity of the jitter buffer */
};

/* The child's path. */
const char *relaysrc_helper(void);

/* Start the child for url. Never NULL: a child that cannot be started
 * leaves the source down, with the reason. */
struct relaysrc *relaysrc_open(const char *url, const struct relaysrc_opts *o);
/* Move what the child has written into the buffer (as far as it has room)
 * and read its status. Never blocks. */
void relaysrc_pump(struct relaysrc *s);
/* Whole frames buffered, and how many the buffer holds at most. */
long relaysrc_frames(const struct relaysrc *s);
long relaysrc_capacity(const struct relaysrc *s);
/* Up to n frames out of the buffer into out (NULL: discard them).
 * Returns the frames taken. */
long relaysrc_take(struct relaysrc *s, int16_t *out, long n);
/* The stream has ended or failed and has not played since. */
bool relaysrc_down(const struct relaysrc *s);
/* Why it is down (or why it last went down); "" when it never was. */
const char *relaysrc_reason(const struct relaysrc *s);
/* Stop the child (SIGTERM, reaped) and free. */
void relaysrc_close(struct relaysrc *s);

/* Does url play now? The child connects and decodes its first samples
 * within timeout_s. 0 with what it found in out ("mp3 44100 2 audio/mpeg"),
 * or -1 with why not. For operators' tools; it blocks. */
int relaysrc_probe(const char *url, int timeout_s, char *out, size_t n);

#endif
