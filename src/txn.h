/*
 * txn.h - transactions, and the "view" through which every node operation
 * reads and changes the store, inside a transaction or not.
 *
 * A transaction never copies the store.  On its first access to a path it
 * records the committed node's generation (or its absence) and keeps a
 * private copy; later accesses use the copy (snapshot at first access, as
 * C xenstored since 4.9).  Commit checks every recorded generation against
 * the store and either applies all modified copies or fails with EAGAIN,
 * remembering the first conflicting path.  Cost is proportional to the
 * nodes touched, never to the size of the store.
 *
 * Watch events of a transaction are queued and delivered only on commit.
 */
#ifndef XS_TXN_H
#define XS_TXN_H

#include <stdbool.h>
#include <stdint.h>

#include "hashtab.h"
#include "store.h"

struct txn_entry;
struct change;

/* A changed path to report to watchers: exact = only watches on exactly
 * this path match (descendants removed with an RM of an ancestor). */
typedef void change_fn(void *ctx, const char *path, bool exact,
		       const struct perm *old_perms, unsigned old_nperms);

struct txn {
	struct txn *next;             /* the connection's open transactions */
	uint32_t id;
	unsigned node_limit;          /* transaction-nodes quota, 0 = none */
	int failed;                   /* errno that dooms the commit, or 0 */
	struct hashtab entries;       /* by path; growth: txn_new */
	struct txn_entry *first;      /* access order */
	struct txn_entry **last;
	struct change *changes;       /* queued watch events, in order */
	struct change **changes_last;
	unsigned nchanges;
	unsigned domid;               /* whose nodes the quota counts: the caller's */
	long nodes_owned;             /* net nodes of domid the commit will add:
				       * each node charged to or credited from
				       * its owner, so deleting another
				       * domain's nodes frees none of domid's */
	size_t bytes;                 /* memory its copies hold */
	size_t *owner_bytes;          /* the domain's total over its transactions */
	size_t bytes_limit;           /* memory quota for that total, 0 = none */
	uint64_t start_ns;            /* for probes: when it started */
	unsigned ops;                 /* requests done inside it */
	char *conflict_path;          /* set when commit fails with EAGAIN */
};

struct txn *txn_new(uint32_t id, unsigned node_limit);
void txn_free(struct txn *t);

/* Calls fn for every node the transaction created or changed, in the
 * order it first touched them.  fn may change that node in place (then
 * it is still written at commit); nodes fn makes the transaction touch
 * are visited too. */
void txn_foreach_written(struct txn *t, void (*fn)(struct node *n, void *ctx), void *ctx);

/* Checks and applies.  0, EAGAIN (t->conflict_path says why), or the
 * errno the transaction failed with.  On success the queued changes are
 * reported through fn after the store is updated. */
int txn_commit(struct txn *t, struct store *s, change_fn *fn, void *ctx);

/*
 * The view: a store seen directly (txn == NULL) or through a transaction.
 * Returned nodes are owned by the view; change them in place and then call
 * view_modified().
 */
struct view {
	struct store *store;
	struct txn *txn;
	change_fn *on_change;   /* used outside transactions */
	void *change_ctx;
};

/* *out = the node or NULL when absent; ENOSPC/ENOMEM when a transaction
 * cannot track one more node (the transaction is then doomed). */
int view_lookup(struct view *v, const char *path, size_t len, struct node **out);
/* The same with the path's store_hash already known. */
int view_lookup_hashed(struct view *v, const char *path, size_t len, uint32_t hash,
		       struct node **out);
/* Adds n (path absent in the view); takes ownership. */
int view_create(struct view *v, struct node *n);
void view_modified(struct view *v, struct node *n);
/* Sets a node's value; *n may move (see store.h). */
int view_set_value(struct view *v, struct node **n, const void *value, size_t len);
int view_set_perms(struct view *v, struct node *n, const struct perm *perms,
		   unsigned nperms);
/* Removes one node (not its children). */
int view_delete(struct view *v, struct node *n);
/* Reports a change now, or at commit inside a transaction. */
void view_changed(struct view *v, const char *path, bool exact,
		  const struct perm *old_perms, unsigned old_nperms);

#endif
