# Cairn: one Makefile for the kernel, the user programs, the tests and the images.
#
#   make help     this list
#   make run      boot the default system (systems/default.toml) in QEMU; SYSTEM=<name>
#                 another (systems/<name>.toml), HOST_PORT=<n> the host port it forwards,
#                 ICOUNT=1 guest time in instructions (-icount: the tests' repeatable figures);
#                 a crash is shown by function and line, and a component crashed with no
#                 keeper or a deadlock makes it exit non-zero (docs/debugging.md)
#   make test     host unit tests, QEMU integration tests, ISO smoke tests
#   make soak     the hostile suite at 10^6 calls, several seeds, 1 and 2 cores, and 200 crashes of a
#                 persistent system (docs/testing.md);
#                 SEED=<n> reruns one seed, CORES=1 or 2 one core count
#   make iso      a GRUB ISO (BIOS + UEFI) of the system: build/$(SYSTEM).iso
#   make run-iso  boot that ISO in QEMU through GRUB: FIRMWARE=bios (SeaBIOS, the
#                 default) or uefi (OVMF); ends when the system does
#   make ckpt     what `make run`'s disk holds for a persistent system (SYSTEM=ledger): the
#                 checkpoint a boot resumes, each persistent component's thread (a backtrace),
#                 pages and copies (tools/ckpt.py, docs/persistence.md "Looking at a disk")
#   make debug    the system halted under QEMU's gdb stub, with gdb attached and its
#                 components known (cairn-components, cairn-threads, cairn-break,
#                 cairn-symbols: docs/debugging.md); GDB_PORT=<n> the stub's port (1234)
#   make bench    the benchmarks, in guest instructions (BENCH_SAVE=1 keeps the results
#                 and rewrites the docs' figures from them)
#   make bench-net  UDP and TCP echo, Cairn beside Linux (latency, rate, throughput and
#                 guest instructions per packet; BENCH_SAVE=1 keeps the results)
#   make linux-guest  the Linux guest that runs beside the benchmarks (build/linux/;
#                 tools/linux_guest.py, docs/performance.md "Linux beside Cairn")
#   make docs     rewrite the docs' generated figures (tools/docgen.py; `make test` checks them)
#   make graph    a picture of the system: build/$(SYSTEM).svg
#   make new-component NAME=x [DIR=d]  a server, a client, their interface and
#                 systems/x.toml (with DIR: an application in d, run by SYSTEM=d/x.toml)
#   make new-app NAME=x [DIR=d]  an RTOS program and its system, likewise
#   make setup    install what the build needs (Debian 12; tools/setup.sh)
#
# Everything is built in build/. Warnings are errors everywhere.

SYSTEM   ?= default
FIRMWARE ?= bios
# SYSTEM names systems/<name>.toml, or is a path to a description of an application
# outside the tree (docs/systems.md "Applications outside the tree"): its directory,
# APP, holds its components/, programs/ (RTOS programs) and interfaces/.
ifneq ($(findstring /,$(SYSTEM))$(filter %.toml,$(SYSTEM)),)
SYSTEM_FILE := $(SYSTEM)
APP         := $(abspath $(dir $(SYSTEM)))
export CAIRN_APP := $(APP)
else
SYSTEM_FILE := systems/$(SYSTEM).toml
endif
SYSTEM_NAME := $(basename $(notdir $(SYSTEM_FILE)))
SEED     ?=
CORES    ?=
BUILD    := build
ARCH     := x86_64
CC       := gcc
LD       := ld
OBJCOPY  := objcopy
PYTHON   := python3

WARN     := -Wall -Wextra -Werror
GCCINC   := $(shell $(CC) -print-file-name=include)

# Kernel: freestanding, higher half (kernel code model), no red zone, no SIMD.
KCFLAGS  := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc -isystem $(GCCINC) \
	    -fno-stack-protector -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	    -mno-sse -mno-sse2 -mno-mmx -mno-80387 -fomit-frame-pointer \
	    -fno-asynchronous-unwind-tables -Iinclude -Ikernel/include \
	    -Ikernel/arch/$(ARCH)/include -MMD -MP
# (boot.S's trampoline writes next to its code, hence one RWX segment at 1 MiB)
KLDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T kernel/arch/$(ARCH)/kernel.ld

# User programs: freestanding, static, linked at 4 MiB by lib/libcairn/user.ld.
UCFLAGS  := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc -isystem $(GCCINC) \
	    -fno-stack-protector -fno-pic -fno-pie -fno-asynchronous-unwind-tables \
	    -Iinclude -I$(BUILD)/gen -MMD -MP
ULDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack -T $(BUILD)/gen/user.ld

# Host unit tests: the kernel's and the libraries' pure code under AddressSanitizer and
# UBSan. Only a test of kernel code sees the kernel's headers (HKFLAGS).
HCFLAGS  := -std=gnu11 -O1 -g $(WARN) -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -Iinclude -I$(BUILD)/gen
HKFLAGS  := -Ikernel/include -Itests/host/include

# lib/libcommon: the code kernel and user programs share (fmt, string, elf; headers in
# include/common/). One source, two objects, as Plan 9's libc: the kernel's built with
# KCFLAGS, the user library's with UCFLAGS. No file of lib/ or components/ is built
# from kernel/, and user code never sees kernel/include/. memops.h is the architecture's.
COMMON_SRC := $(wildcard lib/libcommon/*.c)
COMMON_INC := -Ilib/libcommon/arch/$(ARCH)

KERNEL_SRC := $(wildcard kernel/*.c) $(wildcard kernel/arch/$(ARCH)/*.c) \
	      $(wildcard kernel/arch/$(ARCH)/*.S)
KERNEL_OBJ := $(patsubst %,$(BUILD)/%.o,$(KERNEL_SRC)) $(patsubst %,$(BUILD)/kernel/%.o,$(COMMON_SRC))

COMMON_OBJ := $(patsubst %,$(BUILD)/user/%.o,$(COMMON_SRC))
LIB_SRC    := $(wildcard lib/libcairn/*.c) $(wildcard lib/libcairn/*.S)
LIB_OBJ    := $(patsubst %,$(BUILD)/user/%.o,$(LIB_SRC))
BOOT_SRC   := $(wildcard lib/libboot/*.c)
BOOT_OBJ   := $(patsubst %,$(BUILD)/user/%.o,$(BOOT_SRC))
RTOS_SRC   := $(wildcard lib/librtos/*.c) $(wildcard lib/librtos/*.S)
RTOS_OBJ   := $(patsubst %,$(BUILD)/user/%.o,$(RTOS_SRC))
PCI_SRC    := $(wildcard lib/libpci/*.c)
PCI_OBJ    := $(patsubst %,$(BUILD)/user/%.o,$(PCI_SRC))
XPORT_SRC  := $(wildcard lib/libxport/*.c)
XPORT_OBJ  := $(patsubst %,$(BUILD)/user/%.o,$(XPORT_SRC))
LIBNET_SRC := $(wildcard lib/libnet/*.c)
LIBNET_OBJ := $(patsubst %,$(BUILD)/user/%.o,$(LIBNET_SRC))
VIRTIO_SRC := $(wildcard lib/libvirtio/*.c)
VIRTIO_OBJ := $(patsubst %,$(BUILD)/user/%.o,$(VIRTIO_SRC))
CKPT_SRC   := $(wildcard lib/libckpt/*.c)
CKPT_OBJ   := $(patsubst %,$(BUILD)/user/%.o,$(CKPT_SRC))

# lwIP (docs/network.md): Debian's source package `lwip`, fetched and unpacked once by
# tools/lwip.sh into $(BUILD)/lwip/src/. Its core (no apps) is built with LWIP_CFLAGS,
# Cairn's flags without -Werror (its warnings are its own; Cairn's files keep -Werror),
# and with Cairn's port (lib/liblwip: lwipopts.h, arch/, sys_arch.c, built with
# UCFLAGS) makes $(BUILD)/liblwip.a, which only a program one of whose sources includes
# an lwIP header ("lwip/..."; LWIP_USERS) links, and only its sources see LWIP_INC.
LWIP_DIR   := $(BUILD)/lwip/src
LWIP_STAMP := $(LWIP_DIR)/.unpacked
LWIP_FILES := core/def core/inet_chksum core/init core/ip core/mem core/memp core/netif core/pbuf \
	      core/stats core/sys core/tcp core/tcp_in core/tcp_out core/timeouts core/udp \
	      core/ipv4/dhcp core/ipv4/etharp core/ipv4/icmp core/ipv4/ip4 core/ipv4/ip4_addr netif/ethernet
LWIP_INC   := -Ilib/liblwip/include -Ilib/liblwip/libc -I$(LWIP_DIR)/src/include
LWIP_CFLAGS := $(filter-out -Werror,$(UCFLAGS)) $(LWIP_INC)
LWIP_PORT  := $(patsubst %,$(BUILD)/user/%.o,$(wildcard lib/liblwip/*.c))
LWIP_OBJ   := $(patsubst %,$(BUILD)/lwip/obj/%.c.o,$(LWIP_FILES)) $(LWIP_PORT)

# What a program links, in link order (tools/sysgen.py links with the same lists): every
# program libcairn and libcommon (USER_LIBS); one that boots a system or keeps a
# delegation tree (one of its sources includes <cairn/boot.h> or <cairn/capmgr.h>: the
# booter, a subsystem's parent) libboot before them
# (BOOT_LIBS); an RTOS program, or a component that uses the RTOS API (<cairn/rtos.h>),
# librtos before them (RTOS_LIBS); a PCI user (<cairn/pci.h>: docs/devices.md) libpci
# before all of them; a transport user (<cairn/xport.h>: docs/devices.md) libxport
# likewise, and a sockets user (<cairn/libnet.h>: docs/network.md) libnet before it; a virtio driver (<cairn/virtio.h>) libvirtio, and libpci after it;
# a checkpoint store's user (<cairn/ckpt.h>: docs/persistence.md) libckpt.
USER_LIBS  := $(BUILD)/libcairn.a $(BUILD)/libcommon.a
BOOT_LIBS  := $(BUILD)/libboot.a $(BUILD)/libpci.a $(USER_LIBS)
RTOS_LIBS  := $(BUILD)/librtos.a $(USER_LIBS)
PROG_SRC   := $(wildcard components/*/*.c tests/components/*/*.c bench/components/*/*.c \
		tests/qemu/progs/*.c tests/qemu/progs/*/*.c bench/progs/*.c $(if $(APP),$(APP)/components/*/*.c))
BOOT_USERS := $(shell grep -l '<cairn/\(boot\|capmgr\)\.h>' $(PROG_SRC))
RTOS_USERS := $(shell grep -l '<cairn/rtos\.h>' $(PROG_SRC))
PCI_USERS  := $(shell grep -l '<cairn/pci\.h>' $(PROG_SRC))
XPORT_USERS:= $(shell grep -l '<cairn/xport\.h>' $(PROG_SRC))
VIRTIO_USERS:= $(shell grep -l '<cairn/virtio\.h>' $(PROG_SRC))
LIBNET_USERS:= $(shell grep -l '<cairn/libnet\.h>' $(PROG_SRC))
CKPT_USERS := $(shell grep -l '<cairn/ckpt\.h>' $(PROG_SRC))
LWIP_USERS := $(shell grep -l '^\#include [<"]lwip/' $(PROG_SRC))
libs_of     = $(if $(filter $(LWIP_USERS),$(1)),$(BUILD)/liblwip.a) \
	      $(if $(filter $(VIRTIO_USERS),$(1)),$(BUILD)/libvirtio.a $(BUILD)/libpci.a) \
	      $(if $(filter $(PCI_USERS),$(1)),$(BUILD)/libpci.a) \
	      $(if $(filter $(LIBNET_USERS),$(1)),$(BUILD)/libnet.a $(BUILD)/libxport.a) \
	      $(if $(filter $(XPORT_USERS),$(1)),$(BUILD)/libxport.a) \
	      $(if $(filter $(CKPT_USERS),$(1)),$(BUILD)/libckpt.a) \
	      $(if $(filter $(RTOS_USERS),$(1)),$(BUILD)/librtos.a) \
	      $(if $(filter $(BOOT_USERS),$(1)),$(BOOT_LIBS),$(USER_LIBS))

# Interfaces: client stubs and server gates generated from interfaces/<name>.toml (and
# tests/qemu/interfaces/<name>.toml, interfaces only test systems use).
IFACES     := $(basename $(notdir $(wildcard interfaces/*.toml tests/qemu/interfaces/*.toml \
		$(if $(APP),$(APP)/interfaces/*.toml))))
IFACE_TOOLS := tools/sysgen.py tools/system.py tools/interface.py tools/limits.py tools/tomlfile.py tools/schema.py
IFACE_HDRS := $(patsubst %,$(BUILD)/gen/iface/%.h,$(IFACES))
# Segments: objects here; tools/sysgen.py links each at the base its system gives it.
SEG_OBJ    := $(patsubst %,$(BUILD)/user/%.o,$(wildcard segments/*/*.c))

COMPONENTS := $(notdir $(wildcard components/*))
TEST_COMPS := $(notdir $(wildcard tests/components/*))
BENCH_COMPS:= $(notdir $(wildcard bench/components/*))
TEST_PROGS := $(basename $(notdir $(wildcard tests/qemu/progs/*.c)))
TEST_DIRS  := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/qemu/progs/*/*.c))))
BENCH_PROGS:= $(basename $(notdir $(wildcard bench/progs/*.c)))
# RTOS programs (processes the rtos component runs): every .c in one directory.
RTOS_PROG_DIRS := $(patsubst %/,%,$(dir $(wildcard examples/*/*.c tests/rtos/*/*.c bench/rtos/*/*.c)))
RTOS_PROGS := $(sort $(notdir $(RTOS_PROG_DIRS)))
# An application's (APP): its components and RTOS programs, objects under build/app/.
# An application's objects: build/app/<its absolute directory>/..., one tree per
# application, so two with a program of the same name never share an object.
APP_OBJ    := $(BUILD)/app$(APP)
APP_COMPS  := $(if $(APP),$(notdir $(wildcard $(APP)/components/*)))
APP_PROG_DIRS := $(if $(APP),$(patsubst %/,%,$(dir $(wildcard $(APP)/programs/*/*.c))))
APP_PROGS  := $(sort $(notdir $(APP_PROG_DIRS)))
USER_ELFS  := $(patsubst %,$(BUILD)/user/%.elf,$(COMPONENTS) $(TEST_COMPS) $(BENCH_COMPS) $(TEST_PROGS) $(sort $(TEST_DIRS)) $(BENCH_PROGS) $(RTOS_PROGS) $(APP_COMPS) $(APP_PROGS))
# Every program is build/user/<name>.elf: a name in two of the program trees would be
# two recipes for one file (and a link of both directories' objects), so it is an error.
PROG_NAMES := $(COMPONENTS) $(TEST_COMPS) $(BENCH_COMPS) $(TEST_PROGS) $(sort $(TEST_DIRS)) $(BENCH_PROGS) \
	      $(notdir $(sort $(RTOS_PROG_DIRS))) $(APP_COMPS) $(APP_PROGS)
PROG_DUPS  := $(sort $(foreach n,$(PROG_NAMES),$(if $(filter-out 1,$(words $(filter $(n),$(PROG_NAMES)))),$(n))))
ifneq ($(PROG_DUPS),)
$(error program name used twice: $(PROG_DUPS) (a program is build/user/<name>.elf: components/, tests/components/, bench/components/, tests/qemu/progs/, bench/progs/, examples/, tests/rtos/ and bench/rtos/ share one name space))
endif
IFACE_DUPS := $(sort $(foreach n,$(IFACES),$(if $(filter-out 1,$(words $(filter $(n),$(IFACES)))),$(n))))
ifneq ($(IFACE_DUPS),)
$(error interface name used twice: $(IFACE_DUPS) (build/gen/iface/<name>.h: interfaces/, tests/qemu/interfaces/ and an application's interfaces/ share one name space))
endif

HOST_TESTS := $(basename $(notdir $(wildcard tests/host/test_*.c)))
HOST_BINS  := $(patsubst %,$(BUILD)/host/%,$(HOST_TESTS))

QEMU       := qemu-system-x86_64

# Quiet by default; `make V=1` shows the commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @echo "  $(1)	$(2)"
endif

.PHONY: all kernel user host-tests run test soak iso run-iso debug setup clean check-abi bench graph sys flags docs
all: kernel user host-tests

kernel: $(BUILD)/cairn.elf $(BUILD)/cairn32.elf
user: $(IFACE_HDRS) $(USER_ELFS) $(SEG_OBJ) $(BUILD)/libxport.a $(BUILD)/libnet.a $(BUILD)/libvirtio.a $(BUILD)/libckpt.a
host-tests: $(HOST_BINS)

# --- kernel ---------------------------------------------------------------------
$(BUILD)/kernel/%.c.o: kernel/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/kernel/lib/libcommon/%.c.o: lib/libcommon/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(KCFLAGS) $(COMMON_INC) -c $< -o $@

$(BUILD)/kernel/%.S.o: kernel/%.S
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(KCFLAGS) -D__ASSEMBLER__ -c $< -o $@

# The kernel: one 64-bit ELF with both multiboot headers (GRUB loads it as is).
$(BUILD)/cairn.elf: $(KERNEL_OBJ) kernel/arch/$(ARCH)/kernel.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KERNEL_OBJ)

# QEMU's -kernel loads only 32-bit multiboot ELF images: the same image, converted.
$(BUILD)/cairn32.elf: $(BUILD)/cairn.elf
	$(call say,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O elf32-i386 $< $@

# --- user programs --------------------------------------------------------------
$(BUILD)/gen/iface/%.h: interfaces/%.toml $(IFACE_TOOLS)
	$(call say,GEN,$@)
	$(Q)$(PYTHON) tools/sysgen.py iface $< $@

$(BUILD)/gen/iface/%.h: tests/qemu/interfaces/%.toml $(IFACE_TOOLS)
	$(call say,GEN,$@)
	$(Q)$(PYTHON) tools/sysgen.py iface $< $@

# The system-call wrappers, generated from cairn/abi.h's CAIRN_OP_ARGS (cairn/syscall.h
# includes them).
WRAPPERS := $(BUILD)/gen/cairn/wrappers.h
$(WRAPPERS): include/cairn/abi.h tools/abi.py
	$(call say,GEN,$@)
	$(Q)$(PYTHON) tools/abi.py wrappers $@

# The user programs' linker script: lib/libcairn/user.ld through the C preprocessor, which
# gives it the image's place (cairn/layout.h).
$(BUILD)/gen/user.ld: lib/libcairn/user.ld include/cairn/layout.h
	@mkdir -p $(dir $@)
	$(call say,CPP,$@)
	$(Q)$(CC) -E -P -undef -x assembler-with-cpp -D__ASSEMBLER__ -Iinclude $< -o $@

$(BUILD)/user/%.c.o: %.c | $(IFACE_HDRS) $(WRAPPERS)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/user/lib/libcommon/%.c.o: lib/libcommon/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(UCFLAGS) $(COMMON_INC) -c $< -o $@

ifneq ($(APP),)
$(APP_OBJ)/%.c.o: $(APP)/%.c | $(IFACE_HDRS) $(WRAPPERS)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/gen/iface/%.h: $(APP)/interfaces/%.toml $(IFACE_TOOLS)
	$(call say,GEN,$@)
	$(Q)$(PYTHON) tools/sysgen.py iface $< $@
endif

$(BUILD)/user/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/libcommon.a: $(COMMON_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/libcairn.a: $(LIB_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/libboot.a: $(BOOT_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/librtos.a: $(RTOS_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/libpci.a: $(PCI_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/libxport.a: $(XPORT_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/libnet.a: $(LIBNET_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/libvirtio.a: $(VIRTIO_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/libckpt.a: $(CKPT_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(LWIP_STAMP):
	$(Q)sh tools/lwip.sh $(BUILD)

$(BUILD)/lwip/obj/%.c.o: $(LWIP_STAMP) | $(WRAPPERS)
	@mkdir -p $(dir $@)
	$(call say,CC,lwip/$*.c)
	$(Q)$(CC) $(LWIP_CFLAGS) -c $(LWIP_DIR)/src/$*.c -o $@

$(patsubst %,$(BUILD)/user/%.o,$(LWIP_USERS)) $(LWIP_PORT): UCFLAGS += $(LWIP_INC)
$(patsubst %,$(BUILD)/user/%.o,$(LWIP_USERS)) $(LWIP_PORT): | $(LWIP_STAMP)

$(BUILD)/liblwip.a: $(LWIP_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

# One rule per program: a component is every .c in components/<name>/ (or, for tests
# and benchmarks, tests/components/<name>/ and bench/components/<name>/), a test program
# one file tests/qemu/progs/<name>.c or every .c in tests/qemu/progs/<name>/, a
# benchmark one file bench/progs/<name>.c.
objs_of = $(foreach f,$(1),$(if $(filter $(APP)/%,$(f)),$(patsubst $(APP)/%,$(APP_OBJ)/%.o,$(f)),$(BUILD)/user/$(f).o))
define user_program
$(BUILD)/user/$(1).elf: $(call objs_of,$(2)) $(call libs_of,$(2)) $(BUILD)/gen/user.ld
	$$(call say,LD,$$@)
	$(Q)$(LD) $(ULDFLAGS) -o $$@ $$(filter %.o,$$^) $(call libs_of,$(2))
endef
$(foreach c,$(COMPONENTS),$(eval $(call user_program,$(c),$(wildcard components/$(c)/*.c))))
$(foreach c,$(TEST_COMPS),$(eval $(call user_program,$(c),$(wildcard tests/components/$(c)/*.c))))
$(foreach c,$(BENCH_COMPS),$(eval $(call user_program,$(c),$(wildcard bench/components/$(c)/*.c))))
$(foreach t,$(TEST_PROGS),$(eval $(call user_program,$(t),tests/qemu/progs/$(t).c)))
$(foreach t,$(sort $(TEST_DIRS)),$(eval $(call user_program,$(t),$(wildcard tests/qemu/progs/$(t)/*.c))))
$(foreach b,$(BENCH_PROGS),$(eval $(call user_program,$(b),bench/progs/$(b).c)))
$(foreach c,$(APP_COMPS),$(eval $(call user_program,$(c),$(wildcard $(APP)/components/$(c)/*.c))))

# An RTOS program starts at lib/librtos/entry.S's rtos_entry (cairn/rtos_abi.h).
define rtos_program
$(BUILD)/user/$(1).elf: $(call objs_of,$(2)) $(RTOS_LIBS) $(BUILD)/gen/user.ld
	$$(call say,LD,$$@)
	$(Q)$(LD) $(ULDFLAGS) -e rtos_entry -o $$@ $$(filter %.o,$$^) $(RTOS_LIBS)
endef
$(foreach d,$(sort $(RTOS_PROG_DIRS) $(APP_PROG_DIRS)),$(eval $(call rtos_program,$(notdir $(d)),$(wildcard $(d)/*.c))))
# rtos_proc and rtos_efault carry rtos_child's image (for process_create from memory).
$(BUILD)/user/tests/rtos/rtos_proc/image.c.o: $(BUILD)/user/rtos_child.elf
$(BUILD)/user/tests/rtos/rtos_efault/image.c.o: $(BUILD)/user/rtos_child.elf
# rtos_ceilsuite carries rtos_ceilchild's.
$(BUILD)/user/tests/rtos/rtos_ceilsuite/image.c.o: $(BUILD)/user/rtos_ceilchild.elf

# --- host unit tests --------------------------------------------------------------
# tests/host/test_<m>.c tests kernel/<m>.c (or the architecture's, libcommon's, libcairn's or
# librtos's or libpci's or libxport's <m>.c; test_virtio tests libvirtio, test_virtio_blk
# the virtio-blk driver's core, test_virtio_net the virtio-net driver's, test_net_addr
# the net component's reading of its address, test_http the web example's request parser, test_shell the shell's line reader) plus the sources
# HOST_DEPS_<m> names, linked with HOST_LIBS_<m>; tests/host/include/ stands in for the
# architecture. HOST_INCL_<m>: sources the test #includes whole (to reach their statics),
# prerequisites that are not compiled apart (test_persist: the booter's persist.c).
HOST_DEPS_captbl := kernel/frame.c
HOST_DEPS_pgtbl  := kernel/frame.c
HOST_DEPS_comp   := kernel/frame.c kernel/captbl.c
HOST_DEPS_pci    := lib/libpci/bar.c lib/libpci/cap.c lib/libpci/msi.c lib/libpci/copy.c lib/libpci/ecam.c lib/libpci/intx.c include/cairn/pci.h
HOST_DEPS_xport  := lib/libxport/desc.c lib/libxport/blk_client.c lib/libxport/net_client.c lib/libcairn/port.c include/cairn/xport.h include/cairn/port.h
HOST_LIBS_xport  := -pthread
HOST_DEPS_books  := lib/libnet/books.c lib/libnet/books.h include/cairn/sock.h include/cairn/libnet.h
HOST_DEPS_virtio := lib/libvirtio/pci.c lib/libvirtio/virtq.c lib/libpci/cap.c lib/libpci/copy.c include/cairn/virtio.h include/cairn/pci.h
HOST_DEPS_virtio_blk := components/virtio_blk/blk.c components/virtio_blk/blk.h $(HOST_DEPS_virtio) \
			lib/libxport/xport.c $(HOST_DEPS_xport)
HOST_DEPS_virtio_net := components/virtio_net/vnet.c components/virtio_net/vnet.h include/cairn/net.h \
			$(HOST_DEPS_virtio) lib/libxport/xport.c $(HOST_DEPS_xport)
HOST_DEPS_memops := lib/libcommon/arch/$(ARCH)/memops.h
HOST_DEPS_net_addr := components/net/addrargs.c components/net/addr.h lib/libcairn/args.c lib/libcommon/fmt.c
HOST_DEPS_http := components/web/http.c components/web/http.h
HOST_DEPS_shell := components/shell/line.c components/shell/line.h
HOST_DEPS_ckpt := lib/libckpt/ckpt.c include/cairn/ckpt.h
HOST_INCL_persist := lib/libboot/persist.c
HOST_DEPS_persist := $(HOST_INCL_persist) lib/libboot/libboot.h include/cairn/persist.h include/cairn/capmgr.h \
		     include/cairn/layout.h $(BUILD)/gen/iface/persist.h
host_src = $(firstword $(wildcard kernel/$(1).c kernel/arch/$(ARCH)/$(1).c lib/libcommon/$(1).c \
	   lib/libcairn/$(1).c lib/librtos/$(1).c lib/libpci/$(1).c lib/libxport/$(1).c)) $(HOST_DEPS_$(1))
host_flags = $(if $(filter kernel/%,$(call host_src,$(1))),$(HKFLAGS))

define host_test
$(BUILD)/host/test_$(1): tests/host/test_$(1).c $(call host_src,$(1)) $(wildcard kernel/include/*.h include/common/*.h tests/host/include/*.h kernel/arch/$(ARCH)/include/*.h) $(WRAPPERS)
	@mkdir -p $$(dir $$@)
	$$(call say,HOSTCC,$$@)
	$(Q)$(CC) $(HCFLAGS) $(call host_flags,$(1)) $$(filter-out $(HOST_INCL_$(1)),$$(filter %.c,$$^)) -lcmocka $(HOST_LIBS_$(1)) -o $$@
endef
$(foreach t,$(HOST_TESTS:test_%=%),$(eval $(call host_test,$(t))))

# --- systems ----------------------------------------------------------------------
# tools/sysgen.py checks a description, generates its tables and links the images that
# depend on it (the booter, subsystem parents, segments) into build/sys/<name>/.
export CC LD UCFLAGS ULDFLAGS USER_LIBS BOOT_LIBS

# What tools/sysgen.py compiles and links with when it is run outside make.
flags:
	@echo "CC=$(CC)"; echo "LD=$(LD)"; echo "UCFLAGS=$(UCFLAGS)"; echo "ULDFLAGS=$(ULDFLAGS)"
	@echo "USER_LIBS=$(USER_LIBS)"; echo "BOOT_LIBS=$(BOOT_LIBS)"

# A system: only the programs it uses (tools/sysgen.py needs), so a half-written
# program elsewhere in the tree does not stop `make run`; then its tables and images.
sys: kernel
	$(call say,SYSTEM,$(SYSTEM_FILE))
	$(Q)needs=$$($(PYTHON) tools/sysgen.py needs $(SYSTEM_FILE)) && \
	  $(MAKE) --no-print-directory $$needs
	$(Q)$(PYTHON) tools/sysgen.py build $(SYSTEM_FILE)

run: setup sys
	$(PYTHON) tools/qemu.py run $(SYSTEM_FILE)

debug: setup sys
	$(PYTHON) tools/qemu.py debug $(SYSTEM_FILE)

.PHONY: ckpt
ckpt: setup sys
	$(PYTHON) tools/ckpt.py $(SYSTEM_FILE)

# Skeletons (tools/skeleton.py): NAME=<name>, and DIR=<dir> for an application outside
# the tree.
.PHONY: new-component new-app
new-component:
	@$(PYTHON) tools/skeleton.py component "$(NAME)" $(DIR)
new-app:
	@$(PYTHON) tools/skeleton.py app "$(NAME)" $(DIR)

# The help: the list at the top of this file.
.PHONY: help
help:
	@sed -n '3,/^$$/p' Makefile | sed -e 's/^# \{0,3\}//' -e '/^$$/d'

# A GRUB ISO of a system, named after it: build/<system>.iso from systems/<system>.toml.
iso: setup $(BUILD)/$(SYSTEM_NAME).iso

run-iso: iso
	$(PYTHON) tools/qemu.py run-iso $(SYSTEM_FILE) $(BUILD)/$(SYSTEM_NAME).iso $(FIRMWARE)

$(BUILD)/$(SYSTEM_NAME).iso: kernel tools/qemu.py FORCE
	$(Q)$(MAKE) --no-print-directory sys
	$(PYTHON) tools/qemu.py iso $(SYSTEM_FILE) $@

.PHONY: FORCE
FORCE:

# The system graph: build/<system>.svg (Graphviz).
graph: setup
	$(PYTHON) tools/sysgraph.py $(SYSTEM_FILE) $(BUILD)/$(SYSTEM_NAME)
	@echo "  GRAPH	$(BUILD)/$(SYSTEM_NAME).svg"

check-abi:
	$(PYTHON) tools/check_abi.py

test: setup all check-abi
	$(Q)$(MAKE) --no-print-directory iso SYSTEM=default
	$(PYTHON) -m unittest discover -s tests/tools -q
	$(PYTHON) tools/test.py

# The soak: tools/soak.py runs the hostile suite long (docs/testing.md).
soak: setup kernel user
	$(PYTHON) tools/soak.py $(if $(SEED),--seed $(SEED)) $(if $(CORES),--cores $(CORES))
	$(PYTHON) tools/persist_test.py --soak

# Benchmarks: guest instructions under -icount (docs/performance.md). BENCH_SAVE=1
# also writes the results to bench/results/ and rewrites the docs' figures.
bench: setup kernel user
	$(PYTHON) tools/bench.py $(if $(BENCH_SAVE),--save)

# UDP and TCP echo through user networking, Cairn's echo system beside the Linux guest
# (tools/bench_net.py, docs/performance.md "Network"); BENCH_SAVE=1 keeps the results.
.PHONY: bench-net
bench-net: setup kernel user
	$(PYTHON) tools/bench_net.py $(if $(BENCH_SAVE),--save)

# The Linux guest of the benchmarks' Linux entries (bench.py builds it when needed).
.PHONY: linux-guest
linux-guest:
	$(PYTHON) tools/linux_guest.py build

# The docs' generated figures: from the latest saved results and `cloc kernel`
# (tools/docgen.py). tools/test.py fails while one is stale.
docs: setup
	$(PYTHON) tools/docgen.py

setup:
	@sh tools/setup.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
