/* kread: loads from the kernel image; the kernel must report #PF and stop it. */
#include <cairn/cairn.h>

int main(const void *root)
{
	(void)root;
	cairn_printf("kread: reading kernel memory\n");
	return (int)*(volatile const uint64_t *)0xffffffff80100000ULL;
}
