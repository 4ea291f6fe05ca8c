/*
 * relaymon: whether a relayed stream is fit to be on air — the silence
 * detector and the switch between the stream and its fallback, with the
 * hold-off that keeps it from flapping.
 *
 * Pure: the player feeds it, block by block of output time, how much of the
 * stream's audio it had for the block and how loud that was; it answers
 * which source the next block takes and, when that changes, why. Nothing
 * here reads a clock, a descriptor or a sample.
 *
 * The rules:
 * - At the item's start the stream is on air if its buffer is ready
 *   (relaymon_start); otherwise the fallback is, from the first sample.
 * - On the stream, it is given up (to the fallback) when
 *   - it has ended (the child said so) and its buffer is dry: at once;
 *   - data has been missing for stall_s in a row (silence is written
 *     meanwhile, so the output keeps its time);
 *   - what came was below silence_dbfs (peak) for silence_s in a row.
 * - On the fallback the stream is still read and judged; it is taken back
 *   once it has been good — every block whole, no silent run of silence_s —
 *   for holdoff_s in a row. Any fault restarts that count.
 */
#ifndef LOAXA_RELAYMON_H
#define LOAXA_RELAYMON_H

#include <stdbool.h>

struct relaymon_config {
	double silence_dbfs; /* a peak below this is silence */
	double silence_s;    /* that long silent in a row: fault */
	double stall_s;      /* that long without data in a row: fault */
	double holdoff_s;    /* that long good in a row: back to the stream */
};

enum relaymon_source { RELAYMON_STREAM, RELAYMON_FALLBACK };

enum relaymon_why {
	RELAYMON_NONE,      /* no switch */
	RELAYMON_NOT_READY, /* to fallback: the stream had nothing at the start */
	RELAYMON_ENDED,     /* to fallback: the stream ended or failed */
	RELAYMON_STALLED,   /* to fallback: no data for stall_s */
	RELAYMON_SILENT,    /* to fallback: silent for silence_s */
	RELAYMON_GOOD,      /* to stream: good for holdoff_s */
};

struct relaymon {
	struct relaymon_config cfg;
	enum relaymon_source source;
	double stall_run;  /* seconds without data, in a row */
	double silent_run; /* seconds of silent data, in a row */
	double good_run;   /* seconds good, in a row (judged on the fallback) */
};

void relaymon_init(struct relaymon *m, const struct relaymon_config *cfg);
/* The item starts: on the stream when ready, else on the fallback
 * (returns RELAYMON_NOT_READY then, RELAYMON_NONE otherwise). */
enum relaymon_why relaymon_start(struct relaymon *m, bool ready);
/*
 * One block of dt seconds of output has been written: `have` seconds of it
 * (0..dt) came from the stream (on the fallback: were read and put aside),
 * with peak level peak_dbfs (-INFINITY for digital silence; ignored when
 * have is 0); `ended`: the stream has said it ended or failed and nothing
 * of it is left buffered. Returns the switch the next block makes, if any;
 * m->source is then the new source.
 */
enum relaymon_why relaymon_block(struct relaymon *m, double dt, double have, double peak_dbfs,
                                 bool ended);
/* A few words for the as-run log: "stream stalled", "stream silent", ... */
const char *relaymon_why_text(enum relaymon_why why);

#endif
