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

static int is(const struct shell_parsed *p, const char *name)
{
	unsigned i = 0;

	while (i < p->word_len && name[i] && p->word[i] == name[i])
		i++;
	return i == p->word_len && !name[i];
}

enum shell_cmd shell_parse(const char *line, struct shell_parsed *p)
{
	const char *s = line;
	unsigned extra_len;

	p->word = word(&s, &p->word_len);
	p->arg = word(&s, &p->arg_len);
	int extra = word(&s, &extra_len) != 0;	/* a third word: no command takes two arguments */
	if (!p->word)
		return SHELL_CMD_EMPTY;
	unsigned args = (p->arg != 0) + extra;
	enum shell_cmd cmd = is(p, "help")    ? SHELL_CMD_HELP :
			     is(p, "ps")      ? SHELL_CMD_PS :
			     is(p, "restart") ? SHELL_CMD_RESTART :
			     is(p, "quit")    ? SHELL_CMD_QUIT : SHELL_CMD_UNKNOWN;
	if (cmd == SHELL_CMD_UNKNOWN)
		return cmd;
	return args == (cmd == SHELL_CMD_RESTART) ? cmd : SHELL_CMD_USAGE;
}
