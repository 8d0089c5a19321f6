/* SPDX-License-Identifier: MIT */
/* RFC 5322 date parsing and IMAP / RFC 5322 date formatting. */
#include "mime/mime-date.h"
#include "lib/timeutil.h"

#include "lib/str.h"
#include "mime/mime-lex.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char month_names[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char day_names[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

/* Skips CFWS and stray commas. */
static void
skip_sep(struct mime_lex *lx)
{
	for (;;) {
		mime_lex_skip_cfws(lx);
		if (mime_lex_peek(lx) != ',')
			return;
		lx->p++;
	}
}

static size_t
read_alpha(struct mime_lex *lx, const uint8_t **start_r)
{
	*start_r = lx->p;
	while (ascii_isalpha(mime_lex_peek(lx)))
		lx->p++;
	return (size_t)(lx->p - *start_r);
}

/* Reads up to max digits; returns the count (0 = none). */
static size_t
read_num(struct mime_lex *lx, size_t max, int *num_r)
{
	size_t n = 0;

	*num_r = 0;
	while (n < max && ascii_isdigit(mime_lex_peek(lx))) {
		*num_r = *num_r * 10 + (*lx->p - '0');
		lx->p++;
		n++;
	}
	return n;
}

static int
month_index(const uint8_t *s, size_t len)
{
	if (len < 3)
		return -1;
	for (int i = 0; i < 12; i++) {
		if (mem_eq_icase(s, month_names[i], 3))
			return i + 1;
	}
	return -1;
}

static bool
is_day_name(const uint8_t *s, size_t len)
{
	if (len < 3)
		return false;
	for (int i = 0; i < 7; i++) {
		if (mem_eq_icase(s, day_names[i], 3))
			return true;
	}
	return false;
}

/* time-of-day = hour ":" minute [ ":" second ], with the CFWS that the
   obsolete obs-hour/obs-minute/obs-second forms allow around the parts */
static bool
read_time(struct mime_lex *lx, int *h, int *m, int *s)
{
	const uint8_t *save = lx->p;

	*s = 0;
	if (read_num(lx, 2, h) == 0)
		goto fail;
	mime_lex_skip_cfws(lx);
	if (mime_lex_peek(lx) != ':')
		goto fail;
	lx->p++;
	mime_lex_skip_cfws(lx);
	if (read_num(lx, 2, m) != 2)
		goto fail;
	save = lx->p;
	mime_lex_skip_cfws(lx);
	if (mime_lex_peek(lx) == ':') {
		lx->p++;
		mime_lex_skip_cfws(lx);
		if (read_num(lx, 2, s) != 2)
			goto fail;
	} else {
		lx->p = save;
	}
	return *h <= 23 && *m <= 59 && *s <= 60;
fail:
	lx->p = save;
	return false;
}

static int
named_zone(const uint8_t *s, size_t len)
{
	static const struct {
		const char *name;
		int minutes;
	} zones[] = {
		{ "UT", 0 },	     { "GMT", 0 },	  { "UTC", 0 },
		{ "EDT", -4 * 60 },  { "EST", -5 * 60 }, { "CDT", -5 * 60 },
		{ "CST", -6 * 60 },  { "MDT", -6 * 60 }, { "MST", -7 * 60 },
		{ "PDT", -7 * 60 },  { "PST", -8 * 60 },
	};

	for (size_t i = 0; i < N_ELEMENTS(zones); i++) {
		if (strlen(zones[i].name) == len &&
		    mem_eq_icase(s, zones[i].name, len))
			return zones[i].minutes;
	}
	/* military and other alphabetic zones: "-0000" (RFC 5322 4.3) */
	return 0;
}

static int
read_zone(struct mime_lex *lx)
{
	const uint8_t *s;
	int c = mime_lex_peek(lx), hh, mm = 0;
	size_t len;

	if (c == '+' || c == '-') {
		lx->p++;
		len = read_num(lx, 2, &hh);
		if (len == 0)
			return 0;
		if (mime_lex_peek(lx) == ':')
			lx->p++; /* "+05:30" */
		if (read_num(lx, 2, &mm) != 2 || mm > 59)
			mm = 0;
		return (c == '-' ? -1 : 1) * (hh * 60 + mm);
	}
	len = read_alpha(lx, &s);
	return len == 0 ? 0 : named_zone(s, len);
}

static int
fix_year(int year, size_t digits)
{
	/* RFC 5322 section 4.3 */
	if (digits == 2)
		return year + (year < 50 ? 2000 : 1900);
	if (digits == 3)
		return year + 1900;
	return year;
}

int
mime_date_parse(const void *value, size_t len, int64_t *time_r,
		int *tz_minutes_r)
{
	struct mime_lex lx;
	const uint8_t *word;
	size_t wlen, ydigits = 0;
	int day = 0, month = -1, year = 0, h = 0, m = 0, s = 0, tz = 0;
	bool have_time = false;

	mime_lex_init(&lx, value, len);
	skip_sep(&lx);
	wlen = read_alpha(&lx, &word);
	if (wlen > 0 && is_day_name(word, wlen)) {
		skip_sep(&lx);
		wlen = read_alpha(&lx, &word);
	}
	if (wlen > 0) {
		/* ctime() order: month day [time] year [zone] */
		month = month_index(word, wlen);
		skip_sep(&lx);
		if (read_num(&lx, 2, &day) == 0)
			return -1;
		skip_sep(&lx);
		have_time = read_time(&lx, &h, &m, &s);
		skip_sep(&lx);
		ydigits = read_num(&lx, 4, &year);
	} else {
		if (read_num(&lx, 2, &day) == 0)
			return -1;
		skip_sep(&lx);
		if (mime_lex_peek(&lx) == '-')
			lx.p++; /* "17-Jul-1996" */
		wlen = read_alpha(&lx, &word);
		month = month_index(word, wlen);
		skip_sep(&lx);
		if (mime_lex_peek(&lx) == '-')
			lx.p++;
		ydigits = read_num(&lx, 4, &year);
	}
	if (month < 0 || day < 1 || day > 31 || ydigits < 2)
		return -1;
	year = fix_year(year, ydigits);
	if (year < 1000)
		return -1;
	skip_sep(&lx);
	if (!have_time && !read_time(&lx, &h, &m, &s))
		h = m = s = 0; /* a date without time: midnight */
	skip_sep(&lx);
	tz = read_zone(&lx);
	if (tz > MIME_DATE_MAX_TZ || tz < -MIME_DATE_MAX_TZ)
		tz = 0;
	if (s == 60)
		s = 59;
	*time_r = time_days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 + h * 3600 +
		  m * 60 + s - (int64_t)tz * 60;
	*tz_minutes_r = tz;
	return 0;
}

struct civil {
	int64_t year;
	int month, day, hour, min, sec, wday;
};

static void
to_civil(int64_t t, int tz, struct civil *c)
{
	int64_t local = t + (int64_t)tz * 60, days, secs;

	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	secs = local - days * 86400;
	{
		unsigned mon, mday;

		time_civil_from_days(days, &c->year, &mon, &mday);
		c->month = (int)mon;
		c->day = (int)mday;
	}
	c->hour = (int)(secs / 3600);
	c->min = (int)(secs / 60 % 60);
	c->sec = (int)(secs % 60);
	c->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was Thursday */
	if (c->year < 1) {
		c->year = 1;
		c->month = c->day = 1;
		c->hour = c->min = c->sec = 0;
	} else if (c->year > 9999) {
		c->year = 9999;
		c->month = 12;
		c->day = 31;
		c->hour = 23;
		c->min = c->sec = 59;
	}
}

static int
clamp_tz(int tz)
{
	return tz > MIME_DATE_MAX_TZ ? MIME_DATE_MAX_TZ :
	       tz < -MIME_DATE_MAX_TZ ? -MIME_DATE_MAX_TZ : tz;
}

void
mime_date_format_imap(int64_t t, int tz, char out[MIME_DATE_IMAP_SIZE])
{
	struct civil c;
	int atz;

	tz = clamp_tz(tz);
	atz = tz < 0 ? -tz : tz;
	to_civil(t, tz, &c);
	snprintf(out, MIME_DATE_IMAP_SIZE,
		 "%2d-%s-%04d %02d:%02d:%02d %c%02d%02d",
		 c.day, month_names[c.month - 1], (int)c.year, c.hour, c.min,
		 c.sec, tz < 0 ? '-' : '+', atz / 60, atz % 60);
}

void
mime_date_format_rfc5322(int64_t t, int tz, char out[MIME_DATE_RFC5322_SIZE])
{
	struct civil c;
	int atz;

	tz = clamp_tz(tz);
	atz = tz < 0 ? -tz : tz;
	to_civil(t, tz, &c);
	snprintf(out, MIME_DATE_RFC5322_SIZE,
		 "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d",
		 day_names[c.wday], c.day, month_names[c.month - 1],
		 (int)c.year, c.hour, c.min, c.sec, tz < 0 ? '-' : '+',
		 atz / 60, atz % 60);
}
