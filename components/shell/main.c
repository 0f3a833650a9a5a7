/*
 * shell: a line-oriented shell on the console (systems/shell.toml; docs/systems.md,
 * "The shell"). It reads what is typed on COM1 through the 16550 driver's `serial`
 * interface (components/serial), echoes it (the console does not), and runs each line:
 *
 *   help           the commands
 *   ps             the system's name and uptime; every component's state, restarts,
 *                  threads and faults (the booter's status interface)
 *   restart NAME   restarts a component described `restart = true` (the booter's
 *                  control interface: the path a crash takes, counted as a restart)
 *   trace [N]      the last N records of the trace ring (segment "time")
 *   log [N]        the log's last N lines with their authors (interface logview)
 *   run PROGRAM    starts /bin/PROGRAM of the RTOS's file system as a new process
 *                  (interface rtos: components/rtos/run.c)
 *   quit           stops the serial driver and ends, so the system ends
 *
 * Every byte from the driver is hostile: line.c bounds the line and drops what is not
 * printable; names from the status and the log's lines are printed only as printable
 * ASCII; the trace ring (any mapper writes it) is bounded before use.
 */
#include <cairn/seg/time.h>
#include <common/fmt.h>
#include <cairn/status_client.h>
#include <iface/control.h>
#include <iface/logview.h>
#include <iface/rtos.h>
#include <iface/serial.h>
#include <iface/timer.h>
#include "line.h"

#define PROMPT "cairn> "
#define RESTART_WAIT_MS 2000	/* how long `restart` waits to see the restart done */
#define RUN_WAIT_MS 2000	/* how long `run` waits for the RTOS to start the program */

/* Component i's name (i < 0: the system's) into out[8 * STATUS_NAME_WORDS], shown on a
 * terminal: nothing but printable ASCII. 0, or the error. */
static long name_of(long i, char *out)
{
	long r = status_name_of(i, out, 0);

	for (char *p = out; r == 0 && *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return r;
}

static void help(void)
{
	cairn_printf("commands:\n"
		     "  help          this list\n"
		     "  ps            the system and every component: state, restarts, threads, faults\n"
		     "  restart NAME  restart a component described with restart = true\n"
		     "  trace [N]     the last N records (16) of the trace ring of segment 'time'\n"
		     "  log [N]       the log's last N lines (16) with their authors\n"
		     "  run PROGRAM   start the RTOS program /bin/PROGRAM as a new process\n"
		     "  quit          stop the serial driver and end the system\n");
}

static void ps(void)
{
	const struct cairn_root *rt = (const struct cairn_root *)CAIRN_ROOT_VA;
	uint64_t up = cairn_cycles() - rt->boot_tsc, hz = rt->tsc_hz ? rt->tsc_hz : 1;
	char name[8 * STATUS_NAME_WORDS];
	cairn_word restarts = 0;
	long n = status_system(&restarts);

	if (n < 0) {
		cairn_printf("ps: no status (error %ld: does the description give the shell \"status\"?)\n", n);
		return;
	}
	if (name_of(-1, name) < 0)
		name[0] = 0;
	cairn_printf("system %s: up %lu.%03lu s, %ld components, %lu restarts\n", name,
		     (unsigned long)(up / hz), (unsigned long)(up % hz * 1000 / hz), n, (unsigned long)restarts);
	cairn_printf("  # component               state      restarts threads faults\n");
	for (long i = 0; i < n; i++) {
		cairn_word faults = 0;
		long info = status_component((cairn_word)i, &faults);
		long e = info < 0 ? info : name_of(i, name);
		if (e < 0) {
			cairn_printf("%3ld (status error %ld)\n", i, e);
			continue;
		}
		cairn_printf("%3ld %-23s %-10s %8u %7u %6lu\n", i, name, status_state_name(status_state(info)),
			     status_restarts(info), status_threads(info), (unsigned long)faults);
	}
}

/* The number of the component named (len characters at s), or -1. */
static long find(const char *s, unsigned len)
{
	char name[8 * STATUS_NAME_WORDS];
	cairn_word restarts = 0;
	long n = status_system(&restarts);

	for (long i = 0; i < n && len < sizeof(name); i++)
		if (name_of(i, name) == 0 && !memcmp(name, s, len) && !name[len])
			return i;
	return -1;
}

/* Waits (yielding, at most RESTART_WAIT_MS) until component i has more than `before` restarts and is up. */
static long wait_restarted(long i, uint32_t before)
{
	const struct cairn_root *rt = (const struct cairn_root *)CAIRN_ROOT_VA;
	uint64_t end = cairn_cycles() + rt->tsc_hz / 1000 * RESTART_WAIT_MS;

	for (;;) {
		cairn_word faults = 0;
		long info = status_component((cairn_word)i, &faults);
		if (info < 0)
			return info;
		unsigned st = status_state(info);
		if (status_restarts(info) > before && st != STATUS_STATE_RESTARTING)
			return info;
		if (cairn_cycles() > end)
			return CAIRN_EAGAIN;
		cairn_yield();
	}
}

static void restart(const char *s, unsigned len)
{
	const struct cairn_root *rt = (const struct cairn_root *)CAIRN_ROOT_VA;
	long i = find(s, len);

	if (i < 0) {
		cairn_printf("restart: no component '%.*s' (ps lists them)\n", (int)len, s);
		return;
	}
	cairn_word faults = 0;
	long info = status_component((cairn_word)i, &faults);
	uint32_t before = info < 0 ? 0 : status_restarts(info);
	long r = control_restart((cairn_word)i);
	if (r == CAIRN_EACCES) {
		cairn_printf("restart: '%.*s' is not restartable (its description does not say restart = true)\n",
			     (int)len, s);
		return;
	}
	if (r == CAIRN_EINVAL && (cairn_word)i == rt->comp_id - 1) {
		cairn_printf("restart: the shell does not restart itself\n");
		return;
	}
	if (r == CAIRN_EAGAIN) {
		cairn_printf("restart: the system is still starting: try again\n");
		return;
	}
	if (r == CAIRN_EBUSY) {
		cairn_printf("restart: '%.*s' is restarting already, or down\n", (int)len, s);
		return;
	}
	if (r == CAIRN_ENOENT) {
		cairn_printf("restart: no control (does the description give the shell the import \"control\"?)\n");
		return;
	}
	if (r < 0) {
		cairn_printf("restart: '%.*s' refused (error %ld)\n", (int)len, s, r);
		return;
	}
	info = wait_restarted(i, before);
	if (info < 0)
		cairn_printf("restart: '%.*s' is restarting (not done after %u ms: see ps)\n", (int)len, s,
			     RESTART_WAIT_MS);
	else
		cairn_printf("restart: '%.*s' restarted: %s, restarts %u\n", (int)len, s,
			     status_state_name(status_state(info)), status_restarts(info));
}

/* ticks of a clock of hz (> 0, below 2^44) a second, in microseconds, without overflow */
static uint64_t to_us(uint64_t ticks, uint64_t hz)
{
	return ticks / hz * 1000000 + ticks % hz * 1000000 / hz;
}

/*
 * The last n records of the trace ring (segment "time": cairn/seg/time.h): index, time
 * since boot, time since the record shown before, tag. Every component that maps the
 * segment can write the ring: its count bounds nothing here but the first index, a
 * record gone meanwhile (overwritten, or being written: time_trace_read says 0) is
 * skipped, and so is one stamped before boot or after now (garbled).
 */
static void trace_show(unsigned n)
{
	const struct cairn_root *rt = (const struct cairn_root *)CAIRN_ROOT_VA;
	if (!cairn_segment("time")) {
		cairn_printf("trace: no segment 'time' (does the description map it into the shell?)\n");
		return;
	}
	uint64_t count = time_trace_count(), hz = rt->tsc_hz ? rt->tsc_hz : 1, prev = 0;
	uint64_t first = count > n ? count - n : 0, now = cairn_cycles();
	unsigned gone = 0;

	cairn_printf("trace: %lu records since boot; the last %lu:\n", (unsigned long)count,
		     (unsigned long)(count - first));
	for (uint64_t i = first; i < count; i++) {
		uint64_t tag = 0, t = time_trace_read(i, &tag);
		if (t < rt->boot_tsc || t > now) {
			gone++;
			continue;
		}
		uint64_t us = to_us(t - rt->boot_tsc, hz), step = to_us(t >= prev ? t - prev : prev - t, hz);
		char since[24] = "";
		if (prev)
			fmt_snprintf(since, sizeof(since), "%c%lu us", t < prev ? '-' : '+', (unsigned long)step);
		cairn_printf("%8lu %6lu.%06lu s %12s  tag 0x%lx\n", (unsigned long)i, (unsigned long)(us / 1000000),
			     (unsigned long)(us % 1000000), since, (unsigned long)tag);
		prev = t;
	}
	if (gone)
		cairn_printf("trace: %u records gone meanwhile (overwritten or garbled): not shown\n", gone);
}

/* Line n of the log into text[LOG_TEXT], its author into *author: 0, or the logview error. */
#define LOG_TEXT 256
static long log_line(uint64_t n, char *text, cairn_word *author)
{
	cairn_word len = 0, w[LOG_TEXT / 8] = { 0 };
	long a = logview_line(n, &len);

	if (a < 0)
		return a;
	for (unsigned i = 0; i < (len + 7) / 8 && i + 1 < LOG_TEXT / 8; i += 2) {
		long r = logview_text(n, i, &w[i + 1]);
		if (r < 0)
			return r;
		w[i] = (cairn_word)r;
	}
	memcpy(text, w, LOG_TEXT);
	text[len < LOG_TEXT ? len : LOG_TEXT - 1] = 0;
	*author = (cairn_word)a;
	return 0;
}

/* The log's last n lines (interface logview: components/logger), each with its author. */
static void log_show(unsigned n)
{
	cairn_word kept = 0;
	long count = logview_count(&kept);
	if (count == CAIRN_ESTALE)	/* the logger restarted: the stub renewed the gates */
		count = logview_count(&kept);
	char text[LOG_TEXT], name[8 * STATUS_NAME_WORDS];
	unsigned gone = 0;

	if (count == CAIRN_ENOENT) {
		cairn_printf("log: no logview (does the description give the shell the import \"logview\"?)\n");
		return;
	}
	if (count < 0) {
		cairn_printf("log: the logger does not answer (error %ld)\n", count);
		return;
	}
	if (count == 0) {
		cairn_printf("log: nothing logged yet\n");
		return;
	}
	if (n > kept)
		n = (unsigned)kept;
	for (uint64_t i = (uint64_t)count > n ? (uint64_t)count - n : 0; i < (uint64_t)count; i++) {
		cairn_word author = 0;
		if (log_line(i, text, &author) < 0) {
			gone++;
			continue;
		}
		if (!author || name_of((long)author - 1, name) < 0)
			memcpy(name, "?", 2);
		for (char *p = text; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				*p = '?';
		cairn_printf("c%lu %s: %s\n", (unsigned long)author, name, text);
	}
	if (gone)
		cairn_printf("log: %u lines overwritten meanwhile: not shown\n", gone);
}

/* Waits (yielding, at most RUN_WAIT_MS) for the outcome of the run asked for: rtos_result's. */
static long run_outcome(cairn_word *pid)
{
	const struct cairn_root *rt = (const struct cairn_root *)CAIRN_ROOT_VA;
	uint64_t end = cairn_cycles() + rt->tsc_hz / 1000 * RUN_WAIT_MS;
	long r;

	while ((r = rtos_result(pid)) == CAIRN_EAGAIN && cairn_cycles() <= end)
		cairn_yield();
	return r;
}

/* Says why the rtos refused run (r, its error) of the program named (len characters at s). */
static void run_refused(long r, const char *s, unsigned len)
{
	if (r == CAIRN_ENOENT)
		cairn_printf("run: no RTOS to ask (does the description give the shell the import \"rtos\"?)\n");
	else if (r == CAIRN_EINVAL)
		cairn_printf("run: '%.*s' is no program's name (letters, digits, _ . -)\n", (int)len, s);
	else if (r == CAIRN_EBUSY)
		cairn_printf("run: the last run is not done yet: try again\n");
	else if (r == CAIRN_EAGAIN)
		cairn_printf("run: the RTOS is still starting: try again\n");
	else if (r == CAIRN_ENOTSUP)
		cairn_printf("run: the RTOS has ended\n");
	else
		cairn_printf("run: refused (error %ld)\n", r);
}

/* Starts /bin/<the len characters at s> through the rtos interface and says what came of it. */
static void run_program(const char *s, unsigned len)
{
	cairn_word w[4] = { 0 }, pid = 0;

	if (len > sizeof(w)) {
		cairn_printf("run: '%.*s': a program's name is at most %u characters\n", (int)len, s,
			     (unsigned)sizeof(w));
		return;
	}
	memcpy(w, s, len);
	long r = rtos_run(w[0], w[1], w[2], w[3]);
	if (r < 0) {
		run_refused(r, s, len);
		return;
	}
	r = run_outcome(&pid);
	if (r == 0)
		cairn_printf("run: /bin/%.*s started as process 0x%lx\n", (int)len, s, (unsigned long)pid);
	else if (r == CAIRN_ENOENT)
		cairn_printf("run: no program /bin/%.*s in the RTOS's file system\n", (int)len, s);
	else if (r == CAIRN_ENOMEM)
		cairn_printf("run: /bin/%.*s: no room for another process\n", (int)len, s);
	else if (r == CAIRN_EAGAIN)
		cairn_printf("run: /bin/%.*s asked for, not started after %u ms\n", (int)len, s, RUN_WAIT_MS);
	else
		cairn_printf("run: /bin/%.*s not started (error %ld)\n", (int)len, s, r);
}

/* Runs one line; returns 1 if it was `quit`. */
static int run(const char *line)
{
	struct shell_parsed p;

	switch (shell_parse(line, &p)) {
	case SHELL_CMD_EMPTY:
		return 0;
	case SHELL_CMD_HELP:
		help();
		return 0;
	case SHELL_CMD_PS:
		ps();
		return 0;
	case SHELL_CMD_RESTART:
		restart(p.arg, p.arg_len);
		return 0;
	case SHELL_CMD_TRACE:
		trace_show(p.count);
		return 0;
	case SHELL_CMD_LOG:
		log_show(p.count);
		return 0;
	case SHELL_CMD_RUN:
		run_program(p.arg, p.arg_len);
		return 0;
	case SHELL_CMD_QUIT:
		return 1;
	case SHELL_CMD_USAGE:
		cairn_printf("%.*s: wrong arguments (help lists the commands)\n", (int)p.word_len, p.word);
		return 0;
	default:
		cairn_printf("%.*s: unknown command (help lists the commands)\n", (int)p.word_len, p.word);
		return 0;
	}
}

/* Takes byte c: shows what it did and runs a line it ends. Returns 1 on `quit`. */
static int take(struct shell_line *l, unsigned char c)
{
	switch (shell_take(l, c)) {
	case SHELL_ECHO:
		cairn_printf("%c", l->text[l->len - 1]);
		return 0;
	case SHELL_ERASE:
		cairn_printf("\b \b");
		return 0;
	case SHELL_TOO_LONG:
		cairn_printf("\nshell: line too long (over %u characters): refused\n" PROMPT, SHELL_LINE_MAX);
		return 0;
	case SHELL_LINE:
		cairn_printf("\n");
		if (run(l->text))
			return 1;
		cairn_printf(PROMPT);
		return 0;
	default:
		return 0;
	}
}

/*
 * Nothing arrived: the driver's read never blocks (interfaces/serial.toml), so the shell
 * sleeps IDLE_MS on the booter's timer service (interfaces/timer.toml) before it asks
 * again, and components of every priority run meanwhile; a keystroke waits at most
 * that long. Without the service (not imported: ENOENT; a booter without a timer:
 * ENOTSUP) it yields, and only components of its priority and above run while it polls.
 */
#define IDLE_MS 20
static void idle(const struct cairn_root *rt)
{
	if (timer_wake_at(cairn_deadline_in(rt->tsc_hz / 1000 * IDLE_MS)) == 0)
		cairn_rcv_wait(CAIRN_SLOT_RCV);
	else
		cairn_yield();
}

int main(const struct cairn_root *rt)
{
	static struct shell_line line;

	cairn_printf("shell: component %lu ready on the console (help lists the commands)\n" PROMPT,
		     rt->comp_id);
	cairn_yield();	/* ends its initialisation: the booter then keeps the restartable (control) */
	for (;;) {
		cairn_word w = 0;
		long n = serial_read(sizeof(w), &w);
		if (n < 0) {
			cairn_printf("shell: the driver refused a read (error %ld)\n", n);
			return n;
		}
		if (n == 0)
			idle(rt);
		for (long i = 0; i < n && i < (long)sizeof(w); i++)
			if (take(&line, (unsigned char)(w >> (8 * i)))) {
				cairn_printf("shell: stopping the serial driver; bye\n");
				rtos_bye();	/* the RTOS may end (without the import: ENOENT) */
				serial_stop();
				return 0;
			}
	}
}
