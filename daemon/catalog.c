/*
 * catalog: programmes of the active province manifest.
 */
#include "catalog.h"

#include <stdlib.h>
#include <string.h>

int catalog_load(struct catalog *c, const char *state_dir, const char *station_id)
{
	(void)state_dir;
	(void)station_id;
	memset(c, 0, sizeof *c);
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
