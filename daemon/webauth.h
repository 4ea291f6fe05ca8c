/*
 * webauth: who may use the operator's web page, and for how long.
 *
 * The password file, state_dir/web.passwd (mode 0640, group loaxa), holds
 * one line per operator, "NAME:HASH", HASH an Argon2id string from
 * libsodium's crypto_pwhash_str; "loaxactl passwd" writes it, loaxa-web
 * reads it at each login. Without a file, or with no line in it, nobody can
 * log in: there is no default password.
 *
 * Sessions live in loaxa-web's memory only (a restart logs everyone out):
 * a random 256-bit token for the cookie, a second one for the forms (CSRF),
 * an idle expiry and an absolute one. Failed logins are counted per client
 * address; after WEBAUTH_FREE_FAILURES in a row each further attempt must
 * wait twice as long as the one before (WEBAUTH_FIRST_DELAY_S, at most
 * WEBAUTH_MAX_DELAY_S).
 *
 * Times are passed in (monotonic seconds), so the rules are tested without
 * a clock. Tokens are compared in constant time.
 */
#ifndef LOAXA_WEBAUTH_H
#define LOAXA_WEBAUTH_H

#include <stdbool.h>
#include <stddef.h>

#define WEBAUTH_FILE          "web.passwd"
#define WEBAUTH_NAME_MAX      32
#define WEBAUTH_PASSWORD_MIN  8
#define WEBAUTH_PASSWORD_MAX  256
#define WEBAUTH_HASH_MAX      128 /* crypto_pwhash_STRBYTES */
#define WEBAUTH_TOKEN_HEX     64
#define WEBAUTH_MAX_SESSIONS  64
#define WEBAUTH_ABSOLUTE_S    (12 * 3600)
#define WEBAUTH_FREE_FAILURES 3
#define WEBAUTH_FIRST_DELAY_S 5
#define WEBAUTH_MAX_DELAY_S   900
#define WEBAUTH_FORGET_S      3600
#define WEBAUTH_MAX_CLIENTS   256

/* --- the password file ------------------------------------------------------ */

/* An operator's name: [a-z0-9][a-z0-9._-]{0,31}. */
bool webauth_valid_name(const char *name);
/* NULL when the password is acceptable, else why not (untranslated, N_). */
const char *webauth_password_problem(const char *name, const char *password);
/* Argon2id hash of password into out. 0, or -1 (out of memory). */
int webauth_hash(const char *password, char out[WEBAUTH_HASH_MAX]);
/* A password file's text with name's line set to hash (added, or replacing
 * the old one), or removed when hash is NULL. *had tells whether name
 * had a line. Pure; malloc'd. */
char *webauth_file_set(const char *text, const char *name, const char *hash, bool *had);
/* Number of operators in a password file's text. */
size_t webauth_file_count(const char *text);

enum webauth_result { WEBAUTH_OK, WEBAUTH_WRONG, WEBAUTH_NOBODY };
/* Check name/password against a password file's text (NULL: no file).
 * WEBAUTH_NOBODY when the text holds no operator at all. An unknown name
 * costs as long as a wrong password. */
enum webauth_result webauth_check(const char *text, const char *name, const char *password);

/* state_dir/web.passwd, read (NULL + errno when absent or unreadable) or
 * written crash-safely (mode 0640; run as root, owned like state_dir so
 * that loaxa-web can read it). 0 or -1 with errno. */
char *webauth_read_file(const char *state_dir);
int webauth_write_file(const char *state_dir, const char *text);

/* --- sessions and failed logins ---------------------------------------------- */

struct webauth_session {
	char token[WEBAUTH_TOKEN_HEX + 1]; /* the cookie */
	char csrf[WEBAUTH_TOKEN_HEX + 1];  /* in every form */
	char user[WEBAUTH_NAME_MAX + 1];
	double created, last; /* monotonic seconds */
};

struct webauth;

struct webauth *webauth_new(int session_s);
void webauth_free(struct webauth *a);

/* A new session for user (the least recently used one goes when the table
 * is full). The pointer lasts until the next call that changes sessions. */
const struct webauth_session *webauth_login(struct webauth *a, const char *user, double now);
/* The live session whose token this is (and mark it used), or NULL. */
const struct webauth_session *webauth_session(struct webauth *a, const char *token, double now);
void webauth_logout(struct webauth *a, const char *token);
/* The form's token is the session's. */
bool webauth_csrf_ok(const struct webauth_session *s, const char *token);
/* a and b are equal: constant time in their length. */
bool webauth_equal(const char *a, const char *b);

/* Seconds client must still wait before its next attempt (0: it may try). */
double webauth_wait(struct webauth *a, const char *client, double now);
/* A failed attempt from client: returns its failures in a row. */
unsigned webauth_failed(struct webauth *a, const char *client, double now);
void webauth_succeeded(struct webauth *a, const char *client);

#endif
