/*
 * printable.h - which bytes of an untrusted payload may reach a terminal
 * as they are.  Shared by the daemon's trace file (trace_file.c) and
 * xenstore-snoop, so both show a payload the same way: printable ASCII
 * and well-formed UTF-8 as text, everything else escaped by the caller.
 */
#ifndef XS_PRINTABLE_H
#define XS_PRINTABLE_H

#include <stddef.h>

/*
 * Length of the printable character at p (n bytes available): 1 for
 * printable ASCII other than the backslash (the escape character), 2..4
 * for a well-formed UTF-8 sequence of a character that draws as itself,
 * 0 for anything to be escaped: control characters (C0, DEL, C1),
 * malformed, overlong or truncated sequences, surrogates, and the
 * characters that change how a line reads rather than add to it
 * (bidirectional overrides and isolates, line and paragraph separators).
 */
size_t printable_len(const unsigned char *p, size_t n);

#endif
