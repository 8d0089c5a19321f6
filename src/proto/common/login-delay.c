/* SPDX-License-Identifier: MIT */
/* Failed-login delays: bounded per-address and per-name failure counters
   with an LRU list for expiry and eviction. */
#include "proto/common/login-delay.h"
#include "lib/hash.h"
#include "lib/mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BASE_MS 500
#define DEFAULT_MAX_MS 8000
#define DEFAULT_WINDOW_MS (15u * 60u * 1000u)
#define DEFAULT_MAX_ENTRIES 10000
/* Longest key part kept: an address or a user id (RFC 5321 limits). */
#define KEY_PART_MAX 320
/* Failures beyond this add nothing (the delay is long capped by then). */
#define FAILURES_CAP 64

struct delay_entry {
	/* least recently failed first */
	struct delay_entry *prev, *next;
	uint64_t last_ms;
	unsigned failures;
	size_t key_len;
	char key[]; /* "a:<address>" or "n:<name>", NUL-terminated */
};

struct login_delay {
	struct login_delay_settings set;
	pthread_mutex_t lock;
	struct hash table;
	struct delay_entry *oldest, *newest;
	unsigned count;
};

struct login_delay *
login_delay_create(const struct login_delay_settings *set)
{
	struct login_delay *ld = xcalloc(1, sizeof(*ld));

	if (set != NULL)
		ld->set = *set;
	if (ld->set.base_ms == 0)
		ld->set.base_ms = DEFAULT_BASE_MS;
	if (ld->set.max_ms == 0)
		ld->set.max_ms = DEFAULT_MAX_MS;
	if (ld->set.max_ms < ld->set.base_ms)
		ld->set.max_ms = ld->set.base_ms;
	if (ld->set.window_ms == 0)
		ld->set.window_ms = DEFAULT_WINDOW_MS;
	if (ld->set.max_entries == 0)
		ld->set.max_entries = DEFAULT_MAX_ENTRIES;
	pthread_mutex_init(&ld->lock, NULL);
	/* names are canonical and addresses are lower-case hex or
	   digits: exact keys */
	hash_init(&ld->table, false);
	return ld;
}

void
login_delay_destroy(struct login_delay **ldp)
{
	struct login_delay *ld = *ldp;
	struct delay_entry *e, *next;

	if (ld == NULL)
		return;
	for (e = ld->oldest; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	hash_free(&ld->table);
	pthread_mutex_destroy(&ld->lock);
	free(ld);
	*ldp = NULL;
}

static void
list_unlink(struct login_delay *ld, struct delay_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		ld->oldest = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		ld->newest = e->prev;
	e->prev = e->next = NULL;
}

static void
list_append(struct login_delay *ld, struct delay_entry *e)
{
	e->prev = ld->newest;
	e->next = NULL;
	if (ld->newest != NULL)
		ld->newest->next = e;
	else
		ld->oldest = e;
	ld->newest = e;
}

static void
entry_drop(struct login_delay *ld, struct delay_entry *e)
{
	list_unlink(ld, e);
	(void)hash_remove(&ld->table, e->key, e->key_len);
	ld->count--;
	free(e);
}

static bool
entry_expired(const struct login_delay *ld, const struct delay_entry *e,
	      uint64_t now_ms)
{
	return now_ms >= e->last_ms && now_ms - e->last_ms >= ld->set.window_ms;
}

/* Drops expired counters; they are all at the old end of the list. */
static void
expire(struct login_delay *ld, uint64_t now_ms)
{
	while (ld->oldest != NULL && entry_expired(ld, ld->oldest, now_ms))
		entry_drop(ld, ld->oldest);
}

/* Builds "<kind>:<part>" in buf (truncating part); returns the length. */
static size_t
make_key(char *buf, size_t size, char kind, const char *part)
{
	size_t len = strnlen(part, KEY_PART_MAX);

	if (len > size - 3)
		len = size - 3;
	buf[0] = kind;
	buf[1] = ':';
	memcpy(buf + 2, part, len);
	buf[2 + len] = '\0';
	return 2 + len;
}

static struct delay_entry *
lookup(struct login_delay *ld, char kind, const char *part, char *key,
       size_t *len_r)
{
	*len_r = make_key(key, KEY_PART_MAX + 3, kind, part);
	return hash_get(&ld->table, key, *len_r);
}

/* Counts one failure for the key; returns the key's failure count. */
static unsigned
record(struct login_delay *ld, char kind, const char *part, uint64_t now_ms)
{
	char key[KEY_PART_MAX + 3];
	struct delay_entry *e;
	size_t len;

	if (part == NULL || part[0] == '\0')
		return 0;
	e = lookup(ld, kind, part, key, &len);
	if (e == NULL) {
		if (ld->count >= ld->set.max_entries)
			entry_drop(ld, ld->oldest);
		e = xmalloc(sizeof(*e) + len + 1);
		memset(e, 0, sizeof(*e));
		memcpy(e->key, key, len + 1);
		e->key_len = len;
		(void)hash_put(&ld->table, e->key, e->key_len, e);
		ld->count++;
	} else {
		list_unlink(ld, e);
	}
	if (e->failures < FAILURES_CAP)
		e->failures++;
	e->last_ms = now_ms;
	list_append(ld, e);
	return e->failures;
}

static unsigned
delay_for(const struct login_delay *ld, unsigned failures)
{
	uint64_t delay;

	if (failures == 0)
		return 0;
	/* base, 2 base, 4 base, ... up to max; the shift is bounded so it
	   cannot overflow */
	delay = (uint64_t)ld->set.base_ms
		<< (failures - 1 < 24 ? failures - 1 : 24);
	return delay > ld->set.max_ms ? ld->set.max_ms : (unsigned)delay;
}

unsigned
login_delay_failure(struct login_delay *ld, const char *addr, const char *name,
		    uint64_t now_ms)
{
	unsigned by_addr, by_name;

	pthread_mutex_lock(&ld->lock);
	expire(ld, now_ms);
	by_addr = record(ld, 'a', addr, now_ms);
	by_name = record(ld, 'n', name, now_ms);
	pthread_mutex_unlock(&ld->lock);
	return delay_for(ld, by_addr > by_name ? by_addr : by_name);
}

void
login_delay_success(struct login_delay *ld, const char *name)
{
	char key[KEY_PART_MAX + 3];
	struct delay_entry *e;
	size_t len;

	if (name == NULL || name[0] == '\0')
		return;
	pthread_mutex_lock(&ld->lock);
	e = lookup(ld, 'n', name, key, &len);
	if (e != NULL)
		entry_drop(ld, e);
	pthread_mutex_unlock(&ld->lock);
}

unsigned
login_delay_count(struct login_delay *ld, const char *part, bool is_addr,
		  uint64_t now_ms)
{
	char key[KEY_PART_MAX + 3];
	struct delay_entry *e;
	unsigned n = 0;
	size_t len;

	if (part == NULL || part[0] == '\0')
		return 0;
	pthread_mutex_lock(&ld->lock);
	e = lookup(ld, is_addr ? 'a' : 'n', part, key, &len);
	if (e != NULL && !entry_expired(ld, e, now_ms))
		n = e->failures;
	pthread_mutex_unlock(&ld->lock);
	return n;
}
