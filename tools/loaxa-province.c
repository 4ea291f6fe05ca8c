/*
 * loaxa-province: the provincial staff's tool. keygen makes the province's
 * minisign key pair; publish turns a folder of audio (and province
 * schedules) into the signed publication tree of DESIGN §4, ready for any
 * static web server.
 *
 * publish checks everything before it changes anything: a bad file name,
 * an unreadable programme or a schedule naming an unknown id stops it with
 * the tree as it was. Only then are the content-addressed files copied in
 * (each through a temporary file, fsync and rename), and last the new
 * manifest and its signature replace the old pair.
 *
 * verify and report read the as-run logs the stations uploaded; the work
 * is in provreport.c (and segment.c, the verifier).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <locale.h>
#include <math.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alertidx.h"
#include "cap.h"
#include "diag.h"
#include "i18n.h"
#include "manifest.h"
#include "minisig.h"
#include "provalert.h"
#include "provpub.h"
#include "provreport.h"
#include "schedule.h"
#include "util.h"

#define EXIT_USAGE 2

#define KEY_MAX_BYTES      16384
#define SIDECAR_MAX_BYTES  65536
#define SCHEDULE_MAX_BYTES (1024 * 1024)
#define PREVIOUS_MAX_BYTES MANIFEST_MAX_BYTES
/* Copies larger than this report their progress. */
#define PROGRESS_MIN_BYTES ((int64_t)32 * 1024 * 1024)

/* ---- usage ----------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(
	    out, "%s",
	    _("Usage: loaxa-province COMMAND [OPTIONS]\n"
	      "\n"
	      "  keygen    make the province's signing key pair (minisign format)\n"
	      "  publish   build and sign the publication tree the stations fetch\n"
	      "  alert     publish a disaster warning (CAP 1.2) for the stations to play at once\n"
	      "  verify    check the stations' uploaded as-run logs\n"
	      "  report    airtime per station and day from the logs (CSV or HTML)\n"
	      "\n"
	      "'loaxa-province COMMAND --help' describes a command's options.\n"
	      "Exit status: 0 done, 1 failed, 2 wrong usage.\n"));
}

static void usage_keygen(FILE *out)
{
	fprintf(out, "%s",
	        _("Usage: loaxa-province keygen [--key FILE] [--pub FILE] [--force]\n"
	          "\n"
	          "Make a new minisign-compatible key pair without a password and print the\n"
	          "public key line (the stations' province.public_key).\n"
	          "\n"
	          "  -k, --key FILE   secret key file (default province.key, mode 0600)\n"
	          "  -p, --pub FILE   public key file (default province.pub)\n"
	          "  -f, --force      replace existing key files\n"
	          "  -h, --help       this help\n"));
}

static void usage_publish(FILE *out)
{
	fprintf(out, "%s",
	        _("Usage: loaxa-province publish --key KEY --programmes DIR [--schedules DIR]\n"
	          "                              --out PUBDIR [OPTIONS]\n"
	          "\n"
	          "Copy every audio file of DIR into PUBDIR/programmes/<sha256>.<ext>, measure\n"
	          "its duration and loudness, check the province schedules against the\n"
	          "programmes, and write PUBDIR/manifest.json (version + 1) with its signature\n"
	          "manifest.json.minisig.\n"
	          "\n"
	          "A programme's id is its file name without the extension, in lower case\n"
	          "(a-z, 0-9, '.', '_', '-'). DIR/<id>.json may give {\"title\", \"class\":\n"
	          "\"normal\"|\"priority\"|\"emergency\", \"valid_until\": \"YYYY-MM-DD\",\n"
	          "\"stations\": [...]}; a schedule's <name>.json may give \"stations\".\n"
	          "\n"
	          "  -k, --key KEY           the province's secret key\n"
	          "  -p, --programmes DIR    folder of audio files (any format libsndfile reads)\n"
	          "  -s, --schedules DIR     folder of province schedules (*.cfg)\n"
	          "  -o, --out PUBDIR        the publication tree (served over HTTP)\n"
	          "  -e, --expires-days N    the manifest expires after N days (default 14)\n"
	          "      --province NAME     province name (default: the previous manifest's,\n"
	          "                          else the name of PUBDIR)\n"
	          "      --stations LIST     comma-separated station ids for files without a\n"
	          "                          sidecar (default \"*\": every station)\n"
	          "      --prune             remove files the new manifest no longer uses\n"
	          "      --relays FILE       streams the stations may relay by id:\n"
	          "                          relays = ( { id = \"vov1\"; title = \"...\";\n"
	          "                          url = \"https://...\"; stations = \"*\"; } );\n"
	          "  -h, --help              this help\n"));
}

static void usage_verify(FILE *out)
{
	fprintf(
	    out, "%s",
	    _("Usage: loaxa-province verify --stations stations.cfg [--all-signatures] LOGDIR\n"
	      "\n"
	      "Check the as-run logs the stations uploaded into LOGDIR, as the WebDAV\n"
	      "server stores them: LOGDIR/<station>/<station>-<first>-<last>.jsonl with its\n"
	      ".minisig (status.json is ignored). For every station: seq goes up by one\n"
	      "from line to line, within and across segments, from 1; each line's prev is\n"
	      "the SHA-256 of the line before; no two segments hold the same seqs (a fork);\n"
	      "every line is a complete as-run record of that station; every segment has\n"
	      "its .minisig; and the lines are signed by the station's key. A folder of a\n"
	      "station that is not in stations.cfg is a problem too.\n"
	      "\n"
	      "Since each line's prev holds the hash of the line before, one good\n"
	      "signature on the newest segment vouches for every line before it when the\n"
	      "chain is unbroken from seq 1. So verify checks the signatures of the newest\n"
	      "segment, of every segment with a problem or named in one, and of the\n"
	      "segment before one whose signature fails: a forged segment is named\n"
	      "however it was forged. A .minisig replaced on a segment whose lines are\n"
	      "the station's own is seen only with --all-signatures.\n"
	      "\n"
	      "Prints a line per problem, \"STATION: PROBLEM: segment NAME seq N: ...\",\n"
	      "and a verdict per station, \"STATION: OK, 12 segments, seq 1-4031,\n"
	      "2026-11-01..2026-11-26\" or \"STATION: FAILED, ...\".\n"
	      "\n"
	      "  -s, --stations FILE   the province's station registry (libconfig):\n"
	      "                        stations = ( { id = \"tan-quang\"; name = \"...\";\n"
	      "                          district = \"...\"; public_key = \"RWQ...\"; }, ... );\n"
	      "  -a, --all-signatures  check every segment's signature as well\n"
	      "  -h, --help            this help\n"
	      "\n"
	      "Exit status: 0 every station OK, 1 a problem found, 2 wrong usage or an\n"
	      "unusable stations.cfg or LOGDIR.\n"));
}

static void usage_report(FILE *out)
{
	fprintf(out, "%s",
	        _("Usage: loaxa-province report --stations stations.cfg LOGDIR --from DATE\n"
	          "                             --to DATE --format csv|html [--out FILE]\n"
	          "\n"
	          "Airtime per station and day from the uploaded logs, from DATE to DATE\n"
	          "(YYYY-MM-DD, inclusive; the stations' local dates). The logs are verified\n"
	          "first: problems are printed as warnings and the stations concerned are\n"
	          "reported all the same, marked unverified.\n"
	          "\n"
	          "  -s, --stations FILE      the province's station registry (as for verify)\n"
	          "  -f, --from DATE          first day\n"
	          "  -t, --to DATE            last day\n"
	          "  -F, --format csv|html    the kind of report\n"
	          "  -o, --out FILE           write it to FILE (default: standard output)\n"
	          "  -p, --priority-out FILE  CSV: the priority table to FILE\n"
	          "      --alerts-out FILE    CSV: the disaster alerts table to FILE\n"
	          "  -a, --all-signatures     as for verify\n"
	          "  -h, --help               this help\n"
	          "\n"
	          "CSV, first table: one row per registered station and day of the period:\n"
	          "  station,name,district,date,verified,items,complete,interrupted,failed,\n"
	          "  skipped,missed,minutes_on_air,first_start,last_end,silent,offline,last_seen\n"
	          "items counts the day's play lines, then by status; minutes_on_air sums their\n"
	          "played_s; first_start and last_end are local times of day. silent: the\n"
	          "station has no play line in the whole period. offline: nothing heard from it\n"
	          "(its newest log line, or status.json) in the 24 hours before the end of\n"
	          "--to, or before now if that is earlier; last_seen is when it was.\n"
	          "CSV, second table: one row per station and priority programme (class\n"
	          "priority or emergency) that any station logged in the period:\n"
	          "  station,name,district,programme,class,aired,complete,not_complete,\n"
	          "  first_aired,note\n"
	          "aired is yes when the station logged it complete; note says why not (\"not\n"
	          "logged\", or the status and reason it logged). The second table follows the\n"
	          "first after an empty line, or goes to --priority-out FILE; with --out\n"
	          "NAME.csv it goes to NAME-priority.csv.\n"
	          "CSV, third table: one row per station and disaster alert (CAP message) it\n"
	          "logged in the period, played, refused or a Cancel:\n"
	          "  station,name,district,alert,sender,msg_type,severity,level,repeats,aired,\n"
	          "  not_aired,refused,first_aired,note\n"
	          "aired counts the repetitions logged complete, not_aired the others; refused\n"
	          "the refusals (alert \"\" is the alert index itself refused); note says why\n"
	          "not. It follows the second table after an empty line when any alert was\n"
	          "logged, or goes to --alerts-out FILE; with --out NAME.csv to\n"
	          "NAME-alerts.csv.\n"
	          "\n"
	          "HTML: one self-contained page (no external resources): a summary table,\n"
	          "silent and offline stations, the priority programmes each station aired or\n"
	          "not, the disaster alerts, and every station's days as timelines from 00:00\n"
	          "to 24:00, items coloured by status.\n"
	          "\n"
	          "Exit status: 0 report written (verification problems are warnings), 1 it\n"
	          "could not be written, 2 wrong usage or an unusable stations.cfg or LOGDIR.\n"));
}

/* ---- small file helpers ---------------------------------------------- */

/* A temporary file beside path, hidden so that no web listing shows it. */
static char *temp_name(const char *dir, const char *name)
{
	return xasprintf("%s/.%s.%ld.tmp", dir, name, (long)getpid());
}

/* Write buf to a fresh temporary file and fsync it; the caller renames. */
static int write_temp(const char *tmp, const void *buf, size_t len, mode_t mode)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return -1;
	if (util_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		int saved = errno;

		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return close(fd);
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The visible files of dir but folders, sorted by name: whatever is not a
 * regular file among them is refused, with its reason, when it is read.
 * -1 if dir is unusable. */
static int list_files(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	*names = NULL;
	*n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		struct stat st;
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (stat(p, &st) == 0 && !S_ISDIR(st.st_mode)) {
			*names = xreallocarray(*names, *n + 1, sizeof **names);
			(*names)[(*n)++] = xstrdup(e->d_name);
		}
		free(p);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof **names, cmp_str);
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- keygen ---------------------------------------------------------- */

static int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"pub", required_argument, NULL, 'p'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *key_path = "province.key", *pub_path = "province.pub";
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	char *key_text, *pub_text, *line;
	bool force = false;
	int o, ret = 1;

	while ((o = getopt_long(argc, argv, "k:p:fh", opts, NULL)) != -1) {
		switch (o) {
		case 'k':
			key_path = optarg;
			break;
		case 'p':
			pub_path = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage_keygen(stdout);
			return 0;
		default:
			usage_keygen(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || strcmp(key_path, pub_path) == 0) {
		usage_keygen(stderr);
		return EXIT_USAGE;
	}
	if (!force) {
		const char *const paths[] = {key_path, pub_path};

		for (size_t i = 0; i < 2; i++) {
			if (path_exists(paths[i])) {
				log_warnx(
				    _("%s already exists; use --force to replace the key pair"),
				    paths[i]);
				return 1;
			}
		}
	}
	minisig_keygen(&pk, &sk);
	key_text = minisig_format_seckey(&sk, "loaxa province secret key (unencrypted)");
	pub_text = minisig_format_pubkey(&pk, NULL);
	line = minisig_pubkey_base64(&pk);
	if (util_write_atomic(key_path, key_text, strlen(key_text), 0600) < 0) {
		log_warn(_("cannot write %s"), key_path);
	} else if (util_write_atomic(pub_path, pub_text, strlen(pub_text), 0644) < 0) {
		log_warn(_("cannot write %s"), pub_path);
	} else {
		printf("%s\n", line);
		fprintf(stderr,
		        _("Secret key: %s (keep it secret, keep a copy offline)\n"
		          "Public key: %s (give the line above to every station)\n"),
		        key_path, pub_path);
		ret = 0;
	}
	sodium_memzero(key_text, strlen(key_text));
	sodium_memzero(&sk, sizeof sk);
	free(key_text);
	free(pub_text);
	free(line);
	return ret;
}

/* ---- publish: what goes in ------------------------------------------- */

struct pub_opts {
	const char *key;
	const char *programmes;
	const char *schedules;
	const char *relays;
	const char *out;
	const char *province;
	const char *stations;
	long expires_days;
	bool prune;
};

/* One file to publish: where it comes from and its name in the tree. */
struct pub_source {
	char *src;
	char *store; /* "<sha256>.<ext>" */
	int64_t bytes;
	bool copied;
};

struct publication {
	struct provpub_meta defaults;
	struct provpub_programme *progs;
	struct pub_source *prog_src;
	size_t nprogs;
	struct provpub_schedule *scheds;
	struct pub_source *sched_src;
	size_t nscheds;
	struct provpub_relay *relays;
	size_t nrelays;
	char *province;
	uint64_t version;
};

static void publication_free(struct publication *p)
{
	for (size_t i = 0; i < p->nprogs; i++) {
		free(p->progs[i].id);
		free(p->progs[i].ext);
		provpub_meta_free(&p->progs[i].meta);
		free(p->prog_src[i].src);
		free(p->prog_src[i].store);
	}
	for (size_t i = 0; i < p->nscheds; i++) {
		provpub_meta_free(&p->scheds[i].meta);
		free(p->sched_src[i].src);
		free(p->sched_src[i].store);
	}
	free(p->progs);
	free(p->prog_src);
	free(p->scheds);
	free(p->sched_src);
	free(p->province);
	provpub_relays_free(p->relays, p->nrelays);
	provpub_meta_free(&p->defaults);
}

static int load_seckey(const char *path, struct minisig_seckey *sk)
{
	const char *why = NULL;
	struct stat st;
	size_t len;
	char *text;
	int r;

	if (util_read_file(path, KEY_MAX_BYTES, &text, &len) < 0) {
		log_warn(_("cannot read the secret key %s"), path);
		return -1;
	}
	r = minisig_parse_seckey(text, sk, &why);
	sodium_memzero(text, len);
	free(text);
	if (r < 0) {
		log_warnx("%s: %s", path, why);
		return -1;
	}
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		log_warnx(_("%s can be read by other users; chmod 600 it"), path);
	return 0;
}

/* Read a sidecar into m if there is one. */
static int read_sidecar(const char *path, bool schedule, struct provpub_meta *m, struct diag *d)
{
	size_t len;
	char *buf;
	int r;

	if (!path_exists(path))
		return 0;
	if (util_read_file(path, SIDECAR_MAX_BYTES, &buf, &len) < 0) {
		diag_add(d, path, 0, _("cannot read: %s"), util_strerror(errno));
		return -1;
	}
	r = provpub_parse_sidecar(buf, len, path, schedule, m, d);
	free(buf);
	return r;
}

/* Sidecars (NAME.json) whose NAME is not among the published: a typo the
 * publisher wants to hear about. */
static void warn_orphan_sidecars(const char *dir, char **names, size_t n, char **published,
                                 size_t npublished)
{
	for (size_t i = 0; i < n; i++) {
		char *base;
		bool found = false;

		if (!has_suffix(names[i], ".json"))
			continue;
		base = xasprintf("%.*s", (int)(strlen(names[i]) - 5), names[i]);
		for (size_t k = 0; k < npublished && !found; k++)
			found = strcasecmp(base, published[k]) == 0;
		if (!found)
			log_warnx(_("%s/%s: no file \"%s\" to describe; ignored"), dir, names[i],
			          base);
		free(base);
	}
}

static int scan_programmes(const struct pub_opts *o, struct publication *pub, struct diag *d)
{
	char **names, **ids = NULL;
	size_t n;

	if (list_files(o->programmes, &names, &n) < 0) {
		diag_add(d, o->programmes, 0, _("cannot read the folder: %s"),
		         util_strerror(errno));
		return -1;
	}
	pub->progs = xcalloc(n, sizeof *pub->progs);
	pub->prog_src = xcalloc(n, sizeof *pub->prog_src);
	ids = xcalloc(n, sizeof *ids);
	for (size_t i = 0; i < n; i++) {
		struct provpub_programme *p = &pub->progs[pub->nprogs];
		struct pub_source *s = &pub->prog_src[pub->nprogs];
		char *path, *sidecar, err[256];
		const char *why;
		struct stat st;
		bool dup = false;

		if (has_suffix(names[i], ".json"))
			continue;
		path = xasprintf("%s/%s", o->programmes, names[i]);
		if (provpub_id_from_name(names[i], &p->id, &p->ext, &why) < 0) {
			diag_add(d, path, 0, _("file name %s"), _(why));
			free(path);
			continue;
		}
		for (size_t k = 0; k < pub->nprogs && !dup; k++)
			dup = strcmp(pub->progs[k].id, p->id) == 0;
		if (dup) {
			diag_add(d, path, 0, _("another file already gives programme id \"%s\""),
			         p->id);
		} else if (stat(path, &st) < 0 || util_sha256_file(path, p->sha256) < 0) {
			diag_add(d, path, 0, _("cannot read: %s"), util_strerror(errno));
		} else if (provpub_measure(path, &p->duration_s, &p->loudness_lufs, &p->peak_dbfs,
		                           err, sizeof err) < 0) {
			diag_add(d, path, 0, "%s", err);
		} else {
			provpub_meta_copy(&p->meta, &pub->defaults);
			/* Named like the audio file ("Ban-Tin.json") or like its id. */
			sidecar = xasprintf("%s/%.*s.json", o->programmes,
			                    (int)(strlen(names[i]) - strlen(p->ext) - 1), names[i]);
			if (!path_exists(sidecar)) {
				free(sidecar);
				sidecar = xasprintf("%s/%s.json", o->programmes, p->id);
			}
			read_sidecar(sidecar, false, &p->meta, d);
			free(sidecar);
			p->bytes = st.st_size;
			s->src = path;
			s->store = xasprintf("%s.%s", p->sha256, p->ext);
			s->bytes = st.st_size;
			ids[pub->nprogs++] = p->id;
			continue;
		}
		free(p->id);
		free(p->ext);
		p->id = p->ext = NULL;
		free(path);
	}
	warn_orphan_sidecars(o->programmes, names, n, ids, pub->nprogs);
	free(ids);
	free_names(names, n);
	if (pub->nprogs == 0 && d->n == 0)
		log_warnx(_("%s holds no audio file: the manifest will list no programme"),
		          o->programmes);
	return d->n ? -1 : 0;
}

static const struct provpub_programme *find_programme(const struct publication *pub, const char *id)
{
	for (size_t i = 0; i < pub->nprogs; i++)
		if (strcmp(pub->progs[i].id, id) == 0)
			return &pub->progs[i];
	return NULL;
}

static bool find_relay(const struct publication *pub, const char *id)
{
	for (size_t i = 0; i < pub->nrelays; i++)
		if (strcmp(pub->relays[i].id, id) == 0)
			return true;
	return false;
}

/*
 * The whole check of one province schedule: the project's schedule parser
 * (as the station will read it), then every programme id it names must be
 * in the catalog being published.
 */
static int check_schedule(const char *path, const struct publication *pub, struct diag *d)
{
	struct sched_plan plan = {0};
	size_t before = d->n;

	if (sched_load_file(&plan, path, true, d) == 0) {
		for (size_t i = 0; i < plan.nslots; i++) {
			const struct sched_slot *slot = &plan.slots[i];

			for (size_t k = 0; k < slot->nitems; k++) {
				const struct sched_item *it = &slot->items[k];

				if (it->id && !find_programme(pub, it->id))
					diag_add(d, path, it->line,
					         _("programme \"%s\" is not among the programmes "
					           "being published"),
					         it->id);
				if (it->relay && !find_relay(pub, it->relay))
					diag_add(d, path, it->line,
					         _("relay \"%s\" is not among the relays being "
					           "published (--relays)"),
					         it->relay);
				for (size_t f = 0; f < it->nfallback; f++)
					if (!find_programme(pub, it->fallback[f].id))
						diag_add(d, path, it->fallback[f].line,
						         _("programme \"%s\" is not among the "
						           "programmes being published"),
						         it->fallback[f].id);
			}
		}
	}
	sched_plan_free(&plan);
	return d->n > before ? -1 : 0;
}

static int scan_schedules(const struct pub_opts *o, struct publication *pub, struct diag *d)
{
	char **names, **bases;
	size_t n;

	if (list_files(o->schedules, &names, &n) < 0) {
		diag_add(d, o->schedules, 0, _("cannot read the folder: %s"), util_strerror(errno));
		return -1;
	}
	pub->scheds = xcalloc(n, sizeof *pub->scheds);
	pub->sched_src = xcalloc(n, sizeof *pub->sched_src);
	bases = xcalloc(n, sizeof *bases);
	for (size_t i = 0; i < n; i++) {
		struct provpub_schedule *s = &pub->scheds[pub->nscheds];
		struct pub_source *src = &pub->sched_src[pub->nscheds];
		char *path, *sidecar, *buf;
		size_t len;

		if (!has_suffix(names[i], ".cfg"))
			continue;
		path = xasprintf("%s/%s", o->schedules, names[i]);
		if (util_read_file(path, SCHEDULE_MAX_BYTES, &buf, &len) < 0) {
			diag_add(d, path, 0, _("cannot read: %s"), util_strerror(errno));
			free(path);
			continue;
		}
		util_sha256_hex(buf, len, s->sha256);
		free(buf);
		if (check_schedule(path, pub, d) < 0) {
			free(path);
			continue;
		}
		bases[pub->nscheds] = xasprintf("%.*s", (int)(strlen(names[i]) - 4), names[i]);
		provpub_meta_copy(&s->meta, &pub->defaults);
		sidecar = xasprintf("%s/%s.json", o->schedules, bases[pub->nscheds]);
		read_sidecar(sidecar, true, &s->meta, d);
		free(sidecar);
		s->bytes = (int64_t)len;
		src->src = path;
		src->store = xasprintf("%s.cfg", s->sha256);
		src->bytes = (int64_t)len;
		for (size_t k = 0; k < pub->nscheds; k++)
			if (strcmp(pub->scheds[k].sha256, s->sha256) == 0)
				diag_add(d, path, 0, _("same content as %s"),
				         pub->sched_src[k].src);
		pub->nscheds++;
	}
	warn_orphan_sidecars(o->schedules, names, n, bases, pub->nscheds);
	free_names(bases, pub->nscheds);
	free_names(names, n);
	return d->n ? -1 : 0;
}

/* ---- publish: what comes out ----------------------------------------- */

static void progress(const char *name, int64_t done, int64_t total, int *shown)
{
	int pct = total > 0 ? (int)(done * 100 / total) : 100;

	if (total < PROGRESS_MIN_BYTES || pct / 10 == *shown / 10)
		return;
	*shown = pct;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r%s %s: %3d%%%s", _("copying"), name, pct,
		        pct == 100 ? "\n" : "");
	else
		fprintf(stderr, "%s %s: %d%%\n", _("copying"), name, pct);
}

/*
 * Copy s->src into dir/s->store through a temporary file, hashing on the
 * way: if the source changed since it was measured, nothing is installed.
 * A file already there with the right content is kept as it is.
 */
static int store_file(const char *dir, struct pub_source *s, const char *sha256)
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES], *buf;
	char *dst = xasprintf("%s/%s", dir, s->store), *tmp = temp_name(dir, s->store);
	char hex[65];
	const char *shown_name = strrchr(s->src, '/') ? strrchr(s->src, '/') + 1 : s->src;
	int in = -1, out = -1, shown = 0, ret = -1, r;
	int64_t done = 0;

	if (path_exists(dst) && util_sha256_file(dst, hex) == 0 && strcmp(hex, sha256) == 0) {
		free(dst);
		free(tmp);
		return 0;
	}
	buf = xmalloc(1 << 20);
	in = util_open_regular(s->src);
	if (in < 0) {
		log_warn(_("cannot read %s"), s->src);
		goto out;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		log_warn(_("cannot create %s"), tmp);
		goto out;
	}
	crypto_hash_sha256_init(&st);
	for (;;) {
		ssize_t got = read(in, buf, 1 << 20);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			log_warn(_("cannot read %s"), s->src);
			goto out;
		}
		if (got == 0)
			break;
		crypto_hash_sha256_update(&st, buf, (unsigned long long)got);
		if (util_write_all(out, buf, (size_t)got) < 0) {
			log_warn(_("cannot write %s"), tmp);
			goto out;
		}
		done += got;
		progress(shown_name, done, s->bytes, &shown);
	}
	crypto_hash_sha256_final(&st, h);
	util_hex(h, sizeof h, hex);
	if (strcmp(hex, sha256) != 0) {
		log_warnx(_("%s changed while it was being published; publish again"), s->src);
		goto out;
	}
	if (fsync(out) < 0) {
		log_warn(_("cannot write %s"), tmp);
		goto out;
	}
	r = close(out);
	out = -1;
	if (r < 0 || rename(tmp, dst) < 0) {
		log_warn(_("cannot install %s"), dst);
		goto out;
	}
	s->copied = true;
	ret = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (ret < 0)
		unlink(tmp);
	free(buf);
	free(dst);
	free(tmp);
	return ret;
}

static int store_all(const char *pubdir, struct publication *pub)
{
	char *pdir = xasprintf("%s/programmes", pubdir), *sdir = xasprintf("%s/schedules", pubdir);
	int ret = -1;

	for (size_t i = 0; i < pub->nprogs; i++)
		if (store_file(pdir, &pub->prog_src[i], pub->progs[i].sha256) < 0)
			goto out;
	for (size_t i = 0; i < pub->nscheds; i++)
		if (store_file(sdir, &pub->sched_src[i], pub->scheds[i].sha256) < 0)
			goto out;
	/* The files must be durable before a manifest names them. */
	if (util_fsync_dir(pdir) < 0 || util_fsync_dir(sdir) < 0) {
		log_warn(_("cannot sync %s"), pubdir);
		goto out;
	}
	ret = 0;
out:
	free(pdir);
	free(sdir);
	return ret;
}

/*
 * Replace manifest.json and manifest.json.minisig. Both are written and
 * fsynced as temporary files first, then renamed back to back (signature
 * first), so the moment in which a station can fetch a mismatched pair is
 * as short as two renames. A station that does fetch one (or finds one
 * after a crash between the renames) fails the signature check, keeps
 * what it has and tries again at its next sync; publishing again repairs
 * the tree.
 */
static int install_manifest(const char *pubdir, const char *manifest, const char *sig)
{
	char *mpath = xasprintf("%s/manifest.json", pubdir);
	char *spath = xasprintf("%s/manifest.json.minisig", pubdir);
	char *mtmp = temp_name(pubdir, "manifest.json");
	char *stmp = temp_name(pubdir, "manifest.json.minisig");
	int ret = -1;

	if (write_temp(mtmp, manifest, strlen(manifest), 0644) < 0) {
		log_warn(_("cannot write %s"), mtmp);
		goto out;
	}
	if (write_temp(stmp, sig, strlen(sig), 0644) < 0) {
		log_warn(_("cannot write %s"), stmp);
		unlink(mtmp);
		goto out;
	}
	if (rename(stmp, spath) < 0 || rename(mtmp, mpath) < 0) {
		log_warn(_("cannot install the manifest in %s"), pubdir);
		unlink(stmp);
		unlink(mtmp);
		goto out;
	}
	if (util_fsync_dir(pubdir) < 0) {
		log_warn(_("cannot sync %s"), pubdir);
		goto out;
	}
	ret = 0;
out:
	free(mpath);
	free(spath);
	free(mtmp);
	free(stmp);
	return ret;
}

/* Files of dir the manifest does not name: removed with prune, else
 * counted. Only our own names (<sha256>.<ext>, stale temporaries) are
 * touched; anything else someone put there stays. */
static size_t sweep(const char *dir, const struct pub_source *keep, size_t nkeep,
                    const struct provalert_file *alerts, size_t nalerts, bool prune)
{
	char **names;
	size_t n, count = 0;

	if (list_files(dir, &names, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		bool used = false;
		char *p;

		for (size_t k = 0; k < nkeep && !used; k++)
			used = strcmp(keep[k].store, names[i]) == 0;
		/* the audio of an alert the manifest still lists */
		for (size_t k = 0; k < nalerts && !used; k++) {
			const char *slash = strrchr(alerts[k].path, '/');

			used = slash && strcmp(slash + 1, names[i]) == 0;
		}
		if (used || !manifest_is_store_name(names[i]))
			continue;
		count++;
		if (!prune)
			continue;
		p = xasprintf("%s/%s", dir, names[i]);
		if (unlink(p) < 0)
			log_warn(_("cannot remove %s"), p);
		else
			printf(_("removed %s\n"), p);
		free(p);
	}
	free_names(names, n);
	if (prune && count)
		util_fsync_dir(dir);
	return count;
}

static void remove_stale_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] == '.' && has_suffix(e->d_name, ".tmp")) {
			char *p = xasprintf("%s/%s", dir, e->d_name);

			unlink(p);
			free(p);
		}
	closedir(d);
}

static void format_duration(double s, char *buf, size_t n)
{
	long tenths = lround(s * 10);

	if (tenths >= 36000)
		snprintf(buf, n, "%ld:%02ld:%02ld.%ld", tenths / 36000, tenths / 600 % 60,
		         tenths / 10 % 60, tenths % 10);
	else
		snprintf(buf, n, "%ld:%02ld.%ld", tenths / 600, tenths / 10 % 60, tenths % 10);
}

static void print_summary(const struct publication *pub, const char *pubdir, time_t expires)
{
	char when[40], dur[32], loud[32];
	int w = 20;

	for (size_t i = 0; i < pub->nprogs; i++)
		if ((int)strlen(pub->progs[i].id) > w)
			w = (int)strlen(pub->progs[i].id);
	printf("%-*s  %10s  %10s  %-9s  %s\n", w, _("ID"), _("DURATION"), _("LOUDNESS"), _("CLASS"),
	       _("CONTENT"));
	for (size_t i = 0; i < pub->nprogs; i++) {
		const struct provpub_programme *p = &pub->progs[i];

		format_duration(p->duration_s, dur, sizeof dur);
		if (isfinite(p->loudness_lufs))
			snprintf(loud, sizeof loud, "%.1f LUFS", p->loudness_lufs);
		else
			snprintf(loud, sizeof loud, "-");
		printf("%-*s  %10s  %10s  %-9s  %s\n", w, p->id, dur, loud,
		       p->meta.klass ? p->meta.klass : "normal",
		       pub->prog_src[i].copied ? _("new") : _("unchanged"));
	}
	util_format_time(when, sizeof when, (struct timespec){.tv_sec = expires}, false);
	printf(_("Published version %llu of %s in %s (programmes: %zu, schedules: %zu); "
	         "expires %s.\n"),
	       (unsigned long long)pub->version, pub->province, pubdir, pub->nprogs, pub->nscheds,
	       when);
}

/* The province name: the option, else the previous manifest's, else the
 * name of the publication folder. */
static int choose_province(const struct pub_opts *o, const char *previous, char **out)
{
	char *copy = xstrdup(o->out), *base;

	if (o->province)
		*out = xstrdup(o->province);
	else if (previous)
		*out = xstrdup(previous);
	else {
		for (size_t n = strlen(copy); n > 1 && copy[n - 1] == '/'; n--)
			copy[n - 1] = '\0';
		base = basename(copy);
		*out = xstrdup(base);
	}
	free(copy);
	if (!manifest_safe_id(*out)) {
		log_warnx(_("\"%s\" is not usable as a province name (a-z, 0-9, '.', '_', '-'); "
		            "give one with --province"),
		          *out);
		return -1;
	}
	if (o->province && previous && strcmp(o->province, previous) != 0)
		log_warnx(
		    _("the previous manifest was for province \"%s\", this one is for \"%s\""),
		    previous, o->province);
	return 0;
}

static int read_previous(const char *pubdir, uint64_t *version, char **province)
{
	char *path = xasprintf("%s/manifest.json", pubdir), *buf;
	const char *why;
	size_t len;
	int r = 0;

	*version = 0;
	*province = NULL;
	if (util_read_file(path, PREVIOUS_MAX_BYTES, &buf, &len) < 0) {
		if (errno != ENOENT) {
			log_warn(_("cannot read %s"), path);
			r = -1;
		}
		free(path);
		return r;
	}
	/* Without the old version the new one could go backwards, which every
	 * station would refuse: stop rather than guess. */
	if (provpub_previous(buf, len, version, province, &why) < 0) {
		log_warnx(_("%s: %s; cannot tell which version comes next"), path, _(why));
		r = -1;
	}
	free(buf);
	free(path);
	return r;
}

/* The manifest must pass the stations' own parser, or they would all
 * refuse it. */
static int self_check(const char *manifest)
{
	struct manifest_check chk = {.now = time(NULL), .clock_trusted = true};
	struct diag why = {0};
	struct manifest m;

	if (manifest_parse(&m, manifest, strlen(manifest), "manifest.json", &chk, &why) == 0) {
		manifest_free(&m);
		return 0;
	}
	log_warnx(_("the new manifest would be refused by the stations:"));
	diag_print(&why, stderr);
	diag_free(&why);
	return -1;
}

/* One publisher at a time: the lock is on the folder itself, so no lock
 * file appears among what the web server serves. */
static int lock_tree(const char *pubdir)
{
	int fd = open(pubdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		log_warn(_("cannot open %s"), pubdir);
	} else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		log_warnx(_("another publish into %s is running"), pubdir);
		close(fd);
		fd = -1;
	}
	return fd; /* held until the process exits */
}

/* The alert files the previous manifest lists (loaxa-province alert put
 * them there): a new manifest keeps them. */
static int previous_alerts(const char *pubdir, struct provalert_file **files, size_t *n)
{
	char *path = xasprintf("%s/manifest.json", pubdir), *buf;
	const char *why;
	uint64_t version;
	size_t len;
	int r = 0;

	*files = NULL;
	*n = 0;
	if (util_read_file(path, PREVIOUS_MAX_BYTES, &buf, &len) == 0) {
		r = provalert_previous(buf, len, &version, files, n, &why);
		if (r < 0)
			log_warnx("%s: %s", path, _(why));
		free(buf);
	}
	free(path);
	return r;
}

static int publish(const struct pub_opts *o)
{
	struct provalert_file *alert_files = NULL;
	size_t nalert_files = 0;
	struct publication pub = {0};
	struct provpub_manifest man;
	struct minisig_seckey sk;
	struct diag d = {0};
	char *prev_province = NULL, *manifest = NULL, *sig = NULL, *tc = NULL, *dir;
	time_t now = time(NULL);
	size_t unused;
	int ret = 1;

	if (o->stations && provpub_parse_stations(o->stations, &pub.defaults) < 0) {
		log_warnx(_("--stations: \"%s\" is not a list of station ids or \"*\""),
		          o->stations);
		return EXIT_USAGE;
	}
	if (load_seckey(o->key, &sk) < 0)
		goto out;
	dir = xasprintf("%s/programmes", o->out);
	if (util_mkdirs(dir, 0755) < 0) {
		log_warn(_("cannot create %s"), dir);
		free(dir);
		goto out;
	}
	free(dir);
	dir = xasprintf("%s/schedules", o->out);
	if (util_mkdirs(dir, 0755) < 0) {
		log_warn(_("cannot create %s"), dir);
		free(dir);
		goto out;
	}
	free(dir);
	if (lock_tree(o->out) < 0)
		goto out;
	if (read_previous(o->out, &pub.version, &prev_province) < 0 ||
	    previous_alerts(o->out, &alert_files, &nalert_files) < 0)
		goto out;
	pub.version++;
	if (choose_province(o, prev_province, &pub.province) < 0)
		goto out;

	scan_programmes(o, &pub, &d);
	if (o->relays)
		provpub_load_relays(o->relays, &pub.defaults, &pub.relays, &pub.nrelays, &d);
	if (o->schedules)
		scan_schedules(o, &pub, &d);
	if (d.n) {
		diag_print(&d, stderr);
		log_warnx(_("nothing was published; %s is unchanged"), o->out);
		goto out;
	}

	man = (struct provpub_manifest){
	    .province = pub.province,
	    .version = pub.version,
	    .issued = now,
	    .expires = now + o->expires_days * 86400,
	    .programmes = pub.progs,
	    .nprogrammes = pub.nprogs,
	    .schedules = pub.scheds,
	    .nschedules = pub.nscheds,
	    .relays = pub.relays,
	    .nrelays = pub.nrelays,
	};
	manifest = provpub_manifest_json(&man);
	if (nalert_files) {
		uint64_t same;
		const char *why;
		char *with = provalert_manifest_set(manifest, alert_files, nalert_files, false, now,
		                                    &same, &why);

		free(manifest);
		manifest = with;
	}
	if (!manifest || self_check(manifest) < 0)
		goto out;
	tc = provpub_trusted_comment(now, pub.version);
	sig = minisig_sign(&sk, manifest, strlen(manifest), "signature from loaxa-province", tc);
	if (!sig)
		fatalx("cannot sign the manifest");

	if (store_all(o->out, &pub) < 0 || install_manifest(o->out, manifest, sig) < 0) {
		log_warnx(_("publishing failed; the previous manifest (if any) is still in place"));
		goto out;
	}
	dir = xasprintf("%s/programmes", o->out);
	remove_stale_temps(dir);
	unused = sweep(dir, pub.prog_src, pub.nprogs, alert_files, nalert_files, o->prune);
	free(dir);
	dir = xasprintf("%s/schedules", o->out);
	remove_stale_temps(dir);
	unused += sweep(dir, pub.sched_src, pub.nscheds, NULL, 0, o->prune);
	free(dir);
	print_summary(&pub, o->out, man.expires);
	if (unused && !o->prune)
		printf(_("%zu files are no longer used by the manifest (--prune removes them).\n"),
		       unused);
	ret = 0;
out:
	sodium_memzero(&sk, sizeof sk);
	diag_free(&d);
	publication_free(&pub);
	free(alert_files);
	free(prev_province);
	free(manifest);
	free(sig);
	free(tc);
	return ret;
}

static int cmd_publish(int argc, char **argv)
{
	enum { OPT_PROVINCE = 256, OPT_STATIONS, OPT_PRUNE, OPT_RELAYS };
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"programmes", required_argument, NULL, 'p'},
	    {"schedules", required_argument, NULL, 's'},
	    {"out", required_argument, NULL, 'o'},
	    {"expires-days", required_argument, NULL, 'e'},
	    {"province", required_argument, NULL, OPT_PROVINCE},
	    {"stations", required_argument, NULL, OPT_STATIONS},
	    {"prune", no_argument, NULL, OPT_PRUNE},
	    {"relays", required_argument, NULL, OPT_RELAYS},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct pub_opts o = {.expires_days = 14};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "k:p:s:o:e:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.key = optarg;
			break;
		case 'p':
			o.programmes = optarg;
			break;
		case 's':
			o.schedules = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'e':
			errno = 0;
			o.expires_days = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o.expires_days < 1 ||
			    o.expires_days > 3650) {
				log_warnx(_("--expires-days: \"%s\" is not a number of days from 1 "
				            "to 3650"),
				          optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_PROVINCE:
			o.province = optarg;
			break;
		case OPT_STATIONS:
			o.stations = optarg;
			break;
		case OPT_PRUNE:
			o.prune = true;
			break;
		case OPT_RELAYS:
			o.relays = optarg;
			break;
		case 'h':
			usage_publish(stdout);
			return 0;
		default:
			usage_publish(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !o.key || !o.programmes || !o.out) {
		if (optind == argc)
			log_warnx(_("publish needs --key, --programmes and --out"));
		usage_publish(stderr);
		return EXIT_USAGE;
	}
	return publish(&o);
}

/* ---- alert ------------------------------------------------------------ */

static void usage_alert(FILE *out)
{
	fprintf(out, "%s",
	        _("Usage: loaxa-province alert --key KEY --out PUBDIR [--audio FILE] [OPTIONS]\n"
	          "                            [MESSAGE.xml]\n"
	          "\n"
	          "Publish a disaster warning, an OASIS CAP 1.2 message, for the stations to\n"
	          "play at once: the message goes to PUBDIR/alerts/<sha256>.xml and is listed,\n"
	          "with its audio, in the alert index PUBDIR/alerts.json (version + 1, signed\n"
	          "as alerts.json.minisig), which stations poll every few seconds, and in the\n"
	          "manifest (version + 1, signed again). Messages whose <expires> passed more\n"
	          "than an hour ago leave the index. Without MESSAGE.xml the index is only\n"
	          "signed again with a new expiry.\n"
	          "\n"
	          "What a station reads in the message: the <info> in Vietnamese\n"
	          "(<language>vi-VN</language>); its <area>s, by <geocode> LOAXA_STATION (a\n"
	          "station id, or \"*\" for every station) or VN_DVHC (an administrative unit\n"
	          "code the station lists in station.geocodes); <expires>; the <parameter>s\n"
	          "LOAXA_REPEAT (times to play, 1..100), LOAXA_REPEAT_INTERVAL (seconds from\n"
	          "one start to the next) and LOAXA_RISK_LEVEL (the risk level 1..5 of\n"
	          "Decision 18/2021/QĐ-TTg, beside <severity>); the audio <resource> whose <uri>\n"
	          "is programmes/<sha256>.<ext> of the publication, or else the headline,\n"
	          "description and instruction, which the station speaks. A Cancel or an\n"
	          "Update names what it ends in <references>.\n"
	          "\n"
	          "  -k, --key KEY           the province's secret key\n"
	          "  -o, --out PUBDIR        the publication tree (served over HTTP)\n"
	          "  -a, --audio FILE        the recorded warning: copied to\n"
	          "                          programmes/<sha256>.<ext>, and a <resource> naming\n"
	          "                          it added to the message's Vietnamese <info>\n"
	          "  -e, --expires-days N    the index expires after N days (default 14)\n"
	          "      --province NAME     province name (default: the manifest's, else the\n"
	          "                          name of PUBDIR)\n"
	          "  -h, --help              this help\n"));
}

struct alert_opts {
	const char *key;
	const char *out;
	const char *audio;
	const char *province;
	const char *message;
	long expires_days;
};

/* The last <expires> of a message; for one without (a Cancel), a day
 * after it was sent. */
static time_t cap_until(const struct cap_alert *a)
{
	time_t t = 0;

	for (size_t i = 0; i < a->ninfos; i++)
		if (a->infos[i].expires > t)
			t = a->infos[i].expires;
	return t ? t : a->sent + 86400;
}

static int read_cap(const char *path, char **buf, size_t *len, struct cap_alert *a)
{
	char why[512];

	if (util_read_file(path, CAP_MAX_BYTES, buf, len) < 0) {
		log_warn(_("cannot read %s"), path);
		return -1;
	}
	if (cap_parse(a, *buf, *len, why, sizeof why) < 0) {
		log_warnx("%s: %s", path, why);
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

static const struct cap_info *vietnamese_info(const struct cap_alert *a)
{
	for (size_t i = 0; i < a->ninfos; i++)
		if (cap_is_vietnamese(a->infos[i].language))
			return &a->infos[i];
	return NULL;
}

/* The audio path of the publication a message names, or "". */
static void cap_audio(const struct cap_alert *a, char path[96])
{
	const struct cap_info *info = vietnamese_info(a);
	char sha[65];

	path[0] = '\0';
	for (size_t i = 0; info && i < info->nresources && !path[0]; i++)
		if (strncasecmp(info->resources[i].mime_type, "audio/", 6) == 0 &&
		    cap_audio_path(info->resources[i].uri, path, sha) < 0)
			path[0] = '\0';
}

static int sha1_file(const char *path, char hex[41])
{
	unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = util_open_regular(path);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	size_t n;
	int ret = -1;

	if (ctx && f && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1) {
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			EVP_DigestUpdate(ctx, buf, n);
		if (!ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1) {
			util_hex(md, mdlen, hex);
			ret = 0;
		}
	}
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return ret;
}

/*
 * What the stations will make of the message, said before it is
 * published: refusals they would all make are errors, what only some
 * would refuse is a warning.
 */
static int check_message(const struct cap_alert *a, const struct cap_alert *kept, size_t nkept)
{
	const struct cap_info *info = vietnamese_info(a);
	const char *codes[CAP_MAX_GEOCODES];
	struct cap_station st = {.now = time(NULL), .geocodes = codes};
	struct cap_plan p;
	char why[512];
	int ret = 0;

	for (size_t i = 0; i < nkept; i++) {
		if (strcmp(kept[i].sender, a->sender) == 0 &&
		    strcmp(kept[i].identifier, a->identifier) == 0) {
			log_warnx(_("%s from %s is already published; a new message needs a new "
			            "<identifier> (an Update names the old one in <references>)"),
			          a->identifier, a->sender);
			return -1;
		}
	}
	if (strcmp(a->status, "Actual") != 0)
		log_warnx(_("warning: <status> is %s: the stations will not broadcast it"),
		          a->status);
	for (size_t r = 0; r < a->nrefs; r++) {
		bool found = false;

		for (size_t i = 0; i < nkept && !found; i++)
			found = strcmp(kept[i].sender, a->refs[r].sender) == 0 &&
			        strcmp(kept[i].identifier, a->refs[r].identifier) == 0;
		if (!found)
			log_warnx(_("warning: <references> names %s, which is not in the index"),
			          a->refs[r].identifier);
	}
	if (strcmp(a->msg_type, "Cancel") == 0 || strcmp(a->status, "Actual") != 0)
		return 0;
	/* judged as a station it names would judge it */
	for (size_t i = 0; info && i < info->nareas; i++) {
		for (size_t k = 0; k < info->areas[i].ngeocodes; k++) {
			const struct cap_pair *g = &info->areas[i].geocodes[k];

			if (strcasecmp(g->name, CAP_GEOCODE_STATION) == 0 && !st.id)
				st.id = strcmp(g->value, "*") == 0 ? "any" : g->value;
			else if (strcasecmp(g->name, CAP_GEOCODE_DVHC) == 0 &&
			         st.ngeocodes < CAP_MAX_GEOCODES)
				codes[st.ngeocodes++] = g->value;
		}
	}
	if (info && !st.id && !st.ngeocodes) {
		log_warnx(_("no <geocode> %s or %s in the Vietnamese <info>: no station would play "
		            "it"),
		          CAP_GEOCODE_STATION, CAP_GEOCODE_DVHC);
		return -1;
	}
	if (cap_plan_for(a, &st, &p, why, sizeof why) < 0) {
		log_warnx(_("the stations would refuse it: %s"), why);
		return -1;
	}
	if (p.level && strcmp(provalert_severity_for_level(p.level), p.info->severity) != 0)
		log_warnx(_("warning: risk level %d usually goes with <severity>%s</severity>, not "
		            "%s"),
		          p.level, provalert_severity_for_level(p.level), p.info->severity);
	cap_plan_free(&p);
	return ret;
}

/* Write buf to dir/name through a temporary file (fsync, rename). */
static int install_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name), *tmp = temp_name(dir, name);
	int ret = -1;

	if (write_temp(tmp, buf, len, 0644) < 0)
		log_warn(_("cannot write %s"), tmp);
	else if (rename(tmp, path) < 0)
		log_warn(_("cannot install %s"), path);
	else
		ret = 0;
	if (ret < 0)
		unlink(tmp);
	free(path);
	free(tmp);
	return ret;
}

/* The index and its signature: the signature first, then alerts.json,
 * whose rename is the moment of publication. */
static int install_index(const char *pubdir, const char *index, const char *sig,
                         struct timespec *when)
{
	char *ipath = xasprintf("%s/alerts.json", pubdir);
	char *spath = xasprintf("%s/alerts.json.minisig", pubdir);
	char *itmp = temp_name(pubdir, "alerts.json");
	char *stmp = temp_name(pubdir, "alerts.json.minisig");
	int ret = -1;

	struct stat old, now;

	if (write_temp(itmp, index, strlen(index), 0644) < 0 ||
	    write_temp(stmp, sig, strlen(sig), 0644) < 0) {
		log_warn(_("cannot write the alert index in %s"), pubdir);
	} else if (stat(ipath, &old) == 0 && stat(itmp, &now) == 0 &&
	           now.st_mtim.tv_sec <= old.st_mtim.tv_sec &&
	           utimensat(AT_FDCWD, itmp,
	                     (struct timespec[2]){{0, UTIME_OMIT}, {old.st_mtim.tv_sec + 1, 0}},
	                     0) < 0) {
		/* A web server's ETag and Last-Modified count whole seconds:
		 * two indexes of one size within a second would look the
		 * same to the stations' conditional GET. */
		log_warn(_("cannot write the alert index in %s"), pubdir);
	} else if (rename(stmp, spath) < 0 || rename(itmp, ipath) < 0) {
		log_warn(_("cannot install the alert index in %s"), pubdir);
	} else {
		*when = util_now_real();
		if (util_fsync_dir(pubdir) < 0)
			log_warn(_("cannot sync %s"), pubdir);
		else
			ret = 0;
	}
	unlink(itmp);
	unlink(stmp);
	free(ipath);
	free(spath);
	free(itmp);
	free(stmp);
	return ret;
}

static void add_file(struct provalert_file *files, size_t *n, const char *path, const char *sha256,
                     int64_t bytes)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(files[i].path, path) == 0)
			return;
	snprintf(files[*n].path, sizeof files[*n].path, "%s", path);
	snprintf(files[*n].sha256, sizeof files[*n].sha256, "%s", sha256);
	files[*n].bytes = bytes;
	(*n)++;
}

/* The new message (and its audio) checked, the audio's <resource> added:
 * its bytes into *cap, its files into files. 0 or -1 (said why). */
static int take_message(const struct alert_opts *o, const struct cap_alert *kept, size_t nkept,
                        char **cap, size_t *cap_len, struct provalert_file *files, size_t *nfiles,
                        struct pub_source *audio_src, char *audio_sha, struct cap_alert *a)
{
	char path[96], sha[65], *buf = NULL;
	size_t len;

	if (read_cap(o->message, &buf, &len, a) < 0)
		return -1;
	if (o->audio) {
		const struct cap_info *info = vietnamese_info(a);
		const char *base = strrchr(o->audio, '/') ? strrchr(o->audio, '/') + 1 : o->audio;
		const char *dot = strrchr(base, '.');
		char sha1[41], *ext, *uri, *with, err[256], why[512];
		double dur, lufs, peak;
		struct stat st;

		if (!info || strcmp(a->msg_type, "Cancel") == 0) {
			log_warnx("%s", _("--audio needs a message with an <info> in Vietnamese"));
			goto fail;
		}
		cap_audio(a, path);
		if (path[0]) {
			log_warnx(_("%s already names its audio (%s); leave out --audio"),
			          o->message, path);
			goto fail;
		}
		if (!dot || !dot[1] || strlen(dot + 1) > 10) {
			log_warnx(_("%s: the audio file needs an extension (.ogg, .mp3, .wav ...)"),
			          o->audio);
			goto fail;
		}
		ext = xstrdup(dot + 1);
		for (char *c = ext; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		if (stat(o->audio, &st) < 0 || util_sha256_file(o->audio, audio_sha) < 0 ||
		    sha1_file(o->audio, sha1) < 0) {
			log_warn(_("cannot read %s"), o->audio);
			free(ext);
			goto fail;
		}
		if (provpub_measure(o->audio, &dur, &lufs, &peak, err, sizeof err) < 0) {
			log_warnx("%s: %s", o->audio, err);
			free(ext);
			goto fail;
		}
		uri = xasprintf("programmes/%s.%s", audio_sha, ext);
		with = provalert_add_resource(buf, len, info->end_offset, "Bản tin cảnh báo",
		                              provalert_mime(ext), st.st_size, uri, sha1, &len);
		free(buf);
		buf = with;
		cap_free(a);
		if (cap_parse(a, buf, len, why, sizeof why) < 0) {
			log_warnx(_("%s with its audio resource: %s"), o->message, why);
			free(ext);
			free(uri);
			goto fail;
		}
		audio_src->src = xstrdup(o->audio);
		audio_src->store = xasprintf("%s.%s", audio_sha, ext);
		audio_src->bytes = st.st_size;
		add_file(files, nfiles, uri, audio_sha, st.st_size);
		free(ext);
		free(uri);
	} else {
		cap_audio(a, path);
		if (path[0]) {
			char *file = xasprintf("%s/%s", o->out, path), hex[65];
			struct stat st;

			memcpy(sha, path + 11, 64);
			sha[64] = '\0';
			if (stat(file, &st) < 0 || util_sha256_file(file, hex) < 0 ||
			    strcmp(hex, sha) != 0) {
				log_warnx(_("the message names %s, which is not in %s (give the "
				            "audio with --audio)"),
				          path, o->out);
				free(file);
				goto fail;
			}
			add_file(files, nfiles, path, sha, st.st_size);
			free(file);
		}
	}
	if (check_message(a, kept, nkept) < 0)
		goto fail;
	*cap = buf;
	*cap_len = len;
	return 0;
fail:
	free(buf);
	cap_free(a);
	return -1;
}

/* The manifest, with the index's files as its "alerts" list: version + 1,
 * signed again; a minimal one if the tree has none. */
static int update_manifest(const struct alert_opts *o, const char *province,
                           const struct provalert_file *files, size_t nfiles,
                           const struct minisig_seckey *sk, time_t now, uint64_t *mversion)
{
	char *path = xasprintf("%s/manifest.json", o->out), *buf = NULL, *text, *sig, *tc;
	const char *why = NULL;
	size_t len;
	int ret = -1;

	if (util_read_file(path, PREVIOUS_MAX_BYTES, &buf, &len) == 0) {
		text = provalert_manifest_set(buf, files, nfiles, true, now, mversion, &why);
	} else if (errno == ENOENT) {
		struct provpub_manifest man = {.province = province,
		                               .version = 1,
		                               .issued = now,
		                               .expires = now + o->expires_days * 86400};
		char *empty = provpub_manifest_json(&man);

		text = provalert_manifest_set(empty, files, nfiles, false, now, mversion, &why);
		free(empty);
	} else {
		log_warn(_("cannot read %s"), path);
		free(path);
		return -1;
	}
	if (!text) {
		log_warnx("%s: %s", path, _(why));
	} else if (self_check(text) == 0) {
		tc = provpub_trusted_comment(now, *mversion);
		sig = minisig_sign(sk, text, strlen(text), "signature from loaxa-province", tc);
		if (!sig)
			fatalx("cannot sign the manifest");
		ret = install_manifest(o->out, text, sig);
		free(sig);
		free(tc);
	}
	free(text);
	free(buf);
	free(path);
	return ret;
}

static int alert(const struct alert_opts *o)
{
	struct minisig_seckey sk;
	struct provalert_file *prev = NULL, *files = NULL;
	struct cap_alert *kept = NULL, msg = {0};
	struct pub_source audio_src = {0};
	struct manifest_check chk = {.now = time(NULL), .clock_trusted = true};
	struct pub_opts po = {.out = o->out, .province = o->province};
	struct alertidx x;
	struct diag d = {0};
	struct timespec when;
	char *ipath = NULL, *buf = NULL, *cap = NULL, *index = NULL, *sig = NULL, *tc = NULL;
	char *adir = xasprintf("%s/alerts", o->out), *pdir = xasprintf("%s/programmes", o->out);
	char *province = NULL, *mprovince = NULL, audio_sha[65] = "", cap_sha[65] = "", at[48];
	const char *why;
	time_t now = time(NULL);
	size_t nprev = 0, nfiles = 0, nkept = 0, len, dropped = 0, cap_len = 0;
	uint64_t version = 0, mversion = 0;
	int ret = 1;

	if (load_seckey(o->key, &sk) < 0)
		goto out;
	if (util_mkdirs(adir, 0755) < 0 || util_mkdirs(pdir, 0755) < 0) {
		log_warn(_("cannot create %s"), adir);
		goto out;
	}
	if (lock_tree(o->out) < 0 || read_previous(o->out, &mversion, &mprovince) < 0)
		goto out;
	po.province = o->province;
	if (choose_province(&po, mprovince, &province) < 0)
		goto out;
	ipath = xasprintf("%s/alerts.json", o->out);
	if (util_read_file(ipath, ALERTIDX_MAX_BYTES, &buf, &len) == 0) {
		if (provalert_previous(buf, len, &version, &prev, &nprev, &why) < 0) {
			log_warnx(_("%s: %s; cannot tell which version comes next"), ipath, _(why));
			goto out;
		}
	} else if (errno != ENOENT) {
		log_warn(_("cannot read %s"), ipath);
		goto out;
	}
	/* what stays: the messages not long expired, and their audio */
	files = xcalloc(nprev + 3, sizeof *files);
	kept = xcalloc(nprev + 1, sizeof *kept);
	for (size_t i = 0; i < nprev; i++) {
		char *path, *cbuf = NULL, audio[96];
		size_t clen;

		if (strncmp(prev[i].path, "alerts/", 7) != 0)
			continue;
		path = xasprintf("%s/%s", o->out, prev[i].path);
		if (read_cap(path, &cbuf, &clen, &kept[nkept]) < 0 ||
		    cap_until(&kept[nkept]) + 3600 < now) {
			if (cbuf)
				cap_free(&kept[nkept]);
			dropped++;
		} else {
			add_file(files, &nfiles, prev[i].path, prev[i].sha256, prev[i].bytes);
			cap_audio(&kept[nkept], audio);
			for (size_t k = 0; k < nprev && audio[0]; k++)
				if (strcmp(prev[k].path, audio) == 0)
					add_file(files, &nfiles, audio, prev[k].sha256,
					         prev[k].bytes);
			nkept++;
		}
		free(cbuf);
		free(path);
	}
	if (o->message) {
		if (take_message(o, kept, nkept, &cap, &cap_len, files, &nfiles, &audio_src,
		                 audio_sha, &msg) < 0) {
			log_warnx(_("nothing was published; %s is unchanged"), o->out);
			goto out;
		}
		util_sha256_hex(cap, cap_len, cap_sha);
		{
			char *p = xasprintf("alerts/%s.xml", cap_sha);

			add_file(files, &nfiles, p, cap_sha, (int64_t)cap_len);
			free(p);
		}
	}
	index = provalert_index_json(province, version + 1, now, now + o->expires_days * 86400,
	                             files, nfiles);
	if (alertidx_parse(&x, index, strlen(index), "alerts.json", &chk, &d) < 0) {
		log_warnx("%s", _("the new alert index would be refused by the stations:"));
		diag_print(&d, stderr);
		goto out;
	}
	alertidx_free(&x);
	tc = provalert_trusted_comment(now, version + 1);
	sig = minisig_sign(&sk, index, strlen(index), "signature from loaxa-province", tc);
	if (!sig)
		fatalx("cannot sign the alert index");

	/* the files first, durable before anything names them */
	if (audio_src.src && store_file(pdir, &audio_src, audio_sha) < 0)
		goto fail;
	if (cap) {
		char *name = xasprintf("%s.xml", cap_sha);
		int r = install_file(adir, name, cap, cap_len);

		free(name);
		if (r < 0)
			goto fail;
	}
	if (util_fsync_dir(adir) < 0 || util_fsync_dir(pdir) < 0) {
		log_warn(_("cannot sync %s"), o->out);
		goto fail;
	}
	if (install_index(o->out, index, sig, &when) < 0)
		goto fail;
	util_format_time(at, sizeof at, when, true);
	if (cap)
		printf(_("Published %s from %s (%s) in %s.\n"), msg.identifier, msg.sender,
		       msg.msg_type, o->out);
	printf(_("alerts.json version %llu in place at %s: %zu message(s)%s.\n"),
	       (unsigned long long)(version + 1), at, nfiles ? nkept + (cap ? 1 : 0) : 0,
	       dropped ? _(", expired ones left out") : "");
	if (update_manifest(o, province, files, nfiles, &sk, now, &mversion) < 0) {
		log_warnx(_("the manifest was not updated; the alert index is in place"));
		goto out;
	}
	printf(_("manifest.json version %llu lists the alert files too.\n"),
	       (unsigned long long)mversion);
	/* messages that left the index: their files go */
	remove_stale_temps(adir);
	{
		char **names;
		size_t n;

		if (list_files(adir, &names, &n) == 0) {
			for (size_t i = 0; i < n; i++) {
				char *p = xasprintf("alerts/%s", names[i]), *full;
				bool listed = false;

				for (size_t k = 0; k < nfiles && !listed; k++)
					listed = strcmp(files[k].path, p) == 0;
				if (!listed && manifest_is_store_name(names[i])) {
					full = xasprintf("%s/%s", adir, names[i]);
					unlink(full);
					free(full);
				}
				free(p);
			}
			free_names(names, n);
		}
	}
	ret = 0;
	goto out;
fail:
	log_warnx(_("publishing failed; the previous alert index (if any) is still in place"));
out:
	sodium_memzero(&sk, sizeof sk);
	for (size_t i = 0; i < nkept; i++)
		cap_free(&kept[i]);
	if (msg.identifier)
		cap_free(&msg);
	diag_free(&d);
	free(kept);
	free(prev);
	free(files);
	free(audio_src.src);
	free(audio_src.store);
	free(ipath);
	free(buf);
	free(cap);
	free(index);
	free(sig);
	free(tc);
	free(adir);
	free(pdir);
	free(province);
	free(mprovince);
	return ret;
}

static int cmd_alert(int argc, char **argv)
{
	enum { OPT_PROVINCE = 256 };
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"out", required_argument, NULL, 'o'},
	    {"audio", required_argument, NULL, 'a'},
	    {"expires-days", required_argument, NULL, 'e'},
	    {"province", required_argument, NULL, OPT_PROVINCE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct alert_opts o = {.expires_days = 14};
	int c;

	while ((c = getopt_long(argc, argv, "k:o:a:e:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.key = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'a':
			o.audio = optarg;
			break;
		case 'e':
			o.expires_days =
			    util_option_number("loaxa-province", "--expires-days", optarg, 1, 3650);
			break;
		case OPT_PROVINCE:
			o.province = optarg;
			break;
		case 'h':
			usage_alert(stdout);
			return 0;
		default:
			usage_alert(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 == argc)
		o.message = argv[optind++];
	if (optind != argc || !o.key || !o.out || (o.audio && !o.message)) {
		if (!o.key || !o.out)
			log_warnx(_("alert needs --key and --out"));
		usage_alert(stderr);
		return EXIT_USAGE;
	}
	return alert(&o);
}

/* ---- verify and report ------------------------------------------------ */

static int load_stations(const char *path, struct provreport_stations *st)
{
	struct diag d = {0};
	int r = provreport_load_stations(st, path, &d);

	if (r < 0)
		diag_print(&d, stderr);
	diag_free(&d);
	return r;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"stations", required_argument, NULL, 's'},
	    {"all-signatures", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct provreport_stations st;
	const char *stations = NULL;
	bool all_sigs = false;
	int o, r;

	while ((o = getopt_long(argc, argv, "s:ah", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			stations = optarg;
			break;
		case 'a':
			all_sigs = true;
			break;
		case 'h':
			usage_verify(stdout);
			return 0;
		default:
			usage_verify(stderr);
			return EXIT_USAGE;
		}
	}
	if (!stations || optind + 1 != argc) {
		if (!stations)
			log_warnx(_("verify needs --stations"));
		usage_verify(stderr);
		return EXIT_USAGE;
	}
	if (load_stations(stations, &st) < 0)
		return EXIT_USAGE;
	r = provreport_verify(&st, argv[optind], all_sigs, stdout);
	provreport_stations_free(&st);
	if (fflush(stdout) != 0)
		return 1;
	return r < 0 ? EXIT_USAGE : r > 0 ? 1 : 0;
}

/* The priority table's file beside NAME.csv: NAME-priority.csv (and
 * NAME-alerts.csv for the alerts). */
static char *sibling_csv(const char *out, const char *what)
{
	size_t n = strlen(out);

	if (has_suffix(out, ".csv"))
		n -= 4;
	return xasprintf("%.*s-%s.csv", (int)n, out, what);
}

/* A report file is written whole or not at all: a temporary file beside
 * it, renamed when complete. */
struct out_file {
	char *path;
	char *tmp;
	FILE *f;
};

static int out_open(struct out_file *of, const char *path)
{
	char *copy = xstrdup(path), *dir = dirname(copy);

	of->path = xstrdup(path);
	of->tmp = temp_name(dir, basename(of->path));
	free(copy);
	of->f = fopen(of->tmp, "we");
	if (!of->f) {
		log_warn(_("cannot write %s"), of->tmp);
		return -1;
	}
	return 0;
}

static int out_close(struct out_file *of, bool keep)
{
	int r = 0;

	if (of->f) {
		if (keep && (fflush(of->f) != 0 || fsync(fileno(of->f)) != 0)) {
			log_warn(_("cannot write %s"), of->tmp);
			r = -1;
		}
		if (fclose(of->f) != 0 && keep && r == 0) {
			log_warn(_("cannot write %s"), of->tmp);
			r = -1;
		}
		if (keep && r == 0 && rename(of->tmp, of->path) < 0) {
			log_warn(_("cannot install %s"), of->path);
			r = -1;
		}
		if (!keep || r < 0)
			unlink(of->tmp);
	}
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof *of);
	return r;
}

static int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"stations", required_argument, NULL, 's'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"format", required_argument, NULL, 'F'},
	    {"out", required_argument, NULL, 'o'},
	    {"priority-out", required_argument, NULL, 'p'},
	    {"alerts-out", required_argument, NULL, 'A'},
	    {"all-signatures", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct provreport_opts ro = {.now = time(NULL), .out = stdout, .warn = stderr};
	const char *stations = NULL, *from = NULL, *to = NULL, *format = NULL, *out = NULL;
	const char *prio_out = NULL, *alerts_out = NULL;
	struct out_file main_file = {0}, prio_file = {0}, alerts_file = {0};
	struct provreport_stations st;
	char *prio_default = NULL, *alerts_default = NULL;
	int o, r, ret = 1;

	while ((o = getopt_long(argc, argv, "s:f:t:F:o:p:ah", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			stations = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'F':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			prio_out = optarg;
			break;
		case 'A':
			alerts_out = optarg;
			break;
		case 'a':
			ro.all_signatures = true;
			break;
		case 'h':
			usage_report(stdout);
			return 0;
		default:
			usage_report(stderr);
			return EXIT_USAGE;
		}
	}
	if (!stations || !from || !to || !format || optind + 1 != argc) {
		log_warnx(_("report needs --stations, --from, --to, --format and LOGDIR"));
		usage_report(stderr);
		return EXIT_USAGE;
	}
	if (sched_parse_date(from, &ro.from_day) < 0 || sched_parse_date(to, &ro.to_day) < 0 ||
	    ro.to_day < ro.from_day) {
		log_warnx(_("--from and --to must be dates YYYY-MM-DD, --from not after --to"));
		return EXIT_USAGE;
	}
	if (strcmp(format, "csv") == 0) {
		ro.format = PROVREPORT_CSV;
	} else if (strcmp(format, "html") == 0) {
		ro.format = PROVREPORT_HTML;
	} else {
		log_warnx(_("--format must be csv or html"));
		return EXIT_USAGE;
	}
	if ((prio_out || alerts_out) && ro.format != PROVREPORT_CSV) {
		log_warnx(_("--priority-out and --alerts-out are for --format csv"));
		return EXIT_USAGE;
	}
	if (ro.format == PROVREPORT_CSV && out && !prio_out)
		prio_out = prio_default = sibling_csv(out, "priority");
	if (ro.format == PROVREPORT_CSV && out && !alerts_out)
		alerts_out = alerts_default = sibling_csv(out, "alerts");
	if (load_stations(stations, &st) < 0) {
		free(prio_default);
		free(alerts_default);
		return EXIT_USAGE;
	}
	if (out) {
		if (out_open(&main_file, out) < 0)
			goto done;
		ro.out = main_file.f;
	}
	if (prio_out) {
		if (out_open(&prio_file, prio_out) < 0)
			goto done;
		ro.priority_out = prio_file.f;
	}
	if (alerts_out) {
		if (out_open(&alerts_file, alerts_out) < 0)
			goto done;
		ro.alerts_out = alerts_file.f;
	}
	r = provreport_report(&st, argv[optind], &ro);
	if (r < 0) {
		ret = EXIT_USAGE;
		goto done;
	}
	if (ferror(ro.out) || (ro.priority_out && ferror(ro.priority_out)) ||
	    (ro.alerts_out && ferror(ro.alerts_out))) {
		log_warnx(_("cannot write the report"));
		goto done;
	}
	ret = 0;
done:
	if (out_close(&main_file, ret == 0) < 0)
		ret = 1;
	if (out_close(&prio_file, ret == 0) < 0)
		ret = 1;
	if (out_close(&alerts_file, ret == 0) < 0)
		ret = 1;
	if (!out && fflush(stdout) != 0)
		ret = 1;
	provreport_stations_free(&st);
	free(prio_default);
	free(alerts_default);
	return ret;
}

int main(int argc, char **argv)
{
	const char *cmd;

	setlocale(LC_ALL, "");
	bindtextdomain("loaxa", LOCALEDIR);
	textdomain("loaxa");
	msg_init("loaxa-province", false, MSG_INFO);

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	argc--;
	argv++;
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("loaxa-province %s\n", LOAXA_VERSION);
		return 0;
	}
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(cmd, "publish") == 0)
		return cmd_publish(argc, argv);
	if (strcmp(cmd, "alert") == 0)
		return cmd_alert(argc, argv);
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(argc, argv);
	if (strcmp(cmd, "report") == 0)
		return cmd_report(argc, argv);
	log_warnx(_("unknown command \"%s\""), cmd);
	usage(stderr);
	return EXIT_USAGE;
}
