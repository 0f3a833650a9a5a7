/*
 * line.h: the shell's reading of its console input (components/shell): bytes gathered
 * into a bounded command line, and a line split into a command and its argument. No
 * system calls: tests/host/test_shell.c runs it on the host. Every byte is hostile: a
 * line longer than SHELL_LINE_MAX is refused whole (its bytes past the bound are
 * dropped, never stored), control bytes other than the line's end, tab, backspace and
 * DEL are dropped, and bytes above 0x7e too. A count (trace N, log N) is 1 to
 * SHELL_COUNT_MAX, in decimal digits only.
 */
#ifndef SHELL_LINE_H
#define SHELL_LINE_H

#define SHELL_LINE_MAX 64	/* characters of a command line; longer lines are refused */
#define SHELL_COUNT_DEFAULT 16	/* trace and log without N: the last 16 */
#define SHELL_COUNT_MAX 256	/* the most N may be (the trace ring's size) */

struct shell_line {
	char text[SHELL_LINE_MAX + 1];	/* NUL-terminated once shell_take says SHELL_LINE */
	unsigned len;			/* 0..SHELL_LINE_MAX */
	unsigned char over;		/* the line passed the bound: it will be refused */
	unsigned char cr;		/* the last byte was CR: an LF right after it is its pair */
	unsigned char done;		/* the last byte ended a line: the next starts afresh */
};

/* What one byte did, for the caller to show (the console does not echo). */
enum shell_take {
	SHELL_NONE,		/* nothing to show (dropped, or an LF after CR) */
	SHELL_ECHO,		/* stored: echo the byte (a tab is stored and echoed as a space) */
	SHELL_ERASE,		/* backspace or DEL took the last character back: erase it */
	SHELL_LINE,		/* a line ended: text holds it (maybe empty) */
	SHELL_TOO_LONG,		/* a line ended that passed SHELL_LINE_MAX: refused, text empty */
};

/* Takes byte c into l (zeroed to begin). */
enum shell_take shell_take(struct shell_line *l, unsigned char c);

enum shell_cmd {
	SHELL_CMD_EMPTY,	/* nothing but spaces */
	SHELL_CMD_HELP,
	SHELL_CMD_PS,
	SHELL_CMD_RESTART,	/* arg: the component's name */
	SHELL_CMD_TRACE,	/* count: how many of the last trace records */
	SHELL_CMD_LOG,		/* count: how many of the log's last lines */
	SHELL_CMD_RUN,		/* arg: the RTOS program's name (/bin/<arg>) */
	SHELL_CMD_QUIT,
	SHELL_CMD_UNKNOWN,	/* word: the command not known */
	SHELL_CMD_USAGE,	/* a known command with the wrong number of arguments (word) */
};

struct shell_parsed {
	const char *word;	/* the first word (into the line), word_len characters */
	unsigned word_len;
	const char *arg;	/* the second word, arg_len characters; 0 if none */
	unsigned arg_len;
	unsigned count;		/* trace and log: N, or SHELL_COUNT_DEFAULT without it */
};

/*
 * Splits line (NUL-terminated) into words at spaces and names the command:
 * SHELL_CMD_USAGE for a known command with the wrong number of arguments, or a count
 * that is not a number 1..SHELL_COUNT_MAX.
 */
enum shell_cmd shell_parse(const char *line, struct shell_parsed *p);

#endif
