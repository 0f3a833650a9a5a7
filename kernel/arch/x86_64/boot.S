/*
 * boot.S: the first code to run. Both boot protocols enter start32 in 32-bit protected
 * mode with paging off, eax = loader magic, ebx = physical address of the boot
 * information: multiboot1 (QEMU -kernel, which wants a 32-bit ELF: the build converts
 * the same image) and multiboot2 (GRUB, BIOS or UEFI). The trampoline builds the boot
 * page tables (see memlayout.h), enters long mode, jumps to the higher half and calls
 * kmain(magic, info). Everything in this file runs at its physical address.
 */
#include "memlayout.h"

#define MB1_MAGIC  0x1BADB002
#define MB1_FLAGS  0x00000003	/* modules page aligned; memory information */
#define MB2_MAGIC  0xE85250D6
#define MB2_LENGTH (mb2_end - mb2_header)


	.section .multiboot, "a"
	.align 4
mb1_header:
	.long MB1_MAGIC, MB1_FLAGS, 0x100000000 - (MB1_MAGIC + MB1_FLAGS)

	.align 8
mb2_header:
	.long MB2_MAGIC, 0, MB2_LENGTH, 0x100000000 - (MB2_MAGIC + MB2_LENGTH)
	.word 6, 0		/* module alignment: modules page aligned */
	.long 8
	.word 0, 0		/* end */
	.long 8
mb2_end:

	.section .boot, "ax"
	.code32
	.globl start32
start32:
	cli
	cld
	mov %eax, boot_magic
	mov %ebx, boot_info

	mov $0x80000000, %eax	/* long mode? */
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $(1 << 29), %edx
	jz no_long_mode
	mov %edx, %esi		/* bit 20: NX */

	mov $boot_pml4, %edi	/* zero all seven table pages */
	mov $(7 * 4096 / 4), %ecx
	xor %eax, %eax
	rep stosl

	mov $boot_pd, %edi	/* four page directories: 0..4 GiB in 2 MiB pages */
	mov $(PTE_P | PTE_W | PTE_PS), %eax
	mov $2048, %ecx
1:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 1b

	.irp n, 0, 1, 2, 3		/* the low PDPT's first four entries: those directories */
	movl $(boot_pd + \n * 4096 + PTE_P + PTE_W), boot_pdpt_low + \n * 8
	.endr
	movl $(boot_pd + PTE_P + PTE_W), boot_pdpt_high + 510 * 8	/* -2 GiB: 0..1 GiB */
	movl $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4		/* identity, for now */
	movl $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4 + 256 * 8	/* direct map */
	movl $(boot_pdpt_high + PTE_P + PTE_W), boot_pml4 + 511 * 8	/* kernel image */

	mov %cr4, %eax
	or $(1 << 5), %eax	/* PAE */
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx	/* EFER */
	rdmsr
	or $(1 << 8), %eax	/* LME */
	test $(1 << 20), %esi
	jz 3f
	or $(1 << 11), %eax	/* NXE */
3:	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax	/* PG | WP | PE */
	mov %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $0x08, $start64

no_long_mode:			/* say why on COM1, then stop */
	mov $no_long_mode_msg, %esi
4:	lodsb
	test %al, %al
	jz 5f
	mov $0x3f8, %dx
	out %al, %dx
	jmp 4b
5:	hlt
	jmp 5b

	.code64
start64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov boot_magic, %edi
	mov boot_info, %esi
	movabs $start_high, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.align 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_ptr:
	.word boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt
boot_magic:
	.long 0
boot_info:
	.long 0
no_long_mode_msg:
	.asciz "Cairn: this CPU has no long mode (x86_64); stopping.\r\n"

	.section .boot.bss, "aw", @nobits
	.align 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096

	.text
start_high:
	movabs $boot_stack_top, %rsp
	xor %ebp, %ebp
	call kmain
6:	cli
	hlt
	jmp 6b

	.bss
	.align 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip KERNEL_STACK_SIZE
boot_stack_top:
