/*
 * fuzz_perms.c - the permission-string parser and the access rule.
 *
 * The input is a SET_PERMS argument list ("n0\0r5\0..."): perms_parse()
 * must agree with a reference parser written here from PROTOCOL.md (§1.5:
 * one of n/r/w/b, then a domid as C's strtol(..., 0) reads it: optional
 * white space and sign, 0x for hex, a leading 0 for octal, nothing after;
 * 0..65535).  What it accepts must print back (perms_format) to a list
 * that parses to the same permissions.  Then perm_for() is compared with
 * a reference of the rule of PROTOCOL.md §2.3 for subjects taken from the input,
 * with some entries flagged stale, and perm_for_gen() with the subject
 * younger and older than the node (XSA-322/417).
 */
#include <ctype.h>

#include "harness.h"

#define MAXP 64

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* strtol(s, &end, 0) with *end required to be '\0', limited to 0..65535. */
static bool ref_id(const char *s, long *out)
{
	bool neg = false, any = false;
	int base = 10;
	long v = 0;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (; *s; s++) {
		int dv = digit_value(*s);
		if (dv >= base)
			return false;
		any = true;
		if (v <= 1000000)
			v = v * base + dv;
	}
	if (!any)
		return false;
	if (neg)
		v = -v;
	if (v < 0 || v > 65535)
		return false;
	*out = v;
	return true;
}

static bool ref_parse(const char *s, struct perm *p)
{
	long id;

	switch (s[0]) {
	case 'n': p->access = PERM_NONE; break;
	case 'r': p->access = PERM_READ; break;
	case 'w': p->access = PERM_WRITE; break;
	case 'b': p->access = PERM_READ | PERM_WRITE; break;
	default: return false;
	}
	if (s[1] == '\0' || !ref_id(s + 1, &id))
		return false;
	p->domid = (uint16_t)id;
	return true;
}

static bool names(const struct perm_subject *who, unsigned domid)
{
	if (domid == who->domid)
		return true;
	if (who->target >= 0 && domid == (unsigned)who->target)
		return true;
	return domid == XS_DOMID_ANY && who->any_domain;
}

/* PROTOCOL.md §2.3. */
static unsigned ref_perm_for(const struct perm_subject *who, const struct perm *p, unsigned n)
{
	if (who->priv)
		return PERM_READ | PERM_WRITE | PERM_OWNER;
	if (n == 0)
		return PERM_NONE;
	if (names(who, p[0].domid))
		return PERM_READ | PERM_WRITE | PERM_OWNER;
	for (unsigned i = 1; i < n; i++)
		if (!(p[i].access & PERM_STALE) && names(who, p[i].domid))
			return p[i].access & (PERM_READ | PERM_WRITE);
	return p[0].access & (PERM_READ | PERM_WRITE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[8192], printed[MAXP * 16];
	const char *argv[MAXP], *again[MAXP];
	struct perm perms[MAXP], ref[MAXP], reparsed[MAXP];
	unsigned n;
	bool want = true;
	int err;

	if (size > sizeof(buf) - 1)
		size = sizeof(buf) - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* bytes after the last NUL are ignored, as in a payload */
	n = xs_split_args(buf, (uint32_t)size, argv, MAXP);
	if (n == 0)
		return 0;
	memset(perms, 0xa5, sizeof(perms));
	err = perms_parse(argv, n, perms);
	for (unsigned i = 0; i < n && want; i++)
		want = ref_parse(argv[i], &ref[i]);
	FZ_CHECK((err == 0) == want, "perms_parse = %d for \"%.40s\"...", err, argv[0]);
	if (err) {
		FZ_CHECK(err == EINVAL, "perms_parse error %d", err);
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		FZ_CHECK(perms[i].domid == ref[i].domid && perms[i].access == ref[i].access,
			 "entry %u \"%s\": %u/%u, expected %u/%u", i, argv[i], perms[i].access,
			 perms[i].domid, ref[i].access, ref[i].domid);

	/* Printing and parsing again gives the same list. */
	size_t len = perms_format(perms, n, printed, sizeof(printed));
	FZ_CHECK(len > 0, "%u permissions did not print", n);
	FZ_CHECK(xs_count_args(printed, (uint32_t)len) == n, "printed %u entries",
		 xs_count_args(printed, (uint32_t)len));
	xs_split_args(printed, (uint32_t)len, again, n);
	FZ_CHECK(perms_parse(again, n, reparsed) == 0, "printed list does not parse");
	for (unsigned i = 0; i < n; i++) {
		char one[16];
		snprintf(one, sizeof(one), "%c%u", "nrwb"[perms[i].access & 3], perms[i].domid);
		FZ_CHECK(strcmp(again[i], one) == 0, "printed \"%s\", expected \"%s\"", again[i],
			 one);
		FZ_CHECK(reparsed[i].domid == perms[i].domid &&
				 reparsed[i].access == perms[i].access,
			 "round trip of entry %u", i);
	}
	/* Too small a buffer is refused, never overrun. */
	if (len > 1)
		FZ_CHECK(perms_format(perms, n, printed, len - 1) == 0, "format overran");

	/* The access rule, for subjects and stale flags taken from the list. */
	for (unsigned i = 0; i < n && i < 8; i++) {
		struct perm_subject who = {
			.domid = perms[i].domid,
			.target = i + 1 < n ? (int)perms[i + 1].domid : -1,
			.priv = (perms[i].domid & 0x700) == 0x700,
			.any_domain = perms[i].domid & 1,
		};
		for (unsigned j = 1; j < n; j++)
			if ((perms[j].domid ^ i) & 4)
				perms[j].access |= PERM_STALE;
		unsigned got = perm_for(&who, perms, n), exp = ref_perm_for(&who, perms, n);
		FZ_CHECK(got == exp, "perm_for(dom %u, target %d, priv %d) = %u, expected %u",
			 who.domid, who.target, who.priv, got, exp);
		FZ_CHECK((got & ~(PERM_READ | PERM_WRITE | PERM_OWNER)) == 0, "stray bits %u", got);
		/* XSA-322/417: a domain the daemon came to know after the node
		 * last changed is a stranger to the entries naming its id (and
		 * to its target's); one known before is not. */
		uint64_t gen = 1000 + perms[i].domid % 7;
		who.since = gen - perms[i].domid % 3;
		FZ_CHECK(perm_for_gen(&who, perms, n, gen) == exp, "perm_for_gen, domain older");
		who.since = gen + 1 + perms[i].domid % 5;
		struct perm_subject stranger = who;
		stranger.domid = XS_DOMID_MAX + 1;
		stranger.target = -1;
		exp = ref_perm_for(&stranger, perms, n);
		got = perm_for_gen(&who, perms, n, gen);
		FZ_CHECK(got == exp, "perm_for_gen(dom %u younger than the node, priv %d) = %u, "
			 "expected %u", who.domid, who.priv, got, exp);
		if (!who.priv && !who.any_domain)
			FZ_CHECK(!(got & PERM_OWNER), "a younger domain owns the node");
		for (unsigned j = 1; j < n; j++)
			perms[j].access &= (uint8_t)~PERM_STALE;
	}
	return 0;
}
