/* live_update.c - CONTROL live-update, the exec, and the restart from the
 * state stream (see live_update.h). */
#include "arglist.h"
#include "live_update.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "event.h"
#include "domain_life.h"
#include "hv.h"
#include "log.h"
#include "lu_stream.h"
#include "path.h"
#include "probes.h"
#include "quota.h"
#include "request.h"
#include "ring.h"
#include "txn.h"
#include "unix_socket.h"
#include "watch.h"

#define DEFAULT_RUNDIR "/var/run/xenstored"
/* How often a pending start looks at the transactions again. */
#define RETRY_NS (100 * 1000 * 1000)

struct live_update {
	struct conn *conn;        /* the connection that runs the session */
	char *binary;             /* -f */
	char *cmdline;            /* -c */
	bool started;             /* -s received, reply pending */
	bool force;
	unsigned timeout;         /* seconds */
	time_t started_at;
	struct xs_msg_header req; /* the -s request, answered by the new process */
	struct ev_handler timer_ev;
	int timer_fd;
};

/* Ties a stream to the process that wrote it (LU_REC_TOKEN). */
static uint64_t lu_token;
static int orig_argc;

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}
static char **orig_argv;
/* The new process's options: ours, and those for C (xenstored.c). */
static const struct arglist *next_ours, *next_c;
static int listener_fd = -1;

void live_update_init(int argc, char **argv)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	lu_token = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20);
	orig_argc = argc;
	orig_argv = argv;
}

void live_update_set_listener(int fd)
{
	listener_fd = fd;
}

static const char *rundir(void)
{
	const char *dir = getenv("XENSTORED_RUNDIR");
	return dir && *dir ? dir : DEFAULT_RUNDIR;
}

static int state_path(char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/state_dump", rundir());
	return n > 0 && (size_t)n < size ? 0 : ENAMETOOLONG;
}

/* ==== writing the state ==== */

static void put_perms(struct lu_buf *b, const struct perm *perms, unsigned n)
{
	static const char letters[4] = { 'n', 'r', 'w', 'b' };

	for (unsigned i = 0; i < n; i++) {
		lu_put_u8(b, (uint8_t)letters[perms[i].access & (PERM_READ | PERM_WRITE)]);
		lu_put_u8(b, perms[i].access & PERM_STALE ? LU_PERM_IGNORE : 0);
		lu_put_u16(b, perms[i].domid);
	}
}

static void put_node(struct lu_buf *b, const struct node *n)
{
	size_t rec = lu_begin_record(b, LU_REC_NODE);
	/* conn-id, tx-id, path-len, value-len, access, perm-count */
	uint16_t head[8] = { 0, 0, 0, 0, htole16((uint16_t)(n->path_len + 1)),
			     htole16(n->value_len), 0, htole16(n->nperms) };

	lu_put(b, head, sizeof(head));
	put_perms(b, n->perms, n->nperms);
	lu_put(b, n->path, n->path_len + 1u);
	lu_put(b, node_value(n), n->value_len);
	lu_end_record(b, rec);
}

/* Parents before children, children in creation order (the reader
 * appends each child to its parent's list), iteratively (XSA-418). */
static int put_tree(struct lu_buf *b, const struct store *s)
{
	struct frame { const struct node *n; uint32_t off; } *stack = NULL;
	size_t depth = 0, cap = 0;
	char child[XS_PATH_BUF];
	const struct node *root = store_lookup(s, "/", 1);

	if (!root)
		return 0;
	put_node(b, root);
	for (const struct node *n = root;;) {
		if (n) {
			if (depth == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct frame *p = realloc(stack, ncap * sizeof(*p));
				if (!p) {
					free(stack);
					return ENOMEM;
				}
				stack = p;
				cap = ncap;
			}
			stack[depth++] = (struct frame){ n, 0 };
		}
		if (depth == 0)
			break;
		struct frame *f = &stack[depth - 1];
		if (f->off >= f->n->children_len) {
			depth--;
			n = NULL;
			continue;
		}
		const char *name = f->n->children + f->off;
		size_t nlen = strlen(name), plen = f->n->path_len == 1 ? 0 : f->n->path_len;
		f->off += (uint32_t)nlen + 1;
		n = NULL;
		if (plen + 1 + nlen < sizeof(child)) {
			memcpy(child, f->n->path, plen);
			child[plen] = '/';
			memcpy(child + plen + 1, name, nlen);
			n = store_lookup(s, child, plen + 1 + nlen);
		}
		if (n)
			put_node(b, n);
	}
	free(stack);
	return b->err;
}

static void put_specials(struct lu_buf *b, const struct store *s)
{
	static const char *const names[] = { "@introduceDomain", "@releaseDomain" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct node *n = store_lookup(s, names[i], strlen(names[i]));
		if (n)
			put_node(b, n);
	}
}

static void put_quota_list(struct lu_buf *b, const unsigned *values, const char *const *names,
			   unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		lu_put_u32(b, values[i]);
	for (unsigned i = 0; i < n; i++)
		lu_put(b, names[i], strlen(names[i]) + 1);
}

static void put_global_quota(struct lu_buf *b, const struct quota_set *q)
{
	unsigned values[QUOTA_COUNT + 1];
	const char *names[QUOTA_COUNT + 1];
	size_t rec = lu_begin_record(b, LU_REC_GLOBAL_QUOTA);

	for (int i = 0; i < QUOTA_COUNT; i++) {
		values[i] = q->hard[i];
		names[i] = quota_table[i].name;
	}
	values[QUOTA_COUNT] = q->soft_memory;
	names[QUOTA_COUNT] = "soft-memory";
	lu_put_u16(b, QUOTA_COUNT + 1);
	lu_put_u16(b, 0);
	put_quota_list(b, values, names, QUOTA_COUNT + 1);
	lu_end_record(b, rec);
}

static void put_domain(struct domain *dom, void *arg)
{
	struct lu_buf *b = arg;
	unsigned values[QUOTA_COUNT];
	const char *names[QUOTA_COUNT];
	unsigned n = 0;
	size_t rec;

	for (int i = 0; i < QUOTA_COUNT; i++) {
		if (dom->quota[i] >= 0) {
			values[n] = (unsigned)dom->quota[i];
			names[n++] = quota_table[i].name;
		}
	}
	rec = lu_begin_record(b, LU_REC_DOMAIN);
	lu_put_u16(b, (uint16_t)dom->domid);
	lu_put_u16(b, (uint16_t)n);
	lu_put_u32(b, dom->features_set ? dom->features : 0);
	put_quota_list(b, values, names, n);
	lu_end_record(b, rec);
}

static void put_watches(struct lu_buf *b, const struct conn *c, uint32_t id)
{
	char home[64];
	size_t hlen = path_home(c->domid, home, sizeof(home));

	for (const struct watch *w = c->watches; w; w = w->conn_next) {
		/* As the client registered it: relative paths without the home. */
		const char *path = w->data;
		if (w->relative && w->path_len > hlen + 1)
			path += hlen + 1;
		size_t plen = strlen(path) + 1, tlen = strlen(w->token) + 1;
		size_t rec = lu_begin_record(b, w->depth < 0 ? LU_REC_WATCH : LU_REC_WATCH_EXT);
		lu_put_u32(b, id);
		lu_put_u16(b, (uint16_t)plen);
		lu_put_u16(b, (uint16_t)tlen);
		if (w->depth >= 0) {
			lu_put_u16(b, (uint16_t)w->depth);
			lu_put_u16(b, 0);
		}
		lu_put(b, path, plen);
		lu_put(b, w->token, tlen);
		lu_end_record(b, rec);
	}
}

static void put_conn(struct lu_buf *b, const struct conn *c, uint32_t id, bool ring,
		     unsigned domid, int target, uint32_t evtchn_or_fd,
		     const struct xs_msg_header *ok_for)
{
	static const char ok[] = "OK";
	size_t out = c ? conn_pending_output(c) : 0;
	size_t extra = ok_for ? XS_HEADER_SIZE + sizeof(ok) : 0;
	size_t rec = lu_begin_record(b, LU_REC_CONN);

	lu_put_u32(b, id);
	lu_put_u16(b, ring ? LU_CONN_RING : LU_CONN_SOCKET);
	lu_put_u16(b, 0);
	if (ring) {
		lu_put_u16(b, (uint16_t)domid);
		lu_put_u16(b, target >= 0 ? (uint16_t)target : LU_DOMID_INVALID);
	} else {
		lu_put_u32(b, evtchn_or_fd);
	}
	lu_put_u32(b, ring ? evtchn_or_fd : 0);
	lu_put_u16(b, c ? (uint16_t)c->in_len : 0);
	lu_put_u16(b, c ? (uint16_t)conn_partial_output(c) : 0);
	lu_put_u32(b, (uint32_t)(out + extra));
	if (c && c->in_len)
		lu_put(b, c->in, c->in_len);
	if (c && out)
		lu_put(b, c->out + c->out_off, out);
	if (ok_for) {
		struct xs_msg_header h = *ok_for;
		h.len = sizeof(ok);
		lu_put(b, &h, sizeof(h));
		lu_put(b, ok, sizeof(ok));
	}
	lu_end_record(b, rec);
}

/* Domains introduced without a ring (no backend) are connections too. */
struct ringless {
	struct lu_buf *b;
	unsigned priv;            /* written first, by put_priv_ring */
};

static void put_ringless(struct domain *dom, void *arg)
{
	struct ringless *rl = arg;

	if (dom->introduced && !dom->conn && dom->domid != rl->priv)
		put_conn(rl->b, NULL, 0x80000000u | dom->domid, true, dom->domid, dom->target,
			 dom->evtchn, NULL);
}

/* C xenstored accounts dom0's nodes to dom0's ring connection and
 * crashes without one: a socket-only daemon names a ring it does not
 * have (port 1, what /proc/xen/xsd_port says where there is no Xen). */
static void put_priv_ring(struct lu_buf *b, struct daemon *d)
{
	struct domain *dom = domain_find(&d->model.domains, d->model.priv_domid);

	if (dom && dom->conn)
		return;
	put_conn(b, NULL, 0x80000000u | d->model.priv_domid, true, d->model.priv_domid, -1,
		 dom && dom->evtchn ? dom->evtchn : 1, NULL);
}

int live_update_dump(struct daemon *d, struct lu_buf *b, int socket_fd,
		     const struct conn *lu_conn, const struct xs_msg_header *req_hdr)
{
	struct ringless rl = { b, d->model.priv_domid };
	size_t rec;
	int err;

	lu_put_preamble(b, 1);
	rec = lu_begin_record(b, LU_REC_GLOBAL);
	lu_put_u32(b, (uint32_t)socket_fd);
	lu_put_u32(b, (uint32_t)(d->hv ? d->hv->ops->fd(d->hv) : -1));
	lu_end_record(b, rec);
	rec = lu_begin_record(b, LU_REC_TOKEN);
	lu_put_u32(b, (uint32_t)lu_token);
	lu_put_u32(b, (uint32_t)(lu_token >> 32));
	lu_end_record(b, rec);
	put_global_quota(b, &d->model.quotas);
	/* The privileged domain's ring first, then other rings, then sockets:
	 * C xenstored gives a socket connection dom0's domain when it reads it. */
	put_priv_ring(b, d);
	for (int pass = 0; pass < 3; pass++) {
		for (const struct conn *c = d->conns; c; c = c->next) {
			int port = ring_conn_port(c), fd = unix_client_fd(c);
			const struct xs_msg_header *ok = c == lu_conn ? req_hdr : NULL;
			bool priv_ring = port >= 0 && c->domid == d->model.priv_domid;
			if (port >= 0 && pass == (priv_ring ? 0 : 1))
				put_conn(b, c, c->id, true, c->domid,
					 c->domain ? c->domain->target : -1, (uint32_t)port, ok);
			else if (port < 0 && pass == 2) /* fd -1: a transport without one (tests) */
				put_conn(b, c, c->id, false, 0, -1, (uint32_t)fd, ok);
			else
				continue;
			put_watches(b, c, c->id);
		}
		if (pass == 1)
			domain_foreach(&d->model.domains, put_ringless, &rl);
	}
	if ((err = put_tree(b, &d->model.store)))
		return err;
	put_specials(b, &d->model.store);
	domain_foreach(&d->model.domains, put_domain, b);
	rec = lu_begin_record(b, LU_REC_END);
	(void)rec; /* END has no body and no padding */
	return b->err;
}

/* ==== the control command ==== */

static int reply_text(struct request *r, const char *text)
{
	return reply_str(r, text ? text : "OK");
}

static void session_end(struct daemon *d)
{
	struct live_update *lu = d->lu;

	if (!lu)
		return;
	if (lu->timer_fd >= 0) {
		ev_remove(d->loop, &lu->timer_ev);
		close(lu->timer_fd);
	}
	free(lu->binary);
	free(lu->cmdline);
	free(lu);
	d->lu = NULL;
	/* Connections held back may go on. */
	for (struct conn *c = d->conns, *next; c; c = next) {
		next = c->next;
		conn_release(c);
	}
}

void live_update_conn_closed(struct conn *c)
{
	struct daemon *d = c->daemon;

	if (d->lu && d->lu->conn == c) {
		log_info("live-update: session aborted, its connection closed");
		d->lu->conn = NULL;
		session_end(d);
	}
}

bool live_update_holds(const struct conn *c, const struct xs_msg_header *h)
{
	const struct live_update *lu = c->daemon->lu;

	return lu && lu->started && h->type == XS_TRANSACTION_START && !c->txns;
}

static const char *check_binary(const char *file)
{
	struct stat st;

	if (stat(file, &st) < 0)
		return "File not accessible.";
	if (!S_ISREG(st.st_mode) || !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) ||
	    access(file, X_OK) < 0)
		return "File not executable.";
	return NULL;
}

static int lu_binary_cmd(struct request *r, const char *file)
{
	struct daemon *d = r->daemon;
	const char *why;

	log_info("live-update: binary %s", file);
	if (d->lu)
		return reply_text(r, "live-update session already active.");
	if ((why = check_binary(file)))
		return reply_text(r, why);
	d->lu = calloc(1, sizeof(*d->lu));
	if (!d->lu || !(d->lu->binary = strdup(file))) {
		free(d->lu);
		d->lu = NULL;
		return reply_text(r, "Allocation failure.");
	}
	d->lu->conn = r->conn;
	d->lu->timer_fd = -1;
	return reply_text(r, NULL);
}

static int lu_cmdline_cmd(struct request *r, const char *cmdline)
{
	struct live_update *lu = r->daemon->lu;
	char *copy;

	if (!lu || lu->conn != r->conn)
		return reply_text(r, "Not in live-update session.");
	if (!(copy = strdup(cmdline)))
		return reply_text(r, "Allocation failure.");
	free(lu->cmdline);
	lu->cmdline = copy;
	return reply_text(r, NULL);
}

static int lu_abort_cmd(struct request *r)
{
	log_info("live-update: abort");
	if (!r->daemon->lu)
		return reply_text(r, "No live-update session active.");
	session_end(r->daemon);
	return reply_text(r, NULL);
}

/*
 * The argument list of the new binary: -c's words as given, else the
 * options C xenstored 4.17 takes (it exits on any other, and the store
 * is lost with it); plus -U.  Our own options go along in $OPTIONS_ENV
 * (export_args), which C ignores.
 */
static char **new_argv(const struct live_update *lu)
{
	size_t n = 0, cap = (size_t)orig_argc + 3;
	bool has_u = false;
	char **argv, *save = NULL;

	if (lu->cmdline)
		cap += strlen(lu->cmdline);
	if (next_c)
		cap += next_c->n;
	argv = calloc(cap, sizeof(*argv));
	if (!argv)
		return NULL;
	argv[n++] = lu->binary;
	if (lu->cmdline) {
		for (char *w = strtok_r(lu->cmdline, " \t", &save); w;
		     w = strtok_r(NULL, " \t", &save))
			argv[n++] = w;
	} else if (next_c) {
		for (size_t i = 0; i < next_c->n; i++)
			argv[n++] = next_c->v[i];
	} else {
		for (int i = 1; i < orig_argc; i++)
			argv[n++] = orig_argv[i];
	}
	for (size_t i = 1; i < n; i++)
		has_u |= strcmp(argv[i], "-U") == 0;
	if (!has_u)
		argv[n++] = (char *)"-U";
	argv[n] = NULL;
	return argv;
}

/*
 * $OPTIONS_ENV: the new process's own argument list as the old one
 * exec'd it, then our options in full.  The new process takes them only
 * if its arguments are that list: C passes our environment on, and the
 * variable must not outlive the update it was meant for, unless the
 * update after is C's own without -c (ours -> C -> ours keeps them).
 */
#define OPTIONS_ENV "XENSTORED_LU_OPTIONS"
/* The old process's arguments, for the way back to it (live_update_failed):
 * the new process's own may hold an option only the new binary knows.
 * Prefixed by the $FALLBACK_ENV it belongs to, and with -U. */
#define PREVIOUS_ENV "XENSTORED_LU_PREVIOUS_ARGV"
#define FALLBACK_ENV "XENSTORED_LU_FALLBACK"

static struct arglist taken; /* the argument list taken from $OPTIONS_ENV */

bool live_update_take_options(int *argc, char ***argv)
{
	const char *env = getenv(OPTIONS_ENV);
	struct arglist exec_args = { 0 }, full = { 0 };
	char *copy = env ? strdup(env) : NULL;
	const char *s = copy;
	bool same;

	unsetenv(OPTIONS_ENV);
	if (!s || arglist_decode(&s, &exec_args) || arglist_decode(&s, &full) || *s) {
		same = false;
	} else {
		same = exec_args.n == (size_t)*argc - 1;
		for (size_t i = 0; same && i < exec_args.n; i++)
			same = strcmp(exec_args.v[i], (*argv)[i + 1]) == 0;
	}
	if (same && (arglist_add(&taken, (*argv)[0]) == 0)) {
		for (size_t i = 0; same && i < full.n; i++)
			same = arglist_add(&taken, full.v[i]) == 0;
		same = same && arglist_add(&taken, "-U") == 0;
		if (same) {
			*argc = (int)taken.n;
			*argv = taken.v;
		}
	}
	arglist_free(&exec_args);
	arglist_free(&full);
	free(copy);
	return same;
}

void live_update_set_args(const struct arglist *ours, const struct arglist *for_c)
{
	next_ours = ours;
	next_c = for_c;
}

/* Sets (or clears) the variables the new process reads; 0 or ENOMEM. */
static int export_args(const struct live_update *lu, char **argv)
{
	const char *fallback = getenv(FALLBACK_ENV);
	char *opts = NULL, *prev = NULL;
	struct arglist mine = { 0 };
	size_t argc = 0;
	int err = 0;

	while (argv[argc])
		argc++;
	unsetenv(OPTIONS_ENV);
	unsetenv(PREVIOUS_ENV);
	if (!next_ours)
		return 0;
	if (!lu->cmdline && ((err = arglist_encode(&opts, argv + 1, argc - 1)) ||
			     (err = arglist_encode(&opts, next_ours->v, next_ours->n))))
		goto out;
	if (fallback) {
		err = arglist_add(&mine, orig_argv[0]);
		for (size_t i = 0; !err && i < next_ours->n; i++)
			err = arglist_add(&mine, next_ours->v[i]);
		if (err || (err = arglist_add(&mine, "-U")))
			goto out;
		if (!(prev = malloc(strlen(fallback) + 2))) {
			err = ENOMEM;
			goto out;
		}
		sprintf(prev, "%s|", fallback);
		if ((err = arglist_encode(&prev, mine.v, mine.n)))
			goto out;
	}
	if ((opts && setenv(OPTIONS_ENV, opts, 1)) || (prev && setenv(PREVIOUS_ENV, prev, 1)))
		err = errno;
out:
	if (err) {
		unsetenv(OPTIONS_ENV);
		unsetenv(PREVIOUS_ENV);
	}
	arglist_free(&mine);
	free(opts);
	free(prev);
	return err;
}

static void unexport_args(void)
{
	unsetenv(OPTIONS_ENV);
	unsetenv(PREVIOUS_ENV);
}

/* The old process's argument list, if $PREVIOUS_ENV belongs to the way
 * back in $FALLBACK_ENV; else NULL. */
static char **previous_argv(void)
{
	static struct arglist prev;
	const char *env = getenv(PREVIOUS_ENV), *fallback = getenv(FALLBACK_ENV), *s;
	size_t flen = fallback ? strlen(fallback) : 0;

	if (!env || !fallback || strncmp(env, fallback, flen) || env[flen] != '|')
		return NULL;
	s = env + flen + 1;
	if (arglist_decode(&s, &prev) || *s || !prev.n) {
		arglist_free(&prev);
		return NULL;
	}
	return prev.v;
}

static void set_cloexec(int fd, bool on)
{
	int flags = fd >= 0 ? fcntl(fd, F_GETFD) : -1;

	if (flags >= 0)
		fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
}

/* Every fd the stream names must survive exec. */
static void keep_fds(struct daemon *d, bool keep)
{
	set_cloexec(listener_fd, !keep);
	if (d->hv)
		set_cloexec(d->hv->ops->fd(d->hv), !keep);
	for (struct conn *c = d->conns; c; c = c->next)
		set_cloexec(unix_client_fd(c), !keep);
}

#define TRACED_ENV "XENSTORED_LU_TRACED"
/* How long a new process waits for the tracer of the old one, unless
 * XENSTORED_LU_TRACER_WAIT_MS says otherwise (a loaded host's tracer may
 * need longer to attach; the tests set it so). */
#define TRACER_WAIT_MS 2000
#define TRACER_WAIT_ENV "XENSTORED_LU_TRACER_WAIT_MS"

static int tracer_wait_ms(void)
{
	const char *s = getenv(TRACER_WAIT_ENV);
	char *end;
	long v;

	if (!s || !*s)
		return TRACER_WAIT_MS;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 600000) {
		log_warnx("live-update: ignoring %s=%s (milliseconds, 0 to 600000)",
			 TRACER_WAIT_ENV, s);
		return TRACER_WAIT_MS;
	}
	return (int)v;
}

static bool tracer_attached(void)
{
	return XS_PROBE_ENABLED(reply_record) || XS_PROBE_ENABLED(reply);
}

/* Before its first answer: a tracer that followed the old binary gets
 * the time to attach to this one, so it misses no request (bounded: a
 * tracer that went away must not stop the daemon). */
static void wait_for_tracer(void)
{
	struct timespec ms = { 0, 1000000 };
	int waited = 0, limit;

	if (!getenv(TRACED_ENV))
		return;
	unsetenv(TRACED_ENV);
	limit = tracer_wait_ms();
	while (!tracer_attached() && waited < limit) {
		nanosleep(&ms, NULL);
		waited++;
	}
	log_info("live-update: %s after %d ms", tracer_attached() ? "tracer attached again"
			: "no tracer came back", waited);
}

static int write_file(const char *path, const struct lu_buf *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;
	int err = 0;

	if (fd < 0)
		return errno;
	while (off < b->len) {
		ssize_t n = write(fd, b->data + off, b->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 && !err)
		err = errno;
	return err;
}

/*
 * If the new binary cannot take the state (a stream it refuses, a failure
 * while restoring), it goes back to this one: the old binary stays
 * reachable by an fd (even if its file is replaced), and the state by a
 * memory file, both inherited.  $XENSTORED_LU_FALLBACK = "exe-fd:state-fd:
 * conn-fd" (conn-fd: the socket that asked, -1 if none).  C xenstored
 * ignores it.
 */
#define ERROR_ENV "XENSTORED_LU_ERROR"

struct fallback {
	int exe_fd, state_fd;
};

static void withdraw_fallback(struct fallback *f)
{
	if (f->exe_fd >= 0)
		close(f->exe_fd);
	if (f->state_fd >= 0)
		close(f->state_fd);
	f->exe_fd = f->state_fd = -1;
	unsetenv(FALLBACK_ENV);
}

static struct fallback offer_fallback(const struct lu_buf *b, const struct conn *lu_conn)
{
	struct fallback f = { open("/proc/self/exe", O_PATH), memfd_create("xenstored-state", 0) };
	char env[64];

	if (f.exe_fd < 0 || f.state_fd < 0 || write(f.state_fd, b->data, b->len) != (ssize_t)b->len) {
		log_warn("live-update: no way back to this binary if the new one fails");
		withdraw_fallback(&f);
		return f;
	}
	snprintf(env, sizeof(env), "%d:%d:%d", f.exe_fd, f.state_fd,
		 lu_conn ? unix_client_fd(lu_conn) : -1);
	setenv(FALLBACK_ENV, env, 1);
	return f;
}

static bool parse_fallback_env(int *exe_fd, int *state_fd, int *conn_fd)
{
	const char *env = getenv(FALLBACK_ENV);

	return env && sscanf(env, "%d:%d:%d", exe_fd, state_fd, conn_fd) == 3 && *exe_fd >= 0 &&
	       *state_fd >= 0;
}

/* Closes the fds the environment names if they still are what
 * offer_fallback opened: the variable may have outlived them (another
 * program passed it on), and their numbers may name other files now. */
static void drop_fallback_fds(int exe_fd, int state_fd)
{
	static const char memfd[] = "/memfd:xenstored-state";
	char path[64], target[sizeof(memfd)];
	int flags = fcntl(exe_fd, F_GETFL);
	ssize_t n;

	if (flags >= 0 && (flags & O_PATH))
		close(exe_fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", state_fd);
	n = readlink(path, target, sizeof(target));
	if (n == (ssize_t)sizeof(target) && memcmp(target, memfd, sizeof(memfd) - 1) == 0)
		close(state_fd);
}

/* The head of the state file read (preamble, GLOBAL, our token). */
#define HEAD_LEN 56
static uint8_t file_head[HEAD_LEN];
static size_t file_head_len;

/* The way back, if it belongs to the stream just read: C xenstored keeps
 * our environment (and fds) and passes them on, so an update from C must
 * not go back to a binary that ran before it.  The file read must start
 * as the kept state does past the preamble (its GLOBAL and the token no
 * other writer has), or be a piece of it (a cut file). */
static bool parse_fallback(int *exe_fd, int *state_fd, int *conn_fd)
{
	const char *env = getenv(FALLBACK_ENV);
	uint8_t kept[HEAD_LEN];
	ssize_t n;

	if (!env || !parse_fallback_env(exe_fd, state_fd, conn_fd))
		return false;
	n = pread(*state_fd, kept, sizeof(kept), 0);
	if (n != (ssize_t)sizeof(kept))
		return false;
	if (file_head_len <= 16)
		return memcmp(kept, file_head, file_head_len) == 0;
	return memcmp(kept + 16, file_head + 16, file_head_len - 16) == 0;
}

/* The fds the stream names must reach the old binary open. */
static int keep_named_fd(void *ctx, const struct lu_record *r, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	if (r->type == LU_REC_GLOBAL) {
		set_cloexec(r->u.global.socket_fd, false);
		set_cloexec(r->u.global.evtchn_fd, false);
	} else if (r->type == LU_REC_CONN && r->u.conn.type == LU_CONN_SOCKET) {
		set_cloexec(r->u.conn.fd, false);
	}
	return 0;
}

static int read_fd(int fd, struct lu_state *st)
{
	struct stat sb;
	ssize_t n;

	if (fstat(fd, &sb) < 0 || (size_t)sb.st_size > LU_STREAM_MAX)
		return EINVAL;
	st->len = (size_t)sb.st_size;
	st->data = malloc(st->len ? st->len : 1);
	n = st->data ? pread(fd, st->data, st->len, 0) : -1;
	if (n < 0 || (size_t)n != st->len) {
		free(st->data);
		st->data = NULL;
		return EIO;
	}
	return 0;
}

void live_update_failed(struct daemon *d, const char *why)
{
	int exe_fd, state_fd, conn_fd, rc;
	char **argv;
	struct lu_state st = { 0 };
	uint32_t version;
	char err[256];

	if (!parse_fallback(&exe_fd, &state_fd, &conn_fd) || getenv(ERROR_ENV))
		fatalx("live update: %s", why);
	log_warnx("live update: %s; back to the previous binary", why);
	if (read_fd(state_fd, &st) == 0) {
		lu_stream_parse(st.data, st.len, keep_named_fd, NULL, &version, err, sizeof(err));
		free(st.data);
	}
	setenv(ERROR_ENV, why, 1);
	/* The previous binary binds the hypervisor's events again. */
	if (d->hv && (rc = d->hv->ops->before_exec(d->hv)))
		fatalx("live update: %s; cannot hand the hypervisor back: %s", why, strerror(rc));
	argv = previous_argv();
	fexecve(exe_fd, argv ? argv : orig_argv, environ);
	fatalx("live update: %s; the previous binary did not start either: %s", why,
	       strerror(errno));
}

/* Back from a failed update: the state comes from the memory file, and
 * the connection that asked gets the reason instead of OK. */
static void answer_failure(struct daemon *d, int conn_fd, const char *why)
{
	static const char ok[] = "OK";
	struct xs_msg_header h;
	char text[512];

	for (struct conn *c = d->conns; c; c = c->next) {
		if (unix_client_fd(c) != conn_fd || conn_fd < 0 ||
		    conn_pending_output(c) < sizeof(h) + sizeof(ok))
			continue;
		memcpy(&h, c->out + c->out_len - sizeof(h) - sizeof(ok), sizeof(h));
		if (h.type != XS_CONTROL || h.len != sizeof(ok) ||
		    memcmp(c->out + c->out_len - sizeof(ok), ok, sizeof(ok)))
			continue;
		c->out_len -= sizeof(h) + sizeof(ok);
		snprintf(text, sizeof(text), "Error activating new binary: %s", why);
		conn_queue(c, XS_CONTROL, h.req_id, h.tx_id, text, strlen(text) + 1);
	}
	log_warnx("live-update: the new binary failed (%s); running the previous one", why);
}

/* The signal state the old process had, to go back to if exec fails. */
struct exec_signals {
	sigset_t mask;
	struct sigaction hup;
};

/*
 * The signals as the next binary must find them.  None blocked: a mask
 * survives exec, and C xenstored would never see the SIGTERM our signalfd
 * blocks.  SIGHUP ignored meanwhile: one waiting (logrotate) or coming
 * now must not kill us on the way (both daemons set SIGHUP up again, and
 * the new one opens its logs afresh anyway); ignoring it also discards
 * one pending.  A SIGTERM or SIGINT waiting means stop, not update:
 * EINTR, and the loop reads it.
 */
static int signals_for_exec(struct exec_signals *saved)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigset_t pending, none;

	sigpending(&pending);
	if (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT))
		return EINTR;
	sigaction(SIGHUP, &ignore, &saved->hup);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, &saved->mask);
	return 0;
}

static void signals_after_failed_exec(const struct exec_signals *saved)
{
	sigprocmask(SIG_SETMASK, &saved->mask, NULL);
	sigaction(SIGHUP, &saved->hup, NULL);
}

/* The exec failed after before_exec: take the domain events back, and
 * look for a domain that died while they were unbound. */
static void exec_failed_hv(struct daemon *d)
{
	int err;

	if (!d->hv)
		return;
	if ((err = d->hv->ops->after_failed_exec(d->hv)))
		log_warnx("live-update: domain deaths go unseen: cannot bind their event again: %s",
			  strerror(err));
	domain_check_states(d);
}

/* Writes the state and execs the new binary; returns only on failure,
 * with the reason. */
static const char *activate(struct daemon *d, char *why, size_t size)
{
	struct live_update *lu = d->lu;
	struct lu_buf b = { 0 };
	struct fallback fallback;
	char path[4096];
	char **argv;
	int err;
	struct exec_signals signals;
	bool stopping;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Send what can be sent now: less to carry over. */
	for (struct conn *c = d->conns; c; c = c->next)
		if (c != lu->conn && conn_pending_output(c))
			conn_flush(c);
	if ((err = state_path(path, sizeof(path))) ||
	    (err = live_update_dump(d, &b, listener_fd, lu->conn, &lu->req)) ||
	    (err = write_file(path, &b))) {
		lu_buf_free(&b);
		snprintf(why, size, "Dump state error: %s", strerror(err));
		return why;
	}
	argv = new_argv(lu);
	if (!argv) {
		lu_buf_free(&b);
		return "Allocation failure.";
	}
	log_info("live-update: exec %s (state of %zu bytes written in %.1f ms)", lu->binary, b.len,
		 ms_since(&t0));
	fallback = offer_fallback(&b, lu->conn);
	lu_buf_free(&b);
	if ((err = export_args(lu, argv))) {
		withdraw_fallback(&fallback);
		free(argv);
		unlink(path);
		snprintf(why, size, "Error activating new binary: %s", strerror(err));
		return why;
	}
	keep_fds(d, true);
	/* A tracer (xenstore-snoop) attached to this binary has to attach to
	 * the new one: the new process waits for it before answering. */
	if (tracer_attached())
		setenv(TRACED_ENV, "1", 1);
	/* A SIGTERM that comes between the signals' change and the exec
	 * stops us, as it would stop the next daemon. */
	stopping = signals_for_exec(&signals) == EINTR;
	/* Last before exec: domain events are lost until the next process
	 * binds them (it then scans every domain, as we do if exec fails). */
	err = !stopping && d->hv ? d->hv->ops->before_exec(d->hv) : 0;
	if (!stopping && !err) {
		execv(lu->binary, argv);
		err = errno;
		exec_failed_hv(d);
	}
	if (!stopping)
		signals_after_failed_exec(&signals);
	unsetenv(TRACED_ENV);
	unexport_args();
	withdraw_fallback(&fallback);
	keep_fds(d, false);
	free(argv);
	unlink(path);
	if (stopping)
		snprintf(why, size, "Live update abandoned: the daemon was told to stop");
	else
		snprintf(why, size, "Error activating new binary: %s", strerror(err));
	return why;
}

/* Whole seconds of the monotonic clock: transaction ages are compared as
 * C compares its time() stamps, so the answers agree with C's. */
static time_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static bool may_start(struct daemon *d, time_t now, char *why, size_t size, bool *give_up)
{
	struct live_update *lu = d->lu;
	unsigned total = 0, old = 0;
	int n = 0;

	*give_up = false;
	for (struct conn *c = d->conns; c; c = c->next) {
		for (struct txn *t = c->txns; t; t = t->next) {
			total++;
			old += now - (time_t)(t->start_ns / 1000000000u) >= (time_t)lu->timeout;
		}
	}
	if (total == 0 || (lu->force && old == total))
		return true;
	if (now < lu->started_at + (time_t)lu->timeout)
		return false;
	if (lu->force)
		return true;
	*give_up = true;
	/* C's answer: who holds long transactions, else that they overlap. */
	for (struct conn *c = d->conns; c; c = c->next) {
		time_t oldest = 0;
		for (struct txn *t = c->txns; t; t = t->next)
			if (!oldest || (time_t)(t->start_ns / 1000000000u) < oldest)
				oldest = (time_t)(t->start_ns / 1000000000u);
		if (oldest && now - oldest >= (time_t)lu->timeout && (size_t)n < size) {
			n += snprintf(why + n, size - (size_t)n, "%s\nDomain %u: %lld s",
				      n ? "" : "Domains with long running transactions:", c->domid,
				      (long long)(now - oldest));
		}
	}
	if (n == 0)
		snprintf(why, size, "Overlapping transactions");
	return false;
}

static void answer_start(struct daemon *d, const char *text)
{
	struct live_update *lu = d->lu;

	if (lu->conn)
		conn_queue(lu->conn, XS_CONTROL, lu->req.req_id, lu->req.tx_id, text,
			   strlen(text) + 1);
	log_warnx("live-update: %s", text);
	session_end(d);
}

static void try_start(void *arg, uint32_t events)
{
	struct daemon *d = arg;
	struct live_update *lu = d->lu;
	char why[1024];
	uint64_t ticks;
	bool give_up;

	(void)events;
	if (read(lu->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_warn("live-update timer");
	if (may_start(d, mono_s(), why, sizeof(why), &give_up))
		answer_start(d, activate(d, why, sizeof(why)));
	else if (give_up)
		answer_start(d, why);
}

static int lu_start_cmd(struct request *r, const char **argv, unsigned argc)
{
	struct daemon *d = r->daemon;
	struct live_update *lu = d->lu;
	struct itimerspec its = { .it_value = { 0, 1 }, .it_interval = { 0, RETRY_NS } };
	bool force = false;
	unsigned timeout = 0;

	for (unsigned i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-F") == 0)
			force = true;
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			timeout = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "-v") == 0 && i + 1 < argc)
			i++; /* stream version: we always write 1, which every reader takes */
		else
			return EINVAL;
	}
	log_info("live-update: start, force=%d, to=%u", force, timeout);
	if (!lu || lu->conn != r->conn || lu->started)
		return reply_text(r, "Not in live-update session.");
	lu->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (lu->timer_fd < 0 || ev_add(d->loop, &lu->timer_ev, lu->timer_fd, EPOLLIN, try_start, d) ||
	    timerfd_settime(lu->timer_fd, 0, &its, NULL) < 0) {
		if (lu->timer_fd >= 0)
			close(lu->timer_fd);
		lu->timer_fd = -1;
		return reply_text(r, "Allocation failure.");
	}
	lu->started = true;
	lu->force = force;
	lu->timeout = timeout;
	lu->started_at = mono_s();
	lu->req = r->hdr;
	/* Answered by the new binary, or with the reason it did not start.
	 * Until then this connection takes nothing more. */
	r->no_reply = true;
	r->conn->held = true;
	return 0;
}

int live_update_control(struct request *r, const char **argv, unsigned argc)
{
	if (argc < 1)
		return EINVAL;
	if (strcmp(argv[0], "-a") == 0 && argc == 1)
		return lu_abort_cmd(r);
	if (strcmp(argv[0], "-c") == 0 && argc == 2)
		return lu_cmdline_cmd(r, argv[1]);
	if (strcmp(argv[0], "-f") == 0 && argc == 2)
		return lu_binary_cmd(r, argv[1]);
	if (strcmp(argv[0], "-s") == 0)
		return lu_start_cmd(r, argv + 1, argc - 1);
	return EINVAL;
}

/* ==== the new process ==== */

struct restore {
	struct daemon *d;
	const struct lu_adopt *adopt;
	uint32_t version;
	struct { uint32_t id; struct conn *c; } *conns;
	size_t nconns, cap;
	struct node *last_parent;  /* of the previous node (it never moves: only
				    * its child list grows) */
};

static struct conn *conn_by_id(const struct restore *rs, uint32_t id)
{
	for (size_t i = 0; i < rs->nconns; i++)
		if (rs->conns[i].id == id)
			return rs->conns[i].c;
	return NULL;
}

static int remember_conn(struct restore *rs, uint32_t id, struct conn *c, char *err,
			 size_t errlen)
{
	if (conn_by_id(rs, id)) {
		snprintf(err, errlen, "connection id %u appears twice", id);
		return EINVAL;
	}
	if (rs->nconns == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		void *p = realloc(rs->conns, cap * sizeof(*rs->conns));
		if (!p)
			return ENOMEM;
		rs->conns = p;
		rs->cap = cap;
	}
	rs->conns[rs->nconns].id = id;
	rs->conns[rs->nconns++].c = c;
	return 0;
}

static int restore_conn(struct restore *rs, const struct lu_record *r, char *err,
			size_t errlen)
{
	struct daemon *d = rs->d;
	struct conn *c = NULL;
	struct domain *dom;
	int rc;

	if (r->u.conn.in_len > CONN_IN_BUF || r->u.conn.out_len > d->out_limit_priv) {
		snprintf(err, errlen, "connection %u: %u bytes pending input, %u output: oversized",
			 r->u.conn.id, r->u.conn.in_len, r->u.conn.out_len);
		return EINVAL;
	}
	if (r->u.conn.type == LU_CONN_SOCKET) {
		c = rs->adopt && rs->adopt->socket ? rs->adopt->socket(d, r->u.conn.fd)
						   : unix_adopt_client(d, r->u.conn.fd);
		if (!c) {
			snprintf(err, errlen, "connection %u: fd %d is not a connected socket",
				 r->u.conn.id, r->u.conn.fd);
			return EBADF;
		}
	} else {
		if (r->u.conn.domid >= XS_DOMID_SELF) {
			snprintf(err, errlen, "ring connection of invalid domain %u", r->u.conn.domid);
			return EINVAL;
		}
		rc = domain_restore(d, r->u.conn.domid,
				    r->u.conn.tdomid == LU_DOMID_INVALID ? -1 : (int)r->u.conn.tdomid,
				    r->u.conn.evtchn, &dom);
		if (rc == EEXIST) {
			snprintf(err, errlen, "domain %u has two rings", r->u.conn.domid);
			return EINVAL;
		}
		if (rc)
			return rc;
		c = dom->conn;
	}
	if (c && (rc = conn_restore_buffers(c, r->u.conn.in, r->u.conn.in_len, r->u.conn.out,
					   r->u.conn.out_len, r->u.conn.resp_len)))
		return rc;
	return c ? remember_conn(rs, r->u.conn.id, c, err, errlen) : 0;
}

static int restore_watch(struct restore *rs, const struct lu_record *r, char *err,
			 size_t errlen)
{
	struct conn *c = conn_by_id(rs, r->u.watch.conn_id);
	char path[XS_PATH_BUF];
	struct watch *w;
	bool rel;
	int rc;

	if (!c)
		return 0; /* its connection was not restored (logged there) */
	if (strlen(r->u.watch.path) >= XS_PAYLOAD_MAX ||
	    path_resolve(r->u.watch.path, c->domid, true, path, &rel)) {
		snprintf(err, errlen, "watch of connection %u: invalid path", r->u.watch.conn_id);
		return EINVAL;
	}
	rc = watch_add(&rs->d->model.watches, c, path, rel, r->u.watch.token, r->u.watch.depth, &w);
	if (rc == EEXIST)
		return 0;
	if (!rc && c->domain)
		c->domain->watches++;
	return rc;
}

static unsigned access_bits(uint8_t letter)
{
	switch (letter) {
	case 'r': return PERM_READ;
	case 'w': return PERM_WRITE;
	case 'b': return PERM_READ | PERM_WRITE;
	default: return PERM_NONE;
	}
}

static int restore_node(struct restore *rs, const struct lu_record *r, char *err,
			size_t errlen)
{
	struct store *s = &rs->d->model.store;
	const char *path = r->u.node.path;
	size_t len = strlen(path), plen;
	struct perm perms[LU_MAX_PERMS];
	struct node *n, *parent = NULL;
	char check[XS_PATH_BUF];
	bool rel;

	if (r->u.node.conn_id)
		return 0; /* a transaction's copy: transactions are not carried over */
	if (len >= XS_PAYLOAD_MAX || path_resolve(path, 0, true, check, &rel) || rel ||
	    strcmp(check, path)) {
		snprintf(err, errlen, "node record with invalid path");
		return EINVAL;
	}
	if (path[0] == '@' && strcmp(path, "@introduceDomain") && strcmp(path, "@releaseDomain")) {
		snprintf(err, errlen, "unknown special node %.64s", path);
		return EINVAL;
	}
	if (r->u.node.nperms == 0 || r->u.node.value_len > XS_PAYLOAD_MAX) {
		snprintf(err, errlen, "node %s: %u permissions, %u-byte value", path,
			 r->u.node.nperms, r->u.node.value_len);
		return EINVAL;
	}
	plen = path_parent_len(path, len);
	if (path[0] == '/' && len > 1) {
		/* Siblings come together: the last parent is most often it. */
		parent = rs->last_parent && rs->last_parent->path_len == plen &&
				 memcmp(rs->last_parent->path, path, plen) == 0
			 ? rs->last_parent : store_lookup(s, path, plen);
		rs->last_parent = parent;
		if (!parent) {
			snprintf(err, errlen, "node %s comes before its parent", path);
			return EINVAL;
		}
	}
	for (unsigned i = 0; i < r->u.node.nperms; i++) {
		struct lu_perm p = lu_node_perm(r, i);
		perms[i].domid = p.domid;
		perms[i].access = (uint8_t)(access_bits(p.access) |
					    (p.flags & LU_PERM_IGNORE ? PERM_STALE : 0));
	}
	n = node_new(path, len);
	if (n && r->u.node.value_len) {
		struct node *m = node_set_value(n, r->u.node.value, r->u.node.value_len);
		if (!m)
			node_free(n);
		n = m;
	}
	if (!n || node_set_perms(n, perms, r->u.node.nperms)) {
		node_free(n);
		return ENOMEM;
	}
	if (store_insert_new(s, n)) {
		node_free(n);
		snprintf(err, errlen, "node %.64s appears twice", path);
		return EINVAL;
	}
	if (parent) {
		const char *name = path + plen + (plen > 1);
		return node_add_child(parent, name, len - (size_t)(name - path));
	}
	return 0;
}

static void apply_quotas(struct quota_set *q, long *dom_quota, const uint8_t *values,
			 const char *names, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct lu_quota lq = lu_quota_at(values, names, i);
		enum quota_id id;
		bool soft;

		if (quota_lookup(lq.name, &id, &soft))
			continue; /* another implementation's quota */
		if (dom_quota && !soft)
			dom_quota[id] = lq.value;
		else if (!dom_quota && soft)
			q->soft_memory = lq.value;
		else if (!dom_quota)
			q->hard[id] = lq.value;
	}
}

static int restore_domain(struct restore *rs, const struct lu_record *r, char *err,
			  size_t errlen)
{
	struct domain *dom;

	(void)err;
	(void)errlen;
	/* Any id: a permission list may name (and a node be owned by) any. */
	dom = domain_get(&rs->d->model.domains, r->u.domain.domid, 0);
	if (!dom)
		return ENOMEM;
	dom->known = true;
	if (r->u.domain.features) {
		dom->features = r->u.domain.features & GUEST_FEATURES;
		dom->features_set = true;
		if (dom->conn)
			dom->conn->features = dom->features;
	}
	apply_quotas(&rs->d->model.quotas, dom->quota, r->u.domain.values, r->u.domain.names,
		     r->u.domain.nquota);
	return 0;
}

static int restore_record(void *ctx, const struct lu_record *r, char *err, size_t errlen)
{
	struct restore *rs = ctx;

	switch (r->type) {
	case LU_REC_CONN:
		return restore_conn(rs, r, err, errlen);
	case LU_REC_WATCH:
	case LU_REC_WATCH_EXT:
		return restore_watch(rs, r, err, errlen);
	case LU_REC_NODE:
		return restore_node(rs, r, err, errlen);
	case LU_REC_GLOBAL_QUOTA:
		apply_quotas(&rs->d->model.quotas, NULL, r->u.quota.values, r->u.quota.names,
			     (unsigned)r->u.quota.ndom + r->u.quota.nglobal);
		return 0;
	case LU_REC_DOMAIN:
		return restore_domain(rs, r, err, errlen);
	}
	return 0; /* GLOBAL: taken by live_update_load; TRANSACTION: not carried */
}

static void forget_generation(struct domain *dom, void *arg)
{
	(void)arg;
	/* Every permission in the stream was written for the domain as it
	 * is now (stale ones carry their flag). */
	dom->generation = 0;
}

/* The store starts empty: the stream holds the whole tree. */
static int reset_store(struct daemon *d)
{
	store_account_fn *account = d->model.store.account;
	void *account_ctx = d->model.store.account_ctx;
	int err;

	d->model.store.account = NULL;
	store_destroy(&d->model.store);
	domain_table_destroy(&d->model.domains);
	memset(&d->model.domains, 0, sizeof(d->model.domains));
	if ((err = store_init(&d->model.store)))
		return err;
	d->model.store.account = account;
	d->model.store.account_ctx = account_ctx;
	return 0;
}

int live_update_restore(struct daemon *d, const void *data, size_t len,
			const struct lu_adopt *adopt, char *err, size_t errlen)
{
	struct restore rs = { .d = d, .adopt = adopt };
	int rc;

	if ((rc = reset_store(d)))
		return rc;
	store_reserve(&d->model.store, len / 64); /* ~60 bytes a node record */
	rc = lu_stream_parse(data, len, restore_record, &rs, &rs.version, err, errlen);
	free(rs.conns);
	if (!rc && !store_lookup(&d->model.store, "/", 1)) {
		snprintf(err, errlen, "state stream holds no root node");
		rc = EINVAL;
	}
	domain_foreach(&d->model.domains, forget_generation, NULL);
	return rc;
}

/* Peeks at GLOBAL only: the listener and the backend come first. */
static int take_global(void *ctx, const struct lu_record *r, char *err, size_t errlen)
{
	struct lu_state *st = ctx;

	(void)err;
	(void)errlen;
	if (r->type == LU_REC_GLOBAL) {
		st->socket_fd = r->u.global.socket_fd;
		st->evtchn_fd = r->u.global.evtchn_fd;
	}
	return 0;
}

int live_update_load(struct lu_state *st, char *err, size_t errlen)
{
	char path[4096];
	struct stat sb;
	uint32_t version;
	ssize_t n;
	int fd, rc;

	st->data = NULL;
	st->len = 0;
	st->socket_fd = st->evtchn_fd = -1;
	if (getenv(ERROR_ENV)) {
		int exe_fd, state_fd, conn_fd;
		if (!parse_fallback_env(&exe_fd, &state_fd, &conn_fd) || read_fd(state_fd, st)) {
			snprintf(err, errlen, "no state to go back to");
			return EINVAL;
		}
		return lu_stream_parse(st->data, st->len, take_global, st, &version, err, errlen);
	}
	if ((rc = state_path(path, sizeof(path))))
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		rc = errno;
		snprintf(err, errlen, "no state after live update (%s: %s)", path, strerror(rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if ((size_t)sb.st_size > LU_STREAM_MAX) {
		close(fd);
		snprintf(err, errlen, "state stream of %lld bytes is oversized",
			 (long long)sb.st_size);
		return EFBIG;
	}
	st->len = (size_t)sb.st_size;
	st->data = malloc(st->len ? st->len : 1);
	n = st->data ? read(fd, st->data, st->len) : -1;
	close(fd);
	if (n < 0 || (size_t)n != st->len) {
		free(st->data);
		st->data = NULL;
		snprintf(err, errlen, "cannot read %s", path);
		return EIO;
	}
	unlink(path);
	file_head_len = st->len < HEAD_LEN ? st->len : HEAD_LEN;
	memcpy(file_head, st->data, file_head_len);
	return lu_stream_parse(st->data, st->len, take_global, st, &version, err, errlen);
}

int live_update_apply(struct daemon *d, struct lu_state *st, char *err, size_t errlen)
{
	int exe_fd, state_fd, conn_fd;
	struct timespec t0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = live_update_restore(d, st->data, st->len, NULL, err, errlen);

	free(st->data);
	st->data = NULL;
	if (rc)
		return rc;
	wait_for_tracer();
	if (parse_fallback(&exe_fd, &state_fd, &conn_fd) && getenv(ERROR_ENV))
		answer_failure(d, conn_fd, getenv(ERROR_ENV));
	/* Ours or not: after ours -> C -> ours the variable and the fds are
	 * those of the first ours, which C kept and passed on, and nobody
	 * else will close them (a copy of the state, the old binary). */
	if (parse_fallback_env(&exe_fd, &state_fd, &conn_fd))
		drop_fallback_fds(exe_fd, state_fd);
	unsetenv(ERROR_ENV);
	unsetenv(FALLBACK_ENV);
	/* Send what was pending, take what arrived in the gap. */
	for (struct conn *c = d->conns, *next; c; c = next) {
		next = c->next;
		if (ring_conn_port(c) >= 0)
			ring_conn_event(c);
		else
			conn_writable(c);
	}
	domain_check_states(d);
	log_info("live-update: state restored: %zu nodes, %u connections, %zu watches in %.1f ms",
		 d->model.store.nodes.count, d->nconns, d->model.watches.by_path.count, ms_since(&t0));
	return 0;
}
