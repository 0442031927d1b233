/* daemon.c - the server's state around the model (see daemon.h). */
#include "daemon.h"

#include <string.h>

#include "conn.h"

int daemon_init(struct daemon *d)
{
	memset(d, 0, sizeof(*d));
	d->out_limit_priv = 16u << 20;
	return model_init(&d->model);
}

void daemon_destroy(struct daemon *d)
{
	while (d->conns)
		conn_close(d->conns, "shutdown");
	conn_end_of_round(d);
	domain_port_map_free(&d->ports);
	model_destroy(&d->model);
}

