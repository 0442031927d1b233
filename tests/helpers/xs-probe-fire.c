/*
 * xs-probe-fire - fires the daemon's USDT probes (src/probes.h) on
 * command, so tests can show xenstore-snoop events that socket clients
 * cannot cause (a quota hit, a transaction dropped with its connection,
 * binary bytes in strings, a domain going away).
 *
 *   xs-probe-fire < COMMANDS
 *
 * One command per line; fields are separated by blanks; in string fields
 * \0 is a NUL, \xHH a byte, \s a blank, \\ a backslash, and a lone - is a
 * NULL pointer.  Numbers are decimal.  After each command "ok" is printed
 * (flushed), so a test can wait for it.
 *
 *   reply CONN DOM PID REQ TX TYPE ERR REQUEST REPLY LAT_US
 *                              (LAT_US 0: start_ns = 0, "attached late")
 *   watch CONN DOM PID PATH TOKEN CAUSE_CONN CAUSE_REQ
 *   txn_done CONN DOM PID TX RESULT CONFLICT NODES OPS DURATION_NS
 *   conn_open CONN DOM PID UID COMM KIND
 *   conn_close CONN DOM PID REASON
 *   introduce DOMID EVTCHN GFN
 *   release DOMID REASON
 *   quota CONN DOM NAME VALUE LIMIT REQ
 *   burst N                    N replies as fast as possible (XS_READ /burst)
 */
#define XS_DEFINE_SEMAPHORES
#include "probes.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FIELDS 16

struct field {
	char *s;	/* decoded, NUL-terminated (may contain NULs) */
	size_t len;
	int null;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void decode(char *tok, struct field *f)
{
	char *out = tok;
	const char *in = tok;

	f->null = strcmp(tok, "-") == 0;
	while (*in) {
		if (in[0] == '\\' && in[1]) {
			switch (in[1]) {
			case '0': *out++ = '\0'; in += 2; continue;
			case 's': *out++ = ' '; in += 2; continue;
			case '\\': *out++ = '\\'; in += 2; continue;
			case 'x':
				if (in[2] && in[3]) {
					char hex[3] = { in[2], in[3], 0 };

					*out++ = (char)strtoul(hex, NULL, 16);
					in += 4;
					continue;
				}
				break;
			}
		}
		*out++ = *in++;
	}
	*out = '\0';
	f->s = tok;
	f->len = (size_t)(out - tok);
}

static uint32_t u(const struct field *f)
{
	return (uint32_t)strtoul(f->s, NULL, 10);
}

int main(void)
{
	static char line[65536];

	while (fgets(line, sizeof(line), stdin)) {
		struct field f[MAX_FIELDS];
		char *save = NULL, *tok;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		for (tok = strtok_r(line, " \t", &save); tok && n < MAX_FIELDS;
		     tok = strtok_r(NULL, " \t", &save))
			decode(tok, &f[n++]);
		if (!n)
			continue;
#define S(i) (f[i].null ? NULL : f[i].s)
		if (!strcmp(f[0].s, "reply") && n == 11) {
			uint32_t lat = u(&f[10]);
			uint64_t start = lat ? now_ns() - (uint64_t)lat * 1000 : 0;
			int err = (int)u(&f[7]);

			XS_PROBE(reply, u(&f[1]), u(&f[2]), (int)u(&f[3]), u(&f[4]), u(&f[5]),
				 u(&f[6]), err, S(8), (uint32_t)f[8].len, S(9), f[9].len, start);
		} else if (!strcmp(f[0].s, "watch") && n == 8) {
			XS_PROBE(watch_event, u(&f[1]), u(&f[2]), (int)u(&f[3]), S(4), S(5),
				 u(&f[6]), u(&f[7]));
		} else if (!strcmp(f[0].s, "txn_done") && n == 10) {
			XS_PROBE(txn_done, u(&f[1]), u(&f[2]), (int)u(&f[3]), u(&f[4]),
				 (int)u(&f[5]), S(6), (size_t)u(&f[7]), u(&f[8]),
				 (uint64_t)strtoull(f[9].s, NULL, 10));
		} else if (!strcmp(f[0].s, "conn_open") && n == 7) {
			XS_PROBE(conn_open, u(&f[1]), u(&f[2]), (int)u(&f[3]), u(&f[4]), S(5), S(6));
		} else if (!strcmp(f[0].s, "conn_close") && n == 5) {
			XS_PROBE(conn_close, u(&f[1]), u(&f[2]), (int)u(&f[3]), S(4));
		} else if (!strcmp(f[0].s, "introduce") && n == 4) {
			XS_PROBE(domain_introduce, u(&f[1]), u(&f[2]),
				 (uint64_t)strtoull(f[3].s, NULL, 10));
		} else if (!strcmp(f[0].s, "release") && n == 3) {
			XS_PROBE(domain_release, u(&f[1]), S(2));
		} else if (!strcmp(f[0].s, "quota") && n == 7) {
			XS_PROBE(quota_exceeded, u(&f[1]), u(&f[2]), S(3), (size_t)u(&f[4]),
				 u(&f[5]), u(&f[6]));
		} else if (!strcmp(f[0].s, "burst") && n == 2) {
			static const char req[] = "/burst", rsp[] = "value";
			uint32_t i, count = u(&f[1]);

			for (i = 0; i < count; i++)
				XS_PROBE(reply, 1u, 0u, 1, i, 0u, 2u, 0, req, (uint32_t)sizeof(req),
					 rsp, (size_t)sizeof(rsp) - 1, now_ns());
		} else {
			fprintf(stderr, "xs-probe-fire: bad command: %s (%d fields)\n", f[0].s, n);
			return 1;
		}
		puts("ok");
		fflush(stdout);
	}
	return 0;
}
