/*
 * seg_scribbler: writes to the "time" segment's transfer vector, which components see
 * read-only. It leaves a mark in the segment's trace before the store and would leave
 * another after it; the kernel must stop it at the store (seg_user checks the marks).
 */
#include <cairn/seg/time.h>
#include <cairn/cairn.h>

int main(const struct cairn_root *rt)
{
	const struct cairn_segment_tv *tv = cairn_segment("time");

	(void)rt;
	if (!tv)
		return 1;
	time_stamp(0x5c0001);
	cairn_printf("seg_scribbler: writing to the transfer vector at %p\n", (void *)&tv->entry[0]);
	*(void *volatile *)&tv->entry[0] = 0;
	cairn_printf("seg_scribbler: the store went through: this line must never appear\n");
	time_stamp(0x5c0002);
	return 0;
}
