/*
 * diag: a list of user-facing problems found in a config or schedule file,
 * each formatted "FILE:LINE: message" (or "FILE: message" when line is 0).
 * Parsers append to it; callers print it or keep it for status.
 */
#ifndef LOAXA_DIAG_H
#define LOAXA_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "msg.h"

struct diag {
	char **msgs;
	size_t n;
};

void diag_add(struct diag *d, const char *file, int line, const char *fmt, ...) MSG_PRINTF(4, 5);
void diag_print(const struct diag *d, FILE *out);
void diag_free(struct diag *d);

#endif
