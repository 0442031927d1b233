/*
 * fuzz_wire.c - message framing and argument parsing.
 *
 * The first input byte picks what the rest is fed to:
 *   0  argument splitting (wire.c: xs_count_args, xs_split_args, xs_one_arg)
 *   1  path resolution (path.c: path_resolve and the helpers that work on
 *      a resolved path)
 *   2  number parsers (xs_parse_domid; quota.c: quota_parse_value,
 *      quota_lookup, quota_parse_assignment)
 *   3  the byte stream of a privileged client's socket, cut into recv()s
 *      of a chosen size: conn.c's framing, then the dispatch point
 *   4  the same from an unprivileged domain's connection (quotas apply)
 *   5  SET_PERMS arguments (perms.c: perms_parse, perms_format; the
 *      reference comparison is fuzz_perms's job, here: no crash, and what
 *      parses prints back to the same list)
 * Parsers are compared with reference implementations written here from
 * PROTOCOL.md (§1.2, §1.3, §2.1, §2.6), so a disagreement is a crash too.
 */
#include <ctype.h>

#include "harness.h"

/* ---- 0: arguments ---- */

static void fuzz_args(const uint8_t *data, size_t size)
{
	const char *payload = (const char *)data;
	uint32_t len = (uint32_t)size;
	const char *argv[XS_MAX_ARGS * 4];
	unsigned nuls = 0, n;
	const char *one;

	for (size_t i = 0; i < size; i++)
		nuls += data[i] == 0;
	FZ_CHECK(xs_count_args(payload, len) == nuls, "count_args");
	for (unsigned max = 0; max <= XS_MAX_ARGS * 4; max += 7) {
		n = xs_split_args(payload, len, argv, max);
		FZ_CHECK(n == (nuls < max ? nuls : max), "split_args(max %u) = %u, %u NULs", max,
			 n, nuls);
		/* Each argument starts right after the previous one's NUL and
		 * ends with a NUL inside the payload. */
		const char *expect = payload;
		for (unsigned i = 0; i < n; i++) {
			FZ_CHECK(argv[i] == expect, "argument %u starts at the wrong place", i);
			size_t alen = strnlen(argv[i], (size_t)(payload + len - argv[i]));
			FZ_CHECK(argv[i] + alen < payload + len, "argument %u runs off the payload", i);
			expect = argv[i] + alen + 1;
		}
	}
	one = xs_one_arg(payload, len);
	bool want = len > 0 && nuls == 1 && data[len - 1] == 0;
	FZ_CHECK((one != NULL) == want, "one_arg");
	if (one)
		FZ_CHECK(one == payload, "one_arg points elsewhere");
}

/* ---- 1: paths ---- */

static bool ref_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '/' || c == '_' || c == '@';
}

/* PROTOCOL.md §2.1: allowed bytes, no empty component, no trailing slash but "/". */
static bool ref_syntax(const char *p)
{
	size_t len = strlen(p);

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!ref_char(p[i]))
			return false;
		if (p[i] == '/' && p[i + 1] == '/')
			return false;
	}
	return len == 1 || p[len - 1] != '/';
}

static void fuzz_path(const uint8_t *data, size_t size)
{
	static char in[XS_PATH_BUF + 64], out[XS_PATH_BUF], expect[2 * XS_PATH_BUF];
	struct fz_in r = { data, size };
	unsigned domid = fz_u16(&r);
	bool special = fz_u8(&r) & 1, rel = false;
	size_t len = fz_bytes(&r, in, sizeof(in) - 1);
	int err;

	in[len] = '\0';
	len = strlen(in);
	memset(out, 0x5a, sizeof(out));
	err = path_resolve(in, domid, special, out, &rel);
	if (len == 0 || len >= XS_PATH_BUF - 32) {
		FZ_CHECK(err == EINVAL, "path of %zu bytes accepted", len);
		return;
	}
	if (in[0] == '/' || in[0] == '@')
		snprintf(expect, sizeof(expect), "%s", in);
	else
		snprintf(expect, sizeof(expect), "/local/domain/%u/%s", domid, in);
	bool want = ref_syntax(expect) && (in[0] != '@' || special);
	FZ_CHECK((err == 0) == want, "path_resolve(\"%.80s\", %u, %d) = %d", in, domid,
		 special, err);
	if (err)
		return;
	FZ_CHECK(strcmp(out, expect) == 0, "resolved to \"%.80s\", expected \"%.80s\"", out,
		 expect);
	FZ_CHECK(rel == (in[0] != '/' && in[0] != '@'), "relative flag");
	size_t olen = strlen(out);
	FZ_CHECK(olen < XS_PATH_BUF, "resolved path of %zu bytes", olen);
	FZ_CHECK(path_quota_length(out) <= olen, "quota length");
	if (rel) {
		/* the relative part is what path-max counts (XSA-323 ordering) */
		FZ_CHECK(path_quota_length(out) == len, "quota length of a relative path %zu, not %zu",
			 path_quota_length(out), len);
	}
	size_t plen = path_parent_len(out, olen);
	if (out[0] == '/' && olen > 1) {
		FZ_CHECK(plen >= 1 && plen < olen, "parent length %zu of %zu", plen, olen);
		FZ_CHECK(plen == 1 || out[plen] == '/', "parent ends mid-component");
		FZ_CHECK(memchr(out + plen + 1, '/', olen - plen - 1) == NULL,
			 "parent is not the immediate one");
		FZ_CHECK(path_is_under(out, out, plen), "not under its parent");
		FZ_CHECK(path_depth_below(out, plen, out) == 1, "depth below parent %u",
			 path_depth_below(out, plen, out));
		FZ_CHECK(path_is_under(out, "/", 1), "not under /");
	} else if (out[0] == '/') {
		FZ_CHECK(plen == 0, "parent of /");
	}
	FZ_CHECK(path_is_under(out, out, olen), "not under itself");
	if (olen > 1) /* (for "/" the helper counts the root's own slash) */
		FZ_CHECK(path_depth_below(out, olen, out) == 0, "depth below itself");
}

/* ---- 2: numbers ---- */

/* Digits only, at most max (no overflow on the way). */
static bool ref_decimal(const char *s, unsigned long long max, unsigned long long *v)
{
	*v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		*v = *v * 10 + (unsigned)(*s - '0');
		if (*v > max)
			return false;
	}
	return true;
}

static void fuzz_numbers(const uint8_t *data, size_t size)
{
	char s[128], assign[160];
	size_t len = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	unsigned long long ref;
	unsigned domid = 0xdead, v = 0xdead;
	struct quota_set q, before;
	enum quota_id id;
	bool soft;
	int err;

	memcpy(s, data, len);
	s[len] = '\0';
	len = strlen(s);

	err = xs_parse_domid(s, &domid);
	if (err == 0) {
		FZ_CHECK(domid <= XS_DOMID_MAX, "domid %u", domid);
		/* whatever was accepted means the same as its canonical form */
		char canon[16];
		unsigned again;
		snprintf(canon, sizeof(canon), "%u", domid);
		FZ_CHECK(xs_parse_domid(canon, &again) == 0 && again == domid, "canonical domid");
	} else {
		FZ_CHECK(err == EINVAL, "xs_parse_domid error %d", err);
	}
	/* Plain decimal domids are always accepted exactly (PROTOCOL.md §1.2). */
	if (len > 0 && ref_decimal(s, XS_DOMID_MAX, &ref))
		FZ_CHECK(err == 0 && domid == ref, "domid \"%s\" refused or misread", s);
	if (len > 0 && s[0] >= '0' && s[0] <= '9' && !ref_decimal(s, ~0ull, &ref))
		FZ_CHECK(err == EINVAL, "domid \"%s\" with junk accepted", s);
	if (s[0] == '-' || s[0] == '+' || s[0] == ' ')
		FZ_CHECK(err == EINVAL, "signed domid \"%s\" accepted", s);

	/* quota values: decimal, 0 .. 2^32-1, nothing else */
	err = quota_parse_value(s, &v);
	bool want = len > 0 && ref_decimal(s, 0xffffffffull, &ref);
	FZ_CHECK((err == 0) == want, "quota_parse_value(\"%s\") = %d", s, err);
	if (want)
		FZ_CHECK(v == ref, "quota value %u, expected %llu", v, ref);

	/* names */
	if (quota_lookup(s, &id, &soft) == 0) {
		FZ_CHECK((unsigned)id < QUOTA_COUNT, "quota id %d", id);
		FZ_CHECK(strcmp(s, quota_table[id].name) == 0 ||
				 strcmp(s, quota_table[id].ctl_name) == 0 ||
				 (soft && strcmp(s, "soft-memory") == 0),
			 "quota name \"%s\"", s);
	}

	/* name=value assignments change exactly the quota named */
	quota_defaults(&q);
	before = q;
	snprintf(assign, sizeof(assign), "%s", s);
	err = quota_parse_assignment(&q, assign, size > 0 && (data[0] & 1));
	if (err) {
		FZ_CHECK(memcmp(&q, &before, sizeof(q)) == 0, "failed assignment changed quotas");
	} else {
		const char *eq = strchr(assign, '=');
		FZ_CHECK(eq != NULL, "assignment without '='");
		FZ_CHECK(quota_parse_value(eq + 1, &v) == 0, "assigned value unparsable");
		unsigned changed = 0;
		for (int i = 0; i < QUOTA_COUNT; i++)
			changed += q.hard[i] != before.hard[i];
		changed += q.soft_memory != before.soft_memory;
		FZ_CHECK(changed <= 1, "assignment changed %u quotas", changed);
	}
}

/* ---- 3, 4: framing on a connection ---- */

static void fuzz_stream(const uint8_t *data, size_t size, bool guest)
{
	static struct fz_peer p;
	struct daemon d;
	struct fz_in r = { data, size };
	uint8_t chunk = fz_u8(&r);

	FZ_CHECK(daemon_init(&d) == 0, "daemon_init");
	if (guest) {
		fz_peer_open_guest(&d, &p, 7, "guest 7");
		p.conn->features = chunk & 0x80 ? 0 : DAEMON_FEATURES;
	} else {
		fz_peer_open(&d, &p, d.model.priv_domid, "dom0 client");
	}
	p.io.chunk = chunk & 0x7f;
	/* Either all at once or in pieces, as a socket may deliver it. */
	while (fz_more(&r) && p.conn) {
		size_t n = r.n < 512 ? r.n : 512;
		fz_peer_write(&p, r.p, n);
		r.p += n;
		r.n -= n;
		fz_peer_poll(&p);
		conn_end_of_round(&d);
		fz_check_daemon(&d);
	}
	fz_peer_poll(&p);
	conn_end_of_round(&d);
	fz_check_daemon(&d);
	if (p.cl.stream_broken) {
		/* a header claiming more than 4096 bytes drops the connection */
		FZ_CHECK(p.conn == NULL, "connection survived an oversized message");
	} else if (p.conn && !p.conn->close_pending && !p.cl.overflowed) {
		FZ_CHECK(fz_client_answerable(&p.cl) == 0,
			 "%u requests unanswered (first type %u req %u)",
			 fz_client_answerable(&p.cl), p.cl.expect[0].type, p.cl.expect[0].req_id);
	}
	daemon_destroy(&d);
	fz_peer_free(&p);
}

/* ---- 5: permission lists ---- */

static void fuzz_perm_args(const uint8_t *data, size_t size)
{
	static char buf[XS_PAYLOAD_MAX], out[XS_PAYLOAD_MAX];
	const char *argv[XS_PAYLOAD_MAX / 2];
	static struct perm perms[XS_PAYLOAD_MAX / 2], again[XS_PAYLOAD_MAX / 2];
	unsigned n;
	size_t len;

	size = size < sizeof(buf) ? size : sizeof(buf);
	memcpy(buf, data, size);
	n = xs_split_args(buf, (uint32_t)size, argv, XS_PAYLOAD_MAX / 2);
	if (perms_parse(argv, n, perms))
		return;
	len = perms_format(perms, n, out, sizeof(out));
	if (len == 0)
		return; /* does not fit one reply: GET_PERMS answers E2BIG */
	FZ_CHECK(xs_count_args(out, (uint32_t)len) == n, "printed list");
	xs_split_args(out, (uint32_t)len, argv, n);
	FZ_CHECK(perms_parse(argv, n, again) == 0, "printed list does not parse");
	for (unsigned i = 0; i < n; i++)
		FZ_CHECK(again[i].domid == perms[i].domid && again[i].access == perms[i].access,
			 "entry %u parses differently once printed", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 6) {
	case 0: fuzz_args(data + 1, size - 1); break;
	case 1: fuzz_path(data + 1, size - 1); break;
	case 2: fuzz_numbers(data + 1, size - 1); break;
	case 3: fuzz_stream(data + 1, size - 1, false); break;
	case 4: fuzz_stream(data + 1, size - 1, true); break;
	case 5: fuzz_perm_args(data + 1, size - 1); break;
	}
	return 0;
}
