/* SPDX-License-Identifier: MIT */
/* The LMTP reply table (codes: RFC 5321 section 4.2.2, RFC 3463). */
#include "proto/lmtp/lmtp-status.h"

/* RFC 3463 section 3.1: X.0.0 other undefined status. */
const struct lmtp_status lmtp_st_ok = {250, "2.0.0", "OK"};
/* RFC 3463 section 3.2: X.1.0 other address status (sender accepted). */
const struct lmtp_status lmtp_st_sender_ok = {250, "2.1.0", "Sender OK"};
/* X.1.5: destination address valid. */
const struct lmtp_status lmtp_st_rcpt_ok = {250, "2.1.5", "Recipient OK"};
const struct lmtp_status lmtp_st_saved = {250, "2.0.0", "Saved"};
const struct lmtp_status lmtp_st_reset = {250, "2.0.0", "Reset state"};
/* RFC 5321 section 3.5.3: 252 when the address cannot be verified but
   mail will be attempted. */
const struct lmtp_status lmtp_st_vrfy = {
    252, "2.0.0", "Cannot VRFY user, but will attempt delivery"};
const struct lmtp_status lmtp_st_help = {
    214, "2.0.0",
    "Commands: LHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP"};

/* RFC 2033 section 4.1: HELO and EHLO get 500. RFC 3463 X.5.1: invalid
   command (out of sequence or unsupported), X.5.2: syntax error, X.5.4:
   invalid command arguments. */
const struct lmtp_status lmtp_st_unknown_cmd = {500, "5.5.1",
						"Command unrecognized"};
const struct lmtp_status lmtp_st_use_lhlo = {500, "5.5.1",
					     "This is LMTP: use LHLO"};
const struct lmtp_status lmtp_st_line_too_long = {500, "5.5.2",
						  "Line too long"};
const struct lmtp_status lmtp_st_empty_line = {500, "5.5.2",
					       "Syntax error: empty command"};
/* RFC 5321 section 4.1.2: invalid character codes get 501. */
const struct lmtp_status lmtp_st_bad_chars = {501, "5.5.2",
					      "Invalid characters in command"};
const struct lmtp_status lmtp_st_syntax = {501, "5.5.4",
					   "Syntax error in arguments"};
const struct lmtp_status lmtp_st_no_params = {
    501, "5.5.4", "Syntax error: no parameters allowed"};
const struct lmtp_status lmtp_st_missing_arg = {
    501, "5.5.4", "Syntax error: argument required"};
const struct lmtp_status lmtp_st_bad_domain = {501, "5.5.4",
					       "Invalid domain name"};
const struct lmtp_status lmtp_st_bad_chunk_size = {501, "5.5.4",
						   "Invalid BDAT chunk size"};
/* X.1.7: bad sender's mailbox address syntax; X.1.3: bad destination
   mailbox address syntax. */
const struct lmtp_status lmtp_st_bad_sender = {501, "5.1.7",
					       "Bad sender address syntax"};
const struct lmtp_status lmtp_st_bad_rcpt = {501, "5.1.3",
					     "Bad recipient address syntax"};
/* RFC 5321 section 4.1.1.11: unrecognised parameters get 555. */
const struct lmtp_status lmtp_st_param_unknown = {555, "5.5.4",
						  "Unsupported parameter"};
const struct lmtp_status lmtp_st_param_value = {501, "5.5.4",
						"Invalid parameter value"};
/* RFC 5321 section 4.1.4: commands out of order get 503. */
const struct lmtp_status lmtp_st_need_lhlo = {503, "5.5.1", "Send LHLO first"};
const struct lmtp_status lmtp_st_need_mail = {503, "5.5.1", "Send MAIL first"};
const struct lmtp_status lmtp_st_nested_mail = {503, "5.5.1",
						"Nested MAIL command"};
/* RFC 2033 section 4.2: DATA without a successful RCPT MUST get 503. */
const struct lmtp_status lmtp_st_no_rcpts = {503, "5.5.1",
					     "No valid recipients"};
/* RFC 3030 section 2: DATA after BDAT in one transaction gets 503. */
const struct lmtp_status lmtp_st_data_after_bdat = {
    503, "5.5.1", "DATA is not allowed after BDAT"};
const struct lmtp_status lmtp_st_rcpt_after_bdat = {
    503, "5.5.1", "RCPT is not allowed after BDAT"};

/* RFC 1870 section 4 / RFC 3463 X.3.4: message too big for system. */
const struct lmtp_status lmtp_st_too_big = {
    552, "5.3.4", "Message size exceeds fixed maximum message size"};
/* RFC 5321 section 4.5.3.1.10: 452 for too many recipients; X.5.3. */
const struct lmtp_status lmtp_st_too_many_rcpts = {452, "4.5.3",
						   "Too many recipients"};
/* X.1.1: bad destination mailbox address. */
const struct lmtp_status lmtp_st_user_unknown = {550, "5.1.1", "User unknown"};
/* X.2.1: mailbox disabled, not accepting messages. */
const struct lmtp_status lmtp_st_disabled = {550, "5.2.1", "Mailbox disabled"};
/* X.2.1 as a transient status: the account exists but its mailbox will
   only be created at the first login (lmtp_autocreate false). */
const struct lmtp_status lmtp_st_no_mailbox = {450, "4.2.1",
					       "Mailbox not created yet"};
/* X.2.2: mailbox full; 452/552 per over_quota_temp_error. */
const struct lmtp_status lmtp_st_over_quota_temp = {452, "4.2.2",
						    "Mailbox is full"};
const struct lmtp_status lmtp_st_over_quota_perm = {552, "5.2.2",
						    "Mailbox is full"};
/* X.3.0: other or undefined mail system status. */
const struct lmtp_status lmtp_st_tempfail = {
    451, "4.3.0", "Temporary failure, try again later"};
/* X.6.0: other media error -- raw 8-bit bytes in the header section
   (allow8bitheaders is off). */
const struct lmtp_status lmtp_st_8bit_header = {
    554, "5.6.0", "Message header contains 8-bit characters"};

const struct lmtp_status lmtp_st_quit = {221, "2.0.0", "Bye"};
/* X.4.2: bad connection. */
const struct lmtp_status lmtp_st_timeout = {421, "4.4.2",
					    "Timeout, closing connection"};
/* X.7.0: other security status. */
const struct lmtp_status lmtp_st_too_many_errors = {
    421, "4.7.0", "Too many errors, closing connection"};
/* X.3.2: system not accepting network messages. */
const struct lmtp_status lmtp_st_shutdown = {
    421, "4.3.2", "Service shutting down, closing connection"};

bool
lmtp_status_is_protocol_error(const struct lmtp_status *st)
{
	/* 500, 501, 503, 555: the client sent something wrong. Per-recipient
	   and per-message failures (4xx, 550, 552, 554) are not its fault. */
	return st->code == 500 || st->code == 501 || st->code == 503 ||
	       st->code == 555;
}
