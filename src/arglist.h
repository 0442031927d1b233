/*
 * arglist.h - a growable argument vector (NULL-terminated, as exec wants
 * it), and its encoding into one environment variable: a live update
 * hands our own options to the next process that way, since its command
 * line holds only what C xenstored 4.17 accepts (docs/LIVE-UPDATE.md).
 */
#ifndef XS_ARGLIST_H
#define XS_ARGLIST_H

#include <stddef.h>

struct arglist {
	char **v;                 /* v[n] is NULL once anything was added */
	size_t n, cap;
};

/* Appends a copy of s; 0 or ENOMEM. */
int arglist_add(struct arglist *a, const char *s);
void arglist_free(struct arglist *a);

/*
 * "COUNT;" then "LEN:BYTES" per argument: any byte but NUL may be in an
 * argument, and lists can follow each other in one string.  Appends to
 * *out (a malloc'd string or NULL); 0 or ENOMEM.
 */
int arglist_encode(char **out, char *const *v, size_t n);
/* Decodes one list from *s into a (appended), moving *s past it; 0 or
 * EINVAL (a malformed string) or ENOMEM. */
int arglist_decode(const char **s, struct arglist *a);

#endif
