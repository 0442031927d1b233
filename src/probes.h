/*
 * probes.h - the daemon's USDT probes (provider "xenstore"), see
 * docs/probes.md for the table of arguments.  A published probe's
 * arguments never change; a changed probe gets a new name.
 *
 * Every probe has an is-enabled semaphore (the kernel sets it while a
 * tracer is attached), so argument preparation costs nothing until
 * someone looks: guard it with XS_PROBE_ENABLED(name).  Build with
 * -DXS_NO_PROBES to remove them entirely.
 *
 * Conventions: scalars first, then pointers with explicit lengths;
 * conn_id identifies a connection for the daemon's lifetime; pid is the
 * client process for socket clients and 0 for guests.  seq numbers the
 * requests of a connection (1, 2, ...): (conn_id, seq) names one request,
 * where the client's req_id need not (the client picks it, and may
 * repeat it), so a tracer joins what a request caused to its reply by it.  Arguments
 * added later come last, so older tracers keep reading the first ones.
 */
#ifndef XS_PROBES_H
#define XS_PROBES_H

#include <stdint.h>

/*
 * What the reply_record probe points to: the arguments of reply in one
 * block, so a tracer reads them with one copy instead of fetching twelve
 * probe arguments one by one (each a helper call in libbpf's
 * bpf_usdt_arg(): about a third of a traced request's BPF cost).  `size`
 * is sizeof this struct as the daemon was built: fields are only ever
 * appended, so a tracer reads min(size, what it knows).
 */
struct xs_probe_reply {
	uint32_t size;
	uint32_t conn_id;
	uint32_t domid;
	uint32_t pid;
	uint32_t req_id;
	uint32_t tx_id;
	uint32_t type;		/* the request's type */
	int32_t err;		/* 0, or the errno sent back as XS_ERROR */
	uint32_t req_len;
	uint32_t rsp_len;
	uint64_t start_ns;	/* CLOCK_MONOTONIC at arrival, 0 if unknown */
	const void *req;	/* request payload */
	const void *rsp;	/* reply payload (the error name for XS_ERROR) */
	uint64_t seq;		/* the request's number on its connection (below) */
};

#ifdef XS_NO_PROBES

#define XS_PROBE_ENABLED(name) 0
/* Still "uses" the arguments so both builds see the same code. */
static inline void xs_probe_compiled_out(int unused, ...)
{
	(void)unused;
}
#define XS_PROBE(name, ...) xs_probe_compiled_out(0, __VA_ARGS__)

#else

#define _SDT_HAS_SEMAPHORES 1
/* Registers or immediates only: libbpf 1.1 rejects %rip-relative operands
 * and bpftrace 0.17 reads them wrongly (docs/probes.md, "Listing the
 * probes"). */
#ifndef STAP_SDT_ARG_CONSTRAINT
#define STAP_SDT_ARG_CONSTRAINT nr
#endif
#define SDT_USE_VARIADIC 1
#include <sys/sdt.h>

#ifdef XS_DEFINE_SEMAPHORES
#define XS_SEMAPHORE(name) \
	__extension__ unsigned short xenstore_##name##_semaphore \
	__attribute__((unused, section(".probes")))
#else
#define XS_SEMAPHORE(name) \
	__extension__ extern unsigned short xenstore_##name##_semaphore \
	__attribute__((unused, section(".probes")))
#endif

XS_SEMAPHORE(request);
XS_SEMAPHORE(reply);
XS_SEMAPHORE(reply_record);
XS_SEMAPHORE(request_done);
XS_SEMAPHORE(error);
XS_SEMAPHORE(watch_event);
XS_SEMAPHORE(txn_start);
XS_SEMAPHORE(txn_done);
XS_SEMAPHORE(conn_open);
XS_SEMAPHORE(conn_close);
XS_SEMAPHORE(domain_introduce);
XS_SEMAPHORE(domain_release);
XS_SEMAPHORE(quota_exceeded);

/* Volatile read: the sdt asm has no memory clobber, so a plain load could
 * be hoisted and an attach never noticed. */
#define XS_PROBE_ENABLED(name) \
	__builtin_expect(*(volatile unsigned short *)&xenstore_##name##_semaphore != 0, 0)
#define XS_PROBE(name, ...) STAP_PROBEV(xenstore, name, __VA_ARGS__)

#endif

/*
 * request(conn_id, domid, pid, req_id, tx_id, type, payload, len)
 *   a request was received and is about to be handled.
 * reply(conn_id, domid, pid, req_id, tx_id, type, err, req_payload,
 *       req_len, rsp_payload, rsp_len, start_ns)
 *   its reply was queued; err = 0 or the errno sent as XS_ERROR (then
 *   rsp_payload is the error name); start_ns = CLOCK_MONOTONIC when the
 *   request was received (0 if the probe was attached mid-request).
 *   Carries the request too, so a tracer needs one hit per request.
 * reply_record(record, record_size)
 *   fires with reply and carries the same, as one struct xs_probe_reply
 *   (above): the probe xenstore-snoop uses.
 * request_done(domid, pid, tx_id, reply_type, req_payload, rsp_payload)
 *   fires with reply, for tracers that read only six arguments (bpftrace
 *   0.17 on x86-64): reply_type is the request's type or XS_ERROR (16);
 *   both payloads are NUL-terminated strings (a WRITE shows its path).
 * error(conn_id, domid, pid, req_id, tx_id, type, err, errname)
 *   fires with reply when err != 0.
 * watch_event(conn_id, domid, pid, path, token, cause_conn_id, cause_req_id,
 *             cause_seq)
 *   a WATCH_EVENT was queued for connection conn_id; cause_* name the
 *   request that caused it (0, 0, 0 for domain events).
 * txn_start(conn_id, domid, pid, tx_id)
 * txn_done(conn_id, domid, pid, tx_id, result, conflict_path, nodes, ops,
 *          duration_ns, seq)
 *   result: 0 committed, 1 aborted, 2 EAGAIN conflict, 3 failed (other
 *   error), 4 dropped with its connection; conflict_path = node that
 *   caused EAGAIN, else NULL; nodes = nodes touched; ops = requests;
 *   seq = the TRANSACTION_END's (0 when dropped with its connection).
 * conn_open(conn_id, domid, pid, uid, comm, kind)
 * conn_close(conn_id, domid, pid, reason)
 * domain_introduce(domid, evtchn, gfn)
 * domain_release(domid, reason)  reason: "release", "shutdown", "dying"
 * quota_exceeded(conn_id, domid, quota, value, limit, req_id, seq)
 *   quota = name ("nodes", ...); value = what the request would have reached.
 */

#endif
