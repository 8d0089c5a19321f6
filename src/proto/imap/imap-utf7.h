/* SPDX-License-Identifier: MIT */
/*
 * Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3).
 *
 * Decoding is strict and accepts exactly the canonical form that encoding
 * produces, so the two directions are inverse bijections between valid
 * UTF-8 and valid modified UTF-7: no bytes outside printable US-ASCII, "&"
 * only as "&-" or a shift, base64 only with "," for "/" and no padding,
 * every shift ended by "-", no superfluous shifts ("-&" followed by more
 * base64), no printable US-ASCII character (nor "&") inside a shift, no
 * leftover base64 digit or non-zero padding bits (non-shortest forms),
 * UTF-16 surrogates only in proper pairs, and no U+0000.
 *
 * All functions are reentrant. On error nothing is appended to out.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_UTF7_H
#define COFFER_PROTO_IMAP_IMAP_UTF7_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/buf.h"

/* Appends the UTF-8 form of modified UTF-7 src[0..len) to out. Returns 0,
   or -1 if src is not valid modified UTF-7 or out is full. */
int imap_utf7_to_utf8(const char *src, size_t len, struct buf *out);
/* Appends the modified UTF-7 form of UTF-8 src[0..len) to out. Returns 0,
   or -1 if src is not valid UTF-8 (RFC 3629), contains NUL, or out is
   full. */
int imap_utf8_to_utf7(const char *src, size_t len, struct buf *out);
/* True if src[0..len) is valid modified UTF-7. */
bool imap_utf7_is_valid(const char *src, size_t len);
/* True if src[0..len) is printable US-ASCII without "&": its modified
   UTF-7 form is itself. */
bool imap_utf7_is_plain(const char *src, size_t len);

#endif
