/* SPDX-License-Identifier: MIT */
/* RFC 3501 date and date-time parsing and formatting. */
#include "proto/imap/imap-date.h"
#include "lib/timeutil.h"
#include "lib/str.h"

#include <inttypes.h>
#include <string.h>

static const char month_names[12][4] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Reads exactly n digits. */
static bool
digits(const char *s, size_t n, unsigned *value_r)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!ascii_isdigit(s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*value_r = v;
	return true;
}

static bool
parse_month(const char *s, unsigned *m_r)
{
	for (unsigned m = 0; m < 12; m++) {
		if (mem_eq_icase(s, month_names[m], 3)) {
			*m_r = m + 1;
			return true;
		}
	}
	return false;
}

/* "-" date-month "-" date-year at s; 9 bytes. */
static bool
parse_month_year(const char *s, unsigned day, int64_t *days_r)
{
	unsigned month, year;

	if (s[0] != '-' || !parse_month(s + 1, &month) || s[4] != '-' ||
	    !digits(s + 5, 4, &year))
		return false;
	if (day < 1 || day > time_days_in_month(year, month))
		return false;
	*days_r = time_days_from_civil(year, month, day);
	return true;
}

bool
imap_date_parse(const char *s, size_t len, int64_t *time_r)
{
	/* date-day = 1*2DIGIT */
	size_t dlen = len > 1 && ascii_isdigit(s[1]) ? 2 : 1;
	unsigned day;
	int64_t days;

	if (len != dlen + 9 || !digits(s, dlen, &day) ||
	    !parse_month_year(s + dlen, day, &days))
		return false;
	*time_r = days * 86400;
	return true;
}

bool
imap_datetime_parse(const char *s, size_t len, int64_t *time_r, int *zone_r)
{
	unsigned day, hh, mm, ss, zh, zm;
	int64_t days;
	int zone;

	/* "dd-Mon-yyyy hh:mm:ss +zzzz" = 26 bytes */
	if (len != 26)
		return false;
	/* date-day-fixed = (SP DIGIT) / 2DIGIT */
	if (s[0] == ' ') {
		if (!digits(s + 1, 1, &day))
			return false;
	} else if (!digits(s, 2, &day)) {
		return false;
	}
	if (!parse_month_year(s + 2, day, &days) || s[11] != ' ')
		return false;
	/* time = 2DIGIT ":" 2DIGIT ":" 2DIGIT */
	if (!digits(s + 12, 2, &hh) || s[14] != ':' ||
	    !digits(s + 15, 2, &mm) || s[17] != ':' ||
	    !digits(s + 18, 2, &ss) || hh > 23 || mm > 59 || ss > 60)
		return false;
	/* a leap second: time values have none, and rolling over could
	   leave year 9999 */
	if (ss == 60)
		ss = 59;
	/* zone = ("+" / "-") 4DIGIT */
	if (s[20] != ' ' || (s[21] != '+' && s[21] != '-') ||
	    !digits(s + 22, 2, &zh) || !digits(s + 24, 2, &zm) || zh > 23 ||
	    zm > 59)
		return false;
	zone = (int)(zh * 60 + zm) * (s[21] == '-' ? -1 : 1);
	/* "Subtracting the timezone from the given time will give the UT
	   form" (RFC 3501 section 9, zone) */
	*time_r = days * 86400 + hh * 3600 + mm * 60 + ss - zone * 60;
	*zone_r = zone;
	return true;
}

bool
imap_arg_get_date(const struct imap_arg *arg, int64_t *time_r)
{
	if (arg->type != IMAP_ARG_ATOM && arg->type != IMAP_ARG_QUOTED)
		return false;
	if (arg->type == IMAP_ARG_ATOM && arg->flags != 0)
		return false;
	return imap_date_parse(arg->u.str, arg->len, time_r);
}

bool
imap_arg_get_datetime(const struct imap_arg *arg, int64_t *time_r, int *zone_r)
{
	if (arg->type != IMAP_ARG_QUOTED)
		return false;
	return imap_datetime_parse(arg->u.str, arg->len, time_r, zone_r);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int
imap_date_append_datetime(struct buf *out, int64_t t, int zone)
{
	int64_t local, days, y;
	unsigned m, d, secs, az;

	if (zone < -(23 * 60 + 59) || zone > 23 * 60 + 59)
		return -1;
	local = t + (int64_t)zone * 60;
	days = floor_div(local, 86400);
	secs = (unsigned)(local - days * 86400);
	time_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return -1;
	az = (unsigned)(zone < 0 ? -zone : zone);
	return buf_printf(out,
			  "\"%02u-%s-%04" PRId64 " %02u:%02u:%02u %c%02u%02u\"",
			  d, month_names[m - 1], y, secs / 3600, secs / 60 % 60,
			  secs % 60, zone < 0 ? '-' : '+', az / 60, az % 60);
}

int
imap_date_append_date(struct buf *out, int64_t t)
{
	int64_t y;
	unsigned m, d;

	time_civil_from_days(floor_div(t, 86400), &y, &m, &d);
	if (y < 0 || y > 9999)
		return -1;
	return buf_printf(out, "%u-%s-%04" PRId64, d, month_names[m - 1], y);
}
