/*
 * desc.c: the transport's two descriptor layouts over the generic queue
 * (cairn/xport.h): buffers (net frames) and block requests and responses. Every check
 * is made on this end's private copy of a descriptor, after xport_get copied it out of
 * the ring, so a peer that rewrites the slot meanwhile changes nothing checked.
 */
#include <cairn/xport.h>

_Static_assert(sizeof(struct xport_buf) == 16, "a buffer descriptor is two words");
_Static_assert(sizeof(struct xport_blk_req) == 32, "a block request is four words");
_Static_assert(sizeof(struct xport_blk_resp) == 16, "a block response is two words");

/* A typed step needs a queue whose slots are exactly its descriptor: no copy past either. */
static int fits(const struct xport_queue *q, unsigned long size)
{
	return (unsigned long)q->words * 8 == size;
}

long xport_put_buf(struct xport_queue *q, const struct xport_buf *b)
{
	return fits(q, sizeof *b) ? xport_put(q, b) : CAIRN_EINVAL;
}

long xport_get_buf(struct xport_queue *q, uint64_t region, struct xport_buf *b)
{
	long r = fits(q, sizeof *b) ? xport_get(q, b) : CAIRN_EINVAL;

	if (r == 0 && !xport_in_region(region, b->offset, b->len))
		return CAIRN_ERANGE;
	return r;
}

/* A request's own sense, from the copy: 0, CAIRN_EINVAL or CAIRN_ERANGE. */
static long check_req(uint64_t region, const struct xport_blk_req *req)
{
	switch (req->op) {
	case XPORT_BLK_FLUSH:
	case XPORT_BLK_CAPACITY:
		return 0;
	case XPORT_BLK_READ:
	case XPORT_BLK_WRITE:
		if (req->count == 0 || req->count > XPORT_BLK_MAX)
			return CAIRN_EINVAL;
		/* count <= 2^20, so the product is below 2^32 * 2^12: no wrap */
		return xport_in_region(region, req->offset, (uint64_t)req->count * XPORT_BLK_SIZE) ? 0 : CAIRN_ERANGE;
	default:
		return CAIRN_EINVAL;
	}
}

long xport_blk_get_req(struct xport_queue *q, uint64_t region, struct xport_blk_req *req)
{
	long r = fits(q, sizeof *req) ? xport_get(q, req) : CAIRN_EINVAL;

	return r ? r : check_req(region, req);
}

long xport_blk_put_req(struct xport_queue *q, const struct xport_blk_req *req)
{
	return fits(q, sizeof *req) ? xport_put(q, req) : CAIRN_EINVAL;
}

long xport_blk_put_resp(struct xport_queue *q, const struct xport_blk_resp *resp)
{
	return fits(q, sizeof *resp) ? xport_put(q, resp) : CAIRN_EINVAL;
}

long xport_blk_get_resp(struct xport_queue *q, struct xport_blk_resp *resp)
{
	return fits(q, sizeof *resp) ? xport_get(q, resp) : CAIRN_EINVAL;
}
