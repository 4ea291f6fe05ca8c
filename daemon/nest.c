/*
 * nest: the depth of brackets in a libconfig or JSON text, one pass.
 *
 * Only what the parsers would take for a bracket counts: not one inside a
 * string (backslash escapes included) or a comment. A closing bracket with
 * nothing open is left to the parser to report.
 */
#include "nest.h"

#include <limits.h>
#include <stdbool.h>

/* One pass; returns the line where the depth went beyond max (0 if it
 * never did), with the depth at the end in *end. */
static int scan(const char *text, size_t len, enum nest_syntax syntax, int depth, int max, int *end)
{
	bool config = syntax == NEST_LIBCONFIG;
	int line = 1;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		switch (c) {
		case '\n':
			line++;
			break;
		case '"':
			for (i++; i < len && text[i] != '"'; i++) {
				if (text[i] == '\\' && i + 1 < len)
					i++;
				if (text[i] == '\n')
					line++;
			}
			break;
		case '#':
			if (!config)
				break;
			while (i + 1 < len && text[i + 1] != '\n')
				i++;
			break;
		case '/':
			if (!config || i + 1 >= len)
				break;
			if (text[i + 1] == '/') {
				while (i + 1 < len && text[i + 1] != '\n')
					i++;
			} else if (text[i + 1] == '*') {
				for (i += 2; i < len &&
				             !(text[i] == '*' && i + 1 < len && text[i + 1] == '/');
				     i++)
					if (text[i] == '\n')
						line++;
				i++;
			}
			break;
		case '(':
			if (!config)
				break;
			/* fall through */
		case '[':
		case '{':
			if (++depth > max) {
				*end = depth;
				return line;
			}
			break;
		case ')':
			if (!config)
				break;
			/* fall through */
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	*end = depth;
	return 0;
}

int nest_too_deep(const char *text, size_t len, enum nest_syntax syntax, int depth, int max)
{
	int end;

	return scan(text, len, syntax, depth, max, &end);
}

int nest_depth(const char *text, size_t len, enum nest_syntax syntax)
{
	int end;

	scan(text, len, syntax, 0, INT_MAX, &end);
	return end;
}
