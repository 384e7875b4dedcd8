"""A server process leaves /dev/shm clean on SIGTERM and SIGINT, as the
seed's did: in start() on the main thread, in start() on a worker thread,
inside a method, and before start()."""

import os
import signal
import time
import unittest

from support import ChannelTest, shm_entries

SERVER = """
import sys, threading, time, shmrpc
name, transport, mode = sys.argv[1:4]
s = shmrpc.RPCServer(name, transport=transport)
s.register("add", lambda a, b: a + b)
s.register("sleep", lambda seconds: time.sleep(seconds) or True)
print("ready", flush=True)
if mode == "main":
    s.start()
elif mode == "thread":
    t = threading.Thread(target=s.start)
    t.start()
    t.join()
elif mode == "idle":
    # not serving: the handler closes the server and the program goes on
    while not s.closed:
        time.sleep(0.01)
print("stopped", flush=True)
"""


class Signals(ChannelTest):
    def run_case(self, transport, mode, sig, busy=False):
        name = self.channel(transport)
        p = self.spawn_python(SERVER, name, transport, mode)
        self.wait_line(p, "ready")
        self.assertNotEqual(shm_entries(name), [])
        if busy:
            import shmrpc
            import threading

            c = shmrpc.RPCClient(name, transport=transport, timeout=5)
            box = {}
            t = threading.Thread(target=lambda: box.update(r=c.call("sleep", seconds=0.5)))
            t.start()
            import time

            time.sleep(0.2)
        rc = self.stop(p, sig)
        out, err = p.communicate()
        if busy:
            t.join(10)
            c.close()
            self.assertIs(box.get("r"), True)  # the call in hand is answered
        self.assertEqual(rc, 0, err)
        self.assertIn("stopped", out)
        self.assertEqual(shm_entries(name), [], err)
        if os.path.exists(self.registry):
            with open(self.registry) as f:
                self.assertNotIn('"%s"' % name, f.read())

    def test_sigterm_main(self):
        for t in ("futex", "posix"):
            self.run_case(t, "main", signal.SIGTERM)

    def test_sigint_main(self):
        for t in ("futex", "posix"):
            self.run_case(t, "main", signal.SIGINT)

    def test_sigterm_thread(self):
        for t in ("futex", "posix"):
            self.run_case(t, "thread", signal.SIGTERM)

    def test_sigint_thread(self):
        self.run_case("futex", "thread", signal.SIGINT)

    def test_sigterm_idle(self):
        self.run_case("futex", "idle", signal.SIGTERM)

    def test_sigterm_during_a_method(self):
        for t in ("futex", "posix"):
            self.run_case(t, "main", signal.SIGTERM, busy=True)

    def test_signal_before_start(self):
        # The handler closed the server; start() then has nothing to do.
        code = ("import os, signal, sys, shmrpc\n"
                "s = shmrpc.RPCServer(sys.argv[1])\n"
                "os.kill(os.getpid(), signal.SIGTERM)\n"
                "assert s.closed\n"
                "s.start()\n"
                "print('stopped')\n")
        p = self.spawn_python(code, self.channel())
        out, err = p.communicate(timeout=30)
        self.assertEqual((p.returncode, out.strip()), (0, "stopped"), err)

    def test_other_signals_handlers_run_while_start_waits(self):
        # start() on the main thread gives Python its signals back at once:
        # the program's own SIGUSR1 handler runs while the server waits,
        # and here stops it.
        code = ("import signal, sys, time, shmrpc\n"
                "s = shmrpc.RPCServer(sys.argv[1], transport=sys.argv[2])\n"
                "def usr1(*a):\n"
                "    print('usr1', flush=True)\n"
                "    s.stop()\n"
                "signal.signal(signal.SIGUSR1, usr1)\n"
                "print('ready', flush=True)\n"
                "s.start()\n"
                "print('stopped', flush=True)\n")
        for transport in ("futex", "posix"):
            p = self.spawn_python(code, self.channel(transport), transport)
            self.wait_line(p, "ready")
            time.sleep(0.3)  # well inside start()'s wait
            t0 = time.monotonic()
            p.send_signal(signal.SIGUSR1)
            out, err = p.communicate(timeout=30)
            self.assertLess(time.monotonic() - t0, 2.0)
            self.assertEqual((p.returncode, out.split()), (0, ["usr1", "stopped"]), err)
            self.assertEqual(shm_entries(self.channel(transport)), [])

    def test_handlers_restored_after_close(self):
        code = ("import signal, shmrpc, sys\n"
                "before = signal.getsignal(signal.SIGINT)\n"
                "s = shmrpc.RPCServer(sys.argv[1])\n"
                "assert signal.getsignal(signal.SIGINT) == s._on_signal\n"
                "s.close()\n"
                "assert signal.getsignal(signal.SIGINT) is before\n"
                "assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL\n"
                "print('ok')\n")
        p = self.spawn_python(code, self.channel())
        out, err = p.communicate(timeout=30)
        self.assertEqual((p.returncode, out.strip()), (0, "ok"), err)


if __name__ == "__main__":
    unittest.main()
