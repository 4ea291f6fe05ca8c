/*
 * vnnorm: Vietnamese text made ready for a speech synthesiser.
 *
 * A disaster warning written for people ("gió giật cấp 12, mưa 150-200mm
 * từ 14h30 ngày 12/10/2026") is turned into the words a newsreader would
 * say ("gió giật cấp mười hai, mưa một trăm năm mươi đến hai trăm mi li
 * mét từ mười bốn giờ ba mươi phút ngày mười hai tháng mười năm hai nghìn
 * không trăm hai mươi sáu"): numbers with the Vietnamese rules (mười /
 * mươi, mốt, lăm, tư, linh / lẻ, "không trăm" inside a number), the
 * thousands dot and the decimal comma, dates, times of day, ranges and
 * the units of weather bulletins. Everything else is copied as it is.
 *
 * Pure: strings in, strings out.
 */
#ifndef LOAXA_VNNORM_H
#define LOAXA_VNNORM_H

#include <stddef.h>
#include <stdint.h>

/* The southern words: "lẻ" for "linh" (105 "một trăm lẻ năm") and
 * "ngàn" for "nghìn". Default: the northern ones. */
#define VNNORM_SOUTHERN 0x1u

/* Longest text normalised (bytes); vnnorm_text cuts longer input there. */
#define VNNORM_MAX_INPUT (64 * 1024)

/* n in words: 123 "một trăm hai mươi ba" (malloc'd). */
char *vnnorm_number(uint64_t n, unsigned flags);
/* The whole text with numbers, dates, times and units in words
 * (malloc'd, UTF-8 in, UTF-8 out). */
char *vnnorm_text(const char *text, unsigned flags);

#endif
