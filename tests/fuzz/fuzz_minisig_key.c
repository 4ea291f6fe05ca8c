/*
 * fuzz_minisig_key: the input as a minisign public key and as a secret key
 * file. A key that parses must survive being written back and read again,
 * and a secret key must sign what its public half then verifies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "minisig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void pubkey(const char *text)
{
	struct minisig_pubkey pk, again;
	char *out;

	if (minisig_parse_pubkey(text, &pk) < 0)
		return;
	out = minisig_format_pubkey(&pk, "fuzz");
	if (minisig_parse_pubkey(out, &again) < 0 || memcmp(&pk, &again, sizeof pk) != 0)
		abort();
	free(out);
	out = minisig_pubkey_base64(&pk);
	if (minisig_parse_pubkey(out, &again) < 0 || memcmp(&pk, &again, sizeof pk) != 0)
		abort();
	free(out);
}

static void seckey(const char *text)
{
	struct minisig_seckey sk, again;
	struct minisig_pubkey pk;
	const char *err = NULL;
	char *out, *tc = NULL;

	if (minisig_parse_seckey(text, &sk, &err) < 0) {
		if (!err)
			abort();
		return;
	}
	if (err)
		abort();
	out = minisig_format_seckey(&sk, "fuzz");
	if (minisig_parse_seckey(out, &again, &err) < 0 || memcmp(&sk, &again, sizeof sk) != 0)
		abort();
	free(out);
	minisig_seckey_pubkey(&sk, &pk);
	out = minisig_sign(&sk, FUZZ_MESSAGE, strlen(FUZZ_MESSAGE), "fuzz", "file:fuzz");
	if (!out || minisig_verify(&pk, FUZZ_MESSAGE, strlen(FUZZ_MESSAGE), out, strlen(out), &tc,
	                           &err) < 0)
		abort();
	if (!tc || strcmp(tc, "file:fuzz") != 0)
		abort();
	free(tc);
	/* The same signature over other bytes must not verify. */
	if (minisig_verify(&pk, "x", 1, out, strlen(out), NULL, &err) == 0)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strdup(data, size);

	fuzz_init();
	pubkey(text);
	seckey(text);
	free(text);
	return 0;
}
