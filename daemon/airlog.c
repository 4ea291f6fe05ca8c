/*
 * airlog: the as-run log (DESIGN §5), the record the province audits.
 *
 * Lines are built and parsed with jansson; each is written with one write()
 * and fsynced before the chain (seq, prev) moves on, so a failed or torn
 * write never leaves a gap or a fork: a partial line is cut back at once,
 * or at the next airlog_open when power was lost mid-write.
 */
#include "airlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "util.h"

/* A line is well under 2 KiB; a "line" much longer is not ours. */
#define AIRLOG_MAX_LINE (64 * 1024)
/* Lines that found no room on the disk wait in memory, up to this much
 * (some 500 lines: days of broadcasts); beyond it a line is lost to the
 * file, though not to the daemon's own log, which gets its text. */
#define AIRLOG_MAX_PENDING (512 * 1024)
/* While lines wait, the failure is logged again at most this often. */
#define AIRLOG_WARN_EVERY_S 60
/* 15 significant digits print 312.456 as written, not 312.45600000000002. */
#define AIRLOG_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* A line formatted and chained but not yet on the disk. */
struct pending {
	char *path; /* its day file */
	char *line;
	size_t len;
};

struct airlog {
	char *dir;
	int lockfd;
	uint64_t seq; /* of the newest line, written or waiting */
	char prev[65];
	struct timespec last_time;
	struct pending *pend; /* oldest first */
	size_t npend, pend_bytes;
	int error;     /* errno of the last failed write; 0 after a success */
	time_t warned; /* monotonic seconds of the last failure logged */
};

/* --- formatting --------------------------------------------------------- */

static const char *type_name(enum airlog_type t)
{
	switch (t) {
	case AIRLOG_START:
		return "start";
	case AIRLOG_STOP:
		return "stop";
	case AIRLOG_PLAY:
		return "play";
	case AIRLOG_SWITCH:
		return "switch";
	case AIRLOG_ALERT:
		return "alert";
	}
	return "?";
}

/*
 * Strings come from schedules and the catalog, which should hold UTF-8;
 * should one slip through that is not, the line is still written, with
 * U+FFFD for each bad byte, rather than lost.
 */
static json_t *jstr(const char *s)
{
	json_t *j;
	size_t n;
	char *fixed, *o;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	n = strlen(s);
	fixed = o = xmalloc(3 * n + 1);
	for (size_t i = 0; i < n;) {
		json_t *one;
		size_t k = 1;
		unsigned char b = (unsigned char)s[i];

		if (b >= 0xf0)
			k = 4;
		else if (b >= 0xe0)
			k = 3;
		else if (b >= 0xc0)
			k = 2;
		if (b >= 0x80 && i + k <= n && (one = json_stringn(s + i, k))) {
			json_decref(one);
			memcpy(o, s + i, k);
			o += k;
			i += k;
		} else if (b < 0x80 && b != 0) {
			*o++ = (char)b;
			i++;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	*o = '\0';
	j = json_string(fixed);
	free(fixed);
	return j ? j : json_null();
}

static json_t *jtime(struct timespec ts, bool millis)
{
	char buf[48];

	if (ts.tv_sec == 0)
		return json_null();
	util_format_time(buf, sizeof buf, ts, millis);
	return json_string(buf);
}

/* Rounded to the given number of decimals; silence (-inf) and unknowns as null. */
static json_t *jreal(double v, int decimals)
{
	double scale = decimals == 3 ? 1000.0 : 10.0;

	if (!isfinite(v))
		return json_null();
	return json_real(round(v * scale) / scale);
}

static void add(json_t *o, const char *key, json_t *v)
{
	json_object_set_new_nocheck(o, key, v ? v : json_null());
}

static json_t *jint(int v)
{
	return v ? json_integer(v) : json_null();
}

/* The times and outcome of an airing, on play and alert lines alike. */
static void format_outcome(json_t *o, const struct airlog_entry *e)
{
	/* A schedule names whole seconds; §5 writes them so. */
	add(o, "scheduled", jtime(e->scheduled, e->scheduled.tv_nsec != 0));
	add(o, "start", jtime(e->start, true));
	add(o, "end", jtime(e->end, true));
	add(o, "played_s", jreal(e->played_s, 3));
	add(o, "duration_s", jreal(e->duration_s, 3));
	add(o, "status", jstr(e->status));
	add(o, "reason", jstr(e->reason));
}

/* An alert line: the CAP message, then the times and outcome of a play. */
static void format_alert(json_t *o, const struct airlog_entry *e)
{
	add(o, "identifier", jstr(e->identifier));
	add(o, "sender", jstr(e->sender));
	add(o, "sent", jstr(e->sent));
	add(o, "msg_type", jstr(e->msg_type));
	add(o, "severity", jstr(e->severity));
	add(o, "level", jint(e->level));
	add(o, "sha256", jstr(e->sha256 && *e->sha256 ? e->sha256 : NULL));
	add(o, "repeat", jint(e->repeat));
	add(o, "repeats", jint(e->repeats));
	format_outcome(o, e);
	add(o, "peak_dbfs", jreal(e->peak_dbfs, 1));
	add(o, "rms_dbfs", jreal(e->rms_dbfs, 1));
}

char *airlog_format_line(const struct airlog_entry *e, uint64_t seq, const char *prev)
{
	json_t *o = json_object();
	char *body, *line;

	add(o, "seq", json_integer((json_int_t)seq));
	add(o, "prev", json_string(prev));
	add(o, "type", json_string(type_name(e->type)));
	add(o, "station", jstr(e->station));
	if (e->type == AIRLOG_PLAY) {
		add(o, "programme", jstr(e->programme));
		if (e->file)
			add(o, "file", jstr(e->file));
		if (e->relay)
			add(o, "relay", jstr(e->relay));
		add(o, "sha256", jstr(e->sha256 && *e->sha256 ? e->sha256 : NULL));
		add(o, "slot", jstr(e->slot));
		add(o, "priority", jstr(e->priority));
		format_outcome(o, e);
		/* only on lines an operator's command made, so the others read
		 * exactly as §5 has them */
		if (e->by)
			add(o, "by", jstr(e->by));
		add(o, "peak_dbfs", jreal(e->peak_dbfs, 1));
		add(o, "rms_dbfs", jreal(e->rms_dbfs, 1));
		if (e->relay) {
			add(o, "relayed_s", jreal(e->relayed_s, 3));
			add(o, "fallback_s", jreal(e->fallback_s, 3));
		}
	} else if (e->type == AIRLOG_SWITCH) {
		add(o, "relay", jstr(e->relay));
		add(o, "slot", jstr(e->slot));
		add(o, "priority", jstr(e->priority));
		add(o, "time", jtime(e->time, true));
		add(o, "to", jstr(e->to));
		add(o, "reason", jstr(e->reason));
	} else if (e->type == AIRLOG_ALERT) {
		format_alert(o, e);
	} else {
		add(o, "time", jtime(e->time, true));
		add(o, "version", jstr(e->version));
	}
	add(o, "clock", json_string(e->clock_synced ? "synced" : "unsynced"));
	if (e->type == AIRLOG_STOP && e->reason)
		add(o, "reason", jstr(e->reason));
	body = json_dumps(o, AIRLOG_JSON_FLAGS);
	json_decref(o);
	if (!body)
		fatalx("airlog: cannot format a line");
	line = xasprintf("%s\n", body);
	free(body);
	return line;
}

void airlog_chain_hash(const char *line, size_t len, char out[65])
{
	util_sha256_hex(line, len, out);
}

/* --- parsing ------------------------------------------------------------ */

enum {
	OWN_STATION,
	OWN_PROGRAMME,
	OWN_FILE,
	OWN_SHA256,
	OWN_SLOT,
	OWN_PRIORITY,
	OWN_STATUS,
	OWN_REASON,
	OWN_VERSION,
	OWN_RELAY,
	OWN_TO,
	OWN_BY,
	OWN_IDENTIFIER,
	OWN_SENDER,
	OWN_SENT,
	OWN_MSG_TYPE,
	OWN_SEVERITY
};

/* A string or null field; absent is fine unless required. *out: the
 * string, NULL for null or absent. */
static int get_text(json_t *o, const char *key, bool required, const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v)
		return required ? -1 : 0;
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

/* get_text, the string kept in r->owned[slot]. */
static int get_str(json_t *o, const char *key, bool required, struct airlog_record *r, int slot,
                   const char **out)
{
	const char *s;

	*out = NULL;
	if (get_text(o, key, required, &s) < 0)
		return -1;
	if (s) {
		r->owned[slot] = xstrdup(s);
		*out = r->owned[slot];
	}
	return 0;
}

/* A time (util_parse_time) or null; absent is fine unless required. */
static int get_time(json_t *o, const char *key, bool required, struct timespec *ts)
{
	const char *s;

	ts->tv_sec = 0;
	ts->tv_nsec = 0;
	if (get_text(o, key, required, &s) < 0)
		return -1;
	return s ? util_parse_time(s, ts) : 0;
}

static int get_real(json_t *o, const char *key, double if_null, double *out)
{
	json_t *v = json_object_get(o, key);

	*out = if_null;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	return 0;
}

/* A small whole number or null; absent is fine. */
static int get_small(json_t *o, const char *key, int lo, int hi, int *out)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -1;
	*out = (int)json_integer_value(v);
	return 0;
}

static int parse_fields(json_t *o, struct airlog_record *r)
{
	struct airlog_entry *e = &r->e;
	json_t *v;
	const char *s;

	if (!json_is_object(o))
		return -1;
	v = json_object_get(o, "seq");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return -1;
	e->seq = (uint64_t)json_integer_value(v);
	v = json_object_get(o, "prev");
	if (!json_is_string(v) || !util_is_sha256_hex(json_string_value(v)))
		return -1;
	memcpy(e->prev, json_string_value(v), 65);
	v = json_object_get(o, "type");
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (strcmp(s, "play") == 0)
		e->type = AIRLOG_PLAY;
	else if (strcmp(s, "alert") == 0)
		e->type = AIRLOG_ALERT;
	else if (strcmp(s, "start") == 0)
		e->type = AIRLOG_START;
	else if (strcmp(s, "stop") == 0)
		e->type = AIRLOG_STOP;
	else if (strcmp(s, "switch") == 0)
		e->type = AIRLOG_SWITCH;
	else
		return -1;
	v = json_object_get(o, "clock");
	if (!json_is_string(v))
		return -1;
	if (strcmp(json_string_value(v), "synced") == 0)
		e->clock_synced = true;
	else if (strcmp(json_string_value(v), "unsynced") != 0)
		return -1;
	if (get_str(o, "station", true, r, OWN_STATION, &e->station) < 0 ||
	    get_str(o, "reason", false, r, OWN_REASON, &e->reason) < 0)
		return -1;
	if (e->type == AIRLOG_SWITCH) {
		e->peak_dbfs = e->rms_dbfs = -INFINITY;
		if (get_str(o, "relay", true, r, OWN_RELAY, &e->relay) < 0 || !e->relay ||
		    get_str(o, "slot", false, r, OWN_SLOT, &e->slot) < 0 ||
		    get_str(o, "priority", false, r, OWN_PRIORITY, &e->priority) < 0 ||
		    get_time(o, "time", true, &e->time) < 0 ||
		    get_str(o, "to", true, r, OWN_TO, &e->to) < 0 || !e->to ||
		    (strcmp(e->to, "fallback") != 0 && strcmp(e->to, "relay") != 0))
			return -1;
		return 0;
	}
	if (e->type == AIRLOG_ALERT &&
	    (get_str(o, "identifier", true, r, OWN_IDENTIFIER, &e->identifier) < 0 ||
	     get_str(o, "sender", true, r, OWN_SENDER, &e->sender) < 0 ||
	     get_str(o, "sent", false, r, OWN_SENT, &e->sent) < 0 ||
	     get_str(o, "msg_type", false, r, OWN_MSG_TYPE, &e->msg_type) < 0 ||
	     get_str(o, "severity", false, r, OWN_SEVERITY, &e->severity) < 0 ||
	     get_small(o, "level", 1, 5, &e->level) < 0 ||
	     get_small(o, "repeat", 1, 1000, &e->repeat) < 0 ||
	     get_small(o, "repeats", 1, 1000, &e->repeats) < 0))
		return -1;
	if (e->type != AIRLOG_PLAY && e->type != AIRLOG_ALERT) {
		e->peak_dbfs = e->rms_dbfs = -INFINITY;
		if (get_time(o, "time", true, &e->time) < 0 ||
		    get_str(o, "version", false, r, OWN_VERSION, &e->version) < 0)
			return -1;
		return 0;
	}
	if ((e->type == AIRLOG_PLAY &&
	     (get_str(o, "programme", true, r, OWN_PROGRAMME, &e->programme) < 0 ||
	      get_str(o, "file", false, r, OWN_FILE, &e->file) < 0 ||
	      get_str(o, "slot", true, r, OWN_SLOT, &e->slot) < 0 ||
	      get_str(o, "priority", true, r, OWN_PRIORITY, &e->priority) < 0)) ||
	    get_str(o, "sha256", true, r, OWN_SHA256, &e->sha256) < 0 ||
	    get_str(o, "status", true, r, OWN_STATUS, &e->status) < 0 || !e->status ||
	    get_str(o, "by", false, r, OWN_BY, &e->by) < 0 ||
	    get_time(o, "scheduled", true, &e->scheduled) < 0 ||
	    get_time(o, "start", true, &e->start) < 0 || get_time(o, "end", true, &e->end) < 0 ||
	    get_real(o, "played_s", 0.0, &e->played_s) < 0 ||
	    get_real(o, "duration_s", NAN, &e->duration_s) < 0 ||
	    get_real(o, "peak_dbfs", -INFINITY, &e->peak_dbfs) < 0 ||
	    get_real(o, "rms_dbfs", -INFINITY, &e->rms_dbfs) < 0 ||
	    get_str(o, "relay", false, r, OWN_RELAY, &e->relay) < 0 ||
	    get_real(o, "relayed_s", NAN, &e->relayed_s) < 0 ||
	    get_real(o, "fallback_s", NAN, &e->fallback_s) < 0)
		return -1;
	/* the relay's figures come with it, and only with it */
	if (!e->relay != !json_object_get(o, "relayed_s") ||
	    !e->relay != !json_object_get(o, "fallback_s"))
		return -1;
	return 0;
}

int airlog_parse_line(const char *line, size_t len, struct airlog_record *r)
{
	json_error_t err;
	json_t *o;
	int rc;

	memset(r, 0, sizeof *r);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len == 0 || len > AIRLOG_MAX_LINE || memchr(line, '\n', len))
		return -1;
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (!o)
		return -1;
	rc = parse_fields(o, r);
	json_decref(o);
	if (rc < 0) {
		airlog_record_free(r);
		return -1;
	}
	r->line = xmalloc(len + 1);
	memcpy(r->line, line, len);
	r->line[len] = '\0';
	return 0;
}

void airlog_record_free(struct airlog_record *r)
{
	for (size_t i = 0; i < sizeof r->owned / sizeof r->owned[0]; i++)
		free(r->owned[i]);
	free(r->line);
	memset(r, 0, sizeof *r);
}

/* --- files -------------------------------------------------------------- */

bool airlog_is_day_name(const char *name)
{
	static const char pattern[] = "dddd-dd-dd.jsonl";

	if (strlen(name) != sizeof pattern - 1)
		return false;
	for (size_t i = 0; pattern[i]; i++) {
		if (pattern[i] == 'd' ? (name[i] < '0' || name[i] > '9') : name[i] != pattern[i])
			return false;
	}
	return true;
}

/* Offset of the last '\n' before end, or -1. */
static off_t last_newline_before(int fd, off_t end)
{
	char buf[4096];

	while (end > 0) {
		size_t n = end < (off_t)sizeof buf ? (size_t)end : sizeof buf;
		ssize_t r = pread(fd, buf, n, end - (off_t)n);

		if (r != (ssize_t)n)
			return -2;
		for (size_t i = n; i-- > 0;)
			if (buf[i] == '\n')
				return end - (off_t)n + (off_t)i;
		end -= (off_t)n;
	}
	return -1;
}

/*
 * Cut a last line that has no newline (the write was torn by a power cut:
 * it was never fsynced as a whole, so nothing downstream has relied on it).
 * Returns the size after the repair, or -1.
 */
static off_t repair_tail(int fd, const char *path)
{
	struct stat st;
	off_t nl;
	char last;
	int rw;

	if (fstat(fd, &st) < 0)
		return -1;
	if (st.st_size == 0)
		return 0;
	if (pread(fd, &last, 1, st.st_size - 1) != 1)
		return -1;
	if (last == '\n')
		return st.st_size;
	nl = last_newline_before(fd, st.st_size);
	if (nl == -2)
		return -1;
	/* Only a file that needs the repair is opened for writing. */
	rw = open(path, O_WRONLY | O_CLOEXEC);
	if (rw < 0)
		return -1;
	if (ftruncate(rw, nl + 1) < 0 || fsync(rw) < 0) {
		close(rw);
		return -1;
	}
	close(rw);
	log_warnx(_("%s: cut a torn last line (%lld bytes) left by an interrupted write"), path,
	          (long long)(st.st_size - (nl + 1)));
	return nl + 1;
}

/* Read the line ending just before end (end points past its '\n'). */
static char *read_line_before(int fd, off_t end, off_t *start)
{
	off_t nl = last_newline_before(fd, end - 1);
	size_t len;
	char *line;

	if (nl == -2)
		return NULL;
	*start = nl + 1;
	len = (size_t)(end - *start);
	if (len > AIRLOG_MAX_LINE)
		return NULL;
	line = xmalloc(len + 1);
	if (pread(fd, line, len, *start) != (ssize_t)len) {
		free(line);
		return NULL;
	}
	line[len] = '\0';
	return line;
}

static struct timespec record_time(const struct airlog_entry *e)
{
	return e->type == AIRLOG_PLAY || e->type == AIRLOG_ALERT ? e->end : e->time;
}

/*
 * Look at the tail of one day file: repair it, then report the chain state
 * after its last line. A last line that does not parse still anchors prev
 * (its bytes are what the next line follows); seq then comes from the
 * newest line that parses. Returns 0 (file has lines), 1 (empty), -1.
 */
struct tail {
	uint64_t seq;
	char prev[65];
	struct timespec time;
	bool have_seq;
};

static int scan_file(const char *path, struct tail *t)
{
	int fd = util_open_regular(path);
	off_t end;
	bool first = true;

	memset(t, 0, sizeof *t);
	if (fd < 0)
		return -1;
	end = repair_tail(fd, path);
	if (end <= 0) {
		close(fd);
		return end == 0 ? 1 : -1;
	}
	while (end > 0) {
		struct airlog_record r;
		off_t start;
		char *line = read_line_before(fd, end, &start);

		if (!line) {
			close(fd);
			return -1;
		}
		if (first)
			airlog_chain_hash(line, (size_t)(end - start), t->prev);
		first = false;
		if (airlog_parse_line(line, (size_t)(end - start), &r) == 0) {
			t->seq = r.e.seq;
			t->time = record_time(&r.e);
			t->have_seq = true;
			airlog_record_free(&r);
			free(line);
			break;
		}
		log_warnx(_("%s: the line at byte %lld is not an as-run record"), path,
		          (long long)start);
		free(line);
		end = start;
	}
	close(fd);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int airlog_day_files(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	*names = NULL;
	*n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!airlog_is_day_name(de->d_name))
			continue;
		*names = xreallocarray(*names, *n + 1, sizeof **names);
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(*names, *n, sizeof **names, cmp_names);
	return 0;
}

/*
 * Every day file's last line is looked at, not only the newest name's: a
 * clock that was wrong for a while (no RTC, a bad NTP answer) may have put
 * newer lines into an older- or newer-named file, and the chain continues
 * from whichever line carries the highest seq.
 */
static int recover(struct airlog *a)
{
	char **names;
	size_t n;
	struct tail best = {0};
	bool any = false;
	int rc = 0;

	if (airlog_day_files(a->dir, &names, &n) < 0)
		return -1;
	/* Newest name first: it anchors the chain unless another file's
	 * last line carries a higher seq. */
	for (size_t i = n; i-- > 0;) {
		char *path = xasprintf("%s/%s", a->dir, names[i]);
		struct tail t;
		int r = scan_file(path, &t);

		if (r < 0) {
			log_warn(_("%s: cannot read the as-run log"), path);
			rc = -1;
		} else if (r == 0) {
			if (!any || (t.have_seq && (!best.have_seq || t.seq > best.seq)))
				best = t;
			any = true;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	if (any) {
		a->seq = best.seq;
		memcpy(a->prev, best.prev, sizeof a->prev);
		a->last_time = best.time;
	}
	return rc;
}

struct airlog *airlog_open(const char *dir)
{
	struct airlog *a = xcalloc(1, sizeof *a);

	a->dir = xstrdup(dir);
	memcpy(a->prev, AIRLOG_ZERO_PREV, sizeof a->prev);
	a->lockfd = -1;
	if (util_mkdirs(dir, 0750) < 0) {
		log_err(_("%s: cannot create the as-run log folder"), dir);
		goto fail;
	}
	/* Two writers would fork the chain. */
	a->lockfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->lockfd < 0) {
		log_err(_("%s: cannot open the as-run log folder"), dir);
		goto fail;
	}
	if (flock(a->lockfd, LOCK_EX | LOCK_NB) < 0) {
		log_errx(_("%s: the as-run log is in use by another process"), dir);
		goto fail;
	}
	if (recover(a) < 0) {
		log_errx(_("%s: cannot find where the as-run log ends"), dir);
		goto fail;
	}
	return a;
fail:
	airlog_close(a);
	return NULL;
}

static bool no_room(int err)
{
	return err == ENOSPC || err == EDQUOT || err == EFBIG;
}

static void pending_pop(struct airlog *a)
{
	a->pend_bytes -= a->pend[0].len;
	free(a->pend[0].path);
	free(a->pend[0].line);
	memmove(a->pend, a->pend + 1, (a->npend - 1) * sizeof *a->pend);
	a->npend--;
}

void airlog_close(struct airlog *a)
{
	if (!a)
		return;
	/* Lines that never found room: their last record is the daemon's log. */
	if (a->npend && airlog_flush(a) < 0) {
		for (size_t i = 0; i < a->npend; i++)
			log_errx(_("as-run line not written for want of room: %.*s"),
			         (int)a->pend[i].len - 1, a->pend[i].line);
		while (a->npend)
			pending_pop(a);
	}
	free(a->pend);
	if (a->lockfd >= 0)
		close(a->lockfd);
	free(a->dir);
	free(a);
}

uint64_t airlog_last_seq(const struct airlog *a)
{
	return a->seq;
}

struct timespec airlog_last_time(const struct airlog *a)
{
	return a->last_time;
}

const char *airlog_last_prev(const struct airlog *a)
{
	return a->prev;
}

/* Open the day file for appending; *created tells whether the folder
 * entry is new and so needs its own fsync. */
static int open_day(const char *path, bool *created)
{
	int fd;

	/* O_NONBLOCK for the open alone: the caller refuses what is not a
	 * regular file, where the flag changes nothing. */
	*created = false;
	fd = open(path, O_RDWR | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd >= 0) {
		*created = true;
		return fd;
	}
	if (errno == EEXIST)
		return open(path, O_RDWR | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	return -1;
}

/* Write one line to its day file, fsynced. 0, or -1 with errno; the file
 * then ends as it did before (a part written is cut back, a file created
 * for it removed). */
static int write_line(struct airlog *a, const char *path, const char *line, size_t len)
{
	struct stat st;
	bool created;
	ssize_t w;
	int fd, saved;

	fd = open_day(path, &created);
	if (fd < 0 || util_check_regular(fd) < 0 || fstat(fd, &st) < 0)
		goto fail;
	/* A line must never be glued to a fragment that an earlier failed
	 * cut-back (or anything else) left at the end. */
	if (st.st_size > 0 && (st.st_size = repair_tail(fd, path)) < 0)
		goto fail;
	/* One write, so a reader or a crash sees all of the line or a torn
	 * tail that the next open cuts. */
	w = write(fd, line, len);
	if (w != (ssize_t)len || fsync(fd) < 0) {
		saved = w < 0 ? errno : (w != (ssize_t)len ? ENOSPC : errno);
		/* Cut back whatever part went in, so the file ends on a whole
		 * line and the line can be written again, same seq and prev. */
		if (ftruncate(fd, st.st_size) < 0 || fsync(fd) < 0)
			log_warn(_("%s: cannot cut back a partly written line"), path);
		/* a file made for this line alone goes, so that the one made
		 * when the line does go in gets its folder synced */
		if (created && st.st_size == 0)
			unlink(path);
		errno = saved;
		goto fail;
	}
	if (created && util_fsync_dir(a->dir) < 0)
		log_warn(_("%s: cannot sync the as-run log folder"), a->dir);
	close(fd);
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	errno = saved;
	return -1;
}

/* The failure to write, in the daemon's log: at once when it begins, then
 * at most once a minute while lines wait. */
static void log_write_failure(struct airlog *a, const char *path, int err)
{
	time_t now = util_now_mono().tv_sec;

	a->error = err;
	if (a->warned && now - a->warned < AIRLOG_WARN_EVERY_S)
		return;
	a->warned = now ? now : 1;
	errno = err;
	if (a->npend)
		log_err(ngettext("%s: cannot write the as-run log; %zu line waits in memory "
		                 "until it can",
		                 "%s: cannot write the as-run log; %zu lines wait in memory "
		                 "until it can",
		                 (unsigned long)a->npend),
		        path, a->npend);
	else
		log_err(_("%s: cannot write the as-run log"), path);
}

int airlog_flush(struct airlog *a)
{
	size_t done = 0;

	while (a->npend) {
		if (write_line(a, a->pend[0].path, a->pend[0].line, a->pend[0].len) < 0) {
			log_write_failure(a, a->pend[0].path, errno);
			return -1;
		}
		pending_pop(a);
		done++;
	}
	if (done) {
		log_notice(ngettext("as-run log: %zu line that waited for room is written",
		                    "as-run log: %zu lines that waited for room are written",
		                    (unsigned long)done),
		           done);
		a->warned = 0;
	}
	a->error = 0;
	return 0;
}

size_t airlog_pending(const struct airlog *a)
{
	return a->npend;
}

int airlog_error(const struct airlog *a)
{
	return a->error;
}

int airlog_append(struct airlog *a, struct airlog_entry *e)
{
	struct timespec when = record_time(e);
	char date[16], *path, *line;
	size_t len;

	if (when.tv_sec == 0)
		when = util_now_real();
	util_format_date(date, sizeof date, when.tv_sec);
	path = xasprintf("%s/%s.jsonl", a->dir, date);
	line = airlog_format_line(e, a->seq + 1, a->prev);
	len = strlen(line);

	/* Lines in order: those waiting go first. */
	if (airlog_flush(a) == 0) {
		if (write_line(a, path, line, len) == 0) {
			a->error = 0;
			goto chained;
		}
		a->error = errno;
		/* Only a disk without room is waited for; any other failure
		 * (a folder where the day's file should be, no permission)
		 * would hold every later line back with it. */
		if (!no_room(a->error)) {
			log_err(_("%s: cannot write the as-run log"), path);
			free(line);
			free(path);
			return -1;
		}
	}
	if (a->pend_bytes + len > AIRLOG_MAX_PENDING) {
		/* Not chained: the file goes on from the lines before it. */
		errno = a->error;
		log_err(_("%s: cannot write the as-run log, and the lines waiting in memory "
		          "are at their limit; this line is lost to the file: %.*s"),
		        path, (int)len - 1, line);
		free(line);
		free(path);
		return -1;
	}
	a->pend = xreallocarray(a->pend, a->npend + 1, sizeof *a->pend);
	a->pend[a->npend++] = (struct pending){path, line, len};
	a->pend_bytes += len;
	log_write_failure(a, path, a->error);
	path = NULL;
	line = xstrdup(a->pend[a->npend - 1].line);
chained:
	e->seq = a->seq + 1;
	memcpy(e->prev, a->prev, sizeof e->prev);
	a->seq++;
	airlog_chain_hash(line, len, a->prev);
	a->last_time = when;
	free(line);
	free(path);
	return a->npend ? 1 : 0;
}

int airlog_read_pending(const struct airlog *a,
                        void (*fn)(const struct airlog_record *rec, const char *line, void *ctx),
                        void *ctx)
{
	for (size_t i = 0; i < a->npend; i++) {
		struct airlog_record r;
		char *line = xmalloc(a->pend[i].len);

		memcpy(line, a->pend[i].line, a->pend[i].len - 1);
		line[a->pend[i].len - 1] = '\0';

		if (airlog_parse_line(line, a->pend[i].len - 1, &r) == 0) {
			fn(&r, line, ctx);
			airlog_record_free(&r);
		} else {
			fn(NULL, line, ctx);
		}
		free(line);
	}
	return 0;
}

/* --- reading a day ------------------------------------------------------ */

int airlog_read_day(const char *dir, const char *date,
                    void (*fn)(const struct airlog_record *rec, const char *line, void *ctx),
                    void *ctx)
{
	char name[32], *path, *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int saved, fd;

	snprintf(name, sizeof name, "%s.jsonl", date);
	if (!airlog_is_day_name(name)) {
		errno = EINVAL;
		return -1;
	}
	path = xasprintf("%s/%s", dir, name);
	fd = util_open_regular(path);
	saved = errno;
	free(path);
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		errno = saved;
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		struct airlog_record r;
		size_t len = (size_t)n;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (airlog_parse_line(line, len, &r) == 0) {
			fn(&r, line, ctx);
			airlog_record_free(&r);
		} else {
			fn(NULL, line, ctx);
		}
	}
	saved = ferror(f) ? errno : 0;
	free(line);
	fclose(f);
	if (saved) {
		errno = saved;
		return -1;
	}
	return 0;
}

static void newest_cb(const struct airlog_record *rec, const char *line, void *ctx)
{
	struct timespec *t = ctx, w;

	(void)line;
	if (!rec)
		return;
	w = record_time(&rec->e);
	if (w.tv_sec > t->tv_sec || (w.tv_sec == t->tv_sec && w.tv_nsec > t->tv_nsec))
		*t = w;
}

int airlog_newest_time(const char *dir, struct timespec *t)
{
	char **names;
	size_t n;

	*t = (struct timespec){0, 0};
	if (airlog_day_files(dir, &names, &n) < 0)
		return -1;
	for (size_t i = n; i-- > 0 && t->tv_sec == 0;) {
		char date[11];

		snprintf(date, sizeof date, "%.10s", names[i]);
		airlog_read_day(dir, date, newest_cb, t);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return t->tv_sec ? 0 : -1;
}
