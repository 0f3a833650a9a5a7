/*
 * sensor: a simulated temperature sensor. It stamps each sample with the time from the
 * "time" segment (no kernel entry) and sends it to the filter through the port
 * "samples"; in sync mode a full ring blocks it until the filter catches up.
 */
#include <cairn/logprint.h>
#include <cairn/port.h>
#include <cairn/seg/time.h>
#include "sample.h"


int main(const struct cairn_root *rt)
{
	struct cairn_port out;
	uint32_t noise = 12345;

	if (cairn_port_open(&out, "samples")) {
		log_printf("sensor: no port 'samples' in my red tape\n");
		return 1;
	}
	log_printf("sensor: component %lu; port 'samples' holds %u samples, so I block when it is full\n",
		   rt->comp_id, rt->port[0].slots);
	for (uint64_t i = 0; i < SENSOR_SAMPLES; i++) {
		noise = noise * 1103515245 + 12345;
		struct sample s = { i, time_now_ns(), 21000 + (int64_t)(i * 50) + (int64_t)(noise >> 22) % 400, 0 };
		time_stamp(i);
		if (cairn_port_send(&out, &s))
			return 2;
	}
	log_printf("sensor: sent %d samples; woke the filter %lu times\n", SENSOR_SAMPLES, out.sends);
	return 0;
}
