/*
 * rtos_fakenet: a scripted `net` on the rtos component's socket link (cairn/sock.h, the
 * net side), for the test rtos_netgone (tests/qemu/systems/rtos_netgone.toml, the RTOS
 * program tests/rtos/rtos_netgone; docs/network.md "Sockets for RTOS programs"). It
 * plays the restarts a real net's crash cannot time: a RESTARTED while an OPEN waits
 * for its answer, and a second RESTARTED right after the rtos's HELLO, before its DONE.
 *
 *   serve     HELLO, OPEN (sockets numbered 0, 1, 2 ... in turn), LISTEN, CONNECT (DONE,
 *             then CONNECTED), SEND (DONE), CLOSE (its held buffers back, then DONE) as
 *             net does; the first RECV_BUF of the first UDP socket is filled with
 *             "datagram", that of the first connection with "abc"; others are held
 *   OPEN of port 9003: not answered; RESTARTED put instead. Every command before the
 *             next HELLO is dropped (counted); at that HELLO (its mask: the numbers
 *             held) RESTARTED again, unanswered; at the next HELLO DONE, and serve
 *             again, a new socket never one of the mask
 *   BYE       DONE (port SOCK_BYE), the checks, the end
 *
 *   fn.1 hello_masks  both HELLOs after the restarts hold exactly sockets 0, 1, 2
 *   fn.2 held_closed  each of them CLOSEd after the last HELLO, and nothing else named
 *                     a held number after it
 *   fn.3 bye          BYE came, after the last HELLO
 */
#include <cairn/cairn.h>
#include <cairn/port.h>
#include <cairn/sock.h>
#include <cairn/xport.h>

#define PORT_STALL 9003			/* the OPEN left waiting: the first RESTARTED */
#define HELD 0x7u			/* sockets 0, 1, 2: the program's UDP socket, listener, connection */
#define MAXHOLD 128

static struct cairn_port port[2];
static struct xport_queue cmd, ev;
static uint8_t *data;
static uint64_t size;

static struct sock_cmd hold[MAXHOLD];	/* RECV_BUFs held */
static unsigned nhold;
static uint32_t open_mask;		/* sockets open here */
static uint32_t no_new;			/* the last HELLO's mask: never given to a new socket */
static int filled_udp, filled_tcp, udp0 = -1, tcp0 = -1;

static void wake(void)
{
	int w = xport_wake_needed(&ev);

	w |= xport_wake_needed(&cmd);
	if (w)
		cairn_asnd_send(port[0].peer, 0);
}

static void put(struct sock_ev e)
{
	while (xport_put(&ev, &e)) {
		wake();
		if (xport_arm(&ev) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
	wake();
}

static void get(struct sock_cmd *c)
{
	while (xport_get(&cmd, c)) {
		wake();
		if (xport_arm(&cmd) == 0)
			cairn_rcv_wait(CAIRN_SLOT_RCV);
	}
}

static void done(const struct sock_cmd *c, int32_t result)
{
	put((struct sock_ev){ .kind = SOCK_DONE, .socket = c->socket, .id = c->id, .result = result });
}

/* The lowest number neither open nor held: the new socket. */
static int new_socket(void)
{
	for (unsigned n = 0; n < SOCK_MAX; n++)
		if (!((open_mask | no_new) >> n & 1)) {
			open_mask |= 1u << n;
			return (int)n;
		}
	return CAIRN_ENOBUFS;
}

/* A RECV_BUF: filled at once if it is the first of the first UDP socket or connection. */
static void recv_buf(const struct sock_cmd *c)
{
	const char *text = 0;

	if ((int)c->socket == udp0 && !filled_udp++)
		text = "datagram";
	else if ((int)c->socket == tcp0 && !filled_tcp++)
		text = "abc";
	if (!text) {
		if (nhold < MAXHOLD)
			hold[nhold++] = *c;
		return;
	}
	uint32_t len = 0;
	if (c->offset > size || c->len > size - c->offset)
		return;
	while (text[len] && len < c->len) {
		data[c->offset + len] = (uint8_t)text[len];
		len++;
	}
	put((struct sock_ev){ .kind = SOCK_DATA, .socket = c->socket, .id = c->id, .offset = c->offset, .len = len,
			      .addr = 0x0a000202, .port = 9 });
}

/* A CLOSE: the socket's held buffers back (CAIRN_EBADF), then DONE. */
static void close_sock(const struct sock_cmd *c)
{
	unsigned k = 0;

	for (unsigned i = 0; i < nhold; i++) {
		if (hold[i].socket == c->socket)
			put((struct sock_ev){ .kind = SOCK_DONE, .socket = c->socket, .id = hold[i].id,
					      .result = CAIRN_EBADF, .offset = hold[i].offset, .len = hold[i].len });
		else
			hold[k++] = hold[i];
	}
	nhold = k;
	open_mask &= ~(1u << c->socket);
	done(c, 0);
}

/* Serves commands as net does until the OPEN of PORT_STALL (1) or BYE (0). */
static int serve(uint32_t *closed, uint32_t *named_held)
{
	struct sock_cmd c;

	for (;;) {
		get(&c);
		if (c.op != SOCK_HELLO && c.op != SOCK_OPEN && c.op != SOCK_BYE && c.socket < SOCK_MAX &&
		    (no_new >> c.socket & 1)) {
			if (c.op == SOCK_CLOSE) {
				*closed |= 1u << c.socket;
				no_new &= ~(1u << c.socket);
				done(&c, 0);
				continue;
			}
			*named_held |= 1u << c.socket;
		}
		switch (c.op) {
		case SOCK_HELLO:
			open_mask = 0;
			nhold = 0;
			done(&c, 0);
			break;
		case SOCK_OPEN: {
			if (c.port == PORT_STALL)
				return 1;
			int n = new_socket();
			if (n >= 0 && c.arg == SOCK_UDP && udp0 < 0)
				udp0 = n;
			done(&c, n);
			break;
		}
		case SOCK_LISTEN:
			done(&c, 0);
			break;
		case SOCK_CONNECT:
			if (tcp0 < 0)
				tcp0 = (int)c.socket;
			done(&c, 0);
			put((struct sock_ev){ .kind = SOCK_CONNECTED, .socket = c.socket });
			break;
		case SOCK_SEND:
			put((struct sock_ev){ .kind = SOCK_DONE, .socket = c.socket, .id = c.id, .result = (int32_t)c.len,
					      .offset = c.offset, .len = c.len });
			break;
		case SOCK_RECV_BUF:
			recv_buf(&c);
			break;
		case SOCK_CLOSE:
			close_sock(&c);
			break;
		case SOCK_BYE:
			put((struct sock_ev){ .kind = SOCK_DONE, .id = c.id, .port = SOCK_BYE });
			return 0;
		default:
			done(&c, CAIRN_EINVAL);
		}
	}
}

/* RESTARTED; every command before the next HELLO dropped (counted): that HELLO's mask. */
static uint32_t restart(struct sock_cmd *hello, unsigned *dropped)
{
	put((struct sock_ev){ .kind = SOCK_RESTARTED });
	open_mask = 0;
	nhold = 0;
	for (;;) {
		get(hello);
		if (hello->op == SOCK_HELLO)
			return hello->arg;
		(*dropped)++;
	}
}

int main(const struct cairn_root *rt)
{
	const struct cairn_region *rg = cairn_region("sock0_data");
	struct sock_cmd hello;
	unsigned dropped = 0;
	uint32_t closed = 0, named_held = 0;

	(void)rt;
	if (!rg || cairn_port_open(&port[0], "sock0_cmd") < 0 || cairn_port_open(&port[1], "sock0_ev") < 0 ||
	    xport_attach(&cmd, port[0].ring, SOCK_SLOT, port[0].mask + 1, XPORT_CONSUMER) < 0 ||
	    xport_attach(&ev, port[1].ring, SOCK_SLOT, port[1].mask + 1, XPORT_PRODUCER) < 0) {
		cairn_printf("rtos_fakenet: no link\n");
		return 1;
	}
	data = (uint8_t *)rg->va;
	size = rg->size;
	int stalled = serve(&closed, &named_held);
	uint32_t m1 = stalled ? restart(&hello, &dropped) : 0;
	uint32_t m2 = stalled ? restart(&hello, &dropped) : 0;
	no_new = m2;
	if (stalled)
		done(&hello, 0);
	int bye = stalled && serve(&closed, &named_held) == 0;
	cairn_printf("rtos_fakenet: %u commands before HELLO dropped\n", dropped);
	cairn_check("fn.1", "hello_masks", stalled && m1 == HELD && m2 == HELD, "stalled %d; masks 0x%x, 0x%x", stalled,
		    m1, m2);
	cairn_check("fn.2", "held_closed", closed == HELD && named_held == 0, "closed 0x%x; other commands on them 0x%x",
		    closed, named_held);
	cairn_check("fn.3", "bye", bye, "BYE %s", bye ? "said" : "not said");
	return 0;
}
