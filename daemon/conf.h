/*
 * conf: loaxad.conf (libconfig), read once, checked completely.
 *
 * Every key has a default except station.id. An unknown key, a wrong type
 * or a value out of range is reported as "FILE:LINE: ..." naming the key.
 */
#ifndef LOAXA_CONF_H
#define LOAXA_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "diag.h"

#define CONF_DEFAULT_PATH "/etc/loaxa/loaxad.conf"
/* Nothing but emergencies plays at night unless the operator says otherwise. */
#define CONF_DEFAULT_QUIET_HOURS "21:30-05:00"

struct conf_option {
	char *key;
	char *value;
};

struct conf {
	char *path;         /* the file read */
	char *station_id;   /* [a-z0-9][a-z0-9-]{0,63} */
	char *station_name; /* default: station_id */
	char **geocodes;    /* station.geocodes: administrative unit codes (alerts) */
	int ngeocodes;
	char *state_dir;      /* default /var/lib/loaxa */
	char *schedule_dir;   /* default /etc/loaxa/schedules */
	char *audio_dir;      /* default /var/lib/loaxa/local */
	char *control_socket; /* default /run/loaxa/control.sock */
	char *timezone;       /* NULL: the system's */
	int quiet_start;      /* seconds after local midnight; -1 = no quiet hours */
	int quiet_end;        /* quiet when t in [start, end) modulo a day */
	int catch_up_s;       /* default 300, 0..86400 */

	struct {
		char *driver;                /* default "alsa" */
		struct conf_option *options; /* passed to ao_append_option */
		int noptions;
		int rate;           /* default 48000, 8000..192000 */
		int channels;       /* default 2, 1..8 */
		char *file;         /* "" default; required for wav/au/raw */
		double gain_db;     /* default 0, -60..+20 */
		double target_lufs; /* default -16, -70..0 */
	} audio;

	struct {
		char *manifest_url;    /* NULL/"" = no sync */
		char *public_key;      /* minisign public key, base64 line */
		char *log_url;         /* NULL/"" = no upload */
		int sync_interval_s;   /* default 300 */
		int upload_interval_s; /* default 300 */
		int upload_hold_s;     /* default 3600; 0: cut every interval */
		char *ca_file;
		char *pinned_public_key;
		int64_t max_download_bytes; /* default 268435456 */
		char *alert_url;      /* default: alerts.json beside manifest_url; NULL: none */
		int alert_interval_s; /* default 10 */
	} province;

	struct {
		char *on_command;
		char *off_command;
		int lead_s; /* default 3 */
		int tail_s; /* default 5 */
	} amplifier;

	/* The operator's web page (loaxa-web); off unless listen is set. */
	struct {
		char *listen;   /* "ADDR:PORT" or "[ADDR6]:PORT"; NULL = off */
		char *tls_cert; /* PEM file; NULL = plain HTTP (both or neither) */
		char *tls_key;
		int session_s;            /* default 3600: a login lasts this long idle */
		int64_t max_upload_bytes; /* default 104857600 */
	} web;

	struct {                       /* relay items (relaymon.h) */
		double silence_dbfs;   /* default -50: a peak below is silence */
		double silence_s;      /* default 10: silent this long, fallback */
		double stall_s;        /* default 5: no data this long, fallback */
		double holdoff_s;      /* default 30: good this long, back */
		int connect_timeout_s; /* default 10 */
		double buffer_s;       /* default 2: the jitter buffer */
		double preroll_s;      /* default 5: connect this early */
		double gain_db;        /* default 0: added to audio.gain_db */
		char *fallback;        /* the station's fallback file, NULL none */
		char *announcement;    /* the last fallback, NULL: a chime */
	} relay;
};

/* Parse "HH:MM-HH:MM" ("" = none). Returns 0 or -1. */
int conf_parse_quiet(const char *s, int *start, int *end);
/* true when sec_of_day lies inside quiet hours. */
bool conf_in_quiet(const struct conf *c, int sec_of_day);

/* Parse web.listen: "192.168.1.10:8080", "0.0.0.0:8080", "[::]:8080".
 * Fills *addr (AF_INET or AF_INET6, port set) and *addrlen. 0 or -1. */
int conf_parse_listen(const char *s, struct sockaddr_storage *addr, socklen_t *addrlen);

/* Load and check path; problems are appended to d. Returns 0 when the
 * config is usable (d empty), -1 otherwise (c is then freed). */
int conf_load(struct conf *c, const char *path, struct diag *d);
/* conf_load at a program's start: the problems, if any, printed on
 * stderr. 0, or -1 (c is then freed). */
int conf_load_report(struct conf *c, const char *path);
void conf_free(struct conf *c);
/* The station's timezone (when set) for this process's local times: TZ,
 * as localtime() reads it. */
void conf_use_timezone(const struct conf *c);

/*
 * After a successful conf_load: station_name, the *_dir paths,
 * control_socket, audio.driver and audio.file are never NULL (audio.file
 * may be ""); timezone, the province strings and the amplifier commands
 * are NULL when absent or "". audio.options keeps the file's order, numbers
 * converted to their decimal text. web.listen, web.tls_cert and
 * web.tls_key are NULL when absent or "".
 */

/* true for the libao drivers that write to audio.file (wav, au, raw). */
bool conf_file_driver(const char *driver);

#endif
