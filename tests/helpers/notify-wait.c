/*
 * notify-wait - start a daemon and return once it reports readiness.
 *
 *   notify-wait SOCKET LOGFILE CMD [ARGS...]
 *
 * Binds a datagram socket at SOCKET, runs CMD with NOTIFY_SOCKET=SOCKET
 * and stdout/stderr appended to LOGFILE, waits (at most 30 s) for the
 * daemon's "READY=1" (the systemd readiness protocol), prints the
 * daemon's pid and exits 0.  Exits 1 if the daemon dies or stays silent.
 * Tests use it so that "the daemon is up" is an event, not a sleep.
 */

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_TIMEOUT_S 30

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[256];
	int fd, log;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: notify-wait SOCKET LOGFILE CMD [ARGS...]\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "notify-wait: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("notify-wait: bind");
		return 1;
	}
	log = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log < 0) {
		perror("notify-wait: log");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		setenv("NOTIFY_SOCKET", argv[1], 1);
		dup2(log, 1);
		dup2(log, 2);
		setsid();
		execvp(argv[3], argv + 3);
		perror("notify-wait: exec");
		_exit(127);
	}
	/* A bound for a daemon that never gets ready, on the clock (polls end
	 * early on any datagram): wide, as a sanitizer build's start on a
	 * loaded machine takes seconds, and it only costs time on failure. */
	struct timespec now, deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += READY_TIMEOUT_S;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "notify-wait: %s exited before it was ready\n", argv[3]);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))
			break;
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, "READY=1")) {
			printf("%d\n", (int)pid);
			unlink(argv[1]);
			return 0;
		}
	}
	fprintf(stderr, "notify-wait: %s not ready after %d s\n", argv[3], READY_TIMEOUT_S);
	kill(pid, SIGTERM);
	return 1;
}
