/*
 * cairn/status_client.h: a client's reading of a name through the status interface
 * (interfaces/status.toml; docs/systems.md "The status"), for components that import
 * it: two calls, words 0 and 1, then word 2, unpacked by status_unpack (cairn/status.h).
 */
#ifndef CAIRN_STATUS_CLIENT_H
#define CAIRN_STATUS_CLIENT_H

#include <cairn/status.h>
#include <iface/status.h>

/* Component index's name (index < 0: the system's) into out[8 * STATUS_NAME_WORDS],
 * NUL-terminated: 0, or the status call's error (out then unchanged). *last, if given,
 * gets the second result of the last call (the word after word 2: 0). */
static inline long status_name_of(long index, char *out, cairn_word *last)
{
	uint64_t w[STATUS_NAME_WORDS] = { 0 };
	cairn_word next = 0, spare = 0;
	long a = index < 0 ? status_system_name(0, &next) : status_name((cairn_word)index, 0, &next);
	long b = index < 0 ? status_system_name(2, last ? last : &spare) :
			     status_name((cairn_word)index, 2, last ? last : &spare);

	if (a < 0 || b < 0)
		return a < 0 ? a : b;
	w[0] = (uint64_t)a;
	w[1] = next;
	w[2] = (uint64_t)b;
	status_unpack(out, w);
	return 0;
}

#endif
