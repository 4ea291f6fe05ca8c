/*
 * alertmsg: the watcher's lines to the daemon, written and read with
 * jansson. The reader is strict (types, ranges, the audio path absolute
 * and plain), though the writer is our own child: a bug there must cost
 * one alert, never the daemon.
 */
#include "alertmsg.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const kinds[] = {[ALERTMSG_PLAY] = "play",
                                    [ALERTMSG_CANCEL] = "cancel",
                                    [ALERTMSG_REFUSED] = "refused",
                                    [ALERTMSG_STATE] = "state"};

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

char *alertmsg_format(const struct alertmsg *m)
{
	json_t *o = json_object(), *refs;
	char *body, *line;

	json_object_set_new(o, "event", json_string(kinds[m->kind]));
	if (m->kind == ALERTMSG_STATE) {
		json_object_set_new(o, "ok", json_boolean(m->ok));
		json_object_set_new(o, "index_version", json_integer((json_int_t)m->index_version));
		set_str(o, "reason", m->reason);
		goto out;
	}
	set_str(o, "identifier", m->identifier);
	set_str(o, "sender", m->sender);
	set_str(o, "sent", m->sent);
	set_str(o, "msg_type", m->msg_type);
	set_str(o, "severity", m->severity);
	set_str(o, "headline", m->headline);
	if (m->level)
		json_object_set_new(o, "level", json_integer(m->level));
	if (m->sha256[0])
		json_object_set_new(o, "sha256", json_string(m->sha256));
	set_str(o, "reason", m->reason);
	if (m->kind == ALERTMSG_PLAY) {
		set_str(o, "audio", m->audio);
		json_object_set_new(o, "duration_s", json_real(m->duration_s));
		json_object_set_new(o, "repeat", json_integer(m->repeat));
		json_object_set_new(o, "interval_s", json_integer(m->interval_s));
		json_object_set_new(o, "expires", json_integer((json_int_t)m->expires));
	}
	if (m->nrefs) {
		refs = json_array();
		for (size_t i = 0; i < m->nrefs; i++)
			json_array_append_new(refs,
			                      json_pack("{s:s,s:s}", "sender", m->refs[i].sender,
			                                "identifier", m->refs[i].identifier));
		json_object_set_new(o, "references", refs);
	}
out:
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!body)
		fatalx("alertmsg: cannot format a line");
	line = xasprintf("%s\n", body);
	free(body);
	return line;
}

/* An optional string member, at most max bytes, without control
 * characters but the line breaks of a headline. */
static int get_str(json_t *o, const char *key, size_t max, char **out)
{
	json_t *v = json_object_get(o, key);
	const char *s;

	*out = NULL;
	if (!v)
		return 0;
	s = json_string_value(v);
	if (!s || strlen(s) > max)
		return -1;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\n')
			return -1;
	*out = xstrdup(s);
	return 0;
}

static int get_int(json_t *o, const char *key, long long lo, long long hi, long long *out)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int fields(json_t *o, struct alertmsg *m, const char **why)
{
	const char *ev = json_string_value(json_object_get(o, "event"));
	long long level = 0, repeat = 1, interval = 0, expires = 0, version = 0;
	json_t *v, *refs;
	char *sha = NULL;
	size_t i;

	*why = "not an alert message";
	if (!ev)
		return -1;
	for (int k = ALERTMSG_PLAY; k <= ALERTMSG_STATE; k++)
		if (strcmp(ev, kinds[k]) == 0)
			m->kind = (enum alertmsg_kind)k;
	if (!m->kind)
		return -1;
	*why = "a field of the wrong type or out of range";
	if (get_str(o, "identifier", 256, &m->identifier) < 0 ||
	    get_str(o, "sender", 256, &m->sender) < 0 || get_str(o, "sent", 64, &m->sent) < 0 ||
	    get_str(o, "msg_type", 16, &m->msg_type) < 0 ||
	    get_str(o, "severity", 16, &m->severity) < 0 ||
	    get_str(o, "headline", 4096, &m->headline) < 0 ||
	    get_str(o, "reason", 1024, &m->reason) < 0 ||
	    get_str(o, "audio", 4096, &m->audio) < 0 || get_int(o, "level", 1, 5, &level) < 0 ||
	    get_int(o, "repeat", 1, 100, &repeat) < 0 ||
	    get_int(o, "interval_s", 0, 86400, &interval) < 0 ||
	    get_int(o, "expires", 0, INT64_MAX, &expires) < 0 ||
	    get_int(o, "index_version", 0, INT64_MAX, &version) < 0 ||
	    get_str(o, "sha256", 64, &sha) < 0 || (sha && !util_is_sha256_hex(sha))) {
		free(sha);
		return -1;
	}
	if (sha)
		memcpy(m->sha256, sha, 65);
	free(sha);
	m->level = (int)level;
	m->repeat = (int)repeat;
	m->interval_s = (int)interval;
	m->expires = (time_t)expires;
	m->index_version = (uint64_t)version;
	v = json_object_get(o, "ok");
	m->ok = json_is_true(v);
	v = json_object_get(o, "duration_s");
	if (v) {
		m->duration_s = json_number_value(v);
		if (!json_is_number(v) || !isfinite(m->duration_s) || m->duration_s < 0)
			return -1;
	}
	refs = json_object_get(o, "references");
	if (refs) {
		if (!json_is_array(refs) || json_array_size(refs) > ALERTMSG_MAX_REFS)
			return -1;
		m->refs = xcalloc(json_array_size(refs) + 1, sizeof *m->refs);
		json_array_foreach(refs, i, v)
		{
			struct alertmsg_ref *r = &m->refs[m->nrefs++];

			if (get_str(v, "sender", 256, &r->sender) < 0 ||
			    get_str(v, "identifier", 256, &r->identifier) < 0 || !r->sender ||
			    !r->identifier)
				return -1;
		}
	}
	*why = "a field is missing";
	switch (m->kind) {
	case ALERTMSG_PLAY:
		if (!m->identifier || !m->sender || !m->audio || !m->sha256[0] || !m->expires)
			return -1;
		*why = "the audio is not an absolute path";
		if (m->audio[0] != '/' || strstr(m->audio, "/../") || strchr(m->audio, '\n'))
			return -1;
		return 0;
	case ALERTMSG_CANCEL:
		return m->identifier && m->sender && m->nrefs ? 0 : -1;
	case ALERTMSG_REFUSED:
		return m->reason ? 0 : -1;
	case ALERTMSG_STATE:
		return 0;
	}
	return -1;
}

int alertmsg_parse(struct alertmsg *m, const char *line, size_t len, char *why, size_t why_len)
{
	json_error_t err;
	const char *problem = NULL;
	json_t *o;

	memset(m, 0, sizeof *m);
	if (len > ALERTMSG_MAX_LINE) {
		snprintf(why, why_len, "a line longer than %d bytes", ALERTMSG_MAX_LINE);
		return -1;
	}
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(o)) {
		snprintf(why, why_len, "not a JSON object: %s", o ? "" : err.text);
		json_decref(o);
		return -1;
	}
	if (fields(o, m, &problem) < 0) {
		snprintf(why, why_len, "%s", problem);
		json_decref(o);
		alertmsg_free(m);
		return -1;
	}
	json_decref(o);
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void alertmsg_copy(struct alertmsg *dst, const struct alertmsg *src)
{
	*dst = *src;
	dst->identifier = dup_or_null(src->identifier);
	dst->sender = dup_or_null(src->sender);
	dst->sent = dup_or_null(src->sent);
	dst->msg_type = dup_or_null(src->msg_type);
	dst->severity = dup_or_null(src->severity);
	dst->headline = dup_or_null(src->headline);
	dst->audio = dup_or_null(src->audio);
	dst->reason = dup_or_null(src->reason);
	dst->refs = src->nrefs ? xcalloc(src->nrefs, sizeof *dst->refs) : NULL;
	for (size_t i = 0; i < src->nrefs; i++) {
		dst->refs[i].sender = xstrdup(src->refs[i].sender);
		dst->refs[i].identifier = xstrdup(src->refs[i].identifier);
	}
}

void alertmsg_free(struct alertmsg *m)
{
	free(m->identifier);
	free(m->sender);
	free(m->sent);
	free(m->msg_type);
	free(m->severity);
	free(m->headline);
	free(m->audio);
	free(m->reason);
	for (size_t i = 0; i < m->nrefs; i++) {
		free(m->refs[i].sender);
		free(m->refs[i].identifier);
	}
	free(m->refs);
	memset(m, 0, sizeof *m);
}
