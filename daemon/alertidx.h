/*
 * alertidx: the province's alert index, alerts.json, parsed and checked.
 *
 * The small signed document stations poll every few seconds (beside the
 * manifest, which they fetch every few minutes):
 *
 *   { "format": "loaxa-alerts/1", "province": "bac-giang",
 *     "version": 7,                         // strictly increasing
 *     "issued": "2026-10-12T14:30:05+07:00",
 *     "expires": "2026-10-26T14:30:05+07:00",
 *     "alerts": [ { "path": "alerts/<sha256>.xml", "sha256": "…", "bytes": 2312 },
 *                 { "path": "programmes/<sha256>.ogg", "sha256": "…", "bytes": 48213 } ] }
 *
 * signed as alerts.json.minisig by the province key. The CAP messages are
 * the alerts/ files; the programmes/ files are the audio they name. The
 * manifest lists the same files under "alerts" (manifest.h).
 *
 * Pure: the signature is checked by the caller (alertnet.c) before this.
 */
#ifndef LOAXA_ALERTIDX_H
#define LOAXA_ALERTIDX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"
#include "manifest.h"

#define ALERTIDX_FORMAT    "loaxa-alerts/1"
#define ALERTIDX_MAX_BYTES (256 * 1024)
#define ALERTIDX_MAX_FILES 1000

struct alertidx {
	uint64_t version;
	char *province;
	time_t issued;
	time_t expires;
	struct manifest_entry *files;
	size_t nfiles;
	char sha256[65]; /* of the index's bytes */
};

/*
 * Parse and check len bytes against chk (manifest.h): a version lower
 * than chk->last_version, or equal with other bytes than
 * chk->last_sha256, is refused (a replayed index); expires is checked
 * when chk->clock_trusted; every file's path, hash and size as in a
 * manifest, sizes within chk->max_bytes. 0 with x filled, or -1 with the
 * reasons appended to why ("NAME: reason").
 */
int alertidx_parse(struct alertidx *x, const void *buf, size_t len, const char *name,
                   const struct manifest_check *chk, struct diag *why);
void alertidx_free(struct alertidx *x);

/* The entry with this path among files, or NULL. */
const struct manifest_entry *alertidx_find(const struct manifest_entry *files, size_t n,
                                           const char *path);

#endif
