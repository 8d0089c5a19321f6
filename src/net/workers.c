/* SPDX-License-Identifier: MIT */
/* The worker thread pool: a mutex-protected FIFO of intrusive jobs. */
#include "net/workers.h"
#include "lib/mem.h"
#include "lib/panic.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct net_workers {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct net_job *head, *tail;
	atomic_uint queued; /* jobs in the queue, readable without lock */
	bool quit;
	unsigned count;
	pthread_t threads[];
};

static void *
worker_main(void *arg)
{
	struct net_workers *w = arg;
	struct net_job *job;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->head == NULL && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		job = w->head;
		if (job == NULL)
			break; /* quitting and drained */
		w->head = job->next;
		if (w->head == NULL)
			w->tail = NULL;
		atomic_fetch_sub_explicit(&w->queued, 1, memory_order_relaxed);
		pthread_mutex_unlock(&w->lock);
		job->next = NULL;
		job->run(job);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void
workers_join(struct net_workers *w, unsigned started)
{
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(w->threads[i], NULL);
}

struct net_workers *
net_workers_create(unsigned count, struct err *err)
{
	struct net_workers *w;
	sigset_t all, old;
	unsigned i;
	int ret = 0;

	i_assert(count >= 1);
	w = xcalloc(1, sizeof(*w) + count * sizeof(w->threads[0]));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	atomic_init(&w->queued, 0);
	/* Workers never take asynchronous signals: those belong to the
	   dispatcher's signalfd (or to the application's own threads). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < count; i++) {
		ret = pthread_create(&w->threads[i], NULL, worker_main, w);
		if (ret != 0)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret != 0) {
		err_set(err, ERR_INTERNAL, "pthread_create() failed: %s",
			strerror(ret));
		workers_join(w, i);
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	w->count = count;
	return w;
}

void
net_workers_destroy(struct net_workers **wp)
{
	struct net_workers *w = *wp;

	if (w == NULL)
		return;
	*wp = NULL;
	workers_join(w, w->count);
	i_assert(w->head == NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

void
net_workers_push(struct net_workers *w, struct net_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->tail != NULL)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	atomic_fetch_add_explicit(&w->queued, 1, memory_order_relaxed);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

unsigned
net_workers_count(const struct net_workers *w)
{
	return w->count;
}

bool
net_workers_have_queued(const struct net_workers *w)
{
	return atomic_load_explicit(&w->queued, memory_order_relaxed) != 0;
}

unsigned
net_workers_online_cpus(void)
{
	cpu_set_t set;
	long ncpu = 0;

	/* The affinity mask respects cpusets (containers, taskset). */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		ncpu = CPU_COUNT(&set);
	if (ncpu <= 0)
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	return ncpu > 0 ? (unsigned)ncpu : 1;
}

unsigned
net_workers_pick_count(unsigned min, unsigned max)
{
	unsigned ncpu = net_workers_online_cpus();

	if (min == 0)
		min = 1;
	if (max < min)
		max = min;
	if (ncpu < min)
		return min;
	if (ncpu > max)
		return max;
	return ncpu;
}
