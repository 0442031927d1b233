/* printable.c - printable ASCII and well-formed UTF-8 (printable.h). */
#include "printable.h"

#include <stdbool.h>
#include <stdint.h>

/* Code points that are valid but rewrite the line around them. */
static bool rewrites_line(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||		/* C1 controls */
	       (cp >= 0x200e && cp <= 0x200f) ||	/* LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202e) ||	/* separators, embeddings, overrides */
	       (cp >= 0x2066 && cp <= 0x2069) ||	/* isolates */
	       cp == 0xfeff;				/* BOM / ZWNBSP */
}

size_t printable_len(const unsigned char *p, size_t n)
{
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t cp;
	size_t len, i;

	if (!n)
		return 0;
	if (p[0] < 0x80)
		return p[0] >= 0x20 && p[0] < 0x7f && p[0] != '\\';
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    rewrites_line(cp))
		return 0;
	return len;
}
