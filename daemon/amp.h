/*
 * amp: switches the amplifier on lead_s before a session and off tail_s
 * after it (DESIGN §2 "amplifier"). Sessions closer than lead_s + tail_s
 * share one on/off. Commands run without a shell (split on spaces, with
 * "double quotes" grouping; write `sh -c "..."` to ask for one), with a
 * timeout; a failing command is logged and never stops the broadcast.
 */
#ifndef LOAXA_AMP_H
#define LOAXA_AMP_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"

#define AMP_TIMEOUT_S 10

struct amp;

/* NULL when neither command is configured. */
struct amp *amp_new(const struct conf *c);
void amp_free(struct amp *a);

/* Decide at wall time now. busy: something is on air or queued;
 * next_start: the next scheduled session ({0,0}: none). Returns when it
 * wants to be asked again ({0,0}: only on events). */
struct timespec amp_step(struct amp *a, struct timespec now, bool busy, struct timespec next_start);
/* Reap finished commands (call on SIGCHLD). */
void amp_reap(struct amp *a);
bool amp_is_on(const struct amp *a);
/* At exit: switch off if on, waiting for the command (up to the timeout). */
void amp_shutdown(struct amp *a);

/* Split a command line: whitespace separates, "double quotes" group,
 * backslash escapes the next character. NULL-terminated argv (free with
 * amp_argv_free), NULL on unbalanced quotes. Pure. */
char **amp_split(const char *cmd);
void amp_argv_free(char **argv);

#endif
