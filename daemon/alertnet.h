/*
 * alertnet: the alert watcher, "loaxad-net alerts", a child process that
 * lives as long as the daemon (alertwatch.c starts it).
 *
 * Every province.alert_interval_s it asks for the province's alert index
 * (alertidx.h) with a conditional GET on one kept-alive connection, so
 * that a poll while nothing changed costs one request answered 304. When
 * the index changed it checks its signature (the province key), its
 * version (never backwards), its expiry; it also reads the alert files
 * the active manifest lists, whenever the manifest changes. Each CAP
 * message not seen before is fetched (its size and SHA-256 from the
 * signed list), parsed (cap.h) and judged for this station; the audio it
 * names is fetched and checked the same way, or its text is spoken by
 * loaxad-speak; the lead-in tone and the message become one WAV
 * (alertaudio.h). Then one line (alertmsg.h) goes to the daemon on
 * standard output: play, cancel, or refused with the reason.
 *
 * Files, in state_dir/alerts/ (nothing else of state_dir is touched):
 *   state.json          the index's ETag, Last-Modified, version and
 *                       hash; the manifest's hash; every message seen
 *                       (hash, sender, identifier, expiry, what became
 *                       of it) so that none plays twice, even after a
 *                       restart, and the alerts still to play are given
 *                       to the daemon again when the watcher starts
 *   <sha256>.wav        the sound of an alert still to play (the CAP
 *                       message's hash)
 *   <sha256>.<ext>      audio being prepared (removed once it is)
 *
 * The watcher ends when its standard input reaches end of file (the
 * daemon is gone); a line on it means "poll now" (loaxactl sync).
 */
#ifndef LOAXA_ALERTNET_H
#define LOAXA_ALERTNET_H

#include "conf.h"

struct alertnet_opts {
	int once;          /* one round, then exit */
	int clock_trusted; /* 0: ask the kernel; 1 yes; -1 no */
};

/* The index URL: province.alert_url, NULL when alerts are not watched. */
const char *alertnet_url(const struct conf *c);

/* Run the watcher until standard input closes (or one round with once).
 * Returns the exit status: 0, or 2 when it cannot start. */
int alertnet_run(const struct conf *c, const struct alertnet_opts *o);

#endif
