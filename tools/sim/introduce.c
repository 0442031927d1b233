/* introduce.c - `xenstore-sim introduce`: the toolstack's XS_INTRODUCE of
 * a simulated domain, sent as dom0 through libxenstore. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

int cmd_introduce(const char *dir, unsigned domid);

int cmd_introduce(const char *dir, unsigned domid)
{
	char path[512], buf[32] = "";
	struct xs_handle *h;
	ssize_t n;
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%u/port", dir, domid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "xenstore-sim: domain %u does not exist (create it first)\n",
			domid);
		return 1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	h = xs_open(0);
	if (!h) {
		fprintf(stderr, "xenstore-sim: cannot connect to xenstored: %s\n",
			strerror(errno));
		return 1;
	}
	ok = xs_introduce_domain(h, domid, 0, (unsigned)atoi(buf));
	if (!ok)
		fprintf(stderr, "xenstore-sim: introduce %u: %s\n", domid, strerror(errno));
	xs_close(h);
	return ok ? 0 : 1;
}

