/*
 * webfile: uploads into audio_dir and its listing (see webfile.h).
 */
#include "webfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "i18n.h"
#include "util.h"

/* --- names ------------------------------------------------------------------- */

/* The next code point of a UTF-8 string, 0xFFFD for a bad byte. */
static unsigned long next_cp(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	unsigned long cp;
	int extra;

	if (p[0] < 0x80) {
		*pp = p + 1;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0)
		cp = p[0] & 0x1F, extra = 1;
	else if ((p[0] & 0xF0) == 0xE0)
		cp = p[0] & 0x0F, extra = 2;
	else if ((p[0] & 0xF8) == 0xF0)
		cp = p[0] & 0x07, extra = 3;
	else {
		*pp = p + 1;
		return 0xFFFD;
	}
	for (int i = 1; i <= extra; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*pp = p + i;
			return 0xFFFD;
		}
		cp = cp << 6 | (p[i] & 0x3F);
	}
	*pp = p + extra + 1;
	return cp;
}

/* The ASCII letter a Vietnamese (or other Latin) letter is written on, in
 * lower case; 0 for a combining mark (dropped); '-' for anything else. */
static char fold(unsigned long cp)
{
	/* Latin-1 from U+00C0, in order */
	static const char latin1[] = "aaaaaaaceeeeiiiidnooooo-ouuuuyts"
	                             "aaaaaaaceeeeiiiidnooooo-ouuuuyty";
	/* U+1EA0..U+1EF9: Ạ..ặ (24) Ẹ..ệ (16) Ỉ..ị (4) Ọ..ợ (24) Ụ..ự (14) Ỳ..ỹ (8) */
	static const struct {
		unsigned long last;
		char base;
	} block[] = {{0x1EB7, 'a'}, {0x1EC7, 'e'}, {0x1ECB, 'i'},
	             {0x1EE3, 'o'}, {0x1EF1, 'u'}, {0x1EF9, 'y'}};

	if (cp >= 'A' && cp <= 'Z')
		return (char)(cp - 'A' + 'a');
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '.' || cp == '_' ||
	    cp == '-')
		return (char)cp;
	if (cp >= 0x0300 && cp <= 0x036F)
		return 0;
	if (cp >= 0xC0 && cp <= 0xFF)
		return latin1[cp - 0xC0];
	if (cp >= 0x1EA0 && cp <= 0x1EF9) {
		for (size_t i = 0; i < sizeof block / sizeof block[0]; i++)
			if (cp <= block[i].last)
				return block[i].base;
	}
	switch (cp) {
	case 0x0102: /* Ă ă */
	case 0x0103:
		return 'a';
	case 0x0110: /* Đ đ */
	case 0x0111:
		return 'd';
	case 0x0128: /* Ĩ ĩ */
	case 0x0129:
		return 'i';
	case 0x0168: /* Ũ ũ */
	case 0x0169:
	case 0x01AF: /* Ư ư */
	case 0x01B0:
		return 'u';
	case 0x01A0: /* Ơ ơ */
	case 0x01A1:
		return 'o';
	default:
		return '-';
	}
}

void webfile_safe_name(const char *given, const char *ext, char *out, size_t n)
{
	const char *base = strrchr(given, '/'), *back = strrchr(given, '\\'), *dot, *end;
	size_t len = 0, room;
	const unsigned char *p;

	/* browsers send a base name; some older ones a whole Windows path */
	if (back && (!base || back > base))
		base = back;
	base = base ? base + 1 : given;
	dot = strrchr(base, '.');
	end = dot && dot > base ? dot : base + strlen(base);
	room = strlen(ext) + 1 < n ? n - strlen(ext) - 1 : 0;
	if (room > WEBFILE_NAME_MAX - strlen(ext))
		room = WEBFILE_NAME_MAX - strlen(ext);
	for (p = (const unsigned char *)base; (const char *)p < end && *p && len < room;) {
		char c = fold(next_cp(&p));

		if (c == 0)
			continue;
		if (c == '-' && (len == 0 || out[len - 1] == '-'))
			continue;
		if ((c == '.' || c == '_') && len == 0)
			continue;
		out[len++] = c;
	}
	while (len > 0 && (out[len - 1] == '-' || out[len - 1] == '.' || out[len - 1] == '_'))
		len--;
	if (len == 0 && room >= 9)
		len = (size_t)snprintf(out, room + 1, "recording");
	out[len] = '\0';
	if (len + strlen(ext) < n)
		strcat(out, ext);
}

/* --- uploads ----------------------------------------------------------------- */

int webfile_begin(const char *dir, char **path)
{
	int fd;

	*path = xasprintf("%s/" WEBFILE_TMP_PREFIX "XXXXXX", dir);
	fd = mkostemp(*path, O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0640) < 0) {
		int saved = errno;

		if (fd >= 0) {
			close(fd);
			unlink(*path);
		}
		free(*path);
		*path = NULL;
		errno = saved;
		return -1;
	}
	return fd;
}

static const char *format_name(int format, const char **ext)
{
	int major = format & SF_FORMAT_TYPEMASK, sub = format & SF_FORMAT_SUBMASK;

	switch (major) {
	case SF_FORMAT_WAV:
	case SF_FORMAT_WAVEX:
		*ext = ".wav";
		return "WAV";
	case SF_FORMAT_FLAC:
		*ext = ".flac";
		return "FLAC";
	case SF_FORMAT_OGG:
		if (sub == SF_FORMAT_OPUS) {
			*ext = ".opus";
			return "Opus";
		}
		*ext = ".ogg";
		return "Ogg Vorbis";
	case SF_FORMAT_MPEG:
		*ext = ".mp3";
		return "MP3";
	default:
		return NULL;
	}
}

/* Decode every frame: what the player would find, it finds now. */
static int decode_all(const char *path, struct webfile_info *info, const char **ext, char *why,
                      size_t whylen)
{
	struct decode *d;
	char err[200] = "";
	float *buf;
	int64_t frames = 0;
	long got;
	enum decode_result r = decode_open(&d, path, 0, 0, err, sizeof err);

	if (r != DECODE_OK) {
		if (r == DECODE_NOT_AUDIO)
			snprintf(why, whylen, _("not an audio file that loaxa can play (%s)"), err);
		else
			snprintf(why, whylen, _("cannot read the upload: %s"), err);
		return -1;
	}
	info->format = format_name(decode_info(d)->format, ext);
	info->rate = decode_info(d)->rate;
	info->channels = decode_info(d)->channels;
	buf = xmalloc(4096 * (size_t)decode_out_channels(d) * sizeof *buf);
	while ((got = decode_read(d, buf, 4096)) > 0)
		frames += got;
	free(buf);
	if (decode_truncated(d)) {
		snprintf(why, whylen, _("the file is damaged or cut short after %.1f s (%s)"),
		         info->rate > 0 ? (double)frames / info->rate : 0.0, decode_error(d));
		decode_close(d);
		return -1;
	}
	decode_close(d);
	if (frames == 0) {
		snprintf(why, whylen, "%s", _("the file holds no sound"));
		return -1;
	}
	info->duration_s = (double)frames / info->rate;
	return 0;
}

int webfile_store(const char *dir, const char *tmp, const char *given, struct webfile_info *info,
                  char *why, size_t whylen)
{
	const char *ext = NULL;
	char stem[WEBFILE_NAME_MAX + 1];
	int fd;

	memset(info, 0, sizeof *info);
	/* which format it is decides the extension, not what it was called */
	if (decode_all(tmp, info, &ext, why, whylen) < 0)
		goto fail;
	if (!info->format) {
		snprintf(why, whylen, "%s",
		         _("this kind of audio file is not taken: send WAV, FLAC, Ogg Vorbis, Opus "
		           "or MP3"));
		goto fail;
	}
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		snprintf(why, whylen, _("cannot store the upload: %s"), strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	close(fd);
	webfile_safe_name(given, "", stem, sizeof stem);
	if (strlen(stem) + strlen(ext) > WEBFILE_NAME_MAX)
		stem[WEBFILE_NAME_MAX - strlen(ext) - 4] = '\0';
	/* a name of its own: link() never replaces what is there */
	for (int i = 1; i < 1000; i++) {
		char *path;
		int rc;

		if (i == 1)
			snprintf(info->name, sizeof info->name, "%s%s", stem, ext);
		else
			snprintf(info->name, sizeof info->name, "%s-%d%s", stem, i, ext);
		path = xasprintf("%s/%s", dir, info->name);
		rc = link(tmp, path);
		free(path);
		if (rc == 0) {
			unlink(tmp);
			if (util_fsync_dir(dir) < 0) {
				snprintf(why, whylen, _("cannot store the upload: %s"),
				         strerror(errno));
				return -1;
			}
			return 0;
		}
		if (errno != EEXIST) {
			snprintf(why, whylen, _("cannot store the upload: %s"), strerror(errno));
			goto fail;
		}
	}
	snprintf(why, whylen, "%s", _("too many files of that name; rename it and try again"));
fail:
	unlink(tmp);
	return -1;
}

void webfile_clean(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, WEBFILE_TMP_PREFIX, strlen(WEBFILE_TMP_PREFIX)) == 0 &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			log_notice("removed %s/%s, an upload that was cut short", dir, de->d_name);
	}
	closedir(d);
}

/* --- listing ----------------------------------------------------------------- */

static bool listable(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (name[0] == '.' || strlen(name) > 255)
		return false;
	while (*p) {
		unsigned long cp = next_cp(&p);

		if (cp < 0x20 || cp == 0x7F || cp == 0xFFFD)
			return false;
	}
	return true;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct webfile_entry *)a)->name,
	              ((const struct webfile_entry *)b)->name);
}

size_t webfile_list(const char *dir, struct webfile_entry **out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stat st;
		struct decode *dec;
		char *path;

		if (!listable(de->d_name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		*out = xreallocarray(*out, n + 1, sizeof **out);
		(*out)[n].name = xstrdup(de->d_name);
		(*out)[n].bytes = st.st_size;
		(*out)[n].duration_s = 0;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (decode_open(&dec, path, 0, 0, NULL, 0) == DECODE_OK) {
			(*out)[n].duration_s = decode_info(dec)->duration_s;
			decode_close(dec);
		}
		free(path);
		n++;
	}
	closedir(d);
	if (n)
		qsort(*out, n, sizeof **out, cmp_entry);
	return n;
}

void webfile_list_free(struct webfile_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

bool webfile_exists(const char *dir, const char *name)
{
	struct stat st;
	char *path;
	bool ok;

	if (!listable(name) || strchr(name, '/'))
		return false;
	path = xasprintf("%s/%s", dir, name);
	ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return ok;
}
