/*
 * catalog: the programmes and province schedules of the active manifest.
 *
 * state_dir/manifest.json was verified when sync.c activated it, and every
 * file it names was verified into state_dir/store/ before that. It is still
 * parsed with every check of manifest.c: the disk is not the network, but a
 * hand-edited or damaged file must not become a path outside the store.
 */
#include "catalog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "i18n.h"
#include "manifest.h"
#include "util.h"

/* The store file of e, if it is there with the declared size (its hash was
 * checked before it entered the store). */
static char *store_file(const char *state_dir, const struct manifest_entry *e)
{
	char *path = xasprintf("%s/store/%s", state_dir, e->name);
	struct stat st;

	if (stat(path, &st) < 0) {
		log_warn(_("catalog: %s (%s) is not in the store"), e->path, e->id ? e->id : "");
	} else if (!S_ISREG(st.st_mode) || st.st_size != e->bytes) {
		log_warnx(_("catalog: %s has %lld bytes in the store, not %lld"), e->path,
		          (long long)st.st_size, (long long)e->bytes);
	} else {
		return path;
	}
	free(path);
	return NULL;
}

int catalog_load(struct catalog *c, const char *state_dir, const char *station_id)
{
	char *file = xasprintf("%s/manifest.json", state_dir);
	struct manifest_check chk = {.station_id = station_id};
	struct diag why = {0};
	struct manifest m;
	char *buf;
	size_t len;

	memset(c, 0, sizeof *c);
	if (util_read_file(file, MANIFEST_MAX_BYTES, &buf, &len) < 0) {
		int saved = errno;

		if (saved == ENOENT) {
			free(file);
			return 0;
		}
		errno = saved;
		log_warn(_("catalog: %s"), file);
		free(file);
		return -1;
	}
	if (manifest_parse(&m, buf, len, file, &chk, &why) < 0) {
		for (size_t i = 0; i < why.n; i++)
			log_warnx(_("catalog: %s"), why.msgs[i]);
		diag_free(&why);
		free(buf);
		free(file);
		return -1;
	}
	free(buf);
	free(file);

	c->version = m.version;
	c->province = xstrdup(m.province);
	c->programmes = xcalloc(m.nprogrammes, sizeof *c->programmes);
	for (size_t i = 0; i < m.nprogrammes; i++) {
		const struct manifest_entry *e = &m.programmes[i];
		struct catalog_programme *p = &c->programmes[c->nprogrammes];
		char *path;

		if (!e->for_station || !(path = store_file(state_dir, e)))
			continue;
		p->id = xstrdup(e->id);
		p->title = xstrdup(e->title);
		p->klass = xstrdup(e->klass);
		p->path = path;
		memcpy(p->sha256, e->sha256, sizeof p->sha256);
		p->bytes = e->bytes;
		p->duration_s = e->duration_s;
		p->loudness_lufs = e->loudness_lufs;
		p->peak_dbfs = e->peak_dbfs;
		p->valid_until = e->valid_until;
		c->nprogrammes++;
	}
	c->schedules = xcalloc(m.nschedules, sizeof *c->schedules);
	for (size_t i = 0; i < m.nschedules; i++) {
		char *path;

		if (m.schedules[i].for_station && (path = store_file(state_dir, &m.schedules[i])))
			c->schedules[c->nschedules++] = path;
	}
	c->relays = xcalloc(m.nrelays + 1, sizeof *c->relays);
	for (size_t i = 0; i < m.nrelays; i++) {
		struct catalog_relay *r = &c->relays[c->nrelays];

		if (!m.relays[i].for_station)
			continue;
		r->id = xstrdup(m.relays[i].id);
		r->title = xstrdup(m.relays[i].title);
		r->url = xstrdup(m.relays[i].url);
		c->nrelays++;
	}
	manifest_free(&m);
	return 0;
}

void catalog_free(struct catalog *c)
{
	for (size_t i = 0; i < c->nprogrammes; i++) {
		free(c->programmes[i].id);
		free(c->programmes[i].title);
		free(c->programmes[i].klass);
		free(c->programmes[i].path);
	}
	free(c->programmes);
	for (size_t i = 0; i < c->nschedules; i++)
		free(c->schedules[i]);
	free(c->schedules);
	for (size_t i = 0; i < c->nrelays; i++) {
		free(c->relays[i].id);
		free(c->relays[i].title);
		free(c->relays[i].url);
	}
	free(c->relays);
	free(c->province);
	memset(c, 0, sizeof *c);
}

const struct catalog_programme *catalog_find(const struct catalog *c, const char *id)
{
	for (size_t i = 0; i < c->nprogrammes; i++)
		if (strcmp(c->programmes[i].id, id) == 0)
			return &c->programmes[i];
	return NULL;
}

const struct catalog_relay *catalog_find_relay(const struct catalog *c, const char *id)
{
	for (size_t i = 0; i < c->nrelays; i++)
		if (strcmp(c->relays[i].id, id) == 0)
			return &c->relays[i];
	return NULL;
}
