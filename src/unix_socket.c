/* unix_socket.c - Unix-socket listener and client transport. */
#include "unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "daemon.h"
#include "event.h"
#include "log.h"
#include "probes.h"

#define LISTEN_BACKLOG 128

struct unix_listener {
	struct ev_handler ev;
	struct daemon *d;
	struct unix_listener *next; /* the daemon's listeners */
	int fd;
	dev_t dev;  /* the socket file we bound, so we remove only ours */
	ino_t ino;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct unix_client {
	struct ev_handler ev;
	struct conn *conn;
	int fd;
};

static ssize_t client_recv(struct conn *c, void *buf, size_t len)
{
	struct unix_client *u = c->transport;
	ssize_t n = recv(u->fd, buf, len, 0);

	return n < 0 ? -errno : n;
}

static ssize_t client_send(struct conn *c, const void *buf, size_t len)
{
	struct unix_client *u = c->transport;
	ssize_t n = send(u->fd, buf, len, MSG_NOSIGNAL);

	return n < 0 ? -errno : n;
}

static void client_interest(struct conn *c, bool want_in, bool want_out)
{
	struct unix_client *u = c->transport;
	uint32_t ev = (want_in ? EPOLLIN : 0) | (want_out ? EPOLLOUT : 0);

	ev_modify(c->daemon->loop, &u->ev, ev);
}

static void resume_accepting(struct daemon *d);

static void client_destroy(struct conn *c)
{
	struct unix_client *u = c->transport;

	ev_remove(c->daemon->loop, &u->ev);
	close(u->fd);
	u->fd = -1;
	if (c->daemon->accept_paused)
		resume_accepting(c->daemon);
}

/* Not at close: the loop's current batch may hold our handler still. */
static void client_free_transport(struct conn *c)
{
	free(c->transport);
	c->transport = NULL;
}

static const struct conn_ops unix_client_ops = {
	.kind = "socket",
	.recv = client_recv,
	.send = client_send,
	.set_interest = client_interest,
	.destroy = client_destroy,
	.free_transport = client_free_transport,
};

static void client_event(void *arg, uint32_t events)
{
	struct conn *c = arg;

	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		conn_close(c, "hang-up");
		return;
	}
	if (events & EPOLLOUT)
		conn_writable(c);
	if (events & EPOLLIN)
		conn_readable(c);
}

static void identify(struct conn *c, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char path[64];
	ssize_t n;
	int f;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->pid = cred.pid;
		c->uid = cred.uid;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)c->pid);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return;
	n = read(f, c->comm, sizeof(c->comm) - 1);
	close(f);
	if (n > 0 && c->comm[n - 1] == '\n')
		n--;
	c->comm[n > 0 ? n : 0] = '\0';
}

static struct conn *add_client(struct daemon *d, int fd)
{
	struct unix_client *u = calloc(1, sizeof(*u));
	struct conn *c = u ? conn_new(d, &unix_client_ops, u, d->model.priv_domid) : NULL;

	if (!c) {
		log_warnx("out of memory accepting a client");
		free(u);
		close(fd);
		return NULL;
	}
	u->fd = fd;
	u->conn = c;
	c->features = DAEMON_FEATURES;
	identify(c, fd);
	if (ev_add(d->loop, &u->ev, fd, EPOLLIN, client_event, c)) {
		log_warn("epoll_ctl");
		conn_close(c, "epoll");
		return NULL;
	}
	if (XS_PROBE_ENABLED(conn_open))
		XS_PROBE(conn_open, c->id, c->domid, c->pid, c->uid, c->comm, "socket");
	log_debug("connection %u from pid %d (%s) uid %u", c->id, (int)c->pid, c->comm,
		  (unsigned)c->uid);
	return c;
}

static void accept_one(struct unix_listener *l, int fd)
{
	add_client(l->d, fd);
}

/*
 * Out of file descriptors, a listener stays readable: waiting on it again
 * would spin.  Every listener stops until one of our clients closes (the
 * daemon's fds are its clients, so that is when one frees up); the
 * clients meanwhile wait in the backlog.  Logged once per episode.
 */
static void pause_accepting(struct daemon *d, int err)
{
	if (!d->accept_paused)
		log_warnx("out of file descriptors (%s): not accepting until a client closes",
			  strerror(err));
	d->accept_paused = true;
	for (struct unix_listener *l = d->listeners; l; l = l->next)
		ev_modify(d->loop, &l->ev, 0);
}

static void resume_accepting(struct daemon *d)
{
	for (struct unix_listener *l = d->listeners; l; l = l->next)
		ev_modify(d->loop, &l->ev, EPOLLIN);
}

static void listener_event(void *arg, uint32_t events)
{
	struct unix_listener *l = arg;
	struct daemon *d = l->d;
	int fd;

	(void)events;
	while ((fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (d->accept_paused) {
			d->accept_paused = false;
			log_info("accepting clients again");
		}
		accept_one(l, fd);
	}
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
		pause_accepting(d, errno);
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		log_warn("accept on %s", l->path);
}

/* Another daemon is answering on path: connect() succeeds. */
static bool socket_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	/* EAGAIN: listening, its backlog full. */
	live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno == EAGAIN;
	close(fd);
	return live;
}

/* Makes way for bind(): EADDRINUSE when a live daemon answers there;
 * a stale socket (nobody listening) is removed, anything else is left
 * for bind() to refuse. */
static int clear_stale_socket(const struct sockaddr_un *sa)
{
	struct stat st;

	if (lstat(sa->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	if (socket_in_use(sa))
		return EADDRINUSE;
	unlink(sa->sun_path);
	return 0;
}

int unix_listen(struct daemon *d, const char *path, struct unix_listener **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct unix_listener *l;
	struct stat st;
	int err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ENAMETOOLONG;
	l = calloc(1, sizeof(*l));
	if (!l)
		return ENOMEM;
	l->d = d;
	strcpy(l->path, path);
	strcpy(sa.sun_path, path);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		goto fail;
	if ((err = clear_stale_socket(&sa))) {
		errno = err;
		goto fail;
	}
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || lstat(path, &st) < 0 ||
	    chmod(path, 0600) < 0 || listen(l->fd, LISTEN_BACKLOG) < 0)
		goto fail;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	if ((err = ev_add(d->loop, &l->ev, l->fd, EPOLLIN, listener_event, l))) {
		errno = err;
		goto fail;
	}
	l->next = d->listeners;
	d->listeners = l;
	*out = l;
	return 0;
fail:
	err = errno;
	if (l->fd >= 0)
		close(l->fd);
	free(l);
	return err;
}

int unix_listener_fd(const struct unix_listener *l)
{
	return l ? l->fd : -1;
}

int unix_client_fd(const struct conn *c)
{
	const struct unix_client *u = c->transport;
	return c->ops == &unix_client_ops && u ? u->fd : -1;
}

/* An inherited fd must be what it claims before we poll it. */
static int check_socket(int fd, int want_listening)
{
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return EBADF;
	len = sizeof(listening);
	if (type != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
	    listening != want_listening)
		return ENOTSOCK;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

int unix_adopt_listener(struct daemon *d, int fd, const char *path,
			struct unix_listener **out)
{
	struct unix_listener *l;
	struct stat st;
	int err;

	if (strlen(path) >= sizeof(l->path))
		return ENAMETOOLONG;
	if ((err = check_socket(fd, 1)))
		return err;
	l = calloc(1, sizeof(*l));
	if (!l)
		return ENOMEM;
	l->d = d;
	l->fd = fd;
	strcpy(l->path, path);
	if ((err = ev_add(d->loop, &l->ev, fd, EPOLLIN, listener_event, l))) {
		free(l);
		return err;
	}
	/* The file our predecessor bound is ours now. */
	if (lstat(path, &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	l->next = d->listeners;
	d->listeners = l;
	*out = l;
	return 0;
}

struct conn *unix_adopt_client(struct daemon *d, int fd)
{
	if (check_socket(fd, 0)) {
		errno = EBADF;
		return NULL;
	}
	return add_client(d, fd);
}

void unix_unlisten(struct daemon *d, struct unix_listener *l)
{
	struct stat st;

	if (!l)
		return;
	for (struct unix_listener **pp = &d->listeners; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	ev_remove(d->loop, &l->ev);
	close(l->fd);
	/* Another daemon may have replaced our socket meanwhile. */
	if (lstat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	free(l);
}
