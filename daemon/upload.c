/*
 * upload: placeholder until the upload thread lands.
 */
#include "upload.h"

#include <stddef.h>

int upload_station_key(const char *state_dir, const char *station_id)
{
	(void)state_dir;
	(void)station_id;
	return 0;
}

struct upload *upload_start(const struct conf *c)
{
	(void)c;
	return NULL;
}

void upload_set_status(struct upload *u, const char *json_text)
{
	(void)u;
	(void)json_text;
}

void upload_now(struct upload *u)
{
	(void)u;
}

int upload_outbox(struct upload *u)
{
	(void)u;
	return 0;
}

void upload_stop(struct upload *u)
{
	(void)u;
}
