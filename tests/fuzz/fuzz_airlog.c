/*
 * fuzz_airlog: the input as one as-run line through airlog_parse_line (what
 * the daemon reads back at start and loaxactl shows). A line that parses is
 * written again with airlog_format_line: the station must read its own
 * writing back to the same record, and when the record holds only what the
 * daemon can produce, the province's strict reader (segment_parse_line)
 * must accept it too, or the verifier would flag honest logs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "airlog.h"
#include "cap.h"
#include "fuzz.h"
#include "segment.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* Times the daemon writes come from its clock: years 1970 to 9999. */
static bool plausible_time(struct timespec ts)
{
	return ts.tv_sec >= 0 && ts.tv_sec < 253402214400;
}

/* What the station's CAP parser lets through as a <sent>: it keeps what
 * cap_parse accepts, here the whole of it is a message's <sent>. */
static bool canonical_time(const char *s)
{
	char *xml =
	    xasprintf("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>i"
	              "</identifier><sender>s</sender><sent>%s</sent><status>Actual</status>"
	              "<msgType>Alert</msgType><scope>Public</scope></alert>",
	              s);
	struct cap_alert a;
	char why[256];
	bool ok = false;

	if (!strpbrk(s, "<&") && cap_parse(&a, xml, strlen(xml), why, sizeof why) == 0) {
		ok = strcmp(a.sent_text, s) == 0;
		cap_free(&a);
	}
	free(xml);
	return ok;
}

static bool alert_producible(const struct airlog_entry *e)
{
	static const char *const statuses[] = {"complete", "interrupted", "failed", "skipped",
	                                       "refused",  "accepted",    NULL};
	static const char *const types[] = {"Alert", "Update", "Cancel", NULL};

	return one_of(e->status, statuses) && (!e->msg_type || one_of(e->msg_type, types)) &&
	       (!e->sent || canonical_time(e->sent)) &&
	       (!e->sha256 || !*e->sha256 || fuzz_is_hex64(e->sha256)) &&
	       plausible_time(e->scheduled) && plausible_time(e->start) && plausible_time(e->end);
}

static bool producible(const struct airlog_entry *e)
{
	static const char *const statuses[] = {"complete", "interrupted", "failed",
	                                       "skipped",  "missed",      NULL};
	static const char *const prios[] = {"normal", "priority", "emergency", NULL};

	if (!e->station)
		return false;
	if (e->type == AIRLOG_ALERT)
		return alert_producible(e);
	if (e->type != AIRLOG_PLAY)
		return plausible_time(e->time);
	return one_of(e->status, statuses) && (!e->priority || one_of(e->priority, prios)) &&
	       (e->programme || e->file || e->relay) &&
	       (!e->sha256 || !*e->sha256 || fuzz_is_hex64(e->sha256)) &&
	       plausible_time(e->scheduled) && plausible_time(e->start) && plausible_time(e->end);
}

static void round_trip(const struct airlog_record *r)
{
	struct airlog_record again;
	struct segment_line l;
	const char *why;
	char *line = airlog_format_line(&r->e, r->e.seq, r->e.prev);
	size_t len = strlen(line);

	if (len == 0 || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
		abort();
	if (airlog_parse_line(line, len, &again) < 0)
		abort();
	if (again.e.seq != r->e.seq || strcmp(again.e.prev, r->e.prev) != 0 ||
	    again.e.type != r->e.type || again.e.clock_synced != r->e.clock_synced ||
	    !same_str(again.e.station, r->e.station))
		abort();
	if (r->e.type == AIRLOG_PLAY &&
	    (!same_str(again.e.programme, r->e.programme) || !same_str(again.e.slot, r->e.slot) ||
	     !same_str(again.e.status, r->e.status) || !same_str(again.e.reason, r->e.reason)))
		abort();
	if (r->e.type == AIRLOG_ALERT &&
	    (!same_str(again.e.identifier, r->e.identifier) ||
	     !same_str(again.e.sender, r->e.sender) || !same_str(again.e.status, r->e.status) ||
	     !same_str(again.e.reason, r->e.reason) || again.e.level != r->e.level ||
	     again.e.repeat != r->e.repeat || again.e.repeats != r->e.repeats))
		abort();
	if (producible(&r->e) && segment_parse_line(line, len - 1, &l, &why) < 0)
		abort();
	airlog_record_free(&again);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct airlog_record r;
	char *copy = malloc(size ? size : 1);

	if (!copy)
		abort();
	memcpy(copy, data, size);
	fuzz_init();
	if (airlog_parse_line(copy, size, &r) == 0) {
		if (!r.line || r.e.seq == 0 || strlen(r.e.prev) != 64)
			abort();
		round_trip(&r);
		airlog_record_free(&r);
	}
	free(copy);
	return 0;
}
