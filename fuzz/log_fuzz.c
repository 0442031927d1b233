/*
 * log_fuzz.c - log.h for the fuzz targets, in place of src/log.c: every
 * message is still formatted (so a bad argument is caught by the
 * sanitizers) but printed only with FUZZ_VERBOSE=1 in the environment,
 * which keeps the fuzzer's own output readable at millions of requests.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int verbose = -1;

void log_init(const char *ident, bool to_syslog, bool verbose_on)
{
	(void)ident;
	(void)to_syslog;
	(void)verbose_on;
}

static void vlog(const char *fmt, va_list ap, const char *suffix)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "xenstored: %s%s%s\n", buf, suffix ? ": " : "",
			suffix ? suffix : "");
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap, strerror(saved));
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
	abort(); /* nothing in the core may call this */
}
