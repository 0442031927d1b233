/*
 * fz_check.h - how every fuzz target reports a broken invariant: what and
 * where on stderr, then abort(), which libFuzzer reports as a crash and
 * keeps as a reproducer.  Apart from harness.h so that a target of code
 * outside the daemon (fuzz_snoop) need not pull in the daemon's headers.
 */
#ifndef FUZZ_FZ_CHECK_H
#define FUZZ_FZ_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noreturn, format(printf, 3, 0), unused))
static inline void fz_vfail(const char *file, int line, const char *fmt, va_list ap)
{
	fprintf(stderr, "\n==fuzz invariant== %s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	abort();
}

__attribute__((noreturn, format(printf, 3, 4), unused))
static inline void fz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fz_vfail(file, line, fmt, ap);
}

#define FZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			fz_fail(__FILE__, __LINE__, "check failed: " #cond ": " __VA_ARGS__); \
	} while (0)

/* FUZZ_TRACE=1 in the environment asks a target to say what it does (for
 * reading a reproducer). */
static inline bool fz_tracing(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("FUZZ_TRACE") != NULL;
	return on;
}

#endif
