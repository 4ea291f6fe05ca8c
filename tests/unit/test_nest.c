/*
 * Unit tests for nest: the depth counted as the parsers would see it
 * (brackets in strings and comments do not count), the limit exact to the
 * level, the line of the bracket that went too deep, and texts far deeper
 * than any parser's stack.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "nest.h"
#include "util.h"

static int deep(const char *text, enum nest_syntax syntax, int max)
{
	return nest_too_deep(text, strlen(text), syntax, 0, max);
}

/* n levels of open ... close around a 1, with prefix before it. */
static char *nested(const char *prefix, int n, char open, char close)
{
	size_t p = strlen(prefix);
	char *s = xmalloc(p + 2 * (size_t)n + 2);

	memcpy(s, prefix, p);
	memset(s + p, open, (size_t)n);
	s[p + (size_t)n] = '1';
	memset(s + p + (size_t)n + 1, close, (size_t)n);
	s[p + 2 * (size_t)n + 1] = '\0';
	return s;
}

static void test_limit_exact(void **state)
{
	(void)state;
	for (int n = 0; n <= 40; n++) {
		char *s = nested("x = ", n, '(', ')');
		char *j = nested("", n, '[', ']');

		assert_int_equal(deep(s, NEST_LIBCONFIG, NEST_MAX), n > NEST_MAX ? 1 : 0);
		assert_int_equal(deep(j, NEST_JSON, NEST_MAX), n > NEST_MAX ? 1 : 0);
		free(s);
		free(j);
	}
	/* depth: where an included text starts */
	assert_int_equal(nest_too_deep("((1))", 5, NEST_LIBCONFIG, 15, 16), 1);
	assert_int_equal(nest_too_deep("((1))", 5, NEST_LIBCONFIG, 14, 16), 0);
	/* siblings do not add up */
	assert_int_equal(deep("x = ((1), (2), ((3)), [4]);", NEST_LIBCONFIG, 3), 0);
	assert_int_equal(deep("x = ((1), (2), (((3))), [4]);", NEST_LIBCONFIG, 3), 1);
	/* a stray closing bracket is the parser's to report, not a credit */
	assert_int_equal(deep(")))) x = (((1)));", NEST_LIBCONFIG, 2), 1);
}

static void test_line_of_the_opening(void **state)
{
	const char *text = "slots = (\n"
	                   "  { start = \"05:00\";\n"
	                   "    items = ( \"a\",\n"
	                   "      { file = \"b.wav\"; x = (\n"
	                   "        ( 1 ) ); } ); } );\n";

	(void)state;
	assert_int_equal(deep(text, NEST_LIBCONFIG, 6), 0);
	assert_int_equal(deep(text, NEST_LIBCONFIG, 5), 5);
	assert_int_equal(deep(text, NEST_LIBCONFIG, 4), 4);
	assert_int_equal(deep(text, NEST_LIBCONFIG, 2), 3);
	assert_int_equal(deep(text, NEST_LIBCONFIG, 1), 2);
	assert_int_equal(deep("{\n\"a\":\n[\n[\n{}]]}", NEST_JSON, 3), 5);
}

static void test_strings_and_comments(void **state)
{
	(void)state;
	/* libconfig: brackets in strings, escaped quotes, three comment kinds */
	assert_int_equal(deep("x = \"((((((\";", NEST_LIBCONFIG, 1), 0);
	assert_int_equal(deep("x = \"\\\"((((((\";", NEST_LIBCONFIG, 1), 0);
	assert_int_equal(deep("x = \"\\\\\"; y = ((1));", NEST_LIBCONFIG, 1), 1);
	assert_int_equal(deep("# (((((\nx = 1;", NEST_LIBCONFIG, 1), 0);
	assert_int_equal(deep("// (((((\nx = 1;", NEST_LIBCONFIG, 1), 0);
	assert_int_equal(deep("/* ((\n((( */ x = (1);", NEST_LIBCONFIG, 1), 0);
	assert_int_equal(deep("/* ((\n((( */\n x = ((1));", NEST_LIBCONFIG, 1), 3);
	assert_int_equal(deep("x = 4 / 2; y = ((1));", NEST_LIBCONFIG, 1), 1);
	/* lines inside strings and comments still count */
	assert_int_equal(deep("x = \"a\nb\";\n/*\n*/ y = ((1));", NEST_LIBCONFIG, 1), 4);
	/* unterminated strings and comments end the scan, not the process */
	assert_int_equal(deep("x = \"((((", NEST_LIBCONFIG, 1), 0);
	assert_int_equal(deep("x = /* ((((", NEST_LIBCONFIG, 1), 0);
	assert_int_equal(deep("x = \"\\", NEST_LIBCONFIG, 1), 0);
	assert_int_equal(deep("x = /", NEST_LIBCONFIG, 1), 0);
	/* JSON: no comments, and parentheses are not brackets */
	assert_int_equal(deep("[\"[[[[\", \"\\\"[[[\"]", NEST_JSON, 1), 0);
	assert_int_equal(deep("[\"# \", [1]]", NEST_JSON, 1), 1);
	assert_int_equal(deep("[\"(((\", \"/* \", [1]]", NEST_JSON, 1), 1);
	assert_int_equal(deep("{\"a\": ((((1))))}", NEST_JSON, 1), 0);
}

/* Far deeper than libconfig's 10,000-entry stack or jansson's 2048: found
 * at the first bracket too many, in one pass. */
static void test_very_deep(void **state)
{
	char *s = nested("x =\n", 1000000, '(', ')');
	char *j = nested("", 1000000, '{', '}');

	(void)state;
	assert_int_equal(nest_too_deep(s, strlen(s), NEST_LIBCONFIG, 0, NEST_MAX), 2);
	assert_int_equal(nest_too_deep(j, strlen(j), NEST_JSON, 0, NEST_MAX), 1);
	/* a length, not a NUL, ends the text */
	assert_int_equal(nest_too_deep(s, 4 + NEST_MAX, NEST_LIBCONFIG, 0, NEST_MAX), 0);
	assert_int_equal(nest_too_deep(s, 5 + NEST_MAX, NEST_LIBCONFIG, 0, NEST_MAX), 2);
	free(s);
	free(j);
}

static void test_depth_at_the_end(void **state)
{
	(void)state;
	assert_int_equal(nest_depth("", 0, NEST_LIBCONFIG), 0);
	assert_int_equal(nest_depth("a = { b = (", 11, NEST_LIBCONFIG), 2);
	assert_int_equal(nest_depth("a = { b = ( \"((\" # ((\n", 22, NEST_LIBCONFIG), 2);
	assert_int_equal(nest_depth("a = { b = (1); };\n", 18, NEST_LIBCONFIG), 0);
	assert_int_equal(nest_depth(")))", 3, NEST_LIBCONFIG), 0);
	assert_int_equal(nest_depth("{\"a\": [", 7, NEST_JSON), 2);
	assert_int_equal(nest_depth("((((", 4, NEST_JSON), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limit_exact),          cmocka_unit_test(test_line_of_the_opening),
	    cmocka_unit_test(test_strings_and_comments), cmocka_unit_test(test_very_deep),
	    cmocka_unit_test(test_depth_at_the_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
