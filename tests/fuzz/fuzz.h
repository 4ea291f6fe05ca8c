/*
 * fuzz: what the libFuzzer targets share. A silent log (the parsers report
 * through it, and printing costs more than parsing), inputs turned into
 * files for the parsers that take a path, and the fixed key the seed
 * corpora are signed with, so that signature checks can be passed and the
 * fuzzer reaches what lies behind them.
 */
#ifndef LOAXA_FUZZ_H
#define LOAXA_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minisig.h"

/* The message every seed signature of fuzz_minisig_verify covers. */
#define FUZZ_MESSAGE "loaxa fuzz message\n"
/* The station the segment seeds are logged and signed by. */
#define FUZZ_STATION "tan-quang"

/* Once per process: libsodium, a silent log, a private temp folder. */
void fuzz_init(void);
/* Write size bytes to the file name (a string literal) in the private
 * folder and return its path, valid until the next call. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);
/* A NUL-terminated copy of the input (malloc'd). */
char *fuzz_strdup(const uint8_t *data, size_t size);
/* s is 64 lower-case hex digits, as a SHA-256 in a manifest or a log. */
bool fuzz_is_hex64(const char *s);
/* The fixed, public, never-secret fuzz key pair. */
void fuzz_key(struct minisig_pubkey *pk, struct minisig_seckey *sk);

#endif
