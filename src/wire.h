/*
 * wire.h - the xenstore wire format: message header, message types, error
 * names, and the helpers that split a payload into its NUL-terminated
 * arguments.  This is the only place that knows the byte layout of a
 * message; everything above it works on `struct xs_msg_header` + payload.
 *
 * We define the types ourselves (wire_names.h) instead of including
 * <xen/io/xs_wire.h>: Debian's header (Xen 4.17) stops at DIRECTORY_PART
 * and we serve 0..26.  The numbers are ABI and must match Xen's.
 */
#ifndef XS_WIRE_H
#define XS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire_names.h"

/* XS_CONTROL = 0 ... XS_SET_QUOTA = 26: the numbers are in wire_names.h. */
enum xs_type {
	XS_WIRE_TYPES(XS_WIRE_TYPE_ENUM)
	XS_TYPE_COUNT
};

#define XS_PAYLOAD_MAX 4096u
#define XS_HEADER_SIZE 16u

/* Host byte order on purpose: the ring is shared with a same-arch guest. */
struct xs_msg_header {
	uint32_t type;
	uint32_t req_id;
	uint32_t tx_id;
	uint32_t len;
};

/* Ring feature bits (server_features), also the GET/SET_FEATURE values. */
#define XS_FEATURE_RECONNECTION 1u
#define XS_FEATURE_ERROR 2u
#define XS_FEATURE_WATCHDEPTH 4u
#define XS_FEATURE_DOMID_ANY 8u

#define XS_DOMID_SELF 32752u
#define XS_DOMID_ANY 32757u
#define XS_DOMID_MAX 65535u

/* "XS_READ" etc.; "XS_UNKNOWN" for anything out of range. */
const char *xs_type_name(uint32_t type);

/* The wire name of an errno ("ENOENT"); errnos outside Xen's table map to
 * "EINVAL", as the C daemon does. */
const char *xs_error_name(int err);

/* Inverse of xs_error_name; 0 when the name is unknown. */
int xs_error_from_name(const char *name);

/*
 * Argument splitting.  A payload is a run of NUL-terminated strings;
 * bytes after the last NUL are ignored (Xen's "reserved" suffix).
 */
#define XS_MAX_ARGS 16

/* Counts the NUL-terminated strings in payload. */
unsigned xs_count_args(const char *payload, uint32_t len);

/* Fills argv with up to max pointers into payload; returns the count.
 * The caller checks the count it needs. */
unsigned xs_split_args(const char *payload, uint32_t len, const char **argv,
		       unsigned max);

/* The single-string commands: payload must be exactly one string with
 * exactly one NUL, at the end.  Returns the string or NULL (EINVAL). */
const char *xs_one_arg(const char *payload, uint32_t len);

/* Parses a domid the way C xenstored does: base 10, no trailing junk,
 * at most 65535; an empty string is 0.  Returns 0 or EINVAL. */
int xs_parse_domid(const char *s, unsigned *domid);

#endif
