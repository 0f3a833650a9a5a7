/*
 * prodcons: a periodic producer and a consumer joined by a channel.
 *
 * The producer is released every millisecond by a periodic timer, samples a simulated
 * temperature sensor and sends one 16-byte reading over a single-producer
 * single-consumer channel. The consumer, more urgent, rejects spikes, keeps a running
 * average and prints a summary every SUMMARY_EVERY readings. After NREADINGS readings
 * the producer closes its send end; the consumer then reads the end of the stream
 * (channel_recv returns 0), prints the totals and the process exits with status 0.
 * No floating point: temperatures are in thousandths of a degree.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>

#define PERIOD_US     1000		/* the producer's period */
#define NREADINGS     50
#define SUMMARY_EVERY 10
#define QUEUE_LEN     8			/* readings the channel holds */
#define SPIKE_MDEG    2000		/* further than this from the average: a glitch */
#define PRIO_CONSUMER 10		/* 0 is the most urgent */
#define PRIO_PRODUCER 20

/* printf arguments for "%d.%02d": thousandths of a degree (not negative) to degrees. */
#define DEG(mdeg) (int)((mdeg) / 1000), (int)((mdeg) % 1000 / 10)

/* One reading on the wire: 16 bytes. */
struct reading {
	uint32_t seq;		/* 0, 1, 2, ... */
	int32_t mdeg;		/* temperature, thousandths of a degree Celsius */
	uint32_t late_us;	/* how long after its release the producer sampled */
	uint32_t overruns;	/* periods the producer missed before this one */
};
_Static_assert(sizeof(struct reading) == 16, "a reading is 16 bytes on the wire");

static chan_s_t tx;		/* the producer's end */
static chan_r_t rx;		/* the consumer's end */
static sem_t done;		/* given by the consumer when the stream has ended */

static uint64_t now_us(void)
{
	struct time t;

	time_current(&t);
	return t.sec * 1000000 + t.usec;
}

/* The simulated sensor: a slow warming with a little noise, and a glitch now and then. */
static int32_t sensor_read(uint32_t seq)
{
	static uint32_t lcg = 12345;

	lcg = lcg * 1103515245 + 12345;
	int32_t noise = (int32_t)((lcg >> 16) % 201) - 100;	/* -100..100 */
	int32_t glitch = (seq % 17 == 16) ? 40000 : 0;		/* a loose wire */
	return 21000 + 20 * (int32_t)seq + noise + glitch;
}

/* Samples every PERIOD_US until NREADINGS are sent; 0, or why it stopped early. */
static int produce(void)
{
	timer_t tick = timer_create();
	struct time period;
	uint64_t start = now_us();

	time_create(&period, 0, PERIOD_US);
	if (!tick || timer_periodic(tick, &period, &period) != 0)
		return 1;
	for (uint32_t seq = 0; seq < NREADINGS; seq++) {
		int fired = timer_wait(tick);	/* expiries since the last wait: 1 unless we overran */
		uint64_t release = start + (uint64_t)(seq + 1) * PERIOD_US;
		uint64_t now = now_us();
		struct reading r = {
			.seq = seq,
			.mdeg = sensor_read(seq),
			.late_us = now > release ? (uint32_t)(now - release) : 0,
			.overruns = fired > 1 ? (uint32_t)fired - 1 : 0,
		};
		if (fired < 0 || channel_send(tx, &r, sizeof(r), CHAN_BLOCK) != sizeof(r))
			return 2;
	}
	timer_free(tick);
	return 0;
}

static void producer(void)
{
	int status = produce();

	channel_close(tx);		/* whatever happened, the consumer sees the end of the stream */
	thread_exit(status);
}

static void consumer(void)
{
	struct reading r;
	int64_t sum = 0, window_sum = 0;
	int32_t avg = 0, window_max = 0;
	uint32_t n = 0, window_n = 0, spikes = 0, max_late = 0, overruns = 0;
	int got;

	while ((got = channel_recv(rx, &r, sizeof(r), CHAN_BLOCK)) == sizeof(r)) {
		if (r.late_us > max_late)
			max_late = r.late_us;
		overruns += r.overruns;
		if (n > 0 && (r.mdeg > avg + SPIKE_MDEG || r.mdeg < avg - SPIKE_MDEG)) {
			spikes++;	/* a glitch: dropped, not averaged */
		} else {
			n++;
			sum += r.mdeg;
			avg = (int32_t)(sum / n);
			window_n++;
			window_sum += r.mdeg;
			if (window_n == 1 || r.mdeg > window_max)
				window_max = r.mdeg;
		}
		if ((r.seq + 1) % SUMMARY_EVERY == 0) {
			int32_t window_avg = window_n ? (int32_t)(window_sum / window_n) : 0;
			cairn_printf("prodcons: readings %u-%u: average %d.%02d C, max %d.%02d C, spikes so far %u\n",
				     r.seq + 2 - SUMMARY_EVERY, r.seq + 1, DEG(window_avg), DEG(window_max), spikes);
			window_n = 0;
			window_sum = 0;
		}
	}
	if (got != 0)
		cairn_printf("prodcons: channel_recv error %d\n", got);
	cairn_printf("prodcons: %u readings, %u spikes dropped, average %d.%02d C, max lateness %u us, "
		     "%u overruns\n", n + spikes, spikes, DEG(avg), max_late, overruns);
	channel_close(rx);
	semaphore_give(done);
}

int main(void)
{
	sched_param_t cprio = { SCHEDP_PRIO, PRIO_CONSUMER }, pprio = { SCHEDP_PRIO, PRIO_PRODUCER };
	chan_t ch = channel_create(sizeof(struct reading), QUEUE_LEN, NULL, CHAN_SPSC);

	done = semaphore_create(0, 0);
	tx = ch ? channel_get_send(ch) : 0;
	rx = ch ? channel_get_recv(ch) : 0;
	if (!done || !tx || !rx) {
		io_print("prodcons: setting up the channel failed\n");
		return 1;
	}
	thread_t c = thread_create(consumer, &cprio, 1, 0);
	thread_t p = thread_create(producer, &pprio, 1, 0);
	if (!c || !p) {
		io_print("prodcons: thread_create failed\n");
		return 1;
	}
	semaphore_take(done);
	/* Both threads are more urgent than main: by now each has returned. */
	int pst = thread_get_exit_status(p), cst = thread_get_exit_status(c);
	channel_destroy(ch);
	cairn_printf("prodcons: producer status %d, consumer status %d\n", pst, cst);
	return pst || cst;
}
