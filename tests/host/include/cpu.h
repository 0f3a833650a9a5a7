/*
 * cpu.h (host): port I/O for test_serial.c. inb and outb are the test's simulated
 * UART (the machine's are instructions: kernel/arch/x86_64/include/cpu.h); cpu_relax
 * does nothing.
 */
#ifndef HOST_CPU_H
#define HOST_CPU_H

#include <stdint.h>

uint8_t inb(uint16_t port);
void outb(uint16_t port, uint8_t v);
static inline void cpu_relax(void) {}

#endif
