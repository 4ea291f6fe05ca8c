/*
 * segment: names, cutting, the strict line parser and the verifier.
 *
 * The verifier is what the province trusts, and it has to keep up with a
 * year of logs from every commune: each line is hashed once (SHA-256, the
 * chain) and read once by a small parser that checks the JSON as it goes
 * and keeps only pointers into the line, never building a tree. A
 * signature costs more than a thousand lines; where the chain already
 * vouches for a segment's lines, its signature waits, and is checked only
 * if nothing later turns out to vouch for it (segment_verifier_owed).
 */
#include "segment.h"

#include <assert.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "util.h"

/* Past this many problems in one segment the rest are only counted: one
 * damaged segment must not bury every other finding. */
#define PROBLEMS_PER_SEGMENT 8
/* Unknown fields a line may carry (kept to catch duplicates). */
#define MAX_UNKNOWN_FIELDS 16
/* Nesting allowed inside an unknown field's value. */
#define MAX_DEPTH 16

/* --- names ---------------------------------------------------------------- */

void segment_name(char *buf, size_t n, const char *station, uint64_t first, uint64_t last)
{
	snprintf(buf, n, "%s-%010" PRIu64 "-%010" PRIu64 ".jsonl", station, first, last);
}

bool segment_valid_station(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > SEGMENT_STATION_MAX || id[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		      id[i] == '-'))
			return false;
	return true;
}

/* Digits of s[0..n) as a number (10 to 20 digits, no overflow). */
static int parse_seq_digits(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n < 10 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int segment_parse_name(const char *name, char *station, uint64_t *first, uint64_t *last)
{
	size_t n = strlen(name), end, dash2, dash1;

	if (n < 6 || strcmp(name + n - 6, ".jsonl") != 0)
		return -1;
	end = n - 6;
	for (dash2 = end; dash2 > 0 && name[dash2 - 1] != '-'; dash2--)
		;
	if (dash2 == 0)
		return -1;
	dash2--;
	for (dash1 = dash2; dash1 > 0 && name[dash1 - 1] != '-'; dash1--)
		;
	if (dash1 == 0)
		return -1;
	dash1--;
	if (parse_seq_digits(name + dash2 + 1, end - dash2 - 1, last) < 0 ||
	    parse_seq_digits(name + dash1 + 1, dash2 - dash1 - 1, first) < 0 || *first < 1 ||
	    *first > *last || dash1 > SEGMENT_STATION_MAX)
		return -1;
	memcpy(station, name, dash1);
	station[dash1] = '\0';
	return segment_valid_station(station) ? 0 : -1;
}

int segment_cmp_names(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	char sx[SEGMENT_STATION_MAX + 1], sy[SEGMENT_STATION_MAX + 1];
	uint64_t fx, lx, fy, ly;
	int okx = segment_parse_name(x, sx, &fx, &lx) == 0;
	int oky = segment_parse_name(y, sy, &fy, &ly) == 0;

	if (okx != oky)
		return okx ? -1 : 1;
	if (okx) {
		if (fx != fy)
			return fx < fy ? -1 : 1;
		if (lx != ly)
			return lx < ly ? -1 : 1;
	}
	return strcmp(x, y);
}

/* --- cutting -------------------------------------------------------------- */

uint64_t segment_line_seq(const char *line, size_t len)
{
	static const char head[] = "{\"seq\":";
	uint64_t v = 0;
	size_t i = sizeof head - 1;

	if (len < sizeof head || memcmp(line, head, sizeof head - 1) != 0)
		return 0;
	if (line[i] < '1' || line[i] > '9')
		return 0;
	for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(line[i] - '0');
	}
	return i < len && line[i] == ',' ? v : 0;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct segment_ref *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return 0;
}

size_t segment_pick(struct segment_ref *refs, size_t n, uint64_t after, uint64_t allow_gap,
                    size_t max_lines, size_t *start, uint64_t *first, uint64_t *last, uint64_t *gap)
{
	uint64_t expect = after + 1;
	size_t i = 0, k, lines = 0;

	*first = *last = *gap = 0;
	if (n > 1)
		qsort(refs, n, sizeof *refs, cmp_ref);
	while (i < n && refs[i].seq <= after)
		i++;
	*start = i;
	for (k = i; k < n; k++) {
		const struct segment_ref *r = &refs[k];

		/* Orphans and repeats belong right after the line before them. */
		if (r->orphan || r->seq < expect) {
			if (lines == 0)
				break; /* nothing of the run yet to travel with */
			continue;
		}
		if (r->seq > expect) {
			if (expect != allow_gap) {
				*gap = expect;
				break;
			}
			expect = r->seq;
		}
		if (lines == max_lines)
			break;
		if (lines == 0)
			*first = r->seq;
		*last = r->seq;
		lines++;
		expect++;
	}
	return lines ? k - i : 0;
}

/* --- the line parser -------------------------------------------------------- */

struct jp {
	const unsigned char *p;
	const unsigned char *end;
	const char *why;
};

/* Bytes that may stand in a string as they are (printable ASCII but '"'
 * and '\\'), for the few bytes the word-at-a-time scan leaves. */
enum { C_PLAIN = 1 };

/* The byte b in each of a word's eight bytes. */
#define BYTES_OF(b) (0x0101010101010101ULL * (uint64_t)(b))

static const unsigned char byte_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x80 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x90 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xa0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xb0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xc0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xd0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xe0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xf0 */
};

static void skip_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t'))
		j->p++;
}

static int bad(struct jp *j, const char *why)
{
	if (!j->why)
		j->why = why;
	return -1;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* \uXXXX at p (p[0] == '\\', p[1] == 'u'): the code unit, or -1. */
static long read_u16(const unsigned char *p, const unsigned char *end)
{
	long v = 0;

	if (end - p < 6)
		return -1;
	for (int i = 2; i < 6; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of the valid UTF-8 sequence of 2-4 bytes at p (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t left = (size_t)(end - p);
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* A string at j->p (on its opening quote). */
static int scan_string(struct jp *j, struct segment_val *v)
{
	const unsigned char *p = j->p + 1, *end = j->end;

	v->p = (const char *)p;
	v->string = true;
	v->escaped = false;
	for (;;) {
		/* Eight bytes at a time while none is a quote, a backslash, a
		 * control character or part of a multi-byte character. */
		while (end - p >= 8) {
			uint64_t x, q, b, m;

			memcpy(&x, p, 8);
			q = x ^ (BYTES_OF(0x22));
			b = x ^ (BYTES_OF(0x5c));
			m = (((q - BYTES_OF(1)) & ~q) | ((b - BYTES_OF(1)) & ~b) |
			     ((x - BYTES_OF(0x20)) & ~x) | x) &
			    BYTES_OF(0x80);
			if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				/* The lowest flag is exact (a borrow only
				 * reaches the bytes after it): go there. */
				p += (unsigned)__builtin_ctzll(m) / 8;
#endif
				break;
			}
			p += 8;
		}
		while (p < end && (byte_class[*p] & C_PLAIN))
			p++;
		if (p >= end)
			return bad(j, "unterminated string");
		if (*p == '"')
			break;
		if (*p < 0x20)
			return bad(j, "control character in a string");
		if (*p == '\\') {
			long u;

			v->escaped = true;
			if (end - p < 2)
				return bad(j, "unterminated string");
			if (p[1] != '\0' && strchr("\"\\/bfnrt", p[1])) {
				p += 2;
				continue;
			}
			if (p[1] != 'u' || (u = read_u16(p, end)) < 0)
				return bad(j, "bad escape in a string");
			if (u == 0)
				return bad(j, "\\u0000 in a string");
			if (u >= 0xdc00 && u <= 0xdfff)
				return bad(j, "lone surrogate in a string");
			if (u >= 0xd800 && u <= 0xdbff) {
				long lo = p + 7 < end && p[6] == '\\' && p[7] == 'u'
				              ? read_u16(p + 6, end)
				              : -1;

				if (lo < 0xdc00 || lo > 0xdfff)
					return bad(j, "lone surrogate in a string");
				p += 6;
			}
			p += 6;
			continue;
		}
		{
			size_t k = utf8_len(p, end);

			if (k == 0)
				return bad(j, "invalid UTF-8");
			p += k;
		}
	}
	v->len = (size_t)(p - (const unsigned char *)v->p);
	v->present = true;
	v->null = false;
	j->p = p + 1;
	return 0;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A number per RFC 8259 at j->p. */
static int scan_number(struct jp *j, struct segment_val *v)
{
	const unsigned char *p = j->p, *end = j->end;

	v->p = (const char *)p;
	if (p < end && *p == '-')
		p++;
	if (p >= end || !is_digit(*p))
		return bad(j, "bad number");
	if (*p == '0')
		p++;
	else
		while (p < end && is_digit(*p))
			p++;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !is_digit(*p))
			return bad(j, "bad number");
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !is_digit(*p))
			return bad(j, "bad number");
		while (p < end && is_digit(*p))
			p++;
	}
	v->len = (size_t)(p - j->p);
	v->present = true;
	v->null = false;
	v->escaped = false;
	j->p = p;
	return 0;
}

static bool take_word(struct jp *j, const char *w, size_t n)
{
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return false;
	j->p += n;
	return true;
}

static int skip_value(struct jp *j, int depth);

/* Any value; v (may be NULL) gets strings, numbers and null. */
static int scan_value(struct jp *j, struct segment_val *v, int depth)
{
	struct segment_val dummy;

	if (!v)
		v = &dummy;
	memset(v, 0, sizeof *v);
	if (j->p >= j->end)
		return bad(j, "value expected");
	switch (*j->p) {
	case '"':
		return scan_string(j, v);
	case 'n':
		if (!take_word(j, "null", 4))
			return bad(j, "bad literal");
		v->present = v->null = true;
		return 0;
	case 't':
	case 'f':
		if (!take_word(j, "true", 4) && !take_word(j, "false", 5))
			return bad(j, "bad literal");
		v->present = true;
		v->p = NULL; /* neither string nor number: the type checks refuse it */
		return 0;
	case '[':
	case '{':
		v->present = true;
		return skip_value(j, depth);
	default:
		return scan_number(j, v);
	}
}

/* An array or object inside an unknown field: checked, not kept. */
static int skip_value(struct jp *j, int depth)
{
	bool object = *j->p == '{';
	unsigned char close = object ? '}' : ']';

	if (depth >= MAX_DEPTH)
		return bad(j, "nested too deep");
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (object) {
			struct segment_val key;

			if (j->p >= j->end || *j->p != '"' || scan_string(j, &key) < 0)
				return bad(j, "object key expected");
			skip_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return bad(j, "':' expected");
			j->p++;
			skip_ws(j);
		}
		if (scan_value(j, NULL, depth + 1) < 0)
			return -1;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			skip_ws(j);
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		return bad(j, "',' or end of array/object expected");
	}
}

enum field {
	F_SEQ,
	F_PREV,
	F_TYPE,
	F_STATION,
	F_PROGRAMME,
	F_FILE,
	F_SHA256,
	F_SLOT,
	F_PRIORITY,
	F_SCHEDULED,
	F_START,
	F_END,
	F_PLAYED_S,
	F_DURATION_S,
	F_STATUS,
	F_REASON,
	F_PEAK_DBFS,
	F_RMS_DBFS,
	F_CLOCK,
	F_TIME,
	F_VERSION,
	F_BY,
	F_RELAY,
	F_RELAYED_S,
	F_FALLBACK_S,
	F_TO,
	/* alert lines */
	F_IDENTIFIER,
	F_SENDER,
	F_SENT,
	F_MSG_TYPE,
	F_SEVERITY,
	F_LEVEL,
	F_REPEAT,
	F_REPEATS,
	F_UNKNOWN
};

#define KEY_IS(lit) (n == sizeof(lit) - 1 && memcmp(k, lit, n) == 0)

static enum field field_of(const char *k, size_t n)
{
	switch (k[0]) {
	case 'b':
		return KEY_IS("by") ? F_BY : F_UNKNOWN;
	case 'c':
		return KEY_IS("clock") ? F_CLOCK : F_UNKNOWN;
	case 'd':
		return KEY_IS("duration_s") ? F_DURATION_S : F_UNKNOWN;
	case 'e':
		return KEY_IS("end") ? F_END : F_UNKNOWN;
	case 'f':
		if (KEY_IS("file"))
			return F_FILE;
		return KEY_IS("fallback_s") ? F_FALLBACK_S : F_UNKNOWN;
	case 'i':
		return KEY_IS("identifier") ? F_IDENTIFIER : F_UNKNOWN;
	case 'l':
		return KEY_IS("level") ? F_LEVEL : F_UNKNOWN;
	case 'm':
		return KEY_IS("msg_type") ? F_MSG_TYPE : F_UNKNOWN;
	case 'p':
		if (KEY_IS("prev"))
			return F_PREV;
		if (KEY_IS("programme"))
			return F_PROGRAMME;
		if (KEY_IS("priority"))
			return F_PRIORITY;
		if (KEY_IS("played_s"))
			return F_PLAYED_S;
		return KEY_IS("peak_dbfs") ? F_PEAK_DBFS : F_UNKNOWN;
	case 'r':
		if (KEY_IS("reason"))
			return F_REASON;
		if (KEY_IS("repeat"))
			return F_REPEAT;
		if (KEY_IS("repeats"))
			return F_REPEATS;
		if (KEY_IS("relay"))
			return F_RELAY;
		if (KEY_IS("relayed_s"))
			return F_RELAYED_S;
		return KEY_IS("rms_dbfs") ? F_RMS_DBFS : F_UNKNOWN;
	case 's':
		if (KEY_IS("seq"))
			return F_SEQ;
		if (KEY_IS("station"))
			return F_STATION;
		if (KEY_IS("sha256"))
			return F_SHA256;
		if (KEY_IS("slot"))
			return F_SLOT;
		if (KEY_IS("scheduled"))
			return F_SCHEDULED;
		if (KEY_IS("sender"))
			return F_SENDER;
		if (KEY_IS("sent"))
			return F_SENT;
		if (KEY_IS("severity"))
			return F_SEVERITY;
		if (KEY_IS("start"))
			return F_START;
		return KEY_IS("status") ? F_STATUS : F_UNKNOWN;
	case 't':
		if (KEY_IS("type"))
			return F_TYPE;
		if (KEY_IS("to"))
			return F_TO;
		return KEY_IS("time") ? F_TIME : F_UNKNOWN;
	case 'v':
		return KEY_IS("version") ? F_VERSION : F_UNKNOWN;
	default:
		return F_UNKNOWN;
	}
}

#undef KEY_IS

/* Each field's name as written, quotes included. */
#define FIELD_KEY(name)                                                                            \
	{                                                                                          \
		"\"" name "\"", sizeof(name) + 1                                                   \
	}
static const struct {
	char text[16];
	unsigned char len;
} field_key[F_UNKNOWN] = {
    [F_SEQ] = FIELD_KEY("seq"),
    [F_PREV] = FIELD_KEY("prev"),
    [F_TYPE] = FIELD_KEY("type"),
    [F_STATION] = FIELD_KEY("station"),
    [F_PROGRAMME] = FIELD_KEY("programme"),
    [F_FILE] = FIELD_KEY("file"),
    [F_SHA256] = FIELD_KEY("sha256"),
    [F_SLOT] = FIELD_KEY("slot"),
    [F_PRIORITY] = FIELD_KEY("priority"),
    [F_SCHEDULED] = FIELD_KEY("scheduled"),
    [F_START] = FIELD_KEY("start"),
    [F_END] = FIELD_KEY("end"),
    [F_PLAYED_S] = FIELD_KEY("played_s"),
    [F_DURATION_S] = FIELD_KEY("duration_s"),
    [F_STATUS] = FIELD_KEY("status"),
    [F_REASON] = FIELD_KEY("reason"),
    [F_PEAK_DBFS] = FIELD_KEY("peak_dbfs"),
    [F_RMS_DBFS] = FIELD_KEY("rms_dbfs"),
    [F_CLOCK] = FIELD_KEY("clock"),
    [F_TIME] = FIELD_KEY("time"),
    [F_VERSION] = FIELD_KEY("version"),
    [F_BY] = FIELD_KEY("by"),
    [F_RELAY] = FIELD_KEY("relay"),
    [F_RELAYED_S] = FIELD_KEY("relayed_s"),
    [F_FALLBACK_S] = FIELD_KEY("fallback_s"),
    [F_TO] = FIELD_KEY("to"),
    [F_IDENTIFIER] = FIELD_KEY("identifier"),
    [F_SENDER] = FIELD_KEY("sender"),
    [F_SENT] = FIELD_KEY("sent"),
    [F_MSG_TYPE] = FIELD_KEY("msg_type"),
    [F_SEVERITY] = FIELD_KEY("severity"),
    [F_LEVEL] = FIELD_KEY("level"),
    [F_REPEAT] = FIELD_KEY("repeat"),
    [F_REPEATS] = FIELD_KEY("repeats"),
};
#undef FIELD_KEY

/* Whether the name at p is the field's: sixteen bytes compared at once
 * under a mask when the line has them. */
static bool key_is(const unsigned char *p, const unsigned char *end, enum field f)
{
	static const unsigned char ones[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	size_t n = field_key[f].len;
	uint64_t a0, a1, k0, k1, m0, m1;

	if ((size_t)(end - p) < 16)
		return (size_t)(end - p) > n && memcmp(p, field_key[f].text, n) == 0;
	memcpy(&a0, p, 8);
	memcpy(&a1, p + 8, 8);
	memcpy(&k0, field_key[f].text, 8);
	memcpy(&k1, field_key[f].text + 8, 8);
	memcpy(&m0, ones + 16 - n, 8);
	memcpy(&m1, ones + 24 - n, 8);
	return (((a0 ^ k0) & m0) | ((a1 ^ k1) & m1)) == 0;
}

/* The field airlog writes after each one (DESIGN §5; a play line, or a
 * start or stop line from time on). The parser first tries whether the
 * next name is that one, a plain comparison, and reads the name in full
 * only when it is not: any order stays valid, the usual one is quick. */
static const unsigned char field_next[F_UNKNOWN + 1] = {
    [F_SEQ] = F_PREV,
    [F_PREV] = F_TYPE,
    [F_TYPE] = F_STATION,
    [F_STATION] = F_PROGRAMME,
    [F_PROGRAMME] = F_SHA256,
    [F_FILE] = F_SHA256,
    [F_SHA256] = F_SLOT,
    [F_SLOT] = F_PRIORITY,
    [F_PRIORITY] = F_SCHEDULED,
    [F_SCHEDULED] = F_START,
    [F_START] = F_END,
    [F_END] = F_PLAYED_S,
    [F_PLAYED_S] = F_DURATION_S,
    [F_DURATION_S] = F_STATUS,
    [F_STATUS] = F_REASON,
    [F_REASON] = F_PEAK_DBFS,
    [F_BY] = F_PEAK_DBFS,
    [F_PEAK_DBFS] = F_RMS_DBFS,
    [F_RMS_DBFS] = F_CLOCK,
    [F_CLOCK] = F_REASON,
    [F_TIME] = F_VERSION,
    [F_VERSION] = F_CLOCK,
    [F_RELAY] = F_SHA256,
    [F_RELAYED_S] = F_FALLBACK_S,
    [F_FALLBACK_S] = F_CLOCK,
    [F_TO] = F_REASON,
    /* an alert line: station, then these, then sha256, then the times */
    [F_IDENTIFIER] = F_SENDER,
    [F_SENDER] = F_SENT,
    [F_SENT] = F_MSG_TYPE,
    [F_MSG_TYPE] = F_SEVERITY,
    [F_SEVERITY] = F_LEVEL,
    [F_LEVEL] = F_SHA256,
    [F_REPEAT] = F_REPEATS,
    [F_REPEATS] = F_SCHEDULED,
    [F_UNKNOWN] = F_UNKNOWN,
};

static bool val_is_string(const struct segment_val *v)
{
	return v->present && !v->null && v->string;
}

static bool val_is_number(const struct segment_val *v)
{
	return v->present && !v->null && !v->string && v->p;
}

static bool val_equals(const struct segment_val *v, const char *s)
{
	size_t n = strlen(s);

	return val_is_string(v) && !v->escaped && v->len == n && memcmp(v->p, s, n) == 0;
}

/* 64 digits 0-9a-f, eight at a time: each byte below 0x80 is compared
 * by adding to it so that its top bit says which side of a bound it is
 * on, with no carry into the next byte. */
static bool is_lower_hex64(const char *s, size_t n)
{
	uint64_t bad = 0;

	if (n != 64)
		return false;
	for (size_t i = 0; i < 64; i += 8) {
		uint64_t x, digit, letter;

		memcpy(&x, s + i, 8);
		bad |= x;
		digit = (x + BYTES_OF(0x80 - '0')) & ~(x + BYTES_OF(0x80 - '9' - 1));
		letter = (x + BYTES_OF(0x80 - 'a')) & ~(x + BYTES_OF(0x80 - 'f' - 1));
		bad |= ~(digit | letter);
	}
	return (bad & BYTES_OF(0x80)) == 0;
}

static int two(const char *s)
{
	if (!is_digit((unsigned char)s[0]) || !is_digit((unsigned char)s[1]))
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "YYYY-MM-DDTHH:MM:SS[.f+](Z|+HH:MM|-HH:MM)", with real dates. */
static bool valid_time(const struct segment_val *v)
{
	static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *s = v->p;
	size_t n = v->len, i = 19;
	int y, mo, d;

	if (!val_is_string(v) || v->escaped || n < 20)
		return false;
	if (two(s) < 0 || two(s + 2) < 0 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return false;
	y = two(s) * 100 + two(s + 2);
	mo = two(s + 5);
	d = two(s + 8);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return false;
	if (two(s + 11) < 0 || two(s + 11) > 23 || two(s + 14) < 0 || two(s + 14) > 59 ||
	    two(s + 17) < 0 || two(s + 17) > 60)
		return false;
	if (s[i] == '.') {
		size_t digits = 0;

		for (i++; i < n && is_digit((unsigned char)s[i]); i++)
			digits++;
		if (digits < 1 || digits > 9)
			return false;
	}
	if (i < n && s[i] == 'Z')
		return i + 1 == n;
	if (i + 6 != n || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':')
		return false;
	return two(s + i + 1) >= 0 && two(s + i + 1) <= 14 && two(s + i + 4) >= 0 &&
	       two(s + i + 4) <= 59;
}

static bool string_or_null(const struct segment_val *v)
{
	return v->present && (v->null || val_is_string(v));
}

static bool number_or_null(const struct segment_val *v)
{
	return v->present && (v->null || val_is_number(v));
}

static bool time_or_null(const struct segment_val *v)
{
	return v->present && (v->null || valid_time(v));
}

/* A whole number from lo to hi, or null. */
static bool small_or_null(const struct segment_val *v, int lo, int hi)
{
	int x = 0;

	if (!v->present)
		return false;
	if (v->null)
		return true;
	if (!val_is_number(v) || v->len > 4)
		return false;
	for (size_t i = 0; i < v->len; i++) {
		if (!is_digit((unsigned char)v->p[i]))
			return false;
		x = x * 10 + (v->p[i] - '0');
	}
	return x >= lo && x <= hi && !(v->len > 1 && v->p[0] == '0');
}

/* "sha256": null, or the 64 hex digits of what aired. */
static bool sha256_or_null(const struct segment_line *l)
{
	return l->sha256.present &&
	       (l->sha256.null ||
	        (val_is_string(&l->sha256) && is_lower_hex64(l->sha256.p, l->sha256.len)));
}

/* How an airing went, the end of a play line and of an alert line alike:
 * its times, its measures, a status of the n in statuses (bad_status
 * when not), a reason. */
static const char *check_outcome(const struct segment_line *l, const char *const *statuses,
                                 size_t n, const char *bad_status)
{
	bool ok = false;

	if (!time_or_null(&l->scheduled) || !time_or_null(&l->start) || !time_or_null(&l->end))
		return "scheduled, start or end missing or not a time";
	if (!number_or_null(&l->played_s) || !number_or_null(&l->duration_s) ||
	    !number_or_null(&l->peak_dbfs) || !number_or_null(&l->rms_dbfs))
		return "played_s, duration_s, peak_dbfs or rms_dbfs missing or not a number";
	for (size_t i = 0; i < n && !ok; i++)
		ok = val_equals(&l->status, statuses[i]);
	if (!ok)
		return bad_status;
	if (!string_or_null(&l->reason))
		return "reason missing";
	return NULL;
}

/* An alert line (loaxa's disaster alerts): the CAP message it is about,
 * and a play's times and outcome; "refused" and "accepted" besides the
 * play statuses. */
static const char *check_alert(const struct segment_line *l)
{
	static const char *const statuses[] = {"complete", "interrupted", "failed",
	                                       "skipped",  "refused",     "accepted"};

	if (!string_or_null(&l->identifier) || !string_or_null(&l->sender) ||
	    !time_or_null(&l->sent) || !string_or_null(&l->msg_type) ||
	    !string_or_null(&l->severity))
		return "identifier, sender, sent, msg_type or severity missing or not a string";
	if (!l->msg_type.null && !val_equals(&l->msg_type, "Alert") &&
	    !val_equals(&l->msg_type, "Update") && !val_equals(&l->msg_type, "Cancel"))
		return "msg_type is not Alert, Update or Cancel";
	if (!small_or_null(&l->level, 1, 5) || !small_or_null(&l->repeat, 1, 1000) ||
	    !small_or_null(&l->repeats, 1, 1000))
		return "level, repeat or repeats missing or not a small whole number";
	if (!sha256_or_null(l))
		return "sha256 missing or not 64 hex digits";
	return check_outcome(
	    l, statuses, sizeof statuses / sizeof statuses[0],
	    "status is not complete, interrupted, failed, skipped, refused or accepted");
}

/* The §5 rules for each field, once the object has been read. */
static const char *check_fields(struct segment_line *l, const struct segment_val *type)
{
	static const char *const statuses[] = {"complete", "interrupted", "failed", "skipped",
	                                       "missed"};

	if (val_equals(type, "play"))
		l->type = AIRLOG_PLAY;
	else if (val_equals(type, "start"))
		l->type = AIRLOG_START;
	else if (val_equals(type, "stop"))
		l->type = AIRLOG_STOP;
	else if (val_equals(type, "switch"))
		l->type = AIRLOG_SWITCH;
	else if (val_equals(type, "alert"))
		l->type = AIRLOG_ALERT;
	else
		return "type is not play, alert, start, stop or switch";
	if (!val_is_string(&l->station))
		return "station missing";
	if (!val_equals(&l->clock, "synced") && !val_equals(&l->clock, "unsynced"))
		return "clock is not synced or unsynced";
	/* optional: who asked (an operator's play, emergency or stop) */
	if (l->by.present && !string_or_null(&l->by))
		return "by is not a string";
	if (l->type == AIRLOG_SWITCH) {
		/* a relay item changed source */
		if (!valid_time(&l->time))
			return "time missing or not a time";
		if (!val_is_string(&l->relay))
			return "relay missing";
		if (!val_equals(&l->to, "relay") && !val_equals(&l->to, "fallback"))
			return "to is not relay or fallback";
		if ((l->slot.present && !string_or_null(&l->slot)) ||
		    (l->reason.present && !string_or_null(&l->reason)))
			return "slot or reason is not a string";
		if (l->priority.present &&
		    !(l->priority.null || val_equals(&l->priority, "normal") ||
		      val_equals(&l->priority, "priority") ||
		      val_equals(&l->priority, "emergency")))
			return "priority is not normal, priority or emergency";
		return NULL;
	}
	if (l->type == AIRLOG_ALERT)
		return check_alert(l);
	if (l->type != AIRLOG_PLAY) {
		if (!time_or_null(&l->time))
			return "time missing or not a time";
		if (!string_or_null(&l->version))
			return "version missing";
		if (l->reason.present && !string_or_null(&l->reason))
			return "reason is not a string";
		return NULL;
	}
	if (!string_or_null(&l->programme))
		return "programme missing";
	if (l->file.present && !string_or_null(&l->file))
		return "file is not a string";
	if (l->relay.present && !string_or_null(&l->relay))
		return "relay is not a string";
	if (l->programme.null && !val_is_string(&l->file) && !val_is_string(&l->relay))
		return "neither programme, file nor relay";
	if ((l->relayed_s.present && !number_or_null(&l->relayed_s)) ||
	    (l->fallback_s.present && !number_or_null(&l->fallback_s)))
		return "relayed_s or fallback_s is not a number";
	if (!sha256_or_null(l))
		return "sha256 missing or not 64 hex digits";
	if (!string_or_null(&l->slot))
		return "slot missing";
	if (!l->priority.present ||
	    !(l->priority.null || val_equals(&l->priority, "normal") ||
	      val_equals(&l->priority, "priority") || val_equals(&l->priority, "emergency")))
		return "priority is not normal, priority or emergency";
	return check_outcome(l, statuses, sizeof statuses / sizeof statuses[0],
	                     "status is not complete, interrupted, failed, skipped or missed");
}

static int seq_value(const struct segment_val *v, uint64_t *out)
{
	uint64_t x = 0;

	if (!val_is_number(v) || v->p[0] < '1' || v->p[0] > '9')
		return -1;
	for (size_t i = 0; i < v->len; i++) {
		if (!is_digit((unsigned char)v->p[i]) || x > (UINT64_MAX / 2 - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(v->p[i] - '0');
	}
	*out = x;
	return 0;
}

int segment_parse_line(const char *line, size_t len, struct segment_line *l, const char **why)
{
	struct jp j = {(const unsigned char *)line, (const unsigned char *)line + len, NULL};
	struct segment_val unknown[MAX_UNKNOWN_FIELDS], type, seq, prev;
	struct segment_val *slots[F_UNKNOWN] = {
	    [F_SEQ] = &seq,
	    [F_PREV] = &prev,
	    [F_TYPE] = &type,
	    [F_STATION] = &l->station,
	    [F_PROGRAMME] = &l->programme,
	    [F_FILE] = &l->file,
	    [F_SHA256] = &l->sha256,
	    [F_SLOT] = &l->slot,
	    [F_PRIORITY] = &l->priority,
	    [F_SCHEDULED] = &l->scheduled,
	    [F_START] = &l->start,
	    [F_END] = &l->end,
	    [F_PLAYED_S] = &l->played_s,
	    [F_DURATION_S] = &l->duration_s,
	    [F_STATUS] = &l->status,
	    [F_REASON] = &l->reason,
	    [F_PEAK_DBFS] = &l->peak_dbfs,
	    [F_RMS_DBFS] = &l->rms_dbfs,
	    [F_CLOCK] = &l->clock,
	    [F_TIME] = &l->time,
	    [F_VERSION] = &l->version,
	    [F_BY] = &l->by,
	    [F_RELAY] = &l->relay,
	    [F_RELAYED_S] = &l->relayed_s,
	    [F_FALLBACK_S] = &l->fallback_s,
	    [F_TO] = &l->to,
	    [F_IDENTIFIER] = &l->identifier,
	    [F_SENDER] = &l->sender,
	    [F_SENT] = &l->sent,
	    [F_MSG_TYPE] = &l->msg_type,
	    [F_SEVERITY] = &l->severity,
	    [F_LEVEL] = &l->level,
	    [F_REPEAT] = &l->repeat,
	    [F_REPEATS] = &l->repeats,
	};
	size_t nunknown = 0;
	const char *problem;

	memset(l, 0, sizeof *l);
	memset(&type, 0, sizeof type);
	memset(&seq, 0, sizeof seq);
	memset(&prev, 0, sizeof prev);
	*why = NULL;
	skip_ws(&j);
	if (j.p >= j.end || *j.p != '{') {
		*why = "not a JSON object";
		return -1;
	}
	j.p++;
	skip_ws(&j);
	if (j.p < j.end && *j.p == '}') {
		*why = "empty object";
		return -1;
	}
	for (enum field f = F_UNKNOWN, want = F_SEQ;; want = field_next[f]) {
		struct segment_val key, *dst;

		if (want != F_UNKNOWN && key_is(j.p, j.end, want)) {
			f = want;
			key.p = (const char *)j.p + 1;
			key.len = field_key[want].len - 2u;
			j.p += field_key[want].len;
		} else {
			if (j.p >= j.end || *j.p != '"' || scan_string(&j, &key) < 0) {
				*why = j.why ? j.why : "field name expected";
				return -1;
			}
			/* Names are plain ASCII in the format; an escaped one
			 * could spell a field twice. */
			if (key.escaped || key.len == 0) {
				*why = "escaped or empty field name";
				return -1;
			}
			f = field_of(key.p, key.len);
		}
		skip_ws(&j);
		if (j.p >= j.end || *j.p != ':') {
			*why = "':' expected";
			return -1;
		}
		j.p++;
		skip_ws(&j);
		if (f == F_UNKNOWN) {
			for (size_t i = 0; i < nunknown; i++) {
				if (unknown[i].len == key.len &&
				    memcmp(unknown[i].p, key.p, key.len) == 0) {
					*why = "duplicate field";
					return -1;
				}
			}
			if (nunknown == MAX_UNKNOWN_FIELDS) {
				*why = "too many unknown fields";
				return -1;
			}
			unknown[nunknown++] = key;
			dst = NULL;
		} else {
			dst = slots[f];
			if (dst->present) {
				*why = "duplicate field";
				return -1;
			}
		}
		if (scan_value(&j, dst, 0) < 0) {
			*why = j.why;
			return -1;
		}
		skip_ws(&j);
		if (j.p < j.end && *j.p == ',') {
			j.p++;
			skip_ws(&j);
			continue;
		}
		if (j.p < j.end && *j.p == '}') {
			j.p++;
			break;
		}
		*why = "',' or '}' expected";
		return -1;
	}
	skip_ws(&j);
	if (j.p != j.end) {
		*why = "text after the object";
		return -1;
	}
	if (seq_value(&seq, &l->seq) < 0) {
		*why = "seq missing or not a positive integer";
		return -1;
	}
	if (!val_is_string(&prev) || !is_lower_hex64(prev.p, prev.len)) {
		*why = "prev missing or not 64 hex digits";
		return -1;
	}
	l->prev = prev.p;
	problem = check_fields(l, &type);
	if (problem) {
		*why = problem;
		return -1;
	}
	return 0;
}

static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

char *segment_val_str(const struct segment_val *v, char *buf, size_t n)
{
	const unsigned char *p, *end;
	size_t o = 0;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (!v->present || v->null || !v->p)
		return buf;
	p = (const unsigned char *)v->p;
	end = p + v->len;
	while (p < end) {
		char tmp[4];
		size_t k = 1;

		if (*p != '\\') {
			tmp[0] = (char)*p++;
		} else if (p[1] != 'u') {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

			tmp[0] = to[strchr(from, p[1]) - from];
			p += 2;
		} else {
			/* Checked by the parser: a valid unit or surrogate pair. */
			unsigned long cp = (unsigned long)read_u16(p, end);

			p += 6;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     ((unsigned long)read_u16(p, end) - 0xdc00);
				p += 6;
			}
			k = put_utf8(tmp, cp);
		}
		if (o + k >= n)
			break;
		memcpy(buf + o, tmp, k);
		o += k;
	}
	buf[o] = '\0';
	return buf;
}

double segment_val_num(const struct segment_val *v, double fallback)
{
	char tmp[64];

	if (!val_is_number(v) || v->len >= sizeof tmp)
		return fallback;
	memcpy(tmp, v->p, v->len);
	tmp[v->len] = '\0';
	return strtod(tmp, NULL);
}

const char *segment_line_date(const struct segment_line *l)
{
	const struct segment_val *v;

	if (l->type != AIRLOG_PLAY && l->type != AIRLOG_ALERT)
		v = &l->time;
	else if (val_is_string(&l->start))
		v = &l->start;
	else if (val_is_string(&l->scheduled))
		v = &l->scheduled;
	else
		v = &l->end;
	return val_is_string(v) ? v->p : NULL;
}

/* --- the verifier ------------------------------------------------------------ */

enum sig_state { SIG_UNCHECKED, SIG_GOOD, SIG_BAD };

#define NO_COVER  SIZE_MAX       /* no segment */
#define LINK_ROOT (SIZE_MAX - 1) /* seq 1, prev 64 zeros: nothing before it */

/*
 * A segment seen, kept to name forks and, once all are read, to find
 * which signatures the chain vouches for. A segment whose own lines chain
 * (chain_ok) is vouched for by an authentic later one whose first line
 * holds the hash of its last line: that hash commits to every byte of it.
 * One with a problem, or named in one, has its signature checked all the
 * same.
 */
struct cover {
	uint64_t first, last;
	size_t name; /* offset into the verifier's names */
	size_t link; /* the segment whose last line this one's first follows */
	unsigned char sig;
	bool chain_ok;   /* every line parses and follows the one before, seqs as named */
	bool must_check; /* it has a problem, or is named in one */
	bool vouched;    /* a later segment, itself authentic, chains onto it */
	bool asked;      /* given out by segment_verifier_owed */
};

struct segment_verifier {
	char station[SEGMENT_STATION_MAX + 1];
	size_t station_len;
	struct minisig_pubkey pk;
	segment_problem_fn problem;
	void *ctx;
	enum segment_sigs sigs;
	EVP_MD *sha256;
	EVP_MD_CTX *md;
	uint64_t expect;   /* the main chain's next seq */
	char prev_hex[65]; /* hash of the main chain's last line */
	bool have_prev;    /* false after a gap: the next link is unknown */
	size_t prev_cover; /* the segment that line is the last of */
	struct cover *covers;
	size_t ncovers, capcovers;
	char *names;
	size_t names_len, names_cap;
	struct segment_summary sum;
	/* the segment being checked */
	const char *name;
	size_t seg_problems;
	size_t pending; /* the cover segment_verify_sig is for, or NO_COVER */
	/* segment_verifier_owed: covers below cursor are still to be settled */
	bool owing;
	size_t cursor;
	/* what status.json says was delivered (segment_verifier_delivered) */
	uint64_t tail_seq;  /* 0: nothing said */
	char tail_want[65]; /* "" when no hash was given */
	char tail_got[65];  /* the chain hash of the line at tail_seq, "" if unseen */
	char tail_when[40];
};

static void report(struct segment_verifier *v, const char *fmt, ...) MSG_PRINTF(2, 3);

static void report(struct segment_verifier *v, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	v->sum.problems++;
	if (v->name && ++v->seg_problems > PROBLEMS_PER_SEGMENT)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	v->problem(v->ctx, text);
}

/*
 * The chain hash of every line is SHA-256 (DESIGN §5), and it is the one
 * cost each line pays whatever else is skipped. libcrypto (OpenSSL) is
 * used for it rather than libsodium: it picks the CPU's SHA instructions
 * (x86 SHA-NI, the ARMv8 crypto extensions) at run time, where
 * libsodium's portable code runs several times slower (about 1.5 GB/s
 * against 330 MB/s on the province's kind of server). The daemon's side
 * of the chain (airlog) stays on libsodium; both compute the same hash.
 */
static void line_hash(struct segment_verifier *v, const char *p, size_t n, char hex[65])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hn = 0;

	if (EVP_DigestInit_ex2(v->md, v->sha256, NULL) != 1 || EVP_DigestUpdate(v->md, p, n) != 1 ||
	    EVP_DigestFinal_ex(v->md, h, &hn) != 1 || hn != 32)
		fatalx("libcrypto cannot compute SHA-256");
	util_hex(h, 32, hex);
}

struct segment_verifier *segment_verifier_new(const char *station, const struct minisig_pubkey *pk,
                                              segment_problem_fn problem, void *ctx)
{
	struct segment_verifier *v = xcalloc(1, sizeof *v);

	if (sodium_init() < 0)
		fatalx("libsodium cannot be initialised");
	v->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	v->md = EVP_MD_CTX_new();
	if (!v->sha256 || !v->md)
		fatalx("libcrypto has no SHA-256");
	snprintf(v->station, sizeof v->station, "%s", station);
	v->station_len = strlen(v->station);
	v->pk = *pk;
	v->problem = problem;
	v->ctx = ctx;
	v->sigs = SEGMENT_SIGS_ALL;
	v->expect = 1;
	v->prev_cover = NO_COVER;
	v->pending = NO_COVER;
	return v;
}

void segment_verifier_set_sigs(struct segment_verifier *v, enum segment_sigs sigs)
{
	v->sigs = sigs;
}

void segment_verifier_problem(struct segment_verifier *v, const char *text)
{
	v->sum.problems++;
	v->problem(v->ctx, text);
}

void segment_verifier_free(struct segment_verifier *v)
{
	if (!v)
		return;
	EVP_MD_CTX_free(v->md);
	EVP_MD_free(v->sha256);
	free(v->covers);
	free(v->names);
	free(v);
}

void segment_verifier_summary(const struct segment_verifier *v, struct segment_summary *s)
{
	*s = v->sum;
}

/* "seq N" or "seq A-B"; returns buf */
static const char *seq_range(char *buf, size_t n, uint64_t a, uint64_t b)
{
	if (a == b)
		snprintf(buf, n, "seq %" PRIu64, a);
	else
		snprintf(buf, n, "seq %" PRIu64 "-%" PRIu64, a, b);
	return buf;
}

void segment_verifier_delivered(struct segment_verifier *v, uint64_t seq, const char *sha256,
                                const char *when)
{
	v->tail_seq = seq;
	snprintf(v->tail_want, sizeof v->tail_want, "%s", sha256 ? sha256 : "");
	snprintf(v->tail_when, sizeof v->tail_when, "%s", when ? when : "?");
	v->tail_got[0] = '\0';
}

void segment_verifier_tail(struct segment_verifier *v)
{
	char range[64];

	if (v->tail_seq == 0)
		return;
	if (v->sum.last_seq < v->tail_seq) {
		seq_range(range, sizeof range, v->sum.last_seq + 1, v->tail_seq);
		report(v,
		       _("%s: missing at the end: the station's signed status.json of %s says it "
		         "delivered every line up to seq %" PRIu64
		         " (its newest segment deleted?)"),
		       range, v->tail_when, v->tail_seq);
	} else if (v->tail_want[0] && v->tail_got[0] && strcmp(v->tail_want, v->tail_got) != 0) {
		report(v,
		       _("seq %" PRIu64 ": not the line the station delivered (its signed "
		         "status.json of %s gives that line another hash)"),
		       v->tail_seq, v->tail_when);
	}
}

static const char *cover_name(const struct segment_verifier *v, const struct cover *c)
{
	return v->names + c->name;
}

static size_t cover_add(struct segment_verifier *v, const char *name, uint64_t first, uint64_t last)
{
	size_t n = strlen(name) + 1;
	struct cover *c;

	if (v->ncovers == v->capcovers) {
		v->capcovers = v->capcovers ? v->capcovers * 2 : 256;
		v->covers = xreallocarray(v->covers, v->capcovers, sizeof *v->covers);
	}
	if (v->names_len + n > v->names_cap) {
		v->names_cap = v->names_cap ? v->names_cap * 2 : 8192;
		if (v->names_cap < v->names_len + n)
			v->names_cap = v->names_len + n;
		v->names = xreallocarray(v->names, v->names_cap, 1);
	}
	memcpy(v->names + v->names_len, name, n);
	c = &v->covers[v->ncovers];
	*c = (struct cover){.first = first, .last = last, .name = v->names_len, .link = NO_COVER};
	v->names_len += n;
	return v->ncovers++;
}

/* The latest segment before the one being checked that holds seq. */
static struct cover *cover_of(struct segment_verifier *v, uint64_t seq, size_t before)
{
	for (size_t i = before; i-- > 0;)
		if (v->covers[i].first <= seq && seq <= v->covers[i].last)
			return &v->covers[i];
	return NULL;
}

/* 0 when sig is the station's signature of data, made for this name. */
static int check_signature(struct segment_verifier *v, const char *name, const char *range,
                           const char *data, size_t len, const char *sig, size_t sig_len)
{
	const char *why;
	char *tc = NULL, *file;
	int ret = 0;

	if (!sig) {
		report(v, _("segment %s %s: no signature (%s.minisig is missing)"), name, range,
		       name);
		return -1;
	}
	v->sum.signatures++;
	if (minisig_verify(&v->pk, data, len, sig, sig_len, &tc, &why) < 0) {
		report(v, _("segment %s %s: the signature is not the station's (%s)"), name, range,
		       _(why));
		return -1;
	}
	/* A valid signature moved onto another file name would still verify
	 * the bytes; the trusted comment says which file it was made for. */
	file = strstr(tc, "file:");
	if (file) {
		size_t n = strcspn(file + 5, " \t");

		if (n != strlen(name) || strncmp(file + 5, name, n) != 0) {
			report(v, _("segment %s %s: the signature was made for file %.*s"), name,
			       range, (int)n, file + 5);
			ret = -1;
		}
	}
	free(tc);
	return ret;
}

/* Keep the earliest and latest date and time written in a line. */
static void note_times(struct segment_summary *s, const struct segment_line *l)
{
	const char *date = segment_line_date(l);
	bool play = l->type == AIRLOG_PLAY || l->type == AIRLOG_ALERT;
	const struct segment_val *t = play ? &l->end : &l->time;

	if (date) {
		if (!s->first_date[0] || memcmp(date, s->first_date, 10) < 0)
			memcpy(s->first_date, date, 10);
		if (!s->last_date[0] || memcmp(date, s->last_date, 10) > 0)
			memcpy(s->last_date, date, 10);
	}
	if (!val_is_string(t) && play)
		t = val_is_string(&l->start) ? &l->start : &l->scheduled;
	if (val_is_string(t) && t->len < sizeof s->last_time &&
	    (!s->last_time[0] || strncmp(t->p, s->last_time, t->len) > 0)) {
		memcpy(s->last_time, t->p, t->len);
		s->last_time[t->len] = '\0';
	}
}

/* The end of one segment's checks: what was not shown is counted. */
static void segment_done(struct segment_verifier *v, const struct cover *c)
{
	if (v->seg_problems > PROBLEMS_PER_SEGMENT) {
		char text[256], range[64];

		seq_range(range, sizeof range, c->first, c->last);
		snprintf(text, sizeof text, _("segment %s %s: %zu more problems not shown"),
		         cover_name(v, c), range, v->seg_problems - PROBLEMS_PER_SEGMENT);
		v->problem(v->ctx, text);
	}
	v->name = NULL;
	v->pending = NO_COVER;
}

bool segment_verify_lines(struct segment_verifier *v, const char *name, const char *data,
                          size_t len, bool sig_present, segment_line_fn each_line, void *line_ctx)
{
	char station[SEGMENT_STATION_MAX + 1], range[64], hex[65], lrange[64];
	const char *p = data, *end = data + len, *why;
	uint64_t first, last, prev_seq = 0, nlines = 0;
	bool have_line_hash = false, chained = true;
	size_t ci, link = NO_COVER;
	struct cover *c;

	assert(!v->owing && v->pending == NO_COVER);
	v->name = name;
	v->seg_problems = 0;
	if (segment_parse_name(name, station, &first, &last) < 0) {
		report(v, _("segment %s: not a segment name (STATION-FIRST-LAST.jsonl)"), name);
		v->name = NULL;
		return false;
	}
	ci = cover_add(v, name, first, last);
	v->sum.segments++;
	if (strcmp(station, v->station) != 0)
		report(v, _("segment %s %s: named for station %s"), name,
		       seq_range(range, sizeof range, first, last), station);

	if (first > v->expect) {
		seq_range(lrange, sizeof lrange, v->expect, first - 1);
		report(v, _("segment %s %s: missing before this segment (no segment holds them)"),
		       name, lrange);
		v->have_prev = false;
	} else if (first < v->expect) {
		struct cover *other = cover_of(v, first, ci);

		seq_range(lrange, sizeof lrange, first,
		          last < v->expect - 1 ? last : v->expect - 1);
		if (other) {
			other->must_check = true;
			report(v, _("segment %s %s: fork: segment %s holds the same seqs"), name,
			       lrange, cover_name(v, other));
		} else {
			report(v, _("segment %s %s: fork: those seqs were seen before"), name,
			       lrange);
		}
	}

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		uint64_t expected = nlines == 0 ? first : prev_seq + 1;
		struct segment_line l;
		bool advance = true;
		size_t n;

		if (!nl) {
			report(v,
			       _("segment %s seq %" PRIu64 ": the last line has no newline "
			         "(the file is cut short)"),
			       name, expected);
			chained = false;
			break;
		}
		n = (size_t)(nl - p);
		if (segment_parse_line(p, n, &l, &why) < 0) {
			report(v, _("segment %s seq %" PRIu64 ": not a valid as-run line (%s)"),
			       name, expected, _(why));
			/* It still takes a place in the chain: the next line
			 * must follow it. */
			l.seq = expected;
			chained = false;
			goto next;
		}
		if (l.seq != expected) {
			chained = false;
			if (nlines == 0)
				report(v,
				       _("segment %s seq %" PRIu64
				         ": the first line has seq %" PRIu64
				         ", not the one the name gives"),
				       name, first, l.seq);
			else if (l.seq > expected)
				report(v,
				       _("segment %s seq %" PRIu64 ": missing (a line removed?); "
				         "the next line has seq %" PRIu64),
				       name, expected, l.seq);
			else
				report(v,
				       _("segment %s seq %" PRIu64 ": out of order or repeated "
				         "(it follows seq %" PRIu64 ")"),
				       name, l.seq, prev_seq);
			/* The chain goes on from the highest seq so far, so one
			 * line out of place is one problem, not a cascade. */
			advance = nlines == 0 || l.seq > prev_seq;
		} else {
			const char *want = NULL;
			size_t before = NO_COVER;

			if (nlines > 0 && have_line_hash) {
				want = hex;
			} else if (nlines == 0 && l.seq == 1) {
				want = AIRLOG_ZERO_PREV;
				before = LINK_ROOT;
			} else if (nlines == 0 && l.seq == v->expect && v->have_prev) {
				want = v->prev_hex;
				before = v->prev_cover;
			}
			if (want && memcmp(l.prev, want, 64) == 0) {
				if (nlines == 0)
					link = before;
			} else if (want) {
				chained = chained && nlines == 0;
				if (before == LINK_ROOT) {
					report(v,
					       _("segment %s seq 1: prev is not 64 zeros (the log "
					         "does not start here)"),
					       name);
				} else if (before != NO_COVER) {
					v->covers[before].must_check = true;
					report(v,
					       _("segment %s seq %" PRIu64 ": prev does not match "
					         "the last line of segment %s (a line edited or "
					         "removed)"),
					       name, l.seq, cover_name(v, &v->covers[before]));
				} else {
					report(v,
					       _("segment %s seq %" PRIu64 ": prev does not match "
					         "the line before (seq %" PRIu64
					         " edited, or a line "
					         "removed)"),
					       name, l.seq, l.seq - 1);
				}
			}
		}
		if (l.station.len != v->station_len || l.station.escaped ||
		    memcmp(l.station.p, v->station, l.station.len) != 0)
			report(v, _("segment %s seq %" PRIu64 ": the line is for another station"),
			       name, l.seq);
		note_times(&v->sum, &l);
		if (each_line)
			each_line(line_ctx, &l);
	next:
		if (advance) {
			/* The chain hash of this line is the next line's prev. */
			line_hash(v, p, n + 1, hex);
			have_line_hash = true;
			prev_seq = l.seq;
			if (l.seq == v->tail_seq)
				memcpy(v->tail_got, hex, sizeof hex);
		}
		nlines++;
		p = nl + 1;
	}
	v->sum.lines += nlines;
	c = &v->covers[ci];
	c->link = link;
	if (!sig_present) {
		report(v, _("segment %s %s: no signature (%s.minisig is missing)"), name,
		       seq_range(range, sizeof range, first, last), name);
		c->sig = SIG_BAD;
	}
	if (nlines == 0) {
		report(v, _("segment %s %s: holds no line"), name,
		       seq_range(range, sizeof range, first, last));
	} else {
		if (prev_seq != last)
			report(v,
			       _("segment %s seq %" PRIu64 ": the last line has seq %" PRIu64
			         ", not the one the name gives"),
			       name, last, prev_seq);
		if (!v->sum.first_seq || first < v->sum.first_seq)
			v->sum.first_seq = first;
		if (prev_seq > v->sum.last_seq)
			v->sum.last_seq = prev_seq;
		/* The chain goes on from this segment when it reaches further. */
		if (prev_seq >= v->expect) {
			v->expect = prev_seq + 1;
			memcpy(v->prev_hex, hex, sizeof hex);
			v->have_prev = have_line_hash;
			v->prev_cover = ci;
		}
	}
	c->chain_ok = chained && nlines > 0 && prev_seq == last;
	if (v->seg_problems > 0)
		c->must_check = true;
	if (sig_present && (v->sigs == SEGMENT_SIGS_ALL || c->must_check)) {
		v->pending = ci;
		return true;
	}
	segment_done(v, c);
	return false;
}

void segment_verify_sig(struct segment_verifier *v, const char *name, const char *data, size_t len,
                        const char *sig, size_t sig_len)
{
	struct cover *c;
	char range[64];

	assert(v->pending != NO_COVER);
	c = &v->covers[v->pending];
	assert(strcmp(cover_name(v, c), name) == 0);
	if (v->owing) {
		v->name = name;
		v->seg_problems = 0;
	}
	seq_range(range, sizeof range, c->first, c->last);
	c->sig = check_signature(v, name, range, data, len, sig, sig_len) == 0 ? SIG_GOOD : SIG_BAD;
	segment_done(v, c);
}

/*
 * Newest first, every segment is settled: its content is the station's
 * when its own signature holds or a later authentic segment chains onto
 * it, and then it vouches for the segment its first line follows. One
 * that nothing vouches for, or that a problem concerns, is owed a check.
 */
const char *segment_verifier_owed(struct segment_verifier *v)
{
	if (!v->owing) {
		assert(v->pending == NO_COVER);
		v->owing = true;
		v->cursor = v->ncovers;
	}
	v->pending = NO_COVER; /* one given out and not checked stays unproven */
	v->name = NULL;
	while (v->cursor > 0) {
		struct cover *c = &v->covers[v->cursor - 1];

		if (c->sig == SIG_UNCHECKED && !c->asked && (c->must_check || !c->vouched)) {
			c->asked = true;
			v->pending = v->cursor - 1;
			return cover_name(v, c);
		}
		if ((c->sig == SIG_GOOD || c->vouched) && c->link < v->ncovers &&
		    v->covers[c->link].chain_ok)
			v->covers[c->link].vouched = true;
		v->cursor--;
	}
	return NULL;
}

void segment_verify(struct segment_verifier *v, const char *name, const char *data, size_t len,
                    const char *sig, size_t sig_len, segment_line_fn each_line, void *line_ctx)
{
	if (segment_verify_lines(v, name, data, len, sig != NULL, each_line, line_ctx))
		segment_verify_sig(v, name, data, len, sig, sig_len);
}
