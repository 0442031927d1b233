/*
 * snoop_parse.h - everything xenstore-snoop reads from outside and must
 * not trust, and the escaping of what it then prints.
 *
 * This module owns:
 *   - option values: numbers in a range, the -o operation list (and the
 *     table of message type names it is checked against), the -f path
 *     filter and the test of a payload's path against it;
 *   - records from the BPF ring buffer: their size and payload bounds are
 *     checked here before anything reads them, and their two payloads are
 *     extracted here;
 *   - the files read to find the daemon and its clients: a pid file (in a
 *     directory $XENSTORED_RUNDIR names), lines of /proc/net/unix (socket
 *     paths any user picks), the target of /proc/PID/exe and
 *     /proc/PID/comm (names any user picks), the CapEff line of
 *     /proc/self/status;
 *   - payload bytes made safe for a terminal (text) or for JSON.
 *
 * No libbpf and no global state, so fuzz/fuzz_snoop.c links this file
 * alone and feeds it whatever it likes.
 */
#ifndef SNOOP_PARSE_H
#define SNOOP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xenstore-snoop.h"
#include "../../src/wire_names.h"

/* Message types, numbered and named as the daemon does (one table,
 * src/wire_names.h). */
enum { XS_WIRE_TYPES(XS_WIRE_TYPE_ENUM) XS_TYPE_COUNT };

/* -o and the BPF filter keep one bit per type in a 32-bit mask. */
#define SNOOP_TYPE_BITS 32

/* Ranges of option values that are not plain PIDs or counts. */
#define SNOOP_DOMID_MAX 65535
#define SNOOP_SECONDS_MAX (86400LL * 365)
#define SNOOP_BUFFER_MB_MAX 4096

/* "XS_READ", or "XS_UNKNOWN(N)" in a static buffer. */
const char *snoop_type_name(unsigned type);

/* Requests whose first argument is a node path. */
bool snoop_type_has_path(unsigned type);

/* ---- option values ---- */

/* A decimal number (strtoll's syntax, nothing after it) in [min, max]. */
bool snoop_parse_num(const char *arg, long long min, long long max, long long *out);

/* -b: MiB, 1..SNOOP_BUFFER_MB_MAX; 0, -EINVAL (not such a number) or
 * -EDOM (not a power of 2, which the ring buffer must be). */
int snoop_parse_buffer_mb(const char *arg, unsigned *mb);

/* One operation of -o, len bytes at name: "read", "XS_READ" (any case)
 * or a type number below SNOOP_TYPE_BITS; -1 when it names none. */
int snoop_parse_type(const char *name, size_t len);

/* -o: adds the bits of a comma-separated list to *mask (empty items are
 * skipped).  On an unknown item returns false and points *bad, *bad_len
 * at it. */
bool snoop_parse_ops(const char *list, uint32_t *mask, const char **bad, int *bad_len);

/* -f: nodes at or below prefix (NULL: no filter); trailing slashes are
 * not part of it. */
struct snoop_path_filter {
	const char *prefix;
	size_t len;
};

void snoop_path_filter_set(struct snoop_path_filter *f, const char *arg);

/* Is path (a relative one taken as domid's) at or below the filter? */
bool snoop_path_matches(const struct snoop_path_filter *f, const char *path, unsigned domid);

/* ---- ring-buffer records ---- */

/*
 * Checks the size bytes at data, a record as the ring buffer hands it
 * over (trimmed to what its payloads use), and copies it into *e, zeroed
 * past what came.  False when it is not a record we sent: shorter than
 * the header, a payload over XSS_DATA_MAX or past the end of the record.
 */
bool snoop_record_decode(const void *data, size_t size, struct xss_event *e);

/* A payload of a record: a pointer into data[] and what the flags say. */
struct snoop_payload {
	const unsigned char *p;
	unsigned n;		/* bytes kept */
	unsigned len;		/* original length */
	bool cut, fault, str, null;
};

/* Payload i (0 or 1) of a decoded record. */
struct snoop_payload snoop_payload_of(const struct xss_event *e, int i);

/* The first NUL-terminated argument of a payload (its path, mostly),
 * cut to size - 1 bytes; "" for an unreadable one. */
void snoop_first_arg(struct snoop_payload pl, char *buf, size_t size);

/* ---- output ---- */

/* Buffer size that holds the display form of n bytes whole. */
#define SNOOP_SHOWN_SIZE(n) (4 * (n) + 1)
/* A command name (15 bytes at most) in display form. */
#define SNOOP_COMM_SIZE SNOOP_SHOWN_SIZE(15)

/*
 * The display form of n bytes from outside: the one way xenstore-snoop
 * shows a payload, a path, a command name or any other string it did not
 * write itself.  Printable ASCII and UTF-8 characters that draw as
 * themselves (printable.h) as they are, a backslash as \\, NUL as a
 * space, any other byte as \xNN, so nothing reaches the terminal as a
 * control sequence or breaks a line.  Writes whole characters and escapes
 * only into buf (size bytes, NUL-terminated when size > 0) and returns
 * how many of the n bytes it holds.
 */
size_t snoop_clean(char *buf, size_t size, const unsigned char *p, size_t n);

/* snoop_clean of a C string, cut to fit; returns buf. */
const char *snoop_clean_str(char *buf, size_t size, const char *s);

/* The display form of n bytes (snoop_clean), written to f. */
void snoop_put_clean(FILE *f, const unsigned char *p, size_t n);

/* A payload in display form (snoop_clean; a final NUL dropped), with a
 * cut marker ("..." or "...(N bytes)"), or "<unreadable>". */
void snoop_put_text(FILE *f, struct snoop_payload pl);

/* True when the display form is empty. */
bool snoop_text_empty(struct snoop_payload pl);

/* A JSON string of bytes, each one the code point of its value. */
void snoop_put_json_bytes(FILE *f, const unsigned char *p, size_t n);

/* A JSON string, or null for NULL. */
void snoop_put_json_str(FILE *f, const char *s);

/* ,"name": payload [, "name_len": N] [, "name_cut": true]
 * [, "name_unreadable": true]; name is ours, not escaped. */
void snoop_put_json_payload(FILE *f, const char *name, struct snoop_payload pl, bool with_len);

/* ---- files read to find the daemon ---- */

/* The PID a pid file starts with, 1..INT_MAX, else 0. */
long snoop_read_pid(FILE *f);

/* A line of /proc/net/unix: true for a listening socket, with its inode
 * and the path it is bound at (path: PATH_MAX bytes). */
bool snoop_parse_unix_line(const char *line, unsigned long *inode, char *path);

/* The base name of an executable's path (the target of /proc/PID/exe),
 * without a " (deleted)" suffix, cut to size - 1 bytes. */
void snoop_exe_base(const char *path, char *buf, size_t size);

/* /proc/PID/comm (its first 64 bytes) without the final newline, in
 * display form (snoop_clean; size: SNOOP_COMM_SIZE holds any comm). */
void snoop_read_comm(FILE *f, char *buf, size_t size);

/* CapEff of a /proc/PID/status line; false for other lines. */
bool snoop_parse_capeff(const char *line, unsigned long long *caps);

#endif
