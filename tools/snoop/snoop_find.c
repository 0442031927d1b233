/*
 * snoop_find.c - which process is the xenstored to attach to.  A daemon
 * is a process whose program carries the xenstore USDT probes (a
 * .note.stapsdt note of provider "xenstore"), whatever its name; the one
 * meant is named by $XENSTORED_RUNDIR or $XENSTORED_PATH as for the
 * clients, else is the system's (pid files, the standard socket, the
 * only one).  Reads /proc and ELF notes with libelf; the contents of the
 * files it reads are parsed by snoop_parse.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "snoop_env.h"
#include "snoop_find.h"

/*
 * Does this ELF file carry the daemon's USDT probes (a .note.stapsdt note
 * of provider "xenstore")?  That, not the executable's name, says a
 * process is a daemon we can attach to.  Each note's description is three
 * addresses (pc, base, semaphore) and then "provider\0name\0args\0".
 */
bool elf_has_xenstore_probes(int fd)
{
	bool found = false;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while (!found && (scn = elf_nextscn(elf, scn))) {
		size_t off = 0, name_off, desc_off, addrs;
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *data;
		const char *sname;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".note.stapsdt") != 0)
			continue;
		data = elf_getdata(scn, NULL);
		addrs = gelf_getclass(elf) == ELFCLASS32 ? 3 * 4 : 3 * 8;
		while (data && !found &&
		       (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *desc = (const char *)data->d_buf + desc_off;

			found = nh.n_type == 3 && nh.n_descsz > addrs + 9 &&
				memcmp(desc + addrs, "xenstore", 9) == 0;
		}
	}
out:
	if (elf)
		elf_end(elf);
	return found;
}

/* Executables already looked at, by device and inode: most processes
 * share a few. */
static struct exe_seen {
	dev_t dev;
	ino_t ino;
	bool probes;
} exes_seen[64];
static unsigned nexes_seen;

/* Is pid running a program with the xenstore probes? */
bool is_xenstored(pid_t pid)
{
	char path[64];
	struct stat st;
	bool probes;
	unsigned i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return false;
	}
	for (i = 0; i < nexes_seen; i++)
		if (exes_seen[i].dev == st.st_dev && exes_seen[i].ino == st.st_ino) {
			close(fd);
			return exes_seen[i].probes;
		}
	probes = elf_has_xenstore_probes(fd);
	close(fd);
	if (nexes_seen < sizeof(exes_seen) / sizeof(exes_seen[0]))
		exes_seen[nexes_seen++] = (struct exe_seen){ st.st_dev, st.st_ino, probes };
	return probes;
}

static pid_t pid_from_file(const char *file)
{
	FILE *f = fopen(file, "r");
	long pid = 0;

	if (!f)
		return 0;
	pid = snoop_read_pid(f);
	fclose(f);
	if (pid && !is_xenstored(pid)) {
		if (env.verbose)
			fprintf(stderr, "%s: ignoring %s: PID %ld is not a running xenstored\n",
				PROG, file, pid);
		pid = 0;
	}
	return pid;
}

#define MAX_BOUND 16

/* Inodes of the Unix sockets bound at one of paths[]: more than one when
 * daemons in other mount namespaces (containers, test sandboxes) bind the
 * same name, or an old socket lingers.  How many, at most MAX_BOUND. */
static int socket_inodes(const char *const *paths, int npaths, unsigned long *inodes)
{
	char line[512 + PATH_MAX];
	int n = 0;
	FILE *f = fopen("/proc/net/unix", "r");

	if (!f)
		return 0;
	while (n < MAX_BOUND && fgets(line, sizeof(line), f)) {
		unsigned long ino;
		char path[PATH_MAX];

		if (!snoop_parse_unix_line(line, &ino, path))
			continue;
		for (int i = 0; i < npaths; i++)
			if (paths[i] && strcmp(paths[i], path) == 0) {
				inodes[n++] = ino;
				break;
			}
	}
	fclose(f);
	return n;
}

static bool holds_socket(pid_t pid, const unsigned long *inodes, int ninodes)
{
	char dir[64], link[PATH_MAX], target[64];
	struct dirent *d;
	bool found = false;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return false;
	while (!found && (d = readdir(fds))) {
		unsigned long ino;
		ssize_t n;

		snprintf(link, sizeof(link), "%s/%s", dir, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (sscanf(target, "socket:[%lu]", &ino) != 1)
			continue;
		for (int i = 0; i < ninodes && !found; i++)
			found = inodes[i] == ino;
	}
	closedir(fds);
	return found;
}

/* Whether pid sees the same files as we do: a path names its socket in
 * our mount namespace, not another's that binds the same name. */
static bool same_mounts(pid_t pid)
{
	char path[64], ours[64], theirs[64];
	ssize_t n, m;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	n = readlink("/proc/self/ns/mnt", ours, sizeof(ours) - 1);
	m = readlink(path, theirs, sizeof(theirs) - 1);
	if (n < 0 || m < 0)
		return true; /* cannot tell: as if one namespace */
	ours[n] = theirs[m] = '\0';
	return strcmp(ours, theirs) == 0;
}

/* Where the system's daemon says its pid: ours by default, Debian's
 * /etc/init.d/xen, Xen's launch-xenstore and xenstored.service. */
static const char *const system_pid_files[] = {
	"/var/run/xenstored.pid", "/run/xenstore.pid", "/var/run/xen/xenstored.pid",
};

/*
 * The daemon to attach to.  When XENSTORED_RUNDIR or XENSTORED_PATH is set
 * (as for the clients), only the daemon they name: the pid file in the run
 * directory, else the process serving that socket.  Otherwise the system
 * one: the first of system_pid_files naming a daemon, else the daemon
 * serving the standard socket, else the only daemon.  A daemon is a
 * process whose program has the xenstore probes, whatever its name.  0,
 * with a one-line message, when there is none or no way to choose.
 */
pid_t find_daemon(void)
{
	const char *rundir = getenv("XENSTORED_RUNDIR");
	const char *sockenv = getenv("XENSTORED_PATH");
	bool named = rundir || sockenv;
	char pidfile[PATH_MAX], rundir_sock[PATH_MAX];
	const char *socks[4] = { NULL };
	pid_t pid, cand[16], serving = 0, serving_elsewhere = 0;
	unsigned long inodes[MAX_BOUND];
	int ncand = 0, ninodes, i;
	struct dirent *d;
	DIR *proc;

	if (rundir) {
		snprintf(pidfile, sizeof(pidfile), "%s/xenstored.pid", rundir);
		snprintf(rundir_sock, sizeof(rundir_sock), "%s/socket", rundir);
		pid = pid_from_file(pidfile);
		if (pid)
			return pid;
	}
	if (named) {
		socks[0] = sockenv ? sockenv : rundir_sock;
	} else {
		for (i = 0; i < (int)(sizeof(system_pid_files) / sizeof(system_pid_files[0])); i++)
			if ((pid = pid_from_file(system_pid_files[i])))
				return pid;
		socks[0] = "/var/run/xenstored/socket";
		socks[1] = "/run/xenstored/socket";
	}
	ninodes = socket_inodes(socks, 4, inodes);

	proc = opendir("/proc");
	if (!proc) {
		fprintf(stderr, "%s: cannot read /proc: %s\n", PROG, strerror(errno));
		return 0;
	}
	while ((d = readdir(proc))) {
		char *end;
		long p = strtol(d->d_name, &end, 10);

		if (*end || p <= 0 || p == getpid() || !is_xenstored(p))
			continue;
		if (ninodes && !serving && holds_socket(p, inodes, ninodes)) {
			if (same_mounts(p))
				serving = p;
			else if (!serving_elsewhere)
				serving_elsewhere = p;
		}
		if (ncand < 16)
			cand[ncand++] = p;
	}
	closedir(proc);
	if (!serving)
		serving = serving_elsewhere;
	if (serving)
		return serving;
	if (named) {
		fprintf(stderr, "%s: no running xenstored found (", PROG);
		if (rundir)
			fprintf(stderr, "no pid file %s, ", pidfile);
		fprintf(stderr, "nothing serves %s): start it, or name it with -p PID\n", socks[0]);
		return 0;
	}
	if (ncand == 1)
		return cand[0];
	if (!ncand) {
		fprintf(stderr, "%s: no running xenstored found (no pid file %s, %s or %s, no "
			"process with xenstore probes): start it, or name it with -p PID\n", PROG,
			system_pid_files[0], system_pid_files[1], system_pid_files[2]);
		return 0;
	}
	fprintf(stderr, "%s: several xenstored processes (PIDs", PROG);
	for (i = 0; i < ncand; i++)
		fprintf(stderr, " %d", cand[i]);
	fprintf(stderr, ") and none serves the standard socket: pick one with -p PID\n");
	return 0;
}
