/*
 * alertaudio: the sound of a disaster alert, as one WAV file the player
 * plays like any other: a lead-in tone that makes the village listen, a
 * short pause, then the message (the province's recording or the
 * synthesised speech), at the message's own rate and channels.
 *
 * The tone is generated here (no audio file is shipped): ALERTAUDIO_TONE_HZ
 * for ALERTAUDIO_TONE_S at half of full scale, with 10 ms ramps so it
 * does not click. Runs in the alert watcher (loaxad-net), never in the
 * daemon.
 */
#ifndef LOAXA_ALERTAUDIO_H
#define LOAXA_ALERTAUDIO_H

#include <stddef.h>

#define ALERTAUDIO_TONE_HZ 1050
#define ALERTAUDIO_TONE_S  2.0
#define ALERTAUDIO_GAP_S   0.5
/* A message longer than this is refused: 30 minutes. */
#define ALERTAUDIO_MAX_S 1800

/* Decode src (any format libsndfile reads) and write dst crash-safely
 * (a temporary file beside it, fsync, rename, fsync of the folder): the
 * tone, the pause, the message, 16-bit WAV. 0 with *duration_s (of dst),
 * or -1 with the reason in why. */
int alertaudio_prepare(const char *src, const char *dst, double *duration_s, char *why,
                       size_t why_len);

#endif
