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
 * This file is the tool's libbpf part: load, attach, poll the ring
 * buffer, follow a live update, report.  The rest has no libbpf and is
 * unit-tested on its own (snoop_env.h lists the modules): the command
 * line (snoop_options.c), finding the daemon (snoop_find.c), joining
 * records into lines (snoop_join.c), printing them (snoop_output.c) and
 * the summary (snoop_summary.c).  What comes from outside is parsed, and
 * payloads are escaped, in snoop_parse.c, which fuzz/fuzz_snoop.c feeds.
 */
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

#include "snoop_env.h"
#include "snoop_find.h"
#include "snoop_join.h"
#include "snoop_options.h"
#include "snoop_output.h"
#include "snoop_parse.h"
#include "snoop_stack_api.h"
#include "snoop_summary.h"
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
	       offsetof(struct xs_probe_reply, rsp) == offsetof(struct xss_reply_record, rsp) &&
	       offsetof(struct xs_probe_reply, seq) == offsetof(struct xss_reply_record, seq),
	       "struct xss_reply_record does not mirror src/probes.h");

/* The exec tracepoint is attached: its record, not the tool's polling,
 * marks where an exec falls in the stream. */
static bool exec_record_attached;

static void on_signal(int sig)
{
	(void)sig;
	run.exiting = 1;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	return snoop_join_record(data, size);
}

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

/* -s, -i: the summary so far, as text or JSON. */
static void print_summary(unsigned long long lost)
{
	if (env.json)
		print_summary_json(stdout, lost);
	else
		print_summary_text(stdout, lost);
}

/* Lost records, said at most once a second while the run goes on. */
static void warn_lost(unsigned long long lost, unsigned long long now)
{
	static unsigned long long last_lost, next_warning;

	if (lost == last_lost || now < next_warning)
		return;
	fprintf(stderr, "%s: WARNING: %llu event%s lost so far (ring buffer full; try -b %u)\n",
		PROG, lost, plural(lost), env.buffer_mb * 2);
	last_lost = lost;
	next_warning = now + 1000000000ULL;
}

/*
 * The run: drains the ring buffer into the joins, prints the summary
 * every -i, and stops at -c, -d, a signal, an output error or the
 * daemon's exit, following it across a live update.  0, or 1 after
 * saying why it stopped early.
 */
static int poll_events(struct xenstore_snoop_bpf *skel, struct ring_buffer *rb, pid_t pid)
{
	unsigned long long t_start = now_ns(CLOCK_MONOTONIC), t_next_summary = 0;
	struct image image = { .auxv_len = 0 };

	if (env.interval)
		t_next_summary = t_start + env.interval * 1000000000ULL;
	read_image(pid, &image);
	while (!run.exiting) {
		struct image current;
		unsigned long long now, lost;
		int r;

		/* Records are submitted without a wakeup (cheaper for the
		 * daemon); a wakeup comes only when the ring fills up, so
		 * poll with a short timeout and drain. */
		r = ring_buffer__poll(rb, 10);
		if (r >= 0)
			r = ring_buffer__consume(rb);
		if (r < 0 && r != -EINTR && r != -ECANCELED) {
			fprintf(stderr, "%s: reading the ring buffer: %s\n", PROG, strerror(-r));
			return 1;
		}
		lost = skel->bss->lost;
		snoop_join_note_lost(lost);
		snoop_join_expire(false);
		now = now_ns(CLOCK_MONOTONIC);
		warn_lost(lost, now);
		if (env.interval && now >= t_next_summary) {
			print_summary(lost);
			summary_reset(lost);
			t_next_summary += env.interval * 1000000000ULL;
		}
		if (fflush(stdout) == EOF || ferror(stdout)) {
			run.output_failed = true;
			return 0;
		}
		if (env.duration && now - t_start >= env.duration * 1000000000ULL)
			return 0;
		if (kill(pid, 0) && errno == ESRCH) {
			ring_buffer__consume(rb);
			fprintf(stderr, "%s: xenstored PID %d exited\n", PROG, pid);
			return 0;
		}
		if (read_image(pid, &current) == 0 && (current.auxv_len != image.auxv_len ||
		    memcmp(current.auxv, image.auxv, (size_t)image.auxv_len))) {
			if (follow_exec(skel, rb, pid, &image, &current))
				return 1;
			image = current;
		}
	}
	return 0;
}

/* The end of the run: what the ring still holds and what still waits for
 * a join, the summary, and on stderr what was printed, lost or missed. */
static void finish(struct xenstore_snoop_bpf *skel, struct ring_buffer *rb, pid_t pid)
{
	unsigned long long lost, misses;

	if (!run.output_failed) {
		exec_note_flush();
		/* Unless -c is already satisfied. */
		ring_buffer__consume(rb);
		snoop_join_expire(true);
	}
	lost = skel->bss->lost;
	if (env.summary && !run.output_failed)
		print_summary(lost);
	snoop_stack_finish(env.summary && !env.json && !run.output_failed ? stdout : NULL);
	if (fflush(stdout) == EOF)
		run.output_failed = true;
	fprintf(stderr, "Detached from xenstored PID %d: %lld event%s, %llu lost", pid,
		run.printed, plural(run.printed), lost);
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
}

int main(int argc, char **argv)
{
	struct xenstore_snoop_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	char exe[64], exe_path[PATH_MAX];
	struct stat pidns;
	static char outbuf[1 << 16];
	pid_t pid;
	int err = 1;
	ssize_t n;

	if (snoop_options_parse(argc, argv))
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
	run.traced_pid = pid;
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
	run.realtime_offset_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
	summary_reset(0);

	if (!env.json && !env.summary)
		print_header();
	fflush(stdout);
	fprintf(stderr, "Attached to xenstored PID %d (%s)%s\n", pid, exe_path,
		env.count || env.duration ? "" : "; Ctrl-C to stop");

	err = poll_events(skel, rb, pid);
	finish(skel, rb, pid);

cleanup:
	snoop_stack_finish(NULL);
	if (snoop_tee_finish() && !err)
		err = 1;
	ring_buffer__free(rb);
	xenstore_snoop_bpf__destroy(skel);
	return err;
}
