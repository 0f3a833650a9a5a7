/*
 * net_crashy_arp: net_crashy (the virtio-net driver with a trap) crashing on the second
 * ARP request its first generation transmits, with the receive buffers in flight at the
 * device: the driver of tests/qemu/systems/arp_restart.toml, whose client is
 * components/arp.
 */
#include <cairn/pci.h>
#include <cairn/virtio.h>
#include <cairn/xport.h>

#define NET_CRASH_TYPE 0x0806		/* ARP */
#define NET_CRASH_NTH  2

#include "../net_crashy/main.c"
