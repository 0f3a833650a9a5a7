/*
 * port.pml: the port ring and its synchronous wake-up protocol, as
 * lib/libcairn/port.c implements them, for spin. A producer sends MSGS messages
 * through a ring of SLOTS slots to a consumer; each side that finds the ring full
 * (empty) sets its waiting flag, looks again, and only then waits on its receive
 * endpoint; the other side, after moving its cursor, clears the flag and sends.
 * The kernel counts activations (pending), and RCV_WAIT consumes them all.
 *
 * Checked: no invalid end state (a lost wake-up leaves a side waiting forever), and
 * the consumer gets every message once, in order. Built with -DNO_RECHECK the sides
 * sleep without looking again, and spin must find the lost wake-up (tools/test.py
 * runs both).
 */
#define SLOTS 2
#define MSGS  4

int head = 0, tail = 0;			/* free-running cursors */
byte ring[SLOTS];
bit producer_waits = 0, consumer_waits = 0;
byte producer_pending = 0, consumer_pending = 0;	/* kernel activation counts */

inline try_put(ok) {
	atomic {
		if
		:: head - tail < SLOTS -> ring[head % SLOTS] = m; head++; ok = 1
		:: else -> ok = 0
		fi
	}
}

inline try_get(ok) {
	atomic {
		if
		:: head != tail -> got = ring[tail % SLOTS]; tail++; ok = 1
		:: else -> ok = 0
		fi
	}
}

/* wake: the flag test, its clearing and the send are separate steps, as in C. */
inline wake(flag, pending) {
	if
	:: flag == 1 -> flag = 0; pending++
	:: else -> skip
	fi
}

inline sleep_on(pending) {
	atomic { pending > 0 -> pending = 0 }	/* RCV_WAIT */
}

active proctype producer() {
	byte m = 0;
	bit ok;
	do
	:: m == MSGS -> break
	:: m < MSGS ->
		try_put(ok);
		do
		:: ok -> break
		:: !ok ->
			producer_waits = 1;
#ifndef NO_RECHECK
			try_put(ok);
			if
			:: ok -> producer_waits = 0
			:: else -> sleep_on(producer_pending); try_put(ok)
			fi
#else
			sleep_on(producer_pending);
			try_put(ok)
#endif
		od;
		m++;
		wake(consumer_waits, consumer_pending)
	od
}

active proctype consumer() {
	byte expect = 0, got;
	bit ok;
	do
	:: expect == MSGS -> break
	:: expect < MSGS ->
		try_get(ok);
		do
		:: ok -> break
		:: !ok ->
			consumer_waits = 1;
#ifndef NO_RECHECK
			try_get(ok);
			if
			:: ok -> consumer_waits = 0
			:: else -> sleep_on(consumer_pending); try_get(ok)
			fi
#else
			sleep_on(consumer_pending);
			try_get(ok)
#endif
		od;
		assert(got == expect);
		expect++;
		wake(producer_waits, producer_pending)
	od
}
