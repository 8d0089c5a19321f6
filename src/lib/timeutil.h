/* SPDX-License-Identifier: MIT */
/* Clocks. Timeouts use the monotonic clock; stored dates use wall time. */
#ifndef COFFER_LIB_TIMEUTIL_H
#define COFFER_LIB_TIMEUTIL_H

#include <stdint.h>

uint64_t time_mono_ms(void);
uint64_t time_mono_us(void);
/* Seconds since the epoch. */
int64_t time_now(void);
/* Microseconds since the epoch. */
int64_t time_now_us(void);
/* Offset of the local time zone (TZ, /etc/localtime) from UTC at time t,
   in minutes east of UTC (daylight saving time included); 0 if t cannot
   be converted. Thread-safe (localtime_r). */
int time_local_offset(int64_t t);

#endif
