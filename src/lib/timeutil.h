/* SPDX-License-Identifier: MIT */
/* Clocks. Timeouts use the monotonic clock; stored dates use wall time. */
#ifndef COFFER_LIB_TIMEUTIL_H
#define COFFER_LIB_TIMEUTIL_H

#include <stdint.h>

uint64_t time_mono_ms(void);
uint64_t time_mono_us(void);
/* Proleptic Gregorian calendar arithmetic (H. Hinnant's algorithms), exact
   for every int64 year we can meet: days since 1970-01-01 of a civil date
   (month 1..12, day 1..31), and back. */
int64_t time_days_from_civil(int64_t year, unsigned month, unsigned day);
void time_civil_from_days(int64_t days, int64_t *year_r, unsigned *month_r,
			  unsigned *day_r);
/* Days of month 1..12 in year. */
unsigned time_days_in_month(int64_t year, unsigned month);

/* Seconds since the epoch. */
int64_t time_now(void);
/* Microseconds since the epoch. */
int64_t time_now_us(void);
/* Offset of the local time zone (TZ, /etc/localtime) from UTC at time t,
   in minutes east of UTC (daylight saving time included); 0 if t cannot
   be converted. Thread-safe (localtime_r). */
int time_local_offset(int64_t t);

#endif
