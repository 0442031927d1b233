/*
 * snoop_record.c - the flight recorder of snoop_record.h.
 */
#include "snoop_record.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct recorder {
	char *dir;
	unsigned long long file_max;	/* bytes per file */
	unsigned long long seq;		/* number of the file being written */
	unsigned long long used;	/* bytes in it */
	FILE *f;
};

static int is_record(const struct dirent *d)
{
	return fnmatch(RECORD_GLOB, d->d_name, 0) == 0;
}

int record_list(const char *dir, char ***files, size_t *n)
{
	struct dirent **names;
	char **out;
	int k, i;

	*files = NULL;
	*n = 0;
	k = scandir(dir, &names, is_record, alphasort);	/* fixed-width numbers sort */
	if (k < 0)
		return errno;
	out = calloc(k ? k : 1, sizeof(*out));
	for (i = 0; i < k; i++) {
		if (out && asprintf(&out[i], "%s/%s", dir, names[i]->d_name) < 0)
			out[i] = NULL;
		free(names[i]);
	}
	free(names);
	if (!out)
		return ENOMEM;
	for (i = 0; i < k; i++)
		if (!out[i]) {
			record_list_free(out, k);
			return ENOMEM;
		}
	*files = out;
	*n = k;
	return 0;
}

void record_list_free(char **files, size_t n)
{
	size_t i;

	for (i = 0; files && i < n; i++)
		free(files[i]);
	free(files);
}

/* Deletes the oldest files until keep remain. */
static int prune(struct recorder *r, size_t keep)
{
	char **files;
	size_t n, i;
	int err = record_list(r->dir, &files, &n);

	if (err)
		return err;
	for (i = 0; i + keep < n; i++)
		if (unlink(files[i]) && errno != ENOENT)
			err = errno;
	record_list_free(files, n);
	return err;
}

static int open_next(struct recorder *r)
{
	char path[PATH_MAX];

	if (r->f && fclose(r->f))
		return errno;
	r->f = NULL;
	r->seq++;
	snprintf(path, sizeof(path), "%s/xenstore-snoop-%010llu.jsonl", r->dir, r->seq);
	r->f = fopen(path, "wx");
	if (!r->f)
		return errno;
	r->used = 0;
	return prune(r, RECORD_FILES);
}

/* Continues after the newest file already there. */
static unsigned long long last_seq(const char *dir)
{
	char **files;
	size_t n;
	unsigned long long seq = 0;
	const char *base;

	if (record_list(dir, &files, &n))
		return 0;
	if (n) {
		base = strrchr(files[n - 1], '/');
		sscanf(base ? base + 1 : files[n - 1], "xenstore-snoop-%llu", &seq);
	}
	record_list_free(files, n);
	return seq;
}

int record_open(const char *dir, unsigned long long max_bytes, struct recorder **out)
{
	struct recorder *r;
	int err;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return errno;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->dir = strdup(dir);
	if (!r->dir) {
		free(r);
		return ENOMEM;
	}
	if (max_bytes < RECORD_MIN_BYTES)
		max_bytes = RECORD_MIN_BYTES;
	r->file_max = max_bytes / RECORD_FILES;
	r->seq = last_seq(dir);
	err = open_next(r);
	if (err) {
		record_close(r);
		return err;
	}
	*out = r;
	return 0;
}

int record_write(struct recorder *r, const char *line, size_t len)
{
	int err;

	/* Whole lines per file: a line never straddles a rotation. */
	if (r->used && r->used + len > r->file_max) {
		err = open_next(r);
		if (err)
			return err;
	}
	if (fwrite(line, 1, len, r->f) != len)
		return errno ? errno : EIO;
	r->used += len;
	return 0;
}

int record_flush(struct recorder *r)
{
	return fflush(r->f) ? errno : 0;
}

int record_close(struct recorder *r)
{
	int err = 0;

	if (!r)
		return 0;
	if (r->f && fclose(r->f))
		err = errno;
	free(r->dir);
	free(r);
	return err;
}
