"""Build the shmrpc package: `python3 setup.py build --build-base DIR`.

No pip, no network: Debian's python3-setuptools and python3-dev are enough.
The extension links the project's static library (built by `make lib`) and
jansson.  Environment:
  SHMRPC_LIB      path of libshmrpc.a   (default ../build/lib/libshmrpc.a)
  SHMRPC_INCLUDE  directory of shmrpc.h (default ../libshmrpc/include)
  SHMRPC_CFLAGS   extra compiler flags (e.g. -Werror, sanitizers)
"""

import os
import shlex

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)  # the source paths below are relative to this directory
ROOT = os.path.dirname(HERE)
LIB = os.environ.get("SHMRPC_LIB", os.path.join(ROOT, "build", "lib", "libshmrpc.a"))
INCLUDE = os.environ.get("SHMRPC_INCLUDE", os.path.join(ROOT, "libshmrpc", "include"))
# The library's internal headers: the binding shares its float formatter
# (codec/float_format.h), linked from libshmrpc.a.
INTERNAL = os.path.join(ROOT, "libshmrpc", "src")

SOURCES = [
    "src/module.c",
    "src/errors.c",
    "src/outbuf.c",
    "src/encode.c",
    "src/decode.c",
    "src/client.c",
    "src/server.c",
]

CFLAGS = [
    "-std=gnu11",
    "-Wall",
    "-Wextra",
    "-Wshadow",
    "-Wconversion",
    "-Wno-sign-conversion",
    "-Wstrict-prototypes",
    "-Wmissing-prototypes",
    # CPython's own headers trip these:
    "-Wno-missing-field-initializers",
    "-Wno-cast-function-type",
    "-pthread",
    "-fvisibility=hidden",
] + shlex.split(os.environ.get("SHMRPC_CFLAGS", ""))

if not os.path.exists(LIB):
    raise SystemExit(f"setup.py: {LIB} not found: run `make lib` first (or set SHMRPC_LIB)")

setup(
    name="shmrpc",
    version="0.1.0",
    description="shm-rpc-bridge's Python API on libshmrpc (RPC over POSIX shared memory)",
    license="MIT",
    python_requires=">=3.11",
    packages=["shmrpc"],
    ext_modules=[
        Extension(
            "shmrpc._shmrpc",
            sources=SOURCES,
            depends=[os.path.join("src", f) for f in os.listdir(os.path.join(HERE, "src")) if f.endswith(".h")]
            + [LIB, os.path.join(INCLUDE, "shmrpc.h"), os.path.join(INTERNAL, "codec", "float_format.h")],
            include_dirs=[INCLUDE, INTERNAL],
            extra_compile_args=CFLAGS,
            extra_objects=[LIB],
            libraries=["jansson", "pthread"],
        )
    ],
)
