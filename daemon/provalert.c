/*
 * provalert: the alert index, the manifest's "alerts" list and the audio
 * resource of a CAP message, as loaxa-province alert writes them.
 */
#include "provalert.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertidx.h"
#include "i18n.h"
#include "util.h"

int provalert_previous(const void *buf, size_t len, uint64_t *version,
                       struct provalert_file **files, size_t *n, const char **why)
{
	json_t *root = json_loadb(buf, len, 0, NULL), *list, *v, *e;
	size_t i;

	*files = NULL;
	*n = 0;
	*version = 0;
	if (!json_is_object(root)) {
		json_decref(root);
		*why = N_("not a JSON object");
		return -1;
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		json_decref(root);
		*why = N_("no positive integer \"version\"");
		return -1;
	}
	*version = (uint64_t)json_integer_value(v);
	list = json_object_get(root, "alerts");
	if (list && !json_is_array(list)) {
		json_decref(root);
		*why = N_("\"alerts\" is not a list");
		return -1;
	}
	*files = xcalloc(json_array_size(list) + 1, sizeof **files);
	json_array_foreach(list, i, e)
	{
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *sha = json_string_value(json_object_get(e, "sha256"));
		json_t *bytes = json_object_get(e, "bytes");
		struct provalert_file *f = &(*files)[*n];

		if (!path || !sha || strlen(path) >= sizeof f->path || strlen(sha) != 64 ||
		    !json_is_integer(bytes)) {
			free(*files);
			*files = NULL;
			*n = 0;
			json_decref(root);
			*why = N_("an entry of \"alerts\" is not {path, sha256, bytes}");
			return -1;
		}
		snprintf(f->path, sizeof f->path, "%s", path);
		memcpy(f->sha256, sha, 65);
		f->bytes = json_integer_value(bytes);
		(*n)++;
	}
	json_decref(root);
	return 0;
}

static json_t *time_json(time_t t)
{
	char buf[48];

	util_format_time(buf, sizeof buf, (struct timespec){.tv_sec = t}, false);
	return json_string(buf);
}

static json_t *files_json(const struct provalert_file *files, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:I}", "path", files[i].path, "sha256",
		                                   files[i].sha256, "bytes",
		                                   (json_int_t)files[i].bytes));
	return a;
}

static char *dump(json_t *root)
{
	char *text =
	    json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	char *out;

	if (!text)
		fatalx("cannot format JSON");
	out = xasprintf("%s\n", text);
	free(text);
	return out;
}

char *provalert_index_json(const char *province, uint64_t version, time_t issued, time_t expires,
                           const struct provalert_file *files, size_t n)
{
	json_t *root = json_object();
	char *out;

	json_object_set_new(root, "format", json_string(ALERTIDX_FORMAT));
	json_object_set_new(root, "province", json_string(province));
	json_object_set_new(root, "version", json_integer((json_int_t)version));
	json_object_set_new(root, "issued", time_json(issued));
	json_object_set_new(root, "expires", time_json(expires));
	json_object_set_new(root, "alerts", files_json(files, n));
	out = dump(root);
	json_decref(root);
	return out;
}

char *provalert_trusted_comment(time_t when, uint64_t version)
{
	return xasprintf("timestamp:%lld file:alerts.json version:%llu", (long long)when,
	                 (unsigned long long)version);
}

char *provalert_manifest_set(const char *manifest, const struct provalert_file *files, size_t n,
                             bool bump, time_t now, uint64_t *version, const char **why)
{
	json_t *root = json_loads(manifest, JSON_PRESERVE_ORDER, NULL), *v;
	char *out;

	if (!json_is_object(root)) {
		json_decref(root);
		*why = N_("not a JSON object");
		return NULL;
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		json_decref(root);
		*why = N_("no positive integer \"version\"");
		return NULL;
	}
	*version = (uint64_t)json_integer_value(v);
	if (bump) {
		(*version)++;
		json_object_set_new(root, "version", json_integer((json_int_t)*version));
		json_object_set_new(root, "issued", time_json(now));
	}
	if (n)
		json_object_set_new(root, "alerts", files_json(files, n));
	else
		json_object_del(root, "alerts");
	out = dump(root);
	json_decref(root);
	return out;
}

/* Text for an XML element's content: the five special characters escaped. */
static char *xml_text(const char *s)
{
	char *out = xmalloc(strlen(s) * 6 + 1), *o = out;

	for (; *s; s++) {
		const char *rep = *s == '<'    ? "&lt;"
		                  : *s == '>'  ? "&gt;"
		                  : *s == '&'  ? "&amp;"
		                  : *s == '"'  ? "&quot;"
		                  : *s == '\'' ? "&apos;"
		                               : NULL;

		if (rep) {
			memcpy(o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

char *provalert_add_resource(const char *cap, size_t len, size_t offset, const char *desc,
                             const char *mime, int64_t bytes, const char *uri, const char *sha1_hex,
                             size_t *out_len)
{
	char *d = xml_text(desc), *u = xml_text(uri), *block, *out;
	size_t blen;

	block = xasprintf("  <resource xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n"
	                  "      <resourceDesc>%s</resourceDesc>\n"
	                  "      <mimeType>%s</mimeType>\n"
	                  "      <size>%lld</size>\n"
	                  "      <uri>%s</uri>\n"
	                  "      <digest>%s</digest>\n"
	                  "    </resource>\n  ",
	                  d, mime, (long long)bytes, u, sha1_hex);
	blen = strlen(block);
	if (offset > len)
		offset = len;
	out = xmalloc(len + blen + 1);
	memcpy(out, cap, offset);
	memcpy(out + offset, block, blen);
	memcpy(out + offset + blen, cap + offset, len - offset);
	out[len + blen] = '\0';
	*out_len = len + blen;
	free(block);
	free(d);
	free(u);
	return out;
}

const char *provalert_mime(const char *ext)
{
	static const struct {
		const char *ext, *mime;
	} t[] = {{"ogg", "audio/ogg"},  {"oga", "audio/ogg"}, {"opus", "audio/ogg"},
	         {"mp3", "audio/mpeg"}, {"wav", "audio/wav"}, {"flac", "audio/flac"},
	         {"m4a", "audio/mp4"},  {"aac", "audio/aac"}};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(ext, t[i].ext) == 0)
			return t[i].mime;
	return "audio/octet-stream";
}

const char *provalert_severity_for_level(int level)
{
	static const char *const sev[] = {"Unknown", "Minor",   "Moderate",
	                                  "Severe",  "Extreme", "Extreme"};

	return level >= 1 && level <= 5 ? sev[level] : "Unknown";
}
