#!/bin/sh
# installdirs.sh - the directories `make install` creates, and only those
# removed again by `make uninstall` (when empty).
#
#   installdirs.sh make MANIFEST DIR...   create each DIR; every directory
#                                         that did not exist is appended
#                                         to MANIFEST, parents first
#   installdirs.sh remove MANIFEST        remove MANIFEST, then each
#                                         directory it lists, deepest
#                                         first, if empty (and the empty
#                                         directories inside it)
set -eu
cmd=$1 manifest=$2
shift 2
case $cmd in
make)
	created=""
	for d in "$(dirname "$manifest")" "$@"; do
		missing=""
		p=$d
		while [ ! -d "$p" ]; do
			missing="$p
$missing"
			p=$(dirname "$p")
		done
		mkdir -p "$d"
		created="$created$missing"
	done
	# Written last: the manifest's own directory is among them.
	printf '%s' "$created" | grep -v '^$' >>"$manifest" || true
	;;
remove)
	[ -f "$manifest" ] || exit 0
	list=$(sort -r "$manifest")
	rm -f "$manifest"
	# A directory install created holds only what installs put there:
	# its empty subdirectories (e.g. the Python package's) go too.
	printf '%s\n' "$list" | while IFS= read -r d; do
		[ -n "$d" ] && [ -d "$d" ] &&
		    find "$d" -depth -type d -empty -delete 2>/dev/null || true
	done
	;;
*)
	echo "usage: installdirs.sh make|remove MANIFEST [DIR...]" >&2
	exit 2
	;;
esac
