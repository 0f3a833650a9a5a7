/*
 * lwipopts.h: Cairn's options for lwIP 2.1 (Debian's source package, fetched by
 * tools/lwip.sh; docs/network.md "Options"). One stack instance in one component
 * (components/net): NO_SYS, no OS threads, no sockets or netconn API, IPv4 over
 * Ethernet with ARP, ICMP, UDP, TCP and a DHCP client. Every byte it uses is a static
 * pool, sized here: a peer can exhaust a pool, never grow one. The numbers below are the budget
 * docs/network.md explains; components/net/sock.c's per-connection ring is TCP_WND.
 */
#ifndef CAIRN_LWIPOPTS_H
#define CAIRN_LWIPOPTS_H

/* --- the platform: one thread, no OS, no C library allocator --- */
#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0	/* one thread: nothing to protect against */
#define LWIP_TIMERS                 1	/* sys_check_timeouts() from the event loop */
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_NETIF_API              0
#define LWIP_SINGLE_NETIF           1
#define LWIP_HOOK_FILENAME          "arch/hooks.h"

/* --- memory: static pools only --- */
#define MEM_LIBC_MALLOC             0
#define MEMP_MEM_MALLOC             0
#define MEM_ALIGNMENT               8
#define MEM_SIZE                    (192 * 1024)	/* the heap of PBUF_RAM: TCP's copies, headers */
#define MEMP_NUM_PBUF               16	/* PBUF_REF/ROM: not used by Cairn's code */
#define MEMP_NUM_UDP_PCB            16	/* echo's, and SOCK_UDP_LINK for each of 3 socket links (cairn/sock.h) */
#define MEMP_NUM_TCP_PCB            32	/* connections, listeners apart: echo's 8, SOCK_TCP_LINK for 2 links */
#define MEMP_NUM_TCP_PCB_LISTEN     8
#define MEMP_NUM_TCP_SEG            (MEMP_NUM_TCP_PCB * TCP_SND_QUEUELEN)
#define MEMP_NUM_ARP_QUEUE          32	/* packets waiting for an ARP answer, all addresses */
#define PBUF_POOL_SIZE              96	/* received frames, each in one pool buffer */

/* --- protocols --- */
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_RAW                    0
#define LWIP_UDP                    1
#define LWIP_TCP                    1
#define LWIP_DHCP                   1	/* components/net's `dhcp` (addrargs.c, addr.c) */
#define DHCP_DOES_ARP_CHECK         0	/* no wait on a timer before the address is used:
					   the loop's timers run only as frames come */
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define IP_REASSEMBLY               0	/* fragments are dropped: no reassembly pool to fill */
#define IP_FRAG                     0	/* nothing sent is larger than the MTU */
#define ARP_TABLE_SIZE              8
#define ARP_QUEUEING                1
#define ARP_QUEUE_LEN               16	/* ... for one address (lwIP's 3 loses a burst's rest) */
#define ETH_PAD_SIZE                0

/* --- TCP: per connection at most TCP_WND received and TCP_SND_BUF unacknowledged --- */
#define TCP_MSS                     1460
#define TCP_WND                     (8 * TCP_MSS)
#define TCP_SND_BUF                 (8 * TCP_MSS)
#define TCP_SND_QUEUELEN            16
#define TCP_QUEUE_OOSEQ             0	/* out of order segments are dropped (the peer resends) */
#define TCP_LISTEN_BACKLOG          1
#define TCP_DEFAULT_LISTEN_BACKLOG  4
#define LWIP_TCP_KEEPALIVE          0

/* --- checksums: all in software (the driver offers no offload) --- */
#define CHECKSUM_GEN_IP             1
#define CHECKSUM_GEN_UDP            1
#define CHECKSUM_GEN_TCP            1
#define CHECKSUM_GEN_ICMP           1
#define CHECKSUM_CHECK_IP           1
#define CHECKSUM_CHECK_UDP          1
#define CHECKSUM_CHECK_TCP          1
#define CHECKSUM_CHECK_ICMP         1

/* --- what is not needed --- */
#define LWIP_NETIF_STATUS_CALLBACK  1	/* components/net says its address (addr.c) */
#define LWIP_NETIF_LINK_CALLBACK    0
#define LWIP_NETIF_HOSTNAME         0
#define LWIP_STATS                  1	/* lwip_stats: counted, printed by components/net */
#define LWIP_STATS_DISPLAY          0
#define LWIP_DEBUG                  0

#endif
