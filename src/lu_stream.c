/* lu_stream.c - the migration stream's byte format (see lu_stream.h). */
#include "lu_stream.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREAMBLE_SIZE 16u
#define REC_HEADER 8u

/* ---- writing ---- */

static int reserve(struct lu_buf *b, size_t need)
{
	size_t cap;
	uint8_t *p;

	if (b->err)
		return b->err;
	if (b->len + need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 65536;
	while (cap < b->len + need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return b->err = ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

void lu_buf_free(struct lu_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void lu_put(struct lu_buf *b, const void *data, size_t len)
{
	if (len == 0 || reserve(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void lu_put_u8(struct lu_buf *b, uint8_t v)
{
	lu_put(b, &v, 1);
}

void lu_put_u16(struct lu_buf *b, uint16_t v)
{
	v = htole16(v);
	lu_put(b, &v, 2);
}

void lu_put_u32(struct lu_buf *b, uint32_t v)
{
	v = htole32(v);
	lu_put(b, &v, 4);
}

void lu_put_preamble(struct lu_buf *b, uint32_t version)
{
	uint32_t be_version = htobe32(version), be_flags = 0; /* little-endian records */

	lu_put(b, "xenstore", 8);
	lu_put(b, &be_version, 4);
	lu_put(b, &be_flags, 4);
}

size_t lu_begin_record(struct lu_buf *b, uint32_t type)
{
	size_t start = b->len;

	lu_put_u32(b, type);
	lu_put_u32(b, 0);
	return start;
}

void lu_end_record(struct lu_buf *b, size_t start)
{
	static const uint8_t zeros[8];
	uint32_t len;

	lu_put(b, zeros, (8 - (b->len - start) % 8) % 8);
	if (b->err)
		return;
	/* The padding counts: C xenstored steps from record to record by
	 * the length alone. */
	len = htole32((uint32_t)(b->len - start - REC_HEADER));
	memcpy(b->data + start + 4, &len, 4);
}

/* ---- reading ---- */

struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint16_t get_u16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return le16toh(v);
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return le32toh(v);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return EINVAL;
}

/* A string of exactly len bytes including its NUL, no NUL before. */
static bool is_cstring(const uint8_t *p, size_t len)
{
	return len >= 1 && p[len - 1] == '\0' && memchr(p, '\0', len) == p + len - 1;
}

/* n NUL-terminated names packed in [p, p + len). */
static bool are_names(const uint8_t *p, size_t len, unsigned n)
{
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *nul = off < len ? memchr(p + off, '\0', len - off) : NULL;
		if (!nul)
			return false;
		off = (size_t)(nul - p) + 1;
	}
	return true;
}

struct lu_perm lu_node_perm(const struct lu_record *r, unsigned i)
{
	const uint8_t *p = r->u.node.perms + 4 * i;
	return (struct lu_perm){ p[0], p[1], get_u16(p + 2) };
}

struct lu_quota lu_quota_at(const uint8_t *values, const char *names, unsigned i)
{
	const char *name = names;

	for (unsigned k = 0; k < i; k++)
		name += strlen(name) + 1;
	return (struct lu_quota){ name, get_u32(values + 4 * i) };
}

static int decode_global(struct lu_record *r, const uint8_t *b, uint32_t len, char *err,
			 size_t errlen)
{
	if (len < 8)
		return fail(err, errlen, "GLOBAL_DATA record too short (%u bytes)", len);
	r->u.global.socket_fd = (int32_t)get_u32(b);
	r->u.global.evtchn_fd = (int32_t)get_u32(b + 4);
	return 0;
}

static int decode_conn(struct lu_record *r, const uint8_t *b, uint32_t len, char *err,
		       size_t errlen)
{
	if (len < 20)
		return fail(err, errlen, "CONNECTION_DATA record too short (%u bytes)", len);
	r->u.conn.id = get_u32(b);
	r->u.conn.type = get_u16(b + 4);
	r->u.conn.flags = get_u16(b + 6);
	r->u.conn.domid = get_u16(b + 8);
	r->u.conn.tdomid = get_u16(b + 10);
	r->u.conn.evtchn = get_u32(b + 12);
	r->u.conn.fd = (int32_t)get_u32(b + 8);
	r->u.conn.in_len = get_u16(b + 16);
	r->u.conn.resp_len = get_u16(b + 18);
	r->u.conn.out_len = len >= 24 ? get_u32(b + 20) : 0;
	if (r->u.conn.id == 0)
		return fail(err, errlen, "CONNECTION_DATA with connection id 0");
	if (r->u.conn.type != LU_CONN_RING && r->u.conn.type != LU_CONN_SOCKET)
		return fail(err, errlen, "connection %u: unknown type %u", r->u.conn.id,
			    r->u.conn.type);
	if ((uint64_t)24 + r->u.conn.in_len + r->u.conn.out_len > len)
		return fail(err, errlen, "connection %u: %u + %u bytes of pending data overrun "
			    "its %u-byte record", r->u.conn.id, r->u.conn.in_len,
			    r->u.conn.out_len, len);
	if (r->u.conn.resp_len > r->u.conn.out_len)
		return fail(err, errlen, "connection %u: partial response longer than its output",
			    r->u.conn.id);
	r->u.conn.in = b + 24;
	r->u.conn.out = b + 24 + r->u.conn.in_len;
	return 0;
}

static int decode_watch(struct lu_record *r, const uint8_t *b, uint32_t len, bool ext,
			char *err, size_t errlen)
{
	uint32_t head = ext ? 12 : 8;
	uint16_t plen, tlen;

	if (len < head)
		return fail(err, errlen, "WATCH_DATA record too short (%u bytes)", len);
	r->u.watch.conn_id = get_u32(b);
	plen = get_u16(b + 4);
	tlen = get_u16(b + 6);
	r->u.watch.depth = -1;
	if (ext && get_u16(b + 8) != LU_DEPTH_UNLIMITED)
		r->u.watch.depth = get_u16(b + 8);
	if ((uint64_t)head + plen + tlen > len)
		return fail(err, errlen, "watch of connection %u: path and token overrun the "
			    "record", r->u.watch.conn_id);
	if (!is_cstring(b + head, plen) || !is_cstring(b + head + plen, tlen))
		return fail(err, errlen, "watch of connection %u: path or token not a string",
			    r->u.watch.conn_id);
	r->u.watch.path = (const char *)b + head;
	r->u.watch.token = (const char *)b + head + plen;
	return 0;
}

static int decode_node(struct lu_record *r, const uint8_t *b, uint32_t len, char *err,
		       size_t errlen)
{
	uint16_t plen;
	uint64_t need;

	if (len < 16)
		return fail(err, errlen, "NODE_DATA record too short (%u bytes)", len);
	r->u.node.conn_id = get_u32(b);
	r->u.node.tx_id = get_u32(b + 4);
	plen = get_u16(b + 8);
	r->u.node.value_len = get_u16(b + 10);
	r->u.node.nperms = get_u16(b + 14);
	need = 16 + 4ull * r->u.node.nperms + plen + r->u.node.value_len;
	if (need > len)
		return fail(err, errlen, "node record: %u permissions, %u-byte path and %u-byte "
			    "value overrun its %u bytes", r->u.node.nperms, plen,
			    r->u.node.value_len, len);
	if (r->u.node.nperms > LU_MAX_PERMS)
		return fail(err, errlen, "node record: %u permissions", r->u.node.nperms);
	r->u.node.perms = b + 16;
	if (!is_cstring(b + 16 + 4u * r->u.node.nperms, plen))
		return fail(err, errlen, "node record: path is not a string");
	r->u.node.path = (const char *)b + 16 + 4u * r->u.node.nperms;
	r->u.node.value = b + 16 + 4u * r->u.node.nperms + plen;
	for (unsigned i = 0; i < r->u.node.nperms; i++) {
		uint8_t a = r->u.node.perms[4 * i];
		if (a != 'n' && a != 'r' && a != 'w' && a != 'b')
			return fail(err, errlen, "node %s: permission %u is '%c'",
				    r->u.node.path, i, a >= 32 && a < 127 ? a : '?');
	}
	return 0;
}

static int decode_quotas(const uint8_t *b, uint32_t len, uint32_t head, unsigned n,
			 const uint8_t **values, const char **names, const char *what,
			 char *err, size_t errlen)
{
	if (n > LU_MAX_QUOTAS)
		return fail(err, errlen, "%s record: %u quotas", what, n);
	if ((uint64_t)head + 4ull * n > len || !are_names(b + head + 4 * n, len - head - 4 * n, n))
		return fail(err, errlen, "%s record: quota names overrun the record", what);
	*values = b + head;
	*names = (const char *)b + head + 4 * n;
	return 0;
}

static int decode(struct lu_record *r, const uint8_t *b, uint32_t len, char *err,
		  size_t errlen)
{
	switch (r->type) {
	case LU_REC_GLOBAL:
		return decode_global(r, b, len, err, errlen);
	case LU_REC_CONN:
		return decode_conn(r, b, len, err, errlen);
	case LU_REC_WATCH:
	case LU_REC_WATCH_EXT:
		return decode_watch(r, b, len, r->type == LU_REC_WATCH_EXT, err, errlen);
	case LU_REC_TXN:
		if (len < 8)
			return fail(err, errlen, "TRANSACTION_DATA record too short");
		r->u.txn.conn_id = get_u32(b);
		r->u.txn.tx_id = get_u32(b + 4);
		return 0;
	case LU_REC_NODE:
		return decode_node(r, b, len, err, errlen);
	case LU_REC_GLOBAL_QUOTA:
		if (len < 4)
			return fail(err, errlen, "GLOBAL_QUOTA_DATA record too short");
		r->u.quota.ndom = get_u16(b);
		r->u.quota.nglobal = get_u16(b + 2);
		return decode_quotas(b, len, 4, (unsigned)r->u.quota.ndom + r->u.quota.nglobal,
				     &r->u.quota.values, &r->u.quota.names, "GLOBAL_QUOTA_DATA",
				     err, errlen);
	case LU_REC_TOKEN:
		if (len < 8)
			return fail(err, errlen, "token record too short");
		r->u.token = (uint64_t)get_u32(b) | (uint64_t)get_u32(b + 4) << 32;
		return 0;
	case LU_REC_DOMAIN:
		if (len < 8)
			return fail(err, errlen, "DOMAIN_DATA record too short");
		r->u.domain.domid = get_u16(b);
		r->u.domain.nquota = get_u16(b + 2);
		r->u.domain.features = get_u32(b + 4);
		return decode_quotas(b, len, 8, r->u.domain.nquota, &r->u.domain.values,
				     &r->u.domain.names, "DOMAIN_DATA", err, errlen);
	}
	return 0; /* unknown: the caller skips it */
}

int lu_stream_parse(const void *data, size_t len, lu_record_fn *fn, void *ctx,
		    uint32_t *version, char *err, size_t errlen)
{
	const uint8_t *p = data;
	uint32_t be;
	size_t off = PREAMBLE_SIZE;
	int rc;

	if (errlen)
		err[0] = '\0';
	if (len > LU_STREAM_MAX)
		return fail(err, errlen, "state stream of %zu bytes is over the %zu-byte limit",
			    len, LU_STREAM_MAX);
	if (len < PREAMBLE_SIZE || memcmp(p, "xenstore", 8) != 0)
		return fail(err, errlen, "not a xenstore state stream (%zu bytes)", len);
	memcpy(&be, p + 8, 4);
	*version = be32toh(be);
	if (*version != 1 && *version != 2)
		return fail(err, errlen, "unknown state stream version %u", *version);
	memcpy(&be, p + 12, 4);
	if (be32toh(be) != 0)
		return fail(err, errlen, "unsupported state stream flags %#x (big-endian records?)",
			    be32toh(be));
	for (;;) {
		struct lu_record r;
		uint32_t rlen;
		size_t padded;

		if (len - off < REC_HEADER)
			return fail(err, errlen, "state stream truncated at byte %zu (no END record)",
				    off);
		r.type = get_u32(p + off);
		rlen = get_u32(p + off + 4);
		if (r.type == LU_REC_END)
			break;
		padded = ((size_t)rlen + 7) & ~(size_t)7;
		if (padded > len - off - REC_HEADER)
			return fail(err, errlen, "record type %u at byte %zu: %u bytes overrun the "
				    "%zu-byte stream", r.type, off, rlen, len);
		if ((rc = decode(&r, p + off + REC_HEADER, rlen, err, errlen)))
			return rc;
		off += REC_HEADER + padded;
		if (r.type > LU_REC_WATCH_EXT && r.type != LU_REC_TOKEN)
			continue;
		if ((rc = fn(ctx, &r, err, errlen))) {
			if (errlen && !err[0])
				snprintf(err, errlen, "record type %u: %s", r.type, strerror(rc));
			return rc;
		}
	}
	return 0;
}
