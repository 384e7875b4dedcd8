#!/usr/bin/env python3
"""Time shmrpc calls from Python: the issue 14 cases.

    PYTHONPATH=$(make -s python-libdir) flock /tmp/libshmrpc-bench.lock \
        python3 python/bench/bench_rpc.py [--runs 7] [--calls 20000]

Cases (each a server process and a client in this process):
  add-c        Python client -> C calculator-server, small `add`
  add-py       Python client -> Python server, small `add`
  echo-2mb-py  Python client -> Python server, echo of a 2 MB string
Each run times `calls` calls (fewer for 2 MB) after a warm-up and reports
the mean per call; the median over runs is printed with the min and max.
While issue 14 part 1 stands, calls go through the interim json_t adapter
(python/src/interim_jansson.c), so these are not the final figures.
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time

import shmrpc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKG = os.path.dirname(os.path.dirname(os.path.abspath(shmrpc.__file__)))

PY_SERVER = """
import sys, shmrpc
s = shmrpc.RPCServer(sys.argv[1], buffer_size=int(sys.argv[2]), transport=sys.argv[3])
s.register("add", lambda a, b: a + b)
s.register("echo", lambda **kw: kw)
print("ready", flush=True)
s.start()
"""


def start_server(kind, name, buffer_size, transport):
    env = dict(os.environ, PYTHONPATH=PKG)
    if kind == "c":
        argv = [os.path.join(ROOT, "examples", "calculator-server"), "-t", transport,
                "-b", str(buffer_size), name]
        want = "calculator serving"
    else:
        argv = [sys.executable, "-c", PY_SERVER, name, str(buffer_size), transport]
        want = "ready"
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    line = p.stdout.readline()
    if not line.startswith(want):
        p.kill()
        raise SystemExit("server did not start: %r" % line)
    return p


def run_case(label, kind, method, params, calls, runs, buffer_size, transport):
    name = "bench%dx%s" % (os.getpid(), secrets.token_hex(3))
    p = start_server(kind, name, buffer_size, transport)
    try:
        with shmrpc.RPCClient(name, buffer_size=buffer_size, transport=transport, timeout=30) as c:
            for _ in range(max(10, calls // 10)):
                c.call(method, **params)
            per_call = []
            for _ in range(runs):
                t0 = time.perf_counter()
                for _ in range(calls):
                    c.call(method, **params)
                per_call.append((time.perf_counter() - t0) / calls)
    finally:
        p.terminate()
        p.wait()
    med = statistics.median(per_call)
    unit, scale = ("us", 1e6) if med < 1e-3 else ("ms", 1e3)
    print("%-12s %-6s median %8.2f %s  (min %.2f, max %.2f; %d runs x %d calls)"
          % (label, transport, med * scale, unit, min(per_call) * scale, max(per_call) * scale, runs, calls))
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--transport", default="futex")
    args = ap.parse_args()
    os.environ.setdefault("SHMRPC_REGISTRY", "/dev/shm/bench%d-registry.json" % os.getpid())
    print("shmrpc %s, library %s, Python %s (interim json_t adapter)"
          % (shmrpc.__version__, shmrpc.library_version, sys.version.split()[0]))
    t = args.transport
    run_case("add-c", "c", "add", {"a": 5, "b": 3}, args.calls, args.runs, 4096, t)
    run_case("add-py", "py", "add", {"a": 5, "b": 3}, args.calls, args.runs, 4096, t)
    run_case("echo-2mb-py", "py", "echo", {"s": "x" * (2 * 1024 * 1024)}, max(20, args.calls // 400),
             args.runs, 3 * 1024 * 1024, t)


if __name__ == "__main__":
    main()
