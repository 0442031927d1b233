/*
 * xenstore-snoop - watch every interaction with a running xenstored, live.
 *
 * Attaches BPF programs to the daemon's USDT probes (src/probes.h, listed
 * in docs/probes.md) with libbpf, without restarting or configuring the
 * daemon, and prints one line per request joined with its reply, in the
 * format of the original 2008 xenstore-snoop:
 *
 *   DOM  PID     TX   OP
 *   0    100313  930  XS_RM: /local/domain/6 -> OK
 *   6    0       0    [ERROR] XS_READ: device/vif/0/type -> ENOENT
 *   0    0       -    XS_WATCH_EVENT: /local/domain/6/device/vbd/0/state tok (cause: ...)
 *
 * plus what the original could not show: the request that caused each
 * watch event, the node behind a transaction's EAGAIN, the quota a refused
 * request hit, transactions' size and duration, latencies, JSON lines and
 * a summary mode.  Events the ring buffer had to drop are counted in BPF
 * and reported, never hidden.
 *
 * Reading order: options, connection table, the joins (watch events wait
 * for the reply of the request that caused them; txn_done and
 * quota_exceeded wait for the reply they annotate), output, summary,
 * finding the daemon, main().  What comes from outside (option values,
 * ring-buffer records, the files read to find the daemon) is parsed, and
 * payloads are escaped, in snoop_parse.c, which fuzz/fuzz_snoop.c feeds.
 */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <libelf.h>

#include "snoop_parse.h"
#include "snoop_stack_api.h"
#include "snoop_tee.h"
#include "xenstore-snoop.h"
#include "xenstore-snoop.skel.h"

/* The record the reply_record probe points to is the daemon's struct:
 * both sides must agree on its layout. */
#define XS_NO_PROBES
#include "../../src/probes.h"
_Static_assert(sizeof(struct xs_probe_reply) == sizeof(struct xss_reply_record),
	       "struct xss_reply_record does not mirror src/probes.h");
_Static_assert(offsetof(struct xs_probe_reply, start_ns) ==
		       offsetof(struct xss_reply_record, start_ns) &&
	       offsetof(struct xs_probe_reply, rsp) == offsetof(struct xss_reply_record, rsp),
	       "struct xss_reply_record does not mirror src/probes.h");

#define PROG "xenstore-snoop"

static const char *const txn_results[] = {
	"committed", "aborted", "eagain", "failed", "dropped",
};

/* "s" after a count other than 1: "1 event", "2 events". */
static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

static const char *txn_result_name(unsigned long long r)
{
	return r < sizeof(txn_results) / sizeof(txn_results[0]) ? txn_results[r] : "unknown";
}

/* ------------------------------------------------------------------ */
/* Options                                                              */

static struct env {
	pid_t daemon_pid;	/* -p, 0 = find it */
	bool timestamp;		/* -t */
	bool latency;		/* -l */
	bool comm;		/* -C */
	long long domid;	/* -D, -1 = all */
	long long client_pid;	/* -P, -1 = all */
	uint32_t types;		/* -o, bit per type, 0 = all */
	struct snoop_path_filter path;	/* -f */
	bool errors;		/* -x */
	bool extra;		/* -e */
	bool json;		/* -j */
	bool summary;		/* -s */
	long interval;		/* -i, seconds */
	long long count;	/* -c */
	long duration;		/* -d, seconds */
	unsigned buffer_mb;	/* -b */
	bool verbose;		/* -v */
	bool which;		/* --which */
	struct tee_opts tee;	/* --trace, --html, -w, -W (snoop_tee.h) */
	bool stacks;		/* -U (snoop_stack_api.h) */
	const char *folded;	/* --folded */
} env = {
	.domid = -1,
	.client_pid = -1,
	.buffer_mb = 32,
	.tee.record_bytes = 64ULL << 20,
};

enum { OPT_TRACE = 0x100, OPT_HTML, OPT_WHICH, OPT_FOLDED };

const char *argp_program_version = PROG " " XS_VERSION;
static const char doc[] =
"Watch every request to a running xenstored, live, joined with its reply.\n"
"\n"
"Attaches to the daemon's USDT probes: no restart, no daemon option, and\n"
"the daemon is left exactly as it was on exit.  Needs root (CAP_SYS_ADMIN).\n"
"Without -p, the daemon is the one $XENSTORED_RUNDIR or $XENSTORED_PATH\n"
"name (its pid file, or the process serving that socket), else the\n"
"system's: the first of /var/run/xenstored.pid, /run/xenstore.pid and\n"
"/var/run/xen/xenstored.pid naming a daemon, or the daemon serving\n"
"/var/run/xenstored/socket, or the only one.  A daemon is a process whose\n"
"program has the xenstore probes, whatever its name.\n"
"\n"
"EXAMPLES:\n"
"    xenstore-snoop                # every request, with its reply\n"
"    xenstore-snoop -tl            # add timestamps and latencies (us)\n"
"    xenstore-snoop -C -D 6        # domain 6 only, client command names\n"
"    xenstore-snoop -o read,write  # only XS_READ and XS_WRITE\n"
"    xenstore-snoop -f /local/domain/6   # only nodes at or below this path\n"
"    xenstore-snoop -x             # failed requests only\n"
"    xenstore-snoop -j -c 100      # 100 events as JSON lines, then exit\n"
"    xenstore-snoop -s             # summary at Ctrl-C: counts, errors, latency\n"
"                                  # histograms per op, domain and process,\n"
"                                  # slowest paths, transactions, quota hits\n"
"    xenstore-snoop -s -i 5        # the same summary every 5 seconds\n"
"    xenstore-snoop -p 1234 -d 10  # daemon PID 1234, stop after 10 seconds\n"
"    bpftrace -p \"$(xenstore-snoop --which)\" xenstore-snoop.bt\n"
"                                  # the same daemon, for a bpftrace script\n"
"    xenstore-snoop --trace s.json --html s.html   # the session as a timeline\n"
"                                  # (Perfetto / chrome://tracing; any browser)\n"
"    xenstore-snoop -w /var/tmp/xs -W 16  # flight recorder: the last 16 MiB\n"
"    xenstore-snoop -U             # the client's stack under each request\n"
"    xenstore-snoop -U -s --folded s.folded   # requests by client stack\n"
"\v"
"OUTPUT: DOM is the client's domain, PID its process (0 for guests), TX the\n"
"transaction (- for watch events).  Payloads show NUL bytes as spaces (a\n"
"final NUL is dropped), UTF-8 as its characters, other bytes outside\n"
"printable ASCII as \\xNN and a backslash as \\\\; a payload longer than\n"
"256 bytes is cut and ends with\n"
"...(N bytes), N being its full length.  A watch event names the request\n"
"that caused it, a failed TRANSACTION_END the node that conflicted, a\n"
"refused request the quota it hit.  -j prints every field as JSON:\n"
"payloads' UTF-8 as its characters, any other byte B from 0x80 as \\uDCBB\n"
"(a lone surrogate, Python's surrogateescape).  Events lost because the ring\n"
"buffer was full are counted and reported on exit.\n";

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "xenstored process to attach to (default: find it)", 0 },
	{ "timestamp", 't', NULL, 0, "Print a timestamp column (wall clock)", 0 },
	{ NULL, 'T', NULL, 0, "The same as -t (the bcc tools' timestamp flag)", 0 },
	{ "latency", 'l', NULL, 0, "Print each request's latency in microseconds", 0 },
	{ "comm", 'C', NULL, 0, "Print the client's command name next to its PID", 0 },
	{ "domain", 'D', "DOMID", 0, "Only this domain's requests and watch events", 0 },
	{ "client-pid", 'P', "PID", 0, "Only this client process", 0 },
	{ "op", 'o', "OP,...", 0, "Only these operations (read, XS_WRITE, watch_event, ...)", 0 },
	{ "path", 'f', "PATH", 0, "Only nodes at or below PATH (a guest's relative paths "
	  "count as /local/domain/DOMID/...)", 0 },
	{ "errors", 'x', NULL, 0, "Only failed requests", 0 },
	{ "extra", 'e', NULL, 0, "Also show connections opening/closing and domains "
	  "introduced/released", 0 },
	{ "json", 'j', NULL, 0, "JSON lines, every field", 0 },
	{ "summary", 's', NULL, 0, "Print a summary instead of each event (at exit)", 0 },
	{ "interval", 'i', "SEC", 0, "With -s: print and reset the summary every SEC seconds", 0 },
	{ "count", 'c', "COUNT", 0, "Stop after COUNT events", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds", 0 },
	{ "buffer", 'b', "MB", 0, "Ring buffer size in MiB, a power of 2 (default 32)", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's messages", 0 },
	{ "which", OPT_WHICH, NULL, 0, "Print the PID of the daemon it would attach to, and exit "
	  "(for bpftrace -p)", 0 },
	{ "trace", OPT_TRACE, "FILE", 0, "At exit, write the session as Chrome trace-event "
	  "JSON (stdout stays quiet unless -j)", 0 },
	{ "html", OPT_HTML, "FILE", 0, "At exit, write the session as an HTML sequence "
	  "diagram", 0 },
	{ "record", 'w', "DIR", 0, "Flight recorder: keep the last events as JSON lines "
	  "in rotating files in DIR", 0 },
	{ "record-size", 'W', "MB", 0, "With -w: how many MiB to keep (default 64)", 0 },
	{ "stacks", 'U', NULL, 0, "Show the user stack of the client thread that sent each "
	  "request (native and Python frames)", 0 },
	{ "folded", OPT_FOLDED, "FILE", 0, "With -U: at exit, write requests per client stack as "
	  "folded stacks (flamegraph.pl, speedscope)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 0 },
	{ 0 },
};

/* argp_error() exits: a value is returned only when it parsed. */
static long long parse_num(const char *arg, long long min, long long max, struct argp_state *st,
			   const char *what)
{
	long long v = 0;

	if (!snoop_parse_num(arg, min, max, &v))
		argp_error(st, "invalid %s: %s", what, arg);
	return v;
}

static void parse_ops(const char *arg, struct argp_state *st)
{
	const char *bad;
	int bad_len;

	if (!snoop_parse_ops(arg, &env.types, &bad, &bad_len))
		argp_error(st, "unknown operation: %.*s", bad_len, bad);
	if (!env.types)
		argp_error(st, "-o wants at least one operation");
}

static void parse_buffer(const char *arg, struct argp_state *st)
{
	int r = snoop_parse_buffer_mb(arg, &env.buffer_mb);

	if (r == -EDOM)
		argp_error(st, "buffer size must be a power of 2: %s", arg);
	else if (r)
		argp_error(st, "invalid buffer size: %s", arg);
}

static error_t parse_arg(int key, char *arg, struct argp_state *st)
{
	switch (key) {
	case 'p':
		env.daemon_pid = parse_num(arg, 1, INT_MAX, st, "PID");
		break;
	case 't':
	case 'T': env.timestamp = true; break;
	case 'l': env.latency = true; break;
	case 'C': env.comm = true; break;
	case 'D':
		env.domid = parse_num(arg, 0, SNOOP_DOMID_MAX, st, "domain id");
		break;
	case 'P':
		env.client_pid = parse_num(arg, 0, INT_MAX, st, "client PID");
		break;
	case 'o':
		parse_ops(arg, st);
		break;
	case 'f':
		snoop_path_filter_set(&env.path, arg);
		break;
	case 'x': env.errors = true; break;
	case 'e': env.extra = true; break;
	case 'j': env.json = true; break;
	case 's': env.summary = true; break;
	case 'i':
		env.interval = parse_num(arg, 1, SNOOP_SECONDS_MAX, st, "interval");
		env.summary = true;
		break;
	case 'c':
		env.count = parse_num(arg, 1, LLONG_MAX, st, "count");
		break;
	case 'd':
		env.duration = parse_num(arg, 1, SNOOP_SECONDS_MAX, st, "duration");
		break;
	case 'b':
		parse_buffer(arg, st);
		break;
	case 'v': env.verbose = true; break;
	case OPT_WHICH: env.which = true; break;
	case OPT_TRACE: env.tee.trace = arg; break;
	case OPT_HTML: env.tee.html = arg; break;
	case 'w': env.tee.record_dir = arg; break;
	case 'U': env.stacks = true; break;
	case OPT_FOLDED:
		env.folded = arg;
		env.stacks = true;
		break;
	case 'W':
		env.tee.record_bytes = parse_num(arg, 1, SNOOP_BUFFER_MB_MAX, st, "size") << 20;
		break;
	case ARGP_KEY_END:
		if (snoop_tee_wanted(&env.tee) && env.summary)
			argp_error(st, "--trace, --html and -w record events: not with -s");
		break;
	case 'h':
		argp_state_help(st, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		argp_error(st, "unexpected argument: %s", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* A string that came from outside (a path, an error or quota name, kept
 * as it came for the JSON output), in display form for a text line: a
 * compound literal, valid to the end of the enclosing block. */
#define TEXT(s) snoop_clean_str((char[SNOOP_SHOWN_SIZE(XSS_DATA_MAX)]){ 0 }, \
				SNOOP_SHOWN_SIZE(XSS_DATA_MAX), (s))

/* ------------------------------------------------------------------ */
/* Connections: who is behind a conn_id (from conn_open, or learnt from
 * its requests and /proc when the connection predates the attach).     */

struct conn_info {
	unsigned id;
	bool used;
	unsigned domid, pid, uid;
	bool have_uid;
	char comm[SNOOP_COMM_SIZE];	/* display form (snoop_clean) */
	char kind[16];
};

static struct {
	struct conn_info *slots;
	size_t cap, used;
} conns;

static size_t conn_hash(unsigned id, size_t cap)
{
	return (id * 2654435761u) & (cap - 1);
}

static struct conn_info *conn_find(unsigned id)
{
	size_t i;

	if (!conns.cap)
		return NULL;
	for (i = conn_hash(id, conns.cap); conns.slots[i].used; i = (i + 1) & (conns.cap - 1))
		if (conns.slots[i].id == id)
			return &conns.slots[i];
	return NULL;
}

static void proc_comm(unsigned pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	if (!pid)
		return;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	snoop_read_comm(f, buf, size);
	fclose(f);
}

static struct conn_info *conn_get(unsigned id, unsigned domid, unsigned pid)
{
	struct conn_info *c = conn_find(id);
	size_t i;

	if (c)
		return c;
	if ((conns.used + 1) * 2 > conns.cap) {
		size_t ncap = conns.cap ? conns.cap * 2 : 256;
		struct conn_info *old = conns.slots, *ns = calloc(ncap, sizeof(*ns));
		size_t ocap = conns.cap;

		if (!ns)
			return NULL;
		for (i = 0; i < ocap; i++) {
			size_t j;

			if (!old[i].used)
				continue;
			for (j = conn_hash(old[i].id, ncap); ns[j].used; j = (j + 1) & (ncap - 1))
				;
			ns[j] = old[i];
		}
		free(old);
		conns.slots = ns;
		conns.cap = ncap;
	}
	for (i = conn_hash(id, conns.cap); conns.slots[i].used; i = (i + 1) & (conns.cap - 1))
		;
	c = &conns.slots[i];
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->id = id;
	c->domid = domid;
	c->pid = pid;
	proc_comm(pid, c->comm, sizeof(c->comm));
	conns.used++;
	return c;
}

static void conn_forget(unsigned id)
{
	struct conn_info *c = conn_find(id);
	size_t i, j;

	if (!c)
		return;
	/* Backward-shift deletion keeps linear probing intact. */
	i = c - conns.slots;
	conns.slots[i].used = false;
	conns.used--;
	for (j = (i + 1) & (conns.cap - 1); conns.slots[j].used; j = (j + 1) & (conns.cap - 1)) {
		struct conn_info tmp = conns.slots[j];

		conns.slots[j].used = false;
		conns.used--;
		c = conn_get(tmp.id, tmp.domid, 0);
		if (c)
			*c = tmp;
	}
}

static const char *comm_of(unsigned conn_id)
{
	struct conn_info *c = conn_find(conn_id);

	return c && c->comm[0] ? c->comm : NULL;
}

/* ------------------------------------------------------------------ */
/* Events waiting to be joined                                          */

/* A copy of a record that waits: a watch event for the reply of the
 * request that caused it, a txn_done or quota_exceeded for the reply it
 * annotates.  Few wait at a time, so a flat array does. */
struct held {
	struct xss_event *e;
	unsigned long long seen_ns;	/* when user space got it */
};

struct hold_list {
	struct held *v;
	size_t n, cap;
};

static struct hold_list held_watches, held_txns, held_quotas;

static int hold(struct hold_list *l, const struct xss_event *e, size_t size,
		unsigned long long now)
{
	struct xss_event *copy;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct held *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	copy = calloc(1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, e, size < sizeof(*copy) ? size : sizeof(*copy));
	l->v[l->n].e = copy;
	l->v[l->n].seen_ns = now;
	l->n++;
	return 0;
}

/* Removes entry i, keeping the order; the caller frees the record. */
static struct xss_event *unhold(struct hold_list *l, size_t i)
{
	struct xss_event *e = l->v[i].e;

	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
	return e;
}

/* ------------------------------------------------------------------ */
/* State of the run                                                     */

static volatile sig_atomic_t exiting;
static long long printed;		/* events output (for -c) */
static unsigned long long realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
static unsigned long long newest_ts;	/* newest probe timestamp seen */
static bool output_failed;

static unsigned long long now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

/* -c: has the run printed (or, with -s, counted) all it should? */
static bool count_reached(void)
{
	return env.count && printed >= env.count;
}

static void count_event(void)
{
	printed++;
	if (count_reached())
		exiting = 1;
}

/* ------------------------------------------------------------------ */
/* Summary statistics                                                   */

#define HIST_SLOTS 32

struct stats {
	unsigned long long count, errors, timed, sum_ns, max_ns;
	unsigned long long hist[HIST_SLOTS];	/* log2 buckets of microseconds */
};

struct keyed_stats {
	unsigned long long key;	/* domid, or pid (guests: 1 << 40 | domid) */
	bool used;
	unsigned domid, pid;
	char comm[SNOOP_COMM_SIZE];
	struct stats s;
};

struct stats_map {
	struct keyed_stats *v;
	size_t cap, used;
};

struct slow_path {
	unsigned long long lat_ns;
	unsigned domid, pid, type;
	char path[XSS_DATA_MAX + 1];
};

#define N_SLOWEST 10
#define N_CONFLICTS 8
#define N_QUOTAS 16

static struct summary {
	unsigned long long start_ns;
	unsigned long long requests, errors, watch_events, lost_at_start;
	struct stats ops[32];
	struct stats_map domains, procs;
	struct slow_path slowest[N_SLOWEST];
	unsigned nslowest;
	unsigned long long txn_results[5], txn_ops;
	struct stats txn_time;
	struct { char path[XSS_DATA_MAX + 1]; unsigned long long count; } conflicts[N_CONFLICTS];
	unsigned nconflicts;
	struct { char name[32]; unsigned long long count; } quotas[N_QUOTAS];
	unsigned nquotas;
	struct { char name[24]; unsigned long long count; } errnames[32];
	unsigned nerrnames;
} sum;

static void stats_add(struct stats *s, unsigned long long lat_ns, bool err)
{
	unsigned long long us;
	int slot = 0;

	s->count++;
	if (err)
		s->errors++;
	if (!lat_ns)
		return;
	s->timed++;
	s->sum_ns += lat_ns;
	if (lat_ns > s->max_ns)
		s->max_ns = lat_ns;
	us = lat_ns / 1000;
	while (us > 1 && slot < HIST_SLOTS - 1) {
		us >>= 1;
		slot++;
	}
	s->hist[slot]++;
}

static struct keyed_stats *stats_map_get(struct stats_map *m, unsigned long long key)
{
	size_t i;

	if ((m->used + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64, j;
		struct keyed_stats *nv = calloc(ncap, sizeof(*nv));

		if (!nv)
			return NULL;
		for (j = 0; j < m->cap; j++) {
			size_t k;

			if (!m->v[j].used)
				continue;
			for (k = (m->v[j].key * 11400714819323198485ULL) >> 40 & (ncap - 1);
			     nv[k].used; k = (k + 1) & (ncap - 1))
				;
			nv[k] = m->v[j];
		}
		free(m->v);
		m->v = nv;
		m->cap = ncap;
	}
	for (i = (key * 11400714819323198485ULL) >> 40 & (m->cap - 1); m->v[i].used;
	     i = (i + 1) & (m->cap - 1))
		if (m->v[i].key == key)
			return &m->v[i];
	m->v[i].used = true;
	m->v[i].key = key;
	m->used++;
	return &m->v[i];
}

static void summary_reset(unsigned long long lost_now)
{
	free(sum.domains.v);
	free(sum.procs.v);
	memset(&sum, 0, sizeof(sum));
	sum.start_ns = now_ns(CLOCK_MONOTONIC);
	sum.lost_at_start = lost_now;
}

static void summary_add_reply(const struct xss_event *e, const char *path, const char *errname)
{
	struct keyed_stats *k;
	bool err = e->err != 0;
	unsigned i;

	sum.requests++;
	if (err)
		sum.errors++;
	stats_add(&sum.ops[e->type & 31], e->lat_ns, err);
	k = stats_map_get(&sum.domains, e->domid);
	if (k) {
		k->domid = e->domid;
		stats_add(&k->s, e->lat_ns, err);
	}
	k = stats_map_get(&sum.procs, e->pid ? e->pid : (1ULL << 40 | e->domid));
	if (k) {
		if (!k->s.count) {
			const char *c = comm_of(e->conn_id);

			k->domid = e->domid;
			k->pid = e->pid;
			snprintf(k->comm, sizeof(k->comm), "%s", c ? c : e->pid ? "?" : "(guest)");
		}
		stats_add(&k->s, e->lat_ns, err);
	}
	if (err && errname) {
		for (i = 0; i < sum.nerrnames; i++)
			if (strcmp(sum.errnames[i].name, errname) == 0)
				break;
		if (i == sum.nerrnames && i < 32) {
			snprintf(sum.errnames[i].name, sizeof(sum.errnames[i].name), "%s", errname);
			sum.nerrnames++;
		}
		if (i < 32)
			sum.errnames[i].count++;
	}
	/* Slowest paths: the N_SLOWEST distinct paths with the worst latency. */
	if (path && e->lat_ns) {
		unsigned min = 0;

		for (i = 0; i < sum.nslowest; i++) {
			if (strcmp(sum.slowest[i].path, path) == 0)
				break;
			if (sum.slowest[i].lat_ns < sum.slowest[min].lat_ns)
				min = i;
		}
		if (i == sum.nslowest) {
			if (sum.nslowest < N_SLOWEST)
				i = sum.nslowest++;
			else if (sum.slowest[min].lat_ns < e->lat_ns)
				i = min;
			else
				return;
			sum.slowest[i].lat_ns = 0;
			snprintf(sum.slowest[i].path, sizeof(sum.slowest[i].path), "%s", path);
		}
		if (e->lat_ns > sum.slowest[i].lat_ns) {
			sum.slowest[i].lat_ns = e->lat_ns;
			sum.slowest[i].domid = e->domid;
			sum.slowest[i].pid = e->pid;
			sum.slowest[i].type = e->type;
		}
	}
}

static void summary_add_txn(const struct xss_event *e)
{
	char conflict[XSS_DATA_MAX + 1];
	unsigned i;

	if (e->val[0] < 5)
		sum.txn_results[e->val[0]]++;
	sum.txn_ops += e->val[2];
	stats_add(&sum.txn_time, e->lat_ns, e->val[0] == XSS_TXN_EAGAIN);
	if (e->val[0] != XSS_TXN_EAGAIN)
		return;
	snoop_first_arg(snoop_payload_of(e, 0), conflict, sizeof(conflict));
	if (!conflict[0])
		return;
	for (i = 0; i < sum.nconflicts; i++)
		if (strcmp(sum.conflicts[i].path, conflict) == 0)
			break;
	if (i == sum.nconflicts) {
		if (i == N_CONFLICTS)
			return;
		snprintf(sum.conflicts[i].path, sizeof(sum.conflicts[i].path), "%s", conflict);
		sum.nconflicts++;
	}
	sum.conflicts[i].count++;
}

static void summary_add_quota(const struct xss_event *e)
{
	char name[32];
	unsigned i;

	snoop_first_arg(snoop_payload_of(e, 0), name, sizeof(name));
	for (i = 0; i < sum.nquotas; i++)
		if (strcmp(sum.quotas[i].name, name) == 0)
			break;
	if (i == sum.nquotas) {
		if (i == N_QUOTAS)
			return;
		snprintf(sum.quotas[i].name, sizeof(sum.quotas[i].name), "%s", name);
		sum.nquotas++;
	}
	sum.quotas[i].count++;
}

static double us(unsigned long long ns)
{
	return ns / 1000.0;
}

static double avg_us(const struct stats *s)
{
	return s->timed ? s->sum_ns / 1000.0 / s->timed : 0;
}

static void print_hist(FILE *f, const struct stats *s)
{
	unsigned long long max = 0;
	int last = -1, i, j;

	for (i = 0; i < HIST_SLOTS; i++) {
		if (s->hist[i] > max)
			max = s->hist[i];
		if (s->hist[i])
			last = i;
	}
	if (last < 0) {
		fprintf(f, "    (no latency recorded)\n");
		return;
	}
	fprintf(f, "    %21s : %-8s %s\n", "usecs", "count", "distribution");
	for (i = 0; i <= last; i++) {
		unsigned long long lo = i ? 1ULL << i : 0, hi = (1ULL << (i + 1)) - 1;
		int bar = max ? (int)(s->hist[i] * 40 / max) : 0;

		fprintf(f, "    %10llu -> %-8llu : %-8llu |", lo, hi, s->hist[i]);
		for (j = 0; j < 40; j++)
			putc(j < bar ? '*' : ' ', f);
		fputs("|\n", f);
	}
}

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed_stats *x = a, *y = b;

	if (x->s.count != y->s.count)
		return x->s.count < y->s.count ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_slow(const void *a, const void *b)
{
	const struct slow_path *x = a, *y = b;

	return x->lat_ns < y->lat_ns ? 1 : x->lat_ns > y->lat_ns ? -1 : 0;
}

/* Used entries of a stats map, most requests first. */
static struct keyed_stats *sorted(const struct stats_map *m, size_t *n)
{
	struct keyed_stats *v = calloc(m->used ? m->used : 1, sizeof(*v));
	size_t i, k = 0;

	if (!v) {
		*n = 0;
		return NULL;
	}
	for (i = 0; i < m->cap; i++)
		if (m->v[i].used)
			v[k++] = m->v[i];
	qsort(v, k, sizeof(*v), cmp_keyed);
	*n = k;
	return v;
}

#define N_PROCS 10

static void print_summary_text(FILE *f, unsigned long long lost)
{
	unsigned long long now = now_ns(CLOCK_MONOTONIC);
	double secs = (now - sum.start_ns) / 1e9;
	time_t t = (now + realtime_offset_ns) / 1000000000ULL;
	struct keyed_stats *doms, *procs;
	size_t ndoms, nprocs, i;
	char tbuf[16];
	unsigned long long ntxn = 0;

	struct tm tm;

	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", localtime_r(&t, &tm));
	fprintf(f, "%s summary over %.1f s: %llu request%s (%.1f/s), %llu error%s, "
		"%llu watch event%s, %llu lost\n",
		tbuf, secs, sum.requests, plural(sum.requests),
		secs > 0 ? sum.requests / secs : 0.0, sum.errors, plural(sum.errors),
		sum.watch_events, plural(sum.watch_events), lost - sum.lost_at_start);

	fprintf(f, "\n%-24s %9s %7s %9s %9s\n", "OP", "COUNT", "ERRORS", "AVG(us)", "MAX(us)");
	for (i = 0; i < 32; i++) {
		const struct stats *s = &sum.ops[i];

		if (!s->count)
			continue;
		if (i == XS_WATCH_EVENT)
			fprintf(f, "%-24s %9llu %7s %9s %9s\n", snoop_type_name(i), s->count, "-", "-", "-");
		else
			fprintf(f, "%-24s %9llu %7llu %9.1f %9.1f\n", snoop_type_name(i), s->count,
				s->errors, avg_us(s), us(s->max_ns));
	}
	if (sum.nerrnames) {
		fputs("\nERRORS:", f);
		for (i = 0; i < sum.nerrnames; i++)
			fprintf(f, " %s %llu", TEXT(sum.errnames[i].name), sum.errnames[i].count);
		fputc('\n', f);
	}
	for (i = 0; i < 5; i++)
		ntxn += sum.txn_results[i];
	if (ntxn) {
		fprintf(f, "\nTRANSACTIONS: %llu committed, %llu aborted, %llu EAGAIN, %llu failed, "
			"%llu dropped; %.1f ops each, %.1f us avg, %.1f us max\n",
			sum.txn_results[0], sum.txn_results[1], sum.txn_results[2],
			sum.txn_results[3], sum.txn_results[4], (double)sum.txn_ops / ntxn,
			avg_us(&sum.txn_time), us(sum.txn_time.max_ns));
		for (i = 0; i < sum.nconflicts; i++)
			fprintf(f, "  EAGAIN conflict on %s: %llu\n", TEXT(sum.conflicts[i].path),
				sum.conflicts[i].count);
	}
	if (sum.nquotas) {
		fputs("\nQUOTA HITS:", f);
		for (i = 0; i < sum.nquotas; i++)
			fprintf(f, " %s %llu", TEXT(sum.quotas[i].name), sum.quotas[i].count);
		fputc('\n', f);
	}

	doms = sorted(&sum.domains, &ndoms);
	fprintf(f, "\n%-6s %9s %7s %9s %9s\n", "DOM", "COUNT", "ERRORS", "AVG(us)", "MAX(us)");
	for (i = 0; i < ndoms; i++)
		fprintf(f, "%-6u %9llu %7llu %9.1f %9.1f\n", doms[i].domid, doms[i].s.count,
			doms[i].s.errors, avg_us(&doms[i].s), us(doms[i].s.max_ns));

	procs = sorted(&sum.procs, &nprocs);
	fprintf(f, "\n%-6s %-7s %-16s %9s %7s %9s %9s\n", "DOM", "PID", "COMM", "COUNT", "ERRORS",
		"AVG(us)", "MAX(us)");
	for (i = 0; i < nprocs && i < N_PROCS; i++)
		fprintf(f, "%-6u %-7u %-16s %9llu %7llu %9.1f %9.1f\n", procs[i].domid,
			procs[i].pid, procs[i].comm, procs[i].s.count, procs[i].s.errors,
			avg_us(&procs[i].s), us(procs[i].s.max_ns));
	if (nprocs > N_PROCS)
		fprintf(f, "(%zu more process%s)\n", nprocs - N_PROCS,
			nprocs - N_PROCS == 1 ? "" : "es");

	if (sum.nslowest) {
		qsort(sum.slowest, sum.nslowest, sizeof(sum.slowest[0]), cmp_slow);
		fprintf(f, "\nSLOWEST PATHS\n%9s %-6s %-7s %-20s %s\n", "LAT(us)", "DOM", "PID",
			"OP", "PATH");
		for (i = 0; i < sum.nslowest; i++)
			fprintf(f, "%9.1f %-6u %-7u %-20s %s\n", us(sum.slowest[i].lat_ns),
				sum.slowest[i].domid, sum.slowest[i].pid,
				snoop_type_name(sum.slowest[i].type), TEXT(sum.slowest[i].path));
	}

	fputs("\nLATENCY BY OP\n", f);
	for (i = 0; i < 32; i++)
		if (sum.ops[i].timed) {
			fprintf(f, "%s\n", snoop_type_name(i));
			print_hist(f, &sum.ops[i]);
		}
	fputs("\nLATENCY BY DOMAIN\n", f);
	for (i = 0; i < ndoms; i++)
		if (doms[i].s.timed) {
			fprintf(f, "dom %u\n", doms[i].domid);
			print_hist(f, &doms[i].s);
		}
	fputs("\nLATENCY BY PROCESS\n", f);
	for (i = 0; i < nprocs && i < N_PROCS; i++)
		if (procs[i].s.timed) {
			fprintf(f, "dom %u pid %u %s\n", procs[i].domid, procs[i].pid, procs[i].comm);
			print_hist(f, &procs[i].s);
		}
	fputc('\n', f);
	free(doms);
	free(procs);
}

static void put_json_stats(FILE *f, const struct stats *s)
{
	int last = -1, i;

	fprintf(f, "\"count\":%llu,\"errors\":%llu,\"avg_us\":%.1f,\"max_us\":%.1f,\"hist_us\":[",
		s->count, s->errors, avg_us(s), us(s->max_ns));
	for (i = 0; i < HIST_SLOTS; i++)
		if (s->hist[i])
			last = i;
	for (i = 0; i <= last; i++)
		fprintf(f, "%s%llu", i ? "," : "", s->hist[i]);
	fputc(']', f);
}

/* The same summary as one JSON object; hist_us[i] counts latencies in
 * [2^i, 2^(i+1)) microseconds (i = 0: below 2 us). */
static void print_summary_json(FILE *f, unsigned long long lost)
{
	unsigned long long now = now_ns(CLOCK_MONOTONIC);
	struct keyed_stats *doms, *procs;
	size_t ndoms, nprocs, i;
	bool first = true;

	fprintf(f, "{\"event\":\"summary\",\"time\":%.6f,\"seconds\":%.3f,\"requests\":%llu,"
		"\"errors\":%llu,\"watch_events\":%llu,\"lost\":%llu,\"ops\":{",
		(now + realtime_offset_ns) / 1e9, (now - sum.start_ns) / 1e9, sum.requests,
		sum.errors, sum.watch_events, lost - sum.lost_at_start);
	for (i = 0; i < 32; i++) {
		if (!sum.ops[i].count)
			continue;
		fprintf(f, "%s\"%s\":{", first ? "" : ",", snoop_type_name(i));
		put_json_stats(f, &sum.ops[i]);
		fputc('}', f);
		first = false;
	}
	fputs("},\"error_names\":{", f);
	for (i = 0; i < sum.nerrnames; i++) {
		fputs(i ? "," : "", f);
		snoop_put_json_str(f, sum.errnames[i].name);
		fprintf(f, ":%llu", sum.errnames[i].count);
	}
	fputs("},\"domains\":[", f);
	doms = sorted(&sum.domains, &ndoms);
	for (i = 0; i < ndoms; i++) {
		fprintf(f, "%s{\"dom\":%u,", i ? "," : "", doms[i].domid);
		put_json_stats(f, &doms[i].s);
		fputc('}', f);
	}
	fputs("],\"processes\":[", f);
	procs = sorted(&sum.procs, &nprocs);
	for (i = 0; i < nprocs; i++) {
		fprintf(f, "%s{\"dom\":%u,\"pid\":%u,\"comm\":", i ? "," : "", procs[i].domid,
			procs[i].pid);
		snoop_put_json_str(f, procs[i].comm);
		fputc(',', f);
		put_json_stats(f, &procs[i].s);
		fputc('}', f);
	}
	fputs("],\"slowest\":[", f);
	qsort(sum.slowest, sum.nslowest, sizeof(sum.slowest[0]), cmp_slow);
	for (i = 0; i < sum.nslowest; i++) {
		fprintf(f, "%s{\"latency_ns\":%llu,\"dom\":%u,\"pid\":%u,\"op\":\"%s\",\"path\":",
			i ? "," : "", sum.slowest[i].lat_ns, sum.slowest[i].domid,
			sum.slowest[i].pid, snoop_type_name(sum.slowest[i].type));
		snoop_put_json_str(f, sum.slowest[i].path);
		fputc('}', f);
	}
	fprintf(f, "],\"transactions\":{\"committed\":%llu,\"aborted\":%llu,\"eagain\":%llu,"
		"\"failed\":%llu,\"dropped\":%llu,\"ops\":%llu,\"duration\":{",
		sum.txn_results[0], sum.txn_results[1], sum.txn_results[2], sum.txn_results[3],
		sum.txn_results[4], sum.txn_ops);
	put_json_stats(f, &sum.txn_time);
	fputs("},\"conflicts\":{", f);
	for (i = 0; i < sum.nconflicts; i++) {
		fputs(i ? "," : "", f);
		snoop_put_json_str(f, sum.conflicts[i].path);
		fprintf(f, ":%llu", sum.conflicts[i].count);
	}
	fputs("}},\"quota_hits\":{", f);
	for (i = 0; i < sum.nquotas; i++) {
		fputs(i ? "," : "", f);
		snoop_put_json_str(f, sum.quotas[i].name);
		fprintf(f, ":%llu", sum.quotas[i].count);
	}
	fputs("}}\n", f);
	free(doms);
	free(procs);
}

/* ------------------------------------------------------------------ */
/* Event lines                                                          */

/* Columns before OP: [TIME] DOM PID [COMM] TX [LAT(us)] */
static void print_header(void)
{
	if (env.timestamp)
		printf("%-15s ", "TIME");
	printf("%-4s %-7s ", "DOM", "PID");
	if (env.comm)
		printf("%-15s ", "COMM");
	printf("%-4s ", "TX");
	if (env.latency)
		printf("%8s ", "LAT(us)");
	printf("OP\n");
}

/* printf("%-*u ", width, v) without printf, which is most of the cost
 * of a line at the daemon's full rate. */
static void put_column(unsigned v, int width)
{
	char buf[16];
	int n = (int)sizeof(buf);

	do
		buf[--n] = (char)('0' + v % 10);
	while ((v /= 10) && n > 0);
	fwrite(buf + n, 1, sizeof(buf) - n, stdout);
	for (width -= (int)sizeof(buf) - n; width > 0; width--)
		putchar(' ');
	putchar(' ');
}

static void print_prefix(const struct xss_event *e, const char *tx, unsigned long long lat_ns,
			 bool timed)
{
	if (env.timestamp) {
		unsigned long long rt = e->ts_ns + realtime_offset_ns;
		time_t t = rt / 1000000000ULL;
		char buf[16];

		struct tm tm;

		strftime(buf, sizeof(buf), "%H:%M:%S", localtime_r(&t, &tm));
		printf("%s.%06llu ", buf, rt % 1000000000ULL / 1000);
	}
	put_column(e->domid, 4);
	put_column(e->pid, 7);
	if (env.comm) {
		const char *c = comm_of(e->conn_id);

		printf("%-15s ", c ? c : "-");
	}
	printf("%-4s ", tx);
	if (env.latency) {
		if (timed && lat_ns)
			printf("%8.1f ", lat_ns / 1000.0);
		else
			printf("%8s ", timed ? "?" : "-");
	}
}

static void json_begin(const struct xss_event *e, const char *event)
{
	const char *c = comm_of(e->conn_id);

	printf("{\"time\":%.6f,\"ts_ns\":%llu,\"event\":\"%s\",\"conn\":%u,\"dom\":%u,\"pid\":%u,"
	       "\"comm\":", (e->ts_ns + realtime_offset_ns) / 1e9, e->ts_ns, event, e->conn_id,
	       e->domid, e->pid);
	snoop_put_json_str(stdout, c);
}

static void json_txn(const struct xss_event *t)
{
	struct snoop_payload cp = snoop_payload_of(t, 0);

	printf("{\"tx\":%u,\"result\":\"%s\",\"nodes\":%llu,\"ops\":%llu,\"duration_ns\":%llu,"
	       "\"conflict\":", t->tx_id, txn_result_name(t->val[0]), t->val[1], t->val[2],
	       t->lat_ns);
	if (cp.null || cp.fault)
		fputs("null", stdout);
	else
		snoop_put_json_bytes(stdout, cp.p, cp.n);
	putchar('}');
}

static void json_quota(const struct xss_event *q)
{
	char name[64];

	snoop_first_arg(snoop_payload_of(q, 0), name, sizeof(name));
	printf("{\"name\":");
	snoop_put_json_str(stdout, name);
	printf(",\"value\":%llu,\"limit\":%llu,\"req_id\":%u}", q->val[0], q->val[1], q->req_id);
}

static void text_txn(const struct xss_event *t)
{
	static const char *const how[] = {
		"committed", "aborted", "EAGAIN", "failed", "dropped with its connection",
	};
	struct snoop_payload cp = snoop_payload_of(t, 0);

	printf("txn %s: %llu op%s, %llu node%s", t->val[0] < 5 ? how[t->val[0]] : "?", t->val[2],
	       plural(t->val[2]), t->val[1], plural(t->val[1]));
	if (env.latency && t->lat_ns)
		printf(", %.3f ms", t->lat_ns / 1e6);
	if (t->val[0] == XSS_TXN_EAGAIN && !cp.null) {
		fputs(", conflict on ", stdout);
		snoop_put_text(stdout, cp);
	}
}

static void text_quota(const struct xss_event *q)
{
	printf("quota ");
	snoop_put_text(stdout, snoop_payload_of(q, 0));
	printf(": %llu > limit %llu", q->val[0], q->val[1]);
}

/* What caused a watch event, from the reply of that request if we have
 * it (reply != NULL), else from what is known of its connection. */
static void text_cause(const struct xss_event *w, const struct xss_event *reply)
{
	unsigned cconn = w->val[0], creq = w->val[1];
	const struct conn_info *c = conn_find(cconn);

	if (!cconn && !creq) {
		fputs(" (cause: none)", stdout);
		return;
	}
	fputs(" (cause: ", stdout);
	if (reply) {
		char path[XSS_DATA_MAX + 1];

		snoop_first_arg(snoop_payload_of(reply, 0), path, sizeof(path));
		printf("%s", snoop_type_name(reply->type));
		if (path[0])
			printf(" %s", TEXT(path));
		printf(", dom %u pid %u", reply->domid, reply->pid);
	} else {
		printf("conn %u req %u", cconn, creq);
		if (c)
			printf(", dom %u pid %u", c->domid, c->pid);
	}
	if (env.comm && c && c->comm[0])
		printf(" %s", c->comm);
	putchar(')');
}

static void json_cause(const struct xss_event *w, const struct xss_event *reply)
{
	unsigned cconn = w->val[0], creq = w->val[1];
	const struct conn_info *c = conn_find(cconn);

	if (!cconn && !creq) {
		fputs(",\"cause\":null", stdout);
		return;
	}
	printf(",\"cause\":{\"conn\":%u,\"req_id\":%u", cconn, creq);
	if (reply) {
		char path[XSS_DATA_MAX + 1];

		snoop_first_arg(snoop_payload_of(reply, 0), path, sizeof(path));
		printf(",\"dom\":%u,\"pid\":%u,\"op\":\"%s\",\"arg\":", reply->domid, reply->pid,
		       snoop_type_name(reply->type));
		snoop_put_json_str(stdout, path);
	} else if (c) {
		printf(",\"dom\":%u,\"pid\":%u", c->domid, c->pid);
	}
	if (c && c->comm[0]) {
		fputs(",\"comm\":", stdout);
		snoop_put_json_str(stdout, c->comm);
	}
	putchar('}');
}

static void print_watch(const struct xss_event *w, const struct xss_event *reply)
{
	struct snoop_payload path = snoop_payload_of(w, 0), token = snoop_payload_of(w, 1);
	char p[XSS_DATA_MAX + 1];

	snoop_first_arg(path, p, sizeof(p));
	if (count_reached() || !snoop_path_matches(&env.path, p, w->domid))
		return;
	if (env.summary) {
		sum.watch_events++;
		sum.ops[XS_WATCH_EVENT].count++;
		count_event();
		return;
	}
	if (env.json) {
		json_begin(w, "watch_event");
		printf(",\"tx\":null,\"op\":\"XS_WATCH_EVENT\",\"type\":%d", XS_WATCH_EVENT);
		snoop_put_json_payload(stdout, "path", path, false);
		snoop_put_json_payload(stdout, "token", token, false);
		json_cause(w, reply);
		puts("}");
	} else {
		print_prefix(w, "-", 0, false);
		fputs("XS_WATCH_EVENT: ", stdout);
		snoop_put_text(stdout, path);
		putchar(' ');
		snoop_put_text(stdout, token);
		text_cause(w, reply);
		putchar('\n');
	}
	count_event();
}

static void print_orphan(const struct xss_event *e);

/* Finds and removes a held record matching (conn, id); id is the tx_id
 * for transactions, the req_id for quotas. */
static struct xss_event *take(struct hold_list *l, unsigned conn, unsigned id, bool by_tx)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct xss_event *h = l->v[i].e;

		if (h->conn_id == conn && (by_tx ? h->tx_id : h->req_id) == id)
			return unhold(l, i);
	}
	return NULL;
}

static void print_reply(const struct xss_event *e)
{
	struct snoop_payload req = snoop_payload_of(e, 0), rsp = snoop_payload_of(e, 1);
	struct xss_event *txn = NULL, *quota = NULL;
	char path[XSS_DATA_MAX + 1], errname[24] = "";
	bool has_path = snoop_type_has_path(e->type);
	size_t i;

	/* Watch events this request caused come first, as they did in the
	 * daemon. */
	for (i = 0; i < held_watches.n;) {
		const struct xss_event *w = held_watches.v[i].e;

		if (w->val[0] == e->conn_id && w->val[1] == e->req_id) {
			struct xss_event *we = unhold(&held_watches, i);

			print_watch(we, e);
			free(we);
		} else {
			i++;
		}
	}
	if (e->type == XS_TRANSACTION_END)
		txn = take(&held_txns, e->conn_id, e->tx_id, true);
	quota = take(&held_quotas, e->conn_id, e->req_id, false);
	if (e->flags & XSS_F_CONTEXT) {
		/* Filtered out: it only named the cause of watch events. */
		if (txn)
			print_orphan(txn);
		if (quota)
			print_orphan(quota);
		goto out;
	}

	snoop_first_arg(req, path, sizeof(path));
	if (env.path.prefix && (!has_path || !snoop_path_matches(&env.path, path, e->domid)))
		goto out;
	if (count_reached())
		goto out;
	if (e->err)
		snoop_first_arg(rsp, errname, sizeof(errname));

	if (env.summary) {
		summary_add_reply(e, has_path ? path : NULL, e->err ? errname : NULL);
		snoop_stack_count(e);
		if (txn)
			summary_add_txn(txn);
		if (quota)
			summary_add_quota(quota);
		count_event();
		goto out;
	}
	if (env.json) {
		json_begin(e, "request");
		printf(",\"req_id\":%u,\"tx\":%u,\"op\":\"%s\",\"type\":%u", e->req_id, e->tx_id,
		       snoop_type_name(e->type), e->type);
		if (has_path) {
			fputs(",\"path\":", stdout);
			snoop_put_json_str(stdout, path);
		}
		snoop_put_json_payload(stdout, "request", req, true);
		snoop_put_json_payload(stdout, "reply", rsp, true);
		fputs(",\"error\":", stdout);
		snoop_put_json_str(stdout, e->err ? errname : NULL);
		printf(",\"errno\":%d,\"latency_ns\":", e->err);
		if (e->lat_ns)
			printf("%llu", e->lat_ns);
		else
			fputs("null", stdout);
		if (txn) {
			fputs(",\"txn\":", stdout);
			json_txn(txn);
		}
		if (quota) {
			fputs(",\"quota\":", stdout);
			json_quota(quota);
		}
		snoop_stack_json(stdout, e);
		puts("}");
	} else {
		char tx[16];

		snprintf(tx, sizeof(tx), "%u", e->tx_id);
		print_prefix(e, tx, e->lat_ns, true);
		if (e->err)
			fputs("[ERROR] ", stdout);
		fputs(snoop_type_name(e->type), stdout);
		putchar(':');
		if (!snoop_text_empty(req)) {
			putchar(' ');
			snoop_put_text(stdout, req);
		}
		fputs(" ->", stdout);
		if (!snoop_text_empty(rsp)) {
			putchar(' ');
			snoop_put_text(stdout, rsp);
		}
		if (txn || quota) {
			fputs(" (", stdout);
			if (txn)
				text_txn(txn);
			if (txn && quota)
				fputs("; ", stdout);
			if (quota)
				text_quota(quota);
			putchar(')');
		}
		putchar('\n');
		snoop_stack_text(stdout, e);
	}
	count_event();
out:
	free(txn);
	free(quota);
}

/* Does an event that was not filtered in BPF pass the filters? */
static bool pass_user(const struct xss_event *e, unsigned type, bool is_error)
{
	unsigned pid = e->pid;

	if (e->kind == XSS_QUOTA) {
		const struct conn_info *c = conn_find(e->conn_id);

		pid = c ? c->pid : 0;
	}
	if (env.domid >= 0 && e->domid != env.domid)
		return false;
	if (env.client_pid >= 0 && pid != env.client_pid)
		return false;
	if (env.types && (type >= 32 || !(env.types & (1u << type))))
		return false;
	if (env.errors && !is_error)
		return false;
	if (env.path.prefix)
		return false;
	return true;
}

/* A txn_done or quota_exceeded whose reply never came (the connection
 * went, or the reply was filtered out): a line of its own. */
static void print_orphan(const struct xss_event *orig)
{
	bool txn = orig->kind == XSS_TXN_DONE;
	unsigned long long r = orig->val[0];
	struct xss_event copy = *orig;
	const struct xss_event *e = &copy;

	if (count_reached())
		return;
	if (!txn) {	/* quota_exceeded has no pid: the connection's */
		const struct conn_info *c = conn_find(orig->conn_id);

		copy.pid = c ? c->pid : 0;
	}
	if (!pass_user(e, txn ? XS_TRANSACTION_END : 32,
		       !txn || r == XSS_TXN_EAGAIN || r == XSS_TXN_FAILED))
		return;
	if (env.summary) {
		if (txn)
			summary_add_txn(e);
		else
			summary_add_quota(e);
		return;
	}
	if (env.json) {
		json_begin(e, txn ? "txn_done" : "quota_exceeded");
		fputs(txn ? ",\"txn\":" : ",\"quota\":", stdout);
		if (txn)
			json_txn(e);
		else
			json_quota(e);
		puts("}");
	} else {
		char tx[16];

		snprintf(tx, sizeof(tx), "%u", e->tx_id);
		print_prefix(e, txn ? tx : "-", 0, false);
		putchar('[');
		if (txn)
			text_txn(e);
		else
			text_quota(e);
		puts("]");
	}
	count_event();
}

/* -e: connections and domains. */
static void print_extra(const struct xss_event *e)
{
	struct snoop_payload p0 = snoop_payload_of(e, 0), p1 = snoop_payload_of(e, 1);

	if (!env.extra || env.summary || count_reached() || !pass_user(e, 32, false))
		return;
	if (env.json) {
		switch (e->kind) {
		case XSS_CONN_OPEN:
			json_begin(e, "conn_open");
			printf(",\"uid\":%llu", e->val[0]);
			snoop_put_json_payload(stdout, "kind", p1, false);
			break;
		case XSS_CONN_CLOSE:
			json_begin(e, "conn_close");
			snoop_put_json_payload(stdout, "reason", p0, false);
			break;
		case XSS_DOMAIN_INTRODUCE:
			json_begin(e, "domain_introduce");
			printf(",\"evtchn\":%llu,\"gfn\":%llu", e->val[0], e->val[1]);
			break;
		case XSS_DOMAIN_RELEASE:
			json_begin(e, "domain_release");
			snoop_put_json_payload(stdout, "reason", p0, false);
			break;
		}
		puts("}");
	} else {
		print_prefix(e, "-", 0, false);
		switch (e->kind) {
		case XSS_CONN_OPEN: {
			const char *c = comm_of(e->conn_id);

			printf("[CONNECT] conn %u %s uid %llu (", e->conn_id, c ? c : "?", e->val[0]);
			snoop_put_text(stdout, p1);
			putchar(')');
			break;
		}
		case XSS_CONN_CLOSE:
			printf("[CLOSE] conn %u: ", e->conn_id);
			snoop_put_text(stdout, p0);
			break;
		case XSS_DOMAIN_INTRODUCE:
			printf("[INTRODUCE] domain %u evtchn %llu gfn 0x%llx", e->domid, e->val[0],
			       e->val[1]);
			break;
		case XSS_DOMAIN_RELEASE:
			printf("[RELEASE] domain %u: ", e->domid);
			snoop_put_text(stdout, p0);
			break;
		}
		putchar('\n');
	}
	count_event();
}

/* Held records wait at most this long (by probe time, then by clock). */
#define HOLD_EVENT_NS (50ULL * 1000000)
#define HOLD_CLOCK_NS (200ULL * 1000000)

static bool overdue(const struct held *h, unsigned long long now, bool all)
{
	return all || newest_ts > h->e->ts_ns + HOLD_EVENT_NS || now > h->seen_ns + HOLD_CLOCK_NS;
}

/* Releases what waited too long (everything with all = true). */
static void expire_held(bool all)
{
	unsigned long long now = now_ns(CLOCK_MONOTONIC);
	size_t i;

	for (i = 0; i < held_watches.n;) {
		if (overdue(&held_watches.v[i], now, all)) {
			struct xss_event *e = unhold(&held_watches, i);

			print_watch(e, NULL);
			free(e);
		} else {
			i++;
		}
	}
	for (i = 0; i < held_txns.n;) {
		if (overdue(&held_txns.v[i], now, all)) {
			struct xss_event *e = unhold(&held_txns, i);

			print_orphan(e);
			free(e);
		} else {
			i++;
		}
	}
	for (i = 0; i < held_quotas.n;) {
		if (overdue(&held_quotas.v[i], now, all)) {
			struct xss_event *e = unhold(&held_quotas, i);

			print_orphan(e);
			free(e);
		} else {
			i++;
		}
	}
}

/*
 * The daemon handles one request at a time, so a reply (or a watch event
 * of another request) proves that every request before it is done: what
 * still waits for one of those will never be joined (its reply was
 * filtered out in BPF, or never sent) and is released now, in order.
 */
static void release_unmatched(const struct xss_event *e)
{
	bool reply = e->kind == XSS_REPLY;
	unsigned long long cconn = reply ? e->conn_id : e->val[0];
	unsigned long long creq = reply ? e->req_id : e->val[1];
	size_t i;

	for (i = 0; i < held_watches.n;) {
		const struct xss_event *w = held_watches.v[i].e;

		if (w->val[0] != cconn || w->val[1] != creq) {
			struct xss_event *we = unhold(&held_watches, i);

			print_watch(we, NULL);
			free(we);
		} else {
			i++;
		}
	}
	if (!reply)
		return;
	for (i = 0; i < held_txns.n;) {
		const struct xss_event *t = held_txns.v[i].e;

		if (e->type != XS_TRANSACTION_END || t->conn_id != e->conn_id ||
		    t->tx_id != e->tx_id) {
			struct xss_event *te = unhold(&held_txns, i);

			print_orphan(te);
			free(te);
		} else {
			i++;
		}
	}
	for (i = 0; i < held_quotas.n;) {
		const struct xss_event *q = held_quotas.v[i].e;

		if (q->conn_id != e->conn_id || q->req_id != e->req_id) {
			struct xss_event *qe = unhold(&held_quotas, i);

			print_orphan(qe);
			free(qe);
		} else {
			i++;
		}
	}
}

/* A connection closes: nothing it asked for will be answered any more. */
static void release_conn(unsigned conn_id)
{
	struct hold_list *lists[] = { &held_watches, &held_txns, &held_quotas };
	size_t i, l;

	for (l = 0; l < 3; l++)
		for (i = 0; i < lists[l]->n;) {
			struct xss_event *h = lists[l]->v[i].e;

			if ((l == 0 ? h->val[0] : h->conn_id) != conn_id) {
				i++;
				continue;
			}
			h = unhold(lists[l], i);
			if (l == 0)
				print_watch(h, NULL);
			else
				print_orphan(h);
			free(h);
		}
}

/* The last record, if it was the reply to a successful XS_WATCH. */
static struct xss_event watch_reply;
static bool watch_reply_last;

/* Set when the daemon exec'd: the note is printed with the next event,
 * which tells how long the daemon was silent. */
static bool exec_note_pending;
static unsigned long long exec_last_ts, exec_seen_ns;
static char exec_path[PATH_MAX];
static pid_t exec_pid;
static pid_t traced_pid;	/* the daemon (its pid survives its execs) */

/* The exec tracepoint is attached: its record, not the tool's polling,
 * marks where an exec falls in the stream. */
static bool exec_record_attached;

static void print_exec_note(const unsigned long long *next_ts);

/* Notes an exec of the daemon, seen by its record or by the image poll. */
static void exec_noted(pid_t pid)
{
	char exe[64];
	ssize_t n;

	if (exec_note_pending)
		print_exec_note(NULL);	/* two execs and no event between */
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	n = readlink(exe, exec_path, sizeof(exec_path) - 1);
	exec_path[n > 0 ? n : 0] = '\0';
	exec_pid = pid;
	exec_last_ts = newest_ts;
	exec_seen_ns = now_ns(CLOCK_MONOTONIC);
	exec_note_pending = true;
}

static void print_exec_note(const unsigned long long *next_ts)
{
	FILE *out = env.json || env.summary ? stderr : stdout;
	char gap[64] = "no event since";

	if (next_ts && exec_last_ts)
		snprintf(gap, sizeof(gap), "%.1f ms between the last event before it and the next",
			 (double)(*next_ts - exec_last_ts) / 1e6);
	fprintf(out, "-- xenstored PID %d exec'd %s (live update), followed: %s\n", exec_pid,
		exec_path, gap);
	exec_note_pending = false;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct xss_event full;
	const struct xss_event *e = &full;
	unsigned long long now = 0;
	struct conn_info *c;

	(void)ctx;
	if (count_reached())
		return -ECANCELED;
	/* Records arrive trimmed; work on a full-size copy of one that
	 * passed the bounds checks. */
	if (!snoop_record_decode(data, size, &full))
		return 0;	/* not ours */
	if (e->kind == XSS_EXEC) {
		exec_noted(traced_pid);
		return 0;
	}
	if (exec_note_pending && e->ts_ns > exec_last_ts)
		print_exec_note(&e->ts_ns);
	if (e->ts_ns > newest_ts)
		newest_ts = e->ts_ns;

	switch (e->kind) {
	case XSS_REPLY:
		c = conn_get(e->conn_id, e->domid, e->pid);
		if (c) {
			c->domid = e->domid;
			c->pid = e->pid;
		}
		release_unmatched(e);
		print_reply(e);
		if (e->type == XS_WATCH && !e->err) {
			watch_reply = full;
			watch_reply_last = true;
			return count_reached() ? -ECANCELED : 0;
		}
		break;
	case XSS_WATCH_EVENT:
		if (!e->val[0] && !e->val[1]) {
			print_watch(e, NULL);
			break;
		}
		/* The first event of a new watch is sent right after the
		 * WATCH reply: the record just before this one. */
		if (watch_reply_last && e->conn_id == watch_reply.conn_id &&
		    e->val[0] == watch_reply.conn_id && e->val[1] == watch_reply.req_id) {
			print_watch(e, &watch_reply);
			break;
		}
		release_unmatched(e);
		now = now_ns(CLOCK_MONOTONIC);
		if (hold(&held_watches, e, size, now))
			print_watch(e, NULL);
		break;
	case XSS_TXN_DONE:
		if (e->val[0] == XSS_TXN_DROPPED) {
			print_orphan(e);
			break;
		}
		now = now_ns(CLOCK_MONOTONIC);
		if (hold(&held_txns, e, size, now))
			print_orphan(e);
		break;
	case XSS_QUOTA:
		now = now_ns(CLOCK_MONOTONIC);
		if (hold(&held_quotas, e, size, now))
			print_orphan(e);
		break;
	case XSS_CONN_OPEN: {
		struct snoop_payload comm = snoop_payload_of(e, 0), kind = snoop_payload_of(e, 1);

		conn_forget(e->conn_id);
		c = conn_get(e->conn_id, e->domid, e->pid);
		if (c) {
			/* The daemon passes the client's name as it set it:
			 * any bytes. */
			if (comm.n && !comm.fault)
				snoop_clean(c->comm, sizeof(c->comm), comm.p,
					    strnlen((const char *)comm.p, comm.n));
			if (kind.n && !kind.fault)
				snoop_clean(c->kind, sizeof(c->kind), kind.p,
					    strnlen((const char *)kind.p, kind.n));
			c->uid = e->val[0];
			c->have_uid = true;
		}
		print_extra(e);
		break;
	}
	case XSS_CONN_CLOSE:
		release_conn(e->conn_id);
		print_extra(e);
		conn_forget(e->conn_id);
		break;
	case XSS_DOMAIN_INTRODUCE:
	case XSS_DOMAIN_RELEASE:
		print_extra(e);
		break;
	}
	watch_reply_last = false;
	return count_reached() ? -ECANCELED : 0;
}

/* ------------------------------------------------------------------ */
/* Finding the daemon                                                   */

/*
 * Does this ELF file carry the daemon's USDT probes (a .note.stapsdt note
 * of provider "xenstore")?  That, not the executable's name, says a
 * process is a daemon we can attach to.  Each note's description is three
 * addresses (pc, base, semaphore) and then "provider\0name\0args\0".
 */
static bool elf_has_xenstore_probes(int fd)
{
	bool found = false;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while (!found && (scn = elf_nextscn(elf, scn))) {
		size_t off = 0, name_off, desc_off, addrs;
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *data;
		const char *sname;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".note.stapsdt") != 0)
			continue;
		data = elf_getdata(scn, NULL);
		addrs = gelf_getclass(elf) == ELFCLASS32 ? 3 * 4 : 3 * 8;
		while (data && !found &&
		       (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *desc = (const char *)data->d_buf + desc_off;

			found = nh.n_type == 3 && nh.n_descsz > addrs + 9 &&
				memcmp(desc + addrs, "xenstore", 9) == 0;
		}
	}
out:
	if (elf)
		elf_end(elf);
	return found;
}

/* Executables already looked at, by device and inode: most processes
 * share a few. */
static struct exe_seen {
	dev_t dev;
	ino_t ino;
	bool probes;
} exes_seen[64];
static unsigned nexes_seen;

/* Is pid running a program with the xenstore probes? */
static bool is_xenstored(pid_t pid)
{
	char path[64];
	struct stat st;
	bool probes;
	unsigned i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return false;
	}
	for (i = 0; i < nexes_seen; i++)
		if (exes_seen[i].dev == st.st_dev && exes_seen[i].ino == st.st_ino) {
			close(fd);
			return exes_seen[i].probes;
		}
	probes = elf_has_xenstore_probes(fd);
	close(fd);
	if (nexes_seen < sizeof(exes_seen) / sizeof(exes_seen[0]))
		exes_seen[nexes_seen++] = (struct exe_seen){ st.st_dev, st.st_ino, probes };
	return probes;
}

static pid_t pid_from_file(const char *file)
{
	FILE *f = fopen(file, "r");
	long pid = 0;

	if (!f)
		return 0;
	pid = snoop_read_pid(f);
	fclose(f);
	if (pid && !is_xenstored(pid)) {
		if (env.verbose)
			fprintf(stderr, "%s: ignoring %s: PID %ld is not a running xenstored\n",
				PROG, file, pid);
		pid = 0;
	}
	return pid;
}

/* Inode of the listening Unix socket bound at one of paths[], or 0. */
static unsigned long socket_inode(const char *const *paths, int npaths)
{
	char line[512 + PATH_MAX];
	unsigned long inode = 0;
	FILE *f = fopen("/proc/net/unix", "r");

	if (!f)
		return 0;
	while (!inode && fgets(line, sizeof(line), f)) {
		unsigned long ino;
		char path[PATH_MAX];
		int i;

		if (!snoop_parse_unix_line(line, &ino, path))
			continue;
		for (i = 0; i < npaths; i++)
			if (paths[i] && strcmp(paths[i], path) == 0)
				inode = ino;
	}
	fclose(f);
	return inode;
}

static bool holds_socket(pid_t pid, unsigned long inode)
{
	char dir[64], link[PATH_MAX], want[64], target[64];
	struct dirent *d;
	bool found = false;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	fds = opendir(dir);
	if (!fds)
		return false;
	while (!found && (d = readdir(fds))) {
		ssize_t n;

		snprintf(link, sizeof(link), "%s/%s", dir, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		found = strcmp(target, want) == 0;
	}
	closedir(fds);
	return found;
}

/* Where the system's daemon says its pid: ours by default, Debian's
 * /etc/init.d/xen, Xen's launch-xenstore and xenstored.service. */
static const char *const system_pid_files[] = {
	"/var/run/xenstored.pid", "/run/xenstore.pid", "/var/run/xen/xenstored.pid",
};

/*
 * The daemon to attach to.  When XENSTORED_RUNDIR or XENSTORED_PATH is set
 * (as for the clients), only the daemon they name: the pid file in the run
 * directory, else the process serving that socket.  Otherwise the system
 * one: the first of system_pid_files naming a daemon, else the daemon
 * serving the standard socket, else the only daemon.  A daemon is a
 * process whose program has the xenstore probes, whatever its name.  0,
 * with a one-line message, when there is none or no way to choose.
 */
static pid_t find_daemon(void)
{
	const char *rundir = getenv("XENSTORED_RUNDIR");
	const char *sockenv = getenv("XENSTORED_PATH");
	bool named = rundir || sockenv;
	char pidfile[PATH_MAX], rundir_sock[PATH_MAX];
	const char *socks[4] = { NULL };
	pid_t pid, cand[16], serving = 0;
	unsigned long inode;
	int ncand = 0, i;
	struct dirent *d;
	DIR *proc;

	if (rundir) {
		snprintf(pidfile, sizeof(pidfile), "%s/xenstored.pid", rundir);
		snprintf(rundir_sock, sizeof(rundir_sock), "%s/socket", rundir);
		pid = pid_from_file(pidfile);
		if (pid)
			return pid;
	}
	if (named) {
		socks[0] = sockenv ? sockenv : rundir_sock;
	} else {
		for (i = 0; i < (int)(sizeof(system_pid_files) / sizeof(system_pid_files[0])); i++)
			if ((pid = pid_from_file(system_pid_files[i])))
				return pid;
		socks[0] = "/var/run/xenstored/socket";
		socks[1] = "/run/xenstored/socket";
	}
	inode = socket_inode(socks, 4);

	proc = opendir("/proc");
	if (!proc) {
		fprintf(stderr, "%s: cannot read /proc: %s\n", PROG, strerror(errno));
		return 0;
	}
	while ((d = readdir(proc))) {
		char *end;
		long p = strtol(d->d_name, &end, 10);

		if (*end || p <= 0 || p == getpid() || !is_xenstored(p))
			continue;
		if (inode && !serving && holds_socket(p, inode))
			serving = p;
		if (ncand < 16)
			cand[ncand++] = p;
	}
	closedir(proc);
	if (serving)
		return serving;
	if (named) {
		fprintf(stderr, "%s: no running xenstored found (", PROG);
		if (rundir)
			fprintf(stderr, "no pid file %s, ", pidfile);
		fprintf(stderr, "nothing serves %s): start it, or name it with -p PID\n", socks[0]);
		return 0;
	}
	if (ncand == 1)
		return cand[0];
	if (!ncand) {
		fprintf(stderr, "%s: no running xenstored found (no pid file %s, %s or %s, no "
			"process with xenstore probes): start it, or name it with -p PID\n", PROG,
			system_pid_files[0], system_pid_files[1], system_pid_files[2]);
		return 0;
	}
	fprintf(stderr, "%s: several xenstored processes (PIDs", PROG);
	for (i = 0; i < ncand; i++)
		fprintf(stderr, " %d", cand[i]);
	fprintf(stderr, ") and none serves the standard socket: pick one with -p PID\n");
	return 0;
}

/* ------------------------------------------------------------------ */
/* main                                                                 */

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!env.verbose)
		return 0;
	(void)level;
	return vfprintf(stderr, fmt, args);
}

#define CAP_SYS_ADMIN_BIT 21

static bool have_cap_sys_admin(void)
{
	char line[256];
	bool have = true;	/* cannot tell: let the kernel decide */
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return true;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long caps;

		if (snoop_parse_capeff(line, &caps)) {
			have = caps & (1ULL << CAP_SYS_ADMIN_BIT);
			break;
		}
	}
	fclose(f);
	return have;
}

static void privilege_error(void)
{
	if (geteuid() == 0)
		fprintf(stderr, "%s: attaching to xenstored needs CAP_SYS_ADMIN, which this root "
			"process lacks: run it with full root privileges\n", PROG);
	else
		fprintf(stderr, "%s: attaching to xenstored needs root (CAP_SYS_ADMIN): "
			"run it with sudo\n", PROG);
}

/* Probe hits the kernel did not hand to our programs (it skips a BPF
 * program while another runs on the same CPU): counted per program. */
static unsigned long long kernel_misses(struct xenstore_snoop_bpf *skel)
{
	struct bpf_program *prog;
	unsigned long long misses = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			misses += info.recursion_misses;
	}
	return misses;
}

struct probe {
	const char *name;
	bool required;
	struct bpf_program *prog;
	struct bpf_link **link;
	/* what to attach instead to a daemon without this probe */
	const char *fallback;
	struct bpf_program *fallback_prog;
	struct bpf_link **fallback_link;
};

/* Attaches every probe to the binary exe (/proc/PID/exe: the very inode
 * the daemon runs).  0, or 1 after saying why. */
static int attach_probes(struct xenstore_snoop_bpf *skel, pid_t pid, const char *exe,
			 const char *exe_path)
{
	int err, i;

#define PROBE(probe_name, is_required, prog_name)                                 \
	.name = probe_name, .required = is_required, .prog = skel->progs.prog_name, \
	.link = &skel->links.prog_name
	struct probe probes[] = {
		{ PROBE("reply_record", true, xs_reply_record), .fallback = "reply",
		  .fallback_prog = skel->progs.xs_reply,
		  .fallback_link = &skel->links.xs_reply },
		{ PROBE("watch_event", true, xs_watch_event) },
		{ PROBE("txn_done", false, xs_txn_done) },
		{ PROBE("quota_exceeded", false, xs_quota_exceeded) },
		{ PROBE("conn_open", false, xs_conn_open) },
		{ PROBE("conn_close", false, xs_conn_close) },
		{ PROBE("domain_introduce", false, xs_domain_introduce) },
		{ PROBE("domain_release", false, xs_domain_release) },
	};
#undef PROBE


	for (i = 0; i < (int)(sizeof(probes) / sizeof(probes[0])); i++) {
		struct probe *p = &probes[i];

		/* Each probe site costs ~0.1 s to detach (the kernel
		 * waits for an RCU grace period per uprobe): attach
		 * only what will be shown. */
		if (!env.extra && strncmp(p->name, "domain_", 7) == 0)
			continue;

		/* By /proc/PID/exe: the very inode the daemon runs, even
		 * if build/xenstored was replaced since.  For every
		 * process running it (-1), not the daemon's task alone:
		 * see daemon_tgid in xenstore-snoop.bpf.c. */
		*p->link = bpf_program__attach_usdt(p->prog, -1, exe, "xenstore", p->name,
						    NULL);
		if (*p->link)
			continue;
		err = -errno;
		if (p->fallback && (err == -ENOENT || err == -ESRCH)) {
			*p->fallback_link = bpf_program__attach_usdt(p->fallback_prog, -1,
								     exe, "xenstore",
								     p->fallback, NULL);
			if (*p->fallback_link)
				continue;
		}
		if (err == -EPERM || err == -EACCES) {
			privilege_error();
		} else if (!p->required) {
			fprintf(stderr, "%s: note: %s has no probe xenstore:%s; "
				"its events will not be shown\n", PROG, exe_path, p->name);
			continue;
		} else if (err == -ENOENT || err == -ESRCH) {
			if (kill(pid, 0) && errno == ESRCH)
				fprintf(stderr, "%s: xenstored PID %d exited\n", PROG, pid);
			else
				fprintf(stderr, "%s: PID %d (%s) has no probe xenstore:%s: "
					"not our xenstored, or built with PROBES=0\n",
					PROG, pid, exe_path, p->name);
		} else {
			fprintf(stderr, "%s: attaching to xenstore:%s in PID %d failed: %s "
				"(-v for details)\n", PROG, p->name, pid, strerror(-err));
		}
		return 1;
	}
	return 0;
}

static void detach_probes(struct xenstore_snoop_bpf *skel)
{
	struct bpf_link **links[] = {
		&skel->links.xs_reply_record, &skel->links.xs_reply,
		&skel->links.xs_watch_event, &skel->links.xs_txn_done,
		&skel->links.xs_quota_exceeded, &skel->links.xs_conn_open,
		&skel->links.xs_conn_close, &skel->links.xs_domain_introduce,
		&skel->links.xs_domain_release,
	};

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		bpf_link__destroy(*links[i]);
		*links[i] = NULL;
	}
}

/*
 * Live update: the daemon keeps its pid and execs a new binary.  An exec
 * gives the process a new auxiliary vector (AT_RANDOM, AT_ENTRY... move),
 * so comparing /proc/PID/auxv notices it, even into the same binary.
 */
struct image {
	char auxv[1024];
	ssize_t auxv_len;
	dev_t dev;
	ino_t ino;
};

static int read_image(pid_t pid, struct image *im)
{
	char path[64];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	im->auxv_len = read(fd, im->auxv, sizeof(im->auxv));
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (im->auxv_len < 0 || stat(path, &st) < 0)
		return -1;
	im->dev = st.st_dev;
	im->ino = st.st_ino;
	return 0;
}

/* The daemon exec'd: follow it to its new binary (the probes of the same
 * inode stay attached by themselves). */
static int follow_exec(struct xenstore_snoop_bpf *skel, struct ring_buffer *rb, pid_t pid,
		       const struct image *old, const struct image *now)
{
	char exe[64], path[PATH_MAX];
	ssize_t n;

	ring_buffer__consume(rb);
	if (!exec_record_attached)
		exec_noted(pid);
	if (now->dev == old->dev && now->ino == old->ino)
		return 0;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	n = readlink(exe, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	detach_probes(skel);
	return attach_probes(skel, pid, exe, path);
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = doc,
	};
	struct xenstore_snoop_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	unsigned long long t_start, t_next_summary = 0, t_next_lost = 0, lost, last_lost = 0;
	unsigned long long misses;
	char exe[64], exe_path[PATH_MAX];
	struct image image = { .auxv_len = 0 };
	struct stat pidns;
	static char outbuf[1 << 16];
	pid_t pid;
	int err = 1;
	ssize_t n;

	argp_err_exit_status = 2;	/* a bad command line, as for every other tool here */
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	/* The timeline and the recorder are made of the -j records. */
	if (snoop_tee_wanted(&env.tee)) {
		env.tee.passthrough = env.json;
		env.json = true;
		if (snoop_tee_start(&env.tee))
			return 1;
	}
	libbpf_set_print(print_libbpf);

	if (env.which) {
		pid = env.daemon_pid ? env.daemon_pid : find_daemon();
		if (!pid)
			return 1;
		if (!is_xenstored(pid)) {
			fprintf(stderr, "%s: PID %d is not a xenstored with probes\n", PROG, pid);
			return 1;
		}
		printf("%d\n", pid);
		return 0;
	}
	if (!have_cap_sys_admin()) {
		privilege_error();
		return 1;
	}
	pid = env.daemon_pid ? env.daemon_pid : find_daemon();
	if (!pid)
		return 1;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	n = readlink(exe, exe_path, sizeof(exe_path) - 1);
	if (n < 0) {
		fprintf(stderr, "%s: no process %d to attach to (%s: %s)\n", PROG, pid, exe,
			strerror(errno));
		return 1;
	}
	exe_path[n] = '\0';
	if (env.daemon_pid && !is_xenstored(pid)) {
		fprintf(stderr, "%s: PID %d (%s) is not a xenstored with probes (or was built "
			"with PROBES=0); to show one client's requests, use -P %d\n", PROG, pid,
			exe_path, pid);
		return 1;
	}

	skel = xenstore_snoop_bpf__open();
	if (!skel) {
		fprintf(stderr, "%s: cannot open the BPF object: %s\n", PROG, strerror(errno));
		return 1;
	}
	skel->rodata->filter_domid = env.domid;
	skel->rodata->filter_pid = env.client_pid;
	skel->rodata->filter_types = env.types;
	skel->rodata->errors_only = env.errors;
	skel->rodata->filtering = env.domid >= 0 || env.client_pid >= 0 || env.types || env.errors;
	skel->rodata->wakeup_bytes = (unsigned long long)env.buffer_mb << 18;	/* 1/4 */
	bpf_map__set_max_entries(skel->maps.events, env.buffer_mb << 20);

	if (stat("/proc/self/ns/pid", &pidns)) {
		fprintf(stderr, "%s: cannot find our PID namespace: /proc/self/ns/pid: %s\n", PROG,
			strerror(errno));
		err = 1;
		goto cleanup;
	}
	skel->rodata->daemon_tgid = pid;
	skel->rodata->pidns_dev = pidns.st_dev;
	skel->rodata->pidns_ino = pidns.st_ino;
	err = xenstore_snoop_bpf__load(skel);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			privilege_error();
		else
			fprintf(stderr, "%s: cannot load the BPF programs: %s (-v for details)\n",
				PROG, strerror(-err));
		err = 1;
		goto cleanup;
	}

	if (attach_probes(skel, pid, exe, exe_path)) {
		err = 1;
		goto cleanup;
	}
	traced_pid = pid;
	/* Without it (no tracepoints), an exec is placed by the image poll. */
	skel->links.xs_exec = bpf_program__attach(skel->progs.xs_exec);
	exec_record_attached = skel->links.xs_exec != NULL;

	if (env.stacks) {
		struct stack_opts so = { .daemon = pid, .daemon_exe = exe, .folded = env.folded,
					 .summary = env.summary, .verbose = env.verbose };

		if (snoop_stack_start(&so)) {
			err = 1;
			goto cleanup;
		}
	}

	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "%s: cannot open the ring buffer: %s\n", PROG, strerror(errno));
		err = 1;
		goto cleanup;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, on_signal);
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	/* One thread writes stdout: stdio need not lock it for every byte
	 * (a third of the tool's time per event went to locked putc/printf). */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	realtime_offset_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
	t_start = now_ns(CLOCK_MONOTONIC);
	summary_reset(0);
	if (env.interval)
		t_next_summary = t_start + env.interval * 1000000000ULL;

	if (!env.json && !env.summary)
		print_header();
	fflush(stdout);
	fprintf(stderr, "Attached to xenstored PID %d (%s)%s\n", pid, exe_path,
		env.count || env.duration ? "" : "; Ctrl-C to stop");

	err = 0;
	read_image(pid, &image);
	while (!exiting) {
		struct image current;
		unsigned long long now;
		int r;

		/* Records are submitted without a wakeup (cheaper for the
		 * daemon); a wakeup comes only when the ring fills up, so
		 * poll with a short timeout and drain. */
		r = ring_buffer__poll(rb, 10);
		if (r >= 0)
			r = ring_buffer__consume(rb);
		if (r < 0 && r != -EINTR && r != -ECANCELED) {
			fprintf(stderr, "%s: reading the ring buffer: %s\n", PROG, strerror(-r));
			err = 1;
			break;
		}
		expire_held(false);
		now = now_ns(CLOCK_MONOTONIC);
		lost = skel->bss->lost;
		if (lost != last_lost && now >= t_next_lost) {
			fprintf(stderr, "%s: WARNING: %llu event%s lost so far (ring buffer full; "
				"try -b %u)\n", PROG, lost, plural(lost), env.buffer_mb * 2);
			last_lost = lost;
			t_next_lost = now + 1000000000ULL;
		}
		if (env.interval && now >= t_next_summary) {
			if (env.json)
				print_summary_json(stdout, lost);
			else
				print_summary_text(stdout, lost);
			summary_reset(lost);
			t_next_summary += env.interval * 1000000000ULL;
		}
		if (fflush(stdout) == EOF || ferror(stdout)) {
			output_failed = true;
			break;
		}
		if (env.duration && now - t_start >= env.duration * 1000000000ULL)
			break;
		if (kill(pid, 0) && errno == ESRCH) {
			ring_buffer__consume(rb);
			fprintf(stderr, "%s: xenstored PID %d exited\n", PROG, pid);
			break;
		}
		if (read_image(pid, &current) == 0 && (current.auxv_len != image.auxv_len ||
		    memcmp(current.auxv, image.auxv, (size_t)image.auxv_len))) {
			if (follow_exec(skel, rb, pid, &image, &current)) {
				err = 1;
				break;
			}
			image = current;
		}
	}
	if (exec_note_pending && !output_failed)
		print_exec_note(NULL);

	/* Drain what is in the ring (unless -c is already satisfied), then
	 * release what still waits for a join. */
	if (!output_failed) {
		ring_buffer__consume(rb);
		expire_held(true);
	}
	lost = skel->bss->lost;
	if (env.summary && !output_failed) {
		if (env.json)
			print_summary_json(stdout, lost);
		else
			print_summary_text(stdout, lost);
	}
	snoop_stack_finish(env.summary && !env.json && !output_failed ? stdout : NULL);
	if (fflush(stdout) == EOF)
		output_failed = true;
	fprintf(stderr, "Detached from xenstored PID %d: %lld event%s, %llu lost", pid, printed,
		plural(printed), lost);
	if (skel->bss->faults)
		fprintf(stderr, ", %llu payload%s unreadable", (unsigned long long)skel->bss->faults,
			plural(skel->bss->faults));
	misses = kernel_misses(skel);
	if (misses)
		fprintf(stderr, ", %llu probe hit%s skipped by the kernel", misses, plural(misses));
	fputc('\n', stderr);
	if (lost)
		fprintf(stderr, "%s: %llu event%s lost because the ring buffer was full: "
			"use a bigger one (-b %u)\n", PROG, lost, lost == 1 ? " was" : "s were",
			env.buffer_mb * 2);

cleanup:
	snoop_stack_finish(NULL);
	if (snoop_tee_finish() && !err)
		err = 1;
	ring_buffer__free(rb);
	xenstore_snoop_bpf__destroy(skel);
	return err;
}
