"""The codec: shmrpc.dumps()/loads() against the forms of orjson (the seed's
JSON), strictness, limits and round trips.  python/FORMAT.md lists every
form checked here and where it was checked against orjson's source."""

import json
import math
import mmap
import os
import random
import struct
import sys
import unittest

import shmrpc
from shmrpc import RPCSerializationError, dumps, loads

from support import wait_for

SEED = int(os.environ.get("SHMRPC_PY_SEED", "0")) or random.randrange(1 << 30)


class EncodeForms(unittest.TestCase):
    def check(self, value, text):
        self.assertEqual(dumps(value), text.encode("utf-8") if isinstance(text, str) else text)

    def test_scalars(self):
        self.check(None, "null")
        self.check(True, "true")
        self.check(False, "false")
        self.check(0, "0")
        self.check(-1, "-1")
        self.check("", '""')

    def test_compact_containers(self):
        # orjson's test_list/test_tuple reference: '["a","😊",true,{"b":1.1},2]'
        self.check(["a", "😊", True, {"b": 1.1}, 2], '["a","😊",true,{"b":1.1},2]')
        self.check(("a", "😊", True, {"b": 1.1}, 2), '["a","😊",true,{"b":1.1},2]')
        self.check({}, "{}")
        self.check([], "[]")
        self.check({"a": {"b": [[], {}]}}, '{"a":{"b":[[],{}]}}')

    def test_dict_order_is_insertion_order(self):
        self.check({"z": 1, "a": 2, "m": 3}, '{"z":1,"a":2,"m":3}')

    def test_escapes_as_orjson(self):
        # Short forms for \b \t \n \f \r, \" and \\; other C0 controls as
        # \u00XX with LOWERCASE hex; DEL, '/' and non-ASCII raw.
        self.check("\b\t\n\f\r", r'"\b\t\n\f\r"')
        self.check('"\\', r'"\"\\"')
        self.check("\x00\x01\x0b\x0e\x1a\x1f", r'"\u0000\u0001\u000b\u000e\u001a\u001f"')
        self.check("/\x7f", '"/\x7f"')
        self.check("é中😀\u2028", '"é中😀\u2028"')
        self.check("\ufffd", b'"\xef\xbf\xbd"')  # orjson test_str_replacement

    def test_every_ascii_char(self):
        for c in range(128):
            ch = chr(c)
            if c in (8, 9, 10, 12, 13):
                want = "\\" + {8: "b", 9: "t", 10: "n", 12: "f", 13: "r"}[c]
            elif c < 0x20:
                want = "\\u%04x" % c
            elif ch == '"':
                want = '\\"'
            elif ch == "\\":
                want = "\\\\"
            else:
                want = ch
            self.check(ch, '"%s"' % want)

    def test_strings_of_every_width(self):
        # latin-1, UCS-2 and UCS-4 strings, with escapes between runs
        for s in ("abc\x1fé\xff", "ab\x01\u0100\uffff", "a\U0010ffff\n\U0001f600b"):
            self.assertEqual(dumps(s), json.dumps(s, ensure_ascii=False).encode())
            self.assertEqual(loads(dumps(s)), s)

    def test_long_strings_cross_the_chunk_size(self):
        s = ("x" * 4095 + "\x01") * 5 + "é" * 9000 + "\U0001f600" * 5000
        self.assertEqual(loads(dumps(s)), s)
        self.assertEqual(dumps(s), json.dumps(s, ensure_ascii=False).encode())

    def test_lone_surrogates_refused_as_orjson(self):
        for s in ("\ud800", "\udcff", "a\ud83d", "\ud83d\ude80"):
            with self.assertRaises(RPCSerializationError) as cm:
                dumps(s)
            self.assertIn("surrogates not allowed", str(cm.exception))
        with self.assertRaises(RPCSerializationError):
            dumps({"\ud83d\ude80": None})

    def test_integers_64_bit_as_orjson(self):
        for v in (2**63 - 1, -(2**63), 2**63, 2**64 - 1, 9007199254740993):
            self.check(v, str(v))

    def test_integers_beyond_64_bits_exact(self):
        # orjson raises "Integer exceeds 64-bit range"; we write the exact
        # digits (FORMAT.md, "Integers").
        for v in (2**64, -(2**63) - 1, 10**100, -(10**300) + 7):
            self.check(v, str(v))

    def test_integer_digit_limit_is_the_interpreter_s(self):
        limit = sys.get_int_max_str_digits()
        if limit == 0:
            self.skipTest("no int digit limit in this interpreter")
        ok = 10 ** (limit - 1)
        self.check(ok, str(ok))
        with self.assertRaises(RPCSerializationError) as cm:
            dumps(10**limit)
        self.assertIn("get_int_max_str_digits", str(cm.exception))

    def test_bool_subclass_and_int_subclass(self):
        import enum

        class Color(enum.IntEnum):
            RED = 7

        class MyStr(str):
            pass

        class MyDict(dict):
            pass

        self.check(Color.RED, "7")
        self.check(MyStr("x"), '"x"')
        self.check(MyDict(a=1), '{"a":1}')
        self.check({MyStr("k"): 1}, '{"k":1}')

    def test_non_finite_floats_are_null(self):
        self.check([math.nan, math.inf, -math.inf], "[null,null,null]")

    def test_unsupported_types_name_the_type(self):
        for v, name in ((b"a", "bytes"), ({1, 2}, "set"), (object(), "object"), (1j, "complex"), (bytearray(b"x"), "bytearray")):
            with self.assertRaises(RPCSerializationError) as cm:
                dumps([v])
            self.assertIn("Type is not JSON serializable: " + name, str(cm.exception))
            self.assertTrue(str(cm.exception).startswith("Failed to serialize data: "))

    def test_dict_keys_must_be_str(self):
        for k in (1, None, 1.5, (1,), True):
            with self.assertRaises(RPCSerializationError) as cm:
                dumps({k: 1})
            self.assertIn("Dict key must be str, not " + type(k).__name__, str(cm.exception))

    def test_depth_limit(self):
        limit = shmrpc._shmrpc.MAX_ENCODE_DEPTH
        ok = []
        for _ in range(limit - 1):
            ok = [ok]
        self.assertEqual(dumps(ok), b"[" * limit + b"]" * limit)
        with self.assertRaises(RPCSerializationError) as cm:
            dumps([ok])
        self.assertIn("Recursion limit", str(cm.exception))
        d = {}
        for _ in range(limit):
            d = {"k": d}
        with self.assertRaises(RPCSerializationError):
            dumps(d)

    def test_orjson_depth_is_within_ours(self):
        # orjson refuses 128 levels of [{...}] (256 containers): anything
        # the seed can write, we can write too.
        v = []
        for _ in range(127):
            v = [{"n": v}]
        self.assertEqual(loads(dumps(v)), v)

    def test_cycles_are_refused_not_crashed(self):
        a = []
        a.append(a)
        with self.assertRaises(RPCSerializationError):
            dumps(a)
        d = {}
        d["d"] = d
        with self.assertRaises(RPCSerializationError):
            dumps(d)


class DecodeStrict(unittest.TestCase):
    def bad(self, text, where=None):
        with self.assertRaises(RPCSerializationError) as cm:
            loads(text)
        msg = str(cm.exception)
        self.assertTrue(msg.startswith("Failed to deserialize data: "), msg)
        if where is not None:
            self.assertTrue(msg.endswith("at byte %d" % where), msg)
        return msg

    def test_values(self):
        self.assertEqual(loads(b' {"a" : [1, -2, 3.5, -0.0, 1e2, 1E-2, true, false, null, "x"]}\n'),
                         {"a": [1, -2, 3.5, -0.0, 100.0, 0.01, True, False, None, "x"]})
        self.assertIsInstance(loads(b"-0"), int)
        self.assertEqual(math.copysign(1, loads(b"-0.0")), -1)
        self.assertEqual(loads(b"123456789012345678901234567890"), 123456789012345678901234567890)
        self.assertEqual(loads(b"-18446744073709551617"), -18446744073709551617)
        self.assertEqual(loads(b"999999999999999999"), 999999999999999999)
        self.assertEqual(loads(b"1" + b"0" * 300 + b".5"), float("1" + "0" * 300 + ".5"))

    def test_orjson_float_reads(self):
        # orjson test_type.py test_float_edge
        self.assertEqual(loads("0.0000000000000000000000000000000000000000000000000123e50"), 1.23)
        self.assertEqual(loads("0.4e5"), 40000.0)
        self.assertEqual(loads("0.00e-00"), 0.0)
        self.assertEqual(loads("0.4e-001"), 0.04)
        self.assertEqual(loads("0.123456789e-12"), 1.23456789e-13)
        self.assertEqual(loads("1.234567890E+34"), 1.23456789e34)
        self.assertEqual(loads("23456789012E66"), 2.3456789012e76)
        self.assertEqual(loads("1e-999"), 0.0)  # underflow reads as 0.0

    def test_escapes(self):
        self.assertEqual(loads(r'"\"\\\/\b\f\n\r\t\u0000\u00e9\u4e2d\ud83d\ude00"'), '"\\/\b\f\n\r\t\x00é中😀')
        self.assertEqual(loads(r'"\uDBFF\uDFFF"'), "\U0010ffff")

    def test_rejects(self):
        self.bad(b"", 0)
        self.bad(b"   ", 3)
        self.bad(b"NaN", 0)
        self.bad(b"Infinity", 0)
        self.bad(b"-Infinity", 0)
        self.bad(b"[1,]", 3)
        self.bad(b'{"a":1,}', 7)
        self.bad(b"[1 2]", 3)
        self.bad(b"01", 0)
        self.bad(b"-", 0)
        self.bad(b"1.", 0)
        self.bad(b".5", 0)
        self.bad(b"1e", 0)
        self.bad(b"+1", 0)
        self.bad(b"0x10", 1)
        self.bad(b"tru", 0)
        self.bad(b"nulls", 4)
        self.bad(b"[1] x", 4)
        self.bad(b"{1:2}", 1)
        self.bad(b"{'a':1}", 1)
        self.bad(b'"a', 0)
        self.bad(b'"\x01"', 1)
        self.bad(b'"\t"', 1)
        self.bad(b'"\\x41"', 1)
        self.bad(b'"\\u12"', 1)
        self.bad(b"/* c */ 1", 0)
        self.bad(b"\xef\xbb\xbf{}", 0)  # a UTF-8 BOM is not JSON
        self.bad(b"[1e400]", 1)  # orjson: i_number_real_pos_overflow fails
        self.bad(b"[-1e400]", 1)

    def test_lone_surrogate_escapes_refused_as_orjson(self):
        for text in (r'["\uD800"]', r'["\uD800\uD800"]', r'["\uDC00"]', r'"\ud83d"', r'"\ud83dx"', r'"\ud83d\u0041"'):
            self.assertIn("surrogate", self.bad(text))

    def test_invalid_utf8_refused_with_position(self):
        for raw, pos in ((b'"\xff"', 1), (b'"ab\xc3"', 3), (b'"\xc0\x80"', 1), (b'"\xed\xa0\x80"', 1),
                         (b'"\xf4\x90\x80\x80"', 1), (b'"\xe2\x82"', 1), (b'"a\x80"', 2), (b'"\xf8\x88\x80\x80\x80"', 1)):
            self.assertIn("invalid UTF-8", self.bad(raw, pos))

    def test_invalid_utf8_before_an_escape(self):
        # Found by the shared-memory test: non-ASCII bytes skipped before a
        # string's first escape were not checked, and a UnicodeDecodeError
        # escaped instead of RPCSerializationError.
        for raw, pos in ((b'"\xc3(\\n"', 1), (b'"ab\xff\\t"', 3), (b'"\xc3\xa9\\n\xff"', 5),
                         (b'"\\n\xc3("', 3)):
            self.assertIn("invalid UTF-8", self.bad(raw, pos))

    def test_str_input_with_surrogates(self):
        self.bad('"\ud800"')

    def test_depth_cap(self):
        cap = shmrpc._shmrpc.MAX_DECODE_DEPTH
        v, depth = loads(b"[" * cap + b"]" * cap), 1
        while v:
            (v,) = v
            depth += 1
        self.assertEqual(depth, cap)
        self.assertIn("nesting deeper", self.bad(b"[" * (cap + 1) + b"]" * (cap + 1)))
        self.assertIn("nesting deeper", self.bad(b'{"a":' * (cap + 1) + b"1" + b"}" * (cap + 1)))
        self.bad(b"[" * 10_000_000)

    def test_int_digit_limit(self):
        limit = sys.get_int_max_str_digits()
        if limit == 0:
            self.skipTest("no int digit limit in this interpreter")
        self.assertEqual(loads(b"9" * limit), int("9" * limit))
        self.assertIn("get_int_max_str_digits", self.bad(b"9" * (limit + 1)))

    def test_duplicate_keys_last_wins(self):
        self.assertEqual(loads(b'{"a":1,"a":2}'), {"a": 2})

    def test_buffers(self):
        self.assertEqual(loads(bytearray(b"[1]")), [1])
        self.assertEqual(loads(memoryview(b'{"a":"b"}')), {"a": "b"})
        self.assertEqual(loads("[\"é\"]"), ["é"])
        with self.assertRaises(TypeError):
            loads(12)


class DecodeSharedMemory(unittest.TestCase):
    def test_buffer_rewritten_by_another_process(self):
        """loads() of a shared mapping that a child keeps rewriting: every
        call either returns a well-formed value or raises
        RPCSerializationError; nothing else, and no crash."""
        doc = json.dumps({"k": ["é" * 20, 12345678901234567890123, 1.5, "x" * 50, {"n": None}]},
                         ensure_ascii=False).encode()
        size = len(doc)
        m = mmap.mmap(-1, size)
        m[:] = doc
        pid = os.fork()
        if pid == 0:  # the writer: flip bytes among a few interesting ones
            try:
                rnd = random.Random(SEED)
                alphabet = b'"\\{}[],:0129e.-\xc3\xa9\xff\x00 tnfu'
                while True:
                    i = rnd.randrange(size)
                    m[i] = alphabet[rnd.randrange(len(alphabet))]
                    if rnd.random() < 0.01:
                        m[:] = doc
            finally:
                os._exit(0)
        try:
            ok = bad = 0
            for _ in range(20000):
                try:
                    v = loads(m)
                except RPCSerializationError:
                    bad += 1
                    continue
                ok += 1
                dumps(v)  # well-formed: strs re-encode (no surrogates)
            self.assertGreater(ok + bad, 0)
        finally:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            m.close()


class DecodeFuzz(unittest.TestCase):
    def test_mutated_documents(self):
        """Random byte mutations of valid documents: loads() returns a
        value that re-encodes, or raises RPCSerializationError; nothing
        else."""
        rnd = random.Random(SEED + 3)
        alphabet = b'"\\{}[],:0129eE.-+ \t\n\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\xff\xed\xa0\x00utrfnlsaxX'
        docs = [dumps(random_value(rnd)) for _ in range(200)]
        docs.append(b'{"a":"\\u00e9\\ud83d\\ude00\\n","b":[1.5e-7,-0,12345678901234567890123]}')
        for _ in range(50000):
            doc = bytearray(rnd.choice(docs))
            for _ in range(rnd.randrange(1, 4)):
                if doc and rnd.random() < 0.7:
                    doc[rnd.randrange(len(doc))] = alphabet[rnd.randrange(len(alphabet))]
                elif doc and rnd.random() < 0.5:
                    del doc[rnd.randrange(len(doc))]
                else:
                    doc.insert(rnd.randrange(len(doc) + 1), alphabet[rnd.randrange(len(alphabet))])
            try:
                v = loads(bytes(doc))
            except RPCSerializationError:
                continue
            dumps(v)


def random_value(rnd, depth=0):
    kinds = ["int", "bigint", "float", "str", "bool", "none"]
    if depth < 6:
        kinds += ["list", "dict", "tuple"]
    k = rnd.choice(kinds)
    if k == "int":
        return rnd.randrange(-(2**63), 2**64)
    if k == "bigint":
        return rnd.choice([-1, 1]) * rnd.randrange(2**64, 2**(rnd.randrange(65, 2000)))
    if k == "float":
        while True:
            x = struct.unpack("<d", rnd.getrandbits(64).to_bytes(8, "little"))[0]
            if math.isfinite(x):
                return x
    if k == "str":
        return random_str(rnd)
    if k == "bool":
        return rnd.random() < 0.5
    if k == "none":
        return None
    n = rnd.randrange(0, 6)
    if k == "list":
        return [random_value(rnd, depth + 1) for _ in range(n)]
    if k == "tuple":
        return tuple(random_value(rnd, depth + 1) for _ in range(n))
    return {random_str(rnd): random_value(rnd, depth + 1) for _ in range(n)}


def random_str(rnd):
    out = []
    for _ in range(rnd.randrange(0, 12)):
        r = rnd.random()
        if r < 0.4:
            out.append(chr(rnd.randrange(0x20, 0x7F)))
        elif r < 0.55:
            out.append(chr(rnd.randrange(0, 0x20)))
        elif r < 0.7:
            out.append(chr(rnd.randrange(0x80, 0x800)))
        elif r < 0.85:
            c = rnd.randrange(0x800, 0x10000)
            out.append(chr(c if not 0xD800 <= c <= 0xDFFF else 0xFFFD))
        else:
            out.append(chr(rnd.randrange(0x10000, 0x110000)))
    return "".join(out)


def normalise(v):
    if isinstance(v, (list, tuple)):
        return [normalise(x) for x in v]
    if isinstance(v, dict):
        return {k: normalise(x) for k, x in v.items()}
    return v


class RoundTrip(unittest.TestCase):
    def test_random_nested_values(self):
        rnd = random.Random(SEED)
        for _ in range(3000):
            v = random_value(rnd)
            text = dumps(v)
            back = loads(text)
            self.assertEqual(back, normalise(v), "seed %d" % SEED)
            # Python's json reads it the same way (ints of any size, too)
            self.assertEqual(json.loads(text), back)
            # and writing it again gives the same bytes
            self.assertEqual(dumps(back), text)

    def test_agrees_with_python_json_on_strings(self):
        rnd = random.Random(SEED + 1)
        for _ in range(5000):
            s = random_str(rnd)
            self.assertEqual(json.loads(dumps(s)), s)
            self.assertEqual(loads(json.dumps(s)), s)
            self.assertEqual(loads(json.dumps(s, ensure_ascii=False)), s)

    def test_surrogates_in_random_strings_always_refused(self):
        rnd = random.Random(SEED + 2)
        for _ in range(2000):
            s = random_str(rnd)
            i = rnd.randrange(len(s) + 1)
            s = s[:i] + chr(rnd.randrange(0xD800, 0xE000)) + s[i:]
            with self.assertRaises(RPCSerializationError):
                dumps(s)

    def test_huge_ints(self):
        limit = sys.get_int_max_str_digits() or 10000
        for digits in (19, 20, 21, 39, 40, 100, 1000, limit):
            for sign in (1, -1):
                v = sign * (10 ** (digits - 1) + 12345)
                self.assertEqual(loads(dumps(v)), v)
                self.assertEqual(dumps(v), str(v).encode())


if __name__ == "__main__":
    unittest.main()
