/*
 * xsdomctl - the toolstack's domain requests that xenstore-utils has no
 * command for, sent through libxenstore to the daemon XENSTORED_PATH
 * names.  Prints nothing on success except the answer of a query; on
 * failure "xsdomctl: COMMAND: <strerror>" and exit status 1.
 *
 *   xsdomctl introduce DOMID GFN PORT   XS_INTRODUCE
 *   xsdomctl release DOMID              XS_RELEASE
 *   xsdomctl resume DOMID               XS_RESUME
 *   xsdomctl set-target DOMID TARGET    XS_SET_TARGET
 *   xsdomctl is-introduced DOMID        XS_IS_DOMAIN_INTRODUCED: T or F
 *   xsdomctl get-domain-path DOMID      XS_GET_DOMAIN_PATH
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

struct command {
	const char *name;
	int nargs;
	bool (*run)(struct xs_handle *h, const unsigned long *a);
};

static bool introduce(struct xs_handle *h, const unsigned long *a)
{
	return xs_introduce_domain(h, (unsigned)a[0], a[1], (unsigned)a[2]);
}

static bool release(struct xs_handle *h, const unsigned long *a)
{
	return xs_release_domain(h, (unsigned)a[0]);
}

static bool resume(struct xs_handle *h, const unsigned long *a)
{
	return xs_resume_domain(h, (unsigned)a[0]);
}

static bool set_target(struct xs_handle *h, const unsigned long *a)
{
	return xs_set_target(h, (unsigned)a[0], (unsigned)a[1]);
}

static bool is_introduced(struct xs_handle *h, const unsigned long *a)
{
	errno = 0;
	bool yes = xs_is_domain_introduced(h, (unsigned)a[0]);
	if (!yes && errno)
		return false;
	puts(yes ? "T" : "F");
	return true;
}

static bool domain_path(struct xs_handle *h, const unsigned long *a)
{
	char *path = xs_get_domain_path(h, (unsigned)a[0]);

	if (!path)
		return false;
	puts(path);
	free(path);
	return true;
}

static const struct command commands[] = {
	{ "introduce", 3, introduce },
	{ "release", 1, release },
	{ "resume", 1, resume },
	{ "set-target", 2, set_target },
	{ "is-introduced", 1, is_introduced },
	{ "get-domain-path", 1, domain_path },
};

static int usage(void)
{
	fprintf(stderr, "usage: xsdomctl COMMAND ARGS (introduce DOMID GFN PORT | release DOMID |\n"
			"  resume DOMID | set-target DOMID TARGET | is-introduced DOMID |\n"
			"  get-domain-path DOMID)\n");
	return 2;
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	unsigned long args[3];
	struct xs_handle *h;
	bool ok;

	for (size_t i = 0; argc > 1 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd || argc != cmd->nargs + 2)
		return usage();
	for (int i = 0; i < cmd->nargs; i++) {
		char *end;
		errno = 0;
		args[i] = strtoul(argv[i + 2], &end, 0);
		if (errno || end == argv[i + 2] || *end) {
			fprintf(stderr, "xsdomctl: %s: not a number: '%s'\n", cmd->name, argv[i + 2]);
			return 2;
		}
	}
	h = xs_open(0);
	if (!h) {
		fprintf(stderr, "xsdomctl: cannot connect to xenstored: %s\n", strerror(errno));
		return 1;
	}
	ok = cmd->run(h, args);
	if (!ok)
		fprintf(stderr, "xsdomctl: %s: %s\n", cmd->name, strerror(errno));
	xs_close(h);
	return ok ? 0 : 1;
}
