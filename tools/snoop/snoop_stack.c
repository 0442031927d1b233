/*
 * snoop_stack.c - xenstore-snoop -U, user side (snoop_stack_api.h).
 */
#include "snoop_stack_api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <pthread.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>

#include "snoop_parse.h"
#include "snoop_pyfind.h"
#include "snoop_stack.h"
#include "snoop_stack.skel.h"
#include "snoop_stack_py.h"
#include "snoop_symbol.h"
#include "snoop_unwind.h"

#define PROG "xenstore-snoop"
#define QUEUE_MAX 256		/* requests waiting per connection */
#define RESULTS 8192		/* joined stacks waiting for the snoop's reply */
#define FRAME_TEXT 256
#define TOP_STACKS 10

/* A request's stack, symbolized as it arrives (its process may be gone
 * a moment later). */
struct client_stack {
	unsigned tgid, type, req_id, tx_id;
	char comm[SNOOP_COMM_SIZE];	/* display form (snoop_clean) */
	char **frames;			/* leaf first */
	unsigned nframes;
	char **py;			/* leaf first, "file:line function" */
	unsigned npy;
};

struct conn_queue {
	unsigned long long sk;		/* the client's tgid << 32 | fd */
	unsigned conn_id;		/* 0 until known */
	bool awaiting;			/* connected, its conn_open not seen yet */
	unsigned tgid;
	struct client_stack *q[QUEUE_MAX];
	unsigned head, n;
};

struct result {
	unsigned conn_id;
	unsigned long long start_ns;
	struct client_stack *s;
};

struct agg {
	char *key;			/* comm;root;...;leaf;XS_OP */
	unsigned long long count, errors, lat_sum, lat_max;
};

static struct {
	struct stack_opts o;
	struct snoop_stack_bpf *skel;
	struct ring_buffer *rb;
	struct conn_queue **queues;
	size_t nqueues;
	struct result results[RESULTS];
	unsigned next_result;
	struct agg *aggs;
	size_t naggs, aggs_cap;
	unsigned long long joined, unjoined;
	char py_ver[16];		/* "3.11": the CPython we know the layout of */
	struct ring_buffer *procs_rb;	/* exec/mmap reports for the Python finder */
	pthread_t py_thread;
	volatile bool py_stop, py_running;
} st;

static void stack_free(struct client_stack *s)
{
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < s->nframes; i++)
		free(s->frames[i]);
	for (i = 0; i < s->npy; i++)
		free(s->py[i]);
	free(s->frames);
	free(s->py);
	free(s);
}

static struct client_stack *symbolize(const struct sst_event *e)
{
	struct client_stack *s = calloc(1, sizeof(*s));
	char buf[FRAME_TEXT];
	int i, n;

	if (!s)
		return NULL;
	s->tgid = e->h.tgid;
	s->type = e->h.type;
	s->req_id = e->h.req_id;
	s->tx_id = e->h.tx_id;
	/* A task names itself: any bytes. */
	snoop_clean(s->comm, sizeof(s->comm), (const unsigned char *)e->comm,
		    strnlen((const char *)e->comm, sizeof(e->comm)));
	n = e->stack_bytes > 0 ? e->stack_bytes / (int)sizeof(e->frames[0]) : 0;
	s->frames = calloc(SST_FRAMES, sizeof(char *));
	/* By call frame information first: it needs no frame pointers. */
	if (s->frames)
		s->nframes = unwind_frames(e, s->frames, SST_FRAMES);
	for (i = 0; s->frames && !s->nframes && i < n && i < SST_FRAMES; i++) {
		const struct sst_frame *f = &e->frames[i];

		if (f->status == 0)
			break;
		/* A frame-pointer walk that left the frames: the rest is noise. */
		if (sym_frame(f->status == 1 ? f->build_id : NULL, f->offset_or_ip, e->h.tgid,
			      i > 0, buf, sizeof(buf)) && i > 0)
			break;
		s->frames[s->nframes] = strdup(buf);
		if (s->frames[s->nframes])
			s->nframes++;
	}
	s->py = calloc(e->npy ? e->npy : 1, sizeof(char *));
	for (i = 0; s->py && i < (int)e->npy && i < SST_PY_FRAMES; i++) {
		const struct sst_pyframe *p = &e->py[i];

		snprintf(buf, sizeof(buf), "%.*s:%u %.*s", SST_PY_FILE, p->file, p->line,
			 SST_PY_NAME, p->func);
		s->py[s->npy] = strdup(buf);
		if (s->py[s->npy])
			s->npy++;
	}
	return s;
}

static struct conn_queue *queue_of_sk(unsigned long long sk, bool create)
{
	struct conn_queue **nv, *q;
	size_t i;

	for (i = 0; i < st.nqueues; i++)
		if (st.queues[i]->sk == sk)
			return st.queues[i];
	if (!create)
		return NULL;
	q = calloc(1, sizeof(*q));
	nv = realloc(st.queues, (st.nqueues + 1) * sizeof(*nv));
	if (!q || !nv) {
		free(q);
		if (nv)
			st.queues = nv;
		return NULL;
	}
	st.queues = nv;
	q->sk = sk;
	/* Creation order is connect order (queue_remove keeps it but for
	 * the moved last entry, which only matters among one process's
	 * simultaneous connects). */
	st.queues[st.nqueues++] = q;
	return q;
}

static void queue_drop_head(struct conn_queue *q)
{
	stack_free(q->q[q->head]);
	q->q[q->head] = NULL;
	q->head = (q->head + 1) % QUEUE_MAX;
	q->n--;
}

static void on_msg(const struct sst_event *e)
{
	struct conn_queue *q = queue_of_sk(e->h.sk, true);
	struct client_stack *s;

	if (!q)
		return;
	q->tgid = e->h.tgid;
	if (q->n == QUEUE_MAX)
		queue_drop_head(q);
	s = symbolize(e);
	if (!s)
		return;
	q->q[(q->head + q->n) % QUEUE_MAX] = s;
	q->n++;
}

static void queue_remove(struct conn_queue *q)
{
	size_t i;

	while (q->n)
		queue_drop_head(q);
	for (i = 0; i < st.nqueues; i++)
		if (st.queues[i] == q) {
			st.queues[i] = st.queues[--st.nqueues];
			break;
		}
	free(q);
}

static void on_connect(const struct sst_hdr *h)
{
	struct conn_queue *q = queue_of_sk(h->sk, false);

	if (q)
		queue_remove(q);	/* the fd was reused unseen */
	q = queue_of_sk(h->sk, true);
	if (!q)
		return;
	q->tgid = h->tgid;
	q->awaiting = true;
}

/* The daemon accepts a client's connections in the order it made them:
 * conn_open(conn_id, pid) is that process's oldest connection waiting
 * for one (queues are kept in the order they were created). */
static void on_conn(const struct sst_hdr *h)
{
	size_t i;

	for (i = 0; i < st.nqueues; i++)
		if (st.queues[i]->conn_id == h->conn_id)
			st.queues[i]->conn_id = 0;	/* a stale binding */
	for (i = 0; i < st.nqueues; i++) {
		struct conn_queue *q = st.queues[i];

		if (q->awaiting && q->tgid == h->tgid) {
			q->awaiting = false;
			q->conn_id = h->conn_id;
			return;
		}
	}
}

static void on_close(const struct sst_hdr *h)
{
	struct conn_queue *q = queue_of_sk(h->sk, false);

	if (q)
		queue_remove(q);
}

static bool head_matches(const struct conn_queue *q, const struct sst_hdr *r)
{
	const struct client_stack *s;

	if (!q->n)
		return false;
	s = q->q[q->head];
	return s->type == r->type && s->req_id == r->req_id && s->tx_id == r->tx_id;
}

/* The queue of a connection made before -U started (adopt_existing):
 * the only one of that client's unbound queues whose oldest request is
 * the one answered (two such: no stack rather than a guess). */
static struct conn_queue *bind_queue(const struct sst_hdr *r)
{
	struct conn_queue *found = NULL;
	size_t i;

	for (i = 0; i < st.nqueues; i++) {
		struct conn_queue *q = st.queues[i];

		if (q->conn_id || q->awaiting || q->tgid != r->tgid || !head_matches(q, r))
			continue;
		if (found)
			return NULL;
		found = q;
	}
	if (found)
		found->conn_id = r->conn_id;
	return found;
}

static void on_reply(const struct sst_hdr *r)
{
	struct conn_queue *q = NULL;
	struct result *res;
	size_t i;

	for (i = 0; i < st.nqueues && !q; i++)
		if (st.queues[i]->conn_id == r->conn_id)
			q = st.queues[i];
	if (!q)
		q = bind_queue(r);
	/* A request written before we attached has no stack: its reply
	 * finds a later request at the head, which waits for its own. */
	if (!q || !head_matches(q, r) || !r->start_ns) {
		st.unjoined++;
		return;
	}
	res = &st.results[st.next_result];
	st.next_result = (st.next_result + 1) % RESULTS;
	stack_free(res->s);
	res->conn_id = r->conn_id;
	res->start_ns = r->start_ns;
	res->s = q->q[q->head];
	q->q[q->head] = NULL;
	q->head = (q->head + 1) % QUEUE_MAX;
	q->n--;
	st.joined++;
}

static int handle(void *ctx, void *data, size_t size)
{
	const struct sst_hdr *h = data;

	(void)ctx;
	if (size < sizeof(*h))
		return 0;
	switch (h->kind) {
	case SST_MSG:
		if (size >= sizeof(struct sst_event))
			on_msg(data);
		break;
	case SST_CONNECT:
		on_connect(h);
		break;
	case SST_CONN:
		on_conn(h);
		break;
	case SST_CLOSE:
		on_close(h);
		break;
	case SST_REPLY:
		on_reply(h);
		break;
	}
	return 0;
}

/* The joined stack of the request e answers (drains our ring first:
 * its records were submitted before the snoop's reply record). */
static const struct client_stack *lookup(const struct xss_event *e)
{
	unsigned long long start;
	unsigned i, k;

	if (!st.rb || !e->lat_ns || e->lat_ns > e->ts_ns)
		return NULL;
	ring_buffer__consume(st.rb);
	start = e->ts_ns - e->lat_ns;
	for (i = 0; i < RESULTS; i++) {
		k = (st.next_result + RESULTS - 1 - i) % RESULTS;
		if (!st.results[k].s)
			return NULL;
		if (st.results[k].conn_id == e->conn_id && st.results[k].start_ns == start)
			return st.results[k].s;
	}
	return NULL;
}

void snoop_stack_text(FILE *f, const struct xss_event *e)
{
	const struct client_stack *s = lookup(e);
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < s->npy; i++)
		fprintf(f, "        py %s\n", s->py[i]);
	for (i = 0; i < s->nframes; i++)
		fprintf(f, "        %s\n", s->frames[i]);
}

static void json_list(FILE *f, const char *name, char **v, unsigned n)
{
	unsigned i;

	fprintf(f, ",\"%s\":[", name);
	for (i = 0; i < n; i++) {
		fputs(i ? "," : "", f);
		snoop_put_json_str(f, v[i]);
	}
	fputc(']', f);
}

void snoop_stack_json(FILE *f, const struct xss_event *e)
{
	const struct client_stack *s = lookup(e);

	if (!s)
		return;
	json_list(f, "stack", s->frames, s->nframes);
	if (s->npy)
		json_list(f, "py_stack", s->py, s->npy);
}

/* comm;root;...;leaf;XS_OP: Python frames for a Python client, else the
 * native ones (';' inside a frame becomes ':'). */
static char *folded_key(const struct client_stack *s, unsigned type)
{
	char **v = s->npy ? s->py : s->frames;
	unsigned n = s->npy ? s->npy : s->nframes, i;
	size_t len = strlen(s->comm) + 32;
	char *key, *p;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	key = malloc(len);
	if (!key)
		return NULL;
	p = key + sprintf(key, "%s", s->comm[0] ? s->comm : "?");
	for (i = n; i-- > 0;)
		p += sprintf(p, ";%s", v[i]);
	sprintf(p, ";%s", snoop_type_name(type));
	for (p = key; *p; p++)
		if (*p == ' ')
			*p = '_';
	return key;
}

void snoop_stack_count(const struct xss_event *e)
{
	const struct client_stack *s = lookup(e);
	struct agg *a = NULL;
	char *key;
	size_t i;

	if (!s || !(key = folded_key(s, e->type)))
		return;
	for (i = 0; i < st.naggs; i++)
		if (strcmp(st.aggs[i].key, key) == 0) {
			a = &st.aggs[i];
			free(key);
			break;
		}
	if (!a) {
		if (st.naggs == st.aggs_cap) {
			size_t ncap = st.aggs_cap ? st.aggs_cap * 2 : 64;
			struct agg *nv = realloc(st.aggs, ncap * sizeof(*nv));

			if (!nv) {
				free(key);
				return;
			}
			st.aggs = nv;
			st.aggs_cap = ncap;
		}
		a = &st.aggs[st.naggs++];
		memset(a, 0, sizeof(*a));
		a->key = key;
	}
	a->count++;
	a->errors += e->err != 0;
	a->lat_sum += e->lat_ns;
	if (e->lat_ns > a->lat_max)
		a->lat_max = e->lat_ns;
}

static int cmp_agg(const void *x, const void *y)
{
	const struct agg *a = x, *b = y;

	return a->count < b->count ? 1 : a->count > b->count ? -1 : strcmp(a->key, b->key);
}

static void print_table(FILE *f)
{
	size_t i;

	qsort(st.aggs, st.naggs, sizeof(*st.aggs), cmp_agg);
	fprintf(f, "\nCLIENT STACKS (which code sends the requests; -U)\n%9s %7s %9s %9s  %s\n",
		"COUNT", "ERRORS", "AVG(us)", "MAX(us)", "COMM;ROOT;...;LEAF;OP");
	for (i = 0; i < st.naggs && i < TOP_STACKS; i++)
		fprintf(f, "%9llu %7llu %9.1f %9.1f  %s\n", st.aggs[i].count, st.aggs[i].errors,
			st.aggs[i].lat_sum / 1000.0 / st.aggs[i].count, st.aggs[i].lat_max / 1000.0,
			st.aggs[i].key);
	if (st.naggs > TOP_STACKS)
		fprintf(f, "(%zu more stacks)\n", st.naggs - TOP_STACKS);
}

static int write_folded(const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;
	int err = 0;

	if (!f) {
		err = errno;
		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, path, strerror(err));
		return err;
	}
	for (i = 0; i < st.naggs; i++)
		fprintf(f, "%s %llu\n", st.aggs[i].key, st.aggs[i].count);
	if (fclose(f))
		err = errno;
	if (err)
		fprintf(stderr, "%s: writing %s: %s\n", PROG, path, strerror(err));
	else
		fprintf(stderr, "%s: %s written (%zu stacks): flamegraph.pl %s > flame.svg, or open "
			"it in https://speedscope.app\n", PROG, path, st.naggs, path);
	return err;
}

/* ---- Python frames: which processes run CPython, and where ---- */

/* CPython's layout is the one of the headers we were built with; the
 * BPF side walks a process's frames when py_runtimes has its _PyRuntime.
 * /usr/bin/python3's is also given as an offset from its code, for a
 * process the finder has not seen yet. */
static void setup_python(struct snoop_stack_bpf *skel)
{
	char path[4096];
	unsigned long long value = 0, exec_vaddr = 0;
	struct sst_pyoffsets off = snoop_py_offsets;
	const char *base;
	ssize_t n;
	int major = 0, minor = 0;

	sscanf(snoop_py_version, "%d.%d", &major, &minor);	/* "3.11.2" */
	snprintf(st.py_ver, sizeof(st.py_ver), "%d.%d", major, minor);
	skel->rodata->py_enabled = true;
	n = readlink("/usr/bin/python3", path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = '\0';
		base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		if (strncmp(base, "python", 6) == 0 && strcmp(base + 6, st.py_ver) == 0 &&
		    !sym_elf_lookup("/usr/bin/python3", "_PyRuntime", &value, &exec_vaddr)) {
			off.runtime_from_start_code = value - exec_vaddr;
			skel->rodata->py_exe = true;
		}
	}
	skel->rodata->py = off;
}

/* Tells the BPF side where process pid keeps _PyRuntime, if it has
 * CPython mapped yet: 0, ENOENT (not yet), or another errno. */
static int py_publish(pid_t pid)
{
	unsigned long long addr;
	unsigned key = (unsigned)pid;
	int err = pyfind_runtime(pid, st.py_ver, &addr);

	if (err)
		return err;
	bpf_map_update_elem(bpf_map__fd(st.skel->maps.py_runtimes), &key, &addr, BPF_ANY);
	return 0;
}

static int py_on_proc(void *ctx, void *data, size_t size)
{
	const struct sst_proc *r = data;
	int pending = bpf_map__fd(st.skel->maps.py_pending);
	unsigned key;
	unsigned char one = 1;

	(void)ctx;
	if (size < sizeof(*r))
		return 0;
	key = r->tgid;
	if (py_publish((pid_t)r->tgid) == 0) {
		bpf_map_delete_elem(pending, &key);
		return 0;
	}
	/* Its dynamic linker has not mapped libpython yet: look again at
	 * its next mmap(); a process that never does stays until it execs. */
	if (r->kind == SST_PROC_EXEC) {
		if (pyfind_wants_python((pid_t)r->tgid, st.py_ver))
			bpf_map_update_elem(pending, &key, &one, BPF_ANY);
		else
			bpf_map_delete_elem(pending, &key);
	}
	return 0;
}

/* The finder's thread: the procs ring is read as records come, so that a
 * Python process is known before its first request (its start-up takes
 * milliseconds; a request printed later would be too late to look). */
static void *py_finder(void *arg)
{
	(void)arg;
	while (!st.py_stop)
		if (ring_buffer__poll(st.procs_rb, 100) < 0 && errno != EINTR)
			break;
	return NULL;
}

/* Every process already running CPython, then the finder's thread. */
static void py_start(void)
{
	struct dirent *d;
	DIR *proc = opendir("/proc");

	while (proc && (d = readdir(proc))) {
		long pid = strtol(d->d_name, NULL, 10);

		if (pid > 0)
			py_publish((pid_t)pid);
	}
	if (proc)
		closedir(proc);
	st.procs_rb = ring_buffer__new(bpf_map__fd(st.skel->maps.procs), py_on_proc, NULL, NULL);
	if (!st.procs_rb || pthread_create(&st.py_thread, NULL, py_finder, NULL)) {
		fprintf(stderr, "%s: -U: note: Python processes started from now on get no "
			"Python frames (no finder thread)\n", PROG);
		return;
	}
	st.py_running = true;
}

static void py_stop(void)
{
	if (st.py_running) {
		st.py_stop = true;
		pthread_join(st.py_thread, NULL);
	}
	ring_buffer__free(st.procs_rb);
}

/* ---- connections made before -U started ---- */

/* The socket inodes a process holds (up to max). */
static size_t socket_inodes(pid_t pid, unsigned long *inodes, size_t max)
{
	char dir[64], link[PATH_MAX], target[64];
	struct dirent *d;
	size_t n = 0;
	DIR *dh;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	dh = opendir(dir);
	if (!dh)
		return 0;
	while (n < max && (d = readdir(dh))) {
		ssize_t k;

		snprintf(link, sizeof(link), "%s/%s", dir, d->d_name);
		k = readlink(link, target, sizeof(target) - 1);
		if (k <= 0)
			continue;
		target[k] = '\0';
		if (sscanf(target, "socket:[%lu]", &inodes[n]) == 1)
			n++;
	}
	closedir(dh);
	return n;
}

static bool in_list(unsigned long v, const unsigned long *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* Unix sockets whose peer is one of the daemon's (sock_diag): the
 * clients' ends of its connections. */
static size_t client_ends(const unsigned long *daemon, size_t nd, unsigned long *out, size_t max)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req req;
	} msg = {
		.nh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = AF_UNIX, .udiag_states = ~0U,
			 .udiag_show = UDIAG_SHOW_PEER },
	};
	static char buf[32768];
	size_t n = 0;
	bool done = false;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd < 0)
		return 0;
	if (send(fd, &msg, sizeof(msg), 0) != sizeof(msg))
		done = true;
	while (!done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (len <= 0)
			break;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			struct unix_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a;
			int alen;

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
			for (a = (struct rtattr *)(m + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen))
				if (a->rta_type == UNIX_DIAG_PEER && n < max &&
				    in_list(*(unsigned *)RTA_DATA(a), daemon, nd))
					out[n++] = m->udiag_ino;
		}
	}
	close(fd);
	return n;
}

/*
 * Connections made before -U started: their client ends, found in
 * /proc/PID/fd, go into the BPF map, so their next requests are cut and
 * stacked; which conn_id each is, bind_queue() learns from the first
 * reply.  A write in progress at this moment is skipped (its first bytes
 * are not a header).
 */
static void adopt_existing(struct snoop_stack_bpf *skel, pid_t daemon)
{
	static unsigned long dsocks[4096], clients[4096];
	size_t nd = socket_inodes(daemon, dsocks, 4096), nc, i;
	struct dirent *d;
	DIR *proc;

	nc = nd ? client_ends(dsocks, nd, clients, 4096) : 0;
	if (!nc || !(proc = opendir("/proc")))
		return;
	while ((d = readdir(proc))) {
		char dir[64], link[PATH_MAX], target[64];
		struct dirent *f;
		long pid = strtol(d->d_name, NULL, 10);
		DIR *fds;

		if (pid <= 0 || pid == daemon)
			continue;
		snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
		fds = opendir(dir);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			unsigned long ino;
			struct framing { unsigned remaining, seq; } fresh = { 0, 0 };
			unsigned long long key;
			struct conn_queue *q;
			ssize_t k;

			snprintf(link, sizeof(link), "%s/%s", dir, f->d_name);
			k = readlink(link, target, sizeof(target) - 1);
			if (k <= 0)
				continue;
			target[k] = '\0';
			if (sscanf(target, "socket:[%lu]", &ino) != 1)
				continue;
			for (i = 0; i < nc && clients[i] != ino; i++)
				;
			if (i == nc)
				continue;
			key = (unsigned long long)pid << 32 | strtoul(f->d_name, NULL, 10);
			bpf_map_update_elem(bpf_map__fd(skel->maps.conns), &key, &fresh, BPF_ANY);
			q = queue_of_sk(key, true);
			if (q)
				q->tgid = (unsigned)pid;
		}
		closedir(fds);
	}
	closedir(proc);
}

/* The paths the daemon listens on (its listening Unix sockets), and the
 * same under /run and /var/run (one is a link to the other). */
static int setup_paths(struct snoop_stack_bpf *skel, pid_t daemon)
{
	char line[512 + PATH_MAX], path[PATH_MAX], link[64], target[64], want[64];
	int n = 0;
	FILE *f = fopen("/proc/net/unix", "r");

	if (!f)
		return 0;
	while (n < SST_PATHS && fgets(line, sizeof(line), f)) {
		unsigned long ino;
		ssize_t k;
		int fd;
		bool held = false;

		if (!snoop_parse_unix_line(line, &ino, path) || strlen(path) >= SST_PATH)
			continue;
		snprintf(want, sizeof(want), "socket:[%lu]", ino);
		for (fd = 0; fd < 1024 && !held; fd++) {
			snprintf(link, sizeof(link), "/proc/%d/fd/%d", daemon, fd);
			k = readlink(link, target, sizeof(target) - 1);
			if (k > 0) {
				target[k] = '\0';
				held = strcmp(target, want) == 0;
			}
		}
		if (!held)
			continue;
		memcpy((char *)skel->rodata->paths[n++], path, strlen(path) + 1);
		if (n < SST_PATHS && strncmp(path, "/var/run/", 9) == 0) {
			memcpy((char *)skel->rodata->paths[n++], path + 4, strlen(path + 4) + 1);
		} else if (n < SST_PATHS && strncmp(path, "/run/", 5) == 0 &&
			   strlen(path) + 4 < SST_PATH) {
			memcpy((char *)skel->rodata->paths[n], "/var", 4);
			memcpy((char *)skel->rodata->paths[n++] + 4, path, strlen(path) + 1);
		}
	}
	fclose(f);
	return n;
}

int snoop_stack_start(const struct stack_opts *o)
{
	struct snoop_stack_bpf *skel;
	struct bpf_link *l;
	int err;

	st.o = *o;
	skel = snoop_stack_bpf__open();
	if (!skel) {
		err = errno;
		fprintf(stderr, "%s: -U: cannot open its BPF object: %s\n", PROG, strerror(err));
		return err;
	}
	st.skel = skel;
	skel->rodata->daemon_tgid = o->daemon;
	if (!setup_paths(skel, o->daemon)) {
		fprintf(stderr, "%s: -U: xenstored PID %d listens on no Unix socket we can see\n",
			PROG, o->daemon);
		return ENOENT;
	}
	setup_python(skel);
	err = snoop_stack_bpf__load(skel);
	if (err) {
		fprintf(stderr, "%s: -U: cannot load its BPF programs: %s (-v for details)\n", PROG,
			strerror(-err));
		return -err;
	}
	err = snoop_stack_bpf__attach(skel);	/* the fentry/fexit programs */
	if (err) {
		fprintf(stderr, "%s: -U: cannot attach to the sys_enter tracepoint: %s\n", PROG,
			strerror(-err));
		return -err;
	}
	l = bpf_program__attach_usdt(skel->progs.stack_conn_open, -1, o->daemon_exe, "xenstore",
				     "conn_open", NULL);
	if (l)
		skel->links.stack_conn_open = l;
	l = bpf_program__attach_usdt(skel->progs.stack_reply_record, -1, o->daemon_exe,
				     "xenstore", "reply_record", NULL);
	if (!l) {
		err = errno;
		fprintf(stderr, "%s: -U needs the daemon's reply_record probe: %s\n", PROG,
			strerror(err));
		return err;
	}
	skel->links.stack_reply_record = l;
	st.rb = ring_buffer__new(bpf_map__fd(skel->maps.stacks), handle, NULL, NULL);
	/* After the attach: a connection made meanwhile is seen twice (its
	 * connect record resets it), never not at all. */
	if (st.rb) {
		adopt_existing(skel, o->daemon);
		py_start();
	}
	if (!st.rb) {
		err = errno;
		fprintf(stderr, "%s: -U: cannot open its ring buffer: %s\n", PROG, strerror(err));
		return err;
	}
	return 0;
}

void snoop_stack_finish(FILE *summary)
{
	size_t i;
	unsigned k;

	if (!st.skel)
		return;
	if (st.rb)
		ring_buffer__consume(st.rb);
	if (st.o.summary && summary)
		print_table(summary);
	if (st.o.folded)
		write_folded(st.o.folded);
	if (st.skel->bss->lost_stacks)
		fprintf(stderr, "%s: -U: %llu stacks lost (their ring buffer was full)\n", PROG,
			(unsigned long long)st.skel->bss->lost_stacks);
	py_stop();
	ring_buffer__free(st.rb);
	snoop_stack_bpf__destroy(st.skel);
	for (i = 0; i < st.nqueues; i++) {
		while (st.queues[i]->n)
			queue_drop_head(st.queues[i]);
		free(st.queues[i]);
	}
	free(st.queues);
	for (k = 0; k < RESULTS; k++)
		stack_free(st.results[k].s);
	for (i = 0; i < st.naggs; i++)
		free(st.aggs[i].key);
	free(st.aggs);
	unwind_cleanup();
	sym_cleanup();
	memset(&st, 0, sizeof(st));
}
