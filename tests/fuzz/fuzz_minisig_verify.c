/*
 * fuzz_minisig_verify: the input as a .minisig file over FUZZ_MESSAGE,
 * checked with the fixed fuzz key (the seeds are real signatures by it).
 * An accepted signature must give a one-line trusted comment and must not
 * verify other bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "minisig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char other[] = "loaxa fuzz message.";
	struct minisig_pubkey pk;
	const char *err = NULL;
	char *tc = NULL;
	/* A copy of the exact size, so that ASan sees any read past its end. */
	char *sig = malloc(size ? size : 1);

	if (!sig)
		abort();
	memcpy(sig, data, size);
	fuzz_key(&pk, NULL);
	if (minisig_verify(&pk, FUZZ_MESSAGE, strlen(FUZZ_MESSAGE), sig, size, &tc, &err) == 0) {
		if (err || !tc || strpbrk(tc, "\r\n"))
			abort();
		free(tc);
		tc = NULL;
		if (minisig_verify(&pk, other, strlen(other), sig, size, &tc, &err) == 0 || tc ||
		    !err)
			abort();
	} else if (!err || tc) {
		abort();
	}
	free(sig);
	return 0;
}
