/*
 * fuzz_cap: any bytes through cap_parse and, when accepted, cap_plan_for
 * for a station named by id and by an administrative code, at a time
 * between the seeds' sent and expires. An accepted message holds every
 * required element with a CAP 1.2 value; a plan is within the limits
 * cap.h promises (repetitions, interval, level, expiry, an audio path of
 * the publication or text to speak).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_id(const char *s)
{
	if (!s || !*s || strlen(s) > CAP_MAX_ID || strpbrk(s, " ,\t\r\n"))
		abort();
}

static void check_plan(const struct cap_alert *a, const struct cap_plan *p, time_t now)
{
	if (p->action == CAP_CANCEL) {
		if (strcmp(a->msg_type, "Cancel") != 0 || a->nrefs == 0)
			abort();
		return;
	}
	if (p->action != CAP_PLAY || !p->info || !cap_is_vietnamese(p->info->language))
		abort();
	if (p->repeat < 1 || p->repeat > CAP_MAX_REPEAT || p->interval_s < 0 ||
	    p->interval_s > CAP_MAX_INTERVAL || p->level < 0 || p->level > 5 || p->expires <= now)
		abort();
	if (p->audio) {
		if (strncmp(p->audio_path, "programmes/", 11) != 0 || strstr(p->audio_path, "..") ||
		    strchr(p->audio_path + 11, '/') || strlen(p->audio_sha256) != 64 ||
		    strncmp(p->audio_path + 11, p->audio_sha256, 64) != 0 || p->text)
			abort();
	} else if (!p->text || !*p->text) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const codes[] = {"24", "07963"};
	const time_t now = 1791795600; /* 2026-10-12T16:00:00+07:00 */
	const struct cap_station st[2] = {{"tan-quang", codes, 2, now}, {"yen-the", NULL, 0, now}};
	struct cap_alert a;
	char why[512];

	fuzz_init();
	if (cap_parse(&a, data, size, why, sizeof why) < 0) {
		if (!why[0])
			abort();
		return 0;
	}
	check_id(a.identifier);
	check_id(a.sender);
	if (!a.sent_text || !a.status || !a.msg_type || !a.scope || a.ninfos > CAP_MAX_INFOS ||
	    a.nrefs > CAP_MAX_REFERENCES)
		abort();
	for (size_t i = 0; i < a.ninfos; i++) {
		const struct cap_info *info = &a.infos[i];

		if (!info->event || !info->urgency || !info->severity || !info->certainty ||
		    info->end_offset >= size)
			abort();
		for (size_t k = 0; k < info->nareas; k++)
			if (!info->areas[k].desc)
				abort();
	}
	for (int s = 0; s < 2; s++) {
		struct cap_plan p;

		if (cap_plan_for(&a, &st[s], &p, why, sizeof why) == 0) {
			check_plan(&a, &p, now);
			cap_plan_free(&p);
		} else if (!why[0]) {
			abort();
		}
	}
	cap_free(&a);
	return 0;
}
