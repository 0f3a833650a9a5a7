/*
 * hello: the first program of the default system. It runs in ring 3 in an address
 * space of its own and talks to the world only through system calls.
 */
#include <cairn/cairn.h>

int main(const void *root)
{
	cairn_printf("hello: running in user mode, root=%p, stack near %p\n", root, (void *)&root);
	cairn_printf("hello: null system call returned %ld\n", cairn_null());
	cairn_printf("hello: a call on capability 7 (none granted) returned %ld (EBADF is %d)\n",
		     cairn_syscall2(CAIRN_CALL(7, CAIRN_OP_NULL), 0, 0), CAIRN_EBADF);
	return 0;
}
