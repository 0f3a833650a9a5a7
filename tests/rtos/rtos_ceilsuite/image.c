/*
 * image.c: the rtos_ceilchild program's ELF image inside this program, for
 * process_create (the Makefile builds rtos_ceilchild first).
 */
__asm__(".section .rodata\n"
	".balign 16\n"
	".globl child_image, child_image_end\n"
	"child_image:\n"
	".incbin \"build/user/rtos_ceilchild.elf\"\n"
	"child_image_end:\n"
	".previous\n");
