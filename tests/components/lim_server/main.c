/*
 * lim_server: serves the interfaces of the limit tests (tests/qemu/interfaces/): each
 * lim_NN's id returns NN, and wide_x's fNN returns 10NN, 20NN or 30NN for wide_a, _b
 * and _c, so that a client can tell every gate of its red tape from every other
 * (tests/components/lim_comp). Its main thread only initialises.
 */
#define LIMS(X) X(00) X(01) X(02) X(03) X(04) X(05) X(06) X(07) X(08) X(09) X(10) X(11) \
		X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24)
#define WIDE_FNS(X, w, base) X(w, base, 00) X(w, base, 01) X(w, base, 02) X(w, base, 03) \
		X(w, base, 04) X(w, base, 05) X(w, base, 06) X(w, base, 07) X(w, base, 08) \
		X(w, base, 09) X(w, base, 10) X(w, base, 11) X(w, base, 12) X(w, base, 13) \
		X(w, base, 14) X(w, base, 15) X(w, base, 16) X(w, base, 17) X(w, base, 18) \
		X(w, base, 19) X(w, base, 20) X(w, base, 21) X(w, base, 22) X(w, base, 23) \
		X(w, base, 24) X(w, base, 25) X(w, base, 26) X(w, base, 27) X(w, base, 28) \
		X(w, base, 29) X(w, base, 30) X(w, base, 31)

#define CAIRN_SERVE_LIM_00
#define CAIRN_SERVE_LIM_01
#define CAIRN_SERVE_LIM_02
#define CAIRN_SERVE_LIM_03
#define CAIRN_SERVE_LIM_04
#define CAIRN_SERVE_LIM_05
#define CAIRN_SERVE_LIM_06
#define CAIRN_SERVE_LIM_07
#define CAIRN_SERVE_LIM_08
#define CAIRN_SERVE_LIM_09
#define CAIRN_SERVE_LIM_10
#define CAIRN_SERVE_LIM_11
#define CAIRN_SERVE_LIM_12
#define CAIRN_SERVE_LIM_13
#define CAIRN_SERVE_LIM_14
#define CAIRN_SERVE_LIM_15
#define CAIRN_SERVE_LIM_16
#define CAIRN_SERVE_LIM_17
#define CAIRN_SERVE_LIM_18
#define CAIRN_SERVE_LIM_19
#define CAIRN_SERVE_LIM_20
#define CAIRN_SERVE_LIM_21
#define CAIRN_SERVE_LIM_22
#define CAIRN_SERVE_LIM_23
#define CAIRN_SERVE_LIM_24
#define CAIRN_SERVE_WIDE_A
#define CAIRN_SERVE_WIDE_B
#define CAIRN_SERVE_WIDE_C
#include <iface/lim_00.h>
#include <iface/lim_01.h>
#include <iface/lim_02.h>
#include <iface/lim_03.h>
#include <iface/lim_04.h>
#include <iface/lim_05.h>
#include <iface/lim_06.h>
#include <iface/lim_07.h>
#include <iface/lim_08.h>
#include <iface/lim_09.h>
#include <iface/lim_10.h>
#include <iface/lim_11.h>
#include <iface/lim_12.h>
#include <iface/lim_13.h>
#include <iface/lim_14.h>
#include <iface/lim_15.h>
#include <iface/lim_16.h>
#include <iface/lim_17.h>
#include <iface/lim_18.h>
#include <iface/lim_19.h>
#include <iface/lim_20.h>
#include <iface/lim_21.h>
#include <iface/lim_22.h>
#include <iface/lim_23.h>
#include <iface/lim_24.h>
#include <iface/wide_a.h>
#include <iface/wide_b.h>
#include <iface/wide_c.h>

/* 1##n - 100 is NN (written alone, 08 and 09 would be bad octal numbers) */
#define SERVE_LIM(n) \
	long lim_##n##_id_serve(cairn_word client) { (void)client; return 1##n - 100; }
#define SERVE_WIDE(w, base, n) \
	long wide_##w##_f##n##_serve(cairn_word client) { (void)client; return base##n; }

LIMS(SERVE_LIM)
WIDE_FNS(SERVE_WIDE, a, 10)
WIDE_FNS(SERVE_WIDE, b, 20)
WIDE_FNS(SERVE_WIDE, c, 30)

int main(const struct cairn_root *rt)
{
	cairn_printf("lim_server: component %lu serves 25 lim_NN and 3 wide_x interfaces\n", rt->comp_id);
	return 0;
}
