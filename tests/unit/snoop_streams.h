/*
 * snoop_streams.h - what the xenstore-snoop unit tests (test_snoop_*.c)
 * share: records built as the BPF side emits them (xenstore-snoop.bpf.c:
 * one struct xss_event per probe hit, trimmed to its payloads), fed one by
 * one to the join as the ring buffer would; stdout and stderr captured
 * into strings; and a fresh run (default options, no connection known,
 * nothing waiting) for each test.  The snoop's modules without libbpf are
 * linked in; -U's stack module is not, snoop_streams.c stands in for it.
 */
#ifndef SNOOP_STREAMS_H
#define SNOOP_STREAMS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "snoop_env.h"
#include "xenstore-snoop.h"

/* A payload: n bytes at p (a C string's bytes without its NUL when
 * n is -1).  NULL p: a NULL pointer at the probe. */
struct pl {
	const char *p;
	long n;
};
#define PL(s) ((struct pl){ (s), sizeof(s) - 1 })	/* with its inner NULs */
#define STR(s) ((struct pl){ (s), -1 })			/* a probe's C string */
#define NOPL ((struct pl){ NULL, 0 })

/* Who sent a request: its connection, domain and client process. */
struct who {
	unsigned conn, dom, pid;
};

/* Feed one record to the join; returns what snoop_join_record did. */
int feed(const struct xss_event *e);

/* Records, with their ts_ns one millisecond after the previous one's. */
struct xss_event rec_reply(struct who w, unsigned req, unsigned tx, unsigned type, int err,
			   struct pl req_pl, struct pl rsp_pl, unsigned long long lat_ns);
struct xss_event rec_watch(struct who watcher, struct pl path, struct pl token,
			   unsigned cause_conn, unsigned cause_req);
struct xss_event rec_txn(struct who w, unsigned tx, unsigned req, int result,
			 struct pl conflict, unsigned long long nodes, unsigned long long ops,
			 unsigned long long dur_ns);
struct xss_event rec_quota(struct who w, unsigned req, const char *quota,
			   unsigned long long value, unsigned long long limit);
struct xss_event rec_conn_open(struct who w, unsigned uid, const char *comm, const char *kind);
struct xss_event rec_conn_close(struct who w, const char *reason);

/* stdout (or stderr) into a string until captured_*(); the string is
 * the caller's to free. */
void capture_stdout(void);
char *captured_stdout(void);
void capture_stderr(void);
char *captured_stderr(void);

/* A fresh run: the options' defaults, nothing known or waiting. */
int fresh_run(void **state);

#endif
