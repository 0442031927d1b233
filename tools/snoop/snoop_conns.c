/*
 * snoop_conns.c - who is behind a connection id: its domain, client
 * process, command name and kind, from the daemon's conn_open probe, or
 * learnt from its requests and /proc when the connection predates the
 * attach.  An open-addressing table (linear probing, backward-shift
 * deletion): one lookup per printed line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snoop_conns.h"
#include "snoop_parse.h"

static struct {
	struct conn_info *slots;
	size_t cap, used;
} conns;

static size_t conn_hash(unsigned id, size_t cap)
{
	return (id * 2654435761u) & (cap - 1);
}

struct conn_info *conn_find(unsigned id)
{
	size_t i;

	if (!conns.cap)
		return NULL;
	for (i = conn_hash(id, conns.cap); conns.slots[i].used; i = (i + 1) & (conns.cap - 1))
		if (conns.slots[i].id == id)
			return &conns.slots[i];
	return NULL;
}

static void proc_comm(unsigned pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	if (!pid)
		return;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	snoop_read_comm(f, buf, size);
	fclose(f);
}

struct conn_info *conn_get(unsigned id, unsigned domid, unsigned pid)
{
	struct conn_info *c = conn_find(id);
	size_t i;

	if (c)
		return c;
	if ((conns.used + 1) * 2 > conns.cap) {
		size_t ncap = conns.cap ? conns.cap * 2 : 256;
		struct conn_info *old = conns.slots, *ns = calloc(ncap, sizeof(*ns));
		size_t ocap = conns.cap;

		if (!ns)
			return NULL;
		for (i = 0; i < ocap; i++) {
			size_t j;

			if (!old[i].used)
				continue;
			for (j = conn_hash(old[i].id, ncap); ns[j].used; j = (j + 1) & (ncap - 1))
				;
			ns[j] = old[i];
		}
		free(old);
		conns.slots = ns;
		conns.cap = ncap;
	}
	for (i = conn_hash(id, conns.cap); conns.slots[i].used; i = (i + 1) & (conns.cap - 1))
		;
	c = &conns.slots[i];
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->id = id;
	c->domid = domid;
	c->pid = pid;
	proc_comm(pid, c->comm, sizeof(c->comm));
	conns.used++;
	return c;
}

void conn_forget(unsigned id)
{
	struct conn_info *c = conn_find(id);
	size_t i, j;

	if (!c)
		return;
	/* Backward-shift deletion keeps linear probing intact. */
	i = c - conns.slots;
	conns.slots[i].used = false;
	conns.used--;
	for (j = (i + 1) & (conns.cap - 1); conns.slots[j].used; j = (j + 1) & (conns.cap - 1)) {
		struct conn_info tmp = conns.slots[j];

		conns.slots[j].used = false;
		conns.used--;
		c = conn_get(tmp.id, tmp.domid, 0);
		if (c)
			*c = tmp;
	}
}

const char *comm_of(unsigned conn_id)
{
	struct conn_info *c = conn_find(conn_id);

	return c && c->comm[0] ? c->comm : NULL;
}

void conns_clear(void)
{
	free(conns.slots);
	memset(&conns, 0, sizeof(conns));
}
