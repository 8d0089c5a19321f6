/* SPDX-License-Identifier: MIT */
/*
 * LMTP reply statuses: a basic reply code (RFC 5321 section 4.2) with the
 * enhanced status code every 2xx, 4xx and 5xx reply carries (RFC 2034
 * section 4: all of them except the greeting and the LHLO reply; values
 * from RFC 3463) and a fixed text. Replies that name a recipient put the
 * address before the text: "550 5.1.1 <joe@example.com> User unknown".
 *
 * The statuses are constant tables; pointers to them may be kept and
 * shared by any thread.
 */
#ifndef COFFER_PROTO_LMTP_STATUS_H
#define COFFER_PROTO_LMTP_STATUS_H

#include <stdbool.h>
#include <stdint.h>

struct lmtp_status {
	uint16_t code;	  /* 250, 452, 550, ... */
	const char *enh;  /* "2.1.5"; never NULL for 2xx/4xx/5xx */
	const char *text; /* without code and enhanced code */
};

/* Positive completions. */
extern const struct lmtp_status lmtp_st_ok;	   /* 250 2.0.0 */
extern const struct lmtp_status lmtp_st_sender_ok; /* 250 2.1.0 */
extern const struct lmtp_status lmtp_st_rcpt_ok;   /* 250 2.1.5 */
extern const struct lmtp_status lmtp_st_saved;	   /* 250 2.0.0 */
extern const struct lmtp_status lmtp_st_reset;	   /* 250 2.0.0 */
extern const struct lmtp_status lmtp_st_vrfy;	   /* 252 2.0.0 */
extern const struct lmtp_status lmtp_st_help;	   /* 214 2.0.0 */

/* Syntax and sequence errors (counted towards the error limit). */
extern const struct lmtp_status lmtp_st_unknown_cmd;	 /* 500 5.5.1 */
extern const struct lmtp_status lmtp_st_use_lhlo;	 /* 500 5.5.1 */
extern const struct lmtp_status lmtp_st_line_too_long;	 /* 500 5.5.2 */
extern const struct lmtp_status lmtp_st_empty_line;	 /* 500 5.5.2 */
extern const struct lmtp_status lmtp_st_bad_chars;	 /* 501 5.5.2 */
extern const struct lmtp_status lmtp_st_syntax;		 /* 501 5.5.4 */
extern const struct lmtp_status lmtp_st_no_params;	 /* 501 5.5.4 */
extern const struct lmtp_status lmtp_st_missing_arg;	 /* 501 5.5.4 */
extern const struct lmtp_status lmtp_st_bad_domain;	 /* 501 5.5.4 */
extern const struct lmtp_status lmtp_st_bad_chunk_size;	 /* 501 5.5.4 */
extern const struct lmtp_status lmtp_st_bad_sender;	 /* 501 5.1.7 */
extern const struct lmtp_status lmtp_st_bad_rcpt;	 /* 501 5.1.3 */
extern const struct lmtp_status lmtp_st_param_unknown;	 /* 555 5.5.4 */
extern const struct lmtp_status lmtp_st_param_value;	 /* 501 5.5.4 */
extern const struct lmtp_status lmtp_st_need_lhlo;	 /* 503 5.5.1 */
extern const struct lmtp_status lmtp_st_need_mail;	 /* 503 5.5.1 */
extern const struct lmtp_status lmtp_st_nested_mail;	 /* 503 5.5.1 */
extern const struct lmtp_status lmtp_st_no_rcpts;	 /* 503 5.5.1 */
extern const struct lmtp_status lmtp_st_data_after_bdat; /* 503 5.5.1 */
extern const struct lmtp_status lmtp_st_rcpt_after_bdat; /* 503 5.5.1 */

/* Transaction and recipient outcomes. */
extern const struct lmtp_status lmtp_st_too_big;	 /* 552 5.3.4 */
extern const struct lmtp_status lmtp_st_too_many_rcpts;	 /* 452 4.5.3 */
extern const struct lmtp_status lmtp_st_user_unknown;	 /* 550 5.1.1 */
extern const struct lmtp_status lmtp_st_disabled;	 /* 550 5.2.1 */
extern const struct lmtp_status lmtp_st_no_mailbox;	 /* 450 4.2.1 */
extern const struct lmtp_status lmtp_st_over_quota_temp; /* 452 4.2.2 */
extern const struct lmtp_status lmtp_st_over_quota_perm; /* 552 5.2.2 */
extern const struct lmtp_status lmtp_st_tempfail;	 /* 451 4.3.0 */
extern const struct lmtp_status lmtp_st_8bit_header;	 /* 554 5.6.0 */

/* Connection endings. */
extern const struct lmtp_status lmtp_st_quit;		 /* 221 2.0.0 */
extern const struct lmtp_status lmtp_st_timeout;	 /* 421 4.4.2 */
extern const struct lmtp_status lmtp_st_too_many_errors; /* 421 4.7.0 */
extern const struct lmtp_status lmtp_st_shutdown;	 /* 421 4.3.2 */

/* Whether a status is a protocol error of the client (syntax or command
   sequence), which counts towards the session's error limit. */
bool lmtp_status_is_protocol_error(const struct lmtp_status *st);

#endif
