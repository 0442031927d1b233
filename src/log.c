/* log.c - stderr or syslog, chosen once at start-up. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "printable.h"

#define LOG_LINE_MAX 1024

static bool use_syslog;
static bool verbose_on;
static const char *log_ident = "xenstored";
static int startup_fd = -1;

void log_init(const char *ident, bool to_syslog, bool verbose)
{
	log_ident = ident;
	use_syslog = to_syslog;
	verbose_on = verbose;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_reopen(void)
{
	if (!use_syslog)
		return;
	closelog();
	openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_startup_fd(int fd)
{
	startup_fd = fd;
}

size_t log_printable(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, left = strlen(src);

	if (!size)
		return 0;
	while (left) {
		const unsigned char *p = (const unsigned char *)src;
		size_t text = printable_len(p, left);
		size_t need = text ? text : *p == '\\' ? 2 : 4;
		if (n + need >= size)
			break;
		if (text) {
			memcpy(dst + n, src, text);
		} else if (*p == '\\') {
			memcpy(dst + n, "\\\\", 2);
		} else {
			dst[n] = '\\';
			dst[n + 1] = 'x';
			dst[n + 2] = hex[*p >> 4];
			dst[n + 3] = hex[*p & 15];
		}
		n += need;
		src += text ? text : 1;
		left -= text ? text : 1;
	}
	dst[n] = '\0';
	return n;
}

/* Every line is made printable here, whatever its arguments came from
 * (guest paths, CONTROL print text, client command names): nobody can
 * forge log lines or send terminal controls to whoever reads the log. */
static void vlog(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char raw[LOG_LINE_MAX], buf[4 * LOG_LINE_MAX];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_printable(buf, sizeof(buf), raw);
	if (use_syslog) {
		syslog(prio, "%s%s%s", buf, suffix ? ": " : "", suffix ? suffix : "");
		if (startup_fd >= 0 && prio <= LOG_CRIT)
			dprintf(startup_fd, "%s: %s\n", log_ident, buf);
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
