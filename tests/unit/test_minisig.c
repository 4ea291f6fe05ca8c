/*
 * Unit tests of minisig: round trips, every way a signature or key file can
 * be wrong, and interoperation with the real minisign command both ways
 * (those cases skip when minisign is not installed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "minisig.h"
#include "util.h"

static char tmpdir[] = "/tmp/loaxa-minisig.XXXXXX";
static const char message[] = "{\"format\":\"loaxa-manifest/1\",\"province\":\"Bắc Giang\"}\n";

/* ---- helpers --------------------------------------------------------- */

static int run(const char *fmt, ...) MSG_PRINTF(1, 2);
static int run(const char *fmt, ...)
{
	char *cmd, *full;
	va_list ap;
	int r;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) >= 0);
	va_end(ap);
	full = xasprintf("cd '%s' && { %s; } </dev/null >/dev/null 2>&1", tmpdir, cmd);
	r = system(full);
	free(cmd);
	free(full);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static bool have_minisign(void)
{
	return system("minisign -v >/dev/null 2>&1") == 0;
}

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static void put(const char *name, const void *buf, size_t len)
{
	char *p = path_in(name);

	assert_int_equal(util_write_atomic(p, buf, len, 0600), 0);
	free(p);
}

static char *get(const char *name, size_t *len)
{
	char *p = path_in(name), *buf;
	size_t n;

	assert_int_equal(util_read_file(p, 1 << 20, &buf, &n), 0);
	free(p);
	if (len)
		*len = n;
	return buf;
}

static char *b64(const void *bin, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = xmalloc(len);

	sodium_bin2base64(s, len, bin, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* Build a signature file field by field, independently of minisig_sign, so
 * that tests can make valid files minisig_sign refuses to write (legacy
 * "Ed", over-long comments) and broken ones. */
static char *build_sig(const struct minisig_seckey *sk, const char *alg, const void *msg,
                       size_t len, const char *untrusted, const char *trusted)
{
	unsigned char bin[74], global[64], hash[64], *covered;
	char *s1, *s2, *text;
	size_t tlen = strlen(trusted);

	memcpy(bin, alg, 2);
	memcpy(bin + 2, sk->keyid, 8);
	if (strcmp(alg, "ED") == 0) {
		crypto_generichash(hash, sizeof hash, msg, len, NULL, 0);
		crypto_sign_detached(bin + 10, NULL, hash, sizeof hash, sk->sk);
	} else {
		crypto_sign_detached(bin + 10, NULL, msg, len, sk->sk);
	}
	covered = xmalloc(64 + tlen);
	memcpy(covered, bin + 10, 64);
	memcpy(covered + 64, trusted, tlen);
	crypto_sign_detached(global, NULL, covered, 64 + tlen, sk->sk);
	free(covered);
	s1 = b64(bin, sizeof bin);
	s2 = b64(global, sizeof global);
	text = xasprintf("untrusted comment: %s\n%s\ntrusted comment: %s\n%s\n", untrusted, s1,
	                 trusted, s2);
	free(s1);
	free(s2);
	return text;
}

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Replace line number `which` (0-based) of text by `line`. */
static char *replace_line(const char *text, int which, const char *line)
{
	const char *p = text, *e;
	char *out;
	size_t pre;

	for (int i = 0; i < which; i++)
		p = strchr(p, '\n') + 1;
	e = strchr(p, '\n');
	pre = (size_t)(p - text);
	out = xasprintf("%.*s%s%s", (int)pre, text, line, e);
	return out;
}

static int verify_text(const struct minisig_pubkey *pk, const char *sig, const char **err)
{
	return minisig_verify(pk, message, strlen(message), sig, strlen(sig), NULL, err);
}

static void fresh(struct minisig_pubkey *pk, struct minisig_seckey *sk)
{
	minisig_keygen(pk, sk);
}

/* ---- fixtures -------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int r;

	(void)state;
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

/* ---- round trips ----------------------------------------------------- */

static void test_sign_verify_roundtrip(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	const char *err = "unset";
	char *sig, *tc = NULL;

	(void)state;
	fresh(&pk, &sk);
	sig = minisig_sign(&sk, message, strlen(message), NULL,
	                   "timestamp:1795667497\tfile:manifest.json\tversion:7");
	assert_non_null(sig);
	assert_non_null(strstr(sig, "\ntrusted comment: timestamp:1795667497\t"));
	assert_int_equal(minisig_verify(&pk, message, strlen(message), sig, strlen(sig), &tc, &err),
	                 0);
	assert_null(err);
	assert_string_equal(tc, "timestamp:1795667497\tfile:manifest.json\tversion:7");
	free(tc);
	/* The default trusted comment is a timestamp. */
	free(sig);
	sig = minisig_sign(&sk, "", 0, NULL, NULL);
	assert_int_equal(minisig_verify(&pk, "", 0, sig, strlen(sig), &tc, &err), 0);
	assert_true(strncmp(tc, "timestamp:", 10) == 0);
	free(tc);
	free(sig);
}

static void test_legacy_signature(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	const char *err;
	char *sig, *tc;

	(void)state;
	fresh(&pk, &sk);
	sig = build_sig(&sk, "Ed", message, strlen(message), "legacy", "old style");
	assert_int_equal(minisig_verify(&pk, message, strlen(message), sig, strlen(sig), &tc, &err),
	                 0);
	assert_string_equal(tc, "old style");
	free(tc);
	/* The legacy signature covers the message itself, not its hash. */
	assert_int_equal(
	    minisig_verify(&pk, message, strlen(message) - 1, sig, strlen(sig), NULL, &err), -1);
	assert_string_equal(err, "signature does not verify");
	free(sig);
}

static void test_key_files_roundtrip(void **state)
{
	struct minisig_pubkey pk, pk2, pk3;
	struct minisig_seckey sk, sk2;
	const char *err = "unset";
	char *text, *line, *padded;

	(void)state;
	fresh(&pk, &sk);
	text = minisig_format_seckey(&sk, NULL);
	assert_true(strncmp(text, "untrusted comment: ", 19) == 0);
	assert_int_equal(minisig_parse_seckey(text, &sk2, &err), 0);
	assert_null(err);
	assert_memory_equal(&sk, &sk2, sizeof sk);
	free(text);

	minisig_seckey_pubkey(&sk2, &pk2);
	assert_memory_equal(&pk, &pk2, sizeof pk);

	text = minisig_format_pubkey(&pk, "loaxa province key");
	assert_true(strncmp(text, "untrusted comment: loaxa province key\nRW", 40) == 0);
	assert_int_equal(minisig_parse_pubkey(text, &pk3), 0);
	assert_memory_equal(&pk, &pk3, sizeof pk);
	free(text);

	line = minisig_pubkey_base64(&pk);
	assert_int_equal(strlen(line), 56);
	memset(&pk3, 0, sizeof pk3);
	assert_int_equal(minisig_parse_pubkey(line, &pk3), 0);
	assert_memory_equal(&pk, &pk3, sizeof pk);
	padded = xasprintf("  %s \n", line);
	assert_int_equal(minisig_parse_pubkey(padded, &pk3), 0);
	free(padded);
	free(line);

	/* Default comment names the key id the way minisign does. */
	text = minisig_format_pubkey(&pk, NULL);
	assert_non_null(strstr(text, "minisign public key "));
	free(text);
}

/* ---- negative cases -------------------------------------------------- */

static void test_other_key(void **state)
{
	struct minisig_pubkey pk, other_pk;
	struct minisig_seckey sk, other_sk;
	const char *err;
	char *sig;

	(void)state;
	fresh(&pk, &sk);
	fresh(&other_pk, &other_sk);
	sig = minisig_sign(&sk, message, strlen(message), NULL, "t");
	assert_int_equal(verify_text(&other_pk, sig, &err), -1);
	assert_string_equal(err, "key id mismatch");
	/* Same key id, different key: the signature itself must fail. */
	memcpy(other_pk.keyid, pk.keyid, sizeof pk.keyid);
	assert_int_equal(verify_text(&other_pk, sig, &err), -1);
	assert_string_equal(err, "signature does not verify");
	assert_int_equal(verify_text(&pk, sig, &err), 0);
	free(sig);
}

static void test_edited_message(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	const char *err;
	char *sig, *edited = xstrdup(message);

	(void)state;
	fresh(&pk, &sk);
	sig = minisig_sign(&sk, message, strlen(message), NULL, "t");
	for (size_t i = 0; i < strlen(message); i += 7) {
		edited[i] ^= 1;
		assert_int_equal(
		    minisig_verify(&pk, edited, strlen(edited), sig, strlen(sig), NULL, &err), -1);
		assert_string_equal(err, "signature does not verify");
		edited[i] ^= 1;
	}
	assert_int_equal(
	    minisig_verify(&pk, message, strlen(message) + 1, sig, strlen(sig), NULL, &err), -1);
	free(edited);
	free(sig);
}

static void test_edited_comments(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	const char *err;
	char *sig, *bad;

	(void)state;
	fresh(&pk, &sk);
	sig = minisig_sign(&sk, message, strlen(message), "free text", "version:41");
	bad = replace_line(sig, 2, "trusted comment: version:42");
	assert_int_equal(verify_text(&pk, bad, &err), -1);
	assert_string_equal(err, "trusted comment signature does not verify");
	free(bad);
	bad = replace_line(sig, 2, "trusted comment: version:41 ");
	assert_int_equal(verify_text(&pk, bad, &err), -1);
	free(bad);
	/* The untrusted comment is not covered, by design. */
	bad = replace_line(sig, 0, "untrusted comment: anything at all");
	assert_int_equal(verify_text(&pk, bad, &err), 0);
	free(bad);
	/* A swapped global signature (from another file) fails too. */
	{
		char *sig2 = minisig_sign(&sk, "x", 1, NULL, "version:41");
		char *g = xstrdup(strrchr(sig2, '\n') - 88);

		g[88] = '\0';
		bad = replace_line(sig, 3, g);
		assert_int_equal(verify_text(&pk, bad, &err), -1);
		assert_string_equal(err, "trusted comment signature does not verify");
		free(bad);
		free(g);
		free(sig2);
	}
	free(sig);
}

static void test_truncated(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	const char *err;
	char *sig;
	size_t len;

	(void)state;
	fresh(&pk, &sk);
	sig = minisig_sign(&sk, message, strlen(message), NULL, "t");
	len = strlen(sig);
	/* Dropping only the final newline keeps the file whole; any shorter
	 * prefix must be refused, whatever line it ends in. */
	for (size_t n = 0; n < len - 1; n++) {
		err = NULL;
		assert_int_equal(minisig_verify(&pk, message, strlen(message), sig, n, NULL, &err),
		                 -1);
		assert_non_null(err);
	}
	assert_int_equal(minisig_verify(&pk, message, strlen(message), sig, len - 1, NULL, &err),
	                 0);
	free(sig);
}

static void test_garbage(void **state)
{
	static const char *const junk[] = {
	    "",
	    "\n\n\n\n",
	    "untrusted comment: x\n",
	    "untrusted comment: x\n\ntrusted comment: \n\n",
	    "trusted comment: x\nAAAA\nuntrusted comment: y\nAAAA\n",
	    "-----BEGIN PGP SIGNATURE-----\n",
	    "untrusted comment:x\nRUQAAAAAAAAAAAAA\ntrusted comment: t\nAAAA\n",
	};
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	unsigned char rnd[600];
	const char *err;
	char *sig, *big;

	(void)state;
	fresh(&pk, &sk);
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		assert_int_equal(verify_text(&pk, junk[i], &err), -1);
		assert_non_null(err);
	}
	for (int i = 0; i < 200; i++) {
		randombytes_buf(rnd, sizeof rnd);
		assert_int_equal(minisig_verify(&pk, message, strlen(message), (char *)rnd,
		                                sizeof rnd, NULL, &err),
		                 -1);
	}
	/* NUL bytes anywhere make it something other than a text file. */
	sig = minisig_sign(&sk, message, strlen(message), NULL, "t");
	assert_int_equal(
	    minisig_verify(&pk, message, strlen(message), sig, strlen(sig) + 1, NULL, &err), -1);
	assert_string_equal(err, "malformed signature file");
	/* Extra lines after the signature are refused; blank ones are not. */
	big = xasprintf("%s\n\n", sig);
	assert_int_equal(verify_text(&pk, big, &err), 0);
	free(big);
	big = xasprintf("%sjunk\n", sig);
	assert_int_equal(verify_text(&pk, big, &err), -1);
	free(big);
	/* A huge file is refused without being read through. */
	big = repeat('A', 100000);
	assert_int_equal(verify_text(&pk, big, &err), -1);
	free(big);
	free(sig);
}

static void test_bad_base64(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	unsigned char bin[80];
	const char *err;
	char *sig, *line, *bad, *enc;

	(void)state;
	fresh(&pk, &sk);
	sig = minisig_sign(&sk, message, strlen(message), NULL, "t");
	/* The signature line is 100 characters ending in one '='. */
	line = xstrdup(strchr(sig, '\n') + 1);
	*strchr(line, '\n') = '\0';
	assert_int_equal(strlen(line), 100);

	line[10] = '!';
	bad = replace_line(sig, 1, line);
	assert_int_equal(verify_text(&pk, bad, &err), -1);
	assert_non_null(strstr(err, "bad signature line"));
	free(bad);
	line[10] = 'A';
	line[99] = '\0'; /* padding removed */
	bad = replace_line(sig, 1, line);
	assert_int_equal(verify_text(&pk, bad, &err), -1);
	free(bad);
	line[99] = '=';
	line[50] = ' ';
	bad = replace_line(sig, 1, line);
	assert_int_equal(verify_text(&pk, bad, &err), -1);
	free(bad);

	/* Well-formed base64 of the wrong length: 73 and 75 bytes. */
	randombytes_buf(bin, sizeof bin);
	memcpy(bin, "ED", 2);
	memcpy(bin + 2, pk.keyid, 8);
	for (size_t n = 73; n <= 75; n += 2) {
		enc = b64(bin, n);
		bad = replace_line(sig, 1, enc);
		assert_int_equal(verify_text(&pk, bad, &err), -1);
		assert_non_null(strstr(err, "bad signature line"));
		free(bad);
		free(enc);
	}
	for (size_t n = 63; n <= 65; n += 2) {
		enc = b64(bin, n);
		bad = replace_line(sig, 3, enc);
		assert_int_equal(verify_text(&pk, bad, &err), -1);
		assert_non_null(strstr(err, "trusted comment signature line"));
		free(bad);
		free(enc);
	}
	/* Unknown algorithm. */
	memcpy(bin, "Xy", 2);
	enc = b64(bin, 74);
	bad = replace_line(sig, 1, enc);
	assert_int_equal(verify_text(&pk, bad, &err), -1);
	assert_string_equal(err, "unsupported signature algorithm");
	free(bad);
	free(enc);
	free(line);
	free(sig);
}

static void test_comment_limits(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	const char *err;
	char *sig, *c, *tc;

	(void)state;
	fresh(&pk, &sk);
	/* Longest lines minisign reads whole: 1022 and 8190 characters. */
	c = repeat('u', 1022 - 19);
	tc = repeat('t', 8190 - 17);
	sig = minisig_sign(&sk, message, strlen(message), c, tc);
	assert_non_null(sig);
	assert_int_equal(verify_text(&pk, sig, &err), 0);
	free(sig);
	free(c);
	free(tc);

	c = repeat('u', 1022 - 19 + 1);
	assert_null(minisig_sign(&sk, message, strlen(message), c, "t"));
	sig = build_sig(&sk, "ED", message, strlen(message), c, "t");
	assert_int_equal(verify_text(&pk, sig, &err), -1);
	assert_non_null(strstr(err, "untrusted comment too long"));
	free(sig);
	free(c);

	tc = repeat('t', 8190 - 17 + 1);
	assert_null(minisig_sign(&sk, message, strlen(message), NULL, tc));
	sig = build_sig(&sk, "ED", message, strlen(message), "u", tc);
	assert_int_equal(verify_text(&pk, sig, &err), -1);
	assert_non_null(strstr(err, "trusted comment too long"));
	free(sig);
	free(tc);

	/* Line breaks cannot be part of a comment. */
	assert_null(minisig_sign(&sk, message, strlen(message), "a\nb", "t"));
	assert_null(minisig_sign(&sk, message, strlen(message), NULL, "a\rb"));
}

static void test_line_endings(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	const char *err;
	char *sig, *crlf, *q, *tc;

	(void)state;
	fresh(&pk, &sk);
	sig = minisig_sign(&sk, message, strlen(message), NULL, "crlf ok");
	crlf = xmalloc(2 * strlen(sig) + 1);
	q = crlf;
	for (const char *p = sig; *p; p++) {
		if (*p == '\n')
			*q++ = '\r';
		*q++ = *p;
	}
	*q = '\0';
	assert_int_equal(
	    minisig_verify(&pk, message, strlen(message), crlf, strlen(crlf), &tc, &err), 0);
	assert_string_equal(tc, "crlf ok");
	free(tc);
	free(crlf);
	free(sig);
	/* minisign reads a comment only up to a CR: one inside is refused. */
	sig = build_sig(&sk, "ED", message, strlen(message), "u", "before\rafter");
	assert_int_equal(verify_text(&pk, sig, &err), -1);
	free(sig);
}

/* Parse the secret key file made of bin; expect 0 or -1 and, on -1, an
 * error containing needle. */
static void try_seckey(const unsigned char bin[158], int expect, const char *needle)
{
	struct minisig_seckey out;
	const char *err = NULL;
	char *enc = b64(bin, 158), *text = xasprintf("untrusted comment: k\n%s\n", enc);

	assert_int_equal(minisig_parse_seckey(text, &out, &err), expect);
	if (expect == 0)
		assert_null(err);
	else
		assert_non_null(strstr(err, needle));
	free(text);
	free(enc);
}

static void test_seckey_negative(void **state)
{
	crypto_generichash_state st;
	struct minisig_pubkey pk;
	struct minisig_seckey sk, out;
	unsigned char bin[158];
	const char *err;
	char *text, *line, *enc, *bad;
	size_t got;

	(void)state;
	fresh(&pk, &sk);
	text = minisig_format_seckey(&sk, "k");
	line = strchr(text, '\n') + 1;
	*strchr(line, '\n') = '\0';
	assert_int_equal(sodium_base642bin(bin, sizeof bin, line, strlen(line), NULL, &got, NULL,
	                                   sodium_base64_VARIANT_ORIGINAL),
	                 0);
	assert_int_equal(got, sizeof bin);

	unsigned char copy[158];

	memcpy(copy, bin, sizeof copy);
	try_seckey(copy, 0, NULL);
	memcpy(copy + 2, "Sc", 2);
	try_seckey(copy, -1, "encrypted");
	memcpy(copy + 2, "Xx", 2);
	try_seckey(copy, -1, "key derivation");
	memcpy(copy, bin, sizeof copy);
	memcpy(copy, "ED", 2);
	try_seckey(copy, -1, "algorithm");
	memcpy(copy, bin, sizeof copy);
	memcpy(copy + 4, "B3", 2);
	try_seckey(copy, -1, "checksum function");
	memcpy(copy, bin, sizeof copy);
	copy[157] ^= 1;
	try_seckey(copy, -1, "checksum mismatch");
	/* minisign 0.11 writes an all-zero checksum for unencrypted keys. */
	memset(copy + 126, 0, 32);
	try_seckey(copy, 0, NULL);
	/* The public half must be the seed's: flip it, recompute the sum. */
	memcpy(copy, bin, sizeof copy);
	copy[62 + 40] ^= 1;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, copy, 2);
	crypto_generichash_update(&st, copy + 54, 72);
	crypto_generichash_final(&st, copy + 126, 32);
	try_seckey(copy, -1, "inconsistent");

	/* Wrong lengths, bad base64, missing lines, extra lines. */
	enc = b64(bin, 157);
	bad = xasprintf("untrusted comment: k\n%s\n", enc);
	assert_int_equal(minisig_parse_seckey(bad, &out, &err), -1);
	free(bad);
	free(enc);
	enc = b64(bin, sizeof bin);
	bad = xasprintf("%s\n", enc);
	assert_int_equal(minisig_parse_seckey(bad, &out, &err), -1);
	free(bad);
	bad = xasprintf("untrusted comment: k\n%s\nmore\n", enc);
	assert_int_equal(minisig_parse_seckey(bad, &out, &err), -1);
	free(bad);
	enc[5] = '*';
	bad = xasprintf("untrusted comment: k\n%s\n", enc);
	assert_int_equal(minisig_parse_seckey(bad, &out, &err), -1);
	assert_non_null(strstr(err, "base64"));
	free(bad);
	free(enc);
	assert_int_equal(minisig_parse_seckey("", &out, &err), -1);
	assert_int_equal(minisig_parse_seckey("untrusted comment: k\n", &out, &err), -1);
	assert_int_equal(minisig_parse_seckey(NULL, &out, &err), -1);
	free(text);
}

static void test_pubkey_negative(void **state)
{
	struct minisig_pubkey pk, out;
	struct minisig_seckey sk;
	unsigned char bin[42];
	char *enc, *text, *c;

	(void)state;
	fresh(&pk, &sk);
	memcpy(bin, "Ed", 2);
	memcpy(bin + 2, pk.keyid, 8);
	memcpy(bin + 10, pk.pk, 32);
	enc = b64(bin, sizeof bin);
	assert_int_equal(minisig_parse_pubkey(enc, &out), 0);
	free(enc);

	memcpy(bin, "ED", 2);
	enc = b64(bin, sizeof bin);
	assert_int_equal(minisig_parse_pubkey(enc, &out), -1);
	free(enc);
	memcpy(bin, "Ed", 2);
	enc = b64(bin, 41);
	assert_int_equal(minisig_parse_pubkey(enc, &out), -1);
	free(enc);
	enc = b64(bin, sizeof bin);
	enc[3] = '.';
	assert_int_equal(minisig_parse_pubkey(enc, &out), -1);
	free(enc);

	assert_int_equal(minisig_parse_pubkey("", &out), -1);
	assert_int_equal(minisig_parse_pubkey("untrusted comment: only\n", &out), -1);
	assert_int_equal(minisig_parse_pubkey("RWQ", &out), -1);
	assert_int_equal(minisig_parse_pubkey(NULL, &out), -1);

	text = minisig_format_pubkey(&pk, NULL);
	c = xasprintf("%sjunk\n", text);
	assert_int_equal(minisig_parse_pubkey(c, &out), -1);
	free(c);
	free(text);
	enc = minisig_pubkey_base64(&pk);
	c = repeat('c', 1100);
	text = xasprintf("untrusted comment: %s\n%s\n", c, enc);
	assert_int_equal(minisig_parse_pubkey(text, &out), -1);
	free(text);
	free(c);
	free(enc);
}

/* ---- the real minisign ----------------------------------------------- */

static void load_keys(const char *pub, const char *key, struct minisig_pubkey *pk,
                      struct minisig_seckey *sk)
{
	const char *err = NULL;
	char *t;

	t = get(pub, NULL);
	assert_int_equal(minisig_parse_pubkey(t, pk), 0);
	free(t);
	if (key) {
		t = get(key, NULL);
		assert_int_equal(minisig_parse_seckey(t, sk, &err), 0);
		free(t);
	}
}

static void test_minisign_keys_parse(void **state)
{
	struct minisig_pubkey pk, derived;
	struct minisig_seckey sk;

	(void)state;
	if (!have_minisign())
		skip();
	assert_int_equal(run("minisign -G -W -f -p m.pub -s m.key"), 0);
	load_keys("m.pub", "m.key", &pk, &sk);
	minisig_seckey_pubkey(&sk, &derived);
	assert_memory_equal(&pk, &derived, sizeof pk);
}

static void test_minisign_verifies_ours(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	char *sig, *pub, *key;

	(void)state;
	if (!have_minisign())
		skip();
	put("msg", message, strlen(message));
	/* With a key minisign made ... */
	assert_int_equal(run("minisign -G -W -f -p m.pub -s m.key"), 0);
	load_keys("m.pub", "m.key", &pk, &sk);
	sig = minisig_sign(&sk, message, strlen(message), NULL,
	                   "timestamp:1 file:manifest.json version:3");
	put("msg.minisig", sig, strlen(sig));
	free(sig);
	assert_int_equal(run("minisign -V -p m.pub -m msg"), 0);
	assert_int_equal(run("minisign -V -p m.pub -m msg | grep -qx "
	                     "'Trusted comment: timestamp:1 file:manifest.json version:3'"),
	                 0);
	/* ... and with one we made, published as our .pub file. */
	minisig_keygen(&pk, &sk);
	pub = minisig_format_pubkey(&pk, NULL);
	put("o.pub", pub, strlen(pub));
	sig = minisig_sign(&sk, message, strlen(message), NULL, "ours");
	put("msg.minisig", sig, strlen(sig));
	assert_int_equal(run("minisign -V -p o.pub -m msg"), 0);
	key = minisig_pubkey_base64(&pk);
	assert_int_equal(run("minisign -V -P '%s' -m msg", key), 0);
	/* minisign must refuse what we must refuse. */
	put("msg", "edited", 6);
	assert_int_not_equal(run("minisign -V -p o.pub -m msg"), 0);
	free(key);
	free(sig);
	free(pub);
}

static void test_ours_verifies_minisign(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	const char *err;
	char *sig, *tc;
	size_t len;

	(void)state;
	if (!have_minisign())
		skip();
	put("msg", message, strlen(message));
	assert_int_equal(run("minisign -G -W -f -p m.pub -s m.key"), 0);
	load_keys("m.pub", "m.key", &pk, &sk);

	assert_int_equal(run("minisign -S -s m.key -m msg"), 0);
	sig = get("msg.minisig", &len);
	assert_non_null(strstr(sig, "\nRU")); /* "ED": prehashed */
	assert_int_equal(minisig_verify(&pk, message, strlen(message), sig, len, &tc, &err), 0);
	assert_true(strncmp(tc, "timestamp:", 10) == 0);
	assert_non_null(strstr(tc, "file:msg"));
	free(tc);
	assert_int_equal(minisig_verify(&pk, "x", 1, sig, len, NULL, &err), -1);
	free(sig);

	assert_int_equal(run("minisign -S -l -s m.key -m msg -t 'legacy signature'"), 0);
	sig = get("msg.minisig", &len);
	assert_non_null(strstr(sig, "\nRW")); /* "Ed": legacy */
	assert_int_equal(minisig_verify(&pk, message, strlen(message), sig, len, &tc, &err), 0);
	assert_string_equal(tc, "legacy signature");
	free(tc);
	assert_int_equal(minisig_verify(&pk, "x", 1, sig, len, NULL, &err), -1);
	free(sig);
}

static void test_minisign_signs_with_our_key(void **state)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	const char *err;
	char *text, *sig, *tc;
	size_t len;

	(void)state;
	if (!have_minisign())
		skip();
	minisig_keygen(&pk, &sk);
	text = minisig_format_seckey(&sk, NULL);
	put("o.key", text, strlen(text));
	free(text);
	text = minisig_format_pubkey(&pk, NULL);
	put("o.pub", text, strlen(text));
	free(text);
	put("msg", message, strlen(message));
	assert_int_equal(run("minisign -S -s o.key -m msg -t 'by minisign, our key'"), 0);
	assert_int_equal(run("minisign -V -p o.pub -m msg"), 0);
	sig = get("msg.minisig", &len);
	assert_int_equal(minisig_verify(&pk, message, strlen(message), sig, len, &tc, &err), 0);
	assert_string_equal(tc, "by minisign, our key");
	free(tc);
	free(sig);
}

/* Made by "printf 'pw\npw\n' | minisign -G" (0.11); scrypt makes that take
 * seconds, so the key is kept here rather than made at each run. */
static const char encrypted_key[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWRTY0Iyni+Qzwu6dEHINPF/SWbaUlSu23Gzu3EWK9HMUba6GZwAAAACAAAAAAAAAEAAAAAAK3/C80lb0GVQZtcZ"
    "vls7uBE6qzOME/diQZlBTLPSprxrTJS6Myj7FwP10uJyBii4CMowei6kgGseokhy/mnxJqtnfxTkpaw5LzCtf3SS"
    "ECwX7IwULUFsMzxv6ChlZoJ4xrkS4bm+0Ls=\n";

static void test_encrypted_key_refused(void **state)
{
	struct minisig_seckey sk;
	const char *err = NULL;

	(void)state;
	assert_int_equal(minisig_parse_seckey(encrypted_key, &sk, &err), -1);
	assert_non_null(strstr(err, "encrypted"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sign_verify_roundtrip),
	    cmocka_unit_test(test_legacy_signature),
	    cmocka_unit_test(test_key_files_roundtrip),
	    cmocka_unit_test(test_other_key),
	    cmocka_unit_test(test_edited_message),
	    cmocka_unit_test(test_edited_comments),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_bad_base64),
	    cmocka_unit_test(test_comment_limits),
	    cmocka_unit_test(test_line_endings),
	    cmocka_unit_test(test_seckey_negative),
	    cmocka_unit_test(test_pubkey_negative),
	    cmocka_unit_test(test_minisign_keys_parse),
	    cmocka_unit_test(test_minisign_verifies_ours),
	    cmocka_unit_test(test_ours_verifies_minisign),
	    cmocka_unit_test(test_minisign_signs_with_our_key),
	    cmocka_unit_test(test_encrypted_key_refused),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
