#!/usr/bin/env bats
# Shell completion of the three tools: options as --opt=value, channel
# names from the registry, method names from the server's __methods__.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	CLEAN=$BUILD/bin/shmrpc-clean
	TOP=$BUILD/bin/shmrpc-top
	COMP=$ROOT/contrib/bash-completion/shmrpc
}

# comp FUNC WORD...: the replies of bash completion function FUNC for the
# words of a command line as bash splits them (the default
# COMP_WORDBREAKS splits at "="), the last word being completed.
comp() {
	run bash -c '. "$1"; f=$2; shift 2; COMP_WORDS=("$@")
	    COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
	    "$f"; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@"
	[ "$status" -eq 0 ]
}

@test "bash: options of the three tools, those with a value as --opt=" {
	comp _shmrpc_call "$CALL" --tr
	[ "$output" = "--transport=" ]
	comp _shmrpc_call "$CALL" --transport = ""
	[ "$output" = $'posix\nfutex' ]
	comp _shmrpc_call "$CALL" -t f
	[ "$output" = futex ]
	comp _shmrpc_clean "$CLEAN" --dr
	[ "$output" = "--dry-run" ]
	comp _shmrpc_clean "$CLEAN" --gr
	[ "$output" = "--grace=" ]
	comp _shmrpc_top "$TOP" --output = j
	[ "$output" = json ]
	comp _shmrpc_top "$TOP" --no
	[ "$output" = "--no-color" ]
	# Every long option of each man page is offered.
	for t in call:_shmrpc_call:CALL clean:_shmrpc_clean:CLEAN top:_shmrpc_top:TOP; do
		IFS=: read -r page fn var <<<"$t"
		comp "$fn" "${!var}" --
		offered=$output
		for long in $(python3 "$ROOT/tests/helpers/man-options.py" "$ROOT/man/shmrpc-$page.1" | awk '$2 != "-" { print $2 }'); do
			grep -q -x -E -- "$long=?" <<<"$offered" ||
			    { echo "shmrpc-$page: $long not offered"; return 1; }
		done
	done
}

@test "bash: channel names from the registry, --channel=NAME as one word too" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	comp _shmrpc_call "$CALL" "${ch:0:6}"
	[ "$output" = "$ch" ]
	comp _shmrpc_call "$CALL" -j -t futex "${ch:0:6}"
	[ "$output" = "$ch" ]
	comp _shmrpc_clean "$CLEAN" --channel = "${ch:0:6}"
	[ "$output" = "$ch" ]
	comp _shmrpc_clean "$CLEAN" -c "${ch:0:6}"
	[ "$output" = "$ch" ]
	comp _shmrpc_top "$TOP" -f "${ch:0:6}"
	[ "$output" = "$ch" ]
	# With "=" not a word break, the reply keeps the option.
	run bash -c '. "$1"; COMP_WORDBREAKS=" "; COMP_WORDS=("$2" "--channel=$3")
	    COMP_CWORD=1; _shmrpc_clean; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$CLEAN" "${ch:0:6}"
	[ "$output" = "--channel=$ch" ]
}

@test "bash: method names from the server" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	comp _shmrpc_call "$CALL" "$ch" ec
	[ "$output" = $'echo\necho_bytes' ]
	comp _shmrpc_call "$CALL" -T 2 "$ch" __
	[ "$output" = $'__running__\n__methods__' ]
	# A params word gets nothing; nor does a method word after -l.
	comp _shmrpc_call "$CALL" "$ch" echo a
	[ -z "$output" ]
	comp _shmrpc_call "$CALL" -l "$ch" e
	[ -z "$output" ]
}

# zsh_complete TEXT: the line (trailing blanks cut) after typing TEXT and Tab in an interactive
# zsh (in tmux) that loads contrib/zsh/_shmrpc, the tools on its PATH.
zsh_complete() {
	local s=${TAG}z
	tmux -L "$s" new-session -d -x 150 -y 20 "env -i HOME=$BATS_TEST_TMPDIR TERM=xterm PATH=$BUILD/bin:/usr/bin:/bin SHMRPC_REGISTRY=$SHMRPC_REGISTRY zsh -f"
	tmux -L "$s" send-keys "fpath=($ROOT/contrib/zsh \$fpath); autoload -Uz compinit; compinit -u; PS1='%% '; clear" Enter
	for _ in $(seq 50); do
		tmux -L "$s" capture-pane -p | grep -q '^% $' && break
		sleep 0.1
	done
	tmux -L "$s" send-keys "$1" Tab
	for _ in $(seq 30); do
		sleep 0.1
		line=$(tmux -L "$s" capture-pane -p | grep '^% ' | tail -1)
		[ "$line" != "% $1" ] && break
	done
	tmux -L "$s" kill-server
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$s"
}

@test "zsh: options, channels from the registry, methods from the server" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	zsh_complete "shmrpc-call --tran"
	[ "$line" = "% shmrpc-call --transport=" ]
	zsh_complete "shmrpc-call ${ch:0:6}"
	echo "$line"
	[ "$line" = "% shmrpc-call $ch" ]
	zsh_complete "shmrpc-call $ch sl"
	[ "$line" = "% shmrpc-call $ch sleep" ]
	zsh_complete "shmrpc-clean --channel=${ch:0:6}"
	[ "$line" = "% shmrpc-clean --channel=$ch" ]
	zsh_complete "shmrpc-top --out"
	[ "$line" = "% shmrpc-top --output=" ]
}
