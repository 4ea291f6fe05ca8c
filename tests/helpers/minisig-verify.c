/*
 * minisig-verify PUBKEYFILE FILE SIGFILE: check a minisign signature the
 * way the station does. Prints "ok" and the trusted comment, or the reason
 * it fails; exit 0 when it verifies, 1 when not, 2 on wrong usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minisig.h"
#include "util.h"

#define FILE_MAX ((size_t)1 << 30)
#define SIG_MAX  ((size_t)64 * 1024)

int main(int argc, char **argv)
{
	struct minisig_pubkey pk;
	char *pub, *msg, *sig, *tc = NULL;
	size_t pub_len, msg_len, sig_len;
	const char *err;
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: minisig-verify PUBKEYFILE FILE SIGFILE\n");
		return 2;
	}
	if (util_read_file(argv[1], SIG_MAX, &pub, &pub_len) < 0) {
		printf("cannot read %s\n", argv[1]);
		return 1;
	}
	if (minisig_parse_pubkey(pub, &pk) < 0) {
		printf("%s: not a minisign public key\n", argv[1]);
		free(pub);
		return 1;
	}
	free(pub);
	if (util_read_file(argv[2], FILE_MAX, &msg, &msg_len) < 0) {
		printf("cannot read %s\n", argv[2]);
		return 1;
	}
	if (util_read_file(argv[3], SIG_MAX, &sig, &sig_len) < 0) {
		printf("cannot read %s\n", argv[3]);
		free(msg);
		return 1;
	}
	r = minisig_verify(&pk, msg, msg_len, sig, sig_len, &tc, &err);
	if (r == 0)
		printf("ok\ntrusted comment: %s\n", tc);
	else
		printf("%s\n", err);
	free(tc);
	free(msg);
	free(sig);
	return r == 0 ? 0 : 1;
}
