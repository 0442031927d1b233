/* perms.c - permission parsing, printing and checking (PROTOCOL.md §1.5, §2.3). */
#include "perms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "wire.h"

static bool names(const struct perm_subject *who, unsigned domid)
{
	return domid == who->domid || (who->target >= 0 && domid == (unsigned)who->target) ||
	       (domid == XS_DOMID_ANY && who->any_domain);
}

unsigned perm_for_gen(const struct perm_subject *who, const struct perm *perms,
		      unsigned nperms, uint64_t node_generation)
{
	struct perm_subject stranger;

	if (who->priv || who->since <= node_generation)
		return perm_for(who, perms, nperms);
	/* Entries naming this domid predate this domain: look through them,
	 * as C does once it has flagged them stale. */
	stranger = *who;
	stranger.domid = XS_DOMID_MAX + 1u;
	stranger.target = -1;
	return perm_for(&stranger, perms, nperms);
}

unsigned perm_for(const struct perm_subject *who, const struct perm *perms,
		  unsigned nperms)
{
	if (who->priv || (nperms > 0 && names(who, perms[0].domid)))
		return PERM_READ | PERM_WRITE | PERM_OWNER;
	if (nperms == 0)
		return PERM_NONE;
	for (unsigned i = 1; i < nperms; i++) {
		if (perms[i].access & PERM_STALE)
			continue;
		if (names(who, perms[i].domid))
			return perms[i].access & (PERM_READ | PERM_WRITE);
	}
	return perms[0].access & (PERM_READ | PERM_WRITE);
}

static int access_from_char(char c, uint8_t *access)
{
	switch (c) {
	case 'n': *access = PERM_NONE; return 0;
	case 'r': *access = PERM_READ; return 0;
	case 'w': *access = PERM_WRITE; return 0;
	case 'b': *access = PERM_READ | PERM_WRITE; return 0;
	default: return EINVAL;
	}
}

int perms_parse(const char *const *args, unsigned nargs, struct perm *perms)
{
	for (unsigned i = 0; i < nargs; i++) {
		const char *s = args[i];
		char *end;
		long id;

		if (access_from_char(s[0], &perms[i].access))
			return EINVAL;
		/* Base 0 like Xen's parser: "r0x10" and "r010" are accepted. */
		errno = 0;
		id = strtol(s + 1, &end, 0);
		if (s[1] == '\0' || *end != '\0' || errno || id < 0 ||
		    id > (long)XS_DOMID_MAX)
			return EINVAL;
		perms[i].domid = (uint16_t)id;
	}
	return 0;
}

static char access_char(uint8_t access)
{
	switch (access & (PERM_READ | PERM_WRITE)) {
	case PERM_READ: return 'r';
	case PERM_WRITE: return 'w';
	case PERM_READ | PERM_WRITE: return 'b';
	default: return 'n';
	}
}

size_t perms_format(const struct perm *perms, unsigned nperms, char *out,
		    size_t size)
{
	size_t used = 0;

	for (unsigned i = 0; i < nperms; i++) {
		int n = snprintf(out + used, size - used, "%c%u",
				 access_char(perms[i].access), perms[i].domid);
		if (n < 0 || (size_t)n + 1 > size - used)
			return 0;
		used += (size_t)n + 1; /* keep snprintf's NUL as the separator */
	}
	return used;
}
