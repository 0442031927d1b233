/*
 * hv_sim.h - the simulated hypervisor's on-disk contract, shared by the
 * daemon's backend (hv_sim.c) and the xenstore-sim tool that plays the
 * hypervisor and the guests.  Everything lives in one directory DIR:
 *
 *   DIR/evtchn          the daemon's datagram socket: guests send a
 *                       struct sim_event {domid, port} to notify their
 *                       channel; {SIM_VIRQ, 0} announces a domain state
 *                       change (Xen's VIRQ_DOM_EXC)
 *   DIR/<domid>/ring    the domain's ring page (4096-byte file, mapped
 *                       shared by daemon and guest)
 *   DIR/<domid>/state   "running", "shutdown" or "dying"; no directory
 *                       means the domain does not exist
 *   DIR/<domid>/evtchn  the guest's datagram socket: the daemon sends a
 *                       struct sim_event {domid, port} to notify it
 *
 * So guests are ordinary processes, the page is real shared memory, and a
 * notification is a real wake-up: the daemon's ring code runs unchanged.
 */
#ifndef XS_HV_SIM_H
#define XS_HV_SIM_H

#include <stdint.h>

#define SIM_VIRQ 0xffffffffu
#define SIM_PAGE_SIZE 4096
/* The daemon's send buffer: room for every guest's queued wake-ups. */
#define SIM_SNDBUF (64 << 20)

struct sim_event {
	uint32_t domid;
	uint32_t port;
};

#endif
