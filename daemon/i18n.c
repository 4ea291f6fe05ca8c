/*
 * i18n: gettext's set-up, the same in every program of loaxa.
 */
#include "i18n.h"

#include <locale.h>
#include <stdlib.h>

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

void i18n_init(void)
{
	const char *dir = getenv("LOAXA_LOCALEDIR");

	setlocale(LC_ALL, "");
	/* LOAXA_LOCALEDIR: translations of an uninstalled build (tests) */
	bindtextdomain("loaxa", dir ? dir : LOCALEDIR);
	textdomain("loaxa");
}
