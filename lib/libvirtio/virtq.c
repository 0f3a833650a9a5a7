/*
 * virtq.c: split virtqueues (cairn/virtio.h; spec 2.7): set-up through the common
 * configuration, adding descriptor chains, notifying, taking used chains.
 *
 * The driver's books are private (struct virtq): the free list and the links of every
 * chain are next[], a chain's cookie, descriptor count and device-writable bytes are
 * chain[head]. The shared descriptor table is only ever written, never read back, so a
 * device that scribbles on it changes nothing the driver relies on. The used ring is
 * the device's: its index is read once per step and bounded by the chains outstanding,
 * an element is read once and checked against chain[] before anything is freed.
 *
 * Ordering (spec 2.7.13): descriptors and the available ring entry are written before
 * the available index (a release fence: a compiler barrier on x86, where stores are not
 * reordered with stores); the index is published before the device's no-notify flag is
 * read (a full fence: stores may pass later loads on x86); the used index is read
 * before the element it covers (an acquire fence). Virtio device memory is ordinary
 * cache-coherent memory here, so these are the CPU's fences.
 */
#include <cairn/virtio.h>

static uint32_t rd(const struct virtio_pci *v, unsigned off, unsigned width)
{
	return v->io->read(v->io->ctx, v->common + off, width);
}

static void wr(const struct virtio_pci *v, unsigned off, unsigned width, uint32_t val)
{
	v->io->write(v->io->ctx, v->common + off, width, val);
}

static void wr64(const struct virtio_pci *v, unsigned off, uint64_t val)
{
	wr(v, off, 4, (uint32_t)val);
	wr(v, off + 4, 4, (uint32_t)(val >> 32));
}

/* The largest power of two no larger than the device's maximum, want and VIRTQ_MAX
 * whose rings fit in `bytes`; 0 if none does. */
static unsigned pick_size(unsigned max, unsigned want, uint64_t bytes)
{
	unsigned lim = max < want ? max : want, size = VIRTQ_MAX;
	while (size > lim)
		size >>= 1;
	while (size && virtq_bytes(size) > bytes)
		size >>= 1;
	return size;
}

/* Lays the rings out in mem, zeroes them and starts the private books: every
 * descriptor free, linked in order. */
static void init_books(struct virtq *q, struct virtio_pci *v, unsigned index, unsigned size,
		       const struct virtq_mem *mem, uintptr_t notify)
{
	uintptr_t va = (uintptr_t)mem->va;
	uint64_t avail = 16ull * size, used = virtq_used_at(size);
	volatile uint8_t *p = mem->va;

	for (uint64_t i = 0; i < virtq_bytes(size); i++)
		p[i] = 0;
	*q = (struct virtq){ .dev = v, .desc = (volatile struct virtq_desc *)va,
			     .avail = (volatile struct virtq_avail *)(va + avail),
			     .used = (volatile struct virtq_used *)(va + used), .notify = notify,
			     .index = index, .size = size, .nfree = size };
	for (unsigned i = 0; i < size; i++)
		q->next[i] = (i + 1) % size;
}

/* Tells the device where the rings are and their size (queue `index` selected). */
static void program(const struct virtq *q, const struct virtq_mem *mem)
{
	struct virtio_pci *v = q->dev;
	uint64_t avail = 16ull * q->size, used = virtq_used_at(q->size);

	wr(v, VIRTIO_COMMON_Q_SIZE, 2, q->size);
	wr64(v, VIRTIO_COMMON_Q_DESCLO, mem->dev);
	wr64(v, VIRTIO_COMMON_Q_AVAILLO, mem->dev + avail);
	wr64(v, VIRTIO_COMMON_Q_USEDLO, mem->dev + used);
}

/* The queue's MSI-X vector (queue selected): 0, or CAIRN_EIO if the device did not
 * take it (it is left VIRTIO_MSI_NO_VECTOR). */
static long queue_vector(struct virtio_pci *v, unsigned vector)
{
	if (vector == VIRTIO_MSI_NO_VECTOR)
		return 0;
	wr(v, VIRTIO_COMMON_Q_MSIX, 2, vector & 0xffff);
	if ((rd(v, VIRTIO_COMMON_Q_MSIX, 2) & 0xffff) == (vector & 0xffff))
		return 0;
	wr(v, VIRTIO_COMMON_Q_MSIX, 2, VIRTIO_MSI_NO_VECTOR);
	return CAIRN_EIO;
}

long virtq_setup(struct virtq *q, struct virtio_pci *v, unsigned index, unsigned want,
		 const struct virtq_mem *mem, unsigned vector)
{
	if (v->broken)
		return CAIRN_EIO;
	if (index >= v->num_queues || !want || (((uintptr_t)mem->va | mem->dev) & 15) ||
	    mem->dev > UINT64_MAX - mem->bytes)
		return CAIRN_EINVAL;
	wr(v, VIRTIO_COMMON_Q_SELECT, 2, index);
	unsigned max = rd(v, VIRTIO_COMMON_Q_SIZE, 2) & 0xffff;
	if (!max)
		return CAIRN_ENOENT;
	if (rd(v, VIRTIO_COMMON_Q_ENABLE, 2) & 0xffff)
		return CAIRN_EBUSY;
	unsigned size = pick_size(max, want, mem->bytes);
	if (!size)
		return CAIRN_ENOMEM;
	uint64_t noff = (uint64_t)(rd(v, VIRTIO_COMMON_Q_NOFF, 2) & 0xffff) * v->notify_mult;
	if (noff > v->notify_len - 2)
		return CAIRN_ERANGE;
	init_books(q, v, index, size, mem, v->notify + noff);
	program(q, mem);
	long r = queue_vector(v, vector);
	if (r < 0)
		return r;
	wr(v, VIRTIO_COMMON_Q_ENABLE, 2, 1);
	return size;
}

/* n buffers, readable ones first, none empty. */
static int chain_ok(const struct virtq_buf *bufs, unsigned n)
{
	int writing = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!bufs[i].len || (writing && !bufs[i].writable))
			return 0;
		writing = bufs[i].writable != 0;
	}
	return 1;
}

long virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *cookie)
{
	if (q->dev->broken)
		return CAIRN_EIO;
	if (!n || !chain_ok(bufs, n))
		return CAIRN_EINVAL;
	if (n > q->nfree)
		return CAIRN_EAGAIN;
	unsigned head = q->free_head, d = head;
	uint64_t wlen = 0;
	for (unsigned i = 0; i < n; i++) {
		int more = i + 1 < n;
		q->desc[d].addr = bufs[i].addr;
		q->desc[d].len = bufs[i].len;
		q->desc[d].flags = (bufs[i].writable ? VIRTQ_DESC_F_WRITE : 0) | (more ? VIRTQ_DESC_F_NEXT : 0);
		q->desc[d].next = more ? q->next[d] : 0;
		wlen += bufs[i].writable ? bufs[i].len : 0;
		d = q->next[d];
	}
	q->free_head = d;
	q->nfree -= n;
	q->outstanding++;
	q->chain[head] = (struct virtq_chain){ .cookie = cookie, .wlen = wlen, .count = n, .busy = 1 };
	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->avail->idx = ++q->avail_idx;
	return head;
}

void virtq_kick(struct virtq *q)
{
	if (q->dev->broken)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(q->used->flags & VIRTQ_USED_F_NO_NOTIFY))
		q->dev->io->write(q->dev->io->ctx, q->notify, 2, q->index);
}

/* The device broke a rule: it and every queue of it stop. */
static long broken(struct virtq *q)
{
	q->dev->broken = 1;
	return CAIRN_EIO;
}

/* Used entries waiting, the device's index read once: 0..outstanding, or -1 (beyond). */
static long waiting(const struct virtq *q)
{
	uint16_t n = (uint16_t)(q->used->idx - q->last_used);
	return n > q->outstanding ? -1 : n;
}

/* Puts chain `head` (count descriptors, linked through next[]) back on the free list. */
static void release(struct virtq *q, unsigned head)
{
	unsigned tail = head;
	for (unsigned i = 1; i < q->chain[head].count; i++)
		tail = q->next[tail];
	q->next[tail] = q->free_head;
	q->free_head = head;
	q->nfree += q->chain[head].count;
	q->outstanding--;
	q->chain[head] = (struct virtq_chain){ 0 };
}

long virtq_get(struct virtq *q, void **cookie, uint32_t *len)
{
	if (q->dev->broken)
		return CAIRN_EIO;
	long n = waiting(q);
	if (n < 0)
		return broken(q);
	if (!n)
		return CAIRN_EAGAIN;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	volatile struct virtq_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
	uint32_t id = e->id, l = e->len;
	if (id >= q->size || !q->chain[id].busy || l > q->chain[id].wlen)
		return broken(q);
	*cookie = q->chain[id].cookie;
	*len = l;
	release(q, id);
	q->last_used++;
	return 0;
}

void virtq_quiet(struct virtq *q)
{
	q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
}

long virtq_arm(struct virtq *q)
{
	q->avail->flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->dev->broken)
		return CAIRN_EIO;
	long n = waiting(q);
	return n < 0 ? broken(q) : n;
}
