/*
 * exhaust: takes every free frame, then gives some back, so that the test runner runs
 * out of memory building the next programs. Run it first (it needs CAIRN_SLOT_MEMORY),
 * with itself again after it and a small program after that (tests.toml, boot_oom):
 * the runner must refuse the second copy and build nothing of it, and start the small
 * one. What it gives back is its own image's pages less half its BALLAST: less than a
 * copy of itself needs, more than a program without the ballast needs (the rest of
 * what a program takes, stack, Root page, objects and tables, is a few dozen frames).
 */
#include <cairn/cairn.h>
#include <cairn/root.h>

#define MEM      CAIRN_SLOT_MEMORY
#define PAGE     4096UL
#define BALLAST  128	/* pages of bss: what makes this image bigger than the next one */
#define GIVE_MAX 1024

__attribute__((used)) static char ballast[BALLAST * PAGE];
static uint64_t last[GIVE_MAX];	/* the last frames taken (the highest), round robin */
extern char _start[], _end[];

int main(const struct cairn_root *rt)
{
	unsigned long give = ((uint64_t)_end - ((uint64_t)_start & ~(PAGE - 1)) + PAGE - 1) / PAGE - BALLAST / 2;
	unsigned long taken = 0, given = 0;

	if (cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED) < 0) {	/* not first: started without room */
		cairn_check("oom.3", "never_started", 0, "started with %p of bss", (void *)ballast);
		return 1;
	}
	long before = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	for (uint64_t pa = 0; pa < rt->mem_end; pa += PAGE)
		if (cairn_mem_retype(MEM, pa, CAIRN_FRAME_USER) == 0)
			last[taken++ % give] = pa;
	long none = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	for (unsigned i = 0; i < give && i < taken; i++)
		given += cairn_mem_retype(MEM, last[i], CAIRN_FRAME_UNTYPED) == 0;
	long left = cairn_mem_count(MEM, CAIRN_FRAME_UNTYPED);
	cairn_report("oom.1", "every_frame_taken", give <= GIVE_MAX && before > (long)give && (long)taken == before &&
		     none == 0 && given == give && left == (long)give,
		     "%ld free, %lu taken, %ld left; %lu given back, %ld free", before, taken, none, given, left);
	return 0;
}
