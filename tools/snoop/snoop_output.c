/*
 * snoop_output.c - xenstore-snoop's event lines: a request joined with
 * its reply (and the transaction end or quota hit it caused), a watch
 * event with the request that caused it, a transaction or quota hit
 * whose reply never came, connections and domains (-e), and the note of
 * a live update; as text columns or as JSON lines.  Owns the filters
 * that user space applies (-f, and those the BPF side could not: quota
 * hits and the rare events), -c's count, and hands the events to the
 * summary instead with -s.  What is joined to what is decided by
 * snoop_join.c, which calls these.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snoop_conns.h"
#include "snoop_env.h"
#include "snoop_output.h"
#include "snoop_stack_api.h"
#include "snoop_summary.h"

struct snoop_run run;

static const char *const txn_results[] = {
	"committed", "aborted", "eagain", "failed", "dropped",
};

static const char *txn_result_name(unsigned long long r)
{
	return r < sizeof(txn_results) / sizeof(txn_results[0]) ? txn_results[r] : "unknown";
}

/* -c: has the run printed (or, with -s, counted) all it should? */
bool count_reached(void)
{
	return env.count && run.printed >= env.count;
}

static void count_event(void)
{
	run.printed++;
	if (count_reached())
		run.exiting = 1;
}

/* Columns before OP: [TIME] DOM PID [COMM] TX [LAT(us)] */
void print_header(void)
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
		unsigned long long rt = e->ts_ns + run.realtime_offset_ns;
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
	       "\"comm\":", (e->ts_ns + run.realtime_offset_ns) / 1e9, e->ts_ns, event, e->conn_id,
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

void print_watch(const struct xss_event *w, const struct xss_event *reply)
{
	struct snoop_payload path = snoop_payload_of(w, 0), token = snoop_payload_of(w, 1);
	char p[XSS_DATA_MAX + 1];

	snoop_first_arg(path, p, sizeof(p));
	if (count_reached() || !snoop_path_matches(&env.path, p, w->domid))
		return;
	if (env.summary) {
		summary_add_watch_event();
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

void print_reply(const struct xss_event *e, const struct xss_event *txn,
		 const struct xss_event *quota)
{
	struct snoop_payload req = snoop_payload_of(e, 0), rsp = snoop_payload_of(e, 1);
	char path[XSS_DATA_MAX + 1], errname[24] = "";
	bool has_path = snoop_type_has_path(e->type);

	if (e->flags & XSS_F_CONTEXT) {
		/* Filtered out: it was sent only to name the cause of watch
		 * events, or to close the wait of what it annotates. */
		if (txn)
			print_orphan(txn);
		if (quota)
			print_orphan(quota);
		return;
	}

	snoop_first_arg(req, path, sizeof(path));
	if (env.path.prefix && (!has_path || !snoop_path_matches(&env.path, path, e->domid)))
		return;
	if (count_reached())
		return;
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
		return;
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
void print_orphan(const struct xss_event *orig)
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
void print_extra(const struct xss_event *e)
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


/* Set when the daemon exec'd: the note is printed with the next event,
 * which tells how long the daemon was silent. */
static bool exec_note_pending;
static unsigned long long exec_last_ts;
static char exec_path[PATH_MAX];
static pid_t exec_pid;

static void print_exec_note(const unsigned long long *next_ts);

/* Notes an exec of the daemon, seen by its record or by the image poll. */
void exec_noted(pid_t pid)
{
	char exe[64];
	ssize_t n;

	if (exec_note_pending)
		print_exec_note(NULL);	/* two execs and no event between */
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	n = readlink(exe, exec_path, sizeof(exec_path) - 1);
	exec_path[n > 0 ? n : 0] = '\0';
	exec_pid = pid;
	exec_last_ts = run.newest_ts;
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

void exec_note_before(const struct xss_event *e)
{
	if (exec_note_pending && e->ts_ns > exec_last_ts)
		print_exec_note(&e->ts_ns);
}

void exec_note_flush(void)
{
	if (exec_note_pending)
		print_exec_note(NULL);
}
