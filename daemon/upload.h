/*
 * upload: the as-run log's way to the province (DESIGN §5 "Upload").
 *
 * A thread that, every upload_interval_s, cuts the as-run log lines not yet
 * cut into an immutable, signed segment in state_dir/outbox/, PUTs each
 * waiting segment (and its .minisig) to log_url, and removes it from the
 * outbox only after a 2xx; then PUTs status.json. The station key is made
 * on the daemon's first start, whether or not the station uploads.
 */
#ifndef LOAXA_UPLOAD_H
#define LOAXA_UPLOAD_H

#include "conf.h"

/* Create state_dir/station.key (0600) and station.pub if missing. 0 / -1. */
int upload_station_key(const char *state_dir, const char *station_id);

struct upload;

/* Start the thread; NULL when the config has no log_url (nothing to do). */
struct upload *upload_start(const struct conf *c);
/* The daemon's latest status, a JSON object as text (copied). */
void upload_set_status(struct upload *u, const char *json_text);
/* Cut and upload now rather than at the next interval. */
void upload_now(struct upload *u);
/* Segments waiting in the outbox. */
int upload_outbox(struct upload *u);
/* Stop the thread (an upload in flight is abandoned; it is sent again later). */
void upload_stop(struct upload *u);

#endif
