/*
 * nest: how deeply brackets nest in a text, found before a parser sees it.
 *
 * libconfig's parser keeps its state on a bounded stack: nested too deep
 * it says only "memory exhausted", on the line where the file began. jansson
 * stops at 2048 levels in words of its own. Nothing loaxa reads needs more
 * than a few levels (a schedule 4, the config 2, a manifest 4), so the text
 * is scanned first, strings and comments skipped, and refused at more than
 * NEST_MAX levels with the line of the bracket that went one too deep.
 * Pure: no I/O.
 */
#ifndef LOAXA_NEST_H
#define LOAXA_NEST_H

#include <stddef.h>

#define NEST_MAX 16

enum nest_syntax {
	NEST_LIBCONFIG, /* ( [ { ; "strings"; # and // to the end of the line, C comments */
	NEST_JSON,      /* [ { ; "strings"; no comments */
};

/* The 1-based line of the first opening bracket that takes the depth
 * beyond max, counting from depth (the depth the text starts at: an
 * @include'd file), or 0 when the text never goes so deep. */
int nest_too_deep(const char *text, size_t len, enum nest_syntax syntax, int depth, int max);

/* The depth at the end of the text (from 0; never below 0). */
int nest_depth(const char *text, size_t len, enum nest_syntax syntax);

#endif
