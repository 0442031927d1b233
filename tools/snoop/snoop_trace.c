/*
 * snoop_trace.c - the timeline (snoop_timeline.h) as Chrome trace-event
 * JSON, which Perfetto's UI (ui.perfetto.dev) and chrome://tracing open.
 *
 * Layout: process 1 is the daemon (one thread: the requests it served,
 * in its serial order); every client is a process of its own, named
 * "dom0 pid 1234 xenstore-write" or "dom6 (guest)", with a thread per
 * connection (its requests, slices from arrival to reply) and a thread
 * per connection for the watch events it received.  Transactions are
 * async slices ("b"/"e") over their requests, named for their outcome.
 * Flow arrows ("s"/"f", category "watch") join the request that caused a
 * watch event to the event, and ("response") the event to the watcher's
 * next request.  Times are microseconds from the first record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snoop_timeline.h"

#define DAEMON_PID 1
#define CLIENT_PID0 10		/* client track i is process CLIENT_PID0 + i */
#define EVENT_TID0 1000000	/* the watch-event thread of connection c */
#define EVENT_DUR_US 1.0	/* a watch event is drawn this wide */

struct out {
	FILE *f;
	const struct timeline *tl;
	bool first;
	unsigned long long flow_id;
};

static double us(const struct out *o, unsigned long long ns)
{
	return ns >= o->tl->t0 ? (ns - o->tl->t0) / 1000.0 : 0;
}

/* Opens one trace event: {"ph":..,"pid":..,"tid":..,"ts":..; the caller
 * adds the rest and closes it with end(). */
static void begin(struct out *o, const char *ph, unsigned pid, unsigned tid, double ts)
{
	fprintf(o->f, "%s\n{\"ph\":\"%s\",\"pid\":%u,\"tid\":%u,\"ts\":%.3f", o->first ? "" : ",",
		ph, pid, tid, ts);
	o->first = false;
}

static void end(struct out *o)
{
	putc('}', o->f);
}

static void kv_str(struct out *o, const char *key, const char *val)
{
	fprintf(o->f, ",\"%s\":", key);
	tl_put_json_str(o->f, val);
}

static void meta(struct out *o, unsigned pid, unsigned tid, const char *what, const char *name,
		 long sort)
{
	begin(o, "M", pid, tid, 0);
	kv_str(o, "name", what);
	fputs(",\"args\":{\"name\":", o->f);
	tl_put_json_str(o->f, name);
	fputs("}", o->f);
	end(o);
	if (sort < 0)
		return;
	begin(o, "M", pid, tid, 0);
	kv_str(o, "name", tid ? "thread_sort_index" : "process_sort_index");
	fprintf(o->f, ",\"args\":{\"sort_index\":%ld}", sort);
	end(o);
}

static unsigned client_pid(const struct tl_event *e)
{
	return CLIENT_PID0 + (unsigned)e->track;
}

/* A thread per connection seen, and one per connection that got events:
 * named once each (few connections, so a list does). */
static void write_metadata(struct out *o)
{
	const struct timeline *tl = o->tl;
	struct { size_t track; unsigned tid; } *named = NULL;
	size_t nnamed = 0, i, j;
	char label[96];

	meta(o, DAEMON_PID, 0, "process_name", "xenstored", 0);
	meta(o, DAEMON_PID, 1, "thread_name", "requests served", -1);
	for (i = 0; i < tl->ntracks; i++) {
		timeline_track_label(&tl->tracks[i], label, sizeof(label));
		meta(o, CLIENT_PID0 + (unsigned)i, 0, "process_name", label, (long)i + 1);
	}
	for (i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];
		bool event = e->kind == TL_WATCH_EVENT;
		unsigned tid = event ? EVENT_TID0 + e->conn : e->conn;
		void *nv;

		for (j = 0; j < nnamed; j++)
			if (named[j].track == e->track && named[j].tid == tid)
				break;
		if (j < nnamed)
			continue;
		nv = realloc(named, (nnamed + 1) * sizeof(*named));
		if (!nv)
			break;	/* unnamed threads are still drawn */
		named = nv;
		named[nnamed].track = e->track;
		named[nnamed++].tid = tid;
		snprintf(label, sizeof(label), event ? "conn %u watch events" : "conn %u", e->conn);
		meta(o, client_pid(e), tid, "thread_name", label, -1);
	}
	free(named);
}

static void request_args(struct out *o, const struct tl_event *e)
{
	fprintf(o->f, ",\"args\":{\"conn\":%u,\"req_id\":%u,\"tx\":%u", e->conn, e->req_id, e->tx);
	kv_str(o, "request", e->request);
	kv_str(o, "reply", e->reply);
	kv_str(o, "error", e->error);
	fprintf(o->f, ",\"arrival_us\":%.3f,\"latency_us\":%.3f", us(o, e->start_ns),
		(e->end_ns - e->start_ns) / 1000.0);
	if (e->quota)
		kv_str(o, "quota", e->quota);
	if (e->stack)
		kv_str(o, "stack", e->stack);
	fputc('}', o->f);
}

static void write_request(struct out *o, const struct tl_event *e)
{
	char label[320], who[96];

	timeline_event_label(e, label, sizeof(label));
	begin(o, "X", client_pid(e), e->conn, us(o, e->shown_ns));
	fprintf(o->f, ",\"dur\":%.3f", (e->end_ns - e->shown_ns) / 1000.0);
	kv_str(o, "name", label);
	kv_str(o, "cat", e->error ? "request,error" : "request");
	request_args(o, e);
	end(o);

	/* The daemon's side: it serves one request at a time. */
	timeline_track_label(&o->tl->tracks[e->track], who, sizeof(who));
	begin(o, "X", DAEMON_PID, 1, us(o, e->shown_ns));
	fprintf(o->f, ",\"dur\":%.3f", (e->end_ns - e->shown_ns) / 1000.0);
	snprintf(label + strlen(label), sizeof(label) - strlen(label), " (%s)", who);
	kv_str(o, "name", label);
	kv_str(o, "cat", "served");
	request_args(o, e);
	end(o);
}

/* Async ids are the record's index: a transaction id is the daemon's,
 * and a recording may hold two of one connection with the same id. */
static void write_txn(struct out *o, const struct tl_event *e)
{
	char name[320];
	unsigned long long id = (unsigned long long)(e - o->tl->ev) + 1;

	if (e->conflict)
		snprintf(name, sizeof(name), "txn %u %s (conflict on %s)", e->tx,
			 e->txn_result ? e->txn_result : "?", e->conflict);
	else
		snprintf(name, sizeof(name), "txn %u %s", e->tx, e->txn_result ? e->txn_result : "?");
	begin(o, "b", client_pid(e), e->conn, us(o, e->txn_start_ns));
	kv_str(o, "name", name);
	fprintf(o->f, ",\"cat\":\"txn\",\"id\":\"0x%llx\"", id);
	fputs(",\"args\":{", o->f);
	fprintf(o->f, "\"tx\":%u,\"ops\":%llu,\"nodes\":%llu", e->tx, e->txn_ops, e->txn_nodes);
	kv_str(o, "result", e->txn_result);
	kv_str(o, "conflict", e->conflict);
	fputc('}', o->f);
	end(o);
	begin(o, "e", client_pid(e), e->conn, us(o, e->end_ns));
	kv_str(o, "name", name);
	fprintf(o->f, ",\"cat\":\"txn\",\"id\":\"0x%llx\"", id);
	end(o);
}

static void write_watch_event(struct out *o, const struct tl_event *e)
{
	char label[320];

	timeline_event_label(e, label, sizeof(label));
	begin(o, "X", client_pid(e), EVENT_TID0 + e->conn, us(o, e->start_ns));
	fprintf(o->f, ",\"dur\":%.3f", EVENT_DUR_US);
	kv_str(o, "name", label);
	kv_str(o, "cat", "watch_event");
	fprintf(o->f, ",\"args\":{\"conn\":%u", e->conn);
	kv_str(o, "path", e->path);
	kv_str(o, "token", e->token);
	if (e->has_cause)
		fprintf(o->f, ",\"cause_conn\":%u,\"cause_req_id\":%u", e->cause_conn, e->cause_req);
	fputc('}', o->f);
	end(o);
}

/* One arrow: "s" inside the source slice, "f" (bound to the enclosing
 * slice, "bp":"e") inside the destination. */
static void flow(struct out *o, const char *cat, unsigned spid, unsigned stid, double sts,
		 unsigned dpid, unsigned dtid, double dts)
{
	unsigned long long id = ++o->flow_id;

	begin(o, "s", spid, stid, sts);
	fprintf(o->f, ",\"name\":\"%s\",\"cat\":\"%s\",\"id\":%llu", cat, cat, id);
	end(o);
	begin(o, "f", dpid, dtid, dts);
	fprintf(o->f, ",\"name\":\"%s\",\"cat\":\"%s\",\"id\":%llu,\"bp\":\"e\"", cat, cat, id);
	end(o);
}

static void write_flows(struct out *o, const struct tl_event *w)
{
	const struct timeline *tl = o->tl;
	double at = us(o, w->start_ns);

	if (w->cause >= 0) {
		const struct tl_event *c = &tl->ev[w->cause];

		flow(o, "watch", client_pid(c), c->conn, us(o, c->shown_ns), client_pid(w),
		     EVENT_TID0 + w->conn, at);
	}
	if (w->response >= 0) {
		const struct tl_event *r = &tl->ev[w->response];

		flow(o, "response", client_pid(w), EVENT_TID0 + w->conn, at, client_pid(r),
		     r->conn, us(o, r->shown_ns));
	}
}

static void write_other(struct out *o, const struct tl_event *e)
{
	char label[320];
	bool daemon = e->kind == TL_DOMAIN_INTRODUCE || e->kind == TL_DOMAIN_RELEASE;

	timeline_event_label(e, label, sizeof(label));
	begin(o, "i", daemon ? DAEMON_PID : client_pid(e), daemon ? 1 : e->conn,
	      us(o, e->start_ns));
	fputs(",\"s\":\"t\"", o->f);
	kv_str(o, "name", label);
	kv_str(o, "cat", "connection");
	end(o);
}

int timeline_write_trace(struct timeline *tl, FILE *f)
{
	struct out o = { .f = f, .tl = tl, .first = true };
	size_t i;

	timeline_resolve(tl);
	fputs("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"source\":\"xenstore-snoop\"},"
	      "\"traceEvents\":[", f);
	write_metadata(&o);
	for (i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];

		switch (e->kind) {
		case TL_REQUEST:
			write_request(&o, e);
			if (e->has_txn)
				write_txn(&o, e);
			break;
		case TL_WATCH_EVENT:
			write_watch_event(&o, e);
			write_flows(&o, e);
			break;
		case TL_TXN_DONE:
			write_txn(&o, e);
			break;
		default:
			write_other(&o, e);
			break;
		}
	}
	fputs("\n]}\n", f);
	return fflush(f) || ferror(f) ? EIO : 0;
}
