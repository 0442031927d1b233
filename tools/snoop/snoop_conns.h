/*
 * snoop_conns.h - who is behind a connection id (snoop_conns.c).
 */
#ifndef SNOOP_CONNS_H
#define SNOOP_CONNS_H

#include <stdbool.h>

#include "snoop_parse.h"

struct conn_info {
	unsigned id;
	unsigned domid, pid, uid;
	bool have_uid;			/* uid came from conn_open */
	char comm[SNOOP_COMM_SIZE];	/* display form (snoop_clean) */
	char kind[16];			/* "socket", "ring" (display form) */
};

/* The connection, or NULL when unknown. */
struct conn_info *conn_find(unsigned id);

/* The connection, added when unknown (its comm read from /proc/PID/comm
 * for a dom0 process); NULL only when out of memory. */
struct conn_info *conn_get(unsigned id, unsigned domid, unsigned pid);

/* Forgets a connection (it closed, or its id starts a new one). */
void conn_forget(unsigned id);

/* Its command name in display form, NULL when unknown. */
const char *comm_of(unsigned conn_id);

/* Forgets every connection and frees the table. */
void conns_clear(void);

#endif
