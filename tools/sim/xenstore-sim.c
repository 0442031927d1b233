/*
 * xenstore-sim - the simulated hypervisor's control tool and guest.
 *
 * Plays, on a machine without Xen, what the hypervisor and the guest
 * kernels do to xenstored: creates and destroys domains (their ring page
 * and state in the simulation directory), introduces them to the daemon
 * as dom0's toolstack would, and runs a guest that issues xenstore
 * requests as domain N over its ring.  See usage() for the commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "simguest.h"

static void usage(FILE *out)
{
	fprintf(out,
"Usage: xenstore-sim [-d DIR] COMMAND DOMID [ARGS...]\n"
"       xenstore-sim -h|--help\n"
"\n"
"The simulated hypervisor of a xenstored started with --hypervisor=sim.\n"
"\n"
"  -d, --dir DIR            the simulation directory (default:\n"
"                           $XENSTORED_RUNDIR/sim, or sim/ beside\n"
"                           $XENSTORED_PATH, else /var/run/xenstored/sim)\n"
"  -h, --help               this text\n"
"\n"
"Hypervisor commands:\n"
"  create DOMID [PORT]      the domain exists: ring page, state running\n"
"                           (PORT: its xenstore event channel, default 1)\n"
"  shutdown DOMID           the domain shuts down (xenstored fires\n"
"                           @releaseDomain once)\n"
"  dying DOMID              the domain is dying (xenstored forgets it)\n"
"  destroy DOMID            the domain is gone\n"
"Toolstack command (dom0, over the daemon's socket):\n"
"  introduce DOMID          XS_INTRODUCE the domain with its ring and port\n"
"Guest command:\n"
"  guest [-e] [-f FILE] [-t MS] DOMID|dom0 [REQUEST...]\n"
"                           run requests as the guest over its ring (dom0:\n"
"                           as the toolstack, over the daemon's socket), each\n"
"                           argument one request (or lines of FILE, - for\n"
"                           stdin); prints what the guest sees.  -e: exit 1\n"
"                           on the first error reply; -t: how long to wait\n"
"                           for the daemon (default 10000 ms)\n"
"\n"
"Requests: read P | write P VALUE | mkdir P | rm P | ls P | getperms P |\n"
"  setperms P PERM... | watch P TOKEN | unwatch P TOKEN | events N |\n"
"  txstart | commit | abort | domainpath DOMID | reset-watches |\n"
"  introduced DOMID | raw TYPE PAYLOAD | bad-indexes | oversized |\n"
"  reconnect | flood N [PATH] (N reads without reading replies, until the\n"
"  ring stalls for -t) | drain (the flooded replies) | spin SECS (hostile:\n"
"  moves req_cons without end for SECS or until SIGUSR1, notifying every\n"
"  ms) |\n"
"  bench COUNT|SECSs [PATH] (read round trips, prints ops/s)\n"
"\n"
"Examples:\n"
"  xenstore-sim create 6 && xenstore-sim introduce 6\n"
"  xenstore-sim guest 6 'read name' 'write device/vif/0/state 1'\n"
"  xenstore-sim guest 6 'watch cpu t' 'events 1'\n"
"  xenstore-sim shutdown 6; xenstore-sim destroy 6\n");
}

static const char *sim_dir(const char *opt, char *buf, size_t size)
{
	const char *run = getenv("XENSTORED_RUNDIR"), *path = getenv("XENSTORED_PATH");
	char tmp[512];

	if (opt)
		return opt;
	if (run && *run) {
		snprintf(buf, size, "%s/sim", run);
		return buf;
	}
	if (path && *path) {
		snprintf(tmp, sizeof(tmp), "%s", path);
		snprintf(buf, size, "%s/sim", dirname(tmp));
		return buf;
	}
	return "/var/run/xenstored/sim";
}

static int parse_domid(const char *s, unsigned *domid)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v > 65535) {
		fprintf(stderr, "xenstore-sim: invalid domain id '%s'\n", s);
		return -1;
	}
	*domid = (unsigned)v;
	return 0;
}

static int write_file(const char *dir, unsigned domid, const char *name, const void *data,
		      size_t len)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%u/%s", dir, domid, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		fprintf(stderr, "xenstore-sim: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Raises VIRQ_DOM_EXC: the daemon rescans domain states. */
static void virq(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sim_event ev = { SIM_VIRQ, 0 };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/evtchn", dir);
	if (sendto(fd, &ev, sizeof(ev), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fprintf(stderr, "xenstore-sim: no daemon at %s: %s\n", sa.sun_path,
			strerror(errno));
	close(fd);
}

static int cmd_create(const char *dir, unsigned domid, const char *port)
{
	static const char zero[SIM_PAGE_SIZE];
	char path[600];

	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%u", dir, domid);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "xenstore-sim: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (write_file(dir, domid, "ring", zero, sizeof(zero)) ||
	    write_file(dir, domid, "port", port, strlen(port)) ||
	    write_file(dir, domid, "state", "running", 7))
		return 1;
	return 0;
}

static int cmd_state(const char *dir, unsigned domid, const char *state)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%u", dir, domid);
	if (access(path, F_OK) < 0) {
		fprintf(stderr, "xenstore-sim: domain %u does not exist\n", domid);
		return 1;
	}
	if (!state) {
		const char *files[] = { "ring", "port", "state", "evtchn" };
		for (size_t i = 0; i < 4; i++) {
			snprintf(path, sizeof(path), "%s/%u/%s", dir, domid, files[i]);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/%u", dir, domid);
		rmdir(path);
	} else if (write_file(dir, domid, "state", state, strlen(state))) {
		return 1;
	}
	virq(dir);
	return 0;
}

/* introduce.c: XS_INTRODUCE through libxenstore (kept apart because
 * <xenstore.h> and our wire.h both define the message types). */
int cmd_introduce(const char *dir, unsigned domid);

int guest_main(const char *dir, int argc, char **argv);

int main(int argc, char **argv)
{
	const char *opt_dir = NULL, *dir;
	char buf[512];
	unsigned domid;
	int c;

	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "+d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': opt_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2) {
		fprintf(stderr, "xenstore-sim: missing %s (see -h)\n",
			argc ? "domain id" : "command");
		return 2;
	}
	dir = sim_dir(opt_dir, buf, sizeof(buf));
	if (strcmp(argv[0], "guest") == 0)
		return guest_main(dir, argc, argv);
	if (parse_domid(argv[1], &domid))
		return 2;
	if (strcmp(argv[0], "create") == 0)
		return cmd_create(dir, domid, argc > 2 ? argv[2] : "1");
	if (strcmp(argv[0], "shutdown") == 0)
		return cmd_state(dir, domid, "shutdown");
	if (strcmp(argv[0], "dying") == 0)
		return cmd_state(dir, domid, "dying");
	if (strcmp(argv[0], "destroy") == 0)
		return cmd_state(dir, domid, NULL);
	if (strcmp(argv[0], "introduce") == 0)
		return cmd_introduce(dir, domid);
	fprintf(stderr, "xenstore-sim: unknown command '%s' (see -h)\n", argv[0]);
	return 2;
}
