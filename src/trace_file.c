/*
 * trace_file.c - the -T trace file (trace_file.h): xenstore-snoop's text
 * lines, written by the daemon itself.  Payloads are escaped as the snoop
 * escapes them: NUL as a space (a final NUL dropped), printable ASCII and
 * UTF-8 as text, a backslash as \\, any other byte as \xNN, and a payload
 * longer than the snoop keeps (256 bytes) cut, with its full length.
 */
#include "trace_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "printable.h"
#include "watch.h"

#define TRACE_PAYLOAD_MAX 256	/* what xenstore-snoop keeps of a payload */

struct trace_file {
	FILE *f;
	char *path;
	/* the request being handled, for the watch events it causes */
	uint32_t conn_id, req_id, type, domid, pid;
	char arg[TRACE_PAYLOAD_MAX + 1];
	size_t arg_len;
	/* annotations of the coming reply line (txn, quota), or "" */
	char *note;
	size_t note_len;
	FILE *note_f;
};

static void put_header(struct trace_file *tf)
{
	time_t now = time(NULL);
	struct tm tm;
	char when[64];

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", localtime_r(&now, &tm));
	fprintf(tf->f, "# xenstored pid %d, trace opened %s; the lines of xenstore-snoop -t\n",
		(int)getpid(), when);
	fprintf(tf->f, "%-15s %-4s %-7s %-4s OP\n", "TIME", "DOM", "PID", "TX");
	fflush(tf->f);
}

/* Opens tf->path; the previous file, if any, is closed only once the
 * new one is open, so a failed re-open keeps tracing to the old one. */
static int open_path(struct trace_file *tf)
{
	int fd = open(tf->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return errno;
	f = fdopen(fd, "a");
	if (!f) {
		int err = errno;

		close(fd);
		return err;
	}
	/* A line per write: what was traced before a crash is in the file. */
	setvbuf(f, NULL, _IOLBF, 0);
	if (tf->f)
		fclose(tf->f);
	tf->f = f;
	put_header(tf);
	return 0;
}

/* The path made absolute: a daemon changes to / when it forks, and
 * re-opens the file by name on SIGHUP. */
static char *absolute(const char *path)
{
	char *cwd, *abs = NULL;

	if (path[0] == '/')
		return strdup(path);
	cwd = getcwd(NULL, 0);
	if (cwd && asprintf(&abs, "%s/%s", cwd, path) < 0)
		abs = NULL;
	free(cwd);
	return abs;
}

int trace_file_open(struct trace_file **out, const char *path)
{
	struct trace_file *tf = calloc(1, sizeof(*tf));
	int err;

	if (!tf || !(tf->path = absolute(path))) {
		free(tf);
		return ENOMEM;
	}
	err = open_path(tf);
	if (err) {
		free(tf->path);
		free(tf);
		return err;
	}
	*out = tf;
	return 0;
}

int trace_file_reopen(struct trace_file *tf)
{
	return open_path(tf);
}

void trace_file_close(struct trace_file *tf)
{
	if (!tf)
		return;
	if (tf->note_f)
		fclose(tf->note_f);
	free(tf->note);
	if (tf->f)
		fclose(tf->f);
	free(tf->path);
	free(tf);
}

const char *trace_file_path(const struct trace_file *tf)
{
	return tf->path;
}

/* n bytes of untrusted payload, escaped; `string` payloads (paths,
 * tokens) have no NUL to drop and end "..." when cut. */
static void put_escaped(FILE *f, const char *s, size_t len, bool string)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = len > TRACE_PAYLOAD_MAX ? TRACE_PAYLOAD_MAX : len, i = 0, k;

	if (n == len && n && p[n - 1] == '\0')
		n--;
	while (i < n) {
		k = printable_len(p + i, n - i);
		if (k) {
			fwrite(p + i, 1, k, f);
			i += k;
			continue;
		}
		if (p[i] == '\0')
			putc(' ', f);
		else if (p[i] == '\\')
			fputs("\\\\", f);
		else
			fprintf(f, "\\x%02x", p[i]);
		i++;
	}
	if (n < len && len > TRACE_PAYLOAD_MAX) {
		if (string)
			fputs("...", f);
		else
			fprintf(f, "...(%zu bytes)", len);
	}
}

static bool text_empty(const char *p, size_t len)
{
	return len == 0 || (len == 1 && p[0] == '\0');
}

/* TIME DOM PID TX, as xenstore-snoop -t prints them. */
static void put_prefix(FILE *f, unsigned domid, unsigned pid, const char *tx)
{
	struct timespec ts;
	struct tm tm;
	char hms[16];

	clock_gettime(CLOCK_REALTIME, &ts);
	strftime(hms, sizeof(hms), "%H:%M:%S", localtime_r(&ts.tv_sec, &tm));
	fprintf(f, "%s.%06ld %-4u %-7u %-4s ", hms, ts.tv_nsec / 1000, domid, pid, tx);
}

void trace_request(struct trace_file *tf, const struct conn *c,
		   const struct xs_msg_header *hdr, const char *payload)
{
	size_t n = strnlen(payload, hdr->len);

	tf->conn_id = c->id;
	tf->req_id = hdr->req_id;
	tf->type = hdr->type;
	tf->domid = c->domid;
	tf->pid = (uint32_t)c->pid;
	tf->arg_len = n < sizeof(tf->arg) ? n : sizeof(tf->arg) - 1;
	memcpy(tf->arg, payload, tf->arg_len);
}

/* The annotation stream, opened on first use; "; " between two notes. */
static FILE *note(struct trace_file *tf)
{
	if (!tf->note_f) {
		tf->note_f = open_memstream(&tf->note, &tf->note_len);
		if (!tf->note_f)
			return NULL;
	}
	fflush(tf->note_f);
	if (tf->note_len)
		fputs("; ", tf->note_f);
	return tf->note_f;
}

void trace_txn_done(struct trace_file *tf, int result, const char *conflict_path,
		    unsigned long nodes, unsigned long ops)
{
	static const char *const how[] = {
		"committed", "aborted", "EAGAIN", "failed", "dropped with its connection",
	};
	FILE *f = note(tf);

	if (!f)
		return;
	fprintf(f, "txn %s: %lu op%s, %lu node%s", result >= 0 && result < 5 ? how[result] : "?",
		ops, ops == 1 ? "" : "s", nodes, nodes == 1 ? "" : "s");
	if (conflict_path) {
		fputs(", conflict on ", f);
		put_escaped(f, conflict_path, strlen(conflict_path), true);
	}
}

void trace_quota(struct trace_file *tf, const char *quota, size_t value, size_t limit)
{
	FILE *f = note(tf);

	if (f)
		fprintf(f, "quota %s: %zu > limit %zu", quota, value, limit);
}

void trace_reply(struct trace_file *tf, const struct conn *c,
		 const struct xs_msg_header *hdr, const char *payload, int err,
		 const char *rsp, size_t rsp_len)
{
	char tx[16];

	snprintf(tx, sizeof(tx), "%u", hdr->tx_id);
	put_prefix(tf->f, c->domid, (unsigned)c->pid, tx);
	fprintf(tf->f, "%s%s:", err ? "[ERROR] " : "", xs_type_name(hdr->type));
	if (!text_empty(payload, hdr->len)) {
		putc(' ', tf->f);
		put_escaped(tf->f, payload, hdr->len, false);
	}
	fputs(" ->", tf->f);
	if (!text_empty(rsp, rsp_len)) {
		putc(' ', tf->f);
		put_escaped(tf->f, rsp, rsp_len, false);
	}
	if (tf->note_f) {
		fflush(tf->note_f);
		if (tf->note_len)
			fprintf(tf->f, " (%s)", tf->note);
		rewind(tf->note_f);
		tf->note_len = 0;
	}
	putc('\n', tf->f);
}

void trace_watch_event(struct trace_file *tf, const struct conn *c, const char *path,
		       const char *token, const struct event_cause *cause)
{
	FILE *f = tf->f;

	put_prefix(f, c->domid, (unsigned)c->pid, "-");
	fputs("XS_WATCH_EVENT: ", f);
	put_escaped(f, path, strlen(path), true);
	putc(' ', f);
	put_escaped(f, token, strlen(token), true);
	if (!cause || (!cause->conn_id && !cause->req_id)) {
		fputs(" (cause: none)\n", f);
	} else if (cause->conn_id == tf->conn_id && cause->req_id == tf->req_id) {
		fprintf(f, " (cause: %s", xs_type_name(tf->type));
		if (tf->arg_len) {
			putc(' ', f);
			put_escaped(f, tf->arg, tf->arg_len, true);
		}
		fprintf(f, ", dom %u pid %u)\n", tf->domid, tf->pid);
	} else {
		fprintf(f, " (cause: conn %u req %u)\n", cause->conn_id, cause->req_id);
	}
}
