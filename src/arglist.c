/* arglist.c - argument vectors and their one-string encoding. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arglist.h"

static int add_n(struct arglist *a, const char *s, size_t len)
{
	char *copy;

	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	if (!(copy = strndup(s, len)))
		return ENOMEM;
	a->v[a->n++] = copy;
	a->v[a->n] = NULL;
	return 0;
}

int arglist_add(struct arglist *a, const char *s)
{
	return add_n(a, s, strlen(s));
}

void arglist_free(struct arglist *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

static int append(char **out, size_t *len, const char *s, size_t n)
{
	char *p = realloc(*out, *len + n + 1);

	if (!p)
		return ENOMEM;
	memcpy(p + *len, s, n);
	*len += n;
	p[*len] = '\0';
	*out = p;
	return 0;
}

int arglist_encode(char **out, char *const *v, size_t n)
{
	size_t len = *out ? strlen(*out) : 0;
	char num[32];
	int err;

	snprintf(num, sizeof(num), "%zu;", n);
	if ((err = append(out, &len, num, strlen(num))))
		return err;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i]);

		snprintf(num, sizeof(num), "%zu:", l);
		if ((err = append(out, &len, num, strlen(num))) ||
		    (err = append(out, &len, v[i], l)))
			return err;
	}
	return 0;
}

/* A decimal number ending in `sep`; -1 if there is none. */
static long long number(const char **s, char sep)
{
	char *end;
	unsigned long long v;

	if (**s < '0' || **s > '9')
		return -1;
	errno = 0;
	v = strtoull(*s, &end, 10);
	if (errno || *end != sep || v > 1u << 20)
		return -1;
	*s = end + 1;
	return (long long)v;
}

int arglist_decode(const char **s, struct arglist *a)
{
	const char *p = *s;
	long long count = number(&p, ';');
	int err;

	if (count < 0)
		return EINVAL;
	while (count--) {
		long long len = number(&p, ':');

		if (len < 0 || strnlen(p, (size_t)len) < (size_t)len)
			return EINVAL;
		if ((err = add_n(a, p, (size_t)len)))
			return err;
		p += len;
	}
	*s = p;
	return 0;
}
