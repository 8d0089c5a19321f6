/* SPDX-License-Identifier: MIT */
/*
 * loadgen: the benchmark load generator for IMAP, LMTP and POP3 servers.
 * See usage() and docs/benchmarks.md. Prints a human table and one
 * "metric <name> <value>" line per figure; exits 1 if any answer was
 * wrong or any connection failed, 2 on a usage error.
 */
#include "loadgen.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/strnum.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define USAGE                                                                 \
	"usage: loadgen --mode imap|imap-idle|imap-select|lmtp|pop3\n"        \
	"               --port N --corpus DIR [--corpus DIR ...] [options]\n" \
	"  --host ADDR         server address (127.0.0.1)\n"                  \
	"  --clients N         concurrent connections (1)\n"                  \
	"  --users N           accounts the clients use (= clients)\n"        \
	"  --user-base N       number of the first account (1)\n"             \
	"  --user-fmt FMT      account name with one %%u "                    \
	"(user%%u@example.com)\n"                                             \
	"  --password PW       password of every account (benchpass)\n"       \
	"  --duration S        seconds measured (0: until done) (10)\n"       \
	"  --warmup S          seconds before measuring (0)\n"                \
	"  --ops N             stop after N operations (0: no bound)\n"       \
	"  --timeout-ms N      answer timeout per command (30000)\n"          \
	"  --ramp N            connections set up at once (all)\n"            \
	"  --seed N            random seed (1)\n"                             \
	"  --send-set NAME     corpus set for APPEND and LMTP (first set)\n"  \
	"  --session-ops N     imap: operations per session (20)\n"           \
	"  --idle-ms N         imap: length of an IDLE (50)\n"                \
	"  --env-fetch N       imap: envelopes fetched after SELECT (20)\n"   \
	"  --rcpts N           lmtp: recipients per message (1)\n"            \
	"  --rcpt-domain D     lmtp: domain for unqualified user names\n"     \
	"  --retr N            pop3: messages per session (0: all)\n"         \
	"  --ready-file F      imap-idle: written when all are in IDLE;\n"    \
	"                      removing it ends the IDLEs\n"                  \
	"  --hold S            imap-idle: seconds in IDLE at most (60)\n"     \
	"  --repeat N          imap-select: sessions (5)\n"                   \
	"  --expect-count N    imap-select: messages the mailbox must have\n"

enum {
	OPT_MODE = 256,
	OPT_HOST,
	OPT_PORT,
	OPT_CLIENTS,
	OPT_USERS,
	OPT_USER_BASE,
	OPT_USER_FMT,
	OPT_PASSWORD,
	OPT_DURATION,
	OPT_WARMUP,
	OPT_OPS,
	OPT_TIMEOUT,
	OPT_RAMP,
	OPT_SEED,
	OPT_SEND_SET,
	OPT_SESSION_OPS,
	OPT_IDLE_MS,
	OPT_ENV_FETCH,
	OPT_RCPTS,
	OPT_RCPT_DOMAIN,
	OPT_RETR,
	OPT_READY_FILE,
	OPT_HOLD,
	OPT_REPEAT,
	OPT_EXPECT,
	OPT_CORPUS,
	OPT_QUIET,
};

static const struct option long_opts[] = {
    {"mode", 1, NULL, OPT_MODE},
    {"host", 1, NULL, OPT_HOST},
    {"port", 1, NULL, OPT_PORT},
    {"clients", 1, NULL, OPT_CLIENTS},
    {"users", 1, NULL, OPT_USERS},
    {"user-base", 1, NULL, OPT_USER_BASE},
    {"user-fmt", 1, NULL, OPT_USER_FMT},
    {"password", 1, NULL, OPT_PASSWORD},
    {"duration", 1, NULL, OPT_DURATION},
    {"warmup", 1, NULL, OPT_WARMUP},
    {"ops", 1, NULL, OPT_OPS},
    {"timeout-ms", 1, NULL, OPT_TIMEOUT},
    {"ramp", 1, NULL, OPT_RAMP},
    {"seed", 1, NULL, OPT_SEED},
    {"send-set", 1, NULL, OPT_SEND_SET},
    {"session-ops", 1, NULL, OPT_SESSION_OPS},
    {"idle-ms", 1, NULL, OPT_IDLE_MS},
    {"env-fetch", 1, NULL, OPT_ENV_FETCH},
    {"rcpts", 1, NULL, OPT_RCPTS},
    {"rcpt-domain", 1, NULL, OPT_RCPT_DOMAIN},
    {"retr", 1, NULL, OPT_RETR},
    {"ready-file", 1, NULL, OPT_READY_FILE},
    {"hold", 1, NULL, OPT_HOLD},
    {"repeat", 1, NULL, OPT_REPEAT},
    {"expect-count", 1, NULL, OPT_EXPECT},
    {"corpus", 1, NULL, OPT_CORPUS},
    {"quiet", 0, NULL, OPT_QUIET},
    {"help", 0, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct {
	const char *name;
	enum lg_mode mode;
	const struct lg_proto *proto;
} modes[] = {
    {"imap", LG_MODE_IMAP_MIXED, &lg_proto_imap},
    {"imap-idle", LG_MODE_IMAP_IDLE, &lg_proto_imap},
    {"imap-select", LG_MODE_IMAP_SELECT, &lg_proto_imap},
    {"lmtp", LG_MODE_LMTP, &lg_proto_lmtp},
    {"pop3", LG_MODE_POP3, &lg_proto_pop3},
};

static int
usage_error(const char *what)
{
	fprintf(stderr, "loadgen: %s\n" USAGE, what);
	return -1;
}

static int
parse_uint(const char *s, uint32_t max, unsigned *num_r)
{
	uint32_t n;

	if (str_to_u32(s, &n) < 0 || n > max)
		return -1;
	*num_r = n;
	return 0;
}

static int
parse_secs(const char *s, double *secs_r)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || *end != '\0' || !(d >= 0 && d <= 86400))
		return -1;
	*secs_r = d;
	return 0;
}

/* Exactly one %u and no other conversion: the format is ours to expand. */
static bool
user_fmt_valid(const char *fmt)
{
	const char *p = strchr(fmt, '%');

	return p != NULL && p[1] == 'u' && strchr(p + 2, '%') == NULL &&
	       strlen(fmt) < 200 && str_is_printable_ascii(fmt);
}

/* Sent inside an IMAP quoted string and as a POP3 argument as it is. */
static bool
password_valid(const char *pw)
{
	return *pw != '\0' && strlen(pw) < 200 && str_is_printable_ascii(pw) &&
	       strpbrk(pw, "\"\\ ") == NULL;
}

static int
set_option(struct lg_options *o, struct corpus *corpus, int c, const char *arg)
{
	unsigned n;
	struct err err;

	switch (c) {
	case OPT_MODE:
		for (size_t i = 0; i < N_ELEMENTS(modes); i++) {
			if (strcmp(arg, modes[i].name) == 0) {
				o->mode = modes[i].mode;
				return 0;
			}
		}
		return usage_error("unknown mode");
	case OPT_HOST:
		o->host = arg;
		return 0;
	case OPT_PORT:
		o->port = arg;
		return parse_uint(arg, 65535, &n);
	case OPT_CLIENTS:
		return parse_uint(arg, LG_CLIENTS_MAX, &o->clients);
	case OPT_USERS:
		return parse_uint(arg, LG_CLIENTS_MAX, &o->users);
	case OPT_USER_BASE:
		return parse_uint(arg, 1u << 30, &o->user_base);
	case OPT_USER_FMT:
		o->user_fmt = arg;
		return 0;
	case OPT_PASSWORD:
		o->password = arg;
		return 0;
	case OPT_DURATION:
		return parse_secs(arg, &o->duration);
	case OPT_WARMUP:
		return parse_secs(arg, &o->warmup);
	case OPT_OPS:
		return str_to_u64(arg, &o->max_ops);
	case OPT_TIMEOUT:
		return parse_uint(arg, 3600 * 1000, &o->timeout_ms);
	case OPT_RAMP:
		return parse_uint(arg, LG_CLIENTS_MAX, &o->ramp);
	case OPT_SEED:
		return str_to_u32(arg, &o->seed);
	case OPT_SEND_SET:
		o->send_set = arg;
		return 0;
	case OPT_SESSION_OPS:
		return parse_uint(arg, 1000000, &o->session_ops);
	case OPT_IDLE_MS:
		return parse_uint(arg, 3600 * 1000, &o->idle_ms);
	case OPT_ENV_FETCH:
		return parse_uint(arg, 1000, &o->env_fetch);
	case OPT_RCPTS:
		return parse_uint(arg, LG_RCPTS_MAX, &o->rcpts);
	case OPT_RCPT_DOMAIN:
		o->rcpt_domain = arg;
		return 0;
	case OPT_RETR:
		return parse_uint(arg, 10000000, &o->retr);
	case OPT_READY_FILE:
		o->ready_file = arg;
		return 0;
	case OPT_HOLD:
		return parse_secs(arg, &o->hold);
	case OPT_REPEAT:
		return parse_uint(arg, 100000, &o->repeat);
	case OPT_EXPECT:
		return str_to_u32(arg, &o->expect_count);
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	case OPT_CORPUS:
		if (corpus_load(corpus, arg, &err) < 0) {
			fprintf(stderr, "loadgen: corpus %s: %s\n", arg,
				err.msg);
			return -1;
		}
		return 0;
	default:
		return usage_error("unknown option");
	}
}

static void
defaults(struct lg_options *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = LG_MODE_IMAP_MIXED;
	o->host = "127.0.0.1";
	o->clients = 1;
	o->user_base = 1;
	o->user_fmt = "user%u@example.com";
	o->password = "benchpass";
	o->duration = 10;
	o->timeout_ms = 30000;
	o->seed = 1;
	o->session_ops = 20;
	o->idle_ms = 50;
	o->env_fetch = 20;
	o->rcpts = 1;
	o->hold = 60;
	o->repeat = 5;
}

/* Consistency of the whole command line; fills derived defaults. */
static int
check_options(struct lg_options *o, const struct corpus *corpus)
{
	if (o->port == NULL)
		return usage_error("--port is required");
	if (corpus->nsets == 0)
		return usage_error("at least one --corpus is required");
	if (o->clients == 0)
		return usage_error("--clients must be at least 1");
	if (o->users == 0)
		o->users = o->clients;
	if (o->ramp == 0)
		o->ramp = o->clients;
	if (!user_fmt_valid(o->user_fmt))
		return usage_error("--user-fmt needs exactly one %u");
	if (!password_valid(o->password))
		return usage_error("the password must be printable ASCII "
				   "without spaces, quotes or backslashes");
	if (o->send_set == NULL)
		o->send_set = corpus->sets[0].name;
	if (corpus_set(corpus, o->send_set) == NULL)
		return usage_error("--send-set names no loaded corpus set");
	if (o->mode == LG_MODE_LMTP && o->rcpts > o->users)
		return usage_error("--rcpts exceeds the number of users");
	if (o->mode == LG_MODE_LMTP && o->rcpts == 0)
		return usage_error("--rcpts must be at least 1");
	if (o->mode == LG_MODE_IMAP_SELECT) {
		o->clients = o->users = 1;
		o->duration = 0;
	}
	if (o->mode == LG_MODE_IMAP_IDLE)
		o->duration = 0;
	return 0;
}

/* Room for one descriptor per client. */
static void
raise_fd_limit(unsigned clients)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)clients + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want)
		rl.rlim_max = want; /* works for root only */
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		fprintf(stderr,
			"loadgen: cannot raise the descriptor limit "
			"to %llu\n",
			(unsigned long long)want);
}

int
main(int argc, char **argv)
{
	struct lg_options o;
	struct corpus corpus;
	struct lg lg;
	int c, ret = 2;

	defaults(&o);
	corpus_init(&corpus);
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(USAGE, stdout);
			corpus_deinit(&corpus);
			return 0;
		}
		if (set_option(&o, &corpus, c, optarg) < 0) {
			fprintf(stderr, "loadgen: bad option or value%s%s\n",
				optarg != NULL ? ": " : "",
				optarg != NULL ? optarg : "");
			goto out;
		}
	}
	if (optind != argc) {
		(void)usage_error("unexpected argument");
		goto out;
	}
	if (check_options(&o, &corpus) < 0)
		goto out;
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(o.clients);
	memset(&lg, 0, sizeof(lg));
	lg.opt = &o;
	lg.corpus = &corpus;
	lg.rng = o.seed;
	for (size_t i = 0; i < N_ELEMENTS(modes); i++) {
		if (modes[i].mode == o.mode)
			lg.proto = modes[i].proto;
	}
	ret = 1;
	if (lg_run(&lg) == 0) {
		lg_report(&lg);
		ret = lg.st.errors == 0 ? 0 : 1;
	}
	free(lg.mode);
out:
	corpus_deinit(&corpus);
	return ret;
}
