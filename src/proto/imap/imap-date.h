/* SPDX-License-Identifier: MIT */
/*
 * IMAP dates (RFC 3501 section 9):
 *
 *   date      = date-text / DQUOTE date-text DQUOTE
 *   date-text = date-day "-" date-month "-" date-year     "1-Feb-1994"
 *   date-time = DQUOTE date-day-fixed "-" date-month "-" date-year
 *		 SP time SP zone DQUOTE	      " 1-Feb-1994 21:52:25 -0800"
 *
 * Parsing is strict: month names in any case but exactly three letters,
 * day numbers valid for the month (proleptic Gregorian calendar), two-digit
 * hours, minutes and seconds in range (a leap second 60 counts as 59),
 * zones within +-23:59. Time values are seconds since 1970-01-01 UTC;
 * no time zone database or locale is involved. Reentrant.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_DATE_H
#define COFFER_PROTO_IMAP_IMAP_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "proto/imap/imap-arg.h"

/* Length of "dd-Mon-yyyy hh:mm:ss +zzzz" with the quotes. */
#define IMAP_DATETIME_QUOTED_LEN 28

/* date-text without quotes. *time_r: 00:00:00 UTC of that day (SEARCH
   compares days "disregarding time and timezone", RFC 3501 6.4.4). */
bool imap_date_parse(const char *s, size_t len, int64_t *time_r);
/* date-time without its DQUOTEs. *time_r is UTC, *zone_r the zone in
   minutes east of UTC. */
bool imap_datetime_parse(const char *s, size_t len, int64_t *time_r,
			 int *zone_r);

/* A date argument: an atom or a quoted string holding date-text. */
bool imap_arg_get_date(const struct imap_arg *arg, int64_t *time_r);
/* A date-time argument: it must be a quoted string. */
bool imap_arg_get_datetime(const struct imap_arg *arg, int64_t *time_r,
			   int *zone_r);

/* Appends the quoted date-time for INTERNALDATE, shown in zone
   zone_minutes (east of UTC, within +-23:59). Returns -1 if the year is
   outside 0000-9999 or out is full. */
int imap_date_append_datetime(struct buf *out, int64_t t, int zone_minutes);
/* Appends date-text ("1-Feb-1994") for the day containing t in UTC. */
int imap_date_append_date(struct buf *out, int64_t t);

#endif
