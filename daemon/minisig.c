/*
 * minisig: reads and writes the minisign file formats (public key, secret
 * key without password, signature) and signs and verifies with libsodium.
 *
 * Every parser here takes text from files or the network: lengths are
 * checked before anything is decoded, and base64 must decode to exactly the
 * expected number of bytes. The line limits are minisign's own (it reads
 * with fixed fgets buffers), so what we accept minisign accepts too.
 */
#include "minisig.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define MS_ALG_LEGACY  "Ed"
#define MS_ALG_HASHED  "ED"
#define MS_KDF_SCRYPT  "Sc"
#define MS_CHK_BLAKE2B "B2"
#define MS_KEYID_BYTES 8

#define MS_UNTRUSTED_PREFIX "untrusted comment: "
#define MS_TRUSTED_PREFIX   "trusted comment: "

/* minisign reads comment lines with fgets() into 1024- and 8192-byte
 * buffers: a longer line would be split and the file misread. */
#define MS_UNTRUSTED_LINE_MAX (1024 - 2)
#define MS_TRUSTED_LINE_MAX   (8192 - 2)

/* A whole signature file is four short lines; anything much larger is not
 * one, and we refuse it before looking further. */
#define MS_SIGFILE_MAX (MS_UNTRUSTED_LINE_MAX + MS_TRUSTED_LINE_MAX + 512)

/* Binary layouts, offsets in bytes. */
#define MS_PUBKEY_BYTES  (2 + MS_KEYID_BYTES + crypto_sign_PUBLICKEYBYTES)
#define MS_SIG_BYTES     (2 + MS_KEYID_BYTES + crypto_sign_BYTES)
#define MS_SK_KDF_OFF    2
#define MS_SK_CHK_OFF    4
#define MS_SK_SALT_OFF   6
#define MS_SK_SALT_LEN   32
#define MS_SK_LIMITS_LEN 16 /* opslimit, memlimit: little-endian u64 each */
#define MS_SK_KEYID_OFF  (MS_SK_SALT_OFF + MS_SK_SALT_LEN + MS_SK_LIMITS_LEN)
#define MS_SK_SK_OFF     (MS_SK_KEYID_OFF + MS_KEYID_BYTES)
#define MS_SK_SUM_OFF    (MS_SK_SK_OFF + crypto_sign_SECRETKEYBYTES)
#define MS_SK_SUM_LEN    32
#define MS_SECKEY_BYTES  (MS_SK_SUM_OFF + MS_SK_SUM_LEN)

static void ms_init(void)
{
	if (sodium_init() < 0)
		fatalx("libsodium cannot be initialised");
}

/* One line of (p, left): its start and length without "\n" or a trailing
 * "\r". Returns false at the end of the input or on a stray CR. raw_len is
 * the length before "\r" was removed, which is what minisign's buffers see. */
static bool ms_next_line(const char **p, size_t *left, const char **line, size_t *len,
                         size_t *raw_len)
{
	const char *nl;
	size_t n;

	if (*left == 0)
		return false;
	nl = memchr(*p, '\n', *left);
	n = nl ? (size_t)(nl - *p) : *left;
	*line = *p;
	*raw_len = n;
	*p += nl ? n + 1 : n;
	*left -= nl ? n + 1 : n;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	/* minisign cuts a line at its first CR: refuse lines it would read
	 * differently from us. */
	return memchr(*line, '\r', n) == NULL;
}

static bool ms_only_space(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

static bool ms_has_prefix(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(line, prefix, n) == 0;
}

/* Decode base64 that must yield exactly n bytes. */
static int ms_b64_exact(const char *b64, size_t b64_len, unsigned char *out, size_t n)
{
	size_t got = 0;

	/* Reject early so the decoder never sees absurd input. */
	if (b64_len != sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL) - 1)
		return -1;
	if (sodium_base642bin(out, n, b64, b64_len, NULL, &got, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return got == n ? 0 : -1;
}

static char *ms_b64(const unsigned char *bin, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = xmalloc(len);

	sodium_bin2base64(s, len, bin, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

static bool ms_comment_ok(const char *c, size_t max)
{
	return strlen(c) <= max && strpbrk(c, "\r\n") == NULL;
}

/* minisign shows key ids as the little-endian u64, in upper-case hex. */
static void ms_keyid_hex(const unsigned char keyid[MS_KEYID_BYTES], char out[17])
{
	uint64_t v = 0;

	for (int i = MS_KEYID_BYTES - 1; i >= 0; i--)
		v = (v << 8) | keyid[i];
	snprintf(out, 17, "%016llX", (unsigned long long)v);
}

int minisig_parse_pubkey(const char *text, struct minisig_pubkey *pk)
{
	unsigned char bin[MS_PUBKEY_BYTES];
	const char *p = text, *line;
	size_t left, len, raw;

	if (!text)
		return -1;
	left = strnlen(text, MS_UNTRUSTED_LINE_MAX + 1024);
	if (text[left] != '\0' || !ms_next_line(&p, &left, &line, &len, &raw))
		return -1;
	if (ms_has_prefix(line, len, MS_UNTRUSTED_PREFIX)) {
		if (raw > MS_UNTRUSTED_LINE_MAX)
			return -1;
		if (!ms_next_line(&p, &left, &line, &len, &raw))
			return -1;
	}
	/* Tolerate blanks around a key pasted into a config value. */
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (!ms_only_space(p, left))
		return -1;
	if (ms_b64_exact(line, len, bin, sizeof bin) < 0)
		return -1;
	if (memcmp(bin, MS_ALG_LEGACY, 2) != 0)
		return -1;
	memcpy(pk->keyid, bin + 2, MS_KEYID_BYTES);
	memcpy(pk->pk, bin + 2 + MS_KEYID_BYTES, crypto_sign_PUBLICKEYBYTES);
	return 0;
}

char *minisig_pubkey_base64(const struct minisig_pubkey *pk)
{
	unsigned char bin[MS_PUBKEY_BYTES];

	ms_init();
	memcpy(bin, MS_ALG_LEGACY, 2);
	memcpy(bin + 2, pk->keyid, MS_KEYID_BYTES);
	memcpy(bin + 2 + MS_KEYID_BYTES, pk->pk, crypto_sign_PUBLICKEYBYTES);
	return ms_b64(bin, sizeof bin);
}

char *minisig_format_pubkey(const struct minisig_pubkey *pk, const char *comment)
{
	char *b64 = minisig_pubkey_base64(pk), *text, id[17];

	ms_keyid_hex(pk->keyid, id);
	if (comment && ms_comment_ok(comment, MS_UNTRUSTED_LINE_MAX - strlen(MS_UNTRUSTED_PREFIX)))
		text = xasprintf(MS_UNTRUSTED_PREFIX "%s\n%s\n", comment, b64);
	else
		text = xasprintf(MS_UNTRUSTED_PREFIX "minisign public key %s\n%s\n", id, b64);
	free(b64);
	return text;
}

void minisig_keygen(struct minisig_pubkey *pk, struct minisig_seckey *sk)
{
	ms_init();
	randombytes_buf(sk->keyid, sizeof sk->keyid);
	crypto_sign_keypair(pk->pk, sk->sk);
	memcpy(pk->keyid, sk->keyid, sizeof pk->keyid);
}

void minisig_seckey_pubkey(const struct minisig_seckey *sk, struct minisig_pubkey *pk)
{
	memcpy(pk->keyid, sk->keyid, sizeof pk->keyid);
	crypto_sign_ed25519_sk_to_pk(pk->pk, sk->sk);
}

/* BLAKE2b-256 over sig_alg || keyid || secret key, as minisign checks it. */
static void ms_seckey_checksum(const unsigned char *bin, unsigned char sum[MS_SK_SUM_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, MS_SK_SUM_LEN);
	crypto_generichash_update(&st, bin, 2);
	crypto_generichash_update(&st, bin + MS_SK_KEYID_OFF, MS_KEYID_BYTES);
	crypto_generichash_update(&st, bin + MS_SK_SK_OFF, crypto_sign_SECRETKEYBYTES);
	crypto_generichash_final(&st, sum, MS_SK_SUM_LEN);
}

char *minisig_format_seckey(const struct minisig_seckey *sk, const char *comment)
{
	unsigned char bin[MS_SECKEY_BYTES];
	char *b64, *text;

	ms_init();
	/* KDF "\0\0" with zero salt and limits: what "minisign -G -W" writes. */
	memset(bin, 0, sizeof bin);
	memcpy(bin, MS_ALG_LEGACY, 2);
	memcpy(bin + MS_SK_CHK_OFF, MS_CHK_BLAKE2B, 2);
	memcpy(bin + MS_SK_KEYID_OFF, sk->keyid, MS_KEYID_BYTES);
	memcpy(bin + MS_SK_SK_OFF, sk->sk, crypto_sign_SECRETKEYBYTES);
	ms_seckey_checksum(bin, bin + MS_SK_SUM_OFF);
	b64 = ms_b64(bin, sizeof bin);
	sodium_memzero(bin, sizeof bin);
	if (!comment ||
	    !ms_comment_ok(comment, MS_UNTRUSTED_LINE_MAX - strlen(MS_UNTRUSTED_PREFIX)))
		comment = "minisign unencrypted secret key";
	text = xasprintf(MS_UNTRUSTED_PREFIX "%s\n%s\n", comment, b64);
	sodium_memzero(b64, strlen(b64));
	free(b64);
	return text;
}

static int ms_parse_seckey_bin(const unsigned char *bin, struct minisig_seckey *sk,
                               const char **err)
{
	static const unsigned char zero[MS_SK_SUM_LEN];
	unsigned char sum[MS_SK_SUM_LEN], seed[crypto_sign_SEEDBYTES];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], check_sk[crypto_sign_SECRETKEYBYTES];
	int same;

	if (memcmp(bin, MS_ALG_LEGACY, 2) != 0) {
		*err = "unsupported signature algorithm in secret key";
		return -1;
	}
	if (memcmp(bin + MS_SK_KDF_OFF, MS_KDF_SCRYPT, 2) == 0) {
		*err = "the secret key is encrypted with a password; loaxa needs an unencrypted "
		       "key (minisign -G -W, or loaxa-province keygen)";
		return -1;
	}
	if (memcmp(bin + MS_SK_KDF_OFF, "\0\0", 2) != 0) {
		*err = "unsupported key derivation function in secret key";
		return -1;
	}
	if (memcmp(bin + MS_SK_CHK_OFF, MS_CHK_BLAKE2B, 2) != 0) {
		*err = "unsupported checksum function in secret key";
		return -1;
	}
	/* minisign 0.11 leaves the checksum of an unencrypted key all zero. */
	ms_seckey_checksum(bin, sum);
	if (sodium_memcmp(sum, bin + MS_SK_SUM_OFF, sizeof sum) != 0 &&
	    memcmp(zero, bin + MS_SK_SUM_OFF, sizeof zero) != 0) {
		*err = "secret key checksum mismatch (damaged key file)";
		return -1;
	}
	/* The public half stored in the key must be the one its seed makes. */
	crypto_sign_ed25519_sk_to_seed(seed, bin + MS_SK_SK_OFF);
	crypto_sign_seed_keypair(pk, check_sk, seed);
	same = sodium_memcmp(check_sk, bin + MS_SK_SK_OFF, sizeof check_sk);
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(check_sk, sizeof check_sk);
	if (same != 0) {
		*err = "secret key is inconsistent (damaged key file)";
		return -1;
	}
	memcpy(sk->keyid, bin + MS_SK_KEYID_OFF, MS_KEYID_BYTES);
	memcpy(sk->sk, bin + MS_SK_SK_OFF, crypto_sign_SECRETKEYBYTES);
	return 0;
}

int minisig_parse_seckey(const char *text, struct minisig_seckey *sk, const char **err)
{
	unsigned char bin[MS_SECKEY_BYTES];
	const char *p = text, *line, *dummy;
	size_t left, len, raw;
	int r;

	if (!err)
		err = &dummy;
	*err = "malformed secret key file";
	if (!text)
		return -1;
	ms_init();
	left = strnlen(text, MS_UNTRUSTED_LINE_MAX + 1024);
	if (text[left] != '\0')
		return -1;
	if (!ms_next_line(&p, &left, &line, &len, &raw) ||
	    !ms_has_prefix(line, len, MS_UNTRUSTED_PREFIX) || raw > MS_UNTRUSTED_LINE_MAX)
		return -1;
	if (!ms_next_line(&p, &left, &line, &len, &raw) || !ms_only_space(p, left))
		return -1;
	if (ms_b64_exact(line, len, bin, sizeof bin) < 0) {
		*err = "malformed secret key (bad base64 or wrong length)";
		sodium_memzero(bin, sizeof bin);
		return -1;
	}
	r = ms_parse_seckey_bin(bin, sk, err);
	sodium_memzero(bin, sizeof bin);
	if (r == 0)
		*err = NULL;
	return r;
}

char *minisig_sign(const struct minisig_seckey *sk, const void *msg, size_t len,
                   const char *untrusted_comment, const char *trusted_comment)
{
	unsigned char sig[MS_SIG_BYTES], global[crypto_sign_BYTES];
	unsigned char hash[crypto_generichash_BYTES_MAX];
	char *ts = NULL, *sig64, *global64, *text;
	unsigned char *covered;
	size_t tlen;

	ms_init();
	if (!untrusted_comment)
		untrusted_comment = "signature from minisign secret key";
	if (!trusted_comment)
		trusted_comment = ts = xasprintf("timestamp:%lld", (long long)time(NULL));
	if (!ms_comment_ok(untrusted_comment,
	                   MS_UNTRUSTED_LINE_MAX - strlen(MS_UNTRUSTED_PREFIX)) ||
	    !ms_comment_ok(trusted_comment, MS_TRUSTED_LINE_MAX - strlen(MS_TRUSTED_PREFIX))) {
		free(ts);
		return NULL;
	}
	crypto_generichash(hash, sizeof hash, msg, len, NULL, 0);
	memcpy(sig, MS_ALG_HASHED, 2);
	memcpy(sig + 2, sk->keyid, MS_KEYID_BYTES);
	crypto_sign_detached(sig + 2 + MS_KEYID_BYTES, NULL, hash, sizeof hash, sk->sk);

	tlen = strlen(trusted_comment);
	covered = xmalloc(crypto_sign_BYTES + tlen);
	memcpy(covered, sig + 2 + MS_KEYID_BYTES, crypto_sign_BYTES);
	memcpy(covered + crypto_sign_BYTES, trusted_comment, tlen);
	crypto_sign_detached(global, NULL, covered, crypto_sign_BYTES + tlen, sk->sk);
	free(covered);

	sig64 = ms_b64(sig, sizeof sig);
	global64 = ms_b64(global, sizeof global);
	text = xasprintf(MS_UNTRUSTED_PREFIX "%s\n%s\n" MS_TRUSTED_PREFIX "%s\n%s\n",
	                 untrusted_comment, sig64, trusted_comment, global64);
	free(sig64);
	free(global64);
	free(ts);
	return text;
}

int minisig_verify(const struct minisig_pubkey *pk, const void *msg, size_t len, const char *sig,
                   size_t sig_len, char **trusted_comment, const char **err)
{
	unsigned char sigbin[MS_SIG_BYTES], global[crypto_sign_BYTES];
	unsigned char hash[crypto_generichash_BYTES_MAX];
	const char *p = sig, *line, *tc, *dummy;
	size_t left = sig_len, n, raw, tc_len;
	unsigned char *covered;
	int r;

	if (!err)
		err = &dummy;
	if (trusted_comment)
		*trusted_comment = NULL;
	*err = "malformed signature file";
	ms_init();
	if (!sig || sig_len > MS_SIGFILE_MAX || memchr(sig, '\0', sig_len))
		return -1;

	if (!ms_next_line(&p, &left, &line, &n, &raw) ||
	    !ms_has_prefix(line, n, MS_UNTRUSTED_PREFIX)) {
		*err = "malformed signature file (no untrusted comment line)";
		return -1;
	}
	if (raw > MS_UNTRUSTED_LINE_MAX) {
		*err = "malformed signature file (untrusted comment too long)";
		return -1;
	}
	if (!ms_next_line(&p, &left, &line, &n, &raw) ||
	    ms_b64_exact(line, n, sigbin, sizeof sigbin) < 0) {
		*err = "malformed signature file (bad signature line)";
		return -1;
	}
	if (!ms_next_line(&p, &left, &line, &n, &raw) ||
	    !ms_has_prefix(line, n, MS_TRUSTED_PREFIX)) {
		*err = "malformed signature file (no trusted comment line)";
		return -1;
	}
	if (raw > MS_TRUSTED_LINE_MAX) {
		*err = "malformed signature file (trusted comment too long)";
		return -1;
	}
	tc = line + strlen(MS_TRUSTED_PREFIX);
	tc_len = n - strlen(MS_TRUSTED_PREFIX);
	if (!ms_next_line(&p, &left, &line, &n, &raw) ||
	    ms_b64_exact(line, n, global, sizeof global) < 0) {
		*err = "malformed signature file (bad trusted comment signature line)";
		return -1;
	}
	if (!ms_only_space(p, left)) {
		*err = "malformed signature file (trailing data)";
		return -1;
	}

	if (memcmp(sigbin, MS_ALG_HASHED, 2) == 0) {
		crypto_generichash(hash, sizeof hash, msg, len, NULL, 0);
		msg = hash;
		len = sizeof hash;
	} else if (memcmp(sigbin, MS_ALG_LEGACY, 2) != 0) {
		*err = "unsupported signature algorithm";
		return -1;
	}
	if (memcmp(sigbin + 2, pk->keyid, MS_KEYID_BYTES) != 0) {
		*err = "key id mismatch";
		return -1;
	}
	if (crypto_sign_verify_detached(sigbin + 2 + MS_KEYID_BYTES, msg, len, pk->pk) != 0) {
		*err = "signature does not verify";
		return -1;
	}
	covered = xmalloc(crypto_sign_BYTES + tc_len);
	memcpy(covered, sigbin + 2 + MS_KEYID_BYTES, crypto_sign_BYTES);
	memcpy(covered + crypto_sign_BYTES, tc, tc_len);
	r = crypto_sign_verify_detached(global, covered, crypto_sign_BYTES + tc_len, pk->pk);
	free(covered);
	if (r != 0) {
		*err = "trusted comment signature does not verify";
		return -1;
	}
	if (trusted_comment) {
		*trusted_comment = xmalloc(tc_len + 1);
		memcpy(*trusted_comment, tc, tc_len);
		(*trusted_comment)[tc_len] = '\0';
	}
	*err = NULL;
	return 0;
}
