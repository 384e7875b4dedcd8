"""The seed's API and behaviour: calculator, accumulator, errors, timeouts,
many clients and channels, context managers, threads and the GIL."""

import json
import os
import threading
import time
import unittest

import shmrpc
from shmrpc import (
    RPCClient,
    RPCError,
    RPCMethodError,
    RPCSerializationError,
    RPCServer,
    RPCTimeoutError,
    RPCTransportError,
)

from support import ChannelTest, shm_entries, wait_for

TRANSPORTS = ("futex", "posix")


class Accumulator:
    """The seed's examples/stateful accumulator."""

    def __init__(self):
        self.totals = {}

    def accumulate(self, client_id, val):
        self.totals[client_id] = self.totals.get(client_id, 0.0) + val
        return self.totals[client_id]

    def clear(self, client_id):
        del self.totals[client_id]


class CustomError(Exception):
    pass


def make_server(name, transport, **kw):
    s = RPCServer(name, transport=transport, **kw)
    s.register("add", lambda a, b: a + b)
    s.register("subtract", lambda a, b: a - b)
    s.register("multiply", lambda a, b: a * b)

    @s.register_function
    def divide(a, b):
        return a / b

    @s.register_function
    def echo(**kw):
        return kw

    @s.register_function
    def sleep(seconds):
        time.sleep(seconds)
        return True

    s.register("give_set", lambda: {1, 2})

    @s.register_function
    def fail(kind, message=""):
        raise {"value": ValueError, "custom": CustomError, "key": KeyError}[kind](message)

    return s


class Serving:
    """A server started in a thread of this process."""

    def __init__(self, server):
        self.server = server
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.server.start()
        except BaseException as e:  # noqa: B902 - reported by stop()
            self.error = e

    def stop(self):
        self.server.stop()
        self.thread.join(10)
        assert not self.thread.is_alive(), "server thread did not stop"
        if self.error is not None:
            raise self.error


class Calculator(ChannelTest):
    def run_calculator(self, transport):
        name = self.channel(transport)
        srv = Serving(make_server(name, transport))
        with RPCClient(name, transport=transport, wait_for_server=5) as c:
            self.assertEqual(c.call("add", a=5, b=3), 8)
            self.assertEqual(c.call("subtract", a=5, b=3), 2)
            self.assertEqual(c.call("multiply", a=2.5, b=4), 10.0)
            self.assertEqual(c.call("divide", a=1, b=4), 0.25)
            with self.assertRaises(RPCMethodError) as cm:
                c.call("divide", a=1, b=0)
            self.assertEqual(str(cm.exception), "ZeroDivisionError: division by zero")
            self.assertIsInstance(cm.exception, RPCError)
            self.assertEqual(c.call("add", a="x", b="y"), "xy")
            self.assertIs(c.call("__running__"), True)
        srv.stop()
        self.assertTrue(srv.server.closed)
        self.assertEqual(shm_entries(name), [])

    def test_calculator_futex(self):
        self.run_calculator("futex")

    def test_calculator_posix(self):
        self.run_calculator("posix")

    def test_accumulator_stateful(self):
        name = self.channel()
        acc = Accumulator()
        s = RPCServer(name)
        s.register("accumulate", acc.accumulate)
        s.register("clear", acc.clear)
        srv = Serving(s)
        with RPCClient(name) as c1, RPCClient(name) as c2:
            for i in range(1, 6):
                self.assertEqual(c1.call("accumulate", client_id="one", val=i), sum(range(1, i + 1)))
                self.assertEqual(c2.call("accumulate", client_id="two", val=0.5), 0.5 * i)
            self.assertIsNone(c1.call("clear", client_id="one"))
            self.assertEqual(c1.call("accumulate", client_id="one", val=1), 1.0)
            with self.assertRaises(RPCMethodError) as cm:
                c2.call("clear", client_id="nobody")
            self.assertEqual(str(cm.exception), "KeyError: 'nobody'")
        srv.stop()


class Errors(ChannelTest):
    def setUp(self):
        super().setUp()
        self.name = self.channel()
        self.srv = Serving(make_server(self.name, None))
        self.addCleanup(self.srv.stop)
        self.client = RPCClient(self.name, timeout=2.0)
        self.addCleanup(self.client.close)

    def test_unknown_method(self):
        with self.assertRaises(RPCMethodError) as cm:
            self.client.call("nope", x=1)
        self.assertEqual(str(cm.exception), "RPCError: Unknown method: nope")
        self.assertIsInstance(cm.exception, RPCError)

    def test_exceptions_as_type_colon_message(self):
        for kind, msg, want in (("value", "bad value", "ValueError: bad value"),
                                ("custom", "mine", "CustomError: mine"),
                                ("key", "k", "KeyError: 'k'"),
                                ("value", "", "ValueError: ")):
            with self.assertRaises(RPCMethodError) as cm:
                self.client.call("fail", kind=kind, message=msg)
            self.assertEqual(str(cm.exception), want)

    def test_wrong_arguments_are_a_type_error(self):
        with self.assertRaises(RPCMethodError) as cm:
            self.client.call("add", a=1, c=2)
        self.assertTrue(str(cm.exception).startswith("TypeError: "), str(cm.exception))
        self.assertIn("unexpected keyword argument 'c'", str(cm.exception))

    def test_unserialisable_result_is_an_error_and_serving_goes_on(self):
        # (the seed's server dies of this; ours answers and goes on)
        with self.assertRaises(RPCMethodError) as cm:
            self.client.call("give_set")
        self.assertEqual(str(cm.exception),
                         "RPCSerializationError: Failed to serialize data: Type is not JSON serializable: set")
        self.assertEqual(self.client.call("add", a=1, b=1), 2)

    def test_unserialisable_params(self):
        with self.assertRaises(RPCSerializationError) as cm:
            self.client.call("echo", x={1, 2})
        self.assertIn("Type is not JSON serializable: set", str(cm.exception))
        with self.assertRaises(RPCSerializationError):
            self.client.call("echo", x="\ud800")
        self.assertEqual(self.client.call("echo", x=1), {"x": 1})

    def test_method_given_by_keyword(self):
        self.assertEqual(self.client.call(method="echo", x=1), {"x": 1})
        with self.assertRaises(TypeError):
            self.client.call("echo", method="echo")
        with self.assertRaises(TypeError):
            self.client.call()
        with self.assertRaises(TypeError):
            self.client.call(1)

    def test_message_too_large(self):
        with self.assertRaises(RPCTransportError) as cm:
            self.client.call("echo", x="y" * 5000)
        self.assertIn("Message too large", str(cm.exception))
        self.assertEqual(self.client.call("echo", x="y" * 3000), {"x": "y" * 3000})

    def test_response_too_large(self):
        with self.assertRaises(RPCMethodError) as cm:
            self.client.call("multiply", a="z", b=5000)
        self.assertIn("Response too large", str(cm.exception))

    def test_timeout_then_late_reply_discarded(self):
        c = RPCClient(self.name, timeout=0.3)
        self.addCleanup(c.close)
        t0 = time.monotonic()
        with self.assertRaises(RPCTimeoutError):
            c.call("sleep", seconds=1.0)
        self.assertLess(time.monotonic() - t0, 0.9)
        self.assertIsInstance(RPCTimeoutError("x"), RPCError)
        # the late True must not be taken as the next call's answer
        time.sleep(0.8)
        self.assertEqual(c.call("echo", after=1), {"after": 1})

    def test_values_round_trip(self):
        v = {"s": "é中😀\x1f\"\\", "l": [1, -2, 3.5, None, True, False], "d": {"x": {"y": []}},
             "big": 2**63 - 1, "neg": -(2**63), "f": 0.1, "tiny": 5e-324}
        self.assertEqual(self.client.call("echo", **v), v)
        self.assertEqual(self.client.call("echo", t=(1, 2)), {"t": [1, 2]})

    def test_integers_beyond_int64_end_to_end(self):
        for v in (2**63, 2**64 - 1, 2**64, -(2**63) - 1, 10**40):
            self.assertEqual(self.client.call("echo", v=v), {"v": v})
            self.assertEqual(self.client.call("add", a=v, b=1), v + 1)

    def test_long_error_message_complete(self):
        msg = "m" * 2000
        with self.assertRaises(RPCMethodError) as cm:
            self.client.call("fail", kind="value", message=msg)
        self.assertEqual(str(cm.exception), "ValueError: " + msg)


class Lifecycle(ChannelTest):
    def test_context_managers_and_cleanup(self):
        name = self.channel()
        with make_server(name, None) as s:
            self.assertNotEqual(shm_entries(name), [])
            srv = Serving(s)
            with RPCClient(name) as c:
                self.assertEqual(c.call("add", a=1, b=2), 3)
            self.assertTrue(c.closed)
            with self.assertRaises(RPCTransportError):
                c.call("add", a=1, b=2)
            c.close()  # idempotent
            s.stop()
            srv.thread.join(10)
        self.assertTrue(s.closed)
        self.assertEqual(shm_entries(name), [])
        if os.path.exists(self.registry):  # the library removes it when empty
            with open(self.registry) as f:
                self.assertNotIn('"%s"' % name, f.read())

    def test_close_without_start_removes_the_channel(self):
        name = self.channel()
        for transport in TRANSPORTS:
            s = RPCServer(name, transport=transport)
            self.assertNotEqual(shm_entries(name), [])
            s.close()
            s.close()
            self.assertEqual(shm_entries(name), [])
            with self.assertRaises(RPCError):
                s.start()

    def test_dropped_server_is_closed(self):
        # Built off the main thread, a server installs no signal handlers,
        # so nothing else refers to it: dropping it closes it.
        name = self.channel()
        box = {}
        t = threading.Thread(target=lambda: box.update(s=RPCServer(name)))
        t.start()
        t.join()
        self.assertNotEqual(shm_entries(name), [])
        del box["s"]
        self.assertEqual(shm_entries(name), [])

    def test_stop_before_start(self):
        s = RPCServer(self.channel())
        s.stop()
        s.start()  # returns at once, and closes
        self.assertTrue(s.closed)

    def test_second_server_on_a_name_fails(self):
        name = self.channel()
        with RPCServer(name):
            with self.assertRaises(RPCTransportError) as cm:
                RPCServer(name)
            self.assertIn("Failed to initialize transport", str(cm.exception))

    def test_missing_channel(self):
        name = self.channel()
        with self.assertRaises(RPCTransportError):
            RPCClient(name)
        t0 = time.monotonic()
        with self.assertRaises(RPCTransportError) as cm:
            RPCClient(name, wait_for_server=0.3)
        self.assertGreaterEqual(time.monotonic() - t0, 0.25)
        self.assertIn("Timed out waiting", str(cm.exception))

    def test_wait_for_server(self):
        name = self.channel()
        box = {}

        def later():
            time.sleep(0.3)
            box["srv"] = Serving(make_server(name, None))

        t = threading.Thread(target=later)
        t.start()
        with RPCClient(name, wait_for_server=10) as c:
            self.assertEqual(c.call("add", a=1, b=1), 2)
        t.join()
        box["srv"].stop()

    def test_argument_checks(self):
        name = self.channel()
        with self.assertRaises(ValueError):
            RPCServer(name, transport="carrier-pigeon")
        with self.assertRaises(TypeError):
            RPCServer(name, transport=1)
        with self.assertRaises(ValueError):
            RPCServer(name, buffer_size=4)
        with self.assertRaises(TypeError):
            RPCServer(name, timeout="soon")
        with self.assertRaises(TypeError):
            RPCServer(name, 4096, 5.0, "futex")  # transport is keyword-only
        with self.assertRaises(RPCTransportError):
            RPCServer("bad/name")
        with RPCServer(name, buffer_size=8192, timeout=None) as s:
            with self.assertRaises(TypeError):
                s.register("x", 1)
            with self.assertRaises(ValueError):
                s.register("", print)
            s.register("__running__", lambda: False)  # the library answers it
        self.assertEqual(shm_entries(name), [])

    def test_base_exception_in_method_ends_start(self):
        name = self.channel()
        s = RPCServer(name)

        @s.register_function
        def leave():
            raise SystemExit(3)

        box = {}

        def run():
            try:
                s.start()
            except SystemExit as e:
                box["exit"] = e.code

        t = threading.Thread(target=run)
        t.start()
        with RPCClient(name, wait_for_server=5) as c:
            with self.assertRaises(RPCMethodError) as cm:
                c.call("leave")
        self.assertEqual(str(cm.exception), "SystemExit: 3")
        t.join(10)
        self.assertEqual(box.get("exit"), 3)
        self.assertTrue(s.closed)

    def test_close_from_inside_a_method(self):
        name = self.channel()
        s = RPCServer(name)
        s.register("bye", lambda: s.close())
        srv = Serving(s)
        with RPCClient(name, wait_for_server=5) as c:
            self.assertIsNone(c.call("bye"))
        srv.thread.join(10)
        self.assertFalse(srv.thread.is_alive())
        self.assertEqual(shm_entries(name), [])

    def test_register_while_serving(self):
        name = self.channel()
        s = RPCServer(name)
        srv = Serving(s)
        self.addCleanup(srv.stop)
        time.sleep(0.1)
        s.register("late", lambda: "late")
        with RPCClient(name) as c:
            self.assertEqual(c.call("late"), "late")

    def test_default_client_transport_finds_a_posix_server(self):
        name = self.channel()
        srv = Serving(make_server(name, "posix"))
        with RPCClient(name) as c:
            self.assertEqual(c.call("add", a=2, b=2), 4)
        srv.stop()

    def test_explicit_futex_client_does_not_reach_a_posix_server(self):
        name = self.channel()
        with make_server(name, "posix"):
            with self.assertRaises(RPCTransportError):
                RPCClient(name, transport="futex")


class Concurrency(ChannelTest):
    def test_many_threads_on_one_client_and_many_clients(self):
        name = self.channel()
        srv = Serving(make_server(name, None))
        shared = RPCClient(name)
        wrong = []

        def worker(i, own):
            c = RPCClient(name) if own else shared
            try:
                for j in range(300):
                    r = c.call("echo", i=i, j=j)
                    if r != {"i": i, "j": j}:
                        wrong.append(r)
            finally:
                if own:
                    c.close()

        threads = [threading.Thread(target=worker, args=(i, i % 2 == 0)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        shared.close()
        srv.stop()
        self.assertEqual(wrong, [])

    def test_client_processes_never_cross_replies(self):
        # The seed's clients cross replies (411 wrong of 800 in the issue's
        # run); ours lock.  8 client processes on one channel, each checking
        # every answer; SHMRPC_PY_CROSS_CALLS calls each (python/bench/
        # cross_replies.py makes the 100,000 of the issue).
        calls = int(os.environ.get("SHMRPC_PY_CROSS_CALLS", "400"))
        for transport in TRANSPORTS:
            name = self.channel(transport)
            srv = Serving(make_server(name, transport))
            code = ("import sys, shmrpc\n"
                    "c = shmrpc.RPCClient(sys.argv[1], wait_for_server=5, transport=sys.argv[3])\n"
                    "bad = sum(c.call('echo', p=sys.argv[2], j=j) != {'p': sys.argv[2], 'j': j} for j in range(int(sys.argv[4])))\n"
                    "print('wrong', bad, flush=True)\n")
            procs = [self.spawn_python(code, name, str(i), transport, str(calls)) for i in range(8)]
            for p in procs:
                out, err = p.communicate(timeout=300)
                self.assertEqual(p.returncode, 0, err)
                self.assertEqual(out.strip(), "wrong 0")
            srv.stop()

    def test_many_channels(self):
        servers = []
        for i in range(6):
            transport = TRANSPORTS[i % 2]
            servers.append((self.channel(str(i)), transport, Serving(make_server(self.channel(str(i)), transport))))
        results = {}

        def use(name, transport):
            with RPCClient(name, transport=transport, wait_for_server=5) as c:
                results[name] = [c.call("echo", ch=name, k=k)["ch"] for k in range(50)]

        threads = [threading.Thread(target=use, args=(n, t)) for n, t, _ in servers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for n, _, s in servers:
            s.stop()
            self.assertEqual(results[n], [n] * 50)

    def test_parallel_start_threads_on_one_futex_server(self):
        name = self.channel()
        s = make_server(name, "futex")
        runners = [Serving(s) for _ in range(3)]
        with RPCClient(name) as c1, RPCClient(name) as c2:
            t = threading.Thread(target=c1.call, args=("sleep",), kwargs={"seconds": 0.3})
            t.start()
            time.sleep(0.05)
            t0 = time.monotonic()
            self.assertEqual(c2.call("add", a=1, b=2), 3)  # not queued behind the sleep
            self.assertLess(time.monotonic() - t0, 0.25)
            t.join()
        s.stop()
        for r in runners:
            r.thread.join(10)
            self.assertFalse(r.thread.is_alive())
        self.assertTrue(s.closed)


class GIL(ChannelTest):
    def ticks_during(self, fn):
        """How far a pure-Python counter thread gets while fn() runs."""
        box = {"n": 0, "stop": False}

        def spin():
            while not box["stop"]:
                box["n"] += 1

        t = threading.Thread(target=spin)
        t.start()
        try:
            time.sleep(0.05)
            before = box["n"]
            fn()
            return box["n"] - before
        finally:
            box["stop"] = True
            t.join()

    def test_waiting_server_releases_the_gil(self):
        name = self.channel()
        s = RPCServer(name)
        srv = Serving(s)
        time.sleep(0.1)
        # A busy Python thread keeps counting while the server waits.
        n = self.ticks_during(lambda: time.sleep(0.3))
        srv.stop()
        self.assertGreater(n, 10000)

    def test_waiting_client_releases_the_gil(self):
        name = self.channel()
        code = ("import sys, time, shmrpc\n"
                "s = shmrpc.RPCServer(sys.argv[1])\n"
                "s.register('sleep', lambda seconds: time.sleep(seconds) or True)\n"
                "print('ready', flush=True)\n"
                "s.start()\n")
        p = self.spawn_python(code, name)
        self.wait_line(p, "ready")
        with RPCClient(name) as c:
            n = self.ticks_during(lambda: self.assertIs(c.call("sleep", seconds=0.3), True))
        self.stop(p)
        self.assertGreater(n, 10000)


if __name__ == "__main__":
    unittest.main()
