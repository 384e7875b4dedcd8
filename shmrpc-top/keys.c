/*
 * keys.c - the table of shmrpc-top's keys (keys.h).  Its order is the
 * order of the help screen and of the function bar.
 */
#include <stdio.h>
#include <string.h>

#include "keys.h"

#define M VIEW_BIT_MAIN
#define D VIEW_BIT_DETAIL
#define B VIEW_BIT_BOTH

const struct top_key top_keys[] = {
	{ { "F1", "h", "?" }, ACT_HELP, B, "F1", "Help",
	    "this help (Up, Down, PgUp, PgDn scroll it)" },
	{ { "F2", "S" }, ACT_SETUP, M, "F2", "Setup",
	    "choose and order the columns; saved in toprc" },
	{ { "F4", "/", "\\" }, ACT_FILTER, M, "F4", "Filter",
	    "filter by name or command as you type (Enter keeps, Esc drops)" },
	{ { "F6" }, ACT_SORT_MENU, M, "F6", "SortBy",
	    "pick the sort column from a list" },
	{ { "<", ",", }, ACT_SORT_PREV, M, NULL, NULL,
	    "sort by the column to the left" },
	{ { ">", ".", "s" }, ACT_SORT_NEXT, M, NULL, NULL,
	    "sort by the column to the right" },
	{ { "r", "I" }, ACT_REVERSE, M, NULL, NULL, "reverse the order" },
	{ { "F9", "x" }, ACT_REAP, B, "F9", "Reap",
	    "reap the tagged STALE channels, or the selected one" },
	{ { "F10", "q" }, ACT_QUIT, B, "F10", "Quit", "quit" },
	{ { "Enter" }, ACT_DETAIL, M, "Enter", "Detail",
	    "detail of the selected channel: slots, methods, latency" },
	{ { "Esc" }, ACT_BACK, D, "Esc", "Back", "back to the list" },
	{ { "Space" }, ACT_TAG, M, "Space", "Tag",
	    "tag or untag the selected channel" },
	{ { "U" }, ACT_UNTAG_ALL, M, NULL, NULL, "untag every channel" },
	{ { "Up", "k" }, ACT_UP, B, NULL, NULL,
	    "select the row above (detail: scroll)" },
	{ { "Down", "j" }, ACT_DOWN, B, NULL, NULL,
	    "select the row below (detail: scroll)" },
	{ { "PgUp" }, ACT_PGUP, B, NULL, NULL, "a page up" },
	{ { "PgDn" }, ACT_PGDN, B, NULL, NULL, "a page down" },
	{ { "Home", "g" }, ACT_HOME, B, NULL, NULL, "the first row" },
	{ { "End", "G" }, ACT_END, B, NULL, NULL, "the last row" },
	{ { "Left" }, ACT_LEFT, B, NULL, NULL,
	    "scroll the columns left (detail: back)" },
	{ { "Right" }, ACT_RIGHT, M, NULL, NULL,
	    "scroll the columns right, to those that do not fit" },
	{ { "p" }, ACT_PAUSE, B, "p", "Pause", "pause or resume" },
	{ { "+", "=" }, ACT_SLOWER, B, NULL, NULL, "refresh less often" },
	{ { "-", "_" }, ACT_FASTER, B, NULL, NULL, "refresh more often" },
	{ { "^L" }, ACT_REDRAW, B, NULL, NULL, "redraw the screen" },
	{ { "Mouse" }, ACT_MOUSE, M, NULL, NULL,
	    "a click on a row selects it, on a header sorts by it "
	    "(again: reverses)" },
};
const size_t top_nkeys = sizeof(top_keys) / sizeof(top_keys[0]);

void top_key_names(const struct top_key *k, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < TOP_KEY_NAMES && k->names[i] != NULL &&
	    at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
		    i > 0 ? " " : "", k->names[i]);
}
