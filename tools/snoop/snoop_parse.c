/*
 * snoop_parse.c - xenstore-snoop's parsers of untrusted input and its
 * output escaping (see snoop_parse.h for what is here and why).
 */
#include "snoop_parse.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../src/printable.h"

static const char *const type_names[XS_TYPE_COUNT] = {
	XS_WIRE_TYPES(XS_WIRE_TYPE_NAME)
};

const char *snoop_type_name(unsigned type)
{
	static char buf[32];

	if (type < XS_TYPE_COUNT)
		return type_names[type];
	snprintf(buf, sizeof(buf), "XS_UNKNOWN(%u)", type);
	return buf;
}

bool snoop_type_has_path(unsigned type)
{
	switch (type) {
	case XS_DIRECTORY: case XS_READ: case XS_GET_PERMS: case XS_WATCH:
	case XS_UNWATCH: case XS_WRITE: case XS_MKDIR: case XS_RM:
	case XS_SET_PERMS: case XS_WATCH_EVENT: case XS_DIRECTORY_PART:
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Option values                                                        */

bool snoop_parse_num(const char *arg, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int snoop_parse_buffer_mb(const char *arg, unsigned *mb)
{
	long long v;

	if (!snoop_parse_num(arg, 1, SNOOP_BUFFER_MB_MAX, &v))
		return -EINVAL;
	if (v & (v - 1))
		return -EDOM;
	*mb = (unsigned)v;
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits only; saturates, as the caller only wants to know if it is
 * below SNOOP_TYPE_BITS. */
static int type_number(const char *s, size_t len)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		if (v < SNOOP_TYPE_BITS)
			v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v < SNOOP_TYPE_BITS ? (int)v : -1;
}

/* The "XS_" of a full name is optional in what the user types. */
static bool name_is(const char *name, size_t len, const char *full)
{
	if (len >= 3 && strncasecmp(name, "XS_", 3) == 0) {
		name += 3;
		len -= 3;
	}
	full += 3;
	return strlen(full) == len && strncasecmp(name, full, len) == 0;
}

int snoop_parse_type(const char *name, size_t len)
{
	size_t i;

	if (len && is_digit(name[0]))
		return type_number(name, len);
	for (i = 0; i < XS_TYPE_COUNT; i++)
		if (name_is(name, len, type_names[i]))
			return (int)i;
	return -1;
}

bool snoop_parse_ops(const char *list, uint32_t *mask, const char **bad, int *bad_len)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		int t;

		if (n) {
			t = snoop_parse_type(p, n);
			if (t < 0) {
				*bad = p;
				*bad_len = n > INT_MAX ? INT_MAX : (int)n;
				return false;
			}
			*mask |= 1u << t;
		}
		p += n;
		if (*p)
			p++;
	}
	return true;
}

void snoop_path_filter_set(struct snoop_path_filter *f, const char *arg)
{
	f->prefix = arg;
	f->len = strlen(arg);
	while (f->len > 1 && arg[f->len - 1] == '/')
		f->len--;
}

bool snoop_path_matches(const struct snoop_path_filter *f, const char *path, unsigned domid)
{
	char abs[XSS_DATA_MAX + 40];
	const char *p = path;
	size_t n = f->len;

	if (!f->prefix)
		return true;
	if (path[0] != '/' && path[0] != '@') {
		snprintf(abs, sizeof(abs), "/local/domain/%u/%s", domid, path);
		p = abs;
	}
	if (strncmp(p, f->prefix, n) != 0)
		return n == 1 && f->prefix[0] == '/' && p[0] == '/';
	/* n is 0 only for -f "": the prefix has no last byte to look at. */
	return p[n] == '\0' || p[n] == '/' || (n && f->prefix[n - 1] == '/');
}

/* ------------------------------------------------------------------ */
/* Ring-buffer records                                                  */

bool snoop_record_decode(const void *data, size_t size, struct xss_event *e)
{
	/* Copied before it is looked at: the bytes need not be aligned, and
	 * the payload bounds are then checked on values that cannot change. */
	memset(e, 0, sizeof(*e));
	if (size < XSS_EVENT_HDR_SIZE)
		return false;
	memcpy(e, data, size < sizeof(*e) ? size : sizeof(*e));
	if (e->copied[0] > XSS_DATA_MAX || e->copied[1] > XSS_DATA_MAX)
		return false;
	return XSS_EVENT_HDR_SIZE + e->copied[0] + e->copied[1] <= size;
}

struct snoop_payload snoop_payload_of(const struct xss_event *e, int i)
{
	struct snoop_payload pl = { 0 };
	unsigned off = i ? e->copied[0] : 0;

	i = i ? 1 : 0;
	/* A decoded record is within bounds already; this keeps one that
	 * was not from pointing outside data[]. */
	if (off > sizeof(e->data))
		off = sizeof(e->data);
	pl.p = (const unsigned char *)e->data + off;
	pl.n = e->copied[i] < sizeof(e->data) - off ? e->copied[i] : sizeof(e->data) - off;
	pl.len = e->len[i];
	pl.cut = e->flags & (XSS_F_CUT0 << i);
	pl.fault = e->flags & (XSS_F_FAULT0 << i);
	pl.str = e->flags & (XSS_F_STR0 << i);
	pl.null = e->flags & (XSS_F_NULL0 << i);
	return pl;
}

void snoop_first_arg(struct snoop_payload pl, char *buf, size_t size)
{
	size_t n = 0;

	if (!pl.fault)
		while (n < pl.n && n + 1 < size && pl.p[n])
			n++;
	memcpy(buf, pl.p, n);
	buf[n] = '\0';
}

/* ------------------------------------------------------------------ */
/* Output                                                               */

size_t snoop_clean(char *buf, size_t size, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, out = 0;

	if (!size)
		return 0;
	while (i < n) {
		const unsigned char *from = p + i;
		char esc[4];
		size_t len, took;

		/* Printable ASCII, most of what is shown, without a call. */
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			len = took = 1;
		else
			len = took = printable_len(p + i, n - i);
		if (!len) {
			from = (const unsigned char *)esc;
			took = 1;
			len = 1;
			esc[0] = ' ';			/* NUL */
			if (p[i] == '\\') {
				esc[0] = esc[1] = '\\';
				len = 2;
			} else if (p[i]) {
				esc[0] = '\\';
				esc[1] = 'x';
				esc[2] = hex[p[i] >> 4];
				esc[3] = hex[p[i] & 15];
				len = 4;
			}
		}
		if (out + len >= size)
			break;
		memcpy(buf + out, from, len);
		out += len;
		i += took;
	}
	buf[out] = '\0';
	return i;
}

const char *snoop_clean_str(char *buf, size_t size, const char *s)
{
	snoop_clean(buf, size, (const unsigned char *)s, strlen(s));
	return buf;
}

void snoop_put_clean(FILE *f, const unsigned char *p, size_t n)
{
	char buf[SNOOP_SHOWN_SIZE(64)];

	while (n) {
		size_t took = snoop_clean(buf, sizeof(buf), p, n);

		fputs(buf, f);
		p += took;
		n -= took;
	}
}

void snoop_put_text(FILE *f, struct snoop_payload pl)
{
	unsigned n = pl.n;

	if (pl.fault) {
		fputs("<unreadable>", f);
		return;
	}
	if (!pl.cut && n && pl.p[n - 1] == '\0')
		n--;
	snoop_put_clean(f, pl.p, n);
	if (pl.cut) {
		if (pl.str)
			fputs("...", f);
		else
			fprintf(f, "...(%u bytes)", pl.len);
	}
}

bool snoop_text_empty(struct snoop_payload pl)
{
	return !pl.fault && !pl.cut && (pl.n == 0 || (pl.n == 1 && pl.p[0] == '\0'));
}

/*
 * Well-formed UTF-8 is its characters (escaped as \uXXXX when they do not
 * draw), and any other byte B from 0x80 is \uDCBB, a lone low surrogate
 * (Python's "surrogateescape"): the string is real Unicode, and the bytes
 * can still be recovered exactly (bytes.decode: s.encode("utf-8",
 * "surrogateescape")).
 */
void snoop_put_json_bytes(FILE *f, const unsigned char *p, size_t n)
{
	size_t i, len;
	uint32_t cp;

	putc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c >= 0x20 && c < 0x7f) {
			putc(c, f);
		} else if (c < 0x80) {
			fprintf(f, "\\u%04x", c);
		} else if ((len = utf8_decode(p + i, n - i, &cp))) {
			if (utf8_rewrites_line(cp))
				fprintf(f, "\\u%04x", (unsigned)cp);	/* all below U+10000 */
			else
				fwrite(p + i, 1, len, f);
			i += len - 1;
		} else {
			fprintf(f, "\\udc%02x", c);
		}
	}
	putc('"', f);
}

void snoop_put_json_str(FILE *f, const char *s)
{
	if (s)
		snoop_put_json_bytes(f, (const unsigned char *)s, strlen(s));
	else
		fputs("null", f);
}

void snoop_put_json_payload(FILE *f, const char *name, struct snoop_payload pl, bool with_len)
{
	fprintf(f, ",\"%s\":", name);
	if (pl.null || pl.fault)
		fputs("null", f);
	else
		snoop_put_json_bytes(f, pl.p, pl.n);
	if (with_len)
		fprintf(f, ",\"%s_len\":%u", name, pl.len);
	if (pl.cut)
		fprintf(f, ",\"%s_cut\":true", name);
	if (pl.fault)
		fprintf(f, ",\"%s_unreadable\":true", name);
}

/* ------------------------------------------------------------------ */
/* Files read to find the daemon                                        */

long snoop_read_pid(FILE *f)
{
	long pid = 0;

	if (fscanf(f, "%ld", &pid) != 1 || pid <= 0 || pid > INT_MAX)
		pid = 0;
	return pid;
}

/* The %4095s below fills a PATH_MAX buffer, NUL included. */
_Static_assert(PATH_MAX >= 4096, "PATH_MAX too small for %4095s");

bool snoop_parse_unix_line(const char *line, unsigned long *inode, char *path)
{
	unsigned long flags, ino;

	if (sscanf(line, "%*s %*s %*s %lx %*s %*s %lu %4095s", &flags, &ino, path) != 3)
		return false;
	if (!(flags & 0x10000))	/* __SO_ACCEPTCON: listening */
		return false;
	*inode = ino;
	return true;
}

void snoop_exe_base(const char *path, char *buf, size_t size)
{
	static const char deleted[] = " (deleted)";
	const size_t dlen = sizeof(deleted) - 1;
	const char *base = strrchr(path, '/');
	size_t n;

	if (!size)
		return;
	base = base ? base + 1 : path;
	n = strlen(base);
	if (n >= dlen && strcmp(base + n - dlen, deleted) == 0)
		n -= dlen;
	if (n >= size)
		n = size - 1;
	memcpy(buf, base, n);
	buf[n] = '\0';
}

void snoop_read_comm(FILE *f, char *buf, size_t size)
{
	char raw[64];
	size_t n;

	if (!size)
		return;
	/* The kernel ends the name with one newline; a name may hold
	 * others, and any byte: a process names itself (prctl PR_SET_NAME),
	 * so none of it may reach the terminal as it is. */
	n = fread(raw, 1, sizeof(raw), f);
	if (n && raw[n - 1] == '\n')
		n--;
	snoop_clean(buf, size, (const unsigned char *)raw, n);
}

bool snoop_parse_capeff(const char *line, unsigned long long *caps)
{
	return sscanf(line, "CapEff: %llx", caps) == 1;
}
