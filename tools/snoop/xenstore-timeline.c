/*
 * xenstore-timeline - draws a recorded xenstore-snoop session: reads the
 * JSON lines `xenstore-snoop -j` printed (or a flight recorder's
 * directory, `xenstore-snoop -w DIR`) and writes the same files as
 * `xenstore-snoop --trace/--html` would have written live.  The model and
 * the writers are snoop_timeline.c, snoop_trace.c and snoop_html.c.
 */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "snoop_record.h"
#include "snoop_timeline.h"

#define PROG "xenstore-timeline"

static struct {
	const char *trace;	/* -t */
	const char *html;	/* -H */
	const char *title;	/* --title */
	char **inputs;
	int ninputs;
} env = { .title = TIMELINE_TITLE };

const char *argp_program_version = PROG " 1.0";
static const char doc[] =
"Draw a recorded xenstore-snoop session as a timeline.\n"
"\n"
"Reads JSON lines as `xenstore-snoop -j` prints them, from each FILE, from\n"
"the rotated files of a flight recorder's DIR (`xenstore-snoop -w DIR`,\n"
"oldest first), or from standard input; writes a Chrome trace-event file\n"
"(open it in https://ui.perfetto.dev or chrome://tracing) and/or one\n"
"self-contained HTML page (a sequence diagram, any browser, no network).\n"
"\n"
"EXAMPLES:\n"
"    xenstore-snoop -j > s.jsonl; xenstore-timeline -t s.json -H s.html s.jsonl\n"
"    xenstore-timeline -H last.html /var/tmp/xs-recorder   # a flight recording\n"
"\v"
"Lines that are not snoop records (a summary, a truncated last line) are\n"
"skipped and counted on standard error.\n";

static const struct argp_option opts[] = {
	{ "trace", 't', "FILE", 0, "Write the Chrome trace-event JSON here", 0 },
	{ "html", 'H', "FILE", 0, "Write the HTML sequence diagram here", 0 },
	{ "title", 'T', "TEXT", 0, "Title of the HTML page", 0 },
	{ 0 },
};

static error_t parse_arg(int key, char *arg, struct argp_state *st)
{
	switch (key) {
	case 't': env.trace = arg; break;
	case 'H': env.html = arg; break;
	case 'T': env.title = arg; break;
	case ARGP_KEY_ARGS:
		env.inputs = st->argv + st->next;
		env.ninputs = st->argc - st->next;
		break;
	case ARGP_KEY_END:
		if (!env.trace && !env.html)
			argp_error(st, "nothing to write: give -t FILE and/or -H FILE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int read_file(struct timeline *tl, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int err;

	if (!f) {
		fprintf(stderr, "%s: cannot read %s: %s\n", PROG, path, strerror(errno));
		return errno;
	}
	err = timeline_add_file(tl, f);
	if (err)
		fprintf(stderr, "%s: reading %s: %s\n", PROG, path, strerror(err));
	if (f != stdin)
		fclose(f);
	return err;
}

static int read_input(struct timeline *tl, const char *path)
{
	struct stat st;
	char **files = NULL;
	size_t n = 0, i;
	int err;

	if (strcmp(path, "-") == 0 || stat(path, &st) || !S_ISDIR(st.st_mode))
		return read_file(tl, path);
	err = record_list(path, &files, &n);
	if (err) {
		fprintf(stderr, "%s: cannot list %s: %s\n", PROG, path, strerror(err));
		return err;
	}
	if (!n)
		fprintf(stderr, "%s: %s holds no recording (no %s files)\n", PROG, path,
			RECORD_GLOB);
	for (i = 0; i < n && !err; i++)
		err = read_file(tl, files[i]);
	record_list_free(files, n);
	return err;
}

static int write_out(struct timeline *tl, const char *path, bool html)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f) {
		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, path, strerror(errno));
		return errno;
	}
	err = html ? timeline_write_html(tl, f, env.title) : timeline_write_trace(tl, f);
	if (fclose(f) && !err)
		err = EIO;
	if (err)
		fprintf(stderr, "%s: writing %s: %s\n", PROG, path, strerror(err));
	return err;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { .options = opts, .parser = parse_arg, .doc = doc,
					  .args_doc = "[FILE|DIR]..." };
	struct timeline *tl;
	int err = 0, i;

	argp_err_exit_status = 2;	/* a bad command line, as for every other tool here */
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	tl = timeline_new();
	if (!tl) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return 1;
	}
	if (!env.ninputs)
		err = read_input(tl, "-");
	for (i = 0; i < env.ninputs && !err; i++)
		err = read_input(tl, env.inputs[i]);
	if (!err && tl->skipped)
		fprintf(stderr, "%s: skipped %llu lines that are not snoop records\n", PROG,
			tl->skipped);
	if (!err && env.trace)
		err = write_out(tl, env.trace, false);
	if (!err && env.html)
		err = write_out(tl, env.html, true);
	if (!err)
		fprintf(stderr, "%s: %zu records, %zu clients%s%s%s%s\n", PROG, tl->n, tl->ntracks,
			env.trace ? "; trace: " : "", env.trace ? env.trace : "",
			env.html ? "; html: " : "", env.html ? env.html : "");
	timeline_free(tl);
	return err ? 1 : 0;
}
