/*
 * path.h - xenstore path syntax: validation, resolution of relative paths
 * against a domain's home (/local/domain/<id>), parents and depth.
 * Paths here are plain NUL-terminated strings; the store never sees a path
 * that has not passed path_resolve().
 */
#ifndef XS_PATH_H
#define XS_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Big enough for any payload string plus the longest home prefix. */
#define XS_PATH_BUF (4096 + 32)

/*
 * Resolves `in` as sent by domain `domid` into an absolute path (or an
 * @special name when allow_special) in out[XS_PATH_BUF].  Sets *relative
 * when the home prefix was added.  Returns 0 or EINVAL.
 */
int path_resolve(const char *in, unsigned domid, bool allow_special,
		 char *out, bool *relative);

/* The longest path any connection may name, dom0 included, counted as
 * path_quota_length() does: C xenstored's XENSTORE_REL_PATH_MAX. */
#define XS_REL_PATH_MAX 2048

/* The length that path limits count (C xenstored's rule): the part after
 * "/local/domain/<id>/", else the whole path.  <id> is what C's
 * sscanf("%5u/") takes: up to five characters, an optional sign first. */
size_t path_quota_length(const char *path);

/* Writes "/local/domain/<domid>" into out; returns its length. */
size_t path_home(unsigned domid, char *out, size_t size);

/* Length of the parent of an absolute path ("/a/b" -> 2, "/a" -> 1);
 * 0 for "/" and for @special names without a '/'. */
size_t path_parent_len(const char *path, size_t len);

/* Number of components below `base` that `path` lies ("/a" below "/" is 1). */
unsigned path_depth_below(const char *base, size_t base_len, const char *path);

/* True when path == base or lies below it (base "/" covers every
 * absolute path). */
bool path_is_under(const char *path, const char *base, size_t base_len);

#endif
