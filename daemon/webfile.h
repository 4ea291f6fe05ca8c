/*
 * webfile: the operator's recordings in audio_dir, as the web page handles
 * them — a programme file uploaded from a phone is written to a hidden
 * temporary file in audio_dir, checked by decoding every frame of it with
 * the player's own decoder (decode.c), and only then given a safe name of
 * its own (never replacing a file that is there), fsynced and linked into
 * place. What is not audio, or is cut short, is refused with the reason and
 * removed.
 */
#ifndef LOAXA_WEBFILE_H
#define LOAXA_WEBFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WEBFILE_NAME_MAX   80
#define WEBFILE_TMP_PREFIX ".upload-"

/*
 * A safe name for an uploaded file from the name the browser gave: its
 * base name without extension, Vietnamese letters folded to their ASCII
 * base ("Thông báo Xã.MP3" -> "thong-bao-xa"), lower case, only a-z, 0-9,
 * '.', '_' and '-' (other runs become one '-'), not starting with '.' or
 * '-', at most WEBFILE_NAME_MAX bytes with ext (e.g. ".mp3") appended;
 * "recording" when nothing is left. Pure.
 */
void webfile_safe_name(const char *given, const char *ext, char *out, size_t n);

/* A new hidden temporary file in dir for an upload: fd, *path malloc'd. */
int webfile_begin(const char *dir, char **path);

struct webfile_info {
	char name[WEBFILE_NAME_MAX + 16]; /* the name it was stored under */
	double duration_s;
	int rate, channels;
	const char *format; /* "WAV", "FLAC", "Ogg Vorbis", "Opus", "MP3" */
};

/* Check the upload in tmp (in dir) and store it under a safe name made
 * from given. 0, or -1 with why (translated) and tmp removed. */
int webfile_store(const char *dir, const char *tmp, const char *given, struct webfile_info *info,
                  char *why, size_t whylen);

/* Remove temporary files that an upload cut short (a crash) left in dir. */
void webfile_clean(const char *dir);

struct webfile_entry {
	char *name;
	double duration_s; /* 0: unknown, or not audio */
	off_t bytes;
};

/* The files of dir a schedule can name (regular, not hidden, UTF-8 names
 * without control characters), sorted by name. Returns the count. */
size_t webfile_list(const char *dir, struct webfile_entry **out);
void webfile_list_free(struct webfile_entry *v, size_t n);
/* name is one of the files webfile_list would give for dir. */
bool webfile_exists(const char *dir, const char *name);

#endif
