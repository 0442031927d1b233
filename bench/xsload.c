/*
 * xsload - xenstore load generator on libxenstore.
 *
 *   XENSTORED_PATH=SOCK xsload [-c CONNS] [-d SECS | -n OPS] [-o OP] [-p BASE]
 *                              [--prefill N] [--watches N] [--pid PID]
 *
 * OP (default read) is one of
 *   read       xs_read of BASE/load/<conn>/r (1 request per op)
 *   write      xs_write of BASE/load/<conn>/w (1 request)
 *   directory  xs_directory of BASE/load/<conn>/d, 10 children (1 request)
 *   txn        start, 10 writes to BASE/load/<conn>/t/k<j>, commit
 *              (12 requests per attempt); a commit failing with EAGAIN is
 *              retried and counted in eagain=
 *   commit     start, one write, commit; reports the mean/median/p99 time
 *              of xs_transaction_end alone (3 requests per op)
 *   none       nothing measured: connects once (a readiness probe), then
 *              only --prefill / --watches (and --pid)
 *
 * Each of CONNS connections is its own thread with its own xs_open handle
 * (XENSTORED_PATH or XENSTORED_RUNDIR selects the daemon and must be set).  Every connection first
 * creates the nodes its op needs, then all start together at a barrier.
 * With -d the run stops after SECS seconds (default 3), with -n after OPS
 * operations per connection.
 *
 * --prefill N   before measuring, creates BASE/fill/<i/1000>/<i> for
 *               i < N, in transactions of 100 writes.
 * --watches N   before measuring, one extra connection registers N watches
 *               on BASE/idle/<i> (which nothing writes) and keeps them for
 *               the whole run.
 * --pid PID     the daemon's pid: reports its CPU time (utime+stime from
 *               /proc/PID/stat, all threads; and utime alone) spent inside
 *               the measured window, per request, and its VmRSS at the end.
 *
 * Output, one line on stdout:
 *   op=read conns=1 ops=... secs=... ops_per_s=... eagain=... reqs=...
 *   errors=0 [commit_us=... commit_p50_us=... commit_p99_us=...]
 *   [prefill=N prefill_secs=...] [watches=N watch_secs=...]
 *   [cpu_s=... cpu_user_s=... cpu_us_per_req=... cpu_user_us_per_req=...
 *   rss_kb=...]
 * ops counts completed operations (for txn: committed transactions), reqs
 * the requests sent in the window (including retried attempts).  The exit
 * status is 1 if any request failed (the first failure goes to stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

enum op { OP_READ, OP_WRITE, OP_DIRECTORY, OP_TXN, OP_COMMIT, OP_NONE };
static const char *const op_names[] = { "read", "write", "directory", "txn", "commit", "none" };

#define TXN_WRITES   10
#define DIR_CHILDREN 10
#define PREFILL_BATCH 100
#define MAX_SAMPLES  100000          /* commit latencies kept per connection */
#define VALUE        "xsload-value"
#define MAX_RETRIES  1000            /* consecutive EAGAINs before giving up */

static enum op op = OP_READ;
static const char *base = "/bench";
static double duration = 3.0;
static long nops = -1;               /* -n: ops per connection, -1 = use -d */
static atomic_bool stop_flag;
static atomic_int failed;
static pthread_barrier_t barrier;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond;     /* signalled on the first failure */

struct worker {
	pthread_t thr;
	int id;
	struct xs_handle *h;
	uint64_t ops, reqs, eagain;
	double lat_sum;                  /* commit: sum of latencies in s */
	double *lat;                     /* commit: first MAX_SAMPLES samples */
	size_t nlat;
	int setup_ok;
};

/*
 * xs_open(0) honours XENSTORED_PATH; XS_OPEN_SOCKETONLY additionally stops
 * libxenstore from falling back to /dev/xen/xenbus, so a benchmark can never
 * hit a real host's store when the test socket is down.
 */
static struct xs_handle *open_handle(void)
{
	return xs_open(XS_OPEN_SOCKETONLY);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Report the first failure only, and make everybody stop. */
static void fail(const char *what, const char *path)
{
	int e = errno;
	if (atomic_fetch_add(&failed, 1) == 0)
		fprintf(stderr, "xsload: %s %s: %s\n", what, path ? path : "", strerror(e));
	pthread_mutex_lock(&stop_lock);
	atomic_store(&stop_flag, true);
	pthread_cond_broadcast(&stop_cond);
	pthread_mutex_unlock(&stop_lock);
}

static bool write_str(struct xs_handle *h, xs_transaction_t t, const char *path,
		      const char *val)
{
	return xs_write(h, t, path, val, strlen(val));
}

/* Create what the op reads or writes, outside the measured window. */
static bool setup(struct worker *w)
{
	char p[256];
	switch (op) {
	case OP_READ:
		snprintf(p, sizeof(p), "%s/load/%d/r", base, w->id);
		return write_str(w->h, XBT_NULL, p, VALUE) || (fail("write", p), false);
	case OP_WRITE:
		snprintf(p, sizeof(p), "%s/load/%d/w", base, w->id);
		return write_str(w->h, XBT_NULL, p, VALUE) || (fail("write", p), false);
	case OP_COMMIT:
		snprintf(p, sizeof(p), "%s/load/%d/c", base, w->id);
		return write_str(w->h, XBT_NULL, p, VALUE) || (fail("write", p), false);
	case OP_DIRECTORY:
		for (int j = 0; j < DIR_CHILDREN; j++) {
			snprintf(p, sizeof(p), "%s/load/%d/d/k%d", base, w->id, j);
			if (!write_str(w->h, XBT_NULL, p, VALUE))
				return fail("write", p), false;
		}
		return true;
	case OP_TXN:
		for (int j = 0; j < TXN_WRITES; j++) {
			snprintf(p, sizeof(p), "%s/load/%d/t/k%d", base, w->id, j);
			if (!write_str(w->h, XBT_NULL, p, VALUE))
				return fail("write", p), false;
		}
		return true;
	case OP_NONE:
		return true;
	}
	return false;
}

/* One transaction of TXN_WRITES writes; false on a hard error. */
static bool one_txn(struct worker *w, char paths[][256])
{
	for (int tries = 0;; tries++) {
		if (tries == MAX_RETRIES)
			return errno = EAGAIN, fail("transaction: too many retries", paths[0]), false;
		xs_transaction_t t = xs_transaction_start(w->h);
		if (t == XBT_NULL)
			return fail("transaction_start", NULL), false;
		w->reqs++;
		bool again = false;
		for (int j = 0; j < TXN_WRITES; j++) {
			w->reqs++;
			if (!write_str(w->h, t, paths[j], VALUE)) {
				if (errno != EAGAIN)
					return fail("write (txn)", paths[j]), false;
				again = true;
				break;
			}
		}
		w->reqs++;
		if (xs_transaction_end(w->h, t, again)) {
			if (!again)
				return true;
		} else if (errno != EAGAIN) {
			return fail("transaction_end", NULL), false;
		}
		w->eagain++;
		if (atomic_load(&stop_flag))
			return false;
	}
}

static bool one_commit(struct worker *w, const char *path)
{
	for (int tries = 0;; tries++) {
		if (tries == MAX_RETRIES)
			return errno = EAGAIN, fail("transaction: too many retries", path), false;
		xs_transaction_t t = xs_transaction_start(w->h);
		if (t == XBT_NULL)
			return fail("transaction_start", NULL), false;
		if (!write_str(w->h, t, path, VALUE)) {
			int e = errno;
			xs_transaction_end(w->h, t, true);
			errno = e;
			return fail("write (txn)", path), false;
		}
		double t0 = now();
		bool ok = xs_transaction_end(w->h, t, false);
		double dt = now() - t0;
		w->reqs += 3;
		if (ok) {
			w->lat_sum += dt;
			if (w->nlat < MAX_SAMPLES)
				w->lat[w->nlat++] = dt;
			return true;
		}
		if (errno != EAGAIN)
			return fail("transaction_end", NULL), false;
		w->eagain++;
		if (atomic_load(&stop_flag))
			return false;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char p[256], tp[TXN_WRITES][256];

	w->setup_ok = setup(w);
	pthread_barrier_wait(&barrier);
	if (!w->setup_ok)
		return NULL;

	switch (op) {
	case OP_READ: snprintf(p, sizeof(p), "%s/load/%d/r", base, w->id); break;
	case OP_WRITE: snprintf(p, sizeof(p), "%s/load/%d/w", base, w->id); break;
	case OP_DIRECTORY: snprintf(p, sizeof(p), "%s/load/%d/d", base, w->id); break;
	case OP_COMMIT: snprintf(p, sizeof(p), "%s/load/%d/c", base, w->id); break;
	case OP_TXN:
		for (int j = 0; j < TXN_WRITES; j++)
			snprintf(tp[j], sizeof(tp[j]), "%s/load/%d/t/k%d", base, w->id, j);
		break;
	case OP_NONE: return NULL;
	}

	while (!atomic_load_explicit(&stop_flag, memory_order_relaxed) &&
	       (nops < 0 || w->ops < (uint64_t)nops)) {
		unsigned int n;
		void *r;
		switch (op) {
		case OP_READ:
			r = xs_read(w->h, XBT_NULL, p, &n);
			w->reqs++;
			if (!r)
				return fail("read", p), NULL;
			free(r);
			break;
		case OP_WRITE:
			w->reqs++;
			if (!write_str(w->h, XBT_NULL, p, VALUE))
				return fail("write", p), NULL;
			break;
		case OP_DIRECTORY:
			r = xs_directory(w->h, XBT_NULL, p, &n);
			w->reqs++;
			if (!r)
				return fail("directory", p), NULL;
			free(r);
			break;
		case OP_TXN:
			if (!one_txn(w, tp))
				return NULL;
			break;
		case OP_COMMIT:
			if (!one_commit(w, p))
				return NULL;
			break;
		case OP_NONE:
			return NULL;
		}
		w->ops++;
	}
	return NULL;
}

/* utime and stime of a process in seconds (all its threads); false if unknown. */
static bool proc_cpu(long pid, double *user, double *sys)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *s = strrchr(buf, ')');     /* comm may contain blanks */
	unsigned long ut, st;
	/* fields after comm: 3 state ... 14 utime 15 stime */
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return false;
	*user = (double)ut / sysconf(_SC_CLK_TCK);
	*sys = (double)st / sysconf(_SC_CLK_TCK);
	return true;
}

static long proc_rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static bool prefill(long count)
{
	struct xs_handle *h = open_handle();
	char p[256];
	if (!h)
		return fail("xs_open", getenv("XENSTORED_PATH")), false;
	for (long i = 0, tries = 0; i < count; tries++) {
		if (tries == MAX_RETRIES)
			return errno = EAGAIN, fail("prefill: too many retries", NULL), xs_close(h), false;
		long end = i + PREFILL_BATCH < count ? i + PREFILL_BATCH : count;
		xs_transaction_t t = xs_transaction_start(h);
		if (t == XBT_NULL)
			return fail("transaction_start (prefill)", NULL), xs_close(h), false;
		bool again = false;
		for (long k = i; k < end; k++) {
			snprintf(p, sizeof(p), "%s/fill/%ld/%ld", base, k / 1000, k);
			if (!write_str(h, t, p, "v")) {
				if (errno != EAGAIN)
					return fail("write (prefill)", p), xs_close(h), false;
				again = true;
				break;
			}
		}
		bool ok = xs_transaction_end(h, t, again);
		if (ok && !again)
			i = end, tries = -1;     /* committed; else retry the batch */
		else if (!ok && errno != EAGAIN)
			return fail("transaction_end (prefill)", NULL), xs_close(h), false;
	}
	xs_close(h);
	return true;
}

static struct xs_handle *register_watches(long count)
{
	struct xs_handle *h = open_handle();
	char p[256], tok[32];
	if (!h)
		return fail("xs_open", getenv("XENSTORED_PATH")), NULL;
	for (long i = 0; i < count; i++) {
		snprintf(p, sizeof(p), "%s/idle/%ld", base, i);
		snprintf(tok, sizeof(tok), "idle%ld", i);
		if (!xs_watch(h, p, tok))
			return fail("watch", p), xs_close(h), NULL;
	}
	return h;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: XENSTORED_PATH=SOCK xsload [-c CONNS] [-d SECS | -n OPS] [-o OP]\n"
		"              [-p BASE] [--prefill N] [--watches N] [--pid PID]\n"
		"  OP: read | write | directory | txn | commit | none (default read)\n"
		"  -c connections (threads), default 1; -d seconds, default 3;\n"
		"  -n ops per connection instead of -d; -p base path, default /bench\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prefill", required_argument, NULL, 'P' },
		{ "watches", required_argument, NULL, 'W' },
		{ "pid", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	int conns = 1, c;
	long prefill_n = 0, watches_n = 0, pid = 0;

	while ((c = getopt_long(argc, argv, "c:d:n:o:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conns = atoi(optarg); break;
		case 'd': duration = atof(optarg); nops = -1; break;
		case 'n': nops = atol(optarg); break;
		case 'p': base = optarg; break;
		case 'P': prefill_n = atol(optarg); break;
		case 'W': watches_n = atol(optarg); break;
		case 'I': pid = atol(optarg); break;
		case 'o':
			for (op = 0; op <= OP_NONE && strcmp(optarg, op_names[op]); op++)
				;
			if (op > OP_NONE) {
				fprintf(stderr, "xsload: unknown op '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || conns < 1 || conns > 4096 || duration <= 0 ||
	    duration > 3600 || prefill_n < 0 || watches_n < 0 || pid < 0 ||
	    (nops < 0 && nops != -1)) {
		usage(stderr);
		return 2;
	}
	if (!getenv("XENSTORED_PATH") && !getenv("XENSTORED_RUNDIR")) {
		fprintf(stderr, "xsload: set XENSTORED_PATH to the daemon's socket\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&stop_cond, &ca);

	if (op == OP_NONE) {                 /* readiness probe: can we connect? */
		struct xs_handle *h = open_handle();
		if (!h)
			return fail("xs_open", getenv("XENSTORED_PATH")), 1;
		xs_close(h);
	}
	double prefill_secs = 0, watch_secs = 0;
	if (prefill_n) {
		double t0 = now();
		if (!prefill(prefill_n))
			return 1;
		prefill_secs = now() - t0;
	}
	struct xs_handle *wh = NULL;
	if (watches_n) {
		double t0 = now();
		if (!(wh = register_watches(watches_n)))
			return 1;
		watch_secs = now() - t0;
	}

	if (op == OP_NONE)
		conns = 0;
	struct worker *ws = calloc(conns ? conns : 1, sizeof(*ws));
	if (!ws)
		return perror("xsload"), 1;
	for (int i = 0; i < conns; i++) {
		ws[i].id = i;
		if (!(ws[i].h = open_handle()))
			return fail("xs_open", getenv("XENSTORED_PATH")), 1;
		if (op == OP_COMMIT && !(ws[i].lat = malloc(MAX_SAMPLES * sizeof(double))))
			return perror("xsload"), 1;
	}
	pthread_barrier_init(&barrier, NULL, conns + 1);
	for (int i = 0; i < conns; i++)
		if (pthread_create(&ws[i].thr, NULL, worker_main, &ws[i]))
			return perror("pthread_create"), 1;
	pthread_barrier_wait(&barrier);

	/* The measured window: from the barrier to the last worker's exit. */
	double u0 = 0, s0 = 0, u1 = 0, s1 = 0;
	bool cpu_ok = pid && proc_cpu(pid, &u0, &s0);
	double t0 = now();
	if (nops < 0 && conns) {
		/* Sleep for the duration, or until a worker fails. */
		struct timespec end;
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += (time_t)duration;
		end.tv_nsec += (long)((duration - (time_t)duration) * 1e9);
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&stop_lock);
		while (!atomic_load(&stop_flag) &&
		       pthread_cond_timedwait(&stop_cond, &stop_lock, &end) != ETIMEDOUT)
			;
		atomic_store(&stop_flag, true);
		pthread_mutex_unlock(&stop_lock);
	}
	uint64_t ops = 0, reqs = 0, eagain = 0;
	double lat_sum = 0;
	size_t nlat = 0;
	for (int i = 0; i < conns; i++) {
		pthread_join(ws[i].thr, NULL);
		ops += ws[i].ops;
		reqs += ws[i].reqs;
		eagain += ws[i].eagain;
		lat_sum += ws[i].lat_sum;
		nlat += ws[i].nlat;
	}
	double secs = now() - t0;
	cpu_ok = cpu_ok && proc_cpu(pid, &u1, &s1);

	printf("op=%s conns=%d ops=%" PRIu64 " secs=%.3f ops_per_s=%.0f eagain=%" PRIu64
	       " reqs=%" PRIu64 " errors=%d",
	       op_names[op], conns, ops, secs, secs > 0 ? ops / secs : 0.0, eagain, reqs,
	       atomic_load(&failed));
	if (op == OP_COMMIT && nlat) {
		double *all = malloc(nlat * sizeof(double));
		size_t k = 0;
		if (!all)
			return perror("xsload"), 1;
		for (int i = 0; i < conns; i++) {
			memcpy(all + k, ws[i].lat, ws[i].nlat * sizeof(double));
			k += ws[i].nlat;
		}
		qsort(all, nlat, sizeof(double), cmp_double);
		printf(" commit_us=%.1f commit_p50_us=%.1f commit_p99_us=%.1f",
		       lat_sum / ops * 1e6, all[nlat / 2] * 1e6, all[nlat * 99 / 100] * 1e6);
		free(all);
	}
	if (prefill_n)
		printf(" prefill=%ld prefill_secs=%.2f", prefill_n, prefill_secs);
	if (watches_n)
		printf(" watches=%ld watch_secs=%.2f", watches_n, watch_secs);
	if (pid) {
		if (cpu_ok)
			printf(" cpu_s=%.2f cpu_user_s=%.2f cpu_us_per_req=%.2f"
			       " cpu_user_us_per_req=%.2f", u1 + s1 - u0 - s0, u1 - u0,
			       reqs ? (u1 + s1 - u0 - s0) / reqs * 1e6 : 0.0,
			       reqs ? (u1 - u0) / reqs * 1e6 : 0.0);
		printf(" rss_kb=%ld", proc_rss_kb(pid));
	}
	printf("\n");
	fflush(stdout);

	for (int i = 0; i < conns; i++) {
		xs_close(ws[i].h);
		free(ws[i].lat);
	}
	if (wh)
		xs_close(wh);
	free(ws);
	return atomic_load(&failed) ? 1 : 0;
}
