"""Helpers shared by the shmrpc Python tests.

The tests are plain unittest.TestCase classes, so they run under Debian's
pytest (`python3 -m pytest python/tests`) and under any interpreter without
pytest (`python3 -m unittest discover -s python/tests`).  The shmrpc package
under test is whatever `import shmrpc` finds: python/run-tests.sh puts the
build directory first on PYTHONPATH.

Every test gets a tag unique to the run (pid + random), names its channels
after it, and has a registry file of its own (SHMRPC_REGISTRY), as the bats
suites do; tearDown fails the test if anything with its tag is left in
/dev/shm, then removes it.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
import unittest

import shmrpc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
EXDIR = os.environ.get("EXDIR", "examples")
if not os.path.isabs(EXDIR):
    EXDIR = os.path.join(ROOT, EXDIR)
SEED_PEER = os.path.join(ROOT, "tests", "interop", "seed_peer.py")
SHMRPC_CALL = os.path.join(BUILD, "bin", "shmrpc-call")
CALCULATOR_SERVER = os.path.join(EXDIR, "calculator-server")
# Where `import shmrpc` found the package: children import it from there.
PKG_PATH = os.path.dirname(os.path.dirname(os.path.abspath(shmrpc.__file__)))

try:
    import pytest  # noqa: F401

    HAVE_PYTEST = True
except ImportError:
    HAVE_PYTEST = False


def shm_entries(tag):
    return sorted(f for f in os.listdir("/dev/shm") if tag in f)


def child_env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_PATH + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


class ChannelTest(unittest.TestCase):
    """A test with its own tag, registry and leak check."""

    def setUp(self):
        self.tag = "py%dx%s" % (os.getpid(), secrets.token_hex(4))
        self.registry = "/dev/shm/%s-registry.json" % self.tag
        self._old_registry = os.environ.get("SHMRPC_REGISTRY")
        os.environ["SHMRPC_REGISTRY"] = self.registry
        self.procs = []
        self.addCleanup(self._teardown)

    def _teardown(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            for f in (p.stdout, p.stderr):
                if f is not None:
                    f.close()
        if self._old_registry is None:
            os.environ.pop("SHMRPC_REGISTRY", None)
        else:
            os.environ["SHMRPC_REGISTRY"] = self._old_registry
        for suffix in ("", ".lock", ".tmp"):
            try:
                os.unlink(self.registry + suffix)
            except FileNotFoundError:
                pass
        left = shm_entries(self.tag)
        for f in left:
            try:
                os.unlink(os.path.join("/dev/shm", f))
            except OSError:
                pass
        if left:
            self.fail("test left objects in /dev/shm: %s" % left)

    def channel(self, suffix=""):
        return self.tag + ("_" + suffix if suffix else "")

    # -- child processes ---------------------------------------------------

    def spawn(self, argv, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("env", child_env())
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        return p

    def spawn_python(self, code, *args, **kw):
        return self.spawn([sys.executable, "-c", code] + list(args), text=True, **kw)

    def wait_line(self, proc, want, timeout=20.0):
        """Read proc's stdout until a line starting with `want`."""
        deadline = time.monotonic() + timeout
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith(want):
                return line
        err = proc.stderr.read() if proc.poll() is not None else ""
        self.fail("no %r line from child; got %r; stderr %r" % (want, lines, err))

    def stop(self, proc, sig=signal.SIGTERM, timeout=10.0):
        proc.send_signal(sig)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self.fail("child did not exit on signal %d" % sig)


def wait_for(predicate, timeout=10.0, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
