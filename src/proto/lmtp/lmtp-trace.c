/* SPDX-License-Identifier: MIT */
/* Return-Path and Received trace fields (RFC 5321 section 4.4, RFC 3848). */
#include "proto/lmtp/lmtp-trace.h"

#include <string.h>

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed",
				    "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int
lmtp_trace_date(time_t when, struct buf *out)
{
	struct tm tm;
	long off, hours, mins;

	if (localtime_r(&when, &tm) == NULL)
		gmtime_r(&when, &tm);
	/* RFC 5322 section 3.3: zone = (FWS ( "+" / "-" ) 4DIGIT) */
	off = tm.tm_gmtoff / 60;
	hours = (off < 0 ? -off : off) / 60;
	mins = (off < 0 ? -off : off) % 60;
	return buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
			  wdays[tm.tm_wday % 7], tm.tm_mday,
			  months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
			  tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', hours,
			  mins);
}

/* TCP-info = address-literal (RFC 5321 section 4.1.3): "[192.0.2.1]" or
   "[IPv6:2001:db8::1]". */
static int
tcp_info(const char *addr, struct buf *out)
{
	return buf_printf(out, " ([%s%s])",
			  strchr(addr, ':') != NULL ? "IPv6:" : "", addr);
}

int
lmtp_trace_format(const struct lmtp_trace *t, struct buf *out)
{
	int ret = 0;

	/* Return-path-line = "Return-Path:" FWS Reverse-path <CRLF> */
	ret |= buf_printf(out, "Return-Path: <%s>\r\n", t->sender);
	/* Stamp = From-domain By-domain Opt-info [CFWS] ";" FWS date-time */
	ret |= buf_printf(out, "Received: from %s", t->helo);
	if (strcmp(t->peer_addr, "unix") != 0)
		ret |= tcp_info(t->peer_addr, out);
	ret |= buf_printf(out, "\r\n\tby %s (Coffer) with %s id %s", t->by_host,
			  t->tls ? "LMTPS" : "LMTP", t->id);
	if (t->for_rcpt != NULL)
		ret |= buf_printf(out, "\r\n\tfor <%s>", t->for_rcpt);
	ret |= buf_append_str(out, ";\r\n\t");
	ret |= lmtp_trace_date(t->when, out);
	ret |= buf_append_str(out, "\r\n");
	return ret < 0 ? -1 : 0;
}
