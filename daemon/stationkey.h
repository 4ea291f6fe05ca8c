/*
 * stationkey: the station's minisign key pair (DESIGN §5 "Station key"),
 * state_dir/station.key (0600) and station.pub, made on the daemon's first
 * start and used to sign each log segment.
 */
#ifndef LOAXA_STATIONKEY_H
#define LOAXA_STATIONKEY_H

#include "minisig.h"

/* Create station.key and station.pub in state_dir if missing; make the key
 * private and station.pub match it. 0 / -1 (logged). A key that does not
 * parse is left alone for the operator (replacing it would orphan every
 * signature made so far). */
int stationkey_ensure(const char *state_dir, const char *station_id);
/* Read a secret key file. 0, or -1 with *why. */
int stationkey_read(const char *path, struct minisig_seckey *sk, const char **why);

#endif
