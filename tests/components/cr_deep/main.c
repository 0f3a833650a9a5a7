/*
 * cr_deep: crashes on purpose two calls deep, with no keeper (tests/tools/test_crash.py).
 * Its crash report, symbolised by tools/crash.py, must name it, cr_fall and the line
 * marked FAULT below, and the callers' lines marked CALL.
 */
#include <cairn/cairn.h>

/* noipa: neither inlined nor turned into a tail call, so each is a frame of its own */
__attribute__((noipa)) static void cr_fall(volatile int *p)
{
	*p = 42;	/* FAULT */
}

__attribute__((noipa)) static int cr_descend(volatile int *p)
{
	cr_fall(p);	/* CALL cr_descend */
	return *p;
}

int main(const void *root)
{
	(void)root;
	cairn_printf("cr_deep: writing to address 0x10, two calls down\n");
	int r = cr_descend((volatile int *)0x10);	/* CALL main */
	cairn_printf("cr_deep: still here (%d): the write did not fault\n", r);
	return r;
}
