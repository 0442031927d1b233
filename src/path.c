/* path.c - xenstore path rules (PROTOCOL.md §2.1). */
#include "path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Allowed bytes (A-Z a-z 0-9 - / _ @), as a table: this runs on every
 * request, over every byte of the path. */
static const bool path_char[256] = {
	['-'] = true, ['/'] = true, ['_'] = true, ['@'] = true,
	['0'] = true, ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true,
	['5'] = true, ['6'] = true, ['7'] = true, ['8'] = true, ['9'] = true,
	['A'] = true, ['B'] = true, ['C'] = true, ['D'] = true, ['E'] = true,
	['F'] = true, ['G'] = true, ['H'] = true, ['I'] = true, ['J'] = true,
	['K'] = true, ['L'] = true, ['M'] = true, ['N'] = true, ['O'] = true,
	['P'] = true, ['Q'] = true, ['R'] = true, ['S'] = true, ['T'] = true,
	['U'] = true, ['V'] = true, ['W'] = true, ['X'] = true, ['Y'] = true,
	['Z'] = true,
	['a'] = true, ['b'] = true, ['c'] = true, ['d'] = true, ['e'] = true,
	['f'] = true, ['g'] = true, ['h'] = true, ['i'] = true, ['j'] = true,
	['k'] = true, ['l'] = true, ['m'] = true, ['n'] = true, ['o'] = true,
	['p'] = true, ['q'] = true, ['r'] = true, ['s'] = true, ['t'] = true,
	['u'] = true, ['v'] = true, ['w'] = true, ['x'] = true, ['y'] = true,
	['z'] = true,
};

/* No empty component, no trailing slash except for "/" itself. */
static bool valid_syntax(const char *p, size_t len)
{
	char prev = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (!path_char[(unsigned char)c] || (c == '/' && prev == '/'))
			return false;
		prev = c;
	}
	return len == 1 || p[len - 1] != '/';
}

size_t path_home(unsigned domid, char *out, size_t size)
{
	int n = snprintf(out, size, "/local/domain/%u", domid);
	return n < 0 ? 0 : (size_t)n;
}

int path_resolve(const char *in, unsigned domid, bool allow_special,
		 char *out, bool *relative)
{
	size_t len = strnlen(in, XS_PATH_BUF);
	size_t off = 0;

	if (len == 0 || len >= XS_PATH_BUF - 32)
		return EINVAL;
	*relative = false;
	if (in[0] == '@') {
		if (!allow_special)
			return EINVAL;
	} else if (in[0] != '/') {
		off = path_home(domid, out, XS_PATH_BUF);
		out[off++] = '/';
		*relative = true;
	}
	memcpy(out + off, in, len + 1);
	return valid_syntax(out, off + len) ? 0 : EINVAL;
}

size_t path_quota_length(const char *path)
{
	static const char prefix[] = "/local/domain/";
	size_t plen = sizeof(prefix) - 1;
	const char *id, *p;

	if (strncmp(path, prefix, plen) != 0)
		return strlen(path);
	id = p = path + plen;
	if (*p == '-')
		p++;
	while (*p >= '0' && *p <= '9' && p - id < 5)
		p++;
	if (*p != '/' || p == id || (p == id + 1 && *id == '-'))
		return strlen(path);
	return strlen(p + 1);
}

size_t path_parent_len(const char *path, size_t len)
{
	const char *slash;

	if (len <= 1)
		return 0;
	slash = memrchr(path, '/', len);
	if (!slash)
		return 0;
	return slash == path ? 1 : (size_t)(slash - path);
}

bool path_is_under(const char *path, const char *base, size_t base_len)
{
	if (base_len == 1 && base[0] == '/')
		return path[0] == '/';
	return strncmp(path, base, base_len) == 0 &&
	       (path[base_len] == '\0' || path[base_len] == '/');
}

unsigned path_depth_below(const char *base, size_t base_len, const char *path)
{
	unsigned depth = 0;
	const char *p = path + base_len;

	if (base_len == 1 && base[0] == '/')
		p = path;
	for (; *p; p++)
		if (*p == '/')
			depth++;
	return depth;
}
