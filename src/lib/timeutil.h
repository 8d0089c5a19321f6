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

#endif
