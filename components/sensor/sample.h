/*
 * sample.h: the message of the default system's port "samples", from the sensor to
 * the filter (32 bytes: the port's slot size in systems/default.toml).
 */
#ifndef SENSOR_SAMPLE_H
#define SENSOR_SAMPLE_H

#include <stdint.h>

#define SENSOR_SAMPLES 32	/* how many the sensor sends */

struct sample {
	uint64_t seq;		/* 0, 1, 2, ...: the filter checks the order */
	uint64_t t_ns;		/* when the sensor read it (segment "time") */
	int64_t millicelsius;
	uint64_t pad;
};

_Static_assert(sizeof(struct sample) == 32, "the port's slot size");

#endif
