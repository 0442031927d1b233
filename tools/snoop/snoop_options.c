/*
 * snoop_options.c - xenstore-snoop's command line: the usage text (with
 * its EXAMPLES block, one line per flag), each option's checks, and the
 * struct snoop_env (snoop_env.h) the rest of the tool reads.  Values are
 * parsed by snoop_parse.c, which the fuzzer feeds; a bad command line
 * says what is wrong and exits 2.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "snoop_env.h"
#include "snoop_options.h"

struct snoop_env env = {
	.domid = -1,
	.client_pid = -1,
	.buffer_mb = 32,
	.tee.record_bytes = 64ULL << 20,
};

enum { OPT_TRACE = 0x100, OPT_HTML, OPT_WHICH, OPT_FOLDED };

const char *argp_program_version = PROG " " XS_VERSION;
static const char doc[] =
"Watch every request to a running xenstored, live, joined with its reply.\n"
"\n"
"Attaches to the daemon's USDT probes: no restart, no daemon option, and\n"
"the daemon is left exactly as it was on exit.  Needs root (CAP_SYS_ADMIN).\n"
"Without -p, the daemon is the one $XENSTORED_RUNDIR or $XENSTORED_PATH\n"
"name (its pid file, or the process serving that socket), else the\n"
"system's: the first of /var/run/xenstored.pid, /run/xenstore.pid and\n"
"/var/run/xen/xenstored.pid naming a daemon, or the daemon serving\n"
"/var/run/xenstored/socket, or the only one.  A daemon is a process whose\n"
"program has the xenstore probes, whatever its name.\n"
"\n"
"EXAMPLES:\n"
"    xenstore-snoop                # every request, with its reply\n"
"    xenstore-snoop -tl            # add timestamps and latencies (us)\n"
"    xenstore-snoop -C -D 6        # domain 6 only, client command names\n"
"    xenstore-snoop -o read,write  # only XS_READ and XS_WRITE\n"
"    xenstore-snoop -f /local/domain/6   # only nodes at or below this path\n"
"    xenstore-snoop -x             # failed requests only\n"
"    xenstore-snoop -j -c 100      # 100 events as JSON lines, then exit\n"
"    xenstore-snoop -s             # summary at Ctrl-C: counts, errors, latency\n"
"                                  # histograms per op, domain and process,\n"
"                                  # slowest paths, transactions, quota hits\n"
"    xenstore-snoop -s -i 5        # the same summary every 5 seconds\n"
"    xenstore-snoop -p 1234 -d 10  # daemon PID 1234, stop after 10 seconds\n"
"    bpftrace -p \"$(xenstore-snoop --which)\" xenstore-snoop.bt\n"
"                                  # the same daemon, for a bpftrace script\n"
"    xenstore-snoop --trace s.json --html s.html   # the session as a timeline\n"
"                                  # (Perfetto / chrome://tracing; any browser)\n"
"    xenstore-snoop -w /var/tmp/xs -W 16  # flight recorder: the last 16 MiB\n"
"    xenstore-snoop -U             # the client's stack under each request\n"
"    xenstore-snoop -U -s --folded s.folded   # requests by client stack\n"
"\v"
"OUTPUT: DOM is the client's domain, PID its process (0 for guests), TX the\n"
"transaction (- for watch events).  Payloads show NUL bytes as spaces (a\n"
"final NUL is dropped), UTF-8 as its characters, other bytes outside\n"
"printable ASCII as \\xNN and a backslash as \\\\; a payload longer than\n"
"256 bytes is cut and ends with\n"
"...(N bytes), N being its full length.  A watch event names the request\n"
"that caused it, a failed TRANSACTION_END the node that conflicted, a\n"
"refused request the quota it hit.  -j prints every field as JSON:\n"
"payloads' UTF-8 as its characters, any other byte B from 0x80 as \\uDCBB\n"
"(a lone surrogate, Python's surrogateescape).  Events lost because the ring\n"
"buffer was full are counted and reported on exit.\n";

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "xenstored process to attach to (default: find it)", 0 },
	{ "timestamp", 't', NULL, 0, "Print a timestamp column (wall clock)", 0 },
	{ NULL, 'T', NULL, 0, "The same as -t (the bcc tools' timestamp flag)", 0 },
	{ "latency", 'l', NULL, 0, "Print each request's latency in microseconds", 0 },
	{ "comm", 'C', NULL, 0, "Print the client's command name next to its PID", 0 },
	{ "domain", 'D', "DOMID", 0, "Only this domain's requests and watch events", 0 },
	{ "client-pid", 'P', "PID", 0, "Only this client process", 0 },
	{ "op", 'o', "OP,...", 0, "Only these operations (read, XS_WRITE, watch_event, ...)", 0 },
	{ "path", 'f', "PATH", 0, "Only nodes at or below PATH (a guest's relative paths "
	  "count as /local/domain/DOMID/...)", 0 },
	{ "errors", 'x', NULL, 0, "Only failed requests", 0 },
	{ "extra", 'e', NULL, 0, "Also show connections opening/closing and domains "
	  "introduced/released", 0 },
	{ "json", 'j', NULL, 0, "JSON lines, every field", 0 },
	{ "summary", 's', NULL, 0, "Print a summary instead of each event (at exit)", 0 },
	{ "interval", 'i', "SEC", 0, "With -s: print and reset the summary every SEC seconds", 0 },
	{ "count", 'c', "COUNT", 0, "Stop after COUNT events", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds", 0 },
	{ "buffer", 'b', "MB", 0, "Ring buffer size in MiB, a power of 2 (default 32)", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's messages", 0 },
	{ "which", OPT_WHICH, NULL, 0, "Print the PID of the daemon it would attach to, and exit "
	  "(for bpftrace -p)", 0 },
	{ "trace", OPT_TRACE, "FILE", 0, "At exit, write the session as Chrome trace-event "
	  "JSON (stdout stays quiet unless -j)", 0 },
	{ "html", OPT_HTML, "FILE", 0, "At exit, write the session as an HTML sequence "
	  "diagram", 0 },
	{ "record", 'w', "DIR", 0, "Flight recorder: keep the last events as JSON lines "
	  "in rotating files in DIR", 0 },
	{ "record-size", 'W', "MB", 0, "With -w: how many MiB to keep (default 64)", 0 },
	{ "stacks", 'U', NULL, 0, "Show the user stack of the client thread that sent each "
	  "request (native and Python frames)", 0 },
	{ "folded", OPT_FOLDED, "FILE", 0, "With -U: at exit, write requests per client stack as "
	  "folded stacks (flamegraph.pl, speedscope)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 0 },
	{ 0 },
};

/* argp_error() exits: a value is returned only when it parsed. */
static long long parse_num(const char *arg, long long min, long long max, struct argp_state *st,
			   const char *what)
{
	long long v = 0;

	if (!snoop_parse_num(arg, min, max, &v))
		argp_error(st, "invalid %s: %s", what, arg);
	return v;
}

static void parse_ops(const char *arg, struct argp_state *st)
{
	const char *bad;
	int bad_len;

	if (!snoop_parse_ops(arg, &env.types, &bad, &bad_len))
		argp_error(st, "unknown operation: %.*s", bad_len, bad);
	if (!env.types)
		argp_error(st, "-o wants at least one operation");
}

static void parse_buffer(const char *arg, struct argp_state *st)
{
	int r = snoop_parse_buffer_mb(arg, &env.buffer_mb);

	if (r == -EDOM)
		argp_error(st, "buffer size must be a power of 2: %s", arg);
	else if (r)
		argp_error(st, "invalid buffer size: %s", arg);
}

static error_t parse_arg(int key, char *arg, struct argp_state *st)
{
	switch (key) {
	case 'p':
		env.daemon_pid = parse_num(arg, 1, INT_MAX, st, "PID");
		break;
	case 't':
	case 'T': env.timestamp = true; break;
	case 'l': env.latency = true; break;
	case 'C': env.comm = true; break;
	case 'D':
		env.domid = parse_num(arg, 0, SNOOP_DOMID_MAX, st, "domain id");
		break;
	case 'P':
		env.client_pid = parse_num(arg, 0, INT_MAX, st, "client PID");
		break;
	case 'o':
		parse_ops(arg, st);
		break;
	case 'f':
		snoop_path_filter_set(&env.path, arg);
		break;
	case 'x': env.errors = true; break;
	case 'e': env.extra = true; break;
	case 'j': env.json = true; break;
	case 's': env.summary = true; break;
	case 'i':
		env.interval = parse_num(arg, 1, SNOOP_SECONDS_MAX, st, "interval");
		env.summary = true;
		break;
	case 'c':
		env.count = parse_num(arg, 1, LLONG_MAX, st, "count");
		break;
	case 'd':
		env.duration = parse_num(arg, 1, SNOOP_SECONDS_MAX, st, "duration");
		break;
	case 'b':
		parse_buffer(arg, st);
		break;
	case 'v': env.verbose = true; break;
	case OPT_WHICH: env.which = true; break;
	case OPT_TRACE: env.tee.trace = arg; break;
	case OPT_HTML: env.tee.html = arg; break;
	case 'w': env.tee.record_dir = arg; break;
	case 'U': env.stacks = true; break;
	case OPT_FOLDED:
		env.folded = arg;
		env.stacks = true;
		break;
	case 'W':
		env.tee.record_bytes = parse_num(arg, 1, SNOOP_BUFFER_MB_MAX, st, "size") << 20;
		break;
	case ARGP_KEY_END:
		if (snoop_tee_wanted(&env.tee) && env.summary)
			argp_error(st, "--trace, --html and -w record events: not with -s");
		break;
	case 'h':
		argp_state_help(st, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		argp_error(st, "unexpected argument: %s", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int snoop_options_parse(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = doc,
	};

	argp_err_exit_status = 2;	/* a bad command line, as for every other tool here */
	return argp_parse(&argp, argc, argv, 0, NULL, NULL) ? 2 : 0;
}
