/*
 * wire_json.h - layer: codec.  A fast JSON text codec for jansson's data
 * model (internal header).
 *
 * Why not json_dumpb()/json_loadb()?  They are correct but slow on the hot
 * path of every RPC: on our 2-core VMs jansson needs ~5.2 us to encode and
 * decode a small request plus response, and ~37 ms to dump and load one 2 MB
 * string, while memcpy of 2 MB takes ~0.05 ms.  jansson's lexer pulls the
 * input one byte at a time through a callback and validates UTF-8 per
 * character; its dumper builds a hash table per call for loop detection.
 * This codec keeps json_t as the data model and jansson's semantics, but
 * encodes straight into the caller's buffer and takes one pass per string:
 * copy, search for the byte to escape and UTF-8 validation in one loop
 * (utf8.h; AVX2 chosen at run time, SSE2 or portable SWAR otherwise).
 * bench/codec_bench.c measures both side by side.
 *
 * Contract: shmrpc__wire_json_decode() accepts and rejects exactly what
 * json_loadb(buf, len, WIRE_JSON_LOAD_FLAGS, err) does and builds equal
 * values (same types, same key order, same doubles); shmrpc__wire_json_encode()
 * writes json_dumpb(v, buf, cap, WIRE_JSON_DUMP_FLAGS)'s text, with two
 * differences that make it the seed's (orjson's) text, and fails where it
 * fails:
 *   - reals in the seed's form (float_format.h): the shortest digits that
 *     read back to the same double, e.g. 0.1 and 1e16 where jansson
 *     writes 0.10000000000000001 and 10000000000000000.0;
 *   - control characters without a short escape as \u00XX in lower case
 *     (\u001f), where jansson writes \u001F.
 * Every value still decodes back to the same value, reals to the same
 * double bit for bit.  tests/unit/test_wire_json.c and fuzz/fuzz_wire_json.c
 * check this differentially against jansson 2.14, with jansson's text
 * carried over to those two forms.
 *
 * jansson quirks reproduced on purpose, because they decide accept/reject:
 *   - a single NUL byte right after a number or true/false/null is skipped
 *     ("[1\0]" and "true\0" are accepted, "1\0\0" and "[1 \0]" are not);
 *   - "-0" is the integer 0, "-0.0" the real -0.0; reals that underflow
 *     become 0, reals that overflow are rejected, integers outside
 *     json_int_t are rejected (not turned into reals);
 *   - "\u0000" is allowed in values (JSON_ALLOW_NUL) but never in keys;
 *   - a duplicate key keeps its first position and its last value.
 *
 * Input that changes while it is read (shared memory rewritten by a
 * misbehaving peer): shmrpc__wire_json_decode() never reads outside [buf,
 * buf+len) and never returns a value that breaks jansson's invariants, because
 * strings and keys are checked for UTF-8 as they are copied into private
 * memory (the bytes checked are the bytes copied), keys for NUL there too; it may return an error or values
 * built from a mix of old and new bytes.  tests/unit/test_shared_input.c
 * decodes while another process rewrites the buffer.
 *
 * Deliberate differences from jansson 2.14, none reachable through values
 * built by either decoder or by jansson's checking setters:
 *   1. Depth: a value nested deeper than WIRE_JSON_MAX_DEPTH (2048, as
 *      JSON_PARSER_MAX_DEPTH counts) makes shmrpc__wire_json_encode() return 0.
 *      jansson's dumper has no depth limit (it detects cycles and otherwise
 *      recurses until the stack runs out), but json_loadb() rejects such text,
 *      so it could never cross the wire anyway.  The limit also ends
 *      reference cycles, where json_dumpb() returns 0 too.
 *   2. An object key that is not valid UTF-8 (only possible through the
 *      *_nocheck setters) makes shmrpc__wire_json_encode() return 0;
 * jansson 2.14 ignores that error for keys and emits malformed text such as
 * {":1}.
 *   3. A NaN or infinite real (json_real()/json_real_set() refuse them)
 *      makes shmrpc__wire_json_encode() return 0 where jansson would print
 * "inf.0".
 *   4. Locale: both directions ignore LC_NUMERIC.  jansson converts '.' to a
 *      one-byte locale decimal point and back, with the same results; with a
 *      multi-byte one (e.g. ps_AF) it garbles reals and its decoder aborts on
 *      an assertion, while this codec keeps working.
 *   5. json_error_t: text, line, column and position describe the failure in
 *      our own words and need not match jansson's; source is "<buffer>" and
 *      json_error_code() gives the closest jansson error code.
 */
#ifndef SHMRPC_WIRE_JSON_H
#define SHMRPC_WIRE_JSON_H

#include <jansson.h>
#include <stddef.h>

/* Compact output (no spaces) because these bytes go over shared memory, and
   ENCODE_ANY because an RPC result may be any value, not only an array or
   object.  No JSON_ENSURE_ASCII: UTF-8 is passed through unchanged. */
#define WIRE_JSON_DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY)

/* DECODE_ANY mirrors ENCODE_ANY; ALLOW_NUL because jansson strings carry a
   length and RPC payloads may contain binary-ish text with "\u0000".  Object
   keys with NUL are still rejected, as jansson does regardless of flags. */
#define WIRE_JSON_LOAD_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

/* Deepest nesting accepted by both directions; a scalar inside N arrays is at
   depth N + 1, exactly as jansson's parser counts. */
#define WIRE_JSON_MAX_DEPTH JSON_PARSER_MAX_DEPTH

/* Encode v as compact JSON (json_dumpb(v, buf, cap, WIRE_JSON_DUMP_FLAGS)'s
   text, with reals and control escapes as the seed writes them) into buf.  Returns the number of bytes the full
   encoding needs (may exceed cap: then buf contents are unspecified and the
   caller must treat it as too big), or 0 on error (invalid UTF-8 in a string
   or key, non-finite real, nesting deeper than WIRE_JSON_MAX_DEPTH or a
   reference cycle, NULL v, out of memory for nesting beyond 64 levels).
   Never writes past buf[cap-1]; a NULL buf counts as cap 0 (size query).
   No NUL terminator is written.  Thread-safe; v is borrowed. */
size_t shmrpc__wire_json_encode(const json_t *v, char *buf, size_t cap);

/* shmrpc__wire_json_encode() that also refuses (returns 0) a value nested
   deeper than max_depth (at most WIRE_JSON_MAX_DEPTH), counted the same
   way.  For the RPC envelopes' SHMRPC_MAX_DEPTH. */
size_t shmrpc__wire_json_encode_depth(const json_t *v, char *buf, size_t cap,
    size_t max_depth);

/* Encode the n bytes at str as one JSON string (quotes included), exactly
   as shmrpc__wire_json_encode() encodes a json_t string of them, into buf.
   Returns the bytes the encoding needs (may exceed cap, as above), or 0 if str
   is NULL or not valid UTF-8.  For building envelopes without a json_t.
   Thread-safe. */
size_t shmrpc__wire_json_encode_string(const char *str, size_t n, char *buf,
    size_t cap);

/* Decode exactly len bytes of buf (no NUL terminator needed).  Returns a new
   reference, or NULL with err filled (err may be NULL), accepting and
   rejecting exactly what json_loadb(buf, len, WIRE_JSON_LOAD_FLAGS, err)
   does.  Thread-safe. */
json_t *shmrpc__wire_json_decode(const char *buf, size_t len,
    json_error_t *err);

/* shmrpc__wire_json_decode() that also rejects text nested deeper than
   max_depth (at most WIRE_JSON_MAX_DEPTH), counted the same way, with
   json_error_stack_overflow.  Freeing a decoded value is jansson's
   json_decref(), which recurses once per level (~64 bytes of stack each,
   measured with jansson 2.14): the RPC envelopes decode with
   SHMRPC_MAX_DEPTH so that a peer cannot overflow a small thread stack. */
json_t *shmrpc__wire_json_decode_depth(const char *buf, size_t len,
    size_t max_depth, json_error_t *err);

#endif /* SHMRPC_WIRE_JSON_H */
