/*
 * xenstored.c - the daemon's main: options, socket paths, daemonising,
 * signals, readiness notification, the loop, and a clean shutdown.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arglist.h"
#include "conn.h"
#include "daemon.h"
#include "event.h"
#include "domain_life.h"
#include "hv.h"
#include "live_update.h"
#include "log.h"
#include "quota.h"
#include "ring.h"
#include "trace_file.h"
#include "unix_socket.h"

#define DEFAULT_RUNDIR "/var/run/xenstored"

struct options {
	bool foreground;
	bool verbose;
	bool output_pid;
	const char *pid_file;
	const char *hypervisor;
	const char *trace_file;
	bool live_update;
	unsigned ring_poll_us;
	/* For a live update's next process: our options (but -U and -T), and
	 * those C xenstored 4.17 takes with the same meaning, in its terms
	 * (it exits on any other, and the store with it). */
	struct arglist ours, for_c;
	/* The first bad option: a live update's new process goes back to the
	 * old binary with it instead of exiting. */
	char error[256];
	bool usage_error;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xenstored [options]\n"
		"\n"
		"An observable xenstore daemon, wire-compatible with Xen's; trace it\n"
		"live with xenstore-snoop.  Listens on $XENSTORED_PATH, else\n"
		"$XENSTORED_RUNDIR/socket, else " DEFAULT_RUNDIR "/socket.\n"
		"\n"
		"  -N, --no-fork            stay in the foreground, log to stderr\n"
		"  -F, --pid-file FILE      write the daemon's pid to FILE\n"
		"  -P, --output-pid         print the daemon's pid on stdout\n"
		"  -V, --verbose            log every connection and conflict\n"
		"  -E, --entry-nb N         nodes per domain (quota nodes)\n"
		"  -S, --entry-size N       size of a node (quota node-size)\n"
		"  -W, --watch-nb N         watches per domain\n"
		"  -t, --transaction N      transactions per domain\n"
		"  -A, --perm-nb N          permissions per node\n"
		"  -M, --path-max N         length of a node path\n"
		"  -Q, --quota NAME=N       any quota: nodes, watches, outstanding, memory,\n"
		"                           transactions, transaction-nodes,\n"
		"                           node-permissions, path-max, node-size\n"
		"  -q, --quota-soft NAME=N  soft (warning) quota: memory\n"
		"  -K, --keep-orphans       give a dead domain's nodes to domain 0\n"
		"                           instead of deleting them\n"
		"  -p, --priv-domid N       the privileged domain (default 0)\n"
		"      --hypervisor KIND    how guests are reached: xen, sim[:DIR] (the\n"
		"                           simulated hypervisor of xenstore-sim; DIR\n"
		"                           defaults to sim/ beside the socket), none\n"
		"                           (socket only).  Default: xen when\n"
		"                           /dev/xen/evtchn exists, else none\n"
		"      --ring-poll US       while guests are busy, poll up to US microseconds\n"
		"                           before sleeping (default 50; 0: never)\n"
		"  -T, --trace-file FILE    append to FILE a line per request and watch\n"
		"                           event, as xenstore-snoop -t prints them\n"
		"  -U, --live-update        started by live update: take the state from\n"
		"                           $XENSTORED_RUNDIR/state_dump (docs/LIVE-UPDATE.md)\n"
		"  -H, --help               this text\n"
		"      --version            the version\n"
		"\n"
		"Quotas apply to unprivileged domains; 0 means unlimited.  Accepted for\n"
		"compatibility and ignored: -D, -I on, -R, -w, --trace-control,\n"
		"--master-domid.\n");
}

static void opt_error(struct options *o, bool usage, const char *fmt, ...)
{
	va_list ap;

	if (o->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(o->error, sizeof(o->error), fmt, ap);
	va_end(ap);
	o->usage_error = usage;
}

static void add_arg(struct arglist *a, const char *s)
{
	if (arglist_add(a, s))
		fatalx("out of memory");
}

/* An option for the next process: ours always, C's when for_c. */
static void keep(struct options *o, bool for_c, const char *opt, const char *arg)
{
	add_arg(&o->ours, opt);
	if (arg)
		add_arg(&o->ours, arg);
	if (!for_c)
		return;
	add_arg(&o->for_c, opt);
	if (arg)
		add_arg(&o->for_c, arg);
}

/* C 4.17's -Q, -q and -w take values up to INT_MAX only ("invalid
 * parameter value", fatal); ours up to 2^32 - 1, all but unlimited. */
static unsigned c_value(unsigned v)
{
	return v > INT_MAX ? INT_MAX : v;
}

/* -w: ignored by us, but C exits on a name or value it does not take. */
static bool c_takes_timeout(const char *arg)
{
	unsigned v;

	return strncmp(arg, "watch-event=", 12) == 0 && quota_parse_value(arg + 12, &v) == 0 &&
	       v <= INT_MAX;
}

static void set_quota(struct daemon *d, struct options *o, enum quota_id id, const char *arg,
		      const char *opt)
{
	if (quota_parse_value(arg, &d->model.quotas.hard[id])) {
		opt_error(o, false, "invalid value for %s: '%s' (expected a number)", opt, arg);
		return;
	}
	keep(o, true, opt, arg);
}

/* -Q/-q NAME=N: C 4.17's -Q knows only outstanding, transaction-nodes and
 * memory, its -q only memory; the other quotas are its older options. */
static void quota_assignment(struct daemon *d, struct options *o, const char *arg, bool soft)
{
	static const char *const c_opt[QUOTA_COUNT] = {
		[QUOTA_NODES] = "-E", [QUOTA_WATCHES] = "-W", [QUOTA_TRANSACTIONS] = "-t",
		[QUOTA_NODE_PERMS] = "-A", [QUOTA_PATH_MAX] = "-M", [QUOTA_NODE_SIZE] = "-S",
	};
	const char *eq = strchr(arg, '=');
	char name[64], c_arg[96];
	enum quota_id id;
	bool is_soft;
	unsigned v;

	if (quota_parse_assignment(&d->model.quotas, arg, soft)) {
		opt_error(o, false, "invalid quota '%s' (expected NAME=NUMBER; see --help)", arg);
		return;
	}
	/* Parsed above: the name and the value are valid. */
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	quota_lookup(name, &id, &is_soft);
	quota_parse_value(eq + 1, &v);
	keep(o, false, soft ? "-q" : "-Q", arg);
	snprintf(c_arg, sizeof(c_arg), "%u", v);
	if (soft || is_soft) {
		snprintf(c_arg, sizeof(c_arg), "memory=%u", c_value(v));
		add_arg(&o->for_c, "-q");
	} else if (c_opt[id]) {
		add_arg(&o->for_c, c_opt[id]);
	} else {
		snprintf(c_arg, sizeof(c_arg), "%s=%u", quota_table[id].name, c_value(v));
		add_arg(&o->for_c, "-Q");
	}
	add_arg(&o->for_c, c_arg);
}

/* Errors are left in o->error: main reports them, or a live update's new
 * process goes back to the old binary. */
static void parse_options(int argc, char **argv, struct daemon *d, struct options *o)
{
	static const struct option longopts[] = {
		{ "no-fork", no_argument, NULL, 'N' },
		{ "pid-file", required_argument, NULL, 'F' },
		{ "output-pid", no_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "entry-nb", required_argument, NULL, 'E' },
		{ "entry-size", required_argument, NULL, 'S' },
		{ "watch-nb", required_argument, NULL, 'W' },
		{ "transaction", required_argument, NULL, 't' },
		{ "perm-nb", required_argument, NULL, 'A' },
		{ "path-max", required_argument, NULL, 'M' },
		{ "quota", required_argument, NULL, 'Q' },
		{ "quota-soft", required_argument, NULL, 'q' },
		{ "keep-orphans", no_argument, NULL, 'K' },
		{ "priv-domid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'H' },
		{ "no-domain-init", no_argument, NULL, 'D' },
		{ "internal-db", optional_argument, NULL, 'I' },
		{ "no-recovery", no_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 'w' },
		{ "hypervisor", required_argument, NULL, 'X' },
		{ "ring-poll", required_argument, NULL, 'r' },
		{ "trace-file", required_argument, NULL, 'T' },
		{ "trace-control", required_argument, NULL, 'C' },
		{ "master-domid", required_argument, NULL, 'm' },
		{ "version", no_argument, NULL, 'v' },
		{ "live-update", no_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	char opt_name[3] = "-?", value[16];
	unsigned v;
	int opt;

	opterr = 0; /* said by main, or by the old binary a live update goes back to */
	while ((opt = getopt_long(argc, argv, ":NF:PVE:S:W:t:A:M:Q:q:Kp:HDI::Rw:hT:U", longopts,
				  NULL)) != -1) {
		opt_name[1] = (char)opt;
		switch (opt) {
		case 'N': case 'P': case 'V': case 'K': case 'R':
			keep(o, true, opt_name, NULL);
			o->foreground |= opt == 'N';
			o->output_pid |= opt == 'P';
			o->verbose |= opt == 'V';
			if (opt == 'K')
				d->model.keep_orphans = true;
			break;
		case 'F': o->pid_file = optarg; keep(o, true, "-F", optarg); break;
		case 'E': set_quota(d, o, QUOTA_NODES, optarg, "-E"); break;
		case 'S': set_quota(d, o, QUOTA_NODE_SIZE, optarg, "-S"); break;
		case 'W': set_quota(d, o, QUOTA_WATCHES, optarg, "-W"); break;
		case 't': set_quota(d, o, QUOTA_TRANSACTIONS, optarg, "-t"); break;
		case 'A': set_quota(d, o, QUOTA_NODE_PERMS, optarg, "-A"); break;
		case 'M': set_quota(d, o, QUOTA_PATH_MAX, optarg, "-M"); break;
		case 'Q':
		case 'q': quota_assignment(d, o, optarg, opt == 'q'); break;
		case 'p':
			if (quota_parse_value(optarg, &v) || v > 65535) {
				opt_error(o, false, "invalid domain id for -p: '%s'", optarg);
				break;
			}
			d->model.priv_domid = v;
			/* C 4.17 has only the long form. */
			snprintf(value, sizeof(value), "%u", v);
			keep(o, false, "-p", optarg);
			add_arg(&o->for_c, "--priv-domid");
			add_arg(&o->for_c, value);
			break;
		case 'X': o->hypervisor = optarg; keep(o, false, "--hypervisor", optarg); break;
		case 'r':
			if (quota_parse_value(optarg, &v) || v > 1000000) {
				opt_error(o, false,
					  "invalid value for --ring-poll: '%s' (microseconds, 0 to 1000000)",
					  optarg);
				break;
			}
			o->ring_poll_us = v;
			keep(o, false, "--ring-poll", optarg);
			break;
		case 'T': o->trace_file = optarg; break; /* made absolute by main */
		case 'U': o->live_update = true; break;  /* added by the live update */
		case 'I':
			/* C's help writes "--internal-db [on|off]": a separate
			 * on/off is its (optional) argument too.  C itself takes
			 * only the attached form. */
			if (!optarg && optind < argc &&
			    (!strcmp(argv[optind], "on") || !strcmp(argv[optind], "off")))
				optarg = argv[optind++];
			if (!optarg) {
				keep(o, true, "-I", NULL);
			} else {
				char arg[64];

				snprintf(arg, sizeof(arg), "--internal-db=%s", optarg);
				keep(o, true, arg, NULL);
			}
			break;
		/* Ignored by us; C 4.17 would not touch the domains with -D
		 * (guests we serve would lose their store) and does not know
		 * --trace-control. */
		case 'D': keep(o, false, "-D", NULL); break;
		case 'C': keep(o, false, "--trace-control", optarg); break;
		case 'w': keep(o, c_takes_timeout(optarg), "-w", optarg); break;
		case 'm': keep(o, true, "--master-domid", optarg); break;
		case 'v': printf("xenstored %s\n", XS_VERSION); exit(0);
		case 'H': case 'h': usage(stdout); exit(0);
		case ':':
			opt_error(o, true, "option '%s' requires an argument", argv[optind - 1]);
			break;
		default:
			if (optopt)
				opt_error(o, true, "invalid option -- '%c'", optopt);
			else
				opt_error(o, true, "unrecognized option '%s'", argv[optind - 1]);
			break;
		}
	}
	if (optind < argc)
		opt_error(o, true, "unexpected argument '%s'", argv[optind]);
}

static const char *socket_path(char *buf, size_t size)
{
	const char *p = getenv("XENSTORED_PATH");
	const char *dir = getenv("XENSTORED_RUNDIR");

	if (p && *p)
		return p;
	snprintf(buf, size, "%s/socket", dir && *dir ? dir : DEFAULT_RUNDIR);
	return buf;
}

static void make_parent_dir(const char *path)
{
	char *copy = strdup(path);

	if (copy && mkdir(dirname(copy), 0755) < 0 && errno != EEXIST)
		log_warn("mkdir %s", copy);
	free(copy);
}

/* As C makes it at start: a live update writes its state there, also
 * when the socket is elsewhere (XENSTORED_PATH). */
static void make_run_dir(void)
{
	const char *dir = getenv("XENSTORED_RUNDIR");

	if (!dir || !*dir)
		dir = DEFAULT_RUNDIR;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		log_warn("mkdir %s", dir);
}

/* systemd readiness (sd_notify protocol: one datagram); written here to
 * avoid a libsystemd dependency for six lines.  The variable goes, as
 * C's sd_notify(1, ...) unsets it: a binary a live update execs must not
 * say READY=1 again to a service long started. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		unsetenv("NOTIFY_SOCKET");
		return;
	}
	strcpy(sa.sun_path, path);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		log_warn("sd_notify");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void write_pid_file(const char *file)
{
	FILE *f = fopen(file, "w");
	int bad;

	if (!f)
		fatalx("cannot write pid file %s: %s", file, strerror(errno));
	/* A full disk shows only when the buffer is written out. */
	bad = fprintf(f, "%d\n", (int)getpid()) < 0;
	bad |= fclose(f) != 0;
	if (bad)
		fatalx("cannot write pid file %s: %s", file, strerror(errno));
}

/* Only a regular file: -F /dev/full must not remove the device. */
static void remove_pid_file(const char *file)
{
	struct stat st;

	if (file && lstat(file, &st) == 0 && S_ISREG(st.st_mode))
		unlink(file);
}

/*
 * Daemonising: the parent stays until the child has listened, written its
 * pid file and opened the hypervisor, so every start-up failure is one
 * line on the parent's stderr and a non-zero exit.  The child sends a NUL
 * byte on the pipe when ready; a fatal error sends its line instead
 * (log_startup_fd) and exits.
 */
static void wait_for_child(int fd, pid_t child)
{
	char buf[1024];
	size_t len = 0;
	ssize_t n;
	int status;

	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
		if (buf[0] == '\0')
			_exit(0);
	}
	if (len)
		fwrite(buf, 1, len, stderr);
	else if (waitpid(child, &status, 0) == child && WIFSIGNALED(status))
		fprintf(stderr, "xenstored: daemon killed by signal %d during start-up\n",
			WTERMSIG(status));
	else
		fprintf(stderr, "xenstored: daemon exited during start-up\n");
	_exit(1);
}

static int daemonise(void)
{
	int fds[2];
	pid_t child;

	if (pipe2(fds, O_CLOEXEC) < 0)
		fatalx("pipe: %s", strerror(errno));
	switch ((child = fork())) {
	case -1: fatalx("fork: %s", strerror(errno));
	case 0: break;
	default:
		close(fds[1]);
		wait_for_child(fds[0], child);
	}
	close(fds[0]);
	log_startup_fd(fds[1]);
	setsid();
	if (chdir("/") < 0)
		fatalx("chdir /: %s", strerror(errno));
	return fds[1];
}

/* The child is ready: the parent may go, stdio is let go of. */
static void daemonise_done(int fd)
{
	int null;

	if (fd < 0)
		return;
	log_startup_fd(-1);
	if (write(fd, "", 1) != 1)
		log_warn("start-up pipe");
	close(fd);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
}

struct signals {
	struct ev_handler ev;
	struct ev_loop *loop;
	struct daemon *daemon;
	int fd;
};

static void signal_event(void *arg, uint32_t events)
{
	struct signals *s = arg;
	struct signalfd_siginfo si;

	(void)events;
	if (read(s->fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		/* logrotate moved the trace file: start a new one. */
		int err = s->daemon->trace ? trace_file_reopen(s->daemon->trace) : 0;

		if (err)
			log_warnx("cannot re-open the trace file: %s", strerror(err));
		log_reopen();
		log_info("signal %u: log reopened", si.ssi_signo);
		return;
	}
	log_info("signal %u: shutting down", si.ssi_signo);
	ev_stop(s->loop);
}

/* Started with 0, 1 or 2 closed (an init may do that), our first fds
 * (epoll, signalfd) would take those numbers, and daemonising points 0-2
 * at /dev/null: the loop's own fds would be gone after the parent had
 * reported success.  Hold those numbers with /dev/null first. */
static void reserve_stdio(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* The signals the loop reads from its signalfd. */
static void handled_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/* First thing: a live update's old process unblocks every signal before
 * it execs (live_update.c), so a SIGTERM while the new one loads the
 * state waits for the loop instead of killing it half-way. */
static void block_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	handled_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* An ignored signal never reaches a signalfd: a live update execs us
	 * with SIGHUP ignored, nohup starts us so. */
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
}

static void setup_signals(struct signals *s, struct daemon *d)
{
	struct ev_loop *loop = d->loop;
	sigset_t set;

	handled_signals(&set);
	s->loop = loop;
	s->daemon = d;
	s->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0 || ev_add(loop, &s->ev, s->fd, EPOLLIN, signal_event, s))
		fatalx("signalfd: %s", strerror(errno));
}

/* dom0's kernel talks to us over its own ring (PROTOCOL.md §3.4). */
static void connect_dom0(struct daemon *d)
{
	int port = hv_xen_dom0_port(), err;

	if (port == -ENOENT)
		return; /* no dom0 kernel ring shown: socket clients only */
	err = port < 0 ? -port : domain_connect_priv(d, port);
	if (err)
		log_warnx("cannot connect dom0's ring: %s", strerror(err));
}

/* lu_fd: the backend's fd inherited through a live update, or -1. */
static void open_hypervisor(struct daemon *d, const char *kind, const char *sock, int lu_fd,
			    bool live_update)
{
	char dir[PATH_MAX];
	int err;

	if (!kind)
		kind = access("/dev/xen/evtchn", F_OK) == 0 ? "xen" : "none";
	if (strcmp(kind, "none") == 0) {
		if (lu_fd >= 0)
			close(lu_fd);
		return;
	}
	/* Before the first ring is mapped (dom0's, or those a live update
	 * restores). */
	if ((err = ring_fault_guard_init()))
		fatalx("cannot catch SIGBUS: %s", strerror(err));
	if (strcmp(kind, "xen") == 0) {
		d->hv = hv_xen_open_fd(lu_fd);
		if (!d->hv && live_update) {
			snprintf(dir, sizeof(dir), "cannot open Xen interfaces: %s", strerror(errno));
			live_update_failed(d, dir);
		}
		if (!d->hv)
			fatalx("cannot open Xen interfaces: %s", strerror(errno));
		if (!live_update) /* else dom0's ring is in the state */
			connect_dom0(d);
		return;
	}
	if (strncmp(kind, "sim", 3) != 0 || (kind[3] != '\0' && kind[3] != ':'))
		fatalx("unknown hypervisor '%s' (expected xen, sim[:DIR] or none)", kind);
	if (kind[3] == ':')
		snprintf(dir, sizeof(dir), "%s", kind + 4);
	else {
		char tmp[PATH_MAX];
		snprintf(tmp, sizeof(tmp), "%s", sock);
		snprintf(dir, sizeof(dir), "%s/sim", dirname(tmp));
	}
	d->hv = hv_sim_open_fd(dir, lu_fd);
	if (!d->hv)
		fatalx("cannot open simulated hypervisor in %s: %s", dir, strerror(errno));
	log_info("simulated hypervisor in %s", dir);
}

/*
 * A guest doing one request after another comes back within tens of
 * microseconds of its reply.  On a virtual machine whose idle vCPUs halt,
 * a daemon that sleeps in between is woken by an interprocessor interrupt
 * through the host every time its guest runs on the other vCPU, and so is
 * the guest: one guest measured half of C xenstored's rate, whose loop
 * never sleeps then (docs/BENCHMARKS.md, "One guest on the other vCPU").
 * With a hypervisor the loop polls for up to this long before sleeping
 * (event.h: the window adapts, an idle daemon does not poll); --ring-poll
 * changes it.  The guest's next request came within 25-35 us of the reply
 * on the quiet machine (C's whole round trip took 34 us).
 */
#define RING_POLL_US 50u

/*
 * libxenstore writes a request's header and its payload with separate
 * write()s.  A client sharing our CPU is preempted by our wake-up between
 * the two, so a round often ends with a request half-received; sleeping
 * then costs a sleep and a wake-up more per request than letting the
 * writer finish first.  Yielding once in that case cut the daemon's CPU
 * per request from 8.0-9.3 us to 5.4-5.8 us with one client on its CPU
 * (docs/BENCHMARKS.md, "CPU per request"), and costs one cheap system
 * call when the writer runs elsewhere.
 */
static bool end_of_round(void *arg)
{
	struct daemon *d = arg;
	bool work_left = conn_end_of_round(d);

	if (d->partial_input) {
		d->partial_input = false;
		sched_yield();
	}
	/* Socket clients gain nothing from it (BENCHMARKS.md: they lost). */
	ev_poll_arm(d->loop, ring_take_activity());
	return work_left;
}

/* What a live update's new process took from the old one (tests read it). */
static void log_options(const char *what, const struct arglist *a)
{
	char line[1024];
	size_t len = 0;

	line[0] = '\0';
	for (size_t i = 0; i < a->n && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", a->v[i]);
	log_info("%s%s", what, a->n ? line : " none");
}

int main(int argc, char **argv)
{
	static struct daemon d;
	struct options o = { .ring_poll_us = RING_POLL_US };
	struct unix_listener *sock = NULL, *sock_ro = NULL;
	struct signals sig;
	struct lu_state lu = { .socket_fd = -1, .evtchn_fd = -1 };
	char buf[256], ro[sizeof(buf) + 8], why[512];
	const char *path;
	int err, startup_pipe = -1;
	bool from_previous;

	reserve_stdio();
	block_signals();
	if (daemon_init(&d))
		fatalx("out of memory");
	from_previous = live_update_take_options(&argc, &argv);
	live_update_init(argc, argv);
	parse_options(argc, argv, &d, &o);
	if (o.error[0] && !o.live_update) {
		if (!o.usage_error)
			fatalx("%s", o.error);
		fprintf(stderr, "xenstored: %s\n", o.error);
		usage(stderr);
		exit(2);
	}
	log_init("xenstored", !o.foreground, o.verbose);
	if (o.live_update && (err = live_update_load(&lu, why, sizeof(why))))
		live_update_failed(&d, why);
	/* After the load: only a state that is ours leads back to the binary
	 * that wrote it (live_update_failed). */
	if (o.error[0])
		live_update_failed(&d, o.error);
	/* Before forking: a relative name is the caller's, and a file that
	 * cannot be opened is said on the caller's terminal. */
	if (o.trace_file && (err = trace_file_open(&d.trace, o.trace_file))) {
		snprintf(why, sizeof(why), "cannot open trace file %s: %s", o.trace_file,
			 strerror(err));
		if (o.live_update)
			live_update_failed(&d, why);
		fatalx("%s", why);
	}
	/* Absolute: the daemon's directory is / by the next live update. */
	if (d.trace)
		keep(&o, true, "-T", trace_file_path(d.trace));
	live_update_set_args(&o.ours, &o.for_c);
	if (from_previous)
		log_options("live-update: the previous process's options:", &o.ours);
	if (!o.foreground && !o.live_update) /* a live update keeps the pid */
		startup_pipe = daemonise();
	d.loop = ev_new();
	if (!d.loop)
		fatalx("epoll: %s", strerror(errno));
	setup_signals(&sig, &d);
	ev_set_idle(d.loop, end_of_round, &d);

	path = socket_path(buf, sizeof(buf));
	make_parent_dir(path);
	make_run_dir();
	err = lu.socket_fd >= 0 ? unix_adopt_listener(&d, lu.socket_fd, path, &sock)
				: unix_listen(&d, path, &sock);
	if (err == EADDRINUSE)
		fatalx("another xenstored is listening on %s", path);
	if (err)
		fatalx("cannot listen on %s: %s", path, strerror(err));
	live_update_set_listener(unix_listener_fd(sock));
	/* socket_ro was dropped in Xen 4.15; old clients still open it. */
	snprintf(ro, sizeof(ro), "%s_ro", path);
	if ((err = unix_listen(&d, ro, &sock_ro)))
		log_warnx("cannot listen on %s: %s", ro, strerror(err));
	open_hypervisor(&d, o.hypervisor, path, lu.evtchn_fd, o.live_update);
	if (o.live_update && (err = live_update_apply(&d, &lu, why, sizeof(why))))
		live_update_failed(&d, why);
	if ((err = domain_hv_start(&d)))
		fatalx("cannot watch the hypervisor: %s", strerror(err));
	if (d.hv && o.ring_poll_us) { /* guests on other vCPUs: see RING_POLL_US */
		ev_set_poll(d.loop, (uint64_t)o.ring_poll_us * 1000);
		ev_poll_only_alone(d.loop);
	}
	if (o.pid_file)
		write_pid_file(o.pid_file);
	if (o.output_pid) {
		printf("%d\n", (int)getpid());
		fflush(stdout);
	}
	log_info("listening on %s", path);
	if (!o.live_update)
		notify_ready();
	else /* the service was ready long ago, as C has it */
		unsetenv("NOTIFY_SOCKET");
	daemonise_done(startup_pipe);

	err = ev_run(d.loop);
	if (err)
		log_warnx("event loop: %s", strerror(err));
	unix_unlisten(&d, sock);
	unix_unlisten(&d, sock_ro);
	domain_hv_stop(&d);
	daemon_destroy(&d);
	if (d.hv)
		d.hv->ops->destroy(d.hv);
	ev_free(d.loop);
	trace_file_close(d.trace);
	remove_pid_file(o.pid_file);
	arglist_free(&o.ours);
	arglist_free(&o.for_c);
	return err ? 1 : 0;
}
