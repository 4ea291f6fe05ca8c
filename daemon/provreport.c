/*
 * provreport: the province's side of the as-run logs.
 *
 * Owns reading stations.cfg, walking LOGDIR one station folder at a time
 * (segments in seq order, each read once into one reused buffer and handed
 * to the segment verifier; a .minisig is read only for the signatures the
 * verifier asks for, see segment.h), the verify verdicts, and the report: per
 * station and day the items by status and minutes on air, the priority
 * programmes aired or not, silent and offline stations, written as CSV or
 * as one self-contained HTML page with a timeline per station.
 *
 * Everything in LOGDIR came from the network: names are parsed before use,
 * sizes are capped, text from the logs is escaped for CSV and HTML.
 */
#include "provreport.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libconfig.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "nest.h"
#include "schedule.h"
#include "segment.h"
#include "util.h"

/* A segment holds at most what a station cuts after weeks offline. */
#define SEGMENT_MAX_BYTES  (256 * 1024 * 1024)
#define SIG_MAX_BYTES      16384
#define STATUS_MAX_BYTES   (64 * 1024)
#define STATIONS_MAX_BYTES (16 * 1024 * 1024)
/* A report covers at most ten years. */
#define MAX_DAYS        3660
#define OFFLINE_AFTER_S (24 * 3600)

enum { ST_COMPLETE, ST_INTERRUPTED, ST_FAILED, ST_SKIPPED, ST_MISSED, ST_COUNT };

static const char *const status_names[ST_COUNT] = {"complete", "interrupted", "failed", "skipped",
                                                   "missed"};

/* --- stations.cfg ----------------------------------------------------------------- */

static const char *setting_file(const config_setting_t *s, const char *path)
{
	const char *f = config_setting_source_file(s);

	return f ? f : path;
}

static int string_member(const config_setting_t *g, const char *key, const char *path,
                         struct diag *d, const char **out)
{
	const config_setting_t *m = config_setting_get_member(g, key);

	*out = NULL;
	if (!m) {
		diag_add(d, setting_file(g, path), (int)config_setting_source_line(g),
		         _("station: %s missing"), key);
		return -1;
	}
	if (config_setting_type(m) != CONFIG_TYPE_STRING) {
		diag_add(d, setting_file(m, path), (int)config_setting_source_line(m),
		         _("station: %s must be a string"), key);
		return -1;
	}
	*out = config_setting_get_string(m);
	return 0;
}

static int load_station(config_setting_t *g, const char *path, struct provreport_stations *s,
                        struct diag *d)
{
	static const char *const keys[] = {"id", "name", "district", "public_key"};
	const char *id, *name, *district, *key;
	struct provreport_station *st;
	int line = (int)config_setting_source_line(g);
	const char *file = setting_file(g, path);
	size_t before = d->n;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		diag_add(d, file, line,
		         _("stations: each entry must be a group { id = ...; ... }"));
		return -1;
	}
	for (int i = 0; i < config_setting_length(g); i++) {
		config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		bool known = false;

		for (size_t k = 0; k < sizeof keys / sizeof keys[0] && !known; k++)
			known = strcmp(config_setting_name(m), keys[k]) == 0;
		if (!known)
			diag_add(d, setting_file(m, path), (int)config_setting_source_line(m),
			         _("station: unknown key %s"), config_setting_name(m));
	}
	string_member(g, "id", path, d, &id);
	string_member(g, "name", path, d, &name);
	string_member(g, "district", path, d, &district);
	string_member(g, "public_key", path, d, &key);
	if (id && !segment_valid_station(id))
		diag_add(d, file, line,
		         _("station: id \"%s\" is not a station id ([a-z0-9][a-z0-9-]*)"), id);
	for (size_t i = 0; id && i < s->n; i++)
		if (strcmp(s->v[i].id, id) == 0)
			diag_add(d, file, line, _("station: id \"%s\" is listed twice"), id);
	if (d->n > before)
		return -1;
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	st = &s->v[s->n];
	if (minisig_parse_pubkey(key, &st->pk) < 0) {
		diag_add(d, file, line, _("station %s: public_key is not a minisign public key"),
		         id);
		return -1;
	}
	st->id = xstrdup(id);
	st->name = xstrdup(name);
	st->district = xstrdup(district);
	s->n++;
	return 0;
}

int provreport_load_stations(struct provreport_stations *s, const char *path, struct diag *d)
{
	config_setting_t *list, *root;
	config_t cfg;
	size_t before = d->n;
	char *text;
	size_t len;
	int deep;

	memset(s, 0, sizeof *s);
	if (util_read_file(path, STATIONS_MAX_BYTES, &text, &len) < 0) {
		diag_add(d, path, 0, _("cannot read: %s"), util_strerror(errno));
		return -1;
	}
	config_init(&cfg);
	if (memchr(text, '\0', len)) {
		diag_add(d, path, 0, _("not a text file (contains a NUL byte)"));
	} else if ((deep = nest_too_deep(text, len, NEST_LIBCONFIG, 0, NEST_MAX)) > 0) {
		diag_add(d, path, deep, _("nesting too deep: more than %d levels of brackets"),
		         NEST_MAX);
	} else if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		diag_add(d, path, config_error_line(&cfg), "%s", config_error_text(&cfg));
	} else {
		root = config_root_setting(&cfg);
		for (int i = 0; i < config_setting_length(root); i++) {
			config_setting_t *m = config_setting_get_elem(root, (unsigned)i);

			if (strcmp(config_setting_name(m), "stations") != 0)
				diag_add(d, path, (int)config_setting_source_line(m),
				         _("unknown key %s"), config_setting_name(m));
		}
		list = config_lookup(&cfg, "stations");
		if (!list)
			diag_add(d, path, 0, _("stations missing"));
		else if (!config_setting_is_list(list) && !config_setting_is_array(list))
			diag_add(d, path, (int)config_setting_source_line(list),
			         _("stations must be a list ( { ... }, ... )"));
		else
			for (int i = 0; i < config_setting_length(list); i++)
				load_station(config_setting_get_elem(list, (unsigned)i), path, s,
				             d);
	}
	config_destroy(&cfg);
	free(text);
	if (d->n > before) {
		provreport_stations_free(s);
		return -1;
	}
	return 0;
}

void provreport_stations_free(struct provreport_stations *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].id);
		free(s->v[i].name);
		free(s->v[i].district);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* --- reading LOGDIR ------------------------------------------------------------------ */

struct names {
	char **v;
	size_t n;
};

static void names_add(struct names *l, const char *name)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(name);
}

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, size_t n, const char *suffix, size_t k)
{
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The visible sub-folders of logdir: one per station that uploaded. */
static int list_folders(const char *logdir, struct names *out)
{
	DIR *d = opendir(logdir);
	struct dirent *e;

	memset(out, 0, sizeof *out);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode))
			names_add(out, e->d_name);
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, cmp_str);
	return 0;
}

/*
 * One station folder: its segment names, parsed once and sorted by seq,
 * each knowing whether its .minisig was listed beside it, and the buffers
 * every file is read into.
 *
 * A year of one station cut every five minutes is some 5,000 segments of
 * one or two lines, so what each segment costs besides its lines counts:
 * the listing says which signatures exist (no stat), a file is read with
 * one open and one read into a buffer kept from file to file, and a
 * .minisig is opened only when its signature is checked.
 */
struct seg {
	uint64_t first, last;
	bool ok;  /* a segment name */
	bool sig; /* its .minisig is listed */
	size_t off;
	const char *name;
};

struct folder {
	int fd;
	bool noatime; /* O_NOATIME not refused yet */
	char *names;  /* every name listed, NUL-terminated, back to back */
	size_t names_len, names_cap;
	struct seg *segs, *sigs; /* sigs: parsed from the name without .minisig */
	size_t nsegs, nsigs, capsegs, capsigs;
	char *buf, *sig;
	size_t bufcap, sigcap;
};

static const char SEG_SUFFIX[] = ".jsonl";
static const char SIG_SUFFIX[] = ".minisig";
static const char SEG_SIG_SUFFIX[] = ".jsonl.minisig";

static void folder_add(struct folder *f, struct seg **v, size_t *n, size_t *cap, const char *name,
                       size_t len, size_t base_len)
{
	char base[256], station[SEGMENT_STATION_MAX + 1];
	struct seg *s;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	if (f->names_len + len + 1 > f->names_cap) {
		f->names_cap = f->names_cap ? f->names_cap * 2 : 65536;
		f->names = xreallocarray(f->names, f->names_cap, 1);
	}
	s = &(*v)[(*n)++];
	s->off = f->names_len;
	s->sig = false;
	memcpy(f->names + f->names_len, name, len + 1);
	f->names_len += len + 1;
	/* d_name holds at most 255 bytes */
	memcpy(base, name, base_len);
	base[base_len] = '\0';
	s->ok = segment_parse_name(base, station, &s->first, &s->last) == 0;
}

/* Sorted by seq (first, then last), then by name; other names last. */
static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	if (x->ok != y->ok)
		return x->ok ? -1 : 1;
	if (x->ok && x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->ok && x->last != y->last)
		return x->last < y->last ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int folder_open(struct folder *f, const char *dir)
{
	DIR *d;
	struct dirent *e;

	f->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->fd < 0)
		return -1;
	f->noatime = true;
	d = fdopendir(dup(f->fd));
	if (!d)
		return 0; /* listed as empty: a folder we cannot read holds nothing to trust */
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		if (has_suffix(e->d_name, n, SEG_SUFFIX, sizeof SEG_SUFFIX - 1))
			folder_add(f, &f->segs, &f->nsegs, &f->capsegs, e->d_name, n, n);
		else if (has_suffix(e->d_name, n, SEG_SIG_SUFFIX, sizeof SEG_SIG_SUFFIX - 1))
			folder_add(f, &f->sigs, &f->nsigs, &f->capsigs, e->d_name, n,
			           n - (sizeof SIG_SUFFIX - 1));
	}
	closedir(d);
	for (size_t i = 0; i < f->nsegs; i++)
		f->segs[i].name = f->names + f->segs[i].off;
	for (size_t i = 0; i < f->nsigs; i++)
		f->sigs[i].name = f->names + f->sigs[i].off;
	if (f->nsegs > 1)
		qsort(f->segs, f->nsegs, sizeof *f->segs, cmp_seg);
	return 0;
}

static void folder_close(struct folder *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->names);
	free(f->segs);
	free(f->sigs);
	free(f->buf);
	free(f->sig);
	memset(f, 0, sizeof *f);
	f->fd = -1;
}

/* The segment a signature file belongs to, or NULL. */
static struct seg *folder_sig_owner(struct folder *f, const struct seg *sig)
{
	size_t n = strlen(sig->name) - (sizeof SIG_SUFFIX - 1);
	char base[256];
	struct seg key = *sig;

	memcpy(base, sig->name, n);
	base[n] = '\0';
	key.name = base;
	return bsearch(&key, f->segs, f->nsegs, sizeof *f->segs, cmp_seg);
}

/* The read buffers start this large: a segment of a few lines, or a
 * signature, takes one read. */
#define READ_CHUNK 65536

static int folder_openat(struct folder *f, const char *name)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK, fd = -1;

	/* Reading must not cost an inode update per file each day; the
	 * kernel allows that only to the files' owner. */
	if (f->noatime) {
		fd = openat(f->fd, name, flags | O_NOATIME);
		if (fd >= 0 || errno != EPERM)
			return fd;
		f->noatime = false;
	}
	return openat(f->fd, name, flags);
}

/* The buffer is full after n bytes: room for the rest, if the file is
 * a regular one of at most max bytes. */
static int grow_for(int fd, size_t max, char **buf, size_t *cap, size_t n)
{
	struct stat st;
	size_t want;

	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		errno = S_ISREG(st.st_mode) ? EFBIG : UTIL_ENOTREG;
		return -1;
	}
	/* one byte more than the size, to see the end; more if it grows */
	want = (size_t)st.st_size > n ? (size_t)st.st_size + 2 : n + 2;
	if (want < *cap * 2)
		want = *cap * 2;
	if (want > max + 2)
		want = max + 2;
	*buf = xreallocarray(*buf, want, 1);
	*cap = want;
	return 0;
}

/*
 * The whole of a file of the folder into *buf (grown as needed, kept from
 * file to file), with one open and, for all but large files, one read: a
 * read from a regular file returns less than asked for only at its end
 * (POSIX), so the size is asked for only when the buffer fills. Whatever
 * the file is, no more than max bytes are read and nothing blocks; what is
 * not a regular file fails with UTIL_ENOTREG, found out by fstat only on
 * the paths a regular file rarely takes (a full buffer, nothing read, an
 * error), so that a year of segments costs no fstat each.
 */
static int folder_read(struct folder *f, const char *name, size_t max, char **buf, size_t *cap,
                       size_t *len)
{
	int fd = folder_openat(f, name), saved;
	size_t n = 0;

	if (fd < 0)
		return -1;
	if (*cap < READ_CHUNK) {
		free(*buf);
		*buf = xmalloc(READ_CHUNK);
		*cap = READ_CHUNK;
	}
	for (;;) {
		size_t room = *cap - 1 < max + 1 ? *cap - 1 : max + 1;
		ssize_t r;

		if (n == room) {
			if (n > max) {
				errno = EFBIG;
				goto fail;
			}
			if (grow_for(fd, max, buf, cap, n) < 0)
				goto fail;
			continue;
		}
		r = read(fd, *buf + n, room - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 && n == 0 && util_check_regular(fd) < 0)
			goto fail; /* an empty FIFO reads as nothing, a busy one fails */
		if (r < 0)
			goto fail;
		n += (size_t)r;
		if (r == 0 || n < room)
			break;
	}
	close(fd);
	(*buf)[n] = '\0';
	*len = n;
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* A segment into f->buf; problems go to v. 0 or -1. */
static int read_segment(struct folder *f, struct segment_verifier *v, const char *name, size_t *len)
{
	char text[512];

	if (folder_read(f, name, SEGMENT_MAX_BYTES, &f->buf, &f->bufcap, len) == 0)
		return 0;
	snprintf(text, sizeof text, _("segment %s: cannot read: %s"), name, util_strerror(errno));
	segment_verifier_problem(v, text);
	return -1;
}

/* Check the signature of the segment in f->buf. */
static void check_sig(struct folder *f, struct segment_verifier *v, const char *name, size_t len)
{
	char signame[256 + sizeof SIG_SUFFIX];
	size_t siglen = 0;

	snprintf(signame, sizeof signame, "%s%s", name, SIG_SUFFIX);
	if (folder_read(f, signame, SIG_MAX_BYTES, &f->sig, &f->sigcap, &siglen) == 0)
		segment_verify_sig(v, name, f->buf, len, f->sig, siglen);
	else if (errno == ENOENT)
		segment_verify_sig(v, name, f->buf, len, NULL, 0);
	else /* unreadable or oversized: it fails */
		segment_verify_sig(v, name, f->buf, len, "", 0);
}

/* What the walk over one station found, besides its problems. */
struct walked {
	struct segment_summary sum;
	bool folder;
	char status_updated[40]; /* status.json "updated", "" if none */
};

struct walk_ctx {
	const char *station;
	FILE *out;
	const char *prefix; /* printed before each problem line */
};

static void print_problem(void *arg, const char *text)
{
	struct walk_ctx *w = arg;

	fprintf(w->out, "%s%s: %s: %s\n", w->prefix, w->station, _("PROBLEM"), text);
}

static void read_status(const char *dir, struct walked *wk)
{
	char *path = xasprintf("%s/status.json", dir), *buf;
	const char *updated;
	struct timespec ts;
	size_t len;
	json_t *o;

	wk->status_updated[0] = '\0';
	if (util_read_file(path, STATUS_MAX_BYTES, &buf, &len) == 0) {
		o = json_loadb(buf, len, 0, NULL);
		updated = json_string_value(json_object_get(o, "updated"));
		if (updated && strlen(updated) < sizeof wk->status_updated &&
		    util_parse_time(updated, &ts) == 0)
			snprintf(wk->status_updated, sizeof wk->status_updated, "%s", updated);
		json_decref(o);
		free(buf);
	}
	free(path);
}

/* The station puts a new status.json's signature in status.json.next.minisig
 * before the file itself (upload.c), so that a round cut between the two
 * leaves a pair that verifies. 0 with the trusted comment in *tc when that
 * signature is the station's over buf. */
static int status_next_sig(const char *dir, const struct minisig_pubkey *pk, const char *buf,
                           size_t len, char **tc)
{
	char *path = xasprintf("%s/status.json.next.minisig", dir), *sig = NULL;
	const char *why;
	size_t siglen;
	int r = -1;

	if (util_read_file(path, SIG_MAX_BYTES, &sig, &siglen) == 0)
		r = minisig_verify(pk, buf, len, sig, siglen, tc, &why);
	free(sig);
	free(path);
	return r;
}

/*
 * status.json, signed by the station like its segments, says what the
 * station delivered: every line up to log_delivered_seq, the last with
 * the chain hash log_delivered_sha256. The verifier holds the segments to
 * it (segment_verifier_tail), so that the newest segment cannot be deleted
 * unseen. Problems with status.json itself go to v.
 */
static void check_status(const char *dir, const struct minisig_pubkey *pk, const struct folder *f,
                         struct segment_verifier *v)
{
	char *path = xasprintf("%s/status.json", dir), *sigpath = xasprintf("%s.minisig", path);
	char *buf = NULL, *sig = NULL, *tc = NULL, text[512];
	const char *why = NULL, *file, *hash, *when;
	size_t len, siglen;
	json_t *o = NULL, *seq;

	if (util_read_file(path, STATUS_MAX_BYTES, &buf, &len) < 0) {
		if (errno != ENOENT)
			snprintf(text, sizeof text, _("status.json: cannot read: %s"),
			         util_strerror(errno));
		else if (f->nsegs > 0)
			snprintf(text, sizeof text,
			         _("status.json is missing: whether the newest segments were "
			           "deleted cannot be told"));
		else
			goto out;
		segment_verifier_problem(v, text);
		goto out;
	}
	if (util_read_file(sigpath, SIG_MAX_BYTES, &sig, &siglen) < 0) {
		int e = errno;

		if (e != ENOENT || status_next_sig(dir, pk, buf, len, &tc) < 0) {
			snprintf(text, sizeof text, _("status.json: no signature (%s)"),
			         e == ENOENT ? _("status.json.minisig is missing")
			                     : util_strerror(e));
			segment_verifier_problem(v, text);
			goto out;
		}
	} else if (minisig_verify(pk, buf, len, sig, siglen, &tc, &why) < 0 &&
	           status_next_sig(dir, pk, buf, len, &tc) < 0) {
		snprintf(text, sizeof text,
		         _("status.json: the signature is not the station's (%s)"), _(why));
		segment_verifier_problem(v, text);
		goto out;
	}
	file = strstr(tc, "file:");
	if (!file || strncmp(file + 5, "status.json", 11) != 0 ||
	    (file[16] && file[16] != ' ' && file[16] != '\t')) {
		snprintf(text, sizeof text,
		         _("status.json: the signature was made for another file"));
		segment_verifier_problem(v, text);
		goto out;
	}
	o = json_loadb(buf, len, 0, NULL);
	seq = json_object_get(o, "log_delivered_seq");
	hash = json_string_value(json_object_get(o, "log_delivered_sha256"));
	when = json_string_value(json_object_get(o, "updated"));
	if (!json_is_integer(seq) || json_integer_value(seq) < 0 ||
	    (hash && !util_is_sha256_hex(hash))) {
		snprintf(text, sizeof text,
		         _("status.json does not say what the station delivered "
		           "(log_delivered_seq, log_delivered_sha256)"));
		segment_verifier_problem(v, text);
		goto out;
	}
	segment_verifier_delivered(v, (uint64_t)json_integer_value(seq), hash, when);
out:
	json_decref(o);
	free(tc);
	free(sig);
	free(buf);
	free(sigpath);
	free(path);
}

/* A folder of a station nobody registered: one problem that says what
 * it holds. */
static void unknown_station(const struct folder *f, const char *station, struct walk_ctx *w,
                            struct walked *wk)
{
	char text[512], count[64];
	size_t ok = 0;

	while (ok < f->nsegs && f->segs[ok].ok)
		ok++;
	if (ok) {
		snprintf(count, sizeof count, ngettext("%zu segment", "%zu segments", f->nsegs),
		         f->nsegs);
		snprintf(text, sizeof text,
		         _("station %s is not in the stations file: %s, seq %" PRIu64 "-%" PRIu64
		           " (segment %s onwards)"),
		         station, count, f->segs[0].first, f->segs[ok - 1].last, f->segs[0].name);
	} else {
		snprintf(text, sizeof text, _("station %s is not in the stations file"), station);
	}
	print_problem(w, text);
	wk->sum.problems = 1;
	wk->sum.segments = f->nsegs;
}

/*
 * Verify one station folder (pk NULL: a station nobody registered), calling
 * each_line for every line that parsed. Problems go through w.
 */
static void walk_station(const char *logdir, const char *station, const struct minisig_pubkey *pk,
                         bool all_sigs, struct walk_ctx *w, segment_line_fn each_line,
                         void *line_ctx, struct walked *wk)
{
	char *dir = xasprintf("%s/%s", logdir, station);
	struct folder f = {.fd = -1};
	struct segment_verifier *v;
	const char *owed;
	size_t len;

	memset(wk, 0, sizeof *wk);
	if (folder_open(&f, dir) < 0) {
		free(dir);
		return;
	}
	wk->folder = true;
	read_status(dir, wk);
	if (!pk) {
		unknown_station(&f, station, w, wk);
		folder_close(&f);
		free(dir);
		return;
	}

	v = segment_verifier_new(station, pk, print_problem, w);
	segment_verifier_set_sigs(v, all_sigs ? SEGMENT_SIGS_ALL : SEGMENT_SIGS_CHAIN);
	check_status(dir, pk, &f, v);
	free(dir);
	/* A signature whose segment is gone: the segment was removed. */
	for (size_t i = 0; i < f.nsigs; i++) {
		const struct seg *sig = &f.sigs[i];
		struct seg *owner = folder_sig_owner(&f, sig);
		char text[512];

		if (owner) {
			owner->sig = true;
			continue;
		}
		if (sig->ok)
			snprintf(text, sizeof text,
			         _("segment %.*s seq %" PRIu64 "-%" PRIu64
			           ": missing (only its signature is here)"),
			         (int)(strlen(sig->name) - (sizeof SIG_SUFFIX - 1)), sig->name,
			         sig->first, sig->last);
		else
			snprintf(text, sizeof text, _("%s: a signature without its file"),
			         sig->name);
		segment_verifier_problem(v, text);
	}
	for (size_t i = 0; i < f.nsegs; i++) {
		const struct seg *s = &f.segs[i];

		if (read_segment(&f, v, s->name, &len) < 0)
			continue;
		if (segment_verify_lines(v, s->name, f.buf, len, s->sig, each_line, line_ctx))
			check_sig(&f, v, s->name, len);
	}
	/* The signatures the chain does not vouch for (SEGMENT_SIGS_CHAIN). */
	while ((owed = segment_verifier_owed(v))) {
		if (read_segment(&f, v, owed, &len) == 0)
			check_sig(&f, v, owed, len);
	}
	segment_verifier_tail(v);
	segment_verifier_summary(v, &wk->sum);
	segment_verifier_free(v);
	folder_close(&f);
}

/* Stations to look at: the registered ones in the file's order, then
 * folders of stations nobody registered. */
static const struct provreport_station *find_station(const struct provreport_stations *s,
                                                     const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].id, id) == 0)
			return &s->v[i];
	return NULL;
}

/* --- verify ---------------------------------------------------------------------------- */

static void print_verdict(FILE *out, const char *id, const struct walked *wk)
{
	const struct segment_summary *s = &wk->sum;
	char segs[64], span[128] = "", problems[64];

	if (!wk->folder || (s->segments == 0 && s->problems == 0)) {
		fprintf(out, _("%s: no logs received\n"), id);
		return;
	}
	snprintf(segs, sizeof segs, ngettext("%zu segment", "%zu segments", s->segments),
	         s->segments);
	if (s->lines > 0)
		snprintf(span, sizeof span, ", seq %" PRIu64 "-%" PRIu64 ", %s..%s", s->first_seq,
		         s->last_seq, s->first_date, s->last_date);
	if (s->problems == 0) {
		fprintf(out, _("%s: OK, %s%s\n"), id, segs, span);
		return;
	}
	snprintf(problems, sizeof problems, ngettext("%zu problem", "%zu problems", s->problems),
	         s->problems);
	fprintf(out, _("%s: FAILED, %s; %s%s\n"), id, problems, segs, span);
}

int provreport_verify(const struct provreport_stations *s, const char *logdir, bool all_signatures,
                      FILE *out)
{
	struct names folders;
	int failed = 0;

	if (list_folders(logdir, &folders) < 0) {
		log_warn(_("cannot read the log folder %s"), logdir);
		return -1;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct walk_ctx w = {s->v[i].id, out, ""};
		struct walked wk;

		walk_station(logdir, s->v[i].id, &s->v[i].pk, all_signatures, &w, NULL, NULL, &wk);
		print_verdict(out, s->v[i].id, &wk);
		failed += wk.sum.problems > 0;
	}
	for (size_t i = 0; i < folders.n; i++) {
		struct walk_ctx w = {folders.v[i], out, ""};
		struct walked wk;

		if (find_station(s, folders.v[i]))
			continue;
		walk_station(logdir, folders.v[i], NULL, all_signatures, &w, NULL, NULL, &wk);
		failed++;
	}
	names_free(&folders);
	return failed;
}

/* --- report: gathering ---------------------------------------------------------------------- */

struct item {
	float start, end; /* seconds of the day; end < 0: no times (a mark at start) */
	unsigned char status;
	unsigned label; /* index into the report's labels */
};

struct day {
	unsigned count[ST_COUNT];
	double played_s;
	double relayed_s;                   /* of played_s: a relayed stream's audio */
	char first_start[13], last_end[13]; /* "HH:MM:SS.mmm" */
	struct item *items;
	size_t nitems;
};

/* A priority programme as one station logged it. */
struct prio_seen {
	unsigned label;
	bool emergency;
	unsigned count[ST_COUNT];
	char first_aired[32];
	char *reason; /* of the first line that was not complete */
};

/* A disaster alert (or its refusal, or a Cancel) as one station logged it. */
struct alert_seen {
	char *identifier; /* NULL: a refusal of the whole alert index */
	char *sender;
	char *msg_type;
	char *severity;
	int level;
	int repeats;
	unsigned aired, not_aired, refused;
	char first_aired[40];
	char *note; /* the first reason of a line not complete */
};

struct rstation {
	const struct provreport_station *st;
	struct walked wk;
	struct day *days;
	struct prio_seen *prios;
	size_t nprios;
	struct alert_seen *alerts;
	size_t nalerts;
	bool any_play, offline, verified;
	char last_seen[40];
};

/* Programme names, each kept once; items refer to them by index. */
struct labels {
	char **v;
	size_t n;
	unsigned *slots; /* open addressing: index + 1, 0 = free */
	size_t nslots;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static void labels_grow(struct labels *l)
{
	size_t n = l->nslots ? l->nslots * 2 : 256;

	free(l->slots);
	l->slots = xcalloc(n, sizeof *l->slots);
	l->nslots = n;
	for (size_t i = 0; i < l->n; i++) {
		size_t k = hash_str(l->v[i]) & (n - 1);

		while (l->slots[k])
			k = (k + 1) & (n - 1);
		l->slots[k] = (unsigned)i + 1;
	}
}

static unsigned label_of(struct labels *l, const char *s)
{
	size_t k;

	if ((l->n + 1) * 2 > l->nslots)
		labels_grow(l);
	for (k = hash_str(s) & (l->nslots - 1); l->slots[k]; k = (k + 1) & (l->nslots - 1))
		if (strcmp(l->v[l->slots[k] - 1], s) == 0)
			return l->slots[k] - 1;
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n] = xstrdup(s);
	l->slots[k] = (unsigned)l->n + 1;
	return (unsigned)l->n++;
}

struct report {
	const struct provreport_opts *o;
	int64_t ndays;
	struct labels labels;
	struct rstation *stations;
	size_t nstations;
	/* priority programmes logged by any station: labels, class */
	unsigned *prio_labels;
	bool *prio_emergency;
	size_t nprio;
	size_t nalert_lines; /* alert lines in the period, all stations */
	struct rstation *cur;
};

static int status_index(const struct segment_val *v)
{
	for (int i = 0; i < ST_COUNT; i++)
		if (v->len == strlen(status_names[i]) && memcmp(v->p, status_names[i], v->len) == 0)
			return i;
	return -1;
}

/* "...THH:MM:SS.fff..." of a time value: seconds of the day. */
static double clock_of(const struct segment_val *v)
{
	const char *s = v->p;
	double sec;

	if (!v->present || v->null || v->len < 19)
		return -1;
	sec = ((s[11] - '0') * 10 + (s[12] - '0')) * 3600.0 +
	      ((s[14] - '0') * 10 + (s[15] - '0')) * 60.0 + ((s[17] - '0') * 10 + (s[18] - '0'));
	if (v->len > 20 && s[19] == '.') {
		double scale = 0.1;

		for (size_t i = 20; i < v->len && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
			sec += (s[i] - '0') * scale;
	}
	return sec;
}

/* "HH:MM:SS" and up to three decimals of a time value. */
static void copy_clock(char out[13], const struct segment_val *v)
{
	size_t n = 8;

	if (v->len > 20 && v->p[19] == '.')
		for (n = 9; n < 12 && v->p[11 + n] >= '0' && v->p[11 + n] <= '9'; n++)
			;
	if (n == 9)
		n = 8;
	memcpy(out, v->p + 11, n);
	out[n] = '\0';
}

static struct prio_seen *prio_of(struct report *r, struct rstation *rs, unsigned label,
                                 bool emergency)
{
	size_t i;

	for (i = 0; i < rs->nprios; i++)
		if (rs->prios[i].label == label)
			return &rs->prios[i];
	rs->prios = xreallocarray(rs->prios, rs->nprios + 1, sizeof *rs->prios);
	memset(&rs->prios[rs->nprios], 0, sizeof *rs->prios);
	rs->prios[rs->nprios].label = label;
	rs->prios[rs->nprios].emergency = emergency;
	for (i = 0; i < r->nprio; i++)
		if (r->prio_labels[i] == label)
			break;
	if (i == r->nprio) {
		r->prio_labels =
		    xreallocarray(r->prio_labels, r->nprio + 1, sizeof *r->prio_labels);
		r->prio_emergency =
		    xreallocarray(r->prio_emergency, r->nprio + 1, sizeof *r->prio_emergency);
		r->prio_labels[r->nprio] = label;
		r->prio_emergency[r->nprio++] = emergency;
	} else if (emergency) {
		r->prio_emergency[i] = true;
	}
	return &rs->prios[rs->nprios++];
}

static char *val_dup(const struct segment_val *v)
{
	char buf[512];

	if (!v->present || v->null)
		return NULL;
	return xstrdup(segment_val_str(v, buf, sizeof buf));
}

static bool same_val(const struct segment_val *v, const char *s)
{
	char buf[512];

	if (!v->present || v->null)
		return s == NULL;
	return s && strcmp(segment_val_str(v, buf, sizeof buf), s) == 0;
}

/* An alert line: counted under its message (identifier and sender). */
static void gather_alert(struct report *r, struct rstation *rs, const struct segment_line *l)
{
	const char *date = segment_line_date(l);
	struct alert_seen *a = NULL;
	char d[11], buf[512];
	int64_t day;

	if (!date)
		return;
	memcpy(d, date, 10);
	d[10] = '\0';
	if (sched_parse_date(d, &day) < 0 || day < r->o->from_day || day > r->o->to_day)
		return;
	r->nalert_lines++;
	for (size_t i = 0; i < rs->nalerts && !a; i++)
		if (same_val(&l->identifier, rs->alerts[i].identifier) &&
		    same_val(&l->sender, rs->alerts[i].sender))
			a = &rs->alerts[i];
	if (!a) {
		rs->alerts = xreallocarray(rs->alerts, rs->nalerts + 1, sizeof *rs->alerts);
		a = &rs->alerts[rs->nalerts++];
		memset(a, 0, sizeof *a);
		a->identifier = val_dup(&l->identifier);
		a->sender = val_dup(&l->sender);
	}
	if (!a->msg_type)
		a->msg_type = val_dup(&l->msg_type);
	if (!a->severity)
		a->severity = val_dup(&l->severity);
	if (!a->level)
		a->level = (int)segment_val_num(&l->level, 0);
	if (!a->repeats)
		a->repeats = (int)segment_val_num(&l->repeats, 0);
	segment_val_str(&l->status, buf, sizeof buf);
	if (strcmp(buf, "complete") == 0) {
		a->aired++;
		if (!a->first_aired[0] && l->start.present && !l->start.null &&
		    l->start.len < sizeof a->first_aired)
			memcpy(a->first_aired, l->start.p, l->start.len);
	} else if (strcmp(buf, "refused") == 0) {
		a->refused++;
	} else if (strcmp(buf, "accepted") != 0) {
		a->not_aired++;
	}
	if (strcmp(buf, "complete") != 0 && !a->note) {
		char why[400];

		segment_val_str(&l->reason, why, sizeof why);
		a->note = xasprintf("%s%s%s", buf, why[0] ? ": " : "", why);
	}
}

static bool val_present(const struct segment_val *v)
{
	return v->present && !v->null;
}

static void gather_line(void *arg, const struct segment_line *l)
{
	struct report *r = arg;
	struct rstation *rs = r->cur;
	const char *date = segment_line_date(l);
	char name[512];
	int64_t day;
	struct day *dd;
	struct item *it;
	int st;
	char d[11];

	if (l->type == AIRLOG_ALERT) {
		gather_alert(r, rs, l);
		return;
	}
	if (l->type != AIRLOG_PLAY || !date)
		return;
	memcpy(d, date, 10);
	d[10] = '\0';
	if (sched_parse_date(d, &day) < 0 || day < r->o->from_day || day > r->o->to_day)
		return;
	st = status_index(&l->status);
	if (st < 0)
		return;
	dd = &rs->days[day - r->o->from_day];
	rs->any_play = true;
	dd->count[st]++;
	if (l->start.present && !l->start.null) {
		double played = segment_val_num(&l->played_s, 0);

		double relayed = segment_val_num(&l->relayed_s, 0);

		if (isfinite(played) && played > 0 && played < 86400 * 2)
			dd->played_s += played;
		if (isfinite(relayed) && relayed > 0 && relayed <= played && relayed < 86400 * 2)
			dd->relayed_s += relayed;
		if (!dd->first_start[0])
			copy_clock(dd->first_start, &l->start);
	}
	if (l->end.present && !l->end.null && l->end.len >= 19 && memcmp(l->end.p, date, 10) == 0) {
		char c[13];

		copy_clock(c, &l->end);
		if (strcmp(c, dd->last_end) > 0)
			snprintf(dd->last_end, sizeof dd->last_end, "%s", c);
	}

	if (l->programme.present && !l->programme.null)
		segment_val_str(&l->programme, name, sizeof name);
	else if (val_present(&l->file))
		segment_val_str(&l->file, name, sizeof name);
	else
		segment_val_str(&l->relay, name, sizeof name);
	dd->items = xreallocarray(dd->items, dd->nitems + 1, sizeof *dd->items);
	it = &dd->items[dd->nitems++];
	it->status = (unsigned char)st;
	it->label = label_of(&r->labels, name);
	if (l->start.present && !l->start.null) {
		double a = clock_of(&l->start), b = clock_of(&l->end);

		/* An item that ran past midnight is drawn to 24:00. */
		if (b < a || !l->end.present || l->end.null || memcmp(l->end.p, date, 10) != 0)
			b = 86400;
		it->start = (float)a;
		it->end = (float)b;
	} else {
		it->start = (float)clock_of(&l->scheduled);
		it->end = -1;
	}

	if (l->programme.present && !l->programme.null && l->priority.present &&
	    !l->priority.null &&
	    ((l->priority.len == 8 && memcmp(l->priority.p, "priority", 8) == 0) ||
	     (l->priority.len == 9 && memcmp(l->priority.p, "emergency", 9) == 0))) {
		bool emergency = l->priority.p[0] == 'e';
		struct prio_seen *p = prio_of(r, rs, it->label, emergency);

		p->count[st]++;
		if (st == ST_COMPLETE && !p->first_aired[0] && l->start.len < sizeof p->first_aired)
			memcpy(p->first_aired, l->start.p, l->start.len);
		if (st != ST_COMPLETE && !p->reason) {
			char why[256];

			segment_val_str(&l->reason, why, sizeof why);
			p->reason = xasprintf("%s%s%s", status_names[st], why[0] ? ": " : "", why);
		}
	}
}

static time_t end_of_day(int64_t day)
{
	int y, m, d;
	struct tm tm = {0};

	sched_civil_from_days(day + 1, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static void judge_offline(const struct report *r, struct rstation *rs)
{
	time_t ref = end_of_day(r->o->to_day);
	struct timespec a = {0}, b = {0};

	if (r->o->now && r->o->now < ref)
		ref = r->o->now;
	if (rs->wk.sum.last_time[0])
		util_parse_time(rs->wk.sum.last_time, &a);
	if (rs->wk.status_updated[0])
		util_parse_time(rs->wk.status_updated, &b);
	if (b.tv_sec > a.tv_sec) {
		a = b;
		snprintf(rs->last_seen, sizeof rs->last_seen, "%s", rs->wk.status_updated);
	} else {
		snprintf(rs->last_seen, sizeof rs->last_seen, "%s", rs->wk.sum.last_time);
	}
	rs->offline = a.tv_sec == 0 || a.tv_sec < ref - OFFLINE_AFTER_S;
}

static void report_free(struct report *r)
{
	for (size_t i = 0; i < r->nstations; i++) {
		struct rstation *rs = &r->stations[i];

		for (int64_t d = 0; rs->days && d < r->ndays; d++)
			free(rs->days[d].items);
		free(rs->days);
		for (size_t k = 0; k < rs->nprios; k++)
			free(rs->prios[k].reason);
		free(rs->prios);
		for (size_t k = 0; k < rs->nalerts; k++) {
			free(rs->alerts[k].identifier);
			free(rs->alerts[k].sender);
			free(rs->alerts[k].msg_type);
			free(rs->alerts[k].severity);
			free(rs->alerts[k].note);
		}
		free(rs->alerts);
	}
	free(r->stations);
	for (size_t i = 0; i < r->labels.n; i++)
		free(r->labels.v[i]);
	free(r->labels.v);
	free(r->labels.slots);
	free(r->prio_labels);
	free(r->prio_emergency);
}

/* --- report: CSV ----------------------------------------------------------------------------- */

/* One CSV cell (RFC 4180). Text that a spreadsheet would take for a
 * formula gets a leading apostrophe: programme names come from stations. */
static void csv_cell(FILE *f, const char *s, bool last)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';

	if (quote || formula) {
		fputc('"', f);
		if (formula)
			fputc('\'', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

/* The disaster alerts each station logged: one row per station and
 * message (a refusal of the whole index has no identifier). */
static void write_alerts_csv(const struct report *r, FILE *f)
{
	fprintf(f, "station,name,district,alert,sender,msg_type,severity,level,repeats,aired,"
	           "not_aired,refused,first_aired,note\n");
	for (size_t i = 0; i < r->nstations; i++) {
		const struct rstation *rs = &r->stations[i];

		for (size_t k = 0; k < rs->nalerts; k++) {
			const struct alert_seen *a = &rs->alerts[k];
			char num[16];

			csv_cell(f, rs->st->id, false);
			csv_cell(f, rs->st->name, false);
			csv_cell(f, rs->st->district, false);
			csv_cell(f, a->identifier ? a->identifier : "", false);
			csv_cell(f, a->sender ? a->sender : "", false);
			csv_cell(f, a->msg_type ? a->msg_type : "", false);
			csv_cell(f, a->severity ? a->severity : "", false);
			snprintf(num, sizeof num, "%d", a->level);
			csv_cell(f, a->level ? num : "", false);
			snprintf(num, sizeof num, "%d", a->repeats);
			csv_cell(f, a->repeats ? num : "", false);
			fprintf(f, "%u,%u,%u,", a->aired, a->not_aired, a->refused);
			csv_cell(f, a->first_aired, false);
			csv_cell(f, a->note ? a->note : "", true);
		}
	}
}

static void write_csv(const struct report *r)
{
	FILE *f = r->o->out, *pf = r->o->priority_out ? r->o->priority_out : r->o->out;

	fprintf(f, "station,name,district,date,verified,items,complete,interrupted,failed,"
	           "skipped,missed,minutes_on_air,first_start,last_end,silent,offline,"
	           "last_seen,minutes_relayed\n");
	for (size_t i = 0; i < r->nstations; i++) {
		const struct rstation *rs = &r->stations[i];

		for (int64_t d = 0; d < r->ndays; d++) {
			const struct day *dd = &rs->days[d];
			unsigned items = 0;
			char date[11], num[32];

			for (int k = 0; k < ST_COUNT; k++)
				items += dd->count[k];
			sched_format_date(r->o->from_day + d, date, sizeof date);
			csv_cell(f, rs->st->id, false);
			csv_cell(f, rs->st->name, false);
			csv_cell(f, rs->st->district, false);
			csv_cell(f, date, false);
			csv_cell(f, yes(rs->verified), false);
			fprintf(f, "%u,", items);
			for (int k = 0; k < ST_COUNT; k++)
				fprintf(f, "%u,", dd->count[k]);
			snprintf(num, sizeof num, "%.1f", dd->played_s / 60.0);
			csv_cell(f, num, false);
			csv_cell(f, dd->first_start, false);
			csv_cell(f, dd->last_end, false);
			csv_cell(f, yes(!rs->any_play), false);
			csv_cell(f, yes(rs->offline), false);
			csv_cell(f, rs->last_seen, false);
			snprintf(num, sizeof num, "%.1f", dd->relayed_s / 60.0);
			csv_cell(f, num, true);
		}
	}
	if (pf == f)
		fputc('\n', f);
	fprintf(pf, "station,name,district,programme,class,aired,complete,not_complete,"
	            "first_aired,note\n");
	for (size_t i = 0; i < r->nstations; i++) {
		const struct rstation *rs = &r->stations[i];

		for (size_t p = 0; p < r->nprio; p++) {
			const struct prio_seen *seen = NULL;
			unsigned other = 0;

			for (size_t k = 0; k < rs->nprios; k++)
				if (rs->prios[k].label == r->prio_labels[p])
					seen = &rs->prios[k];
			for (int k = 1; seen && k < ST_COUNT; k++)
				other += seen->count[k];
			csv_cell(pf, rs->st->id, false);
			csv_cell(pf, rs->st->name, false);
			csv_cell(pf, rs->st->district, false);
			csv_cell(pf, r->labels.v[r->prio_labels[p]], false);
			csv_cell(pf, r->prio_emergency[p] ? "emergency" : "priority", false);
			csv_cell(pf, yes(seen && seen->count[ST_COMPLETE] > 0), false);
			fprintf(pf, "%u,%u,", seen ? seen->count[ST_COMPLETE] : 0, other);
			csv_cell(pf, seen ? seen->first_aired : "", false);
			csv_cell(pf, !seen ? "not logged" : seen->reason ? seen->reason : "", true);
		}
	}
	/* to its own file, or after the others when any alert was logged */
	if (r->o->alerts_out) {
		write_alerts_csv(r, r->o->alerts_out);
	} else if (r->nalert_lines) {
		fputc('\n', pf);
		write_alerts_csv(r, pf);
	}
}

/* --- report: HTML ----------------------------------------------------------------------------- */

static void html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void hms(double s, char buf[16])
{
	long t = s < 0 ? 0 : (long)s;

	snprintf(buf, 16, "%02ld:%02ld:%02ld", t / 3600 % 100, t / 60 % 60, t % 60);
}

static const char *const status_colours[ST_COUNT] = {"#2e7d32", "#f9a825", "#c62828", "#9e9e9e",
                                                     "#6a1b9a"};

#define TL_LABEL 92
#define TL_WIDTH 864 /* 36 px an hour */
#define TL_ROW   16

static void html_timeline(FILE *f, const struct report *r, const struct rstation *rs)
{
	int height = (int)r->ndays * TL_ROW + 18;

	fprintf(f,
	        "<svg class=\"tl\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	        "role=\"img\">\n",
	        TL_LABEL + TL_WIDTH + 32, height, TL_LABEL + TL_WIDTH + 32, height);
	for (int h = 0; h <= 24; h += 3) {
		int x = TL_LABEL + h * TL_WIDTH / 24;

		fprintf(f, "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>", x, x,
		        height - 14);
		fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"hour\">%02d:00</text>\n", x, height - 3,
		        h);
	}
	for (int64_t d = 0; d < r->ndays; d++) {
		const struct day *dd = &rs->days[d];
		int y = (int)d * TL_ROW;
		char date[11];

		sched_format_date(r->o->from_day + d, date, sizeof date);
		fprintf(f, "<text x=\"0\" y=\"%d\" class=\"day\">%s</text>", y + 12, date);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"lane\"/>\n",
		        TL_LABEL, y + 2, TL_WIDTH, TL_ROW - 4);
		for (size_t i = 0; i < dd->nitems; i++) {
			const struct item *it = &dd->items[i];
			double x = TL_LABEL + it->start / 86400.0 * TL_WIDTH, w;
			char a[16], b[16];

			if (it->start < 0)
				continue;
			w = it->end < 0 ? 2 : (it->end - it->start) / 86400.0 * TL_WIDTH;
			if (w < 1)
				w = 1;
			hms(it->start, a);
			hms(it->end, b);
			fprintf(f,
			        "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
			        "fill=\"%s\"%s><title>",
			        x, y + 2, w, TL_ROW - 4, status_colours[it->status],
			        it->end < 0 ? " opacity=\"0.6\"" : "");
			if (it->end < 0)
				fprintf(f, "%s ", a);
			else
				fprintf(f, "%s–%s ", a, b);
			html(f, r->labels.v[it->label]);
			fprintf(f, " (%s)</title></rect>\n", status_names[it->status]);
		}
	}
	fprintf(f, "</svg>\n");
}

static void write_alerts_html(const struct report *r, FILE *f)
{
	fprintf(f, "<h2>%s</h2>\n", _("Disaster alerts"));
	if (!r->nalert_lines) {
		fprintf(f, "<p>%s</p>\n", _("No disaster alert in the period."));
		return;
	}
	fprintf(f,
	        "<table>\n<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
	        "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
	        _("Station"), _("Alert"), _("Sender"), _("Type"), _("Severity (level)"), _("Aired"),
	        _("Not aired"), _("Refused"), _("First aired"), _("Note"));
	for (size_t i = 0; i < r->nstations; i++) {
		const struct rstation *rs = &r->stations[i];

		for (size_t k = 0; k < rs->nalerts; k++) {
			const struct alert_seen *a = &rs->alerts[k];

			fprintf(f, "<tr%s><td>",
			        a->refused || a->not_aired ? " class=\"bad\"" : "");
			html(f, rs->st->name);
			fprintf(f, " (%s)</td><td>", rs->st->id);
			html(f, a->identifier ? a->identifier : "–");
			fprintf(f, "</td><td>");
			html(f, a->sender ? a->sender : "–");
			fprintf(f, "</td><td>");
			html(f, a->msg_type ? a->msg_type : "–");
			fprintf(f, "</td><td>");
			html(f, a->severity ? a->severity : "–");
			if (a->level)
				fprintf(f, " (%d)", a->level);
			fprintf(f, "</td><td class=\"n\">%u", a->aired);
			if (a->repeats)
				fprintf(f, " / %d", a->repeats);
			fprintf(f, "</td><td class=\"n\">%u</td><td class=\"n\">%u</td><td>",
			        a->not_aired, a->refused);
			html(f, a->first_aired);
			fprintf(f, "</td><td>");
			html(f, a->note ? a->note : "");
			fprintf(f, "</td></tr>\n");
		}
	}
	fprintf(f, "</table>\n");
}

static void write_html(const struct report *r)
{
	FILE *f = r->o->out;
	char from[11], to[11], now[40];
	size_t silent = 0, offline = 0, unverified = 0;

	sched_format_date(r->o->from_day, from, sizeof from);
	sched_format_date(r->o->to_day, to, sizeof to);
	util_format_time(now, sizeof now, (struct timespec){r->o->now ? r->o->now : time(NULL), 0},
	                 false);
	fprintf(f,
	        "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<title>%s %s – %s</title>\n<style>\n"
	        "body{font-family:sans-serif;margin:1.5em;color:#212121}\n"
	        "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
	        "th,td{border:1px solid #bdbdbd;padding:.2em .5em;text-align:left}\n"
	        "td.n{text-align:right}\n"
	        "tr.bad td{background:#ffebee}\n"
	        ".tag{display:inline-block;padding:0 .4em;border-radius:.3em;color:#fff;"
	        "font-size:.85em}\n"
	        ".silent{background:#616161}.offline{background:#c62828}"
	        ".unverified{background:#ef6c00}.ok{background:#2e7d32}\n"
	        "svg.tl{display:block;margin-bottom:1em}\n"
	        "svg.tl .lane{fill:#f5f5f5}svg.tl .grid{stroke:#e0e0e0}\n"
	        "svg.tl text{font-size:10px;fill:#616161}\n"
	        ".legend span{display:inline-block;width:1em;height:.8em;margin:0 .3em 0 1em}\n"
	        "</style>\n</head>\n<body>\n",
	        _("Airtime report"), from, to);
	fprintf(f, "<h1>%s</h1>\n<p>%s %s – %s. %s %s.</p>\n", _("Airtime report"), _("Period:"),
	        from, to, _("Made"), now);

	for (size_t i = 0; i < r->nstations; i++) {
		silent += !r->stations[i].any_play;
		offline += r->stations[i].offline;
		unverified += !r->stations[i].verified;
	}
	if (unverified)
		fprintf(f, "<p><span class=\"tag unverified\">%s</span> %zu %s</p>\n",
		        _("unverified"), unverified,
		        _("stations failed verification: their logs may be incomplete or altered "
		          "(see loaxa-province verify)."));

	fprintf(f,
	        "<h2>%s</h2>\n<table>\n<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
	        "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
	        "<th>%s</th><th>%s</th><th>%s</th></tr>\n",
	        _("Summary"), _("Station"), _("District"), _("Days on air"), _("Items"),
	        _("Complete"), _("Interrupted"), _("Failed"), _("Skipped"), _("Missed"),
	        _("Minutes on air"), _("State"), _("Last seen"), _("Minutes relayed"));
	for (size_t i = 0; i < r->nstations; i++) {
		const struct rstation *rs = &r->stations[i];
		unsigned count[ST_COUNT] = {0}, items = 0, days_on = 0;
		double played = 0, relayed = 0;
		bool bad = !rs->verified || rs->offline || !rs->any_play;

		for (int64_t d = 0; d < r->ndays; d++) {
			for (int k = 0; k < ST_COUNT; k++) {
				count[k] += rs->days[d].count[k];
				items += rs->days[d].count[k];
			}
			days_on += rs->days[d].count[ST_COMPLETE] > 0;
			played += rs->days[d].played_s;
			relayed += rs->days[d].relayed_s;
		}
		fprintf(f, "<tr%s><td><a href=\"#st-%s\">", bad ? " class=\"bad\"" : "",
		        rs->st->id);
		html(f, rs->st->name);
		fprintf(f, "</a> (%s)</td><td>", rs->st->id);
		html(f, rs->st->district);
		fprintf(f, "</td><td class=\"n\">%u</td><td class=\"n\">%u</td>", days_on, items);
		for (int k = 0; k < ST_COUNT; k++)
			fprintf(f, "<td class=\"n\">%u</td>", count[k]);
		fprintf(f, "<td class=\"n\">%.1f</td><td>", played / 60.0);
		if (!rs->verified)
			fprintf(f, "<span class=\"tag unverified\">%s</span> ", _("unverified"));
		if (!rs->any_play)
			fprintf(f, "<span class=\"tag silent\">%s</span> ", _("silent"));
		if (rs->offline)
			fprintf(f, "<span class=\"tag offline\">%s</span> ", _("offline"));
		if (!bad)
			fprintf(f, "<span class=\"tag ok\">%s</span>", _("OK"));
		fprintf(f, "</td><td>");
		html(f, rs->last_seen[0] ? rs->last_seen : _("never"));
		fprintf(f, "</td><td class=\"n\">%.1f</td></tr>\n", relayed / 60.0);
	}
	fprintf(f, "</table>\n");

	fprintf(f, "<h2>%s</h2>\n", _("Silent and offline stations"));
	if (!silent && !offline)
		fprintf(f, "<p>%s</p>\n",
		        _("None: every station aired something and was heard "
		          "from in the last 24 hours of the period."));
	else {
		fprintf(f, "<ul>\n");
		for (size_t i = 0; i < r->nstations; i++) {
			const struct rstation *rs = &r->stations[i];

			if (rs->any_play && !rs->offline)
				continue;
			fprintf(f, "<li>");
			html(f, rs->st->name);
			fprintf(f, " (%s): ", rs->st->id);
			if (!rs->any_play)
				fprintf(f, "<span class=\"tag silent\">%s</span> %s ", _("silent"),
				        _("no play line in the period;"));
			if (rs->offline) {
				fprintf(f, "<span class=\"tag offline\">%s</span> %s ",
				        _("offline"), _("last heard from"));
				html(f, rs->last_seen[0] ? rs->last_seen : _("never"));
			}
			fprintf(f, "</li>\n");
		}
		fprintf(f, "</ul>\n");
	}

	fprintf(f, "<h2>%s</h2>\n", _("Priority programmes"));
	if (r->nprio == 0)
		fprintf(f, "<p>%s</p>\n", _("No priority or emergency programme in the period."));
	else
		fprintf(f, "<table>\n<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
		        _("Programme"), _("Class"), _("Aired by"), _("Not aired by"));
	for (size_t p = 0; p < r->nprio; p++) {
		unsigned aired = 0;
		bool first = true;

		for (size_t i = 0; i < r->nstations; i++)
			for (size_t k = 0; k < r->stations[i].nprios; k++)
				aired += r->stations[i].prios[k].label == r->prio_labels[p] &&
				         r->stations[i].prios[k].count[ST_COMPLETE] > 0;
		fprintf(f, "<tr><td>");
		html(f, r->labels.v[r->prio_labels[p]]);
		fprintf(f, "</td><td>%s</td><td class=\"n\">%u / %zu</td><td>",
		        r->prio_emergency[p] ? _("emergency") : _("priority"), aired, r->nstations);
		for (size_t i = 0; i < r->nstations; i++) {
			const struct rstation *rs = &r->stations[i];
			const struct prio_seen *seen = NULL;

			for (size_t k = 0; k < rs->nprios; k++)
				if (rs->prios[k].label == r->prio_labels[p])
					seen = &rs->prios[k];
			if (seen && seen->count[ST_COMPLETE] > 0)
				continue;
			fprintf(f, "%s", first ? "" : "; ");
			first = false;
			html(f, rs->st->name);
			fprintf(f, " (%s: ", rs->st->id);
			html(f, seen && seen->reason ? seen->reason : _("not logged"));
			fprintf(f, ")");
		}
		fprintf(f, "%s</td></tr>\n", first ? "–" : "");
	}
	if (r->nprio)
		fprintf(f, "</table>\n");

	write_alerts_html(r, f);
	fprintf(f, "<h2>%s</h2>\n<p class=\"legend\">", _("Timelines"));
	for (int k = 0; k < ST_COUNT; k++)
		fprintf(f, "<span style=\"background:%s\"></span>%s", status_colours[k],
		        status_names[k]);
	fprintf(f, "</p>\n");
	for (size_t i = 0; i < r->nstations; i++) {
		const struct rstation *rs = &r->stations[i];

		fprintf(f, "<h3 id=\"st-%s\">", rs->st->id);
		html(f, rs->st->name);
		fprintf(f, " (%s)%s</h3>\n", rs->st->id,
		        rs->verified ? "" : " <span class=\"tag unverified\">unverified</span>");
		html_timeline(f, r, rs);
	}
	fprintf(f, "</body>\n</html>\n");
}

/* --- report -------------------------------------------------------------------------------- */

int provreport_report(const struct provreport_stations *s, const char *logdir,
                      const struct provreport_opts *o)
{
	struct report r = {.o = o};
	struct names folders;
	int failed = 0;

	if (o->to_day < o->from_day || o->to_day - o->from_day >= MAX_DAYS) {
		log_warnx(_("the period must be from 1 to %d days"), MAX_DAYS);
		return -1;
	}
	if (list_folders(logdir, &folders) < 0) {
		log_warn(_("cannot read the log folder %s"), logdir);
		return -1;
	}
	r.ndays = o->to_day - o->from_day + 1;
	r.stations = xcalloc(s->n, sizeof *r.stations);
	r.nstations = s->n;
	for (size_t i = 0; i < s->n; i++) {
		struct rstation *rs = &r.stations[i];
		struct walk_ctx w = {s->v[i].id, o->warn, _("warning: ")};

		rs->st = &s->v[i];
		rs->days = xcalloc((size_t)r.ndays, sizeof *rs->days);
		r.cur = rs;
		walk_station(logdir, s->v[i].id, &s->v[i].pk, o->all_signatures, &w, gather_line,
		             &r, &rs->wk);
		rs->verified = rs->wk.sum.problems == 0;
		failed += !rs->verified;
		judge_offline(&r, rs);
	}
	for (size_t i = 0; i < folders.n; i++) {
		struct walk_ctx w = {folders.v[i], o->warn, _("warning: ")};
		struct walked wk;

		if (find_station(s, folders.v[i]))
			continue;
		walk_station(logdir, folders.v[i], NULL, o->all_signatures, &w, NULL, NULL, &wk);
	}
	names_free(&folders);
	if (failed)
		fprintf(o->warn,
		        _("warning: %d stations failed verification; they are marked in the "
		          "report\n"),
		        failed);
	if (o->format == PROVREPORT_CSV)
		write_csv(&r);
	else
		write_html(&r);
	report_free(&r);
	return failed;
}
