/* SPDX-License-Identifier: MIT */
/*
 * The POP3 service (RFC 1939, with the extension mechanism of RFC 2449,
 * AUTH of RFC 5034 and STLS of RFC 2595) over the account's INBOX.
 * cofferd registers it under the name "pop3"; its listeners are pop3_host/
 * pop3_port and, with enable_pop3s, the implicit-TLS pop3s_host/
 * pop3s_port. Behaviour and decisions: docs/pop3.md.
 */
#ifndef COFFER_PROTO_POP3_POP3_H
#define COFFER_PROTO_POP3_POP3_H

#include "proto/common/service.h"

extern const struct service_def pop3_service;

#endif
