/* wire.c - names of message types and errors, payload argument splitting. */
#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[XS_TYPE_COUNT] = {
	XS_WIRE_TYPES(XS_WIRE_TYPE_NAME)
};

const char *xs_type_name(uint32_t type)
{
	return type < XS_TYPE_COUNT ? type_names[type] : "XS_UNKNOWN";
}

/* Order is ABI (xsd_errors[] in xs_wire.h): new entries only appended. */
static const struct {
	int err;
	const char *name;
} error_table[] = {
	{ EINVAL, "EINVAL" }, { EACCES, "EACCES" }, { EEXIST, "EEXIST" },
	{ EISDIR, "EISDIR" }, { ENOENT, "ENOENT" }, { ENOMEM, "ENOMEM" },
	{ ENOSPC, "ENOSPC" }, { EIO, "EIO" }, { ENOTEMPTY, "ENOTEMPTY" },
	{ ENOSYS, "ENOSYS" }, { EROFS, "EROFS" }, { EBUSY, "EBUSY" },
	{ EAGAIN, "EAGAIN" }, { EISCONN, "EISCONN" }, { E2BIG, "E2BIG" },
	{ EPERM, "EPERM" },
};

const char *xs_error_name(int err)
{
	for (size_t i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
		if (error_table[i].err == err)
			return error_table[i].name;
	return "EINVAL";
}

int xs_error_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
		if (strcmp(error_table[i].name, name) == 0)
			return error_table[i].err;
	return 0;
}

unsigned xs_count_args(const char *payload, uint32_t len)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < len; i++)
		if (payload[i] == '\0')
			n++;
	return n;
}

unsigned xs_split_args(const char *payload, uint32_t len, const char **argv,
		       unsigned max)
{
	unsigned n = 0;
	uint32_t start = 0;
	for (uint32_t i = 0; i < len && n < max; i++) {
		if (payload[i] != '\0')
			continue;
		argv[n++] = payload + start;
		start = i + 1;
	}
	return n;
}

const char *xs_one_arg(const char *payload, uint32_t len)
{
	if (len == 0 || payload[len - 1] != '\0')
		return NULL;
	if (memchr(payload, '\0', len) != payload + len - 1)
		return NULL;
	return payload;
}

int xs_parse_domid(const char *s, unsigned *domid)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v > XS_DOMID_MAX || s[0] == '-' || s[0] == '+' ||
	    s[0] == ' ')
		return EINVAL;
	*domid = (unsigned)v;
	return 0;
}
