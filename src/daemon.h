/*
 * daemon.h - the server around the data model, in one struct passed to
 * whoever needs it (no globals): the model it serves (model.h: store,
 * watches, domains, quotas), the event loop, the live connections and
 * their per-round lists, the listeners, the hypervisor backend with the
 * port map of its rings, the trace file, the live-update session, the
 * counters CONTROL reports, and the reply scratch buffer.
 */
#ifndef XS_DAEMON_H
#define XS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain_life.h"
#include "model.h"
#include "wire.h"

struct conn;
struct ev_loop;
struct hv;
struct unix_listener;
struct trace_file;
struct live_update;

struct daemon {
	struct model model;          /* what is served */
	struct ev_loop *loop;
	struct conn *conns;          /* live connections */
	struct conn *reap;           /* closed this round, freed after it */
	struct conn *flush;          /* given output this round */
	struct conn *resume;         /* work left by a transport's budget */
	bool partial_input;          /* a request was left half-received this round */
	unsigned nconns;
	uint32_t next_conn_id;
	size_t out_limit_priv;       /* output queue bound, privileged conns */
	struct hv *hv;               /* hypervisor backend, NULL: socket only */
	struct port_map ports;       /* ring connection by local event port */
	struct trace_file *trace;    /* -T FILE (trace_file.h); NULL: off */
	uint64_t requests;           /* served since start */
	struct live_update *lu;      /* live-update session, NULL when none */
	uint64_t oom_closes;         /* conns closed: no memory for a reply */
	struct unix_listener *listeners; /* unix_socket.c's, for accept back-off */
	bool accept_paused;          /* out of fds: listeners wait for a close */
	uint64_t events_dropped;     /* watch events past an output limit */
	char reply[XS_PAYLOAD_MAX + 64]; /* reply scratch, one request at a time */
};

int daemon_init(struct daemon *d);
void daemon_destroy(struct daemon *d);

/* Features the daemon offers (GET_FEATURE, ring server_features). */
#define DAEMON_FEATURES (XS_FEATURE_ERROR | XS_FEATURE_WATCHDEPTH | XS_FEATURE_DOMID_ANY)
/* A guest's ring also offers RECONNECTION (a socket has nothing to reset). */
#define GUEST_FEATURES (DAEMON_FEATURES | XS_FEATURE_RECONNECTION)

/* Consistency check for CONTROL check, the unit tests and the fuzzers
 * (daemon_check.c): the model's (model_check) and everything that points
 * into the connections.  Returns the number of problems, each logged and
 * appended to report (size bytes, NUL-terminated). */
unsigned daemon_check(struct daemon *d, char *report, size_t size);

#endif
