/*
 * sdnotify: the two things loaxad asks of systemd's service manager,
 * readiness/stopping/watchdog messages on $NOTIFY_SOCKET and the watchdog
 * period from $WATCHDOG_USEC, spoken directly: the protocol is systemd's
 * documented, stable interface (sd_notify(3), "Notes"), a datagram of
 * text, and libsystemd would map ~1 MiB of libraries (libgcrypt, lz4,
 * zstd, xz...) into a daemon that needs none of them.
 */
#ifndef LOAXA_SDNOTIFY_H
#define LOAXA_SDNOTIFY_H

#include <stdint.h>

/* Send state (e.g. "READY=1") when NOTIFY_SOCKET is set. 1 sent, 0 not
 * under a service manager, -1 with errno. */
int sdnotify(const char *state);
/* The watchdog period in microseconds, or 0 when none is asked of us. */
uint64_t sdnotify_watchdog_usec(void);

#endif
