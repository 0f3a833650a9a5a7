/*
 * trampoline.S: where an application processor starts (smp.c). The boot core copies
 * this code to a free 4 KiB page below 1 MiB, with three pages of page tables after it,
 * fills in the global tr_* words below, and sends the startup IPI naming that page. The
 * AP then runs here in real mode at cs:0 (cs = page >> 4), fills in the GDT base and the
 * far pointers (page + offset) itself, and goes through protected mode to long mode on
 * the page tables that follow (the low 2 MiB identity mapped, the kernel's halves as in
 * the kernel's own tables), then jumps to tr_entry in the higher half with rsp =
 * tr_stack and rdi = tr_arg. Everything here is addressed relative to the page (ebx
 * holds its linear address), so the page can be any one.
 */
#define OFF(x) ((x) - ap_trampoline)

	.section .rodata
	.balign 16
	.globl ap_trampoline, ap_trampoline_end
	.globl tr_cr0, tr_cr3, tr_efer, tr_stack, tr_arg, tr_entry

	.code16
ap_trampoline:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	movzwl %ax, %ebx
	shl $4, %ebx			/* the page's linear address */
	lea OFF(tr_gdt)(%ebx), %eax	/* what lgdt and the far jumps need: page + offset */
	mov %eax, OFF(tr_gdt_base)
	lea OFF(tr_pm32)(%ebx), %eax
	mov %eax, OFF(tr_pm_far)
	lea OFF(tr_lm64)(%ebx), %eax
	mov %eax, OFF(tr_lm_far)
	lgdtl OFF(tr_gdt_ptr)
	movl OFF(tr_cr0), %eax		/* the boot core's CR0 (caching on), without PG */
	and $0x7fffffff, %eax
	mov %eax, %cr0
	ljmpl *OFF(tr_pm_far)

	.code32
tr_pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $(1 << 5), %eax		/* PAE */
	mov %eax, %cr4
	mov OFF(tr_cr3)(%ebx), %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx		/* EFER: LME, and NXE if the boot core has it */
	rdmsr
	or OFF(tr_efer)(%ebx), %eax
	wrmsr
	mov OFF(tr_cr0)(%ebx), %eax	/* now with PG */
	mov %eax, %cr0
	ljmp *OFF(tr_lm_far)(%ebx)

	.code64
tr_lm64:
	mov %ebx, %ebx			/* upper halves are undefined after the switch */
	xor %eax, %eax			/* ds, es, ss: tr_pm32's 0x10 serves (gdt_init reloads them) */
	mov %eax, %fs
	mov %eax, %gs
	mov OFF(tr_stack)(%rbx), %rsp
	mov OFF(tr_arg)(%rbx), %rdi
	mov OFF(tr_entry)(%rbx), %rax
	xor %ebp, %ebp
	jmp *%rax

	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
tr_gdt_ptr:
	.word tr_gdt_ptr - tr_gdt - 1
tr_gdt_base:
	.long 0				/* page + OFF(tr_gdt) */
tr_pm_far:
	.long 0				/* page + OFF(tr_pm32) */
	.word 0x08
tr_lm_far:
	.long 0				/* page + OFF(tr_lm64) */
	.word 0x18
	.balign 8
tr_cr0:
	.long 0, 0			/* the boot core's CR0: PE, PG, WP, cache control as it has them */
tr_cr3:
	.long 0, 0			/* the trampoline's page tables */
tr_efer:
	.long 0, 0			/* EFER bits to set: LME, NXE */
tr_stack:
	.quad 0
tr_arg:
	.quad 0
tr_entry:
	.quad 0
ap_trampoline_end:
