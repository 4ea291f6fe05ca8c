/*
 * webui: buffer, escaping, the page frame and its style (see webui.h).
 */
#include "webui.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "util.h"

/* glibc's counter of loaded catalogs: bumping it makes gettext look at
 * LANGUAGE again (the gettext manual, "Being a gettext grok"). */
extern int _nl_msg_cat_cntr;

/* --- the buffer -------------------------------------------------------------- */

static void reserve(struct webui_buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	while (b->len + more + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 4096;
	b->p = xreallocarray(b->p, b->cap, 1);
}

static void put_n(struct webui_buf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void webui_put(struct webui_buf *b, const char *s)
{
	put_n(b, s, strlen(s));
}

void webui_printf(struct webui_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void webui_esc(struct webui_buf *b, const char *s)
{
	for (const char *p = s; p && *p; p++) {
		switch (*p) {
		case '&':
			webui_put(b, "&amp;");
			break;
		case '<':
			webui_put(b, "&lt;");
			break;
		case '>':
			webui_put(b, "&gt;");
			break;
		case '"':
			webui_put(b, "&quot;");
			break;
		case '\'':
			webui_put(b, "&#39;");
			break;
		default:
			put_n(b, p, 1);
		}
	}
}

void webui_urlenc(struct webui_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~')
			put_n(b, (const char *)p, 1);
		else
			webui_printf(b, "%%%02X", *p);
	}
}

char *webui_take(struct webui_buf *b, size_t *len)
{
	char *p = b->p ? b->p : xstrdup("");

	if (len)
		*len = b->len;
	memset(b, 0, sizeof *b);
	return p;
}

void webui_free(struct webui_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* --- language ---------------------------------------------------------------- */

/* The q-value of one Accept-Language entry ("vi-VN;q=0.8"), 1 without. */
static double entry_q(const char *e, size_t n)
{
	const char *q = memchr(e, ';', n);

	while (q && q < e + n) {
		q++;
		while (*q == ' ')
			q++;
		if (q[0] == 'q' && q[1] == '=')
			return strtod(q + 2, NULL);
		q = memchr(q, ';', (size_t)(e + n - q));
	}
	return 1.0;
}

enum webui_lang webui_pick_lang(const char *cookie, const char *accept)
{
	double best_q = 0;
	enum webui_lang best = WEBUI_VI;

	if (cookie && strcmp(cookie, "en") == 0)
		return WEBUI_EN;
	if (cookie && strcmp(cookie, "vi") == 0)
		return WEBUI_VI;
	for (const char *p = accept; p && *p;) {
		size_t n = strcspn(p, ","), tag;
		const char *e = p;

		while (*e == ' ' && n > 0)
			e++, n--;
		tag = strcspn(e, ";-, ");
		if (tag > n)
			tag = n;
		if (tag == 2 && (strncasecmp(e, "vi", 2) == 0 || strncasecmp(e, "en", 2) == 0)) {
			double q = entry_q(e, n);

			/* the first of equal preferences wins */
			if (q > best_q) {
				best_q = q;
				best = strncasecmp(e, "en", 2) == 0 ? WEBUI_EN : WEBUI_VI;
			}
		}
		p = e + n;
		if (*p == ',')
			p++;
	}
	return best;
}

const char *webui_lang_code(enum webui_lang l)
{
	return l == WEBUI_EN ? "en" : "vi";
}

void webui_set_lang(enum webui_lang l)
{
	setenv("LANGUAGE", webui_lang_code(l), 1);
	++_nl_msg_cat_cntr;
}

/* --- the frame --------------------------------------------------------------- */

/* Made for a phone first: one column, big targets; wider screens get a
 * wider column. System fonts only (Vietnamese needs good diacritics, which
 * every phone's own font has). */
static const char STYLE[] =
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%}"
    "body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',"
    "'Liberation Sans',sans-serif;color:#1b2127;background:#eef1f4}"
    "a{color:#0a5a3a}"
    "header{background:#0a5a3a;color:#fff;padding:.55rem .75rem;display:flex;"
    "justify-content:space-between;align-items:center;gap:.5rem;flex-wrap:wrap}"
    "header .st{font-weight:650;font-size:1.05rem}"
    "header .who{font-size:.85rem;opacity:.9}"
    "nav{display:flex;flex-wrap:wrap;gap:.3rem;padding:.45rem .6rem;background:#fff;"
    "border-bottom:1px solid #d5dbe0}"
    "nav a{padding:.4rem .6rem;border-radius:7px;text-decoration:none;font-weight:550;"
    "background:#f1f4f6;font-size:.95rem}"
    "nav a.on{background:#0a5a3a;color:#fff}"
    "main{max-width:980px;margin:0 auto;padding:1rem .75rem 2rem}"
    "h1{font-size:1.4rem;margin:.3rem 0 .9rem}"
    "h2{font-size:1.1rem;margin:0 0 .6rem}"
    ".card{background:#fff;border:1px solid #d5dbe0;border-radius:12px;padding:1rem;"
    "margin-bottom:1rem}"
    ".big{font-size:1.3rem;font-weight:650;margin:.1rem 0 .3rem;overflow-wrap:anywhere}"
    ".muted{color:#5b6670;font-size:.92rem}"
    ".btn{display:inline-block;border:0;border-radius:9px;padding:.7rem 1.15rem;font:inherit;"
    "font-weight:650;cursor:pointer;background:#0a5a3a;color:#fff;text-decoration:none;"
    "margin:.2rem .4rem .2rem 0;min-height:2.75rem}"
    ".btn.red{background:#b42318}.btn.grey{background:#56616b}"
    ".btn.small{padding:.45rem .8rem;min-height:2.3rem;font-size:.95rem}"
    ".note{border-radius:10px;padding:.75rem 1rem;margin-bottom:1rem;border:1px solid;"
    "white-space:pre-wrap;overflow-wrap:anywhere}"
    ".note.ok{background:#e8f5ec;border-color:#9fd3ae;color:#114d26}"
    ".note.err{background:#fdecea;border-color:#f1aaa3;color:#7a1a12}"
    ".note.warn{background:#fff6e0;border-color:#f0cd7a;color:#5f4300}"
    ".note.info{background:#e9f1fb;border-color:#a9c6ea;color:#173d6b}"
    "progress{width:100%;height:1.15rem;accent-color:#0a5a3a}"
    ".rows{list-style:none;margin:0;padding:0}"
    /* a phone: the time, and everything else below each other beside it */
    ".rows li{display:grid;grid-template-columns:5rem 1fr;gap:.15rem .7rem;"
    "padding:.65rem 0;border-top:1px solid #e3e7ea;align-items:start}"
    ".rows li:first-child{border-top:0}"
    ".rows .t{font-variant-numeric:tabular-nums;font-weight:600}"
    ".rows .w{overflow-wrap:anywhere}"
    ".rows .r{grid-column:2;font-variant-numeric:tabular-nums}"
    ".rows .x{grid-column:2/-1;color:#7a1a12;font-weight:550}"
    ".rows .y{grid-column:2/-1;color:#5b6670;font-size:.9rem}"
    ".rows form{display:inline}"
    ".rows li.act .r{grid-column:2}"
    ".daypick{display:grid;grid-template-columns:auto 1fr auto auto;gap:.4rem;align-items:center;"
    "margin-bottom:1rem;max-width:34rem}"
    ".daypick input{max-width:none}.daypick .btn{margin:0}"
    ".tag{display:inline-block;border-radius:6px;padding:0 .45rem;font-size:.82rem;"
    "font-weight:650;background:#e6eaee;color:#2e3a44;margin-left:.3rem}"
    ".tag.complete{background:#dff3e5;color:#114d26}"
    ".tag.interrupted,.tag.skipped,.tag.priority{background:#fff1cc;color:#5f4300}"
    ".tag.failed,.tag.missed,.tag.emergency{background:#fbdcd8;color:#7a1a12}"
    "dl.kv{display:grid;grid-template-columns:minmax(6rem,38%) 1fr;gap:.45rem 1rem;margin:0}"
    "dl.kv dt{color:#5b6670}dl.kv dd{margin:0;overflow-wrap:anywhere}"
    "label{display:block;font-weight:600;margin:.6rem 0 .25rem}"
    "input[type=text],input[type=password],input[type=date],input[type=time],select,textarea{"
    "font:inherit;width:100%;max-width:28rem;padding:.6rem .7rem;border:1px solid #aab4bd;"
    "border-radius:8px;background:#fff}"
    "input[type=file]{font:inherit;max-width:100%}"
    "textarea{max-width:none;min-height:18rem;font-family:ui-monospace,'DejaVu Sans Mono',"
    "monospace;font-size:.9rem}"
    ".inline{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}"
    ".inline label{margin:0}.inline input{width:auto}"
    "footer{max-width:980px;margin:0 auto;padding:0 .75rem 2rem;display:flex;flex-wrap:wrap;"
    "gap:.75rem;align-items:center;color:#5b6670;font-size:.9rem}"
    "footer form{display:inline}"
    ".danger{border:2px solid #b42318}"
    "@media (min-width:700px){main{padding:1.4rem 1.2rem 2rem}"
    /* header and menu line up with the page's column */
    "header,nav{padding-left:max(.75rem,calc(50% - 490px + 1.2rem))}"
    "header{padding-right:max(.75rem,calc(50% - 490px + 1.2rem))}footer{padding:0 1.2rem 2rem}"
    /* a wider screen: length and status on the right */
    ".rows li{grid-template-columns:6.2rem 1fr auto}"
    ".rows .r,.rows li.act .r{grid-column:3;text-align:right;white-space:nowrap}"
    "dl.kv{grid-template-columns:minmax(8rem,16rem) 1fr}nav a{font-size:1rem}}";

static const struct {
	enum webui_page page;
	const char *path;
	const char *label;
} MENU[] = {
    {WEBUI_NOW, "/", N_("On air")},
    {WEBUI_PLAN, "/plan", N_("Today's plan")},
    {WEBUI_LOG, "/log", N_("As-run log")},
    {WEBUI_PLAY, "/play", N_("Play now")},
    {WEBUI_UPLOAD, "/upload", N_("Upload")},
    {WEBUI_SCHEDULE, "/schedule", N_("Daily schedule")},
    {WEBUI_HEALTH, "/health", N_("Station health")},
};

void webui_begin(struct webui_buf *b, const struct webui_frame *f)
{
	webui_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">",
	             webui_lang_code(f->lang));
	webui_put(b, "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
	if (f->refresh_s > 0)
		webui_printf(b, "<meta http-equiv=\"refresh\" content=\"%d\">", f->refresh_s);
	webui_put(b, "<title>");
	webui_esc(b, f->title);
	webui_put(b, " — ");
	webui_esc(b, f->station);
	webui_printf(b, "</title><style>%s</style></head><body>", STYLE);
	webui_put(b, "<header><span class=\"st\">");
	webui_esc(b, f->station);
	webui_put(b, "</span>");
	if (f->user) {
		webui_put(b, "<span class=\"who\">");
		webui_esc(b, f->user);
		webui_put(b, "</span>");
	}
	webui_put(b, "</header>");
	if (f->page != WEBUI_NONE) {
		webui_put(b, "<nav>");
		for (size_t i = 0; i < sizeof MENU / sizeof MENU[0]; i++) {
			webui_printf(b, "<a href=\"%s\"%s>", MENU[i].path,
			             MENU[i].page == f->page ? " class=\"on\" aria-current=\"page\""
			                                     : "");
			webui_esc(b, _(MENU[i].label));
			webui_put(b, "</a>");
		}
		webui_put(b, "</nav>");
	}
	webui_put(b, "<main><h1>");
	webui_esc(b, f->title);
	webui_put(b, "</h1>");
}

void webui_end(struct webui_buf *b, const struct webui_frame *f)
{
	webui_put(b, "</main><footer>");
	/* the other language, by a plain link that comes back here */
	webui_put(b, "<a href=\"/lang?set=");
	webui_put(b, f->lang == WEBUI_VI ? "en" : "vi");
	webui_put(b, "&amp;back=");
	webui_urlenc(b, f->path ? f->path : "/");
	webui_put(b, "\">");
	webui_put(b, f->lang == WEBUI_VI ? "English" : "Tiếng Việt");
	webui_put(b, "</a>");
	if (f->user && f->csrf) {
		webui_put(b, "<form method=\"post\" action=\"/logout\">");
		webui_csrf(b, f->csrf);
		webui_put(b, "<button class=\"btn grey small\" type=\"submit\">");
		webui_esc(b, _("Log out"));
		webui_put(b, "</button></form>");
	}
	webui_printf(b, "<span>loaxa %s</span></footer></body></html>\n", LOAXA_VERSION);
}

void webui_hidden(struct webui_buf *b, const char *name, const char *value)
{
	webui_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	webui_esc(b, value);
	webui_put(b, "\">");
}

void webui_csrf(struct webui_buf *b, const char *csrf)
{
	webui_hidden(b, "csrf", csrf);
}

void webui_notice(struct webui_buf *b, const char *kind, const char *text)
{
	webui_printf(b, "<div class=\"note %s\" role=\"%s\">", kind,
	             strcmp(kind, "err") == 0 ? "alert" : "status");
	webui_esc(b, text);
	webui_put(b, "</div>");
}

void webui_duration(double s, char *buf, size_t n)
{
	long t = lround(s);

	if (!(s > 0))
		snprintf(buf, n, "-");
	else if (t >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}
