/*
 * msi: MSI lines (docs/syscalls.md, "Operations on IRQ"), from the first program,
 * which holds every line, every port ("ioport" on its line) and all device memory.
 * QEMU gives it an edu device (1234:11e8: BAR0 registers, 0x24 interrupt status, 0x60
 * raise, 0x64 acknowledge; an MSI capability, one vector). It programs the edu's MSI
 * capability itself with the message IRQ_BIND returned, and raises interrupts.
 *
 *   msi.1  IRQ_BIND and IRQ_UNBIND of lines 16 and up: every error (QEMU's I/O APIC has
 *          pins 16..23: 16 binds, 31 is ENOTSUP)
 *   msi.2  IRQ_NARROW to MSI lines only; binding through the copy
 *   msi.3  the message of an MSI line: the local APICs' address with the bound core's
 *          APIC ID (0 for core 0 under QEMU), the line's vector (0x20 + line)
 *   msi.4  the edu raises ROUNDS interrupts; each wakes the bound thread once, the
 *          status reads what was raised, acknowledged
 *   msi.5  an MSI that arrives unbound is dropped: rebound, the next wait counts one
 *          activation only; the invariant check passes
 *   msi.6  (two cores) a helper on core 1 bound: the message names APIC 1, the
 *          interrupt wakes it there; moved to core 0 (THREAD_CORE) without a new
 *          bind, the interrupt still comes to core 1 and reaches it on core 0
 *   intx.1 before MSI is enabled, the edu's INTx pin (pci_intx_route: pc, its ISA line
 *          10 or 11; q35, a pin 20..23), bound level-triggered: a raise wakes once;
 *          acknowledged (IRQ_ACK) while the device still asserts it, it fires again,
 *          once (masked again, no storm); quietened and acknowledged, the next raise
 *          wakes once
 *   intx.2 IRQ_ACK and IRQ_BIND's mode: every error
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/pci.h>
#include <cairn/root.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define PT   CAIRN_SLOT_PGTBL
#define DEV  CAIRN_SLOT_DEVMEM
#define ME   CAIRN_SLOT_THREAD
#define IRQ  CAIRN_SLOT_IRQ

#define VA        0x200000000UL		/* the edu's first page */
#define PAGE      4096UL
#define EDU_STATUS 0x24
#define EDU_RAISE  0x60
#define EDU_ACK    0x64
#define LINE      40			/* an MSI line */
#define LINE2     50			/* another, for the helper */
#define ROUNDS    5

#define CHECK(id, name, cond, ...) cairn_check(id, name, (cond), __VA_ARGS__)

static const struct cairn_root *R;
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 32UL << 20, .end = 0,
				.next_slot = CAIRN_SLOT_FREE, .last_slot = 128 };
static struct pci_cfg cfg;
static struct pci_ports ports;
static unsigned my_rcv, my_snd;
static unsigned edu_bdf, edu_msi;	/* the edu's address and MSI capability; 0: none */
static volatile uint32_t *edu;

static unsigned slot(void)
{
	return cairn_reserve_slots(&A) ? 0 : cairn_slot(&A);
}

/* ---- msi.1, msi.2, msi.3: the operations ---- */

static void test_errors(void)
{
	long b16 = cairn_irq_bind(IRQ, 16, my_snd, 0), u16b = cairn_irq_unbind(IRQ, 16);
	long b31 = cairn_irq_bind(IRQ, 31, my_snd, 0);
	long b64 = cairn_irq_bind(IRQ, 64, my_snd, 0), b99 = cairn_irq_bind(IRQ, 1000, my_snd, 0);
	long u16 = cairn_irq_unbind(IRQ, 23), u64 = cairn_irq_unbind(IRQ, 64);
	long u32 = cairn_irq_unbind(IRQ, 32);				/* not bound */
	long bs = cairn_irq_bind(IRQ, 33, ME, 0);				/* not a send */
	long b = cairn_irq_bind(IRQ, 63, my_snd, 0), busy = cairn_irq_bind(IRQ, 63, my_snd, 0);
	long u = cairn_irq_unbind(IRQ, 63), again = cairn_irq_unbind(IRQ, 63);
	CHECK("msi.1", "line_errors", b16 == 0 && u16b == 0 && b31 == CAIRN_ENOTSUP && b64 == CAIRN_ERANGE &&
	      b99 == CAIRN_ERANGE && u16 == CAIRN_ENOENT && u64 == CAIRN_ERANGE && u32 == CAIRN_ENOENT &&
	      bs == CAIRN_EBADF && b > 0 && busy == CAIRN_EBUSY && u == 0 && again == CAIRN_ENOENT,
	      "bind 16 %ld (unbind %ld) 31 %ld 64 %ld 1000 %ld; unbind 23 %ld 64 %ld 32 %ld; not a send %ld; "
	      "63 %lx busy %ld unbind %ld again %ld", b16, u16b, b31, b64, b99, u16, u64, u32, bs, b, busy, u, again);

	unsigned msi = slot(), one = slot(), wide = slot();
	uint64_t lines = 1ull << 32 | 1ull << 63;
	long n = cairn_irq_narrow(IRQ, msi, lines);
	long n1 = cairn_irq_narrow(msi, one, 1ull << 63);
	long nw = cairn_irq_narrow(msi, wide, lines | 1ull << 4);	/* wider */
	long nr = cairn_irq_narrow(msi, wide, 1ull << 16);		/* a line it lacks */
	long e4 = cairn_irq_bind(msi, 4, my_snd, 0), e62 = cairn_irq_bind(msi, 62, my_snd, 0);
	long e32 = cairn_irq_bind(one, 32, my_snd, 0), e16 = cairn_irq_bind(msi, 16, my_snd, 0);
	long b63 = cairn_irq_bind(one, 63, my_snd, 0), b63b = cairn_irq_bind(msi, 63, my_snd, 0);
	long un = cairn_irq_unbind(IRQ, 63), u62 = cairn_irq_unbind(msi, 62);
	CHECK("msi.2", "narrow_to_msi_lines", n == 0 && n1 == 0 && nw == CAIRN_EINVAL && nr == CAIRN_EINVAL &&
	      e4 == CAIRN_EACCES && e62 == CAIRN_EACCES && e32 == CAIRN_EACCES && e16 == CAIRN_EACCES &&
	      b63 > 0 && b63b == CAIRN_EBUSY && un == 0 && u62 == CAIRN_EACCES,
	      "narrow %ld %ld wider %ld %ld; bind 4 %ld 62 %ld 32 %ld 16 %ld; 63 %lx %ld; unbind %ld %ld",
	      n, n1, nw, nr, e4, e62, e32, e16, b63, b63b, un, u62);
	cairn_captbl_remove(CT, msi);
	cairn_captbl_remove(CT, one);

	long m32 = cairn_irq_bind(IRQ, 32, my_snd, 0), m63 = cairn_irq_bind(IRQ, 63, my_snd, 0);
	long isa = cairn_irq_bind(IRQ, 5, my_snd, 0);	/* an ISA line: 0, no message */
	cairn_irq_unbind(IRQ, 32);
	cairn_irq_unbind(IRQ, 63);
	cairn_irq_unbind(IRQ, 5);
	CHECK("msi.3", "message", CAIRN_MSI_ADDR(m32) == 0xfee00000u && CAIRN_MSI_DATA(m32) == 0x40 &&
	      CAIRN_MSI_ADDR(m63) == 0xfee00000u && CAIRN_MSI_DATA(m63) == 0x5f && isa == 0,
	      "line 32 %lx, 63 %lx, 5 %ld", m32, m63, isa);
}

/* ---- the edu ---- */

static long find_edu(void)
{
	static struct pci_func funcs[64];
	struct pci_bar bars[PCI_BARS];
	unsigned n = pci_enumerate(&cfg, funcs, 64), s = slot();

	for (unsigned i = 0; i < n && i < 64; i++)
		if (funcs[i].vendor == 0x1234 && funcs[i].device == 0x11e8)
			edu_bdf = funcs[i].bdf;
	if (!edu_bdf || pci_bars(&cfg, edu_bdf, bars) < 0 || bars[0].kind != PCI_BAR_MEM32)
		return CAIRN_ENOENT;
	edu_msi = pci_cap_find(&cfg, edu_bdf, PCI_CAP_MSI);
	long r = cairn_devmem_derive(DEV, s, bars[0].base, bars[0].base + PAGE);
	if (!r)
		r = cairn_pgtbl_path(&A, PT, VA);
	if (!r)
		r = cairn_pgtbl_map(PT, VA, s, bars[0].base, CAIRN_MAP_WRITE);
	pci_write16(&cfg, edu_bdf, PCI_COMMAND,
		    pci_read16(&cfg, edu_bdf, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	edu = (volatile uint32_t *)VA;
	return r ? r : edu_msi ? 0 : CAIRN_ENOTSUP;
}

static void edu_program(long msg)
{
	pci_msi_enable(&cfg, edu_bdf, edu_msi, CAIRN_MSI_ADDR(msg), CAIRN_MSI_DATA(msg));
}

/* ---- intx.1, intx.2: the INTx pin, IRQ_ACK ---- */

static void test_intx(long found)
{
	struct pci_func f;
	unsigned mode = 0;
	long line = found == 0 && pci_read_func(&cfg, edu_bdf, &f) == 0 ? pci_intx_route(&cfg, &f, &mode) : CAIRN_ENOENT;
	long b = line > 0 ? cairn_irq_bind(IRQ, (unsigned)line, my_snd, mode) : line;
	long w1 = -1, w2 = -1, w3 = -1, a1 = -1, a2 = -1, a3 = -1, k = -1;

	if (b == 0) {
		edu[EDU_RAISE / 4] = 1;
		w1 = cairn_rcv_wait(my_rcv);
		k = cairn_kcheck();			/* time passes; the device still asserts */
		a1 = cairn_irq_ack(IRQ, (unsigned)line);	/* so it fires again at once */
		w2 = cairn_rcv_wait(my_rcv);
		edu[EDU_ACK / 4] = 1;
		a2 = cairn_irq_ack(IRQ, (unsigned)line);
		edu[EDU_RAISE / 4] = 2;
		w3 = cairn_rcv_wait(my_rcv);
		edu[EDU_ACK / 4] = 2;
		a3 = cairn_irq_ack(IRQ, (unsigned)line);
		cairn_irq_unbind(IRQ, (unsigned)line);
	}
	int where = R->ecam.base ? line >= 20 && line <= 23 : line == 10 || line == 11;
	CHECK("intx.1", "level_line_masked_until_ack", where && mode == CAIRN_IRQ_LEVEL && b == 0 && w1 == 1 &&
	      k == 0 && a1 == 0 && w2 == 1 && a2 == 0 && w3 == 1 && a3 == 0,
	      "line %ld mode %u bind %ld; wakes %ld %ld %ld, acks %ld %ld %ld, kcheck %ld",
	      line, mode, b, w1, w2, w3, a1, a2, a3, k);

	unsigned one = slot();
	long m4 = cairn_irq_bind(IRQ, 5, my_snd, CAIRN_IRQ_MODES + 1), m0 = cairn_irq_bind(IRQ, 0, my_snd, CAIRN_IRQ_LEVEL);
	long m40 = cairn_irq_bind(IRQ, LINE, my_snd, CAIRN_IRQ_LEVEL);
	long unb = cairn_irq_ack(IRQ, 5), rng = cairn_irq_ack(IRQ, 64), casc = cairn_irq_ack(IRQ, 2);
	long nopin = cairn_irq_ack(IRQ, 31);
	long be = cairn_irq_bind(IRQ, 5, my_snd, 0), edge = cairn_irq_ack(IRQ, 5);
	cairn_irq_unbind(IRQ, 5);
	long bm = cairn_irq_bind(IRQ, LINE, my_snd, 0), msi = cairn_irq_ack(IRQ, LINE);
	cairn_irq_unbind(IRQ, LINE);
	long bl = cairn_irq_bind(IRQ, 5, my_snd, CAIRN_IRQ_LEVEL | CAIRN_IRQ_ACTIVE_LOW);
	long n = cairn_irq_narrow(IRQ, one, 1ull << LINE), other = cairn_irq_ack(one, 5);
	long ok = cairn_irq_ack(IRQ, 5), twice = cairn_irq_ack(IRQ, 5);
	cairn_irq_unbind(IRQ, 5);
	cairn_captbl_remove(CT, one);
	CHECK("intx.2", "ack_and_mode_errors", m4 == CAIRN_EINVAL && m0 == CAIRN_EINVAL && m40 == CAIRN_EINVAL &&
	      unb == CAIRN_ENOENT && rng == CAIRN_ERANGE && casc == CAIRN_ENOTSUP && nopin == CAIRN_ENOTSUP &&
	      be == 0 && edge == CAIRN_EINVAL && bm > 0 && msi == CAIRN_EINVAL && bl == 0 && n == 0 &&
	      other == CAIRN_EACCES && ok == 0 && twice == 0,
	      "mode 4 %ld timer %ld msi %ld; ack unbound %ld 64 %ld 2 %ld 31 %ld edge %ld (%ld) msi %ld (%lx) "
	      "level-low %ld narrow %ld other's %ld ok %ld twice %ld",
	      m4, m0, m40, unb, rng, casc, nopin, edge, be, msi, bm, bl, n, other, ok, twice);
}

static void test_edu(long r)
{
	long msg = r ? r : cairn_irq_bind(IRQ, LINE, my_snd, 0);
	long woken = 0, seen = 0;

	if (msg > 0)
		edu_program(msg);
	for (unsigned i = 0; msg > 0 && i < ROUNDS; i++) {
		uint32_t v = 1u << i;
		edu[EDU_RAISE / 4] = v;
		woken += cairn_rcv_wait(my_rcv);
		seen += edu[EDU_STATUS / 4] == v;
		edu[EDU_ACK / 4] = v;
	}
	CHECK("msi.4", "edu_interrupts_wake", msg > 0 && woken == ROUNDS && seen == ROUNDS,
	      "edu %02x:%02x.%u msi at %#x, bind %lx, %ld activations, %ld statuses of %u",
	      PCI_BUS(edu_bdf), PCI_DEV(edu_bdf), PCI_FN(edu_bdf), edu_msi, msg, woken, seen, ROUNDS);

	/* Unbound, the vector still comes (the edu is programmed): dropped. */
	long u = cairn_irq_unbind(IRQ, LINE);
	edu[EDU_RAISE / 4] = 0x100;
	uint32_t st = edu[EDU_STATUS / 4];	/* the write was done: the message was sent */
	edu[EDU_ACK / 4] = 0x100;
	long k = cairn_kcheck();
	long again = cairn_irq_bind(IRQ, LINE, my_snd, 0);
	edu[EDU_RAISE / 4] = 0x200;
	long n = cairn_rcv_wait(my_rcv);
	edu[EDU_ACK / 4] = 0x200;
	CHECK("msi.5", "unbound_msi_dropped", msg > 0 && u == 0 && st == 0x100 && k == 0 && again == msg && n == 1,
	      "unbind %ld status %#x kcheck %ld rebind %lx activations %ld", u, st, k, again, n);
	cairn_irq_unbind(IRQ, LINE);
}

/* ---- msi.6: a bound thread moved to another core ---- */

static struct cairn_core_thread helper;
static volatile long helper_hits, helper_core[3] = { -1, -1, -1 }, helper_started;

static void waiter(cairn_word tid)
{
	(void)tid;
	cairn_rcv_wait(helper.rcv);	/* the send that started it */
	__atomic_store_n(&helper_started, 1, __ATOMIC_RELEASE);
	cairn_asnd_send(my_snd, 0);
	for (;;) {
		cairn_rcv_wait(helper.rcv);
		long h = helper_hits;
		if (h < 3)
			helper_core[h] = cairn_core();
		__atomic_store_n(&helper_hits, h + 1, __ATOMIC_RELEASE);
		cairn_asnd_send(my_snd, 0);
	}
}

static void wait_for(volatile long *counter, long n)
{
	while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) < n)
		cairn_rcv_wait(my_rcv);
}

static void test_moved(void)
{
	long r = edu ? cairn_core_thread(&A, 1, waiter, &helper) : CAIRN_ENOENT;
	if (!r)
		wait_for(&helper_started, 1);
	long msg = r ? r : cairn_irq_bind(IRQ, LINE2, helper.wake, 0);
	if (msg > 0)
		edu_program(msg);
	if (msg > 0) {
		edu[EDU_RAISE / 4] = 1;
		wait_for(&helper_hits, 1);
		edu[EDU_ACK / 4] = 1;
	}
	long mv = CAIRN_EBUSY;	/* until it waits again, it may still run there */
	for (long i = 0; msg > 0 && mv == CAIRN_EBUSY && i < 1000000; i++)
		mv = cairn_thread_core(helper.thread, 0);
	if (mv == 0) {
		edu[EDU_RAISE / 4] = 2;
		wait_for(&helper_hits, 2);
		edu[EDU_ACK / 4] = 2;
	}
	long k = cairn_kcheck();
	CHECK("msi.6", "moved_thread_still_interrupted", msg > 0 && CAIRN_MSI_ADDR(msg) == 0xfee01000u &&
	      helper_core[0] == 1 && mv == 0 && helper_core[1] == 0 && helper_hits == 2 && k == 0,
	      "bind %lx, woken on core %ld, move %ld, then woken on core %ld, %ld wakes, kcheck %ld",
	      msg, helper_core[0], mv, helper_core[1], helper_hits, k);
}

int main(const void *root)
{
	R = root;
	A.end = R->mem_end;
	my_rcv = slot();
	my_snd = slot();
	long r = cairn_captbl_act_rcv(CT, my_rcv, ME, 0);
	if (!r)
		r = cairn_captbl_act_asnd(CT, my_snd, my_rcv);
	if (r)
		cairn_printf("msi: setup failed: %ld\n", r);
	pci_cfg_ports(&cfg, &ports, CAIRN_SLOT_IOPORT);
	test_errors();
	long found = find_edu();
	test_intx(found);
	test_edu(found);
	if (R->cores > 1)
		test_moved();
	return 0;
}
