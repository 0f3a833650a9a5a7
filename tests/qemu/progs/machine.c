/*
 * machine: what the kernel found and set up at boot, checked from outside through
 * capabilities (the checks the kernel once ran on itself). The first program, kernel
 * booted with "ktest"; its arguments say what QEMU was given and so which checks run:
 *
 *   mem=<MiB>  boot.1  memory_total: the frames of every type but reserved, counted
 *                      through the MEMORY capability, are QEMU's memory within 5%
 *              boot.2  kernel_memory_kept: low memory and the kernel image cannot be
 *                      retyped (the frame table keeps them reserved)
 *              boot.3  frame_alloc: 16 free frames retyped and mapped are distinct and
 *                      writable, and all come back to untyped
 *              boot.4  top_frame: the highest free frame (above 4 GiB when QEMU has
 *                      more than that) can be retyped, mapped, written and read
 *   timer      timer.1 calibrated: the Root's timer rate is 1 MHz .. 100 GHz
 *              timer.2 rate: 50 one-shot deadlines 1 ms apart, each an activation of
 *                      the bound timer line, take 50 ms of the time stamp counter
 *                      within 2% (run under icount: exact guest time)
 *   cores=<n>  smp.1   every_core_checks_in: the Root says n cores, and a thread placed
 *                      on each runs there (CAIRN_OP_CORE)
 *              smp.2   each_core_has_its_own_state: the kernel invariant check, which
 *                      checks every core's per-core area and APIC ID (kernel/check.c)
 */
#include <cairn/build.h>
#include <cairn/cairn.h>
#include <cairn/root.h>
#include <common/cmdline.h>

#define MEM  CAIRN_SLOT_MEMORY
#define CT   CAIRN_SLOT_CAPTBL
#define PT   CAIRN_SLOT_PGTBL
#define ME   CAIRN_SLOT_THREAD
#define IRQ  CAIRN_SLOT_IRQ
#define COMP CAIRN_SLOT_COMP
#define PAGE 4096UL
#define SCRATCH_VA 0x200000000UL	/* where frames under test are mapped */
#define KERNEL_PA  0x100000UL		/* the kernel image's first page (boot.S) */
#define MAXC 64
#define TICKS 50

static const struct cairn_root *R;
static struct cairn_alloc A = { .mem = MEM, .ct = CT, .cursor = 0, .next_slot = CAIRN_SLOT_FREE,
				.last_slot = 128 };
static unsigned my_rcv, my_snd;

/* The decimal value of key=<n> in our arguments, or 0. */
static uint64_t arg_u64(const char *key)
{
	char v[24];
	uint64_t n = 0;

	if (cmdline_get(R->args, key, v, sizeof(v)))
		for (const char *d = v; *d >= '0' && *d <= '9'; d++)
			n = n * 10 + (uint64_t)(*d - '0');
	return n;
}

static unsigned slot(void)
{
	return cairn_reserve_slots(&A) ? 0 : cairn_slot(&A);
}

/* Maps frame f (retyped USER) at va, writes a pattern and reads it back. */
static int writable(uint64_t f, uint64_t va)
{
	volatile uint64_t *w = (volatile uint64_t *)va;
	long r = cairn_pgtbl_path(&A, PT, va);

	if (!r)
		r = cairn_pgtbl_map(PT, va, MEM, f, CAIRN_MAP_WRITE);
	if (r)
		return 0;
	w[0] = f ^ 0x5a5a5a5a12345678UL;
	w[PAGE / 8 - 1] = ~f;
	return w[0] == (f ^ 0x5a5a5a5a12345678UL) && w[PAGE / 8 - 1] == ~f;
}

static void test_memory(uint64_t mib)
{
	uint64_t frames = 0, want = mib << 20;

	for (unsigned t = CAIRN_FRAME_UNTYPED; t <= CAIRN_FRAME_USER; t++) {
		long n = cairn_mem_count(MEM, t);
		frames += n > 0 ? (uint64_t)n : 0;
	}
	uint64_t have = frames * PAGE, diff = have > want ? have - want : want - have;
	cairn_check("boot.1", "memory_total", diff * 20 <= want, "%lu KiB in frames, QEMU has %lu KiB",
		    (unsigned long)(have >> 10), (unsigned long)(want >> 10));

	long low = cairn_mem_retype(MEM, 0, CAIRN_FRAME_USER);
	long kernel = cairn_mem_retype(MEM, KERNEL_PA, CAIRN_FRAME_USER);
	cairn_check("boot.2", "kernel_memory_kept", low < 0 && kernel < 0,
		    "retyping page 0 gave %ld, the kernel's first page %ld", low, kernel);
}

static void test_frames(void)
{
	uint64_t f[16];
	long path = cairn_pgtbl_path(&A, PT, SCRATCH_VA);	/* before counting: the tables stay */
	long before = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	int ok = path == 0;

	for (unsigned i = 0; i < 16; i++) {
		f[i] = cairn_frame(&A, CAIRN_FRAME_USER);
		ok &= f[i] != 0 && !(f[i] & (PAGE - 1)) && writable(f[i], SCRATCH_VA + i * PAGE);
		for (unsigned j = 0; j < i; j++)
			ok &= f[j] != f[i];
	}
	for (unsigned i = 0; i < 16; i++)
		ok &= cairn_pgtbl_unmap(PT, SCRATCH_VA + i * PAGE) == 0 && cairn_frame_put(&A, f[i]) == 0;
	long after = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	cairn_check("boot.3", "frame_alloc", ok && after == before, "a frame repeated, misplaced, not "
		    "writable or lost (%ld untyped before, %ld after)", before, after);
}

/* The highest untyped frame: mapped, written and read back, then untyped again. */
static void test_top(void)
{
	uint64_t top = 0;

	for (uint64_t pa = R->mem_end - PAGE; pa >= PAGE && !top; pa -= PAGE)
		if (cairn_mem_retype(MEM, pa, CAIRN_FRAME_USER) == 0)
			top = pa;
	int ok = top && writable(top, SCRATCH_VA + 64 * PAGE);
	ok &= top && cairn_pgtbl_unmap(PT, SCRATCH_VA + 64 * PAGE) == 0 &&
	      cairn_mem_retype(MEM, top, CAIRN_FRAME_UNTYPED) == 0;
	cairn_check("boot.4", "top_frame", ok && R->mem_end - top <= (64UL << 20),
		    "frame 0x%lx (memory ends at 0x%lx) not retyped, written and read back",
		    (unsigned long)top, (unsigned long)R->mem_end);
}

static void test_timer(void)
{
	uint64_t hz = R->timer_hz, period = R->tsc_hz / 1000;
	long fired = 0, r = cairn_irq_bind(IRQ, CAIRN_IRQ_TIMER, my_snd, 0);

	cairn_check("timer.1", "calibrated", hz >= 1000000 && hz <= 100000000000UL, "calibrated %lu Hz",
		    (unsigned long)hz);
	uint64_t start = cairn_cycles();
	for (unsigned i = 1; r == 0 && i <= TICKS; i++) {
		cairn_thread_dispatch(ME, start + i * period, 0);	/* arms the timer */
		fired += cairn_rcv_wait(my_rcv);
	}
	uint64_t took = cairn_cycles() - start, want = TICKS * period;
	cairn_irq_unbind(IRQ, CAIRN_IRQ_TIMER);
	cairn_check("timer.2", "rate", r == 0 && fired == TICKS && took * 100 >= want * 98 && took * 100 <= want * 102,
		    "bind %ld, %ld interrupts in %lu us, want %d in %d ms +-2%%", r, fired,
		    (unsigned long)(took * 1000000 / R->tsc_hz), TICKS, TICKS);
}

static volatile long seen[MAXC];
static volatile unsigned placing;	/* the core the thread being started was placed on */

/* On its core: says where it runs, then stops. */
static void check_in(cairn_word tid)
{
	(void)tid;
	seen[placing] = cairn_core() + 1;
	cairn_asnd_send(my_snd, 0);
}

/* A thread placed on core k and started there by a send; waits until it checked in. */
static long place(unsigned k)
{
	unsigned thr = slot(), rcv = slot(), snd = slot();
	long tid = cairn_captbl_act_thread(CT, thr, MEM, cairn_frame(&A, CAIRN_FRAME_KERNEL), COMP,
					   (cairn_word)check_in);
	long r = tid < 0 ? tid : cairn_thread_core(thr, k);

	if (!r)
		r = cairn_captbl_act_rcv(CT, rcv, thr, 0);
	if (!r)
		r = cairn_captbl_act_asnd(CT, snd, rcv);
	placing = k;
	if (!r)
		r = cairn_asnd_send(snd, 0);
	while (!r && !seen[k])
		cairn_rcv_wait(my_rcv);
	return r;
}

static void test_cores(uint64_t want)
{
	unsigned n = R->cores < MAXC ? (unsigned)R->cores : MAXC, bad = 0;
	long r = 0;

	seen[0] = cairn_core() + 1;
	for (unsigned k = 1; r == 0 && k < n; k++)
		r = place(k);
	for (unsigned k = 0; k < n; k++)
		bad += seen[k] != (long)k + 1;
	cairn_check("smp.1", "every_core_checks_in", r == 0 && R->cores == want && bad == 0,
		    "the Root says %lu cores, QEMU has %lu; %u did not run their thread (error %ld)",
		    (unsigned long)R->cores, (unsigned long)want, bad, r);
	long problems = cairn_kcheck();
	cairn_check("smp.2", "each_core_has_its_own_state", problems == 0, "kcheck: %ld problems", problems);
}

int main(const struct cairn_root *rt)
{
	R = rt;
	A.end = rt->mem_end;
	my_rcv = slot();
	my_snd = slot();
	long r = cairn_captbl_act_rcv(CT, my_rcv, ME, 0) | cairn_captbl_act_asnd(CT, my_snd, my_rcv);
	uint64_t mib = arg_u64("mem"), cores = arg_u64("cores");

	if (r)
		cairn_printf("machine: no endpoint (%ld)\n", r);
	if (mib) {
		test_memory(mib);
		test_frames();
		test_top();
	}
	if (cmdline_get(R->args, "timer", NULL, 0))
		test_timer();
	if (cores)
		test_cores(cores);
	return 0;
}
