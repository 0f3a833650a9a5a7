/*
 * net_echo.c: the UDP and TCP echo server of the Linux guest that `make bench-net`
 * drives from the host (tools/linux_guest.py builds it with the host's gcc -static;
 * the network guest's /init runs it once eth0 is configured; docs/performance.md,
 * "Network", says what is measured with it).
 *
 *   net_echo PORT
 *
 * It serves the port Cairn's echo system serves, both protocols at once from one
 * thread: every UDP datagram is sent back to whoever sent it, as received; every TCP
 * connection (at most MAX_CONNS at a time, further ones wait in the backlog) gets back
 * each byte it sends, until it closes. Its own work per packet is one receive and one
 * send, as a plain socket echo loop's would be; what the figures measure is the kernel's
 * path below it. It prints "net_echo: ready" once both sockets listen and never
 * returns unless it cannot serve (an error on a listening socket): then it says why
 * and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 8
#define BUF_BYTES 65536

static char buf[BUF_BYTES];

static int fail(const char *what)
{
	printf("net_echo: %s: %s\n", what, strerror(errno));
	fflush(stdout);
	return 1;
}

/* A socket of type bound to the port on every address; -1 on an error (errno set). */
static int bound_socket(int type, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1;
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends all n bytes of p on a connected stream socket; 0, or -1 when it failed. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One datagram back to its sender. A failed receive or send loses that datagram only. */
static void echo_udp(int fd)
{
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &len);

	if (n >= 0 && len == sizeof(from))
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
}

/* What one connection sent, back to it; 0 while it stays open, -1 once it is done. */
static int echo_tcp(int fd)
{
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	return write_all(fd, buf, (size_t)n);
}

int main(int argc, char **argv)
{
	struct pollfd p[2 + MAX_CONNS];
	unsigned long port = argc == 2 ? strtoul(argv[1], NULL, 10) : 0;
	int nconns = 0;

	if (port == 0 || port > 65535) {
		printf("usage: net_echo PORT (1 to 65535)\n");
		return 1;
	}
	p[0].fd = bound_socket(SOCK_DGRAM, (unsigned)port);
	if (p[0].fd < 0)
		return fail("udp socket");
	p[1].fd = bound_socket(SOCK_STREAM, (unsigned)port);
	if (p[1].fd < 0 || listen(p[1].fd, 4) < 0)
		return fail("tcp socket");
	p[0].events = p[1].events = POLLIN;
	printf("net_echo: ready: udp and tcp echo on port %lu\n", port);
	fflush(stdout);
	for (;;) {
		int i;

		if (poll(p, (nfds_t)(2 + nconns), -1) < 0) {
			if (errno == EINTR)
				continue;
			return fail("poll");
		}
		if (p[0].revents & POLLIN)
			echo_udp(p[0].fd);
		if (p[0].revents & (POLLERR | POLLNVAL))
			return fail("udp socket failed");
		for (i = 2; i < 2 + nconns; i++) {
			if (p[i].revents == 0 || echo_tcp(p[i].fd) == 0)
				continue;
			close(p[i].fd);
			p[i--] = p[1 + nconns--];   /* the last takes its place; look at it again */
			p[1].events = POLLIN;       /* room for one more */
		}
		if ((p[1].revents & POLLIN) && nconns < MAX_CONNS) {
			int one = 1;
			int fd = accept(p[1].fd, NULL, NULL);

			if (fd >= 0) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				p[2 + nconns].fd = fd;
				p[2 + nconns].events = POLLIN;
				p[2 + nconns].revents = 0;
				nconns++;
			}
			if (nconns == MAX_CONNS)
				p[1].events = 0;    /* the next ones wait in the backlog */
		}
		if (p[1].revents & (POLLERR | POLLNVAL))
			return fail("tcp socket failed");
	}
}
