"""shmrpc with the others: the seed (played by tests/interop/seed_peer.py)
over posix in both directions, and the C examples/tools over both
transports."""

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import unittest

import shmrpc
from shmrpc import RPCClient, RPCMethodError, RPCServer, dumps

from support import CALCULATOR_SERVER, SEED_PEER, SHMRPC_CALL, ChannelTest, child_env
from test_rpc import Serving, make_server


def load_seed_peer():
    spec = importlib.util.spec_from_file_location("seed_peer", SEED_PEER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class WithSeed(ChannelTest):
    def seed_server(self, name):
        p = self.spawn([sys.executable, SEED_PEER, "server", name], text=True)
        self.wait_line(p, "ready")
        return p

    def seed_client(self, name, method, params=None, *extra):
        argv = [sys.executable, SEED_PEER, "client", name, method] + ([json.dumps(params)] if params is not None else []) + list(extra)
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=child_env())

    def test_python_client_seed_server(self):
        name = self.channel()
        p = self.seed_server(name)
        for transport in ("posix", None):  # explicit, and found by itself
            with RPCClient(name, transport=transport) as c:
                self.assertEqual(c.call("add", a=5, b=3), 8)
                self.assertEqual(c.call("greet", name="Zoë"), "Hello, Zoë!")
                v = {"s": "é中😀\t\"", "n": [1, 2.5, None, True], "d": {"x": -(2**63)}}
                self.assertEqual(c.call("echo", **v), v)
                with self.assertRaises(RPCMethodError) as cm:
                    c.call("divide", a=1, b=0)
                self.assertEqual(str(cm.exception), "ZeroDivisionError: division by zero")
                with self.assertRaises(RPCMethodError) as cm:
                    c.call("nope")
                self.assertEqual(str(cm.exception), "RPCError: Unknown method: nope")
                self.assertIs(c.call("__running__"), True)
        self.assertEqual(self.stop(p), 0)

    def test_python_client_waits_out_a_seed_channel_being_created(self):
        # The seed's segment has 0 bytes between its shm_open() and its
        # ftruncate(), and the semaphores come after: not there yet.
        name = self.channel()
        p = self.spawn([sys.executable, SEED_PEER, "server", "--slow-create", "0.2", name], text=True)
        t0 = time.monotonic()
        while not os.path.exists("/dev/shm/srb_%s_req" % name) and time.monotonic() - t0 < 10:
            time.sleep(0.005)
        with RPCClient(name, wait_for_server=10) as c:
            self.assertEqual(c.transport, "posix")
            self.assertEqual(c.call("add", a=1, b=2), 3)
        self.assertEqual(self.stop(p), 0)

    def test_seed_client_python_server(self):
        name = self.channel()
        srv = Serving(make_server(name, "posix"))
        r = self.seed_client(name, "add", {"a": 2, "b": 3})
        self.assertEqual((r.returncode, r.stdout), (0, "5\n"), r.stderr)
        r = self.seed_client(name, "echo", {"s": "é\x1f", "l": [1, 0.5]})
        self.assertEqual(json.loads(r.stdout), {"s": "é\x1f", "l": [1, 0.5]}, r.stderr)
        r = self.seed_client(name, "divide", {"a": 1, "b": 0})
        self.assertEqual((r.returncode, r.stderr.strip()), (1, "ZeroDivisionError: division by zero"))
        r = self.seed_client(name, "nope")
        self.assertEqual((r.returncode, r.stderr.strip()), (1, "RPCError: Unknown method: nope"))
        r = self.seed_client(name, "multiply", {"a": 6, "b": 7}, "--count", "50")
        self.assertEqual(r.stdout.split(), ["42"] * 50, r.stderr)
        srv.stop()

    def raw_request(self, params):
        """The request our posix client writes, caught by the seed's
        transport (seed_peer's Transport class) in this process."""
        seed = load_seed_peer()
        name = self.channel()
        t = seed.Transport(name, 4096, 2.0, owner=True)
        box = {"raw": None}

        def serve_one():
            try:
                data = t.receive_request()
            except seed.RPCError:  # the client sent nothing
                return
            box["raw"] = data
            req = json.loads(data)
            t.send_response(json.dumps({"request_id": req["request_id"], "result": True, "error": None}).encode())

        th = threading.Thread(target=serve_one)
        th.start()
        try:
            with RPCClient(name, transport="posix") as c:
                self.assertIs(c.call("echo", **params), True)
        finally:
            th.join(10)
            t.close()
        return box["raw"]

    def test_wire_params_as_the_seed_writes_them(self):
        params = {"a": 1, "b": "text é", "c": [True, None, -5], "d": {"e": 2**63 - 1}}
        raw = self.raw_request(params)
        self.assertIn(b'"params":' + dumps(params), raw)

    def test_wire_floats_and_escapes_as_the_seed_writes_them(self):
        params = {"f": [0.1, 1e16, 1e-7, 123.456], "s": "\x1f"}
        raw = self.raw_request(params)
        self.assertIn(b'"params":' + dumps(params), raw)

    def test_wire_u64_as_the_seed_writes_it(self):
        params = {"u": 2**64 - 1, "v": 2**63}
        raw = self.raw_request(params)
        self.assertIn(b'"params":' + dumps(params), raw)


class WithC(ChannelTest):
    def setUp(self):
        super().setUp()
        for path in (CALCULATOR_SERVER, SHMRPC_CALL):
            if not os.access(path, os.X_OK):
                self.fail("%s not built: run `make all` first" % path)

    def test_python_client_c_server(self):
        for transport in ("futex", "posix"):
            name = self.channel(transport)
            p = self.spawn([CALCULATOR_SERVER, "-t", transport, name], text=True)
            self.wait_line(p, "calculator serving")
            with RPCClient(name, transport=transport, wait_for_server=5) as c:
                self.assertEqual(c.call("add", a=5, b=3), 8)
                self.assertEqual(c.call("divide", a=1, b=4), 0.25)
                with self.assertRaises(RPCMethodError) as cm:
                    c.call("divide", a=1, b=0)
                self.assertEqual(str(cm.exception), "ZeroDivisionError: division by zero")
                with self.assertRaises(RPCMethodError) as cm:
                    c.call("nope")
                self.assertEqual(str(cm.exception), "RPCError: Unknown method: nope")
                # A C method takes jansson's 64-bit signed integers: beyond
                # them, an error that says so (with the request's id, or
                # the client would take it for a protocol error).
                for big in (2**63, 2**64 - 1, -(2**63) - 1):
                    with self.assertRaises(RPCMethodError) as cm:
                        c.call("add", a=big, b=1)
                    self.assertIn("integer out of range", str(cm.exception))
                    self.assertIn("-9223372036854775808 to 9223372036854775807", str(cm.exception))
                self.assertEqual(c.call("add", a=2**53, b=0), 2**53)
                self.assertEqual(c.call("multiply", a=0.1, b=3), 0.1 * 3)
                self.assertEqual(c.transport, transport)
            self.assertEqual(self.stop(p), 0)

    def test_c_client_python_server(self):
        for transport in ("futex", "posix"):
            name = self.channel(transport)
            srv = Serving(make_server(name, transport))
            r = subprocess.run([SHMRPC_CALL, "-t", transport, "-w", "5", name, "add", '{"a":2,"b":3}'],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual((r.returncode, r.stdout.strip()), (0, "5"), r.stderr)
            r = subprocess.run([SHMRPC_CALL, "-t", transport, name, "echo", '{"s":"é","l":[1,2.5,null]}'],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(json.loads(r.stdout), {"s": "é", "l": [1, 2.5, None]}, r.stderr)
            r = subprocess.run([SHMRPC_CALL, "-t", transport, name, "divide", '{"a":1,"b":0}'],
                               capture_output=True, text=True, timeout=60)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("ZeroDivisionError: division by zero", r.stderr)
            srv.stop()


if __name__ == "__main__":
    unittest.main()
