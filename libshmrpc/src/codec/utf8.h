/*
 * utf8.h - layer: codec.  UTF-8 validation for the JSON codec, alone or
 * fused with the copy of a string's plain bytes (one pass per string).
 *
 * Valid means what jansson's utf8_check_first/utf8_check_full accept: the
 * shortest encoding of a code point <= U+10FFFF that is not a UTF-16
 * surrogate, with no sequence cut off by the end of the buffer.
 */
#ifndef SHMRPC_UTF8_H
#define SHMRPC_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "codec/json_simd.h"

/* Are the n bytes at p valid UTF-8?  Thread-safe, no state. */
bool shmrpc__utf8_valid(const uchar *p, size_t n);

/* Offset of the first invalid byte in [begin, end), or end - begin when
 * there is none; for error messages (slow, scalar). */
size_t shmrpc__utf8_first_invalid(const uchar *begin, const uchar *end);

/* The copy every JSON string goes through on both sides, in one pass:
 * copies the bytes at [src, end) to dst up to the first byte a JSON string
 * cannot hold verbatim ('"', '\\' or a C0 control, see json_scan.h) or
 * end, and returns where it stopped.  *utf8_ok says whether the bytes copied
 * form complete, valid UTF-8 (a sequence cut by the stop is invalid; as the
 * stop byte is ASCII, a string is valid iff all its runs are).
 *
 * What is validated is what was copied: each block is loaded once into a
 * register, stored, and the register is checked (AVX2); otherwise the copy
 * in dst is validated after it is made (check_src false) or the source
 * (check_src true: an encoder's json_t string, private, whose copy goes to
 * shared memory).  A decoder reading shared memory passes check_src false
 * and a private dst, so bytes a peer rewrites during the copy cannot slip
 * past the check.  dst needs room for end - src bytes; bytes after the
 * stop point may be written too.  Thread-safe. */
const uchar *shmrpc__utf8_copy_run(uchar *dst, const uchar *src,
    const uchar *end, bool check_src, bool *utf8_ok);

/* The code paths the codec can take, widest last.  The widest one the CPU
 * and the build have is chosen on first use. */
enum wire_isa {
	WIRE_ISA_PORTABLE = 0, /* scalar/SWAR: no vector instructions */
	WIRE_ISA_SSE2 = 1,     /* SSE2 copy, SSSE3 validation if the CPU has it */
	WIRE_ISA_AVX2 = 2,     /* the fused AVX2 loop */
};

/* The path in use now. */
enum wire_isa shmrpc__wire_isa(void);

/* For tests and the fuzzer: use isa from now on, in every thread; -1 and
 * no change when the CPU or the build cannot.  Returns the isa in force
 * before.  A thread encoding or decoding meanwhile may take either path
 * for a string; both are correct. */
int shmrpc__wire_isa_force(enum wire_isa isa);

#endif
