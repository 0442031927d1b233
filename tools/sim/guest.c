/* guest.c - `xenstore-sim guest`: requests as domain N over its ring,
 * printed as "REQUEST -> RESULT" lines, watch events as "event PATH TOKEN". */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "simguest.h"

struct guest {
	struct simguest g;
	uint32_t next_req;
	uint32_t tx;
	bool stop_on_error;
	int errors;
	unsigned long flooded;    /* requests sent by flood, not yet drained */
	uint32_t flood_first;     /* req_id of the first of them */
};

int guest_main(const char *dir, int argc, char **argv);

static void print_payload(const char *p, size_t len, char sep)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch == '\0') {
			if (i + 1 < len)
				putchar(sep);
		} else if (ch < 32 || ch > 126) {
			printf("\\x%02x", ch);
		} else {
			putchar(ch);
		}
	}
}

static void print_event(const struct simmsg *m)
{
	const char *token = m->body + strlen(m->body) + 1;
	printf("event %s %s\n", m->body, token);
}

/* Sends one request and returns its reply; watch events that arrive
 * meanwhile are printed as they come. */
static int transact(struct guest *st, uint32_t type, const void *payload, size_t len,
		    struct simmsg *reply)
{
	uint32_t req = ++st->next_req;
	int err = simguest_send(&st->g, type, req, st->tx, payload, len);

	while (!err) {
		err = simguest_recv(&st->g, reply);
		if (err)
			break;
		if (reply->hdr.type == XS_WATCH_EVENT) {
			print_event(reply);
			continue;
		}
		if (reply->hdr.req_id == req)
			return 0;
	}
	return err;
}

/* Builds "a\0b\0..." from words. */
static size_t join(char *out, size_t size, char **words, int n, bool last_is_raw)
{
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		size_t w = strlen(words[i]);
		if (len + w + 1 > size)
			break;
		memcpy(out + len, words[i], w);
		len += w;
		if (!(last_is_raw && i == n - 1))
			out[len++] = '\0';
	}
	return len;
}

static const struct {
	const char *name;
	uint32_t type;
	int min_args;
	bool raw_value; /* last argument is a value without NUL (WRITE) */
} simple[] = {
	{ "read", XS_READ, 1, false },
	{ "write", XS_WRITE, 2, true },
	{ "mkdir", XS_MKDIR, 1, false },
	{ "rm", XS_RM, 1, false },
	{ "ls", XS_DIRECTORY, 1, false },
	{ "getperms", XS_GET_PERMS, 1, false },
	{ "setperms", XS_SET_PERMS, 2, false },
	{ "watch", XS_WATCH, 2, false },
	{ "unwatch", XS_UNWATCH, 2, false },
	{ "domainpath", XS_GET_DOMAIN_PATH, 1, false },
	{ "introduced", XS_IS_DOMAIN_INTRODUCED, 1, false },
	{ "reset-watches", XS_RESET_WATCHES, 0, false },
};

static void print_result(struct guest *st, const struct simmsg *m)
{
	if (m->hdr.type == XS_ERROR) {
		printf("%s\n", m->body);
		st->errors++;
		return;
	}
	print_payload(m->body, m->hdr.len,
		      m->hdr.type == XS_DIRECTORY || m->hdr.type == XS_GET_PERMS ? ' ' : '|');
	putchar('\n');
}

static int wait_events(struct guest *st, int n)
{
	struct simmsg m;

	for (int got = 0; got < n;) {
		if (simguest_recv(&st->g, &m))
			return ETIMEDOUT;
		if (m.hdr.type == XS_WATCH_EVENT) {
			print_event(&m);
			got++;
		}
	}
	return 0;
}

/* Waits for the daemon to set the ring's error field.  The bound is only
 * for a daemon that fails to: the loop ends as soon as the field is set,
 * so it is wide enough for a sanitizer build on a loaded machine.  A ring
 * that does not advertise the ERROR feature never gets the field set, so
 * nothing is awaited: whoever checks that it stayed 0 must first see the
 * daemon act (its log), then read the field. */
static void report_ring_error(struct guest *st)
{
	if (st->g.page->server_features & XS_FEATURE_ERROR)
		for (int i = 0; i < 3000 && !st->g.page->error; i++)
			usleep(10000);
	printf("error=%u\n", st->g.page->error);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* flood N [PATH]: READ requests of PATH sent back to back without reading
 * a single reply, as long as the request ring takes them; stops when the
 * ring has had no room for the next whole message for the -t timeout (the
 * daemon stopped reading).  Ring only. */
static int flood(struct guest *st, unsigned long want, const char *path)
{
	size_t plen = strlen(path) + 1, msg = XS_HEADER_SIZE + plen;
	unsigned long sent = 0;
	unsigned waited = 0;
	int space, err;

	if (st->g.sock >= 0) {
		printf("the socket has no ring to flood\n");
		return 0;
	}
	if (!st->flooded)
		st->flood_first = st->next_req + 1;
	while (sent < want) {
		space = simguest_space(&st->g);
		if (space < 0) {
			printf("ring indexes invalid after %lu\n", sent);
			st->flooded += sent;
			return EIO;
		}
		if ((size_t)space < msg) {
			if (waited >= st->g.timeout_ms)
				break;
			simguest_wait(&st->g, 20);
			waited += 20;
			continue;
		}
		waited = 0;
		if ((err = simguest_send(&st->g, XS_READ, ++st->next_req, 0, path, plen)))
			return err;
		sent++;
	}
	st->flooded += sent;
	printf("%s %lu\n", sent < want ? "stalled after" : "sent", sent);
	return 0;
}

/* drain: reads the replies of every flooded request (watch events are
 * skipped) and checks they come in request order. */
static int drain(struct guest *st)
{
	unsigned long got = 0, errors = 0, disorder = 0;
	uint32_t expect = st->flood_first;
	struct simmsg m;
	int err = 0;

	while (got < st->flooded) {
		if ((err = simguest_recv(&st->g, &m)))
			break;
		if (m.hdr.type == XS_WATCH_EVENT)
			continue;
		if (m.hdr.req_id != expect)
			disorder++;
		expect = m.hdr.req_id + 1;
		if (m.hdr.type == XS_ERROR)
			errors++;
		got++;
	}
	printf("%lu repl%s, %lu error%s, %lu out of order\n", got, got == 1 ? "y" : "ies", errors,
	       errors == 1 ? "" : "s", disorder);
	st->flooded = 0;
	return err;
}

/* bench COUNT|SECSs [PATH]: READ round trips of PATH, one at a time,
 * COUNT of them or for SECS seconds; prints the rate. */
static int bench(struct guest *st, const char *arg, const char *path)
{
	char *end;
	double amount = strtod(arg, &end), t0, t = 0, secs = 0;
	bool timed = *end == 's';
	unsigned long ops = 0, errors = 0;
	size_t plen = strlen(path) + 1;
	struct simmsg m;
	int err = 0;

	if (end == arg || (*end && strcmp(end, "s")) || amount <= 0)
		return EINVAL;
	t0 = now_s();
	for (;;) {
		if (timed ? (t = now_s()) - t0 >= amount : ops >= (unsigned long)amount)
			break;
		if ((err = transact(st, XS_READ, path, plen, &m)))
			break;
		if (m.hdr.type == XS_ERROR)
			errors++;
		ops++;
	}
	secs = now_s() - t0;
	printf("ops=%lu secs=%.3f ops_per_s=%.0f errors=%lu\n", ops, secs,
	       secs > 0 ? (double)ops / secs : 0.0, errors);
	if (errors)
		st->errors++;
	return err;
}

static volatile sig_atomic_t spin_stop;

static void on_sigusr1(int sig)
{
	(void)sig;
	spin_stop = 1;
}

/* spin SECS: hostile.  Moves req_cons (the daemon's index) without end
 * for SECS seconds, or until SIGUSR1 (a test that checks others are
 * served meanwhile stops it when done, not on a clock a loaded machine
 * may outrun), as a guest can from another vCPU, notifying every
 * millisecond so the daemon keeps looking; the ring's contents are left
 * alone.  Meant after `flood`: the daemon is not reading the ring then
 * (quota outstanding), so the indexes are never found impossible and
 * only the daemon's own loop can stop itself.  Ring only. */
static int spin(struct guest *st, double secs)
{
	double t0 = now_s(), last = t0, t;
	unsigned long moves = 0;

	if (st->g.sock >= 0) {
		printf("the socket has no ring\n");
		return 0;
	}
	simguest_notify(&st->g);
	while ((t = now_s()) - t0 < secs && !spin_stop) {
		for (int i = 0; i < 4096; i++, moves++)
			st->g.page->req_cons++;
		if (t - last >= 0.001) {
			/* never blocked by a daemon that stopped reading */
			simguest_notify_nowait(&st->g);
			last = t;
		}
	}
	printf("moved req_cons %lu times%s\n", moves, spin_stop ? ", stopped" : "");
	return 0;
}

static int special(struct guest *st, char **w, int n)
{
	struct simmsg m;
	char buf[XS_PAYLOAD_MAX];
	int err;

	if (strcmp(w[0], "txstart") == 0) {
		st->tx = 0;
		if ((err = transact(st, XS_TRANSACTION_START, "", 1, &m)))
			return err;
		if (m.hdr.type != XS_ERROR)
			st->tx = (uint32_t)strtoul(m.body, NULL, 10);
		print_result(st, &m);
		return 0;
	}
	if (strcmp(w[0], "commit") == 0 || strcmp(w[0], "abort") == 0) {
		if ((err = transact(st, XS_TRANSACTION_END, w[0][0] == 'c' ? "T" : "F", 2, &m)))
			return err;
		st->tx = 0;
		print_result(st, &m);
		return 0;
	}
	if (strcmp(w[0], "events") == 0 && n == 2) {
		putchar('\n');
		return wait_events(st, atoi(w[1]));
	}
	if (strcmp(w[0], "raw") == 0 && n >= 2) {
		size_t len = 0;
		for (const char *p = n > 2 ? w[2] : ""; *p && len < sizeof(buf); p++)
			buf[len++] = *p == '|' ? '\0' : *p;
		if ((err = transact(st, (uint32_t)atoi(w[1]), buf, len, &m)))
			return err;
		printf("%s ", m.hdr.type == XS_ERROR ? "XS_ERROR" : xs_type_name(m.hdr.type));
		print_result(st, &m);
		return 0;
	}
	if (strcmp(w[0], "flood") == 0 && n >= 2)
		return flood(st, strtoul(w[1], NULL, 10), n > 2 ? w[2] : "name");
	if (strcmp(w[0], "drain") == 0)
		return drain(st);
	if (strcmp(w[0], "spin") == 0 && n == 2)
		return spin(st, strtod(w[1], NULL));
	if (strcmp(w[0], "bench") == 0 && n >= 2) {
		err = bench(st, w[1], n > 2 ? w[2] : "name");
		if (err == EINVAL)
			printf("usage: bench COUNT|SECSs [PATH]\n");
		return err == EINVAL ? 0 : err;
	}
	if (strcmp(w[0], "bad-indexes") == 0) {
		st->g.page->req_prod = st->g.page->req_cons + 5000;
		simguest_notify(&st->g);
		report_ring_error(st);
		return 0;
	}
	if (strcmp(w[0], "oversized") == 0) {
		struct xs_msg_header h = { XS_READ, 1, 0, 5000 };
		simguest_send_bytes(&st->g, &h, sizeof(h));
		report_ring_error(st);
		return 0;
	}
	if (strcmp(w[0], "reconnect") == 0) {
		st->g.page->connection = XS_RING_RECONNECT;
		simguest_notify(&st->g);
		/* Bounded for a daemon that never answers; ends when it does. */
		for (int i = 0; i < 3000 && st->g.page->connection; i++)
			usleep(10000);
		st->g.in_len = 0;
		printf("%s\n", st->g.page->connection ? "timed out" : "OK");
		return 0;
	}
	return EINVAL;
}

static int run_request(struct guest *st, char *line)
{
	char *w[64], *save = NULL, *value = NULL;
	char payload[XS_PAYLOAD_MAX];
	struct simmsg m;
	int n = 0, err;

	line[strcspn(line, "\n")] = '\0';
	printf("%s -> ", line);
	fflush(stdout);
	for (char *t = strtok_r(line, " \t", &save); t && n < 63; t = strtok_r(NULL, " \t", &save)) {
		w[n++] = t;
		/* write's value is the rest of the line, spaces included */
		if (n == 2 && strcmp(w[0], "write") == 0) {
			value = strtok_r(NULL, "", &save);
			break;
		}
	}
	if (n == 0) {
		putchar('\n');
		return 0;
	}
	if (value)
		w[n++] = value;
	else if (strcmp(w[0], "write") == 0 && n == 2)
		w[n++] = "";
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strcmp(w[0], simple[i].name) || n - 1 < simple[i].min_args)
			continue;
		size_t len = join(payload, sizeof(payload), w + 1, n - 1, simple[i].raw_value);
		if (n == 1)
			payload[len++] = '\0';
		if ((err = transact(st, simple[i].type, payload, len, &m)))
			return err;
		print_result(st, &m);
		return 0;
	}
	err = special(st, w, n);
	if (err == EINVAL)
		printf("unknown request\n");
	return err;
}

int guest_main(const char *dir, int argc, char **argv)
{
	struct guest st = { .next_req = 0 };
	const char *file = NULL;
	unsigned timeout_ms = 0;
	char line[XS_PAYLOAD_MAX + 64];
	unsigned domid;
	int c, err = 0;

	/* Installed before any request, so a spin's stop is never fatal. */
	signal(SIGUSR1, on_sigusr1);
	optind = 1;
	while ((c = getopt(argc, argv, "+ef:t:")) != -1) {
		switch (c) {
		case 'e': st.stop_on_error = true; break;
		case 'f': file = optarg; break;
		case 't': timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "xenstore-sim guest: missing domain id\n");
		return 2;
	}
	if (strcmp(argv[optind], "dom0") == 0) {
		const char *sock = getenv("XENSTORED_PATH");
		char path[512];
		if (!sock || !*sock) {
			snprintf(path, sizeof(path), "%s/socket",
				 getenv("XENSTORED_RUNDIR") ? getenv("XENSTORED_RUNDIR")
							    : "/var/run/xenstored");
			sock = path;
		}
		optind++;
		err = simguest_open_socket(&st.g, sock, timeout_ms ? timeout_ms : 10000);
		if (err) {
			fprintf(stderr, "xenstore-sim guest: %s: %s\n", sock, strerror(err));
			return 1;
		}
		domid = 0;
	} else if ((domid = (unsigned)strtoul(argv[optind++], NULL, 10)),
		   (err = simguest_open(&st.g, dir, domid))) {
		fprintf(stderr, "xenstore-sim guest: domain %u in %s: %s\n", domid, dir,
			strerror(err));
		return 1;
	}
	if (timeout_ms)
		st.g.timeout_ms = timeout_ms;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = optind; i < argc && !err; i++) {
		snprintf(line, sizeof(line), "%s", argv[i]);
		err = run_request(&st, line);
		if (st.stop_on_error && st.errors)
			break;
	}
	if (file) {
		FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
		if (!f) {
			fprintf(stderr, "xenstore-sim guest: %s: %s\n", file, strerror(errno));
			err = errno;
		}
		while (f && !err && fgets(line, sizeof(line), f)) {
			if (line[0] == '#')
				continue;
			err = run_request(&st, line);
			if (st.stop_on_error && st.errors)
				break;
		}
		if (f && f != stdin)
			fclose(f);
	}
	if (err && err != EINVAL)
		printf("%s\n", strerror(err));
	simguest_close(&st.g);
	return err || (st.stop_on_error && st.errors) ? 1 : 0;
}
