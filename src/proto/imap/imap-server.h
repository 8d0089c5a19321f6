/* SPDX-License-Identifier: MIT */
/*
 * The IMAP4rev1 server (RFC 3501 and the extensions listed in
 * imap-server-caps.c), built on the IMAP protocol library of this
 * directory (imap-parser.h and friends, which never touch the store or the
 * network) and plugged into cofferd as the service "imap".
 *
 * Files:
 *   imap-server-service.c   the service_def: listeners, accept
 *   imap-server-session.c   a connection's life: greeting, events,
 *                           timeouts, the step loop, closing
 *   imap-server-input.c     feeding the parser, literals, dispatch
 *   imap-server-cmd.c       the command table and command completion
 *   imap-server-sync.c      unsolicited EXISTS/EXPUNGE/FETCH updates
 *   imap-server-msgset.c    sequence sets of the selected mailbox
 *   imap-server-caps.c      CAPABILITY lists
 *   imap-server-reply.c     writing responses, store errors -> codes
 *   cmd-<family>.c          one file per command family
 *
 * Execution model (see docs/net-model.md). A session is the protocol
 * state of one connection; like the connection it is owned by one worker
 * thread at a time, so it needs no locks. Commands run strictly one after
 * the other, in the order the client sent them: RFC 3501 section 5.5 lets
 * a server run pipelined commands concurrently only when no ambiguity can
 * result, and requires order otherwise; running them in order is always
 * correct and costs nothing here, because a command that waits (for
 * output space, input or an event) only occupies its own connection. A
 * client may still pipeline freely: the following commands stay in the
 * input buffer, and once that is full in the kernel's TCP window.
 *
 * Adding a command
 * ----------------
 * 1. Write `enum imap_cmd_result cmd_foo(struct imap_cmd *cmd)` in the
 *    cmd-<family>.c file it belongs to (a new family gets a new file; the
 *    build picks up cmd-*.c by itself) and declare it in imap-server-cmd.h.
 * 2. Add a row to the table in imap-server-cmd.c: the name (upper case;
 *    UID variants are separate rows named "UID FOO"), the function and the
 *    flags: the states it is valid in (IMAP_CMD_F_NOAUTH, _AUTH,
 *    _SELECTED) and how the update sync at its end behaves
 *    (IMAP_CMD_F_NO_EXPUNGE for FETCH, STORE and SEARCH, RFC 3501 section
 *    7.4.1; IMAP_CMD_F_NO_SYNC for commands that manage it themselves).
 *    The dispatcher checks the state before calling the function.
 * 3. The function reads cmd->args / cmd->count (for "UID FOO" the
 *    arguments after FOO), does its work and ends with
 *	return imap_cmd_ok(cmd, "Foo completed");
 *    or imap_cmd_bad() (syntax), imap_cmd_no() (failure), imap_cmd_fail()
 *    (a store error, mapped to an RFC 5530 code). Untagged data is
 *    written with imap_out_*() (imap-server-session.h). After the
 *    function has finished, the session syncs the selected mailbox (unless
 *    the flags say otherwise), writes the pending updates, then the tagged
 *    reply, and frees cmd->pool.
 * 4. Long output: write in a loop and check imap_output_full(); when it is
 *    true, keep the position in cmd->ctx (allocated from cmd->pool), set
 *    cmd->func to the continuation and return IMAP_CMD_YIELD. The session
 *    calls cmd->func again once the client has read enough. Never buffer
 *    more than one item past imap_output_full().
 * 5. Waiting: set cmd->line (input lines, e.g. IDLE's DONE), cmd->wakeup
 *    (conn_wakeup() from another thread, e.g. a store watch) or
 *    imap_cmd_wait_timer(), and return IMAP_CMD_WAIT.
 * 6. Tests: tests/protocol/test_imap_<family>.py, including malformed
 *    arguments and the wrong states.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_SERVER_H
#define COFFER_PROTO_IMAP_IMAP_SERVER_H

#include "proto/common/service.h"

/* The service "imap" (ms.conf services, cofferd -S imap). Listens on
   imap_host/imap_port, and on imaps_host/imaps_port with implicit TLS when
   enable_imaps is set and a certificate is configured. */
extern const struct service_def imap_service;

#endif
