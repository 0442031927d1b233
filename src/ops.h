/*
 * ops.h - the request handlers, one per message type, grouped by file:
 * ops_node.c (tree), ops_watch.c, ops_txn.c, ops_domain.c (domains,
 * features, quotas), control.c (CONTROL).  Each takes a parsed request
 * and returns 0 with a reply set, or an errno (see request.h).
 */
#ifndef XS_OPS_H
#define XS_OPS_H

#include <stdbool.h>

struct request;

/* Resolves a path argument for the caller (relative paths, @specials when
 * allowed, the path-max quota); EINVAL when invalid. */
int ops_resolve(struct request *r, const char *arg, bool allow_special, char *out,
		bool *relative);
/* Parses a domid argument (EINVAL). */
int ops_domid(const char *arg, unsigned *domid);

int do_read(struct request *r);
int do_write(struct request *r);
int do_mkdir(struct request *r);
int do_rm(struct request *r);
int do_directory(struct request *r);
int do_directory_part(struct request *r);
int do_get_perms(struct request *r);
int do_set_perms(struct request *r);

int do_watch(struct request *r);
int do_unwatch(struct request *r);
int do_reset_watches(struct request *r);

int do_transaction_start(struct request *r);
int do_transaction_end(struct request *r);

int do_introduce(struct request *r);
int do_release(struct request *r);
int do_resume(struct request *r);
int do_is_domain_introduced(struct request *r);
int do_get_domain_path(struct request *r);
int do_set_target(struct request *r);
int do_get_feature(struct request *r);
int do_set_feature(struct request *r);
int do_get_quota(struct request *r);
int do_set_quota(struct request *r);

int do_control(struct request *r);

#endif
