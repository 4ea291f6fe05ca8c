/*
 * provreport: loaxa-province verify and report (DESIGN §7) over the log
 * folder the stations upload into (LOGDIR/<station>/<segments>, as the
 * WebDAV server stores them) and the province's station registry
 * (stations.cfg).
 *
 * verify prints one verdict per station and one line per problem (the
 * station's signed status.json says what it delivered, so that a deleted
 * newest segment shows: see segment_verifier_delivered); report
 * verifies first (problems become warnings and mark the station), then
 * sums each station's days: items by status, minutes on air, the priority
 * programmes aired or not, and which stations were silent or offline.
 */
#ifndef LOAXA_PROVREPORT_H
#define LOAXA_PROVREPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "diag.h"
#include "minisig.h"

struct provreport_station {
	char *id;
	char *name;
	char *district;
	struct minisig_pubkey pk;
};

struct provreport_stations {
	struct provreport_station *v;
	size_t n;
};

/* stations = ( { id; name; district; public_key; }, ... ); problems go to
 * d as "FILE:LINE: ...". 0, or -1 (nothing kept). */
int provreport_load_stations(struct provreport_stations *s, const char *path, struct diag *d);
void provreport_stations_free(struct provreport_stations *s);

/* Verify every station's logs; verdicts and problems are written to out.
 * all_signatures: check every segment's signature, not only those the
 * hash chain cannot vouch for (SEGMENT_SIGS_ALL, see segment.h).
 * Returns the number of stations with problems (0: all OK), or -1 when
 * logdir cannot be read (reported on stderr). */
int provreport_verify(const struct provreport_stations *s, const char *logdir, bool all_signatures,
                      FILE *out);

enum provreport_format { PROVREPORT_CSV, PROVREPORT_HTML };

struct provreport_opts {
	int64_t from_day, to_day; /* civil day numbers, inclusive */
	enum provreport_format format;
	FILE *out;
	FILE *priority_out;  /* CSV: the priority table; NULL: after the main one */
	FILE *alerts_out;    /* CSV: the disaster alerts table; NULL: after the
	                      * priority table, when any alert was logged */
	FILE *warn;          /* verification problems, as warnings */
	bool all_signatures; /* as for provreport_verify */
	time_t now;          /* "offline" is judged at min(now, end of to_day) */
};

/* Returns the number of stations that failed verification (they are
 * reported all the same, marked), or -1 when logdir cannot be read. */
int provreport_report(const struct provreport_stations *s, const char *logdir,
                      const struct provreport_opts *o);

#endif
