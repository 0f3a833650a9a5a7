/*
 * crasher: a program of the default system that tries to read kernel memory. The CPU
 * stops it with a page fault; the kernel reports the fault, stops this program alone
 * and carries on with the next one.
 */
#include <cairn/cairn.h>

int main(const void *root)
{
	(void)root;
	volatile const uint64_t *kernel = (const uint64_t *)0xffffffff80100000ULL;

	cairn_printf("crasher: reading kernel memory at %p...\n", (const void *)kernel);
	cairn_printf("crasher: read %lx: isolation is broken!\n", (unsigned long)*kernel);
	return 1;
}
