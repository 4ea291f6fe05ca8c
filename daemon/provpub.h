/*
 * provpub: what the province publishes, without the file copying (DESIGN
 * §4, §7). Programme ids from file names, sidecar metadata, measuring an
 * audio file, reading the previous manifest's version and writing the new
 * manifest document. loaxa-province does the disk work around it.
 */
#ifndef LOAXA_PROVPUB_H
#define LOAXA_PROVPUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"

#define PROVPUB_MAX_EXT 16

/* Metadata of one published file: from its sidecar, or the defaults. */
struct provpub_meta {
	char *title;       /* programmes only; NULL: the id */
	const char *klass; /* programmes only: "normal" | "priority" | "emergency" */
	char *valid_until; /* programmes only: "YYYY-MM-DD" or NULL */
	char **stations;   /* station ids or "*"; never empty once filled */
	size_t nstations;
};

struct provpub_programme {
	char *id;
	char *ext; /* lower case, without the dot */
	char sha256[65];
	int64_t bytes;
	double duration_s;
	double loudness_lufs; /* NAN when it cannot be measured (silence) */
	double peak_dbfs;     /* sample peak; NAN for digital silence */
	struct provpub_meta meta;
};

struct provpub_schedule {
	char sha256[65];
	int64_t bytes;
	struct provpub_meta meta;
};

/* A stream the province publishes for its stations to relay. */
struct provpub_relay {
	char *id;
	char *title; /* NULL: the id */
	char *url;
	struct provpub_meta meta; /* stations */
};

struct provpub_manifest {
	const char *province;
	uint64_t version;
	time_t issued;
	time_t expires;
	const struct provpub_programme *programmes;
	size_t nprogrammes;
	const struct provpub_schedule *schedules;
	size_t nschedules;
	const struct provpub_relay *relays; /* written only when there are any */
	size_t nrelays;
};

/* A relays file (libconfig): relays = ( { id = "vov1"; title = "VOV1";
 * url = "https://..."; stations = "*"; }, ... ); stations is optional (a
 * comma-separated list, default defaults' stations). 0 with *out (n
 * entries), or -1 with every problem appended to d as FILE:LINE. */
int provpub_load_relays(const char *path, const struct provpub_meta *defaults,
                        struct provpub_relay **out, size_t *n, struct diag *d);
void provpub_relays_free(struct provpub_relay *r, size_t n);

/* The programme id and extension of an audio file name: the name without
 * its last extension, lower-cased; it must be a safe id. 0, or -1 with a
 * static English reason in *why. */
int provpub_id_from_name(const char *name, char **id, char **ext, const char **why);

/* "*" or a station id as the station's configuration accepts it. */
bool provpub_station_ok(const char *s);
/* A comma-separated list of those into m->stations. 0 or -1. */
int provpub_parse_stations(const char *list, struct provpub_meta *m);

/* A sidecar's JSON (len bytes, named file in problems) into m. schedule:
 * only "stations" is allowed. Members it does not give keep m's values.
 * 0, or -1 with every problem appended to d. */
int provpub_parse_sidecar(const void *buf, size_t len, const char *file, bool schedule,
                          struct provpub_meta *m, struct diag *d);
void provpub_meta_copy(struct provpub_meta *dst, const struct provpub_meta *src);
void provpub_meta_free(struct provpub_meta *m);

/* Decode path with libsndfile: duration (frames / rate, to the ms) and
 * integrated loudness (EBU R128, to 0.1 LU; NAN for silence). 0, or -1
 * with the reason in err. */
int provpub_measure(const char *path, double *duration_s, double *loudness_lufs, double *peak_dbfs,
                    char *err, size_t errlen);

/* Version and province of a previous manifest.json. 0, or -1 with a
 * static English reason in *why. */
int provpub_previous(const void *buf, size_t len, uint64_t *version, char **province,
                     const char **why);

/* The manifest document (UTF-8 JSON, newline-terminated, malloc'd). */
char *provpub_manifest_json(const struct provpub_manifest *m);
/* The trusted comment its signature carries (malloc'd). */
char *provpub_trusted_comment(time_t when, uint64_t version);

#endif
