/*
 * webauth: passwords, sessions and failed logins of the web page (see
 * webauth.h). The hashing is libsodium's (Argon2id); this module only
 * decides whose line is whose and what is still valid.
 */
#include "webauth.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "util.h"

/* The password file is a few lines; anything much larger is not ours. */
#define WEBAUTH_FILE_MAX (64 * 1024)

struct client {
	char key[64];
	unsigned failures;
	double last;
	double until; /* no attempt before this */
};

struct webauth {
	int session_s;
	struct webauth_session sessions[WEBAUTH_MAX_SESSIONS];
	bool used[WEBAUTH_MAX_SESSIONS];
	struct client clients[WEBAUTH_MAX_CLIENTS];
	size_t nclients;
};

/* --- the password file ------------------------------------------------------- */

bool webauth_valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > WEBAUTH_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

const char *webauth_password_problem(const char *name, const char *password)
{
	size_t n = strlen(password), chars = 0;

	for (const char *p = password; *p; p++)
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	if (chars < WEBAUTH_PASSWORD_MIN)
		return N_("a password needs at least 8 characters");
	if (n > WEBAUTH_PASSWORD_MAX)
		return N_("a password has at most 256 bytes");
	for (const unsigned char *p = (const unsigned char *)password; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return N_("a password has no control characters");
	if (strcmp(password, name) == 0)
		return N_("the password must not be the name");
	return NULL;
}

int webauth_hash(const char *password, char out[WEBAUTH_HASH_MAX])
{
	/* The interactive limits: 64 MiB and a tenth of a second on a PC,
	 * about a second on a Raspberry Pi class box, once per login. */
	if (sodium_init() < 0)
		return -1;
	return crypto_pwhash_str(out, password, strlen(password),
	                         crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                         crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

/* The line of text starting at p that holds name's entry, or NULL. */
static const char *find_line(const char *text, const char *name, const char **end)
{
	size_t n = strlen(name);

	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');

		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) > n && strncmp(p, name, n) == 0 && p[n] == ':') {
			*end = *e ? e + 1 : e;
			return p;
		}
		p = *e ? e + 1 : e;
	}
	return NULL;
}

char *webauth_file_set(const char *text, const char *name, const char *hash, bool *had)
{
	const char *end = NULL, *line = text ? find_line(text, name, &end) : NULL;
	const char *rest = line ? end : "";
	size_t head = line ? (size_t)(line - text) : (text ? strlen(text) : 0);
	const char *sep = head > 0 && text[head - 1] != '\n' ? "\n" : "";
	char *entry = hash ? xasprintf("%s:%s\n", name, hash) : xstrdup("");
	char *out = xasprintf("%.*s%s%s%s", (int)head, text ? text : "", sep, entry, rest);

	*had = line != NULL;
	free(entry);
	return out;
}

size_t webauth_file_count(const char *text)
{
	size_t n = 0;

	for (const char *p = text; p && *p;) {
		const char *colon = strchr(p, ':'), *e = strchr(p, '\n');

		if (!e)
			e = p + strlen(p);
		if (colon && colon < e && colon > p)
			n++;
		p = *e ? e + 1 : e;
	}
	return n;
}

enum webauth_result webauth_check(const char *text, const char *name, const char *password)
{
	/* A name that is not there costs one verification all the same, so
	 * that the time taken does not tell which names exist. */
	static char dummy[WEBAUTH_HASH_MAX];
	const char *end, *line;
	char hash[WEBAUTH_HASH_MAX];
	size_t n;
	bool ok;

	if (!text || webauth_file_count(text) == 0)
		return WEBAUTH_NOBODY;
	if (sodium_init() < 0)
		return WEBAUTH_WRONG;
	if (!dummy[0] && webauth_hash("not a password of anyone", dummy) < 0)
		return WEBAUTH_WRONG;
	line = webauth_valid_name(name) ? find_line(text, name, &end) : NULL;
	if (line) {
		const char *h = line + strlen(name) + 1;

		n = (size_t)(end - h);
		while (n > 0 && (h[n - 1] == '\n' || h[n - 1] == '\r'))
			n--;
		if (n >= sizeof hash)
			n = 0;
		memcpy(hash, h, n);
		hash[n] = '\0';
	} else {
		snprintf(hash, sizeof hash, "%s", dummy);
	}
	ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	return line && ok ? WEBAUTH_OK : WEBAUTH_WRONG;
}

char *webauth_read_file(const char *state_dir)
{
	char *path = xasprintf("%s/%s", state_dir, WEBAUTH_FILE), *text = NULL;
	size_t len;
	int saved;

	if (util_read_file(path, WEBAUTH_FILE_MAX, &text, &len) < 0)
		text = NULL;
	saved = errno;
	free(path);
	errno = saved;
	return text;
}

int webauth_write_file(const char *state_dir, const char *text)
{
	char *path = xasprintf("%s/%s", state_dir, WEBAUTH_FILE);
	int ret, saved;

	/* loaxa-web (user loaxa) reads it through the group */
	ret = util_write_atomic_owned(path, text, strlen(text), 0640, state_dir);
	saved = errno;
	free(path);
	errno = saved;
	return ret;
}

/* --- sessions ---------------------------------------------------------------- */

struct webauth *webauth_new(int session_s)
{
	struct webauth *a;

	if (sodium_init() < 0)
		fatalx("libsodium cannot start");
	a = xcalloc(1, sizeof *a);
	a->session_s = session_s;
	return a;
}

void webauth_free(struct webauth *a)
{
	if (!a)
		return;
	sodium_memzero(a, sizeof *a);
	free(a);
}

static void random_hex(char out[WEBAUTH_TOKEN_HEX + 1])
{
	unsigned char raw[WEBAUTH_TOKEN_HEX / 2];

	randombytes_buf(raw, sizeof raw);
	util_hex(raw, sizeof raw, out);
	sodium_memzero(raw, sizeof raw);
}

static bool expired(const struct webauth *a, const struct webauth_session *s, double now)
{
	return now - s->last > a->session_s || now - s->created > WEBAUTH_ABSOLUTE_S;
}

const struct webauth_session *webauth_login(struct webauth *a, const char *user, double now)
{
	size_t pick = 0;

	for (size_t i = 0; i < WEBAUTH_MAX_SESSIONS; i++) {
		if (a->used[i] && expired(a, &a->sessions[i], now))
			a->used[i] = false;
		if (!a->used[i]) {
			pick = i;
			break;
		}
		if (a->sessions[i].last < a->sessions[pick].last)
			pick = i;
	}
	memset(&a->sessions[pick], 0, sizeof a->sessions[pick]);
	random_hex(a->sessions[pick].token);
	random_hex(a->sessions[pick].csrf);
	snprintf(a->sessions[pick].user, sizeof a->sessions[pick].user, "%s", user);
	a->sessions[pick].created = a->sessions[pick].last = now;
	a->used[pick] = true;
	return &a->sessions[pick];
}

bool webauth_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

/* The slot of a live session with this token, or -1. Every slot is
 * compared, whatever matches, so the time does not depend on where. */
static int find_session(struct webauth *a, const char *token, double now)
{
	int found = -1;

	if (!token || strlen(token) != WEBAUTH_TOKEN_HEX)
		return -1;
	for (int i = 0; i < WEBAUTH_MAX_SESSIONS; i++) {
		bool eq = sodium_memcmp(a->sessions[i].token, token, WEBAUTH_TOKEN_HEX) == 0;

		if (eq && a->used[i])
			found = i;
	}
	if (found >= 0 && expired(a, &a->sessions[found], now)) {
		a->used[found] = false;
		sodium_memzero(&a->sessions[found], sizeof a->sessions[found]);
		found = -1;
	}
	return found;
}

const struct webauth_session *webauth_session(struct webauth *a, const char *token, double now)
{
	int i = find_session(a, token, now);

	if (i < 0)
		return NULL;
	a->sessions[i].last = now;
	return &a->sessions[i];
}

void webauth_logout(struct webauth *a, const char *token)
{
	int i = find_session(a, token, -INFINITY);

	if (i < 0)
		return;
	a->used[i] = false;
	sodium_memzero(&a->sessions[i], sizeof a->sessions[i]);
}

bool webauth_csrf_ok(const struct webauth_session *s, const char *token)
{
	return s && token && strlen(token) == WEBAUTH_TOKEN_HEX &&
	       sodium_memcmp(s->csrf, token, WEBAUTH_TOKEN_HEX) == 0;
}

/* --- failed logins ----------------------------------------------------------- */

static struct client *find_client(struct webauth *a, const char *key)
{
	for (size_t i = 0; i < a->nclients; i++)
		if (strcmp(a->clients[i].key, key) == 0)
			return &a->clients[i];
	return NULL;
}

static void forget_old(struct webauth *a, double now)
{
	for (size_t i = 0; i < a->nclients;) {
		if (now - a->clients[i].last > WEBAUTH_FORGET_S && now >= a->clients[i].until)
			a->clients[i] = a->clients[--a->nclients];
		else
			i++;
	}
}

double webauth_wait(struct webauth *a, const char *client, double now)
{
	const struct client *c;

	forget_old(a, now);
	c = find_client(a, client);
	return c && c->until > now ? c->until - now : 0;
}

unsigned webauth_failed(struct webauth *a, const char *client, double now)
{
	struct client *c;

	forget_old(a, now);
	c = find_client(a, client);
	if (!c) {
		if (a->nclients == WEBAUTH_MAX_CLIENTS) {
			/* the quietest one goes */
			size_t old = 0;

			for (size_t i = 1; i < a->nclients; i++)
				if (a->clients[i].last < a->clients[old].last)
					old = i;
			a->clients[old] = a->clients[--a->nclients];
		}
		c = &a->clients[a->nclients++];
		memset(c, 0, sizeof *c);
		snprintf(c->key, sizeof c->key, "%s", client);
	}
	c->failures++;
	c->last = now;
	if (c->failures >= WEBAUTH_FREE_FAILURES) {
		unsigned k = c->failures - WEBAUTH_FREE_FAILURES;
		double delay =
		    k >= 16 ? WEBAUTH_MAX_DELAY_S : WEBAUTH_FIRST_DELAY_S * (double)(1u << k);

		c->until = now + (delay < WEBAUTH_MAX_DELAY_S ? delay : WEBAUTH_MAX_DELAY_S);
	}
	return c->failures;
}

void webauth_succeeded(struct webauth *a, const char *client)
{
	struct client *c = find_client(a, client);

	if (c)
		*c = a->clients[--a->nclients];
}
