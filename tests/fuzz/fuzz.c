/*
 * fuzz: shared set-up of the libFuzzer targets (see fuzz.h). The temp folder
 * holds only the files written here, so a config's @include finds nothing
 * else and every run sees the same world.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "util.h"

static char fuzz_dir[PATH_MAX];
static char fuzz_path[PATH_MAX];
/* The names written, removed at exit: the folder is ours alone. */
static const char *fuzz_names[8];
static size_t fuzz_nnames;

static void fuzz_cleanup(void)
{
	char path[PATH_MAX + 64];

	for (size_t i = 0; i < fuzz_nnames; i++) {
		snprintf(path, sizeof path, "%s/%s", fuzz_dir, fuzz_names[i]);
		unlink(path);
	}
	rmdir(fuzz_dir);
}

void fuzz_init(void)
{
	const char *tmp = getenv("TMPDIR");

	if (fuzz_dir[0])
		return;
	if (sodium_init() < 0)
		abort();
	/* Level 0 is below every message: nothing is printed. */
	msg_init("fuzz", false, (enum msg_level)0);
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/loaxa-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir)) {
		perror(fuzz_dir);
		abort();
	}
	atexit(fuzz_cleanup);
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	size_t i;
	int fd;

	fuzz_init();
	for (i = 0; i < fuzz_nnames && strcmp(fuzz_names[i], name) != 0; i++)
		;
	if (i == fuzz_nnames && fuzz_nnames < sizeof fuzz_names / sizeof fuzz_names[0])
		fuzz_names[fuzz_nnames++] = name;
	snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", fuzz_dir, name);
	fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size)) {
		perror(fuzz_path);
		abort();
	}
	close(fd);
	return fuzz_path;
}

char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

bool fuzz_is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

void fuzz_key(struct minisig_pubkey *pk, struct minisig_seckey *sk)
{
	static const unsigned char seed[crypto_sign_SEEDBYTES] = "loaxa fuzz key - public, no use";
	static const unsigned char keyid[8] = {'l', 'o', 'a', 'x', 'a', 'f', 'z', '1'};
	struct minisig_seckey s;

	fuzz_init();
	memcpy(s.keyid, keyid, sizeof keyid);
	crypto_sign_seed_keypair(pk ? pk->pk : (unsigned char[32]){0}, s.sk, seed);
	if (pk)
		memcpy(pk->keyid, keyid, sizeof keyid);
	if (sk)
		*sk = s;
}

/*
 * libconfig 1.5 (Debian's) leaks the text of a quoted string that arrives
 * where the grammar wants no value (x "y";): its scanner's buffer is never
 * freed on that syntax error. The leak is the library's, not ours, and 64
 * bytes per refused file; every other leak stays a finding.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}
