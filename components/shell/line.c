/*
 * line.c: the shell's line reader and command parser (line.h states the contracts).
 */
#include "line.h"

#include <stddef.h>

static enum shell_take end_line(struct shell_line *l)
{
	int over = l->over;

	l->done = 1;
	if (over)
		l->len = 0;
	l->text[l->len] = 0;
	return over ? SHELL_TOO_LONG : SHELL_LINE;
}

enum shell_take shell_take(struct shell_line *l, unsigned char c)
{
	int after_cr = l->cr;

	if (l->done) {
		l->len = 0;
		l->over = 0;
		l->done = 0;
	}
	l->cr = c == '\r';
	if (c == '\r')
		return end_line(l);
	if (c == '\n')
		return after_cr ? SHELL_NONE : end_line(l);
	if (c == '\b' || c == 0x7f) {
		if (l->over || !l->len)
			return SHELL_NONE;
		l->len--;
		return SHELL_ERASE;
	}
	if (c == '\t')
		c = ' ';
	if (c < 0x20 || c > 0x7e)
		return SHELL_NONE;
	if (l->over || l->len >= SHELL_LINE_MAX) {
		l->over = 1;
		return SHELL_NONE;
	}
	l->text[l->len++] = (char)c;
	return SHELL_ECHO;
}

/* The word at *s (after spaces), its length in *len; s moves past it. 0 if none. */
static const char *word(const char **s, unsigned *len)
{
	const char *p = *s;

	while (*p == ' ')
		p++;
	if (!*p) {
		*s = p;
		*len = 0;
		return 0;
	}
	const char *w = p;
	while (*p && *p != ' ')
		p++;
	*len = (unsigned)(p - w);
	*s = p;
	return w;
}

static int is(const char *w, unsigned len, const char *name)
{
	unsigned i = 0;

	while (i < len && name[i] && w[i] == name[i])
		i++;
	return i == len && !name[i];
}

/* The commands, each with how many arguments it takes (at least, at most). */
static const struct {
	const char *name;
	enum shell_cmd cmd;
	unsigned char least, most;
} commands[] = {
	{ "help", SHELL_CMD_HELP, 0, 0 },
	{ "ps", SHELL_CMD_PS, 0, 0 },
	{ "restart", SHELL_CMD_RESTART, 1, 1 },
	{ "trace", SHELL_CMD_TRACE, 0, 1 },
	{ "log", SHELL_CMD_LOG, 0, 1 },
	{ "run", SHELL_CMD_RUN, 1, 1 },
	{ "quit", SHELL_CMD_QUIT, 0, 0 },
};

/* The decimal number of len digits at s into *n: 0, or -1 if it is none or not in 1..SHELL_COUNT_MAX. */
static int number(const char *s, unsigned len, unsigned *n)
{
	unsigned v = 0;

	if (!len || len > 3)
		return -1;
	for (unsigned i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > SHELL_COUNT_MAX)
		return -1;
	*n = v;
	return 0;
}

enum shell_cmd shell_parse(const char *line, struct shell_parsed *p)
{
	const char *s = line;
	unsigned extra_len, i = 0;

	p->word = word(&s, &p->word_len);
	p->arg = word(&s, &p->arg_len);
	p->count = SHELL_COUNT_DEFAULT;
	int extra = word(&s, &extra_len) != 0;	/* a third word: no command takes two arguments */
	if (!p->word)
		return SHELL_CMD_EMPTY;
	unsigned args = (p->arg != 0) + extra;
	while (i < sizeof(commands) / sizeof(commands[0]) && !is(p->word, p->word_len, commands[i].name))
		i++;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return SHELL_CMD_UNKNOWN;
	enum shell_cmd cmd = commands[i].cmd;
	if (args < commands[i].least || args > commands[i].most)
		return SHELL_CMD_USAGE;
	if ((cmd == SHELL_CMD_TRACE || cmd == SHELL_CMD_LOG) && p->arg && number(p->arg, p->arg_len, &p->count))
		return SHELL_CMD_USAGE;
	return cmd;
}
