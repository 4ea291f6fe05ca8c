/*
 * provalert: what loaxa-province alert writes, without the disk work
 * (DESIGN: disaster alerts). The alert index alerts.json (alertidx.h),
 * the "alerts" list of the manifest, and the <resource> the tool adds to
 * a CAP message for its audio file. Pure.
 */
#ifndef LOAXA_PROVALERT_H
#define LOAXA_PROVALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* One file of the alert index: alerts/<sha256>.xml or programmes/<sha256>.<ext>. */
struct provalert_file {
	char path[96];
	char sha256[65];
	int64_t bytes;
};

/* The "alerts" list of a previous alerts.json or manifest.json, and the
 * index's version. An absent list is an empty one. 0, or -1 with a static
 * English reason in *why. */
int provalert_previous(const void *buf, size_t len, uint64_t *version,
                       struct provalert_file **files, size_t *n, const char **why);

/* The index document (UTF-8 JSON, newline-terminated, malloc'd). */
char *provalert_index_json(const char *province, uint64_t version, time_t issued, time_t expires,
                           const struct provalert_file *files, size_t n);
/* The trusted comment of its signature (malloc'd). */
char *provalert_trusted_comment(time_t when, uint64_t version);

/* A manifest document with its "alerts" list set to files (removed when
 * n is 0). bump: version + 1 (into *version) and issued = now; otherwise
 * the same version. NULL with *why when manifest is not a JSON object
 * with a positive version. */
char *provalert_manifest_set(const char *manifest, const struct provalert_file *files, size_t n,
                             bool bump, time_t now, uint64_t *version, const char **why);

/* A CAP message with an audio <resource> inserted at offset (the end tag
 * of its <info>, cap_info.end_offset), in the CAP namespace whatever
 * prefix the message uses (malloc'd, *out_len bytes). */
char *provalert_add_resource(const char *cap, size_t len, size_t offset, const char *desc,
                             const char *mime, int64_t bytes, const char *uri, const char *sha1_hex,
                             size_t *out_len);

/* The MIME type of an audio file extension ("ogg": "audio/ogg"). */
const char *provalert_mime(const char *ext);
/* The CAP severity that goes with a risk level of QĐ 18/2021 (1..5). */
const char *provalert_severity_for_level(int level);

#endif
