/*
 * image.c: the rtos_child program's ELF image inside this program, for the
 * process_create rows (the Makefile builds rtos_child first).
 */
__asm__(".section .rodata\n"
	".balign 16\n"
	".globl child_image, child_image_end\n"
	"child_image:\n"
	".incbin \"build/user/rtos_child.elf\"\n"
	"child_image_end:\n"
	".previous\n");
