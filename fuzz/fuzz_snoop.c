/*
 * fuzz_snoop.c - xenstore-snoop's parsers of untrusted input and its
 * output escaping (tools/snoop/snoop_parse.c), and its joins and printing
 * of ring-buffer records (snoop_join.c, snoop_output.c, snoop_summary.c,
 * snoop_conns.c): no libbpf, no daemon.
 *
 * The first input byte picks what the rest is fed to:
 *   0  the -o operation list (snoop_parse_ops, snoop_parse_type), against
 *      a reference: a decimal number below 32, or a name the tool prints
 *      with or without "XS_", in any case; every printed name parses back
 *   1  numbers: byte 1 picks the range of one option (or any), the rest is
 *      the value; snoop_parse_num against a reference of strtoll's syntax,
 *      snoop_parse_buffer_mb (a power of 2 in range)
 *   2  the -f path filter: a domid (2 bytes), the filter, a NUL, a path
 *      (at most XSS_DATA_MAX bytes, as a payload's first argument is);
 *      snoop_path_matches against "the path, relative ones under
 *      /local/domain/DOMID/, is the filter or below it"
 *   3  a raw ring-buffer record of any size (snoop_record_decode): it is
 *      accepted exactly when its header is whole and its payloads lie
 *      within it; an accepted one's payloads go through every escaper
 *   4  a payload as is: flags (byte 1), original length (bytes 2-5), then
 *      its bytes, of any length, through every escaper
 *   5  the files read to find the daemon: byte 1 picks a pid file, a line
 *      of /proc/net/unix, an executable's path, /proc/PID/comm (any bytes:
 *      a process names itself) or a line of /proc/PID/status; the rest is
 *      the content
 *   6  a stream of ring-buffer records through the joins and the printing
 *      (snoop_join.c, snoop_output.c, snoop_summary.c, snoop_conns.c):
 *      byte 1 picks the options (-j, -s, -C, -l, -e, -t, -c 3, -f), then
 *      records, each a 2-byte length and its bytes; at the end of the
 *      stream nothing waits any more, -c was not exceeded, and what was
 *      printed (lines and the summary) has no control byte but newlines
 * Escapers: the text form has no byte outside printable ASCII, decodes
 * back to the payload (NULs as spaces, a final one dropped) and ends
 * with the cut marker when cut; JSON strings have no raw control, quote
 * or non-ASCII byte and decode back to the payload's bytes exactly;
 * put_json_payload's fields make a valid JSON object with the _len, _cut
 * and _unreadable fields exactly when they apply; snoop_first_arg stops
 * at the first NUL and the buffer's end.  snoop_clean, the one display
 * form of every payload, path and name the tool prints as text (command
 * names from /proc and from the daemon's probe included), is checked on
 * its own with buffers of every size: NUL-terminated in the buffer, only
 * printable characters and escapes, whole ones only, decoding back to the
 * bytes it says it holds, stopping only where the next would not fit.
 * A broken invariant abort()s.
 * FUZZ_TRACE=1 prints what each step fed and printed.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fz_check.h"
#include "snoop_conns.h"
#include "snoop_env.h"
#include "snoop_join.h"
#include "snoop_parse.h"
#include "snoop_stack_api.h"
#include "snoop_summary.h"
#include "../src/printable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string (cut at its first NUL), in a heap block of
 * its exact length so ASan sees any read past the end. */
static char *cstr(const uint8_t *p, size_t n)
{
	size_t len = strnlen((const char *)p, n);
	char *s = malloc(len + 1);

	FZ_CHECK(s, "out of memory");
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* What a stream printed: open_memstream's buffer, to free. */
struct out {
	FILE *f;
	char *buf;
	size_t len;
};

static void out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	FZ_CHECK(o->f, "open_memstream");
}

static void out_close(struct out *o, const char *what)
{
	FZ_CHECK(fclose(o->f) == 0, "writing %s", what);
	if (fz_tracing())
		fprintf(stderr, "  %-12s %.*s\n", what, (int)o->len, o->buf);
}

/* ------------------------------------------------------------------ */
/* 0: the operation list                                                */

/* From -o's description: a number 0..31 in decimal digits, or a type's
 * name as the tool prints it, "XS_" optional, any case. */
static int ref_type(const char *s)
{
	unsigned long v = 0;
	size_t i, n = strlen(s);

	if (n && s[0] >= '0' && s[0] <= '9') {
		for (i = 0; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v = v < 1000 ? v * 10 + (unsigned long)(s[i] - '0') : v;
		}
		return v < SNOOP_TYPE_BITS ? (int)v : -1;
	}
	for (i = 0; i < XS_TYPE_COUNT; i++) {
		const char *full = snoop_type_name((unsigned)i);

		if (strcasecmp(s, full) == 0 || strcasecmp(s, full + 3) == 0)
			return (int)i;
	}
	return -1;
}

static void check_type_names(void)
{
	char lower[64];
	unsigned i;
	size_t k;

	for (i = 0; i < XS_TYPE_COUNT; i++) {
		const char *name = snoop_type_name(i);

		for (k = 0; name[k] && k + 1 < sizeof(lower); k++)
			lower[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
		lower[k] = '\0';
		FZ_CHECK(snoop_parse_type(name, strlen(name)) == (int)i, "%s", name);
		FZ_CHECK(snoop_parse_type(lower + 3, strlen(lower + 3)) == (int)i, "%s", lower);
	}
}

static void fuzz_ops(const uint8_t *data, size_t size)
{
	char *list = cstr(data, size), *copy = cstr(data, size), *tok, *save = NULL;
	const char *bad = NULL, *want_bad = NULL;
	uint32_t mask = 0, want = 0;
	int bad_len = -1;
	bool ok;

	check_type_names();
	ok = snoop_parse_ops(list, &mask, &bad, &bad_len);
	for (tok = strtok_r(copy, ",", &save); tok && !want_bad; tok = strtok_r(NULL, ",", &save)) {
		int t = ref_type(tok);

		FZ_CHECK(snoop_parse_type(list + (tok - copy), strlen(tok)) == t, "type \"%s\"", tok);
		if (t < 0)
			want_bad = tok;
		else
			want |= 1u << t;
	}
	FZ_CHECK(ok == !want_bad, "\"%s\": %d", list, ok);
	if (ok) {
		FZ_CHECK(mask == want, "\"%s\": mask %#x, expected %#x", list, mask, want);
	} else {
		/* The item it names is the reference's, in the caller's string. */
		FZ_CHECK(bad == list + (want_bad - copy) && bad_len == (int)strlen(want_bad),
			 "\"%s\": bad item at %td len %d, expected \"%s\"", list, bad - list,
			 bad_len, want_bad);
	}
	free(list);
	free(copy);
}

/* ------------------------------------------------------------------ */
/* 1: numbers                                                           */

static const struct range {
	long long min, max;
} ranges[] = {
	{ 1, INT_MAX },			/* -p */
	{ 0, SNOOP_DOMID_MAX },		/* -D */
	{ 0, INT_MAX },			/* -P */
	{ 1, SNOOP_SECONDS_MAX },	/* -i, -d */
	{ 1, LLONG_MAX },		/* -c */
	{ 1, SNOOP_BUFFER_MB_MAX },	/* -b */
	{ LLONG_MIN, LLONG_MAX },
};

static bool ref_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* strtoll(s, &end, 10) with nothing after the number, written from its
 * description: white space, a sign, at least one digit, no overflow. */
static bool ref_num(const char *s, long long *out)
{
	unsigned long long mag = 0, limit;
	bool neg = false, any = false;

	while (ref_space(*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	limit = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (mag > (limit - d) / 10)
			return false;
		mag = mag * 10 + d;
		any = true;
	}
	if (!any || *s)
		return false;
	*out = neg ? (mag ? -(long long)(mag - 1) - 1 : 0) : (long long)mag;
	return true;
}

static void fuzz_num(const uint8_t *data, size_t size)
{
	const struct range *r;
	long long v = -12345, want;
	unsigned mb = 0;
	char *s;
	bool ok, want_ok;
	int res;

	if (!size)
		return;
	r = &ranges[data[0] % (sizeof(ranges) / sizeof(ranges[0]))];
	s = cstr(data + 1, size - 1);
	ok = snoop_parse_num(s, r->min, r->max, &v);
	want_ok = ref_num(s, &want) && want >= r->min && want <= r->max;
	FZ_CHECK(ok == want_ok, "\"%s\" in [%lld, %lld]: %d", s, r->min, r->max, ok);
	if (ok)
		FZ_CHECK(v == want, "\"%s\": %lld, expected %lld", s, v, want);
	else
		FZ_CHECK(v == -12345, "\"%s\": a refused value was stored", s);
	res = snoop_parse_buffer_mb(s, &mb);
	want_ok = ref_num(s, &want) && want >= 1 && want <= SNOOP_BUFFER_MB_MAX;
	if (!want_ok)
		FZ_CHECK(res == -EINVAL && mb == 0, "-b \"%s\": %d", s, res);
	else if (want & (want - 1))
		FZ_CHECK(res == -EDOM && mb == 0, "-b \"%s\": %d", s, res);
	else
		FZ_CHECK(res == 0 && mb == want, "-b \"%s\": %d, %u", s, res, mb);
	free(s);
}

/* ------------------------------------------------------------------ */
/* 2: the path filter                                                   */

/* "At or below": the path itself, or it continues with a '/'; the
 * filter "/" takes every absolute path. */
static bool ref_below(const char *path, const char *filter)
{
	size_t n = strlen(filter);

	while (n > 1 && filter[n - 1] == '/')
		n--;
	if (n == 1 && filter[0] == '/')
		return path[0] == '/';
	return strncmp(path, filter, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void fuzz_path(const uint8_t *data, size_t size)
{
	struct snoop_path_filter f = { NULL, 0 };
	char abs[XSS_DATA_MAX + 64], *filter, *path;
	const char *full;
	size_t flen;
	unsigned domid;

	if (size < 2)
		return;
	domid = data[0] | (unsigned)data[1] << 8;
	data += 2;
	size -= 2;
	filter = cstr(data, size);
	flen = strlen(filter);
	path = flen < size ? cstr(data + flen + 1, size - flen - 1) : cstr(data, 0);
	if (strlen(path) > XSS_DATA_MAX)
		path[XSS_DATA_MAX] = '\0';
	FZ_CHECK(snoop_path_matches(&f, path, domid), "no filter: every path");
	snoop_path_filter_set(&f, filter);
	FZ_CHECK(f.prefix == filter && f.len <= flen, "filter set");
	full = path;
	if (path[0] != '/' && path[0] != '@') {
		snprintf(abs, sizeof(abs), "/local/domain/%u/%s", domid, path);
		full = abs;
	}
	FZ_CHECK(snoop_path_matches(&f, path, domid) == ref_below(full, filter),
		 "-f \"%s\", path \"%s\" (dom %u)", filter, path, domid);
	free(filter);
	free(path);
}

/* ------------------------------------------------------------------ */
/* Escapers                                                             */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The display form of the character at p (n bytes left), as snoop_clean
 * must write it: what draws as itself (printable.h), else an escape.
 * Returns its length; *took: the input bytes it stands for. */
static size_t ref_shown(const unsigned char *p, size_t n, char out[5], size_t *took)
{
	size_t len = printable_len(p, n);

	*took = len ? len : 1;
	if (len) {
		memcpy(out, p, len);
		out[len] = '\0';
		return len;
	}
	if (p[0] == '\0')
		return (size_t)snprintf(out, 5, " ");
	if (p[0] == '\\')
		return (size_t)snprintf(out, 5, "\\\\");
	return (size_t)snprintf(out, 5, "\\x%02x", p[0]);
}

/* snoop_clean of n bytes into a heap buffer of exactly size bytes (ASan
 * sees any write past it), against the character-by-character reference. */
static void check_clean(const unsigned char *p, size_t n, size_t size)
{
	char *buf = malloc(size ? size : 1), want[5];
	size_t took, len, off = 0, i, step;

	FZ_CHECK(buf, "out of memory");
	took = snoop_clean(buf, size, p, n);
	FZ_CHECK(took <= n, "clean took %zu of %zu bytes", took, n);
	if (!size) {
		FZ_CHECK(took == 0, "clean into no room took %zu", took);
		free(buf);
		return;
	}
	len = strnlen(buf, size);
	FZ_CHECK(len < size, "clean: no NUL within %zu bytes", size);
	for (i = 0; i < took; i += step) {
		size_t w = ref_shown(p + i, n - i, want, &step);

		FZ_CHECK(i + step <= took, "clean took part of a character at %zu", i);
		FZ_CHECK(off + w <= len && memcmp(buf + off, want, w) == 0,
			 "clean: byte %zu (%#x) not shown as \"%s\"", i, p[i], want);
		off += w;
	}
	FZ_CHECK(off == len, "clean: %zu bytes of output past the %zu it took", len - off, took);
	if (took < n)
		FZ_CHECK(len + ref_shown(p + took, n - took, want, &step) >= size,
			 "clean stopped at %zu of %zu with room left", took, n);
	free(buf);
}

/* snoop_clean_str: the string up to its NUL, as snoop_clean shows it. */
static void check_clean_str(const unsigned char *p, size_t n)
{
	char *s = cstr(p, n), a[SNOOP_SHOWN_SIZE(16)], b[SNOOP_SHOWN_SIZE(16)];

	FZ_CHECK(snoop_clean_str(a, sizeof(a), s) == a, "clean_str returns its buffer");
	snoop_clean(b, sizeof(b), (const unsigned char *)s, strlen(s));
	FZ_CHECK(strcmp(a, b) == 0, "clean_str \"%s\", clean \"%s\"", a, b);
	free(s);
}

/* The text form: printable ASCII and printable UTF-8 only, decoding back
 * to the payload with NULs shown as spaces (and its final NUL dropped
 * unless cut); a character that draws is never escaped. */
static void check_text(struct snoop_payload pl)
{
	char marker[40] = "";
	size_t n = pl.n, i = 0, k = 0, mlen, end;
	struct out o;

	out_open(&o);
	snoop_put_text(o.f, pl);
	out_close(&o, "text");
	for (i = 0; i < o.len;) {
		size_t len = printable_len((const unsigned char *)o.buf + i, o.len - i);

		FZ_CHECK(len || o.buf[i] == '\\', "raw byte %#x at %zu", (unsigned char)o.buf[i], i);
		i += len ? len : 1;
	}
	FZ_CHECK(snoop_text_empty(pl) == (o.len == 0), "text_empty but \"%.*s\"", (int)o.len,
		 o.buf);
	if (pl.fault) {
		FZ_CHECK(o.len == 12 && memcmp(o.buf, "<unreadable>", 12) == 0, "fault");
		free(o.buf);
		return;
	}
	if (pl.cut)
		snprintf(marker, sizeof(marker), pl.str ? "..." : "...(%u bytes)", pl.len);
	mlen = strlen(marker);
	FZ_CHECK(o.len >= mlen && memcmp(o.buf + o.len - mlen, marker, mlen) == 0,
		 "cut payload does not end with \"%s\"", marker);
	if (!pl.cut && n && pl.p[n - 1] == '\0')
		n--;
	end = o.len - mlen;
	for (i = 0; i < end; k++) {
		int c = (unsigned char)o.buf[i];
		size_t len = printable_len((const unsigned char *)o.buf + i, end - i);

		if (len > 1) {	/* a UTF-8 character, as the payload has it */
			FZ_CHECK(k + len <= n && memcmp(o.buf + i, pl.p + k, len) == 0,
				 "UTF-8 at %zu is not the payload's", i);
			i += len;
			k += len - 1;
			continue;
		}
		if (c == '\\') {
			FZ_CHECK(i + 1 < end, "lone backslash");
			if (o.buf[i + 1] == '\\') {
				i += 2;
			} else {
				FZ_CHECK(i + 3 < end && o.buf[i + 1] == 'x' &&
					 hexval(o.buf[i + 2]) >= 0 && hexval(o.buf[i + 3]) >= 0,
					 "bad escape at %zu", i);
				c = hexval(o.buf[i + 2]) * 16 + hexval(o.buf[i + 3]);
				FZ_CHECK(c && (c < 0x20 || c >= 0x7f), "needless \\x%02x", c);
				FZ_CHECK(k >= n || printable_len(pl.p + k, n - k) <= 1,
					 "a UTF-8 character escaped at %zu", k);
				i += 4;
			}
		} else {
			i++;
		}
		FZ_CHECK(k < n, "text longer than the payload");
		FZ_CHECK(c == (pl.p[k] ? pl.p[k] : ' '), "byte %zu: %#x for %#x", k, c, pl.p[k]);
	}
	FZ_CHECK(k == n, "text has %zu of %zu bytes", k, n);
	free(o.buf);
}

/* Appends cp to dec as UTF-8 (k: bytes so far, cap: room). */
static size_t put_utf8(unsigned char *dec, size_t k, size_t cap, uint32_t cp)
{
	unsigned char u[4];
	size_t len = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4, j;

	u[0] = (unsigned char)(len == 2 ? 0xc0 | cp >> 6 : len == 3 ? 0xe0 | cp >> 12 :
				0xf0 | cp >> 18);
	for (j = 1; j < len; j++)
		u[j] = (unsigned char)(0x80 | (cp >> (6 * (len - 1 - j)) & 0x3f));
	if (dec) {
		FZ_CHECK(k + len <= cap, "JSON string longer than the payload");
		memcpy(dec + k, u, len);
	}
	return len;
}

/* A JSON string at s[*i] (no raw control byte; raw bytes from 0x80 only
 * as well-formed UTF-8 of characters that draw): decodes it into dec
 * (cap bytes, if not NULL) and moves *i past it.  \uXXXX below U+0080 is
 * that byte, U+DC80..U+DCFF the byte that was not UTF-8, any other
 * \uXXXX a character that does not draw, as UTF-8. */
static void json_string(const char *s, size_t len, size_t *i, unsigned char *dec, size_t cap,
			size_t *ndec)
{
	size_t j = *i, k = 0;

	FZ_CHECK(j < len && s[j] == '"', "no string at %zu", j);
	for (j++; j < len && s[j] != '"';) {
		unsigned c = (unsigned char)s[j];
		uint32_t cp;
		size_t u;

		FZ_CHECK(c >= 0x20 && c != 0x7f, "raw byte %#x in a JSON string", c);
		if (c >= 0x80) {
			u = printable_len((const unsigned char *)s + j, len - j);
			FZ_CHECK(u > 1, "raw byte %#x that is no drawing UTF-8", c);
			if (dec) {
				FZ_CHECK(k + u <= cap, "JSON string longer than the payload");
				memcpy(dec + k, s + j, u);
			}
			j += u;
			k += u;
			continue;
		}
		if (c == '\\') {
			FZ_CHECK(j + 1 < len, "lone backslash");
			c = (unsigned char)s[j + 1];
			if (c == 'u') {
				int h[4], q;

				FZ_CHECK(j + 5 < len, "short \\u");
				for (q = 0; q < 4; q++) {
					h[q] = hexval(s[j + 2 + q]);
					FZ_CHECK(h[q] >= 0, "bad \\u");
				}
				cp = (uint32_t)(h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]);
				j += 6;
				if (cp >= 0xdc80 && cp <= 0xdcff) {
					c = cp & 0xff;
				} else if (cp >= 0x80) {
					FZ_CHECK(utf8_rewrites_line(cp), "needless \\u%04x", (unsigned)cp);
					k += put_utf8(dec, k, cap, cp);
					continue;
				} else {
					FZ_CHECK(cp < 0x20 || cp == 0x7f, "needless \\u%04x", (unsigned)cp);
					c = cp;
				}
			} else {
				FZ_CHECK(c == '"' || c == '\\', "escape \\%c", c);
				j += 2;
			}
		} else {
			j++;
		}
		if (dec) {
			FZ_CHECK(k < cap, "JSON string longer than the payload");
			dec[k] = (unsigned char)c;
		}
		k++;
	}
	FZ_CHECK(j < len, "unterminated string");
	*i = j + 1;
	if (ndec)
		*ndec = k;
}

static void check_json_bytes(const unsigned char *p, size_t n)
{
	unsigned char *dec = malloc(n + 1);
	size_t i = 0, ndec = 0;
	struct out o;

	FZ_CHECK(dec, "out of memory");
	out_open(&o);
	snoop_put_json_bytes(o.f, p, n);
	out_close(&o, "json");
	json_string(o.buf, o.len, &i, dec, n + 1, &ndec);
	FZ_CHECK(i == o.len, "bytes after the string");
	FZ_CHECK(ndec == n && memcmp(dec, p, n) == 0, "JSON decodes to other bytes");
	free(dec);
	free(o.buf);
}

/* Expects the literal lit at s[*i]. */
static bool skip(const char *s, size_t len, size_t *i, const char *lit)
{
	size_t n = strlen(lit);

	if (len - *i < n || memcmp(s + *i, lit, n) != 0)
		return false;
	*i += n;
	return true;
}

static void check_json_payload(struct snoop_payload pl, const char *name, bool with_len)
{
	char field[64];
	size_t i = 0;
	struct out o;

	out_open(&o);
	snoop_put_json_payload(o.f, name, pl, with_len);
	out_close(&o, "json field");
	snprintf(field, sizeof(field), ",\"%s\":", name);
	FZ_CHECK(skip(o.buf, o.len, &i, field), "no %s", field);
	if (pl.null || pl.fault)
		FZ_CHECK(skip(o.buf, o.len, &i, "null"), "not null");
	else
		json_string(o.buf, o.len, &i, NULL, 0, NULL);
	if (with_len) {
		snprintf(field, sizeof(field), ",\"%s_len\":%u", name, pl.len);
		FZ_CHECK(skip(o.buf, o.len, &i, field), "no %s", field);
	}
	snprintf(field, sizeof(field), ",\"%s_cut\":true", name);
	FZ_CHECK(skip(o.buf, o.len, &i, field) == pl.cut, "%s", field);
	snprintf(field, sizeof(field), ",\"%s_unreadable\":true", name);
	FZ_CHECK(skip(o.buf, o.len, &i, field) == pl.fault, "%s", field);
	FZ_CHECK(i == o.len, "more after the fields: \"%.*s\"", (int)(o.len - i), o.buf + i);
	free(o.buf);
}

/* snoop_first_arg into a buffer of exactly size bytes, then printed as a
 * JSON string the way the tool prints a path. */
static void check_first_arg(struct snoop_payload pl, size_t size)
{
	char *buf = malloc(size);
	size_t want = 0;
	struct out o;

	FZ_CHECK(buf, "out of memory");
	memset(buf, 'A', size);
	snoop_first_arg(pl, buf, size);
	if (!pl.fault)
		while (want < pl.n && want + 1 < size && pl.p[want])
			want++;
	FZ_CHECK(strnlen(buf, size) == want, "first_arg(%zu): %zu bytes, expected %zu", size,
		 strnlen(buf, size), want);
	FZ_CHECK(memcmp(buf, pl.p, want) == 0, "first_arg copied other bytes");
	check_json_bytes((const unsigned char *)buf, want);
	out_open(&o);
	snoop_put_json_str(o.f, buf);
	snoop_put_json_str(o.f, NULL);
	out_close(&o, "json str");
	FZ_CHECK(o.len >= 4 && memcmp(o.buf + o.len - 4, "null", 4) == 0, "NULL is not null");
	free(o.buf);
	free(buf);
}

static void check_payload(struct snoop_payload pl)
{
	static const size_t sizes[] = { 1, 2, 24, 64, XSS_DATA_MAX + 1 };
	size_t i;

	check_text(pl);
	check_json_bytes(pl.p, pl.n);
	check_json_payload(pl, "request", true);
	check_json_payload(pl, "token", false);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_first_arg(pl, sizes[i]);
	/* Every room from none to more than enough, and the tool's sizes. */
	for (i = 0; i <= 9; i++)
		check_clean(pl.p, pl.n, i);
	check_clean(pl.p, pl.n, SNOOP_COMM_SIZE);
	check_clean(pl.p, pl.n, SNOOP_SHOWN_SIZE(pl.n));
	check_clean(pl.p, pl.n, SNOOP_SHOWN_SIZE(XSS_DATA_MAX));
	check_clean_str(pl.p, pl.n);
}

/* ------------------------------------------------------------------ */
/* 3: records, 4: payloads                                              */

static unsigned field_u32(const uint8_t *rec, size_t off)
{
	unsigned v;

	memcpy(&v, rec + off, sizeof(v));
	return v;
}

static void check_decoded(const struct xss_event *e, const uint8_t *rec, size_t size)
{
	size_t kept = size < sizeof(*e) ? size : sizeof(*e), i;
	const unsigned char *raw = (const unsigned char *)e;
	int k;

	FZ_CHECK(memcmp(e, rec, kept) == 0, "the record was not copied as it came");
	for (i = kept; i < sizeof(*e); i++)
		FZ_CHECK(raw[i] == 0, "byte %zu past the record is not zero", i);
	for (k = 0; k < 2; k++) {
		struct snoop_payload pl = snoop_payload_of(e, k);

		FZ_CHECK(pl.p == (const unsigned char *)e->data + (k ? e->copied[0] : 0) &&
			 pl.n == e->copied[k] && pl.len == e->len[k], "payload %d", k);
		FZ_CHECK(!pl.n || (size_t)(pl.p - (const unsigned char *)e) + pl.n <= size,
			 "payload %d past the record's %zu bytes", k, size);
		check_payload(pl);
	}
	(void)snoop_type_name(e->type);
	(void)snoop_type_has_path(e->type);
}

/* snoop_payload_of on a record nobody checked stays inside data[]. */
static void check_unchecked(const uint8_t *rec, size_t size)
{
	struct xss_event raw;
	int k;

	memset(&raw, 0, sizeof(raw));
	memcpy(&raw, rec, size < sizeof(raw) ? size : sizeof(raw));
	for (k = 0; k < 2; k++) {
		struct snoop_payload pl = snoop_payload_of(&raw, k);
		const unsigned char *d = (const unsigned char *)raw.data;

		FZ_CHECK(pl.p >= d && pl.p + pl.n <= d + sizeof(raw.data),
			 "unchecked payload %d outside data[]", k);
	}
}

static void fuzz_record(const uint8_t *data, size_t size)
{
	/* Exactly the bytes the ring buffer would hand over, no more. */
	uint8_t *rec = malloc(size ? size : 1);
	struct xss_event e;
	bool ok, want;

	FZ_CHECK(rec, "out of memory");
	memcpy(rec, data, size);
	ok = snoop_record_decode(rec, size, &e);
	want = size >= XSS_EVENT_HDR_SIZE;
	if (want) {
		unsigned c0 = field_u32(rec, offsetof(struct xss_event, copied[0]));
		unsigned c1 = field_u32(rec, offsetof(struct xss_event, copied[1]));

		want = c0 <= XSS_DATA_MAX && c1 <= XSS_DATA_MAX &&
		       XSS_EVENT_HDR_SIZE + (size_t)c0 + c1 <= size;
	}
	if (fz_tracing())
		fprintf(stderr, "record of %zu bytes: %s\n", size, ok ? "accepted" : "refused");
	FZ_CHECK(ok == want, "record of %zu bytes: decode %d, expected %d", size, ok, want);
	if (ok)
		check_decoded(&e, rec, size);
	else
		check_unchecked(rec, size);
	free(rec);
}

/* A payload built by hand: any length, any flags (also those a decoded
 * record cannot have). */
static void fuzz_payload(const uint8_t *data, size_t size)
{
	struct snoop_payload pl = { 0 };
	unsigned char *bytes;

	if (size < 5)
		return;
	pl.cut = data[0] & 1;
	pl.fault = data[0] & 2;
	pl.str = data[0] & 4;
	pl.null = data[0] & 8;
	memcpy(&pl.len, data + 1, sizeof(pl.len));
	bytes = malloc(size - 5 ? size - 5 : 1);
	FZ_CHECK(bytes, "out of memory");
	memcpy(bytes, data + 5, size - 5);
	pl.p = bytes;
	pl.n = (unsigned)(size - 5);
	check_payload(pl);
	free(bytes);
}

/* ------------------------------------------------------------------ */
/* 5: files read to find the daemon                                     */

static void fuzz_pid_file(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size, "r");
	const char *s = (const char *)data, *end = s + size;
	char digits[32];
	long pid;

	if (!f)
		return;
	pid = snoop_read_pid(f);
	fclose(f);
	FZ_CHECK(pid >= 0 && pid <= INT_MAX, "pid %ld", pid);
	if (!pid)
		return;
	/* It was written there: white space, maybe a '+', maybe zeros. */
	while (s < end && ref_space(*s))
		s++;
	if (s < end && *s == '+')
		s++;
	while (end - s > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		s++;
	snprintf(digits, sizeof(digits), "%ld", pid);
	FZ_CHECK((size_t)(end - s) >= strlen(digits) && memcmp(s, digits, strlen(digits)) == 0,
		 "pid %ld is not in the file", pid);
}

static void fuzz_unix_line(const char *line)
{
	char *path = malloc(PATH_MAX);
	unsigned long inode = 0;
	size_t n;

	FZ_CHECK(path, "out of memory");
	if (snoop_parse_unix_line(line, &inode, path)) {
		n = strnlen(path, PATH_MAX);
		FZ_CHECK(n > 0 && n < PATH_MAX, "path of %zu bytes", n);
		FZ_CHECK(strstr(line, path) != NULL, "path \"%s\" is not in the line", path);
		FZ_CHECK(strpbrk(path, " \t\n\v\f\r") == NULL, "white space in the path");
	}
	free(path);
}

/* The base name written from its description: after the last '/', less
 * one " (deleted)" at the end, cut to size - 1 bytes. */
static void fuzz_exe(const char *path)
{
	static const size_t sizes[] = { 1, 2, 10, 16, 256 };
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t blen = strlen(base), i;

	if (blen >= 10 && strcmp(base + blen - 10, " (deleted)") == 0)
		blen -= 10;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *buf = malloc(sizes[i]);
		size_t want = blen < sizes[i] ? blen : sizes[i] - 1;

		FZ_CHECK(buf, "out of memory");
		snoop_exe_base(path, buf, sizes[i]);
		FZ_CHECK(strnlen(buf, sizes[i]) == want && memcmp(buf, base, want) == 0,
			 "exe base of \"%s\" (%zu): \"%s\"", path, sizes[i], buf);
		free(buf);
	}
}

/* /proc/PID/comm: the first 64 bytes but a final newline, shown as
 * snoop_clean shows them (a name holds any byte, newlines included). */
static void fuzz_comm(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size, "r");
	char *buf = malloc(SNOOP_COMM_SIZE), *want = malloc(SNOOP_COMM_SIZE);
	size_t n = size < 64 ? size : 64;

	FZ_CHECK(buf && want, "out of memory");
	if (f) {
		snoop_read_comm(f, buf, SNOOP_COMM_SIZE);
		fclose(f);
		if (n && data[n - 1] == '\n')
			n--;
		snoop_clean(want, SNOOP_COMM_SIZE, data, n);
		FZ_CHECK(strcmp(buf, want) == 0, "comm \"%s\", not \"%s\"", buf, want);
		/* A real name (15 bytes) always fits whole. */
		if (n <= 15)
			FZ_CHECK(snoop_clean(want, SNOOP_COMM_SIZE, data, n) == n,
				 "a %zu-byte name does not fit SNOOP_COMM_SIZE", n);
		check_clean(data, n, SNOOP_COMM_SIZE);
	}
	free(buf);
	free(want);
}

static void fuzz_files(const uint8_t *data, size_t size)
{
	unsigned long long caps;
	char *s;

	if (!size)
		return;
	s = cstr(data + 1, size - 1);
	switch (data[0] % 5) {
	case 0: fuzz_pid_file(data + 1, size - 1); break;
	case 1: fuzz_unix_line(s); break;
	case 2: fuzz_exe(s); break;
	case 3: fuzz_comm(data + 1, size - 1); break;
	case 4:
		if (snoop_parse_capeff(s, &caps))
			FZ_CHECK(strncmp(s, "CapEff:", 7) == 0, "CapEff from \"%s\"", s);
		break;
	}
	free(s);
}

/* ------------------------------------------------------------------ */
/* 6: a stream of records through the joins and the printing            */

/* The options, which snoop_options.c (not linked) would fill. */
struct snoop_env env;

static void stream_options(uint8_t bits)
{
	memset(&env, 0, sizeof(env));
	env.domid = -1;
	env.client_pid = -1;
	env.json = bits & 0x01;
	env.summary = bits & 0x02;
	env.comm = bits & 0x04;
	env.latency = bits & 0x08;
	env.extra = bits & 0x10;
	env.timestamp = bits & 0x20;
	env.count = bits & 0x40 ? 3 : 0;
	if (bits & 0x80)
		snoop_path_filter_set(&env.path, "/local/domain/6");
}

/* Text and JSON alike: payloads and names are escaped, so nothing but
 * printable characters (UTF-8 included) and newlines. */
static void check_printed(const struct out *o)
{
	for (size_t i = 0; i < o->len; i++) {
		unsigned char c = (unsigned char)o->buf[i];

		FZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7f), "byte %#x at %zu of \"%.*s\"", c,
			 i, (int)o->len, o->buf);
	}
}

static void fuzz_stream(const uint8_t *data, size_t size)
{
	FILE *saved = stdout;
	struct out o;

	if (!size)
		return;
	stream_options(data[0]);
	memset(&run, 0, sizeof(run));
	conns_clear();
	snoop_join_reset();
	summary_reset(0);
	out_open(&o);
	stdout = o.f;
	for (size_t i = 1; i + 2 <= size;) {
		size_t n = data[i] | (size_t)data[i + 1] << 8;
		uint8_t *rec;

		i += 2;
		if (n > size - i)
			n = size - i;
		/* A heap block of the record's exact size: ASan sees any read
		 * past it. */
		rec = malloc(n ? n : 1);
		FZ_CHECK(rec, "out of memory");
		memcpy(rec, data + i, n);
		snoop_join_record(rec, n);
		free(rec);
		i += n;
	}
	snoop_join_expire(true);
	FZ_CHECK(snoop_join_waiting() == 0, "%zu records still wait", snoop_join_waiting());
	FZ_CHECK(!env.count || run.printed <= env.count, "printed %lld of -c %lld", run.printed,
		 env.count);
	if (env.summary) {
		print_summary_text(stdout, 0);
		print_summary_json(stdout, 0);
	}
	stdout = saved;
	out_close(&o, "stream");
	check_printed(&o);
	free(o.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (fz_tracing())
		fprintf(stderr, "mode %u, %zu bytes\n", data[0] % 7u, size - 1);
	switch (data[0] % 7) {
	case 0: fuzz_ops(data + 1, size - 1); break;
	case 1: fuzz_num(data + 1, size - 1); break;
	case 2: fuzz_path(data + 1, size - 1); break;
	case 3: fuzz_record(data + 1, size - 1); break;
	case 4: fuzz_payload(data + 1, size - 1); break;
	case 5: fuzz_files(data + 1, size - 1); break;
	case 6: fuzz_stream(data + 1, size - 1); break;
	}
	return 0;
}
