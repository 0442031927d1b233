/* watch.c - watch registry and event delivery (see watch.h). */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "log.h"
#include "path.h"
#include "probes.h"
#include "store.h"
#include "trace_file.h"

static struct watch *watch_of(const struct hashtab_link *l)
{
	return hashtab_entry(l, struct watch, hash_link);
}

static uint32_t watch_hash(const struct hashtab_link *l)
{
	return watch_of(l)->hash;
}

int watch_table_init(struct watch_table *t)
{
	/* One watch a bucket on average: firing looks up every prefix of
	 * the changed path, so chains are kept shorter than the store's. */
	return hashtab_init(&t->by_path, 256, 1, watch_hash);
}

/* The watches themselves belong to their connections. */
void watch_table_destroy(struct watch_table *t)
{
	hashtab_destroy(&t->by_path, NULL);
}

static const char *watch_path(const struct watch *w)
{
	return w->data;
}

struct watch_key {
	const struct conn *conn;
	const char *path;
	size_t len;
	uint32_t hash;
	const char *token;
};

static bool watch_is(const struct hashtab_link *l, const void *key)
{
	const struct watch *w = watch_of(l);
	const struct watch_key *k = key;

	return w->conn == k->conn && w->hash == k->hash && w->path_len == k->len &&
	       memcmp(watch_path(w), k->path, k->len) == 0 && strcmp(w->token, k->token) == 0;
}

static struct watch *find(const struct watch_table *t, const struct conn *c,
			  const char *path, const char *token)
{
	size_t len = strlen(path);
	struct watch_key k = { c, path, len, store_hash(path, len), token };
	struct hashtab_link *l = hashtab_find(&t->by_path, k.hash, watch_is, &k);

	return l ? watch_of(l) : NULL;
}

int watch_add(struct watch_table *t, struct conn *c, const char *path, bool relative,
	      const char *token, int depth, struct watch **out)
{
	size_t plen = strlen(path), tlen = strlen(token);
	struct watch *w;

	if (find(t, c, path, token))
		return EEXIST;
	w = calloc(1, sizeof(*w) + plen + tlen + 2);
	if (!w)
		return ENOMEM;
	memcpy(w->data, path, plen + 1);
	memcpy(w->data + plen + 1, token, tlen + 1);
	w->token = w->data + plen + 1;
	w->path_len = (uint16_t)plen;
	w->hash = store_hash(path, plen);
	w->conn = c;
	w->depth = depth;
	w->relative = relative;
	hashtab_insert(&t->by_path, &w->hash_link, w->hash);
	w->conn_next = c->watches;
	c->watches = w;
	c->nwatches++;
	*out = w;
	return 0;
}

static void unlink_from_conn(struct conn *c, struct watch *w)
{
	for (struct watch **pp = &c->watches; *pp; pp = &(*pp)->conn_next) {
		if (*pp == w) {
			*pp = w->conn_next;
			c->nwatches--;
			return;
		}
	}
}

int watch_remove(struct watch_table *t, struct conn *c, const char *path,
		 const char *token)
{
	struct watch *w = find(t, c, path, token);

	if (!w)
		return ENOENT;
	hashtab_remove(&t->by_path, &w->hash_link, w->hash);
	unlink_from_conn(c, w);
	if (w->overflowed)
		c->overflowed_watches--;
	free(w);
	return 0;
}

void watch_remove_all(struct watch_table *t, struct conn *c)
{
	while (c->watches) {
		struct watch *w = c->watches;
		hashtab_remove(&t->by_path, &w->hash_link, w->hash);
		c->watches = w->conn_next;
		c->nwatches--;
		free(w);
	}
	c->overflowed_watches = 0;
}

/* Room for one more event of msg bytes under the hard limit. */
static bool event_fits(const struct conn *c, size_t msg)
{
	return !c->out_hard_limit || conn_pending_output(c) + msg <= c->out_hard_limit;
}

static void mark_overflowed(struct watch *w)
{
	struct conn *c = w->conn;

	c->daemon->events_dropped++;
	if (w->overflowed)
		return;
	w->overflowed = true;
	if (c->overflowed_watches++ == 0)
		log_warnx("connection %u (domain %u, pid %d %s): %zu bytes unread, dropping watch events until it reads",
			  c->id, c->domid, (int)c->pid, c->comm, conn_pending_output(c));
}

/* Queues path and token; false when the limit leaves no room. */
static bool queue_event(struct watch *w, const char *epath, const struct event_cause *cause)
{
	struct conn *c = w->conn;
	char buf[XS_PAYLOAD_MAX + 1];
	size_t plen = strlen(epath), tlen = strlen(w->token);

	/* XSA-324: an event that cannot be sent in one message is dropped. */
	if (plen + tlen + 2 > XS_PAYLOAD_MAX)
		return true;
	if (!event_fits(c, XS_HEADER_SIZE + plen + tlen + 2))
		return false;
	memcpy(buf, epath, plen + 1);
	memcpy(buf + plen + 1, w->token, tlen + 1);
	if (XS_PROBE_ENABLED(watch_event))
		XS_PROBE(watch_event, c->id, c->domid, c->pid, epath, w->token,
			 cause ? cause->conn_id : 0, cause ? cause->req_id : 0,
			 cause ? cause->seq : 0);
	if (c->daemon->trace)
		trace_watch_event(c->daemon->trace, c, epath, w->token, cause);
	conn_queue(c, XS_WATCH_EVENT, 0, 0, buf, plen + tlen + 2);
	return true;
}

void watch_send_event(struct watch *w, const char *epath, const struct event_cause *cause)
{
	/* The overflow event to come stands for this one. */
	if (w->overflowed || !queue_event(w, epath, cause))
		mark_overflowed(w);
}

/* The path the watch was registered with (relative stays relative). */
static const char *registered_path(const struct watch *w)
{
	char home[32];
	size_t hlen;

	if (!w->relative)
		return watch_path(w);
	hlen = path_home(w->conn->domid, home, sizeof(home));
	if (strncmp(watch_path(w), home, hlen) == 0 && watch_path(w)[hlen] == '/')
		return watch_path(w) + hlen + 1;
	return watch_path(w);
}

void watch_send_overflows(struct conn *c)
{
	for (struct watch *w = c->watches; w && c->overflowed_watches; w = w->conn_next) {
		if (!w->overflowed || !queue_event(w, registered_path(w), NULL))
			continue;
		w->overflowed = false;
		if (--c->overflowed_watches == 0)
			log_debug("connection %u (domain %u, pid %d %s): read up, watch events resume",
				  c->id, c->domid, (int)c->pid, c->comm);
	}
}

/* XSA-115: tell a watcher only about what it may know exists. */
static bool may_see(struct daemon *d, const struct conn *c, const char *path,
		    const struct perm *old_perms, unsigned old_nperms)
{
	struct perm_subject who = { c->domid, c->domain ? c->domain->target : -1, c->priv,
				    c->features & XS_FEATURE_DOMID_ANY,
				    c->domain ? c->domain->generation : 0 };
	const struct node *n;
	size_t len, plen;

	if (c->priv)
		return true;
	len = strlen(path);
	n = store_lookup(&d->model.store, path, len);
	if (n && (perm_for_gen(&who, n->perms, n->nperms, n->generation) & PERM_READ))
		return true;
	if (old_nperms && (perm_for(&who, old_perms, old_nperms) & PERM_READ))
		return true;
	plen = path_parent_len(path, len);
	if (plen == 0)
		return false;
	n = store_lookup(&d->model.store, path, plen);
	return n && (perm_for_gen(&who, n->perms, n->nperms, n->generation) & PERM_READ);
}

struct fire_args {
	const char *path;
	const struct perm *old_perms;
	unsigned old_nperms;
	const struct event_cause *cause;
};

static void deliver(struct daemon *d, struct watch *w, const struct fire_args *a)
{
	const char *path = a->path, *epath = a->path;

	if (w->conn->dead || w->conn->close_pending || !may_see(d, w->conn, path, a->old_perms, a->old_nperms))
		return;
	if (w->relative) {
		/* Registered below the home dir, so the event path is too. */
		char home[32];
		size_t hlen = path_home(w->conn->domid, home, sizeof(home));
		if (strncmp(path, home, hlen) == 0 && path[hlen] == '/')
			epath = path + hlen + 1;
	}
	watch_send_event(w, epath, a->cause);
}

/* Every watch registered on exactly path[0..len) (hash h) matching an
 * event `depth` levels below it. */
static void fire_prefix(struct daemon *d, const struct fire_args *a, size_t len,
			uint32_t h, unsigned depth)
{
	struct hashtab_link *l = hashtab_chain(&d->model.watches.by_path, h);

	for (; l; l = l->next) {
		struct watch *w = watch_of(l);

		if (w->hash != h || w->path_len != len ||
		    memcmp(watch_path(w), a->path, len) != 0)
			continue;
		if (w->depth >= 0 && depth > (unsigned)w->depth)
			continue;
		/* "@releaseDomain/<domid>" is only for watchers who asked for
		 * depth (C 4.22); a plain @releaseDomain watch keeps getting
		 * just "@releaseDomain", as it always has. */
		if (w->depth < 0 && depth > 0 && a->path[0] == '@')
			continue;
		deliver(d, w, a);
	}
}

void watch_fire(struct daemon *d, const char *path, bool exact,
		const struct perm *old_perms, unsigned old_nperms,
		const struct event_cause *cause)
{
	struct fire_args a = { path, old_perms, old_nperms, cause };
	size_t len = strlen(path);
	uint32_t h = STORE_HASH_INIT;
	unsigned below = 0;

	if (d->model.watches.by_path.count == 0)
		return;
	if (exact) {
		fire_prefix(d, &a, len, store_hash(path, len), 0);
		return;
	}
	/* Depth of the event below each prefix: count the separators left. */
	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			below++;
	if (path[0] == '/' && len == 1)
		below = 0;
	for (size_t i = 0; i < len; i++) {
		if (path[i] == '/' && i > 0) {
			fire_prefix(d, &a, i, h, below);
			below--;
		}
		h = store_hash_step(h, path[i]);
		if (i == 0 && path[0] == '/' && len > 1) {
			/* the root watch "/" sees everything below it */
			fire_prefix(d, &a, 1, h, below);
			below--;
		}
	}
	fire_prefix(d, &a, len, h, 0);
}

void watch_changed(void *event_source, const char *path, bool exact,
		   const struct perm *old_perms, unsigned old_nperms)
{
	struct event_source *src = event_source;

	watch_fire(src->d, path, exact, old_perms, old_nperms, &src->cause);
}
