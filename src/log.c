/* log.c - stderr or syslog, chosen once at start-up. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static bool use_syslog;
static bool verbose_on;
static const char *log_ident = "xenstored";

void log_init(const char *ident, bool to_syslog, bool verbose)
{
	log_ident = ident;
	use_syslog = to_syslog;
	verbose_on = verbose;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void vlog(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (use_syslog) {
		syslog(prio, "%s%s%s", buf, suffix ? ": " : "", suffix ? suffix : "");
		return;
	}
	fprintf(stderr, "%s: %s%s%s\n", log_ident, buf, suffix ? ": " : "",
		suffix ? suffix : "");
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;
	if (!verbose_on)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
