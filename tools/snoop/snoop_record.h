/*
 * snoop_record.h - xenstore-snoop's flight recorder (-w DIR): the last N
 * MiB of JSON lines, kept in RECORD_FILES rotating files so that a
 * problem noticed afterwards can still be read, or drawn with
 * xenstore-timeline.
 *
 * Files are DIR/xenstore-snoop-NNNNNNNNNN.jsonl, numbered in the order
 * they were written (a restarted recorder continues the numbering); each
 * holds whole lines and at most 1/RECORD_FILES of the budget, and the
 * oldest is deleted when one more would exceed it.  So the directory
 * holds between (RECORD_FILES - 1)/RECORD_FILES of the budget and the
 * budget itself, the newest events always included.
 */
#ifndef SNOOP_RECORD_H
#define SNOOP_RECORD_H

#include <stddef.h>

#define RECORD_FILES 8
#define RECORD_GLOB "xenstore-snoop-*.jsonl"
#define RECORD_MIN_BYTES (64ULL * 1024)

struct recorder;

/* Opens (creating DIR if needed) a recorder keeping at most max_bytes
 * (at least RECORD_MIN_BYTES): 0 or an errno. */
int record_open(const char *dir, unsigned long long max_bytes, struct recorder **out);

/* One line (len bytes, its newline included): 0 or an errno. */
int record_write(struct recorder *r, const char *line, size_t len);

/* Pushes what is buffered to the file (a crash keeps it). */
int record_flush(struct recorder *r);

int record_close(struct recorder *r);

/* The recording's files in DIR, oldest first (malloc'd paths). */
int record_list(const char *dir, char ***files, size_t *n);
void record_list_free(char **files, size_t n);

#endif
