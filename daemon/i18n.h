/*
 * i18n: operator-facing messages go through gettext (text domain "loaxa").
 * Wrap user-visible strings in _() where printed, N_() where only marked.
 */
#ifndef LOAXA_I18N_H
#define LOAXA_I18N_H

#include <libintl.h>

#define _(s)  gettext(s)
#define N_(s) (s)

/* The locale from the environment and the text domain "loaxa", from
 * LOAXA_LOCALEDIR when set (an uninstalled build), else LOCALEDIR. First
 * thing in every program's main. */
void i18n_init(void);

#endif
