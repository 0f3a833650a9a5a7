/*
 * iface.c: the gates of the interfaces the booter serves itself on its clients'
 * threads (timer.c, status.c, control.c; libboot.h): each function's gate carries the
 * badge fn << 16 | (client + 1), which boot_iface_client decodes. Below those three,
 * which boot.c's build_gates calls.
 */
#include "libboot.h"

struct booter *boot_server;

long boot_iface_gate(struct booter *b, unsigned client, unsigned slot, cairn_word entry, unsigned fn)
{
	boot_server = b;
	return cairn_captbl_act_sinv(b->c[client].ct, slot, CAIRN_SLOT_COMP, entry, (cairn_word)fn << 16 | (client + 1), 0);
}
