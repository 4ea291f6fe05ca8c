/*
 * mkseeds: writes the seeds that need the fixed fuzz key or a hash chain
 * (signatures, keys, as-run lines, signed segments) into CORPUS/NAME/,
 * as a station would have written them. The other seeds are handwritten.
 * Everything here is deterministic: Ed25519 signs deterministically and
 * every time and comment is fixed.
 */
#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "airlog.h"
#include "fuzz.h"
#include "minisig.h"
#include "segment.h"
#include "util.h"

static const char *corpus;

static void put(const char *target, const char *name, const void *buf, size_t len)
{
	char *dir = xasprintf("%s/%s", corpus, target);
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		fatal("%s", dir);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		fatal("%s", path);
	free(path);
	free(dir);
}

static void put_str(const char *target, const char *name, const char *s)
{
	put(target, name, s, strlen(s));
}

/* A signature in the old "Ed" form (the message itself signed, not its
 * BLAKE2b hash), which minisign still verifies. */
static char *sign_legacy(const struct minisig_seckey *sk, const char *msg, const char *tc)
{
	unsigned char sig[2 + 8 + crypto_sign_BYTES], global[crypto_sign_BYTES];
	unsigned char covered[crypto_sign_BYTES + 256];
	char b1[sodium_base64_ENCODED_LEN(sizeof sig, sodium_base64_VARIANT_ORIGINAL)];
	char b2[sodium_base64_ENCODED_LEN(sizeof global, sodium_base64_VARIANT_ORIGINAL)];
	size_t tlen = strlen(tc);

	memcpy(sig, "Ed", 2);
	memcpy(sig + 2, sk->keyid, 8);
	crypto_sign_detached(sig + 10, NULL, (const unsigned char *)msg, strlen(msg), sk->sk);
	memcpy(covered, sig + 10, crypto_sign_BYTES);
	memcpy(covered + crypto_sign_BYTES, tc, tlen);
	crypto_sign_detached(global, NULL, covered, crypto_sign_BYTES + tlen, sk->sk);
	sodium_bin2base64(b1, sizeof b1, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b2, sizeof b2, global, sizeof global, sodium_base64_VARIANT_ORIGINAL);
	return xasprintf("untrusted comment: legacy\n%s\ntrusted comment: %s\n%s\n", b1, tc, b2);
}

static void keys(const struct minisig_pubkey *pk, const struct minisig_seckey *sk)
{
	char *s = minisig_format_pubkey(pk, NULL);
	char *m;

	put_str("minisig_key", "pub-file", s);
	free(s);
	s = minisig_pubkey_base64(pk);
	m = xasprintf("  %s \r\n", s);
	put_str("minisig_key", "pub-line", m);
	free(m);
	free(s);
	s = minisig_format_seckey(sk, NULL);
	put_str("minisig_key", "sec-file", s);
	free(s);

	s = minisig_sign(sk, FUZZ_MESSAGE, strlen(FUZZ_MESSAGE), NULL, "timestamp:1795996800");
	put_str("minisig_verify", "sig-prehashed", s);
	free(s);
	s = minisig_sign(
	    sk, FUZZ_MESSAGE, strlen(FUZZ_MESSAGE), "",
	    "station:tan-quang first:1 last:3 file:tan-quang-0000000001-0000000003.jsonl");
	put_str("minisig_verify", "sig-segment-comment", s);
	free(s);
	s = sign_legacy(sk, FUZZ_MESSAGE, "timestamp:1795996800\tfile:manifest.json");
	put_str("minisig_verify", "sig-legacy", s);
	free(s);
}

/* The as-run lines of a short broadcast day, chained from seq first. */
static size_t day_lines(char **lines, uint64_t first, const char *prev0)
{
	/* 2026-11-27 05:30:00 +07:00 */
	const time_t t0 = 1795732200;
	struct airlog_entry e[] = {
	    {.type = AIRLOG_START, .version = "0.1.0", .time = {t0 - 600, 12000000}},
	    {.type = AIRLOG_PLAY,
	     .programme = "ban-tin-giam-ngheo-2026-11-27",
	     .sha256 = "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100",
	     .slot = "Bản tin sáng",
	     .priority = "normal",
	     .scheduled = {t0, 0},
	     .start = {t0, 4000000},
	     .end = {t0 + 312, 460000000},
	     .played_s = 312.456,
	     .duration_s = 312.5,
	     .status = "complete",
	     .peak_dbfs = -1.2,
	     .rms_dbfs = -19.8,
	     .clock_synced = true},
	    {.type = AIRLOG_PLAY,
	     .file = "thông-báo xã.ogg",
	     .slot = "Bản tin sáng",
	     .priority = "priority",
	     .scheduled = {t0, 0},
	     .start = {t0 + 312, 470000000},
	     .end = {t0 + 320, 0},
	     .played_s = 7.53,
	     .duration_s = 60,
	     .status = "interrupted",
	     .reason = "emergency \"Cảnh báo bão\"",
	     .peak_dbfs = -INFINITY,
	     .rms_dbfs = -INFINITY,
	     .clock_synced = true},
	    {.type = AIRLOG_PLAY,
	     .programme = "nhac-hieu",
	     .slot = "Bản tin chiều",
	     .priority = "normal",
	     .scheduled = {t0 + 41400, 0},
	     .duration_s = NAN,
	     .status = "skipped",
	     .reason = "not in the province catalog (manifest version 41)",
	     .peak_dbfs = -INFINITY,
	     .rms_dbfs = -INFINITY},
	    {.type = AIRLOG_STOP, .version = "0.1.0", .time = {t0 + 50000, 0}, .reason = "signal"},
	};
	char prev[65];

	snprintf(prev, sizeof prev, "%s", prev0);
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		e[i].station = FUZZ_STATION;
		lines[i] = airlog_format_line(&e[i], first + i, prev);
		airlog_chain_hash(lines[i], strlen(lines[i]), prev);
	}
	return sizeof e / sizeof e[0];
}

static char *join(char **lines, size_t from, size_t to)
{
	size_t len = 0;
	char *s;

	for (size_t i = from; i < to; i++)
		len += strlen(lines[i]);
	s = xcalloc(1, len + 1);
	for (size_t i = from; i < to; i++)
		strcat(s, lines[i]);
	return s;
}

/* "=== NAME" + lines, then its signature unless unsigned. */
static char *bundle_part(const struct minisig_seckey *sk, char **lines, size_t from, size_t to,
                         uint64_t seq0, bool sign)
{
	char name[SEGMENT_NAME_MAX], *data = join(lines, from, to), *sig = NULL, *tc, *out;

	segment_name(name, sizeof name, FUZZ_STATION, seq0 + from, seq0 + to - 1);
	if (sign) {
		tc = xasprintf("station:%s first:%llu last:%llu file:%s", FUZZ_STATION,
		               (unsigned long long)(seq0 + from),
		               (unsigned long long)(seq0 + to - 1), name);
		sig = minisig_sign(sk, data, strlen(data), "signature from loaxa station", tc);
		free(tc);
	}
	out = sig ? xasprintf("=== %s\n%s=== %s.minisig\n%s", name, data, name, sig)
	          : xasprintf("=== %s\n%s", name, data);
	free(sig);
	free(data);
	return out;
}

static void segments(const struct minisig_seckey *sk)
{
	char *lines[8], *a, *b, *all;
	size_t n = day_lines(lines, 1, AIRLOG_ZERO_PREV);

	for (size_t i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof name, "line-%zu", i + 1);
		put_str("airlog", name, lines[i]);
	}
	a = bundle_part(sk, lines, 0, n, 1, true);
	put_str("segment", "one-signed", a);
	free(a);

	a = bundle_part(sk, lines, 0, 2, 1, true);
	b = bundle_part(sk, lines, 2, n, 1, true);
	all = xasprintf("%s%s", a, b);
	put_str("segment", "two-signed", all);
	free(all);
	free(b);
	/* The second segment again, unsigned, and a fork of the first. */
	b = bundle_part(sk, lines, 2, n, 1, false);
	all = xasprintf("%s%s%s", a, b, a);
	put_str("segment", "fork-unsigned", all);
	free(all);
	free(b);
	free(a);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
}

int main(int argc, char **argv)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds CORPUS-DIR\n");
		return 2;
	}
	corpus = argv[1];
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	fuzz_key(&pk, &sk);
	keys(&pk, &sk);
	segments(&sk);
	return 0;
}
