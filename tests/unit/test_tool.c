/*
 * test_tool.c - the tools' shared helpers (tool-common/): untrusted text
 * made safe for a terminal, within the buffer, never split mid-escape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tool.h"

static void test_vis_escapes_controls(void **state)
{
	char buf[128];

	(void)state;
	assert_string_equal(tool_vis("calc-1", buf, sizeof(buf)), "calc-1");
	assert_string_equal(tool_vis("a\033[2Jb", buf, sizeof(buf)),
	    "a\\033[2Jb");
	assert_string_equal(tool_vis("x\ny\tz\\", buf, sizeof(buf)),
	    "x\\ny\\tz\\\\");
	assert_string_equal(tool_vis("\x9b" "1m\x7f", buf, sizeof(buf)),
	    "\\2331m\\177");
}

/* No byte value reaches the output raw unless it is printable ASCII. */
static void test_vis_every_byte(void **state)
{
	char in[2] = { 0, 0 }, buf[16];

	(void)state;
	for (int c = 1; c < 256; c++) {
		in[0] = (char)c;
		tool_vis(in, buf, sizeof(buf));
		for (const char *p = buf; *p != '\0'; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
		if (c >= 0x20 && c < 0x7f && c != '\\')
			assert_int_equal(buf[0], c);
		else
			assert_int_equal(buf[0], '\\');
	}
}

/* A short buffer gets whole escapes and "...", never more than it holds. */
static void test_vis_truncates_between_escapes(void **state)
{
	const char *in = "ab\033\033\033\033\033";
	char big[64], buf[64];

	(void)state;
	tool_vis(in, big, sizeof(big));
	for (size_t len = 1; len < strlen(big) + 2; len++) {
		memset(buf, '#', sizeof(buf));
		tool_vis(in, buf, len);
		assert_true(strlen(buf) < len);
		assert_int_equal(buf[len], '#'); /* nothing past len */
		if (strlen(big) < len) {
			assert_string_equal(buf, big);
			continue;
		}
		if (len > 3) {
			size_t n = strlen(buf);
			assert_true(n >= 3);
			assert_string_equal(buf + n - 3, "...");
			/* what precedes "..." is a prefix made of whole
			 * escapes: "ab" then "\033" units */
			assert_memory_equal(buf, big, n - 3);
			assert_true(n - 3 <= 2 || (n - 3 - 2) % 4 == 0);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vis_escapes_controls),
		cmocka_unit_test(test_vis_every_byte),
		cmocka_unit_test(test_vis_truncates_between_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
