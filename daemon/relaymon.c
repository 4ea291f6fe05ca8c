/*
 * relaymon: the relay's silence detector and switch. See relaymon.h.
 */
#include "relaymon.h"

#include <math.h>
#include <string.h>

/* Block lengths are sums of floats: a run that reaches its limit within
 * this much has reached it. */
#define RELAYMON_EPS 1e-6

void relaymon_init(struct relaymon *m, const struct relaymon_config *cfg)
{
	memset(m, 0, sizeof *m);
	m->cfg = *cfg;
	m->source = RELAYMON_STREAM;
}

enum relaymon_why relaymon_start(struct relaymon *m, bool ready)
{
	m->stall_run = m->silent_run = m->good_run = 0;
	m->source = ready ? RELAYMON_STREAM : RELAYMON_FALLBACK;
	return ready ? RELAYMON_NONE : RELAYMON_NOT_READY;
}

static bool reached(double run, double limit)
{
	return run + RELAYMON_EPS >= limit;
}

/* The silence detector: the run of silent stream audio, in seconds. */
static void relaymon_listen(struct relaymon *m, double have, double peak_dbfs)
{
	if (have <= 0)
		return;
	if (!(peak_dbfs >= m->cfg.silence_dbfs)) /* -inf and NaN are silence */
		m->silent_run += have;
	else
		m->silent_run = 0;
}

enum relaymon_why relaymon_block(struct relaymon *m, double dt, double have, double peak_dbfs,
                                 bool ended)
{
	bool whole;

	if (!(dt > 0))
		return RELAYMON_NONE;
	if (!(have > 0))
		have = 0;
	if (have > dt)
		have = dt;
	whole = have + RELAYMON_EPS >= dt;
	relaymon_listen(m, have, peak_dbfs);
	if (whole)
		m->stall_run = 0;
	else
		m->stall_run += dt - have;

	if (m->source == RELAYMON_STREAM) {
		enum relaymon_why why = RELAYMON_NONE;

		if (ended && !whole)
			why = RELAYMON_ENDED;
		else if (reached(m->stall_run, m->cfg.stall_s))
			why = RELAYMON_STALLED;
		else if (reached(m->silent_run, m->cfg.silence_s))
			why = RELAYMON_SILENT;
		if (why != RELAYMON_NONE) {
			m->source = RELAYMON_FALLBACK;
			m->good_run = 0;
		}
		return why;
	}
	if (ended || !whole || reached(m->silent_run, m->cfg.silence_s))
		m->good_run = 0;
	else
		m->good_run += dt;
	if (reached(m->good_run, m->cfg.holdoff_s)) {
		m->source = RELAYMON_STREAM;
		m->good_run = 0;
		m->stall_run = 0;
		return RELAYMON_GOOD;
	}
	return RELAYMON_NONE;
}

const char *relaymon_why_text(enum relaymon_why why)
{
	switch (why) {
	case RELAYMON_NONE:
		return "";
	case RELAYMON_NOT_READY:
		return "stream not ready at the start";
	case RELAYMON_ENDED:
		return "stream ended";
	case RELAYMON_STALLED:
		return "stream stalled";
	case RELAYMON_SILENT:
		return "stream silent";
	case RELAYMON_GOOD:
		return "stream good again";
	}
	return "?";
}
