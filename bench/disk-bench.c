/* SPDX-License-Identifier: MIT */
/*
 * disk-bench: the physical reference for durable deliveries (scenario
 * S6). Each operation is what a durable one-file-per-message store must
 * do at least once per message:
 *
 *   open(tmp, O_CREAT|O_EXCL), write(size bytes), fdatasync(),
 *   rename(tmp, final), fsync(directory)
 *
 *   disk-bench [-d dir] [-s size] [-t threads] [-n ops-per-thread]
 *
 * Threads work in directories of their own, as deliveries to different
 * users do. Prints "metric disk.<threads>t.rate <ops/s>" and latency
 * percentiles; removes its files afterwards.
 */
#include "lib/fsutil.h"
#include "lib/mem.h"
#include "lib/strnum.h"
#include "lib/timeutil.h"
#include "loadgen/hist.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS_MAX 256
#define SIZE_MAX_BYTES (64u << 20)
#define OPS_MAX 10000000u

struct job {
	char dir[512];
	const uint8_t *data;
	size_t size;
	uint32_t ops;
	struct hist lat;
	int error;
};

static int
one_op(struct job *j, uint32_t i)
{
	char tmp[600], dst[600];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/tmp.%u", j->dir, i);
	snprintf(dst, sizeof(dst), "%s/msg.%u", j->dir, i);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_full(fd, j->data, j->size) < 0 || fdatasync(fd) < 0) {
		close(fd);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, dst) < 0 || fsync_dir(j->dir) < 0)
		return -1;
	return 0;
}

static void *
worker(void *arg)
{
	struct job *j = arg;

	for (uint32_t i = 0; i < j->ops; i++) {
		uint64_t t0 = time_mono_us();

		if (one_op(j, i) < 0) {
			j->error = errno;
			break;
		}
		hist_record(&j->lat, time_mono_us() - t0);
	}
	return NULL;
}

static int
bench(const char *base, const uint8_t *data, size_t size, unsigned threads,
      uint32_t ops)
{
	struct job *jobs = xcalloc(threads, sizeof(*jobs));
	pthread_t tid[THREADS_MAX];
	struct hist all;
	uint64_t t0, us;
	int ret = 0;

	hist_init(&all);
	for (unsigned i = 0; i < threads; i++) {
		snprintf(jobs[i].dir, sizeof(jobs[i].dir), "%s/t%u", base, i);
		if (mkdir_parents(jobs[i].dir, 0700) < 0) {
			perror(jobs[i].dir);
			free(jobs);
			return -1;
		}
		jobs[i].data = data;
		jobs[i].size = size;
		jobs[i].ops = ops;
		hist_init(&jobs[i].lat);
	}
	t0 = time_mono_us();
	for (unsigned i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, worker, &jobs[i]);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	us = time_mono_us() - t0;
	for (unsigned i = 0; i < threads; i++) {
		if (jobs[i].error != 0) {
			fprintf(stderr, "disk-bench: %s: %s\n", jobs[i].dir,
				strerror(jobs[i].error));
			ret = -1;
		}
		hist_merge(&all, &jobs[i].lat);
	}
	printf("create+fsync+rename+fsync(dir), %zu bytes, %u thread%s: "
	       "%.0f/s, p50 %.2f ms, p99 %.2f ms\n",
	       size, threads, threads == 1 ? "" : "s", all.count / (us / 1e6),
	       hist_quantile(&all, 0.5) / 1000.0,
	       hist_quantile(&all, 0.99) / 1000.0);
	printf("metric disk.%ut.rate %.3f\n", threads, all.count / (us / 1e6));
	printf("metric disk.%ut.p50_ms %.3f\n", threads,
	       hist_quantile(&all, 0.5) / 1000.0);
	printf("metric disk.%ut.p99_ms %.3f\n", threads,
	       hist_quantile(&all, 0.99) / 1000.0);
	free(jobs);
	return ret;
}

int
main(int argc, char **argv)
{
	const char *base = ".";
	uint32_t size = 4096, threads = 1, ops = 500;
	char dir[512];
	uint8_t *data;
	int c, ret;

	while ((c = getopt(argc, argv, "d:s:t:n:")) != -1) {
		if (c == 'd')
			base = optarg;
		else if (c == 's' && str_to_u32(optarg, &size) == 0 &&
			 size >= 1 && size <= SIZE_MAX_BYTES)
			continue;
		else if (c == 't' && str_to_u32(optarg, &threads) == 0 &&
			 threads >= 1 && threads <= THREADS_MAX)
			continue;
		else if (c == 'n' && str_to_u32(optarg, &ops) == 0 &&
			 ops >= 1 && ops <= OPS_MAX)
			continue;
		else {
			fprintf(stderr, "usage: disk-bench [-d dir] [-s size] "
					"[-t threads] [-n ops-per-thread]\n");
			return 2;
		}
	}
	snprintf(dir, sizeof(dir), "%s/disk-bench.XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror("disk-bench: mkdtemp");
		return 1;
	}
	data = xmalloc(size);
	for (uint32_t i = 0; i < size; i++)
		data[i] = (uint8_t)('a' + i % 26);
	ret = bench(dir, data, size, threads, ops);
	(void)rm_rf(dir, NULL);
	free(data);
	return ret < 0 ? 1 : 0;
}
