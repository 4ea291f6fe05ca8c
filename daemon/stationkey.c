/*
 * stationkey: the station's key pair. See stationkey.h.
 */
#include "stationkey.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "util.h"

#define KEY_MAX_BYTES 16384

int stationkey_read(const char *path, struct minisig_seckey *sk, const char **why)
{
	char *text;
	size_t len;
	int r;

	if (util_read_file(path, KEY_MAX_BYTES, &text, &len) < 0) {
		*why = util_strerror(errno);
		return -1;
	}
	r = minisig_parse_seckey(text, sk, why);
	sodium_memzero(text, len);
	free(text);
	return r;
}

/* station.pub must say what station.key is; it is made again if not. */
static int check_pub(const char *pub_path, const char *station_id, const struct minisig_seckey *sk)
{
	struct minisig_pubkey pk, have;
	char *comment = xasprintf("loaxa station %s public key", station_id), *text, *buf;
	size_t len;
	int ret = 0;

	minisig_seckey_pubkey(sk, &pk);
	if (util_read_file(pub_path, KEY_MAX_BYTES, &buf, &len) == 0) {
		bool same =
		    minisig_parse_pubkey(buf, &have) == 0 && memcmp(&have, &pk, sizeof pk) == 0;

		free(buf);
		if (same) {
			free(comment);
			return 0;
		}
		log_warnx(_("%s does not match the station key; writing it again"), pub_path);
	} else if (errno != ENOENT) {
		log_warn(_("cannot read %s"), pub_path);
	}
	text = minisig_format_pubkey(&pk, comment);
	if (util_write_atomic(pub_path, text, strlen(text), 0644) < 0) {
		log_warn(_("cannot write %s"), pub_path);
		ret = -1;
	}
	free(text);
	free(comment);
	return ret;
}

/*
 * A new key goes in with link(), not rename(): should two processes make
 * one at the same moment, the second finds the first's in place and keeps
 * it, so a key once written is never replaced.
 */
static int make_key(const char *state_dir, const char *key_path, const char *station_id)
{
	struct minisig_seckey sk;
	struct minisig_pubkey pk;
	char *comment = xasprintf("loaxa station %s secret key", station_id);
	char *text, *tmp = xasprintf("%s/.station.key.%ld.tmp", state_dir, (long)getpid());
	int fd, ret = -1;

	minisig_keygen(&pk, &sk);
	text = minisig_format_seckey(&sk, comment);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || util_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		log_warn(_("cannot write %s"), tmp);
	} else if (link(tmp, key_path) < 0 && errno != EEXIST) {
		log_warn(_("cannot create %s"), key_path);
	} else {
		ret = util_fsync_dir(state_dir);
		if (ret < 0)
			log_warn(_("cannot sync %s"), state_dir);
	}
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	sodium_memzero(text, strlen(text));
	sodium_memzero(&sk, sizeof sk);
	free(text);
	free(tmp);
	free(comment);
	return ret;
}

int stationkey_ensure(const char *state_dir, const char *station_id)
{
	char *key_path = xasprintf("%s/station.key", state_dir);
	char *pub_path = xasprintf("%s/station.pub", state_dir);
	struct minisig_seckey sk;
	const char *why;
	struct stat st;
	int ret = -1;

	if (util_mkdirs(state_dir, 0750) < 0) {
		log_warn(_("cannot create %s"), state_dir);
		goto out;
	}
	if (stat(key_path, &st) < 0) {
		if (errno != ENOENT) {
			log_warn(_("cannot read %s"), key_path);
			goto out;
		}
		if (make_key(state_dir, key_path, station_id) < 0)
			goto out;
		log_notice(_("made the station key %s; give %s to the province"), key_path,
		           pub_path);
	} else if (st.st_mode & 077) {
		log_warnx(_("%s could be read by other users; made it private"), key_path);
		if (chmod(key_path, 0600) < 0)
			log_warn(_("cannot chmod %s"), key_path);
	}
	/* A key that does not parse is left for the operator to look at:
	 * replacing it would orphan every signature made so far. */
	if (stationkey_read(key_path, &sk, &why) < 0) {
		log_warnx(_("%s: not a usable station key (%s); move it away to make a new one"),
		          key_path, _(why));
		goto out;
	}
	ret = check_pub(pub_path, station_id, &sk);
	sodium_memzero(&sk, sizeof sk);
out:
	free(key_path);
	free(pub_path);
	return ret;
}
