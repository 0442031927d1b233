/*
 * perms.h - node permission lists: the wire syntax ("r5", "b0", "n7"),
 * and the access rule of PROTOCOL.md §2.3 (C's perm_for_conn).
 */
#ifndef XS_PERMS_H
#define XS_PERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PERM_NONE 0u
#define PERM_READ 1u
#define PERM_WRITE 2u
#define PERM_OWNER 4u
/* Entry kept but ignored: the domain it names is gone or younger than the
 * node (XSA-322/417).  Still printed by GET_PERMS, like C. */
#define PERM_STALE 8u

struct perm {
	uint16_t domid;
	uint8_t access; /* PERM_READ | PERM_WRITE | PERM_STALE */
};

/* Who is asking. */
struct perm_subject {
	unsigned domid;
	int target;      /* SET_TARGET target domain, or -1 */
	bool priv;
	bool any_domain; /* has feature DOMID_ANY: entries for 32757 name it */
	uint64_t since;  /* store generation when the daemon first knew this
			  * domain: entries naming it on nodes last changed
			  * before that were written for an earlier domain with
			  * the same id, and grant nothing (XSA-322/417) */
};

/* PERM_READ|PERM_WRITE|PERM_OWNER as granted to `who` by a list. */
unsigned perm_for(const struct perm_subject *who, const struct perm *perms,
		  unsigned nperms);
/* The same for a node's list, last changed at node_generation: entries
 * naming `who` are ignored when `who` is younger than that change. */
unsigned perm_for_gen(const struct perm_subject *who, const struct perm *perms,
		      unsigned nperms, uint64_t node_generation);

/* Parses nargs strings like "r5" into perms[]; 0 or EINVAL. */
int perms_parse(const char *const *args, unsigned nargs, struct perm *perms);

/* Writes "r5\0b0\0..." into out; returns bytes written or 0 if it does
 * not fit in size. */
size_t perms_format(const struct perm *perms, unsigned nperms, char *out,
		    size_t size);

#endif
