/*
 * minisig: minisign-compatible keys and signatures, on libsodium.
 *
 * Signature file:  "untrusted comment: ..." / base64(alg[2] keyid[8] sig[64])
 *                  / "trusted comment: ..." / base64(global_sig[64])
 * alg "Ed" signs the message, "ED" signs BLAKE2b-512(message); the global
 * signature covers sig[64] || trusted comment text. Public key:
 * base64("Ed" keyid[8] pk[32]). Secret key files are written unencrypted
 * (KDF algorithm zero), as "minisign -G -W" does.
 */
#ifndef LOAXA_MINISIG_H
#define LOAXA_MINISIG_H

#include <stddef.h>

struct minisig_pubkey {
	unsigned char keyid[8];
	unsigned char pk[32];
};

struct minisig_seckey {
	unsigned char keyid[8];
	unsigned char sk[64]; /* libsodium Ed25519 secret key (seed || pk) */
};

/* Accepts the bare base64 line or a whole .pub file. 0 or -1. */
int minisig_parse_pubkey(const char *text, struct minisig_pubkey *pk);
/* A .pub file: "untrusted comment: <comment>\n<base64>\n" (malloc'd). */
char *minisig_format_pubkey(const struct minisig_pubkey *pk, const char *comment);
/* Just the base64 line, no newline (malloc'd). */
char *minisig_pubkey_base64(const struct minisig_pubkey *pk);

void minisig_keygen(struct minisig_pubkey *pk, struct minisig_seckey *sk);
/* Unencrypted minisign secret key file text (malloc'd); parse it back.
 * parse rejects encrypted keys with a clear error in *err, and accepts the
 * all-zero checksum "minisign -G -W" (0.11) writes as well as a real one. */
char *minisig_format_seckey(const struct minisig_seckey *sk, const char *comment);
int minisig_parse_seckey(const char *text, struct minisig_seckey *sk, const char **err);
void minisig_seckey_pubkey(const struct minisig_seckey *sk, struct minisig_pubkey *pk);

/* Sign msg ("ED", prehashed). Returns the .minisig file text (malloc'd),
 * or NULL when a comment holds a line break or is longer than minisign
 * reads (1003 bytes untrusted, 8173 trusted). NULL comments: minisign's
 * default text / "timestamp:<now>". */
char *minisig_sign(const struct minisig_seckey *sk, const void *msg, size_t len,
                   const char *untrusted_comment, const char *trusted_comment);

/* Verify sig (the .minisig text) over msg with pk; accepts "ED" and "Ed".
 * Returns 0 and, if trusted_comment != NULL, a malloc'd copy of it; or -1
 * with *err set to a static English reason ("key id mismatch",
 * "signature does not verify", "trusted comment signature does not
 * verify", "malformed signature file", ...). */
int minisig_verify(const struct minisig_pubkey *pk, const void *msg, size_t len, const char *sig,
                   size_t sig_len, char **trusted_comment, const char **err);

#endif
