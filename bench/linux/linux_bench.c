/*
 * linux_bench.c: the measuring program of the Linux guest that runs beside Cairn's
 * benchmarks (tools/linux_guest.py builds it with the host's gcc -static; its /init
 * runs it; docs/performance.md, "Linux beside Cairn", says why it measures as it does).
 *
 * It measures as Cairn's benchmarks do (include/cairn/bench.h): under QEMU's -icount
 * shift=0 the time stamp counter advances by one per guest instruction, so an rdtsc
 * delta is an instruction count; 20 warm-up rounds, 201 samples of one operation each,
 * the counter's own cost subtracted, the median and the minimum printed as
 *
 *   BENCH <name> median=<n> min=<n> unit=instructions per=<what>
 *
 *   linux_null_syscall   getppid through the bare syscall instruction, per call
 *   linux_blk_read_4k    one 4 KiB pread of /dev/vda opened O_DIRECT, per read, with
 *                        the instructions of the idle soaker (below) taken out
 *
 * Then it leaves QEMU through isa-debug-exit (port 0xf4): 0x10 when every benchmark
 * ran and checked its result, 0x12 otherwise (QEMU exits with 0x21 or 0x25).
 * `linux_bench --exit N` only writes N there (the /init script's failure path).
 *
 * Idle: a read blocks until QEMU completes it from its main loop, at a point in the
 * guest's instruction stream that depends on host timing. A guest that halted in the
 * meantime would have its clock jumped to the next timer deadline (-icount sleep=off),
 * and one that polled would count host time as instructions. So a soaker thread at
 * SCHED_IDLE runs instead of the idle loop: it spins reading the counter and adds up
 * the stretches it ran (gaps below SOAK_GAP: longer ones are others' time), and each
 * sample subtracts what the soaker added during it. What remains is the request's own
 * instructions, the two switches to and from the soaker included (as a switch to the
 * idle task would be), give or take one soaker iteration (about 10 instructions). A
 * read the soaker did not run during completed before the reader slept (host timing
 * again): it took a shorter path, and is left out and counted; so is a read that a
 * timer tick fell in (the vDSO's coarse clock moved), whose handler is not the read's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES    201	/* odd: the median is one sample (as BENCH_SAMPLES) */
#define WARMUP     20	/* as BENCH_WARMUP */
#define BLOCK      4096
#define DISK       "/dev/vda"
#define SOAK_GAP   400	/* a soaker iteration is ~10 instructions; any gap above this was
			   someone else's (an interrupt entry alone is more) */
#define MAX_READS  (8 * (WARMUP + SAMPLES))	/* reads tried for SAMPLES that blocked */
#define EXIT_PORT  0xf4	/* isa-debug-exit, as tools/qemu.py's DEBUG_EXIT */
#define EXIT_DONE  0x10	/* QEMU exits (0x10 << 1) | 1: tools/qemu.py's EXIT_DONE */
#define EXIT_FAIL  0x12

/* The time stamp counter, read as cairn_cycles reads it (include/cairn/cairn.h). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* The counter's own cost: the least delta of two back-to-back reads. */
static uint64_t overhead(void)
{
	uint64_t best = ~0ULL;

	for (int i = 0; i < 64; i++) {
		uint64_t t0 = rdtsc();
		uint64_t t1 = rdtsc();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *samples, const char *per)
{
	qsort(samples, SAMPLES, sizeof samples[0], cmp_u64);
	if (getenv("DUMP")) for (int i = 0; i < SAMPLES; i++) printf("%lu%c", (unsigned long)samples[i], i % 10 == 9 ? 10 : 32);
	printf("BENCH %s median=%lu min=%lu unit=instructions per=%s\n", name,
	       (unsigned long)samples[SAMPLES / 2], (unsigned long)samples[0], per);
	fflush(stdout);
}

static __attribute__((noreturn)) void leave(int code)
{
	fflush(stdout);
	if (ioperm(EXIT_PORT, 4, 1) == 0)
		outb(code, EXIT_PORT);
	fprintf(stderr, "linux_bench: isa-debug-exit at 0x%x: %s\n", EXIT_PORT, strerror(errno));
	exit(code == EXIT_DONE ? 0 : 1);
}

/* getppid with nothing around the syscall instruction (no libc wrapper). */
static inline long null_syscall(void)
{
	long rax = SYS_getppid;

	__asm__ volatile("syscall" : "+a"(rax) :: "rcx", "r11", "memory");
	return rax;
}

static int bench_syscall(void)
{
	static uint64_t samples[SAMPLES];
	uint64_t over = overhead();
	long want = getppid();

	for (int i = -WARMUP; i < SAMPLES; i++) {
		uint64_t t0 = rdtsc();
		long r = null_syscall();
		uint64_t t1 = rdtsc();
		if (r != want) {
			printf("linux_bench: getppid returned %ld, want %ld\n", r, want);
			return 1;
		}
		if (i >= 0)
			samples[i] = t1 - t0 - over;
	}
	report("linux_null_syscall", samples, "call");
	return 0;
}

/* What the soaker has run so far, in instructions; only the soaker writes it. */
static volatile uint64_t soaked;

static void *soak(void *arg)
{
	struct sched_param none = { 0 };
	uint64_t total = 0, last;

	(void)arg;
	if (sched_setscheduler(0, SCHED_IDLE, &none) != 0) {
		perror("linux_bench: soaker: SCHED_IDLE");
		leave(EXIT_FAIL);
	}
	last = rdtsc();
	for (;;) {
		uint64_t t = rdtsc();
		if (t - last < SOAK_GAP) {
			total += t - last;
			soaked = total;
		}
		last = t;
	}
	return NULL;
}

/* The time as of the last timer tick (the vDSO's coarse clock: no system call). */
static uint64_t last_tick(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Fills buf with a byte the disk never returns, reads block n, checks it is zeroes.
 * *insns: the read's instructions less the soaker's; *soak: the soaker's; *ticked: a
 * timer tick fell in the read.
 */
static int read_block(int fd, unsigned char *buf, uint64_t n, uint64_t *insns, uint64_t *soak,
		      int *ticked)
{
	memset(buf, 0xa5, BLOCK);
	uint64_t c0 = last_tick();
	uint64_t s0 = soaked;
	uint64_t t0 = rdtsc();
	ssize_t r = pread(fd, buf, BLOCK, (off_t)(n * BLOCK));
	uint64_t t1 = rdtsc();
	uint64_t s1 = soaked;
	*ticked = last_tick() != c0;
	if (r != BLOCK) {
		printf("linux_bench: pread of block %lu returned %zd (%s)\n", (unsigned long)n, r,
		       r < 0 ? strerror(errno) : "short");
		return 1;
	}
	for (int i = 0; i < BLOCK; i++)
		if (buf[i] != 0) {
			printf("linux_bench: block %lu byte %d is 0x%02x, want 0 (read-zeroes)\n",
			       (unsigned long)n, i, buf[i]);
			return 1;
		}
	*soak = s1 - s0;
	*insns = (t1 - t0) - *soak;
	return 0;
}

/*
 * 201 reads that blocked (the soaker ran while the reader slept) and that no timer
 * tick fell in. A read whose completion QEMU's main loop delivered before the reader
 * went to sleep took the shorter path because of host timing; a tick (every 4 million
 * instructions at HZ=250) often falls in the long spin of the soaker and adds its
 * handler. Both are left out and counted.
 */
static int bench_blk(void)
{
	static uint64_t samples[SAMPLES];
	uint64_t over = overhead(), bytes = 0, soak_total = 0, blocks;
	unsigned early = 0, ticked = 0, n = 0;
	unsigned char *buf;
	pthread_t soaker;

	int fd = open(DISK, O_RDONLY | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &bytes) != 0 || bytes < BLOCK) {
		printf("linux_bench: %s: %s (size %lu)\n", DISK, strerror(errno), (unsigned long)bytes);
		return 1;
	}
	blocks = bytes / BLOCK;
	if (posix_memalign((void **)&buf, BLOCK, BLOCK) != 0 ||
	    pthread_create(&soaker, NULL, soak, NULL) != 0) {
		printf("linux_bench: no buffer or soaker thread\n");
		return 1;
	}
	sched_yield();		/* let the soaker start spinning */
	for (int i = -WARMUP; i < SAMPLES; n++) {
		uint64_t insns, soak;
		int tick;
		if (n >= MAX_READS) {
			printf("linux_bench: only %d of %u reads measured (%u completed first, %u ticked)\n",
			       i, n, early, ticked);
			return 1;
		}
		if (read_block(fd, buf, n % blocks, &insns, &soak, &tick))
			return 1;
		if (soak == 0 || tick) {
			early += i >= 0 && soak == 0;
			ticked += i >= 0 && soak != 0;
			continue;
		}
		if (i >= 0) {
			samples[i] = insns - over;
			soak_total += soak;
		}
		i++;
	}
	printf("linux_bench: reads: %u measured; left out: %u completed before the reader slept, "
	       "%u had a timer tick; the soaker absorbed %lu instructions a read\n", SAMPLES, early,
	       ticked, (unsigned long)(soak_total / SAMPLES));
	report("linux_blk_read_4k", samples, "read");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--exit") == 0)
		leave(atoi(argv[2]));
	/* The counter started at 0 at reset: under -icount this is the boot's length in
	   virtual nanoseconds (instructions, plus the jumps of the clock while idle). */
	printf("linux_bench: started %lu virtual ns after reset\n", (unsigned long)rdtsc());
	int bad = bench_syscall();
	bad |= bench_blk();
	leave(bad ? EXIT_FAIL : EXIT_DONE);
}
