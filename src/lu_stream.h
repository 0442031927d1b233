/*
 * lu_stream.h - Xen's xenstore migration stream (docs/designs/
 * xenstore-migration.md in Xen; PROTOCOL.md §6): the byte format, and nothing
 * about the daemon.  A writer appends records to a growable buffer; a
 * parser checks a whole stream and hands each record, decoded and
 * bounds-checked, to a callback.  live_update.c maps records to and from
 * the daemon's state.
 *
 * Layouts, as C xenstored 4.17 writes and reads them: a 16-byte preamble
 * ("xenstore", big-endian version, big-endian flags, flags bit 0 = records
 * big-endian), then records {u32 type, u32 len, body, zero pad to 8}, in
 * the writer's byte order (C counts the padding in len and steps by len
 * alone, so we write it so; we read either) (we write and accept little-endian only).  C
 * 4.17 accepts version 1 only and skips record types it does not know, so
 * we write version 1 and add GLOBAL_QUOTA/DOMAIN/WATCH_EXTENDED records,
 * which it skips; we read versions 1 and 2.
 *
 * The parser treats its input as hostile: every length is checked against
 * the record that holds it, strings must be NUL-terminated within it,
 * counts are bounded, and an error names the record and what is wrong.
 */
#ifndef XS_LU_STREAM_H
#define XS_LU_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LU_REC_END 0u
#define LU_REC_GLOBAL 1u
#define LU_REC_CONN 2u
#define LU_REC_WATCH 3u
#define LU_REC_TXN 4u
#define LU_REC_NODE 5u
#define LU_REC_GLOBAL_QUOTA 6u
#define LU_REC_DOMAIN 7u
#define LU_REC_WATCH_EXT 8u
/* Ours (other readers skip unknown types): the token tying a stream to the
 * process that may be returned to if the new binary refuses it. */
#define LU_REC_TOKEN 0x58530001u

#define LU_CONN_RING 0u
#define LU_CONN_SOCKET 1u
#define LU_DOMID_INVALID 0x7ff4u
#define LU_DEPTH_UNLIMITED 0xffffu
#define LU_PERM_IGNORE 0x01u      /* stale permission entry */
#define LU_MAX_PERMS 1024u        /* more than any quota allows */
#define LU_MAX_QUOTAS 64u

/* Biggest stream we accept: far above a store at every quota's limit. */
#define LU_STREAM_MAX ((size_t)1 << 30)

/* ---- writing ---- */

struct lu_buf {
	uint8_t *data;
	size_t len, cap;
	int err;                  /* first ENOMEM, sticky */
};

void lu_buf_free(struct lu_buf *b);
void lu_put_preamble(struct lu_buf *b, uint32_t version);
/* Starts a record; returns its offset for lu_end_record. */
size_t lu_begin_record(struct lu_buf *b, uint32_t type);
void lu_put(struct lu_buf *b, const void *data, size_t len);
void lu_put_u8(struct lu_buf *b, uint8_t v);
void lu_put_u16(struct lu_buf *b, uint16_t v);
void lu_put_u32(struct lu_buf *b, uint32_t v);
/* Fills in the record's length and pads it to 8 bytes. */
void lu_end_record(struct lu_buf *b, size_t start);

/* ---- reading ---- */

struct lu_perm {
	uint8_t access;           /* 'n', 'r', 'w' or 'b' */
	uint8_t flags;            /* LU_PERM_IGNORE */
	uint16_t domid;
};

struct lu_quota {
	const char *name;
	uint32_t value;
};

struct lu_record {
	uint32_t type;
	union {
		struct { int32_t socket_fd, evtchn_fd; } global;
		struct {
			uint32_t id;
			uint16_t type, flags;
			uint16_t domid, tdomid; /* ring */
			uint32_t evtchn;
			int32_t fd;             /* socket */
			const uint8_t *in, *out; /* pending input, pending output */
			uint32_t in_len, out_len, resp_len;
		} conn;
		struct {
			uint32_t conn_id;
			const char *path, *token;
			int depth;              /* -1: unlimited */
		} watch;
		struct { uint32_t conn_id, tx_id; } txn;
		uint64_t token;
		struct {
			uint32_t conn_id, tx_id;
			const char *path;
			const uint8_t *value;
			uint16_t value_len, nperms;
			const uint8_t *perms;   /* nperms x 4 bytes; see lu_node_perm */
		} node;
		struct {
			uint16_t ndom, nglobal;
			const uint8_t *values;  /* see lu_quota_at */
			const char *names;
		} quota;
		struct {
			uint16_t domid, nquota;
			uint32_t features;      /* 0 unless the writer set it */
			const uint8_t *values;
			const char *names;
		} domain;
	} u;
};

/* The i-th permission of a NODE record. */
struct lu_perm lu_node_perm(const struct lu_record *r, unsigned i);
/* The i-th quota of a GLOBAL_QUOTA or DOMAIN record (names were checked). */
struct lu_quota lu_quota_at(const uint8_t *values, const char *names, unsigned i);

/* Called for every record but END; a non-zero return stops the parse and
 * is returned (with the callback's message in err, if it wrote one). */
typedef int lu_record_fn(void *ctx, const struct lu_record *r, char *err, size_t errlen);

/* Checks and walks a whole stream.  0, or EINVAL (malformed: truncated,
 * oversized, bad lengths, unknown version, missing END) / the callback's
 * error, with a one-line reason in err.  *version gets the stream's. */
int lu_stream_parse(const void *data, size_t len, lu_record_fn *fn, void *ctx,
		    uint32_t *version, char *err, size_t errlen);

#endif
