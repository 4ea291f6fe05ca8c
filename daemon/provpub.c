/*
 * provpub: ids, sidecars, measurement and the manifest document of a
 * province publication. Nothing here copies files or signs: the tool does.
 */
#include "provpub.h"

#include <ebur128.h>
#include <errno.h>
#include <jansson.h>
#include <libconfig.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "nest.h"
#include "manifest.h"
#include "schedule.h"
#include "util.h"

/* Programmes the publisher will take: a day of audio is already absurd. */
#define PROVPUB_MAX_SECONDS (24.0 * 3600)
#define PROVPUB_MAX_TITLE   512

static const char *const provpub_classes[] = {"normal", "priority", "emergency"};

int provpub_id_from_name(const char *name, char **id, char **ext, const char **why)
{
	const char *dot = strrchr(name, '.');
	size_t base_len, ext_len;
	char *i, *e;

	*id = *ext = NULL;
	if (!dot || dot == name) {
		*why = N_("has no file extension (like .ogg or .wav)");
		return -1;
	}
	base_len = (size_t)(dot - name);
	ext_len = strlen(dot + 1);
	if (ext_len == 0 || ext_len > PROVPUB_MAX_EXT) {
		*why = N_("has no usable file extension");
		return -1;
	}
	e = xstrdup(dot + 1);
	for (char *p = e; *p; p++) {
		if ((*p < 'a' || *p > 'z') && (*p < 'A' || *p > 'Z') && (*p < '0' || *p > '9')) {
			free(e);
			*why = N_("has a file extension with characters other than letters and "
			          "digits");
			return -1;
		}
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	i = xmalloc(base_len + 1);
	for (size_t k = 0; k < base_len; k++)
		i[k] = (name[k] >= 'A' && name[k] <= 'Z') ? (char)(name[k] - 'A' + 'a') : name[k];
	i[base_len] = '\0';
	if (!manifest_safe_id(i)) {
		free(i);
		free(e);
		*why = N_("does not make a valid programme id: the name without its extension "
		          "must be ASCII letters, digits, '.', '_' or '-', start with a letter or "
		          "digit, contain no \"..\" and be at most 128 characters");
		return -1;
	}
	*id = i;
	*ext = e;
	return 0;
}

bool provpub_station_ok(const char *s)
{
	size_t n = strlen(s);

	if (strcmp(s, "*") == 0)
		return true;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool alnum = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');

		if (!alnum && (i == 0 || s[i] != '-'))
			return false;
	}
	return true;
}

static void meta_set_stations(struct provpub_meta *m, char **list, size_t n)
{
	for (size_t i = 0; i < m->nstations; i++)
		free(m->stations[i]);
	free(m->stations);
	m->stations = list;
	m->nstations = n;
}

int provpub_parse_stations(const char *list, struct provpub_meta *m)
{
	char *copy = xstrdup(list), *save = NULL, **out = NULL;
	size_t n = 0;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		for (char *end = tok + strlen(tok); end > tok && end[-1] == ' ';)
			*--end = '\0';
		if (!provpub_station_ok(tok)) {
			for (size_t i = 0; i < n; i++)
				free(out[i]);
			free(out);
			free(copy);
			return -1;
		}
		out = xreallocarray(out, n + 1, sizeof *out);
		out[n++] = xstrdup(tok);
	}
	free(copy);
	if (n == 0)
		return -1;
	meta_set_stations(m, out, n);
	return 0;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void sidecar_stations(json_t *v, const char *file, struct provpub_meta *m, struct diag *d,
                             bool *ok)
{
	char **out;
	size_t i, n = json_array_size(v);
	json_t *s;

	if (!json_is_array(v) || n == 0) {
		diag_add(d, file, 0, _("\"stations\" must be a non-empty list of station ids"));
		*ok = false;
		return;
	}
	out = xcalloc(n, sizeof *out);
	json_array_foreach(v, i, s)
	{
		if (!json_is_string(s) || !provpub_station_ok(json_string_value(s))) {
			diag_add(d, file, 0,
			         _("stations[%zu] is not a station id ([a-z0-9][a-z0-9-]*, at most "
			           "64 characters) or \"*\""),
			         i);
			*ok = false;
			for (size_t k = 0; k < i; k++)
				free(out[k]);
			free(out);
			return;
		}
		out[i] = xstrdup(json_string_value(s));
	}
	meta_set_stations(m, out, n);
}

int provpub_parse_sidecar(const void *buf, size_t len, const char *file, bool schedule,
                          struct provpub_meta *m, struct diag *d)
{
	json_error_t jerr;
	const char *key;
	json_t *root, *v;
	bool ok = true;
	int deep;

	if ((deep = nest_too_deep(buf, len, NEST_JSON, 0, NEST_MAX)) > 0) {
		diag_add(d, file, deep, _("nesting too deep: more than %d levels of brackets"),
		         NEST_MAX);
		return -1;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		diag_add(d, file, jerr.line > 0 ? jerr.line : 0, _("not valid JSON: %s"),
		         jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		diag_add(d, file, 0, _("must be a JSON object"));
		json_decref(root);
		return -1;
	}
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "stations") == 0) {
			sidecar_stations(v, file, m, d, &ok);
		} else if (schedule) {
			diag_add(d, file, 0,
			         _("unknown member \"%s\" (a schedule's sidecar has only "
			           "\"stations\")"),
			         key);
			ok = false;
		} else if (strcmp(key, "title") == 0) {
			const char *t = json_string_value(v);

			if (!t || !*t || strlen(t) > PROVPUB_MAX_TITLE || has_control(t)) {
				diag_add(d, file, 0,
				         _("\"title\" must be a non-empty single-line string of at "
				           "most %d bytes"),
				         PROVPUB_MAX_TITLE);
				ok = false;
			} else {
				free(m->title);
				m->title = xstrdup(t);
			}
		} else if (strcmp(key, "class") == 0) {
			const char *c = json_string_value(v);
			size_t k;

			for (k = 0; c && k < 3; k++)
				if (strcmp(c, provpub_classes[k]) == 0)
					break;
			if (!c || k == 3) {
				diag_add(d, file, 0,
				         _("\"class\" must be \"normal\", \"priority\" or "
				           "\"emergency\""));
				ok = false;
			} else {
				m->klass = provpub_classes[k];
			}
		} else if (strcmp(key, "valid_until") == 0) {
			const char *s = json_string_value(v);
			int64_t day;

			if (!s || manifest_parse_day(s, &day) < 0) {
				diag_add(d, file, 0,
				         _("\"valid_until\" must be a date \"YYYY-MM-DD\""));
				ok = false;
			} else {
				free(m->valid_until);
				m->valid_until = xstrdup(s);
			}
		} else {
			diag_add(d, file, 0,
			         _("unknown member \"%s\" (expected title, class, valid_until, "
			           "stations)"),
			         key);
			ok = false;
		}
	}
	json_decref(root);
	return ok ? 0 : -1;
}

void provpub_meta_copy(struct provpub_meta *dst, const struct provpub_meta *src)
{
	memset(dst, 0, sizeof *dst);
	dst->title = src->title ? xstrdup(src->title) : NULL;
	dst->klass = src->klass;
	dst->valid_until = src->valid_until ? xstrdup(src->valid_until) : NULL;
	if (src->nstations) {
		dst->stations = xcalloc(src->nstations, sizeof *dst->stations);
		for (size_t i = 0; i < src->nstations; i++)
			dst->stations[i] = xstrdup(src->stations[i]);
		dst->nstations = src->nstations;
	}
}

void provpub_meta_free(struct provpub_meta *m)
{
	free(m->title);
	free(m->valid_until);
	meta_set_stations(m, NULL, 0);
	memset(m, 0, sizeof *m);
}

int provpub_measure(const char *path, double *duration_s, double *loudness_lufs, double *peak_dbfs,
                    char *err, size_t errlen)
{
	SF_INFO info = {0};
	ebur128_state *st = NULL;
	float *buf = NULL;
	sf_count_t got, frames = 0;
	const sf_count_t chunk = 4096;
	double lufs;
	SNDFILE *sf;
	int ret = -1, fd;

	fd = util_open_regular(path);
	if (fd < 0) {
		snprintf(err, errlen, _("cannot read: %s"), util_strerror(errno));
		return -1;
	}
	sf = sf_open_fd(fd, SFM_READ, &info, SF_FALSE);
	if (!sf) {
		snprintf(err, errlen, _("not an audio file libsndfile can read (%s)"),
		         sf_strerror(NULL));
		close(fd);
		return -1;
	}
	if (info.samplerate < 1000 || info.samplerate > 768000 || info.channels < 1 ||
	    info.channels > 64) {
		snprintf(err, errlen, _("unusable format: %d Hz, %d channels"), info.samplerate,
		         info.channels);
		goto out;
	}
	/* the sample peak lets a station raise a quiet programme's gain
	 * without clipping it */
	st = ebur128_init((unsigned)info.channels, (unsigned long)info.samplerate,
	                  EBUR128_MODE_I | EBUR128_MODE_SAMPLE_PEAK);
	if (!st) {
		snprintf(err, errlen, _("cannot measure loudness (out of memory?)"));
		goto out;
	}
	/* The station plays mono on both output channels: measure what is
	 * heard, as BS.1770 does for dual mono. */
	if (info.channels == 1)
		ebur128_set_channel(st, 0, EBUR128_DUAL_MONO);
	buf = xreallocarray(NULL, (size_t)chunk * (size_t)info.channels, sizeof *buf);
	while ((got = sf_readf_float(sf, buf, chunk)) > 0) {
		if (ebur128_add_frames_float(st, buf, (size_t)got) != EBUR128_SUCCESS) {
			snprintf(err, errlen, _("cannot measure loudness"));
			goto out;
		}
		frames += got;
		if ((double)frames / info.samplerate > PROVPUB_MAX_SECONDS) {
			snprintf(err, errlen, _("longer than 24 hours"));
			goto out;
		}
	}
	if (sf_error(sf) != SF_ERR_NO_ERROR) {
		snprintf(err, errlen, _("decoding failed: %s"), sf_strerror(sf));
		goto out;
	}
	if (frames == 0) {
		snprintf(err, errlen, _("contains no audio"));
		goto out;
	}
	*duration_s = round((double)frames * 1000.0 / info.samplerate) / 1000.0;
	if (ebur128_loudness_global(st, &lufs) == EBUR128_SUCCESS && isfinite(lufs))
		*loudness_lufs = round(lufs * 10.0) / 10.0;
	else
		*loudness_lufs = NAN;
	{
		double peak = 0;

		for (unsigned ch = 0; ch < (unsigned)info.channels; ch++) {
			double p;

			if (ebur128_sample_peak(st, ch, &p) == EBUR128_SUCCESS && p > peak)
				peak = p;
		}
		*peak_dbfs = peak > 0 ? round(20 * log10(peak) * 10.0) / 10.0 : NAN;
	}
	ret = 0;
out:
	free(buf);
	if (st)
		ebur128_destroy(&st);
	sf_close(sf);
	close(fd);
	return ret;
}

int provpub_previous(const void *buf, size_t len, uint64_t *version, char **province,
                     const char **why)
{
	json_t *root, *v;
	const char *p;

	root = json_loadb(buf, len, 0, NULL);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		*why = N_("not a JSON object");
		return -1;
	}
	v = json_object_get(root, "version");
	p = json_string_value(json_object_get(root, "province"));
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		json_decref(root);
		*why = N_("no positive integer \"version\"");
		return -1;
	}
	*version = (uint64_t)json_integer_value(v);
	*province = p ? xstrdup(p) : NULL;
	json_decref(root);
	return 0;
}

static json_t *stations_json(const struct provpub_meta *m)
{
	json_t *a = json_array();

	if (m->nstations == 0)
		json_array_append_new(a, json_string("*"));
	for (size_t i = 0; i < m->nstations; i++)
		json_array_append_new(a, json_string(m->stations[i]));
	return a;
}

static json_t *time_json(time_t t)
{
	struct timespec ts = {.tv_sec = t};
	char buf[40];

	util_format_time(buf, sizeof buf, ts, false);
	return json_string(buf);
}

char *provpub_manifest_json(const struct provpub_manifest *m)
{
	json_t *root = json_object(), *progs = json_array(), *scheds = json_array();
	char *text, *out;

	json_object_set_new(root, "format", json_string(MANIFEST_FORMAT));
	json_object_set_new(root, "province", json_string(m->province));
	json_object_set_new(root, "version", json_integer((json_int_t)m->version));
	json_object_set_new(root, "issued", time_json(m->issued));
	json_object_set_new(root, "expires", time_json(m->expires));
	for (size_t i = 0; i < m->nprogrammes; i++) {
		const struct provpub_programme *p = &m->programmes[i];
		json_t *o = json_object();

		json_object_set_new(o, "id", json_string(p->id));
		json_object_set_new(o, "title", json_string(p->meta.title ? p->meta.title : p->id));
		json_object_set_new(o, "class",
		                    json_string(p->meta.klass ? p->meta.klass : "normal"));
		json_object_set_new(o, "path", json_sprintf("programmes/%s.%s", p->sha256, p->ext));
		json_object_set_new(o, "sha256", json_string(p->sha256));
		json_object_set_new(o, "bytes", json_integer(p->bytes));
		json_object_set_new(o, "duration_s", json_real(p->duration_s));
		if (isfinite(p->loudness_lufs))
			json_object_set_new(o, "loudness_lufs", json_real(p->loudness_lufs));
		if (isfinite(p->peak_dbfs))
			json_object_set_new(o, "peak_dbfs", json_real(p->peak_dbfs));
		if (p->meta.valid_until)
			json_object_set_new(o, "valid_until", json_string(p->meta.valid_until));
		json_object_set_new(o, "stations", stations_json(&p->meta));
		json_array_append_new(progs, o);
	}
	for (size_t i = 0; i < m->nschedules; i++) {
		const struct provpub_schedule *s = &m->schedules[i];
		json_t *o = json_object();

		json_object_set_new(o, "path", json_sprintf("schedules/%s.cfg", s->sha256));
		json_object_set_new(o, "sha256", json_string(s->sha256));
		json_object_set_new(o, "bytes", json_integer(s->bytes));
		json_object_set_new(o, "stations", stations_json(&s->meta));
		json_array_append_new(scheds, o);
	}
	json_object_set_new(root, "programmes", progs);
	json_object_set_new(root, "schedules", scheds);
	if (m->nrelays) {
		json_t *relays = json_array();

		for (size_t i = 0; i < m->nrelays; i++) {
			const struct provpub_relay *r = &m->relays[i];
			json_t *o = json_object();

			json_object_set_new(o, "id", json_string(r->id));
			json_object_set_new(o, "title", json_string(r->title ? r->title : r->id));
			json_object_set_new(o, "url", json_string(r->url));
			json_object_set_new(o, "stations", stations_json(&r->meta));
			json_array_append_new(relays, o);
		}
		json_object_set_new(root, "relays", relays);
	}
	/* Twelve significant digits print -18.2 and 312.456 as written. */
	text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
	json_decref(root);
	if (!text)
		fatalx("cannot format the manifest");
	out = xasprintf("%s\n", text);
	free(text);
	return out;
}

char *provpub_trusted_comment(time_t when, uint64_t version)
{
	return xasprintf("timestamp:%lld file:manifest.json version:%llu", (long long)when,
	                 (unsigned long long)version);
}

void provpub_relays_free(struct provpub_relay *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].id);
		free(r[i].title);
		free(r[i].url);
		provpub_meta_free(&r[i].meta);
	}
	free(r);
}

static const char *relay_string(const config_setting_t *g, const char *key, const char *path,
                                int index, struct diag *d)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		diag_add(d, path, (int)config_setting_source_line(s),
		         _("relay %d: \"%s\" must be a string"), index + 1, key);
		return NULL;
	}
	return config_setting_get_string(s);
}

int provpub_load_relays(const char *path, const struct provpub_meta *defaults,
                        struct provpub_relay **out, size_t *n, struct diag *d)
{
	const config_setting_t *list;
	size_t before = d->n;
	config_t cf;
	char *text;
	size_t len;
	int count, deep;

	*out = NULL;
	*n = 0;
	if (util_read_file(path, 1024 * 1024, &text, &len) < 0) {
		diag_add(d, path, 0, _("cannot read: %s"), util_strerror(errno));
		return -1;
	}
	if (strlen(text) != len) {
		diag_add(d, path, 0, "%s", _("not a text file (contains a NUL byte)"));
		free(text);
		return -1;
	}
	if ((deep = nest_too_deep(text, len, NEST_LIBCONFIG, 0, NEST_MAX)) > 0) {
		diag_add(d, path, deep, _("nesting too deep: more than %d levels of brackets"),
		         NEST_MAX);
		free(text);
		return -1;
	}
	config_init(&cf);
	if (strstr(text, "@include") || !config_read_string(&cf, text)) {
		diag_add(d, path, config_error_line(&cf), "%s",
		         strstr(text, "@include") ? _("@include is not allowed")
		                                  : config_error_text(&cf));
		config_destroy(&cf);
		free(text);
		return -1;
	}
	free(text);
	list = config_lookup(&cf, "relays");
	if (!list || !config_setting_is_list(list)) {
		diag_add(d, path, list ? (int)config_setting_source_line(list) : 0, "%s",
		         _("expected relays = ( { id = \"...\"; url = \"...\"; }, ... );"));
		config_destroy(&cf);
		return -1;
	}
	count = config_setting_length(list);
	*out = xcalloc((size_t)count + 1, sizeof **out);
	for (int i = 0; i < count; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		int line = (int)config_setting_source_line(g);
		const char *id, *url, *title, *stations;
		struct provpub_relay *r = &(*out)[*n];
		size_t here = d->n;

		if (!config_setting_is_group(g)) {
			diag_add(d, path, line, _("relay %d must be a group { id; url; }"), i + 1);
			continue;
		}
		for (int k = 0; k < config_setting_length(g); k++) {
			const char *key =
			    config_setting_name(config_setting_get_elem(g, (unsigned)k));

			if (strcmp(key, "id") && strcmp(key, "title") && strcmp(key, "url") &&
			    strcmp(key, "stations"))
				diag_add(d, path, line,
				         _("relay %d: unknown key \"%s\" (known: id, title, url, "
				           "stations)"),
				         i + 1, key);
		}
		id = relay_string(g, "id", path, i, d);
		url = relay_string(g, "url", path, i, d);
		title = relay_string(g, "title", path, i, d);
		stations = relay_string(g, "stations", path, i, d);
		if (!id || !manifest_safe_id(id))
			diag_add(d, path, line,
			         _("relay %d: \"id\" is missing or not an id (a-z, 0-9, "
			           "'.', '_', '-')"),
			         i + 1);
		if (!url || !sched_valid_url(url))
			diag_add(d, path, line,
			         _("relay %d: \"url\" is missing or not an http:// or https:// "
			           "stream URL"),
			         i + 1);
		if (title && (strlen(title) > PROVPUB_MAX_TITLE || strpbrk(title, "\n\r\t")))
			diag_add(d, path, line, _("relay %d: \"title\" must be a line of text"),
			         i + 1);
		for (size_t k = 0; id && k < *n; k++)
			if (strcmp((*out)[k].id, id) == 0)
				diag_add(d, path, line, _("relay %d: id \"%s\" is given twice"),
				         i + 1, id);
		if (stations && provpub_parse_stations(stations, &r->meta) < 0)
			diag_add(d, path, line,
			         _("relay %d: \"stations\" is not a list of station ids or \"*\""),
			         i + 1);
		if (d->n != here) {
			provpub_meta_free(&r->meta);
			continue;
		}
		if (!stations)
			provpub_meta_copy(&r->meta, defaults);
		r->id = xstrdup(id);
		r->url = xstrdup(url);
		r->title = title ? xstrdup(title) : NULL;
		(*n)++;
	}
	config_destroy(&cf);
	if (d->n != before) {
		provpub_relays_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}
