#!/usr/bin/env bats
# Each tool's man page matches the tool: every option it documents is used
# by some test, --help has one line per option and no other, every exit
# status it documents is produced here, and -h exits as documented.

load helpers

suite_setup() {
	CLEAN=$BUILD/bin/shmrpc-clean
	TOP=$BUILD/bin/shmrpc-top
	SERVER=$BUILD/tests/test-server
}

# options PAGE: "-x --long" lines (either "-" when missing).
options() {
	python3 "$ROOT/tests/helpers/man-options.py" "$ROOT/man/$1"
}

# exit_statuses PAGE: the statuses under EXIT STATUS, one a line.
exit_statuses() {
	awk '/^\.Sh EXIT STATUS/ { on = 1; next } /^\.Sh/ { on = 0 }
	    on && /^\.It [0-9]+$/ { print $2 }' "$ROOT/man/$1"
}

# exit_text PAGE STATUS: the text documenting STATUS.
exit_text() {
	awk -v s="$2" '/^\.Sh EXIT STATUS/ { on = 1; next } /^\.Sh/ { on = 0 }
	    on && /^\.It / { it = ($2 == s); next } on && it' "$ROOT/man/$1"
}

# untested PAGE VAR: the options of PAGE that no bats line running $VAR
# uses (as a word: "-x", "-x=", "--long", "--long=").
untested() {
	local calls short long
	calls=$(grep -h -F "\$$2" "$ROOT"/tests/bats/*.bats)
	while read -r short long; do
		for o in "$short" "$long"; do
			[ "$o" = - ] && continue
			if grep -q -E -- "(^|[ \"'])$o([ =\"']|\$)" <<<"$calls"; then
				continue 2
			fi
		done
		echo "$short $long"
	done < <(options "$1")
}

@test "every option of shmrpc-call(1), shmrpc-clean(1), shmrpc-top(1) is used by a test" {
	missing=$(untested shmrpc-call.1 CALL; untested shmrpc-clean.1 CLEAN;
	    untested shmrpc-top.1 TOP)
	[ -z "$missing" ] || { echo "options no test uses:"; echo "$missing"; return 1; }
}

# help_matches TOOL PAGE: --help names each option of PAGE on one line of
# its own, and has no other option lines.
help_matches() {
	local help short long n=0
	help=$("$@" --help) || return 1
	while read -r short long; do
		n=$((n + 1))
		if [ "$short" = - ]; then
			re="^ +$long([= ]|\$)"
		else
			re="^ +$short, $long([= ]|\$)"
		fi
		[ "$(grep -c -E -- "$re" <<<"$help")" -eq 1 ] ||
		    { echo "$1 --help: no line (or several) for $short $long"; return 1; }
	done < <(options "$PAGE")
	[ "$(grep -c -E '^ +-' <<<"$help")" -eq "$n" ] ||
	    { echo "$1 --help: option lines that the man page lacks:"; echo "$help"; return 1; }
}

@test "--help of shmrpc-call and shmrpc-clean: one line per documented option" {
	PAGE=shmrpc-call.1 help_matches "$CALL"
	PAGE=shmrpc-clean.1 help_matches "$CLEAN"
}

@test "-h exits with the status each man page gives it" {
	for t in call clean top; do
		page=shmrpc-$t.1
		run "$BUILD/bin/shmrpc-$t" -h
		[ "$status" -eq 0 ]
		for s in $(exit_statuses "$page"); do
			[ "$s" -eq 0 ] && continue
			if exit_text "$page" "$s" | grep -q -E '^\.?Fl h( |$)'; then
				echo "$page: -h listed under status $s, but it exits 0"
				return 1
			fi
		done
	done
}

# produce TOOL STATUS: run something that makes TOOL exit with STATUS.
produce() {
	local ch=$(channel_name produce)
	case $1:$2 in
	call:0) run "$CALL" --version ;;
	call:1) start_bg "$SERVER" "$ch"; wait_channel "$ch"
		run "$CALL" "$ch" fail message=x ;;
	call:2) run "$CALL" --bogus ;;
	call:3) run "$CALL" "$ch" echo ;;
	clean:0) run "$CLEAN" -n -p "$TAG" ;;
	clean:1) run env SHMRPC_REGISTRY=/nonexistent/registry.json "$CLEAN" -p "$TAG" ;;
	clean:2) run "$CLEAN" --bogus ;;
	top:0) run "$TOP" -b -n 1 -f "$TAG" ;;
	top:1) run sh -c '"$0" -b -n 1 -f "$1" >/dev/full' "$TOP" "$TAG" ;;
	top:2) run "$TOP" --bogus ;;
	*) echo "no test produces status $2 of shmrpc-$1"; return 1 ;;
	esac
	[ "$status" -eq "$2" ] || { echo "shmrpc-$1: wanted status $2, got $status: $output"; return 1; }
	stop_all
}

@test "every exit status documented in shmrpc-call(1), shmrpc-clean(1), shmrpc-top(1) is produced" {
	for t in call clean top; do
		for s in $(exit_statuses "shmrpc-$t.1"); do
			produce "$t" "$s"
		done
	done
}

@test "shmrpc-clean -l -q: the listing without its heading, as documented" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	grep -q '^\.Op Fl ajqv$' <(sed -n '/^\.Fl l$/,/^\.Nm$/p' "$ROOT/man/shmrpc-clean.1")
	run "$CLEAN" -l -p "$TAG"
	[ "$status" -eq 0 ]
	all=${#lines[@]}
	run "$CLEAN" -l -q -p "$TAG"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq $((all - 1)) ]
	[[ "$output" == *"$ch"* ]]
}
