/*
 * keys.h - the one table of shmrpc-top's keys, as htop keeps its: the
 * help screen (F1), the function bar and the dispatch of key presses all
 * come from it, and a test checks it against the KEYS section of
 * shmrpc-top(1).  Keys are named here the way the man page names them
 * ("F1", "Up", "q"); ui.c turns the names into curses key codes.  No
 * curses here.
 */
#ifndef TOP_KEYS_H
#define TOP_KEYS_H

#include <stddef.h>

enum top_action {
	ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_HOME, ACT_END, ACT_LEFT,
	ACT_RIGHT, ACT_DETAIL, ACT_BACK, ACT_TAG, ACT_UNTAG_ALL, ACT_SORT_MENU,
	ACT_SORT_PREV, ACT_SORT_NEXT, ACT_REVERSE, ACT_FILTER, ACT_SETUP,
	ACT_REAP, ACT_PAUSE, ACT_SLOWER, ACT_FASTER, ACT_HELP, ACT_REDRAW,
	ACT_MOUSE, ACT_QUIT,
};

/* Views a key works in. */
#define VIEW_BIT_MAIN 1u
#define VIEW_BIT_DETAIL 2u
#define VIEW_BIT_BOTH (VIEW_BIT_MAIN | VIEW_BIT_DETAIL)

#define TOP_KEY_NAMES 4

struct top_key {
	const char *names[TOP_KEY_NAMES]; /* as in the man page; NULL ends */
	enum top_action action;
	unsigned views;
	/* The function bar: its key and word there (NULL: not in the
	 * bar), in each view. */
	const char *bar_key;
	const char *bar_word;
	const char *help;                 /* what it does, for F1 */
};

extern const struct top_key top_keys[];
extern const size_t top_nkeys;

/* "Up, k": the names of key k joined, into buf. */
void top_key_names(const struct top_key *k, char *buf, size_t len);

#endif
