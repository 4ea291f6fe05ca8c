/*
 * schedule: schedule files into a plan, and the plan into what should air.
 *
 * A file is all-or-nothing: its slots are collected aside and join the plan
 * only when the whole file was clean, so a typo never leaves half a file on
 * the air. Files are read by us (regular files only, size-capped, no NUL,
 * no @include, not nested too deep) and then
 * handed to libconfig, which keeps the line of every setting for FILE:LINE.
 *
 * The resolver works one civil day at a time because two rules are per day:
 * an operator's daily schedule replaces the recurring slots of its date, and
 * a start-less province priority slot joins the front of the next normal
 * session of the day.
 */
#include "schedule.h"

#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "nest.h"
#include "util.h"

#define SCHED_MAX_FILE_BYTES (1024 * 1024)
#define SCHED_ALL_DAYS       0x7f

static const char *const sched_day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const char *sched_prio_name(enum sched_prio p)
{
	switch (p) {
	case SCHED_NORMAL:
		return "normal";
	case SCHED_PRIORITY:
		return "priority";
	case SCHED_EMERGENCY:
		return "emergency";
	}
	return "?";
}

/* --- calendar ------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/*
 * Counting from 1 March makes the leap day the last day of the year, so the
 * day of the year follows from the month by one linear formula; 400-year
 * eras of 146097 days keep the arithmetic exact for any year.
 */
int64_t sched_days_from_civil(int y, int m, int d)
{
	int64_t year = (int64_t)y - (m <= 2);
	int64_t era = floor_div(year, 400);
	int64_t yoe = year - era * 400;
	int64_t mp = (m + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void sched_civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t month = mp < 10 ? mp + 3 : mp - 9;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)month;
	*y = (int)(yoe + era * 400 + (month <= 2));
}

int sched_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday. */
	return (int)floor_mod(floor_mod(days, 7) + 4, 7);
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* n decimal digits at s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int parse_date_prefix(const char *s, int64_t *days)
{
	int y = digits(s, 4), m, d;

	if (y < 1 || s[4] != '-' || s[7] != '-')
		return -1;
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*days = sched_days_from_civil(y, m, d);
	return 0;
}

int sched_parse_date(const char *s, int64_t *days)
{
	if (strlen(s) != 10)
		return -1;
	return parse_date_prefix(s, days);
}

int sched_parse_clock(const char *s, int *sec)
{
	size_t n = strlen(s);
	int h, m, ss = 0;

	if ((n != 5 && n != 8) || s[2] != ':')
		return -1;
	h = digits(s, 2);
	m = digits(s + 3, 2);
	if (n == 8) {
		if (s[5] != ':')
			return -1;
		ss = digits(s + 6, 2);
	}
	if (h < 0 || h > 23 || m < 0 || m > 59 || ss < 0 || ss > 59)
		return -1;
	*sec = h * 3600 + m * 60 + ss;
	return 0;
}

int sched_parse_datetime(const char *s, bool end_of_day, int64_t *civil_s)
{
	size_t n = strlen(s);
	int64_t day;
	int sec;

	if (n == 10) {
		if (parse_date_prefix(s, &day) < 0)
			return -1;
		*civil_s = day * SCHED_DAY_S + (end_of_day ? SCHED_DAY_S - 1 : 0);
		return 0;
	}
	if ((n != 16 && n != 19) || s[10] != ' ' || parse_date_prefix(s, &day) < 0 ||
	    sched_parse_clock(s + 11, &sec) < 0)
		return -1;
	*civil_s = day * SCHED_DAY_S + sec;
	return 0;
}

void sched_format_hms(int64_t civil_s, char buf[9])
{
	unsigned sec = (unsigned)floor_mod(civil_s, SCHED_DAY_S);

	snprintf(buf, 9, "%02u:%02u:%02u", sec / 3600 % 24, sec / 60 % 60, sec % 60);
}

void sched_format_date(int64_t days, char *buf, size_t n)
{
	int y, m, d;

	sched_civil_from_days(days, &y, &m, &d);
	snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
}

static void format_hm(int sec_of_day, char buf[6])
{
	unsigned sec = (unsigned)floor_mod(sec_of_day, SCHED_DAY_S);

	snprintf(buf, 6, "%02u:%02u", sec / 3600 % 24, sec / 60 % 60);
}

bool sched_in_quiet(int sec_of_day, int qs, int qe)
{
	int t;

	if (qs < 0)
		return false;
	t = (int)floor_mod(sec_of_day, SCHED_DAY_S);
	if (qs <= qe)
		return t >= qs && t < qe;
	return t >= qs || t < qe;
}

/* --- parsing --------------------------------------------------------------- */

/* Names and paths end up in JSON logs and on the operator's screen. */
static bool valid_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p;
		int more;
		uint32_t cp, min;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			more = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			more = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			more = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		p++;
		for (int i = 0; i < more; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))
			return false;
	}
	return true;
}

static bool valid_id(const char *s)
{
	for (const char *c = s; *c; c++) {
		bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9');

		if (!alnum && (c == s || (*c != '.' && *c != '_' && *c != '-')))
			return false;
	}
	return *s && !strstr(s, "..");
}

/* A day name between s and e, blanks around it allowed; -1 if none. */
static int parse_day_name(const char *s, const char *e)
{
	while (s < e && *s == ' ')
		s++;
	while (e > s && e[-1] == ' ')
		e--;
	if (e - s != 3)
		return -1;
	for (int i = 0; i < 7; i++)
		if (!strncasecmp(s, sched_day_names[i], 3))
			return i;
	return -1;
}

/* "daily", or a comma list of days and ranges; a range may wrap the week
 * ("fri-mon" is Friday to Monday). */
static int parse_days(const char *s, uint8_t *mask)
{
	uint8_t m = 0;

	if (!strcasecmp(s, "daily")) {
		*mask = SCHED_ALL_DAYS;
		return 0;
	}
	for (;;) {
		const char *end = s + strcspn(s, ",");
		const char *dash = memchr(s, '-', (size_t)(end - s));
		int a = parse_day_name(s, dash ? dash : end);
		int b = dash ? parse_day_name(dash + 1, end) : a;

		if (a < 0 || b < 0)
			return -1;
		for (int i = a;; i = (i + 1) % 7) {
			m |= (uint8_t)(1u << i);
			if (i == b)
				break;
		}
		if (!*end)
			break;
		s = end + 1;
	}
	*mask = m;
	return 0;
}

struct sched_parser {
	const char *path;
	bool province;
	struct diag *d;
	int errors;
};

static void parse_error(struct sched_parser *ps, const config_setting_t *at, const char *fmt, ...)
    MSG_PRINTF(3, 4);

static void parse_error(struct sched_parser *ps, const config_setting_t *at, const char *fmt, ...)
{
	char text[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	diag_add(ps->d, ps->path, at ? (int)config_setting_source_line(at) : 0, "%s", text);
	ps->errors++;
}

/* 1 with *value set, 0 when absent, -1 (reported) when not a string. */
static int get_string(struct sched_parser *ps, const config_setting_t *group, const char *key,
                      const config_setting_t **at, const char **value)
{
	const config_setting_t *s = config_setting_get_member(group, key);

	*at = s;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		parse_error(ps, s, _("\"%s\" must be a string"), key);
		return -1;
	}
	*value = config_setting_get_string(s);
	return 1;
}

static void free_items(struct sched_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].id);
		free(items[i].file);
		free(items[i].relay);
		free_items(items[i].fallback, items[i].nfallback);
	}
	free(items);
}

static void free_slot(struct sched_slot *s)
{
	free(s->name);
	free_items(s->items, s->nitems);
}

bool sched_is_url(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

bool sched_valid_url(const char *s)
{
	size_t n = strlen(s);

	if (!sched_is_url(s) || n > SCHED_URL_MAX || n <= (s[4] == ':' ? 7u : 8u))
		return false;
	for (const char *c = s; *c; c++)
		if (*c <= ' ' || *c >= 0x7f || *c == '"' || *c == '\\')
			return false;
	return true;
}

static void parse_item_list(struct sched_parser *ps, const config_setting_t *list, const char *what,
                            bool in_relay, struct sched_item **items, size_t *nitems);

/* { relay = "..."; duration = "..."; fallback = ( ... ); } */
static void parse_relay(struct sched_parser *ps, const config_setting_t *e, const char *what, int i,
                        struct sched_item *it)
{
	const config_setting_t *rs = config_setting_get_member(e, "relay");
	const config_setting_t *ds = config_setting_get_member(e, "duration");
	const config_setting_t *fs = config_setting_get_member(e, "fallback");
	int bad = ps->errors, dur = -1;
	const char *v;

	if (config_setting_type(rs) != CONFIG_TYPE_STRING) {
		parse_error(ps, rs,
		            _("\"%s\": item %d: \"relay\" must be a string (a URL or an id)"), what,
		            i + 1);
		return;
	}
	v = config_setting_get_string(rs);
	if (sched_is_url(v)) {
		if (!sched_valid_url(v))
			parse_error(ps, rs,
			            _("\"%s\": item %d: \"relay\" is not a stream URL (http:// or "
			              "https://, up to %d characters, no blanks or quotes)"),
			            what, i + 1, SCHED_URL_MAX);
		else if (ps->province)
			parse_error(
			    ps, rs,
			    _("\"%s\": item %d: a province schedule names relays by id, not "
			      "by URL"),
			    what, i + 1);
	} else if (!valid_id(v)) {
		parse_error(ps, rs,
		            _("\"%s\": item %d: \"relay\": \"%s\" is neither a stream URL nor a "
		              "relay id"),
		            what, i + 1, valid_text(v) ? v : "?");
	}
	if (!ds) {
		parse_error(ps, e, _("\"%s\": item %d: a relay needs \"duration\" (\"HH:MM:SS\")"),
		            what, i + 1);
	} else if (config_setting_type(ds) != CONFIG_TYPE_STRING ||
	           sched_parse_clock(config_setting_get_string(ds), &dur) < 0 || dur <= 0) {
		const char *dv = config_setting_type(ds) == CONFIG_TYPE_STRING
		                     ? config_setting_get_string(ds)
		                     : "";

		parse_error(ps, ds,
		            _("\"%s\": item %d: \"duration\": \"%s\" is not a length (HH:MM:SS or "
		              "HH:MM, more than zero)"),
		            what, i + 1, valid_text(dv) ? dv : "?");
	}
	if (fs)
		parse_item_list(ps, fs, "fallback", true, &it->fallback, &it->nfallback);
	if (ps->errors != bad)
		return;
	it->relay = xstrdup(v);
	it->duration = dur;
}

/* One element of an item list; false (reported) when it is not an item. */
static bool parse_item(struct sched_parser *ps, const config_setting_t *e, const char *what,
                       bool in_relay, int i, struct sched_item *it)
{
	const config_setting_t *fs;
	const char *v;
	int bad = ps->errors;

	memset(it, 0, sizeof *it);
	if (config_setting_type(e) == CONFIG_TYPE_STRING) {
		v = config_setting_get_string(e);
		if (!valid_id(v)) {
			parse_error(ps, e,
			            _("\"%s\": item %d: \"%s\" is not a programme id "
			              "([a-z0-9][a-z0-9._-]*, no \"..\")"),
			            what, i + 1, valid_text(v) ? v : "?");
			return false;
		}
		it->id = xstrdup(v);
		return true;
	}
	if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
		parse_error(
		    ps, e,
		    _("\"%s\": item %d must be a programme id, { file = \"...\"; } or { relay "
		      "= \"...\"; duration = \"...\"; }"),
		    what, i + 1);
		return false;
	}
	if (config_setting_get_member(e, "relay")) {
		for (int k = 0; k < config_setting_length(e); k++) {
			const config_setting_t *m = config_setting_get_elem(e, (unsigned)k);
			const char *name = config_setting_name(m);

			if (strcmp(name, "relay") && strcmp(name, "duration") &&
			    strcmp(name, "fallback"))
				parse_error(
				    ps, m,
				    _("\"%s\": item %d: unknown key \"%s\" (a relay is { relay "
				      "= \"...\"; duration = \"HH:MM:SS\"; fallback = ( ... ); "
				      "})"),
				    what, i + 1, name);
		}
		if (in_relay) {
			parse_error(ps, e, _("\"%s\": item %d: a fallback cannot be a relay"), what,
			            i + 1);
			return false;
		}
		parse_relay(ps, e, what, i, it);
		if (ps->errors != bad) {
			free(it->relay);
			free_items(it->fallback, it->nfallback);
			memset(it, 0, sizeof *it);
			return false;
		}
		return true;
	}
	for (int k = 0; k < config_setting_length(e); k++) {
		const config_setting_t *m = config_setting_get_elem(e, (unsigned)k);

		if (strcmp(config_setting_name(m), "file") != 0)
			parse_error(ps, m,
			            _("\"%s\": item %d: unknown key \"%s\" "
			              "(an item is \"id\" or { file = \"...\"; })"),
			            what, i + 1, config_setting_name(m));
	}
	fs = config_setting_get_member(e, "file");
	if (!fs || config_setting_type(fs) != CONFIG_TYPE_STRING ||
	    !*config_setting_get_string(fs)) {
		parse_error(ps, fs ? fs : e,
		            _("\"%s\": item %d: \"file\" must be a non-empty string"), what, i + 1);
		return false;
	}
	v = config_setting_get_string(fs);
	if (!valid_text(v)) {
		parse_error(ps, fs,
		            _("\"%s\": item %d: \"file\" must be UTF-8 text without "
		              "control characters"),
		            what, i + 1);
		return false;
	}
	if (ps->province) {
		parse_error(ps, e,
		            _("\"%s\": item %d: a province schedule may only name programme ids"),
		            what, i + 1);
		return false;
	}
	if (ps->errors != bad)
		return false;
	it->file = xstrdup(v);
	return true;
}

static void parse_item_list(struct sched_parser *ps, const config_setting_t *list, const char *what,
                            bool in_relay, struct sched_item **items, size_t *nitems)
{
	int n;

	*items = NULL;
	*nitems = 0;
	if (config_setting_type(list) != CONFIG_TYPE_LIST &&
	    config_setting_type(list) != CONFIG_TYPE_ARRAY) {
		parse_error(ps, list, _("\"%s\" must be a list ( \"id\", { file = \"...\"; } )"),
		            what);
		return;
	}
	n = config_setting_length(list);
	if (n == 0) {
		parse_error(ps, list, _("\"%s\" is empty"), what);
		return;
	}
	*items = xcalloc((size_t)n, sizeof **items);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		struct sched_item *it = &(*items)[*nitems];

		if (!parse_item(ps, e, what, in_relay, i, it))
			continue;
		it->line = (int)config_setting_source_line(e);
		(*nitems)++;
	}
}

static void parse_items(struct sched_parser *ps, const config_setting_t *slot,
                        struct sched_slot *out)
{
	const config_setting_t *list = config_setting_get_member(slot, "items");

	if (!list) {
		parse_error(ps, slot, _("missing \"items\""));
		return;
	}
	parse_item_list(ps, list, "items", false, &out->items, &out->nitems);
}

static const char *const sched_slot_keys[] = {"name", "start", "days",     "date",
                                              "from", "until", "priority", "items"};

static void parse_slot(struct sched_parser *ps, const config_setting_t *g, int index,
                       struct sched_slot *out)
{
	const config_setting_t *at, *from_at = NULL, *until_at = NULL;
	const char *v = NULL, *name = NULL, *from_s = NULL, *until_s = NULL;
	bool days_given = false, prio_ok = true;
	int r;

	out->line = (int)config_setting_source_line(g);
	out->start = -1;
	out->days = SCHED_ALL_DAYS;
	out->date = SCHED_NO_DATE;
	out->from = INT64_MIN;
	out->until = INT64_MAX;
	out->prio = SCHED_NORMAL;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		parse_error(ps, g,
		            _("slot %d must be a group { start = \"HH:MM\"; items = (...); }"),
		            index + 1);
		return;
	}

	for (int k = 0; k < config_setting_length(g); k++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)k);
		bool known = false;

		for (size_t j = 0; j < sizeof sched_slot_keys / sizeof *sched_slot_keys; j++)
			known = known || !strcmp(config_setting_name(m), sched_slot_keys[j]);
		if (!known)
			parse_error(
			    ps, m,
			    _("unknown key \"%s\" in a slot (known: name, start, days, date, "
			      "from, until, priority, items)"),
			    config_setting_name(m));
	}

	if (get_string(ps, g, "name", &at, &name) > 0 && !valid_text(name)) {
		parse_error(ps, at, _("\"name\" must be UTF-8 text without control characters"));
		name = NULL;
	}
	if (get_string(ps, g, "start", &at, &v) > 0 && sched_parse_clock(v, &out->start) < 0)
		parse_error(ps, at, _("\"start\": \"%s\" is not a time (HH:MM or HH:MM:SS)"),
		            valid_text(v) ? v : "?");

	if ((r = get_string(ps, g, "days", &at, &v)) != 0)
		days_given = true;
	if (r > 0 && parse_days(v, &out->days) < 0)
		parse_error(ps, at,
		            _("\"days\": \"%s\" is not a day list (daily, mon-fri, mon,wed,sat, "
		              "fri-mon)"),
		            valid_text(v) ? v : "?");
	if ((r = get_string(ps, g, "date", &at, &v)) != 0) {
		if (days_given)
			parse_error(ps, at, _("\"days\" and \"date\" cannot be used together"));
		out->days = 0;
		if (r > 0 && sched_parse_date(v, &out->date) < 0) {
			parse_error(ps, at, _("\"date\": \"%s\" is not a date (YYYY-MM-DD)"),
			            valid_text(v) ? v : "?");
			out->date = SCHED_NO_DATE;
		}
	}
	if (get_string(ps, g, "from", &from_at, &from_s) > 0 &&
	    sched_parse_datetime(from_s, false, &out->from) < 0) {
		parse_error(
		    ps, from_at,
		    _("\"from\": \"%s\" is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS])"),
		    valid_text(from_s) ? from_s : "?");
		from_s = NULL;
	}
	if (get_string(ps, g, "until", &until_at, &until_s) > 0 &&
	    sched_parse_datetime(until_s, true, &out->until) < 0) {
		parse_error(
		    ps, until_at,
		    _("\"until\": \"%s\" is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS])"),
		    valid_text(until_s) ? until_s : "?");
		until_s = NULL;
	}
	if (from_s && until_s && out->from > out->until)
		parse_error(ps, until_at, _("\"from\" (%s) is after \"until\" (%s)"), from_s,
		            until_s);

	if ((r = get_string(ps, g, "priority", &at, &v)) < 0) {
		prio_ok = false;
	} else if (r > 0) {
		if (!strcmp(v, "normal")) {
			out->prio = SCHED_NORMAL;
		} else if (!strcmp(v, "priority")) {
			out->prio = SCHED_PRIORITY;
		} else if (!strcmp(v, "emergency")) {
			out->prio = SCHED_EMERGENCY;
		} else {
			parse_error(ps, at,
			            _("\"priority\": \"%s\" is not normal, priority or emergency"),
			            valid_text(v) ? v : "?");
			prio_ok = false;
		}
		if (out->prio != SCHED_NORMAL && !ps->province) {
			parse_error(ps, at,
			            _("\"priority\": \"%s\" is only allowed in province schedules"),
			            v);
			prio_ok = false;
		}
	}

	/* Only the province may leave out "start": a priority bulletin goes to
	 * the front of the next session, an emergency plays at its "from". */
	if (out->start < 0 && !config_setting_get_member(g, "start") && prio_ok) {
		if (out->prio == SCHED_NORMAL || !ps->province)
			parse_error(ps, g,
			            _("missing \"start\" (only province priority and emergency "
			              "slots may leave it out)"));
		else if (out->prio == SCHED_EMERGENCY && out->from == INT64_MIN && !from_at)
			parse_error(ps, g,
			            _("missing \"start\" (an emergency slot without \"start\" "
			              "needs \"from\")"));
	}

	parse_items(ps, g, out);

	if (name && *name) {
		out->name = xstrdup(name);
	} else if (out->start >= 0) {
		char hm[6];

		format_hm(out->start, hm);
		out->name = xstrdup(hm);
	} else {
		out->name = xasprintf("(%s)", sched_prio_name(out->prio));
	}
}

/* Read the text ourselves: a regular file, a size cap and a nesting limit
 * before anything is parsed, and no @include (libconfig would open any file
 * it names, relative to our cwd, FIFOs included). */
static char *read_schedule(const char *path, struct diag *d)
{
	char *text;
	size_t len;
	int line = 1, deep;

	if (util_read_file(path, SCHED_MAX_FILE_BYTES, &text, &len) < 0) {
		if (errno == EFBIG)
			diag_add(d, path, 0, _("larger than %d bytes, not a schedule"),
			         SCHED_MAX_FILE_BYTES);
		else
			diag_add(d, path, 0, _("cannot read: %s"), util_strerror(errno));
		return NULL;
	}
	if (strlen(text) != len) {
		diag_add(d, path, 0, _("contains a NUL byte, not a schedule"));
		free(text);
		return NULL;
	}
	if ((deep = nest_too_deep(text, len, NEST_LIBCONFIG, 0, NEST_MAX)) > 0) {
		diag_add(d, path, deep, _("nesting too deep: more than %d levels of brackets"),
		         NEST_MAX);
		free(text);
		return NULL;
	}
	for (const char *s = text; *s; line++) {
		s += strspn(s, " \t");
		if (!strncmp(s, "@include", 8)) {
			diag_add(d, path, line, _("@include is not allowed in schedule files"));
			free(text);
			return NULL;
		}
		s += strcspn(s, "\n");
		if (*s)
			s++;
	}
	return text;
}

/* The slots of one file, or -1 (all reported) when it has any problem. */
static int parse_file(struct sched_parser *ps, struct sched_slot **slots, size_t *nslots)
{
	const config_setting_t *root, *list;
	char *text = read_schedule(ps->path, ps->d);
	config_t cf;
	int n;

	*slots = NULL;
	*nslots = 0;
	if (!text)
		return -1;
	config_init(&cf);
	if (!config_read_string(&cf, text)) {
		diag_add(ps->d, ps->path, config_error_line(&cf), "%s", config_error_text(&cf));
		config_destroy(&cf);
		free(text);
		return -1;
	}
	free(text);

	root = config_root_setting(&cf);
	for (int k = 0; k < config_setting_length(root); k++) {
		const config_setting_t *m = config_setting_get_elem(root, (unsigned)k);

		if (strcmp(config_setting_name(m), "slots") != 0)
			parse_error(ps, m,
			            _("unknown key \"%s\" (a schedule file holds only \"slots\")"),
			            config_setting_name(m));
	}
	list = config_setting_get_member(root, "slots");
	if (!list) {
		parse_error(ps, NULL, _("missing \"slots\""));
	} else if (config_setting_type(list) != CONFIG_TYPE_LIST &&
	           config_setting_type(list) != CONFIG_TYPE_ARRAY) {
		parse_error(ps, list, _("\"slots\" must be a list ( { ... }, { ... } )"));
	} else {
		n = config_setting_length(list);
		*slots = xcalloc((size_t)n, sizeof **slots);
		for (int i = 0; i < n; i++) {
			parse_slot(ps, config_setting_get_elem(list, (unsigned)i), i, &(*slots)[i]);
			(*nslots)++;
		}
	}
	config_destroy(&cf);
	if (ps->errors) {
		for (size_t i = 0; i < *nslots; i++)
			free_slot(&(*slots)[i]);
		free(*slots);
		*slots = NULL;
		*nslots = 0;
		return -1;
	}
	return 0;
}

int sched_load_file(struct sched_plan *p, const char *path, bool province, struct diag *d)
{
	struct sched_parser ps = {.path = path, .province = province, .d = d};
	struct sched_slot *slots;
	size_t n;
	bool daily;
	char *owned;

	if (parse_file(&ps, &slots, &n) < 0)
		return -1;

	daily = n > 0;
	for (size_t i = 0; i < n; i++)
		daily = daily && slots[i].date != SCHED_NO_DATE && slots[i].date == slots[0].date;

	owned = xstrdup(path);
	p->files = xreallocarray(p->files, p->nfiles + 1, sizeof *p->files);
	p->files[p->nfiles++] = owned;
	p->slots = xreallocarray(p->slots, p->nslots + n, sizeof *p->slots);
	for (size_t i = 0; i < n; i++) {
		slots[i].file = owned;
		slots[i].province = province;
		slots[i].daily = daily;
		p->slots[p->nslots++] = slots[i];
	}
	free(slots);
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sched_load_dir(struct sched_plan *p, const char *dir, struct diag *d)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int ret = 0;

	if (!dh) {
		diag_add(d, dir, 0, _("cannot open the schedule folder: %s"), util_strerror(errno));
		return -1;
	}
	while ((de = readdir(dh))) {
		size_t len = strlen(de->d_name);

		/* Hidden files are editors' backups and our own temp files. */
		if (de->d_name[0] == '.' || len <= 4 || strcmp(de->d_name + len - 4, ".cfg") != 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dh);
	if (n)
		qsort(names, n, sizeof *names, compare_names);
	for (size_t i = 0; i < n; i++) {
		size_t dl = strlen(dir);
		char *path =
		    xasprintf("%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names[i]);

		if (sched_load_file(p, path, false, d) < 0)
			ret = -1;
		free(path);
		free(names[i]);
	}
	free(names);
	return ret;
}

void sched_plan_free(struct sched_plan *p)
{
	for (size_t i = 0; i < p->nslots; i++)
		free_slot(&p->slots[i]);
	free(p->slots);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	memset(p, 0, sizeof *p);
}

int sched_check_quiet(const struct sched_plan *p, int qs, int qe, struct diag *d)
{
	char a[6], b[6], s[6];
	int ret = 0;

	if (qs < 0)
		return 0;
	format_hm(qs, a);
	format_hm(qe, b);
	for (size_t i = 0; i < p->nslots; i++) {
		const struct sched_slot *sl = &p->slots[i];

		if (sl->prio == SCHED_EMERGENCY || sl->start < 0 ||
		    !sched_in_quiet(sl->start, qs, qe))
			continue;
		format_hm(sl->start, s);
		diag_add(d, sl->file, sl->line,
		         _("slot \"%s\" starts at %s, inside quiet hours %s-%s"), sl->name, s, a,
		         b);
		ret = -1;
	}
	return ret;
}

/* --- occurrences ------------------------------------------------------------ */

struct occ_vec {
	struct sched_occ *v;
	size_t n, cap;
};

static void occ_push(struct occ_vec *o, const struct sched_slot *s, int64_t start)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->v = xreallocarray(o->v, o->cap, sizeof *o->v);
	}
	o->v[o->n].slot = s;
	o->v[o->n++].start = start;
}

static int compare_occ(const void *a, const void *b)
{
	const struct sched_occ *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->slot->prio != y->slot->prio)
		return x->slot->prio > y->slot->prio ? -1 : 1;
	/* Slots live in one array: their addresses are the plan order. */
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

static bool slot_on_day(const struct sched_slot *s, int64_t day)
{
	if (s->date != SCHED_NO_DATE)
		return s->date == day;
	return (s->days >> sched_weekday(day)) & 1;
}

static bool within(const struct sched_slot *s, int64_t t)
{
	return t >= s->from && t <= s->until;
}

/* The operator's recurring slots give way to a daily schedule of that date. */
static bool replaced_by_daily(const struct sched_slot *s, bool daily_today)
{
	return daily_today && !s->province && !s->daily && s->date == SCHED_NO_DATE;
}

/* Days outside which no slot of the plan can occur, to bound the loop. */
static void plan_day_range(const struct sched_plan *p, int64_t *lo, int64_t *hi)
{
	*lo = sched_days_from_civil(9999, 12, 31);
	*hi = sched_days_from_civil(1, 1, 1);
	for (size_t i = 0; i < p->nslots; i++) {
		const struct sched_slot *s = &p->slots[i];
		int64_t a = sched_days_from_civil(1, 1, 1), b = sched_days_from_civil(9999, 12, 31);

		if (s->start < 0 && s->prio == SCHED_EMERGENCY)
			a = b = floor_div(s->from, SCHED_DAY_S);
		else if (s->date != SCHED_NO_DATE)
			a = b = s->date;
		if (s->from != INT64_MIN && floor_div(s->from, SCHED_DAY_S) > a)
			a = floor_div(s->from, SCHED_DAY_S);
		if (s->until != INT64_MAX && floor_div(s->until, SCHED_DAY_S) < b)
			b = floor_div(s->until, SCHED_DAY_S);
		*lo = a < *lo ? a : *lo;
		*hi = b > *hi ? b : *hi;
	}
}

/* The occurrences of one day, in plan order, appended to o. */
static void occurrences_of_day(const struct sched_plan *p, int64_t day, struct occ_vec *o)
{
	int64_t midnight = day * SCHED_DAY_S;
	bool daily_today = false;
	size_t timed;

	for (size_t i = 0; i < p->nslots; i++) {
		const struct sched_slot *s = &p->slots[i];

		daily_today = daily_today || (s->daily && !s->province && s->date == day);
	}
	for (size_t i = 0; i < p->nslots; i++) {
		const struct sched_slot *s = &p->slots[i];

		if (s->start < 0 || !slot_on_day(s, day) || replaced_by_daily(s, daily_today) ||
		    !within(s, midnight + s->start))
			continue;
		occ_push(o, s, midnight + s->start);
	}
	timed = o->n;
	for (size_t i = 0; i < p->nslots; i++) {
		const struct sched_slot *s = &p->slots[i];
		int64_t after, best = INT64_MAX;

		if (s->start >= 0)
			continue;
		/* Once, at its "from", whatever its days say: a warning must not
		 * be lost to a slip of the calendar. */
		if (s->prio == SCHED_EMERGENCY) {
			if (floor_div(s->from, SCHED_DAY_S) == day)
				occ_push(o, s, s->from);
			continue;
		}
		if (!slot_on_day(s, day))
			continue;
		after = s->from > midnight ? s->from : midnight;
		for (size_t j = 0; j < timed; j++)
			if (o->v[j].slot->prio == SCHED_NORMAL && o->v[j].start >= after &&
			    o->v[j].start < best)
				best = o->v[j].start;
		if (best != INT64_MAX && within(s, best))
			occ_push(o, s, best);
	}
}

size_t sched_occurrences(const struct sched_plan *p, int64_t from, int64_t to,
                         struct sched_occ **out)
{
	struct occ_vec res = {0}, day = {0};
	int64_t lo, hi, first, last;

	*out = NULL;
	if (to <= from || p->nslots == 0)
		return 0;
	plan_day_range(p, &lo, &hi);
	first = floor_div(from, SCHED_DAY_S);
	last = floor_div(to - 1, SCHED_DAY_S);
	first = first > lo ? first : lo;
	last = last < hi ? last : hi;
	for (int64_t d = first; d <= last; d++) {
		day.n = 0;
		occurrences_of_day(p, d, &day);
		for (size_t i = 0; i < day.n; i++)
			if (day.v[i].start >= from && day.v[i].start < to)
				occ_push(&res, day.v[i].slot, day.v[i].start);
	}
	free(day.v);
	if (res.n)
		qsort(res.v, res.n, sizeof *res.v, compare_occ);
	*out = res.v;
	return res.n;
}

/* --- timeline ---------------------------------------------------------------- */

/* The next occurrence to play among those that have arrived: the highest
 * priority, and among equals the earliest (an interrupted one resumes first). */
static size_t pick_next(const struct sched_occ *occ, size_t arrived, const size_t *next)
{
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < arrived; i++) {
		if (next[i] >= occ[i].slot->nitems)
			continue;
		if (best == SIZE_MAX || occ[i].slot->prio > occ[best].slot->prio)
			best = i;
	}
	return best;
}

static struct sched_timed *timed_push(struct sched_timed **t, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*t = xreallocarray(*t, *cap, sizeof **t);
	}
	memset(&(*t)[*n], 0, sizeof **t);
	return &(*t)[(*n)++];
}

/*
 * An event simulation of the one loudspeaker: at every instant either an
 * item runs until it ends or a higher priority arrives, or nothing runs and
 * the best arrived occurrence starts its next item.
 */
size_t sched_timeline(const struct sched_occ *occ, size_t nocc,
                      double (*duration)(const struct sched_slot *, size_t item, void *ctx),
                      void *ctx, int qs, int qe, struct sched_timed **out)
{
	struct sched_timed *t = NULL, *e;
	size_t n = 0, cap = 0, arrived = 0, cur = 0, o;
	size_t *next = xcalloc(nocc ? nocc : 1, sizeof *next);
	bool *begun = xcalloc(nocc ? nocc : 1, sizeof *begun);
	bool running = false;
	double now = -INFINITY, len;

	for (;;) {
		if (running) {
			enum sched_prio prio = occ[t[cur].occ].slot->prio;
			bool preempt = false;

			if (arrived == nocc || t[cur].end <= (double)occ[arrived].start) {
				now = t[cur].end;
				running = false;
				continue;
			}
			now = (double)occ[arrived].start;
			for (; arrived < nocc && (double)occ[arrived].start <= now; arrived++)
				preempt = preempt || occ[arrived].slot->prio > prio;
			if (preempt) {
				t[cur].end = now;
				t[cur].interrupted = true;
				running = false;
			}
			continue;
		}

		while (arrived < nocc && (double)occ[arrived].start <= now)
			arrived++;
		o = pick_next(occ, arrived, next);
		if (o == SIZE_MAX) {
			if (arrived == nocc)
				break;
			now = (double)occ[arrived].start;
			continue;
		}

		len = duration(occ[o].slot, next[o], ctx);
		if (!isfinite(len) || len < 0)
			len = 0;
		e = timed_push(&t, &n, &cap);
		e->occ = o;
		e->item = next[o]++;
		e->start = now;
		e->late = !begun[o] && now > (double)occ[o].start;
		if (occ[o].slot->prio != SCHED_EMERGENCY &&
		    sched_in_quiet((int)floor_mod((int64_t)floor(now), SCHED_DAY_S), qs, qe)) {
			e->quiet = true;
			len = 0;
		}
		e->end = now + len;
		begun[o] = true;
		cur = n - 1;
		running = true;
	}
	free(next);
	free(begun);
	*out = t;
	return n;
}
