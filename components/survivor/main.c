/*
 * survivor: the last program of the default system. That it runs at all shows the
 * kernel contained the crasher's fault.
 */
#include <cairn/cairn.h>

int main(const void *root)
{
	(void)root;
	cairn_printf("survivor: the crasher was stopped; the kernel and this program run on\n");
	return 0;
}
