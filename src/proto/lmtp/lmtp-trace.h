/* SPDX-License-Identifier: MIT */
/*
 * The trace header fields a delivered message starts with (RFC 5321
 * section 4.4): Return-Path with the envelope sender (final delivery), then
 * a Received field naming the client, this host, the protocol (RFC 3848:
 * "LMTP", or "LMTPS" over TLS), an id and the time. The message is stored
 * once for all recipients, so the FOR clause (which "MUST contain exactly
 * one <path>") is only written when there is a single recipient.
 *
 * Pure formatting; thread-safe.
 */
#ifndef COFFER_PROTO_LMTP_TRACE_H
#define COFFER_PROTO_LMTP_TRACE_H

#include <stdbool.h>
#include <time.h>
#include "lib/buf.h"

struct lmtp_trace {
	/* The reverse-path mailbox ("" for the null path "<>"). */
	const char *sender;
	/* The LHLO domain (already checked by the command parser). */
	const char *helo;
	/* The client's IP address as conn_peer_addr() gives it, or "unix"
	   (then no TCP-info is written). */
	const char *peer_addr;
	/* This host's name. */
	const char *by_host;
	/* TLS is active: "with LMTPS" (RFC 3848 section 1). */
	bool tls;
	/* The ID clause: an Atom (e.g. "<session>-<transaction>"). */
	const char *id;
	/* The recipient's mailbox for the FOR clause, or NULL. */
	const char *for_rcpt;
	/* The time of receipt; written as local time with a numeric
	   offset (RFC 5321 section 4.4). */
	time_t when;
};

/* Appends "Return-Path: <...>" and the folded "Received: ..." field, both
   CRLF-terminated. Returns 0, or -1 if out reached its maximum. */
int lmtp_trace_format(const struct lmtp_trace *t, struct buf *out);

/* Appends an RFC 5322 section 3.3 date-time ("Sat, 21 Nov 2026 10:42:00
   +0100") for when, in local time. Independent of the C locale. */
int lmtp_trace_date(time_t when, struct buf *out);

#endif
