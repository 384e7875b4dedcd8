#!/usr/bin/env python3
"""seed_peer.py - an independent stand-in for shm-rpc-bridge 0.2.2 (the "seed").

Written from the protocol description in design.md ("The seed's wire format")
and the package's README, using only the Python standard library (ctypes for
the POSIX semaphore and shm calls).  It plays the seed in interop tests, so it
reproduces the seed's behaviour, warts included, and adds nothing:

  * objects for channel NAME: shm segments /srb_NAME_req and /srb_NAME_resp
    (exactly buffer_size bytes, O_CREAT|O_EXCL, mode 0600) and named
    semaphores /srb_NAME_{req_empty=1, req_full=0, resp_empty=1, resp_full=0};
  * a buffer holds [u32 length, native byte order][payload], payload length
    <= buffer_size - 4; a length outside that range is an error, not a read;
  * client call:  wait req_empty, write, post req_full, wait resp_full, read,
                  post resp_empty;
    server loop:  wait req_full, read, post req_empty, run, wait resp_empty,
                  write, post resp_full;
    every wait is sem_timedwait with the timeout (default 5 s);
  * like the seed, the server treats a request it cannot decode (bad length,
    bad JSON, missing key) or a response it cannot send (too large, timeout)
    as fatal: it unlinks its six objects and exits 1.  Method errors are
    answered as "<ExceptionClass>: <message>".
  * the server unlinks all six objects on exit (and on SIGTERM/SIGINT);
    clients only unmap and close.

Usage:
  seed_peer.py server NAME [--buffer-size N] [--timeout S] [--verbose]
                      [--slow-create S]
  seed_peer.py client NAME METHOD [PARAMS_JSON] [--buffer-size N]
                      [--timeout S] [--wait S] [--count N]
  seed_peer.py raw-client NAME [--buffer-size N] [--timeout S] [--wait S]
                      [--header-length N]      (payload on stdin)

Exit status: 0 ok; 1 remote method error (client) or fatal server error;
2 usage error; 3 transport/protocol failure (missing channel, timeout,
message too large, undecodable response, request_id mismatch).
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import json
import math
import mmap
import os
import signal
import struct
import sys
import time
import uuid

PREFIX = "srb"
HEADER_SIZE = 4
DEFAULT_BUFFER_SIZE = 4096
DEFAULT_TIMEOUT = 5.0
WAIT_POLL_INTERVAL = 0.01  # the seed polls every 10 ms while waiting for a server

EXIT_OK = 0
EXIT_REMOTE = 1
EXIT_USAGE = 2
EXIT_TRANSPORT = 3


# ---------------------------------------------------------------------------
# Errors, named after the seed's exception classes (the text printed on
# stderr starts with the class name, as the seed's messages would).
# ---------------------------------------------------------------------------


class RPCError(Exception):
    pass


class RPCTimeoutError(RPCError):
    pass


class RPCMethodError(RPCError):
    pass


class RPCTransportError(RPCError):
    pass


class RPCSerializationError(RPCError):
    pass


class _Stop(BaseException):
    """Raised to leave the server loop on SIGTERM/SIGINT."""


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------------------
# libc via ctypes
# ---------------------------------------------------------------------------


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def _load_libc() -> ctypes.CDLL:
    candidates = ["libc.so.6", None]
    for cand in candidates:
        try:
            lib = ctypes.CDLL(cand, use_errno=True)
        except OSError:
            continue
        if hasattr(lib, "sem_timedwait"):
            break
    else:
        raise SystemExit("seed_peer: cannot load libc")
    if not hasattr(lib, "shm_open"):  # glibc < 2.34 keeps shm_* in librt
        rt = ctypes.CDLL("librt.so.1", use_errno=True)
        lib.shm_open = rt.shm_open
        lib.shm_unlink = rt.shm_unlink
    return lib


libc = _load_libc()
libc.shm_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint]
libc.shm_open.restype = ctypes.c_int
libc.shm_unlink.argtypes = [ctypes.c_char_p]
libc.shm_unlink.restype = ctypes.c_int
# sem_open is variadic; with exactly four arguments this matches the SysV
# x86-64 and AAPCS64 calling conventions used on Linux.
libc.sem_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_uint]
libc.sem_open.restype = ctypes.c_void_p  # SEM_FAILED is (sem_t *)0 on glibc
libc.sem_close.argtypes = [ctypes.c_void_p]
libc.sem_close.restype = ctypes.c_int
libc.sem_unlink.argtypes = [ctypes.c_char_p]
libc.sem_unlink.restype = ctypes.c_int
libc.sem_post.argtypes = [ctypes.c_void_p]
libc.sem_post.restype = ctypes.c_int
libc.sem_timedwait.argtypes = [ctypes.c_void_p, ctypes.POINTER(Timespec)]
libc.sem_timedwait.restype = ctypes.c_int

SEM_FAILED_VALUES = (None, 0, ctypes.c_void_p(-1).value)

# Set by the server's signal handler; checked by the server loop and when a
# wait is interrupted.
_stop_requested = False


def _oserror(what: str, name: str) -> OSError:
    e = ctypes.get_errno()
    return OSError(e, f"{what}({name}): {os.strerror(e)}")


def shm_open(name: str, flags: int, mode: int = 0) -> int:
    fd = libc.shm_open(name.encode(), flags, mode)
    if fd < 0:
        raise _oserror("shm_open", name)
    return fd


def shm_unlink(name: str) -> None:
    if libc.shm_unlink(name.encode()) != 0:
        raise _oserror("shm_unlink", name)


def sem_open(name: str, flags: int, mode: int = 0, value: int = 0) -> int:
    sem = libc.sem_open(name.encode(), flags, mode, value)
    if sem in SEM_FAILED_VALUES:
        raise _oserror("sem_open", name)
    return sem


def sem_unlink(name: str) -> None:
    if libc.sem_unlink(name.encode()) != 0:
        raise _oserror("sem_unlink", name)


def sem_post(sem: int) -> None:
    if libc.sem_post(sem) != 0:
        raise _oserror("sem_post", "")


def sem_timedwait(sem: int, timeout: float) -> bool:
    """Wait with an absolute CLOCK_REALTIME deadline. True if acquired,
    False on timeout.  An interrupted wait is resumed with the same deadline
    unless the server was asked to stop."""
    deadline = time.time_ns() + max(0, int(timeout * 1e9))
    ts = Timespec(deadline // 1_000_000_000, deadline % 1_000_000_000)
    while True:
        if libc.sem_timedwait(sem, ctypes.byref(ts)) == 0:
            return True
        err = ctypes.get_errno()
        if err == errno.ETIMEDOUT:
            return False
        if err == errno.EINTR:
            _check_stop()
            continue
        raise OSError(err, f"sem_timedwait: {os.strerror(err)}")


def _check_stop() -> None:
    # A function call gives the interpreter a chance to run a pending
    # Python-level signal handler before the flag is read.
    if _stop_requested:
        raise _Stop()


# ---------------------------------------------------------------------------
# JSON as the seed does it (orjson): compact UTF-8, non-ASCII unescaped,
# NaN/Infinity rejected on input and written as null, 64-bit integers only.
# ---------------------------------------------------------------------------


def _reject_constant(name: str) -> None:
    raise ValueError(f"invalid JSON constant {name}")


def _sanitize(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        if not -(1 << 63) <= obj < (1 << 64):
            raise TypeError("Integer exceeds 64-bit range")
        return obj
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError("Dict key must be str")
            out[k] = _sanitize(v)
        return out
    if isinstance(obj, (list, tuple)):
        return [_sanitize(v) for v in obj]
    raise TypeError(f"Type is not JSON serializable: {type(obj).__name__}")


def serialize(obj) -> bytes:
    try:
        return json.dumps(
            _sanitize(obj), separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as e:  # UnicodeEncodeError is a ValueError
        raise RPCSerializationError(f"Failed to serialize data: {e}") from e


def deserialize(data: bytes):
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:  # JSONDecodeError, UnicodeDecodeError
        raise RPCSerializationError(f"Failed to deserialize data: {e}") from e


def compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------------------
# Transport
# ---------------------------------------------------------------------------


class Transport:
    """The six objects of one channel; owner=True for the server."""

    def __init__(self, name: str, buffer_size: int, timeout: float, owner: bool,
                 slow_create: float = 0.0):
        self.name = name
        self.slow_create = slow_create  # seconds between creation steps
        self.buffer_size = buffer_size
        self.timeout = timeout
        self.owner = owner
        base = f"/{PREFIX}_{name}"
        self.req_shm_name = f"{base}_req"
        self.resp_shm_name = f"{base}_resp"
        self.sem_names = {
            "req_empty": f"{base}_req_empty",
            "req_full": f"{base}_req_full",
            "resp_empty": f"{base}_resp_empty",
            "resp_full": f"{base}_resp_full",
        }
        self.req_map: mmap.mmap | None = None
        self.resp_map: mmap.mmap | None = None
        self.sems: dict[str, int] = {}
        self.created_shm: list[str] = []  # only what this process created
        self.created_sem: list[str] = []
        try:
            if owner:
                self._create()
            else:
                self._open()
        except Exception as e:
            self.close()
            raise RPCTransportError(f"Failed to initialize transport: {e}") from e

    # -- setup -------------------------------------------------------------

    def _create(self) -> None:
        maps = []
        for shm_name in (self.req_shm_name, self.resp_shm_name):
            fd = shm_open(shm_name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
            self.created_shm.append(shm_name)
            try:
                # The seed's window: the segment exists with 0 bytes
                # until ftruncate() (--slow-create widens it).
                time.sleep(self.slow_create)
                os.ftruncate(fd, self.buffer_size)
                maps.append(mmap.mmap(fd, self.buffer_size))
            finally:
                os.close(fd)
            if shm_name == self.req_shm_name:
                self.req_map = maps[-1]
            else:
                self.resp_map = maps[-1]
        for key, initial in (
            ("req_empty", 1),
            ("req_full", 0),
            ("resp_empty", 1),
            ("resp_full", 0),
        ):
            name = self.sem_names[key]
            time.sleep(self.slow_create)
            self.sems[key] = sem_open(name, os.O_CREAT | os.O_EXCL, 0o600, initial)
            self.created_sem.append(name)

    def _open(self) -> None:
        fds = []
        try:
            for shm_name in (self.req_shm_name, self.resp_shm_name):
                fds.append(shm_open(shm_name, os.O_RDWR, 0))
            for label, fd in zip(("Request", "Response"), fds):
                size = os.fstat(fd).st_size
                if size < self.buffer_size:
                    raise RPCTransportError(
                        f"{label} shared memory size mismatch: expected at least "
                        f"{self.buffer_size}, got {size}"
                    )
            self.req_map = mmap.mmap(fds[0], self.buffer_size)
            self.resp_map = mmap.mmap(fds[1], self.buffer_size)
        finally:
            for fd in fds:
                os.close(fd)
        for key in ("req_empty", "req_full", "resp_empty", "resp_full"):
            self.sems[key] = sem_open(self.sem_names[key], 0)

    # -- buffers -----------------------------------------------------------

    def _check_size(self, data: bytes) -> None:
        if len(data) > self.buffer_size - HEADER_SIZE:
            raise RPCTransportError(
                f"Message too large: {len(data)} bytes exceeds buffer size"
            )

    @staticmethod
    def _write(m: mmap.mmap, data: bytes, header_length: int | None = None) -> None:
        m.seek(0)
        m.write(struct.pack("=I", len(data) if header_length is None else header_length))
        m.write(data)

    def _read(self, m: mmap.mmap) -> bytes:
        m.seek(0)
        (size,) = struct.unpack("=I", m.read(HEADER_SIZE))
        if size > self.buffer_size - HEADER_SIZE:
            raise RPCTransportError(f"Invalid message size: {size}")
        return m.read(size)

    def _send(self, m, empty: str, full: str, data: bytes, what: str,
              header_length: int | None = None) -> None:
        self._check_size(data)
        try:
            if not sem_timedwait(self.sems[empty], self.timeout):
                raise RPCTimeoutError(f"Timeout sending {what}")
            self._write(m, data, header_length)
            sem_post(self.sems[full])
        except OSError as e:
            raise RPCTransportError(f"Failed to send {what}: {e}") from e

    def _receive(self, m, empty: str, full: str, what: str) -> bytes:
        try:
            if not sem_timedwait(self.sems[full], self.timeout):
                raise RPCTimeoutError(f"Timeout receiving {what}")
            data = self._read(m)  # on a bad length, "empty" is not posted
            sem_post(self.sems[empty])
            return data
        except (OSError, RPCTransportError) as e:
            raise RPCTransportError(f"Failed to receive {what}: {e}") from e

    def send_request(self, data: bytes, header_length: int | None = None) -> None:
        self._send(self.req_map, "req_empty", "req_full", data, "request", header_length)

    def receive_request(self) -> bytes:
        return self._receive(self.req_map, "req_empty", "req_full", "request")

    def send_response(self, data: bytes) -> None:
        self._send(self.resp_map, "resp_empty", "resp_full", data, "response")

    def receive_response(self) -> bytes:
        return self._receive(self.resp_map, "resp_empty", "resp_full", "response")

    # -- teardown ----------------------------------------------------------

    def close(self) -> None:
        for m in (self.req_map, self.resp_map):
            if m is not None:
                try:
                    m.close()
                except Exception:
                    pass
        self.req_map = self.resp_map = None
        for sem in self.sems.values():
            libc.sem_close(sem)
        self.sems = {}
        if self.owner:
            for name in self.created_shm:
                try:
                    shm_unlink(name)
                except OSError:
                    pass
            for name in self.created_sem:
                try:
                    sem_unlink(name)
                except OSError:
                    pass
        self.created_shm = []
        self.created_sem = []


def open_client_transport(name, buffer_size, timeout, wait_for_server) -> Transport:
    start = time.monotonic()
    while True:
        try:
            return Transport(name, buffer_size, timeout, owner=False)
        except RPCTransportError as e:
            if wait_for_server <= 0.0:
                raise
            if time.monotonic() - start > wait_for_server:
                # (sic) the seed joins the two messages without a space
                raise RPCTransportError(
                    f"Timed out waiting for shared memory transport {name}.{e}"
                ) from e
        time.sleep(WAIT_POLL_INTERVAL)


# ---------------------------------------------------------------------------
# Server
# ---------------------------------------------------------------------------


class RPCServer:
    """Named like the seed's class so that error texts about the built-in
    method read the same (e.g. "RPCServer.__running__() got an unexpected
    keyword argument ...")."""

    @staticmethod
    def __running__() -> bool:
        return True


def add(a, b):
    return a + b


def subtract(a, b):
    return a - b


def multiply(a, b):
    return a * b


def divide(a, b):
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b


def echo(**kw):
    return kw


def greet(name):
    return f"Hello, {name}!"


def sleep(seconds):
    time.sleep(seconds)
    return True


METHODS = {
    "__running__": RPCServer.__running__,
    "add": add,
    "subtract": subtract,
    "multiply": multiply,
    "divide": divide,
    "echo": echo,
    "greet": greet,
    "sleep": sleep,
}

_in_method = False


def _on_signal(signum, frame):
    global _stop_requested
    _stop_requested = True
    if _in_method:  # e.g. inside sleep(): leave now, as the seed would
        raise _Stop()


def _decode_request(data: bytes):
    """Like the seed: anything short of a JSON object with request_id,
    method and params is an exception that ends the server."""
    obj = deserialize(data)
    return obj["request_id"], obj["method"], obj["params"]


def serve(args) -> int:
    global _in_method
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _on_signal)
    log = (lambda msg: print(f"seed_peer server: {msg}", file=sys.stderr, flush=True)) \
        if args.verbose else (lambda msg: None)
    try:
        transport = Transport(args.name, args.buffer_size, args.timeout, owner=True,
                              slow_create=args.slow_create)
    except RPCTransportError as e:
        print(f"seed_peer server: {describe(e)}", file=sys.stderr, flush=True)
        return 1
    status = 0
    try:
        print("ready", flush=True)
        while not _stop_requested:
            try:
                data = transport.receive_request()
            except RPCTimeoutError:
                continue
            request_id, method, params = _decode_request(data)
            log(f"request {request_id!r} {method!r}")
            _in_method = True
            try:
                if method not in METHODS:
                    raise RPCError(f"Unknown method: {method}")
                result, error = METHODS[method](**params), None
            except Exception as e:
                result, error = None, f"{type(e).__name__}: {e}"
            finally:
                _in_method = False
            payload = serialize({"request_id": request_id, "result": result, "error": error})
            transport.send_response(payload)
            log(f"response {request_id!r} error={error!r}")
    except _Stop:
        pass
    except Exception as e:
        # The seed's start() re-raises after close(): the server is gone.
        print(f"seed_peer server: fatal: {describe(e)}", file=sys.stderr, flush=True)
        status = 1
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)  # don't interrupt the cleanup
        transport.close()
        log("closed, objects unlinked")
    return status


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------


def call(transport: Transport, method: str, params: dict):
    request_id = str(uuid.uuid4())
    transport.send_request(
        serialize({"request_id": request_id, "method": method, "params": params})
    )
    response = deserialize(transport.receive_response())
    try:
        got_id = response["request_id"]
        result, error = response.get("result"), response.get("error")
    except (TypeError, KeyError, AttributeError) as e:
        raise RPCSerializationError(f"Malformed response: {describe(e)}") from e
    if got_id != request_id:
        raise RPCError(f"Response ID mismatch: expected {request_id}, got {got_id}")
    if error:  # the seed tests truthiness
        raise RPCMethodError(error if isinstance(error, str) else compact(error))
    return result


def run_client(args) -> int:
    if args.params is None:
        params = {}
    else:
        try:
            params = json.loads(args.params)
        except ValueError as e:
            print(f"seed_peer client: PARAMS_JSON: {e}", file=sys.stderr)
            return EXIT_USAGE
        if not isinstance(params, dict):
            print("seed_peer client: PARAMS_JSON must be a JSON object", file=sys.stderr)
            return EXIT_USAGE
    if args.count < 1:
        print("seed_peer client: --count must be >= 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        transport = open_client_transport(args.name, args.buffer_size, args.timeout, args.wait)
    except RPCError as e:
        print(f"seed_peer client: {describe(e)}", file=sys.stderr)
        return EXIT_TRANSPORT
    try:
        for _ in range(args.count):
            try:
                result = call(transport, args.method, params)
            except RPCMethodError as e:
                print(str(e), file=sys.stderr)
                return EXIT_REMOTE
            except RPCError as e:
                print(f"seed_peer client: {describe(e)}", file=sys.stderr)
                return EXIT_TRANSPORT
            print(compact(result), flush=True)
        return EXIT_OK
    finally:
        transport.close()


def run_raw_client(args) -> int:
    payload = sys.stdin.buffer.read()
    try:
        transport = open_client_transport(args.name, args.buffer_size, args.timeout, args.wait)
    except RPCError as e:
        print(f"seed_peer raw-client: {describe(e)}", file=sys.stderr)
        return EXIT_TRANSPORT
    try:
        transport.send_request(payload, header_length=args.header_length)
        response = transport.receive_response()
    except RPCError as e:
        print(f"seed_peer raw-client: {describe(e)}", file=sys.stderr)
        return EXIT_TRANSPORT
    finally:
        transport.close()
    sys.stdout.buffer.write(response + b"\n")
    sys.stdout.flush()
    return EXIT_OK


# ---------------------------------------------------------------------------


def _buffer_size(text: str) -> int:
    n = int(text)
    if n <= HEADER_SIZE:
        raise argparse.ArgumentTypeError(f"must be > {HEADER_SIZE}")
    return n


def _u32(text: str) -> int:
    n = int(text, 0)
    if not 0 <= n <= 0xFFFFFFFF:
        raise argparse.ArgumentTypeError("must fit in an unsigned 32-bit integer")
    return n


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="seed_peer.py",
        description="Stand-in peer for shm-rpc-bridge 0.2.2 (standard library only).",
    )
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp, wait=True):
        sp.add_argument("name", metavar="NAME", help="channel name (objects /srb_NAME_*)")
        sp.add_argument("--buffer-size", type=_buffer_size, default=DEFAULT_BUFFER_SIZE,
                        metavar="N", help="bytes per segment (default 4096)")
        sp.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                        help="timeout of every semaphore wait (default 5.0)")
        if wait:
            sp.add_argument("--wait", type=float, default=0.0, metavar="S",
                            help="wait up to S seconds for the server's objects (default 0)")

    sp = sub.add_parser("server", help="create the channel and serve until SIGTERM/SIGINT")
    common(sp, wait=False)
    sp.add_argument("--verbose", "-v", action="store_true", help="log requests on stderr")
    sp.add_argument("--slow-create", type=float, default=0.0, metavar="S",
                    help="sleep S seconds after each step of creating the channel "
                         "(a segment is 0 bytes until its ftruncate)")

    sp = sub.add_parser("client", help="call METHOD and print each result as JSON")
    common(sp)
    sp.add_argument("method", metavar="METHOD")
    sp.add_argument("params", metavar="PARAMS_JSON", nargs="?", default=None,
                    help="JSON object of keyword arguments (default {})")
    sp.add_argument("--count", type=int, default=1, metavar="N",
                    help="number of calls over one connection (default 1)")

    sp = sub.add_parser("raw-client", help="send stdin verbatim as one request, "
                                           "print the raw response payload")
    common(sp)
    sp.add_argument("--header-length", type=_u32, default=None, metavar="N",
                    help="write N in the length header instead of the real length")

    args = p.parse_args(argv)
    if args.cmd == "server":
        return serve(args)
    if args.cmd == "client":
        return run_client(args)
    return run_raw_client(args)


if __name__ == "__main__":
    sys.exit(main())
