/* badjump: jumps to an unmapped address; the kernel must report #PF at that rip. */
#include <cairn/cairn.h>

int main(const void *root)
{
	void (*nowhere)(void) = (void (*)(void))0x7000000000ULL;

	(void)root;
	cairn_printf("badjump: jumping to %p\n", (void *)nowhere);
	nowhere();
	return 0;
}
