/*
 * bench_server: serves the "bench" interface for bench_client (generated gates).
 */
#define CAIRN_SERVE_BENCH
#include <iface/bench.h>

long bench_nop_serve(cairn_word client)
{
	(void)client;
	return 0;
}

long bench_add4_serve(cairn_word a, cairn_word b, cairn_word c, cairn_word d, cairn_word client)
{
	(void)client;
	return (long)(a + b + c + d);
}

int main(const struct cairn_root *rt)
{
	(void)rt;
	return 0;
}
