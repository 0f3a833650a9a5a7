/*
 * acpi.h (host): the architecture's MADT parser's contract, for test_acpi.c
 * (kernel/arch/x86_64/include/acpi.h: pure code, nothing a host cannot compile).
 */
#include "../../../kernel/arch/x86_64/include/acpi.h"
