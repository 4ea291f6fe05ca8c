/*
 * manifest: parse and check the province's manifest.json.
 *
 * Everything here treats the input as hostile: it comes from the network,
 * and although its signature has been checked, a mistake or a stolen key
 * at the province must not turn into a path outside the store, a disk
 * filled to the brim, or an old manifest coming back. All reasons found are
 * reported, not only the first, so that the province can fix them at once.
 */
#include "manifest.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "nest.h"
#include "schedule.h"
#include "util.h"

#define MAX_REASONS   20
#define MAX_PATH_LEN  256
#define MAX_TITLE_LEN 1024
#define MAX_ID_LEN    128

struct parse {
	const char *name;
	const struct manifest_check *chk;
	struct diag *why;
	size_t nreasons;
};

static void reason(struct parse *p, const char *fmt, ...) MSG_PRINTF(2, 3);

static void reason(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (p->nreasons++ >= MAX_REASONS) {
		if (p->nreasons == MAX_REASONS + 1)
			diag_add(p->why, p->name, 0, "%s", _("more problems not shown"));
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	diag_add(p->why, p->name, 0, "%s", text);
	free(text);
}

/* A hostile string shown in a log: printable, short, one line. */
static void printable(char *out, size_t n, const char *s)
{
	size_t i = 0;

	for (; *s && i + 4 < n; s++)
		out[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	if (*s) {
		out[i++] = '.';
		out[i++] = '.';
		out[i++] = '.';
	}
	out[i] = '\0';
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool manifest_safe_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > MAX_ID_LEN || !is_lower_alnum(id[0]) || strstr(id, ".."))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_lower_alnum(id[i]) && id[i] != '.' && id[i] != '_' && id[i] != '-')
			return false;
	return true;
}

bool manifest_is_store_name(const char *name)
{
	return strlen(name) >= 66 && name[64] == '.' && util_is_lower_hex(name, 64);
}

/* A station id as conf.c accepts it: [a-z0-9][a-z0-9-]{0,63}. */
static bool is_station_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !is_lower_alnum(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int manifest_parse_day(const char *s, int64_t *day)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t y, m, d, days;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap_year(y) ? 1 : 0))
		return -1;
	/* Days from 0001-01-01 to the first of year y, month m; then shift the
	 * origin to 1970-01-01, which is day 719162 of that count. */
	days = 365 * (y - 1) + (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400;
	for (int i = 0; i < m - 1; i++)
		days += mdays[i];
	if (m > 2 && leap_year(y))
		days++;
	*day = days + d - 1 - 719162;
	return 0;
}

/* "<dir>/<64 hex>.<ext>": the only shape of path the store accepts; want_ext
 * (NULL: any) is the one extension allowed. The first problem found is
 * returned, as a reason. */
static const char *path_problem(const char *path, const char *dir, const char *sha256,
                                const char *want_ext)
{
	size_t dirlen = strlen(dir);
	const char *base, *ext;

	if (strlen(path) > MAX_PATH_LEN)
		return N_("path too long");
	if (has_control(path))
		return N_("path contains control characters");
	if (path[0] == '/')
		return N_("path is not relative");
	if (strstr(path, ".."))
		return N_("path contains \"..\"");
	if (strncmp(path, dir, dirlen) != 0 || path[dirlen] != '/')
		return strcmp(dir, "schedules") == 0 ? N_("path is not under schedules/")
		       : strcmp(dir, "alerts") == 0  ? N_("path is not under alerts/")
		                                     : N_("path is not under programmes/");
	base = path + dirlen + 1;
	ext = base + 64;
	if (strlen(base) < 66 || !util_is_lower_hex(base, 64) || *ext != '.')
		return N_("path is not \"<sha256>.<extension>\"");
	ext++;
	if (strlen(ext) > 10)
		return N_("path has a bad extension");
	for (const char *c = ext; *c; c++)
		if (!is_lower_alnum(*c))
			return N_("path has a bad extension");
	if (want_ext && strcmp(want_ext, "cfg") == 0 && strcmp(ext, "cfg") != 0)
		return N_("schedule path does not end in .cfg");
	if (want_ext && strcmp(want_ext, "xml") == 0 && strcmp(ext, "xml") != 0)
		return N_("alert path does not end in .xml");
	if (sha256 && strncmp(base, sha256, 64) != 0)
		return N_("path does not match sha256");
	return NULL;
}

static void entry_free(struct manifest_entry *e)
{
	free(e->id);
	free(e->title);
	free(e->klass);
	free(e->path);
	memset(e, 0, sizeof *e);
}

/* Optional string member: NULL when absent, *bad when present but not a
 * string. */
static const char *opt_string(json_t *o, const char *key, bool *bad)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

static bool parse_stations(struct parse *p, json_t *o, const char *where, bool *for_station)
{
	json_t *list = json_object_get(o, "stations"), *v;
	size_t i;

	*for_station = false;
	if (!list) {
		/* No list: every station. */
		*for_station = true;
		return true;
	}
	if (!json_is_array(list) || json_array_size(list) == 0) {
		reason(p, _("%s: \"stations\" must be a non-empty list"), where);
		return false;
	}
	json_array_foreach(list, i, v)
	{
		const char *s = json_string_value(v);

		if (!s || (strcmp(s, "*") != 0 && !is_station_id(s))) {
			reason(p, _("%s: stations[%zu] is not a station id or \"*\""), where, i);
			return false;
		}
		if (strcmp(s, "*") == 0 ||
		    (p->chk->station_id && strcmp(s, p->chk->station_id) == 0))
			*for_station = true;
	}
	return true;
}

enum file_kind { FILE_PROGRAMME, FILE_SCHEDULE, FILE_ALERT };

/* The start of each entry of a list: where ("LIST[i]", for the reasons),
 * and false when the entry is not an object. */
static bool entry_object(struct parse *p, json_t *o, const char *list, size_t i, char *where,
                         size_t where_len)
{
	snprintf(where, where_len, "%s[%zu]", list, i);
	if (!json_is_object(o)) {
		reason(p, _("%s: not an object"), where);
		return false;
	}
	return true;
}

/* What a file entry may leave out. */
static void file_defaults(struct manifest_entry *e)
{
	e->loudness_lufs = NAN;
	e->peak_dbfs = NAN;
	e->valid_until = INT64_MAX;
}

/* "id", a string manifest_safe_id accepts, into *out. */
static bool parse_id(struct parse *p, json_t *o, const char *where, char **out)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	char shown[100];

	if (!id) {
		reason(p, _("%s: \"id\" missing or not a string"), where);
		return false;
	}
	if (!manifest_safe_id(id)) {
		printable(shown, sizeof shown, id);
		reason(p, _("%s: unsafe id \"%s\""), where, shown);
		return false;
	}
	*out = xstrdup(id);
	return true;
}

/* The optional "title": a line of text, or NULL when absent. false
 * (reported) when it is something else. */
static bool parse_title(struct parse *p, json_t *o, const char *where, const char **title)
{
	bool bad = false;

	*title = opt_string(o, "title", &bad);
	if (bad || (*title && (strlen(*title) > MAX_TITLE_LEN || has_control(*title)))) {
		reason(p, _("%s: \"title\" must be a line of text"), where);
		return false;
	}
	return true;
}

/* The members common to programmes, schedules and alert files. */
static bool parse_file_fields(struct parse *p, json_t *o, const char *where, enum file_kind kind,
                              struct manifest_entry *e)
{
	json_t *sha = json_object_get(o, "sha256"), *path = json_object_get(o, "path");
	json_t *bytes = json_object_get(o, "bytes");
	const char *problem, *s;
	char shown[100];
	bool ok = true;

	s = json_string_value(sha);
	if (!s || !util_is_sha256_hex(s)) {
		reason(p, _("%s: \"sha256\" must be 64 lower-case hex digits"), where);
		ok = false;
	} else {
		memcpy(e->sha256, s, 65);
	}
	s = json_string_value(path);
	if (!s) {
		reason(p, _("%s: \"path\" missing or not a string"), where);
		ok = false;
	} else if ((problem = kind == FILE_SCHEDULE
	                          ? path_problem(s, "schedules", ok ? e->sha256 : NULL, "cfg")
	                      : kind == FILE_ALERT && strncmp(s, "alerts/", 7) == 0
	                          ? path_problem(s, "alerts", ok ? e->sha256 : NULL, "xml")
	                          : path_problem(s, "programmes", ok ? e->sha256 : NULL, NULL))) {
		printable(shown, sizeof shown, s);
		reason(p, "%s: %s: \"%s\"", where, _(problem), shown);
		ok = false;
	} else {
		e->path = xstrdup(s);
		e->name = strchr(e->path, '/') + 1;
	}
	if (!json_is_integer(bytes)) {
		reason(p, _("%s: \"bytes\" missing or not an integer"), where);
		ok = false;
	} else {
		json_int_t n = json_integer_value(bytes);

		if (n <= 0) {
			reason(p, _("%s: \"bytes\" must be positive"), where);
			ok = false;
		} else if (p->chk->max_bytes > 0 && n > p->chk->max_bytes) {
			reason(p, _("%s: %lld bytes is more than max_download_bytes (%lld)"), where,
			       (long long)n, (long long)p->chk->max_bytes);
			ok = false;
		} else if (n > MANIFEST_MAX_TOTAL) {
			reason(p, _("%s: %lld bytes is not a sane size"), where, (long long)n);
			ok = false;
		} else {
			e->bytes = n;
		}
	}
	if (!parse_stations(p, o, where, &e->for_station))
		ok = false;
	return ok;
}

static bool parse_programme(struct parse *p, json_t *o, size_t i, struct manifest_entry *e)
{
	char where[48];
	const char *title, *klass, *until;
	json_t *v;
	bool ok = true, bad = false;

	file_defaults(e);
	if (!entry_object(p, o, "programmes", i, where, sizeof where))
		return false;
	if (!parse_id(p, o, where, &e->id))
		ok = false;
	if (!parse_file_fields(p, o, where, FILE_PROGRAMME, e))
		ok = false;
	if (!parse_title(p, o, where, &title))
		ok = false;
	else
		e->title = xstrdup(title ? title : e->id ? e->id : "");

	klass = opt_string(o, "class", &bad);
	if (!klass && !bad)
		klass = "normal";
	if (bad || (strcmp(klass, "normal") != 0 && strcmp(klass, "priority") != 0 &&
	            strcmp(klass, "emergency") != 0)) {
		reason(p, _("%s: \"class\" must be \"normal\", \"priority\" or \"emergency\""),
		       where);
		ok = false;
	} else {
		e->klass = xstrdup(klass);
	}

	if ((v = json_object_get(o, "duration_s"))) {
		double d = json_number_value(v);

		if (!json_is_number(v) || !isfinite(d) || d < 0 || d > 7 * 86400) {
			reason(p, _("%s: \"duration_s\" must be a number of seconds"), where);
			ok = false;
		} else {
			e->duration_s = d;
		}
	}
	if ((v = json_object_get(o, "loudness_lufs"))) {
		double l = json_number_value(v);

		if (!json_is_number(v) || !isfinite(l) || l < -200 || l > 20) {
			reason(p, _("%s: \"loudness_lufs\" must be a number"), where);
			ok = false;
		} else {
			e->loudness_lufs = l;
		}
	}
	if ((v = json_object_get(o, "peak_dbfs"))) {
		double pk = json_number_value(v);

		if (!json_is_number(v) || !isfinite(pk) || pk < -200 || pk > 20) {
			reason(p, _("%s: \"peak_dbfs\" must be a number"), where);
			ok = false;
		} else {
			e->peak_dbfs = pk;
		}
	}
	bad = false;
	until = opt_string(o, "valid_until", &bad);
	if (bad || (until && manifest_parse_day(until, &e->valid_until) < 0)) {
		reason(p, _("%s: \"valid_until\" must be a date YYYY-MM-DD"), where);
		ok = false;
	}
	return ok;
}

/* An entry of "schedules", or of "alerts": a CAP message
 * (alerts/<sha256>.xml) or the audio one names (programmes/<sha256>.<ext>).
 * Nothing but the file. */
static bool parse_file_entry(struct parse *p, json_t *o, const char *list, size_t i,
                             enum file_kind kind, struct manifest_entry *e)
{
	char where[48];

	file_defaults(e);
	if (!entry_object(p, o, list, i, where, sizeof where))
		return false;
	return parse_file_fields(p, o, where, kind, e);
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reports each value found more than once among n strings (NULL ones are
 * skipped: they have been reported already). */
static bool check_unique(struct parse *p, const struct manifest_entry *e, size_t n, bool by_id,
                         const char *what)
{
	const char **v = xcalloc(n, sizeof *v);
	size_t k = 0;
	bool ok = true;

	for (size_t i = 0; i < n; i++) {
		const char *s = by_id ? e[i].id : e[i].path;

		if (s)
			v[k++] = s;
	}
	qsort(v, k, sizeof *v, cmp_str_ptr);
	for (size_t i = 0, j; i < k; i = j) {
		for (j = i + 1; j < k && strcmp(v[i], v[j]) == 0; j++)
			;
		if (j - i > 1) {
			reason(p, _("duplicate %s \"%s\""), what, v[i]);
			ok = false;
		}
	}
	free(v);
	return ok;
}

static bool parse_list(struct parse *p, json_t *root, const char *key, bool required,
                       struct manifest_entry **out, size_t *nout)
{
	json_t *list = json_object_get(root, key), *v;
	enum file_kind kind = strcmp(key, "programmes") == 0  ? FILE_PROGRAMME
	                      : strcmp(key, "schedules") == 0 ? FILE_SCHEDULE
	                                                      : FILE_ALERT;
	bool ok = true;
	size_t i;

	*out = NULL;
	*nout = 0;
	if (!list && !required)
		return true;
	if (!json_is_array(list)) {
		reason(p, _("\"%s\" missing or not a list"), key);
		return false;
	}
	if (json_array_size(list) > MANIFEST_MAX_ENTRIES) {
		reason(p, _("\"%s\" has more than %d entries"), key, MANIFEST_MAX_ENTRIES);
		return false;
	}
	*out = xcalloc(json_array_size(list), sizeof **out);
	*nout = json_array_size(list);
	json_array_foreach(list, i, v)
	{
		bool good = kind == FILE_PROGRAMME
		                ? parse_programme(p, v, i, &(*out)[i])
		                : parse_file_entry(p, v, key, i, kind, &(*out)[i]);
		if (!good)
			ok = false;
	}
	return ok;
}

static bool parse_relay(struct parse *p, json_t *o, size_t i, struct manifest_relay *r)
{
	char where[48];
	const char *title, *url;
	bool ok = true;

	if (!entry_object(p, o, "relays", i, where, sizeof where))
		return false;
	if (!parse_id(p, o, where, &r->id))
		ok = false;
	url = json_string_value(json_object_get(o, "url"));
	if (!url || !sched_valid_url(url)) {
		reason(p, _("%s: \"url\" must be an http:// or https:// stream URL"), where);
		ok = false;
	} else {
		r->url = xstrdup(url);
	}
	if (!parse_title(p, o, where, &title))
		ok = false;
	else if (r->id)
		r->title = xstrdup(title ? title : r->id);
	if (!parse_stations(p, o, where, &r->for_station))
		ok = false;
	return ok;
}

static bool parse_relays(struct parse *p, json_t *root, struct manifest *m)
{
	json_t *list = json_object_get(root, "relays"), *v;
	bool ok = true;
	size_t i;

	if (!list)
		return true;
	if (!json_is_array(list)) {
		reason(p, _("\"%s\" missing or not a list"), "relays");
		return false;
	}
	if (json_array_size(list) > MANIFEST_MAX_RELAYS) {
		reason(p, _("\"%s\" has more than %d entries"), "relays", MANIFEST_MAX_RELAYS);
		return false;
	}
	m->relays = xcalloc(json_array_size(list) + 1, sizeof *m->relays);
	m->nrelays = json_array_size(list);
	json_array_foreach(list, i, v)
	{
		if (!parse_relay(p, v, i, &m->relays[i]))
			ok = false;
	}
	for (i = 0; i < m->nrelays && ok; i++)
		for (size_t k = i + 1; k < m->nrelays; k++)
			if (m->relays[i].id && m->relays[k].id &&
			    strcmp(m->relays[i].id, m->relays[k].id) == 0) {
				reason(p, _("duplicate %s \"%s\""), _("relay id"), m->relays[i].id);
				ok = false;
				break;
			}
	return ok;
}

static bool parse_time_member(struct parse *p, json_t *root, const char *key, time_t *t)
{
	const char *s = json_string_value(json_object_get(root, key));
	struct timespec ts;

	if (!s || util_parse_time(s, &ts) < 0) {
		reason(p, _("\"%s\" missing or not a time like 2026-11-26T08:00:00+07:00"), key);
		return false;
	}
	*t = ts.tv_sec;
	return true;
}

static bool check_total(struct parse *p, const struct manifest *m)
{
	int64_t total = 0;
	const struct manifest_entry *lists[2] = {m->programmes, m->schedules};
	size_t counts[2] = {m->nprogrammes, m->nschedules};

	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			if (!lists[l][i].for_station)
				continue;
			/* Each term is at most MANIFEST_MAX_TOTAL: no overflow. */
			total += lists[l][i].bytes;
			if (total > MANIFEST_MAX_TOTAL) {
				reason(p, _("the station's files add up to more than %lld bytes"),
				       (long long)MANIFEST_MAX_TOTAL);
				return false;
			}
		}
	}
	return true;
}

static bool check_header(struct parse *p, json_t *root, struct manifest *m, bool *format_ok)
{
	const struct manifest_check *chk = p->chk;
	const char *s;
	json_t *v;
	bool ok = true, times = true;

	s = json_string_value(json_object_get(root, "format"));
	*format_ok = s && strcmp(s, MANIFEST_FORMAT) == 0;
	if (!*format_ok) {
		reason(p, _("\"format\" is not \"%s\""), MANIFEST_FORMAT);
		/* Another format: its other members mean nothing to us. */
		return false;
	}
	s = json_string_value(json_object_get(root, "province"));
	if (!s || !manifest_safe_id(s)) {
		reason(p, _("\"province\" missing or not a safe name"));
		ok = false;
	} else {
		m->province = xstrdup(s);
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		reason(p, _("\"version\" must be a positive integer"));
		ok = false;
	} else {
		m->version = (uint64_t)json_integer_value(v);
		if (m->version < chk->last_version) {
			reason(
			    p, _("version %llu is older than the accepted version %llu (rollback)"),
			    (unsigned long long)m->version, (unsigned long long)chk->last_version);
			ok = false;
		} else if (m->version == chk->last_version && chk->last_sha256 &&
		           strcmp(m->sha256, chk->last_sha256) != 0) {
			reason(p,
			       _("version %llu differs from the accepted manifest of the same "
			         "version"),
			       (unsigned long long)m->version);
			ok = false;
		}
	}
	if (!parse_time_member(p, root, "issued", &m->issued))
		ok = times = false;
	if (!parse_time_member(p, root, "expires", &m->expires))
		ok = times = false;
	if (times && m->expires <= m->issued) {
		reason(p, _("\"expires\" is not after \"issued\""));
		ok = false;
	} else if (times && m->expires <= chk->now) {
		reason(p, _("expired: \"expires\" is in the past"));
		ok = false;
	} else if (times && !chk->clock_trusted && m->expires <= chk->time_floor) {
		char seen[48];

		util_format_time(seen, sizeof seen, (struct timespec){chk->time_floor, 0}, false);
		reason(p,
		       _("expired: \"expires\" is before %s, a time this station has already "
		         "seen (its clock is not synchronised and reads earlier)"),
		       seen);
		ok = false;
	}
	return ok;
}

int manifest_parse(struct manifest *m, const void *buf, size_t len, const char *name,
                   const struct manifest_check *chk, struct diag *why)
{
	struct parse p = {.name = name, .chk = chk, .why = why};
	json_error_t err;
	json_t *root;
	bool ok, format_ok;
	int deep;

	memset(m, 0, sizeof *m);
	if (len > MANIFEST_MAX_BYTES) {
		reason(&p, _("larger than %d bytes"), MANIFEST_MAX_BYTES);
		return -1;
	}
	util_sha256_hex(buf, len, m->sha256);
	/* jansson itself would go 2048 levels deep, and then say only that
	 * it reached its maximum parsing depth. */
	if ((deep = nest_too_deep(buf, len, NEST_JSON, 0, NEST_MAX)) > 0) {
		diag_add(why, name, deep, _("nesting too deep: more than %d levels of brackets"),
		         NEST_MAX);
		return -1;
	}
	/* json_loadb rejects invalid UTF-8 and, without JSON_ALLOW_NUL, "\u0000". */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		diag_add(why, name, err.line > 0 ? err.line : 0, _("not valid JSON: %s"), err.text);
		return -1;
	}
	if (!json_is_object(root)) {
		reason(&p, _("not a JSON object"));
		json_decref(root);
		return -1;
	}
	ok = check_header(&p, root, m, &format_ok);
	if (format_ok) {
		if (!parse_list(&p, root, "programmes", true, &m->programmes, &m->nprogrammes))
			ok = false;
		if (!parse_list(&p, root, "schedules", false, &m->schedules, &m->nschedules))
			ok = false;
		if (!check_unique(&p, m->programmes, m->nprogrammes, true, _("programme id")))
			ok = false;
		if (!check_unique(&p, m->schedules, m->nschedules, false, _("schedule path")))
			ok = false;
		/* loaxa's extension: the files of the alert index (see alertidx.h);
		 * a station that does not know it ignores it */
		if (!parse_list(&p, root, "alerts", false, &m->alerts, &m->nalerts))
			ok = false;
		if (!check_unique(&p, m->alerts, m->nalerts, false, _("alert path")))
			ok = false;
		if (!parse_relays(&p, root, m))
			ok = false;
		if (ok && !check_total(&p, m))
			ok = false;
	}
	json_decref(root);
	if (!ok) {
		manifest_free(m);
		return -1;
	}
	return 0;
}

void manifest_free(struct manifest *m)
{
	for (size_t i = 0; i < m->nprogrammes; i++)
		entry_free(&m->programmes[i]);
	for (size_t i = 0; i < m->nschedules; i++)
		entry_free(&m->schedules[i]);
	for (size_t i = 0; i < m->nalerts; i++)
		entry_free(&m->alerts[i]);
	free(m->programmes);
	free(m->schedules);
	free(m->alerts);
	for (size_t i = 0; i < m->nrelays; i++) {
		free(m->relays[i].id);
		free(m->relays[i].title);
		free(m->relays[i].url);
	}
	free(m->relays);
	free(m->province);
	memset(m, 0, sizeof *m);
}

int manifest_parse_alert_files(json_t *list, const char *name, const struct manifest_check *chk,
                               struct manifest_entry **out, size_t *n, struct diag *why)
{
	struct parse p = {.name = name, .chk = chk, .why = why};
	json_t *root = json_pack("{s:O}", "alerts", list);
	bool ok;

	ok = parse_list(&p, root, "alerts", true, out, n) &&
	     check_unique(&p, *out, *n, false, _("alert path"));
	json_decref(root);
	if (!ok) {
		for (size_t i = 0; i < *n; i++)
			entry_free(&(*out)[i]);
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void manifest_entries_free(struct manifest_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		entry_free(&v[i]);
	free(v);
}
