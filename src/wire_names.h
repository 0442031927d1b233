/*
 * wire_names.h - the one table of xenstore message types: number (Xen's
 * ABI) and name.  Header-only, so that every user expands the same lines:
 * src/wire.h makes enum xs_type of it and src/wire.c the daemon's names;
 * xenstore-snoop (tools/snoop/snoop_parse.c) and the test client xsraw
 * name types with it; the build writes the bpftrace scripts' @op[] lines
 * from it (tools/bpftrace/op-names.sh reads the X() lines with sed, so
 * keep them one per line, `X(number, NAME)`, in order, no gaps).
 * tests/integration/wire_names.sh fails if anything else keeps a copy.
 *
 * Type 20 is Xen's XS_RESTRICT, removed from the protocol (Xen's
 * docs/misc/xenstore.txt still names it): nobody serves it, but a trace
 * of a client that sends it names it as Xen does.
 */
#ifndef XS_WIRE_NAMES_H
#define XS_WIRE_NAMES_H

#define XS_WIRE_TYPES(X) \
	X(0, CONTROL) \
	X(1, DIRECTORY) \
	X(2, READ) \
	X(3, GET_PERMS) \
	X(4, WATCH) \
	X(5, UNWATCH) \
	X(6, TRANSACTION_START) \
	X(7, TRANSACTION_END) \
	X(8, INTRODUCE) \
	X(9, RELEASE) \
	X(10, GET_DOMAIN_PATH) \
	X(11, WRITE) \
	X(12, MKDIR) \
	X(13, RM) \
	X(14, SET_PERMS) \
	X(15, WATCH_EVENT) \
	X(16, ERROR) \
	X(17, IS_DOMAIN_INTRODUCED) \
	X(18, RESUME) \
	X(19, SET_TARGET) \
	X(20, RESTRICT) \
	X(21, RESET_WATCHES) \
	X(22, DIRECTORY_PART) \
	X(23, GET_FEATURE) \
	X(24, SET_FEATURE) \
	X(25, GET_QUOTA) \
	X(26, SET_QUOTA)

/* Expansions: `enum { XS_WIRE_TYPES(XS_WIRE_TYPE_ENUM) XS_TYPE_COUNT };`
 * and `const char *names[] = { XS_WIRE_TYPES(XS_WIRE_TYPE_NAME) };`. */
#define XS_WIRE_TYPE_ENUM(num, name) XS_##name = num,
#define XS_WIRE_TYPE_NAME(num, name) [num] = "XS_" #name,

#endif
