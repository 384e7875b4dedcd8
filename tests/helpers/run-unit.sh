#!/bin/sh
# Run the C unit test programs given as arguments (under $VALGRIND when
# set), and print "N passed, N failed" over all their cmocka test cases.
set -u
passed=0
failed=0
status=0
out=$(mktemp)
for t in "$@"; do
	# shellcheck disable=SC2086
	${VALGRIND:-} "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(grep -c '^\[       OK \]' "$out")
	f=$(grep -c '^\[  FAILED  \]' "$out")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ]; then
		status=1
		if [ "$f" -eq 0 ]; then
			echo "$t: exited with status $rc" >&2
			failed=$((failed + 1))
		fi
	fi
done
rm -f "$out"
echo "unit: $passed passed, $failed failed"
exit $status
