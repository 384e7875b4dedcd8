#!/usr/bin/env bash
# Run the C unit test programs, then the bats suites, and end with one plain
# "total: N passed, N failed, N skipped" line over both (bats' own summary
# is not a line CI tools read).
#
# usage: run-tests.sh [--unit-only|--bats-only] UNIT_BINARY...
# env:   VALGRIND  command prefix for the unit programs (e.g. valgrind -q)
#        BATS_DIR  suites to run (default tests/bats)
set -u
mode=all
case "${1:-}" in
--unit-only|--bats-only) mode=${1#--}; shift ;;
esac

passed=0 failed=0 skipped=0 status=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if [ "$mode" != bats-only ]; then
	for t in "$@"; do
		# shellcheck disable=SC2086
		${VALGRIND:-} "$t" >"$out" 2>&1
		rc=$?
		cat "$out"
		p=$(grep -c '^\[       OK \]' "$out")
		f=$(grep -c '^\[  FAILED  \]' "$out")
		# cmocka's skip() (e.g. test_mallocs under a sanitizer)
		s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:$/\1/p' \
		    "$out" | awk '{ n += $1 } END { print n + 0 }')
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
		if [ "$rc" -ne 0 ]; then
			status=1
			if [ "$f" -eq 0 ]; then
				echo "$t: exited with status $rc" >&2
				failed=$((failed + 1))
			fi
		fi
	done
fi

# The fuzz targets (FUZZ: their binaries, fuzz_<name>, set by make test),
# each counted as one test: first every input in fuzz/regressions/<name>/
# (each crashed the target once), then fuzzing from fuzz/corpus/<name> and
# FUZZ_WORK/<name>, FUZZ_TIME seconds for wire_json and FUZZ_TIME_EACH for
# the others.  A target that was not built (no clang/libFuzzer) is a loud
# skip.
run_fuzz_target() {
	local bin=$1 name secs dir rc runs
	name=$(basename "$bin")
	name=${name#fuzz_}
	secs=${FUZZ_TIME_EACH:-8}
	[ "$name" = wire_json ] && secs=${FUZZ_TIME:-20}
	if [ ! -x "$bin" ]; then
		echo "*** SKIPPED fuzz_$name: $bin not built (clang with libFuzzer missing; make deps installs it) ***" >&2
		skipped=$((skipped + 1))
		return
	fi
	dir=fuzz/regressions/$name
	if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
		UBSAN_OPTIONS=halt_on_error=1 "$bin" "$dir"/* >"$out" 2>&1
		rc=$?
		if [ "$rc" -ne 0 ]; then
			tail -30 "$out"
			echo "not ok fuzz_$name: a regression input fails again (status $rc)"
			failed=$((failed + 1))
			status=1
			return
		fi
	fi
	mkdir -p "${FUZZ_WORK:-build/fuzz/corpus}/$name"
	UBSAN_OPTIONS=halt_on_error=1 "$bin" -max_total_time="$secs" \
	    -timeout=20 -artifact_prefix="$(dirname "$bin")/$name-" \
	    "${FUZZ_WORK:-build/fuzz/corpus}/$name" "fuzz/corpus/$name" \
	    >"$out" 2>&1
	rc=$?
	runs=$(grep -o 'Done [0-9]* runs' "$out" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "ok fuzz_$name: $secs s, ${runs:-? runs}, no failure"
		passed=$((passed + 1))
	else
		tail -30 "$out"
		echo "not ok fuzz_$name: failed (status $rc); crash input in $(dirname "$bin")/"
		failed=$((failed + 1))
		status=1
	fi
}

if [ "$mode" != bats-only ] && [ -n "${FUZZ:-}" ]; then
	for bin in $FUZZ; do
		run_fuzz_target "$bin"
	done
fi

# The Python package's suite (python/run-tests.sh), with the interpreter
# in PY_TESTS and the package built in PY_LIBDIR (make test sets both).
if [ "$mode" = all ] && [ -n "${PY_TESTS:-}" ]; then
	PYTHON=$PY_TESTS python/run-tests.sh >"$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep '^python: ' "$out" | tail -1)
	if [ -z "$line" ]; then
		echo "python tests: no summary (status $rc)" >&2
		failed=$((failed + 1))
		status=1
	else
		passed=$((passed + $(echo "$line" | awk '{print $2}')))
		failed=$((failed + $(echo "$line" | awk '{print $4}')))
		skipped=$((skipped + $(echo "$line" | awk '{print $6}')))
		[ "$rc" -eq 0 ] || status=1
	fi
fi

if [ "$mode" != unit-only ]; then
	set -o pipefail
	bats --tap "${BATS_DIR:-tests/bats}" | tee "$out" || status=1
	set +o pipefail
	p=$(grep -c '^ok ' "$out")
	s=$(grep -c '^ok .* # skip' "$out")
	f=$(grep -c '^not ok ' "$out")
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
fi

echo "total: $passed passed, $failed failed, $skipped skipped"
exit $status
