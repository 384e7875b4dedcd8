#!/bin/sh
# python/run-tests.sh - run the shmrpc Python suite with one interpreter.
#
#   PYTHON=python3 PY_LIBDIR=build/python/<tag>/lib python/run-tests.sh [ARGS...]
#
# PY_LIBDIR is where `make python` put the package for that interpreter
# (python/python.mk prints it: `make python-libdir`).  With pytest importable
# (Debian's python3-pytest) the suite runs under pytest, which honours the
# xfail marks; otherwise under unittest (expected failures are counted the
# same way).  BUILD/EXDIR locate the C tools and examples, as for the bats
# suites.  Extra ARGS go to the runner.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
: "${PY_LIBDIR:?set PY_LIBDIR to the package build directory (make python-libdir)}"
case $PY_LIBDIR in /*) ;; *) PY_LIBDIR=$(pwd)/$PY_LIBDIR ;; esac
[ -d "$PY_LIBDIR/shmrpc" ] || { echo "run-tests.sh: no shmrpc package in $PY_LIBDIR: run make python" >&2; exit 2; }
PYTHONPATH=$PY_LIBDIR${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH
# The tests import their helpers (support.py) from the tests directory.
cd "$here/tests"
if "$PYTHON" -c 'import pytest' 2>/dev/null; then
	exec "$PYTHON" -m pytest -p no:cacheprovider -q "$@" .
fi
exec "$PYTHON" -m unittest discover -s . -t . "$@"
