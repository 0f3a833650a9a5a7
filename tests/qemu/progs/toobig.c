/*
 * toobig: a program whose image needs more frames than a 128 MiB machine has free (160
 * MiB of bss). As the first program (tests.toml, first_program_oom) the kernel must
 * refuse it whole, say so, and end the system; it never runs.
 */
#include <cairn/cairn.h>

#define BALLAST (160UL << 20)

__attribute__((used)) static char ballast[BALLAST];

int main(const void *root)
{
	(void)root;
	cairn_check("big.1", "never_started", 0, "started with %p of bss", (void *)ballast);
	return 1;
}
