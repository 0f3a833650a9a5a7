/*
 * net_crashy: the virtio-net driver (components/virtio_net, vnet.c and main.c compiled
 * here unchanged, in one unit) for the restart test (tests/qemu/systems/
 * virtio_net_restart.toml): a transmitted frame of ethertype NET_CRASH_TYPE makes it
 * notify the device of the buffers it has just added (so that they are really in
 * flight) and execute ud2, on its own thread, mid-round; in its first generation only,
 * on the NET_CRASH_NTH-th such frame (tests/components/net_crashy_arp sets both: the
 * second ARP request). So does an IPv4 UDP datagram whose payload begins with
 * NET_CRASH_UDP, in any generation (for tests/qemu/systems/echo_restart.toml, where the
 * echo server sends back what a host script sent it). Only the test images have the
 * trap: the driver's own image cannot crash on a frame.
 */
#include <cairn/pci.h>
#include <cairn/virtio.h>
#include <cairn/xport.h>

#ifndef NET_CRASH_TYPE
#define NET_CRASH_TYPE 0x88b6		/* the ethertype it crashes on */
#endif
#ifndef NET_CRASH_NTH
#define NET_CRASH_NTH 1			/* on the first such frame */
#endif
#define NET_CRASH_UDP "net_crashy:crash"

/* 1 if the len bytes at f are an IPv4 UDP datagram whose payload begins with NET_CRASH_UDP. */
static int crash_udp(const uint8_t *f, uint32_t len)
{
	const uint32_t ihl = (f[14] & 0xf) * 4u, at = 14 + ihl + 8, n = sizeof(NET_CRASH_UDP) - 1;
	if (len < 34 || f[12] != 0x08 || f[13] != 0 || f[14] >> 4 != 4 || ihl < 20 || f[23] != 17 || len < at + n)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (f[at + i] != (uint8_t)NET_CRASH_UDP[i])
			return 0;
	return 1;
}

/* vnet.c takes buffers through this (below, once main.c's driver state is visible). */
static long crashy_get_buf(struct xport_queue *q, uint64_t region, struct xport_buf *b);
#define xport_get_buf crashy_get_buf
#define serve vnet_serve_dir		/* main.c has a serve() of its own */
#include "../../../components/virtio_net/vnet.c"
#undef serve
#undef xport_get_buf
#include "../../../components/virtio_net/main.c"

static long crashy_get_buf(struct xport_queue *q, uint64_t region, struct xport_buf *b)
{
	long r = xport_get_buf(q, region, b);
	const struct cairn_region *data = cairn_region("net_data");
	if (r == 0 && q == net.tx.from && data && b->len >= NET_FRAME_MIN && xport_in_region(data->size, b->offset, b->len)) {
		const uint8_t *f = (const uint8_t *)data->va + b->offset;
		static unsigned seen;	/* frames of the type, this generation */
		if ((f[12] == NET_CRASH_TYPE >> 8 && f[13] == (NET_CRASH_TYPE & 0xff) && ++seen == NET_CRASH_NTH &&
		     ((const struct cairn_root *)CAIRN_ROOT_VA)->generation == 1) || crash_udp(f, b->len)) {
			cairn_printf("net_crashy: crashing with %u rx buffers and %u tx frames held\n", net.rx.held,
				     net.tx.held);
			if (net.tx.kick)
				virtq_kick(&net.tx.q);
			__builtin_trap();
		}
	}
	return r;
}
