/* SPDX-License-Identifier: MIT */
/*
 * Where things live on disk (docs/storage-format.md). An account's mail is
 * one directory tree:
 *
 *	<userdir>/<domain>/<local>/
 *
 * where <domain> and <local> are the parts of the canonical (lower-case)
 * userid "local@domain", each encoded with store_path_encode_component().
 * Mailbox names map to nested directories the same way, one component per
 * hierarchy level. The encoding is injective and never yields "", ".", ".."
 * or a name starting with '.', so mailbox directories cannot collide with the
 * store's own ".mdir"/".coffer" entries or escape the tree.
 */
#ifndef COFFER_STORE_STORE_PATH_H
#define COFFER_STORE_STORE_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/buf.h"
#include "lib/err.h"

/* Longest encoded file-name component we create (file systems allow 255). */
#define STORE_PATH_COMPONENT_MAX 240

/* Appends the encoded form of name[0..len) to out: bytes in
   [A-Za-z0-9_+,=@-], '.' (except at the start) and all bytes >= 0x80 are
   kept; everything else becomes %XX (upper-case hex). An empty name encodes
   as "%". Returns -1 (ERR_PARAMS) if the result would exceed
   STORE_PATH_COMPONENT_MAX. */
int store_path_encode_component(const void *name, size_t len, struct buf *out,
				struct err *err);
/* Reverses the encoding; -1 if s is not a valid encoding. */
int store_path_decode_component(const char *s, struct buf *out);

/* Writes "<userdir>/<enc(domain)>/<enc(local)>" for a canonical userid
   ("local@domain"). userid without '@' fails with ERR_PARAMS. */
int store_account_dir(const char *userdir, const char *userid,
		      struct buf *out, struct err *err);

#endif
