/*
 * alertwatch: the daemon's side of the alert watcher. A thread keeps one
 * "loaxad-net alerts" child running (alertnet.h) for as long as the
 * daemon runs, started again after a pause if it ends, reads the lines it
 * writes (alertmsg.h) and queues them for the event loop, which waits on
 * alertwatch_fd(). The daemon itself never parses XML, fetches, or
 * synthesises speech: it gets small verified descriptions and a WAV file.
 */
#ifndef LOAXA_ALERTWATCH_H
#define LOAXA_ALERTWATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "alertmsg.h"
#include "conf.h"

struct alertwatch;

/* Start the thread and the child. NULL when the config watches no alerts
 * (no province.alert_url and no manifest_url). clock_trusted as in
 * sync_opts: 0 asks the kernel. */
struct alertwatch *alertwatch_start(const struct conf *c, int clock_trusted);
/* End the child (its stdin closes; SIGTERM after 2 s), join, free. */
void alertwatch_stop(struct alertwatch *w);

/* Readable when a message is queued; never read it directly. */
int alertwatch_fd(const struct alertwatch *w);
/* 1 with *m (alertmsg_free it), 0 when none is queued. Never blocks.
 * ALERTMSG_STATE lines are kept for alertwatch_status_json, not queued. */
int alertwatch_read(struct alertwatch *w, struct alertmsg *m);
/* Ask the child to poll at once (loaxactl sync). */
void alertwatch_poll_now(struct alertwatch *w);

/* The watcher's state for loaxactl status and status.json. */
json_t *alertwatch_status_json(struct alertwatch *w);

#endif
