/* priv: executes a privileged instruction (hlt); the kernel must report #GP. */
#include <cairn/cairn.h>

int main(const void *root)
{
	(void)root;
	cairn_printf("priv: executing hlt in ring 3\n");
	__asm__ volatile("hlt");
	return 0;
}
