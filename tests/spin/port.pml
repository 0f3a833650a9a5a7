/*
 * port.pml: the port ring and its synchronous wake-up protocol, as
 * lib/libcairn/port.c implements them, for spin. A producer sends MSGS messages
 * through a ring of SLOTS slots to a consumer; each side that finds the ring full
 * (empty) sets its waiting flag, looks again, and only then waits on its receive
 * endpoint; the other side, after moving its cursor, clears the flag and sends.
 * The kernel counts activations (pending), and RCV_WAIT consumes them all.
 *
 * Each side keeps its own cursor (mine) and only publishes it; a step reads the
 * other side's published cursor once, bounds it (more than SLOTS queued, or a
 * negative count: EIO, nothing moved), copies, then publishes. The read, the copy
 * and the publication are separate steps, as in C.
 *
 * Checked: no invalid end state (a lost wake-up leaves a side waiting forever), the
 * consumer gets every message once, in order, and an honest pair never sees EIO.
 * Built with -DNO_RECHECK the sides sleep without looking again, and spin must find
 * the lost wake-up. Built with -DHOSTILE the consumer is a peer that writes any
 * value into every shared word (its cursor, the producer's published one, both
 * flags) and sends activations at will: whatever it does, the producer ends (all
 * sent, or EIO) or waits for it; built also with -DNP and run with pan -l, spin
 * checks that the producer never loops without the peer taking a step, and must find
 * the loop of a producer built with -DRETRY_EIO, which retries a broken ring instead
 * of failing (tools/test.py runs all five).
 */
#define SLOTS 2
#define MSGS  4
#define OK    0
#define AGAIN 1
#define EIO   2

int head = 0, tail = 0;			/* the published cursors */
byte ring[SLOTS];
bit producer_waits = 0, consumer_waits = 0;
byte producer_pending = 0, consumer_pending = 0;	/* kernel activation counts */

#ifdef HOSTILE
#define WAITING end_waiting		/* the peer may leave us waiting: a valid end */
#else
#define WAITING waiting
#endif

/* One ring step: read the other's cursor once, bound it, copy, publish. */
inline try_put(r) {
	t = tail;
	q = mine - t;
	if
	:: q < 0 || q > SLOTS -> r = EIO
	:: q == SLOTS -> r = AGAIN
	:: else ->
		ring[mine % SLOTS] = m;
		mine++;
		head = mine;
		r = OK
	fi
}

inline try_get(r) {
	h = head;
	q = h - mine;
	if
	:: q < 0 || q > SLOTS -> r = EIO
	:: q == 0 -> r = AGAIN
	:: else ->
		got = ring[mine % SLOTS];
		mine++;
		tail = mine;
		r = OK
	fi
}

/* wake: the flag test, its clearing and the send are separate steps, as in C. */
inline wake(flag, pending) {
	if
	:: flag == 1 -> flag = 0; pending++
	:: else -> skip
	fi
}

active proctype producer() {
	byte m = 0, r;
	int mine = 0, t, q;
	do
	:: m == MSGS -> break
	:: m < MSGS ->
		try_put(r);
		do
		:: r != AGAIN -> break
		:: r == AGAIN ->
			producer_waits = 1;
#ifndef NO_RECHECK
			try_put(r);
			if
			:: r != AGAIN -> producer_waits = 0
			:: else ->
WAITING:			atomic { producer_pending > 0 -> producer_pending = 0 };	/* RCV_WAIT */
				try_put(r)
			fi
#else
			atomic { producer_pending > 0 -> producer_pending = 0 };
			try_put(r)
#endif
		od;
		if
		:: r == EIO ->
#ifndef HOSTILE
			assert(false);		/* an honest consumer never breaks the ring */
#endif
#ifdef RETRY_EIO
			skip			/* a step that retried instead: it can spin alone */
#else
			break
#endif
		:: else -> m++; wake(consumer_waits, consumer_pending)
		fi
	od
}

#ifndef HOSTILE
active proctype consumer() {
	byte expect = 0, got, r;
	int mine = 0, h, q;
	do
	:: expect == MSGS -> break
	:: expect < MSGS ->
		try_get(r);
		do
		:: r != AGAIN -> break
		:: r == AGAIN ->
			consumer_waits = 1;
#ifndef NO_RECHECK
			try_get(r);
			if
			:: r != AGAIN -> consumer_waits = 0
			:: else ->
waiting:			atomic { consumer_pending > 0 -> consumer_pending = 0 };
				try_get(r)
			fi
#else
			atomic { consumer_pending > 0 -> consumer_pending = 0 };
			try_get(r)
#endif
		od;
		assert(r == OK);		/* an honest producer never breaks the ring */
		assert(got == expect);
		expect++;
		wake(producer_waits, producer_pending)
	od
}
#else
/* The peer: any value in the consumer's cursor (behind, at, ahead of the producer's,
 * and far off either way), either flag, activations. Each of its steps is progress. */
active proctype peer() {
end_scribble:
progress_peer:
	do
	:: if
		:: tail = -100 :: tail = -1 :: tail = 0 :: tail = 1 :: tail = 2 :: tail = 3
		:: tail = 4 :: tail = 5 :: tail = 6 :: tail = 100
		fi
	:: head = 100				/* the producer's own published cursor too */
	:: producer_waits = 1 - producer_waits
	:: consumer_waits = 1 - consumer_waits
	:: producer_pending < 2 -> producer_pending++
	od
}
#endif
