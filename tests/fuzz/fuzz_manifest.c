/*
 * fuzz_manifest: manifest.json bytes through manifest_parse, once as a
 * first manifest on an untrusted clock that reads 1970 on a station that
 * has seen 2026-11-30 (time_floor), and once against a station that has
 * accepted version 41 and trusts its clock. An accepted manifest must hold
 * only what DESIGN §4 allows through: safe ids, contained paths, hashes and
 * sizes in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fuzz.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const struct manifest_entry *e, const char *dir, int64_t max_bytes)
{
	size_t n = strlen(dir);

	if (!e->path || strncmp(e->path, dir, n) != 0 || strstr(e->path, "..") ||
	    strchr(e->path + n, '/') || !e->name || e->name != e->path + n || !e->name[0])
		abort();
	for (const char *s = e->path; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
	if (!fuzz_is_hex64(e->sha256) || strncmp(e->name, e->sha256, 64) != 0)
		abort();
	if (e->bytes < 1 || (max_bytes > 0 && e->bytes > max_bytes))
		abort();
}

static void accepted(const struct manifest *m, const struct manifest_check *chk)
{
	if (!m->province || !fuzz_is_hex64(m->sha256))
		abort();
	if (chk->last_version && m->version < chk->last_version)
		abort();
	if (m->expires <= chk->now)
		abort();
	if (!chk->clock_trusted && m->expires <= chk->time_floor)
		abort();
	if (m->nprogrammes > MANIFEST_MAX_ENTRIES || m->nschedules > MANIFEST_MAX_ENTRIES)
		abort();
	for (size_t i = 0; i < m->nprogrammes; i++) {
		const struct manifest_entry *e = &m->programmes[i];

		check_entry(e, "programmes/", chk->max_bytes);
		if (!e->id || !manifest_safe_id(e->id) || !e->title || !e->klass)
			abort();
		if (strcmp(e->klass, "normal") && strcmp(e->klass, "priority") &&
		    strcmp(e->klass, "emergency"))
			abort();
		for (size_t k = 0; k < i; k++)
			if (strcmp(m->programmes[k].id, e->id) == 0)
				abort();
	}
	for (size_t i = 0; i < m->nschedules; i++)
		check_entry(&m->schedules[i], "schedules/", chk->max_bytes);
	/* alert files: a CAP message under alerts/ (.xml) or audio */
	for (size_t i = 0; i < m->nalerts; i++) {
		const struct manifest_entry *e = &m->alerts[i];
		bool cap = strncmp(e->path, "alerts/", 7) == 0;

		check_entry(e, cap ? "alerts/" : "programmes/", chk->max_bytes);
		if (cap && strcmp(e->path + strlen(e->path) - 4, ".xml") != 0)
			abort();
	}
}

static void parse(const uint8_t *data, size_t size, const struct manifest_check *chk)
{
	struct manifest m;
	struct diag why = {0};

	memset(&m, 0, sizeof m);
	if (manifest_parse(&m, data, size, "manifest.json", chk, &why) == 0) {
		if (why.n != 0)
			abort();
		accepted(&m, chk);
		manifest_free(&m);
	} else if (why.n == 0) {
		abort();
	}
	diag_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 2026-11-30T00:00:00Z, inside the seeds' issued..expires. */
	const struct manifest_check first = {
	    .station_id = "tan-quang",
	    .now = 86400,
	    .clock_trusted = false,
	    .time_floor = 1795996800,
	    .max_bytes = 0,
	};
	const struct manifest_check later = {
	    .station_id = "tan-quang",
	    .last_version = 41,
	    .last_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    .now = 1795996800,
	    .clock_trusted = true,
	    .max_bytes = 268435456,
	};

	fuzz_init();
	parse(data, size, &first);
	parse(data, size, &later);
	return 0;
}
