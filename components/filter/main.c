/*
 * filter: receives samples from the sensor through the port "samples", smooths them
 * (a moving average of four) and logs every eighth result, with the sample's age read
 * from the "time" segment the sensor wrote its timestamp with.
 */
#include <cairn/logprint.h>
#include <cairn/port.h>
#include <cairn/seg/time.h>
#include "../sensor/sample.h"


int main(const struct cairn_root *rt)
{
	struct cairn_port in;
	int64_t window[4] = { 0 }, sum = 0;
	uint64_t out_of_order = 0;

	if (cairn_port_open(&in, "samples")) {
		log_printf("filter: no port 'samples' in my red tape\n");
		return 1;
	}
	log_printf("filter: component %lu; waiting for samples\n", rt->comp_id);
	for (uint64_t i = 0; i < SENSOR_SAMPLES; i++) {
		struct sample s;
		if (cairn_port_recv(&in, &s))
			return 2;
		out_of_order += s.seq != i;
		sum += s.millicelsius - window[i % 4];
		window[i % 4] = s.millicelsius;
		if (i % 8 == 7)
			log_printf("filter: sample %lu: average %ld.%03ld C, %lu ns after the sensor read it\n",
				   s.seq, sum / 4 / 1000, sum / 4 % 1000, time_now_ns() - s.t_ns);
	}
	log_printf("filter: %d samples, %lu out of order; the shared trace in segment 'time' "
		   "holds %lu records\n", SENSOR_SAMPLES, out_of_order, time_trace_count());
	return 0;
}
