/* SPDX-License-Identifier: MIT */
/* Open-addressing hash table with linear probing and tombstones. */
#include "lib/hash.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <stdlib.h>
#include <string.h>

#define TOMBSTONE_HASH 1u

uint32_t
hash_bytes(const void *p, size_t len, bool icase)
{
	const unsigned char *s = p;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		unsigned char c = icase ? (unsigned char)ascii_tolower(s[i])
					: s[i];
		h ^= c;
		h *= 16777619u;
	}
	/* 0 and 1 mark empty slots and tombstones */
	return h < 2 ? h + 2 : h;
}

void
hash_init(struct hash *h, bool icase)
{
	memset(h, 0, sizeof(*h));
	h->icase = icase;
}

void
hash_free(struct hash *h)
{
	free(h->slots);
	h->slots = NULL;
	h->cap = h->count = h->used = 0;
}

static bool
key_eq(const struct hash *h, const struct hash_entry *e, const void *key,
       size_t len)
{
	if (e->key == NULL || e->key_len != len)
		return false;
	return h->icase ? mem_eq_icase(e->key, key, len)
			: memcmp(e->key, key, len) == 0;
}

static struct hash_entry *
lookup(const struct hash *h, const void *key, size_t len, uint32_t hv)
{
	size_t mask = h->cap - 1;

	if (h->cap == 0)
		return NULL;
	for (size_t i = hv & mask;; i = (i + 1) & mask) {
		struct hash_entry *e = &h->slots[i];

		if (e->hash == 0)
			return NULL;
		if (e->hash == hv && key_eq(h, e, key, len))
			return e;
	}
}

static void
rehash(struct hash *h, size_t ncap)
{
	struct hash_entry *old = h->slots;
	size_t ocap = h->cap;

	h->slots = xcalloc(ncap, sizeof(*h->slots));
	h->cap = ncap;
	h->used = h->count;
	for (size_t i = 0; i < ocap; i++) {
		struct hash_entry *e = &old[i];
		size_t j;

		if (e->hash < 2)
			continue;
		for (j = e->hash & (ncap - 1); h->slots[j].hash != 0;
		     j = (j + 1) & (ncap - 1))
			;
		h->slots[j] = *e;
	}
	free(old);
}

void *
hash_get(const struct hash *h, const void *key, size_t len)
{
	struct hash_entry *e = lookup(h, key, len, hash_bytes(key, len,
							      h->icase));

	return e == NULL ? NULL : e->value;
}

void *
hash_get_str(const struct hash *h, const char *key)
{
	return hash_get(h, key, strlen(key));
}

void *
hash_put(struct hash *h, const void *key, size_t len, void *value)
{
	uint32_t hv = hash_bytes(key, len, h->icase);
	struct hash_entry *e = lookup(h, key, len, hv);
	size_t mask;

	if (e != NULL) {
		void *old = e->value;

		e->value = value;
		return old;
	}
	if ((h->used + 1) * 4 >= h->cap * 3)
		rehash(h, h->cap == 0 ? 16 :
			  (h->count + 1) * 2 >= h->cap ? h->cap * 2 : h->cap);
	mask = h->cap - 1;
	for (size_t i = hv & mask;; i = (i + 1) & mask) {
		e = &h->slots[i];
		if (e->hash < 2) {
			if (e->hash == 0)
				h->used++;
			e->hash = hv;
			e->key = key;
			e->key_len = len;
			e->value = value;
			h->count++;
			return NULL;
		}
	}
}

void *
hash_put_str(struct hash *h, const char *key, void *value)
{
	return hash_put(h, key, strlen(key), value);
}

void *
hash_remove(struct hash *h, const void *key, size_t len)
{
	struct hash_entry *e = lookup(h, key, len, hash_bytes(key, len,
							      h->icase));
	void *value;

	if (e == NULL)
		return NULL;
	value = e->value;
	e->hash = TOMBSTONE_HASH;
	e->key = NULL;
	e->key_len = 0;
	e->value = NULL;
	h->count--;
	return value;
}

bool
hash_next(const struct hash *h, size_t *iter, struct hash_entry **e_r)
{
	for (; *iter < h->cap; (*iter)++) {
		if (h->slots[*iter].hash >= 2) {
			*e_r = &h->slots[(*iter)++];
			return true;
		}
	}
	return false;
}
