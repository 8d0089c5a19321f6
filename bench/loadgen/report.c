/* SPDX-License-Identifier: MIT */
/*
 * Results of a run: a table for people and "metric <name> <value>" lines
 * for the driver. Rates are per second of the measurement window.
 */
#include "loadgen.h"

#include <stdio.h>
#include <sys/resource.h>

static double
ms(uint64_t us)
{
	return (double)us / 1000.0;
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Commands a server answered; connection set-up and whole sessions are
   reported but not counted as operations. */
static bool
is_command(enum lg_op op)
{
	return op != LG_OP_CONNECT && op != LG_OP_SESSION;
}

static void
table(const struct lg *lg, double window)
{
	const struct lg_stats *st = &lg->st;

	printf("%-12s %9s %10s %9s %9s %9s %9s\n", "operation", "count",
	       "ops/s", "p50 ms", "p99 ms", "max ms", "MB/s");
	for (unsigned op = 0; op < LG_OP_COUNT; op++) {
		const struct hist *h = &st->lat[op];

		if (h->count == 0)
			continue;
		printf("%-12s %9llu %10.1f %9.2f %9.2f %9.2f %9.2f\n",
		       lg_op_name(op), (unsigned long long)h->count,
		       h->count / window, ms(hist_quantile(h, 0.5)),
		       ms(hist_quantile(h, 0.99)), ms(h->max),
		       st->bytes[op] / window / 1e6);
	}
}

static void
metrics(const struct lg *lg, double window)
{
	const struct lg_stats *st = &lg->st;
	struct hist all;

	hist_init(&all);
	for (unsigned op = 0; op < LG_OP_COUNT; op++) {
		const struct hist *h = &st->lat[op];
		const char *name = lg_op_name(op);

		if (h->count == 0)
			continue;
		if (is_command(op))
			hist_merge(&all, h);
		printf("metric %s.count %llu\n", name,
		       (unsigned long long)h->count);
		printf("metric %s.rate %.3f\n", name, h->count / window);
		printf("metric %s.p50_ms %.3f\n", name,
		       ms(hist_quantile(h, 0.5)));
		printf("metric %s.p99_ms %.3f\n", name,
		       ms(hist_quantile(h, 0.99)));
		printf("metric %s.max_ms %.3f\n", name, ms(h->max));
		printf("metric %s.mean_ms %.3f\n", name, ms(h->sum / h->count));
		if (st->bytes[op] != 0)
			printf("metric %s.mb_per_s %.3f\n", name,
			       st->bytes[op] / window / 1e6);
		if (st->units[op] != 0)
			printf("metric %s.units_per_s %.3f\n", name,
			       st->units[op] / window);
	}
	printf("metric total.count %llu\n", (unsigned long long)all.count);
	printf("metric total.rate %.3f\n", all.count / window);
	printf("metric total.p50_ms %.3f\n", ms(hist_quantile(&all, 0.5)));
	printf("metric total.p99_ms %.3f\n", ms(hist_quantile(&all, 0.99)));
	printf("metric total.max_ms %.3f\n", ms(all.max));
}

void
lg_report(const struct lg *lg)
{
	uint64_t end = lg->t_end < lg->t_finish ? lg->t_end : lg->t_finish;
	uint64_t start = lg->opt->duration > 0 ? lg->t_measure : lg->t_start;
	double window = end > start ? (double)(end - start) / 1e6 : 1e-6;

	if (!lg->opt->quiet) {
		printf("%s: %u clients, %.2f s measured, %llu errors, %llu "
		       "reconnects after errors\n",
		       lg->proto->name, lg->nconns, window,
		       (unsigned long long)lg->st.errors,
		       (unsigned long long)lg->st.reconnects);
		table(lg, window);
	}
	metrics(lg, window);
	if (lg->proto->report != NULL)
		lg->proto->report(lg);
	printf("metric window_s %.3f\n", window);
	printf("metric errors %llu\n", (unsigned long long)lg->st.errors);
	printf("metric loadgen.cpu_s %.3f\n", cpu_seconds());
	fflush(stdout);
}
