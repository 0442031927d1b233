/*
 * snoop_options.h - xenstore-snoop's command line into env (snoop_env.h).
 */
#ifndef SNOOP_OPTIONS_H
#define SNOOP_OPTIONS_H

/* Fills env from argv.  0, or 2 when argp could not parse it; a bad
 * option value, --help and --version exit from within (status 2 for a
 * bad one, as argp_error does). */
int snoop_options_parse(int argc, char **argv);

#endif
