/*
 * snoop_html.c - the timeline (snoop_timeline.h) as one self-contained
 * HTML page: an SVG sequence diagram, with its style and script inline
 * (no network, no external file), readable in any browser.
 *
 * Lanes, left to right: the daemon, then each client in the order it
 * first appears.  Time runs down, one row per message: a request arrow
 * from the client to the daemon when it arrived, a reply arrow back when
 * it was answered (red for an error), a dashed watch-event arrow from the
 * daemon to the watcher.  Transactions are boxes on their client's lane
 * from TRANSACTION_START to its end, red with the conflicting node for an
 * EAGAIN.  Hovering a message highlights what caused it and what it
 * caused (request -> watch events -> the watchers' next requests); the
 * checkboxes hide domains.  The page's script also reads
 * "#hover=EVENT&hide=DOM,..." from its address and reports what it drew
 * in #status and in data- attributes of <body>, which is what the
 * browser test (tests/integration/timeline_browser.sh) checks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snoop_timeline.h"

#define LANE_W 200
#define TIME_W 90
#define HEAD_H 56
#define ROW_H 18
#define FIRST_X (TIME_W + 70)

enum msg_kind { M_REQ, M_EVENT, M_REPLY, M_NOTE };

struct msg {
	unsigned long long ns;
	enum msg_kind kind;
	size_t ev;		/* index into timeline.ev */
};

static int cmp_msg(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->ev < y->ev ? -1 : x->ev > y->ev;
}

static const char style[] =
"body{font:13px/1.35 system-ui,sans-serif;margin:12px;color:#1f2328}"
"h1{font-size:17px;margin:0 0 4px}"
"#controls{margin:6px 0 10px}#controls label{margin-right:12px}"
"#status{color:#57606a;margin:4px 0}"
".legend span{margin-right:14px}"
"svg text{font:11px ui-monospace,monospace;fill:#1f2328}"
"svg .lanehead{font:bold 12px system-ui,sans-serif}"
"svg .lanesub{font:11px system-ui,sans-serif;fill:#57606a}"
"svg .life{stroke:#8c959f;stroke-dasharray:4 3}"
"svg .time{fill:#57606a}"
".arrow{stroke-width:1.4}"
".req .arrow{stroke:#0969da}.reply .arrow{stroke:#1a7f37}"
".reply.err .arrow{stroke:#cf222e}.reply.err text{fill:#cf222e}"
".event .arrow{stroke:#9a6700;stroke-dasharray:5 3}.event text{fill:#9a6700}"
".txn rect{fill:#ddf4ff;stroke:#54aeff}.txn.eagain rect{fill:#ffebe9;stroke:#ff8182}"
".note text{fill:#57606a;font-style:italic}"
".msg{cursor:pointer}"
"body.hovering .msg:not(.hl){opacity:.18}"
".msg.hl .arrow{stroke-width:3}"
".hidden{display:none}";

/* Highlights causes (up) and effects (down) of the hovered message;
 * filters domains; reports what is drawn. */
static const char script[] =
"(function(){\n"
"var msgs=[].slice.call(document.querySelectorAll('.msg'));\n"
"var up={},down={};\n"
"function link(a,b){(down[a]=down[a]||[]).push(b);(up[b]=up[b]||[]).push(a);}\n"
"msgs.forEach(function(m){var e=m.dataset.ev;\n"
" if(m.dataset.cause)link(m.dataset.cause,e);\n"
" if(m.dataset.response)link(e,m.dataset.response);});\n"
"function closure(start,g){var seen={},todo=[start];seen[start]=1;\n"
" while(todo.length){var x=todo.pop();(g[x]||[]).forEach(function(y){\n"
"  if(!seen[y]){seen[y]=1;todo.push(y);}});}return seen;}\n"
"function highlight(ev){var a=closure(ev,up),b=closure(ev,down),n=0;\n"
" msgs.forEach(function(m){var on=ev!==null&&(a[m.dataset.ev]||b[m.dataset.ev]);\n"
"  m.classList.toggle('hl',!!on);if(on)n+=m.querySelectorAll('.arrow').length;});\n"
" document.body.classList.toggle('hovering',ev!==null);\n"
" document.body.dataset.highlighted=n;}\n"
"msgs.forEach(function(m){m.addEventListener('mouseenter',function(){highlight(m.dataset.ev);});\n"
" m.addEventListener('mouseleave',function(){highlight(null);});});\n"
"var boxes=[].slice.call(document.querySelectorAll('#controls input'));\n"
"function filter(){var off={};boxes.forEach(function(b){if(!b.checked)off[b.dataset.dom]=1;});\n"
" document.querySelectorAll('[data-dom]').forEach(function(el){\n"
"  if(el.tagName!=='INPUT')el.classList.toggle('hidden',!!off[el.dataset.dom]);});\n"
" var lanes=document.querySelectorAll('.lane:not(.hidden)').length;\n"
" var arrows=document.querySelectorAll('.msg:not(.hidden) .arrow').length;\n"
" document.body.dataset.lanes=lanes;document.body.dataset.arrows=arrows;\n"
" document.getElementById('status').textContent=lanes+' lanes, '+arrows+' arrows shown';}\n"
"boxes.forEach(function(b){b.addEventListener('change',filter);});\n"
"var q={};location.hash.replace(/^#/,'').split('&').forEach(function(kv){\n"
" var p=kv.split('=');if(p[0])q[p[0]]=decodeURIComponent(p[1]||'');});\n"
"if(q.hide)q.hide.split(',').forEach(function(d){boxes.forEach(function(b){\n"
" if(b.dataset.dom===d)b.checked=false;});});\n"
"filter();\n"
"highlight(q.hover!==undefined?q.hover:null);\n"
"document.body.dataset.ready='1';\n"
"})();\n";

struct page {
	FILE *f;
	struct timeline *tl;
	size_t *row_of;		/* per message: its row */
	struct msg *msgs;
	size_t nmsgs;
};

static double lane_x(size_t lane)
{
	return FIRST_X + lane * (double)LANE_W;
}

static double row_y(size_t row)
{
	return HEAD_H + 14 + row * (double)ROW_H;
}

/* Text cut to fit between two lanes, "..." marking the cut. */
static void put_label(FILE *f, const char *s, size_t max)
{
	char buf[512];
	size_t n = strlen(s);

	if (n > max && max > 3) {
		snprintf(buf, sizeof(buf), "%.*s...", (int)(max - 3), s);
		tl_put_html(f, buf);
	} else {
		tl_put_html(f, s);
	}
}

static void put_title(FILE *f, const struct timeline *tl, const struct tl_event *e)
{
	char who[96], label[320];

	timeline_track_label(&tl->tracks[e->track], who, sizeof(who));
	timeline_event_label(e, label, sizeof(label));
	fputs("<title>", f);
	tl_put_html(f, label);
	if (e->kind == TL_REQUEST) {
		fputs("\nrequest: ", f);
		tl_put_html(f, e->request);
		fputs("\nreply: ", f);
		tl_put_html(f, e->reply);
		fprintf(f, "\n%.1f us, conn %u, req_id %u, tx %u", (e->end_ns - e->start_ns) / 1000.0,
			e->conn, e->req_id, e->tx);
	} else if (e->kind == TL_WATCH_EVENT) {
		fputs("\ntoken: ", f);
		tl_put_html(f, e->token);
		fprintf(f, "\nconn %u", e->conn);
	}
	if (e->stack) {
		fputs("\nstack: ", f);
		tl_put_html(f, e->stack);
	}
	fputs("\n", f);
	tl_put_html(f, who);
	fputs("</title>", f);
}

static void put_arrow(struct page *p, const struct msg *m, size_t row)
{
	const struct tl_event *e = &p->tl->ev[m->ev];
	size_t lane = e->track + 1;
	double y = row_y(row), xc = lane_x(lane), xd = lane_x(0);
	double x1 = m->kind == M_REQ ? xc : xd, x2 = m->kind == M_REQ ? xd : xc;
	char label[320];
	const char *cls = m->kind == M_REQ ? "req" : m->kind == M_REPLY ? "reply" : "event";

	fprintf(p->f, "<g class=\"msg %s%s\" data-ev=\"%zu\" data-dom=\"%u\"", cls,
		m->kind == M_REPLY && e->error ? " err" : "", m->ev, e->dom);
	if (m->kind == M_EVENT && e->cause >= 0)
		fprintf(p->f, " data-cause=\"%ld\"", e->cause);
	if (m->kind == M_EVENT && e->response >= 0)
		fprintf(p->f, " data-response=\"%ld\"", e->response);
	fputs(">", p->f);
	put_title(p->f, p->tl, e);
	fprintf(p->f, "<line class=\"arrow\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"marker-end=\"url(#head-%s)\"/>", x1, y, x2 + (x2 > x1 ? -2 : 2), y, cls);
	if (m->kind == M_REPLY)
		snprintf(label, sizeof(label), "%s", e->error ? e->error : e->reply ? e->reply : "");
	else
		timeline_event_label(e, label, sizeof(label));
	fprintf(p->f, "<text x=\"%.1f\" y=\"%.1f\">", (x1 < x2 ? x1 : x2) + 14, y - 3);
	put_label(p->f, label, (size_t)((x1 < x2 ? x2 - x1 : x1 - x2) / 6.8));
	fputs("</text></g>\n", p->f);
}

static void put_note(struct page *p, const struct msg *m, size_t row)
{
	const struct tl_event *e = &p->tl->ev[m->ev];
	bool daemon = e->kind == TL_DOMAIN_INTRODUCE || e->kind == TL_DOMAIN_RELEASE;
	char label[320];

	timeline_event_label(e, label, sizeof(label));
	fprintf(p->f, "<g class=\"note\" data-dom=\"%u\"><text x=\"%.1f\" y=\"%.1f\">", e->dom,
		lane_x(daemon ? 0 : e->track + 1) + 6, row_y(row) + 4);
	put_label(p->f, label, LANE_W / 7);
	fputs("</text></g>\n", p->f);
}

/* A transaction's box spans the rows of its TRANSACTION_START arrival
 * (else its first row on record) and its end. */
static void put_txn(struct page *p, size_t ev, size_t end_row)
{
	const struct tl_event *e = &p->tl->ev[ev];
	bool eagain = e->txn_result && strcmp(e->txn_result, "eagain") == 0;
	size_t start_row = end_row, i;
	double x = lane_x(e->track + 1), y0, y1;
	char label[320];

	for (i = 0; i < p->nmsgs; i++)
		if (p->msgs[i].ns >= e->txn_start_ns) {
			start_row = p->row_of[i];
			break;
		}
	y0 = row_y(start_row) - 8;
	y1 = row_y(end_row) + 6;
	if (e->conflict)
		snprintf(label, sizeof(label), "txn %u %s: %s", e->tx, e->txn_result, e->conflict);
	else
		snprintf(label, sizeof(label), "txn %u %s", e->tx, e->txn_result ? e->txn_result : "?");
	fprintf(p->f, "<g class=\"txn%s\" data-dom=\"%u\"><title>", eagain ? " eagain" : "", e->dom);
	tl_put_html(p->f, label);
	fprintf(p->f, "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"%.1f\"/>"
		"<text x=\"%.1f\" y=\"%.1f\">", x + 4, y0, y1 - y0, x + 18, y1 - 2);
	put_label(p->f, label, LANE_W / 7);
	fputs("</text></g>\n", p->f);
}

static void put_lanes(struct page *p, double height)
{
	const struct timeline *tl = p->tl;
	size_t i;

	fprintf(p->f, "<g class=\"lane daemon\"><text class=\"lanehead\" x=\"%.1f\" y=\"20\" "
		"text-anchor=\"middle\">xenstored</text><text class=\"lanesub\" x=\"%.1f\" y=\"36\" "
		"text-anchor=\"middle\">the daemon</text><line class=\"life\" x1=\"%.1f\" y1=\"44\" "
		"x2=\"%.1f\" y2=\"%.1f\"/></g>\n", lane_x(0), lane_x(0), lane_x(0), lane_x(0), height);
	for (i = 0; i < tl->ntracks; i++) {
		const struct tl_track *t = &tl->tracks[i];
		double x = lane_x(i + 1);
		char head[64];

		if (t->pid)
			snprintf(head, sizeof(head), "dom%u pid %u", t->dom, t->pid);
		else
			snprintf(head, sizeof(head), "dom%u", t->dom);
		fprintf(p->f, "<g class=\"lane\" data-dom=\"%u\"><text class=\"lanehead\" x=\"%.1f\" "
			"y=\"20\" text-anchor=\"middle\">", t->dom, x);
		tl_put_html(p->f, head);
		fprintf(p->f, "</text><text class=\"lanesub\" x=\"%.1f\" y=\"36\" "
			"text-anchor=\"middle\">", x);
		put_label(p->f, t->pid ? (t->comm[0] ? t->comm : "?") : "guest", LANE_W / 7);
		fprintf(p->f, "</text><line class=\"life\" x1=\"%.1f\" y1=\"44\" x2=\"%.1f\" "
			"y2=\"%.1f\"/></g>\n", x, x, height);
	}
}

static void put_markers(FILE *f)
{
	static const struct { const char *name, *color; } heads[] = {
		{ "req", "#0969da" }, { "reply", "#1a7f37" }, { "event", "#9a6700" },
	};
	size_t i;

	fputs("<defs>", f);
	for (i = 0; i < 3; i++)
		fprintf(f, "<marker id=\"head-%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
			"markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
			"<path d=\"M0,0L10,5L0,10z\" fill=\"%s\"/></marker>", heads[i].name,
			heads[i].color);
	fputs("</defs>\n", f);
}

static void put_controls(struct page *p)
{
	const struct timeline *tl = p->tl;
	size_t i, j;

	fputs("<div id=\"controls\">Domains: ", p->f);
	for (i = 0; i < tl->ntracks; i++) {
		bool seen = false;

		for (j = 0; j < i; j++)
			seen |= tl->tracks[j].dom == tl->tracks[i].dom;
		if (!seen)
			fprintf(p->f, "<label><input type=\"checkbox\" data-dom=\"%u\" checked> dom%u"
				"</label>", tl->tracks[i].dom, tl->tracks[i].dom);
	}
	fputs("</div>\n", p->f);
}

static int build_msgs(struct page *p)
{
	const struct timeline *tl = p->tl;
	size_t i;

	p->msgs = calloc(tl->n * 2 + 1, sizeof(*p->msgs));
	p->row_of = calloc(tl->n * 2 + 1, sizeof(*p->row_of));
	if (!p->msgs || !p->row_of)
		return ENOMEM;
	for (i = 0; i < tl->n; i++) {
		const struct tl_event *e = &tl->ev[i];

		switch (e->kind) {
		case TL_REQUEST:
			p->msgs[p->nmsgs++] = (struct msg){ e->start_ns, M_REQ, i };
			p->msgs[p->nmsgs++] = (struct msg){ e->end_ns, M_REPLY, i };
			break;
		case TL_WATCH_EVENT:
			p->msgs[p->nmsgs++] = (struct msg){ e->start_ns, M_EVENT, i };
			break;
		default:
			p->msgs[p->nmsgs++] = (struct msg){ e->start_ns, M_NOTE, i };
			break;
		}
	}
	if (p->nmsgs)
		qsort(p->msgs, p->nmsgs, sizeof(*p->msgs), cmp_msg);
	for (i = 0; i < p->nmsgs; i++)
		p->row_of[i] = i;
	return 0;
}

static void put_body(struct page *p)
{
	const struct timeline *tl = p->tl;
	size_t i;

	for (i = 0; i < p->nmsgs; i++) {
		const struct msg *m = &p->msgs[i];
		const struct tl_event *e = &tl->ev[m->ev];

		fprintf(p->f, "<text class=\"time\" x=\"4\" y=\"%.1f\">+%.3f ms</text>",
			row_y(i) + 4, (m->ns - tl->t0) / 1e6);
		if (m->kind == M_NOTE) {
			put_note(p, m, i);
			if (e->has_txn)
				put_txn(p, m->ev, i);
			continue;
		}
		if (m->kind == M_REPLY && e->has_txn)
			put_txn(p, m->ev, i);
		put_arrow(p, m, i);
	}
}

int timeline_write_html(struct timeline *tl, FILE *f, const char *title)
{
	struct page p = { .f = f, .tl = tl };
	double width, height;
	int err;

	timeline_resolve(tl);
	err = build_msgs(&p);
	if (err)
		goto out;
	width = lane_x(tl->ntracks + 1);
	height = row_y(p.nmsgs) + 10;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
	tl_put_html(f, title);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1>", style);
	tl_put_html(f, title);
	fprintf(f, "</h1>\n<p class=\"legend\"><span style=\"color:#0969da\">&#8594; request</span>"
		"<span style=\"color:#1a7f37\">&#8592; reply</span>"
		"<span style=\"color:#cf222e\">&#8592; error reply</span>"
		"<span style=\"color:#9a6700\">&#8674; watch event</span>"
		"<span>boxes: transactions</span><span>hover a message: what caused it and what "
		"it caused</span></p>\n<p id=\"status\">%zu records, %zu clients</p>\n", tl->n,
		tl->ntracks);
	put_controls(&p);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\">\n",
		width, height);
	put_markers(f);
	put_lanes(&p, height);
	put_body(&p);
	fprintf(f, "</svg>\n<script>%s</script>\n</body></html>\n", script);
	err = fflush(f) || ferror(f) ? EIO : 0;
out:
	free(p.msgs);
	free(p.row_of);
	return err;
}
