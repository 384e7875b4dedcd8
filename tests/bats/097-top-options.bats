#!/usr/bin/env bats
# The shmrpc-top(1) options no other suite uses: -a, -u, --no-color.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	TOP=$BUILD/bin/shmrpc-top
	TMUX_SOCK=$TAG
}

suite_teardown() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK"
}

@test "shmrpc-top -a and -u: every user's channels, or one user's" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run "$TOP" -b -n 1 -a -f "$TAG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$ch"* ]]
	run "$TOP" -b -n 1 --user="$(id -un)" -f "$TAG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$ch"* ]]
	run "$TOP" -b -n 1 -u "$(id -u nobody)" -f "$TAG"
	[ "$status" -eq 0 ]
	[[ "$output" != *"$ch"* ]]
	run "$TOP" -b -n 1 -u no-such-user-here
	[ "$status" -eq 2 ]
}

# tui_screen SESSION CMD...: one screen of CMD (shmrpc-top) in a tmux
# session of that name, with its colour escapes (capture-pane -e).
tui_screen() {
	local cmd s=$1
	shift
	printf -v cmd '%q ' "$@"
	tmux -L "$TMUX_SOCK" new-session -d -s "$s" -x 160 -y 30 \
	    "env -u NO_COLOR TERM=xterm-256color SHMRPC_REGISTRY=$SHMRPC_REGISTRY $cmd; sleep 600"
	for _ in $(seq 100); do
		tmux -L "$TMUX_SOCK" capture-pane -p -t "$s" | grep -q "$TAG" && break
		sleep 0.1
	done
	tmux -L "$TMUX_SOCK" capture-pane -e -p -t "$s"
}

@test "shmrpc-top --no-color: the state as a word, without colour" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	coloured=$(tui_screen one "$TOP" -f "$TAG")
	plain=$(tui_screen two "$TOP" --no-color -f "$TAG")
	row=$(grep -F "$ch" <<<"$plain")
	echo "$row"
	[[ "$row" == *LIVE* ]]
	# A colour is set on the channel's row without the option only.
	[[ "$(grep -F "$ch" <<<"$coloured")" =~ $'\e'\[(3[0-7]|38|9[0-7]) ]]
	! [[ "$row" =~ $'\e'\[(3[0-7]|38|9[0-7]) ]]
}
