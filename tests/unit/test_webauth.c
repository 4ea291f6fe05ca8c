/*
 * Unit tests for webauth: the password file's lines, Argon2id checks, the
 * session table (expiry, eviction, CSRF) and the delays after failed logins,
 * all with the time given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "webauth.h"

static void test_names(void **state)
{
	(void)state;
	assert_true(webauth_valid_name("admin"));
	assert_true(webauth_valid_name("can-bo.van_hoa2"));
	assert_true(webauth_valid_name("0"));
	assert_false(webauth_valid_name(""));
	assert_false(webauth_valid_name("-admin"));
	assert_false(webauth_valid_name(".admin"));
	assert_false(webauth_valid_name("Admin"));
	assert_false(webauth_valid_name("ad:min"));
	assert_false(webauth_valid_name("ad min"));
	assert_false(webauth_valid_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 33 */
	assert_true(webauth_valid_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));   /* 32 */

	assert_null(webauth_password_problem("admin", "mật khẩu 1"));
	assert_non_null(webauth_password_problem("admin", "short"));
	/* 7 characters, more bytes */
	assert_non_null(webauth_password_problem("admin", "mậtkhẩu"));
	assert_non_null(webauth_password_problem("longername", "longername"));
	assert_non_null(webauth_password_problem("admin", "password\t1"));
}

static void test_file_lines(void **state)
{
	char *a, *b, *c, *d;
	bool had;

	(void)state;
	a = webauth_file_set(NULL, "admin", "H1", &had);
	assert_false(had);
	assert_string_equal(a, "admin:H1\n");
	b = webauth_file_set(a, "lan", "H2", &had);
	assert_false(had);
	assert_string_equal(b, "admin:H1\nlan:H2\n");
	c = webauth_file_set(b, "admin", "H3", &had);
	assert_true(had);
	assert_string_equal(c, "admin:H3\nlan:H2\n");
	d = webauth_file_set(c, "admin", NULL, &had);
	assert_true(had);
	assert_string_equal(d, "lan:H2\n");
	assert_int_equal(webauth_file_count(c), 2);
	assert_int_equal(webauth_file_count(d), 1);
	free(a);
	free(b);
	free(c);
	free(d);
	/* a name that is a prefix of another is not it; no final newline */
	a = webauth_file_set("administrator:H1", "admin", "H2", &had);
	assert_false(had);
	assert_string_equal(a, "administrator:H1\nadmin:H2\n");
	free(a);
	a = webauth_file_set("lan:H2", "lan", NULL, &had);
	assert_true(had);
	assert_string_equal(a, "");
	assert_int_equal(webauth_file_count(a), 0);
	assert_int_equal(webauth_file_count("\n\n"), 0);
	free(a);
}

static void test_check(void **state)
{
	char hash[WEBAUTH_HASH_MAX], *text, *back;
	char dir[] = "/tmp/loaxa-test-webauth.XXXXXX";
	struct stat st;
	bool had;

	(void)state;
	assert_int_equal(webauth_hash("đúng mật khẩu", hash), 0);
	assert_memory_equal(hash, "$argon2id$", 10);
	text = webauth_file_set("lan:$argon2id$v=19$broken\n", "admin", hash, &had);
	assert_int_equal(webauth_check(text, "admin", "đúng mật khẩu"), WEBAUTH_OK);
	assert_int_equal(webauth_check(text, "admin", "sai mật khẩu"), WEBAUTH_WRONG);
	assert_int_equal(webauth_check(text, "nobody", "đúng mật khẩu"), WEBAUTH_WRONG);
	assert_int_equal(webauth_check(text, "lan", "anything at all"), WEBAUTH_WRONG);
	assert_int_equal(webauth_check(text, "Admin:", "đúng mật khẩu"), WEBAUTH_WRONG);
	assert_int_equal(webauth_check(NULL, "admin", "đúng mật khẩu"), WEBAUTH_NOBODY);
	assert_int_equal(webauth_check("", "admin", "đúng mật khẩu"), WEBAUTH_NOBODY);

	/* written crash-safely, 0640, read back */
	assert_non_null(mkdtemp(dir));
	errno = 0;
	assert_null(webauth_read_file(dir));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(webauth_write_file(dir, text), 0);
	back = webauth_read_file(dir);
	assert_non_null(back);
	assert_string_equal(back, text);
	{
		char *path = xasprintf("%s/%s", dir, WEBAUTH_FILE);

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0640);
		unlink(path);
		free(path);
	}
	rmdir(dir);
	/* a folder that is not there is an error, not created */
	assert_int_equal(webauth_write_file(dir, text), -1);
	free(back);
	free(text);
}

static void test_sessions(void **state)
{
	struct webauth *a = webauth_new(600);
	const struct webauth_session *s;
	char token[WEBAUTH_TOKEN_HEX + 1], csrf[WEBAUTH_TOKEN_HEX + 1],
	    first[WEBAUTH_TOKEN_HEX + 1];

	(void)state;
	s = webauth_login(a, "admin", 1000);
	assert_int_equal(strlen(s->token), 64);
	assert_int_equal(strspn(s->token, "0123456789abcdef"), 64);
	assert_string_not_equal(s->token, s->csrf);
	snprintf(token, sizeof token, "%s", s->token);
	snprintf(csrf, sizeof csrf, "%s", s->csrf);

	s = webauth_session(a, token, 1500);
	assert_non_null(s);
	assert_string_equal(s->user, "admin");
	assert_true(webauth_csrf_ok(s, csrf));
	assert_false(webauth_csrf_ok(s, token));
	assert_false(webauth_csrf_ok(s, ""));
	assert_false(webauth_csrf_ok(s, NULL));
	/* idle: 600 s after its last use, not after its start */
	assert_non_null(webauth_session(a, token, 2099));
	assert_null(webauth_session(a, token, 2700));
	assert_null(webauth_session(a, token, 2701)); /* gone for good */

	/* absolute expiry, however busy */
	s = webauth_login(a, "admin", 10000);
	snprintf(token, sizeof token, "%s", s->token);
	for (double t = 10000; t < 10000 + WEBAUTH_ABSOLUTE_S; t += 500)
		assert_non_null(webauth_session(a, token, t));
	assert_null(webauth_session(a, token, 10000 + WEBAUTH_ABSOLUTE_S + 1));

	/* unknown, malformed, logged out */
	assert_null(webauth_session(a, NULL, 20000));
	assert_null(webauth_session(a, "", 20000));
	assert_null(webauth_session(
	    a, "0000000000000000000000000000000000000000000000000000000000000000", 20000));
	s = webauth_login(a, "lan", 20000);
	snprintf(token, sizeof token, "%s", s->token);
	webauth_logout(a, token);
	assert_null(webauth_session(a, token, 20001));

	/* a full table drops the least recently used */
	s = webauth_login(a, "u0", 30000);
	snprintf(first, sizeof first, "%s", s->token);
	for (int i = 1; i < WEBAUTH_MAX_SESSIONS; i++)
		webauth_login(a, "u", 30000 + i);
	assert_non_null(webauth_session(a, first, 30100)); /* used again: now the newest */
	s = webauth_login(a, "v", 30200);
	assert_non_null(webauth_session(a, first, 30201));
	webauth_free(a);

	assert_true(webauth_equal("abc", "abc"));
	assert_false(webauth_equal("abc", "abd"));
	assert_false(webauth_equal("abc", "abcd"));
}

static void test_failures(void **state)
{
	struct webauth *a = webauth_new(600);

	(void)state;
	assert_true(webauth_wait(a, "192.168.1.20", 0) == 0);
	assert_int_equal(webauth_failed(a, "192.168.1.20", 100), 1);
	assert_int_equal(webauth_failed(a, "192.168.1.20", 101), 2);
	assert_true(webauth_wait(a, "192.168.1.20", 101) == 0);
	assert_int_equal(webauth_failed(a, "192.168.1.20", 102), 3);
	/* the third failure in a row costs 5 s, each further one twice that */
	assert_true(webauth_wait(a, "192.168.1.20", 102) == 5);
	assert_true(webauth_wait(a, "192.168.1.20", 106) == 1);
	assert_true(webauth_wait(a, "192.168.1.20", 107) == 0);
	assert_int_equal(webauth_failed(a, "192.168.1.20", 107), 4);
	assert_true(webauth_wait(a, "192.168.1.20", 107) == 10);
	/* another address is not held back */
	assert_true(webauth_wait(a, "192.168.1.21", 107) == 0);
	for (unsigned i = 5; i < 40; i++)
		assert_int_equal(webauth_failed(a, "192.168.1.20", 200), i);
	assert_true(webauth_wait(a, "192.168.1.20", 200) == WEBAUTH_MAX_DELAY_S);
	/* success forgets; so does an hour of quiet after the last delay */
	webauth_succeeded(a, "192.168.1.20");
	assert_true(webauth_wait(a, "192.168.1.20", 201) == 0);
	for (int i = 0; i < 3; i++)
		webauth_failed(a, "10.0.0.1", 1000);
	assert_true(webauth_wait(a, "10.0.0.1", 1001) > 0);
	webauth_failed(a, "10.0.0.1", 1000 + WEBAUTH_FORGET_S + 100);
	assert_true(webauth_wait(a, "10.0.0.1", 1000 + 2 * WEBAUTH_FORGET_S + 200) == 0);
	assert_int_equal(webauth_failed(a, "10.0.0.1", 1000 + 2 * WEBAUTH_FORGET_S + 200), 1);

	/* many addresses: the table stays bounded, the quietest goes */
	for (int i = 0; i < 3 * WEBAUTH_MAX_CLIENTS; i++) {
		char addr[32];

		snprintf(addr, sizeof addr, "10.1.%d.%d", i / 256, i % 256);
		webauth_failed(a, addr, 20000 + i);
	}
	assert_int_equal(webauth_failed(a, "10.1.2.255", 20000 + 3 * WEBAUTH_MAX_CLIENTS), 2);
	assert_int_equal(webauth_failed(a, "10.1.0.0", 20000 + 3 * WEBAUTH_MAX_CLIENTS), 1);
	webauth_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),    cmocka_unit_test(test_file_lines),
	    cmocka_unit_test(test_check),    cmocka_unit_test(test_sessions),
	    cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
