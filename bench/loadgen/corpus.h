/* SPDX-License-Identifier: MIT */
/*
 * The benchmark corpus as the load generator sees it: one or more sets
 * written by bench/corpus-gen (messages.bin + index.tsv), mapped read-only.
 * Every message carries "X-Bench-Id: <set>-<n>"; whatever a server returns
 * is found by that header and compared with the original by length and a
 * 64-bit checksum. Loaded once before the run; read-only afterwards.
 */
#ifndef COFFER_BENCH_CORPUS_H
#define COFFER_BENCH_CORPUS_H

#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/vec.h"

/* Bounds on what an index may declare. */
#define CORPUS_ID_MAX 64
#define CORPUS_MSGID_MAX 998
#define CORPUS_MSG_MAX (64u << 20)
#define CORPUS_SETS_MAX 8

struct corpus_msg {
	char id[CORPUS_ID_MAX + 1];
	char *msgid; /* Message-ID header value, with the angle brackets */
	const uint8_t *data;
	size_t len;
	uint64_t sum;
};

struct corpus_set {
	char *name;
	uint8_t *map;
	size_t map_len;
	VEC(struct corpus_msg) msgs;
};

struct corpus {
	struct corpus_set sets[CORPUS_SETS_MAX];
	unsigned nsets;
	struct hash by_id; /* id -> struct corpus_msg * */
};

void corpus_init(struct corpus *c);
void corpus_deinit(struct corpus *c);
/* Adds the set in dir (its name is the part of the ids before the last
   '-'). Returns 0 or -1 with err set (missing files, malformed index,
   offsets outside messages.bin, duplicate ids). */
int corpus_load(struct corpus *c, const char *dir, struct err *err);
/* The set called name, or NULL. */
const struct corpus_set *corpus_set(const struct corpus *c, const char *name);

/* The 64-bit checksum used for verification (not cryptographic). */
uint64_t corpus_checksum(const void *data, size_t len);

/* Finds the original of msg by its X-Bench-Id header: 1 and *m_r on
   success, 0 if the header is missing or names no corpus message. */
int corpus_lookup(const struct corpus *c, const void *msg, size_t len,
		  const struct corpus_msg **m_r);
/* Finds the message named by the value of an X-Bench-Id header (the bytes
   after "X-Bench-Id:", optional spaces and line end included). */
const struct corpus_msg *corpus_find_id(const struct corpus *c,
					const void *value, size_t len);
/* Checks that msg is byte for byte a corpus message (length and
   checksum). Returns 0, or -1 with a reason in why. */
int corpus_verify(const struct corpus *c, const void *msg, size_t len,
		  const struct corpus_msg **m_r, char *why, size_t why_size);

#endif
