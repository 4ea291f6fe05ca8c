/*
 * Unit tests of vnnorm: numbers by table (every rule, each edge), every
 * number up to a million checked against the rules it must keep, the
 * text forms (thousands dot, decimal comma, dates, times, ranges, units,
 * context words) and what must be left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnnorm.h"

struct pair {
	const char *in;
	const char *out;
};

static void check_number(uint64_t n, unsigned flags, const char *want)
{
	char *got = vnnorm_number(n, flags);

	if (strcmp(got, want) != 0)
		fail_msg("%llu: got \"%s\", want \"%s\"", (unsigned long long)n, got, want);
	free(got);
}

static void check_text(const char *in, unsigned flags, const char *want)
{
	char *got = vnnorm_text(in, flags);

	if (strcmp(got, want) != 0)
		fail_msg("\"%s\": got \"%s\", want \"%s\"", in, got, want);
	free(got);
}

static void test_numbers_table(void **state)
{
	static const struct {
		uint64_t n;
		const char *w;
	} t[] = {
	    {0, "không"},
	    {1, "một"},
	    {4, "bốn"},
	    {5, "năm"},
	    {9, "chín"},
	    {10, "mười"},
	    {11, "mười một"},
	    {14, "mười bốn"},
	    {15, "mười lăm"},
	    {19, "mười chín"},
	    {20, "hai mươi"},
	    {21, "hai mươi mốt"},
	    {24, "hai mươi tư"},
	    {25, "hai mươi lăm"},
	    {30, "ba mươi"},
	    {44, "bốn mươi tư"},
	    {55, "năm mươi lăm"},
	    {71, "bảy mươi mốt"},
	    {91, "chín mươi mốt"},
	    {99, "chín mươi chín"},
	    {100, "một trăm"},
	    {101, "một trăm linh một"},
	    {104, "một trăm linh bốn"},
	    {105, "một trăm linh năm"},
	    {110, "một trăm mười"},
	    {111, "một trăm mười một"},
	    {115, "một trăm mười lăm"},
	    {121, "một trăm hai mươi mốt"},
	    {123, "một trăm hai mươi ba"},
	    {124, "một trăm hai mươi tư"},
	    {205, "hai trăm linh năm"},
	    {999, "chín trăm chín mươi chín"},
	    {1000, "một nghìn"},
	    {1001, "một nghìn không trăm linh một"},
	    {1010, "một nghìn không trăm mười"},
	    {1015, "một nghìn không trăm mười lăm"},
	    {1021, "một nghìn không trăm hai mươi mốt"},
	    {1100, "một nghìn một trăm"},
	    {1500, "một nghìn năm trăm"},
	    {2026, "hai nghìn không trăm hai mươi sáu"},
	    {10000, "mười nghìn"},
	    {15000, "mười lăm nghìn"},
	    {21000, "hai mươi mốt nghìn"},
	    {100000, "một trăm nghìn"},
	    {105000, "một trăm linh năm nghìn"},
	    {1000000, "một triệu"},
	    {1000005, "một triệu không trăm linh năm"},
	    {1005000, "một triệu không trăm linh năm nghìn"},
	    {1200000, "một triệu hai trăm nghìn"},
	    {1000050, "một triệu không trăm năm mươi"},
	    {25000000, "hai mươi lăm triệu"},
	    {1000000000, "một tỷ"},
	    {2000000001, "hai tỷ không trăm linh một"},
	    {3500000000ull, "ba tỷ năm trăm triệu"},
	    {1000000000000ull, "một nghìn tỷ"},
	    {1000000001000ull, "một nghìn tỷ không trăm linh một nghìn"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		check_number(t[i].n, 0, t[i].w);
}

static void test_numbers_southern(void **state)
{
	(void)state;
	check_number(105, VNNORM_SOUTHERN, "một trăm lẻ năm");
	check_number(1000, VNNORM_SOUTHERN, "một ngàn");
	check_number(1001, VNNORM_SOUTHERN, "một ngàn không trăm lẻ một");
	check_number(24, VNNORM_SOUTHERN, "hai mươi tư");
	check_text("105", VNNORM_SOUTHERN, "một trăm lẻ năm");
}

static void test_numbers_largest(void **state)
{
	char *w = vnnorm_number(UINT64_MAX, 0);

	(void)state;
	/* 18 446 744 073 709 551 615 */
	assert_non_null(strstr(w, "mười tám tỷ"));
	assert_non_null(strstr(w, "sáu trăm mười lăm"));
	free(w);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, k = strlen(needle);

	for (const char *p = hay; (p = strstr(p, needle)); p += k)
		n++;
	return n;
}

/* Whole words only: "mười" must not count the "mười" of "mươi"'s cousin. */
static bool has_word(const char *s, const char *w)
{
	size_t k = strlen(w);

	for (const char *p = s; (p = strstr(p, w)); p += k)
		if ((p == s || p[-1] == ' ') && (p[k] == ' ' || p[k] == '\0'))
			return true;
	return false;
}

/* Every number below a million keeps the rules of the reading; and
 * written as digits in a text it reads the same. */
static void test_numbers_rules(void **state)
{
	(void)state;
	for (uint64_t n = 1; n < 1000000; n++) {
		char *w = vnnorm_number(n, 0);
		unsigned last = (unsigned)(n % 1000), t = last / 10 % 10, u = last % 10;
		bool tens_word = t >= 2;

		if (n < 1000) {
			if (has_word(w, "mốt") != (u == 1 && tens_word))
				fail_msg("%llu: \"%s\": mốt", (unsigned long long)n, w);
			if (has_word(w, "lăm") != (u == 5 && t >= 1))
				fail_msg("%llu: \"%s\": lăm", (unsigned long long)n, w);
			if (has_word(w, "tư") != (u == 4 && tens_word))
				fail_msg("%llu: \"%s\": tư", (unsigned long long)n, w);
			if (has_word(w, "linh") != (n >= 100 && t == 0 && u != 0))
				fail_msg("%llu: \"%s\": linh", (unsigned long long)n, w);
			if (has_word(w, "mười") != (t == 1))
				fail_msg("%llu: \"%s\": mười", (unsigned long long)n, w);
			if (count(w, "mươi") != (t >= 2 ? 1u : 0u))
				fail_msg("%llu: \"%s\": mươi", (unsigned long long)n, w);
			if (has_word(w, "không"))
				fail_msg("%llu: \"%s\": không", (unsigned long long)n, w);
		} else {
			/* the thousands, "nghìn", then the last group read whole:
			 * "không trăm" before a group under a hundred, "linh"
			 * before one under ten, nothing for zero */
			char *high = vnnorm_number(n / 1000, 0), *low = vnnorm_number(last, 0);
			char want[512];

			if (last == 0)
				snprintf(want, sizeof want, "%s nghìn", high);
			else if (last < 10)
				snprintf(want, sizeof want, "%s nghìn không trăm linh %s", high,
				         low);
			else if (last < 100)
				snprintf(want, sizeof want, "%s nghìn không trăm %s", high, low);
			else
				snprintf(want, sizeof want, "%s nghìn %s", high, low);
			if (strcmp(w, want) != 0)
				fail_msg("%llu: \"%s\", want \"%s\"", (unsigned long long)n, w,
				         want);
			free(high);
			free(low);
		}
		if (w[0] == ' ' || w[strlen(w) - 1] == ' ' || strstr(w, "  "))
			fail_msg("%llu: \"%s\": spaces", (unsigned long long)n, w);
		if (n % 997 == 0 || n < 2000) {
			char digits[24], *t2;

			snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
			t2 = vnnorm_text(digits, 0);
			if (strcmp(t2, w) != 0)
				fail_msg("%s: text \"%s\" != number \"%s\"", digits, t2, w);
			free(t2);
		}
		free(w);
	}
}

static void test_text_forms(void **state)
{
	static const struct pair t[] = {
	    {"123", "một trăm hai mươi ba"},
	    {"1.500", "một nghìn năm trăm"},
	    {"1.000.000 đồng", "một triệu đồng"},
	    {"2.500.000", "hai triệu năm trăm nghìn"},
	    {"2,5", "hai phẩy năm"},
	    {"12,75", "mười hai phẩy bảy mươi lăm"},
	    {"0,05", "không phẩy không năm"},
	    {"3,14159", "ba phẩy một bốn một năm chín"},
	    {"1.500,5", "một nghìn năm trăm phẩy năm"},
	    {"12.5", "mười hai chấm năm"},
	    {"0912345678", "không chín một hai ba bốn năm sáu bảy tám"},
	    {"1234567890123456",
	     "một hai ba bốn năm sáu bảy tám chín không một hai ba bốn năm sáu"},
	    {"-2", "âm hai"},
	    {"Năm 2026.", "Năm hai nghìn không trăm hai mươi sáu."},
	    {"số 3", "số ba"},
	    {"Bão số 3 (YAGI)", "Bão số ba (YAGI)"},
	    {"(3)", "(ba)"},
	    {"COVID19", "COVID mười chín"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		check_text(t[i].in, 0, t[i].out);
}

static void test_text_dates(void **state)
{
	static const struct pair t[] = {
	    {"12/10/2026", "ngày mười hai tháng mười năm hai nghìn không trăm hai mươi sáu"},
	    {"ngày 12/10/2026", "ngày mười hai tháng mười năm hai nghìn không trăm hai mươi sáu"},
	    {"Ngày 1/4/2026", "Ngày mùng một tháng tư năm hai nghìn không trăm hai mươi sáu"},
	    {"12-10-2026", "ngày mười hai tháng mười năm hai nghìn không trăm hai mươi sáu"},
	    {"12.10.2026", "ngày mười hai tháng mười năm hai nghìn không trăm hai mươi sáu"},
	    {"2026-10-12", "ngày mười hai tháng mười năm hai nghìn không trăm hai mươi sáu"},
	    {"31/12/2025", "ngày ba mươi mốt tháng mười hai năm hai nghìn không trăm hai mươi lăm"},
	    {"5/4", "ngày mùng năm tháng tư"},
	    {"ngày 5/10", "ngày mùng năm tháng mười"},
	    {"ngày mùng 5/10", "ngày mùng năm tháng mười"},
	    {"10/2026", "tháng mười năm hai nghìn không trăm hai mươi sáu"},
	    {"tháng 4/2026", "tháng tư năm hai nghìn không trăm hai mươi sáu"},
	    {"ngày 5", "ngày mùng năm"},
	    {"ngày 15", "ngày mười lăm"},
	    {"tháng 4", "tháng tư"},
	    {"tháng 11", "tháng mười một"},
	    {"thứ 4", "thứ tư"},
	    {"Thứ 2", "Thứ hai"},
	    {"lần thứ 1", "lần thứ nhất"},
	    /* not dates */
	    {"32/10/2026", "ba mươi hai/ mười/ hai nghìn không trăm hai mươi sáu"},
	    {"12/13", "mười hai/ mười ba"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		check_text(t[i].in, 0, t[i].out);
}

static void test_text_times(void **state)
{
	static const struct pair t[] = {
	    {"14:30", "mười bốn giờ ba mươi phút"},
	    {"14h30", "mười bốn giờ ba mươi phút"},
	    {"14g30", "mười bốn giờ ba mươi phút"},
	    {"7:05", "bảy giờ năm phút"},
	    {"14:00", "mười bốn giờ"},
	    {"14h00", "mười bốn giờ"},
	    {"14h", "mười bốn giờ"},
	    {"lúc 5h, ngày 5/10", "lúc năm giờ, ngày mùng năm tháng mười"},
	    {"14:30:15", "mười bốn giờ ba mươi phút mười lăm giây"},
	    {"từ 14h30 ngày 12/10/2026",
	     "từ mười bốn giờ ba mươi phút ngày mười hai tháng mười năm hai nghìn không trăm "
	     "hai mươi sáu"},
	    /* not times */
	    {"25:00", "hai mươi lăm: không không"},
	    {"14:75", "mười bốn: bảy mươi lăm"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		check_text(t[i].in, 0, t[i].out);
}

static void test_text_units(void **state)
{
	static const struct pair t[] = {
	    {"60 km/h", "sáu mươi ki lô mét trên giờ"},
	    {"60km/h", "sáu mươi ki lô mét trên giờ"},
	    {"cách 300km", "cách ba trăm ki lô mét"},
	    {"mưa 150-200mm", "mưa một trăm năm mươi đến hai trăm mi li mét"},
	    {"mưa 150–200 mm.", "mưa một trăm năm mươi đến hai trăm mi li mét."},
	    {"sóng cao 2-4m", "sóng cao hai đến bốn mét"},
	    {"1,5 m", "một phẩy năm mét"},
	    {"20 cm", "hai mươi xăng ti mét"},
	    {"30°C", "ba mươi độ xê"},
	    {"30oC", "ba mươi độ xê"},
	    {"-2°C", "âm hai độ xê"},
	    {"80%", "tám mươi phần trăm"},
	    {"5ha", "năm héc ta"},
	    {"1000 hPa", "một nghìn héc tô pát xcan"},
	    {"10 m/s", "mười mét trên giây"},
	    {"50 kg", "năm mươi ki lô gam"},
	    {"3 m3", "ba mét khối"},
	    {"gió giật cấp 12", "gió giật cấp mười hai"},
	    {"cấp 10-11", "cấp mười đến mười một"},
	    {"rủi ro thiên tai cấp 4", "rủi ro thiên tai cấp bốn"},
	    /* letters after a number that are not a unit */
	    {"3 người", "ba người"},
	    {"5 mét", "năm mét"},
	    {"2 mẫu", "hai mẫu"},
	    {"3mẫu", "ba mẫu"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		check_text(t[i].in, 0, t[i].out);
}

static void test_text_untouched(void **state)
{
	static const char *const t[] = {
	    "",
	    "Bão đang di chuyển theo hướng Tây Tây Bắc.",
	    "- Người dân không ra khơi.",
	    "A-B, c/d: e.",
	    "\xe2\x80\x93 gạch",
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		check_text(t[i], 0, t[i]);
	check_text("- 5 người", 0, "- năm người");
}

static void test_text_bulletin(void **state)
{
	(void)state;
	check_text("Hồi 14h30 ngày 12/10/2026, vị trí tâm bão cách đảo Bạch Long Vĩ 150km; "
	           "sức gió mạnh nhất cấp 12 (118-133 km/h), giật cấp 15.",
	           0,
	           "Hồi mười bốn giờ ba mươi phút ngày mười hai tháng mười năm hai nghìn không "
	           "trăm hai mươi sáu, vị trí tâm bão cách đảo Bạch Long Vĩ một trăm năm mươi ki "
	           "lô mét; sức gió mạnh nhất cấp mười hai (một trăm mười tám đến một trăm ba "
	           "mươi ba ki lô mét trên giờ), giật cấp mười lăm.");
}

static void test_text_long(void **state)
{
	size_t n = VNNORM_MAX_INPUT + 100;
	char *in = malloc(n + 1), *out;

	(void)state;
	assert_non_null(in);
	/* "ă" is two bytes: the cut must not split one */
	for (size_t i = 0; i + 1 < n; i += 2)
		memcpy(in + i, "\xc4\x83", 2);
	in[n - (n % 2)] = '\0';
	in[n] = '\0';
	out = vnnorm_text(in, 0);
	assert_true(strlen(out) <= VNNORM_MAX_INPUT);
	assert_int_equal(strlen(out) % 2, 0);
	free(out);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_numbers_table),   cmocka_unit_test(test_numbers_southern),
	    cmocka_unit_test(test_numbers_largest), cmocka_unit_test(test_numbers_rules),
	    cmocka_unit_test(test_text_forms),      cmocka_unit_test(test_text_dates),
	    cmocka_unit_test(test_text_times),      cmocka_unit_test(test_text_units),
	    cmocka_unit_test(test_text_untouched),  cmocka_unit_test(test_text_bulletin),
	    cmocka_unit_test(test_text_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
