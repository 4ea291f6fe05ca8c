/*
 * vnnorm: numbers, dates, times and units of a Vietnamese text in words.
 *
 * The reading rules (Vietnamese grammar books and any evening news):
 *   - 10 "mười", 20 "hai mươi": "mười" for the ten alone, "mươi" after a
 *     digit;
 *   - a final 1 after "mươi" is "mốt" (21 "hai mươi mốt", but 11 "mười
 *     một", 101 "một trăm linh một");
 *   - a final 5 after a ten is "lăm" (15 "mười lăm", 25 "hai mươi lăm",
 *     but 105 "một trăm linh năm");
 *   - a final 4 after "mươi" is "tư" (24 "hai mươi tư"; 14 stays "mười
 *     bốn"), as is 4 after "thứ" and "tháng" (thứ tư, tháng tư); 1 after
 *     "thứ" is "nhất";
 *   - a zero ten before a unit digit is "linh" (north) or "lẻ" (south);
 *   - groups of three after the first are read whole, "không trăm"
 *     included: 2026 "hai nghìn không trăm hai mươi sáu", 1.000.005 "một
 *     triệu không trăm linh năm"; groups of zeros are left out;
 *   - the dot groups thousands, the comma starts the decimals ("phẩy");
 *   - days 1 to 10 of a month are "mùng": "ngày mùng năm tháng tư".
 * A number that starts with 0 (a telephone number) or is longer than 15
 * digits is read digit by digit.
 */
#include "vnnorm.h"

#include <stdbool.h>
#include <string.h>

#include "util.h"

#define MAX_DIGITS 15

static const char *const digit_word[10] = {"không", "một", "hai", "ba",  "bốn",
                                           "năm",   "sáu", "bảy", "tám", "chín"};

struct out {
	char *p;
	size_t len, cap;
	unsigned flags;
	bool sep; /* words were just written: a letter or digit that follows needs a space */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 64;

		while (o->len + n + 1 > cap)
			cap *= 2;
		o->p = xreallocarray(o->p, cap, 1);
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* A word, one space after what came before (none at the start, after a
 * space or an opening bracket). */
static void word(struct out *o, const char *w)
{
	char c = o->len ? o->p[o->len - 1] : ' ';

	if (c != ' ' && c != '\n' && c != '\t' && c != '(' && c != '[')
		put(o, " ", 1);
	put(o, w, strlen(w));
	o->sep = true;
}

/* --- numbers ---------------------------------------------------------------- */

/* 1..999; whole: read the hundreds even when zero ("không trăm"), as a
 * group after the first of a number. */
static void read_group(struct out *o, unsigned n, bool whole)
{
	unsigned h = n / 100, t = n / 10 % 10, u = n % 10;

	if (h || whole) {
		word(o, digit_word[h]);
		word(o, "trăm");
	}
	if (t == 0) {
		if (u == 0)
			return;
		if (h || whole)
			word(o, (o->flags & VNNORM_SOUTHERN) ? "lẻ" : "linh");
		word(o, digit_word[u]);
		return;
	}
	if (t == 1) {
		word(o, "mười");
	} else {
		word(o, digit_word[t]);
		word(o, "mươi");
	}
	if (u == 0)
		return;
	if (u == 5)
		word(o, "lăm");
	else if (u == 1 && t >= 2)
		word(o, "mốt");
	else if (u == 4 && t >= 2)
		word(o, "tư");
	else
		word(o, digit_word[u]);
}

/* 1..999,999,999; whole: the number follows a higher group. */
static void read_millions(struct out *o, uint64_t n, bool whole)
{
	const unsigned g[3] = {(unsigned)(n / 1000000), (unsigned)(n / 1000 % 1000),
	                       (unsigned)(n % 1000)};
	const char *names[3] = {"triệu", (o->flags & VNNORM_SOUTHERN) ? "ngàn" : "nghìn", NULL};

	for (int i = 0; i < 3; i++) {
		if (g[i] == 0)
			continue;
		read_group(o, g[i], whole);
		if (names[i])
			word(o, names[i]);
		whole = true;
	}
}

static void read_positive(struct out *o, uint64_t n, bool whole)
{
	if (n >= 1000000000u) {
		read_positive(o, n / 1000000000u, whole);
		word(o, "tỷ");
		if (n % 1000000000u)
			read_millions(o, n % 1000000000u, true);
		return;
	}
	read_millions(o, n, whole);
}

static void read_number(struct out *o, uint64_t n)
{
	if (n == 0)
		word(o, digit_word[0]);
	else
		read_positive(o, n, false);
}

static void read_digits(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		word(o, digit_word[s[i] - '0']);
}

char *vnnorm_number(uint64_t n, unsigned flags)
{
	struct out o = {.flags = flags};

	read_number(&o, n);
	return o.p;
}

/* --- the text ------------------------------------------------------------------ */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A letter of any script: ASCII letters and every byte of a multi-byte
 * UTF-8 character (Vietnamese letters are those). */
static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80;
}

/* Digits at s[i..n): how many (stopping past 19), their value if <= 18. */
static size_t digits(const char *s, size_t i, size_t n, uint64_t *val)
{
	size_t k = 0;

	*val = 0;
	while (i + k < n && is_digit(s[i + k])) {
		if (k < 18)
			*val = *val * 10 + (uint64_t)(s[i + k] - '0');
		k++;
	}
	return k;
}

static bool digit_at(const char *s, size_t i, size_t n)
{
	return i < n && is_digit(s[i]);
}

/* The word the output ends with (trailing spaces skipped) is w, or w with
 * a capital first letter. */
static bool after_word(const struct out *o, const char *w, const char *cap)
{
	size_t end = o->len, start, n = strlen(w);

	while (end > 0 && o->p[end - 1] == ' ')
		end--;
	start = end;
	while (start > 0 && o->p[start - 1] != ' ' && o->p[start - 1] != '\n' &&
	       o->p[start - 1] != '(' && o->p[start - 1] != '\t')
		start--;
	return end - start == n &&
	       (memcmp(o->p + start, w, n) == 0 || (cap && memcmp(o->p + start, cap, n) == 0));
}

static void read_day(struct out *o, unsigned d)
{
	if (d <= 10 && !after_word(o, "mùng", "Mùng") && !after_word(o, "mồng", "Mồng"))
		word(o, "mùng");
	read_number(o, d);
}

static void read_month(struct out *o, unsigned m)
{
	if (m == 4)
		word(o, "tư");
	else
		read_number(o, m);
}

static void say_date(struct out *o, unsigned d, unsigned m, int y)
{
	if (d) {
		if (!after_word(o, "ngày", "Ngày") && !after_word(o, "mùng", "Mùng") &&
		    !after_word(o, "mồng", "Mồng"))
			word(o, "ngày");
		read_day(o, d);
		word(o, "tháng");
	} else if (!after_word(o, "tháng", "Tháng")) {
		word(o, "tháng");
	}
	read_month(o, m);
	if (y >= 0) {
		word(o, "năm");
		read_number(o, (uint64_t)y);
	}
}

/* Dates: D/M/YYYY (also with '-' or '.'), YYYY-MM-DD, M/YYYY, D/M.
 * Returns the index after the date, or 0. */
static size_t try_date(struct out *o, const char *s, size_t i, size_t n)
{
	uint64_t a, b, c;
	size_t na = digits(s, i, n, &a), nb, nc, j;
	char sep;

	if (na == 0 || i + na >= n)
		return 0;
	sep = s[i + na];
	if (sep != '/' && sep != '-' && sep != '.')
		return 0;
	j = i + na + 1;
	nb = digits(s, j, n, &b);
	if (nb == 0)
		return 0;
	j += nb;
	if (na == 4 && sep == '-' && nb == 2 && j < n && s[j] == '-') {
		/* YYYY-MM-DD */
		nc = digits(s, j + 1, n, &c);
		if (nc == 2 && !digit_at(s, j + 1 + nc, n) && b >= 1 && b <= 12 && c >= 1 &&
		    c <= 31 && a >= 1000) {
			say_date(o, (unsigned)c, (unsigned)b, (int)a);
			return j + 1 + nc;
		}
		return 0;
	}
	if (na > 2 || a < 1)
		return 0;
	if (j < n && s[j] == sep) {
		/* D/M/YYYY */
		nc = digits(s, j + 1, n, &c);
		if (nc == 4 && !digit_at(s, j + 1 + nc, n) && nb <= 2 && b >= 1 && b <= 12 &&
		    a <= 31 && c >= 1000) {
			say_date(o, (unsigned)a, (unsigned)b, (int)c);
			return j + 1 + nc;
		}
		return 0;
	}
	if (sep != '/')
		return 0;
	if (nb == 4 && a <= 12 && b >= 1000) {
		/* M/YYYY */
		say_date(o, 0, (unsigned)a, (int)b);
		return j;
	}
	if (nb <= 2 && a <= 31 && b >= 1 && b <= 12) {
		/* D/M */
		say_date(o, (unsigned)a, (unsigned)b, -1);
		return j;
	}
	return 0;
}

/* Times of day: H:MM, H:MM:SS, HhMM, HgMM, Hh. Returns the index after
 * it, or 0. */
static size_t try_time(struct out *o, const char *s, size_t i, size_t n)
{
	uint64_t h, m = 0, sec = 0;
	size_t nh = digits(s, i, n, &h), j = i + nh, nm, ns;
	bool have_sec = false;
	char mark;

	if (nh == 0 || nh > 2 || h > 24 || j >= n)
		return 0;
	mark = s[j];
	if (mark != ':' && mark != 'h' && mark != 'g')
		return 0;
	nm = digits(s, j + 1, n, &m);
	if (nm == 0) {
		/* "14h": an hour alone, not "14ha" or "5h2" */
		if (mark != 'h' || (j + 1 < n && (is_letter(s[j + 1]) || is_digit(s[j + 1]))))
			return 0;
		read_number(o, h);
		word(o, "giờ");
		return j + 1;
	}
	if (nm != 2 || m > 59)
		return 0;
	j += 1 + nm;
	if (mark == ':' && j < n && s[j] == ':') {
		ns = digits(s, j + 1, n, &sec);
		if (ns == 2 && sec <= 59) {
			have_sec = true;
			j += 1 + ns;
		}
	}
	if (digit_at(s, j, n))
		return 0;
	read_number(o, h);
	word(o, "giờ");
	if (m || have_sec) {
		read_number(o, m);
		word(o, "phút");
	}
	if (have_sec && sec) {
		read_number(o, sec);
		word(o, "giây");
	}
	return j;
}

struct unit {
	const char *text;
	const char *words;
	bool alpha; /* must not be followed by a letter or digit */
};

/* Longest first where one is the start of another. */
static const struct unit units[] = {
    {"km/h", "ki lô mét trên giờ", true},
    {"km/giờ", "ki lô mét trên giờ", true},
    {"m/s", "mét trên giây", true},
    {"km²", "ki lô mét vuông", false},
    {"km2", "ki lô mét vuông", true},
    {"km", "ki lô mét", true},
    {"m²", "mét vuông", false},
    {"m2", "mét vuông", true},
    {"m³", "mét khối", false},
    {"m3", "mét khối", true},
    {"mm", "mi li mét", true},
    {"mb", "mi li ba", true},
    {"m", "mét", true},
    {"cm", "xăng ti mét", true},
    {"kg", "ki lô gam", true},
    {"hPa", "héc tô pát xcan", true},
    {"ha", "héc ta", true},
    {"\xc2\xb0"
     "C",
     "độ xê", true},
    {"\xc2\xba"
     "C",
     "độ xê", true},
    {"oC", "độ xê", true},
    {"\xc2\xb0", "độ", false},
    {"%", "phần trăm", false},
};

/* A unit right after a number (one space allowed). Returns the index
 * after it, or 0. */
static size_t try_unit(struct out *o, const char *s, size_t i, size_t n)
{
	size_t start = i < n && s[i] == ' ' ? i + 1 : i;

	for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
		size_t len = strlen(units[k].text), end = start + len;

		if (end > n || memcmp(s + start, units[k].text, len) != 0)
			continue;
		if (units[k].alpha && end < n && (is_letter(s[end]) || is_digit(s[end])))
			continue;
		word(o, units[k].words);
		return end;
	}
	return 0;
}

/* The decimals after "phẩy" or "chấm": up to three digits without a
 * leading zero as a number, zeros first as "không", more as digits. */
static void read_decimals(struct out *o, const char *s, size_t n)
{
	size_t z = 0;
	uint64_t v = 0;

	while (z < n && s[z] == '0' && z + 1 < n) {
		word(o, digit_word[0]);
		z++;
	}
	if (n - z > 3) {
		read_digits(o, s + z, n - z);
		return;
	}
	for (size_t k = z; k < n; k++)
		v = v * 10 + (uint64_t)(s[k] - '0');
	read_number(o, v);
}

/* A number at s[i] (a digit): 1.500 (thousands dot), 2,5 (decimal
 * comma), 2.5, a telephone number, with the words "thứ", "tháng" and
 * "ngày" before it taken into account. plain: no context words (the far
 * end of a range). Returns the index after it. */
static size_t read_number_at(struct out *o, const char *s, size_t i, size_t n, bool plain)
{
	uint64_t v, g;
	size_t k = digits(s, i, n, &v), j = i + k;
	bool grouped = false;

	if (k <= 3) {
		/* 1.500.000: dots followed by exactly three digits each */
		uint64_t total = v;
		size_t p = j;

		while (p + 4 <= n && s[p] == '.' && digits(s, p + 1, n, &g) == 3 &&
		       total <= 999999999999999ull / 1000) {
			total = total * 1000 + g;
			p += 4;
			grouped = true;
		}
		if (grouped) {
			v = total;
			j = p;
		}
	}
	if (!grouped && (k > MAX_DIGITS || (k > 1 && s[i] == '0' &&
	                                    !(j + 1 < n && s[j] == ',' && is_digit(s[j + 1]))))) {
		read_digits(o, s + i, k);
		return j;
	}
	if (j + 1 < n && (s[j] == ',' || (s[j] == '.' && !grouped)) && is_digit(s[j + 1])) {
		size_t nd = digits(s, j + 1, n, &g);

		read_number(o, v);
		word(o, s[j] == ',' ? "phẩy" : "chấm");
		read_decimals(o, s + j + 1, nd);
		return j + 1 + nd;
	}
	if (!plain && !grouped) {
		if (after_word(o, "thứ", "Thứ") && (v == 1 || v == 4)) {
			word(o, v == 1 ? "nhất" : "tư");
			return j;
		}
		if (after_word(o, "tháng", "Tháng") && v >= 1 && v <= 12) {
			read_month(o, (unsigned)v);
			return j;
		}
		if (after_word(o, "ngày", "Ngày") && v >= 1 && v <= 31) {
			read_day(o, (unsigned)v);
			return j;
		}
	}
	read_number(o, v);
	return j;
}

/* A number, then perhaps "-N" or "–N" (a range: "đến"), then perhaps a
 * unit. */
static size_t try_number(struct out *o, const char *s, size_t i, size_t n)
{
	size_t j = read_number_at(o, s, i, n, false), u;

	if (j < n && s[j] == '-' && digit_at(s, j + 1, n)) {
		word(o, "đến");
		j = read_number_at(o, s, j + 1, n, true);
	} else if (j + 3 < n && memcmp(s + j, "\xe2\x80\x93", 3) == 0 && digit_at(s, j + 3, n)) {
		word(o, "đến");
		j = read_number_at(o, s, j + 3, n, true);
	}
	u = try_unit(o, s, j, n);
	return u ? u : j;
}

char *vnnorm_text(const char *text, unsigned flags)
{
	struct out o = {.flags = flags};
	size_t n = strlen(text), i = 0;

	if (n > VNNORM_MAX_INPUT) {
		n = VNNORM_MAX_INPUT;
		/* not inside a UTF-8 sequence */
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	put(&o, "", 0);
	while (i < n) {
		char c = text[i];
		size_t j;

		if (is_digit(c) && !(i > 0 && is_digit(text[i - 1]))) {
			/* the rest of "32/10/2026" once it was no date: numbers */
			bool rest = i > 1 && strchr("/:.-", text[i - 1]) && is_digit(text[i - 2]);

			if ((!rest && (j = try_date(&o, text, i, n))) ||
			    (!rest && (j = try_time(&o, text, i, n))) ||
			    (j = try_number(&o, text, i, n))) {
				i = j;
				continue;
			}
		}
		if (c == '-' && digit_at(text, i + 1, n) &&
		    (i == 0 || text[i - 1] == ' ' || text[i - 1] == '(')) {
			word(&o, "âm");
			i = try_number(&o, text, i + 1, n);
			continue;
		}
		if (o.sep && (is_letter(c) || is_digit(c)))
			put(&o, " ", 1);
		o.sep = false;
		put(&o, &c, 1);
		i++;
	}
	return o.p;
}
