/*
 * cap: CAP 1.2 parsing with libexpat, and what a station makes of a
 * message.
 *
 * The parser keeps a stack of the elements it is inside. Each element
 * gets a role from its parent and its name: a container (alert, info,
 * parameter, resource, area, geocode), a leaf whose text is kept, or a
 * CAP element loaxa does not use, whose whole subtree is skipped, as is
 * anything in another namespace (an XML signature, say). A CAP-namespace
 * name that CAP 1.2 does not have is an error, as is a DOCTYPE: without
 * one no entity can be declared, so none can be expanded.
 */
#include "cap.h"

#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "util.h"

#define CAP_MAX_DEPTH 16
#define NS_SEP        '|'

enum role {
	R_NONE,
	R_SKIP,
	/* containers */
	R_ALERT,
	R_INFO,
	R_PARAMETER,
	R_RESOURCE,
	R_AREA,
	R_GEOCODE,
	/* leaves of alert */
	R_IDENTIFIER,
	R_SENDER,
	R_SENT,
	R_STATUS,
	R_MSGTYPE,
	R_SCOPE,
	R_REFERENCES,
	/* leaves of info */
	R_LANGUAGE,
	R_CATEGORY,
	R_EVENT,
	R_URGENCY,
	R_SEVERITY,
	R_CERTAINTY,
	R_EXPIRES,
	R_HEADLINE,
	R_DESCRIPTION,
	R_INSTRUCTION,
	/* leaves of parameter and geocode */
	R_VALUENAME,
	R_VALUE,
	/* leaves of resource */
	R_RESOURCEDESC,
	R_MIMETYPE,
	R_SIZE,
	R_URI,
	R_DIGEST,
	/* leaf of area */
	R_AREADESC,
};

struct child {
	const char *name;
	enum role role;
};

/* Per container: the children CAP 1.2 allows; R_SKIP for those loaxa
 * does not use. */
static const struct child alert_children[] = {
    {"identifier", R_IDENTIFIER},
    {"sender", R_SENDER},
    {"sent", R_SENT},
    {"status", R_STATUS},
    {"msgType", R_MSGTYPE},
    {"scope", R_SCOPE},
    {"references", R_REFERENCES},
    {"info", R_INFO},
    {"source", R_SKIP},
    {"restriction", R_SKIP},
    {"addresses", R_SKIP},
    {"code", R_SKIP},
    {"note", R_SKIP},
    {"incidents", R_SKIP},
    {NULL, R_NONE},
};

static const struct child info_children[] = {
    {"language", R_LANGUAGE},
    {"category", R_CATEGORY},
    {"event", R_EVENT},
    {"urgency", R_URGENCY},
    {"severity", R_SEVERITY},
    {"certainty", R_CERTAINTY},
    {"expires", R_EXPIRES},
    {"headline", R_HEADLINE},
    {"description", R_DESCRIPTION},
    {"instruction", R_INSTRUCTION},
    {"parameter", R_PARAMETER},
    {"resource", R_RESOURCE},
    {"area", R_AREA},
    {"responseType", R_SKIP},
    {"audience", R_SKIP},
    {"eventCode", R_SKIP},
    {"effective", R_SKIP},
    {"onset", R_SKIP},
    {"senderName", R_SKIP},
    {"web", R_SKIP},
    {"contact", R_SKIP},
    {NULL, R_NONE},
};

static const struct child pair_children[] = {
    {"valueName", R_VALUENAME},
    {"value", R_VALUE},
    {NULL, R_NONE},
};

static const struct child resource_children[] = {
    {"resourceDesc", R_RESOURCEDESC},
    {"mimeType", R_MIMETYPE},
    {"size", R_SIZE},
    {"uri", R_URI},
    {"digest", R_DIGEST},
    {"derefUri", R_SKIP},
    {NULL, R_NONE},
};

static const struct child area_children[] = {
    {"areaDesc", R_AREADESC}, {"geocode", R_GEOCODE}, {"polygon", R_SKIP}, {"circle", R_SKIP},
    {"altitude", R_SKIP},     {"ceiling", R_SKIP},    {NULL, R_NONE},
};

struct parse {
	XML_Parser xp;
	struct cap_alert *a;
	enum role stack[CAP_MAX_DEPTH];
	const char *names[CAP_MAX_DEPTH]; /* local names, for messages (static copies) */
	int depth;
	int skip; /* > 0: inside a skipped subtree, this deep */
	char *text;
	size_t tlen, tcap;
	char *references;
	size_t ncategories; /* of the info being read */
	char *why;
	size_t why_len;
	bool failed;
};

static void fail(struct parse *p, const char *fmt, ...) MSG_PRINTF(2, 3);

static void fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(p->why, p->why_len, fmt, ap);
	va_end(ap);
	XML_StopParser(p->xp, XML_FALSE);
}

static bool is_leaf(enum role r)
{
	return r >= R_IDENTIFIER;
}

static const struct child *children_of(enum role r)
{
	switch (r) {
	case R_ALERT:
		return alert_children;
	case R_INFO:
		return info_children;
	case R_PARAMETER:
	case R_GEOCODE:
		return pair_children;
	case R_RESOURCE:
		return resource_children;
	case R_AREA:
		return area_children;
	default:
		return NULL;
	}
}

/* The last of an array of n elements, grown by one and zeroed. */
#define GROW(arr, n)                                                                               \
	(arr = xreallocarray(arr, n + 1, sizeof *arr), memset(&arr[n], 0, sizeof *arr), &arr[n++])

static struct cap_info *cur_info(struct parse *p)
{
	return &p->a->infos[p->a->ninfos - 1];
}

static void begin_container(struct parse *p, enum role r, const char *name)
{
	struct cap_alert *a = p->a;
	struct cap_info *info;

	switch (r) {
	case R_INFO:
		if (a->ninfos >= CAP_MAX_INFOS) {
			fail(p, _("more than %d <info> blocks"), CAP_MAX_INFOS);
			return;
		}
		GROW(a->infos, a->ninfos);
		p->ncategories = 0;
		return;
	case R_PARAMETER:
		info = cur_info(p);
		if (info->nparameters >= CAP_MAX_PARAMETERS) {
			fail(p, _("more than %d <%s> in an <info>"), CAP_MAX_PARAMETERS, name);
			return;
		}
		GROW(info->parameters, info->nparameters);
		return;
	case R_RESOURCE:
		info = cur_info(p);
		if (info->nresources >= CAP_MAX_RESOURCES) {
			fail(p, _("more than %d <%s> in an <info>"), CAP_MAX_RESOURCES, name);
			return;
		}
		GROW(info->resources, info->nresources)->size = -1;
		return;
	case R_AREA:
		info = cur_info(p);
		if (info->nareas >= CAP_MAX_AREAS) {
			fail(p, _("more than %d <%s> in an <info>"), CAP_MAX_AREAS, name);
			return;
		}
		GROW(info->areas, info->nareas);
		return;
	case R_GEOCODE: {
		struct cap_area *ar = &cur_info(p)->areas[cur_info(p)->nareas - 1];

		if (ar->ngeocodes >= CAP_MAX_GEOCODES) {
			fail(p, _("more than %d <%s> in an <area>"), CAP_MAX_GEOCODES, name);
			return;
		}
		GROW(ar->geocodes, ar->ngeocodes);
		return;
	}
	default:
		return;
	}
}

static void XMLCALL on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct parse *p = arg;
	const char *sep = strrchr(name, NS_SEP), *local = sep ? sep + 1 : name;
	bool in_cap = sep && (size_t)(sep - name) == strlen(CAP_NS) &&
	              memcmp(name, CAP_NS, strlen(CAP_NS)) == 0;
	const struct child *ch;
	enum role parent, r = R_NONE;

	(void)attrs;
	if (p->failed)
		return;
	if (p->depth + p->skip >= CAP_MAX_DEPTH) {
		fail(p, _("elements nested deeper than %d"), CAP_MAX_DEPTH);
		return;
	}
	if (p->skip) {
		p->skip++;
		return;
	}
	if (p->depth == 0) {
		if (!in_cap || strcmp(local, "alert") != 0) {
			fail(p, _("not a CAP 1.2 message: the root element is not <alert> in %s"),
			     CAP_NS);
			return;
		}
		p->stack[0] = R_ALERT;
		p->names[0] = "alert";
		p->depth = 1;
		return;
	}
	parent = p->stack[p->depth - 1];
	if (is_leaf(parent)) {
		fail(p, _("<%s> holds an element"), p->names[p->depth - 1]);
		return;
	}
	if (!in_cap) {
		/* another vocabulary (an XML signature ...): not ours to read */
		p->skip = 1;
		return;
	}
	for (ch = children_of(parent); ch && ch->name; ch++) {
		if (strcmp(ch->name, local) == 0) {
			r = ch->role;
			break;
		}
	}
	if (r == R_NONE) {
		char shown[40];

		snprintf(shown, sizeof shown, "%s", local);
		fail(p, _("<%s> is not a CAP 1.2 element of <%s>"), shown, p->names[p->depth - 1]);
		return;
	}
	if (r == R_SKIP) {
		p->skip = 1;
		return;
	}
	p->stack[p->depth] = r;
	p->names[p->depth] = ch->name;
	p->depth++;
	p->tlen = 0;
	if (!is_leaf(r))
		begin_container(p, r, ch->name);
}

static void XMLCALL on_text(void *arg, const XML_Char *s, int len)
{
	struct parse *p = arg;

	if (p->failed || p->skip || p->depth == 0 || !is_leaf(p->stack[p->depth - 1]) || len <= 0)
		return;
	if (p->tlen + (size_t)len > CAP_MAX_TEXT) {
		fail(p, _("the text of <%s> is longer than %d bytes"), p->names[p->depth - 1],
		     CAP_MAX_TEXT);
		return;
	}
	if (p->tlen + (size_t)len + 1 > p->tcap) {
		p->tcap = p->tlen + (size_t)len + 1 + 256;
		p->text = xreallocarray(p->text, p->tcap, 1);
	}
	memcpy(p->text + p->tlen, s, (size_t)len);
	p->tlen += (size_t)len;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The element's text, without surrounding white space (malloc'd). */
static char *take_text(struct parse *p)
{
	size_t a = 0, b = p->tlen;

	while (a < b && is_space(p->text[a]))
		a++;
	while (b > a && is_space(p->text[b - 1]))
		b--;
	return xasprintf("%.*s", (int)(b - a), p->text ? p->text + a : "");
}

/* Store a singleton's text; a second one is an error. */
static void set_once(struct parse *p, char **field, char *text)
{
	if (*field) {
		fail(p, _("more than one <%s>"), p->names[p->depth - 1]);
		free(text);
		return;
	}
	*field = text;
}

static int two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* CAP's dateTime, "2026-10-12T14:30:00+07:00": no fraction, digits where
 * digits go, a real date, an offset within ±14:59 ("Z" is let through).
 * The as-run log carries <sent> as written, and the province's strict
 * reader holds it to the same shape. */
static bool parse_cap_time(const char *s, time_t *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd+dd:dd";
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct timespec ts;
	size_t n = strlen(s);
	int y, mo, d;

	if (n != 25 && !(n == 20 && s[19] == 'Z'))
		return false;
	for (size_t i = 0; i < n && i < 25; i++) {
		if (i == 19)
			continue;
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	}
	if (n == 25 &&
	    ((s[19] != '+' && s[19] != '-') || two_digits(s + 20) > 14 || two_digits(s + 23) > 59))
		return false;
	y = two_digits(s) * 100 + two_digits(s + 2);
	mo = two_digits(s + 5);
	d = two_digits(s + 8);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) ||
	    two_digits(s + 11) > 23 || two_digits(s + 14) > 59 || two_digits(s + 17) > 59)
		return false;
	if (util_parse_time(s, &ts) < 0)
		return false;
	*t = ts.tv_sec;
	return true;
}

static void end_leaf(struct parse *p, enum role r)
{
	struct cap_alert *a = p->a;
	struct cap_info *info = a->ninfos ? cur_info(p) : NULL;
	enum role parent = p->stack[p->depth - 2];
	char *t = take_text(p);

	switch (r) {
	case R_IDENTIFIER:
		set_once(p, &a->identifier, t);
		return;
	case R_SENDER:
		set_once(p, &a->sender, t);
		return;
	case R_SENT:
		set_once(p, &a->sent_text, t);
		return;
	case R_STATUS:
		set_once(p, &a->status, t);
		return;
	case R_MSGTYPE:
		set_once(p, &a->msg_type, t);
		return;
	case R_SCOPE:
		set_once(p, &a->scope, t);
		return;
	case R_REFERENCES:
		set_once(p, &p->references, t);
		return;
	case R_LANGUAGE:
		set_once(p, &info->language, t);
		return;
	case R_CATEGORY: {
		static const char *const cats[] = {"Geo",       "Met",   "Safety", "Security",
		                                   "Rescue",    "Fire",  "Health", "Env",
		                                   "Transport", "Infra", "CBRNE",  "Other"};
		bool ok = false;

		for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
			ok = ok || strcmp(t, cats[i]) == 0;
		if (!ok)
			fail(p, _("<category> is not a CAP 1.2 category"));
		p->ncategories++;
		free(t);
		return;
	}
	case R_EVENT:
		set_once(p, &info->event, t);
		return;
	case R_URGENCY:
		set_once(p, &info->urgency, t);
		return;
	case R_SEVERITY:
		set_once(p, &info->severity, t);
		return;
	case R_CERTAINTY:
		set_once(p, &info->certainty, t);
		return;
	case R_EXPIRES:
		if (info->expires) {
			fail(p, _("more than one <%s>"), "expires");
		} else if (!parse_cap_time(t, &info->expires) || info->expires == 0) {
			fail(p, _("<expires> is not a time like 2026-10-12T14:30:00+07:00"));
		}
		free(t);
		return;
	case R_HEADLINE:
		set_once(p, &info->headline, t);
		return;
	case R_DESCRIPTION:
		set_once(p, &info->description, t);
		return;
	case R_INSTRUCTION:
		set_once(p, &info->instruction, t);
		return;
	case R_VALUENAME:
	case R_VALUE: {
		struct cap_pair *pair;

		if (parent == R_PARAMETER) {
			pair = &info->parameters[info->nparameters - 1];
		} else {
			struct cap_area *ar = &info->areas[info->nareas - 1];

			pair = &ar->geocodes[ar->ngeocodes - 1];
		}
		set_once(p, r == R_VALUENAME ? &pair->name : &pair->value, t);
		return;
	}
	case R_RESOURCEDESC:
	case R_MIMETYPE:
	case R_URI:
	case R_DIGEST: {
		struct cap_resource *res = &info->resources[info->nresources - 1];

		set_once(p,
		         r == R_RESOURCEDESC ? &res->desc
		         : r == R_MIMETYPE   ? &res->mime_type
		         : r == R_URI        ? &res->uri
		                             : &res->digest,
		         t);
		return;
	}
	case R_SIZE: {
		struct cap_resource *res = &info->resources[info->nresources - 1];
		char *end;
		long long v;

		if (res->size >= 0) {
			fail(p, _("more than one <%s>"), "size");
		} else if (!t[0] || t[0] < '0' || t[0] > '9' || (v = strtoll(t, &end, 10)) < 0 ||
		           *end || strlen(t) > 15) {
			fail(p, _("<size> is not a number of bytes"));
		} else {
			res->size = v;
		}
		free(t);
		return;
	}
	case R_AREADESC:
		set_once(p, &info->areas[info->nareas - 1].desc, t);
		return;
	default:
		free(t);
		return;
	}
}

static void end_container(struct parse *p, enum role r)
{
	struct cap_info *info = p->a->ninfos ? cur_info(p) : NULL;

	switch (r) {
	case R_INFO:
		/* the end tag's place, where a resource can be added */
		info->end_offset = (size_t)XML_GetCurrentByteIndex(p->xp);
		if (p->ncategories == 0)
			fail(p, _("an <info> without <%s>"), "category");
		else if (!info->event)
			fail(p, _("an <info> without <%s>"), "event");
		else if (!info->urgency)
			fail(p, _("an <info> without <%s>"), "urgency");
		else if (!info->severity)
			fail(p, _("an <info> without <%s>"), "severity");
		else if (!info->certainty)
			fail(p, _("an <info> without <%s>"), "certainty");
		return;
	case R_PARAMETER: {
		struct cap_pair *pair = &info->parameters[info->nparameters - 1];

		if (!pair->name || !pair->value)
			fail(p, _("a <%s> without <valueName> or <value>"), "parameter");
		return;
	}
	case R_GEOCODE: {
		struct cap_area *ar = &info->areas[info->nareas - 1];
		struct cap_pair *pair = &ar->geocodes[ar->ngeocodes - 1];

		if (!pair->name || !pair->value)
			fail(p, _("a <%s> without <valueName> or <value>"), "geocode");
		return;
	}
	case R_RESOURCE: {
		struct cap_resource *res = &info->resources[info->nresources - 1];

		if (!res->desc || !res->mime_type)
			fail(p, _("a <resource> without <resourceDesc> or <mimeType>"));
		return;
	}
	case R_AREA:
		if (!info->areas[info->nareas - 1].desc)
			fail(p, _("an <area> without <areaDesc>"));
		return;
	default:
		return;
	}
}

static void XMLCALL on_end(void *arg, const XML_Char *name)
{
	struct parse *p = arg;
	enum role r;

	(void)name;
	if (p->failed)
		return;
	if (p->skip) {
		p->skip--;
		return;
	}
	if (p->depth == 0)
		return;
	r = p->stack[p->depth - 1];
	if (is_leaf(r))
		end_leaf(p, r);
	else
		end_container(p, r);
	p->depth--;
	p->tlen = 0;
}

static void XMLCALL on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	fail(arg, "%s", _("a DOCTYPE is not allowed in a CAP message"));
}

static void XMLCALL on_entity_decl(void *arg, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_len, const XML_Char *base,
                                   const XML_Char *sysid, const XML_Char *pubid,
                                   const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	fail(arg, "%s", _("a DOCTYPE is not allowed in a CAP message"));
}

/* --- checks after the parse ---------------------------------------------------- */

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* identifier and sender: no white space, no comma (they are joined by
 * commas and spaces in <references>), no control characters. */
static bool id_shape(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CAP_MAX_ID)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == ',' || *s == '<' || *s == '&' || *s == 0x7f)
			return false;
	return true;
}

static int parse_references(struct cap_alert *a, const char *text, char *why, size_t why_len)
{
	char *copy = xstrdup(text), *save = NULL, *tok;
	int ret = 0;

	for (tok = strtok_r(copy, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		char *c1 = strchr(tok, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		struct cap_ref *r;

		if (a->nrefs >= CAP_MAX_REFERENCES) {
			snprintf(why, why_len, _("more than %d <references>"), CAP_MAX_REFERENCES);
			ret = -1;
			break;
		}
		if (!c1 || !c2 || strchr(c2 + 1, ',') || c1 == tok || c2 == c1 + 1 || !c2[1]) {
			snprintf(why, why_len, "%s",
			         _("<references> is not a list of sender,identifier,sent"));
			ret = -1;
			break;
		}
		*c1 = *c2 = '\0';
		r = GROW(a->refs, a->nrefs);
		r->sender = xstrdup(tok);
		r->identifier = xstrdup(c1 + 1);
		r->sent = xstrdup(c2 + 1);
	}
	free(copy);
	return ret;
}

static int check(struct cap_alert *a, const char *references, char *why, size_t why_len)
{
	static const char *const statuses[] = {"Actual", "Exercise", "System",
	                                       "Test",   "Draft",    NULL};
	static const char *const types[] = {"Alert", "Update", "Cancel", "Ack", "Error", NULL};
	static const char *const scopes[] = {"Public", "Restricted", "Private", NULL};
	static const char *const urgencies[] = {"Immediate", "Expected", "Future",
	                                        "Past",      "Unknown",  NULL};
	static const char *const severities[] = {"Extreme", "Severe",  "Moderate",
	                                         "Minor",   "Unknown", NULL};
	static const char *const certainties[] = {"Observed", "Likely",  "Possible",
	                                          "Unlikely", "Unknown", NULL};
	const char *missing = !a->identifier  ? "identifier"
	                      : !a->sender    ? "sender"
	                      : !a->sent_text ? "sent"
	                      : !a->status    ? "status"
	                      : !a->msg_type  ? "msgType"
	                      : !a->scope     ? "scope"
	                                      : NULL;

	if (missing) {
		snprintf(why, why_len, _("<alert> without <%s>"), missing);
		return -1;
	}
	if (!id_shape(a->identifier) || !id_shape(a->sender)) {
		snprintf(why, why_len, "%s",
		         _("<identifier> and <sender> must be text without spaces or commas"));
		return -1;
	}
	if (!parse_cap_time(a->sent_text, &a->sent)) {
		snprintf(why, why_len, "%s",
		         _("<sent> is not a time like 2026-10-12T14:30:00+07:00"));
		return -1;
	}
	if (!one_of(a->status, statuses) || !one_of(a->msg_type, types) ||
	    !one_of(a->scope, scopes)) {
		snprintf(why, why_len, "%s",
		         _("<status>, <msgType> or <scope> is not a CAP 1.2 value"));
		return -1;
	}
	if (references && parse_references(a, references, why, why_len) < 0)
		return -1;
	for (size_t i = 0; i < a->ninfos; i++) {
		const struct cap_info *info = &a->infos[i];

		if (!one_of(info->urgency, urgencies) || !one_of(info->severity, severities) ||
		    !one_of(info->certainty, certainties)) {
			snprintf(why, why_len, "%s",
			         _("<urgency>, <severity> or <certainty> is not a CAP 1.2 value"));
			return -1;
		}
	}
	return 0;
}

int cap_parse(struct cap_alert *a, const void *buf, size_t len, char *why, size_t why_len)
{
	struct parse p = {.a = a, .why = why, .why_len = why_len};
	enum XML_Status st;
	int ret = -1;

	memset(a, 0, sizeof *a);
	why[0] = '\0';
	if (len > CAP_MAX_BYTES) {
		snprintf(why, why_len, _("larger than %d bytes"), CAP_MAX_BYTES);
		return -1;
	}
	p.xp = XML_ParserCreateNS(NULL, NS_SEP);
	if (!p.xp)
		fatalx("out of memory");
	XML_SetUserData(p.xp, &p);
	XML_SetElementHandler(p.xp, on_start, on_end);
	XML_SetCharacterDataHandler(p.xp, on_text);
	XML_SetStartDoctypeDeclHandler(p.xp, on_doctype);
	XML_SetEntityDeclHandler(p.xp, on_entity_decl);
	XML_SetParamEntityParsing(p.xp, XML_PARAM_ENTITY_PARSING_NEVER);
	st = XML_Parse(p.xp, buf, (int)len, XML_TRUE);
	if (!p.failed && st != XML_STATUS_OK) {
		snprintf(why, why_len, _("not well-formed XML at line %lu: %s"),
		         (unsigned long)XML_GetCurrentLineNumber(p.xp),
		         XML_ErrorString(XML_GetErrorCode(p.xp)));
	} else if (!p.failed) {
		ret = check(a, p.references, why, why_len);
	}
	XML_ParserFree(p.xp);
	free(p.text);
	free(p.references);
	if (ret < 0)
		cap_free(a);
	return ret;
}

static void pairs_free(struct cap_pair *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

void cap_free(struct cap_alert *a)
{
	for (size_t i = 0; i < a->nrefs; i++) {
		free(a->refs[i].sender);
		free(a->refs[i].identifier);
		free(a->refs[i].sent);
	}
	free(a->refs);
	for (size_t i = 0; i < a->ninfos; i++) {
		struct cap_info *info = &a->infos[i];

		free(info->language);
		free(info->event);
		free(info->urgency);
		free(info->severity);
		free(info->certainty);
		free(info->headline);
		free(info->description);
		free(info->instruction);
		pairs_free(info->parameters, info->nparameters);
		for (size_t k = 0; k < info->nresources; k++) {
			free(info->resources[k].desc);
			free(info->resources[k].mime_type);
			free(info->resources[k].uri);
			free(info->resources[k].digest);
		}
		free(info->resources);
		for (size_t k = 0; k < info->nareas; k++) {
			free(info->areas[k].desc);
			pairs_free(info->areas[k].geocodes, info->areas[k].ngeocodes);
		}
		free(info->areas);
	}
	free(a->infos);
	free(a->identifier);
	free(a->sender);
	free(a->sent_text);
	free(a->status);
	free(a->msg_type);
	free(a->scope);
	memset(a, 0, sizeof *a);
}

/* --- what a station does with it -------------------------------------------------- */

bool cap_is_vietnamese(const char *language)
{
	return language && strncasecmp(language, "vi", 2) == 0 &&
	       (language[2] == '\0' || language[2] == '-');
}

int cap_audio_path(const char *uri, char *path, char sha256[65])
{
	const char *base, *dir, *ext;
	size_t n;

	if (!uri)
		return -1;
	n = strlen(uri);
	base = strrchr(uri, '/');
	if (!base)
		return -1;
	base++;
	dir = base - 1;
	while (dir > uri && dir[-1] != '/')
		dir--;
	if ((size_t)(base - dir) != sizeof "programmes/" - 1 ||
	    memcmp(dir, "programmes/", sizeof "programmes/" - 1) != 0)
		return -1;
	if (strlen(base) < 66 || base[64] != '.' || !util_is_lower_hex(base, 64))
		return -1;
	ext = base + 65;
	if (strlen(ext) > 10 || !*ext)
		return -1;
	for (const char *c = ext; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
			return -1;
	(void)n;
	snprintf(path, 96, "programmes/%s", base);
	memcpy(sha256, base, 64);
	sha256[64] = '\0';
	return 0;
}

static const char *param(const struct cap_info *info, const char *name)
{
	for (size_t i = 0; i < info->nparameters; i++)
		if (strcasecmp(info->parameters[i].name, name) == 0)
			return info->parameters[i].value;
	return NULL;
}

/* A whole decimal number in lo..hi; -1 otherwise. */
static long number_in(const char *s, long lo, long hi)
{
	long v = 0;

	if (!*s || strlen(s) > 9)
		return -1;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (*c - '0');
	}
	return v >= lo && v <= hi ? v : -1;
}

static bool for_station(const struct cap_info *info, const struct cap_station *st)
{
	for (size_t i = 0; i < info->nareas; i++) {
		const struct cap_area *ar = &info->areas[i];

		for (size_t k = 0; k < ar->ngeocodes; k++) {
			const struct cap_pair *g = &ar->geocodes[k];

			if (strcasecmp(g->name, CAP_GEOCODE_STATION) == 0 &&
			    (strcmp(g->value, "*") == 0 ||
			     (st->id && strcmp(g->value, st->id) == 0)))
				return true;
			if (strcasecmp(g->name, CAP_GEOCODE_DVHC) == 0)
				for (size_t c = 0; c < st->ngeocodes; c++)
					if (strcmp(g->value, st->geocodes[c]) == 0)
						return true;
		}
	}
	return false;
}

/* headline. description. instruction (those given), for the synthesiser. */
static char *speech_text(const struct cap_info *info)
{
	const char *parts[3] = {info->headline, info->description, info->instruction};
	char *text = xstrdup("");

	for (int i = 0; i < 3; i++) {
		char *next;
		size_t n;

		if (!parts[i] || !parts[i][0])
			continue;
		n = strlen(parts[i]);
		next = xasprintf("%s%s%s%s", text, text[0] ? "\n" : "", parts[i],
		                 strchr(".!?", parts[i][n - 1]) ? "" : ".");
		free(text);
		text = next;
	}
	return text;
}

int cap_plan_for(const struct cap_alert *a, const struct cap_station *st, struct cap_plan *p,
                 char *why, size_t why_len)
{
	const struct cap_info *info = NULL;
	const char *v;
	long n;

	memset(p, 0, sizeof *p);
	if (strcmp(a->status, "Actual") != 0) {
		snprintf(why, why_len, _("status %s: only Actual messages are broadcast"),
		         a->status);
		return -1;
	}
	if (strcmp(a->msg_type, "Ack") == 0 || strcmp(a->msg_type, "Error") == 0) {
		snprintf(why, why_len, _("msgType %s is not for broadcast"), a->msg_type);
		return -1;
	}
	if (strcmp(a->msg_type, "Alert") != 0 && a->nrefs == 0) {
		snprintf(why, why_len, _("a %s without <references>"), a->msg_type);
		return -1;
	}
	if (strcmp(a->msg_type, "Cancel") == 0) {
		p->action = CAP_CANCEL;
		return 0;
	}
	for (size_t i = 0; i < a->ninfos && !info; i++)
		if (cap_is_vietnamese(a->infos[i].language))
			info = &a->infos[i];
	if (!info) {
		snprintf(why, why_len, "%s",
		         _("no <info> in Vietnamese (<language>vi-VN</language>)"));
		return -1;
	}
	if (!for_station(info, st)) {
		snprintf(why, why_len, "%s",
		         _("for another area: no <geocode> names this station"));
		return -1;
	}
	if (!info->expires) {
		snprintf(why, why_len, "%s", _("no <expires>: a broadcast warning must end"));
		return -1;
	}
	if (info->expires <= st->now) {
		char when[48];

		util_format_time(when, sizeof when, (struct timespec){.tv_sec = info->expires},
		                 false);
		snprintf(why, why_len, _("expired at %s"), when);
		return -1;
	}
	p->action = CAP_PLAY;
	p->info = info;
	p->expires = info->expires;
	p->repeat = 1;
	if ((v = param(info, CAP_PARAM_REPEAT))) {
		if ((n = number_in(v, 1, CAP_MAX_REPEAT)) < 0) {
			snprintf(why, why_len, _("%s is not a number from %d to %d"),
			         CAP_PARAM_REPEAT, 1, CAP_MAX_REPEAT);
			return -1;
		}
		p->repeat = (int)n;
	}
	if ((v = param(info, CAP_PARAM_INTERVAL))) {
		if ((n = number_in(v, 0, CAP_MAX_INTERVAL)) < 0) {
			snprintf(why, why_len, _("%s is not a number from %d to %d"),
			         CAP_PARAM_INTERVAL, 0, CAP_MAX_INTERVAL);
			return -1;
		}
		p->interval_s = (int)n;
	}
	if ((v = param(info, CAP_PARAM_LEVEL))) {
		if ((n = number_in(v, 1, 5)) < 0) {
			snprintf(why, why_len, _("%s is not a number from %d to %d"),
			         CAP_PARAM_LEVEL, 1, 5);
			return -1;
		}
		p->level = (int)n;
	}
	for (size_t i = 0; i < info->nresources && !p->audio; i++) {
		const struct cap_resource *r = &info->resources[i];

		if (strncasecmp(r->mime_type, "audio/", 6) == 0 &&
		    cap_audio_path(r->uri, p->audio_path, p->audio_sha256) == 0)
			p->audio = r;
	}
	if (!p->audio) {
		p->text = speech_text(info);
		if (!p->text[0]) {
			cap_plan_free(p);
			snprintf(
			    why, why_len, "%s",
			    _("neither an audio <resource> of the publication nor text to speak"));
			return -1;
		}
	}
	return 0;
}

void cap_plan_free(struct cap_plan *p)
{
	free(p->text);
	memset(p, 0, sizeof *p);
}
