/* divzero: divides by zero; the kernel must report #DE and stop this program only. */
#include <cairn/cairn.h>

int main(const void *root)
{
	volatile int zero = 0;

	(void)root;
	cairn_printf("divzero: dividing by zero\n");
	return 10 / zero;
}
