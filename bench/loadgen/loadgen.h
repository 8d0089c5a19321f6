/* SPDX-License-Identifier: MIT */
/*
 * The load generator's core: one thread, one epoll loop, many client
 * connections. A protocol module (IMAP, LMTP, POP3) drives each connection
 * as a state machine through the callbacks of struct lg_proto; the core
 * owns sockets, buffers, timers, the measurement window and statistics.
 *
 * Everything here runs on the single loop thread; nothing is shared.
 */
#ifndef COFFER_BENCH_LOADGEN_H
#define COFFER_BENCH_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "corpus.h"
#include "hist.h"
#include "lib/buf.h"
#include "lib/macros.h"

/* Hard bounds on what the command line and the servers may ask for. */
#define LG_CLIENTS_MAX 100000
#define LG_RCPTS_MAX 100
#define LG_IN_MAX (256u << 20) /* one response (a message plus framing) */
#define LG_ERRORS_SHOWN 20

enum lg_op {
	LG_OP_CONNECT, /* TCP connect to greeting */
	LG_OP_CAPABILITY,
	LG_OP_LOGIN,
	LG_OP_SELECT,
	LG_OP_FETCH_FLAGS,
	LG_OP_FETCH_ENV,
	LG_OP_FETCH_BODY,
	LG_OP_STORE,
	LG_OP_APPEND,
	LG_OP_EXPUNGE,
	LG_OP_IDLE,
	LG_OP_DONE,
	LG_OP_LOGOUT,
	LG_OP_LHLO,
	LG_OP_DELIVER, /* one LMTP transaction: MAIL to the last reply */
	LG_OP_USER,
	LG_OP_PASS,
	LG_OP_STAT,
	LG_OP_UIDL,
	LG_OP_LIST,
	LG_OP_RETR,
	LG_OP_QUIT,
	LG_OP_SESSION, /* a whole POP3 or IMAP session */
	LG_OP_COUNT
};

enum lg_mode {
	LG_MODE_IMAP_MIXED,
	LG_MODE_IMAP_IDLE,
	LG_MODE_IMAP_SELECT,
	LG_MODE_LMTP,
	LG_MODE_POP3,
};

struct lg_options {
	enum lg_mode mode;
	const char *host;
	const char *port;
	unsigned clients;
	unsigned users;	      /* distinct accounts, user<base>..; >= 1 */
	unsigned user_base;   /* number of the first account */
	const char *user_fmt; /* printf format with one %u */
	const char *password;
	double duration;  /* seconds of measurement */
	double warmup;	  /* seconds before the measurement starts */
	uint64_t max_ops; /* stop after this many operations (0 = no bound) */
	unsigned timeout_ms; /* per command */
	unsigned ramp;	     /* connections being set up at once */
	uint32_t seed;
	/* IMAP mixed */
	unsigned session_ops; /* operations between SELECT and LOGOUT */
	unsigned idle_ms;     /* how long an IDLE lasts */
	unsigned env_fetch;   /* newest messages whose envelope is fetched */
	const char *send_set; /* corpus set for APPEND and LMTP */
	/* LMTP */
	unsigned rcpts;
	const char *rcpt_domain; /* for unqualified user_fmt */
	/* POP3 */
	unsigned retr; /* RETR per session (0 = every message) */
	/* IMAP IDLE */
	const char *ready_file;
	double hold; /* seconds to stay in IDLE once all are ready */
	/* IMAP SELECT */
	unsigned repeat;
	uint32_t expect_count; /* messages the mailbox must have (0 = any) */
	bool quiet;
};

struct lg;
struct lg_conn;

struct lg_proto {
	const char *name;
	/* A new connection object (before its first connect). */
	void (*init)(struct lg_conn *c);
	void (*deinit)(struct lg_conn *c);
	/* The TCP connection is up; the server greets first. */
	void (*connected)(struct lg_conn *c);
	/* Data arrived in c->in. Consume what is complete; return 0, or -1
	   after lg_fail() closed the connection. */
	int (*input)(struct lg_conn *c);
	/* Optional: the connection's timer (lg_conn_timer) fired while
	   connected. */
	void (*timer)(struct lg_conn *c);
	/* Optional: called once when the run starts stopping (time or op
	   bound). Without it the operation in progress finishes, and the
	   protocol's own loop sees lg->stopping and ends the session. */
	void (*stop)(struct lg_conn *c);
	/* Optional: called about every 50 ms with the current time. */
	void (*tick)(struct lg *lg, uint64_t now_us);
	/* Optional: prints the mode's own "metric" lines after the run. */
	void (*report)(const struct lg *lg);
};

struct lg_conn {
	struct lg *lg;
	unsigned idx; /* client number, 0-based */
	int fd;	      /* -1 while not connected */
	bool connecting;
	bool finished;	  /* the protocol is done with this client */
	bool established; /* counted by lg_conn_established() */
	struct buf in;
	struct buf out;
	size_t out_off;
	uint64_t io_deadline_us; /* 0: nothing outstanding */
	uint64_t timer_us;	 /* 0: no timer */
	size_t heap_pos;	 /* index in the timer heap + 1, 0 if absent */
	/* the operation being timed */
	enum lg_op op;
	uint64_t op_start_us;
	unsigned sessions;
	void *ps; /* protocol state */
};

struct lg_stats {
	struct hist lat[LG_OP_COUNT];
	uint64_t bytes[LG_OP_COUNT]; /* payload verified by the operation */
	uint64_t units[LG_OP_COUNT]; /* e.g. recipients per delivery */
	uint64_t errors;
	uint64_t reconnects;
};

struct lg {
	const struct lg_options *opt;
	const struct lg_proto *proto;
	const struct corpus *corpus;
	int epfd;
	struct addrinfo *ai;
	struct lg_conn *conns;
	unsigned nconns;
	unsigned next_open; /* ramp: next client to connect */
	unsigned open;	    /* connections not finished */
	unsigned setting_up;
	struct lg_conn **heap;
	size_t heap_n;
	uint64_t t_start, t_measure, t_end, t_stopped, t_finish;
	bool stopping;
	bool aborted;
	uint64_t ops; /* operations completed inside the window */
	struct lg_stats st;
	uint64_t rng;
	/* state of the mode as a whole (IDLE readiness, SELECT timings) */
	void *mode;
};

/* Starts the connection attempt of a client (non-blocking). */
void lg_conn_open(struct lg_conn *c);
/* Closes the socket; with reconnect and unless stopping, the client
   connects again after delay_ms. */
void lg_conn_close(struct lg_conn *c, bool reconnect, unsigned delay_ms);
/* The client is done for good (its connection is closed first). */
void lg_conn_finish(struct lg_conn *c);
/* Ramp control: the client finished setting up; the next may connect. */
void lg_conn_established(struct lg_conn *c);
/* Queues bytes and writes what the socket takes now. */
void lg_send(struct lg_conn *c, const void *data, size_t len);
void lg_sendf(struct lg_conn *c, const char *fmt, ...) ATTR_FORMAT(2, 3);
/* Arms (at > 0, absolute monotonic microseconds) or disarms the timer. */
void lg_conn_timer(struct lg_conn *c, uint64_t at_us);
/* Expects an answer within the command timeout (or none: off). */
void lg_conn_expect(struct lg_conn *c, bool on);

/* Counts an error, prints the first few, closes the connection and
   reconnects (unless stopping). Returns -1 for convenience. */
int lg_fail(struct lg_conn *c, const char *fmt, ...) ATTR_FORMAT(2, 3);
/* Counts an error without closing (the protocol recovers itself). */
void lg_error(struct lg_conn *c, const char *fmt, ...) ATTR_FORMAT(2, 3);

/* Starts timing op; lg_op_end() records it if it started inside the
   measurement window, with bytes of payload and units (recipients). */
void lg_op_begin(struct lg_conn *c, enum lg_op op);
void lg_op_end(struct lg_conn *c, uint64_t bytes, uint64_t units);
/* Records an already measured duration for op. */
void lg_op_record(struct lg *lg, enum lg_op op, uint64_t start_us, uint64_t us,
		  uint64_t bytes, uint64_t units);

/* The first line of c->in: 1 and its length (with the LF), 0 if it is
   not complete yet, -1 if it is longer than max. */
int lg_next_line(const struct lg_conn *c, size_t max, size_t *len_r);

uint64_t lg_now(void);
/* Uniform pseudo-random number in [0, bound), reproducible by --seed. */
uint32_t lg_rand(struct lg *lg, uint32_t bound);
/* The account name of a client's user: user_fmt with its number. */
void lg_user_name(const struct lg *lg, unsigned user, char *out, size_t size);
/* The user a client works on (clients are spread over the users). */
unsigned lg_client_user(const struct lg *lg, const struct lg_conn *c);

/* Runs the loop until every client finished. Returns 0, or -1 if the
   run could not start. */
int lg_run(struct lg *lg);
const char *lg_op_name(enum lg_op op);
/* Prints the table and the metric lines of a finished run. */
void lg_report(const struct lg *lg);

extern const struct lg_proto lg_proto_imap;
extern const struct lg_proto lg_proto_lmtp;
extern const struct lg_proto lg_proto_pop3;

#endif
