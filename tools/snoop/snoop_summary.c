/*
 * snoop_summary.c - xenstore-snoop -s: what the joined events add up to
 * over a run or an interval (-i): counts and errors per operation, error
 * names, transactions' results, conflicts and duration, quota hits,
 * requests and latency histograms (log2 buckets of microseconds) per
 * operation, domain and client process, and the slowest paths; printed
 * as tables or as one JSON object.  Fed by snoop_output.c with the
 * records it would otherwise print.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hashtab.h"
#include "snoop_conns.h"
#include "snoop_env.h"
#include "snoop_summary.h"

struct keyed_stats {
	struct hashtab_link link;
	unsigned long long key;	/* domid, or pid (guests: 1 << 40 | domid) */
	unsigned domid, pid;
	char comm[SNOOP_COMM_SIZE];
	struct stats s;
};

/* Per domain or per process: src/hashtab.h's table. */
struct stats_map {
	struct hashtab t;
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

void stats_add(struct stats *s, unsigned long long lat_ns, bool err)
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

static uint32_t key_hash(unsigned long long key)
{
	return (uint32_t)((key * 11400714819323198485ULL) >> 32);
}

static struct keyed_stats *keyed_of(const struct hashtab_link *l)
{
	return hashtab_entry(l, struct keyed_stats, link);
}

static uint32_t keyed_rehash(const struct hashtab_link *l)
{
	return key_hash(keyed_of(l)->key);
}

static bool keyed_is(const struct hashtab_link *l, const void *key)
{
	return keyed_of(l)->key == *(const unsigned long long *)key;
}

static struct keyed_stats *stats_map_get(struct stats_map *m, unsigned long long key)
{
	uint32_t h = key_hash(key);
	struct hashtab_link *l;
	struct keyed_stats *k;

	if (!m->t.buckets && hashtab_init(&m->t, 64, 1, keyed_rehash))
		return NULL;
	l = hashtab_find(&m->t, h, keyed_is, &key);
	if (l)
		return keyed_of(l);
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->key = key;
	hashtab_insert(&m->t, &k->link, h);
	return k;
}

static void free_keyed(struct hashtab_link *l)
{
	free(keyed_of(l));
}

static void stats_map_clear(struct stats_map *m)
{
	if (m->t.buckets)
		hashtab_destroy(&m->t, free_keyed);
}

void summary_reset(unsigned long long lost_now)
{
	stats_map_clear(&sum.domains);
	stats_map_clear(&sum.procs);
	memset(&sum, 0, sizeof(sum));
	sum.start_ns = now_ns(CLOCK_MONOTONIC);
	sum.lost_at_start = lost_now;
}

void summary_add_reply(const struct xss_event *e, const char *path, const char *errname)
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

void summary_add_txn(const struct xss_event *e)
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

void summary_add_quota(const struct xss_event *e)
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

struct collect {
	struct keyed_stats *v;
	size_t n;
};

static void collect_one(struct hashtab_link *l, void *ctx)
{
	struct collect *c = ctx;

	c->v[c->n++] = *keyed_of(l);
}

/* The entries of a stats map, most requests first (copies). */
static struct keyed_stats *sorted(const struct stats_map *m, size_t *n)
{
	struct collect c = { calloc(m->t.count ? m->t.count : 1, sizeof(*c.v)), 0 };

	*n = 0;
	if (!c.v)
		return NULL;
	if (m->t.buckets)
		hashtab_foreach(&m->t, collect_one, &c);
	qsort(c.v, c.n, sizeof(*c.v), cmp_keyed);
	*n = c.n;
	return c.v;
}

#define N_PROCS 10

void print_summary_text(FILE *f, unsigned long long lost)
{
	unsigned long long now = now_ns(CLOCK_MONOTONIC);
	double secs = (now - sum.start_ns) / 1e9;
	time_t t = (now + run.realtime_offset_ns) / 1000000000ULL;
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
void print_summary_json(FILE *f, unsigned long long lost)
{
	unsigned long long now = now_ns(CLOCK_MONOTONIC);
	struct keyed_stats *doms, *procs;
	size_t ndoms, nprocs, i;
	bool first = true;

	fprintf(f, "{\"event\":\"summary\",\"time\":%.6f,\"seconds\":%.3f,\"requests\":%llu,"
		"\"errors\":%llu,\"watch_events\":%llu,\"lost\":%llu,\"ops\":{",
		(now + run.realtime_offset_ns) / 1e9, (now - sum.start_ns) / 1e9, sum.requests,
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

void summary_add_watch_event(void)
{
	sum.watch_events++;
	sum.ops[XS_WATCH_EVENT].count++;
}
