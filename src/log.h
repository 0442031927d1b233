/*
 * log.h - the daemon's only way to say something: to stderr when running
 * in the foreground, to syslog once daemonised.  Nothing else prints.
 * Every line is made printable (log_printable) whatever its arguments.
 */
#ifndef XS_LOG_H
#define XS_LOG_H

#include <stdbool.h>
#include <stddef.h>

void log_init(const char *ident, bool to_syslog, bool verbose);
/* SIGHUP: reopens the log's destination (syslog). */
void log_reopen(void);
/* While a daemonised start-up is under way, fatal errors are also written
 * to fd (the parent waiting on a pipe prints them); -1 stops that. */
void log_startup_fd(int fd);
/* Copies src into dst (NUL-terminated, cut to size), keeping what
 * printable_len() calls text (printable ASCII, UTF-8 that draws as
 * itself), every other byte as \xHH and backslash as \\; returns the
 * length written. */
size_t log_printable(char *dst, size_t size, const char *src);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)". */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For start-up failures only: logs and exits 1. */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
