/*
 * unix_socket.h - the Unix-socket transport for dom0 tools: listening
 * sockets (the socket and its socket_ro alias) and the conn_ops of an
 * accepted client.  Socket clients act as the privileged domain (spec
 * §3.1); we record who they are (SO_PEERCRED pid/uid, /proc comm) so the
 * probes can tell dom0 processes apart.
 */
#ifndef XS_UNIX_SOCKET_H
#define XS_UNIX_SOCKET_H

struct daemon;
struct unix_listener;

/* Creates, binds (mode 0600) and listens; the loop then accepts
 * clients.  A stale socket (nobody answers) is replaced; EADDRINUSE when
 * a live daemon answers on path.  0 or errno. */
int unix_listen(struct daemon *d, const char *path, struct unix_listener **out);
/* Stops listening and removes the socket file, if it is still ours. */
void unix_unlisten(struct daemon *d, struct unix_listener *l);

/* Live update: the fds that survive exec, and taking them over in the new
 * process (the listener keeps its file; a client keeps its connection). */
struct conn;
int unix_listener_fd(const struct unix_listener *l);
int unix_client_fd(const struct conn *c);    /* -1: not a socket client */
int unix_adopt_listener(struct daemon *d, int fd, const char *path,
			struct unix_listener **out);
struct conn *unix_adopt_client(struct daemon *d, int fd);

#endif
