/*
 * testlib: what several unit tests need around the code they test, and
 * nothing of loaxa's own. A header of static functions, so that each test
 * stays one file.
 */
#ifndef LOAXA_TESTLIB_H
#define LOAXA_TESTLIB_H

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Remove dir and everything below it (a test's temporary folder). */
static inline void testlib_rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *p;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (unlink(p) < 0)
			testlib_rm_rf(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

#endif
