/*
 * preempt_regs: spins for many time slices of the root booter's scheduler (2 ms each)
 * with every callee-saved register and xmm6 holding a known value, and checks that
 * each still holds it afterwards: a thread preempted by the timer must resume with all
 * of its registers. Two copies run at one priority, so a preemption switches between
 * them as well as to the booter.
 */
#include <cairn/cairn.h>

#define SPIN_MS 40

/*
 * Loads rbx, rbp, r12..r15 and xmm6 with values derived from seed, spins until the
 * time stamp counter reaches `until`, and returns a bit per register that changed
 * (bit 6: xmm6). All in one asm statement, so the compiler keeps nothing there.
 */
static uint64_t spin(uint64_t seed, uint64_t until)
{
	uint64_t bad, saved_rbp;

	__asm__ volatile(
		"mov %%rbp, %[save]\n\t"	/* no push: the compiler may use the red zone */
		"mov %[s], %%rbx\n\t"
		"lea 1(%[s]), %%rbp\n\t"
		"lea 2(%[s]), %%r12\n\t"
		"lea 3(%[s]), %%r13\n\t"
		"lea 4(%[s]), %%r14\n\t"
		"lea 5(%[s]), %%r15\n\t"
		"movq %[s], %%xmm6\n\t"
		"mov %[u], %%r8\n"
		"1:\n\t"
		"rdtsc\n\t"
		"shl $32, %%rdx\n\t"
		"or %%rdx, %%rax\n\t"
		"cmp %%r8, %%rax\n\t"
		"jb 1b\n\t"
		"xor %[b], %[b]\n\t"
		"cmp %[s], %%rbx\n\t"    "setne %%al\n\t" "movzbl %%al, %%eax\n\t" "or %%rax, %[b]\n\t"
		"lea 1(%[s]), %%rdx\n\t" "cmp %%rdx, %%rbp\n\t" "setne %%al\n\t" "movzbl %%al, %%eax\n\t" "shl $1, %%eax\n\t" "or %%rax, %[b]\n\t"
		"lea 2(%[s]), %%rdx\n\t" "cmp %%rdx, %%r12\n\t" "setne %%al\n\t" "movzbl %%al, %%eax\n\t" "shl $2, %%eax\n\t" "or %%rax, %[b]\n\t"
		"lea 3(%[s]), %%rdx\n\t" "cmp %%rdx, %%r13\n\t" "setne %%al\n\t" "movzbl %%al, %%eax\n\t" "shl $3, %%eax\n\t" "or %%rax, %[b]\n\t"
		"lea 4(%[s]), %%rdx\n\t" "cmp %%rdx, %%r14\n\t" "setne %%al\n\t" "movzbl %%al, %%eax\n\t" "shl $4, %%eax\n\t" "or %%rax, %[b]\n\t"
		"lea 5(%[s]), %%rdx\n\t" "cmp %%rdx, %%r15\n\t" "setne %%al\n\t" "movzbl %%al, %%eax\n\t" "shl $5, %%eax\n\t" "or %%rax, %[b]\n\t"
		"movq %%xmm6, %%rdx\n\t" "cmp %[s], %%rdx\n\t" "setne %%al\n\t" "movzbl %%al, %%eax\n\t" "shl $6, %%eax\n\t" "or %%rax, %[b]\n\t"
		"mov %[save], %%rbp\n\t"
		: [b] "=&c"(bad), [save] "=m"(saved_rbp)
		: [s] "S"(seed), [u] "D"(until)
		: "rax", "rdx", "rbx", "r8", "r12", "r13", "r14", "r15", "xmm6", "cc", "memory");
	return bad;
}

int main(const struct cairn_root *rt)
{
	uint64_t seed = 0x5eed0000UL + (rt->comp_id << 8);
	uint64_t start = cairn_cycles();
	uint64_t bad = spin(seed, start + rt->tsc_hz / 1000 * SPIN_MS);
	char id[32] = "preempt.";

	memcpy(id + 8, rt->name + strlen(rt->name) - 1, 2);	/* preempt.<last letter> */
	cairn_check(id, "registers_survive_preemption", bad == 0,
		    "after %d ms of spinning these changed (bit 0 rbx, 1 rbp, 2..5 r12..r15, 6 xmm6): 0x%lx",
		    SPIN_MS, bad);
	return 0;
}
