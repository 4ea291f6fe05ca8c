/*
 * alertidx: parse and check alerts.json. Its files are checked by the
 * manifest's own rules (manifest_parse_alert_files), so a path that could
 * leave the publication, a size beyond the limit or a hash that does not
 * name the file is refused the same way in both documents.
 */
#include "alertidx.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "util.h"

static bool time_member(json_t *root, const char *key, time_t *t)
{
	const char *s = json_string_value(json_object_get(root, key));
	struct timespec ts;

	if (!s || util_parse_time(s, &ts) < 0)
		return false;
	*t = ts.tv_sec;
	return true;
}

int alertidx_parse(struct alertidx *x, const void *buf, size_t len, const char *name,
                   const struct manifest_check *chk, struct diag *why)
{
	size_t before = why->n;
	json_error_t err;
	json_t *root, *v, *list;
	const char *s;

	memset(x, 0, sizeof *x);
	if (len > ALERTIDX_MAX_BYTES) {
		diag_add(why, name, 0, _("larger than %d bytes"), ALERTIDX_MAX_BYTES);
		return -1;
	}
	util_sha256_hex(buf, len, x->sha256);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		diag_add(why, name, err.line > 0 ? err.line : 0, _("not valid JSON: %s"), err.text);
		return -1;
	}
	s = json_string_value(json_object_get(root, "format"));
	if (!json_is_object(root) || !s || strcmp(s, ALERTIDX_FORMAT) != 0) {
		diag_add(why, name, 0, _("\"format\" is not \"%s\""), ALERTIDX_FORMAT);
		goto out;
	}
	s = json_string_value(json_object_get(root, "province"));
	if (!s || !manifest_safe_id(s))
		diag_add(why, name, 0, "%s", _("\"province\" missing or not a safe name"));
	else
		x->province = xstrdup(s);
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		diag_add(why, name, 0, "%s", _("\"version\" must be a positive integer"));
	} else {
		x->version = (uint64_t)json_integer_value(v);
		if (x->version < chk->last_version)
			diag_add(
			    why, name, 0,
			    _("version %llu is older than the accepted version %llu (rollback)"),
			    (unsigned long long)x->version, (unsigned long long)chk->last_version);
		else if (x->version == chk->last_version && chk->last_sha256 &&
		         strcmp(x->sha256, chk->last_sha256) != 0)
			diag_add(
			    why, name, 0,
			    _("version %llu differs from the accepted index of the same version"),
			    (unsigned long long)x->version);
	}
	if (!time_member(root, "issued", &x->issued) || !time_member(root, "expires", &x->expires))
		diag_add(why, name, 0, "%s",
		         _("\"issued\" or \"expires\" missing or not a time like "
		           "2026-11-26T08:00:00+07:00"));
	else if (x->expires <= x->issued)
		diag_add(why, name, 0, "%s", _("\"expires\" is not after \"issued\""));
	else if (chk->clock_trusted && x->expires <= chk->now)
		diag_add(why, name, 0, "%s", _("expired: \"expires\" is in the past"));
	list = json_object_get(root, "alerts");
	if (json_is_array(list) && json_array_size(list) > ALERTIDX_MAX_FILES)
		diag_add(why, name, 0, _("\"%s\" has more than %d entries"), "alerts",
		         ALERTIDX_MAX_FILES);
	else if (why->n == before)
		manifest_parse_alert_files(list, name, chk, &x->files, &x->nfiles, why);
out:
	json_decref(root);
	if (why->n > before) {
		alertidx_free(x);
		return -1;
	}
	return 0;
}

void alertidx_free(struct alertidx *x)
{
	manifest_entries_free(x->files, x->nfiles);
	free(x->province);
	memset(x, 0, sizeof *x);
}

const struct manifest_entry *alertidx_find(const struct manifest_entry *files, size_t n,
                                           const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (files[i].path && strcmp(files[i].path, path) == 0)
			return &files[i];
	return NULL;
}
