/*
 * alertmsg: what the alert watcher (loaxad-net alerts, alertnet.c) tells
 * the daemon, one JSON object per line on a pipe:
 *
 *   {"event":"play", "identifier", "sender", "sent", "msg_type", "severity",
 *    "level", "headline", "sha256", "audio", "duration_s", "repeat",
 *    "interval_s", "expires", "references": [{"sender","identifier"}...]}
 *        a verified CAP Alert or Update for this station, its audio (the
 *        lead-in tone and the message) ready in a WAV file
 *   {"event":"cancel", "identifier", "sender", "sent", "msg_type", "sha256",
 *    "references"}
 *        a verified Cancel of alerts the watcher gave before
 *   {"event":"refused", "reason", and what is known of the message}
 *        a message, or a whole index, that must not play
 *   {"event":"state", "ok", "index_version", "reason"}
 *        the watcher's own state, when it changes
 *
 * The daemon parses no XML and fetches nothing: this small description
 * is all it learns of an alert. Pure.
 */
#ifndef LOAXA_ALERTMSG_H
#define LOAXA_ALERTMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ALERTMSG_MAX_LINE (64 * 1024)
#define ALERTMSG_MAX_REFS 64

enum alertmsg_kind { ALERTMSG_PLAY = 1, ALERTMSG_CANCEL, ALERTMSG_REFUSED, ALERTMSG_STATE };

struct alertmsg_ref {
	char *sender;
	char *identifier;
};

struct alertmsg {
	enum alertmsg_kind kind;
	/* the message (NULL or 0 when not known, in a refusal) */
	char *identifier;
	char *sender;
	char *sent;
	char *msg_type; /* Alert | Update | Cancel */
	char *severity;
	char *headline;
	int level;       /* LOAXA_RISK_LEVEL, 0 when not given */
	char sha256[65]; /* of the CAP file, "" when not known */
	/* PLAY */
	char *audio; /* absolute path of the WAV to play */
	double duration_s;
	int repeat;
	int interval_s;
	time_t expires;
	/* PLAY (an Update) and CANCEL: what it replaces or ends */
	struct alertmsg_ref *refs;
	size_t nrefs;
	/* REFUSED: why; STATE: the last problem, NULL when all is well */
	char *reason;
	/* STATE */
	bool ok;
	uint64_t index_version;
};

/* One line, '\n' included (malloc'd). */
char *alertmsg_format(const struct alertmsg *m);
/* Parse one line (without its '\n'), strictly: 0, or -1 with why. */
int alertmsg_parse(struct alertmsg *m, const char *line, size_t len, char *why, size_t why_len);
void alertmsg_copy(struct alertmsg *dst, const struct alertmsg *src);
void alertmsg_free(struct alertmsg *m);

#endif
