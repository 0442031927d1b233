/*
 * printable.h - which bytes of an untrusted payload may reach a terminal
 * as they are, and how UTF-8 decodes.  Shared by the daemon's trace file
 * (trace_file.c) and xenstore-snoop (snoop_parse.c), so both show a
 * payload the same way: printable ASCII and well-formed UTF-8 as text,
 * everything else escaped by the caller.  Header-only: the snoop and its
 * fuzz target include it without linking the daemon.
 */
#ifndef XS_PRINTABLE_H
#define XS_PRINTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Length (2..4) of the well-formed UTF-8 sequence of a non-ASCII
 * character at p, n bytes being available, its code point in *cp; 0 for
 * an ASCII byte or anything malformed: a stray continuation byte, an
 * overlong or truncated sequence, a surrogate, a value past U+10FFFF.
 */
static inline size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;
	uint32_t v;

	if (!n || p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	if (len > n)
		return 0;
	v = p[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min_cp[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Code points that are valid but do not draw: they rewrite the line
 * around them (C1 controls, bidirectional marks, embeddings, overrides
 * and isolates, line and paragraph separators, the BOM). */
static inline bool utf8_rewrites_line(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200e && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0xfeff;
}

/*
 * Length of the printable character at p: 1 for printable ASCII other
 * than the backslash (the escape character), 2..4 for well-formed UTF-8
 * of a character that draws as itself, 0 for what is to be escaped.
 */
static inline size_t printable_len(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len;

	if (!n)
		return 0;
	if (p[0] < 0x80)
		return p[0] >= 0x20 && p[0] < 0x7f && p[0] != '\\';
	len = utf8_decode(p, n, &cp);
	return len && !utf8_rewrites_line(cp) ? len : 0;
}

#endif
