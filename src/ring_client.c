/* ring_client.c - a guest's side of the ring page (see ring_client.h). */
#include "ring_client.h"

/* The daemon runs on another CPU: what we read of its index comes before
 * what we read of the ring, what we write of the ring before our index. */
#define fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)

int ring_client_space(const struct xs_ring_page *page)
{
	int used = ring_avail(page->req_cons, page->req_prod);

	fence();
	return used < 0 ? -1 : (int)XS_RING_SIZE - used;
}

int ring_client_put(struct xs_ring_page *page, const void *buf, uint32_t len)
{
	uint32_t prod = page->req_prod;
	int space = ring_client_space(page);
	uint32_t n;

	if (space < 0)
		return -1;
	n = ring_copy_in(page->req, prod, (uint32_t)space, buf, len);
	fence();
	page->req_prod = prod + n;
	return (int)n;
}

int ring_client_pending(const struct xs_ring_page *page)
{
	int avail = ring_avail(page->rsp_cons, page->rsp_prod);

	fence();
	return avail;
}

uint32_t ring_client_peek(const struct xs_ring_page *page, void *buf, uint32_t len)
{
	int avail = ring_client_pending(page);

	if (avail <= 0)
		return 0;
	return ring_copy_out(page->rsp, page->rsp_cons, (uint32_t)avail, buf, len);
}

int ring_client_take(struct xs_ring_page *page, void *buf, uint32_t len)
{
	uint32_t n;

	if (ring_client_pending(page) < 0)
		return -1;
	n = ring_client_peek(page, buf, len);
	fence();
	page->rsp_cons += n;
	return (int)n;
}
