/*
 * support.h - the test-support library (the .c files of tests/support): what the unit
 * tests (tests/unit), the fuzz targets (fuzz/) share to run the real
 * daemon core in-process: a fake hypervisor with real ring pages
 * (fake_hv.h) and a fake socket transport (fake_io.h).  The guest's side
 * of a ring is src/ring_client.h, which the simulator uses too.
 *
 * The library knows nothing of cmocka or libFuzzer: a broken expectation
 * calls ts_fail(), which each user defines (tests/unit/unit.c fails the
 * cmocka test, fuzz/harness.h aborts so libFuzzer keeps the input).
 */
#ifndef TS_SUPPORT_H
#define TS_SUPPORT_H

__attribute__((noreturn, format(printf, 3, 4)))
void ts_fail(const char *file, int line, const char *fmt, ...);

#include <stddef.h>

/* buf (of *cap bytes, may be NULL) grown by doubling to hold need bytes;
 * *cap updated.  Fails the test when out of memory. */
void *ts_reserve(void *buf, size_t *cap, size_t need);

#define TS_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			ts_fail(__FILE__, __LINE__, "check failed: " #cond ": " __VA_ARGS__); \
	} while (0)

#endif
