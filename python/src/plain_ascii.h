/*
 * plain_ascii.h - find the end of a run of JSON string bytes that need no
 * escape and no UTF-8 decoding, eight bytes at a time.
 *
 * Layer: Python binding, codec.
 */
#ifndef SHMRPC_PY_PLAIN_ASCII_H
#define SHMRPC_PY_PLAIN_ASCII_H

#include <stdint.h>
#include <string.h>

/*
 * Skip plain ASCII string bytes (not '"', not '\\', 0x20..0x7f) eight at a
 * time; returns where the first other byte (or the tail) starts.
 */
static inline const unsigned char *skip_plain_ascii(const unsigned char *p,
    const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;

	while (end - p >= 8) {
		uint64_t w, q, b;
		memcpy(&w, p, 8);
		if ((w & highs) != 0)
			break;
		/* With every byte below 0x80, each test below is non-zero
		 * exactly when some byte is < 0x20, '"' or '\\' (the
		 * classic "has less than" / "has zero byte" tricks). */
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
		    ((b - ones) & ~b)) & highs)
			break;
		p += 8;
	}
	return p;
}

/*
 * The same for a string that is not all ASCII: skips bytes that are not
 * '"', '\\' or below 0x20, whatever their high bit (their UTF-8 is checked
 * later, by CPython's decoder).  The "has less than" and "has zero byte"
 * tests are exact for any byte values when the question is "is there any".
 */
static inline const unsigned char *skip_plain_utf8(const unsigned char *p,
    const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;

	while (end - p >= 8) {
		uint64_t w, q, b;
		memcpy(&w, p, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
		    ((b - ones) & ~b)) & highs)
			break;
		p += 8;
	}
	return p;
}

#endif
