/*
 * log.h - the daemon's only way to say something: to stderr when running
 * in the foreground, to syslog once daemonised.  Nothing else prints.
 */
#ifndef XS_LOG_H
#define XS_LOG_H

#include <stdbool.h>

void log_init(const char *ident, bool to_syslog, bool verbose);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)". */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For start-up failures only: logs and exits 1. */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
