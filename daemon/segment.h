/*
 * segment: the as-run log's unit of upload and audit (DESIGN §5, §7).
 *
 * A segment is a run of as-run lines, byte for byte as the station logged
 * them, named <station>-<first>-<last>.jsonl and signed by the station key.
 * This module is pure (no files, no clock): naming, choosing which lines
 * the next segment holds, a strict one-pass parser for one as-run line, and
 * the verifier loaxa-province runs over one station's segments: signatures,
 * seq continuity, the prev hash chain, forks, and the §5 fields.
 */
#ifndef LOAXA_SEGMENT_H
#define LOAXA_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "airlog.h"
#include "minisig.h"

#define SEGMENT_STATION_MAX 64
/* station, two '-', two seqs of up to 20 digits, ".jsonl", NUL */
#define SEGMENT_NAME_MAX (SEGMENT_STATION_MAX + 2 + 40 + 6 + 1)

/* --- names ---------------------------------------------------------------- */

/* "<station>-<first>-<last>.jsonl", seqs zero-padded to 10 digits.
 * buf has SEGMENT_NAME_MAX bytes. */
void segment_name(char *buf, size_t n, const char *station, uint64_t first, uint64_t last);
/* Split a segment file name; station gets SEGMENT_STATION_MAX + 1 bytes.
 * 0, or -1 when name is not a segment name (first > last included). */
int segment_parse_name(const char *name, char *station, uint64_t *first, uint64_t *last);
/* The station id rule of DESIGN §2: [a-z0-9][a-z0-9-]{0,63}. */
bool segment_valid_station(const char *id);

/* --- cutting -------------------------------------------------------------- */

/* One complete line of the as-run log, as read (pointer into the caller's
 * buffer, '\n' included). */
struct segment_ref {
	const char *p;
	size_t len;
	uint64_t seq;   /* the line's seq, or for an orphan the seq before it */
	bool orphan;    /* no readable seq: it travels with the line before it */
	uint64_t order; /* reading order, to keep equal seqs as they were */
};

/* The leading "{"seq":N," that airlog writes, read without a JSON parser;
 * 0 when the line does not start so. */
uint64_t segment_line_seq(const char *line, size_t len);

/*
 * Choose the next segment among refs (every complete line read, any
 * order). refs is sorted by seq; the segment is refs[*start] onwards: one
 * run of consecutive seqs from after + 1 (orphans and repeats travel with
 * the line before them). The run stops at max_lines and at a missing seq,
 * returned in *gap (0 if none), so that a line still being appended to
 * another day file is not skipped for good; a gap equal to allow_gap (seen
 * before, so lost for real) is passed over. Returns how many refs the
 * segment takes (0: nothing to cut), with the first and last seq in it.
 */
size_t segment_pick(struct segment_ref *refs, size_t n, uint64_t after, uint64_t allow_gap,
                    size_t max_lines, size_t *start, uint64_t *first, uint64_t *last,
                    uint64_t *gap);

/* --- one as-run line -------------------------------------------------------- */

/* A JSON value inside the line: a string's raw contents (between the
 * quotes, escapes as written) or a number's text. */
struct segment_val {
	const char *p;
	size_t len;
	bool present;
	bool null;
	bool string;  /* a string (else a number, or true/false with p NULL) */
	bool escaped; /* a string holding backslash escapes */
};

struct segment_line {
	uint64_t seq;
	const char *prev; /* 64 lower-case hex digits inside the line */
	enum airlog_type type;
	struct segment_val station, programme, file, sha256, slot, priority, status, reason;
	struct segment_val scheduled, start, end, time, version, clock;
	struct segment_val by; /* optional on play lines: who asked (an operator) */
	struct segment_val played_s, duration_s, peak_dbfs, rms_dbfs;
	/* relay items: play lines may carry relay, relayed_s, fallback_s;
	 * a "switch" line (type AIRLOG_SWITCH) has relay, time, to */
	struct segment_val relay, relayed_s, fallback_s, to;
	/* alert lines */
	struct segment_val identifier, sender, sent, msg_type, severity, level, repeat, repeats;
};

/* Parse and check one line (without its '\n') strictly: valid JSON (UTF-8,
 * no duplicate keys), a flat object with every §5 field of its type, with
 * the right types and values. Values point into line. 0, or -1 with *why
 * set to a static English reason. */
int segment_parse_line(const char *line, size_t len, struct segment_line *l, const char **why);
/* The value as a NUL-terminated string (escapes decoded) in buf of n
 * bytes, cut if longer; "" for null or absent. Returns buf. */
char *segment_val_str(const struct segment_val *v, char *buf, size_t n);
/* A number's value, or fallback when null or absent. */
double segment_val_num(const struct segment_val *v, double fallback);
/* A line's date "YYYY-MM-DD" (local to the station, as written): of start,
 * else scheduled, else end for a play line; of time otherwise. NULL if none. */
const char *segment_line_date(const struct segment_line *l);

/* --- verifying one station's segments -------------------------------------- */

struct segment_summary {
	size_t segments;
	uint64_t lines;
	uint64_t first_seq, last_seq; /* 0 when there were no lines */
	char first_date[11], last_date[11];
	char last_time[40]; /* the newest time written (end or time), "" if none */
	size_t problems;
	size_t signatures; /* signatures checked */
};

/* A problem, as one line of text: "segment NAME seq N: what" (no station). */
typedef void (*segment_problem_fn)(void *ctx, const char *text);
/* Every line that parsed, in segment order (for reports). */
typedef void (*segment_line_fn)(void *ctx, const struct segment_line *l);

/*
 * Which signatures the verifier checks.
 *
 * Every line's prev is the SHA-256 of the line before it, so a valid
 * station signature over a segment also vouches for every line the chain
 * leads back to. SEGMENT_SIGS_CHAIN checks a signature only where the
 * chain cannot stand in for it: the newest segment of each unbroken run
 * of the chain, every segment with a problem or named in one, and, when
 * one of those fails, the one before it, so that a forged segment is
 * named whichever way it was forged. What it cannot see is a segment
 * whose content is the station's own but whose .minisig was replaced:
 * SEGMENT_SIGS_ALL checks every signature, as each segment is read.
 */
enum segment_sigs { SEGMENT_SIGS_ALL, SEGMENT_SIGS_CHAIN };

struct segment_verifier;

/* A verifier in SEGMENT_SIGS_ALL mode. */
struct segment_verifier *segment_verifier_new(const char *station, const struct minisig_pubkey *pk,
                                              segment_problem_fn problem, void *ctx);
void segment_verifier_set_sigs(struct segment_verifier *v, enum segment_sigs sigs);

/*
 * Check one segment's lines: call in order of (first, last) seq of the
 * names (segment_cmp_names). sig_present: a .minisig is beside it. Returns
 * true when its signature is to be checked now: call segment_verify_sig
 * next, with the same name and data. each_line may be NULL.
 */
bool segment_verify_lines(struct segment_verifier *v, const char *name, const char *data,
                          size_t len, bool sig_present, segment_line_fn each_line, void *line_ctx);
/* sig: the .minisig's text, NULL if there is none after all. */
void segment_verify_sig(struct segment_verifier *v, const char *name, const char *data, size_t len,
                        const char *sig, size_t sig_len);
/*
 * After the last segment: the name of the next segment whose signature is
 * still to be checked (with segment_verify_sig), newest first; NULL when
 * none is left. The name lasts as long as the verifier. Each comes once;
 * a segment that can no longer be read is reported with
 * segment_verifier_problem, and the next call goes on without it.
 */
const char *segment_verifier_owed(struct segment_verifier *v);
/* segment_verify_lines, then segment_verify_sig if it says so, for a
 * caller that has the signature at hand: sig NULL when there is none. */
void segment_verify(struct segment_verifier *v, const char *name, const char *data, size_t len,
                    const char *sig, size_t sig_len, segment_line_fn each_line, void *line_ctx);
/*
 * What the station's signed status.json says it delivered: every line up
 * to seq, the last of them with the chain hash sha256 (NULL: not said);
 * when is its "updated" time, for the reason. Call before the segments.
 * Lines the station logged but holds back (a session on the air) or has
 * not sent yet are not in it, so they are never missed here.
 */
void segment_verifier_delivered(struct segment_verifier *v, uint64_t seq, const char *sha256,
                                const char *when);
/* After the last segment: what segment_verifier_delivered() says was
 * delivered and no segment holds (the newest segments deleted), or holds
 * as another line (the tail rewritten), as problems. */
void segment_verifier_tail(struct segment_verifier *v);
/* A problem found outside the segments (a stray signature, an unreadable
 * file): counted and passed to the problem callback as given. */
void segment_verifier_problem(struct segment_verifier *v, const char *text);
void segment_verifier_summary(const struct segment_verifier *v, struct segment_summary *s);
void segment_verifier_free(struct segment_verifier *v);

/* Order for segment names (by first, then last seq, then name), for qsort
 * over an array of char *. Names that do not parse sort last. */
int segment_cmp_names(const void *a, const void *b);

#endif
