/*
 * snoop_tee.c - the stdout tee of snoop_tee.h (a glibc fopencookie
 * stream in place of stdout).
 */
#include "snoop_tee.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snoop_record.h"
#include "snoop_timeline.h"

#define PROG "xenstore-snoop"

static struct {
	struct tee_opts o;
	FILE *real;			/* the stdout we replaced */
	struct timeline *tl;		/* --trace/--html */
	struct recorder *rec;		/* -w */
	char *line;			/* the line being cut */
	size_t len, cap;
	bool rec_failed;		/* reported once */
} tee;

bool snoop_tee_wanted(const struct tee_opts *o)
{
	return o->trace || o->html || o->record_dir;
}

static void line_done(void)
{
	int err;

	if (tee.tl && timeline_add_line(tee.tl, tee.line, tee.len) == ENOMEM && !tee.rec_failed)
		fprintf(stderr, "%s: out of memory: the timeline misses events\n", PROG);
	if (tee.rec && !tee.rec_failed) {
		err = record_write(tee.rec, tee.line, tee.len);
		if (err) {
			/* Keep snooping: the screen and the timeline still work. */
			fprintf(stderr, "%s: flight recorder stopped: %s: %s\n", PROG,
				tee.o.record_dir, strerror(err));
			tee.rec_failed = true;
		}
	}
	tee.len = 0;
}

static ssize_t tee_write(void *cookie, const char *buf, size_t size)
{
	size_t i;

	(void)cookie;
	for (i = 0; i < size; i++) {
		if (tee.len == tee.cap) {
			size_t ncap = tee.cap ? tee.cap * 2 : 4096;
			char *nl = realloc(tee.line, ncap);

			if (!nl)
				return -1;
			tee.line = nl;
			tee.cap = ncap;
		}
		tee.line[tee.len++] = buf[i];
		if (buf[i] == '\n')
			line_done();
	}
	if (tee.rec && !tee.rec_failed)
		record_flush(tee.rec);
	if (tee.o.passthrough && (fwrite(buf, 1, size, tee.real) != size || fflush(tee.real)))
		return -1;
	return size;
}

int snoop_tee_start(const struct tee_opts *o)
{
	static const cookie_io_functions_t io = { .write = tee_write };
	FILE *f;
	int err;

	tee.o = *o;
	if (o->trace || o->html) {
		tee.tl = timeline_new();
		if (!tee.tl)
			return ENOMEM;
	}
	if (o->record_dir) {
		err = record_open(o->record_dir, o->record_bytes, &tee.rec);
		if (err) {
			fprintf(stderr, "%s: cannot record into %s: %s\n", PROG, o->record_dir,
				strerror(err));
			return err;
		}
	}
	f = fopencookie(NULL, "w", io);
	if (!f)
		return errno;
	tee.real = stdout;
	stdout = f;
	return 0;
}

static int write_drawing(const char *path, bool html)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f) {
		err = errno;
		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, path, strerror(err));
		return err;
	}
	err = html ? timeline_write_html(tee.tl, f, TIMELINE_TITLE)
		   : timeline_write_trace(tee.tl, f);
	if (fclose(f) && !err)
		err = errno;
	if (err)
		fprintf(stderr, "%s: writing %s: %s\n", PROG, path, strerror(err));
	else
		fprintf(stderr, "%s: %s written (%zu records, %zu clients)%s\n", PROG, path,
			tee.tl->n, tee.tl->ntracks,
			html ? ": open it in any browser"
			     : ": open it in https://ui.perfetto.dev or chrome://tracing");
	return err;
}

int snoop_tee_finish(void)
{
	int err = 0;

	if (!tee.real)
		return 0;
	if (fclose(stdout))
		err = EIO;
	stdout = tee.real;
	tee.real = NULL;
	if (tee.len)	/* a last line without its newline */
		line_done();
	if (tee.rec) {
		if (record_close(tee.rec) && !err)
			err = EIO;
		if (!tee.rec_failed)
			fprintf(stderr, "%s: flight recording in %s (draw it with "
				"xenstore-timeline -H FILE %s)\n", PROG, tee.o.record_dir,
				tee.o.record_dir);
	}
	if (tee.tl && tee.o.trace && write_drawing(tee.o.trace, false) && !err)
		err = EIO;
	if (tee.tl && tee.o.html && write_drawing(tee.o.html, true) && !err)
		err = EIO;
	timeline_free(tee.tl);
	free(tee.line);
	memset(&tee, 0, sizeof(tee));
	return err;
}
