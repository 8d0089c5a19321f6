/* SPDX-License-Identifier: MIT */
/* Operation names and timing, and small helpers of the load generator
   (loadgen.h). */
#include "loadgen.h"
#include "lib/timeutil.h"

#include <stdio.h>
#include <string.h>

static const char *const op_names[LG_OP_COUNT] = {
    [LG_OP_CONNECT] = "connect",
    [LG_OP_CAPABILITY] = "capability",
    [LG_OP_LOGIN] = "login",
    [LG_OP_SELECT] = "select",
    [LG_OP_FETCH_FLAGS] = "fetch_flags",
    [LG_OP_FETCH_ENV] = "fetch_env",
    [LG_OP_FETCH_BODY] = "fetch_body",
    [LG_OP_STORE] = "store",
    [LG_OP_APPEND] = "append",
    [LG_OP_EXPUNGE] = "expunge",
    [LG_OP_IDLE] = "idle",
    [LG_OP_DONE] = "done",
    [LG_OP_LOGOUT] = "logout",
    [LG_OP_LHLO] = "lhlo",
    [LG_OP_DELIVER] = "deliver",
    [LG_OP_USER] = "user",
    [LG_OP_PASS] = "pass",
    [LG_OP_STAT] = "stat",
    [LG_OP_UIDL] = "uidl",
    [LG_OP_LIST] = "list",
    [LG_OP_RETR] = "retr",
    [LG_OP_QUIT] = "quit",
    [LG_OP_SESSION] = "session",
};

const char *
lg_op_name(enum lg_op op)
{
	return op_names[op];
}

int
lg_next_line(const struct lg_conn *c, size_t max, size_t *len_r)
{
	const uint8_t *nl = memchr(c->in.data, '\n', MIN(c->in.len, max));

	if (nl == NULL)
		return c->in.len >= max ? -1 : 0;
	*len_r = (size_t)(nl - c->in.data) + 1;
	return 1;
}

uint64_t
lg_now(void)
{
	return time_mono_us();
}

uint32_t
lg_rand(struct lg *lg, uint32_t bound)
{
	/* splitmix64: reproducible for a given --seed */
	uint64_t z = (lg->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return bound == 0 ? 0 : (uint32_t)(z % bound);
}

void
lg_user_name(const struct lg *lg, unsigned user, char *out, size_t size)
{
	const char *fmt = lg->opt->user_fmt;
	const char *conv = strstr(fmt, "%u"); /* checked: exactly one */

	snprintf(out, size, "%.*s%u%s", (int)(conv - fmt), fmt,
		 lg->opt->user_base + user, conv + 2);
}

unsigned
lg_client_user(const struct lg *lg, const struct lg_conn *c)
{
	return c->idx % lg->opt->users;
}

/* ---- statistics ---- */

void
lg_op_record(struct lg *lg, enum lg_op op, uint64_t start_us, uint64_t us,
	     uint64_t bytes, uint64_t units)
{
	if (start_us < lg->t_measure || start_us + us > lg->t_end)
		return;
	hist_record(&lg->st.lat[op], us);
	lg->st.bytes[op] += bytes;
	lg->st.units[op] += units;
	lg->ops++;
	if (lg->opt->max_ops != 0 && lg->ops >= lg->opt->max_ops)
		lg->t_end = lg_now();
}

void
lg_op_begin(struct lg_conn *c, enum lg_op op)
{
	c->op = op;
	c->op_start_us = lg_now();
}

void
lg_op_end(struct lg_conn *c, uint64_t bytes, uint64_t units)
{
	lg_op_record(c->lg, c->op, c->op_start_us, lg_now() - c->op_start_us,
		     bytes, units);
}
