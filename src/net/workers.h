/* SPDX-License-Identifier: MIT */
/*
 * The worker pool of a net_server (internal to the net layer): a FIFO of
 * intrusive jobs served by a fixed number of threads. Scheduling a
 * connection never allocates: each connection embeds its job.
 */
#ifndef COFFER_NET_WORKERS_H
#define COFFER_NET_WORKERS_H

#include "lib/err.h"

#include <stdbool.h>

struct net_job {
	struct net_job *next;
	/* Runs on a worker. The job may be freed or re-pushed inside. */
	void (*run)(struct net_job *job);
};

struct net_workers;

/* Starts count (>= 1) threads with every signal blocked. Returns NULL with
   err set if no thread could be started. */
struct net_workers *net_workers_create(unsigned count, struct err *err);
/* Runs every queued job (including jobs pushed meanwhile), then joins the
   threads and frees the pool. Sets *w to NULL. */
void net_workers_destroy(struct net_workers **w);
/* Queues a job at the tail. Any thread, including workers. */
void net_workers_push(struct net_workers *w, struct net_job *job);
unsigned net_workers_count(const struct net_workers *w);
/* True if jobs wait for a worker. A hint: read without the lock. */
bool net_workers_have_queued(const struct net_workers *w);

/* CPUs this process may run on (affinity mask, else online CPUs), >= 1. */
unsigned net_workers_online_cpus(void);

/* Number of worker threads for the given bounds: clamp(online CPUs, min,
   max), with min >= 1 and max >= min. */
unsigned net_workers_pick_count(unsigned min, unsigned max);

#endif
