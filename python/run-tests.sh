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
# The runner's own output, then one line the top-level runner adds up:
# "python: N passed, N failed, N skipped" (expected failures count as
# skipped: they do not pass).
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if "$PYTHON" -c 'import pytest' 2>/dev/null; then
	set +e
	"$PYTHON" -m pytest -p no:cacheprovider -q -rfEx "$@" . 2>&1 | tee "$out"
	rc=$?
	set -e
	sum=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$out" | tail -1)
	n() { echo "$sum" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+' || echo 0; }
	passed=$(n passed)
	failed=$(($(n failed) + $(n error) + $(n errors) + $(n xpassed)))
	skipped=$(($(n skipped) + $(n xfailed)))
else
	set +e
	"$PYTHON" -m unittest discover -s . -t . "$@" 2>&1 | tee "$out"
	rc=$?
	set -e
	ran=$(grep -oE '^Ran [0-9]+' "$out" | grep -oE '[0-9]+' || echo 0)
	# "FAILED (failures=1, errors=2, expected failures=5)": a count
	# follows "(" or ", ", so "failures" does not match inside
	# "expected failures".
	n() { grep -oE "[(,] ?$1=[0-9]+" "$out" | tail -1 | grep -oE '[0-9]+$' || echo 0; }
	failed=$(($(n failures) + $(n errors) + $(n 'unexpected successes')))
	skipped=$(($(n skipped) + $(n 'expected failures')))
	passed=$((ran - failed - skipped))
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1 # the runner failed without saying which test
fi
echo "python: $passed passed, $failed failed, $skipped skipped"
exit "$rc"
