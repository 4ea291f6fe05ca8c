/*
 * catalog: the programmes and province schedules of the active manifest,
 * as the station sees them (files already verified in state_dir/store/).
 */
#ifndef LOAXA_CATALOG_H
#define LOAXA_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct catalog_programme {
	char *id;
	char *title;
	char *klass; /* "normal" | "priority" | "emergency" */
	char *path;  /* absolute path in the store */
	char sha256[65];
	int64_t bytes;
	double duration_s;
	double loudness_lufs; /* NAN when not given */
	double peak_dbfs;     /* sample peak, NAN when not given */
	int64_t valid_until;  /* civil day number (days since 1970-01-01), INT64_MAX if none */
};

/* A stream the province publishes for relaying. */
struct catalog_relay {
	char *id;
	char *title;
	char *url;
};

struct catalog {
	uint64_t version; /* 0 = no manifest */
	char *province;
	struct catalog_programme *programmes;
	size_t nprogrammes;
	char **schedules; /* absolute paths of province schedule files for this station */
	size_t nschedules;
	struct catalog_relay *relays; /* for this station */
	size_t nrelays;
};

/* Load state_dir's active manifest. No manifest is not an error (empty
 * catalog). 0, or -1 with the reason logged. */
int catalog_load(struct catalog *c, const char *state_dir, const char *station_id);
void catalog_free(struct catalog *c);
const struct catalog_programme *catalog_find(const struct catalog *c, const char *id);
const struct catalog_relay *catalog_find_relay(const struct catalog *c, const char *id);

#endif
