/* SPDX-License-Identifier: MIT */
/*
 * Hash table from byte-string keys to pointers (open addressing). The table
 * stores the key pointer it is given: the caller keeps the key alive as long
 * as the entry exists (usually pool memory next to the value).
 */
#ifndef COFFER_LIB_HASH_H
#define COFFER_LIB_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hash_entry {
	const void *key;
	size_t key_len;
	void *value;
	uint32_t hash; /* 0 = empty slot; tombstones use key == NULL, hash 1 */
};

struct hash {
	struct hash_entry *slots;
	size_t cap;   /* power of two */
	size_t count; /* live entries */
	size_t used;  /* live + tombstones */
	bool icase;   /* ASCII case-insensitive keys */
};

void hash_init(struct hash *h, bool icase);
void hash_free(struct hash *h);
void *hash_get(const struct hash *h, const void *key, size_t len);
void *hash_get_str(const struct hash *h, const char *key);
/* Inserts or replaces. Returns the previous value or NULL. */
void *hash_put(struct hash *h, const void *key, size_t len, void *value);
void *hash_put_str(struct hash *h, const char *key, void *value);
/* Removes and returns the value, or NULL. */
void *hash_remove(struct hash *h, const void *key, size_t len);
/* Iteration: for (size_t i = 0; hash_next(h, &i, &e);) ... */
bool hash_next(const struct hash *h, size_t *iter, struct hash_entry **e_r);

uint32_t hash_bytes(const void *p, size_t len, bool icase);

#endif
