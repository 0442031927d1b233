/*
 * live_update.h - replacing the running daemon's binary without losing
 * anything (PROTOCOL.md §6): CONTROL `live-update` as C xenstored 4.17 answers it
 * (-f binary, -c cmdline, -s [-t secs] [-F], -a), the wait for open
 * transactions, the state written to $XENSTORED_RUNDIR/state_dump in
 * Xen's migration stream (lu_stream.h), the exec with the options C
 * xenstored 4.17 takes plus -U (ours in the environment), and, in the new
 * process, taking the state and the inherited fds back.  The other side may be C xenstored: the stream and the fds
 * are all either needs.
 *
 * Every socket client and the listening socket keep their fds through
 * exec; guest rings are mapped again with their indexes untouched and
 * their event-channel ports adopted (the backend's fd comes through exec
 * too).  Pending input and output, watches, domains, features and quotas
 * are in the stream; open transactions are not (as in C: the start waits
 * for them, -F drops them).
 */
#ifndef XS_LIVE_UPDATE_H
#define XS_LIVE_UPDATE_H

#include <stdbool.h>
#include <stddef.h>

struct conn;
struct daemon;
struct request;
struct unix_listener;
struct xs_msg_header;

/* A live update's new process: the options of the old one, in place of
 * the command line that C xenstored could take too; true if taken.
 * Called first. */
bool live_update_take_options(int *argc, char ***argv);
/* Remembers the command line for the exec (main calls it then). */
void live_update_init(int argc, char **argv);
/* The next process's options: ours, and those C xenstored 4.17 takes
 * (struct arglist, kept by the caller). */
struct arglist;
void live_update_set_args(const struct arglist *ours, const struct arglist *for_c);
/* The listening socket whose fd goes to the new binary. */
void live_update_set_listener(int fd);

/* CONTROL live-update <args>. */
int live_update_control(struct request *r, const char **argv, unsigned argc);

/* While a start is pending, TRANSACTION_START from a connection without a
 * transaction is held back (the connection takes nothing until the update
 * happened or failed).  True: hold this request. */
bool live_update_holds(const struct conn *c, const struct xs_msg_header *h);
/* A closing connection ends the session it started. */
void live_update_conn_closed(struct conn *c);

/* ---- the new process (-U) ---- */

/* The state file read into memory, with the fds of its GLOBAL record. */
struct lu_state {
	void *data;
	size_t len;
	int socket_fd;            /* listening socket, -1: none */
	int evtchn_fd;            /* hypervisor backend's fd, -1: none */
};

/* Reads $XENSTORED_RUNDIR/state_dump (and removes it).  0 or errno with
 * a reason in err. */
int live_update_load(struct lu_state *st, char *err, size_t errlen);
/* Rebuilds the daemon's state from it (after the listener and the
 * hypervisor backend are set up).  Then frees st. */
int live_update_apply(struct daemon *d, struct lu_state *st, char *err, size_t errlen);

/* The state could not be taken: back to the binary that wrote it (which
 * then answers the update with this reason), else fatal. */
void live_update_failed(struct daemon *d, const char *why) __attribute__((noreturn));

/*
 * The same for a stream in memory, for tests and the fuzzer: the store,
 * domains, quotas, watches and connections.  Socket connections are made
 * by adopt_socket (NULL: unix_adopt_client).
 */
struct lu_adopt {
	struct conn *(*socket)(struct daemon *d, int fd);
};
int live_update_restore(struct daemon *d, const void *data, size_t len,
			const struct lu_adopt *adopt, char *err, size_t errlen);
/* Writes the daemon's state as a stream (version 1, our extra records
 * included); lu_conn/req_hdr: the connection that asked and the request
 * whose OK goes into its output (NULL: none).  0 or ENOMEM. */
struct lu_buf;
int live_update_dump(struct daemon *d, struct lu_buf *b, int socket_fd,
		     const struct conn *lu_conn, const struct xs_msg_header *req_hdr);

#endif
