/*
 * conf: reads loaxad.conf with libconfig and checks all of it against the
 * schema of DESIGN §2 in one pass, so an operator sees every mistake at once.
 *
 * The schema is a table per section; one walker checks names, types and
 * ranges and stores the values, a few per-key checks cover the values that
 * have a shape (station id, URLs, time zone, key). Problems go into a
 * struct diag as "FILE:LINE: key: problem".
 */
#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <limits.h>
#include <libconfig.h>
#include <libgen.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "i18n.h"
#include "nest.h"
#include "util.h"

/* A config is a few dozen lines; anything far larger is not one. */
#define CONF_MAX_BYTES (1024 * 1024)

enum conf_kind {
	CK_STRING,
	CK_INT,
	CK_INT64,
	CK_DOUBLE,
	CK_QUIET,
	CK_OPTIONS,
	CK_SECTION,
	CK_CODES,
};

/* CK_STRING flags */
#define CF_NULL_EMPTY 0x1 /* "" is stored as NULL (optional setting) */
#define CF_NONEMPTY   0x2 /* "" is an error */

struct conf_key {
	const char *name;
	enum conf_kind kind;
	size_t off;
	double min, max;
	unsigned flags;
	/* For strings with a shape: NULL when fine, else why not (untranslated). */
	const char *(*check)(const char *value);
	const struct conf_key *sub;
};

/* What the walk needs besides the table: where errors go and the text of
 * the main file, to read back integer literals (see fix_int_literal). */
struct conf_ctx {
	struct conf *c;
	struct diag *d;
	const char *path;
	const char *text;
	size_t nerr;
};

static const char *check_station_id(const char *v);
static const char *check_timezone(const char *v);
static const char *check_url(const char *v);
static const char *check_log_url(const char *v);
static const char *check_public_key(const char *v);
static const char *check_listen(const char *v);

#define STR(n, field, fl, chk)                                                                     \
	{                                                                                          \
		n, CK_STRING, offsetof(struct conf, field), 0, 0, fl, chk, NULL                    \
	}
#define INT(n, field, lo, hi)                                                                      \
	{                                                                                          \
		n, CK_INT, offsetof(struct conf, field), lo, hi, 0, NULL, NULL                     \
	}

static const struct conf_key station_keys[] = {
    STR("id", station_id, CF_NONEMPTY, check_station_id),
    STR("name", station_name, CF_NULL_EMPTY, NULL),
    {"geocodes", CK_CODES, 0, 0, 0, 0, NULL, NULL},
    {NULL},
};

static const struct conf_key audio_keys[] = {
    STR("driver", audio.driver, CF_NONEMPTY, NULL),
    {"options", CK_OPTIONS, 0, 0, 0, 0, NULL, NULL},
    INT("rate", audio.rate, 8000, 192000),
    INT("channels", audio.channels, 1, 8),
    STR("file", audio.file, 0, NULL),
    {"gain_db", CK_DOUBLE, offsetof(struct conf, audio.gain_db), -60, 20, 0, NULL, NULL},
    {"target_lufs", CK_DOUBLE, offsetof(struct conf, audio.target_lufs), -70, 0, 0, NULL, NULL},
    {NULL},
};

static const struct conf_key province_keys[] = {
    STR("manifest_url", province.manifest_url, CF_NULL_EMPTY, check_url),
    STR("public_key", province.public_key, CF_NULL_EMPTY, check_public_key),
    STR("log_url", province.log_url, CF_NULL_EMPTY, check_log_url),
    INT("sync_interval_s", province.sync_interval_s, 10, 86400),
    INT("upload_interval_s", province.upload_interval_s, 10, 86400),
    INT("upload_hold_s", province.upload_hold_s, 0, 86400),
    STR("ca_file", province.ca_file, CF_NULL_EMPTY, NULL),
    STR("pinned_public_key", province.pinned_public_key, CF_NULL_EMPTY, NULL),
    {"max_download_bytes", CK_INT64, offsetof(struct conf, province.max_download_bytes), 1,
     1099511627776.0, 0, NULL, NULL},
    STR("alert_url", province.alert_url, CF_NULL_EMPTY, check_url),
    INT("alert_interval_s", province.alert_interval_s, 1, 3600),
    {NULL},
};

static const struct conf_key amplifier_keys[] = {
    STR("on_command", amplifier.on_command, CF_NULL_EMPTY, NULL),
    STR("off_command", amplifier.off_command, CF_NULL_EMPTY, NULL),
    INT("lead_s", amplifier.lead_s, 0, 600),
    INT("tail_s", amplifier.tail_s, 0, 600),
    {NULL},
};

static const struct conf_key web_keys[] = {
    STR("listen", web.listen, CF_NULL_EMPTY, check_listen),
    STR("tls_cert", web.tls_cert, CF_NULL_EMPTY, NULL),
    STR("tls_key", web.tls_key, CF_NULL_EMPTY, NULL),
    INT("session_s", web.session_s, 60, 7 * 86400),
    {"max_upload_bytes", CK_INT64, offsetof(struct conf, web.max_upload_bytes), 1048576,
     2147483648.0, 0, NULL, NULL},
    {NULL},
};

#define DBL(n, field, lo, hi)                                                                      \
	{                                                                                          \
		n, CK_DOUBLE, offsetof(struct conf, field), lo, hi, 0, NULL, NULL                  \
	}

static const struct conf_key relay_keys[] = {
    DBL("silence_dbfs", relay.silence_dbfs, -120, 0),
    DBL("silence_s", relay.silence_s, 0.5, 3600),
    DBL("stall_s", relay.stall_s, 0.5, 3600),
    DBL("holdoff_s", relay.holdoff_s, 0.5, 3600),
    INT("connect_timeout_s", relay.connect_timeout_s, 1, 600),
    DBL("buffer_s", relay.buffer_s, 0.2, 30),
    DBL("preroll_s", relay.preroll_s, 0.5, 600),
    DBL("gain_db", relay.gain_db, -60, 20),
    STR("fallback", relay.fallback, CF_NULL_EMPTY, NULL),
    STR("announcement", relay.announcement, CF_NULL_EMPTY, NULL),
    {NULL},
};

#undef DBL

static const struct conf_key root_keys[] = {
    {"station", CK_SECTION, 0, 0, 0, 0, NULL, station_keys},
    STR("state_dir", state_dir, CF_NONEMPTY, NULL),
    STR("schedule_dir", schedule_dir, CF_NONEMPTY, NULL),
    STR("audio_dir", audio_dir, CF_NONEMPTY, NULL),
    STR("control_socket", control_socket, CF_NONEMPTY, NULL),
    STR("timezone", timezone, CF_NULL_EMPTY, check_timezone),
    {"quiet_hours", CK_QUIET, 0, 0, 0, 0, NULL, NULL},
    INT("catch_up_s", catch_up_s, 0, 86400),
    {"audio", CK_SECTION, 0, 0, 0, 0, NULL, audio_keys},
    {"province", CK_SECTION, 0, 0, 0, 0, NULL, province_keys},
    {"amplifier", CK_SECTION, 0, 0, 0, 0, NULL, amplifier_keys},
    {"web", CK_SECTION, 0, 0, 0, 0, NULL, web_keys},
    {"relay", CK_SECTION, 0, 0, 0, 0, NULL, relay_keys},
    {NULL},
};

#undef STR
#undef INT

/* --- quiet hours -------------------------------------------------------- */

static int parse_hhmm(const char *s, int *sec)
{
	int h, m;

	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] != ':' || s[3] < '0' ||
	    s[3] > '9' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*sec = h * 3600 + m * 60;
	return 0;
}

int conf_parse_quiet(const char *s, int *start, int *end)
{
	int a, b;

	if (s[0] == '\0') {
		*start = *end = -1;
		return 0;
	}
	if (strlen(s) != 11 || s[5] != '-' || parse_hhmm(s, &a) < 0 || parse_hhmm(s + 6, &b) < 0)
		return -1;
	/* An empty window is surely a typo; "no quiet hours" is written "". */
	if (a == b)
		return -1;
	*start = a;
	*end = b;
	return 0;
}

bool conf_in_quiet(const struct conf *c, int sec_of_day)
{
	int t = ((sec_of_day % 86400) + 86400) % 86400;

	if (c->quiet_start < 0 || c->quiet_end < 0)
		return false;
	if (c->quiet_start < c->quiet_end)
		return t >= c->quiet_start && t < c->quiet_end;
	return t >= c->quiet_start || t < c->quiet_end;
}

/* --- value checks ------------------------------------------------------- */

static const char *check_station_id(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 64)
		return N_("a station id has 1 to 64 characters");
	if (v[0] == '-')
		return N_("a station id starts with a-z or 0-9");
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
			return N_("a station id has only a-z, 0-9 and '-'");
	return NULL;
}

static const char *check_timezone(const char *v)
{
	const char *dir = getenv("TZDIR");
	char magic[4];
	char *path;
	ssize_t n;
	int fd;

	if (v[0] == '/' || strstr(v, "..") || strpbrk(v, " \t\n\r"))
		return N_("not a time zone name such as \"Asia/Ho_Chi_Minh\"");
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	path = xasprintf("%s/%s", dir, v);
	fd = util_open_regular(path);
	free(path);
	if (fd < 0)
		return N_("no such time zone in the system's zoneinfo");
	/* Folders and the zone.tab-like index files live there too. */
	n = read(fd, magic, sizeof magic);
	close(fd);
	if (n != (ssize_t)sizeof magic || memcmp(magic, "TZif", 4) != 0)
		return N_("no such time zone in the system's zoneinfo");
	return NULL;
}

static bool has_scheme(const char *v, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncasecmp(v, scheme, n) == 0 && v[n] != '\0';
}

static bool has_control_or_space(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return true;
	return false;
}

static const char *check_url(const char *v)
{
	if (!has_scheme(v, "http://") && !has_scheme(v, "https://") && !has_scheme(v, "file://"))
		return N_("must start with http://, https:// or file://");
	if (has_control_or_space(v))
		return N_("must not contain spaces or control characters");
	return NULL;
}

static const char *check_log_url(const char *v)
{
	const char *why = check_url(v);

	if (why)
		return why;
	/* Segments are PUT to <log_url><station>/<name>. */
	if (v[strlen(v) - 1] != '/')
		return N_("must end with '/'");
	return NULL;
}

static const char *check_public_key(const char *v)
{
	unsigned char raw[64];
	size_t rawlen;
	const char *line = v, *nl;

	/* The whole .pub file is accepted too: its key is the second line. */
	if (strncmp(v, "untrusted comment:", 18) == 0 && (nl = strchr(v, '\n')))
		line = nl + 1;
	if (sodium_base642bin(raw, sizeof raw, line, strlen(line), "\r\n", &rawlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    rawlen != 42 || raw[0] != 'E' || raw[1] != 'd')
		return N_(
		    "not a minisign public key (the base64 line of the province's .pub file)");
	return NULL;
}

int conf_parse_listen(const char *s, struct sockaddr_storage *addr, socklen_t *addrlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long port;

	memset(addr, 0, sizeof *addr);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof host)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end || errno || port < 1 || port > 65535)
		return -1;
	if (s[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;

		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return -1;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*addrlen = sizeof *a6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)addr;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return -1;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*addrlen = sizeof *a4;
	}
	return 0;
}

static const char *check_listen(const char *v)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (conf_parse_listen(v, &ss, &len) < 0)
		return N_("expected ADDRESS:PORT, e.g. \"0.0.0.0:8080\" or \"[::]:8080\" "
		          "(\"\" turns the web page off)");
	return NULL;
}

/* --- the walk ----------------------------------------------------------- */

static const char *file_of(const struct conf_ctx *x, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return f ? f : x->path;
}

static void setting_error(struct conf_ctx *x, const config_setting_t *s, const char *key,
                          const char *fmt, ...) MSG_PRINTF(4, 5);

static void setting_error(struct conf_ctx *x, const config_setting_t *s, const char *key,
                          const char *fmt, ...)
{
	char text[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	diag_add(x->d, s ? file_of(x, s) : x->path, s ? (int)config_setting_source_line(s) : 0,
	         "%s: %s", key, text);
	x->nerr++;
}

static bool is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-' || ch == '*';
}

/*
 * libconfig 1.5 keeps an integer written without the L suffix in 32 bits and
 * silently drops the high bits (5000000000 reads as 705032704). Find the
 * literal on the setting's line and read it again; if its low 32 bits are
 * what libconfig kept, the literal is the value meant.
 */
static long long fix_int_literal(const struct conf_ctx *x, const config_setting_t *s)
{
	long long kept = config_setting_get_int(s);
	const char *name = config_setting_name(s);
	const char *text = x->text, *p;
	char *buf = NULL;
	size_t len, namelen;
	long long result = kept;
	unsigned line;

	if (!name)
		return kept;
	if (config_setting_source_file(s)) {
		if (util_read_file(config_setting_source_file(s), CONF_MAX_BYTES, &buf, &len) < 0)
			return kept;
		text = buf;
	}
	for (p = text, line = 1; *p && line < config_setting_source_line(s); p++)
		if (*p == '\n')
			line++;
	namelen = strlen(name);
	for (; *p && *p != '\n'; p++) {
		const char *q = p + namelen;
		unsigned long long mag;
		bool neg = false;
		char *endp;

		if (strncmp(p, name, namelen) != 0 || (p > text && is_name_char(p[-1])) ||
		    is_name_char(*q))
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=' && *q != ':')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '-' || *q == '+')
			neg = *q++ == '-';
		if (*q < '0' || *q > '9')
			continue;
		errno = 0;
		if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
			mag = strtoull(q + 2, &endp, 16);
		else
			mag = strtoull(q, &endp, 10);
		if (is_name_char(*endp) || *endp == '.')
			break;
		if (errno == ERANGE || mag > (unsigned long long)LLONG_MAX)
			result = neg ? LLONG_MIN : LLONG_MAX;
		else if ((int)(uint32_t)(neg ? 0 - mag : mag) == (int)kept ||
		         mag > (unsigned long long)INT_MAX)
			/* libconfig wrapped the literal to 32 bits (64-bit builds) or
			 * saturated it at INT_MAX (32-bit builds): the text is right */
			result = neg ? -(long long)mag : (long long)mag;
		break;
	}
	free(buf);
	return result;
}

static bool get_integer(const struct conf_ctx *x, const config_setting_t *s, long long *v)
{
	if (config_setting_type(s) == CONFIG_TYPE_INT64)
		*v = config_setting_get_int64(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT)
		*v = fix_int_literal(x, s);
	else
		return false;
	return true;
}

static void walk_options(struct conf_ctx *x, const config_setting_t *g, const char *key)
{
	struct conf *c = x->c;
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, i);
		char *sub = xasprintf("%s.%s", key, config_setting_name(s));
		long long iv;
		char *value;

		if (config_setting_type(s) == CONFIG_TYPE_STRING) {
			value = xstrdup(config_setting_get_string(s));
		} else if (get_integer(x, s, &iv)) {
			value = xasprintf("%lld", iv);
		} else if (config_setting_type(s) == CONFIG_TYPE_FLOAT) {
			value = xasprintf("%.15g", config_setting_get_float(s));
		} else {
			setting_error(x, s, sub, _("expected a string or a number"));
			free(sub);
			continue;
		}
		free(sub);
		c->audio.options = xreallocarray(c->audio.options, (size_t)c->audio.noptions + 1,
		                                 sizeof(struct conf_option));
		c->audio.options[c->audio.noptions].key = xstrdup(config_setting_name(s));
		c->audio.options[c->audio.noptions].value = value;
		c->audio.noptions++;
	}
}

/* The administrative unit codes (mã đơn vị hành chính) an alert's area may
 * name the station by: a list of strings of digits. */
#define CONF_MAX_GEOCODES 32

static void walk_codes(struct conf_ctx *x, const config_setting_t *g, const char *key)
{
	struct conf *c = x->c;
	int n = config_setting_length(g);

	if (n > CONF_MAX_GEOCODES) {
		setting_error(x, g, key, _("more than %d codes"), CONF_MAX_GEOCODES);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, i);
		const char *v = config_setting_type(s) == CONFIG_TYPE_STRING
		                    ? config_setting_get_string(s)
		                    : NULL;
		size_t len = v ? strlen(v) : 0;
		bool ok = len >= 1 && len <= 16 && strspn(v, "0123456789") == len;

		if (!ok) {
			char *sub = xasprintf("%s[%d]", key, i);

			setting_error(x, s, sub,
			              _("an administrative unit code is a string of digits, "
			                "e.g. \"24\", \"213\" or \"07963\""));
			free(sub);
			continue;
		}
		c->geocodes =
		    xreallocarray(c->geocodes, (size_t)c->ngeocodes + 1, sizeof *c->geocodes);
		c->geocodes[c->ngeocodes++] = xstrdup(v);
	}
}

static void store_string(struct conf_ctx *x, const struct conf_key *k, const config_setting_t *s,
                         const char *key)
{
	const char *v = config_setting_get_string(s);
	char **field = (char **)((char *)x->c + k->off);
	const char *why;

	if (*v == '\0' && (k->flags & CF_NONEMPTY)) {
		setting_error(x, s, key, _("must not be empty"));
		return;
	}
	if (*v != '\0' && k->check && (why = k->check(v))) {
		setting_error(x, s, key, "\"%s\": %s", v, _(why));
		return;
	}
	free(*field);
	*field = (*v == '\0' && (k->flags & CF_NULL_EMPTY)) ? NULL : xstrdup(v);
}

static void walk(struct conf_ctx *x, const config_setting_t *g, const struct conf_key *keys,
                 const char *prefix);

static void walk_one(struct conf_ctx *x, const struct conf_key *k, const config_setting_t *s,
                     const char *key)
{
	/* The field's type is the kind's; memcpy keeps the access well-typed. */
	char *field = (char *)x->c + k->off;
	int type = config_setting_type(s);
	long long iv;
	double dv;

	switch (k->kind) {
	case CK_CODES:
		if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
			setting_error(x, s, key, _("expected a list [ \"...\", ... ]"));
			return;
		}
		walk_codes(x, s, key);
		return;
	case CK_SECTION:
	case CK_OPTIONS:
		if (type != CONFIG_TYPE_GROUP) {
			setting_error(x, s, key, _("expected a group { ... }"));
			return;
		}
		if (k->kind == CK_SECTION)
			walk(x, s, k->sub, key);
		else
			walk_options(x, s, key);
		return;
	case CK_STRING:
	case CK_QUIET:
		if (type != CONFIG_TYPE_STRING) {
			setting_error(x, s, key, _("expected a string"));
			return;
		}
		if (k->kind == CK_STRING) {
			store_string(x, k, s, key);
		} else if (conf_parse_quiet(config_setting_get_string(s), &x->c->quiet_start,
		                            &x->c->quiet_end) < 0) {
			setting_error(x, s, key,
			              _("\"%s\": expected \"HH:MM-HH:MM\" (e.g. \"21:30-05:00\"), "
			                "or \"\" for none"),
			              config_setting_get_string(s));
		}
		return;
	case CK_INT:
	case CK_INT64:
		if (!get_integer(x, s, &iv)) {
			setting_error(x, s, key, _("expected an integer"));
			return;
		}
		if ((double)iv < k->min || (double)iv > k->max) {
			setting_error(x, s, key, _("%lld is out of range (%lld..%lld)"), iv,
			              (long long)k->min, (long long)k->max);
			return;
		}
		if (k->kind == CK_INT) {
			int v = (int)iv;

			memcpy(field, &v, sizeof v);
		} else {
			int64_t v = iv;

			memcpy(field, &v, sizeof v);
		}
		return;
	case CK_DOUBLE:
		if (get_integer(x, s, &iv))
			dv = (double)iv;
		else if (type == CONFIG_TYPE_FLOAT)
			dv = config_setting_get_float(s);
		else {
			setting_error(x, s, key, _("expected a number"));
			return;
		}
		if (!(dv >= k->min && dv <= k->max)) {
			setting_error(x, s, key, _("%g is out of range (%g..%g)"), dv, k->min,
			              k->max);
			return;
		}
		memcpy(field, &dv, sizeof dv);
		return;
	}
}

static void walk(struct conf_ctx *x, const config_setting_t *g, const struct conf_key *keys,
                 const char *prefix)
{
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, i);
		const char *name = config_setting_name(s);
		const struct conf_key *k;
		char *key = prefix ? xasprintf("%s.%s", prefix, name) : xstrdup(name);

		for (k = keys; k->name; k++)
			if (strcmp(k->name, name) == 0)
				break;
		if (k->name)
			walk_one(x, k, s, key);
		else
			setting_error(x, s, key, _("unknown key"));
		free(key);
	}
}

/* --- load --------------------------------------------------------------- */

static void set_defaults(struct conf *c, const char *path)
{
	memset(c, 0, sizeof *c);
	c->path = xstrdup(path);
	c->state_dir = xstrdup("/var/lib/loaxa");
	c->schedule_dir = xstrdup("/etc/loaxa/schedules");
	c->audio_dir = xstrdup("/var/lib/loaxa/local");
	c->control_socket = xstrdup("/run/loaxa/control.sock");
	if (conf_parse_quiet(CONF_DEFAULT_QUIET_HOURS, &c->quiet_start, &c->quiet_end) < 0)
		abort();
	c->catch_up_s = 300;
	c->audio.driver = xstrdup("alsa");
	c->audio.rate = 48000;
	c->audio.channels = 2;
	c->audio.file = xstrdup("");
	c->audio.gain_db = 0.0;
	c->audio.target_lufs = -16.0;
	c->province.sync_interval_s = 300;
	c->province.upload_interval_s = 300;
	c->province.upload_hold_s = 3600;
	c->province.max_download_bytes = 268435456;
	c->province.alert_interval_s = 10;
	c->amplifier.lead_s = 3;
	c->amplifier.tail_s = 5;
	c->web.session_s = 3600;
	c->web.max_upload_bytes = 104857600;
	c->relay.silence_dbfs = -50.0;
	c->relay.silence_s = 10.0;
	c->relay.stall_s = 5.0;
	c->relay.holdoff_s = 30.0;
	c->relay.connect_timeout_s = 10;
	c->relay.buffer_s = 2.0;
	c->relay.preroll_s = 5.0;
}

bool conf_file_driver(const char *driver)
{
	return strcmp(driver, "wav") == 0 || strcmp(driver, "au") == 0 ||
	       strcmp(driver, "raw") == 0;
}

/* Rules between keys, once every key has been read. */
static void check_whole(struct conf_ctx *x, const config_t *cfg)
{
	struct conf *c = x->c;
	const config_setting_t *s;

	s = config_lookup(cfg, "station");
	/* A station that is not a group has had its error already. */
	if ((!s || config_setting_is_group(s)) && !config_lookup(cfg, "station.id"))
		setting_error(x, s, "station.id",
		              _("missing; every station needs its id, e.g. id = \"tan-quang\";"));
	if (!c->station_name && c->station_id)
		c->station_name = xstrdup(c->station_id);

	if (conf_file_driver(c->audio.driver) && c->audio.file[0] == '\0') {
		s = config_lookup(cfg, "audio.driver");
		setting_error(x, s, "audio.file",
		              _("the \"%s\" driver writes to a file; set audio.file"),
		              c->audio.driver);
	}

	/* The alert index lives beside the manifest unless said otherwise;
	 * alert_url = "" watches none. */
	if (c->province.manifest_url && !config_lookup(cfg, "province.alert_url")) {
		const char *slash = strrchr(c->province.manifest_url, '/');

		if (slash && slash - c->province.manifest_url > 8)
			c->province.alert_url = xasprintf(
			    "%.*salerts.json", (int)(slash - c->province.manifest_url + 1),
			    c->province.manifest_url);
	}
	s = config_lookup(cfg, "province.alert_url");
	if (c->province.alert_url && !c->province.public_key && s &&
	    config_setting_type(s) == CONFIG_TYPE_STRING && *config_setting_get_string(s))
		setting_error(x, s, "province.public_key",
		              _("missing; a province with an alert_url needs its public_key"));

	s = config_lookup(cfg, "province.public_key");
	if (c->province.manifest_url && !c->province.public_key &&
	    (!s || (config_setting_type(s) == CONFIG_TYPE_STRING &&
	            *config_setting_get_string(s) == '\0'))) {
		s = config_lookup(cfg, "province.manifest_url");
		setting_error(x, s, "province.public_key",
		              _("missing; a province with a manifest_url needs its public_key"));
	}

	if (!c->web.tls_cert != !c->web.tls_key) {
		const char *missing = c->web.tls_cert ? "web.tls_key" : "web.tls_cert";

		s = config_lookup(cfg, c->web.tls_cert ? "web.tls_cert" : "web.tls_key");
		setting_error(x, s, missing,
		              _("missing; TLS needs both tls_cert and tls_key (or neither)"));
	}
}

/*
 * libconfig opens what "@include" names itself, blocking, and parses it
 * where it stands: each included file (as deep as libconfig follows them)
 * is checked first to be a regular file and not to nest too deep where it
 * is included. A missing one is left to libconfig to report. Returns the
 * number of problems reported.
 */
static int check_includes(struct conf_ctx *x, const char *file, const char *text, size_t len,
                          const char *dir, int depth, int level)
{
	int problems = 0, line = 1;

	for (const char *s = text, *end = text + len; s < end; line++) {
		const char *eol = memchr(s, '\n', (size_t)(end - s)), *q;
		char *name, *inc, *body;
		size_t n, blen;
		int deep, at;

		if (!eol)
			eol = end;
		q = s + strspn(s, " \t");
		if ((size_t)(eol - q) < 9 || strncmp(q, "@include", 8) != 0 ||
		    (q[8] != ' ' && q[8] != '\t')) {
			s = eol + 1;
			continue;
		}
		q += 8 + strspn(q + 8, " \t");
		/* libconfig reads the name up to the next quote, across lines, and
		 * opens what it comes to; an empty name is the folder itself, which
		 * its scanner meets with exit(). One name, on this line, or nothing. */
		if (*q != '"' || !(n = strcspn(q + 1, "\"\n")) || q + 1 + n >= eol) {
			diag_add(x->d, file, line, "%s",
			         _("@include needs the name of a file, in quotes, on its line"));
			problems++;
			s = eol + 1;
			continue;
		}
		name = xasprintf("%.*s", (int)n, q + 1);
		inc = name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", dir, name);
		at = depth + nest_depth(text, (size_t)(s - text), NEST_LIBCONFIG);
		if (level >= 10) {
			/* libconfig refuses it itself */
		} else if (util_read_file(inc, CONF_MAX_BYTES, &body, &blen) < 0) {
			if (errno != ENOENT) {
				diag_add(x->d, file, line, _("@include \"%s\": %s"), name,
				         util_strerror(errno));
				problems++;
			}
		} else {
			if ((deep = nest_too_deep(body, blen, NEST_LIBCONFIG, at, NEST_MAX)) > 0) {
				diag_add(x->d, inc, deep,
				         _("nesting too deep: more than %d levels of brackets"),
				         NEST_MAX);
				problems++;
			} else {
				problems += check_includes(x, inc, body, blen, dir, at, level + 1);
			}
			free(body);
		}
		free(name);
		free(inc);
		s = eol + 1;
	}
	return problems;
}

int conf_load(struct conf *c, const char *path, struct diag *d)
{
	struct conf_ctx x = {.c = c, .d = d, .path = path};
	char *text, *dircopy;
	const char *dir;
	size_t len;
	config_t cfg;
	int deep;

	set_defaults(c, path);
	if (util_read_file(path, CONF_MAX_BYTES, &text, &len) < 0) {
		diag_add(d, path, 0, _("cannot read: %s"), util_strerror(errno));
		conf_free(c);
		return -1;
	}
	if (memchr(text, '\0', len)) {
		diag_add(d, path, 0, _("not a text file (contains a NUL byte)"));
		free(text);
		conf_free(c);
		return -1;
	}
	if ((deep = nest_too_deep(text, len, NEST_LIBCONFIG, 0, NEST_MAX)) > 0) {
		diag_add(d, path, deep, _("nesting too deep: more than %d levels of brackets"),
		         NEST_MAX);
		free(text);
		conf_free(c);
		return -1;
	}
	x.text = text;
	dircopy = xstrdup(path);
	dir = dirname(dircopy);
	if (check_includes(&x, path, text, len, dir, 0, 0) > 0) {
		free(dircopy);
		free(text);
		conf_free(c);
		return -1;
	}
	config_init(&cfg);
	config_set_include_dir(&cfg, dir);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		const char *f = config_error_file(&cfg);

		diag_add(d, f ? f : path, config_error_line(&cfg), "%s", config_error_text(&cfg));
		x.nerr++;
	} else {
		walk(&x, config_root_setting(&cfg), root_keys, NULL);
		check_whole(&x, &cfg);
	}
	config_destroy(&cfg);
	free(dircopy);
	free(text);
	if (x.nerr > 0) {
		conf_free(c);
		return -1;
	}
	return 0;
}

int conf_load_report(struct conf *c, const char *path)
{
	struct diag d = {0};

	if (conf_load(c, path, &d) < 0) {
		diag_print(&d, stderr);
		diag_free(&d);
		return -1;
	}
	diag_free(&d);
	return 0;
}

void conf_use_timezone(const struct conf *c)
{
	if (c->timezone && *c->timezone) {
		setenv("TZ", c->timezone, 1);
		tzset();
	}
}

void conf_free(struct conf *c)
{
	free(c->path);
	free(c->station_id);
	free(c->station_name);
	free(c->state_dir);
	free(c->schedule_dir);
	free(c->audio_dir);
	free(c->control_socket);
	free(c->timezone);
	free(c->audio.driver);
	for (int i = 0; i < c->audio.noptions; i++) {
		free(c->audio.options[i].key);
		free(c->audio.options[i].value);
	}
	free(c->audio.options);
	free(c->audio.file);
	free(c->province.manifest_url);
	free(c->province.public_key);
	free(c->province.log_url);
	free(c->province.ca_file);
	free(c->province.pinned_public_key);
	free(c->province.alert_url);
	for (int i = 0; i < c->ngeocodes; i++)
		free(c->geocodes[i]);
	free(c->geocodes);
	free(c->amplifier.on_command);
	free(c->amplifier.off_command);
	free(c->web.listen);
	free(c->web.tls_cert);
	free(c->web.tls_key);
	free(c->relay.fallback);
	free(c->relay.announcement);
	memset(c, 0, sizeof *c);
}
