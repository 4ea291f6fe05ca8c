/*
 * Unit tests for relaymon: the relay's silence detector and its switch
 * between the stream and the fallback, with the hold-off, block by block
 * as the player drives it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "relaymon.h"

#define DT 0.2 /* the player's block on a file driver */

static const struct relaymon_config cfg = {
    .silence_dbfs = -50, .silence_s = 3, .stall_s = 2, .holdoff_s = 4};

/* Feed n blocks alike; returns the block index (1-based) of the first
 * switch, 0 if none; *why gets it. */
static int feed(struct relaymon *m, int n, double have, double peak, bool ended,
                enum relaymon_why *why)
{
	for (int i = 1; i <= n; i++) {
		enum relaymon_why w = relaymon_block(m, DT, have, peak, ended);

		if (w != RELAYMON_NONE) {
			if (why)
				*why = w;
			return i;
		}
	}
	return 0;
}

static void test_start(void **state)
{
	struct relaymon m;

	(void)state;
	relaymon_init(&m, &cfg);
	assert_int_equal(relaymon_start(&m, true), RELAYMON_NONE);
	assert_int_equal(m.source, RELAYMON_STREAM);
	assert_int_equal(relaymon_start(&m, false), RELAYMON_NOT_READY);
	assert_int_equal(m.source, RELAYMON_FALLBACK);
}

static void test_good_stream_stays(void **state)
{
	struct relaymon m;

	(void)state;
	relaymon_init(&m, &cfg);
	relaymon_start(&m, true);
	/* an hour of loud blocks, with quiet moments shorter than silence_s */
	for (int i = 0; i < 18000; i++) {
		double peak = (i % 20) < 10 ? -6 : -70; /* 2 s loud, 2 s quiet */

		assert_int_equal(relaymon_block(&m, DT, DT, peak, false), RELAYMON_NONE);
	}
	assert_int_equal(m.source, RELAYMON_STREAM);
}

static void test_stall(void **state)
{
	struct relaymon m;
	enum relaymon_why why = RELAYMON_NONE;

	(void)state;
	relaymon_init(&m, &cfg);
	relaymon_start(&m, true);
	/* half blocks: 0.1 s missing each, a stall of 2 s after 20 blocks */
	assert_int_equal(feed(&m, 100, DT / 2, -6, false, &why), 20);
	assert_int_equal(why, RELAYMON_STALLED);
	assert_int_equal(m.source, RELAYMON_FALLBACK);

	/* a short hiccup is forgiven: the run restarts on a whole block */
	relaymon_start(&m, true);
	for (int k = 0; k < 50; k++) {
		assert_int_equal(feed(&m, 9, 0, -6, false, NULL), 0);
		assert_int_equal(feed(&m, 1, DT, -6, false, NULL), 0);
	}
	assert_int_equal(m.source, RELAYMON_STREAM);
	/* exactly stall_s of nothing */
	assert_int_equal(feed(&m, 100, 0, -6, false, &why), 10);
	assert_int_equal(why, RELAYMON_STALLED);
}

static void test_ended(void **state)
{
	struct relaymon m;
	enum relaymon_why why = RELAYMON_NONE;

	(void)state;
	relaymon_init(&m, &cfg);
	relaymon_start(&m, true);
	/* said it ended, but its buffer still fills the blocks: keep going */
	assert_int_equal(feed(&m, 5, DT, -6, true, NULL), 0);
	/* the buffer runs dry: at once */
	assert_int_equal(feed(&m, 5, DT / 4, -6, true, &why), 1);
	assert_int_equal(why, RELAYMON_ENDED);
	assert_int_equal(m.source, RELAYMON_FALLBACK);
}

static void test_silence(void **state)
{
	struct relaymon m;
	enum relaymon_why why = RELAYMON_NONE;

	(void)state;
	relaymon_init(&m, &cfg);
	relaymon_start(&m, true);
	/* -49.9 dBFS is not silence; -inf and -50.1 are */
	assert_int_equal(feed(&m, 100, DT, -49.9, false, NULL), 0);
	assert_int_equal(feed(&m, 14, DT, -INFINITY, false, NULL), 0);
	assert_int_equal(feed(&m, 1, DT, -50.1, false, &why), 1);
	assert_int_equal(why, RELAYMON_SILENT);
	/* NaN from a broken meter counts as silence, not as sound */
	relaymon_start(&m, true);
	assert_int_equal(feed(&m, 100, DT, NAN, false, &why), 15);
	assert_int_equal(why, RELAYMON_SILENT);
}

static void test_holdoff(void **state)
{
	struct relaymon m;
	enum relaymon_why why = RELAYMON_NONE;

	(void)state;
	relaymon_init(&m, &cfg);
	relaymon_start(&m, false);
	/* nothing: stays on the fallback */
	assert_int_equal(feed(&m, 100, 0, -INFINITY, false, NULL), 0);
	/* good for 3.8 s, then one short block: the count restarts */
	assert_int_equal(feed(&m, 19, DT, -6, false, NULL), 0);
	assert_int_equal(feed(&m, 1, DT / 2, -6, false, NULL), 0);
	/* ended, with whole blocks: not good */
	assert_int_equal(feed(&m, 30, DT, -6, true, NULL), 0);
	/* good for holdoff_s: back, on the 20th block */
	assert_int_equal(feed(&m, 100, DT, -6, false, &why), 20);
	assert_int_equal(why, RELAYMON_GOOD);
	assert_int_equal(m.source, RELAYMON_STREAM);
}

static void test_holdoff_silent_stream(void **state)
{
	struct relaymon m;
	enum relaymon_why why = RELAYMON_NONE;

	(void)state;
	relaymon_init(&m, &cfg);
	relaymon_start(&m, true);
	assert_int_equal(feed(&m, 100, DT, -80, false, &why), 15);
	assert_int_equal(why, RELAYMON_SILENT);
	/* a stream that stays silent never comes back */
	assert_int_equal(feed(&m, 1000, DT, -80, false, NULL), 0);
	/* sound: holdoff_s of good blocks after it */
	assert_int_equal(feed(&m, 100, DT, -10, false, &why), 20);
	assert_int_equal(why, RELAYMON_GOOD);
}

/* Never flapping: with a stream that fails every few seconds, switches
 * are at least holdoff_s apart on the way back. */
static void test_no_flapping(void **state)
{
	struct relaymon m;
	int last_back = -1000, switches = 0;

	(void)state;
	relaymon_init(&m, &cfg);
	relaymon_start(&m, true);
	for (int i = 0; i < 10000; i++) {
		/* 3 s of data, 2.2 s without, over and over */
		double have = (i % 26) < 15 ? DT : 0;
		enum relaymon_why w = relaymon_block(&m, DT, have, -6, false);

		if (w == RELAYMON_GOOD) {
			assert_true((i - last_back) * DT >= cfg.holdoff_s);
			last_back = i;
		}
		switches += w != RELAYMON_NONE;
	}
	/* with 3 s of data at a time the stream never earns 4 s of trust */
	assert_int_equal(switches, 1);
	assert_int_equal(m.source, RELAYMON_FALLBACK);
}

static void test_odd_inputs(void **state)
{
	struct relaymon m;

	(void)state;
	relaymon_init(&m, &cfg);
	relaymon_start(&m, true);
	assert_int_equal(relaymon_block(&m, 0, 0, -6, false), RELAYMON_NONE);
	assert_int_equal(relaymon_block(&m, NAN, 0, -6, false), RELAYMON_NONE);
	/* more than the block, or negative: clamped */
	assert_int_equal(relaymon_block(&m, DT, 5 * DT, -6, false), RELAYMON_NONE);
	assert_int_equal(relaymon_block(&m, DT, -1, -6, false), RELAYMON_NONE);
	assert_true(m.stall_run > 0.19 && m.stall_run < 0.21);
	assert_string_equal(relaymon_why_text(RELAYMON_STALLED), "stream stalled");
	assert_string_equal(relaymon_why_text(RELAYMON_NONE), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_start),
	    cmocka_unit_test(test_good_stream_stays),
	    cmocka_unit_test(test_stall),
	    cmocka_unit_test(test_ended),
	    cmocka_unit_test(test_silence),
	    cmocka_unit_test(test_holdoff),
	    cmocka_unit_test(test_holdoff_silent_stream),
	    cmocka_unit_test(test_no_flapping),
	    cmocka_unit_test(test_odd_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
