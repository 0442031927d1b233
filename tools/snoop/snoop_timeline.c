/*
 * snoop_timeline.c - the timeline model of snoop_timeline.h: records from
 * JSON lines, tracks, and the joins the drawings show as arrows.
 */
#include "snoop_timeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snoop_json.h"

static const struct {
	const char *name;
	enum tl_kind kind;
} kinds[] = {
	{ "request", TL_REQUEST },
	{ "watch_event", TL_WATCH_EVENT },
	{ "txn_done", TL_TXN_DONE },
	{ "quota_exceeded", TL_QUOTA },
	{ "conn_open", TL_CONN_OPEN },
	{ "conn_close", TL_CONN_CLOSE },
	{ "domain_introduce", TL_DOMAIN_INTRODUCE },
	{ "domain_release", TL_DOMAIN_RELEASE },
};

struct timeline *timeline_new(void)
{
	return calloc(1, sizeof(struct timeline));
}

static void event_free(struct tl_event *e)
{
	free(e->op);
	free(e->path);
	free(e->request);
	free(e->reply);
	free(e->error);
	free(e->token);
	free(e->stack);
	free(e->txn_result);
	free(e->conflict);
	free(e->quota);
}

void timeline_free(struct timeline *tl)
{
	size_t i;

	if (!tl)
		return;
	for (i = 0; i < tl->n; i++)
		event_free(&tl->ev[i]);
	free(tl->ev);
	free(tl->tracks);
	free(tl);
}

/* The snoop's display form of payload bytes: NULs as spaces (a final one
 * dropped), \xNN outside printable ASCII, \\ for a backslash. */
static char *display(const struct json *v)
{
	size_t i, n, k = 0;
	char *out;

	if (!v || v->type != JSON_STR)
		return NULL;
	n = v->len;
	if (n && v->str[n - 1] == '\0')
		n--;
	out = malloc(n * 4 + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v->str[i];

		if (c == '\0')
			out[k++] = ' ';
		else if (c == '\\')
			k += sprintf(out + k, "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			k += sprintf(out + k, "\\x%02x", c);
		else
			out[k++] = (char)c;
	}
	out[k] = '\0';
	return out;
}

static int find_track(struct timeline *tl, unsigned dom, unsigned pid, const char *comm,
		      size_t *idx)
{
	struct tl_track *t;
	size_t i;

	for (i = 0; i < tl->ntracks; i++)
		if (tl->tracks[i].dom == dom && tl->tracks[i].pid == pid)
			break;
	if (i == tl->ntracks) {
		if (tl->ntracks == tl->tracks_cap) {
			size_t ncap = tl->tracks_cap ? tl->tracks_cap * 2 : 16;
			struct tl_track *nt = realloc(tl->tracks, ncap * sizeof(*nt));

			if (!nt)
				return ENOMEM;
			tl->tracks = nt;
			tl->tracks_cap = ncap;
		}
		t = &tl->tracks[tl->ntracks++];
		memset(t, 0, sizeof(*t));
		t->dom = dom;
		t->pid = pid;
	}
	t = &tl->tracks[i];
	/* Guests have no command; a process's name is learnt when known. */
	if (pid && comm && comm[0] && !t->comm[0])
		snprintf(t->comm, sizeof(t->comm), "%s", comm);
	*idx = i;
	return 0;
}

static int add_event(struct timeline *tl, struct tl_event **out)
{
	if (tl->n == tl->cap) {
		size_t ncap = tl->cap ? tl->cap * 2 : 256;
		struct tl_event *nv = realloc(tl->ev, ncap * sizeof(*nv));

		if (!nv)
			return ENOMEM;
		tl->ev = nv;
		tl->cap = ncap;
	}
	*out = &tl->ev[tl->n];
	memset(*out, 0, sizeof(**out));
	(*out)->cause = (*out)->response = -1;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Frames of a "stack" array, joined by ';' (the folded-stack separator;
 * a ';' inside a frame becomes ':'). */
static char *join_stack(const struct json *st)
{
	size_t i, n = 0;
	char *out, *p;

	if (!st || st->type != JSON_ARR || !st->n)
		return NULL;
	for (i = 0; i < st->n; i++)
		n += (st->items[i].type == JSON_STR ? st->items[i].len : 1) + 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	p = out;
	for (i = 0; i < st->n; i++) {
		const struct json *f = &st->items[i];
		size_t k;

		if (i)
			*p++ = ';';
		if (f->type != JSON_STR) {
			*p++ = '?';
			continue;
		}
		for (k = 0; k < f->len; k++)
			*p++ = f->str[k] == ';' || f->str[k] == '\0' ? ':' : f->str[k];
	}
	*p = '\0';
	return out;
}

static void take_txn(struct tl_event *e, const struct json *txn)
{
	if (!txn || txn->type != JSON_OBJ)
		return;
	e->has_txn = true;
	e->txn_result = dup_or_null(json_str(txn, "result"));
	e->conflict = display(json_get(txn, "conflict"));
	if (e->conflict && !e->conflict[0]) {
		free(e->conflict);
		e->conflict = NULL;
	}
	e->txn_ns = json_uint(txn, "duration_ns", 0);
	e->txn_ops = json_uint(txn, "ops", 0);
	e->txn_nodes = json_uint(txn, "nodes", 0);
	if (!e->tx)
		e->tx = (unsigned)json_uint(txn, "tx", 0);
}

static void take_cause(struct tl_event *e, const struct json *cause)
{
	if (!cause || cause->type != JSON_OBJ)
		return;
	e->has_cause = true;
	e->cause_conn = (unsigned)json_uint(cause, "conn", 0);
	e->cause_req = (unsigned)json_uint(cause, "req_id", 0);
}

static enum tl_kind kind_of(const char *name, bool *found)
{
	size_t i;

	*found = false;
	for (i = 0; name && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, name) == 0) {
			*found = true;
			return kinds[i].kind;
		}
	return TL_REQUEST;
}

static int fill_event(struct timeline *tl, struct tl_event *e, const struct json *r)
{
	unsigned long long lat = json_uint(r, "latency_ns", 0);
	const struct json *q = json_get(r, "quota");

	e->end_ns = json_uint(r, "ts_ns", 0);
	e->start_ns = e->kind == TL_REQUEST && lat <= e->end_ns ? e->end_ns - lat : e->end_ns;
	e->shown_ns = e->start_ns;
	e->conn = (unsigned)json_uint(r, "conn", 0);
	e->dom = (unsigned)json_uint(r, "dom", 0);
	e->pid = (unsigned)json_uint(r, "pid", 0);
	e->req_id = (unsigned)json_uint(r, "req_id", 0);
	e->tx = (unsigned)json_uint(r, "tx", 0);
	e->type = (unsigned)json_uint(r, "type", 0);
	e->op = dup_or_null(json_str(r, "op"));
	e->path = display(json_get(r, "path"));
	e->request = display(json_get(r, "request"));
	e->reply = display(json_get(r, "reply"));
	e->error = dup_or_null(json_str(r, "error"));
	e->token = display(json_get(r, "token"));
	/* A Python client's own frames say more than its interpreter's. */
	e->stack = join_stack(json_get(r, "py_stack"));
	if (!e->stack)
		e->stack = join_stack(json_get(r, "stack"));
	take_txn(e, json_get(r, "txn"));
	take_cause(e, json_get(r, "cause"));
	if (q && q->type == JSON_OBJ)
		e->quota = dup_or_null(json_str(q, "name"));
	return find_track(tl, e->dom, e->pid, json_str(r, "comm"), &e->track);
}

int timeline_add_line(struct timeline *tl, const char *line, size_t len)
{
	struct json r;
	struct tl_event *e;
	enum tl_kind kind;
	bool known;
	int err;

	if (json_parse(line, len, &r)) {
		tl->skipped++;
		return EINVAL;
	}
	kind = kind_of(json_str(&r, "event"), &known);
	if (!known || !json_uint(&r, "ts_ns", 0)) {
		json_free(&r);
		tl->skipped++;
		return EINVAL;
	}
	err = add_event(tl, &e);
	if (!err) {
		e->kind = kind;
		err = fill_event(tl, e, &r);
		if (err)
			event_free(e);
		else
			tl->n++;
	}
	json_free(&r);
	tl->resolved = false;
	return err;
}

int timeline_add_file(struct timeline *tl, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	while ((n = getline(&line, &cap, f)) > 0) {
		if (timeline_add_line(tl, line, n) == ENOMEM) {
			err = ENOMEM;
			break;
		}
	}
	if (!err && ferror(f))
		err = EIO;
	free(line);
	return err;
}

/* ------------------------------------------------------------------ */
/* Joins                                                                */

static int cmp_start(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->end_ns != y->end_ns)
		return x->end_ns < y->end_ns ? -1 : 1;
	return 0;
}

/*
 * The request a watch event names: the one on (conn, req_id) being
 * handled when the event fired (arrival <= event <= reply), else the last
 * one answered before it (a new watch's first event follows its reply).
 * req_id alone is not unique (libxenstore always sends 0), time within
 * that connection's serial order makes it so.
 */
static long find_cause(const struct timeline *tl, const struct tl_event *w)
{
	long best = -1;
	size_t i;

	for (i = 0; i < tl->n; i++) {
		const struct tl_event *r = &tl->ev[i];

		if (r->kind != TL_REQUEST || r->conn != w->cause_conn || r->req_id != w->cause_req)
			continue;
		if (r->start_ns <= w->start_ns && w->start_ns <= r->end_ns)
			return (long)i;
		if (r->end_ns <= w->start_ns)
			best = (long)i;
	}
	return best;
}

/* The watcher's next request after the event, unless another event
 * reached the watcher first (then that one is what it answered). */
static long find_response(const struct timeline *tl, size_t wi)
{
	const struct tl_event *w = &tl->ev[wi];
	size_t i;

	for (i = wi + 1; i < tl->n; i++) {
		const struct tl_event *r = &tl->ev[i];

		if (r->conn != w->conn || r->start_ns < w->start_ns)
			continue;
		if (r->kind == TL_WATCH_EVENT || r->kind == TL_CONN_CLOSE)
			return -1;
		if (r->kind == TL_REQUEST)
			return (long)i;
	}
	return -1;
}

/* Requests of one connection are answered in order; one that arrived
 * before the previous reply waited for it, and is drawn from then (so
 * slices on a connection's track nest). */
static void clip_pipelined(struct timeline *tl)
{
	size_t i, j;

	for (i = 0; i < tl->n; i++) {
		struct tl_event *e = &tl->ev[i];

		e->shown_ns = e->start_ns;
		if (e->kind != TL_REQUEST)
			continue;
		for (j = i; j-- > 0;) {
			const struct tl_event *p = &tl->ev[j];

			if (p->kind != TL_REQUEST || p->conn != e->conn)
				continue;
			if (p->end_ns > e->shown_ns)
				e->shown_ns = p->end_ns < e->end_ns ? p->end_ns : e->end_ns;
			break;
		}
	}
}

/* A transaction starts at the arrival of the TRANSACTION_START whose
 * reply named it, else (started before the recording) at its end minus
 * its duration. */
static void find_txn_starts(struct timeline *tl)
{
	size_t i, j;

	for (i = 0; i < tl->n; i++) {
		struct tl_event *e = &tl->ev[i];

		if (!e->has_txn)
			continue;
		e->txn_start_ns = e->txn_ns < e->end_ns ? e->end_ns - e->txn_ns : e->start_ns;
		for (j = i; j-- > 0;) {
			const struct tl_event *s = &tl->ev[j];

			if (s->kind == TL_REQUEST && s->conn == e->conn && s->op &&
			    strcmp(s->op, "XS_TRANSACTION_START") == 0 && s->reply &&
			    strtoul(s->reply, NULL, 10) == e->tx) {
				e->txn_start_ns = s->shown_ns;
				break;
			}
		}
	}
}

void timeline_resolve(struct timeline *tl)
{
	size_t i;

	if (tl->resolved)
		return;
	/* Stable enough: equal keys keep no meaningful order to preserve. */
	if (tl->n)
		qsort(tl->ev, tl->n, sizeof(tl->ev[0]), cmp_start);
	tl->t0 = tl->n ? tl->ev[0].start_ns : 0;
	clip_pipelined(tl);
	for (i = 0; i < tl->n; i++) {
		struct tl_event *e = &tl->ev[i];

		if (e->kind != TL_WATCH_EVENT)
			continue;
		e->cause = e->has_cause ? find_cause(tl, e) : -1;
		e->response = find_response(tl, i);
	}
	find_txn_starts(tl);
	tl->resolved = true;
}

/* ------------------------------------------------------------------ */
/* Labels and escaping                                                  */

void timeline_track_label(const struct tl_track *t, char *buf, size_t size)
{
	if (!t->pid)
		snprintf(buf, size, "dom%u (guest)", t->dom);
	else
		snprintf(buf, size, "dom%u pid %u %s", t->dom, t->pid, t->comm[0] ? t->comm : "?");
}

void timeline_event_label(const struct tl_event *e, char *buf, size_t size)
{
	const char *op = e->op ? e->op : "?";

	switch (e->kind) {
	case TL_REQUEST:
	case TL_WATCH_EVENT:
		if (e->path)
			snprintf(buf, size, "%s %s", op, e->path);
		else
			snprintf(buf, size, "%s", op);
		break;
	case TL_TXN_DONE:
		snprintf(buf, size, "txn %u %s", e->tx, e->txn_result ? e->txn_result : "?");
		break;
	case TL_QUOTA:
		snprintf(buf, size, "quota %s", e->quota ? e->quota : "?");
		break;
	case TL_CONN_OPEN:
		snprintf(buf, size, "connect (conn %u)", e->conn);
		break;
	case TL_CONN_CLOSE:
		snprintf(buf, size, "close (conn %u)", e->conn);
		break;
	case TL_DOMAIN_INTRODUCE:
		snprintf(buf, size, "introduce dom%u", e->dom);
		break;
	case TL_DOMAIN_RELEASE:
		snprintf(buf, size, "release dom%u", e->dom);
		break;
	}
}

/* Bytes outside printable ASCII were escaped by display(); labels may
 * still carry a comm with any byte, so escape all of them. */
void tl_put_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			putc(c, f);
		else
			fprintf(f, "\\u%04x", c);
	}
	putc('"', f);
}

void tl_put_html(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
				fprintf(f, "&#%u;", (unsigned char)*s);
			else
				putc(*s, f);
		}
	}
}
