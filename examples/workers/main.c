/*
 * workers: a dispatcher's event loop feeding a pool of worker threads.
 *
 * The dispatcher (main) cuts a job into NJOBS pieces: count the primes in
 * [k * SPAN, (k + 1) * SPAN). It hands them to NWORKERS equal-priority workers over a
 * multi-producer multi-consumer channel and collects their answers on another. One
 * event set watches everything it reacts to, and event_wait returns every ready source
 * at once: answers waiting, room in the job queue, the status timer, each worker's end.
 * When every job is out, the dispatcher closes the job queue; each worker reads the end
 * of the stream, closes its ends and returns how many jobs it did. The loop ends when
 * every worker has ended and the answer queue is closed and empty. Readiness is a
 * level, reported on every wait until acted on: the loop removes each source it is done
 * with (the closed answer queue, an ended worker), or event_wait would return at once
 * forever and the more urgent dispatcher would starve the workers.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>

#define NWORKERS      4
#define NJOBS         40
#define SPAN          1000		/* numbers per job */
#define QUEUE_LEN     4			/* jobs waiting at most */
#define STATUS_US     1000		/* the status line's period */
#define PRIO_DISPATCH 10		/* reacts at once; 0 is the most urgent */
#define PRIO_WORKER   50		/* the workers share the rest, round robin */
_Static_assert(NWORKERS == 4, "the summary line prints four workers");

struct job    { uint32_t id, lo, hi, pad; };
struct answer { uint32_t job, worker, primes, pad; };

/* Each worker's ends, opened by the dispatcher before the worker starts. */
static struct { chan_r_t jobs; chan_s_t answers; } ends[NWORKERS];
static int next_worker;

/* The dispatcher's handles and what its event loop has seen; only main touches it. */
static struct {
	event_t set;
	chan_s_t out;			/* jobs */
	chan_r_t in;			/* answers */
	timer_t status;
	thread_t pool[NWORKERS];
	int jobs_done[NWORKERS];	/* each worker's exit status */
	uint64_t start_us;
	uint32_t sent, answered, primes, live, batch_max, in_closed;
} d;

static int is_prime(uint32_t n)
{
	for (uint32_t f = 2; f * f <= n; f++)
		if (n % f == 0)
			return 0;
	return n >= 2;
}

static void worker(void)
{
	int me = __atomic_fetch_add(&next_worker, 1, __ATOMIC_RELAXED), done = 0;
	struct job j;

	while (channel_recv(ends[me].jobs, &j, sizeof(j), CHAN_BLOCK) == sizeof(j)) {
		struct answer a = { .job = j.id, .worker = (uint32_t)me };
		for (uint32_t n = j.lo; n < j.hi; n++)
			a.primes += is_prime(n);
		if (channel_send(ends[me].answers, &a, sizeof(a), CHAN_BLOCK) != sizeof(a))
			break;
		done++;
	}
	channel_close(ends[me].jobs);
	channel_close(ends[me].answers);	/* the last one closed ends the answer stream */
	thread_exit(done);
}

static uint64_t now_us(void)
{
	struct time t;

	time_current(&t);
	return t.sec * 1000000 + t.usec;
}

/* Sends jobs until the queue is full or none is left; closes the queue after the last. */
static void send_jobs(void)
{
	for (; d.sent < NJOBS; d.sent++) {
		struct job j = { d.sent, d.sent * SPAN, (d.sent + 1) * SPAN, 0 };
		if (channel_send(d.out, &j, sizeof(j), 0) != sizeof(j))
			return;		/* ENOBUFS: full; EVT_CHAN_WRITE says when there is room */
	}
	event_remove(d.set, d.out, 0);	/* first: a closed end names nothing */
	channel_close(d.out);		/* the workers read the end of the stream */
}

static void take_answers(void)
{
	struct answer a;
	int got;

	while ((got = channel_recv(d.in, &a, sizeof(a), 0)) == sizeof(a)) {
		d.answered++;
		d.primes += a.primes;
	}
	if (got == 0) {			/* every worker has closed its end and nothing is left */
		d.in_closed = 1;
		event_remove(d.set, d.in, 0);	/* a level: it would be reported on every wait */
	}
}

static void worker_ended(thread_t w)
{
	event_remove(d.set, w, 0);	/* first: taking the status frees the handle */
	for (int i = 0; i < NWORKERS; i++)
		if (d.pool[i] == w)
			d.jobs_done[i] = thread_get_exit_status(w);
	d.live--;
}

/* One batch of ready sources, in the order they were added to the set. */
static void handle(const struct event_info *ev, int n)
{
	for (int i = 0; i < n; i++) {
		size_t src = ev[i].event_src_id, type = ev[i].event_type;
		if (src == d.in && (type == EVT_CHAN_READ || type == EVT_CHAN_CLOSE))
			take_answers();
		else if (src == d.out && type == EVT_CHAN_WRITE)
			send_jobs();
		else if (src == d.status && type == EVT_TIMER)
			cairn_printf("workers: at %lu us: %u jobs sent, %u answered, %u workers running\n",
				     now_us() - d.start_us, d.sent, d.answered, d.live);
		else if (type == EVT_THREAD_TERM)
			worker_ended(src);
		else {			/* not in the plan: say so, stop watching it */
			cairn_printf("workers: unexpected event %lu from %lx\n", type, src);
			event_remove(d.set, src, 0);
		}
	}
}

/* Creates the channels, the timer, the event set and the workers; 0 or -1. */
static int setup(void)
{
	sched_param_t me = { SCHEDP_PRIO, PRIO_DISPATCH }, wp = { SCHEDP_PRIO, PRIO_WORKER };
	chan_t jobs = channel_create(sizeof(struct job), QUEUE_LEN, NULL, CHAN_MPMC);
	chan_t answers = channel_create(sizeof(struct answer), NJOBS, NULL, CHAN_MPMC);
	struct time period;

	time_create(&period, 0, STATUS_US);
	d.set = event_create(3 + NWORKERS);
	d.out = jobs ? channel_get_send(jobs) : 0;
	d.in = answers ? channel_get_recv(answers) : 0;
	d.status = timer_create();
	if (!d.set || !d.out || !d.in || !d.status || thread_set_params(&me, 1) ||
	    timer_periodic(d.status, &period, &period) || event_add(d.set, d.in, 0) ||
	    event_add(d.set, d.out, 0) || event_add(d.set, d.status, 0))
		return -1;
	for (int i = 0; i < NWORKERS; i++) {	/* less urgent: none runs before main waits */
		ends[i].jobs = channel_get_recv(jobs);
		ends[i].answers = channel_get_send(answers);
		d.pool[i] = ends[i].jobs && ends[i].answers ? thread_create(worker, &wp, 1, 0) : 0;
		if (!d.pool[i] || event_add(d.set, d.pool[i], 0))
			return -1;
	}
	d.live = NWORKERS;
	d.start_us = now_us();
	return 0;
}

int main(void)
{
	struct event_info ev[3 + NWORKERS];
	int n = 1;

	if (setup()) {
		io_print("workers: setting up failed\n");
		return 1;
	}
	while ((d.live > 0 || !d.in_closed) && n > 0) {
		n = event_wait(d.set, ev, sizeof(ev) / sizeof(ev[0]));
		if ((uint32_t)n > d.batch_max && n > 0)
			d.batch_max = (uint32_t)n;
		handle(ev, n);
	}
	if (n <= 0)
		cairn_printf("workers: event_wait error %d\n", n);
	cairn_printf("workers: %u jobs answered, %u primes below %u, jobs per worker %d %d %d %d, "
		     "largest batch %u events\n", d.answered, d.primes, NJOBS * SPAN, d.jobs_done[0],
		     d.jobs_done[1], d.jobs_done[2], d.jobs_done[3], d.batch_max);
	event_delete(d.set);
	timer_free(d.status);
	channel_close(d.in);
	return n > 0 ? 0 : 1;	/* the process's end destroys its channels */
}
