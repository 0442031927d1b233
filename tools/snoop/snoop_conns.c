/*
 * snoop_conns.c - who is behind a connection id: its domain, client
 * process, command name and kind, from the daemon's conn_open probe, or
 * learnt from its requests and /proc when the connection predates the
 * attach.  In the daemon's hash table (src/hashtab.h), one lookup per
 * printed line; a record stays where it is until forgotten, so a pointer
 * conn_get() returned stays good while other connections come and go.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"
#include "snoop_conns.h"
#include "snoop_parse.h"

struct conn_entry {
	struct hashtab_link link;
	struct conn_info info;
};

static struct hashtab conns;

static uint32_t conn_hash(unsigned id)
{
	return id * 2654435761u;
}

static struct conn_entry *entry_of(const struct hashtab_link *l)
{
	return hashtab_entry(l, struct conn_entry, link);
}

static uint32_t conn_rehash(const struct hashtab_link *l)
{
	return conn_hash(entry_of(l)->info.id);
}

static bool conn_is(const struct hashtab_link *l, const void *id)
{
	return entry_of(l)->info.id == *(const unsigned *)id;
}

struct conn_info *conn_find(unsigned id)
{
	struct hashtab_link *l;

	if (!conns.buckets)
		return NULL;
	l = hashtab_find(&conns, conn_hash(id), conn_is, &id);
	return l ? &entry_of(l)->info : NULL;
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
	struct conn_entry *e;

	if (c)
		return c;
	if (!conns.buckets && hashtab_init(&conns, 256, 1, conn_rehash))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->info.id = id;
	e->info.domid = domid;
	e->info.pid = pid;
	proc_comm(pid, e->info.comm, sizeof(e->info.comm));
	hashtab_insert(&conns, &e->link, conn_hash(id));
	return &e->info;
}

void conn_forget(unsigned id)
{
	struct conn_info *c = conn_find(id);
	struct conn_entry *e;

	if (!c)
		return;
	e = hashtab_entry(c, struct conn_entry, info);
	hashtab_remove(&conns, &e->link, conn_hash(id));
	free(e);
}

const char *comm_of(unsigned conn_id)
{
	struct conn_info *c = conn_find(conn_id);

	return c && c->comm[0] ? c->comm : NULL;
}

static void free_entry(struct hashtab_link *l)
{
	free(entry_of(l));
}

void conns_clear(void)
{
	if (conns.buckets)
		hashtab_destroy(&conns, free_entry);
	memset(&conns, 0, sizeof(conns));
}
