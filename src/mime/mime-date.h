/* SPDX-License-Identifier: MIT */
/*
 * Dates: RFC 5322 section 3.3 date-time parsing with the obsolete forms of
 * section 4.3 and common garbage (no day of week, two- and three-digit
 * years, named and military zones, full month and day names, the ctime()
 * order "Mon Jul 21 09:55:06 1997", missing seconds or zone), and the IMAP
 * (RFC 3501 date-time) and RFC 5322 output formats. Pure functions over
 * the proleptic Gregorian calendar, independent of the process time zone
 * and locale; thread-safe.
 */
#ifndef COFFER_MIME_MIME_DATE_H
#define COFFER_MIME_MIME_DATE_H

#include <stddef.h>
#include <stdint.h>

/* "17-Jul-1996 02:44:25 -0700" plus NUL */
#define MIME_DATE_IMAP_SIZE 27
/* "Wed, 17 Jul 1996 02:44:25 -0700" plus NUL */
#define MIME_DATE_RFC5322_SIZE 32
/* Largest zone offset accepted, in minutes (+/-99:59). */
#define MIME_DATE_MAX_TZ (99 * 60 + 59)

/* Parses a Date header value. On success returns 0 and stores the UTC time
   and the zone offset in minutes east of UTC (0 for "-0000", unknown and
   military zones, as RFC 5322 section 4.3 says). Returns -1 if no date
   can be recognised. Years must be within 1000..9999 after the obsolete
   two/three-digit rules. */
int mime_date_parse(const void *value, size_t len, int64_t *time_r,
		    int *tz_minutes_r);

/* Formats t (UTC seconds) in zone tz_minutes (within +/-MIME_DATE_MAX_TZ)
   as RFC 3501 date-time without the quotes, day space-padded:
   "17-Jul-1996 02:44:25 -0700". Years outside 1..9999 are clamped. */
void mime_date_format_imap(int64_t t, int tz_minutes,
			   char out[MIME_DATE_IMAP_SIZE]);
/* The same instant as RFC 5322 date-time: "Wed, 17 Jul 1996 02:44:25
   -0700". */
void mime_date_format_rfc5322(int64_t t, int tz_minutes,
			      char out[MIME_DATE_RFC5322_SIZE]);

#endif
