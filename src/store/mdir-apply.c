/* SPDX-License-Identifier: MIT */
/*
 * Applying log records to a mailbox's in-memory state. Every process that
 * reads the same log applies the same records in the same order and so
 * computes the same state: UIDs, flags, keywords and MODSEQs are functions
 * of the log alone. MODSEQ of a change is the log sequence number of the
 * record that made it (RFC 7162 section 3.1.1: strictly increasing).
 */
#include "store/mdir-private.h"
#include "lib/log.h"
#include "lib/mem.h"

#include <stdlib.h>
#include <string.h>

int
mdir_grow(struct mdir_state *st, uint32_t need)
{
	uint32_t cap;

	if (need <= st->cap)
		return 0;
	if (need > UINT32_MAX / 2)
		return -1;
	cap = st->cap < 64 ? 64 : st->cap;
	while (cap < need)
		cap *= 2;
	st->uid = xreallocarray(st->uid, cap, sizeof(*st->uid));
	st->flags = xreallocarray(st->flags, cap, sizeof(*st->flags));
	st->kwset = xreallocarray(st->kwset, cap, sizeof(*st->kwset));
	st->cold = xreallocarray(st->cold, cap, sizeof(*st->cold));
	st->modseq = xreallocarray(st->modseq, cap, sizeof(*st->modseq));
	st->cap = cap;
	return 0;
}

uint32_t
mdir_find_uid(const struct mdir_state *st, uint32_t uid, bool *found_r)
{
	uint32_t lo = 0, hi = st->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (st->uid[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found_r = lo < st->n && st->uid[lo] == uid;
	return lo;
}

int
mdir_keyword_index(struct mdir_state *st, const char *name, size_t len,
		   bool create, uint16_t *idx_r)
{
	void *v = hash_get(&st->kw_hash, name, len);
	char *copy;

	if (v != NULL) {
		*idx_r = (uint16_t)((uintptr_t)v - 1);
		return 1;
	}
	if (!create)
		return 0;
	if (st->kw_names.n >= STORE_KEYWORDS_PER_MAILBOX_MAX)
		return -1;
	copy = xstrndup(name, len);
	vec_push(&st->kw_names, copy);
	/* keyword names are case-insensitive (RFC 3501 section 2.3.2);
	   the first spelling seen is kept */
	hash_put(&st->kw_hash, copy, len, (void *)(uintptr_t)st->kw_names.n);
	*idx_r = (uint16_t)(st->kw_names.n - 1);
	return 1;
}

int
mdir_kwset_intern(struct mdir_state *st, const uint16_t *idx, uint16_t n,
		  uint32_t *id_r)
{
	struct mdir_kwset *set;
	void *v;

	if (n == 0) {
		*id_r = 0;
		return 0;
	}
	v = hash_get(&st->kwset_hash, idx, (size_t)n * sizeof(*idx));
	if (v != NULL) {
		*id_r = (uint32_t)((uintptr_t)v - 1);
		return 0;
	}
	if (st->kwsets.n >= 1000000)
		return -1; /* bound hostile keyword combinatorics */
	set = vec_push_new(&st->kwsets);
	set->n = n;
	set->idx = xmemdup(idx, (size_t)n * sizeof(*idx));
	hash_put(&st->kwset_hash, set->idx, (size_t)n * sizeof(*idx),
		 (void *)(uintptr_t)st->kwsets.n);
	*id_r = (uint32_t)(st->kwsets.n - 1);
	return 0;
}

static int
cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Sorts and de-duplicates idx in place; returns the new count. */
static uint16_t
normalise_idx(uint16_t *idx, uint16_t n)
{
	uint16_t out = 0;

	if (n > 1)
		qsort(idx, n, sizeof(*idx), cmp_u16);
	for (uint16_t i = 0; i < n; i++) {
		if (out == 0 || idx[out - 1] != idx[i])
			idx[out++] = idx[i];
	}
	return out;
}

/* Interns the keyword names of an op as a set. */
static int
kwset_from_names(struct mdir_state *st, const struct mdir_str *kw,
		 uint16_t nkw, uint32_t *id_r)
{
	uint16_t idx[STORE_KEYWORDS_PER_MESSAGE_MAX];
	uint16_t n = 0;

	for (uint16_t i = 0; i < nkw; i++) {
		if (mdir_keyword_index(st, kw[i].p, kw[i].len, true,
				       &idx[n]) < 0)
			return -1;
		n++;
	}
	return mdir_kwset_intern(st, idx, normalise_idx(idx, n), id_r);
}

/* Combines set `cur` with `op` by mode into a new interned set. */
static int
kwset_combine(struct mdir_state *st, uint32_t cur, uint32_t op,
	      enum store_flags_mode mode, uint32_t *id_r)
{
	const struct mdir_kwset *a = &st->kwsets.v[cur];
	const struct mdir_kwset *b = &st->kwsets.v[op];
	uint16_t out[2 * STORE_KEYWORDS_PER_MESSAGE_MAX];
	uint16_t n = 0, i = 0, j = 0;

	switch (mode) {
	case STORE_FLAGS_REPLACE:
		*id_r = op;
		return 0;
	case STORE_FLAGS_ADD:
		while (i < a->n || j < b->n) {
			if (j >= b->n || (i < a->n && a->idx[i] < b->idx[j]))
				out[n++] = a->idx[i++];
			else if (i >= a->n || b->idx[j] < a->idx[i])
				out[n++] = b->idx[j++];
			else
				out[n++] = a->idx[i++], j++;
		}
		if (n > STORE_KEYWORDS_PER_MESSAGE_MAX)
			n = STORE_KEYWORDS_PER_MESSAGE_MAX;
		break;
	case STORE_FLAGS_REMOVE:
		while (i < a->n) {
			while (j < b->n && b->idx[j] < a->idx[i])
				j++;
			if (j >= b->n || b->idx[j] != a->idx[i])
				out[n++] = a->idx[i];
			i++;
		}
		break;
	}
	return mdir_kwset_intern(st, out, n, id_r);
}

static void
count_flags(struct mdir_state *st, uint32_t flags, int dir)
{
	if ((flags & STORE_FLAG_SEEN) == 0)
		st->unseen += (uint32_t)dir;
	if ((flags & STORE_FLAG_DELETED) != 0)
		st->deleted += (uint32_t)dir;
}

static int
apply_append(struct mdir_state *st, const struct mdir_op *op, uint64_t seq)
{
	const __typeof__(op->u.append) *a = &op->u.append;
	struct mdir_tail *t;
	uint32_t kwset, pos;

	if (a->uid < st->uidnext) {
		/* UIDs are assigned in log order by the writer; a record that
		   breaks that order is damaged and must not reorder state */
		log_err("mdir: record %llu appends UID %u below UIDNEXT %u; "
			"ignored", (unsigned long long)seq, a->uid,
			st->uidnext);
		return 0;
	}
	if (kwset_from_names(st, a->kw, a->nkw, &kwset) < 0 ||
	    mdir_grow(st, st->n + 1) < 0)
		return -1;
	t = vec_push_new(&st->tail);
	t->size = a->size;
	t->internaldate = a->internaldate;
	t->savedate = a->savedate;
	memcpy(t->guid, a->guid, 16);
	if (a->staging.len > 0)
		t->staging = xstrndup(a->staging.p, a->staging.len);
	if (a->blob_len > 0) {
		t->blob = xmemdup(a->blob, a->blob_len);
		t->blob_len = a->blob_len;
	}
	pos = st->n++;
	st->uid[pos] = a->uid;
	st->flags[pos] = a->flags & STORE_FLAGS_STORABLE;
	st->kwset[pos] = kwset;
	st->modseq[pos] = seq;
	st->cold[pos] = MDIR_COLD_TAIL | (uint32_t)(st->tail.n - 1);
	st->uidnext = a->uid + 1;
	st->total_size += a->size;
	count_flags(st, st->flags[pos], 1);
	return 0;
}

static int
apply_flags(struct mdir_state *st, const struct mdir_op *op, uint64_t seq)
{
	const __typeof__(op->u.flags) *f = &op->u.flags;
	enum store_flags_mode mode = (enum store_flags_mode)f->mode;
	uint32_t opset;
	bool found;

	if (kwset_from_names(st, f->kw, f->nkw, &opset) < 0)
		return -1;
	for (uint32_t r = 0; r < f->ranges.n; r++) {
		uint32_t lo, hi, pos;

		mdir_ranges_get(&f->ranges, r, &lo, &hi);
		for (pos = mdir_find_uid(st, lo, &found);
		     pos < st->n && st->uid[pos] <= hi; pos++) {
			uint32_t old = st->flags[pos], nf, nk = st->kwset[pos];

			switch (mode) {
			case STORE_FLAGS_ADD:
				nf = old | f->flags;
				break;
			case STORE_FLAGS_REMOVE:
				nf = old & ~f->flags;
				break;
			default:
				nf = f->flags;
				break;
			}
			if ((f->nkw > 0 || mode == STORE_FLAGS_REPLACE) &&
			    kwset_combine(st, st->kwset[pos], opset, mode,
					  &nk) < 0)
				return -1;
			if (nf == old && nk == st->kwset[pos])
				continue;
			count_flags(st, old, -1);
			count_flags(st, nf, 1);
			st->flags[pos] = nf;
			st->kwset[pos] = nk;
			st->modseq[pos] = seq;
		}
	}
	return 0;
}

static void
add_expunged(struct mdir_state *st, uint32_t uid, uint64_t seq)
{
	struct mdir_expunged *last =
		st->expunged.n > 0 ? &vec_last(&st->expunged) : NULL;

	if (last != NULL && last->modseq == seq && last->hi + 1 == uid) {
		last->hi = uid;
		return;
	}
	last = vec_push_new(&st->expunged);
	last->lo = last->hi = uid;
	last->modseq = seq;
}

static int
apply_expunge(struct mdir_state *st, const struct mdir_op *op, uint64_t seq)
{
	const __typeof__(op->u.expunge) *e = &op->u.expunge;
	uint32_t out = 0, r = 0, lo = 0, hi = 0;

	if (e->ranges.n == 0)
		return 0;
	mdir_ranges_get(&e->ranges, 0, &lo, &hi);
	/* one pass over the arrays, filtering out expunged messages */
	for (uint32_t pos = 0; pos < st->n; pos++) {
		uint32_t uid = st->uid[pos];

		while (r < e->ranges.n && uid > hi) {
			if (++r < e->ranges.n)
				mdir_ranges_get(&e->ranges, r, &lo, &hi);
		}
		if (r < e->ranges.n && uid >= lo && uid <= hi) {
			count_flags(st, st->flags[pos], -1);
			if (st->cold[pos] & MDIR_COLD_TAIL) {
				struct mdir_tail *t =
					&st->tail.v[st->cold[pos] &
						    ~MDIR_COLD_TAIL];

				st->total_size -= t->size;
				free(t->blob);
				t->blob = NULL;
				t->blob_len = 0;
			} else {
				struct mdir_index_record rec;
				const struct mdir_tail *unused;

				mdir_cold(st, pos, &rec, &unused);
				st->total_size -= rec.size;
			}
			add_expunged(st, uid, seq);
			continue;
		}
		if (out != pos) {
			st->uid[out] = uid;
			st->flags[out] = st->flags[pos];
			st->kwset[out] = st->kwset[pos];
			st->cold[out] = st->cold[pos];
			st->modseq[out] = st->modseq[pos];
		}
		out++;
	}
	st->n = out;
	return 0;
}

int
mdir_apply_record(struct mdir_state *st, const uint8_t *data, size_t len,
		  uint64_t seq, struct err *err)
{
	struct mdir_rec_iter *it = xmalloc(sizeof(*it));
	struct mdir_op op;
	bool changed = false;
	int ret = 0;

	if (mdir_rec_parse(data, len, it, err) < 0) {
		free(it);
		return -1;
	}
	while (ret == 0 && mdir_rec_next(it, &op)) {
		switch (op.type) {
		case MDIR_OP_APPEND:
			ret = apply_append(st, &op, seq);
			changed = true;
			break;
		case MDIR_OP_FLAGS:
			ret = apply_flags(st, &op, seq);
			changed = true;
			break;
		case MDIR_OP_EXPUNGE:
			ret = apply_expunge(st, &op, seq);
			changed = true;
			break;
		case MDIR_OP_RECENT:
			if (op.u.recent.next > st->recent_next)
				st->recent_next = op.u.recent.next;
			break;
		case MDIR_OP_CLOSE:
			st->gen = op.u.close.next_gen;
			st->gen_base = seq;
			if (op.u.close.flags & MDIR_CLOSE_RESET)
				st->needs_reload = true;
			break;
		}
	}
	free(it);
	if (ret < 0)
		return err_set(err, ERR_LIMIT,
			       "record %llu exceeds keyword limits",
			       (unsigned long long)seq);
	if (changed)
		st->highestmodseq = seq;
	st->seq = seq;
	return 0;
}

void
mdir_cold(const struct mdir_state *st, uint32_t pos,
	  struct mdir_index_record *rec_r, const struct mdir_tail **tail_r)
{
	uint32_t c = st->cold[pos];

	if (c & MDIR_COLD_TAIL) {
		const struct mdir_tail *t = &st->tail.v[c & ~MDIR_COLD_TAIL];

		memset(rec_r, 0, sizeof(*rec_r));
		rec_r->uid = st->uid[pos];
		rec_r->size = t->size;
		rec_r->internaldate = t->internaldate;
		rec_r->savedate = t->savedate;
		memcpy(rec_r->guid, t->guid, 16);
		*tail_r = t;
	} else {
		mdir_index_record_decode(st->snap + MDIR_INDEX_HEADER_SIZE +
						 (size_t)c *
							 MDIR_INDEX_RECORD_SIZE,
					 rec_r);
		*tail_r = NULL;
	}
}

void
mdir_state_free_contents(struct mdir_state *st)
{
	for (size_t i = 0; i < st->tail.n; i++) {
		free(st->tail.v[i].staging);
		free(st->tail.v[i].blob);
	}
	vec_free(&st->tail);
	for (size_t i = 0; i < st->kw_names.n; i++)
		free(st->kw_names.v[i]);
	vec_free(&st->kw_names);
	hash_free(&st->kw_hash);
	for (size_t i = 0; i < st->kwsets.n; i++)
		free(st->kwsets.v[i].idx);
	vec_free(&st->kwsets);
	hash_free(&st->kwset_hash);
	vec_free(&st->expunged);
	free(st->uid);
	free(st->flags);
	free(st->kwset);
	free(st->cold);
	free(st->modseq);
	st->uid = st->flags = st->kwset = st->cold = NULL;
	st->modseq = NULL;
	st->n = st->cap = 0;
}
