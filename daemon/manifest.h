/*
 * manifest: the province's manifest.json (DESIGN §4), parsed and checked.
 *
 * Pure: bytes and a description of what the station already trusts go in,
 * a struct or a list of reasons comes out. No clock, no disk, no network;
 * signature verification is the caller's job (sync.c), done before this.
 */
#ifndef LOAXA_MANIFEST_H
#define LOAXA_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"

#define MANIFEST_FORMAT "loaxa-manifest/1"
/* Caps on what is read from the network before it is parsed. */
#define MANIFEST_MAX_BYTES   (4 * 1024 * 1024)
#define MANIFEST_MAX_SIG     (16 * 1024)
#define MANIFEST_MAX_ENTRIES 10000
#define MANIFEST_MAX_RELAYS  1000
/* Sum of the sizes of one station's files: far beyond an SD card. */
#define MANIFEST_MAX_TOTAL ((int64_t)64 * 1024 * 1024 * 1024)

struct manifest_entry {
	char *id;             /* programmes: the id; schedules: NULL */
	char *title;          /* programmes: default the id; schedules: NULL */
	char *klass;          /* programmes: "normal" | "priority" | "emergency" */
	char *path;           /* "programmes/<sha256>.<ext>" or "schedules/<sha256>.cfg" */
	const char *name;     /* "<sha256>.<ext>", inside path: the store file name */
	char sha256[65];      /* lower-case hex */
	int64_t bytes;        /* 1 .. max_bytes */
	double duration_s;    /* 0 when not given */
	double loudness_lufs; /* NAN when not given */
	double peak_dbfs;     /* sample peak, NAN when not given (loaxa extension) */
	int64_t valid_until;  /* civil day (days since 1970-01-01), INT64_MAX if none */
	bool for_station;     /* "stations" holds the station's id or "*" */
};

/* A stream the province publishes for relaying (loaxa extension: the
 * optional "relays" list of { "id", "title", "url", "stations" }). */
struct manifest_relay {
	char *id;
	char *title; /* default the id */
	char *url;   /* http(s), as schedule.h's sched_valid_url */
	bool for_station;
};

struct manifest {
	uint64_t version;
	char *province;
	time_t issued;
	time_t expires;
	struct manifest_entry *programmes;
	size_t nprogrammes;
	struct manifest_entry *schedules;
	size_t nschedules;
	struct manifest_relay *relays;
	size_t nrelays;
	/* loaxa extension: the alert index's files (alertidx.h), listed here
	 * too; paths alerts/<sha256>.xml or programmes/<sha256>.<ext> */
	struct manifest_entry *alerts;
	size_t nalerts;
	char sha256[65]; /* of the manifest's bytes */
};

/* What the manifest is checked against. */
struct manifest_check {
	const char *station_id;  /* decides manifest_entry.for_station */
	uint64_t last_version;   /* of the last accepted manifest; 0 = none */
	const char *last_sha256; /* its bytes' SHA-256; NULL = none */
	time_t now;
	/*
	 * The expiry is checked against now when the clock is trusted, else
	 * against the later of now and time_floor: a time the station knows
	 * has passed (the newest as-run line, the active manifest's "issued",
	 * the clock at the last sync on a trusted clock; 0 for none), so that
	 * a replayed manifest is not accepted for ever by a clock that reads
	 * early and never syncs.
	 */
	bool clock_trusted;
	time_t time_floor;
	int64_t max_bytes; /* per file; <= 0: no limit but the sanity caps */
};

/* Parse and check len bytes of manifest JSON. name is how the reasons
 * refer to it ("NAME: reason" or "NAME:LINE: reason"). Returns 0 with m
 * filled, or -1 with every reason found appended to why (m is then empty).
 * An equal version with the same bytes as last_sha256 is accepted: it is
 * the same manifest. */
int manifest_parse(struct manifest *m, const void *buf, size_t len, const char *name,
                   const struct manifest_check *chk, struct diag *why);
void manifest_free(struct manifest *m);

/* A JSON list of alert files (path, sha256, bytes), as in "alerts" above,
 * checked like the manifest's files; name is how reasons refer to it. 0
 * with *out (n entries, free each with the list as manifest_free does:
 * see manifest_entries_free), or -1 with the reasons appended to why. */
int manifest_parse_alert_files(json_t *list, const char *name, const struct manifest_check *chk,
                               struct manifest_entry **out, size_t *n, struct diag *why);
void manifest_entries_free(struct manifest_entry *v, size_t n);

/* [a-z0-9][a-z0-9._-]*, at most 128 characters, without "..". */
bool manifest_safe_id(const char *id);
/* A file name of the store's shape, "<sha256>.<anything>": 64 lower-case
 * hex digits, a dot, at least one character more. Whatever sweeps a store
 * folder (the station's, the alert watcher's, the province's publication)
 * touches no other name. */
bool manifest_is_store_name(const char *name);
/* "YYYY-MM-DD" to a civil day number; -1 when not a valid date. */
int manifest_parse_day(const char *s, int64_t *day);

#endif
