/*
 * Unit tests for util's reading of files named from outside: a FIFO, a
 * device, a folder and a socket are refused at once with UTIL_ENOTREG
 * ("not a regular file"), by the open, the whole-file read and the hash
 * alike; a regular file comes back as a plain blocking descriptor. And its
 * checks of hex text: what util_hex writes passes, nothing else does; and
 * the crash-safe write of a file another user reads (util_write_atomic_owned).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

static char tmpdir[] = "/tmp/loaxa-test-util.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);

	(void)state;
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	return 0;
}

static void alarm_fail(int sig)
{
	(void)sig;
	fprintf(stderr, "blocked on a file that is not a regular one\n");
	_exit(1);
}

/* Every way of reading path fails at once with UTIL_ENOTREG. */
static void refused(const char *path)
{
	char hex[65], *buf;
	size_t len;

	errno = 0;
	assert_int_equal(util_open_regular(path), -1);
	assert_int_equal(errno, UTIL_ENOTREG);
	errno = 0;
	assert_int_equal(util_read_file(path, 1 << 20, &buf, &len), -1);
	assert_int_equal(errno, UTIL_ENOTREG);
	errno = 0;
	assert_int_equal(util_sha256_file(path, hex), -1);
	assert_int_equal(errno, UTIL_ENOTREG);
}

static void test_not_regular(void **state)
{
	char *fifo = xasprintf("%s/pipe", tmpdir), *sock = xasprintf("%s/sock", tmpdir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	(void)state;
	signal(SIGALRM, alarm_fail);
	alarm(10);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	refused(fifo);
	refused(tmpdir);
	refused("/dev/zero");
	refused("/dev/null");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	errno = 0;
	assert_int_equal(util_open_regular(sock), -1);
	assert_true(errno == UTIL_ENOTREG || errno == ENXIO);
	close(s);
	alarm(0);
	assert_string_equal(util_strerror(UTIL_ENOTREG), "not a regular file");
	assert_string_equal(util_strerror(ENOENT), strerror(ENOENT));
	free(fifo);
	free(sock);
}

static void test_regular(void **state)
{
	char *path = xasprintf("%s/file", tmpdir), *link = xasprintf("%s/link", tmpdir);
	char *missing = xasprintf("%s/missing", tmpdir), hex[65], *buf;
	size_t len;
	int fd, flags;

	(void)state;
	assert_int_equal(util_write_atomic(path, "abc", 3, 0644), 0);
	assert_int_equal(symlink(path, link), 0);
	fd = util_open_regular(link);
	assert_true(fd >= 0);
	flags = fcntl(fd, F_GETFL);
	assert_false(flags & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	assert_int_equal(util_read_file(path, 3, &buf, &len), 0);
	assert_int_equal(len, 3);
	assert_string_equal(buf, "abc");
	free(buf);
	assert_int_equal(util_sha256_file(path, hex), 0);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	errno = 0;
	assert_int_equal(util_open_regular(missing), -1);
	assert_int_equal(errno, ENOENT);
	free(path);
	free(link);
	free(missing);
}

/* The owned variant: the mode asked for whatever the umask, nothing left
 * beside the file, and a folder that is not there is an error. */
static void test_write_atomic_owned(void **state)
{
	char *path = xasprintf("%s/owned", tmpdir), *gone = xasprintf("%s/no/owned", tmpdir);
	char *buf, *cmd;
	struct stat st;
	size_t len;
	mode_t old = umask(077);

	(void)state;
	assert_int_equal(util_write_atomic_owned(path, "one", 3, 0640, tmpdir), 0);
	assert_int_equal(util_write_atomic_owned(path, "two", 3, 0640, tmpdir), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(util_read_file(path, 16, &buf, &len), 0);
	assert_string_equal(buf, "two");
	free(buf);
	cmd = xasprintf("test \"$(ls -A '%s' | grep -c owned)\" = 1", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	errno = 0;
	assert_int_equal(util_write_atomic_owned(gone, "x", 1, 0640, tmpdir), -1);
	assert_int_equal(errno, ENOENT);
	free(path);
	free(gone);
}

/* What util_hex writes, and nothing else, passes for hex. */
static void test_hex_checks(void **state)
{
	static const char sha[] =
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char buf[80];

	(void)state;
	assert_true(util_is_sha256_hex(sha));
	assert_true(util_is_lower_hex(sha, 64));
	assert_true(util_is_lower_hex("", 0));
	assert_false(util_is_sha256_hex(""));
	assert_false(util_is_sha256_hex("ba7816bf"));
	assert_false(util_is_lower_hex("ba78", 5));
	snprintf(buf, sizeof buf, "%s0", sha);
	assert_false(util_is_sha256_hex(buf));
	assert_true(util_is_lower_hex(buf, 64));
	snprintf(buf, sizeof buf, "%s", sha);
	buf[10] = 'A';
	assert_false(util_is_sha256_hex(buf));
	buf[10] = 'g';
	assert_false(util_is_sha256_hex(buf));
	buf[10] = ' ';
	assert_false(util_is_lower_hex(buf, 64));
	assert_true(util_is_lower_hex(buf, 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_not_regular),
	    cmocka_unit_test(test_regular),
	    cmocka_unit_test(test_write_atomic_owned),
	    cmocka_unit_test(test_hex_checks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
