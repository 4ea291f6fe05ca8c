/*
 * cap: OASIS Common Alerting Protocol 1.2 messages, as a station reads
 * them (libexpat).
 *
 * cap_parse checks a message's bytes against the structure of CAP 1.2
 * (the elements a station uses, their order of nesting, the required
 * ones, the enumerations, dateTime values) and keeps what it read.
 * cap_plan_for decides what one station does with a parsed message:
 * play it (which <info>, how often, until when, with which audio or
 * which text to speak), apply a Cancel, or refuse it and say why.
 *
 * loaxa's conventions inside standard CAP (DESIGN: disaster alerts):
 *   <parameter> LOAXA_REPEAT           times to play, 1..100 (default 1)
 *   <parameter> LOAXA_REPEAT_INTERVAL  seconds from one start to the next,
 *                                      0..86400 (default 0: back to back)
 *   <parameter> LOAXA_RISK_LEVEL       the disaster risk level 1..5 of
 *                                      Decision 18/2021/QĐ-TTg
 *   <geocode>   LOAXA_STATION          a station id, or "*" for every one
 *   <geocode>   VN_DVHC                an administrative unit code (mã đơn
 *                                      vị hành chính) a station lists in
 *                                      station.geocodes
 *   <resource>  <uri> ending in programmes/<sha256>.<ext>: the audio, a
 *               file of the same publication
 *
 * Pure: no clock (the time is given), no disk, no network. Untrusted
 * input: no DOCTYPE (so no entities), bounded sizes, depth and counts.
 */
#ifndef LOAXA_CAP_H
#define LOAXA_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CAP_NS "urn:oasis:names:tc:emergency:cap:1.2"

#define CAP_MAX_BYTES      (256 * 1024)
#define CAP_MAX_TEXT       (32 * 1024) /* one element's text */
#define CAP_MAX_ID         256         /* identifier, sender */
#define CAP_MAX_INFOS      8
#define CAP_MAX_AREAS      16  /* per info */
#define CAP_MAX_GEOCODES   512 /* per area */
#define CAP_MAX_PARAMETERS 64  /* per info */
#define CAP_MAX_RESOURCES  8   /* per info */
#define CAP_MAX_REFERENCES 64

#define CAP_PARAM_REPEAT    "LOAXA_REPEAT"
#define CAP_PARAM_INTERVAL  "LOAXA_REPEAT_INTERVAL"
#define CAP_PARAM_LEVEL     "LOAXA_RISK_LEVEL"
#define CAP_GEOCODE_STATION "LOAXA_STATION"
#define CAP_GEOCODE_DVHC    "VN_DVHC"
#define CAP_MAX_REPEAT      100
#define CAP_MAX_INTERVAL    86400

struct cap_pair {
	char *name;
	char *value;
};

/* One entry of <references>: "sender,identifier,sent". */
struct cap_ref {
	char *sender;
	char *identifier;
	char *sent;
};

struct cap_resource {
	char *desc;
	char *mime_type;
	char *uri;    /* NULL when absent */
	char *digest; /* NULL when absent */
	int64_t size; /* -1 when absent */
};

struct cap_area {
	char *desc;
	struct cap_pair *geocodes;
	size_t ngeocodes;
};

struct cap_info {
	char *language; /* "en-US" when absent, as CAP says */
	char *event;
	char *urgency;
	char *severity;
	char *certainty;
	char *headline; /* the three texts: NULL when absent */
	char *description;
	char *instruction;
	time_t expires; /* 0: none given */
	struct cap_pair *parameters;
	size_t nparameters;
	struct cap_resource *resources;
	size_t nresources;
	struct cap_area *areas;
	size_t nareas;
	size_t end_offset; /* byte offset of this info's end tag in the input */
};

struct cap_alert {
	char *identifier;
	char *sender;
	char *sent_text; /* as written */
	time_t sent;
	char *status;   /* Actual | Exercise | System | Test | Draft */
	char *msg_type; /* Alert | Update | Cancel | Ack | Error */
	char *scope;    /* Public | Restricted | Private */
	struct cap_ref *refs;
	size_t nrefs;
	struct cap_info *infos;
	size_t ninfos;
};

/* Parse and check len bytes. 0, or -1 with the reason in why (a is then
 * empty). */
int cap_parse(struct cap_alert *a, const void *buf, size_t len, char *why, size_t why_len);
void cap_free(struct cap_alert *a);

/* What a station does with a message. */
enum cap_action { CAP_PLAY = 1, CAP_CANCEL };

/* The station as cap_plan_for sees it. */
struct cap_station {
	const char *id;
	const char *const *geocodes; /* station.geocodes */
	size_t ngeocodes;
	time_t now; /* expires is compared with it */
};

struct cap_plan {
	enum cap_action action;
	const struct cap_info *info; /* CAP_PLAY: the Vietnamese <info> */
	int level;                   /* LOAXA_RISK_LEVEL, 0 when not given */
	int repeat;                  /* CAP_PLAY: >= 1 */
	int interval_s;
	time_t expires;                   /* CAP_PLAY */
	const struct cap_resource *audio; /* NULL: speak text */
	char audio_path[96];              /* "programmes/<sha256>.<ext>" */
	char audio_sha256[65];
	char *text; /* CAP_PLAY without audio: what to speak (malloc'd) */
};

/* Decide for st. 0 with p filled, or -1 with the reason in why. Cancels
 * and Updates must name what they replace in <references>. */
int cap_plan_for(const struct cap_alert *a, const struct cap_station *st, struct cap_plan *p,
                 char *why, size_t why_len);
void cap_plan_free(struct cap_plan *p);

/* A resource uri naming a file of the publication: it ends in
 * "programmes/<64 hex>.<ext>" (what comes before, up to a '/', is not
 * used: the station fetches from its own province). 0 with path (at least
 * 96 bytes) and sha256 filled, or -1. */
int cap_audio_path(const char *uri, char *path, char sha256[65]);

/* The language is Vietnamese: "vi" or "vi-..." (any case). */
bool cap_is_vietnamese(const char *language);

#endif
